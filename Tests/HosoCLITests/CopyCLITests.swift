import Foundation
import HosoKit
import HosoTestSupport
import Testing

/// A clerk's day through the binary: a request, a copy issued from a ledger entry, checks of the PDF and of a scan
/// of its QR code, a refusal, and the independent validators (pdfsig with the demo roots, pyHanko).
@Suite struct CopyCLITests {
    static let ledger = repoRoot + "/" + OfficeArchiveFixture.ledgerExample
    static let pw = ["PW": "pw"]

    func prepare(_ box: Sandbox) throws {
        try #require(try box.hoso(["pki", "demo", "pki", "--password-env", "PW"], env: Self.pw).status == 0)
        try box.initArchive()
        let roots = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/roots")).map { "pki/roots/\($0)" }
        let cas = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/ca")).map { "pki/ca/\($0)" }
        let crls = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/crl")).filter { $0.hasSuffix(".crl") }.map {
            "pki/crl/\($0)"
        }
        for args in [
            ["trust", "add"] + roots, ["trust", "ca"] + cas, ["trust", "crl"] + crls,
            ["record", "new", "ledger", "PGD-TANLAP/THCS/1996/PTCS-TANLAP", Self.ledger],
        ] {
            let r = try box.hoso(args)
            try #require(r.status == 0, "\(args): \(r)")
        }
        let fp = try spawn(
            "/bin/sh", ["-c", "openssl x509 -in pki/van-phong.crt.pem -outform DER | sha256sum | cut -c1-64"], cwd: box.root
        )
        .out.trimmingCharacters(in: .whitespacesAndNewlines)
        try box.write(
            "office.json",
            """
            {"officeName": "Phòng Giáo dục và Đào tạo huyện Tân Lập", "superiorBody": "Ủy ban nhân dân huyện Tân Lập",
             "place": "Tân Lập", "signerTitle": "Trưởng phòng", "signerName": "Vũ Minh Tuấn", "officeCode": "PGD-TL",
             "workingDays": [1, 2, 3, 4, 5], "holidays": [], "cutoff": "15:00", "closing": "17:00", "utcOffset": "+07:00",
             "verificationDays": 5, "copySigners": ["\(fp)"]}
            """)
        try #require(try box.hoso("office", "set", "office.json").status == 0)
    }

    struct RequestJSON: Decodable { var id: String }

    @Test func requestIssueVerifyAndValidators() throws {
        try withSandbox { box in
            try prepare(box)
            // A relative without proof is refused with the field named; nothing is registered.
            let bad = try box.hoso(
                "request", "new", "--requester", "Lò Văn Hạnh", "--relation", "relative",
                "--holder", "Lò Thị Mai", "--serial", "Số 001234/BT")
            #expect(bad.status == 3 && bad.err.contains("proof"), "\(bad)")
            let req = try box.hoso(
                "request", "new", "--requester", "Lò Văn Hạnh", "--relation", "relative",
                "--proof", "Giấy khai sinh", "--holder", "Lò Thị Mai", "--serial", "Số 001234/BT", "--json")
            try #require(req.status == 0, "\(req)")
            let id = try req.json(RequestJSON.self).id
            let issue = try box.hoso(
                [
                    "copy", "issue", "Số 001234/BT", "--request", id, "--out", "ban-sao.pdf",
                    "--key", "pki/van-phong.p12", "--password-env", "PW",
                ], env: Self.pw)
            #expect(issue.status == 0, "\(issue)")
            let verify = try box.hoso("copy", "verify", "ban-sao.pdf")
            #expect(verify.status == 0 && verify.out.contains("PASSED"), "\(verify)")

            // pdfsig with the demo roots in an NSS store: valid, trusted, whole document signed.
            let roots = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/roots")).map { box.path("pki/roots/\($0)") }
            try box.mkdir("nss")
            var script = "certutil -N -d sql:nss --empty-password"
            for (i, r) in roots.enumerated() { script += " && certutil -A -d sql:nss -n root\(i) -t CT,C,C -i '\(r)'" }
            script += " && pdfsig -nssdir sql:nss -no-ocsp ban-sao.pdf"
            let pdfsig = try spawn("/bin/sh", ["-c", script], cwd: box.root)
            #expect(
                pdfsig.out.contains("Signature is Valid.") && pdfsig.out.contains("Certificate is Trusted.")
                    && pdfsig.out.contains("Total document signed"), "\(pdfsig)")
            // pyHanko's own validation, with revocation checks off (the demo CRL addresses do not resolve offline).
            let pyhanko = pythonTool("pyhanko")
            try #require(FileManager.default.fileExists(atPath: pyhanko), "run tools/setup (make test does)")
            let ph = try spawn(
                pyhanko,
                ["sign", "validate", "--executive-summary", "--no-revocation-check", "--trust-replace"]
                    + roots.flatMap { ["--trust", $0] } + ["ban-sao.pdf"], cwd: box.root)
            #expect(ph.status == 0 && ph.out.contains("VALID"), "\(ph)")

            // A scan of the printed copy: the QR checks offline with the office certificate only, no archive.
            let scan = try spawn("/usr/bin/pdftoppm", ["-r", "150", "-png", "-singlefile", "ban-sao.pdf", "scan"], cwd: box.root)
            try #require(scan.status == 0, "\(scan)")
            // The certificate given is checked: its chain must reach a trust anchor the user gives (with CRLs).
            let trustArgs = try Self.trustArgs(box)
            let qr = try box.hoso(
                ["copy", "verify", "--qr", "scan.png", "--office-cert", "pki/van-phong.crt.pem", "--archive", "/nonexistent"] + trustArgs)
            #expect(qr.status == 0 && qr.out.contains("PASSED") && qr.out.contains("Lò Thị Mai"), "\(qr)")
            // Without the archive it says plainly that only the signature was checked, and whose certificate it was.
            #expect(qr.out.contains("CHỈ KIỂM TRA CHỮ KÝ"), "\(qr)")
            #expect(qr.out.contains(try Self.fingerprint(box, "pki/van-phong.crt.pem")), "\(qr)")
            // With the archive (./archive) the register is checked too.
            let withArchive = try box.hoso("copy", "verify", "--qr", "scan.png", "--json", "--lang", "en")
            #expect(withArchive.status == 0 && withArchive.out.contains("\"scope\" : \"register\""), "\(withArchive)")
            // A phone photo: JPEG, slightly rotated and soft.
            let photo = try spawn(
                "/usr/bin/python3",
                [
                    "-c",
                    """
                    from PIL import Image, ImageFilter
                    Image.open('scan.png').convert('RGB').rotate(3, expand=True, fillcolor=(230, 225, 215)) \\
                        .filter(ImageFilter.GaussianBlur(0.6)).save('photo.jpg', quality=75)
                    """,
                ], cwd: box.root)
            try #require(photo.status == 0, "\(photo)")
            let jpeg = try box.hoso(
                ["copy", "verify", "--qr", "photo.jpg", "--office-cert", "pki/van-phong.crt.pem", "--json", "--archive", "/nonexistent"]
                    + trustArgs)
            #expect(jpeg.status == 0 && jpeg.out.contains("PASSED") && jpeg.out.contains("\"scope\" : \"signature-only\""), "\(jpeg)")
            let other = try box.hoso(
                ["copy", "verify", "--qr", "scan.png", "--office-cert", "pki/can-bo-van-bang.crt.pem", "--archive", "/nonexistent"]
                    + trustArgs)
            #expect(other.status == 8 && other.out.contains("QR_UNKNOWN_OFFICE"), "\(other)")

            // The register shows the copy and the request is done; it cannot be refused afterwards.
            let list = try box.hoso("copy", "list")
            #expect(list.out.contains("Lò Thị Mai") && list.out.contains("1/"), "\(list)")
            let refuse = try box.hoso("request", "refuse", id, "--reason", "nhầm")
            #expect(refuse.status == 3 && refuse.err.contains("REQUEST_STATE_INVALID"), "\(refuse)")
            #expect(try box.hoso("fsck").status == 0)
        }
    }

    /// `--trust` with every demo root, `--ca` with every intermediate and `--crl` with every demo CRL.
    static func trustArgs(_ box: Sandbox) throws -> [String] {
        let roots = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/roots")).map { "pki/roots/\($0)" }
        let crls = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/crl")).filter { $0.hasSuffix(".crl") }
        let cas = try FileManager.default.contentsOfDirectory(atPath: box.path("pki/ca")).map { "pki/ca/\($0)" }
        return roots.flatMap { ["--trust", $0] } + cas.flatMap { ["--ca", $0] } + crls.flatMap { ["--crl", "pki/crl/\($0)"] }
    }

    /// SHA-256 of a PEM certificate's DER, by openssl.
    static func fingerprint(_ box: Sandbox, _ pem: String) throws -> String {
        try spawn("/bin/sh", ["-c", "openssl x509 -in '\(pem)' -outform DER | sha256sum | cut -c1-64"], cwd: box.root).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct IssueJSON: Decodable {
        struct Line: Decodable {
            var printedNumber: String
            var copyNumber: Int
            var serial: String
            var ledgerNumber: Int
        }
        var copy: Line
        var qr: String
    }

    /// Issues one copy of Lò Thị Mai's diploma through the binary; its register line and QR text.
    func issueOne(_ box: Sandbox) throws -> IssueJSON {
        let req = try box.hoso(
            "request", "new", "--requester", "Lò Thị Mai", "--holder", "Lò Thị Mai", "--serial", "Số 001234/BT", "--json")
        try #require(req.status == 0, "\(req)")
        let issue = try box.hoso(
            [
                "copy", "issue", "Số 001234/BT", "--request", try req.json(RequestJSON.self).id, "--out", "ban-sao.pdf",
                "--key", "pki/van-phong.p12", "--password-env", "PW", "--json",
            ], env: Self.pw)
        try #require(issue.status == 0, "\(issue)")
        return try issue.json(IssueJSON.self)
    }

    /// The office's seal key has leaked: a QR payload signed with it, with a real copy number and serial but another
    /// holder's name, verifies by signature alone — the archive's check compares every field with the register and
    /// refuses it; without the archive the result says that only the signature was checked.
    @Test func bltaCopyRenewalAndVerificationAtAFutureDate() throws {
        try withSandbox { box in
            try prepare(box)
            let server = try TSAProcess(box: box)
            defer { server.stop() }
            let req = try box.hoso(
                "request", "new", "--requester", "Lò Thị Mai", "--relation", "holder", "--holder", "Lò Thị Mai",
                "--serial", "Số 001234/BT", "--json")
            try #require(req.status == 0, "\(req)")
            let issue = try box.hoso(
                [
                    "copy", "issue", "Số 001234/BT", "--request", try req.json(RequestJSON.self).id, "--out", "ban-sao.pdf",
                    "--key", "pki/van-phong.p12", "--password-env", "PW", "--tsa", server.url,
                ], env: Self.pw)
            try #require(issue.status == 0, "\(issue)")
            let now = try box.hoso("copy", "verify", "ban-sao.pdf", "--lang", "en")
            #expect(now.status == 0 && now.out.contains("document timestamp: PASSED"), "\(now)")
            // Long after the demo TSA's certificate expired, with no renewal: not enough proof (exit 7).
            let far = try box.hoso("copy", "verify", "ban-sao.pdf", "--at", "2099-01-01", "--json")
            #expect(far.status == 7 && far.out.contains("LONG_TERM_PROOF_LAPSED"), "\(far)")
            #expect(try box.hoso("copy", "verify", "ban-sao.pdf", "--at", "01/01/2099").status == 2)
            // Renewal: nothing is due within a day; --force renews; the register names the new file.
            let notDue = try box.hoso("copy", "renew", "--tsa", server.url, "--margin-days", "0")
            #expect(notDue.status == 0 && !notDue.out.contains("→"), "\(notDue)")
            let renewed = try box.hoso("copy", "renew", "--tsa", server.url, "--force", "--json")
            #expect(renewed.status == 0 && renewed.out.contains("\"document\""), "\(renewed)")
            let list = try box.hoso("copy", "list", "--json")
            #expect(list.out.contains("\"renewed\""), "\(list)")
            // The issued file still verifies after the renewal.
            #expect(try box.hoso("copy", "verify", "ban-sao.pdf").status == 0)
        }
    }

    struct RenewJSON: Decodable {
        var initial: String?
        var renewed: [String: String]
        var copies: [Copy]
        struct Copy: Decodable {
            var printedNumber: String
            var document: String?
            var skipped: String?
        }
    }

    /// `hoso renew` renews issued copies too, by the office settings' margin: with the default (365 days) the demo TSA
    /// certificate is not near its end and only the first archive timestamp is made; with a margin that reaches its
    /// end, one run makes both a timestamp renewal and a renewed copy, named in the register.
    @Test func renewKeepsArchiveTimestampsAndIssuedCopiesAlive() throws {
        try withSandbox { box in
            try prepare(box)
            let server = try TSAProcess(box: box)
            defer { server.stop() }
            let req = try box.hoso(
                "request", "new", "--requester", "Lò Thị Mai", "--relation", "holder", "--holder", "Lò Thị Mai",
                "--serial", "Số 001234/BT", "--json")
            try #require(req.status == 0, "\(req)")
            let issue = try box.hoso(
                [
                    "copy", "issue", "Số 001234/BT", "--request", try req.json(RequestJSON.self).id, "--out", "ban-sao.pdf",
                    "--key", "pki/van-phong.p12", "--password-env", "PW", "--tsa", server.url,
                ], env: Self.pw)
            try #require(issue.status == 0, "\(issue)")
            let first = try box.hoso("renew", "--tsa", server.url, "--json")
            try #require(first.status == 0, "\(first)")
            let r0 = try first.json(RenewJSON.self)
            #expect(r0.initial != nil && r0.renewed.isEmpty, "\(first)")
            #expect(r0.copies.count == 1 && r0.copies[0].document == nil && r0.copies[0].skipped == "not-due", "\(first)")

            let office = try String(contentsOfFile: box.path("office.json"), encoding: .utf8)
            let wide = try #require(office.range(of: "}", options: .backwards))
            try box.write("office.json", office.replacingCharacters(in: wide, with: #", "evidenceRenewalMarginDays": 3650}"#))
            try #require(try box.hoso("office", "set", "office.json").status == 0)
            let second = try box.hoso("renew", "--tsa", server.url, "--json")
            try #require(second.status == 0, "\(second)")
            let r1 = try second.json(RenewJSON.self)
            #expect(r1.renewed[r0.initial ?? ""] != nil, "\(second)")
            let renewedCopy = try #require(r1.copies.first?.document, "\(second)")
            #expect(r1.copies[0].printedNumber == r0.copies[0].printedNumber)
            let list = try box.hoso("copy", "list", "--json")
            #expect(list.out.contains(renewedCopy), "\(list)")
            // The text form reports both parts; the issued file still verifies.
            let text = try box.hoso("renew", "--tsa", server.url, "--lang", "en")
            #expect(text.status == 0 && text.out.contains("Issued copies") && text.out.contains("renewed →"), "\(text)")
            #expect(try box.hoso("copy", "verify", "ban-sao.pdf").status == 0)
        }
    }

    @Test func qrMadeWithALeakedSealKeyIsRefusedByTheRegister() throws {
        try withSandbox { box in
            try prepare(box)
            let real = try issueOne(box)
            let seal = try PKCS12.open([UInt8](try Data(contentsOf: URL(fileURLWithPath: box.path("pki/van-phong.p12")))), password: "pw")
            let genuine = try QRPayloadCodec.decode(real.qr).payload
            func forge(_ edit: (inout CopyPayload) -> Void) throws -> String {
                var p = genuine
                p.keyId = []
                edit(&p)
                return try QRPayloadCodec.encode(p, signer: seal.key)
            }
            let fakeName = try forge { $0.holderName = "Nguyễn Văn Giả" }
            let r = try box.hoso("copy", "verify", "--qr", fakeName, "--lang", "en")
            #expect(r.status == 8 && r.out.contains("FAILED") && r.out.contains("QR_REGISTER_MISMATCH"), "\(r)")
            #expect(r.out.contains("holderName"), "\(r)")
            // Every other field of the payload is compared too.
            let edits: [(String, (inout CopyPayload) -> Void)] = [
                ("dateOfBirth", { $0.dateOfBirth = "1979-12-31" }), ("ledgerNumber", { $0.ledgerNumber = "7" }),
                ("ledgerYear", { $0.ledgerYear += 1 }),
                ("issueDate", { $0.issueDate = String($0.issueDate.prefix(4)) + ($0.issueDate.hasSuffix("-01-01") ? "-01-02" : "-01-01") }),
            ]
            for (field, edit) in edits {
                let v = try box.hoso("copy", "verify", "--qr", try forge(edit), "--json")
                #expect(v.status == 8 && v.out.contains("QR_REGISTER_MISMATCH") && v.out.contains("\"\(field)\""), "\(field): \(v)")
            }
            // Another number: not in the register.
            let otherNumber = try box.hoso("copy", "verify", "--qr", try forge { $0.copyNumber += 50 }, "--json")
            #expect(otherNumber.status == 8 && otherNumber.out.contains("COPY_NOT_REGISTERED"), "\(otherNumber)")
            // The genuine QR still passes.
            let ok = try box.hoso("copy", "verify", "--qr", real.qr)
            #expect(ok.status == 0 && ok.out.contains("PASSED"), "\(ok)")
            // The forged code printed beside the genuine one: which is meant is unclear, so the image is refused.
            let both = try spawn(
                "/bin/sh",
                [
                    "-c",
                    """
                    qrencode -l M -s 4 -o a.png "$1" && qrencode -l M -s 4 -o b.png "$2" && /usr/bin/python3 -c '
                    from PIL import Image
                    a, b = Image.open("a.png").convert("L"), Image.open("b.png").convert("L")
                    out = Image.new("L", (a.width + b.width + 40, max(a.height, b.height)), 255)
                    out.paste(a, (0, 0)); out.paste(b, (a.width + 40, 0)); out.save("both.png")'
                    """, "sh", real.qr, fakeName,
                ], cwd: box.root)
            try #require(both.status == 0, "\(both)")
            let ambiguous = try box.hoso("copy", "verify", "--qr", "both.png")
            #expect(ambiguous.status == 3 && ambiguous.err.contains("QR_AMBIGUOUS"), "\(ambiguous)")
            // Without the archive a signature check cannot see the forgery, and the result says so.
            let offline = try box.hoso(
                ["copy", "verify", "--qr", fakeName, "--office-cert", "pki/van-phong.crt.pem", "--archive", "/nonexistent", "--lang", "en"]
                    + (try Self.trustArgs(box)))
            #expect(offline.status == 0 && offline.out.contains("SIGNATURE ONLY"), "\(offline)")
        }
    }

    /// `--office-cert` is input, not trust: a self-signed certificate in the office's name that signed a forged QR
    /// code does not make it pass, with or without trust anchors or an archive.
    @Test func aSelfSignedOfficeCertificateDoesNotMakeAForgedQRPass() throws {
        try withSandbox { box in
            try prepare(box)
            let real = try issueOne(box)
            let key = try PrivateKey.generate(.ecP256)
            let now = Date()
            let cert = try PKI.issue(
                CertificateSpec(
                    subject: [
                        .country("VN"), .organization("Phòng Giáo dục và Đào tạo huyện Tân Lập"),
                        .commonName("Phòng Giáo dục và Đào tạo huyện Tân Lập"),
                    ],
                    notBefore: now - 86_400, notAfter: now + 86_400, keyUsage: [.digitalSignature, .nonRepudiation]),
                key: key, issuer: nil)
            try box.write("fake.pem", cert.pem)
            var p = try QRPayloadCodec.decode(real.qr).payload
            p.keyId = []
            p.holderName = "Nguyễn Văn Giả"
            let forged = try QRPayloadCodec.encode(p, signer: key)
            let alone = try box.hoso("copy", "verify", "--qr", forged, "--office-cert", "fake.pem", "--archive", "/nonexistent")
            #expect(alone.status != 0 && !alone.out.contains("PASSED"), "\(alone)")
            #expect(alone.out.contains("NO_CERTIFICATE_CHAIN_FOUND"), "\(alone)")
            #expect(alone.out.contains(cert.fingerprint), "the certificate's fingerprint is printed: \(alone)")
            let anchored = try box.hoso(
                ["copy", "verify", "--qr", forged, "--office-cert", "fake.pem", "--archive", "/nonexistent"] + (try Self.trustArgs(box)))
            #expect(anchored.status != 0 && !anchored.out.contains("PASSED"), "\(anchored)")
            let archived = try box.hoso("copy", "verify", "--qr", forged, "--office-cert", "fake.pem", "--json")
            #expect(archived.status == 8 && archived.out.contains("NOT_OFFICE_SIGNER"), "\(archived)")
            // A real certificate of the PKI that is not the office's seal, given as the office's: refused with the archive.
            let teacher = try box.hoso("copy", "verify", "--qr", real.qr, "--office-cert", "pki/can-bo-van-bang.crt.pem")
            #expect(teacher.status == 8, "\(teacher)")
        }
    }

    /// A verification letter is a letter: its finding is told, never "Copy … PASSED"; in JSON its kind says so.
    @Test func aVerificationLetterIsReportedAsALetterWithItsFinding() throws {
        try withSandbox { box in
            try prepare(box)
            let req = try box.hoso(
                "request", "new", "--kind", "verification", "--requester", "Công ty TNHH Minh Phát", "--relation", "representative",
                "--proof", "Công văn 12/CV-MP", "--holder", "Lò Thị Mai", "--dob", "1981-01-01", "--serial", "Số 001234/BT",
                "--asking-body", "Công ty TNHH Minh Phát", "--channel", "post", "--json")
            try #require(req.status == 0, "\(req)")
            let id = try req.json(RequestJSON.self).id
            let answer = try box.hoso(
                ["request", "answer", id, "--out", "thu.pdf", "--key", "pki/van-phong.p12", "--password-env", "PW"], env: Self.pw)
            try #require(answer.status == 0, "\(answer)")
            let text = try box.hoso("copy", "verify", "thu.pdf", "--lang", "en")
            #expect(text.status == 0, "\(text)")
            #expect(!text.out.contains("Copy thu.pdf"), "\(text)")
            #expect(text.out.contains("Verification letter") && text.out.contains("DIFFERS") && text.out.contains("dateOfBirth"), "\(text)")
            struct Out: Decodable {
                var kind: String
                var indication: String
                var finding: String?
            }
            let json = try box.hoso("copy", "verify", "thu.pdf", "--json")
            let out = try json.json(Out.self)
            #expect(out.kind == "letter" && out.finding == "DIFFERS" && out.indication == "PASSED", "\(json)")
            // A copy is a copy.
            _ = try issueOne(box)
            let copy = try box.hoso("copy", "verify", "ban-sao.pdf", "--json")
            #expect(try copy.json(Out.self).kind == "copy", "\(copy)")
        }
    }

    /// A file that is not a readable PDF is a verification result, FAILED FORMAT_FAILURE (exit 8), not bad input.
    @Test func anUnreadablePDFIsFailedFormatFailure() throws {
        try withSandbox { box in
            try prepare(box)
            for (name, bytes) in [
                ("rac.pdf", Data("not a pdf at all".utf8)), ("cut.pdf", Data("%PDF-1.7\n1 0 obj\n<< /Type /Catalog".utf8)),
            ] {
                try box.write(name, bytes)
                let r = try box.hoso("copy", "verify", name)
                #expect(r.status == 8 && r.out.contains("FAILED") && r.out.contains("FORMAT_FAILURE"), "\(name): \(r)")
                let j = try box.hoso("copy", "verify", name, "--json")
                #expect(j.status == 8 && j.out.contains("FORMAT_FAILURE"), "\(name): \(j)")
            }
        }
    }

    struct RegisterLine: Decodable {
        var requestId: String
        var document: String
        var copyNumber: Int
    }
    struct RequestState: Decodable {
        struct Issued: Decodable { var document: String }
        var status: String
        var issued: [Issued]
    }

    /// `hoso copy issue` killed (SIGKILL) at instants spread over its whole run, again and again: the archive stays
    /// whole (fsck), every register line has its PDF and its request marked issued and vice versa, nothing forks,
    /// and every request killed before its commit is served afterwards with a number of its own.
    @Test func copyIssuingSurvivesSIGKILLAtAnyInstant() throws {
        try withSandbox { box in
            try prepare(box)
            let trials = 12
            var ids = [String]()
            for _ in 0...trials {
                let r = try box.hoso(
                    "request", "new", "--requester", "Lò Thị Mai", "--relation", "holder", "--holder", "Lò Thị Mai",
                    "--serial", "Số 001234/BT", "--json")
                try #require(r.status == 0, "\(r)")
                ids.append(try r.json(RequestJSON.self).id)
            }
            func issueArgs(_ id: String, _ n: Int) -> [String] {
                [
                    "copy", "issue", "Số 001234/BT", "--request", id, "--out", "c\(n).pdf", "--key", "pki/van-phong.p12", "--password-env",
                    "PW",
                ]
            }
            // One whole run, timed: the kills fall between its start and a little after its end.
            let t0 = Date()
            let first = try box.hoso(issueArgs(ids[0], 0), env: Self.pw)
            try #require(first.status == 0, "\(first)")
            let whole = Date().timeIntervalSince(t0)
            var generator = SystemRandomNumberGenerator()
            for n in 1...trials {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: hosoBinary)
                p.arguments = issueArgs(ids[n], n)
                p.currentDirectoryURL = URL(fileURLWithPath: box.root)
                p.environment = cleanEnvironment.merging(Self.pw) { $1 }
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                p.standardInput = FileHandle.nullDevice
                try launch(p)
                // Spread evenly over the run (plus a random part), so the commit at its end is hit too.
                let at = whole * (0.3 + 0.8 * Double(n) / Double(trials)) + Double.random(in: 0...0.02, using: &generator)
                Thread.sleep(forTimeInterval: at)
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
            }
            let fsck = try box.hoso("fsck")
            #expect(fsck.status == 0, "\(fsck)")
            struct Conflict: Decodable { var recordId: String }
            let conflicts = try box.hoso("conflicts", "--json")
            let open = try conflicts.json([Conflict].self)
            #expect(conflicts.status == 0 && open.isEmpty, "\(conflicts)")
            func check() throws -> (register: [RegisterLine], waiting: [String]) {
                let list = try box.hoso("copy", "list", "--json")
                #expect(list.status == 0, "\(list)")
                let register = try list.json([RegisterLine].self)
                #expect(Set(register.map(\.copyNumber)).count == register.count, "a copy number used twice")
                var waiting = [String]()
                for id in ids {
                    let shown = try box.hoso("request", "show", id, "--json")
                    try #require(shown.status == 0, "\(shown)")
                    let r = try shown.json(RequestState.self)
                    let lines = register.filter { $0.requestId == id }
                    if r.status == "issued" {
                        #expect(lines.count == 1 && r.issued.map(\.document) == lines.map(\.document), "\(id): \(lines) \(r.issued)")
                        for l in lines { #expect(try box.hoso("cat", l.document).status == 0, "the PDF of \(id) is missing") }
                    } else {
                        #expect(r.status == "received" && lines.isEmpty, "\(id): \(r.status), \(lines)")
                        waiting.append(id)
                    }
                }
                return (register, waiting)
            }
            let (_, waiting) = try check()
            // The early kills fall before any commit (the late ones may or may not, with the machine's load).
            #expect(!waiting.isEmpty)
            print("copy issue killed \(trials) times in \(String(format: "%.2f", whole)) s runs: \(trials - waiting.count) had committed")
            for (k, id) in waiting.enumerated() {
                let r = try box.hoso(issueArgs(id, 100 + k), env: Self.pw)
                #expect(r.status == 0, "\(r)")
            }
            let (register, left) = try check()
            #expect(left.isEmpty && register.count == ids.count)
            #expect(try box.hoso("fsck").status == 0)
        }
    }

    @Test func wrongRequestAndRevokedDiploma() throws {
        try withSandbox { box in
            try prepare(box)
            let req = try box.hoso(
                "request", "new", "--requester", "Hoàng Văn Páo", "--holder", "Hoàng Văn Páo",
                "--serial", "Số 001235/BT", "--json")
            let id = try req.json(RequestJSON.self).id
            // The request names another diploma than the entry asked for: refused, nothing issued.
            let mismatch = try box.hoso(
                [
                    "copy", "issue", "Số 001234/BT", "--request", id, "--out", "x.pdf",
                    "--key", "pki/van-phong.p12", "--password-env", "PW",
                ], env: Self.pw)
            #expect(mismatch.status == 3 && mismatch.err.contains("REQUEST_ENTRY_MISMATCH"), "\(mismatch)")
            #expect(!box.exists("x.pdf"))
            try box.write(
                "revocation.json",
                """
                {"kind": "Hủy bỏ", "decision": {"number": "3/QĐ-PGDĐT", "date": "2026-02-02"}, "issuer": "Phòng Giáo dục huyện Tân Lập",
                 "reason": "Văn bằng cấp trùng", "serial": "Số 001235/BT", "ledgerRecordId": "PGD-TANLAP/THCS/1996/PTCS-TANLAP", "ledgerNumber": 2}
                """)
            try #require(try box.hoso("record", "new", "revocation", "HB-1", "revocation.json").status == 0)
            let revoked = try box.hoso(
                [
                    "copy", "issue", "Số 001235/BT", "--request", id, "--out", "x.pdf",
                    "--key", "pki/van-phong.p12", "--password-env", "PW",
                ], env: Self.pw)
            #expect(revoked.status == 3 && revoked.err.contains("DIPLOMA_REVOKED"), "\(revoked)")
            let refuse = try box.hoso("request", "refuse", id, "--reason", "Văn bằng đã bị hủy bỏ (3/QĐ-PGDĐT)")
            #expect(refuse.status == 0, "\(refuse)")
            let show = try box.hoso("request", "show", id, "--lang", "en")
            #expect(show.out.contains("refused") && show.out.contains("refused because"), "\(show)")
        }
    }
}
