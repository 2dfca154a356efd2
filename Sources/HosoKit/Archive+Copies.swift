import Foundation
import HosoCopies
import HosoCore
import HosoIndex
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore

extension Archive {
    /// A certified copy just issued by ``Archive/issueCopy(entryRef:requestId:signer:timestamp:clerk:)``.
    public struct IssuedCopyResult: Sendable {
        /// The signed PDF.
        public var pdf: [UInt8]
        /// Its line in the copy register (sổ cấp bản sao).
        public var register: CopyRegisterEntry
        /// The record id of that line.
        public var registerRecordId: String
        /// The signed payload the QR code carries.
        public var qrText: String
    }

    /// Issues a certified copy from the ledger for a request: checks the request and the entry (refused if the
    /// diploma is revoked), numbers it in the copy register, renders the PDF with its QR payload, signs it (PAdES,
    /// with a timestamp when a source is given), embeds the canonical entry, stores it and records everything.
    /// The signer is the office's organisation certificate (its electronic seal); it signs both the PDF and the QR
    /// payload, so it must be ECDSA P-256 (a QR of version ≤ 15 has no room for an RSA signature).
    ///
    /// Threads may issue at once (rendering and signing are most of the work): each gets its own copy number, and a
    /// request is served by one thread at a time. The PDF, the register line and the request's new revision are
    /// committed together.
    public func issueCopy(
        entryRef: String, requestId: String, signer: SigningIdentity,
        timestamp: TimestampSource? = nil, clerk: String
    ) throws -> IssuedCopyResult {
        guard workState.beginRequest(requestId) else {
            throw HosoError(.requestState, .both("Yêu cầu đang được xử lý", "The request is being served already"), location: requestId)
        }
        defer { workState.endRequest(requestId) }
        let (requestRevision, request) = try copyRequest(requestId)
        var view = try ledgerEntry(entryRef)
        try Self.checkCopyable(view, for: request, requestId: requestId)
        // Only the ledger's custodian issues copies (Thông tư 13/2025): refused when handed over; named when received.
        view.custodian = try custodian(ofLedger: view.ledgerRecordId).flatMap { $0 == view.issuer ? nil : $0 }
        view.schoolNow = try presentSchoolName(issuedAs: view.school)
        let settings = try officeSettings()
        if !settings.copySigners.isEmpty && !settings.copySigners.contains(signer.certificate.fingerprint) {
            throw HosoError(
                .notOfficeSigner,
                .both(
                    "Chứng thư này không được đăng ký để ký bản sao của cơ quan (hoso office set)",
                    "This certificate is not registered to sign the office's copies (hoso office set)"),
                location: signer.certificate.subject)
        }
        // Another hoso process may take the number between reading the register and committing (this process's
        // threads never do): then the copy is made again with the next number.
        let order = CopyOrder(
            requestId: requestId, requestRevision: requestRevision, request: request, view: view,
            settings: settings, signer: signer, timestamp: timestamp, clerk: clerk)
        for _ in 1..<5 {
            do { return try issueNumberedCopy(order) } catch let e as HosoError where e.code == .copyNumberTaken { continue }
        }
        return try issueNumberedCopy(order)
    }

    /// What one attempt at issuing a copy needs, checked once by `issueCopy`.
    private struct CopyOrder {
        var requestId: String
        var requestRevision: ObjectID
        var request: CitizenRequest
        var view: LedgerEntryView
        var settings: OfficeSettings
        var signer: SigningIdentity
        var timestamp: TimestampSource?
        var clerk: String
    }

    /// The request, which must be a copy request not yet served.
    private func copyRequest(_ requestId: String) throws -> (ObjectID, CitizenRequest) {
        let (requestRevision, request) = try self.request(requestId)
        guard request.kind == .copy else {
            throw HosoError(
                .requestState, .both("Yêu cầu này không phải yêu cầu cấp bản sao", "This request is not for a copy"), location: requestId)
        }
        guard request.status == .received || request.status == .checked else {
            throw HosoError(
                .requestState, .both("Yêu cầu đã \(request.status.rawValue)", "The request is already \(request.status.rawValue)"),
                location: requestId)
        }
        return (requestRevision, request)
    }

