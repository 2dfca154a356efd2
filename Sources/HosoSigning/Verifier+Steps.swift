import COpenSSL
import Foundation
import HosoCore

/// Why one signer's verification stopped early: the indication and reason code it ends with, and an optional detail
/// appended to the reason's text. Thrown by the steps of `SignatureVerifier.verify(_:in:content:recordType:)`.
struct VerificationStop: Error {
    let indication: Indication
    let code: ReasonCode
    let detail: LocalizedText?

    init(_ indication: Indication, _ code: ReasonCode, _ detail: LocalizedText? = nil) {
        self.indication = indication
        self.code = code
        self.detail = detail
    }

    /// The report as it stood when the step stopped, with this indication, reason and message.
    func finish(_ report: SignatureReport) -> SignatureReport {
        var r = report
        r.indication = indication
        r.reason = code
        let base = code.text
        r.message = .init(detail.map { .both(base.vi + ": " + $0.vi, base.en + ": " + $0.en) } ?? base)
        return r
    }
}

/// The steps of one signer's verification, in the order `verify(_:in:content:recordType:)` runs them. Each adds what
/// it learns to the report, and throws a `VerificationStop` when the signature cannot be PASSED.
extension SignatureVerifier {
    /// 1. Who signed: the certificate named by the SignerInfo, and the one signing-certificate-v2 pins.
    func checkSignerCertificate(_ s: SignedData.Signer, into r: inout SignatureReport) throws(VerificationStop) -> Certificate {
        guard let cert = s.certificate else { throw VerificationStop(.indeterminate, .noSigningCertificateFound) }
        r.signer = cert.commonName ?? cert.subject
        r.signerSubject = cert.subject
        r.signerCertificate = cert.fingerprint
        r.certificateAuthority = cert.issuerCommonName ?? cert.issuer
        r.certificateSerial = cert.serialHex
        r.certificateValidity = .init(notBefore: cert.notBefore, notAfter: cert.notAfter)
        r.algorithm = "\(cert.publicKey) / \(s.signatureAlgorithm) / \(s.digestAlgorithm)"
        switch s.essMatches(cert) {
        case .some(true): break
        case .some(false):
            throw VerificationStop(
                .indeterminate, .noSigningCertificateFound,
                .both("thuộc tính signing-certificate-v2 chỉ tới chứng thư khác", "signing-certificate-v2 names another certificate"))
        case .none:
            r.warnings.append(
                .init(
                    .both(
                        "Chữ ký không có thuộc tính signing-certificate-v2 (không phải CAdES)",
                        "The signature has no signing-certificate-v2 attribute (not CAdES)")))
        }
        return cert
    }

    /// 2. Algorithms (Thông tư 15/2025/TT-BKHCN): SHA-256 or stronger; RSA-PSS ≥ 2048 or ECDSA ≥ 256.
    /// 3. Cryptography: the signature over the signed attributes, then the content's digest.
    func checkIntegrity(_ s: SignedData.Signer, _ cert: Certificate, content: [UInt8]) throws(VerificationStop) {
        if let weak = weakness(s, cert) { throw VerificationStop(.failed, .weakAlgorithm, weak) }
        guard s.signatureIsValid() else { throw VerificationStop(.failed, .sigCryptoFailure) }
        guard s.contentMatches(content) else { throw VerificationStop(.failed, .hashFailure) }
    }

    /// 4. Key usage.
    func checkKeyUsage(_ cert: Certificate) throws(VerificationStop) {
        guard cert.canSignDocuments else { throw VerificationStop(.failed, .wrongKeyUsage) }
    }

