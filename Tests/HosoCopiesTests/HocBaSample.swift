import Foundation
import HosoCore
import HosoGrades
import HosoRecords
import HosoTestSupport

@testable import HosoCopies
@testable import HosoSigning

/// Học bạ of the tests: a grade-9 THCS student (TT 22, with the 2026 completion line) and a grade-3 primary one
/// (TT 27), rendered and signed by the demo PKI's homeroom teacher, principal and office seal.
enum HocBaSample {
    static let school = HocBa.School(
        name: "Trường THCS Hòa Bình", superiorBody: "Phòng Giáo dục và Đào tạo huyện Hòa Bình", place: "Xã Đông Hưng, huyện Hòa Bình")

    static var secondary: HocBa {
        var student = HocBa.Student(fullName: "Nguyễn Thị Thu Hà", dateOfBirth: "2011-03-14", moetId: "0123456789", sex: "Nữ")
        student.ethnicity = "Kinh"
        let scored = [("Ngữ văn", "7.5", "8.0"), ("Toán", "8.5", "9.0"), ("Tiếng Anh", "6.8", "7.4"), ("Khoa học tự nhiên", "8.0", "8.3")]
        var subjects = scored.map { name, a, b -> HocBa.Subject in
            let year = String(format: "%.1f", ((Double(a)! + 2 * Double(b)!) / 3 * 10).rounded() / 10)
            var s = HocBa.Subject(assessment: "scored", subject: name, term1: a, term2: b, year: year)
            s.teacher = "Trần Thị Bích Ngọc"
            return s
        }
        subjects.append(.init(assessment: "comments", subject: "Giáo dục thể chất", term1: "Đạt", term2: "Đạt", year: "Đạt"))
        subjects.append(.init(assessment: "comments", subject: "Nghệ thuật", term1: "Đạt", term2: "Đạt", year: "Đạt"))
        var hb = HocBa(
            school: school, student: student, schoolYear: "2025-2026", class: "9A", grade: 9, level: .lowerSecondary, subjects: subjects)
        hb.results = .init(
            term1: .init(learning: "Khá", conduct: "Tốt"), term2: .init(learning: "Tốt", conduct: "Tốt"),
            year: .init(learning: "Khá", conduct: "Tốt"))
        hb.outcome = "Được lên lớp"
        hb.absentDays = 2
        hb.homeroomRemarks = "Chăm ngoan, có ý thức tự học; cần mạnh dạn hơn khi phát biểu."
        hb.lowerSecondaryCompletion = .init(confirmed: true)
        hb.homeroomTeacher = "Lê Thị Hồng Nhung"
        hb.principal = "Phạm Quốc Đức"
        return hb
    }

    static func primary() throws -> HocBa {
        var details = HocBaDetails(
            school: .init(name: "Trường Tiểu học Tân Lập", superiorBody: "Phòng Giáo dục và Đào tạo huyện Hòa Bình"),
            homeroomTeacher: "Nông Thị Hằng", principal: "Phạm Quốc Đức")
        details.remarks["0123456780"] = "Đọc lưu loát, viết đúng chính tả; tích cực tham gia hoạt động tập thể."
        return try HocBaBuilder.primary(
            student: .init(fullName: "Sầm Văn Khánh", dateOfBirth: "2017-09-02", moetId: "0123456780", sex: "Nam"),
            schoolYear: "2025-2026", class: "3B", grade: 3,
            subjects: [
                .init(subject: "Tiếng Việt", term1: .hoanThanhTot, year: .hoanThanhTot, testScore: 9),
                .init(subject: "Toán", term1: .hoanThanh, year: .hoanThanhTot, testScore: 10),
                .init(subject: "Đạo đức", year: .hoanThanhTot),
                .init(subject: "Tự nhiên và Xã hội", year: .hoanThanhTot),
            ],
            qualities: [("Yêu nước", .tot), ("Nhân ái", .tot), ("Chăm chỉ", .tot), ("Trung thực", .tot), ("Trách nhiệm", .tot)],
            competences: [("Tự chủ và tự học", .tot), ("Giao tiếp và hợp tác", .tot), ("Ngôn ngữ", .tot), ("Tính toán", .tot)],
            details: details)
    }

    static let issued = "Hòa Bình, ngày 31 tháng 5 năm 2026"

    struct Signed {
        var unsigned: [UInt8]
        var homeroom: [UInt8]
        var principal: [UInt8]
        var sealed: [UInt8]
        var data: [UInt8]
    }

    static func sign(_ pdf: [UInt8], _ role: HocBaSignerRole, _ who: String, data: [UInt8]? = nil) throws -> [UInt8] {
        let fx = try pdfPKI.get()
        return try HocBaSigning.sign(
            pdf: pdf, role: role, signer: try fx.identity(who), data: data, location: "Hòa Bình", time: fx.now,
            timestamp: try fx.stamper())
    }

    static func make(_ hb: HocBa) throws -> Signed {
        let unsigned = try HocBaRender.render(hb, issued: issued)
        let data = try hb.canonicalBytes()
        let a = try sign(unsigned, .homeroom, "gvcn", data: data)
        let b = try sign(a, .principal, "hieu-truong")
        let c = try sign(b, .seal, "van-phong")
        return Signed(unsigned: unsigned, homeroom: a, principal: b, sealed: c, data: data)
    }

    static let shared = Result {
        let s = try make(secondary)
        if let out = ProcessInfo.processInfo.environment["HOSO_PDF_TEST_OUT"] {
            try Data(s.sealed).write(to: URL(fileURLWithPath: out + "/sample-hoc-ba.pdf"))
        }
        return s
    }

    /// Appends an incremental update that redefines object `num` with `body` (a forger's edit after signing).
    static func redefine(_ pdf: [UInt8], object num: Int, body: [UInt8]) throws -> [UInt8] {
        let doc = try PDFDocument(pdf)
        let size = doc.trailer["Size"]!.int!
        let root = doc.trailer["Root"]!.ref!
        var out = pdf
        let offset = out.count
        out += Array("\(num) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        let xref = out.count
        let entry = String(format: "%010d 00000 n\r\n", offset)
        out += Array("xref\n\(num) 1\n\(entry)trailer\n<< /Size \(size) /Root \(root.0) \(root.1) R /Prev \(doc.sections[0]) >>\n".utf8)
        out += Array("startxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }
}
