import Foundation
import HosoCore
import HosoTestSupport
import Testing

@testable import HosoRecords

/// hoso's own XML reader for workbook parts (it replaced Foundation's XMLParser, which leaked on malformed parts).
@Suite struct XMLScannerTests {
    /// The events of `xml` written out as one line each, or the failure.
    func events(_ xml: String, limits: XMLScanner.Limits = .init()) -> [String] {
        var out = [String]()
        do {
            try XMLScanner.scan(Array(xml.utf8), limits: limits) { event in
                switch event {
                case .start(let name, let attributes):
                    out.append(
                        "<" + ([name] + attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " "))
                case .end(let name): out.append("/" + name)
                case .text(let t): out.append("'" + t + "'")
                }
            }
        } catch let f as XMLScanner.Failure {
            return ["FAIL " + f.what]
        } catch {
            return ["ERROR \(error)"]
        }
        return out
    }

    @Test func aWorkbookPartReadsAsItsElementsAttributesAndText() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <!-- a comment --><x:sst xmlns:x="urn:m" count='2'><x:si><x:t xml:space="preserve">A &amp; B &lt;C&gt; &#x1EA0;&#7841;</x:t></x:si>\
            <si><t><![CDATA[<not a tag> & ]]>tail</t><rPh/></si></x:sst>
            """
        #expect(
            events(xml) == [
                "<sst count=2 xmlns:x=urn:m", "<si", "<t xml:space=preserve", "'A & B <C> Ạạ'", "/t", "/si", "<si", "<t",
                "'<not a tag> & tail'", "/t", "<rPh", "/rPh", "/si", "/sst",
            ])
    }

    @Test func lineEndsAndWhiteSpaceInAttributesAreNormalised() {
        #expect(events("<a b=\"x\ty\r\nz\">1\r\n2\r3</a>") == ["<a b=x y  z", "'1\n2\n3'", "/a"])
    }

    /// Each is malformed or hostile: a clear failure, never a trap, a hang or an expansion.
    @Test(arguments: [
        ("<!DOCTYPE a [<!ENTITY x \"xx\">]><a>&x;</a>", "document type"),
        ("<a>&x;</a>", "not defined"),
        ("<a>&#0;</a>", "character reference"),
        ("<a>&#xD800;</a>", "character reference"),
        ("<a>&#99999999999;</a>", "character reference"),
        ("<a>& b</a>", "no reference"),
        ("<a><b></a></b>", "closes <b>"),
        ("<a>", "not closed"),
        ("</a>", "closes nothing"),
        ("<a></a><b/>", "second root"),
        ("text<a/>", "outside the root"),
        ("<a b=c/>", "quoted"),
        ("<a b=\"1\" b=\"2\"/>", "given twice"),
        ("<a b=\"1\"c=\"2\"/>", "separated"),
        ("<a b=\"<\"/>", "inside an attribute"),
        ("<a b=\"1", "not closed"),
        ("<a><![CDATA[x</a>", "missing"),
        ("<a><!-- x</a>", "missing"),
        ("<a", "ends inside a name"),
        ("<>", "name was expected"),
        ("", "no element"),
        ("   ", "no element"),
    ])
    func malformedXMLFails(_ xml: String, _ words: String) {
        let got = events(xml)
        #expect(got.last?.hasPrefix("FAIL") == true && got.last?.contains(words) == true, "\(got)")
    }

    @Test func budgetsHold() {
        let deep = String(repeating: "<a>", count: 65) + String(repeating: "</a>", count: 65)
        #expect(events(deep).last?.contains("deeper than 64") == true)
        let wide = "<a " + (0..<513).map { "k\($0)=\"v\"" }.joined(separator: " ") + "/>"
        #expect(events(wide).last?.contains("more than 512 attributes") == true)
        let long = "<" + String(repeating: "n", count: 257) + "/>"
        #expect(events(long).last?.contains("longer than 256") == true)
        // Within the budgets, the same shapes read.
        let ok = String(repeating: "<a>", count: 64) + String(repeating: "</a>", count: 64)
        #expect(events(ok).count == 128)
    }

    /// The leak the ASan fuzz run found was on this input's path; it must stay a clean error.
    @Test func theLeakingFuzzInputIsAClearError() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz/regressions/xlsx")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("min-leak-") }
        #expect(!files.isEmpty)
        for f in files {
            #expect(throws: HosoError.self) { try XLSXReader.read(path: dir.appendingPathComponent(f).path) }
        }
    }
}

extension XLSXHostileTests {
    /// Some writers put the spreadsheet namespace under a prefix (x:row, x:c…); the cells are read all the same.
    @Test func prefixedElementsAreRead() throws {
        let path = dir.path + "/prefixed.xlsx"
        let sheet =
            "<?xml version=\"1.0\"?><x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><x:sheetData>"
            + "<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c></x:row><x:row r=\"2\"><x:c r=\"A2\" t=\"inlineStr\"><x:is><x:t>Lê &amp; Lý</x:t></x:is></x:c></x:row>"
            + "</x:sheetData></x:worksheet>"
        try writeXLSXParts(path: path, sheetData: sheet, sharedStrings: ["Họ và tên"])
        let t = try XLSXReader.read(path: path)
        #expect(t.header == ["Họ và tên"])
        #expect(t.rows == [Table.Row(number: 2, cells: ["Lê & Lý"])])
    }

    /// Broken XML in the sheet is an error naming the part and the byte, not a quiet empty table.
    @Test func brokenXMLNamesThePart() {
        do {
            let t = try read("<row r=\"2\"><c r=\"A2\"><v>1</v></row>")
            Issue.record("accepted: \(t.rows)")
        } catch let e as HosoError {
            #expect(e.code == .xlsxInvalid && e.text(.en).contains("broken XML in xl/worksheets/sheet1.xml"), "\(e)")
            #expect(e.cause?.contains("byte") == true)
        } catch {
            Issue.record("\(error)")
        }
    }
}
