import Foundation
import ZIPFoundation

/// A cell of a generated workbook: text (a shared string, as Excel writes typed text) or a number (dates are
/// serial day numbers, marks decimals).
enum FixtureCell: ExpressibleByStringLiteral {
    case text(String)
    case number(String)
    case empty

    init(stringLiteral value: String) { self = value.isEmpty ? .empty : .text(value) }
}

/// Writes an .xlsx with several worksheets, as the sector database and vnEdu export them.
func writeWorkbook(path: String, sheets: [(name: String, rows: [[FixtureCell]])], date1904: Bool = false) throws {
    try? FileManager.default.removeItem(atPath: path)
    var strings = [String]()
    var index = [String: Int]()
    func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: "\"", with: "&quot;")
    }
    func letters(_ c: Int) -> String {
        var n = c + 1
        var out = ""
        while n > 0 {
            out = String(UnicodeScalar(UInt8(65 + (n - 1) % 26))) + out
            n = (n - 1) / 26
        }
        return out
    }
    var parts = [(String, String)]()
    for (i, sheet) in sheets.enumerated() {
        var xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        for (r, row) in sheet.rows.enumerated() {
            xml += "<row r=\"\(r + 1)\">"
            for (c, cell) in row.enumerated() {
                let ref = letters(c) + "\(r + 1)"
                switch cell {
                case .text(let s):
                    let n = index[s] ?? strings.count
                    if index[s] == nil {
                        index[s] = n
                        strings.append(s)
                    }
                    xml += "<c r=\"\(ref)\" t=\"s\"><v>\(n)</v></c>"
                case .number(let v): xml += "<c r=\"\(ref)\"><v>\(v)</v></c>"
                case .empty: break
                }
            }
            xml += "</row>"
        }
        xml += "</sheetData></worksheet>"
        parts.append(("xl/worksheets/sheet\(i + 1).xml", xml))
    }
    let archive = try ZIPFoundation.Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    func add(_ name: String, _ text: String) throws {
        let data = Data(text.utf8)
        try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { pos, size in
            data.subdata(in: Int(pos)..<Int(pos) + size)
        }
    }
    let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    try add("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>")
    let sheetList = sheets.enumerated().map { "<sheet name=\"\(esc($1.name))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined()
    try add(
        "xl/workbook.xml",
        "<?xml version=\"1.0\"?><workbook xmlns=\"\(ns)\" xmlns:r=\"\(rel)\">\(date1904 ? "<workbookPr date1904=\"1\"/>" : "")<sheets>\(sheetList)</sheets></workbook>"
    )
    let rels = sheets.indices.map {
        "<Relationship Id=\"rId\($0 + 1)\" Type=\"\(rel)/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>"
    }.joined()
    try add(
        "xl/_rels/workbook.xml.rels",
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\(rels)</Relationships>"
    )
    for (name, xml) in parts { try add(name, xml) }
    try add(
        "xl/sharedStrings.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"\(ns)\">"
            + strings.map { "<si><t xml:space=\"preserve\">\(esc($0))</t></si>" }.joined() + "</sst>")
}

/// Rows with their STT cell first.
func numbered(_ rows: [[FixtureCell]]) -> [[FixtureCell]] {
    var out = [[FixtureCell]]()
    for (i, r) in rows.enumerated() { out.append([FixtureCell.number(String(i + 1))] + r) }
    return out
}

/// Excel's serial day number of a date (1900 system).
func excelSerial(_ y: Int, _ m: Int, _ d: Int) -> String {
    var c = Calendar(identifier: .gregorian)
    c.timeZone = TimeZone(identifier: "UTC")!
    let base = c.date(from: DateComponents(year: 1899, month: 12, day: 30))!
    let day = c.date(from: DateComponents(year: y, month: m, day: d))!
    return String(c.dateComponents([.day], from: base, to: day).day!)
}

/// The decomposed (NFD) form, as some exports write their titles.
func nfd(_ s: String) -> String { s.decomposedStringWithCanonicalMapping }

/// The sector database's student export (C1-HocSinh), template version 1: title lines, then STT | Mã học sinh |
/// Họ và tên | Ngày sinh | Giới tính | Dân tộc | Nơi sinh | Số định danh cá nhân; one sheet per class.
func c1Version1(_ path: String, students: [[FixtureCell]] = c1Students) throws {
    let header: [FixtureCell] = [
        "STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Nơi sinh", "Số định danh cá nhân",
    ]
    func sheet(_ rows: ArraySlice<[FixtureCell]>) -> [[FixtureCell]] {
        var out: [[FixtureCell]] = [["SỞ GIÁO DỤC VÀ ĐÀO TẠO"], ["DANH SÁCH HỌC SINH"], [], header]
        for (i, r) in rows.enumerated() { out.append([FixtureCell.number(String(i + 1))] + r) }
        out.append([])
        out.append(["", "", .text("Tổng số: \(rows.count) học sinh")])
        return out
    }
    try writeWorkbook(
        path: path,
        sheets: [
            ("6A1", sheet(students.prefix(2))), ("6A2", sheet(students.dropFirst(2))),
            ("Hướng dẫn", [["Xuất từ CSDL ngành; không sửa dòng tiêu đề."]]),
        ])
}

/// Template version 2: columns moved, the lifelong-learning code added, titles decomposed (NFD) with line breaks
/// inside the cells, one sheet per grade, a date typed as text.
func c1Version2(_ path: String, rows: [[FixtureCell]]) throws {
    let header: [FixtureCell] = [
        "STT", .text(nfd("Họ và tên")), .text(nfd("Ngày\nsinh")), .text(nfd("Giới\ntính")), .text(nfd("Mã định danh\nBộ GD&ĐT")),
        .text(nfd("Số định danh\ncá nhân")), .text(nfd("Mã số học tập\nsuốt đời")), .text(nfd("Dân tộc")), .text(nfd("Nơi sinh")), "Lớp",
    ]
    try writeWorkbook(
        path: path,
        sheets: [("Khối 6", [["DANH SÁCH HỌC SINH NĂM HỌC 2024-2025"], header] + numbered(rows))])
}

/// Four students of version 1's layout (without STT): code, name, birth (serial), sex, ethnicity, place, CCCD.
let c1Students: [[FixtureCell]] = [
    ["0123456701", "Nguyễn Văn An", .number(excelSerial(2013, 3, 15)), "Nam", "Kinh", "Hạ Long, Quảng Ninh", "022213001234"],
    ["0123456702", "Trần Thị Bích Ngọc", .number(excelSerial(2013, 11, 2)), "Nữ", "Tày", "Cẩm Phả, Quảng Ninh", ""],
    ["", "Lê Hoàng Minh", .number(excelSerial(2012, 12, 31)), "Nam", "Kinh", "Uông Bí, Quảng Ninh", "022212005678"],
    ["", "Phạm Thu Hà", .number(excelSerial(2013, 1, 9)), "Nữ", "Kinh", "Hạ Long, Quảng Ninh", ""],
]
