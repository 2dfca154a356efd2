import Foundation
import HosoCore
import Testing

@testable import HosoRecords

/// CSV files in encodings the reader does not take are refused with what to do about it, not read as garbage or
/// reported as a quoting error; legacy Vietnamese font encodings (converted later) still pass.
@Suite struct CSVEncodingTests {
    static let text = "Họ và tên;Ngày sinh;Nơi sinh\r\nNguyễn Văn An;15/03/2004;Xã Tân Lập\r\nTrần Thị Bích Ngọc;02/11/2004;Đồng Tháp\r\n"

    func expectRefused(_ bytes: [UInt8], naming encoding: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let t = try CSVReader.read(bytes: bytes, source: "ledger.csv")
            Issue.record("accepted: \(t.header)", sourceLocation: sourceLocation)
        } catch let e as HosoError {
            #expect(e.code == .csvInvalid, sourceLocation: sourceLocation)
            #expect(e.text(.vi).contains("lưu lại dưới dạng CSV UTF-8"), "\(e)", sourceLocation: sourceLocation)
            #expect(e.text(.en).contains("save as CSV UTF-8") && e.text(.en).contains(encoding), "\(e)", sourceLocation: sourceLocation)
            #expect(e.location == "ledger.csv", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    /// Four to seven bytes of UTF-8 have no NUL at all: they are not UTF-32 (the check once said they were).
    @Test(arguments: ["a,b\n", "STT\n", "a;b\r\n1", "x\ty\n"])
    func shortUTF8FilesAreRead(_ text: String) throws {
        let t = try CSVReader.read(bytes: Array(text.utf8), source: "ledger.csv")
        #expect(t.header.count >= 1)
    }

    static func utf16(_ s: String, bigEndian: Bool) -> [UInt8] {
        s.utf16.flatMap { u in bigEndian ? [UInt8(u >> 8), UInt8(u & 0xFF)] : [UInt8(u & 0xFF), UInt8(u >> 8)] }
    }

    static func utf32LE(_ s: String) -> [UInt8] {
        s.unicodeScalars.flatMap { u in (0..<4).map { UInt8((u.value >> (8 * $0)) & 0xFF) } }
    }

    /// Windows-1258 as Excel writes it: letters with a hat, breve, horn or stroke as one byte, tones as combining bytes.
    static func windows1258(_ s: String) throws -> [UInt8] {
        let reverse = Dictionary(uniqueKeysWithValues: CSVEncodingCheck.changed.map { ($1, $0) })
        let tones: Set<UInt32> = [0x300, 0x301, 0x303, 0x309, 0x323]
        var out = [UInt8]()
        for ch in s.precomposedStringWithCanonicalMapping {
            if ch.isASCII {
                out += Array(String(ch).utf8)  // "\r\n" is one Character
                continue
            }
            let nfd = String(ch).decomposedStringWithCanonicalMapping.unicodeScalars
            let tone = nfd.first { tones.contains($0.value) }
            let base = String(String.UnicodeScalarView(nfd.filter { !tones.contains($0.value) })).precomposedStringWithCanonicalMapping
            let scalars = Array(base.unicodeScalars)
            try #require(scalars.count == 1, "\(ch)")
            let v = scalars[0].value
            if let b = reverse[v] {
                out.append(b)
            } else {
                try #require(v < 0x100 && reverse.values.contains(UInt8(v)) == false, "\(ch)")
                out.append(UInt8(v))
            }
            if let tone { out.append(try #require(reverse[tone.value])) }
        }
        return out
    }

    @Test func utf16WithAByteOrderMarkIsRefused() {
        expectRefused([0xFF, 0xFE] + Self.utf16(Self.text, bigEndian: false), naming: "UTF-16")
        expectRefused([0xFE, 0xFF] + Self.utf16(Self.text, bigEndian: true), naming: "UTF-16")
    }

    @Test func utf16WithoutAByteOrderMarkIsRefused() {
        expectRefused(Self.utf16(Self.text, bigEndian: false), naming: "UTF-16")
        expectRefused(Self.utf16(Self.text, bigEndian: true), naming: "UTF-16")
    }

    @Test func utf32IsRefused() {
        expectRefused([0xFF, 0xFE, 0, 0] + Self.utf32LE(Self.text), naming: "UTF-32")
        expectRefused(Self.utf32LE(Self.text), naming: "UTF-32")
    }

    @Test func windows1258IsRefused() throws {
        let bytes = try Self.windows1258(Self.text)
        #expect(String(validating: bytes, as: UTF8.self) == nil)
        expectRefused(bytes, naming: "Windows-1258")
    }

    /// TCVN3 and VNI files are not Windows-1258: they are read (and converted later by the importer).
    @Test(arguments: [LegacyEncoding.tcvn3, .vni])
    func legacyFontEncodingsAreStillRead(encoding: LegacyEncoding) throws {
        var bytes = [UInt8]()
        for line in Self.text.split(separator: "\r\n") {
            bytes += try #require(LegacyText.encode(String(line), as: encoding)) + [13, 10]
        }
        #expect(String(validating: bytes, as: UTF8.self) == nil)
        let t = try CSVReader.read(bytes: bytes, source: "ledger.csv")
        #expect(t.rows.count == 2)
    }

    /// Windows-1252 text (the reading for other non-UTF-8 files) is read as before.
    @Test func windows1252IsStillRead() throws {
        // "Lê Hà;Café" in Windows-1252 (ê, à and é are the same bytes in Windows-1258: nothing to tell apart).
        let bytes: [UInt8] = [0x4C, 0xEA, 0x20, 0x48, 0xE0, 0x3B, 0x43, 0x61, 0x66, 0xE9, 0x0D, 0x0A]
        let t = try CSVReader.read(bytes: Array("Ten;Ghi\r\n".utf8) + bytes, source: "x.csv")
        #expect(t.rows.first?.cells == ["Lê Hà", "Café"])
    }

    @Test func invisibleCharactersAreFound() {
        #expect(VietnameseText.firstInvisible(in: "B 0123456") == nil)
        #expect(VietnameseText.firstInvisible(in: "Nguyễn Văn An") == nil)
        #expect(VietnameseText.firstInvisible(in: "B 0123\u{200B}456") == "U+200B")
        #expect(VietnameseText.firstInvisible(in: "\u{FEFF}An") == "U+FEFF")
        #expect(VietnameseText.firstInvisible(in: "An\u{202E}") == "U+202E")
        #expect(VietnameseText.firstInvisible(in: "Ng\u{00AD}uyễn") == "U+00AD")
    }
}
