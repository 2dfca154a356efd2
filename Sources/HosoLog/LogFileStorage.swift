import Foundation
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
/// that never finished; they are ignored by readers and cut by the next writer. A snapshot is the head read once:
/// the files only grow past it.
public struct LogFileStorage: LogStorage {
    public let dir: String

    public init(dir: String) { self.dir = dir }

    public var location: String { dir }
    var headPath: String { dir + "/head" }
    var treePath: String { dir + "/tree" }
    var indexPath: String { dir + "/entries.idx" }
    var dataPath: String { dir + "/entries" }
    var checkpointsDir: String { dir + "/checkpoints" }

    public var exists: Bool { access(headPath, F_OK) == 0 }

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

    public func snapshot() throws -> any LogSnapshot { try FileLogSnapshot(storage: self, head: try head()) }

    public func checkpoints() throws -> any LogCheckpoints { FileCheckpoints(dir: checkpointsDir) }

    public func append(_ entries: [[UInt8]], records: [LogHash], from old: LogHead, to new: LogHead) throws {
        try makeDirectory()
        let now = try head()
        guard now == old else { throw HosoError.logHeadMoved(expected: old, found: now, location: headPath) }
        let files = try WriterFiles(storage: self, head: old)
        if !entries.isEmpty {
            var index = [UInt8]()
            index.reserveCapacity(entries.count * 8)
            var data = [UInt8]()
            var end = files.dataEnd
            for e in entries {
                data.append(contentsOf: e)
                end += UInt64(e.count)
                withUnsafeBytes(of: end.littleEndian) { index.append(contentsOf: $0) }
            }
            var tree = [UInt8]()
            tree.reserveCapacity(records.count * 32)
            for h in records { withUnsafeBytes(of: h) { tree.append(contentsOf: $0) } }
            try files.data.write(data, at: files.dataEnd)
            try files.index.write(index, at: old.size * 8)
            try files.tree.write(tree, at: TreeLayout.records(forSize: old.size) * 32)
            for f in [files.data, files.index, files.tree] { try f.sync() }
        }
        if new != old { try writeHead(new) }
    }

    /// Atomically: temporary file, sync, rename, directory sync; then the head that records it.
    public func storeCheckpoint(_ note: [UInt8], size: UInt64, from old: LogHead) throws -> LogStore.StoredCheckpoint {
        try makeDirectory()
        let now = try head()
        guard now == old else { throw HosoError.logHeadMoved(expected: old, found: now, location: headPath) }
        let cps = FileCheckpoints(dir: checkpointsDir)
        let path = cps.checkpointLocation(size)
        let tmp = path + ".tmp"
        let f = try LogFile(tmp, writable: true)
        try f.truncate(to: 0)
        try f.write(note, at: 0)
        try f.sync()
        if rename(tmp, path) != 0 {
            throw HosoError.fromErrno(errno, path: path, action: .both("ghi điểm kiểm", "writing a checkpoint"))
        }
        try syncDirectory(checkpointsDir)
        var head = old
        head.checkpoint = size
        try writeHead(head)
        return LogStore.StoredCheckpoint(size: size, path: path, note: note)
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

/// The checkpoint files: `checkpoints/<size in 20 digits>`.
struct FileCheckpoints: LogCheckpoints {
    let dir: String

    func checkpointLocation(_ size: UInt64) -> String {
        let digits = String(size)
        return dir + "/" + String(repeating: "0", count: 20 - digits.count) + digits
    }

    /// Files whose names are not 20 digits are reported as damage.
    func checkpointSizes() throws -> [UInt64] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return try names.filter { !$0.hasSuffix(".tmp") }.map { name in
            guard name.utf8.count == 20, name.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let s = UInt64(name) else {
                throw HosoError(
                    .logCheckpointInvalid, .both("Tệp lạ trong thư mục điểm kiểm", "A stray file among the checkpoints"),
                    location: dir + "/" + name)
            }
            return s
        }.sorted()
    }

    func checkpoint(size: UInt64) throws -> LogStore.StoredCheckpoint {
        let path = checkpointLocation(size)
        let f = try LogFile(path, writable: false)
        let n = try f.size()
        guard n <= UInt64(Checkpoint.maxNoteSize) else {
            throw HosoError(.logCheckpointInvalid, .both("Điểm kiểm quá lớn", "The checkpoint is too large"), location: path)
        }
        return LogStore.StoredCheckpoint(size: size, path: path, note: try f.read(count: Int(n), at: 0))
    }
}

/// The acknowledged part of the files. Every size and offset read from them is checked before use; a file shorter
/// than the head promises is LOG_TRUNCATED, an offset that contradicts another is LOG_CORRUPT.
final class FileLogSnapshot: LogSnapshot {
    let head: LogHead
    let storage: LogFileStorage
    private let data: LogFile?
    private let index: LogFile?
    private let tree: LogFile?
    let dataSize: UInt64
    private let checkpointFiles: FileCheckpoints

