import Foundation
import HosoAccounts
import HosoCore
import HosoPostgres
import HosoSigning
import PostgresNIO

/// Accounts, sessions, failed sign-ins and the access log in the province hub's PostgreSQL: every application server
/// of the hub uses the same rows, so a sign-in on one holds on all, a password change or a disabled account counts
/// everywhere at the next request, the throttle counts the failures seen by every server, and the access log is one
/// chain. The rules are `ServerStore`'s (the shared helpers of HosoAccounts); only the storage differs.
///
/// The chain: appends take turns on a transaction-level advisory lock, read the last entry after taking it (READ
/// COMMITTED: each statement sees what committed before it) and insert after it, so two servers never both link to
/// the same entry; a batch (the server's group commit) is one transaction and one INSERT. Appending needs only SELECT
/// and INSERT on `hoso_audit` (no row lock, which would need UPDATE): the hub's application role may be refused
/// UPDATE and DELETE there (`historyTables`). The primary key on the entry's number refuses a fork all the same.
///
/// Calls block (see `BlockingPostgresClient`): the server calls them from its blocking pool, never an event loop.
public final class PostgresServerStore: ServerStoring {
    public let client: BlockingPostgresClient
    public let clock: HosoClock
    /// Hash cost; lowered only by tests that make many accounts.
    let cost: PasswordHash.Cost
    /// The advisory lock key of the access log's writers ("hosoaud" in ASCII).
    static let auditLock: Int64 = 0x686F_736F_6175_64

    /// Brings the schema up to date on `client`'s database (the hub's primary), unless `migrate` is false: an
    /// application role that may not create tables opens a schema its owner brought up to date (`hoso hub init`).
    public init(
        client: BlockingPostgresClient, clock: HosoClock = .system, cost: PasswordHash.Cost = .standard, migrate: Bool = true
    ) throws {
        self.client = client
        self.clock = clock
        self.cost = cost
        if migrate { try wrap { _ = try PostgresMigration.apply(Self.migrations, on: client) } }
    }

    /// The hub's factory: a client of its own on `url` (postgres://…).
    public convenience init(
        url: String, clock: HosoClock = .system, cost: PasswordHash.Cost = .standard, migrate: Bool = true
    ) throws {
        try self.init(client: BlockingPostgresClient(url), clock: clock, cost: cost, migrate: migrate)
    }

    public func close() { client.close() }

    // MARK: - Schema

    /// Append-only tables: the application role needs SELECT and INSERT there, never UPDATE or DELETE.
    public static let historyTables = ["hoso_audit"]
    /// Tables the application changes and clears (UPDATE and DELETE allowed).
    public static let workingTables = ["hoso_users", "hoso_sessions", "hoso_login_failures", "hoso_shared_secrets", "hoso_spent_tokens"]

    /// The accounts' share of the hub's schema (`hoso hub init` grants by class).
    public static let hubPart = HubSchema.Part(
        name: "accounts", migrations: migrations,
        tables: Dictionary(uniqueKeysWithValues: historyTables.map { ($0, .history) } + workingTables.map { ($0, .working) }))

