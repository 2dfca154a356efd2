import Foundation
import HosoCore
import HosoTestSupport
import Testing

@testable import HosoRecords

// The import's fast paths each answer as the general code they stand in front of. These tests hold them to
// it on hand-picked edge cases and on many generated strings.

/// Scalars that sit on the edges the fast paths decide on: white space of every kind, line terminators,
/// controls, combining marks, digits that are not ASCII, Vietnamese letters, and a character beyond the BMP.
private let edgeScalars: [String] = [
    "a", "z", "A", "Z", "0", "9", "5", "-", "/", ".", " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{00}", "\u{1F}",
    "\u{7F}", "\u{80}", "\u{85}", "\u{9F}", "\u{A0}", "\u{AD}", "é", "Đ", "ư", "ễ", "Ỹ", "\u{301}", "\u{323}",
    "\u{1680}", "\u{180E}", "\u{2000}", "\u{200A}", "\u{200B}", "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}",
    "\u{3000}", "\u{FEFF}", "٣", "５", "😀", "f", "g", "_", ":", "\"",
]

/// Deterministic strings over `edgeScalars`, weighted towards the ordinary letters and digits.
private func generatedStrings(count: Int, maxLength: Int, seed: UInt64) -> [String] {
    var g = SeededGenerator(seed: seed)
    func next() -> Int { Int(truncatingIfNeeded: g.next() & 0x7FFF_FFFF) }
    let common = ["a", "b", "x", "0", "1", "2", "9", "-", " ", "ễ", "n", "g"]
    return (0..<count).map { _ in
        let n = next() % (maxLength + 1)
        return (0..<n).map { _ in next() % 3 == 0 ? edgeScalars[next() % edgeScalars.count] : common[next() % common.count] }.joined()
    }
}

private let handPicked: [String] = [
    "", " ", "  ", "a", " a", "a ", "a b", "a  b", "\ta", "a\t", "a\n", "a\r\n", "a\r", "a\u{2028}", "a\u{85}",
    "a\u{A0}", "\u{A0}a", "a\u{3000}", "\u{3000}", "\u{200B}", "\u{FEFF}a", "Nguyễn Văn An", "Nguyễn Văn An ",
    " Nguyễn", "Xã Tân Lập, huyện Tân Lập, tỉnh Phú Thọ", "e\u{301}", "\u{301}", " \u{301}", "😀", "a😀 ",
    "123456789012", "123456789012\n", "123456789012\r\n", "12345678901", "1234567890123", "12345678901２",
    "0123456789", "0123456789\u{2028}", "2019-06-15", "2019-6-15", "2019-06-15\n", "2019-06-15 ", " 2019-06-15",
    "٢٠١٩-٠٦-١٥", "2019/06/15", String(repeating: "ab12", count: 16), String(repeating: "AB12", count: 16),
    String(repeating: "ab12", count: 16) + "\n", String(repeating: "a", count: 65), "ledger", "ledger-appendix",
    "Ledger", "1ledger", "a" + String(repeating: "b", count: 31), "a" + String(repeating: "b", count: 32), "a-",
    "x\u{0}y", "\u{7F}", "\u{9F}", "\u{80}", "\u{2029}", "tab\tinside", "line\ninside", "ĐÀO", "2019-2020",
]

