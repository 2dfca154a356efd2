import Foundation
import HosoCore
import HosoTestSupport
import Testing

@testable import HosoSigning

/// One demo PKI per test process: making one costs seconds of key generation (RSA 3072), so the tests that only
/// read it share it, each working on its own copy in its own temporary directory. It is dated from the real time
/// (whole seconds) so that the `openssl` command line, which checks against the real clock, agrees with it.
private let sharedPassword = "Mật-khẩu thử 2025"

private let sharedPKI: Result<(now: Date, manifest: DemoPKI.Manifest, path: String), any Error> = Result {
    let now = wholeSecondsNow()
    let path = try scratchDirectory("sharedpki") + "/pki"
    return (now, try DemoPKI.create(at: path, clock: .fixed(now), password: sharedPassword), path)
}

private struct DemoFixture {
    let tmp = TempDirectory()
    let dir: String
    let now: Date
    let manifest: DemoPKI.Manifest

    init() throws {
        let shared = try sharedPKI.get()
        (now, manifest) = (shared.now, shared.manifest)
        dir = tmp.path + "/pki"
        try FileManager.default.copyItem(atPath: shared.path, toPath: dir)
    }

    func path(_ rel: String) -> String { dir + "/" + rel }

    func identity(_ name: String) throws -> DemoPKI.Identity {
        try #require(manifest.identity(name), "no identity \(name) in pki.json")
    }

    /// `-CAfile root -untrusted intermediate` for an identity.
    func chainArgs(_ name: String) throws -> [String] {
        let id = try identity(name)
        let root = try #require(manifest.authority(id.root))
        let ca = try #require(manifest.authority(id.issuer))
        return ["-CAfile", root.certificate, "-untrusted", ca.certificate]
    }

    func certificate(_ name: String) throws -> Certificate {
        try Certificate.load(file: path(try identity(name).files.certificate))[0]
    }

    func verify(_ name: String, _ extra: [String] = []) throws -> ProgramOutput {
        try runProgram("/usr/bin/openssl", ["verify"] + extra + (try chainArgs(name)) + [try identity(name).files.certificate], in: dir)
    }

