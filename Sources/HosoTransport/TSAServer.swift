import Dispatch
import Foundation
import HosoCore
import HosoSigning
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An RFC 3161 time-stamping service over HTTP (RFC 3161 §3.4): `POST /` or `POST /tsa` with
/// `Content-Type: application/timestamp-query`, answered with `application/timestamp-reply`.
/// Bound to 127.0.0.1 unless told otherwise.
public final class TSAServer: Sendable {
    public let authority: TimeStampAuthority
    private let http: SmallHTTPServer

    public init(authority: TimeStampAuthority, host: String = "127.0.0.1", port: UInt16 = 0) {
        self.authority = authority
        http = SmallHTTPServer(host: host, port: port) { [authority] request in
            Self.handle(request, authority: authority)
        }
    }

    /// Starts listening and serving; returns the port (useful when `port` was 0).
    @discardableResult
    public func start() throws -> UInt16 { try http.start() }

    /// Stops accepting, lets requests in flight finish (a few seconds at most) and closes the socket.
    public func stop() { http.stop() }

    /// `http://host:port/` once started.
    public var url: String? { http.url }

    static func handle(_ request: SmallHTTPServer.Request, authority: TimeStampAuthority) -> SmallHTTPServer.Response {
        guard request.path == "/" || request.path == "/tsa" else { return .error(404) }
        guard request.method == "POST" else { return .error(405, headers: [("Allow", "POST")]) }
        guard request.contentType == "application/timestamp-query" else { return .error(415) }
        // Even a malformed body gets a TimeStampResp (status rejection): that is the protocol's own error channel.
        return SmallHTTPServer.Response(
            status: 200, contentType: "application/timestamp-reply",
            body: authority.respond(to: request.body))
    }
}

/// A deliberately small HTTP/1.1 server on POSIX sockets for hoso's own little endpoints (the TSA today):
/// one request per connection (`Connection: close`), `Content-Length` required for bodies, bounded head and body,
/// I/O timeouts per read and per request, connections served concurrently on a dispatch queue (at most `maxConnections`).
/// It never trusts the peer: garbage gets a 4xx and the server keeps serving.
public final class SmallHTTPServer: Sendable {
    public struct Request: Sendable {
        public var method: String
        /// The path without the query string.
        public var path: String
        /// Header names in lowercase.
        public var headers: [String: String]
        public var body: [UInt8]

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

        public init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
            self.status = status
            self.headers = [("Content-Type", contentType)] + headers
            self.body = body
        }

