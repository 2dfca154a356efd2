import Dispatch
import Foundation
import HTTPTypes
import HosoCore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A small HTTP service on Hummingbird for hoso's own endpoints (`tsa serve`, `sync serve`): routes by path, each with
/// its body limit and an optional check of the head before the body is read, behind `ListenerLimits`. Handlers are
/// synchronous and may block: they run on the service's own threads (`ListenerExecutor`).
public final class HTTPService: Sendable {
    public struct Request: Sendable {
        public var method: String
        /// The path without the query string.
        public var path: String
        /// Header names in lowercase; repeated headers joined with ", ".
        public var headers: [String: String]
        public var body: [UInt8]

        public init(method: String, path: String, headers: [String: String], body: [UInt8] = []) {
            self.method = method
            self.path = path
            self.headers = headers
            self.body = body
        }

        /// The media type without parameters, lowercase.
        public var contentType: String? {
            headers["content-type"].map { $0.split(separator: ";").first.map(String.init) ?? "" }
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        public init(status: Int, headers: [(String, String)], body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        public init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
            self.init(status: status, headers: [("Content-Type", contentType)] + headers, body: body)
        }

        public static func error(_ status: Int, headers: [(String, String)] = []) -> Response {
            let reason = HTTPResponse.Status(code: status).reasonPhrase
            return Response(
                status: status, contentType: "text/plain; charset=utf-8", body: Array("\(status) \(reason)\n".utf8), headers: headers)
        }
    }

    public struct Route: Sendable {
        /// The largest body this route reads; a larger declared body is refused (413) before it is read.
        public var maxBody: Int
        /// Looks at the request without its body; an answer here is sent without reading the body at all.
        public var preflight: (@Sendable (Request) -> Response?)?
        public var handle: @Sendable (Request) -> Response

        public init(
            maxBody: Int, preflight: (@Sendable (Request) -> Response?)? = nil, handle: @escaping @Sendable (Request) -> Response
        ) {
            self.maxBody = maxBody
            self.preflight = preflight
            self.handle = handle
        }
    }

    public let host: String
    public let limits: ListenerLimits
    public let tls: TLSFiles?
    private let requestedPort: Int
    private let route: @Sendable (String) -> Route?
    private var executor: ListenerExecutor { .shared }

    private struct Running {
        var group: ServiceGroup
        var listener: any Channel
        var port: Int
        var done: DispatchSemaphore
        var task: Task<Void, Never>
    }
    private let state = Mutex<Running?>(nil)

    /// `route` maps a path to its route; nil answers 404.
    public init(
        host: String = "127.0.0.1", port: UInt16 = 0, limits: ListenerLimits = ListenerLimits(), tls: TLSFiles? = nil,
        route: @escaping @Sendable (String) -> Route?
    ) {
        self.host = host
        self.requestedPort = Int(port)
        self.limits = limits
        self.tls = tls
        self.route = route
    }

    deinit { stop() }

    /// `http(s)://host:port/` once started.
    public var url: String? {
        state.withLock { r in
            guard let r else { return nil }
            let scheme = tls == nil ? "http" : "https"
            return host.contains(":") ? "\(scheme)://[\(host)]:\(r.port)/" : "\(scheme)://\(host):\(r.port)/"
        }
    }

    /// Binds and starts serving; returns the bound port (useful when `port` was 0). Does nothing when running.
    @discardableResult
    public func start() throws -> UInt16 {
        if let port = state.withLock({ $0?.port }) { return UInt16(port) }
        var logger = Logger(label: "hoso-http")
        logger.logLevel = .critical
        let routes = route
        let defaultMax = limits.defaultMaxBody
        let server = try Listener.server(limits: limits, tls: tls) { (head: HTTPRequest) -> Int in
            let target: String = head.path ?? "/"
            let path = String(target.prefix { $0 != "?" })
            return routes(path)?.maxBody ?? defaultMax
        }
        let bound = Mutex<(port: Int, channel: any Channel)?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let app = Application(
            responder: ServiceResponder(route: routes), server: server,
            configuration: Listener.configuration(host: host, port: requestedPort, limits: limits),
            onServerRunning: { channel in
                bound.withLock { $0 = (channel.localAddress?.port ?? 0, channel) }
                ready.signal()
            }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let failure = Mutex<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = Task(executorPreference: executor) {
            do { try await group.run() } catch { failure.withLock { $0 = error } }
            ready.signal()
            done.signal()
        }
        ready.wait()
        guard let (port, listener) = bound.withLock({ $0 }) else {
            done.wait()
            let cause = failure.withLock { $0 }.map { "\($0)" }
            throw HosoError(
                .listenFailed,
                .both("Không mở được cổng (đang bận hoặc không có quyền)", "Could not bind the port (in use or not permitted)"),
                location: "\(host):\(requestedPort)", cause: cause)
        }
        state.withLock { $0 = Running(group: group, listener: listener, port: port, done: done, task: task) }
        return UInt16(port)
    }

    /// Stops accepting at once (the port is closed when this returns), then lets requests in flight finish: it waits
    /// a little for them, not for ever, since part of Hummingbird's shutdown runs on Swift's cooperative threads, which
    /// the caller may be holding (a synchronous test); it then completes on its own.
    public func stop() {
        guard
            let r = state.withLock({ s -> Running? in
                defer { s = nil }
                return s
            })
        else { return }
        try? r.listener.close().wait()
        let group = r.group
        Task(executorPreference: executor) { await group.triggerGracefulShutdown() }
        _ = r.done.wait(timeout: .now() + 2)
    }
}

/// Hands each request to its route: the preflight, then the body (bounded), then the handler.
struct ServiceResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let route: @Sendable (String) -> HTTPService.Route?

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        guard let r = route(path) else { return Self.answer(.error(404), close: true) }
        var headers = [String: String]()
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        // HTTP/1's Host header arrives as the request's authority.
        if headers["host"] == nil, let authority = request.head.authority { headers["host"] = authority }
        var req = HTTPService.Request(method: request.method.rawValue, path: path, headers: headers)
        if let preflight = r.preflight, let refusal = preflight(req) {
            // The body stays unread: the connection closes after the answer.
            return Self.answer(refusal, close: true)
        }
        do {
            let body = try await request.body.collect(upTo: r.maxBody)
            req.body = Array(body.readableBytesView)
        } catch is NIOTooManyBytesError {
            return Self.answer(.error(413), close: true)
        } catch let e as HTTPError where e.status == .contentTooLarge {
            return Self.answer(.error(413), close: true)
        } catch {
            // The client stopped sending half-way, or the connection broke.
            return Self.answer(.error(400), close: true)
        }
        return Self.answer(r.handle(req), close: false)
    }

    static func answer(_ a: HTTPService.Response, close: Bool) -> Response {
        var fields = HTTPFields()
        for (name, value) in a.headers {
            if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
        }
        if close { fields[.connection] = "close" }
        return Response(status: .init(code: a.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: a.body)))
    }
}
