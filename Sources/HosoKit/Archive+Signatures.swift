import Foundation
import HosoCore
import HosoIndex
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore
import HosoTransport

extension Archive {
    /// The record type of the trust store (the roots this archive trusts).
    public static let trustStoreType = "trust-store"
    /// The record id of the trust store: one per archive.
    public static let trustStoreId = "trust-store"

    // MARK: - Signing

    /// The revision a command names: a revision object id (or unique prefix), or a record id (its current head).
    public func targetRevision(_ text: String) throws -> (ObjectID, Revision) {
        if !(try index.revisions(ofRecord: text)).isEmpty { return try current(record: text) }
        let id: ObjectID
        do { id = try resolve(text) } catch let e as HosoError where e.code == .objectNotFound || e.code == .invalidID {
            throw HosoError(.recordNotFound, .both("Không có hồ sơ hay bản ghi nào như vậy", "No such record or revision"), location: text)
        }
        guard try store.header(of: id).kind == .record else {
            throw HosoError(
                .notARevision, .both("Đối tượng này không phải một bản của hồ sơ", "This object is not a record revision"),
                location: text)
        }
        return (id, try revision(id))
    }

    /// Signs a revision's exact canonical bytes (CAdES-BES, detached) and stores the signature with its
    /// evidence: the chain and the latest CRLs the archive holds for it. With a timestamp source, the stored
    /// signature also carries a signature timestamp (CAdES-T).
    public func sign(
        _ target: String, identity: SigningIdentity, role: SignerRole,
        timestamp: TimestampSource? = nil
    ) throws -> (SignOutcome, der: [UInt8]) {
        let (revId, rev) = try targetRevision(target)
        let content = try store.read(revId)
        let trust = try trustContext()
        let person = try checkMaySign(identity, role: role, rev: rev, trust: trust)
        var id = identity
        // Complete the chain from the archive's CA certificates so the signature carries its own evidence.
        id.chain = Certificate.completeChain(identity.certificate, given: identity.chain, pool: trust.intermediates + trust.roots)
        let issuers = [identity.certificate] + id.chain
        let crls = CRL.latest(trust.crls).filter { crl in issuers.contains { crl.isSigned(by: $0) } }
        let time = clock.now()
        var der = try CMSSigner.sign(content: content, identity: id, role: role, at: time, crls: crls, title: person?.title)
        var timestamped = false
        if let timestamp {
            let sd = try SignedData(der: der)
            der = try sd.addingTimestamp(try timestamp.token(forSignatureValue: sd.signers[0].signatureValue))
            timestamped = true
        }
        let sigId = try storeSignature(der)
        storeOCSPEvidence(for: identity.certificate, issuer: id.chain.first, crls: crls)
        return (
            SignOutcome(
                signature: sigId.hex, revision: revId.hex, record: rev.recordId, recordType: rev.recordType,
                signer: identity.certificate.commonName ?? identity.certificate.subject, role: role.rawValue,
                signingTime: time, timestamped: timestamped), der
        )
    }

    /// Validation data gathered at signing: when the signer's certificate names an OCSP responder, its checked
    /// answer is kept as an object beside the signature (`ocsp-response`), so a later verification needs no network
    /// and the evidence records cover it. Best effort: offline, the CRLs the archive holds remain the evidence.
    func storeOCSPEvidence(for cert: Certificate, issuer: Certificate?, crls: [CRL]) {
        guard let issuer, !cert.ocspURLs.isEmpty,
            let der = try? OCSPClient.fetch(for: cert, issuer: issuer, crls: crls, at: clock.now(), timeout: 10)
        else { return }
        _ = try? putObject(der, kind: .ocspResponse)
    }

    /// Stores a detached CMS signature over a revision of this archive (ours, or one made elsewhere).
    @discardableResult
    public func storeSignature(_ der: [UInt8], source: String? = nil) throws -> ObjectID {
        let row0 = try Self.signatureRow(id: nil, der: der, source: source)
        guard let revId = ObjectID(hex: row0.revisionId), store.exists(revId), try store.header(of: revId).kind == .record else {
            throw HosoError(
                .recordNotFound,
                .both("Chữ ký không thuộc bản hồ sơ nào trong kho", "The signature is not over any revision in this archive"),
                location: source, cause: "messageDigest \(row0.revisionId)")
        }
        cleanLeftovers()
        // The evidence inside the signature (chain, CRLs) is also kept as objects of its own, so it outlives the
        // signature that brought it and serves other verifications (a CRL is used only if its issuer signed it).
        let sd = try SignedData(der: der, source: source)
        return try writing {
            var evidence = [StoredObject]()
            for c in sd.certificates { evidence.append(try store.put(c.der, kind: .certificate).0) }
            for c in sd.crls { evidence.append(try store.put(c.der, kind: .crl).0) }
            let (obj, _) = try store.put(der, kind: .signature)
            var row = row0
            row.id = obj.id.hex
            try index.record(signatures: [row], objects: evidence + [obj])
            return obj.id
        }
    }

