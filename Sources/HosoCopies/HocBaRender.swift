import CPangoCairo
import Foundation
import HosoCore
import HosoRecords

/// Draws a học bạ as an A4 PDF of four pages in the layout of the paper book: the cover with the school and the
/// student; the subjects' table; the year's results and remarks; the confirmations and the three signature blocks
/// (homeroom teacher, principal, the school's seal), which the successive PAdES signatures fill (`HocBaSigning`).
/// Same cairo/pango stack and font as the copies; every string NFC.
public enum HocBaRender {
    public static let pageCount = 4

    /// `issued`: the place and date printed above the signatures, e.g. "Hòa Bình, ngày 31 tháng 5 năm 2026".
    public static func render(_ hb: HocBa, issued: String) throws -> [UInt8] {
        let title = "Học bạ \(hb.student.fullName) — \(hb.class) — \(hb.schoolYear)"
        return try PDFRender.withPDF(title: title) { cr in
            cairo_set_source_rgb(cr, 0, 0, 0)
            try cover(hb, cr)
            try finish(cr, page: 1)
            try subjects(hb, cr)
            try finish(cr, page: 2)
            try results(hb, cr)
            try finish(cr, page: 3)
            try signatures(hb, issued: issued, cr)
            try finish(cr, page: 4)
        }.pdf
    }

    static let left = PDFRender.marginLeft, right = PDFRender.pageWidth - PDFRender.marginRight
    static var width: Double { right - left }

    static func levelName(_ l: HocBa.Level) -> String {
        switch l {
        case .primary: return "TIỂU HỌC"
        case .lowerSecondary: return "TRUNG HỌC CƠ SỞ"
        case .upperSecondary: return "TRUNG HỌC PHỔ THÔNG"
        }
    }

    static func vietnameseDate(_ iso: String) -> String {
        let p = iso.split(separator: "-")
        return p.count == 3 ? "\(p[2])/\(p[1])/\(p[0])" : iso
    }

    /// The page number at the foot, then the page is shown.
    static func finish(_ cr: OpaquePointer, page: Int) throws {
        try PDFRender.text(
            cr, "Trang \(page)/\(pageCount)", x: left, y: PDFRender.pageHeight - 40, width: width, size: 9, align: PANGO_ALIGN_CENTER)
        cairo_show_page(cr)
    }

