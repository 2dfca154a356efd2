import Foundation
import HosoCore
import HosoPrimitives

/// A JSON value as RFC 8259 defines it, with I-JSON's limits (RFC 7493): numbers are IEEE 754 doubles,
/// strings are valid Unicode, object member names are unique.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Members in the order read; `CanonicalJSON` sorts them when writing.
    case object([JSONMember])

    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}

public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }

    /// Keys are equal only if their code units are: Swift's `==` on strings would call "é" and "e\u{301}" equal.
    public static func == (a: JSONMember, b: JSONMember) -> Bool {
        a.key.utf8.elementsEqual(b.key.utf8) && a.value == b.value
    }
}

extension HosoError.Code {
    public static let jsonInvalid = Self("JSON_INVALID", .badInput)
    public static let jsonDuplicateKey = Self("JSON_DUPLICATE_KEY", .badInput)
    public static let jsonNumberOutOfRange = Self("JSON_NUMBER_OUT_OF_RANGE", .badInput)
}

/// hoso's canonical form of a record: RFC 8785 (JCS) over text normalised to Unicode NFC.
/// A revision's object id is the SHA-256 of these bytes, and signatures cover exactly them, so the same
/// record must give the same bytes whatever key order, whitespace, number spelling or Unicode form it came in.
public enum CanonicalJSON {
    /// Deepest nesting accepted: records are shallow; a deeper document is hostile or broken.
    public static let maxDepth = 128
    /// The largest document parsed. Parsed values take several times their text in memory; the largest record
    /// (a ledger of thousands of entries) is a few MiB.
    public static let maxBytes = 64 << 20

    /// Parses strict JSON (RFC 8259): no comments, no trailing commas, no duplicate member names,
    /// no lone surrogates, no bytes after the value. Errors name the byte offset, line and column.
    public static func parse(_ bytes: [UInt8], source: String = "<json>") throws -> JSONValue {
        guard bytes.count <= maxBytes else {
            throw HosoError(
                .jsonInvalid,
                .both("Tài liệu JSON lớn hơn \(maxBytes >> 20) MiB", "The JSON document is larger than \(maxBytes >> 20) MiB"),
                location: source, cause: "\(bytes.count) bytes")
        }
        var p = Parser(bytes: bytes, source: source)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.pos != bytes.count { throw p.error("dữ liệu thừa sau giá trị JSON", "unexpected data after the JSON value") }
        return v
    }

    public static func parse(_ text: String, source: String = "<json>") throws -> JSONValue {
        try parse(Array(text.utf8), source: source)
    }

    /// The canonical bytes of a value. With `nfc` (hoso's form) every string and member name is first
    /// normalised to NFC; without it the output is plain RFC 8785.
    public static func serialize(_ value: JSONValue, nfc: Bool = true) throws -> [UInt8] {
        var w = Writer(nfc: nfc)
        w.out.reserveCapacity(1024)
        try w.write(value)
        return w.out
    }

    /// Parse, then serialize canonically.
    public static func canonicalize(_ bytes: [UInt8], nfc: Bool = true, source: String = "<json>") throws -> [UInt8] {
        try serialize(try parse(bytes, source: source), nfc: nfc)
    }

    // MARK: - Writing

    private struct Writer {
        let nfc: Bool
        var out = [UInt8]()
        /// Where the writer is, kept as segments and rendered only for an error: building a pointer string for
        /// every member was a large share of the time on big ledgers.
        var path = [Segment]()
        /// Member name lists already sorted, with their order: the thousands of entries of a ledger share a
        /// handful of shapes, and sorting their names again each time was most of the writing.
        var shapes = [(names: [String], order: [Int])]()

        enum Segment {
            case index(Int)
            case name(String)
        }

        init(nfc: Bool) { self.nfc = nfc }

        func pointer() -> String {
            path.isEmpty
                ? "/"
                : path.map { s -> String in
                    switch s {
                    case .index(let i): return "/" + String(i)
                    case .name(let n): return "/" + pointerEscape(n)
                    }
                }.joined()
        }

