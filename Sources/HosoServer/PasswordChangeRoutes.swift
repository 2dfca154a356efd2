import Foundation
import HTTPTypes
import HosoAccounts
import HosoKit
import Hummingbird

extension HosoError.Code {
    /// The account's password was reset by an admin: it must choose a new one before anything else.
    public static let passwordChangeRequired = Self("PASSWORD_CHANGE_REQUIRED", .forbidden)
}

/// One's own password: the page an account is sent to after an admin's reset, and may use any time.
enum PasswordChangeRoutes {
    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let anyone = router.group().add(middleware: RequireRole.anyone)
        let forms = anyone.group().add(middleware: RequireCSRF.form(limit: 16 * 1024))

        anyone.get("/account/password") { _, context -> Response in
            htmlResponse(page(context, try context.signedIn(), problems: [:]))
        }

        forms.post("/account/password") { _, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let (current, new) = (form["current"] ?? "", form["new"] ?? "")
            guard new == form["repeat"] ?? "" else {
                return htmlResponse(
                    page(
                        context, s,
                        problems: ["repeat": .both("Hai lần nhập mật khẩu mới không giống nhau", "The two new passwords differ")]),
                    status: .badRequest)
            }
            let token = context.sessionToken
            // The current password is a guess like a sign-in's: a stolen session must not try passwords unthrottled.
            // Wrong ones count against the account with its failed sign-ins.
            let (throttle, keys, now) = (state.throttle, ["user:" + s.user.name], state.now)
            if let wait = try await state.blocking({ try throttle.retryAfter(keys, now: now) }) {
                try await state.audit(actor: s.user.name, action: "change-password-throttled", target: "user:\(s.user.name)")
                let refused = LocalizedText.both(
                    "Nhập sai mật khẩu quá nhiều lần; thử lại sau \(wait / 60 + 1) phút",
                    "Too many wrong passwords; try again in \(wait / 60 + 1) minutes")
                return htmlResponse(page(context, s, problems: ["current": refused]), status: .tooManyRequests)
            }
            do {
                try await state.db { try $0.changeOwnPassword(name: s.user.name, current: current, new: new, keep: token) }
            } catch let e as HosoError where e.category.isCallerFault {
                if e.location == "current" {
                    try await state.blocking { try throttle.fail(keys, now: now) }
                    try await state.audit(actor: s.user.name, action: "change-password-failed", target: "user:\(s.user.name)")
                }
                return htmlResponse(page(context, s, problems: [e.location ?? "new": e.message]), status: .badRequest)
            }
            try await state.blocking { try throttle.succeed(keys) }
            try await state.audit(actor: s.user.name, action: "user-change-password", target: "user:\(s.user.name)")
            return redirect("/")
        }
    }

    static func page(_ c: HosoContext, _ s: Session, problems: [String: LocalizedText]) -> HTML {
        Pages.layout(c, title: c.t("Đổi mật khẩu", "Change the password")) {
            if s.user.mustChangePassword {
                el(
                    "p", [("class", "note"), ("id", "must-change")],
                    text: c.t(
                        "Mật khẩu của bạn vừa được quản trị đặt lại. Hãy chọn mật khẩu mới trước khi làm việc khác.",
                        "Your password was just reset by the administrator. Choose a new one before doing anything else."))
            }
            el("form", [("method", "post"), ("action", "/account/password"), ("class", "card"), ("id", "change-password")]) {
                Pages.csrfField(s)
                for (name, label, auto) in [
                    ("current", c.t("Mật khẩu hiện tại (mật khẩu tạm)", "Current (temporary) password"), "current-password"),
                    ("new", c.t("Mật khẩu mới (ít nhất 10 ký tự)", "New password (at least 10 characters)"), "new-password"),
                    ("repeat", c.t("Nhập lại mật khẩu mới", "The new password again"), "new-password"),
                ] {
                    el("label", [("for", "pw-\(name)")], text: label)
                    el(
                        "input",
                        [
                            ("type", "password"), ("name", name), ("id", "pw-\(name)"), ("required", ""), ("autocomplete", auto),
                            ("aria-invalid", problems[name] == nil ? nil : "true"),
                            ("aria-describedby", problems[name] == nil ? nil : "pw-\(name)-error"),
                        ])
                    if let p = problems[name] { el("span", [("class", "error"), ("id", "pw-\(name)-error")], text: c.t(p)) }
                }
                el("button", [("type", "submit"), ("id", "change-password-submit")], text: c.t("Đổi mật khẩu", "Change the password"))
            }
        }
    }
}

/// Until an account whose password an admin reset has chosen its own, it reaches only the password page, signing
/// out and the public pages: every other page sends it there (an API call is refused with 403).
struct PasswordChangeGate: RouterMiddleware {
    typealias Context = HosoContext

    static let allowed: Set<String> = [
        "/account/password", "/logout", "/login", "/verify", QRLink.path, "/download", "/office/seal.png", "/verify/link.js",
        "/api/session",
    ]

    static func isAllowed(_ path: String) -> Bool {
        allowed.contains(path) || path.hasPrefix("/static/") || path.hasPrefix("/sync/")
    }

    func handle(_ request: Request, context: HosoContext, next: (Request, HosoContext) async throws -> Response) async throws -> Response {
        guard let s = context.session, s.user.mustChangePassword, !Self.isAllowed(request.uri.path) else {
            return try await next(request, context)
        }
        if request.method == .get && !request.uri.path.hasPrefix("/api/") { return redirect("/account/password") }
        throw HosoError(
            .passwordChangeRequired,
            .both("Hãy đổi mật khẩu trước (trang Đổi mật khẩu)", "Change your password first (the Change the password page)"))
    }
}
