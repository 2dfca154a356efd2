import Foundation
import HosoAccounts
import HosoCore
import HosoPostgres
import HosoPostgresAccounts
import HosoSigning
import HosoTestSupport
import Synchronization
import Testing

/// The two stores of accounts, sessions and the access log.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// Archive time the test moves by hand.
final class TestTime: Sendable {
    private let date = Mutex(Date(timeIntervalSince1970: 1_780_000_000))
    var clock: HosoClock { HosoClock { self.date.withLock { $0 } } }
    func advance(_ seconds: TimeInterval) { date.withLock { $0 += seconds } }
}

/// Cheap scrypt: these tests make and check many passwords (`PasswordHashTests` checks the standard cost).
let cheap = PasswordHash.Cost(logN: 10, r: 8, p: 1)
let goodPassword = "Tân Lập mùa thu 2026"

/// A fresh store of `backend` for the length of `body`: a SQLite file in a temporary directory, or a new database on
/// the shared PostgreSQL cluster.
func withStore<T>(_ backend: Backend, time: TestTime = TestTime(), _ body: (any ServerStoring) throws -> T) throws -> T {
    switch backend {
    case .sqlite:
        let tmp = TempDirectory()
        return try withExtendedLifetime(tmp) {
            try body(ServerStore(path: tmp.path + "/" + ServerStore.fileName, clock: time.clock, cost: cheap))
        }
    case .postgres:
        let store = try PostgresServerStore(url: PostgresCluster.shared().createDatabase(), clock: time.clock, cost: cheap)
        defer { store.close() }
        return try body(store)
    }
}

func code(_ body: () throws -> Void) -> HosoError.Code? {
    do {
        try body()
        return nil
    } catch let e as HosoError { return e.code } catch { return nil }
}

/// One suite of account, session, throttle and access-log rules asked of both stores.
@Suite struct AccountStoreConformanceTests {
    @Test(arguments: Backend.allCases) func accountsFollowThePolicyAndPasswordsAreHashed(_ backend: Backend) throws {
        try withStore(backend) { s in
            let u = try s.addUser(name: "co.ha", displayName: "Cô Hà", role: .clerk, password: goodPassword, person: "p-1")
            #expect(u.passwordHash != goodPassword && u.passwordHash.count > 40)
            #expect(try s.user("co.ha") == u)
            #expect(code { try s.addUser(name: "co.ha", displayName: "", role: .admin, password: goodPassword) } == .userExists)
            #expect(code { try s.addUser(name: "Bad Name", displayName: "", role: .admin, password: goodPassword) } == .badUserInput)
            #expect(code { try s.addUser(name: "thay.an", displayName: "", role: .teacher, password: "matkhau123") } == .badUserInput)
            #expect(code { try s.addUser(name: "thay.an", displayName: "", role: .teacher, password: "xx-thay.an-xx") } == .badUserInput)
            try s.addUser(name: "admin", displayName: "", role: .admin, password: goodPassword)
            #expect(try s.user("admin")?.displayName == "admin")
            #expect(try s.users().map(\.name) == ["admin", "co.ha"])
            #expect(try s.users(role: .clerk).map(\.name) == ["co.ha"])
            #expect(try s.users(role: .teacher).isEmpty)

            #expect(try s.authenticate(name: "co.ha", password: goodPassword)?.name == "co.ha")
            #expect(try s.authenticate(name: "co.ha", password: goodPassword + "!") == nil)
            #expect(try s.authenticate(name: "nobody", password: goodPassword) == nil)
            try s.setDisabled(name: "co.ha", true)
            #expect(try s.authenticate(name: "co.ha", password: goodPassword) == nil)
            try s.setDisabled(name: "co.ha", false)
            #expect(try s.authenticate(name: "co.ha", password: goodPassword) != nil)
            #expect(code { try s.setDisabled(name: "nobody", true) } == .userNotFound)
            #expect(code { try s.setPassword(name: "nobody", password: goodPassword) } == .userNotFound)
            #expect(code { try s.setPerson(name: "nobody", person: nil) } == .userNotFound)
        }
    }

    @Test(arguments: Backend.allCases) func passwordChangesEndSessions(_ backend: Backend) throws {
        try withStore(backend) { s in
            let u = try s.addUser(name: "co.ha", displayName: "", role: .clerk, password: goodPassword)
            let a = try s.startSession(for: u).token
            let b = try s.startSession(for: u).token
            #expect(try s.session(token: a)?.user.name == "co.ha")

            // The admin's reset: sessions end, the change is required, the old password is refused.
            try s.resetPassword(name: "co.ha", temporary: "tạm thời 4821 x")
            #expect(try s.session(token: a) == nil && s.session(token: b) == nil)
            #expect(try s.user("co.ha")?.mustChangePassword == true)
            #expect(try s.authenticate(name: "co.ha", password: goodPassword) == nil)

            // The own change: the asking session stays, the other ends, the requirement is cleared.
            let keep = try s.startSession(for: u).token
            let other = try s.startSession(for: u).token
            #expect(
                code { try s.changeOwnPassword(name: "co.ha", current: "wrong one 123", new: goodPassword, keep: keep) }
                    == .badUserInput)
            #expect(
                code { try s.changeOwnPassword(name: "co.ha", current: "tạm thời 4821 x", new: "tạm thời 4821 x", keep: keep) }
                    == .badUserInput)
            try s.changeOwnPassword(name: "co.ha", current: "tạm thời 4821 x", new: goodPassword, keep: keep)
            #expect(try s.session(token: keep)?.user.mustChangePassword == false)
            #expect(try s.session(token: other) == nil)

