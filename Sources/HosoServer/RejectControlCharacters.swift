import Foundation
import Hummingbird

/// A NUL or other control character in the path or the query is never part of a real address: such a request is
/// answered 400 at once, with a fixed text, before any route (or a file or database lookup that could echo a path
/// back) sees it.
struct RejectControlCharacters: RouterMiddleware {
    typealias Context = HosoContext

    static func hasControl(_ s: Substring) -> Bool {
        s.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    static func refuses(_ raw: String) -> Bool {
        // Percent-decoded: `%00` is a NUL too. A string that does not decode is refused as well.
        guard let decoded = raw.removingPercentEncoding else { return true }
        return hasControl(Substring(decoded)) || hasControl(Substring(raw))
    }

    func handle(_ request: Request, context: HosoContext, next: (Request, HosoContext) async throws -> Response) async throws -> Response {
        if Self.refuses(request.uri.string) {
            return Response(
                status: .badRequest, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: "400 Địa chỉ yêu cầu có ký tự điều khiển / The request address contains a control character\n")))
        }
        return try await next(request, context)
    }
}
