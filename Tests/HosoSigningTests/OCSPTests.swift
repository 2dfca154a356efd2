import Foundation
import HosoCore
import HosoTestSupport
import Testing

@testable import HosoSigning
@testable import HosoTransport

private let content = Array(#"{"body":{"marks":[9]},"recordType":"grade-book"}"#.utf8)

/// OCSP against real `openssl ocsp` responders on loopback: good, revoked and unknown certificates, and a delegated
/// responder whose own certificate is revoked. Serialized: the responders share one port (named in the certificates).
@Suite(.serialized) struct OCSPTests {
    func pki() throws -> OCSPPKI { try OCSPPKI.shared.get() }

    func verifier(_ p: OCSPPKI) throws -> SignatureVerifier {
        SignatureVerifier(
            trust: TrustContext(
                roots: [try p.cert("root")], intermediates: [try p.cert("ca")], crls: [try p.crl("crl-root"), try p.crl("crl-ca-stale")]))
    }

    func signed(_ p: OCSPPKI, _ name: String) throws -> [UInt8] {
        try CMSSigner.sign(content: content, identity: try p.identity(name), role: .subjectTeacher, at: Date())
    }

    @Test func leafNamesItsResponder() throws {
        let p = try pki()
        #expect(try p.cert("good").ocspURLs == ["http://127.0.0.1:\(p.port)/"])
        #expect(try p.cert("ca").ocspURLs.isEmpty)
    }

    @Test func goodCertificateIsPassedOnOCSPAloneAndPreferredOverAStaleCRL() throws {
        let p = try pki()
        let (good, ca) = (try p.cert("good"), try p.cert("ca"))
        let der = try p.withResponder(signer: "responder") { try OCSPClient.fetch(for: good, issuer: ca) }
        let resp = try OCSPResponse(der: der)
        #expect(resp.single(for: good, issuer: ca)?.status == .good)
        #expect(resp.signerProblem(issuer: ca, crls: [try p.crl("crl-ca-stale")]) == nil)
        let sig = try signed(p, "good")
        let without = try verifier(p).verify(signature: sig, content: content)[0]
        #expect(without.indication == .indeterminate)
        #expect(without.reason == .revocationDataStale)
        let with = try verifier(p).verify(signature: sig, content: content, validation: ValidationData(ocsp: [resp]))[0]
        #expect(with.indication == .passed, "\(with.message.en)")
        #expect(with.revocation?.source == "ocsp")
    }

    @Test func revokedCertificateFails() throws {
        let p = try pki()
        let (cert, ca) = (try p.cert("revoked"), try p.cert("ca"))
        let der = try p.withResponder(signer: "responder") { try OCSPClient.fetch(for: cert, issuer: ca) }
        let resp = try OCSPResponse(der: der)
        guard case .revoked = resp.single(for: cert, issuer: ca)?.status else {
            Issue.record("expected revoked, got \(String(describing: resp.single(for: cert, issuer: ca)))")
            return
        }
        let r = try verifier(p).verify(signature: try signed(p, "revoked"), content: content, validation: ValidationData(ocsp: [resp]))[0]
        #expect(r.indication == .failed)
        #expect(r.reason == .revoked)
    }

    @Test func unknownCertificateIsNotPassed() throws {
        let p = try pki()
        let (cert, ca) = (try p.cert("stranger"), try p.cert("ca"))
        let der = try p.withResponder(signer: "responder") { try OCSPClient.fetch(for: cert, issuer: ca) }
        let resp = try OCSPResponse(der: der)
        #expect(resp.single(for: cert, issuer: ca)?.status == .unknown)
        let r = try verifier(p).verify(signature: try signed(p, "stranger"), content: content, validation: ValidationData(ocsp: [resp]))[0]
        #expect(r.indication == .indeterminate)
        #expect(r.indication != .passed)
    }

    @Test func responderWhoseCertificateIsRevokedIsRefused() throws {
        let p = try pki()
        let (good, ca, crl) = (try p.cert("good"), try p.cert("ca"), try p.crl("crl-ca-stale"))
        // The client refuses it when it knows the CA's CRL…
        let err = #expect(throws: HosoError.self) {
            try p.withResponder(signer: "badresponder") { try OCSPClient.fetch(for: good, issuer: ca, crls: [crl]) }
        }
        #expect(err?.code == .badOCSPResponse)
        // …and the verifier does not count such a response: the stale CRL decides, so not PASSED.
        let req = try OCSPClient.request(for: good, issuer: ca)
        let raw = try p.withResponder(signer: "badresponder") {
            try HTTPPost.send(
                URL(string: "http://127.0.0.1:\(p.port)/")!, body: req.der, headers: [("Content-Type", "application/ocsp-request")],
                timeout: 15
            ).body
        }
        let resp = try OCSPResponse(der: raw)
        #expect(resp.single(for: good, issuer: ca)?.status == .good)
        #expect(resp.signerProblem(issuer: ca, crls: [crl]) != nil)
        let r = try verifier(p).verify(signature: try signed(p, "good"), content: content, validation: ValidationData(ocsp: [resp]))[0]
        #expect(r.indication != .passed)
        #expect(r.reason == .revocationDataStale)
    }

    @Test func garbageIsABadResponseNotACrash() throws {
        #expect(throws: HosoError.self) { try OCSPResponse(der: [0x30, 0x03, 0x0a, 0x01, 0x00]) }
        #expect(throws: HosoError.self) { try OCSPResponse(der: Array(repeating: 0x30, count: 64)) }
        // tryLater (3): not successful.
        let err = #expect(throws: HosoError.self) { try OCSPResponse(der: [0x30, 0x03, 0x0a, 0x01, 0x03]) }
        #expect(err?.code == .badOCSPResponse)
    }
}