    /// Refuses a revoked diploma, and a request that does not name this diploma: same holder (accent- and
    /// case-insensitive) and serial when given.
    private static func checkCopyable(_ view: LedgerEntryView, for request: CitizenRequest, requestId: String) throws {
        if let r = view.revocation {
            throw HosoError(
                .diplomaRevoked,
                .both(
                    "Văn bằng đã bị \(r.kind.lowercased()) (\(r.decision ?? "")): \(r.reason); không cấp bản sao",
                    "The diploma was revoked (\(r.decision ?? "")): \(r.reason); no copy is issued"),
                location: view.ref)
        }
        var mismatch = [String]()
        if VietnameseText.fold(request.holderName) != VietnameseText.fold(view.text("fullName")) { mismatch.append("holderName") }
        if let s = request.serial, s != view.serial { mismatch.append("serial") }
        if let d = request.holderDateOfBirth, d != view.text("dateOfBirth") { mismatch.append("holderDateOfBirth") }
        if let l = request.ledgerRecordId, l != view.ledgerRecordId { mismatch.append("ledgerRecordId") }
        if let n = request.ledgerNumber, n != view.ledgerNumber { mismatch.append("ledgerNumber") }
        if !mismatch.isEmpty {
            throw HosoError(
                .requestMismatch,
                .both(
                    "Yêu cầu không khớp mục sổ gốc: \(mismatch.joined(separator: ", "))",
                    "The request does not match the ledger entry: \(mismatch.joined(separator: ", "))"),
                location: "\(requestId) / \(view.ref)")
        }
    }

    /// One attempt: the next copy number, the signed PDF, then the register line and the request's new revision.
    private func issueNumberedCopy(_ o: CopyOrder) throws -> IssuedCopyResult {
        let now = clock.now()
        let cal = o.settings.calendar
        let year = cal.component(.year, from: now)
        let range = try numberRange(o.settings)
        let number = try checkNumber(
            try workState.reserveCopyNumber(year: year) { try lastCopyNumber(year: year, in: range) }, in: range, year: year)
        defer { workState.releaseCopyNumber(year: year, number) }
        let printed = "\(number)/\(year)"
        let (pdf, qrText, entryBytes, ocsp) = try signedCopy(o, number: number, printed: printed, now: now)
        let documentId = ObjectID(hashing: pdf)
        let view = o.view
        let entry = CopyRegisterEntry(
            copyNumber: number, year: year, printedNumber: printed, requestId: o.requestId,
            requesterName: o.request.requesterName, holderName: view.text("fullName"), serial: view.serial,
            ledgerRecordId: view.ledgerRecordId, ledgerNumber: view.ledgerNumber,
            issuedAt: HosoClock.format(now), copies: o.request.copies, document: documentId.hex,
            entryDigest: SHA256.hex(entryBytes), signer: o.signer.certificate.fingerprint, clerk: o.clerk)
        let registerId = Self.copyRegisterId(year: year, number: number)
        try commitCopy(
            o, pdf: pdf, ocsp: ocsp, entry: entry, registerId: registerId, printed: printed, documentId: documentId, now: now)
        return IssuedCopyResult(pdf: pdf, register: entry, registerRecordId: registerId, qrText: qrText)
    }

