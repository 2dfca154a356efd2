import Foundation
import HTTPTypes
import HosoAccounts
import HosoKit
import HosoPrimitives
import HosoRecords
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// How `hoso serve` runs: the archive, the office's copy-signing identity, cookies, the clock.
public struct ServerConfig: Sendable {
    public var archivePath: String
    /// The office's organisation certificate and key (ECDSA P-256) that sign copies; without it, copies cannot be issued.
    public var officeIdentity: SigningIdentity?
    public var timestamp: TimestampSource?
    /// Mark cookies Secure: set when the server is reached over TLS through a TLS-terminating proxy. With `tls` they
    /// are Secure anyway (`cookiesSecure`).
    public var secureCookies: Bool
    /// The server's own certificate and key: it speaks HTTPS itself.
    public var tls: TLSFiles?
    /// Timeouts, connections per address and the default body limit of the listener.
    public var limits: ListenerLimits
    /// Addresses of reverse proxies in front of the server: from them, the client is the one `X-Forwarded-For` names.
    public var trustedProxies: Set<String> = []
    /// Failed sign-ins from one address (within 15 minutes) before it is refused; per account it is 5.
    public var loginAddressLimit = 50
    public var clock: HosoClock
    /// Password hash cost; tests lower it.
    public var passwordCost: PasswordHash.Cost
    /// Threads for the requests' synchronous work (see `BlockingPool`).
    public var blockingThreads: Int
    /// The public verification's child processes, pool, queue and rate limit.
    public var publicChecks = PublicLimits()
    /// The largest body of each kind of route (413 beyond, before the body is read).
    public var bodyLimits = BodyLimits()
    /// A session unused this long ends (its absolute lifetime is 12 hours).
    public var sessionIdleTimeout: TimeInterval = 30 * 60
    /// Whether a teacher may still sign by uploading a .p12 and its password (`hoso serve --allow-key-upload`). Off by
    /// default: the key stays on the teacher's token and `hoso agent` signs (`AgentSigningRoutes`).
    public var allowKeyUpload = false
    /// The public online requests' proof of work and limits (`OnlineRequestRoutes`).
    public var online = OnlineLimits()
    /// A machine reader of page scans for the keying workbench (`WorkbenchRoutes`); nil hides its button.
    public var pagePrefiller: (any PagePrefiller)? = nil
    /// Accounts, sessions and the access log kept elsewhere than the archive's `server.sqlite`: the province hub's
    /// `PostgresServerStore`, shared by its application servers, made with this config's clock and password cost.
    /// Nil: `server.sqlite` (schools, districts).
    public var accounts: (any ServerStoring)? = nil
    /// Opens the archive at `archivePath`; nil opens the folder archive there. `hoso serve --database` opens the
    /// province hub's archive on PostgreSQL with it.
    public var openArchive: (@Sendable (_ path: String, _ clock: HosoClock) throws -> Archive)? = nil
    /// Opens the archive the public verification pages read; nil: the same as every other page. `hoso serve
    /// --standby` opens the hub's hot standby with it, read-only.
    public var openPublicArchive: (@Sendable (_ path: String, _ clock: HosoClock) throws -> Archive)? = nil
    /// How often the access log is anchored in the transparency log: zero, each batch as it is written (schools,
    /// districts); `hoso serve --database` sets 1 second, since every anchor is a write on the shared primary (see
    /// `AuditLog`).
    public var auditAnchorEvery: Duration = .zero
    /// Says which failures of the shared access log mean its database cannot take writes for now (the hub's primary
    /// is gone); the entries then wait in the server's folder (`AuditSpool`) and the public pages, read from the
    /// standby, keep answering. Nil (schools, districts): such a failure fails the request.
    public var auditOutage: (@Sendable (any Error) -> Bool)? = nil

    public init(
        archivePath: String, officeIdentity: SigningIdentity? = nil, timestamp: TimestampSource? = nil,
        secureCookies: Bool = false, clock: HosoClock = .system, passwordCost: PasswordHash.Cost = .standard,
        blockingThreads: Int = ServerConfig.defaultBlockingThreads, tls: TLSFiles? = nil, limits: ListenerLimits = ListenerLimits()
    ) {
        self.tls = tls
        self.limits = limits
        self.archivePath = archivePath
        self.officeIdentity = officeIdentity
        self.timestamp = timestamp
        self.secureCookies = secureCookies
        self.clock = clock
        self.passwordCost = passwordCost
        self.blockingThreads = blockingThreads
    }

    /// Cookies are Secure over TLS, whether the server or a proxy in front of it speaks it.
    public var cookiesSecure: Bool { secureCookies || tls != nil }

