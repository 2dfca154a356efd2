import Foundation

/// A deterministic xorshift64 generator, so a failing input reproduces.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The last value returned by `next()`; the seed before the first call.
    public private(set) var state: UInt64

    /// Starts from `seed` (not 0: xorshift stays at 0 forever).
    public init(seed: UInt64) { state = seed }

    /// Steps the generator (x ^= x << 13; x ^= x >> 7; x ^= x << 17) and returns the new state.
    public mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    /// A value in 0..<n from the next state, by remainder.
    public mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// A deterministic SplitMix64 generator: well-mixed values from any seed, so a failing input reproduces.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The counter the next value is mixed from.
    public private(set) var state: UInt64

    /// Starts from `seed`.
    public init(seed: UInt64) { state = seed }

    /// Advances the counter and returns its mix.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` deterministic pseudo-random bytes: the low byte of each state of a `SeededGenerator`.
public func noise(_ count: Int, seed: UInt64 = 0x9E3779B97F4A7C15) -> [UInt8] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: g.next()) }
}

/// Flips the lowest bit of the byte at `offset` of a file, which may be read-only like every stored object.
public func flipByte(at offset: Int, in path: String) throws {
    chmod(path, 0o644)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[offset] ^= 0x01
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The first offset at or after `start` where `needle` occurs in `haystack`.
public func byteOffset(of needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
    guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
    for i in start...(haystack.count - needle.count)
    where haystack[i] == needle[0] && haystack[i..<i + needle.count].elementsEqual(needle) {
        return i
    }
    return nil
}
