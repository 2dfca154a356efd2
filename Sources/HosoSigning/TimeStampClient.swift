import COpenSSL
import Foundation
import HosoCore

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
            throw HosoError(
                .badTimestamp,
                .both(
                    "Giá trị băm dài \(digest.count) byte, không phải \(algorithm.rawValue)",
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
            let failures: [(Int32, String)] = [
                (TS_INFO_BAD_ALG, "badAlg"), (TS_INFO_BAD_REQUEST, "badRequest"),
                (TS_INFO_BAD_DATA_FORMAT, "badDataFormat"),
                (TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable"),
                (TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy"),
                (TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension"),
                (TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable"),
                (TS_INFO_SYSTEM_FAILURE, "systemFailure"),
            ]
            for (bit, name) in failures where ASN1_BIT_STRING_get_bit(fail, bit) == 1 { parts.append(name) }
        }
        return (code == Int(TS_STATUS_GRANTED) || code == Int(TS_STATUS_GRANTED_WITH_MODS), parts.joined(separator: ", "))
    }
}
