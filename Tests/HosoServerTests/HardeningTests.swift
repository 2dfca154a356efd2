import Foundation
import HTTPTypes
import HosoAccounts
import HosoKit
import HosoTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoServer

/// Sign-in and address handling against hostile input: redirects, control characters, passwords, the throttle.
@Suite struct HardeningTests {
    // Browsers drop tabs and read backslashes as slashes: `/\t/evil` would be `//evil`, another site.
    @Test func nextAcceptsOnlyLocalPaths() async throws {
        for bad in [
            "/\t/evil.example", "/\\evil.example", "/\\/evil.example", "//evil.example", "/\n/evil", "/a\u{0}b", "https://evil.example",
            "/ /x",
        ] {
            #expect(Pages.safeNext(bad) == nil, "\(bad.debugDescription)")
        }
        #expect(Pages.safeNext("/requests?id=PGD%2F1") == "/requests?id=PGD%2F1")
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.get("/login")
            let r = try await b.post("/login", [("user", "clerk"), ("password", Fixture.password), ("next", "/\t/evil.example")])
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/")
        }
    }

    // A NUL or other control character in the path or query: 400, and the answer names no file or folder.
    @Test func controlCharactersAreA400ThatRevealsNoPath() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            for uri in ["/record?id=a%00b", "/static/x%00.css", "/verify?n=1%0A2", "/api/requests?q=%1B", "/login?next=%7F"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .badRequest, "\(uri)")
                let body = String(buffer: r.body)
                #expect(!body.contains(fx.dir.path) && !body.contains("/tmp"), "\(uri)")
            }
            #expect(try await client.execute(uri: "/login?next=%2Frequests", method: .get).status == .ok)
        }
    }

    @Test func passwordPolicy() throws {
        let dir = TempDirectory()
        let store = try ServerStore(path: dir.path + "/s.sqlite", cost: Fixture.cost)
        for (name, pw) in [
            ("thuky", "short"), ("thuky", "thuky-2024-abc"), ("thuky", "ThuKy123456"), ("thuky", "password123"), ("thuky", "1234567890"),
            ("thuky", "aaaaaaaaaaaa"), ("thuky", "abcdefghijkl"), ("thuky", "matkhau123"),
        ] {
            #expect(throws: HosoError.self, "\(pw)") { try store.addUser(name: name, displayName: "T", role: .clerk, password: pw) }
        }
        let u = try store.addUser(name: "thuky", displayName: "T", role: .clerk, password: "song-hong-chay-qua")
        #expect(throws: HosoError.self) { try store.setPassword(name: u.name, password: "Password123") }
    }

    // Five failures lock the account, and the lock holds across a restart of the server (a new process would open
    // the same database).
    @Test func theThrottleSurvivesARestart() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            for _ in 0..<5 {
                let r = try await b.login("teacher", password: "khong-dung-dau")
                #expect(r.status == .unauthorized)
            }
        }
        try await fx.app().test(.router) { client in
            let r = try await Browser(client).login("teacher")
            #expect(r.status == .tooManyRequests)
            #expect(Int(r.headers[.retryAfter] ?? "") ?? 0 > 0)
            // Another account from the same address is not locked out by it.
            #expect(try await Browser(client).login("clerk").status == .seeOther)
        }
    }

    // Behind a declared proxy each client counts by its own address, so one person's failures lock out neither the
    // office nor the proxy; an undeclared peer's X-Forwarded-For is ignored.
    @Test func trustedProxiesNameTheClient() async throws {
        #expect(clientAddress(peer: "10.0.0.1", forwardedFor: "1.2.3.4, 192.168.1.7", trusted: ["10.0.0.1"]) == "192.168.1.7")
        #expect(clientAddress(peer: "10.0.0.1", forwardedFor: "192.168.1.7, 10.0.0.2", trusted: ["10.0.0.1", "10.0.0.2"]) == "192.168.1.7")
        #expect(clientAddress(peer: "10.9.9.9", forwardedFor: "192.168.1.7", trusted: ["10.0.0.1"]) == "10.9.9.9")
        #expect(clientAddress(peer: "10.0.0.1", forwardedFor: nil, trusted: ["10.0.0.1"]) == "10.0.0.1")

        let fx = try Fixture()
        var c = fx.config
        c.loginAddressLimit = 3
        c.trustedProxies = ["local"]  // the in-process test client's peer
        let proxied = Fixture(dir: fx.dir, config: c, requestId: fx.requestId, office: fx.office)
        try await proxied.app().test(.router) { client in
            func attempt(_ user: String, _ pw: String, from ip: String) async throws -> HTTPResponse.Status {
                let b = Browser(client)
                try await b.request(.get, "/login", headers: [.xForwardedFor: ip])
                var fields = [("user", user), ("password", pw), ("next", "/")]
                if let t = b.csrfToken { fields.append(("_csrf", t)) }
                return try await b.request(
                    .post, "/login", headers: [.contentType: "application/x-www-form-urlencoded", .xForwardedFor: ip],
                    body: Array(urlencode(fields).utf8)
                ).status
            }
            for user in ["admin", "registrar", "principal"] {
                let s = try await attempt(user, "khong-dung-dau", from: "192.168.1.50")
                #expect(s == .unauthorized)
            }
            let throttled = try await attempt("clerk", Fixture.password, from: "192.168.1.50")
            #expect(throttled == .tooManyRequests)
            let other = try await attempt("clerk", Fixture.password, from: "192.168.1.51")
            #expect(other == .seeOther)
        }
    }
}
