import Foundation
import HosoCore
import HosoPrimitives
import HosoSigning

/// What the web application keeps of its own: accounts, sessions, failed sign-ins and the hash-chained access log.
/// `ServerStore` keeps them in `server.sqlite` (schools and districts); on the province hub `PostgresServerStore`
/// (HosoPostgresAccounts) keeps them in the hub's PostgreSQL, shared by every application server. Both follow the
/// same rules (checked by one suite run against both): password policy and hashes, session tokens stored hashed,
/// the idle timeout, the throttle's window, one unbroken chain.
public protocol ServerStoring: AnyObject, Sendable {
    /// Archive time: sessions expire and audit entries are dated by it.
    var clock: HosoClock { get }

    // MARK: Accounts
    @discardableResult
    func addUser(name: String, displayName: String, role: Role, password: String, person: String?) throws -> User
    func users() throws -> [User]
    /// Accounts of a role (nil: all), by name.
    func users(role: Role?) throws -> [User]
    func user(_ name: String) throws -> User?
    /// Sets a new password and ends the account's sessions.
    func setPassword(name: String, password: String) throws
    /// An admin's reset: a temporary password, sessions ended, a new password required at the next sign-in.
    func resetPassword(name: String, temporary: String) throws
    /// The account's own change; its other sessions end, the one asking keeps `keep` (a token).
    func changeOwnPassword(name: String, current: String, new: String, keep token: String?) throws
    /// Links the account to a person record (nil unlinks); its sessions end.
    func setPerson(name: String, person: String?) throws
    func setDisabled(name: String, _ disabled: Bool) throws
    /// The account if the password is right and the account enabled; nil otherwise.
    func authenticate(name: String, password: String) throws -> User?

    // MARK: Sessions
    /// A new session: the cookie value (only its hash is stored) and the session's CSRF token.
    func startSession(for user: User) throws -> (token: String, session: Session)
    /// The session of a cookie, if it is neither expired nor unused for `idleTimeout` seconds.
    func session(token: String, idleTimeout: TimeInterval) throws -> Session?
    func endSession(token: String) throws

    // MARK: Failed sign-ins
    /// The times (seconds since 1970) of failures since `since`, for each of `keys` that has any.
    func loginFailures(keys: [String], since: Double) throws -> [String: [Double]]
    /// Records a failure for each key; failures older than `forgetBefore` go.
    func recordLoginFailure(keys: [String], at: Double, forgetBefore: Double) throws
    func clearLoginFailures(keys: [String]) throws
    /// Takes one of `limit` tries for `key` within the `window` seconds before `now`, for every server of the store
    /// together and atomically (guesses sent to several servers at once cannot all pass the count): false, and
    /// nothing taken, when `limit` are taken already. Kept beside the failed sign-ins and forgotten with them.
    func takeTry(_ key: String, limit: Int, window: Double, now: Double) throws -> Bool
    /// Gives back the newest try taken for `key` (its answer was right).
    func giveBackTry(_ key: String) throws

    /// The secret named `name` (32 random bytes), the same for every server of this store: made by the first that
    /// asks, read by the others.
    func sharedSecret(_ name: String) throws -> [UInt8]
    /// Records `token` as spent until `expires` (seconds since 1970), forgetting those expired before `now`; false
    /// when it was spent already, here or on another server of the store.
    func spend(_ token: String, expires: Double, now: Double) throws -> Bool

    // MARK: The access log
    /// Appends entries in order, in one transaction, after the chain's last entry. Returns the last entry's number
    /// and hash (what the archive's transparency log anchors).
    @discardableResult
    func append(_ items: [ServerStore.AuditItem]) throws -> AuditAnchor?
    /// The newest entries first, optionally those of one actor.
    func auditLog(limit: Int, actor: String?) throws -> [AuditEntry]
    /// One page of the entries matching `q`, newest first, and how many match in all.
    func searchAudit(_ q: ServerStore.AuditQuery) throws -> (entries: [AuditEntry], total: Int)
    /// Re-computes every hash and link of the access log.
    func checkAuditChain() throws -> ServerStore.ChainCheck
    /// The hashes of the entries numbered `seqs` (those that exist), and the last entry's number (0 when empty):
    /// what `checkAuditChain(anchors:)` compares with the anchors.
    func auditHashes(_ seqs: [Int64]) throws -> (hashes: [Int64: String], last: Int64)
}

