import Foundation
import HosoAccounts
import HosoKit
import HosoTransport
import Hummingbird

/// The page frame and the pages every role shares (sign-in, errors, home).
enum Pages {
    struct NavItem {
        var path: String
        var title: LocalizedText
        var roles: Set<Role>
    }

    static let nav: [NavItem] = [
        NavItem(path: "/requests", title: .both("Yêu cầu", "Requests"), roles: ClerkRoutes.roles),
        NavItem(path: "/ledger", title: .both("Sổ gốc", "Ledgers"), roles: LedgerRoutes.roles),
        NavItem(path: "/digitize", title: .both("Số hoá", "Digitize"), roles: DigitizeRoutes.roles),
        NavItem(path: "/workbench", title: .both("Nhập từ ảnh quét", "Key from scans"), roles: WorkbenchRoutes.roles),
        NavItem(path: "/import/students", title: .both("Học sinh", "Students"), roles: StudentImportRoutes.roles),
        NavItem(path: "/custody", title: .both("Sổ chuyển đến", "Handed over"), roles: CustodyRoutes.roles),
        NavItem(path: "/my-classes", title: .both("Lớp của tôi", "My classes"), roles: TeacherRoutes.roles),
        NavItem(path: "/gradebooks", title: .both("Sổ điểm", "Grade books"), roles: GradeBookRoutes.readers),
        NavItem(path: "/term-locks", title: .both("Khóa sổ", "Term locks"), roles: GradeBookYearRoutes.roles),
        NavItem(path: "/records", title: .both("Chữ ký hồ sơ", "Signatures"), roles: RecordRoutes.readers),
        NavItem(path: "/sync-status", title: .both("Đồng bộ", "Sync"), roles: RecordRoutes.roles),
        NavItem(path: "/dashboard", title: .both("Chỉ số kế hoạch", "Plan indicators"), roles: ReportRoutes.roles),
        NavItem(path: "/admin/users", title: .both("Tài khoản", "Accounts"), roles: [.admin]),
        NavItem(path: "/admin/audit", title: .both("Nhật ký truy cập", "Access log"), roles: [.admin]),
        NavItem(path: "/verify", title: .both("Kiểm tra bản sao", "Verify a copy"), roles: Set(Role.allCases)),
        NavItem(path: "/download", title: .both("Tải học bạ", "Download a học bạ"), roles: []),
        NavItem(path: "/online", title: .both("Nộp yêu cầu trực tuyến", "File a request online"), roles: []),
    ]

