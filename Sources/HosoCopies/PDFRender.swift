import CPangoCairo
import Foundation
import HosoCore

// Certified copies drawn with cairo (A4 PDF surface, fonts embedded and subsetted) and laid out with pango.
// Everything here is text the caller gives: the issuing authority, its title and its signer are configuration
// (DOMAIN.md), never constants. Every string is normalised to NFC before it is drawn, so the PDF's text extracts
// in NFC.

extension HosoError.Code {
    /// cairo or pango could not make the PDF (or the font it needs is missing).
    public static let pdfRenderFailed = Self("PDF_RENDER_FAILED", .badInput)
}

/// The text of one copy from the ledger (bản sao từ sổ gốc, Nghị định 23/2015/NĐ-CP), as it is printed.
public struct CopyDocument: Sendable, Equatable {
    /// One printed line of the copy's body: a label and its value ("Họ và tên:" / "Nguyễn Văn An").
    public struct Row: Sendable, Equatable {
        public var label: String
        public var value: String
        public init(label: String, value: String) {
            self.label = label
            self.value = value
        }
    }

    /// The body above the issuing office, e.g. "UBND HUYỆN HÒA BÌNH" (empty: not printed).
    public var superiorBody: String
    /// The issuing office, e.g. "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO".
    public var officeName: String
    /// The copy number as registered in the copy register; printed "Số: <copyNumber>/BS".
    public var copyNumber: String
    public var mottoLine1: String
    public var mottoLine2: String
    public var title: String
    /// A line under the title, e.g. "Bằng tốt nghiệp trung học cơ sở" (nil: not printed).
    public var subtitle: String?
    public var rows: [Row]
    /// "Hòa Bình, ngày 05 tháng 6 năm 2025".
    public var issuePlaceAndDate: String
    /// "TRƯỞNG PHÒNG" (or "KT. TRƯỞNG PHÒNG / PHÓ TRƯỞNG PHÒNG": lines separated by "\n").
    public var signerTitle: String
    public var signerName: String
    /// A note under the signer's title where a handwritten signature would be, e.g. "(Đã ký số)".
    public var signatureNote: String?
    /// How to check the copy: printed at the bottom, beside the QR code when there is one.
    public var footer: String
    /// The QR code as modules (true = dark), row by row, without the quiet zone; drawn as an image, a pixel per module.
    public var qrModules: [[Bool]]?
    /// The PDF's /Title (defaults to the title and the copy number).
    public var documentTitle: String?

    public init(
        superiorBody: String, officeName: String, copyNumber: String,
        mottoLine1: String = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        mottoLine2: String = "Độc lập - Tự do - Hạnh phúc",
        title: String = "BẢN SAO VĂN BẰNG TỪ SỔ GỐC", subtitle: String? = nil,
        rows: [Row], issuePlaceAndDate: String, signerTitle: String, signerName: String,
        signatureNote: String? = "(Đã ký số)", footer: String, qrModules: [[Bool]]? = nil,
        documentTitle: String? = nil
    ) {
        self.superiorBody = superiorBody
        self.officeName = officeName
        self.copyNumber = copyNumber
        self.mottoLine1 = mottoLine1
        self.mottoLine2 = mottoLine2
        self.title = title
        self.subtitle = subtitle
        self.rows = rows
        self.issuePlaceAndDate = issuePlaceAndDate
        self.signerTitle = signerTitle
        self.signerName = signerName
        self.signatureNote = signatureNote
        self.footer = footer
        self.qrModules = qrModules
        self.documentTitle = documentTitle
    }

    /// The rows of a diploma ledger entry, in the ledger's order, with the usual Vietnamese labels.
    public static func diplomaRows(
        holderName: String, dateOfBirth: String, placeOfBirth: String, sex: String,
        ethnicity: String, graduationYear: String, graduationGrade: String, school: String,
        serial: String, ledgerNumber: String
    ) -> [Row] {
        // A diploma that carries no graduation grade (THCS from 2025) has no such line, rather than an empty one.
        [
            Row(label: "Họ và tên:", value: holderName),
            Row(label: "Ngày sinh:", value: dateOfBirth),
            Row(label: "Nơi sinh:", value: placeOfBirth),
            Row(label: "Giới tính:", value: sex),
            Row(label: "Dân tộc:", value: ethnicity),
            Row(label: "Năm tốt nghiệp:", value: graduationYear),
            Row(label: "Xếp loại tốt nghiệp:", value: graduationGrade),
            Row(label: "Trường:", value: school),
            Row(label: "Số hiệu văn bằng:", value: serial),
            Row(label: "Số vào sổ gốc:", value: ledgerNumber),
        ].filter { $0.label != "Xếp loại tốt nghiệp:" || !$0.value.isEmpty }
    }
}

