import COpenSSL
import HosoCore

extension HosoError.Code {
    /// The key is of a kind this operation does not take (e.g. an RSA key where only ECDSA P-256 fits).
    public static let keyAlgorithmUnsupported = Self("KEY_ALGORITHM_UNSUPPORTED", .badInput)
}

extension KeyInfo {
    /// An EC key on NIST P-256 (OpenSSL calls the curve "prime256v1").
    public var isECP256: Bool { kind == .ec && bits == 256 && (curve == "prime256v1" || curve == "P-256") }
}

extension PrivateKey {
    /// The DER SubjectPublicKeyInfo of this key's public half (named curve, uncompressed point for EC keys), as a
    /// certificate for this key carries it.
    public func subjectPublicKeyInfo() throws -> [UInt8] {
        try OpenSSL.der { i2d_PUBKEY(pkey, $0) }
    }
}

extension Certificate {
    /// The DER SubjectPublicKeyInfo exactly as the certificate holds it (algorithm and key bits).
    public func subjectPublicKeyInfo() throws -> [UInt8] {
        guard let spki = X509_get_X509_PUBKEY(x509) else {
            throw OpenSSL.error(.badCertificate, .both("Chứng thư số không có khóa công khai", "The certificate holds no public key"))
        }
        return try OpenSSL.der { i2d_X509_PUBKEY(spki, $0) }
    }
}

/// ECDSA P-256 with SHA-256, the signature as a fixed 64-byte r‖s (IEEE P1363, as JOSE and COSE write it) instead of
/// a DER SEQUENCE, for payloads where every byte counts (the QR code on a certified copy).
/// Only P-256 is accepted: a fixed width needs a fixed curve, and the Vietnamese rules want ECDSA ≥ 256 bits.
public enum RawECDSA {
    /// Bytes of r‖s: two 32-byte big-endian integers.
    public static let signatureLength = 64
    static let scalarLength = 32

    /// Signs `message` (hashed with SHA-256 here). Throws KEY_ALGORITHM_UNSUPPORTED for a key that is not EC P-256.
    public static func sign(_ message: [UInt8], with key: PrivateKey) throws -> [UInt8] {
        let info = key.info
        guard info.isECP256 else {
            throw HosoError(
                .keyAlgorithmUnsupported,
                .both(
                    "Khóa ký phải là ECDSA P-256 (khóa này là \(info))",
                    "The signing key must be ECDSA P-256 (this key is \(info))"))
        }
        guard let ctx = EVP_MD_CTX_new() else {
            throw OpenSSL.error(.cryptoError, .both("Hết bộ nhớ", "Out of memory"))
        }
        defer { EVP_MD_CTX_free(ctx) }
        try OpenSSL.check(
            EVP_DigestSignInit(ctx, nil, EVP_sha256(), nil, key.pkey), .cryptoError,
            .both("Không khởi tạo được phép ký ECDSA", "Could not start an ECDSA signature"))
        let der = try message.withUnsafeBufferPointer { msg -> [UInt8] in
            var len = 0
            try OpenSSL.check(
                EVP_DigestSign(ctx, nil, &len, msg.baseAddress, msg.count), .cryptoError,
                .both("Không ký được", "Could not sign"))
            var out = [UInt8](repeating: 0, count: len)
            try OpenSSL.check(
                EVP_DigestSign(ctx, &out, &len, msg.baseAddress, msg.count), .cryptoError,
                .both("Không ký được", "Could not sign"))
            out.removeSubrange(len...)
            return out
        }
        guard let sig = OpenSSL.parseDER(der, { d2i_ECDSA_SIG(nil, $0, $1) }, free: { ECDSA_SIG_free($0) }) else {
            throw OpenSSL.error(.cryptoError, .both("Chữ ký ECDSA không đọc được", "The ECDSA signature does not parse"))
        }
        defer { ECDSA_SIG_free(sig) }
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(sig, &r, &s)
        var out = [UInt8](repeating: 0, count: signatureLength)
        let ok = out.withUnsafeMutableBufferPointer { buf -> Bool in
            guard let base = buf.baseAddress, let r, let s else { return false }
            return BN_bn2binpad(r, base, Int32(scalarLength)) == Int32(scalarLength)
                && BN_bn2binpad(s, base + scalarLength, Int32(scalarLength)) == Int32(scalarLength)
        }
        guard ok else { throw OpenSSL.error(.cryptoError, .both("Chữ ký ECDSA quá dài", "The ECDSA signature is too long")) }
        return out
    }

    /// True when `signature` (64-byte r‖s) is a valid ECDSA P-256/SHA-256 signature of `message` by the key in
    /// `certificate`. False for any other key kind, a wrong length or a bad signature; never throws.
    public static func verify(_ signature: [UInt8], of message: [UInt8], certificate: Certificate) -> Bool {
        guard signature.count == signatureLength, certificate.publicKey.isECP256,
            let pub = X509_get0_pubkey(certificate.x509)
        else { return false }
        defer { _ = OpenSSL.drainErrors() }  // a failed verification leaves entries in the queue
        guard let der = derSignature(signature), let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, EVP_sha256(), nil, pub) == 1 else { return false }
        return der.withUnsafeBufferPointer { d in
            message.withUnsafeBufferPointer { m in
                EVP_DigestVerify(ctx, d.baseAddress, d.count, m.baseAddress, m.count) == 1
            }
        }
    }

    /// r‖s as the DER ECDSA-Sig-Value OpenSSL verifies.
    static func derSignature(_ raw: [UInt8]) -> [UInt8]? {
        guard raw.count == signatureLength, let sig = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(sig) }
        let (r, s) = raw.withUnsafeBufferPointer { buf in
            (BN_bin2bn(buf.baseAddress, Int32(scalarLength), nil), BN_bin2bn(buf.baseAddress! + scalarLength, Int32(scalarLength), nil))
        }
        guard let r, let s else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        guard ECDSA_SIG_set0(sig, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }  // on success sig owns r and s
        return try? OpenSSL.der { i2d_ECDSA_SIG(sig, $0) }
    }
}
