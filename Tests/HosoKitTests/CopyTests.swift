import Foundation
import HosoCopies
import HosoCore
import HosoKit
import HosoRecords
import HosoSigning
import HosoTestSupport
import Testing

/// Certified copies end to end in-process: a request, a copy from a ledger entry, its verification, and the ways a
/// copy stops being good (revocation, a later correction, another signer, tampering).
@Suite struct CopyTests {
    let dir = TempDirectory()
    static let ledgerId = OfficeArchiveFixture.ledgerId

    func setUp(now: Date = wholeSecondsNow()) throws -> OfficeArchiveFixture {
        try OfficeArchiveFixture(in: dir.path, now: now)
    }

    func request(_ a: Archive, serial: String = "Số 001234/BT", holder: String = "Lò Thị Mai") throws -> String {
        try Self.request(a, serial: serial, holder: holder)
    }

    static func request(_ a: Archive, serial: String, holder: String) throws -> String {
        try a.newRequest(
            .init(
                kind: .copy, requesterName: holder, relation: .holder, holderName: holder, serial: serial,
                channel: .inPerson), clerk: "vanthu"
        ).id
    }

    @Test func issueAndVerify() throws {
        let s = try setUp()
        let req = try request(s.archive)
        let issued = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: req, signer: s.office, clerk: "vanthu")
        #expect(issued.register.printedNumber.hasPrefix("1/"))
        #expect(try s.archive.request(req).request.status == .issued)
        let report = try s.archive.verifyCopy(pdf: issued.pdf)
        #expect(report.indication == "PASSED", "\(report.reasons) \(report.messages)")
        #expect(report.registered?.requestId == req)
        #expect(report.entry?.text("fullName") == "Lò Thị Mai")
        // The embedded entry is the canonical view of the ledger entry.
        let name = try #require(PDFParse.attachmentNames(in: issued.pdf).first)
        #expect(PDFParse.attachment(named: name, in: issued.pdf) == (try s.archive.ledgerEntry("Số 001234/BT").canonicalBytes()))
        // The QR payload verifies offline with the office certificate alone.
        guard case .valid(let p, _) = QRPayloadCodec.verify(issued.qrText, certificates: [s.office.certificate]) else {
            Issue.record("QR payload does not verify")
            return
        }
        #expect(p.serial == "Số 001234/BT" && p.copyNumber == issued.register.copyNumber)
        // A second copy gets the next number; issuing twice for one request is refused.
        #expect(throws: HosoError(.requestState, .both("", ""))) {
            _ = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: req, signer: s.office, clerk: "vanthu")
        }
        let second = try s.archive.issueCopy(
            entryRef: "\(Self.ledgerId)#2", requestId: try request(s.archive, serial: "Số 001235/BT", holder: "Hoàng Văn Páo"),
            signer: s.office, clerk: "vanthu")
        #expect(second.register.copyNumber == issued.register.copyNumber + 1)
    }

    /// One archive shared by threads, as a server shares it: every copy gets its own number, the register has no
    /// gap, each request is served once, and every copy verifies against the register.
    @Test func copiesIssuedOnSeveralThreadsAtOnceGetTheirOwnNumbers() throws {
        let s = try setUp()
        let archive = s.archive
        let office = s.office
        let holders = [("Số 001234/BT", "Lò Thị Mai"), ("Số 001235/BT", "Hoàng Văn Páo")]
        let requests = try (0..<12).map { i in (try request(archive, serial: holders[i % 2].0, holder: holders[i % 2].1), holders[i % 2].0)
        }
        let results = Locked<[Result<Archive.IssuedCopyResult, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: requests.count) { i in
            let r = Result { try archive.issueCopy(entryRef: requests[i].1, requestId: requests[i].0, signer: office, clerk: "vanthu") }
            results.withLock { $0.append(r) }
        }
        let issued = try results.withLock { $0 }.map { try $0.get() }
        #expect(Set(issued.map(\.register.copyNumber)) == Set(1...requests.count))
        #expect(Set(issued.map(\.register.requestId)) == Set(requests.map(\.0)))
        #expect(try archive.copyRegister().count == requests.count)
        for r in requests { #expect(try archive.request(r.0).request.status == .issued) }
        for copy in issued.prefix(3) {
            let report = try archive.verifyCopy(pdf: copy.pdf)
            #expect(report.indication == "PASSED", "\(report.reasons)")
            #expect(report.registered?.copyNumber == copy.register.copyNumber)
        }
        #expect(try archive.conflicts().isEmpty)
    }

    /// Two archive instances on one folder stand for two hoso processes (a clerk's CLI beside the server): they do
    /// not share reserved numbers, so one may find its number taken at commit; it then issues with the next one.
    @Test func twoProcessesIssuingAtOnceNeverShareANumber() throws {
        let s = try setUp()
        let other = try Archive.open(at: dir.path + "/a", clock: s.archive.clock)
        let archives = [s.archive, other]
        let office = s.office
        // The requests are registered from both at once too: each gets its own number.
        let made = Locked<[Int: Result<String, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: 12) { i in
            let r = Result {
                try Self.request(
                    archives[i % 2], serial: i % 2 == 0 ? "Số 001234/BT" : "Số 001235/BT",
                    holder: i % 2 == 0 ? "Lò Thị Mai" : "Hoàng Văn Páo")
            }
            made.withLock { $0[i] = r }
        }
        let requests = try (0..<12).map { i in try made.withLock { $0[i]! }.get() }
        #expect(Set(requests).count == 12)
        let serials = (0..<12).map { $0 % 2 == 0 ? "Số 001234/BT" : "Số 001235/BT" }
        let results = Locked<[Result<Archive.IssuedCopyResult, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: requests.count) { i in
            let r = Result { try archives[i % 2].issueCopy(entryRef: serials[i], requestId: requests[i], signer: office, clerk: "vanthu") }
            results.withLock { $0.append(r) }
        }
        let issued = try results.withLock { $0 }.map { try $0.get() }
        #expect(Set(issued.map(\.register.copyNumber)) == Set(1...requests.count))
        #expect(try s.archive.copyRegister().count == requests.count)
        #expect(try s.archive.conflicts().isEmpty)

        // One request served from both at once: one copy, the other refused, the request not forked.
        let one = try Self.request(archives[0], serial: "Số 001234/BT", holder: "Lò Thị Mai")
        let both = Locked<[Result<Archive.IssuedCopyResult, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let r = Result { try archives[i].issueCopy(entryRef: "Số 001234/BT", requestId: one, signer: office, clerk: "vanthu") }
            both.withLock { $0.append(r) }
        }
        #expect(both.withLock { $0 }.filter { if case .success = $0 { return true } else { return false } }.count == 1)
        #expect(try s.archive.heads(record: one).count == 1)
        #expect(try s.archive.copyRegister().count == requests.count + 1)
    }

    /// An index made before record refs existed (migration 0006 finds revisions, leaves a task) is completed when
    /// the archive opens: the copy is found in the register again, by the PDF's id.
    @Test func anIndexFromBeforeRecordRefsIsCompletedOnOpen() throws {
        let s = try setUp()
        let issued = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, clerk: "vanthu")
        try s.archive.index.close()
        let sql = "DELETE FROM record_ref; INSERT INTO index_task (name) VALUES ('record-refs');"
        let r = try runProgram("/usr/bin/sqlite3", [dir.path + "/a/index.sqlite", sql])
        #expect(r.status == 0, "\(r)")
        let reopened = try Archive.open(at: dir.path + "/a", clock: s.archive.clock)
        let report = try reopened.verifyCopy(pdf: issued.pdf)
        #expect(report.indication == "PASSED", "\(report.reasons)")
        #expect(report.registered?.copyNumber == issued.register.copyNumber)
        #expect(try reopened.index.pendingTasks().isEmpty)
    }

    @Test func bltaCopiesAreRenewedAndEveryVersionVerifies() throws {
        let s = try setUp()
        let tsa = try s.pki.tsa()
        let issued = try s.archive.issueCopy(
            entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, timestamp: .authority(tsa), clerk: "vanthu")
        // With a timestamp source the copy is B-LTA: the signature and a document timestamp, with a DSS.
        #expect(try PDFParse.inspect(issued.pdf).map(\.subFilter) == ["ETSI.CAdES.detached", "ETSI.RFC3161"])
        let first = try s.archive.verifyCopy(pdf: issued.pdf)
        #expect(first.indication == "PASSED", "\(first.reasons) \(first.messages)")
        #expect(first.pdf.hasValidationData == true && first.pdf.longTerm?.count == 2)

        // The TSA's certificate outlives a margin of zero: nothing is due.
        let none = try s.archive.renewCopies(timestamp: .authority(tsa), margin: 0, clerk: "vanthu")
        #expect(none.count == 1 && none[0].document == nil && none[0].skipped == "not-due", "\(none)")
        // Within a margin of a century everything is due.
        let done = try s.archive.renewCopies(timestamp: .authority(tsa), margin: 100 * 365 * 86_400, clerk: "vanthu")
        let renewedId = try #require(done.first?.document)
        let line = try #require(try s.archive.copyRegister().first)
        #expect(line.renewed == renewedId && line.document == issued.register.document)
        let renewed = try s.archive.read(try s.archive.resolve(renewedId))
        #expect(renewed.starts(with: issued.pdf))
        #expect(try PDFParse.inspect(renewed).count == 3)

        // Both the renewed file and the copy the citizen holds verify, and both are found in the register.
        for pdf in [renewed, issued.pdf] {
            let r = try s.archive.verifyCopy(pdf: pdf)
            #expect(r.indication == "PASSED" && r.registered?.printedNumber == issued.register.printedNumber, "\(r.reasons)")
        }
        // fsck follows the register line to the renewed PDF too.
        #expect(try s.archive.fsck().ok)
        // A second renewal starts from the newest file.
        let again = try s.archive.renewCopies(timestamp: .authority(tsa), margin: 0, force: true, clerk: "vanthu")
        #expect(again.first?.previous == renewedId && again.first?.document != nil)
        // Bytes appended to a renewed file still fail.
        let tampered = renewed + Array("\n% an incremental update would go here\n".utf8)
        #expect(try s.archive.verifyCopy(pdf: tampered).reasons.contains("MODIFIED_AFTER_SIGNING"))
    }

    @Test func tamperingAndAppendedUpdatesFail() throws {
        let s = try setUp()
        let issued = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, clerk: "vanthu")
        var flipped = issued.pdf
        flipped[flipped.count / 3] ^= 0x01
        let r1 = try s.archive.verifyCopy(pdf: flipped)
        #expect(r1.indication == "FAILED", "\(r1.reasons)")
        var appended = issued.pdf
        appended += Array("\n% an incremental update would go here\n".utf8)
        let r2 = try s.archive.verifyCopy(pdf: appended)
        #expect(r2.indication == "FAILED" && r2.reasons.contains("MODIFIED_AFTER_SIGNING"), "\(r2.reasons)")
    }

    @Test func revokedDiplomaGetsNoCopyAndOldCopiesFail() throws {
        let s = try setUp()
        let issued = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, clerk: "vanthu")
        let revocation = try CanonicalJSON.parse(
            #"""
            {"kind": "Thu hồi", "decision": {"number": "21/QĐ-PGDĐT", "date": "2026-01-10"}, "issuer": "Phòng Giáo dục huyện Tân Lập",
             "reason": "Cấp sai đối tượng", "serial": "Số 001234/BT", "ledgerRecordId": "PGD-TANLAP/THCS/1996/PTCS-TANLAP", "ledgerNumber": 1}
            """#)
        try s.archive.createRecord(type: "revocation", id: "TH-1", body: revocation, author: "registrar")
        let r = try s.archive.verifyCopy(pdf: issued.pdf)
        #expect(r.indication == "FAILED" && r.reasons.contains("DIPLOMA_REVOKED"), "\(r.reasons)")
        // A revocation is not a correction: no ENTRY_CORRECTED (with an empty list), nothing else either.
        #expect(r.reasons == ["DIPLOMA_REVOKED"], "\(r.reasons)")
        #expect(r.laterCorrections.isEmpty)
        #expect(throws: HosoError(.diplomaRevoked, .both("", ""))) {
            _ = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, clerk: "vanthu")
        }
    }

    @Test func correctionAfterIssueIsNamed() throws {
        let s = try setUp()
        let issued = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, clerk: "vanthu")
        let appendix = try CanonicalJSON.parse(
            #"""
            {"issuer": "Phòng Giáo dục huyện Tân Lập", "ledgerRecordId": "PGD-TANLAP/THCS/1996/PTCS-TANLAP", "fullName": "Lò Thị Mai",
             "dateOfBirth": "1980-01-01", "serial": "Số 001234/BT", "ledgerNumber": 1,
             "corrections": [{"field": "placeOfBirth", "from": "Bản Lướt, xã Tân Lập", "to": "Bản Lướt, xã Tân Lập, huyện Tân Lập"}],
             "decision": {"number": "15/QĐ-PGDĐT", "date": "2026-03-01"}}
            """#)
        try s.archive.createRecord(type: "ledger-appendix", id: "PL-1", body: appendix, author: "registrar")
        let r = try s.archive.verifyCopy(pdf: issued.pdf)
        #expect(r.indication == "FAILED" && r.reasons.contains("ENTRY_CORRECTED"), "\(r.reasons)")
        #expect(r.laterCorrections.map(\.appendixRecordId) == ["PL-1"])
        #expect(r.messages.contains { $0.vi.contains("PL-1") && $0.vi.contains("placeOfBirth") })
        // A new copy shows the corrected place of birth.
        let again = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, clerk: "vanthu")
        #expect(try s.archive.verifyCopy(pdf: again.pdf).indication == "PASSED")
        #expect(try s.archive.ledgerEntry("Số 001234/BT").text("placeOfBirth") == "Bản Lướt, xã Tân Lập, huyện Tân Lập")
    }

    @Test func onlyTheOfficeMaySign() throws {
        let s = try setUp()
        let teacher = try s.pki.identity("can-bo-van-bang")  // EC P-256, but not the office's certificate
        #expect(throws: HosoError(.notOfficeSigner, .both("", ""))) {
            _ = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: teacher, clerk: "vanthu")
        }
        // A copy made by someone else with the same tools: signature valid, but not the office's and not registered.
        let other = try Archive.create(at: dir.path + "/other", clock: s.archive.clock)
        try other.createRecord(type: "ledger", id: Self.ledgerId, body: try OfficeArchiveFixture.exampleLedger(), author: "x")
        let forged = try other.issueCopy(entryRef: "Số 001234/BT", requestId: try request(other), signer: teacher, clerk: "x")
        let r = try s.archive.verifyCopy(pdf: forged.pdf)
        #expect(
            r.indication == "FAILED" && r.reasons.contains("NOT_OFFICE_SIGNER") && r.reasons.contains("COPY_NOT_REGISTERED"), "\(r.reasons)"
        )
    }

    /// The settings are decoded once per revision and kept: a change is seen at once, by this archive instance
    /// and by another one open on the same folder.
    @Test func changedOfficeSettingsAreSeenAtOnce() throws {
        let s = try setUp()
        let other = try Archive.open(at: s.archive.root, clock: s.archive.clock)
        #expect(try other.officeSettings().place == "Tân Lập")
        var changed = try s.archive.officeSettings()
        changed.place = "Bắc Sơn"
        changed.copySigners = []
        try s.archive.setOfficeSettings(changed, author: "admin", reason: "đổi địa danh")
        #expect(try s.archive.officeSettings().place == "Bắc Sơn")
        #expect(try other.officeSettings().place == "Bắc Sơn")
        // No longer restricted to the office seal: the teacher's P-256 certificate may now sign copies.
        let teacher = try s.pki.identity("can-bo-van-bang")
        let issued = try other.issueCopy(entryRef: "Số 001234/BT", requestId: try request(other), signer: teacher, clerk: "vanthu")
        #expect(issued.register.signer == teacher.certificate.fingerprint)
    }

    @Test func verificationRequestsAreAnsweredWithSignedLetters() throws {
        let s = try setUp()
        func ask(_ holder: String, dob: String?, serial: String) throws -> String {
            try s.archive.newRequest(
                .init(
                    kind: .verification, requesterName: "Công ty TNHH Minh Phát", relation: .representative,
                    proof: "Công văn 12/CV-MP", holderName: holder, holderDateOfBirth: dob, serial: serial,
                    askingBody: "Công ty TNHH Minh Phát", channel: .post), clerk: "vanthu"
            ).id
        }
        let ok = try s.archive.answerVerification(
            requestId: try ask("LÒ THỊ MAI", dob: "1980-01-01", serial: "Số 001234/BT"),
            signer: s.office, clerk: "vanthu")
        #expect(ok.answer.finding == .matches)
        let wrongDob = try s.archive.answerVerification(
            requestId: try ask("Lò Thị Mai", dob: "1981-01-01", serial: "Số 001234/BT"),
            signer: s.office, clerk: "vanthu")
        #expect(wrongDob.answer.finding == .differs && wrongDob.answer.differing == ["dateOfBirth"])
        let missing = try s.archive.answerVerification(
            requestId: try ask("Lò Thị Mai", dob: nil, serial: "Số 999999/BT"),
            signer: s.office, clerk: "vanthu")
        #expect(missing.answer.finding == .notFound && missing.answer.ledgerRef == nil)
        // The letter verifies like a copy, and carries only what the asker presented plus the finding.
        let report = try s.archive.verifyCopy(pdf: ok.pdf)
        #expect(report.indication == "PASSED", "\(report.reasons)")
        let name = try #require(PDFParse.attachmentNames(in: ok.pdf).first)
        let attached = String(decoding: try #require(PDFParse.attachment(named: name, in: ok.pdf)), as: UTF8.self)
        #expect(!attached.contains("Bản Lướt") && !attached.contains("Thái"), "no place of birth or ethnicity: \(attached)")
    }

    /// A copy signed with the office's (leaked) seal by someone else, whose embedded entry differs from the ledger:
    /// the difference is not a correction (ENTRY_CORRECTED with no correction named, before) but ENTRY_MISMATCH.
    @Test func aForgedEmbeddedEntryIsAMismatchNotACorrection() throws {
        let s = try setUp()
        let other = try Archive.create(at: dir.path + "/forger", clock: s.archive.clock)
        let text = String(decoding: try repoFile(OfficeArchiveFixture.ledgerExample), as: UTF8.self)
        let ledger = try CanonicalJSON.parse(text.replacingOccurrences(of: "Bản Lướt, xã Tân Lập", with: "Hà Nội"))
        try other.createRecord(type: "ledger", id: Self.ledgerId, body: ledger, author: "x")
        let forged = try other.issueCopy(entryRef: "Số 001234/BT", requestId: try request(other), signer: s.office, clerk: "x")
        let r = try s.archive.verifyCopy(pdf: forged.pdf)
        #expect(r.indication == "FAILED", "\(r.reasons)")
        #expect(r.reasons.contains("ENTRY_MISMATCH") && r.reasons.contains("COPY_NOT_REGISTERED"), "\(r.reasons)")
        #expect(!r.reasons.contains("ENTRY_CORRECTED"), "\(r.reasons)")
        #expect(r.messages.contains { $0.en.contains("placeOfBirth") }, "\(r.messages)")
    }

    /// The office rotates its seal: the settings list only the new one. Copies made under the old seal keep
    /// verifying (PDF and QR), because their register line records the certificate that signed them; a new copy
    /// signed with the old seal is refused.
    @Test func copiesUnderARotatedSealKeepVerifying() throws {
        let s = try setUp()
        let old = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, clerk: "vanthu")
        #expect(old.register.signer == s.office.certificate.fingerprint)
        let newSeal = try s.pki.identity("can-bo-van-bang")  // EC P-256 from the same PKI: stands for the new seal
        var settings = try s.archive.officeSettings()
        settings.copySigners = [newSeal.certificate.fingerprint]
        try s.archive.setOfficeSettings(settings, author: "admin", reason: "con dấu mới")
        let r = try s.archive.verifyCopy(pdf: old.pdf)
        #expect(r.indication == "PASSED", "\(r.reasons)")
        #expect(r.signerIsOffice == true)
        #expect(throws: HosoError(.notOfficeSigner, .both("", ""))) {
            _ = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, clerk: "vanthu")
        }
        let fresh = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: newSeal, clerk: "vanthu")
        #expect(try s.archive.verifyCopy(pdf: fresh.pdf).indication == "PASSED")
        try Self.rotatedQRChecks(s.archive, old: old, fresh: fresh, oldSeal: s.office)
    }

    /// The QR side of the seal rotation: the old copy's QR passes with the register (by the old seal's certificate);
    /// the old seal cannot vouch for a new copy's number.
    static func rotatedQRChecks(
        _ a: Archive, old: Archive.IssuedCopyResult, fresh: Archive.IssuedCopyResult, oldSeal: SigningIdentity
    ) throws {
        let q = try a.verifyCopyQR(old.qrText)
        #expect(q.indication == "PASSED" && q.scope == .register, "\(q.reasons) \(q.messages)")
        #expect(q.office?.fingerprint == oldSeal.certificate.fingerprint)
        #expect(try a.verifyCopyQR(fresh.qrText).indication == "PASSED")
        // The old seal cannot vouch for the new copy's number: its register line names the new seal.
        var p = try QRPayloadCodec.decode(fresh.qrText).payload
        p.keyId = []
        let byOld = try QRPayloadCodec.encode(p, signer: oldSeal.key)
        let refused = try a.verifyCopyQR(byOld)
        #expect(refused.indication == "FAILED" && refused.reasons.contains("QR_UNKNOWN_OFFICE"), "\(refused.reasons)")
    }

    /// Register lines written before the signer field existed still decode; the copy signers then decide.
    @Test func registerLinesWithoutASignerStillDecode() throws {
        let s = try setUp()
        let issued = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, clerk: "vanthu")
        let enc = JSONEncoder()
        var json = try JSONSerialization.jsonObject(with: try enc.encode(issued.register)) as! [String: Any]
        json["signer"] = nil
        let line = try JSONDecoder().decode(CopyRegisterEntry.self, from: try JSONSerialization.data(withJSONObject: json))
        #expect(line.signer == "" && line.printedNumber == issued.register.printedNumber)
    }

    /// The leaked-seal-key attack on the QR code, in-process: signature valid, every field compared with the register.
    @Test func qrWithALeakedSealKeyAndARealNumberIsRefused() throws {
        let s = try setUp()
        let issued = try s.archive.issueCopy(entryRef: "Số 001234/BT", requestId: try request(s.archive), signer: s.office, clerk: "vanthu")
        let ok = try s.archive.verifyCopyQR(issued.qrText)
        #expect(ok.indication == "PASSED" && ok.differing.isEmpty, "\(ok.reasons) \(ok.messages)")
        var p = try QRPayloadCodec.decode(issued.qrText).payload
        p.keyId = []
        p.holderName = "Nguyễn Văn Giả"
        let forged = try QRPayloadCodec.encode(p, signer: s.office.key)
        let r = try s.archive.verifyCopyQR(forged)
        #expect(r.indication == "FAILED" && r.reasons.contains("QR_REGISTER_MISMATCH") && r.differing == ["holderName"], "\(r.reasons)")
        // The same forgery checked without the register: PASSED, and the report says it is the signature only.
        let offline = CopyQRVerification.verifySignatureOnly(
            forged, officeCertificates: [s.office.certificate],
            trust: TrustContext(roots: s.pki.roots, intermediates: s.pki.intermediates, crls: s.pki.crls), clock: s.archive.clock)
        #expect(offline.indication == "PASSED" && offline.scope == .signatureOnly, "\(offline.reasons) \(offline.messages)")
        #expect(offline.note.en.contains("SIGNATURE ONLY"))
        // A revoked diploma's genuine QR code fails with the register, and shows no correction.
        let revocation = try CanonicalJSON.parse(
            #"""
            {"kind": "Thu hồi", "decision": {"number": "21/QĐ-PGDĐT", "date": "2026-01-10"}, "issuer": "Phòng Giáo dục huyện Tân Lập",
             "reason": "Cấp sai đối tượng", "serial": "Số 001234/BT", "ledgerRecordId": "PGD-TANLAP/THCS/1996/PTCS-TANLAP", "ledgerNumber": 1}
            """#)
        try s.archive.createRecord(type: "revocation", id: "TH-1", body: revocation, author: "registrar")
        let revoked = try s.archive.verifyCopyQR(issued.qrText)
        #expect(revoked.indication == "FAILED" && revoked.reasons == ["DIPLOMA_REVOKED"], "\(revoked.reasons)")
    }
}
