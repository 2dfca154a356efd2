import Foundation
import HosoCore
import HosoHub
import HosoPostgres
import HosoStore
import HosoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What only the PostgreSQL store has: chunks that can go missing, rows that appear only whole, fsck over tables.
@Suite struct PostgresObjectStoreTests {
    @Test func aMissingChunkIsTruncationAndFsckReportsItAndOrphanChunks() throws {
        let t = try StoreUnderTest(.postgres)
        let store = t.store as! PostgresObjectStore
        let bytes = noise(3 * (1 << 20), seed: 5)
        let (obj, _) = try store.put(bytes, kind: .blob)
        let (fine, _) = try store.put(Array("sound".utf8), kind: .record)
        try t.psql("DELETE FROM hoso_object_chunks WHERE id = '\\x\(obj.id.hex)' AND n = 1")
        #expect(throws: HosoError(.objectTruncated, .both("", ""))) { try store.read(obj.id, limit: 64 << 20) }
        // Chunks whose object row is gone: never readable, but fsck names them.
        let orphan = ObjectID(hashing: Array("orphan".utf8))
        try t.psql("INSERT INTO hoso_object_chunks (id, n, bytes) VALUES ('\\x\(orphan.hex)', 0, '\\x00')")
        let report = try store.fsck()
        #expect(report.checked == 2)
        #expect(report.damaged[obj.id]?.0 == .truncated)
        #expect(report.damaged[fine.id] == nil)
        #expect(report.orphanChunks == [orphan])
        #expect(!report.isClean)
    }

    @Test func aPutThatFailsMidwayLeavesNoRowAndNoChunks() throws {
        let t = try StoreUnderTest(.postgres)
        let store = t.store as! PostgresObjectStore
        let bytes = noise(3 * (1 << 20), seed: 9)
        let staged = try store.stage(bytes: bytes, kind: .blob)
        // The staged file is damaged after staging (a bad local disk): the upload checks as it sends and gives up
        // after some chunks went in; its transaction is rolled back.
        let fd = open(staged.tempPath, O_WRONLY)
        #expect(fd >= 0)
        _ = lseek(fd, off_t(2 * (1 << 20) + 10), SEEK_SET)
        var b: UInt8 = 0xAA
        _ = write(fd, &b, 1)
        close(fd)
        #expect(throws: HosoError(.objectCorrupt, .both("", ""))) { try store.commit([staged]) }
        store.discard([staged])
        #expect(try !store.contains(staged.object.id))
        #expect(try t.psql("SELECT count(*) FROM hoso_object_chunks") == "0")
        #expect(try t.psql("SELECT count(*) FROM hoso_objects") == "0")
        // Then the right bytes go in.
        let (obj, isNew) = try store.put(bytes, kind: .blob)
        #expect(isNew && obj.id == staged.object.id)
        #expect(try store.fsck().isClean)
    }

