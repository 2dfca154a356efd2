import Foundation
import HosoCore
import HosoRecords

// MARK: - CSV layout

/// The grade-book CSV layout (Schemas/FORMATS.md, "Grade books"):
/// `ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet` and, in exports, `tbm`.
public enum GradeBookCSV {
    public static let identityColumns = ["ma_dinh_danh", "ho_va_ten", "ngay_sinh"]
    public static let regularColumns = ["tx1", "tx2", "tx3", "tx4"]
    public static let columns = identityColumns + regularColumns + ["gk", "ck", "nhan_xet"]
    /// The computed term average: written by export, accepted (and only compared) by import.
    public static let averageColumn = "tbm"

    /// `nhan_xet` values meaning the student is exempt from a comments-only subject (miễn học).
    static let exemptWords: Set<String> = ["mien", "mien hoc", "m"]
    public static let exemptLabel = "Miễn"

    /// A checked grade book, with what is worth a look but does not stop the import.
    public struct Parsed: Sendable {
        public var book: GradeBook
        public var warnings: [HosoError]
    }

    /// Reads and checks a grade-book CSV file against its metadata. Throws `HosoProblems` with every problem —
    /// of the metadata and of every cell — each with its place (`file:row:column`).
    public static func read(bytes: [UInt8], source: String, header: ClassHeader?, settings: GradeBookSettings) throws -> Parsed {
        let meta = GradeBookInfo.resolve(header: header, settings: settings)
        var problems = meta.problems
        // The layout is UTF-8 only: CSVReader would read anything else as Windows-1252, and a Vietnamese Excel
        // "CSV" file is Windows-1258, which that reading turns into wrong letters without any error.
        guard String(validating: bytes, as: UTF8.self) != nil else {
            problems.append(
                HosoError(
                    .gradeBookEncoding,
                    .both(
                        "Tệp không phải UTF-8: trong Excel hãy lưu bằng \"CSV UTF-8 (Comma delimited)\"",
                        "the file is not UTF-8: in Excel, save as \"CSV UTF-8 (Comma delimited)\""),
                    location: source))
            throw HosoProblems(problems)
        }
        let table: Table
        do {
            table = try CSVReader.read(bytes: bytes, source: source)
        } catch let e as HosoError {
            throw HosoProblems(problems + [e])
        }
        let checked = readRows(table, assessment: meta.assessment, regularCount: meta.regularMarkCount)
        var students = checked.students
        var warnings = checked.warnings
        problems += checked.problems
        if let info = meta.info, problems.isEmpty {
            // Every input was checked above; this only computes, so it cannot fail on a checked row.
            for i in students.indices where info.assessment == .scored {
                students[i].row.termAverage = try SecondaryGrading.termAverage(
                    regular: students[i].row.regularMarks, midTerm: students[i].row.midTermMark!,
                    endOfTerm: students[i].row.endOfTermMark!, periodsPerYear: info.periodsPerYear!)
                if let given = students[i].givenAverage, given != students[i].row.termAverage {
                    warnings.append(
                        HosoError(
                            .gradeBookWarning,
                            .both(
                                "Cột tbm (\(given.vietnamese)) khác điểm trung bình tính được (\(students[i].row.termAverage!.vietnamese)); lưu giá trị tính được",
                                "the tbm column (\(given)) differs from the computed average (\(students[i].row.termAverage!)); the computed one is stored"
                            ),
                            location: students[i].averagePlace))
                }
            }
        }
        if !problems.isEmpty { throw HosoProblems(problems) }
        return Parsed(book: GradeBook(info: meta.info!, students: students.map(\.row)), warnings: warnings)
    }

    private struct ReadRow {
        var row: GradeBookStudent
        var givenAverage: Mark?
        var averagePlace: String
    }

