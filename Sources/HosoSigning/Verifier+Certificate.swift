import Foundation
import HosoCore

extension SignatureVerifier {
    /// Judges a certificate on its own, as a signer's certificate is judged (chain to a trusted root, validity,
    /// revocation by the CRLs of every issuer below the root), at the time `at` the signature it made claims.
    /// Used for signatures that are not CMS (the raw ECDSA signature in a copy's QR code), whose certificate the
    /// verifier is handed separately and must not take on trust. `untrusted` are candidate intermediates.
    ///
    /// A revocation at or before `at` is FAILED REVOKED; the certificate outside its validity at `at` is FAILED
    /// EXPIRED / NOT_YET_VALID; no chain or no CRL is INDETERMINATE, as for CMS signatures.
    public func judgeCertificate(_ cert: Certificate, untrusted: [Certificate] = [], at: Date) -> SignatureReport {
        var r = SignatureReport(
            indication: .passed, reason: nil, message: .init(.both("Chứng thư hợp lệ", "The certificate is valid")),
            judgedAt: at, timeProof: .verificationTime, chain: [], warnings: [])
        r.signer = cert.commonName ?? cert.subject
        r.signerSubject = cert.subject
        r.signerCertificate = cert.fingerprint
        r.certificateAuthority = cert.issuerCommonName ?? cert.issuer
        r.certificateSerial = cert.serialHex
        r.certificateValidity = .init(notBefore: cert.notBefore, notAfter: cert.notAfter)
        do throws(VerificationStop) {
            try checkKeyUsage(cert)
            let pool = untrusted + trust.intermediates
            let chain = try checkChain(cert, untrusted: pool, into: &r)
            // The claimed time is `at` itself: outside the leaf's validity, or after its revocation, is FAILED.
            try checkValidity(chain, signer: cert, claimed: at, judgeAt: at)
            try checkPath(chain, signer: cert, untrusted: pool, embedded: [], claimed: at, judgeAt: at, into: &r)
            return r
        } catch {
            return error.finish(r)
        }
    }
}