            // Linking a person ends the sessions too (what the account may see changes).
            try s.setPerson(name: "co.ha", person: "p-9")
            #expect(try s.session(token: keep) == nil)
            #expect(try s.user("co.ha")?.person == "p-9")
            try s.setPerson(name: "co.ha", person: "")
            #expect(try s.user("co.ha")?.person == nil)
            try s.setPassword(name: "co.ha", password: "một mật khẩu mới 77")
            #expect(try s.authenticate(name: "co.ha", password: "một mật khẩu mới 77") != nil)
        }
    }

    @Test(arguments: Backend.allCases) func sessionsExpireGoIdleAndEnd(_ backend: Backend) throws {
        let time = TestTime()
        try withStore(backend, time: time) { s in
            let u = try s.addUser(name: "co.ha", displayName: "", role: .clerk, password: goodPassword)
            let (token, started) = try s.startSession(for: u)
            #expect(try s.session(token: token, idleTimeout: 1800)?.csrf == started.csrf)
            #expect(try s.session(token: "not-a-token") == nil)

            // Used every 20 minutes, a 30-minute idle timeout never ends it (the use is written down).
            for _ in 0..<3 {
                time.advance(1200)
                #expect(try s.session(token: token, idleTimeout: 1800) != nil)
            }
            time.advance(1801)
            #expect(try s.session(token: token, idleTimeout: 1800) == nil)
            #expect(try s.session(token: token) == nil)  // an idle session is ended, not only refused

            // The absolute lifetime: 12 hours, however busy.
            let (long, _) = try s.startSession(for: u)
            time.advance(11.9 * 3600)
            #expect(try s.session(token: long) != nil)
            time.advance(0.2 * 3600)
            #expect(try s.session(token: long) == nil)

            let (short, _) = try s.startSession(for: u)
            try s.endSession(token: short)
            #expect(try s.session(token: short) == nil)

            // A disabled account's sessions end and it cannot start again until enabled.
            let (d, _) = try s.startSession(for: u)
            try s.setDisabled(name: "co.ha", true)
            #expect(try s.session(token: d) == nil)
        }
    }

    @Test(arguments: Backend.allCases) func theThrottleCountsWithinItsWindow(_ backend: Backend) throws {
        try withStore(backend) { s in
            let keys = ["user:co.ha", "ip:10.0.0.7"]
            try s.recordLoginFailure(keys: keys, at: 100, forgetBefore: 0)
            try s.recordLoginFailure(keys: keys, at: 200, forgetBefore: 0)
            try s.recordLoginFailure(keys: ["ip:10.0.0.7"], at: 300, forgetBefore: 0)
            #expect(try s.loginFailures(keys: keys, since: 0) == ["user:co.ha": [100, 200], "ip:10.0.0.7": [100, 200, 300]])
            #expect(try s.loginFailures(keys: keys, since: 150) == ["user:co.ha": [200], "ip:10.0.0.7": [200, 300]])
            #expect(try s.loginFailures(keys: ["user:other"], since: 0).isEmpty)
            // Failures older than the window are forgotten when the next is recorded.
            try s.recordLoginFailure(keys: ["user:other"], at: 1000, forgetBefore: 250)
            #expect(try s.loginFailures(keys: keys + ["user:other"], since: 0) == ["ip:10.0.0.7": [300], "user:other": [1000]])
            try s.clearLoginFailures(keys: ["ip:10.0.0.7"])
            #expect(try s.loginFailures(keys: keys + ["user:other"], since: 0) == ["user:other": [1000]])
        }
    }

    @Test(arguments: Backend.allCases) func sharedSecretsAreMadeOnceAndTokensSpentOnce(_ backend: Backend) throws {
        try withStore(backend) { s in
            let key = try s.sharedSecret("online-proof-of-work")
            #expect(key.count == 32)
            #expect(try s.sharedSecret("online-proof-of-work") == key)
            #expect(try s.sharedSecret("another") != key)
            #expect(try s.spend("pow:a", expires: 100, now: 50))
            #expect(try !s.spend("pow:a", expires: 100, now: 60))
            #expect(try s.spend("pow:b", expires: 100, now: 60))
            // Once expired, a token is forgotten (the challenge's own time check refuses it by then).
            #expect(try s.spend("pow:a", expires: 200, now: 101))
        }
    }

    @Test(arguments: Backend.allCases) func triesAreTakenUpToTheLimitOnEveryServerTogether(_ backend: Backend) throws {
        // Two servers of one store: two connections to one database, or two opens of one file.
        let tmp = TempDirectory()
        let url = backend == .postgres ? try PostgresCluster.shared().createDatabase() : ""
        let stores: [any ServerStoring] = try (0..<2).map { _ in
            if backend == .postgres { return try PostgresServerStore(url: url, clock: TestTime().clock, cost: cheap) }
            return try ServerStore(path: tmp.path + "/" + ServerStore.fileName, clock: TestTime().clock, cost: cheap)
        }
        let (a, b) = (stores[0], stores[1])
        @Sendable func take(_ s: any ServerStoring, _ key: String, at t: Double) throws -> Bool {
            try s.takeTry(key, limit: 5, window: 900, now: t)
        }
        for i in 0..<5 { #expect(try take(i % 2 == 0 ? a : b, "track:K1", at: 1000 + Double(i))) }
        #expect(try !take(a, "track:K1", at: 1010) && !take(b, "track:K1", at: 1010))
        #expect(try take(a, "track:K2", at: 1010))  // another code is not locked
        // A right answer gives its try back, on any server.
        try b.giveBackTry("track:K1")
        #expect(try take(a, "track:K1", at: 1011))
        #expect(try !take(b, "track:K1", at: 1012))
        // The first try leaves the window: one try frees up, and only one.
        #expect(try take(b, "track:K1", at: 1900.5))
        #expect(try !take(a, "track:K1", at: 1900.6))
        // Guesses sent to both servers at the same moment: exactly the limit pass.
        let passed = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 24) { i in
            if (try? take(i % 2 == 0 ? a : b, "track:K3", at: 2000)) == true { passed.withLock { $0 += 1 } }
        }
        #expect(passed.withLock { $0 } == 5)
        for s in stores { (s as? PostgresServerStore)?.close() }
    }

    @Test(arguments: Backend.allCases) func theAccessLogIsOneChainAndIsSearched(_ backend: Backend) throws {
        try withStore(backend) { s in
            #expect(try s.append([]) == nil)
            #expect(try s.checkAuditChain() == .init(entries: 0, intact: true, firstBroken: nil))
            let anchor = try s.append([
                .init(at: "2026-03-05T16:59:59Z", actor: "Co.Ha", action: "read", target: "ledger:L1", detail: "50% off_x"),
                .init(at: "2026-03-05T17:00:00Z", actor: "thay.an", action: "issue", target: "request:R1", detail: ""),
                .init(at: "2026-03-05T18:00:00Z", actor: "public", action: "check", target: "copy:C1", detail: "ledger:L1"),
            ])
            try s.audit(actor: "co.ha", action: "read", target: "request:R1")
            #expect(anchor?.seq == 3)
            let all = try s.auditLog()
            #expect(all.map(\.seq) == [4, 3, 2, 1])
            #expect(all[1].hash == anchor?.hash && all[0].prev == anchor?.hash)
            #expect(try s.auditLog(limit: 2, actor: nil).map(\.seq) == [4, 3])
            #expect(try s.auditLog(actor: "co.ha").map(\.seq) == [4])
            #expect(try s.checkAuditChain() == .init(entries: 4, intact: true, firstBroken: nil))
            #expect(try s.checkAuditChain(anchors: [AuditAnchor(seq: 3, hash: anchor!.hash)]).intact)
            #expect(try s.checkAuditChain(anchors: [AuditAnchor(seq: 2, hash: anchor!.hash)]).firstBroken == 2)
            #expect(try s.checkAuditChain(anchors: [AuditAnchor(seq: 9, hash: anchor!.hash)]).firstBroken == 5)

            typealias Q = ServerStore.AuditQuery
            func seqs(_ q: Q) throws -> [Int64] { try s.searchAudit(q).entries.map(\.seq) }
            #expect(try seqs(Q(actor: "CO.HA")) == [4, 1])  // ASCII case aside, anywhere in the name
            #expect(try seqs(Q(subject: "ledger:L1")) == [3, 1])  // the target or the detail
            #expect(try seqs(Q(subject: "50%")) == [1])
            #expect(try seqs(Q(subject: "0%")) == [1] && seqs(Q(subject: "%")) == [1])  // % is a character, not a pattern
            #expect(try seqs(Q(subject: "f_x")) == [1] && seqs(Q(subject: "_")) == [1])
            #expect(try seqs(Q(since: "2026-03-05T17:00:00Z", until: "2026-03-05T18:00:00Z")) == [2])
            let page = try s.searchAudit(Q(page: 2, pageSize: 3))
            #expect(page.entries.map(\.seq) == [1] && page.total == 4)
            #expect(try s.searchAudit(Q(actor: "nobody")).total == 0)
        }
    }
}
