import Foundation
import HosoCore

extension HosoError.Code {
    public static let studentExportNoSheet = Self("STUDENT_EXPORT_NO_SHEET", .badInput)
    public static let studentColumnMissing = Self("STUDENT_COLUMN_MISSING", .badInput)
    public static let studentValueInvalid = Self("STUDENT_VALUE_INVALID", .badInput)
    public static let studentDuplicate = Self("STUDENT_DUPLICATE", .badInput)
    public static let studentCodesDisagree = Self("STUDENT_CODES_DISAGREE", .badInput)
    public static let studentImportWarning = Self("STUDENT_IMPORT_WARNING", .badInput)
}

/// One student as the sector database's export (C1-HocSinh) lists them, with where the row is.
public struct StudentRow: Sendable, Equatable {
    public var sheet: String
    public var row: Int
    public var fullName: String
    /// YYYY-MM-DD.
    public var dateOfBirth: String
    public var sex: String?
    public var ethnicity: String?
    public var placeOfBirth: String?
    /// The three identifiers are kept apart, and any may be missing: the MOET student code (10 digits), the
    /// personal identification number (12 digits, CCCD) and the lifelong-learning code.
    public var moetId: String?
    public var citizenId: String?
    public var lifelongId: String?
    public var className: String?

    /// The fields a `person` record takes from this row (Schemas/person.schema.json), as members.
    public var personMembers: [JSONMember] {
        var m = [JSONMember("fullName", .string(fullName)), JSONMember("dateOfBirth", .string(dateOfBirth))]
        for (k, v) in [
            ("placeOfBirth", placeOfBirth), ("sex", sex), ("ethnicity", ethnicity), ("citizenId", citizenId), ("moetId", moetId),
            ("lifelongId", lifelongId),
        ] {
            if let v { m.append(JSONMember(k, .string(v))) }
        }
        return m
    }
}

/// What reading an export found: the students, and every problem with its place (`file:sheet:row:column`), the
/// field's label first in the message. Nothing here touches the archive.
public struct StudentExportRead: Sendable {
    public var source: String
    public var students: [StudentRow]
    public var errors: [HosoError]
    public var warnings: [HosoError]
    /// Sheets read as student lists, with their number of students.
    public var sheets: [(name: String, students: Int)]
}

/// The student export of the sector database (CSDL ngành, "C1-HocSinh"): an XLSX workbook with one sheet per
/// class or grade, title lines above the header, titles in NFC or NFD with line breaks inside, dates as Excel
/// serial numbers or as text, and columns that move between template versions (found by title, never position).
public enum StudentExport {
    public static let fields: [HeaderMatch.Field] = [
        .init(
            "fullName", .both("Họ và tên", "Full name"), titles: ["Họ và tên", "Họ tên", "Họ và tên học sinh", "Tên học sinh"],
            required: true),
        .init(
            "dateOfBirth", .both("Ngày sinh", "Date of birth"), titles: ["Ngày sinh", "Ngày tháng năm sinh", "Ngày/tháng/năm sinh"],
            required: true),
        .init("sex", .both("Giới tính", "Sex"), titles: ["Giới tính", "Giới"]),
        .init("ethnicity", .both("Dân tộc", "Ethnicity"), titles: ["Dân tộc"]),
        .init("placeOfBirth", .both("Nơi sinh", "Place of birth"), titles: ["Nơi sinh"]),
        .init(
            "moetId", .both("Mã học sinh (Bộ GD&ĐT)", "MOET student code"),
            titles: ["Mã học sinh", "Mã định danh Bộ GD&ĐT", "Mã định danh học sinh", "Mã HS", "Mã định danh GD&ĐT"]),
        .init(
            "citizenId", .both("Số định danh cá nhân", "Personal ID number"),
            titles: ["Số định danh cá nhân", "Mã định danh cá nhân", "Số CCCD", "Căn cước công dân", "Số căn cước", "CCCD"]),
        .init(
            "lifelongId", .both("Mã số học tập suốt đời", "Lifelong-learning code"),
            titles: ["Mã số học tập suốt đời", "Mã học tập suốt đời", "Mã số HTSĐ"]),
        .init("className", .both("Lớp", "Class"), titles: ["Lớp", "Tên lớp"]),
    ]

