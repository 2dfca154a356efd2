import Foundation
import HosoCore
import HosoPrimitives

// A small, strict PDF reader: enough to read hoso's own copies (cairo output plus our incremental updates) and to
// check PDF signatures. It follows the classic cross-reference tables from the last `startxref` through /Prev,
// resolves indirect objects, and refuses what it does not need: cross-reference streams, object streams,
// encryption, duplicate dictionary keys. Every size, depth and count is bounded, because a PDF handed in for
// verification is hostile input.

extension HosoError.Code {
    /// The bytes are not a PDF this reader accepts (broken syntax, bad cross-reference, a limit exceeded).
    public static let pdfMalformed = Self("PDF_MALFORMED", .badInput)
    /// A valid PDF feature hoso does not read (cross-reference streams, encryption, …).
    public static let pdfUnsupported = Self("PDF_UNSUPPORTED", .badInput)
    /// Larger than `PDFParse.maxPDFBytes`.
    public static let pdfTooLarge = Self("PDF_TOO_LARGE", .badInput)
}

/// One signature field of a PDF as found on disk: where its /ByteRange points, what it covers, and its CMS.
public struct PDFSignatureInfo: Sendable {
    /// The field's /T.
    public var fieldName: String?
    /// /SubFilter, e.g. "ETSI.CAdES.detached".
    public var subFilter: String?
    /// /ByteRange as written: [offset1, length1, offset2, length2].
    public var byteRange: [Int]
    /// Where the /Contents hex string (with its angle brackets) lies in the file.
    public var contentsRange: Range<Int>
    /// The byte range starts at 0, has two parts inside the file, and its gap is exactly the /Contents string.
    public var byteRangeIsWellFormed: Bool
    /// Well formed, and the second part ends at the end of the file: nothing was added after signing.
    public var byteRangeCoversWholeFile: Bool
    /// Cross-reference sections (revisions) that start after the signed bytes end.
    public var laterRevisions: Int
    /// Bytes in the file after the signed bytes end (0 when the whole file is covered).
    public var bytesAfterSignedRange: Int
    /// The DER of the CMS in /Contents (the zero padding removed).
    public var cms: [UInt8]
    /// The two byte ranges concatenated: what the CMS signs (empty when the byte range is not usable).
    public var signedBytes: [UInt8]
    /// /M, the claimed signing time (PAdES puts it here, not in the CMS).
    public var signingTime: Date?
    public var reason: String?
    public var location: String?
    /// /Name.
    public var signerName: String?
}

/// The name the issue gives the same facts.
public typealias PDFSignatureCheck = PDFSignatureInfo

public enum PDFParse {
    /// The largest PDF read (a copy is about 50 KiB).
    public static let maxPDFBytes = 64 << 20
    /// The largest decompressed embedded file.
    public static let maxAttachmentBytes = 16 << 20
    static let maxXrefSections = 256
    static let maxXrefEntries = 1_000_000
    static let maxFields = 1000
    static let maxTreeNodes = 10_000
    static let maxTreeDepth = 16

    /// Every signature field (/FT /Sig with a value) of the document's latest revision, with its byte-range checks.
    public static func inspect(_ pdf: [UInt8]) throws -> [PDFSignatureInfo] {
        let doc = try PDFDocument(pdf)
        var result = [PDFSignatureInfo]()
        for (name, sigRef) in try doc.signatureFields() {
            guard case .dict(let sig) = try doc.resolve(sigRef) else {
                throw doc.malformed("the signature value is not a dictionary")
            }
            result.append(try doc.signatureInfo(sig, fieldName: name))
        }
        return result
    }

    /// The offsets of the document's cross-reference sections, oldest first: one per revision.
    public static func revisions(_ pdf: [UInt8]) throws -> [Int] {
        try PDFDocument(pdf).sections.reversed()
    }

    /// The names in the catalog's /EmbeddedFiles name tree (NFC).
    public static func attachmentNames(in pdf: [UInt8]) -> [String] {
        guard let doc = try? PDFDocument(pdf), let entries = try? doc.embeddedFiles() else { return [] }
        return entries.map(\.name)
    }

    /// The first embedded file, its name and bytes, read in one pass (nil when there is none or it cannot be read).
    public static func firstAttachment(in pdf: [UInt8]) -> (name: String, bytes: [UInt8]?)? {
        guard let doc = try? PDFDocument(pdf), let entry = (try? doc.embeddedFiles())?.first else { return nil }
        return (entry.name, try? doc.embeddedFileBytes(entry.filespec))
    }