    /// 5. The time to judge at: a valid signature timestamp proves existence then; otherwise it is now.
    func judgementTime(
        _ s: SignedData.Signer, now: Date, untrusted: [Certificate], embedded: [CRL],
        into r: inout SignatureReport
    ) throws(VerificationStop) -> Date {
        guard let tokenDER = s.timestampToken else { return now }
        let value = s.signatureValue
        let outcome = cache.timestamp(tokenDER, value) {
            checkTimestamp(tokenDER, signature: value, roots: trust.roots, intermediates: untrusted)
        }
        let judgeAt: Date
        switch outcome {
        case .valid(let t, let tsa, let carried):
            if let why = checkTSAPath(tsa, carried: carried, untrusted: untrusted, embedded: embedded, at: t) {
                r.timestamp = .init(time: t, authority: tsa.commonName ?? tsa.subject, status: "tsa-not-trusted")
                throw VerificationStop(.indeterminate, .timestampUntrusted, why)
            }
            judgeAt = t
            r.timeProof = .timestamp
            r.timestamp = .init(time: t, authority: tsa.commonName ?? tsa.subject, status: "valid")
        case .mismatch:
            r.timestamp = .init(time: nil, authority: nil, status: "imprint-mismatch")
            throw VerificationStop(.failed, .timestampMismatch)
        case .invalid(let why):
            r.timestamp = .init(time: nil, authority: nil, status: why)
            throw VerificationStop(.failed, .timestampInvalid)
        case .untrusted(let why):
            r.timestamp = .init(time: nil, authority: nil, status: why)
            throw VerificationStop(.indeterminate, .timestampUntrusted)
        }
        if let claimed = s.signingTime, claimed > judgeAt.addingTimeInterval(300) {
            r.warnings.append(
                .init(
                    .both(
                        "Thời điểm ký được khai sau thời điểm đóng dấu thời gian (đồng hồ máy ký sai?)",
                        "The claimed signing time is after the timestamp (the signer's clock is wrong?)")))
        }
        return judgeAt
    }

    /// 6. The chain to a trusted root (time is checked separately below, so each reason is told apart).
    func checkChain(
        _ cert: Certificate, untrusted: [Certificate],
        into r: inout SignatureReport
    ) throws(VerificationStop) -> [Certificate] {
        guard let chain = cachedChain(cert, untrusted: untrusted) else { throw VerificationStop(.indeterminate, .noCertificateChainFound) }
        r.chain = chain.map { $0.commonName ?? $0.subject }
        if chain.dropLast().contains(where: { $0.hasWeakSignature }) {
            throw VerificationStop(
                .failed, .weakAlgorithm, .both("chuỗi chứng thư ký bằng SHA-1/MD5", "the chain is signed with SHA-1/MD5"))
        }
        return chain
    }

    /// 7. Validity periods. A signature that claims a time outside the certificate's validity fails outright;
    ///    one whose certificate expired only later is INDETERMINATE without a timestamp proving when it existed.
    func checkValidity(_ chain: [Certificate], signer cert: Certificate, claimed: Date?, judgeAt: Date) throws(VerificationStop) {
        for c in chain {
            if let claimed, claimed > c.notAfter, c == cert {
                throw VerificationStop(
                    .failed, .expired, .both("thời điểm ký được khai sau ngày hết hạn", "the claimed signing time is after expiry"))
            }
            if let claimed, claimed < c.notBefore, c == cert {
                throw VerificationStop(.failed, .notYetValid)
            }
            if judgeAt > c.notAfter {
                throw VerificationStop(
                    .indeterminate, .expired,
                    c == cert
                        ? nil
                        : .both("chứng thư CA \(c.commonName ?? c.subject) hết hạn", "CA certificate \(c.commonName ?? c.subject) expired"))
            }
            if judgeAt < c.notBefore { throw VerificationStop(.failed, .notYetValid) }
        }
    }

