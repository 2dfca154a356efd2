import Foundation
import HosoCore
import HosoRecords
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

// Grade books and transcripts through the Archive API: import checks, averages against hand-computed values,
// revisions, export round trips, transcripts, and the sample district from tools/gen-district.

// MARK: - Fixtures

/// The test class: six scored subjects (so the learning-result thresholds, which count six subjects, can be
/// met) and one comments-only subject. Keys as tools/gen-district writes them ("subject", "marks").
private let headerJSON = """
    {"synthetic": true, "school": "Trường THCS Tân Lập", "class": "9A", "schoolYear": "2024-2025", "level": "THCS",
     "subjects": [
      {"subject": "Toán", "teacher": {"fullName": "Lê Thị Hoa"}, "periodsPerYear": 140, "assessment": "scored"},
      {"subject": "Ngữ văn", "teacher": "Phạm Văn Hùng", "periodsPerYear": 140, "assessment": "marks"},
      {"subject": "Tiếng Anh", "teacher": "Đỗ Thu Trang", "periodsPerYear": 105, "assessment": "marks"},
      {"subject": "Khoa học tự nhiên", "teacher": "Vũ Minh Đức", "periodsPerYear": 140, "assessment": "marks"},
      {"subject": "Lịch sử và Địa lí", "teacher": "Hoàng Thị Lan", "periodsPerYear": 105, "assessment": "marks"},
      {"subject": "Giáo dục công dân", "teacher": "Ngô Văn Bình", "periodsPerYear": 70, "assessment": "marks"},
      {"subject": "Giáo dục thể chất", "teacher": "Trần Văn Nam", "periodsPerYear": 70, "assessment": "comments"}
     ]}
    """

private let school = "Trường THCS Tân Lập"
private let year = "2024-2025"
private let csvHeader = "ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet"
private let an = (id: "2200000001", name: "Nguyễn Văn An", born: "15/03/2010")
private let binh = (id: "2200000002", name: "Trần Thị Bình", born: "01/12/2010")

private func quoted(_ cell: String) -> String { cell.contains(",") ? "\"\(cell)\"" : cell }

/// One CSV row: identity, up to four regular marks, gk, ck, nhan_xet.
private func row(
    _ who: (id: String, name: String, born: String), _ tx: [String], _ gk: String, _ ck: String,
    _ comment: String = ""
) -> String {
    ([who.id, who.name, who.born] + (tx + Array(repeating: "", count: 4 - tx.count)) + [gk, ck, comment])
        .map(quoted).joined(separator: ",")
}

/// Every mark of a term the same: the term average is then that mark.
private func uniform(_ who: (id: String, name: String, born: String), _ mark: String, regular: Int = 4) -> String {
    row(who, Array(repeating: mark, count: regular), mark, mark)
}

private func csv(_ rows: [String]) -> [UInt8] { Array(([csvHeader] + rows).joined(separator: "\r\n").utf8) + [0x0D, 0x0A] }

/// The class's grade books: subject → term → CSV. The marks are chosen so that the averages below can be
/// worked out by hand (see `transcriptWithHandComputedAveragesAndResults`).
private func classBooks() -> [String: [Term: [UInt8]]] {
    [
        "Toán": [
            // An: (8 + 7.5 + 9 + 10 + 2·7 + 3·8.5) / 9 = 74 / 9 = 8.22… → 8.2
            // Bình: (6.5 + 7 + 8 + 9 + 2·8 + 3·9) / 9 = 73.5 / 9 = 8.166… → 8.2
            .hk1: csv([row(an, ["8", "7.5", "9", "10"], "7", "8.5"), row(binh, ["6,5", "7", "8", "9"], "8", "9")]),
            .hk2: csv([uniform(an, "9"), uniform(binh, "3")]),
        ],
        "Ngữ văn": [.hk1: csv([uniform(an, "7"), uniform(binh, "5")]), .hk2: csv([uniform(an, "8"), uniform(binh, "5")])],
        "Tiếng Anh": [.hk1: csv([uniform(an, "8.5"), uniform(binh, "5")]), .hk2: csv([uniform(an, "8"), uniform(binh, "5")])],
        "Khoa học tự nhiên": [.hk1: csv([uniform(an, "8"), uniform(binh, "5")]), .hk2: csv([uniform(an, "8"), uniform(binh, "5")])],
        "Lịch sử và Địa lí": [.hk1: csv([uniform(an, "9"), uniform(binh, "5")]), .hk2: csv([uniform(an, "8.5"), uniform(binh, "5")])],
        "Giáo dục công dân": [
            // 70 periods: three regular marks. An: (8 + 8 + 8 + 2·8 + 3·8.4) / 8 = 65.2 / 8 = 8.15 → 8.2 (half up)
            .hk1: csv([row(an, ["8", "8", "8"], "8", "8.4"), uniform(binh, "5", regular: 3)]),
            .hk2: csv([uniform(an, "6", regular: 3), uniform(binh, "5", regular: 3)]),
        ],
        "Giáo dục thể chất": [
            .hk1: csv([row(an, [], "", "", "Đạt"), row(binh, [], "", "", "Chưa đạt")]),
            .hk2: csv([row(an, [], "", "", "Đạt"), row(binh, [], "", "", "Đạt")]),
        ],
    ]
}

