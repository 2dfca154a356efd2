import HosoCore
import HosoLog
import NIOCore
import PostgresNIO

/// The transparency log in PostgreSQL, for the province hub: several application servers append to one log, and the
/// streaming standby holds every entry the primary acknowledged.
///
/// Tables (`historyTables`, append-only: the log never updates or deletes a row of them):
/// - `hoso_log_entries` (n, bytes): entry n;
/// - `hoso_log_tree` (pos, hash): the Merkle tree's records in post-order, as the `tree` file holds them
///   (`TreeLayout`), so a root or proof takes O(log n) rows;
/// - `hoso_log_checkpoints` (size, note): the signed checkpoints, one per tree size, never replaced.
/// And one working table, `hoso_log_head`: one row, the acknowledged size, write number and newest checkpoint, the
/// only row the log updates.
///
/// An append is one transaction: it first moves the head by compare-and-set (the row must still be the head the
/// append extends, else LOG_HEAD_MOVED and a rollback), which also makes a concurrent appender wait on the row lock
/// and then fail; then it inserts the entries and tree records. So the log never forks, and a failure leaves the old
/// head and no rows. Readers take the head (and the newest checkpoint's size) in one statement; rows below it never
/// change, so every later read bounded by that head is one consistent snapshot without holding a transaction open.
public final class PostgresLogStorage: LogStorage {
    public let client: BlockingPostgresClient

    public init(client: BlockingPostgresClient) { self.client = client }

    /// The schema, as named steps (see `PostgresMigration`).
    public static let migrations: [PostgresMigration] = [
        PostgresMigration(
            "transparency-log-1",
            [
                """
                CREATE TABLE hoso_log_entries (
                    n bigint PRIMARY KEY CHECK (n >= 0),
                    bytes bytea NOT NULL CHECK (length(bytes) <= \(LogStore.maxEntrySize))
                )
                """,
                """
                CREATE TABLE hoso_log_tree (
                    pos bigint PRIMARY KEY CHECK (pos >= 0),
                    hash bytea NOT NULL CHECK (length(hash) = 32)
                )
                """,
                """
                CREATE TABLE hoso_log_checkpoints (
                    size bigint PRIMARY KEY CHECK (size >= 0),
                    note bytea NOT NULL CHECK (length(note) <= \(Checkpoint.maxNoteSize)),
                    stored_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE hoso_log_head (
                    id smallint PRIMARY KEY CHECK (id = 1),
                    size bigint NOT NULL CHECK (size >= 0),
                    sequence bigint NOT NULL,
                    checkpoint bigint NOT NULL CHECK (checkpoint >= 0 AND checkpoint <= size)
                )
                """,
                // The head row exists from the start, so no two appenders ever race to insert it.
                "INSERT INTO hoso_log_head (id, size, sequence, checkpoint) VALUES (1, 0, 0, 0)",
            ])
    ]

    /// Append-only tables: the application role needs SELECT and INSERT on them, never UPDATE or DELETE.
    public static let historyTables = ["hoso_log_entries", "hoso_log_tree", "hoso_log_checkpoints"]
    /// Tables whose rows the log updates (SELECT and UPDATE; its one row is made by the migration).
    public static let workingTables = ["hoso_log_head"]

    /// The log's share of the hub's schema (`hoso hub init` grants by class).
    public static let hubPart = HubSchema.Part(
        name: "transparency-log", migrations: migrations,
        tables: Dictionary(uniqueKeysWithValues: historyTables.map { ($0, .history) } + workingTables.map { ($0, .working) }))

    /// Creates or updates the tables.
    public func migrate() throws { try PostgresMigration.apply(Self.migrations, on: client) }

    public var location: String { "postgres:hoso_log" }

    public var exists: Bool { ((try? head()).map { $0.size > 0 || $0.sequence > 0 }) ?? false }

    public func head() throws -> LogHead {
        let rows = try client.query("SELECT size, sequence, checkpoint, NULL::bigint FROM hoso_log_head WHERE id = 1")
        return try Self.head(rows, location: location).head
    }

