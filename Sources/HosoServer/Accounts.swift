import Foundation
import GRDB
import HosoCore
import HosoSigning

extension HosoError.Code {
    public static let userNotFound = Self("USER_NOT_FOUND", .notFound)
    public static let userExists = Self("USER_EXISTS", .conflict)
    public static let badUserInput = Self("BAD_USER_INPUT", .badInput)
    public static let loginFailed = Self("LOGIN_FAILED", .unauthenticated)
    public static let loginThrottled = Self("LOGIN_THROTTLED", .throttled)
    public static let notAuthenticated = Self("NOT_AUTHENTICATED", .unauthenticated)
    public static let forbidden = Self("FORBIDDEN", .forbidden)
    public static let csrfFailed = Self("CSRF_FAILED", .forbidden)
    public static let bodyTooLarge = Self("BODY_TOO_LARGE", .tooLarge)
}

/// The people who use the web application. One role per account; an admin manages accounts and reads the audit log.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, registrar, clerk, teacher, principal
    case officeHead = "office-head"

    public var title: LocalizedText {
        switch self {
        case .admin: return .both("Quản trị", "Administrator")
        case .registrar: return .both("Cán bộ văn bằng", "Registrar")
        case .clerk: return .both("Văn thư / một cửa", "Clerk")
        case .teacher: return .both("Giáo viên", "Teacher")
        case .principal: return .both("Hiệu trưởng", "Principal")
        case .officeHead: return .both("Trưởng phòng", "Office head")
        }
    }
}

public struct User: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "user"
    public var name: String
    public var displayName: String
    public var role: Role
    public var passwordHash: String
    public var createdAt: String
    public var disabled: Bool
}

public struct AuditEntry: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit"
    public var seq: Int64
    public var at: String
    /// The account name, or "public" for the verification page.
    public var actor: String
    public var action: String
    public var target: String
    public var detail: String
    public var prev: String
    public var hash: String

    /// SHA-256 over the fields and the previous entry's hash: changing, inserting or removing an earlier entry
    /// breaks every hash after it.
    static func digest(seq: Int64, at: String, actor: String, action: String, target: String, detail: String, prev: String) -> String {
        let enc = JSONEncoder()
        let bytes = (try? enc.encode([String(seq), at, actor, action, target, detail, prev])) ?? Data()
        return hex(Digest.sha256([UInt8](bytes)))
    }
}

struct SessionRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "session"
    var tokenHash: String
    var userName: String
    var csrf: String
    var createdAt: Double
    var expiresAt: Double
}

public struct Session: Sendable {
    public var user: User
    public var csrf: String
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
}

/// The server node's own state, in `server.sqlite` beside (not inside) the archive's objects: accounts, sessions and
/// the audit log. None of it is an archive object, so it never syncs to another node.
public final class ServerStore: Sendable {
    public static let fileName = "server.sqlite"
    let db: DatabasePool
    let clock: HosoClock
    /// Sessions last a working day; a new login is needed after that.
    static let sessionLifetime: TimeInterval = 12 * 3600
    /// Hash cost; lowered only by tests that make many accounts.
    let cost: PasswordHash.Cost

