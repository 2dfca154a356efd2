import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport
import Testing

@testable import HosoSigning

@Suite struct CMSTests {
    static let content = Array(#"{"type":"grade-book","body":{"mark":"8,5 — Nguyễn Văn An"}}"#.utf8)

    @Test(arguments: ["rsa", "ec"])
    func signaturesVerifyWithOpenSSLCAdES(_ name: String) throws {
        let fx = try OpenSSLFixture()
        let id = try fx.identity(name)
        let time = Date(timeIntervalSince1970: TimeInterval(Int(Date().timeIntervalSince1970)))
        let der = try CMSSigner.sign(content: Self.content, identity: id, role: .subjectTeacher, at: time)
        try Data(der).write(to: URL(fileURLWithPath: "\(fx.dir)/sig.p7s"))
        try Data(Self.content).write(to: URL(fileURLWithPath: "\(fx.dir)/content.json"))
        let r = try shell(
            "openssl cms -verify -cades -binary -inform DER -in sig.p7s -content content.json -CAfile root.pem -out /dev/null",
            in: fx.dir)
        #expect(r.status == 0, "\(r.output)")
        let text = try shell("openssl cms -cmsout -print -inform DER -in sig.p7s", in: fx.dir).output
        if name == "rsa" { #expect(text.contains("rsassaPss")) } else { #expect(text.contains("ecdsa-with-SHA256")) }
        #expect(text.contains("id-smime-aa-signingCertificateV2"))

        let parsed = try SignedData(der: der)
        #expect(parsed.isDetached)
        let s = try #require(parsed.signers.first)
        #expect(s.certificate == id.certificate)
        #expect(s.role == .subjectTeacher)
        #expect(s.signingTime == time)
        #expect(s.essMatches(id.certificate) == true)
        #expect(s.signatureIsValid())
        #expect(s.contentMatches(Self.content))
        #expect(!s.contentMatches(Self.content + [0x20]))
        #expect(s.messageDigest == SHA256.hash(Self.content))
    }

    @Test func tamperedContentFailsWithOpenSSLToo() throws {
        let fx = try OpenSSLFixture()
        let der = try CMSSigner.sign(content: Self.content, identity: try fx.identity("ec"), role: nil, at: Date())
        try Data(der).write(to: URL(fileURLWithPath: "\(fx.dir)/sig.p7s"))
        var bad = Self.content
        bad[10] ^= 1
        try Data(bad).write(to: URL(fileURLWithPath: "\(fx.dir)/content.json"))
        let r = try shell(
            "openssl cms -verify -cades -binary -inform DER -in sig.p7s -content content.json -CAfile root.pem -out /dev/null",
            in: fx.dir)
        #expect(r.status != 0)
        #expect(try SignedData(der: der).signers[0].role == nil)
    }

    @Test func weakOrUnusableKeysAreRefused() throws {
        let fx = try OpenSSLFixture()
        #expect(throws: HosoError(.weakAlgorithm, .both("", ""))) {
            _ = try CMSSigner.sign(content: Self.content, identity: try fx.identity("rsa1024"), role: nil, at: Date())
        }
        #expect(throws: HosoError(.certificateNotUsable, .both("", ""))) {
            _ = try CMSSigner.sign(content: Self.content, identity: try fx.identity("wrongusage"), role: nil, at: Date())
        }
        #expect(throws: HosoError(.certificateNotUsable, .both("", ""))) {
            _ = try CMSSigner.sign(
                content: Self.content, identity: try fx.identity("ec"), role: nil,
                at: Date().addingTimeInterval(3 * 365 * 86400))
        }
        var mixed = try fx.identity("ec")
        mixed.certificate = try fx.identity("rsa").certificate
        #expect(throws: HosoError(.keyCertMismatch, .both("", ""))) {
            _ = try CMSSigner.sign(content: Self.content, identity: mixed, role: nil, at: Date())
        }
        #expect(throws: HosoError(.badPassword, .both("", ""))) {
            _ = try PKCS12.open([UInt8](FileManager.default.contents(atPath: "\(fx.dir)/ec.p12")!), password: "nope")
        }
    }

    @Test func roleAttributeRoundTrips() throws {
        for role in SignerRole.allCases {
            #expect(CMSSigner.role(fromAttributeValue: CMSSigner.roleAttributeValue(role)) == role)
        }
    }

    /// A certificate with the real signer's issuer name and serial (from a look-alike CA) placed first among the
    /// embedded certificates matches the SignerIdentifier too: signing-certificate-v2 decides who signed, so the
    /// report names the real signer and the signature still verifies.
    @Test func aLookAlikeCertificatePlacedFirstDoesNotChangeTheReportedSigner() throws {
        let fx = try OpenSSLFixture()
        let real = try fx.identity("ec")
        let serial = real.certificate.serialHex
        let made = try shell(
            """
            set -e
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout fake-root.key -out fake-root.pem \
              -subj '/CN=Fixture Root' -days 3650 -addext 'basicConstraints=critical,CA:true' -addext 'keyUsage=critical,keyCertSign,cRLSign'
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout la.key -out la.csr -subj '/CN=Kẻ Mạo Danh' -utf8
            openssl x509 -req -in la.csr -CA fake-root.pem -CAkey fake-root.key -set_serial 0x\(serial) -days 365 \
              -extfile ext.cnf -extensions signer -out la.pem
            """, in: fx.dir)
        try #require(made.status == 0, "\(made.output)")
        let lookAlike = try Certificate.load(file: fx.dir + "/la.pem")[0]
        #expect(lookAlike.serialHex == serial && lookAlike.issuer == real.certificate.issuer)
        let der = try CMSSigner.sign(content: Self.content, identity: real, role: nil, at: Date())
        // ContentInfo { oid, [0] { SignedData { version, digests, encap, [0] certificates, …, signerInfos } } }:
        // the look-alike goes in front of the certificates.
        let (info, _) = try DER.parse(der[...])
        let parts = try info.children
        let signedData = try parts[1].children[0]
        var fields = [UInt8]()
        for f in try signedData.children {
            fields += f.tag == 0xA0 ? DER.encode(tag: 0xA0, lookAlike.der + Array(f.content)) : DER.encode(tag: f.tag, Array(f.content))
        }
        let rebuilt = DER.sequence(DER.encode(tag: parts[0].tag, Array(parts[0].content)), DER.encode(tag: 0xA0, DER.sequence(fields)))
        let sd = try SignedData(der: rebuilt)
        #expect(sd.certificates.first == lookAlike, "the look-alike is first")
        #expect(sd.signers[0].certificate == real.certificate)
        let report = try SignatureVerifier(trust: TrustContext(roots: [try fx.root()]), clock: .fixed(Date() + 60))
            .verify(signature: rebuilt, content: Self.content)[0]
        #expect(report.signer == "ec" && report.signerCertificate == real.certificate.fingerprint, "\(report.signer ?? "")")
        #expect(report.reason != .sigCryptoFailure && report.reason != .noSigningCertificateFound, "\(report.reason.map(\.rawValue) ?? "")")
    }

}

/// Registering an OID from many threads at once (the first signatures of a busy server): every thread gets the same
/// real NID. Before the fix, the losers of the race cached NID_undef and every later signature failed.
@Test func anOIDRegisteredFromManyThreadsAtOnceGetsOneNID() {
    let oid = "1.3.6.1.4.1.57264.\(UInt32.random(in: 1...UInt32.max)).\(UInt32.random(in: 1...UInt32.max))"
    let got = Locked([Int32]())
    DispatchQueue.concurrentPerform(iterations: 16) { _ in
        let n = OpenSSL.nid(oid)
        got.withLock { $0.append(n) }
    }
    let nids = got.value
    #expect(nids.count == 16 && Set(nids).count == 1 && nids[0] != 0, "\(nids)")
    #expect(OpenSSL.nid(oid) == nids[0])
}