    /// The copy's PDF rendered with its QR payload and PAdES-signed with the canonical entry embedded; with the OCSP
    /// responses fetched for its validation data (to be kept with it).
    private func signedCopy(
        _ o: CopyOrder, number: Int, printed: String, now: Date
    ) throws
        -> (pdf: [UInt8], qrText: String, entryBytes: [UInt8], ocsp: [[UInt8]])
    {
        let (view, settings, cal) = (o.view, o.settings, o.settings.calendar)
        let issueDate = { () -> String in
            let c = cal.dateComponents([.year, .month, .day], from: now)
            return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        }()

        // The QR payload: enough to check a paper copy offline with the office's certificate alone.
        let payload = CopyPayload(
            holderName: view.text("fullName"), dateOfBirth: view.text("dateOfBirth"), serial: view.serial,
            ledgerNumber: String(view.ledgerNumber), ledgerYear: view.year, issuingOffice: settings.officeCode,
            copyNumber: number, issueDate: issueDate)
        // With a public page, a link a phone camera opens (the same signed bytes, `QRLink`); else the bare payload.
        let bare = try QRPayloadCodec.encode(payload, signer: o.signer.key)
        let qrText = try settings.publicURL.map { try QRLink.url(publicURL: $0, payload: bare) } ?? bare
        let qr = try QRCode.modules(for: qrText)

        let doc = CopyDocument.certifiedCopy(of: view, printed: printed, settings: settings, at: now, qrModules: qr.modules)
        let unsigned = try PDFRender.render(doc)
        let entryBytes = try view.canonicalBytes()
        let stamp: ((_ value: [UInt8]) throws -> [UInt8])? = o.timestamp.map { src in { try src.token(forSignatureValue: $0) } }
        var pdf = try PAdES.sign(
            pdf: unsigned, signer: o.signer,
            attachment: (
                name: "so-goc-\(view.serial).json", bytes: entryBytes,
                mime: "application/json"
            ),
            reason: "Bản sao từ sổ gốc số \(printed)", location: settings.place.isEmpty ? nil : settings.place,
            time: now, timestamp: stamp)
        // With a timestamp source the copy is made PAdES B-LTA at once: validation data, a document timestamp and
        // its own validation data, so it can be renewed (`renewCopies`) before the authority's certificate expires.
        var fetched = [[UInt8]]()
        if let src = o.timestamp {
            let trust = try sharedVerifier().trust
            let ocsp = CopyOCSPAnswers(stored: try storedOCSPResponses(), crls: trust.crls, now: now)
            pdf = try PAdES.extendToLTA(
                pdf: pdf, trust: trust, ocsp: ocsp.answer, time: now, timestamp: { try src.token(forSignatureValue: $0) })
            fetched = ocsp.fetched
        }
        return (pdf, qrText, entryBytes, fetched)
    }

    /// The PDF, the signer's certificate, the OCSP responses fetched for it, the register line and the request's new
    /// revision, committed together.
    private func commitCopy(
        _ o: CopyOrder, pdf: [UInt8], ocsp: [[UInt8]], entry: CopyRegisterEntry, registerId: String, printed: String,
        documentId: ObjectID, now: Date
    ) throws {
        var served = o.request
        served.status = .issued
        served.checkedEntry = o.view.ref
        served.issued.append(.init(copyNumber: printed, document: documentId.hex))
        let time = HosoClock.format(now)
        let line = Revision(
            recordType: CopyRegisterEntry.recordType, recordId: registerId, parents: [], author: o.clerk, time: time,
            reason: nil, body: try encodeBody(entry))
        let requestStep = Revision(
            recordType: CitizenRequest.recordType, recordId: o.requestId, parents: [o.requestRevision.hex],
            author: o.clerk, time: time, reason: "cấp bản sao số \(printed) / copy \(printed) issued",
            body: try encodeBody(served))
        // The signer's certificate is kept too, so a paper copy's QR can be checked from the archive alone.
        // Written and synced before the lock (threads wait for the disk at once); checking that the number is
        // free and committing are one step for every hoso process on the archive.
        let prepared = try prepareAll(
            [line, requestStep],
            objects: [(pdf, .copy), (o.signer.certificate.der, .certificate)] + ocsp.map { (bytes: $0, kind: .ocspResponse) })
        do {
            _ = try writing {
                // The request as read at the start must still be current: another process may have served it.
                guard try index.heads(ofRecord: o.requestId) == [o.requestRevision.hex] else {
                    throw HosoError(
                        .requestState, .both("Yêu cầu vừa được xử lý ở nơi khác", "The request was just served elsewhere"),
                        location: o.requestId)
                }
                return try commitPrepared(prepared, mustBeNew: [registerId], takenCode: .copyNumberTaken)
            }
        } catch {
            discard(prepared)
            throw error
        }
    }

    static func copyRegisterId(year: Int, number: Int) -> String { String(format: "BS-%04d-%06d", year, number) }

