import Foundation
import HosoCore
import HosoRecords
import HosoSigning
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

/// A student changes school: the sealed học bạ goes to the new school with the next sync, is checked on arrival,
/// verifies there as received (with the first school's seal), and a tampered one is refused with nothing kept.
@Suite struct HocBaTransferTests {
    /// School A's world with a sealed học bạ, and school B, each a node; B takes học bạ from A.
    func schools() throws -> (HocBaArchiveTests.World, Archive, id: String, pdf: [UInt8]) {
        let w = try HocBaArchiveTests.World()
        let id = try #require(
            try w.a.buildHocBa(school: HocBaArchiveTests.school, className: "9A", schoolYear: HocBaArchiveTests.year, author: "x").first
        ).hocBa.recordId
        _ = try w.sign(id, .homeroom, "gvcn")
        _ = try w.sign(id, .principal, "hieu-truong")
        let pdf = try w.sign(id, .seal, "van-phong")
        let b = try Archive.create(at: w.dir.path + "/b", clock: w.a.clock)
        try b.addTrustAnchors(w.f.pki.roots, label: "demo", author: "admin")
        try b.addCertificates(w.f.pki.intermediates)
        for c in w.f.pki.manifest.crls {
            _ = try b.importCRLs(try CRL.load([UInt8](try Data(contentsOf: URL(fileURLWithPath: w.f.pki.path(c.der))))))
        }
        for (x, name) in [(w.a, "truong-a"), (b, "truong-b")] {
            try x.initNode(
                name: name, role: .school,
                identity: try DemoPKI.issueNode(pki: w.dir.path + "/pki", name: name, organization: "t", clock: w.a.clock))
        }
        func cert(_ x: Archive) throws -> Certificate { try Certificate(der: try x.read(ObjectID(hex: try x.nodeInfo().certificate)!)) }
        try w.a.addPeer(name: "truong-b", certificate: cert(b), role: .school, scope: ["note:*"], author: "admin")
        try b.addPeer(
            name: "truong-a", certificate: cert(w.a), role: .school, scope: ["<hoc-ba:*", "<hoc-ba-issue:*", "<extract:*"], author: "admin")
        return (w, b, id, pdf)
    }

    @Test func aTransferredHocBaVerifiesAtTheNewSchoolAsReceived() throws {
        let (w, b, id, pdf) = try schools()
        // Not yet sealed ones cannot be given or transferred: this one is.
        try w.a.transfer(records: [id], to: "truong-b", by: "hieu-truong")
        _ = try w.a.createBundle(for: "truong-b", out: w.dir.path + "/t.tar")
        _ = try b.importBundle(w.dir.path + "/t.tar")
        #expect(try b.hocBaPDF(id) == pdf)
        #expect(try b.transferredIn(id)?.by == "hieu-truong")
        let r = try b.verifyHocBa(pdf: pdf)
        #expect(r.indication == "PASSED", "\(r.reasons)")
        // The first school's seal is accepted only for what was received from it: a học bạ of this school's own
        // signed with it would not be (the seal is not B's).
        #expect(try b.transferredIn("hoc-ba/none/2025-2026") == nil)
    }

    @Test func aTamperedHocBaIsRefusedOnArrival() throws {
        let (w, b, id, pdf) = try schools()
        try w.a.transfer(records: [id], to: "truong-b", by: "hieu-truong")
        // A change after the seal: one more incremental update that rewrites the catalog.
        var tampered = pdf
        tampered += Array("\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Evil true >>\nendobj\n".utf8)
        #expect(try b.verifyHocBa(pdf: tampered).indication == "FAILED")
        // The sending school (or its stolen node key) names the tampered file in the issue register and sends it.
        let evil = try w.a.putObject(tampered, kind: .hocBa)
        let issueId = HocBaIssue.recordId(moetId: HocBaArchiveTests.student.id, schoolYear: HocBaArchiveTests.year)
        guard case .object(let members) = try w.a.current(record: issueId).1.body else { throw FixtureError("no issue body") }
        let body = JSONValue.object(members.map { $0.key == "document" ? JSONMember("document", .string(evil.id.hex)) : $0 })
        // Written as a revision of its own: the plain `revise` refuses the register (a workflow record type).
        _ = try w.a.put(
            Revision(
                recordType: HocBaIssue.recordType, recordId: issueId, parents: try w.a.heads(record: issueId), author: "x",
                time: HosoClock.format(w.a.clock.now()), reason: "giả mạo / forged", body: body))
        let path2 = w.dir.path + "/t2.tar"
        _ = try w.a.createBundle(for: "truong-b", out: path2)
        do {
            _ = try b.importBundle(path2)
            Issue.record("a tampered học bạ was accepted")
        } catch let e as HosoProblems {
            #expect(e.problems.map(\.code).contains(.hocBaRefused), "\(e.problems)")
        }
        #expect(try b.heads(record: id).isEmpty && b.list(kind: .hocBa).isEmpty)
    }
}
