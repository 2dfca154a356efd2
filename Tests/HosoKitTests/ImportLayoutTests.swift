import Foundation
import HosoCore
import HosoGrades
import HosoRecords
import HosoTestSupport
import Testing

@testable import HosoKit

/// The layouts schools already have: titles found whatever their Unicode form, case, line breaks or accents; the
/// sector database's student export in two template versions; vnEdu grade sheets with their averages checked.
@Suite struct ImportLayoutTests {
    let dir = TempDirectory()

    func archive() throws -> Archive { try Archive.create(at: dir.path + "/a", clock: fixedClock) }

    // MARK: Header matching

    @Test func titlesMatchAcrossUnicodeFormsCaseLineBreaksAndAccents() {
        let header = [nfd("Ngày\nsinh"), "HỌ  VÀ TÊN", "Gioi tinh", "Mã học sinh:", nfd("Số định danh\r\ncá nhân")]
        #expect(HeaderMatch.column(for: ["Ngày sinh"], in: header) == 0)
        #expect(HeaderMatch.column(for: ["Họ và tên"], in: header) == 1)
        #expect(HeaderMatch.column(for: ["Giới tính"], in: header) == 2)  // typed without accents, one candidate
        #expect(HeaderMatch.column(for: ["Mã học sinh"], in: header) == 3)
        #expect(HeaderMatch.column(for: ["Số định danh cá nhân"], in: header) == 4)
        #expect(HeaderMatch.column(for: ["Nơi sinh"], in: header) == nil)
        #expect(HeaderMatch.signature(header) == HeaderMatch.signature(header.map { $0.precomposedStringWithCanonicalMapping }))
    }

    /// Without accents two titles can meet ("Tên" and "Tến" are not the same column): then no guess is made,
    /// while an exact title still wins.
    @Test func accentInsensitiveMatchingOnlyWhereUnambiguous() {
        #expect(HeaderMatch.column(for: ["Ten"], in: ["Tên", "Tến"]) == nil)
        #expect(HeaderMatch.column(for: ["Tên"], in: ["Tến", "Tên"]) == 1)
        #expect(HeaderMatch.column(for: ["Ten"], in: ["Tên", "Lớp"]) == 0)
    }

    // MARK: C1-HocSinh

    @Test func theStudentExportVersion1IsReadAcrossSheets() throws {
        let path = dir.path + "/c1-v1.xlsx"
        try c1Version1(path)
        let read = try StudentExport.read(path: path)
        #expect(read.errors.isEmpty, "\(read.errors)")
        #expect(read.students.count == 4)
        #expect(read.sheets.map(\.name) == ["6A1", "6A2"])
        #expect(read.warnings.count == 1)  // the instructions sheet, skipped
        let an = try #require(read.students.first)
        #expect(an.fullName == "Nguyễn Văn An" && an.dateOfBirth == "2013-03-15" && an.moetId == "0123456701")
        #expect(an.citizenId == "022213001234" && an.lifelongId == nil && an.sheet == "6A1" && an.row == 5)
        let minh = read.students[2]
        #expect(minh.moetId == nil && minh.citizenId == "022212005678" && minh.dateOfBirth == "2012-12-31")
    }

    @Test func theStudentExportVersion2WithNFDTitlesAndLineBreaksIsRead() throws {
        let path = dir.path + "/c1-v2.xlsx"
        try c1Version2(
            path,
            rows: [
                [
                    "Nguyễn Văn An", .number(excelSerial(2013, 3, 15)), "Nam", "0123456701", "022213001234", "HTSD-QN-000123", "Kinh",
                    "Hạ Long", "6A1",
                ],
                ["Đỗ Minh Châu", "05/09/2013", "nữ", "", "", "", "Kinh", "Cẩm Phả", "6A2"],
            ])
        let read = try StudentExport.read(path: path)
        #expect(read.errors.isEmpty, "\(read.errors)")
        #expect(read.students.map(\.dateOfBirth) == ["2013-03-15", "2013-09-05"])
        #expect(read.students[0].lifelongId == "HTSD-QN-000123" && read.students[0].moetId == "0123456701")
        #expect(read.students[1].sex == "Nữ" && read.students[1].className == "6A2")
    }

    @Test func everyProblemIsReportedWithSheetRowColumnAndFieldAndNothingIsWritten() throws {
        let path = dir.path + "/bad.xlsx"
        var rows = c1Students
        rows[1][2] = "31/02/2013"  // not a date
        rows[2][0] = "12345"  // not 10 digits
        rows[3][0] = "0123456701"  // the same code as row 1
        try c1Version1(path, students: rows)
        let a = try archive()
        let report = try a.importStudents(xlsx: path, author: "vanthu", dryRun: false)
        #expect(!report.committed)
        #expect(try a.recordIds(ofType: "person").isEmpty)
        let found = report.errors.map { "\($0.code) \($0.location ?? "")" }
        #expect(found.contains("STUDENT_VALUE_INVALID \(path):6A1:6:ngày sinh"), "\(found)")
        #expect(found.contains("STUDENT_VALUE_INVALID \(path):6A2:5:mã học sinh"), "\(found)")
        #expect(found.contains("STUDENT_DUPLICATE \(path):6A2:6:moetId"), "\(found)")
        #expect(report.errors.first { $0.code == "STUDENT_VALUE_INVALID" }?.message.hasPrefix("Ngày sinh:") == true)
    }

