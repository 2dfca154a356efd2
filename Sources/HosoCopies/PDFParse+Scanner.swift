import Foundation
import HosoCore

struct PDFScanner {
    let b: [UInt8]
    var pos: Int
    static let maxDepth = 32
    static let maxContainerEntries = 100_000

    init(_ bytes: [UInt8], at pos: Int) {
        b = bytes
        // Every read checks `pos < b.count`; an offset before the start would slip past that, so it reads as the end.
        self.pos = pos >= 0 ? pos : bytes.count
    }

    static func isWhite(_ c: UInt8) -> Bool { c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32 }
    static func isDelimiter(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "/"), UInt8(ascii: "%"):
            return true
        default: return false
        }
    }
    static func isRegular(_ c: UInt8) -> Bool { !isWhite(c) && !isDelimiter(c) }

    func malformed(_ what: String, at p: Int? = nil) -> HosoError {
        HosoError(.pdfMalformed, .both("Tệp PDF hỏng: \(what)", "Malformed PDF: \(what)"), location: "byte \(p ?? pos)")
    }

    var atEnd: Bool { pos >= b.count }
    var peek: UInt8? { pos < b.count ? b[pos] : nil }

    mutating func skipSpace() {
        while pos < b.count {
            let c = b[pos]
            if Self.isWhite(c) {
                pos += 1
            } else if c == UInt8(ascii: "%") {
                while pos < b.count, b[pos] != 10, b[pos] != 13 { pos += 1 }
            } else {
                break
            }
        }
    }

    /// A run of regular characters (a keyword or a number), or nil at a delimiter or the end.
    mutating func token() -> ArraySlice<UInt8>? {
        skipSpace()
        let start = pos
        while pos < b.count, Self.isRegular(b[pos]) { pos += 1 }
        return pos > start ? b[start..<pos] : nil
    }

    mutating func expectKeyword(_ k: String) throws {
        let at = pos
        guard let t = token(), t.elementsEqual(k.utf8) else { throw malformed("expected \"\(k)\"", at: at) }
    }

    /// A non-negative integer of at most 18 digits (so it cannot overflow). Digits are summed directly: a
    /// cross-reference table is three of these per object, and going through String made big tables slow.
    mutating func unsignedInt() throws -> Int {
        let at = pos
        guard let t = token(), t.count <= 18 else { throw malformed("expected a number", at: at) }
        var v = 0
        for c in t {
            guard c >= 0x30, c <= 0x39 else { throw malformed("expected a number", at: at) }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    mutating func value(depth: Int = 0) throws -> PDFObject {
        guard depth <= Self.maxDepth else { throw malformed("objects nested more than \(Self.maxDepth) deep") }
        skipSpace()
        guard let c = peek else { throw malformed("unexpected end of file") }
        switch c {
        case UInt8(ascii: "/"):
            pos += 1
            return .name(try nameBody())
        case UInt8(ascii: "("):
            return .string(try literalString())
        case UInt8(ascii: "<"):
            if pos + 1 < b.count, b[pos + 1] == UInt8(ascii: "<") {
                return .dict(try dictionary(depth: depth))
            }
            return .string(try hexString())
        case UInt8(ascii: "["):
            pos += 1
            var items = [PDFObject]()
            while true {
                skipSpace()
                guard let d = peek else { throw malformed("unterminated array") }
                if d == UInt8(ascii: "]") {
                    pos += 1
                    return .array(items)
                }
                guard items.count < Self.maxContainerEntries else { throw malformed("array too long") }
                items.append(try value(depth: depth + 1))
            }
        default:
            return try keywordOrNumber()
        }
    }

    private mutating func nameBody() throws -> String {
        var out = [UInt8]()
        while pos < b.count, Self.isRegular(b[pos]) {
            if b[pos] == UInt8(ascii: "#") {
                guard pos + 2 < b.count, let h = Self.hexValue(b[pos + 1]), let l = Self.hexValue(b[pos + 2]) else {
                    throw malformed("bad #xx escape in a name")
                }
                out.append(h << 4 | l)
                pos += 3
            } else {
                out.append(b[pos])
                pos += 1
            }
            guard out.count <= 127 * 4 else { throw malformed("name too long") }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    private mutating func literalString() throws -> [UInt8] {
        let start = pos
        pos += 1
        var out = [UInt8]()
        var nesting = 1
        while pos < b.count {
            let c = b[pos]
            pos += 1
            switch c {
            case UInt8(ascii: "("):
                nesting += 1
                out.append(c)
            case UInt8(ascii: ")"):
                nesting -= 1
                if nesting == 0 { return out }
                out.append(c)
            case UInt8(ascii: "\\"):
                guard pos < b.count else { break }
                let e = b[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case 13:
                    if pos < b.count, b[pos] == 10 { pos += 1 }
                case 10: break
                case 0x30...0x37:
                    var v = Int(e - 0x30)
                    for _ in 0..<2 {
                        guard pos < b.count, (0x30...0x37).contains(b[pos]) else { break }
                        v = v * 8 + Int(b[pos] - 0x30)
                        pos += 1
                    }
                    out.append(UInt8(v & 0xFF))
                default: out.append(e)
                }
            default:
                out.append(c)
            }
        }
        throw malformed("unterminated string", at: start)
    }

    /// Hex digit values; 0xFE for white space, 0xFF for anything else.
    private static let hexTable: [UInt8] = (0...255).map { c in
        isWhite(UInt8(c)) ? 0xFE : hexValue(UInt8(c)) ?? 0xFF
    }

    /// A hex string; /Contents holds tens of kilobytes of them, so this loop works on raw buffers.
    private mutating func hexString() throws -> [UInt8] {
        let start = pos
        let table = Self.hexTable
        var bad: Int?
        var close: Int?
        let out: [UInt8] = b.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress,
                let hit = memchr(base + start + 1, Int32(UInt8(ascii: ">")), buf.count - start - 1)
            else { return [] }
            let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            close = end
            return table.withUnsafeBufferPointer { t in
                [UInt8](unsafeUninitializedCapacity: (end - start) / 2 + 1) { out, count in
                    var n = 0
                    var high: UInt8 = 0
                    var haveHigh = false
                    for i in (start + 1)..<end {
                        let v = t[Int(base[i])]
                        if v == 0xFE { continue }
                        if v == 0xFF {
                            bad = i
                            break
                        }
                        if haveHigh {
                            out[n] = high << 4 | v
                            n += 1
                        } else {
                            high = v
                        }
                        haveHigh.toggle()
                    }
                    if haveHigh, bad == nil {
                        out[n] = high << 4
                        n += 1
                    }
                    count = n
                }
            }
        }
        guard let close else { throw malformed("unterminated hex string", at: start) }
        if let bad { throw malformed("bad character in a hex string", at: bad) }
        pos = close + 1
        return out
    }

    private mutating func dictionary(depth: Int) throws -> PDFDict {
        pos += 2
        var d = PDFDict()
        while true {
            skipSpace()
            guard let c = peek else { throw malformed("unterminated dictionary") }
            if c == UInt8(ascii: ">") {
                guard pos + 1 < b.count, b[pos + 1] == UInt8(ascii: ">") else { throw malformed("expected \">>\"") }
                pos += 2
                return d
            }
            guard c == UInt8(ascii: "/") else { throw malformed("a dictionary key must be a name") }
            let keyAt = pos
            pos += 1
            let key = try nameBody()
            guard d[key] == nil else { throw malformed("duplicate key /\(key)", at: keyAt) }
            guard d.count < Self.maxContainerEntries else { throw malformed("dictionary too large") }
            skipSpace()
            let start = pos
            let v = try value(depth: depth + 1)
            d[key] = v
            d.spans[key] = start..<pos
        }
    }

    private mutating func keywordOrNumber() throws -> PDFObject {
        let at = pos
        guard let t = token() else { throw malformed("unexpected character \(String(format: "0x%02X", b[pos]))") }
        switch String(decoding: t, as: UTF8.self) {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default: break
        }
        let text = String(decoding: t, as: UTF8.self)
        let body = text.hasPrefix("+") || text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !body.isEmpty, body.count <= 40, body.allSatisfy({ $0 == "." || ($0.isASCII && $0.isNumber) }),
            body.filter({ $0 == "." }).count <= 1, body != "."
        else {
            throw malformed("unexpected \"\(text.prefix(40))\"", at: at)
        }
        if body.contains(".") { return .real(text) }
        guard body.count <= 18, let v = Int(text) else { throw malformed("integer out of range", at: at) }
        // "N G R" is a reference.
        if v >= 0, !text.hasPrefix("+"), !text.hasPrefix("-") {
            let save = pos
            if let g = token(), g.count <= 5, g.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let gen = Int(String(decoding: g, as: UTF8.self)), let r = token(), r.elementsEqual("R".utf8)
            {
                return .ref(v, gen)
            }
            pos = save
        }
        return .int(v)
    }
}
