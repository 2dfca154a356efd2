import COpenSSL
import Foundation
import HosoCore
import HosoPrimitives

/// Who signs what (DOMAIN.md): the role is a signed attribute, so it cannot be changed after signing.
public enum SignerRole: String, CaseIterable, Codable, Sendable {
    case subjectTeacher = "subject-teacher"
    case homeroomTeacher = "homeroom-teacher"
    case principal
    case registrar
    case officeHead = "office-head"

    public var title: LocalizedText {
        switch self {
        case .subjectTeacher: return .both("giáo viên bộ môn", "subject teacher")
        case .homeroomTeacher: return .both("giáo viên chủ nhiệm", "homeroom teacher")
        case .principal: return .both("hiệu trưởng", "principal")
        case .registrar: return .both("cán bộ quản lý văn bằng", "registrar")
        case .officeHead: return .both("thủ trưởng cơ quan", "office head")
        }
    }

    /// The role as a URI inside the X.509 RoleSyntax (GeneralName uniformResourceIdentifier).
    var uri: String { "urn:hoso:role:\(rawValue)" }

    init?(uri: String) {
        guard uri.hasPrefix("urn:hoso:role:") else { return nil }
        self.init(rawValue: String(uri.dropFirst("urn:hoso:role:".count)))
    }
}

private let cmsDetached = UInt32(CMS_DETACHED)
private let cmsBinary = UInt32(CMS_BINARY)
private let cmsPartial = UInt32(CMS_PARTIAL)
private let cmsNoSMIMECap = UInt32(CMS_NOSMIMECAP)
private let cmsCAdES = UInt32(CMS_CADES)
private let cmsKeyParam = UInt32(CMS_KEY_PARAM)

