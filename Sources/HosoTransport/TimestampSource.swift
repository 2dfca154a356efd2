import HosoCore
import HosoPrimitives
import HosoSigning

/// Where signature timestamps come from: a TSA over HTTP, or the office's own authority in-process.
public enum TimestampSource: Sendable {
    case url(String)
    case authority(TimeStampAuthority)

    package func token(forSignatureValue value: [UInt8]) throws -> [UInt8] {
        try token(forDigest: SHA256.hash(value))
    }

    /// A token over a digest (an archive timestamp's hash-tree root or a renewed token's hash).
    package func token(forDigest digest: [UInt8], algorithm: TimeStampHash = .sha256) throws -> [UInt8] {
        switch self {
        case .url(let u): return try TimeStampClient.fetch(url: u, digest: digest, algorithm: algorithm, timeout: 30)
        case .authority(let a): return try a.token(forDigest: digest, algorithm: algorithm)
        }
    }
}
