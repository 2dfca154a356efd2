import Foundation
import GRDB
import HosoCore
import HosoPrimitives
import HosoSigning

public struct AuditEntry: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit"
    public var seq: Int64
    public var at: String
    /// The account name, or "public" for the verification page.
    public var actor: String
    public var action: String
    public var target: String
    public var detail: String
    public var prev: String
    public var hash: String

    /// SHA-256 over the fields and the previous entry's hash: changing, inserting or removing an earlier entry
    /// breaks every hash after it.
    static func digest(seq: Int64, at: String, actor: String, action: String, target: String, detail: String, prev: String) -> String {
        let enc = JSONEncoder()
        let bytes = (try? enc.encode([String(seq), at, actor, action, target, detail, prev])) ?? Data()
        return SHA256.hex([UInt8](bytes))
    }
}

/// The access log: hash-chained entries in the same database as the accounts.
extension ServerStore {
    /// What one access-log entry says; its number, time of writing and hashes are added when it is appended.
    public struct AuditItem: Sendable {
        public var at: String
        public var actor: String
        public var action: String
        public var target: String
        public var detail: String

        public init(at: String, actor: String, action: String, target: String, detail: String) {
            self.at = at
            self.actor = actor
            self.action = action
            self.target = target
            self.detail = detail
        }
    }

    /// Appends one entry to the hash-chained log (synced to disk before returning).
    public func audit(actor: String, action: String, target: String, detail: String = "") throws {
        try append([AuditItem(at: HosoClock.format(clock.now()), actor: actor, action: action, target: target, detail: detail)])
    }

    /// Appends entries in order, in one transaction: one sync to disk for all of them. Returns the last entry's number
    /// and hash (what the archive's transparency log anchors).
    @discardableResult
    public func append(_ items: [AuditItem]) throws -> AuditAnchor? {
        guard !items.isEmpty else { return nil }
        return try wrap {
            try db.write { db in
                // The last entry is read inside the write transaction: `hoso user` in another process appends too.
                let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"))
                var seq: Int64 = last?["seq"] ?? 0
                var prev: String = last?["hash"] ?? String(repeating: "0", count: 64)
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO audit (seq, at, actor, action, target, detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                for i in items {
                    seq += 1
                    let h = AuditEntry.digest(
                        seq: seq, at: i.at, actor: i.actor, action: i.action, target: i.target, detail: i.detail, prev: prev)
                    try insert.execute(arguments: [seq, i.at, i.actor, i.action, i.target, i.detail, prev, h])
                    prev = h
                }
                return AuditAnchor(seq: seq, hash: prev)
            }
        }
    }

    /// The newest entries first, optionally those of one actor.
    public func auditLog(limit: Int = 200, actor: String? = nil) throws -> [AuditEntry] {
        try wrap {
            try db.read { db in
                var q = AuditEntry.order(Column("seq").desc)
                if let actor { q = q.filter(Column("actor") == actor) }
                return try q.limit(limit).fetchAll(db)
            }
        }
    }

    public struct ChainCheck: Codable, Sendable, Equatable {
        public var entries: Int
        public var intact: Bool
        /// The first entry whose hash, link or number does not hold.
        public var firstBroken: Int64?
    }

    /// Re-computes every hash and link of the audit log.
    public func checkAuditChain() throws -> ChainCheck {
        try wrap {
            try db.read { db in
                var prev = String(repeating: "0", count: 64)
                var expectedSeq: Int64 = 1
                var n = 0
                let cursor = try AuditEntry.order(Column("seq")).fetchCursor(db)
                while let e = try cursor.next() {
                    n += 1
                    let h = AuditEntry.digest(
                        seq: e.seq, at: e.at, actor: e.actor, action: e.action, target: e.target, detail: e.detail, prev: e.prev)
                    if e.seq != expectedSeq || e.prev != prev || e.hash != h {
                        return ChainCheck(entries: n, intact: false, firstBroken: e.seq)
                    }
                    prev = e.hash
                    expectedSeq += 1
                }
                return ChainCheck(entries: n, intact: true, firstBroken: nil)
            }
        }
    }
}
