import HosoCore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Opens connections to the servers of one `PostgresURL`, as libpq does for a list of hosts: each is tried in order
/// (within `connect_timeout`, so a host that does not answer costs that long at most), and one that answers is kept
/// only if it is of the kind `target_session_attrs` asks for (for `read-write`, a server that takes writes: after a
/// failover, the promoted standby rather than a standby or a dead primary). The archive's client and its write lock
/// share one connector, so they follow the same server.
///
/// It also counts the times the data may have changed under the process's feet (`epoch`): a connection lost, a
/// connection attempt that failed, or a new connection landing on another host than the last. A primary killed
/// after showing other sessions a commit its standby never got (a commit waits for the synchronous standby after it
/// is visible on the primary) loses that commit in the failover; what a process remembers of the database must be
/// checked again when the epoch moved.
public final class PostgresConnector: Sendable {
    public let url: PostgresURL
    let group: any EventLoopGroup
    let logger: Logger
    private let nextID = Atomic<Int>(1)
    private let state = Mutex<(epoch: Int, lastHost: Int?)>((0, nil))

    public init(url: PostgresURL, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.url = url
        self.group = eventLoopGroup
        var logger = Logger(label: "hoso.postgres")
        // Failures are thrown as HosoErrors; the library's own log lines would only repeat them.
        logger.logLevel = .critical
        self.logger = logger
    }

    /// Moves whenever what was read from the database before may no longer be there (see the type's comment).
    public var epoch: Int { state.withLock { $0.epoch } }

    /// A connection was lost (closed by the server, or failed): the server may be gone or replaced.
    public func noteLost() { state.withLock { $0.epoch += 1 } }

    /// A new connection to the first host that answers and fits `target_session_attrs`; else POSTGRES_UNREACHABLE
    /// (no host answered), POSTGRES_READ_ONLY (hosts answered, none takes writes), or the error of a host that
    /// refused the user or the TLS handshake. The error names every host tried.
    public func connect() throws -> PostgresConnection {
        let target = url.targetSessionAttrs
        var failures = [(host: String, error: HosoError)]()
        var wrongKind = [String]()
        // prefer-standby: the first primary that answered, kept in case no standby does.
        var fallback: PostgresConnection? = nil
        var fallbackIndex = 0
        for i in url.hosts.indices {
            let name = url.hosts[i].description
            let c: PostgresConnection
            do { c = try open(i) } catch let e as HosoError {
                failures.append((name, e))
                continue
            }
            guard target != .any else { return landed(c, on: i) }
            let kind: (recovery: Bool, readOnly: Bool)
            do { kind = try Self.kind(of: c, logger: logger, within: .seconds(Int64(url.connectTimeout)), location: name) } catch {
                _ = try? c.close().wait()
                failures.append((name, HosoError.postgres(error, location: name)))
                continue
            }
            let fits: Bool
            switch target {
            case .any: fits = true
            case .readWrite: fits = !kind.readOnly
            case .readOnly: fits = kind.readOnly
            case .primary: fits = !kind.recovery
            case .standby, .preferStandby: fits = kind.recovery
            }
            if fits {
                if let fallback { _ = try? fallback.close().wait() }
                return landed(c, on: i)
            }
            if target == .preferStandby && fallback == nil {
                fallback = c
                fallbackIndex = i
                continue
            }
            _ = try? c.close().wait()
            wrongKind.append(name)
        }
        if let fallback { return landed(fallback, on: fallbackIndex) }
        noteLost()
        // One host: its own error, as it always was.
        if url.hosts.count == 1, let only = failures.first { throw only.error }
        let tried = url.hosts.map(\.description).joined(separator: ", ")
        var causes = failures.map { "\($0.host): \($0.error.code.rawValue) \($0.error.cause ?? "")" }
        causes += wrongKind.map { "\($0): \(target == .readWrite || target == .primary ? "read-only (a standby)" : "not a standby")" }
        let cause = "tried \(tried): " + causes.joined(separator: "; ")
        // A refused user or TLS is for the operator to fix: said before a server of the wrong kind or one gone.
        if var refused = failures.first(where: { $0.error.code != .postgresUnreachable })?.error {
            refused.location = url.description
            refused.cause = cause
            throw refused
        }
        if !wrongKind.isEmpty && (target == .readWrite || target == .primary) {
            throw HosoError(
                .postgresReadOnly,
                LocalizedText(
                    vi:
                        "Không máy chủ PostgreSQL nào trong danh sách nhận ghi (chỉ còn máy dự phòng): chờ máy chính, hoặc nâng máy dự phòng lên",
                    en: "No PostgreSQL server of the list takes writes (only standbys answer): wait for the primary, or promote a standby"),
                location: url.description, cause: cause)
        }
        throw HosoError(
            .postgresUnreachable,
            LocalizedText(
                vi: "Không kết nối được tới máy chủ PostgreSQL nào trong danh sách" + (wrongKind.isEmpty ? "" : " (đúng loại cần)"),
                en: "Cannot reach any PostgreSQL server of the list" + (wrongKind.isEmpty ? "" : " of the kind asked for")),
            location: url.description, cause: cause)
    }

    /// Records which host the new connection is on: another host than the last moves the epoch.
    private func landed(_ c: PostgresConnection, on i: Int) -> PostgresConnection {
        state.withLock { s in
            if let last = s.lastHost, last != i { s.epoch += 1 }
            s.lastHost = i
        }
        return c
    }

    /// One connection to host `i`, or its error (a TLS failure as `POSTGRES_TLS_FAILED`).
    private func open(_ i: Int) throws -> PostgresConnection {
        // TLS settings that cannot be used fail with their own error, not as an unreachable server.
        let configuration = try url.configuration(host: i)
        let location = url.hosts.count == 1 ? url.description : url.hosts[i].description
        do {
            return try PostgresConnection.connect(
                on: group.next(), configuration: configuration, id: nextID.add(1, ordering: .relaxed).oldValue, logger: logger
            ).wait()
        } catch {
            if let tls = BlockingPostgresClient.tlsFailure(error, url: url, location: location) { throw tls }
            var e = HosoError.postgres(error, location: location)
            // A failure before the connection exists is never a clash nor a server message about a statement.
            if e.code == .postgresError { e.code = .postgresUnreachable }
            throw e
        }
    }

    /// Whether the server is in recovery (a standby) and whether its sessions are read-only, in one round trip.
    static func kind(
        of c: PostgresConnection, logger: Logger, within limit: TimeAmount, location: String
    ) throws -> (recovery: Bool, readOnly: Bool) {
        let rows = try c.answer(
            c.queryUnlessClosed("SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'", logger: logger),
            within: limit, location: location
        ).rows
        guard let row = rows.first else { throw ConnectionClosed() }
        let (recovery, readOnly) = try row.decode((Bool, Bool).self)
        return (recovery, readOnly)
    }
}
