import Foundation
import HosoCore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Where the index's PostgreSQL database is (the hub's primary).
public struct PostgresIndexSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// `postgres://user[:password]@host[:port]/database` (TLS is not offered: the hub's servers reach their database
    /// on a private network or the loopback).
    public init(url: String) throws {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql", let host = c.host,
            !host.isEmpty, let user = c.user, !user.isEmpty, c.path.count > 1
        else {
            throw HosoError(
                .indexError,
                .both(
                    "Địa chỉ cơ sở dữ liệu PostgreSQL không hợp lệ (postgres://người-dùng@máy:cổng/tên)",
                    "Invalid PostgreSQL database address (postgres://user@host:port/name)"), location: url)
        }
        self.init(host: host, port: c.port ?? 5432, username: user, password: c.password, database: String(c.path.dropFirst()))
    }
}

/// The index's connections, each lent to one caller at a time and kept for the next (a few: as many as callers use
/// the index at once), opened on first use.
///
/// The bridge to HosoKit, which is synchronous and runs on thread pools: every query is sent on the connection's
/// event loop and the calling thread waits for its answer (`EventLoopFuture.wait()`). The wait must never happen on
/// an event loop thread (NIO stops the program if it does): HosoKit's callers are its own threads, the CLI's main
/// thread and the server's NIOThreadPool, never an event loop.
final class PostgresConnections: Sendable {
    private struct State {
        var idle = [PostgresConnection]()
        var closed = false
        var nextID = 1
    }
    private let state = Mutex(State())
    let settings: PostgresIndexSettings
    static let kept = 8
    /// postgres-nio logs its protocol at debug level and below; the index's own errors are thrown, not logged.
    static let logger = Logger(label: "hoso.postgres-index", factory: { _ in SwiftLogNoOpLogHandler() })

    init(settings: PostgresIndexSettings) { self.settings = settings }

    /// Runs `body` on a connection of its own. A connection that failed (its state unknown) is closed, not kept.
    func with<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let (reused, closed, id) = state.withLock { s -> (PostgresConnection?, Bool, Int) in
            defer { s.nextID += 1 }
            return (s.idle.popLast(), s.closed, s.nextID)
        }
        if closed {
            throw HosoError(
                .indexError, .both("Chỉ mục PostgreSQL đã đóng", "The PostgreSQL index is closed"), location: settings.database)
        }
        let connection = try reused ?? connect(id: id)
        let result: T
        do { result = try body(connection) } catch {
            if !connection.isClosed { _ = try? connection.close().wait() }
            throw error
        }
        let keep = state.withLock { s in
            let keep = !s.closed && !connection.isClosed && s.idle.count < Self.kept
            if keep { s.idle.append(connection) }
            return keep
        }
        if !keep, !connection.isClosed { _ = try? connection.close().wait() }
        return result
    }

    private func connect(id: Int) throws -> PostgresConnection {
        var config = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: .disable)
        config.options.connectTimeout = .seconds(10)
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: config, id: id, logger: Self.logger
            ).wait()
        } catch {
            throw HosoError(
                .indexError,
                .both("Không kết nối được cơ sở dữ liệu PostgreSQL của chỉ mục", "Cannot connect to the index's PostgreSQL database"),
                location: "\(settings.host):\(settings.port)/\(settings.database)", cause: String(reflecting: error))
        }
    }

    /// Closes the idle connections; one lent out is closed when it comes back.
    func close() {
        let all = state.withLock { s in
            s.closed = true
            defer { s.idle = [] }
            return s.idle
        }
        for c in all { _ = try? c.close().wait() }
    }
}

extension PostgresConnection {
    /// Runs one statement and waits for all its rows (see `PostgresConnections` on waiting).
    @discardableResult
    func run(_ query: PostgresQuery) throws -> PostgresQueryResult {
        try self.query(query, logger: PostgresConnections.logger).wait()
    }
}
