import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The admin's screens: accounts (filtered by role and school; reset a password, enable or disable), and the audit
/// log searched by who, whose data and date, a page at a time, with its hash chain checked.
enum AdminRoutes {
    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let admins = router.group().add(middleware: RequireRole([.admin]))
        let forms = admins.group().add(middleware: RequireCSRF.form(limit: 64 * 1024))

        admins.get("/admin/users") { request, context -> Response in
            let s = try context.signedIn()
            let filter = UserFilter(request.uri.queryParameters)
            return htmlResponse(try await usersPage(context, s, state: state, filter: filter, problem: nil, notice: nil))
        }

        forms.post("/admin/users") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            do {
                guard let role = Role(rawValue: form["role"] ?? "") else {
                    throw HosoError(.badUserInput, .both("Vai trò không hợp lệ", "Invalid role"), location: "role")
                }
                let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                let person = form.value("person").flatMap { $0.isEmpty ? nil : $0 }
                if let person { _ = try await state.archive.with { try $0.person(person) } }
                _ = try await state.db {
                    try $0.addUser(
                        name: name, displayName: form.value("display") ?? "", role: role, password: form["password"] ?? "",
                        person: person)
                }
                try await state.audit(actor: s.user.name, action: "user-add", target: "user:\(name)", detail: role.rawValue)
                return redirect("/admin/users")
            } catch let e as HosoError where e.category.isCallerFault {
                return htmlResponse(
                    try await usersPage(context, s, state: state, filter: UserFilter(), problem: e, notice: nil),
                    status: httpStatus(for: [e]))
            }
        }

        forms.post("/admin/users/:name/disable") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let name = context.parameters.get("name") ?? ""
            let disable = form["disabled"] != "0"
            try await state.db { try $0.setDisabled(name: name, disable) }
            try await state.audit(actor: s.user.name, action: disable ? "user-disable" : "user-enable", target: "user:\(name)")
            return redirect("/admin/users")
        }

        // A temporary password the admin hands over; the account must choose its own at the next sign-in.
        forms.post("/admin/users/:name/reset") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let name = context.parameters.get("name") ?? ""
            do {
                try await state.db { try $0.resetPassword(name: name, temporary: form["temporary"] ?? "") }
                try await state.audit(actor: s.user.name, action: "user-reset-password", target: "user:\(name)")
                let notice = LocalizedText.both(
                    "Đã đặt mật khẩu tạm cho \(name). Người dùng phải đổi mật khẩu ngay khi đăng nhập.",
                    "Set a temporary password for \(name). The user must change it at the next sign-in.")
                return htmlResponse(try await usersPage(context, s, state: state, filter: UserFilter(), problem: nil, notice: notice))
            } catch let e as HosoError where e.category.isCallerFault {
                let problem = HosoError(e.code, e.message, location: "reset-\(name)")
                return htmlResponse(
                    try await usersPage(context, s, state: state, filter: UserFilter(), problem: problem, notice: nil),
                    status: httpStatus(for: [e]))
            }
        }

        admins.get("/admin/audit") { request, context -> Response in
            let s = try context.signedIn()
            let settings = try await state.archive.with { try $0.officeSettings() }
            let search = AuditSearch(request.uri.queryParameters, utcOffset: settings.utcOffset)
            let anchors = try await state.archive.with {
                try $0.latestAuditAnchor().map { [AuditAnchor(seq: $0.seq, hash: $0.hash)] } ?? []
            }
            let query = search.query
            let (found, check) = try await state.db { (try $0.searchAudit(query), try $0.checkAuditChain(anchors: anchors)) }
            return htmlResponse(
                auditPage(
                    context, s, entries: found.entries, total: found.total, check: check, search: search, utcOffset: settings.utcOffset))
        }
    }

    // MARK: - Accounts

    /// The account list's filter: a role and a school (from the linked person's assignments).
    struct UserFilter {
        var role: Role?
        var school: String?

        init(role: Role? = nil, school: String? = nil) {
            self.role = role
            self.school = school
        }

        init(_ q: some Sequence<(key: Substring, value: Substring)>) {
            for (k, v) in q {
                if k == "role" { role = Role(rawValue: String(v)) }
                if k == "school", !v.isEmpty { school = String(v.prefix(200)) }
            }
        }
    }

    static func usersPage(
        _ c: HosoContext, _ s: Session, state: ServerState, filter: UserFilter, problem: HosoError?, notice: LocalizedText?
    ) async throws -> HTML {
        let role = filter.role
        let all = try await state.db { try $0.users(role: role) }
        let schools = try await state.archive.with { try $0.schoolsByPerson() }
        let users =
            filter.school.map { school in all.filter { u in u.person.map { schools[$0]?.contains(school) ?? false } ?? false } } ?? all
        let schoolNames = Set(schools.values.flatMap { $0 }).sorted()
        return Pages.layout(c, title: c.t("Tài khoản", "Accounts")) {
            if let notice { el("p", [("class", "card report PASSED"), ("role", "status"), ("id", "notice")], text: c.t(notice)) }
            if let p = problem, p.location?.hasPrefix("reset-") == true {
                el("p", [("class", "error"), ("role", "alert"), ("id", "reset-error")], text: c.t(p.message))
            }
            filterForm(c, filter: filter, schools: schoolNames)
            el("p", [("class", "note"), ("id", "user-count")], text: c.t("\(users.count) tài khoản", "\(users.count) accounts"))
            el("div", [("class", "table-wrap")]) {
                el("table", [("id", "users")]) {
                    el("thead") {
                        el("tr") {
                            for h in [
                                c.t("Tên đăng nhập", "User"), c.t("Họ tên", "Name"), c.t("Vai trò", "Role"), c.t("Trường", "School"),
                                c.t("Tình trạng", "Status"), c.t("Tạo ngày", "Created"), c.t("Việc", "Actions"),
                            ] { el("th", [("scope", "col")], text: h) }
                        }
                    }
                    el("tbody") {
                        for u in users { userRow(c, s, u, schools: u.person.flatMap { schools[$0] }?.sorted() ?? []) }
                    }
                }
            }
            newUserForm(c, s, problem: problem?.location?.hasPrefix("reset-") == true ? nil : problem)
        }
    }

    static func filterForm(_ c: HosoContext, filter: UserFilter, schools: [String]) -> HTML {
        el("form", [("method", "get"), ("action", "/admin/users"), ("class", "card"), ("id", "user-filter")]) {
            el("label", [("for", "filter-role")], text: c.t("Vai trò", "Role"))
            el("select", [("name", "role"), ("id", "filter-role")]) {
                el("option", [("value", "")], text: c.t("Mọi vai trò", "Every role"))
                for r in Role.allCases {
                    el("option", [("value", r.rawValue), ("selected", filter.role == r ? "" : nil)], text: c.t(r.title))
                }
            }
            el("label", [("for", "filter-school")], text: c.t("Trường", "School"))
            el("select", [("name", "school"), ("id", "filter-school")]) {
                el("option", [("value", "")], text: c.t("Mọi trường", "Every school"))
                for sc in schools { el("option", [("value", sc), ("selected", filter.school == sc ? "" : nil)], text: sc) }
            }
            el("button", [("type", "submit")], text: c.t("Lọc", "Filter"))
        }
    }

    static func userRow(_ c: HosoContext, _ s: Session, _ u: User, schools: [String]) -> HTML {
        el("tr", [("id", "user-\(u.name)")]) {
            el("td", text: u.name)
            el("td", text: u.displayName)
            el("td", text: c.t(u.role.title))
            el("td", text: schools.joined(separator: ", "))
            el(
                "td", [("class", "user-status")],
                text: u.disabled
                    ? c.t("Đã khóa", "Disabled")
                    : u.mustChangePassword ? c.t("Phải đổi mật khẩu", "Must change password") : c.t("Đang dùng", "Active"))
            el("td", text: Wording.date(u.createdAt))
            el("td") {
                el("form", [("method", "post"), ("action", "/admin/users/\(u.name)/disable"), ("class", "inline")]) {
                    Pages.csrfField(s)
                    el("input", [("type", "hidden"), ("name", "disabled"), ("value", u.disabled ? "0" : "1")])
                    el(
                        "button", [("type", "submit"), ("id", "\(u.disabled ? "enable" : "disable")-\(u.name)")],
                        text: u.disabled ? c.t("Mở lại", "Enable") : c.t("Khóa", "Disable"))
                }
                el("form", [("method", "post"), ("action", "/admin/users/\(u.name)/reset"), ("class", "inline")]) {
                    Pages.csrfField(s)
                    el("label", [("for", "temporary-\(u.name)")], text: c.t("Mật khẩu tạm", "Temporary password"))
                    el(
                        "input",
                        [
                            ("type", "text"), ("name", "temporary"), ("id", "temporary-\(u.name)"), ("required", ""), ("minlength", "10"),
                            ("autocomplete", "off"),
                        ])
                    el("button", [("type", "submit"), ("id", "reset-\(u.name)")], text: c.t("Đặt lại mật khẩu", "Reset password"))
                }
            }
        }
    }

    static func newUserForm(_ c: HosoContext, _ s: Session, problem: HosoError?) -> HTML {
        group {
            el("h2", text: c.t("Tạo tài khoản", "New account"))
            if let p = problem { el("p", [("class", "error"), ("role", "alert")], text: c.t(p.message)) }
            el("form", [("method", "post"), ("action", "/admin/users"), ("class", "card"), ("id", "new-user")]) {
                Pages.csrfField(s)
                el("label") {
                    c.t("Tên đăng nhập", "User name")
                    el("input", [("name", "name"), ("required", "")])
                }
                el("label") {
                    c.t("Họ tên", "Full name")
                    el("input", [("name", "display")])
                }
                el("label") {
                    c.t("Mã hồ sơ người (giáo viên, hiệu trưởng)", "Person record id (teachers, principals)")
                    el("input", [("name", "person")])
                }
                el("label") {
                    c.t("Vai trò", "Role")
                    el("select", [("name", "role")]) {
                        for r in Role.allCases { el("option", [("value", r.rawValue)], text: c.t(r.title)) }
                    }
                }
                el("label") {
                    c.t("Mật khẩu (ít nhất 10 ký tự)", "Password (at least 10 characters)")
                    el("input", [("name", "password"), ("type", "password"), ("required", ""), ("autocomplete", "new-password")])
                }
                el("button", [("type", "submit")], text: c.t("Tạo", "Create"))
            }
        }
    }

    // MARK: - Audit log

    /// The audit search as typed (kept in the form) and as asked of the store: dates dd/mm/yyyy in the office's time
    /// zone become UTC instants (the log's own times).
    struct AuditSearch {
        var actor = ""
        var subject = ""
        var from = ""
        var to = ""
        var page = 1
        var pageSize = 50
        var problems: [String: LocalizedText] = [:]
        var query = ServerStore.AuditQuery()

        init(_ q: some Sequence<(key: Substring, value: Substring)>, utcOffset: String) {
            for (k, v) in q {
                let v = String(v.prefix(200)).trimmingCharacters(in: .whitespaces)
                switch k {
                case "actor": actor = v
                case "subject": subject = v
                case "from": from = v
                case "to": to = v
                case "page": page = Int(v) ?? 1
                case "size": pageSize = Int(v) ?? 50
                default: break
                }
            }
            let offset = Wording.offsetSeconds(utcOffset)
            var since: String?
            var until: String?
            if !from.isEmpty {
                if let d = Self.day(from, offset: offset) { since = HosoClock.format(d) } else { problems["from"] = Self.badDate }
            }
            if !to.isEmpty {
                // Up to the end of that day: before the next one starts.
                if let d = Self.day(to, offset: offset) { until = HosoClock.format(d + 86400) } else { problems["to"] = Self.badDate }
            }
            query = ServerStore.AuditQuery(actor: actor, subject: subject, since: since, until: until, page: page, pageSize: pageSize)
            page = query.page
            pageSize = query.pageSize
        }

        static let badDate = LocalizedText.both(
            "Nhập ngày dạng ngày/tháng/năm, ví dụ 05/03/2026", "Type the date as dd/mm/yyyy, e.g. 05/03/2026")

        /// The start of day "dd/mm/yyyy" in the zone `offset` seconds east of UTC; nil for anything else.
        static func day(_ text: String, offset: Int) -> Date? {
            let p = text.split(separator: "/", omittingEmptySubsequences: false)
            guard p.count == 3, p[0].count <= 2, p[1].count <= 2, p[2].count == 4, let d = Int(p[0]), let m = Int(p[1]), let y = Int(p[2])
            else { return nil }
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(secondsFromGMT: offset) ?? .gmt
            guard let date = cal.date(from: DateComponents(year: y, month: m, day: d)) else { return nil }
            let c = cal.dateComponents([.year, .month, .day], from: date)
            return c.year == y && c.month == m && c.day == d ? date : nil
        }

        /// The address of another page of the same search.
        func link(page: Int) -> String {
            var items = [URLQueryItem]()
            for (k, v) in [("actor", actor), ("subject", subject), ("from", from), ("to", to)] where !v.isEmpty {
                items.append(URLQueryItem(name: k, value: v))
            }
            items.append(URLQueryItem(name: "page", value: String(page)))
            if pageSize != 50 { items.append(URLQueryItem(name: "size", value: String(pageSize))) }
            var c = URLComponents()
            c.path = "/admin/audit"
            c.queryItems = items
            return c.string ?? "/admin/audit"
        }
    }

    static func auditPage(
        _ c: HosoContext, _ s: Session, entries: [AuditEntry], total: Int, check: ServerStore.ChainCheck, search: AuditSearch,
        utcOffset: String
    ) -> HTML {
        Pages.layout(c, title: c.t("Nhật ký truy cập dữ liệu cá nhân", "Personal data access log")) {
            if check.intact {
                el(
                    "p", [("class", "report PASSED card"), ("id", "chain")],
                    text: c.t("Nhật ký nguyên vẹn: \(check.entries) mục.", "The log is intact: \(check.entries) entries."))
            } else {
                el(
                    "p", [("class", "report FAILED card"), ("id", "chain"), ("role", "alert")],
                    text: c.t(
                        "Nhật ký đã bị sửa: chuỗi băm đứt ở mục \(check.firstBroken ?? 0).",
                        "The log was altered: the hash chain breaks at entry \(check.firstBroken ?? 0)."))
            }
            auditForm(c, search)
            let pages = max(1, (total + search.pageSize - 1) / search.pageSize)
            el(
                "p", [("class", "note"), ("id", "audit-count")],
                text: c.t(
                    "\(total) mục; trang \(search.page)/\(pages)", "\(total) entries; page \(search.page) of \(pages)"))
            el("div", [("class", "table-wrap")]) {
                el("table", [("id", "audit")]) {
                    el("thead") {
                        el("tr") {
                            for h in [
                                "#", c.t("Lúc", "When"), c.t("Ai", "Who"), c.t("Việc", "Action"), c.t("Dữ liệu của", "Whose data"),
                                c.t("Chi tiết", "Detail"),
                            ] { el("th", [("scope", "col")], text: h) }
                        }
                    }
                    el("tbody") {
                        for e in entries {
                            el("tr") {
                                el("td", text: String(e.seq))
                                el("td", text: Wording.time(e.at, offset: Wording.offsetSeconds(utcOffset)))
                                el("td", text: e.actor)
                                el("td", text: e.action)
                                el("td", text: e.target)
                                el("td", text: e.detail)
                            }
                        }
                    }
                }
            }
            el("nav", [("class", "pager"), ("aria-label", c.t("Trang", "Pages"))]) {
                if search.page > 1 {
                    el("a", [("href", search.link(page: search.page - 1)), ("id", "prev-page")], text: c.t("‹ Trang trước", "‹ Previous"))
                }
                " "
                if search.page < pages {
                    el("a", [("href", search.link(page: search.page + 1)), ("id", "next-page")], text: c.t("Trang sau ›", "Next ›"))
                }
            }
        }
    }

    static func auditForm(_ c: HosoContext, _ q: AuditSearch) -> HTML {
        el("form", [("method", "get"), ("action", "/admin/audit"), ("class", "card"), ("id", "audit-search")]) {
            field(c, "actor", c.t("Người dùng (ai xem)", "User (who looked)"), q.actor, problem: nil)
            field(c, "subject", c.t("Dữ liệu của (người, hồ sơ, bản sao)", "Whose data (person, record, copy)"), q.subject, problem: nil)
            field(c, "from", c.t("Từ ngày (ngày/tháng/năm)", "From (dd/mm/yyyy)"), q.from, problem: q.problems["from"])
            field(c, "to", c.t("Đến ngày (ngày/tháng/năm)", "To (dd/mm/yyyy)"), q.to, problem: q.problems["to"])
            el("button", [("type", "submit"), ("id", "audit-search-submit")], text: c.t("Tìm", "Search"))
        }
    }

    /// A labelled text field with its error beside it.
    static func field(_ c: HosoContext, _ name: String, _ label: String, _ value: String, problem: LocalizedText?) -> HTML {
        group {
            el("label", [("for", "audit-\(name)")], text: label)
            el(
                "input",
                [
                    ("name", name), ("id", "audit-\(name)"), ("value", value), ("aria-invalid", problem == nil ? nil : "true"),
                    ("aria-describedby", problem == nil ? nil : "audit-\(name)-error"),
                ])
            if let p = problem { el("span", [("class", "error"), ("id", "audit-\(name)-error")], text: c.t(p)) }
        }
    }
}
