import COpenSSL
import HosoCore

/// Streaming SHA-256 through OpenSSL's EVP interface (uses the CPU's SHA extensions where present).
public final class SHA256Hasher {
    private let ctx: OpaquePointer

    public init() {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        self.ctx = ctx
        // Init can only fail on allocation failure or a broken OpenSSL install; neither is recoverable.
        guard EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else { fatalError("EVP_DigestInit_ex(SHA-256) failed") }
    }

    deinit { EVP_MD_CTX_free(ctx) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard EVP_DigestUpdate(ctx, base, bytes.count) == 1 else { fatalError("EVP_DigestUpdate failed") }
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    public func finalize() -> ObjectID {
        var md = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        guard EVP_DigestFinal_ex(ctx, &md, &len) == 1, len == 32 else { fatalError("EVP_DigestFinal_ex failed") }
        return ObjectID(digest: md)
    }

    public static func hash(_ bytes: some Sequence<UInt8>) -> ObjectID {
        let h = SHA256Hasher()
        h.update(Array(bytes))
        return h.finalize()
    }
}
