import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport
import Testing

@testable import HosoSigning

/// The verifier tests' demo PKIs, made "at" a fixed time in a scratch directory, and signing with them.
extension DemoPKIFixture {
    convenience init(at now: Date) throws {
        try self.init(in: try scratchDirectory("pki") + "/pki", now: now)
    }

    /// Signs `content`, optionally with a timestamp made at `stampedAt`.
    func sign(
        _ name: String, _ content: [UInt8], at time: Date, role: SignerRole = .subjectTeacher,
        stampedAt: Date? = nil
    ) throws -> [UInt8] {
        let der = try CMSSigner.sign(content: content, identity: try identity(name), role: role, at: time)
        guard let stampedAt else { return der }
        let sd = try SignedData(der: der)
        return try sd.addingTimestamp(try tsa(at: stampedAt).token(forDigest: SHA256.hash(sd.signers[0].signatureValue)))
    }

    static let y2019 = try! DemoPKIFixture(at: HosoClock.parse("2019-06-01T08:00:00Z")!)
}

private let day: TimeInterval = 86400
private let content = Array(#"{"body":{"marks":[8.5,9,7.25]},"recordType":"grade-book"}"#.utf8)

@Suite struct VerifierTests {
    let fx = DemoPKIFixture.y2019
    var t0: Date { fx.now }

    func judge(
        _ der: [UInt8], at time: Date, data: [UInt8] = content, recordType: String? = "grade-book",
        verifier: SignatureVerifier? = nil, fixture: DemoPKIFixture? = nil
    ) throws -> SignatureReport {
        let v = verifier ?? (fixture ?? fx).verifier(at: time)
        return try #require(try v.verify(signature: der, content: data, recordType: recordType).first)
    }

    @Test func passesWithAndWithoutTimestamp() throws {
        let plain = try judge(try fx.sign("gv-toan", content, at: t0), at: t0 + 60)
        #expect(plain.indication == .passed, "\(plain)")
        #expect(plain.timeProof == .verificationTime)
        #expect(plain.signer == fx.manifest.identity("gv-toan")?.commonName)
        #expect(plain.role == .subjectTeacher)
        #expect(plain.revocation != nil && plain.revocation?.revokedAt == nil)
        let stamped = try judge(try fx.sign("gv-van", content, at: t0, stampedAt: t0 + 30), at: t0 + 60)
        #expect(stamped.indication == .passed, "\(stamped)")
        #expect(stamped.timeProof == .timestamp)
        #expect(stamped.judgedAt == t0 + 30)
    }

    @Test func tamperedContentIsHashFailure() throws {
        var bad = content
        bad[bad.count - 5] ^= 0x01
        let r = try judge(try fx.sign("gv-toan", content, at: t0), at: t0, data: bad)
        #expect(r.indication == .failed && r.reason == .hashFailure)
    }

    @Test func damagedSignatureValueIsSigCryptoFailure() throws {
        let der = try fx.sign("gv-van", content, at: t0)
        let sig = try SignedData(der: der).signers[0].signatureValue
        var bytes = der
        let at = try #require(byteOffset(of: sig, in: bytes))
        bytes[at + sig.count / 2] ^= 0x55
        let r = try judge(bytes, at: t0)
        #expect(r.indication == .failed && r.reason == .sigCryptoFailure, "\(r)")
    }

    @Test func swappedCertificateIsNotTheSigningCertificate() throws {
        // An attacker's CA with the same names issues a certificate with the same issuer and serial but its own key,
        // and puts it in place of the real one.
        let der = try fx.sign("gv-van", content, at: t0)
        let real = try fx.identity("gv-van").certificate
        let forged = try forgedTwin(of: real)
        #expect(forged.issuer == real.issuer && forged.serialHex == real.serialHex && forged != real)
        let swapped = try replaceCertificates(in: der, with: [forged])
        let r = try judge(swapped, at: t0)
        #expect(r.indication == .indeterminate && r.reason == .noSigningCertificateFound, "\(r)")
    }

    @Test func revokedBeforeSigningFails() throws {
        // gv-bi-thu-hoi was revoked 10 days before the PKI's "now"; it signs and is timestamped now.
        let r = try judge(try fx.sign("gv-bi-thu-hoi", content, at: t0, stampedAt: t0 + 60), at: t0 + 120)
        #expect(r.indication == .failed && r.reason == .revoked, "\(r)")
    }

    @Test func revokedAfterATimestampedSigningStillPasses() throws {
        let before = t0 - 20 * day
        let r = try judge(try fx.sign("gv-bi-thu-hoi", content, at: before, stampedAt: before + 60), at: t0 + 120)
        #expect(r.indication == .passed, "\(r)")
        #expect(r.revocation?.revokedAt != nil)
        #expect(!r.warnings.isEmpty)
    }

    @Test func revokedWithoutTimestampHasNoProofOfExistence() throws {
        let r = try judge(try fx.sign("gv-bi-thu-hoi", content, at: t0 - 20 * day), at: t0 + 120)
        #expect(r.indication == .indeterminate && r.reason == .revokedNoPOE, "\(r)")
    }

    @Test func expiredCertificate() throws {
        let expired = try #require(fx.manifest.identity("gv-het-han"))
        let notAfter = try #require(HosoClock.parse(expired.notAfter))
        // Signed while valid, timestamped then: still PASSED long after expiry.
        let inTime = try judge(try fx.sign("gv-het-han", content, at: notAfter - 30 * day, stampedAt: notAfter - 29 * day), at: t0)
        #expect(inTime.indication == .passed, "\(inTime)")
        // Signed while valid but nothing proves when: INDETERMINATE once it has expired.
        let noProof = try judge(try fx.sign("gv-het-han", content, at: notAfter - 30 * day), at: t0)
        #expect(noProof.indication == .indeterminate && noProof.reason == .expired, "\(noProof)")
        // Signed after expiry (by a tool that did not refuse), timestamped after expiry: FAILED.
        let late = try openSSLSign("gv-het-han", extra: "")
        let sd = try SignedData(der: late)
        let stamped = try sd.addingTimestamp(
            try Self.today.tsa(at: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))).token(
                forDigest: SHA256.hash(sd.signers[0].signatureValue)))
        let lateReport = try judge(stamped, at: Date() + 60, fixture: Self.today)
        #expect(lateReport.indication == .failed && lateReport.reason == .expired, "\(lateReport)")
    }

    @Test func wrongKeyUsage() throws {
        #expect(throws: HosoError(.certificateNotUsable, .both("", ""))) {
            _ = try fx.sign("sai-muc-dich", content, at: t0)
        }
        let der = try openSSLSign("sai-muc-dich", extra: "-keyopt rsa_padding_mode:pss")
        let r = try judge(der, at: Date() + 60, fixture: Self.today)
        #expect(r.indication == .failed && r.reason == .wrongKeyUsage, "\(r)")
    }

    @Test func untrustedRoot() throws {
        let der = try fx.sign("gv-toan", content, at: t0)
        let onlyOther = fx.roots.filter { $0.commonName?.contains("NEAC") == true }
        #expect(onlyOther.count == 1)
        let r = try judge(der, at: t0, verifier: fx.verifier(at: t0, roots: onlyOther))
        #expect(r.indication == .indeterminate && r.reason == .noCertificateChainFound, "\(r)")
    }

    @Test func weakAlgorithms() throws {
        let later = Date() + 60
        let sha1 = try openSSLSign("gv-van", extra: "-md sha1")
        let r1 = try judge(sha1, at: later, fixture: Self.today)
        #expect(r1.indication == .failed && r1.reason == .weakAlgorithm, "\(r1)")
        let pkcs1 = try openSSLSign("gv-toan", extra: "")
        let r2 = try judge(pkcs1, at: later, fixture: Self.today)
        #expect(r2.indication == .failed && r2.reason == .weakAlgorithm, "\(r2)")
        let t = Self.today
        let lenient = SignatureVerifier(
            trust: TrustContext(roots: t.roots, intermediates: t.intermediates, crls: t.crls),
            policy: VerificationPolicy(allowPKCS1v15: true), clock: .fixed(later))
        let r3 = try judge(pkcs1, at: later, recordType: nil, verifier: lenient)
        #expect(r3.indication == .passed, "\(r3)")
    }

    @Test func noCRLIsNeverPassed() throws {
        let plain = try judge(try fx.sign("gv-toan", content, at: t0), at: t0 + 60, verifier: fx.verifier(at: t0 + 60, crls: []))
        #expect(plain.indication == .indeterminate && plain.reason == .noRevocationData, "\(plain)")
        // Timestamped: the TSA's chain cannot be checked for revocation either, so the timestamp proves nothing.
        let der = try fx.sign("gv-toan", content, at: t0, stampedAt: t0 + 10)
        let r = try judge(der, at: t0 + 60, verifier: fx.verifier(at: t0 + 60, crls: []))
        #expect(r.indication == .indeterminate && r.reason == .timestampUntrusted, "\(r)")
        #expect(r.message.en.contains("TSA"), "\(r.message)")
    }

    @Test func forgedAndMismatchedTimestamps() throws {
        let der = try fx.sign("gv-van", content, at: t0)
        let sd = try SignedData(der: der)
        var token = try fx.tsa(at: t0 + 5).token(forDigest: SHA256.hash(sd.signers[0].signatureValue))
        // Forged: flip a byte near the end (the TSA's signature value).
        token[token.count - 3] ^= 0x10
        let forged = try judge(try sd.addingTimestamp(token), at: t0 + 60)
        #expect(forged.indication == .failed && forged.reason == .timestampInvalid, "\(forged)")
        // Mismatched: a genuine token, but for another signature.
        let other = try fx.tsa(at: t0 + 5).token(forDigest: SHA256.hash(Array("another signature".utf8)))
        let mismatched = try judge(try sd.addingTimestamp(other), at: t0 + 60)
        #expect(mismatched.indication == .failed && mismatched.reason == .timestampMismatch, "\(mismatched)")
    }

    @Test func roleMustBeAllowedForTheRecordType() throws {
        let der = try fx.sign("hieu-truong", content, at: t0, role: .principal)
        #expect(try judge(der, at: t0, recordType: "transcript").indication == .passed)
        let r = try judge(der, at: t0, recordType: "ledger")
        #expect(r.indication == .failed && r.reason == .roleNotAuthorised, "\(r)")
    }

    @Test func timeTravelSignedIn2019VerifiedIn2031() throws {
        let y2031 = try #require(HosoClock.parse("2031-03-01T00:00:00Z"))
        let stamped = try judge(try fx.sign("gv-toan", content, at: t0, stampedAt: t0 + 60), at: y2031)
        #expect(stamped.indication == .passed, "\(stamped)")
        #expect(stamped.judgedAt == t0 + 60 && stamped.timeProof == .timestamp)
        let bare = try judge(try fx.sign("gv-toan", content, at: t0), at: y2031)
        #expect(bare.indication == .indeterminate && bare.reason == .expired, "\(bare)")
    }

    @Test func ourSignaturesPassOpenSSLAndPyHanko() throws {
        let dir = try scratchDirectory("crosscheck")
        try Data(content).write(to: URL(fileURLWithPath: "\(dir)/content.json"))
        let python = pythonTool("python")
        let tool = repoRoot + "/tools/pyhanko-verify-detached"
        try #require(FileManager.default.fileExists(atPath: python), "run tools/setup --pyhanko (make test does)")
        let cases: [(String, Bool)] = [("gv-toan", false), ("gv-van", true), ("hieu-truong", true)]
        for (name, stamped) in cases {
            let now = Date()
            // A PKI made today, so openssl (which checks at the current time) sees valid certificates.
            let der = try Self.today.sign(name, content, at: now, stampedAt: stamped ? now : nil)
            try Data(der).write(to: URL(fileURLWithPath: "\(dir)/\(name).p7s"))
            let todayRoots = Self.today.manifest.roots.map { Self.today.path($0.certificate) }
            try shell("cat \(todayRoots.joined(separator: " ")) > roots.pem", in: dir)
            let o = try shell(
                "openssl cms -verify -cades -binary -inform DER -in \(name).p7s -content content.json -CAfile roots.pem -out /dev/null",
                in: dir)
            #expect(o.status == 0, "openssl \(name): \(o.output)")
            let todayCRLs = Self.today.manifest.crls.map { "--crl \(Self.today.path($0.pem))" }.joined(separator: " ")
            let p = try shell(
                "\(python) \(tool) content.json \(name).p7s \(todayRoots.map { "--root \($0)" }.joined(separator: " ")) \(todayCRLs)",
                in: dir)
            #expect(p.status == 0, "pyHanko \(name): \(p.output)")
            #expect(p.output.contains("\"intact\": true") && p.output.contains("\"valid\": true"))
            if stamped { #expect(!p.output.contains("\"timestamp\": null"), "pyHanko sees the timestamp: \(p.output)") }
        }
    }

    static let today = try! DemoPKIFixture(at: Date().addingTimeInterval(-3600))

    // MARK: helpers

    /// A detached CAdES signature made by the openssl command line (which does not refuse what hoso refuses),
    /// signed now, with today's PKI.
    func openSSLSign(_ name: String, extra: String) throws -> [UInt8] {
        let fx = Self.today
        let dir = try scratchDirectory("ossl")
        try Data(content).write(to: URL(fileURLWithPath: "\(dir)/content.json"))
        let id = try #require(fx.manifest.identity(name))
        let r = try shell(
            """
            openssl cms -sign -binary -cades -nosmimecap -in content.json -signer \(fx.path(id.files.certificate)) \
              -inkey \(fx.path(id.files.key)) -outform DER -out sig.p7s \(extra)
            """, in: dir)
        try #require(r.status == 0, "\(r.output)")
        return [UInt8](FileManager.default.contents(atPath: "\(dir)/sig.p7s")!)
    }

    /// A certificate with the same issuer name and serial as `real`, signed by a look-alike CA with another key.
    func forgedTwin(of real: Certificate) throws -> Certificate {
        let dir = try scratchDirectory("forge")
        try Data(real.pem.utf8).write(to: URL(fileURLWithPath: "\(dir)/real.pem"))
        let issuerDN = try shell("openssl x509 -in real.pem -noout -issuer -nameopt RFC2253,-esc_msb | sed 's/^issuer=//'", in: dir).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let subjDN = issuerDN.split(separator: ",").reversed().joined(separator: "/")
        let r = try shell(
            """
            set -e
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 3650 \
              -subj '/\(subjDN)' -utf8 -addext basicConstraints=critical,CA:true 2>&1
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout t.key -out t.csr -subj '/CN=forged' 2>&1
            openssl x509 -req -in t.csr -CA ca.pem -CAkey ca.key -set_serial 0x\(real.serialHex) -days 30 -out twin.pem 2>&1
            """, in: dir)
        try #require(r.status == 0, "\(r.output)")
        return try Certificate.load(file: "\(dir)/twin.pem")[0]
    }

    /// Re-encodes a SignedData with its certificates field replaced.
    func replaceCertificates(in der: [UInt8], with certs: [Certificate]) throws -> [UInt8] {
        let (ci, _) = try DER.parse(der[...])
        let ciParts = try ci.children  // OID, [0]
        let sdNode = try ciParts[1].children[0]  // SignedData SEQUENCE
        var fields = try sdNode.children
        let i = try #require(fields.firstIndex { $0.tag == 0xA0 })
        fields[i] = DER.Node(tag: 0xA0, content: ArraySlice(certs.flatMap(\.der)))
        func enc(_ n: DER.Node) -> [UInt8] { DER.encode(tag: n.tag, Array(n.content)) }
        let sd = DER.encode(tag: 0x30, fields.flatMap(enc))
        return DER.encode(tag: 0x30, enc(ciParts[0]) + DER.encode(tag: 0xA0, sd))
    }
}
