import CGdkPixbuf
import CPangoCairo
import CQRencode
import CZbar
import Foundation
import HosoCore

extension HosoError.Code {
    /// libqrencode could not make a QR code of the text (too long for any version, or not encodable).
    public static let qrEncodeFailed = Self("QR_ENCODE_FAILED", .badInput)
    /// An image to scan could not be read (damaged, truncated, not what its header says).
    public static let qrImageUnreadable = Self("QR_IMAGE_UNREADABLE", .badInput)
    /// An image format the scanner does not read (JPEG, TIFF, …): convert it to PNG or PGM/PPM.
    public static let qrImageUnsupported = Self("QR_IMAGE_FORMAT_UNSUPPORTED", .badInput)
    /// An image too large to scan (file size or pixel count over the limits).
    public static let qrImageTooLarge = Self("QR_IMAGE_TOO_LARGE", .badInput)
}

/// QR codes: made with libqrencode, drawn as a module matrix or a PNG (cairo), read back with zbar.
public enum QRCode {
    public enum ErrorCorrection: Sendable, CaseIterable {
        case l, m, q, h

        var qr: QRecLevel {
            switch self {
            case .l: QR_ECLEVEL_L
            case .m: QR_ECLEVEL_M
            case .q: QR_ECLEVEL_Q
            case .h: QR_ECLEVEL_H
            }
        }
    }

    /// The largest image file `decode(imageFile:)` reads.
    public static let maxFileBytes = 64 << 20
    /// The most pixels an image to scan may have: a phone's 12 MP photo (4032×3024) fits with room; more pixels only
    /// cost memory and time (a 16 MP RGB image decodes to 48 MB), never a better read of a QR code.
    public static let maxPixels = 16_000_000

    // MARK: Encoding