/// Makes detached CAdES-BES signatures: CMS SignedData over the exact bytes given, SHA-256,
/// RSASSA-PSS or ECDSA, with signing-certificate-v2, signing time and the signer's role as signed attributes,
/// and the chain (and any CRLs given) embedded as evidence.
public enum CMSSigner {
    /// `signingTime: false` leaves out the signing-time attribute, as PAdES requires (the time is the PDF's /M).
    /// With `timestamp`, its token over the signature value is added as the signer's unsigned signature-timestamp
    /// attribute before the CMS is encoded (one encoding instead of encode, parse twice and encode again).
    public static func sign(
        content: [UInt8], identity: SigningIdentity, role: SignerRole?, at time: Date,
        crls: [CRL] = [], signingTime: Bool = true, title: String? = nil,
        timestamp: ((_ signatureValue: [UInt8]) throws -> [UInt8])? = nil
    ) throws -> [UInt8] {
        try checkUsable(identity, at: time)
        let cms = try OpenSSL.nonNull(
            CMS_sign(nil, nil, nil, nil, cmsPartial | cmsDetached | cmsBinary),
            .cryptoError, .both("Không tạo được chữ ký CMS", "Could not create a CMS signature"))
        defer { CMS_ContentInfo_free(cms) }
        // CMS_add1_signer checks that key and certificate belong together; only on failure do we ask which it was.
        guard
            let si = CMS_add1_signer(
                cms, identity.certificate.x509, identity.key.pkey, EVP_sha256(),
                cmsPartial | cmsBinary | cmsNoSMIMECap | cmsCAdES | cmsKeyParam)
        else {
            if !identity.key.matches(identity.certificate) {
                _ = OpenSSL.drainErrors()
                throw HosoError(
                    .keyCertMismatch, .both("Khóa bí mật không khớp với chứng thư số", "The private key does not match the certificate"),
                    location: identity.certificate.commonName ?? identity.certificate.subject)
            }
            throw OpenSSL.error(.cryptoError, .both("Không thêm được người ký", "Could not add the signer"))
        }
        if identity.key.info.kind == .rsa || identity.key.info.kind == .rsaPSS {
            guard let pctx = CMS_SignerInfo_get0_pkey_ctx(si), hoso_ctx_set_pss(pctx) == 1 else {
                throw OpenSSL.error(.cryptoError, .both("Không đặt được RSA-PSS", "Could not select RSA-PSS"))
            }
        }
        // Our clock, not OpenSSL's: tests sign "in 2019".
        if signingTime {
            let t = try OpenSSL.asn1Time(time)
            defer { ASN1_TIME_free(t) }
            try OpenSSL.check(
                CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, ASN1_STRING_type(t), t, -1), .cryptoError,
                .both("Không ghi được thời điểm ký", "Could not add the signing time"))
        }
        if let role {
            let value = title.map { encodeRole(role, title: $0) } ?? roleAttributeValue(role)
            try OpenSSL.check(
                CMS_signed_add1_attr_by_NID(si, OpenSSL.nid(OID.signerAttributesV2), V_ASN1_SEQUENCE, value, Int32(value.count)),
                .cryptoError,
                .both("Không ghi được vai trò người ký", "Could not add the signer's role"))
        }
        for c in identity.chain where c != identity.certificate {
            try OpenSSL.check(CMS_add1_cert(cms, c.x509), .cryptoError, .both("Không thêm được chuỗi chứng thư", "Could not add the chain"))
        }
        for crl in crls {
            try OpenSSL.check(CMS_add1_crl(cms, crl.crl), .cryptoError, .both("Không thêm được CRL", "Could not add a CRL"))
        }
        try OpenSSL.withReadBIO(content) { bio in
            try OpenSSL.check(
                CMS_final(cms, bio, nil, cmsDetached | cmsBinary), .cryptoError,
                .both("Ký không thành công", "Signing failed"))
        }
        if !signingTime { try resignWithoutSigningTime(si, identity) }
        if let timestamp {
            let token = try timestamp(OpenSSL.bytes(UnsafePointer(CMS_SignerInfo_get0_signature(si))))
            try addUnsignedTimestamp(token, to: si)
        }
        return try OpenSSL.der { i2d_CMS_ContentInfo(cms, $0) }
    }

    /// OpenSSL 3.0 always adds a signing-time attribute when it signs (CMS_NO_SIGNING_TIME came in 3.2): remove it
    /// and sign the remaining signed attributes again with the same key, digest and padding. The attributes are
    /// signed as their DER SET OF (sorted encodings), which is also how OpenSSL writes them into the SignerInfo.
    static func resignWithoutSigningTime(_ si: OpaquePointer, _ identity: SigningIdentity) throws {
        let idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1)
        if idx >= 0, let attr = CMS_signed_delete_attr(si, idx) { X509_ATTRIBUTE_free(attr) }
        var encoded = [[UInt8]]()
        for i in 0..<max(0, CMS_signed_get_attr_count(si)) {
            let attr = try OpenSSL.nonNull(
                CMS_signed_get_attr(si, i), .cryptoError,
                .both("Không đọc được thuộc tính đã ký", "Cannot read a signed attribute"))
            encoded.append(try OpenSSL.der { i2d_X509_ATTRIBUTE(attr, $0) })
        }
        encoded.sort { $0.lexicographicallyPrecedes($1) }
        let toBeSigned = DER.set(encoded.flatMap { $0 })
        let mctx = try OpenSSL.nonNull(EVP_MD_CTX_new(), .cryptoError, .both("Hết bộ nhớ", "Out of memory"))
        defer { EVP_MD_CTX_free(mctx) }
        var pctx: OpaquePointer?
        try OpenSSL.check(
            EVP_DigestSignInit(mctx, &pctx, EVP_sha256(), nil, identity.key.pkey), .cryptoError,
            .both("Không khởi tạo được phép ký", "Could not start signing"))
        if identity.key.info.kind == .rsa || identity.key.info.kind == .rsaPSS {
            guard let pctx, hoso_ctx_set_pss(pctx) == 1 else {
                throw OpenSSL.error(.cryptoError, .both("Không đặt được RSA-PSS", "Could not select RSA-PSS"))
            }
        }
        var length = 0
        try OpenSSL.check(
            EVP_DigestSign(mctx, nil, &length, toBeSigned, toBeSigned.count), .cryptoError,
            .both("Ký không thành công", "Signing failed"))
        var signature = [UInt8](repeating: 0, count: length)
        try OpenSSL.check(
            EVP_DigestSign(mctx, &signature, &length, toBeSigned, toBeSigned.count), .cryptoError,
            .both("Ký không thành công", "Signing failed"))
        try OpenSSL.check(
            ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), signature, Int32(length)), .cryptoError,
            .both("Không ghi được giá trị chữ ký", "Could not store the signature value"))
    }

    /// The RFC 3161 token as the signer's unsigned signature-timestamp attribute (CAdES-T).
    static func addUnsignedTimestamp(_ token: [UInt8], to si: OpaquePointer) throws {
        let obj = try OpenSSL.object(OID.signatureTimeStampToken)
        defer { ASN1_OBJECT_free(obj) }
        try OpenSSL.check(
            CMS_unsigned_add1_attr_by_OBJ(si, obj, V_ASN1_SEQUENCE, token, Int32(token.count)), .cryptoError,
            .both("Không thêm được dấu thời gian", "Could not add the timestamp"))
    }

    /// Refuses keys and certificates the rules do not allow, before anything is signed.
    static func checkUsable(_ id: SigningIdentity, at time: Date) throws {
        let cert = id.certificate
        let who = cert.commonName ?? cert.subject
        guard id.key.info.isStrongEnough, cert.publicKey.isStrongEnough else {
            throw HosoError(
                .weakAlgorithm,
                .both(
                    "Khóa \(id.key.info) quá yếu: cần RSA ≥ 2048 bit hoặc ECDSA ≥ 256 bit",
                    "The key \(id.key.info) is too weak: RSA ≥ 2048 bits or ECDSA ≥ 256 bits is required"),
                location: who)
        }
        guard cert.canSignDocuments else {
            throw HosoError(
                .certificateNotUsable,
                .both(
                    "Chứng thư số không được phép dùng để ký văn bản (key usage)",
                    "The certificate may not be used to sign documents (key usage)"),
                location: who)
        }
        if time > cert.notAfter {
            throw HosoError(
                .certificateNotUsable,
                .both(
                    "Chứng thư số đã hết hạn ngày \(HosoClock.format(cert.notAfter))",
                    "The certificate expired on \(HosoClock.format(cert.notAfter))"), location: who)
        }
        if time < cert.notBefore {
            throw HosoError(
                .certificateNotUsable,
                .both(
                    "Chứng thư số chưa có hiệu lực (từ \(HosoClock.format(cert.notBefore)))",
                    "The certificate is not valid yet (from \(HosoClock.format(cert.notBefore)))"),
                location: who)
        }
    }

    /// SignerAttributeV2 { claimedAttributes [0] SEQUENCE { Attribute { id-at-role, SET { RoleSyntax { roleName [1] URI } } } } }.
    /// The CAdES module uses EXPLICIT tags, so [0] wraps the SEQUENCE OF; roleName's [1] is explicit because
    /// GeneralName is a CHOICE.
    static func roleAttributeValue(_ role: SignerRole) -> [UInt8] { roleValues[role]! }

    private static let roleValues: [SignerRole: [UInt8]] = Dictionary(
        uniqueKeysWithValues: SignerRole.allCases.map { ($0, encodeRole($0)) })

    /// With a title, a second claimed attribute: id-at-title with a UTF8String (the job printed beside the signature,
    /// from the signer's assignment: Vietnamese certificates carry no title).
    static func encodeRole(_ role: SignerRole, title: String? = nil) -> [UInt8] {
        let roleName = DER.encode(tag: 0xA1, DER.encode(tag: 0x86, Array(role.uri.utf8)))
        let roleSyntax = DER.sequence(roleName)
        var attributes = DER.sequence(DER.oid(OID.role), DER.set(roleSyntax))
        if let title, !title.isEmpty {
            let text = Array(title.precomposedStringWithCanonicalMapping.utf8.prefix(512))
            attributes += DER.sequence(DER.oid(OID.title), DER.set(DER.encode(tag: 0x0C, text)))
        }
        return DER.sequence(DER.encode(tag: 0xA0, DER.encode(tag: 0x30, attributes)))
    }

    /// The claimed title, if the signer-attributes-v2 value has one.
    static func title(fromAttributeValue der: [UInt8]) -> String? {
        guard let (outer, _) = try? DER.parse(der[...]), outer.tag == 0x30,
            let claimed = try? outer.children.first(where: { $0.tag == 0xA0 }),
            let list = try? claimed.children.first, list.tag == 0x30
        else { return nil }
        for attr in (try? list.children) ?? [] {
            guard let parts = try? attr.children, parts.count == 2, parts[0].tag == 0x06, DER.oidText(parts[0].content) == OID.title,
                let value = try? parts[1].children.first, value.tag == 0x0C
            else { continue }
            return String(decoding: value.content, as: UTF8.self)
        }
        return nil
    }

    static func role(fromAttributeValue der: [UInt8]) -> SignerRole? {
        guard let (outer, _) = try? DER.parse(der[...]), outer.tag == 0x30,
            let claimed = try? outer.children.first(where: { $0.tag == 0xA0 }),
            let list = try? claimed.children.first, list.tag == 0x30
        else { return nil }
        for attr in (try? list.children) ?? [] {
            guard let parts = try? attr.children, parts.count == 2, parts[0].tag == 0x06,
                DER.oidText(parts[0].content) == OID.role
            else { continue }
            for syntax in (try? parts[1].children) ?? [] {
                for field in (try? syntax.children) ?? [] where field.tag == 0xA1 {
                    if let name = try? field.children.first, name.tag == 0x86,
                        let r = SignerRole(uri: String(decoding: name.content, as: UTF8.self))
                    {
                        return r
                    }
                }
            }
        }
        return nil
    }
}

