import CHosoZlib
import HosoCore

/// How a DEFLATE stream is framed.
package enum ZlibFormat: Sendable {
    /// zlib header and Adler-32 (objects in the store, PDF FlateDecode).
    case zlib
    /// gzip header and CRC-32 (sync bundles).
    case gzip
    /// No framing (QR payloads, where every byte counts).
    case raw

    var windowBits: Int32 {
        switch self {
        case .zlib: 15
        case .gzip: 15 + 16
        case .raw: -15
        }
    }
}

/// Bad compressed input: callers turn it into the error of their own format (a damaged object, PDF or bundle).
package struct ZlibDataError: Error, Sendable, Equatable {
    package enum Kind: Sendable { case damaged, truncated, trailingData, tooLarge }
    package var kind: Kind
    package var detail: String
}

/// A DEFLATE compressor. The z_stream lives on the heap because zlib keeps pointers into it.
package final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var out: [UInt8]

    package init(format: ZlibFormat = .zlib, level: Int32, memLevel: Int32 = 8, outputCapacity: Int = 256 * 1024) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        out = [UInt8](repeating: 0, count: outputCapacity)
        guard hoso_deflate_init2(stream, level, format.windowBits, memLevel) == Z_OK else {
            fatalError("deflateInit failed: out of memory")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Feeds `input`; compressed bytes go to `sink` as they are produced. `finish` ends the stream.
    package func process(_ input: UnsafeRawBufferPointer, finish: Bool, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let base = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
        stream.pointee.next_in = base
        stream.pointee.avail_in = uInt(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            let rc = try drain(sink) { deflate($0, flush) }
            guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else { throw Self.failure("deflate rc \(rc)") }
            if finish {
                if rc == Z_STREAM_END { return }
            } else if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 {
                return
            }
        }
    }

    /// Changes the compression level from here on (0: stored blocks, for content that does not compress, like scans).
    package func setLevel(_ level: Int32, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        while true {
            let rc = try drain(sink) { deflateParams($0, level, Z_DEFAULT_STRATEGY) }
            if rc == Z_OK { return }
            // Z_BUF_ERROR with a full buffer: pending output did not fit; go round again.
            guard rc == Z_BUF_ERROR, stream.pointee.avail_out == 0 else { throw Self.failure("deflateParams rc \(rc)") }
        }
    }

    /// Runs one zlib call with the whole output buffer and passes what it produced to `sink`.
    private func drain(_ sink: (UnsafeRawBufferPointer) throws -> Void, _ call: (z_streamp) -> Int32) throws -> Int32 {
        try out.withUnsafeMutableBytes { buf in
            stream.pointee.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(buf.count)
            let rc = call(stream)
            let n = buf.count - Int(stream.pointee.avail_out)
            if n > 0 { try sink(UnsafeRawBufferPointer(rebasing: buf[0..<n])) }
            return rc
        }
    }

    private static func failure(_ cause: String) -> HosoError {
        HosoError(.internalError, .both("Lỗi nén zlib", "zlib compression error"), cause: cause)
    }

    /// Compresses a whole buffer in one go.
    package static func compress(
        _ input: UnsafeRawBufferPointer, format: ZlibFormat = .zlib, level: Int32,
        memLevel: Int32 = 8
    ) throws -> [UInt8] {
        let d = Deflater(format: format, level: level, memLevel: memLevel, outputCapacity: max(1024, input.count / 2 + 64))
        var result = [UInt8]()
        result.reserveCapacity(input.count / 2 + 64)
        try d.process(input, finish: true) { result.append(contentsOf: $0) }
        return result
    }

    package static func compress(_ input: [UInt8], format: ZlibFormat = .zlib, level: Int32, memLevel: Int32 = 8) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0, format: format, level: level, memLevel: memLevel) }
    }
}

