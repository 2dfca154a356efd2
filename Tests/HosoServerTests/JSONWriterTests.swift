import Foundation
import HosoAccounts
import HosoTestSupport
import Testing

@testable import HosoServer

/// The hand-written search answer is byte for byte what JSONEncoder (sorted keys, slashes unescaped) writes.
@Suite struct JSONWriterTests {
    @Test func searchHitsAreWrittenAsJSONEncoderWritesThem() throws {
        let odd = "Lò Thị \"Mai\" \\ / \t\n\r\u{01}\u{08}\u{0C}\u{1F}\u{7F}\u{2028} <b>&amp; 😀"
        let hits = [
            LedgerRoutes.Hit(
                ledger: "PGD/THCS/1996/X", ledgerNumber: 12, fullName: odd, dateOfBirth: "1980-01-02", placeOfBirth: "Xã Tân Lập",
                serial: "Số 001234/BT", year: 1996, school: "Trường \"A\"", page: 3),
            LedgerRoutes.Hit(
                ledger: "L", ledgerNumber: 0, fullName: "", dateOfBirth: "", placeOfBirth: odd, serial: "", year: -1, school: "", page: nil),
        ]
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for list in [hits, [], [hits[1]]] {
            let fast = LedgerRoutes.json(list)
            #expect(String(decoding: fast, as: UTF8.self) == String(decoding: try enc.encode(list), as: UTF8.self))
            let back = try JSONDecoder().decode([LedgerRoutes.Hit].self, from: Data(fast))
            #expect(back.map(\.fullName) == list.map(\.fullName) && back.map(\.page) == list.map(\.page))
        }
    }
}