    public static func label(_ field: String) -> LocalizedText {
        fields.first { $0.name == field }?.label ?? .both(field, field)
    }

    /// Reads every sheet of the workbook at `path`.
    public static func read(path: String) throws -> StudentExportRead {
        let (sheets, date1904) = try XLSXReader.readSheets(path: path)
        return read(sheets: sheets, source: path, date1904: date1904)
    }

    /// Reads sheets already taken out of a workbook. A sheet with no header row of this layout (instructions,
    /// a summary) is skipped with a warning; the file is refused when no sheet has one.
    public static func read(sheets: [XLSXSheet], source: String, date1904: Bool) -> StudentExportRead {
        var out = StudentExportRead(source: source, students: [], errors: [], warnings: [], sheets: [])
        for sheet in sheets {
            guard let h = HeaderMatch.headerRow(sheet.rows, fields: fields, minimum: 2) else {
                if !sheet.rows.isEmpty {
                    out.warnings.append(
                        HosoError(
                            .studentImportWarning,
                            .both(
                                "Trang tính \"\(sheet.name)\" không có dòng tiêu đề danh sách học sinh; bỏ qua",
                                "The sheet \"\(sheet.name)\" has no student-list header row; skipped"), location: "\(source):\(sheet.name)")
                    )
                }
                continue
            }
            let before = out.students.count
            readSheet(sheet, headerAt: h, source: source, date1904: date1904, into: &out)
            out.sheets.append((sheet.name, out.students.count - before))
        }
        if out.sheets.isEmpty {
            out.errors.append(
                HosoError(
                    .studentExportNoSheet,
                    .both(
                        "Không trang tính nào có dòng tiêu đề danh sách học sinh (cần ít nhất cột Họ và tên và Ngày sinh)",
                        "No sheet has a student-list header row (at least the columns Họ và tên and Ngày sinh are needed)"),
                    location: source))
        }
        checkDuplicates(&out, source: source)
        return out
    }

