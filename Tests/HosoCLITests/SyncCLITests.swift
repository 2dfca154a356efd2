import Foundation
import HosoTestSupport
import Testing

/// A school and its office through the binary: node identities from the demo PKI, peers, a bundle each way on a "USB
/// stick", checked by bagit.py (the Library of Congress validator) and imported twice.
@Suite struct SyncCLITests {
    struct Created: Decodable {
        var id: String
        var objects: Int
        var sequence: Int
        var compressed: Bool
    }
    struct Result: Decodable {
        var revisions: Int
        var newObjects: Int
    }
    struct Imported: Decodable {
        var id: String
        var alreadyImported: Bool
        var result: Result
    }
    struct Node: Decodable {
        var node: String
        var name: String
        var role: String
    }

    func ok(_ box: Sandbox, _ args: [String], env: [String: String] = [:]) throws -> ProgramOutput {
        let r = try box.hoso(args, env: env)
        try #require(r.status == 0, "\(args): \(r)")
        return r
    }

    /// Extracts a bundle (gzip or not) and runs `bagit.py --validate` on the bag.
    func bagitValidates(_ box: Sandbox, _ bundle: String) throws -> ProgramOutput {
        let bagit = pythonTool("bagit.py")
        try #require(FileManager.default.fileExists(atPath: bagit), "run tools/setup (make test does)")
        let dir = box.path("extract-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let x = try spawn("/bin/tar", ["-xf", box.path(bundle), "-C", dir], cwd: box.root)
        try #require(x.status == 0, "\(x)")
        let bag = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first)
        return try spawn(pythonTool("python"), [bagit, "--validate", dir + "/" + bag], cwd: box.root)
    }

