import HosoCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open log file: positioned reads and writes that retry on EINTR and short counts, and name the file in errors.
/// Every offset a reader is given comes from a hostile file: callers check sizes before they read.
final class LogFile {
    let fd: Int32
    let path: String

    init(_ path: String, writable: Bool) throws {
        let fd = open(path, (writable ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0o644)
        if fd < 0 {
            if !writable && errno == ENOENT {
                throw HosoError.logDamaged(.logTruncated, path, vi: "Thiếu tệp của nhật ký", en: "A file of the log is missing")
            }
            throw HosoError.fromErrno(errno, path: path, action: .both("mở tệp nhật ký", "opening a log file"))
        }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    func size() throws -> UInt64 {
        var st = stat()
        if fstat(fd, &st) != 0 { throw HosoError.fromErrno(errno, path: path, action: .both("đọc tệp nhật ký", "reading a log file")) }
        return UInt64(st.st_size)
    }

    /// Fills `buffer` from `offset`; throws LOG_TRUNCATED when the file ends first.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw HosoError.fromErrno(errno, path: path, action: .both("đọc tệp nhật ký", "reading a log file"))
            }
            if n == 0 {
                throw HosoError.logDamaged(
                    .logTruncated, path, vi: "Tệp nhật ký ngắn hơn kích thước đã ghi nhận",
                    en: "The log file is shorter than its acknowledged size")
            }
            done += n
        }
    }

    func read(count: Int, at offset: UInt64) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try read(into: $0, at: offset) }
        return out
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw HosoError.fromErrno(errno, path: path, action: .both("ghi nhật ký", "writing the log"))
            }
            done += n
        }
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws { try bytes.withUnsafeBytes { try write($0, at: offset) } }

    func truncate(to size: UInt64) throws {
        if ftruncate(fd, off_t(size)) != 0 {
            throw HosoError.fromErrno(errno, path: path, action: .both("cắt phần ghi dở của nhật ký", "cutting an unfinished log append"))
        }
    }

    func sync() throws {
        if fdatasync(fd) != 0 { throw HosoError.fromErrno(errno, path: path, action: .both("đồng bộ nhật ký", "syncing the log")) }
    }
}

/// The acknowledged state of the log (`log/head`): its size, the archive write number it has logged through, and the
/// size of the newest checkpoint written (so removing that checkpoint is seen). A fixed-width line rewritten in place
/// (it lies in one sector, written whole or not); written only after every byte it counts is on the disk, so it is
/// what "acknowledged" means.
public struct LogHead: Sendable, Equatable {
    public var size: UInt64
    public var sequence: Int
    public var checkpoint: UInt64 = 0

    static let tag = "hoso-log-1"
    static let width = tag.utf8.count + 3 * 21 + 1

    var line: [UInt8] {
        func pad(_ v: String) -> String { " " + String(repeating: "0", count: 20 - v.count) + v }
        return Array((Self.tag + pad(String(size)) + pad(String(sequence)) + pad(String(checkpoint)) + "\n").utf8)
    }

    /// Nil for anything but exactly one well-formed line.
    init?(line bytes: [UInt8]) {
        guard bytes.count == Self.width, bytes.starts(with: Array(Self.tag.utf8)), bytes.last == 0x0A else { return nil }
        let parts = bytes[Self.tag.utf8.count..<(Self.width - 1)].split(separator: 0x20, omittingEmptySubsequences: false).dropFirst()
        guard parts.count == 3, parts.allSatisfy({ $0.count == 20 && $0.allSatisfy { $0 >= 48 && $0 <= 57 } }) else { return nil }
        let v = parts.map { String(decoding: $0, as: UTF8.self) }
        guard let size = UInt64(v[0]), let seq = Int(v[1]), let cp = UInt64(v[2]), size <= LogStore.maxSize, cp <= size else {
            return nil
        }
        (self.size, self.sequence, self.checkpoint) = (size, seq, cp)
    }

    public init(size: UInt64, sequence: Int, checkpoint: UInt64 = 0) {
        self.size = size
        self.sequence = sequence
        self.checkpoint = checkpoint
    }
}