    public init(path: String, clock: HosoClock = .system, cost: PasswordHash.Cost = .standard) throws {
        do {
            var config = Configuration()
            // Every access-log entry is on disk before the request it records is answered: WAL with synchronous=FULL
            // syncs the log at each commit (checked by a test). The server writes entries in batches (AuditLog), one
            // sync for many.
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            config.busyMode = .timeout(5)
            // A pool (WAL): each request's session lookup reads beside the audit writer instead of queueing behind it.
            db = try DatabasePool(path: path, configuration: config)
            // Again after opening: the pool sets synchronous=NORMAL on its writer after prepareDatabase (GRDB 7), and
            // the writer keeps one connection, so this holds for every write.
            try db.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw HosoError(.ioError, .both("Không mở được cơ sở dữ liệu của máy chủ", "Cannot open the server database"),
                            location: path, cause: "\(error)")
        }
        self.clock = clock
        self.cost = cost
        var m = DatabaseMigrator()
        // Migrations never change once shipped; add new ones below.
        m.registerMigration("0001-accounts-sessions-audit") { db in
            try db.create(table: "user") { t in
                t.primaryKey("name", .text)
                t.column("displayName", .text).notNull()
                t.column("role", .text).notNull()
                t.column("passwordHash", .text).notNull()
                t.column("createdAt", .text).notNull()
                t.column("disabled", .boolean).notNull().defaults(to: false)
            }
            try db.create(table: "session") { t in
                t.primaryKey("tokenHash", .text)
                t.column("userName", .text).notNull().references("user", onDelete: .cascade)
                t.column("csrf", .text).notNull()
                t.column("createdAt", .double).notNull()
                t.column("expiresAt", .double).notNull()
            }
            try db.create(table: "audit") { t in
                t.primaryKey("seq", .integer)
                t.column("at", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("target", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("prev", .text).notNull()
                t.column("hash", .text).notNull()
            }
        }
        try wrap { try m.migrate(db) }
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as HosoError { throw e } catch {
            throw HosoError(.ioError, .both("Lỗi cơ sở dữ liệu của máy chủ", "Server database error"), cause: "\(error)")
        }
    }

    // MARK: - Accounts

    static func validateName(_ name: String) throws {
        guard name.range(of: #"^[a-z0-9][a-z0-9._-]{1,31}$"#, options: .regularExpression) != nil else {
            throw HosoError(.badUserInput, .both("Tên đăng nhập: 2–32 ký tự a-z, 0-9, dấu chấm, gạch ngang, gạch dưới",
                                                 "User name: 2–32 characters a-z, 0-9, dot, hyphen, underscore"), location: name)
        }
    }

    static func validatePassword(_ password: String) throws {
        guard password.count >= 10 else {
            throw HosoError(.badUserInput, .both("Mật khẩu phải có ít nhất 10 ký tự", "The password must have at least 10 characters"))
        }
    }

    @discardableResult
    public func addUser(name: String, displayName: String, role: Role, password: String) throws -> User {
        try Self.validateName(name)
        try Self.validatePassword(password)
        let user = User(name: name, displayName: displayName.isEmpty ? name : displayName, role: role,
                        passwordHash: try PasswordHash.make(password, cost: cost), createdAt: HosoClock.format(clock.now()), disabled: false)
        try wrap {
            try db.write { db in
                if try User.fetchOne(db, key: name) != nil {
                    throw HosoError(.userExists, .both("Đã có tài khoản này", "This account already exists"), location: name)
                }
                try user.insert(db)
            }
        }
        return user
    }

    public func users() throws -> [User] {
        try wrap { try db.read { try User.order(Column("name")).fetchAll($0) } }
    }

    public func user(_ name: String) throws -> User? {
        try wrap { try db.read { try User.fetchOne($0, key: name) } }
    }

    /// Sets a new password and ends the account's sessions.
    public func setPassword(name: String, password: String) throws {
        try Self.validatePassword(password)
        let hash = try PasswordHash.make(password, cost: cost)
        try wrap {
            try db.write { db in
                guard var u = try User.fetchOne(db, key: name) else {
                    throw HosoError(.userNotFound, .both("Không có tài khoản này", "No such account"), location: name)
                }
                u.passwordHash = hash
                try u.update(db)
                try SessionRow.filter(Column("userName") == name).deleteAll(db)
            }
        }
    }

    public func setDisabled(name: String, _ disabled: Bool) throws {
        try wrap {
            try db.write { db in
                guard var u = try User.fetchOne(db, key: name) else {
                    throw HosoError(.userNotFound, .both("Không có tài khoản này", "No such account"), location: name)
                }
                u.disabled = disabled
                try u.update(db)
                if disabled { try SessionRow.filter(Column("userName") == name).deleteAll(db) }
            }
        }
    }

    /// The account if the password is right; nil otherwise (an unknown name costs the same time as a wrong password).
    public func authenticate(name: String, password: String) throws -> User? {
        guard let u = try user(name) else {
            PasswordHash.dummyCheck(password)
            return nil
        }
        return PasswordHash.check(password, against: u.passwordHash) && !u.disabled ? u : nil
    }

    // MARK: - Sessions

    /// A new session: the cookie value (only its hash is stored) and the session's CSRF token.
    public func startSession(for user: User) throws -> (token: String, session: Session) {
        let token = try SecureRandom.token()
        let csrf = try SecureRandom.token()
        let now = clock.now().timeIntervalSince1970
        let row = SessionRow(tokenHash: Self.tokenHash(token), userName: user.name, csrf: csrf, createdAt: now,
                             expiresAt: now + Self.sessionLifetime)
        try wrap {
            try db.write { db in
                try SessionRow.filter(Column("expiresAt") < now).deleteAll(db)
                try row.insert(db)
            }
        }
        return (token, Session(user: user, csrf: csrf))
    }

    public func session(token: String) throws -> Session? {
        let now = clock.now().timeIntervalSince1970
        let hash = Self.tokenHash(token)
        return try wrap {
            try db.read { db -> Session? in
                // Every request asks this: one join through a statement prepared once per connection.
                let statement = try db.cachedStatement(sql: """
                    SELECT u.name, u.displayName, u.role, u.passwordHash, u.createdAt, u.disabled, s.csrf
                    FROM session s JOIN user u ON u.name = s.userName
                    WHERE s.tokenHash = ? AND s.expiresAt > ? AND NOT u.disabled
                    """)
                guard let row = try Row.fetchOne(statement, arguments: [hash, now]), let role = Role(rawValue: row["role"]) else { return nil }
                return Session(user: User(name: row["name"], displayName: row["displayName"], role: role, passwordHash: row["passwordHash"],
                                          createdAt: row["createdAt"], disabled: false),
                               csrf: row["csrf"])
            }
        }
    }

    public func endSession(token: String) throws {
        _ = try wrap { try db.write { try SessionRow.deleteOne($0, key: Self.tokenHash(token)) } }
    }

    static func tokenHash(_ token: String) -> String { hex(Digest.sha256(Array(token.utf8))) }

    // MARK: - Audit log

    /// What one access-log entry says; its number, time of writing and hashes are added when it is appended.
    public struct AuditItem: Sendable {
        public var at: String
        public var actor: String
        public var action: String
        public var target: String
        public var detail: String
    }

    /// Appends one entry to the hash-chained log (synced to disk before returning).
    public func audit(actor: String, action: String, target: String, detail: String = "") throws {
        try append([AuditItem(at: HosoClock.format(clock.now()), actor: actor, action: action, target: target, detail: detail)])
    }

    /// Appends entries in order, in one transaction: one sync to disk for all of them.
    public func append(_ items: [AuditItem]) throws {
        guard !items.isEmpty else { return }
        try wrap {
            try db.write { db in
                // The last entry is read inside the write transaction: `hoso user` in another process appends too.
                let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"))
                var seq: Int64 = last?["seq"] ?? 0
                var prev: String = last?["hash"] ?? String(repeating: "0", count: 64)
                let insert = try db.cachedStatement(sql: "INSERT INTO audit (seq, at, actor, action, target, detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                for i in items {
                    seq += 1
                    let h = AuditEntry.digest(seq: seq, at: i.at, actor: i.actor, action: i.action, target: i.target, detail: i.detail, prev: prev)
                    try insert.execute(arguments: [seq, i.at, i.actor, i.action, i.target, i.detail, prev, h])
                    prev = h
                }
            }
        }
    }

    /// The newest entries first, optionally those of one actor.
    public func auditLog(limit: Int = 200, actor: String? = nil) throws -> [AuditEntry] {
        try wrap {
            try db.read { db in
                var q = AuditEntry.order(Column("seq").desc)
                if let actor { q = q.filter(Column("actor") == actor) }
                return try q.limit(limit).fetchAll(db)
            }
        }
    }

    public struct ChainCheck: Codable, Sendable, Equatable {
        public var entries: Int
        public var intact: Bool
        /// The first entry whose hash, link or number does not hold.
        public var firstBroken: Int64?
    }

    /// Re-computes every hash and link of the audit log.
    public func checkAuditChain() throws -> ChainCheck {
        try wrap {
            try db.read { db in
                var prev = String(repeating: "0", count: 64)
                var expectedSeq: Int64 = 1
                var n = 0
                let cursor = try AuditEntry.order(Column("seq")).fetchCursor(db)
                while let e = try cursor.next() {
                    n += 1
                    let h = AuditEntry.digest(seq: e.seq, at: e.at, actor: e.actor, action: e.action, target: e.target, detail: e.detail, prev: e.prev)
                    if e.seq != expectedSeq || e.prev != prev || e.hash != h {
                        return ChainCheck(entries: n, intact: false, firstBroken: e.seq)
                    }
                    prev = e.hash
                    expectedSeq += 1
                }
                return ChainCheck(entries: n, intact: true, firstBroken: nil)
            }
        }
    }
}

/// The server's access log with group commit. A request's entry must be on disk before the request is answered
/// (a crash may lose only entries of requests nobody got an answer to), but a sync per request would cap the
/// server at the disk's sync rate. So a request queues its entry and waits; one writer at a time takes every
/// queued entry, appends them in one transaction (one sync), then wakes their requests. While it writes, new
/// entries queue for the next batch: the busier the server, the more entries share a sync.
final class AuditLog: Sendable {
    private struct Waiting {
        var items: [(ServerStore.AuditItem, CheckedContinuation<Void, any Error>)] = []
        var writing = false
    }

    let store: ServerStore
    let pool: BlockingPool
    private let queue = Mutex(Waiting())

    init(store: ServerStore, pool: BlockingPool) {
        self.store = store
        self.pool = pool
    }

    func record(actor: String, action: String, target: String, detail: String) async throws {
        let item = ServerStore.AuditItem(at: HosoClock.format(store.clock.now()), actor: actor, action: action, target: target, detail: detail)
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let lead = queue.withLock { q -> Bool in
                q.items.append((item, c))
                if q.writing { return false }
                q.writing = true
                return true
            }
            if lead { pool.start { self.drain() } }
        }
    }

    /// Writes batches until nothing is queued.
    private func drain() {
        while true {
            let batch = queue.withLock { q -> [(ServerStore.AuditItem, CheckedContinuation<Void, any Error>)] in
                let b = q.items
                q.items = []
                if b.isEmpty { q.writing = false }
                return b
            }
            if batch.isEmpty { return }
            do {
                try store.append(batch.map(\.0))
                for (_, c) in batch { c.resume() }
            } catch {
                for (_, c) in batch { c.resume(throwing: error) }
            }
        }
    }
}

/// Failed logins per account name and per client address: after `limit` failures within `window`, that name or
/// address is refused until the window has passed. Kept in memory: a restart forgets, which is acceptable for a
/// throttle (the audit log keeps every failure).
final class LoginThrottle: Sendable {
    let limit: Int
    let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    init(limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until `keys` may try again, or nil when they may now.
    func retryAfter(_ keys: [String], now: Date) -> Int? {
        failures.withLock { f in
            var wait: TimeInterval = 0
            for k in keys {
                let recent = (f[k] ?? []).filter { now.timeIntervalSince($0) < window }
                f[k] = recent
                if recent.count >= limit, let oldest = recent.first { wait = max(wait, window - now.timeIntervalSince(oldest)) }
            }
            return wait > 0 ? Int(wait.rounded(.up)) : nil
        }
    }

    func fail(_ keys: [String], now: Date) {
        failures.withLock { f in for k in keys { f[k, default: []].append(now) } }
    }

    func succeed(_ keys: [String]) {
        failures.withLock { f in for k in keys { f[k] = nil } }
    }
}

import Synchronization
