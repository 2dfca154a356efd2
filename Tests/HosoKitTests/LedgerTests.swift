import Foundation
import HosoCore
import HosoRecords
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

/// A small ledger in a registrar's own layout, with its mapping and page scans.
struct LedgerFixture {
    let dir: TempDirectory
    static let header = "STT;Họ và tên;Ngày sinh;Nơi sinh;Giới tính;Dân tộc;Xếp loại TN;Số hiệu VB;Số vào sổ;Chữ ký;Số CCCD;Trang"
    static let rows = [
        "1;Nguyễn Văn An;15/03/2004;Xã Tân Lập;Nam;Kinh;Khá;A0012345;1;x;022204001234;1",
        "2;Trần Thị Bích Ngọc;02/11/2004;Xã Tân Lập;Nữ;Tày;Giỏi;A0012346;2;x;;1",
        "3;\"Đặng Hữu Phước\";31/12/2003;\"Thị trấn Tân Lập; huyện Tân Lập\";nam;Kinh;Trung bình;A0012347;3;;;2",
    ]

    static func mapping(
        recordId: String = "PGD-TL/THCS/2019/TL", year: Int = 2019, scans: Bool = true,
        school: String = "Trường THCS Tân Lập"
    ) -> String {
        """
        {"format":"hoso/ledger-mapping","version":1,"recordId":"\(recordId)",
         "ledger":{"issuer":"Phòng Giáo dục và Đào tạo huyện Tân Lập","title":"SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS","level":"THCS",
           "decision":{"number":"123/QĐ-PGDĐT","date":"\(year)-06-15"},"year":\(year),"school":"\(school)","mode":"Giáo dục chính quy"},
         "columns":{"stt":"STT","fullName":"Họ và tên","dateOfBirth":"Ngày sinh","placeOfBirth":"Nơi sinh","sex":"Giới tính",
           "ethnicity":"Dân tộc","graduationGrade":"Xếp loại TN","serial":"Số hiệu VB","ledgerNumber":"Số vào sổ",
           "recipientSigned":"Chữ ký","citizenId":"Số CCCD","page":"Trang"},
         "dateFormat":"dd/MM/yyyy"\(scans ? ",\"scans\":\"scans\"" : "")}
        """
    }

    init(
        _ dir: TempDirectory, name: String = "l1", rows: [String] = LedgerFixture.rows, mapping: String = LedgerFixture.mapping(),
        pages: [Int] = [1, 2]
    ) {
        self.dir = dir
        dir.write("\(name)/ledger.csv", ([Self.header] + rows).joined(separator: "\r\n") + "\r\n")
        dir.write("\(name)/mapping.json", mapping)
        for p in pages { dir.write("\(name)/scans/page-\(String(format: "%03d", p)).png", noise(50_000, seed: UInt64(p))) }
        csv = dir.path + "/\(name)/ledger.csv"
        mappingPath = dir.path + "/\(name)/mapping.json"
    }

    let csv: String
    let mappingPath: String
}

@Suite struct LedgerImportTests {
    let dir = TempDirectory()

    func archive() throws -> Archive {
        if FileManager.default.fileExists(atPath: dir.path + "/a") { return try Archive.open(at: dir.path + "/a", clock: fixedClock) }
        return try Archive.create(at: dir.path + "/a", clock: fixedClock)
    }

    @Test func dryRunThenCommitThenFind() throws {
        let a = try archive()
        let f = LedgerFixture(dir)
        let dry = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: true, reason: nil, author: "cán bộ VB")
        #expect(dry.errors.isEmpty && dry.entries == 3 && dry.scans == 2 && !dry.committed)
        #expect(try a.list().isEmpty, "a dry run writes nothing")

