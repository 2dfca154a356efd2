import Foundation
import HosoCore
import HosoPrimitives

extension HosoError.Code {
    public static let xlsxInvalid = Self("XLSX_INVALID", .badInput)
}

/// Reads one worksheet of an Excel .xlsx file into a `Table`: shared and inline strings, numbers, booleans.
/// Date cells are numbers in Excel; the importer turns them into dates where a date is expected, in the workbook's
/// date system (`Table.date1904`).
///
/// Budgets, because a workbook handed in is outside input: the file size, each ZIP part's inflated size (counted
/// as it comes out, whatever the header claims) and all parts together, column letters up to XFD and rows up to
/// Excel's 1,048,576, the number of cells, and the table's width (the header's, so one far cell cannot make every
/// row 16,384 cells wide). Values that would be stored wrong are refused with the cell's place: error cells
/// (#N/A, #REF!…), a cell given twice, a shared string that does not exist, a header title given twice.
public enum XLSXReader {
    public static let maxFileBytes = 64 << 20
    public static let maxPartBytes = 64 << 20
    /// All parts read, inflated, together.
    public static let maxTotalBytes = 160 << 20
    /// Excel's own limits: XFD columns, 1,048,576 rows.
    public static let maxColumns = 16_384
    public static let maxRows = 1_048_576
    /// Cells with a value in the sheet (a ledger of 10,000 rows × 20 columns has 200,000).
    public static let maxCells = 2_000_000

    public static func read(path: String, sheet: String? = nil) throws -> Table {
        let bytes: [UInt8]
        do { bytes = try readFile(path, limit: maxFileBytes) } catch let e as FileTooLarge { throw tooLarge(path, e.size) } catch {
            throw HosoError(
                .inputNotFound, .both("Không đọc được tệp Excel", "Cannot read the Excel file"), location: path, cause: "\(error)")
        }
        let zip: ZIPParts
        do { zip = try ZIPParts(bytes) } catch { throw notZIP(path, error.detail) }
        return try read(zip, source: path, sheet: sheet)
    }

    private static func tooLarge(_ path: String, _ size: Int) -> HosoError {
        HosoError(
            .xlsxInvalid,
            .both(
                "Tệp Excel không đọc được: tệp lớn hơn \(maxFileBytes >> 20) MiB",
                "Unreadable Excel file: the file is larger than \(maxFileBytes >> 20) MiB"), location: path, cause: "\(size) bytes")
    }

    private static func notZIP(_ path: String, _ detail: String) -> HosoError {
        HosoError(
            .xlsxInvalid, .both("Tệp Excel không đọc được: không phải tệp ZIP/XLSX", "Unreadable Excel file: not a ZIP/XLSX file"),
            location: path, cause: detail)
    }

    /// The workbook's parts in the order the budget counts them: the workbook, its relationships, the shared
    /// strings, then the sheet.
    private static func read(_ zip: ZIPParts, source path: String, sheet: String?) throws -> Table {
        var parts = BudgetedParts(zip: zip, path: path)
        let book = try chooseSheet(&parts, sheet: sheet)
        let shared = try parts.read("xl/sharedStrings.xml") { try sharedStrings($0) } ?? []
        let cells: [Int: [Int: String]]?
        do {
            cells = try parts.read(book.target) { try SheetCells.read($0, shared: shared) }
        } catch let problem as SheetProblem {
            // The cell's place, as the other import errors give it: file:row:column (letters; the header may not
            // be known yet).
            let at = problem.ref.map { "\(path):\($0.row):\(columnLetters($0.column))" } ?? path
            throw HosoError(
                .xlsxInvalid, .both("Tệp Excel không dùng được: " + problem.vi, "Unusable Excel file: " + problem.en), location: at,
                cause: problem.cause)
        }
        guard let cells else { throw unreadable(path, "thiếu \(book.target)", "\(book.target) is missing", nil) }
        var table = try table(cells, path: path)
        table.date1904 = book.date1904
        return table
    }

