import HosoCore
import NIOSSL
import PostgresNIO

/// Where the hub's PostgreSQL is, read from a `postgres://` (or `postgresql://`) URL as libpq writes them:
/// `postgres://user:password@127.0.0.1:5432/hoso` over TCP, or a Unix socket directory as the host, either
/// percent-encoded (`postgres://user@%2Fvar%2Frun%2Fpostgresql:5432/hoso`) or as `?host=/var/run/postgresql`.
/// Several hosts, tried in order, for a primary and its standby: `postgres://user@db1:5432,db2:5432/hoso?target_session_attrs=read-write`
/// (or `?host=db1,db2&port=5432`); `target_session_attrs` says which server fits (libpq's values: `any`, the
/// default, `read-write`, `read-only`, `primary`, `standby`, `prefer-standby`), `connect_timeout` how many seconds
/// one host may take to connect (default 10), and `query_timeout` (hoso's own, unknown to libpq and psql) how many
/// seconds a statement's answer may take (default 300) before the connection is given up as lost: a server that
/// hangs (a frozen machine, a stalled disk, a network that drops packets) fails the request instead of holding it
/// for ever.
/// TLS over TCP as libpq's `sslmode` says: `disable` (the default: a socket, loopback or a private link),
/// `require` (encrypted; the certificate is checked against `sslrootcert` only when one is given), `verify-ca` (the
/// chain up to `sslrootcert`, or the system's CAs) and `verify-full` (that, and the host name or address in the
/// certificate). A Unix socket never uses TLS.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// Which server of the list a connection may stay on (libpq's `target_session_attrs`).
    public enum TargetSessionAttrs: String, Sendable, CaseIterable {
        /// The first that answers.
        case any
        /// One that takes writes (`SHOW transaction_read_only` is off): the primary.
        case readWrite = "read-write"
        /// One that does not take writes.
        case readOnly = "read-only"
        /// One not in recovery.
        case primary
        /// One in recovery (a hot standby).
        case standby
        /// A standby if one answers, else any server.
        case preferStandby = "prefer-standby"
    }

    /// One server of the list: a TCP host, or a socket directory.
    public struct Host: Sendable, Equatable, CustomStringConvertible {
        /// A TCP host name or address; nil when `socketDirectory` is set.
        public var host: String?
        /// The directory holding the server's socket `.s.PGSQL.<port>`.
        public var socketDirectory: String?
        public var port: Int

        public init(host: String? = nil, socketDirectory: String? = nil, port: Int = 5432) {
            self.host = host
            self.socketDirectory = socketDirectory
            self.port = port
        }

        /// `host:port`, `[v6]:port`, or the socket directory and its port.
        public var description: String {
            if let socketDirectory { return "\(socketDirectory):\(port)" }
            let h = host ?? "localhost"
            return (h.contains(":") ? "[\(h)]" : h) + ":\(port)"
        }
    }

    public var user: String
    public var password: String?
    /// The servers, in the order they are tried; never empty.
    public var hosts: [Host]
    public var database: String
    public var sslMode: SSLMode = .disable
    /// A PEM file of the CA certificates that may sign the server's (libpq's `sslrootcert`).
    public var sslRootCert: String?
    public var targetSessionAttrs: TargetSessionAttrs = .any
    /// Seconds one host may take to connect (TCP and the start of the session) before the next one is tried.
    public var connectTimeout: Int = Self.defaultConnectTimeout
    public static let defaultConnectTimeout = 10
    /// Seconds a statement's answer may take before the connection is closed and the request fails as unreachable.
    public var queryTimeout: Int = Self.defaultQueryTimeout
    public static let defaultQueryTimeout = 300

    /// The first host's name or address; nil when it is a socket directory.
    public var host: String? {
        get { hosts[0].host }
        set { hosts[0].host = newValue }
    }
    /// The first host's socket directory.
    public var socketDirectory: String? {
        get { hosts[0].socketDirectory }
        set { hosts[0].socketDirectory = newValue }
    }
    /// The first host's port.
    public var port: Int {
        get { hosts[0].port }
        set { hosts[0].port = newValue }
    }

    public init(
        user: String, password: String? = nil, host: String? = nil, socketDirectory: String? = nil, port: Int = 5432,
        database: String, sslMode: SSLMode = .disable, sslRootCert: String? = nil
    ) {
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
        self.user = user
        self.password = password
        self.hosts = [Host(host: host, socketDirectory: socketDirectory, port: port)]
        self.database = database
    }

    /// The URL without its password, for logs and messages.
    public var description: String {
        let auth = user + (password == nil ? "" : ":***")
        var params = [String]()
        if sslMode != .disable { params.append("sslmode=\(sslMode.rawValue)") }
        if targetSessionAttrs != .any { params.append("target_session_attrs=\(targetSessionAttrs.rawValue)") }
        if connectTimeout != Self.defaultConnectTimeout { params.append("connect_timeout=\(connectTimeout)") }
        if queryTimeout != Self.defaultQueryTimeout { params.append("query_timeout=\(queryTimeout)") }
        if hosts.count == 1 {
            // One host: written as it always was.
            if let socketDirectory {
                return "postgres://\(auth)@:\(port)/\(database)?" + (["host=\(socketDirectory)"] + params).joined(separator: "&")
            }
            let query = params.isEmpty ? "" : "?" + params.joined(separator: "&")
            return "postgres://\(auth)@\(host ?? "localhost"):\(port)/\(database)\(query)"
        }
        let list = hosts.map { h in
            h.socketDirectory.map {
                $0.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F") + ":\(h.port)"
            }
                ?? h.description
        }
        let query = params.isEmpty ? "" : "?" + params.joined(separator: "&")
        return "postgres://\(auth)@\(list.joined(separator: ","))/\(database)\(query)"
    }

    /// Parses a URL; throws `POSTGRES_URL_INVALID` saying what is wrong.
    public init(_ text: String) throws {
        func invalid(_ why: String) -> HosoError {
            HosoError(
                .postgresURLInvalid,
                LocalizedText(
                    vi: "Địa chỉ cơ sở dữ liệu PostgreSQL không hợp lệ", en: "The PostgreSQL database URL is not valid"),
                location: text.contains("@") ? "postgres://…@" + (text.split(separator: "@").last.map(String.init) ?? "") : text,
                cause: why)
        }
        func parsePort(_ s: Substring) throws -> Int {
            guard let p = Int(s), (1...65535).contains(p) else { throw invalid("bad port '\(s)'") }
            return p
        }
        var rest = Substring(text)
        if rest.hasPrefix("postgres://") {
            rest = rest.dropFirst("postgres://".count)
        } else if rest.hasPrefix("postgresql://") {
            rest = rest.dropFirst("postgresql://".count)
        } else {
            throw invalid("expected postgres://user@host:port/database")
        }
        guard text.utf8.count <= 2048 else { throw invalid("longer than 2048 characters") }
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var userInfo = Substring("")
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        var user = "postgres"
        var password: String? = nil
        if !userInfo.isEmpty {
            if let colon = userInfo.firstIndex(of: ":") {
                guard let u = Self.decode(userInfo[..<colon]), let p = Self.decode(userInfo[userInfo.index(after: colon)...]) else {
                    throw invalid("bad percent-encoding in the user or password")
                }
                user = u
                password = p
            } else {
                guard let u = Self.decode(userInfo) else { throw invalid("bad percent-encoding in the user") }
                user = u
            }
        }
        // The hosts of the authority, each with its port (nil: none written).
        let pieces = rest.split(separator: ",", omittingEmptySubsequences: false)
        var names = [String]()
        var ports = [Int?]()
        for piece in pieces {
            var hostPart = piece
            var port: Int? = nil
            if hostPart.hasPrefix("[") {
                // An IPv6 address in brackets, then an optional port.
                guard let close = hostPart.firstIndex(of: "]") else { throw invalid("unclosed '[' in the host") }
                let after = hostPart[hostPart.index(after: close)...]
                if after.hasPrefix(":") {
                    port = try parsePort(after.dropFirst())
                } else if !after.isEmpty {
                    throw invalid("unexpected text after the host")
                }
                hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            } else if let colon = hostPart.lastIndex(of: ":") {
                port = try parsePort(hostPart[hostPart.index(after: colon)...])
                hostPart = hostPart[..<colon]
            }
            guard let host = Self.decode(hostPart) else { throw invalid("bad percent-encoding in the host") }
            if pieces.count > 1 && host.isEmpty { throw invalid("an empty host in the list '\(rest)'") }
            names.append(host)
            ports.append(port)
        }
        guard let db = Self.decode(path), !db.contains("/") else { throw invalid("bad database name") }
        var sslMode = SSLMode.disable
        var sslRootCert: String? = nil
        var target = TargetSessionAttrs.any
        var timeout = Self.defaultConnectTimeout
        var queryTimeout = Self.defaultQueryTimeout
        var queryPorts: [Int]? = nil
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let value = Self.decode(kv[1]) else { throw invalid("bad query parameter '\(pair)'") }
            switch kv[0] {
            case "host":
                names = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if names.count > 1 && names.contains(where: \.isEmpty) { throw invalid("an empty host in the list '\(value)'") }
            case "port":
                queryPorts = try value.split(separator: ",", omittingEmptySubsequences: false).map { try parsePort($0) }
            case "user": user = value
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw invalid("unsupported sslmode '\(value)' (disable, require, verify-ca, verify-full)")
                }
                sslMode = mode
            case "sslrootcert": sslRootCert = value
            case "target_session_attrs":
                guard let t = TargetSessionAttrs(rawValue: value) else {
                    throw invalid(
                        "unknown target_session_attrs '\(value)' (\(TargetSessionAttrs.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                target = t
            case "connect_timeout":
                // libpq waits for ever at 0; a hub request must not, so a bound is required.
                guard let t = Int(value), (1...3600).contains(t) else {
                    throw invalid("bad connect_timeout '\(value)' (seconds, 1 to 3600)")
                }
                timeout = t
            case "query_timeout":
                // As connect_timeout: a bound is required (a migration's index build may need a larger one).
                guard let t = Int(value), (1...86_400).contains(t) else {
                    throw invalid("bad query_timeout '\(value)' (seconds, 1 to 86400)")
                }
                queryTimeout = t
            default:
                throw invalid(
                    "unsupported parameter '\(kv[0])' (host, port, user, sslmode, sslrootcert, target_session_attrs, connect_timeout, query_timeout)"
                )
            }
        }
        // Ports: one per host, or one for all (libpq's rule); the query's win over the authority's.
        let resolved: [Int]
        if let queryPorts {
            guard queryPorts.count == 1 || queryPorts.count == names.count else {
                throw invalid("\(queryPorts.count) ports for \(names.count) hosts")
            }
            resolved = queryPorts.count == 1 ? Array(repeating: queryPorts[0], count: names.count) : queryPorts
        } else if ports.count == names.count {
            resolved = ports.map { $0 ?? 5432 }
        } else if ports.count == 1 {
            resolved = Array(repeating: ports[0] ?? 5432, count: names.count)
        } else {
            throw invalid("\(ports.count) hosts in the address but \(names.count) in ?host=")
        }
        self.user = user
        self.password = password
        self.database = db.isEmpty ? user : db
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
        self.targetSessionAttrs = target
        self.connectTimeout = timeout
        self.queryTimeout = queryTimeout
        self.hosts = zip(names, resolved).map { name, port in
            name.hasPrefix("/")
                ? Host(socketDirectory: name, port: port) : Host(host: name.isEmpty ? "localhost" : name, port: port)
        }
    }

    /// The postgres-nio configuration of this URL's host number `index` (the first by default), with its TLS
    /// context (which reads `sslrootcert`) and the connect timeout.
    public func configuration(host index: Int = 0) throws -> PostgresConnection.Configuration {
        var c = try plainConfiguration(hosts[index])
        c.options.connectTimeout = .seconds(Int64(connectTimeout))
        return c
    }

    private func plainConfiguration(_ server: Host) throws -> PostgresConnection.Configuration {
        let port = server.port
        if let socketDirectory = server.socketDirectory {
            return .init(
                unixSocketPath: socketDirectory + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let host = server.host ?? "localhost"
        guard sslMode != .disable else {
            return .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable, .require:
            // libpq: `require` with a root certificate checks the chain as verify-ca does.
            tls.certificateVerification = sslRootCert == nil ? .none : .noHostnameVerification
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let sslRootCert { tls.trustRoots = .file(sslRootCert) }
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: tls) } catch {
            throw HosoError(
                .postgresTLS,
                LocalizedText(
                    vi: "Không đọc được chứng thư CA cho TLS tới PostgreSQL (sslrootcert)",
                    en: "Cannot read the CA certificates for TLS to PostgreSQL (sslrootcert)"),
                location: sslRootCert ?? description, cause: "\(error)")
        }
        return .init(host: host, port: port, username: user, password: password, database: database, tls: .require(context))
    }

    /// Percent-decoding; nil for a malformed escape or bytes that are not UTF-8.
    static func decode(_ s: Substring) -> String? {
        var out = [UInt8]()
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "%") {
                guard it.count >= 2, let hi = hexValue(it.popFirst()!), let lo = hexValue(it.popFirst()!) else { return nil }
                out.append(hi << 4 | lo)
            } else {
                out.append(c)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }
}
