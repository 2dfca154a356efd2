import HosoCore
import HosoStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hub archive's write lock across application servers: a session-level PostgreSQL advisory lock, taken on a
/// connection of its own (kept between writes) so that no query of the write itself can end the session holding
/// it, and released on every path out of the write. A server that dies or loses its connection ends its session,
/// and PostgreSQL releases the lock then. Within the process, a lock in memory keeps threads from queueing on the
/// database; re-entrant on the holding thread, as the folder's `WriteLock` is.
public final class PostgresWriteLock: ArchiveWriteLocking {
    /// The advisory lock key of the archive's writers ("hosowrit" in ASCII); the index's own lock is another key.
    public static let key: Int64 = 0x686F_736F_7772_6974
    public var url: PostgresURL { connector.url }
    /// Opens the lock's connection: the same hosts, tried the same way, as the archive's client.
    public let connector: PostgresConnector
    private let logger: Logger
    private let inProcess = Mutex(())
    /// The thread holding `inProcess`.
    private let holder = Mutex<pthread_t?>(nil)
    /// The dedicated connection; nil until the first write, and again after it failed.
    private let connection = Mutex<PostgresConnection?>(nil)

    public convenience init(url: PostgresURL, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.init(connector: PostgresConnector(url: url, eventLoopGroup: eventLoopGroup))
    }

    public init(connector: PostgresConnector) {
        self.connector = connector
        var logger = Logger(label: "hoso.postgres.lock")
        logger.logLevel = .critical
        self.logger = logger
    }

    deinit {
        if let c = connection.withLock({ $0 }) { _ = try? c.close().wait() }
    }

    public func run<T>(_ body: (_ outermost: Bool) throws -> T) throws -> T {
        let me = pthread_self()
        if holder.withLock({ $0.map { pthread_equal($0, me) != 0 } ?? false }) { return try body(false) }
        return try inProcess.withLock { _ in
            let c = try acquire()
            holder.withLock { $0 = me }
            defer {
                holder.withLock { $0 = nil }
                release(c)
            }
            return try body(true)
        }
    }

    /// Waits for the lock on the dedicated connection (opened if there is none).
    private func acquire() throws -> PostgresConnection {
        var c = connection.withLock { $0 }
        if c == nil || c!.isClosed {
            if c != nil { connector.noteLost() }
            c = try connector.connect()
            connection.withLock { $0 = c }
        }
        // Bounded like any statement: a holder that hangs (or a server that does) fails this write, not all of them.
        do {
            _ = try c!.answer(
                c!.queryUnlessClosed("SELECT pg_advisory_lock(\(Self.key))", logger: logger), within: answerTimeout,
                location: url.description)
        } catch {
            drop(c!)
            throw error
        }
        return c!
    }

    private var answerTimeout: TimeAmount { .seconds(Int64(url.queryTimeout)) }

    /// Releases the lock; where that fails the connection is closed, which ends the session and so releases it too.
    private func release(_ c: PostgresConnection) {
        let released = try? c.answer(
            c.queryUnlessClosed("SELECT pg_advisory_unlock(\(Self.key))", logger: logger), within: answerTimeout, location: url.description)
        if released == nil { drop(c) }
    }

    private func drop(_ c: PostgresConnection) {
        connector.noteLost()
        connection.withLock { if $0 === c { $0 = nil } }
        _ = try? c.close().wait()
    }
}
