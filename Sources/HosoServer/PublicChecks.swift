import Foundation
import HosoKit
import HosoTransport
import Hummingbird
import Synchronization

extension HosoError.Code {
    /// The isolated check of an uploaded file did not finish (it crashed, hit a limit, or answered nonsense).
    public static let publicCheckFailed = Self("PUBLIC_CHECK_FAILED", .badInput)
    /// Every public check is taken and the queue is full: try again in a moment.
    public static let publicChecksBusy = Self("PUBLIC_CHECKS_BUSY", .busy)
    /// One address asked the public pages too often.
    public static let publicRateLimited = Self("PUBLIC_RATE_LIMITED", .throttled)
}

/// What the public, unauthenticated verification may cost the server. Uploaded files (a PDF, a QR photo) are
/// parsed in a child `hoso` process under these limits; checks run on their own threads, so many or hostile public
/// checks never hold up the clerks' screens.
public struct PublicLimits: Sendable {
    /// The `hoso` executable whose hidden `internal-check` command checks an upload in a child process. `hoso serve`
    /// sets its own; nil checks in this process (for embedding without the binary only: a trap would end the server).
    public var checker: String?
    /// The hub's database the child reads the archive from (the standby's URL, or the primary's); nil: the folder at
    /// the archive path. Given to the child in its environment (`HOSO_CHECK_DATABASE`), never on its command line.
    public var checkDatabase: String? = nil
    /// CPU seconds a child may use before the kernel stops it (SIGXCPU, then SIGKILL).
    public var checkCPUSeconds = 10
    /// The child's address space: a decode bomb fails its allocation instead of taking the machine's memory.
    public var checkMemoryBytes = 1 << 30
    /// Start each kind's next child ahead of time (`SpareChildren`), so a check does not wait for a program to load.
    /// `hoso serve` does; tests that make many servers in one process leave it off.
    public var warmSpares = false
    /// Wall-clock time before the child is killed, whatever it is doing (waiting included).
    public var checkTimeout: TimeInterval = 30
    /// How much lower the child's CPU priority is (nice): the server and the clerks' requests come first, then PDF
    /// checks, then QR photos (the decode bombs' way in), which get only what is left.
    public var checkNice = 5
    public var photoNice = 15
    /// Public checks at once: one per core, since each keeps a core busy. QR photos have as many places again of
    /// their own: decoding a photo is the costliest public work and the easiest to abuse, so a flood of photos waits
    /// behind itself, not in front of PDF and number checks.
    public var concurrent = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Public checks waiting for a turn (in each of the two pools); more are refused at once with 503 and Retry-After.
    public var queue = 4 * max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Requests to the public pages per client address: a bucket of `burst`, refilled at `perMinute`.
    public var perMinute = 30.0
    public var burst = 30
    /// Seconds, monotonic: the rate limit's clock, injected by tests.
    public var rateClock: @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime }
    /// Tests hold admitted checks here to fill the pool deterministically.
    public var gate: PublicCheckGate?

    public init() {}
}

/// Retry-After, with the error that says why.
struct RetryLater: Error {
    var error: HosoError
    var seconds: Int
}

/// At most `limit` public checks at once on `limit` threads of their own, at most `queueLimit` waiting.
final class PublicPool: Sendable {
    let threads: BlockingPool
    let limit: Int
    let queueLimit: Int
    let gate: PublicCheckGate?
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Bool, Never>] = []
    }
    private let state = Mutex(State())

    init(limits: PublicLimits) {
        limit = max(1, limits.concurrent)
        queueLimit = max(0, limits.queue)
        gate = limits.gate
        threads = BlockingPool(threads: limit)
    }

    /// Runs `body` when a place is free; refuses at once when the queue is full.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let refused = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let decision = state.withLock { s -> Int in
                if s.running < limit {
                    s.running += 1
                    return 0
                }
                guard s.waiting.count < queueLimit else { return 2 }
                s.waiting.append(c)
                return 1
            }
            switch decision {
            case 0: c.resume(returning: false)
            case 2: c.resume(returning: true)
            default: gate?.noteQueued()
            }
        }
        if refused {
            throw RetryLater(
                error: HosoError(
                    .publicChecksBusy,
                    .both(
                        "Máy chủ đang bận kiểm tra nhiều bản sao. Xin thử lại sau ít phút.",
                        "The server is busy checking many copies. Please try again in a moment.")), seconds: 5)
        }
        defer { leave() }
        await gate?.admitted()
        return try await body()
    }

    /// The place passes to the first one waiting, if any.
    private func leave() {
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            if s.waiting.isEmpty {
                s.running -= 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume(returning: false)
    }
}