    @Test func reImportDoesNotDuplicateAndAnotherTemplateUpdatesTheSamePeople() throws {
        let a = try archive()
        let v1 = dir.path + "/v1.xlsx"
        try c1Version1(v1)
        let first = try a.importStudents(xlsx: v1, author: "vanthu", dryRun: false)
        #expect(first.committed && first.created == 4, "\(first.errors.map(\.message))")
        #expect(Set(try a.recordIds(ofType: "person")).count == 4)
        let again = try a.importStudents(xlsx: v1, author: "vanthu", dryRun: false)
        #expect(again.created == 0 && again.updated == 0 && again.unchanged == 4 && !again.committed)

        // Version 2 of the template: An gains a lifelong code (matched by MOET code); Minh is matched by his
        // personal ID; Hà (no code at all) by name and birth, now with a MOET code.
        let v2 = dir.path + "/v2.xlsx"
        try c1Version2(
            v2,
            rows: [
                [
                    "Nguyễn Văn An", .number(excelSerial(2013, 3, 15)), "Nam", "0123456701", "022213001234", "HTSD-1", "Kinh",
                    "Hạ Long, Quảng Ninh", "6A1",
                ],
                ["Lê Hoàng Minh", "31/12/2012", "Nam", "", "022212005678", "", "Kinh", "Uông Bí, Quảng Ninh", "6A2"],
                ["Phạm Thu Hà", "09/01/2013", "Nữ", "", "", "", "Kinh", "Hạ Long, Quảng Ninh", "6A2"],
            ])
        let second = try a.importStudents(xlsx: v2, author: "vanthu", dryRun: false)
        #expect(second.errors.isEmpty, "\(second.errors.map(\.message))")
        #expect(second.created == 0 && second.updated == 1 && second.unchanged == 2, "\(second)")
        #expect(try a.recordIds(ofType: "person").count == 4)
        let an = try a.current(record: "hs-0123456701").1.body
        #expect(an["lifelongId"]?.stringValue == "HTSD-1" && an["citizenId"]?.stringValue == "022213001234")
    }

    @Test func codesThatDisagreeWithTheRecordsHeldAreRefused() throws {
        let a = try archive()
        let v1 = dir.path + "/v1.xlsx"
        try c1Version1(v1)
        _ = try a.importStudents(xlsx: v1, author: "vanthu", dryRun: false)
        let v2 = dir.path + "/v2.xlsx"
        // An's MOET code with Minh's personal ID: two people in the archive.
        try c1Version2(
            v2, rows: [["Nguyễn Văn An", "15/03/2013", "Nam", "0123456701", "022212005678", "", "Kinh", "Hạ Long", "6A1"]])
        let r = try a.importStudents(xlsx: v2, author: "vanthu", dryRun: false)
        #expect(r.errors.map(\.code) == ["STUDENT_CODES_DISAGREE"] && !r.committed)
    }

    // MARK: vnEdu grade sheets

    func settings() -> GradeBookSettings {
        GradeBookSettings(
            school: "Trường THCS Tân Lập", className: "6A1", schoolYear: "2024-2025", subject: "Toán", term: "HK1", level: "THCS",
            grade: 6, periodsPerYear: 140, assessment: "scored", teacher: "Lê Thị Hoa")
    }

    /// A vnEdu sheet: title lines, a two-row header (Họ và tên over Họ đệm | Tên, ĐĐGtx over 1…5), marks as numbers.
    func vnEdu(_ path: String, rows: [[FixtureCell]]) throws {
        let top: [FixtureCell] = ["STT", "Họ và tên", "", "Ngày sinh", "ĐĐGtx", "", "", "", "", "ĐĐGgk", "ĐĐGck", "ĐTBmhkI"]
        let second: [FixtureCell] = ["", "Họ đệm", "Tên", "", "1", "2", "3", "4", "5"]
        try writeWorkbook(
            path: path,
            sheets: [
                (
                    "Toán 6A1",
                    [["SỔ ĐIỂM MÔN TOÁN - LỚP 6A1 - HỌC KÌ I"], ["Năm học 2024-2025"], top, second] + numbered(rows)
                )
            ])
    }

    func importedStudents(_ a: Archive) throws {
        let v1 = dir.path + "/v1.xlsx"
        try c1Version1(v1)
        _ = try a.importStudents(xlsx: v1, author: "vanthu", dryRun: false)
    }