    /// The highest copy number of a year in the register inside `range` (one below the range before the first).
    func lastCopyNumber(year: Int, in range: ClosedRange<Int>) throws -> Int {
        try lastNumber(stem: String(format: "BS-%04d-", year), type: CopyRegisterEntry.recordType, in: range)
    }

    /// Every copy issued, as the copy register lists them.
    public func copyRegister() throws -> [CopyRegisterEntry] {
        try index.recordIds(ofType: CopyRegisterEntry.recordType).map {
            try decodeBody(try current(record: $0).1.body, as: CopyRegisterEntry.self)
        }
    }

    /// The register line of the copy whose PDF is `document` (an object id), if the office issued it.
    public func registeredCopy(document: String) throws -> CopyRegisterEntry? {
        for (recordId, _) in try index.heads(referring: "document", to: document) {
            let (_, rev) = try current(record: recordId)
            guard rev.recordType == CopyRegisterEntry.recordType else { continue }
            let line = try decodeBody(rev.body, as: CopyRegisterEntry.self)
            if line.document == document { return line }
        }
        return nil
    }

    /// Fingerprints of the certificates allowed to sign this office's copies: the settings' list, else every
    /// certificate that signed a copy in the register.
    func copySignerFingerprints(_ settings: OfficeSettings) throws -> Set<String> {
        settings.copySigners.isEmpty ? Set(try index.referredValues("signer")) : Set(settings.copySigners)
    }

    /// Verifies a copy: its PDF signature (whole file signed, nothing after), that the office signed it (the
    /// certificate its register line records; for lines without one, a copy signer of the office), that it is in
    /// the copy register, that the ledger entry it embeds is the entry as it stands today (a difference is named:
    /// ENTRY_CORRECTED for fields an appendix changed since, ENTRY_MISMATCH for any other), and that the diploma has
    /// not been revoked since. A verification letter is reported as a letter (`kind`), with its finding.
    /// A file that is not a readable PDF is FAILED FORMAT_FAILURE.
    ///
    /// - Parameter validationTime: the time to judge at (default: the archive's clock, HOSO_NOW): with B-LTA copies,
    ///   the file's validation data and chain of timestamps decide alone (`PDFVerify`), no network.
    public func verifyCopy(pdf: [UInt8], at validationTime: Date? = nil) throws -> CopyReport {
        var r = CopyReport(pdf: try PDFVerify.verify(pdf: pdf, verifier: try sharedVerifier(), at: validationTime))
        if r.pdf.reason == .formatFailure && r.pdf.signatures.isEmpty {
            r.conclude()
            r.indication = "FAILED"
            return r
        }
        let docId = ObjectID(hashing: pdf).hex
        r.registered = try registeredCopy(pdf: pdf)
        let attached = PDFParse.firstAttachment(in: pdf)
        // A verification answer (letter) is registered on its request, and certifies no ledger entry of its own.
        let letterRequest: String?
        if attached?.name.hasPrefix("xac-minh-") == true {
            r.kind = .letter
            letterRequest = try requestIssuing(document: docId)
        } else {
            letterRequest = nil
        }
        if r.registered == nil && letterRequest == nil {
            r.add(
                "COPY_NOT_REGISTERED",
                .both(
                    "Văn bản không có trong sổ của cơ quan (sổ cấp bản sao, sổ tiếp nhận)",
                    "The document is not in the office's registers (copies, requests)"))
        }
        try checkCopySigner(&r)
        if r.kind == .letter {
            Self.checkLetter(&r, embedded: attached?.bytes, request: letterRequest)
        } else {
            checkCertifiedEntry(&r, embedded: attached?.bytes)
        }
        r.conclude()
        return r
    }

    /// The signer must be the certificate the register line records (a rotated seal still signed its copies); for
    /// older lines without one, one of the office's copy signers.
    private func checkCopySigner(_ r: inout CopyReport) throws {
        guard let signer = r.pdf.signatures.first?.signature?.signerCertificate else { return }
        if let registered = r.registered, !registered.signer.isEmpty {
            r.signerIsOffice = signer == registered.signer
        } else {
            r.signerIsOffice = try copySignerFingerprints(try officeSettings()).contains(signer)
        }
        if r.signerIsOffice == false {
            r.add(
                "NOT_OFFICE_SIGNER",
                .both("Bản sao không do chứng thư số của cơ quan ký", "The copy was not signed with the office's certificate"))
        }
    }

