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
    static let clerks: Set<Role> = [.clerk, .officeHead]
    static let ledgerReaders: Set<Role> = [.registrar, .clerk, .officeHead]
    static let recordReaders: Set<Role> = [.registrar, .principal, .officeHead, .admin]

    /// The roles each route is for, by method and path as registered. A new route must be added here.
    static let roles: [String: Set<Role>] = [
        "GET /requests": clerks, "POST /requests": clerks, "GET /requests/{id}": clerks, "POST /requests/{id}/issue": clerks,
        "POST /requests/{id}/refuse": clerks, "GET /requests/{id}/copies/{n}": clerks,
        "GET /api/requests": clerks, "POST /api/requests": clerks, "GET /api/requests/{id}": clerks,
        "POST /api/requests/{id}/issue": clerks, "POST /api/requests/{id}/refuse": clerks, "GET /api/requests/{id}/copies/{n}": clerks,
        "GET /ledger": ledgerReaders, "GET /ledger/page": ledgerReaders, "GET /ledger/scan": ledgerReaders,
        "GET /api/ledger/search": ledgerReaders, "GET /api/ledger/page": ledgerReaders, "GET /api/ledger/scan": ledgerReaders,
        "GET /records": recordReaders, "GET /record": recordReaders, "GET /api/records": recordReaders, "GET /api/record": recordReaders,
        "GET /sync-status": recordReaders, "GET /api/sync-status": recordReaders,
        "GET /digitize": [.registrar], "POST /digitize": [.registrar], "POST /digitize/commit": [.registrar],
        "POST /api/digitize": [.registrar], "POST /api/digitize/commit": [.registrar],
        "GET /gradebooks": [.teacher, .principal], "GET /gradebook": [.teacher, .principal],
        "GET /api/gradebooks": [.teacher, .principal], "GET /api/gradebook": [.teacher, .principal],
        "POST /gradebook/save": [.teacher], "POST /gradebook/sign": [.teacher],
        "POST /api/gradebook/marks": [.teacher], "POST /api/gradebook/sign": [.teacher],
        "GET /admin/users": [.admin], "POST /admin/users": [.admin], "POST /admin/users/{name}/disable": [.admin],
        "GET /admin/audit": [.admin],
        "GET /api/users": [.admin], "POST /api/users": [.admin], "POST /api/users/{name}/disable": [.admin], "GET /api/audit": [.admin],
        "GET /api/session": Set(Role.allCases), "DELETE /api/session": Set(Role.allCases),
    ]

    /// Routes for anyone. Those that change state without a session's token say why they need none.
    static let open: Set<String> = [
        "GET /", "GET /login", "GET /verify", "GET /static/{name}", "GET /sync/**",
        "POST /login", "POST /logout",  // checked: the login cookie's token, the session's token
        "POST /verify", "POST /api/verify",  // public verification: acts as nobody
        "POST /api/session",  // JSON only, which a cross-site form cannot send
        "POST /sync/**",  // peers sign every request with their node key
    ]
    static let tokenFree: Set<String> = ["POST /verify", "POST /api/verify", "POST /api/session", "POST /sync/**"]

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
