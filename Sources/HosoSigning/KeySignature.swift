import COpenSSL
import HosoCore

/// A plain signature over bytes with whatever key a node has, for signed notes (log checkpoints): ECDSA with SHA-256
/// as a DER ECDSA-Sig-Value, or RSA-PSS with SHA-256 (MGF1-SHA-256, salt of 32 bytes), the choices CMS signing here
/// makes too. Works with keys in memory and on tokens.
public enum KeySignature {
    /// The signature algorithm a key signs with: "ecdsa-sha256" or "rsa-pss-sha256".
    public static func algorithm(of info: KeyInfo) throws -> String {
        switch info.kind {
        case .ec: return "ecdsa-sha256"
        case .rsa, .rsaPSS: return "rsa-pss-sha256"
        case .other:
            throw HosoError(
                .keyAlgorithmUnsupported,
                .both("Khóa phải là ECDSA hoặc RSA (khóa này là \(info))", "The key must be ECDSA or RSA (this key is \(info))"))
        }
    }

    public static func sign(_ message: [UInt8], with key: PrivateKey) throws -> [UInt8] {
        _ = try algorithm(of: key.info)
        let ctx = try OpenSSL.nonNull(EVP_MD_CTX_new(), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer?
        try OpenSSL.check(
            EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nil, key.pkey), .cryptoError,
            .both("Không khởi tạo được phép ký", "Could not start signing"))
        if key.info.kind != .ec {
            guard let pctx, hoso_ctx_set_pss(pctx) == 1 else {
                throw OpenSSL.error(.cryptoError, .both("Không đặt được RSA-PSS", "Could not select RSA-PSS"))
            }
        }
        return try message.withUnsafeBufferPointer { msg in
            var len = 0
            try OpenSSL.check(
                EVP_DigestSign(ctx, nil, &len, msg.baseAddress, msg.count), .cryptoError, .both("Không ký được", "Could not sign"))
            var out = [UInt8](repeating: 0, count: len)
            try OpenSSL.check(
                EVP_DigestSign(ctx, &out, &len, msg.baseAddress, msg.count), .cryptoError, .both("Không ký được", "Could not sign"))
            return Array(out.prefix(len))
        }
    }

    /// True when `signature` is this scheme's signature of `message` by the key in `certificate`; never throws.
    public static func verify(_ signature: [UInt8], of message: [UInt8], certificate: Certificate) -> Bool {
        guard (try? algorithm(of: certificate.publicKey)) != nil, let pub = X509_get0_pubkey(certificate.x509),
            let ctx = EVP_MD_CTX_new()
        else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        defer { _ = OpenSSL.drainErrors() }  // a failed verification leaves entries in the queue
        var pctx: OpaquePointer?
        guard EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nil, pub) == 1 else { return false }
        if certificate.publicKey.kind != .ec {
            guard let pctx, hoso_ctx_set_pss(pctx) == 1 else { return false }
        }
        return signature.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in EVP_DigestVerify(ctx, s.baseAddress, s.count, m.baseAddress, m.count) == 1 }
        }
    }
}