    /// 8. RFC 5280 path validation by OpenSSL at the judged time, with the trust context's CRLs and the signature's
    ///    own (CRL_CHECK_ALL, extended CRL support, strict profile, policies), then hoso's rules on top: the key size
    ///    rule for every certificate of the path and every CRL signer, revocation data for every certificate below
    ///    the root, a revocation in any authentic CRL counts, and its date is judged against the proven time.
    func checkPath(
        _ chain: [Certificate], signer cert: Certificate, untrusted: [Certificate], embedded: [CRL], ocsp: [OCSPResponse] = [],
        claimed: Date?, judgeAt: Date, into r: inout SignatureReport
    ) throws(VerificationStop) {
        try checkKeySizes(chain)
        let (crls, relevant, refused) = candidateCRLs(for: chain, embedded: embedded, untrusted: untrusted)
        var found = validatePath(cert, untrusted: untrusted, crls: crls, at: judgeAt)
        // OCSP is preferred where a usable response answers for a certificate: its CRL findings no longer count.
        let answers = ocspAnswers(chain, ocsp: ocsp, crls: relevant, judgeAt: judgeAt)
        found.findings.removeAll { f in answers[f.depth] != nil && Self.revocationErrors.contains(f.code) }
        let complete = crls.filter { $0.issuer == cert.issuer && !$0.isDelta && !$0.hasUnhandledCriticalExtension }
        if let answer = answers[0] {
            r.revocation = .init(
                source: "ocsp", issuer: cert.issuer, thisUpdate: answer.thisUpdate, nextUpdate: answer.nextUpdate, revokedAt: nil)
        } else if let latest = complete.max(by: { $0.thisUpdate < $1.thisUpdate }) {
            r.revocation = .init(
                source: "crl", issuer: latest.issuer, thisUpdate: latest.thisUpdate, nextUpdate: latest.nextUpdate,
                revokedAt: nil, gracePeriod: policy.crlGracePeriod > 0 ? policy.crlGracePeriod : nil)
        }
        // Revocation first: a revocation before the proven time is FAILED whatever else is wrong.
        for (i, c) in chain.enumerated().dropLast() {
            let byOpenSSL = found.findings.first { $0.code == X509_V_ERR_CERT_REVOKED && $0.depth == i }?.date
            let byScan = earliestRevocation(of: c, issuer: chain[i + 1], crls: relevant, untrusted: untrusted)
            var byOCSP: Date?
            if case .revoked(let d) = answers[i]?.status { byOCSP = d }
            guard let revokedAt = [byOpenSSL, byScan, byOCSP].compactMap({ $0 }).min() else { continue }
            if c == cert { r.revocation?.revokedAt = revokedAt }
            if let claimed, claimed >= revokedAt { throw VerificationStop(.failed, .revoked, Self.who(c, cert)) }
            if revokedAt <= judgeAt {
                throw r.timeProof == .timestamp
                    ? VerificationStop(.failed, .revoked, Self.who(c, cert))
                    : VerificationStop(.indeterminate, .revokedNoPOE, Self.who(c, cert))
            }
            r.warnings.append(
                .init(
                    .both(
                        "Chứng thư số \(c.commonName ?? c.subject) bị thu hồi ngày \(HosoClock.format(revokedAt)), sau thời điểm có dấu thời gian",
                        "The certificate \(c.commonName ?? c.subject) was revoked on \(HosoClock.format(revokedAt)), after the timestamped time"
                    )))
        }
        if let f = found.first(Self.keySizeErrors) {
            throw VerificationStop(.failed, .weakAlgorithm, .both("OpenSSL: " + f.text, "OpenSSL: " + f.text))
        }
        if let f = found.findings.first(where: { !Self.revocationErrors.contains($0.code) && !Self.judgedElsewhere.contains($0.code) }) {
            throw VerificationStop(.indeterminate, .chainConstraintsFailure, .both("OpenSSL: " + f.text, "OpenSSL: " + f.text))
        }
        if let f = found.first(Self.noRevocationDataErrors) {
            let vi = (["OpenSSL: " + f.text] + refused.map(\.vi)).joined(separator: "; ")
            let en = (["OpenSSL: " + f.text] + refused.map(\.en)).joined(separator: "; ")
            throw VerificationStop(.indeterminate, .noRevocationData, .both(vi, en))
        }
        for f in found.findings where f.code == X509_V_ERR_CRL_HAS_EXPIRED {
            let next = f.date ?? .distantPast
            let within = policy.crlGracePeriod > 0 && judgeAt.timeIntervalSince(next) <= policy.crlGracePeriod
            guard within else {
                throw VerificationStop(
                    .indeterminate, .revocationDataStale,
                    .both(
                        "CRL cho \(f.subject) hết hạn cập nhật \(HosoClock.format(next))",
                        "the CRL for \(f.subject) was due for update on \(HosoClock.format(next))"))
            }
            r.revocation?.usedGracePeriod = true
            r.warnings.append(
                .init(
                    .both(
                        "CRL cho \(f.subject) đã quá hạn cập nhật (\(HosoClock.format(next))); dùng trong thời gian ân hạn ngoại tuyến \(Self.days(policy.crlGracePeriod)) ngày",
                        "The CRL for \(f.subject) is past its next update (\(HosoClock.format(next))); used within the offline grace period of \(Self.days(policy.crlGracePeriod)) days"
                    )))
        }
    }

