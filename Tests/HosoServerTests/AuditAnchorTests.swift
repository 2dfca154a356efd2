import Foundation
import GRDB
import HosoKit
import HosoTestSupport
import Testing

@testable import HosoAccounts

/// The access log's two blind spots, closed by anchors in the archive's transparency log: cutting its newest entries,
/// and rewriting entries with every hash computed again (no key is needed for either).
@Suite struct AuditAnchorTests {
    let dir = TempDirectory()
    var path: String { dir.path + "/a/" + ServerStore.fileName }

    /// Five entries, each anchored as the server anchors a batch.
    func setUp() throws -> (Archive, ServerStore) {
        let archive = try Archive.create(at: dir.path + "/a")
        let store = try ServerStore(path: path, cost: Fixture.cost)
        for (i, actor) in ["a", "b", "c", "d", "e"].enumerated() {
            let item = ServerStore.AuditItem(at: "2026-12-07T00:00:0\(i)Z", actor: actor, action: "read", target: "record:x", detail: "")
            let last = try #require(try store.append([item]))
            try archive.anchorAuditLog(seq: last.seq, hash: last.hash)
        }
        return (archive, store)
    }

    func anchors(_ a: Archive) throws -> [AuditAnchor] { try a.auditAnchors().map { AuditAnchor(seq: $0.seq, hash: $0.hash) } }

    @Test func cuttingTheNewestEntriesIsDetected() throws {
        let (archive, store) = try setUp()
        #expect(try store.checkAuditChain(anchors: anchors(archive)) == .init(entries: 5, intact: true, firstBroken: nil))
        try Tamper.sql(path, "DELETE FROM audit WHERE seq >= 4")
        #expect(try store.checkAuditChain().intact, "the chain alone does not see a cut tail")
        #expect(try store.checkAuditChain(anchors: anchors(archive)) == .init(entries: 3, intact: false, firstBroken: 4))
        #expect(try archive.verifyLog().size == 5)
    }

    @Test func rewritingAndRehashingIsDetected() throws {
        let (archive, store) = try setUp()
        // Entry 2 says something else; it and every later hash are computed again, as anyone could.
        let db = try GRDB.DatabaseQueue(path: path)
        try db.write { db in
            var prev = try String.fetchOne(db, sql: "SELECT hash FROM audit WHERE seq = 1")!
            for var e in try AuditEntry.filter(Column("seq") >= 2).order(Column("seq")).fetchAll(db) {
                if e.seq == 2 { e.detail = "nothing to see" }
                e.prev = prev
                e.hash = AuditEntry.digest(
                    seq: e.seq, at: e.at, actor: e.actor, action: e.action, target: e.target, detail: e.detail, prev: prev)
                try e.update(db)
                prev = e.hash
            }
        }
        #expect(try store.checkAuditChain().intact, "a re-hashed chain checks by itself")
        #expect(try store.checkAuditChain(anchors: anchors(archive)) == .init(entries: 5, intact: false, firstBroken: 2))
        // The newest anchor alone (what the admin page reads) sees it too: every hash after entry 2 changed.
        let latest = try #require(try archive.latestAuditAnchor())
        #expect(latest.seq == 5)
        #expect(try !store.checkAuditChain(anchors: [AuditAnchor(seq: latest.seq, hash: latest.hash)]).intact)
    }
}