    /// An unreadable workbook, with what was wrong.
    private static func unreadable(_ path: String, _ vi: String, _ en: String, _ cause: String?) -> HosoError {
        HosoError(.xlsxInvalid, .both("Tệp Excel không đọc được: " + vi, "Unreadable Excel file: " + en), location: path, cause: cause)
    }

    /// The workbook's parts, each within `maxPartBytes` and all of them within `maxTotalBytes`.
    private struct BudgetedParts {
        let zip: ZIPParts
        let path: String
        var total = 0

        /// What `body` makes of a part's bytes; nil when the workbook has no such part. Broken XML is an error
        /// naming the part and the byte.
        mutating func read<T>(_ name: String, _ body: ([UInt8]) throws -> T) throws -> T? {
            let bytes: [UInt8]
            do {
                guard let b = try zip.data(name, limit: min(maxPartBytes, maxTotalBytes - total)) else { return nil }
                bytes = b
            } catch {
                throw unreadable(path, "không giải nén được \(name)", "cannot extract \(name)", error.detail)
            }
            total += bytes.count
            // Excel writes its XML parts in UTF-8; anything else is refused before it is read.
            guard String(validating: bytes, as: UTF8.self) != nil else {
                throw unreadable(path, "phần \(name) không phải UTF-8", "part \(name) is not UTF-8", nil)
            }
            do { return try body(bytes) } catch let failure as XMLScanner.Failure {
                throw unreadable(path, "XML hỏng trong \(name)", "broken XML in \(name)", failure.description)
            }
        }
    }

    /// The sheet to read (the one named, or the first) as the path of its part, and the workbook's date system.
    private static func chooseSheet(_ parts: inout BudgetedParts, sheet: String?) throws -> (target: String, date1904: Bool) {
        let path = parts.path
        let found = try parts.read("xl/workbook.xml") { workbook in
            // The 1904 date system (old Mac Excel): day 0 is 1904-01-01 instead of 1899-12-31.
            (sheets: try elements("sheet", in: workbook), properties: try elements("workbookPr", in: workbook))
        }
        guard let found else { throw unreadable(path, "thiếu xl/workbook.xml", "xl/workbook.xml is missing", nil) }
        let sheets = found.sheets
        guard !sheets.isEmpty else { throw unreadable(path, "không có trang tính", "no worksheet", nil) }
        let date1904 = found.properties.contains { ["1", "true"].contains($0["date1904"]?.lowercased() ?? "") }
        let chosen: [String: String]
        if let sheet {
            guard let s = sheets.first(where: { $0["name"] == sheet }) else {
                throw unreadable(
                    path, "không có trang tính '\(sheet)'", "no worksheet named '\(sheet)'",
                    sheets.compactMap { $0["name"] }.joined(separator: ", "))
            }
            chosen = s
        } else {
            chosen = sheets[0]
        }
        // Find the sheet's file through the workbook relationships (the id's prefix is whatever the workbook
        // declared for the relationships namespace, usually r:).
        var target = "xl/worksheets/sheet1.xml"
        if let rid = chosen.first(where: { $0.key.hasSuffix(":id") })?.value,
            let relationships = try parts.read("xl/_rels/workbook.xml.rels", { try elements("Relationship", in: $0) })
        {
            for r in relationships where r["Id"] == rid {
                if let t = r["Target"] { target = t.hasPrefix("/") ? String(t.dropFirst()) : "xl/" + t }
            }
        }
        return (target, date1904)
    }

