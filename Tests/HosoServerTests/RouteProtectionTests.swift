import Foundation
import HTTPTypes
import HosoAccounts
import HosoCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoServer

/// Every route the router has, tried for real: one registered outside its role group answers a visitor or the wrong
/// role, and a state-changing one outside a CSRF group accepts a request without the token.
@Suite struct RouteProtectionTests {
    /// The table in the code (`AccessTable`): a new route without a rule stops the router from being built.
    static let roles = AccessTable.roles
    static let open = AccessTable.open
    static let tokenFree = AccessTable.tokenFree

    static func probe(_ path: String, requestId: String) -> String {
        path.replacingOccurrences(of: "{id}", with: requestId).replacingOccurrences(of: "{n}", with: "0")
            .replacingOccurrences(of: "{name}", with: "clerk").replacingOccurrences(of: "**", with: "x")
    }

    @Test func everyRouteHasItsRoleAndEveryChangeItsCSRFCheck() async throws {
        let fx = try Fixture()
        let registered = try HosoServer.routes(config: fx.config).routes.map(\.description)
        #expect(Set(registered).count == registered.count, "no route twice")
        for r in registered { #expect(Self.roles[r] != nil || Self.open.contains(r), "\(r): add it to the table with its roles") }
        for r in Self.roles.keys { #expect(registered.contains(r), "\(r) is in the table but not a route") }
        try await fx.app().test(.router) { client in
            let visitor = Browser(client)
            for (r, _) in Self.roles {
                let (method, path) = Self.split(r)
                let res = try await visitor.request(method, Self.probe(path, requestId: fx.requestId))
                #expect(res.status == .unauthorized, "\(r) without a session")
            }
            for role in Role.allCases {
                let b = Browser(client)
                #expect(try await b.login(role.rawValue).status == .seeOther)
                try await b.get("/")
                let token = try #require(b.csrfToken)
                for (r, allowed) in Self.roles {
                    let (method, path) = Self.split(r)
                    if !allowed.contains(role) {
                        let res = try await b.request(method, Self.probe(path, requestId: fx.requestId), headers: [.xCSRF: token])
                        #expect(res.status == .forbidden && b.lastBody.contains("FORBIDDEN"), "\(r) as \(role): \(res.status)")
                    } else if method != .get {
                        try await expectCSRFRefusal(b, r, requestId: fx.requestId)
                    }
                }
                try await expectCSRFRefusal(b, "POST /logout", requestId: fx.requestId)
            }
            // Sign-in needs the login page's cookie repeated in the form.
            let res = try await Browser(client).post(
                "/login", [("user", "clerk"), ("password", Fixture.password), ("_csrf", "x")], csrf: false)
            #expect(res.status == .forbidden)
            for r in Self.open where Self.split(r).0 != .get && !Self.tokenFree.contains(r) && r != "POST /login" && r != "POST /logout" {
                Issue.record("\(r): an open route that changes state needs a check here")
            }
        }
    }

    /// A state-changing request without the token, as a form and as JSON: refused before its handler runs.
    func expectCSRFRefusal(_ b: Browser, _ r: String, requestId: String) async throws {
        let (method, path) = Self.split(r)
        let uri = Self.probe(path, requestId: requestId)
        let form = try await b.request(method, uri, headers: [.contentType: "application/x-www-form-urlencoded"], body: Array("a=1".utf8))
        #expect(form.status == .forbidden && b.lastBody.contains("CSRF_FAILED"), "\(r) without a token: \(form.status)")
        let json = try await b.request(method, uri, headers: [.contentType: "application/json"], body: Array("{}".utf8))
        #expect(json.status == .forbidden && b.lastBody.contains("CSRF_FAILED"), "\(r) as JSON without a token: \(json.status)")
    }

    static func split(_ route: String) -> (HTTPRequest.Method, String) {
        let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
        return (HTTPRequest.Method(parts[0])!, parts[1])
    }
}