    @Test func schoolAndOfficeExchangeBundlesThatBagitAccepts() throws {
        try withSandbox { box in
            let env = ["PW": "pw", "HOSO_NOW": "2025-03-10T08:00:00Z", "HOSO_AUTHOR": "test"]
            _ = try ok(box, ["pki", "demo", "pki", "--password-env", "PW"], env: env)
            for (a, name, role) in [("office", "phong", "office"), ("school", "truong-a", "school")] {
                _ = try ok(box, ["init", a])
                let r = try ok(box, ["node", "init", "--archive", a, "--name", name, "--role", role, "--pki", "pki", "--json"], env: env)
                let n = try r.json(Node.self)
                #expect(n.name == name && n.role == role && n.node.count == 64)
                _ = try ok(box, ["node", "show", "--archive", a, "--cert-out", "\(a).pem"], env: env)
            }
            // Without a node, a second init is refused; a key file and --pki together are a usage error.
            #expect(
                try box.hoso(["node", "init", "--archive", "office", "--name", "x", "--role", "office", "--pki", "pki"], env: env).status
                    == 3)
            #expect(try box.hoso(["node", "init", "--archive", "office", "--name", "x", "--role", "office"], env: env).status == 2)

            _ = try ok(
                box,
                [
                    "peer", "add", "truong-a", "--archive", "office", "--cert", "school.pem", "--role", "school",
                    "--scope", "<note:a/*", "--scope", ">shared/*",
                ], env: env)
            _ = try ok(
                box,
                [
                    "peer", "add", "phong", "--archive", "school", "--cert", "office.pem", "--role", "office",
                    "--scope", ">note:a/*", "--scope", "<shared/*",
                ], env: env)
            let peers = try ok(box, ["peer", "list", "--archive", "office", "--json"]).out
            #expect(peers.contains("\"truong-a\"") && peers.contains("<note:a/*"))

            try box.write("n1.json", #"{"text": "Sổ điểm lớp 9A"}"#)
            try box.write("n2.json", #"{"text": "Thông báo của phòng"}"#)
            _ = try ok(box, ["record", "new", "note", "a/so-diem", "n1.json", "--archive", "school"], env: env)
            _ = try ok(box, ["record", "new", "note", "shared/thong-bao", "n2.json", "--archive", "office"], env: env)
            _ = try ok(box, ["record", "new", "note", "office/private", "n2.json", "--archive", "office"], env: env)

            // Up: compressed (the default). Down: plain tar.
            let up = try ok(box, ["bundle", "create", "--archive", "school", "--for", "phong", "--out", "up.tar.gz", "--json"], env: env)
                .json(Created.self)
            #expect(up.objects == 1 && up.sequence == 1 && up.compressed)
            let down = try ok(
                box, ["bundle", "create", "--archive", "office", "--for", "truong-a", "--out", "down.tar", "--no-compress", "--json"],
                env: env
            )
            .json(Created.self)
            #expect(down.objects >= 1 && !down.compressed)  // with the certificates an office sends down
            for b in ["up.tar.gz", "down.tar"] {
                let v = try bagitValidates(box, b)
                #expect(v.status == 0 && v.err.contains("is valid"), "\(b): \(v)")
            }

            let first = try ok(box, ["bundle", "import", "up.tar.gz", "--archive", "office", "--json"], env: env).json(Imported.self)
            #expect(!first.alreadyImported && first.result.revisions == 1 && first.id == up.id)
            let again = try ok(box, ["bundle", "import", "up.tar.gz", "--archive", "office", "--json"], env: env).json(Imported.self)
            #expect(again.alreadyImported)
            _ = try ok(box, ["bundle", "import", "down.tar", "--archive", "school"], env: env)
            #expect(try ok(box, ["record", "show", "shared/thong-bao", "--archive", "school"]).out.contains("Thông báo của phòng"))
            // Out of scope stays home.
            #expect(try box.hoso(["record", "show", "office/private", "--archive", "school"]).status == 4)
            #expect(try ok(box, ["record", "show", "a/so-diem", "--archive", "office"]).out.contains("Sổ điểm lớp 9A"))

            // A bundle tampered with after signing is refused (exit 3) and changes nothing.
            var bytes = [UInt8](try box.read("down.tar"))
            let marker = Array("Thông báo".utf8)
            let at = try #require((0..<(bytes.count - marker.count)).first { bytes[$0..<($0 + marker.count)].elementsEqual(marker) })
            bytes[at] ^= 0x20
            try box.write("tampered.tar", Data(bytes))
            let bad = try box.hoso(["bundle", "import", "tampered.tar", "--archive", "school", "--json"], env: env)
            #expect(bad.status == 3 && bad.out.contains("BUNDLE_"), "\(bad)")
            for a in ["office", "school"] { #expect(try box.hoso(["fsck", "--archive", a]).status == 0) }
        }
    }

    /// Long-term evidence travels: a school's signature and its archive timestamp (`hoso renew`) reach the office in a
    /// bundle, the office holds the archive timestamp, and `verify --at` there judges the signature as the school does
    /// (without the archive timestamp the office could not count the CRLs at a later date).
    @Test func archiveTimestampsTravelAndVerifyAtAgreesAtTheOffice() throws {
        try withSandbox { box in
            let env = ["PW": "pw", "HOSO_NOW": "2025-03-10T08:00:00Z", "HOSO_AUTHOR": "test"]
            try twoNodes(box, env: env)
            func files(_ dir: String) throws -> [String] {
                try FileManager.default.contentsOfDirectory(atPath: box.path("pki/\(dir)")).sorted().map { "pki/\(dir)/\($0)" }
            }
            for a in ["office", "school"] {
                _ = try ok(box, ["trust", "add", "--archive", a] + (try files("roots")), env: env)
                _ = try ok(box, ["trust", "ca", "--archive", a] + (try files("ca")), env: env)
                _ = try ok(box, ["trust", "crl", "--archive", a] + (try files("crl")).filter { $0.hasSuffix(".crl") }, env: env)
            }
            _ = try ok(
                box,
                ["peer", "add", "truong-a", "--archive", "office", "--cert", "school.pem", "--role", "school", "--scope", "<note:a/*"],
                env: env)
            _ = try ok(
                box, ["peer", "add", "phong", "--archive", "school", "--cert", "office.pem", "--role", "office", "--scope", ">note:a/*"],
                env: env)
            try box.write("n1.json", #"{"text": "Sổ điểm lớp 9A"}"#)
            _ = try ok(box, ["record", "new", "note", "a/so-diem", "n1.json", "--archive", "school"], env: env)
            _ = try ok(
                box,
                [
                    "sign", "a/so-diem", "--archive", "school", "--key", "pki/gv-toan.p12", "--password-env", "PW", "--role",
                    "subject-teacher",
                ],
                env: env)
            let renew = try ok(box, ["renew", "--archive", "school", "--key", "pki/tsa.p12", "--password-env", "PW", "--json"], env: env)
            struct Renewed: Decodable { var initial: String }
            let ats = try renew.json(Renewed.self).initial

            // Within the CRLs' period, after the archive timestamp: evidence proves the CRLs at the school.
            let later = env.merging(["HOSO_NOW": "2025-04-01T00:00:00Z"]) { $1 }
            func judged(_ a: String) throws -> (Int32, EvidenceCLITests.ReportJSON) {
                let r = try box.hoso(["verify", "a/so-diem", "--archive", a, "--at", "2025-04-01", "--json"], env: later)
                return (r.status, try r.json(EvidenceCLITests.ReportJSON.self))
            }
            let (schoolStatus, atSchool) = try judged("school")
            #expect(schoolStatus == 0 && atSchool.indication == "PASSED", "\(atSchool)")

            _ = try ok(box, ["bundle", "create", "--archive", "school", "--for", "phong", "--out", "up.tar.gz"], env: env)
            _ = try ok(box, ["bundle", "import", "up.tar.gz", "--archive", "office"], env: env)
            let (officeStatus, atOffice) = try judged("office")
            #expect(officeStatus == schoolStatus && atOffice.indication == atSchool.indication, "\(atOffice)")
            let held1 = try ok(box, ["ls", "--archive", "office", "--kind", "archive-timestamp"])
            #expect(held1.out.contains(ats), "\(held1)")

            // The school moves its evidence to SHA-512: the hash-tree renewal travels and the office checks its token
            // against the tree it recomputes from its own copy of the earlier evidence.
            try box.write(
                "office-settings.json",
                """
                {"officeName": "Trường THCS A", "superiorBody": "", "place": "Tân Lập", "signerTitle": "Hiệu trưởng",
                 "signerName": "Vũ Minh Tuấn", "officeCode": "THCS-A", "workingDays": [1, 2, 3, 4, 5], "holidays": [],
                 "cutoff": "15:00", "closing": "17:00", "utcOffset": "+07:00", "verificationDays": 5, "copySigners": [],
                 "evidenceHashAlgorithm": "sha512", "evidenceHashAlgorithmFrom": "2025-03-10"}
                """)
            _ = try ok(box, ["office", "set", "--archive", "school", "office-settings.json"], env: env)
            let rehash = try ok(
                box, ["renew", "--archive", "school", "--key", "pki/tsa.p12", "--password-env", "PW", "--json"],
                env: env.merging(["HOSO_NOW": "2025-03-20T00:00:00Z"]) { $1 })
            struct TreeRenewed: Decodable { var treeRenewal: String? }
            let tree = try #require(try rehash.json(TreeRenewed.self).treeRenewal, "\(rehash)")
            _ = try ok(box, ["bundle", "create", "--archive", "school", "--for", "phong", "--out", "up2.tar.gz"], env: env)
            _ = try ok(box, ["bundle", "import", "up2.tar.gz", "--archive", "office"], env: env)
            let (schoolStatus2, atSchool2) = try judged("school")
            let (officeStatus2, atOffice2) = try judged("office")
            #expect(schoolStatus2 == 0 && atSchool2.signatures[0].report.evidence?.timestamps.count == 2, "\(atSchool2)")
            #expect(officeStatus2 == 0 && atOffice2.signatures[0].report.evidence?.timestamps.count == 2, "\(atOffice2)")
            let held = try ok(box, ["ls", "--archive", "office", "--kind", "archive-timestamp"])
            #expect(held.out.contains(ats) && held.out.contains(tree), "\(held)")

            // A forged archive timestamp (a genuine token, claiming other objects) is refused and the office unchanged.
            let real = try ok(box, ["cat", ats, "--archive", "school"]).out
            let token = try #require((try JSONSerialization.jsonObject(with: Data(real.utf8)) as? [String: Any])?["timeStamp"] as? String)
            try box.write("forged.json", #"{"covers":["\#(ats)"],"format":"hoso-archive-timestamp/1","timeStamp":"\#(token)"}"#)
            _ = try ok(box, ["add", "--archive", "school", "--kind", "archive-timestamp", "forged.json"], env: env)
            _ = try ok(box, ["bundle", "create", "--archive", "school", "--for", "phong", "--out", "forged.tar.gz"], env: env)
            let refused = try box.hoso(["bundle", "import", "forged.tar.gz", "--archive", "office"], env: env)
            #expect(refused.status == 3 && refused.err.contains("BAD_TIMESTAMP"), "\(refused)")
            #expect(try ok(box, ["ls", "--archive", "office", "--kind", "archive-timestamp"]).out == held.out)
            #expect(try box.hoso(["fsck", "--archive", "office"]).status == 0)
        }
    }

    /// A demo PKI, then the archives `office` (node phong) and `school` (node truong-a), each certificate in `<archive>.pem`.
    func twoNodes(_ box: Sandbox, env: [String: String]) throws {
        _ = try ok(box, ["pki", "demo", "pki", "--password-env", "PW"], env: env)
        for (a, name, role) in [("office", "phong", "office"), ("school", "truong-a", "school")] {
            _ = try ok(box, ["init", a])
            _ = try ok(box, ["node", "init", "--archive", a, "--name", name, "--role", role, "--pki", "pki"], env: env)
            _ = try ok(box, ["node", "show", "--archive", a, "--cert-out", "\(a).pem"], env: env)
        }
    }

    /// Object files in the office's store (not the shard directories).
    /// Objects that reached the office: in its store, or waiting in its inbox for the revision that names them.
    func objects(_ box: Sandbox) -> Int {
        box.tree("office/objects").filter { $0.count == 67 }.count
            + box.tree("office/sync/inbox").filter { $0.split(separator: "/").last?.count == 64 }.count
    }

    /// `hoso sync serve` as a child process; returns it and the URL it printed.
    func startServer(
        _ box: Sandbox, env: [String: String],
        command: [String] = ["sync", "serve", "--archive", "office", "--port", "0"]
    ) throws -> (Process, String) {
        let server = try ServerProcess(hosoBinary, command, in: box.root, environment: cleanEnvironment.merging(env) { $1 })
        return (server.process, server.url)
    }

    /// The web application (`hoso serve`) answers the sync protocol under /sync/, as `hoso sync serve` does: a known
    /// school's record goes up; a node the office does not know is refused and nothing of it arrives.
    @Test func theWebServerAnswersSyncToo() throws {
        try withSandbox { box in
            let env = ["PW": "pw", "HOSO_NOW": "2025-03-10T08:00:00Z", "HOSO_AUTHOR": "test"]
            try twoNodes(box, env: env)
            _ = try ok(
                box, ["peer", "add", "truong-a", "--archive", "office", "--cert", "school.pem", "--role", "school", "--scope", "note:a/*"],
                env: env)
            _ = try ok(
                box, ["peer", "add", "phong", "--archive", "school", "--cert", "office.pem", "--role", "office", "--scope", "note:a/*"],
                env: env)
            try box.write("note.json", "{\"text\": \"Sổ điểm lớp 9A đã ký\"}")
            _ = try ok(box, ["record", "new", "note", "a/9a", "note.json", "--archive", "school"], env: env)
            let (server, url) = try startServer(box, env: env, command: ["serve", "--archive", "office", "--port", "0"])
            defer {
                server.terminate()
                server.waitUntilExit()
            }
            _ = try ok(box, ["sync", url, "--peer", "phong", "--archive", "school"], env: env)
            #expect(try ok(box, ["record", "show", "a/9a", "--archive", "office"]).out.contains("Sổ điểm lớp 9A"))

            // A third node, unknown to the office, is refused.
            _ = try ok(box, ["init", "stranger"])
            _ = try ok(box, ["node", "init", "--archive", "stranger", "--name", "la", "--role", "school", "--pki", "pki"], env: env)
            _ = try ok(
                box, ["peer", "add", "phong", "--archive", "stranger", "--cert", "office.pem", "--role", "office", "--scope", "note:b/*"],
                env: env)
            try box.write("b.json", "{\"text\": \"không được nhận\"}")
            _ = try ok(box, ["record", "new", "note", "b/x", "b.json", "--archive", "stranger"], env: env)
            let refused = try box.hoso(["sync", url, "--peer", "phong", "--archive", "stranger"], env: env)
            #expect(refused.status != 0)
            #expect(try box.hoso(["record", "show", "b/x", "--archive", "office"]).status != 0)
        }
    }

    @Test func aSyncWhoseServerIsKilledResumesAndCompletes() throws {
        try withSandbox { box in
            let env = ["PW": "pw", "HOSO_NOW": "2025-03-10T08:00:00Z", "HOSO_AUTHOR": "test"]
            try twoNodes(box, env: env)
            _ = try ok(
                box, ["peer", "add", "truong-a", "--archive", "office", "--cert", "school.pem", "--role", "school", "--scope", "note:a/*"],
                env: env)
            _ = try ok(
                box, ["peer", "add", "phong", "--archive", "school", "--cert", "office.pem", "--role", "office", "--scope", "note:a/*"],
                env: env)
            // 30 page scans of 1 MB and a record naming them.
            let random = try randomBytes(1 << 20)
            for i in 0..<30 {
                var page = random
                page[0] = UInt8(i)  // 30 different scans
                try box.write("scans/p\(i).bin", page)
            }
            struct Added: Decodable { var id: String }
            let ids = try ok(box, ["add", "scans", "--archive", "school", "--json"]).out.split(separator: "\n")
                .map { try JSONDecoder().decode(Added.self, from: Data($0.utf8)).id }
            try box.write("scans.json", "{\"pages\": [\(ids.map { "\"\($0)\"" }.joined(separator: ","))]}")
            _ = try ok(box, ["record", "new", "note", "a/scans", "scans.json", "--archive", "school"], env: env)
            let before = objects(box)

            // The server is killed (SIGKILL) while the school pushes, one 1 MB batch at a time.
            let (server, url) = try startServer(box, env: env)
            let client = Process()
            client.executableURL = URL(fileURLWithPath: hosoBinary)
            client.arguments = ["sync", url, "--peer", "phong", "--archive", "school", "--batch-mb", "1"]
            client.currentDirectoryURL = URL(fileURLWithPath: box.root)
            client.environment = cleanEnvironment.merging(env) { $1 }
            client.standardOutput = FileHandle.nullDevice
            client.standardError = FileHandle.nullDevice
            try launch(client)
            while objects(box) - before < 5 && client.isRunning { usleep(5_000) }
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            client.waitUntilExit()
            #expect(client.terminationStatus != 0, "the sync should have been cut")
            let arrived = objects(box) - before
            #expect(arrived >= 5 && arrived < 31, "\(arrived) objects arrived before the kill")

            // Restarted, the sync completes and sends only what had not arrived.
            let (again, url2) = try startServer(box, env: env)
            defer {
                again.terminate()
                again.waitUntilExit()
            }
            struct Report: Decodable {
                var pushed: Int
                var alreadyThere: Int
                var bytesSent: UInt64
            }
            let r = try ok(box, ["sync", url2, "--peer", "phong", "--archive", "school", "--batch-mb", "1", "--json"], env: env).json(
                Report.self)
            #expect(r.pushed + arrived >= 31 && r.pushed <= 31 - arrived + 1, "pushed \(r.pushed) after \(arrived) had arrived")
            #expect(r.bytesSent < UInt64(31 - arrived + 2) << 20)
            #expect(try ok(box, ["record", "show", "a/scans", "--archive", "office"]).out.contains(ids[0]))
            for a in ["office", "school"] { #expect(try box.hoso(["fsck", "--archive", a]).status == 0) }
        }
    }
}
