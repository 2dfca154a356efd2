import COpenSSL
import Foundation
import HosoCore

// RFC 3161 time-stamping: the authority that issues tokens (in-process or behind `TSAServer`), the client that asks
// a TSA over HTTP, and the token with its verification. Time is injected (`HosoClock`) so a token can say "2019".

/// The hash algorithms a time-stamp imprint may use. Anything weaker (SHA-1, MD5) is refused.
public enum TimeStampHash: String, Sendable, CaseIterable {
    case sha256, sha384, sha512

    public var digestLength: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    public var oid: String {
        switch self {
        case .sha256: "2.16.840.1.101.3.4.2.1"
        case .sha384: "2.16.840.1.101.3.4.2.2"
        case .sha512: "2.16.840.1.101.3.4.2.3"
        }
    }

    public init?(oid: String) {
        guard let h = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
        self = h
    }

    var md: OpaquePointer {
        switch self {
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }

    /// The digest of `bytes` with this algorithm.
    public func digest(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var n: UInt32 = 0
        bytes.withUnsafeBytes { raw in _ = EVP_Digest(raw.baseAddress, raw.count, &out, &n, md, nil) }
        return Array(out.prefix(Int(n)))
    }
}

// MARK: - Authority

/// A time-stamping authority (RFC 3161) over a signing identity whose certificate is a TSA certificate
/// (critical extended key usage timeStamping, nothing else). Each response gets its own OpenSSL context,
/// so one authority may answer from many threads at once.
public struct TimeStampAuthority: Sendable {
    public let identity: SigningIdentity
    public let policy: String
    public let clock: HosoClock

    public init(identity: SigningIdentity, policy: String = OID.hosoTSAPolicy, clock: HosoClock) throws {
        let cert = identity.certificate
        guard X509_check_purpose(cert.x509, X509_PURPOSE_TIMESTAMP_SIGN, 0) == 1 else {
            _ = OpenSSL.drainErrors()
            throw HosoError(.certificateNotUsable,
                            .both("Chứng thư số không dùng được để cấp dấu thời gian: cần phần mở rộng extendedKeyUsage "
                                  + "đánh dấu critical và chỉ có timeStamping",
                                  "The certificate cannot sign time-stamps: it needs a critical extendedKeyUsage extension "
                                  + "with timeStamping only"),
                            location: cert.description)
        }
        guard identity.key.matches(cert) else {
            throw HosoError(.keyCertMismatch, .both("Khóa bí mật không khớp với chứng thư số của TSA",
                                                    "The private key does not match the TSA certificate"),
                            location: cert.description)
        }
        guard identity.key.info.isStrongEnough else {
            throw HosoError(.weakAlgorithm, .both("Khóa của TSA quá yếu (\(identity.key.info))",
                                                  "The TSA key is too weak (\(identity.key.info))"),
                            location: cert.description)
        }
        guard let obj = OBJ_txt2obj(policy, 1) else {
            _ = OpenSSL.drainErrors()
            throw HosoError(.badTimestamp, .both("OID chính sách không hợp lệ: \(policy)", "Invalid policy OID: \(policy)"))
        }
        ASN1_OBJECT_free(obj)
        self.identity = identity
        self.policy = policy
        self.clock = clock
    }

    /// Answers one DER TimeStampReq with a DER TimeStampResp. Never throws and never crashes: a malformed request,
    /// an unsupported or weak digest, an unknown policy or an internal failure all become a rejection status.
    public func respond(to requestDER: [UInt8]) -> [UInt8] {
        let now = clock.now()
        guard identity.certificate.isValid(at: now) else {
            return Self.rejection(failInfo: TS_INFO_TIME_NOT_AVAILABLE)
        }
        let der: [UInt8]? = response(to: requestDER, at: now) { resp in try? OpenSSL.der { i2d_TS_RESP(resp, $0) } }
        _ = OpenSSL.drainErrors()
        return der ?? Self.systemFailure()
    }

