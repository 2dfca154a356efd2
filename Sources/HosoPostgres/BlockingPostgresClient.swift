import Dispatch
import HosoCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// A PostgreSQL client for hoso's synchronous code. HosoKit runs its work on thread pools and returns values, not
/// futures; postgres-nio is asynchronous on SwiftNIO's event loops. The bridge: every call sends its query on a
/// connection's event loop and waits for the future on the calling thread (`EventLoopFuture.wait()`), which NIO
/// allows on any thread that is not an event loop's. So a caller must never call it from an event loop (a route
/// handler hands the work to the thread pool first, as it does for SQLite and the file store), and each waiting
/// call holds one thread, as a SQLite query does today. Connections are kept in a small idle list and reused;
/// one that failed is dropped, never handed out again.
public final class BlockingPostgresClient: Sendable {
    public var url: PostgresURL { connector.url }
    /// Opens the connections (the hosts of the URL in order; see `PostgresConnector`).
    public let connector: PostgresConnector
    private let maxIdle: Int
    private let idle = Mutex<[PostgresConnection]>([])
    private var logger: Logger { connector.logger }

    public init(url: PostgresURL, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxIdle: Int = 8) {
        self.connector = PostgresConnector(url: url, eventLoopGroup: eventLoopGroup)
        self.maxIdle = maxIdle
    }

    /// A client on a connector shared with others (the hub archive's write lock).
    public init(connector: PostgresConnector, maxIdle: Int = 8) {
        self.connector = connector
        self.maxIdle = maxIdle
    }

    public convenience init(_ url: String) throws { self.init(url: try PostgresURL(url)) }

    deinit { close() }

    /// Closes every idle connection.
    public func close() {
        let all = idle.withLock { list in
            defer { list.removeAll() }
            return list
        }
        for c in all { _ = try? c.close().wait() }
    }

    /// Runs `body` on one connection (opened, or reused from the idle list), then keeps it for the next call unless
    /// it failed.
    public func withConnection<T>(_ body: (BlockingPostgresConnection) throws -> T) throws -> T {
        let conn = try checkOut()
        let result: T
        do {
            result = try body(
                BlockingPostgresConnection(
                    connection: conn, logger: logger, location: url.description, answerTimeout: .seconds(Int64(url.queryTimeout))))
        } catch {
            if conn.isClosed || (error as? HosoError)?.code == .postgresUnreachable { connector.noteLost() }
            checkIn(conn, healthy: false)
            throw error
        }
        checkIn(conn, healthy: true)
        return result
    }

    /// One statement on any connection; all its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        try withConnection { try $0.query(query) }
    }

    /// Runs `body` in a transaction (BEGIN … COMMIT). A transaction that clashed with another (serialization
    /// failure, deadlock) is rolled back and run again, up to `retries` more times; `body` must therefore be
    /// repeatable (it only talks to the database). Any other error rolls back and is thrown.
    public func transaction<T>(
        isolation: String = "READ COMMITTED", retries: Int = 3, _ body: (BlockingPostgresConnection) throws -> T
    ) throws -> T {
        var attempt = 0
        while true {
            do {
                return try withConnection { c in
                    try c.execute(PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL " + isolation))
                    do {
                        let r = try body(c)
                        try c.execute("COMMIT")
                        return r
                    } catch {
                        _ = try? c.execute("ROLLBACK")
                        throw error
                    }
                }
            } catch let e as HosoError where e.code == .postgresRetry && attempt < retries {
                attempt += 1
            }
        }
    }

    private func checkOut() throws -> PostgresConnection {
        while let c = idle.withLock({ $0.popLast() }) {
            if !c.isClosed { return c }
            // The server closed it while it sat idle: it may be gone (a killed primary).
            connector.noteLost()
        }
        return try connector.connect()
    }

    /// A handshake that failed (a server without TLS, an unknown CA, a name the certificate does not carry) as
    /// `POSTGRES_TLS_FAILED`, saying what the TLS library found.
    static func tlsFailure(_ error: any Error, url: PostgresURL, location: String) -> HosoError? {
        guard url.sslMode != .disable else { return nil }
        let psql = error as? PSQLError
        let under = psql?.underlying ?? error
        let isTLS =
            psql?.code == .sslUnsupported || under is NIOSSLError || under is BoringSSLError || under is NIOSSLExtraError
        guard isTLS else { return nil }
        return HosoError(
            .postgresTLS,
            LocalizedText(
                vi:
                    "Không lập được kết nối TLS an toàn tới PostgreSQL (máy chủ không có TLS, CA không đúng hoặc tên máy không khớp chứng thư)",
                en:
                    "Cannot set up a secure TLS connection to PostgreSQL (no TLS on the server, the wrong CA, or a host name the certificate does not carry)"
            ),
            location: location, cause: psql?.code == .sslUnsupported ? "the server does not offer TLS" : "\(under)")
    }

    private func checkIn(_ c: PostgresConnection, healthy: Bool) {
        if healthy && !c.isClosed {
            let kept = idle.withLock { list -> Bool in
                guard list.count < maxIdle else { return false }
                list.append(c)
                return true
            }
            if kept { return }
        }
        if healthy && c.isClosed { connector.noteLost() }
        // Waited for: postgres-nio requires a connection to be closed before it goes away.
        _ = try? c.close().wait()
    }
}

