import COpenSSL
import Foundation
import HosoCore

extension HosoError.Code {
    /// An OCSP response that cannot be used: not successful, not for the certificate asked about, a nonce that does
    /// not match, a signer that may not answer for the CA, a bad signature, or times outside its validity.
    public static let badOCSPResponse = Self("BAD_OCSP_RESPONSE", .badInput)
    /// The OCSP responder could not be reached, or the certificate names none.
    public static let ocspUnavailable = Self("OCSP_UNAVAILABLE", .badInput)
}

extension OID {
    /// id-kp-OCSPSigning (RFC 6960 §4.2.2.2): a delegated responder's extended key usage.
    public static let ocspSigning = "1.3.6.1.5.5.7.3.9"
}

extension Certificate {
    /// The OCSP responder addresses named by the Authority Information Access extension (RFC 5280 §4.2.2.1).
    public var ocspURLs: [String] {
        guard let sk = X509_get1_ocsp(x509) else { return [] }
        defer { X509_email_free(sk) }
        return (0..<hoso_sk_string_num(sk)).compactMap { hoso_sk_string_value(sk, $0).map { String(cString: $0) } }
    }
}

/// A BasicOCSPResponse (RFC 6960) kept as evidence: its exact bytes (the whole OCSPResponse) and what it says.
/// Owns its `OCSP_BASICRESP*`.
// @unchecked: the structures are never mutated after init, and OpenSSL's reads of them are thread-safe.
public final class OCSPResponse: @unchecked Sendable, Equatable {
    let basic: OpaquePointer
    /// The DER OCSPResponse, as received.
    public let der: [UInt8]
    public let producedAt: Date
    /// The certificates the response carries (a delegated responder's certificate, usually).
    public let certificates: [Certificate]

    /// The largest OCSP response accepted (one with a responder chain is a few KiB).
    public static let maxBytes = 1 << 20

    public enum CertStatus: Sendable, Equatable {
        case good
        case revoked(Date)
        case unknown
    }

    /// What the response says about one certificate.
    public struct Single: Sendable, Equatable {
        public var status: CertStatus
        public var thisUpdate: Date
        public var nextUpdate: Date?
    }

    public init(der: [UInt8], source: String? = nil) throws {
        func bad(_ vi: String, _ en: String) -> HosoError {
            OpenSSL.error(.badOCSPResponse, .both(vi, en), location: source)
        }
        guard der.count <= Self.maxBytes,
            let resp = OpenSSL.parseDER(der, { d2i_OCSP_RESPONSE(nil, $0, $1) }, free: { OCSP_RESPONSE_free($0) })
        else { throw bad("Trả lời OCSP không đọc được", "The OCSP response is not readable") }
        defer { OCSP_RESPONSE_free(resp) }
        let status = OCSP_response_status(resp)
        guard status == OCSP_RESPONSE_STATUS_SUCCESSFUL else {
            let name = String(cString: OCSP_response_status_str(Int(status)))
            throw HosoError(
                .badOCSPResponse, .both("Máy chủ OCSP từ chối trả lời (\(name))", "The OCSP responder refused to answer (\(name))"),
                location: source)
        }
        guard let basic = OCSP_response_get1_basic(resp) else {
            throw bad("Trả lời OCSP không có BasicOCSPResponse", "The OCSP response holds no BasicOCSPResponse")
        }
        // A throwing initializer that stops before every property is set never runs deinit: until the object owns
        // `basic`, a failure frees it here (the ASan fuzz run found the leak).
        var owned = false
        defer { if !owned { OCSP_BASICRESP_free(basic) } }
        guard let produced = OpenSSL.date(OCSP_resp_get0_produced_at(basic)) else {
            throw bad("Trả lời OCSP không có producedAt", "The OCSP response has no producedAt")
        }
        var certs = [Certificate]()
        if let sk = OCSP_resp_get0_certs(basic) {
            for i in 0..<hoso_sk_x509_num(sk) {
                guard let x = hoso_sk_x509_value(sk, i) else { continue }
                certs.append(try Certificate(der: try OpenSSL.der { i2d_X509(x, $0) }))
            }
        }
        self.basic = basic
        self.der = der
        producedAt = produced
        certificates = certs
        owned = true
    }

