import Foundation
import HosoCore
import HosoTestSupport
import Testing

/// The grade-book year through the binary: a teacher signs every book of theirs in a class with one SoftHSM2 token
/// unlock; the principal locks the class's term; a changed import is refused, filed as a correction request, approved,
/// and `hoso history` shows it as a correction with the signed revision before it.
@Suite struct GradeBookYearCLITests {
    static let school = "Trường THCS Tân Lập"
    static let pw = ["PW": "pw"]

    func fingerprint(_ box: Sandbox, _ cert: String) throws -> String {
        let r = try spawn("/bin/sh", ["-c", "openssl x509 -in \(cert) -outform DER | sha256sum"], cwd: box.root)
        try #require(r.status == 0, "\(r)")
        return String(r.out.prefix(64))
    }

    /// People, assignments (Ngọc teaches Toán and Tin học in 9A; Hiệu is the principal) and three books of 9A, HK1.
    func prepareYear(_ box: Sandbox) throws {
        try SigningCLITests().prepare(box)
        let ngoc = try fingerprint(box, "pki/gv-van.crt.pem")
        let records: [(String, String, String)] = [
            (
                "person", "p-ngoc",
                #"{"fullName":"Trần Thị Bích Ngọc","dateOfBirth":"1985-01-02","roles":["teacher"],"certificates":[{"sha256":"\#(ngoc)"}]}"#
            ),
            ("person", "p-hieu", #"{"fullName":"Lê Văn Hiệu","dateOfBirth":"1970-05-06","roles":["teacher"]}"#),
            (
                "assignment", "as-toan",
                #"{"person":"p-ngoc","role":"subject-teacher","school":"\#(Self.school)","class":"9A","subject":"Toán","schoolYear":"2024-2025","from":"2020-01-01"}"#
            ),
            (
                "assignment", "as-tin",
                #"{"person":"p-ngoc","role":"subject-teacher","school":"\#(Self.school)","class":"9A","subject":"Tin học","schoolYear":"2024-2025","from":"2020-01-01"}"#
            ),
            ("assignment", "as-hieu", #"{"person":"p-hieu","role":"principal","school":"\#(Self.school)","from":"2020-01-01"}"#),
        ]
        for (type, id, json) in records {
            try box.write("\(id).json", json)
            let r = try box.hoso("record", "new", type, id, "\(id).json")
            try #require(r.status == 0, "\(r)")
        }
        for subject in ["Toán", "Tin học", "Ngữ văn"] {
            try box.write("book.csv", Self.csv(final: "8"))
            let r = try box.hoso(Self.importArgs(subject: subject) + ["book.csv"])
            try #require(r.status == 0, "\(r)")
        }
    }

    static func csv(final: String) -> String {
        "ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet\r\n0123456789,Lò Văn An,01/02/2010,7,8,\"6,5\",,7,\(final),\r\n"
    }

    static func importArgs(subject: String) -> [String] {
        [
            "gradebook", "import", "--school", school, "--class", "9A", "--year", "2024-2025", "--subject", subject, "--term", "HK1",
            "--level", "THCS", "--periods", "70", "--assessment", "scored", "--teacher", "Trần Thị Bích Ngọc",
        ]
    }

    @Test func oneTokenUnlockSignsTheTeachersBooksThenALockedBookIsCorrectedOnlyWithApproval() throws {
        guard let softhsm = tool("softhsm2-util"), FileManager.default.fileExists(atPath: "/usr/lib/softhsm/libsofthsm2.so") else {
            Issue.record("softhsm2 is not installed (tools/setup installs it)")
            return
        }
        try withSandbox { box in
            try prepareYear(box)
            try box.mkdir("tokens")
            try box.write("softhsm2.conf", "directories.tokendir = \(box.path("tokens"))\nobjectstore.backend = file\n")
            let hsm = ["SOFTHSM2_CONF": box.path("softhsm2.conf")]
            let initTok = try spawn(
                softhsm, ["--init-token", "--free", "--label", "hoso", "--pin", "1234", "--so-pin", "5678"], cwd: box.root,
                env: cleanEnvironment.merging(hsm) { $1 })
            try #require(initTok.status == 0, "\(initTok)")
            let imp = try spawn(
                softhsm,
                ["--import", box.path("pki/keys/gv-van.key.pem"), "--token", "hoso", "--label", "gv-van", "--id", "01", "--pin", "1234"],
                cwd: box.root, env: cleanEnvironment.merging(hsm) { $1 })
            try #require(imp.status == 0, "\(imp)")

            // One process, one PIN read from the environment once: every book of hers in 9A is signed, Ngữ văn skipped.
            let sign = try box.hoso(
                [
                    "gradebook", "sign", "--school", Self.school, "--year", "2024-2025", "--class", "9A", "--term", "HK1",
                    "--key", "pkcs11:token=hoso;object=gv-van", "--cert", "pki/gv-van.crt.pem",
                    "--pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so", "--password-env", "PIN", "--json",
                ], env: hsm.merging(["PIN": "1234"]) { $1 })
            #expect(sign.status == 0, "\(sign)")
            struct Item: Decodable {
                var subject: String
                var outcome: String
            }
            let items = try sign.json([Item].self)
            #expect(
                Dictionary(uniqueKeysWithValues: items.map { ($0.subject, $0.outcome) }) == [
                    "Toán": "signed", "Tin học": "signed", "Ngữ văn": "skipped",
                ])
            #expect(sign.err.contains("[1/3]") && sign.err.contains("[3/3]"), "progress")
            let book = "gradebook/truong-thcs-tan-lap/2024-2025/9a/toan/hk1"
            let verified = try box.hoso("verify", book, "--json")
            #expect(verified.status == 0, "\(verified)")

            // Only the school's principal locks.
            let notPrincipal = try box.hoso(
                "term", "lock", "--school", Self.school, "--year", "2024-2025", "--term", "HK1", "--class", "9A", "--as", "p-ngoc")
            #expect(notPrincipal.status != 0 && notPrincipal.err.contains("NOT_PRINCIPAL"), "\(notPrincipal)")
            let lock = try box.hoso(
                "term", "lock", "--school", Self.school, "--year", "2024-2025", "--term", "HK1", "--class", "9A", "--as", "p-hieu")
            #expect(lock.status == 0, "\(lock)")

            // A changed import is refused, then filed as a request, then approved.
            try box.write("book.csv", Self.csv(final: "9,5"))
            let refused = try box.hoso(Self.importArgs(subject: "Toán") + ["--reason", "chấm phúc khảo", "book.csv"])
            #expect(refused.status != 0 && refused.err.contains("TERM_LOCKED"), "\(refused)")
            #expect(refused.err.contains("--request-correction"), "the CLI says how to ask")
            let asked = try box.hoso(
                Self.importArgs(subject: "Toán") + ["--request-correction", "--reason", "chấm phúc khảo", "--json", "book.csv"])
            #expect(asked.status == 0, "\(asked)")
            let request = try #require(try asked.json([String: String].self)["request"])
            let approve = try box.hoso("correction", "approve", request, "--as", "p-hieu", "--note", "Đồng ý")
            #expect(approve.status == 0, "\(approve)")

            let history = try box.hoso("history", book)
            #expect(history.status == 0)
            #expect(history.out.contains("SỬA SAU KHÓA SỔ — Lê Văn Hiệu duyệt"), "\(history.out)")
            #expect(history.out.contains("chấm phúc khảo"))
            let after = try box.hoso("verify", book, "--json")
            #expect(after.status == 4, "the correction is not signed yet: \(after)")
            // Signing again needs the token once more; the signed revision before the correction keeps its signature.
            let again = try box.hoso(
                [
                    "gradebook", "sign", "--school", Self.school, "--year", "2024-2025", "--class", "9A", "--term", "HK1",
                    "--key", "pkcs11:token=hoso;object=gv-van", "--cert", "pki/gv-van.crt.pem",
                    "--pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so", "--password-env", "PIN",
                ], env: hsm.merging(["PIN": "1234"]) { $1 })
            #expect(again.status == 0 && again.out.contains("Đã ký 1 sổ điểm"), "\(again)")
        }
    }
}