    /// The school on the left, the national motto on the right; returns where the header ends.
    static func header(_ hb: HocBa, _ cr: OpaquePointer) throws -> Double {
        // The copies' columns: the school on the left third, the motto on the right.
        let (lx, lw) = (30.0, 225.0)
        let rx = lx + lw + 15
        let rw = PDFRender.pageWidth - 30 - rx
        var yl = PDFRender.marginTop
        if let sup = hb.school.superiorBody, !sup.isEmpty {
            yl += try PDFRender.fitted(cr, sup.uppercased(), x: lx, y: yl, width: lw, size: 10.5, style: .regular).height
        }
        yl += try PDFRender.fitted(cr, hb.school.name.uppercased(), x: lx, y: yl, width: lw, size: 10.5, style: .bold).height + 4
        PDFRender.rule(cr, centredIn: lx, width: lw, y: yl, length: 60)
        var yr = PDFRender.marginTop
        yr += try PDFRender.fitted(cr, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", x: rx, y: yr, width: rw, size: 11, style: .bold).height
        let motto = try PDFRender.fitted(cr, "Độc lập - Tự do - Hạnh phúc", x: rx, y: yr, width: rw, size: 12, style: .bold)
        yr += motto.height + 3
        PDFRender.rule(cr, centredIn: rx, width: rw, y: yr, length: motto.width)
        return max(yl, yr) + 16
    }

    /// A centred bold title at `y`; returns where the next line starts.
    static func heading(_ s: String, _ cr: OpaquePointer, y: Double, size: Double = 13) throws -> Double {
        y + (try PDFRender.text(cr, s, x: left, y: y, width: width, size: size, style: .bold, align: PANGO_ALIGN_CENTER)) + 10
    }

    /// Label/value lines; returns the new y.
    static func rows(_ rows: [(String, String)], _ cr: OpaquePointer, y: Double, size: Double = 12) throws -> Double {
        var y = y
        let labelW = 175.0
        for (label, value) in rows {
            let l = try PDFRender.Text(cr, label, size: size, style: .regular, width: labelW)
            let v = try PDFRender.Text(cr, value, size: size, style: .bold, width: width - labelW - 8)
            l.show(cr, x: left, y: y)
            v.show(cr, x: left + labelW + 8, y: y)
            y += max(l.height, v.height) + 6
        }
        return y
    }

    // MARK: Pages

    static func cover(_ hb: HocBa, _ cr: OpaquePointer) throws {
        var y = try header(hb, cr) + 90
        y += try PDFRender.text(cr, "HỌC BẠ", x: left, y: y, width: width, size: 30, style: .bold, align: PANGO_ALIGN_CENTER) + 6
        y += try PDFRender.text(cr, levelName(hb.level), x: left, y: y, width: width, size: 16, style: .bold, align: PANGO_ALIGN_CENTER)
        y += 60
        var lines: [(String, String)] = [
            ("Họ và tên học sinh:", hb.student.fullName), ("Ngày sinh:", vietnameseDate(hb.student.dateOfBirth)),
        ]
        if let sex = hb.student.sex { lines.append(("Giới tính:", sex)) }
        if let p = hb.student.placeOfBirth { lines.append(("Nơi sinh:", p)) }
        if let e = hb.student.ethnicity { lines.append(("Dân tộc:", e)) }
        lines.append(("Mã định danh:", hb.student.moetId))
        lines += [("Lớp:", hb.class), ("Năm học:", hb.schoolYear), ("Trường:", hb.school.name)]
        if let p = hb.school.place { lines.append(("Địa chỉ:", p)) }
        _ = try rows(lines, cr, y: y, size: 13)
        try PDFRender.text(
            cr, "Đánh giá theo Thông tư \(hb.level.isPrimary ? "27/2020/TT-BGDĐT" : "22/2021/TT-BGDĐT") của Bộ Giáo dục và Đào tạo",
            x: left, y: PDFRender.pageHeight - 90, width: width, size: 10, style: .italic, align: PANGO_ALIGN_CENTER)
    }

    /// A table with a header row and lines, columns as fractions of the width; rows grow with wrapped text.
    static func table(
        _ head: [String], _ body: [[String]], fractions: [Double], _ cr: OpaquePointer, y: Double, size: Double = 10.5
    )
        throws -> Double
    {
        var y = y
        let xs = fractions.reduce(into: [left]) { $0.append($0.last! + $1 * width) }
        func line(_ cells: [String], bold: Bool) throws {
            let texts = try cells.enumerated().map { i, c in
                try PDFRender.Text(
                    cr, c, size: size, style: bold ? .bold : .regular, width: xs[i + 1] - xs[i] - 8,
                    align: i == 0 ? PANGO_ALIGN_LEFT : PANGO_ALIGN_CENTER)
            }
            let h = (texts.map(\.height).max() ?? 12) + 6
            for (i, t) in texts.enumerated() { t.show(cr, x: xs[i] + 4, y: y + 3) }
            cairo_set_line_width(cr, 0.5)
            cairo_rectangle(cr, left, y, width, h)
            for x in xs.dropFirst().dropLast() {
                cairo_move_to(cr, x, y)
                cairo_line_to(cr, x, y + h)
            }
            cairo_stroke(cr)
            y += h
        }
        try line(head, bold: true)
        for r in body { try line(r, bold: false) }
        return y
    }

    static func subjects(_ hb: HocBa, _ cr: OpaquePointer) throws {
        var y = try heading("KẾT QUẢ HỌC TẬP CÁC MÔN HỌC VÀ HOẠT ĐỘNG GIÁO DỤC", cr, y: PDFRender.marginTop)
        y +=
            try PDFRender.text(
                cr, "Học sinh: \(hb.student.fullName) — Lớp \(hb.class) — Năm học \(hb.schoolYear)", x: left, y: y, width: width, size: 11,
                style: .italic, align: PANGO_ALIGN_CENTER) + 10
        if hb.level.isPrimary {
            let body = hb.subjects.map { s in [s.subject, s.term1 ?? "", s.year ?? "", s.testScore.map(String.init) ?? "", s.remarks ?? ""]
            }
            _ = try table(
                ["Môn học và hoạt động giáo dục", "Giữa năm", "Cuối năm", "Điểm KTĐK", "Nhận xét"], body,
                fractions: [0.3, 0.13, 0.15, 0.12, 0.3], cr, y: y)
        } else {
            func v(_ s: HocBa.Subject, _ x: String?) -> String {
                guard let x else { return s.exempt == true ? "Miễn" : "" }
                return s.assessment == "scored" ? x.replacingOccurrences(of: ".", with: ",") : x
            }
            let body = hb.subjects.map { s in [s.subject, v(s, s.term1), v(s, s.term2), v(s, s.year), s.teacher ?? ""] }
            _ = try table(
                ["Môn học / hoạt động giáo dục", "Học kì I", "Học kì II", "Cả năm", "Giáo viên bộ môn"], body,
                fractions: [0.32, 0.13, 0.13, 0.13, 0.29], cr, y: y)
        }
    }

    static func results(_ hb: HocBa, _ cr: OpaquePointer) throws {
        var y = try heading("KẾT QUẢ CẢ NĂM", cr, y: PDFRender.marginTop)
        if let r = hb.results {
            y =
                try table(
                    ["", "Học kì I", "Học kì II", "Cả năm"],
                    [
                        ["Kết quả học tập", r.term1.learning, r.term2.learning, r.year.learning],
                        ["Kết quả rèn luyện", r.term1.conduct ?? "", r.term2.conduct ?? "", r.year.conduct ?? ""],
                    ], fractions: [0.34, 0.22, 0.22, 0.22], cr, y: y) + 16
        }
        if let p = hb.primaryResults {
            y =
                try table(
                    ["Phẩm chất chủ yếu", "Mức đạt được"], p.qualities.map { [$0.name, $0.level] }, fractions: [0.6, 0.4], cr, y: y) + 12
            y =
                try table(
                    ["Năng lực cốt lõi", "Mức đạt được"], p.competences.map { [$0.name, $0.level] }, fractions: [0.6, 0.4], cr, y: y) + 12
            y = try rows([("Đánh giá kết quả giáo dục:", p.completion + " chương trình lớp học")], cr, y: y)
        }
        var lines = [(String, String)]()
        if let o = hb.outcome { lines.append(("Kết quả cuối năm:", o)) }
        if let a = hb.absentDays { lines.append(("Số buổi nghỉ học:", String(a))) }
        if let aw = hb.awards, !aw.isEmpty { lines.append(("Khen thưởng:", aw.joined(separator: "; "))) }
        y = try rows(lines, cr, y: y) + 10
        y += try PDFRender.text(cr, "Nhận xét của giáo viên chủ nhiệm:", x: left, y: y, width: width, size: 12, style: .bold) + 4
        try PDFRender.text(cr, hb.homeroomRemarks ?? "", x: left, y: y, width: width, size: 12, style: .italic)
    }

    static func signatures(_ hb: HocBa, issued: String, _ cr: OpaquePointer) throws {
        var y = try heading("XÁC NHẬN CỦA NHÀ TRƯỜNG", cr, y: PDFRender.marginTop)
        if let c = hb.lowerSecondaryCompletion, c.confirmed {
            y += try PDFRender.text(cr, c.text + ".", x: left, y: y, width: width, size: 12, style: .bold) + 10
        }
        if let o = hb.outcome { y += try PDFRender.text(cr, "Kết quả: \(o).", x: left, y: y, width: width, size: 12) + 10 }
        y += 10
        // The two blocks share the page's full width, like the paper book's.
        let colW = (PDFRender.pageWidth - 80) / 2 - 10
        let rx = PDFRender.pageWidth / 2 + 10
        _ = try PDFRender.fitted(cr, issued, x: rx, y: y, width: colW, size: 11.5, style: .italic)
        y += 22
        for (x, title, name) in [
            (40.0, "GIÁO VIÊN CHỦ NHIỆM", hb.homeroomTeacher ?? ""), (rx, "HIỆU TRƯỞNG", hb.principal ?? ""),
        ] {
            var yy = y
            yy += try PDFRender.text(cr, title, x: x, y: yy, width: colW, size: 12, style: .bold, align: PANGO_ALIGN_CENTER) + 6
            yy += try PDFRender.text(cr, "(Đã ký số)", x: x, y: yy, width: colW, size: 11, style: .italic, align: PANGO_ALIGN_CENTER) + 40
            try PDFRender.text(cr, name, x: x, y: yy, width: colW, size: 12, style: .bold, align: PANGO_ALIGN_CENTER)
        }
        y += 150
        y +=
            try PDFRender.text(
                cr, "XÁC THỰC CỦA \(hb.school.name.uppercased())", x: left, y: y, width: width, size: 12, style: .bold,
                align: PANGO_ALIGN_CENTER) + 6
        y +=
            try PDFRender.text(
                cr, "(Chữ ký số của tổ chức — con dấu điện tử của nhà trường, ký sau cùng)", x: left, y: y, width: width, size: 11,
                style: .italic, align: PANGO_ALIGN_CENTER) + 40
        try PDFRender.text(
            cr,
            "Học bạ điện tử có chữ ký số của giáo viên chủ nhiệm, hiệu trưởng và chữ ký số của nhà trường, có giá trị như học bạ giấy. "
                + "Dữ liệu học bạ được đính kèm trong tệp. Muốn kiểm tra: đưa tệp PDF này vào trang kiểm tra của nhà trường.",
            x: left, y: PDFRender.pageHeight - 110, width: width, size: 9.5, style: .italic)
    }
}