@Suite struct PatternFastPathTests {
    /// Every `pattern` of the embedded schemas, plus shapes the anchored scanner accepts or must refuse.
    static func patterns() throws -> [String] {
        var found = Set<String>()
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let members):
                for m in members {
                    if m.key == "pattern", case .string(let p) = m.value { found.insert(p) }
                    walk(m.value)
                }
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        for (_, schema) in try SchemaValidator.embeddedRegistry() { walk(schema) }
        return found.sorted() + ["^[0-9]{2,4}$", "^[a-z]+$", "^x?$", "^[A-F0-9-]{3}[0-9]$", "^ab-c$", "^[a-]$"]
    }

    @Test func theSchemasHotPatternsHaveAFastPath() throws {
        let all = try Self.patterns()
        for p in [
            "^(\\S([\\s\\S]*\\S)?)?$", "[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]", "^[0-9]{12}$", "^[0-9]{10}$",
            "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "^[0-9a-f]{64}$",
        ] {
            #expect(all.contains(p), "the schemas no longer use \(p)")
            #expect(FastMatch(p) != nil, "no fast path for \(p)")
        }
        // Shapes a greedy scan would get wrong are left to ICU.
        #expect(FastMatch("^[0-9]{1,3}[0-9]$") == nil)
        #expect(FastMatch("^[a-z]*b$") == nil)
        #expect(FastMatch("^(19|20)[0-9]{2}$") == nil)
        #expect(FastMatch("^[^a]$") == nil)
        #expect(FastMatch("^[a-z]$x") == nil)
    }

    @Test func fastAnswersAgreeWithICU() throws {
        let corpus =
            handPicked + generatedStrings(count: 3000, maxLength: 14, seed: 0xC0FFEE)
            + generatedStrings(count: 300, maxLength: 70, seed: 0xBADC0DE)
        var decided = 0
        for source in try Self.patterns() {
            let regex = try NSRegularExpression(pattern: source)
            guard let fast = FastMatch(source) else { continue }
            for s in corpus {
                let icu = regex.firstMatch(in: s, options: [], range: NSRange(location: 0, length: s.utf16.count)) != nil
                if let answer = fast.matches(s) {
                    decided += 1
                    #expect(answer == icu, "pattern \(source) on \(s.unicodeScalars.map { String($0.value, radix: 16) })")
                }
                // Through the compiled pattern (fast path or ICU) the answer is ICU's.
                #expect(Pattern(regex: regex, source: source).matches(s) == icu)
            }
        }
        #expect(decided > 10_000, "the fast paths decided only \(decided) cases")
    }

    @Test func lengthsAreCountedInScalarsWhateverTheirBytes() throws {
        let v = try SchemaValidator(schema: CanonicalJSON.parse(#"{"type":"string","minLength":2,"maxLength":3}"#))
        #expect(v.isValid(.string("ab")))
        #expect(v.isValid(.string("ễễễ")))  // 3 scalars in 9 bytes
        #expect(!v.isValid(.string("ễễễễ")))
        #expect(!v.isValid(.string("ễ")))  // 3 bytes, 1 scalar
        #expect(v.isValid(.string("e\u{301}")))  // 2 scalars, one character
        #expect(!v.isValid(.string("😀")))  // 4 bytes, 1 scalar
        #expect(v.isValid(.string("😀😀😀")))
    }

    @Test func memberNamesAreMatchedByTheirCodeUnits() throws {
        let v = try SchemaValidator(
            schema: CanonicalJSON.parse(
                #"{"type":"object","required":["é"],"properties":{"é":{"type":"integer"}},"additionalProperties":false}"#))
        #expect(v.isValid(.object([JSONMember("é", .number(1))])))
        // The same name decomposed is another name to JSON Schema: not the property, and not allowed.
        let errors = v.validate(.object([JSONMember("e\u{301}", .number(1))]), source: "x")
        #expect(errors.count == 2)
    }
}

@Suite struct DateCellFastPathTests {
    @Test func theByteWalkAgreesWithTheCharacterWalk() {
        let formats = ["dd/MM/yyyy", "d/M/yyyy", "yyyy-MM-dd", "dd.MM.yyyy", "MM/dd/yyyy", "d-M-yyyy", "yyyyMMdd", "dd MM yyyy"]
        var texts = [
            "15/03/2004", "5/3/2004", " 15/03/2004 ", "\t15/03/2004", "15/03/2004\t", "15/3/2004", "31/02/2004",
            "29/02/2004", "29/02/1900", "01/01/1799", "2004-03-15", "15.03.2004", "03/15/2004", "15/03/04",
            "15/03/20044", "1/1/2000", "", " ", "15 / 03 / 2004", "15/03/2004\n", "15/03/2004\r\n", "١٥/٠٣/٢٠٠٤",
            "15/03/２004", "15/03/2004\u{A0}", "\u{A0}15/03/2004", "20040315", "15 03 2004", "32/01/2004",
            "00/01/2004", "15/13/2004", "15/00/2004", "1/12/2200", "1/12/2201", "15-3-2004",
        ]
        var g = SeededGenerator(seed: 42)
        let alphabet = Array("0123456789//-. \t12")
        for _ in 0..<4000 {
            let x = g.next()
            let n = Int(x % 13)
            texts.append(String((0..<n).map { i in alphabet[Int((x >> UInt64(i * 4)) % UInt64(alphabet.count))] }))
        }
        for f in formats {
            for t in texts {
                let general = DateCell.parseCharacters(t, format: f)
                if let fast = DateCell.parseASCII(t, format: f) { #expect(fast == general, "\(t) as \(f)") }
                #expect(DateCell.parse(t, format: f) == general, "\(t) as \(f)")
            }
        }
    }

    @Test func isoDatesAreWrittenAsTheFormatterWrites() {
        for y in [1800, 1899, 1900, 1999, 2000, 2004, 2100, 2200] {
            for m in 1...12 {
                for d in [1, 9, 10, 28, 29, 30, 31] {
                    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
                    let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
                    #expect(DateCell.iso(y, m, d) == (d <= days ? String(format: "%04d-%02d-%02d", y, m, d) : nil))
                }
            }
        }
        #expect(DateCell.iso(1799, 1, 1) == nil && DateCell.iso(2201, 1, 1) == nil && DateCell.iso(2000, 0, 1) == nil)
    }
}

@Suite struct TrimmedTests {
    @Test func trimmedIsFoundationsTrimming() {
        let corpus =
            handPicked + generatedStrings(count: 3000, maxLength: 8, seed: 7)
            + ["\u{A0}a\u{A0}", " \u{3000}a", "a \u{2000}", "\t \t", "a\u{301} ", " \u{301}a", "\u{1680}"]
        for s in corpus {
            #expect(
                VietnameseText.trimmed(s) == s.trimmingCharacters(in: .whitespaces),
                "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(Array(VietnameseText.trimmed(s).unicodeScalars) == Array(s.trimmingCharacters(in: .whitespaces).unicodeScalars))
        }
    }
}

/// The CSV reader as it was, scalar by scalar: the byte reader must give the same tables and the same errors.
private enum ScalarCSV {
    static func parse(_ text: String, source: String) throws -> Table {
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        let separator = detectSeparator(chars)
        var records = [(Int, [String])]()
        var field = String.UnicodeScalarView()
        var fields = [String]()
        var line = 1
        var recordLine = 1
        var i = 0
        var quoted = false
        var fieldStarted = false
        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            fieldStarted = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            fields = []
        }
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" {
                        field.append("\"")
                        i += 2
                        continue
                    }
                    quoted = false
                    i += 1
                    if i < chars.count, chars[i] != separator, chars[i] != "\n", chars[i] != "\r" {
                        throw HosoError(.csvInvalid, .both("", "after quote"), location: "\(source):\(line)")
                    }
                    continue
                }
                if c == "\n" { line += 1 }
                field.append(c)
                i += 1
                continue
            }
            switch c {
            case "\"" where !fieldStarted && field.isEmpty:
                quoted = true
                fieldStarted = true
            case separator:
                endField()
            case "\r":
                if i + 1 < chars.count && chars[i + 1] == "\n" { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                if c == "\"" { throw HosoError(.csvInvalid, .both("", "quote inside"), location: "\(source):\(line)") }
                field.append(c)
                fieldStarted = true
            }
            i += 1
        }
        if quoted { throw HosoError(.csvInvalid, .both("", "unterminated"), location: "\(source):\(recordLine)") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        guard let first = records.first else { throw HosoError(.csvInvalid, .both("", "no header"), location: source) }
        return Table(
            source: source, header: first.1.map { $0.trimmingCharacters(in: .whitespaces) },
            rows: records.dropFirst().map { Table.Row(number: $0.0, cells: $0.1) })
    }

    static func detectSeparator(_ chars: [Unicode.Scalar]) -> Unicode.Scalar {
        var counts: [Unicode.Scalar: Int] = [",": 0, ";": 0, "\t": 0]
        var quoted = false
        for c in chars {
            if c == "\"" { quoted.toggle() }
            if !quoted && (c == "\n" || c == "\r") { break }
            if !quoted, counts[c] != nil { counts[c]! += 1 }
        }
        // Ties between ';' and tab went by dictionary order before; the generated texts avoid them.
        return counts.max { a, b in a.value < b.value || (a.value == b.value && a.key != ",") }?.key ?? ","
    }
}

@Suite struct CSVByteReaderTests {
    @Test func theByteReaderReadsAsTheScalarReaderDid() {
        let pieces = ["a", "Nguyễn", "Văn", "\"", "\"\"", ";", ",", "\r\n", "\n", "\r", " ", "\t", "x\"y", "1", "ễ", "😀", "\u{FEFF}"]
        var g = SeededGenerator(seed: 0x5EED)
        var texts = [
            "STT;Họ tên\r\n1;An\r\n", "\u{FEFF}a,b\n1,2\n", "a;b\n\"x;y\";\"q\"\"r\"\n", "a;b\n\"unterminated\n",
            "a;b\nx\"y;z\n", "a;b\n\"x\"y;z\n", "", "\n\n", " h1 ; h2 \n1;2", "a\tb\tc\n1\t2\t3\n", "a;b\n\"l1\nl2\";3\n4;5",
        ]
        for _ in 0..<3000 {
            var t = ""
            let x = g.next()
            let n = Int(x % 24)
            for i in 0..<n { t += pieces[Int(((x >> UInt64((i * 5) % 60)) &+ UInt64(i)) % UInt64(pieces.count))] }
            texts.append(t)
        }
        for t in texts {
            // A tie between ';' and tab for the most in the header line goes by dictionary order, in both readers:
            // skip those.
            var counts: [Unicode.Scalar: Int] = [",": 0, ";": 0, "\t": 0]
            var quoted = false
            for c in t.unicodeScalars {
                if c == "\"" { quoted.toggle() }
                if !quoted && (c == "\n" || c == "\r") { break }
                if !quoted, counts[c] != nil { counts[c]! += 1 }
            }
            if counts[";"] == counts["\t"] && counts[","]! < counts[";"]! { continue }
            let old = Result { try ScalarCSV.parse(t, source: "f") }
            let new = Result { try CSVReader.parse(t, source: "f") }
            switch (old, new) {
            case (.success(let a), .success(let b)):
                #expect(a == b, "\(t.debugDescription)")
            case (.failure(let a as HosoError), .failure(let b as HosoError)):
                #expect(a.code == b.code && a.location == b.location, "\(t.debugDescription)")
            default:
                Issue.record("one reader failed, the other did not: \(t.debugDescription)")
            }
            // Bytes in, through `read`, give the same.
            if case .success(let a) = old { #expect((try? CSVReader.read(bytes: Array(t.utf8), source: "f")) == a) }
        }
    }
}

@Suite struct CanonicalWriterTests {
    @Test func repeatedShapesAreWrittenAsAFreshWriterWouldWriteThem() throws {
        let a = JSONValue.object([JSONMember("b", .number(1)), JSONMember("a", .string("x")), JSONMember("é", .bool(true))])
        let b = JSONValue.object([JSONMember("é", .null), JSONMember("a", .number(-2)), JSONMember("b", .number(0.5))])
        let nfd = JSONValue.object([JSONMember("b", .number(1)), JSONMember("a", .string("x")), JSONMember("e\u{301}", .bool(true))])
        let all = JSONValue.array([a, b, nfd, a, nfd, b])
        let whole = try CanonicalJSON.serialize(all)
        let pieces = try [a, b, nfd, a, nfd, b].map { try CanonicalJSON.serialize($0) }
        #expect(whole == Array("[".utf8) + Array(pieces.joined(separator: Array(",".utf8))) + Array("]".utf8))
        #expect(String(decoding: pieces[0], as: UTF8.self) == #"{"a":"x","b":1,"é":true}"#)
        #expect(pieces[2] == pieces[0])  // the decomposed name is written in NFC
        // Without NFC the decomposed name stays, and sorts by its own code units.
        #expect(String(decoding: try CanonicalJSON.serialize(nfd, nfc: false), as: UTF8.self) == "{\"a\":\"x\",\"b\":1,\"e\u{301}\":true}")
        // A name equal to another once normalised is still refused, after a similar shape was remembered.
        let twice = JSONValue.object([JSONMember("b", .number(1)), JSONMember("é", .number(1)), JSONMember("e\u{301}", .number(2))])
        let shape = JSONValue.object([JSONMember("b", .number(1)), JSONMember("é", .number(1)), JSONMember("c", .number(2))])
        let error = #expect(throws: HosoError.self) { _ = try CanonicalJSON.serialize(.array([shape, twice])) }
        #expect(error?.code == .jsonDuplicateKey && error?.location == "/1/é")
    }

    @Test func integersAndEscapesAreWrittenExactly() throws {
        let values: [Double] = [
            0, -0.0, 1, -1, 9, 10, 99, 100, 123_456_789, -987_654_321_012_345, 999_999_999_999_999, 1e15, 1e21, 0.5, -1.5e-7,
        ]
        for d in values {
            #expect(
                String(decoding: try CanonicalJSON.serialize(.number(d)), as: UTF8.self)
                    == (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : CanonicalJSON.formatNumber(d)))
        }
        let s = "a\"b\\c\u{8}\u{C}\n\r\t\u{1}\u{1F}\u{7F}é/"
        #expect(
            String(decoding: try CanonicalJSON.serialize(.string(s)), as: UTF8.self)
                == "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\u{7F}é/\"")
    }
}