private func header() throws -> ClassHeader {
    try ClassHeader.parse(Array(headerJSON.utf8), source: "header.json")
}

private func gradeBookId(_ subject: String, _ term: Term) -> String {
    GradeBookInfo.recordId(school: school, schoolYear: year, className: "9A", subject: subject, term: term)
}

/// Every problem a throwing call reports (`HosoProblems` or a single `HosoError`).
private func problems(_ body: () throws -> Void) -> [HosoError] {
    do {
        try body()
        Issue.record("expected problems, got none")
        return []
    } catch let p as HosoProblems {
        return p.problems
    } catch let e as HosoError {
        return [e]
    } catch {
        Issue.record("unexpected error \(error)")
        return []
    }
}

/// "CODE location" for comparing reported problems with what a test expects.
private func codesAndPlaces(_ errors: [HosoError]) -> [String] {
    errors.map { "\($0.code.rawValue) \($0.location ?? "-")" }.sorted()
}

extension JSONValue {
    fileprivate var items: [JSONValue] { if case .array(let a) = self { return a } else { return [] } }
    fileprivate var text: String? { if case .string(let s) = self { return s } else { return nil } }
    /// A mark as the grade book prints it ("8.2"), for comparing with hand-computed values.
    fileprivate var mark: String? {
        if case .number(let d) = self { return (try? Mark(jsonNumber: d))?.description } else { return nil }
    }
}

@Suite struct GradeBookTests {
    let dir = TempDirectory()

    func archive() throws -> Archive { try Archive.create(at: dir.path + "/a", clock: fixedClock) }

    func settings(_ subject: String, _ term: Term) -> GradeBookSettings {
        GradeBookSettings(subject: subject, term: term.rawValue)
    }

    @discardableResult
    func importBook(
        _ a: Archive, _ subject: String, _ term: Term, _ bytes: [UInt8], reason: String? = nil,
        dryRun: Bool = false
    ) throws -> GradeBookImportResult {
        try a.importGradeBook(
            csv: bytes, source: "\(recordSlug(subject))-\(term).csv", header: try header(),
            settings: settings(subject, term), author: "Lê Thị Hoa", reason: reason, dryRun: dryRun)
    }

    func importClass(_ a: Archive, skipping skip: Set<String> = []) throws {
        for (subject, terms) in classBooks() {
            for (term, bytes) in terms where !skip.contains("\(subject) \(term)") {
                try importBook(a, subject, term, bytes)
            }
        }
    }

    func recordCount(_ a: Archive) throws -> Int { try a.list(kind: .record).count }

    // MARK: Import

    @Test func importStoresTheMarksAndTheHandComputedAverages() throws {
        let a = try archive()
        let result = try importBook(a, "toan", .hk1, classBooks()["Toán"]![.hk1]!)
        #expect(result.save.change == .created)
        #expect(result.save.recordId == "gradebook/truong-thcs-tan-lap/2024-2025/9a/toan/hk1")
        #expect(result.warnings.isEmpty)
        let (id, rev) = try a.current(record: result.save.recordId)
        #expect(id.hex == result.save.revision)
        #expect(rev.recordType == "grade-book")
        let body = rev.body
        #expect(body["subject"]?.text == "Toán", "the header's spelling, not the --subject typed")
        #expect(body["term"]?.text == "Học kì I")
        #expect(body["grade"] == .number(9))
        #expect(body["teacher"]?["fullName"]?.text == "Lê Thị Hoa")
        #expect(body["periodsPerYear"] == .number(140))
        let students = body["students"]!.items
        #expect(students.count == 2)
        #expect(students[0]["stt"] == .number(1) && students[1]["stt"] == .number(2))
        #expect(students[0]["moetId"]?.text == an.id)
        #expect(students[0]["dateOfBirth"]?.text == "2010-03-15")
        #expect(students[0]["regular"]!.items.compactMap(\.mark) == ["8.0", "7.5", "9.0", "10.0"])
        #expect(students[0]["midterm"]?.mark == "7.0" && students[0]["final"]?.mark == "8.5")
        // (8 + 7.5 + 9 + 10 + 2·7 + 3·8.5) / (4 + 5) = 74 / 9 = 8.22… → 8.2
        #expect(students[0]["average"]?.mark == "8.2")
        // "6,5" with a decimal comma; (6.5 + 7 + 8 + 9 + 2·8 + 3·9) / 9 = 73.5 / 9 = 8.166… → 8.2
        #expect(students[1]["regular"]!.items.compactMap(\.mark) == ["6.5", "7.0", "8.0", "9.0"])
        #expect(students[1]["average"]?.mark == "8.2")
        // The body is what the schema describes.
        #expect(try SchemaValidator.forRecordType("grade-book").validate(body, source: "body").isEmpty)
    }

    @Test func averagesRoundHalfUpExactly() throws {
        let a = try archive()
        // 70 periods → 3 regular marks: (8 + 8 + 8 + 2·8 + 3·8.4) / 8 = 65.2 / 8 = 8.15 exactly → 8.2, where
        // binary floating point (8.149999…) would give 8.1.
        let r = try importBook(a, "Giáo dục công dân", .hk1, csv([row(an, ["8", "8", "8"], "8", "8.4")]))
        #expect(r.book.students[0].termAverage?.description == "8.2")
        #expect(try a.current(record: r.save.recordId).1.body["students"]!.items[0]["average"]?.mark == "8.2")
    }