/// Draws a `CopyDocument` as a one-page A4 PDF.
public enum PDFRender {
    /// The family every copy is set in (package fonts-dejavu-core). fontconfig silently substitutes a missing
    /// family, so `render` checks that this is the one it got.
    public static let fontFamily = "DejaVu Serif"
    /// The largest PDF `render` will produce (a copy is a few tens of KiB).
    static let maxOutputBytes = 8 << 20

    static let pageWidth = 595.276, pageHeight = 841.89  // A4 in points
    static let marginLeft = 85.0, marginRight = 57.0, marginTop = 57.0, marginBottom = 50.0

    /// A rectangle in cairo's page coordinates (points, origin top-left).
    struct Box: Equatable {
        var x: Double, y: Double, width: Double, height: Double
    }

    /// Where things landed on the page (for tests that paint over a value).
    struct Layout {
        var valueBoxes: [Box] = []
        var qrBox: Box?
    }

    public static func render(_ doc: CopyDocument) throws -> [UInt8] {
        try renderWithLayout(doc).pdf
    }

    static func renderWithLayout(_ doc: CopyDocument) throws -> (pdf: [UInt8], layout: Layout) {
        if let qr = doc.qrModules { try checkQR(qr) }
        // Threads render at once: each has its own cairo surface and context, and pango's default font map is
        // per thread (fontconfig and cairo's font caches lock themselves).
        return try draw(doc)
    }

    /// Collects what cairo writes; handed to the C callback as an unretained pointer that outlives the surface.
    private final class Sink {
        var bytes: [UInt8] = []
        var overflow = false
    }