    /// The schema as named steps (see `PostgresMigration`); a step never changes once shipped. Text that is compared
    /// or ordered (names, times as text) sorts by code point (COLLATE "C"), as SQLite compares it.
    public static let migrations: [PostgresMigration] = [
        PostgresMigration(
            "accounts-1",
            [
                """
                CREATE TABLE hoso_users (
                    name text COLLATE "C" PRIMARY KEY,
                    display_name text NOT NULL,
                    role text COLLATE "C" NOT NULL,
                    password_hash text NOT NULL,
                    created_at text COLLATE "C" NOT NULL,
                    disabled boolean NOT NULL DEFAULT false,
                    person text COLLATE "C",
                    must_change_password boolean NOT NULL DEFAULT false)
                """,
                // Only the SHA-256 of a session's cookie: a copy of the table opens no session.
                """
                CREATE TABLE hoso_sessions (
                    token_hash text COLLATE "C" PRIMARY KEY,
                    user_name text COLLATE "C" NOT NULL REFERENCES hoso_users (name) ON DELETE CASCADE,
                    csrf text NOT NULL,
                    created_at double precision NOT NULL,
                    expires_at double precision NOT NULL,
                    last_seen_at double precision NOT NULL)
                """,
                "CREATE INDEX hoso_sessions_user ON hoso_sessions (user_name)",
                "CREATE INDEX hoso_sessions_expires ON hoso_sessions (expires_at)",
                // Failed sign-ins per key ("user:NAME", "ip:ADDRESS"), as seen by every server.
                """
                CREATE TABLE hoso_login_failures (
                    key text COLLATE "C" NOT NULL,
                    at double precision NOT NULL)
                """,
                "CREATE INDEX hoso_login_failures_key ON hoso_login_failures (key, at)",
                "CREATE INDEX hoso_login_failures_at ON hoso_login_failures (at)",
                """
                CREATE TABLE hoso_audit (
                    seq bigint PRIMARY KEY CHECK (seq >= 1),
                    at text COLLATE "C" NOT NULL,
                    actor text COLLATE "C" NOT NULL,
                    action text COLLATE "C" NOT NULL,
                    target text COLLATE "C" NOT NULL,
                    detail text COLLATE "C" NOT NULL,
                    prev text COLLATE "C" NOT NULL,
                    hash text COLLATE "C" NOT NULL)
                """,
                "CREATE INDEX hoso_audit_actor ON hoso_audit (actor, seq)",
            ]),
        // Secrets every application server shares (the public form's proof-of-work key: a challenge one server
        // issued is checked by another), and one-time tokens spent on any of them.
        PostgresMigration(
            "accounts-2",
            [
                "CREATE TABLE hoso_shared_secrets (name text COLLATE \"C\" PRIMARY KEY, value bytea NOT NULL)",
                "CREATE TABLE hoso_spent_tokens (token text COLLATE \"C\" PRIMARY KEY, expires double precision NOT NULL)",
                "CREATE INDEX hoso_spent_tokens_expires ON hoso_spent_tokens (expires)",
            ]),
    ]

    // MARK: - Plumbing