    @Test func commentsOnlySubjectsKeepTheirResultAndExemptions() throws {
        let a = try archive()
        let bytes = csv([
            row(an, ["Đạt", "Chưa đạt", "Đạt"], "Đạt", "Đạt", "Đạt"), row(binh, [], "", "", "Miễn"),
            row((id: "2200000003", name: "Lê Văn Cường", born: "2/2/2010"), [], "", "", "chua dat"),
        ])
        let r = try importBook(a, "Giáo dục thể chất", .hk2, bytes)
        let students = try a.current(record: r.save.recordId).1.body["students"]!.items
        #expect(students[0]["comment"]?.text == "Đạt")
        #expect(students[0]["regular"] == nil && students[0]["average"] == nil)
        #expect(students[1]["exempt"] == .bool(true) && students[1]["comment"] == nil)
        #expect(students[2]["comment"]?.text == "Chưa đạt")
        #expect(students[2]["dateOfBirth"]?.text == "2010-02-02")
        // The single Đạt / Chưa đạt assessments are checked, but the record has no field for them: said, not dropped silently.
        #expect(codesAndPlaces(r.warnings) == ["GRADEBOOK_WARNING giao-duc-the-chat-HK2.csv:2:tx1"])
        #expect(r.warnings[0].message.en.contains("5 single"))
    }

    @Test func everyProblemIsReportedWithItsPlaceAllAtOnceAndNothingIsWritten() throws {
        let a = try archive()
        let scored = Array(
            """
            ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet,ghi_chu
            220000001,Nguyễn Văn An,15/03/2010,8,7.25,9,10,7,8.5,,
            2200000002,Trần Thị Bình,31/02/2010,8,7,9,,7,8,,
            2200000002,,01/12/2010,8,7,9,10,,11,,
            2200000003,Lê Văn Cường,02/02/2010,8,7,9,10,7,8,Đạt,
            2200000004,Phan Thị Dung,2010-03-03,8,7,9,10,7,8,,,x

            """.utf8)
        let found = problems {
            _ = try a.importGradeBook(
                csv: scored, source: "toan.csv", header: try header(),
                settings: settings("Toán", .hk1), author: "x")
        }
        #expect(
            codesAndPlaces(found) == [
                "DATE_INVALID toan.csv:3:ngay_sinh",
                "DATE_INVALID toan.csv:6:ngay_sinh",
                "GRADEBOOK_COLUMN_UNKNOWN toan.csv:1:ghi_chu",
                "GRADEBOOK_DUPLICATE_STUDENT toan.csv:4:ma_dinh_danh",
                "GRADEBOOK_EXTRA_CELL toan.csv:6:#12",
                "GRADEBOOK_MARK_MISSING toan.csv:3:tx4",
                "GRADEBOOK_MARK_MISSING toan.csv:4:gk",
                "GRADEBOOK_NAME_MISSING toan.csv:4:ho_va_ten",
                "GRADEBOOK_UNEXPECTED_VALUE toan.csv:5:nhan_xet",
                "MARK_INVALID toan.csv:2:tx2",
                "MARK_INVALID toan.csv:4:ck",
                "MOET_ID_INVALID toan.csv:2:ma_dinh_danh",
            ])
        // Messages in both languages; the offending text as the cause.
        let mark = found.first { $0.location == "toan.csv:2:tx2" }!
        #expect(mark.message.vi.contains("một chữ số thập phân") && mark.cause == "\"7.25\"")
        #expect(found.first { $0.code == .gradeBookDuplicateStudent }!.message.en.contains("row 3"))

        // A 70-period subject has three regular marks: a fourth is extra.
        let extra = problems { try self.importBook(a, "Giáo dục công dân", .hk1, csv([row(an, ["8", "7", "9", "10"], "7", "8")])) }
        #expect(codesAndPlaces(extra) == ["GRADEBOOK_MARK_EXTRA giao-duc-cong-dan-HK1.csv:2:tx4"])

