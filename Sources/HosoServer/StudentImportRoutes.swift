import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The student list of the sector database (C1-HocSinh export, XLSX) imported on the web by the registrar: the
/// upload is checked first (every problem with its sheet, row and column), then stored from the same staged file.
/// A failed check stages nothing: the registrar corrects the one file and uploads it again.
enum StudentImportRoutes {
    static let roles: Set<Role> = [.registrar]

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let registrars = router.group().add(middleware: RequireRole(roles))
        let uploads = registrars.group().add(middleware: RequireCSRF.form(limit: state.config.bodyLimits.uploads))
        let forms = registrars.group().add(middleware: RequireCSRF.form(limit: 64 * 1024))

        registrars.get("/import/students") { _, context -> Response in
            let s = try context.signedIn()
            return htmlResponse(page(context, s, report: nil, token: nil, problems: []))
        }

        uploads.post("/import/students") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            guard let file = form.file("students") else {
                let e = HosoError(
                    .badUserInput, .both("Hãy chọn tệp danh sách học sinh (.xlsx)", "Choose the student list file (.xlsx)"),
                    location: "students")
                return htmlResponse(page(context, s, report: nil, token: nil, problems: [e]), status: .badRequest)
            }
            DigitizeRoutes.sweepStaged(olderThan: DigitizeRoutes.uploadLifetime)
            let token = try SecureRandom.token(bytes: 18)
            let path = DigitizeRoutes.root + "/" + token + "/students.xlsx"
            do {
                try await state.blocking {
                    try FileManager.default.createDirectory(
                        atPath: DigitizeRoutes.root + "/" + token, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
                    )
                    try DigitizeRoutes.write(file.bytes, to: path)
                }
                let report = try await state.archive.with { try $0.importStudents(xlsx: path, author: s.user.name, dryRun: true) }
                try await state.audit(
                    actor: s.user.name, action: "import-students-dry-run", target: "students",
                    detail: "\(report.students) students, \(report.errors.count) errors")
                if !report.errors.isEmpty { DigitizeRoutes.removeStaged(token) }
                return htmlResponse(
                    page(context, s, report: report, token: report.errors.isEmpty ? token : nil, problems: []),
                    status: report.errors.isEmpty ? .ok : .badRequest)
            } catch let e as HosoError where e.category.isCallerFault || e.category == .notFound {
                DigitizeRoutes.removeStaged(token)
                return htmlResponse(page(context, s, report: nil, token: nil, problems: [e]), status: .badRequest)
            }
        }

        forms.post("/import/students/commit") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let token = form["batch"] ?? ""
            let path = DigitizeRoutes.root + "/" + token + "/students.xlsx"
            guard token.range(of: #"^[A-Za-z0-9_-]{16,64}$"#, options: .regularExpression) != nil,
                FileManager.default.fileExists(atPath: path)
            else { throw DigitizeRoutes.gone() }
            defer { DigitizeRoutes.removeStaged(token) }
            let report = try await state.archive.with { try $0.importStudents(xlsx: path, author: s.user.name, dryRun: false) }
            try await state.audit(
                actor: s.user.name, action: "import-students", target: "students",
                detail: "\(report.created) new, \(report.updated) updated, \(report.errors.count) errors")
            return htmlResponse(
                page(context, s, report: report, token: nil, problems: []), status: report.errors.isEmpty ? .ok : .badRequest)
        }
    }

    /// "Trang tính 6A1, dòng 6, cột «ngày sinh»: " from `file:sheet:row:column` (sheet names cannot hold ':').
    static func placeText(_ c: HosoContext, _ location: String?) -> String {
        guard let loc = location else { return "" }
        let parts = loc.split(separator: ":", omittingEmptySubsequences: false).map(String.init).dropFirst()
        guard let sheet = parts.first else { return "" }
        var out = c.t("Trang tính \(sheet)", "Sheet \(sheet)")
        if parts.count >= 2, let row = Int(parts[parts.startIndex + 1]) { out += c.t(", dòng \(row)", ", row \(row)") }
        if parts.count >= 3 { out += c.t(", cột «\(parts[parts.startIndex + 2])»", ", column «\(parts[parts.startIndex + 2])»") }
        return out + ": "
    }

    static func page(_ c: HosoContext, _ s: Session, report r: StudentImportReport?, token: String?, problems: [HosoError]) -> HTML {
        Pages.layout(c, title: c.t("Nhập danh sách học sinh", "Import the student list")) {
            if !problems.isEmpty {
                el("div", [("role", "alert")]) {
                    el("ul", [("class", "errors"), ("id", "problems")]) {
                        for p in problems { el("li", [("data-code", p.code.rawValue)], text: c.t(p.message)) }
                    }
                }
            }
            if let r {
                el(
                    "section",
                    [
                        ("class", "card report \(r.errors.isEmpty ? "PASSED" : "FAILED")"), ("id", "student-report"),
                        ("data-committed", r.committed ? "yes" : "no"),
                    ]
                ) {
                    el(
                        "h2",
                        text: r.committed
                            ? c.t("Đã ghi danh sách học sinh vào kho", "The student list was stored")
                            : r.errors.isEmpty
                                ? c.t("Kiểm tra xong: có thể ghi vào kho", "Checked: ready to store")
                                : c.t("Kiểm tra xong: cần sửa tệp rồi tải lại", "Checked: correct the file and upload it again"))
                    el("dl") {
                        for sheet in r.sheets {
                            el("dt", text: c.t("Trang tính \(sheet.name)", "Sheet \(sheet.name)"))
                            el("dd", text: c.t("\(sheet.students) học sinh", "\(sheet.students) students"))
                        }
                        el("dt", text: c.t("Học sinh mới", "New students"))
                        el("dd", text: String(r.created))
                        el("dt", text: c.t("Cập nhật", "Updated"))
                        el("dd", text: String(r.updated))
                        el("dt", text: c.t("Không đổi", "Unchanged"))
                        el("dd", text: String(r.unchanged))
                    }
                    for (title, list, cls) in [
                        (c.t("Lỗi", "Errors"), r.errors, "errors"), (c.t("Cảnh báo", "Warnings"), r.warnings, "note"),
                    ]
                    where !list.isEmpty {
                        el("h3", text: "\(title) (\(list.count))")
                        el("ul", [("class", cls)]) {
                            for p in list.prefix(300) {
                                el(
                                    "li", [("data-code", p.code)],
                                    text: placeText(c, p.location) + (c.lang == .en ? p.messageEn : p.message)
                                        + (p.value.map { " («\($0)»)" } ?? ""))
                            }
                        }
                    }
                }
                if let token {
                    el("form", [("method", "post"), ("action", "/import/students/commit"), ("class", "card"), ("id", "commit")]) {
                        Pages.csrfField(s)
                        el("input", [("type", "hidden"), ("name", "batch"), ("value", token)])
                        el("button", [("type", "submit"), ("id", "commit-submit")], text: c.t("Ghi vào kho", "Commit to the archive"))
                    }
                }
            }
            el(
                "form",
                [
                    ("method", "post"), ("action", "/import/students"), ("enctype", "multipart/form-data"), ("class", "card"),
                    ("id", "upload"),
                ]
            ) {
                Pages.csrfField(s)
                el(
                    "p", [("class", "note")],
                    text: c.t(
                        "Tệp Excel xuất từ cơ sở dữ liệu ngành (mỗi lớp hoặc khối một trang tính). Cột được nhận theo tiêu đề; học sinh đã có được cập nhật, không thêm trùng.",
                        "The Excel file exported from the sector database (one sheet per class or grade). Columns are found by their titles; students already held are updated, never added twice."
                    ))
                el("label") {
                    c.t("Tệp danh sách học sinh (.xlsx)", "Student list file (.xlsx)")
                    el("input", [("type", "file"), ("name", "students"), ("id", "students"), ("accept", ".xlsx")])
                }
                el("button", [("type", "submit"), ("id", "students-check")], text: c.t("Kiểm tra (chạy thử)", "Check (dry run)"))
            }
        }
    }
}