    /// The bytes of the embedded file called `name` (compared in NFC), uncompressed; nil when there is none or the
    /// file cannot be read.
    public static func attachment(named name: String, in pdf: [UInt8]) -> [UInt8]? {
        guard let doc = try? PDFDocument(pdf), let entries = try? doc.embeddedFiles() else { return nil }
        let wanted = Array(name.precomposedStringWithCanonicalMapping.utf8)
        guard let entry = entries.first(where: { Array($0.name.utf8) == wanted }) else { return nil }
        return try? doc.embeddedFileBytes(entry.filespec)
    }
}

// MARK: - Objects

/// A parsed PDF object. Strings keep their bytes; names are decoded (#xx) and kept as UTF-8 text.
indirect enum PDFObject: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// A real number, kept as written so it is re-written unchanged.
    case real(String)
    case string([UInt8])
    case name(String)
    case array([PDFObject])
    case dict(PDFDict)
    case ref(Int, Int)
    /// A stream: its dictionary and where its data lies in the file.
    case stream(PDFDict, Range<Int>)

    var int: Int? { if case .int(let v) = self { return v } else { return nil } }
    var name: String? { if case .name(let v) = self { return v } else { return nil } }
    var dict: PDFDict? {
        switch self {
        case .dict(let d), .stream(let d, _): return d
        default: return nil
        }
    }
    var array: [PDFObject]? { if case .array(let v) = self { return v } else { return nil } }
    var bytes: [UInt8]? { if case .string(let v) = self { return v } else { return nil } }
    var ref: (Int, Int)? { if case .ref(let n, let g) = self { return (n, g) } else { return nil } }

    /// A PDF text string (UTF-16BE with a BOM, UTF-8 with a BOM, or PDFDocEncoding), as NFC.
    var text: String? {
        guard let b = bytes else { return nil }
        return PDFText.decode(b)
    }
}

/// A dictionary that keeps its key order (so a re-written revision reads like the original) and, when parsed
/// from a file, where each value lies.
struct PDFDict: Equatable {
    private(set) var keys: [String] = []
    private var values: [String: PDFObject] = [:]
    /// Byte ranges of the values in the file they were read from.
    var spans: [String: Range<Int>] = [:]

    init() {}

    init(_ pairs: KeyValuePairs<String, PDFObject>) {
        for (k, v) in pairs { self[k] = v }
    }

    subscript(key: String) -> PDFObject? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
                spans[key] = nil
            }
        }
    }

    var count: Int { keys.count }
    var entries: [(String, PDFObject)] { keys.map { ($0, values[$0]!) } }
}

