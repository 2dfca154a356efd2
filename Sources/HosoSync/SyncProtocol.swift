import Foundation
import HosoCore
import HosoSigning
import HosoStore
import HosoTransport
import Synchronization

extension HosoError.Code {
    /// An HTTP sync request or answer is unsigned, signed by the wrong node, stale, or a replay.
    public static let syncAuthFailed = Self("SYNC_AUTH_FAILED", .badInput)
    /// The sync server could not be reached or answered with an error.
    public static let syncUnavailable = Self("SYNC_UNAVAILABLE", .badInput)
    /// The bundle or request comes from a node that is not a peer of this one.
    public static let unknownNode = Self("SYNC_UNKNOWN_NODE", .badInput)
    /// The peer sent something outside the scope this node accepts from it (or a request it may not make).
    public static let notAuthorised = Self("SYNC_NOT_AUTHORISED", .forbidden)
}

/// One object in an HTTP have/want exchange.
public struct SyncItem: Codable, Sendable, Equatable {
    public var id: String
    public var kind: String
    public var size: UInt64
    public init(id: String, kind: String, size: UInt64) {
        self.id = id
        self.kind = kind
        self.size = size
    }
}

/// The HTTP sync protocol, version 1 (all under `/sync/`, all POST, every request and answer signed):
///
/// - `hello` → `{node, name, role}` of the server;
/// - `want` `{have: [SyncItem]}` → `{want: [id]}`: what the server lacks of what the client offers (push);
/// - `objects` (frames, below) → `{result}`: the server checks and commits the batch at once, as a bundle import does;
/// - `offer` `{}` → `{items: [SyncItem]}`: what the server would send the client, less what the client acknowledged;
/// - `fetch` `{ids: [id]}` → frames: those objects;
/// - `ack` `{ids: [id]}` → `{}`: the client holds these now;
/// - `witness` `WitnessMessage` → `WitnessMessage`: each side's newest log checkpoint with a consistency proof from
///   the size the other holds (`hello` answers `seen`: the size of the client's checkpoint the server holds); the
///   server's answer carries its cosignature of the client's checkpoint, or the rollback or fork it found.
///
/// Frames: for each object, the line `<kind> <id> <size>\n` then exactly `size` bytes. Objects are named by their
/// SHA-256, so a batch that arrived is never sent again: an interrupted sync resumes by asking what is missing.
///
/// Authentication: each request carries `X-Hoso-Node` (the sender's node id), `X-Hoso-Time`, `X-Hoso-Nonce` and
/// `X-Hoso-Signature` (base64 of a detached CMS signature by the node key over `SyncAuth.message`), and
/// `X-Hoso-Body-SHA256` (the body's digest, which the message signs), so that the server checks who is asking before
/// it reads a byte of the body (`SyncHandler.preflight`) and then that the body is the one signed. The server
/// accepts only peers' pinned certificates, times within `SyncAuth.window` of its clock, and each nonce once. Its
/// answers are signed the same way over the request's nonce, status and body, so the client knows who answered.
public enum SyncAuth {
    public static let window: TimeInterval = 300
    /// The header carrying the digest of the body, as the signed message has it.
    public static let bodyDigestHeader = "X-Hoso-Body-SHA256"

    /// The body's digest as the signed message writes it.
    public static func digest(_ body: [UInt8]) -> String { ObjectID(hashing: body).hex }

    public static func message(method: String, path: String, time: String, nonce: String, body: [UInt8]) -> [UInt8] {
        message(method: method, path: path, time: time, nonce: nonce, bodyDigest: digest(body))
    }

    public static func message(method: String, path: String, time: String, nonce: String, bodyDigest: String) -> [UInt8] {
        Array("hoso-sync-1 request\n\(method)\n\(path)\n\(time)\n\(nonce)\n\(bodyDigest)\n".utf8)
    }

