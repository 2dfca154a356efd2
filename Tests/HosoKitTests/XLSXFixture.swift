import Foundation
import ZIPFoundation

/// Writes a minimal .xlsx: shared strings for text, a number cell (an Excel date serial) for row 2's birth date.
/// `date1904` marks the workbook as counting dates from 1904 (the serial is then 1462 days smaller for one date).
func writeXLSX(path: String, rows: [String], date1904: Bool = false) throws {
    var strings = [String]()
    var sheet =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
    for (r, line) in rows.enumerated() {
        sheet += "<row r=\"\(r + 1)\">"
        for (c, cell) in line.split(separator: ";", omittingEmptySubsequences: false).enumerated() {
            let ref = String(UnicodeScalar(65 + c)!) + "\(r + 1)"
            if r == 1 && c == 2 {
                sheet += "<c r=\"\(ref)\" s=\"1\"><v>\(date1904 ? 38061 - 1462 : 38061)</v></c>"
            } else if !cell.isEmpty {
                strings.append(String(cell))
                sheet += "<c r=\"\(ref)\" t=\"s\"><v>\(strings.count - 1)</v></c>"
            }
        }
        sheet += "</row>"
    }
    sheet += "</sheetData></worksheet>"
    try writeXLSXParts(path: path, sheetData: sheet, sharedStrings: strings, date1904: date1904)
}

/// Writes an .xlsx from a worksheet's XML as given (to write what Excel never would) and a shared string table.
func writeXLSXParts(path: String, sheetData sheet: String, sharedStrings strings: [String], date1904: Bool = false) throws {
    let archive = try ZIPFoundation.Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    func add(_ name: String, _ text: String) throws {
        let data = Data(text.utf8)
        try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { pos, size in
            data.subdata(in: Int(pos)..<Int(pos) + size)
        }
    }
    func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
    let sst =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        + strings.map { "<si><t>\(esc($0))</t></si>" }.joined() + "</sst>"
    let pr = date1904 ? "<workbookPr date1904=\"1\"/>" : ""
    try add("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>")
    try add(
        "xl/workbook.xml",
        "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\(pr)<sheets><sheet name=\"Sổ gốc\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
    )
    try add(
        "xl/_rels/workbook.xml.rels",
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>"
    )
    try add("xl/worksheets/sheet1.xml", sheet)
    try add("xl/sharedStrings.xml", sst)
}