    deinit { OCSP_BASICRESP_free(basic) }

    public static func == (a: OCSPResponse, b: OCSPResponse) -> Bool { a.der == b.der }

    /// The single response for `cert` (issued by `issuer`), matched by CertID (SHA-1, as RFC 5019 responders use;
    /// the CertID is only a lookup key, the response's signature is what is trusted).
    public func single(for cert: Certificate, issuer: Certificate) -> Single? {
        guard let id = OCSP_cert_to_id(nil, cert.x509, issuer.x509) else { return nil }
        defer { OCSP_CERTID_free(id) }
        var status: Int32 = -1
        var reason: Int32 = -1
        var revTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var thisUpd: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var nextUpd: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        guard OCSP_resp_find_status(basic, id, &status, &reason, &revTime, &thisUpd, &nextUpd) == 1,
            let thisUpdate = OpenSSL.date(thisUpd)
        else { return nil }
        let s: CertStatus
        switch status {
        case V_OCSP_CERTSTATUS_GOOD: s = .good
        case V_OCSP_CERTSTATUS_REVOKED: s = .revoked(OpenSSL.date(revTime) ?? .distantPast)
        default: s = .unknown
        }
        return Single(status: s, thisUpdate: thisUpdate, nextUpdate: OpenSSL.date(nextUpd))
    }

    /// Who signed the response, when the signature over it holds: the CA itself, or a delegated responder the CA
    /// certified with id-kp-OCSPSigning (RFC 6960 §4.2.2.2). Returns why it cannot be trusted, or nil. A delegated
    /// responder must be valid when the response was produced and not revoked in any of `crls` signed by the CA
    /// (whatever the date: a responder key that was compromised vouches for nothing).
    public func signerProblem(issuer: Certificate, crls: [CRL]) -> LocalizedText? {
        defer { _ = OpenSSL.drainErrors() }
        var signerPtr: OpaquePointer?
        guard let extra = hoso_sk_x509_new() else { return .both("hết bộ nhớ", "out of memory") }
        defer { hoso_sk_x509_free(extra) }
        _ = hoso_sk_x509_push(extra, issuer.x509)
        guard OCSP_resp_get0_signer(basic, &signerPtr, extra) == 1, let signerPtr else {
            return .both("không tìm thấy chứng thư của máy chủ OCSP", "the OCSP responder's certificate is not found")
        }
        // The signature with the signer's key only (OCSP_NOVERIFY): the signer's authority is hoso's to judge below,
        // at the response's own time rather than today.
        guard let store = X509_STORE_new() else { return .both("hết bộ nhớ", "out of memory") }
        defer { X509_STORE_free(store) }
        guard OCSP_basic_verify(basic, extra, store, UInt(OCSP_NOVERIFY)) == 1 else {
            return .both("chữ ký trên trả lời OCSP không đúng", "the signature on the OCSP response is wrong")
        }
        if X509_cmp(signerPtr, issuer.x509) == 0 { return nil }
        guard let signer = certificates.first(where: { X509_cmp($0.x509, signerPtr) == 0 }) else {
            return .both("chứng thư của máy chủ OCSP không nằm trong trả lời", "the responder's certificate is not in the response")
        }
        let who = signer.commonName ?? signer.subject
        guard signer.isIssued(by: issuer), signer.extendedKeyUsage?.contains(OID.ocspSigning) == true else {
            return .both(
                "\(who) không được CA ủy quyền trả lời OCSP (id-kp-OCSPSigning)",
                "\(who) is not delegated by the CA to answer OCSP (id-kp-OCSPSigning)")
        }
        guard signer.publicKey.isStrongEnough else {
            return .both("khóa \(signer.publicKey) của \(who) quá yếu", "key \(signer.publicKey) of \(who) is too weak")
        }
        guard signer.isValid(at: producedAt) else {
            return .both(
                "chứng thư \(who) không có hiệu lực lúc trả lời được tạo",
                "the certificate \(who) was not valid when the response was produced")
        }
        for crl in crls where crl.issuer == issuer.subject && crl.isSigned(by: issuer) {
            if let at = crl.revocationDate(of: signer) {
                return .both(
                    "chứng thư \(who) của máy chủ OCSP bị thu hồi ngày \(HosoClock.format(at))",
                    "the OCSP responder's certificate \(who) was revoked on \(HosoClock.format(at))")
            }
        }
        return nil
    }

