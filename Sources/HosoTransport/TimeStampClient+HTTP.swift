import Foundation
import HosoCore
import HosoSigning

// The time-stamp protocol (requests, replies, tokens) stays in HosoSigning; asking a TSA over HTTP is transport.
extension TimeStampClient {
    /// Asks the TSA at `url` (http:// or https://) for a token over `digest`: POST application/timestamp-query,
    /// expecting application/timestamp-reply. Network failures, timeouts and HTTP errors are TSA_UNAVAILABLE.
    public static func fetch(
        url: String, digest: [UInt8], algorithm: TimeStampHash = .sha256,
        timeout: TimeInterval = 30
    ) throws -> [UInt8] {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
            u.host != nil
        else {
            throw HosoError(
                .tsaUnavailable,
                .both(
                    "Địa chỉ TSA không hợp lệ (cần http:// hoặc https://)",
                    "Invalid TSA address (http:// or https:// needed)"), location: url)
        }
        let req = try request(digest: digest, algorithm: algorithm)
        let reply = try post(u, body: req.der, timeout: timeout, source: url)
        return try token(from: reply, for: req, source: url)
    }

    private static func post(_ url: URL, body: [UInt8], timeout: TimeInterval, source: String) throws -> [UInt8] {
        func unavailable(_ vi: String, _ en: String, cause: String? = nil) -> HosoError {
            HosoError(
                .tsaUnavailable, .both("Không lấy được dấu thời gian từ TSA: " + vi, "Could not get a time-stamp from the TSA: " + en),
                location: source, cause: cause)
        }
        let reply: HTTPPost.Reply
        do {
            reply = try HTTPPost.send(
                url, body: body,
                headers: [
                    ("Content-Type", "application/timestamp-query"),
                    ("Accept", "application/timestamp-reply"),
                ], timeout: timeout)
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
        let type =
            (reply.header("Content-Type") ?? "").split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard type == "application/timestamp-reply" else {
            throw unavailable("kiểu nội dung sai (\(type))", "wrong content type (\(type))")
        }
        guard !reply.body.isEmpty, reply.body.count <= maxReplyBytes else {
            throw unavailable("trả lời rỗng hoặc quá lớn", "empty or oversized reply")
        }
        return reply.body
    }
}
