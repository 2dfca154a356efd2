import HosoCore

/// Where a log keeps its entries, its tree, its head and its checkpoints: files in a directory (`LogFileStorage`,
/// schools and districts) or tables in the province hub's PostgreSQL (HosoPostgres' `PostgresLogStorage`).
/// `LogStore` holds the log's logic (hashing, the compact range, proofs, checkpoints, verification) and asks a storage
/// only to keep and give back bytes, so both storages hold the same tree for the same entries.
///
/// A storage never forks the log: `append` and `storeCheckpoint` name the head they extend, and write nothing when
/// the stored head is another one (LOG_HEAD_MOVED), besides the archive's write lock that serializes appends.
public protocol LogStorage: Sendable {
    /// Names the log in errors (a directory, or the database's tables).
    var location: String { get }
    /// Whether anything was ever written to the log.
    var exists: Bool { get }
    /// The acknowledged head; an empty log (size 0, write 0) when there is none yet.
    func head() throws -> LogHead
    /// A consistent view of the acknowledged log: what later appends add is not seen through it.
    func snapshot() throws -> any LogSnapshot
    /// The stored checkpoints as they are now (no log data is read).
    func checkpoints() throws -> any LogCheckpoints
    /// Adds `entries` and the tree `records` they complete (post-order, `TreeLayout`) and makes `new` the head, all or
    /// nothing, provided the head is still `old`; throws LOG_HEAD_MOVED otherwise.
    func append(_ entries: [[UInt8]], records: [LogHash], from old: LogHead, to new: LogHead) throws
    /// Keeps a signed checkpoint of the first `size` entries and records it in the head, provided the head is still
    /// `old`; throws LOG_HEAD_MOVED otherwise. A checkpoint once kept is never replaced.
    func storeCheckpoint(_ note: [UInt8], size: UInt64, from old: LogHead) throws -> LogStore.StoredCheckpoint
}

/// The stored checkpoints: one signed note per tree size.
public protocol LogCheckpoints {
    /// The sizes of the stored checkpoints, ascending.
    func checkpointSizes() throws -> [UInt64]
    /// The note stored for `size`, read with a bound (`Checkpoint.maxNoteSize`).
    func checkpoint(size: UInt64) throws -> LogStore.StoredCheckpoint
    /// Where the checkpoint of `size` is (or would be) kept, for errors.
    func checkpointLocation(_ size: UInt64) -> String
}

/// One consistent view of a log: its head, and reads of what the head acknowledges. Every read is checked (a missing
/// piece is LOG_TRUNCATED, a contradicting one LOG_CORRUPT). Not `Sendable`: one snapshot belongs to one task.
public protocol LogSnapshot: AnyObject, LogCheckpoints {
    var head: LogHead { get }
    var location: String { get }
    /// The bytes of entry `i` (i < head.size, checked by the caller).
    func entry(_ i: UInt64) throws -> [UInt8]
    /// The byte range of entry `i` in all entries one after another (what the `entries` file holds).
    func range(of i: UInt64) throws -> Range<UInt64>
    /// The tree record at `position` (< TreeLayout.records(forSize: head.size), checked by the caller).
    func record(_ position: UInt64) throws -> LogHash
    /// Reads every entry and every tree record front to back, in large pieces (whole-log verification).
    func scanner() throws -> any LogScanner
}

/// A front-to-back reader of a snapshot: entries in order, tree records in order, each bounded by the head.
public protocol LogScanner: AnyObject {
    /// The next entry, which is entry `i`.
    func nextEntry(_ i: UInt64) throws -> [UInt8]
    /// The next tree record.
    func nextRecord() throws -> LogHash
}

extension HosoError.Code {
    /// An append or checkpoint named a head that is no longer the log's: another writer extended the log first.
    /// Nothing was written; the caller reads the new head and tries again (under the write lock this never happens).
    public static let logHeadMoved = Self("LOG_HEAD_MOVED", .conflict)
}

extension HosoError {
    /// LOG_HEAD_MOVED for a log at `location`.
    public static func logHeadMoved(expected: LogHead, found: LogHead?, location: String) -> HosoError {
        let now = found.map { "\($0.size)/\($0.sequence)/\($0.checkpoint)" } ?? "?"
        return HosoError(
            .logHeadMoved,
            .both(
                "Nhật ký đã được ghi tiếp bởi một máy khác (đầu \(expected.size)/\(expected.sequence)/\(expected.checkpoint) nay là \(now)); không ghi gì",
                "Another writer extended the log (head \(expected.size)/\(expected.sequence)/\(expected.checkpoint) is now \(now)); nothing was written"
            ), location: location)
    }
}
