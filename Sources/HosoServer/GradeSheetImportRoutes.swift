import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// A vnEdu grade sheet (XLSX) imported by the subject teacher into one of their own grade books: the book is chosen
/// first (from "Lớp của tôi"), so the class, subject and term come from the book and never from the file; the upload
/// is checked (every problem by sheet row and column, an average that differs from TT22 as a warning), then stored
/// from the same staged file. The book's owner is checked on the upload and again on the commit, so a staged batch
/// cannot be committed into another teacher's book.
enum GradeSheetImportRoutes {
    static let roles = TeacherRoutes.roles
    static let fileName = "grades.xlsx"

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let teachers = router.group().add(middleware: RequireRole(roles))
        let uploads = teachers.group().add(middleware: RequireCSRF.form(limit: state.config.bodyLimits.uploads))
        let forms = teachers.group().add(middleware: RequireCSRF.form(limit: 64 * 1024))

        teachers.get("/my-classes/import") { request, context -> Response in
            let s = try context.signedIn()
            let id = request.uri.queryParameters.get("id") ?? ""
            let book = try await ownBook(state: state, session: s, id: id)
            try await state.audit(actor: s.user.name, action: "read", target: "gradebook:\(id)", detail: "grade-sheet-import")
            return htmlResponse(page(context, s, id: id, book: book))
        }

