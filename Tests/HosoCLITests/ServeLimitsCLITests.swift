import Foundation
import HosoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The listener and public limits are options of the servers, explained in --help and in effect when given.
@Suite struct ServeLimitsCLITests {
    @Test(arguments: [["serve"], ["sync", "serve"], ["tsa", "serve"]])
    func listenerLimitsAreOptionsOfEveryServer(command: [String]) throws {
        try withSandbox { box in
            let help = try box.hoso(command + ["--help"], env: ["HOSO_LANG": "en"])
            let text = String(decoding: help.stdout, as: UTF8.self)
            for flag in ["--header-timeout", "--idle-timeout", "--max-connections-per-address", "--max-connections"] {
                #expect(text.contains(flag), "\(command) --help names \(flag)")
            }
            #expect(text.contains("(default 10)"), "the header timeout's default is told")
            if command != ["tsa", "serve"] {
                #expect(text.contains("--max-sync-body-mib"), "\(command) --help names --max-sync-body-mib")
            }
            if command == ["serve"] {
                for flag in [
                    "--public-checks", "--public-queue", "--public-rate", "--public-burst", "--session-idle-timeout", "--check-memory",
                    "--max-upload-mib", "--max-verify-upload-mib",
                ] {
                    #expect(text.contains(flag), "serve --help names \(flag)")
                }
            }
        }
    }

    /// `--max-connections-per-address 1`: a second connection from the same address is closed at once, unanswered
    /// (the default, 32, would keep it until the header timeout and then answer 408). `--public-burst 1`: the second
    /// public page in a row is 429.
    @Test func serveFlagsTakeEffect() throws {
        try withSandbox { box in
            try box.initArchive()
            let started = try ServerProcess(
                hosoBinary,
                [
                    "serve", "--archive", box.path(Sandbox.archive), "--port", "0", "--max-connections-per-address", "1",
                    "--public-burst", "1", "--public-rate", "1", "--max-verify-upload-mib", "1", "--max-sync-body-mib", "1",
                ], in: box.root, environment: cleanEnvironment)
            defer {
                kill(started.process.processIdentifier, SIGTERM)
                started.process.waitUntilExit()
            }
            let port = try #require(started.url.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) })
            // One connection, answered and kept alive: it is counted before the second one comes.
            let held = try connectLoopback(port)
            _ = "GET /login HTTP/1.1\r\nHost: x\r\n\r\n".withCString { send(held, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            var byte: UInt8 = 0
            #expect(recv(held, &byte, 1, 0) == 1, "the first connection is answered")
            let second = try connectLoopback(port)
            #expect(try readAll(second).isEmpty, "the second connection is closed without an answer")
            close(second)
            close(held)
            // A closed connection leaves the count once the server has seen it go: until then a new one is closed
            // unanswered, so each request is sent again until it is answered.
            func answered(_ request: String) throws -> String {
                var reply = ""
                repeat { reply = try exchange(port, request) } while reply.isEmpty
                return reply
            }
            let first = try answered("GET /verify HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(first.hasPrefix("HTTP/1.1 200"), "\(first.prefix(80))")
            let again = try answered("GET /verify HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(again.hasPrefix("HTTP/1.1 429"), "\(again.prefix(80))")
            #expect(again.lowercased().contains("retry-after:"))
            // Bodies over the limits given are refused from their declared length, before a byte of them is read:
            // 2 MiB to the public page (25 MiB by default) and to the sync endpoint (80 MiB by default, where an
            // unknown node would otherwise be told 401).
            for path in ["/verify", "/sync/objects"] {
                let over = try answered(
                    "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: \(2 << 20)\r\n\r\n")
                #expect(over.hasPrefix("HTTP/1.1 413"), "\(path): \(over.prefix(80))")
            }
        }
    }

    /// `sync serve --max-sync-body-mib 1`: a 2 MiB batch is refused (413) before it is read, where the default (80
    /// MiB) lets the node's signature be checked first (401 for a stranger). Sizes out of range are refused at start.
    @Test func syncServeTakesItsBodyLimit() throws {
        try withSandbox { box in
            let env = ["PW": "pw"]
            try #require(try box.hoso(["pki", "demo", "pki", "--password-env", "PW"], env: env).status == 0)
            try box.initArchive()
            try #require(try box.hoso(["node", "init", "--name", "truong-a", "--role", "school", "--pki", "pki"], env: env).status == 0)
            let declared = "POST /sync/have HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: \(2 << 20)\r\n\r\n"
            for (flags, status) in [([String](), "401"), (["--max-sync-body-mib", "1"], "413")] {
                let started = try ServerProcess(
                    hosoBinary, ["sync", "serve", "--archive", box.path(Sandbox.archive), "--port", "0"] + flags, in: box.root,
                    environment: cleanEnvironment)
                defer {
                    kill(started.process.processIdentifier, SIGTERM)
                    started.process.waitUntilExit()
                }
                let port = try #require(started.url.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) })
                let reply = try exchange(port, declared)
                #expect(reply.hasPrefix("HTTP/1.1 \(status)"), "\(flags): \(reply.prefix(80))")
            }
            for bad in ["0", "1025"] {
                let r = try box.hoso(["sync", "serve", "--archive", box.path(Sandbox.archive), "--port", "0", "--max-sync-body-mib", bad])
                #expect(r.status != 0)
                #expect(String(decoding: r.stderr, as: UTF8.self).contains("--max-sync-body-mib"))
            }
        }
    }
}

/// A TCP connection to 127.0.0.1:port; reads give up after 300 s, a hang guard only.
func connectLoopback(_ port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var guardTime = timeval(tv_sec: 300, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guardTime, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else {
        close(fd)
        throw POSIXError(.ECONNREFUSED)
    }
    return fd
}

/// Everything the server sends until it closes the connection.
func readAll(_ fd: Int32) throws -> String {
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n < 0 && errno == EINTR { continue }
        if n < 0 && errno == ECONNRESET { break }
        guard n >= 0 else { throw POSIXError(.ETIMEDOUT) }
        if n == 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

/// One request on a new connection and the whole answer.
func exchange(_ port: Int, _ request: String) throws -> String {
    let fd = try connectLoopback(port)
    defer { close(fd) }
    _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    return try readAll(fd)
}