/// A parsed CMS SignedData (ours or anyone's). Owns its `CMS_ContentInfo*`; keeps the exact DER.
// @unchecked: the CMS_ContentInfo is immutable after parsing except OpenSSL's verification caches; hoso never verifies one from two threads.
public final class SignedData: @unchecked Sendable {
    let cms: OpaquePointer
    public let der: [UInt8]
    public let certificates: [Certificate]
    public let crls: [CRL]

    public init(der: [UInt8], source: String? = nil) throws {
        guard let cms = OpenSSL.parseDER(der, { d2i_CMS_ContentInfo(nil, $0, $1) }, free: { CMS_ContentInfo_free($0) }) else {
            throw OpenSSL.error(.badSignature, .both("Không phải chữ ký CMS đọc được", "Not a readable CMS signature"), location: source)
        }
        guard OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed else {
            CMS_ContentInfo_free(cms)
            throw HosoError(.badSignature, .both("CMS không phải SignedData", "The CMS is not SignedData"), location: source)
        }
        self.cms = cms
        self.der = der
        var certs = [Certificate]()
        if let sk = CMS_get1_certs(cms) {
            for i in 0..<hoso_sk_x509_num(sk) {
                if let x = hoso_sk_x509_value(sk, i), X509_up_ref(x) == 1 { certs.append(try Certificate(takingOwnership: x)) }
            }
            hoso_sk_x509_pop_free(sk)
        }
        certificates = certs
        var list = [CRL]()
        if let sk = CMS_get1_crls(cms) {
            for i in 0..<hoso_sk_crl_num(sk) {
                if let c = hoso_sk_crl_value(sk, i), X509_CRL_up_ref(c) == 1 { list.append(try CRL(takingOwnership: c)) }
            }
            hoso_sk_crl_pop_free(sk)
        }
        crls = list
        // Match each SignerInfo to its certificate among the embedded ones.
        _ = CMS_set1_signers_certs(cms, nil, 0)
        _ = OpenSSL.drainErrors()
        pinSigners()
    }

