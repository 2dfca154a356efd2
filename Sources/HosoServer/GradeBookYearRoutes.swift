import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The principal's side of the grade-book year: the term locks of their schools (lock, unlock with a reason) and the
/// correction requests waiting for them, each with the teacher's reason, to approve or refuse. The account acts as
/// its linked person, whose principal assignment the archive checks (`Archive.lockTerm`, `decideCorrection`).
enum GradeBookYearRoutes {
    static let roles: Set<Role> = [.principal]

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let principals = router.group().add(middleware: RequireRole(roles))
        let forms = principals.group().add(middleware: RequireCSRF.form(limit: 64 * 1024))

        principals.get("/term-locks") { request, context -> Response in
            let s = try context.signedIn()
            let view = try await overview(state: state, session: s)
            try await state.audit(actor: s.user.name, action: "read", target: "term-locks")
            return htmlResponse(page(context, s, view, done: request.uri.queryParameters.get("done")))
        }

        principals.get("/api/corrections") { _, context -> Response in
            jsonResponse(try await overview(state: state, session: try context.signedIn()).pending.map(CorrectionOut.init))
        }

        forms.post("/term-locks/lock") { _, context -> Response in
            try await lockAnswer(state: state, context: context, locked: true)
        }

        forms.post("/term-locks/unlock") { _, context -> Response in
            try await lockAnswer(state: state, context: context, locked: false)
        }

