import Foundation

// The values of a ledger's date cells: text in the mapping's date format, or Excel's serial day numbers.

/// Dates as registrars type them, and as Excel stores them (serial day numbers).
public enum DateCell {
    /// Parses `text` with a pattern of dd/d, MM/M, yyyy and separators; returns ISO `YYYY-MM-DD` for a real date.
    public static func parse(_ text: String, format: String) -> String? {
        if let decided = parseASCII(text, format: format) { return decided }
        return parseCharacters(text, format: format)
    }

    /// `parse` character by character, for any text.
    static func parseCharacters(_ text: String, format: String) -> String? {
        let t = VietnameseText.trimmed(text)  // trimmingCharacters(in: .whitespaces)
        var day: Int?
        var month: Int?
        var year: Int?
        var ti = t.startIndex
        var fi = format.startIndex
        func take(_ n: ClosedRange<Int>) -> Int? {
            var digits = ""
            while ti < t.endIndex, t[ti].isASCII, t[ti].isNumber, digits.count < n.upperBound {
                digits.append(t[ti])
                ti = t.index(after: ti)
            }
            return n.contains(digits.count) ? Int(digits) : nil
        }
        while fi < format.endIndex {
            let rest = format[fi...]
            if rest.hasPrefix("yyyy") {
                year = take(4...4)
                fi = format.index(fi, offsetBy: 4)
            } else if rest.hasPrefix("dd") {
                day = take(2...2)
                fi = format.index(fi, offsetBy: 2)
            } else if rest.hasPrefix("MM") {
                month = take(2...2)
                fi = format.index(fi, offsetBy: 2)
            } else if rest.hasPrefix("d") {
                day = take(1...2)
                fi = format.index(after: fi)
            } else if rest.hasPrefix("M") {
                month = take(1...2)
                fi = format.index(after: fi)
            } else {
                guard ti < t.endIndex, t[ti] == format[fi] else { return nil }
                ti = t.index(after: ti)
                fi = format.index(after: fi)
            }
        }
        guard ti == t.endIndex, let d = day, let m = month, let y = year else { return nil }
        return iso(y, m, d)
    }

    /// `parse` for the usual case, printable ASCII text (tabs allowed) and format, on bytes: the same steps as
    /// the general walk over characters, which in such text are single bytes. `.none` when the text or format
    /// holds anything else, for the general walk to decide; `.some(nil)` when it is not a date.
    static func parseASCII(_ text: String, format: String) -> String?? {
        let answer: String?? =
            text.utf8.withContiguousStorageIfAvailable { t -> String?? in
                format.utf8.withContiguousStorageIfAvailable { f -> String?? in
                    parseASCII(bytes: t, format: f)
                } ?? .none
            } ?? .none
        return answer
    }

    /// `parseASCII` over the bytes of the text and of the format.
    private static func parseASCII(bytes t: UnsafeBufferPointer<UInt8>, format f: UnsafeBufferPointer<UInt8>) -> String?? {
        func printable(_ b: UInt8) -> Bool { b >= 0x20 && b <= 0x7E }
        for b in t where !(printable(b) || b == 0x09) { return .none }
        for b in f where !printable(b) { return .none }
        // trimmingCharacters(in: .whitespaces): its ASCII members are the space and the tab.
        var start = 0
        var end = t.count
        while start < end, t[start] == 0x20 || t[start] == 0x09 { start += 1 }
        while end > start, t[end - 1] == 0x20 || t[end - 1] == 0x09 { end -= 1 }
        return .some(walkFormat(t, start..<end, format: f))
    }

    /// The format's walk over the trimmed text `t[range]`: each field token takes its digits, anything else must
    /// be the same byte. The date, or nil when the text does not follow the format or is not a real date.
    private static func walkFormat(_ t: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, format f: UnsafeBufferPointer<UInt8>) -> String? {
        let end = range.upperBound
        var day: Int?
        var month: Int?
        var year: Int?
        var ti = range.lowerBound
        var fi = 0
        func take(_ lo: Int, _ hi: Int) -> Int? {
            var value = 0
            var count = 0
            while ti < end, t[ti] >= 0x30, t[ti] <= 0x39, count < hi {
                value = value * 10 + Int(t[ti] - 0x30)
                count += 1
                ti += 1
            }
            return count >= lo && count <= hi ? value : nil
        }
        func rest(_ token: StaticString) -> Bool {
            let n = token.utf8CodeUnitCount
            guard fi + n <= f.count else { return false }
            for k in 0..<n where f[fi + k] != token.utf8Start[k] { return false }
            return true
        }
        while fi < f.count {
            if rest("yyyy") {
                year = take(4, 4)
                fi += 4
            } else if rest("dd") {
                day = take(2, 2)
                fi += 2
            } else if rest("MM") {
                month = take(2, 2)
                fi += 2
            } else if rest("d") {
                day = take(1, 2)
                fi += 1
            } else if rest("M") {
                month = take(1, 2)
                fi += 1
            } else {
                guard ti < end, t[ti] == f[fi] else { return nil }
                ti += 1
                fi += 1
            }
        }
        guard ti == end, let d = day, let m = month, let y = year else { return nil }
        return iso(y, m, d)
    }

    /// A real calendar date as `YYYY-MM-DD`, or nil (31/02 is not a date).
    public static func iso(_ y: Int, _ m: Int, _ d: Int) -> String? {
        guard (1...12).contains(m), d >= 1 else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard d <= days, (1800...2200).contains(y) else { return nil }
        // As String(format: "%04d-%02d-%02d"), without Foundation's formatter (a tenth of an import).
        func digit(_ v: Int) -> UInt8 { UInt8(0x30 + v) }
        let bytes: [UInt8] = [
            digit(y / 1000), digit(y / 100 % 10), digit(y / 10 % 10), digit(y % 10), 0x2D,
            digit(m / 10), digit(m % 10), 0x2D, digit(d / 10), digit(d % 10),
        ]
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Excel's serial day numbers. The 1900 system (the default): day 1 is 1900-01-01, and Excel counts a
    /// 29 February 1900 that never was. The 1904 system (`date1904`, old Mac workbooks): day 0 is 1904-01-01; read
    /// as 1900 dates, every date would come out four years and a day early.
    public static func excelSerial(_ text: String, date1904: Bool = false) -> String? {
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v >= (date1904 ? 0 : 1), v < 200_000, v == v.rounded() else {
            return nil
        }
        var serial = Int(v)
        if !date1904, serial >= 60 { serial -= 1 }
        let base = DateComponents(
            calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"), year: date1904 ? 1904 : 1899,
            month: date1904 ? 1 : 12, day: date1904 ? 1 : 31)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let start = cal.date(from: base), let date = cal.date(byAdding: .day, value: serial, to: start) else { return nil }
        let c = cal.dateComponents([.year, .month, .day], from: date)
        return iso(c.year!, c.month!, c.day!)
    }
}
