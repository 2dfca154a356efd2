import COpenSSL
import Foundation
import HosoCore
import HosoPrimitives

/// An X.509 certificate. Owns its `X509*`; keeps the exact DER it was read from.
// @unchecked: the X509 is never mutated after init, and OpenSSL's reads of it are thread-safe.
public final class Certificate: @unchecked Sendable, Equatable, Hashable, CustomStringConvertible {
    let x509: OpaquePointer
    public let der: [UInt8]

    /// SHA-256 of the DER, hex: the certificate's object id in the archive.
    public let fingerprint: String

    /// Read once at parse time: a verifier consults these for every signature, and OpenSSL's name printing and
    /// time conversions were most of a verification's own cost.
    public let subject: String
    public let issuer: String
    public let commonName: String?
    public let issuerCommonName: String?
    public let serialHex: String
    public let notBefore: Date
    public let notAfter: Date
    public let publicKey: KeyInfo
    public let keyUsage: UInt32?
    public let extendedKeyUsage: [String]?
    public let isCA: Bool

    /// Frees `x509` itself when it throws: a class whose initializer throws before every property is set never runs
    /// `deinit`, and no caller frees it after handing it over.
    init(takingOwnership x509: OpaquePointer) throws {
        let der: [UInt8]
        do { der = try OpenSSL.der { i2d_X509(x509, $0) } } catch {
            X509_free(x509)
            throw error
        }
        self.x509 = x509
        self.der = der
        self.fingerprint = Hex.encode(SHA256.hash(der))
        subject = OpenSSL.nameText(X509_get_subject_name(x509))
        issuer = OpenSSL.nameText(X509_get_issuer_name(x509))
        commonName = OpenSSL.nameEntry(X509_get_subject_name(x509), nid: NID_commonName)
        issuerCommonName = OpenSSL.nameEntry(X509_get_issuer_name(x509), nid: NID_commonName)
        serialHex = Self.serialHex(X509_get0_serialNumber(x509))
        notBefore = OpenSSL.date(X509_get0_notBefore(x509)) ?? .distantFuture
        notAfter = OpenSSL.date(X509_get0_notAfter(x509)) ?? .distantPast
        publicKey = KeyInfo(X509_get0_pubkey(x509))
        isCA = X509_check_ca(x509) != 0
        keyUsage = X509_get_extension_flags(x509) & UInt32(EXFLAG_KUSAGE) != 0 ? X509_get_key_usage(x509) : nil
        var crit: Int32 = 0
        if let raw = X509_get_ext_d2i(x509, NID_ext_key_usage, &crit, nil) {
            let eku = OpaquePointer(raw)
            extendedKeyUsage = (0..<hoso_sk_asn1obj_num(eku)).map { OpenSSL.oidText(hoso_sk_asn1obj_value(eku, $0)) }
            hoso_extkeyusage_free(eku)
        } else {
            extendedKeyUsage = nil
        }
    }

    public convenience init(der: [UInt8], source: String? = nil) throws {
        guard let x = OpenSSL.parseDER(der, { d2i_X509(nil, $0, $1) }, free: { X509_free($0) }) else {
            throw OpenSSL.error(
                .badCertificate, .both("Không đọc được chứng thư số (DER)", "Not a readable certificate (DER)"),
                location: source)
        }
        try self.init(takingOwnership: x)
    }

    /// Every certificate in PEM text, or one DER certificate.
    public static func load(_ bytes: [UInt8], source: String? = nil) throws -> [Certificate] {
        if PEM.looksLikePEM(bytes) {
            let certs = try PEM.blocks(bytes).filter { $0.label == "CERTIFICATE" }.map { try Certificate(der: $0.der, source: source) }
            if certs.isEmpty {
                throw HosoError(
                    .badCertificate, .both("Tệp PEM không có chứng thư số nào", "The PEM file holds no certificate"),
                    location: source)
            }
            return certs
        }
        return [try Certificate(der: bytes, source: source)]
    }

    public static func load(file: String) throws -> [Certificate] {
        try load(try readFile(file), source: file)
    }

    deinit { X509_free(x509) }

    public static func == (a: Certificate, b: Certificate) -> Bool { a.der == b.der }
    public func hash(into h: inout Hasher) { h.combine(der) }

    public var pem: String { PEM.encode(der, label: "CERTIFICATE") }
    public var description: String { commonName ?? subject }

    /// The serial number in lowercase hex, as CRLs name it.

