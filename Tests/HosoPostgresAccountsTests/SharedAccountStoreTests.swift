import Foundation
import HosoAccounts
import HosoCore
import HosoPostgres
import HosoPostgresAccounts
import HosoTestSupport
import Synchronization
import Testing

/// Two application servers of the hub: two stores, each with its own connections, on one database.
func twoServers(time: TestTime = TestTime(), _ body: (PostgresServerStore, PostgresServerStore, String) throws -> Void) throws {
    let url = try PostgresCluster.shared().createDatabase()
    let a = try PostgresServerStore(url: url, clock: time.clock, cost: cheap)
    defer { a.close() }
    let b = try PostgresServerStore(url: url, clock: time.clock, cost: cheap)
    defer { b.close() }
    try body(a, b, url)
}

@Suite struct SharedAccountStoreTests {
    @Test func aSessionStartedOnOneServerHoldsOnTheOtherAndEndsOnBoth() throws {
        try twoServers { a, b, url in
            let u = try a.addUser(name: "co.ha", displayName: "Cô Hà", role: .clerk, password: goodPassword)
            #expect(try b.authenticate(name: "co.ha", password: goodPassword)?.name == "co.ha")
            let (token, session) = try a.startSession(for: u)
            #expect(try b.session(token: token, idleTimeout: 1800)?.csrf == session.csrf)
            // Only the cookie's SHA-256 is in the database; the password only as its scrypt hash.
            let client = try BlockingPostgresClient(url)
            defer { client.close() }
            let stored = try client.query("SELECT token_hash FROM hoso_sessions").map { try $0.decode(String.self) }
            #expect(stored == [ServerStore.tokenHash(token)] && !stored.contains(token))
            let hash = try client.query("SELECT password_hash FROM hoso_users").first?.decode(String.self)
            #expect(hash == u.passwordHash && hash?.contains(goodPassword) == false)
            try b.endSession(token: token)
            #expect(try a.session(token: token) == nil)
            // A password changed on one ends the sessions held through the other.
            let (t2, _) = try b.startSession(for: u)
            try a.setPassword(name: "co.ha", password: "một mật khẩu mới 77")
            #expect(try b.session(token: t2) == nil)
            #expect(try b.authenticate(name: "co.ha", password: goodPassword) == nil)
        }
    }

    @Test func anAccountDisabledOnOneServerIsRefusedOnTheOtherAtOnce() throws {
        try twoServers { a, b, _ in
            let u = try a.addUser(name: "co.ha", displayName: "", role: .clerk, password: goodPassword)
            let (token, _) = try b.startSession(for: u)
            try a.setDisabled(name: "co.ha", true)
            #expect(try b.session(token: token) == nil)
            #expect(try b.authenticate(name: "co.ha", password: goodPassword) == nil)
            #expect(try b.user("co.ha")?.disabled == true)
        }
    }

    @Test func theThrottleCountsFailuresFromEveryServer() throws {
        try twoServers { a, b, _ in
            try a.recordLoginFailure(keys: ["user:co.ha"], at: 100, forgetBefore: 0)
            try b.recordLoginFailure(keys: ["user:co.ha"], at: 101, forgetBefore: 0)
            #expect(try a.loginFailures(keys: ["user:co.ha"], since: 0) == ["user:co.ha": [100, 101]])
            try b.clearLoginFailures(keys: ["user:co.ha"])
            #expect(try a.loginFailures(keys: ["user:co.ha"], since: 0).isEmpty)
        }
    }

