import Foundation
import GRDB
import HosoCore
import HosoPrimitives
import HosoSigning

/// The server node's own state, in `server.sqlite` beside (not inside) the archive's objects: accounts, sessions and
/// the audit log. None of it is an archive object, so it never syncs to another node.
public final class ServerStore: ServerStoring {
    public static let fileName = "server.sqlite"
    let db: DatabasePool
    /// Archive time: sessions expire and audit entries are dated by it.
    public let clock: HosoClock
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
            throw HosoError(
                .ioError, .both("Không mở được cơ sở dữ liệu của máy chủ", "Cannot open the server database"),
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
        m.registerMigration("0002-user-person") { db in
            try db.alter(table: "user") { t in t.add(column: "person", .text) }
        }
        // Failed sign-ins, per key ("user:NAME", "ip:ADDRESS"), so that a restart does not reset the throttle.
        m.registerMigration("0003-login-failures") { db in
            try db.create(table: "loginFailure") { t in
                t.column("key", .text).notNull().indexed()
                t.column("at", .double).notNull()
            }
        }
        // The last request of each session, for the idle timeout; 0 (sessions from before) counts as its start.
        m.registerMigration("0004-session-last-seen") { db in
            try db.alter(table: "session") { t in t.add(column: "lastSeenAt", .double).notNull().defaults(to: 0) }
        }
        // An admin's reset: the temporary password must be changed at the next sign-in.
        m.registerMigration("0005-user-must-change-password") { db in
            try db.alter(table: "user") { t in t.add(column: "mustChangePassword", .boolean).notNull().defaults(to: false) }
        }
        // Secrets every server of the store shares (the public form's proof-of-work key), and one-time tokens spent.
        m.registerMigration("0006-shared-secrets-spent-tokens") { db in
            try db.create(table: "sharedSecret") { t in
                t.primaryKey("name", .text)
                t.column("value", .blob).notNull()
            }
            try db.create(table: "spentToken") { t in
                t.primaryKey("token", .text)
                t.column("expires", .double).notNull().indexed()
            }
        }
        try wrap { try m.migrate(db) }
    }

    // MARK: - Shared secrets and one-time tokens