    /// The head, and the largest checkpoint size stored when it was read (one statement: one snapshot).
    static func head(_ rows: [PostgresRow], location: String) throws -> (head: LogHead, checkpoints: Int64?) {
        guard let row = rows.first else {
            throw HosoError(
                .logCorrupt, .both("Bảng đầu nhật ký không có dòng nào", "The log head table has no row"), location: location + "_head")
        }
        let v: (Int64, Int64, Int64, Int64?)
        do { v = try row.decode((Int64, Int64, Int64, Int64?).self) } catch {
            throw HosoError(
                .logCorrupt, .both("Đầu nhật ký không đọc được", "The log head is unreadable"), location: location + "_head",
                cause: "\(error)")
        }
        guard v.0 >= 0, UInt64(v.0) <= LogStore.maxSize, v.2 >= 0, v.2 <= v.0 else {
            throw HosoError(
                .logCorrupt, .both("Đầu nhật ký không đọc được", "The log head is unreadable"), location: location + "_head")
        }
        return (LogHead(size: UInt64(v.0), sequence: Int(v.1), checkpoint: UInt64(v.2)), v.3)
    }

    public func snapshot() throws -> any LogSnapshot {
        let rows = try client.query(
            """
            SELECT size, sequence, checkpoint, (SELECT max(size) FROM hoso_log_checkpoints)
            FROM hoso_log_head WHERE id = 1
            """)
        let (head, maxCheckpoint) = try Self.head(rows, location: location)
        return PostgresLogSnapshot(storage: self, head: head, checkpointBound: maxCheckpoint ?? -1)
    }

    public func checkpoints() throws -> any LogCheckpoints { PostgresCheckpoints(storage: self, bound: nil) }

    public func append(_ entries: [[UInt8]], records: [LogHash], from old: LogHead, to new: LogHead) throws {
        try client.transaction { c in
            try moveHead(c, from: old, to: new)
            // In pieces of bounded size: each is one statement of arrays (unnest), not one round trip per row.
            var start = 0
            while start < entries.count {
                var stop = start
                var bytes = 0
                while stop < entries.count && (stop == start || bytes + entries[stop].count <= Self.batchBytes) {
                    bytes += entries[stop].count
                    stop += 1
                }
                let ns = (start..<stop).map { Int64(old.size) + Int64($0) }
                let values = entries[start..<stop].map { ByteBuffer(bytes: $0) }
                try c.execute("INSERT INTO hoso_log_entries (n, bytes) SELECT * FROM unnest(\(ns)::bigint[], \(values)::bytea[])")
                start = stop
            }
            let first = Int64(TreeLayout.records(forSize: old.size))
            for piece in stride(from: 0, to: records.count, by: Self.batchRecords) {
                let part = records[piece..<min(piece + Self.batchRecords, records.count)]
                let pos = part.indices.map { first + Int64($0) }
                let hashes = part.map { ByteBuffer(bytes: $0.bytes) }
                try c.execute("INSERT INTO hoso_log_tree (pos, hash) SELECT * FROM unnest(\(pos)::bigint[], \(hashes)::bytea[])")
            }
        }
    }

    public func storeCheckpoint(_ note: [UInt8], size: UInt64, from old: LogHead) throws -> LogStore.StoredCheckpoint {
        var new = old
        new.checkpoint = size
        try client.transaction { c in
            try moveHead(c, from: old, to: new)
            try c.execute("INSERT INTO hoso_log_checkpoints (size, note) VALUES (\(Int64(size)), \(ByteBuffer(bytes: note)))")
        }
        return LogStore.StoredCheckpoint(size: size, path: checkpointLocation(size), note: note)
    }

    /// The compare-and-set of the head, first in its transaction: a concurrent writer waits for this row and then
    /// finds it changed (READ COMMITTED re-checks the condition on the committed row).
    private func moveHead(_ c: BlockingPostgresConnection, from old: LogHead, to new: LogHead) throws {
        let moved = try c.execute(
            """
            UPDATE hoso_log_head SET size = \(Int64(new.size)), sequence = \(Int64(new.sequence)), \
            checkpoint = \(Int64(new.checkpoint))
            WHERE id = 1 AND size = \(Int64(old.size)) AND sequence = \(Int64(old.sequence)) \
            AND checkpoint = \(Int64(old.checkpoint))
            """)
        guard moved == 1 else {
            let found = try? Self.head(
                c.query("SELECT size, sequence, checkpoint, NULL::bigint FROM hoso_log_head WHERE id = 1"), location: location
            ).head
            throw HosoError.logHeadMoved(expected: old, found: found, location: location + "_head")
        }
    }

    func checkpointLocation(_ size: UInt64) -> String { location + "_checkpoints/\(size)" }

