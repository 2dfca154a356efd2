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
            throw HosoError(
                .certificateNotUsable,
                .both(
                    "Chứng thư số không dùng được để cấp dấu thời gian: cần phần mở rộng extendedKeyUsage "
                        + "đánh dấu critical và chỉ có timeStamping",
                    "The certificate cannot sign time-stamps: it needs a critical extendedKeyUsage extension "
                        + "with timeStamping only"),
                location: cert.description)
        }
        guard identity.key.matches(cert) else {
            throw HosoError(
                .keyCertMismatch,
                .both(
                    "Khóa bí mật không khớp với chứng thư số của TSA",
                    "The private key does not match the TSA certificate"),
                location: cert.description)
        }
        guard identity.key.info.isStrongEnough else {
            throw HosoError(
                .weakAlgorithm,
                .both(
                    "Khóa của TSA quá yếu (\(identity.key.info))",
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

        TS_RESP_CTX_set_time_cb(
            ctx,
            { _, data, sec, usec in
                guard let data, let sec, let usec else { return 0 }
                let t = Unmanaged<TimeBox>.fromOpaque(data).takeUnretainedValue().date.timeIntervalSince1970
                let whole = t.rounded(.down)
                sec.pointee = Int(whole)
                usec.pointee = min(999_999, Int(((t - whole) * 1_000_000).rounded()))
                return 1
            }, Unmanaged.passUnretained(time).toOpaque())

        TS_RESP_CTX_set_serial_cb(
            ctx,
            { ctx, _ in
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
