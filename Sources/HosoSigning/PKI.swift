import COpenSSL
import Foundation
import HosoCore

extension HosoError.Code {
    /// A certificate or CRL to be issued is described inconsistently (dates, serial, path length, names).
    public static let invalidCertificateSpec = Self("INVALID_CERTIFICATE_SPEC", .badInput)
    /// An output directory that must be new or empty already holds files.
    public static let outputNotEmpty = Self("OUTPUT_DIR_NOT_EMPTY", .badInput)
}

/// What a certificate to be issued says: subject, serial, validity, CA flags and extensions.
public struct CertificateSpec: Sendable {
    /// One attribute of a distinguished name. `type` is an OpenSSL short name ("CN", "O", "OU", "C", "ST", "L",
    /// "title", "serialNumber") or a dotted OID. Values are UTF-8 and are stored in NFC.
    public struct NameAttribute: Sendable, Equatable {
        public var type: String
        public var value: String

        public init(type: String, value: String) {
            self.type = type
            self.value = value
        }

        public static func commonName(_ v: String) -> Self { Self(type: "CN", value: v) }
        public static func organization(_ v: String) -> Self { Self(type: "O", value: v) }
        public static func organizationalUnit(_ v: String) -> Self { Self(type: "OU", value: v) }
        public static func title(_ v: String) -> Self { Self(type: "title", value: v) }
        public static func country(_ v: String) -> Self { Self(type: "C", value: v) }
        public static func stateOrProvince(_ v: String) -> Self { Self(type: "ST", value: v) }
        public static func locality(_ v: String) -> Self { Self(type: "L", value: v) }
    }

    /// The key usage bits (RFC 5280 §4.2.1.3).
    public struct KeyUsage: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let digitalSignature = Self(rawValue: 1 << 0)
        public static let nonRepudiation = Self(rawValue: 1 << 1)
        public static let keyEncipherment = Self(rawValue: 1 << 2)
        public static let dataEncipherment = Self(rawValue: 1 << 3)
        public static let keyAgreement = Self(rawValue: 1 << 4)
        public static let keyCertSign = Self(rawValue: 1 << 5)
        public static let cRLSign = Self(rawValue: 1 << 6)

