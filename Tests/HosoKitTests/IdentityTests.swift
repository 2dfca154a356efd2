import Foundation
import HosoCore
import HosoKit
import HosoRecords
import HosoSigning
import HosoTestSupport
import Testing

/// People, certificates and assignments: a signature counts as "this person, in this role, for this record" only when
/// the archive's records say so. Signing refuses before anything is signed; verification fails what slipped in.
@Suite struct IdentityTests {
    static let gradeBookId = "gb-6a-toan-hk1"
    static let school = "Trường THCS Tân Lập"

    /// The office archive with the example grade book (Toán, 6A, 2024-2025, Trường THCS Tân Lập).
    struct World {
        let dir: TempDirectory
        let f: OfficeArchiveFixture
        var a: Archive { f.archive }

        init() throws {
            dir = TempDirectory()
            f = try OfficeArchiveFixture(in: dir.path)
            let book = try CanonicalJSON.parse(try repoFile("Schemas/examples/valid-grade-book-thcs-scored.json"))
            try f.archive.createRecord(type: "grade-book", id: IdentityTests.gradeBookId, body: book, author: "gv")
        }

        func fingerprint(_ name: String) throws -> String { try f.pki.identity(name).certificate.fingerprint }

        func person(_ id: String, _ name: String, certificates: [String] = [], from: String? = nil, until: String? = nil) throws {
            var certs = [JSONValue]()
            for c in certificates {
                var m = [JSONMember("sha256", .string(try fingerprint(c)))]
                if let from { m.append(JSONMember("from", .string(from))) }
                if let until { m.append(JSONMember("until", .string(until))) }
                certs.append(.object(m))
            }
            let body = JSONValue.object([
                JSONMember("fullName", .string(name)), JSONMember("dateOfBirth", .string("1985-03-02")),
                JSONMember("roles", .array([.string("teacher")])), JSONMember("certificates", .array(certs)),
            ])
            try a.createRecord(type: "person", id: id, body: body, author: "admin")
        }

        func assign(
            _ id: String, person: String, role: String = "subject-teacher", school: String = IdentityTests.school,
            subject: String = "Toán", from: String = "2020-01-01", until: String? = nil
        ) throws {
            var m = [
                JSONMember("person", .string(person)), JSONMember("role", .string(role)), JSONMember("school", .string(school)),
                JSONMember("class", .string("6A")), JSONMember("subject", .string(subject)),
                JSONMember("schoolYear", .string("2024-2025")), JSONMember("from", .string(from)),
                JSONMember("title", .string("Giáo viên \(subject)")),
            ]
            if let until { m.append(JSONMember("until", .string(until))) }
            try a.createRecord(type: "assignment", id: id, body: .object(m), author: "admin")
        }

        func sign(_ who: String, role: SignerRole = .subjectTeacher) throws {
            _ = try a.sign(IdentityTests.gradeBookId, identity: try f.pki.identity(who), role: role)
        }

        /// A signature made elsewhere (no checks before signing) and brought into the archive.
        func signElsewhere(_ who: String, role: SignerRole = .subjectTeacher) throws {
            let (revId, _) = try a.current(record: IdentityTests.gradeBookId)
            let der = try CMSSigner.sign(
                content: try a.store.read(revId), identity: try f.pki.identity(who), role: role, at: f.pki.now + 1800,
                crls: f.pki.crls)
            try a.storeSignature(der)
        }

        func report() throws -> SignatureReport {
            let r = try a.verify(IdentityTests.gradeBookId)
            try #require(r.signatures.count == 1)
            return r.signatures[0].report
        }
    }

    func refusal(_ body: () throws -> Void) -> HosoError? {
        do {
            try body()
            return nil
        } catch let e as HosoError { return e } catch { return nil }
    }

    @Test func theAssignedTeacherSignsAndTheReportNamesHerWithTheTitle() throws {
        let w = try World()
        try w.person("p-an", "Nguyễn Văn An", certificates: ["gv-toan"])
        try w.assign("as-an", person: "p-an")
        try w.sign("gv-toan")
        let r = try w.report()
        #expect(r.indication == .passed, "\(r.message)")
        #expect(r.person?.fullName == "Nguyễn Văn An")
        #expect(r.person?.assignment == "as-an")
        #expect(r.person?.title == "Giáo viên Toán")
        #expect(r.claimedTitle == "Giáo viên Toán", "the title is signed with the role")
    }

    @Test func anotherTeachersCertificateIsRefusedBeforeAnythingIsSigned() throws {
        let w = try World()
        try w.person("p-an", "Nguyễn Văn An", certificates: ["gv-toan"])
        try w.person("p-ngoc", "Trần Thị Bích Ngọc", certificates: ["gv-van"])
        try w.assign("as-an", person: "p-an")
        let e = refusal { try w.sign("gv-van") }
        #expect(e?.code == .signerNotEntitled)
        #expect(e?.message.vi.contains("Trần Thị Bích Ngọc") == true)
        #expect(e?.message.vi.contains("Nguyễn Văn An") == true, "names who was entitled")
        #expect(try w.a.verify(IdentityTests.gradeBookId).signatures.isEmpty, "nothing was stored")
    }