    var location: String { storage.dir }

    init(storage: LogFileStorage, head: LogHead, files: (LogFile, LogFile, LogFile)? = nil) throws {
        self.storage = storage
        self.head = head
        checkpointFiles = FileCheckpoints(dir: storage.checkpointsDir)
        if head.size == 0 && files == nil {
            (data, index, tree) = (nil, nil, nil)
            dataSize = 0
            return
        }
        let f =
            try files ?? (
                LogFile(storage.dataPath, writable: false), LogFile(storage.indexPath, writable: false),
                LogFile(storage.treePath, writable: false)
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
        guard head.size > 0 else { return 0 }
        let e = try end(of: head.size - 1)
        guard e <= dataSize else {
            throw HosoError.logDamaged(
                .logTruncated, storage.dataPath, vi: "Tệp mục nhật ký ngắn hơn chỉ mục của nó",
                en: "The log's entry file is shorter than its index says")
        }
        return e
    }

    func range(of i: UInt64) throws -> Range<UInt64> {
        let start = i == 0 ? 0 : try end(of: i - 1)
        let stop = try end(of: i)
        guard start <= stop, stop - start <= UInt64(LogStore.maxEntrySize), stop <= dataSize else {
            throw HosoError(
                .logCorrupt, .both("Chỉ mục nhật ký sai ở mục \(i)", "The log index is wrong at entry \(i)"),
                location: storage.indexPath)
        }
        return start..<stop
    }

    func entry(_ i: UInt64) throws -> [UInt8] {
        let r = try range(of: i)
        guard let data else { return [] }
        return try data.read(count: Int(r.count), at: r.lowerBound)
    }

    func record(_ position: UInt64) throws -> LogHash {
        guard let tree else {
            throw HosoError(.logBadRequest, .both("Cây nhật ký không có nút này", "The log tree has no such node"), location: "\(position)")
        }
        var h = LogHash()
        try withUnsafeMutableBytes(of: &h) { try tree.read(into: $0, at: position * 32) }
        return h
    }

    func scanner() throws -> any LogScanner { try FileLogScanner(self) }

    func checkpointSizes() throws -> [UInt64] { try checkpointFiles.checkpointSizes() }
    func checkpoint(size: UInt64) throws -> LogStore.StoredCheckpoint { try checkpointFiles.checkpoint(size: size) }
    func checkpointLocation(_ size: UInt64) -> String { checkpointFiles.checkpointLocation(size) }
}

/// The three files read front to back in large blocks, never past what the head acknowledges.
final class FileLogScanner: LogScanner {
    private var data: SequentialReader
    private var tree: SequentialReader
    private var index: SequentialReader
    private let dataSize: UInt64

    init(_ s: FileLogSnapshot) throws {
        let size = s.head.size
        func open(_ path: String) throws -> LogFile? { size > 0 ? try LogFile(path, writable: false) : nil }
        dataSize = s.dataSize
        data = SequentialReader(file: try open(s.storage.dataPath), limit: s.dataSize)
        tree = SequentialReader(file: try open(s.storage.treePath), limit: TreeLayout.records(forSize: size) * 32)
        index = SequentialReader(file: try open(s.storage.indexPath), limit: size * 8)
    }

    func nextEntry(_ i: UInt64) throws -> [UInt8] {
        let end = try index.u64()
        guard end >= data.position, end - data.position <= UInt64(LogStore.maxEntrySize), end <= dataSize else {
            throw HosoError(
                .logCorrupt, .both("Chỉ mục nhật ký sai ở mục \(i)", "The log index is wrong at entry \(i)"), location: "entry \(i)")
        }
        return try data.take(Int(end - data.position))
    }

    func nextRecord() throws -> LogHash { try tree.hash() }
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

    init(storage: LogFileStorage, head: LogHead) throws {
        data = try LogFile(storage.dataPath, writable: true)
        index = try LogFile(storage.indexPath, writable: true)
        tree = try LogFile(storage.treePath, writable: true)
        let snapshot = try FileLogSnapshot(storage: storage, head: head, files: (data, index, tree))
        dataEnd = try snapshot.dataEnd()
        // Only what the head never acknowledged is cut: nobody was ever told of it.
        try data.truncate(to: dataEnd)
        try index.truncate(to: head.size * 8)
        try tree.truncate(to: TreeLayout.records(forSize: head.size) * 32)
    }
}
