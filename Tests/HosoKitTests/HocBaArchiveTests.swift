import Foundation
import HosoCopies
import HosoCore
import HosoGrades
import HosoRecords
import HosoSigning
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

/// Học bạ through the Archive: built from a class's grade books, signed in order by the people the assignments
/// entitle (the seal by the office's organisation certificate), each signed version stored, carried by fsck and
/// verified against the records.
@Suite struct HocBaArchiveTests {
    static let school = "Trường THCS Tân Lập"
    static let year = "2025-2026"
    static let student = (id: "2200000001", name: "Nguyễn Văn An", born: "15/03/2011")

    struct World {
        let dir = TempDirectory()
        let f: OfficeArchiveFixture
        var a: Archive { f.archive }

        init() throws {
            f = try OfficeArchiveFixture(in: dir.path)
            let header = try ClassHeader.parse(
                Array(
                    """
                    {"school": "\(HocBaArchiveTests.school)", "class": "9A", "schoolYear": "\(HocBaArchiveTests.year)", "level": "THCS",
                     "subjects": [
                      {"subject": "Toán", "teacher": "Lê Thị Hoa", "periodsPerYear": 140, "assessment": "scored"},
                      {"subject": "Giáo dục thể chất", "teacher": "Trần Văn Nam", "periodsPerYear": 70, "assessment": "comments"}
                     ]}
                    """.utf8), source: "header.json")
            let s = HocBaArchiveTests.student
            let rows: [(String, Term, String)] = [
                ("Toán", .hk1, "8,8,8,8,8,8,"), ("Toán", .hk2, "9,9,9,9,9,9,"),
                ("Giáo dục thể chất", .hk1, ",,,,,,Đạt"), ("Giáo dục thể chất", .hk2, ",,,,,,Đạt"),
            ]
            for (subject, term, cells) in rows {
                let csv = "ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet\r\n\(s.id),\(s.name),\(s.born),\(cells)\r\n"
                _ = try f.archive.importGradeBook(
                    csv: Array(csv.utf8), source: "\(subject)-\(term).csv", header: header,
                    settings: GradeBookSettings(subject: subject, term: term.rawValue), author: "gv")
            }
            try person("p-nhung", "Lê Thị Hồng Nhung", "gvcn")
            try person("p-duc", "Phạm Quốc Đức", "hieu-truong")
            try assign("as-gvcn", "p-nhung", "homeroom-teacher", className: "9A")
            try assign("as-ht", "p-duc", "principal", className: nil)
        }

        func person(_ id: String, _ name: String, _ cert: String) throws {
            let fp = try f.pki.identity(cert).certificate.fingerprint
            try a.createRecord(
                type: "person", id: id,
                body: .object([
                    JSONMember("fullName", .string(name)), JSONMember("dateOfBirth", .string("1980-01-02")),
                    JSONMember("roles", .array([.string("teacher")])),
                    JSONMember("certificates", .array([.object([JSONMember("sha256", .string(fp))])])),
                ]), author: "admin")
        }

        func assign(_ id: String, _ person: String, _ role: String, className: String?) throws {
            var m = [
                JSONMember("person", .string(person)), JSONMember("role", .string(role)),
                JSONMember("school", .string(HocBaArchiveTests.school)), JSONMember("schoolYear", .string(HocBaArchiveTests.year)),
                JSONMember("from", .string("2020-01-01")),
            ]
            if let className { m.append(JSONMember("class", .string(className))) }
            try a.createRecord(type: "assignment", id: id, body: .object(m), author: "admin")
        }

        func sign(_ id: String, _ role: HocBaSignerRole, _ who: String) throws -> [UInt8] {
            try a.signHocBa(id, role: role, signer: try f.pki.identity(who), author: "test")
        }
    }

    func code(_ body: () throws -> Void) -> HosoError.Code? {
        do { try body() } catch let e as HosoError { return e.code } catch { return nil }
        return nil
    }