    @Test func aValidSignatureBySomeoneNotEntitledFailsVerification() throws {
        let w = try World()
        try w.person("p-an", "Nguyễn Văn An", certificates: ["gv-toan"])
        try w.person("p-ngoc", "Trần Thị Bích Ngọc", certificates: ["gv-van"])
        try w.assign("as-an", person: "p-an")
        try w.signElsewhere("gv-van")
        let r = try w.report()
        #expect(r.indication == .failed)
        #expect(r.reason == .signerNotEntitled)
        #expect(r.person?.fullName == "Trần Thị Bích Ngọc", "who signed")
        #expect(r.message.en.contains("Nguyễn Văn An"), "who was entitled: \(r.message.en)")
        #expect(r.message.en.contains("as subject teacher"), "in which role")
        #expect(try w.a.verify(IdentityTests.gradeBookId).indication == "FAILED")
    }

    @Test func theRightTeacherInTheWrongRoleIsNotEntitled() throws {
        let w = try World()
        try w.person("p-an", "Nguyễn Văn An", certificates: ["gv-toan"])
        try w.assign("as-an", person: "p-an")
        // Homeroom teacher of 6A is another assignment, which An does not hold.
        let e = refusal { try w.sign("gv-toan", role: .homeroomTeacher) }
        #expect(e?.code == .signerNotEntitled)
    }

    @Test func anAssignmentOutsideItsDatesDoesNotEntitle() throws {
        let w = try World()
        try w.person("p-an", "Nguyễn Văn An", certificates: ["gv-toan"])
        try w.assign("as-an", person: "p-an", from: "2019-09-01", until: "2020-06-30")
        #expect(refusal { try w.sign("gv-toan") }?.code == .signerNotEntitled)
    }

    @Test func aCertificateListedForNobodyIsNotEntitled() throws {
        let w = try World()
        try w.person("p-ngoc", "Trần Thị Bích Ngọc", certificates: ["gv-van"])
        try w.person("p-an", "Nguyễn Văn An")  // An's certificate is not recorded
        try w.assign("as-an", person: "p-an")
        let e = refusal { try w.sign("gv-toan") }
        #expect(e?.code == .signerNotEntitled)
        #expect(e?.message.en.contains("belongs to no person") == true)
        try w.signElsewhere("gv-toan")
        #expect(try w.report().reason == .signerNotEntitled)
    }

    @Test func twoTeachersWithOneNameAtDifferentSchoolsAreDifferentPeople() throws {
        let w = try World()
        // The certificate's holder teaches at Xuân Sơn; the namesake at Tân Lập holds another certificate.
        try w.person("p-an-xs", "Nguyễn Văn An", certificates: ["gv-toan"])
        try w.assign("as-an-xs", person: "p-an-xs", school: "Trường THCS Xuân Sơn")
        try w.person("p-an-tl", "Nguyễn Văn An", certificates: ["gv-van"])
        try w.assign("as-an-tl", person: "p-an-tl")
        #expect(refusal { try w.sign("gv-toan") }?.code == .signerNotEntitled)
        try w.sign("gv-van")
        #expect(try w.report().person?.record == "p-an-tl")
    }

    @Test func theOfficeSealNeverSignsAGradeBookEvenWithNoPeopleRecorded() throws {
        let w = try World()
        #expect(refusal { try w.sign("van-phong") }?.code == .signerNotEntitled)
        try w.signElsewhere("van-phong")
        let r = try w.report()
        #expect(r.indication == .failed)
        #expect(r.reason == .signerNotEntitled)
    }

    @Test func expiredAndRevokedCertificatesAreRefusedBeforeSigningSayingWhich() throws {
        let w = try World()
        #expect(refusal { try w.sign("gv-het-han") }?.code == .signingCertificateNotValid)
        let revoked = refusal { try w.sign("gv-bi-thu-hoi") }
        #expect(revoked?.code == .signingCertificateRevoked)
        #expect(revoked?.message.en.contains("revoked on") == true)
    }

    /// What verification would fail is refused before signing, by the same judgement: here a certificate made for
    /// another purpose (its key usage does not allow signing documents).
    @Test func aCertificateVerificationWouldFailIsRefusedBeforeSigning() throws {
        let w = try World()
        let before = try w.a.index.signatures().count
        let wrong = refusal { try w.sign("sai-muc-dich") }
        #expect(wrong?.code == .signingCertificateNotValid, "\(String(describing: wrong))")
        #expect(wrong?.message.en.contains("nothing was signed") == true)
        #expect(try w.a.index.signatures().count == before)
    }

    @Test func withNoPeopleRecordedTheReportSaysEntitlementWasNotChecked() throws {
        let w = try World()
        try w.sign("gv-toan")
        let r = try w.report()
        #expect(r.indication == .passed)
        #expect(r.person == nil)
        #expect(r.warnings.contains { $0.en.contains("was not checked") })
    }

    @Test func aCertificateRecordedForTwoPeopleIsNobodys() throws {
        let w = try World()
        try w.person("p-an", "Nguyễn Văn An", certificates: ["gv-toan"])
        try w.person("p-an-2", "Nguyễn Văn An (trùng)", certificates: ["gv-toan"])
        try w.assign("as-an", person: "p-an")
        let e = refusal { try w.sign("gv-toan") }
        #expect(e?.code == .signerNotEntitled)
        #expect(e?.message.en.contains("several people") == true)
    }
}
