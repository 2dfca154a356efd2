import Foundation
import HosoCore
import HosoKit
import HosoSigning
import HosoTestSupport
import Testing

/// Signatures made by the teacher's signing agent and sent back (`Archive.acceptSignature`): accepted only as strictly
/// as a signature made in the archive.
@Suite struct AgentSignatureTests {
    typealias World = IdentityTests.World

    /// The example grade book's current revision signed elsewhere by `who`, in `role`, over `content` (its own bytes
    /// unless given).
    func signature(_ w: World, _ who: String, role: SignerRole = .subjectTeacher, content: [UInt8]? = nil) throws -> (ObjectID, [UInt8]) {
        let (revId, _) = try w.a.current(record: IdentityTests.gradeBookId)
        let der = try CMSSigner.sign(
            content: try content ?? w.a.read(revId), identity: try w.f.pki.identity(who), role: role, at: w.f.pki.now, crls: w.f.pki.crls)
        return (revId, der)
    }

    func code(_ body: () throws -> Void) -> String? {
        do { try body() } catch let e as HosoError { return e.code.rawValue } catch { return "\(error)" }
        return nil
    }

    @Test func theAssignedTeachersSignatureIsStoredAndVerifies() throws {
        let w = try World()
        try w.person("p-toan", "Nguyễn Văn An", certificates: ["gv-toan"])
        try w.assign("as-toan", person: "p-toan")
        let (rev, der) = try signature(w, "gv-toan")
        let out = try w.a.acceptSignature(der, revision: rev, role: .subjectTeacher, person: "p-toan")
        #expect(out.revision == rev.hex && out.role == "subject-teacher")
        #expect(try w.report().indication == .passed)
    }

    @Test func refusedSignaturesStoreNothing() throws {
        let w = try World()
        try w.person("p-toan", "Nguyễn Văn An", certificates: ["gv-toan"])
        try w.person("p-van", "Trần Thị Bích Ngọc", certificates: ["gv-van"])
        try w.person("p-hung", "Đỗ Văn Hùng", certificates: ["gv-bi-thu-hoi"])
        try w.assign("as-toan", person: "p-toan")
        try w.assign("as-hung", person: "p-hung")
        let (rev, good) = try signature(w, "gv-toan")
        // Altered in its signature value; over other bytes; in another role.
        var tampered = good
        tampered[tampered.count - 2] ^= 0x40
        #expect(
            code { _ = try w.a.acceptSignature(tampered, revision: rev, role: .subjectTeacher, person: "p-toan") } == "SIGNATURE_REJECTED")
        let other = try signature(w, "gv-toan", content: Array("khác".utf8)).1
        #expect(code { _ = try w.a.acceptSignature(other, revision: rev, role: .subjectTeacher, person: "p-toan") } == "SIGNATURE_REJECTED")
        let homeroom = try signature(w, "gv-toan", role: .homeroomTeacher).1
        #expect(
            code { _ = try w.a.acceptSignature(homeroom, revision: rev, role: .subjectTeacher, person: "p-toan") } == "SIGNATURE_REJECTED")
        // A teacher without the assignment; the assigned teacher's certificate sent from another person's account; a
        // revoked certificate.
        let van = try signature(w, "gv-van").1
        #expect(code { _ = try w.a.acceptSignature(van, revision: rev, role: .subjectTeacher, person: "p-van") } == "SIGNER_NOT_ENTITLED")
        #expect(code { _ = try w.a.acceptSignature(good, revision: rev, role: .subjectTeacher, person: "p-van") } == "SIGNER_NOT_ENTITLED")
        let revoked = try signature(w, "gv-bi-thu-hoi").1
        #expect(
            code { _ = try w.a.acceptSignature(revoked, revision: rev, role: .subjectTeacher, person: "p-hung") }
                == "SIGNING_CERTIFICATE_REVOKED")
        #expect(try w.a.verify(IdentityTests.gradeBookId).signatures.isEmpty)
    }
}
