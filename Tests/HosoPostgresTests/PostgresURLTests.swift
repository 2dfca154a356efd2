import Foundation
import HosoCore
import HosoPostgres
import HosoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Several hosts in one URL, as libpq takes them (a primary and its standby), `target_session_attrs` and
/// `connect_timeout`; and the connector that tries the hosts in order.
@Suite struct PostgresURLTests {
    @Test func multiHostURLsParseAndBadOnesAreRefused() throws {
        let two = try PostgresURL("postgres://app:s%40cret@db1:5432,db2:6543/hoso?target_session_attrs=read-write")
        #expect(two.hosts == [.init(host: "db1", port: 5432), .init(host: "db2", port: 6543)])
        #expect(two.host == "db1" && two.port == 5432 && two.targetSessionAttrs == .readWrite)
        #expect(two.connectTimeout == PostgresURL.defaultConnectTimeout)
        #expect(two.description == "postgres://app:***@db1:5432,db2:6543/hoso?target_session_attrs=read-write")
        #expect(!two.description.contains("cret"))
        // A host without a port takes 5432; IPv6 in brackets; a socket directory among TCP hosts.
        let mixed = try PostgresURL("postgresql://app@[::1]:7000,db2,%2Ftmp%2Fpg:5433/hoso?connect_timeout=3")
        #expect(
            mixed.hosts == [.init(host: "::1", port: 7000), .init(host: "db2", port: 5432), .init(socketDirectory: "/tmp/pg", port: 5433)])
        #expect(mixed.connectTimeout == 3)
        #expect(mixed.description == "postgres://app@[::1]:7000,db2:5432,%2Ftmp%2Fpg:5433/hoso?connect_timeout=3")
        #expect(try mixed.configuration(host: 2).unixSocketPath == "/tmp/pg/.s.PGSQL.5433")
        #expect(try mixed.configuration().options.connectTimeout == .seconds(3))
        #expect(try PostgresURL("postgres://h/db").configuration().options.connectTimeout == .seconds(10))
        #expect(try PostgresURL("postgres://h/db").queryTimeout == 300)
        let patient = try PostgresURL("postgres://h/db?query_timeout=3600&connect_timeout=5")
        #expect(patient.queryTimeout == 3600 && patient.connectTimeout == 5)
        #expect(try PostgresURL(patient.description) == patient)
        // libpq's query form: a list of hosts, one port for all or one each.
        let query = try PostgresURL("postgres:///hoso?host=a,b&port=7000&target_session_attrs=prefer-standby")
        #expect(query.hosts.map(\.description) == ["a:7000", "b:7000"] && query.targetSessionAttrs == .preferStandby)
        let each = try PostgresURL("postgres:///hoso?host=a,b&port=7000,7001")
        #expect(each.hosts.map(\.port) == [7000, 7001])
        for attrs in PostgresURL.TargetSessionAttrs.allCases {
            #expect(try PostgresURL("postgres://a,b/db?target_session_attrs=\(attrs.rawValue)").targetSessionAttrs == attrs)
        }
        // One host is written as it always was.
        #expect(try PostgresURL("postgres://app@db1:5432/hoso").description == "postgres://app@db1:5432/hoso")
        #expect(try PostgresURL("postgres:///hoso?host=/tmp/pg&port=7000").description == "postgres://postgres@:7000/hoso?host=/tmp/pg")

