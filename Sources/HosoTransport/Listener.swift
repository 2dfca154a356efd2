import Foundation
import HTTPTypes
import HosoCore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOSSL
import Synchronization

extension HosoError.Code {
    /// The certificate or key given for TLS cannot be read.
    public static let tlsFilesInvalid = Self("TLS_FILES_INVALID", .badInput)
    /// A listener could not bind its address or port.
    public static let listenFailed = Self("LISTEN_FAILED", .io)
}

/// What every hoso listener (`serve`, `sync serve`, `tsa serve`) allows a client before it is cut off. The defaults
/// suit an office LAN reached from the internet: a client that trickles its request, holds many connections or
/// announces a body larger than the route takes costs one refused connection, never the service.
public struct ListenerLimits: Sendable {
    /// From the connection's start (or the end of the previous answer) until the request head is complete, TLS
    /// handshake included. A client sending one byte at a time is closed with 408 when it runs out.
    public var headerTimeout: TimeInterval = 10
    /// A connection with no traffic at all is closed after this long.
    public var idleTimeout: TimeInterval = 60
    /// The body must arrive within this long plus its length at `minBodyRate`.
    public var bodyTimeout: TimeInterval = 30
    /// Bytes per second a body must keep up, at the least, once past `bodyTimeout`.
    public var minBodyRate = 16 * 1024
    /// Open connections from one client address; more are closed at once.
    public var maxConnectionsPerAddress = 32
    /// Open connections in all; more wait in the kernel's backlog.
    public var maxConnections = 2048
    /// The request line and headers together.
    public var maxHeadBytes = 16 * 1024
    /// The body limit of a path no route claims.
    public var defaultMaxBody = 64 * 1024

    public init() {}
}

/// A certificate chain and key (PEM files) for a listener that speaks TLS itself.
public struct TLSFiles: Sendable, Equatable {
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }

    /// The server side TLS settings (TLS 1.2 at least), read from the files now so that a bad file stops the start.
    public func configuration() throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate)
            guard !chain.isEmpty else {
                throw HosoError(
                    .tlsFilesInvalid, .both("Tệp chứng thư TLS không có chứng thư nào", "The TLS certificate file holds no certificate"),
                    location: certificate)
            }
            let key = try NIOSSLPrivateKey(file: key, format: .pem)
            var c = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            c.minimumTLSVersion = .tlsv12
            return c
        } catch let e as HosoError {
            throw e
        } catch {
            throw HosoError(
                .tlsFilesInvalid, .both("Không đọc được chứng thư hoặc khóa TLS (PEM)", "Could not read the TLS certificate or key (PEM)"),
                location: "\(certificate), \(key)", cause: "\(error)")
        }
    }
}

/// Builds the Hummingbird server of a hoso listener: HTTP/1.1 (over TLS when given), with `ConnectionGuard` on every
/// connection and a cap on connections in all.
public enum Listener {
    /// `bodyLimit` gives each request's largest body from its head (method, path, headers), before any of it is read.
    public static func server(
        limits: ListenerLimits, tls: TLSFiles?, bodyLimit: @escaping @Sendable (HTTPRequest) -> Int
    ) throws -> HTTPServerBuilder {
        let counter = AddressCounter()
        let http = HTTPServerBuilder.http1(
            configuration: .init(
                additionalChannelHandlers: [ConnectionGuard(limits: limits, counter: counter, bodyLimit: bodyLimit)],
                idleTimeout: .milliseconds(Int64(limits.idleTimeout * 1000)),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: limits.maxHeadBytes, maxHeaderListSize: limits.maxHeadBytes, maxHeaderFieldCount: 200)))
        guard let tls else { return http }
        return try .tls(http, tlsConfiguration: try tls.configuration())
    }

    public static func configuration(
        host: String, port: Int, limits: ListenerLimits, serverName: String = "hoso"
    )
        -> ApplicationConfiguration
    {
        ApplicationConfiguration(
            address: .hostname(host, port: port), serverName: serverName,
            availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections))
    }
}

/// Open connections per client address, shared by the connections of one listener.
final class AddressCounter: Sendable {
    private let open = Mutex<[String: Int]>([:])

    /// Counts a new connection; false (and not counted) when the address already has `limit`.
    func enter(_ address: String, limit: Int) -> Bool {
        open.withLock { m in
            let n = m[address, default: 0]
            if n >= limit { return false }
            m[address] = n + 1
            return true
        }
    }

    func leave(_ address: String) {
        open.withLock { m in
            let n = m[address, default: 1] - 1
            m[address] = n > 0 ? n : nil
        }
    }

    func count(_ address: String) -> Int { open.withLock { $0[address, default: 0] } }
}

