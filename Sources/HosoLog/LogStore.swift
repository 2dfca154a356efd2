import HosoCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The log's files in one directory (an archive's `log/`):
/// - `entries`: the entries' bytes, one after another;
/// - `entries.idx`: for each entry the offset where it ends (8 bytes, little-endian): entry i is bytes
///   [end(i−1), end(i)) of `entries`;
/// - `tree`: every hash of the Merkle tree, 32 bytes each, in post-order (`TreeLayout`): leaf hashes and the perfect
///   subtrees above them, so any root or proof needs O(log n) reads;
/// - `head`: the acknowledged size and write number (`LogHead`);
/// - `checkpoints/`: signed checkpoints (`Checkpoint`), one file per tree size.
/// Appends write the three data files, sync them, then rewrite `head`: bytes past the acknowledged size are an append
/// that never finished; they are ignored by readers and cut by the next writer.
public struct LogStore: Sendable {
    public let dir: String
    /// Entries are small event records; a larger one in the files is damage, not data.
    public static let maxEntrySize = 1 << 20
    /// 2^40 entries: far beyond any archive; a larger size in `head` is damage.
    public static let maxSize: UInt64 = 1 << 40

    public init(dir: String) { self.dir = dir }

    var headPath: String { dir + "/head" }
    var treePath: String { dir + "/tree" }
    var indexPath: String { dir + "/entries.idx" }
    var dataPath: String { dir + "/entries" }
    public var checkpointsDir: String { dir + "/checkpoints" }

    public var exists: Bool { access(headPath, F_OK) == 0 }

    /// The acknowledged state; an empty log (size 0, write 0) when there is none yet.
    public func head() throws -> LogHead {
        let fd = open(headPath, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return LogHead(size: 0, sequence: 0) }
            throw HosoError.fromErrno(errno, path: headPath, action: .both("đọc đầu nhật ký", "reading the log head"))
        }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: LogHead.width + 1)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw HosoError.fromErrno(errno, path: headPath, action: .both("đọc đầu nhật ký", "reading the log head")) }
        guard let head = LogHead(line: Array(buf.prefix(n))) else {
            throw HosoError.logDamaged(.logCorrupt, headPath, vi: "Đầu nhật ký không đọc được", en: "The log head is unreadable")
        }
        return head
    }

    /// A reader of the acknowledged log; checks that every file holds at least what the head counts.
    public func reader() throws -> LogReader { try LogReader(store: self, head: try head()) }

    // MARK: - Appending

    /// Appends `entries` and records `sequence` as the archive write they complete; returns the new head and root.
    /// Durable when it returns: data files synced before the head that counts them.
    @discardableResult
    public func append(_ entries: [[UInt8]], sequence: Int, hasher: TreeHasher = TreeHasher()) throws -> (LogHead, LogHash) {
        try makeDirectory()
        let old = try head()
        let files = try WriterFiles(store: self, head: old)
        var range = CompactRange(size: old.size, peaks: try files.peaks(of: old.size))
        var tree = [UInt8]()
        tree.reserveCapacity(entries.count * 64)
        var index = [UInt8]()
        index.reserveCapacity(entries.count * 8)
        var data = [UInt8]()
        var end = files.dataEnd
        for e in entries {
            guard e.count <= Self.maxEntrySize else {
                throw HosoError(.logBadRequest, .both("Mục nhật ký quá lớn", "A log entry is too large"), location: dataPath)
            }
            data.append(contentsOf: e)
            end += UInt64(e.count)
            withUnsafeBytes(of: end.littleEndian) { index.append(contentsOf: $0) }
            range.append(e.withUnsafeBytes { hasher.leaf($0) }, hasher: hasher) { h in
                withUnsafeBytes(of: h) { tree.append(contentsOf: $0) }
            }
        }
        let newHead = LogHead(size: range.size, sequence: max(sequence, old.sequence), checkpoint: old.checkpoint)
        if !entries.isEmpty {
            try files.data.write(data, at: files.dataEnd)
            try files.index.write(index, at: old.size * 8)
            try files.tree.write(tree, at: TreeLayout.records(forSize: old.size) * 32)
            for f in [files.data, files.index, files.tree] { try f.sync() }
        }
        if newHead != old { try writeHead(newHead) }
        return (newHead, range.root(hasher: hasher))
    }

    func writeHead(_ h: LogHead) throws {
        let existed = exists
        let f = try LogFile(headPath, writable: true)
        try f.write(h.line, at: 0)
        try f.sync()
        if !existed { try syncDirectory(dir) }
    }

    func makeDirectory() throws {
        for d in [dir, checkpointsDir] where access(d, F_OK) != 0 {
            if mkdir(d, 0o755) != 0 && errno != EEXIST {
                throw HosoError.fromErrno(errno, path: d, action: .both("tạo thư mục nhật ký", "creating the log directory"))
            }
            try syncDirectory(parent(of: d))
        }
    }
}

func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

func syncDirectory(_ path: String) throws {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd < 0 { throw HosoError.fromErrno(errno, path: path, action: .both("mở thư mục", "opening a directory")) }
    defer { close(fd) }
    if fsync(fd) != 0 { throw HosoError.fromErrno(errno, path: path, action: .both("đồng bộ thư mục", "syncing a directory")) }
}

/// The three data files opened for an append, with whatever an unfinished append left past the head cut off.
private struct WriterFiles {
    let data: LogFile
    let index: LogFile
    let tree: LogFile
    let dataEnd: UInt64

    init(store: LogStore, head: LogHead) throws {
        data = try LogFile(store.dataPath, writable: true)
        index = try LogFile(store.indexPath, writable: true)
        tree = try LogFile(store.treePath, writable: true)
        let reader = try LogReader(store: store, head: head, files: (data, index, tree))
        dataEnd = try reader.dataEnd()
        // Only what the head never acknowledged is cut: nobody was ever told of it.
        try data.truncate(to: dataEnd)
        try index.truncate(to: head.size * 8)
        try tree.truncate(to: TreeLayout.records(forSize: head.size) * 32)
    }

    func peaks(of size: UInt64) throws -> [LogHash] {
        try TreeLayout.peaks(ofSize: size).map { p in
            let pos = TreeLayout.position(level: p.level, index: p.index)
            return try tree.read(count: 32, at: pos * 32).withUnsafeBytes { LogHash(raw: $0.baseAddress!) }
        }
    }
}
