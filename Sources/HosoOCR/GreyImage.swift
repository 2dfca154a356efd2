import CGdkPixbuf
import Foundation
import HosoCore

#if canImport(Glibc)
import Glibc
#endif

/// An 8-bit grey image, row after row (0 is black).
struct GreyImage: Sendable {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    init(width: Int, height: Int, fill: UInt8 = 255) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: fill, count: width * height))
    }

    subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Twice as wide and high, each new pixel the mean of its nearest old ones: Tesseract reads small print better so.
    func doubled() -> GreyImage {
        var out = GreyImage(width: width * 2, height: height * 2)
        for y in 0..<out.height {
            let y0 = y / 2
            let y1 = min(height - 1, y0 + (y & 1))
            for x in 0..<out.width {
                let x0 = x / 2
                let x1 = min(width - 1, x0 + (x & 1))
                let sum = Int(self[x0, y0]) + Int(self[x1, y0]) + Int(self[x0, y1]) + Int(self[x1, y1])
                out[x, y] = UInt8(sum / 4)
            }
        }
        return out
    }

    /// Binary PGM (P5): Tesseract's image library reads it, and it needs no encoder.
    func pgm() -> [UInt8] {
        Array("P5\n\(width) \(height)\n255\n".utf8) + pixels
    }

    /// Reads a PNG or JPEG page within `limits`: the file's size is checked before reading and the pixel count from
    /// the header before decoding, so a small file that declares a huge image is refused without allocating it.
    static func load(file path: String, limits: TesseractPrefiller.Limits) throws -> GreyImage {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw HosoError.fromErrno(errno, path: path, action: .both("mở ảnh trang sổ", "opening the page image"))
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw HosoError(.inputNotRegular, .both("Không phải tệp thường", "Not a regular file"), location: path)
        }
        guard Int(st.st_size) <= limits.maxFileBytes else {
            throw HosoError(
                .ocrImageTooLarge,
                .both(
                    "Tệp ảnh lớn quá \(limits.maxFileBytes >> 20) MiB", "The image file is over \(limits.maxFileBytes >> 20) MiB"),
                location: path)
        }
        // Only PNG and JPEG (what the workbench makes for display); gdk-pixbuf would also try many other loaders.
        var magic = [UInt8](repeating: 0, count: 8)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HosoError.fromErrno(errno, path: path, action: .both("mở ảnh trang sổ", "opening the page image")) }
        let n = read(fd, &magic, 8)
        close(fd)
        let png = n == 8 && magic == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let jpeg = n >= 3 && magic[0..<3] == [0xFF, 0xD8, 0xFF]
        guard png || jpeg else { throw unreadable(path, "neither PNG nor JPEG") }

        // A PNG's size is in its first chunk (IHDR, bytes 16-23), read here: gdk-pixbuf refuses a size it cannot
        // allocate with the same answer as a damaged file.
        if png, n == 8 {
            var ihdr = [UInt8](repeating: 0, count: 24)
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            let got = fd >= 0 ? read(fd, &ihdr, 24) : -1
            if fd >= 0 { close(fd) }
            guard got == 24, ihdr[12..<16] == [0x49, 0x48, 0x44, 0x52] else { throw unreadable(path, "no IHDR chunk") }
            let be = { (i: Int) in ihdr[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
            try checkPixels(width: be(16), height: be(20), limits: limits, path: path)
        }
        var w: Int32 = 0
        var h: Int32 = 0
        guard gdk_pixbuf_get_file_info(path, &w, &h) != nil, w > 0, h > 0 else { throw unreadable(path, "no image header") }
        try checkPixels(width: Int(w), height: Int(h), limits: limits, path: path)
        var err: UnsafeMutablePointer<GError>?
        guard let pb = gdk_pixbuf_new_from_file(path, &err) else {
            let why = err.map { String(cString: $0.pointee.message) } ?? "gdk-pixbuf"
            if let err { g_error_free(err) }
            throw unreadable(path, why)
        }
        if let err { g_error_free(err) }
        defer { hoso_pixbuf_unref(pb) }
        let width = Int(gdk_pixbuf_get_width(pb))
        let height = Int(gdk_pixbuf_get_height(pb))
        let stride = Int(gdk_pixbuf_get_rowstride(pb))
        let channels = Int(gdk_pixbuf_get_n_channels(pb))
        guard width == Int(w), height == Int(h), let data = gdk_pixbuf_get_pixels(pb), channels >= 3,
            gdk_pixbuf_get_bits_per_sample(pb) == 8
        else { throw unreadable(path, "unsupported pixel format") }
        var grey = [UInt8](repeating: 255, count: width * height)
        for y in 0..<height {
            let row = data + y * stride
            for x in 0..<width {
                let p = row + x * channels
                // ITU-R BT.601 luma in integers; a transparent pixel counts as paper.
                let luma = (299 * Int(p[0]) + 587 * Int(p[1]) + 114 * Int(p[2])) / 1000
                grey[y * width + x] = channels == 4 && p[3] < 128 ? 255 : UInt8(luma)
            }
        }
        return GreyImage(width: width, height: height, pixels: grey)
    }

    static func checkPixels(width: Int, height: Int, limits: TesseractPrefiller.Limits, path: String) throws {
        guard width > 0, height > 0 else { throw unreadable(path, "an image of \(width)×\(height) pixels") }
        guard width <= limits.maxPixels, height <= limits.maxPixels, width * height <= limits.maxPixels else {
            throw HosoError(
                .ocrImageTooLarge,
                .both("Ảnh quá lớn (\(width)×\(height) điểm ảnh)", "The image is too large (\(width)×\(height) pixels)"), location: path)
        }
    }

    static func unreadable(_ path: String, _ cause: String) -> HosoError {
        HosoError(
            .ocrImageUnreadable,
            .both("Không đọc được ảnh trang sổ (cần PNG hoặc JPEG)", "Cannot read the page image (PNG or JPEG needed)"),
            location: path, cause: cause)
    }
}