        /// Names as OpenSSL's extension configuration spells them, in bit order.
        var configNames: [String] {
            let all: [(Self, String)] = [
                (.digitalSignature, "digitalSignature"), (.nonRepudiation, "nonRepudiation"),
                (.keyEncipherment, "keyEncipherment"), (.dataEncipherment, "dataEncipherment"),
                (.keyAgreement, "keyAgreement"), (.keyCertSign, "keyCertSign"), (.cRLSign, "cRLSign"),
            ]
            return all.filter { contains($0.0) }.map(\.1)
        }
    }

    public var subject: [NameAttribute]
    /// The serial number as a big-endian unsigned magnitude: non-zero, and at most 20 octets once DER-encoded (RFC 5280).
    public var serial: [UInt8]
    public var notBefore: Date
    public var notAfter: Date
    public var isCA: Bool
    /// basicConstraints pathLenConstraint; only for CA certificates. nil: no limit.
    public var pathLength: Int?
    /// Empty: no keyUsage extension.
    public var keyUsage: KeyUsage
    public var keyUsageCritical: Bool
    /// Extended key usage OIDs (see `OID`); empty: no extension.
    public var extendedKeyUsage: [String]
    /// RFC 3161 §2.3: a TSA certificate's EKU (timeStamping only) must be critical.
    public var extendedKeyUsageCritical: Bool
    /// Adds the subject key identifier (SHA-1 of the public key, RFC 5280 method 1).
    public var subjectKeyIdentifier: Bool
    /// Adds the authority key identifier (the issuer's subject key identifier).
    public var authorityKeyIdentifier: Bool
    /// A CRL distribution point URI (e.g. "http://pki.example.test/crl/ca.crl").
    public var crlDistributionPoint: String?
    /// An OCSP responder URI for the Authority Information Access extension (e.g. "http://127.0.0.1:8888/").
    public var ocspURL: String?

    public init(
        subject: [NameAttribute], serial: [UInt8] = CertificateSpec.randomSerial(),
        notBefore: Date, notAfter: Date,
        isCA: Bool = false, pathLength: Int? = nil,
        keyUsage: KeyUsage = [], keyUsageCritical: Bool = true,
        extendedKeyUsage: [String] = [], extendedKeyUsageCritical: Bool = false,
        subjectKeyIdentifier: Bool = true, authorityKeyIdentifier: Bool = true,
        crlDistributionPoint: String? = nil, ocspURL: String? = nil
    ) {
        self.subject = subject
        self.serial = serial
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.isCA = isCA
        self.pathLength = pathLength
        self.keyUsage = keyUsage
        self.keyUsageCritical = keyUsageCritical
        self.extendedKeyUsage = extendedKeyUsage
        self.extendedKeyUsageCritical = extendedKeyUsageCritical
        self.subjectKeyIdentifier = subjectKeyIdentifier
        self.authorityKeyIdentifier = authorityKeyIdentifier
        self.crlDistributionPoint = crlDistributionPoint
        self.ocspURL = ocspURL
    }

    /// 16 random bytes from the system's secure generator, made positive with the top byte never zero
    /// (so the DER integer is exactly 16 bytes).
    public static func randomSerial() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        bytes[0] = (bytes[0] & 0x7f) | 0x40
        return bytes
    }

    func validate() throws {
        func bad(_ vi: String, _ en: String) -> HosoError { HosoError(.invalidCertificateSpec, .both(vi, en)) }
        if subject.isEmpty { throw bad("Chủ thể của chứng thư số không được để trống", "The certificate subject must not be empty") }
        // An unsigned magnitude; its DER INTEGER (which adds a 0x00 byte before a high bit) must fit in 20 octets.
        let significant = serial.drop { $0 == 0 }
        if significant.isEmpty || significant.count + (significant.first! & 0x80 != 0 ? 1 : 0) > 20 {
            throw bad(
                "Số hiệu chứng thư phải khác 0 và mã hóa được trong 20 byte",
                "The serial number must be non-zero and encode in at most 20 bytes")
        }
        if notAfter <= notBefore {
            throw bad("Thời hạn chứng thư: notAfter phải sau notBefore", "Certificate validity: notAfter must be after notBefore")
        }
        if let pathLength, !isCA || pathLength < 0 {
            throw bad(
                "pathLength chỉ dùng cho chứng thư CA và không được âm", "pathLength is only for CA certificates and must not be negative")
        }
        if let uri = crlDistributionPoint, uri.isEmpty || uri.contains(",") || uri.contains(where: \.isWhitespace) {
            throw bad("Địa chỉ CRL không hợp lệ: \(uri)", "Invalid CRL distribution point URI: \(uri)")
        }
        if let uri = ocspURL, uri.isEmpty || uri.contains(",") || uri.contains(";") || uri.contains(where: \.isWhitespace) {
            throw bad("Địa chỉ OCSP không hợp lệ: \(uri)", "Invalid OCSP responder URI: \(uri)")
        }
        for oid in extendedKeyUsage where oid.isEmpty || oid.contains(",") {
            throw bad("OID của mục đích sử dụng mở rộng không hợp lệ: \(oid)", "Invalid extended key usage OID: \(oid)")
        }
    }
}

/// A small certificate authority over OpenSSL: issues certificates and CRLs for test and demo PKIs.
public enum PKI {
    /// One entry of a CRL: a certificate (or its serial in hex) and when it was revoked.
    public struct Revocation: Sendable {
        public var serialHex: String
        public var date: Date

        public init(serialHex: String, date: Date) {
            self.serialHex = serialHex
            self.date = date
        }

        public init(_ certificate: Certificate, at date: Date) {
            self.init(serialHex: certificate.serialHex, date: date)
        }
    }