    /// A SignedData parsed from `stripped` (the same structure without its certificates and CRLs), with those
    /// given already parsed: OpenSSL 3.0 decodes every embedded certificate's public key on each parse, which
    /// dominated verification. `der` stays the original bytes.
    init(der: [UInt8], stripped: [UInt8], certificates: [Certificate], crls: [CRL], source: String?) throws {
        guard let cms = OpenSSL.parseDER(stripped, { d2i_CMS_ContentInfo(nil, $0, $1) }, free: { CMS_ContentInfo_free($0) }),
            OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed
        else {
            throw OpenSSL.error(.badSignature, .both("Không phải chữ ký CMS đọc được", "Not a readable CMS signature"), location: source)
        }
        self.cms = cms
        self.der = der
        self.certificates = certificates
        self.crls = crls
        if let sk = hoso_sk_x509_new() {
            for c in certificates { _ = hoso_sk_x509_push(sk, c.x509) }
            _ = CMS_set1_signers_certs(cms, sk, 0)
            hoso_sk_x509_free(sk)
        }
        _ = OpenSSL.drainErrors()
        pinSigners()
    }

    /// CMS_set1_signers_certs gives each SignerInfo the first embedded certificate its SignerIdentifier (issuer and
    /// serial, or key identifier) matches: a look-alike with the same issuer name and serial placed first would be
    /// taken for the signer, and reported. When several match, the one signing-certificate-v2 names is the signer.
    private func pinSigners() {
        guard certificates.count > 1 else { return }
        for s in signers {
            let matching = certificates.filter { CMS_SignerInfo_cert_cmp(s.si, $0.x509) == 0 }
            guard matching.count > 1, let pinned = matching.first(where: { s.essMatches($0) == true }) else { continue }
            CMS_SignerInfo_set1_signer_cert(s.si, pinned.x509)
        }
        _ = OpenSSL.drainErrors()
    }

