import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The teacher's grade-book screens: enter marks (averages computed on the server when saved, shown live by a
/// little JavaScript while typing), and sign the current revision with the teacher's own key. The key file and
/// its password are used for that one request and never stored.
enum GradeBookRoutes {
    static let readers: Set<Role> = [.teacher, .principal]
    static let writers: Set<Role> = [.teacher]

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let readers = router.group().add(middleware: RequireRole(Self.readers))
        let writers = router.group().add(middleware: RequireRole(Self.writers))
        addScreens(readers: readers, writers: writers, state: state)
        addAPI(readers: readers, writers: writers, state: state)
    }

    /// The screens: the list, one book, saving marks, signing.
    static func addScreens(readers: RouterGroup<HosoContext>, writers: RouterGroup<HosoContext>, state: ServerState) {
        let saves = writers.group().add(middleware: RequireCSRF.form(limit: 512 * 1024))
        let signatures = writers.group().add(middleware: RequireCSRF.form(limit: 1024 * 1024))

        readers.get("/gradebooks") { _, context -> Response in
            let s = try context.signedIn()
            let ids = try await visibleBooks(state: state, session: s)
            let names = await RecordRoutes.names(ids, state: state)
            return htmlResponse(
                Pages.layout(context, title: context.t("Sổ điểm", "Grade books")) {
                    el("ul", [("id", "gradebooks")]) {
                        for id in ids {
                            el("li", [("data-record", id)]) {
                                el(
                                    "a", [("href", "/gradebook?id=" + queryEscape(id))],
                                    text: context.t(RecordRoutes.name(names, id, type: GradeBookInfo.recordType)))
                            }
                        }
                    }
                    if ids.isEmpty { el("p", [("class", "note")], text: context.t("Chưa có sổ điểm.", "No grade books yet.")) }
                    if s.user.role == .teacher {
                        el("p") {
                            el(
                                "a", [("href", "/gradebooks/sign"), ("id", "sign-many")],
                                text: context.t("Ký nhiều sổ điểm một lượt", "Sign many grade books at once"))
                        }
                    }
                })
        }

        readers.get("/gradebook") { request, context -> Response in
            let s = try context.signedIn()
            let id = request.uri.queryParameters.get("id") ?? ""
            let (book, report, owns) = try await state.archive.with { a in
                let book = try a.gradeBook(record: id)
                try Visibility.requireSee(s, recordType: GradeBookInfo.recordType, body: book.body, id: id, in: a)
                return (book, try? a.verify(id), (try? requireOwnBook(s, book, in: a)) != nil)
            }
            try await state.audit(actor: s.user.name, action: "read", target: "gradebook:\(id)")
            return htmlResponse(
                page(
                    context, s, id: id, book: book, report: report, problems: [], saved: request.uri.queryParameters.get("saved"),
                    owns: owns, allowKeyUpload: state.config.allowKeyUpload))
        }

        saves.post("/gradebook/save") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let id = request.uri.queryParameters.get("id") ?? ""
            let book = try await state.archive.with { try $0.gradeBook(record: id) }
            var cells = cellErrors(form: form, book: book, lang: context.lang)
            var problems = [HosoError]()
            if cells.isEmpty {
                do {
                    _ = try await save(state: state, session: s, id: id, form: form)
                    return redirect("/gradebook?id=\(queryEscape(id))&saved=1")
                } catch let e as HosoProblems {
                    // A problem about one cell is shown beside it; the rest above the table.
                    for p in e.problems {
                        if let field = cellField(p.location), cells[field] == nil {
                            cells[field] = context.t(p.message)
                        } else {
                            problems.append(p)
                        }
                    }
                }
            }
            return htmlResponse(
                page(
                    context, s, id: id, book: book, report: nil, problems: problems, saved: nil, form: form, owns: true,
                    allowKeyUpload: state.config.allowKeyUpload, cellErrors: cells),
                status: .badRequest)
        }

        signatures.post("/gradebook/sign") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let id = request.uri.queryParameters.get("id") ?? ""
            guard let key = form.file("key") else {
                throw HosoError(.badUserInput, .both("Hãy chọn tệp khóa ký (.p12)", "Choose the signing key file (.p12)"), location: "key")
            }
            _ = try await sign(state: state, session: s, id: id, key: key.bytes, keyName: key.fileName, password: form["password"] ?? "")
            return redirect("/gradebook?id=\(queryEscape(id))")
        }
    }

    /// The JSON API: the same reads, saves and signatures.
    static func addAPI(readers: RouterGroup<HosoContext>, writers: RouterGroup<HosoContext>, state: ServerState) {
        let api = writers.group().add(middleware: RequireCSRF.header)

        readers.get("/api/gradebooks") { _, context -> Response in
            jsonResponse(try await visibleBooks(state: state, session: try context.signedIn()))
        }

        readers.get("/api/gradebook") { request, context -> Response in
            let s = try context.signedIn()
            let id = request.uri.queryParameters.get("id") ?? ""
            let (book, report) = try await state.archive.with { a in
                let book = try a.gradeBook(record: id)
                try Visibility.requireSee(s, recordType: GradeBookInfo.recordType, body: book.body, id: id, in: a)
                return (book, try? a.verify(id))
            }
            try await state.audit(actor: s.user.name, action: "read", target: "gradebook:\(id)", detail: "api")
            return jsonResponse(BookOut(id: id, book: book, report: report))
        }

        api.post("/api/gradebook/marks") { request, context -> Response in
            let s = try context.signedIn()
            let form = try await APIRoutes.jsonForm(request, limit: 512 * 1024)
            let id = request.uri.queryParameters.get("id") ?? ""
            let result = try await save(state: state, session: s, id: id, form: form)
            return jsonResponse(
                SavedOut(
                    save: result.save, book: BookOut(id: id, book: result.book, report: nil),
                    warnings: result.warnings.map {
                        .init(code: $0.code.rawValue, message: $0.message.text(context.lang), location: $0.location)
                    }))
        }

        api.post("/api/gradebook/sign") { request, context -> Response in
            let s = try context.signedIn()
            let form = try await APIRoutes.jsonForm(request, limit: 1024 * 1024)
            let id = request.uri.queryParameters.get("id") ?? ""
            guard let b64 = form["key"], let key = Data(base64Encoded: b64, options: .ignoreUnknownCharacters), !key.isEmpty else {
                throw HosoError(
                    .badUserInput,
                    .both("Thiếu khóa ký (PKCS#12, base64) trong trường key", "The signing key (PKCS#12, base64) is missing in field key"),
                    location: "key")
            }
            let outcome = try await sign(
                state: state, session: s, id: id, key: [UInt8](key), keyName: "key", password: form["password"] ?? "")
            return jsonResponse(outcome, status: .created)
        }
    }

    struct BookOut: Encodable {
        var id: String
        var book: GradeBook
        var report: SignedRevisionReport?

        enum Keys: String, CodingKey { case id, body, signature }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(id, forKey: .id)
            try c.encode(JSONBody(book.body), forKey: .body)
            try c.encodeIfPresent(report.map { RecordRoutes.Row(record: id, report: $0) }, forKey: .signature)
        }
    }

    struct SavedOut: Encodable {
        var save: RecordSaveResult
        var book: BookOut
        var warnings: [ErrorBody.Item]
    }

    /// The grade books the account may see, sorted by id.
    static func visibleBooks(state: ServerState, session s: Session) async throws -> [String] {
        try await state.archive.with { a in
            try a.recordIds(ofType: GradeBookInfo.recordType).sorted().filter { id in
                try Visibility.canSee(s, recordType: GradeBookInfo.recordType, body: try a.gradeBook(record: id).body, in: a)
            }
        }
    }

    /// A teacher writes and signs only the grade books of their own assignments as subject teacher (`Visibility`).
    static func requireOwnBook(_ s: Session, _ book: GradeBook, in a: Archive) throws {
        guard try Visibility.canWrite(s, gradeBook: book.body, in: a) else {
            throw HosoError(
                .forbidden,
                .both(
                    "Sổ điểm này của giáo viên \(book.info.teacher), không phải của tài khoản này",
                    "This grade book belongs to teacher \(book.info.teacher), not to this account"),
                location: book.recordId)
        }
    }

    /// Marks from the form (or the API's fields) saved as a new revision: the import's checks and averages.
    static func save(state: ServerState, session s: Session, id: String, form: Form) async throws -> GradeBookImportResult {
        let result = try await state.archive.with { a -> GradeBookImportResult in
            let book = try a.gradeBook(record: id)
            try requireOwnBook(s, book, in: a)
            let csv = try csvFrom(form: form, book: book)
            return try a.importGradeBook(
                csv: csv, source: "web", header: nil, settings: settings(of: book.info), author: s.user.name,
                reason: form.value("reason") ?? "nhập điểm trên web / marks entered on the web")
        }
        try await state.audit(actor: s.user.name, action: "write", target: "gradebook:\(id)", detail: result.save.change.rawValue)
        return result
    }

    /// The settings that re-import into the same book: its class, subject and term, never taken from a file.
    static func settings(of i: GradeBookInfo) -> GradeBookSettings {
        GradeBookSettings(
            school: i.school, className: i.className, schoolYear: i.schoolYear, subject: i.subject,
            term: i.term.rawValue, level: i.level.rawValue, grade: i.grade,
            periodsPerYear: i.periodsPerYear, assessment: i.assessment.rawValue, teacher: i.teacher)
    }

    /// The current revision signed with the teacher's key (used for this request only, never stored).
    static func sign(
        state: ServerState, session s: Session, id: String, key: [UInt8], keyName: String, password: String
    ) async throws
        -> SignOutcome
    {
        guard state.config.allowKeyUpload else {
            throw HosoError(
                .forbidden,
                .both(
                    "Máy chủ không nhận tệp khóa: hãy ký bằng thiết bị ký (token) qua công cụ ký trên máy",
                    "This server takes no key files: sign with your token through the signing agent"))
        }
        let outcome = try await state.archive.with { a in
            try requireOwnBook(s, try a.gradeBook(record: id), in: a)
            let identity = try PKCS12.open(key, password: password, source: keyName)
            return try a.sign(id, identity: identity, role: .subjectTeacher, timestamp: state.config.timestamp).0
        }
        try await state.audit(
            actor: s.user.name, action: "sign", target: "gradebook:\(id)",
            detail: "\(outcome.signer) revision \(outcome.revision.prefix(12))")
        return outcome
    }

    static func queryEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Each typed mark that is not a mark, by its form field, in the reader's language (what was typed is kept).
    static func cellErrors(form: Form, book: GradeBook, lang: Lang) -> [String: String] {
        var out = [String: String]()
        for name in TeacherRoutes.markFields(book) {
            guard let typed = form.value(name) else { continue }
            do { _ = try Mark.parse(typed) } catch { out[name] = error.message.text(lang) }
        }
        return out
    }

    /// The form field of an import problem's place ("web:<line>:<column>", the header being line 1), when it is a
    /// mark cell: "tx1-0" for the first student's first regular mark.
    static func cellField(_ location: String?) -> String? {
        guard let parts = location?.split(separator: ":"), parts.count >= 3, let line = Int(parts[parts.count - 2]), line >= 2
        else { return nil }
        let column = String(parts[parts.count - 1])
        guard GradeBookCSV.regularColumns.contains(column) || column == "gk" || column == "ck" else { return nil }
        return "\(column)-\(line - 2)"
    }

    /// The grade book's CSV layout filled from the form (`tx<i>-<row>`, `gk-<row>`, `ck-<row>`, `nx-<row>`), so the
    /// import's checks and its average computation are the ones a file upload gets.
    static func csvFrom(form: Form, book: GradeBook) throws -> [UInt8] {
        func cell(_ s: String) -> String {
            s.contains(where: { ",\"\r\n;\t".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var lines = [GradeBookCSV.columns.joined(separator: ",")]
        for (row, st) in book.students.enumerated() {
            let dob = st.dateOfBirth.split(separator: "-")
            var cells = [st.moetId, st.fullName, dob.count == 3 ? "\(dob[2])/\(dob[1])/\(dob[0])" : st.dateOfBirth]
            cells += (1...4).map {
                (form["tx\($0)-\(row)"] ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
            }
            cells += ["gk", "ck"].map {
                (form["\($0)-\(row)"] ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
            }
            cells.append((form["nx-\(row)"] ?? "").trimmingCharacters(in: .whitespaces))
            lines.append(cells.map(cell).joined(separator: ","))
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    static func page(
        _ c: HosoContext, _ s: Session, id: String, book: GradeBook, report: SignedRevisionReport?,
        problems: [HosoError], saved: String?, form: Form? = nil, owns: Bool, allowKeyUpload: Bool,
        cellErrors: [String: String] = [:]
    ) -> HTML {
        let info = book.info
        // Only the book's own teacher gets the forms (the server refuses anyone else's save or signature anyway).
        let editable = info.assessment == .scored && owns
        return Pages.layout(c, title: c.t(Wording.gradeBook(info))) {
            el("p", [("data-record", id)], text: c.t("Giáo viên: ", "Teacher: ") + info.teacher)
            if let r = report { signatureStatus(c, r) }
            if saved != nil {
                el(
                    "p", [("class", "note"), ("id", "saved")],
                    text: c.t("Đã lưu bản mới của sổ điểm.", "A new revision of the grade book was saved."))
            }
            markProblems(c, problems, cellErrors: cellErrors)
            el("form", [("method", "post"), ("action", "/gradebook/save?id=" + queryEscape(id)), ("id", "marks")]) {
                Pages.csrfField(s)
                marksTable(c, book: book, form: form, editable: editable, cellErrors: cellErrors)
                if editable {
                    el("label") {
                        c.t("Lý do sửa (nếu sửa điểm đã có)", "Reason for the change (when changing marks)")
                        el("input", [("name", "reason"), ("id", "reason"), ("value", form?["reason"] ?? "")])
                    }
                    el("button", [("type", "submit"), ("id", "save")], text: c.t("Lưu (tính điểm trung bình)", "Save (averages computed)"))
                }
            }
            if s.user.role == .teacher && !owns {
                el(
                    "p", [("class", "note"), ("id", "not-own-book")],
                    text: c.t(
                        "Sổ điểm này của giáo viên \(info.teacher): chỉ giáo viên đó được sửa điểm và ký.",
                        "This grade book is teacher \(info.teacher)'s: only they may change marks and sign."))
            }
            if owns {
                AgentSigningRoutes.signCard(c, s, records: [id])
                if allowKeyUpload { signForm(c, s, id: id) }
            }
        }
    }

    /// Whether the current revision is signed, and by whom.
    static func signatureStatus(_ c: HosoContext, _ r: SignedRevisionReport) -> HTML {
        el(
            "p",
            [
                ("class", "card report \(r.signatures.isEmpty ? "INDETERMINATE" : r.indication)"), ("id", "signature-status"),
                ("data-indication", r.signatures.isEmpty ? "UNSIGNED" : r.indication),
            ]
        ) {
            if r.signatures.isEmpty {
                c.t("Bản hiện tại chưa được ký", "The current revision is not signed")
                if r.earlierRevisionsSigned > 0 { c.t(" (bản trước đã ký: cần ký lại)", " (an earlier revision was signed: sign again)") }
            } else {
                el("span", [("class", "badge \(r.indication)")], text: c.t(Wording.indication(r.indication)))
                " " + r.signatures.map { c.t(Wording.signer($0.report)) }.joined(separator: "; ")
            }
        }
    }

    /// The students' marks: inputs for the book's own teacher, text for everyone else.
    static func marksTable(_ c: HosoContext, book: GradeBook, form: Form?, editable: Bool, cellErrors: [String: String] = [:]) -> HTML {
        let info = book.info
        let regular = info.regularMarkCount ?? 0
        return el("div", [("class", "table-wrap")]) {
            el("table", [("id", "gradebook"), ("data-regular", String(regular))]) {
                el("thead") {
                    el("tr") {
                        el("th", [("scope", "col")], text: "STT")
                        el("th", [("scope", "col")], text: c.t("Họ và tên", "Name"))
                        if info.assessment == .scored {
                            for i in 0..<regular {
                                el(
                                    "th", [("scope", "col"), ("abbr", c.t(column("tx\(i + 1)").vi, column("tx\(i + 1)").en))],
                                    text: "TX\(i + 1)")
                            }
                            el("th", [("scope", "col"), ("abbr", c.t(column("gk").vi, column("gk").en))], text: "GK")
                            el("th", [("scope", "col"), ("abbr", c.t(column("ck").vi, column("ck").en))], text: "CK")
                            el("th", [("scope", "col"), ("abbr", c.t("Điểm trung bình môn học kỳ", "Term average"))], text: "ĐTBmhk")
                        } else {
                            el("th", [("scope", "col")], text: c.t("Nhận xét", "Comment"))
                        }
                    }
                }
                el("tbody") {
                    for (row, st) in book.students.enumerated() {
                        el("tr", [("data-row", String(row))]) {
                            el("td", text: String(row + 1))
                            el("th", [("scope", "row")], text: st.fullName)
                            if info.assessment == .scored {
                                for i in 0..<regular {
                                    markCell(
                                        c, "tx\(i + 1)-\(row)", student: st.fullName,
                                        form?["tx\(i + 1)-\(row)"] ?? (i < st.regularMarks.count ? st.regularMarks[i].description : ""),
                                        editable, error: cellErrors["tx\(i + 1)-\(row)"])
                                }
                                markCell(
                                    c, "gk-\(row)", student: st.fullName, form?["gk-\(row)"] ?? st.midTermMark?.description ?? "", editable,
                                    error: cellErrors["gk-\(row)"])
                                markCell(
                                    c, "ck-\(row)", student: st.fullName, form?["ck-\(row)"] ?? st.endOfTermMark?.description ?? "",
                                    editable, error: cellErrors["ck-\(row)"])
                                el("td", [("class", "avg"), ("id", "avg-\(row)")], text: st.termAverage?.description ?? "")
                            } else {
                                el("td", text: st.exempt ? GradeBookCSV.exemptLabel : st.commentResult?.rawValue ?? "")
                            }
                        }
                    }
                }
            }
        }
    }

    /// The teacher's key file and its password, used for this one signature.
    static func signForm(_ c: HosoContext, _ s: Session, id: String) -> HTML {
        el(
            "form",
            [
                ("method", "post"), ("action", "/gradebook/sign?id=" + queryEscape(id)), ("enctype", "multipart/form-data"),
                ("class", "card"), ("id", "sign"),
            ]
        ) {
            Pages.csrfField(s)
            el("h2", text: c.t("Ký số bản hiện tại", "Sign the current revision"))
            el("label") {
                c.t("Tệp khóa ký của giáo viên (.p12)", "The teacher's key file (.p12)")
                el("input", [("type", "file"), ("name", "key"), ("id", "key"), ("accept", ".p12,.pfx,application/x-pkcs12")])
            }
            el("label") {
                c.t("Mật khẩu tệp khóa", "Key file password")
                // Not the sign-in password: "new-password" keeps the browser from filling that one in ("off" is not a valid
                // value for a password field).
                el("input", [("type", "password"), ("name", "password"), ("id", "key-password"), ("autocomplete", "new-password")])
            }
            el("button", [("type", "submit"), ("id", "sign-submit")], text: c.t("Ký", "Sign"))
        }
    }

    /// What a save refused, above the marks: the problems about no cell in particular, and how many cells have their
    /// error beside them.
    static func markProblems(_ c: HosoContext, _ problems: [HosoError], cellErrors: [String: String]) -> HTML {
        group {
            if !problems.isEmpty {
                el("div", [("role", "alert")]) {
                    el("ul", [("class", "errors"), ("id", "problems")]) {
                        for p in problems { el("li", [("data-code", p.code.rawValue)], text: c.t(Wording.problem(p))) }
                    }
                }
            }
            if !cellErrors.isEmpty {
                el(
                    "p", [("class", "errors"), ("role", "alert"), ("id", "cell-errors")],
                    text: c.t(
                        "Có \(cellErrors.count) ô chưa đúng; lỗi ghi ngay cạnh ô. Điểm viết như 7,5 (từ 0 đến 10).",
                        "\(cellErrors.count) cells need fixing; each error is beside its cell. Write marks like 7,5 (0 to 10)."))
            }
        }
    }

    /// A mark column's name in words ("Điểm thường xuyên 1", "Điểm giữa kỳ", "Điểm cuối kỳ").
    static func column(_ key: String) -> LocalizedText {
        switch key {
        case "gk": return .both("Điểm giữa kỳ", "Mid-term mark")
        case "ck": return .both("Điểm cuối kỳ", "End-of-term mark")
        default: return .both("Điểm thường xuyên \(key.dropFirst(2))", "Regular mark \(key.dropFirst(2))")
        }
    }

    /// A mark: an input labelled with the column and the student (TeacherRoutes.markInput) for the book's teacher,
    /// text for everyone else.
    static func markCell(_ c: HosoContext, _ name: String, student: String, _ value: String, _ editable: Bool, error: String?) -> HTML {
        guard editable else { return el("td", text: value) }
        let col = column(String(name.prefix(while: { $0 != "-" })))
        return TeacherRoutes.markInput(
            name, value: value, label: c.t("\(col.vi) của \(student)", "\(col.en) of \(student)"), error: error)
    }
}
