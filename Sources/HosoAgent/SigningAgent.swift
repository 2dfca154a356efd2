import Foundation
import HosoCore
import HosoPrimitives
import HosoSigning
import HosoTransport
import Synchronization

extension HosoError.Code {
    /// The agent was asked to listen on an address other than this machine's loopback.
    public static let agentNotLoopback = Self("AGENT_NOT_LOOPBACK", .badInput)
}

/// What `hoso agent` runs with.
public struct AgentConfig: Sendable {
    public var host: String
    public var port: UInt16
    /// The servers whose pages may use the agent, as origins (`https://truong.example`).
    public var origins: [String]
    public var modulePath: String
    public var keyURI: String
    /// The signer's certificate when the token does not hold it.
    public var certificate: Certificate?
    public var limits: ListenerLimits
    public var clock: HosoClock
    /// For each call to the server.
    public var timeout: TimeInterval = 60

    /// Refuses any address but loopback, and origins that are not http(s) origins.
    public init(
        host: String, port: UInt16, origins: [String], modulePath: String, keyURI: String, certificate: Certificate? = nil,
        limits: ListenerLimits = ListenerLimits(), clock: HosoClock = .system
    ) throws {
        guard ["127.0.0.1", "::1", "localhost"].contains(host.lowercased()) else {
            throw HosoError(
                .agentNotLoopback,
                .both(
                    "Công cụ ký chỉ nghe trên chính máy này (127.0.0.1 hoặc ::1), không nghe trên \(host)",
                    "The signing agent listens on this machine only (127.0.0.1 or ::1), not on \(host)"), location: host)
        }
        var normalized = [String]()
        for o in origins {
            guard let n = Origins.normalize(o), let c = URLComponents(string: o), c.path.isEmpty || c.path == "/", c.query == nil else {
                throw HosoError(
                    .agentBadBatch,
                    .both("Địa chỉ máy chủ không đúng dạng (https://tên-máy[:cổng])", "Not a server origin (https://host[:port])"),
                    location: o)
            }
            normalized.append(n)
        }
        guard !normalized.isEmpty else {
            throw HosoError(
                .agentBadBatch, .both("Cần ít nhất một máy chủ được phép (--origin)", "At least one allowed server is needed (--origin)"))
        }
        self.host = host.lowercased() == "localhost" ? "127.0.0.1" : host
        self.port = port
        self.origins = normalized
        self.modulePath = modulePath
        self.keyURI = keyURI
        self.certificate = certificate
        self.limits = limits
        self.clock = clock
    }
}

/// The signing agent: a small HTTP service on loopback that the grade-book page of an allowed server talks to (CORS,
/// a pairing code the teacher types once), and whose own confirmation page takes the teacher's PIN once per batch.
public final class SigningAgent: Sendable {
    public let config: AgentConfig
    /// Shown to the teacher at start; the page sends it in `X-Hoso-Agent-Key`, so no other page can drive the agent.
    public let pairingCode: String
    let state: AgentState
    private let service: HTTPService

    public init(config: AgentConfig, pairingCode: String? = nil) {
        self.config = config
        self.pairingCode = pairingCode ?? Self.newPairingCode()
        let state = AgentState(config: config, pairingCode: self.pairingCode)
        self.state = state
        var limits = config.limits
        limits.defaultMaxBody = 16 * 1024
        service = HTTPService(host: config.host, port: config.port, limits: limits) { path in
            guard path == "/" || path == "/batches" || path.hasPrefix("/batches/") || path.hasPrefix("/confirm/") else { return nil }
            return .init(maxBody: path == "/batches" ? 1 << 20 : 16 * 1024) { state.handle($0) }
        }
    }

    /// Binds and serves; the agent's own address.
    @discardableResult
    public func start() throws -> String {
        let port = try service.start()
        state.port.withLock { $0 = Int(port) }
        return service.url ?? ""
    }

    public func stop() { service.stop() }

    /// Token logins so far (one per confirmed batch).
    public var logins: Int { state.logins.withLock { $0 } }

    /// Eight groups of four letters and digits, easy to read aloud and type (about 160 bits).
    static func newPairingCode() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var g = SystemRandomNumberGenerator()
        return (0..<8).map { _ in String((0..<4).map { _ in alphabet.randomElement(using: &g)! }) }.joined(separator: "-")
    }
}

/// The agent's requests, its open batches and the token (one signing at a time).
final class AgentState: Sendable {
    let config: AgentConfig
    let pairingCode: String
    let port = Mutex(0)
    let batches = Mutex<[String: PendingBatch]>([:])
    let logins = Mutex(0)
    let signing = NSLock()
    static let maxOpen = 20
    /// Below the usual token's own limit (often 3 to 10 tries before it locks), so the teacher can still try later.
    static let maxPinFailures = 3
    static let lifetime: TimeInterval = 15 * 60

    init(config: AgentConfig, pairingCode: String) {
        self.config = config
        self.pairingCode = pairingCode
    }

    /// The names this agent answers to: against DNS rebinding, a request for any other host is refused.
    var ownHosts: Set<String> {
        let p = port.withLock { $0 }
        return ["127.0.0.1:\(p)", "localhost:\(p)", "[::1]:\(p)"]
    }