        let r = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "cán bộ VB")
        #expect(r.committed && r.errors.isEmpty)
        let (_, rev) = try a.current(record: "PGD-TL/THCS/2019/TL")
        guard case .array(let entries)? = rev.body["entries"], case .array(let pages)? = rev.body["pages"] else {
            Issue.record("no entries/pages")
            return
        }
        #expect(entries.count == 3 && pages.count == 2)
        // Each page scan is an object in the store, named in the body.
        for p in pages {
            guard case .string(let id)? = p["scan"] else {
                Issue.record("no scan id")
                continue
            }
            #expect(try a.read(try a.resolve(id)).count == 50_000)
        }
        #expect(entries[2]["placeOfBirth"] == .string("Thị trấn Tân Lập; huyện Tân Lập"))
        #expect(entries[2]["sex"] == .string("Nam"))
        #expect(entries[0]["recipientSigned"] == .bool(true) && entries[2]["recipientSigned"] == .bool(false))

        // Found the ways people search.
        #expect(try a.find(.init(text: "nguyen van an")).map(\.serial) == ["A0012345"])
        #expect(try a.find(.init(text: "NGỌC")).map(\.serial) == ["A0012346"])
        #expect(try a.find(.init(text: "A0012347")).map(\.fullName) == ["Đặng Hữu Phước"])
        #expect(try a.find(.init(text: "15/03/2004")).map(\.serial) == ["A0012345"])
        #expect(try a.find(.init(text: "022204001234")).map(\.serial) == ["A0012345"])
        var byNumber = Archive.FindRequest()
        byNumber.ledgerNumber = 2
        byNumber.year = 2019
        #expect(try a.find(byNumber).map(\.serial) == ["A0012346"])
        var byPlace = Archive.FindRequest(text: "phuoc")
        byPlace.placeOfBirth = "thi tran"
        #expect(try a.find(byPlace).count == 1)
        #expect(try a.find(.init(text: "2019")).count == 3)
        #expect(try a.find(.init(text: "không có ai")).isEmpty)

        // The index is derived: rebuilt, it finds the same.
        let before = try a.find(.init(text: "tan lap"))
        try a.reindex()
        #expect(try a.find(.init(text: "nguyen van an")).map(\.serial) == ["A0012345"])
        #expect(try a.find(.init(text: "tan lap")) == before)
    }

    @Test func aFullNameFindsExactlyThosePeopleAndPartsSearchWithinNames() throws {
        let a = try archive()
        let rows = [
            "1;Nguyễn Văn An;15/03/2004;Xã Tân Lập;Nam;Kinh;Khá;A001;1;x;;1",
            "2;Nguyễn Văn Anh;02/11/2004;Xã Tân Lập;Nam;Kinh;Giỏi;A002;2;x;;1",
            "3;Lê Văn An;31/12/2003;Xã Tân Lập;Nam;Kinh;Khá;A003;3;;;2",
        ]
        let f = LedgerFixture(dir, rows: rows)
        _ = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(try a.find(.init(text: "nguyen van an")).map(\.serial) == ["A001"])
        #expect(try a.find(.init(text: "Nguyễn Văn A")).map(\.serial) == ["A001", "A002"])
        #expect(try a.find(.init(text: "van an")).map(\.serial) == ["A001", "A002", "A003"])
    }

    @Test func reimportIsANoOpAndAChangeNeedsAReason() throws {
        let a = try archive()
        let f = LedgerFixture(dir)
        let first = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        let same = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(same.unchanged && same.revision == first.revision)
        // The index transaction an import starts early was rolled back: the entries are still the first ones.
        #expect(try a.find(.init(text: "nguyen van an")).map(\.revisionId) == [first.revision!])
        #expect(try a.find(.init(text: "2019")).count == 3)
        var rows = LedgerFixture.rows
        rows[1] = rows[1].replacingOccurrences(of: "Bích Ngọc", with: "Bích Ngọc Anh")
        let g = LedgerFixture(dir, rows: rows)
        #expect(throws: HosoError.self) { try a.importLedger(file: g.csv, mapping: g.mappingPath, dryRun: false, reason: nil, author: "x") }
        #expect(try a.find(.init(text: "bich ngoc anh")).isEmpty)
        #expect(try a.find(.init(text: "2019")).map(\.revisionId) == Array(repeating: first.revision!, count: 3))
        let fixed = try a.importLedger(file: g.csv, mapping: g.mappingPath, dryRun: false, reason: "sửa lỗi đánh máy", author: "x")
        #expect(fixed.committed)
        #expect(try a.history(record: "PGD-TL/THCS/2019/TL").count == 2)
        #expect(try a.find(.init(text: "bich ngoc anh")).count == 1)
        var bySerial = Archive.FindRequest()
        bySerial.serial = "A0012346"
        #expect(try a.find(bySerial).first?.fullName == "Trần Thị Bích Ngọc Anh")
    }

    @Test func entryRowsFromTheDraftAreThoseReadFromTheBody() throws {
        // Rows out of STT order, optional columns present and absent, a place with a separator inside quotes.
        let rows = [
            LedgerFixture.rows[2], LedgerFixture.rows[0], LedgerFixture.rows[1],
            "4;Lò Thị Ánh;01/01/2004;Xã Mường Tè;Nữ;Thái;Giỏi;A0012348;4;;;",
        ]
        let f = LedgerFixture(dir, rows: rows, mapping: LedgerFixture.mapping(school: "Trường THCS Mường Tè (điểm trường B)"))
        let mapping = try LedgerMapping.load(path: f.mappingPath)
        let table = try CSVReader.read(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: f.csv))), source: f.csv)
        let draft = LedgerImporter.read(table, mapping: mapping, scanPages: [1, 2], existing: ExistingLedgerNumbers())
        #expect(draft.errors.isEmpty && draft.entries.count == 4)
        let fromBody = Archive.entryRows(revisionId: "", recordId: "R", body: draft.body(scans: [1: "a", 2: "b"]))
        #expect(Archive.entryRows(of: draft, recordId: "R") == fromBody)
        #expect(fromBody.map(\.stt) == [1, 2, 3, 4] && fromBody[0].schoolKey == "truong thcs muong te (diem truong b)")
    }

    @Test func aSchemaViolationTheImporterDoesNotCheckStoresNothingAndTheArchiveGoesOn() throws {
        let a = try archive()
        // A name over the schema's 100 characters: the importer's own checks let it through, the schema does not.
        var rows = LedgerFixture.rows
        rows[0] = rows[0].replacingOccurrences(of: "Nguyễn Văn An", with: "Nguyễn Văn " + String(repeating: "A", count: 95))
        let f = LedgerFixture(dir, rows: rows)
        let error = #expect(throws: HosoProblems.self) {
            try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        }
        // Told at the spreadsheet's row and column, the body's JSON pointer after it.
        #expect(
            error?.problems.contains { $0.code == .schemaViolation && $0.location == f.csv + ":2:Họ và tên (#/entries/0/fullName)" }
                == true, "\(String(describing: error))")
        #expect(try a.heads(record: "PGD-TL/THCS/2019/TL").isEmpty)
        #expect(try a.find(.init(text: "2019")).isEmpty)
        #expect(try a.list().isEmpty)
        // The revision, staged while the schema was checked, was not left behind in tmp/.
        #expect(a.files!.temporaryFiles().isEmpty)
        // Nothing was left holding the index: the corrected ledger imports.
        let g = LedgerFixture(dir, name: "l2")
        let r = try a.importLedger(file: g.csv, mapping: g.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(r.committed && r.entries == 3)
        #expect(try a.find(.init(text: "2019")).count == 3)
        let check = try a.fsck()
        #expect(check.ok && check.index.upToDate)
    }

    @Test func duplicatesAcrossLedgersAreRefused() throws {
        let a = try archive()
        let f = LedgerFixture(dir)
        _ = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        // Another school's ledger of the same year reuses serial A0012345 and ledger number 3.
        let rows = ["1;Lê Thị Thuỷ;01/01/2004;Xã Hoà Bình;Nữ;Kinh;Khá;A0012345;3;x;;1"]
        let g = LedgerFixture(
            dir, name: "l2", rows: rows,
            mapping: LedgerFixture.mapping(recordId: "PGD-TL/THCS/2019/HB", school: "Trường THCS Hoà Bình"), pages: [1])
        let r = try a.importLedger(file: g.csv, mapping: g.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(!r.committed)
        #expect(Set(r.errors.map(\.code)) == ["LEDGER_DUPLICATE_SERIAL", "LEDGER_DUPLICATE_LEDGER_NUMBER"])
        #expect(r.errors.allSatisfy { $0.location?.hasPrefix(g.csv + ":2:") == true })
        #expect(try a.find(.init(text: "thuy")).isEmpty)
    }

    @Test func ledgerNumbersRunPerIssuerSoAnotherOfficeMayReuseThem() throws {
        let a = try archive()
        let f = LedgerFixture(dir)
        _ = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        let rows = ["1;Lê Thị Thuỷ;01/01/2004;Xã Hoà Bình;Nữ;Kinh;Khá;B0000001;1;x;;1"]
        let other = LedgerFixture.mapping(recordId: "PGD-HB/THCS/2019/HB", school: "Trường THCS Hoà Bình")
            .replacingOccurrences(of: "huyện Tân Lập", with: "huyện Hoà Bình")
        let g = LedgerFixture(dir, name: "l2", rows: rows, mapping: other, pages: [1])
        let r = try a.importLedger(file: g.csv, mapping: g.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.committed)
    }

    @Test func everyKindOfErrorIsReportedWithItsPlaceAndNothingIsWritten() throws {
        let a = try archive()
        let rows = [
            "1;Nguyễn Văn An;15/03/2004;Xã Tân Lập;Nam;Kinh;Khá;A001;1;x;;1",
            "2;;15/03/2004;Xã Tân Lập;Nam;Kinh;Khá;A002;2;x;;1",  // missing name
            "3;Lê Văn B;31/02/2005;Xã Tân Lập;Nam;Kinh;Khá;A003;3;x;;1",  // impossible date
            "4;Lê Văn C;2005-01-01;Xã Tân Lập;Nam;Kinh;Khá;A004;4;x;;1",  // other date format
            "5;Lê Văn D;01/01/2005;Xã Tân Lập;Trai;Kinh;Khá;A005;5;x;;1",  // bad sex
            "6;Lê Văn E;01/01/2005;Xã Tân Lập;Nam;Kinh;Xuất chúng;A006;6;x;;1",  // bad grade
            "7;Lê Văn G;01/01/2005;Xã Tân Lập;Nam;Kinh;Khá;A001;7;x;;1",  // duplicate serial
            "8;Lê Văn H;01/01/2005;Xã Tân Lập;Nam;Kinh;Khá;A008;7;x;;1",  // duplicate ledger number
            "9;Lê Văn I;01/01/2005;Xã Tân Lập;Nam;Kinh;Khá;A009;10;x;;1",  // gap 7 → 10
            "10;Lê Văn K;01/01/2005;Xã Tân Lập;Nam;Kinh;Khá;A010;11;x;02220500123;1",  // 11-digit citizen ID
            "x;Lê Văn L;01/01/2005;Xã Tân Lập;Nam;Kinh;Khá;A012;12;x;;1",  // STT not a number
            "12;Lê Văn M;01/01/2005;Xã Tân Lập;Nam;Kinh;Khá;A013;13;x;;9",  // page without scan
        ]
        let f = LedgerFixture(dir, rows: rows)
        let r = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(!r.committed)
        let found = Set(r.errors.compactMap { e in e.location.map { String($0.dropFirst(f.csv.count + 1)) + " " + e.code } })
        let expected: Set<String> = [
            "3:Họ và tên LEDGER_VALUE_MISSING", "4:Ngày sinh LEDGER_VALUE_INVALID", "5:Ngày sinh LEDGER_VALUE_INVALID",
            "6:Giới tính LEDGER_VALUE_INVALID", "7:Xếp loại TN LEDGER_VALUE_INVALID", "8:Số hiệu VB LEDGER_DUPLICATE_SERIAL",
            "9:Số vào sổ LEDGER_DUPLICATE_LEDGER_NUMBER", "10:Số vào sổ LEDGER_NUMBER_GAP", "11:Số CCCD LEDGER_VALUE_INVALID",
            "12:STT LEDGER_VALUE_INVALID", "13:Trang LEDGER_PAGE_WITHOUT_SCAN",
        ]
        #expect(found == expected)
        #expect(try a.list().isEmpty)
        #expect(a.files!.temporaryFiles().isEmpty)
    }

    /// Thông tư 31/2023: THCS diplomas from 2025 carry no graduation grade. The rule is office settings, told at the
    /// spreadsheet's cell, and checked again on a ledger written as a record.
    @Test func graduationGradesFollowTheOfficesRuleByLevelAndYear() throws {
        let a = try archive()
        // Each ledger its own serials; ledger numbers run per year.
        func rows(_ serial: String, _ grades: [String]) -> [String] {
            grades.enumerated().map { i, g in
                "\(i + 1);Học Sinh \(i + 1);15/03/2010;Xã Tân Lập;Nam;Kinh;\(g);\(serial)\(i + 1);\(i + 1);x;;1"
            }
        }
        // 2025: no grades — imports; one grade typed by habit is refused at its cell.
        let none = LedgerFixture(
            dir, name: "g1", rows: rows("C1-", ["", ""]), mapping: LedgerFixture.mapping(recordId: "L/2025", year: 2025))
        let ok = try a.importLedger(file: none.csv, mapping: none.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(ok.committed && ok.errors.isEmpty)
        guard case .array(let stored)? = try a.current(record: "L/2025").1.body["entries"] else { throw FixtureError("no entries") }
        #expect(stored.count == 2 && stored.allSatisfy { $0["graduationGrade"] == nil })
        let typed = LedgerFixture(
            dir, name: "g2", rows: rows("C2-", ["", "Khá"]), mapping: LedgerFixture.mapping(recordId: "L/2025b", year: 2026))
        let refused = try a.importLedger(file: typed.csv, mapping: typed.mappingPath, dryRun: true, reason: nil, author: "x")
        #expect(
            refused.errors.map { "\($0.code) \($0.location.map { String($0.dropFirst(typed.csv.count + 1).prefix(14)) } ?? "")" } == [
                "LEDGER_GRADE_NOT_EXPECTED 3:Xếp loại TN "
            ])
        // 2019: a grade is required; an empty cell is told where it is.
        let old = LedgerFixture(
            dir, name: "g3", rows: rows("C3-", ["Khá", ""]), mapping: LedgerFixture.mapping(recordId: "L/2019", year: 2019))
        let missing = try a.importLedger(file: old.csv, mapping: old.mappingPath, dryRun: true, reason: nil, author: "x")
        #expect(missing.errors.map(\.code) == ["LEDGER_GRADE_MISSING"])
        #expect(missing.errors.first?.location?.hasPrefix(old.csv + ":3:Xếp loại TN") == true)
        // An office whose rule says every diploma carries a grade: the 2025 ledger without grades is refused, also
        // when written as a plain record.
        var settings = OfficeSettings.defaults
        settings.gradelessDiplomas = []
        try a.setOfficeSettings(settings, author: "x", reason: "mọi văn bằng có xếp loại")
        let again = try a.importLedger(file: none.csv, mapping: none.mappingPath, dryRun: true, reason: nil, author: "x")
        #expect(again.errors.map(\.code) == ["LEDGER_GRADE_MISSING", "LEDGER_GRADE_MISSING"])
        let body = try a.current(record: "L/2025").1.body
        do {
            _ = try a.createRecord(type: "ledger", id: "L/2025-copy", body: body, author: "x")
            Issue.record("a ledger without the grades the office's rule asks for was stored")
        } catch let p as HosoProblems {
            #expect(p.problems.map(\.code) == [.ledgerGradeMissing, .ledgerGradeMissing])
        }
    }

    @Test func missingColumnsAndBadMappingAreReported() throws {
        let a = try archive()
        let f = LedgerFixture(dir)
        dir.write("l1/bad.csv", "STT,Họ và tên\n1,An\n")
        let r = try a.importLedger(file: dir.path + "/l1/bad.csv", mapping: f.mappingPath, dryRun: true, reason: nil, author: "x")
        #expect(r.errors.filter { $0.code == "LEDGER_COLUMN_MISSING" }.count == 10)
        dir.write("l1/bad-mapping.json", "{\"format\":\"hoso/ledger-mapping\",\"version\":1,\"columns\":{\"nope\":\"X\"}}")
        let e = #expect(throws: HosoProblems.self) {
            try a.importLedger(file: f.csv, mapping: dir.path + "/l1/bad-mapping.json", dryRun: true, reason: nil, author: "x")
        }
        #expect((e?.problems.count ?? 0) >= 3)
    }

    /// Encodes text in TCVN3 by inverting the decoder one letter at a time (each letter is one byte there).
    static func tcvn3(_ text: String) -> [UInt8] {
        var out = [UInt8]()
        for ch in text {
            if ch.isASCII {
                out += Array(String(ch).utf8)
                continue
            }
            let b = (0x80...0xFF).map(UInt8.init).first { LegacyText.decode([$0], as: .tcvn3) == String(ch) }
            out.append(b ?? 0x3F)
        }
        return out
    }

    @Test func legacyTCVN3FileIsConvertedAndReported() throws {
        let a = try archive()
        let f = LedgerFixture(dir, pages: [1, 2])
        // The ledger typed with the .VnTime font in old Excel and saved as CSV: the data rows are TCVN3 bytes,
        // which makes the file invalid UTF-8, as real legacy files are.
        let rows = LedgerFixture.rows.prefix(2).joined(separator: "\r\n").lowercased()
            .replacingOccurrences(of: "a0", with: "A0")
        var bytes = Self.tcvn3(LedgerFixture.header + "\r\n")
        bytes +=
            Self.tcvn3(
                rows.replacingOccurrences(of: "nam;kinh", with: "Nam;Kinh").replacingOccurrences(of: "nữ;tày", with: "Nữ;Tày")
                    .replacingOccurrences(of: "khá", with: "Khá").replacingOccurrences(of: "giỏi", with: "Giỏi")) + Array("\r\n".utf8)
        #expect(String(validating: bytes, as: UTF8.self) == nil)
        try Data(bytes).write(to: URL(fileURLWithPath: f.csv))
        let r = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.conversions.contains { $0.column == "Họ và tên" && $0.encoding == "tcvn3" })
        #expect(try a.find(.init(text: "nguyễn văn an")).first?.placeOfBirth == "xã tân lập")
    }

    @Test func xlsxLedgerImports() throws {
        let a = try archive()
        let f = LedgerFixture(dir)
        let xlsx = dir.path + "/l1/ledger.xlsx"
        try writeXLSX(
            path: xlsx,
            rows: [LedgerFixture.header]
                + LedgerFixture.rows.map {
                    $0.replacingOccurrences(of: "\"Đặng Hữu Phước\"", with: "Đặng Hữu Phước")
                        .replacingOccurrences(of: "\"Thị trấn Tân Lập; huyện Tân Lập\"", with: "Thị trấn Tân Lập")
                })
        let r = try a.importLedger(file: xlsx, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.entries == 3 && r.committed)
        #expect(try a.find(.init(text: "dang huu phuoc")).first?.dateOfBirth == "2003-12-31")
        // Date cells stored as Excel serial numbers are read as dates (row 2 has serial 38061 = 2004-03-15).
        #expect(try a.find(.init(text: "A0012345")).first?.dateOfBirth == "2004-03-15")
    }

    /// A workbook in the 1904 date system: the same date is a serial 1462 smaller, and must come out the same (it
    /// used to be stored four years and a day early, without a word).
    @Test func xlsxIn1904DateSystemKeepsItsDates() throws {
        let a = try archive()
        let f = LedgerFixture(dir)
        let xlsx = dir.path + "/l1/ledger1904.xlsx"
        try writeXLSX(
            path: xlsx,
            rows: [LedgerFixture.header]
                + LedgerFixture.rows.map {
                    $0.replacingOccurrences(of: "\"Đặng Hữu Phước\"", with: "Đặng Hữu Phước")
                        .replacingOccurrences(of: "\"Thị trấn Tân Lập; huyện Tân Lập\"", with: "Thị trấn Tân Lập")
                }, date1904: true)
        let r = try a.importLedger(file: xlsx, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(try a.find(.init(text: "A0012345")).first?.dateOfBirth == "2004-03-15")
    }
}

