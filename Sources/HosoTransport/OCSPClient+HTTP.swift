import Foundation
import HosoCore
import HosoSigning

// The OCSP protocol (requests, responses, their checks) stays in HosoSigning; asking a responder over HTTP is
// transport.
extension OCSPClient {
    /// Asks the responder named in `cert`'s Authority Information Access about `cert` (RFC 6960 over HTTP POST,
    /// application/ocsp-request) and returns the checked OCSPResponse's exact DER, to be kept as evidence. `crls`:
    /// the CA's CRLs, to see whether a delegated responder's own certificate was revoked. At most
    /// `OCSPResponse.maxBytes` are read, within `timeout` seconds. A certificate without a responder, an unreachable
    /// responder or an HTTP error is OCSP_UNAVAILABLE; an answer that cannot be trusted is BAD_OCSP_RESPONSE.
    public static func fetch(
        for cert: Certificate, issuer: Certificate, crls: [CRL] = [], at: Date = Date(), timeout: TimeInterval = 15
    ) throws -> [UInt8] {
        guard let url = cert.ocspURLs.first(where: { $0.lowercased().hasPrefix("http://") || $0.lowercased().hasPrefix("https://") }),
            let u = URL(string: url), u.host != nil
        else {
            throw HosoError(
                .ocspUnavailable,
                .both("Chứng thư số không ghi địa chỉ máy chủ OCSP (http)", "The certificate names no (http) OCSP responder"),
                location: cert.description)
        }
        func unavailable(_ vi: String, _ en: String, cause: String? = nil) -> HosoError {
            HosoError(
                .ocspUnavailable, .both("Không hỏi được máy chủ OCSP: " + vi, "Could not ask the OCSP responder: " + en),
                location: url, cause: cause)
        }
        let req = try request(for: cert, issuer: issuer)
        let reply: HTTPPost.Reply
        do {
            reply = try HTTPPost.send(
                u, body: req.der,
                headers: [("Content-Type", "application/ocsp-request"), ("Accept", "application/ocsp-response")],
                timeout: timeout)
        } catch .timedOut {
            throw unavailable("hết thời gian chờ", "timed out")
        } catch .network(let cause) {
            throw unavailable("lỗi mạng", "network error", cause: cause)
        } catch .noHTTPReply {
            throw unavailable("không có trả lời HTTP", "no HTTP reply")
        }
        guard reply.status == 200 else {
            throw unavailable("máy chủ trả lời HTTP \(reply.status)", "the server answered HTTP \(reply.status)")
        }
        guard !reply.body.isEmpty, reply.body.count <= OCSPResponse.maxBytes else {
            throw unavailable("trả lời rỗng hoặc quá lớn", "empty or oversized reply")
        }
        _ = try response(from: reply.body, for: req, crls: crls, at: at, source: url)
        return reply.body
    }
}