    static func layout(_ context: HosoContext, title: String, @HTMLBuilder _ body: () -> [HTML]) -> HTML {
        let other: Lang = context.lang == .vi ? .en : .vi
        let doc = el("html", [("lang", context.lang.rawValue)]) {
            el("head") {
                el("meta", [("charset", "utf-8")])
                el("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
                el("title", text: title + " — hồ sơ")
                el("link", [("rel", "stylesheet"), ("href", "/static/app.css")])
            }
            el("body") {
                // Keyboard users jump past the menu straight to the page's content.
                el(
                    "a", [("href", "#main"), ("class", "skip-link")],
                    text: context.t("Bỏ qua menu, đến nội dung chính", "Skip to the main content"))
                el("header") {
                    el("a", [("href", "/"), ("class", "brand")], text: "hồ sơ")
                    el("nav", [("aria-label", context.t("Các mục chính", "Main sections"))]) {
                        for item in nav
                        where context.session.map({ item.roles.contains($0.user.role) })
                            ?? (item.path == "/verify" || item.path == "/download" || item.path == "/online")
                        {
                            el("a", [("href", item.path)], text: context.t(item.title))
                        }
                    }
                    el("div", [("class", "who")]) {
                        el(
                            "a",
                            [
                                ("href", "?lang=\(other.rawValue)"), ("id", "lang-switch"), ("lang", other.rawValue),
                                ("hreflang", other.rawValue),
                            ],
                            text: other == .en ? "English" : "Tiếng Việt"
                        )
                        if let s = context.session {
                            el("span", text: "\(s.user.displayName) · \(context.t(s.user.role.title))")
                            el("form", [("method", "post"), ("action", "/logout"), ("class", "inline")]) {
                                csrfField(s)
                                el("button", [("type", "submit"), ("id", "logout")], text: context.t("Đăng xuất", "Sign out"))
                            }
                        } else {
                            el("a", [("href", "/login")], text: context.t("Đăng nhập", "Sign in"))
                        }
                    }
                }
                el("main", [("id", "main"), ("tabindex", "-1")]) {
                    el("h1", text: title)
                    body()
                }
                el("script", [("src", "/static/app.js"), ("defer", "")])
            }
        }
        return HTML(rendered: "<!doctype html>\n" + doc.rendered)
    }

    static func csrfField(_ s: Session) -> HTML {
        el("input", [("type", "hidden"), ("name", "_csrf"), ("value", s.csrf)])
    }

    /// An error in words: what went wrong, what to do next, and a way back. The codes and where they happened stay
    /// in data attributes for support and scripts, never in the text a clerk, teacher or citizen reads.
    static func errorPage(
        context: HosoContext, status: HTTPResponse.Status, problems: [HosoError], back: String? = nil
    ) -> Response {
        let category = problems.httpCategory
        let page = layout(context, title: context.t("Chưa thực hiện được", "This could not be done")) {
            el("div", [("role", "alert")]) {
                el("ul", [("class", "errors"), ("id", "problems")]) {
                    for p in problems {
                        el("li", [("data-code", p.code.rawValue), ("data-location", p.location)], text: context.t(Wording.problem(p)))
                    }
                }
            }
            el("p", [("class", "next-step"), ("id", "next-step")], text: context.t(Wording.nextStep(category)))
            el("p", [("class", "actions")]) {
                if let back = safeNext(back), back != "/" {
                    el("a", [("href", back), ("id", "go-back")], text: context.t("← Quay lại trang trước", "← Back to the previous page"))
                }
                el("a", [("href", "/"), ("id", "go-home")], text: context.t("Về trang chính", "Back to the start page"))
            }
        }
        return htmlResponse(page, status: status)
    }

    static func loginPage(
        context: HosoContext, state: ServerState, next: String?, status: HTTPResponse.Status,
        message: String?, typedUser: String = ""
    ) -> Response {
        // Double-submit token: the same random value as a cookie and as a hidden field.
        let token = (try? SecureRandom.token()) ?? "x"
        let page = layout(context, title: context.t("Đăng nhập", "Sign in")) {
            if let message { el("p", [("class", "error"), ("role", "alert"), ("id", "login-error")], text: message) }
            if status == .unauthorized && message == nil {
                el("p", [("class", "note")], text: context.t("Trang này cần đăng nhập.", "This page needs you to sign in."))
            }
            el("form", [("method", "post"), ("action", "/login"), ("class", "card")]) {
                el("input", [("type", "hidden"), ("name", "_csrf"), ("value", token)])
                el("input", [("type", "hidden"), ("name", "next"), ("value", safeNext(next) ?? "/")])
                el("label") {
                    context.t("Tên đăng nhập", "User name")
                    el(
                        "input",
                        [
                            ("name", "user"), ("id", "user"), ("autocomplete", "username"), ("required", ""), ("autofocus", ""),
                            ("value", typedUser.isEmpty ? nil : typedUser),
                        ])
                }
                el("label") {
                    context.t("Mật khẩu", "Password")
                    el(
                        "input",
                        [
                            ("name", "password"), ("id", "password"), ("type", "password"), ("autocomplete", "current-password"),
                            ("required", ""),
                        ])
                }
                el("button", [("type", "submit"), ("id", "login")], text: context.t("Đăng nhập", "Sign in"))
            }
            el("p") {
                el(
                    "a", [("href", "/verify")],
                    text: context.t("Kiểm tra một bản sao (không cần đăng nhập)", "Verify a copy (no sign-in needed)"))
            }
        }
        var r = htmlResponse(page, status: status)
        r.setCookie(
            Cookie(
                name: Cookies.loginCSRF, value: token, path: "/login", secure: state.config.cookiesSecure, httpOnly: true,
                sameSite: .strict))
        return r
    }

    /// Only a local path may follow a sign-in: never another site (open redirect) or a scheme-relative `//host`.
    /// Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so `/\t/evil.example` or
    /// `/\\evil.example` would become `//evil.example`: any control character, space or backslash refuses it.
    static func safeNext(_ next: String?) -> String? {
        guard let n = next, n.hasPrefix("/"), !n.hasPrefix("//"), n.utf8.count < 512,
            n.unicodeScalars.allSatisfy({ !($0.value <= 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\\") })
        else { return nil }
        return n
    }

    static func home(context: HosoContext) -> HTML {
        layout(context, title: context.t("Trang chính", "Start")) {
            if let s = context.session {
                el("p", text: context.t("Xin chào, \(s.user.displayName).", "Hello, \(s.user.displayName)."))
                el("ul", [("class", "tiles")]) {
                    for item in nav where item.roles.contains(s.user.role) {
                        el("li") { el("a", [("href", item.path)], text: context.t(item.title)) }
                    }
                }
            } else {
                el(
                    "p",
                    text: context.t(
                        "Kho hồ sơ trường học. Người dân, cơ quan, nhà tuyển dụng có thể kiểm tra một bản sao từ sổ gốc.",
                        "A school records archive. Anyone can check a copy from the ledger."))
                el("ul", [("class", "tiles")]) {
                    el("li") { el("a", [("href", "/verify")], text: context.t("Kiểm tra bản sao", "Verify a copy")) }
                    el("li") { el("a", [("href", "/login")], text: context.t("Đăng nhập cho cán bộ", "Staff sign-in")) }
                }
            }
        }
    }
}

/// Sign-in, sign-out and the start page.
enum AuthRoutes {
    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let signIn = router.group().add(middleware: RequireCSRF.signIn)
        let forms = router.group().add(middleware: RequireCSRF.form(limit: 64 * 1024))

        router.get("/") { _, context in htmlResponse(Pages.home(context: context)) }

        router.get("/login") { request, context in
            Pages.loginPage(context: context, state: state, next: request.uri.queryParameters.get("next"), status: .ok, message: nil)
        }

        signIn.post("/login") { _, context -> Response in
            let form = try context.submittedForm()
            let name = (form["user"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            switch try await login(state: state, name: name, password: form["password"] ?? "", remote: context.remote) {
            case .success(let token, _):
                var r = redirect(Pages.safeNext(form["next"]) ?? "/")
                r.setCookie(sessionCookie(token, state: state))
                r.setCookie(
                    Cookie(
                        name: Cookies.loginCSRF, value: "", maxAge: 0, path: "/login", secure: state.config.cookiesSecure,
                        httpOnly: true, sameSite: .strict))
                return r
            case .failure(let e):
                let status = httpStatus(for: [e])
                var r = Pages.loginPage(
                    context: context, state: state, next: form["next"], status: status, message: context.t(e.message),
                    typedUser: String(name.prefix(100)))
                if e.code == .loginThrottled, let after = e.cause { r.headers[.retryAfter] = after }
                return r
            }
        }

        // Without a session this only clears the cookie; with one, RequireCSRF has checked its token.
        forms.post("/logout") { _, context -> Response in
            if let s = context.session {
                if let token = context.sessionToken { try await state.db { try $0.endSession(token: token) } }
                try await state.audit(actor: s.user.name, action: "logout", target: s.user.name)
            }
            var r = redirect("/login")
            r.setCookie(
                Cookie(
                    name: Cookies.session, value: "", maxAge: 0, path: "/", secure: state.config.cookiesSecure,
                    httpOnly: true, sameSite: .strict))
            return r
        }
    }

    enum LoginResult {
        case success(token: String, session: Session)
        case failure(HosoError)
    }

    /// Checks the throttle, the password, and records the attempt in the audit log.
    static func login(state: ServerState, name: String, password: String, remote: String) async throws -> LoginResult {
        let keys = ["user:" + name, "ip:" + ClientAddress.limitKey(remote)]
        let now = state.now
        let throttle = state.throttle
        if let wait = try await state.blocking({ try throttle.retryAfter(keys, now: now) }) {
            try await state.audit(actor: name.isEmpty ? "?" : name, action: "login-throttled", target: name, detail: remote)
            return .failure(
                HosoError(
                    .loginThrottled,
                    .both(
                        "Đăng nhập sai quá nhiều lần; thử lại sau \(wait / 60 + 1) phút",
                        "Too many failed sign-ins; try again in \(wait / 60 + 1) minutes"),
                    cause: String(wait)))
        }
        guard let user = try await state.db({ try $0.authenticate(name: name, password: password) }) else {
            try await state.blocking { try throttle.fail(keys, now: now) }
            try await state.audit(actor: name.isEmpty ? "?" : name, action: "login-failed", target: name, detail: remote)
            return .failure(HosoError(.loginFailed, .both("Tên đăng nhập hoặc mật khẩu không đúng", "Wrong user name or password")))
        }
        // Only the account's count is cleared: one good password must not reset an address that is guessing others.
        try await state.blocking { try throttle.succeed(["user:" + name]) }
        let (token, session) = try await state.db { try $0.startSession(for: user) }
        try await state.audit(actor: user.name, action: "login", target: user.name, detail: remote)
        return .success(token: token, session: session)
    }

    static func sessionCookie(_ token: String, state: ServerState) -> Cookie {
        Cookie(name: Cookies.session, value: token, path: "/", secure: state.config.cookiesSecure, httpOnly: true, sameSite: .strict)
    }
}