    /// Makes the TS_RESP for a request and hands it to `body` (nil when OpenSSL could not make one).
    private func response<T>(to requestDER: [UInt8], at now: Date, _ body: (OpaquePointer) -> T?) -> T? {
        guard let ctx = TS_RESP_CTX_new() else { return nil }
        defer { TS_RESP_CTX_free(ctx) }
        let time = TimeBox(now)
        return withExtendedLifetime(time) {
            guard configure(ctx, time: time) else { return nil }
            guard let resp = try? OpenSSL.withReadBIO(requestDER, { TS_RESP_create_response(ctx, $0) }) else { return nil }
            defer { TS_RESP_free(resp) }
            return body(resp)
        }
    }

    /// A TimeStampToken (CMS ContentInfo DER) for `digest`, made in-process: what an office that is its own TSA
    /// puts into a signature. The answer is checked as a client checks one (granted, for this digest and nonce)
    /// but read from OpenSSL's structures rather than parsed back from DER: parsing the token's certificates
    /// again was most of the cost of a timestamp.
    public func token(forDigest digest: [UInt8], algorithm: TimeStampHash = .sha256) throws -> [UInt8] {
        let request = try TimeStampClient.request(digest: digest, algorithm: algorithm)
        func bad(_ vi: String, _ en: String, cause: String? = nil) -> HosoError {
            HosoError(.badTimestamp, .both(vi, en), location: "TSA", cause: cause)
        }
        let now = clock.now()
        guard identity.certificate.isValid(at: now) else {
            throw bad("TSA từ chối cấp dấu thời gian", "The TSA refused the time-stamp", cause: "certificate not valid now")
        }
        let made: Result<[UInt8], HosoError>? = response(to: request.der, at: now) { resp in
            let status = TimeStampClient.statusText(resp)
            guard status.granted else {
                return .failure(bad("TSA từ chối cấp dấu thời gian", "The TSA refused the time-stamp", cause: status.text))
            }
            guard let tst = TS_RESP_get_tst_info(resp), let mi = TS_TST_INFO_get_msg_imprint(tst),
                  let msg = TS_MSG_IMPRINT_get_msg(mi), OpenSSL.bytes(msg) == request.imprint,
                  let nonce = TS_TST_INFO_get_nonce(tst), Certificate.serialHex(nonce) == request.nonceHex
            else {
                return .failure(bad("Dấu thời gian của TSA không dành cho dữ liệu đã gửi", "The TSA's token is not for the data sent"))
            }
            guard let token = TS_RESP_get_token(resp), let der = try? OpenSSL.der({ i2d_PKCS7(token, $0) }) else {
                return .failure(bad("Trả lời của TSA không có dấu thời gian", "The TSA reply holds no time-stamp token"))
            }
            return .success(der)
        }
        _ = OpenSSL.drainErrors()
        guard let made else { throw bad("TSA không tạo được dấu thời gian", "The TSA could not make a time-stamp") }
        return try made.get()
    }

    private func configure(_ ctx: OpaquePointer, time: TimeBox) -> Bool {
        guard TS_RESP_CTX_set_signer_cert(ctx, identity.certificate.x509) == 1,
              TS_RESP_CTX_set_signer_key(ctx, identity.key.pkey) == 1,
              TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) == 1,
              TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) == 1,
              TS_RESP_CTX_set_clock_precision_digits(ctx, 3) == 1
        else { return false }
        for h in TimeStampHash.allCases where TS_RESP_CTX_add_md(ctx, h.md) != 1 { return false }

        guard let obj = OBJ_txt2obj(policy, 1) else { return false }
        defer { ASN1_OBJECT_free(obj) }
        guard TS_RESP_CTX_set_def_policy(ctx, obj) == 1 else { return false }

        // The chain goes into every token (when the request asks for certificates), so it can be checked offline.
        if !identity.chain.isEmpty {
            guard let stack = hoso_sk_x509_new() else { return false }
            defer { hoso_sk_x509_free(stack) }  // TS_RESP_CTX_set_certs takes its own references
            for c in identity.chain { _ = hoso_sk_x509_push(stack, c.x509) }
            guard TS_RESP_CTX_set_certs(ctx, stack) == 1 else { return false }
        }
        TS_RESP_CTX_add_flags(ctx, TS_TSA_NAME)