    /// The first row with a cell is the header, each title once; the rows below it that are not blank follow.
    private static func table(_ grid: [Int: [Int: String]], path: String) throws -> Table {
        guard let headerRow = grid.keys.min(), let headerCells = grid[headerRow] else {
            throw unreadable(path, "trang tính trống", "the worksheet is empty", nil)
        }
        // The header decides the width: a cell to the right of the last title has no column to go in.
        let width = (headerCells.keys.max() ?? -1) + 1
        func line(_ r: Int) -> [String] { (0..<width).map { grid[r]?[$0] ?? "" } }
        let header = line(headerRow).map { $0.trimmingCharacters(in: .whitespaces) }
        try checkTitlesDiffer(header, headerRow: headerRow, path: path)
        let rows = grid.keys.sorted().filter { $0 > headerRow }.compactMap { r -> Table.Row? in
            let cells = line(r)
            return cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) ? nil : Table.Row(number: r, cells: cells)
        }
        return Table(source: path, header: header, rows: rows)
    }

    /// No two header titles the same, as the importer compares them.
    private static func checkTitlesDiffer(_ header: [String], headerRow: Int, path: String) throws {
        var seenTitles = [String: Int]()
        for (c, title) in header.enumerated() where !title.isEmpty {
            let key = Table.key(title)
            if let first = seenTitles[key] {
                throw HosoError(
                    .xlsxInvalid,
                    .both(
                        "Tiêu đề cột \"\(title)\" lặp lại (cột \(columnLetters(first)) và \(columnLetters(c)))",
                        "The column title \"\(title)\" repeats (columns \(columnLetters(first)) and \(columnLetters(c)))"),
                    location: "\(path):\(headerRow):\(columnLetters(c))")
            }
            seenTitles[key] = c
        }
    }

    /// "B12" → column 1 (0-based), row 12. Nil for anything but one to three letters up to XFD and a row number
    /// from 1 to 1,048,576 (a long run of letters would overflow the column number).
    static func cellRef(_ ref: String) -> (column: Int, row: Int)? {
        var col = 0
        var letters = 0
        var row = 0
        var digits = 0
        for c in ref.utf8 {
            if c >= 0x41, c <= 0x5A, digits == 0 {
                letters += 1
                guard letters <= 3 else { return nil }
                col = col * 26 + Int(c - 64)
            } else if c >= 0x30, c <= 0x39, letters > 0 {
                digits += 1
                guard digits <= 7 else { return nil }
                row = row * 10 + Int(c - 0x30)
            } else {
                return nil
            }
        }
        guard col >= 1, col <= maxColumns, row >= 1, row <= maxRows else { return nil }
        return (col - 1, row)
    }

    /// 0 → "A", 16383 → "XFD".
    static func columnLetters(_ column: Int) -> String {
        var n = column + 1
        var out = ""
        while n > 0 {
            let d = (n - 1) % 26
            out = String(UnicodeScalar(UInt8(65 + d))) + out
            n = (n - 1) / 26
        }
        return out
    }
}

/// The attributes of every element with a given (local) name.
private func elements(_ name: String, in part: [UInt8]) throws -> [[String: String]] {
    var items = [[String: String]]()
    try XMLScanner.scan(part) { event in
        if case .start(name, let attributes) = event { items.append(attributes) }
    }
    return items
}

/// The shared string table: each <si> is one string, possibly split in rich-text runs (<r><t>…</t></r>).
private func sharedStrings(_ part: [UInt8]) throws -> [String] {
    var strings = [String]()
    var current = ""
    var inT = false
    var inPhonetic = false
    try XMLScanner.scan(part) { event in
        switch event {
        case .start("si", _): current = ""
        case .start("t", _): inT = true
        case .start("rPh", _): inPhonetic = true  // phonetic guides are not part of the text
        case .text(let t): if inT && !inPhonetic { current += t }
        case .end("si"): strings.append(current)
        case .end("t"): inT = false
        case .end("rPh"): inPhonetic = false
        default: break
        }
    }
    return strings
}

/// Why a worksheet cannot be used, with the cell where it was found.
private struct SheetProblem: Error {
    var ref: (column: Int, row: Int)?
    var vi: String
    var en: String
    var cause: String?
}

