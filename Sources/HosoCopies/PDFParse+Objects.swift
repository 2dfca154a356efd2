import Foundation
import HosoCore

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
            h < 24, mi < 60, sec < 60
        else { return nil }
        let days = HosoClock.daysFromCivil(year: y, month: mo, day: dd)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + h * 3600 + mi * 60 + sec - offset))
    }
}
