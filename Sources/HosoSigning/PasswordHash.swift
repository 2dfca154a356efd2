import COpenSSL
import Foundation
import HosoCore

/// Passwords of the web application's accounts, hashed with scrypt (memory-hard, from OpenSSL) and stored as
/// `scrypt$N$r$p$salt$hash` (salt and hash in base64), so the cost can be raised later without breaking old hashes.
public enum PasswordHash {
    /// 2^15 × 8 × 128 bytes = 32 MiB and about 0.1 s per hash on these machines: slow for a guesser, fine for a login.
    public struct Cost: Sendable, Equatable {
        public var logN: Int
        public var r: Int
        public var p: Int
        public init(logN: Int, r: Int, p: Int) {
            self.logN = logN
            self.r = r
            self.p = p
        }
        public static let standard = Cost(logN: 15, r: 8, p: 1)
    }

    static let hashLength = 32

    /// A new salted hash of `password`.
    public static func make(_ password: String, cost: Cost = .standard) throws -> String {
        let salt = try SecureRandom.bytes(16)
        let h = try derive(Array(password.utf8), salt: salt, cost: cost, length: hashLength)
        return "scrypt$\(1 << cost.logN)$\(cost.r)$\(cost.p)$\(Data(salt).base64EncodedString())$\(Data(h).base64EncodedString())"
    }

    /// True when `password` matches `stored`; the comparison takes the same time wherever the bytes differ.
    /// A malformed stored value never matches.
    public static func check(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
            n > 1, n & (n - 1) == 0, (1...32).contains(r), (1...16).contains(p),
            let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5])),
            (16...64).contains(expected.count)
        else { return false }
        let cost = Cost(logN: n.trailingZeroBitCount, r: r, p: p)
        guard cost.logN <= 20, let got = try? derive(Array(password.utf8), salt: [UInt8](salt), cost: cost, length: expected.count)
        else { return false }
        return constantTimeEqual(got, [UInt8](expected))
    }

    /// A hash with the given cost exists, so that an unknown user name costs as much time as a known one.
    public static func dummyCheck(_ password: String) {
        _ = try? derive(Array(password.utf8), salt: [UInt8](repeating: 0, count: 16), cost: .standard, length: hashLength)
    }

    static func derive(_ password: [UInt8], salt: [UInt8], cost: Cost, length: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let n = UInt64(1) << UInt64(cost.logN)
        // OpenSSL refuses above maxmem; allow twice what this cost needs (128·N·r·p bytes).
        let maxmem = UInt64(256) * n * UInt64(cost.r) * UInt64(cost.p)
        // A trailing zero keeps the pointer valid for an empty password; the length excludes it.
        let pwBytes = password.map { CChar(bitPattern: $0) } + [0]
        let rc = pwBytes.withUnsafeBufferPointer { pw in
            salt.withUnsafeBufferPointer { s in
                EVP_PBE_scrypt(
                    pw.baseAddress, password.count, s.baseAddress, s.count, n, UInt64(cost.r), UInt64(cost.p),
                    maxmem, &out, out.count)
            }
        }
        try OpenSSL.check(rc, .cryptoError, .both("Không tính được scrypt", "scrypt failed"))
        return out
    }
}

public enum SecureRandom {
    /// Bytes from OpenSSL's CSPRNG.
    public static func bytes(_ count: Int) throws -> [UInt8] {
        var b = [UInt8](repeating: 0, count: count)
        try OpenSSL.check(RAND_bytes(&b, Int32(count)), .cryptoError, .both("Không lấy được số ngẫu nhiên", "No random bytes"))
        return b
    }

    /// A random token for cookies and forms: base64url without padding.
    public static func token(bytes count: Int = 32) throws -> String {
        Data(try bytes(count)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// Compares two byte strings in time that depends on their length only (CRYPTO_memcmp).
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
}