    func text(_ rel: String) throws -> String {
        let r = try runProgram("/usr/bin/openssl", ["x509", "-in", rel, "-noout", "-text", "-nameopt", "utf8"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        return r.output
    }
}

private let day: TimeInterval = 86_400
private let year: TimeInterval = 365 * day
// OpenSSL's KU_* bits as `Certificate.keyUsage` reports them (this target does not import COpenSSL).
private let kuDigitalSignature: UInt32 = 0x80
private let kuNonRepudiation: UInt32 = 0x40
private let kuKeyEncipherment: UInt32 = 0x20
private let kuKeyCertSign: UInt32 = 0x04
private let kuCRLSign: UInt32 = 0x02

@Suite struct PKITests {
    @Test func demoPKIIsCreatedWithEveryFile() throws {
        let tmp = TempDirectory()
        let dir = tmp.path + "/pki"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)  // empty: allowed
        let now = HosoClock.parse("2025-09-05T07:30:00Z")!
        let m = try DemoPKI.create(at: dir, clock: .fixed(now), password: "hoso-demo")

        #expect(m.testOnly && m.password == "hoso-demo" && m.createdAt == "2025-09-05T07:30:00Z")
        #expect(
            Set(m.identities.map(\.name)) == [
                "gv-toan", "gv-van", "gvcn", "hieu-truong", "can-bo-van-bang", "truong-phong", "van-phong",
                "tsa", "gv-bi-thu-hoi", "gv-het-han", "sai-muc-dich",
            ])
        #expect(Set(m.identities.map(\.role)) == Set(DemoPKI.Role.allCases))
        #expect(m.roots.map(\.commonName) == ["hoso TEST Root CA quốc gia (NEAC test)", "hoso TEST Root CA chuyên dùng (VGCA test)"])
        #expect(m.intermediates.map(\.commonName) == ["hoso TEST CA Giáo dục", "hoso TEST CA Dịch vụ"])
        #expect(m.authority("ca-giao-duc")?.issuer == "root-vgca-test" && m.authority("ca-dich-vu")?.issuer == "root-neac-test")
        #expect(m.identity("tsa")?.issuer == "ca-dich-vu" && m.identity("truong-phong")?.issuer == "ca-dich-vu")
        #expect(m.identity("gv-toan")?.issuer == "ca-giao-duc" && m.identity("gv-toan")?.root == "root-vgca-test")

        // Dates are relative to the clock.
        let iso = HosoClock.format
        #expect(m.roots.allSatisfy { $0.notBefore == iso(now - 5 * year) && $0.notAfter == iso(now + 20 * year) })
        #expect(m.identity("gv-toan")?.notBefore == iso(now - 30 * day) && m.identity("gv-toan")?.notAfter == iso(now + 2 * year))
        #expect(m.identity("gv-het-han")?.notBefore == iso(now - 3 * year) && m.identity("gv-het-han")?.notAfter == iso(now - year))
        #expect(m.identity("gv-bi-thu-hoi")?.revokedAt == iso(now - 10 * day))
        #expect(m.identities.filter { $0.revokedAt != nil }.map(\.name) == ["gv-bi-thu-hoi"])
        #expect(m.crls.allSatisfy { $0.thisUpdate == iso(now - 3600) && $0.nextUpdate == iso(now + 30 * day) && $0.number == 1 })
        #expect(m.crls.count == 4)

        // Every file the manifest names exists; secrets are private to the owner.
        var files = m.roots.map(\.certificate) + m.intermediates.map(\.certificate) + m.crls.flatMap { [$0.der, $0.pem] }
        files += m.identities.flatMap { [$0.files.p12, $0.files.certificate, $0.files.key] }
        for f in files + ["pki.json", "README.txt"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f) is missing")
        }
        for i in m.identities {
            for secret in [i.files.p12, i.files.key] {
                let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/" + secret)
                #expect((attrs[.posixPermissions] as? Int) == 0o600, "\(secret) should be 0600")
            }
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/roots/root-neac-test.pem"))
        #expect(FileManager.default.fileExists(atPath: dir + "/ca/ca-giao-duc.pem"))
        #expect(FileManager.default.fileExists(atPath: dir + "/crl/ca-giao-duc.crl"))
        #expect(FileManager.default.fileExists(atPath: dir + "/crl/ca-giao-duc.crl.pem"))
        // Nothing left behind next to it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path) == ["pki"])

        // pki.json reads back as the same manifest; the serials are those of the certificates.
        let back = try DemoPKI.manifest(at: dir)
        #expect(back.identities.map(\.serial) == m.identities.map(\.serial))
        let json = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/pki.json")), as: UTF8.self)
        #expect(json.contains("\"password\" : \"hoso-demo\"") && json.contains("\"role\" : \"homeroom-teacher\""))
        for i in m.identities {
            let cert = try Certificate.load(file: dir + "/" + i.files.certificate)[0]
            #expect(cert.serialHex == i.serial && cert.serialHex.count == 32)
        }

        let readme = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/README.txt")), as: UTF8.self)
        #expect(readme.hasPrefix("HẠ TẦNG KHÓA CÔNG KHAI THỬ NGHIỆM"))
        let vi = try #require(readme.range(of: "CHỈ DÙNG ĐỂ THỬ NGHIỆM"))
        let en = try #require(readme.range(of: "FOR TESTING ONLY"))
        #expect(vi.lowerBound < en.lowerBound)
    }

