import Foundation
import Testing

@testable import HosoCopies

/// PDF dates ("D:YYYYMMDDHHmmSS+HH'mm'") are computed without Calendar; each case is worked out by hand.
@Suite struct PDFDateTests {
    @Test(arguments: [
        ("D:20261129134000+07'00'", 1_795_934_400.0),  // 06:40 UTC
        ("D:20261129064000Z", 1_795_934_400.0),
        ("D:20240229235959-05'30'", 1_709_270_999.0),  // 2024-03-01T05:29:59Z
        ("D:2026", 1_767_225_600.0),  // 2026-01-01T00:00:00Z
        ("20000101000000", 946_684_800.0),
    ])
    func parsesToTheInstant(_ text: String, _ seconds: Double) {
        #expect(PDFText.parseDate(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test(arguments: ["D:20261329000000Z", "D:20230229000000Z", "D:20261129246000Z", "D:202", "D:", "D:2026113"])
    func rejectsImpossibleDates(_ text: String) {
        #expect(PDFText.parseDate(text) == nil)
    }
}