    /// Twice the cores: the work is mostly CPU, but a thread waiting for the disk (an fsync, a cold page) should not
    /// leave a core idle.
    public static var defaultBlockingThreads: Int { max(4, 2 * ProcessInfo.processInfo.activeProcessorCount) }
}

/// Threads for the synchronous work of requests (SQLite, files, OpenSSL, cairo, scrypt). Swift concurrency's
/// cooperative pool has one thread per core (two here): a request blocking one of them stalls every other request
/// on it, so handlers only await this pool and never block themselves.
final class BlockingPool: Sendable {
    let pool: NIOThreadPool

    init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    deinit { pool.shutdownGracefully { _ in } }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Starts `body` without waiting for it (the audit log's writer).
    func start(_ body: @escaping @Sendable () -> Void) {
        pool.submit { _ in body() }  // also after shutdown: whoever waits on it must be woken
    }
}

/// The archive the requests share. `Archive` may be used by several requests at once (the index has connections
/// of its own for reads and serializes writes; numbering registers holds a lock), so requests no longer take turns.
/// Every use runs on the blocking pool.
final class ArchiveAccess: Sendable {
    let archive: Archive
    let pool: BlockingPool

    init(_ archive: Archive, pool: BlockingPool) {
        self.archive = archive
        self.pool = pool
    }

    func with<T: Sendable>(_ body: @escaping @Sendable (Archive) throws -> T) async throws -> T {
        let archive = archive
        return try await pool.run { try body(archive) }
    }
}

/// Sessions found in the last second, by cookie value. Every request with a cookie looked its session up in SQLite
/// (an eighth of a search's CPU, perf on bench-web); a second's reuse removes most of that. Signing out, disabling
/// an account or changing a password on this server empties it at once; the same done by `hoso user` in another
/// process, or by another of the hub's servers on the shared accounts database, takes effect within the second.
final class SessionCache: Sendable {
    static let lifetime: TimeInterval = 1
    static let limit = 10_000
    private let map = Mutex<[String: (session: Session, until: TimeInterval, archiveTime: TimeInterval)]>([:])

    /// Monotonic: a cache's age is not archive time. Archive time (`at`, the injected clock) must not have moved
    /// more than the lifetime either, so a session that a clock step made idle or expired is looked up again.
    private var now: TimeInterval { ProcessInfo.processInfo.systemUptime }

    func get(_ token: String, at archiveTime: TimeInterval) -> Session? {
        let t = now
        return map.withLock { m in
            guard let e = m[token] else { return nil }
            if e.until > t, abs(archiveTime - e.archiveTime) < Self.lifetime { return e.session }
            m[token] = nil
            return nil
        }
    }

    func put(_ token: String, _ s: Session, at archiveTime: TimeInterval) {
        let until = now + Self.lifetime
        map.withLock { m in
            if m.count >= Self.limit { m.removeAll() }
            m[token] = (s, until, archiveTime)
        }
    }

    func clear() { map.withLock { $0.removeAll() } }
}

/// Everything a request handler needs, shared by all requests.
final class ServerState: Sendable {
    let config: ServerConfig
    let store: any ServerStoring
    let archive: ArchiveAccess
    let pool: BlockingPool
    let auditLog: AuditLog
    let throttle: LoginThrottle
    let sessions = SessionCache()
    /// Public checks: their own threads, a queue limit and a rate limit per address; QR photos in a pool of their own.
    let publicPool: PublicPool
    let photoPool: PublicPool
    let spares: SpareChildren?
    let publicArchive: ArchiveAccess
    let publicRate: RateLimiter

    init(config: ServerConfig) throws {
        self.config = config
        pool = BlockingPool(threads: config.blockingThreads)
        let opened = try config.openArchive?(config.archivePath, config.clock) ?? Archive.open(at: config.archivePath, clock: config.clock)
        self.archive = ArchiveAccess(opened, pool: pool)
        publicPool = PublicPool(limits: config.publicChecks)
        photoPool = PublicPool(limits: config.publicChecks)
        spares = config.publicChecks.checker.flatMap {
            config.publicChecks.warmSpares ? SpareChildren(limits: config.publicChecks, checker: $0, archivePath: config.archivePath) : nil
        }
        publicArchive = ArchiveAccess(try config.openPublicArchive?(config.archivePath, config.clock) ?? opened, pool: publicPool.threads)
        publicRate = RateLimiter(limits: config.publicChecks)
        store =
            try config.accounts
            ?? ServerStore(path: config.archivePath + "/" + ServerStore.fileName, clock: config.clock, cost: config.passwordCost)
        let spool = config.auditOutage.map { AuditSpool(path: config.archivePath + "/" + AuditSpool.fileName, isOutage: $0) }
        auditLog = AuditLog(store: store, pool: pool, anchorEvery: config.auditAnchorEvery, spool: spool) {
            try opened.anchorAuditLog(seq: $0.seq, hash: $0.hash)
        }
        throttle = LoginThrottle(store: store, addressLimit: config.loginAddressLimit)
    }