/// The cells of a worksheet as text, by row number and 0-based column. Stops at the first problem.
private struct SheetCells {
    let shared: [String]
    var rows = [Int: [Int: String]]()
    private var cellCount = 0
    private var ref: (column: Int, row: Int)?
    private var type = ""
    private var value = ""
    private var inValue = false
    private var nextRow = 1
    private var nextColumn = 0

    /// The cells of `part`; a `SheetProblem` for a cell that would be stored wrong, an `XMLScanner.Failure` for
    /// broken XML.
    static func read(_ part: [UInt8], shared: [String]) throws -> [Int: [Int: String]] {
        var cells = SheetCells(shared: shared)
        try XMLScanner.scan(part) { try cells.take($0) }
        return cells.rows
    }

    private init(shared: [String]) { self.shared = shared }

    private mutating func take(_ event: XMLScanner.Event) throws {
        switch event {
        case .start(let name, let attributes): try start(name, attributes)
        case .text(let string): if inValue { value += string }
        case .end(let name): try end(name)
        }
    }

    private func problem(_ ref: (column: Int, row: Int)?, _ vi: String, _ en: String, _ cause: String? = nil) -> SheetProblem {
        SheetProblem(ref: ref, vi: vi, en: en, cause: cause)
    }

    private mutating func start(_ name: String, _ attributes: [String: String]) throws {
        switch name {
        case "row":
            if let text = attributes["r"] {
                guard let r = Int(text), r >= 1, r <= XLSXReader.maxRows else {
                    throw problem(nil, "số dòng \"\(text.prefix(20))\" không hợp lệ", "invalid row number \"\(text.prefix(20))\"")
                }
                nextRow = r
            }
            nextColumn = 0
        case "c":
            // The r attribute is optional; without it a cell follows the previous one.
            if let text = attributes["r"] {
                guard let r = XLSXReader.cellRef(text) else {
                    throw problem(
                        nil, "tham chiếu ô \"\(text.prefix(20))\" không hợp lệ (tối đa cột XFD, dòng 1048576)",
                        "invalid cell reference \"\(text.prefix(20))\" (at most column XFD, row 1048576)")
                }
                ref = r
            } else {
                guard nextColumn < XLSXReader.maxColumns else {
                    throw problem(nil, "quá \(XLSXReader.maxColumns) cột", "more than \(XLSXReader.maxColumns) columns")
                }
                ref = (nextColumn, nextRow)
            }
            type = attributes["t"] ?? "n"
            value = ""
        case "v", "t":
            inValue = true
        default: break
        }
    }

    private mutating func end(_ name: String) throws {
        switch name {
        case "v", "t": inValue = false
        case "c":
            guard let ref else { return }
            self.ref = nil
            var text = value
            switch type {
            case "s":
                guard let i = Int(value.trimmingCharacters(in: .whitespaces)), i >= 0, i < shared.count else {
                    throw problem(
                        ref, "ô trỏ tới chuỗi dùng chung \"\(value.prefix(20))\" không có (bảng có \(shared.count))",
                        "the cell points to shared string \"\(value.prefix(20))\", which does not exist (the table has \(shared.count))")
                }
                text = shared[i]
            case "b": text = value == "1" ? "TRUE" : "FALSE"
            case "e":
                // #N/A, #REF!, #VALUE!…: a formula that failed. Stored as text it would look like a value.
                throw problem(ref, "ô báo lỗi \(value)", "the cell holds the error \(value)", value)
            default: break
            }
            guard rows[ref.row]?[ref.column] == nil else {
                throw problem(ref, "ô được ghi hai lần", "the cell is given twice")
            }
            cellCount += 1
            guard cellCount <= XLSXReader.maxCells else {
                throw problem(ref, "quá \(XLSXReader.maxCells) ô", "more than \(XLSXReader.maxCells) cells")
            }
            rows[ref.row, default: [:]][ref.column] = text
            nextColumn = ref.column + 1
        case "row":
            nextRow += 1
        default: break
        }
    }
}