    @Test func migrationsApplyOnceAndConcurrentPutsOfOneObjectMakeOne() throws {
        let t = try StoreUnderTest(.postgres)
        let store = t.store as! PostgresObjectStore
        #expect(try PostgresMigration.apply(PostgresObjectStore.migrations, on: store.client).isEmpty)
        let bytes = noise(1 << 20 + 7, seed: 3)
        let results = Locked([Bool]())
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            if let (_, isNew) = try? store.put(bytes, kind: .blob) { results.withLock { $0.append(isNew) } }
        }
        #expect(results.value.count == 4)
        #expect(results.value.filter { $0 }.count == 1)
        #expect(try t.psql("SELECT count(*) FROM hoso_objects") == "1")
    }

    /// A sync batch commits hundreds of objects at once, in a few statements: each answer is still the object's own
    /// (new, already there, staged twice), chunked objects come back whole, a damaged copy already there is
    /// replaced, and more chunks than one INSERT carries split without losing any.
    @Test func aBatchOfObjectsCommitsInOneGoWithEachAnswerItsOwn() throws {
        let t = try StoreUnderTest(.postgres)
        let store = t.store as! PostgresObjectStore
        let (there, _) = try store.put(Array("already here".utf8), kind: .record)
        let (damaged, _) = try store.put(Array("damaged here".utf8), kind: .record)
        try t.psql("UPDATE hoso_object_chunks SET bytes = '\\x00' WHERE id = '\\x\(damaged.id.hex)'")
        var bodies = (0..<300).map { Array("record \($0)".utf8) }
        // Three objects of several chunks each, together more than one INSERT's share.
        bodies += (0..<3).map { noise(3 * (1 << 20) + 11, seed: UInt64(20 + $0)) }
        var staged = try bodies.map { try store.stage(bytes: $0, kind: .blob) }
        staged.append(try store.stage(bytes: Array("already here".utf8), kind: .record))
        staged.append(try store.stage(bytes: Array("damaged here".utf8), kind: .record))
        staged.append(try store.stage(bytes: bodies[7], kind: .blob))
        let answers = try store.commit(staged)
        #expect(answers.count == staged.count)
        #expect(answers.prefix(bodies.count).allSatisfy { $0 })
        #expect(answers.suffix(3) == [false, true, false])
        for (body, s) in zip(bodies, staged) { #expect(try store.read(s.object.id, limit: 64 << 20) == body) }
        #expect(try store.read(there.id) == Array("already here".utf8))
        #expect(try store.read(damaged.id) == Array("damaged here".utf8))
        #expect(try t.psql("SELECT count(*) FROM hoso_objects") == "\(bodies.count + 2)")
        #expect(try store.fsck().isClean)
    }
    @Test func urlsParseForTCPAndUnixSocketsAndBadOnesAreRefused() throws {
        let tcp = try PostgresURL("postgres://hub:s%40cret@127.0.0.1:6543/hoso")
        #expect(tcp.user == "hub" && tcp.password == "s@cret" && tcp.host == "127.0.0.1" && tcp.port == 6543 && tcp.database == "hoso")
        #expect(!tcp.description.contains("cret"))
        let socket = try PostgresURL("postgresql://hub@%2Fvar%2Frun%2Fpostgresql:5433/hoso")
        #expect(socket.socketDirectory == "/var/run/postgresql" && socket.host == nil && socket.port == 5433)
        let query = try PostgresURL("postgres:///hoso?host=/tmp/pg&port=7000&user=app")
        #expect(query.socketDirectory == "/tmp/pg" && query.port == 7000 && query.user == "app" && query.database == "hoso")
        #expect(try query.configuration().unixSocketPath == "/tmp/pg/.s.PGSQL.7000")
        let tls = try PostgresURL("postgres://app@db.hub:5432/hoso?sslmode=verify-full&sslrootcert=/etc/hoso/ca.pem")
        #expect(tls.sslMode == .verifyFull && tls.sslRootCert == "/etc/hoso/ca.pem" && tls.description.hasSuffix("?sslmode=verify-full"))
        #expect(try PostgresURL("postgres://h/db").sslMode == .disable)
        // A CA file that cannot be read is said when connecting, with the TLS code.
        let missingCA = try PostgresURL("postgres://h/db?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem")
        #expect(throws: HosoError(.postgresTLS, .both("", ""))) { try missingCA.configuration() }
        for bad in [
            "mysql://x", "postgres://h:99999/db", "postgres://h/db?sslmode=prefer", "postgres://h/db?sslmode=allow", "postgres://%zz@h/db",
            "postgres://h/a/b",
        ] {
            #expect(throws: HosoError(.postgresURLInvalid, .both("", "")), "\(bad)") { try PostgresURL(bad) }
        }
    }
}