    public static func responseMessage(nonce: String, status: Int, body: [UInt8]) -> [UInt8] {
        Array("hoso-sync-1 response\n\(nonce)\n\(status)\n\(ObjectID(hashing: body).hex)\n".utf8)
    }

    public static func sign(_ message: [UInt8], identity: SigningIdentity, at time: Date) throws -> String {
        Data(try CMSSigner.sign(content: message, identity: identity, role: nil, at: time)).base64EncodedString()
    }

    /// True when `signature` (base64) is one valid detached CMS signature over `message` by exactly `certificate`.
    public static func verify(_ signature: String, message: [UInt8], certificate: Certificate) -> Bool {
        guard let der = Data(base64Encoded: signature), let sd = try? SignedData(der: [UInt8](der)), sd.isDetached,
            sd.signers.count == 1, let s = sd.signers.first, s.certificate == certificate
        else { return false }
        return s.contentMatches(message) && s.signatureIsValid()
    }

    public static func nonce() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }
}

/// Writes objects as frames.
public enum SyncFrames {
    public static func header(kind: String, id: String, size: UInt64) -> [UInt8] { Array("\(kind) \(id) \(size)\n".utf8) }

    /// Reads frames from a body, handing each object's bytes to `each` (kind, claimed id, content).
    public static func read(
        _ body: [UInt8], maxObjects: Int = 100_000,
        each: (ObjectKind, ObjectID, ArraySlice<UInt8>) throws -> Void
    ) throws {
        var i = 0
        var n = 0
        func bad(_ why: String) -> HosoError {
            HosoError(.bagInvalid, .both("Khung dữ liệu đồng bộ không hợp lệ: \(why)", "Invalid sync frame: \(why)"), location: "byte \(i)")
        }
        while i < body.count {
            n += 1
            if n > maxObjects { throw bad("too many objects") }
            guard let nl = body[i..<min(body.count, i + 128)].firstIndex(of: 0x0A) else { throw bad("no header line") }
            let fields = String(decoding: body[i..<nl], as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 3, let kind = ObjectKind(rawValue: String(fields[0])), let id = ObjectID(hex: String(fields[1])),
                id.hex == fields[1], fields[2].allSatisfy(\.isNumber), let size = Int(fields[2]), size <= body.count - nl - 1
            else {
                throw bad("bad header line")
            }
            try each(kind, id, body[(nl + 1)..<(nl + 1 + size)])
            i = nl + 1 + size
        }
    }
}

/// A request as any HTTP server hands it over (header names lowercase).
public struct SyncRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [String: String]
    public var body: [UInt8]
    public init(method: String, path: String, headers: [String: String], body: [UInt8]) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

public struct SyncResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// What the protocol needs from the archive behind it (HosoKit's `ArchiveSyncService`).
public protocol SyncService: AnyObject, Sendable {
    var clock: HosoClock { get }
    /// The pinned certificate of a peer node, nil for a node that is not a peer.
    func peerCertificate(node: String) throws -> Certificate?
    /// This node's identity, for signing answers.
    func identity() throws -> SigningIdentity
    func hello(peer: String) throws -> [UInt8]
    func want(peer: String, have: [SyncItem]) throws -> [String]
    func receive(peer: String, frames: [UInt8]) throws -> [UInt8]
    func offer(peer: String) throws -> [SyncItem]
    func fetch(peer: String, ids: [String]) throws -> [UInt8]
    func ack(peer: String, ids: [String]) throws
    /// Takes the peer's `WitnessMessage` (JSON) and answers with this node's.
    func witness(peer: String, body: [UInt8]) throws -> [UInt8]
}

/// The transport-independent HTTP sync endpoint: `(method, path, headers, body) -> (status, headers, body)`, to mount
/// under `/sync/` in any server (`HTTPService.Route.sync` for `hoso sync serve`, and `hoso serve`). Domain errors become statuses here.
public final class SyncHandler: Sendable {
    let service: any SyncService
    private struct State {
        /// Nonces seen within the time window, with their times: each is accepted once.
        var seen = [String: Date]()
    }
    private let state = Mutex(State())

