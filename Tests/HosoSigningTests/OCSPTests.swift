import Foundation
import HosoCore
import HosoTestSupport
import Testing

@testable import HosoSigning
@testable import HosoTransport

private let content = Array(#"{"body":{"marks":[9]},"recordType":"grade-book"}"#.utf8)

/// A PKI made with `openssl ca` whose leaves name an OCSP responder on loopback, and real `openssl ocsp` responders
/// answering from the CA's database: one with a good delegated responder certificate, one whose responder
/// certificate the CA revoked. The CA's own CRL is stale (2025), so where OCSP is refused the verdict shows it.
final class OCSPPKI: @unchecked Sendable {
    let ca: OpenSSLCA
    let port: Int
    var dir: String { ca.dir }

    static let shared: Result<OCSPPKI, any Error> = Result { try OCSPPKI() }

    private init() throws {
        let dir = try scratchDirectory("ocsp-pki")
        ca = try OpenSSLCA(in: dir, organization: "hoso OCSP test")
        port = try freeLoopbackPort()
        let extra = """
            [ leaf_ocsp_ext ]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature,nonRepudiation
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            authorityInfoAccess = OCSP;URI:http://127.0.0.1:\(port)/
            [ ocsp_responder_ext ]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = OCSPSigning
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid

            """
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/ca.cnf"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(extra.utf8))
        try handle.close()
        let (start, end) = ("20230101000000Z", "20330101000000Z")
        for db in ["root", "ca", "other"] { try ca.database(db) }
        // Serials of the other database never meet the CA's (both would start at 1000).
        try Data("9000\n".utf8).write(to: URL(fileURLWithPath: dir + "/other/serial"))
        try ca.issue("root", cn: "OCSP Test Root", ext: "root_ext", by: nil, start: start, end: end)
        try ca.issue("ca", cn: "OCSP Test CA", ext: "ca_ext", by: "root", start: start, end: end)
        try ca.issue("good", cn: "Good signer", ext: "leaf_ocsp_ext", by: "ca", start: start, end: end)
        try ca.issue("revoked", cn: "Revoked signer", ext: "leaf_ocsp_ext", by: "ca", start: start, end: end)
        // Issued by the CA's key but recorded in another database: the responder has never heard of it.
        try ca.issue("stranger", cn: "Unknown signer", ext: "leaf_ocsp_ext", by: "ca", start: start, end: end, database: "other")
        try ca.issue("responder", cn: "OCSP responder", ext: "ocsp_responder_ext", by: "ca", start: start, end: end)
        try ca.issue("badresponder", cn: "Revoked OCSP responder", ext: "ocsp_responder_ext", by: "ca", start: start, end: end)
        try ca.revoke("revoked", database: "ca", issuer: "ca")
        try ca.revoke("badresponder", database: "ca", issuer: "ca")
        try ca.crl(
            database: "root", cert: "root", key: "root", ext: "crl_plain", last: "20260101000000Z", next: "20360101000000Z", out: "crl-root"
        )
        try ca.crl(
            database: "ca", cert: "ca", key: "ca", ext: "crl_plain", last: "20250101000000Z", next: "20250201000000Z", out: "crl-ca-stale")
    }

    func cert(_ name: String) throws -> Certificate { try Certificate.load(file: "\(dir)/\(name).pem")[0] }
    func crl(_ name: String) throws -> CRL { try CRL.load(try Certificate.readFile("\(dir)/\(name).pem"))[0] }
    func identity(_ name: String) throws -> SigningIdentity {
        let key = try PrivateKey.load(pem: [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name).key"))))
        return SigningIdentity(key: key, certificate: try cert(name), chain: [try cert("ca")])
    }

    /// Runs `openssl ocsp` as a responder signing with `signer` on the PKI's port for the length of `body` (OpenSSL
    /// 3.0's `-port` takes a number only; the certificates name 127.0.0.1).
    func withResponder<T>(signer: String, _ body: () throws -> T) throws -> T {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: OpenSSLCA.openssl)
        p.arguments = [
            "ocsp", "-index", "ca/index.txt", "-port", "\(port)", "-rsigner", "\(signer).pem", "-rkey", "\(signer).key",
            "-CA", "ca.pem", "-ndays", "1",
        ]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let outPipe = Pipe()
        p.standardOutput = outPipe
        p.standardError = FileHandle.nullDevice
        try launch(p)
        defer {
            p.terminate()
            p.waitUntilExit()
        }
        // The responder says ACCEPT (on stdout) once it listens; a safety bound only, never a wait for time to pass.
        var said = Data()
        while !String(decoding: said, as: UTF8.self).contains("ACCEPT") {
            let chunk = outPipe.fileHandleForReading.availableData
            if chunk.isEmpty { throw FixtureError("openssl ocsp ended", output: String(decoding: said, as: UTF8.self)) }
            said.append(chunk)
        }
        return try body()
    }
}

/// A port free on 127.0.0.1 now (the kernel's choice for port 0).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw FixtureError("socket") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
        }
    }
    guard ok else { throw FixtureError("bind") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

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
