import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// "Lớp của tôi": a teacher's grade books by class, subject and term in plain words, and a mark-entry page where marks
/// are typed as Vietnamese teachers write them ("7,5"; a dot works too), every cell labelled with the student and
/// the column, each error shown beside its cell with what was typed kept. In a locked term saving files a correction
/// request for the principal instead (`Archive.requestCorrection`).
enum TeacherRoutes {
    static let roles: Set<Role> = [.teacher]

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let teachers = router.group().add(middleware: RequireRole(roles))
        let saves = teachers.group().add(middleware: RequireCSRF.form(limit: 512 * 1024))

        teachers.get("/my-classes") { _, context -> Response in
            let s = try context.signedIn()
            let books = try await listings(state: state, session: s)
            try await state.audit(actor: s.user.name, action: "read", target: "my-classes")
            return htmlResponse(listPage(context, books))
        }

        teachers.get("/api/my-classes") { _, context -> Response in
            jsonResponse(try await listings(state: state, session: try context.signedIn()))
        }

        teachers.get("/my-classes/marks") { request, context -> Response in
            let s = try context.signedIn()
            let id = request.uri.queryParameters.get("id") ?? ""
            let (book, standing, correction) = try await ownBook(state: state, session: s, id: id)
            try await state.audit(actor: s.user.name, action: "read", target: "gradebook:\(id)", detail: "my-classes")
            let done = request.uri.queryParameters.get("done")
            return htmlResponse(marksPage(context, s, id: id, book: book, standing: standing, correction: correction, done: done))
        }