    @Test func buildSignInOrderStoreAndVerify() throws {
        let w = try World()
        let built = try w.a.buildHocBa(school: Self.school, className: "9A", schoolYear: Self.year, author: "gvcn")
        #expect(built.count == 1)
        let hb = try #require(built.first?.hocBa)
        let id = hb.recordId
        #expect(id == "hoc-ba/\(Self.student.id)/\(Self.year)")
        #expect(hb.homeroomTeacher == "Lê Thị Hồng Nhung" && hb.principal == "Phạm Quốc Đức")
        #expect(hb.lowerSecondaryCompletion?.confirmed == true, "grade 9 from 2025-2026: the principal confirms completion")
        #expect(hb.subjects.map(\.year) == ["Đạt", "8.7"] || hb.subjects.map(\.year) == ["8.7", "Đạt"])
        #expect(try w.a.hocBaIds(school: Self.school, className: "9a", schoolYear: Self.year) == [id])

        // Out of order, and not entitled: refused before anything is signed.
        #expect(code { _ = try w.sign(id, .principal, "hieu-truong") } == .hocBaSignatureOrder)
        #expect(code { _ = try w.sign(id, .homeroom, "hieu-truong") } == .signerNotEntitled)
        #expect(try w.a.hocBaPDF(id) == nil)

        _ = try w.sign(id, .homeroom, "gvcn")
        #expect(code { _ = try w.sign(id, .seal, "van-phong") } == .hocBaSignatureOrder)
        #expect(code { _ = try w.sign(id, .homeroom, "gvcn") } == .hocBaAlreadySigned)
        _ = try w.sign(id, .principal, "hieu-truong")
        #expect(code { _ = try w.sign(id, .seal, "gvcn") } == .notOfficeSigner)
        let pdf = try w.sign(id, .seal, "van-phong")
        #expect(try w.a.hocBaPDF(id) == pdf)

        let r = try w.a.verifyHocBa(pdf: pdf)
        #expect(r.indication == "PASSED", "\(r.reasons) \(r.messages.map(\.en))")
        #expect(r.signers.map { $0.person?.fullName } == ["Lê Thị Hồng Nhung", "Phạm Quốc Đức", nil])
        #expect(r.data == hb)

        // Every signed version is an object the issue register names: fsck follows them, nothing is missing.
        let issue = try w.a.current(record: HocBaIssue.recordId(moetId: Self.student.id, schoolYear: Self.year))
        guard case .array(let sigs)? = issue.1.body["signatures"] else { throw FixtureError("no signatures in the register") }
        #expect(sigs.count == 3)
        #expect(try w.a.list(kind: .hocBa).count == 3)
        let fsck = try w.a.fsck()
        #expect(fsck.ok && fsck.missing.isEmpty)

        // The XML export validates against the XSD.
        let xml = w.dir.path + "/hb.xml"
        try Data(try w.a.hocBaXML(id).utf8).write(to: URL(fileURLWithPath: xml))
        let lint = try runProgram("/usr/bin/xmllint", ["--noout", "--schema", repoRoot + "/Schemas/hoc-ba.xsd", xml])
        #expect(lint.status == 0, "\(lint.output)")
    }

    @Test func aSignerWithoutTheAssignmentFailsVerification() throws {
        let w = try World()
        let id = try #require(try w.a.buildHocBa(school: Self.school, className: "9A", schoolYear: Self.year, author: "x").first).hocBa
            .recordId
        _ = try w.sign(id, .homeroom, "gvcn")
        _ = try w.sign(id, .principal, "hieu-truong")
        let pdf = try w.sign(id, .seal, "van-phong")
        // The principal's assignment is withdrawn (a later revision ends it before the signing day).
        let (head, rev) = try w.a.current(record: "as-ht")
        guard case .object(var m) = rev.body else { throw FixtureError("assignment body") }
        m.append(JSONMember("until", .string("2020-12-31")))
        _ = try w.a.put(
            Revision(
                recordType: "assignment", recordId: "as-ht", parents: [head.hex], author: "admin", time: HosoClock.format(Date()),
                reason: "withdrawn", body: .object(m)))
        let r = try w.a.verifyHocBa(pdf: pdf)
        #expect(r.indication == "FAILED" && r.reasons.contains("SIGNER_NOT_ENTITLED"), "\(r.reasons)")
    }

