import Foundation
import HosoCore
import HosoTestSupport
import Testing
import ZIPFoundation

@testable import HosoRecords

/// Workbooks written to hurt the reader or to slip wrong values past it.
@Suite struct XLSXHostileTests {
    let dir = TempDirectory()

    func sheet(_ rows: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
            + "<sheetData>\(rows)</sheetData></worksheet>"
    }

    /// A header (A1 "Họ và tên", B1 "Số hiệu") and whatever `rest` adds.
    func read(_ rest: String, strings: [String] = ["Họ và tên", "Số hiệu", "An"], name: String = "t.xlsx") throws -> Table {
        let path = dir.path + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        let header = "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
        try writeXLSXParts(path: path, sheetData: sheet(header + rest), sharedStrings: strings)
        return try XLSXReader.read(path: path)
    }

    func expectRefused(
        _ rest: String, strings: [String] = ["Họ và tên", "Số hiệu", "An"], saying words: String, at place: String?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let t = try read(rest, strings: strings)
            Issue.record("accepted: \(t.rows)", sourceLocation: sourceLocation)
        } catch let e as HosoError {
            #expect(e.code == .xlsxInvalid, sourceLocation: sourceLocation)
            #expect(e.text(.en).contains(words), "\(e)", sourceLocation: sourceLocation)
            if let place { #expect(e.location?.hasSuffix(place) == true, "\(e.location ?? "-")", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func theReaderReadsAPlainSheet() throws {
        let t = try read("<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\"><v>12</v></c></row>")
        #expect(t.header == ["Họ và tên", "Số hiệu"])
        #expect(t.rows == [Table.Row(number: 2, cells: ["An", "12"])])
        #expect(!t.date1904)
    }

    /// Column letters are bounded by XFD: a long run used to overflow the column number (a trap).
    @Test(arguments: ["AAAAAAAAAAAAAAA2", "XFE2", "ZZZZ2", "A0", "A1048577", "A99999999999999999999", "2A", "a2"])
    func cellReferencesOutsideExcelsGridAreRefused(ref: String) {
        expectRefused("<row r=\"2\"><c r=\"\(ref)\"><v>1</v></c></row>", saying: "invalid cell reference", at: nil)
    }

    @Test func columnLettersRoundTrip() {
        for (ref, col) in [("A1", 0), ("Z1", 25), ("AA1", 26), ("XFD1", 16383)] {
            #expect(XLSXReader.cellRef(ref)?.column == col)
            #expect(XLSXReader.columnLetters(col) + "1" == ref)
        }
    }

    /// One cell in column XFD on each of many rows: the table is as wide as its header, not 16,384 cells a row.
    @Test func aFarCellDoesNotWidenEveryRow() throws {
        let rows = (2...2001).map { "<row r=\"\($0)\"><c r=\"A\($0)\" t=\"s\"><v>2</v></c><c r=\"XFD\($0)\"><v>1</v></c></row>" }
        let t = try read(rows.joined())
        #expect(t.rows.count == 2000)
        #expect(t.rows.allSatisfy { $0.cells.count == 2 })
    }

    /// Error cells are refused with their place, not stored as the text "#N/A".
    @Test(arguments: ["#N/A", "#REF!", "#VALUE!", "#DIV/0!"])
    func errorCellsAreRefused(value: String) {
        expectRefused(
            "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\" t=\"e\"><v>\(value)</v></c></row>", saying: "holds the error",
            at: "t.xlsx:2:B")
    }

    @Test func aCellGivenTwiceIsRefused() {
        expectRefused(
            "<row r=\"2\"><c r=\"B2\"><v>1</v></c><c r=\"B2\"><v>2</v></c></row>", saying: "given twice", at: "t.xlsx:2:B")
    }

    @Test func aRepeatedHeaderTitleIsRefused() {
        // C1 repeats A1's title (compared as titles are matched: NFC, trimmed, case folded).
        expectRefused(
            "<row r=\"1\"><c r=\"C1\" t=\"s\"><v>2</v></c></row>", strings: ["Họ và tên", "Số hiệu", " HỌ VÀ TÊN "],
            saying: "repeats", at: "t.xlsx:1:C")
    }

    /// A shared string index past the table, or not a number, is an error (it used to read as a blank cell).
    @Test(arguments: ["3", "-1", "x", "99999999999999999999"])
    func missingSharedStringsAreRefused(index: String) {
        expectRefused(
            "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>\(index)</v></c></row>", saying: "does not exist", at: "t.xlsx:2:A")
    }

    @Test func date1904IsReadFromTheWorkbook() throws {
        let path = dir.path + "/d.xlsx"
        try writeXLSXParts(
            path: path, sheetData: sheet("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"), sharedStrings: ["Ngày sinh"],
            date1904: true)
        #expect(try XLSXReader.read(path: path).date1904)
        #expect(DateCell.excelSerial("36599", date1904: true) == "2004-03-15")
        #expect(DateCell.excelSerial("38061") == "2004-03-15")
        #expect(DateCell.excelSerial("0", date1904: true) == "1904-01-01")
    }

    /// A worksheet that inflates past the budget is refused while inflating.
    @Test func anInflationBombIsRefused() throws {
        let filler = String(repeating: "<row/>", count: (XLSXReader.maxPartBytes / 6) + 10)
        let path = dir.path + "/bomb.xlsx"
        try writeXLSXParts(path: path, sheetData: sheet(filler), sharedStrings: [])
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0) < 1 << 20)
        #expect(throws: HosoError.self) { _ = try XLSXReader.read(path: path) }
    }
}