        TS_RESP_CTX_set_time_cb(ctx, { _, data, sec, usec in
            guard let data, let sec, let usec else { return 0 }
            let t = Unmanaged<TimeBox>.fromOpaque(data).takeUnretainedValue().date.timeIntervalSince1970
            let whole = t.rounded(.down)
            sec.pointee = Int(whole)
            usec.pointee = min(999_999, Int(((t - whole) * 1_000_000).rounded()))
            return 1
        }, Unmanaged.passUnretained(time).toOpaque())

        TS_RESP_CTX_set_serial_cb(ctx, { ctx, _ in
            // 128 random bits: unique without a counter that would have to survive restarts and be shared.
            var bytes = [UInt8](repeating: 0, count: 16)
            guard RAND_bytes(&bytes, Int32(bytes.count)) == 1, let bn = BN_bin2bn(bytes, Int32(bytes.count), nil) else {
                TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "Error during serial number generation.")
                TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE)
                return nil
            }
            defer { BN_free(bn) }
            return BN_to_ASN1_INTEGER(bn, nil)
        }, nil)
        return true
    }

    /// The instant one response is made at, handed to OpenSSL's time callback.
    private final class TimeBox {
        let date: Date
        init(_ date: Date) { self.date = date }
    }

    /// TimeStampResp { status { rejection, failInfo } }, written by hand for when OpenSSL cannot make one.
    static func rejection(failInfo bit: Int32) -> [UInt8] {
        let byteCount = Int(bit) / 8 + 1
        var bits = [UInt8](repeating: 0, count: byteCount)
        bits[Int(bit) / 8] = 0x80 >> UInt8(Int(bit) % 8)
        let unused = UInt8(7 - Int(bit) % 8)
        let status = DER.sequence(DER.encode(tag: 0x02, [2]), DER.encode(tag: 0x03, [unused] + bits))
        return DER.sequence(status)
    }

    static func systemFailure() -> [UInt8] { rejection(failInfo: TS_INFO_SYSTEM_FAILURE) }
}

// MARK: - Client

/// Asks a TSA for a token: builds the request, sends it over HTTP, checks the answer against the request.
public enum TimeStampClient {
    /// A TimeStampReq and what its answer must match.
    public struct Request: Sendable {
        public var der: [UInt8]
        public var algorithm: TimeStampHash
        public var imprint: [UInt8]
        /// The random nonce, lowercase hex.
        public var nonceHex: String
    }

    /// The largest reply accepted from a TSA (a token with a long chain is a few KiB).
    public static let maxReplyBytes = 1 << 20

