import Foundation
import HosoCore
import HosoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Signing end to end through the binary: a demo PKI, the trust store, sign, verify, the TSA on loopback,
/// timestamps added later, a correction that needs signing again, a SoftHSM2 token.
@Suite struct SigningCLITests {
    static let gradeBook = repoRoot + "/Schemas/examples/valid-grade-book-thcs-scored.json"
    static let pw = ["PW": "pw"]

    struct ReportJSON: Decodable {
        var revision: String
        var indication: String
        var earlierRevisionsSigned: Int
        var signatures: [Entry]
        struct Entry: Decodable {
            var signature: String
            var report: Report
        }
        struct Report: Decodable {
            var indication: String
            var reason: String?
            var timeProof: String
            var signer: String?
            var role: String?
        }
    }

    /// An archive that trusts a fresh demo PKI, with one grade book.
    func prepare(_ box: Sandbox) throws {
        let pki = try box.hoso(["pki", "demo", "pki", "--password-env", "PW"], env: Self.pw)
        try #require(pki.status == 0, "\(pki)")
        try box.initArchive()
        let roots = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/roots")).map { "pki/roots/\($0)" }
        let cas = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/ca")).map { "pki/ca/\($0)" }
        let crls = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/crl")).filter { $0.hasSuffix(".crl") }.map {
            "pki/crl/\($0)"
        }
        for args in [["trust", "add", "--label", "demo"] + roots, ["trust", "ca"] + cas, ["trust", "crl"] + crls] {
            let r = try box.hoso(args)
            try #require(r.status == 0, "\(args): \(r)")
        }
        let rec = try box.hoso("record", "new", "grade-book", "gb-8a-toan-hk1", Self.gradeBook)
        try #require(rec.status == 0, "\(rec)")
    }

    @Test func signVerifyCorrectAndReindex() throws {
        try withSandbox { box in
            try prepare(box)
            let s = try box.hoso(
                [
                    "sign", "gb-8a-toan-hk1", "--key", "pki/gv-toan.p12", "--password-env", "PW",
                    "--role", "subject-teacher", "--out", "sig.p7s",
                ], env: Self.pw)
            #expect(s.status == 0, "\(s)")
            #expect(s.out.contains("Đã ký"))

            // Anyone can check the exported signature with openssl against the revision's bytes.
            let v0 = try box.hoso("verify", "gb-8a-toan-hk1", "--json")
            #expect(v0.status == 0, "\(v0)")
            let rep = try v0.json(ReportJSON.self)
            #expect(rep.indication == "PASSED" && rep.signatures.count == 1)
            #expect(rep.signatures[0].report.timeProof == "verification-time")
            #expect(rep.signatures[0].report.role == "subject-teacher")
            let cat = try box.hoso("cat", rep.revision)
            try box.write("content.json", cat.stdout)
            let roots = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/roots")).map { box.path("pki/roots/\($0)") }
            let ossl = try spawn(
                "/bin/sh",
                [
                    "-c",
                    "cat \(roots.joined(separator: " ")) > roots.pem && openssl cms -verify -cades -binary -inform DER -in sig.p7s -content content.json -CAfile roots.pem -out /dev/null",
                ],
                cwd: box.root)
            #expect(ossl.status == 0, "\(ossl)")

            // The file form finds the revision by the signed digest.
            let vf = try box.hoso("verify", "sig.p7s")
            #expect(vf.status == 0 && vf.out.contains("PASSED"), "\(vf)")

            // A wrong password is a clear error and nothing is stored.
            let bad = try box.hoso(
                [
                    "sign", "gb-8a-toan-hk1", "--key", "pki/gv-toan.p12", "--password-env", "PW",
                    "--role", "subject-teacher",
                ], env: ["PW": "wrong"])
            #expect(bad.status == 3 && bad.err.contains("BAD_PASSWORD"), "\(bad)")

            // A correction is a new revision: unsigned until signed again; the old signature stays on the old one.
            try box.write("fixed.json", try box.read(Self.gradeBook))
            let rev = try box.hoso("record", "revise", "gb-8a-toan-hk1", "fixed.json", "--reason", "sửa điểm nhập nhầm")
            try #require(rev.status == 0, "\(rev)")
            let v1 = try box.hoso("verify", "gb-8a-toan-hk1", "--json")
            #expect(v1.status == 4, "\(v1)")
            let r1 = try v1.json(ReportJSON.self)
            #expect(r1.indication == "UNSIGNED" && r1.earlierRevisionsSigned == 1)
            #expect(try box.hoso("verify", rep.revision).status == 0)

            // The index is derived: without it, signatures are found again.
            try FileManager.default.removeItem(atPath: box.path("archive/index.sqlite"))
            let again = try box.hoso("verify", rep.revision, "--json")
            #expect(again.status == 0, "\(again)")
            #expect(try again.json(ReportJSON.self).signatures.count == 1)
        }
    }

    /// The demo CRLs are due for update 30 days after they are made: verified 35 days later, nothing rules out a
    /// revocation since, so the signature is INDETERMINATE unless an explicit offline grace period covers the gap.
    @Test func staleCRLNeedsAnExplicitGracePeriod() throws {
        try withSandbox { box in
            try prepare(box)
            let s = try box.hoso(
                ["sign", "gb-8a-toan-hk1", "--key", "pki/gv-toan.p12", "--password-env", "PW", "--role", "subject-teacher"],
                env: Self.pw)
            try #require(s.status == 0, "\(s)")
            let later = ["HOSO_NOW": HosoClock.format(Date() + 35 * 86400)]
            let stale = try box.hoso(["verify", "gb-8a-toan-hk1", "--json"], env: later)
            #expect(stale.status == 7, "\(stale)")
            #expect(try stale.json(ReportJSON.self).signatures[0].report.reason == "REVOCATION_DATA_STALE", "\(stale)")
            let graced = try box.hoso(["verify", "gb-8a-toan-hk1", "--crl-grace-days", "10", "--lang", "en"], env: later)
            #expect(graced.status == 0, "\(graced)")
            #expect(graced.out.contains("offline CRL grace period: 10 days (used)"), "\(graced)")
            let tooShort = try box.hoso(["verify", "gb-8a-toan-hk1", "--crl-grace-days", "2"], env: later)
            #expect(tooShort.status == 7, "\(tooShort)")
            let tooLong = try box.hoso(["verify", "gb-8a-toan-hk1", "--crl-grace-days", "31"], env: later)
            #expect(tooLong.status == 2, "\(tooLong)")
        }
    }

    @Test func roleNotAllowedAndRevokedTeacher() throws {
        try withSandbox { box in
            try prepare(box)
            let s = try box.hoso(
                [
                    "sign", "gb-8a-toan-hk1", "--key", "pki/can-bo-van-bang.p12", "--password-env", "PW",
                    "--role", "registrar",
                ], env: Self.pw)
            #expect(s.status == 0, "\(s)")
            let v = try box.hoso("verify", "gb-8a-toan-hk1", "--json")
            #expect(v.status == 8, "\(v)")
            #expect(try v.json(ReportJSON.self).signatures[0].report.reason == "ROLE_NOT_AUTHORISED")
            // English on request.
            let en = try box.hoso("verify", "gb-8a-toan-hk1", "--lang", "en")
            #expect(en.out.contains("Result: FAILED"), "\(en)")
        }
    }

    @Test func peopleAndAssignmentsDecideWhoSignsAndAccountsActAsAPerson() throws {
        try withSandbox { box in
            try prepare(box)
            func fingerprint(_ name: String) throws -> String {
                let r = try shell("openssl x509 -in pki/\(name).crt.pem -outform DER | sha256sum", in: box.path("."))
                return String(r.out.prefix(64))
            }
            try box.write(
                "an.json",
                #"{"fullName":"Nguyễn Văn An","dateOfBirth":"1985-03-02","roles":["teacher"],"certificates":[{"sha256":"\#(try fingerprint("gv-toan"))"}]}"#
            )
            try box.write(
                "ngoc.json",
                #"{"fullName":"Trần Thị Bích Ngọc","dateOfBirth":"1986-04-03","roles":["teacher"],"certificates":[{"sha256":"\#(try fingerprint("gv-van"))"}]}"#
            )
            try box.write(
                "as.json",
                #"{"person":"p-an","role":"subject-teacher","school":"Trường THCS Tân Lập","class":"6A","subject":"Toán","schoolYear":"2024-2025","from":"2020-01-01"}"#
            )
            for args in [
                ["record", "new", "person", "p-an", "an.json"], ["record", "new", "person", "p-ngoc", "ngoc.json"],
                ["record", "new", "assignment", "as-an", "as.json"],
            ] {
                let r = try box.hoso(args)
                try #require(r.status == 0, "\(args): \(r)")
            }
            let wrong = try box.hoso(
                ["sign", "gb-8a-toan-hk1", "--key", "pki/gv-van.p12", "--password-env", "PW", "--role", "subject-teacher"], env: Self.pw)
            #expect(wrong.status == 3 && wrong.err.contains("SIGNER_NOT_ENTITLED") && wrong.err.contains("Nguyễn Văn An"), "\(wrong)")
            let right = try box.hoso(
                ["sign", "gb-8a-toan-hk1", "--key", "pki/gv-toan.p12", "--password-env", "PW", "--role", "subject-teacher"], env: Self.pw)
            #expect(right.status == 0, "\(right)")
            let v = try box.hoso("verify", "gb-8a-toan-hk1")
            #expect(v.status == 0 && v.out.contains("Nguyễn Văn An"), "\(v)")
            // Accounts link to a person by record id; an unknown id is refused and nothing is created.
            let bad = try box.hoso(
                ["user", "add", "gv1", "--role", "teacher", "--person", "p-nobody", "--password-env", "PW"], env: ["PW": "mat-khau-dai-du"])
            #expect(bad.status == 4, "\(bad)")
            let add = try box.hoso(
                ["user", "add", "gv1", "--role", "teacher", "--person", "p-an", "--password-env", "PW"], env: ["PW": "mat-khau-dai-du"])
            #expect(add.status == 0, "\(add)")
            #expect(try box.hoso("user", "link", "gv1", "p-ngoc").status == 0)
            let list = try box.hoso("user", "list", "--json")
            #expect(list.out.contains("\"person\" : \"p-ngoc\"") || list.out.contains("\"person\":\"p-ngoc\""), "\(list)")
            #expect(try box.hoso("user", "link", "gv1").status == 2, "PERSON-ID or --unlink")
        }
    }

    @Test func tsaServerAndLateTimestamps() throws {
        try withSandbox { box in
            try prepare(box)
            let s = try box.hoso(
                [
                    "sign", "gb-8a-toan-hk1", "--key", "pki/gv-van.p12", "--password-env", "PW",
                    "--role", "subject-teacher",
                ], env: Self.pw)
            try #require(s.status == 0, "\(s)")
            let server = try TSAProcess(box: box)
            defer { server.stop() }
            let t = try box.hoso("timestamp", "--tsa", server.url, "--json")
            #expect(t.status == 0, "\(t)")
            #expect(t.out.contains("timestamped"))
            // Nothing left to stamp the second time.
            let t2 = try box.hoso("timestamp", "--tsa", server.url, "--json")
            #expect(t2.status == 0, "\(t2)")
            #expect((try JSONSerialization.jsonObject(with: t2.stdout) as? [Any])?.isEmpty == true, "\(t2)")
            let v = try box.hoso("verify", "gb-8a-toan-hk1", "--json")
            #expect(v.status == 0, "\(v)")
            let rep = try v.json(ReportJSON.self)
            #expect(rep.signatures.count == 1 && rep.signatures[0].report.timeProof == "timestamp", "\(v)")
            // Signing with --tsa stamps at once.
            let s2 = try box.hoso(
                [
                    "sign", "gb-8a-toan-hk1", "--key", "pki/gvcn.p12", "--password-env", "PW",
                    "--role", "homeroom-teacher", "--tsa", server.url, "--json",
                ], env: Self.pw)
            #expect(s2.status == 0 && s2.out.contains("\"timestamped\" : true"), "\(s2)")
            let fsck = try box.hoso("fsck")
            #expect(fsck.status == 0, "\(fsck)")
        }
    }

    @Test func softHSMTokenSigns() throws {
        guard let softhsm = tool("softhsm2-util"), FileManager.default.fileExists(atPath: "/usr/lib/softhsm/libsofthsm2.so") else {
            Issue.record("softhsm2 is not installed (tools/setup installs it)")
            return
        }
        try withSandbox { box in
            try prepare(box)
            try box.mkdir("tokens")
            try box.write("softhsm2.conf", "directories.tokendir = \(box.path("tokens"))\nobjectstore.backend = file\n")
            var env = cleanEnvironment
            env["SOFTHSM2_CONF"] = box.path("softhsm2.conf")
            let initTok = try spawn(
                softhsm, ["--init-token", "--free", "--label", "hoso", "--pin", "1234", "--so-pin", "5678"],
                cwd: box.root, env: env)
            try #require(initTok.status == 0, "\(initTok)")
            let imp = try spawn(
                softhsm,
                [
                    "--import", box.path("pki/keys/gv-van.key.pem"), "--token", "hoso", "--label", "gv-van",
                    "--id", "01", "--pin", "1234",
                ], cwd: box.root, env: env)
            try #require(imp.status == 0, "\(imp)")
            let tokenEnv = ["SOFTHSM2_CONF": box.path("softhsm2.conf"), "PIN": "1234"]
            let s = try box.hoso(
                [
                    "sign", "gb-8a-toan-hk1", "--key", "pkcs11:token=hoso;object=gv-van", "--cert", "pki/gv-van.crt.pem",
                    "--pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so", "--password-env", "PIN",
                    "--role", "subject-teacher", "--out", "tok.p7s",
                ], env: tokenEnv)
            #expect(s.status == 0, "\(s)")
            let v = try box.hoso("verify", "gb-8a-toan-hk1", "--json")
            #expect(v.status == 0, "\(v)")
            let wrong = try box.hoso(
                [
                    "sign", "gb-8a-toan-hk1", "--key", "pkcs11:token=hoso;object=gv-van", "--cert", "pki/gv-van.crt.pem",
                    "--pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so", "--password-env", "PIN",
                    "--role", "subject-teacher",
                ], env: ["SOFTHSM2_CONF": box.path("softhsm2.conf"), "PIN": "0000"])
            #expect(wrong.status == 3 && wrong.err.contains("BAD_PASSWORD"), "\(wrong)")
        }
    }
}

/// `hoso tsa serve` in the background, on a port it picks; its URL read from its first line of output.
final class TSAProcess: @unchecked Sendable {
    let process: Process
    let url: String

    init(box: Sandbox) throws {
        let server = try ServerProcess(
            hosoBinary, ["tsa", "serve", "--key", box.path("pki/tsa.p12"), "--password-env", "PW", "--port", "0"], in: box.root,
            environment: cleanEnvironment.merging(["PW": "pw"]) { $1 })
        process = server.process
        url = server.url
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
    }
}
