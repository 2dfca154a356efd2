import Foundation
import HosoCore

// MARK: - format, pattern, minLength, maxLength

extension Compiler {
    /// `format`, `pattern`, `minLength`, `maxLength`.
    mutating func readStringKeyword(_ keyword: String, _ value: JSONValue, at: String, _ site: Site, _ k: inout Keywords) -> Bool {
        switch keyword {
        case "format":
            guard case .string(let s) = value, let f = Format(rawValue: s) else {
                problem(
                    .schemaUnsupported,
                    "Định dạng (format) không được hỗ trợ; chỉ có: \(SchemaValidator.supportedFormats.joined(separator: ", "))",
                    "Unsupported format; only: \(SchemaValidator.supportedFormats.joined(separator: ", "))", at: at)
                return true
            }
            k.format = f
        case "pattern":
            guard case .string(let s) = value else {
                problem(.schemaInvalid, "“pattern” phải là chuỗi", "“pattern” must be a string", at: at)
                return true
            }
            do {
                k.pattern = Pattern(regex: try NSRegularExpression(pattern: s), source: s)
            } catch {
                problem(.schemaInvalid, "Biểu thức chính quy không hợp lệ: \(s)", "Invalid regular expression: \(s)", at: at)
            }
        case "minLength": k.minLength = count(value, keyword, site)
        case "maxLength": k.maxLength = count(value, keyword, site)
        default:
            return false
        }
        return true
    }
}

extension Program {
    /// `format`, `pattern`, `minLength`, `maxLength`: strings only.
    func checkString(
        _ k: CompiledCheck, _ node: CompiledNode, _ value: JSONValue, _ path: inout [String], _ out: inout [Violation],
        quick: Bool
    ) {
        func fail(_ vi: @autoclosure () -> String, _ en: @autoclosure () -> String) {
            report(k, node, &out, quick: quick, vi(), en(), title: node.title, at: path)
        }

        switch k.check {
        case .format(let f):
            guard case .string(let s) = value else { return }
            switch f {
            case .date where !Formats.isDate(s):
                fail(
                    "\(Render.value(value)) không phải ngày có thật theo dạng YYYY-MM-DD",
                    "\(Render.value(value)) is not a real date of the form YYYY-MM-DD")
            case .dateTime where !Formats.isDateTime(s):
                fail(
                    "\(Render.value(value)) không phải thời điểm RFC 3339 có thật (YYYY-MM-DDThh:mm:ssZ)",
                    "\(Render.value(value)) is not a real RFC 3339 date-time (YYYY-MM-DDThh:mm:ssZ)")
            default: break
            }

        case .pattern(let pattern):
            guard case .string(let s) = value else { return }
            if !pattern.matches(s) {
                let source = pattern.source
                fail(
                    "Giá trị \(Render.value(value)) không khớp mẫu \(source)",
                    "Value \(Render.value(value)) does not match the pattern \(source)")
            }

        case .minLength(let n):
            guard case .string(let s) = value else { return }
            // A scalar takes 1 to 4 UTF-8 bytes: enough bytes prove enough scalars without counting them.
            if s.utf8.count >= 4 * n { return }
            let length = s.unicodeScalars.count
            if length < n {
                fail(
                    n == 1 ? "Không được để trống" : "Chuỗi quá ngắn: cần ít nhất \(n) ký tự, có \(length)",
                    n == 1 ? "Must not be empty" : "Too short: at least \(n) characters needed, there are \(length)")
            }

        case .maxLength(let n):
            guard case .string(let s) = value else { return }
            if s.utf8.count <= n { return }  // no more scalars than bytes
            let length = s.unicodeScalars.count
            if length > n {
                fail("Chuỗi quá dài: tối đa \(n) ký tự, có \(length)", "Too long: at most \(n) characters, there are \(length)")
            }

        default:
            break
        }
    }
}

enum Formats {
    /// RFC 3339 full-date: YYYY-MM-DD, a day that exists in the proleptic Gregorian calendar, year 0001–9999.
    static func isDate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            let y = digits(b[0..<4]), let m = digits(b[5..<7]), let d = digits(b[8..<10])
        else { return false }
        return y >= 1 && (1...12).contains(m) && d >= 1 && d <= daysIn(month: m, year: y)
    }

    /// RFC 3339 date-time: full-date "T" hh:mm:ss[.frac] (Z | ±hh:mm); T and Z in either case.
    static func isDateTime(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count >= 20, isDate(String(decoding: b[0..<10], as: UTF8.self)),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let hh = digits(b[11..<13]), let mm = digits(b[14..<16]), let ss = digits(b[17..<19]),
            hh <= 23, mm <= 59, ss <= 60
        else { return false }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }
            if i == start { return false }
        }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") { return i + 1 == b.count }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b.count == i + 6, b[i + 3] == UInt8(ascii: ":"),
            let oh = digits(b[(i + 1)..<(i + 3)]), let om = digits(b[(i + 4)..<(i + 6)])
        else { return false }
        return oh <= 23 && om <= 59
    }

    static func matches(_ regex: NSRegularExpression, _ s: String) -> Bool {
        regex.firstMatch(in: s, options: [], range: NSRange(location: 0, length: s.utf16.count)) != nil
    }

    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var v = 0
        for c in bytes {
            guard (0x30...0x39).contains(c) else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }
}
