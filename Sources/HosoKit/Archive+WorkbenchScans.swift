import Foundation
import HosoCore
import HosoRecords

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HosoError.Code {
    /// An uploaded scan is none of PDF, JPEG, PNG or TIFF (by its bytes, whatever its name says).
    public static let scanType = Self("SCAN_TYPE_UNSUPPORTED", .badInput)
    /// An uploaded scan is over a budget: bytes, pixels of a page, or pages.
    public static let scanTooLarge = Self("SCAN_TOO_LARGE", .tooLarge)
    /// An uploaded scan cannot be read (damaged, or not what it claims to be).
    public static let scanUnreadable = Self("SCAN_UNREADABLE", .badInput)
    /// Making a scan's display pages took longer than its budget; the work was stopped.
    public static let scanTooSlow = Self("SCAN_TOO_SLOW", .badInput)
    /// A program the server needs for scans (poppler-utils, libtiff-tools) is not installed.
    public static let scanToolMissing = Self("SCAN_TOOL_MISSING", .internal)
}

/// Budgets for page scans uploaded to the keying workbench: every one is checked before any work that would
/// cost more than reading the file's first bytes.
public struct ScanLimits: Sendable {
    /// Bytes of one uploaded file.
    public var fileBytes = 64 << 20
    /// Bytes of every file of one upload.
    public var uploadBytes = 256 << 20
    /// Pixels of one page (width × height) as the file declares them.
    public var pagePixels = 120_000_000
    /// Pages of one upload (all files).
    public var pages = 300
    /// Time of one child process (a page rendered, a file inspected); it is killed when over.
    public var toolSeconds: Double = 60
    /// Time of all the child processes of one upload together (a file of many slow pages).
    public var uploadSeconds: Double = 600
    /// The longer side of a display page, in pixels.
    public var displaySide = 1800
    /// A JPEG or PNG scan whose longer side is over this many pixels is shown through a smaller copy (a PNG of
    /// `displaySide` pixels); a smaller one is shown as sent.
    public var downscaleAbove = 2500

    public init() {}
}

/// One uploaded scan file as the browser sent it.
public struct ScanUpload: Sendable {
    public var name: String
    public var bytes: [UInt8]
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// Page scans: what kind of file, how many pages, and the display pages made for the browser.
enum WorkbenchScans {
    enum Kind: String, Codable { case pdf, jpeg, png, tiff }

    static func kind(of b: [UInt8]) -> Kind? {
        if b.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if b.starts(with: [0x49, 0x49, 0x2A, 0x00]) || b.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        return nil
    }

    static func error(_ code: HosoError.Code, _ file: String, _ vi: String, _ en: String, cause: String? = nil) -> HosoError {
        HosoError(code, .both("Tệp \(file): \(vi)", "File \(file): \(en)"), location: file, cause: cause)
    }

    /// Width and height a PNG declares (its IHDR chunk).
    static func pngSize(_ b: [UInt8]) -> (Int, Int)? {
        guard b.count >= 24, Array(b[12..<16]) == Array("IHDR".utf8) else { return nil }
        func be32(_ o: Int) -> Int { b[o..<o + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    /// Width and height a JPEG declares in its frame header (SOFn), walking its segments with every length checked.
    static func jpegSize(_ b: [UInt8]) -> (Int, Int)? {
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF {
                i += 1
                continue
            }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                i += 2
                continue
            }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2 else { return nil }
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                let h = Int(b[i + 5]) << 8 | Int(b[i + 6])
                let w = Int(b[i + 7]) << 8 | Int(b[i + 8])
                return (w, h)
            }
            i += 2 + length
        }
        return nil
    }

