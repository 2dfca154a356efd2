import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real PostgreSQL for tests: a primary in a temporary directory on a free loopback port and, when asked, a hot
/// standby made with `pg_basebackup -R` that streams from it with synchronous replication (`synchronous_standby_names`
/// names it, so a commit on the primary returns only once the standby has it). Debian's PostgreSQL refuses to run as
/// root and CI runs as root: then every server program runs as the `postgres` user (`runuser`) in a directory it owns.
/// Every wait polls readiness (`pg_ctl -w`, `pg_isready`, a query) up to a generous bound; none sleeps a fixed time.
/// `stop()` (also run when the value goes away) shuts the servers down and removes the directory.
///
///     let pg = try PostgresCluster.start(standby: true)
///     defer { pg.stop() }
///     let client = try BlockingPostgresClient(pg.primaryURL)
public final class PostgresCluster: Sendable {
    /// The temporary directory holding both data directories, the sockets and the logs.
    public let directory: String
    public let primaryPort: Int
    public let standbyPort: Int?
    /// The application name the standby connects with (the one `synchronous_standby_names` names).
    public static let standbyName = "hoso_standby"
    let bin: String
    private let state = Mutex(State())

    struct State {
        var primaryRunning = false
        var standbyRunning = false
        /// Servers started from a base backup (`startRestored`).
        var restoredRunning: [String] = []
        var stopped = false
    }

    /// What a cluster of a test's own may add to the default one (the shared cluster has none of it).
    public struct Options: Sendable {
        /// TLS on, with this PEM certificate and key (copied into the cluster's directory for the server).
        public var tls: (certificate: String, key: String)?
        /// Every role but `postgres` logs in over TCP with its SCRAM-SHA-256 password (`postgres` stays trusted so
        /// the fixture's own psql and replication work).
        public var passwords = false
        /// Continuous WAL archiving into `walArchive` (archive_mode, an archive_command that never overwrites).
        public var archiving = false

        public init(tls: (certificate: String, key: String)? = nil, passwords: Bool = false, archiving: Bool = false) {
            self.tls = tls
            self.passwords = passwords
            self.archiving = archiving
        }
    }

    /// Where the WAL archive is (`Options.archiving`).
    public var walArchive: String { directory + "/wal-archive" }

    /// `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication on loopback: a test cluster only).
    public var primaryURL: String { Self.url(port: primaryPort) }
    /// The standby's URL, nil without one.
    public var standbyURL: String? { standbyPort.map(Self.url(port:)) }
    /// The directory of the servers' Unix sockets (`postgres://postgres@%2F…:<port>/postgres` reaches them too).
    public var socketDirectory: String { directory }
    public var primaryDataDirectory: String { directory + "/primary" }
    public var standbyDataDirectory: String { directory + "/standby" }

    static func url(port: Int) -> String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    /// A generous bound for every wait: the machine may be busy, and a wait ends as soon as the server is ready.
    static let waitSeconds = 300

    private init(directory: String, bin: String, primaryPort: Int, standbyPort: Int?) {
        self.directory = directory
        self.bin = bin
        self.primaryPort = primaryPort
        self.standbyPort = standbyPort
    }

    deinit { stop() }