/// The harness itself: a synchronous standby that has every acknowledged write, and a failover.
@Suite struct PostgresClusterTests {
    @Test func aCommittedRowIsOnTheStandbyAndAfterFailoverTheObjectIsThere() throws {
        let pg = try PostgresCluster.start(standby: true)
        defer { pg.stop() }
        let primary = try BlockingPostgresClient(pg.primaryURL)
        let standby = try BlockingPostgresClient(pg.standbyURL!)
        defer {
            primary.close()
            standby.close()
        }
        try primary.query("CREATE TABLE copies (serial text PRIMARY KEY)")
        try primary.query("INSERT INTO copies VALUES (\("A-0001"))")
        // Acknowledged on the primary means applied on the standby (remote_apply): readable there at once.
        let rows = try standby.query("SELECT serial FROM copies")
        #expect(try rows.map { try $0.decode(String.self) } == ["A-0001"])
        #expect(throws: HosoError(.postgresReadOnly, .both("", ""))) { try standby.query("INSERT INTO copies VALUES ('B')") }

        let folder = TempDirectory("pgfailover")
        let store = try PostgresObjectStore(client: primary, stagingDirectory: folder.path + "/staging")
        try store.migrate()
        let bytes = noise((1 << 20) * 2 + 5, seed: 11)
        let (obj, _) = try store.put(bytes, kind: .copy)
        // What `hoso hub status` shows an operator: the primary with its synchronous standby, the standby streaming,
        // the other parts' steps not yet applied (only the store migrated here).
        let before = try HubStatus.read(client: primary, schema: .province)
        #expect(before.role == "primary" && before.synchronousStandbyNames == PostgresCluster.standbyName)
        #expect(before.standbys.map(\.name) == [PostgresCluster.standbyName] && before.standbys.first?.syncState == "sync")
        let others = HubSchema.province.parts.filter { $0.name != PostgresObjectStore.hubPart.name }.flatMap { $0.migrations.map(\.name) }
        #expect(before.pendingMigrations == others && others.contains("index-1"))
        let standbyStatus = try HubStatus.read(client: standby, schema: .province)
        #expect(standbyStatus.role == "standby" && standbyStatus.receiving == true && standbyStatus.replayDelaySeconds != nil)

        try pg.killPrimary()
        #expect(throws: HosoError(.postgresUnreachable, .both("", ""))) { try primary.query("SELECT 1") }
        try pg.promoteStandby()
        let promoted = try PostgresObjectStore(client: standby, stagingDirectory: folder.path + "/staging2")
        #expect(try promoted.read(obj.id, limit: 64 << 20) == bytes)
        // The promoted standby takes writes.
        let (next, isNew) = try promoted.put(Array("after the failover".utf8), kind: .copy)
        #expect(try isNew && promoted.contains(next.id))
        #expect(try HubStatus.read(client: standby, schema: .province).role == "primary")
    }

    @Test func unixSocketURLsReachTheServer() throws {
        let pg = try PostgresCluster.start(standby: false)
        defer { pg.stop() }
        let encoded = pg.socketDirectory.replacingOccurrences(of: "/", with: "%2F")
        let client = try BlockingPostgresClient("postgres://postgres@\(encoded):\(pg.primaryPort)/postgres")
        defer { client.close() }
        let one = try client.query("SELECT 1 + 1")
        #expect(try one.first?.decode(Int.self) == 2)
    }

    @Test func nothingAnsweringIsUnreachable() throws {
        let client = try BlockingPostgresClient("postgres://postgres@127.0.0.1:\(try freeLoopbackPort())/postgres")
        #expect(throws: HosoError(.postgresUnreachable, .both("", ""))) { try client.query("SELECT 1") }
    }
}

/// `hoso hub fsck`, the built binary against a real cluster.
@Suite struct HubFsckCLITests {
    @Test func hubFsckPassesASoundStoreAndNamesADamagedObject() throws {
        let t = try StoreUnderTest(.postgres)
        let url = t.url
        let (obj, _) = try t.store.put(noise((1 << 20) + 3, seed: 17), kind: .blob)
        _ = try t.store.put(Array("a sound record".utf8), kind: .record)
        var env = ProcessInfo.processInfo.environment
        env["HOSO_LANG"] = "en"
        let clean = try runProgram(hosoBinary, ["hub", "fsck", "--database", url], environment: env, timeout: 300)
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.out.contains("Checked 2 objects") && clean.out.contains("No damage found"), "\(clean)")
        try t.flipStoredByte(of: obj.id)
        let damaged = try runProgram(
            hosoBinary, ["hub", "fsck", "--json"], environment: env.merging(["HOSO_DATABASE": url]) { $1 }, timeout: 300)
        #expect(damaged.status == 1, "\(damaged)")
        struct Report: Decodable {
            struct Damage: Decodable {
                var id: String
                var problem: String
            }
            var objects: Int
            var damaged: [Damage]
            var ok: Bool
        }
        let report = try damaged.json(Report.self)
        #expect(report.objects == 2 && !report.ok)
        #expect(report.damaged.map(\.id) == [obj.id.hex] && report.damaged.map(\.problem) == ["corrupt"])
        // A URL that is no URL is the caller's mistake (exit 3), with its code.
        let bad = try runProgram(hosoBinary, ["hub", "fsck", "--database", "mysql://x"], environment: env, timeout: 60)
        #expect(bad.status == 3 && bad.err.contains("POSTGRES_URL_INVALID"), "\(bad)")
    }
}

