import Foundation
import HTTPTypes
import HosoKit
import Hummingbird

/// How much the public online requests may cost the office (`hoso serve --online-pow-bits`).
public struct OnlineLimits: Sendable {
    /// Leading zero bits of SHA-256 the form's script must find (16: about a second on a phone).
    public var powBits = 16
    /// Filings per client address: a bucket of `filingBurst`, refilled at `filingsPerHour`.
    public var filingsPerHour = 10.0
    public var filingBurst = 5
    /// Wrong tracking code + ID digit pairs for one code before it is locked for 15 minutes.
    public var wrongTries = 5

    public init() {}
}

/// The public site's online requests (dịch vụ công trực tuyến): the filing form (a copy of a diploma, or a body's
/// verification request) with its proof, the status page by tracking code and the last four digits of the holder's
/// ID, and the download of the signed document with the same two; and, for clerks, the uploaded proof. No account:
/// a proof of work stands for the CSRF token and against scripted filings, with per-address rate limits.
enum OnlineRequestRoutes {
    /// The form and its proof (at most 5 MB) with room for the fields and the multipart framing.
    static let maxBody = OnlineRequestForm.maxProofBytes + (256 << 10)

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) throws {
        let limits = state.config.online
        // The key and the spent challenges in the server database: on a hub, every application server checks the
        // challenges of the others (a load balancer need not keep a citizen on one).
        let store = state.store
        let pow = try ProofOfWork(
            bits: limits.powBits, key: try store.sharedSecret("online-proof-of-work"),
            spend: { token, expires, now in try store.spend("pow:" + token, expires: expires, now: now) })
        // Counted in the server database: on a hub, a code's tries are the same on every application server.
        let tries = AttemptLimiter(
            limit: limits.wrongTries,
            take: { key, limit, window, now in try store.takeTry("track:" + key, limit: limit, window: window, now: now) },
            giveBack: { key in try store.giveBackTry("track:" + key) })
        var filingLimits = state.config.publicChecks
        filingLimits.perMinute = limits.filingsPerHour / 60
        filingLimits.burst = limits.filingBurst
        let filings = RateLimiter(limits: filingLimits)

        let pages = router.group().add(middleware: PublicRateLimit(limiter: state.publicRate))
        pages.get("/online") { request, context -> Response in
            var form = OnlineRequestForm()
            form.kind = request.uri.queryParameters.get("kind") == "verification" ? "verification" : "copy"
            return htmlResponse(formPage(context, form: form, problems: [], challenge: try pow.issue(now: state.now), bits: pow.bits))
        }

        router.group().add(middleware: PublicRateLimit(limiter: filings)).post("/online") { request, context -> Response in
            let submitted = try await Form.read(request, limit: maxBody)
            let form = typed(submitted)
            func again(_ problems: [HosoError]) throws -> Response {
                htmlResponse(
                    formPage(context, form: form, problems: problems, challenge: try pow.issue(now: state.now), bits: pow.bits),
                    status: .badRequest)
            }
            do {
                let (challenge, nonce, now) = (submitted["pow-challenge"] ?? "", submitted["pow-nonce"] ?? "", state.now)
                try await state.blocking { try pow.redeem(challenge, nonce: nonce, now: now) }
            } catch let e as HosoError {
                return try again([e])
            }
            let proof = submitted.file("proof")?.bytes
            do {
                let (id, code, filed, settings) = try await state.archive.with { a in
                    let (id, code, r) = try a.fileOnlineRequest(form, proof: proof)
                    return (id, code, r, try a.officeSettings())
                }
                try await state.audit(actor: "public", action: "create", target: "request:\(id)", detail: "online \(context.remote)")
                return htmlResponse(acceptedPage(context, code: code, request: filed, settings: settings))
            } catch let e as HosoProblems {
                return try again(e.problems)
            }
        }

        pages.get("/online/status") { _, context -> Response in
            htmlResponse(statusPage(context, code: "", problem: nil, found: nil))
        }

        pages.post("/online/status") { request, context -> Response in
            let f = try await Form.read(request, limit: BodyLimits.forms)
            let (code, digits) = (f["code"] ?? "", f["digits"] ?? "")
            do {
                let found = try await lookup(state, tries: tries, code: code, digits: digits, context: context, action: "status")
                return htmlResponse(statusPage(context, code: code, problem: nil, found: found))
            } catch let e as HosoError where e.category.isCallerFault || e.code == .trackingLocked {
                return htmlResponse(statusPage(context, code: String(code.prefix(20)), problem: e, found: nil), status: .badRequest)
            }
        }

        pages.post("/online/download") { request, context -> Response in
            let f = try await Form.read(request, limit: BodyLimits.forms)
            let (code, digits) = (f["code"] ?? "", f["digits"] ?? "")
            do {
                let key = try trackingKey(code)
                let now = state.now
                try await state.blocking { try tries.take(key, now: now) }
                let given: Archive.GivenDocument
                do {
                    given = try await state.archive.with {
                        try $0.downloadOnline(code: code, idDigits: digits, index: Int(f["n"] ?? "") ?? -1)
                    }
                } catch let e as HosoError where e.code == .trackingUnknown {
                    try await state.audit(actor: "public", action: "download-refused", target: "online", detail: context.remote)
                    throw e
                }
                try await state.blocking { try tries.succeeded(key) }
                try await state.audit(actor: "public", action: "download", target: "request:\(given.document)", detail: context.remote)
                var headers = HTTPFields()
                headers[.contentType] = "application/pdf"
                headers[.contentDisposition] = "attachment; filename=\"van-ban.pdf\""
                headers[.cacheControl] = "no-store"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: given.bytes)))
            } catch let e as HosoError where e.category.isCallerFault || e.code == .trackingLocked {
                return htmlResponse(statusPage(context, code: String(code.prefix(20)), problem: e, found: nil), status: .badRequest)
            }
        }

        // The proof a citizen uploaded: clerks only, every look audited; never on a public route.
        router.group().add(middleware: RequireRole(ClerkRoutes.roles)).get("/requests/:id/proof") { _, context -> Response in
            let s = try context.signedIn()
            let id = try ClerkRoutes.requestId(context)
            let (bytes, _) = try await state.archive.with { try $0.onlineProof(id) }
            try await state.audit(actor: s.user.name, action: "read", target: "request:\(id)", detail: "proof")
            // The type comes from the bytes again, never from the record (which a sync peer or a later revision could
            // make say text/html): only a PDF or an image is shown on the clerks' origin, anything else is a download.
            guard let type = ProofFile.type(of: bytes) else {
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"giay-to.bin\"",
                        .cacheControl: "no-store",
                    ],
                    body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
            let ext = type == "application/pdf" ? "pdf" : type == "image/png" ? "png" : "jpg"
            return Response(
                status: .ok,
                headers: [.contentType: type, .contentDisposition: "inline; filename=\"giay-to.\(ext)\"", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// The request for a code and digits; a wrong pair counts against the code and is in the access log.
    static func lookup(
        _ state: ServerState, tries: AttemptLimiter, code: String, digits: String, context: HosoContext, action: String
    ) async throws -> (id: String, request: CitizenRequest, settings: OfficeSettings) {
        let key = try trackingKey(code)
        let now = state.now
        try await state.blocking { try tries.take(key, now: now) }
        do {
            let found = try await state.archive.with { a in
                let (id, r) = try a.onlineRequest(code: code, idDigits: digits)
                return (id, r, try a.officeSettings())
            }
            try await state.blocking { try tries.succeeded(key) }
            return found
        } catch let e as HosoError where e.code == .trackingUnknown {
            try await state.audit(actor: "public", action: "\(action)-refused", target: "online", detail: context.remote)
            throw e
        }
    }

    /// Attempts are counted per code as typed once normalized. Text that is no code at all is refused before any
    /// count: were it one shared key, a few strangers' typos would lock everyone's mistyped codes.
    static func trackingKey(_ code: String) throws -> String {
        guard let key = TrackingCode.normalized(code) else {
            throw HosoError(
                .trackingUnknown,
                .both(
                    "Mã theo dõi hoặc 4 số cuối của số định danh không đúng; hãy kiểm tra lại.",
                    "The tracking code or the last 4 digits of the personal ID are wrong; check them again."))
        }
        return key
    }

    static func typed(_ f: Form) -> OnlineRequestForm {
        var o = OnlineRequestForm()
        o.kind = f["kind"] ?? ""
        o.holderName = f["holder"] ?? ""
        o.holderDateOfBirth = f["holder-dob"] ?? ""
        o.holderId = f["holder-id"] ?? ""
        o.diplomaKind = f["diploma-kind"] ?? ""
        o.school = f["school"] ?? ""
        o.year = f["year"] ?? ""
        o.serial = f["serial"] ?? ""
        o.requesterName = f["requester"] ?? ""
        o.relation = f["relation"] ?? ""
        o.askingBody = f["asking-body"] ?? ""
        o.phone = f["phone"] ?? ""
        o.email = f["email"] ?? ""
        return o
    }

    /// dd/mm/yyyy in the office's time zone.
    static func day(_ iso: String, _ settings: OfficeSettings) -> String {
        guard let d = HosoClock.parse(iso) else { return "" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: settings.offsetSeconds)
        f.dateFormat = "dd/MM/yyyy"
        return f.string(from: d)
    }

    static func statusWords(_ c: HosoContext, _ r: CitizenRequest) -> String {
        switch r.status {
        case .received: return c.t("Đã tiếp nhận, đang xử lý", "Received, being processed")
        case .checked: return c.t("Đã đối chiếu với sổ gốc, đang chờ ký", "Checked against the ledger, waiting to be signed")
        case .issued:
            return r.kind == .copy
                ? c.t("Đã cấp bản sao có ký số: bạn có thể tải về", "The signed copy has been issued: you can download it")
                : c.t("Đã có văn bản trả lời xác minh có ký số: bạn có thể tải về", "The signed verification letter is ready to download")
        case .refused: return c.t("Bị từ chối", "Refused")
        }
    }

    // MARK: - Pages

    static func formPage(_ c: HosoContext, form f: OnlineRequestForm, problems: [HosoError], challenge: String, bits: Int) -> HTML {
        let byField = Dictionary(grouping: problems.filter { $0.location != nil }, by: { $0.location ?? "" })
        let general = problems.filter { $0.location == nil }
        func field(
            _ name: String, _ label: String, _ value: String, hint: String? = nil, type: String = "text", extra: [(String, String?)] = []
        )
            -> HTML
        {
            let error = byField[name]?.map { c.t($0.message) }.joined(separator: " ")
            let described = [hint.map { _ in "h-" + name }, error.map { _ in "e-" + name }].compactMap { $0 }.joined(separator: " ")
            return el("div", [("class", "field")]) {
                el("label", [("for", "f-" + name)], text: label)
                if let hint { el("span", [("class", "note"), ("id", "h-" + name)], text: hint) }
                el(
                    "input",
                    [
                        ("type", type), ("name", name), ("id", "f-" + name), ("value", type == "file" ? nil : value),
                        ("aria-invalid", error == nil ? nil : "true"), ("aria-describedby", described.isEmpty ? nil : described),
                    ] + extra)
                if let error { el("span", [("class", "field-error"), ("id", "e-" + name)], text: error) }
            }
        }
        func choice(_ name: String, _ label: String, _ value: String, _ options: [(String, String)]) -> HTML {
            let error = byField[name]?.map { c.t($0.message) }.joined(separator: " ")
            return el("div", [("class", "field")]) {
                el("label", [("for", "f-" + name)], text: label)
                el("select", [("name", name), ("id", "f-" + name), ("aria-describedby", error == nil ? nil : "e-" + name)]) {
                    for (v, t) in options { el("option", [("value", v), ("selected", value == v ? "" : nil)], text: t) }
                }
                if let error { el("span", [("class", "field-error"), ("id", "e-" + name)], text: error) }
            }
        }
        return Pages.layout(c, title: c.t("Nộp yêu cầu trực tuyến", "File a request online")) {
            el(
                "p",
                text: c.t(
                    "Xin cấp bản sao văn bằng từ sổ gốc, hoặc (cho cơ quan, doanh nghiệp, nhà trường) đề nghị xác minh văn bằng. Không cần tài khoản. Sau khi gửi, bạn nhận một mã theo dõi để xem tình trạng và tải văn bản có ký số.",
                    "Ask for a copy of a diploma from the original ledger, or (for employers, schools and other bodies) ask for a diploma to be verified. No account is needed. After sending, you get a tracking code to follow the request and download the signed document."
                ))
            el("p") {
                el("a", [("href", "/online/status")], text: c.t("Đã nộp? Xem tình trạng hồ sơ", "Already filed? See the status"))
            }
            if !problems.isEmpty {
                el("p", [("class", "error"), ("role", "alert"), ("id", "form-errors")]) {
                    c.t("Biểu mẫu chưa gửi được: xin sửa các ô được đánh dấu.", "The form was not sent: please correct the marked fields.")
                    for g in general {
                        " "
                        c.t(g.message)
                    }
                }
            }
            el("noscript") {
                el(
                    "p", [("class", "error"), ("id", "needs-js")],
                    text: c.t(
                        "Biểu mẫu này cần JavaScript: trình duyệt làm một phép tính nhỏ để chống gửi tự động (không dùng dịch vụ bên ngoài). Hãy bật JavaScript, hoặc nộp trực tiếp tại bộ phận một cửa.",
                        "This form needs JavaScript: the browser does a small calculation against automated filing (no outside service). Please turn JavaScript on, or file in person at the office."
                    ))
            }
            el(
                "form",
                [
                    ("method", "post"), ("action", "/online"), ("enctype", "multipart/form-data"), ("class", "card"), ("id", "online-form"),
                    ("data-pow-bits", String(bits)), ("data-working", c.t("Đang chuẩn bị gửi…", "Preparing to send…")),
                ]
            ) {
                el("input", [("type", "hidden"), ("name", "pow-challenge"), ("value", challenge)])
                el("input", [("type", "hidden"), ("name", "pow-nonce"), ("id", "pow-nonce"), ("value", "")])
                choice(
                    "kind", c.t("Loại yêu cầu", "Kind of request"), f.kind,
                    [
                        ("copy", c.t("Cấp bản sao văn bằng từ sổ gốc", "A copy of a diploma from the ledger")),
                        ("verification", c.t("Xác minh văn bằng (cơ quan, doanh nghiệp)", "Verification of a diploma (for a body)")),
                    ])
                el("fieldset") {
                    el("legend", text: c.t("Người được cấp văn bằng", "The diploma's holder"))
                    field("holder", c.t("Họ và tên", "Full name"), f.holderName, extra: [("autocomplete", "name"), ("maxlength", "200")])
                    field(
                        "holder-dob", c.t("Ngày sinh", "Date of birth"), f.holderDateOfBirth,
                        hint: c.t("ngày/tháng/năm, ví dụ 05/09/1980", "dd/mm/yyyy, e.g. 05/09/1980"),
                        extra: [("inputmode", "numeric"), ("maxlength", "10")])
                    field(
                        "holder-id", c.t("Số định danh cá nhân (CCCD)", "Personal ID number (CCCD)"), f.holderId,
                        hint: c.t("12 chữ số", "12 digits"), extra: [("inputmode", "numeric"), ("maxlength", "14")])
                }
                el("fieldset") {
                    el("legend", text: c.t("Văn bằng (ghi những gì bạn biết)", "The diploma (as far as you know)"))
                    field(
                        "diploma-kind", c.t("Loại văn bằng", "Kind of diploma"), f.diplomaKind,
                        hint: c.t("ví dụ: Bằng tốt nghiệp THCS", "e.g. lower secondary diploma"), extra: [("maxlength", "100")])
                    field("school", c.t("Trường", "School"), f.school, extra: [("maxlength", "200")])
                    field(
                        "year", c.t("Năm tốt nghiệp", "Year of graduation"), f.year, extra: [("inputmode", "numeric"), ("maxlength", "4")])
                    field(
                        "serial", c.t("Số hiệu văn bằng", "Diploma serial number"), f.serial,
                        hint: c.t("nếu không biết, hãy ghi trường và năm tốt nghiệp", "if unknown, give the school and the year"),
                        extra: [("maxlength", "50")])
                }
                el("fieldset") {
                    el("legend", text: c.t("Người yêu cầu", "The requester"))
                    field(
                        "requester",
                        c.t("Họ tên người yêu cầu (hoặc người liên hệ của cơ quan)", "Requester's name (or the body's contact)"),
                        f.requesterName, extra: [("maxlength", "200")])
                    choice(
                        "relation", c.t("Quan hệ với người được cấp", "Relation to the holder"), f.relation,
                        [
                            ("holder", c.t("Chính người được cấp", "I am the holder")),
                            ("representative", c.t("Người đại diện, cơ quan được ủy quyền", "Representative or authorised body")),
                            ("relative", c.t("Cha, mẹ, con, vợ, chồng, anh chị em", "Parent, child, spouse or sibling")),
                        ])
                    field(
                        "asking-body", c.t("Tên cơ quan đề nghị xác minh", "Name of the body asking"), f.askingBody,
                        hint: c.t("chỉ với yêu cầu xác minh", "verification requests only"), extra: [("maxlength", "300")])
                    field(
                        "proof", c.t("Giấy tờ chứng minh (ảnh hoặc bản chụp)", "Proof (photo or scan)"), "",
                        hint: c.t(
                            "CCCD của người được cấp; người đại diện thêm giấy ủy quyền; cơ quan thêm giấy giới thiệu. PDF, JPEG hoặc PNG, tối đa 5 MB. Chỉ cán bộ xử lý hồ sơ xem được.",
                            "The holder's ID card; a representative also the authorisation; a body its letter of introduction. PDF, JPEG or PNG, at most 5 MB. Seen by the office's clerks only."
                        ), type: "file", extra: [("accept", "application/pdf,image/jpeg,image/png")])
                    if byField["proof"] == nil && !problems.isEmpty {
                        el("p", [("class", "note")], text: c.t("Hãy chọn lại tệp giấy tờ.", "Please choose the proof file again."))
                    }
                }
                el("fieldset") {
                    el("legend", text: c.t("Liên hệ", "Contact"))
                    field(
                        "phone", c.t("Số điện thoại", "Phone"), f.phone, type: "tel", extra: [("autocomplete", "tel"), ("maxlength", "16")])
                    field(
                        "email", c.t("Thư điện tử (không bắt buộc)", "E-mail (optional)"), f.email, type: "email",
                        extra: [("autocomplete", "email"), ("maxlength", "200")])
                }
                el("p", [("class", "note"), ("id", "pow-status"), ("aria-live", "polite")], text: "")
                el("button", [("type", "submit"), ("id", "send-online")], text: c.t("Gửi yêu cầu", "Send the request"))
            }
        }
    }

    static func acceptedPage(_ c: HosoContext, code: String, request r: CitizenRequest, settings: OfficeSettings) -> HTML {
        Pages.layout(c, title: c.t("Đã nhận yêu cầu của bạn", "Your request has been received")) {
            el("section", [("class", "card")]) {
                el("p", text: c.t("Mã theo dõi hồ sơ của bạn:", "Your tracking code:"))
                el("p", [("class", "tracking"), ("id", "tracking-code")], text: code)
                el(
                    "p", [("class", "note")],
                    text: c.t(
                        "Hãy chép hoặc chụp lại mã này: mã chỉ hiện một lần. Để xem tình trạng và tải văn bản, bạn cần mã này và 4 số cuối của số định danh đã khai.",
                        "Write this code down or take a picture: it is shown only once. To see the status and download the document, you need it and the last 4 digits of the personal ID given."
                    ))
                el("dl") {
                    el("dt", text: c.t("Ngày tiếp nhận", "Received"))
                    el("dd", [("id", "received")], text: day(r.receivedAt, settings))
                    el("dt", text: c.t("Hạn trả kết quả", "Due"))
                    el("dd", [("id", "deadline")], text: day(r.deadline, settings))
                }
            }
            el("p") { el("a", [("href", "/online/status")], text: c.t("Xem tình trạng hồ sơ", "See the status")) }
        }
    }

    static func statusPage(
        _ c: HosoContext, code: String, problem: HosoError?, found: (id: String, request: CitizenRequest, settings: OfficeSettings)?
    ) -> HTML {
        Pages.layout(c, title: c.t("Tình trạng hồ sơ trực tuyến", "Status of an online request")) {
            if let (_, r, settings) = found {
                el("section", [("class", "card"), ("id", "online-status")]) {
                    el("dl") {
                        el("dt", text: c.t("Yêu cầu", "Request"))
                        el(
                            "dd",
                            text: r.kind == .copy
                                ? c.t("Cấp bản sao văn bằng", "A copy of a diploma") : c.t("Xác minh văn bằng", "Verification of a diploma")
                        )
                        el("dt", text: c.t("Người được cấp", "Holder"))
                        el("dd", text: r.holderName)
                        el("dt", text: c.t("Tình trạng", "Status"))
                        el("dd", [("id", "status-words")], text: statusWords(c, r))
                        el("dt", text: c.t("Ngày tiếp nhận", "Received"))
                        el("dd", [("id", "received")], text: day(r.receivedAt, settings))
                        el("dt", text: c.t("Hạn trả kết quả", "Due"))
                        el("dd", [("id", "deadline")], text: day(r.deadline, settings))
                        if let why = r.refusalReason, r.status == .refused {
                            el("dt", text: c.t("Lý do từ chối", "Reason"))
                            el("dd", [("id", "refusal")], text: why)
                        }
                    }
                }
                if r.status == .issued {
                    for (i, _) in r.issued.enumerated() {
                        el("form", [("method", "post"), ("action", "/online/download"), ("class", "card download-form")]) {
                            el("input", [("type", "hidden"), ("name", "code"), ("value", code)])
                            el("input", [("type", "hidden"), ("name", "n"), ("value", String(i))])
                            // The digits again, typed, not carried in the page.
                            el(
                                "label", [("for", "d-digits-\(i)")],
                                text: c.t("4 số cuối của số định danh", "Last 4 digits of the personal ID"))
                            el(
                                "input",
                                [
                                    ("type", "password"), ("name", "digits"), ("id", "d-digits-\(i)"), ("inputmode", "numeric"),
                                    ("maxlength", "4"), ("required", ""),
                                ])
                            el(
                                "button", [("type", "submit"), ("id", "download-\(i)")],
                                text: r.kind == .copy
                                    ? c.t("Tải bản sao có ký số (PDF)", "Download the signed copy (PDF)")
                                    : c.t("Tải văn bản trả lời (PDF)", "Download the letter (PDF)"))
                        }
                    }
                    el(
                        "p", [("class", "note")],
                        text: c.t(
                            "Mỗi lần tải đều được ghi lại. Có thể kiểm tra tệp ở trang Kiểm tra bản sao.",
                            "Every download is recorded. The file can be checked on the Verify page."))
                }
            }
            if let p = problem { el("p", [("class", "error"), ("role", "alert"), ("id", "status-error")], text: c.t(p.message)) }
            el("form", [("method", "post"), ("action", "/online/status"), ("class", "card"), ("id", "status-form")]) {
                el("label", [("for", "code")], text: c.t("Mã theo dõi", "Tracking code"))
                el(
                    "input",
                    [
                        ("type", "text"), ("name", "code"), ("id", "code"), ("value", code), ("required", ""), ("maxlength", "20"),
                        ("autocomplete", "off"), ("autocapitalize", "characters"), ("spellcheck", "false"),
                    ])
                el("label", [("for", "digits")], text: c.t("4 số cuối của số định danh (CCCD)", "Last 4 digits of the personal ID"))
                el(
                    "input",
                    [
                        ("type", "password"), ("name", "digits"), ("id", "digits"), ("inputmode", "numeric"), ("maxlength", "4"),
                        ("required", ""),
                    ])
                el("button", [("type", "submit"), ("id", "see-status")], text: c.t("Xem tình trạng", "See the status"))
            }
            el("p") { el("a", [("href", "/online")], text: c.t("Nộp yêu cầu mới", "File a new request")) }
        }
    }

    // The form's proof of work, in plain JavaScript (crypto.subtle exists only on HTTPS or localhost, and an office
    // LAN is often plain HTTP): SHA-256 of "challenge:nonce" until enough leading zero bits, in slices so the page
    // stays responsive, then the form is sent.
    static let js = """
        (function () {
          var K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,
            0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,
            0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
            0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,
            0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,
            0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];
          function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
          // SHA-256 of an ASCII string; returns the first word of the digest (enough to count up to 32 zero bits).
          function sha256First(s) {
            var n = s.length, words = ((n + 9 + 63) >> 6) << 4, m = new Array(words).fill(0), i;
            for (i = 0; i < n; i++) { m[i >> 2] |= (s.charCodeAt(i) & 0xff) << (24 - 8 * (i & 3)); }
            m[n >> 2] |= 0x80 << (24 - 8 * (n & 3));
            m[words - 1] = n * 8;
            var h = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19], w = new Array(64);
            for (var j = 0; j < words; j += 16) {
              for (i = 0; i < 64; i++) {
                if (i < 16) { w[i] = m[j + i] | 0; } else {
                  var a = w[i - 15], b = w[i - 2];
                  w[i] = (w[i - 16] + (rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)) + w[i - 7] + (rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10))) | 0;
                }
              }
              var A = h[0], B = h[1], C = h[2], D = h[3], E = h[4], F = h[5], G = h[6], H = h[7];
              for (i = 0; i < 64; i++) {
                var t1 = (H + (rotr(E, 6) ^ rotr(E, 11) ^ rotr(E, 25)) + ((E & F) ^ (~E & G)) + K[i] + w[i]) | 0;
                var t2 = ((rotr(A, 2) ^ rotr(A, 13) ^ rotr(A, 22)) + ((A & B) ^ (A & C) ^ (B & C))) | 0;
                H = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
              }
              h[0] = (h[0] + A) | 0; h[1] = (h[1] + B) | 0; h[2] = (h[2] + C) | 0; h[3] = (h[3] + D) | 0;
              h[4] = (h[4] + E) | 0; h[5] = (h[5] + F) | 0; h[6] = (h[6] + G) | 0; h[7] = (h[7] + H) | 0;
            }
            return h[0] >>> 0;
          }
          var form = document.getElementById('online-form');
          if (!form) { return; }
          var bits = parseInt(form.dataset.powBits, 10), limit = bits >= 32 ? 0 : Math.pow(2, 32 - bits), busy = false;
          form.addEventListener('submit', function (e) {
            var nonce = document.getElementById('pow-nonce');
            if (nonce.value) { return; }
            e.preventDefault();
            if (busy) { return; }
            busy = true;
            document.getElementById('send-online').disabled = true;
            document.getElementById('pow-status').textContent = form.dataset.working;
            var challenge = form.elements['pow-challenge'].value + ':', i = 0;
            (function slice() {
              for (var k = 0; k < 20000; k++, i++) {
                if (sha256First(challenge + i.toString(16)) < limit) {
                  nonce.value = i.toString(16);
                  form.submit();
                  return;
                }
              }
              setTimeout(slice, 0);
            })();
          });
        })();
        """
}
