import GRDB
import HosoCore

/// One point of the access log fixed elsewhere (in the archive's transparency log): entry `seq` had hash `hash`.
/// The hash chain alone holds only against edits in the middle: cutting the newest entries, or rewriting entries and
/// computing every hash again, leaves a chain that checks. An anchor kept in a log that cannot be rewritten quietly
/// catches both.
public struct AuditAnchor: Sendable, Equatable, Codable {
    public var seq: Int64
    public var hash: String

    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }
}

extension ServerStore {
    /// The chain check, and every anchor against the entry it names: an entry missing (the log was cut) or with
    /// another hash (rewritten and re-hashed) breaks the log from there.
    public func checkAuditChain(anchors: [AuditAnchor]) throws -> ChainCheck {
        var check = try checkAuditChain()
        let (hashes, last) = try wrap {
            try db.read { db -> ([Int64: String], Int64) in
                var out = [Int64: String]()
                for a in anchors {
                    out[a.seq] = try String.fetchOne(db, sql: "SELECT hash FROM audit WHERE seq = ?", arguments: [a.seq])
                }
                return (out, try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit") ?? 0)
            }
        }
        for a in anchors where hashes[a.seq] != a.hash {
            // A cut log breaks at its first missing entry; a rewritten one at the anchor that no longer holds.
            let broken = hashes[a.seq] == nil ? min(a.seq, last + 1) : a.seq
            check.intact = false
            check.firstBroken = min(check.firstBroken ?? broken, broken)
        }
        return check
    }
}

extension HosoError.Code {
    /// The access log does not match its anchors in the transparency log (cut, or rewritten and re-hashed).
    public static let auditLogBroken = Self("AUDIT_LOG_BROKEN", .damage)
}
