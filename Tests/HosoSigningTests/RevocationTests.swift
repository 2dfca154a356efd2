import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport
import Testing

@testable import HosoSigning

private let content = Array(#"{"body":{"marks":[7,8.5]},"recordType":"grade-book"}"#.utf8)
private let day: TimeInterval = 86400

/// RFC 5280 §6.3 / §5.2 CRL processing, certificate policies and the strict profile, one case per class (the classes
/// the NIST PKITS descriptions name), on the openssl-made `RevocationPKI`. Judged on 2025-06-01, signed the day before.
@Suite struct RevocationTests {
    let judgeAt = HosoClock.parse("2025-06-01T00:00:00Z")!
    var signedAt: Date { judgeAt - day }

    func pki() throws -> RevocationPKI { try RevocationPKI.shared.get() }

    func verifier(crls: [String], policy: VerificationPolicy = VerificationPolicy()) throws -> SignatureVerifier {
        let p = try pki()
        let cas = ["ca", "crlkey", "crlkeyweak", "canocrl", "caweak", "caexpl", "canoncrit"]
        return SignatureVerifier(
            trust: TrustContext(roots: [try p.cert("root")], intermediates: try cas.map(p.cert), crls: try crls.map(p.crl)),
            policy: policy, clock: .fixed(judgeAt))
    }

    func judge(
        _ signer: String, issuer: String = "ca", crls: [String], embedded: [String] = [], at: Date? = nil,
        policy: VerificationPolicy = VerificationPolicy(), timestamp: (signer: String, at: Date)? = nil
    ) throws -> SignatureReport {
        let p = try pki()
        let id = try p.identity(signer, issuer: issuer)
        var der = try CMSSigner.sign(
            content: content, identity: id, role: .subjectTeacher, at: at ?? signedAt, crls: try embedded.map(p.crl))
        if let timestamp {
            let tsa = try TimeStampAuthority(identity: try p.identity(timestamp.signer, issuer: "ca"), clock: .fixed(timestamp.at))
            let sd = try SignedData(der: der)
            der = try sd.addingTimestamp(try tsa.token(forDigest: SHA256.hash(sd.signers[0].signatureValue)))
        }
        let v = try verifier(crls: crls, policy: policy)
        return try #require(try v.verify(signature: der, content: content, recordType: "grade-book").first)
    }

    @Test func currentCRLsPassAndRevocationFails() throws {
        let ok = try judge("signer", crls: ["root", "ca"])
        #expect(ok.indication == .passed, "\(ok)")
        #expect(ok.revocation?.nextUpdate == HosoClock.parse("2025-08-01T00:00:00Z"))
        let revoked = try judge("revoked", crls: ["root", "ca"])
        #expect(revoked.indication == .failed && revoked.reason == .revoked, "\(revoked)")
    }

    /// The attack: a revoked signer embeds an old CRL of their CA (issued before the revocation, long past its
    /// nextUpdate) and claims a signing time inside it; the archive holds no newer CRL of that CA.
    @Test func expiredCRLReplayIsNeverPassed() throws {
        let claimed = HosoClock.parse("2024-01-15T00:00:00Z")!
        let r = try judge("revoked", crls: ["root"], embedded: ["ca-old"], at: claimed)
        #expect(r.indication == .indeterminate && r.reason == .revocationDataStale, "\(r)")
        // A grace period (at most 30 days) does not stretch to a CRL more than a year past its nextUpdate.
        let graced = try judge(
            "revoked", crls: ["root"], embedded: ["ca-old"], at: claimed,
            policy: VerificationPolicy(crlGracePeriod: 365 * day))
        #expect(graced.indication == .indeterminate && graced.reason == .revocationDataStale, "\(graced)")
        // Once the archive holds the current CRL, the revocation shows.
        let current = try judge("revoked", crls: ["root", "ca"], embedded: ["ca-old"], at: claimed)
        #expect(current.indication == .indeterminate && current.reason == .revokedNoPOE, "\(current)")
    }

    @Test func staleCRLIsIndeterminateUnlessWithinTheGracePeriod() throws {
        // crl-ca-lapsed's nextUpdate is 2025-05-25, a week before the judged time.
        let stale = try judge("signer", crls: ["root", "ca-lapsed"])
        #expect(stale.indication == .indeterminate && stale.reason == .revocationDataStale, "\(stale)")
        let short = try judge("signer", crls: ["root", "ca-lapsed"], policy: VerificationPolicy(crlGracePeriod: 3 * day))
        #expect(short.indication == .indeterminate && short.reason == .revocationDataStale, "\(short)")
        let graced = try judge("signer", crls: ["root", "ca-lapsed"], policy: VerificationPolicy(crlGracePeriod: 10 * day))
        #expect(graced.indication == .passed, "\(graced)")
        #expect(graced.revocation?.usedGracePeriod == true && graced.revocation?.gracePeriod == 10 * day, "\(graced)")
        #expect(graced.warnings.contains { $0.en.contains("grace period of 10 days") }, "\(graced.warnings)")
        #expect(VerificationPolicy(crlGracePeriod: 400 * day).crlGracePeriod == VerificationPolicy.maximumCRLGracePeriod)
    }

    @Test func crlWithUnknownCriticalExtensionIsNotUsed() throws {
        let r = try judge("signer", crls: ["root", "ca-critical"])
        #expect(r.indication == .indeterminate && r.reason == .noRevocationData, "\(r)")
        #expect(r.message.en.contains("critical CRL extension"), "\(r.message)")
    }

    @Test func deltaCRLAloneIsNotComplete() throws {
        let r = try judge("signer", crls: ["root", "ca-delta"])
        #expect(r.indication == .indeterminate && r.reason == .noRevocationData, "\(r)")
    }

    @Test func issuingDistributionPointScopeDecides() throws {
        let caOnly = try judge("signer", crls: ["root", "ca-onlyca"])
        #expect(caOnly.indication == .indeterminate && caOnly.reason == .noRevocationData, "\(caOnly)")
        let someReasons = try judge("signer", crls: ["root", "ca-reasons"])
        #expect(someReasons.indication == .indeterminate && someReasons.reason == .noRevocationData, "\(someReasons)")
        let otherPartition = try judge("signer", crls: ["root", "ca-part2"])
        #expect(otherPartition.indication == .indeterminate && otherPartition.reason == .noRevocationData, "\(otherPartition)")
        let userOnly = try judge("signer", crls: ["root", "ca-onlyuser"])
        #expect(userOnly.indication == .passed, "\(userOnly)")
        // A CRL of attribute certificates only is no evidence about a public-key certificate with the same serial.
        let attributeOnly = try judge("signer", crls: ["root", "ca", "ca-onlyattr"])
        #expect(attributeOnly.indication == .passed, "\(attributeOnly)")
    }

    @Test func crlSignerWithoutCRLSignIsNotUsed() throws {
        let r = try judge("nocrlsigner", issuer: "canocrl", crls: ["root", "canocrl"])
        #expect(r.indication == .indeterminate && r.reason == .noRevocationData, "\(r)")
        #expect(r.message.en.contains("CRL signing"), "\(r.message)")
    }

    @Test func crlFromASeparateCRLSigningKeyOfTheSameCAIsUsed() throws {
        let ok = try judge("signer", crls: ["root", "ca-bycrlkey"])
        #expect(ok.indication == .passed, "\(ok)")
        let revoked = try judge("revoked", crls: ["root", "ca-bycrlkey"])
        #expect(revoked.indication == .failed && revoked.reason == .revoked, "\(revoked)")
    }

    @Test func weakCAKeyFails() throws {
        let r = try judge("weaksigner", issuer: "caweak", crls: ["root", "caweak"])
        #expect(r.indication == .failed && r.reason == .weakAlgorithm, "\(r)")
        #expect(r.message.en.contains("RSA 1024"), "\(r.message)")
    }

    @Test func crlSignedByAWeakKeyIsNotUsed() throws {
        // A separate CRL signing key of the CA, certified by the root, but RSA 1024.
        let r = try judge("signer", crls: ["root", "ca-byweakkey"])
        #expect(r.indication == .indeterminate && r.reason == .noRevocationData, "\(r)")
        #expect(r.message.en.contains("RSA 1024") && r.message.en.contains("too weak"), "\(r.message)")
    }

    @Test func certificatePoliciesAreProcessed() throws {
        // The CA requires an explicit policy; a certificate without one fails whatever the initial set.
        let none = try judge("nopolicy", issuer: "caexpl", crls: ["root", "caexpl"])
        #expect(none.indication == .indeterminate && none.reason == .chainConstraintsFailure, "\(none)")
        let b = "1.3.6.1.4.1.59999.9.2"
        #expect(try judge("policyb", issuer: "caexpl", crls: ["root", "caexpl"]).indication == .passed)
        let accepted = try judge(
            "policyb", issuer: "caexpl", crls: ["root", "caexpl"], policy: VerificationPolicy(certificatePolicies: [b]))
        #expect(accepted.indication == .passed, "\(accepted)")
        let mismatch = try judge(
            "policyb", issuer: "caexpl", crls: ["root", "caexpl"],
            policy: VerificationPolicy(certificatePolicies: ["1.3.6.1.4.1.59999.9.1"]))
        #expect(mismatch.indication == .indeterminate && mismatch.reason == .chainConstraintsFailure, "\(mismatch)")
        // The default set (anyPolicy) accepts a certificate without policies under a CA that requires none.
        #expect(try judge("signer", crls: ["root", "ca"], policy: VerificationPolicy(certificatePolicies: [b])).indication != .passed)
    }

    @Test func strictX509ProfileIsEnforced() throws {
        let r = try judge("laxsigner", issuer: "canoncrit", crls: ["root", "canoncrit"])
        #expect(r.indication == .indeterminate && r.reason == .chainConstraintsFailure, "\(r)")
        #expect(r.message.en.contains("Basic Constraints"), "\(r.message)")
    }

    @Test func revokedTSACertificateMakesTheTimestampUntrusted() throws {
        let stampAt = HosoClock.parse("2025-01-01T00:00:00Z")!
        let good = try judge("signer", crls: ["root", "ca"], at: stampAt - 60, timestamp: ("tsa", stampAt))
        #expect(good.indication == .passed && good.timeProof == .timestamp, "\(good)")
        let bad = try judge("signer", crls: ["root", "ca"], at: stampAt - 60, timestamp: ("revokedtsa", stampAt))
        #expect(bad.indication == .indeterminate && bad.reason == .timestampUntrusted, "\(bad)")
        #expect(bad.message.en.contains("Revoked TSA"), "\(bad.message)")
        // Without a CRL for the TSA's CA the timestamp is not trusted either.
        let noData = try judge("signer", crls: ["root"], at: stampAt - 60, timestamp: ("tsa", stampAt))
        #expect(noData.indication == .indeterminate && noData.reason == .timestampUntrusted, "\(noData)")
    }
}
