import Foundation
import GRDB
@testable import HosoServer
import HosoTestSupport
import Testing

/// The hand-written search answer is byte for byte what JSONEncoder (sorted keys, slashes unescaped) writes.
@Suite struct JSONWriterTests {
    @Test func searchHitsAreWrittenAsJSONEncoderWritesThem() throws {
        let odd = "Lò Thị \"Mai\" \\ / \t\n\r\u{01}\u{08}\u{0C}\u{1F}\u{7F}\u{2028} <b>&amp; 😀"
        let hits = [
            LedgerRoutes.Hit(ledger: "PGD/THCS/1996/X", ledgerNumber: 12, fullName: odd, dateOfBirth: "1980-01-02", placeOfBirth: "Xã Tân Lập",
                             serial: "Số 001234/BT", year: 1996, school: "Trường \"A\"", page: 3),
            LedgerRoutes.Hit(ledger: "L", ledgerNumber: 0, fullName: "", dateOfBirth: "", placeOfBirth: odd, serial: "", year: -1, school: "", page: nil),
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

/// The access log's writes are synced at each commit (the promise that an answered read is on disk).
@Suite struct AuditDurabilityTests {
    @Test func theServerDatabaseWritesWithSynchronousFull() throws {
        let dir = TempDirectory()
        let store = try ServerStore(path: dir.path + "/server.sqlite", cost: Fixture.cost)
        // 2 is FULL; GRDB's pool sets NORMAL (1) on its writer unless told again after opening.
        #expect(try store.db.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
        #expect(try store.db.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        try store.append([.init(at: "2026-01-01T00:00:00Z", actor: "a", action: "read", target: "t", detail: ""),
                          .init(at: "2026-01-01T00:00:01Z", actor: "b", action: "read", target: "t", detail: "")])
        try store.audit(actor: "c", action: "read", target: "t")
        #expect(try store.auditLog().map(\.actor) == ["c", "b", "a"])
        #expect(try store.checkAuditChain() == .init(entries: 3, intact: true, firstBroken: nil))
    }
}
