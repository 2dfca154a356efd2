import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The walk-in citizen at the counter, from a ledger entry found in the ledger browser: the request form beside the
/// ledger's own data (nothing retyped), the receipt with the appointment, the print screen with the signed PDF, and
/// the hand-over. Four screens after the search: form, receipt, print, handed over.
enum WalkInRoutes {
    static func add(
        clerks: some RouterMethods<HosoContext>, forms: some RouterMethods<HosoContext>, state: ServerState
    ) {
        clerks.get("/walk-in") { request, context -> Response in
            let s = try context.signedIn()
            let (ref, kind) = try entryParameters(
                ledger: request.uri.queryParameters.get("ledger"), number: request.uri.queryParameters.get("number"),
                kind: request.uri.queryParameters.get("kind"))
            let view = try await state.archive.with { try $0.ledgerEntry(ref) }
            try await state.audit(actor: s.user.name, action: "read", target: "ledger-entry:\(ref)", detail: "walk-in \(kind.rawValue)")
            return htmlResponse(formPage(context, s, view: view, kind: kind, form: nil, problems: []))
        }

        forms.post("/walk-in") { _, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let (ref, kind) = try entryParameters(ledger: form["ledger"], number: form["number"], kind: form["kind"])
            let intake = WalkInIntake(
                kind: kind, entryRef: ref, requesterId: form.value("requester-id") ?? "", identityChecked: form["id-checked"] == "1",
                relation: form.value("relation").flatMap(CitizenRequest.Relation.init(rawValue:)) ?? .holder,
                requesterName: form.value("requester") ?? "", proof: form.value("proof") ?? "", contact: form.value("contact") ?? "",
                askingBody: form.value("asking-body") ?? "", askingBodyReference: form.value("asking-body-ref") ?? "",
                copies: form.value("copies").map { Int($0) ?? 0 } ?? 1)
            do {
                let (id, _) = try await state.archive.with { try $0.walkInRequest(intake, clerk: s.user.name) }
                try await state.audit(actor: s.user.name, action: "create", target: "request:\(id)", detail: "walk-in \(ref)")
                return redirect("/requests/\(id)/receipt")
            } catch let e as HosoProblems {
                let view = try await state.archive.with { try $0.ledgerEntry(ref) }
                return htmlResponse(formPage(context, s, view: view, kind: kind, form: form, problems: e.problems), status: .badRequest)
            }
        }

        clerks.get("/requests/:id/receipt") { _, context -> Response in
            let s = try context.signedIn()
            let id = try ClerkRoutes.requestId(context)
            let receipt = try await state.archive.with { try $0.receipt(id) }
            try await state.audit(actor: s.user.name, action: "read", target: "request:\(id)", detail: "receipt")
            return htmlResponse(receiptPage(context, s, receipt, officeReady: state.config.officeIdentity != nil))
        }

        clerks.get("/requests/:id/print") { _, context -> Response in
            let s = try context.signedIn()
            let id = try ClerkRoutes.requestId(context)
            let (r, settings) = try await state.archive.with { a in (try a.request(id).request, try a.officeSettings()) }
            try await state.audit(actor: s.user.name, action: "read", target: "request:\(id)", detail: "print")
            return htmlResponse(printPage(context, s, id: id, r, settings: settings, form: nil, problems: []))
        }

        forms.post("/requests/:id/hand-over") { _, context -> Response in
            let s = try context.signedIn()
            let id = try ClerkRoutes.requestId(context)
            let form = try context.submittedForm()
            do {
                let r = try await state.archive.with { try $0.handOver(id, to: form["recipient"] ?? "", clerk: s.user.name) }
                try await state.audit(actor: s.user.name, action: "hand-over", target: "request:\(id)", detail: r.handedOver?.to ?? "")
                return redirect("/requests/\(id)/print")
            } catch let e as HosoError where e.code == .badRequestInput {
                let (r, settings) = try await state.archive.with { a in (try a.request(id).request, try a.officeSettings()) }
                return htmlResponse(printPage(context, s, id: id, r, settings: settings, form: form, problems: [e]), status: .badRequest)
            }
        }
    }

