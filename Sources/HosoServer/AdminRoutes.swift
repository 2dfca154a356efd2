import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The admin's screens: accounts, and the audit log with its hash chain checked.
enum AdminRoutes {
    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let admins = router.group().add(middleware: RequireRole([.admin]))
        let forms = admins.group().add(middleware: RequireCSRF.form(limit: 64 * 1024))

        admins.get("/admin/users") { _, context -> Response in
            let s = try context.signedIn()
            return htmlResponse(usersPage(context, s, users: try await state.db { try $0.users() }, problem: nil))
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
                    usersPage(context, s, users: try await state.db { try $0.users() }, problem: e), status: httpStatus(for: [e]))
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

        admins.get("/admin/audit") { request, context -> Response in
            let s = try context.signedIn()
            let actor = request.uri.queryParameters.get("actor").flatMap { $0.isEmpty ? nil : $0 }
            let anchors = try await state.archive.with {
                try $0.latestAuditAnchor().map { [AuditAnchor(seq: $0.seq, hash: $0.hash)] } ?? []
            }
            let (entries, check) = try await state.db {
                (try $0.auditLog(limit: 500, actor: actor), try $0.checkAuditChain(anchors: anchors))
            }
            return htmlResponse(auditPage(context, s, entries: entries, check: check, actor: actor))
        }
    }

    static func usersPage(_ c: HosoContext, _ s: Session, users: [User], problem: HosoError?) -> HTML {
        Pages.layout(c, title: c.t("Tài khoản", "Accounts")) {
            el("div", [("class", "table-wrap")]) {
                el("table", [("id", "users")]) {
                    el("thead") {
                        el("tr") {
                            for h in [
                                c.t("Tên đăng nhập", "User"), c.t("Họ tên", "Name"), c.t("Vai trò", "Role"), c.t("Tạo lúc", "Created"), "",
                            ] { el("th", text: h) }
                        }
                    }
                    el("tbody") {
                        for u in users {
                            el("tr") {
                                el("td", text: u.name)
                                el("td", text: u.displayName)
                                el("td", text: c.t(u.role.title))
                                el("td", text: u.createdAt)
                                el("td") {
                                    el("form", [("method", "post"), ("action", "/admin/users/\(u.name)/disable"), ("class", "inline")]) {
                                        Pages.csrfField(s)
                                        el("input", [("type", "hidden"), ("name", "disabled"), ("value", u.disabled ? "0" : "1")])
                                        el(
                                            "button", [("type", "submit")],
                                            text: u.disabled ? c.t("Mở lại", "Enable") : c.t("Khóa", "Disable"))
                                    }
                                }
                            }
                        }
                    }
                }
            }
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

    static func auditPage(_ c: HosoContext, _ s: Session, entries: [AuditEntry], check: ServerStore.ChainCheck, actor: String?) -> HTML {
        Pages.layout(c, title: c.t("Nhật ký truy cập dữ liệu cá nhân", "Personal data access log")) {
            if check.intact {
                el(
                    "p", [("class", "report PASSED card"), ("id", "chain")],
                    text: c.t(
                        "Chuỗi băm nguyên vẹn: \(check.entries) mục.",
                        "Hash chain intact: \(check.entries) entries."))
            } else {
                el(
                    "p", [("class", "report FAILED card"), ("id", "chain"), ("role", "alert")],
                    text: c.t(
                        "Nhật ký đã bị sửa: chuỗi băm đứt ở mục \(check.firstBroken ?? 0).",
                        "The log was altered: the hash chain breaks at entry \(check.firstBroken ?? 0)."))
            }
            el("form", [("method", "get"), ("action", "/admin/audit")]) {
                el("label") {
                    c.t("Lọc theo người dùng", "Filter by user")
                    el("input", [("name", "actor"), ("value", actor ?? "")])
                }
                el("button", [("type", "submit")], text: c.t("Lọc", "Filter"))
            }
            el("div", [("class", "table-wrap")]) {
                el("table", [("id", "audit")]) {
                    el("thead") {
                        el("tr") {
                            for h in [
                                "#", c.t("Lúc", "When"), c.t("Ai", "Who"), c.t("Việc", "Action"), c.t("Đối tượng", "What"),
                                c.t("Chi tiết", "Detail"),
                            ] { el("th", text: h) }
                        }
                    }
                    el("tbody") {
                        for e in entries {
                            el("tr") {
                                el("td", text: String(e.seq))
                                el("td", text: e.at)
                                el("td", text: e.actor)
                                el("td", text: e.action)
                                el("td", text: e.target)
                                el("td", text: e.detail)
                            }
                        }
                    }
                }
            }
        }
    }
}
