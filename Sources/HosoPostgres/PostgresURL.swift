import HosoCore
import NIOSSL
import PostgresNIO

/// Where the hub's PostgreSQL is, read from a `postgres://` (or `postgresql://`) URL as libpq writes them:
/// `postgres://user:password@127.0.0.1:5432/hoso` over TCP, or a Unix socket directory as the host, either
/// percent-encoded (`postgres://user@%2Fvar%2Frun%2Fpostgresql:5432/hoso`) or as `?host=/var/run/postgresql`.
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

    public var user: String
    public var password: String?
    /// A TCP host name or address; nil when `socketDirectory` is set.
    public var host: String?
    /// The directory holding the server's socket `.s.PGSQL.<port>`.
    public var socketDirectory: String?
    public var port: Int
    public var database: String
    public var sslMode: SSLMode = .disable
    /// A PEM file of the CA certificates that may sign the server's (libpq's `sslrootcert`).
    public var sslRootCert: String?

    public init(
        user: String, password: String? = nil, host: String? = nil, socketDirectory: String? = nil, port: Int = 5432,
        database: String, sslMode: SSLMode = .disable, sslRootCert: String? = nil
    ) {
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
        self.user = user
        self.password = password
        self.host = host
        self.socketDirectory = socketDirectory
        self.port = port
        self.database = database
    }

    /// The URL without its password, for logs and messages.
    public var description: String {
        let auth = user + (password == nil ? "" : ":***")
        if let socketDirectory { return "postgres://\(auth)@:\(port)/\(database)?host=\(socketDirectory)" }
        let tls = sslMode == .disable ? "" : "?sslmode=\(sslMode.rawValue)"
        return "postgres://\(auth)@\(host ?? "localhost"):\(port)/\(database)\(tls)"
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
        var hostPart = rest
        var port = 5432
        var sslMode = SSLMode.disable
        var sslRootCert: String? = nil
        if hostPart.hasPrefix("[") {
            // An IPv6 address in brackets, then an optional port.
            guard let close = hostPart.firstIndex(of: "]") else { throw invalid("unclosed '[' in the host") }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw invalid("bad port") }
                port = p
            } else if !after.isEmpty {
                throw invalid("unexpected text after the host")
            }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            guard let p = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(p) else { throw invalid("bad port") }
            port = p
            hostPart = hostPart[..<colon]
        }
        guard var host = Self.decode(hostPart) else { throw invalid("bad percent-encoding in the host") }
        guard let db = Self.decode(path), !db.contains("/") else { throw invalid("bad database name") }
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let value = Self.decode(kv[1]) else { throw invalid("bad query parameter '\(pair)'") }
            switch kv[0] {
            case "host": host = value
            case "port":
                guard let p = Int(value), (1...65535).contains(p) else { throw invalid("bad port") }
                port = p
            case "user": user = value
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw invalid("unsupported sslmode '\(value)' (disable, require, verify-ca, verify-full)")
                }
                sslMode = mode
            case "sslrootcert": sslRootCert = value
            default: throw invalid("unsupported parameter '\(kv[0])' (host, port, user, sslmode, sslrootcert)")
            }
        }
        self.user = user
        self.password = password
        self.port = port
        self.database = db.isEmpty ? user : db
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
        if host.hasPrefix("/") {
            self.socketDirectory = host
            self.host = nil
        } else {
            self.host = host.isEmpty ? "localhost" : host
            self.socketDirectory = nil
        }
    }

    /// The postgres-nio configuration of this URL, with its TLS context (which reads `sslrootcert`).
    public func configuration() throws -> PostgresConnection.Configuration {
        if let socketDirectory {
            return .init(
                unixSocketPath: socketDirectory + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let host = host ?? "localhost"
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