    /// Checks every row and cell. `assessment` or `regularCount` is nil when the metadata could not say; the
    /// checks that need them are then skipped (the metadata problem is already reported).
    private static func readRows(
        _ table: Table, assessment: Assessment?, regularCount: Int?
    )
        -> (students: [ReadRow], problems: [HosoError], warnings: [HosoError])
    {
        var reader = RowReader(table: table, assessment: assessment, regularCount: regularCount)
        reader.readHeader()
        reader.checkNeededColumns()
        for row in table.rows {
            reader.read(row)
        }
        reader.warnUnstored()
        if table.rows.allSatisfy({ $0.cells.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }) {
            reader.problem(.gradeBookEmpty, table.source, "Tệp không có dòng học sinh nào", "the file has no student rows")
        }
        return (reader.students, reader.problems, reader.warnings)
    }

    /// One row's cells (trimmed), looked up by column name.
    private struct Cells {
        let cells: [String]
        let number: Int
        let column: [String: Int]
        let table: Table

        /// The cell of this column; nil when the file has no such column, "" when the row is short.
        func text(_ name: String) -> String? {
            guard let i = column[name] else { return nil }
            // A cell hoso's own export protected from being run as a formula ("'=…") reads as it was written.
            return i < cells.count ? CSVFormula.restored(cells[i]) : ""
        }

        func place(_ name: String) -> String { table.place(row: number, column: column[name] ?? 0) }
    }

    /// One pass of `readRows`: the columns found, the rows read so far, and every problem and warning in the order
    /// met.
    private struct RowReader {
        let table: Table
        let assessment: Assessment?
        let regularCount: Int?
        var column = [String: Int]()
        var students = [ReadRow]()
        var problems = [HosoError]()
        var warnings = [HosoError]()
        var seen = [String: Int]()
        // Checked, but with no field in the grade-book record yet (Schemas/grade-book.schema.json): reported
        // once per file as a warning, never dropped without a word.
        var unstored = (remarks: [String](), assessments: [String]())

        mutating func problem(_ code: HosoError.Code, _ place: String, _ vi: String, _ en: String, _ cause: String? = nil) {
            problems.append(HosoError(code, .both(vi, en), location: place, cause: cause))
        }

        /// The mark in this column, or nil when the cell is empty or unreadable (the latter is a problem).
        mutating func mark(_ name: String, in c: Cells) -> Mark? {
            guard let t = c.text(name), !t.isEmpty else { return nil }
            do { return try Mark.parse(t, location: c.place(name)) } catch {
                problems.append(error)
                return nil
            }
        }

        /// Header row.
        mutating func readHeader() {
            let known = Set(columns + [averageColumn])
            for (i, title) in table.header.enumerated() {
                let key = VietnameseText.nfc(title).trimmingCharacters(in: .whitespaces).lowercased()
                if key.isEmpty && table.rows.allSatisfy({ i >= $0.cells.count || $0.cells[i].trimmingCharacters(in: .whitespaces).isEmpty })
                {
                    continue  // a trailing separator, as spreadsheets often write
                }
                if !known.contains(key) {
                    problem(
                        .gradeBookColumnUnknown, table.place(row: 1, column: i),
                        "Cột không thuộc mẫu sổ điểm; các cột: \(columns.joined(separator: ","))",
                        "a column that is not in the grade-book layout; the columns are: \(columns.joined(separator: ","))")
                } else if let first = column[key] {
                    problem(
                        .gradeBookColumnUnknown, table.place(row: 1, column: i), "Cột bị lặp", "the column appears twice",
                        "\(table.place(row: 1, column: first))")
                } else {
                    column[key] = i
                }
            }
        }

        mutating func checkNeededColumns() {
            var needed = identityColumns
            switch assessment {
            case .scored?: needed += regularColumns.prefix(regularCount ?? 0) + ["gk", "ck"]
            case .comments?: needed += ["nhan_xet"]
            case nil: break
            }
            for name in needed where column[name] == nil {
                problem(.gradeBookColumnMissing, "\(table.source):1", "Thiếu cột \(name)", "the column \(name) is missing", name)
            }
        }