    static func signatureRow(id: ObjectID?, der: [UInt8], source: String?) throws -> SignatureRow {
        let sd = try SignedData(der: der, source: source)
        guard sd.isDetached, let s = sd.signers.first, sd.signers.count == 1, let md = s.messageDigest, md.count == 32 else {
            throw HosoError(
                .badSignature,
                .both(
                    "Cần đúng một chữ ký CMS tách rời (detached) với SHA-256",
                    "Expected exactly one detached CMS signature with SHA-256"), location: source)
        }
        let cert = s.certificate
        return SignatureRow(
            id: id?.hex ?? "", revisionId: ObjectID(digest: md).hex,
            signatureKey: ObjectID(hashing: s.signatureValue).hex,
            signer: cert?.commonName ?? cert?.subject ?? "?", role: s.role?.rawValue,
            signingTime: s.signingTime.map(HosoClock.format), timestamped: s.timestampToken != nil)
    }

    // MARK: - Timestamps

    /// Adds a signature timestamp to every stored signature that has none yet (each becomes a new object;
    /// the original stays). Signatures made offline get their proof of time when they reach the office.
    public func timestampPending(_ source: TimestampSource, only revision: ObjectID? = nil) throws -> [TimestampOutcome] {
        let rows = try revision.map { try index.signatures(ofRevision: $0.hex) } ?? index.signatures()
        let done = Set(rows.filter(\.timestamped).map(\.signatureKey))
        var out = [TimestampOutcome]()
        var seen = Set<String>()
        for row in rows where !row.timestamped && !done.contains(row.signatureKey) && seen.insert(row.signatureKey).inserted {
            let sd = try SignedData(der: try store.read(ObjectID(hex: row.id)!), source: row.id)
            let der = try sd.addingTimestamp(try source.token(forSignatureValue: sd.signers[0].signatureValue))
            let newId = try storeSignature(der)
            out.append(TimestampOutcome(signature: row.id, timestamped: newId.hex, revision: row.revisionId))
        }
        return out
    }

    // MARK: - Verifying

    /// Every signature on a revision (for a record: its current head), each judged on its own. Of several
    /// objects carrying the same signature, the one with the most evidence (a timestamp) is judged.
    /// `at`: judge as of that time with the archive's evidence alone (long-term rule, `VerificationPolicy.longTerm`):
    /// certificates expired by then need an evidence record (`hoso renew`) proving the signature existed before.
    public func verify(_ target: String, policy: VerificationPolicy = VerificationPolicy(), at: Date? = nil) throws -> SignedRevisionReport
    {
        let (revId, rev) = try targetRevision(target)
        let content = try store.read(revId)
        var policy = policy
        let trust = try trustContext()
        var evidence: EvidenceIndex?
        // Long-term: a signature whose own evidence holds is judged with proven validation data only; one whose
        // evidence fails is judged with all of it, so its report names the missing proof (NO_POE) rather than the
        // CRLs the failed proof also took away.
        var proven: SignatureVerifier?
        // After the date the office's newer evidence algorithm applies, a record not yet renewed to it proves nothing.
        let required = at == nil ? nil : try RenewalPolicy(officeSettings()).required
        if let at {
            policy.longTerm = true
            let index = EvidenceIndex(try archiveTimestamps())
            evidence = index
            proven = SignatureVerifier(trust: provenValidationData(trust, evidence: index, at: at), policy: policy, clock: .fixed(at))
        }
        let verifier = SignatureVerifier(trust: trust, policy: policy, clock: at.map(HosoClock.fixed) ?? clock)
        var best = [String: SignatureRow]()
        for row in try index.signatures(ofRevision: revId.hex) where !(best[row.signatureKey]?.timestamped ?? false) {
            best[row.signatureKey] = row
        }
        var entries = [SignedRevisionReport.Entry]()
        for row in best.values.sorted(by: { ($0.signingTime ?? "", $0.id) < ($1.signingTime ?? "", $1.id) }) {
            let sigId = ObjectID(hex: row.id)!
            let der = try store.read(sigId)
            let check = evidence?.record(for: sigId.hex).map { verifier.checkEvidence($0, data: der, algorithmFrom: required) }
            let judge = check?.indication == .passed ? proven ?? verifier : verifier
            for var r in try judge.verify(signature: der, content: content, recordType: rev.recordType, evidence: check) {
                try judgeEntitlement(&r, revision: rev)
                entries.append(.init(signature: row.id, report: r))
            }
        }
        let earlier = try index.revisions(ofRecord: rev.recordId).filter { $0.id != revId.hex }
            .filter { !((try? index.signatures(ofRevision: $0.id)) ?? []).isEmpty }.count
        return SignedRevisionReport(
            revision: revId.hex, record: rev.recordId, recordType: rev.recordType, verifiedAt: at ?? clock.now(),
            indication: SignedRevisionReport.overall(entries.map(\.report)), signatures: entries,
            earlierRevisionsSigned: earlier)
    }