        forms.post("/term-locks/decide") { _, context -> Response in
            let s = try context.signedIn()
            let f = try context.submittedForm()
            let person = try linkedPerson(s)
            let id = f.value("request") ?? ""
            let approve = f.value("decision") == "approve"
            try await state.archive.with { a in
                // Only requests this principal may see: their school's books.
                let r = try a.correctionRequest(id)
                let book = try a.gradeBook(record: r.book)
                try Visibility.requireSee(s, recordType: GradeBookInfo.recordType, body: book.body, id: r.book, in: a)
                _ = try a.decideCorrection(id, approve: approve, principal: person, note: f.value("note"), author: s.user.name)
            }
            try await state.audit(actor: s.user.name, action: approve ? "approve" : "refuse", target: "correction:\(id)")
            return redirect("/term-locks?done=\(approve ? "approved" : "refused")")
        }
    }

    struct Overview {
        var schools: [String]
        var locks: [TermLock]
        var pending: [(CorrectionRequest, GradeBookInfo, [CorrectionRequest.Change])]
    }

    struct CorrectionOut: Encodable {
        var id, book, school, className, subject, term, schoolYear, reason, requestedBy: String
        init(_ p: (CorrectionRequest, GradeBookInfo, [CorrectionRequest.Change])) {
            id = p.0.recordId
            book = p.0.book
            school = p.1.school
            className = p.1.className
            subject = p.1.subject
            term = p.1.term.rawValue
            schoolYear = p.1.schoolYear
            reason = p.0.reason
            requestedBy = p.0.requestedBy
        }
    }

    static func linkedPerson(_ s: Session) throws -> String {
        guard let p = s.user.person else {
            throw HosoError(
                .forbidden,
                .both(
                    "Tài khoản chưa gắn với hồ sơ người của hiệu trưởng: không khóa sổ hay duyệt được",
                    "The account is not linked to the principal's person record: it cannot lock or approve"))
        }
        return p
    }

    /// The principal's schools (from their assignments), the locks of those schools, and the pending requests on
    /// books they may see.
    static func overview(state: ServerState, session s: Session) async throws -> Overview {
        try await state.archive.with { a in
            let schools =
                try s.user.person.map { p in
                    Array(Set(try a.assignments(ofPerson: p).filter { $0.role == "principal" }.compactMap(\.school))).sorted()
                } ?? []
            let folded = Set(schools.map(recordSlug))
            let locks = try a.termLocks().filter { folded.contains(recordSlug($0.school)) }
            var pending = [(CorrectionRequest, GradeBookInfo, [CorrectionRequest.Change])]()
            for r in try a.correctionRequests() where r.status == .pending {
                guard let book = try? a.gradeBook(record: r.book),
                    try Visibility.canSee(s, recordType: GradeBookInfo.recordType, body: book.body, in: a)
                else { continue }
                let base = try? a.targetRevision(r.base).1.body
                pending.append((r, book.info, base.map { r.changes(from: $0) } ?? []))
            }
            return Overview(schools: schools, locks: locks, pending: pending)
        }
    }

    /// A refused lock or unlock comes back on the same page: what was typed kept, the problem beside its field.
    static func lockAnswer(state: ServerState, context: HosoContext, locked: Bool) async throws -> Response {
        do {
            try await setLock(state: state, context: context, locked: locked)
            return redirect("/term-locks?done=\(locked ? "locked" : "unlocked")")
        } catch let e as HosoError where e.category.isCallerFault || e.category == .notFound || e.category == .conflict {
            let s = try context.signedIn()
            let view = try await overview(state: state, session: s)
            return htmlResponse(
                page(context, s, view, done: nil, typed: locked ? try context.submittedForm() : nil, problem: e),
                status: httpStatus(for: [e]))
        }
    }

    static func setLock(state: ServerState, context: HosoContext, locked: Bool) async throws {
        let s = try context.signedIn()
        let f = try context.submittedForm()
        let person = try linkedPerson(s)
        guard let school = f.value("school"), let year = f.value("year"), let term = f.value("term").flatMap(Term.parse) else {
            throw HosoError(
                .badUserInput, .both("Cần chọn trường, năm học và học kì", "Choose the school, the school year and the term"),
                location: "term")
        }
        let className = f.value("class")
        let subject = className == nil ? nil : f.value("subject")
        let lock = try await state.archive.with { a in
            locked
                ? try a.lockTerm(
                    school: school, schoolYear: year, term: term, className: className, subject: subject, principal: person,
                    author: s.user.name)
                : try a.unlockTerm(
                    school: school, schoolYear: year, term: term, className: className, subject: subject, principal: person,
                    author: s.user.name, reason: f.value("reason") ?? "")
        }
        try await state.audit(actor: s.user.name, action: locked ? "lock" : "unlock", target: "term-lock:\(lock.recordId)")
    }

    static func page(_ c: HosoContext, _ s: Session, _ v: Overview, done: String?, typed: Form? = nil, problem: HosoError? = nil) -> HTML {
        Pages.layout(c, title: c.t("Khóa sổ và duyệt sửa điểm", "Term locks and corrections")) {
            if let problem, typed == nil {
                el("p", [("class", "errors"), ("role", "alert"), ("id", "problems"), ("data-code", problem.code.rawValue)]) {
                    c.t(Wording.problem(problem)) + " " + c.t(Wording.nextStep(problem.category))
                }
            }
            if let done {
                let text: LocalizedText =
                    switch done {
                    case "locked": .both("Đã khóa sổ.", "Locked.")
                    case "unlocked": .both("Đã mở khóa sổ.", "Unlocked.")
                    case "approved": .both("Đã duyệt; bản sửa đã được ghi.", "Approved; the correction was recorded.")
                    default: .both("Đã từ chối đề nghị sửa.", "The request was refused.")
                    }
                el("p", [("class", "note"), ("id", "done"), ("role", "status")], text: c.t(text))
            }
            if s.user.person == nil {
                el(
                    "p", [("class", "note")],
                    text: c.t(
                        "Tài khoản chưa gắn với hồ sơ người: nhờ quản trị gắn trước khi khóa sổ.",
                        "The account is not linked to a person record: ask the administrator to link it first."))
            }
            el("section", [("class", "card"), ("id", "pending")]) {
                el("h2", text: c.t("Đề nghị sửa đang chờ duyệt", "Correction requests awaiting approval"))
                if v.pending.isEmpty { el("p", [("class", "note")], text: c.t("Không có đề nghị nào.", "None.")) }
                for (r, info, changes) in v.pending {
                    el("article", [("class", "correction")]) {
                        el(
                            "h3",
                            text: c.t(Wording.gradeBook(info)))
                        el("p", text: c.t("Người đề nghị: ", "Requested by: ") + r.requestedBy)
                        el("p", [("class", "reason")], text: c.t("Lý do: ", "Reason: ") + r.reason)
                        el("ul", [("class", "changes")]) {
                            for ch in changes {
                                el("li", text: "\(ch.student) — \(ch.column): \(ch.before) → \(ch.after)")
                            }
                        }
                        el("form", [("method", "post"), ("action", "/term-locks/decide")]) {
                            Pages.csrfField(s)
                            el("input", [("type", "hidden"), ("name", "request"), ("value", r.recordId)])
                            el("label") {
                                c.t("Ghi chú (khi từ chối nên ghi)", "Note (say why when refusing)")
                                el("input", [("name", "note")])
                            }
                            el(
                                "button", [("type", "submit"), ("name", "decision"), ("value", "approve"), ("class", "approve")],
                                text: c.t("Duyệt", "Approve"))
                            el(
                                "button", [("type", "submit"), ("name", "decision"), ("value", "refuse"), ("class", "refuse")],
                                text: c.t("Từ chối", "Refuse"))
                        }
                    }
                }
            }
            el("section", [("class", "card"), ("id", "locks")]) {
                el("h2", text: c.t("Khóa sổ", "Term locks"))
                el("table") {
                    el("thead") {
                        el("tr") {
                            for h in [
                                c.t("Trường", "School"), c.t("Phạm vi", "Scope"), c.t("Trạng thái", "Status"),
                                c.t("Hiệu trưởng", "Principal"), "",
                            ] {
                                el("th", [("scope", "col")], text: h)
                            }
                        }
                    }
                    el("tbody") {
                        for l in v.locks {
                            el("tr") {
                                el("td", text: l.school)
                                el("td", text: c.t(l.label))
                                el("td", text: l.locked ? c.t("đang khóa", "locked") : c.t("đã mở", "unlocked"))
                                el("td", text: l.principalName)
                                el("td") { if l.locked { unlockForm(c, s, l) } }
                            }
                        }
                    }
                }
                lockForm(c, s, schools: v.schools, typed: typed, problem: problem)
            }
        }
    }

    static func scopeFields(_ l: TermLock) -> HTML {
        el("span") {
            el("input", [("type", "hidden"), ("name", "school"), ("value", l.school)])
            el("input", [("type", "hidden"), ("name", "year"), ("value", l.schoolYear)])
            el("input", [("type", "hidden"), ("name", "term"), ("value", l.term.rawValue)])
            el("input", [("type", "hidden"), ("name", "class"), ("value", l.className ?? "")])
            el("input", [("type", "hidden"), ("name", "subject"), ("value", l.subject ?? "")])
        }
    }

    static func unlockForm(_ c: HosoContext, _ s: Session, _ l: TermLock) -> HTML {
        el("form", [("method", "post"), ("action", "/term-locks/unlock"), ("class", "inline")]) {
            Pages.csrfField(s)
            scopeFields(l)
            el("label") {
                c.t("Lý do mở khóa", "Why unlock")
                el("input", [("name", "reason"), ("required", "")])
            }
            el("button", [("type", "submit")], text: c.t("Mở khóa", "Unlock"))
        }
    }

    static func lockForm(_ c: HosoContext, _ s: Session, schools: [String], typed: Form? = nil, problem: HosoError? = nil) -> HTML {
        // The problem goes beside the field it names; one about no field in particular goes above the button.
        let fields = ["school", "year", "term", "class", "subject"]
        let at = problem.flatMap { p in typed == nil ? nil : (p.location.flatMap { fields.contains($0) ? $0 : nil } ?? "form") }
        func error(_ name: String) -> HTML {
            guard at == name, let p = problem else { return .empty }
            return el("span", [("class", "field-error"), ("id", "err-lock-" + name), ("role", "alert")], text: c.t(Wording.problem(p)))
        }
        func invalid(_ name: String) -> [(String, String?)] {
            at == name ? [("aria-invalid", "true"), ("aria-describedby", "err-lock-" + name)] : []
        }
        func chosen(_ name: String, _ value: String) -> (String, String?) { ("selected", typed?[name] == value ? "" : nil) }
        return el("form", [("method", "post"), ("action", "/term-locks/lock"), ("id", "lock-form")]) {
            Pages.csrfField(s)
            el("h3", text: c.t("Khóa sổ một học kì", "Lock a term"))
            el("label") {
                c.t("Trường", "School")
                el("select", [("name", "school"), ("id", "lock-school")] + invalid("school")) {
                    for sc in schools { el("option", [("value", sc), chosen("school", sc)], text: sc) }
                }
                error("school")
            }
            el("label") {
                c.t("Năm học (ví dụ 2024-2025)", "School year (e.g. 2024-2025)")
                el(
                    "input",
                    [
                        ("name", "year"), ("id", "lock-year"), ("required", ""), ("pattern", "[0-9]{4}-[0-9]{4}"),
                        ("value", typed?["year"] ?? ""),
                    ]
                        + invalid("year"))
                error("year")
            }
            el("label") {
                c.t("Học kì", "Term")
                el("select", [("name", "term"), ("id", "lock-term")] + invalid("term")) {
                    el("option", [("value", "HK1"), chosen("term", "HK1")], text: c.t("Học kì I", "Term I"))
                    el("option", [("value", "HK2"), chosen("term", "HK2")], text: c.t("Học kì II", "Term II"))
                }
                error("term")
            }
            el("label") {
                c.t("Lớp (để trống: cả trường)", "Class (empty: the whole school)")
                el("input", [("name", "class"), ("id", "lock-class"), ("value", typed?["class"] ?? "")] + invalid("class"))
                error("class")
            }
            el("label") {
                c.t("Môn (để trống: cả lớp)", "Subject (empty: the whole class)")
                el("input", [("name", "subject"), ("id", "lock-subject"), ("value", typed?["subject"] ?? "")] + invalid("subject"))
                error("subject")
            }
            error("form")
            el("button", [("type", "submit"), ("id", "lock-submit")], text: c.t("Khóa sổ", "Lock"))
        }
    }
}
