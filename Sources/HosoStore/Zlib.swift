import CHosoZlib
import HosoCore

/// A zlib compressor. The z_stream lives on the heap because zlib keeps pointers into it.
final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var out: [UInt8]

    init(level: Int32, outputCapacity: Int = 256 * 1024) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        out = [UInt8](repeating: 0, count: outputCapacity)
        guard hoso_deflate_init(stream, level) == Z_OK else { fatalError("deflateInit failed: out of memory") }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Feeds `input`; compressed bytes go to `sink` as they are produced. `finish` ends the stream.
    func process(_ input: UnsafeRawBufferPointer, finish: Bool,
                 sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let base = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
        stream.pointee.next_in = base
        stream.pointee.avail_in = uInt(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            let rc: Int32 = try out.withUnsafeMutableBytes { buf in
                stream.pointee.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buf.count)
                let rc = deflate(stream, flush)
                guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
                    throw HosoError(.internalError, LocalizedText(vi: "Lỗi nén zlib", en: "zlib compression error"),
                                    cause: "deflate rc \(rc)")
                }
                let n = buf.count - Int(stream.pointee.avail_out)
                if n > 0 { try sink(UnsafeRawBufferPointer(rebasing: buf[0..<n])) }
                return rc
            }
            if finish {
                if rc == Z_STREAM_END { break }
            } else if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 {
                break
            }
        }
    }

    /// Compresses a whole buffer in one go.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32) throws -> [UInt8] {
        let d = Deflater(level: level, outputCapacity: max(1024, input.count / 2 + 64))
        var result = [UInt8]()
        result.reserveCapacity(input.count / 2 + 64)
        try d.process(input, finish: true) { result.append(contentsOf: $0) }
        return result
    }
}

/// A zlib decompressor that reports a stream that ends early (truncation) apart from one whose
/// bytes are wrong (corruption), and rejects data after the end of the stream.
final class Inflater {
    enum State { case needMore, finished }

    private let stream: UnsafeMutablePointer<z_stream>
    private var out: [UInt8]
    private(set) var state: State = .needMore

    init(outputCapacity: Int = 256 * 1024) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        out = [UInt8](repeating: 0, count: outputCapacity)
        guard hoso_inflate_init(stream) == Z_OK else { fatalError("inflateInit failed: out of memory") }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    struct DataError: Error { var detail: String }

    /// Feeds compressed `input`; decompressed bytes go to `sink`. Throws `DataError` on bad data,
    /// including any byte after the end of the stream.
    func process(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if input.count == 0 { return }
        if state == .finished { throw DataError(detail: "data after the end of the zlib stream") }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        while true {
            let rc: Int32 = try out.withUnsafeMutableBytes { buf in
                stream.pointee.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buf.count)
                let rc = inflate(stream, Z_NO_FLUSH)
                let n = buf.count - Int(stream.pointee.avail_out)
                if n > 0 { try sink(UnsafeRawBufferPointer(rebasing: buf[0..<n])) }
                return rc
            }
            switch rc {
            case Z_STREAM_END:
                state = .finished
                if stream.pointee.avail_in != 0 { throw DataError(detail: "data after the end of the zlib stream") }
                return
            case Z_OK:
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { return }
            case Z_BUF_ERROR:
                // No progress possible: all input consumed, more is needed.
                return
            default:
                let msg = stream.pointee.msg.map { String(cString: $0) } ?? "rc \(rc)"
                throw DataError(detail: "zlib: \(msg)")
            }
        }
    }
}