    /// The smallest QR code (any version) for `text` at `level`: its version and its modules, `modules[row][column]`,
    /// true for dark, without the quiet zone. Text entirely in the QR alphanumeric set ("0-9A-Z $%*+-./:", as
    /// `QRPayloadCodec` writes) is encoded in ALPHANUMERIC mode; other text is split into modes by libqrencode.
    public static func modules(for text: String, level: ErrorCorrection = .m) throws -> (version: Int, modules: [[Bool]]) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else {
            throw HosoError(.qrEncodeFailed, .both("Văn bản trống hoặc chứa ký tự NUL", "The text is empty or holds a NUL character"))
        }
        let code: UnsafeMutablePointer<QRcode>?
        errno = 0
        if bytes.allSatisfy(isAlphanumeric) {
            guard let input = QRinput_new2(0, level.qr) else { throw encodeError(errno) }
            defer { QRinput_free(input) }
            guard QRinput_append(input, QR_MODE_AN, Int32(bytes.count), bytes) == 0 else { throw encodeError(errno) }
            code = QRcode_encodeInput(input)
        } else {
            code = QRcode_encodeString(text, 0, level.qr, QR_MODE_8, 1)
        }
        guard let code else { throw encodeError(errno) }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = code.pointee.data!
        // Bit 0 of each byte is the module's colour; the other bits are libqrencode's bookkeeping.
        let rows = (0..<width).map { y in (0..<width).map { x in data[y * width + x] & 1 == 1 } }
        return (Int(code.pointee.version), rows)
    }

    static func isAlphanumeric(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x20, 0x24, 0x25, 0x2A, 0x2B, 0x2D, 0x2E, 0x2F, 0x3A: true
        default: false
        }
    }

    static func encodeError(_ e: Int32) -> HosoError {
        if e == ERANGE {
            return HosoError(.qrEncodeFailed, .both("Văn bản quá dài cho mã QR", "The text is too long for a QR code"))
        }
        return HosoError(.qrEncodeFailed, .both("Không tạo được mã QR", "Could not make the QR code"), cause: errnoText(e))
    }

    static func errnoText(_ e: Int32) -> String { "errno \(e): \(String(cString: strerror(e)))" }

    /// A PNG of the QR code for `text`: black on white, `scale` pixels per module (1–64) and a quiet zone of
    /// `border` modules (0–64; 4 is what ISO/IEC 18004 asks).
    public static func png(for text: String, level: ErrorCorrection = .m, scale: Int = 4, border: Int = 4) throws -> [UInt8] {
        guard (1...64).contains(scale), (0...64).contains(border) else {
            throw HosoError(
                .qrEncodeFailed,
                .both(
                    "Tỉ lệ phải từ 1 đến 64 điểm ảnh, lề từ 0 đến 64 ô",
                    "The scale must be 1–64 pixels and the border 0–64 modules"))
        }
        let matrix = try modules(for: text, level: level).modules
        let side = (matrix.count + 2 * border) * scale
        let surface = try QRImage(width: side, height: side)
        surface.withPixels { base, stride in
            for y in 0..<side {
                let row = (base + y * stride).assumingMemoryBound(to: UInt32.self)
                let my = y / scale - border
                for x in 0..<side {
                    let mx = x / scale - border
                    let dark = my >= 0 && my < matrix.count && mx >= 0 && mx < matrix.count && matrix[my][mx]
                    row[x] = dark ? 0xFF00_0000 : 0xFFFF_FFFF
                }
            }
        }
        return try surface.png()
    }

    // MARK: Decoding

    /// The text of every QR code zbar finds in a PNG image; empty when it finds none.
    public static func decode(png: [UInt8]) throws -> [String] {
        let image = try QRImage(png: png)
        let (grey, w, h) = image.grey()
        return try decode(grey: grey, width: w, height: h)
    }

    /// The text of every QR code in a binary or plain PGM/PPM image (P2, P3, P5, P6; up to 16 bits a sample).
    public static func decode(pnm: [UInt8]) throws -> [String] {
        let (grey, w, h) = try QRNetpbm.grey(pnm)
        return try decode(grey: grey, width: w, height: h)
    }

    /// The text of every QR code in an image file: PNG, or PGM/PPM. JPEG and other formats are not read yet.
    public static func decode(imageFile path: String) throws -> [String] {
        let bytes = try readImageFile(path)
        do {
            if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return try decode(png: bytes) }
            if bytes.count >= 2, bytes[0] == 0x50, [0x32, 0x33, 0x35, 0x36].contains(bytes[1]) { return try decode(pnm: bytes) }
        } catch var e as HosoError {
            if e.location == nil { e.location = path }
            throw e
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return try decode(jpegFile: path) }
        let kind: String? = nil
        throw HosoError(
            .qrImageUnsupported,
            .both(
                "Chưa đọc được định dạng ảnh \(kind ?? "này"); hãy chuyển sang PNG hoặc PGM/PPM",
                "Cannot read \(kind.map { "\($0) images" } ?? "this image format") yet; convert to PNG or PGM/PPM"),
            location: path)
    }

    /// A JPEG photo, through gdk-pixbuf: its size is read from the header first, so a huge image is refused before
    /// any pixel is decoded.
    static func decode(jpegFile path: String) throws -> [String] {
        var w: Int32 = 0
        var h: Int32 = 0
        guard gdk_pixbuf_get_file_info(path, &w, &h) != nil, w > 0, h > 0 else {
            throw HosoError(.qrImageUnreadable, .both("Không đọc được ảnh JPEG", "Cannot read the JPEG image"), location: path)
        }
        guard Int(w) * Int(h) <= maxPixels else {
            throw HosoError(
                .qrImageTooLarge, .both("Ảnh quá lớn (\(w)×\(h) điểm ảnh)", "The image is too large (\(w)×\(h) pixels)"), location: path)
        }
        var err: UnsafeMutablePointer<GError>?
        guard let pb = gdk_pixbuf_new_from_file(path, &err) else {
            let why = err.map { String(cString: $0.pointee.message) } ?? ""
            if let err { g_error_free(err) }
            throw HosoError(.qrImageUnreadable, .both("Không đọc được ảnh JPEG", "Cannot read the JPEG image"), location: path, cause: why)
        }
        defer { hoso_pixbuf_unref(pb) }
        let width = Int(gdk_pixbuf_get_width(pb))
        let height = Int(gdk_pixbuf_get_height(pb))
        let stride = Int(gdk_pixbuf_get_rowstride(pb))
        let channels = Int(gdk_pixbuf_get_n_channels(pb))
        guard let pixels = gdk_pixbuf_get_pixels(pb), channels >= 3, gdk_pixbuf_get_bits_per_sample(pb) == 8 else {
            throw HosoError(.qrImageUnreadable, .both("Định dạng điểm ảnh không hỗ trợ", "Unsupported pixel format"), location: path)
        }
        var grey = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            let row = pixels + y * stride
            for x in 0..<width {
                let p = row + x * channels
                // ITU-R BT.601 luma, integer arithmetic.
                let r: Int = 299 * Int(p[0])
                let g: Int = 587 * Int(p[1])
                let b: Int = 114 * Int(p[2])
                grey[y * width + x] = UInt8((r + g + b) / 1000)
            }
        }
        return try decode(grey: grey, width: width, height: height)
    }

    static func readImageFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HosoError.fromErrno(errno, path: path, action: .both("mở ảnh", "opening the image")) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HosoError.fromErrno(errno, path: path, action: .both("đọc ảnh", "reading the image")) }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw HosoError(.inputNotRegular, .both("Không phải tệp thường", "Not a regular file"), location: path)
        }
        guard Int(st.st_size) <= maxFileBytes else {
            throw HosoError(
                .qrImageTooLarge, .both("Tệp ảnh lớn quá \(maxFileBytes >> 20) MiB", "The image file is over \(maxFileBytes >> 20) MiB"),
                location: path)
        }
        var out = [UInt8](repeating: 0, count: Int(st.st_size) + 1)
        var done = 0
        while done < out.count {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HosoError.fromErrno(errno, path: path, action: .both("đọc ảnh", "reading the image"))
            }
            if n == 0 { break }
            done += n
        }
        guard done <= maxFileBytes else {
            throw HosoError(
                .qrImageTooLarge, .both("Tệp ảnh lớn quá \(maxFileBytes >> 20) MiB", "The image file is over \(maxFileBytes >> 20) MiB"),
                location: path)
        }
        out.removeSubrange(done...)
        return out
    }

    /// The text of every QR code zbar finds in an 8-bit grey (Y800) image of `width` × `height`, row by row.
    public static func decode(grey: [UInt8], width: Int, height: Int) throws -> [String] {
        guard width > 0, height > 0, width <= maxPixels / height, grey.count == width * height else {
            throw HosoError(.qrImageUnreadable, .both("Kích thước ảnh không khớp dữ liệu", "The image size does not match its data"))
        }
        guard let scanner = zbar_image_scanner_create() else {
            throw HosoError(.internalError, .both("Không khởi tạo được zbar", "Could not start zbar"))
        }
        defer { zbar_image_scanner_destroy(scanner) }
        _ = zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        _ = zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        return try grey.withUnsafeBytes { raw in
            guard let image = zbar_image_create() else {
                throw HosoError(.internalError, .both("Không khởi tạo được zbar", "Could not start zbar"))
            }
            // Destroyed inside this closure, while `grey` (which zbar borrows, no cleanup handler) is still alive.
            defer { zbar_image_destroy(image) }
            zbar_image_set_format(image, hoso_zbar_y800())
            zbar_image_set_size(image, UInt32(width), UInt32(height))
            zbar_image_set_data(image, raw.baseAddress, UInt(raw.count), nil)
            guard zbar_scan_image(scanner, image) >= 0 else {
                throw HosoError(.qrImageUnreadable, .both("zbar không quét được ảnh", "zbar could not scan the image"))
            }
            var texts = [String]()
            var symbol = zbar_image_first_symbol(image)
            while let s = symbol {
                if zbar_symbol_get_type(s) == ZBAR_QRCODE, let data = zbar_symbol_get_data(s) {
                    let n = Int(zbar_symbol_get_data_length(s))
                    texts.append(
                        data.withMemoryRebound(to: UInt8.self, capacity: n) {
                            String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
                        })
                }
                symbol = zbar_symbol_next(s)
            }
            return texts
        }
    }
}