    var now: Date { config.clock.now() }

    /// Synchronous work that is not the archive's (the server's own database, scrypt, temporary files).
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.run(body)
    }

    /// An uploaded file checked in a child process (`ChildCheck`), on its public pool's threads.
    func checkUpload(_ kind: ChildCheck.Kind, _ bytes: [UInt8]) async throws -> ChildCheck.Answer {
        let (limits, path, now, spares) = (config.publicChecks, config.archivePath, now, spares)
        let threads = kind == .qrImage ? photoPool.threads : publicPool.threads
        guard let checker = limits.checker else {
            switch kind {
            case .pdf: return .init(report: try await publicArchive.with { try Verification.pdf(bytes, archive: $0) })
            case .qrImage: return .init(text: try await threads.run { try Verification.qrText(fromImage: bytes) })
            }
        }
        return try await threads.run {
            try ChildCheck.run(kind, bytes: bytes, limits: limits, checker: checker, archivePath: path, now: now, spares: spares)
        }
    }

    /// Work on the server's own database (accounts, sessions), on the blocking pool. Anything done here may end a
    /// session or change an account, so the session cache starts again after it.
    func db<T: Sendable>(_ body: @escaping @Sendable (any ServerStoring) throws -> T) async throws -> T {
        let store = store
        defer { sessions.clear() }
        return try await pool.run { try body(store) }
    }

    /// One entry in the access log, on disk before this returns (see `AuditLog`).
    func audit(actor: String, action: String, target: String, detail: String = "") async throws {
        try await auditLog.record(actor: actor, action: action, target: target, detail: detail)
    }
}

/// Per-request state: the session (if any), the language, the client's address.
public struct HosoContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    var session: Session?
    var sessionToken: String?
    var lang: Lang = .vi
    var remote: String
    /// Set when the request asked for a language switch (?lang=), so the response sets the cookie.
    var setLangCookie = false
    /// The submitted form, read and checked by `RequireCSRF.form`.
    var form: Form?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remote = source.channel.remoteAddress?.ipAddress ?? "local"
    }

    /// Uploads (a copy PDF, scans) may be larger than the default 2 MiB.
    public var maxUploadSize: Int { 25 * 1024 * 1024 }

    func t(_ vi: String, _ en: String) -> String { lang == .en ? en : vi }
    func t(_ text: LocalizedText) -> String { text.text(lang) }
}

public enum Cookies {
    static let session = "hoso_session"
    static let lang = "hoso_lang"
    /// Before sign-in there is no session: the login form's CSRF token is a cookie repeated in the form.
    static let loginCSRF = "hoso_login_csrf"
}

/// Domain errors → HTTP statuses, by the table shared with the sync protocol (HosoError+Status.swift).
func httpStatus(for problems: [HosoError]) -> HTTPResponse.Status {
    HTTPResponse.Status(code: problems.httpCategory.httpStatus)
}

struct ErrorBody: Encodable {
    struct Item: Encodable {
        var code: String
        var message: String
        var location: String?
    }
    var errors: [Item]
}

func jsonErrors(_ problems: [HosoError], status: HTTPResponse.Status, lang: Lang) -> Response {
    let body = ErrorBody(errors: problems.map { .init(code: $0.code.rawValue, message: $0.message.text(lang), location: $0.location) })
    return jsonResponse(body, status: status)
}

func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = (try? enc.encode(value)) ?? Data("{}".utf8)
    return Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func htmlResponse(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "text/html; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: html.rendered)))
}

func redirect(_ location: String) -> Response {
    Response(status: .seeOther, headers: [.location: location])
}

/// The web application.
public enum HosoServer {
    /// The router with every route; used by `hoso serve` and by the tests (in-process and on a live server).
    public static func router(config: ServerConfig) throws -> Router<HosoContext> {
        try routes(config: config).router
    }