@Suite struct DetectionCacheTests {
    @Test func aSharedCacheGivesTheSameVerdicts() {
        let columns: [[String]] = [
            ["NguyÔn V¨n An", "TrÇn ThÞ BÝch Ngäc", "Lª ThÞ Thuû", "Hµ Néi"],
            ["Nguyeãn Vaên An", "Traàn Thò Bích Ngoïc", "Leâ Thò Thuyû"],
            ["Lê Hà", "Võ Tú", "Hà Tây", "Tô Hoài"],
            ["Nguyễn Văn An", "Trần Thị Bích Ngọc"],
            ["1", "2", "12/05/1998", "Nguyen Van An"],
            ["NguyÔn V¨n An", "Nguyễn Văn An", "Nguyễn Văn Anh"],
        ]
        var cache = Detection.Cache()
        for c in columns + columns.reversed() {
            #expect(LegacyText.detect(c, cache: &cache) == LegacyText.detect(c))
        }
        #expect(!cache.words.isEmpty)
    }
}

@Suite struct SmallFastPathTests {
    @Test func theRowLoopsFieldsAreTheMappingsFields() {
        #expect(LedgerImporter.Field.allCases.map(\.name) == LedgerMapping.fields)
    }

    @Test func theQuickLetterTestIsUnicodes() {
        for v in UInt32(0x80)...0x2FFF {
            guard let u = Unicode.Scalar(v) else { continue }
            #expect(Detection.isLetter(u) == u.properties.isAlphabetic, "U+\(String(v, radix: 16))")
        }
    }

