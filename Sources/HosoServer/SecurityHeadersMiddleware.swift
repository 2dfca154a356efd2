import HTTPTypes
import Hummingbird

/// The headers every response carries, error pages included.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = HosoContext

    func handle(_ request: Request, context: HosoContext, next: (Request, HosoContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        // A PDF shown inside the clerk's print screen may be framed by this site's pages, and by nothing else.
        let frames = response.headers[.contentSecurityPolicy] == Self.framedBySelf ? "'self'" : "'none'"
        // Nothing from elsewhere: no CDN, no frames, forms post only here. The one exception: the grade-book page talks
        // to the teacher's signing agent on the teacher's own machine (`hoso agent`, loopback only).
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; connect-src 'self' http://127.0.0.1:* http://localhost:*; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors \(frames); base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    /// A route's marker for a response its own site may frame (`ClerkRoutes.pdfResponse`).
    static let framedBySelf = "frame-ancestors 'self'"
}

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
}
