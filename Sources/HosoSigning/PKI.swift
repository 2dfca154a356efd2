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
            let all: [(Self, String)] = [(.digitalSignature, "digitalSignature"), (.nonRepudiation, "nonRepudiation"),
                                         (.keyEncipherment, "keyEncipherment"), (.dataEncipherment, "dataEncipherment"),
                                         (.keyAgreement, "keyAgreement"), (.keyCertSign, "keyCertSign"), (.cRLSign, "cRLSign")]
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

    public init(subject: [NameAttribute], serial: [UInt8] = CertificateSpec.randomSerial(),
                notBefore: Date, notAfter: Date,
                isCA: Bool = false, pathLength: Int? = nil,
                keyUsage: KeyUsage = [], keyUsageCritical: Bool = true,
                extendedKeyUsage: [String] = [], extendedKeyUsageCritical: Bool = false,
                subjectKeyIdentifier: Bool = true, authorityKeyIdentifier: Bool = true,
                crlDistributionPoint: String? = nil) {
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
            throw bad("Số hiệu chứng thư phải khác 0 và mã hóa được trong 20 byte", "The serial number must be non-zero and encode in at most 20 bytes")
        }
        if notAfter <= notBefore {
            throw bad("Thời hạn chứng thư: notAfter phải sau notBefore", "Certificate validity: notAfter must be after notBefore")
        }
        if let pathLength, !isCA || pathLength < 0 {
            throw bad("pathLength chỉ dùng cho chứng thư CA và không được âm", "pathLength is only for CA certificates and must not be negative")
        }
        if let uri = crlDistributionPoint, uri.isEmpty || uri.contains(",") || uri.contains(where: \.isWhitespace) {
            throw bad("Địa chỉ CRL không hợp lệ: \(uri)", "Invalid CRL distribution point URI: \(uri)")
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
            throw HosoError(.keyCertMismatch, .both("Khóa của bên cấp không khớp với chứng thư số của bên cấp",
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
            let ext = try OpenSSL.nonNull(X509V3_EXT_nconf_nid(nil, &ctx, nid, value), .invalidCertificateSpec,
                                          .both("Không tạo được phần mở rộng \(String(cString: OBJ_nid2sn(nid))) = \(value)",
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

        try sign(signingKey) { md in X509_sign_ctx(x, md) }
        // Hand back a certificate read from its own DER, so it is exactly what others will parse.
        return try Certificate(der: try OpenSSL.der { i2d_X509(x, $0) })
    }

    /// A v2 CRL signed by `issuer`, with a CRL number and the authority key identifier.
    public static func crl(issuer: SigningIdentity, revoked: [Revocation], thisUpdate: Date, nextUpdate: Date,
                           number: Int) throws -> CRL {
        if nextUpdate <= thisUpdate {
            throw HosoError(.invalidCertificateSpec, .both("CRL: nextUpdate phải sau thisUpdate", "CRL: nextUpdate must be after thisUpdate"))
        }
        if number < 0 {
            throw HosoError(.invalidCertificateSpec, .both("Số hiệu CRL không được âm", "The CRL number must not be negative"))
        }
        if !issuer.key.matches(issuer.certificate) {
            throw HosoError(.keyCertMismatch, .both("Khóa của bên cấp CRL không khớp với chứng thư số",
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
        let aki = try OpenSSL.nonNull(X509V3_EXT_nconf_nid(nil, &ctx, NID_authority_key_identifier, "keyid:always"),
                                      .badCertificate, .both("Chứng thư số của bên cấp CRL không có mã định danh khóa",
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
        try OpenSSL.check(EVP_DigestSignInit(md, &pctx, EVP_sha256(), nil, key.pkey), .cryptoError,
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
                throw OpenSSL.error(.invalidCertificateSpec, .both("Thuộc tính tên không hợp lệ: \(a.type)=\(a.value)",
                                                                   "Invalid name attribute: \(a.type)=\(a.value)"))
            }
        }
        return name
    }

    /// A new ASN1_INTEGER from big-endian bytes; the caller frees it.
    static func asn1Integer(bytes: [UInt8]) throws -> UnsafeMutablePointer<ASN1_INTEGER> {
        let bn = try OpenSSL.nonNull(bytes.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) },
                                     .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
        defer { BN_free(bn) }
        return try OpenSSL.nonNull(BN_to_ASN1_INTEGER(bn, nil), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
    }

    /// A new ASN1_INTEGER from hex digits (as `Certificate.serialHex` gives them); the caller frees it.
    static func asn1Integer(hex: String) throws -> UnsafeMutablePointer<ASN1_INTEGER> {
        guard !hex.isEmpty, hex.count <= 40, hex.allSatisfy(\.isHexDigit) else {
            throw HosoError(.invalidCertificateSpec, .both("Số hiệu chứng thư không phải số hex: \(hex)", "Not a hex serial number: \(hex)"))
        }
        var bn: OpaquePointer?
        guard BN_hex2bn(&bn, hex) > 0, let bn else {
            throw OpenSSL.error(.invalidCertificateSpec, .both("Số hiệu chứng thư không hợp lệ: \(hex)", "Invalid serial number: \(hex)"))
        }
        defer { BN_free(bn) }
        return try OpenSSL.nonNull(BN_to_ASN1_INTEGER(bn, nil), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
    }
}

// MARK: - The demo PKI

/// A complete TEST PKI for the samples and the tests: two roots (a national-root and a government-CA stand-in),
/// two intermediates, teachers, a principal, a registrar, an office head, a TSA, and the awkward cases a verifier
/// must catch (revoked, expired, wrong key usage), with CRLs. Dates are relative to the clock, so
/// `HOSO_NOW=2019-… hoso pki demo` makes a PKI "in 2019". Every key is made fresh: TEST ONLY.
public struct DemoPKI {
    public static let defaultPassword = "hoso-demo"

    /// What a person (or the TSA) does; tests pick identities by role.
    public enum Role: String, Codable, Sendable, CaseIterable {
        case subjectTeacher = "subject-teacher", homeroomTeacher = "homeroom-teacher", principal, registrar,
             officeHead = "office-head", tsa
    }

    /// Why an identity is in the demo: most are good signers; some exist to be rejected.
    public enum Status: String, Codable, Sendable {
        case valid, revoked, expired
        case wrongKeyUsage = "wrong-key-usage"
    }

    /// `pki.json`: every file of the demo PKI, relative to its directory.
    public struct Manifest: Codable, Sendable {
        public var testOnly: Bool
        public var createdAt: String
        /// The password of every `.p12` file.
        public var password: String
        public var roots: [Authority]
        public var intermediates: [Authority]
        public var identities: [Identity]
        public var crls: [CRLFile]

        public func identity(_ name: String) -> Identity? { identities.first { $0.name == name } }
        public func authority(_ name: String) -> Authority? { (roots + intermediates).first { $0.name == name } }
    }

    public struct Authority: Codable, Sendable {
        public var name: String
        public var commonName: String
        public var key: String
        /// The issuing root's name; the authority's own name for a root.
        public var issuer: String
        public var certificate: String
        public var crl: String
        public var notBefore: String
        public var notAfter: String
        public var serial: String
        /// Intermediates only: the CA's UNENCRYPTED private key, so `hoso node init --pki` can issue sync-node
        /// certificates later. TEST ONLY. Absent in PKIs made before it was added.
        public var keyFile: String?
    }

    public struct Identity: Codable, Sendable {
        public var name: String
        public var role: Role
        public var status: Status
        public var commonName: String
        public var organization: String
        public var title: String?
        public var key: String
        /// The intermediate that issued it, and the root above that.
        public var issuer: String
        public var root: String
        public var files: Files
        public var notBefore: String
        public var notAfter: String
        public var serial: String
        public var revokedAt: String?
    }

    public struct Files: Codable, Sendable {
        public var p12: String
        public var certificate: String
        /// Unencrypted PKCS#8: for importing into SoftHSM2 in tests. TEST ONLY.
        public var key: String
    }

    public struct CRLFile: Codable, Sendable {
        public var issuer: String
        public var der: String
        public var pem: String
        public var number: Int
        public var thisUpdate: String
        public var nextUpdate: String
        public var revokedSerials: [String]
    }

    /// Reads `DIR/pki.json`.
    public static func manifest(at dir: String) throws -> Manifest {
        let path = dir + "/pki.json"
        let bytes = try Certificate.readFile(path)
        do {
            return try JSONDecoder().decode(Manifest.self, from: Data(bytes))
        } catch {
            throw HosoError(.invalidManifest, .both("pki.json không hợp lệ", "pki.json is not valid"), location: path,
                            cause: String(describing: error))
        }
    }

    // MARK: What the demo holds

    static let school = "Trường THCS Hòa Bình"
    static let office = "Phòng Giáo dục và Đào tạo huyện Hòa Bình"
    static let pkiOrg = "hoso TEST PKI"
    static let crlBase = "http://pki.hoso.test/crl/"

    struct AuthorityPlan {
        var name: String
        var commonName: String
        var key: PrivateKey.Algorithm
        var parent: String?
    }

    static let rootPlans = [
        AuthorityPlan(name: "root-neac-test", commonName: "hoso TEST Root CA quốc gia (NEAC test)", key: .ecP384, parent: nil),
        AuthorityPlan(name: "root-vgca-test", commonName: "hoso TEST Root CA chuyên dùng (VGCA test)", key: .rsa3072, parent: nil),
    ]
    static let intermediatePlans = [
        AuthorityPlan(name: "ca-giao-duc", commonName: "hoso TEST CA Giáo dục", key: .rsa3072, parent: "root-vgca-test"),
        AuthorityPlan(name: "ca-dich-vu", commonName: "hoso TEST CA Dịch vụ", key: .ecP384, parent: "root-neac-test"),
    ]

    struct IdentityPlan {
        var name: String
        var role: Role
        var status: Status
        var commonName: String
        var organization: String
        var title: String?
        var key: PrivateKey.Algorithm
        var issuer: String
    }

    static let identityPlans = [
        IdentityPlan(name: "gv-toan", role: .subjectTeacher, status: .valid, commonName: "Nguyễn Văn An", organization: school,
                     title: "Giáo viên Toán", key: .rsa2048, issuer: "ca-giao-duc"),
        IdentityPlan(name: "gv-van", role: .subjectTeacher, status: .valid, commonName: "Trần Thị Bích Ngọc", organization: school,
                     title: "Giáo viên Ngữ văn", key: .ecP256, issuer: "ca-giao-duc"),
        IdentityPlan(name: "gvcn", role: .homeroomTeacher, status: .valid, commonName: "Lê Thị Hồng Nhung", organization: school,
                     title: "Giáo viên chủ nhiệm lớp 9A", key: .ecP256, issuer: "ca-giao-duc"),
        IdentityPlan(name: "hieu-truong", role: .principal, status: .valid, commonName: "Phạm Quốc Đức", organization: school,
                     title: "Hiệu trưởng", key: .rsa2048, issuer: "ca-giao-duc"),
        IdentityPlan(name: "can-bo-van-bang", role: .registrar, status: .valid, commonName: "Hoàng Thị Thu Hà", organization: school,
                     title: "Cán bộ quản lý văn bằng chứng chỉ", key: .ecP256, issuer: "ca-giao-duc"),
        IdentityPlan(name: "truong-phong", role: .officeHead, status: .valid, commonName: "Vũ Minh Tuấn", organization: office,
                     title: "Trưởng phòng", key: .rsa2048, issuer: "ca-dich-vu"),
        // The office's organisation certificate (its electronic seal): signs certified copies and their QR payloads,
        // which must be ECDSA P-256 to fit a small QR code.
        IdentityPlan(name: "van-phong", role: .officeHead, status: .valid, commonName: office, organization: office,
                     title: nil, key: .ecP256, issuer: "ca-dich-vu"),
        IdentityPlan(name: "tsa", role: .tsa, status: .valid, commonName: "hoso TEST Dịch vụ cấp dấu thời gian", organization: pkiOrg,
                     title: nil, key: .ecP256, issuer: "ca-dich-vu"),
        IdentityPlan(name: "gv-bi-thu-hoi", role: .subjectTeacher, status: .revoked, commonName: "Đỗ Văn Hùng", organization: school,
                     title: "Giáo viên Vật lí", key: .ecP256, issuer: "ca-giao-duc"),
        IdentityPlan(name: "gv-het-han", role: .subjectTeacher, status: .expired, commonName: "Bùi Thị Lan", organization: school,
                     title: "Giáo viên Lịch sử", key: .ecP256, issuer: "ca-giao-duc"),
        // RSA: keyEncipherment is an RSA usage; the point is that digitalSignature/nonRepudiation are missing.
        IdentityPlan(name: "sai-muc-dich", role: .subjectTeacher, status: .wrongKeyUsage, commonName: "Ngô Thanh Tùng", organization: school,
                     title: "Giáo viên Tin học", key: .rsa2048, issuer: "ca-giao-duc"),
    ]

    /// Every date of the demo, as offsets from the clock's "now" (seconds; a year is 365 days).
    enum Dates {
        static let day: TimeInterval = 86_400, year: TimeInterval = 365 * day
        // CAs and the TSA reach back five and four years, so the expired teacher (valid three to one years ago)
        // chains at the time it signed, and a timestamp from back then can be made and checked.
        static let root = (from: -5 * year, to: 20 * year)
        static let intermediate = (from: -5 * year, to: 10 * year)
        static let leaf = (from: -30 * day, to: 2 * year)
        static let tsa = (from: -4 * year, to: 2 * year)
        static let expiredLeaf = (from: -3 * year, to: -year)
        static let revocation = -10 * day
        static let crl = (from: -3600.0, to: 30 * day)
    }

    // MARK: Creating it

    /// Writes the demo PKI into `dir`, which must not exist or be empty. Everything is made in memory first and
    /// written into a hidden sibling directory that is renamed into place at the end: `dir` appears whole or not at all.
    public static func create(at dir: String, clock: HosoClock, password: String) throws -> Manifest {
        let target = normalized(dir)
        try requireEmptyOrAbsent(target, shown: dir)

        let now = clock.now()
        let iso = HosoClock.format

        // Roots and intermediates.
        var ids = [String: SigningIdentity]()
        var roots = [Authority](), intermediates = [Authority]()
        var files = [(path: String, bytes: [UInt8], secret: Bool)]()
        func authority(_ plan: AuthorityPlan) throws {
            let key = try PrivateKey.generate(plan.key)
            let parent = plan.parent.map { ids[$0]! }
            let spec = CertificateSpec(
                subject: [.country("VN"), .organization(pkiOrg), .commonName(plan.commonName)],
                notBefore: now + (parent == nil ? Dates.root : Dates.intermediate).from,
                notAfter: now + (parent == nil ? Dates.root : Dates.intermediate).to,
                isCA: true, pathLength: parent == nil ? nil : 0,
                keyUsage: [.keyCertSign, .cRLSign], keyUsageCritical: true,
                crlDistributionPoint: plan.parent.map { crlBase + $0 + ".crl" })
            let cert = try PKI.issue(spec, key: key, issuer: parent)
            ids[plan.name] = SigningIdentity(key: key, certificate: cert, chain: parent.map { [$0.certificate] } ?? [])
            let isRoot = plan.parent == nil
            let file = (isRoot ? "roots/" : "ca/") + plan.name + ".pem"
            files.append((file, Array(cert.pem.utf8), false))
            let keyFile = isRoot ? nil : "keys/" + plan.name + ".key.pem"
            if let keyFile { files.append((keyFile, Array(try key.pkcs8PEM().utf8), true)) }
            let a = Authority(name: plan.name, commonName: plan.commonName, key: plan.key.rawValue, issuer: plan.parent ?? plan.name,
                              certificate: file, crl: "crl/\(plan.name).crl", notBefore: iso(cert.notBefore),
                              notAfter: iso(cert.notAfter), serial: cert.serialHex, keyFile: keyFile)
            if isRoot { roots.append(a) } else { intermediates.append(a) }
        }
        for p in rootPlans { try authority(p) }
        for p in intermediatePlans { try authority(p) }

        // People and the TSA.
        var identities = [Identity]()
        var revocations = [String: [PKI.Revocation]]()
        for plan in identityPlans {
            let key = try PrivateKey.generate(plan.key)
            let ca = ids[plan.issuer]!
            var subject: [CertificateSpec.NameAttribute] = [.country("VN"), .organization(plan.organization)]
            if let title = plan.title { subject.append(.title(title)) }
            subject.append(.commonName(plan.commonName))
            var spec = CertificateSpec(
                subject: subject, notBefore: now + Dates.leaf.from, notAfter: now + Dates.leaf.to,
                keyUsage: [.digitalSignature, .nonRepudiation], keyUsageCritical: true,
                extendedKeyUsage: [OID.emailProtection, OID.documentSigning],
                crlDistributionPoint: crlBase + plan.issuer + ".crl")
            switch plan.status {
            case .expired:
                spec.notBefore = now + Dates.expiredLeaf.from
                spec.notAfter = now + Dates.expiredLeaf.to
            case .wrongKeyUsage:
                spec.keyUsage = [.keyEncipherment]
            case .valid, .revoked:
                break
            }
            if plan.role == .tsa {
                spec.notBefore = now + Dates.tsa.from
                spec.notAfter = now + Dates.tsa.to
                spec.extendedKeyUsage = [OID.timeStamping]
                spec.extendedKeyUsageCritical = true  // RFC 3161 §2.3
            }
            let cert = try PKI.issue(spec, key: key, issuer: ca)
            // The chain up to, not including, the root.
            let chain = ca.chain.isEmpty ? [] : [ca.certificate]
            let id = SigningIdentity(key: key, certificate: cert, chain: chain)
            var revokedAt: Date?
            if plan.status == .revoked {
                let at = now + Dates.revocation
                revokedAt = at
                revocations[plan.issuer, default: []].append(PKI.Revocation(cert, at: at))
            }
            let f = Files(p12: plan.name + ".p12", certificate: plan.name + ".crt.pem", key: "keys/" + plan.name + ".key.pem")
            files.append((f.p12, try PKCS12.export(id, password: password, name: plan.commonName), true))
            files.append((f.certificate, Array(cert.pem.utf8), false))
            files.append((f.key, Array(try key.pkcs8PEM().utf8), true))
            identities.append(Identity(name: plan.name, role: plan.role, status: plan.status, commonName: plan.commonName,
                                       organization: plan.organization, title: plan.title, key: plan.key.rawValue,
                                       issuer: plan.issuer, root: intermediatePlans.first { $0.name == plan.issuer }?.parent ?? "",
                                       files: f, notBefore: iso(cert.notBefore), notAfter: iso(cert.notAfter),
                                       serial: cert.serialHex, revokedAt: revokedAt.map(iso)))
        }

        // CRLs from every CA.
        var crls = [CRLFile]()
        let thisUpdate = now + Dates.crl.from, nextUpdate = now + Dates.crl.to
        for plan in rootPlans + intermediatePlans {
            let revoked = revocations[plan.name] ?? []
            let crl = try PKI.crl(issuer: ids[plan.name]!, revoked: revoked, thisUpdate: thisUpdate, nextUpdate: nextUpdate, number: 1)
            let entry = CRLFile(issuer: plan.name, der: "crl/\(plan.name).crl", pem: "crl/\(plan.name).crl.pem", number: 1,
                                thisUpdate: iso(crl.thisUpdate), nextUpdate: iso(crl.nextUpdate ?? nextUpdate),
                                revokedSerials: crl.revoked.map(\.serial))
            files.append((entry.der, crl.der, false))
            files.append((entry.pem, Array(crl.pem.utf8), false))
            crls.append(entry)
        }

        let manifest = Manifest(testOnly: true, createdAt: iso(now), password: password, roots: roots,
                                intermediates: intermediates, identities: identities, crls: crls)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        files.append(("pki.json", Array(try enc.encode(manifest)) + [0x0a], false))
        files.append(("README.txt", Array(readme(manifest).utf8), false))

        try publish(files, at: target, shown: dir)
        return manifest
    }

    /// The intermediate that issues sync-node certificates.
    public static let nodeIssuer = "ca-dich-vu"

    /// Issues a fresh sync-node identity (a new P-256 key and a certificate for signing bundles and sync requests) from
    /// the demo PKI in `dir`, valid as long as its leaves. Nothing is written: the caller keeps the key. TEST ONLY.
    public static func issueNode(pki dir: String, name: String, organization: String, clock: HosoClock) throws -> SigningIdentity {
        let m = try manifest(at: dir)
        guard let ca = m.authority(nodeIssuer), let keyFile = ca.keyFile else {
            throw HosoError(.invalidManifest, .both("PKI thử nghiệm này không có khóa CA để cấp chứng thư cho nút (tạo lại bằng `hoso pki demo`)",
                                                    "This test PKI has no CA key to issue node certificates (make a new one with `hoso pki demo`)"),
                            location: dir + "/pki.json")
        }
        let caCert = try Certificate.load(file: dir + "/" + ca.certificate)[0]
        let caKey = try PrivateKey.load(pem: try Certificate.readFile(dir + "/" + keyFile), source: keyFile)
        let issuer = SigningIdentity(key: caKey, certificate: caCert)
        let key = try PrivateKey.generate(.ecP256)
        let now = clock.now()
        let spec = CertificateSpec(
            subject: [.country("VN"), .organization(organization), .organizationalUnit("hoso sync node"), .commonName(name)],
            notBefore: now + Dates.leaf.from, notAfter: now + Dates.leaf.to,
            keyUsage: [.digitalSignature], keyUsageCritical: true, extendedKeyUsage: [OID.documentSigning],
            crlDistributionPoint: crlBase + nodeIssuer + ".crl")
        return SigningIdentity(key: key, certificate: try PKI.issue(spec, key: key, issuer: issuer), chain: [caCert])
    }

    // MARK: Files

    static func normalized(_ dir: String) -> String {
        var d = dir
        while d.count > 1, d.hasSuffix("/") { d.removeLast() }
        return d
    }

    static func requireEmptyOrAbsent(_ dir: String, shown: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) else { return }
        let entries = isDir.boolValue ? (try? FileManager.default.contentsOfDirectory(atPath: dir)) : nil
        if entries?.isEmpty != true {
            throw HosoError(.outputNotEmpty, .both("Thư mục đã tồn tại và không trống; không ghi gì", "The directory exists and is not empty; nothing was written"),
                            location: shown)
        }
    }

    /// Writes every file into a fresh hidden sibling directory (each file fsynced, then each directory), then renames
    /// it to `dir` (which may be an empty directory) and fsyncs the parent. On any failure the sibling is removed.
    static func publish(_ files: [(path: String, bytes: [UInt8], secret: Bool)], at dir: String, shown: String) throws {
        let url = URL(fileURLWithPath: dir)
        let parent = url.deletingLastPathComponent().path
        let action = LocalizedText.both("ghi PKI thử nghiệm", "writing the test PKI")
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw HosoError(.ioError, .both("Không tạo được thư mục cha", "Cannot create the parent directory"), location: parent,
                            cause: String(describing: error))
        }
        let staging = parent + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString.prefix(8)
        guard mkdir(staging, 0o755) == 0 else { throw HosoError.fromErrno(errno, path: staging, action: action) }
        var published = false
        defer { if !published { try? FileManager.default.removeItem(atPath: staging) } }

        var dirs = [staging]
        for f in files {
            let sub = (f.path as NSString).deletingLastPathComponent
            if !sub.isEmpty, !dirs.contains(staging + "/" + sub) {
                let d = staging + "/" + sub
                guard mkdir(d, 0o755) == 0 else { throw HosoError.fromErrno(errno, path: shown + "/" + sub, action: action) }
                dirs.append(d)
            }
            try writeFile(staging + "/" + f.path, f.bytes, mode: f.secret ? 0o600 : 0o644, shown: shown + "/" + f.path)
        }
        for d in dirs.reversed() { try fsyncPath(d, shown: shown) }

        guard rename(staging, dir) == 0 else {
            let e = errno
            if e == ENOTEMPTY || e == EEXIST || e == ENOTDIR || e == EISDIR {
                throw HosoError(.outputNotEmpty, .both("Thư mục đã tồn tại và không trống; không ghi gì",
                                                       "The directory exists and is not empty; nothing was written"),
                                location: shown, cause: errnoDescription(e))
            }
            throw HosoError.fromErrno(e, path: shown, action: action)
        }
        published = true
        try fsyncPath(parent, shown: parent)
    }

    static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t, shown: String) throws {
        let action = LocalizedText.both("ghi tệp", "writing the file")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw HosoError.fromErrno(errno, path: shown, action: action) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress! + done, raw.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HosoError.fromErrno(errno, path: shown, action: action)
            }
            done += n
        }
        guard fsync(fd) == 0 else { throw HosoError.fromErrno(errno, path: shown, action: action) }
    }

    static func fsyncPath(_ path: String, shown: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw HosoError.fromErrno(errno, path: shown, action: .both("đồng bộ thư mục", "syncing the directory")) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw HosoError.fromErrno(errno, path: shown, action: .both("đồng bộ thư mục", "syncing the directory")) }
    }

    static func readme(_ m: Manifest) -> String {
        let people = m.identities.map { i in
            "  \(i.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(i.role.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \(i.status.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(i.commonName)"
        }.joined(separator: "\n")
        return """
        HẠ TẦNG KHÓA CÔNG KHAI THỬ NGHIỆM (TEST PKI) CỦA HOSO — CHỈ DÙNG ĐỂ THỬ NGHIỆM
        ================================================================================

        Mọi khóa ở đây được tạo ngẫu nhiên bởi `hoso pki demo` lúc \(m.createdAt). Đây KHÔNG phải chứng thư số
        thật của NEAC hay Ban Cơ yếu Chính phủ (VGCA); tên "NEAC test", "VGCA test" chỉ để mô phỏng hai gốc tin cậy.
        Không dùng các khóa này để ký giấy tờ thật. Các khóa bí mật trong keys/ KHÔNG được mã hóa.

        Các tệp:
          roots/<gốc>.pem              chứng thư số của hai CA gốc (tự ký): đưa vào kho tin cậy để thử
          ca/<trung gian>.pem          chứng thư số của hai CA trung gian
                                         ca-giao-duc: cấp cho người của trường (dưới gốc VGCA test)
                                         ca-dich-vu: cấp cho dịch vụ cấp dấu thời gian (TSA) và phòng GD&ĐT (dưới gốc NEAC test)
          <tên>.p12                    khóa bí mật + chứng thư số + chuỗi CA (không gồm gốc), mật khẩu: \(m.password)
          <tên>.crt.pem                chứng thư số của người ký
          keys/<tên>.key.pem           khóa bí mật PKCS#8 KHÔNG mã hóa, để nạp vào SoftHSM2 khi kiểm thử — CHỈ ĐỂ THỬ
          crl/<CA>.crl, .crl.pem       danh sách chứng thư bị thu hồi (CRL) của từng CA (DER và PEM)
          pki.json                     danh mục máy đọc được: vai trò, tên, tệp, thời hạn, số hiệu, ngày thu hồi

        Người ký (tên, vai trò, tình trạng, tên chung CN):
        \(people)

        gv-bi-thu-hoi bị thu hồi (có trong CRL của ca-giao-duc); gv-het-han đã hết hạn; sai-muc-dich chỉ có
        keyUsage keyEncipherment (không ký được); tsa có EKU timeStamping (critical) theo RFC 3161.


        HOSO TEST PKI — FOR TESTING ONLY
        ================================

        Every key here was generated at random by `hoso pki demo` at \(m.createdAt). These are NOT real NEAC or
        Government Cipher Committee (VGCA) certificates; "NEAC test" and "VGCA test" only mimic two trust roots.
        Never sign real documents with these keys. The private keys in keys/ are NOT encrypted.

        Files:
          roots/<root>.pem             the two self-signed root CA certificates: put them in a test trust store
          ca/<intermediate>.pem        the two intermediate CA certificates
                                         ca-giao-duc: issues school people (under the VGCA test root)
                                         ca-dich-vu: issues the time-stamp authority (TSA) and the education office (under the NEAC test root)
          <name>.p12                   private key + certificate + CA chain (without the root), password: \(m.password)
          <name>.crt.pem               the signer's certificate
          keys/<name>.key.pem          UNENCRYPTED PKCS#8 private key, for importing into SoftHSM2 in tests — TEST ONLY
          crl/<CA>.crl, .crl.pem       each CA's certificate revocation list (DER and PEM)
          pki.json                     machine-readable manifest: roles, names, files, validity, serials, revocation dates

        Signers (name, role, status, common name CN):
        \(people)

        gv-bi-thu-hoi is revoked (listed in ca-giao-duc's CRL); gv-het-han has expired; sai-muc-dich has keyUsage
        keyEncipherment only (cannot sign); tsa has a critical timeStamping EKU as RFC 3161 requires.

        """
    }
}
