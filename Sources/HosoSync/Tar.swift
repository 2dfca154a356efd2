import HosoCore

extension HosoError.Code {
    /// The bundle is not a well-formed tar archive (bad header checksum, truncated, bad size field).
    public static let tarMalformed = Self("BUNDLE_TAR_MALFORMED", .badInput)
    /// A member's path is absolute, climbs with `..`, or is otherwise not a plain relative path.
    public static let tarUnsafePath = Self("BUNDLE_UNSAFE_PATH", .badInput)
    /// A member is a symbolic link, hard link, device or other non-regular entry.
    public static let tarUnsupportedEntry = Self("BUNDLE_UNSUPPORTED_ENTRY", .badInput)
    /// A member, the tag files or the whole bundle exceed the size bounds (a decompression bomb included).
    public static let bundleTooLarge = Self("BUNDLE_TOO_LARGE", .badInput)
}

/// Reads bytes from somewhere: fills the buffer it is given, returns the count, 0 at the end.
public protocol ByteSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Writes bytes somewhere.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// A POSIX ustar writer: regular files only, names split into prefix/name when longer than 100 bytes.
/// Just what bundles need; every header field is written the same way each time, so equal input gives equal bytes.
public final class TarWriter {
    private let sink: any ByteSink
    private var mtime: Int

    public init(sink: any ByteSink, mtime: Int) {
        self.sink = sink
        self.mtime = max(0, mtime)
    }

    /// Starts a regular file of `size` bytes; the caller then writes exactly `size` bytes with `body`.
    public func add(path: String, size: UInt64, body: (any ByteSink) throws -> Void) throws {
        try sink.writeBytes(try Self.header(path: path, size: size, mtime: mtime))
        let counter = CountingSink(sink)
        try body(counter)
        guard counter.count == size else {
            throw HosoError(
                .internalError, .both("Độ dài thành phần tar không khớp", "A tar member's length does not match its header"),
                location: path, cause: "\(counter.count) != \(size)")
        }
        let pad = Int((512 - size % 512) % 512)
        if pad > 0 { try sink.writeBytes([UInt8](repeating: 0, count: pad)) }
    }

    public func add(path: String, bytes: [UInt8]) throws {
        try add(path: path, size: UInt64(bytes.count)) { try $0.writeBytes(bytes) }
    }

    /// The end-of-archive marker: two zero blocks.
    public func finish() throws {
        try sink.writeBytes([UInt8](repeating: 0, count: 1024))
    }

    /// A directory entry (so an empty payload still extracts with its `data/`, as BagIt requires).
    public func addDirectory(path: String) throws {
        try sink.writeBytes(try Self.header(path: path, size: 0, mtime: mtime, type: 0x35, mode: 0o755))
    }

    static func header(path: String, size: UInt64, mtime: Int, type: UInt8 = 0x30, mode: UInt64 = 0o644) throws -> [UInt8] {
        let utf8 = Array(path.utf8)
        var name = utf8
        var prefix = [UInt8]()
        if utf8.count > 100 {
            // Split at a '/' so that the name part fits in 100 bytes and the prefix in 155.
            guard let cut = utf8.indices.last(where: { utf8[$0] == 0x2F && utf8.count - $0 - 1 <= 100 && $0 <= 155 }) else {
                throw HosoError(.internalError, .both("Đường dẫn quá dài cho ustar", "Path too long for ustar"), location: path)
            }
            prefix = Array(utf8[..<cut])
            name = Array(utf8[(cut + 1)...])
        }
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) { for (i, b) in bytes.enumerated() { h[offset + i] = b } }
        func octal(_ value: UInt64, width: Int) -> [UInt8] {
            let s = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - s.count)) + s).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(mode, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(UInt64(mtime), width: 12), at: 136)
        put(Array("        ".utf8), at: 148)
        h[156] = type  // '0': regular file, '5': directory
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(Array("hoso".utf8), at: 265)
        put(Array("hoso".utf8), at: 297)
        put(prefix, at: 345)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(Array((String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8)).utf8) + [0, 0x20], at: 148)
        return h
    }
}

