import Foundation
import HosoCore
import HosoRecords
import HosoTestSupport
import Testing

@Suite struct CanonicalJSONTests {
    func canon(_ s: String, nfc: Bool = true) throws -> String {
        String(decoding: try CanonicalJSON.canonicalize(Array(s.utf8), nfc: nfc), as: UTF8.self)
    }

    // RFC 8785 §3.2.2: the example document and its canonical form.
    @Test func rfc8785PrimitiveExample() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected =
            #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try canon(input, nfc: false) == expected)
        #expect(try canon(input) == expected)  // nothing here changes under NFC
    }

    // RFC 8785 §3.2.3: member names sorted by UTF-16 code units (so the emoji's surrogates sort before U+FB33).
    @Test func rfc8785SortingExample() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected =
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try canon(input, nfc: false) == expected)
    }

    // RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript serialisation (checked against node).
    @Test(arguments: [
        ("0000000000000000", "0"), ("8000000000000000", "0"), ("0000000000000001", "5e-324"),
        ("8000000000000001", "-5e-324"), ("7fefffffffffffff", "1.7976931348623157e+308"),
        ("ffefffffffffffff", "-1.7976931348623157e+308"), ("4340000000000000", "9007199254740992"),
        ("c340000000000000", "-9007199254740992"), ("4430000000000000", "295147905179352830000"),
        ("44b52d02c7e14af5", "9.999999999999997e+22"), ("44b52d02c7e14af6", "1e+23"),
        ("44b52d02c7e14af7", "1.0000000000000001e+23"), ("444b1ae4d6e2ef4e", "999999999999999700000"),
        ("444b1ae4d6e2ef4f", "999999999999999900000"), ("444b1ae4d6e2ef50", "1e+21"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"), ("3eb0c6f7a0b5ed8d", "0.000001"),
        ("41b3de4355555553", "333333333.3333332"), ("41b3de4355555554", "333333333.33333325"),
        ("41b3de4355555555", "333333333.3333333"), ("41b3de4355555556", "333333333.3333334"),
        ("41b3de4355555557", "333333333.33333343"), ("becbf647612f3696", "-0.0000033333333333333333"),
        ("43143ff3c1cb0959", "1424953923781206.2"),
    ])
    func rfc8785Numbers(_ hex: String, _ expected: String) throws {
        let d = Double(bitPattern: try #require(UInt64(hex, radix: 16)))
        #expect(CanonicalJSON.formatNumber(d) == expected)
    }

    @Test func nonFiniteNumbersAreRefused() {
        #expect(throws: HosoError.self) { try CanonicalJSON.serialize(.number(.nan)) }
        #expect(throws: HosoError.self) { try CanonicalJSON.serialize(.number(.infinity)) }
        #expect(throws: HosoError.self) { try CanonicalJSON.parse("1e400") }
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", ".5", "-", "1e", "+1", "NaN", "tru", "[1 2]",
        "\"\\x\"", "\"\u{01}\"", "\"abc", "\"\\ud800\"", "\"\\udc00\"", "{\"a\":1} x", "// c\n1",
        "{\"a\":1,\"a\":2}",
    ])
    func invalidJSONIsRefusedWithAPlace(_ text: String) {
        let e = #expect(throws: HosoError.self) { try CanonicalJSON.parse(text, source: "ledger.json") }
        #expect(e?.location?.hasPrefix("ledger.json:") == true)
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: HosoError.self) { try CanonicalJSON.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: HosoError.self) { try CanonicalJSON.parse(deep) }
    }

    @Test func namesEqualOnlyAfterNFCAreAConflict() throws {
        // Distinct code points, so the parser accepts them; once NFC-normalised they collide.
        let input = "{\"tên\":1,\"te\u{0302}n\":2}"
        #expect(try canon(input, nfc: false).count > 0)
        let e = #expect(throws: HosoError.self) { try canon(input) }
        #expect(e?.code == .jsonDuplicateKey)
    }

    @Test func errorPlaceCountsLinesAndColumns() {
        let e = #expect(throws: HosoError.self) { try CanonicalJSON.parse("{\n  \"a\": tru\n}", source: "f.json") }
        #expect(e?.location == "f.json:2:8")
    }
}

/// Property tests: the same record written many ways has one canonical form.
@Suite struct CanonicalFormPropertyTests {
    /// A small deterministic generator, so a failure reproduces.
    typealias Rng = SeededGenerator

    static let names = ["Nguyễn Văn An", "Trần Thị Bích Ngọc", "Đặng Hữu Phước", "Lê Thị Thuỷ", "Phạm Quỳnh Anh"]

    /// A random record-like value.
    static func value(_ r: inout Rng, depth: Int = 0) -> JSONValue {
        switch depth > 2 ? r.int(4) : r.int(6) {
        case 0: return .number(Double(r.int(2001) - 1000) / 10)
        case 1: return .string(names[r.int(names.count)])
        case 2: return .bool(r.int(2) == 0)
        case 3: return .null
        case 4: return .array((0..<r.int(4)).map { _ in value(&r, depth: depth + 1) })
        default:
            var seen = Set<String>()
            var members = [JSONMember]()
            for _ in 0..<r.int(5) {
                let k = ["họ_tên", "ngày_sinh", "điểm", "a", "b", "Z", "số_hiệu", "ghi_chú"][r.int(8)]
                if seen.insert(k).inserted { members.append(JSONMember(k, value(&r, depth: depth + 1))) }
            }
            return .object(members)
        }
    }

