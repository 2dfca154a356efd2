import Foundation
import HosoTestSupport
import Testing

/// Custody of ledgers and school history through the binary: a district archive hands its ledger over to a province
/// archive with a sealed inventory in a bundle; the province refuses a tampered bundle and an inventory whose seal it
/// does not know, then countersigns; the school's names over time; exit codes, `--json` and `--help`.
@Suite struct CustodyCLITests {
    static let pw = ["PW": "pw", "HOSO_AUTHOR": "test"]
    static let district = "Phòng Giáo dục và Đào tạo huyện Tân Lập"
    static let province = "Sở Giáo dục và Đào tạo tỉnh Sơn Lâm"

    struct Ledger: Decodable {
        var record: String
        var entries: Int
        var issuer: String
    }
    struct Transfer: Decodable {
        struct Office: Decodable { var office: String }
        var from: Office
        var to: Office
        var ledgers: [Ledger]
    }
    struct Status: Decodable {
        var id: String
        var direction: String
        var sealedBy: [String]
        var countersignedBy: [String]
        var transfer: Transfer
    }
    struct History: Decodable {
        struct Name: Decodable {
            var name: String
            var from: String?
        }
        var names: [Name]
        var presentName: String
        var mergedIntoName: String?
    }

    @discardableResult
    func ok(_ box: Sandbox, _ args: [String]) throws -> ProgramOutput {
        let r = try box.hoso(args, env: Self.pw)
        try #require(r.status == 0, "\(args): \(r)")
        return r
    }

    func officeJSON(_ name: String, code: String, seal: String, sources: String = "") -> String {
        """
        {"officeName": "\(name)", "superiorBody": "Ủy ban nhân dân", "place": "Tân Lập", "signerTitle": "Trưởng phòng",
         "signerName": "Vũ Minh Tuấn", "officeCode": "\(code)", "workingDays": [1, 2, 3, 4, 5], "holidays": [], "cutoff": "15:00",
         "closing": "17:00", "utcOffset": "+07:00", "verificationDays": 5, "copySigners": ["\(seal)"]\(sources)}
        """
    }

    /// Two archives trusting one demo PKI (and a second PKI for the province's seal), each the other's sync peer;
    /// the district (`archive`) holds the example ledger.
    func twoOffices(_ box: Sandbox) throws -> (districtSeal: String, provinceSeal: String) {
        try ok(box, ["pki", "demo", "pki", "--password-env", "PW"])
        try ok(box, ["pki", "demo", "pki-so", "--password-env", "PW"])
        let list = { (dir: String, suffix: String) in
            try FileManager.default.contentsOfDirectory(atPath: box.path(dir)).filter { $0.hasSuffix(suffix) }.map { "\(dir)/\($0)" }
        }
        let districtSeal = try CopyCLITests.fingerprint(box, "pki/van-phong.crt.pem")
        let provinceSeal = try CopyCLITests.fingerprint(box, "pki-so/van-phong.crt.pem")
        for a in ["archive", "so"] {
            try ok(box, ["init", a])
            for p in ["pki", "pki-so"] {
                try ok(box, ["--archive", a, "trust", "add"] + list("\(p)/roots", ""))
                try ok(box, ["--archive", a, "trust", "ca"] + list("\(p)/ca", ""))
                try ok(box, ["--archive", a, "trust", "crl"] + list("\(p)/crl", ".crl"))
            }
        }
        try ok(box, ["record", "new", "ledger", "PGD-TANLAP/THCS/1996/PTCS-TANLAP", CopyCLITests.ledger])
        try box.write("d.json", officeJSON(Self.district, code: "PGD-TL", seal: districtSeal))
        try ok(box, ["office", "set", "d.json"])
        // The province does not know the district's seal yet (no custodySources).
        try box.write("p.json", officeJSON(Self.province, code: "SGD-SL", seal: provinceSeal))
        try ok(box, ["--archive", "so", "office", "set", "p.json"])
        for (a, name) in [("archive", "phong"), ("so", "so-gd")] {
            try ok(box, ["--archive", a, "node", "init", "--name", name, "--role", "office", "--pki", "pki"])
            try ok(box, ["--archive", a, "node", "show", "--cert-out", "\(name).pem"])
        }
        try ok(
            box,
            ["--archive", "archive", "peer", "add", "so-gd", "--cert", "so-gd.pem", "--role", "office", "--scope", "<custody-transfer:*"])
        try ok(
            box,
            [
                "--archive", "so", "peer", "add", "phong", "--cert", "phong.pem", "--role", "office", "--scope", "<ledger:*", "--scope",
                "<digitization:*", "--scope", "<custody-transfer:*",
            ])
        return (districtSeal, provinceSeal)
    }

