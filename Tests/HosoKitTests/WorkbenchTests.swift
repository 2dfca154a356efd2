import Foundation
import HosoCore
import HosoIndex
import HosoRecords
import HosoStore
import HosoTestSupport
import Synchronization
import Testing

@testable import HosoKit

/// A ledger typed from its scans: drafts that survive a restart, double entry, a third person deciding what the two
/// keyers disagree on, the import's checks on commit, the provenance kept, and hostile scans refused.
@Suite struct WorkbenchTests {
    let dir = TempDirectory()

    static let header = KeyingHeader(
        issuer: "Phòng Giáo dục huyện Tân Lập", title: "SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS", level: "THCS", decisionNumber: "12/QĐ-GD",
        decisionDate: "20/06/1999", year: 1999, school: "Trường THCS Tân Lập", mode: "Chính quy")

    static func entry(_ n: Int, name: String) -> [String: String] {
        [
            "stt": "\(n)", "ledgerNumber": "\(n)", "serial": "B 99000\(n)", "fullName": name, "dateOfBirth": "0\(n)/03/1984",
            "sex": "Nam", "placeOfBirth": "xã Tân Lập", "ethnicity": "Kinh", "graduationGrade": "Khá",
        ]
    }

    /// A PNG's signature and header: enough for the workbench, which shows a PNG as it is.
    static func png(width: Int = 800, height: Int = 1100) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + Array("IHDR".utf8) + be32(width) + be32(height)
            + [8, 2, 0, 0, 0] + [0, 0, 0, 0]
    }

    /// A real TIFF of `pages` pages, made with libtiff's own tools from a small PPM.
    func tiff(pages: Int) throws -> [UInt8] {
        let ppm = Array("P6\n4 4\n255\n".utf8) + [UInt8](repeating: 200, count: 48)
        try Data(ppm).write(to: URL(fileURLWithPath: dir.path + "/p.ppm"))
        _ = try shell("ppm2tiff p.ppm one.tif", in: dir.path)
        _ = try shell("tiffcp " + Array(repeating: "one.tif", count: pages).joined(separator: " ") + " many.tif", in: dir.path)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.path + "/many.tif")))
    }

    /// A PDF of `pages` empty A4 pages with its cross-reference table (poppler reads it as any PDF).
    static func pdf(pages: Int) -> [UInt8] {
        var objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
        objects.append("<< /Type /Pages /Count \(pages) /Kids [" + (0..<pages).map { "\($0 + 3) 0 R" }.joined(separator: " ") + "] >>")
        for _ in 0..<pages { objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>") }
        var out = "%PDF-1.4\n"
        var offsets = [Int]()
        for (i, o) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(i + 1) 0 obj\n\(o)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for o in offsets { out += String(format: "%010d 00000 n \n", o) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(out.utf8)
    }

    func keyBoth(_ a: Archive, _ id: String, second: String = "Trần Văn Bình") throws {
        for (person, name2) in [("keyer-a", "Trần Văn Bình"), ("keyer-b", second)] {
            try a.saveKeyedEntry(id, person: person, page: 1, slot: 1, values: Self.entry(1, name: "Nguyễn Văn An"))
            try a.saveKeyedEntry(id, person: person, page: 1, slot: 2, values: Self.entry(2, name: name2))
            try a.finishKeyedPage(id, person: person, page: 1)
        }
    }

    @Test func twoKeyersWhoAgreeCommitTheLedgerWithItsProvenance() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let l = try a.startKeying(header: Self.header, scans: [ScanUpload(name: "trang1.png", bytes: Self.png())], by: "keyer-a")
        #expect(l.pages.count == 1)
        // A draft is per person and resumes in a new process on the archive.
        let problems = try a.saveKeyedEntry(l.id, person: "keyer-a", page: 1, slot: 1, values: Self.entry(1, name: "Nguyễn  Văn An "))
        #expect(problems.isEmpty)
        let reopened = try Archive.open(at: a.root)
        #expect(try reopened.keyingDraft(l.id, person: "keyer-a").entries.first?.values["fullName"]?.value == "Nguyễn Văn An")
        #expect(try reopened.keyingDraft(l.id, person: "keyer-b").entries.isEmpty)
        try keyBoth(a, l.id)
        // A third person may not key a page two people key.
        #expect(throws: HosoError(.keyingTwoKeyers, .both("", ""))) {
            try a.saveKeyedEntry(l.id, person: "keyer-c", page: 1, slot: 1, values: Self.entry(1, name: "X"))
        }
        // A finished page no longer changes.
        #expect(throws: HosoError(.keyingClosed, .both("", ""))) {
            try a.saveKeyedEntry(l.id, person: "keyer-a", page: 1, slot: 1, values: Self.entry(1, name: "Y"))
        }
        let status = try a.keyingStatus(l.id)
        #expect(status.ready && status.differences.isEmpty && status.pages[0].entries == 2)
        let report = try a.commitKeyedLedger(l.id, person: "keyer-c")
        #expect(report.committed && report.entries == 2)
        let d = try a.digitizations(of: l.recordId)
        #expect(d.count == 1 && d[0].method == "double-entry" && d[0].convertedBy == "keyer-c")
        let prov = try #require(try a.keyingProvenance(revision: report.revision!))
        guard case .array(let entries)? = prov["entries"], case .array(let fields)? = entries[0]["fields"],
            case .array(let keyed)? = fields.first(where: { $0["field"]?.stringValue == "fullName" })?["keyedBy"]
        else { throw FixtureError("no provenance") }
        #expect(entries.count == 2 && Set(keyed.compactMap { $0["person"]?.stringValue }) == ["keyer-a", "keyer-b"])
        #expect(try a.find(FindRequest(text: "Trần Văn Bình")).count == 1)
        // The record is the workflow's own.
        #expect(throws: HosoError.self) {
            _ = try a.createRecord(type: Archive.keyingProvenanceType, id: "keying/x", body: .object([]), author: "x")
        }
        #expect(throws: HosoError(.keyingClosed, .both("", ""))) {
            try a.saveKeyedEntry(l.id, person: "keyer-a", page: 1, slot: 3, values: Self.entry(3, name: "Z"))
        }
    }

    @Test func aDisagreementIsDecidedByAThirdRegistrarOnly() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let l = try a.startKeying(header: Self.header, scans: [ScanUpload(name: "p.png", bytes: Self.png())], by: "keyer-a")
        try keyBoth(a, l.id, second: "Trần Văn Bính")
        var status = try a.keyingStatus(l.id)
        #expect(!status.ready && status.differences.count == 1 && status.differences[0].field == "fullName")
        #expect(status.differences[0].first.value == "Trần Văn Bình" && status.differences[0].second.value == "Trần Văn Bính")
        #expect(throws: HosoError(.keyingNotReady, .both("", ""))) { _ = try a.commitKeyedLedger(l.id, person: "keyer-c") }
        for keyer in ["keyer-a", "keyer-b"] {
            #expect(throws: HosoError(.keyingOwnDisagreement, .both("", ""))) {
                try a.decideKeyedValue(l.id, person: keyer, page: 1, slot: 2, field: "fullName", value: "Trần Văn Bình")
            }
        }
        try a.decideKeyedValue(l.id, person: "keyer-c", page: 1, slot: 2, field: "fullName", value: "Trần Văn Bình")
        status = try a.keyingStatus(l.id)
        #expect(status.ready && status.differences[0].decision?.person == "keyer-c")
        let report = try a.commitKeyedLedger(l.id, person: "keyer-c")
        #expect(report.committed)
        let prov = try #require(try a.keyingProvenance(revision: report.revision!))
        guard case .array(let entries)? = prov["entries"], case .array(let fields)? = entries[1]["fields"] else {
            throw FixtureError("no provenance")
        }
        let name = try #require(fields.first { $0["field"]?.stringValue == "fullName" })
        #expect(name["value"]?.stringValue == "Trần Văn Bình" && name["decidedBy"]?["person"]?.stringValue == "keyer-c")
        #expect(try a.find(FindRequest(text: "Trần Văn Bình")).count == 1)
    }

    @Test func theImportsChecksApplyAsYouTypeAndOnCommit() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let l = try a.startKeying(header: Self.header, scans: [ScanUpload(name: "p.png", bytes: Self.png())], by: "keyer-a")
        var bad = Self.entry(1, name: "Nguyễn Văn An")
        bad["dateOfBirth"] = "31/02/1984"
        bad["sex"] = ""
        let problems = try a.checkKeyedEntry(l.id, page: 1, values: bad)
        #expect(Set(problems.compactMap(\.field)) == ["dateOfBirth", "sex"])
        // A serial another ledger already has is refused while typing.
        var taken = Self.entry(1, name: "Nguyễn Văn An")
        taken["serial"] = "Số 001234/BT"
        #expect(try a.checkKeyedEntry(l.id, page: 1, values: taken).contains { $0.field == "serial" })
    }

    @Test func aMachinesSuggestionIsNobodysKeyingUntilAPersonConfirmsIt() throws {
        struct FixedReader: PagePrefiller {
            func prefill(imageFile: String) throws -> PagePrefill {
                PagePrefill(
                    engine: "test-reader",
                    rows: [
                        PrefillRow(
                            region: [0.05, 0.2, 0.9, 0.04], fields: ["fullName": PrefillField(text: "Nguyễn Văn An", confidence: 0.91)])
                    ])
            }
        }
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let l = try a.startKeying(header: Self.header, scans: [ScanUpload(name: "p.png", bytes: Self.png())], by: "keyer-a")
        let p = try a.prefillPage(l.id, page: 1, using: FixedReader())
        let again = try a.pagePrefill(l.id, page: 1)
        #expect(p.rows.count == 1 && again == p)
        try keyBoth(a, l.id)
        let report = try a.commitKeyedLedger(l.id, person: "keyer-c")
        let prov = try #require(try a.keyingProvenance(revision: report.revision!))
        guard case .array(let entries)? = prov["entries"], case .array(let fields)? = entries[0]["fields"],
            case .array(let keyed)? = fields.first(where: { $0["field"]?.stringValue == "fullName" })?["keyedBy"]
        else { throw FixtureError("no provenance") }
        // Both people keyed it; each is marked as having confirmed the reader's suggestion.
        #expect(keyed.count == 2 && keyed.allSatisfy { $0["confirmedSuggestion"]?["engine"]?.stringValue == "test-reader" })
        guard case .array(let serial)? = fields.first(where: { $0["field"]?.stringValue == "serial" })?["keyedBy"] else {
            throw FixtureError("no serial")
        }
        #expect(serial.allSatisfy { $0["confirmedSuggestion"] == nil })
    }

    @Test func scansOfEveryKindBecomeDisplayPages() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let l = try a.startKeying(
            header: Self.header,
            scans: [
                ScanUpload(name: "a.tif", bytes: try tiff(pages: 3)), ScanUpload(name: "b.png", bytes: Self.png()),
                ScanUpload(name: "c.pdf", bytes: Self.pdf(pages: 2)),
            ],
            by: "keyer-a")
        #expect(l.pages.map(\.number) == [1, 2, 3, 4, 5, 6] && l.pages.map(\.pageInOriginal) == [1, 2, 3, 1, 1, 2])
        for p in 1...6 {
            let img = try a.keyingPageImage(l.id, page: p)
            let head = [UInt8](try Data(contentsOf: URL(fileURLWithPath: img.path)).prefix(4))
            #expect(head == [0x89, 0x50, 0x4E, 0x47] && img.type == "image/png")
        }
        // A lost display page is made again from the original.
        try FileManager.default.removeItem(atPath: a.root + "/workbench/\(l.id)/display/page-2.png")
        #expect(FileManager.default.fileExists(atPath: try a.keyingPageImage(l.id, page: 2).path))
        // The original is kept as sent.
        #expect(try Data(contentsOf: URL(fileURLWithPath: a.root + "/workbench/\(l.id)/originals/001.tiff")) == Data(try tiff(pages: 3)))
    }

    @Test func aRowMarkedOnTheScanBecomesTheEntrysRegionTheFirstKeyersBand() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let l = try a.startKeying(header: Self.header, scans: [ScanUpload(name: "p.png", bytes: Self.png())], by: "keyer-a")
        // A band that is not x,y,w,h within the page is refused, as the import refuses it; nothing is saved.
        for bad in [[0.1, 0.2, 0.5], [0.1, 1.2, 0.5, 0.1], [-0.1, 0.2, 0.5, 0.1], [Double.nan, 0.2, 0.5, 0.1]] {
            #expect(throws: HosoError(.keyingInvalid, .both("", ""))) {
                try a.saveKeyedEntry(l.id, person: "keyer-a", page: 1, slot: 1, values: Self.entry(1, name: "An"), region: bad)
            }
        }
        #expect(throws: HosoError(.keyingInvalid, .both("", ""))) { _ = try Archive.keyedRegion("0.1,0.2,,0.3") }
        #expect(try Archive.keyedRegion(" ") == nil && Archive.keyedRegion("0,0.25,1,0.05") == [0, 0.25, 1, 0.05])
        #expect(try a.keyingDraft(l.id, person: "keyer-a").entries.isEmpty)
        // The first keyer marks both rows; the second marks only the first, elsewhere: regions are no disagreement.
        try a.saveKeyedEntry(
            l.id, person: "keyer-a", page: 1, slot: 1, values: Self.entry(1, name: "Nguyễn Văn An"), region: [0.05, 0.2, 0.9, 0.04])
        try a.saveKeyedEntry(
            l.id, person: "keyer-a", page: 1, slot: 2, values: Self.entry(2, name: "Trần Văn Bình"), region: [0.05, 0.24, 0.9, 0.04])
        try a.saveKeyedEntry(
            l.id, person: "keyer-b", page: 1, slot: 1, values: Self.entry(1, name: "Nguyễn Văn An"), region: [0, 0.5, 1, 0.1])
        try a.saveKeyedEntry(l.id, person: "keyer-b", page: 1, slot: 2, values: Self.entry(2, name: "Trần Văn Bình"))
        #expect(try a.keyingDraft(l.id, person: "keyer-a").entries.map(\.region) == [[0.05, 0.2, 0.9, 0.04], [0.05, 0.24, 0.9, 0.04]])
        for k in ["keyer-a", "keyer-b"] { try a.finishKeyedPage(l.id, person: k, page: 1) }
        #expect(try a.keyingStatus(l.id).differences.isEmpty)
        let report = try a.commitKeyedLedger(l.id, person: "keyer-c")
        #expect(report.committed)
        guard case .array(let entries)? = try a.current(record: l.recordId).1.body["entries"] else { throw FixtureError("no entries") }
        let regions = entries.map { e in
            ["x", "y", "w", "h"].compactMap { k -> Double? in
                if case .number(let v)? = e["region"]?[k] { return v }
                return nil
            }
        }
        #expect(regions == [[0.05, 0.2, 0.9, 0.04], [0.05, 0.24, 0.9, 0.04]])
    }

    @Test func theNextRowsBandStartsJustBelowThePreviousOneAsHigh() {
        #expect(LedgerKeying.nextRegion(after: [0.1, 0.2, 0.8, 0.05]) == [0.1, 0.25, 0.8, 0.05])
        // Kept on the page: cut at its foot, none past it, none without a previous band.
        #expect(LedgerKeying.nextRegion(after: [0, 0.9, 1, 0.08]).map { $0.map { ($0 * 1000).rounded() } } == [0, 980, 1000, 20])
        #expect(LedgerKeying.nextRegion(after: [0, 0.95, 1, 0.05]) == nil)
        #expect(LedgerKeying.nextRegion(after: nil) == nil && LedgerKeying.nextRegion(after: [0, 0.1, 1, 0]) == nil)
        #expect(LedgerKeying.regionText([0.05, 0.2, 1, 1.0 / 3]) == "0.0500,0.2000,1.0000,0.3333")
    }

    @Test func aBigPNGIsShownThroughASmallerCopyAndKeptAsSent() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        // A real PNG, 3000 × 400 grey pixels (zlib through Python's standard library).
        _ = try shell(
            #"python3 -c "import struct,zlib; w,h=3000,400; c=lambda t,d: struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)); "#
                + #"open('big.png','wb').write(b'\x89PNG\r\n\x1a\n'+c(b'IHDR',struct.pack('>IIBBBBB',w,h,8,0,0,0,0))+c(b'IDAT',zlib.compress(b''.join(b'\0'+b'\x80'*w for _ in range(h))))+c(b'IEND',b''))""#,
            in: dir.path)
        let big = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.path + "/big.png")))
        let small = Self.png()
        let l = try a.startKeying(
            header: Self.header, scans: [ScanUpload(name: "big.png", bytes: big), ScanUpload(name: "small.png", bytes: small)],
            by: "keyer-a")
        let shown = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try a.keyingPageImage(l.id, page: 1).path)))
        #expect(WorkbenchScans.pngSize(shown).map { [$0.0, $0.1] } == [1800, 240])
        #expect(try Data(contentsOf: URL(fileURLWithPath: a.root + "/workbench/\(l.id)/originals/001.png")) == Data(big))
        // A page within the limit is shown as sent.
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: try a.keyingPageImage(l.id, page: 2).path))) == small)
        // Made again from the original when the copy is lost.
        try FileManager.default.removeItem(atPath: a.root + "/workbench/\(l.id)/display/page-1.png")
        let again = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try a.keyingPageImage(l.id, page: 1).path)))
        #expect(WorkbenchScans.pngSize(again).map { [$0.0, $0.1] } == [1800, 240])
    }

    @Test func twoArchivesOnOneFolderCannotInterleaveADraftSaveAndACommit() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let other = try Archive.open(at: a.root)  // as a second server on the same archive
        let l = try a.startKeying(header: Self.header, scans: [ScanUpload(name: "p.png", bytes: Self.png())], by: "keyer-a")
        let folder = try a.workbenchDir(l.id)
        let inside = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = Thread {
            // The other server's commit, between reading the drafts and closing the ledger.
            _ = try? other.withLedgerLock(folder) {
                inside.signal()
                release.wait()
                var done = try other.keyingLedger(l.id)
                done.committedRevision = "r-other"
                let e = JSONEncoder()
                try e.encode(done).write(to: URL(fileURLWithPath: folder + "/ledger.json"), options: .atomic)
            }
        }
        holder.start()
        inside.wait()
        // The lock is on a file: a process that opens it anew (as another server does) cannot take it meanwhile.
        #expect(throws: HosoError(.busy, .both("", ""))) {
            _ = try ArchiveLock(path: folder + "/.lock", mode: .exclusive, wait: false)
        }
        let saved = Mutex<Result<[KeyingProblem], any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let saver = Thread {
            let r = Result { try a.saveKeyedEntry(l.id, person: "keyer-a", page: 1, slot: 1, values: Self.entry(1, name: "An")) }
            saved.withLock { $0 = r }
            finished.signal()
        }
        saver.start()
        release.signal()
        finished.wait()
        // The save ran after the commit and found the ledger closed: nothing was added to a committed ledger.
        #expect(throws: HosoError(.keyingClosed, .both("", ""))) { try saved.withLock { $0 }!.get() }
        #expect(try a.keyingDraft(l.id, person: "keyer-a").entries.isEmpty)
        #expect(throws: HosoError(.keyingClosed, .both("", ""))) { try a.finishKeyedPage(l.id, person: "keyer-a", page: 1) }
        // And the lock is let go after each update.
        _ = try ArchiveLock(path: folder + "/.lock", mode: .exclusive, wait: false)
    }

    @Test func aMultiPageTIFFIsTheScanOfEachOfItsPagesAndAnEmptyPageIsFinishedEmpty() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let l = try a.startKeying(header: Self.header, scans: [ScanUpload(name: "so.tif", bytes: try tiff(pages: 3))], by: "keyer-a")
        for person in ["keyer-a", "keyer-b"] {
            try a.saveKeyedEntry(l.id, person: person, page: 1, slot: 1, values: Self.entry(1, name: "Nguyễn Văn An"))
            try a.saveKeyedEntry(l.id, person: person, page: 2, slot: 1, values: Self.entry(2, name: "Trần Văn Bình"))
            for p in 1...3 { try a.finishKeyedPage(l.id, person: person, page: p) }
        }
        #expect(throws: HosoError(.keyingTwoKeyers, .both("", ""))) { try a.finishKeyedPage(l.id, person: "keyer-c", page: 3) }
        let report = try a.commitKeyedLedger(l.id, person: "keyer-c")
        #expect(report.committed && report.entries == 2 && report.scans == 3)
        guard case .array(let pages)? = try a.current(record: l.recordId).1.body["pages"] else { throw FixtureError("no pages") }
        #expect(pages.count == 3 && Set(pages.compactMap { $0["scan"]?.stringValue }).count == 1, "one original, the scan of three pages")
    }

    @Test func hostileScansAreRefusedAndNothingIsKept() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        var small = ScanLimits()
        small.pages = 2
        let cases: [(ScanUpload, HosoError.Code, ScanLimits)] = [
            (ScanUpload(name: "virus.exe", bytes: Array("MZ this is no scan".utf8)), .scanType, ScanLimits()),
            (ScanUpload(name: "huge.png", bytes: Self.png(width: 60000, height: 60000)), .scanTooLarge, ScanLimits()),
            (
                ScanUpload(name: "broken.tif", bytes: [0x49, 0x49, 0x2A, 0x00, 0xFF, 0xFF, 0xFF, 0x7F] + noise(64)), .scanUnreadable,
                ScanLimits()
            ),
            (ScanUpload(name: "many.tif", bytes: try tiff(pages: 3)), .scanTooLarge, small),
            (ScanUpload(name: "pages.pdf", bytes: Self.pdf(pages: 500)), .scanTooLarge, ScanLimits()),
            (ScanUpload(name: "bad.pdf", bytes: Array("%PDF-1.4\n garbage".utf8)), .scanUnreadable, ScanLimits()),
            (ScanUpload(name: "cut.jpg", bytes: [0xFF, 0xD8, 0xFF, 0xE0, 0x00]), .scanUnreadable, ScanLimits()),
        ]
        for (upload, code, limits) in cases {
            #expect(throws: HosoError(code, .both("", "")), "\(upload.name)") {
                _ = try a.startKeying(header: Self.header, scans: [upload], by: "keyer-a", limits: limits)
            }
        }
        // A child process over its time budget is killed and the file refused (a budget no process can meet).
        var hurried = ScanLimits()
        hurried.toolSeconds = 0.000_001
        #expect(throws: HosoError(.scanTooSlow, .both("", ""))) {
            _ = try a.startKeying(
                header: Self.header, scans: [ScanUpload(name: "slow.pdf", bytes: Self.pdf(pages: 1))], by: "keyer-a", limits: hurried)
        }
        var spent = ScanLimits()
        spent.uploadSeconds = 0
        #expect(throws: HosoError(.scanTooSlow, .both("", ""))) {
            _ = try a.startKeying(
                header: Self.header, scans: [ScanUpload(name: "p.pdf", bytes: Self.pdf(pages: 2))], by: "keyer-a", limits: spent)
        }
        var tiny = ScanLimits()
        tiny.fileBytes = 10
        #expect(throws: HosoError(.scanTooLarge, .both("", ""))) {
            _ = try a.startKeying(header: Self.header, scans: [ScanUpload(name: "p.png", bytes: Self.png())], by: "keyer-a", limits: tiny)
        }
        #expect(try a.keyingLedgers().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: a.root + "/workbench").isEmpty)
        // A bad header is refused before any scan is read.
        var h = Self.header
        h.decisionDate = "31/02/1999"
        #expect(throws: HosoProblems.self) { _ = try a.startKeying(header: h, scans: [], by: "keyer-a") }
    }
}