/// A test's hold on public checks: admitted checks wait until `open()`; the test waits for counts of admitted and
/// queued checks instead of sleeping.
public final class PublicCheckGate: Sendable {
    private struct State {
        var isOpen = false
        var admitted = 0
        var queued = 0
        var held: [CheckedContinuation<Void, Never>] = []
        var watchers: [(admitted: Int, queued: Int, c: CheckedContinuation<Void, Never>)] = []

        mutating func ready() -> [CheckedContinuation<Void, Never>] {
            let (done, rest) = (
                watchers.filter { admitted >= $0.admitted && queued >= $0.queued },
                watchers.filter { admitted < $0.admitted || queued < $0.queued }
            )
            watchers = rest
            return done.map(\.c)
        }
    }
    private let state = Mutex(State())

    public init() {}

    func admitted() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let (go, ready) = state.withLock { s in
                s.admitted += 1
                if !s.isOpen { s.held.append(c) }
                return (s.isOpen, s.ready())
            }
            for w in ready { w.resume() }
            if go { c.resume() }
        }
    }

    func noteQueued() {
        let ready = state.withLock { s in
            s.queued += 1
            return s.ready()
        }
        for w in ready { w.resume() }
    }

    /// Returns once at least this many checks were admitted and queued (in all, since the start).
    public func reached(admitted: Int, queued: Int = 0) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                if s.admitted >= admitted && s.queued >= queued { return true }
                s.watchers.append((admitted, queued, c))
                return false
            }
            if now { c.resume() }
        }
    }

    /// Lets every held and later check go.
    public func open() {
        let held = state.withLock { s in
            s.isOpen = true
            defer { s.held = [] }
            return s.held
        }
        for c in held { c.resume() }
    }
}

/// A token bucket per client address (an IPv6 one by its /64, `limitKey`): `burst` requests at once, then `perMinute`.
final class RateLimiter: Sendable {
    let burst: Double
    let perSecond: Double
    let clock: @Sendable () -> TimeInterval
    /// Addresses remembered at most; a full table forgets the addresses whose buckets are full again, then the half
    /// whose buckets are fullest.
    static let maxAddresses = 100_000
    private let buckets = Mutex<[String: (tokens: Double, at: TimeInterval)]>([:])

    init(limits: PublicLimits) {
        burst = Double(max(1, limits.burst))
        perSecond = max(limits.perMinute, 0.001) / 60
        clock = limits.rateClock
    }

    /// Nil when the address may go on, else the seconds until it may.
    func take(_ address: String) -> Int? {
        let address = ClientAddress.limitKey(address)
        let now = clock()
        return buckets.withLock { m -> Int? in
            if m.count >= Self.maxAddresses {
                let (burst, perSecond) = (burst, perSecond)
                let level = { (b: (tokens: Double, at: TimeInterval)) in min(burst, b.tokens + max(0, now - b.at) * perSecond) }
                m = m.filter { level($0.value) < burst }
                if m.count >= Self.maxAddresses {
                    // Still full: the buckets closest to full go (their clients lose little). Emptying them all would
                    // let a client with many addresses reset every limit, its own included.
                    let kept = m.sorted { level($0.value) < level($1.value) }.prefix(Self.maxAddresses / 2)
                    m = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
                }
            }
            let b = m[address] ?? (burst, now)
            let tokens = min(burst, b.tokens + max(0, now - b.at) * perSecond)
            guard tokens >= 1 else {
                m[address] = (tokens, now)
                return Int(((1 - tokens) / perSecond).rounded(.up))
            }
            m[address] = (tokens - 1, now)
            return nil
        }
    }
}

/// The public pages' rate limit per client address (after `SessionMiddleware` found it through trusted proxies).
struct PublicRateLimit: RouterMiddleware {
    typealias Context = HosoContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: HosoContext, next: (Request, HosoContext) async throws -> Response) async throws -> Response {
        if let wait = limiter.take(context.remote) {
            throw RetryLater(
                error: HosoError(
                    .publicRateLimited,
                    .both(
                        "Bạn đã kiểm tra quá nhiều lần trong thời gian ngắn. Xin đợi khoảng \(wait) giây rồi thử lại.",
                        "You have checked too many times in a short while. Please wait about \(wait) seconds and try again.")),
                seconds: wait)
        }
        return try await next(request, context)
    }
}