    // MARK: - Primary (TT 27/2020), from the class's year-end evaluations

    static let ratings = """
        Mã định danh,Họ và tên,Ngày sinh,Giới tính,Tiếng Việt,Điểm: Tiếng Việt,Toán,Điểm: Toán,Đạo đức,Phẩm chất: Chăm chỉ,Năng lực: Tự chủ và tự học,Nhận xét\r
        2300000011,Lò Văn Tú,02/09/2016,Nam,T,9,Hoàn thành tốt,10,T,Tốt,Tốt,Chăm ngoan\r
        2300000012,Hà Thị Nga,05/01/2016,Nữ,H,7,hoan thanh,6,Hoàn thành,Đạt,Đ,\r

        """

    @Test func buildsAPrimaryClassFromItsRatingsSignsInOrderAndVerifies() throws {
        let w = try World()
        try w.assign("as-gvcn-3a", "p-nhung", "homeroom-teacher", className: "3A")
        let rows = try PrimaryRatingsCSV.read(bytes: Array(Self.ratings.utf8), source: "3A.csv", grade: 3)
        let built = try w.a.buildPrimaryHocBa(
            school: Self.school, className: "3A", schoolYear: Self.year, grade: 3, ratings: rows, author: "gvcn")
        #expect(built.map(\.hocBa.student.moetId) == ["2300000011", "2300000012"])
        let hb = try #require(built.first?.hocBa)
        #expect(hb.level == .primary && hb.framework == "TT27/2020" && hb.grade == 3)
        #expect(hb.subjects.map(\.year) == ["Hoàn thành tốt", "Hoàn thành tốt", "Hoàn thành tốt"])
        #expect(hb.subjects.map(\.testScore) == [9, 10, nil])
        #expect(hb.primaryResults?.completion == "Hoàn thành xuất sắc" && built[1].hocBa.primaryResults?.completion == "Hoàn thành")
        #expect(hb.primaryResults?.competences == [.init(name: "Tự chủ và tự học", level: "Tốt")])
        #expect(hb.homeroomRemarks == "Chăm ngoan" && hb.student.sex == "Nam")
        #expect(hb.homeroomTeacher == "Lê Thị Hồng Nhung" && hb.principal == "Phạm Quốc Đức")
        #expect(try w.a.hocBaIds(school: Self.school, className: "3A", schoolYear: Self.year) == built.map(\.hocBa.recordId))

        let id = hb.recordId
        #expect(code { _ = try w.sign(id, .seal, "van-phong") } == .hocBaSignatureOrder)
        _ = try w.sign(id, .homeroom, "gvcn")
        _ = try w.sign(id, .principal, "hieu-truong")
        let pdf = try w.sign(id, .seal, "van-phong")
        let r = try w.a.verifyHocBa(pdf: pdf)
        #expect(r.indication == "PASSED", "\(r.reasons) \(r.messages.map(\.en))")
        #expect(r.data == hb)

        let xml = w.dir.path + "/primary.xml"
        try Data(try w.a.hocBaXML(id).utf8).write(to: URL(fileURLWithPath: xml))
        let lint = try runProgram("/usr/bin/xmllint", ["--noout", "--schema", repoRoot + "/Schemas/hoc-ba.xsd", xml])
        #expect(lint.status == 0, "\(lint.output)")

        // The same file again: nothing changes, nothing to sign again.
        let again = try w.a.buildPrimaryHocBa(
            school: Self.school, className: "3A", schoolYear: Self.year, grade: 3, ratings: rows, author: "gvcn")
        #expect(again.allSatisfy { $0.save.change == .unchanged }, "\(again.map(\.save.change))")
    }

