import Foundation

/// Where "now" comes from. Injected everywhere so tests can act "in 2019" and check "in 2031".
public struct HosoClock: Sendable {
    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = HosoClock { Date() }

    public static func fixed(_ date: Date) -> HosoClock { HosoClock { date } }

    /// ISO 8601 in UTC with seconds, the form every record and manifest uses.
    public static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    public static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }
}
