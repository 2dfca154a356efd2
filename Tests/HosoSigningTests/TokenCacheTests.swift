import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport
import Testing

@testable import HosoSigning

/// Timestamp tokens read through a verifier (`SignatureVerifier.timestampToken`): the certificates a token carries
/// are split off and taken from the verifier's cache by their exact DER, so a TSA's certificates are decoded once.
/// A token that differs in anything — its certificates, its TSTInfo, its signature — must still be judged on its own.
@Suite struct TokenCacheTests {
    static let june2019 = TSATest.date("2019-06-01T10:00:00Z")

    /// `der` with one byte of `certificate`'s DER inside it changed: the last byte, inside the certificate's own
    /// signature value (an ECDSA s or an RSA signature), so it still parses but no longer carries its issuer's
    /// signature.
    func tamperingCertificate(_ certificate: Certificate, in der: [UInt8]) throws -> [UInt8] {
        let at = try #require(byteOffset(of: certificate.der, in: der))
        var out = der
        out[at + certificate.der.count - 1] ^= 0x01
        return out
    }

    @Test func carriedCertificatesComeFromTheCacheOnlyForTheSameBytes() throws {
        let pki = try TSATest.sharedPKI()
        let tsa = try TimeStampAuthority(identity: pki.identity(pki.tsa), clock: .fixed(Self.june2019))
        let v = SignatureVerifier(trust: TrustContext(roots: [pki.root.certificate]))
        let (d1, d2) = (SHA256.hash([1]), SHA256.hash([2]))
        let (first, second) = (try v.timestampToken(tsa.token(forDigest: d1)), try v.timestampToken(tsa.token(forDigest: d2)))
        let (tsa1, tsa2) = (try #require(first.tsaCertificate), try #require(second.tsaCertificate))
        #expect(tsa1 === tsa2, "the second token's TSA certificate is the cached one")
        #expect(tsa1 == pki.tsa.certificate && first.certificates.contains(pki.intermediate.certificate))
        // Read the ordinary way, the same token has the same certificates, in the same order.
        let plain = try TimeStampToken(der: first.der)
        #expect(plain.certificates == first.certificates && plain.tsaCertificate == first.tsaCertificate)
        #expect(first.verify(imprint: d1, trustedRoots: [pki.root.certificate]) == .valid(genTime: Self.june2019, tsa: tsa1))

        // The TSA certificate with one byte of its signature changed: not the cached one, and not trusted.
        let forgedCert = try v.timestampToken(tamperingCertificate(pki.tsa.certificate, in: first.der))
        let forgedTSA = try #require(forgedCert.tsaCertificate)
        #expect(forgedTSA !== tsa1 && forgedTSA != pki.tsa.certificate)
        #expect(forgedCert.verify(imprint: d1, trustedRoots: [pki.root.certificate]) == .untrustedTSA)
        // The intermediate changed instead: the TSA certificate is still the cached one, the chain is broken.
        let forgedCA = try v.timestampToken(tamperingCertificate(pki.intermediate.certificate, in: first.der))
        #expect(forgedCA.tsaCertificate === tsa1)
        #expect(forgedCA.verify(imprint: d1, trustedRoots: [pki.root.certificate]) == .untrustedTSA)
        // A genuine token still verifies after the forged ones were read through the same cache.
        #expect(second.verify(imprint: d2, trustedRoots: [pki.root.certificate]) == .valid(genTime: Self.june2019, tsa: tsa2))
    }

    @Test func aChangedTokenWithCachedCertificatesStillFails() throws {
        let pki = try TSATest.sharedPKI()
        let tsa = try TimeStampAuthority(identity: pki.identity(pki.tsa), clock: .fixed(Self.june2019))
        let v = SignatureVerifier(trust: TrustContext(roots: [pki.root.certificate]))
        let digest = SHA256.hash([7])
        let der = try tsa.token(forDigest: digest)
        #expect(try v.timestampToken(der).verify(imprint: digest, trustedRoots: [pki.root.certificate]) != .malformed)
        // genTime moved by a year inside the signed TSTInfo.
        var moved = der
        moved[try #require(byteOffset(of: Array("20190601".utf8), in: der)) + 3] = UInt8(ascii: "8")
        let early = try v.timestampToken(moved)
        #expect(early.genTime == TSATest.date("2018-06-01T10:00:00Z"))
        #expect(early.verify(imprint: digest, trustedRoots: [pki.root.certificate]) == .badSignature)
        // The TSA's signature value changed (the token's last byte).
        var flipped = der
        flipped[flipped.count - 1] ^= 0x01
        #expect(try v.timestampToken(flipped).verify(imprint: digest, trustedRoots: [pki.root.certificate]) == .badSignature)
        // Other data.
        #expect(try v.timestampToken(der).verify(imprint: SHA256.hash([8]), trustedRoots: [pki.root.certificate]) == .imprintMismatch)
    }

    /// The whole signature check, with one verifier (and so one cache) throughout.
    @Test func oneVerifierJudgesEachTokenOnItsOwn() throws {
        let fx = DemoPKIFixture.y2019
        let t0 = fx.now
        let content = Array(#"{"body":{"marks":[8.5,9]},"recordType":"grade-book"}"#.utf8)
        let v = fx.verifier(at: t0 + 60)
        func judge(_ der: [UInt8]) throws -> SignatureReport {
            try #require(try v.verify(signature: der, content: content, recordType: "grade-book").first)
        }
        let sd = try SignedData(der: try fx.sign("gv-van", content, at: t0))
        let value = SHA256.hash(sd.signers[0].signatureValue)
        let token = try fx.tsa(at: t0 + 5).token(forDigest: value)
        let good = try judge(try sd.addingTimestamp(token))
        #expect(good.indication == .passed && good.judgedAt == t0 + 5, "\(good)")
        // Another genuine token for the same signature, at another time: judged at its own time.
        let later = try judge(try sd.addingTimestamp(try fx.tsa(at: t0 + 20).token(forDigest: value)))
        #expect(later.indication == .passed && later.judgedAt == t0 + 20, "\(later)")
        // The same token with its TSA certificate's signature damaged: the TSA is not trusted.
        let tsaCert = try #require(try v.timestampToken(token).tsaCertificate)
        let badCert = try judge(try sd.addingTimestamp(try tamperingCertificate(tsaCert, in: token)))
        #expect(badCert.indication != .passed && badCert.reason == .timestampUntrusted, "\(badCert)")
        // The same token with the TSA's signature damaged.
        var forged = token
        forged[forged.count - 3] ^= 0x10
        let bad = try judge(try sd.addingTimestamp(forged))
        #expect(bad.indication == .failed && bad.reason == .timestampInvalid, "\(bad)")
        // And the genuine one again, after all of these went through the same caches.
        #expect(try judge(try sd.addingTimestamp(token)).indication == .passed)
    }
}