        /// One student row; kept only when it adds no problem.
        mutating func read(_ row: Table.Row) {
            let cells = row.cells.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if cells.allSatisfy(\.isEmpty) { return }  // ",,,,," rows that spreadsheets leave at the end
            for i in table.header.count..<max(table.header.count, cells.count) where !cells[i].isEmpty {
                problem(
                    .gradeBookExtraCell, table.place(row: row.number, column: i), "Ô nằm ngoài các cột của tiêu đề",
                    "a cell beyond the header's columns", String(reflecting: cells[i]))
            }
            let c = Cells(cells: cells, number: row.number, column: column, table: table)
            var s = GradeBookStudent(
                moetId: c.text("ma_dinh_danh") ?? "", fullName: normalizedName(c.text("ho_va_ten") ?? ""), dateOfBirth: "")
            let before = problems.count
            readIdentity(&s, c)
            // Marks or comments.
            var given: Mark?
            switch assessment {
            case .scored?: given = readScored(&s, c)
            case .comments?: readComments(&s, c)
            case nil: checkSyntax(c)
            }
            if problems.count == before {
                students.append(ReadRow(row: s, givenAverage: given, averagePlace: c.place(averageColumn)))
            }
        }

        /// Identity: mã định danh (10 digits, once per file), name, date of birth.
        mutating func readIdentity(_ s: inout GradeBookStudent, _ c: Cells) {
            if column["ma_dinh_danh"] != nil {
                if s.moetId.isEmpty {
                    problem(.moetIdInvalid, c.place("ma_dinh_danh"), "Thiếu mã định danh học sinh", "the student's identifier is missing")
                } else if s.moetId.utf8.count != 10 || !s.moetId.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
                    problem(
                        .moetIdInvalid, c.place("ma_dinh_danh"), "Mã định danh phải có đúng 10 chữ số",
                        "the identifier (mã định danh) must be exactly 10 digits", String(reflecting: s.moetId))
                } else if let first = seen[s.moetId] {
                    problem(
                        .gradeBookDuplicateStudent, c.place("ma_dinh_danh"), "Học sinh bị lặp (cùng mã định danh ở dòng \(first))",
                        "the same student twice (same identifier as row \(first))", s.moetId)
                } else {
                    seen[s.moetId] = c.number
                }
            }
            if column["ho_va_ten"] != nil && s.fullName.isEmpty {
                problem(.gradeBookNameMissing, c.place("ho_va_ten"), "Thiếu họ và tên", "the full name is missing")
            }
            if let t = c.text("ngay_sinh") {
                if let iso = parseDate(t) {
                    s.dateOfBirth = iso
                } else {
                    problem(
                        .dateInvalid, c.place("ngay_sinh"), "Ngày sinh phải là một ngày có thật, dạng dd/MM/yyyy",
                        "the date of birth must be a real date written dd/MM/yyyy", String(reflecting: t))
                }
            }
        }

        /// A subject assessed with marks: the regular, mid-term and end-of-term marks. Returns the `tbm` cell's
        /// mark, if any, to be compared with the computed average.
        mutating func readScored(_ s: inout GradeBookStudent, _ c: Cells) -> Mark? {
            readRegularMarks(&s, c)
            for (name, vi, en) in [("gk", "giữa kì", "mid-term"), ("ck", "cuối kì", "end-of-term")] where column[name] != nil {
                if (c.text(name) ?? "").isEmpty {
                    problem(.gradeBookMarkMissing, c.place(name), "Thiếu điểm đánh giá \(vi)", "the \(en) mark is missing")
                }
            }
            s.midTermMark = mark("gk", in: c)
            s.endOfTermMark = mark("ck", in: c)
            if let t = c.text("nhan_xet"), !t.isEmpty {
                if (try? CommentResult.parse(t)) != nil || exemptWords.contains(VietnameseText.fold(t)) {
                    // Đạt / Chưa đạt belongs to a comments-only subject: most likely the subject's assessment
                    // is set wrong, which would store marks that do not exist.
                    problem(
                        .gradeBookUnexpectedValue, c.place("nhan_xet"),
                        "Môn đánh giá bằng điểm không có kết quả Đạt / Chưa đạt: kiểm tra hình thức đánh giá của môn (assessment)",
                        "a subject assessed with marks has no Đạt / Chưa đạt result: check the subject's assessment", String(reflecting: t))
                } else {
                    unstored.remarks.append(c.place("nhan_xet"))  // the teacher's remark (nhận xét)
                }
            }
            var given: Mark?
            if let t = c.text(averageColumn), !t.isEmpty {
                // Only compared with the computed average (a warning): the stored average is always computed.
                given = try? Mark.parse(t)
                if given == nil {
                    warnings.append(
                        HosoError(
                            .gradeBookWarning, .both("Cột tbm không đọc được; bỏ qua", "the tbm cell is unreadable; ignored"),
                            location: c.place(averageColumn), cause: String(reflecting: t)))
                }
            }
            return given
        }