    static let batchBytes = 8 << 20
    static let batchRecords = 8192
}

/// The stored checkpoints, up to `bound` when the view belongs to a snapshot (nil: all of them now).
struct PostgresCheckpoints: LogCheckpoints {
    let storage: PostgresLogStorage
    let bound: Int64?

    func checkpointSizes() throws -> [UInt64] {
        let rows = try storage.client.query(
            "SELECT size FROM hoso_log_checkpoints WHERE size <= \(bound ?? Int64.max) ORDER BY size")
        return try rows.map { UInt64(try logDecode($0, Int64.self, storage.location)) }
    }

    func checkpoint(size: UInt64) throws -> LogStore.StoredCheckpoint {
        let path = checkpointLocation(size)
        let rows = try storage.client.query("SELECT note FROM hoso_log_checkpoints WHERE size = \(Int64(size))")
        guard let row = rows.first else {
            throw HosoError(.logTruncated, .both("Thiếu điểm kiểm của nhật ký", "A checkpoint of the log is missing"), location: path)
        }
        let note = try logDecode(row, ByteBuffer.self, path)
        guard note.readableBytes <= Checkpoint.maxNoteSize else {
            throw HosoError(.logCheckpointInvalid, .both("Điểm kiểm quá lớn", "The checkpoint is too large"), location: path)
        }
        return LogStore.StoredCheckpoint(size: size, path: path, note: Array(note.readableBytesView))
    }

    func checkpointLocation(_ size: UInt64) -> String { storage.checkpointLocation(size) }
}

/// The log as of one head: only rows below it are read, and those never change.
final class PostgresLogSnapshot: LogSnapshot {
    let storage: PostgresLogStorage
    let head: LogHead
    private let checkpointRows: PostgresCheckpoints

    init(storage: PostgresLogStorage, head: LogHead, checkpointBound: Int64) {
        self.storage = storage
        self.head = head
        // The checkpoints there were with this head (a checkpoint past the head is damage that verification names).
        checkpointRows = PostgresCheckpoints(storage: storage, bound: checkpointBound)
    }

    var location: String { storage.location }
    var client: BlockingPostgresClient { storage.client }

    func missing(_ what: String, _ table: String) -> HosoError {
        HosoError(
            .logTruncated,
            .both("Thiếu \(what) mà đầu nhật ký ghi nhận", "The log lacks \(what == "mục" ? "an entry" : "a tree record") its head counts"),
            location: location + "_" + table)
    }

    func entry(_ i: UInt64) throws -> [UInt8] {
        let rows = try client.query("SELECT bytes FROM hoso_log_entries WHERE n = \(Int64(i))")
        guard let row = rows.first else { throw missing("mục", "entries/\(i)") }
        return try Self.checked(try logDecode(row, ByteBuffer.self, location), i, location)
    }

    static func checked(_ b: ByteBuffer, _ i: UInt64, _ location: String) throws -> [UInt8] {
        guard b.readableBytes <= LogStore.maxEntrySize else {
            throw HosoError(
                .logCorrupt, .both("Mục nhật ký \(i) quá lớn", "Log entry \(i) is too large"), location: location + "_entries/\(i)")
        }
        return Array(b.readableBytesView)
    }

    /// Sums the lengths before entry `i`: O(i) on the server, for reports, never on a hot path.
    func range(of i: UInt64) throws -> Range<UInt64> {
        let rows = try client.query(
            """
            SELECT coalesce(sum(length(bytes)) FILTER (WHERE n < \(Int64(i))), 0)::bigint,
                   (SELECT length(bytes) FROM hoso_log_entries WHERE n = \(Int64(i)))::bigint
            FROM hoso_log_entries WHERE n <= \(Int64(i))
            """)
        guard let row = rows.first, case let (start, length?) = try logDecode(row, (Int64, Int64?).self, location) else {
            throw missing("mục", "entries/\(i)")
        }
        return UInt64(start)..<UInt64(start + length)
    }

    func record(_ position: UInt64) throws -> LogHash {
        let rows = try client.query("SELECT hash FROM hoso_log_tree WHERE pos = \(Int64(position))")
        guard let row = rows.first else { throw missing("nút cây", "tree/\(position)") }
        return try Self.hash(try logDecode(row, ByteBuffer.self, location), position, location)
    }