    deinit { CMS_ContentInfo_free(cms) }

    public var isDetached: Bool { CMS_is_detached(cms) == 1 }

    public var signers: [Signer] {
        guard let sis = CMS_get0_SignerInfos(cms) else { return [] }
        return (0..<hoso_sk_signerinfo_num(sis)).compactMap { i in
            hoso_sk_signerinfo_value(sis, i).map { Signer(si: $0, owner: self) }
        }
    }

    /// One SignerInfo inside the SignedData.
    public struct Signer {
        let si: OpaquePointer
        let owner: SignedData

        public var certificate: Certificate? {
            var signer: OpaquePointer?
            CMS_SignerInfo_get0_algs(si, nil, &signer, nil, nil)
            guard let signer else { return nil }
            return owner.certificates.first { X509_cmp($0.x509, signer) == 0 }
        }

        var digestNID: Int32 {
            var dig: UnsafeMutablePointer<X509_ALGOR>?
            CMS_SignerInfo_get0_algs(si, nil, nil, &dig, nil)
            var obj: OpaquePointer?
            X509_ALGOR_get0(&obj, nil, nil, dig)
            return OBJ_obj2nid(obj)
        }

        var signatureNID: Int32 {
            var sig: UnsafeMutablePointer<X509_ALGOR>?
            CMS_SignerInfo_get0_algs(si, nil, nil, nil, &sig)
            var obj: OpaquePointer?
            X509_ALGOR_get0(&obj, nil, nil, sig)
            return OBJ_obj2nid(obj)
        }

        public var digestAlgorithm: String { String(cString: OBJ_nid2sn(digestNID)) }
        public var signatureAlgorithm: String { String(cString: OBJ_nid2sn(signatureNID)) }

        /// The signature value: what an RFC 3161 signature timestamp covers.
        public var signatureValue: [UInt8] {
            OpenSSL.bytes(UnsafePointer(CMS_SignerInfo_get0_signature(si)))
        }

        func signedAttribute(_ oid: String) -> [UInt8]? { attribute(oid, signed: true) }
        func unsignedAttribute(_ oid: String) -> [UInt8]? { attribute(oid, signed: false) }

        /// The DER of the first value of an attribute.
        private func attribute(_ oid: String, signed: Bool) -> [UInt8]? {
            let nid = OpenSSL.nid(oid)
            guard nid != NID_undef else { return nil }
            let idx = signed ? CMS_signed_get_attr_by_NID(si, nid, -1) : CMS_unsigned_get_attr_by_NID(si, nid, -1)
            guard idx >= 0, let attr = signed ? CMS_signed_get_attr(si, idx) : CMS_unsigned_get_attr(si, idx),
                let type = X509_ATTRIBUTE_get0_type(attr, 0)
            else { return nil }
            return try? OpenSSL.der { i2d_ASN1_TYPE(type, $0) }
        }

        public var signingTime: Date? {
            let idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1)
            guard idx >= 0, let attr = CMS_signed_get_attr(si, idx), let type = X509_ATTRIBUTE_get0_type(attr, 0) else { return nil }
            let t = type.pointee.type
            guard t == V_ASN1_UTCTIME || t == V_ASN1_GENERALIZEDTIME else { return nil }
            return OpenSSL.date(UnsafePointer(type.pointee.value.utctime))
        }