    /// Verifies a signature file against given content (or the revision its digest names, when in the archive).
    public func verifyFile(
        signature der: [UInt8], content: [UInt8]?, policy: VerificationPolicy = VerificationPolicy(),
        source: String? = nil
    ) throws -> SignedRevisionReport {
        let row = try Self.signatureRow(id: nil, der: der, source: source)
        var recordType: String?
        var recordId: String?
        let data: [UInt8]
        if let content {
            data = content
        } else {
            guard let id = ObjectID(hex: row.revisionId), store.exists(id) else {
                throw HosoError(
                    .recordNotFound,
                    .both("Không có nội dung đã ký trong kho; dùng --content", "The signed content is not in the archive; use --content"),
                    location: source)
            }
            data = try store.read(id)
        }
        if let r = try index.revision(row.revisionId) {
            recordType = r.recordType
            recordId = r.recordId
        }
        let verifier = SignatureVerifier(trust: try trustContext(), policy: policy, clock: clock)
        var reports = try verifier.verify(signature: der, content: data, recordType: recordType)
        // The entitlement rule needs the record's body: only for content that is a revision of this archive.
        if let id = ObjectID(hex: row.revisionId), store.exists(id), ObjectID(hashing: data) == id, let rev = try? revision(id) {
            for i in reports.indices { try judgeEntitlement(&reports[i], revision: rev) }
        }
        return SignedRevisionReport(
            revision: row.revisionId, record: recordId, recordType: recordType, verifiedAt: clock.now(),
            indication: SignedRevisionReport.overall(reports), signatures: reports.map { .init(signature: source ?? "-", report: $0) },
            earlierRevisionsSigned: 0)
    }

    /// Judged long after the fact, only validation data an evidence record proves counts: each CRL and OCSP
    /// response must be covered by archive timestamps still valid at `at` (a CA's key, once expired or compromised,
    /// could otherwise sign a backdated list).
    func provenValidationData(_ trust: TrustContext, evidence: EvidenceIndex, at: Date) -> TrustContext {
        var t = trust
        let checker = SignatureVerifier(trust: trust, clock: .fixed(at))
        func proven(_ der: [UInt8]) -> Bool {
            let id = ObjectID(hashing: der)
            guard let er = evidence.record(for: id.hex) else { return false }
            return checker.checkEvidence(er, data: der).indication == .passed
        }
        t.crls = trust.crls.filter { proven($0.der) }
        t.ocsp = trust.ocsp.filter { proven($0.der) }
        return t
    }

    // MARK: - Trust store

    /// The roots the archive trusts, from the trust-store record.
    public func trustAnchors() throws -> [TrustAnchor] { try listRecord(Self.trustStoreId, key: "anchors") }