    @Test func aLongerLivedTSAHasCAsThatLastAsLong() throws {
        let tmp = TempDirectory()
        let now = HosoClock.parse("2020-06-01T08:00:00Z")!
        let m = try DemoPKI.create(at: tmp.path + "/pki", clock: .fixed(now), password: "hoso-demo", tsaYears: 26)
        let end = now.addingTimeInterval(26 * 365 * 86_400)
        let tsa = try #require(m.identities.first { $0.role == .tsa })
        #expect(tsa.notAfter == HosoClock.format(end))
        // Its chain holds to its end; the other leaves keep their two years.
        let ca = try #require(m.authority(tsa.issuer))
        let root = try #require(m.authority(tsa.root))
        for a in [ca, root] { #expect(HosoClock.parse(a.notAfter)! >= end, "\(a.name) \(a.notAfter)") }
        let teacher = try #require(m.identity("gv-toan"))
        #expect(HosoClock.parse(teacher.notAfter)! < now.addingTimeInterval(3 * 365 * 86_400))
    }

    @Test func everyLeafChainsToItsRoot() throws {
        let f = try DemoFixture()
        for ca in f.manifest.intermediates {
            let root = try #require(f.manifest.authority(ca.issuer))
            let r = try runProgram("/usr/bin/openssl", ["verify", "-x509_strict", "-CAfile", root.certificate, ca.certificate], in: f.dir)
            #expect(r.status == 0, "\(ca.name): \(r.output)")
        }
        for id in f.manifest.identities where id.status != .expired {
            let r = try f.verify(id.name, ["-x509_strict"])
            #expect(r.status == 0 && r.output.contains(": OK"), "\(id.name): \(r.output)")
        }
        // The signers pass OpenSSL's S/MIME signing purpose (what `openssl cms -verify` checks by default);
        // the TSA passes the time-stamping purpose, which needs the critical timeStamping EKU.
        for id in f.manifest.identities where id.status == .valid && id.role != .tsa {
            let r = try f.verify(id.name, ["-purpose", "smimesign"])
            #expect(r.status == 0, "\(id.name): \(r.output)")
        }
        let tsa = try f.verify("tsa", ["-purpose", "timestampsign"])
        #expect(tsa.status == 0, "\(tsa.output)")
        let wrong = try f.verify("sai-muc-dich", ["-purpose", "smimesign"])
        #expect(wrong.status != 0, "\(wrong.output)")
        // A teacher does not chain to the other root.
        let other = try runProgram(
            "/usr/bin/openssl",
            [
                "verify", "-CAfile", "roots/root-neac-test.pem", "-untrusted", "ca/ca-giao-duc.pem",
                "gv-toan.crt.pem",
            ], in: f.dir)
        #expect(other.status != 0)
    }

    @Test func revokedTeacherFailsTheCRLCheck() throws {
        let f = try DemoFixture()
        // OpenSSL 3.0's verify takes one -CRLfile: put the education chain's CRLs in one file.
        let both =
            try String(contentsOfFile: f.path("crl/ca-giao-duc.crl.pem"), encoding: .utf8)
            + String(contentsOfFile: f.path("crl/root-vgca-test.crl.pem"), encoding: .utf8)
        try both.write(toFile: f.path("crl/giao-duc-chain.crl.pem"), atomically: true, encoding: .utf8)

        let revoked = try f.verify("gv-bi-thu-hoi", ["-crl_check_all", "-CRLfile", "crl/giao-duc-chain.crl.pem"])
        #expect(revoked.status != 0 && revoked.output.contains("certificate revoked"), "\(revoked.output)")
        let revokedLeafOnly = try f.verify("gv-bi-thu-hoi", ["-crl_check", "-CRLfile", "crl/ca-giao-duc.crl.pem"])
        #expect(revokedLeafOnly.status != 0 && revokedLeafOnly.output.contains("certificate revoked"), "\(revokedLeafOnly.output)")
        let good = try f.verify("gv-toan", ["-crl_check_all", "-CRLfile", "crl/giao-duc-chain.crl.pem"])
        #expect(good.status == 0, "\(good.output)")
        // Without the CRLs the revoked teacher's chain is fine: the revocation is only in the CRL.
        #expect(try f.verify("gv-bi-thu-hoi").status == 0)

        // The other chain: the office head with the service CA's and the national root's CRLs.
        let neac =
            try String(contentsOfFile: f.path("crl/ca-dich-vu.crl.pem"), encoding: .utf8)
            + String(contentsOfFile: f.path("crl/root-neac-test.crl.pem"), encoding: .utf8)
        try neac.write(toFile: f.path("crl/dich-vu-chain.crl.pem"), atomically: true, encoding: .utf8)
        let office = try f.verify("truong-phong", ["-crl_check_all", "-CRLfile", "crl/dich-vu-chain.crl.pem"])
        #expect(office.status == 0, "\(office.output)")

        // hoso reads the same CRL: signed by the CA, listing exactly that teacher at now-10d.
        let crl = try CRL.load(try Certificate.readFile(f.path("crl/ca-giao-duc.crl")))[0]
        let ca = try Certificate.load(file: f.path("ca/ca-giao-duc.pem"))[0]
        #expect(crl.isSigned(by: ca))
        #expect(crl.revocationDate(of: try f.certificate("gv-bi-thu-hoi")) == f.now - 10 * day)
        #expect(crl.revocationDate(of: try f.certificate("gv-toan")) == nil)
        #expect(crl.revoked.map(\.serial) == [try f.identity("gv-bi-thu-hoi").serial])
        #expect(crl.thisUpdate == f.now - 3600 && crl.nextUpdate == f.now + 30 * day)
        #expect(f.manifest.crls.first { $0.issuer == "ca-giao-duc" }?.revokedSerials == [try f.identity("gv-bi-thu-hoi").serial])
    }

    @Test func crlsAreVersion2WithNumberAndAuthorityKeyIdentifier() throws {
        let f = try DemoFixture()
        for c in f.manifest.crls {
            let issuer = try #require(f.manifest.authority(c.issuer))
            let r = try runProgram(
                "/usr/bin/openssl",
                [
                    "crl", "-in", c.der, "-inform", "DER", "-noout", "-text",
                    "-verify", "-CAfile", issuer.certificate,
                ], in: f.dir)
            #expect(r.status == 0 && r.output.contains("verify OK"), "\(c.issuer): \(r.output)")
            #expect(
                r.output.contains("Version 2 (0x1)") && r.output.contains("X509v3 CRL Number")
                    && r.output.contains("X509v3 Authority Key Identifier"),
                "\(r.output)")
            // The PEM and the DER file are the same CRL.
            let pem = try CRL.load(try Certificate.readFile(f.path(c.pem)))[0]
            #expect(pem.der == (try Certificate.readFile(f.path(c.der))))
        }
    }

