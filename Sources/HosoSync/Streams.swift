import HosoCore
import HosoPrimitives
import HosoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file through a file descriptor, counting the bytes.
public final class FileSource: ByteSource {
    let handle: FileHandleFD
    public private(set) var consumed: UInt64 = 0

    public init(path: String) throws {
        handle = try FileHandleFD.open(path, flags: O_RDONLY, action: .both("đọc gói", "reading the bundle"))
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        do {
            let n = try handle.read(into: buffer)
            consumed += UInt64(n)
            return n
        } catch let e as Errno {
            throw HosoError.fromErrno(e.code, path: handle.path, action: .both("đọc gói", "reading the bundle"))
        }
    }
}

/// Bytes already in memory.
public final class MemorySource: ByteSource {
    let bytes: [UInt8]
    var offset = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n > 0 {
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) }
        }
        offset += n
        return n
    }
}

/// Collects bytes in memory.
public final class MemorySink: ByteSink {
    public private(set) var bytes = [UInt8]()
    public init() {}
    public func write(_ b: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: b) }
}

/// Writes to a file descriptor, counting the bytes.
public final class FileSink: ByteSink {
    public let handle: FileHandleFD
    public private(set) var written: UInt64 = 0
    public init(handle: FileHandleFD) { self.handle = handle }
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        do { try handle.writeAll(bytes) } catch let e as Errno {
            throw HosoError.fromErrno(e.code, path: handle.path, action: .both("ghi gói", "writing the bundle"))
        }
        written += UInt64(bytes.count)
    }
}

/// Passes bytes through unless the stream is gzip (magic 1f 8b), which it inflates. The inflated total is bounded by
/// `limit`, which the caller may lower once it knows (from signed metadata) how much to expect: a small file that
/// inflates without end — a decompression bomb — is refused as soon as it passes the bound, before it is stored.
public final class BoundedInflatingSource: ByteSource {
    private let inner: any ByteSource
    public var limit: UInt64
    public private(set) var produced: UInt64 = 0
    public private(set) var isGzip = false
    private var started = false
    private var z: Inflater?
    // Raw memory: zlib keeps a pointer into it between calls, which a Swift array does not allow.
    private let inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
    private var pending = [UInt8]()  // bytes read while sniffing the magic
    private var ended = false

    public init(_ inner: any ByteSource, limit: UInt64) {
        self.inner = inner
        self.limit = limit
    }

    deinit { inBuf.deallocate() }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if !started {
            started = true
            var head = [UInt8](repeating: 0, count: 2)
            var got = 0
            while got < 2 {
                let n = try head.withUnsafeMutableBytes { try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[got...])) }
                if n == 0 { break }
                got += n
            }
            pending = Array(head[0..<got])
            if got == 2 && head == [0x1F, 0x8B] {
                isGzip = true
                z = Inflater(format: .gzip, outputCapacity: 0)
            }
        }
        let n = isGzip ? try inflateInto(buffer) : try passInto(buffer)
        produced += UInt64(n)
        if produced > limit {
            throw HosoError(
                .bundleTooLarge,
                .both(
                    "Gói giải nén ra lớn hơn giới hạn (có thể là bom giải nén); không nhận gì",
                    "The bundle inflates past its limit (a decompression bomb?); nothing was imported"),
                cause: "more than \(limit) bytes")
        }
        return n
    }

    /// Reads a gzip stream to its very end: through the trailer, so that its CRC-32 and length are checked (a tar
    /// reader stops at the archive's end marker, before them), with nothing after it. A plain stream is left as is.
    public func readToEnd() throws {
        guard isGzip, let z else { return }
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        while try scratch.withUnsafeMutableBytes({ try read(into: $0) }) > 0 {}
        let after = z.needsInput ? try inner.read(into: inBuf) : 1
        if after > 0 {
            throw HosoError(.tarMalformed, .both("Có dữ liệu sau cuối luồng gzip", "There is data after the end of the gzip stream"))
        }
    }

    private func passInto(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if !pending.isEmpty {
            let n = min(buffer.count, pending.count)
            pending.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            pending.removeFirst(n)
            return n
        }
        return try inner.read(into: buffer)
    }

    private func inflateInto(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let z, buffer.count > 0 else { return 0 }
        while z.state == .needMore {
            if z.needsInput {
                var n: Int
                if !pending.isEmpty {
                    n = pending.count
                    pending.withUnsafeBytes { inBuf.copyMemory(from: $0) }
                    pending = []
                } else {
                    n = try inner.read(into: inBuf)
                }
                if n == 0 {
                    throw HosoError(.tarMalformed, .both("Luồng gzip kết thúc đột ngột", "The gzip stream ends abruptly"))
                }
                z.feed(UnsafeRawBufferPointer(rebasing: inBuf[0..<n]))
            }
            let produced: Int
            do { produced = try z.inflate(into: buffer) } catch {
                throw HosoError(.tarMalformed, .both("Dữ liệu gzip hỏng", "The gzip data is damaged"), cause: error.detail)
            }
            if produced > 0 { return produced }
        }
        return 0
    }
}

/// Compresses what it is given as gzip into another sink.
public final class GzipSink: ByteSink {
    private let inner: any ByteSink
    private let z: Deflater
    private var level: Int32

    public init(_ inner: any ByteSink, level: Int32 = 1) throws {
        self.inner = inner
        self.level = level
        z = Deflater(format: .gzip, level: level)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        try z.process(bytes, finish: false) { try inner.write($0) }
    }

    public func finish() throws {
        try z.process(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) { try inner.write($0) }
    }

    /// Changes the compression level from here on (0: stored blocks, for content that does not compress, like scans).
    public func setLevel(_ newLevel: Int32) throws {
        guard newLevel != level else { return }
        try z.setLevel(newLevel) { try inner.write($0) }
        level = newLevel
    }
}
