import COpenSSL
import Foundation
import HosoCore
import HosoTestSupport
import Testing

@testable import HosoSigning

/// The path validation cache (`SignatureVerifier.validatePath`): a result is reused for any time in the same window
/// between the dates of the certificates and CRLs, and never across one of those dates. On the openssl-made
/// `RevocationPKI` (certificates 2023–2033, "Revoked signer" revoked 2024-06-01, crl-ca 2025-05-01 to 2025-08-01).
@Suite struct PathCacheTests {
    func at(_ s: String) throws -> Date { try #require(HosoClock.parse(s)) }

    func setup() throws -> (SignatureVerifier, RevocationPKI) {
        let p = try RevocationPKI.shared.get()
        let v = SignatureVerifier(
            trust: TrustContext(roots: [try p.cert("root")], intermediates: [try p.cert("ca")], crls: []))
        return (v, p)
    }

    func codes(_ f: PathFindings) -> Set<Int32> { Set(f.findings.map(\.code)) }

    @Test func resultIsReusedInsideAWindowAndRecomputedAcrossItsEdge() throws {
        let (v, p) = try setup()
        let signer = try p.cert("signer")
        let pool = [try p.cert("ca")]
        let crls = [try p.crl("root"), try p.crl("ca")]
        func run(_ when: String) throws -> PathFindings {
            v.validatePath(signer, untrusted: pool, crls: crls, at: try at(when))
        }
        let first = try run("2025-06-01T00:00:00Z")
        #expect(first.findings.isEmpty, "\(first.findings.map(\.text))")
        #expect(v.cache.pathRuns.load(ordering: .relaxed) == 1)
        let second = try run("2025-07-15T12:34:56Z")
        #expect(second.findings.isEmpty)
        #expect(v.cache.pathRuns.load(ordering: .relaxed) == 1, "same window: the cached result")
        // After the CRLs' nextUpdate: a fresh run, and it finds them expired.
        let stale = try run("2025-09-01T00:00:00Z")
        #expect(v.cache.pathRuns.load(ordering: .relaxed) == 2)
        #expect(codes(stale).contains(X509_V_ERR_CRL_HAS_EXPIRED), "\(stale.findings.map(\.text))")
        // After the certificates' notAfter: a fresh run, and it finds the certificate expired.
        let late = try run("2033-06-01T00:00:00Z")
        #expect(v.cache.pathRuns.load(ordering: .relaxed) == 3)
        #expect(codes(late).contains(X509_V_ERR_CERT_HAS_EXPIRED), "\(late.findings.map(\.text))")
        // Back inside the first window: still cached, still clean.
        #expect(try run("2025-06-20T00:00:00Z").findings.isEmpty)
        #expect(v.cache.pathRuns.load(ordering: .relaxed) == 3)
    }

    @Test func aRevocationDateAndOtherInputsSplitTheCache() throws {
        let (v, p) = try setup()
        let revoked = try p.cert("revoked")
        let pool = [try p.cert("ca")]
        let crls = [try p.crl("root"), try p.crl("ca")]
        _ = v.validatePath(revoked, untrusted: pool, crls: crls, at: try at("2024-05-01T00:00:00Z"))
        let after = v.validatePath(revoked, untrusted: pool, crls: crls, at: try at("2024-07-01T00:00:00Z"))
        #expect(v.cache.pathRuns.load(ordering: .relaxed) == 2, "the revocation date is a window edge")
        #expect(codes(after).contains(X509_V_ERR_CERT_REVOKED), "\(after.findings.map(\.text))")
        let revokedAt = try #require(try p.crl("ca").revocationDate(of: revoked))
        let (before, later) = (try at("2024-05-01T00:00:00Z"), try at("2024-07-01T00:00:00Z"))
        #expect(revokedAt > before && revokedAt < later)
        _ = v.validatePath(revoked, untrusted: pool, crls: crls, at: try at("2024-07-15T00:00:00Z"))
        #expect(v.cache.pathRuns.load(ordering: .relaxed) == 2)
        // Another CRL set, another purpose, another leaf: never a hit.
        let noCRL = v.validatePath(revoked, untrusted: pool, crls: [try p.crl("root")], at: try at("2024-07-15T00:00:00Z"))
        #expect(v.cache.pathRuns.load(ordering: .relaxed) == 3)
        #expect(!codes(noCRL).contains(X509_V_ERR_CERT_REVOKED) && codes(noCRL).contains(X509_V_ERR_UNABLE_TO_GET_CRL))
        let asTSA = v.validatePath(
            revoked, untrusted: pool, crls: crls, at: try at("2024-07-15T00:00:00Z"), purpose: X509_PURPOSE_TIMESTAMP_SIGN)
        #expect(v.cache.pathRuns.load(ordering: .relaxed) == 4)
        #expect(codes(asTSA).contains(X509_V_ERR_INVALID_PURPOSE), "\(asTSA.findings.map(\.text))")
        _ = v.validatePath(try p.cert("signer"), untrusted: pool, crls: crls, at: try at("2024-07-15T00:00:00Z"))
        #expect(v.cache.pathRuns.load(ordering: .relaxed) == 5)
    }

    @Test func windowsCompareAlikeWithEveryBound() {
        let bounds: [Int64] = [100, 200, 300]
        #expect(SignatureVerifier.window(150, bounds) == SignatureVerifier.window(199, bounds))
        #expect(SignatureVerifier.window(200, bounds) != SignatureVerifier.window(199, bounds))
        #expect(SignatureVerifier.window(200, bounds) != SignatureVerifier.window(201, bounds))
        #expect(SignatureVerifier.window(50, bounds) == SignatureVerifier.window(-5, bounds))
        #expect(SignatureVerifier.window(301, bounds) != SignatureVerifier.window(299, bounds))
    }
}
