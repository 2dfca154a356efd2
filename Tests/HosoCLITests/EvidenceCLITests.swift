import Foundation
import HosoTestSupport
import Testing

/// Evidence records through the binary, with HOSO_NOW time travel: a demo PKI made in 2019 (its TSA certificate
/// expires 2021-02-28, the teacher's too), a signature and archive timestamp in 2019, a renewal in 2020 by the TSA of
/// a PKI made then (valid to 2022-05-31); judged with `verify --at 2022-01-01`.
@Suite struct EvidenceCLITests {
    static let gradeBook = repoRoot + "/Schemas/examples/valid-grade-book-thcs-scored.json"

    struct ReportJSON: Decodable {
        var indication: String
        var signatures: [Entry]
        struct Entry: Decodable { var report: Report }
        struct Report: Decodable {
            var indication: String
            var reason: String?
            var message: Message
            var evidence: Evidence?
        }
        struct Message: Decodable { var en: String }
        struct Evidence: Decodable { var timestamps: [Stamp] }
        struct Stamp: Decodable { var authority: String }
    }

    func run(_ box: Sandbox, _ now: String, _ args: [String]) throws -> ProgramOutput {
        try box.hoso(args, env: ["PW": "pw", "HOSO_NOW": now])
    }

    @discardableResult
    func ok(_ box: Sandbox, _ now: String, _ args: [String]) throws -> ProgramOutput {
        let r = try run(box, now, args)
        try #require(r.status == 0, "\(args): \(r)")
        return r
    }