        /// tx1…tx4: as many as the subject's periods require, no more.
        mutating func readRegularMarks(_ s: inout GradeBookStudent, _ c: Cells) {
            let count = regularCount ?? regularColumns.count
            for (i, name) in regularColumns.enumerated() {
                let t = c.text(name) ?? ""
                if i < count {
                    if t.isEmpty && column[name] != nil && regularCount != nil {
                        problem(
                            .gradeBookMarkMissing, c.place(name),
                            "Thiếu điểm đánh giá thường xuyên: môn này cần \(count) điểm (\(regularColumns.prefix(count).joined(separator: ", ")))",
                            "a regular mark is missing: this subject needs \(count) (\(regularColumns.prefix(count).joined(separator: ", ")))"
                        )
                    } else if let m = mark(name, in: c) {
                        s.regularMarks.append(m)
                    }
                } else if !t.isEmpty {
                    problem(
                        .gradeBookMarkExtra, c.place(name),
                        "Thừa điểm đánh giá thường xuyên: môn này chỉ có \(count) điểm mỗi học kì",
                        "an extra regular mark: this subject has only \(count) per term", String(reflecting: t))
                }
            }
        }

        /// A comments-only subject: the term result (Đạt / Chưa đạt, or Miễn) and the single assessments.
        mutating func readComments(_ s: inout GradeBookStudent, _ c: Cells) {
            // The single assessments (ĐĐGtx, gk, ck) of a comments-only subject are Đạt / Chưa đạt too; they may
            // be given or left empty, but never a mark.
            for (i, name) in (regularColumns + ["gk", "ck", averageColumn]).enumerated() {
                guard let t = c.text(name), !t.isEmpty else { continue }
                if name == averageColumn || (try? Mark.parse(t)) != nil {
                    problem(
                        .gradeBookUnexpectedValue, c.place(name),
                        "Môn đánh giá bằng nhận xét không có điểm số: để trống ô này hoặc ghi Đạt / Chưa đạt",
                        "a comments-only subject has no marks: leave this cell empty or write Đạt / Chưa đạt", String(reflecting: t))
                } else if i < regularColumns.count, let count = regularCount, i >= count {
                    problem(
                        .gradeBookMarkExtra, c.place(name),
                        "Thừa lần đánh giá thường xuyên: môn này chỉ có \(count) lần mỗi học kì",
                        "an extra regular assessment: this subject has only \(count) per term", String(reflecting: t))
                } else {
                    do {
                        _ = try CommentResult.parse(t, location: c.place(name))
                        unstored.assessments.append(c.place(name))
                    } catch { problems.append(error) }
                }
            }
            if let t = c.text("nhan_xet") {
                if t.isEmpty {
                    problem(
                        .gradeBookCommentMissing, c.place("nhan_xet"), "Thiếu kết quả nhận xét (Đạt / Chưa đạt, hoặc Miễn)",
                        "the comment result (Đạt / Chưa đạt, or Miễn) is missing")
                } else if exemptWords.contains(VietnameseText.fold(t)) {
                    s.exempt = true
                } else {
                    do { s.commentResult = try CommentResult.parse(t, location: c.place("nhan_xet")) } catch { problems.append(error) }
                }
            }
        }

