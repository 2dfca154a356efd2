import COpenSSL
import Foundation
import HosoCore

/// A private key: in memory (generated, PEM or PKCS#12) or on a token (PKCS#11 through the engine).
/// Owns its `EVP_PKEY*`.
// @unchecked: the EVP_PKEY is not mutated after init; each signing operation makes its own context.
public final class PrivateKey: @unchecked Sendable {
    let pkey: OpaquePointer
    /// The engine that holds a token key; kept alive as long as the key.
    private let engine: Engine?

    /// The key's type and size, read once (asked on every signature).
    public let info: KeyInfo

    init(takingOwnership pkey: OpaquePointer, engine: Engine? = nil) {
        self.pkey = pkey
        self.engine = engine
        self.info = KeyInfo(pkey)
    }

    deinit { EVP_PKEY_free(pkey) }

    public enum Algorithm: String, Sendable, CaseIterable {
        case rsa2048 = "rsa2048"
        case rsa3072 = "rsa3072"
        case ecP256 = "p256"
        case ecP384 = "p384"
    }

    /// A fresh key from OpenSSL's random generator.
    public static func generate(_ alg: Algorithm) throws -> PrivateKey {
        let p: OpaquePointer? =
            switch alg {
            case .rsa2048: hoso_rsa_gen(2048)
            case .rsa3072: hoso_rsa_gen(3072)
            case .ecP256: hoso_ec_gen("P-256")
            case .ecP384: hoso_ec_gen("P-384")
            }
        return PrivateKey(takingOwnership: try OpenSSL.nonNull(p, .cryptoError, .both("Không tạo được khóa", "Could not generate a key")))
    }

    public var isOnToken: Bool { engine != nil }

