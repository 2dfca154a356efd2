import Foundation
import HTTPTypes
import HosoAccounts
import HosoKit
import Hummingbird

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}

/// Who is asking and in which language: the session from its cookie (through `SessionCache`) and the language from
/// `?lang=` or its cookie. A switch of language by query is remembered in a cookie on the way out.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = HosoContext
    let state: ServerState

    func handle(_ request: Request, context: HosoContext, next: (Request, HosoContext) async throws -> Response) async throws -> Response {
        var context = context
        if !state.config.trustedProxies.isEmpty {
            context.remote = clientAddress(
                peer: context.remote, forwardedFor: request.headers[.xForwardedFor], trusted: state.config.trustedProxies)
        }
        if let q = request.uri.queryParameters.get("lang"), let l = Lang(rawValue: q) {
            context.lang = l
            context.setLangCookie = true
        } else if let c = request.cookies[Cookies.lang]?.value, let l = Lang(rawValue: c) {
            context.lang = l
        }
        if let token = request.cookies[Cookies.session]?.value, !token.isEmpty {
            context.sessionToken = token
            context.session = await session(token: token)
        }
        var response = try await next(request, context)
        if context.setLangCookie {
            response.setCookie(
                Cookie(
                    name: Cookies.lang, value: context.lang.rawValue, maxAge: 365 * 86400, path: "/",
                    secure: state.config.cookiesSecure, httpOnly: true, sameSite: .strict))
        }
        return response
    }

    /// An unknown, expired or unreadable session is no session: the request goes on as a visitor's.
    func session(token: String) async -> Session? {
        let now = state.now.timeIntervalSince1970
        if let cached = state.sessions.get(token, at: now) { return cached }
        let (store, idle) = (state.store, state.config.sessionIdleTimeout)
        let session = try? await state.blocking { try store.session(token: token, idleTimeout: idle) }
        if let session { state.sessions.put(token, session, at: now) }
        return session
    }
}