        uploads.post("/my-classes/import") { request, context -> Response in
            let s = try context.signedIn()
            let id = request.uri.queryParameters.get("id") ?? ""
            // Refused (403) before anything is staged when the book is not the teacher's own.
            let book = try await ownBook(state: state, session: s, id: id)
            let form = try context.submittedForm()
            guard let file = form.file("sheet") else {
                let e = HosoError(
                    .badUserInput, .both("Hãy chọn tệp bảng điểm vnEdu (.xlsx)", "Choose the vnEdu grade sheet (.xlsx)"),
                    location: "sheet")
                return htmlResponse(page(context, s, id: id, book: book, problems: [e]), status: .badRequest)
            }
            DigitizeRoutes.sweepStaged(olderThan: DigitizeRoutes.uploadLifetime)
            let token = try SecureRandom.token(bytes: 18)
            let dir = DigitizeRoutes.root + "/" + token
            do {
                try await state.blocking {
                    try FileManager.default.createDirectory(
                        atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                    try DigitizeRoutes.write(file.bytes, to: dir + "/" + fileName)
                    // The book the batch was checked for: the commit takes it from here, not from the form.
                    try DigitizeRoutes.write(Array(id.utf8), to: dir + "/book")
                }
                let r = try await run(state: state, session: s, book: book, path: dir + "/" + fileName, dryRun: true)
                try await state.audit(
                    actor: s.user.name, action: "import-grade-sheet-dry-run", target: "gradebook:\(id)",
                    detail: "\(r.result.book.students.count) students, \(r.mismatches.count) average mismatches")
                return htmlResponse(page(context, s, id: id, book: book, checked: r, token: token))
            } catch let e as HosoProblems {
                DigitizeRoutes.removeStaged(token)
                return htmlResponse(page(context, s, id: id, book: book, problems: e.problems), status: .badRequest)
            } catch let e as HosoError where e.category.isCallerFault && e.category != .forbidden || e.category == .notFound {
                DigitizeRoutes.removeStaged(token)
                return htmlResponse(page(context, s, id: id, book: book, problems: [e]), status: .badRequest)
            }
        }

        forms.post("/my-classes/import/commit") { _, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let token = form["batch"] ?? ""
            let dir = DigitizeRoutes.root + "/" + token
            guard token.range(of: #"^[A-Za-z0-9_-]{16,64}$"#, options: .regularExpression) != nil,
                FileManager.default.fileExists(atPath: dir + "/" + fileName),
                let stored = FileManager.default.contents(atPath: dir + "/book")
            else { throw DigitizeRoutes.gone() }
            let id = String(decoding: stored, as: UTF8.self)
            // Another teacher holding the token is refused here, and the batch stays for its owner.
            let book = try await ownBook(state: state, session: s, id: id)
            do {
                let r = try await run(state: state, session: s, book: book, path: dir + "/" + fileName, dryRun: false)
                DigitizeRoutes.removeStaged(token)
                try await state.audit(
                    actor: s.user.name, action: "import-grade-sheet", target: "gradebook:\(id)",
                    detail: "\(r.result.save.change.rawValue), \(r.mismatches.count) average mismatches")
                return redirect("/my-classes/marks?id=\(GradeBookRoutes.queryEscape(id))&done=imported")
            } catch let e as HosoProblems {
                DigitizeRoutes.removeStaged(token)
                return htmlResponse(page(context, s, id: id, book: book, problems: e.problems), status: .badRequest)
            } catch let e as HosoError where e.category.isCallerFault && e.category != .forbidden {
                DigitizeRoutes.removeStaged(token)
                return htmlResponse(page(context, s, id: id, book: book, problems: [e]), status: .badRequest)
            }
        }
    }

    /// The teacher's own book (403 otherwise, as on the mark-entry page).
    static func ownBook(state: ServerState, session s: Session, id: String) async throws -> GradeBook {
        try await state.archive.with { a in
            let book = try a.gradeBook(record: id)
            try GradeBookRoutes.requireOwnBook(s, book, in: a)
            return book
        }
    }

    /// The sheet imported into `book`: its class, subject and term are the book's, and the result must be that
    /// same record (else nothing is written).
    static func run(
        state: ServerState, session s: Session, book: GradeBook, path: String, dryRun: Bool
    ) async throws -> GradeSheetImportResult {
        try await state.archive.with { a in
            let settings = GradeBookRoutes.settings(of: book.info)
            let check = try a.importGradeSheet(
                xlsx: path, header: nil, settings: settings, author: s.user.name,
                reason: "nhập bảng điểm vnEdu / vnEdu grade sheet imported", dryRun: true)
            guard check.result.book.recordId == book.recordId else {
                throw HosoError(
                    .badUserInput,
                    .both("Bảng điểm không thuộc sổ điểm đã chọn", "The grade sheet does not belong to the chosen grade book"),
                    location: "sheet")
            }
            if dryRun { return check }
            return try a.importGradeSheet(
                xlsx: path, sheet: check.sheet, header: nil, settings: settings, author: s.user.name,
                reason: "nhập bảng điểm vnEdu / vnEdu grade sheet imported")
        }
    }

    static func problemList(_ c: HosoContext, _ list: [HosoError], id: String, cls: String) -> HTML {
        el("ul", [("class", cls), ("id", id)]) {
            for p in list.prefix(300) {
                el("li", [("data-code", p.code.rawValue)], text: StudentImportRoutes.placeText(c, p.location) + c.t(p.message))
            }
        }
    }

    static func page(
        _ c: HosoContext, _ s: Session, id: String, book: GradeBook, checked r: GradeSheetImportResult? = nil, token: String? = nil,
        problems: [HosoError] = []
    ) -> HTML {
        let i = book.info
        let what = c.t(
            "\(i.subject) · lớp \(i.className) · \(c.t(Wording.term(i.term))) · năm học \(Wording.schoolYear(i.schoolYear))",
            "\(i.subject) · class \(i.className) · \(c.t(Wording.term(i.term))) · school year \(Wording.schoolYear(i.schoolYear))")
        return Pages.layout(c, title: c.t("Nhập bảng điểm vnEdu", "Import a vnEdu grade sheet")) {
            el("p", [("id", "book")], text: what)
            if !problems.isEmpty {
                el("section", [("class", "card report FAILED"), ("id", "sheet-report"), ("role", "alert")]) {
                    el("h2", text: c.t("Kiểm tra xong: cần sửa tệp rồi tải lại", "Checked: correct the file and upload it again"))
                    el("h3", text: c.t("Lỗi (\(problems.count))", "Errors (\(problems.count))"))
                    problemList(c, problems, id: "problems", cls: "errors")
                }
            }
            if let r {
                el("section", [("class", "card report PASSED"), ("id", "sheet-report")]) {
                    el("h2", text: c.t("Kiểm tra xong: có thể ghi vào sổ điểm", "Checked: ready to store in the grade book"))
                    el("dl") {
                        el("dt", text: c.t("Trang tính", "Sheet"))
                        el("dd", text: r.sheet)
                        el("dt", text: c.t("Học sinh", "Students"))
                        el("dd", text: String(r.result.book.students.count))
                    }
                    let warnings = r.mismatches + r.result.warnings
                    if !warnings.isEmpty {
                        el("h3", text: c.t("Cảnh báo (\(warnings.count))", "Warnings (\(warnings.count))"))
                        problemList(c, warnings, id: "warnings", cls: "note")
                    }
                }
                if let token {
                    el("form", [("method", "post"), ("action", "/my-classes/import/commit"), ("class", "card"), ("id", "commit")]) {
                        Pages.csrfField(s)
                        el("input", [("type", "hidden"), ("name", "batch"), ("value", token)])
                        el(
                            "button", [("type", "submit"), ("id", "commit-submit")], text: c.t("Ghi vào sổ điểm", "Store in the grade book")
                        )
                    }
                }
            }
            el(
                "form",
                [
                    ("method", "post"), ("action", "/my-classes/import?id=" + GradeBookRoutes.queryEscape(id)),
                    ("enctype", "multipart/form-data"), ("class", "card"), ("id", "upload"),
                ]
            ) {
                Pages.csrfField(s)
                el(
                    "p", [("class", "note")],
                    text: c.t(
                        "Tệp Excel tải về từ vnEdu cho đúng môn, lớp và học kì này. Học sinh được nhận theo họ tên và ngày sinh; điểm trung bình được tính lại theo Thông tư 22.",
                        "The Excel file downloaded from vnEdu for this subject, class and term. Students are matched by name and date of birth; averages are computed again under Circular 22."
                    ))
                el("label") {
                    c.t("Tệp bảng điểm (.xlsx)", "Grade sheet file (.xlsx)")
                    el("input", [("type", "file"), ("name", "sheet"), ("id", "sheet"), ("accept", ".xlsx")])
                }
                el("button", [("type", "submit"), ("id", "sheet-check")], text: c.t("Kiểm tra (chạy thử)", "Check (dry run)"))
            }
            el("p") {
                el(
                    "a", [("href", "/my-classes/marks?id=" + GradeBookRoutes.queryEscape(id))],
                    text: c.t("Về trang nhập điểm", "Back to mark entry"))
            }
        }
    }
}
