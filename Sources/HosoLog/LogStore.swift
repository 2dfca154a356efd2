import HosoCore

/// The transparency log: appends entries to an RFC 9162 Merkle tree, reads them back with proofs, signs checkpoints
/// and verifies the whole. What it keeps lives in a `LogStorage`: by default the files of one directory (an archive's
/// `log/`, `LogFileStorage`), on the province hub tables in PostgreSQL.
public struct LogStore: Sendable {
    public let storage: any LogStorage
    /// Entries are small event records; a larger one in the files is damage, not data.
    public static let maxEntrySize = 1 << 20
    /// 2^40 entries: far beyond any archive; a larger size in `head` is damage.
    public static let maxSize: UInt64 = 1 << 40

    /// The log in the files of `dir` (see `LogFileStorage`).
    public init(dir: String) { storage = LogFileStorage(dir: dir) }

    public init(storage: any LogStorage) { self.storage = storage }

    /// The log's directory (or, for another storage, what names it in errors).
    public var dir: String { storage.location }
    /// The checkpoints' directory of a log in files.
    public var checkpointsDir: String { dir + "/checkpoints" }

    public var exists: Bool { storage.exists }

    /// The acknowledged state; an empty log (size 0, write 0) when there is none yet.
    public func head() throws -> LogHead { try storage.head() }

    /// A reader of the acknowledged log, on one consistent snapshot of it.
    public func reader() throws -> LogReader { LogReader(snapshot: try storage.snapshot()) }

    // MARK: - Appending

    /// Appends `entries` and records `sequence` as the archive write they complete; returns the new head and root.
    /// Durable when it returns. The storage writes all of it or nothing, and only onto the head read here
    /// (LOG_HEAD_MOVED when another writer moved it meanwhile).
    @discardableResult
    public func append(_ entries: [[UInt8]], sequence: Int, hasher: TreeHasher = TreeHasher()) throws -> (LogHead, LogHash) {
        for e in entries where e.count > Self.maxEntrySize {
            throw HosoError(.logBadRequest, .both("Mục nhật ký quá lớn", "A log entry is too large"), location: dir)
        }
        let snapshot = try storage.snapshot()
        let old = snapshot.head
        let peaks = try TreeLayout.peaks(ofSize: old.size).map { p in
            try snapshot.record(TreeLayout.position(level: p.level, index: p.index))
        }
        var range = CompactRange(size: old.size, peaks: peaks)
        var records = [LogHash]()
        records.reserveCapacity(entries.count * 2)
        for e in entries {
            range.append(e.withUnsafeBytes { hasher.leaf($0) }, hasher: hasher) { records.append($0) }
        }
        let newHead = LogHead(size: range.size, sequence: max(sequence, old.sequence), checkpoint: old.checkpoint)
        try storage.append(entries, records: records, from: old, to: newHead)
        return (newHead, range.root(hasher: hasher))
    }
}