    /// Issues a certificate for `key`'s public half. Self-signed when `issuer` is nil. Signed with SHA-256:
    /// RSASSA-PSS (MGF1-SHA-256, salt 32) when the issuer's key is RSA, ECDSA when it is EC.
    public static func issue(_ spec: CertificateSpec, key: PrivateKey, issuer: SigningIdentity?) throws -> Certificate {
        try spec.validate()
        if let issuer, !issuer.key.matches(issuer.certificate) {
            throw HosoError(
                .keyCertMismatch,
                .both(
                    "Khóa của bên cấp không khớp với chứng thư số của bên cấp",
                    "The issuer's key does not match the issuer's certificate"),
                location: issuer.certificate.description)
        }
        let signingKey = issuer?.key ?? key

        let x = try OpenSSL.nonNull(X509_new(), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
        defer { X509_free(x) }
        let fail = LocalizedText.both("Không tạo được chứng thư số", "Could not build the certificate")
        try OpenSSL.check(X509_set_version(x, 2), .cryptoError, fail)  // v3

        let serial = try asn1Integer(bytes: spec.serial)
        defer { ASN1_INTEGER_free(serial) }
        try OpenSSL.check(X509_set_serialNumber(x, serial), .cryptoError, fail)

        let name = try makeName(spec.subject)
        defer { X509_NAME_free(name) }
        try OpenSSL.check(X509_set_subject_name(x, name), .cryptoError, fail)
        let issuerName = issuer.map { X509_get_subject_name($0.certificate.x509) } ?? name
        try OpenSSL.check(X509_set_issuer_name(x, issuerName), .cryptoError, fail)

        let nb = try OpenSSL.asn1Time(spec.notBefore)
        defer { ASN1_TIME_free(nb) }
        let na = try OpenSSL.asn1Time(spec.notAfter)
        defer { ASN1_TIME_free(na) }
        try OpenSSL.check(X509_set1_notBefore(x, nb), .cryptoError, fail)
        try OpenSSL.check(X509_set1_notAfter(x, na), .cryptoError, fail)
        try OpenSSL.check(X509_set_pubkey(x, key.pkey), .badKey, .both("Không đặt được khóa công khai", "Could not set the public key"))

        // Extensions. The subject key identifier goes first: a self-signed certificate's authority key
        // identifier is read from it.
        var ctx = X509V3_CTX()
        X509V3_set_ctx(&ctx, issuer?.certificate.x509 ?? x, x, nil, nil, 0)
        func add(_ nid: Int32, _ value: String) throws {
            let ext = try OpenSSL.nonNull(
                X509V3_EXT_nconf_nid(nil, &ctx, nid, value), .invalidCertificateSpec,
                .both(
                    "Không tạo được phần mở rộng \(String(cString: OBJ_nid2sn(nid))) = \(value)",
                    "Could not make the extension \(String(cString: OBJ_nid2sn(nid))) = \(value)"))
            defer { X509_EXTENSION_free(ext) }
            try OpenSSL.check(X509_add_ext(x, ext, -1), .cryptoError, fail)
        }
        var bc = spec.isCA ? "critical,CA:TRUE" : "critical,CA:FALSE"
        if let p = spec.pathLength { bc += ",pathlen:\(p)" }
        try add(NID_basic_constraints, bc)
        if !spec.keyUsage.isEmpty {
            try add(NID_key_usage, ((spec.keyUsageCritical ? ["critical"] : []) + spec.keyUsage.configNames).joined(separator: ","))
        }
        if !spec.extendedKeyUsage.isEmpty {
            try add(NID_ext_key_usage, ((spec.extendedKeyUsageCritical ? ["critical"] : []) + spec.extendedKeyUsage).joined(separator: ","))
        }
        if spec.subjectKeyIdentifier { try add(NID_subject_key_identifier, "hash") }
        if spec.authorityKeyIdentifier { try add(NID_authority_key_identifier, "keyid:always") }
        if let uri = spec.crlDistributionPoint { try add(NID_crl_distribution_points, "URI:" + uri) }
        if let uri = spec.ocspURL { try add(NID_info_access, "OCSP;URI:" + uri) }

        try sign(signingKey) { md in X509_sign_ctx(x, md) }
        // Hand back a certificate read from its own DER, so it is exactly what others will parse.
        return try Certificate(der: try OpenSSL.der { i2d_X509(x, $0) })
    }

    /// A v2 CRL signed by `issuer`, with a CRL number and the authority key identifier.
    public static func crl(
        issuer: SigningIdentity, revoked: [Revocation], thisUpdate: Date, nextUpdate: Date,
        number: Int
    ) throws -> CRL {
        if nextUpdate <= thisUpdate {
            throw HosoError(
                .invalidCertificateSpec, .both("CRL: nextUpdate phải sau thisUpdate", "CRL: nextUpdate must be after thisUpdate"))
        }
        if number < 0 {
            throw HosoError(.invalidCertificateSpec, .both("Số hiệu CRL không được âm", "The CRL number must not be negative"))
        }
        if !issuer.key.matches(issuer.certificate) {
            throw HosoError(
                .keyCertMismatch,
                .both(
                    "Khóa của bên cấp CRL không khớp với chứng thư số",
                    "The CRL issuer's key does not match its certificate"),
                location: issuer.certificate.description)
        }
        let fail = LocalizedText.both("Không tạo được danh sách thu hồi (CRL)", "Could not build the CRL")
        let crl = try OpenSSL.nonNull(X509_CRL_new(), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
        defer { X509_CRL_free(crl) }
        try OpenSSL.check(X509_CRL_set_version(crl, 1), .cryptoError, fail)  // v2
        try OpenSSL.check(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer.certificate.x509)), .cryptoError, fail)
        let tu = try OpenSSL.asn1Time(thisUpdate)
        defer { ASN1_TIME_free(tu) }
        let nu = try OpenSSL.asn1Time(nextUpdate)
        defer { ASN1_TIME_free(nu) }
        try OpenSSL.check(X509_CRL_set1_lastUpdate(crl, tu), .cryptoError, fail)
        try OpenSSL.check(X509_CRL_set1_nextUpdate(crl, nu), .cryptoError, fail)

        for r in revoked {
            let entry = try OpenSSL.nonNull(X509_REVOKED_new(), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
            do {
                let serial = try asn1Integer(hex: r.serialHex)
                defer { ASN1_INTEGER_free(serial) }
                let when = try OpenSSL.asn1Time(r.date)
                defer { ASN1_TIME_free(when) }
                try OpenSSL.check(X509_REVOKED_set_serialNumber(entry, serial), .cryptoError, fail)
                try OpenSSL.check(X509_REVOKED_set_revocationDate(entry, when), .cryptoError, fail)
                try OpenSSL.check(X509_CRL_add0_revoked(crl, entry), .cryptoError, fail)  // the CRL owns it now
            } catch {
                X509_REVOKED_free(entry)
                throw error
            }
        }
        try OpenSSL.check(X509_CRL_sort(crl), .cryptoError, fail)

        let n = try OpenSSL.nonNull(ASN1_INTEGER_new(), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
        defer { ASN1_INTEGER_free(n) }
        try OpenSSL.check(ASN1_INTEGER_set(n, number), .cryptoError, fail)
        try OpenSSL.check(X509_CRL_add1_ext_i2d(crl, NID_crl_number, UnsafeMutableRawPointer(n), 0, 0), .cryptoError, fail)

        var ctx = X509V3_CTX()
        X509V3_set_ctx(&ctx, issuer.certificate.x509, nil, nil, crl, 0)
        let aki = try OpenSSL.nonNull(
            X509V3_EXT_nconf_nid(nil, &ctx, NID_authority_key_identifier, "keyid:always"),
            .badCertificate,
            .both(
                "Chứng thư số của bên cấp CRL không có mã định danh khóa",
                "The CRL issuer's certificate has no subject key identifier"))
        defer { X509_EXTENSION_free(aki) }
        try OpenSSL.check(X509_CRL_add_ext(crl, aki, -1), .cryptoError, fail)

        try sign(issuer.key) { md in X509_CRL_sign_ctx(crl, md) }
        return try CRL(der: try OpenSSL.der { i2d_X509_CRL(crl, $0) })
    }

    // MARK: Helpers

    /// Runs an `X509_*_sign_ctx` call with a SHA-256 signing context for `key`: RSASSA-PSS for RSA keys
    /// (MGF1 with the same digest, salt length = digest length = 32), ECDSA for EC keys.
    static func sign(_ key: PrivateKey, _ body: (OpaquePointer) -> Int32) throws {
        let info = key.info
        guard info.kind != .other else {
            throw HosoError(.badKey, .both("Chỉ ký được bằng khóa RSA hoặc ECDSA", "Only RSA and ECDSA keys can sign"))
        }
        guard info.isStrongEnough else {
            throw HosoError(.weakAlgorithm, .both("Khóa của bên cấp quá yếu: \(info)", "The issuer's key is too weak: \(info)"))
        }
        let md = try OpenSSL.nonNull(EVP_MD_CTX_new(), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
        defer { EVP_MD_CTX_free(md) }
        var pctx: OpaquePointer?
        try OpenSSL.check(
            EVP_DigestSignInit(md, &pctx, EVP_sha256(), nil, key.pkey), .cryptoError,
            .both("Không khởi tạo được phép ký", "Could not start signing"))
        if info.kind == .rsa || info.kind == .rsaPSS {
            guard let pctx, hoso_ctx_set_pss(pctx) == 1 else {
                throw OpenSSL.error(.cryptoError, .both("Không đặt được tham số RSA-PSS", "Could not set the RSA-PSS parameters"))
            }
        }
        try OpenSSL.check(body(md), .cryptoError, .both("Không ký được", "Signing failed"))
    }

    static func makeName(_ attributes: [CertificateSpec.NameAttribute]) throws -> OpaquePointer {
        let name = try OpenSSL.nonNull(X509_NAME_new(), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
        for a in attributes {
            let value = Array(a.value.precomposedStringWithCanonicalMapping.utf8)
            let rc = value.withUnsafeBufferPointer { buf in
                X509_NAME_add_entry_by_txt(name, a.type, MBSTRING_UTF8, buf.baseAddress, Int32(buf.count), -1, 0)
            }
            if rc != 1 {
                X509_NAME_free(name)
                throw OpenSSL.error(
                    .invalidCertificateSpec,
                    .both(
                        "Thuộc tính tên không hợp lệ: \(a.type)=\(a.value)",
                        "Invalid name attribute: \(a.type)=\(a.value)"))
            }
        }
        return name
    }

    /// A new ASN1_INTEGER from big-endian bytes; the caller frees it.
    static func asn1Integer(bytes: [UInt8]) throws -> UnsafeMutablePointer<ASN1_INTEGER> {
        let bn = try OpenSSL.nonNull(
            bytes.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) },
            .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
        defer { BN_free(bn) }
        return try OpenSSL.nonNull(BN_to_ASN1_INTEGER(bn, nil), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
    }

    /// A new ASN1_INTEGER from hex digits (as `Certificate.serialHex` gives them); the caller frees it.
    static func asn1Integer(hex: String) throws -> UnsafeMutablePointer<ASN1_INTEGER> {
        guard !hex.isEmpty, hex.count <= 40, hex.allSatisfy(\.isHexDigit) else {
            throw HosoError(
                .invalidCertificateSpec, .both("Số hiệu chứng thư không phải số hex: \(hex)", "Not a hex serial number: \(hex)"))
        }
        var bn: OpaquePointer?
        guard BN_hex2bn(&bn, hex) > 0, let bn else {
            throw OpenSSL.error(.invalidCertificateSpec, .both("Số hiệu chứng thư không hợp lệ: \(hex)", "Invalid serial number: \(hex)"))
        }
        defer { BN_free(bn) }
        return try OpenSSL.nonNull(BN_to_ASN1_INTEGER(bn, nil), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
    }
}