/// A DEFLATE decompressor that tells a stream that ends early (truncation) from one whose bytes are wrong
/// (damage), and refuses bytes after the end of the stream. Push style (`process`) for callers that hold the
/// input, pull style (`feed` + `inflate(into:)`) for readers that fill a caller's buffer.
package final class Inflater {
    package enum State: Sendable { case needMore, finished }

    private let stream: UnsafeMutablePointer<z_stream>
    private var out: [UInt8]
    package private(set) var state: State = .needMore

    package init(format: ZlibFormat = .zlib, outputCapacity: Int = 256 * 1024) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        out = [UInt8](repeating: 0, count: outputCapacity)
        guard hoso_inflate_init2(stream, format.windowBits) == Z_OK else { fatalError("inflateInit failed: out of memory") }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// True when all fed input has been consumed.
    package var needsInput: Bool { stream.pointee.avail_in == 0 }

    /// Gives the next compressed bytes; they must stay valid until `needsInput` is true again.
    package func feed(_ input: UnsafeRawBufferPointer) {
        stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
        stream.pointee.avail_in = uInt(input.count)
    }

    /// Inflates fed input into `output`; returns how many bytes it wrote (0 when it needs input or has finished).
    package func inflate(into output: UnsafeMutableRawBufferPointer) throws(ZlibDataError) -> Int {
        guard state == .needMore, let base = output.baseAddress, output.count > 0 else { return 0 }
        stream.pointee.next_out = base.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let rc = CHosoZlib.inflate(stream, Z_NO_FLUSH)
        let produced = output.count - Int(stream.pointee.avail_out)
        switch rc {
        case Z_STREAM_END:
            state = .finished
        case Z_OK, Z_BUF_ERROR:
            break  // Z_BUF_ERROR: no progress possible until more input comes
        default:
            let msg = stream.pointee.msg.map { String(cString: $0) } ?? "rc \(rc)"
            throw ZlibDataError(kind: .damaged, detail: "zlib: \(msg)")
        }
        return produced
    }

    /// Feeds `input` and passes everything it inflates to `sink`. Throws on bad data, including any byte after the
    /// end of the stream.
    package func process(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if input.count == 0 { return }
        if state == .finished { throw ZlibDataError(kind: .trailingData, detail: "data after the end of the zlib stream") }
        feed(input)
        try out.withUnsafeMutableBytes { buf in
            while true {
                let n = try inflate(into: buf)
                if n > 0 { try sink(UnsafeRawBufferPointer(rebasing: buf[0..<n])) }
                if state == .finished {
                    if !needsInput { throw ZlibDataError(kind: .trailingData, detail: "data after the end of the zlib stream") }
                    return
                }
                if needsInput && n < buf.count { return }
            }
        }
    }

    /// Inflates `input`, which must be exactly one complete stream (followed by nothing unless `allowTrailing`), into
    /// at most `limit` bytes. A stream that would give more stops as soon as it passes the limit (a decompression
    /// bomb costs nothing).
    package static func decompress(
        _ input: some Collection<UInt8>, format: ZlibFormat = .zlib, limit: Int,
        allowTrailing: Bool = false
    ) throws(ZlibDataError) -> [UInt8] {
        // Raw buffers, not closures over arrays, so the typed error passes straight through.
        let inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, input.count), alignment: 1)
        defer { inBuf.deallocate() }
        let inCount = inBuf.initializeMemory(as: UInt8.self, fromContentsOf: input).count
        let outBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: min(64 * 1024, limit + 1), alignment: 1)
        defer { outBuf.deallocate() }
        let z = Inflater(format: format, outputCapacity: 0)
        z.feed(UnsafeRawBufferPointer(rebasing: inBuf[0..<inCount]))
        var result = [UInt8]()
        while true {
            let n = try z.inflate(into: outBuf)
            guard result.count + n <= limit else {
                throw ZlibDataError(kind: .tooLarge, detail: "decompresses to more than \(limit) bytes")
            }
            result += UnsafeRawBufferPointer(rebasing: outBuf[0..<n])
            if z.state == .finished {
                guard z.needsInput || allowTrailing else {
                    throw ZlibDataError(kind: .trailingData, detail: "\(z.stream.pointee.avail_in) bytes after the end of the stream")
                }
                return result
            }
            if n == 0 && z.needsInput { throw ZlibDataError(kind: .truncated, detail: "the stream ends early") }
        }
    }
}

/// The CRC-32 of ZIP and gzip (zlib's).
package func crc32(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { UInt32(CHosoZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
}