        // Comments-only: a result is needed, marks are not allowed, the result must be a known level.
        let comments = problems {
            try self.importBook(
                a, "Giáo dục thể chất", .hk1,
                csv([
                    row(an, [], "", ""), row(binh, ["8"], "", "", "Đạt"),
                    row((id: "2200000003", name: "C", born: "1/1/2010"), [], "", "", "Tốt"),
                ]))
        }
        #expect(
            codesAndPlaces(comments) == [
                "GRADEBOOK_COMMENT_MISSING giao-duc-the-chat-HK1.csv:2:nhan_xet",
                "GRADEBOOK_UNEXPECTED_VALUE giao-duc-the-chat-HK1.csv:3:tx1",
                "GRADE_LEVEL_INVALID giao-duc-the-chat-HK1.csv:4:nhan_xet",
            ])
        #expect(try recordCount(a) == 0, "nothing is written when there is any problem")
    }

    @Test func metadataProblemsAreReportedTogetherWithTheFileProblems() throws {
        let a = try archive()
        let noTeacher = """
            {"school": "Trường THCS Tân Lập", "class": "9A", "schoolYear": "2024-2026",
             "subjects": [{"subject": "Toán", "periodsPerYear": 140, "assessment": "marks"}]}
            """
        let h = try ClassHeader.parse(Array(noTeacher.utf8), source: "h.json")
        let found = problems {
            _ = try a.importGradeBook(
                csv: csv([row(an, ["8", "x", "9", "10"], "7", "8")]), source: "f.csv", header: h,
                settings: GradeBookSettings(subject: "Toán", term: "HK3"), author: "x")
        }
        #expect(
            codesAndPlaces(found) == [
                "GRADEBOOK_HEADER_INVALID --term",
                "GRADEBOOK_HEADER_INVALID h.json#/level",
                "GRADEBOOK_HEADER_INVALID h.json#/schoolYear",
                "GRADEBOOK_HEADER_INVALID h.json#/subjects/0/teacher",
                "MARK_INVALID f.csv:2:tx2",
            ])
        // A subject the header does not list is reported once, with the subjects it does list.
        let unknown = problems { try self.importBook(a, "Âm nhạc", .hk1, csv([uniform(an, "8")])) }
        #expect(codesAndPlaces(unknown) == ["GRADEBOOK_HEADER_INVALID --subject"])
        #expect(unknown[0].message.vi.contains("Toán, Ngữ văn"))
        // The command line overrides the header and can stand in for it.
        let r = try a.importGradeBook(
            csv: csv([uniform(an, "8", regular: 2)]), source: "f.csv", header: nil,
            settings: GradeBookSettings(
                school: "THCS Bản Lầu", className: "6/2", schoolYear: "2024-2025",
                subject: "Âm nhạc", term: "2", level: "thcs", periodsPerYear: 35,
                assessment: "scored", teacher: "Giàng Thị Mỷ"),
            author: "x")
        #expect(r.save.recordId == "gradebook/thcs-ban-lau/2024-2025/6-2/am-nhac/hk2")
        #expect(r.book.info.grade == 6)
        #expect(try recordCount(a) == 1)
    }

    @Test func nonUTF8FilesAreRefusedWithAHint() throws {
        let a = try archive()
        // "Nguyễn" in Windows-1258 bytes, as Vietnamese Excel saves a plain "CSV".
        let bytes = Array((csvHeader + "\r\n2200000001,Nguy").utf8) + [0xEA, 0xDE, 0x6E] + Array(",15/03/2010,8,8,8,8,8,8,\r\n".utf8)
        let found = problems { try self.importBook(a, "Toán", .hk1, bytes) }
        #expect(codesAndPlaces(found) == ["GRADEBOOK_ENCODING toan-HK1.csv"])
        #expect(found[0].message.en.contains("CSV UTF-8"))
    }

    // MARK: Revisions

    @Test func reimportingTheSameFileWritesNothing() throws {
        let a = try archive()
        let bytes = classBooks()["Toán"]![.hk1]!
        let first = try importBook(a, "Toán", .hk1, bytes)
        let again = try importBook(a, "Toán", .hk1, bytes)
        #expect(again.save.change == .unchanged)
        #expect(again.save.revision == first.save.revision)
        // The same data typed decomposed (NFD), with stray spaces and "8,0" for "8": still the same grade book.
        let retyped = csv([
            row((id: an.id, name: " Nguye\u{0302}\u{0303}n  Va\u{0306}n An ", born: an.born), ["8,0", "7,5", "9", "10"], "7", "8,5"),
            row(binh, ["6,5", "7", "8", "9"], "8", "9"),
        ])
        #expect(try importBook(a, "toán", .hk1, retyped).save.change == .unchanged)
        #expect(try a.history(record: first.save.recordId).count == 1)
    }

    @Test func aChangedFileNeedsAReasonAndBecomesARevisionOfTheOld() throws {
        let a = try archive()
        let first = try importBook(a, "Toán", .hk1, classBooks()["Toán"]![.hk1]!)
        let corrected = csv([row(an, ["8", "7.5", "9", "10"], "7", "9.5"), row(binh, ["6,5", "7", "8", "9"], "8", "9")])

        let missing = problems { try self.importBook(a, "Toán", .hk1, corrected) }
        #expect(codesAndPlaces(missing) == ["RECORD_REASON_REQUIRED \(first.save.recordId)"])
        #expect(problems { try self.importBook(a, "Toán", .hk1, corrected, reason: "   ") }.map(\.code) == [.recordReasonRequired])
        #expect(try a.history(record: first.save.recordId).count == 1, "nothing written without a reason")

        let dry = try importBook(a, "Toán", .hk1, corrected, reason: "Chấm lại bài cuối kì", dryRun: true)
        #expect(dry.save.change == .revised && dry.save.revision == nil && dry.save.parent == first.save.revision)
        #expect(try a.history(record: first.save.recordId).count == 1, "a dry run writes nothing")

        let second = try importBook(a, "Toán", .hk1, corrected, reason: "Chấm lại bài cuối kì")
        #expect(second.save.change == .revised)
        #expect(second.save.parent == first.save.revision)
        let rev = try a.revision(ObjectID(hex: second.save.revision!)!)
        #expect(rev.parents == [first.save.revision!])
        #expect(rev.reason == "Chấm lại bài cuối kì")
        // (8 + 7.5 + 9 + 10 + 2·7 + 3·9.5) / 9 = 77 / 9 = 8.55… → 8.6
        #expect(rev.body["students"]!.items[0]["average"]?.mark == "8.6")
        #expect(try a.history(record: first.save.recordId).map(\.id) == [first.save.revision!, second.save.revision!])
        #expect(
            try a.revision(ObjectID(hex: first.save.revision!)!).body["students"]!.items[0]["average"]?.mark == "8.2",
            "the old revision is kept")
    }

    @Test func aDryRunOfANewGradeBookWritesNothing() throws {
        let a = try archive()
        let r = try importBook(a, "Toán", .hk1, classBooks()["Toán"]![.hk1]!, dryRun: true)
        #expect(r.save.change == .created && r.save.revision == nil && r.save.dryRun)
        #expect(try recordCount(a) == 0)
    }

    // MARK: Export

    @Test func exportWritesTheLayoutBackAndReimportsUnchanged() throws {
        let a = try archive()
        let scored = try importBook(a, "Toán", .hk1, classBooks()["Toán"]![.hk1]!)
        let bytes = try a.exportGradeBook(record: scored.save.recordId)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "a BOM, so Excel reads UTF-8")
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(
            text == """
                ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet,tbm\r
                2200000001,Nguyễn Văn An,15/03/2010,8.0,7.5,9.0,10.0,7.0,8.5,,8.2\r
                2200000002,Trần Thị Bình,01/12/2010,6.5,7.0,8.0,9.0,8.0,9.0,,8.2\r

                """)
        let again = try importBook(a, "Toán", .hk1, bytes)
        #expect(again.save.change == .unchanged && again.warnings.isEmpty)

        let comments = try importBook(a, "Giáo dục thể chất", .hk1, csv([row(an, [], "", "", "Đạt"), row(binh, [], "", "", "Miễn")]))
        let exported = try a.exportGradeBook(record: comments.save.recordId)
        #expect(String(decoding: exported, as: UTF8.self).contains("2200000002,Trần Thị Bình,01/12/2010,,,,,,,Miễn,\r\n"))
        #expect(try importBook(a, "Giáo dục thể chất", .hk1, exported).save.change == .unchanged)
    }

    /// A name a spreadsheet would run as a formula is written with a leading quote; the marks stay numbers; the
    /// file imports back unchanged.
    @Test func exportNeutralisesFormulaCellsAndStillReimportsUnchanged() throws {
        let a = try archive()
        let hostile = (id: "2200000003", name: "=cmd|' /C calc'!A0", born: "02/02/2010")
        let book = try importBook(a, "Toán", .hk1, csv([uniform(an, "8.5"), uniform(hostile, "7.0")]))
        let bytes = try a.exportGradeBook(record: book.save.recordId)
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.contains("2200000003,'=cmd|' /C calc'!A0,02/02/2010,7.0,7.0,7.0,7.0,7.0,7.0,,7.0\r\n"), "\(text)")
        #expect(text.contains("2200000001,Nguyễn Văn An,15/03/2010,8.5,8.5,8.5,8.5,8.5,8.5,,8.5\r\n"), "\(text)")
        #expect(try importBook(a, "Toán", .hk1, bytes).save.change == .unchanged)
    }

    @Test func formulaCellsAreNeutralisedButNumbersAreNot() {
        for cell in ["-", "=cmd", "+1+1", "@SUM(A1)", "\tx", "\rx", "-1+cmd|' /C calc'!A0"] {
            #expect(CSVFormula.neutralised(cell) == "'" + cell)
            #expect(CSVFormula.restored(CSVFormula.neutralised(cell)) == cell)
        }
        for cell in ["8.5", "10", "-1.5", "+2", "", "Nguyễn", "'quoted", "a=b"] {
            #expect(CSVFormula.neutralised(cell) == cell)
            #expect(CSVFormula.restored(cell) == cell)
        }
    }

    @Test func aTbmColumnThatDisagreesIsAWarningAndTheComputedAverageIsStored() throws {
        let a = try archive()
        let bytes = Array(
            """
            ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet,tbm
            2200000001,Nguyễn Văn An,15/03/2010,8,7.5,9,10,7,8.5,,8.3
            2200000002,Trần Thị Bình,01/12/2010,6.5,7,8,9,8,9,,8.2

            """.utf8)
        let r = try importBook(a, "Toán", .hk1, bytes)
        #expect(codesAndPlaces(r.warnings) == ["GRADEBOOK_WARNING toan-HK1.csv:2:tbm"])
        #expect(r.book.students[0].termAverage?.description == "8.2")
    }

    @Test func exportOfARecordThatIsNotAGradeBookIsAnError() throws {
        let a = try archive()
        try a.createRecord(type: "ledger-entry", id: "L1", body: .object([JSONMember("x", .number(1))]), author: "x")
        #expect(problems { _ = try a.exportGradeBook(record: "L1") }.map(\.code) == [.gradeBookRecordInvalid])
        #expect(problems { _ = try a.exportGradeBook(record: "nope") }.map(\.code) == [.recordNotFound])
    }

    // MARK: Transcripts

    @Test func transcriptWithHandComputedAveragesAndResults() throws {
        let a = try archive()
        try importClass(a)
        let result = try a.buildTranscripts(school: school, className: "9A", schoolYear: year, header: try header(), author: "Hiệu trưởng")
        #expect(result.saves.map(\.change) == [.created, .created])
        #expect(result.warnings.isEmpty)
        let body = try a.current(record: "transcript/\(an.id)/\(year)").1.body
        #expect(body["student"]?["fullName"]?.text == an.name && body["student"]?["moetId"]?.text == an.id)
        #expect(body["grade"] == .number(9) && body["level"]?.text == "THCS" && body["class"]?.text == "9A")

        var lines = [String: (String?, String?, String?)]()
        for s in body["subjects"]!.items {
            let get = { (k: String) in s[k]?.mark ?? s[k]?.text }
            lines[s["subject"]!.text!] = (get("term1"), get("term2"), get("year"))
        }
        // ĐTBmcn = (HK1 + 2·HK2) / 3, from the rounded term averages:
        #expect(lines["Toán"]! == ("8.2", "9.0", "8.7"))  // (8.2 + 18) / 3 = 8.73…
        #expect(lines["Ngữ văn"]! == ("7.0", "8.0", "7.7"))  // 23 / 3 = 7.66…
        #expect(lines["Tiếng Anh"]! == ("8.5", "8.0", "8.2"))  // 24.5 / 3 = 8.16…
        #expect(lines["Khoa học tự nhiên"]! == ("8.0", "8.0", "8.0"))
        #expect(lines["Lịch sử và Địa lí"]! == ("9.0", "8.5", "8.7"))  // 26 / 3 = 8.66…
        #expect(lines["Giáo dục công dân"]! == ("8.2", "6.0", "6.7"))  // 8.15 → 8.2; 20.2 / 3 = 6.73…
        #expect(lines["Giáo dục thể chất"]! == ("Đạt", "Đạt", "Đạt"))
        #expect(
            body["subjects"]!.items.map { $0["subject"]!.text! } == [
                "Giáo dục công dân", "Giáo dục thể chất", "Khoa học tự nhiên", "Lịch sử và Địa lí", "Ngữ văn", "Tiếng Anh", "Toán",
            ], "a fixed order (accent-free alphabetical), whatever order the archive lists them in")
        #expect(body["subjects"]!.items.first { $0["subject"]?.text == "Toán" }?["teacher"]?.text == "Lê Thị Hoa")

        // Learning results (TT22): term 1 — every average ≥ 6.5 but only five ≥ 8.0 (not Tốt), six ≥ 6.5 → Khá.
        // Term 2 — GDCD 6.0 < 6.5 (not Tốt), only five ≥ 6.5 (not Khá), six ≥ 5.0, none < 3.5 → Đạt.
        // Year — all ≥ 6.5 but four ≥ 8.0 (not Tốt), six ≥ 6.5 → Khá.
        #expect(body["results"]?["term1"]?["learning"]?.text == "Khá")
        #expect(body["results"]?["term2"]?["learning"]?.text == "Đạt")
        #expect(body["results"]?["year"]?["learning"]?.text == "Khá")

        // Bình: term 1 one comments-only Chưa đạt (not Tốt/Khá), Toán 8.2 and five 5.0 → Đạt. Term 2 Toán 3.0 < 3.5
        // → Chưa đạt. Year: Toán (8.2 + 6) / 3 = 4.73… → 4.7, so only five ≥ 5.0 → Chưa đạt; GDTC's year is its
        // second term: Đạt.
        let b = try a.current(record: "transcript/\(binh.id)/\(year)").1.body
        #expect(b["subjects"]!.items.first { $0["subject"]?.text == "Toán" }?["year"]?.mark == "4.7")
        #expect(b["subjects"]!.items.first { $0["subject"]?.text == "Giáo dục thể chất" }?["year"]?.text == "Đạt")
        #expect(["term1", "term2", "year"].map { b["results"]?[$0]?["learning"]?.text } == ["Đạt", "Chưa đạt", "Chưa đạt"])

        // The rules are recorded with every value, and the grade books used.
        let rules = body["computedFrom"]?["rules"]
        #expect(rules?["learningResult"]?["name"]?.text == "thongTu22")
        #expect(rules?["learningResult"]?["tot"]?["countedAverageAtLeast"] == .number(8))
        #expect(rules?["learningResult"]?["singleSubjectAdjustment"]?.text == "anySubject")
        #expect(rules?["commentsYearResult"]?.text == "secondTerm")
        #expect(body["computedFrom"]?["gradeBooks"]?.items.count == 14)
    }

    @Test func rebuildingIsIdempotentAndAChangedTranscriptNeedsAReason() throws {
        let a = try archive()
        try importClass(a)
        let first = try a.buildTranscripts(school: school, className: "9A", schoolYear: year, author: "x")
        let again = try a.buildTranscripts(school: "truong-thcs-tan-lap", className: "9a", schoolYear: year, author: "x")
        #expect(again.saves.map(\.change) == [.unchanged, .unchanged], "the school and class as slugs find the same records")

        // A corrected Toán HK2 grade book (An 9 → 10) changes An's transcript only.
        try importBook(a, "Toán", .hk2, csv([uniform(an, "10"), uniform(binh, "3")]), reason: "Sửa điểm")
        let missing = problems { _ = try a.buildTranscripts(school: school, className: "9A", schoolYear: year, author: "x") }
        #expect(codesAndPlaces(missing) == ["RECORD_REASON_REQUIRED transcript/\(an.id)/\(year)"])
        #expect(try a.history(record: "transcript/\(an.id)/\(year)").count == 1)

        let revised = try a.buildTranscripts(school: school, className: "9A", schoolYear: year, author: "x", reason: "Sửa điểm Toán HK2")
        #expect(revised.saves.map(\.change) == [.revised, .unchanged])
        #expect(revised.saves[0].parent == first.saves[0].revision)
        // (8.2 + 2·10) / 3 = 9.4
        #expect(
            try a.current(record: "transcript/\(an.id)/\(year)").1.body["subjects"]!.items
                .first { $0["subject"]?.text == "Toán" }?["year"]?.mark == "9.4")
    }

    @Test func missingGradeBooksAreListedAndNothingIsWritten() throws {
        let a = try archive()
        try importClass(a, skipping: ["Tiếng Anh HK2"])
        let before = try recordCount(a)
        // The header also lists a subject with no grade book at all.
        var h = try header()
        h.subjects.append(ClassHeader.Subject(name: "Âm nhạc", assessment: .scored, periodsPerYear: 35, teacher: "x"))
        let found = problems { _ = try a.buildTranscripts(school: school, className: "9A", schoolYear: year, header: h, author: "x") }
        #expect(
            codesAndPlaces(found)
                == [
                    "GRADEBOOK_MISSING \(gradeBookId("Tiếng Anh", .hk2))",
                    "GRADEBOOK_MISSING \(gradeBookId("Âm nhạc", .hk1))",
                    "GRADEBOOK_MISSING \(gradeBookId("Âm nhạc", .hk2))",
                ].sorted())
        #expect(found.contains { $0.message.vi.contains("Tiếng Anh HK2") })
        #expect(try recordCount(a) == before, "no transcript written")

        // A class or year with no grade books at all.
        #expect(
            problems { _ = try a.buildTranscripts(school: school, className: "9B", schoolYear: year, author: "x") }
                .map(\.code) == [.gradeBookMissing])
        #expect(
            problems { _ = try a.buildTranscripts(school: school, className: "9A", schoolYear: "2024", author: "x") }
                .map(\.code) == [.gradeBookHeaderInvalid])
    }

    @Test func aStudentMissingFromAGradeBookIsAnErrorForThatStudentOnly() throws {
        let a = try archive()
        try importClass(a, skipping: ["Ngữ văn HK2"])
        try importBook(a, "Ngữ văn", .hk2, csv([uniform(an, "8")]))  // Bình left out
        let found = problems { _ = try a.buildTranscripts(school: school, className: "9A", schoolYear: year, author: "x") }
        #expect(codesAndPlaces(found) == ["TRANSCRIPT_STUDENT_MISSING \(gradeBookId("Ngữ văn", .hk2))"])
        #expect(found[0].message.en.contains(binh.name))
        #expect(try a.list(kind: .record).count == 14)

        // An alone can still be built.
        let one = try a.buildTranscripts(school: school, className: "9A", schoolYear: year, student: an.id, author: "x")
        #expect(one.transcripts.map(\.moetId) == [an.id])
        #expect(
            problems { _ = try a.buildTranscripts(school: school, className: "9A", schoolYear: year, student: "2200009999", author: "x") }
                .map(\.code) == [.transcriptStudentMissing])
    }

    @Test func gradeBooksThatDisagreeAboutAStudentAreReported() throws {
        let a = try archive()
        try importClass(a, skipping: ["Tiếng Anh HK1"])
        try importBook(
            a, "Tiếng Anh", .hk1, csv([uniform(an, "8.5"), uniform((id: binh.id, name: "Trần Thị Bình", born: "02/12/2010"), "5")]))
        let found = problems { _ = try a.buildTranscripts(school: school, className: "9A", schoolYear: year, author: "x") }
        #expect(found.map(\.code) == [.transcriptInconsistent])
        #expect(found[0].message.vi.contains("2010-12-02"))
    }

    @Test func aLearningResultRaisedForOneSubjectNamesIt() throws {
        // Seven scored subjects at 8.0 but one at 3.0: by the thresholds Chưa đạt (one average below 3.5); without
        // that subject the others are Tốt, two levels above, so TT22 Điều 9 khoản 3 raises it to Đạt.
        func info(_ subject: String, _ term: Term) -> GradeBookInfo {
            GradeBookInfo(
                school: school, className: "9A", schoolYear: year, term: term, level: .thcs, grade: 9, subject: subject,
                assessment: .scored, periodsPerYear: 35, teacher: "x")
        }
        let subjects = ["Toán", "Ngữ văn", "Tiếng Anh", "Tin học", "Công nghệ", "Khoa học tự nhiên", "Âm nhạc"]
        var books = [GradeBook]()
        for subject in subjects {
            for term in Term.allCases {
                let mark = try Mark.parse(subject == "Âm nhạc" ? "3" : "8")
                books.append(
                    GradeBook(
                        info: info(subject, term),
                        students: [
                            GradeBookStudent(
                                moetId: an.id, fullName: an.name, dateOfBirth: "2010-03-15", regularMarks: [mark, mark],
                                midTermMark: mark, endOfTermMark: mark, termAverage: mark)
                        ]))
            }
        }
        let t = try TranscriptBuilder.build(books: Array(books.reversed()), school: school, className: "9A", schoolYear: year)[0]
        #expect(t.year.level == .dat && t.year.levelByThresholds == .chuaDat && t.year.raisedBecauseOf == "Âm nhạc")
        let adjustments = t.body["computedFrom"]?["adjustments"]?.items ?? []
        #expect(adjustments.count == 3)
        #expect(adjustments.last?["period"]?.text == "year" && adjustments.last?["raisedBecauseOf"]?.text == "Âm nhạc")
        // Without the adjustment (the thresholds exactly as DOMAIN.md states them):
        let strict = TranscriptRules(
            learningResult: .thongTu22ThresholdsOnly, learningResultName: "thongTu22ThresholdsOnly",
            commentsYearResult: .secondTerm)
        let s = try TranscriptBuilder.build(books: books, school: school, className: "9A", schoolYear: year, rules: strict)[0]
        #expect(s.year.level == .chuaDat && s.year.raisedBecauseOf == nil)
        #expect(s.body["computedFrom"]?["rules"]?["learningResult"]?["singleSubjectAdjustment"]?.text == "off")
    }

    @Test func transcriptBodiesMatchTheirSchema() throws {
        let a = try archive()
        try importClass(a)
        let t = try a.buildTranscripts(school: school, className: "9A", schoolYear: year, author: "x", dryRun: true).transcripts[0]
        let violations = try SchemaValidator.forRecordType("transcript").validate(t.body, source: "transcript")
        // Draft transcripts (no approvals yet) may lack the student's sex and conduct, which grade books do not carry.
        #expect(violations.isEmpty, "\(violations.map(\.description).joined(separator: "\n"))")
    }

    // MARK: The sample district

    static let generator = repoRoot + "/tools/gen-district"

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
                && FileManager.default.fileExists(atPath: GradeBookTests.generator)))
    func theSampleDistrictImportsExportsAndBuildsTranscripts() throws {
        let out = dir.path + "/district"
        let generated = try runProgram("/usr/bin/python3", [Self.generator, "--out", out, "--quick"])
        try #require(generated.status == 0, "tools/gen-district failed: \(generated)")

        struct Index: Decodable {
            struct Book: Decodable {
                struct File: Decodable {
                    var subject: String
                    var term: String
                    var file: String
                }
                var school: String
                var className: String
                var schoolYear: String
                var header: String
                var students: Int
                var files: [File]

                enum CodingKeys: String, CodingKey {
                    case school
                    case className = "class"
                    case schoolYear, header, students, files
                }
            }
            var gradebooks: [Book]
        }
        let index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/index.json")))
        try #require(!index.gradebooks.isEmpty)
        let a = try archive()
        var imported = 0
        for book in index.gradebooks {
            let h = try ClassHeader.parse(Array(try Data(contentsOf: URL(fileURLWithPath: out + "/" + book.header))), source: book.header)
            for f in book.files {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: out + "/" + f.file)))
                let r = try a.importGradeBook(
                    csv: bytes, source: f.file, header: h,
                    settings: GradeBookSettings(subject: f.subject, term: f.term), author: "GV")
                #expect(r.save.change == .created)
                #expect(r.book.students.count == book.students)
                // Remarks and single comment assessments are not stored yet: warnings, never errors.
                #expect(r.warnings.allSatisfy { $0.code == .gradeBookWarning })
                imported += 1

                // Round trip: the exported marks are the file's marks (decimal comma or point), and re-importing the
                // export changes nothing.
                let exported = try a.exportGradeBook(record: r.save.recordId)
                let original = try CSVReader.read(bytes: bytes, source: f.file)
                let back = try CSVReader.read(bytes: exported, source: "export")
                for (o, e) in zip(original.rows, back.rows) {
                    for c in 3...8 {
                        let given = o.cells[c].trimmingCharacters(in: .whitespaces)
                        if let m = try? Mark.parse(given) { #expect(e.cells[c] == m.description, "\(f.file):\(o.number)") }
                    }
                }
                #expect(back.rows.count == original.rows.count)
                let again = try a.importGradeBook(
                    csv: exported, source: "export", header: h,
                    settings: GradeBookSettings(subject: f.subject, term: f.term), author: "GV")
                #expect(again.save.change == .unchanged)
            }
            let built = try a.buildTranscripts(
                school: book.school, className: book.className, schoolYear: book.schoolYear, header: h, author: "HT")
            #expect(built.transcripts.count == book.students)
            #expect(built.saves.allSatisfy { $0.change == .created })
            // The sample has three scored subjects; the rules count six: said as a warning.
            #expect(built.warnings.map(\.code) == [.transcriptWarning])
        }
        #expect(imported == index.gradebooks.reduce(0) { $0 + $1.files.count })
    }
}
