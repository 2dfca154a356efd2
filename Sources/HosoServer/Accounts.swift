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
///
/// Each batch's last entry is then anchored in the archive's transparency log: at once (`anchorEvery` zero, a
/// school's or district's server), or at most once per `anchorEvery` (the hub, where an anchor is a write on the
/// shared primary under the archive's write lock, and every server anchors its own batches). Then a cut or re-hashed
/// tail goes unseen for at most that long; a timer anchors what a quiet spell leaves, and `flushAnchor` what is left
/// when the server stops.
final class AuditLog: Sendable {
    private struct Waiting {
        var items: [(ServerStore.AuditItem, CheckedContinuation<Void, any Error>)] = []
        var writing = false
        /// The newest entry written and not anchored yet; whether a timer will anchor it; when the last anchor was.
        var unanchored: AuditAnchor? = nil
        var timerSet = false
        var lastAnchor: ContinuousClock.Instant? = nil
    }

    let store: any ServerStoring
    let pool: BlockingPool
    /// Fixes a batch's last entry in the archive's transparency log (so the log cannot be cut or re-hashed quietly).
    let anchor: (@Sendable (AuditAnchor) throws -> Void)?
    let anchorEvery: Duration
    /// Where entries wait while the shared log cannot be written (the hub); nil: such a failure fails the requests.
    let spool: AuditSpool?
    private let queue = Mutex(Waiting())
    /// The newest entry anchored: anchors go in order, never an older one after a newer (the newest anchor is what a
    /// check of the tail reads). Held while an anchor is written.
    private let anchored = Mutex<Int64>(0)

    init(
        store: any ServerStoring, pool: BlockingPool, anchorEvery: Duration = .zero, spool: AuditSpool? = nil,
        anchor: (@Sendable (AuditAnchor) throws -> Void)? = nil
    ) {
        self.store = store
        self.pool = pool
        self.anchorEvery = anchorEvery
        self.spool = spool
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
                if let last = try append(batch.map(\.0)) {
                    if anchorEvery == .zero {
                        try write(last)
                    } else {
                        deferAnchor(last)
                    }
                }
                for (_, c) in batch { c.resume() }
            } catch {
                for (_, c) in batch { c.resume(throwing: error) }
            }
        }
    }

    /// Appends to the shared log, spooled entries first; while it cannot be written, to the spool (nil returned).
    private func append(_ items: [ServerStore.AuditItem]) throws -> AuditAnchor? {
        guard let spool else { return try store.append(items) }
        let waiting = spool.isEmpty ? [] : try spool.load()
        do {
            let last = try store.append(waiting + items)
            if !waiting.isEmpty { try spool.clear() }
            return last
        } catch  where spool.isOutage(error) {
            try spool.append(items)
            return nil
        }
    }

    /// Anchors `last` now when the last anchor is `anchorEvery` old, else keeps it for the timer (set if none is).
    private func deferAnchor(_ last: AuditAnchor) {
        let clock = ContinuousClock()
        let wait = queue.withLock { q -> Duration? in
            q.unanchored = last
            let since = q.lastAnchor.map { clock.now - $0 } ?? anchorEvery
            if since >= anchorEvery { return .zero }
            if q.timerSet { return nil }
            q.timerSet = true
            return anchorEvery - since
        }
        guard let wait else { return }
        if wait == .zero {
            flushAnchor()
        } else {
            let (s, a) = wait.components
            let nanos = Int(s) * 1_000_000_000 + Int(a / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanos)) {
                self.pool.start {
                    self.queue.withLock { $0.timerSet = false }
                    self.flushAnchor()
                }
            }
        }
    }

    /// Anchors the newest entry not anchored yet, if any. A failure leaves it for the next batch or flush (the
    /// entries themselves are written; only their anchor waits).
    func flushAnchor() {
        let pending = queue.withLock { q -> AuditAnchor? in
            defer {
                q.unanchored = nil
                q.lastAnchor = ContinuousClock().now
            }
            return q.unanchored
        }
        guard let pending else { return }
        do { try write(pending) } catch {
            queue.withLock { q in if q.unanchored == nil { q.unanchored = pending } }
        }
    }

    private func write(_ a: AuditAnchor) throws {
        try anchored.withLock { newest in
            guard a.seq > newest else { return }
            try anchor?(a)
            newest = a.seq
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