    /// Runs a program with a time budget: killed when over it. Its standard output (at most `outputLimit` bytes
    /// kept) is returned; a failure is the caller's to word.
    static func run(
        _ tool: String, _ args: [String], seconds: Double, file: String, outputLimit: Int = 1 << 20
    ) throws -> (
        status: Int32, output: String
    ) {
        let path = "/usr/bin/" + tool
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw error(
                .scanToolMissing, file, "máy chủ thiếu chương trình \(tool)", "the server lacks the program \(tool)",
                cause: "install poppler-utils, libtiff-tools and libgdk-pixbuf2.0-bin (tools/setup)")
        }
        let out = FileManager.default.temporaryDirectory.path + "/hoso-tool-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: out, contents: nil, attributes: [.posixPermissions: 0o600]),
            let outHandle = FileHandle(forWritingAtPath: out)
        else { throw HosoError(.ioError, .both("Không ghi được tệp tạm", "Cannot write a temporary file"), location: out) }
        defer { try? FileManager.default.removeItem(atPath: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = outHandle
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        try p.run()
        try? outHandle.close()
        if done.wait(timeout: .now() + seconds) == .timedOut {
            kill(p.processIdentifier, SIGKILL)
            done.wait()
            throw error(
                .scanTooSlow, file, "xử lý quá \(Int(seconds)) giây nên đã dừng", "took over \(Int(seconds)) seconds and was stopped",
                cause: tool)
        }
        let h = FileHandle(forReadingAtPath: out)
        let data = (try? h?.read(upToCount: outputLimit)) ?? nil
        try? h?.close()
        return (p.terminationStatus, String(decoding: data ?? Data(), as: UTF8.self))
    }

    /// One page to show: the original file it comes from and its page there, and the display image made of it.
    struct Page: Codable, Equatable {
        var original: String
        var pageInOriginal: Int
        var display: String
    }

    /// Checks every upload against the limits and makes its display pages in `dir` (originals as sent in
    /// `dir`/originals, display pages in `dir`/display), numbering pages from `firstPage`. Throws before anything
    /// is kept when a file is refused: the caller removes `dir`.
    static func prepare(_ uploads: [ScanUpload], in dir: String, limits: ScanLimits) throws -> [Page] {
        let fm = FileManager.default
        guard !uploads.isEmpty else {
            throw HosoError(
                .keyingInvalid, .both("Hãy chọn ảnh quét các trang sổ", "Choose the scans of the ledger's pages"), location: "scans")
        }
        let total = uploads.reduce(0) { $0 + $1.bytes.count }
        if total > limits.uploadBytes {
            throw error(
                .scanTooLarge, "", "tổng dung lượng quá \(limits.uploadBytes >> 20) MB", "together over \(limits.uploadBytes >> 20) MB")
        }
        for sub in ["originals", "display"] {
            try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var pages = [Page]()
        let deadline = Date().addingTimeInterval(limits.uploadSeconds)
        // Each child process gets its own budget, never more than what is left of the upload's.
        func budget(_ name: String) throws -> ScanLimits {
            var l = limits
            l.toolSeconds = min(limits.toolSeconds, deadline.timeIntervalSinceNow)
            if l.toolSeconds <= 0 {
                throw error(
                    .scanTooSlow, name, "xử lý quá \(Int(limits.uploadSeconds)) giây nên đã dừng",
                    "took over \(Int(limits.uploadSeconds)) seconds and was stopped")
            }
            return l
        }
        for (n, u) in uploads.enumerated() {
            let name = u.name.isEmpty ? "scan-\(n + 1)" : u.name
            if u.bytes.count > limits.fileBytes {
                throw error(.scanTooLarge, name, "lớn hơn \(limits.fileBytes >> 20) MB", "larger than \(limits.fileBytes >> 20) MB")
            }
            guard let kind = kind(of: u.bytes) else {
                throw error(
                    .scanType, name, "không phải PDF, JPEG, PNG hay TIFF", "is not a PDF, JPEG, PNG or TIFF file")
            }
            let stored = String(format: "%03d", n + 1) + "." + kind.rawValue
            let original = dir + "/originals/" + stored
            // The original as sent, synced: it is kept until the ledger is committed, perhaps for days.
            try writeFileAtomically(u.bytes, to: original, tmpDir: dir + "/originals", mode: 0o600)
            let count = try pageCount(kind, original, name: name, limits: try budget(name))
            if pages.count + count > limits.pages {
                throw error(.scanTooLarge, name, "quá \(limits.pages) trang", "over \(limits.pages) pages")
            }
            for i in 1...count {
                let display = "page-\(pages.count + 1)." + displayExtension(kind, original, limits: limits)
                try makeDisplay(kind, original, page: i, to: dir + "/display/" + display, name: name, limits: try budget(name))
                pages.append(Page(original: stored, pageInOriginal: i, display: display))
            }
        }
        return pages
    }

    /// How many pages a file has, refusing a page whose declared pixels are over the budget.
    static func pageCount(_ kind: Kind, _ path: String, name: String, limits: ScanLimits) throws -> Int {
        func checkPixels(_ w: Int, _ h: Int) throws {
            guard w > 0, h > 0 else { throw error(.scanUnreadable, name, "kích thước ảnh không đúng", "the image size is wrong") }
            if w.multipliedReportingOverflow(by: h).overflow || w * h > limits.pagePixels {
                throw error(
                    .scanTooLarge, name, "trang \(w)×\(h) điểm ảnh, quá giới hạn", "a page of \(w)×\(h) pixels is over the limit")
            }
        }
        let bytes = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
        switch kind {
        case .png:
            guard let (w, h) = pngSize(bytes) else { throw error(.scanUnreadable, name, "ảnh PNG bị hỏng", "the PNG is damaged") }
            try checkPixels(w, h)
            return 1
        case .jpeg:
            guard let (w, h) = jpegSize(bytes) else { throw error(.scanUnreadable, name, "ảnh JPEG bị hỏng", "the JPEG is damaged") }
            try checkPixels(w, h)
            return 1
        case .tiff:
            let r = try run("tiffinfo", [path], seconds: limits.toolSeconds, file: name)
            let sizes = r.output.split(separator: "\n").compactMap { line -> (Int, Int)? in
                guard line.contains("Image Width:") else { return nil }
                let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                return numbers.count >= 2 ? (numbers[0], numbers[1]) : nil
            }
            if r.status != 0 || sizes.isEmpty { throw error(.scanUnreadable, name, "ảnh TIFF bị hỏng", "the TIFF is damaged") }
            if sizes.count > limits.pages { throw error(.scanTooLarge, name, "quá \(limits.pages) trang", "over \(limits.pages) pages") }
            for (w, h) in sizes { try checkPixels(w, h) }
            return sizes.count
        case .pdf:
            let r = try run("pdfinfo", [path], seconds: limits.toolSeconds, file: name)
            let pagesLine = r.output.split(separator: "\n").first { $0.hasPrefix("Pages:") }
            guard r.status == 0, let line = pagesLine, let n = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces)), n > 0 else {
                throw error(.scanUnreadable, name, "tệp PDF bị hỏng", "the PDF is damaged")
            }
            if n > limits.pages { throw error(.scanTooLarge, name, "quá \(limits.pages) trang", "over \(limits.pages) pages") }
            return n
        }
    }

