import Foundation
import HosoCore
import HosoPrimitives
import HosoSigning
import Synchronization

extension HosoError.Code {
    /// The proof of work of a public form is missing, forged, expired, already used or too easy.
    public static let challengeFailed = Self("CHALLENGE_FAILED", .badInput)
    /// Too many wrong tracking code and ID digit pairs for one code: it is locked for a while.
    public static let trackingLocked = Self("TRACKING_LOCKED", .throttled)
    /// No online request with this tracking code and these ID digits.
    public static let trackingUnknown = Self("TRACKING_UNKNOWN", .badInput)
}

/// A proof of work that needs no outside service (the site works offline on an office LAN): the server hands out a
/// challenge, HMAC-signed with `key`, naming its difficulty and when it expires; the page's script
/// finds a nonce such that SHA-256(challenge ":" nonce) starts with that many zero bits; the server checks the MAC,
/// the time, the difficulty it asks for now, the hash, and that the challenge was not used before.
/// Several application servers of one hub give the same `key` and a shared `spend` (the server database's), so a
/// challenge issued by one is accepted by another, once.
public final class ProofOfWork: Sendable {
    public let bits: Int
    public let lifetime: TimeInterval
    private let key: [UInt8]
    /// Records a challenge's random part as used until it expires (seconds since 1970), given the time now; false
    /// when it was used already.
    public typealias Spend = @Sendable (_ token: String, _ expires: TimeInterval, _ now: TimeInterval) throws -> Bool
    private let spend: Spend

    /// `bits`: leading zero bits asked for (16 takes a phone about a second in plain JavaScript). Without `spend`,
    /// the used challenges are kept in this process.
    public init(bits: Int, lifetime: TimeInterval = 30 * 60, key: [UInt8]? = nil, spend: Spend? = nil) throws {
        self.bits = max(0, min(bits, 32))
        self.lifetime = lifetime
        self.key = try key ?? SecureRandom.bytes(32)
        self.spend = spend ?? SpentInProcess().spend
    }

    /// A new challenge: "v1.<random>.<expiry, unix seconds>.<bits>.<HMAC>", all URL- and form-safe.
    public func issue(now: Date) throws -> String {
        let body = "v1.\(Hex.encode(try SecureRandom.bytes(12))).\(Int(now.timeIntervalSince1970 + lifetime)).\(bits)"
        return body + "." + Hex.encode(HMAC.sha256(key: key, Array(body.utf8)))
    }

    /// Accepts `nonce` for `challenge` once; every failure says only that the form must be sent again.
    public func redeem(_ challenge: String, nonce: String, now: Date) throws {
        func fail(_ why: String) -> HosoError {
            HosoError(
                .challengeFailed,
                .both(
                    "Không kiểm tra được phép tính chống gửi tự động. Xin gửi lại biểu mẫu.",
                    "The anti-abuse calculation could not be checked. Please send the form again."), cause: why)
        }
        let parts = challenge.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard challenge.utf8.count <= 200, nonce.utf8.count <= 32, !nonce.isEmpty, parts.count == 5, parts[0] == "v1",
            let expires = Int(parts[2]), let asked = Int(parts[3]), let mac = Hex.decode(parts[4])
        else { throw fail("malformed") }
        let body = parts[0..<4].joined(separator: ".")
        guard constantTimeEqual(mac, HMAC.sha256(key: key, Array(body.utf8))) else { throw fail("forged") }
        let t = now.timeIntervalSince1970
        guard TimeInterval(expires) >= t else { throw fail("expired") }
        guard asked >= bits else { throw fail("too easy") }
        guard Self.leadingZeroBits(SHA256.hash(Array((challenge + ":" + nonce).utf8))) >= asked else { throw fail("wrong nonce") }
        guard try spend(parts[1], TimeInterval(expires), t) else { throw fail("replayed") }
    }

    static func leadingZeroBits(_ digest: [UInt8]) -> Int {
        var n = 0
        for b in digest {
            if b == 0 {
                n += 8
                continue
            }
            return n + b.leadingZeroBitCount
        }
        return n
    }