    /// The hub's access log is one chain: batches appended side by side from both servers never link to the same entry.
    @Test func concurrentAppendsFromTwoServersFormOneChain() throws {
        try twoServers { a, b, _ in
            let (threads, batches, perBatch) = (4, 10, 3)
            // Failures are gathered and checked on the test's own thread (an expectation on another has no test).
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let store = t % 2 == 0 ? a : b
                for n in 0..<batches {
                    let items = (0..<perBatch).map { i in
                        ServerStore.AuditItem(
                            at: "2026-03-05T17:00:00Z", actor: "server-\(t % 2)", action: "read", target: "t\(t)-\(n)-\(i)", detail: "")
                    }
                    do { try store.append(items) } catch { failures.withLock { $0.append("\(error)") } }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let total = threads * batches * perBatch
            #expect(try a.checkAuditChain() == .init(entries: total, intact: true, firstBroken: nil))
            // Each batch stayed together (one transaction): its entries are consecutive.
            let log = try b.auditLog(limit: total, actor: nil).reversed().map(\.target)
            for start in stride(from: 0, to: total, by: perBatch) {
                let batch = log[start..<start + perBatch].map { $0.split(separator: "-").dropLast().joined(separator: "-") }
                #expect(Set(batch).count == 1)
            }
        }
    }

    @Test func anEditedOrRemovedEntryBreaksTheChainFromThere() throws {
        try twoServers { a, _, url in
            for actor in ["a", "b", "c", "d"] { try a.audit(actor: actor, action: "read", target: "t") }
            let client = try BlockingPostgresClient(url)
            defer { client.close() }
            try client.query("UPDATE hoso_audit SET detail = 'nothing to see' WHERE seq = 3")
            #expect(try a.checkAuditChain() == .init(entries: 3, intact: false, firstBroken: 3))
            try client.query("DELETE FROM hoso_audit WHERE seq = 2")
            #expect(try a.checkAuditChain() == .init(entries: 2, intact: false, firstBroken: 3))
        }
    }

    /// What `hoso hub init` grants the application role: SELECT and INSERT on the history tables, more on the working
    /// ones. Everything the server does works with that, and the access log cannot be changed through it.
    @Test func theApplicationRoleNeedsOnlySelectAndInsertOnHistory() throws {
        try twoServers { owner, _, url in
            let cluster = try PostgresCluster.shared()
            let role = "app_" + UUID().uuidString.prefix(8).lowercased()
            let db = String(url.split(separator: "/").last!)
            let grants =
                ["CREATE ROLE \(role) LOGIN"]
                + PostgresServerStore.historyTables.map { "GRANT SELECT, INSERT ON \($0) TO \(role)" }
                + PostgresServerStore.workingTables.map { "GRANT SELECT, INSERT, UPDATE, DELETE ON \($0) TO \(role)" }
            for sql in grants { _ = try cluster.psql(sql, database: db) }
            #expect(Set(PostgresServerStore.historyTables + PostgresServerStore.workingTables).count == 6)

            let app = try PostgresServerStore(
                url: url.replacingOccurrences(of: "postgres://postgres@", with: "postgres://\(role)@"), clock: owner.clock, cost: cheap,
                migrate: false)
            defer { app.close() }
            let u = try app.addUser(name: "co.ha", displayName: "", role: .clerk, password: goodPassword)
            let (token, _) = try app.startSession(for: u)
            try app.recordLoginFailure(keys: ["user:co.ha"], at: 1, forgetBefore: 0)
            #expect(try app.sharedSecret("online-proof-of-work").count == 32 && app.spend("pow:x", expires: 2, now: 1))
            try app.append([.init(at: "2026-03-05T17:00:00Z", actor: "co.ha", action: "read", target: "t", detail: "")])
            try app.audit(actor: "co.ha", action: "read", target: "t2")
            #expect(try app.checkAuditChain().intact && app.searchAudit(.init()).total == 2)
            try app.setDisabled(name: "co.ha", true)
            #expect(try app.session(token: token) == nil)
            let client = try BlockingPostgresClient(url.replacingOccurrences(of: "postgres://postgres@", with: "postgres://\(role)@"))
            defer { client.close() }
            #expect(throws: HosoError.self) { try client.query("UPDATE hoso_audit SET detail = 'x'") }
            #expect(throws: HosoError.self) { try client.query("DELETE FROM hoso_audit") }
        }
    }
}
