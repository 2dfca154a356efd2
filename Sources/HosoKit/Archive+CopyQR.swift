import Foundation
import HosoCopies
import HosoCore
import HosoIndex
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore

extension Archive {
    /// Checks the text of a copy's QR code against this office's archive, as `verifyCopy` checks a PDF: the
    /// signature by the certificate the copy's register line records (or, for lines without one, a copy signer of
    /// the office), that certificate's chain, validity at the time of issue and revocation, the register line with
    /// the payload's number, every field of the payload against what was issued (holder, date of birth, serial,
    /// ledger number and year, copy number, issue date), the diploma's revocation and later corrections.
    ///
    /// `officeCertificates` are certificates the caller offers (untrusted: each must be the one the register names,
    /// or an office copy signer); `trust` adds trust anchors, CA certificates and CRLs to the archive's.
    public func verifyCopyQR(
        _ text: String, officeCertificates given: [Certificate] = [], trust extra: TrustContext? = nil
    ) throws
        -> QRCopyReport
    {
        var r = QRCopyReport(scope: .register, note: CopyQRVerification.registerNote)
        let settings = try officeSettings()
        // A link only on the office's own page: the address is not signed, and a genuine payload behind another
        // site's address would send a phone there. Old bare payloads are read as before.
        r.linkHost = QRLink.host(of: text)
        let trimmed: String
        do {
            trimmed = try QRLink.bareText(text, publicURL: settings.publicURL)
        } catch let e as HosoError where e.code == .qrLinkForeignHost || e.code == .qrLinkInvalid {
            r.fail(e.code.rawValue, e.message)
            return r
        }
        // The number first (without trusting the payload): the register line names the certificate that signed it.
        let registered = (try? QRPayloadCodec.decode(trimmed)).flatMap { d in
            try? registeredCopy(printedNumber: "\(d.payload.copyNumber)/\(d.payload.issueDate.prefix(4))")
        }
        r.registered = registered
        let allowed: Set<String>
        if let registered, !registered.signer.isEmpty {
            allowed = [registered.signer]
        } else {
            allowed = try copySignerFingerprints(settings)
        }
        let candidates = given.isEmpty ? try certificates(fingerprints: allowed) : given
        guard let (payload, cert) = CopyQRVerification.signature(trimmed, candidates: candidates, into: &r) else { return r }
        if !allowed.contains(cert.fingerprint) {
            r.fail(
                "NOT_OFFICE_SIGNER",
                registered == nil
                    ? .both(
                        "Chứng thư đã cho không phải chứng thư ký bản sao của cơ quan",
                        "The certificate given is not one of the office's copy signers")
                    : .both(
                        "Bản sao này không được ký bằng chứng thư đã cho (sổ cấp bản sao ghi chứng thư khác)",
                        "This copy was not signed with the certificate given (the copy register names another)"))
        }
        // The archive's trust data through the shared verifier (its caches serve every public request); a fresh one
        // only when the caller adds anchors, CA certificates or CRLs of their own.
        let verifier: SignatureVerifier
        if let extra, !(extra.roots.isEmpty && extra.intermediates.isEmpty && extra.crls.isEmpty) {
            let trust = try trustContext()
            verifier = SignatureVerifier(
                trust: TrustContext(
                    roots: trust.roots + extra.roots, intermediates: trust.intermediates + extra.intermediates,
                    crls: trust.crls + extra.crls),
                clock: clock)
        } else {
            verifier = try sharedVerifier()
        }
        let issuedAt = registered.flatMap { HosoClock.parse($0.issuedAt) }
        CopyQRVerification.judge(
            cert, others: candidates, at: issuedAt ?? CopyQRVerification.endOfIssueDay(payload.issueDate, calendar: settings.calendar),
            verifier: verifier, into: &r)
        guard let registered else {
            r.fail("COPY_NOT_REGISTERED", .both("Bản sao không có trong sổ cấp bản sao", "The copy is not in the copy register"))
            return r
        }
        let issued = issuedEntry(registered)
        r.differing = CopyQRVerification.payloadDifferences(payload, registered: registered, issued: issued, calendar: settings.calendar)
        if !r.differing.isEmpty {
            let names = r.differing.joined(separator: ", ")
            r.fail(
                "QR_REGISTER_MISMATCH",
                .both(
                    "Dữ liệu trong mã QR khác với bản sao đã cấp theo sổ cấp bản sao: \(names)",
                    "The QR code's data differ from the copy the register says was issued: \(names)"))
        }
        let s = try copyStanding(registered, issued: issued)
        r.laterCorrections = s.laterCorrections
        r.revocation = s.revocation
        for (code, text) in zip(s.reasons, s.messages) { r.fail(code, .both(text.vi, text.en)) }
        return r
    }