    func handle(_ r: HTTPService.Request) -> HTTPService.Response {
        guard let host = r.headers["host"]?.lowercased(), ownHosts.contains(host) else {
            return AgentPages.plain(421, "Tên máy không đúng / wrong host name")
        }
        if r.path == "/" { return AgentPages.plain(200, "hoso agent") }
        if r.path.hasPrefix("/confirm/") { return confirm(r, id: String(r.path.dropFirst("/confirm/".count))) }
        // The page's calls: an allowed origin only (browsers always send Origin across origins), then the pairing code.
        guard let origin = r.headers["origin"].flatMap(Origins.normalize), config.origins.contains(origin) else {
            return AgentPages.plain(403, "Máy chủ này không được phép dùng công cụ ký / origin not allowed")
        }
        let cors = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        if r.method == "OPTIONS" {
            var h =
                cors + [
                    ("Access-Control-Allow-Methods", "GET, POST"), ("Access-Control-Allow-Headers", "content-type, x-hoso-agent-key"),
                    ("Access-Control-Max-Age", "600"),
                ]
            if r.headers["access-control-request-private-network"] != nil { h.append(("Access-Control-Allow-Private-Network", "true")) }
            return HTTPService.Response(status: 204, headers: h, body: [])
        }
        guard constantTimeEqual(r.headers["x-hoso-agent-key"] ?? "", pairingCode) else {
            return AgentPages.json(401, ["error": "PAIRING_REQUIRED"], headers: cors)
        }
        if r.path == "/batches", r.method == "POST" { return create(r, origin: origin, cors: cors) }
        if r.method == "GET", let b = batches.withLock({ $0[String(r.path.dropFirst("/batches/".count))] }), b.origin == origin {
            let o = b.outcome
            return AgentPages.json(
                200, ["items": b.items.count, "logins": o?.logins ?? 0, "signed": o?.signed ?? 0, "accepted": o?.accepted ?? 0],
                headers: cors)
        }
        return AgentPages.plain(404, "404", headers: cors)
    }

    func create(_ r: HTTPService.Request, origin: String, cors: [(String, String)]) -> HTTPService.Response {
        do {
            let req: BatchRequest
            do { req = try JSONDecoder().decode(BatchRequest.self, from: Data(r.body)) } catch {
                throw HosoError(.agentBadBatch, .both("Lượt ký không đúng dạng", "The batch has the wrong shape"), cause: "\(error)")
            }
            let (sigURL, role, back, items) = try BatchFetch.prepare(req, origin: origin, timeout: config.timeout)
            let now = config.clock.now()
            let b = PendingBatch(
                id: AgentPages.random(), nonce: AgentPages.random(), origin: origin, token: req.batch, role: role, signaturesURL: sigURL,
                returnURL: back, items: items, created: now)
            batches.withLock { m in
                m = m.filter { now.timeIntervalSince($0.value.created) < Self.lifetime }
                if m.count >= Self.maxOpen, let oldest = m.min(by: { $0.value.created < $1.value.created }) { m[oldest.key] = nil }
                m[b.id] = b
            }
            let p = port.withLock { $0 }
            return AgentPages.json(201, ["batch": b.id, "confirm": "http://127.0.0.1:\(p)/confirm/\(b.id)"], headers: cors)
        } catch let e as HosoError {
            return AgentPages.json(e.code.category.httpStatus, ["error": e.code.rawValue, "message": e.message.vi], headers: cors)
        } catch {
            return AgentPages.json(500, ["error": "INTERNAL"], headers: cors)
        }
    }

    /// The teacher's confirmation page, and its form: the PIN, once for the whole batch.
    func confirm(_ r: HTTPService.Request, id: String) -> HTTPService.Response {
        guard let b = batches.withLock({ $0[id] }) else { return AgentPages.plain(404, "Không có lượt ký này / no such batch") }
        if r.method == "GET" { return AgentPages.confirm(b, certificate: config.certificate, error: nil) }
        guard r.method == "POST" else { return AgentPages.plain(405, "405") }
        // Only the agent's own page posts here: its origin, and the batch's hidden nonce.
        let own = ownHosts.map { "http://" + $0 }
        let form = AgentPages.parseForm(r.body)
        guard let o = r.headers["origin"].flatMap(Origins.normalize), own.contains(o), constantTimeEqual(form["nonce"] ?? "", b.nonce)
        else {
            return AgentPages.plain(403, "Yêu cầu không đến từ trang xác nhận / not from the confirmation page")
        }
        if b.outcome != nil { return AgentPages.result(b) }
        if form["action"] == "cancel" {
            batches.withLock { $0[id] = nil }
            return AgentPages.cancelled(b)
        }
        signing.lock()
        defer { signing.unlock() }
        do {
            let identity = try PKCS11.open(
                uri: config.keyURI, pin: form["pin"] ?? "", modulePath: config.modulePath, certificate: config.certificate)
            // One open is one token login for the whole batch (the tests count C_Login in pkcs11-spy's log).
            logins.withLock { $0 += 1 }
            var done = b
            done.outcome = try BatchFetch.sign(b, identity: identity, logins: 1, at: config.clock.now(), timeout: config.timeout)
            batches.withLock { $0[id] = done }
            return AgentPages.result(done)
        } catch let e as HosoError where e.code == .badPassword {
            let failures = batches.withLock { m -> Int in
                m[id]?.pinFailures += 1
                let n = m[id]?.pinFailures ?? Self.maxPinFailures
                if n >= Self.maxPinFailures { m[id] = nil }
                return n
            }
            guard failures < Self.maxPinFailures else { return AgentPages.tooManyPINs(b) }
            return AgentPages.confirm(b, certificate: config.certificate, error: e.message)
        } catch let e as HosoError {
            return AgentPages.confirm(b, certificate: config.certificate, error: e.message)
        } catch {
            return AgentPages.confirm(b, certificate: config.certificate, error: .both("Lỗi không lường trước", "Unexpected error"))
        }
    }
}

/// Compares secrets without stopping at the first difference.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}
