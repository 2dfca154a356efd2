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

    let store: ServerStore
    let pool: BlockingPool
    private let queue = Mutex(Waiting())

    init(store: ServerStore, pool: BlockingPool) {
        self.store = store
        self.pool = pool
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
