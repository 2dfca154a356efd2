import Foundation
import HosoCore
import HosoRecords

/// A primary class's year-end evaluations (TT 27/2020) as the homeroom teacher keeps them: one row per student,
/// one column per subject (its level), `Điểm: <môn>` for the subject's year-end periodic test, `Phẩm chất: <tên>`
/// and `Năng lực: <tên>` for each quality and competence, and the teacher's remarks (Schemas/FORMATS.md, "Primary
/// ratings"). The primary học bạ is built from it: the grade books cannot carry qualities and competences.
public enum PrimaryRatingsCSV {
    /// A class has at most a few dozen students and subjects; anything far beyond is not this file.
    public static let maxRows = 500
    public static let maxColumns = 80
    public static let maxCellCharacters = 2000

    /// One student's year, checked.
    public struct Row: Sendable {
        public var student: HocBa.Student
        public var subjects: [PrimarySubjectYear]
        public var qualities: [(String, PrimaryQualityLevel)]
        public var competences: [(String, PrimaryQualityLevel)]
        public var remarks: String?
    }

    enum Column: Equatable {
        case moetId, fullName, dateOfBirth, sex, remarks
        case subject(String)
        case score(String)
        case quality(String)
        case competence(String)
    }

    /// TT 27/2020 Điều 7: the compulsory subjects with a periodic test at the end of term I and of the year —
    /// Tiếng Việt and Toán from grade 1, Ngoại ngữ 1 and Tin học và Công nghệ from grade 3 (where they are
    /// compulsory), Khoa học and Lịch sử và Địa lí from grade 4 (where they are taught). Folded names.
    static let testedFrom: [String: Int] = [
        "tieng viet": 1, "toan": 1, "ngoai ngu 1": 3, "ngoai ngu": 3, "tieng anh": 3, "tin hoc va cong nghe": 3, "tin hoc": 3,
        "cong nghe": 3, "khoa hoc": 4, "lich su va dia li": 4, "lich su va dia ly": 4,
    ]

    /// Whether `subject` has a year-end periodic test in `grade`.
    public static func hasTest(_ subject: String, grade: Int) -> Bool {
        testedFrom[VietnameseText.fold(subject)].map { grade >= $0 } ?? false
    }

    /// Reads and checks the file for a class of `grade` (1–5). Throws `HosoProblems` with every problem, each at
    /// `file:row:column`; returns only when there is none.
    public static func read(bytes: [UInt8], source: String, grade: Int) throws -> [Row] {
        guard (1...5).contains(grade) else {
            throw HosoError(
                .gradeBookHeaderInvalid, .both("Tiểu học chỉ có lớp 1 đến lớp 5", "primary school has grades 1 to 5 only"),
                location: source,
                cause: "\(grade)")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw HosoError(
                .gradeBookEncoding,
                .both(
                    "Tệp không phải UTF-8: trong Excel hãy lưu bằng \"CSV UTF-8 (Comma delimited)\"",
                    "the file is not UTF-8: in Excel, save as \"CSV UTF-8 (Comma delimited)\""), location: source)
        }
        let table = try CSVReader.read(bytes: bytes, source: source)
        guard table.rows.count <= maxRows, table.header.count <= maxColumns else {
            throw HosoError(
                .csvInvalid, .both("Tệp quá lớn cho một lớp", "The file is too large for one class"), location: source,
                cause: "\(table.rows.count) rows, \(table.header.count) columns")
        }
        var r = RatingsReader(table: table, grade: grade)
        r.readHeader()
        for row in table.rows { r.read(row) }
        if r.rows.isEmpty && r.problems.isEmpty {
            r.problem(.gradeBookEmpty, source, "Tệp không có dòng học sinh nào", "the file has no student rows")
        }
        if !r.problems.isEmpty { throw HosoProblems(r.problems) }
        return r.rows
    }