extension ServerStoring {
    @discardableResult
    public func addUser(name: String, displayName: String, role: Role, password: String) throws -> User {
        try addUser(name: name, displayName: displayName, role: role, password: password, person: nil)
    }

    public func session(token: String) throws -> Session? { try session(token: token, idleTimeout: .infinity) }

    public func auditLog() throws -> [AuditEntry] { try auditLog(limit: 200, actor: nil) }
    public func auditLog(limit: Int) throws -> [AuditEntry] { try auditLog(limit: limit, actor: nil) }
    public func auditLog(actor: String?) throws -> [AuditEntry] { try auditLog(limit: 200, actor: actor) }

    /// Appends one entry to the hash-chained log (durable before returning).
    public func audit(actor: String, action: String, target: String, detail: String = "") throws {
        try append([.init(at: HosoClock.format(clock.now()), actor: actor, action: action, target: target, detail: detail)])
    }

    /// The chain check, and every anchor against the entry it names: an entry missing (the log was cut) or with
    /// another hash (rewritten and re-hashed) breaks the log from there.
    public func checkAuditChain(anchors: [AuditAnchor]) throws -> ServerStore.ChainCheck {
        var check = try checkAuditChain()
        let (hashes, last) = try auditHashes(anchors.map(\.seq))
        for a in anchors where hashes[a.seq] != a.hash {
            // A cut log breaks at its first missing entry; a rewritten one at the anchor that no longer holds.
            let broken = hashes[a.seq] == nil ? min(a.seq, last + 1) : a.seq
            check.intact = false
            check.firstBroken = min(check.firstBroken ?? broken, broken)
        }
        return check
    }
}

/// The rules both stores share, so that they cannot drift apart.
extension ServerStore {
    /// Sessions last a working day; a new login is needed after that.
    package static let sessionLifetime: TimeInterval = 12 * 3600
    /// How stale a session's last use may be before it is written again: the idle timeout is minutes, not seconds.
    package static let touchInterval: TimeInterval = 60

    /// What is stored of a session's cookie: its SHA-256, so a copy of the database opens no session.
    package static func tokenHash(_ token: String) -> String { SHA256.hex(Array(token.utf8)) }

    package static func notFound(_ name: String) -> HosoError {
        HosoError(.userNotFound, .both("Không có tài khoản này", "No such account"), location: name)
    }

    package static func exists(_ name: String) -> HosoError {
        HosoError(.userExists, .both("Đã có tài khoản này", "This account already exists"), location: name)
    }

    /// The checks of an own password change before anything is written (the current password is checked by the
    /// caller through `authenticate`).
    package static func validateOwnChange(name: String, current: String, new: String, authenticated: Bool) throws {
        guard authenticated else {
            throw HosoError(
                .badUserInput, .both("Mật khẩu hiện tại không đúng", "The current password is wrong"), location: "current")
        }
        guard current != new else {
            throw HosoError(
                .badUserInput, .both("Mật khẩu mới phải khác mật khẩu hiện tại", "The new password must differ from the current one"),
                location: "new")
        }
        do { try validatePassword(new, name: name) } catch let e as HosoError {
            throw HosoError(e.code, e.message, location: "new")
        }
    }

    /// `text` as a LIKE pattern that matches it anywhere (with `\` as the escape character).
    package static func likePattern(_ text: String) -> String {
        "%"
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }
}

/// The chain check, one entry at a time in the order of their numbers (a store reads them in pages or a cursor).
package struct AuditChainWalk {
    var prev = String(repeating: "0", count: 64)
    var expectedSeq: Int64 = 1
    var entries = 0
    package private(set) var broken: Int64?

    package init() {}

    /// Takes the next entry; false once the chain is broken (at this entry or before), when reading can stop.
    package mutating func add(_ e: AuditEntry) -> Bool {
        guard broken == nil else { return false }
        entries += 1
        let h = AuditEntry.digest(
            seq: e.seq, at: e.at, actor: e.actor, action: e.action, target: e.target, detail: e.detail, prev: e.prev)
        if e.seq != expectedSeq || e.prev != prev || e.hash != h {
            broken = e.seq
            return false
        }
        prev = e.hash
        expectedSeq += 1
        return true
    }

    package var result: ServerStore.ChainCheck { .init(entries: entries, intact: broken == nil, firstBroken: broken) }
}