@Suite struct AppendixAndRevocationTests {
    let dir = TempDirectory()

    func imported() throws -> Archive {
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        let f = LedgerFixture(dir)
        _ = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        return a
    }

    func appendix(serial: String = "A0012345", number: Int = 1, from: String = "Nguyễn Văn An") throws -> JSONValue {
        try CanonicalJSON.parse(
            """
            {"issuer":"Phòng Giáo dục và Đào tạo huyện Tân Lập","ledgerRecordId":"PGD-TL/THCS/2019/TL","fullName":"Nguyễn Văn An",
             "dateOfBirth":"2004-03-15","serial":"\(serial)","ledgerNumber":\(number),
             "corrections":[{"field":"fullName","from":"\(from)","to":"Nguyễn Văn Ân"}],
             "decision":{"number":"15/QĐ-PGDĐT","date":"2024-03-01"}}
            """)
    }

    @Test func aCorrectionMustMatchTheLedger() throws {
        let a = try imported()
        _ = try a.createRecord(type: "ledger-appendix", id: "PL-2024-1", body: try appendix(), author: "x")
        #expect(throws: HosoError(.ledgerEntryNotFound, .both("", ""))) {
            try a.createRecord(type: "ledger-appendix", id: "PL-2024-2", body: try appendix(serial: "Z9999999"), author: "x")
        }
        let e = #expect(throws: HosoProblems.self) {
            try a.createRecord(type: "ledger-appendix", id: "PL-2024-3", body: try appendix(number: 2, from: "Nguyễn Văn Anh"), author: "x")
        }
        #expect(Set(e?.problems.compactMap(\.location) ?? []) == ["PL-2024-3#/ledgerNumber", "PL-2024-3#/corrections/0/from"])
    }

    @Test func aRevocationNamesAnExistingDiplomaAndItsSchemaIsEnforced() throws {
        let a = try imported()
        let ok = try CanonicalJSON.parse(
            """
            {"kind":"Thu hồi","decision":{"number":"21/QĐ-PGDĐT","date":"2025-04-10"},"issuer":"Phòng Giáo dục và Đào tạo huyện Tân Lập",
             "reason":"Không đủ điều kiện tốt nghiệp","serial":"A0012346","ledgerRecordId":"PGD-TL/THCS/2019/TL","ledgerNumber":2}
            """)
        _ = try a.createRecord(type: "revocation", id: "TH-2025-1", body: ok, author: "x")
        // The schema is the first gate: an unknown field and a missing reason are both reported.
        let bad = try CanonicalJSON.parse(
            """
            {"kind":"Thu hồi","decision":{"number":"21/QĐ-PGDĐT","date":"2025-04-10"},"issuer":"x","serial":"A0012346",
             "ledgerRecordId":"PGD-TL/THCS/2019/TL","ledgerNumber":2,"reson":"typo"}
            """)
        let e = #expect(throws: HosoProblems.self) { try a.createRecord(type: "revocation", id: "TH-2025-2", body: bad, author: "x") }
        #expect((e?.problems.count ?? 0) >= 2)
        #expect(e?.problems.allSatisfy { $0.code.rawValue == "SCHEMA_VIOLATION" } == true)
    }
}

