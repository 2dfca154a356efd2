import COpenSSL

/// SHA-256 through OpenSSL's EVP interface (it uses the CPU's SHA extensions where present): the one digest
/// every module uses, for object names, signed bytes, tokens and fingerprints.
///
/// A class because it owns an `EVP_MD_CTX`; not `Sendable`: one hasher belongs to one task.
package final class SHA256 {
    private let ctx: OpaquePointer

    package init() {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        self.ctx = ctx
        // Init fails only on allocation failure or a broken OpenSSL install; neither is recoverable.
        guard EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else { fatalError("EVP_DigestInit_ex(SHA-256) failed") }
    }

    deinit { EVP_MD_CTX_free(ctx) }

    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard EVP_DigestUpdate(ctx, base, bytes.count) == 1 else { fatalError("EVP_DigestUpdate failed") }
    }

    package func update(_ bytes: some Collection<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// The 32-byte digest; the hasher is spent afterwards.
    package func finalize() -> [UInt8] {
        var md = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        guard EVP_DigestFinal_ex(ctx, &md, &len) == 1, len == 32 else { fatalError("EVP_DigestFinal_ex failed") }
        return md
    }

    /// The digest of `bytes` in one call (no context allocation kept).
    package static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var n: UInt32 = 0
        let oneShot: (UnsafeRawBufferPointer) -> Void = { raw in
            guard EVP_Digest(raw.baseAddress, raw.count, &out, &n, EVP_sha256(), nil) == 1, n == 32 else {
                fatalError("EVP_Digest(SHA-256) failed")
            }
        }
        if bytes.withContiguousStorageIfAvailable({ oneShot(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes(oneShot)
        }
        return out
    }

    /// The digest as 64 lowercase hex digits, as `sha256sum` prints it.
    package static func hex(_ bytes: some Collection<UInt8>) -> String { Hex.encode(hash(bytes)) }
}