extension XLSXHostileTests {
    /// A part whose bytes are not UTF-8 (here a namespace name) is refused before the XML parser, which traps on it
    /// (found by the XLSX fuzzer; its input is kept in Fuzz/regressions/xlsx/).
    @Test func xmlPartsThatAreNotUTF8AreRefused() throws {
        let path = dir.path + "/latin1.xlsx"
        try writeXLSXParts(path: path, sheetData: sheet("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"), sharedStrings: ["x"])
        // Replace the sheet with one whose namespace holds the byte 0xBB.
        let archive = try ZIPFoundation.Archive(url: URL(fileURLWithPath: path), accessMode: .update)
        try archive.remove(try #require(archive["xl/worksheets/sheet1.xml"]))
        let data = Data("<?xml version=\"1.0\"?><worksheet xmlns=\"urn:a".utf8) + Data([0xBB]) + Data("\"><sheetData/></worksheet>".utf8)
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(data.count)) { pos, size in
            data.subdata(in: Int(pos)..<Int(pos) + size)
        }
        do {
            _ = try XLSXReader.read(path: path)
            Issue.record("accepted")
        } catch let e as HosoError {
            #expect(e.code == .xlsxInvalid && e.text(.en).contains("not UTF-8"), "\(e)")
        }
    }
}

/// The ZIP container itself lying: every length, offset, size and checksum it gives is checked before use.
extension XLSXHostileTests {
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

    /// Where the central directory lists the worksheet.
    static func sheetEntry(_ b: [UInt8]) throws -> Int {
        let name = Array("xl/worksheets/sheet1.xml".utf8)
        let p = (0..<b.count - 46 - name.count).first {
            b[$0] == 0x50 && b[$0 + 1] == 0x4b && b[$0 + 2] == 1 && b[$0 + 3] == 2 && Array(b[$0 + 46..<$0 + 46 + name.count]) == name
        }
        return try #require(p)
    }

    static let lies: [(String, String, @Sendable ([UInt8], Int) -> [UInt8])] = [
        (
            "wrong CRC-32", "fails its CRC-32 check",
            { b, p in
                var b = b
                b[p + 16] ^= 1
                return b
            }
        ),
        (
            "size claimed smaller", "not the",
            { b, p in
                var b = b
                let size = UInt32(b[p + 24]) | UInt32(b[p + 25]) << 8
                b.replaceSubrange(p + 24..<p + 28, with: le32(size - 1))
                return b
            }
        ),
        (
            "deflate stream cut short", "does not inflate",
            { b, p in
                var b = b
                let c = UInt32(b[p + 20]) | UInt32(b[p + 21]) << 8
                b.replaceSubrange(p + 20..<p + 24, with: le32(c / 2))
                return b
            }
        ),
        (
            "compressed size past the end", "past the end",
            { b, p in
                var b = b
                b.replaceSubrange(p + 20..<p + 24, with: le32(0x7FFF_0000))
                return b
            }
        ),
        (
            "encrypted", "encrypted",
            { b, p in
                var b = b
                b[p + 8] |= 1
                return b
            }
        ),
        (
            "ZIP64 marker", "ZIP64",
            { b, p in
                var b = b
                b.replaceSubrange(p + 24..<p + 28, with: le32(0xFFFF_FFFF))
                return b
            }
        ),
        (
            "local header elsewhere", "no local header",
            { b, p in
                var b = b
                b.replaceSubrange(p + 42..<p + 46, with: le32(3))
                return b
            }
        ),
        ("bytes after the end record", "no end of central directory", { b, _ in b + [0] }),
        (
            "method 12 (bzip2)", "compression method",
            { b, p in
                var b = b
                b[p + 10] = 12
                return b
            }
        ),
    ]

    @Test(arguments: lies.indices) func zipContainersThatLieAreRefused(_ i: Int) throws {
        let (what, words, mutate) = Self.lies[i]
        let path = dir.path + "/lie\(i).xlsx"
        let header = "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
        let rows = (2...200).map { "<row r=\"\($0)\"><c r=\"A\($0)\" t=\"s\"><v>2</v></c><c r=\"B\($0)\"><v>\($0)</v></c></row>" }
        try writeXLSXParts(path: path, sheetData: sheet(header + rows.joined()), sharedStrings: ["Họ và tên", "Số hiệu", "An"])
        #expect(try XLSXReader.read(path: path).rows.count == 199, "the untouched workbook reads")
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        try Data(mutate(good, try Self.sheetEntry(good))).write(to: URL(fileURLWithPath: path))
        do {
            let t = try XLSXReader.read(path: path)
            Issue.record("\(what): accepted with \(t.rows.count) rows")
        } catch let e as HosoError {
            #expect(e.code == .xlsxInvalid && e.location == path, "\(what): \(e)")
            #expect("\(e.cause ?? "")".contains(words), "\(what): \(e)")
        }
    }

    /// A deflate stream that runs past the end of the file made ZIPFoundation loop forever (found by the fuzzer;
    /// kept in Fuzz/regressions/xlsx/). Our reader refuses it.
    @Test func theFuzzersHangingWorkbookIsRefused() throws {
        let path = repoRoot + "/Fuzz/regressions/xlsx/hang-deflate-past-end-of-file"
        #expect(throws: HosoError.self) { _ = try XLSXReader.read(path: path) }
    }
}