    static func serialHex(_ s: UnsafePointer<ASN1_INTEGER>?) -> String {
        guard let s, let bn = ASN1_INTEGER_to_BN(s, nil) else { return "" }
        defer { BN_free(bn) }
        guard let h = BN_bn2hex(bn) else { return "" }
        defer { hoso_openssl_free(h) }
        return String(cString: h).lowercased()
    }

    public func isValid(at date: Date) -> Bool { notBefore <= date && date <= notAfter }

    public var isSelfSigned: Bool { X509_check_issued(x509, x509) == X509_V_OK }

    /// True when `issuer`'s subject is this certificate's issuer and its key signed this certificate.
    public func isIssued(by issuer: Certificate) -> Bool {
        guard X509_check_issued(issuer.x509, x509) == X509_V_OK, let key = X509_get0_pubkey(issuer.x509) else { return false }
        return X509_verify(x509, key) == 1
    }

    /// May this certificate's key sign documents? (digitalSignature or nonRepudiation, and no EKU that excludes it.)
    public var canSignDocuments: Bool {
        if let ku = keyUsage, ku & UInt32(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION) == 0 { return false }
        if let eku = extendedKeyUsage { return eku.contains(where: Self.documentSigningUsages.contains) }
        return true
    }

    /// Extended key usages that allow signing documents (code signing: some national CAs issue it to people).
    static let documentSigningUsages: Set<String> = [OID.emailProtection, OID.documentSigning, OID.anyExtendedKeyUsage, OID.codeSigning]

    public var canSignTimestamps: Bool { extendedKeyUsage == [OID.timeStamping] }

    /// The algorithm that signed this certificate, e.g. "sha256WithRSAEncryption".
    public var signatureAlgorithm: String {
        let nid = X509_get_signature_nid(x509)
        return String(cString: OBJ_nid2ln(nid))
    }

    /// True when the certificate was signed with SHA-1 or MD5.
    public var hasWeakSignature: Bool {
        var md: Int32 = 0
        var pk: Int32 = 0
        guard OBJ_find_sigid_algs(X509_get_signature_nid(x509), &md, &pk) == 1 else { return false }
        return md == NID_sha1 || md == NID_md5 || md == NID_md5_sha1
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw HosoError(.inputNotFound, .both("Không đọc được tệp", "Cannot read the file"), location: path)
        }
        return [UInt8](d)
    }
}

/// What kind of public key a certificate or private key holds.
public struct KeyInfo: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case rsa = "RSA"
        case rsaPSS = "RSA-PSS"
        case ec = "EC"
        case other
    }
    public var kind: Kind
    public var bits: Int
    /// Curve name for EC keys ("prime256v1").
    public var curve: String?

    init(_ pkey: OpaquePointer?) {
        guard let pkey else {
            kind = .other
            bits = 0
            curve = nil
            return
        }
        bits = Int(EVP_PKEY_get_bits(pkey))
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_RSA: kind = .rsa
        case EVP_PKEY_RSA_PSS: kind = .rsaPSS
        case EVP_PKEY_EC: kind = .ec
        default: kind = .other
        }
        var buf = [CChar](repeating: 0, count: 64)
        var len = 0
        if kind == .ec, EVP_PKEY_get_utf8_string_param(pkey, "group", &buf, buf.count, &len) == 1 {
            curve = String(decoding: buf.prefix(len).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            curve = nil
        }
    }

    /// Keys the Vietnamese rules accept (Thông tư 15/2025/TT-BKHCN): RSA ≥ 2048 bits, ECDSA ≥ 256 bits.
    public var isStrongEnough: Bool {
        switch kind {
        case .rsa, .rsaPSS: return bits >= 2048
        case .ec: return bits >= 256
        case .other: return false
        }
    }

    public var description: String {
        switch kind {
        case .ec: return "ECDSA \(curve ?? "") \(bits)"
        case .other: return "unknown key"
        default: return "\(kind.rawValue) \(bits)"
        }
    }
}