    /// Unencrypted PKCS#8 PEM (for test fixtures and token import only).
    public func pkcs8PEM() throws -> String {
        let bytes = try OpenSSL.collect { bio in
            try OpenSSL.check(
                PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil), .cryptoError,
                .both("Không ghi được khóa", "Could not write the key"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func load(pem bytes: [UInt8], source: String? = nil) throws -> PrivateKey {
        let p = try OpenSSL.withReadBIO(bytes) { bio in PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
        return PrivateKey(
            takingOwnership: try OpenSSL.nonNull(
                p, .badKey,
                .both(
                    "Không đọc được khóa bí mật (PEM)",
                    "Not a readable private key (PEM)")))
    }

    /// True when `cert` carries this key's public half.
    public func matches(_ cert: Certificate) -> Bool {
        guard let pub = X509_get0_pubkey(cert.x509) else { return false }
        return EVP_PKEY_eq(pub, pkey) == 1
    }
}

/// A key with its certificate and the CA certificates that lead towards a root.
public struct SigningIdentity: Sendable {
    public var key: PrivateKey
    public var certificate: Certificate
    public var chain: [Certificate]

    public init(key: PrivateKey, certificate: Certificate, chain: [Certificate] = []) {
        self.key = key
        self.certificate = certificate
        self.chain = chain
    }
}

// MARK: - PKCS#12

public enum PKCS12 {
    /// Opens a PKCS#12 file. A wrong password is `BAD_PASSWORD`, told apart from a damaged file.
    public static func open(_ bytes: [UInt8], password: String, source: String? = nil) throws -> SigningIdentity {
        guard let p12 = OpenSSL.parseDER(bytes, { d2i_PKCS12(nil, $0, $1) }, free: { PKCS12_free($0) }) else {
            throw OpenSSL.error(.badKey, .both("Không phải tệp PKCS#12 đọc được", "Not a readable PKCS#12 file"), location: source)
        }
        defer { PKCS12_free(p12) }
        guard PKCS12_verify_mac(p12, password, -1) == 1 else {
            _ = OpenSSL.drainErrors()
            throw HosoError(
                .badPassword, .both("Sai mật khẩu của tệp khóa PKCS#12", "Wrong password for the PKCS#12 key file"),
                location: source)
        }
        var pkey: OpaquePointer?
        var x509: OpaquePointer?
        var ca: OpaquePointer?
        guard PKCS12_parse(p12, password, &pkey, &x509, &ca) == 1 else {
            throw OpenSSL.error(.badKey, .both("Không mở được tệp PKCS#12", "Could not open the PKCS#12 file"), location: source)
        }
        defer { if let ca { hoso_sk_x509_pop_free(ca) } }
        guard let pkey else {
            if let x509 { X509_free(x509) }
            throw HosoError(.badKey, .both("Tệp PKCS#12 không có khóa bí mật", "The PKCS#12 file holds no private key"), location: source)
        }
        let key = PrivateKey(takingOwnership: pkey)
        guard let x509 else {
            throw HosoError(.badKey, .both("Tệp PKCS#12 không có chứng thư số", "The PKCS#12 file holds no certificate"), location: source)
        }
        let cert = try Certificate(takingOwnership: x509)
        var chain = [Certificate]()
        if let ca {
            for i in 0..<hoso_sk_x509_num(ca) {
                guard let c = hoso_sk_x509_value(ca, i) else { continue }
                chain.append(try Certificate(der: try OpenSSL.der { i2d_X509(c, $0) }))
            }
        }
        return SigningIdentity(key: key, certificate: cert, chain: chain)
    }

    /// Writes key, certificate and chain as a PKCS#12 file (AES-256 and PBKDF2, OpenSSL 3's defaults).
    public static func export(_ id: SigningIdentity, password: String, name: String) throws -> [UInt8] {
        guard let ca = hoso_sk_x509_new() else { throw OpenSSL.error(.cryptoError, .both("Hết bộ nhớ", "Out of memory")) }
        defer { hoso_sk_x509_free(ca) }
        for c in id.chain { _ = hoso_sk_x509_push(ca, c.x509) }
        let p12 = try OpenSSL.nonNull(
            PKCS12_create(password, name, id.key.pkey, id.certificate.x509, ca, 0, 0, 0, 0, 0),
            .cryptoError, .both("Không tạo được tệp PKCS#12", "Could not create the PKCS#12 file"))
        defer { PKCS12_free(p12) }
        return try OpenSSL.der { i2d_PKCS12(p12, $0) }
    }
}

// MARK: - PKCS#11 tokens

/// The pkcs11 engine (libp11, Debian's libengine-pkcs11-openssl) bound to one module.
// @unchecked: the ENGINE handle is set up once in init and only read after (keys loaded from it keep it alive).
final class Engine: @unchecked Sendable {
    let e: OpaquePointer

    init(modulePath: String?) throws {
        ENGINE_load_builtin_engines()
        guard let e = ENGINE_by_id("pkcs11") else {
            throw OpenSSL.error(
                .tokenError,
                .both(
                    "Không nạp được engine pkcs11 (cài gói libengine-pkcs11-openssl)",
                    "Could not load the pkcs11 engine (install libengine-pkcs11-openssl)"))
        }
        self.e = e
        if let modulePath {
            guard ENGINE_ctrl_cmd_string(e, "MODULE_PATH", modulePath, 0) == 1 else {
                ENGINE_free(e)
                throw OpenSSL.error(
                    .tokenError, .both("Không dùng được mô-đun PKCS#11", "Cannot use the PKCS#11 module"),
                    location: modulePath)
            }
        }
        guard ENGINE_init(e) == 1 else {
            ENGINE_free(e)
            throw OpenSSL.error(.tokenError, .both("Không khởi động được engine pkcs11", "Could not start the pkcs11 engine"))
        }
    }

    deinit {
        ENGINE_finish(e)
        ENGINE_free(e)
    }
}

public enum PKCS11 {
    /// The module used when neither the URI (`module-path=`) nor HOSO_PKCS11_MODULE names one.
    public static let defaultModules = [
        "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so",
    ]

    /// Opens a token key by its RFC 7512 URI. The PIN never appears in errors or logs.
    public static func open(uri: String, pin: String, modulePath: String?, certificate: Certificate?) throws -> SigningIdentity {
        let module =
            modulePath ?? uriAttribute(uri, "module-path")
            ?? defaultModules.first { FileManager.default.fileExists(atPath: $0) }
        let engine = try Engine(modulePath: module)
        guard ENGINE_ctrl_cmd_string(engine.e, "PIN", pin, 0) == 1 else {
            throw OpenSSL.error(.tokenError, .both("Engine pkcs11 không nhận mã PIN", "The pkcs11 engine refused the PIN"))
        }
        let keyURI = uri.contains("type=") ? uri : uri + ";type=private"
        guard let pkey = ENGINE_load_private_key(engine.e, keyURI, nil, nil) else {
            let detail = OpenSSL.drainErrors()
            let wrongPin = detail.localizedCaseInsensitiveContains("PIN") || detail.contains("login")
            throw HosoError(
                wrongPin ? .badPassword : .tokenError,
                wrongPin
                    ? .both("Sai mã PIN của thiết bị ký (token)", "Wrong PIN for the signing token")
                    : .both("Không tìm thấy khóa trên thiết bị ký", "No such key on the signing token"),
                location: redacted(uri), cause: detail)
        }
        let key = PrivateKey(takingOwnership: pkey, engine: engine)
        let cert: Certificate
        if let certificate {
            cert = certificate
        } else {
            let certURI = uri.replacingOccurrences(of: "type=private", with: "type=cert")
            guard let x = hoso_engine_load_cert(engine.e, certURI) else {
                throw OpenSSL.error(
                    .tokenError,
                    .both(
                        "Thiết bị ký không có chứng thư số cho khóa này (dùng --cert)",
                        "The token holds no certificate for this key (use --cert)"),
                    location: redacted(uri))
            }
            cert = try Certificate(takingOwnership: x)
        }
        return SigningIdentity(key: key, certificate: cert, chain: [])
    }

    static func uriAttribute(_ uri: String, _ name: String) -> String? {
        for part in uri.dropFirst("pkcs11:".count).split(whereSeparator: { $0 == ";" || $0 == "?" || $0 == "&" }) {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == name { return String(kv[1]).removingPercentEncoding ?? String(kv[1]) }
        }
        return nil
    }

    /// The URI without any `pin-value` (errors must not show PINs).
    static func redacted(_ uri: String) -> String {
        uri.split(separator: ";").filter { !$0.hasPrefix("pin-value=") }.joined(separator: ";")
    }
}