@Suite struct LedgerInvisibleCharacterTests {
    let dir = TempDirectory()

    /// A zero-width space in a serial (or a bidi control in a name) makes a value that looks like another but is
    /// not: refused with the cell's place, nothing committed.
    @Test(arguments: [("A0012345", "A00\u{200B}12345", "Số hiệu VB"), ("Nguyễn Văn An", "Nguyễn Văn\u{202E} An", "Họ và tên")])
    func invisibleCharactersInIdentityCellsAreRefused(plain: String, hidden: String, column: String) throws {
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        var rows = LedgerFixture.rows
        rows[0] = rows[0].replacingOccurrences(of: plain, with: hidden)
        let f = LedgerFixture(dir, rows: rows)
        let r = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
        #expect(!r.committed)
        let e = try #require(r.errors.first { $0.messageEn.contains("invisible character") }, "\(r.errors)")
        #expect(e.location == f.csv + ":2:" + column, "\(e)")
    }
}

@Suite struct LedgerSchemaPlaceTests {
    let dir = TempDirectory()

    /// A value only the schema refuses (a serial over 50 characters) is reported at the spreadsheet's row and
    /// column, with the JSON pointer after it, not only as "#/entries/1/serial".
    @Test func schemaProblemsNameTheRowAndColumn() throws {
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        var rows = LedgerFixture.rows
        let long = "A" + String(repeating: "9", count: 60)
        rows[1] = rows[1].replacingOccurrences(of: "A0012346", with: long)
        let f = LedgerFixture(dir, rows: rows)
        do {
            let r = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "x")
            Issue.record("imported: \(r)")
        } catch let p as HosoProblems {
            let e = try #require(p.problems.first)
            #expect(e.code == .schemaViolation)
            #expect(e.location == f.csv + ":3:Số hiệu VB (#/entries/1/serial)", "\(p)")
        }
        #expect(try a.find(.init(text: "A0012345")).isEmpty, "nothing committed")
    }
}