    func list(_ box: Sandbox, _ archive: String) throws -> [Status] {
        try ok(box, ["--archive", archive, "custody", "list", "--json"]).json([Status].self)
    }

    @Test func aTransferIsSealedRefusedWhenTamperedOrUnknownAndCountersigned() throws {
        try withSandbox { box in
            let (districtSeal, provinceSeal) = try twoOffices(box)
            let key = ["--key", "pki/van-phong.p12", "--password-env", "PW"]
            let provinceKey = ["--key", "pki-so/van-phong.p12", "--password-env", "PW"]
            // Nothing to hand over to an unknown peer; a province seal cannot sign for the district.
            let unknown = try box.hoso(["custody", "transfer", "--to", "nobody", "--all"] + key, env: Self.pw)
            #expect(unknown.status != 0 && !unknown.errorLines.isEmpty, "\(unknown)")
            let wrongSeal = try box.hoso(["custody", "transfer", "--to", "so-gd", "--all"] + provinceKey, env: Self.pw)
            #expect(wrongSeal.status == 3 && wrongSeal.err.contains("NOT_OFFICE_SEAL"), "\(wrongSeal)")
            #expect(try list(box, "archive").isEmpty)

            let sent = try ok(box, ["custody", "transfer", "--to", "so-gd", "--to-office", Self.province, "--all", "--json"] + key)
                .json(Status.self)
            #expect(sent.direction == "out" && sent.sealedBy.count == 1 && sent.countersignedBy.isEmpty)
            #expect(sent.transfer.to.office == Self.province && sent.transfer.ledgers.map(\.record) == ["PGD-TANLAP/THCS/1996/PTCS-TANLAP"])
            #expect(sent.transfer.ledgers[0].entries > 0)
            // Handed over: nothing left to hand over again.
            let again = try box.hoso(["custody", "transfer", "--to", "so-gd", "--all"] + key, env: Self.pw)
            #expect(again.status == 3 && again.err.contains("CUSTODY_LEDGERS_INVALID"), "\(again)")
            try ok(box, ["bundle", "create", "--for", "so-gd", "--out", "t.tar", "--no-compress"])

            // A bundle changed on the way is refused whole: nothing imported, nothing signed.
            try box.mkdir("x")
            #expect(try spawn("/bin/tar", ["-xf", "t.tar", "-C", "x"], cwd: box.root).status == 0)
            let found = try spawn("/bin/sh", ["-c", "find x -path '*/data/*' -type f -size +100c | sort | head -1"], cwd: box.root)
            let payload = try #require(found.out.split(separator: "\n").first.map(String.init), "\(found)")
            var bytes = try box.read(payload)
            bytes[bytes.count / 2] ^= 0x01
            try box.write(payload, bytes)
            #expect(try spawn("/bin/sh", ["-c", "cd x && tar -cf ../tampered.tar *"], cwd: box.root).status == 0)
            let tampered = try box.hoso(["--archive", "so", "custody", "accept", "tampered.tar"] + provinceKey, env: Self.pw)
            #expect([1, 3].contains(tampered.status) && !tampered.errorLines.isEmpty, "\(tampered)")
            #expect(try list(box, "so").allSatisfy { $0.countersignedBy.isEmpty })

            // The district's seal is not one the province knows: refused with its code, exit 3, nothing signed.
            let unknownSeal = try box.hoso(["--archive", "so", "custody", "accept", "t.tar"] + provinceKey, env: Self.pw)
            #expect(unknownSeal.status == 3 && unknownSeal.err.contains("CUSTODY_SEAL_UNKNOWN"), "\(unknownSeal)")
            let waiting = try #require(try list(box, "so").first)
            #expect(waiting.direction == "in" && waiting.countersignedBy.isEmpty && waiting.id == sent.id)
            let listed = try ok(box, ["--archive", "so", "custody", "list"]).out
            #expect(listed.contains("chờ xác nhận") || listed.contains("CHƯA KÝ"), "\(listed)")

            // Once the settings name the district's seal, the same transfer checks and is countersigned.
            let sources = #", "custodySources": [{"office": "\#(Self.district)", "seals": ["\#(districtSeal)"]}]"#
            try box.write("p.json", officeJSON(Self.province, code: "SGD-SL", seal: provinceSeal, sources: sources))
            try ok(box, ["--archive", "so", "office", "set", "p.json"])
            let accepted = try ok(box, ["--archive", "so", "custody", "accept", "--transfer", sent.id, "--json"] + provinceKey)
                .json([Status].self)
            #expect(accepted.count == 1 && accepted[0].sealedBy.count == 1 && accepted[0].countersignedBy.count == 1)
            let after = try #require(try list(box, "so").first)
            #expect(after.countersignedBy.count == 1 && after.transfer.from.office == Self.district)
            #expect(try ok(box, ["--archive", "so", "custody", "list"]).out.contains("đã xác nhận"))
            // Neither BUNDLE nor --transfer, or both: a usage error.
            #expect(try box.hoso(["--archive", "so", "custody", "accept"] + provinceKey, env: Self.pw).status == 2)
        }
    }