    static func hash(_ b: ByteBuffer, _ position: UInt64, _ location: String) throws -> LogHash {
        guard let h = LogHash(b.readableBytesView) else {
            throw HosoError(
                .logCorrupt, .both("Nút cây nhật ký \(position) sai dạng", "Log tree record \(position) is malformed"),
                location: location + "_tree/\(position)")
        }
        return h
    }

    func scanner() throws -> any LogScanner { PostgresLogScanner(self) }

    func checkpointSizes() throws -> [UInt64] { try checkpointRows.checkpointSizes() }
    func checkpoint(size: UInt64) throws -> LogStore.StoredCheckpoint { try checkpointRows.checkpoint(size: size) }
    func checkpointLocation(_ size: UInt64) -> String { checkpointRows.checkpointLocation(size) }
}

/// Entries and tree records in order, a page of rows at a time; a row missing below the head is LOG_TRUNCATED.
final class PostgresLogScanner: LogScanner {
    private let snapshot: PostgresLogSnapshot
    private var entries = PagedRows<[UInt8]>(table: "hoso_log_entries", key: "n", value: "bytes", vi: "mục", path: "entries")
    private var records = PagedRows<LogHash>(table: "hoso_log_tree", key: "pos", value: "hash", vi: "nút cây", path: "tree")
    static let page: UInt64 = 4096

    init(_ snapshot: PostgresLogSnapshot) { self.snapshot = snapshot }

    func nextEntry(_ i: UInt64) throws -> [UInt8] {
        try entries.next(snapshot, page: Self.page, end: snapshot.head.size) { b, n in
            try PostgresLogSnapshot.checked(b, n, snapshot.location)
        }
    }

    func nextRecord() throws -> LogHash {
        try records.next(snapshot, page: 2 * Self.page, end: TreeLayout.records(forSize: snapshot.head.size)) { b, n in
            try PostgresLogSnapshot.hash(b, n, snapshot.location)
        }
    }
}

/// The rows of one append-only log table in the order of their position column, read a page at a time; a position
/// missing below `end` is LOG_TRUNCATED, naming the table's file (`path/N`) as the folder's log would.
private struct PagedRows<T> {
    let table: String
    let key: String
    let value: String
    let vi: String
    let path: String
    private var rows = [T]()
    private var at = 0
    private var nextRow: UInt64 = 0

    init(table: String, key: String, value: String, vi: String, path: String) {
        (self.table, self.key, self.value, self.vi, self.path) = (table, key, value, vi, path)
    }

    mutating func next(
        _ snapshot: PostgresLogSnapshot, page: UInt64, end: UInt64, convert: (ByteBuffer, UInt64) throws -> T
    ) throws -> T {
        if at == rows.count {
            var binds = PostgresBindings()
            binds.append(Int64(nextRow))
            binds.append(Int64(min(nextRow + page, end)))
            let result = try snapshot.client.query(
                PostgresQuery(
                    unsafeSQL: "SELECT \(key), \(value) FROM \(table) WHERE \(key) >= $1 AND \(key) < $2 ORDER BY \(key)", binds: binds))
            rows = []
            for (k, row) in result.enumerated() {
                let (n, b) = try logDecode(row, (Int64, ByteBuffer).self, snapshot.location)
                let want = nextRow + UInt64(k)
                guard n == Int64(want) else { throw snapshot.missing(vi, "\(path)/\(want)") }
                rows.append(try convert(b, want))
            }
            guard !rows.isEmpty else { throw snapshot.missing(vi, "\(path)/\(nextRow)") }
            at = 0
            nextRow += UInt64(rows.count)
        }
        defer { at += 1 }
        return rows[at]
    }
}

/// A row of the log's tables decoded, or LOG_CORRUPT naming the table (the schema's types make this damage, not a bug).
func logDecode<T>(_ row: PostgresRow, _: T.Type, _ location: String) throws -> T where T: PostgresDecodable {
    do { return try row.decode(T.self) } catch {
        throw HosoError(.logCorrupt, .both("Dòng nhật ký không đọc được", "A log row is unreadable"), location: location, cause: "\(error)")
    }
}

func logDecode<A: PostgresDecodable, B: PostgresDecodable>(_ row: PostgresRow, _: (A, B).Type, _ location: String) throws -> (A, B) {
    do { return try row.decode((A, B).self) } catch {
        throw HosoError(.logCorrupt, .both("Dòng nhật ký không đọc được", "A log row is unreadable"), location: location, cause: "\(error)")
    }
}