        public static func error(_ status: Int, headers: [(String, String)] = []) -> Response {
            Response(
                status: status, contentType: "text/plain; charset=utf-8",
                body: Array("\(status) \(SmallHTTPServer.reason(status))\n".utf8), headers: headers)
        }
    }

    public struct Limits: Sendable {
        public var maxHeadBytes = 8 * 1024
        public var maxBodyBytes = 64 * 1024
        public var ioTimeout: TimeInterval = 10
        public var maxConnections = 32
        public init() {}
    }

    public typealias Handler = @Sendable (Request) -> Response

    public let host: String
    public let limits: Limits
    private let requestedPort: UInt16
    private let handler: Handler

    private struct State {
        var listener: Int32 = -1
        var boundPort: UInt16 = 0
    }
    private let state = Mutex(State())

    private let acceptLoopDone = DispatchSemaphore(value: 0)
    private let connections = DispatchGroup()
    private let slots: DispatchSemaphore
    private let queue = DispatchQueue(label: "hoso.http.connections", attributes: .concurrent)

    public init(host: String = "127.0.0.1", port: UInt16 = 0, limits: Limits = Limits(), handler: @escaping Handler) {
        self.host = host
        self.requestedPort = port
        self.limits = limits
        self.handler = handler
        slots = DispatchSemaphore(value: max(1, limits.maxConnections))
    }

    deinit { stop() }

    public var url: String? {
        state.withLock { s in
            guard s.listener >= 0 else { return nil }
            return host.contains(":") ? "http://[\(host)]:\(s.boundPort)/" : "http://\(host):\(s.boundPort)/"
        }
    }

    /// Binds, listens and starts the accept loop on its own thread; returns the bound port.
    public func start() throws -> UInt16 {
        try state.withLock { s in
            guard s.listener < 0 else { return s.boundPort }
            let (fd, port) = try Self.openListener(host: host, port: requestedPort)
            s.listener = fd
            s.boundPort = port
            let thread = Thread { [self] in acceptLoop(fd) }
            thread.name = "hoso.http.accept"
            thread.start()
            return port
        }
    }

    public func stop() {
        let wasRunning: Bool = state.withLock { s in
            guard s.listener >= 0 else { return false }
            // Wakes the blocked accept(); the loop then sees `listener == -1`, closes the socket and signals.
            // Both under the lock, so the loop cannot close the socket before it is shut down.
            shutdown(s.listener, Int32(SHUT_RDWR))
            s.listener = -1
            return true
        }
        guard wasRunning else { return }
        acceptLoopDone.wait()
        _ = connections.wait(timeout: .now() + limits.ioTimeout)
    }

    private var isRunning: Bool { state.withLock { $0.listener >= 0 } }

    private func acceptLoop(_ fd: Int32) {
        defer {
            state.withLock { _ in _ = close(fd) }
            acceptLoopDone.signal()
        }
        while true {
            slots.wait()
            let client = accept(fd, nil, nil)
            if client < 0 {
                let err = errno
                slots.signal()
                if !isRunning { return }
                if err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM { usleep(50_000) }
                continue
            }
            if !isRunning {
                close(client)
                slots.signal()
                return
            }
            connections.enter()
            queue.async { [self] in
                serve(client)
                close(client)
                connections.leave()
                slots.signal()
            }
        }
    }

    // MARK: One connection

    private func serve(_ fd: Int32) {
        setTimeout(fd, SO_RCVTIMEO)
        setTimeout(fd, SO_SNDTIMEO)
        let response: Response
        switch readRequest(fd) {
        case .request(let r): response = handler(r)
        case .reject(let status): response = .error(status)
        case .gone: return
        }
        write(fd, response)
        // Half-close, then drain what the peer still sends (e.g. a refused oversized body) so that closing does not
        // reset the connection before the peer has read the answer.
        shutdown(fd, Int32(SHUT_WR))
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        var drained = 0
        while drained < 4 * limits.maxBodyBytes {
            let n = recv(fd, &scratch, scratch.count, 0)
            if n <= 0 { break }
            drained += n
        }
    }

    private enum Parsed {
        case request(Request)
        case reject(Int)
        case gone
    }

    private func readRequest(_ fd: Int32) -> Parsed {
        // SO_RCVTIMEO bounds each read; this bounds the whole request, so a peer that trickles bytes cannot keep
        // a connection slot forever.
        let deadline = Date().addingTimeInterval(3 * limits.ioTimeout)
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return buffer.isEmpty ? .gone : .reject(400) }
            if Date() > deadline { return .reject(408) }
            let searchFrom = max(0, buffer.count - 3)
            buffer += chunk[0..<n]
            headEnd = Self.find(terminator, in: buffer, from: searchFrom)
            if headEnd == nil && buffer.count > limits.maxHeadBytes { return .reject(431) }
        }
        guard let headEnd, headEnd <= limits.maxHeadBytes else { return .reject(431) }
        guard let head = String(bytes: buffer[0..<headEnd], encoding: .utf8) else { return .reject(400) }

        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, requestLine[2] == "HTTP/1.1" || requestLine[2] == "HTTP/1.0",
            !requestLine[0].isEmpty, requestLine[0].allSatisfy({ $0.isASCII && $0.isUppercase })
        else { return .reject(400) }
        let method = String(requestLine[0])
        guard let path = Self.path(of: String(requestLine[1])) else { return .reject(400) }

        var headers = [String: String]()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { return .reject(400) }
            let name = line[..<colon].lowercased()
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) })
            else { return .reject(400) }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if let old = headers[name] {
                if name == "content-length" && old != value { return .reject(400) }
                headers[name] = old + ", " + value
            } else {
                headers[name] = value
            }
        }

        var length = 0
        if headers["transfer-encoding"] != nil {
            return .reject(headers["content-length"] == nil ? 411 : 400)
        }
        if let cl = headers["content-length"] {
            let value = cl.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard !value.isEmpty, value.count <= 12, value.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(value)
            else { return .reject(400) }
            guard n <= limits.maxBodyBytes else { return .reject(413) }
            length = n
        } else if method == "POST" || method == "PUT" {
            return .reject(411)
        }

        var body = Array(buffer[(headEnd + 4)...])
        if body.count > length { return .reject(400) }  // a second request or junk: one request per connection
        if body.count < length, headers["expect"]?.lowercased() == "100-continue" {
            sendAll(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        while body.count < length {
            let n = recv(fd, &chunk, min(chunk.count, length - body.count), 0)
            if n <= 0 { return .reject(400) }
            if Date() > deadline { return .reject(408) }
            body += chunk[0..<n]
        }
        return .request(Request(method: method, path: path, headers: headers, body: body))
    }

    /// The path of an origin-form ("/tsa?x") or absolute-form ("http://host/tsa") target.
    static func path(of target: String) -> String? {
        var t = Substring(target)
        if t.lowercased().hasPrefix("http://") || t.lowercased().hasPrefix("https://") {
            t = t.drop { $0 != "/" }.dropFirst(2)  // past "//"
            t = t.drop { $0 != "/" }
            if t.isEmpty { t = "/" }
        }
        guard t.hasPrefix("/"), t.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return nil }
        return String(t.prefix { $0 != "?" && $0 != "#" })
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from start: Int) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = start
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    private func write(_ fd: Int32, _ r: Response) {
        var head = "HTTP/1.1 \(r.status) \(Self.reason(r.status))\r\n"
        for (name, value) in r.headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(r.body.count)\r\nConnection: close\r\n\r\n"
        sendAll(fd, Array(head.utf8) + r.body)
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            sent += n
        }
    }

    private func setTimeout(_ fd: Int32, _ option: Int32) {
        let secs = max(limits.ioTimeout, 0.001)
        var tv = timeval(tv_sec: Int(secs), tv_usec: Int((secs - secs.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        default: "Status"
        }
    }

    // MARK: Socket setup

    private static func openListener(host: String, port: UInt16) throws -> (Int32, UInt16) {
        func failure(_ vi: String, _ en: String, _ code: Int32) -> HosoError {
            HosoError(.ioError, .both(vi, en), location: "\(host):\(port)", cause: errnoDescription(code))
        }
        let name = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let family: Int32
        if inet_pton(AF_INET, name, &v4.sin_addr) == 1 {
            family = AF_INET
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
        } else if inet_pton(AF_INET6, name, &v6.sin6_addr) == 1 {
            family = AF_INET6
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
        } else {
            throw HosoError(
                .ioError, .both("Địa chỉ nghe phải là địa chỉ IP", "The listen address must be an IP address"),
                location: host)
        }
        #if canImport(Glibc)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw failure("Không tạo được socket", "Could not create a socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound =
            family == AF_INET
            ? withUnsafePointer(to: &v4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            : withUnsafePointer(to: &v6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        guard bound == 0 else {
            let e = errno
            close(fd)
            throw failure("Không mở được cổng (đang bận hoặc không có quyền)", "Could not bind the port (in use or not permitted)", e)
        }
        guard listen(fd, 64) == 0 else {
            let e = errno
            close(fd)
            throw failure("Không lắng nghe được trên cổng", "Could not listen on the port", e)
        }
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let actual: UInt16 = withUnsafePointer(to: &storage) { p in
            family == AF_INET
                ? p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
                : p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
        }
        return (fd, actual)
    }
}