/// PDF text strings in and out.
enum PDFText {
    static func decode(_ b: [UInt8]) -> String {
        let s: String
        if b.count >= 2, b[0] == 0xFE, b[1] == 0xFF {
            var units = [UInt16]()
            var i = 2
            while i + 1 < b.count {
                units.append(UInt16(b[i]) << 8 | UInt16(b[i + 1]))
                i += 2
            }
            s = String(decoding: units, as: UTF16.self)
        } else if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
            s = String(decoding: b[3...], as: UTF8.self)
        } else {
            // PDFDocEncoding agrees with Latin-1 on the printable ASCII and Latin-1 ranges; the few differences
            // (0x18–0x1F, 0x80–0x9F) never occur in hoso's own strings.
            s = String(b.map { Character(Unicode.Scalar($0)) })
        }
        return s.precomposedStringWithCanonicalMapping
    }

    /// Printable ASCII as is; anything else as UTF-16BE with a byte-order mark.
    static func encode(_ s: String) -> [UInt8] {
        let t = s.precomposedStringWithCanonicalMapping
        if t.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return Array(t.utf8) }
        var out: [UInt8] = [0xFE, 0xFF]
        for u in t.utf16 { out += [UInt8(u >> 8), UInt8(u & 0xFF)] }
        return out
    }

    /// "D:YYYYMMDDHHmmSSZ" in UTC.
    static func date(_ d: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        func p(_ v: Int?, _ w: Int) -> String {
            let s = String(v ?? 0)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "D:" + p(c.year, 4) + p(c.month, 2) + p(c.day, 2) + p(c.hour, 2) + p(c.minute, 2) + p(c.second, 2) + "Z"
    }

    /// Parses "D:YYYY[MM[DD[HH[mm[SS]]]]][Z|+HH'mm'|-HH'mm']".
    static func parseDate(_ s: String) -> Date? {
        var t = Substring(s)
        if t.hasPrefix("D:") { t = t.dropFirst(2) }
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        guard digits.count >= 4, digits.count <= 14, digits.count % 2 == 0 else { return nil }
        let d = Array(digits)
        func num(_ a: Int, _ n: Int, _ dflt: Int) -> Int { a + n <= d.count ? Int(String(d[a..<a + n]))! : dflt }
        var comps = DateComponents()
        comps.year = num(0, 4, 0)
        comps.month = num(4, 2, 1)
        comps.day = num(6, 2, 1)
        comps.hour = num(8, 2, 0)
        comps.minute = num(10, 2, 0)
        comps.second = num(12, 2, 0)
        var rest = t.dropFirst(digits.count)
        var offset = 0
        if let sign = rest.first, sign == "+" || sign == "-" {
            rest = rest.dropFirst()
            let oh = Int(String(rest.prefix(2))) ?? 0
            rest = rest.dropFirst(2)
            if rest.first == "'" { rest = rest.dropFirst() }
            let om = Int(String(rest.prefix(2))) ?? 0
            offset = (oh * 3600 + om * 60) * (sign == "-" ? -1 : 1)
        }
        // Computed directly (no Calendar: creating one cost a tenth of reading a signature's dictionary).
        guard let y = comps.year, let mo = comps.month, let dd = comps.day, let h = comps.hour, let mi = comps.minute,
              let sec = comps.second, (1...12).contains(mo), dd >= 1, dd <= HosoClock.daysIn(month: mo, year: y),
              h < 24, mi < 60, sec < 60 else { return nil }
        let days = HosoClock.daysFromCivil(year: y, month: mo, day: dd)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + h * 3600 + mi * 60 + sec - offset))
    }
}

// MARK: - Writing objects

enum PDFWriter {
    static func serialize(_ o: PDFObject) -> [UInt8] {
        var out = [UInt8]()
        write(o, into: &out)
        return out
    }

    static func write(_ o: PDFObject, into out: inout [UInt8]) {
        switch o {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let v): out += Array(String(v).utf8)
        case .real(let s): out += Array(s.utf8)
        case .string(let b): out += string(b)
        case .name(let n): out += name(n)
        case .ref(let n, let g): out += Array("\(n) \(g) R".utf8)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(0x20) }
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dict(let d):
            out += Array("<<".utf8)
            for (k, v) in d.entries {
                out.append(0x20)
                out += name(k)
                out.append(0x20)
                write(v, into: &out)
            }
            out += Array(" >>".utf8)
        case .stream(let d, _):
            // Streams are never re-written from a parse; their dictionary alone is what a caller could mean.
            write(.dict(d), into: &out)
        }
    }

    /// A literal string when every byte is printable ASCII, else a hex string.
    static func string(_ b: [UInt8]) -> [UInt8] {
        if b.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            var out: [UInt8] = [UInt8(ascii: "(")]
            for c in b {
                if c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(c)
            }
            out.append(UInt8(ascii: ")"))
            return out
        }
        return [UInt8(ascii: "<")] + hex(b) + [UInt8(ascii: ">")]
    }

    static func name(_ n: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "/")]
        for c in n.utf8 {
            if c > 0x20, c < 0x7F, !PDFScanner.isDelimiter(c), c != UInt8(ascii: "#") {
                out.append(c)
            } else {
                out += Array("#".utf8) + hex([c])
            }
        }
        return out
    }

    static func hex(_ b: [UInt8]) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(b.count * 2)
        for c in b {
            out.append(digits[Int(c >> 4)])
            out.append(digits[Int(c & 0x0F)])
        }
        return out
    }
}

// MARK: - Lexing and parsing

struct PDFScanner {
    let b: [UInt8]
    var pos: Int
    static let maxDepth = 32
    static let maxContainerEntries = 100_000

