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
    package static func digest(
        seq: Int64, at: String, actor: String, action: String, target: String, detail: String, prev: String
    ) -> String {
        let enc = JSONEncoder()
        let bytes = (try? enc.encode([String(seq), at, actor, action, target, detail, prev])) ?? Data()
        return SHA256.hex([UInt8](bytes))
    }

    package init(seq: Int64, at: String, actor: String, action: String, target: String, detail: String, prev: String, hash: String) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
        self.prev = prev
        self.hash = hash
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
    public func auditLog(limit: Int, actor: String?) throws -> [AuditEntry] {
        try wrap {
            try db.read { db in
                var q = AuditEntry.order(Column("seq").desc)
                if let actor { q = q.filter(Column("actor") == actor) }
                return try q.limit(limit).fetchAll(db)
            }
        }
    }

    /// What the admin's audit search asks: parts of who and of what (each matched anywhere, case aside for
    /// ASCII), times as written (`HosoClock.format`, so they compare as text), and a page.
    public struct AuditQuery: Sendable, Equatable {
        public var actor: String?
        public var subject: String?
        /// From this instant on (inclusive), before `until` (exclusive): ISO 8601 UTC, "2026-03-05T17:00:00Z".
        public var since: String?
        public var until: String?
        /// 1-based.
        public var page: Int
        public var pageSize: Int

        /// The largest page: a page is one screen, and each row is read from disk.
        public static let maxPageSize = 200

        public init(
            actor: String? = nil, subject: String? = nil, since: String? = nil, until: String? = nil, page: Int = 1,
            pageSize: Int = 50
        ) {
            self.actor = actor.flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
            self.subject = subject.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
            self.since = since
            self.until = until
            self.page = max(1, min(page, 1_000_000))
            self.pageSize = max(1, min(pageSize, Self.maxPageSize))
        }
    }

    /// One page of the entries matching `q`, newest first, and how many match in all.
    public func searchAudit(_ q: AuditQuery) throws -> (entries: [AuditEntry], total: Int) {
        let like = Self.likePattern
        var clauses = [String]()
        var args = StatementArguments()
        if let a = q.actor {
            clauses.append("actor LIKE ? ESCAPE '\\'")
            _ = args.append(contentsOf: [like(a)])
        }
        if let t = q.subject {
            clauses.append("(target LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\')")
            _ = args.append(contentsOf: [like(t), like(t)])
        }
        if let since = q.since {
            clauses.append("at >= ?")
            _ = args.append(contentsOf: [since])
        }
        if let until = q.until {
            clauses.append("at < ?")
            _ = args.append(contentsOf: [until])
        }
        let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return try wrap {
            try db.read { db in
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit" + filter, arguments: args) ?? 0
                var pageArgs = args
                _ = pageArgs.append(contentsOf: [q.pageSize, (q.page - 1) * q.pageSize])
                let entries = try AuditEntry.fetchAll(
                    db, sql: "SELECT * FROM audit" + filter + " ORDER BY seq DESC LIMIT ? OFFSET ?", arguments: pageArgs)
                return (entries, total)
            }
        }
    }

    public struct ChainCheck: Codable, Sendable, Equatable {
        public var entries: Int
        public var intact: Bool
        /// The first entry whose hash, link or number does not hold.
        public var firstBroken: Int64?

        public init(entries: Int, intact: Bool, firstBroken: Int64?) {
            self.entries = entries
            self.intact = intact
            self.firstBroken = firstBroken
        }
    }

    /// Re-computes every hash and link of the audit log.
    public func checkAuditChain() throws -> ChainCheck {
        try wrap {
            try db.read { db in
                var walk = AuditChainWalk()
                let cursor = try AuditEntry.order(Column("seq")).fetchCursor(db)
                while let e = try cursor.next(), walk.add(e) {}
                return walk.result
            }
        }
    }
}
