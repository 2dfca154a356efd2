import Foundation
import HosoCore
import HosoRecords

extension HosoError.Code {
    public static let gradeSheetLayout = Self("GRADE_SHEET_LAYOUT", .badInput)
    public static let gradeSheetStudentUnmatched = Self("GRADE_SHEET_STUDENT_UNMATCHED", .badInput)
    public static let gradeSheetAverageMismatch = Self("GRADE_SHEET_AVERAGE_MISMATCH", .badInput)
}

/// A student the archive holds, as a grade sheet's rows are matched against them.
public struct RosterStudent: Sendable, Equatable {
    public var moetId: String?
    public var fullName: String
    /// YYYY-MM-DD.
    public var dateOfBirth: String

    public init(moetId: String?, fullName: String, dateOfBirth: String) {
        self.moetId = moetId
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
    }
}

/// A vnEdu grade sheet (one class × subject × term, XLSX) turned into the grade-book CSV layout, which the
/// grade-book import then checks cell by cell as it checks a teacher's CSV file. The sheet has title lines, a
/// header that may span two rows (a merged "ĐĐGtx" over 1…5, "Họ và tên" over "Họ đệm | Tên"), regular marks
/// TX1…TX5, GK, CK and the term average (ĐTBmhk), which is compared with the TT22 computation, row by row.
public struct GradeSheetConversion: Sendable {
    public var sheet: String
    /// The grade-book CSV (UTF-8, without the average column: the stored average is always computed).
    public var csv: [UInt8]
    /// The sheet's row of each CSV data row, in order (the CSV's row 2 is `sheetRows[0]`).
    public var sheetRows: [Int]
    /// The sheet's own title for each CSV column (to tell a problem's place as the teacher sees it).
    public var titles: [String: String]
    /// The average the sheet gives on each CSV data row, if any.
    public var givenAverages: [Mark?]
    /// Where the average column is, for mismatches.
    public var averageTitle: String?

    /// A place `source:csvRow:column` of the CSV told in the sheet's terms: `file:sheet:row:title`.
    public func place(_ location: String?, file: String) -> String? {
        guard let location else { return nil }
        let parts = location.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { return "\(file):\(sheet)" }
        if parts.count >= 3, let n = Int(parts[parts.count - 2]), n >= 2, n - 2 < sheetRows.count {
            let col = parts[parts.count - 1]
            return "\(file):\(sheet):\(sheetRows[n - 2]):\(titles[col] ?? col)"
        }
        return "\(file):\(sheet)"
    }
}

public enum VnEduGradeSheet {
    public static let fields: [HeaderMatch.Field] = [
        .init(
            "moetId", .both("Mã học sinh", "MOET student code"), titles: ["Mã học sinh", "Mã HS", "Mã định danh", "Mã định danh Bộ GD&ĐT"]),
        .init("fullName", .both("Họ và tên", "Full name"), titles: ["Họ và tên", "Họ tên", "Họ và tên học sinh"]),
        .init("middleName", .both("Họ đệm", "Family and middle names"), titles: ["Họ đệm", "Họ và đệm", "Họ và tên đệm"]),
        .init("givenName", .both("Tên", "Given name"), titles: ["Tên"]),
        .init("dateOfBirth", .both("Ngày sinh", "Date of birth"), titles: ["Ngày sinh", "Ngày tháng năm sinh"]),
        .init("tx1", .both("TX1", "TX1"), titles: ["TX1", "ĐĐGtx1", "Điểm TX1"]),
        .init("tx2", .both("TX2", "TX2"), titles: ["TX2", "ĐĐGtx2", "Điểm TX2"]),
        .init("tx3", .both("TX3", "TX3"), titles: ["TX3", "ĐĐGtx3", "Điểm TX3"]),
        .init("tx4", .both("TX4", "TX4"), titles: ["TX4", "ĐĐGtx4", "Điểm TX4"]),
        .init("tx5", .both("TX5", "TX5"), titles: ["TX5", "ĐĐGtx5", "Điểm TX5"]),
        .init("gk", .both("Giữa kì", "Mid-term"), titles: ["GK", "ĐĐGgk", "Giữa kì", "Giữa kỳ", "Giữa học kì"]),
        .init("ck", .both("Cuối kì", "End of term"), titles: ["CK", "ĐĐGck", "Cuối kì", "Cuối kỳ", "Cuối học kì"]),
        .init(
            "average", .both("Điểm trung bình môn", "Subject average"),
            titles: ["ĐTBmhk", "ĐTBmhkI", "ĐTBmhkII", "ĐTBmhk1", "ĐTBmhk2", "TBM", "ĐTB", "TBm", "Trung bình môn", "ĐTBm"]),
        .init("comment", .both("Nhận xét", "Comment"), titles: ["Nhận xét", "Kết quả", "Đánh giá"]),
    ]

