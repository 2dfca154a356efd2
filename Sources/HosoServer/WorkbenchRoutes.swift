import Foundation
import HosoAccounts
import HosoKit
import HosoRecords
import Hummingbird

/// The keying workbench: a ledger started from its page scans, keyed one entry at a time beside its scan by two
/// registrars who do not see each other's values, reconciled by a third, committed as a ledger. The screens work
/// with the keyboard alone and without scripts (each entry is a form: Enter saves it and opens the next); the
/// script adds checks as you type, zoom, pan and rotation of the scan, and the highlighted row.
enum WorkbenchRoutes {
    static let roles: Set<Role> = [.registrar]

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let registrars = router.group().add(middleware: RequireRole(roles))
        let uploads = registrars.group().add(middleware: RequireCSRF.form(limit: state.config.bodyLimits.uploads))
        let forms = registrars.group().add(middleware: RequireCSRF.form(limit: 64 * 1024))
        let api = registrars.group().add(middleware: RequireCSRF.header)

        registrars.get("/workbench") { _, context -> Response in
            let s = try context.signedIn()
            let list = try await state.archive.with { a in try a.keyingLedgers().map { ($0, try a.keyingStatus($0.id)) } }
            return htmlResponse(WorkbenchPages.listPage(context, s, list, problems: [], form: nil))
        }

        uploads.post("/workbench") { _, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            do {
                let header = KeyingHeader(
                    issuer: form["issuer"] ?? "", title: form["title"] ?? "", level: form["level"] ?? "",
                    decisionNumber: form["decisionNumber"] ?? "", decisionDate: form["decisionDate"] ?? "",
                    year: Int(form.value("year") ?? "") ?? 0, school: form["school"] ?? "", mode: form["mode"] ?? "")
                let scans = form.files.filter { $0.fieldName == "scans" && !$0.bytes.isEmpty }.map {
                    ScanUpload(name: DigitizeRoutes.cleanName($0.fileName), bytes: $0.bytes)
                }
                let l = try await state.archive.with { try $0.startKeying(header: header, scans: scans, by: s.user.name) }
                try await state.audit(
                    actor: s.user.name, action: "keying-start", target: "ledger:\(l.recordId)", detail: "\(l.pages.count) pages")
                return redirect("/workbench/\(l.id)")
            } catch let e as HosoProblems {
                return try await listAgain(state, context, s, e.problems, form)
            } catch let e as HosoError where e.category.isCallerFault {
                return try await listAgain(state, context, s, [e], form)
            }
        }

        registrars.get("/workbench/:id") { _, context -> Response in
            let s = try context.signedIn()
            let id = context.parameters.get("id") ?? ""
            let (l, status) = try await state.archive.with { a in (try a.keyingLedger(id), try a.keyingStatus(id)) }
            return htmlResponse(WorkbenchPages.ledgerPage(context, s, l, status, report: nil))
        }

        registrars.get("/workbench/:id/page/:n") { request, context -> Response in
            let s = try context.signedIn()
            let id = context.parameters.get("id") ?? ""
            let page = Int(context.parameters.get("n") ?? "") ?? 0
            let screen = try await keyingScreen(
                state, s, id: id, page: page, slot: request.uri.queryParameters.get("row").flatMap { Int($0) })
            return htmlResponse(WorkbenchPages.keyingPage(context, s, screen, prefillOffered: state.config.pagePrefiller != nil))
        }