    /// Trusts root certificates (each stored as an object; the list is a revision of the trust-store record,
    /// so who changed trust and when is kept, and it syncs like any record).
    @discardableResult
    public func addTrustAnchors(_ certs: [Certificate], label: String, author: String) throws -> [TrustAnchor] {
        var anchors = try trustAnchors()
        var added = [TrustAnchor]()
        for c in certs {
            guard c.isCA || c.isSelfSigned else {
                throw HosoError(
                    .badCertificate, .both("Chỉ chứng thư của CA mới làm gốc tin cậy được", "Only a CA certificate can be a trust anchor"),
                    location: c.subject)
            }
            let obj = try putObject(c.der, kind: .certificate)
            if anchors.contains(where: { $0.certificate == obj.id.hex }) { continue }
            let a = TrustAnchor(certificate: obj.id.hex, label: label, subject: c.subject, notAfter: HosoClock.format(c.notAfter))
            anchors.append(a)
            added.append(a)
        }
        if !added.isEmpty { try writeTrustStore(anchors, author: author, reason: "add \(added.map(\.subject).joined(separator: "; "))") }
        return added
    }

    /// Removes a root from the trust store (a new revision); returns the one removed.
    public func removeTrustAnchor(_ idOrPrefix: String, author: String) throws -> TrustAnchor {
        var anchors = try trustAnchors()
        let key = idOrPrefix.lowercased()
        let matches = anchors.filter { $0.certificate.hasPrefix(key) || $0.label == idOrPrefix }
        guard matches.count == 1, let victim = matches.first else {
            throw HosoError(
                matches.isEmpty ? .trustAnchorNotFound : .ambiguousID,
                .both("Không xác định được đúng một gốc tin cậy", "Does not name exactly one trust anchor"), location: idOrPrefix)
        }
        anchors.removeAll { $0 == victim }
        try writeTrustStore(anchors, author: author, reason: "remove \(victim.subject)")
        return victim
    }

    func writeTrustStore(_ anchors: [TrustAnchor], author: String, reason: String) throws {
        try writeListRecord(anchors, type: Self.trustStoreType, id: Self.trustStoreId, key: "anchors", author: author, reason: reason)
    }

    /// Stores CA certificates (intermediates) that complete chains; they are not trusted by themselves.
    @discardableResult
    public func addCertificates(_ certs: [Certificate]) throws -> [String] {
        try certs.map { try putObject($0.der, kind: .certificate).id.hex }
    }

    /// Stores CRLs. Each must be signed by a CA the archive knows, so a forged list cannot mark certificates revoked.
    public func importCRLs(_ crls: [CRL], source: String? = nil) throws -> [CRLInfo] {
        let trust = try trustContext()
        let cas = trust.roots + trust.intermediates
        var out = [CRLInfo]()
        for crl in crls {
            guard let ca = cas.first(where: { crl.isSigned(by: $0) }) else {
                throw HosoError(
                    .badCRL,
                    .both(
                        "CRL không do CA nào trong kho ký (thêm CA bằng `hoso trust add` trước)",
                        "The CRL is not signed by any CA the archive knows (add the CA with `hoso trust add` first)"),
                    location: source, cause: crl.issuer)
            }
            let obj = try putObject(crl.der, kind: .crl)
            out.append(
                CRLInfo(
                    id: obj.id.hex, issuer: crl.issuer, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate,
                    revoked: crl.revoked.count, verifiedBy: ca.commonName ?? ca.subject))
        }
        return out
    }

    /// Every stored CRL.
    public func crls() throws -> [CRLInfo] {
        try index.objects(kind: ObjectKind.crl.rawValue).compactMap { row in
            guard let id = ObjectID(hex: row.id), let crl = try? CRL(der: try store.read(id)) else { return nil }
            return CRLInfo(
                id: row.id, issuer: crl.issuer, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate,
                revoked: crl.revoked.count, verifiedBy: nil)
        }
    }

    /// Roots from the trust store; every stored CA certificate as a possible intermediate; every stored CRL.
    public func trustContext() throws -> TrustContext {
        let anchorIds = Set(try trustAnchors().map(\.certificate))
        var roots = [Certificate]()
        var intermediates = [Certificate]()
        for row in try index.objects(kind: ObjectKind.certificate.rawValue) {
            guard let id = ObjectID(hex: row.id), let c = try? Certificate(der: try store.read(id)) else { continue }
            if anchorIds.contains(row.id) { roots.append(c) } else if c.isCA { intermediates.append(c) }
        }
        var crls = [CRL]()
        for row in try index.objects(kind: ObjectKind.crl.rawValue) {
            if let id = ObjectID(hex: row.id), let c = try? CRL(der: try store.read(id)) { crls.append(c) }
        }
        return TrustContext(roots: roots, intermediates: intermediates, crls: crls, ocsp: try storedOCSPResponses())
    }
}
