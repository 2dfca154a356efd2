import Foundation
import HosoCore
import Testing

/// HosoClock formats and parses by hand; Foundation's ISO 8601 formatter is the reference it must agree with.
@Suite struct ClockTests {
    static func reference() -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f
    }

    @Test func formatAgreesWithFoundationOverCenturies() {
        let f = Self.reference()
        var rng = SystemRandomNumberGenerator()
        // 1900…2199 at random seconds, plus the edges of leap days and years.
        var instants = (0..<5000).map { _ in TimeInterval(Int.random(in: -2_208_988_800...7_258_118_399, using: &rng)) }
        instants += [0, -1, 951_782_400, 951_868_799, 4_107_542_399, 4_107_542_400, 1_709_164_800.5]
        for t in instants {
            let d = Date(timeIntervalSince1970: t)
            #expect(HosoClock.format(d) == f.string(from: d), "\(t)")
            #expect(HosoClock.parse(HosoClock.format(d)) == Date(timeIntervalSince1970: floor(t)))
        }
    }

    @Test(arguments: [
        "2026-11-29T13:40:00Z", "2000-02-29T23:59:59Z", "1999-12-31T17:00:00-07:00", "2026-11-29T20:40:00+07:00",
        "2024-02-29T00:00:00Z", "1970-01-01T00:00:00Z",
    ])
    func parseAgreesWithFoundation(_ text: String) {
        #expect(HosoClock.parse(text) != nil)
        #expect(HosoClock.parse(text) == Self.reference().date(from: text))
    }

    @Test(arguments: [
        "2026-11-29", "2026-11-29T13:40:00", "2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-11-29T24:00:00Z", "2026-11-29T13:60:00Z", "2026-11-29 13:40:00Z", "2026-11-29T13:40:00.5Z", "",
        "２026-11-29T13:40:00Z", "2026-11-29T13:40:00+7:00", "2026-11-29T13:40:00+07:60", "2026-1a-29T13:40:00Z",
    ])
    func rejectsWhatIsNotAnInternetDateTime(_ text: String) {
        #expect(HosoClock.parse(text) == nil)
    }
}