    /// The usable OCSP answer for each certificate of `chain` below the root, by depth: from a response signed by
    /// the issuing CA or its delegated responder (not revoked in `crls`), saying good and current at `judgeAt`
    /// (thisUpdate at or after it, or nextUpdate not before it: proof-of-existence, as with CRLs), or saying revoked.
    /// "unknown" answers nothing: the CRLs, if any, decide.
    func ocspAnswers(_ chain: [Certificate], ocsp: [OCSPResponse], crls: [CRL], judgeAt: Date) -> [Int: OCSPResponse.Single] {
        var out = [Int: OCSPResponse.Single]()
        guard !ocsp.isEmpty else { return out }
        for i in 0..<max(chain.count - 1, 0) {
            let (c, issuer) = (chain[i], chain[i + 1])
            for resp in ocsp {
                guard let single = resp.single(for: c, issuer: issuer), resp.signerProblem(issuer: issuer, crls: crls) == nil
                else { continue }
                switch single.status {
                case .revoked:
                    out[i] = single
                case .good where single.thisUpdate >= judgeAt || (single.nextUpdate.map { $0 >= judgeAt } ?? false):
                    if out[i] == nil { out[i] = single }
                default: continue
                }
            }
        }
        return out
    }

    /// The key size rule (RSA ≥ 2048, EC ≥ 256) for every certificate of the path, the root included.
    func checkKeySizes(_ chain: [Certificate]) throws(VerificationStop) {
        if let weak = chain.first(where: { !$0.publicKey.isStrongEnough }) {
            throw VerificationStop(
                .failed, .weakAlgorithm,
                .both(
                    "khóa \(weak.publicKey) của \(weak.commonName ?? weak.subject)",
                    "key \(weak.publicKey) of \(weak.commonName ?? weak.subject)"))
        }
    }

    static func who(_ c: Certificate, _ signer: Certificate) -> LocalizedText? {
        c == signer ? nil : .both("chứng thư CA \(c.commonName ?? c.subject)", "CA certificate \(c.commonName ?? c.subject)")
    }

    static func days(_ t: TimeInterval) -> String {
        let d = t / 86400
        return d == d.rounded() ? String(Int(d)) : String(format: "%.2f", d)
    }

    /// Findings that are hoso's to judge: validity periods (step 7, against the claimed and the proven time) and CRLs
    /// newer than the judged time (newer evidence, as the proof-of-existence model wants).
    static let judgedElsewhere: Set<Int32> = [
        X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CRL_NOT_YET_VALID, X509_V_ERR_CERT_REVOKED,
        X509_V_ERR_CA_KEY_TOO_SMALL, X509_V_ERR_EE_KEY_TOO_SMALL, X509_V_ERR_CA_MD_TOO_WEAK,
    ]
    static let keySizeErrors: Set<Int32> = [X509_V_ERR_CA_KEY_TOO_SMALL, X509_V_ERR_EE_KEY_TOO_SMALL, X509_V_ERR_CA_MD_TOO_WEAK]
    /// No usable CRL for a certificate of the path: none at all, or only CRLs RFC 5280 §6.3 does not allow.
    static let noRevocationDataErrors: Set<Int32> = [
        X509_V_ERR_UNABLE_TO_GET_CRL, X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER, X509_V_ERR_CRL_SIGNATURE_FAILURE,
        X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE, X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD,
        X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD, X509_V_ERR_KEYUSAGE_NO_CRL_SIGN,
        X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION, X509_V_ERR_DIFFERENT_CRL_SCOPE, X509_V_ERR_CRL_PATH_VALIDATION_ERROR,
    ]
    static let revocationErrors: Set<Int32> = noRevocationDataErrors.union([X509_V_ERR_CRL_HAS_EXPIRED])

