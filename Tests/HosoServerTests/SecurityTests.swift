import Foundation
import HosoAccounts
import HosoCore
import HosoKit
import HosoServer
import Hummingbird
import HummingbirdTesting
import Testing

/// Every route checked against sessions, roles and CSRF; injection strings stored and shown as text; no path from a
/// request reaches the file system.
@Suite struct SecurityTests {
    struct Route: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var roles: Set<Role>
        var description: String { "\(method) \(path)" }
    }

    static let clerks: Set<Role> = [.clerk, .officeHead]
    static let everyone = Set(Role.allCases)

    /// Every route that needs a session ("REQ" is replaced by the fixture's request id).
    static let routes: [Route] = [
        Route(method: .get, path: "/requests", roles: clerks),
        Route(method: .post, path: "/requests", roles: clerks),
        Route(method: .get, path: "/requests/REQ", roles: clerks),
        Route(method: .post, path: "/requests/REQ/issue", roles: clerks),
        Route(method: .post, path: "/requests/REQ/refuse", roles: clerks),
        Route(method: .get, path: "/requests/REQ/copies/0", roles: clerks),
        Route(method: .get, path: "/ledger?q=lo+thi+mai", roles: [.registrar, .clerk, .officeHead]),
        Route(method: .get, path: "/api/ledger/search?q=lo+thi+mai", roles: [.registrar, .clerk, .officeHead]),
        Route(method: .get, path: "/ledger/page?ledger=L&page=1", roles: [.registrar, .clerk, .officeHead]),
        Route(method: .get, path: "/ledger/scan?ledger=L&page=1", roles: [.registrar, .clerk, .officeHead]),
        Route(method: .get, path: "/records?type=ledger", roles: [.registrar, .principal, .officeHead, .admin]),
        Route(method: .get, path: "/digitize", roles: [.registrar]),
        Route(method: .post, path: "/digitize", roles: [.registrar]),
        Route(method: .post, path: "/digitize/commit", roles: [.registrar]),
        Route(method: .get, path: "/custody", roles: [.registrar]),
        Route(method: .get, path: "/custody/transfer?id=custody-transfer/X/2026-01-01-1", roles: [.registrar]),
        Route(method: .post, path: "/custody/accept", roles: [.registrar]),
        Route(method: .get, path: "/gradebooks", roles: [.teacher, .principal]),
        Route(method: .get, path: "/gradebook?id=gradebook/x", roles: [.teacher, .principal]),
        Route(method: .post, path: "/gradebook/save?id=gradebook/x", roles: [.teacher]),
        Route(method: .post, path: "/gradebook/sign?id=gradebook/x", roles: [.teacher]),
        Route(method: .get, path: "/admin/users", roles: [.admin]),
        Route(method: .post, path: "/admin/users", roles: [.admin]),
        Route(method: .post, path: "/admin/users/clerk/disable", roles: [.admin]),
        Route(method: .get, path: "/admin/audit", roles: [.admin]),
        Route(method: .get, path: "/api/session", roles: everyone),
        Route(method: .delete, path: "/api/session", roles: everyone),
        Route(method: .get, path: "/api/requests", roles: clerks),
        Route(method: .post, path: "/api/requests", roles: clerks),
        Route(method: .get, path: "/api/requests/REQ", roles: clerks),
        Route(method: .post, path: "/api/requests/REQ/issue", roles: clerks),
        Route(method: .post, path: "/api/requests/REQ/refuse", roles: clerks),
        Route(method: .get, path: "/api/requests/REQ/copies/0", roles: clerks),
        Route(method: .get, path: "/api/users", roles: [.admin]),
        Route(method: .post, path: "/api/users", roles: [.admin]),
        Route(method: .get, path: "/api/audit", roles: [.admin]),
        Route(method: .post, path: "/api/users/clerk/disable", roles: [.admin]),
        Route(method: .get, path: "/record?id=L", roles: [.registrar, .principal, .officeHead, .admin]),
        Route(method: .get, path: "/sync-status", roles: [.registrar, .principal, .officeHead, .admin]),
        Route(method: .get, path: "/api/gradebooks", roles: [.teacher, .principal]),
        Route(method: .get, path: "/api/gradebook?id=gradebook/x", roles: [.teacher, .principal]),
        Route(method: .post, path: "/api/gradebook/marks?id=gradebook/x", roles: [.teacher]),
        Route(method: .post, path: "/api/gradebook/sign?id=gradebook/x", roles: [.teacher]),
        Route(method: .post, path: "/api/digitize", roles: [.registrar]),
        Route(method: .post, path: "/api/digitize/commit", roles: [.registrar]),
        Route(method: .get, path: "/api/ledger/page?ledger=L&page=1", roles: [.registrar, .clerk, .officeHead]),
        Route(method: .get, path: "/api/ledger/scan?ledger=L&page=1", roles: [.registrar, .clerk, .officeHead]),
        Route(method: .get, path: "/api/records?type=ledger", roles: [.registrar, .principal, .officeHead, .admin]),
        Route(method: .get, path: "/api/record?id=L", roles: [.registrar, .principal, .officeHead, .admin]),
        Route(method: .get, path: "/api/sync-status", roles: [.registrar, .principal, .officeHead, .admin]),
    ]

    @Test func everyRouteWithoutASessionIs401AndWithAWrongRole403() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let anonymous = Browser(client)
            for r in Self.routes {
                let res = try await anonymous.request(r.method, r.path.replacingOccurrences(of: "REQ", with: fx.requestId))
                #expect(res.status == .unauthorized, "\(r) without a session")
            }
            for role in Role.allCases {
                let b = Browser(client)
                #expect(try await b.login(role.rawValue).status == .seeOther)
                for r in Self.routes where !r.roles.contains(role) {
                    let res = try await b.post(r.path.replacingOccurrences(of: "REQ", with: fx.requestId), [], csrf: true, method: r.method)
                    #expect(res.status == .forbidden, "\(r) as \(role)")
                }
            }
            // Nothing changed: the request is still waiting.
            let clerk = Browser(client)
            try await clerk.login("clerk")
            try await clerk.get("/requests/\(fx.requestId)")
            #expect(clerk.lastBody.contains("Đã tiếp nhận"))
        }
    }

    @Test func postsWithoutOrWithAWrongCSRFTokenAreRefused() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("clerk")
            try await b.get("/requests/\(fx.requestId)")
            let missing = try await b.post("/requests/\(fx.requestId)/refuse", [("reason", "không đủ giấy tờ")], csrf: false)
            #expect(missing.status == .forbidden)
            #expect(b.lastBody.contains("CSRF_FAILED"))
            let wrong = try await b.post(
                "/requests/\(fx.requestId)/refuse", [("reason", "không đủ giấy tờ"), ("_csrf", "gia-mao")], csrf: false)
            #expect(wrong.status == .forbidden)
            let issue = try await b.post("/requests/\(fx.requestId)/issue", [], csrf: false)
            #expect(issue.status == .forbidden)
            // The API wants the token in a header.
            let api = try await b.request(
                .post, "/api/requests/\(fx.requestId)/refuse", headers: [.contentType: "application/json"],
                body: Array(#"{"reason":"x"}"#.utf8))
            #expect(api.status == .forbidden)
            try await b.get("/requests/\(fx.requestId)")
            #expect(b.lastBody.contains("Đã tiếp nhận"), "nothing was refused or issued")
            // With the token it works.
            #expect(try await b.post("/requests/\(fx.requestId)/refuse", [("reason", "không đủ giấy tờ")]).status == .seeOther)
            try await b.get("/requests/\(fx.requestId)")
            #expect(b.lastBody.contains("Từ chối"))
        }
    }

    static let nasty = [
        "<script>alert('x')</script>",
        "Robert'); DROP TABLE user;--",
        "\" onmouseover=\"alert(1)",
        "' OR '1'='1",
        "<img src=x onerror=alert(1)>",
    ]

    @Test func injectionStringsAreStoredAndShownAsText() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("clerk")
            try await b.get("/requests")
            for (i, s) in Self.nasty.enumerated() {
                let r = try await b.post(
                    "/requests",
                    [
                        ("kind", "copy"), ("requester", s), ("relation", "representative"), ("proof", s),
                        ("holder", s), ("serial", s + String(i)), ("asking-body", s), ("channel", "post"),
                        ("copies", "1"),
                    ])
                #expect(r.status == .seeOther, "\(b.lastBody)")
                let id = try #require(r.headers[.location]).split(separator: "/").last.map(String.init)!
                try await b.get("/requests/\(id)")
                #expect(b.lastBody.contains(htmlEscaped(s)), "shown escaped: \(s)")
                #expect(!b.lastBody.contains(s) || htmlEscaped(s) == s, "never raw: \(s)")
                // And stored exactly as typed.
                let api = try await b.request(.get, "/api/requests/\(id)")
                let obj = try JSONSerialization.jsonObject(with: Data(api.body.readableBytesView)) as! [String: Any]
                let req = obj["request"] as! [String: Any]
                #expect(req["holderName"] as? String == s && req["proof"] as? String == s)
                // A refusal reason too.
                try await b.post("/requests/\(id)/refuse", [("reason", s)])
                try await b.get("/requests/\(id)")
                #expect(b.lastBody.contains(htmlEscaped(s)))
            }
            try await b.get("/requests?all=1")
            for s in Self.nasty { #expect(b.lastBody.contains(htmlEscaped(s))) }
            #expect(!b.lastBody.contains("<script>alert"))

            // Account names and display names; sign-in names; the public page's fields.
            let admin = Browser(client)
            try await admin.login("admin")
            try await admin.get("/admin/users")
            let bad = try await admin.post(
                "/admin/users", [("name", "x' OR 1=1 --"), ("display", "a"), ("role", "clerk"), ("password", "0123456789ab")])
            #expect(bad.status == .badRequest)
            try await admin.get("/admin/users")
            let ok = try await admin.post(
                "/admin/users", [("name", "gv.moi"), ("display", Self.nasty[0]), ("role", "teacher"), ("password", "0123456789ab")])
            #expect(ok.status == .seeOther)
            try await admin.get("/admin/users")
            #expect(admin.lastBody.contains(htmlEscaped(Self.nasty[0])) && !admin.lastBody.contains(Self.nasty[0]))
            let pub = Browser(client)
            let login = try await pub.login("' OR '1'='1' --", password: "' OR '1'='1' --")
            #expect(login.status == .unauthorized)
            try await pub.post("/verify", [("number", "1/2026"), ("serial", Self.nasty[4])], csrf: false)
            #expect(pub.lastBody.contains(htmlEscaped(Self.nasty[4])) && !pub.lastBody.contains(Self.nasty[4]))
            // The tables are all still there.
            let store = try ServerStore(path: fx.archivePath + "/server.sqlite", cost: Fixture.cost)
            #expect(try store.users().count == Role.allCases.count + 2, "one per role, teacher2 and gv.moi")
            #expect(try store.checkAuditChain().intact)
        }
    }

    @Test func pathTraversalNeverReachesTheFileSystem() async throws {
        let fx = try Fixture()
        try await fx.serve(.live) { client in
            let b = Browser(client)
            try await b.login("clerk")
            try await b.get("/requests/\(fx.requestId)")
            #expect(try await b.post("/requests/\(fx.requestId)/issue", []).status == .seeOther)
            #expect(try await b.get("/requests/\(fx.requestId)/copies/0").status == .ok)
            let attempts = [
                "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/static/%2e%2e%2f%2e%2e%2fPackage.swift", "/static/../../../etc/passwd",
                "/static/app.css%00.png", "/static/.%2Fapp.css",
                "/requests/..%2F..%2Fhoso-archive.json/copies/0", "/requests/..%2Fserver.sqlite", "/requests/.%2E/copies/0",
                "/requests/\(fx.requestId)/copies/..%2F..%2Fetc%2Fpasswd", "/requests/\(fx.requestId)/copies/-1",
                "/requests/\(fx.requestId)/copies/1", "/requests/\(fx.requestId)/copies/0%2F..%2F..%2Fserver.sqlite",
                "/api/requests/..%2F..%2Fetc%2Fpasswd", "/api/requests/\(fx.requestId)/copies/%2E%2E",
                "/ledger/scan?ledger=..%2F..%2F..%2Fetc%2Fpasswd&page=1", "/ledger/scan?ledger=\(Fixture.ledgerId)&page=..%2Fserver.sqlite",
                "/ledger/scan?ledger=\(Fixture.ledgerId)&page=1",
                "/api/ledger/scan?ledger=..%2F..%2F..%2Fetc%2Fpasswd&page=1", "/api/ledger/page?ledger=..%2Fserver.sqlite&page=1",
            ]
            for path in attempts {
                let r = try await b.get(path)
                // A NUL in the address is refused before any route (RejectControlCharacters); the rest are not found.
                #expect(r.status == (path.contains("%00") ? .badRequest : .notFound), "\(path) → \(r.status)")
                #expect(
                    !b.lastBody.contains("root:") && !b.lastBody.contains("hoso-archive") && !b.lastBody.contains("SQLite format"),
                    "\(path)")
            }
            // Record ids are looked up in the index, never used as paths.
            let registrar = Browser(client)
            try await registrar.login("registrar")
            for path in ["/api/record?id=..%2F..%2Fhoso-archive.json", "/record?id=%2Fetc%2Fpasswd", "/api/record?id=..%2Fserver.sqlite"] {
                #expect(try await registrar.get(path).status == .notFound, "\(path)")
                #expect(!registrar.lastBody.contains("root:") && !registrar.lastBody.contains("SQLite format"), "\(path)")
            }
            #expect(try await b.get("/static/app.css").status == .ok)
        }
    }
}

func htmlEscaped(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
}