    @Test func expiredTeacherFailsAsExpired() throws {
        let f = try DemoFixture()
        let r = try f.verify("gv-het-han")
        #expect(r.status != 0 && r.output.contains("certificate has expired"), "\(r.output)")
        let cert = try f.certificate("gv-het-han")
        #expect(!cert.isValid(at: f.now) && cert.isValid(at: f.now - 2 * year))
    }

    @Test func tsaCertificateHasCriticalTimeStampingEKU() throws {
        let f = try DemoFixture()
        let text = try f.text("tsa.crt.pem")
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let eku = try #require(lines.firstIndex(of: "X509v3 Extended Key Usage: critical"), "\(text)")
        #expect(lines[eku + 1] == "Time Stamping")
        let ku = try #require(lines.firstIndex(of: "X509v3 Key Usage: critical"))
        #expect(lines[ku + 1] == "Digital Signature, Non Repudiation")

        let tsa = try f.certificate("tsa")
        #expect(tsa.canSignTimestamps && tsa.extendedKeyUsage == [OID.timeStamping])
        // Signers: digitalSignature + nonRepudiation (critical), EKU emailProtection + documentSigning.
        let teacher = try f.certificate("gv-van")
        #expect(teacher.canSignDocuments && !teacher.canSignTimestamps)
        #expect(teacher.extendedKeyUsage == [OID.emailProtection, OID.documentSigning])
        #expect(teacher.keyUsage == kuDigitalSignature | kuNonRepudiation)
        let teacherText = try f.text("gv-van.crt.pem")
        #expect(teacherText.contains("X509v3 Key Usage: critical") && teacherText.contains("X509v3 CRL Distribution Points"))
        #expect(teacherText.contains("X509v3 Subject Key Identifier") && teacherText.contains("X509v3 Authority Key Identifier"))
        // The wrong-key-usage teacher cannot sign.
        let wrong = try f.certificate("sai-muc-dich")
        #expect(!wrong.canSignDocuments && wrong.keyUsage == kuKeyEncipherment)
        // CA certificates.
        let ca = try Certificate.load(file: f.path("ca/ca-giao-duc.pem"))[0]
        #expect(ca.isCA && !ca.isSelfSigned && ca.keyUsage == kuKeyCertSign | kuCRLSign)
        #expect(try f.text("ca/ca-giao-duc.pem").contains("CA:TRUE, pathlen:0"))
        let root = try Certificate.load(file: f.path("roots/root-neac-test.pem"))[0]
        #expect(root.isCA && root.isSelfSigned && root.publicKey.kind == .ec && root.publicKey.bits == 384)
    }