        public var role: SignerRole? {
            signedAttribute(OID.signerAttributesV2).flatMap { CMSSigner.role(fromAttributeValue: $0) }
        }

        /// The RFC 3161 token (ContentInfo DER) in the signature-time-stamp unsigned attribute, if any.
        public var timestampToken: [UInt8]? { unsignedAttribute(OID.signatureTimeStampToken) }

        /// The certificate hashes named by ESS signing-certificate-v2 (SHA-256 unless the attribute says otherwise).
        var essCertHashes: [(algorithm: String, hash: [UInt8])]? {
            guard let der = signedAttribute("1.2.840.113549.1.9.16.2.47"),
                let (outer, _) = try? DER.parse(der[...]), let ids = try? outer.children.first?.children
            else { return nil }
            return ids.compactMap { id in
                guard let parts = try? id.children else { return nil }
                var alg = "2.16.840.1.101.3.4.2.1"  // DEFAULT sha256
                for p in parts {
                    if p.tag == 0x30, let o = try? p.children.first, o.tag == 0x06 { alg = DER.oidText(o.content) }
                    if p.tag == 0x04 { return (alg, Array(p.content)) }
                }
                return nil
            }
        }

        /// True when signing-certificate-v2 names exactly this certificate.
        public func essMatches(_ cert: Certificate) -> Bool? {
            guard let ids = essCertHashes else { return nil }
            let digests: [String: (OpaquePointer?)] = [
                "2.16.840.1.101.3.4.2.1": EVP_sha256(), "2.16.840.1.101.3.4.2.2": EVP_sha384(),
                "2.16.840.1.101.3.4.2.3": EVP_sha512(),
            ]
            guard let first = ids.first else { return false }
            if first.algorithm == "2.16.840.1.101.3.4.2.1" { return Hex.encode(first.hash) == cert.fingerprint }
            guard let md = digests[first.algorithm] ?? nil else { return false }
            var out = [UInt8](repeating: 0, count: 64)
            var n: UInt32 = 0
            cert.der.withUnsafeBytes { _ = EVP_Digest($0.baseAddress, $0.count, &out, &n, md, nil) }
            return Array(out.prefix(Int(n))) == first.hash
        }

        /// The signature over the signed attributes (needs the signer's certificate).
        public func signatureIsValid() -> Bool {
            defer { _ = OpenSSL.drainErrors() }
            return CMS_SignerInfo_verify(si) == 1
        }

        /// The message digest attribute against `content`, hashed with the signer's digest algorithm.
        public func contentMatches(_ content: [UInt8]) -> Bool {
            guard let expected = messageDigest, let md = EVP_get_digestbyname(OBJ_nid2sn(digestNID)) else { return false }
            var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var n: UInt32 = 0
            let ok = content.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &out, &n, md, nil) == 1 }
            return ok && Array(out.prefix(Int(n))) == expected
        }

        /// The messageDigest signed attribute (for our signatures: the revision's object id).
        public var messageDigest: [UInt8]? {
            let idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1)
            guard idx >= 0, let attr = CMS_signed_get_attr(si, idx), let type = X509_ATTRIBUTE_get0_type(attr, 0),
                type.pointee.type == V_ASN1_OCTET_STRING
            else { return nil }
            return OpenSSL.bytes(UnsafePointer(type.pointee.value.octet_string))
        }
    }

    /// The same signature with an RFC 3161 token added as the signature-time-stamp unsigned attribute of
    /// signer `index` (CAdES-T). The signed part is untouched, so earlier checks of it stay valid.
    public func addingTimestamp(_ token: [UInt8], signer index: Int = 0) throws -> [UInt8] {
        // Work on a fresh parse so this instance keeps describing the bytes it was made from.
        let copy = try SignedData(der: der)
        let ss = copy.signers
        guard index < ss.count else {
            throw HosoError(.badSignature, .both("Không có người ký số \(index)", "No signer \(index)"))
        }
        try CMSSigner.addUnsignedTimestamp(token, to: ss[index].si)
        return try OpenSSL.der { i2d_CMS_ContentInfo(copy.cms, $0) }
    }
}