/// `hoso hub init` and `hoso hub status`, the built binary: passwords from the environment or a file, never the
/// command line; a second init changes nothing.
@Suite struct HubInitCLITests {
    @Test func hubInitTwiceThenStatus() throws {
        let pg = try PostgresCluster.shared()
        let url = try pg.createDatabase()
        let db = String(url.split(separator: "/").last!)
        let folder = TempDirectory("hubcli")
        try "mật khẩu đọc\n".write(toFile: folder.path + "/reader.pw", atomically: true, encoding: .utf8)
        defer {
            _ = try? pg.psql("DROP DATABASE \(db) WITH (FORCE)")
            for r in ["app", "reader", "owner"] { _ = try? pg.psql("DROP ROLE IF EXISTS \(db)_\(r)") }
        }
        var env = ProcessInfo.processInfo.environment
        env["HOSO_LANG"] = "en"
        env["HOSO_APP_PASSWORD"] = "mật khẩu ứng dụng"
        let args = [
            "hub", "init", "--database", url, "--owner-role", db + "_owner", "--app-role", db + "_app", "--reader-role", db + "_reader",
            "--reader-password-file", folder.path + "/reader.pw",
        ]
        let first = try runProgram(hosoBinary, args, environment: env, timeout: 300)
        #expect(first.status == 0, "\(first)")
        #expect(first.out.contains("Created role \(db)_app") && first.out.contains("Applied schema step index-1"), "\(first)")
        #expect(first.out.contains("Set the password of \(db)_reader"), "\(first)")
        let second = try runProgram(hosoBinary, args, environment: env, timeout: 300)
        #expect(second.status == 0 && !second.out.contains("Created") && !second.out.contains("Applied"), "\(second)")
        let appURL = "postgres://\(db)_app@127.0.0.1:\(pg.primaryPort)/\(db)"
        let status = try runProgram(hosoBinary, ["hub", "status", "--database", appURL], environment: env, timeout: 300)
        #expect(status.status == 0 && status.out.contains("Primary") && status.out.contains("Schema: up to date"), "\(status)")
    }
}

/// `pipeline` sends statements while the server runs earlier ones: every statement made is run, in order, and a
/// failure in the middle is reported after all have finished, rolling back the transaction around them.
@Suite struct PostgresPipelineTests {
    @Test func pipelinedStatementsRunInOrderAndAFailureIsThrownAndRolledBack() throws {
        let t = try StoreUnderTest(.postgres)
        let client = (t.store as! PostgresObjectStore).client
        try client.query("CREATE TABLE pipelined (n int PRIMARY KEY)")
        var n = 0
        try client.transaction { c in
            try c.pipeline {
                n += 1
                return n <= 50 ? "INSERT INTO pipelined (n) SELECT coalesce(max(n), 0) + 1 FROM pipelined" : nil
            }
        }
        #expect(try t.psql("SELECT count(*), min(n), max(n) FROM pipelined") == "50|1|50")
        // The third statement fails (the key is taken); the fourth still ran, inside the failed transaction.
        n = 0
        #expect(throws: HosoError.self) {
            try client.transaction { c in
                try c.pipeline {
                    n += 1
                    return n <= 4
                        ? (n == 3 ? "INSERT INTO pipelined (n) VALUES (1)" : "INSERT INTO pipelined (n) VALUES (\(100 + n))") : nil
                }
            }
        }
        #expect(n == 5)
        #expect(try t.psql("SELECT count(*) FROM pipelined") == "50")
        // A statement that cannot be made stops the pipeline; what was sent is waited for, and the error is the maker's.
        struct Unmade: Error {}
        #expect(throws: Unmade.self) {
            try client.transaction { c in
                var k = 0
                try c.pipeline {
                    k += 1
                    if k == 2 { throw Unmade() }
                    return "INSERT INTO pipelined (n) VALUES (200)"
                }
            }
        }
        #expect(try t.psql("SELECT count(*) FROM pipelined") == "50")
    }
}
