import Foundation
import HTTPTypes
import HosoAccounts
import HosoCore
import HosoKit
import HosoPostgresAccounts
import HosoServer
import HosoTestSupport
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// Two application servers of the hub, each with its own router, on one PostgreSQL database of accounts
/// (`ServerConfig.accounts`): what a citizen or clerk sees when the load balancer sends requests to either.
@Suite struct HubServersTests {
    /// Cookies kept across requests, as a browser keeps them (whichever server answered).
    final class Jar: @unchecked Sendable {
        var cookies: [String: String] = [:]
        var header: String { cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }

        func send(
            _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, form: [(String, String)]? = nil
        ) async throws -> (HTTPResponse.Status, String) {
            var h: HTTPFields = [:]
            if !cookies.isEmpty { h[.cookie] = header }
            var body: ByteBuffer?
            if let form {
                h[.contentType] = "application/x-www-form-urlencoded"
                // ASCII letters and digits as they are, everything else percent-encoded (UTF-8).
                let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
                let text = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: plain)!)" }
                body = ByteBuffer(string: text.joined(separator: "&"))
            }
            let r = try await client.execute(uri: uri, method: method, headers: h, body: body)
            for v in r.headers[values: .setCookie] {
                let pair = v.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let value = pair.count > 1 ? String(pair[1]) : ""
                cookies[String(pair[0])] = value.isEmpty || v.contains("Max-Age=0") ? nil : value
            }
            return (r.status, String(buffer: r.body))
        }

        static func csrf(_ page: String) -> String {
            guard let r = page.range(of: #"name="_csrf" value=""#) else { return "" }
            return String(page[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    @Test func aSignInOnOneServerHoldsOnTheOtherAndTheirEntriesFormOneChain() async throws {
        let url = try PostgresCluster.shared().createDatabase()
        let now = wholeSecondsNow()
        let stores = try (0..<2).map { _ in try PostgresServerStore(url: url, clock: .fixed(now), cost: cheap) }
        defer { for s in stores { s.close() } }
        try stores[0].addUser(name: "vanthu", displayName: "Văn thư", role: .clerk, password: goodPassword)
        let dirs = (0..<2).map { _ in TempDirectory() }
        let routers = try (0..<2).map { i in
            // An empty archive each: this is about accounts, not records (and a PKI fixture costs seconds).
            _ = try Archive.create(at: dirs[i].path + "/a", clock: .fixed(now))
            var config = ServerConfig(archivePath: dirs[i].path + "/a", clock: .fixed(now), passwordCost: cheap)
            config.accounts = stores[i]
            return try HosoServer.router(config: config)
        }
        let jar = Jar()
        try await Application(router: routers[0]).test(.router) { a in
            let (_, page) = try await jar.send(a, .get, "/login")
            let (status, _) = try await jar.send(
                a, .post, "/login", form: [("user", "vanthu"), ("password", goodPassword), ("next", "/"), ("_csrf", Jar.csrf(page))])
            #expect(status == .seeOther)
        }
        let token = try #require(jar.cookies["hoso_session"])
        try await Application(router: routers[1]).test(.router) { b in
            let (status, page) = try await jar.send(b, .get, "/requests")
            #expect(status == .ok)  // not sent to the sign-in page
            // Signing out on this server ends the session on both (the other never cached it).
            let (out, _) = try await jar.send(b, .post, "/logout", form: [("_csrf", Jar.csrf(page))])
            #expect(out == .seeOther)
        }
        #expect(try stores[0].session(token: token) == nil)
        let log = try stores[1].auditLog()
        #expect(log.map(\.action).reversed() == ["login", "read", "logout"])
        #expect(try stores[0].checkAuditChain() == .init(entries: 3, intact: true, firstBroken: nil))
    }

    /// Wrong digits for a tracking code count on every server together: five guesses spread over two servers lock the
    /// code on both (each server counting its own allowed five on each).
    @Test func aTrackingCodesWrongTriesAreCountedOnceForAllServers() async throws {
        let hub = try TwoServers()
        defer { hub.close() }
        let routers = hub.routers
        let locked = "Đã nhập sai quá nhiều lần"
        let guess = [("code", "ACDE-FGHJ-KMNP"), ("digits", "1234")]
        for i in 0..<5 {
            try await Application(router: routers[i % 2]).test(.router) { s in
                let (status, page) = try await Jar().send(s, .post, "/online/status", form: guess)
                #expect(status == .badRequest && !page.contains(locked), "try \(i + 1)")
            }
        }
        for router in routers {
            try await Application(router: router).test(.router) { s in
                let (status, page) = try await Jar().send(s, .post, "/online/status", form: guess)
                #expect(status == .badRequest && page.contains(locked))
            }
        }
    }

    /// The citizens' online form behind a load balancer: the challenge one server put in the page is checked by the
    /// other (one key for the hub, in its database), and only once across both (the spent challenges there too).
    /// Before, each server had a key of its own and refused the other's challenges as forged.
    @Test func theOnlineFormsChallengeFromOneServerIsAcceptedOnceByTheOther() async throws {
        let hub = try TwoServers { $0.online.powBits = 4 }
        defer { hub.close() }
        let routers = hub.routers
        let refused = "Không kiểm tra được phép tính chống gửi tự động"
        let seen = Mutex("")
        try await Application(router: routers[0]).test(.router) { a in
            let (status, page) = try await Jar().send(a, .get, "/online")
            #expect(status == .ok)
            let r = try #require(page.range(of: #"name="pow-challenge" value=""#))
            seen.withLock { $0 = String(page[r.upperBound...].prefix { $0 != "\"" }) }
        }
        let challenge = seen.withLock { $0 }
        let form = [("kind", "copy"), ("pow-challenge", challenge), ("pow-nonce", ProofOfWork.solve(challenge, bits: 4))]
        try await Application(router: routers[1]).test(.router) { b in
            // Past the challenge: what is refused now is the form's empty fields, not the proof of work.
            let (_, page) = try await Jar().send(b, .post, "/online", form: form)
            #expect(!page.contains(refused), "\(page.prefix(400))")
        }
        try await Application(router: routers[0]).test(.router) { a in
            let (status, page) = try await Jar().send(a, .post, "/online", form: form)
            #expect(status == .badRequest && page.contains(refused))
        }
    }
}

/// Two application servers of one hub: each its own folder and router, both on one new database's accounts store.
final class TwoServers {
    let stores: [PostgresServerStore]
    let dirs = (0..<2).map { _ in TempDirectory() }
    let routers: [Router<HosoContext>]

    init(_ configure: (inout ServerConfig) -> Void = { _ in }) throws {
        let url = try PostgresCluster.shared().createDatabase()
        let now = wholeSecondsNow()
        let stores = try (0..<2).map { _ in try PostgresServerStore(url: url, clock: .fixed(now), cost: cheap) }
        self.stores = stores
        routers = try (0..<2).map { [dirs] i in
            _ = try Archive.create(at: dirs[i].path + "/a", clock: .fixed(now))
            var config = ServerConfig(archivePath: dirs[i].path + "/a", clock: .fixed(now), passwordCost: cheap)
            config.accounts = stores[i]
            configure(&config)
            return try HosoServer.router(config: config)
        }
    }

    func close() { for s in stores { s.close() } }
}