    public init(service: any SyncService) { self.service = service }

    struct HaveBody: Codable { var have: [SyncItem] }
    struct WantBody: Codable { var want: [String] }
    struct IdsBody: Codable { var ids: [String] }
    struct ItemsBody: Codable { var items: [SyncItem] }
    struct ErrorBody: Codable {
        var code: String
        var message: String
        var location: String?
    }

    public func handle(_ r: SyncRequest) -> SyncResponse {
        signed(r, respond(r))
    }

    /// Looks at a request before its body is read: the method, and who signed it (a peer's pinned certificate, over
    /// the body digest the request announces, within the time window, a nonce not seen before). An answer here is
    /// the refusal to send without reading the body; nil lets the server read the body and call `handle`, which checks
    /// the body against the signed digest.
    public func preflight(_ r: SyncRequest) -> SyncResponse? {
        guard r.method == "POST" else { return signed(r, fail(405, HosoError(.syncUnavailable, .both("Chỉ nhận POST", "POST only")))) }
        guard let digest = r.headers[SyncAuth.bodyDigestHeader.lowercased()], digest.count == 64,
            digest.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else {
            return signed(
                r,
                fail(
                    401,
                    HosoError(
                        .syncAuthFailed, .both("Yêu cầu chưa ký mã băm nội dung", "The request does not sign its body's digest"),
                        location: r.path)))
        }
        do { _ = try authenticate(r, bodyDigest: digest, record: false) } catch {
            return signed(r, refusal(error))
        }
        return nil
    }

    private func signed(_ r: SyncRequest, _ answer: (Int, [UInt8])) -> SyncResponse {
        let nonce = r.headers["x-hoso-nonce"] ?? ""
        let (status, body) = answer
        var headers = [("Content-Type", status == 200 && (r.path.hasSuffix("/fetch")) ? "application/octet-stream" : "application/json")]
        if let id = try? service.identity(),
            let sig = try? SyncAuth.sign(
                SyncAuth.responseMessage(nonce: nonce, status: status, body: body),
                identity: id, at: service.clock.now())
        {
            headers.append(("X-Hoso-Signature", sig))
        }
        return SyncResponse(status: status, headers: headers, body: body)
    }

    private func fail(_ status: Int, _ e: HosoError) -> (Int, [UInt8]) {
        (
            status,
            (try? JSONEncoder().encode(ErrorBody(code: e.code.rawValue, message: e.message.en, location: e.location))).map(Array.init)
                ?? []
        )
    }

    private func refusal(_ error: any Error) -> (Int, [UInt8]) {
        if let e = error as? HosoError { return fail(e.code == .unknownNode ? 403 : 401, e) }
        return fail(500, HosoError(.internalError, .both("Lỗi nội bộ", "Internal error"), cause: "\(error)"))
    }

