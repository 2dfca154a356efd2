import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where "now" comes from. Injected everywhere so tests can act "in 2019" and check "in 2031".
public struct HosoClock: Sendable {
    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = HosoClock { Date() }

    public static func fixed(_ date: Date) -> HosoClock { HosoClock { date } }

    /// ISO 8601 in UTC with seconds ("2026-11-29T13:40:00Z"), the form every record and manifest uses.
    /// Written by hand: a Foundation date formatter costs more to create than the rest of storing a revision.
    public static func format(_ date: Date) -> String {
        var t = time_t(floor(date.timeIntervalSince1970))
        var tm = tm()
        gmtime_r(&t, &tm)
        var out = [UInt8]()
        out.reserveCapacity(20)
        func put(_ v: Int32, _ width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var n = v
            for i in stride(from: width - 1, through: 0, by: -1) {
                digits[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            }
            out += digits
        }
        put(tm.tm_year + 1900, 4)
        out.append(UInt8(ascii: "-"))
        put(tm.tm_mon + 1, 2)
        out.append(UInt8(ascii: "-"))
        put(tm.tm_mday, 2)
        out.append(UInt8(ascii: "T"))
        put(tm.tm_hour, 2)
        out.append(UInt8(ascii: ":"))
        put(tm.tm_min, 2)
        out.append(UInt8(ascii: ":"))
        put(tm.tm_sec, 2)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses RFC 3339 / ISO 8601 internet date-times with seconds and a zone: "YYYY-MM-DDTHH:MM:SSZ" or with an
    /// offset "+07:00"; fractions of a second are not part of the form. Nil for anything else, including impossible
    /// dates (30 February) and times.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 20 || b.count == 25 else { return nil }
        func num(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                let c = b[i]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = num(0, 4), let month = num(5, 2), let day = num(8, 2),
            let hour = num(11, 2), let minute = num(14, 2), let second = num(17, 2)
        else { return nil }
        var offset = 0
        if b.count == 20 {
            guard b[19] == UInt8(ascii: "Z") else { return nil }
        } else {
            guard b[19] == UInt8(ascii: "+") || b[19] == UInt8(ascii: "-"), b[22] == UInt8(ascii: ":"),
                let oh = num(20, 2), let om = num(23, 2), oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (b[19] == UInt8(ascii: "+") ? 1 : -1)
        }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (the usual era-based computation).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
