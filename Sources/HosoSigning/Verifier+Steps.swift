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
        _ s: SignedData.Signer, now: Date, untrusted: [Certificate],
        into r: inout SignatureReport
    ) throws(VerificationStop) -> Date {
        guard let tokenDER = s.timestampToken else { return now }
        let value = s.signatureValue
        let outcome = cache.timestamp(tokenDER, value) {
            Self.checkTimestamp(tokenDER, signature: value, roots: trust.roots, intermediates: untrusted)
        }
        let judgeAt: Date
        switch outcome {
        case .valid(let t, let tsa):
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

    /// 8. Revocation of every certificate below the root, from the latest CRL of its issuer.
    /// The trust context's CRLs per issuer are found once per verifier; embedded ones only when they are new.
    func checkRevocation(
        _ chain: [Certificate], signer cert: Certificate, embedded: [CRL], claimed: Date?, judgeAt: Date,
        into r: inout SignatureReport
    ) throws(VerificationStop) {
        let trusted = Set(trust.crls.map(\.fingerprint))
        let extraCRLs = embedded.filter { !trusted.contains($0.fingerprint) }
        for (i, c) in chain.enumerated().dropLast() {
            let issuer = chain[i + 1]
            let crls =
                cache.trustedCRLs(issuer) { trust.crls.filter { $0.isSigned(by: issuer) } }
                + extraCRLs.filter { crl in cache.crlSigned(crl, by: issuer) { crl.isSigned(by: issuer) } }
            guard let latest = crls.max(by: { $0.thisUpdate < $1.thisUpdate }) else {
                throw VerificationStop(
                    .indeterminate, .noRevocationData,
                    .both(
                        "không có CRL của \(issuer.commonName ?? issuer.subject)",
                        "no CRL from \(issuer.commonName ?? issuer.subject)"))
            }
            // Revoked in any authentic CRL counts, not only in the latest (a revocation is never undone).
            let revokedAt = crls.compactMap { $0.revocationDate(of: c) }.min()
            if c == cert {
                r.revocation = .init(
                    source: "crl", issuer: latest.issuer, thisUpdate: latest.thisUpdate,
                    nextUpdate: latest.nextUpdate, revokedAt: revokedAt)
            }
            if let revokedAt {
                if let claimed, claimed >= revokedAt {
                    throw VerificationStop(.failed, .revoked)
                }
                if revokedAt <= judgeAt {
                    throw r.timeProof == .timestamp ? VerificationStop(.failed, .revoked) : VerificationStop(.indeterminate, .revokedNoPOE)
                }
                r.warnings.append(
                    .init(
                        .both(
                            "Chứng thư số bị thu hồi ngày \(HosoClock.format(revokedAt)), sau thời điểm có dấu thời gian",
                            "The certificate was revoked on \(HosoClock.format(revokedAt)), after the timestamped time")))
            } else if let next = latest.nextUpdate, next < judgeAt, latest.thisUpdate < judgeAt {
                r.warnings.append(
                    .init(
                        .both(
                            "CRL mới nhất đã quá hạn cập nhật (\(HosoClock.format(next))); dùng vì đang ngoại tuyến",
                            "The latest CRL is past its next update (\(HosoClock.format(next))); used because offline")))
            }
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
