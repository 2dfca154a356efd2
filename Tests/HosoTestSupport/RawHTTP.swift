import Foundation
import HosoCore

#if canImport(Glibc)
import Glibc
#endif

/// A client socket on loopback that sends exactly the bytes a test gives, as slowly as it likes: to play the
/// clients a server must survive (slow, half-sent, oversized).
public final class RawConnection {
    public let fd: Int32

    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Connects to 127.0.0.1:`port` from the loopback address `from` (any of 127.0.0.0/8 on Linux), so that a test
    /// can play clients at different addresses.
    public init(port: UInt16, from source: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(description: "socket: \(errnoDescription(errno))") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        let b = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard b == 0 else {
            close(fd)
            throw Failed(description: "bind \(source): \(errnoDescription(errno))")
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw Failed(description: "connect: \(errnoDescription(errno))")
        }
    }

    deinit { close(fd) }

    /// Sends what it can; false once the server has closed the connection.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// True when the server has closed the connection (or reset it) within `within` seconds; what it sent before
    /// is read and thrown away.
    public func closedByServer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buf = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            if poll(&p, 1, min(left, 200)) > 0 {
                let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
                if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return true }
            }
        }
        return false
    }

    /// Says the request is over: shuts the sending side, so the server reads the end of the stream.
    public func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads one answer: until its head and `Content-Length` bytes of body arrived, or the server closed, or
    /// `within` seconds passed (nil: no deadline). Returns the status (0 for none), the head's lines and the body.
    public func readAnswer(within seconds: Double? = 60) -> (status: Int, head: String, body: [UInt8]) {
        let deadline = seconds.map { Date().addingTimeInterval($0) }
        var reply = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 16 * 1024)
        func parsed() -> (Int, String, [UInt8])? {
            guard let end = (0..<max(0, reply.count - 3)).first(where: { reply[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) })
            else { return nil }
            let head = String(decoding: reply[..<end], as: UTF8.self)
            let status = head.hasPrefix("HTTP/1.1 ") ? Int(head.dropFirst(9).prefix(3)) ?? 0 : 0
            let length =
                head.lowercased().split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            guard reply.count >= end + 4 + length else { return nil }
            return (status, head, Array(reply[(end + 4)..<(end + 4 + length)]))
        }
        while deadline.map({ Date() < $0 }) ?? true {
            if let p = parsed() { return p }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, deadline == nil ? -1 : 200) <= 0 { continue }
            let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
            if n > 0 {
                reply += buf[0..<n]
            } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                break
            }
        }
        if let p = parsed() { return p }
        let text = String(decoding: reply, as: UTF8.self)
        return (text.hasPrefix("HTTP/1.1 ") ? Int(text.dropFirst(9).prefix(3)) ?? 0 : 0, text, [])
    }

    /// One request on a connection of its own, for a server that must answer whatever it is sent: sends `bytes` as
    /// they are (then ends the stream when `halfClose`) and reads the answer until it is complete or the server
    /// closes. No deadline: a busy machine may answer slowly.
    public static func exchange(
        port: UInt16, _ bytes: [UInt8], halfClose: Bool = false
    ) throws -> (
        status: Int, head: String, body: [UInt8]
    ) {
        let c = try RawConnection(port: port)
        c.send(bytes)  // the server may refuse early and stop reading: its answer is still read
        if halfClose { c.finishSending() }
        return c.readAnswer(within: nil)
    }
}