    init(_ bytes: [UInt8], at pos: Int) {
        b = bytes
        self.pos = pos
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

    /// A non-negative integer of at most 18 digits.
    mutating func unsignedInt() throws -> Int {
        let at = pos
        guard let t = token(), t.count <= 18, t.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let v = Int(String(decoding: t, as: UTF8.self)) else { throw malformed("expected a number", at: at) }
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
        var bad: Int?, close: Int?
        let out: [UInt8] = b.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress,
                  let hit = memchr(base + start + 1, Int32(UInt8(ascii: ">")), buf.count - start - 1) else { return [] }
            let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            close = end
            return table.withUnsafeBufferPointer { t in
                [UInt8](unsafeUninitializedCapacity: (end - start) / 2 + 1) { out, count in
                    var n = 0
                    var high: UInt8 = 0, haveHigh = false
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
              body.filter({ $0 == "." }).count <= 1, body != "." else {
            throw malformed("unexpected \"\(text.prefix(40))\"", at: at)
        }
        if body.contains(".") { return .real(text) }
        guard body.count <= 18, let v = Int(text) else { throw malformed("integer out of range", at: at) }
        // "N G R" is a reference.
        if v >= 0, !text.hasPrefix("+"), !text.hasPrefix("-") {
            let save = pos
            if let g = token(), g.count <= 5, g.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
               let gen = Int(String(decoding: g, as: UTF8.self)), let r = token(), r.elementsEqual("R".utf8) {
                return .ref(v, gen)
            }
            pos = save
        }
        return .int(v)
    }
}

// MARK: - The document

/// A PDF's objects as its latest revision sees them, through the classic cross-reference tables.
final class PDFDocument {
    let bytes: [UInt8]
    /// Cross-reference section offsets, newest first.
    private(set) var sections: [Int] = []
    /// The newest trailer.
    private(set) var trailer = PDFDict()
    /// Object number → (offset, generation) of its newest in-use entry; free entries are absent.
    private var offsets: [Int: (offset: Int, gen: Int)] = [:]
    private var cache: [Int: PDFObject] = [:]
    private var resolving = Set<Int>()

    init(_ bytes: [UInt8]) throws {
        guard bytes.count <= PDFParse.maxPDFBytes else {
            throw HosoError(.pdfTooLarge, .both("Tệp PDF lớn hơn \(PDFParse.maxPDFBytes >> 20) MiB",
                                                "The PDF is larger than \(PDFParse.maxPDFBytes >> 20) MiB"))
        }
        self.bytes = bytes
        guard bytes.starts(with: Array("%PDF-".utf8)) else { throw malformed("no %PDF- header", at: 0) }
        var next: Int? = try lastStartxref()
        var seen = Set<Int>()
        var free = Set<Int>()
        var entries = 0
        var first = true
        while let at = next {
            guard seen.insert(at).inserted else { throw malformed("the /Prev chain loops", at: at) }
            guard seen.count <= PDFParse.maxXrefSections else { throw malformed("more than \(PDFParse.maxXrefSections) revisions") }
            sections.append(at)
            let t = try readXref(at: at, free: &free, entries: &entries)
            if first {
                trailer = t
                first = false
            }
            guard t["XRefStm"] == nil else {
                throw unsupported("hybrid cross-reference (/XRefStm)")
            }
            guard t["Encrypt"] == nil else { throw unsupported("encryption") }
            switch t["Prev"] {
            case nil: next = nil
            case .int(let p)?: next = p
            default: throw malformed("/Prev is not a number", at: at)
            }
        }
        guard trailer["Root"]?.ref != nil else { throw malformed("the trailer has no /Root") }
    }

    func malformed(_ what: String, at p: Int? = nil) -> HosoError {
        HosoError(.pdfMalformed, .both("Tệp PDF hỏng: \(what)", "Malformed PDF: \(what)"), location: p.map { "byte \($0)" })
    }

    func unsupported(_ what: String) -> HosoError {
        HosoError(.pdfUnsupported, .both("Tệp PDF dùng tính năng không hỗ trợ: \(what)", "The PDF uses an unsupported feature: \(what)"))
    }

    /// The offset after the last "startxref" in the file.
    private func lastStartxref() throws -> Int {
        let key = Array("startxref".utf8)
        var i = bytes.count - key.count
        while i >= 0 {
            if bytes[i] == key[0], bytes[i..<i + key.count].elementsEqual(key) {
                var s = PDFScanner(bytes, at: i + key.count)
                let v = try s.unsignedInt()
                guard v < bytes.count else { throw malformed("startxref points outside the file", at: i) }
                return v
            }
            i -= 1
        }
        throw malformed("no startxref")
    }

    private func readXref(at offset: Int, free: inout Set<Int>, entries: inout Int) throws -> PDFDict {
        var s = PDFScanner(bytes, at: offset)
        let at = s.pos
        guard let kw = s.token() else { throw malformed("no cross-reference section", at: at) }
        guard kw.elementsEqual("xref".utf8) else {
            if kw.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { throw unsupported("cross-reference streams") }
            throw malformed("no cross-reference section", at: at)
        }
        while true {
            s.skipSpace()
            let save = s.pos
            if let t = s.token(), t.elementsEqual("trailer".utf8) { break }
            s.pos = save
            let start = try s.unsignedInt(), count = try s.unsignedInt()
            entries += count
            guard entries <= PDFParse.maxXrefEntries, start <= PDFParse.maxXrefEntries else {
                throw malformed("too many cross-reference entries", at: save)
            }
            for n in start..<start + count {
                let off = try s.unsignedInt(), gen = try s.unsignedInt()
                let kindAt = s.pos
                guard let kind = s.token(), kind.count == 1 else { throw malformed("bad cross-reference entry", at: kindAt) }
                // Newer sections come first: an entry already known (in use or free) wins.
                guard offsets[n] == nil, !free.contains(n) else { continue }
                if kind.first == UInt8(ascii: "n") {
                    guard off < bytes.count else { throw malformed("object \(n) is outside the file", at: kindAt) }
                    offsets[n] = (off, gen)
                } else if kind.first == UInt8(ascii: "f") {
                    free.insert(n)
                } else {
                    throw malformed("bad cross-reference entry", at: kindAt)
                }
            }
        }
        guard case .dict(let trailer) = try s.value() else { throw malformed("the trailer is not a dictionary", at: s.pos) }
        return trailer
    }

    /// Object `num` as its newest revision has it (a value or a stream); null when it does not exist.
    func object(_ num: Int) throws -> PDFObject {
        if let hit = cache[num] { return hit }
        guard let entry = offsets[num] else { return .null }
        let (offset, gen) = (entry.offset, entry.gen)
        guard resolving.insert(num).inserted else { throw malformed("object \(num) refers to itself") }
        defer { resolving.remove(num) }
        var s = PDFScanner(bytes, at: offset)
        guard try s.unsignedInt() == num, try s.unsignedInt() == gen else {
            throw malformed("the cross-reference entry of object \(num) points elsewhere", at: offset)
        }
        try s.expectKeyword("obj")
        var v = try s.value()
        s.skipSpace()
        let save = s.pos
        if let kw = s.token(), kw.elementsEqual("stream".utf8) {
            guard case .dict(let d) = v else { throw malformed("a stream without a dictionary", at: save) }
            if s.pos < bytes.count, bytes[s.pos] == 13 { s.pos += 1 }
            guard s.pos < bytes.count, bytes[s.pos] == 10 else { throw malformed("\"stream\" not followed by an end of line", at: s.pos) }
            s.pos += 1
            let start = s.pos
            let length: Int
            switch d["Length"] {
            case .int(let n)?: length = n
            case .ref(let n, _)?:
                guard case .int(let l) = try object(n) else { throw malformed("/Length is not a number", at: start) }
                length = l
            default: throw malformed("a stream without /Length", at: start)
            }
            guard length >= 0, length <= bytes.count - start else { throw malformed("the stream runs past the end of the file", at: start) }
            s.pos = start + length
            try s.expectKeyword("endstream")
            v = .stream(d, start..<start + length)
        } else {
            s.pos = save
        }
        try s.expectKeyword("endobj")
        if cache.count < 10_000 { cache[num] = v }
        return v
    }

    /// Follows references (bounded).
    func resolve(_ o: PDFObject) throws -> PDFObject {
        var o = o
        for _ in 0..<PDFScanner.maxDepth {
            guard case .ref(let n, _) = o else { return o }
            o = try object(n)
        }
        throw malformed("a chain of references is too long")
    }

    func resolveDict(_ o: PDFObject?, _ what: String) throws -> PDFDict {
        guard let o, let d = try resolve(o).dict else { throw malformed("\(what) is not a dictionary") }
        return d
    }

    func catalog() throws -> (ref: (Int, Int), dict: PDFDict) {
        guard let r = trailer["Root"]?.ref else { throw malformed("the trailer has no /Root") }
        guard case .dict(let d) = try object(r.0) else { throw malformed("the catalog is not a dictionary") }
        return (r, d)
    }

    /// The first page (the copy has one), following /Kids down from /Pages.
    func firstPage() throws -> (ref: (Int, Int), dict: PDFDict) {
        var node = try catalog().dict["Pages"]
        for _ in 0..<PDFParse.maxTreeDepth {
            guard let r = node?.ref, case .dict(let d) = try object(r.0) else { throw malformed("the page tree is broken") }
            if d["Type"]?.name == "Page" { return (r, d) }
            guard let kids = try d["Kids"].map(resolve)?.array, let first = kids.first else { throw malformed("the page tree is empty") }
            node = first
        }
        throw malformed("the page tree is too deep")
    }

    /// (field name, /V) of every signature field in /AcroForm /Fields, walking /Kids and inheriting /FT.
    func signatureFields() throws -> [(String?, PDFObject)] {
        guard let acro = try catalog().dict["AcroForm"] else { return [] }
        let form = try resolveDict(acro, "/AcroForm")
        guard let fields = try form["Fields"].map(resolve)?.array else { return [] }
        var out = [(String?, PDFObject)]()
        var visited = 0
        var seen = Set<Int>()
        func walk(_ f: PDFObject, inheritedFT: String?, parentName: String?, depth: Int) throws {
            visited += 1
            guard visited <= PDFParse.maxFields, depth <= PDFParse.maxTreeDepth else { throw malformed("too many form fields") }
            if let r = f.ref, !seen.insert(r.0).inserted { return }
            let d = try resolveDict(f, "a form field")
            let ft = d["FT"]?.name ?? inheritedFT
            let partial = d["T"]?.text
            let name = [parentName, partial].compactMap { $0 }.joined(separator: ".")
            if let kids = try d["Kids"].map(resolve)?.array {
                for k in kids { try walk(k, inheritedFT: ft, parentName: name.isEmpty ? nil : name, depth: depth + 1) }
            }
            if ft == "Sig", let v = d["V"], v != .null {
                out.append((name.isEmpty ? nil : name, v))
            }
        }
        for f in fields { try walk(f, inheritedFT: nil, parentName: nil, depth: 0) }
        return out
    }

    func signatureInfo(_ sig: PDFDict, fieldName: String?) throws -> PDFSignatureInfo {
        guard let br = sig["ByteRange"]?.array?.compactMap(\.int), br.count == 4 else {
            throw malformed("the signature has no /ByteRange of four integers")
        }
        guard let contents = sig["Contents"]?.bytes, let span = sig.spans["Contents"] else {
            throw malformed("the signature has no /Contents string")
        }
        let n = bytes.count
        let inFile = br.allSatisfy { $0 >= 0 } && br[0] <= n && br[1] <= n - br[0] && br[2] <= n && br[3] <= n - br[2]
            && br[0] + br[1] <= br[2]
        // The gap must be exactly the hex string: nothing else of the file may escape the signature.
        let wellFormed = inFile && br[0] == 0 && br[1] == span.lowerBound && br[2] == span.upperBound
            && bytes[span.lowerBound] == UInt8(ascii: "<") && bytes[span.upperBound - 1] == UInt8(ascii: ">")
        let end = inFile ? br[2] + br[3] : 0
        let covers = wellFormed && end == n
        var signed = [UInt8]()
        if inFile {
            signed.reserveCapacity(br[1] + br[3])
            signed += bytes[br[0]..<br[0] + br[1]]
            signed += bytes[br[2]..<br[2] + br[3]]
        }
        let later = sections.filter { $0 >= end }.count
        return PDFSignatureInfo(
            fieldName: fieldName, subFilter: sig["SubFilter"]?.name, byteRange: br, contentsRange: span,
            byteRangeIsWellFormed: wellFormed, byteRangeCoversWholeFile: covers, laterRevisions: inFile ? later : sections.count,
            bytesAfterSignedRange: inFile ? n - end : n, cms: Self.derPrefix(contents), signedBytes: signed,
            signingTime: sig["M"]?.text.flatMap(PDFText.parseDate), reason: sig["Reason"]?.text,
            location: sig["Location"]?.text, signerName: sig["Name"]?.text)
    }

    /// The DER element at the start of `b` (a /Contents placeholder is zero-padded); all of `b` if it cannot tell.
    static func derPrefix(_ b: [UInt8]) -> [UInt8] {
        guard b.count >= 2, b[0] == 0x30 else { return b }
        let first = Int(b[1])
        var len = 0, header = 2
        if first < 0x80 {
            len = first
        } else {
            let k = first & 0x7F
            guard k >= 1, k <= 4, b.count >= 2 + k else { return b }
            for i in 0..<k { len = len << 8 | Int(b[2 + i]) }
            header = 2 + k
        }
        guard header + len <= b.count else { return b }
        return Array(b[0..<header + len])
    }

    // MARK: Embedded files

    /// (name, filespec) of every entry of the catalog's /Names /EmbeddedFiles tree.
    func embeddedFiles() throws -> [(name: String, filespec: PDFObject)] {
        guard let names = try catalog().dict["Names"] else { return [] }
        guard let root = try resolveDict(names, "/Names")["EmbeddedFiles"] else { return [] }
        var out = [(name: String, filespec: PDFObject)]()
        var nodes = 0
        func walk(_ node: PDFObject, depth: Int) throws {
            nodes += 1
            guard nodes <= PDFParse.maxTreeNodes, depth <= PDFParse.maxTreeDepth else { throw malformed("the name tree is too large") }
            let d = try resolveDict(node, "a name tree node")
            if let list = try d["Names"].map(resolve)?.array {
                guard list.count % 2 == 0 else { throw malformed("a name tree /Names array has an odd length") }
                for i in stride(from: 0, to: list.count, by: 2) {
                    guard let key = try resolve(list[i]).text else { throw malformed("a name tree key is not a string") }
                    out.append((key, list[i + 1]))
                }
            }
            if let kids = try d["Kids"].map(resolve)?.array {
                for k in kids { try walk(k, depth: depth + 1) }
            }
        }
        try walk(root, depth: 0)
        return out
    }

    func embeddedFileBytes(_ filespec: PDFObject) throws -> [UInt8] {
        let fs = try resolveDict(filespec, "the file specification")
        let ef = try resolveDict(fs["EF"], "/EF")
        guard let ref = ef["F"] ?? ef["UF"], case .stream(let d, let range) = try resolve(ref) else {
            throw malformed("the embedded file is not a stream")
        }
        return try streamData(d, range, limit: PDFParse.maxAttachmentBytes)
    }

    /// A stream's data, decoded: no filter or /FlateDecode (without predictors), up to `limit` bytes.
    func streamData(_ d: PDFDict, _ range: Range<Int>, limit: Int) throws -> [UInt8] {
        let raw = bytes[range]
        let filters: [String]
        switch d["Filter"] {
        case nil: filters = []
        case .name(let n)?: filters = [n]
        case .array(let a)?: filters = a.compactMap(\.name)
        default: throw malformed("bad /Filter")
        }
        switch filters {
        case []:
            guard raw.count <= limit else { throw malformed("the stream is larger than \(limit) bytes") }
            return Array(raw)
        case ["FlateDecode"]:
            if let parms = d["DecodeParms"], let p = try resolve(parms).dict, let pred = p["Predictor"]?.int, pred > 1 {
                throw unsupported("Flate predictors")
            }
            return try PDFZlib.inflate(raw, limit: limit)
        default:
            throw unsupported("stream filters \(filters)")
        }
    }
}

// MARK: - zlib

enum PDFZlib {
    /// Decompresses one zlib stream, refusing more than `limit` bytes of output (decompression bombs).
    static func inflate(_ input: ArraySlice<UInt8>, limit: Int) throws -> [UInt8] {
        do {
            // Bytes after the end of a Flate stream (padding before `endstream`) are common and harmless.
            return try Inflater.decompress(input, limit: limit, allowTrailing: true)
        } catch where error.kind == .tooLarge {
            throw HosoError(.pdfTooLarge, .both("Tệp đính kèm giải nén lớn hơn \(limit) byte", "The attachment inflates to more than \(limit) bytes"))
        } catch {
            throw HosoError(.pdfMalformed, .both("Dữ liệu nén Flate trong PDF bị hỏng", "Damaged Flate data in the PDF"), cause: error.detail)
        }
    }

    static func deflate(_ input: [UInt8]) throws -> [UInt8] { try Deflater.compress(input, level: 9) }
}