    @Test func signatureFrom2019VerifiesLaterOnlyAfterRenewal() throws {
        try withSandbox { box in
            try ok(box, "2019-03-01T08:00:00Z", ["pki", "demo", "pki2019", "--password-env", "PW"])
            try ok(box, "2020-06-01T08:00:00Z", ["pki", "demo", "pki2020", "--password-env", "PW"])
            try box.initArchive()
            func trust(_ p: String) throws {
                let list = { (dir: String) in try FileManager.default.contentsOfDirectory(atPath: box.path("\(p)/\(dir)")).sorted() }
                try ok(box, "2019-03-01T09:00:00Z", ["trust", "add", "--label", p] + (try list("roots")).map { "\(p)/roots/\($0)" })
                try ok(box, "2019-03-01T09:00:00Z", ["trust", "ca"] + (try list("ca")).map { "\(p)/ca/\($0)" })
                try ok(
                    box, "2019-03-01T09:00:00Z",
                    ["trust", "crl"] + (try list("crl")).filter { $0.hasSuffix(".crl") }.map { "\(p)/crl/\($0)" })
            }
            try trust("pki2019")
            try ok(box, "2019-03-01T09:00:00Z", ["record", "new", "grade-book", "gb1", Self.gradeBook])
            try ok(
                box, "2019-03-01T10:00:00Z",
                ["sign", "gb1", "--key", "pki2019/gv-toan.p12", "--password-env", "PW", "--role", "subject-teacher"])
            try ok(box, "2019-03-01T10:05:00Z", ["timestamp", "--key", "pki2019/tsa.p12", "--password-env", "PW"])
            // A TSA the archive does not trust (yet) is refused before anything is written.
            let untrusted = try run(box, "2019-03-02T00:00:00Z", ["renew", "--key", "pki2020/tsa.p12", "--password-env", "PW"])
            #expect(untrusted.status != 0, "\(untrusted)")
            #expect(untrusted.err.contains("BAD_TIMESTAMP"), "\(untrusted)")
            let first = try ok(box, "2019-03-02T00:00:00Z", ["renew", "--key", "pki2019/tsa.p12", "--password-env", "PW", "--json"])
            #expect(first.out.contains("\"initial\""), "\(first)")
            // Still far from the TSA certificate's end: nothing to renew, nothing new to cover.
            let idle = try ok(box, "2019-04-01T00:00:00Z", ["renew", "--key", "pki2019/tsa.p12", "--password-env", "PW"])
            #expect(idle.out.contains("No archive timestamp needed") || idle.out.contains("Không cần"), "\(idle)")

            let before = try run(box, "2022-01-01T00:00:00Z", ["verify", "gb1", "--at", "2022-01-01", "--json"])
            #expect(before.status == 7, "\(before)")
            let r0 = try before.json(ReportJSON.self).signatures[0].report
            #expect(r0.indication == "INDETERMINATE")
            #expect(r0.reason == "NO_POE")
            #expect(r0.message.en.contains("expired on 2021-02-28") && r0.message.en.contains("no renewal covers it"), "\(r0.message.en)")
            // Without --at the old rule stands: the signature's own timestamp.
            #expect(try run(box, "2022-01-01T00:00:00Z", ["verify", "gb1"]).status == 0)

            try trust("pki2020")
            let renewal = try ok(box, "2020-06-01T09:00:00Z", ["renew", "--key", "pki2020/tsa.p12", "--password-env", "PW"])
            #expect(renewal.out.contains("Renewed") || renewal.out.contains("Đã gia hạn"), "\(renewal)")
            let after = try run(box, "2022-01-01T00:00:00Z", ["verify", "gb1", "--at", "2022-01-01", "--json"])
            #expect(after.status == 0, "\(after)")
            let r1 = try after.json(ReportJSON.self).signatures[0].report
            #expect(r1.indication == "PASSED")
            #expect(r1.evidence?.timestamps.count == 2)
            // Past the renewing TSA's end too, nothing covers it any more.
            let late = try run(box, "2023-01-01T00:00:00Z", ["verify", "gb1", "--at", "2023-01-01", "--json"])
            #expect(late.status == 7, "\(late)")
            // The archive still checks whole.
            #expect(try run(box, "2022-01-01T00:00:00Z", ["fsck"]).status == 0)

            // The office moves evidence to SHA-512 from 2020-06-01: until a hash-tree renewal, the SHA-256 evidence no
            // longer suffices; `renew` re-hashes everything under one new timestamp, and the evidence holds again.
            try box.write(
                "office.json",
                """
                {"officeName": "Phòng Giáo dục và Đào tạo huyện Tân Lập", "superiorBody": "", "place": "Tân Lập",
                 "signerTitle": "Trưởng phòng", "signerName": "Vũ Minh Tuấn", "officeCode": "PGD-TL",
                 "workingDays": [1, 2, 3, 4, 5], "holidays": [], "cutoff": "15:00", "closing": "17:00", "utcOffset": "+07:00",
                 "verificationDays": 5, "copySigners": [], "evidenceHashAlgorithm": "sha512", "evidenceHashAlgorithmFrom": "2020-06-01"}
                """)
            try ok(box, "2020-06-01T09:00:00Z", ["office", "set", "office.json"])
            let stale = try run(box, "2022-01-01T00:00:00Z", ["verify", "gb1", "--at", "2022-01-01", "--json"])
            #expect(stale.status == 7, "\(stale)")
            #expect(try stale.json(ReportJSON.self).signatures[0].report.message.en.contains("sha512"), "\(stale)")
            let rehash = try ok(box, "2020-06-01T10:00:00Z", ["renew", "--key", "pki2020/tsa.p12", "--password-env", "PW", "--json"])
            struct Outcome: Decodable {
                var hashAlgorithm: String
                var treeRenewal: String?
                var treeRenewalCovered: Int
            }
            let o = try rehash.json(Outcome.self)
            #expect(o.hashAlgorithm == "sha512" && o.treeRenewal != nil, "\(rehash)")
            #expect(o.treeRenewalCovered >= 2, "\(rehash)")  // the signature and its validation data
            let again = try ok(box, "2020-06-01T11:00:00Z", ["renew", "--key", "pki2020/tsa.p12", "--password-env", "PW"])
            #expect(!again.out.contains("Hash-tree renewal") && !again.out.contains("Gia hạn cây băm"), "\(again)")
            let renewed = try run(box, "2022-01-01T00:00:00Z", ["verify", "gb1", "--at", "2022-01-01", "--json"])
            #expect(renewed.status == 0, "\(renewed)")
            #expect(try renewed.json(ReportJSON.self).signatures[0].report.evidence?.timestamps.count == 3, "\(renewed)")
            #expect(try run(box, "2022-01-01T00:00:00Z", ["fsck"]).status == 0)
        }
    }
}
