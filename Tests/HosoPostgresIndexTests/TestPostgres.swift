import Foundation
import HosoTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL 15 primary of one test's own: a cluster in a temporary directory on a free loopback port, trust
/// authentication, removed by `stop()`. PostgreSQL refuses to run as root, so as root (CI) the cluster belongs to the
/// `postgres` user and its programs run through `runuser`. Readiness is `pg_ctl -w`'s own polling, no sleeps.
/// (Kept to this file: the shared harness in HosoTestSupport takes its place once both are merged.)
final class TestPostgres: Sendable {
    static let bin = "/usr/lib/postgresql/15/bin"
    let dir: String
    let port: Int
    private let asRoot = getuid() == 0

    init() throws {
        guard access(Self.bin + "/initdb", X_OK) == 0 else {
            throw FixtureError("PostgreSQL 15 is not installed (tools/setup installs postgresql-15)")
        }
        var template = Array("/tmp/hoso-pg-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw FixtureError("mkdtemp") }
        dir = String(cString: made)
        port = try freeLoopbackPort()
        do {
            if asRoot {
                guard let pw = getpwnam("postgres"), chown(dir, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else {
                    throw FixtureError("no postgres user to own \(dir)")
                }
            }
            try run("initdb", ["-D", dir + "/data", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"])
            // fsync off: these tests check answers, not durability, and every fsync is slow in this VM.
            try run(
                "pg_ctl",
                [
                    "-D", dir + "/data", "-l", dir + "/server.log", "-w", "-t", "120", "-o",
                    "-p \(port) -k \(dir) -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=30",
                    "start",
                ])
        } catch {
            stop()
            throw error
        }
    }

    /// Runs one of PostgreSQL's programs (as `postgres` when the tests run as root) and requires success.
    @discardableResult
    func run(_ program: String, _ arguments: [String]) throws -> ProgramOutput {
        // Through bash, which closes every descriptor above stderr first: the server that `pg_ctl start` leaves
        // running would otherwise inherit a copy of the runner's output pipes and the runner would never see their end.
        let command = (asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [Self.bin + "/" + program] + arguments
        let script = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; exec "$@""#
        let out = try runProgram("/bin/bash", ["-c", script, "bash"] + command, in: dir, timeout: 180)
        guard out.status == 0 else {
            let log = (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8)) ?? ""
            throw FixtureError("\(program) failed", output: "\(out)\n--- server.log ---\n\(log)")
        }
        return out
    }

    /// A new, empty database on the cluster.
    func createDatabase(_ name: String) throws {
        try run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name])
    }

    /// Stops the server at once (nothing in it is kept) and removes the directory.
    func stop() {
        if access(dir + "/data/postmaster.pid", F_OK) == 0 {
            _ = try? run("pg_ctl", ["-D", dir + "/data", "-m", "immediate", "-w", "stop"])
        }
        _ = try? runProgram("/bin/rm", ["-rf", dir])
    }
}
