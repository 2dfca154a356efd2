import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// Digitization on the web: the registrar uploads a ledger spreadsheet (CSV or XLSX) and the page scans; the
/// server reads the file's header and proposes which column holds which ledger field (a mapping confirmed before
/// for the same layout comes back as it was saved); the registrar corrects it and runs the check (a dry run);
/// "commit" imports the same staged files. A failed check keeps the staged files (for the upload lifetime): the
/// registrar changes the mapping, or replaces the spreadsheet alone, and checks again. A mapping file (JSON) is
/// still accepted, for scripts. Uploads are staged in a private temporary folder named by a random token; upload
/// names never become paths beyond their last component, cleaned.
enum DigitizeRoutes {
    static let roles: Set<Role> = [.registrar]

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let registrars = router.group().add(middleware: RequireRole(roles))
        let uploads = registrars.group().add(middleware: RequireCSRF.form(limit: state.config.bodyLimits.uploads))
        let forms = registrars.group().add(middleware: RequireCSRF.form(limit: 64 * 1024))
        let api = registrars.group().add(middleware: RequireCSRF.header)

        registrars.get("/digitize") { _, context -> Response in
            let s = try context.signedIn()
            return htmlResponse(page(context, s, report: nil, token: nil, problems: []))
        }

        uploads.post("/digitize") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            do {
                sweepStaged(olderThan: uploadLifetime)
                let token = try SecureRandom.token(bytes: 18)
                _ = try await state.blocking { try stage(form, token: token) }
                if form.file("mapping") == nil {
                    let screen = try await mappingScreen(state: state, token: token, chosen: nil)
                    return htmlResponse(page(context, s, report: nil, token: nil, problems: [], mapping: screen))
                }
                return try await check(state: state, context: context, session: s, token: token, reason: form["reason"], chosen: nil)
            } catch let e as HosoProblems {
                return htmlResponse(
                    page(context, s, report: nil, token: nil, problems: e.problems, reason: form["reason"]), status: .badRequest)
            } catch let e as HosoError where e.category.isCallerFault || e.category == .notFound {
                return htmlResponse(page(context, s, report: nil, token: nil, problems: [e], reason: form["reason"]), status: .badRequest)
            }
        }

        // The mapping chosen on screen, checked against the staged files (again, after a failed check).
        forms.post("/digitize/check") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let token = form["batch"] ?? ""
            guard let dir = staged(token) else { throw gone() }
            let chosen = MappingChoice(form: form)
            try await state.blocking {
                let base = (dir.mapping as NSString).deletingLastPathComponent
                let hasScans = !((try? FileManager.default.contentsOfDirectory(atPath: base + "/scans")) ?? []).isEmpty
                var header = chosen.header
                if (header["recordId"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty { header["recordId"] = chosen.derivedRecordId }
                let bytes = try LedgerMappingProposal.mappingJSON(
                    columns: chosen.columns, header: header, sheet: nil, scans: hasScans ? "scans" : nil)
                // What the registrar chose stays with the batch: a corrected spreadsheet sent after a failed check
                // is shown with these choices, not a fresh proposal.
                try write(Array(try JSONEncoder().encode(chosen)), to: base + "/choice.json")
                try write(bytes, to: dir.mapping)
            }
            return try await check(state: state, context: context, session: s, token: token, reason: form["reason"], chosen: chosen)
        }

        // One file replaced in a staged batch (the spreadsheet, corrected): the scans stay as uploaded.
        uploads.post("/digitize/replace") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let token = form["batch"] ?? ""
            guard staged(token) != nil else { throw gone() }
            guard let ledger = form.file("ledger") else {
                let e = HosoError(
                    .badUserInput, .both("Hãy chọn tệp sổ đã sửa (CSV hoặc XLSX)", "Choose the corrected ledger file (CSV or XLSX)"),
                    location: "ledger")
                let screen = try await mappingScreen(state: state, token: token, chosen: nil)
                return htmlResponse(page(context, s, report: nil, token: nil, problems: [e], mapping: screen), status: .badRequest)
            }
            try await state.blocking { try replaceLedger(token: token, name: ledger.fileName, bytes: ledger.bytes) }
            let screen = try await mappingScreen(state: state, token: token, chosen: lastChoice(token))
            return htmlResponse(page(context, s, report: nil, token: nil, problems: [], mapping: screen))
        }

        forms.post("/digitize/commit") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let report = try await commit(state: state, session: s, batch: form["batch"] ?? "", reason: form.value("reason"))
            return htmlResponse(page(context, s, report: report, token: nil, problems: []))
        }

        // The JSON API: the same multipart upload with its mapping file (token in X-CSRF-Token), then a commit of
        // the batch it names.
        api.post("/api/digitize") { request, context -> Response in
            let s = try context.signedIn()
            let form = try await Form.read(request, limit: state.config.bodyLimits.uploads)
            guard form.file("mapping") != nil else {
                throw HosoError(
                    .badUserInput, .both("Hãy gửi kèm tệp ánh xạ cột (JSON)", "Send the column mapping file (JSON)"), location: "mapping")
            }
            let (report, token) = try await dryRun(state: state, session: s, form: form)
            return jsonResponse(DryRunOut(report: report, batch: token))
        }

        api.post("/api/digitize/commit") { request, context -> Response in
            let s = try context.signedIn()
            let form = try await APIRoutes.jsonForm(request, limit: 64 * 1024)
            let report = try await commit(state: state, session: s, batch: form["batch"] ?? "", reason: form.value("reason"))
            return jsonResponse(report, status: .created)
        }
    }

    static func gone() -> HosoError {
        HosoError(.inputNotFound, .both("Không còn bộ tệp đã tải lên; hãy tải lại", "The uploaded files are gone; upload them again"))
    }

    /// Runs the check of a staged batch and shows it: the report, then the commit form when it passed (and the
    /// mapping is saved for the school's layout), or the problems with the mapping screen when it did not (the
    /// files stay staged).
    static func check(
        state: ServerState, context: HosoContext, session s: Session, token: String, reason: String?, chosen: MappingChoice?
    ) async throws -> Response {
        guard let dir = staged(token) else { throw gone() }
        touchStaged(token)
        do {
            let report = try await state.archive.with {
                try $0.importLedger(file: dir.ledger, mapping: dir.mapping, dryRun: true, reason: reason, author: s.user.name)
            }
            try await state.audit(
                actor: s.user.name, action: "import-dry-run", target: "ledger:\(report.recordId)",
                detail: "\(report.entries) entries, \(report.errors.count) errors")
            if report.errors.isEmpty {
                if let chosen { try await savePreset(state: state, token: token, chosen: chosen, author: s.user.name) }
                return htmlResponse(page(context, s, report: report, token: token, problems: [], reason: reason))
            }
            let screen = try await mappingScreen(state: state, token: token, chosen: chosen)
            return htmlResponse(
                page(context, s, report: report, token: nil, problems: [], reason: reason, mapping: screen), status: .badRequest)
        } catch let e as HosoProblems {
            let screen = try await mappingScreen(state: state, token: token, chosen: chosen)
            return htmlResponse(
                page(context, s, report: nil, token: nil, problems: e.problems, reason: reason, mapping: screen), status: .badRequest)
        } catch let e as HosoError where e.category.isCallerFault || e.category == .notFound {
            let screen = try await mappingScreen(state: state, token: token, chosen: chosen)
            return htmlResponse(
                page(context, s, report: nil, token: nil, problems: [e], reason: reason, mapping: screen), status: .badRequest)
        }
    }

    struct DryRunOut: Encodable {
        var report: LedgerImportReport
        /// Names the staged files for the commit; nil when the dry run found errors (nothing may be committed).
        var batch: String?
    }

    /// Stages the uploads and runs the import as a dry run. The staged files stay (for the commit) only when the
    /// report has no errors.
    static func dryRun(state: ServerState, session s: Session, form: Form) async throws -> (LedgerImportReport, String?) {
        sweepStaged(olderThan: uploadLifetime)
        let token = try SecureRandom.token(bytes: 18)
        do {
            let dir = try await state.blocking { try stage(form, token: token) }
            let report = try await state.archive.with {
                try $0.importLedger(file: dir.ledger, mapping: dir.mapping, dryRun: true, reason: form.value("reason"), author: s.user.name)
            }
            try await state.audit(
                actor: s.user.name, action: "import-dry-run", target: "ledger:\(report.recordId)",
                detail: "\(report.entries) entries, \(report.errors.count) errors")
            if !report.errors.isEmpty { removeStaged(token) }
            return (report, report.errors.isEmpty ? token : nil)
        } catch {
            removeStaged(token)
            throw error
        }
    }

    /// Imports the staged batch of an earlier dry run, then removes it.
    static func commit(state: ServerState, session s: Session, batch token: String, reason: String?) async throws -> LedgerImportReport {
        guard let dir = staged(token) else {
            throw HosoError(
                .inputNotFound, .both("Không còn bộ tệp đã tải lên; hãy tải lại", "The uploaded files are gone; upload them again"))
        }
        defer { removeStaged(token) }
        let report = try await state.archive.with {
            try $0.importLedger(file: dir.ledger, mapping: dir.mapping, dryRun: false, reason: reason, author: s.user.name)
        }
        try await state.audit(
            actor: s.user.name, action: "import", target: "ledger:\(report.recordId)", detail: "\(report.entries) entries")
        return report
    }

    static var root: String { FileManager.default.temporaryDirectory.path + "/hoso-web-import" }

    /// A staged batch used again keeps its full lifetime from now.
    static func touchStaged(_ token: String) {
        guard token.range(of: #"^[A-Za-z0-9_-]{16,64}$"#, options: .regularExpression) != nil else { return }
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: root + "/" + token)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw HosoError(
                .ioError, .both("Không ghi được tệp tạm", "Cannot write a temporary file"), location: (path as NSString).lastPathComponent)
        }
    }

    /// The name the registrar's file had, to show (kept beside the staged copy).
    static func uploadedName(_ token: String) -> String? {
        guard let dir = staged(token) else { return nil }
        let base = (dir.ledger as NSString).deletingLastPathComponent
        return FileManager.default.contents(atPath: base + "/name.txt").map { String(decoding: $0, as: UTF8.self) }
    }

    /// Puts a corrected spreadsheet in place of the staged one (CSV or XLSX, whichever it is now).
    /// The mapping the registrar last checked with in this batch, if any (kept by `/digitize/check`).
    static func lastChoice(_ token: String) -> MappingChoice? {
        guard let dir = staged(token) else { return nil }
        let path = (dir.mapping as NSString).deletingLastPathComponent + "/choice.json"
        guard let data = FileManager.default.contents(atPath: path), data.count <= 64 * 1024 else { return nil }
        return try? JSONDecoder().decode(MappingChoice.self, from: data)
    }

    static func replaceLedger(token: String, name: String, bytes: [UInt8]) throws {
        guard let dir = staged(token) else { throw gone() }
        let base = (dir.ledger as NSString).deletingLastPathComponent
        try? FileManager.default.removeItem(atPath: dir.ledger)
        try write(bytes, to: base + "/" + (name.lowercased().hasSuffix(".xlsx") ? "ledger.xlsx" : "ledger.csv"))
        try write(Array(displayName(name).utf8), to: base + "/name.txt")
        touchStaged(token)
    }

    /// An uploaded file's name as shown on the page: its last component, NFC, at most 120 characters.
    static func displayName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return String(
            VietnameseText.nfc(last).unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init).prefix(120))
    }

    static func staged(_ token: String) -> (ledger: String, mapping: String)? {
        // The token came from a form: only our own alphabet, so it cannot name another folder.
        guard token.range(of: #"^[A-Za-z0-9_-]{16,64}$"#, options: .regularExpression) != nil else { return nil }
        let dir = root + "/" + token
        for name in ["ledger.csv", "ledger.xlsx"] where FileManager.default.fileExists(atPath: dir + "/" + name) {
            return (dir + "/" + name, dir + "/mapping.json")
        }
        return nil
    }

    /// How long a checked but uncommitted upload is kept for its commit: `HOSO_UPLOAD_TTL_MINUTES`, 120 by default
    /// (a registrar who checks a ledger before lunch commits it after). Scans of ledgers hold personal data.
    static var uploadLifetime: TimeInterval {
        let minutes = ProcessInfo.processInfo.environment["HOSO_UPLOAD_TTL_MINUTES"].flatMap(Int.init) ?? 120
        return TimeInterval(min(max(minutes, 1), 7 * 24 * 60) * 60)
    }

    /// Removes staged uploads older than `lifetime` (by their folder's time), on every new upload: nothing of an
    /// abandoned dry run stays on the server for long.
    static func sweepStaged(olderThan lifetime: TimeInterval, now: Date = Date()) {
        let fm = FileManager.default
        guard let tokens = try? fm.contentsOfDirectory(atPath: root) else { return }
        for token in tokens where token.range(of: #"^[A-Za-z0-9_-]{16,64}$"#, options: .regularExpression) != nil {
            guard let made = (try? fm.attributesOfItem(atPath: root + "/" + token))?[.modificationDate] as? Date else { continue }
            if now.timeIntervalSince(made) > lifetime { removeStaged(token) }
        }
    }

    static func removeStaged(_ token: String) {
        guard token.range(of: #"^[A-Za-z0-9_-]{16,64}$"#, options: .regularExpression) != nil else { return }
        try? FileManager.default.removeItem(atPath: root + "/" + token)
    }

    /// The last path component of an uploaded name, reduced to letters, digits, dot, dash and underscore.
    static func cleanName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? "file"
        let cleaned = String(
            last.unicodeScalars.map {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) ? Character($0) : "_"
            })
        let trimmed = cleaned.drop(while: { $0 == "." })
        return trimmed.isEmpty ? "file" : String(trimmed.prefix(100))
    }

    static func stage(_ form: Form, token: String) throws -> (ledger: String, mapping: String) {
        guard let ledger = form.file("ledger") else {
            throw HosoError(
                .badUserInput, .both("Hãy chọn tệp sổ (CSV hoặc XLSX)", "Choose the ledger file (CSV or XLSX)"), location: "ledger")
        }
        // The mapping file is optional (the mapping is chosen on screen); one given must be JSON.
        var mapping: [String: Any]?
        if let mappingFile = form.file("mapping") {
            guard let m = try? JSONSerialization.jsonObject(with: Data(mappingFile.bytes)) as? [String: Any] else {
                throw HosoError(
                    .badUserInput, .both("Tệp ánh xạ cột phải là JSON", "The column mapping file must be JSON"), location: "mapping")
            }
            mapping = m
        }
        let fm = FileManager.default
        let dir = root + "/" + token
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fm.createDirectory(atPath: dir + "/scans", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let ledgerName = ledger.fileName.lowercased().hasSuffix(".xlsx") ? "ledger.xlsx" : "ledger.csv"
        // The scans are the files uploaded with the form, wherever the mapping said they were.
        let scans = form.files.filter { $0.fieldName == "scans" && !$0.bytes.isEmpty }
        mapping?["scans"] = scans.isEmpty ? nil : "scans"
        var writes: [(String, [UInt8])] =
            [(ledgerName, ledger.bytes), ("name.txt", Array(displayName(ledger.fileName).utf8))]
            + scans.map { ("scans/" + cleanName($0.fileName), $0.bytes) }
        if let mapping { writes.append(("mapping.json", [UInt8](try JSONSerialization.data(withJSONObject: mapping)))) }
        for (name, bytes) in writes
        where !fm.createFile(atPath: dir + "/" + name, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) {
            throw HosoError(.ioError, .both("Không ghi được tệp tạm", "Cannot write a temporary file"), location: name)
        }
        return (dir + "/" + ledgerName, dir + "/mapping.json")
    }

    /// The upload form's fields, as a problem's location names them.
    static let fields = ["ledger", "mapping", "scans", "reason"]

    static func page(
        _ c: HosoContext, _ s: Session, report: LedgerImportReport?, token: String?, problems: [HosoError], reason: String? = nil,
        mapping: MappingScreen? = nil
    ) -> HTML {
        // A problem about one field is shown beside it; the others above the form.
        var byField = [String: String]()
        for p in problems { if let at = p.location, fields.contains(at), byField[at] == nil { byField[at] = c.t(p.message) } }
        let general = problems.filter { !($0.location.map(fields.contains) ?? false) }
        return Pages.layout(c, title: c.t("Số hoá sổ gốc", "Digitize a ledger")) {
            if !problems.isEmpty {
                el("div", [("role", "alert")]) {
                    el("ul", [("class", "errors"), ("id", "problems")]) {
                        if general.isEmpty {
                            el("li", text: c.t("Hãy xem lỗi ghi cạnh từng ô bên dưới.", "See the errors beside the fields below."))
                        }
                        for p in general {
                            el(
                                "li", [("data-code", p.code.rawValue)],
                                text: placeText(c, p.location, screen: mapping) + c.t(Wording.problem(p)))
                        }
                    }
                }
            }
            if let r = report {
                importReport(c, r, screen: mapping)
                if let token {
                    el("form", [("method", "post"), ("action", "/digitize/commit"), ("class", "card"), ("id", "commit")]) {
                        Pages.csrfField(s)
                        el("input", [("type", "hidden"), ("name", "batch"), ("value", token)])
                        el("label") {
                            c.t("Lý do (khi sổ đã có và khác)", "Reason (when the ledger exists and differs)")
                            el("input", [("name", "reason"), ("id", "commit-reason"), ("value", reason ?? "")])
                        }
                        el("button", [("type", "submit"), ("id", "commit-submit")], text: c.t("Ghi vào kho", "Commit to the archive"))
                    }
                }
            }
            if let mapping {
                mappingForm(c, s, mapping, reason: reason)
            } else {
                uploadForm(c, s, errors: byField, reason: reason)
            }
        }
    }

    /// What a dry run or a commit found: counts, then errors and warnings with their places.
    static func importReport(_ c: HosoContext, _ r: LedgerImportReport, screen: MappingScreen? = nil) -> HTML {
        el(
            "section",
            [
                ("class", "card report \(r.errors.isEmpty ? "PASSED" : "FAILED")"), ("id", "import-report"),
                ("data-committed", r.committed ? "yes" : "no"),
            ]
        ) {
            el(
                "h2", [("data-record", r.recordId)],
                text: r.committed
                    ? c.t("Đã ghi sổ vào kho", "The ledger was stored")
                    : r.errors.isEmpty
                        ? c.t("Kiểm tra xong: có thể ghi vào kho", "Checked: ready to store")
                        : c.t("Kiểm tra xong: cần sửa tệp trước khi ghi", "Checked: fix the file before storing"))
            el("dl") {
                el("dt", text: c.t("Dòng", "Rows"))
                el("dd", text: String(r.rows))
                el("dt", text: c.t("Mục sổ", "Entries"))
                el("dd", text: String(r.entries))
                el("dt", text: c.t("Ảnh quét", "Scans"))
                el("dd", text: String(r.scans))
                el("dt", text: c.t("Mục chưa có trang", "Entries without a page"))
                el("dd", text: String(r.entriesWithoutPage))
                if !r.pagesWithoutEntries.isEmpty {
                    el("dt", text: c.t("Trang không có mục", "Pages without entries"))
                    el("dd", text: r.pagesWithoutEntries.map(String.init).joined(separator: ", "))
                }
                if !r.conversions.isEmpty {
                    el("dt", text: c.t("Chuyển mã", "Converted"))
                    el("dd", text: "\(r.conversions.count)")
                }
            }
            for (title, list) in [(c.t("Lỗi", "Errors"), r.errors), (c.t("Cảnh báo", "Warnings"), r.warnings)] where !list.isEmpty {
                el("h3", text: "\(title) (\(list.count))")
                el("ul", [("class", title == c.t("Lỗi", "Errors") ? "errors" : "note")]) {
                    for p in list.prefix(200) {
                        el(
                            "li", [("data-code", p.code)],
                            text: placeText(c, p.location, screen: screen) + (c.lang == .en ? p.messageEn : p.message))
                    }
                }
            }
        }
    }

    /// The upload of a ledger file, its column mapping and its page scans, checked first as a dry run.
    static func uploadForm(_ c: HosoContext, _ s: Session, errors: [String: String] = [:], reason: String? = nil) -> HTML {
        /// A field's error beside it, tied to it for screen readers.
        func fieldError(_ name: String) -> HTML {
            errors[name].map { el("span", [("class", "field-error"), ("id", "err-" + name)], text: $0) } ?? .empty
        }
        func invalid(_ name: String) -> [(String, String?)] {
            errors[name] == nil ? [] : [("aria-invalid", "true"), ("aria-describedby", "err-" + name)]
        }
        return el(
            "form",
            [("method", "post"), ("action", "/digitize"), ("enctype", "multipart/form-data"), ("class", "card"), ("id", "upload")]
        ) {
            Pages.csrfField(s)
            el("label") {
                c.t("Tệp sổ (CSV hoặc XLSX)", "Ledger file (CSV or XLSX)")
                el("input", [("type", "file"), ("name", "ledger"), ("id", "ledger"), ("accept", ".csv,.xlsx")] + invalid("ledger"))
                fieldError("ledger")
            }
            el("label") {
                c.t(
                    "Tệp ánh xạ cột (không bắt buộc: nếu không có, hoso đề xuất cách ghép cột để bạn chọn)",
                    "Column mapping file (optional: without one, hoso proposes a mapping for you to choose)")
                el("input", [("type", "file"), ("name", "mapping"), ("id", "mapping"), ("accept", ".json")] + invalid("mapping"))
                fieldError("mapping")
            }
            el("label") {
                c.t("Ảnh quét các trang (tên tệp chứa số trang)", "Page scans (file names carry the page number)")
                el(
                    "input",
                    [("type", "file"), ("name", "scans"), ("id", "scans"), ("multiple", ""), ("accept", "image/*,.tif,.tiff")]
                        + invalid("scans"))
                fieldError("scans")
            }
            el("label") {
                c.t("Lý do (khi sổ đã có và khác)", "Reason (when the ledger exists and differs)")
                el("input", [("name", "reason"), ("id", "reason"), ("value", reason ?? "")] + invalid("reason"))
                fieldError("reason")
            }
            el("button", [("type", "submit"), ("id", "dry-run")], text: c.t("Kiểm tra (chạy thử)", "Check (dry run)"))
        }
    }
}