    @Test func aVnEduSheetBecomesAGradeBookAndAWrongAverageIsReportedByRow() throws {
        let a = try archive()
        try importedStudents(a)
        let path = dir.path + "/toan.xlsx"
        let n = { (v: String) in FixtureCell.number(v) }
        try vnEdu(
            path,
            rows: [
                ["Nguyễn Văn", "An", .number(excelSerial(2013, 3, 15)), n("8"), n("7"), n("9"), n("8"), "", n("7"), n("8"), n("7.8")],
                ["Trần Thị Bích", "Ngọc", "02/11/2013", n("9"), n("9"), n("8"), n("10"), "", n("9"), n("9.5"), n("9")],
            ])
        let r = try a.importGradeSheet(xlsx: path, header: nil, settings: settings(), author: "Lê Thị Hoa")
        #expect(r.result.book.students.map(\.moetId) == ["0123456701", "0123456702"])
        #expect(r.result.book.students.map { $0.termAverage?.description } == ["7.8", "9.2"])
        #expect(r.mismatches.map(\.location) == ["\(path):Toán 6A1:6:đtbmhki"], "\(r.mismatches)")
        #expect(r.mismatches.first?.message.vi.contains("9,2") == true)
        #expect(r.result.save.change == .created)
    }

    @Test func unmatchedRowsAndBadMarksNameTheSheetsRowAndColumn() throws {
        let a = try archive()
        try importedStudents(a)
        let path = dir.path + "/toan.xlsx"
        let n = { (v: String) in FixtureCell.number(v) }
        try vnEdu(
            path,
            rows: [
                ["Nguyễn Văn", "An", "15/03/2013", n("8"), n("7"), n("11"), n("8"), "", n("7"), n("8"), ""],
                ["Vũ Văn", "Khách", "01/01/2013", n("8"), n("7"), n("9"), n("8"), "", n("7"), n("8"), ""],
            ])
        do {
            _ = try a.importGradeSheet(xlsx: path, header: nil, settings: settings(), author: "Lê Thị Hoa", dryRun: true)
            Issue.record("accepted")
        } catch let p as HosoProblems {
            let found = p.problems.map { "\($0.code) \($0.location ?? "")" }
            #expect(found.contains("GRADE_SHEET_STUDENT_UNMATCHED \(path):Toán 6A1:6:tên"), "\(found)")
            #expect(found.contains("MARK_INVALID \(path):Toán 6A1:5:tx3"), "\(found)")
        }
        #expect(try a.recordIds(ofType: "grade-book").isEmpty)
    }

    // MARK: Presets

    /// A preset is written by the mapping workflow only: saved, checked by its schema (a title with a line break),
    /// revised when confirmed again, and refused to a plain record write or revision.
    @Test func aPresetIsAWorkflowRecord() throws {
        let a = try archive()
        var p = ImportPreset(
            school: "Trường THCS Tân Lập", signature: "stt|ho va ten|ngay sinh", columns: ["stt": "STT", "dateOfBirth": "Ngày\nsinh"],
            header: ["level": "THCS"])
        try a.saveImportPreset(p, author: "vanthu")
        p.columns["fullName"] = "HỌ VÀ TÊN"
        try a.saveImportPreset(p, author: "vanthu")
        #expect(try a.importPreset(signature: p.signature, school: p.school) == p)
        let id = try #require(try a.recordIds(ofType: Archive.importPresetType).first)
        #expect(try a.history(record: id).count == 2)
        func code(_ f: () throws -> Void) -> HosoError.Code? {
            do { try f() } catch let e as HosoError { return e.code } catch { return nil }
            return nil
        }
        let body = try a.current(record: id).1.body
        #expect(
            code { try a.createRecord(type: Archive.importPresetType, id: "import-preset/x", body: body, author: "x") } == .workflowRecord)
        #expect(code { try a.revise(record: id, body: body, author: "x", reason: "x") } == .workflowRecord)
        #expect(try a.history(record: id).count == 2)
    }

    // MARK: Hostile workbooks

    /// Many sheets, a far cell, a sheet that points nowhere: bounded, refused with a place, never a crash.
    @Test func hostileWorkbooksAreBoundedOrRefused() throws {
        let path = dir.path + "/far.xlsx"
        let far: [FixtureCell] = Array(repeating: .empty, count: 5000) + ["x"]
        try writeWorkbook(path: path, sheets: [("A", [["Họ và tên", "Ngày sinh"], far])])
        let (sheets, _) = try XLSXReader.readSheets(path: path)
        #expect(sheets[0].rows.allSatisfy { $0.cells.count <= XLSXReader.maxGridColumns })

        let many = dir.path + "/many.xlsx"
        try writeWorkbook(path: many, sheets: (0...XLSXReader.maxSheets).map { ("S\($0)", [["x"]]) })
        #expect(throws: HosoError.self) { try XLSXReader.readSheets(path: many) }

        let junk = dir.path + "/junk.xlsx"
        #expect(FileManager.default.createFile(atPath: junk, contents: Data("PK\u{3}\u{4}not a zip".utf8)))
        do {
            _ = try StudentExport.read(path: junk)
            Issue.record("accepted")
        } catch let e as HosoError {
            #expect(e.code == .xlsxInvalid)
        }
        let empty = dir.path + "/nolist.xlsx"
        try writeWorkbook(path: empty, sheets: [("Ghi chú", [["Không có gì"]])])
        #expect(try StudentExport.read(path: empty).errors.map(\.code) == [.studentExportNoSheet])
    }
}