    /// A nonce for `challenge` (the page's script does the same; tests and the CLI use this one).
    public static func solve(_ challenge: String, bits: Int) -> String {
        var i = 0
        while true {
            let nonce = String(i, radix: 16)
            if leadingZeroBits(SHA256.hash(Array((challenge + ":" + nonce).utf8))) >= bits { return nonce }
            i += 1
        }
    }
}

/// Challenges used in this process, until they expire (then the time check refuses them anyway).
private final class SpentInProcess: Sendable {
    private let used = Mutex<[String: TimeInterval]>([:])
    static let maxUsed = 100_000

    func spend(_ token: String, expires: TimeInterval, now: TimeInterval) -> Bool {
        used.withLock { m in
            if m.count >= Self.maxUsed { m = m.filter { $0.value >= now } }
            guard m[token] == nil else { return false }
            m[token] = expires
            return true
        }
    }
}

/// HMAC (RFC 2104) over SHA-256.
enum HMAC {
    static func sha256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var k = key.count > 64 ? SHA256.hash(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        let inner = SHA256.hash(k.map { $0 ^ 0x36 } + message)
        return SHA256.hash(k.map { $0 ^ 0x5c } + inner)
    }
}

/// Wrong second factors per tracking code: after `limit` within `window`, the code is locked until the window has
/// passed since the first of them. With the per-address rate limit, guessing the four digits is slow from one address
/// and from many. The tries are counted where `take` and `giveBack` keep them: this process by default, or the server
/// database, so that every application server of a hub counts the same tries.
public final class AttemptLimiter: Sendable {
    /// Takes one of `limit` tries for a key within `window` seconds before `now`, atomically; false when all are taken.
    public typealias Take = @Sendable (_ key: String, _ limit: Int, _ window: Double, _ now: Double) throws -> Bool
    /// Gives back the newest try taken for a key.
    public typealias GiveBack = @Sendable (_ key: String) throws -> Void

    public let limit: Int
    public let window: TimeInterval
    private let takeTry: Take
    private let giveBack: GiveBack

    public init(limit: Int = 5, window: TimeInterval = 15 * 60, take: Take? = nil, giveBack: GiveBack? = nil) {
        self.limit = limit
        self.window = window
        let local = TriesInProcess()
        self.takeTry = take ?? local.take
        self.giveBack = giveBack ?? local.giveBack
    }

    /// Takes one try for `key` at `now`, before the second factor is looked at, or throws when the key is locked.
    /// Counted up front, so that guesses sent at the same moment cannot all pass a check that counts only failures
    /// already finished; a right answer gives its try back (`succeeded`).
    public func take(_ key: String, now: Date) throws {
        guard try takeTry(key, limit, window, now.timeIntervalSince1970) else {
            throw HosoError(
                .trackingLocked,
                .both(
                    "Đã nhập sai quá nhiều lần với mã này. Xin đợi 15 phút rồi thử lại, hoặc liên hệ bộ phận một cửa.",
                    "Too many wrong tries with this code. Please wait 15 minutes and try again, or contact the office."))
        }
    }

    /// The try taken for `key` was right: it does not count against the code.
    public func succeeded(_ key: String) throws { try giveBack(key) }
}

/// Tries counted in this process: a count and the time of the first, per key.
private final class TriesInProcess: Sendable {
    private let tries = Mutex<[String: (count: Int, since: TimeInterval)]>([:])

    func take(_ key: String, limit: Int, window: Double, now t: Double) -> Bool {
        tries.withLock { m in
            if m.count >= 100_000 { m = m.filter { t - $0.value.since <= window } }
            var f = m[key].flatMap { t - $0.since > window ? nil : $0 } ?? (count: 0, since: t)
            guard f.count < limit else { return false }
            f.count += 1
            m[key] = f
            return true
        }
    }

    func giveBack(_ key: String) {
        tries.withLock { m in
            guard var f = m[key] else { return }
            f.count -= 1
            m[key] = f.count <= 0 ? nil : f
        }
    }
}
