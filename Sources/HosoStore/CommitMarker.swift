import HosoCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How far the store's writes have got: a number raised, durably, before each write's objects become visible
/// (`commit.seq` in the archive's directory). The index records the number of the last write it holds; at open
/// and before each write the two are compared, and an index that is behind (a write that stopped between its
/// objects and its index rows: a crash, a full disk, EIO) is caught up from the objects before anything is
/// answered. Raised only under the archive's write lock, so writes are numbered one after another.
public struct CommitMarker: Sendable {
    public let path: String
    /// A fixed-width line, rewritten in place: 21 bytes lie in one disk sector, which is written whole or not.
    static let width = 20

    public init(root: String) { path = root + "/commit.seq" }

    /// The number of the last write begun; 0 for an archive that has none yet (or was made before the marker).
    /// Nil when the file cannot be understood (then the index is taken to be behind, and caught up).
    public func read() throws -> Int? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return 0 }
            throw HosoError.fromErrno(errno, path: path, action: .both("đọc số lần ghi của kho", "reading the archive's write number"))
        }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: Self.width + 1)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            throw HosoError.fromErrno(errno, path: path, action: .both("đọc số lần ghi của kho", "reading the archive's write number"))
        }
        guard n == Self.width + 1, buf[Self.width] == 0x0A, buf[0..<Self.width].allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return nil
        }
        return Int(String(decoding: buf[0..<Self.width], as: UTF8.self))
    }

    /// Raises the number above both what the file says and `known` (the index's), durably; returns the new number.
    /// Fails (DISK_FULL, EIO…) before any object of the write is visible: the write then has no effect.
    public func advance(above known: Int) throws -> Int {
        let action = LocalizedText.both("ghi số lần ghi của kho", "recording the archive's write number")
        let existed = access(path, F_OK) == 0
        let next = max(try read() ?? known, known) + 1
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw HosoError.fromErrno(errno, path: path, action: action) }
        defer { close(fd) }
        let digits = String(next)
        let line = Array((String(repeating: "0", count: max(0, Self.width - digits.count)) + digits + "\n").utf8)
        let n = line.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        if n != line.count {
            throw HosoError.fromErrno(n < 0 ? errno : ENOSPC, path: path, action: action)
        }
        if fdatasync(fd) != 0 { throw HosoError.fromErrno(errno, path: path, action: action) }
        if !existed { try fsyncDirectory(parentDirectory(of: path)) }
        return next
    }
}
