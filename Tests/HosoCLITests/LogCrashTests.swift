import Foundation
import HosoTestSupport
import Testing

/// A node archive's write killed (SIGKILL) before each of its writes, renames and syncs in turn — objects, write
/// number, index, log entries, log head, checkpoint: afterwards `hoso log verify` and `hoso fsck` pass, and a re-run
/// completes with its revision in the log.
@Suite(.serialized) struct LogCrashTests {
    @Test func aWriteKilledAtAnyPointLeavesALogThatVerifies() throws {
        let shim = try #require(FaultInjectionTests.shim, "cc could not build tools/faultshim.c")
        try withSandbox { box in
            let env = ["PW": "pw", "HOSO_AUTHOR": "test"]
            try #require(try box.hoso(["pki", "demo", "pki", "--password-env", "PW"], env: env).status == 0)
            try box.initArchive()
            try #require(try box.hoso(["node", "init", "--name", "truong-a", "--role", "school", "--pki", "pki"], env: env).status == 0)
            try box.write("v0.json", "{\"text\": \"bản đầu\"}")
            try box.write("v1.json", "{\"text\": \"bản hai\"}")
            try #require(try box.hoso("record", "new", "note", "a/0", "v0.json").status == 0)
            try FileManager.default.moveItem(atPath: box.path("archive"), toPath: box.path("template"))
            let args = ["record", "new", "note", "a/1", "v1.json"]

            try fresh(box)
            try #require(try box.hoso(args, env: ["LD_PRELOAD": shim, "HOSO_FAULT_COUNT": box.path("count")]).status == 0)
            let calls = try #require(
                Int(String(decoding: try box.read("count"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
            for k in 1...calls {
                try fresh(box)
                let killed = try box.hoso(args, env: ["LD_PRELOAD": shim, "HOSO_FAULT_AT": String(k), "HOSO_FAULT_KILL": "1"])
                let at = "kill before call \(k)/\(calls)"
                #expect(killed.status != 0, "\(at): \(killed)")
                let verify = try box.hoso("log", "verify")
                #expect(verify.status == 0, "\(at): log verify: \(verify)")
                #expect(try box.hoso("fsck").status == 0, "\(at): fsck")
                let again = try box.hoso(args)
                #expect(again.status == 0 || again.err.contains("[RECORD_EXISTS]"), "\(at): re-run: \(again)")
                #expect(try box.hoso("log", "verify").status == 0, "\(at): log verify after the re-run")
                #expect(try box.hoso("log", "prove", "a/1").status == 0, "\(at): the new record is in the log")
            }
        }
    }

    func fresh(_ box: Sandbox) throws {
        try? FileManager.default.removeItem(atPath: box.path("archive"))
        try #require(try runProgram("/bin/cp", ["-a", box.path("template"), box.path("archive")], in: box.root).status == 0)
    }
}

/// `hoso log` on the command line: show, prove, verify; and the web server's access log checked against its anchors.
@Suite struct LogCLITests {
    @Test func verifyCatchesACutAccessLog() throws {
        let sqlite = try #require(tool("sqlite3"), "sqlite3 is needed to tamper with the access log")
        try withSandbox { box in
            let env = ["PW": "mat-khau-dai-du"]
            try box.initArchive()
            for name in ["thu-ky", "hieu-truong"] {
                try #require(try box.hoso(["user", "add", name, "--role", "clerk", "--password-env", "PW"], env: env).status == 0)
            }
            let ok = try box.hoso("log", "verify", "--lang", "en")
            #expect(ok.status == 0 && ok.out.contains("access log: 2 entries"), "\(ok)")
            struct Show: Decodable { var size: Int }
            #expect(try box.hoso("log", "show", "--json").json(Show.self).size == 2)
            // The newest entry removed: the chain still checks, its anchor does not.
            let cut = try runProgram(sqlite, [box.path("archive/server.sqlite"), "DELETE FROM audit WHERE seq = 2"], in: box.root)
            try #require(cut.status == 0, "\(cut)")
            let bad = try box.hoso("log", "verify")
            #expect(bad.status == 1 && bad.err.contains("[AUDIT_LOG_BROKEN]"), "\(bad)")
        }
    }
}
