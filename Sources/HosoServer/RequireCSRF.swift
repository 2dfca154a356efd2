import HTTPTypes
import HosoAccounts
import HosoKit
import Hummingbird

/// Refuses (403 CSRF_FAILED) a state-changing request whose anti-forgery token is missing or wrong. Every POST or
/// DELETE route that a signed-in browser could be tricked into sending is added to a group with this middleware.
struct RequireCSRF: RouterMiddleware {
    typealias Context = HosoContext

    enum Source: Sendable {
        /// The JSON API: the session's token in `X-CSRF-Token`; the body is left to the handler.
        case header
        /// The screens: the session's token in the form field `_csrf` (else the header). The form, read here up to
        /// `limit` bytes, is handed on in `HosoContext.form`.
        case form(limit: Int)
        /// The sign-in form, before any session: the field `_csrf` must repeat the login cookie (double submit).
        case signIn
    }

    let source: Source

    /// The JSON API's token check.
    static let header = RequireCSRF(source: .header)
    /// A screen's form of at most `limit` bytes.
    static func form(limit: Int) -> RequireCSRF { RequireCSRF(source: .form(limit: limit)) }
    /// The sign-in form's check.
    static let signIn = RequireCSRF(source: .signIn)

    /// Without a session there is nothing to forge: such a request acts as nobody (`RequireRole` stops it where an
    /// account is needed), so only the sign-in form is checked then.
    func handle(_ request: Request, context: HosoContext, next: (Request, HosoContext) async throws -> Response) async throws -> Response {
        var context = context
        switch source {
        case .header:
            if let session = context.session { try Self.check(sent: request.headers[.xCSRFToken], expected: session.csrf) }
        case .form(let limit):
            let form = try await Form.read(request, limit: limit)
            if let session = context.session { try Self.check(sent: form["_csrf"] ?? request.headers[.xCSRFToken], expected: session.csrf) }
            context.form = form
        case .signIn:
            let form = try await Form.read(request, limit: 64 * 1024)
            let cookie = request.cookies[Cookies.loginCSRF]?.value ?? ""
            guard !cookie.isEmpty else { throw Self.failed }
            try Self.check(sent: form["_csrf"], expected: cookie)
            context.form = form
        }
        return try await next(request, context)
    }

    static func check(sent: String?, expected: String) throws {
        guard constantTimeEqual(Array((sent ?? "").utf8), Array(expected.utf8)) else { throw failed }
    }

    static let failed = HosoError(
        .csrfFailed,
        .both(
            "Mã chống giả mạo (CSRF) thiếu hoặc sai; hãy tải lại trang",
            "The CSRF token is missing or wrong; reload the page"))
}

extension HosoContext {
    /// The form a `RequireCSRF.form` group read and checked. Throws only for a handler registered outside such a
    /// group, a mistake `RouteProtectionTests` finds.
    func submittedForm() throws -> Form {
        guard let form else {
            throw HosoError(.internalError, .both("Biểu mẫu chưa được kiểm tra CSRF", "The form was not checked for CSRF"))
        }
        return form
    }
}

extension HTTPField.Name {
    static let xCSRFToken = Self("X-CSRF-Token")!
}