/// One member of a tar archive as the reader found it.
public struct TarEntry: Sendable {
    /// The checked path: relative, no `.`/`..`/empty components.
    public var path: String
    public var components: [String]
    public var size: UInt64
    public var isDirectory: Bool
}

/// A strict streaming ustar reader. It never creates files: callers decide where (if anywhere) bytes go.
/// Refused: bad checksums, symbolic and hard links, devices, FIFOs, pax/GNU extension headers, unsafe paths,
/// members larger than `maxMemberSize`, and archives longer than `maxTotalBytes`.
public final class TarReader {
    private let source: any ByteSource
    public var maxMemberSize: UInt64
    private var pendingBody: UInt64 = 0
    private var pendingPad: Int = 0
    public private(set) var finished = false

    public init(source: any ByteSource, maxMemberSize: UInt64) {
        self.source = source
        self.maxMemberSize = maxMemberSize
    }

    /// The next member's header, or nil at the end-of-archive marker. The previous member's body must have been read.
    public func next() throws -> TarEntry? {
        precondition(pendingBody == 0, "read the previous member's body first")
        if pendingPad > 0 {
            try skip(pendingPad)
            pendingPad = 0
        }
        var h = [UInt8](repeating: 0, count: 512)
        guard try fill(&h) else {
            throw HosoError(
                .tarMalformed,
                .both("Tệp tar kết thúc đột ngột (thiếu khối kết thúc)", "The tar file ends abruptly (no end-of-archive blocks)"))
        }
        if h.allSatisfy({ $0 == 0 }) {
            finished = true
            return nil
        }
        let stored = Self.parseOctal(h[148..<156])
        var copy = h
        for i in 148..<156 { copy[i] = 0x20 }
        guard let stored, stored == UInt64(copy.reduce(0) { $0 + Int($1) }) else {
            throw HosoError(.tarMalformed, .both("Sai tổng kiểm tra ở đầu một thành phần tar", "Bad checksum in a tar header"))
        }
        func text(_ r: Range<Int>) -> String {
            let bytes = h[r].prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        let isUstar = h[257..<262].elementsEqual(Array("ustar".utf8))
        var path = text(0..<100)
        if isUstar, !text(345..<500).isEmpty { path = text(345..<500) + "/" + path }
        let type = h[156]
        switch type {
        case 0x30, 0x00, 0x35: break
        case 0x32:
            throw HosoError(
                .tarUnsupportedEntry,
                .both("Gói chứa liên kết tượng trưng (symlink); không nhận", "The bundle holds a symbolic link; refused"),
                location: path, cause: "-> " + text(157..<257))
        case 0x31:
            throw HosoError(
                .tarUnsupportedEntry, .both("Gói chứa liên kết cứng (hard link); không nhận", "The bundle holds a hard link; refused"),
                location: path, cause: "-> " + text(157..<257))
        default:
            throw HosoError(
                .tarUnsupportedEntry,
                .both("Gói chứa thành phần không phải tệp thường", "The bundle holds an entry that is not a regular file"),
                location: path, cause: "type '\(String(UnicodeScalar(type)))'")
        }
        let components = try Self.checkPath(path)
        guard let size = Self.parseOctal(h[124..<136]) else {
            throw HosoError(.tarMalformed, .both("Trường kích thước tar không hợp lệ", "Invalid tar size field"), location: path)
        }
        let isDir = type == 0x35
        if isDir && size != 0 {
            throw HosoError(.tarMalformed, .both("Thư mục trong tar có kích thước", "A tar directory entry has a size"), location: path)
        }
        if size > maxMemberSize {
            throw HosoError(
                .bundleTooLarge, .both("Một thành phần của gói quá lớn", "A member of the bundle is too large"),
                location: path, cause: "\(size) > \(maxMemberSize) bytes")
        }
        pendingBody = size
        pendingPad = Int((512 - size % 512) % 512)
        return TarEntry(path: components.joined(separator: "/"), components: components, size: size, isDirectory: isDir)
    }

    /// Streams the current member's body to `sink` in chunks.
    public func readBody(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while pendingBody > 0 {
            let want = Int(min(UInt64(buf.count), pendingBody))
            let got = try buf.withUnsafeMutableBytes { b in try readFully(UnsafeMutableRawBufferPointer(rebasing: b[0..<want])) }
            if got < want {
                throw HosoError(.tarMalformed, .both("Tệp tar bị cắt cụt giữa một thành phần", "The tar file is truncated inside a member"))
            }
            try buf.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<want])) }
            pendingBody -= UInt64(want)
        }
    }

    /// The current member's body in memory (callers bound `size` first).
    public func readBody() throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Int(pendingBody))
        try readBody { out.append(contentsOf: $0) }
        return out
    }

    public func skipBody() throws { try readBody { _ in } }

    /// Pulls up to `buffer.count` bytes of the current member's body; 0 at its end.
    public func readBodyChunk(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let want = Int(min(UInt64(buffer.count), pendingBody))
        if want == 0 { return 0 }
        let got = try readFully(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
        if got < want {
            throw HosoError(.tarMalformed, .both("Tệp tar bị cắt cụt giữa một thành phần", "The tar file is truncated inside a member"))
        }
        pendingBody -= UInt64(got)
        return got
    }

    /// Bytes of the current member's body not read yet.
    public var remainingBody: UInt64 { pendingBody }

    // MARK: - Helpers

    /// A member path must be relative and plain: no leading '/', no '.', '..' or empty components, no backslashes or
    /// control characters. Checked even though the reader never writes files: a bag with such names is not ours.
    public static func checkPath(_ path: String) throws -> [String] {
        func unsafe(_ why: String) -> HosoError {
            HosoError(
                .tarUnsafePath, .both("Đường dẫn không an toàn trong gói: \(why)", "Unsafe path in the bundle: \(why)"), location: path)
        }
        if path.isEmpty { throw unsafe("empty") }
        if path.hasPrefix("/") { throw unsafe("absolute") }
        if path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0x5C }) { throw unsafe("control character or backslash") }
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts.removeLast() }  // "dir/" for directories
        for p in parts {
            if p == ".." { throw unsafe("'..'") }
            if p == "." || p.isEmpty { throw unsafe("empty or '.' component") }
        }
        return parts
    }

    static func parseOctal(_ field: ArraySlice<UInt8>) -> UInt64? {
        let digits = field.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
        if digits.isEmpty { return field.allSatisfy { $0 == 0 || $0 == 0x20 } ? 0 : nil }
        var v: UInt64 = 0
        for d in digits {
            guard d >= 0x30 && d <= 0x37, v <= (UInt64.max >> 3) else { return nil }
            v = v << 3 | UInt64(d - 0x30)
        }
        return v
    }

    private func fill(_ block: inout [UInt8]) throws -> Bool {
        let n = try block.withUnsafeMutableBytes { try readFully($0) }
        if n == 0 { return false }
        if n < block.count { throw HosoError(.tarMalformed, .both("Tệp tar bị cắt cụt", "The tar file is truncated")) }
        return true
    }

    private func skip(_ n: Int) throws {
        var b = [UInt8](repeating: 0, count: n)
        if try b.withUnsafeMutableBytes({ try readFully($0) }) < n {
            throw HosoError(.tarMalformed, .both("Tệp tar bị cắt cụt", "The tar file is truncated"))
        }
    }

    private func readFully(_ buf: UnsafeMutableRawBufferPointer) throws -> Int {
        var total = 0
        while total < buf.count {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[total...]))
            if n == 0 { break }
            total += n
        }
        return total
    }
}

extension ByteSink {
    public func writeBytes(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
}

/// Counts what passes through, to check a member's length against its header.
final class CountingSink: ByteSink {
    let inner: any ByteSink
    var count: UInt64 = 0
    init(_ inner: any ByteSink) { self.inner = inner }
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        count += UInt64(bytes.count)
        try inner.write(bytes)
    }
}