    /// The grid's header, as one row: a two-row header is merged (the lower title where there is one, else the
    /// upper; a bare number under a merged "ĐĐGtx" becomes TX1…TX5). The header's last row and the merged titles.
    static func header(_ rows: [Table.Row]) -> (last: Int, titles: [String])? {
        guard let h = HeaderMatch.headerRow(rows, fields: fields, minimum: 3) else { return nil }
        func merged(_ upper: [String], _ lower: [String]) -> [String] {
            var carried = ""
            return (0..<max(upper.count, lower.count)).map { c in
                let u = c < upper.count ? upper[c] : ""
                let l = c < lower.count ? lower[c].trimmingCharacters(in: .whitespacesAndNewlines) : ""
                if !u.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { carried = u }
                if let n = Int(l), (1...9).contains(n), HeaderMatch.folded(carried).contains("tx") { return "TX\(n)" }
                return l.isEmpty ? u : l
            }
        }
        let alone = HeaderMatch.propose(fields, header: rows[h].cells).count
        if h + 1 < rows.count {
            let m = merged(rows[h].cells, rows[h + 1].cells)
            if HeaderMatch.propose(fields, header: m).count > alone { return (h + 1, m) }
        }
        if h > 0 {
            let m = merged(rows[h - 1].cells, rows[h].cells)
            if HeaderMatch.propose(fields, header: m).count > alone { return (h, m) }
        }
        return (h, rows[h].cells)
    }