/// One per connection, after HTTP decoding: enforces `ListenerLimits` on what the client sends.
/// - the connection counts against its address, and is closed at once over the cap;
/// - the request head must be complete within `headerTimeout` (else 408 and close), the body within its time;
/// - a declared `Content-Length` over the route's limit is answered 413 here, before any of the body is read, and the
///   request never reaches the application; of a streamed body, what passes the limit is dropped unread;
/// - an answer that says `Connection: close` closes the connection once written (the application uses it to refuse
///   a request without reading its body, which Hummingbird would otherwise read and throw away).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let limits: ListenerLimits
    let counter: AddressCounter
    let bodyLimit: @Sendable (HTTPRequest) -> Int

    private var address: String?
    private var started = false
    private var timer: Scheduled<Void>?
    /// A request's head arrived and its end has not.
    private var reading = false
    private var bodyBytes = 0
    private var maxBody = 0
    /// Requests handed to the application and not yet answered.
    private var answering = 0
    private var closeAfterAnswer = false
    /// The guard answered (413, 408, 431): whatever else arrives is dropped until the connection closes.
    private var refused = false

    init(limits: ListenerLimits, counter: AddressCounter, bodyLimit: @escaping @Sendable (HTTPRequest) -> Int) {
        self.limits = limits
        self.counter = counter
        self.bodyLimit = bodyLimit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { finish() }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        // An IPv6 client by its /64: a fresh address for each connection would pass the limit otherwise.
        let a = ClientAddress.limitKey(context.channel.remoteAddress?.ipAddress ?? "unknown")
        guard counter.enter(a, limit: limits.maxConnectionsPerAddress) else {
            refused = true
            context.close(promise: nil)
            return
        }
        address = a
        arm(context, after: limits.headerTimeout)
    }

    private func finish() {
        timer?.cancel()
        timer = nil
        if let a = address {
            counter.leave(a)
            address = nil
        }
    }

    private func arm(_ context: ChannelHandlerContext, after seconds: TimeInterval) {
        timer?.cancel()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .milliseconds(Int64(max(seconds, 0.001) * 1000))) {
            bound.value.expired(ctx.value)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    private func expired(_ context: ChannelHandlerContext) {
        timer = nil
        if reading {
            // The application already has this request: all that can be done is to hang up.
            context.close(promise: nil)
        } else if answering == 0 {
            refuse(context, .requestTimeout, "Yêu cầu đến quá chậm / The request came too slowly")
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            disarm()
            let limit = bodyLimit(head)
            let declared = head.headerFields[.contentLength].flatMap { Int($0) }
            if let declared, declared > limit {
                if answering == 0 {
                    refuse(
                        context, .contentTooLarge,
                        "Nội dung quá lớn (tối đa \(limit) byte) / The body is too large (at most \(limit) bytes)")
                } else {
                    context.close(promise: nil)
                }
                return
            }
            reading = true
            bodyBytes = 0
            maxBody = limit
            answering += 1
            let expected = Double(declared ?? limit)
            arm(context, after: limits.bodyTimeout + expected / Double(max(1, limits.minBodyRate)))
            context.fireChannelRead(data)
        case .body(let buffer):
            let before = bodyBytes
            bodyBytes += buffer.readableBytes
            // Past the limit the application gets the part that crosses it (its bounded read then answers 413 and
            // closes) and nothing after: the rest of the body is thrown away as it comes, never held.
            if before > maxBody { return }
            context.fireChannelRead(data)
        case .end:
            reading = false
            disarm()  // the application's own work has no limit here
            context.fireChannelRead(data)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let e = error as? HTTPParserError, e == .headerOverflow, answering == 0, !refused {
            refuse(context, .init(code: 431), "Phần đầu yêu cầu quá lớn / The request head is too large")
            return
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.headerFields[.connection]?.lowercased() == "close" { closeAfterAnswer = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            answering = max(0, answering - 1)
            if closeAfterAnswer {
                refused = true
                hangUp(context, after: data, promise: promise)
            } else {
                context.write(data, promise: promise)
                if answering == 0 && !reading { arm(context, after: limits.headerTimeout + limits.idleTimeout) }
            }
        }
    }

    /// Answers the client from here (the application never saw the request) and closes the connection.
    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponse.Status, _ text: String) {
        refused = true
        disarm()
        let body = ByteBuffer(string: "\(status.code) \(text)\n")
        let head = HTTPResponse(
            status: status,
            headerFields: [
                .contentType: "text/plain; charset=utf-8", .contentLength: String(body.readableBytes), .connection: "close",
            ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        hangUp(context, after: wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Writes the last part, then closes our side and, after a short grace in which whatever the client still sends
    /// is thrown away unread, the whole connection. Closing at once could reset the connection before the client has
    /// read the answer.
    private func hangUp(_ context: ChannelHandlerContext, after last: NIOAny, promise: EventLoopPromise<Void>?) {
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.cascade(to: promise)
        context.writeAndFlush(last, promise: written)
        let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in
            ctx.value.close(mode: .output, promise: nil)
            ctx.value.eventLoop.scheduleTask(in: .seconds(2)) { ctx.value.close(promise: nil) }
        }
    }
}

/// Runs the listeners' tasks on threads of their own, not on Swift's cooperative pool (one thread per core, which
/// libdispatch's concurrent queues share too): handlers may block (SQLite, OpenSSL), and a process that blocks the
/// cooperative threads elsewhere (a test, a synchronous client in the same process) must not stop a listener from
/// answering. A fixed number of threads, shared by every listener of the process, so blocking work is bounded.
final class ListenerExecutor: TaskExecutor {
    static let shared = ListenerExecutor(threads: max(8, 4 * ProcessInfo.processInfo.activeProcessorCount))

    private struct Queue {
        var jobs: [UnownedJob] = []
        var head = 0
    }
    private let queue = Mutex(Queue())
    private let waiting = DispatchSemaphore(value: 0)

    private init(threads: Int) {
        for i in 0..<threads {
            let t = Thread { [self] in work() }
            t.name = "hoso.listener.\(i)"
            t.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.jobs.append(job) }
        waiting.signal()
    }

    private func work() {
        let executor = asUnownedTaskExecutor()
        while true {
            waiting.wait()
            let job = queue.withLock { q -> UnownedJob in
                let j = q.jobs[q.head]
                q.head += 1
                if q.head > 1024 && q.head * 2 > q.jobs.count {
                    q.jobs.removeFirst(q.head)
                    q.head = 0
                }
                return j
            }
            job.runSynchronously(on: executor)
        }
    }
}
