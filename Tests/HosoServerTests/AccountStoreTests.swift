import Foundation
import GRDB
import HosoTestSupport
import Testing

@testable import HosoAccounts

/// The access log's writes are synced at each commit (the promise that an answered read is on disk).
@Suite struct AuditDurabilityTests {
    @Test func theServerDatabaseWritesWithSynchronousFull() throws {
        let dir = TempDirectory()
        let store = try ServerStore(path: dir.path + "/server.sqlite", cost: Fixture.cost)
        // 2 is FULL; GRDB's pool sets NORMAL (1) on its writer unless told again after opening.
        #expect(try store.db.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
        #expect(try store.db.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        try store.append([
            .init(at: "2026-01-01T00:00:00Z", actor: "a", action: "read", target: "t", detail: ""),
            .init(at: "2026-01-01T00:00:01Z", actor: "b", action: "read", target: "t", detail: ""),
        ])
        try store.audit(actor: "c", action: "read", target: "t")
        #expect(try store.auditLog().map(\.actor) == ["c", "b", "a"])
        #expect(try store.checkAuditChain() == .init(entries: 3, intact: true, firstBroken: nil))
    }
}

/// The audit chain names the first entry changed or removed behind the store's back.
@Suite struct AuditChainTests {
    @Test func anEditedOrRemovedEntryBreaksTheChainFromThere() throws {
        let dir = TempDirectory()
        let path = dir.path + "/server.sqlite"
        let store = try ServerStore(path: path, cost: Fixture.cost)
        for actor in ["a", "b", "c", "d"] { try store.audit(actor: actor, action: "read", target: "t") }
        #expect(try store.checkAuditChain() == .init(entries: 4, intact: true, firstBroken: nil))
        try Tamper.sql(path, "UPDATE audit SET detail = 'nothing to see' WHERE seq = 3")
        #expect(try store.checkAuditChain() == .init(entries: 3, intact: false, firstBroken: 3))
        try Tamper.sql(path, "DELETE FROM audit WHERE seq = 2")
        #expect(try store.checkAuditChain() == .init(entries: 2, intact: false, firstBroken: 3))
    }
}

/// Changes a SQLite file behind the server's back, as someone with access to the disk could.
enum Tamper {
    static func sql(_ path: String, _ statement: String) throws {
        let db = try GRDB.DatabaseQueue(path: path)
        try db.write { try $0.execute(sql: statement) }
        try db.close()
    }
}
