import Foundation
import HosoCore
import HosoTestSupport
import Testing

@testable import HosoTransport

/// The limits every listener has (`ConnectionGuard`), on a small `HTTPService` over real loopback sockets.
@Suite struct ListenerTests {
    static func echo(limits: ListenerLimits, maxBody: Int = 1024) throws -> (HTTPService, UInt16) {
        let route = HTTPService.Route(maxBody: maxBody) { r in
            HTTPService.Response(status: 200, contentType: "text/plain", body: Array("\(r.method) \(r.path) \(r.body.count)".utf8))
        }
        let service = HTTPService(limits: limits) { path in path == "/echo" ? route : nil }
        return (service, try service.start())
    }

    // Slow clients (a byte now and then, never a whole head) take no thread and, past the cap per address, no
    // connection: a normal client at another address is answered while they hang on.
    @Test func slowClientsDoNotStopANormalClient() throws {
        var limits = ListenerLimits()
        limits.headerTimeout = 600  // long enough that only the cap per address can close them during the test
        limits.maxConnectionsPerAddress = 8
        let (service, port) = try Self.echo(limits: limits)
        defer { service.stop() }
        var slow = [RawConnection]()
        for _ in 0..<40 {
            let c = try RawConnection(port: port, from: "127.0.0.2")
            c.send("P")
            slow.append(c)
        }
        for byte in "OST /echo HTTP/1.1\r\nHost".utf8 {
            for c in slow { c.send([byte]) }
        }
        let normal = try RawConnection(port: port)
        #expect(normal.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"))
        let answer = normal.readAnswer()
        #expect(answer.status == 200)
        #expect(answer.body == Array("GET /echo 0".utf8))
        // Of the 40, those past the cap were closed; the 8 within it are still open (their head has time left).
        let closed = slow.filter { $0.closedByServer(within: 0.5) }.count
        #expect(closed == 32)
    }

    // A request that stops half-way through its head is answered 408 and closed once the head's time is up.
    @Test func halfSentRequestsAreClosed() throws {
        var limits = ListenerLimits()
        limits.headerTimeout = 0.5
        let (service, port) = try Self.echo(limits: limits)
        defer { service.stop() }
        let half = try RawConnection(port: port)
        half.send("POST /echo HTTP/1.1\r\nContent-Le")
        let answer = half.readAnswer(within: 60)
        #expect(answer.status == 408)
        #expect(half.closedByServer(within: 60))
        // A silent connection too.
        let silent = try RawConnection(port: port)
        #expect(silent.closedByServer(within: 60))
        // A body that stops half-way: the connection is closed when the body's time is up.
        limits.bodyTimeout = 0.5
        limits.minBodyRate = 1 << 30
        let (slowBody, port2) = try Self.echo(limits: limits)
        defer { slowBody.stop() }
        let partial = try RawConnection(port: port2)
        partial.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        #expect(partial.closedByServer(within: 60))
        // And the service goes on answering.
        let ok = try RawConnection(port: port2)
        ok.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        #expect(ok.readAnswer().body == Array("POST /echo 3".utf8))
    }

    // A declared body over the route's limit is refused before any of it is sent; a streamed one once it passes.
    @Test func oversizedBodiesAreRefusedUnread() throws {
        let (service, port) = try Self.echo(limits: ListenerLimits(), maxBody: 1000)
        defer { service.stop() }
        let big = try RawConnection(port: port)
        big.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 80000000\r\n\r\n")  // and not one byte of it
        let refused = big.readAnswer()
        #expect(refused.status == 413)
        #expect(big.closedByServer(within: 60))
        let streamed = try RawConnection(port: port)
        streamed.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in 0..<3 { streamed.send("1f4\r\n" + String(repeating: "x", count: 500) + "\r\n") }
        #expect(streamed.readAnswer().status == 413)
        let fine = try RawConnection(port: port)
        fine.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "y", count: 1000))
        #expect(fine.readAnswer().body == Array("POST /echo 1000".utf8))
    }

    // TLS built in: a certificate made with openssl, a real TLS client (curl) on loopback; plain HTTP gets nowhere;
    // unreadable files stop the start with a clear error.
    @Test func tlsOnLoopbackWithAGeneratedCertificate() throws {
        let dir = TempDirectory()
        let made = try runProgram(
            TSATest.openssl,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem",
            ], in: dir.path)
        try #require(made.status == 0, "\(made.err)")
        let route = HTTPService.Route(maxBody: 1024) { r in
            HTTPService.Response(status: 200, contentType: "text/plain", body: Array(r.path.utf8))
        }
        let service = HTTPService(tls: TLSFiles(certificate: dir.path + "/cert.pem", key: dir.path + "/key.pem")) { _ in route }
        let port = try service.start()
        defer { service.stop() }
        #expect(service.url == "https://127.0.0.1:\(port)/")
        let ok = try runProgram(
            TSATest.curl, ["-sS", "--fail", "--max-time", "60", "--cacert", "cert.pem", "https://127.0.0.1:\(port)/hello"], in: dir.path)
        #expect(ok.status == 0, "\(ok.err)")
        #expect(ok.out == "/hello")
        let plain = try runProgram(TSATest.curl, ["-sS", "--max-time", "60", "http://127.0.0.1:\(port)/hello"], in: dir.path)
        #expect(plain.status != 0)
        let bad = HTTPService(tls: TLSFiles(certificate: dir.path + "/nothing.pem", key: dir.path + "/key.pem")) { _ in route }
        let e = #expect(throws: HosoError.self) { try bad.start() }
        #expect(e?.code == .tlsFilesInvalid)
    }

    @Test func connectionsPerAddressAreCounted() {
        let c = AddressCounter()
        #expect(c.enter("a", limit: 2) && c.enter("a", limit: 2))
        #expect(!c.enter("a", limit: 2))
        #expect(c.enter("b", limit: 2))
        c.leave("a")
        #expect(c.count("a") == 1)
        #expect(c.enter("a", limit: 2))
    }
}