    /// The client's errors keep their POSTGRES_* codes; anything else (a row that does not decode) is the server
    /// database's error, as with SQLite.
    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as HosoError { throw e } catch {
            throw HosoError(
                .ioError, .both("Lỗi cơ sở dữ liệu của máy chủ", "Server database error"), location: client.url.description,
                cause: String(reflecting: error))
        }
    }

    @discardableResult
    func transaction<T>(isolation: String = "READ COMMITTED", _ body: (BlockingPostgresConnection) throws -> T) throws -> T {
        try wrap { try client.transaction(isolation: isolation, body) }
    }

    @discardableResult
    func read<T>(_ body: (BlockingPostgresConnection) throws -> T) throws -> T {
        try wrap { try client.withConnection(body) }
    }

    static let userColumns = "name, display_name, role, password_hash, created_at, disabled, person, must_change_password"

    static func user(_ row: PostgresRow) throws -> User {
        let (name, display, role, hash, created, disabled, person, mustChange) = try row.decode(
            (String, String, String, String, String, Bool, String?, Bool).self)
        guard let r = Role(rawValue: role) else {
            throw HosoError(
                .ioError, .both("Tài khoản có vai trò không rõ", "An account has an unknown role"), location: name, cause: role)
        }
        return User(
            name: name, displayName: display, role: r, passwordHash: hash, createdAt: created, disabled: disabled, person: person,
            mustChangePassword: mustChange)
    }

    // MARK: - Accounts

    @discardableResult
    public func addUser(name: String, displayName: String, role: Role, password: String, person: String?) throws -> User {
        try ServerStore.validateName(name)
        try ServerStore.validatePassword(password, name: name)
        let user = User(
            name: name, displayName: displayName.isEmpty ? name : displayName, role: role,
            passwordHash: try PasswordHash.make(password, cost: cost), createdAt: HosoClock.format(clock.now()), disabled: false,
            person: person.flatMap { $0.isEmpty ? nil : $0 })
        let added = try read { c in
            try c.query(
                """
                INSERT INTO hoso_users (\(unescaped: Self.userColumns))
                VALUES (\(user.name), \(user.displayName), \(user.role.rawValue), \(user.passwordHash), \(user.createdAt), false,
                    \(user.person), false)
                ON CONFLICT (name) DO NOTHING RETURNING name
                """)
        }
        if added.isEmpty { throw ServerStore.exists(name) }
        return user
    }

    public func users() throws -> [User] { try users(role: nil) }

    public func users(role: Role?) throws -> [User] {
        try read { c in
            try c.query(
                """
                SELECT \(unescaped: Self.userColumns) FROM hoso_users
                WHERE \(role?.rawValue)::text IS NULL OR role = \(role?.rawValue) ORDER BY name
                """
            ).map(Self.user)
        }
    }

    public func user(_ name: String) throws -> User? {
        try read { c in
            try c.query("SELECT \(unescaped: Self.userColumns) FROM hoso_users WHERE name = \(name)").first.map(Self.user)
        }
    }

    /// Changes the account in one transaction with the end of its sessions (all but `keep`'s hash).
    private func updateAndEndSessions(_ name: String, keep: String = "", _ update: PostgresQuery) throws {
        try transaction { c in
            guard !(try c.query(update).isEmpty) else { throw ServerStore.notFound(name) }
            try c.execute("DELETE FROM hoso_sessions WHERE user_name = \(name) AND token_hash <> \(keep)")
        }
    }

    public func setPassword(name: String, password: String) throws {
        try replacePassword(name: name, password: password, mustChange: nil)
    }

    public func resetPassword(name: String, temporary: String) throws {
        try replacePassword(name: name, password: temporary, mustChange: true)
    }

    private func replacePassword(name: String, password: String, mustChange: Bool?) throws {
        try ServerStore.validatePassword(password, name: name)
        let hash = try PasswordHash.make(password, cost: cost)
        try updateAndEndSessions(
            name,
            """
            UPDATE hoso_users SET password_hash = \(hash),
                must_change_password = COALESCE(\(mustChange)::boolean, must_change_password)
            WHERE name = \(name) RETURNING name
            """)
    }

    public func changeOwnPassword(name: String, current: String, new: String, keep token: String?) throws {
        try ServerStore.validateOwnChange(
            name: name, current: current, new: new, authenticated: try authenticate(name: name, password: current) != nil)
        let hash = try PasswordHash.make(new, cost: cost)
        try updateAndEndSessions(
            name, keep: token.map(ServerStore.tokenHash) ?? "",
            "UPDATE hoso_users SET password_hash = \(hash), must_change_password = false WHERE name = \(name) RETURNING name")
    }

    public func setPerson(name: String, person: String?) throws {
        let person = person.flatMap { $0.isEmpty ? nil : $0 }
        try updateAndEndSessions(name, "UPDATE hoso_users SET person = \(person) WHERE name = \(name) RETURNING name")
    }

    public func setDisabled(name: String, _ disabled: Bool) throws {
        try transaction { c in
            guard !(try c.query("UPDATE hoso_users SET disabled = \(disabled) WHERE name = \(name) RETURNING name").isEmpty) else {
                throw ServerStore.notFound(name)
            }
            if disabled { try c.execute("DELETE FROM hoso_sessions WHERE user_name = \(name)") }
        }
    }

    public func authenticate(name: String, password: String) throws -> User? {
        guard let u = try user(name) else {
            PasswordHash.dummyCheck(password)
            return nil
        }
        return PasswordHash.check(password, against: u.passwordHash) && !u.disabled ? u : nil
    }

    // MARK: - Sessions

    public func startSession(for user: User) throws -> (token: String, session: Session) {
        let token = try SecureRandom.token()
        let csrf = try SecureRandom.token()
        let now = clock.now().timeIntervalSince1970
        let hash = ServerStore.tokenHash(token)
        try transaction { c in
            try c.execute("DELETE FROM hoso_sessions WHERE expires_at < \(now)")
            try c.execute(
                """
                INSERT INTO hoso_sessions (token_hash, user_name, csrf, created_at, expires_at, last_seen_at)
                VALUES (\(hash), \(user.name), \(csrf), \(now), \(now + ServerStore.sessionLifetime), \(now))
                """)
        }
        return (token, Session(user: user, csrf: csrf))
    }

    public func session(token: String, idleTimeout: TimeInterval) throws -> Session? {
        let now = clock.now().timeIntervalSince1970
        let hash = ServerStore.tokenHash(token)
        let found = try read { c -> (Session, Double)? in
            // Every request asks this (on the server whose turn it is): one join, the account's state as of now.
            let rows = try c.query(
                """
                SELECT u.name, u.display_name, u.role, u.password_hash, u.created_at, u.disabled, u.person,
                    u.must_change_password, s.csrf, GREATEST(s.last_seen_at, s.created_at)
                FROM hoso_sessions s JOIN hoso_users u ON u.name = s.user_name
                WHERE s.token_hash = \(hash) AND s.expires_at > \(now) AND NOT u.disabled
                """)
            guard let row = rows.first else { return nil }
            let (name, display, role, hash, created, _, person, mustChange, csrf, seen) = try row.decode(
                (String, String, String, String, String, Bool, String?, Bool, String, Double).self)
            guard let r = Role(rawValue: role) else { return nil }
            let user = User(
                name: name, displayName: display, role: r, passwordHash: hash, createdAt: created, disabled: false, person: person,
                mustChangePassword: mustChange)
            return (Session(user: user, csrf: csrf), seen)
        }
        guard let found else { return nil }
        let (session, seen) = found
        guard now - seen < idleTimeout else {
            try endSession(token: token)
            return nil
        }
        if now - seen >= ServerStore.touchInterval {
            try read { c in try c.execute("UPDATE hoso_sessions SET last_seen_at = \(now) WHERE token_hash = \(hash)") }
        }
        return session
    }

    public func endSession(token: String) throws {
        try read { c in try c.execute("DELETE FROM hoso_sessions WHERE token_hash = \(ServerStore.tokenHash(token))") }
    }

    // MARK: - Failed sign-ins

    public func loginFailures(keys: [String], since: Double) throws -> [String: [Double]] {
        try read { c in
            var out = [String: [Double]]()
            for row in try c.query(
                "SELECT key, at FROM hoso_login_failures WHERE key = ANY(\(keys)::text[]) AND at >= \(since) ORDER BY key, at")
            {
                let (k, at) = try row.decode((String, Double).self)
                out[k, default: []].append(at)
            }
            return out
        }
    }

    public func recordLoginFailure(keys: [String], at: Double, forgetBefore: Double) throws {
        try transaction { c in
            try c.execute("DELETE FROM hoso_login_failures WHERE at < \(forgetBefore)")
            try c.execute("INSERT INTO hoso_login_failures (key, at) SELECT k, \(at) FROM unnest(\(keys)::text[]) AS k")
        }
    }

    public func clearLoginFailures(keys: [String]) throws {
        try read { c in try c.execute("DELETE FROM hoso_login_failures WHERE key = ANY(\(keys)::text[])") }
    }

    public func takeTry(_ key: String, limit: Int, window: Double, now: Double) throws -> Bool {
        try transaction { c in
            // Servers counting the same key take turns: the count and the new try are one step.
            try c.execute("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))")
            try c.execute("DELETE FROM hoso_login_failures WHERE key = \(key) AND at < \(now - window)")
            let taken = try c.query("SELECT count(*) FROM hoso_login_failures WHERE key = \(key)").first?.decode(Int.self) ?? 0
            guard taken < limit else { return false }
            try c.execute("INSERT INTO hoso_login_failures (key, at) VALUES (\(key), \(now))")
            return true
        }
    }

    public func giveBackTry(_ key: String) throws {
        try read { c in
            try c.execute(
                """
                DELETE FROM hoso_login_failures WHERE ctid = (
                    SELECT ctid FROM hoso_login_failures WHERE key = \(key) ORDER BY at DESC LIMIT 1)
                """)
        }
    }

    // MARK: - Shared secrets and one-time tokens

    public func sharedSecret(_ name: String) throws -> [UInt8] {
        let fresh = ByteBuffer(bytes: try SecureRandom.bytes(32))
        return try read { c in
            // Two servers starting at once: one INSERT wins, both read the winner's.
            try c.execute("INSERT INTO hoso_shared_secrets (name, value) VALUES (\(name), \(fresh)) ON CONFLICT (name) DO NOTHING")
            guard let row = try c.query("SELECT value FROM hoso_shared_secrets WHERE name = \(name)").first else {
                throw HosoError(.ioError, .both("Thiếu khoá dùng chung", "A shared key is missing"), location: name)
            }
            return Array(try row.decode(ByteBuffer.self).readableBytesView)
        }
    }

    public func spend(_ token: String, expires: Double, now: Double) throws -> Bool {
        try transaction { c in
            try c.execute("DELETE FROM hoso_spent_tokens WHERE expires < \(now)")
            return try c.execute(
                "INSERT INTO hoso_spent_tokens (token, expires) VALUES (\(token), \(expires)) ON CONFLICT (token) DO NOTHING") == 1
        }
    }

    // MARK: - The access log

    @discardableResult
    public func append(_ items: [ServerStore.AuditItem]) throws -> AuditAnchor? {
        guard !items.isEmpty else { return nil }
        return try transaction { c in
            // Writers from every server take turns; the last entry is read after the lock, so it is the newest.
            try c.execute("SELECT pg_advisory_xact_lock(\(Self.auditLock))")
            let last = try c.query("SELECT seq, hash FROM hoso_audit ORDER BY seq DESC LIMIT 1").first?.decode((Int64, String).self)
            var seq = last?.0 ?? 0
            var prev = last?.1 ?? String(repeating: "0", count: 64)
            var seqs = [Int64]()
            var prevs = [String]()
            var hashes = [String]()
            for i in items {
                seq += 1
                let h = AuditEntry.digest(
                    seq: seq, at: i.at, actor: i.actor, action: i.action, target: i.target, detail: i.detail, prev: prev)
                seqs.append(seq)
                prevs.append(prev)
                hashes.append(h)
                prev = h
            }
            // The whole batch in one statement: one round trip, one commit.
            try c.execute(
                """
                INSERT INTO hoso_audit (seq, at, actor, action, target, detail, prev, hash)
                SELECT * FROM unnest(\(seqs)::bigint[], \(items.map(\.at))::text[], \(items.map(\.actor))::text[],
                    \(items.map(\.action))::text[], \(items.map(\.target))::text[], \(items.map(\.detail))::text[],
                    \(prevs)::text[], \(hashes)::text[])
                """)
            return AuditAnchor(seq: seq, hash: prev)
        }
    }

    static let auditColumns = "seq, at, actor, action, target, detail, prev, hash"

    static func entry(_ row: PostgresRow) throws -> AuditEntry {
        let (seq, at, actor, action, target, detail, prev, hash) = try row.decode(
            (Int64, String, String, String, String, String, String, String).self)
        return AuditEntry(seq: seq, at: at, actor: actor, action: action, target: target, detail: detail, prev: prev, hash: hash)
    }

    public func auditLog(limit: Int, actor: String?) throws -> [AuditEntry] {
        try read { c in
            try c.query(
                """
                SELECT \(unescaped: Self.auditColumns) FROM hoso_audit
                WHERE \(actor)::text IS NULL OR actor = \(actor) ORDER BY seq DESC LIMIT \(limit)
                """
            ).map(Self.entry)
        }
    }

    public func searchAudit(_ q: ServerStore.AuditQuery) throws -> (entries: [AuditEntry], total: Int) {
        // ILIKE on "C" text folds ASCII letters only, as SQLite's LIKE does; times compare as text, as in SQLite.
        let actor = q.actor.map(ServerStore.likePattern)
        let subject = q.subject.map(ServerStore.likePattern)
        // A statement takes its parameters once each: the filter is written out for the count and for the page.
        let filter = """
            WHERE ($1::text IS NULL OR actor ILIKE $1 ESCAPE '\\')
                AND ($2::text IS NULL OR target ILIKE $2 ESCAPE '\\' OR detail ILIKE $2 ESCAPE '\\')
                AND ($3::text IS NULL OR at >= $3) AND ($4::text IS NULL OR at < $4)
            """
        func bindings() -> PostgresBindings {
            var b = PostgresBindings()
            for v in [actor, subject, q.since, q.until] { b.append(v) }
            return b
        }
        // The count and the page from one snapshot, so the page agrees with the total.
        return try transaction(isolation: "REPEATABLE READ READ ONLY") { c in
            let total =
                try c.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM hoso_audit " + filter, binds: bindings()))
                .first?.decode(Int.self) ?? 0
            var binds = bindings()
            binds.append(q.pageSize)
            binds.append((q.page - 1) * q.pageSize)
            let page = PostgresQuery(
                unsafeSQL: "SELECT " + Self.auditColumns + " FROM hoso_audit " + filter + " ORDER BY seq DESC LIMIT $5 OFFSET $6",
                binds: binds)
            return (try c.query(page).map(Self.entry), total)
        }
    }

    /// Entries read per round trip while checking the chain: bounded memory for a log of millions.
    static let checkPage = 5000

    public func checkAuditChain() throws -> ServerStore.ChainCheck {
        // One snapshot for the whole walk: entries appended meanwhile are not half-seen.
        try transaction(isolation: "REPEATABLE READ READ ONLY") { c in
            var walk = AuditChainWalk()
            var after: Int64 = 0
            while true {
                let rows = try c.query(
                    "SELECT \(unescaped: Self.auditColumns) FROM hoso_audit WHERE seq > \(after) ORDER BY seq LIMIT \(Self.checkPage)")
                for row in rows {
                    let e = try Self.entry(row)
                    guard walk.add(e) else { return walk.result }
                    after = e.seq
                }
                if rows.count < Self.checkPage { return walk.result }
            }
        }
    }

    public func auditHashes(_ seqs: [Int64]) throws -> (hashes: [Int64: String], last: Int64) {
        try transaction(isolation: "REPEATABLE READ READ ONLY") { c in
            var out = [Int64: String]()
            for row in try c.query("SELECT seq, hash FROM hoso_audit WHERE seq = ANY(\(seqs)::bigint[])") {
                let (seq, hash) = try row.decode((Int64, String).self)
                out[seq] = hash
            }
            let last = try c.query("SELECT COALESCE(MAX(seq), 0) FROM hoso_audit").first?.decode(Int64.self) ?? 0
            return (out, last)
        }
    }
}
