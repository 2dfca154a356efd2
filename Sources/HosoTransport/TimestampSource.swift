import HosoCore
import HosoPrimitives
import HosoSigning

/// Where signature timestamps come from: a TSA over HTTP, or the office's own authority in-process.
public enum TimestampSource: Sendable {
    case url(String)
    case authority(TimeStampAuthority)

    package func token(forSignatureValue value: [UInt8]) throws -> [UInt8] {
        let digest = SHA256.hash(value)
        switch self {
        case .url(let u): return try TimeStampClient.fetch(url: u, digest: digest, timeout: 30)
        case .authority(let a): return try a.token(forDigest: digest)
        }
    }
}
