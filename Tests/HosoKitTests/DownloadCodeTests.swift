import Foundation
import HosoCore
import HosoKit
import HosoRecords
import HosoSigning
import HosoStore
import HosoTestSupport
import Testing

/// One-time download codes and the extract log: the code gives the signed document once, until it expires, and
/// every download is an extract record.
@Suite struct DownloadCodeTests {
    let dir = TempDirectory()

    /// An office archive with one issued copy; its register line is the record the codes give.
    func issued() throws -> (OfficeArchiveFixture, record: String, pdf: [UInt8]) {
        let f = try OfficeArchiveFixture(in: dir.path)
        let req = try CopyTests.request(f.archive, serial: "Số 001234/BT", holder: "Lò Thị Mai")
        let c = try f.archive.issueCopy(entryRef: "Số 001234/BT", requestId: req, signer: f.office, clerk: "vanthu")
        return (f, String(format: "BS-%04d-%06d", c.register.year, c.register.copyNumber), c.pdf)
    }

    @Test func aCodeGivesTheDocumentOnceAndTheDownloadIsLogged() throws {
        let (f, record, pdf) = try issued()
        let a = f.archive
        let (code, expires) = try a.newDownloadCode(document: record, purpose: "copy", issuedBy: "vanthu", note: "mẹ em Mai")
        #expect(code.range(of: "^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$", options: .regularExpression) != nil)
        #expect(expires > a.clock.now())
        // The code itself is nowhere in the archive's records: only its hashes.
        for o in try a.list(kind: .record) {
            #expect(
                !String(decoding: try a.read(ObjectID(hex: o.id)!), as: UTF8.self).contains(code.replacingOccurrences(of: "-", with: "")))
        }
        // Typed as a parent might: lower case, spaces, O for 0.
        let typed = code.lowercased().replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "0", with: "o")
        let given = try a.redeemDownloadCode(typed)
        #expect(given.bytes == pdf && given.document == record)
        #expect(throws: HosoError(.downloadCodeUsed, .both("", ""))) { _ = try a.redeemDownloadCode(code) }
        let log = try a.extracts(of: record)
        #expect(log.count == 1 && log[0].channel == "family-download" && log[0].file == given.file.hex && log[0].code != nil)
    }

    /// A plain record write could otherwise plant a code's hash (a document for whoever holds the code), a false
    /// extract-log line, a copy register entry or a học bạ issue line; the code, the extract and the register line
    /// written by their workflows cannot be revised either.
    @Test func plainRecordWritesCannotForgeCodesExtractsOrRegisters() throws {
        let (f, record, _) = try issued()
        let a = f.archive
        let (code, _) = try a.newDownloadCode(document: record, purpose: "copy", issuedBy: "vanthu")
        _ = try a.redeemDownloadCode(code)
        func refused(_ f: () throws -> Void) -> Bool {
            do { try f() } catch let e as HosoError { return e.code == .workflowRecord } catch {}
            return false
        }
        for type in ["download-code", "extract", "copy", "hoc-ba-issue"] {
            #expect(refused { _ = try a.createRecord(type: type, id: "forged/\(type)", body: .object([]), author: "x") }, "\(type)")
        }
        let extract = try a.extracts(of: record)[0].id
        for id in [extract, record] {
            #expect(refused { _ = try a.revise(record: id, body: .object([]), author: "x", reason: "x") }, "\(id)")
        }
    }

    @Test func unknownMistypedAndExpiredCodesGiveNothing() throws {
        let (f, record, _) = try issued()
        let a = f.archive
        let (code, _) = try a.newDownloadCode(document: record, purpose: "copy", issuedBy: "vanthu", days: 7, uses: 2)
        for bad in ["", "ABCD-EFGH-JKMN", String(code.dropLast()), code + "0", "<script>", String(repeating: "A", count: 10_000)] {
            #expect(throws: HosoError(.downloadCodeUnknown, .both("", ""))) { _ = try a.redeemDownloadCode(bad) }
        }
        // Eight days later the code is over, though it had a download left.
        let later = try Archive.open(at: a.root, clock: .fixed(a.clock.now().addingTimeInterval(8 * 86_400)))
        #expect(throws: HosoError(.downloadCodeExpired, .both("", ""))) { _ = try later.redeemDownloadCode(code) }
        #expect(try later.extracts(of: record).isEmpty)
        // A record with no signed document gets no code.
        #expect(throws: HosoError(.noDocumentToGive, .both("", ""))) {
            _ = try a.newDownloadCode(document: "office-settings", purpose: "copy", issuedBy: "vanthu")
        }
    }

    /// Ten parents at once with a code good for two downloads: exactly two get the document.
    @Test func concurrentDownloadsNeverExceedTheCode() throws {
        let (f, record, _) = try issued()
        let a = f.archive
        let (code, _) = try a.newDownloadCode(document: record, purpose: "copy", issuedBy: "vanthu", uses: 2)
        let results = Locked<[Bool]>([])
        DispatchQueue.concurrentPerform(iterations: 10) { _ in
            let ok = (try? a.redeemDownloadCode(code)) != nil
            results.withLock { $0.append(ok) }
        }
        #expect(results.withLock { $0.filter { $0 }.count } == 2)
        #expect(try a.extracts(of: record).count == 2)
    }
}

extension DownloadCodeTests {
    /// A document transferred to another school goes with the next sync whatever the link's scope, with its extract
    /// record, and the receiver shows it as received from the sender, not issued there.
    @Test func aTransferredDocumentArrivesAsReceived() throws {
        let (f, record, pdf) = try issued()
        let a = f.archive
        let b = try Archive.create(at: dir.path + "/truong-b", clock: a.clock)
        for (x, name) in [(a, "truong-a"), (b, "truong-b")] {
            try x.initNode(
                name: name, role: .school,
                identity: try DemoPKI.issueNode(pki: dir.path + "/pki", name: name, organization: "test", clock: a.clock))
        }
        func cert(_ x: Archive) throws -> Certificate { try Certificate(der: try x.read(ObjectID(hex: try x.nodeInfo().certificate)!)) }
        try a.addPeer(name: "truong-b", certificate: cert(b), role: .school, scope: ["note:*"], author: "admin")
        try b.addPeer(name: "truong-a", certificate: cert(a), role: .school, scope: ["<copy:*", "<extract:*"], author: "admin")
        // Nothing of it goes by scope alone.
        _ = try a.createBundle(for: "truong-b", out: dir.path + "/b0.tar")
        _ = try b.importBundle(dir.path + "/b0.tar")
        #expect(try b.heads(record: record).isEmpty)

        try a.transfer(records: [record], to: "truong-b", by: "hieutruong")
        _ = try a.createBundle(for: "truong-b", out: dir.path + "/b1.tar")
        _ = try b.importBundle(dir.path + "/b1.tar")
        #expect(try b.heads(record: record) == a.heads(record: record))
        let arrived = try b.transferredIn(record)
        #expect(arrived?.channel == "transfer" && arrived?.by == "hieutruong")
        #expect(try b.read(ObjectID(hex: try #require(arrived).file)!) == pdf)
        // At the sender it is a transfer out, not in.
        #expect(try a.transferredIn(record) == nil && a.extracts(of: record).count == 1)
    }
}
