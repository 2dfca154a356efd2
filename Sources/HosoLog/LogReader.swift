import HosoCore

/// Reads the acknowledged part of a log, on one snapshot of its storage: entries, leaf and subtree hashes, roots and
/// proofs. The snapshot checks every size and offset it reads (a missing piece is LOG_TRUNCATED, a contradicting one
/// LOG_CORRUPT); the reader checks the indexes and sizes asked for. Not `Sendable`: one reader belongs to one task.
public final class LogReader: SubtreeSource {
    public var head: LogHead { snapshot.head }
    public var size: UInt64 { head.size }
    public let snapshot: any LogSnapshot
    private let hasher = TreeHasher()

    public init(snapshot: any LogSnapshot) { self.snapshot = snapshot }

    /// The byte range of entry `i` in all entries one after another.
    public func range(of i: UInt64) throws -> Range<UInt64> {
        try checkIndex(i)
        return try snapshot.range(of: i)
    }

    /// The bytes of entry `i`.
    public func entry(_ i: UInt64) throws -> [UInt8] {
        try checkIndex(i)
        return try snapshot.entry(i)
    }

    /// Every entry in order, read in large pieces (a file's blocks, a page of rows), not one read per entry.
    public func forEachEntry(_ body: (UInt64, [UInt8]) throws -> Void) throws {
        let scan = try snapshot.scanner()
        for i in 0..<size { try body(i, try scan.nextEntry(i)) }
    }

    /// The stored leaf hash of entry `i`.
    public func leafHash(_ i: UInt64) throws -> LogHash { try subtree(level: 0, index: i) }

    public func subtree(level: Int, index i: UInt64) throws -> LogHash {
        guard level < 48, i < size >> level else {
            throw HosoError(
                .logBadRequest, .both("Cây nhật ký không có nút này", "The log tree has no such node"), location: "\(level)/\(i)")
        }
        return try snapshot.record(TreeLayout.position(level: level, index: i))
    }

    /// The root of the first `size` entries (the whole log by default).
    public func root(size s: UInt64? = nil) throws -> LogHash {
        let s = s ?? size
        try checkSize(s)
        return try Merkle.root(size: s, source: self, hasher: hasher)
    }

    /// The audit path of entry `i` in the tree of the first `size` entries.
    public func inclusionProof(index i: UInt64, size s: UInt64) throws -> [LogHash] {
        try checkSize(s)
        guard i < s else {
            throw HosoError(.logBadRequest, .both("Mục \(i) không có trong cây \(s) mục", "Entry \(i) is not in a tree of \(s)"))
        }
        return try Merkle.inclusionProof(index: i, size: s, source: self, hasher: hasher)
    }

    /// The proof that the tree of `old` entries is a prefix of the tree of `new` entries.
    public func consistencyProof(old: UInt64, new: UInt64) throws -> [LogHash] {
        try checkSize(new)
        guard old <= new else {
            throw HosoError(.logBadRequest, .both("Kích thước cũ lớn hơn kích thước mới", "The old size is above the new one"))
        }
        return try Merkle.consistencyProof(old: old, new: new, source: self, hasher: hasher)
    }

    private func checkIndex(_ i: UInt64) throws {
        guard i < size else {
            throw HosoError(.logBadRequest, .both("Nhật ký không có mục \(i)", "The log has no entry \(i)"), location: snapshot.location)
        }
    }

    private func checkSize(_ s: UInt64) throws {
        guard s <= size else {
            throw HosoError(
                .logBadRequest, .both("Nhật ký chỉ có \(size) mục, không phải \(s)", "The log has \(size) entries, not \(s)"),
                location: snapshot.location)
        }
    }
}