        registrars.get("/workbench/:id/page/:n/image") { _, context -> Response in
            _ = try context.signedIn()
            let id = context.parameters.get("id") ?? ""
            let page = Int(context.parameters.get("n") ?? "") ?? 0
            let (bytes, type) = try await state.archive.with { a in
                let img = try a.keyingPageImage(id, page: page)
                return ([UInt8](try Data(contentsOf: URL(fileURLWithPath: img.path))), img.type)
            }
            return Response(
                status: .ok, headers: [.contentType: type, .cacheControl: "private, max-age=600"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }

        forms.post("/workbench/:id/page/:n/entry") { _, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let id = context.parameters.get("id") ?? ""
            let page = Int(context.parameters.get("n") ?? "") ?? 0
            let slot = Int(form.value("row") ?? "") ?? 0
            let values = Dictionary(uniqueKeysWithValues: LedgerKeying.fields.map { ($0, form[$0] ?? "") })
            let region = try Archive.keyedRegion(form.value("region"))
            let problems = try await state.archive.with { a in
                try a.saveKeyedEntry(id, person: s.user.name, page: page, slot: slot, values: values, region: region)
            }
            if problems.isEmpty { return redirect("/workbench/\(id)/page/\(page)?row=\(slot + 1)") }
            // Kept as a draft; the same row again with what is wrong beside each field.
            var screen = try await keyingScreen(state, s, id: id, page: page, slot: slot)
            screen.problems = problems
            return htmlResponse(
                WorkbenchPages.keyingPage(context, s, screen, prefillOffered: state.config.pagePrefiller != nil), status: .badRequest)
        }

        forms.post("/workbench/:id/page/:n/finish") { _, context -> Response in
            let s = try context.signedIn()
            let id = context.parameters.get("id") ?? ""
            let page = Int(context.parameters.get("n") ?? "") ?? 0
            try await state.archive.with { try $0.finishKeyedPage(id, person: s.user.name, page: page) }
            try await state.audit(actor: s.user.name, action: "keying-finish", target: "keying:\(id)", detail: "page \(page)")
            return redirect("/workbench/\(id)")
        }

        forms.post("/workbench/:id/page/:n/prefill") { _, context -> Response in
            let s = try context.signedIn()
            let id = context.parameters.get("id") ?? ""
            let page = Int(context.parameters.get("n") ?? "") ?? 0
            guard let reader = state.config.pagePrefiller else {
                throw HosoError(.inputNotFound, .both("Máy chủ không có bộ đọc ảnh", "The server has no page reader"))
            }
            _ = try await state.archive.with { try $0.prefillPage(id, page: page, using: reader) }
            try await state.audit(actor: s.user.name, action: "keying-prefill", target: "keying:\(id)", detail: "page \(page)")
            return redirect("/workbench/\(id)/page/\(page)")
        }

        registrars.get("/workbench/:id/reconcile") { _, context -> Response in
            let s = try context.signedIn()
            let id = context.parameters.get("id") ?? ""
            let (l, status) = try await state.archive.with { a in (try a.keyingLedger(id), try a.keyingStatus(id)) }
            return htmlResponse(WorkbenchPages.reconcilePage(context, s, l, status))
        }

        forms.post("/workbench/:id/decide") { _, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let id = context.parameters.get("id") ?? ""
            let page = Int(form.value("page") ?? "") ?? 0
            let slot = Int(form.value("row") ?? "") ?? 0
            let field = form["field"] ?? ""
            let value = form["value"] ?? form["other"] ?? ""
            try await state.archive.with {
                try $0.decideKeyedValue(id, person: s.user.name, page: page, slot: slot, field: field, value: value)
            }
            try await state.audit(
                actor: s.user.name, action: "keying-decide", target: "keying:\(id)", detail: "page \(page) row \(slot) \(field)")
            return redirect("/workbench/\(id)/reconcile")
        }

        forms.post("/workbench/:id/commit") { _, context -> Response in
            let s = try context.signedIn()
            let id = context.parameters.get("id") ?? ""
            let report = try await state.archive.with { try $0.commitKeyedLedger(id, person: s.user.name) }
            try await state.audit(
                actor: s.user.name, action: "keying-commit", target: "ledger:\(report.recordId)", detail: "\(report.entries) entries")
            let (l, status) = try await state.archive.with { a in (try a.keyingLedger(id), try a.keyingStatus(id)) }
            return htmlResponse(
                WorkbenchPages.ledgerPage(context, s, l, status, report: report), status: report.committed ? .ok : .badRequest)
        }

        // One entry checked with the import's rules while it is typed; nothing is saved.
        api.post("/api/workbench/:id/check") { request, context -> Response in
            _ = try context.signedIn()
            let id = context.parameters.get("id") ?? ""
            let form = try await APIRoutes.jsonForm(request, limit: 64 * 1024)
            let page = Int(form.value("page") ?? "") ?? 0
            let values = Dictionary(uniqueKeysWithValues: LedgerKeying.fields.map { ($0, form[$0] ?? "") })
            let problems = try await state.archive.with { try $0.checkKeyedEntry(id, page: page, values: values) }
            return jsonResponse(CheckOut(problems: problems))
        }
    }

    struct CheckOut: Encodable { var problems: [KeyingProblem] }

    static func listAgain(
        _ state: ServerState, _ c: HosoContext, _ s: Session, _ problems: [HosoError], _ form: Form
    ) async throws -> Response {
        let list = try await state.archive.with { a in try a.keyingLedgers().map { ($0, try a.keyingStatus($0.id)) } }
        let status: HTTPResponse.Status = problems.contains { $0.category == .tooLarge } ? .contentTooLarge : .badRequest
        return htmlResponse(WorkbenchPages.listPage(c, s, list, problems: problems, form: form), status: status)
    }

    /// What the keying screen shows: the person's own draft only (never the other keyer's values).
    struct Screen: Sendable {
        var ledger: KeyingLedger
        var status: KeyingStatus
        var page: Int
        var slot: Int
        var mine: [KeyedEntry]
        var finished: Bool
        var prefill: PagePrefill?
        var problems: [KeyingProblem] = []
        var otherKeyers: Bool

        /// The band over the scan for the row being keyed: as saved, else just below the previous row's, else where a
        /// page reader placed it.
        var band: [Double]? {
            if let saved = mine.first(where: { $0.slot == slot })?.region { return saved }
            if let below = LedgerKeying.nextRegion(after: mine.first { $0.slot == slot - 1 }?.region) { return below }
            return prefill.flatMap { slot <= $0.rows.count ? $0.rows[slot - 1].region : nil }
        }
    }

    static func keyingScreen(_ state: ServerState, _ s: Session, id: String, page: Int, slot: Int?) async throws -> Screen {
        try await state.archive.with { a in
            let l = try a.keyingLedger(id)
            guard l.pages.contains(where: { $0.number == page }) else {
                throw HosoError(.keyingNotFound, .both("Sổ không có trang này", "The ledger has no such page"), location: "page")
            }
            let draft = try a.keyingDraft(id, person: s.user.name)
            let mine = draft.entries.filter { $0.page == page }
            let keyers = try a.keyers(id, page: page)
            let next = (mine.map(\.slot).max() ?? 0) + 1
            return Screen(
                ledger: l, status: try a.keyingStatus(id), page: page, slot: min(max(slot ?? next, 1), 2000), mine: mine,
                finished: draft.donePages.contains(page), prefill: try a.pagePrefill(id, page: page),
                otherKeyers: keyers.count >= 2 && !keyers.prefix(2).contains(s.user.name))
        }
    }
}
