import Foundation
import HosoCore

/// The PKCS#11 libraries of the tokens teachers and officials in Vietnam carry, by a short name, so that
/// `hoso agent --module safenet` works without knowing where the vendor put its library. `evidence` says how sure we
/// are: "tested" (used by this project's tests on this machine), "2nd" (named by a vendor or CA document we read
/// about, not tried here), "belief" (our understanding, unconfirmed). The paths are the usual install places; any
/// other path can be given as it is.
public struct PKCS11Module: Sendable, Encodable, Equatable {
    public var name: String
    public var product: String
    /// Whose tokens use it, in plain words.
    public var tokens: LocalizedText
    public var paths: [String]
    public var evidence: String

    /// The first of `paths` present on this machine.
    public var installedPath: String? { paths.first { FileManager.default.fileExists(atPath: $0) } }

    enum Keys: String, CodingKey { case name, product, tokens, paths, evidence, installed }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .name)
        try c.encode(product, forKey: .product)
        try c.encode(tokens.vi, forKey: .tokens)
        try c.encode(paths, forKey: .paths)
        try c.encode(evidence, forKey: .evidence)
        try c.encodeIfPresent(installedPath, forKey: .installed)
    }
}

extension HosoError.Code {
    /// `--module` names neither a known token library nor an existing file.
    public static let pkcs11ModuleNotFound = Self("PKCS11_MODULE_NOT_FOUND", .notFound)
}

public enum PKCS11Modules {
    static let lib = ["/usr/lib", "/usr/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/local/lib"]

    public static let known: [PKCS11Module] = [
        PKCS11Module(
            name: "softhsm2", product: "SoftHSM2",
            tokens: .both("Thiết bị ký bằng phần mềm, dùng để thử nghiệm", "A software token, for testing"),
            paths: [
                "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                "/usr/local/lib/softhsm/libsofthsm2.so",
            ],
            evidence: "tested"),
        PKCS11Module(
            name: "opensc", product: "OpenSC",
            tokens: .both(
                "Thẻ thông minh và token theo chuẩn (PIV, ePass2003 và nhiều loại khác)",
                "Standard smart cards and tokens (PIV, ePass2003 and many more)"),
            paths: lib.map { $0 + "/opensc-pkcs11.so" } + ["/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so"],
            evidence: "tested"),
        PKCS11Module(
            name: "safenet", product: "SafeNet Authentication Client (eToken)",
            tokens: .both(
                "Token SafeNet eToken của Ban Cơ yếu Chính phủ (VGCA) cho cán bộ, giáo viên",
                "SafeNet eTokens of the Government Cipher Committee (VGCA) for civil servants and teachers"),
            paths: lib.map { $0 + "/libeTPkcs11.so" } + ["/usr/lib/pkcs11/libeTPkcs11.so"], evidence: "belief"),
        PKCS11Module(
            name: "bit4id", product: "Bit4id Universal Middleware",
            tokens: .both("Token Bit4id (một số token của VGCA)", "Bit4id tokens (some of VGCA's)"),
            paths: lib.map { $0 + "/libbit4xpki.so" } + ["/usr/lib/bit4id/libbit4xpki.so"], evidence: "belief"),
        PKCS11Module(
            name: "idprime", product: "Thales IDPrime (SafeNet Minidriver)",
            tokens: .both("Thẻ và token Thales IDPrime", "Thales IDPrime cards and tokens"),
            paths: lib.map { $0 + "/libIDPrimePKCS11.so" }, evidence: "belief"),
        PKCS11Module(
            name: "epass2003", product: "Feitian ePass2003",
            tokens: .both(
                "Token Feitian ePass2003, dùng bởi một số nhà cung cấp chữ ký số công cộng",
                "Feitian ePass2003 tokens, used by some public CAs"),
            paths: lib.map { $0 + "/libcastle.so.1.0.0" }, evidence: "belief"),
        PKCS11Module(
            name: "p11-kit", product: "p11-kit proxy",
            tokens: .both("Mọi mô-đun đã đăng ký với p11-kit trên máy", "Every module registered with p11-kit on this machine"),
            paths: ["/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so", "/usr/lib64/p11-kit-proxy.so"], evidence: "belief"),
    ]

    /// The module used when none is named: an installed vendor library first (a teacher's real token), then OpenSC.
    public static var preferred: PKCS11Module? {
        let real = known.filter { !["softhsm2", "p11-kit", "opensc"].contains($0.name) } + known.filter { $0.name == "opensc" }
        return real.first { $0.installedPath != nil }
    }

    /// A short name from `known` or a path to a library; the path it comes to, which must exist.
    public static func resolve(_ nameOrPath: String) throws -> String {
        if let m = known.first(where: { $0.name == nameOrPath.lowercased() }) {
            guard let p = m.installedPath else {
                throw HosoError(
                    .pkcs11ModuleNotFound,
                    .both(
                        "Chưa cài thư viện PKCS#11 của \(m.product) (tìm ở \(m.paths.joined(separator: ", ")))",
                        "The PKCS#11 library of \(m.product) is not installed (looked in \(m.paths.joined(separator: ", ")))"),
                    location: nameOrPath)
            }
            return p
        }
        guard nameOrPath.contains("/"), FileManager.default.fileExists(atPath: nameOrPath) else {
            throw HosoError(
                .pkcs11ModuleNotFound,
                .both(
                    "Không có mô-đun PKCS#11 như vậy (tên đã biết: \(known.map(\.name).joined(separator: ", ")), hoặc đường dẫn tệp .so)",
                    "No such PKCS#11 module (known names: \(known.map(\.name).joined(separator: ", ")), or a path to a .so file)"),
                location: nameOrPath)
        }
        return nameOrPath
    }
}
