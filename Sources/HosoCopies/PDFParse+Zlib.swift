import CHosoZlib
import Foundation
import HosoCore

enum PDFZlib {
    /// Decompresses one zlib stream, refusing more than `limit` bytes of output (decompression bombs).
    static func inflate(_ input: ArraySlice<UInt8>, limit: Int) throws -> [UInt8] {
        let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        z.initialize(to: z_stream())
        defer {
            inflateEnd(z)
            z.deinitialize(count: 1)
            z.deallocate()
        }
        guard hoso_inflate_init(z) == Z_OK else { throw HosoError(.internalError, .both("zlib không khởi tạo được", "zlib failed to start")) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let bad = HosoError(.pdfMalformed, .both("Dữ liệu nén Flate trong PDF bị hỏng", "Damaged Flate data in the PDF"))
        return try input.withUnsafeBufferPointer { inBuf in
            z.pointee.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            z.pointee.avail_in = uInt(inBuf.count)
            while true {
                let (rc, n): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { o in
                    z.pointee.next_out = o.baseAddress
                    z.pointee.avail_out = uInt(o.count)
                    let rc = CHosoZlib.inflate(z, Z_NO_FLUSH)
                    return (rc, o.count - Int(z.pointee.avail_out))
                }
                guard out.count + n <= limit else {
                    throw HosoError(.pdfTooLarge, .both("Tệp đính kèm giải nén lớn hơn \(limit) byte", "The attachment inflates to more than \(limit) bytes"))
                }
                out += chunk[0..<n]
                switch rc {
                case Z_STREAM_END: return out
                case Z_OK: continue
                case Z_BUF_ERROR where z.pointee.avail_in == 0: throw bad  // truncated
                case Z_BUF_ERROR: continue
                default: throw bad
                }
            }
        }
    }

    static func deflate(_ input: [UInt8]) throws -> [UInt8] {
        let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        z.initialize(to: z_stream())
        defer {
            deflateEnd(z)
            z.deinitialize(count: 1)
            z.deallocate()
        }
        guard hoso_deflate_init(z, 9) == Z_OK else { throw HosoError(.internalError, .both("zlib không khởi tạo được", "zlib failed to start")) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(z, uLong(input.count))) + 64)
        return try input.withUnsafeBufferPointer { inBuf in
            z.pointee.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            z.pointee.avail_in = uInt(inBuf.count)
            let (rc, n): (Int32, Int) = out.withUnsafeMutableBufferPointer { o in
                z.pointee.next_out = o.baseAddress
                z.pointee.avail_out = uInt(o.count)
                let rc = CHosoZlib.deflate(z, Z_FINISH)
                return (rc, o.count - Int(z.pointee.avail_out))
            }
            guard rc == Z_STREAM_END else {
                throw HosoError(.internalError, .both("Nén zlib không thành công", "zlib compression failed"), cause: "rc \(rc)")
            }
            return Array(out[0..<n])
        }
    }
}