    private static let write: cairo_write_func_t = { closure, data, length in
        guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue()
        guard sink.bytes.count + Int(length) <= PDFRender.maxOutputBytes else {
            sink.overflow = true
            return CAIRO_STATUS_WRITE_ERROR
        }
        if length > 0, let data { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length))) }
        return CAIRO_STATUS_SUCCESS
    }

    static func failure(_ what: String, _ status: cairo_status_t? = nil) -> HosoError {
        let cause = status.flatMap { cairo_status_to_string($0).map { String(cString: $0) } }
        return HosoError(.pdfRenderFailed, .both("Không tạo được tệp PDF: \(what)", "Could not make the PDF: \(what)"), cause: cause)
    }

    private static func draw(_ doc: CopyDocument) throws -> (pdf: [UInt8], layout: Layout) {
        let (pdf, layout) = try withPDF(title: nfc(doc.documentTitle ?? "\(doc.title) — Số \(doc.copyNumber)/BS")) { cr in
            let layout = try drawPage(doc, cr)
            cairo_show_page(cr)
            return layout
        }
        return (pdf, layout)
    }

    /// An A4 PDF drawn by `body` (which ends each page with `cairo_show_page`), with its /Title; the bytes cairo
    /// wrote and what `body` returned. Shared by copies and học bạ.
    static func withPDF<T>(title: String, _ body: (_ cr: OpaquePointer) throws -> T) throws -> (pdf: [UInt8], result: T) {
        let sink = Sink()
        return try withExtendedLifetime(sink) {
            let context = Unmanaged.passUnretained(sink).toOpaque()
            guard let surface = cairo_pdf_surface_create_for_stream(write, context, pageWidth, pageHeight) else {
                throw failure("cairo_pdf_surface_create_for_stream")
            }
            defer { cairo_surface_destroy(surface) }
            let s = cairo_surface_status(surface)
            guard s == CAIRO_STATUS_SUCCESS else { throw failure("PDF surface", s) }
            cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, nfc(title))
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "hoso")
            // /CreationDate stays cairo's own (the system clock): cairo 1.16 writes a date set through
            // CAIRO_PDF_METADATA_CREATE_DATE without its "D:" prefix. The signed time is /M and the timestamp.

            guard let cr = cairo_create(surface) else { throw failure("cairo_create") }
            defer { cairo_destroy(cr) }
            try checkFont(cr)
            let result = try body(cr)
            let cs = cairo_status(cr)
            guard cs == CAIRO_STATUS_SUCCESS else { throw failure("drawing", cs) }
            cairo_surface_finish(surface)
            let fs = cairo_surface_status(surface)
            if sink.overflow {
                throw failure("more than \(maxOutputBytes) bytes", fs)
            }
            guard fs == CAIRO_STATUS_SUCCESS else { throw failure("writing", fs) }
            return (sink.bytes, result)
        }
    }

    static func nfc(_ s: String) -> String { s.precomposedStringWithCanonicalMapping }

    // MARK: Text

    enum Style { case regular, bold, italic, boldItalic }

    /// One pango layout at a time: made, measured or shown, released.
    final class Text {
        let layout: OpaquePointer
        init(
            _ cr: OpaquePointer, _ text: String, size: Double, style: Style, width: Double?,
            align: PangoAlignment = PANGO_ALIGN_LEFT
        ) throws {
            guard let l = pango_cairo_create_layout(cr) else { throw PDFRender.failure("pango_cairo_create_layout") }
            layout = l
            let styleName: String
            switch style {
            case .regular: styleName = ""
            case .bold: styleName = " Bold"
            case .italic: styleName = " Italic"
            case .boldItalic: styleName = " Bold Italic"
            }
            guard let desc = pango_font_description_from_string("\(PDFRender.fontFamily)\(styleName) \(size)") else {
                throw PDFRender.failure("pango_font_description_from_string")
            }
            defer { pango_font_description_free(desc) }
            pango_layout_set_font_description(l, desc)
            if let width {
                pango_layout_set_width(l, Int32(width * Double(PANGO_SCALE)))
                pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR)
            }
            pango_layout_set_alignment(l, align)
            let t = PDFRender.nfc(text)
            pango_layout_set_text(l, t, Int32(t.utf8.count))
        }

        deinit { hoso_g_object_unref(UnsafeMutableRawPointer(layout)) }

        var height: Double {
            var w: Int32 = 0
            var h: Int32 = 0
            pango_layout_get_size(layout, &w, &h)
            return Double(h) / Double(PANGO_SCALE)
        }

        /// The logical width of the text's widest line (for rules under a centred line).
        var logicalWidth: Double {
            var ink = PangoRectangle()
            var logical = PangoRectangle()
            pango_layout_get_extents(layout, &ink, &logical)
            return Double(logical.width) / Double(PANGO_SCALE)
        }

        func show(_ cr: OpaquePointer, x: Double, y: Double) {
            cairo_move_to(cr, x, y)
            pango_cairo_show_layout(cr, layout)
        }
    }

    /// Shows `text` at (x, y) in a column of `width`; returns its height.
    @discardableResult
    static func text(
        _ cr: OpaquePointer, _ s: String, x: Double, y: Double, width: Double, size: Double,
        style: Style = .regular, align: PangoAlignment = PANGO_ALIGN_LEFT
    ) throws -> Double {
        let t = try Text(cr, s, size: size, style: style, width: width, align: align)
        t.show(cr, x: x, y: y)
        return t.height
    }

    /// A horizontal rule of `length`, centred in the column [x, x + width].
    static func rule(_ cr: OpaquePointer, centredIn x: Double, width: Double, y: Double, length: Double) {
        let start = x + (width - length) / 2
        cairo_set_line_width(cr, 0.6)
        cairo_move_to(cr, start, y)
        cairo_line_to(cr, start + length, y)
        cairo_stroke(cr)
    }

    /// Refuses a family fontconfig would silently replace: the copy must be set in the font it says it is.
    static func checkFont(_ cr: OpaquePointer) throws {
        guard let layout = pango_cairo_create_layout(cr) else { throw failure("pango_cairo_create_layout") }
        defer { hoso_g_object_unref(UnsafeMutableRawPointer(layout)) }
        guard let desc = pango_font_description_from_string("\(fontFamily) 12") else { throw failure("font description") }
        defer { pango_font_description_free(desc) }
        guard let ctx = pango_layout_get_context(layout),
            let font = pango_context_load_font(ctx, desc)
        else {
            throw HosoError(
                .pdfRenderFailed, .both("Không nạp được phông chữ \(fontFamily)", "Cannot load the font \(fontFamily)"),
                cause: "apt-get install fonts-dejavu-core")
        }
        defer { hoso_g_object_unref(UnsafeMutableRawPointer(font)) }
        guard let got = pango_font_describe(font) else { throw failure("pango_font_describe") }
        defer { pango_font_description_free(got) }
        let family = pango_font_description_get_family(got).map { String(cString: $0) } ?? "?"
        guard family == fontFamily else {
            throw HosoError(
                .pdfRenderFailed,
                .both(
                    "Thiếu phông chữ \(fontFamily) (hệ thống thay bằng \(family))",
                    "The font \(fontFamily) is missing (the system substituted \(family))"),
                cause: "apt-get install fonts-dejavu-core")
        }
    }

    // MARK: The page

    private static func drawPage(_ doc: CopyDocument, _ cr: OpaquePointer) throws -> Layout {
        var layout = Layout()
        cairo_set_source_rgb(cr, 0, 0, 0)
        let contentWidth = pageWidth - marginLeft - marginRight

        // Title, below the header.
        var y = try drawHeader(doc, cr) + 34
        y += try text(cr, doc.title, x: marginLeft, y: y, width: contentWidth, size: 16, style: .bold, align: PANGO_ALIGN_CENTER)
        if let sub = doc.subtitle, !sub.isEmpty {
            y += 2
            y += try text(cr, sub, x: marginLeft, y: y, width: contentWidth, size: 13, style: .italic, align: PANGO_ALIGN_CENTER)
        }
        y += 24

        // The ledger entry: labels in a column as wide as the widest label (up to 40% of the line), values beside.
        let rowSize = 12.5
        let widest = doc.rows.map { measure(cr, $0.label, size: rowSize, style: .regular) }.max() ?? 0
        let labelW = min(contentWidth * 0.4, widest + 1)
        let valueX = marginLeft + labelW + 8
        let valueW = pageWidth - marginRight - valueX
        // Ten rows (a diploma) keep the usual spacing; the lines a custody transfer or a renamed school add are
        // made room for by closer rows, so the QR code keeps its size at the foot of the one page.
        let rowGap: Double = doc.rows.count > 10 ? 2 : 7
        for row in doc.rows {
            let label = try Text(cr, row.label, size: rowSize, style: .regular, width: labelW)
            let value = try Text(cr, row.value, size: rowSize, style: .bold, width: valueW)
            label.show(cr, x: marginLeft, y: y)
            value.show(cr, x: valueX, y: y)
            layout.valueBoxes.append(Box(x: valueX, y: y, width: min(valueW, value.logicalWidth), height: value.height))
            y += max(label.height, value.height) + rowGap
        }

        // The issuing place and date, the signer.
        y += 20
        let signX = pageWidth / 2 - 20
        let signW = pageWidth - 30 - signX
        y += try fitted(cr, doc.issuePlaceAndDate, x: signX, y: y, width: signW, size: 12.5, style: .italic).height
        y += 4
        y += try text(cr, doc.signerTitle, x: signX, y: y, width: signW, size: 12.5, style: .bold, align: PANGO_ALIGN_CENTER)
        if let note = doc.signatureNote, !note.isEmpty {
            y += 10
            y += try text(cr, note, x: signX, y: y, width: signW, size: 11.5, style: .italic, align: PANGO_ALIGN_CENTER)
        }
        y += 34
        y += try text(cr, doc.signerName, x: signX, y: y, width: signW, size: 12.5, style: .bold, align: PANGO_ALIGN_CENTER)

        // The QR code and the note on how to verify, at the foot of the page.
        // At least 1.5 pt (0.53 mm) a module with the 4-module quiet zone, so a printed copy scans: a version-15
        // code (77 modules) is 4.5 cm wide.
        let qrSide = min(200, max(96, Double((doc.qrModules?.count ?? 0) + 8) * 1.5))
        let bottom: Double
        if let qr = doc.qrModules {
            let footY = max(y + 24, pageHeight - marginBottom - qrSide)
            let box = Box(x: marginLeft, y: footY, width: qrSide, height: qrSide)
            try drawQR(qr, in: box, cr)
            layout.qrBox = box
            let h = try text(
                cr, doc.footer, x: marginLeft + qrSide + 12, y: footY + 6, width: contentWidth - qrSide - 12,
                size: 9.5, style: .italic)
            bottom = max(footY + qrSide, footY + 6 + h)
        } else {
            let footY = max(y + 24, pageHeight - marginBottom - 40)
            bottom = footY + (try text(cr, doc.footer, x: marginLeft, y: footY, width: contentWidth, size: 9.5, style: .italic))
        }
        // One A4 page: a copy that does not fit is refused rather than cut off.
        guard bottom <= pageHeight - 20 else {
            throw HosoError(.pdfRenderFailed, .both("Nội dung bản sao không vừa một trang A4", "The copy does not fit on one A4 page"))
        }
        return layout
    }

    /// Header: the authority on the left, the national motto on the right, each line centred in its column and
    /// shrunk (down to 9 pt) rather than wrapped; a line still too long wraps within its column. Returns where the
    /// longer column ends.
    private static func drawHeader(_ doc: CopyDocument, _ cr: OpaquePointer) throws -> Double {
        let leftX = 30.0
        let leftW = 225.0
        let rightX = leftX + leftW + 15
        let rightW = pageWidth - 30 - rightX
        var yl = marginTop
        var yr = marginTop
        if !doc.superiorBody.isEmpty {
            yl += try fitted(cr, doc.superiorBody, x: leftX, y: yl, width: leftW, size: 11.5, style: .regular).height
        }
        yl += try fitted(cr, doc.officeName, x: leftX, y: yl, width: leftW, size: 11.5, style: .bold).height + 5
        rule(cr, centredIn: leftX, width: leftW, y: yl, length: 60)
        yl += 8
        yl += try fitted(cr, "Số: \(doc.copyNumber)/BS", x: leftX, y: yl, width: leftW, size: 12, style: .regular).height

        yr += try fitted(cr, doc.mottoLine1, x: rightX, y: yr, width: rightW, size: 11.5, style: .bold).height
        let motto = try fitted(cr, doc.mottoLine2, x: rightX, y: yr, width: rightW, size: 12.5, style: .bold)
        yr += motto.height + 3
        rule(cr, centredIn: rightX, width: rightW, y: yr, length: motto.width)
        yr += 8
        return max(yl, yr)
    }

    static func measure(_ cr: OpaquePointer, _ s: String, size: Double, style: Style) -> Double {
        (try? Text(cr, s, size: size, style: style, width: nil))?.logicalWidth ?? 0
    }

    /// A line centred in [x, x + width], at the largest size from `size` down to 9 pt (in half points) at which it
    /// fits unwrapped; wrapped at 9 pt if it never does. Returns the height and the widest line's width.
    static func fitted(
        _ cr: OpaquePointer, _ s: String, x: Double, y: Double, width: Double, size: Double,
        style: Style
    ) throws -> (height: Double, width: Double) {
        // Shrink a little to keep one line, then let pango wrap inside the column: text never crosses into the
        // other column (measuring alone let a wide motto overlap the office's name).
        var pt = size
        while pt > 9 {
            let t = try Text(cr, s, size: pt, style: style, width: nil)
            if t.logicalWidth <= width { break }
            pt -= 0.5
        }
        let final = try Text(cr, s, size: pt, style: style, width: width, align: PANGO_ALIGN_CENTER)
        final.show(cr, x: x, y: y)
        return (final.height, min(final.logicalWidth, width))
    }

    // MARK: QR

    static let qrPixelsPerModule = 4

    /// The largest QR code (version 40) is 177 modules a side.
    static let maxQRModules = 177

    static func checkQR(_ m: [[Bool]]) throws {
        let n = m.count
        guard n > 0, n <= maxQRModules, m.allSatisfy({ $0.count == n }) else {
            throw HosoError(
                .pdfRenderFailed,
                .both(
                    "Mã QR không phải ma trận vuông 1…\(maxQRModules) mô-đun",
                    "The QR code is not a square matrix of 1…\(maxQRModules) modules"))
        }
    }

    /// The code with its 4-module quiet zone as one black-and-white image of `qrPixelsPerModule` pixels a module.
    /// Drawn as vector rectangles it cost thousands of printed numbers in the page's content stream — a third of
    /// the time to make a copy; cairo writes this image as 1 bit per pixel and it compresses to a few KiB. Several
    /// pixels a module keep the edges sharp when a viewer smooths the image while scaling it (poppler does).
    private static func drawQR(_ m: [[Bool]], in box: Box, _ cr: OpaquePointer) throws {
        let n = m.count
        let quiet = 4
        let k = qrPixelsPerModule
        let side = (n + 2 * quiet) * k
        guard let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(side), Int32(side)) else {
            throw failure("cairo_image_surface_create")
        }
        defer { cairo_surface_destroy(image) }
        let status = cairo_surface_status(image)
        guard status == CAIRO_STATUS_SUCCESS else { throw failure("QR image", status) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        guard let data = cairo_image_surface_get_data(image) else { throw failure("QR image data") }
        // One row of pixels per module row, repeated k times.
        var pixels = [UInt32](repeating: 0xFFFFFF, count: side)
        for r in -quiet..<(n + quiet) {
            for c in 0..<(n + 2 * quiet) {
                let mc = c - quiet
                let dark = r >= 0 && r < n && mc >= 0 && mc < n && m[r][mc]
                for x in (c * k)..<((c + 1) * k) { pixels[x] = dark ? 0x000000 : 0xFFFFFF }
            }
            let y0 = (r + quiet) * k
            pixels.withUnsafeBytes { src in
                for y in y0..<(y0 + k) {
                    UnsafeMutableRawPointer(data + y * stride).copyMemory(from: src.baseAddress!, byteCount: side * 4)
                }
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_save(cr)
        cairo_translate(cr, box.x, box.y)
        cairo_scale(cr, box.width / Double(side), box.height / Double(side))
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(side), Double(side))
        cairo_fill(cr)
        cairo_restore(cr)
    }
}