    private static func readSheet(_ sheet: XLSXSheet, headerAt h: Int, source: String, date1904: Bool, into out: inout StudentExportRead) {
        let header = sheet.rows[h].cells
        let column = HeaderMatch.propose(fields, header: header)
        func place(_ row: Int, _ field: String) -> String {
            let c = column[field]
            let title = c.map { HeaderMatch.key(header[$0]) } ?? field
            return "\(source):\(sheet.name):\(row):\(title)"
        }
        var missing = false
        for f in fields where f.required && column[f.name] == nil {
            missing = true
            out.errors.append(
                HosoError(
                    .studentColumnMissing,
                    .both(
                        "\(f.label.vi): không có cột này trong dòng tiêu đề của trang tính \"\(sheet.name)\"",
                        "\(f.label.en): no such column in the header row of the sheet \"\(sheet.name)\""),
                    location: "\(source):\(sheet.name):\(sheet.rows[h].number)"))
        }
        if missing { return }
        for r in sheet.rows[(h + 1)...] {
            func cell(_ field: String) -> String? {
                guard let c = column[field], c < r.cells.count else { return nil }
                let v = r.cells[c].split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
                return v.isEmpty ? nil : VietnameseText.nfc(v)
            }
            // A row with neither name nor date, or with one cell only, is a footer line ("Tổng số: 32", a
            // signature), not a student.
            guard cell("fullName") != nil || cell("dateOfBirth") != nil, !isNote(r) else { continue }
            var errors = [HosoError]()
            func bad(_ field: String, _ vi: String, _ en: String, _ value: String?) {
                let l = label(field)
                errors.append(
                    HosoError(
                        .studentValueInvalid, .both("\(l.vi): \(vi)", "\(l.en): \(en)"), location: place(r.number, field), cause: value))
            }
            let name = cell("fullName")
            if name == nil { bad("fullName", "ô trống", "the cell is empty", nil) }
            var dob: String?
            if let d = cell("dateOfBirth") {
                dob = date(d, date1904: date1904)
                if dob == nil { bad("dateOfBirth", "không phải ngày (dd/mm/yyyy)", "not a date (dd/mm/yyyy)", d) }
            } else {
                bad("dateOfBirth", "ô trống", "the cell is empty", nil)
            }
            var sex: String?
            if let s = cell("sex") {
                switch VietnameseText.fold(s) {
                case "nam", "m", "male": sex = "Nam"
                case "nu", "f", "female", "x": sex = "Nữ"
                default: bad("sex", "phải là Nam hoặc Nữ", "must be Nam or Nữ", s)
                }
            }
            func digits(_ field: String, _ count: Int) -> String? {
                guard let v = cell(field) else { return nil }
                let compact = v.replacingOccurrences(of: " ", with: "")
                guard compact.utf8.count == count, compact.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                    bad(field, "phải có đúng \(count) chữ số", "must be exactly \(count) digits", v)
                    return nil
                }
                return compact
            }
            let moetId = digits("moetId", 10)
            let citizenId = digits("citizenId", 12)
            var lifelong = cell("lifelongId")
            if let l = lifelong, l.count > 40 {
                bad("lifelongId", "dài quá 40 ký tự", "longer than 40 characters", l)
                lifelong = nil
            }
            if let n = name, n.count > 100 { bad("fullName", "dài quá 100 ký tự", "longer than 100 characters", n) }
            out.errors += errors
            guard errors.isEmpty, let name, let dob else { continue }
            out.students.append(
                StudentRow(
                    sheet: sheet.name, row: r.number, fullName: name, dateOfBirth: dob, sex: sex, ethnicity: cell("ethnicity"),
                    placeOfBirth: cell("placeOfBirth"), moetId: moetId, citizenId: citizenId, lifelongId: lifelong,
                    className: cell("className") ?? sheet.name))
        }
    }

    /// A line with one cell only: a title, a total or a signature above or below a table, never a student.
    public static func isNote(_ r: Table.Row) -> Bool {
        r.cells.filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.count <= 1
    }

    /// A date cell: an Excel serial day number, or text as dd/mm/yyyy (also with - or .), or yyyy-mm-dd.
    public static func date(_ text: String, date1904: Bool) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2E }), let d = Double(t), d >= 1, d < 100_000 {
            // Excel keeps a date typed with a time as a fraction of a day: the day is the whole part.
            return DateCell.excelSerial(String(Int(d)), date1904: date1904)
        }
        for f in ["d/M/yyyy", "d-M-yyyy", "d.M.yyyy", "yyyy-MM-dd"] {
            if let iso = DateCell.parse(t, format: f) { return iso }
        }
        return nil
    }

    /// The same code on two rows is the same student listed twice (or a typing error): refused, naming both.
    private static func checkDuplicates(_ out: inout StudentExportRead, source: String) {
        for field in ["moetId", "citizenId"] {
            var first = [String: StudentRow]()
            for s in out.students {
                guard let code = field == "moetId" ? s.moetId : s.citizenId else { continue }
                if let f = first[code] {
                    let l = label(field)
                    out.errors.append(
                        HosoError(
                            .studentDuplicate,
                            .both(
                                "\(l.vi): trùng với trang tính \"\(f.sheet)\" dòng \(f.row)",
                                "\(l.en): the same as sheet \"\(f.sheet)\" row \(f.row)"),
                            location: "\(source):\(s.sheet):\(s.row):\(field)", cause: code))
                } else {
                    first[code] = s
                }
            }
        }
    }
}