/// Object identifiers hoso reads or writes.
public enum OID {
    public static let emailProtection = "1.3.6.1.5.5.7.3.4"
    public static let timeStamping = "1.3.6.1.5.5.7.3.8"
    public static let codeSigning = "1.3.6.1.5.5.7.3.3"
    public static let documentSigning = "1.3.6.1.4.1.311.10.3.12"
    public static let anyExtendedKeyUsage = "2.5.29.37.0"
    /// ETSI EN 319 122-1 signer-attributes-v2 (carries the claimed role).
    public static let signerAttributesV2 = "0.4.0.19122.1.1"
    /// X.509 role attribute type (id-at-role).
    public static let role = "2.5.4.72"
    /// id-at-title: the signer's title, claimed beside the role (certificates carry no title).
    public static let title = "2.5.4.12"
    /// id-aa-signatureTimeStampToken (RFC 3161 appendix A): the CAdES-T timestamp.
    public static let signatureTimeStampToken = "1.2.840.113549.1.9.16.2.14"
    /// hoso's own arc under a private enterprise number placeholder for the demo TSA policy.
    public static let hosoTSAPolicy = "1.3.6.1.4.1.59999.1.1"
}

/// A certificate revocation list. Owns its `X509_CRL*`.
// @unchecked: the X509_CRL is never mutated after init, and OpenSSL's reads of it are thread-safe.
public final class CRL: @unchecked Sendable, Equatable {
    let crl: OpaquePointer
    public let der: [UInt8]

    /// SHA-256 of the DER, hex: the CRL's object id in the archive.
    public let fingerprint: String

    public let issuer: String
    public let thisUpdate: Date
    public let nextUpdate: Date?

    /// Frees `crl` itself when it throws, as `Certificate.init(takingOwnership:)`.
    init(takingOwnership crl: OpaquePointer) throws {
        let der: [UInt8]
        do { der = try OpenSSL.der { i2d_X509_CRL(crl, $0) } } catch {
            X509_CRL_free(crl)
            throw error
        }
        self.crl = crl
        self.der = der
        self.fingerprint = Hex.encode(SHA256.hash(der))
        issuer = OpenSSL.nameText(X509_CRL_get_issuer(crl))
        thisUpdate = OpenSSL.date(X509_CRL_get0_lastUpdate(crl)) ?? .distantPast
        nextUpdate = OpenSSL.date(X509_CRL_get0_nextUpdate(crl))
    }

    public convenience init(der: [UInt8], source: String? = nil) throws {
        guard let c = OpenSSL.parseDER(der, { d2i_X509_CRL(nil, $0, $1) }, free: { X509_CRL_free($0) }) else {
            throw OpenSSL.error(.badCRL, .both("Không đọc được danh sách thu hồi (CRL)", "Not a readable CRL"), location: source)
        }
        try self.init(takingOwnership: c)
    }

    public static func load(_ bytes: [UInt8], source: String? = nil) throws -> [CRL] {
        if PEM.looksLikePEM(bytes) {
            let crls = try PEM.blocks(bytes).filter { $0.label == "X509 CRL" }.map { try CRL(der: $0.der, source: source) }
            if crls.isEmpty { throw HosoError(.badCRL, .both("Tệp PEM không có CRL nào", "The PEM file holds no CRL"), location: source) }
            return crls
        }
        return [try CRL(der: bytes, source: source)]
    }

    deinit { X509_CRL_free(crl) }

    public static func == (a: CRL, b: CRL) -> Bool { a.der == b.der }

    public var pem: String { PEM.encode(der, label: "X509 CRL") }

    /// True when `issuer` is named as this CRL's issuer and its key signed it.
    public func isSigned(by issuer: Certificate) -> Bool {
        guard X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer.x509)) == 0,
            let key = X509_get0_pubkey(issuer.x509)
        else { return false }
        return X509_CRL_verify(crl, key) == 1
    }

    /// When `cert` was revoked according to this CRL, or nil if it is not listed.
    public func revocationDate(of cert: Certificate) -> Date? {
        var entry: OpaquePointer?
        guard X509_CRL_get0_by_cert(crl, &entry, cert.x509) == 1, let entry else { return nil }
        return OpenSSL.date(X509_REVOKED_get0_revocationDate(entry)) ?? .distantPast
    }

    /// Every revoked serial (lowercase hex) with its date.
    public var revoked: [(serial: String, date: Date)] {
        guard let list = X509_CRL_get_REVOKED(crl) else { return [] }
        return (0..<hoso_sk_revoked_num(list)).compactMap { i -> (serial: String, date: Date)? in
            guard let r = hoso_sk_revoked_value(list, i) else { return nil }
            return (
                Certificate.serialHex(X509_REVOKED_get0_serialNumber(r)),
                OpenSSL.date(X509_REVOKED_get0_revocationDate(r)) ?? .distantPast
            )
        }
    }
}
