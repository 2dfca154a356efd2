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