    /// The nonce extension's value (RFC 8954), if any.
    var nonce: [UInt8]? {
        let i = OCSP_BASICRESP_get_ext_by_NID(basic, NID_id_pkix_OCSP_Nonce, -1)
        guard i >= 0, let ext = OCSP_BASICRESP_get_ext(basic, i) else { return nil }
        return OpenSSL.bytes(X509_EXTENSION_get_data(ext))
    }
}

/// Asks an OCSP responder about one certificate: builds the request and checks the answer (the HTTP part is in
/// HosoTransport, `OCSPClient.fetch`).
public enum OCSPClient {
    /// An OCSPRequest and what its answer must match.
    public struct Request: Sendable {
        public var der: [UInt8]
        public var certificate: Certificate
        public var issuer: Certificate
        /// The nonce extension's value as sent.
        public var nonce: [UInt8]
    }

    /// A request for `cert` (issued by `issuer`) with a random 16-byte nonce.
    public static func request(for cert: Certificate, issuer: Certificate) throws -> Request {
        let fail = LocalizedText.both("Không tạo được yêu cầu OCSP", "Could not build the OCSP request")
        let req = try OpenSSL.nonNull(OCSP_REQUEST_new(), .cryptoError, fail)
        defer { OCSP_REQUEST_free(req) }
        let id = try OpenSSL.nonNull(OCSP_cert_to_id(nil, cert.x509, issuer.x509), .cryptoError, fail)
        guard OCSP_request_add0_id(req, id) != nil else {
            OCSP_CERTID_free(id)
            throw OpenSSL.error(.cryptoError, fail)
        }
        var random = [UInt8](repeating: 0, count: 16)
        try OpenSSL.check(RAND_bytes(&random, Int32(random.count)), .cryptoError, fail)
        try OpenSSL.check(OCSP_request_add1_nonce(req, &random, Int32(random.count)), .cryptoError, fail)
        let i = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1)
        guard i >= 0, let ext = OCSP_REQUEST_get_ext(req, i) else { throw OpenSSL.error(.cryptoError, fail) }
        let nonce = OpenSSL.bytes(X509_EXTENSION_get_data(ext))
        let der = try OpenSSL.der { i2d_OCSP_REQUEST(req, $0) }
        return Request(der: der, certificate: cert, issuer: issuer, nonce: nonce)
    }

    /// The response to `request`, once it is successful, echoes the nonce (a responder that sends none is accepted:
    /// RFC 8954 lets pre-produced responses omit it), is signed by the CA or its delegated responder, answers for
    /// the certificate asked about, and is current at `at` (thisUpdate not more than 5 minutes ahead, nextUpdate
    /// not passed). The status (good, revoked, unknown) is the caller's to read: a revocation is evidence too.
    public static func response(
        from der: [UInt8], for request: Request, crls: [CRL] = [], at: Date, source: String? = nil
    ) throws -> OCSPResponse {
        func bad(_ vi: String, _ en: String) -> HosoError {
            HosoError(
                .badOCSPResponse, .both("Trả lời OCSP không dùng được: " + vi, "The OCSP response cannot be used: " + en), location: source)
        }
        let resp = try OCSPResponse(der: der, source: source)
        if let n = resp.nonce, n != request.nonce { throw bad("nonce không khớp", "the nonce does not match") }
        if let why = resp.signerProblem(issuer: request.issuer, crls: crls) { throw bad(why.vi, why.en) }
        guard let single = resp.single(for: request.certificate, issuer: request.issuer) else {
            throw bad("không có trạng thái cho chứng thư đã hỏi", "no status for the certificate asked about")
        }
        if single.thisUpdate > at.addingTimeInterval(300) {
            throw bad("thisUpdate ở tương lai", "thisUpdate is in the future")
        }
        if let next = single.nextUpdate, next < at { throw bad("đã quá nextUpdate", "past its nextUpdate") }
        return resp
    }
}