/// One connection, borrowed for the length of a `withConnection` or `transaction` body.
public struct BlockingPostgresConnection: Sendable {
    public let connection: PostgresConnection
    let logger: Logger
    let location: String
    /// How long one statement's answer may take (the URL's `query_timeout`): past it the connection is closed, so
    /// a server that stopped answering fails the request (`POSTGRES_UNREACHABLE`) and the next one reconnects.
    let answerTimeout: TimeAmount

    /// All the rows of one statement.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        try answer(connection.queryUnlessClosed(query, logger: logger)).rows
    }

    /// A statement whose rows do not matter; returns how many rows it changed, when the server says.
    @discardableResult
    public func execute(_ query: PostgresQuery) throws -> Int? {
        try answer(connection.queryUnlessClosed(query, logger: logger)).metadata.rows
    }

    /// Waits for a statement's answer, at most `answerTimeout`.
    func answer(_ sent: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        try connection.answer(sent, within: answerTimeout, location: location)
    }
}

extension BlockingPostgresConnection {
    /// Sends the statements `next` makes, each while the server still runs the one before, and then waits for all:
    /// building a large statement (its arrays encoded) overlaps the server's work on the last. The first error is
    /// thrown once every statement sent has finished (in a transaction, those after a failure fail too).
    public func pipeline(_ next: () throws -> PostgresQuery?) throws {
        var sent = [EventLoopFuture<PostgresQueryResult>]()
        var failure: (any Error)?
        do {
            while let q = try next() { sent.append(connection.queryUnlessClosed(q, logger: logger)) }
        } catch { failure = error }
        for f in sent {
            do { _ = try answer(f) } catch { if failure == nil { failure = error } }
        }
        if let failure { throw failure }
    }
}

extension PostgresConnection {
    /// The answer of a statement sent on this connection, waited for at most `limit`: past it the connection is
    /// closed (which fails the statement) and the error says no answer came. Whether a COMMIT without an answer
    /// took effect is unknown, as with any connection lost. One callback and a semaphore, no timer on the event
    /// loop: a statement costs what `wait()` costs.
    func answer(_ sent: EventLoopFuture<PostgresQueryResult>, within limit: TimeAmount, location: String) throws -> PostgresQueryResult {
        let answered = Answer()
        sent.whenComplete { answered.set($0) }
        guard answered.arrived.wait(timeout: .now() + .nanoseconds(Int(limit.nanoseconds))) == .success else {
            close().whenComplete { _ in }
            throw HosoError(
                .postgresUnreachable, HosoError.unreachableText, location: location,
                cause: "no answer in \(limit.nanoseconds / 1_000_000_000) s (query_timeout); the connection was closed")
        }
        do { return try answered.result!.get() } catch { throw HosoError.postgres(error, location: location) }
    }

    /// `query`, refused at once when the connection is closed. postgres-nio writes a query to its channel with no
    /// promise for the write: on a channel already closed (the server went away while the connection sat idle, as
    /// when the primary is killed) the write fails unseen and the query's future never completes, so a caller
    /// waiting on it would hang for ever. Checked and sent on the connection's event loop, where no close can come
    /// in between: a query sent to an open channel is failed by the close if it comes later.
    func queryUnlessClosed(_ query: PostgresQuery, logger: Logger) -> EventLoopFuture<PostgresQueryResult> {
        eventLoop.flatSubmit {
            guard !self.isClosed else { return self.eventLoop.makeFailedFuture(ConnectionClosed()) }
            return self.query(query, logger: logger)
        }
    }
}

/// A query refused because its connection had closed already.
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection was closed before the query was sent" }
}

/// A statement's result, handed from the event loop to the waiting thread.
private final class Answer: Sendable {
    let arrived = DispatchSemaphore(value: 0)
    private let stored = Mutex<Result<PostgresQueryResult, any Error>?>(nil)

    var result: Result<PostgresQueryResult, any Error>? { stored.withLock { $0 } }

    func set(_ r: Result<PostgresQueryResult, any Error>) {
        stored.withLock { $0 = r }
        arrived.signal()
    }
}