/// One worksheet as a grid of its non-blank rows, with no row taken as the header: the layouts schools already
/// have (the sector database's export, vnEdu grade sheets) put title lines above a header that may span two rows.
public struct XLSXSheet: Sendable, Equatable {
    public var name: String
    public var rows: [Table.Row]
}

extension XLSXReader {
    /// At most this many worksheets in a workbook read whole (a school's export has one per class).
    public static let maxSheets = 300
    /// Columns kept per row of a grid: the layouts read this way have a few dozen; cells farther right are
    /// dropped, so one far cell cannot make every row 16,384 cells wide.
    public static let maxGridColumns = 256

    /// Every worksheet of a workbook in its order, within the same budgets as `read(path:sheet:)` (file size,
    /// each part, all parts together, cells per sheet), and whether the workbook counts dates from 1904.
    public static func readSheets(path: String) throws -> (sheets: [XLSXSheet], date1904: Bool) {
        let bytes: [UInt8]
        do { bytes = try readFile(path, limit: maxFileBytes) } catch let e as FileTooLarge { throw tooLarge(path, e.size) } catch {
            throw HosoError(
                .inputNotFound, .both("Không đọc được tệp Excel", "Cannot read the Excel file"), location: path, cause: "\(error)")
        }
        let zip: ZIPParts
        do { zip = try ZIPParts(bytes) } catch { throw notZIP(path, error.detail) }
        var parts = BudgetedParts(zip: zip, path: path)
        let found = try parts.read("xl/workbook.xml") { workbook in
            (sheets: try elements("sheet", in: workbook), properties: try elements("workbookPr", in: workbook))
        }
        guard let found else { throw unreadable(path, "thiếu xl/workbook.xml", "xl/workbook.xml is missing", nil) }
        guard !found.sheets.isEmpty else { throw unreadable(path, "không có trang tính", "no worksheet", nil) }
        guard found.sheets.count <= maxSheets else {
            throw unreadable(path, "quá \(maxSheets) trang tính", "more than \(maxSheets) worksheets", "\(found.sheets.count)")
        }
        let date1904 = found.properties.contains { ["1", "true"].contains($0["date1904"]?.lowercased() ?? "") }
        let relationships = try parts.read("xl/_rels/workbook.xml.rels") { try elements("Relationship", in: $0) } ?? []
        let shared = try parts.read("xl/sharedStrings.xml") { try sharedStrings($0) } ?? []
        var sheets = [XLSXSheet]()
        for (i, s) in found.sheets.enumerated() {
            let name = s["name"] ?? "Sheet\(i + 1)"
            var target = "xl/worksheets/sheet\(i + 1).xml"
            if let rid = s.first(where: { $0.key.hasSuffix(":id") })?.value,
                let t = relationships.first(where: { $0["Id"] == rid })?["Target"]
            {
                target = t.hasPrefix("/") ? String(t.dropFirst()) : "xl/" + t
            }
            let cells: [Int: [Int: String]]?
            do {
                cells = try parts.read(target) { try SheetCells.read($0, shared: shared) }
            } catch let problem as SheetProblem {
                let at = problem.ref.map { "\(path):\(name):\($0.row):\(columnLetters($0.column))" } ?? "\(path):\(name)"
                throw HosoError(
                    .xlsxInvalid, .both("Tệp Excel không dùng được: " + problem.vi, "Unusable Excel file: " + problem.en), location: at,
                    cause: problem.cause)
            }
            guard let cells else { throw unreadable(path, "thiếu \(target)", "\(target) is missing", name) }
            let rows = cells.keys.sorted().compactMap { r -> Table.Row? in
                let line = cells[r]!
                let width = min((line.keys.max() ?? -1) + 1, maxGridColumns)
                let values = (0..<width).map { line[$0] ?? "" }
                return values.allSatisfy({ $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty })
                    ? nil : Table.Row(number: r, cells: values)
            }
            sheets.append(XLSXSheet(name: name, rows: rows))
        }
        return (sheets, date1904)
    }
}
