import Foundation
import HosoCore
import HosoPostgres
import HosoTestSupport
import Testing

/// A server that stops answering without closing anything (a frozen machine, a stalled disk: its kernel still
/// takes connections) must fail a hub request within the URL's bounds, never hold it for ever; the next host of the
/// list is tried, and the same client works again once the server answers.
@Suite struct PostgresNoAnswerTests {
    @Test func aServerThatStopsAnsweringFailsStatementsConnectsAndTheLockAndTheNextHostServes() throws {
        let pg = try PostgresCluster.start(standby: false)
        defer { pg.stop() }
        let bounds = "connect_timeout=3&query_timeout=3"
        let url = pg.primaryURL + "?" + bounds
        let client = try BlockingPostgresClient(url)
        defer { client.close() }
        let lock = PostgresWriteLock(url: try PostgresURL(url))
        try client.query("SELECT 1")
        try lock.run { _ in }
        let shared = try PostgresCluster.shared()

        try pg.freezePrimary()
        var thawed = false
        defer { if !thawed { try? pg.thawPrimary() } }
        // The pooled connection's statement: no answer within query_timeout, so the connection is given up.
        #expect(noAnswer(try client.query("SELECT 1"))?.contains("query_timeout") == true)
        // A new connection: the TCP handshake succeeds, the session never starts.
        #expect(noAnswer(try client.query("SELECT 1")) != nil)
        // The write lock's own connection waits for its lock no longer.
        #expect(noAnswer(try lock.run { _ in }) != nil)
        // With a second host that answers, the request goes on there.
        let twoHosts = "postgres://postgres@127.0.0.1:\(pg.primaryPort),127.0.0.1:\(shared.primaryPort)/postgres?" + bounds
        let other = try BlockingPostgresClient(twoHosts)
        defer { other.close() }
        #expect(try other.query("SELECT inet_server_port()").first?.decode(Int.self) == shared.primaryPort)

        try pg.thawPrimary()
        thawed = true
        #expect(try client.query("SELECT 1").count == 1)
        #expect(try lock.run { _ in 7 } == 7)
    }

    /// The cause of the POSTGRES_UNREACHABLE that `body` throws; nil if it succeeds or throws anything else.
    private func noAnswer(_ body: @autoclosure () throws -> some Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch let e as HosoError where e.code == .postgresUnreachable {
            return e.cause ?? ""
        } catch {
            return nil
        }
    }
}
