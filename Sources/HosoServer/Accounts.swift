import Foundation
import HosoAccounts
import HosoKit
import Synchronization

extension HosoError.Code {
    public static let loginThrottled = Self("LOGIN_THROTTLED", .throttled)
    public static let notAuthenticated = Self("NOT_AUTHENTICATED", .unauthenticated)
    public static let forbidden = Self("FORBIDDEN", .forbidden)
    public static let csrfFailed = Self("CSRF_FAILED", .forbidden)
    public static let bodyTooLarge = Self("BODY_TOO_LARGE", .tooLarge)
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

    let store: any ServerStoring
    let pool: BlockingPool
    /// Fixes each batch's last entry in the archive's transparency log (so the log cannot be cut or re-hashed quietly).
    let anchor: (@Sendable (AuditAnchor) throws -> Void)?
    private let queue = Mutex(Waiting())

    init(store: any ServerStoring, pool: BlockingPool, anchor: (@Sendable (AuditAnchor) throws -> Void)? = nil) {
        self.store = store
        self.pool = pool
        self.anchor = anchor
    }

    func record(actor: String, action: String, target: String, detail: String) async throws {
        let item = ServerStore.AuditItem(
            at: HosoClock.format(store.clock.now()), actor: actor, action: action, target: target, detail: detail)
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
                if let last = try store.append(batch.map(\.0)) { try anchor?(last) }
                for (_, c) in batch { c.resume() }
            } catch {
                for (_, c) in batch { c.resume(throwing: error) }
            }
        }
    }
}

/// Failed logins per account name and per client address, kept in the server's database so that a restart does not
/// reset them (the audit log keeps every failure too). An account is refused after `accountLimit` failures within
/// `window`; an address after `addressLimit`, set high enough that an office behind one address (a proxy not
/// declared with `--trusted-proxy`) is not locked out by one person's typos.
final class LoginThrottle: Sendable {
    let store: any ServerStoring
    let accountLimit: Int
    let addressLimit: Int
    let window: TimeInterval

    init(store: any ServerStoring, accountLimit: Int = 5, addressLimit: Int = 50, window: TimeInterval = 15 * 60) {
        self.store = store
        self.accountLimit = accountLimit
        self.addressLimit = addressLimit
        self.window = window
    }

    func limit(_ key: String) -> Int { key.hasPrefix("ip:") ? addressLimit : accountLimit }

    /// Seconds until `keys` may try again, or nil when they may now.
    func retryAfter(_ keys: [String], now: Date) throws -> Int? {
        let t = now.timeIntervalSince1970
        let recent = try store.loginFailures(keys: keys, since: t - window)
        var wait: TimeInterval = 0
        for (k, times) in recent where times.count >= limit(k) {
            // The window reopens when the failure that filled it ages out.
            wait = max(wait, times[times.count - limit(k)] + window - t)
        }
        return wait > 0 ? Int(wait.rounded(.up)) : nil
    }

    func fail(_ keys: [String], now: Date) throws {
        let t = now.timeIntervalSince1970
        try store.recordLoginFailure(keys: keys, at: t, forgetBefore: t - window)
    }

    func succeed(_ keys: [String]) throws { try store.clearLoginFailures(keys: keys) }
}

/// The client's address: the connection's peer, or, when that peer is a trusted proxy, the last address in
/// `X-Forwarded-For` that is not itself a trusted proxy (addresses further left are the client's own claims).
func clientAddress(peer: String, forwardedFor: String?, trusted: Set<String>) -> String {
    guard trusted.contains(peer), let header = forwardedFor else { return peer }
    let hops = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    return hops.last { !trusted.contains($0) } ?? peer
}