    /// A request for `digest` with a random 64-bit nonce, asking for the TSA's certificate (certReq true).
    public static func request(digest: [UInt8], algorithm: TimeStampHash = .sha256) throws -> Request {
        guard digest.count == algorithm.digestLength else {
            throw HosoError(.badTimestamp, .both("Giá trị băm dài \(digest.count) byte, không phải \(algorithm.rawValue)",
                                                 "The digest is \(digest.count) bytes long, not \(algorithm.rawValue)"))
        }
        let fail = LocalizedText.both("Không tạo được yêu cầu dấu thời gian", "Could not build the time-stamp request")
        let req = try OpenSSL.nonNull(TS_REQ_new(), .cryptoError, fail)
        defer { TS_REQ_free(req) }
        let imprint = try OpenSSL.nonNull(TS_MSG_IMPRINT_new(), .cryptoError, fail)
        defer { TS_MSG_IMPRINT_free(imprint) }
        let alg = try OpenSSL.nonNull(X509_ALGOR_new(), .cryptoError, fail)
        defer { X509_ALGOR_free(alg) }
        guard X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(algorithm.md)), V_ASN1_NULL, nil) == 1 else {
            throw OpenSSL.error(.cryptoError, fail)
        }
        var d = digest
        try OpenSSL.check(TS_REQ_set_version(req, 1), .cryptoError, fail)
        try OpenSSL.check(TS_MSG_IMPRINT_set_algo(imprint, alg), .cryptoError, fail)
        try OpenSSL.check(TS_MSG_IMPRINT_set_msg(imprint, &d, Int32(d.count)), .cryptoError, fail)
        try OpenSSL.check(TS_REQ_set_msg_imprint(req, imprint), .cryptoError, fail)

        var nonceBytes = [UInt8](repeating: 0, count: 8)
        try OpenSSL.check(RAND_bytes(&nonceBytes, Int32(nonceBytes.count)), .cryptoError, fail)
        nonceBytes[0] |= 0x01 << 6  // never a short or zero nonce
        let bn = try OpenSSL.nonNull(BN_bin2bn(nonceBytes, Int32(nonceBytes.count), nil), .cryptoError, fail)
        defer { BN_free(bn) }
        let nonce = try OpenSSL.nonNull(BN_to_ASN1_INTEGER(bn, nil), .cryptoError, fail)
        defer { ASN1_INTEGER_free(nonce) }
        try OpenSSL.check(TS_REQ_set_nonce(req, nonce), .cryptoError, fail)
        try OpenSSL.check(TS_REQ_set_cert_req(req, 1), .cryptoError, fail)
        let der = try OpenSSL.der { i2d_TS_REQ(req, $0) }
        return Request(der: der, algorithm: algorithm, imprint: digest, nonceHex: Certificate.serialHex(nonce))
    }

    /// The token inside a TimeStampResp, once the status is granted and the token answers `request`
    /// (same imprint and algorithm, same nonce). The token's exact bytes are returned, never a re-encoding.
    /// Its signature is not checked here: `TimeStampToken.verify` does that against the trusted roots.
    public static func token(from responseDER: [UInt8], for request: Request, source: String? = nil) throws -> [UInt8] {
        func bad(_ vi: String, _ en: String, cause: String? = nil) -> HosoError {
            HosoError(.badTimestamp, .both(vi, en), location: source, cause: cause)
        }
        guard let resp = OpenSSL.parseDER(responseDER, { d2i_TS_RESP(nil, $0, $1) }, free: { TS_RESP_free($0) }) else {
            _ = OpenSSL.drainErrors()
            throw bad("Trả lời của TSA không đọc được", "The TSA reply is not readable")
        }
        defer { TS_RESP_free(resp) }
        let status = statusText(resp)
        guard status.granted else {
            throw bad("TSA từ chối cấp dấu thời gian", "The TSA refused the time-stamp", cause: status.text)
        }
        // TimeStampResp ::= SEQUENCE { status, timeStampToken }: the token is what follows the status.
        guard let outer = try? DER.parse(responseDER[...]).0, let (_, rest) = try? DER.parse(outer.content),
              let (_, after) = try? DER.parse(rest), after.isEmpty
        else { throw bad("Trả lời của TSA không có dấu thời gian", "The TSA reply holds no time-stamp token") }
        let tokenDER = Array(rest)
        let token: TimeStampToken
        do { token = try TimeStampToken(der: tokenDER) } catch var e as HosoError {
            e.location = source
            throw e
        }
        guard token.imprint == request.imprint, token.imprintAlgorithm == request.algorithm else {
            throw bad("Dấu thời gian của TSA không dành cho dữ liệu đã gửi", "The TSA's token is not for the data sent")
        }
        guard token.nonceHex == request.nonceHex else {
            throw bad("Số nonce trong dấu thời gian không khớp với yêu cầu", "The token's nonce does not match the request")
        }
        return tokenDER
    }

    /// The status of a DER TimeStampResp: granted (or grantedWithMods) or not, and the status name, the TSA's texts
    /// and the failure names on one line (e.g. "rejection, Message digest algorithm is not supported., badAlg").
    /// nil when the bytes are not a TimeStampResp.
    public static func status(of responseDER: [UInt8]) -> (granted: Bool, text: String)? {
        guard let resp = OpenSSL.parseDER(responseDER, { d2i_TS_RESP(nil, $0, $1) }, free: { TS_RESP_free($0) }) else {
            _ = OpenSSL.drainErrors()
            return nil
        }
        defer { TS_RESP_free(resp) }
        return statusText(resp)
    }

    static func statusText(_ resp: OpaquePointer) -> (granted: Bool, text: String) {
        guard let info = TS_RESP_get_status_info(resp), let st = TS_STATUS_INFO_get0_status(info) else {
            return (false, "no status")
        }
        let code = ASN1_INTEGER_get(st)
        let names = ["granted", "grantedWithMods", "rejection", "waiting", "revocationWarning", "revocationNotification"]
        var parts = [code >= 0 && code < names.count ? names[code] : "status \(code)"]
        if let texts = TS_STATUS_INFO_get0_text(info) {
            for i in 0..<OPENSSL_sk_num(texts) {
                if let s = OPENSSL_sk_value(texts, i) {
                    parts.append(OpenSSL.string(UnsafePointer(s.assumingMemoryBound(to: ASN1_STRING.self))))
                }
            }
        }
        if let fail = TS_STATUS_INFO_get0_failure_info(info) {
            let failures: [(Int32, String)] = [(TS_INFO_BAD_ALG, "badAlg"), (TS_INFO_BAD_REQUEST, "badRequest"),
                                               (TS_INFO_BAD_DATA_FORMAT, "badDataFormat"),
                                               (TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable"),
                                               (TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy"),
                                               (TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension"),
                                               (TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable"),
                                               (TS_INFO_SYSTEM_FAILURE, "systemFailure")]
            for (bit, name) in failures where ASN1_BIT_STRING_get_bit(fail, bit) == 1 { parts.append(name) }
        }
        return (code == Int(TS_STATUS_GRANTED) || code == Int(TS_STATUS_GRANTED_WITH_MODS), parts.joined(separator: ", "))
    }
}

// MARK: - Token

/// The outcome of checking a time-stamp token. Bad tokens are values, not errors.
public enum TimeStampCheck: Sendable, Equatable {
    /// Signed by a TSA that chains to a trusted root at `genTime`, over the expected imprint.
    case valid(genTime: Date, tsa: Certificate)
    /// The token is for other data.
    case imprintMismatch
    /// The signature, the signed content or the ESS signing-certificate attribute does not check out.
    case badSignature
    /// The TSA certificate is missing or does not chain to a trusted root at the time the token claims.
    case untrustedTSA
    /// The signer's certificate is not a TSA certificate (critical extendedKeyUsage timeStamping only).
    case notATimeStampingCertificate
    /// Not a time-stamp token at all.
    case malformed
}

/// An RFC 3161 TimeStampToken: a CMS SignedData over a TSTInfo. Keeps the exact DER it was read from.
public struct TimeStampToken: Sendable {
    public struct Accuracy: Sendable, Equatable {
        public var seconds: Int, millis: Int, micros: Int
        public var interval: TimeInterval { Double(seconds) + Double(millis) / 1e3 + Double(micros) / 1e6 }
    }

    public let der: [UInt8]
    /// When the TSA says the imprint existed, with fractional seconds when the token has them.
    public let genTime: Date
    public let imprintAlgorithmOID: String
    /// nil when the imprint uses an algorithm hoso does not accept (e.g. SHA-1).
    public var imprintAlgorithm: TimeStampHash? { TimeStampHash(oid: imprintAlgorithmOID) }
    public let imprint: [UInt8]
    /// The token's serial number, lowercase hex.
    public let serialHex: String
    public let policy: String
    /// The nonce, lowercase hex, when the request had one.
    public let nonceHex: String?
    public let accuracy: Accuracy?
    /// The certificate that signed the token, when the token carries it.
    public let tsaCertificate: Certificate?
    /// Every certificate inside the token.
    public let certificates: [Certificate]

    public init(der: [UInt8]) throws {
        func malformed(_ vi: String, _ en: String) -> HosoError {
            HosoError(.badTimestamp, .both("Dấu thời gian không hợp lệ: " + vi, "Not a valid time-stamp token: " + en),
                      cause: OpenSSL.drainErrors())
        }
        guard let cms = OpenSSL.parseDER(der, { d2i_CMS_ContentInfo(nil, $0, $1) }, free: { CMS_ContentInfo_free($0) }) else {
            throw malformed("không phải CMS", "not CMS")
        }
        defer { CMS_ContentInfo_free(cms) }
        guard OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed,
              OBJ_obj2nid(CMS_get0_eContentType(cms)) == NID_id_smime_ct_TSTInfo,
              let content = CMS_get0_content(cms)?.pointee
        else { throw malformed("không chứa TSTInfo", "no TSTInfo inside") }
        guard let infos = CMS_get0_SignerInfos(cms), hoso_sk_signerinfo_num(infos) == 1,
              let si = hoso_sk_signerinfo_value(infos, 0)
        else { throw malformed("cần đúng một người ký", "exactly one signer is needed") }
        guard let tst = OpenSSL.parseDER(OpenSSL.bytes(content), { d2i_TS_TST_INFO(nil, $0, $1) },
                                         free: { TS_TST_INFO_free($0) })
        else { throw malformed("TSTInfo không đọc được", "unreadable TSTInfo") }
        defer { TS_TST_INFO_free(tst) }

        guard TS_TST_INFO_get_version(tst) == 1,
              let time = TS_TST_INFO_get_time(tst), let gen = Self.date(time),
              let mi = TS_TST_INFO_get_msg_imprint(tst), let algor = TS_MSG_IMPRINT_get_algo(mi),
              let msg = TS_MSG_IMPRINT_get_msg(mi)
        else { throw malformed("TSTInfo thiếu trường bắt buộc", "TSTInfo lacks a required field") }
        var algObj: OpaquePointer?
        X509_ALGOR_get0(&algObj, nil, nil, algor)

        self.der = der
        genTime = gen
        imprintAlgorithmOID = OpenSSL.oidText(algObj)
        imprint = OpenSSL.bytes(msg)
        serialHex = Certificate.serialHex(TS_TST_INFO_get_serial(tst))
        policy = OpenSSL.oidText(TS_TST_INFO_get_policy_id(tst))
        nonceHex = TS_TST_INFO_get_nonce(tst).map { Certificate.serialHex($0) }
        if let acc = TS_TST_INFO_get_accuracy(tst) {
            func n(_ i: UnsafePointer<ASN1_INTEGER>?) -> Int { i.map { ASN1_INTEGER_get($0) } ?? 0 }
            accuracy = Accuracy(seconds: n(TS_ACCURACY_get_seconds(acc)), millis: n(TS_ACCURACY_get_millis(acc)),
                                micros: n(TS_ACCURACY_get_micros(acc)))
        } else {
            accuracy = nil
        }

        var certs = [Certificate]()
        var signer: Certificate?
        if let stack = CMS_get1_certs(cms) {
            defer { hoso_sk_x509_pop_free(stack) }
            for i in 0..<hoso_sk_x509_num(stack) {
                guard let x = hoso_sk_x509_value(stack, i) else { continue }
                let c = try Certificate(der: try OpenSSL.der { i2d_X509(x, $0) })
                certs.append(c)
                if signer == nil, CMS_SignerInfo_cert_cmp(si, x) == 0 { signer = c }
            }
        }
        certificates = certs
        tsaCertificate = signer
    }

    /// Parses and verifies in one step; bytes that are not a token at all give `.malformed`.
    public static func check(der: [UInt8], imprint: [UInt8], trustedRoots: [Certificate],
                             intermediates: [Certificate] = []) -> TimeStampCheck {
        guard let token = try? TimeStampToken(der: der) else { return .malformed }
        return token.verify(imprint: imprint, trustedRoots: trustedRoots, intermediates: intermediates)
    }

    /// Checks, in this order: the imprint is `imprint`; the signature and the ESS signing-certificate attribute hold;
    /// the signer is a TSA certificate; its chain leads to one of `trustedRoots` **at genTime** (so a token stays
    /// checkable after the TSA certificate expires). `intermediates` add to the certificates inside the token.
    public func verify(imprint expected: [UInt8], trustedRoots: [Certificate],
                       intermediates: [Certificate] = []) -> TimeStampCheck {
        defer { _ = OpenSSL.drainErrors() }
        guard expected == imprint else { return .imprintMismatch }
        guard let cms = OpenSSL.parseDER(der, { d2i_CMS_ContentInfo(nil, $0, $1) }, free: { CMS_ContentInfo_free($0) }),
              let p7 = Self.parsePKCS7(der)
        else { return .malformed }
        defer { CMS_ContentInfo_free(cms); PKCS7_free(p7) }
        guard let infos = CMS_get0_SignerInfos(cms), hoso_sk_signerinfo_num(infos) == 1,
              let si = hoso_sk_signerinfo_value(infos, 0)
        else { return .malformed }

        let pool = certificates + intermediates.filter { !certificates.contains($0) }
        guard let tsa = tsaCertificate ?? intermediates.first(where: { CMS_SignerInfo_cert_cmp(si, $0.x509) == 0 }) else {
            return .untrustedTSA
        }
        guard let untrusted = Self.stack(pool) else { return .malformed }
        defer { hoso_sk_x509_pop_free(untrusted) }

        // 1. The signature over the signed attributes and the content digest, with the signer's key only.
        let flags = UInt32(CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY)
        guard CMS_verify(cms, untrusted, nil, nil, nil, flags) == 1 else { return .badSignature }
        // 2. A TSA certificate: extendedKeyUsage critical, timeStamping only (and a fitting keyUsage if present).
        guard X509_check_purpose(tsa.x509, X509_PURPOSE_TIMESTAMP_SIGN, 0) == 1 else { return .notATimeStampingCertificate }
        // 3. The chain at genTime. A chain already built for this TSA certificate, pool and roots has had its
        //    signatures and purposes checked; only the validity periods depend on genTime, and they are checked
        //    again here. Anything but success on that short path takes the full path below.
        let chainKey = TSAChainCache.key(tsa: tsa, pool: pool, roots: trustedRoots)
        let time = time_t(genTime.timeIntervalSince1970.rounded(.down))
        if let chain = TSAChainCache.shared.chain(chainKey), chain.allSatisfy({ TSAChainCache.isValid($0.x509, at: time) }) {
            return verifyWithOpenSSL(p7, roots: trustedRoots, pool: pool, tsa: tsa)
        }
        guard let store = makeStore(trustedRoots) else { return .malformed }
        defer { X509_STORE_free(store) }
        guard let sctx = X509_STORE_CTX_new() else { return .malformed }
        defer { X509_STORE_CTX_free(sctx) }
        guard X509_STORE_CTX_init(sctx, store, tsa.x509, untrusted) == 1,
              X509_STORE_CTX_set_purpose(sctx, X509_PURPOSE_TIMESTAMP_SIGN) == 1
        else { return .malformed }
        guard X509_verify_cert(sctx) == 1 else { return .untrustedTSA }
        if let built = X509_STORE_CTX_get0_chain(sctx) {
            let all = [tsa] + pool + trustedRoots
            let chain = (0..<hoso_sk_x509_num(built)).compactMap { i -> Certificate? in
                guard let x = hoso_sk_x509_value(built, i) else { return nil }
                return all.first { X509_cmp($0.x509, x) == 0 }
            }
            if chain.count == Int(hoso_sk_x509_num(built)) { TSAChainCache.shared.store(chainKey, chain) }
        }
        // 4. OpenSSL's own RFC 3161 check, which also matches the ESS signing-certificate(-v2) against the chain.
        return verifyWithOpenSSL(p7, roots: trustedRoots, pool: pool, tsa: tsa)
    }

    private func verifyWithOpenSSL(_ p7: UnsafeMutablePointer<PKCS7>, roots: [Certificate], pool: [Certificate],
                                   tsa: Certificate) -> TimeStampCheck {
        guard let vctx = TS_VERIFY_CTX_new() else { return .malformed }
        defer { TS_VERIFY_CTX_free(vctx) }
        // The context frees what it is given: the store, the certificate stack and the imprint buffer.
        // The chain it builds again is the one step 3 checked: its signatures are not verified a second time
        // (`TSAChainCache.verifyChain`), its validity periods are.
        guard let store = makeStore(roots) else { return .malformed }
        X509_STORE_set_verify(store, TSAChainCache.verifyChain)
        TS_VERIFY_CTX_set_store(vctx, store)
        guard let certs = Self.stack(pool.contains(tsa) ? pool : pool + [tsa]) else { return .malformed }
        TS_VERIFY_CTX_set_certs(vctx, certs)
        guard let buf = hoso_openssl_malloc(imprint.count)?.assumingMemoryBound(to: UInt8.self) else { return .malformed }
        buf.initialize(from: imprint, count: imprint.count)
        TS_VERIFY_CTX_set_imprint(vctx, buf, imprint.count)
        TS_VERIFY_CTX_set_flags(vctx, Int32(TS_VFY_SIGNATURE | TS_VFY_VERSION | TS_VFY_IMPRINT))

        if TS_RESP_verify_token(vctx, p7) == 1 { return .valid(genTime: genTime, tsa: tsa) }
        var reasons = Set<Int32>()
        while true {
            let e = ERR_get_error()
            if e == 0 { break }
            if ERR_GET_LIB(e) == ERR_LIB_TS { reasons.insert(ERR_GET_REASON(e)) }
        }
        if reasons.contains(TS_R_CERTIFICATE_VERIFY_ERROR) || reasons.contains(TS_R_TSA_UNTRUSTED) { return .untrustedTSA }
        if reasons.contains(TS_R_MESSAGE_IMPRINT_MISMATCH) { return .imprintMismatch }
        return .badSignature
    }

    /// A store of `roots` that validates at genTime.
    private func makeStore(_ roots: [Certificate]) -> OpaquePointer? {
        guard let store = X509_STORE_new() else { return nil }
        for r in roots { _ = X509_STORE_add_cert(store, r.x509) }  // takes its own reference
        if let param = X509_STORE_get0_param(store) {
            X509_VERIFY_PARAM_set_time(param, time_t(genTime.timeIntervalSince1970.rounded(.down)))
        }
        return store
    }

    /// A stack holding its own references to `certs`; free with `hoso_sk_x509_pop_free`.
    private static func stack(_ certs: [Certificate]) -> OpaquePointer? {
        guard let s = hoso_sk_x509_new() else { return nil }
        for c in certs {
            X509_up_ref(c.x509)
            if hoso_sk_x509_push(s, c.x509) <= 0 { X509_free(c.x509) }
        }
        return s
    }

    private static func parsePKCS7(_ der: [UInt8]) -> UnsafeMutablePointer<PKCS7>? {
        der.withUnsafeBufferPointer { buf -> UnsafeMutablePointer<PKCS7>? in
            guard let base = buf.baseAddress else { return nil }
            var p: UnsafePointer<UInt8>? = base
            guard let obj = d2i_PKCS7(nil, &p, buf.count) else { return nil }
            if p != base + buf.count { PKCS7_free(obj); return nil }
            return obj
        }
    }

    /// A GeneralizedTime as a Date, keeping fractional seconds ("20190601100000.25Z").
    static func date(_ t: UnsafePointer<ASN1_GENERALIZEDTIME>) -> Date? {
        guard let whole = OpenSSL.date(t) else { return nil }
        let text = OpenSSL.string(t)
        guard let dot = text.firstIndex(where: { $0 == "." || $0 == "," }) else { return whole }
        let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let frac = Double("0." + digits) else { return whole }
        return whole.addingTimeInterval(frac)
    }
}

/// TSA chains already checked, shared by every token and every verifier: building and checking the chain of a TSA
/// certificate (P-384 signatures in the demo PKI) costs far more than the rest of a token's check, and it depends only
/// on the certificates, not on genTime — the validity periods are checked again for each token. Bounded: cleared when
/// full.
final class TSAChainCache: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    static let shared = TSAChainCache()
    private let lock = NSLock()
    /// (TSA certificate, untrusted pool, roots) → the chain X509_verify_cert built, leaf first.
    private var chains = [String: [Certificate]]()
    /// Chains (SHA-256 of each certificate's DER, leaf first, joined) whose signatures have been verified.
    private var verified = Set<[UInt8]>()
    private let limit = 1024

    static func key(tsa: Certificate, pool: [Certificate], roots: [Certificate]) -> String {
        tsa.fingerprint + "|" + pool.map(\.fingerprint).sorted().joined(separator: ",") + "|"
            + roots.map(\.fingerprint).sorted().joined(separator: ",")
    }

    func chain(_ key: String) -> [Certificate]? { lock.withLock { chains[key] } }

    func store(_ key: String, _ chain: [Certificate]) {
        let id = Self.identity(chain.map(\.x509))
        lock.withLock {
            if chains.count >= limit { chains.removeAll() }
            if verified.count >= limit { verified.removeAll() }
            chains[key] = chain
            if let id { verified.insert(id) }
        }
    }

    private func isVerified(_ id: [UInt8]) -> Bool { lock.withLock { verified.contains(id) } }
    private func markVerified(_ id: [UInt8]) {
        lock.withLock {
            if verified.count >= limit { verified.removeAll() }
            verified.insert(id)
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
