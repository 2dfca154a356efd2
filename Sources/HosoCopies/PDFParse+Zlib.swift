import Foundation
import HosoCore
import HosoPrimitives

/// FlateDecode streams: the shared bounded zlib, its failures told as the PDF's.
enum PDFZlib {
    /// Decompresses one zlib stream, refusing more than `limit` bytes of output (decompression bombs).
    static func inflate(_ input: ArraySlice<UInt8>, limit: Int) throws -> [UInt8] {
        do {
            // Bytes after the end of a Flate stream (padding before `endstream`) are common and harmless.
            return try Inflater.decompress(input, limit: limit, allowTrailing: true)
        } catch  where error.kind == .tooLarge {
            throw HosoError(
                .pdfTooLarge, .both("Tệp đính kèm giải nén lớn hơn \(limit) byte", "The attachment inflates to more than \(limit) bytes"))
        } catch {
            throw HosoError(
                .pdfMalformed, .both("Dữ liệu nén Flate trong PDF bị hỏng", "Damaged Flate data in the PDF"), cause: error.detail)
        }
    }

    static func deflate(_ input: [UInt8]) throws -> [UInt8] { try Deflater.compress(input, level: 9) }
}
