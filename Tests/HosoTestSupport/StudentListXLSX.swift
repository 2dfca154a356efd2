import Foundation

/// A one-sheet student list as the sector database exports it, written with Python's zipfile (this test target
/// does not link a ZIP writer): title lines, then the header, then the rows.
public func studentListXLSX(_ path: String, rows: [[String]]) throws {
    let header = ["STT", "Mã học sinh", "Họ và tên", "Ngày\nsinh".decomposedStringWithCanonicalMapping, "Giới tính"]
    let all = [["DANH SÁCH HỌC SINH"], header] + rows
    let json = String(decoding: try JSONSerialization.data(withJSONObject: ["path": path, "rows": all]), as: UTF8.self)
    let script = #"""
        import json, sys, zipfile
        from xml.sax.saxutils import escape
        spec = json.loads(sys.stdin.read())
        strings, rows = [], []
        for r, row in enumerate(spec["rows"], start=1):
            cells = []
            for c, v in enumerate(row):
                ref = chr(65 + c) + str(r)
                if v.isdigit() and len(v) == 5:
                    cells.append('<c r="%s"><v>%s</v></c>' % (ref, v))
                else:
                    strings.append(v)
                    cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, len(strings) - 1))
            rows.append('<row r="%d">%s</row>' % (r, "".join(cells)))
        ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        with zipfile.ZipFile(spec["path"], "w") as z:
            z.writestr("xl/workbook.xml", '<workbook %s xmlns:r="%s"><sheets><sheet name="6A1" sheetId="1" r:id="rId1"/></sheets></workbook>' % (ns, rel))
            z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/></Relationships>' % rel)
            z.writestr("xl/worksheets/sheet1.xml", '<worksheet %s><sheetData>%s</sheetData></worksheet>' % (ns, "".join(rows)))
            z.writestr("xl/sharedStrings.xml", '<sst %s>%s</sst>' % (ns, "".join("<si><t>%s</t></si>" % escape(s) for s in strings)))
        """#
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script]
    let input = Pipe()
    p.standardInput = input
    try p.run()
    input.fileHandleForWriting.write(Data(json.utf8))
    try input.fileHandleForWriting.close()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
}
