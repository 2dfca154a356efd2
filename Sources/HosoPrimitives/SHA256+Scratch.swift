import COpenSSL

/// A SHA-256 context kept for many small digests (Merkle tree nodes): one algorithm fetch and one context instead of
/// an implicit fetch and a fresh context per call, which is most of the cost of hashing 65 bytes.
/// Not `Sendable`: one scratch belongs to one task.
package final class SHA256Scratch {
    private let ctx: OpaquePointer
    private let md: OpaquePointer

    package init() {
        guard let ctx = EVP_MD_CTX_new(), let md = EVP_MD_fetch(nil, "SHA256", nil) else {
            fatalError("EVP_MD_CTX_new/EVP_MD_fetch(SHA256) failed: out of memory or a broken OpenSSL install")
        }
        self.ctx = ctx
        self.md = md
    }

    deinit {
        EVP_MD_CTX_free(ctx)
        EVP_MD_free(md)
    }

    /// SHA-256 of `prefix` byte followed by `parts`, written to the 32 bytes at `out`.
    package func digest(prefix: UInt8, _ parts: UnsafeRawBufferPointer..., into out: UnsafeMutableRawPointer) {
        var p = prefix
        var n: UInt32 = 0
        guard EVP_DigestInit_ex(ctx, md, nil) == 1, EVP_DigestUpdate(ctx, &p, 1) == 1 else {
            fatalError("EVP_DigestInit_ex(SHA-256) failed")
        }
        for part in parts where part.count > 0 {
            guard EVP_DigestUpdate(ctx, part.baseAddress, part.count) == 1 else { fatalError("EVP_DigestUpdate failed") }
        }
        guard EVP_DigestFinal_ex(ctx, out.assumingMemoryBound(to: UInt8.self), &n) == 1, n == 32 else {
            fatalError("EVP_DigestFinal_ex failed")
        }
    }
}