    @Test func windows1252BytesAreTheTablesBytes() {
        for v in UInt32(0)...0x3000 {
            guard let u = Unicode.Scalar(v) else { continue }
            let expected: UInt8? = v <= 0xFF ? UInt8(v) : Windows1252.c1Range.firstIndex(of: v).map { UInt8(0x80 + $0) }
            #expect(Windows1252.byte(u) == expected, "U+\(String(v, radix: 16))")
        }
    }
}

@Suite struct TextScanTests {
    /// The scalar-by-scalar form of `isSurelyNFC`, which the byte scan replaces.
    static func surelyNFCByScalars(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { $0.value < 0x300 || (0x1EA0...0x1EF9).contains($0.value) }
    }

    @Test func theByteScanForNFCAgreesWithTheScalarScan() {
        var corpus = handPicked + generatedStrings(count: 2000, maxLength: 10, seed: 99)
        for v in UInt32(0)...0x3100 {
            guard let u = Unicode.Scalar(v) else { continue }
            corpus.append("a" + String(u) + "b")
        }
        corpus += ["\u{1E9F}", "\u{1EA0}", "\u{1EF9}", "\u{1EFA}", "\u{10000}", "ễ\u{300}", "Nguyễn"]
        for s in corpus {
            #expect(VietnameseText.isSurelyNFC(s) == Self.surelyNFCByScalars(s), "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func theScalarsACellTakesForLettersAreNotWhiteSpace() {
        for v in UInt32(0xA1)...0x36F {
            #expect(!Unicode.Scalar(v)!.properties.isWhitespace)
        }
        for v in UInt32(0x1EA0)...0x1EF9 {
            #expect(!Unicode.Scalar(v)!.properties.isWhitespace)
        }
        #expect(LedgerImporter.clean("  Nguyễn\u{A0}Văn\u{2003}An ") == "Nguyễn Văn An")
        #expect(LedgerImporter.clean("Lê\u{3000}") == "Lê")
        #expect(LedgerImporter.clean(" \u{A0} ") == nil)
    }
}
