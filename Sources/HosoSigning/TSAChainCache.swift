import COpenSSL
import Foundation
import HosoCore
import Synchronization

/// TSA chains already checked, shared by every token and every verifier: building and checking the chain of a TSA
/// certificate (P-384 signatures in the demo PKI) costs far more than the rest of a token's check, and it depends only
/// on the certificates, not on genTime — the validity periods are checked again for each token. Bounded: cleared when
/// full.
final class TSAChainCache: Sendable {
    static let shared = TSAChainCache()
    private struct State {
        /// (TSA certificate, untrusted pool, roots) → the chain X509_verify_cert built, leaf first.
        var chains = [String: [Certificate]]()
        /// Chains (SHA-256 of each certificate's DER, leaf first, joined) whose signatures have been verified.
        var verified = Set<[UInt8]>()
    }
    private let state = Mutex(State())
    private let limit = 1024

    static func key(tsa: Certificate, pool: [Certificate], roots: [Certificate]) -> String {
        tsa.fingerprint + "|" + pool.map(\.fingerprint).sorted().joined(separator: ",") + "|"
            + roots.map(\.fingerprint).sorted().joined(separator: ",")
    }

    func chain(_ key: String) -> [Certificate]? { state.withLock { $0.chains[key] } }

    func store(_ key: String, _ chain: [Certificate]) {
        let id = Self.identity(chain.map(\.x509))
        state.withLock { s in
            if s.chains.count >= limit { s.chains.removeAll() }
            if s.verified.count >= limit { s.verified.removeAll() }
            s.chains[key] = chain
            if let id { s.verified.insert(id) }
        }
    }

    private func isVerified(_ id: [UInt8]) -> Bool { state.withLock { $0.verified.contains(id) } }
    private func markVerified(_ id: [UInt8]) {
        state.withLock { s in
            if s.verified.count >= limit { s.verified.removeAll() }
            s.verified.insert(id)
        }
    }

    /// The SHA-256 digests of the certificates' DER, concatenated; nil if one cannot be computed.
    static func identity(_ certs: [OpaquePointer]) -> [UInt8]? {
        var out = [UInt8]()
        for x in certs {
            var md = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var n: UInt32 = 0
            guard X509_digest(x, EVP_sha256(), &md, &n) == 1 else { return nil }
            out += md.prefix(Int(n))
        }
        return out
    }

    /// Valid at `time` by OpenSSL's own rule (X509_cmp_time: notBefore <= time < notAfter).
    static func isValid(_ x: OpaquePointer, at time: time_t) -> Bool {
        var t = time
        return X509_cmp_time(X509_get0_notBefore(x), &t) < 0 && X509_cmp_time(X509_get0_notAfter(x), &t) > 0
    }

    /// Stands in for OpenSSL's internal_verify (the last step of X509_verify_cert, after the chain is built and its
    /// purposes, constraints and trust are checked): each certificate's signature by the next one's key (not the
    /// trust anchor's own self-signature, as OpenSSL by default), skipped when this exact chain was verified before,
    /// and every certificate's validity period at the context's time.
    static let verifyChain: X509_STORE_CTX_verify_fn = { ctx in
        guard let ctx, let stack = X509_STORE_CTX_get0_chain(ctx) else { return 0 }
        let n = hoso_sk_x509_num(stack)
        let certs = (0..<n).compactMap { hoso_sk_x509_value(stack, $0) }
        guard certs.count == n, n > 0 else { return 0 }
        let id = identity(certs)
        if id == nil || !shared.isVerified(id!) {
            for i in 0..<(n - 1) {
                guard let key = X509_get0_pubkey(certs[Int(i) + 1]), X509_verify(certs[Int(i)], key) == 1 else {
                    X509_STORE_CTX_set_error_depth(ctx, i)
                    X509_STORE_CTX_set_current_cert(ctx, certs[Int(i)])
                    X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_SIGNATURE_FAILURE)
                    return 0
                }
            }
            if let id { shared.markVerified(id) }
        }
        guard let param = X509_STORE_CTX_get0_param(ctx) else { return 0 }
        let time = X509_VERIFY_PARAM_get_time(param)
        for (i, x) in certs.enumerated() where !isValid(x, at: time) {
            X509_STORE_CTX_set_error_depth(ctx, Int32(i))
            X509_STORE_CTX_set_current_cert(ctx, x)
            X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_HAS_EXPIRED)
            return 0
        }
        return 1
    }
}
