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
    public func auditHashes(_ seqs: [Int64]) throws -> (hashes: [Int64: String], last: Int64) {
        try wrap {
            try db.read { db -> ([Int64: String], Int64) in
                var out = [Int64: String]()
                for seq in seqs {
                    out[seq] = try String.fetchOne(db, sql: "SELECT hash FROM audit WHERE seq = ?", arguments: [seq])
                }
                return (out, try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit") ?? 0)
            }
        }
    }
}

extension HosoError.Code {
    /// The access log does not match its anchors in the transparency log (cut, or rewritten and re-hashed).
    public static let auditLogBroken = Self("AUDIT_LOG_BROKEN", .damage)
}
