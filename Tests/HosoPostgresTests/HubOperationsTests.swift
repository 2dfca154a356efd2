import Foundation
import HosoCore
import HosoHub
import HosoPostgres
import HosoStore
import HosoTestSupport
import Testing

/// A test CA and a server certificate for `localhost` made by it, and a second CA that signed nothing the server has.
struct TestTLSFiles {
    let dir: TempDirectory
    var caCert: String { dir.path + "/ca.pem" }
    var otherCACert: String { dir.path + "/other-ca.pem" }
    var serverCert: String { dir.path + "/server.pem" }
    var serverKey: String { dir.path + "/server.key" }

    init() throws {
        dir = TempDirectory("pgtls")
        let d = dir.path
        try "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".write(
            toFile: d + "/server.ext", atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        for args in [
            ["req", "-x509"] + ec + ["-subj", "/CN=Hoso Test CA", "-days", "2", "-keyout", "ca.key", "-out", "ca.pem"],
            ["req", "-x509"] + ec + ["-subj", "/CN=Other CA", "-days", "2", "-keyout", "other-ca.key", "-out", "other-ca.pem"],
            ["req", "-new"] + ec + ["-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"],
            [
                "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", "server.ext", "-out", "server.pem",
            ],
        ] {
            let r = try runProgram("/usr/bin/openssl", args, in: d, timeout: 60)
            guard r.status == 0 else { throw FixtureError("openssl \(args.joined(separator: " "))", output: r.output) }
        }
    }
}

/// The hub's operations on clusters of their own: TLS to PostgreSQL, with passwords; a restore from a base backup
/// and the WAL archive.
@Suite struct HubOperationsTests {
    @Test func tlsVerifyFullAndRequireConnectAndAWrongCAOrNameIsRefused() throws {
        let files = try TestTLSFiles()
        let pg = try PostgresCluster.start(options: .init(tls: (files.serverCert, files.serverKey), passwords: true))
        defer { pg.stop() }
        // Roles with passwords set by init (SCRAM verifiers made by hoso): the server checks them over TLS.
        let admin = try BlockingPostgresClient(pg.primaryURL)
        defer { admin.close() }
        let roles = HubSetup.Roles()
        _ = try HubSetup.initialize(
            client: admin, schema: .province, roles: roles, applicationPassword: "Mật khẩu ứng dụng", readerPassword: "đọc")
        let base = "postgres://hoso_app:M%E1%BA%ADt%20kh%E1%BA%A9u%20%E1%BB%A9ng%20d%E1%BB%A5ng@"
        func connect(_ host: String, _ query: String) throws -> String {
            let client = try BlockingPostgresClient(base + "\(host):\(pg.primaryPort)/postgres?\(query)")
            defer { client.close() }
            return try client.query("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?.decode(String.self) ?? "-"
        }
        #expect(try connect("localhost", "sslmode=verify-full&sslrootcert=\(files.caCert)") == "true")
        #expect(try connect("127.0.0.1", "sslmode=require") == "true")
        #expect(try connect("127.0.0.1", "sslmode=disable") == "false")
        // A CA that did not sign the server's certificate; an address the certificate does not name.
        let wrongCA = #expect(throws: HosoError.self) {
            try connect("localhost", "sslmode=verify-full&sslrootcert=\(files.otherCACert)")
        }
        #expect(wrongCA?.code == .postgresTLS)
        let wrongName = #expect(throws: HosoError.self) { try connect("127.0.0.1", "sslmode=verify-full&sslrootcert=\(files.caCert)") }
        #expect(wrongName?.code == .postgresTLS)
        // verify-ca checks the chain but not the name.
        #expect(try connect("127.0.0.1", "sslmode=verify-ca&sslrootcert=\(files.caCert)") == "true")
        // The password is checked: a wrong one is refused.
        let bad = try BlockingPostgresClient("postgres://hoso_app:sai@127.0.0.1:\(pg.primaryPort)/postgres?sslmode=require")
        defer { bad.close() }
        #expect(throws: HosoError(.postgresAuthFailed, .both("", ""))) { try bad.query("SELECT 1") }
    }

    @Test func aServerWithoutTLSIsRefusedWhenTLSIsRequired() throws {
        let pg = try PostgresCluster.shared()
        let client = try BlockingPostgresClient(pg.primaryURL + "?sslmode=require")
        defer { client.close() }
        #expect(throws: HosoError(.postgresTLS, .both("", ""))) { try client.query("SELECT 1") }
    }

    @Test func aBaseBackupAndTheArchivedWALRestoreEveryObject() throws {
        let pg = try PostgresCluster.start(options: .init(archiving: true))
        defer { pg.stop() }
        let staging = TempDirectory("pgrestore")
        let client = try BlockingPostgresClient(pg.primaryURL)
        let store = try PostgresObjectStore(client: client, stagingDirectory: staging.path + "/s")
        try store.migrate()
        let before = try (0..<3).map { try store.put(noise(50_000, seed: UInt64($0)), kind: .blob).0 }
        let backup = try pg.baseBackup("base")
        // Written after the base backup: only the archived WAL has them.
        let after = try (3..<8).map { try store.put(noise(300_000, seed: UInt64($0)), kind: .blob).0 }
        try pg.archiveCurrentWAL()
        client.close()
        try pg.stopPrimary()

        let port = try pg.startRestored(from: backup, into: "restored")
        let restoredClient = try BlockingPostgresClient("postgres://postgres@127.0.0.1:\(port)/postgres")
        defer { restoredClient.close() }
        let restored = try PostgresObjectStore(client: restoredClient, stagingDirectory: staging.path + "/r")
        for (i, obj) in (before + after).enumerated() {
            #expect(try restored.read(obj.id) == noise(i < 3 ? 50_000 : 300_000, seed: UInt64(i)))
        }
        let report = try restored.fsck()
        #expect(report.checked == 8 && report.isClean)
        // The restored server takes writes (recovery ended on a new timeline).
        #expect(try restored.put(Array("sau khi khôi phục".utf8), kind: .record).1)
    }
}
