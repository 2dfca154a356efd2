import Foundation
import HosoCore
import HosoGrades
import HosoKit
import HosoRecords
import HosoSigning
import HosoTestSupport
import Testing

/// The class summary of a term: built from the class's grade books of the term, signed by the class's homeroom
/// teacher only.
@Suite struct ClassSummaryTests {
    static func importBook(_ a: Archive, subject: String, final: String) throws {
        let csv = """
            ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet\r
            0123456789,Lò Văn An,01/02/2012,7,8,"6,5",9,7,\(final),\r
            0123456790,Hà Thị Bình,15/03/2012,5,4,"4,5",5,4,3,\r

            """
        _ = try a.importGradeBook(
            csv: Array(csv.utf8), source: "\(subject).csv", header: nil,
            settings: GradeBookSettings(
                school: TermLockTests.school, className: "6A", schoolYear: "2024-2025", subject: subject, term: "HK1",
                level: "THCS", periodsPerYear: 140, assessment: "scored", teacher: "Phạm Thị Hoa"),
            author: "gv")
    }

    @Test func theHomeroomTeacherSignsTheSummaryBuiltFromTheBooksAndNobodyElse() throws {
        let w = try TermLockTests.World()
        try w.assign("as-ngoc-cn", person: "p-ngoc", role: "homeroom-teacher")
        try Self.importBook(w.a, subject: "Toán", final: "9")
        try Self.importBook(w.a, subject: "Ngữ văn", final: "8")
        let save = try w.a.buildClassSummary(
            school: TermLockTests.school, className: "6A", schoolYear: "2024-2025", term: .hk1, conduct: ["0123456789": .tot],
            author: "cn")
        #expect(save.change == .created)
        let (_, rev) = try w.a.current(record: save.recordId)
        guard case .array(let students)? = rev.body["students"], case .array(let books)? = rev.body["books"] else {
            Issue.record("no students")
            return
        }
        #expect(books.count == 2 && students.count == 2)
        // (7 + 8 + 6,5 + 9 + 2·7 + 3·9) / 9 = 7,9 in Toán and 7,6 in Ngữ văn: TT 22's rule over those two averages.
        guard case .array(let lines)? = students[0]["subjects"] else { return }
        let averages = lines.compactMap { line -> Double? in
            if case .number(let d)? = line["average"] { return d }
            return nil
        }
        #expect(averages == [7.6, 7.9], "Ngữ văn, then Toán (by record id)")
        let expected = SecondaryGrading.learningResult(scored: [try Mark.parse("7,9"), try Mark.parse("7,6")], commentsOnly: [])
        #expect(students[0]["learningResult"]?.stringValue == expected.rawValue)
        #expect(students[0]["conduct"]?.stringValue == "Tốt")
        #expect(students[1]["learningResult"]?.stringValue == "Chưa đạt", "averages under 5")
        #expect(students[1]["conduct"] == nil)

        // Built again from the same books: unchanged; a subject teacher may not sign it, the homeroom teacher may.
        #expect(
            try w.a.buildClassSummary(
                school: TermLockTests.school, className: "6A", schoolYear: "2024-2025", term: .hk1, conduct: ["0123456789": .tot],
                author: "cn"
            ).change
                == .unchanged)
        for role in [SignerRole.subjectTeacher, .homeroomTeacher] {
            do {
                _ = try w.a.sign(save.recordId, identity: try w.f.pki.identity("gv-toan"), role: role)
                Issue.record("\(role) signed")
            } catch let e as HosoError { #expect(e.code == .signerNotEntitled) }
        }
        _ = try w.a.sign(save.recordId, identity: try w.f.pki.identity("gv-van"), role: .homeroomTeacher)
        let report = try w.a.verify(save.recordId)
        #expect(report.signatures.count == 1 && report.signatures[0].report.person?.fullName == "Trần Thị Bích Ngọc")
    }
}