    /// Each bad cell is named at file:row:column; the reader returns nothing, so nothing can be written.
    @Test(arguments: [
        // A subject level that is not one of TT 27's three (Cần cố gắng is the qualities' scale).
        (
            "Tiếng Việt,Điểm: Tiếng Việt\r\n2300000011,Lò Văn Tú,02/09/2016,Cần cố gắng,9\r\n", 2, "r.csv:2:Tiếng Việt",
            "GRADE_LEVEL_INVALID"
        ),
        // A test score where the subject has no periodic test in this grade (Tiếng Anh in grade 1; Đạo đức never).
        (
            "Tiếng Anh,Điểm: Tiếng Anh\r\n2300000011,Lò Văn Tú,02/09/2016,T,8\r\n", 1, "r.csv:2:Điểm: Tiếng Anh",
            "GRADEBOOK_UNEXPECTED_VALUE"
        ),
        ("Đạo đức,Điểm: Đạo đức\r\n2300000011,Lò Văn Tú,02/09/2016,T,8\r\n", 5, "r.csv:2:Điểm: Đạo đức", "GRADEBOOK_UNEXPECTED_VALUE"),
        // A missing student identifier.
        ("Đạo đức\r\n,Lò Văn Tú,02/09/2016,T\r\n", 2, "r.csv:2:Mã định danh", "MOET_ID_INVALID"),
        // Toán in grade 2 has a year-end test: its score column is required, and a decimal score refused.
        ("Toán\r\n2300000011,Lò Văn Tú,02/09/2016,T\r\n", 2, "r.csv:1:Toán", "GRADEBOOK_COLUMN_MISSING"),
        ("Toán,Điểm: Toán\r\n2300000011,Lò Văn Tú,02/09/2016,T,8.5\r\n", 2, "r.csv:2:Điểm: Toán", "PRIMARY_SCORE_INVALID"),
        // A sex other than Nam / Nữ, and a control character in a name.
        ("Giới tính,Đạo đức\r\n2300000011,Lò Văn Tú,02/09/2016,X,T\r\n", 2, "r.csv:2:Giới tính", "CSV_INVALID"),
        ("Đạo đức\r\n2300000011,Lò\u{7}Tú,02/09/2016,T\r\n", 2, "r.csv:2:Họ và tên", "CSV_INVALID"),
        (
            "Phẩm chất: Trung thực,Đạo đức\r\n2300000011,Lò Văn Tú,02/09/2016,Hoàn thành,T\r\n", 2, "r.csv:2:Phẩm chất: Trung thực",
            "GRADE_LEVEL_INVALID"
        ),
    ])
    func refusesBadPrimaryRatings(_ csv: String, _ grade: Int, _ place: String, _ code: String) throws {
        let file = "Mã định danh,Họ và tên,Ngày sinh," + csv
        do {
            _ = try PrimaryRatingsCSV.read(bytes: Array(file.utf8), source: "r.csv", grade: grade)
            Issue.record("accepted: \(csv)")
        } catch let e as HosoProblems {
            #expect(e.problems.contains { $0.location == place && $0.code.rawValue == code }, "\(e.problems)")
        }
    }

    @Test func aRefusedRatingsFileWritesNoHocBa() throws {
        let w = try World()
        let bad = Self.ratings.replacingOccurrences(of: "Hoàn thành tốt,10", with: "Tốt,10")
        #expect(throws: HosoProblems.self) { _ = try PrimaryRatingsCSV.read(bytes: Array(bad.utf8), source: "3A.csv", grade: 3) }
        // A row the builder refuses (a record check) stops the whole class before anything is saved.
        var rows = try PrimaryRatingsCSV.read(bytes: Array(Self.ratings.utf8), source: "3A.csv", grade: 3)
        rows[1].student.dateOfBirth = "not a date"
        #expect(throws: (any Error).self) {
            _ = try w.a.buildPrimaryHocBa(school: Self.school, className: "3A", schoolYear: Self.year, grade: 3, ratings: rows, author: "x")
        }
        #expect(try w.a.hocBaIds(school: Self.school, className: "3A", schoolYear: Self.year).isEmpty)
    }
}
