import Foundation

/// A one-sheet student list as the sector database exports it, written with Python's zipfile (this test target
/// does not link a ZIP writer): title lines, then the header, then the rows.
public func studentListXLSX(_ path: String, rows: [[String]]) throws {
    let header = ["STT", "Mã học sinh", "Họ và tên", "Ngày\nsinh".decomposedStringWithCanonicalMapping, "Giới tính"]
    try oneSheetXLSX(path, sheet: "6A1", rows: [["DANH SÁCH HỌC SINH"], header] + rows, numbers: #"^\d{5}$"#)
}

/// A vnEdu grade sheet: title lines, the two-row header (Họ và tên over Họ đệm | Tên, ĐĐGtx over 1…5), marks as
/// numbers; each row is family and middle names, given name, date of birth, TX1…TX5, GK, CK, the sheet's average.
public func vnEduSheetXLSX(_ path: String, rows: [[String]]) throws {
    let top = ["STT", "Họ và tên", "", "Ngày sinh", "ĐĐGtx", "", "", "", "", "ĐĐGgk", "ĐĐGck", "ĐTBmhkI"]
    let second = ["", "Họ đệm", "Tên", "", "1", "2", "3", "4", "5"]
    let numbered = rows.enumerated().map { [String($0.offset + 1)] + $0.element }
    try oneSheetXLSX(
        path, sheet: "Toán 9A", rows: [["SỔ ĐIỂM MÔN TOÁN - LỚP 9A - HỌC KÌ I"], top, second] + numbered,
        numbers: #"^\d{1,2}(\.\d)?$"#)
}

/// One worksheet; cells matching the `numbers` pattern are written as numbers, the rest as shared strings.
public func oneSheetXLSX(_ path: String, sheet: String, rows: [[String]], numbers: String) throws {
    let spec: [String: Any] = ["path": path, "rows": rows, "sheet": sheet, "numbers": numbers]
    let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
    let script = #"""
        import json, re, sys, zipfile
        from xml.sax.saxutils import escape
        spec = json.loads(sys.stdin.read())
        strings, rows = [], []
        for r, row in enumerate(spec["rows"], start=1):
            cells = []
            for c, v in enumerate(row):
                ref = chr(65 + c) + str(r)
                if v == "":
                    continue
                if re.match(spec["numbers"], v):
                    cells.append('<c r="%s"><v>%s</v></c>' % (ref, v))
                else:
                    strings.append(v)
                    cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, len(strings) - 1))
            rows.append('<row r="%d">%s</row>' % (r, "".join(cells)))
        ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        with zipfile.ZipFile(spec["path"], "w") as z:
            z.writestr("xl/workbook.xml", '<workbook %s xmlns:r="%s"><sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets></workbook>' % (ns, rel, escape(spec["sheet"])))
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