    private func respond(_ r: SyncRequest) -> (Int, [UInt8]) {
        guard r.method == "POST" else { return fail(405, HosoError(.syncUnavailable, .both("Chỉ nhận POST", "POST only"))) }
        let peer: String
        do {
            let digest = SyncAuth.digest(r.body)
            if let claimed = r.headers[SyncAuth.bodyDigestHeader.lowercased()], claimed != digest {
                throw HosoError(
                    .syncAuthFailed, .both("Nội dung không khớp mã băm đã ký", "The body does not match its signed digest"),
                    location: r.path)
            }
            peer = try authenticate(r, bodyDigest: digest, record: true)
        } catch { return refusal(error) }
        do {
            let dec = JSONDecoder()
            func json<T: Encodable>(_ v: T) throws -> [UInt8] { Array(try JSONEncoder().encode(v)) }
            switch r.path.split(separator: "/").last.map(String.init) ?? "" {
            case "hello": return (200, try service.hello(peer: peer))
            case "want":
                return (
                    200,
                    try json(WantBody(want: try service.want(peer: peer, have: try dec.decode(HaveBody.self, from: Data(r.body)).have)))
                )
            case "objects": return (200, try service.receive(peer: peer, frames: r.body))
            case "offer": return (200, try json(ItemsBody(items: try service.offer(peer: peer))))
            case "fetch": return (200, try service.fetch(peer: peer, ids: try dec.decode(IdsBody.self, from: Data(r.body)).ids))
            case "witness": return (200, try service.witness(peer: peer, body: r.body))
            case "ack":
                try service.ack(peer: peer, ids: try dec.decode(IdsBody.self, from: Data(r.body)).ids)
                return (200, Array("{}".utf8))
            default: return fail(404, HosoError(.syncUnavailable, .both("Không có điểm cuối này", "No such endpoint"), location: r.path))
            }
        } catch let e as HosoError {
            return fail(e.category.httpStatus, e)
        } catch let e as HosoProblems {
            let first = e.problems.first ?? HosoError(.internalError, .both("", ""))
            return fail(e.problems.httpCategory.httpStatus, first)
        } catch is DecodingError {
            return fail(
                400, HosoError(.bagInvalid, .both("Thân yêu cầu không phải JSON đúng dạng", "The request body is not the expected JSON")))
        } catch {
            return fail(500, HosoError(.internalError, .both("Lỗi nội bộ", "Internal error"), cause: "\(error)"))
        }
    }

    /// Checks the request's node, signature, time and nonce; returns the peer's node id.
    /// `record`: remember the nonce (the request is being served); a preflight only checks it was not used yet.
    func authenticate(_ r: SyncRequest, bodyDigest: String, record: Bool) throws -> String {
        func denied(_ vi: String, _ en: String) -> HosoError { HosoError(.syncAuthFailed, .both(vi, en), location: r.path) }
        guard let node = r.headers["x-hoso-node"], let time = r.headers["x-hoso-time"], let nonce = r.headers["x-hoso-nonce"],
            let sig = r.headers["x-hoso-signature"], nonce.count >= 16, nonce.count <= 64
        else {
            throw denied("Yêu cầu chưa ký", "The request is not signed")
        }
        guard let cert = try service.peerCertificate(node: node) else {
            throw HosoError(.unknownNode, .both("Nút không quen", "Unknown node"), location: node)
        }
        guard
            SyncAuth.verify(
                sig, message: SyncAuth.message(method: r.method, path: r.path, time: time, nonce: nonce, bodyDigest: bodyDigest),
                certificate: cert)
        else {
            throw denied("Chữ ký yêu cầu không hợp lệ", "The request's signature is not valid")
        }
        let now = service.clock.now()
        guard let t = HosoClock.parse(time), abs(t.timeIntervalSince(now)) <= SyncAuth.window else {
            throw denied(
                "Yêu cầu quá cũ hoặc đồng hồ lệch quá \(Int(SyncAuth.window)) giây",
                "The request is stale, or the clocks differ by more than \(Int(SyncAuth.window)) s")
        }
        try state.withLock { s in
            s.seen = s.seen.filter { abs($0.value.timeIntervalSince(now)) <= SyncAuth.window }
            if s.seen[node + " " + nonce] != nil { throw denied("Yêu cầu bị phát lại", "The request is a replay") }
            if record { s.seen[node + " " + nonce] = t }
        }
        return node
    }
}

/// The client side: signs each request with the node key, checks each answer's signature against the server's pinned
/// certificate, and turns error answers back into the server's error codes.
public final class SyncClient {
    let base: String
    let node: String
    let identity: SigningIdentity
    let server: Certificate
    let clock: HosoClock
    public let timeout: TimeInterval
    public private(set) var bytesSent: UInt64 = 0
    public private(set) var bytesReceived: UInt64 = 0
    public private(set) var requests = 0