    /// Starts a primary and, with `standby`, a synchronous hot standby streaming from it.
    public static func start(standby: Bool = false, options: Options = Options()) throws -> PostgresCluster {
        let bin = try binDirectory()
        removeAbandoned(bin: bin)
        let dir = FileManager.default.temporaryDirectory.path + "/hoso-pg-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Whose cluster it is: a test process that died (a crash, a SIGKILL) could not stop it; the next start does.
        try "\(getpid())\n".write(toFile: dir + "/owner.pid", atomically: true, encoding: .utf8)
        try handToPostgres(dir)
        var cluster: PostgresCluster? = nil
        do {
            // A port free a moment ago may be taken before the server binds it: try again with new ones.
            var attempt = 0
            while true {
                let c = PostgresCluster(
                    directory: dir, bin: bin, primaryPort: try freeLoopbackPort(),
                    standbyPort: standby ? try freeLoopbackPort() : nil)
                cluster = c
                if attempt == 0 {
                    try c.runAsOwner(
                        "initdb", ["-D", c.primaryDataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"])
                }
                let extra = try c.prepare(options)
                do {
                    try c.startServer(
                        c.primaryDataDirectory, port: c.primaryPort,
                        extra: "-c wal_level=replica -c max_wal_senders=8 -c max_replication_slots=8" + extra)
                    break
                } catch {
                    if attempt >= 3 { throw error }
                    attempt += 1
                    c.state.withLock { $0.stopped = true }  // its directory is the next attempt's
                }
            }
            let c = cluster!
            c.state.withLock { $0.primaryRunning = true }
            if standby { try c.startStandby() }
            return c
        } catch {
            if let cluster { cluster.stop() } else { try? FileManager.default.removeItem(atPath: dir) }
            throw error
        }
    }

    /// Writes what `options` needs into the cluster's directory; returns the server's extra settings.
    private func prepare(_ options: Options) throws -> String {
        var extra = ""
        if let tls = options.tls {
            for (from, to) in [(tls.certificate, "server.crt"), (tls.key, "server.key")] {
                let path = directory + "/" + to
                try? FileManager.default.removeItem(atPath: path)
                try FileManager.default.copyItem(atPath: from, toPath: path)
                try Self.giveToPostgres(path, mode: 0o600)
            }
            extra += " -c ssl=on -c ssl_cert_file=\(directory)/server.crt -c ssl_key_file=\(directory)/server.key"
        }
        if options.passwords {
            let hba = primaryDataDirectory + "/pg_hba.conf"
            try """
            local all all trust
            host all postgres 127.0.0.1/32 trust
            host replication postgres 127.0.0.1/32 trust
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128 scram-sha-256

            """.write(toFile: hba, atomically: false, encoding: .utf8)
            try Self.giveToPostgres(hba, mode: 0o600)
        }
        if options.archiving {
            try FileManager.default.createDirectory(atPath: walArchive, withIntermediateDirectories: true)
            try Self.giveToPostgres(walArchive, mode: 0o700)
            extra += " -c archive_mode=on -c archive_command='test ! -f \(walArchive)/%f && cp %p \(walArchive)/%f'"
        }
        return extra
    }

    /// Hands a file or directory the fixture wrote (as root) to `postgres`; sets its mode either way.
    static func giveToPostgres(_ path: String, mode: mode_t) throws {
        if geteuid() == 0, let pw = getpwnam("postgres") {
            guard chown(path, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else {
                throw FixtureError("chown \(path)", output: String(cString: strerror(errno)))
            }
        }
        guard chmod(path, mode) == 0 else { throw FixtureError("chmod \(path)", output: String(cString: strerror(errno))) }
    }

    // MARK: - Backups

    /// A base backup of the primary into `name` under the cluster's directory (`pg_basebackup`, plain format, the
    /// WAL it needs included); returns its path.
    @discardableResult
    public func baseBackup(_ name: String) throws -> String {
        let dir = directory + "/" + name
        try runAsOwner(
            "pg_basebackup", ["-D", dir, "-h", "127.0.0.1", "-p", "\(primaryPort)", "-U", "postgres", "-X", "stream", "-c", "fast"])
        return dir
    }

    /// Closes the primary's current WAL segment (`pg_switch_wal`) and waits until the archiver has copied it: every
    /// commit so far is then in the archive.
    public func archiveCurrentWAL() throws {
        let segment = try psql("SELECT pg_walfile_name(pg_switch_wal())")
        try waitUntil("WAL segment \(segment) is archived") {
            (try? psql("SELECT last_archived_wal >= '\(segment)' FROM pg_stat_archiver")) == "t"
        }
    }

    /// Stops the primary cleanly (`pg_ctl stop -m fast`: its last WAL segment is archived before it goes).
    public func stopPrimary() throws {
        try runAsOwner("pg_ctl", ["-D", primaryDataDirectory, "-m", "fast", "-w", "-t", "\(Self.waitSeconds)", "stop"])
        state.withLock { $0.primaryRunning = false }
    }

    /// Restores the base backup `backup` into a new data directory `name` with the archived WAL (restore_command,
    /// recovery.signal), starts it on a free port and waits until recovery has ended and it takes writes; returns the
    /// port. Stopped by `stop()`.
    public func startRestored(from backup: String, into name: String) throws -> Int {
        let dir = directory + "/" + name
        try runAsOwner("/bin/cp", ["-a", backup, dir])
        let conf = dir + "/postgresql.auto.conf"
        guard let h = FileHandle(forWritingAtPath: conf) else { throw FixtureError("open \(conf)", output: "") }
        try h.seekToEnd()
        // Archiving goes on from the restored server (the new timeline's files never overwrite the old ones).
        try h.write(contentsOf: Data("restore_command = 'cp \(walArchive)/%f %p'\n".utf8))
        try h.close()
        _ = FileManager.default.createFile(atPath: dir + "/recovery.signal", contents: Data())
        try Self.giveToPostgres(dir + "/recovery.signal", mode: 0o600)
        let port = try freeLoopbackPort()
        state.withLock { $0.restoredRunning.append(dir) }
        try startServer(dir, port: port, extra: "")
        try waitUntil("the restored server leaves recovery") { (try? psql("SELECT pg_is_in_recovery()", port: port)) == "f" }
        return port
    }

    /// One primary shared by the tests of this process, each in a database of its own (`createDatabase`): started on
    /// first use, stopped when the process exits (and by the next run's start if the process died instead). Tests never
    /// stop, kill or promote it: those that do start a cluster of their own.
    public static func shared() throws -> PostgresCluster {
        try sharedCluster.withLock { c in
            if let c { return c }
            let started = try start(standby: false)
            if !registeredExit {
                registeredExit = true
                atexit { PostgresCluster.sharedCluster.withLock { $0?.stop() } }
            }
            c = started
            return started
        }
    }

    private static let sharedCluster = Mutex<PostgresCluster?>(nil)
    nonisolated(unsafe) private static var registeredExit = false  // only touched under sharedCluster's lock

    /// Makes an empty database; returns its URL.
    public func createDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try psql("CREATE DATABASE \(name)")
        return "postgres://postgres@127.0.0.1:\(primaryPort)/\(name)"
    }

    /// Stops the servers of clusters whose test process is gone and removes their directories.
    static func removeAbandoned(bin: String) {
        let tmp = FileManager.default.temporaryDirectory.path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] where name.hasPrefix("hoso-pg-") {
            let dir = tmp + "/" + name
            guard let text = try? String(contentsOfFile: dir + "/owner.pid", encoding: .utf8),
                let owner = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                kill(owner, 0) != 0 && errno == ESRCH
            else { continue }
            let c = PostgresCluster(directory: dir, bin: bin, primaryPort: 0, standbyPort: nil)
            // The primary, the standby and any restored server.
            let subdirectories = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).map { dir + "/" + $0 }
            for data in subdirectories where FileManager.default.fileExists(atPath: data + "/postmaster.pid") {
                _ = try? c.runAsOwner("pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "60", "stop"])
            }
            c.state.withLock { $0.stopped = true }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// Stops both servers (immediately: the data is thrown away) and removes the directory. Safe to call twice.
    public func stop() {
        let s = state.withLock { s -> State in
            defer { s.stopped = true }
            return s
        }
        if s.stopped { return }
        for dir in s.restoredRunning { _ = try? runAsOwner("pg_ctl", ["-D", dir, "-m", "immediate", "-w", "-t", "60", "stop"]) }
        if s.standbyRunning { _ = try? runAsOwner("pg_ctl", ["-D", standbyDataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"]) }
        if s.primaryRunning { _ = try? runAsOwner("pg_ctl", ["-D", primaryDataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"]) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Kills the primary with SIGKILL (no shutdown, no last WAL sent) and waits until its port no longer answers.
    public func killPrimary() throws {
        let pidText = try String(contentsOfFile: primaryDataDirectory + "/postmaster.pid", encoding: .utf8)
        guard let pid = pidText.split(separator: "\n").first.flatMap({ pid_t($0) }), pid > 1 else {
            throw FixtureError("postmaster.pid", output: pidText)
        }
        // The postmaster and its children (each leads a session of its own, so no group signal reaches them all) die
        // at once, as when the machine is lost: a backend left running could still answer an open connection.
        for p in [pid] + Self.children(of: pid) { kill(p, SIGKILL) }
        state.withLock { $0.primaryRunning = false }
        try waitUntil("the killed primary stops answering") { !isReady(port: primaryPort) }
    }

    /// Stops the primary's postmaster and its children with SIGSTOP, as a machine that froze or a disk that stalls:
    /// its kernel still accepts connections, but nothing answers. `thawPrimary` lets them run on.
    public func freezePrimary() throws { try signalPrimary(SIGSTOP) }

    public func thawPrimary() throws { try signalPrimary(SIGCONT) }

    private func signalPrimary(_ signal: Int32) throws {
        let pidText = try String(contentsOfFile: primaryDataDirectory + "/postmaster.pid", encoding: .utf8)
        guard let pid = pidText.split(separator: "\n").first.flatMap({ pid_t($0) }), pid > 1 else {
            throw FixtureError("postmaster.pid", output: pidText)
        }
        for p in [pid] + Self.children(of: pid) { kill(p, signal) }
    }

    /// The processes whose parent is `pid` (from /proc).
    static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> pid_t? in
            guard let child = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // "pid (comm) state ppid …": the name may hold spaces, so fields are counted after its ')'.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == pid ? child : nil
        }
    }

    /// Promotes the standby (`pg_ctl promote`) and waits until it takes writes.
    public func promoteStandby() throws {
        guard standbyPort != nil else { throw FixtureError("promote", output: "this cluster has no standby") }
        try runAsOwner("pg_ctl", ["-D", standbyDataDirectory, "-w", "-t", "\(Self.waitSeconds)", "promote"])
        try waitUntil("the promoted standby leaves recovery") {
            (try? psql("SELECT pg_is_in_recovery()", port: standbyPort!)) == "f"
        }
    }

    /// Runs SQL with `psql` on the primary (or the standby), in `database`; returns its unaligned output, trimmed.
    @discardableResult
    public func psql(_ sql: String, standby: Bool = false, database: String = "postgres") throws -> String {
        guard let port = standby ? standbyPort : primaryPort else { throw FixtureError("psql", output: "no standby") }
        return try psql(sql, port: port, database: database)
    }

    @discardableResult
    func psql(_ sql: String, port: Int, database: String = "postgres") throws -> String {
        let r = try runProgram(
            bin + "/psql",
            [
                "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database,
                "-c", sql,
            ],
            timeout: Double(Self.waitSeconds))
        guard r.status == 0 else { throw FixtureError("psql \(sql)", output: r.output) }
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether a server answers on `port` (`pg_isready`).
    public func isReady(port: Int) -> Bool {
        (try? runProgram(bin + "/pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)"], timeout: 60).status) == 0
    }

    // MARK: - Starting

    private func startStandby() throws {
        guard let port = standbyPort else { return }
        try runAsOwner(
            "pg_basebackup",
            ["-D", standbyDataDirectory, "-h", "127.0.0.1", "-p", "\(primaryPort)", "-U", "postgres", "-R", "-X", "stream", "-c", "fast"])
        // -R wrote a primary_conninfo without an application name; the last setting in the file wins.
        let conf = standbyDataDirectory + "/postgresql.auto.conf"
        guard let h = FileHandle(forWritingAtPath: conf) else { throw FixtureError("open \(conf)", output: "") }
        try h.seekToEnd()
        try h.write(
            contentsOf: Data(
                "primary_conninfo = 'host=127.0.0.1 port=\(primaryPort) user=postgres application_name=\(Self.standbyName)'\n".utf8))
        try h.close()
        try startServer(standbyDataDirectory, port: port, extra: "-c hot_standby=on")
        state.withLock { $0.standbyRunning = true }
        // Now commits on the primary wait for the standby's flush (ALTER SYSTEM after the base backup, so the standby,
        // once promoted, does not wait for a standby of its own).
        // remote_apply: an acknowledged commit is visible on the standby, where the hub's public reads go.
        try psql("ALTER SYSTEM SET synchronous_standby_names = '\(Self.standbyName)'", port: primaryPort)
        try psql("ALTER SYSTEM SET synchronous_commit = 'remote_apply'", port: primaryPort)
        try psql("SELECT pg_reload_conf()", port: primaryPort)
        try waitUntil("the standby streams synchronously") {
            (try? psql(
                "SELECT sync_state FROM pg_stat_replication WHERE application_name = '\(Self.standbyName)' AND state = 'streaming'",
                port: primaryPort)) == "sync"
        }
    }

    private func startServer(_ dataDir: String, port: Int, extra: String) throws {
        try runAsOwner(
            "pg_ctl",
            [
                "-D", dataDir, "-l", dataDir + ".log", "-w", "-t", "\(Self.waitSeconds)",
                "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 \(extra)", "start",
            ])
    }

    // MARK: - Running as the owner

    /// Runs one of PostgreSQL's programs as the owner of the data: `postgres` when we are root, else ourselves.
    /// Not through Foundation's `Process`: it learns of a child's exit from a descriptor the child inherits, and the
    /// server that `pg_ctl start` leaves running inherited it too, so the wait never ended. Here the child gets only
    /// stdin (/dev/null) and a log file, every other descriptor closed, and we wait for its pid itself.
    @discardableResult
    func runAsOwner(_ program: String, _ args: [String]) throws -> String {
        let exe = program.hasPrefix("/") ? program : bin + "/" + program
        let argv = geteuid() == 0 ? [Self.runuser, "-u", "postgres", "--", exe] + args : [exe] + args
        let outPath = directory + "/run-" + UUID().uuidString.prefix(8) + ".out"
        defer { unlink(outPath) }
        let status = try Self.spawnAndWait(argv, in: directory, output: outPath)
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let log = (try? String(contentsOfFile: (args.firstIndex(of: "-D").map { args[$0 + 1] } ?? "") + ".log", encoding: .utf8)) ?? ""
            throw FixtureError("\(program) \(args.joined(separator: " ")) (exit \(status))", output: output + log)
        }
        return output
    }

    /// posix_spawn with stdout and stderr to `output`, descriptors from 3 up closed, no signal blocked; waits.
    static func spawnAndWait(_ argv: [String], in directory: String, output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // glibc 2.34 has it, but Swift's Glibc module does not declare it: looked up by name. Required: a server that
        // inherited the test runner's output pipes would keep them open and the runner would never end.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"),
            unsafeBitCast(sym, to: CloseFrom.self)(&actions, 3) == 0
        else { throw FixtureError("posix_spawn_file_actions_addclosefrom_np is missing (glibc 2.34 or later is needed)") }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // The working directory through the shell (posix_spawn's chdir action is not declared to Swift either): the
        // server's programs must be able to read it as `postgres`, which the test runner's may not allow.
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + argv
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, environ)
        guard rc == 0 else { throw FixtureError("spawn \(argv[0])", output: String(cString: strerror(rc))) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw FixtureError("waitpid \(argv[0])", output: String(cString: strerror(errno))) }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import; a signal's death is 128 + its number.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    static var runuser: String {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
    }

    /// The newest installed server's programs (Debian: /usr/lib/postgresql/<major>/bin).
    static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        guard let major = majors.last(where: { FileManager.default.isExecutableFile(atPath: "\(root)/\($0)/bin/initdb") }) else {
            throw FixtureError("PostgreSQL", output: "no server under \(root): tools/setup installs postgresql-15")
        }
        return "\(root)/\(major)/bin"
    }

    /// As root: the directory belongs to `postgres` (initdb and the server refuse root, and a data directory must be
    /// its owner's alone).
    static func handToPostgres(_ dir: String) throws {
        guard geteuid() == 0 else { return }
        guard let pw = getpwnam("postgres") else {
            throw FixtureError("the postgres user", output: "missing: tools/setup installs postgresql-15")
        }
        guard chown(dir, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0, chmod(dir, 0o700) == 0 else {
            throw FixtureError("chown \(dir)", output: String(cString: strerror(errno)))
        }
    }

    /// Polls `condition` with a short, growing pause until it holds, for at most `waitSeconds`.
    func waitUntil(_ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(Double(Self.waitSeconds))
        var pause: useconds_t = 10_000
        while !condition() {
            guard Date() < deadline else { throw FixtureError("waiting until \(what)", output: "still not after \(Self.waitSeconds) s") }
            usleep(pause)
            pause = min(pause * 2, 200_000)
        }
    }
}
