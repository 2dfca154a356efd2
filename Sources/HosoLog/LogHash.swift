import Foundation
import HosoPrimitives

/// A SHA-256 value in the tree: 32 bytes held inline (no heap allocation per node), compared and hashed as bytes.
public struct LogHash: Hashable, Sendable, CustomStringConvertible {
    // Four words in memory order, so the bytes of the struct are the digest's bytes.
    private var w0: UInt64 = 0
    private var w1: UInt64 = 0
    private var w2: UInt64 = 0
    private var w3: UInt64 = 0

    public static let size = 32

    public init() {}

    /// Nil unless `bytes` holds exactly 32 bytes.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == Self.size else { return nil }
        withUnsafeMutableBytes(of: &self) { dst in
            for (i, b) in bytes.enumerated() { dst[i] = b }
        }
    }

    /// Reads 32 bytes at `raw` (a record of a log file).
    public init(raw: UnsafeRawPointer) {
        withUnsafeMutableBytes(of: &self) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Self.size)) }
    }

    public var bytes: [UInt8] { withUnsafeBytes(of: self) { Array($0) } }
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public init?(hex: some StringProtocol) {
        guard let b = Hex.decode(hex) else { return nil }
        self.init(b)
    }

    /// Base64 as checkpoints write the root hash.
    public var base64: String { Data(bytes).base64EncodedString() }

    /// The same hash with one bit flipped (tests and tamper checks).
    public func flipping(bit: Int) -> LogHash {
        var copy = self
        withUnsafeMutableBytes(of: &copy) { $0[bit / 8] ^= UInt8(1 << (bit % 8)) }
        return copy
    }

    /// SHA-256 of the empty string: the root of the empty tree (RFC 9162 §2.1.1).
    public static let emptyTree = LogHash(hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")!
}

/// The RFC 9162 hashes with domain separation: a leaf is SHA-256(0x00 ‖ data), an interior node SHA-256(0x01 ‖ left ‖ right),
/// so a leaf can never be passed off as a node. Keeps one SHA-256 context; not `Sendable` (one per task).
public final class TreeHasher {
    private let scratch = SHA256Scratch()

    public init() {}

    public func leaf(_ data: UnsafeRawBufferPointer) -> LogHash {
        var out = LogHash()
        withUnsafeMutableBytes(of: &out) { scratch.digest(prefix: 0x00, data, into: $0.baseAddress!) }
        return out
    }

    public func leaf(_ data: [UInt8]) -> LogHash { data.withUnsafeBytes { leaf($0) } }

    public func node(_ left: LogHash, _ right: LogHash) -> LogHash {
        var out = LogHash()
        withUnsafeBytes(of: left) { l in
            withUnsafeBytes(of: right) { r in
                withUnsafeMutableBytes(of: &out) { scratch.digest(prefix: 0x01, l, r, into: $0.baseAddress!) }
            }
        }
        return out
    }
}