    public init(url: String, node: String, identity: SigningIdentity, server: Certificate, clock: HosoClock, timeout: TimeInterval = 120) {
        var b = url
        while b.hasSuffix("/") { b.removeLast() }
        if !b.hasSuffix("/sync") { b += "/sync" }
        self.base = b
        self.node = node
        self.identity = identity
        self.server = server
        self.clock = clock
        self.timeout = timeout
    }

    public func call(_ endpoint: String, body: [UInt8]) throws -> [UInt8] {
        guard let url = URL(string: base + "/" + endpoint) else {
            throw HosoError(.syncUnavailable, .both("Địa chỉ máy chủ đồng bộ không hợp lệ", "Invalid sync server URL"), location: base)
        }
        let now = clock.now()
        let time = HosoClock.format(now)
        let nonce = SyncAuth.nonce()
        let signature = try SyncAuth.sign(
            SyncAuth.message(method: "POST", path: url.path, time: time, nonce: nonce, body: body),
            identity: identity, at: now)
        let reply: HTTPPost.Reply
        do {
            reply = try HTTPPost.send(
                url, body: body,
                headers: [
                    ("Content-Type", "application/octet-stream"), ("X-Hoso-Node", node),
                    ("X-Hoso-Time", time), ("X-Hoso-Nonce", nonce), ("X-Hoso-Signature", signature),
                    (SyncAuth.bodyDigestHeader, SyncAuth.digest(body)),
                ],
                timeout: timeout)
        } catch {
            let cause: String? = if case .network(let c) = error { c } else { nil }
            throw HosoError(
                .syncUnavailable,
                .both("Không kết nối được máy chủ đồng bộ (chạy lại để tiếp tục)", "Could not reach the sync server (run again to resume)"),
                location: url.absoluteString, cause: cause ?? "\(error)")
        }
        requests += 1
        bytesSent += UInt64(body.count)
        let answer = reply.body
        bytesReceived += UInt64(answer.count)
        guard let sig = reply.header("X-Hoso-Signature"),
            SyncAuth.verify(sig, message: SyncAuth.responseMessage(nonce: nonce, status: reply.status, body: answer), certificate: server)
        else {
            throw HosoError(
                .syncAuthFailed, .both("Câu trả lời không do nút đã ghim ký", "The answer is not signed by the pinned peer"),
                location: url.absoluteString, cause: "HTTP \(reply.status)")
        }
        guard reply.status == 200 else {
            struct E: Decodable {
                var code: String
                var message: String
                var location: String?
            }
            if let e = try? JSONDecoder().decode(E.self, from: Data(answer)) {
                throw HosoError(
                    HosoError.Code(rawValue: e.code), .both("Máy chủ từ chối: " + e.message, "The server refused: " + e.message),
                    location: e.location ?? url.absoluteString, cause: "HTTP \(reply.status)")
            }
            throw HosoError(
                .syncUnavailable, .both("Máy chủ trả lời HTTP \(reply.status)", "The server answered HTTP \(reply.status)"),
                location: url.absoluteString)
        }
        return answer
    }
}

extension SyncHandler {
    /// The largest batch a node may push in one request.
    public static let maxBody = 80 << 20
}

extension HTTPService.Route {
    /// The sync protocol as a route of `HTTPService`: the signed head is checked before the body is read
    /// (`SyncHandler.preflight`), then the body (at most `maxBody`) goes to `SyncHandler.handle`.
    public static func sync(_ handler: SyncHandler, maxBody: Int = SyncHandler.maxBody) -> HTTPService.Route {
        HTTPService.Route(
            maxBody: maxBody,
            preflight: { r in
                handler.preflight(SyncRequest(method: r.method, path: r.path, headers: r.headers, body: [])).map {
                    HTTPService.Response(status: $0.status, headers: $0.headers, body: $0.body)
                }
            },
            handle: { r in
                let a = handler.handle(SyncRequest(method: r.method, path: r.path, headers: r.headers, body: r.body))
                return HTTPService.Response(status: a.status, headers: a.headers, body: a.body)
            })
    }
}