    /// A JPEG or PNG whose longer side is over the limit (nil for other kinds, or a size that cannot be read).
    static func needsDownscale(_ kind: Kind, _ original: String, limits: ScanLimits) -> Bool {
        guard kind == .jpeg || kind == .png, let h = FileHandle(forReadingAtPath: original) else { return false }
        defer { try? h.close() }
        // A JPEG's frame header may follow large metadata: read as far as the file budget, as the page count does.
        let head = [UInt8]((try? h.read(upToCount: limits.fileBytes)) ?? Data())
        guard let (w, ht) = kind == .png ? pngSize(head) : jpegSize(head) else { return false }
        return max(w, ht) > limits.downscaleAbove
    }

    /// The display image's extension: a JPEG shown as sent stays a JPEG; everything made here is a PNG.
    static func displayExtension(_ kind: Kind, _ original: String, limits: ScanLimits) -> String {
        kind == .jpeg && !needsDownscale(kind, original, limits: limits) ? "jpg" : "png"
    }

    /// The display image of one page: a JPEG or PNG as sent, or a smaller PNG copy made by gdk-pixbuf when the scan
    /// is big (a browser struggles with a 6000-pixel page; the original is kept as sent); a PDF page rendered by pdftoppm at most `displaySide`
    /// pixels on its longer side; a TIFF made a PDF by tiff2pdf (once) and rendered the same way.
    static func makeDisplay(_ kind: Kind, _ original: String, page: Int, to out: String, name: String, limits: ScanLimits) throws {
        switch kind {
        case .jpeg, .png:
            guard needsDownscale(kind, original, limits: limits) else {
                try FileManager.default.copyItem(atPath: original, toPath: out)
                return
            }
            let r = try run(
                "gdk-pixbuf-thumbnailer", ["-s", String(limits.displaySide), original, out], seconds: limits.toolSeconds, file: name)
            if r.status != 0 || !FileManager.default.fileExists(atPath: out) {
                try? FileManager.default.removeItem(atPath: out)
                throw error(.scanUnreadable, name, "không đọc được ảnh", "the image cannot be read")
            }
        case .pdf, .tiff:
            var pdf = original
            if kind == .tiff {
                // Derived, beside the display pages: the originals folder holds only what was sent.
                pdf = (out as NSString).deletingLastPathComponent + "/" + (original as NSString).lastPathComponent + ".pdf"
                if !FileManager.default.fileExists(atPath: pdf) {
                    let r = try run("tiff2pdf", ["-o", pdf, original], seconds: limits.toolSeconds, file: name)
                    if r.status != 0 { throw error(.scanUnreadable, name, "ảnh TIFF bị hỏng", "the TIFF is damaged") }
                }
            }
            let prefix = String(out.dropLast(4))  // pdftoppm adds ".png"
            let r = try run(
                "pdftoppm",
                ["-png", "-f", String(page), "-l", String(page), "-scale-to", String(limits.displaySide), "-singlefile", pdf, prefix],
                seconds: limits.toolSeconds, file: name)
            if r.status != 0 || !FileManager.default.fileExists(atPath: out) {
                throw error(.scanUnreadable, name, "không đọc được trang \(page)", "page \(page) cannot be read")
            }
        }
    }
}