    /// The ledger entry ("LEDGER#NUMBER") and the kind of request, from the query or the form.
    static func entryParameters(ledger: String?, number: String?, kind: String?) throws -> (String, CitizenRequest.Kind) {
        guard let ledger, !ledger.isEmpty, ledger.count <= 200, !ledger.contains("#"), let n = number.flatMap({ Int($0) }), n > 0 else {
            throw HosoError(.ledgerEntryNotFound, .both("Không có mục sổ gốc này", "No such ledger entry"))
        }
        return ("\(ledger)#\(n)", kind.flatMap(CitizenRequest.Kind.init(rawValue:)) ?? .copy)
    }

    /// Where the ledger browser's buttons lead for one entry.
    static func link(ledger: String, number: Int, kind: CitizenRequest.Kind) -> String {
        "/walk-in?ledger=\(GradeBookRoutes.queryEscape(ledger))&number=\(number)&kind=\(kind.rawValue)"
    }

    // MARK: - Screens

    /// The ledger browser's cell for one entry: take a copy request or a verification request for it.
    static func entryButtons(_ c: HosoContext, ledger: String, number: Int) -> HTML {
        el("td", [("class", "entry-actions")]) {
            el(
                "a", [("href", link(ledger: ledger, number: number, kind: .copy)), ("class", "button")],
                text: c.t("Nhận yêu cầu cấp bản sao", "Take a copy request"))
            " "
            el(
                "a", [("href", link(ledger: ledger, number: number, kind: .verification)), ("class", "button secondary")],
                text: c.t("Nhận yêu cầu xác minh", "Take a verification request"))
        }
    }

    static func title(_ c: HosoContext, _ kind: CitizenRequest.Kind) -> String {
        kind == .copy ? c.t("Nhận yêu cầu cấp bản sao", "Take a copy request") : c.t("Nhận yêu cầu xác minh", "Take a verification request")
    }

    /// "2008-05-17" as "17/05/2008".
    static func date(_ iso: String) -> String { LedgerEntryView.vietnameseDate(iso) }

    /// What the ledger says, for the clerk to compare with the identity document shown.
    static func ledgerCard(_ c: HosoContext, _ v: LedgerEntryView) -> HTML {
        el("section", [("class", "card"), ("id", "ledger-data")]) {
            el("h2", text: c.t("Theo sổ gốc", "As the ledger records it"))
            el("dl") {
                for (label, value) in ledgerRows(c, v) where !value.isEmpty {
                    el("dt", text: label)
                    el("dd", text: value)
                }
            }
            if let rv = v.revocation {
                el(
                    "p", [("class", "error"), ("role", "alert")],
                    text: c.t("Văn bằng đã bị \(rv.kind.lowercased()): \(rv.reason)", "The diploma was revoked: \(rv.reason)"))
            }
        }
    }

    static func ledgerRows(_ c: HosoContext, _ v: LedgerEntryView) -> [(String, String)] {
        [
            (c.t("Họ và tên", "Full name"), v.text("fullName")), (c.t("Ngày sinh", "Date of birth"), date(v.text("dateOfBirth"))),
            (c.t("Nơi sinh", "Place of birth"), v.text("placeOfBirth")), (c.t("Số hiệu văn bằng", "Diploma serial"), v.serial),
            (c.t("Số vào sổ", "Ledger number"), String(v.ledgerNumber)), (c.t("Trường", "School"), v.school),
            (c.t("Năm tốt nghiệp", "Year"), String(v.year)),
            (c.t("Văn bằng", "Diploma"), LedgerEntryView.diplomaName(ledgerTitle: v.title) ?? v.title),
        ]
    }

    /// A labelled input with its error beside it and what was typed kept.
    static func input(
        _ c: HosoContext, _ name: String, _ label: String, form: Form?, problems: [HosoError], value: String = "",
        attrs: [(String, String?)] = []
    ) -> HTML {
        let error = problems.first { $0.location == name }
        return el("div", [("class", "field")]) {
            el("label", [("for", "f-" + name)], text: label)
            el(
                "input",
                [
                    ("name", name), ("id", "f-" + name), ("value", form?[name] ?? value),
                    ("aria-invalid", error == nil ? nil : "true"), ("aria-describedby", error == nil ? nil : "e-" + name),
                ] + attrs)
            fieldError(c, name, error)
        }
    }

