import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The clerk's screens: the request queue, one request (check the ledger entry, issue the copy or refuse), the PDF.
enum ClerkRoutes {
    static let roles: Set<Role> = [.clerk, .officeHead]

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let clerks = router.group().add(middleware: RequireRole(roles))
        let forms = clerks.group().add(middleware: RequireCSRF.form(limit: 64 * 1024))
        let newRequests = clerks.group().add(middleware: RequireCSRF.form(limit: 256 * 1024))
        WalkInRoutes.add(clerks: clerks, forms: forms, state: state)

        clerks.get("/requests") { request, context -> Response in
            let s = try context.signedIn()
            let all = request.uri.queryParameters.get("all") == "1"
            let list = try await state.archive.with { try $0.requests() }
            try await state.audit(actor: s.user.name, action: "read", target: "requests", detail: all ? "all" : "open")
            return htmlResponse(queuePage(context, s, list: list, all: all, problems: []))
        }

        newRequests.post("/requests") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            do {
                let (id, _) = try await state.archive.with { try $0.newRequest(try newRequest(from: form), clerk: s.user.name) }
                try await state.audit(actor: s.user.name, action: "create", target: "request:\(id)")
                return redirect("/requests/\(id)")
            } catch let e as HosoProblems {
                let list = try await state.archive.with { try $0.requests() }
                return htmlResponse(queuePage(context, s, list: list, all: false, problems: e.problems, form: form), status: .badRequest)
            } catch let e as HosoError where e.category.isCallerFault {
                let list = try await state.archive.with { try $0.requests() }
                return htmlResponse(queuePage(context, s, list: list, all: false, problems: [e], form: form), status: .badRequest)
            }
        }

        clerks.get("/requests/:id") { _, context -> Response in
            let s = try context.signedIn()
            let id = try requestId(context)
            let (r, entry, candidates) = try await state.archive.with { a in
                let (_, r) = try a.request(id)
                let entry = Result { try a.ledgerEntry(entryRef(of: r)) }
                let open = r.status == .received || r.status == .checked
                let candidates = open && (try? entry.get()) == nil ? (try? a.candidateEntries(for: r)) ?? [] : []
                return (r, entry, candidates)
            }
            try await state.audit(
                actor: s.user.name, action: "read", target: "request:\(id)",
                detail: (try? entry.get().ref).map { "entry \($0)" } ?? "")
            let settings = try await state.archive.with { try $0.officeSettings() }
            return htmlResponse(
                requestPage(
                    context, s, id: id, request: r, entry: entry, candidates: candidates,
                    officeReady: state.config.officeIdentity != nil, settings: settings))
        }

        forms.post("/requests/:id/issue") { _, context -> Response in
            let s = try context.signedIn()
            let id = try requestId(context)
            let next = try context.submittedForm()["next"]
            guard let office = state.config.officeIdentity else {
                throw HosoError(
                    .notOfficeSigner,
                    .both(
                        "Máy chủ chưa được cài khóa ký của cơ quan; hãy báo người quản trị hệ thống",
                        "The server has no office signing key; tell the system administrator"))
            }
            let detail = try await state.archive.with { a in
                try issueOrAnswer(a, id: id, office: office, state: state, clerk: s.user.name).detail
            }
            try await state.audit(actor: s.user.name, action: "issue", target: "request:\(id)", detail: detail)
            // From the walk-in receipt, straight on to printing what was issued.
            return redirect(next == "print" ? "/requests/\(id)/print" : "/requests/\(id)")
        }

        forms.post("/requests/:id/refuse") { request, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let id = try requestId(context)
            _ = try await state.archive.with { try $0.refuseRequest(id, reason: form["reason"] ?? "", clerk: s.user.name) }
            try await state.audit(actor: s.user.name, action: "refuse", target: "request:\(id)")
            return redirect("/requests/\(id)")
        }

        // The clerk names the ledger entry a request means when the request did not (an online request without the
        // serial): chosen among the candidates its page lists.
        forms.post("/requests/:id/entry") { _, context -> Response in
            let s = try context.signedIn()
            let form = try context.submittedForm()
            let id = try requestId(context)
            let entry = form["entry"] ?? ""
            _ = try await state.archive.with { try $0.attachEntry(request: id, entryRef: entry, clerk: s.user.name) }
            try await state.audit(actor: s.user.name, action: "check", target: "request:\(id)", detail: "entry \(entry)")
            return redirect("/requests/\(id)")
        }

        clerks.get("/requests/:id/copies/:n") { request, context -> Response in
            let s = try context.signedIn()
            let id = try requestId(context)
            let (pdf, number) = try await copyPDF(state: state, requestId: id, index: context.parameters.get("n") ?? "")
            try await state.audit(actor: s.user.name, action: "download", target: "copy:\(number)", detail: "request \(id)")
            return pdfResponse(
                pdf, fileName: "ban-sao-\(number.replacingOccurrences(of: "/", with: "-")).pdf",
                inline: request.uri.queryParameters.get("inline") == "1")
        }
    }

    /// A copy request gets its signed copy; a verification request its signed letter (the finding on what was
    /// presented). Both are recorded on the request, so the same download route serves them.
    static func issueOrAnswer(
        _ a: Archive, id: String, office: SigningIdentity, state: ServerState, clerk: String
    ) throws
        -> (detail: String, copy: Archive.IssuedCopyResult?)
    {
        let (_, r) = try a.request(id)
        if r.kind == .verification {
            let answer = try a.answerVerification(requestId: id, signer: office, timestamp: state.config.timestamp, clerk: clerk).answer
            return ("verification letter: \(answer.finding.rawValue)", nil)
        }
        let result = try a.issueCopy(
            entryRef: entryRef(of: r), requestId: id, signer: office, timestamp: state.config.timestamp, clerk: clerk)
        return ("copy \(result.register.printedNumber)", result)
    }

    /// Route parameters are names, never paths: anything but the register's own id alphabet is not found.
    static func requestId(_ context: HosoContext) throws -> String {
        guard let id = context.parameters.get("id"), id.range(of: #"^[A-Za-z0-9._-]{1,64}$"#, options: .regularExpression) != nil,
            !id.hasPrefix(".")
        else {
            throw HosoError(.requestNotFound, .both("Không có yêu cầu này", "No such request"))
        }
        return id
    }

    static func copyPDF(state: ServerState, requestId id: String, index: String) async throws -> ([UInt8], String) {
        try await state.archive.with { a in
            let (_, r) = try a.request(id)
            guard let n = Int(index), r.issued.indices.contains(n) else {
                throw HosoError(.copyNotFound, .both("Không có bản sao này", "No such copy"), location: "\(id)/\(index)")
            }
            let copy = r.issued[n]
            return (try a.read(try a.resolve(copy.document)), copy.copyNumber)
        }
    }

    /// `inline`: shown in the browser, framed by the print screen (`WalkInRoutes`); otherwise downloaded.
    static func pdfResponse(_ pdf: [UInt8], fileName: String, inline: Bool = false) -> Response {
        var headers: HTTPFields = [
            .contentType: "application/pdf", .contentDisposition: "\(inline ? "inline" : "attachment"); filename=\"\(fileName)\"",
        ]
        if inline { headers[.contentSecurityPolicy] = SecurityHeadersMiddleware.framedBySelf }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
    }

    /// The ledger entry a request names: its serial, else its ledger and number.
    static func entryRef(of r: CitizenRequest) -> String {
        if let serial = r.serial { return serial }
        return "\(r.ledgerRecordId ?? "")#\(r.ledgerNumber ?? 0)"
    }

    static func newRequest(from f: Form) throws -> NewCitizenRequest {
        var problems = [HosoError]()
        func choice<T: RawRepresentable>(_ name: String, _ fallback: T) -> T where T.RawValue == String {
            guard let v = f.value(name) else { return fallback }
            guard let c = T(rawValue: v) else {
                problems.append(HosoError(.badRequestInput, .both("Giá trị không hợp lệ", "Invalid value"), location: name))
                return fallback
            }
            return c
        }
        let kind: CitizenRequest.Kind = choice("kind", .copy)
        let relation: CitizenRequest.Relation = choice("relation", .holder)
        let channel: CitizenRequest.Channel = choice("channel", .inPerson)
        var number: Int?
        if let n = f.value("ledger-number") {
            number = Int(n)
            if number == nil {
                problems.append(
                    HosoError(
                        .badRequestInput, .both("Số vào sổ phải là số", "The ledger number must be a number"), location: "ledger-number"))
            }
        }
        var copies = 1
        if let c = f.value("copies") {
            guard let n = Int(c) else {
                problems.append(
                    HosoError(.badRequestInput, .both("Số bản sao phải là số", "The number of copies must be a number"), location: "copies")
                )
                throw HosoProblems(problems)
            }
            copies = n
        }
        if !problems.isEmpty { throw HosoProblems(problems) }
        return NewCitizenRequest(
            kind: kind, requesterName: f.value("requester") ?? "", requesterId: f.value("requester-id"),
            relation: relation, proof: f.value("proof"), holderName: f.value("holder") ?? "",
            holderDateOfBirth: f.value("holder-dob").map { OnlineRequestForm.isoDate($0) ?? $0 }, serial: f.value("serial"),
            ledgerRecordId: f.value("ledger"),
            ledgerNumber: number, askingBody: f.value("asking-body"), channel: channel, copies: copies)
    }

    static func statusText(_ s: CitizenRequest.Status) -> LocalizedText {
        switch s {
        case .received: return .both("Đã tiếp nhận", "Received")
        case .checked: return .both("Đã kiểm tra", "Checked")
        case .issued: return .both("Đã cấp", "Issued")
        case .refused: return .both("Từ chối", "Refused")
        }
    }

    static func relationText(_ r: CitizenRequest.Relation) -> LocalizedText {
        switch r {
        case .holder: return .both("Chính người được cấp", "The holder")
        case .representative: return .both("Người đại diện", "Representative")
        case .relative: return .both("Thân nhân", "Relative")
        }
    }

    static func kindText(_ k: CitizenRequest.Kind) -> LocalizedText {
        k == .copy ? .both("Cấp bản sao", "Copy") : .both("Xác minh", "Verification")
    }

    /// Times are shown in local time (Vietnam's one time zone; the office's own offset where a page has its settings).
    static func local(_ iso: String) -> String { Wording.time(iso) }

    // MARK: - Pages

    static func queuePage(
        _ c: HosoContext, _ s: Session, list: [RequestListing], all: Bool, problems: [HosoError],
        form: Form? = nil
    ) -> HTML {
        let shown = all ? list : list.filter { $0.request.status == .received || $0.request.status == .checked }
        let overdue = list.filter(\.overdue).count
        return Pages.layout(c, title: c.t("Yêu cầu cấp bản sao và xác minh", "Copy and verification requests")) {
            el("p") {
                c.t("\(shown.count) yêu cầu", "\(shown.count) requests")
                if overdue > 0 {
                    " · "
                    el("span", [("class", "badge overdue")], text: c.t("\(overdue) quá hạn", "\(overdue) overdue"))
                }
                " · "
                if all {
                    el("a", [("href", "/requests")], text: c.t("Chỉ yêu cầu đang mở", "Open requests only"))
                } else {
                    el("a", [("href", "/requests?all=1")], text: c.t("Tất cả yêu cầu", "All requests"))
                }
            }
            queueTable(c, shown)
            newRequestForm(c, s, problems: problems, form: form)
        }
    }

    /// The requests shown, overdue ones marked.
    static func queueTable(_ c: HosoContext, _ shown: [RequestListing]) -> HTML {
        el("div", [("class", "table-wrap")]) {
            el("table", [("id", "queue")]) {
                el("thead") {
                    el("tr") {
                        for h in [
                            c.t("Mã", "Id"), c.t("Loại", "Kind"), c.t("Người được cấp", "Holder"), c.t("Người yêu cầu", "Requester"),
                            c.t("Tiếp nhận", "Received"), c.t("Hạn trả", "Due"), c.t("Trạng thái", "Status"),
                        ] {
                            el("th", text: h)
                        }
                    }
                }
                el("tbody") {
                    for l in shown {
                        el("tr", [("class", l.overdue ? "overdue" : nil), ("data-id", l.id)]) {
                            el("td") { el("a", [("href", "/requests/\(l.id)")], text: l.id) }
                            el("td") {
                                c.t(kindText(l.request.kind))
                                if l.request.channel == .online {
                                    " "
                                    el("span", [("class", "badge online")], text: c.t("Trực tuyến", "Online"))
                                    if l.request.online != nil {
                                        " "
                                        el("a", [("href", "/requests/\(l.id)/proof"), ("class", "proof")], text: c.t("Giấy tờ", "Proof"))
                                    }
                                }
                            }
                            el("td", text: l.request.holderName)
                            el("td", text: l.request.requesterName)
                            el("td", text: local(l.request.receivedAt))
                            el("td") {
                                local(l.request.deadline)
                                if l.overdue {
                                    " "
                                    el("span", [("class", "badge overdue")], text: c.t("quá hạn", "overdue"))
                                }
                            }
                            el("td", text: c.t(statusText(l.request.status)))
                        }
                    }
                }
            }
        }
    }

    /// The form that registers a walk-in, posted or online request, with the problems of the last attempt.
    static func newRequestForm(_ c: HosoContext, _ s: Session, problems: [HosoError], form: Form?) -> HTML {
        group {
            el("h2", text: c.t("Tiếp nhận yêu cầu mới", "Register a new request"))
            if !problems.isEmpty {
                // The alert wraps the list (a list given the alert role stops being a list to screen readers); each
                // problem is named by its field's label, never by the form's field key.
                el("div", [("role", "alert")]) {
                    el("ul", [("class", "errors")]) {
                        for p in problems {
                            el("li", text: (p.location.flatMap { fieldLabels[$0] }.map { "\(c.t($0)): " } ?? "") + c.t(p.message))
                        }
                    }
                }
            }
            el("form", [("method", "post"), ("action", "/requests"), ("class", "card"), ("id", "new-request")]) {
                Pages.csrfField(s)
                select(c, "kind", c.t("Loại yêu cầu", "Kind"), CitizenRequest.Kind.allCases.map { ($0.rawValue, c.t(kindText($0))) }, form)
                field("requester", c.t("Họ tên người yêu cầu", "Requester's name"), form)
                field("requester-id", c.t("Số định danh (12 chữ số)", "Citizen ID (12 digits)"), form)
                select(
                    c, "relation", c.t("Quan hệ", "Relation"),
                    CitizenRequest.Relation.allCases.map { ($0.rawValue, c.t(relationText($0))) }, form)
                field("proof", c.t("Giấy tờ chứng minh quan hệ", "Proof of the relationship"), form)
                field("holder", c.t("Họ tên người được cấp văn bằng", "Holder's name"), form)
                field("holder-dob", c.t("Ngày sinh (dd/mm/yyyy)", "Date of birth (dd/mm/yyyy)"), form)
                field("serial", c.t("Số hiệu văn bằng", "Diploma serial"), form)
                field("ledger", c.t("Hoặc: mã sổ gốc", "Or: ledger id"), form)
                field("ledger-number", c.t("và số vào sổ", "and ledger number"), form)
                field("asking-body", c.t("Cơ quan đề nghị xác minh", "Agency asking (verification)"), form)
                select(
                    c, "channel", c.t("Hình thức", "Channel"),
                    [
                        ("in-person", c.t("Trực tiếp", "In person")), ("post", c.t("Bưu điện", "Post")),
                        ("online", c.t("Trực tuyến", "Online")),
                    ], form)
                field("copies", c.t("Số bản", "Copies"), form, value: "1")
                el("button", [("type", "submit"), ("id", "create-request")], text: c.t("Tiếp nhận", "Register"))
            }
        }
    }

    /// The new-request form's fields by the key a problem names, for its message.
    static let fieldLabels: [String: LocalizedText] = [
        "kind": .both("Loại yêu cầu", "Kind"), "requester": .both("Họ tên người yêu cầu", "Requester's name"),
        "requester-id": .both("Số định danh", "Citizen ID"), "relation": .both("Quan hệ", "Relation"),
        "proof": .both("Giấy tờ chứng minh quan hệ", "Proof of the relationship"),
        "holder": .both("Họ tên người được cấp văn bằng", "Holder's name"), "holder-dob": .both("Ngày sinh", "Date of birth"),
        "serial": .both("Số hiệu văn bằng", "Diploma serial"), "ledger": .both("Sổ gốc", "Ledger"),
        "ledger-number": .both("Số vào sổ", "Ledger number"), "asking-body": .both("Cơ quan đề nghị xác minh", "Agency asking"),
        "channel": .both("Hình thức", "Channel"), "copies": .both("Số bản", "Copies"),
    ]

    static func field(_ name: String, _ label: String, _ form: Form?, value: String? = nil) -> HTML {
        el("label") {
            label
            el("input", [("name", name), ("id", "f-" + name), ("value", form?[name] ?? value ?? "")])
        }
    }

    static func select(_ c: HosoContext, _ name: String, _ label: String, _ options: [(String, String)], _ form: Form?) -> HTML {
        el("label") {
            label
            el("select", [("name", name), ("id", "f-" + name)]) {
                for (v, t) in options { el("option", [("value", v), ("selected", form?[name] == v ? "" : nil)], text: t) }
            }
        }
    }

    static func requestPage(
        _ c: HosoContext, _ s: Session, id: String, request r: CitizenRequest, entry: Result<LedgerEntryView, any Error>,
        candidates: [Archive.EntryRow] = [], officeReady: Bool, settings: OfficeSettings = .defaults
    ) -> HTML {
        let open = r.status == .received || r.status == .checked
        return Pages.layout(c, title: c.t("Yêu cầu \(id)", "Request \(id)")) {
            requestDetails(c, r)
            if let h = r.handedOver {
                el("p", [("class", "card"), ("id", "handed-over")], text: WalkInRoutes.handedOverText(c, h, settings: settings))
            }
            el("p") {
                el("a", [("href", "/requests/\(id)/receipt"), ("id", "to-receipt")], text: c.t("Giấy tiếp nhận", "Receipt"))
                if !r.issued.isEmpty {
                    " · "
                    el(
                        "a", [("href", "/requests/\(id)/print"), ("id", "to-print")],
                        text: c.t("Màn hình in và trao kết quả", "Print and hand over"))
                }
            }
            el("h2", text: c.t("Đối chiếu sổ gốc", "The ledger entry"))
            switch entry {
            case .success(let v):
                entryCard(c, v)
            case .failure(let e):
                el("p", [("class", "error"), ("id", "entry-missing")], text: (e as? HosoError).map { c.t($0.message) } ?? "\(e)")
                if open { candidateList(c, s, id: id, candidates) }
            }
            if !r.issued.isEmpty {
                el("h2", text: r.kind == .copy ? c.t("Bản sao đã cấp", "Copies issued") : c.t("Văn bản trả lời", "Answer letter"))
                el("ul", [("id", "copies")]) {
                    for (i, copy) in r.issued.enumerated() {
                        el("li") {
                            el(
                                "a", [("href", "/requests/\(id)/copies/\(i)"), ("class", "download")],
                                text: c.t("Tải văn bản số \(copy.copyNumber) (PDF)", "Download document \(copy.copyNumber) (PDF)"))
                        }
                    }
                }
            }
            if open { requestActions(c, s, id: id, r, officeReady: officeReady) }
            el("p") { el("a", [("href", "/requests")], text: c.t("← Danh sách yêu cầu", "← All requests")) }
        }
    }

    /// What the request says: who asks, for whom, which diploma, when it is due, and why it was refused.
    static func requestDetails(_ c: HosoContext, _ r: CitizenRequest) -> HTML {
        el("section", [("class", "card")]) {
            el("dl", [("id", "request")]) {
                el("dt", text: c.t("Loại", "Kind"))
                el("dd", text: c.t(kindText(r.kind)))
                el("dt", text: c.t("Trạng thái", "Status"))
                el("dd", [("id", "status")], text: c.t(statusText(r.status)))
                el("dt", text: c.t("Người yêu cầu", "Requester"))
                el("dd", text: r.requesterName + (r.requesterId.map { " (\($0))" } ?? ""))
                el("dt", text: c.t("Quan hệ", "Relation"))
                el("dd", text: c.t(relationText(r.relation)) + (r.proof.map { " — \($0)" } ?? ""))
                el("dt", text: c.t("Người được cấp", "Holder"))
                el("dd", text: r.holderName + (r.holderDateOfBirth.map { ", \(WalkInRoutes.date($0))" } ?? ""))
                el("dt", text: c.t("Văn bằng", "Diploma"))
                el(
                    "dd",
                    text: r.serial.map { c.t("Số hiệu \($0)", "Serial \($0)") }
                        ?? r.ledgerNumber.map { c.t("Số vào sổ \($0)", "Ledger number \($0)") } ?? "")
                if let b = r.askingBody {
                    el("dt", text: c.t("Cơ quan hỏi", "Asking body"))
                    el("dd", text: b + (r.askingBodyReference.map { c.t(", văn bản số \($0)", ", letter \($0)") } ?? ""))
                }
                if let contact = r.contact {
                    el("dt", text: c.t("Liên hệ", "Contact"))
                    el("dd", text: contact)
                }
                el("dt", text: c.t("Tiếp nhận", "Received"))
                el("dd", text: local(r.receivedAt) + " · " + r.clerk)
                el("dt", text: c.t("Hạn trả", "Due"))
                el("dd", text: local(r.deadline))
                if let why = r.refusalReason {
                    el("dt", text: c.t("Lý do từ chối", "Reason refused"))
                    el("dd", [("id", "refusal")], text: why)
                }
            }
        }
    }

    /// Issue (a signed copy or letter) or refuse, for a request still open.
    static func requestActions(_ c: HosoContext, _ s: Session, id: String, _ r: CitizenRequest, officeReady: Bool) -> HTML {
        el("div", [("class", "actions")]) {
            do {
                el("form", [("method", "post"), ("action", "/requests/\(id)/issue"), ("class", "card")]) {
                    Pages.csrfField(s)
                    if !officeReady {
                        el(
                            "p", [("class", "note")],
                            text: c.t(
                                "Máy chủ chưa có khóa ký của cơ quan: không cấp được bản sao.",
                                "The server has no office signing key: copies cannot be issued."))
                    }
                    el(
                        "button", [("type", "submit"), ("id", "issue"), ("disabled", officeReady ? nil : "")],
                        text: r.kind == .copy
                            ? c.t("Cấp bản sao có ký số", "Issue the signed copy")
                            : c.t("Trả lời xác minh (văn bản có ký số)", "Answer with a signed letter"))
                }
            }
            el(
                "form",
                [
                    ("method", "post"), ("action", "/requests/\(id)/refuse"), ("class", "card"),
                    ("data-confirm", c.t("Từ chối yêu cầu này?", "Refuse this request?")),
                ]
            ) {
                Pages.csrfField(s)
                if r.channel == .online {
                    el(
                        "p", [("class", "note")],
                        text: c.t(
                            "Người nộp trực tuyến sẽ thấy lý do này ở trang tình trạng hồ sơ.",
                            "The citizen who filed online sees this reason on the status page."))
                }
                el("label") {
                    c.t("Lý do từ chối", "Reason for refusing")
                    el("textarea", [("name", "reason"), ("id", "reason"), ("required", ""), ("rows", "2")])
                }
                el("button", [("type", "submit"), ("class", "danger"), ("id", "refuse")], text: c.t("Từ chối", "Refuse"))
            }
        }
    }

    /// The ledger entry the request names, with its corrections and any revocation.
    /// Entries that may be the one the request means, each with the button that names it (the clerk compares them
    /// with the request's details above first).
    static func candidateList(_ c: HosoContext, _ s: Session, id: String, _ rows: [Archive.EntryRow]) -> HTML {
        group {
            if rows.isEmpty {
                el(
                    "p", [("id", "no-candidates")],
                    text: c.t(
                        "Không tìm thấy dòng sổ gốc nào theo họ tên người được cấp; hãy tra sổ gốc hoặc từ chối yêu cầu với lý do.",
                        "No ledger entry was found by the holder's name; search the ledgers, or refuse the request with a reason."))
            } else {
                el(
                    "p",
                    text: c.t(
                        "Các dòng sổ gốc có thể đúng (so với thông tin của yêu cầu ở trên rồi chọn):",
                        "Ledger entries that may be the one (compare them with the request above, then choose):"))
                el("table", [("id", "candidates")]) {
                    el("thead") {
                        el("tr") {
                            for h in [
                                c.t("Họ và tên", "Full name"), c.t("Ngày sinh", "Date of birth"), c.t("Trường", "School"),
                                c.t("Năm", "Year"), c.t("Số hiệu văn bằng", "Serial"), c.t("Chọn", "Choose"),
                            ] {
                                el("th", [("scope", "col")], text: h)
                            }
                        }
                    }
                    el("tbody") {
                        for (i, e) in rows.enumerated() {
                            el("tr") {
                                el("td", text: e.fullName)
                                el("td", text: Wording.date(e.dateOfBirth))
                                el("td", text: e.school)
                                el("td", text: String(e.year))
                                el("td", text: e.serial)
                                el("td") {
                                    el("form", [("method", "post"), ("action", "/requests/\(id)/entry")]) {
                                        Pages.csrfField(s)
                                        el("input", [("type", "hidden"), ("name", "entry"), ("value", "\(e.recordId)#\(e.ledgerNumber)")])
                                        el(
                                            "button",
                                            [
                                                ("type", "submit"), ("id", "choose-\(i)"),
                                                ("aria-label", c.t("Chọn dòng của \(e.fullName)", "Choose the entry of \(e.fullName)")),
                                            ], text: c.t("Đúng dòng này", "This one"))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func entryCard(_ c: HosoContext, _ v: LedgerEntryView) -> HTML {
        el("section", [("class", "card"), ("id", "entry")]) {
            el("dl") {
                el("dt", text: c.t("Sổ gốc", "Ledger"))
                el("dd", text: "\(LedgerEntryView.diplomaName(ledgerTitle: v.title) ?? v.title), \(v.year)")
                el("dt", text: c.t("Trường", "School"))
                el("dd", text: v.school)
                for (key, vi, en) in entryFields {
                    if let value = v.entry[key] {
                        el("dt", text: c.t(vi, en))
                        el("dd", text: key == "dateOfBirth" ? WalkInRoutes.date(value.text) : value.text)
                    }
                }
            }
            for corr in v.corrections {
                el(
                    "p", [("class", "note")],
                    text: c.t(
                        "Đã đính chính\(corr.decision.map { " theo quyết định \($0)" } ?? ""): \(fieldNames(c, corr.fields))",
                        "Corrected\(corr.decision.map { " by decision \($0)" } ?? ""): \(fieldNames(c, corr.fields))"))
            }
            if let rv = v.revocation {
                el(
                    "p", [("class", "error"), ("role", "alert")],
                    text: c.t(
                        "Văn bằng đã bị \(rv.kind.lowercased()) (\(rv.decision ?? "")): \(rv.reason)",
                        "The diploma was revoked (\(rv.decision ?? "")): \(rv.reason)"))
            }
        }
    }

    /// Ledger columns named as the ledger's headings name them.
    static func fieldNames(_ c: HosoContext, _ keys: [String]) -> String {
        keys.map { k in entryFields.first { $0.0 == k }.map { c.t($0.1, $0.2) } ?? k }.joined(separator: ", ")
    }

    static let entryFields: [(String, String, String)] = [
        ("fullName", "Họ và tên", "Full name"), ("dateOfBirth", "Ngày sinh", "Date of birth"),
        ("placeOfBirth", "Nơi sinh", "Place of birth"),
        ("sex", "Giới tính", "Sex"), ("ethnicity", "Dân tộc", "Ethnicity"), ("graduationGrade", "Xếp loại", "Grade"),
        ("serial", "Số hiệu văn bằng", "Serial"), ("ledgerNumber", "Số vào sổ", "Ledger number"),
    ]
}