        mutating func write(_ v: JSONValue) throws {
            switch v {
            case .null: out.append(contentsOf: "null".utf8)
            case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
            case .number(let d):
                guard d.isFinite else {
                    throw HosoError(
                        .jsonNumberOutOfRange, .both("Số không hữu hạn không có trong JSON", "Non-finite numbers do not exist in JSON"),
                        location: pointer())
                }
                if d == d.rounded(), abs(d) < 1e15 {
                    writeInteger(Int64(d))  // integers: the common case, and exactly what formatNumber gives
                } else {
                    out.append(contentsOf: formatNumber(d).utf8)
                }
            case .string(let s): writeString(nfc ? VietnameseText.nfc(s) : s, into: &out)
            case .array(let items):
                out.append(UInt8(ascii: "["))
                for (i, item) in items.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    path.append(.index(i))
                    try write(item)
                    path.removeLast()
                }
                out.append(UInt8(ascii: "]"))
            case .object(let members):
                let (names, order) = try sortedNames(members)
                out.append(UInt8(ascii: "{"))
                for (n, i) in order.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    writeString(names[i], into: &out)
                    out.append(UInt8(ascii: ":"))
                    path.append(.name(names[i]))
                    try write(members[i].value)
                    path.removeLast()
                }
                out.append(UInt8(ascii: "}"))
            }
        }

        /// The member names (NFC when asked) and the order to write them in: RFC 8785 §3.2.3 sorts by the UTF-16
        /// code units of the names. Two names equal once normalised are an error.
        mutating func sortedNames(_ members: [JSONMember]) throws -> (names: [String], order: [Int]) {
            // A shape seen before: the same names, byte for byte, in the same order.
            for shape in shapes where shape.names.count == members.count {
                var same = true
                for (a, m) in zip(shape.names, members) where !UTF8Bytes.equal(a, m.key) {
                    same = false
                    break
                }
                if same { return shape }
            }
            let names = members.map { nfc ? VietnameseText.nfc($0.key) : $0.key }
            let units = names.map { Array($0.utf16) }
            let order = units.indices.sorted { units[$0].lexicographicallyPrecedes(units[$1]) }
            for k in order.indices.dropFirst() where units[order[k]] == units[order[k - 1]] {
                path.append(.name(names[order[k]]))
                throw HosoError(
                    .jsonDuplicateKey,
                    .both(
                        "Hai tên thuộc tính trùng nhau sau khi chuẩn hoá Unicode (NFC)",
                        "Two member names are the same once normalised to Unicode NFC"),
                    location: pointer())
            }
            // Only names that NFC leaves alone make a reusable shape (the cache compares the names as given).
            if shapes.count < 16, zip(names, members).allSatisfy({ UTF8Bytes.equal($0, $1.key) }) {
                shapes.append((names, order))
            }
            return (names, order)
        }

        mutating func writeInteger(_ v: Int64) {
            if v == 0 {
                out.append(0x30)
                return
            }
            var digits:
                (
                    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
                ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var n = v.magnitude  // |v| < 1e15: at most 15 digits
            var count = 0
            withUnsafeMutableBytes(of: &digits) { buf in
                while n > 0 {
                    buf[15 - count] = UInt8(0x30 + n % 10)
                    n /= 10
                    count += 1
                }
                if v < 0 { out.append(UInt8(ascii: "-")) }
                out.append(contentsOf: buf[(16 - count)...])
            }
        }
    }

    /// RFC 6901 escaping of one reference token.
    static func pointerEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// RFC 8785 §3.2.2.2: only '"', '\\' and control characters are escaped; the short forms where JSON has them.
    static func writeString(_ s: String, into out: inout [UInt8]) { JSONString.append(s, to: &out) }

    /// ECMAScript's Number::toString for a finite double (RFC 8785 §3.2.2.3). Swift's `description` already
    /// yields the shortest digits that round-trip, closest to the value; only the layout differs.
    public static func formatNumber(_ d: Double) -> String {
        if d == 0 { return "0" }  // also -0
        if d < 0 { return "-" + formatNumber(-d) }
        // Split Swift's text into significant digits and the decimal exponent.
        let text = d.description
        var mantissa = Substring(text)
        var exp10 = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exp10 = Int(text[text.index(after: e)...])!
        }
        var digits = ""
        var pointAt = 0  // digits before the decimal point, in `mantissa`
        var seenPoint = false
        for c in mantissa {
            if c == "." {
                seenPoint = true
                continue
            }
            digits.append(c)
            if !seenPoint { pointAt += 1 }
        }
        // Drop leading zeros (moving the point) and trailing zeros.
        while digits.first == "0" && digits.count > 1 {
            digits.removeFirst()
            pointAt -= 1
        }
        while digits.last == "0" && digits.count > 1 { digits.removeLast() }
        let k = digits.count
        let n = pointAt + exp10  // value = 0.d1d2…dk × 10^n
        let ds = Array(digits)
        if k <= n && n <= 21 {
            return digits + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            return String(ds[0..<n]) + "." + String(ds[n...])
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + digits
        }
        let e = n - 1
        let sign = e < 0 ? "-" : "+"
        let head = k == 1 ? digits : String(ds[0]) + "." + String(ds[1...])
        return head + "e" + sign + String(abs(e))
    }
}

/// A strict, bounded JSON reader over UTF-8 bytes.
private struct Parser {
    let bytes: [UInt8]
    let source: String
    var pos = 0

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    func error(_ vi: String, _ en: String) -> HosoError {
        var line = 1
        var col = 1
        for b in bytes[0..<min(pos, bytes.count)] {
            if b == 0x0A {
                line += 1
                col = 1
            } else if b & 0xC0 != 0x80 {
                col += 1
            }
        }
        return HosoError(
            .jsonInvalid, .both("JSON không hợp lệ: " + vi, "Invalid JSON: " + en),
            location: "\(source):\(line):\(col)", cause: "byte \(pos)")
    }

