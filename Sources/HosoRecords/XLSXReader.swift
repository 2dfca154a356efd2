import Foundation
import HosoCore
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

extension HosoError.Code {
    public static let xlsxInvalid = Self("XLSX_INVALID", .badInput)
}

/// Reads one worksheet of an Excel .xlsx file into a `Table`: shared and inline strings, numbers, booleans.
/// Date cells are numbers in Excel; the importer turns them into dates where a date is expected.
/// The ZIP is read with a size limit per part, so a decompression bomb is refused, not expanded.
public enum XLSXReader {
    public static let maxPartBytes = 128 << 20

    public static func read(path: String, sheet: String? = nil) throws -> Table {
        let fail = { (vi: String, en: String, cause: String?) in
            HosoError(.xlsxInvalid, .both("Tệp Excel không đọc được: " + vi, "Unreadable Excel file: " + en), location: path, cause: cause)
        }
        let archive: ZIPFoundation.Archive
        do { archive = try ZIPFoundation.Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw fail("không phải tệp ZIP/XLSX", "not a ZIP/XLSX file", "\(error)")
        }
        func part(_ name: String) throws -> Data? {
            guard let entry = archive[name] else { return nil }
            guard entry.uncompressedSize <= UInt64(maxPartBytes) else {
                throw fail("phần \(name) quá lớn", "part \(name) is too large", nil)
            }
            var data = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    data.append(chunk)
                    // The header's size can lie; count what really comes out.
                    if data.count > maxPartBytes { throw CocoaError(.fileReadTooLarge) }
                }
            } catch {
                throw fail("không giải nén được \(name)", "cannot extract \(name)", "\(error)")
            }
            return data
        }
        guard let workbook = try part("xl/workbook.xml") else { throw fail("thiếu xl/workbook.xml", "xl/workbook.xml is missing", nil) }
        let sheets = XMLElements(data: workbook, element: "sheet").items
        guard !sheets.isEmpty else { throw fail("không có trang tính", "no worksheet", nil) }
        let chosen: [String: String]
        if let sheet {
            guard let s = sheets.first(where: { $0["name"] == sheet }) else {
                throw fail(
                    "không có trang tính '\(sheet)'", "no worksheet named '\(sheet)'",
                    sheets.compactMap { $0["name"] }.joined(separator: ", "))
            }
            chosen = s
        } else {
            chosen = sheets[0]
        }
        // Find the sheet's file through the workbook relationships.
        var target = "xl/worksheets/sheet1.xml"
        if let rid = chosen["r:id"], let rels = try part("xl/_rels/workbook.xml.rels") {
            for r in XMLElements(data: rels, element: "Relationship").items where r["Id"] == rid {
                if let t = r["Target"] { target = t.hasPrefix("/") ? String(t.dropFirst()) : "xl/" + t }
            }
        }
        let shared = try part("xl/sharedStrings.xml").map { SharedStrings(data: $0).strings } ?? []
        guard let sheetData = try part(target) else { throw fail("thiếu \(target)", "\(target) is missing", nil) }
        let cells = SheetCells(data: sheetData, shared: shared)
        if let error = cells.error { throw fail("XML hỏng", "broken XML", error) }
        let grid = cells.rows
        guard let headerRow = grid.keys.min() else { throw fail("trang tính trống", "the worksheet is empty", nil) }
        let width = grid.values.map { ($0.keys.max() ?? -1) + 1 }.max() ?? 0
        func line(_ r: Int) -> [String] { (0..<width).map { grid[r]?[$0] ?? "" } }
        let header = line(headerRow).map { $0.trimmingCharacters(in: .whitespaces) }
        let rows = grid.keys.sorted().filter { $0 > headerRow }.compactMap { r -> Table.Row? in
            let cells = line(r)
            return cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) ? nil : Table.Row(number: r, cells: cells)
        }
        return Table(source: path, header: header, rows: rows)
    }

    /// "B12" → column 1 (0-based), row 12.
    static func cellRef(_ ref: String) -> (column: Int, row: Int)? {
        var col = 0
        var digits = ""
        for c in ref.unicodeScalars {
            if ("A"..."Z").contains(c) {
                col = col * 26 + Int(c.value - 64)
            } else if ("0"..."9").contains(c) {
                digits.unicodeScalars.append(c)
            } else {
                return nil
            }
        }
        guard col > 0, let row = Int(digits) else { return nil }
        return (col - 1, row)
    }
}

/// Collects the attributes of every element with a given name.
private final class XMLElements: NSObject, XMLParserDelegate {
    let element: String
    var items = [[String: String]]()

    init(data: Data, element: String) {
        self.element = element
        super.init()
        let p = XMLParser(data: data)
        p.delegate = self
        _ = p.parse()
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == element { items.append(attributes) }
    }
}

/// The shared string table: each <si> is one string, possibly split in rich-text runs (<r><t>…</t></r>).
private final class SharedStrings: NSObject, XMLParserDelegate {
    var strings = [String]()
    private var current = ""
    private var inT = false
    private var inPhonetic = false

    init(data: Data) {
        super.init()
        let p = XMLParser(data: data)
        p.delegate = self
        _ = p.parse()
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch name {
        case "si": current = ""
        case "t": inT = true
        case "rPh": inPhonetic = true  // phonetic guides are not part of the text
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inT && !inPhonetic { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "si": strings.append(current)
        case "t": inT = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
}

/// The cells of a worksheet as text, by row number and 0-based column.
private final class SheetCells: NSObject, XMLParserDelegate {
    let shared: [String]
    var rows = [Int: [Int: String]]()
    var error: String?
    private var ref: (column: Int, row: Int)?
    private var type = ""
    private var value = ""
    private var inValue = false
    private var nextRow = 1
    private var nextColumn = 0

    init(data: Data, shared: [String]) {
        self.shared = shared
        super.init()
        let p = XMLParser(data: data)
        p.delegate = self
        if !p.parse() { error = p.parserError.map { "\($0)" } ?? "parse error" }
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch name {
        case "row":
            if let r = attributes["r"].flatMap(Int.init) { nextRow = r }
            nextColumn = 0
        case "c":
            // The r attribute is optional; without it a cell follows the previous one.
            ref = attributes["r"].flatMap(XLSXReader.cellRef) ?? (nextColumn, nextRow)
            type = attributes["t"] ?? "n"
            value = ""
        case "v", "t":
            inValue = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue { value += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t": inValue = false
        case "c":
            guard let ref else { return }
            var text = value
            switch type {
            case "s": text = Int(value).flatMap { $0 < shared.count ? shared[$0] : nil } ?? ""
            case "b": text = value == "1" ? "TRUE" : "FALSE"
            default: break
            }
            rows[ref.row, default: [:]][ref.column] = text
            nextColumn = ref.column + 1
            self.ref = nil
        case "row":
            nextRow += 1
        default: break
        }
    }
}
