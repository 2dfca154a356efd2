import HosoCore

/// Reads the acknowledged part of a log: entries, leaf and subtree hashes, roots and proofs. Every size and offset
/// read from the files is checked before use; a file shorter than the head promises is LOG_TRUNCATED, an offset that
/// contradicts another is LOG_CORRUPT. Not `Sendable`: one reader belongs to one task.
public final class LogReader: SubtreeSource {
    public let head: LogHead
    public var size: UInt64 { head.size }
    let store: LogStore
    private let data: LogFile?
    private let index: LogFile?
    private let tree: LogFile?
    let dataSize: UInt64
    private let hasher = TreeHasher()

    init(store: LogStore, head: LogHead, files: (LogFile, LogFile, LogFile)? = nil) throws {
        self.store = store
        self.head = head
        if head.size == 0 && files == nil {
            (data, index, tree) = (nil, nil, nil)
            dataSize = 0
            return
        }
        let f =
            try files ?? (
                LogFile(store.dataPath, writable: false), LogFile(store.indexPath, writable: false),
                LogFile(store.treePath, writable: false)
            )
        (data, index, tree) = (f.0, f.1, f.2)
        dataSize = try f.0.size()
        let needIndex = head.size * 8
        let needTree = TreeLayout.records(forSize: head.size) * 32
        for (file, need) in [(f.1, needIndex), (f.2, needTree)] {
            guard try file.size() >= need else {
                throw HosoError.logDamaged(
                    .logTruncated, file.path, vi: "Tệp nhật ký ngắn hơn kích thước đã ghi nhận (\(head.size) mục)",
                    en: "The log file is shorter than its acknowledged size (\(head.size) entries)")
            }
        }
    }

    /// Where entry `i` ends in `entries` (its index record), unchecked against its neighbours.
    func end(of i: UInt64) throws -> UInt64 {
        guard let index else { return 0 }
        var v: UInt64 = 0
        try withUnsafeMutableBytes(of: &v) { try index.read(into: $0, at: i * 8) }
        return UInt64(littleEndian: v)
    }

    /// The end of the last acknowledged entry, checked against the data file.
    func dataEnd() throws -> UInt64 {
        guard size > 0 else { return 0 }
        let e = try end(of: size - 1)
        guard e <= dataSize else {
            throw HosoError.logDamaged(
                .logTruncated, store.dataPath, vi: "Tệp mục nhật ký ngắn hơn chỉ mục của nó",
                en: "The log's entry file is shorter than its index says")
        }
        return e
    }

    /// The byte range of entry `i` in `entries`.
    public func range(of i: UInt64) throws -> Range<UInt64> {
        try checkIndex(i)
        let start = i == 0 ? 0 : try end(of: i - 1)
        let stop = try end(of: i)
        guard start <= stop, stop - start <= UInt64(LogStore.maxEntrySize), stop <= dataSize else {
            throw HosoError(
                .logCorrupt, .both("Chỉ mục nhật ký sai ở mục \(i)", "The log index is wrong at entry \(i)"),
                location: store.indexPath)
        }
        return start..<stop
    }

    /// The bytes of entry `i`.
    public func entry(_ i: UInt64) throws -> [UInt8] {
        let r = try range(of: i)
        guard let data else { return [] }
        return try data.read(count: Int(r.count), at: r.lowerBound)
    }

    /// The stored leaf hash of entry `i`.
    public func leafHash(_ i: UInt64) throws -> LogHash { try subtree(level: 0, index: i) }

    public func subtree(level: Int, index i: UInt64) throws -> LogHash {
        guard level < 48, i < size >> level, let tree else {
            throw HosoError(
                .logBadRequest, .both("Cây nhật ký không có nút này", "The log tree has no such node"), location: "\(level)/\(i)")
        }
        var h = LogHash()
        try withUnsafeMutableBytes(of: &h) { try tree.read(into: $0, at: TreeLayout.position(level: level, index: i) * 32) }
        return h
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
            throw HosoError(.logBadRequest, .both("Nhật ký không có mục \(i)", "The log has no entry \(i)"), location: store.dir)
        }
    }

    private func checkSize(_ s: UInt64) throws {
        guard s <= size else {
            throw HosoError(
                .logBadRequest, .both("Nhật ký chỉ có \(size) mục, không phải \(s)", "The log has \(size) entries, not \(s)"),
                location: store.dir)
        }
    }
}
