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
}