    mutating func skipSpace() {
        while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth <= CanonicalJSON.maxDepth else { throw error("lồng quá sâu", "nested too deeply") }
        guard pos < bytes.count else { throw error("hết dữ liệu", "unexpected end of input") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("ký tự không mong đợi", "unexpected character")
        }
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<(pos + w.count)]) == w else {
            throw error("từ khoá không hợp lệ", "invalid literal")
        }
        pos += w.count
    }

    mutating func object(depth: Int) throws -> JSONValue {
        pos += 1
        var members = [JSONMember]()
        var seen = Set<[UInt8]>()
        skipSpace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw error("cần tên thuộc tính", "expected a member name") }
            let keyStart = pos
            let key = try string()
            guard seen.insert(Array(key.utf8)).inserted else {
                pos = keyStart
                throw HosoError(
                    .jsonDuplicateKey, .both("Tên thuộc tính bị lặp", "Duplicate member name"),
                    location: error("", "").location, cause: key)
            }
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw error("cần dấu ':'", "expected ':'") }
            pos += 1
            skipSpace()
            members.append(JSONMember(key, try value(depth: depth + 1)))
            skipSpace()
            guard pos < bytes.count else { throw error("hết dữ liệu trong đối tượng", "unexpected end inside an object") }
            if bytes[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            if bytes[pos] == UInt8(ascii: "}") {
                pos += 1
                return .object(members)
            }
            throw error("cần ',' hoặc '}'", "expected ',' or '}'")
        }
    }

    mutating func array(depth: Int) throws -> JSONValue {
        pos += 1
        var items = [JSONValue]()
        skipSpace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard pos < bytes.count else { throw error("hết dữ liệu trong mảng", "unexpected end inside an array") }
            if bytes[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            if bytes[pos] == UInt8(ascii: "]") {
                pos += 1
                return .array(items)
            }
            throw error("cần ',' hoặc ']'", "expected ',' or ']'")
        }
    }

    mutating func number() throws -> Double {
        let start = pos
        func digits() -> Int {
            let s = pos
            while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1 }
            return pos - s
        }
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < bytes.count else { throw error("số không hợp lệ", "invalid number") }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
        } else if digits() == 0 {
            throw error("số không hợp lệ", "invalid number")
        }
        if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            if digits() == 0 { throw error("cần chữ số sau dấu chấm", "expected digits after the decimal point") }
        }
        if pos < bytes.count && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
            pos += 1
            if pos < bytes.count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) { pos += 1 }
            if digits() == 0 { throw error("cần chữ số mũ", "expected exponent digits") }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        // strtod rounds correctly to the nearest double, as I-JSON requires.
        guard let d = Double(text), d.isFinite else {
            pos = start
            throw HosoError(
                .jsonNumberOutOfRange, .both("Số vượt quá phạm vi số thực 64 bit", "Number outside the 64-bit floating point range"),
                location: error("", "").location, cause: text)
        }
        return d
    }

    mutating func hex4() throws -> UInt16 {
        guard pos + 4 <= bytes.count else { throw error("mã \\u không đủ 4 chữ số", "\\u escape needs 4 hex digits") }
        var v: UInt16 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt16
            switch c {
            case 0x30...0x39: d = UInt16(c - 0x30)
            case 0x41...0x46: d = UInt16(c - 0x41 + 10)
            case 0x61...0x66: d = UInt16(c - 0x61 + 10)
            default: throw error("chữ số thập lục phân không hợp lệ", "invalid hex digit")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    mutating func string() throws -> String {
        pos += 1  // opening quote
        var out = [UInt8]()
        var runStart = pos
        while true {
            guard pos < bytes.count else { throw error("chuỗi chưa đóng", "unterminated string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                out += bytes[runStart..<pos]
                pos += 1
                break
            }
            if b < 0x20 { throw error("ký tự điều khiển chưa thoát trong chuỗi", "unescaped control character in a string") }
            if b == UInt8(ascii: "\\") {
                out += bytes[runStart..<pos]
                pos += 1
                guard pos < bytes.count else { throw error("chuỗi chưa đóng", "unterminated string") }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    let u = try hex4()
                    var scalar: UInt32
                    if (0xD800...0xDBFF).contains(u) {
                        guard pos + 6 <= bytes.count, bytes[pos] == 0x5C, bytes[pos + 1] == UInt8(ascii: "u") else {
                            throw error("nửa cặp thay thế (surrogate) đứng một mình", "lone surrogate")
                        }
                        pos += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw error("nửa cặp thay thế (surrogate) đứng một mình", "lone surrogate")
                        }
                        scalar = 0x10000 + (UInt32(u - 0xD800) << 10) + UInt32(low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(u) {
                        throw error("nửa cặp thay thế (surrogate) đứng một mình", "lone surrogate")
                    } else {
                        scalar = UInt32(u)
                    }
                    out += Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
                default:
                    throw error("chuỗi thoát không hợp lệ", "invalid escape sequence")
                }
                runStart = pos
                continue
            }
            pos += 1
        }
        // Invalid UTF-8 is refused rather than repaired: a repaired record would not be the one signed.
        guard let s = String(validating: out, as: UTF8.self) else { throw error("UTF-8 không hợp lệ", "invalid UTF-8") }
        return s
    }
}