    /// The timestamp authority's chain, checked for revocation like a signer's, at the time the token claims.
    /// Any revocation of it counts (nothing later than the token proves the token existed before the revocation).
    func checkTSAPath(
        _ tsa: Certificate, carried: [Certificate], untrusted: [Certificate], embedded: [CRL], at t: Date
    )
        -> LocalizedText?
    {
        let pool = carried + untrusted
        guard let chain = cachedChain(tsa, untrusted: pool) else {
            return .both("không dựng được chuỗi chứng thư của TSA", "no chain for the TSA certificate")
        }
        if let weak = chain.first(where: { !$0.publicKey.isStrongEnough }) {
            return .both(
                "khóa \(weak.publicKey) của \(weak.commonName ?? weak.subject)",
                "key \(weak.publicKey) of \(weak.commonName ?? weak.subject)")
        }
        let (crls, relevant, _) = candidateCRLs(for: chain, embedded: embedded, untrusted: pool)
        let found = validatePath(tsa, untrusted: pool, crls: crls, at: t, purpose: X509_PURPOSE_TIMESTAMP_SIGN)
        for (i, c) in chain.enumerated().dropLast() {
            let byOpenSSL = found.findings.first { $0.code == X509_V_ERR_CERT_REVOKED && $0.depth == i }?.date
            let byScan = earliestRevocation(of: c, issuer: chain[i + 1], crls: relevant, untrusted: pool)
            if let at = [byOpenSSL, byScan].compactMap({ $0 }).min() {
                return .both(
                    "chứng thư \(c.commonName ?? c.subject) của TSA bị thu hồi ngày \(HosoClock.format(at))",
                    "the TSA's certificate \(c.commonName ?? c.subject) was revoked on \(HosoClock.format(at))")
            }
        }
        for f in found.findings where !Self.judgedElsewhere.contains(f.code) {
            if f.code == X509_V_ERR_CRL_HAS_EXPIRED, policy.crlGracePeriod > 0,
                t.timeIntervalSince(f.date ?? .distantPast) <= policy.crlGracePeriod
            {
                continue
            }
            return .both("chuỗi chứng thư của TSA: OpenSSL: " + f.text, "the TSA's chain: OpenSSL: " + f.text)
        }
        return nil
    }

    /// 10. Long-term (`VerificationPolicy.longTerm`): the certificates that vouch for the signature (its chain, root
    ///     included, and its timestamp's chain) that have expired by `now` need an evidence record proving the
    ///     signature existed before the first of them expired, and still valid now.
    func checkLongTerm(
        _ s: SignedData.Signer, chain: [Certificate], untrusted: [Certificate], now: Date, evidence: EvidenceCheck?,
        into r: inout SignatureReport
    ) throws(VerificationStop) {
        var vouching = chain
        if let token = s.timestampToken {
            let value = s.signatureValue
            let outcome = cache.timestamp(token, value) {
                checkTimestamp(token, signature: value, roots: trust.roots, intermediates: untrusted)
            }
            if case .valid(_, let tsa, let carried) = outcome {
                vouching += cachedChain(tsa, untrusted: carried + untrusted) ?? [tsa]
            }
        }
        if let ev = evidence {
            r.evidence = .init(existedAt: ev.existedAt, validUntil: ev.validUntil, timestamps: ev.timestamps)
        }
        guard let first = vouching.filter({ $0.notAfter < now }).min(by: { $0.notAfter < $1.notAfter }) else { return }
        let who = first.commonName ?? first.subject
        let expiry = HosoClock.format(first.notAfter)
        guard let ev = evidence else {
            throw VerificationStop(
                .indeterminate, .noPOE,
                .both(
                    "chứng thư \(who) hết hạn ngày \(expiry) và không có hồ sơ bằng chứng nào cho chữ ký",
                    "the certificate \(who) expired on \(expiry) and no evidence record covers the signature"))
        }
        guard ev.indication == .passed, let at = ev.existedAt else {
            let why = ev.reason ?? .init(.both("hồ sơ bằng chứng không hợp lệ", "the evidence record is not valid"))
            throw VerificationStop(.indeterminate, .noPOE, .both(why.vi, why.en))
        }
        guard at <= first.notAfter else {
            throw VerificationStop(
                .indeterminate, .noPOE,
                .both(
                    "hồ sơ bằng chứng bắt đầu \(HosoClock.format(at)), sau khi chứng thư \(who) hết hạn ngày \(expiry)",
                    "the evidence record starts on \(HosoClock.format(at)), after the certificate \(who) expired on \(expiry)"))
        }
    }

    /// 9. Role: the record type's policy, when it has one, must list the role the signer claims.
    func checkRole(_ claimedRole: SignerRole?, recordType: String?) throws(VerificationStop) {
        if let recordType, let allowed = policy.rolesByRecordType[recordType] {
            guard let role = claimedRole, allowed.contains(role) else {
                throw VerificationStop(
                    .failed, .roleNotAuthorised,
                    .both(
                        "vai trò \(claimedRole?.rawValue ?? "(không có)") với \(recordType)",
                        "role \(claimedRole?.rawValue ?? "(none)") for \(recordType)"))
            }
        }
    }
}
