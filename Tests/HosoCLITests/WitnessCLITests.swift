import Foundation
import HosoTestSupport
import Testing

/// Witnessing through the binary: a school's log rolled back (an older copy of its archive restored) is caught when
/// the office imports its next bundle, and again when the school imports the office's: both runs end with exit code 9
/// and the error code; the evidence is kept; `hoso log show` lists the office as witness; `hoso log consistency`.
@Suite struct WitnessCLITests {
    let cli = SyncCLITests()

    @Test func aRollbackIsCaughtByBundleImportWithExitCode9() throws {
        try withSandbox { box in
            let env = ["PW": "pw", "HOSO_NOW": "2025-03-10T08:00:00Z", "HOSO_AUTHOR": "test"]
            try cli.twoNodes(box, env: env)
            _ = try cli.ok(
                box, ["peer", "add", "truong-a", "--archive", "office", "--cert", "school.pem", "--role", "school", "--scope", "note:a/*"],
                env: env)
            _ = try cli.ok(
                box, ["peer", "add", "phong", "--archive", "school", "--cert", "office.pem", "--role", "office", "--scope", "note:a/*"],
                env: env)
            try box.write("n.json", #"{"text": "Sổ điểm"}"#)
            func write(_ id: String) throws {
                _ = try cli.ok(box, ["record", "new", "note", id, "n.json", "--archive", "school"], env: env)
            }
            func up(_ n: Int) throws -> ProgramOutput {
                _ = try cli.ok(box, ["bundle", "create", "--archive", "school", "--for", "phong", "--out", "up\(n).tar"], env: env)
                return try box.hoso(["bundle", "import", "up\(n).tar", "--archive", "office"], env: env)
            }
            func down(_ n: Int) throws -> ProgramOutput {
                _ = try cli.ok(box, ["bundle", "create", "--archive", "office", "--for", "truong-a", "--out", "down\(n).tar"], env: env)
                return try box.hoso(["bundle", "import", "down\(n).tar", "--archive", "school"], env: env)
            }
            func round(_ n: Int) throws -> (ProgramOutput, ProgramOutput) { (try up(n), try down(n)) }
            try write("a/1")
            let (up1, down1) = try round(1)
            #expect(up1.status == 0 && (up1.out.contains("Witnessed the peer's log") || up1.out.contains("Đã xác nhận nhật ký")), "\(up1)")
            #expect(down1.status == 0, "\(down1)")
            let show = try cli.ok(box, ["log", "show", "--archive", "school", "--json"]).out
            #expect(show.contains("\"witnesses\"") && show.contains("\"phong\""), "\(show)")
            let c = try cli.ok(box, ["log", "consistency", "1", "3", "--archive", "school", "--json"]).out
            #expect(c.contains("\"proof\"") && (c.contains("\"newSize\":3") || c.contains("\"newSize\" : 3")), "\(c)")
            // Back up the school, let it go on, then restore the backup and write once.
            try FileManager.default.copyItem(atPath: box.path("school"), toPath: box.path("school-backup"))
            for i in 2...4 { try write("a/\(i)") }
            _ = try round(2)
            try FileManager.default.removeItem(atPath: box.path("school"))
            try FileManager.default.moveItem(atPath: box.path("school-backup"), toPath: box.path("school"))
            // The office's next bundle comes first (it tells the restored school which of its bundles arrived).
            #expect(try down(3).status == 0)
            try write("a/after-restore")
            let (up3, down3) = try round(4)
            #expect(up3.status == 9 && up3.err.contains("[LOG_ROLLBACK]"), "\(up3)")
            #expect(down3.status == 9 && down3.err.contains("[LOG_ROLLBACK]"), "\(down3)")
            // The data moved anyway, and the evidence is on both sides.
            #expect(try cli.ok(box, ["record", "show", "a/after-restore", "--archive", "office"]).out.contains("Sổ điểm"))
            for a in ["office", "school"] {
                let incidents = box.tree("\(a)/witness/incidents")
                #expect(
                    incidents.contains { $0.hasSuffix("held.checkpoint") } && incidents.contains { $0.hasSuffix("received.checkpoint") })
                #expect(try box.hoso(["log", "show", "--archive", a]).out.contains("LOG_ROLLBACK"))
            }
            #expect(try box.hoso(["--help"]).out.contains("9"))
        }
    }
}
