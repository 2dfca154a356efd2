import Foundation
import HosoCopies
import HosoCore
import HosoRecords
import HosoSigning
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

/// Custody of ledgers (Thông tư 13/2025): a district office hands its ledgers to the province department with a
/// signed inventory; the province checks it on arrival and countersigns; from then on only the province issues
/// copies, which name both the issuer and the custodian. A wrong or unsigned inventory is refused, nothing signed.
@Suite struct CustodyTests {
    let dir = TempDirectory()
    static let district = "Phòng Giáo dục và Đào tạo huyện Tân Lập"
    static let province = "Sở Giáo dục và Đào tạo tỉnh Sơn Lâm"
    static let scanned = "PGD-TL/THCS/2019/TL"

    struct World {
        let f: OfficeArchiveFixture
        var a: Archive { f.archive }
        let p: Archive
        let provinceSeal: SigningIdentity
        let dir: String

        /// The district sends a bundle to the province, which imports it: the objects are there, nothing accepted yet.
        func ship(_ name: String = "t.tar") throws -> String {
            let path = dir + "/" + name
            _ = try a.createBundle(for: "so-gd", out: path)
            return path
        }
    }

    /// The district (the office fixture, a typed ledger and a scanned one, sealed digitization records) and the
    /// province (its own archive, seal and settings naming the district's seal), each a sync node and the other's peer.
    func world() throws -> World {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let l = LedgerFixture(dir)
        _ = try a.importLedger(file: l.csv, mapping: l.mappingPath, dryRun: false, reason: nil, author: "cán bộ VB")
        #expect(try a.sealDigitizations(identity: f.office).count == 2)
        let p = try Archive.create(at: dir.path + "/p", clock: a.clock)
        try p.addTrustAnchors(f.pki.roots, label: "demo", author: "admin")
        try p.addCertificates(f.pki.intermediates)
        for c in f.pki.manifest.crls {
            _ = try p.importCRLs(try CRL.load([UInt8](try Data(contentsOf: URL(fileURLWithPath: f.pki.path(c.der))))))
        }
        let seal = try DemoPKI.issueNode(pki: dir.path + "/pki", name: Self.province, organization: Self.province, clock: a.clock)
        var s = OfficeSettings.defaults
        s.officeName = Self.province
        s.signerTitle = "Giám đốc"
        s.officeCode = "SGD-SL"
        s.copySigners = [seal.certificate.fingerprint]
        s.custodySources = [.init(office: Self.district, seals: [f.office.certificate.fingerprint])]
        try p.setOfficeSettings(s, author: "admin", reason: "setup")
        for (x, name) in [(a, "pgd-tan-lap"), (p, "so-gd")] {
            try x.initNode(
                name: name, role: .office,
                identity: try DemoPKI.issueNode(pki: dir.path + "/pki", name: name, organization: "t", clock: a.clock))
        }
        func cert(_ x: Archive) throws -> Certificate { try Certificate(der: try x.read(ObjectID(hex: try x.nodeInfo().certificate)!)) }
        try a.addPeer(name: "so-gd", certificate: cert(p), role: .office, scope: ["note:*"], author: "admin")
        try p.addPeer(
            name: "pgd-tan-lap", certificate: cert(a), role: .office, scope: ["<ledger:*", "<digitization:*", "<custody-transfer:*"],
            author: "admin")
        return World(f: f, p: p, provinceSeal: seal, dir: dir.path)
    }

    @Test func aTransferIsCheckedCountersignedAndTheProvinceIssuesCopiesNamingBoth() throws {
        let w = try world()
        // An old copy issued by the district before the transfer.
        let oldReq = try CopyTests.request(w.a, serial: "Số 001234/BT", holder: "Lò Thị Mai")
        let old = try w.a.issueCopy(entryRef: "Số 001234/BT", requestId: oldReq, signer: w.f.office, clerk: "vanthu")

        // A person's certificate cannot sign the inventory; nothing is written.
        #expect(throws: HosoError(.notOfficeSeal, .both("", ""))) {
            _ = try w.a.transferCustody(to: "so-gd", seal: try w.f.pki.identity("gv-toan"), by: "registrar")
        }
        #expect(try w.a.custodyTransfers().isEmpty)
        let sent = try w.a.transferCustody(to: "so-gd", toOffice: Self.province, seal: w.f.office, by: "registrar")
        #expect(sent.direction == "out" && sent.sealedBy == [w.f.office.certificate.commonName ?? ""] && !sent.accepted)
        #expect(Set(sent.transfer.ledgers.map(\.record)) == [OfficeArchiveFixture.ledgerId, Self.scanned])
        let scanned = try #require(sent.transfer.ledgers.first { $0.record == Self.scanned })
        #expect(scanned.pages > 0 && scanned.scans.count == scanned.pages && scanned.entries > 0)