// MARK: - cairo image surfaces

/// A cairo image surface (owned; destroyed in deinit).
final class QRImage {
    let surface: OpaquePointer

    /// A white-initialised RGB24 surface.
    init(width: Int, height: Int) throws {
        guard width > 0, height > 0, width <= QRCode.maxPixels / height else {
            throw HosoError(.qrImageTooLarge, .both("Ảnh quá lớn", "The image is too large"))
        }
        let s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))!
        guard cairo_surface_status(s) == CAIRO_STATUS_SUCCESS else {
            let reason = String(cString: cairo_status_to_string(cairo_surface_status(s)))
            cairo_surface_destroy(s)
            throw HosoError(.internalError, .both("Không tạo được ảnh", "Could not create an image"), cause: reason)
        }
        surface = s
    }

    /// Reads a PNG. The size in the IHDR chunk is checked before cairo allocates anything.
    init(png: [UInt8]) throws {
        guard png.count >= 33, png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
            Array(png[12..<16]) == Array("IHDR".utf8)
        else {
            throw HosoError(.qrImageUnreadable, .both("Không phải ảnh PNG", "Not a PNG image"))
        }
        func be32(_ i: Int) -> Int { png[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let w = be32(16)
        let h = be32(20)
        guard w > 0, h > 0 else { throw HosoError(.qrImageUnreadable, .both("Ảnh PNG có kích thước 0", "The PNG image has a zero size")) }
        guard w <= QRCode.maxPixels / h else {
            throw HosoError(
                .qrImageTooLarge,
                .both(
                    "Ảnh \(w)×\(h) có quá \(QRCode.maxPixels) điểm ảnh",
                    "The \(w)×\(h) image has over \(QRCode.maxPixels) pixels"))
        }
        let source = ByteSource(png)
        let s = cairo_image_surface_create_from_png_stream(
            { closure, data, length in
                let src = Unmanaged<ByteSource>.fromOpaque(closure!).takeUnretainedValue()
                let n = Int(length)
                guard let data, n <= src.bytes.count - src.offset else { return CAIRO_STATUS_READ_ERROR }
                src.bytes.withUnsafeBufferPointer { buf in
                    data.update(from: buf.baseAddress! + src.offset, count: n)
                }
                src.offset += n
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(source).toOpaque())!
        let status = cairo_surface_status(s)
        withExtendedLifetime(source) {}
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(s)
            throw HosoError(
                .qrImageUnreadable, .both("Không đọc được ảnh PNG", "Cannot read the PNG image"),
                cause: String(cString: cairo_status_to_string(status)))
        }
        surface = s
    }

    deinit { cairo_surface_destroy(surface) }

    var width: Int { Int(cairo_image_surface_get_width(surface)) }
    var height: Int { Int(cairo_image_surface_get_height(surface)) }

    /// Gives the pixel rows (native-endian 32-bit pixels) to `body`, then tells cairo they changed.
    func withPixels(_ body: (UnsafeMutableRawPointer, Int) -> Void) {
        cairo_surface_flush(surface)
        body(UnsafeMutableRawPointer(cairo_image_surface_get_data(surface)!), Int(cairo_image_surface_get_stride(surface)))
        cairo_surface_mark_dirty(surface)
    }

    /// 8-bit grey (ITU-R BT.601 luma), transparent pixels laid on white. Formats other than ARGB32/RGB24 are first
    /// painted onto an RGB24 surface.
    func grey() -> (bytes: [UInt8], width: Int, height: Int) {
        let format = cairo_image_surface_get_format(surface)
        if format != CAIRO_FORMAT_ARGB32 && format != CAIRO_FORMAT_RGB24,
            let flat = try? QRImage(width: width, height: height)
        {
            let cr = cairo_create(flat.surface)
            cairo_set_source_rgb(cr, 1, 1, 1)
            cairo_paint(cr)
            cairo_set_source_surface(cr, surface, 0, 0)
            cairo_paint(cr)
            cairo_destroy(cr)
            return flat.grey()
        }
        let hasAlpha = format == CAIRO_FORMAT_ARGB32
        let w = width
        let h = height
        var out = [UInt8](repeating: 255, count: w * h)
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { return (out, w, h) }
        let stride = Int(cairo_image_surface_get_stride(surface))
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<h {
                let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<w {
                    let p = row[x]
                    // Premultiplied alpha: over white, each channel gains (255 − alpha).
                    let white = hasAlpha ? 255 - Int(p >> 24) : 0
                    let r = Int((p >> 16) & 0xFF) + white
                    let g = Int((p >> 8) & 0xFF) + white
                    let b = Int(p & 0xFF) + white
                    dst[y * w + x] = UInt8(min(255, (r * 77 + g * 150 + b * 29) >> 8))
                }
            }
        }
        return (out, w, h)
    }

    func png() throws -> [UInt8] {
        let sink = ByteSink()
        let status = cairo_surface_write_to_png_stream(
            surface,
            { closure, data, length in
                let sink = Unmanaged<ByteSink>.fromOpaque(closure!).takeUnretainedValue()
                guard let data else { return CAIRO_STATUS_WRITE_ERROR }
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque())
        withExtendedLifetime(sink) {}
        guard status == CAIRO_STATUS_SUCCESS else {
            throw HosoError(
                .internalError, .both("Không ghi được PNG", "Could not write the PNG"),
                cause: String(cString: cairo_status_to_string(status)))
        }
        return sink.bytes
    }

    private final class ByteSource {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private final class ByteSink {
        var bytes = [UInt8]()
    }
}

// MARK: - PGM/PPM

/// Netpbm grey and colour maps, binary (P5, P6) and plain (P2, P3).
enum QRNetpbm {
    static func grey(_ b: [UInt8]) throws -> (bytes: [UInt8], width: Int, height: Int) {
        func bad(_ en: String) -> HosoError {
            HosoError(.qrImageUnreadable, .both("Không đọc được ảnh PGM/PPM", "Cannot read the PGM/PPM image"), cause: en)
        }
        guard b.count >= 2, b[0] == 0x50, let kind = [0x32: 2, 0x33: 3, 0x35: 5, 0x36: 6][b[1]] else {
            throw bad("not a P2, P3, P5 or P6 image")
        }
        var i = 2
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0D).contains(c) }
        /// The next decimal number, skipping whitespace and # comments.
        func number() throws -> Int {
            while i < b.count {
                if isSpace(b[i]) {
                    i += 1
                } else if b[i] == 0x23 {
                    while i < b.count, b[i] != 0x0A, b[i] != 0x0D { i += 1 }
                } else {
                    break
                }
            }
            var v = 0
            var digits = 0
            while i < b.count, (0x30...0x39).contains(b[i]) {
                v = v * 10 + Int(b[i] - 0x30)
                digits += 1
                i += 1
                guard digits <= 9 else { throw bad("a number is too long") }
            }
            guard digits > 0 else { throw bad("a number is missing or damaged") }
            return v
        }
        let w = try number()
        let h = try number()
        let maxval = try number()
        guard w > 0, h > 0 else { throw bad("zero size") }
        guard w <= QRCode.maxPixels / h else {
            throw HosoError(
                .qrImageTooLarge,
                .both(
                    "Ảnh \(w)×\(h) có quá \(QRCode.maxPixels) điểm ảnh",
                    "The \(w)×\(h) image has over \(QRCode.maxPixels) pixels"))
        }
        guard (1...65535).contains(maxval) else { throw bad("maxval \(maxval) is not 1–65535") }
        let channels = (kind == 3 || kind == 6) ? 3 : 1
        var out = [UInt8](repeating: 0, count: w * h)
        var sample: () throws -> Int
        if kind >= 5 {
            guard i < b.count, isSpace(b[i]) else { throw bad("no whitespace after the header") }
            i += 1
            let size = maxval > 255 ? 2 : 1
            guard b.count - i >= w * h * channels * size else { throw bad("the pixel data ends early") }
            sample = {
                defer { i += size }
                return size == 1 ? Int(b[i]) : Int(b[i]) << 8 | Int(b[i + 1])
            }
        } else {
            sample = number
        }
        for p in 0..<(w * h) {
            let v: Int
            if channels == 3 {
                let r = min(try sample(), maxval)
                let g = min(try sample(), maxval)
                let bl = min(try sample(), maxval)
                v = (r * 77 + g * 150 + bl * 29) >> 8
            } else {
                v = min(try sample(), maxval)
            }
            out[p] = UInt8(v * 255 / maxval)
        }
        return (out, w, h)
    }
}