        for (bad, why) in [
            ("postgres://db1,,db2/hoso", "empty host"), ("postgres://db1,/hoso", "empty host"), ("postgres://,db2/hoso", "empty host"),
            ("postgres://db1:5432,db2:0/hoso", "bad port"), ("postgres://db1:x,db2/hoso", "bad port"),
            ("postgres://db1:5432,db2:70000/hoso", "bad port"), ("postgres:///hoso?host=a,,b", "empty host"),
            ("postgres:///hoso?host=a,b,c&port=1,2", "3 hosts"),
            ("postgres://a,b/db?target_session_attrs=primary-first", "target_session_attrs"),
            ("postgres://a,b/db?target_session_attrs=", "bad query parameter"), ("postgres://a/db?connect_timeout=0", "connect_timeout"),
            ("postgres://a/db?connect_timeout=ten", "connect_timeout"), ("postgres://a/db?query_timeout=0", "query_timeout"),
            ("postgres://a/db?query_timeout=86401", "query_timeout"), ("postgres://a/db?query_timeout=", "bad query parameter"),
            ("postgres://a,b/db?load_balance_hosts=random", "unsupported parameter"),
        ] {
            let e = #expect(throws: HosoError.self, "\(bad)") { try PostgresURL(bad) }
            #expect(e?.code == .postgresURLInvalid, "\(bad)")
            #expect(e?.cause?.contains(why) == true, "\(bad): \(e?.cause ?? "")")
        }
    }

    /// A host that is gone (nothing listens: refused at once) and a host that never answers (the connection is
    /// accepted, the session never starts: a black-holed server) are passed over within `connect_timeout`, and the
    /// next host serves.
    @Test func deadAndSilentHostsArePassedOverWithinTheConnectTimeout() throws {
        let pg = try PostgresCluster.shared()
        let database = try pg.createDatabase()
        let name = String(database.split(separator: "/").last!)
        let silent = try SilentListener()
        let gone = try freeLoopbackPort()
        let live = "127.0.0.1:\(pg.primaryPort)"

        let start = Date()
        let client = try BlockingPostgresClient(
            "postgres://postgres@127.0.0.1:\(gone),127.0.0.1:\(silent.port),\(live)/\(name)?connect_timeout=1")
        defer { client.close() }
        #expect(try client.query("SELECT 1").count == 1)
        let took = Date().timeIntervalSince(start)
        #expect(took >= 0.9 && took < 10, "\(took) s")

        let lost = try BlockingPostgresClient("postgres://postgres@127.0.0.1:\(gone),127.0.0.1:\(silent.port)/\(name)?connect_timeout=1")
        defer { lost.close() }
        let began = Date()
        let e = #expect(throws: HosoError.self) { try lost.query("SELECT 1") }
        #expect(Date().timeIntervalSince(began) < 10)
        #expect(e?.code == .postgresUnreachable, "\(String(describing: e))")
        #expect(
            e?.cause?.contains("127.0.0.1:\(gone)") == true && e?.cause?.contains("127.0.0.1:\(silent.port)") == true, "\(e?.cause ?? "")")
        #expect(e?.location?.contains(",") == true, "\(e?.location ?? "")")

        // One host that never answers: the timeout, not a hang, and its own error as before.
        let one = try BlockingPostgresClient("postgres://postgres@127.0.0.1:\(silent.port)/\(name)?connect_timeout=1")
        defer { one.close() }
        let e1 = #expect(throws: HosoError.self) { try one.query("SELECT 1") }
        #expect(e1?.code == .postgresUnreachable, "\(String(describing: e1))")
    }

    /// read-write passes over a server whose sessions are read-only (what a hot standby answers) to the next; with
    /// none that takes writes the error is POSTGRES_READ_ONLY naming the hosts; `any` keeps the first that answers.
    @Test func readWriteSkipsReadOnlyServers() throws {
        let pg = try PostgresCluster.shared()
        let readOnly = try pg.createDatabase()
        let name = String(readOnly.split(separator: "/").last!)
        try pg.psql("ALTER DATABASE \(name) SET default_transaction_read_only = on")
        let writable = String(try pg.createDatabase().split(separator: "/").last!)
        let host = "127.0.0.1:\(pg.primaryPort)"
        let gone = try freeLoopbackPort()

        let refused = try BlockingPostgresClient("postgres://postgres@\(host),127.0.0.1:\(gone)/\(name)?target_session_attrs=read-write")
        defer { refused.close() }
        let e = #expect(throws: HosoError.self) { try refused.query("SELECT 1") }
        #expect(e?.code == .postgresReadOnly, "\(String(describing: e))")
        #expect(e?.cause?.contains(host) == true && e?.cause?.contains("127.0.0.1:\(gone)") == true, "\(e?.cause ?? "")")

        let any = try BlockingPostgresClient("postgres://postgres@127.0.0.1:\(gone),\(host)/\(name)")
        defer { any.close() }
        #expect(try any.query("SHOW transaction_read_only").first?.decode(String.self) == "on")
        let readOnlyWanted = try BlockingPostgresClient("postgres://postgres@\(host)/\(name)?target_session_attrs=read-only")
        defer { readOnlyWanted.close() }
        #expect(try readOnlyWanted.query("SELECT 1").count == 1)

        // The same server, a database that takes writes: read-write keeps it; standby refuses it (a primary).
        let fine = try BlockingPostgresClient("postgres://postgres@127.0.0.1:\(gone),\(host)/\(writable)?target_session_attrs=read-write")
        defer { fine.close() }
        try fine.query("CREATE TABLE t (n int)")
        let standby = try BlockingPostgresClient("postgres://postgres@\(host)/\(writable)?target_session_attrs=standby")
        defer { standby.close() }
        #expect(throws: HosoError.self) { try standby.query("SELECT 1") }
        // prefer-standby takes the primary when no standby answers.
        let prefer = try BlockingPostgresClient(
            "postgres://postgres@127.0.0.1:\(gone),\(host)/\(writable)?target_session_attrs=prefer-standby")
        defer { prefer.close() }
        #expect(try prefer.query("SELECT pg_is_in_recovery()").first?.decode(Bool.self) == false)
    }
}

/// A TCP port that accepts connections (the kernel completes them) and never says a word: a server that hangs.
final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = fd
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0 && listen(fd, 16) == 0
            }
        }
        guard ok else {
            close(fd)
            throw FixtureError("bind")
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
}