    /// A number cell as a mark's text: Excel keeps 8.3 as 8.3000000000000007; a value on a tenth is written
    /// with its one decimal, anything else is left as it is (the mark check then refuses it).
    static func markText(_ raw: String) -> String {
        let t = raw.trimmingCharacters(in: .whitespaces)
        guard let v = Double(t), v.isFinite, t.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x45 || $0 == 0x2D })
        else { return t }
        let tenths = (v * 10).rounded()
        guard abs(v * 10 - tenths) < 1e-6, tenths >= 0 else { return t }
        let n = Int(tenths)
        return n % 10 == 0 ? "\(n / 10)" : "\(n / 10).\(n % 10)"
    }

    /// An average cell: rounded to one decimal as the rules give it (a sheet may keep the formula's full value).
    static func average(_ raw: String) -> Mark? {
        let t = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        guard let v = Double(t), v.isFinite, v >= 0, v <= 10 else { return nil }
        return try? Mark(tenths: Int((v * 10 + 1e-9).rounded(.toNearestOrAwayFromZero)))
    }

    /// Converts one sheet. Rows are matched to `roster` by MOET code when the sheet has one, else by name and date
    /// of birth (accent- and case-insensitive names); a row that matches nobody, or several, is an error naming it.
    public static func convert(
        _ sheet: XLSXSheet, source: String, date1904: Bool, roster: [RosterStudent]
    ) -> (conversion: GradeSheetConversion?, problems: [HosoError]) {
        guard let (last, titles) = header(sheet.rows) else {
            return (
                nil,
                [
                    HosoError(
                        .gradeSheetLayout,
                        .both(
                            "Trang tính \"\(sheet.name)\" không có dòng tiêu đề của bảng điểm (cần Họ và tên, Ngày sinh, TX1…, GK, CK)",
                            "The sheet \"\(sheet.name)\" has no grade-sheet header row (Họ và tên, Ngày sinh, TX1…, GK, CK are needed)"),
                        location: "\(source):\(sheet.name)")
                ]
            )
        }
        let column = HeaderMatch.propose(fields, header: titles)
        var problems = [HosoError]()
        func place(_ row: Int, _ field: String) -> String {
            "\(source):\(sheet.name):\(row):\(column[field].map { HeaderMatch.key(titles[$0]) } ?? field)"
        }
        let hasName = column["fullName"] != nil || column["givenName"] != nil
        if !hasName || (column["moetId"] == nil && column["dateOfBirth"] == nil) {
            problems.append(
                HosoError(
                    .gradeSheetLayout,
                    .both(
                        "Bảng điểm cần cột Họ và tên (hoặc Họ đệm và Tên) và cột Ngày sinh hoặc Mã học sinh",
                        "The grade sheet needs a Họ và tên column (or Họ đệm and Tên) and a Ngày sinh or Mã học sinh column"),
                    location: "\(source):\(sheet.name):\(sheet.rows[last].number)"))
            return (nil, problems)
        }
        var byName = [String: [RosterStudent]]()
        for r in roster { byName[VietnameseText.fold(r.fullName) + "|" + r.dateOfBirth, default: []].append(r) }
        let csvColumns = GradeBookCSV.columns
        var lines = [csvColumns.joined(separator: ",")]
        var sheetRows = [Int]()
        var given = [Mark?]()
        for r in sheet.rows[(last + 1)...] {
            func cell(_ field: String) -> String {
                guard let c = column[field], c < r.cells.count else { return "" }
                return r.cells[c].split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
            }
            var name = cell("fullName")
            if name.isEmpty { name = [cell("middleName"), cell("givenName")].filter { !$0.isEmpty }.joined(separator: " ") }
            name = VietnameseText.nfc(name)
            let rawDate = cell("dateOfBirth")
            // Lines under the table (totals, signatures) have no name and no marks.
            if (name.isEmpty && rawDate.isEmpty && cell("moetId").isEmpty) || StudentExport.isNote(r) { continue }
            let dob = rawDate.isEmpty ? nil : StudentExport.date(rawDate, date1904: date1904)
            if !rawDate.isEmpty && dob == nil {
                problems.append(
                    HosoError(
                        .dateInvalid, .both("Ngày sinh: không phải ngày (dd/mm/yyyy)", "Date of birth: not a date (dd/mm/yyyy)"),
                        location: place(r.number, "dateOfBirth"), cause: rawDate))
                continue
            }
            var moet = cell("moetId")
            var matchedDob = dob
            if moet.isEmpty {
                let found = dob.map { byName[VietnameseText.fold(name) + "|" + $0] ?? [] } ?? []
                if found.count == 1, let m = found[0].moetId {
                    moet = m
                } else {
                    let (vi, en) =
                        found.isEmpty
                        ? (
                            "không khớp với học sinh nào đã có (theo họ tên và ngày sinh)",
                            "matches no student held (by name and date of birth)"
                        )
                        : found.count > 1
                            ? (
                                "khớp với nhiều học sinh cùng họ tên và ngày sinh; cần cột Mã học sinh",
                                "matches several students with this name and date of birth; a Mã học sinh column is needed"
                            )
                            : ("học sinh này chưa có mã học sinh trong hồ sơ", "this student has no MOET code on record")
                    problems.append(
                        HosoError(
                            .gradeSheetStudentUnmatched, .both("\(name): " + vi, "\(name): " + en),
                            location: place(r.number, column["fullName"] == nil ? "givenName" : "fullName")))
                    continue
                }
            } else if dob == nil, let held = roster.first(where: { $0.moetId == moet }) {
                matchedDob = held.dateOfBirth
            }
            if !cell("tx5").isEmpty {
                problems.append(
                    HosoError(
                        .gradeBookMarkExtra,
                        .both(
                            "TX5: Thông tư 22 cho tối đa 4 điểm thường xuyên mỗi học kì", "TX5: TT22 allows at most 4 regular marks a term"),
                        location: place(r.number, "tx5"), cause: cell("tx5")))
                continue
            }
            let dateText = matchedDob.map { GradeBookCSV.formatDate($0) } ?? ""
            let cells = [moet, name, dateText] + ["tx1", "tx2", "tx3", "tx4", "gk", "ck"].map { markText(cell($0)) } + [cell("comment")]
            lines.append(cells.map(quote).joined(separator: ","))
            sheetRows.append(r.number)
            given.append(cell("average").isEmpty ? nil : average(cell("average")))
        }
        var titlesByColumn = [String: String]()
        let fieldOf = ["ma_dinh_danh": "moetId", "ho_va_ten": "fullName", "ngay_sinh": "dateOfBirth", "nhan_xet": "comment"]
        for name in csvColumns {
            let f = fieldOf[name] ?? name
            if let c = column[f] ?? (f == "fullName" ? column["givenName"] : nil) { titlesByColumn[name] = HeaderMatch.key(titles[c]) }
        }
        let conversion = GradeSheetConversion(
            sheet: sheet.name, csv: Array((lines.joined(separator: "\n") + "\n").utf8), sheetRows: sheetRows, titles: titlesByColumn,
            givenAverages: given, averageTitle: column["average"].map { HeaderMatch.key(titles[$0]) })
        return (conversion, problems)
    }

    private static func quote(_ cell: String) -> String {
        cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
    }

    /// Rows whose given average differs from the computed one: (sheet row, given, computed).
    public static func averageMismatches(_ c: GradeSheetConversion, book: GradeBook) -> [(row: Int, given: Mark, computed: Mark)] {
        zip(c.sheetRows.indices, book.students).compactMap { i, s in
            guard i < c.givenAverages.count, let g = c.givenAverages[i], let computed = s.termAverage, g != computed else { return nil }
            return (c.sheetRows[i], g, computed)
        }
    }
}