    /// Writes a value in a random but equivalent spelling: shuffled members, random whitespace,
    /// numbers spelled differently, strings decomposed (NFD) or with needless escapes.
    static func spell(_ v: JSONValue, _ r: inout Rng) -> String {
        let ws = ["", " ", "\n", "\t", "  \r\n"]
        func sp() -> String { ws[r.int(ws.count)] }
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d):
            let tenths = Int((d * 10).rounded())
            switch r.int(4) {
            case 0: return "\(Double(tenths) / 10)"
            case 1: return "\(tenths)e-1"
            case 2: return tenths % 10 == 0 ? "\(tenths / 10).000" : "\(Double(tenths) / 10)0"
            default: return "\(Double(tenths) / 100)E1"
            }
        case .string(let s):
            let form = r.int(3) == 0 ? s.decomposedStringWithCanonicalMapping : s
            var out = "\""
            for u in form.unicodeScalars {
                if r.int(5) == 0 && u.value < 0x10000 {
                    out += String(format: "\\u%04X", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
            return out + "\""
        case .array(let items):
            return "[" + sp() + items.map { spell($0, &r) }.joined(separator: sp() + "," + sp()) + sp() + "]"
        case .object(let members):
            var shuffled = members
            for i in shuffled.indices.reversed() where i > 0 { shuffled.swapAt(i, r.int(i + 1)) }
            let parts = shuffled.map { m in spell(.string(m.key), &r) + sp() + ":" + sp() + spell(m.value, &r) }
            return "{" + sp() + parts.joined(separator: "," + sp()) + sp() + "}"
        }
    }

    @Test func everySpellingHasTheSameCanonicalBytes() throws {
        var r = Rng(seed: 0x5EED_1234_ABCD_0001)
        for _ in 0..<300 {
            let v = Self.value(&r)
            let reference = try CanonicalJSON.serialize(v)
            for _ in 0..<5 {
                let text = Self.spell(v, &r)
                let bytes = try CanonicalJSON.canonicalize(Array(text.utf8))
                #expect(bytes == reference, "\(text)")
            }
            // Canonical bytes are a fixed point, and always NFC.
            #expect(try CanonicalJSON.canonicalize(reference) == reference)
            let s = String(decoding: reference, as: UTF8.self)
            #expect(Array(s.utf8) == Array(s.precomposedStringWithCanonicalMapping.utf8))
        }
    }

    @Test func numbersRoundTripThroughTheirCanonicalText() throws {
        var r = Rng(seed: 42)
        for _ in 0..<20_000 {
            let d = Double(bitPattern: r.next())
            guard d.isFinite else { continue }
            let text = CanonicalJSON.formatNumber(d)
            #expect(Double(text) == d || (d == 0 && text == "0"), "\(d) → \(text)")
        }
    }
}

@Suite struct JSONValueAccessTests {
    @Test func integersOnlyWhenExactAndInRange() {
        #expect(JSONValue.number(42).integerValue == 42)
        #expect(JSONValue.number(-7).integerValue == -7)
        #expect(JSONValue.number(2.5).integerValue == nil)
        #expect(JSONValue.string("42").integerValue == nil)
        // Int(1e300) traps: a hostile ledger number must read as "not an integer", not end the process.
        #expect(JSONValue.number(1e300).integerValue == nil)
        #expect(JSONValue.number(-1e300).integerValue == nil)
        #expect(JSONValue.number(9_007_199_254_740_992).integerValue == 9_007_199_254_740_992)
    }

    @Test func stringsOnlyFromStrings() {
        #expect(JSONValue.string("Nguyễn").stringValue == "Nguyễn")
        #expect(JSONValue.number(1).stringValue == nil)
        #expect(JSONValue.null.stringValue == nil)
    }
}

@Suite struct CanonicalJSONBudgetTests {
    /// A document over the size budget is refused before parsing (a value takes several times its text in memory).
    @Test func documentsOverTheSizeBudgetAreRefused() throws {
        var big = [UInt8](repeating: UInt8(ascii: " "), count: CanonicalJSON.maxBytes + 1)
        big[0] = UInt8(ascii: "0")
        do {
            _ = try CanonicalJSON.parse(big, source: "big.json")
            Issue.record("accepted")
        } catch let e as HosoError {
            #expect(e.code == .jsonInvalid && e.location == "big.json" && e.text(.en).contains("larger than"), "\(e)")
        }
        // The same value, small, parses (parsing 64 MiB of spaces in a debug build would take a minute).
        #expect(try CanonicalJSON.parse(Array(big.prefix(1000)), source: "ok.json") == .number(0))
    }

    @Test func nestingOverTheDepthBudgetIsRefused() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(throws: HosoError.self) { _ = try CanonicalJSON.parse(deep) }
    }
}