        // From its seal on, the district issues no copy from those ledgers, and says who does.
        let req = try CopyTests.request(w.a, serial: "Số 001234/BT", holder: "Lò Thị Mai")
        do {
            _ = try w.a.issueCopy(entryRef: "Số 001234/BT", requestId: req, signer: w.f.office, clerk: "vanthu")
            Issue.record("the district issued a copy from a ledger it handed over")
        } catch let e as HosoError {
            #expect(e.code == .custodyNotHeld && e.message.vi.contains(Self.province), "\(e)")
        }

        // On arrival: the ledgers, scans, digitization records and inventory are there; not accepted yet, no copies.
        _ = try w.p.importBundle(try w.ship())
        let arrived = try #require(try w.p.custodyTransfers().first)
        #expect(arrived.direction == "in" && arrived.sealedBy.count == 1 && !arrived.accepted)
        let preq = try CopyTests.request(w.p, serial: "Số 001234/BT", holder: "Lò Thị Mai")
        #expect(throws: HosoError(.custodyNotHeld, .both("", ""))) {
            _ = try w.p.issueCopy(entryRef: "Số 001234/BT", requestId: preq, signer: w.provinceSeal, clerk: "vanthu")
        }
        // The district's seal on the digitization records counts here (custodySources).
        #expect(try w.p.digitizations(of: Self.scanned).allSatisfy { !$0.sealedBy.isEmpty })

        let accepted = try w.p.acceptCustody(transfer: arrived.id, seal: w.provinceSeal)
        #expect(accepted.accepted && accepted.countersignedBy == [Self.province])
        // Both signatures stand on the one revision for an auditor.
        let both = try w.p.verify(arrived.id)
        #expect(both.indication == "PASSED" && both.signatures.count == 2)
        #expect(try w.p.acceptCustody(transfer: arrived.id, seal: w.provinceSeal).countersignedBy.count == 1)

        // The province's copy names both; its report carries both and the conversion record. The school was renamed
        // since (recorded at the province): the copy has that line too, and still fits its page.
        try w.p.renameSchool(try w.p.ledgerEntry("Số 001234/BT").school, to: "Trường THCS Tân Lập", on: "2025-08-01", author: "admin")
        let copy = try w.p.issueCopy(entryRef: "Số 001234/BT", requestId: preq, signer: w.provinceSeal, clerk: "vanthu")
        let text = try pdfText(copy.pdf)
        #expect(text.contains("Cơ quan cấp văn bằng") && text.contains("Cơ quan lưu giữ sổ gốc"))
        #expect(text.contains("Sở Giáo dục và Đào tạo tỉnh Sơn Lâm") && text.contains("nay là Trường THCS Tân Lập"), "\(text)")
        let r = try w.p.verifyCopy(pdf: copy.pdf)
        #expect(r.indication == "PASSED", "\(r.reasons)")
        #expect(r.custodian == Self.province && r.issuer != nil && r.issuer != Self.province)
        // The typed example ledger was committed by "registrar" at the district and sealed there.
        #expect(r.conversion?.convertedBy == "registrar" && r.conversion?.organisation == Self.district)
        #expect(r.conversion?.sealedBy.isEmpty == false)
        let qr = try w.p.verifyCopyQR(copy.qrText)
        #expect(qr.indication == "PASSED", "\(qr.reasons)")
        // The district's copy from before still verifies there, naming no custodian.
        let r0 = try w.a.verifyCopy(pdf: old.pdf)
        #expect(r0.indication == "PASSED" && r0.custodian == nil, "\(r0.reasons)")
        let conv = try #require(try w.p.conversion(ofLedger: Self.scanned))
        #expect(conv.convertedBy == "cán bộ VB" && conv.method == "import" && conv.organisation == Self.district && !conv.sealedBy.isEmpty)
    }

    /// Each tampering, made by a sender that signs what it likes: refused with its code, nothing countersigned.
    @Test(arguments: ["count", "missing-scan", "swapped", "unsigned", "other-seal"])
    func aWrongInventoryIsRefusedAndNothingIsSigned(_ kind: String) throws {
        let w = try world()
        let other = try w.a.heads(record: OfficeArchiveFixture.ledgerId)[0]
        let seal: SigningIdentity? =
            switch kind {
            case "unsigned": nil
            case "other-seal": try w.f.pki.identity("truong-phong")
            default: w.f.office
            }
        if kind == "other-seal" {
            // The district lists its head's certificate as a seal too; the province does not.
            var s = try w.a.officeSettings()
            s.copySigners.append(seal!.certificate.fingerprint)
            try w.a.setOfficeSettings(s, author: "admin", reason: "test")
        }
        let sent = try w.a.makeCustodyTransfer(to: "so-gd", seal: seal, by: "registrar") { t in
            guard let i = t.ledgers.firstIndex(where: { $0.record == Self.scanned }) else { return }
            switch kind {
            case "count": t.ledgers[i].entries += 1
            case "missing-scan": t.ledgers[i].scans[0] = String(repeating: "ab", count: 32)
            case "swapped": t.ledgers[i].scans[0] = other
            default: break
            }
        }
        _ = try w.p.importBundle(try w.ship())
        let expected: HosoError.Code =
            switch kind {
            case "count", "swapped": .custodyInventoryMismatch
            case "missing-scan": .custodyObjectMissing
            case "unsigned": .custodyNotSealed
            default: .custodySealUnknown
            }
        do {
            _ = try w.p.acceptCustody(transfer: sent.id, seal: w.provinceSeal)
            Issue.record("a \(kind) inventory was accepted")
        } catch let e as HosoProblems {
            #expect(e.problems.map(\.code).contains(expected), "\(e.problems)")
            if kind != "unsigned" && kind != "other-seal" {
                #expect(e.problems.contains { $0.location == Self.scanned })
            }
        }
        let after = try w.p.custodyStatus(sent.id)
        let signatures = try w.p.index.signatures(ofRevision: after.revision).count
        #expect(!after.accepted && signatures == (seal == nil ? 0 : 1))
    }

    @Test func renamedAndMergedSchoolsShowOnCopiesAndAreFoundByEitherName() throws {
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let issuedAs = try a.ledgerEntry("Số 001234/BT").school
        try a.renameSchool(issuedAs, to: "Trường THCS Tân Lập", on: "2020-09-01", author: "admin")
        #expect(throws: HosoError(.schoolHistoryInvalid, .both("", ""))) {
            try a.renameSchool("Trường THCS Tân Lập", to: "X", on: "2019-01-01", author: "admin")
        }
        let h = try a.mergeSchool("Trường THCS Tân Lập", into: "Trường TH và THCS Tân Lập", on: "2025-07-01", author: "admin")
        #expect(h.names.map(\.name) == [issuedAs, "Trường THCS Tân Lập"] && h.presentName == "Trường TH và THCS Tân Lập")
        #expect(try a.schoolHistory(issuedAs).mergedIntoName == "Trường TH và THCS Tân Lập")
        // The ledger is untouched; its copy shows the name as issued and one line with the present name.
        #expect(try a.ledgerEntry("Số 001234/BT").school == issuedAs)
        let copy = try a.issueCopy(
            entryRef: "Số 001234/BT", requestId: try CopyTests.request(a, serial: "Số 001234/BT", holder: "Lò Thị Mai"),
            signer: f.office, clerk: "vanthu")
        let text = try pdfText(copy.pdf)
        #expect(text.contains("nay là Trường TH và THCS Tân Lập"), "\(text)")
        #expect(try a.verifyCopy(pdf: copy.pdf).indication == "PASSED")
        // Found by the old name, the renamed one, and the school it was merged into.
        for name in [issuedAs, "THCS Tân Lập", "TH và THCS Tân Lập"] {
            var q = Archive.FindRequest(text: "Lò Thị Mai")
            q.school = name
            #expect(try a.find(q).contains { $0.serial == "Số 001234/BT" }, "\(name)")
        }
        var none = Archive.FindRequest(text: "Lò Thị Mai")
        none.school = "Trường Không Có"
        #expect(try a.find(none).isEmpty)
    }

    func pdfText(_ pdf: [UInt8]) throws -> String {
        let path = dir.path + "/copy-\(UUID().uuidString).pdf"
        try Data(pdf).write(to: URL(fileURLWithPath: path))
        return try runProgram("/usr/bin/pdftotext", ["-enc", "UTF-8", path, "-"], environment: ["LANG": "C.UTF-8"]).out
            .replacingOccurrences(of: "\n", with: " ")
    }
}