    @Test func aSchoolsNamesOverTime() throws {
        try withSandbox { box in
            try box.initArchive()
            try ok(box, ["record", "new", "ledger", "PGD-TANLAP/THCS/1996/PTCS-TANLAP", CopyCLITests.ledger])
            let renamed = try ok(
                box, ["school", "rename", "Trường PTCS Tân Lập", "--to", "Trường THCS Tân Lập", "--date", "2020-09-01", "--json"]
            ).json(History.self)
            #expect(renamed.names.map(\.name) == ["Trường PTCS Tân Lập", "Trường THCS Tân Lập"], "\(renamed)")
            #expect(renamed.presentName == "Trường THCS Tân Lập")
            let merged = try ok(
                box, ["school", "merge", "Trường THCS Tân Lập", "--into", "Trường TH và THCS Tân Lập", "--date", "2025-07-01", "--json"]
            ).json(History.self)
            #expect(merged.mergedIntoName == "Trường TH và THCS Tân Lập")
            // Any of its names finds the history; the text names the merge.
            let byOld = try ok(box, ["school", "history", "Trường PTCS Tân Lập", "--json"]).json(History.self)
            #expect(byOld.names.count == 2 && byOld.mergedIntoName == "Trường TH và THCS Tân Lập")
            let text = try ok(box, ["school", "history", "Trường THCS Tân Lập"]).out
            #expect(text.contains("2020-09-01") && text.contains("sáp nhập vào Trường TH và THCS Tân Lập"), "\(text)")
            let none = try box.hoso(["school", "history", "Trường Không Có"], env: Self.pw)
            #expect(none.status == 4 && none.err.contains("SCHOOL_NOT_FOUND"), "\(none)")
            // A bad date is bad input, not a crash.
            let bad = try box.hoso(["school", "rename", "Trường THCS Tân Lập", "--to", "X", "--date", "01/09/2020"], env: Self.pw)
            #expect(bad.status == 2 || bad.status == 3, "\(bad)")
        }
    }

    @Test func helpTextsNameTheCommandsAndTheirOptions() throws {
        try withSandbox { box in
            let custody = try ok(box, ["custody", "--help"]).out
            #expect(custody.contains("transfer") && custody.contains("accept") && custody.contains("list"), "\(custody)")
            let transfer = try ok(box, ["custody", "transfer", "--help"]).out
            #expect(transfer.contains("--to-office") && transfer.contains("--all") && transfer.contains("--key"), "\(transfer)")
            let accept = try ok(box, ["custody", "accept", "--help"]).out
            #expect(accept.contains("--transfer") && accept.contains("BUNDLE"), "\(accept)")
            let school = try ok(box, ["school", "--help"]).out
            #expect(school.contains("rename") && school.contains("merge") && school.contains("history"), "\(school)")
            let en = try box.hoso(["custody", "list", "--help"], env: ["HOSO_LANG": "en"])
            #expect(en.status == 0 && en.out.contains("Custody transfers"), "\(en)")
        }
    }
}