    /// The router, and the method and path of every route added to it.
    static func routes(config: ServerConfig, state given: ServerState? = nil) throws -> RouteRecorder {
        let state = try given ?? ServerState(config: config)
        let router = Router(context: HosoContext.self)
        // Outermost first: every answer gets the headers; errors become pages knowing the session and language.
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: RejectControlCharacters())
        router.add(middleware: SessionMiddleware(state: state))
        router.add(middleware: ErrorMiddleware(state: state))
        router.add(middleware: PasswordChangeGate())
        let routes = RouteRecorder(router)
        StaticRoutes.add(to: routes)
        AuthRoutes.add(to: routes, state: state)
        ClerkRoutes.add(to: routes, state: state)
        GradeBookRoutes.add(to: routes, state: state)
        AgentSigningRoutes.add(to: routes, state: state)
        TeacherRoutes.add(to: routes, state: state)
        GradeBookYearRoutes.add(to: routes, state: state)
        LedgerRoutes.add(to: routes, state: state)
        RecordRoutes.add(to: routes, state: state)
        DigitizeRoutes.add(to: routes, state: state)
        WorkbenchRoutes.add(to: routes, state: state)
        StudentImportRoutes.add(to: routes, state: state)
        CustodyRoutes.add(to: routes, state: state)
        GradeSheetImportRoutes.add(to: routes, state: state)
        VerifyRoutes.add(to: routes, state: state)
        DownloadRoutes.add(to: routes, state: state)
        try OnlineRequestRoutes.add(to: routes, state: state)
        AdminRoutes.add(to: routes, state: state)
        PasswordChangeRoutes.add(to: routes, state: state)
        APIRoutes.add(to: routes, state: state)
        SyncRoutes.add(to: routes, state: state)
        ReportRoutes.add(to: routes, state: state)
        try AccessTable.check(routes.routes.map(\.description))
        return routes
    }

    /// Runs the server until SIGINT/SIGTERM; `onRunning` gets the bound port (useful with port 0).
    public static func run(
        config: ServerConfig, host: String, port: Int,
        onRunning: @escaping @Sendable (Int) -> Void
    ) async throws {
        let state = try ServerState(config: config)
        let router = try routes(config: config, state: state).router
        var logger = Logger(label: "hoso-serve")
        logger.logLevel = .warning
        let bodies = config.bodyLimits
        let server = try Listener.server(limits: config.limits, tls: config.tls) { bodies.limit(for: $0) }
        let app = Application(
            router: router, server: server, configuration: Listener.configuration(host: host, port: port, limits: config.limits),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) }, logger: logger)
        try await app.runService()
        // What the last batches left unanchored (the hub anchors at most once per `auditAnchorEvery`).
        state.auditLog.flushAnchor()
    }
}

/// The largest body each route takes, known from the request head so that a larger declared body is refused (413)
/// before it is read (`ConnectionGuard`). The routes read their bodies with the same limits. `hoso serve` sets them
/// with --max-upload-mib, --max-verify-upload-mib and --max-sync-body-mib.
public struct BodyLimits: Sendable {
    /// Every other form and JSON body.
    public static let forms = 1 << 20
    /// Digitization uploads: a ledger's scans and spreadsheets.
    public var uploads = 200 << 20
    /// A copy's PDF or a QR photo on the public verification page.
    public var verify = 25 << 20
    /// A batch a node pushes by sync.
    public var sync = SyncHandler.maxBody
    /// What any of them may be set to: the server holds a body in memory while it checks it.
    public static let ceiling = 1 << 30

    public init() {}

    func limit(for head: HTTPRequest) -> Int {
        let path = head.path.map { String($0.prefix { $0 != "?" }) } ?? "/"
        if path.hasPrefix("/sync/") { return sync }
        if ["/digitize", "/api/digitize", "/digitize/replace", "/import/students", "/my-classes/import"].contains(path) { return uploads }
        if path == "/verify" || path == "/api/verify" { return verify }
        if path == "/api/agent/signatures" { return AgentSigningRoutes.maxSignaturesBody }
        if path == "/online" { return OnlineRequestRoutes.maxBody }
        return Self.forms
    }
}

/// A record body (`JSONValue`) written into a JSON answer as it is.
struct JSONBody: Encodable {
    let value: JSONValue

    init(_ value: JSONValue) { self.value = value }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .number(let d):
            var c = encoder.singleValueContainer()
            // Whole numbers as integers (a mark 7, a year 1996), as the record's canonical JSON writes them.
            if d == d.rounded(), abs(d) < 9e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for v in items { try c.encode(JSONBody(v)) }
        case .object(let members):
            var c = encoder.container(keyedBy: Key.self)
            for m in members { try c.encode(JSONBody(m.value), forKey: Key(stringValue: m.key)) }
        }
    }
}

/// Minimal JSON output for hot answers: strings escaped as RFC 8259 requires (quote, backslash, control characters),
/// everything else (slashes, non-ASCII) written as it is, as `JSONEncoder` with `.withoutEscapingSlashes` does.
struct JSONWriter {
    var out: [UInt8] = []

    mutating func raw(_ s: String) { out.append(contentsOf: s.utf8) }

    mutating func string(_ s: String) { JSONString.append(s, to: &out) }
}