    @Test func rsaIssuersSignWithRSAPSSAndECIssuersWithECDSA() throws {
        let f = try DemoFixture()
        // Issued by an RSA key: the VGCA test root (itself, and the education CA) and the education CA (school people).
        for file in ["roots/root-vgca-test.pem", "ca/ca-giao-duc.pem", "gv-toan.crt.pem", "gv-van.crt.pem"] {
            let text = try f.text(file)
            #expect(text.contains("Signature Algorithm: rsassaPss"), "\(file)")
            #expect(
                text.contains("Hash Algorithm: sha256") && text.contains("Mask Algorithm: mgf1 with sha256")
                    && text.contains("Salt Length: 0x20"), "\(file): \(text)")
            #expect(try Certificate.load(file: f.path(file))[0].signatureAlgorithm == "rsassaPss")
        }
        // Issued by an EC key: the NEAC test root and the service CA (TSA, office).
        for file in ["roots/root-neac-test.pem", "ca/ca-dich-vu.pem", "tsa.crt.pem", "truong-phong.crt.pem"] {
            let text = try f.text(file)
            #expect(text.contains("Signature Algorithm: ecdsa-with-SHA256") && !text.contains("rsassaPss"), "\(file)")
        }
        let vgca = try Certificate.load(file: f.path("roots/root-vgca-test.pem"))[0].publicKey
        #expect(vgca.kind == .rsa && vgca.bits == 3072)
    }

    @Test func pkcs12FilesOpenAndAWrongPasswordIsBadPassword() throws {
        let f = try DemoFixture()
        #expect(f.manifest.password == sharedPassword)
        for id in f.manifest.identities {
            let bytes = try Certificate.readFile(f.path(id.files.p12))
            let opened = try PKCS12.open(bytes, password: f.manifest.password, source: id.files.p12)
            #expect(opened.key.matches(opened.certificate))
            #expect(opened.certificate == (try f.certificate(id.name)))
            // The chain goes up to, not including, the root.
            let ca = try Certificate.load(file: f.path(try #require(f.manifest.authority(id.issuer)).certificate))[0]
            #expect(opened.chain == [ca], "\(id.name)")
            #expect(opened.certificate.isIssued(by: ca))
            // The unencrypted PKCS#8 key is the same key.
            let pem = try PrivateKey.load(pem: try Certificate.readFile(f.path(id.files.key)))
            #expect(pem.matches(opened.certificate))
            let expected: (KeyInfo.Kind, Int) =
                switch id.key {
                case "rsa2048": (.rsa, 2048)
                case "p256": (.ec, 256)
                default: (.other, 0)
                }
            #expect(pem.info.kind == expected.0 && pem.info.bits == expected.1, "\(id.name): \(pem.info)")
        }
        let bytes = try Certificate.readFile(f.path("gv-toan.p12"))
        let err = #expect(throws: HosoError.self) { try PKCS12.open(bytes, password: "hoso-demo") }
        #expect(err?.code == .badPassword)
        // OpenSSL itself opens them too.
        let r = try runProgram(
            "/usr/bin/openssl", ["pkcs12", "-in", "gv-van.p12", "-passin", "pass:" + sharedPassword, "-nokeys", "-noout"],
            in: f.dir)
        #expect(r.status == 0, "\(r.output)")
    }

    @Test func vietnameseNamesRoundTripAsUTF8() throws {
        let f = try DemoFixture()
        let cert = try f.certificate("gv-toan")
        #expect(cert.commonName == "Nguyễn Văn An")
        #expect(Array(cert.commonName!.utf8) == Array("Nguy\u{1EC5}n V\u{0103}n An".utf8))  // NFC bytes
        #expect(cert.subject.contains("O=Trường THCS Hòa Bình") && cert.subject.contains("title=Giáo viên Toán"))
        #expect(cert.issuerCommonName == "hoso TEST CA Giáo dục")
        #expect(try f.certificate("truong-phong").subject.contains("O=Phòng Giáo dục và Đào tạo huyện Hòa Bình"))
        for id in f.manifest.identities {
            #expect(try f.certificate(id.name).commonName == id.commonName)
        }
        // Encoded as UTF8String (not BMPString or T61String), as OpenSSL's own parser sees it.
        let asn1 = try runProgram("/usr/bin/openssl", ["asn1parse", "-in", "gv-toan.crt.pem"], in: f.dir)
        #expect(asn1.output.contains(":commonName") && asn1.output.contains("UTF8STRING"))
        #expect(!asn1.output.contains("BMPSTRING") && !asn1.output.contains("T61STRING"))
        let subject = try runProgram(
            "/usr/bin/openssl", ["x509", "-in", "gv-toan.crt.pem", "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"],
            in: f.dir)
        #expect(subject.output.contains("CN=Nguyễn Văn An"), "\(subject.output)")
    }

    @Test func decomposedNamesAreStoredInNFC() throws {
        let key = try PrivateKey.generate(.ecP256)
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let nfd = "Nguye\u{0302}\u{0303}n Va\u{0306}n An"  // the same name, decomposed
        let cert = try PKI.issue(
            CertificateSpec(
                subject: [.commonName(nfd)], notBefore: now, notAfter: now + year,
                keyUsage: [.digitalSignature]), key: key, issuer: nil)
        #expect(cert.commonName == "Nguyễn Văn An" && Array(cert.commonName!.utf8) == Array("Nguy\u{1EC5}n V\u{0103}n An".utf8))
        #expect(cert.subject == cert.issuer && cert.notBefore == now && cert.notAfter == now + year)
    }

    @Test func signersAreAcceptedByOpenSSLCMSVerify() throws {
        let f = try DemoFixture()
        try "Sổ điểm lớp 9A — môn Toán\n".write(toFile: f.path("doc.txt"), atomically: true, encoding: .utf8)
        for name in ["gv-toan", "gv-van"] {
            let id = try f.identity(name)
            let chain = try f.chainArgs(name)
            // The intermediate travels in the signature, as hoso's signatures carry their chain.
            let sign = try runProgram(
                "/usr/bin/openssl",
                [
                    "cms", "-sign", "-binary", "-md", "sha256", "-in", "doc.txt",
                    "-signer", id.files.certificate, "-inkey", id.files.key, "-certfile", chain[3],
                    "-outform", "DER", "-out", "\(name).p7s",
                ], in: f.dir)
            #expect(sign.status == 0, "\(sign.output)")
            let verify = try runProgram(
                "/usr/bin/openssl",
                [
                    "cms", "-verify", "-binary", "-inform", "DER", "-in", "\(name).p7s",
                    "-content", "doc.txt", "-CAfile", chain[1],
                    "-out", "/dev/null",
                ], in: f.dir)
            #expect(verify.status == 0 && verify.output.contains("Verification successful"), "\(name): \(verify.output)")
        }
    }

    @Test func refusesANonEmptyDirectoryAndChangesNothing() throws {
        let tmp = TempDirectory()
        let dir = tmp.path + "/pki"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        try "đừng xóa\n".write(toFile: dir + "/keep.txt", atomically: false, encoding: .utf8)
        let err = #expect(throws: HosoError.self) { try DemoPKI.create(at: dir + "/", clock: .system, password: "x") }
        #expect(err?.code == .outputNotEmpty && err?.location == dir + "/")
        #expect(err.map { $0.text(.en) }?.contains(dir) == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["keep.txt"])
        #expect(try String(contentsOfFile: dir + "/keep.txt", encoding: .utf8) == "đừng xóa\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path) == ["pki"])

        // A plain file in the way is refused the same way.
        try "x".write(toFile: tmp.path + "/file", atomically: false, encoding: .utf8)
        let err2 = #expect(throws: HosoError.self) { try DemoPKI.create(at: tmp.path + "/file", clock: .system, password: "x") }
        #expect(err2?.code == .outputNotEmpty)
        #expect(try String(contentsOfFile: tmp.path + "/file", encoding: .utf8) == "x")
    }

    @Test func issueChecksItsInput() throws {
        let key = try PrivateKey.generate(.ecP256)
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let backwards = CertificateSpec(subject: [.commonName("x")], notBefore: now, notAfter: now - 1)
        #expect(throws: HosoError(.invalidCertificateSpec, .both("", ""))) { try PKI.issue(backwards, key: key, issuer: nil) }
        for serial: [UInt8] in [[0, 0], [0x80] + [UInt8](repeating: 1, count: 19), [UInt8](repeating: 1, count: 21)] {
            let bad = CertificateSpec(subject: [.commonName("x")], serial: serial, notBefore: now, notAfter: now + 1)
            #expect(throws: HosoError(.invalidCertificateSpec, .both("", ""))) { try PKI.issue(bad, key: key, issuer: nil) }
        }
        let longest = try PKI.issue(
            CertificateSpec(
                subject: [.commonName("x")], serial: [0x7f] + [UInt8](repeating: 0xff, count: 19),
                notBefore: now, notAfter: now + 1), key: key, issuer: nil)
        #expect(longest.serialHex == "7f" + String(repeating: "ff", count: 19))
        let leafPath = CertificateSpec(subject: [.commonName("x")], notBefore: now, notAfter: now + 1, pathLength: 0)
        #expect(throws: HosoError(.invalidCertificateSpec, .both("", ""))) { try PKI.issue(leafPath, key: key, issuer: nil) }
        let badName = CertificateSpec(subject: [.country("Việt Nam")], notBefore: now, notAfter: now + 1)
        #expect(throws: HosoError(.invalidCertificateSpec, .both("", ""))) { try PKI.issue(badName, key: key, issuer: nil) }

        // An issuer whose key is not its certificate's.
        let caSpec = CertificateSpec(
            subject: [.commonName("CA")], notBefore: now, notAfter: now + year, isCA: true,
            keyUsage: [.keyCertSign, .cRLSign])
        let caKey = try PrivateKey.generate(.ecP256)
        let caCert = try PKI.issue(caSpec, key: caKey, issuer: nil)
        let mismatched = SigningIdentity(key: key, certificate: caCert)
        #expect(throws: HosoError(.keyCertMismatch, .both("", ""))) {
            try PKI.issue(CertificateSpec(subject: [.commonName("y")], notBefore: now, notAfter: now + 1), key: key, issuer: mismatched)
        }
        #expect(throws: HosoError(.invalidCertificateSpec, .both("", ""))) {
            try PKI.crl(
                issuer: SigningIdentity(key: caKey, certificate: caCert), revoked: [PKI.Revocation(serialHex: "xyz", date: now)],
                thisUpdate: now, nextUpdate: now + day, number: 1)
        }
        // A CRL by serial, as the CA keeps it.
        let crl = try PKI.crl(
            issuer: SigningIdentity(key: caKey, certificate: caCert),
            revoked: [PKI.Revocation(serialHex: "0A1b", date: now - day)], thisUpdate: now, nextUpdate: now + day, number: 7)
        #expect(crl.revoked.map(\.serial) == ["0a1b"] && crl.isSigned(by: caCert))
    }
}