    /// A letter's signature, signer and registration are checked already; its answer stands as of the day it was given.
    private static func checkLetter(_ r: inout CopyReport, embedded: [UInt8]?, request: String?) {
        guard let embedded, let answer = try? JSONDecoder().decode(VerificationAnswer.self, from: Data(embedded)) else {
            r.add(
                "NO_EMBEDDED_ENTRY",
                .both("Văn bản trả lời không kèm kết quả dạng máy đọc", "The letter carries no machine-readable answer"))
            return
        }
        r.letter = answer
        if let request, answer.requestId != request {
            r.add(
                "ENTRY_MISMATCH",
                .both("Nội dung văn bản không thuộc yêu cầu đã đăng ký", "The letter's content is not the registered request's"))
        }
    }

    /// The entry the copy embeds against the ledger today (corrections since, revocation) and against the register.
    private func checkCertifiedEntry(_ r: inout CopyReport, embedded: [UInt8]?) {
        guard let embedded, let issued = try? JSONDecoder().decode(LedgerEntryView.self, from: Data(embedded)) else {
            r.add(
                "NO_EMBEDDED_ENTRY", .both("Bản sao không kèm mục sổ gốc dạng máy đọc", "The copy carries no machine-readable ledger entry")
            )
            return
        }
        r.issuer = issued.issuer
        r.custodian = issued.custodian
        r.conversion = try? conversion(ofLedger: issued.ledgerRecordId)
        if let now = try? ledgerEntry(issued.ref) {
            let standing = CopyStanding.entryStanding(issued: issued, now: now)
            r.entry = now
            r.laterCorrections = standing.laterCorrections
            r.revocation = standing.revocation
            for (code, m) in zip(standing.reasons, standing.messages) { r.add(code, .both(m.vi, m.en)) }
        } else {
            r.add(
                "ENTRY_NOT_FOUND",
                .both("Không tìm thấy mục sổ gốc mà bản sao chứng thực", "The ledger entry the copy certifies is not in the archive"))
        }
        if let registered = r.registered, registered.entryDigest != SHA256.hex(embedded) {
            r.add(
                "ENTRY_MISMATCH",
                .both("Nội dung đính kèm khác với nội dung đã đăng ký", "The embedded entry differs from the registered one"))
        }
    }

    /// The digitization record of the ledger's current revision (else its latest one), as a copy's verifier tells it.
    public func conversion(ofLedger ledger: String) throws -> CopyReport.Conversion? {
        let heads = Set(try index.heads(ofRecord: ledger))
        let all = try digitizations(of: ledger)
        guard let d = all.last(where: { heads.contains($0.revision) }) ?? all.last else { return nil }
        return .init(
            convertedBy: d.convertedBy, organisation: d.organisation, convertedAt: d.convertedAt, method: d.method, sealedBy: d.sealedBy)
    }

    /// A verifier over the archive's trust data, kept while that data stays the same (the trust anchors, the
    /// certificates and CRLs held): its caches of chains, CRL signatures and parsed certificates then serve every
    /// copy verified, as on a server answering many requests.
    func sharedVerifier() throws -> SignatureVerifier {
        let key =
            try trustAnchors().map(\.certificate).sorted() + ["|"]
            + index.objects(kind: ObjectKind.certificate.rawValue).map(\.id) + ["|"]
            + index.objects(kind: ObjectKind.crl.rawValue).map(\.id)
        return try workState.verifier(for: key) {
            SignatureVerifier(trust: try trustContext(), policy: VerificationPolicy(), clock: clock)
        }
    }

    /// The certificates that sign this office's copies (settings, else every signer in the register), for QR checks.
    /// Each certificate is parsed once (it is an immutable object named by the hash of its bytes); which ones
    /// count is read from the settings every time.
    public func officeCertificates() throws -> [Certificate] {
        try certificates(fingerprints: copySignerFingerprints(try officeSettings()))
    }
}