    static func fieldError(_ c: HosoContext, _ name: String, _ e: HosoError?) -> HTML {
        guard let e else { return .empty }
        return el("span", [("class", "field-error"), ("id", "e-" + name), ("role", "alert")], text: c.t(e.message))
    }

    /// The request form beside the ledger's data: what the clerk checks and types, never the ledger's own fields.
    static func formPage(
        _ c: HosoContext, _ s: Session, view v: LedgerEntryView, kind: CitizenRequest.Kind, form: Form?, problems: [HosoError]
    ) -> HTML {
        let fieldNames: Set<String> = [
            "requester-id", "id-checked", "relation", "requester", "proof", "contact", "asking-body", "asking-body-ref", "copies",
        ]
        let general = problems.filter { !fieldNames.contains($0.location ?? "") }
        let relation = form?["relation"] ?? CitizenRequest.Relation.holder.rawValue
        return Pages.layout(c, title: title(c, kind)) {
            if !general.isEmpty {
                el("ul", [("class", "errors"), ("role", "alert")]) { for p in general { el("li", text: c.t(p.message)) } }
            }
            el("div", [("class", "side-by-side")]) {
                ledgerCard(c, v)
                el("form", [("method", "post"), ("action", "/walk-in"), ("class", "card"), ("id", "walk-in")]) {
                    Pages.csrfField(s)
                    el("input", [("type", "hidden"), ("name", "ledger"), ("value", v.ledgerRecordId)])
                    el("input", [("type", "hidden"), ("name", "number"), ("value", String(v.ledgerNumber))])
                    el("input", [("type", "hidden"), ("name", "kind"), ("value", kind.rawValue)])
                    if kind == .copy {
                        el("fieldset") {
                            el("legend", text: c.t("Giấy tờ tùy thân xuất trình", "Identity document shown"))
                            input(
                                c, "requester-id", c.t("Số định danh cá nhân (12 chữ số)", "Personal ID number (12 digits)"), form: form,
                                problems: problems, attrs: [("inputmode", "numeric"), ("autocomplete", "off"), ("autofocus", "")])
                            el("div", [("class", "field check")]) {
                                el(
                                    "input",
                                    [
                                        ("type", "checkbox"), ("name", "id-checked"), ("id", "f-id-checked"), ("value", "1"),
                                        ("checked", form?["id-checked"] == "1" ? "" : nil), ("required", ""),
                                        ("aria-describedby", problems.contains { $0.location == "id-checked" } ? "e-id-checked" : nil),
                                    ])
                                el(
                                    "label", [("for", "f-id-checked")],
                                    text: c.t(
                                        "Đã đối chiếu giấy tờ tùy thân với sổ gốc bên cạnh",
                                        "The identity document was checked against the ledger beside it"))
                                fieldError(c, "id-checked", problems.first { $0.location == "id-checked" })
                            }
                        }
                        el("fieldset") {
                            el("legend", text: c.t("Người yêu cầu", "Who asks"))
                            // The radios alone in a group of their own (axe: a radio group holds nothing else).
                            el("fieldset") {
                                el("legend", text: c.t("Quan hệ với người được cấp văn bằng", "Relation to the holder"))
                                for r in CitizenRequest.Relation.allCases {
                                    el("div", [("class", "field check")]) {
                                        el(
                                            "input",
                                            [
                                                ("type", "radio"), ("name", "relation"), ("id", "f-relation-" + r.rawValue),
                                                ("value", r.rawValue),
                                                ("checked", relation == r.rawValue ? "" : nil),
                                            ])
                                        el(
                                            "label", [("for", "f-relation-" + r.rawValue)],
                                            text: r == .holder
                                                ? c.t(
                                                    "Chính người được cấp văn bằng (\(v.text("fullName")))",
                                                    "The holder (\(v.text("fullName")))")
                                                : c.t(ClerkRoutes.relationText(r)))
                                    }
                                }
                            }
                            input(
                                c, "requester",
                                c.t("Họ tên người yêu cầu (nếu không phải người được cấp)", "Requester's name (if not the holder)"),
                                form: form, problems: problems)
                            input(
                                c, "proof", c.t("Giấy tờ chứng minh quan hệ đã xuất trình", "Proof of the relationship shown"), form: form,
                                problems: problems)
                        }
                    } else {
                        input(
                            c, "asking-body", c.t("Cơ quan, đơn vị đề nghị xác minh", "Body asking for the verification"), form: form,
                            problems: problems, attrs: [("autofocus", "")])
                        input(c, "asking-body-ref", c.t("Số văn bản đề nghị", "Number of their letter"), form: form, problems: problems)
                    }
                    input(
                        c, "contact", c.t("Điện thoại hoặc địa chỉ liên hệ", "Telephone or address to reach them"), form: form,
                        problems: problems, attrs: [("autocomplete", "off")])
                    if kind == .copy {
                        input(
                            c, "copies", c.t("Số bản sao", "Number of copies"), form: form, problems: problems, value: "1",
                            attrs: [("type", "number"), ("min", "1"), ("max", "20")])
                    }
                    el(
                        "button", [("type", "submit"), ("id", "take-request")],
                        text: c.t("Tiếp nhận và in giấy hẹn", "Register and print the receipt"))
                }
            }
        }
    }

