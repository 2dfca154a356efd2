import Foundation
import HosoCore
import HosoPrimitives

/// One event of the archive's transparency log, as its entry bytes: canonical JSON (RFC 8785: keys sorted, no
/// spaces), so `log verify` can rebuild the expected bytes and people can read them.
/// - `v`: format version (1); `n`: the entry's own position, so entries cannot be swapped unnoticed;
/// - `seq`: the archive write (commit number) that made the event; `time`: when it was logged (UTC);
/// - `kind`, `id`: the object added; for a record revision also `type`, `record` and `actor` (its author);
/// - `late`: true when the event was logged after a crash, by the catch-up at the next open or write.
public struct LogEvent: Sendable, Equatable, Codable {
    public var v = 1
    public var n: UInt64
    public var seq: Int
    public var time: String
    public var kind: String
    public var id: String
    public var type: String?
    public var record: String?
    public var actor: String?
    public var late: Bool?

    public init(
        n: UInt64, seq: Int, time: String, kind: String, id: String, type: String? = nil, record: String? = nil,
        actor: String? = nil, late: Bool? = nil
    ) {
        self.n = n
        self.seq = seq
        self.time = time
        self.kind = kind
        self.id = id
        self.type = type
        self.record = record
        self.actor = actor
        self.late = late
    }

    /// The canonical bytes (what the leaf hashes).
    public var bytes: [UInt8] {
        var fields: [(String, String)] = [
            ("id", JSONString.quoted(id)), ("kind", JSONString.quoted(kind)), ("n", String(n)), ("seq", String(seq)),
            ("time", JSONString.quoted(time)), ("v", String(v)),
        ]
        if let actor { fields.append(("actor", JSONString.quoted(actor))) }
        if let late { fields.append(("late", late ? "true" : "false")) }
        if let record { fields.append(("record", JSONString.quoted(record))) }
        if let type { fields.append(("type", JSONString.quoted(type))) }
        // RFC 8785 orders keys by UTF-16 code units; these keys are ASCII, so byte order is the same.
        let body = fields.sorted { $0.0 < $1.0 }.map { JSONString.quoted($0.0) + ":" + $0.1 }.joined(separator: ",")
        return Array(("{" + body + "}").utf8)
    }

    /// Parses entry bytes, refusing anything that is not exactly the canonical form of an event.
    public static func parse(_ bytes: [UInt8]) -> LogEvent? {
        guard bytes.count <= 4096, let e = try? JSONDecoder().decode(LogEvent.self, from: Data(bytes)), e.bytes == bytes else {
            return nil
        }
        return e
    }
}
