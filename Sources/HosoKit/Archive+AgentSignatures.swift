import Foundation
import HosoCore
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoTransport

extension HosoError.Code {
    /// A signature sent back by a signing agent does not cover the revision it was sent for, or does not verify.
    public static let signatureRejected = Self("SIGNATURE_REJECTED", .badInput)
}

/// Signatures made away from the archive: the teacher's signing agent (`hoso agent`) holds the key on a USB token,
/// signs the revision's canonical bytes there and sends back only the CMS. Each one is checked as strictly as one made
/// here (`sign`): over exactly the revision it was sent for, mathematically valid, the certificate valid and not
/// revoked now, its holder entitled to sign this record in this role today and, when the account is linked to a
/// person, that person's own certificate.
extension Archive {
    /// The largest signature accepted from outside (a CAdES-BES with a chain and a CRL is a few KiB).
    public static let maxUploadedSignature = 256 * 1024

    /// Checks and stores `der`, a detached CAdES signature over `revision` in `role`. `person`: the person record the
    /// signer's account is linked to (nil for an unlinked account in an archive without people). With a timestamp
    /// source the stored signature is timestamped here (CAdES-T), as the web's own signatures are.
    public func acceptSignature(
        _ der: [UInt8], revision revId: ObjectID, role: SignerRole, person: String?, timestamp: TimestampSource? = nil
    ) throws -> SignOutcome {
        func rejected(_ vi: String, _ en: String, cause: String? = nil) -> HosoError {
            HosoError(.signatureRejected, .both(vi, en), location: revId.hex, cause: cause)
        }
        guard der.count <= Self.maxUploadedSignature else {
            throw rejected("Chữ ký quá lớn", "The signature is too large", cause: "\(der.count) bytes")
        }
        let row = try Self.signatureRow(id: nil, der: der, source: "signature")
        guard row.revisionId == revId.hex else {
            throw rejected("Chữ ký không phủ đúng bản hồ sơ đã gửi đi ký", "The signature does not cover the revision sent for signing")
        }
        let (_, rev) = try targetRevision(revId.hex)
        let content = try store.read(revId)
        let sd = try SignedData(der: der, source: "signature")
        let signer = sd.signers[0]
        guard let cert = signer.certificate, signer.contentMatches(content), signer.signatureIsValid(),
            signer.essMatches(cert) != false
        else {
            throw rejected(
                "Chữ ký không hợp lệ (đã bị sửa hoặc không khớp chứng thư)",
                "The signature is not valid (altered, or not its certificate's)")
        }
        guard signer.role == role else {
            throw rejected(
                "Chữ ký không mang vai trò \(role.title.vi)", "The signature does not carry the role \(role.title.en)",
                cause: signer.role?.rawValue ?? "no role")
        }
        try checkCertificateNow(cert, chain: sd.certificates.filter { $0 != cert })
        switch try entitlement(certificate: cert.fingerprint, role: role, for: rev, at: clock.now()) {
        case .refused(_, let why):
            throw HosoError(
                .signerNotEntitled, .both("Không nhận chữ ký: " + why.vi, "Signature refused: " + why.en),
                location: cert.commonName ?? cert.subject)
        case .entitled(let holder) where person != nil && holder.record != person:
            throw HosoError(
                .signerNotEntitled,
                .both(
                    "Chứng thư số này của \(holder.fullName), không phải của người dùng tài khoản này",
                    "This certificate is \(holder.fullName)'s, not the account holder's"),
                location: cert.commonName ?? cert.subject)
        case .entitled, .notApplicable, .notRecorded:
            break
        }
        var stored = der
        if let timestamp {
            stored = try sd.addingTimestamp(try timestamp.token(forSignatureValue: signer.signatureValue))
        }
        let sigId = try storeSignature(stored, source: "signature")
        storeOCSPEvidence(for: cert, issuer: sd.certificates.first { $0 != cert && cert.isIssued(by: $0) }, crls: sd.crls)
        return SignOutcome(
            signature: sigId.hex, revision: revId.hex, record: rev.recordId, recordType: rev.recordType,
            signer: cert.commonName ?? cert.subject, role: role.rawValue, signingTime: signer.signingTime ?? clock.now(),
            timestamped: timestamp != nil)
    }

    /// The certificate as signing judges it now: within its validity and not failed by the archive's trust (revoked,
    /// wrong purpose, broken chain).
    func checkCertificateNow(_ cert: Certificate, chain: [Certificate]) throws {
        let now = clock.now()
        let who = cert.commonName ?? cert.subject
        guard cert.notBefore <= now, now <= cert.notAfter else {
            throw HosoError(
                .signingCertificateNotValid,
                .both("Chứng thư số không còn (hoặc chưa) có hiệu lực", "The certificate is not valid now"), location: who)
        }
        let judged = SignatureVerifier(trust: try trustContext(), clock: clock).judgeCertificate(cert, untrusted: chain, at: now)
        guard judged.indication != .failed else {
            throw HosoError(
                judged.reason == .revoked ? .signingCertificateRevoked : .signingCertificateNotValid,
                .both(judged.message.vi, judged.message.en), location: who)
        }
    }
}