    /// What was asked for, in a sentence for the receipt.
    static func asked(_ c: HosoContext, _ r: CitizenRequest, entry: LedgerEntryView?) -> String {
        let diploma = entry.flatMap { LedgerEntryView.diplomaName(ledgerTitle: $0.title) } ?? c.t("văn bằng", "diploma")
        var about = "\(diploma) — \(r.holderName)"
        if let d = r.holderDateOfBirth { about += c.t(", sinh ngày \(date(d))", ", born \(date(d))") }
        if let sr = r.serial { about += c.t(", số hiệu \(sr)", ", serial \(sr)") }
        if let e = entry { about += ", \(e.school), \(e.year)" }
        switch r.kind {
        case .copy:
            return c.t("Cấp \(r.copies) bản sao từ sổ gốc: \(about)", "\(r.copies) copy(ies) from the ledger: \(about)")
        case .verification:
            let letter = r.askingBodyReference.map { c.t(" theo văn bản số \($0)", " as asked in letter \($0)") } ?? ""
            return c.t("Xác minh văn bằng\(letter): \(about)", "Verification of the diploma\(letter): \(about)")
        }
    }

    /// The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả), printable; then the issue button.
    static func receiptPage(_ c: HosoContext, _ s: Session, _ rc: RequestReceipt, officeReady: Bool) -> HTML {
        let r = rc.request
        let open = r.status == .received || r.status == .checked
        return Pages.layout(c, title: c.t("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "Receipt and appointment")) {
            el("section", [("class", "card receipt"), ("id", "receipt")]) {
                el("div", [("class", "receipt-head")]) {
                    el("p") {
                        el("span", text: rc.settings.superiorBody.uppercased())
                        el("br")
                        el("strong", [("id", "office-name")], text: rc.settings.officeName.uppercased())
                    }
                    el("p") {
                        el("strong", text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
                        el("br")
                        el("span", text: "Độc lập - Tự do - Hạnh phúc")
                    }
                }
                el("dl") {
                    el("dt", text: c.t("Số hồ sơ", "Request number"))
                    el("dd", [("id", "request-number")], text: rc.requestId)
                    el("dt", text: c.t("Tiếp nhận lúc", "Received"))
                    el("dd", [("id", "received")], text: rc.received)
                    el("dt", text: c.t("Người nộp", "Submitted by"))
                    el("dd", text: r.requesterName + (r.requesterId.map { c.t(" — số định danh \($0)", " — personal ID \($0)") } ?? ""))
                    if let contact = r.contact {
                        el("dt", text: c.t("Liên hệ", "Contact"))
                        el("dd", text: contact)
                    }
                    el("dt", text: c.t("Nội dung yêu cầu", "Requested"))
                    el("dd", [("id", "asked")], text: asked(c, r, entry: rc.entry))
                    el("dt", text: c.t("Hẹn trả kết quả", "Ready on"))
                    el("dd") {
                        c.t("trước \(rc.appointmentTime) ngày ", "before \(rc.appointmentTime) on ")
                        el("strong", [("id", "appointment")], text: rc.appointmentDate)
                    }
                    el("dt", text: c.t("Cán bộ tiếp nhận", "Received by"))
                    el("dd", text: r.clerk == s.user.name ? s.user.displayName : r.clerk)
                }
                el(
                    "p", [("class", "note")],
                    text: c.t(
                        "Khi nhận kết quả, xin mang theo giấy này và giấy tờ tùy thân.",
                        "When collecting the result, bring this receipt and an identity document."))
                el("div", [("class", "receipt-sign")]) {
                    el("p", text: c.t("Người nộp hồ sơ\n(ký, ghi rõ họ tên)", "Submitted by\n(signature, name)"))
                    el("p", text: c.t("Cán bộ tiếp nhận\n(ký, ghi rõ họ tên)", "Received by\n(signature, name)"))
                }
            }
            el("div", [("class", "actions no-print")]) {
                el(
                    "button", [("type", "button"), ("data-print", ""), ("id", "print-receipt")],
                    text: c.t("In giấy tiếp nhận", "Print the receipt"))
                if open {
                    el("form", [("method", "post"), ("action", "/requests/\(rc.requestId)/issue"), ("class", "inline-form")]) {
                        Pages.csrfField(s)
                        el("input", [("type", "hidden"), ("name", "next"), ("value", "print")])
                        el(
                            "button", [("type", "submit"), ("id", "issue"), ("disabled", officeReady ? nil : "")],
                            text: r.kind == .copy
                                ? c.t("Cấp bản sao có ký số", "Issue the signed copy")
                                : c.t("Trả lời xác minh (văn bản có ký số)", "Answer with a signed letter"))
                    }
                } else if !r.issued.isEmpty {
                    el("a", [("href", "/requests/\(rc.requestId)/print"), ("id", "to-print")], text: c.t("Màn hình in", "Print screen"))
                }
                el("a", [("href", "/requests/\(rc.requestId)")], text: c.t("Hồ sơ yêu cầu", "The request"))
            }
        }
    }

    /// The signed PDF shown in the page to print, and the hand-over.
    static func printPage(
        _ c: HosoContext, _ s: Session, id: String, _ r: CitizenRequest, settings: OfficeSettings, form: Form?, problems: [HosoError]
    ) -> HTML {
        let title =
            r.kind == .copy ? c.t("In bản sao", "Print the copy") : c.t("In văn bản trả lời xác minh", "Print the verification letter")
        return Pages.layout(c, title: title) {
            if r.issued.isEmpty {
                el("p", [("class", "note")], text: c.t("Chưa cấp: chưa có gì để in.", "Nothing issued yet: nothing to print."))
                el("p") { el("a", [("href", "/requests/\(id)/receipt")], text: c.t("← Giấy tiếp nhận", "← The receipt")) }
            } else {
                // The PDF beside the buttons, so printing and handing over need no scrolling.
                el("div", [("class", "print-screen")]) {
                    el("div", [("class", "pdfs")]) {
                        for i in r.issued.indices {
                            el(
                                "iframe",
                                [
                                    ("src", "/requests/\(id)/copies/\(i)?inline=1"), ("id", "pdf-\(i)"), ("class", "pdf"),
                                    ("title", c.t("Văn bản đã ký số", "The signed document")),
                                ])
                        }
                    }
                    el("div", [("class", "print-side no-print")]) {
                        el("section", [("class", "card")]) {
                            el("p", text: c.t("\(r.holderName) — đã ký số", "\(r.holderName) — signed"))
                            for (i, copy) in r.issued.enumerated() {
                                el(
                                    "a",
                                    [
                                        ("href", "/requests/\(id)/copies/\(i)?inline=1"), ("target", "_blank"), ("class", "button"),
                                        ("id", "print-copy-\(i)"), ("data-print", "pdf-\(i)"),
                                    ],
                                    text: r.kind == .copy
                                        ? c.t("In bản sao số \(copy.copyNumber)", "Print copy \(copy.copyNumber)")
                                        : c.t("In văn bản trả lời", "Print the letter"))
                            }
                        }
                        handOver(c, s, id: id, r, settings: settings, form: form, problems: problems)
                    }
                }
            }
            el("p", [("class", "no-print")]) { el("a", [("href", "/requests/\(id)")], text: c.t("Hồ sơ yêu cầu", "The request")) }
        }
    }

    static func handOver(
        _ c: HosoContext, _ s: Session, id: String, _ r: CitizenRequest, settings: OfficeSettings, form: Form?, problems: [HosoError]
    ) -> HTML {
        if let h = r.handedOver {
            return el("p", [("class", "card"), ("id", "handed-over")], text: handedOverText(c, h, settings: settings))
        }
        return el("form", [("method", "post"), ("action", "/requests/\(id)/hand-over"), ("class", "card no-print"), ("id", "hand-over")]) {
            Pages.csrfField(s)
            input(c, "recipient", c.t("Người nhận", "Received by"), form: form, problems: problems, value: r.requesterName)
            el("button", [("type", "submit"), ("id", "handed")], text: c.t("Đã trao cho người nhận", "Handed over"))
        }
    }

    static func handedOverText(_ c: HosoContext, _ h: CitizenRequest.HandOver, settings: OfficeSettings) -> String {
        let at = settings.local(h.at, "HH:mm dd/MM/yyyy")
        return c.t("Đã trao cho \(h.to) lúc \(at); cán bộ trao: \(h.by).", "Handed over to \(h.to) at \(at) by \(h.by).")
    }

    // Print: the page's own content only. The layout's header and the buttons are not printed.
    static let css = """
        .side-by-side { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
        .side-by-side > .card { flex: 1 1 22rem; }
        fieldset { border: 1px solid var(--line); border-radius: 4px; margin: .5rem 0; }
        .field { margin: .5rem 0; }
        .field > label { display: block; }
        .field > input:not([type=checkbox]):not([type=radio]) { display: block; width: 100%; margin-top: .2rem; }
        .field.check { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
        .field-error { display: block; flex-basis: 100%; color: var(--bad); font-size: .9em; }
        .receipt { max-width: 48rem; }
        .receipt-head, .receipt-sign { display: flex; justify-content: space-between; gap: 1rem; text-align: center; }
        .receipt-sign p { white-space: pre-line; min-height: 6rem; }
        a.button { display: inline-block; padding: .45rem .55rem; background: var(--accent); color: #fff; border-radius: 4px; text-decoration: none; }
        .print-screen { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
        .print-screen .pdfs { flex: 3 1 30rem; }
        .print-side { flex: 1 1 16rem; }
        iframe.pdf { display: block; width: 100%; height: 80vh; border: 1px solid var(--line); margin-bottom: 1rem; }
        @media print {
          header, .no-print { display: none !important; }
          body { background: #fff; }
          main { max-width: none; padding: 0; }
          .card { border: 0; }
        }
        """

    // Print buttons: `data-print=""` prints the page; `data-print="FRAME"` prints the PDF shown in that frame, or
    // opens it (the link's own target) when the browser keeps its PDF viewer to itself.
    static let js = """
        document.addEventListener('click', function (e) {
          var b = e.target.closest ? e.target.closest('[data-print]') : null;
          if (!b) { return; }
          var frame = b.dataset.print ? document.getElementById(b.dataset.print) : null;
          if (!b.dataset.print) { e.preventDefault(); window.print(); return; }
          try {
            if (frame && frame.contentWindow) { frame.contentWindow.focus(); frame.contentWindow.print(); e.preventDefault(); }
          } catch (err) { /* the link opens the PDF instead */ }
        });
        """
}