    /// The ledger entry as the copy certified it: the entry its PDF (kept in the archive) embeds, when that PDF is
    /// here and its entry has the digest the register recorded; else the entry as it stands today when its digest
    /// (without a later revocation) is still the recorded one; else nil.
    func issuedEntry(_ registered: CopyRegisterEntry) -> LedgerEntryView? {
        if let id = ObjectID(hex: registered.document), store.exists(id), let pdf = try? store.read(id),
            let bytes = PDFParse.firstAttachment(in: pdf)?.bytes, SHA256.hex(bytes) == registered.entryDigest,
            let view = try? JSONDecoder().decode(LedgerEntryView.self, from: Data(bytes))
        {
            return view
        }
        let ref = "\(registered.ledgerRecordId)#\(registered.ledgerNumber)"
        let bySerial = (try? ledgerEntry(registered.serial)).flatMap { $0.ref == ref ? $0 : nil }
        guard var now = bySerial ?? (try? ledgerEntry(ref)) else { return nil }
        now.revocation = nil
        guard let bytes = try? now.canonicalBytes(), SHA256.hex(bytes) == registered.entryDigest else { return nil }
        return now
    }

    /// How a registered copy stands today: the entry it certifies found, not revoked, not corrected since.
    /// `issued` is the entry as the copy certified it (`issuedEntry`), nil when unknown.
    public func copyStanding(_ registered: CopyRegisterEntry) throws -> CopyStanding {
        try copyStanding(registered, issued: issuedEntry(registered))
    }

    func copyStanding(_ registered: CopyRegisterEntry, issued: LedgerEntryView?) throws -> CopyStanding {
        let ref = "\(registered.ledgerRecordId)#\(registered.ledgerNumber)"
        // By serial first: it is indexed, where a lookup by ledger number scans every ledger's entries.
        let bySerial = (try? ledgerEntry(registered.serial)).flatMap { $0.ref == ref ? $0 : nil }
        var s = CopyStanding()
        guard let now = bySerial ?? (try? ledgerEntry(ref)) else {
            s.add(
                "ENTRY_NOT_FOUND",
                .both("Không tìm thấy mục sổ gốc mà bản sao chứng thực", "The ledger entry the copy certifies is not in the archive"))
            return s
        }
        s.entry = now
        guard let issued else {
            s.revocation = now.revocation
            if let r = now.revocation { s.add("DIPLOMA_REVOKED", CopyStanding.revokedText(r)) }
            s.add(
                "ENTRY_MISMATCH",
                .both(
                    "Không có nội dung đã cấp để đối chiếu với sổ gốc hiện tại",
                    "The entry as issued is not at hand to compare with the ledger today"))
            return s
        }
        s.merge(CopyStanding.entryStanding(issued: issued, now: now))
        return s
    }

    /// The stored certificates with these fingerprints (each parsed once).
    func certificates(fingerprints: Set<String>) throws -> [Certificate] {
        fingerprints.sorted().compactMap { fp in
            if let c = Self.parsedCertificates.get(fp) { return c }
            guard let id = ObjectID(hex: fp), store.exists(id), let c = try? Certificate(der: try store.read(id)) else { return nil }
            Self.parsedCertificates.put(fp, c, cost: c.der.count)
            return c
        }
    }

    /// Certificates parsed once by object id (an office has a handful of copy signers; they are immutable objects).
    static let parsedCertificates = BoundedCache<String, Certificate>(budget: 4 << 20)
}
