import Foundation
import HTTPTypes
import HosoKit
import Hummingbird

/// Turns every error thrown below it into an answer: domain errors get their status from `httpStatus(for:)` (the
/// only place that maps them), as a JSON error list under /api/, else as an error page, or the sign-in form for a
/// page that needs a session.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = HosoContext
    let state: ServerState

    func handle(_ request: Request, context: HosoContext, next: (Request, HosoContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let later as RetryLater {
            // Busy or throttled: the answer says when to come back, in words and in Retry-After.
            var r = errorResponse(later.error, request: request, context: context, isAPI: request.uri.path.hasPrefix("/api/"))
            r.headers[.retryAfter] = String(later.seconds)
            return r
        } catch {
            return errorResponse(error, request: request, context: context, isAPI: request.uri.path.hasPrefix("/api/"))
        }
    }

    func errorResponse(_ error: any Error, request: Request, context: HosoContext, isAPI: Bool) -> Response {
        let problems: [HosoError]
        switch error {
        case let e as HosoError: problems = [e]
        case let e as HosoProblems: problems = e.problems
        case let e as HTTPError:
            let code: HosoError.Code = e.status == .contentTooLarge ? .bodyTooLarge : HosoError.Code(rawValue: "HTTP_\(e.status.code)")
            var r = Response(status: e.status)
            if isAPI {
                r = jsonErrors(
                    [HosoError(code, .both(e.body ?? e.status.reasonPhrase, e.body ?? e.status.reasonPhrase))],
                    status: e.status, lang: context.lang)
            } else {
                // The page says what the status means in words; the status phrase ("Not Found") is for machines.
                let (words, category) = Wording.httpStatus(e.status.code)
                r = Pages.errorPage(
                    context: context, status: e.status, problems: [HosoError(HosoError.Code(code.rawValue, category), words)],
                    back: referer(request))
            }
            return r
        default:
            context.logger.error("internal error: \(error)")
            problems = [HosoError(.internalError, .both("Lỗi nội bộ của máy chủ", "Internal server error"))]
        }
        let status = httpStatus(for: problems)
        if isAPI { return jsonErrors(problems, status: status, lang: context.lang) }
        if status == .unauthorized, request.method == .get {
            // A page that needs a session answers 401 with the sign-in form, so no JavaScript or redirect is needed.
            return Pages.loginPage(context: context, state: state, next: request.uri.path, status: .unauthorized, message: nil)
        }
        return Pages.errorPage(context: context, status: status, problems: problems, back: referer(request))
    }

    /// The page the reader came from, as a local path (never another site's address).
    func referer(_ request: Request) -> String? {
        guard let r = request.headers[.referer], let u = URLComponents(string: r), !u.path.isEmpty else { return nil }
        if let host = u.host, host != request.head.authority?.split(separator: ":").first.map(String.init) { return nil }
        return u.percentEncodedQuery.map { u.percentEncodedPath + "?" + $0 } ?? u.percentEncodedPath
    }
}