        /// Assessment unknown: still check the syntax of whatever is there.
        mutating func checkSyntax(_ c: Cells) {
            for name in regularColumns + ["gk", "ck"] { _ = mark(name, in: c) }
            if let t = c.text("nhan_xet"), !t.isEmpty, !exemptWords.contains(VietnameseText.fold(t)) {
                do { _ = try CommentResult.parse(t, location: c.place("nhan_xet")) } catch { problems.append(error) }
            }
        }

        /// One warning per kind of checked-but-unstored value, at its first place.
        mutating func warnUnstored() {
            if let first = unstored.remarks.first {
                warnings.append(
                    HosoError(
                        .gradeBookWarning,
                        .both(
                            "\(unstored.remarks.count) lời nhận xét (cột nhan_xet) đã kiểm tra nhưng không được lưu: hồ sơ sổ điểm chưa có trường cho nhận xét",
                            "\(unstored.remarks.count) teacher remarks (nhan_xet) were checked but not stored: the grade-book record has no field for remarks yet"
                        ),
                        location: first))
            }
            if let first = unstored.assessments.first {
                warnings.append(
                    HosoError(
                        .gradeBookWarning,
                        .both(
                            "\(unstored.assessments.count) lần đánh giá Đạt / Chưa đạt (tx, gk, ck) đã kiểm tra nhưng không được lưu: hồ sơ sổ điểm chỉ lưu kết quả học kì (nhan_xet)",
                            "\(unstored.assessments.count) single Đạt / Chưa đạt assessments (tx, gk, ck) were checked but not stored: the grade-book record keeps only the term result (nhan_xet)"
                        ),
                        location: first))
            }
        }
    }

    /// "dd/MM/yyyy" (one-digit day or month accepted, as Excel writes them) → ISO "yyyy-MM-dd"; nil unless a
    /// real date of the Gregorian calendar between 1900 and 2100.
    static func parseDate(_ text: String) -> String? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count), parts[2].count == 4,
            parts.allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
            let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]),
            (1900...2100).contains(y), (1...12).contains(m)
        else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard (1...days).contains(d) else { return nil }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// ISO "yyyy-MM-dd" → "dd/MM/yyyy".
    static func formatDate(_ iso: String) -> String {
        let p = iso.split(separator: "-")
        guard p.count == 3 else { return iso }
        return "\(p[2])/\(p[1])/\(p[0])"
    }

    /// The grade book in the CSV layout, with `tbm` (the computed term average) as an extra last column.
    /// UTF-8 with a byte-order mark, so Excel opens it as UTF-8; CRLF line ends (RFC 4180); marks with "." and
    /// one decimal; dates dd/MM/yyyy. Cells a spreadsheet would run as a formula get a leading quote
    /// (`CSVFormula`). Importing it again gives the same record body.
    public static func write(_ book: GradeBook) -> [UInt8] {
        var lines = [(columns + [averageColumn]).joined(separator: ",")]
        for s in book.students {
            var cells = [s.moetId, s.fullName, formatDate(s.dateOfBirth)]
            cells += regularColumns.indices.map { $0 < s.regularMarks.count ? s.regularMarks[$0].description : "" }
            cells += [
                s.midTermMark?.description ?? "", s.endOfTermMark?.description ?? "",
                s.exempt ? exemptLabel : s.commentResult?.rawValue ?? "", s.termAverage?.description ?? "",
            ]
            lines.append(cells.map { quote(CSVFormula.neutralised($0)) }.joined(separator: ","))
        }
        return [0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    private static func quote(_ cell: String) -> String {
        guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == ";" || $0 == "\n" || $0 == "\r" || $0 == "\t" }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