    /// A header title's meaning: the identity columns by their Vietnamese titles or the grade-book tokens, a
    /// prefix for scores, qualities and competences, any other title a subject.
    static func column(_ title: String) -> Column? {
        let name = VietnameseText.nfc(title).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let key = VietnameseText.fold(name).replacingOccurrences(of: "_", with: " ")
        switch key {
        case "ma dinh danh": return .moetId
        case "ho va ten": return .fullName
        case "ngay sinh": return .dateOfBirth
        case "gioi tinh": return .sex
        case "nhan xet": return .remarks
        case "": return nil
        default: break
        }
        if let colon = name.firstIndex(of: ":") {
            let rest = String(name[name.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard !rest.isEmpty else { return nil }
            switch VietnameseText.fold(String(name[..<colon])) {
            case "diem": return .score(rest)
            case "pham chat": return .quality(rest)
            case "nang luc": return .competence(rest)
            default: return nil
            }
        }
        return .subject(name)
    }
}

/// One pass over the table: the columns, the rows read, every problem in the order met.
private struct RatingsReader {
    let table: Table
    let grade: Int
    var columns = [(index: Int, column: PrimaryRatingsCSV.Column)]()
    var rows = [PrimaryRatingsCSV.Row]()
    var problems = [HosoError]()
    var seen = [String: Int]()

    mutating func problem(_ code: HosoError.Code, _ place: String, _ vi: String, _ en: String, _ cause: String? = nil) {
        problems.append(HosoError(code, .both(vi, en), location: place, cause: cause))
    }

    func index(_ c: PrimaryRatingsCSV.Column) -> Int? { columns.first { $0.column == c }?.index }

    mutating func readHeader() {
        var keys = [String: Int]()
        for (i, title) in table.header.enumerated() {
            let place = table.place(row: 1, column: i)
            if title.isEmpty && table.rows.allSatisfy({ i >= $0.cells.count || VietnameseText.trimmed($0.cells[i]).isEmpty }) { continue }
            guard let c = PrimaryRatingsCSV.column(title), title.count <= 100,
                !title.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                problem(
                    .gradeBookColumnUnknown, place,
                    "Cột không đọc được; dùng tên môn, \"Điểm: <môn>\", \"Phẩm chất: <tên>\", \"Năng lực: <tên>\"",
                    "an unreadable column; use a subject name, \"Điểm: <subject>\", \"Phẩm chất: <name>\", \"Năng lực: <name>\"")
                continue
            }
            let key = VietnameseText.fold("\(c)")
            if let first = keys[key] {
                problem(.gradeBookColumnUnknown, place, "Cột bị lặp", "the column appears twice", table.place(row: 1, column: first))
                continue
            }
            keys[key] = i
            columns.append((i, c))
        }
        for (c, name) in [(PrimaryRatingsCSV.Column.moetId, "Mã định danh"), (.fullName, "Họ và tên"), (.dateOfBirth, "Ngày sinh")]
        where index(c) == nil {
            problem(.gradeBookColumnMissing, "\(table.source):1", "Thiếu cột \(name)", "the column \(name) is missing", name)
        }
        let subjects = columns.compactMap { if case .subject(let s) = $0.column { return VietnameseText.fold(s) } else { return nil } }
        if subjects.isEmpty {
            problem(.gradeBookColumnMissing, "\(table.source):1", "Không có cột môn học nào", "there is no subject column")
        }
        let scored = columns.compactMap { if case .score(let s) = $0.column { return VietnameseText.fold(s) } else { return nil } }
        for (i, c) in columns {
            // A subject with a test in this grade needs its score column.
            if case .subject(let s) = c, PrimaryRatingsCSV.hasTest(s, grade: grade), !scored.contains(VietnameseText.fold(s)) {
                problem(
                    .gradeBookColumnMissing, table.place(row: 1, column: i),
                    "Thiếu cột Điểm: \(s) (môn có bài kiểm tra định kì cuối năm ở lớp \(grade))",
                    "the column Điểm: \(s) is missing (the subject has a year-end periodic test in grade \(grade))")
            }
            guard case .score(let s) = c else { continue }
            if !subjects.contains(VietnameseText.fold(s)) {
                problem(
                    .gradeBookColumnMissing, table.place(row: 1, column: i), "Cột điểm không có cột mức của môn \(s)",
                    "a score column without the subject's level column", s)
            }
        }
    }

    /// One student row; kept only when it adds no problem.
    mutating func read(_ row: Table.Row) {
        let cells = row.cells.map { VietnameseText.nfc(VietnameseText.trimmed(CSVFormula.restored($0))) }
        if cells.allSatisfy(\.isEmpty) { return }
        let before = problems.count
        for i in table.header.count..<max(table.header.count, cells.count) where !cells[i].isEmpty {
            problem(
                .gradeBookExtraCell, table.place(row: row.number, column: i), "Ô nằm ngoài các cột của tiêu đề",
                "a cell beyond the header's columns", String(reflecting: cells[i]))
        }
        func cell(_ i: Int) -> String { i < cells.count ? cells[i] : "" }
        func place(_ i: Int) -> String { table.place(row: row.number, column: i) }
        for i in cells.indices where cells[i].count > PrimaryRatingsCSV.maxCellCharacters {
            problem(.csvInvalid, place(i), "Ô quá dài", "the cell is too long", "\(cells[i].count)")
        }
        // Only the remarks may run over lines; no cell may carry other control characters.
        for (i, c) in columns where i < cells.count {
            let allowed: Set<Unicode.Scalar> = c == .remarks ? ["\n", "\t"] : []
            if cells[i].unicodeScalars.contains(where: { ($0.properties.generalCategory == .control) && !allowed.contains($0) }) {
                problem(.csvInvalid, place(i), "Ô có ký tự điều khiển", "the cell has control characters", String(reflecting: cells[i]))
            }
        }
        var student = HocBa.Student(fullName: "", dateOfBirth: "", moetId: "")
        var out = PrimaryRatingsCSV.Row(student: student, subjects: [], qualities: [], competences: [])
        var scores = [String: Int]()
        for (i, c) in columns {
            let text = cell(i)
            switch c {
            case .moetId:
                student.moetId = text
                if text.isEmpty {
                    problem(.moetIdInvalid, place(i), "Thiếu mã định danh học sinh", "the student's identifier is missing")
                } else if text.utf8.count != 10 || !text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
                    problem(
                        .moetIdInvalid, place(i), "Mã định danh phải có đúng 10 chữ số",
                        "the identifier (mã định danh) must be exactly 10 digits",
                        String(reflecting: text))
                } else if let first = seen[text] {
                    problem(
                        .gradeBookDuplicateStudent, place(i), "Học sinh bị lặp (cùng mã định danh ở dòng \(first))",
                        "the same student twice (same identifier as row \(first))", text)
                } else {
                    seen[text] = row.number
                }
            case .fullName:
                student.fullName = normalizedName(text)
                if text.isEmpty { problem(.gradeBookNameMissing, place(i), "Thiếu họ và tên", "the full name is missing") }
            case .dateOfBirth:
                if let iso = GradeBookCSV.parseDate(text) {
                    student.dateOfBirth = iso
                } else {
                    problem(
                        .dateInvalid, place(i), "Ngày sinh phải là một ngày có thật, dạng dd/MM/yyyy",
                        "the date of birth must be a real date written dd/MM/yyyy", String(reflecting: text))
                }
            case .sex:
                switch VietnameseText.fold(text) {
                case "": break
                case "nam": student.sex = "Nam"
                case "nu": student.sex = "Nữ"
                default: problem(.csvInvalid, place(i), "Giới tính: Nam hoặc Nữ", "sex: Nam or Nữ", String(reflecting: text))
                }
            case .remarks:
                if !text.isEmpty { out.remarks = text }
            case .subject(let name):
                if text.isEmpty {
                    problem(
                        .gradeBookMarkMissing, place(i), "Thiếu mức đánh giá cuối năm của môn", "the subject's year-end level is missing")
                } else {
                    do {
                        out.subjects.append(.init(subject: name, year: try PrimarySubjectLevel.parse(text, location: place(i))))
                    } catch { problems.append(error) }
                }
            case .score(let name):
                if PrimaryRatingsCSV.hasTest(name, grade: grade) {
                    if text.isEmpty {
                        problem(
                            .gradeBookMarkMissing, place(i), "Thiếu điểm bài kiểm tra định kì cuối năm",
                            "the year-end periodic test score is missing")
                    } else {
                        do { scores[VietnameseText.fold(name)] = try PrimaryTestScore.parse(text, location: place(i)).value } catch {
                            problems.append(error)
                        }
                    }
                } else if !text.isEmpty {
                    problem(
                        .gradeBookUnexpectedValue, place(i),
                        "Môn \(name) ở lớp \(grade) không có bài kiểm tra định kì (Thông tư 27/2020 Điều 7): để trống ô này",
                        "\(name) has no periodic test in grade \(grade) (TT 27/2020 art. 7): leave this cell empty",
                        String(reflecting: text))
                }
            case .quality(let name), .competence(let name):
                do {
                    let level = try PrimaryQualityLevel.parse(text, location: place(i))
                    if case .quality = c { out.qualities.append((name, level)) } else { out.competences.append((name, level)) }
                } catch { problems.append(error) }
            }
        }
        for j in out.subjects.indices {
            out.subjects[j].testScore = scores[VietnameseText.fold(out.subjects[j].subject)]
        }
        out.student = student
        if problems.count == before { rows.append(out) }
    }
}