    public func sharedSecret(_ name: String) throws -> [UInt8] {
        let fresh = try SecureRandom.bytes(32)
        return try wrap {
            try db.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO sharedSecret (name, value) VALUES (?, ?)", arguments: [name, Data(fresh)])
                let value = try Data.fetchOne(db, sql: "SELECT value FROM sharedSecret WHERE name = ?", arguments: [name])
                return value.map { Array($0) } ?? fresh
            }
        }
    }

    public func spend(_ token: String, expires: Double, now: Double) throws -> Bool {
        try wrap {
            try db.write { db in
                try db.execute(sql: "DELETE FROM spentToken WHERE expires < ?", arguments: [now])
                try db.execute(sql: "INSERT OR IGNORE INTO spentToken (token, expires) VALUES (?, ?)", arguments: [token, expires])
                return db.changesCount == 1
            }
        }
    }

    // MARK: - Failed sign-ins

    /// The times (seconds since 1970) of failures since `since`, for each of `keys` that has any.
    public func loginFailures(keys: [String], since: Double) throws -> [String: [Double]] {
        try wrap {
            try db.read { db in
                var out = [String: [Double]]()
                for k in keys {
                    let times = try Double.fetchAll(
                        db, sql: "SELECT at FROM loginFailure WHERE key = ? AND at >= ? ORDER BY at", arguments: [k, since])
                    if !times.isEmpty { out[k] = times }
                }
                return out
            }
        }
    }

    /// Records a failure for each key; failures older than `forgetBefore` go.
    public func recordLoginFailure(keys: [String], at: Double, forgetBefore: Double) throws {
        try wrap {
            try db.write { db in
                try db.execute(sql: "DELETE FROM loginFailure WHERE at < ?", arguments: [forgetBefore])
                for k in keys { try db.execute(sql: "INSERT INTO loginFailure (key, at) VALUES (?, ?)", arguments: [k, at]) }
            }
        }
    }

    public func clearLoginFailures(keys: [String]) throws {
        try wrap {
            try db.write { db in
                for k in keys { try db.execute(sql: "DELETE FROM loginFailure WHERE key = ?", arguments: [k]) }
            }
        }
    }

    public func takeTry(_ key: String, limit: Int, window: Double, now: Double) throws -> Bool {
        try wrap {
            // One writer at a time: the count and the new try are one step.
            try db.write { db in
                try db.execute(sql: "DELETE FROM loginFailure WHERE key = ? AND at < ?", arguments: [key, now - window])
                let taken = try Int.fetchOne(db, sql: "SELECT count(*) FROM loginFailure WHERE key = ?", arguments: [key]) ?? 0
                guard taken < limit else { return false }
                try db.execute(sql: "INSERT INTO loginFailure (key, at) VALUES (?, ?)", arguments: [key, now])
                return true
            }
        }
    }

    public func giveBackTry(_ key: String) throws {
        try wrap {
            try db.write { db in
                try db.execute(
                    sql: "DELETE FROM loginFailure WHERE rowid = (SELECT rowid FROM loginFailure WHERE key = ? ORDER BY at DESC LIMIT 1)",
                    arguments: [key])
            }
        }
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as HosoError { throw e } catch {
            throw HosoError(.ioError, .both("Lỗi cơ sở dữ liệu của máy chủ", "Server database error"), cause: "\(error)")
        }
    }

    // MARK: - Accounts

    package static func validateName(_ name: String) throws {
        guard name.range(of: #"^[a-z0-9][a-z0-9._-]{1,31}$"#, options: .regularExpression) != nil else {
            throw HosoError(
                .badUserInput,
                .both(
                    "Tên đăng nhập: 2–32 ký tự a-z, 0-9, dấu chấm, gạch ngang, gạch dưới",
                    "User name: 2–32 characters a-z, 0-9, dot, hyphen, underscore"), location: name)
        }
    }

    /// The password policy: at least 10 characters, not the account's name (nor containing it), not one of the
    /// passwords guessed first (`CommonPasswords`).
    package static func validatePassword(_ password: String, name: String) throws {
        guard password.count >= 10 else {
            throw HosoError(.badUserInput, .both("Mật khẩu phải có ít nhất 10 ký tự", "The password must have at least 10 characters"))
        }
        let folded = password.lowercased()
        if name.count >= 2 && folded.contains(name.lowercased()) {
            throw HosoError(
                .badUserInput, .both("Mật khẩu không được chứa tên đăng nhập", "The password must not contain the user name"),
                location: name)
        }
        if CommonPasswords.contains(password) {
            throw HosoError(
                .badUserInput,
                .both("Mật khẩu quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác", "The password is too common to be safe; choose another"))
        }
    }

    @discardableResult
    public func addUser(name: String, displayName: String, role: Role, password: String, person: String?) throws -> User {
        try Self.validateName(name)
        try Self.validatePassword(password, name: name)
        let user = User(
            name: name, displayName: displayName.isEmpty ? name : displayName, role: role,
            passwordHash: try PasswordHash.make(password, cost: cost), createdAt: HosoClock.format(clock.now()), disabled: false,
            person: person.flatMap { $0.isEmpty ? nil : $0 })
        try wrap {
            try db.write { db in
                if try User.fetchOne(db, key: name) != nil { throw Self.exists(name) }
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
        try replacePassword(name: name, password: password, mustChange: nil)
    }

    /// The account's password replaced (policy checked) and its sessions ended; `mustChange` sets or leaves the
    /// forced change at the next sign-in.
    private func replacePassword(name: String, password: String, mustChange: Bool?) throws {
        try Self.validatePassword(password, name: name)
        let hash = try PasswordHash.make(password, cost: cost)
        try wrap {
            try db.write { db in
                guard var u = try User.fetchOne(db, key: name) else { throw Self.notFound(name) }
                u.passwordHash = hash
                if let mustChange { u.mustChangePassword = mustChange }
                try u.update(db)
                try SessionRow.filter(Column("userName") == name).deleteAll(db)
            }
        }
    }

    /// An admin's reset: a temporary password (the same policy), its sessions ended, and a new password required at
    /// its next sign-in. A disabled account stays disabled: enabling it is its own step.
    public func resetPassword(name: String, temporary: String) throws {
        try replacePassword(name: name, password: temporary, mustChange: true)
    }

    /// The account's own change after a reset (or any time): the current password again, a new one that differs from
    /// it. Clears the forced change; the account's other sessions end, the one asking keeps `keep` (a token).
    public func changeOwnPassword(name: String, current: String, new: String, keep token: String?) throws {
        try Self.validateOwnChange(
            name: name, current: current, new: new, authenticated: try authenticate(name: name, password: current) != nil)
        let hash = try PasswordHash.make(new, cost: cost)
        let keep = token.map(Self.tokenHash) ?? ""
        try wrap {
            try db.write { db in
                guard var u = try User.fetchOne(db, key: name) else { throw Self.notFound(name) }
                u.passwordHash = hash
                u.mustChangePassword = false
                try u.update(db)
                try SessionRow.filter(Column("userName") == name && Column("tokenHash") != keep).deleteAll(db)
            }
        }
    }

    /// Accounts of a role (nil: all), by name.
    public func users(role: Role?) throws -> [User] {
        try wrap {
            try db.read { db in
                var q = User.order(Column("name"))
                if let role { q = q.filter(Column("role") == role.rawValue) }
                return try q.fetchAll(db)
            }
        }
    }

    /// Links the account to a person record (nil unlinks); its sessions end, so what it may see changes at once.
    public func setPerson(name: String, person: String?) throws {
        try wrap {
            try db.write { db in
                guard var u = try User.fetchOne(db, key: name) else { throw Self.notFound(name) }
                u.person = person.flatMap { $0.isEmpty ? nil : $0 }
                try u.update(db)
                try SessionRow.filter(Column("userName") == name).deleteAll(db)
            }
        }
    }

    public func setDisabled(name: String, _ disabled: Bool) throws {
        try wrap {
            try db.write { db in
                guard var u = try User.fetchOne(db, key: name) else { throw Self.notFound(name) }
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
        let row = SessionRow(
            tokenHash: Self.tokenHash(token), userName: user.name, csrf: csrf, createdAt: now,
            expiresAt: now + Self.sessionLifetime, lastSeenAt: now)
        try wrap {
            try db.write { db in
                try SessionRow.filter(Column("expiresAt") < now).deleteAll(db)
                try row.insert(db)
            }
        }
        return (token, Session(user: user, csrf: csrf))
    }

    /// The session of a cookie, if it is neither expired nor unused for `idleTimeout` seconds. A use marks it seen,
    /// written at most once every `touchInterval` so that requests stay reads.
    public func session(token: String, idleTimeout: TimeInterval) throws -> Session? {
        let now = clock.now().timeIntervalSince1970
        let hash = Self.tokenHash(token)
        let found = try wrap {
            try db.read { db -> (Session, Double)? in
                // Every request asks this: one join through a statement prepared once per connection.
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT u.name, u.displayName, u.role, u.passwordHash, u.createdAt, u.disabled, u.person,
                            u.mustChangePassword, s.csrf,
                            MAX(s.lastSeenAt, s.createdAt) AS seen
                        FROM session s JOIN user u ON u.name = s.userName
                        WHERE s.tokenHash = ? AND s.expiresAt > ? AND NOT u.disabled
                        """)
                guard let row = try Row.fetchOne(statement, arguments: [hash, now]), let role = Role(rawValue: row["role"]) else {
                    return nil
                }
                let session = Session(
                    user: User(
                        name: row["name"], displayName: row["displayName"], role: role, passwordHash: row["passwordHash"],
                        createdAt: row["createdAt"], disabled: false, person: row["person"],
                        mustChangePassword: row["mustChangePassword"]),
                    csrf: row["csrf"])
                return (session, row["seen"])
            }
        }
        guard let found else { return nil }
        let (session, seen) = found
        guard now - seen < idleTimeout else {
            try endSession(token: token)
            return nil
        }
        if now - seen >= Self.touchInterval {
            try wrap {
                try db.write { try $0.execute(sql: "UPDATE session SET lastSeenAt = ? WHERE tokenHash = ?", arguments: [now, hash]) }
            }
        }
        return session
    }

    public func endSession(token: String) throws {
        _ = try wrap { try db.write { try SessionRow.deleteOne($0, key: Self.tokenHash(token)) } }
    }
}