        saves.post("/my-classes/marks") { request, context -> Response in
            let s = try context.signedIn()
            let id = request.uri.queryParameters.get("id") ?? ""
            let form = try context.submittedForm()
            let (book, standing, correction) = try await ownBook(state: state, session: s, id: id)
            guard book.info.assessment == .scored else {
                throw HosoError(
                    .badUserInput,
                    .both("Môn này đánh giá bằng nhận xét, không nhập điểm số", "This subject is assessed by comments, not marks"),
                    location: "id")
            }
            var cellErrors = GradeBookRoutes.cellErrors(form: form, book: book, lang: context.lang)
            let locked = standing == .locked || standing == .correctionPending
            let reason = form.value("reason")
            if locked && reason == nil {
                cellErrors["reason"] = context.t("Học kì đã khóa sổ: cần ghi lý do sửa", "The term is locked: give the reason")
            }
            var problems = [HosoError]()
            if cellErrors.isEmpty {
                do {
                    try await state.archive.with { a in
                        let csv = try GradeBookRoutes.csvFrom(form: form, book: book)
                        let settings = GradeBookRoutes.settings(of: book.info)
                        if locked {
                            _ = try a.requestGradeBookCorrection(
                                csv: csv, source: "web", header: nil, settings: settings, author: s.user.displayName, reason: reason ?? "")
                        } else {
                            _ = try a.importGradeBook(
                                csv: csv, source: "web", header: nil, settings: settings, author: s.user.name,
                                reason: reason ?? "nhập điểm trên web / marks entered on the web")
                        }
                    }
                    try await state.audit(
                        actor: s.user.name, action: "write", target: "gradebook:\(id)", detail: locked ? "correction-request" : "marks")
                    return redirect("/my-classes/marks?id=\(GradeBookRoutes.queryEscape(id))&done=\(locked ? "requested" : "saved")")
                } catch let e as HosoProblems {
                    // A problem about one cell is shown beside it; the rest above the table.
                    for p in e.problems {
                        if let field = GradeBookRoutes.cellField(p.location), cellErrors[field] == nil {
                            cellErrors[field] = context.t(p.message)
                        } else {
                            problems.append(p)
                        }
                    }
                } catch let e as HosoError where e.code == .correctionState || e.code == .termLocked {
                    problems = [e]
                }
            }
            return htmlResponse(
                marksPage(
                    context, s, id: id, book: book, standing: standing, correction: correction, form: form, cellErrors: cellErrors,
                    problems: problems),
                status: .badRequest)
        }
    }

    /// The teacher's books: through the linked person's assignments, else (an archive without people) by name.
    static func listings(state: ServerState, session s: Session) async throws -> [GradeBookListing] {
        try await state.archive.with { a in
            if let person = s.user.person { return try a.teacherBooks(person: person) }
            return try a.gradeBookListings { _, body in try Visibility.canWrite(s, gradeBook: body, in: a) }
        }
    }

    /// The teacher's own book, where it stands, and the approved correction that made its current revision, if any.
    static func ownBook(
        state: ServerState, session s: Session, id: String
    ) async throws -> (GradeBook, GradeBookStanding, CorrectionRequest?) {
        try await state.archive.with { a in
            let book = try a.gradeBook(record: id)
            try GradeBookRoutes.requireOwnBook(s, book, in: a)
            let head = try a.current(record: id).0.hex
            return (book, try a.standing(ofGradeBook: id), try a.correction(committing: head, book: id))
        }
    }

    static func standingText(_ c: HosoContext, _ st: GradeBookStanding) -> HTML {
        el("span", [("class", "badge standing-\(st.rawValue)"), ("data-standing", st.rawValue)], text: c.t(st.label))
    }

    static func listPage(_ c: HosoContext, _ books: [GradeBookListing]) -> HTML {
        let byClass = Dictionary(grouping: books) { "\($0.school)\u{1F}\($0.schoolYear)\u{1F}\($0.className)" }
        return Pages.layout(c, title: c.t("Lớp của tôi", "My classes")) {
            if books.isEmpty {
                el(
                    "p", [("class", "note"), ("id", "no-classes")],
                    text: c.t("Chưa có sổ điểm nào được phân công cho bạn.", "No grade books are assigned to you yet."))
            }
            for key in byClass.keys.sorted() {
                let rows = byClass[key]!
                let first = rows[0]
                el("section", [("class", "card class")]) {
                    el("h2", text: c.t("Lớp \(first.className)", "Class \(first.className)"))
                    el("p", text: "\(first.school) · " + c.t("Năm học ", "School year ") + Wording.schoolYear(first.schoolYear))
                    el("table", [("class", "my-books")]) {
                        el("thead") {
                            el("tr") {
                                el("th", [("scope", "col")], text: c.t("Môn", "Subject"))
                                el("th", [("scope", "col")], text: c.t("Học kì", "Term"))
                                el("th", [("scope", "col")], text: c.t("Trạng thái", "Status"))
                                el("th", [("scope", "col")], text: c.t("Việc", "Action"))
                            }
                        }
                        el("tbody") {
                            for b in rows {
                                el("tr") {
                                    el("td", text: b.subject)
                                    el("td", text: c.t(Wording.term(b.term)))
                                    el("td") { standingText(c, b.standing) }
                                    el("td") {
                                        el(
                                            "a",
                                            [
                                                ("href", "/my-classes/marks?id=" + GradeBookRoutes.queryEscape(b.id)),
                                                ("class", "enter-marks"),
                                            ],
                                            text: c.t(
                                                "Nhập điểm \(b.subject) \(b.term.label)", "Enter marks: \(b.subject), \(b.term.label)"))
                                        el(
                                            "a",
                                            [
                                                ("href", "/my-classes/import?id=" + GradeBookRoutes.queryEscape(b.id)),
                                                ("class", "import-sheet"),
                                            ],
                                            text: c.t(
                                                "Nhập bảng điểm vnEdu \(b.subject) \(b.term.label)",
                                                "Import a vnEdu sheet: \(b.subject), \(b.term.label)"))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The form fields of the book's marks, as `GradeBookRoutes.csvFrom` reads them.
    static func markFields(_ book: GradeBook) -> [String] {
        let regular = book.info.regularMarkCount ?? 0
        return book.students.indices.flatMap { row in (0..<regular).map { "tx\($0 + 1)-\(row)" } + ["gk-\(row)", "ck-\(row)"] }
    }

    static func marksPage(
        _ c: HosoContext, _ s: Session, id: String, book: GradeBook, standing: GradeBookStanding, correction: CorrectionRequest?,
        done: String? = nil,
        form: Form? = nil, cellErrors: [String: String] = [:], problems: [HosoError] = []
    ) -> HTML {
        let info = book.info
        let locked = standing == .locked || standing == .correctionPending
        let regular = info.regularMarkCount ?? 0
        let columns: [(key: String, vi: String, en: String)] =
            (0..<regular).map { ("tx\($0 + 1)", "Điểm thường xuyên \($0 + 1)", "Regular mark \($0 + 1)") }
            + [("gk", "Điểm giữa kì", "Mid-term mark"), ("ck", "Điểm cuối kì", "End-of-term mark")]
        return Pages.layout(
            c,
            title: c.t(
                "\(info.subject) — Lớp \(info.className) — \(info.term.label)",
                "\(info.subject) — Class \(info.className) — \(info.term.label)")
        ) {
            el("p", [("data-record", id)]) {
                c.t(Wording.gradeBook(info)) + " · "
                standingText(c, standing)
            }
            el("p") { el("a", [("href", "/my-classes")], text: c.t("← Lớp của tôi", "← My classes")) }
            if let correction {
                el(
                    "p", [("class", "card correction-note"), ("id", "correction-note")],
                    text: c.t(
                        "Bản hiện tại là bản sửa sau khóa sổ, do \(correction.decidedByName ?? "") duyệt. Lý do: \(correction.reason). Bản đã ký trước vẫn được lưu trong lịch sử.",
                        "The current revision is a correction after the term lock, approved by \(correction.decidedByName ?? ""). Reason: \(correction.reason). The earlier signed revision stays in the history."
                    ))
            }
            if done == "saved" {
                el("p", [("class", "note"), ("id", "saved"), ("role", "status")], text: c.t("Đã lưu điểm.", "The marks were saved."))
            }
            if done == "imported" {
                el(
                    "p", [("class", "note"), ("id", "imported"), ("role", "status")],
                    text: c.t("Đã ghi bảng điểm vnEdu vào sổ điểm.", "The vnEdu grade sheet was stored in the grade book."))
            }
            if done == "requested" {
                el(
                    "p", [("class", "note"), ("id", "requested"), ("role", "status")],
                    text: c.t(
                        "Đã gửi đề nghị sửa; chờ hiệu trưởng duyệt.", "The correction request was sent; it awaits the principal's approval."
                    ))
            }
            if locked {
                el(
                    "p", [("class", "note"), ("id", "locked-note")],
                    text: c.t(
                        "Học kì đã khóa sổ: khi lưu, thay đổi được gửi thành đề nghị sửa, cần lý do và hiệu trưởng duyệt.",
                        "The term is locked: saving sends the change as a correction request, which needs a reason and the principal's approval."
                    ))
            }
            GradeBookRoutes.markProblems(c, problems, cellErrors: cellErrors)
            if info.assessment != .scored {
                el(
                    "p", [("class", "note"), ("id", "comments-only")],
                    text: c.t(
                        "Môn đánh giá bằng nhận xét: nhập Đạt/Chưa đạt trên trang Sổ điểm.",
                        "A subject assessed by comments: enter Đạt/Chưa đạt on the Grade books page."))
            } else {
                el(
                    "form",
                    [("method", "post"), ("action", "/my-classes/marks?id=" + GradeBookRoutes.queryEscape(id)), ("id", "mark-entry")]
                ) {
                    Pages.csrfField(s)
                    el("table", [("id", "marks")]) {
                        el("caption", text: c.t("Điểm viết bằng dấu phẩy, ví dụ 7,5", "Marks with a decimal comma, e.g. 7,5"))
                        el("thead") {
                            el("tr") {
                                el("th", [("scope", "col")], text: "STT")
                                el("th", [("scope", "col")], text: c.t("Họ và tên", "Name"))
                                for col in columns {
                                    el("th", [("scope", "col"), ("abbr", c.t(col.vi, col.en))], text: col.key.uppercased())
                                }
                            }
                        }
                        el("tbody") {
                            for (row, st) in book.students.enumerated() {
                                el("tr") {
                                    el("td", text: String(row + 1))
                                    el("th", [("scope", "row")], text: st.fullName)
                                    for col in columns {
                                        let name = "\(col.key)-\(row)"
                                        let stored: Mark? =
                                            col.key == "gk"
                                            ? st.midTermMark
                                            : col.key == "ck"
                                                ? st.endOfTermMark
                                                : Int(col.key.dropFirst(2)).flatMap {
                                                    $0 <= st.regularMarks.count ? st.regularMarks[$0 - 1] : nil
                                                }
                                        markInput(
                                            name, value: form?[name] ?? stored.map { c.lang == .vi ? $0.vietnamese : $0.description } ?? "",
                                            label: c.t("\(col.vi) của \(st.fullName)", "\(col.en) of \(st.fullName)"),
                                            error: cellErrors[name])
                                    }
                                }
                            }
                        }
                    }
                    el(
                        "label", [("for", "reason")],
                        text: locked
                            ? c.t("Lý do sửa (bắt buộc)", "Reason for the correction (required)")
                            : c.t("Lý do sửa (nếu sửa điểm đã có)", "Reason (when changing marks already entered)"))
                    el(
                        "input",
                        [
                            ("name", "reason"), ("id", "reason"), ("value", form?["reason"] ?? ""),
                            ("aria-invalid", cellErrors["reason"] == nil ? nil : "true"),
                        ])
                    if let e = cellErrors["reason"] { el("span", [("class", "cell-error"), ("id", "err-reason")], text: e) }
                    el(
                        "button", [("type", "submit"), ("id", "save-marks")],
                        text: locked ? c.t("Gửi đề nghị sửa", "Send the correction request") : c.t("Lưu điểm", "Save the marks"))
                }
            }
        }
    }

    /// One mark cell: labelled for screen readers with the column and the student, its error (if any) beside it and
    /// tied to it, what was typed kept.
    static func markInput(_ name: String, value: String, label: String, error: String?) -> HTML {
        el("td") {
            el(
                "input",
                [
                    ("name", name), ("id", name), ("value", value), ("inputmode", "decimal"), ("size", "4"), ("class", "mark"),
                    ("autocomplete", "off"), ("aria-label", label), ("aria-invalid", error == nil ? nil : "true"),
                    ("aria-describedby", error == nil ? nil : "err-" + name),
                ])
            if let error { el("span", [("class", "cell-error"), ("id", "err-" + name)], text: error) }
        }
    }
}
