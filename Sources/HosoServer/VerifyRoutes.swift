import Foundation
import HTTPTypes
import HosoKit
import HosoPrimitives
import Hummingbird

/// What the public page answers about a copy. It repeats only what the copy itself shows (or what the asker typed),
/// never today's ledger values: a corrected field is named, not shown.
public struct PublicReport: Codable, Sendable {
    public enum Method: String, Codable, Sendable { case pdf, qr, number }
    public struct Shown: Codable, Sendable, Equatable {
        public var field: String
        public var value: String
    }

    /// "copy", or "letter" for a verification letter: then PASSED says only that the letter is authentic, and
    /// `finding` is what it answers.
    public var kind: String
    /// A letter's finding: MATCHES, DIFFERS, NOT_FOUND or REVOKED.
    public var finding: String?
    /// The details a letter found different (field names only).
    public var differing: [String]?
    public var indication: String
    public var method: Method
    public var reasons: [String]
    public var messages: [SignatureReport.Message]
    public var copyNumber: String?
    public var issueDate: String?
    /// Who signed it (the office certificate's name), when a signature was checked.
    public var signedBy: String?
    /// When the signature was judged and what proved that time.
    public var judgedAt: String?
    public var timeProof: String?
    /// The copy's own data: from the PDF's attached entry, the QR payload, or the asker's input.
    public var shown: [Shown]
    /// For a genuine copy: its PDF's entry in the archive's log, in a checkpoint a witness cosigned.
    public var witnessed: Witnessed?
    /// For a genuine copy: the office that issued the diploma, and the one that holds the ledger and issued the copy
    /// when that is another (a custody transfer, Thông tư 13/2025).
    public var issuer: String?
    public var custodian: String?
    /// For a genuine copy: how its ledger became data (Law on E-Transactions 2023, Art. 12), with no record ids.
    public var conversion: CopyReport.Conversion?

    public struct Witnessed: Codable, Sendable, Equatable {
        /// The witness as its certificate names it, and the day it cosigned (dd/mm/yyyy).
        public var by: String
        public var date: String
        /// The inclusion proof and the cosigned checkpoint, as text for the collapsible detail.
        public var proof: String
    }
}

enum Verification {
    /// A copy PDF: `Archive.verifyCopy`, then only the copy's own data are shown. A letter is reported as a letter,
    /// with its finding and what the asker presented (what the letter itself shows).
    static func pdf(_ bytes: [UInt8], archive: Archive) throws -> PublicReport {
        if PDFParse.attachmentNames(in: bytes).contains("hoc-ba.json") { return try hocBa(bytes, archive: archive) }
        let r = try archive.verifyCopy(pdf: bytes)
        var shown = [PublicReport.Shown]()
        if r.kind == .letter {
            if let l = r.letter {
                shown = ["fullName", "dateOfBirth", "serial", "ledgerNumber"].compactMap { k in
                    l.presented[k].map { .init(field: k == "fullName" ? "holderName" : k, value: $0) }
                }
            }
        } else if let name = PDFParse.attachmentNames(in: bytes).first, let data = PDFParse.attachment(named: name, in: bytes),
            let issued = try? JSONDecoder().decode(LedgerEntryView.self, from: Data(data))
        {
            shown = copyFields(
                name: issued.text("fullName"), dob: issued.text("dateOfBirth"), serial: issued.serial,
                ledgerNumber: String(issued.ledgerNumber), year: String(issued.year))
        }
        let sig = r.pdf.signatures.first?.signature
        var report = PublicReport(
            kind: r.kind.rawValue, finding: r.finding?.rawValue, differing: r.letter.map(\.differing),
            indication: r.indication, method: .pdf, reasons: r.reasons, messages: r.messages,
            copyNumber: r.kind == .letter ? r.letter?.requestId : r.registered?.printedNumber,
            issueDate: r.kind == .letter
                ? r.letter.map { String($0.answeredAt.prefix(10)) } : r.registered.map { String($0.issuedAt.prefix(10)) },
            signedBy: sig?.signer, judgedAt: sig.map { HosoClock.format($0.judgedAt) }, timeProof: sig?.timeProof.rawValue,
            shown: shown)
        if r.kind == .copy { report.witnessed = witnessed(r.registered, indication: r.indication, archive: archive) }
        // Who issued, who holds and who converted reassure only when the check passed.
        if r.kind == .copy && r.indication == "PASSED" {
            (report.issuer, report.custodian, report.conversion) = (r.issuer, r.custodian, r.conversion)
        }
        return report
    }

    /// A học bạ PDF (a family's download): `Archive.verifyHocBa` — the three signatures in order, the seal's lock,
    /// nothing changed after, the signers' assignments and the data against the school's archive. Shows what the
    /// học bạ itself shows about the student; who signed only when it passed.
    static func hocBa(_ bytes: [UInt8], archive: Archive) throws -> PublicReport {
        let r = try archive.verifyHocBa(pdf: bytes)
        var shown = [PublicReport.Shown]()
        if let d = r.data {
            shown = [
                .init(field: "holderName", value: d.student.fullName),
                .init(field: "dateOfBirth", value: dayMonthYear(d.student.dateOfBirth)),
                .init(field: "school", value: d.school.name), .init(field: "class", value: d.class),
                .init(field: "schoolYear", value: d.schoolYear),
            ]
        }
        let names = r.signers.compactMap { $0.person?.fullName ?? $0.commonName }
        return PublicReport(
            kind: "hoc-ba", finding: nil, differing: nil, indication: r.indication, method: .pdf, reasons: r.reasons,
            messages: r.messages, copyNumber: nil, issueDate: nil, signedBy: names.isEmpty ? nil : names.joined(separator: "; "),
            judgedAt: nil, timeProof: nil, shown: shown)
    }

    /// "2010-02-01" → "01/02/2010"; anything else as it is.
    static func dayMonthYear(_ iso: String) -> String {
        let p = iso.split(separator: "-")
        return p.count == 3 ? "\(p[2])/\(p[1])/\(p[0])" : iso
    }

    /// The witnessed inclusion of a genuine copy's PDF in the archive's log, for the page; nil when the copy did not
    /// pass or no witnessed checkpoint covers it yet. Shows no record id: the proof is hashes and the checkpoint.
    static func witnessed(_ registered: CopyRegisterEntry?, indication: String, archive: Archive) -> PublicReport.Witnessed? {
        guard indication == "PASSED", let doc = registered.flatMap({ ObjectID(hex: $0.document) }),
            let w = try? archive.witnessedInclusion(of: doc)
        else { return nil }
        let d = w.time.prefix(10).split(separator: "-")
        let proof =
            "RFC 9162: leaf \(w.index) / tree \(w.size)\nleaf hash \(w.leafHash)\naudit path:\n"
            + w.proof.map { "  \($0)\n" }.joined() + "root \(w.root)\n\n" + w.checkpoint
        return .init(by: w.witnessDisplayName, date: d.count == 3 ? "\(d[2])/\(d[1])/\(d[0])" : String(w.time.prefix(10)), proof: proof)
    }

    /// The text of a copy's QR code (from a photo or typed): `Archive.verifyCopyQR`, the same check as the CLI's
    /// with the archive (signature by the certificate the register names, that certificate's chain and
    /// revocation, every field against the register, revocation and corrections of the diploma).
    static func qr(_ text: String, archive: Archive) throws -> PublicReport {
        let r = try archive.verifyCopyQR(text)
        guard let payload = r.payload else {
            return PublicReport(
                kind: "copy", finding: nil, differing: nil, indication: r.indication, method: .qr, reasons: r.reasons,
                messages: r.messages, shown: [])
        }
        var report = PublicReport(
            kind: "copy", finding: nil, differing: nil, indication: r.indication, method: .qr, reasons: r.reasons, messages: r.messages,
            copyNumber: "\(payload.copyNumber)/\(payload.issueDate.prefix(4))", issueDate: payload.issueDate,
            signedBy: r.office.map { $0.name }, judgedAt: nil, timeProof: nil,
            shown: copyFields(
                name: payload.holderName, dob: payload.dateOfBirth, serial: payload.serial,
                ledgerNumber: payload.ledgerNumber, year: String(payload.ledgerYear)))
        report.witnessed = witnessed(r.registered, indication: r.indication, archive: archive)
        return report
    }

    /// A copy number and the serial printed on the copy, typed by the asker: is there such a copy, and does it stand?
    static func number(_ number: String, serial: String, archive: Archive) throws -> PublicReport {
        var reasons = [String]()
        var messages = [SignatureReport.Message]()
        func add(_ code: String, _ t: LocalizedText) {
            reasons.append(code)
            messages.append(.init(t))
        }
        let n = number.trimmingCharacters(in: .whitespaces)
        let s = serial.trimmingCharacters(in: .whitespaces)
        guard n.range(of: #"^[0-9]{1,9}/[0-9]{4}$"#, options: .regularExpression) != nil, !s.isEmpty, s.count <= 64 else {
            throw HosoError(
                .badUserInput,
                .both(
                    "Nhập số bản sao dạng 12/2026 và số hiệu văn bằng in trên bản sao",
                    "Type the copy number as 12/2026 and the diploma serial printed on the copy"))
        }
        let registered = try archive.registeredCopy(printedNumber: n)
        var issueDate: String?
        if let registered, registered.serial == s {
            issueDate = String(registered.issuedAt.prefix(10))
            standing(registered, archive: archive, add: add)
        } else {
            // Whether the number exists with another serial is not said: that would confirm a number to a guesser.
            add("COPY_NOT_REGISTERED", .both("Không có bản sao nào với số và số hiệu văn bằng này", "No copy with this number and serial"))
        }
        var report = PublicReport(
            kind: "copy", finding: nil, differing: nil,
            indication: reasons.isEmpty ? "PASSED" : "FAILED", method: .number, reasons: reasons, messages: messages,
            copyNumber: n, issueDate: issueDate, signedBy: nil, judgedAt: nil, timeProof: nil,
            shown: [.init(field: "serial", value: s)])
        report.witnessed = witnessed(registered, indication: report.indication, archive: archive)
        return report
    }

    /// Revoked since, corrected since (ENTRY_CORRECTED names only fields an appendix changed), or otherwise
    /// different (ENTRY_MISMATCH): `Archive.copyStanding`, as the PDF and QR checks judge it.
    static func standing(_ registered: CopyRegisterEntry, archive: Archive, add: (String, LocalizedText) -> Void) {
        guard let s = try? archive.copyStanding(registered) else {
            add("ENTRY_NOT_FOUND", .both("Không đọc được mục sổ gốc", "The ledger entry could not be read"))
            return
        }
        for (code, m) in zip(s.reasons, s.messages) { add(code, .both(m.vi, m.en)) }
    }

    static func copyFields(name: String, dob: String, serial: String, ledgerNumber: String, year: String) -> [PublicReport.Shown] {
        [
            .init(field: "holderName", value: name), .init(field: "dateOfBirth", value: dob), .init(field: "serial", value: serial),
            .init(field: "ledgerNumber", value: "\(ledgerNumber)/\(year)"),
        ]
    }

    /// A photo or scan of the QR code: PNG, PGM/PPM or JPEG, read through a private temporary file.
    static func qrText(fromImage bytes: [UInt8]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.path + "/hoso-qr-" + ((try? SecureRandom.token(bytes: 12)) ?? "x")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/image"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw HosoError(.ioError, .both("Không ghi được tệp tạm", "Cannot write a temporary file"))
        }
        let found: String?
        do {
            found = try QRPayloadCodec.onlyPayload(in: try QRCode.decode(imageFile: path))
        } catch let e as HosoError where e.code == .qrAmbiguous {
            throw HosoError(.badUserInput, e.message)
        }
        guard let first = found else {
            throw HosoError(.badUserInput, .both("Không tìm thấy mã QR của bản sao trong ảnh", "No copy QR code found in the image"))
        }
        return first
    }
}

enum VerifyRoutes {
    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        // Counted per address, the page itself too: a client that asks too often is told to wait (429).
        let limited = router.group().add(middleware: PublicRateLimit(limiter: state.publicRate))
        limited.get("/verify") { _, context in htmlResponse(page(context, office: try await office(state), report: nil, problem: nil)) }

        limited.post("/verify") { request, context -> Response in
            let form = try await Form.read(request, limit: state.config.bodyLimits.verify)
            let office = try await office(state)
            do {
                let report = try await run(form, state: state, remote: context.remote)
                return htmlResponse(page(context, office: office, report: report, problem: nil))
            } catch let e as HosoError where e.category.isCallerFault {
                return htmlResponse(page(context, office: office, report: nil, problem: e), status: status(of: e, context: context))
            }
        }

        // Where a copy's QR link opens (`QRLink`): the payload is in the fragment, which only the phone sees; the
        // page's script posts the whole address to /verify, where the host is checked like any other QR text.
        limited.get("/v") { _, context in htmlResponse(linkPage(context, office: try await office(state))) }
        router.get("/verify/link.js") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: linkScript)))
        }
        router.get("/office/seal.png") { _, _ -> Response in
            guard let png = try await state.publicArchive.with({ try $0.sealImage() }) else {
                throw HosoError(.inputNotFound, .both("Cơ quan chưa đặt ảnh con dấu", "The office has no seal image"))
            }
            return Response(
                status: .ok, headers: [.contentType: "image/png", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(bytes: png)))
        }
    }

    /// What the public page shows of the office: its name, whether it has a seal image, its time zone.
    struct Office: Sendable {
        var name: String
        var hasSeal: Bool
        var utcOffset: String
    }

    static func office(_ state: ServerState) async throws -> Office {
        let s = try await state.publicArchive.with { try $0.officeSettings() }
        return Office(name: s.officeName, hasSeal: s.sealImage != nil, utcOffset: s.utcOffset)
    }

    /// Reads the QR link's fragment and posts the whole address; without a fragment (or script) the page explains
    /// what to do instead. `replaceState` drops the fragment from the address bar and history once read.
    static let linkScript = """
        (function () {
          var f = document.getElementById('verify-link');
          if (!f || location.hash.length < 2) { return; }
          document.getElementById('link-qr').value = location.href;
          history.replaceState(null, '', location.pathname);
          f.submit();
        })();
        """

    /// 422 for a file that could not be checked (logged with its cause), else 400.
    static func status(of e: HosoError, context: HosoContext) -> HTTPResponse.Status {
        guard e.code == .publicCheckFailed else { return .badRequest }
        context.logger.warning("public check failed: \(e.cause ?? "")")
        return .unprocessableContent
    }

    /// One of: an uploaded PDF (`pdf`), a QR photo (`qr-image`), QR text (`qr`), or a copy number with its serial.
    /// Each takes a place in a public pool (QR photos in their own); uploads are parsed in a child (`ChildCheck`).
    static func run(_ form: Form, state: ServerState, remote: String) async throws -> PublicReport {
        let photo = form.file("pdf") == nil && form.file("qr-image") != nil
        var report = try await (photo ? state.photoPool : state.publicPool).run { try await check(form, state: state) }
        // A name in a file that failed is the forger's word: neither the page nor the JSON repeats it.
        if report.indication != "PASSED" { report.signedBy = nil }
        try await state.audit(
            actor: "public", action: "verify", target: "copy:\(report.copyNumber ?? "?")",
            detail: "\(report.method.rawValue) \(report.indication) \(remote)")
        return report
    }

    static func check(_ form: Form, state: ServerState) async throws -> PublicReport {
        let archive = state.publicArchive
        if let f = form.file("pdf") {
            guard let report = try await state.checkUpload(.pdf, f.bytes).report else { throw ChildCheck.failed("no report") }
            return report
        } else if let f = form.file("qr-image") {
            guard let text = try await state.checkUpload(.qrImage, f.bytes).text else { throw ChildCheck.failed("no text") }
            return try await archive.with { try Verification.qr(text, archive: $0) }
        } else if let text = form.value("qr") {
            return try await archive.with { try Verification.qr(text, archive: $0) }
        } else if let n = form.value("number") {
            return try await archive.with { try Verification.number(n, serial: form["serial"] ?? "", archive: $0) }
        } else {
            throw HosoError(
                .badUserInput, .both("Hãy chọn tệp PDF, ảnh mã QR, hoặc nhập số bản sao", "Choose a PDF, a QR photo, or type a copy number")
            )
        }
    }

    static let fieldNames: [String: LocalizedText] = [
        "holderName": .both("Họ và tên", "Full name"), "dateOfBirth": .both("Ngày sinh", "Date of birth"),
        "serial": .both("Số hiệu văn bằng", "Diploma serial"), "ledgerNumber": .both("Số vào sổ", "Ledger number"),
        "school": .both("Trường", "School"), "class": .both("Lớp", "Class"), "schoolYear": .both("Năm học", "School year"),
    ]

    /// How a letter looks: green only for an authentic letter that says the diploma matches.
    static func letterLook(_ r: PublicReport) -> String {
        guard r.indication == "PASSED" else { return r.indication }
        return r.finding == "MATCHES" ? "PASSED" : "FAILED"
    }

    /// A letter's headline: that it is a letter, whether it is authentic, and what it found.
    static func letterText(_ r: PublicReport) -> LocalizedText {
        guard r.indication == "PASSED" else {
            return .both(
                "Không hợp lệ: văn bản trả lời xác minh không phải bản gốc của cơ quan hoặc đã bị sửa",
                "Not valid: the verification letter is not the office's original or was changed")
        }
        let differing = (r.differing ?? []).joined(separator: ", ")
        let finding: LocalizedText =
            switch r.finding {
            case "MATCHES": .both("thông tin văn bằng KHỚP sổ gốc", "the diploma details MATCH the ledger")
            case "DIFFERS":
                .both("thông tin văn bằng KHÔNG KHỚP sổ gốc (\(differing))", "the diploma details do NOT match the ledger (\(differing))")
            case "NOT_FOUND": .both("KHÔNG tìm thấy văn bằng trong sổ gốc", "the diploma is NOT in the ledgers")
            case "REVOKED": .both("văn bằng ĐÃ BỊ THU HỒI", "the diploma HAS BEEN REVOKED")
            default: .both("không rõ", "unknown")
            }
        return .both(
            "Văn bản trả lời xác minh của cơ quan (xác thực) — kết luận: \(finding.vi)",
            "A verification letter from the office (authentic) — its finding: \(finding.en)")
    }

    /// The public page: the last report or problem, if any, then the three ways to ask.
    static func page(_ c: HosoContext, office: Office, report: PublicReport?, problem: HosoError?) -> HTML {
        Pages.layout(c, title: c.t("Kiểm tra bản sao văn bằng", "Verify a diploma copy")) {
            officeBanner(c, office)
            if let r = report { reportSection(c, r, office: office) }
            if let p = problem { el("p", [("class", "error"), ("role", "alert")], text: c.t(p.message)) }
            el(
                "p", [("class", "note")],
                text: c.t(
                    "Không cần đăng nhập. Trang chỉ nhắc lại những gì in trên bản sao.",
                    "No sign-in needed. The page repeats only what the copy itself shows."))
            pdfForm(c)
            qrForm(c)
            numberForm(c)
        }
    }

    /// The office's name and seal, so a citizen sees whose page this is.
    static func officeBanner(_ c: HosoContext, _ office: Office) -> HTML {
        el("div", [("class", "office-banner"), ("id", "office")]) {
            if office.hasSeal {
                el(
                    "img",
                    [
                        ("src", "/office/seal.png"), ("id", "seal"), ("width", "72"), ("height", "72"),
                        ("alt", c.t("Con dấu của \(office.name)", "Seal of \(office.name)")),
                    ])
            }
            el("p", [("class", "office-name")], text: office.name)
        }
    }

    /// The page a copy's QR link opens: the script posts the link at once; without it, a button does.
    static func linkPage(_ c: HosoContext, office: Office) -> HTML {
        Pages.layout(c, title: c.t("Kiểm tra bản sao văn bằng", "Verify a diploma copy")) {
            officeBanner(c, office)
            el(
                "form",
                [("method", "post"), ("action", "/verify"), ("enctype", "multipart/form-data"), ("class", "card"), ("id", "verify-link")]
            ) {
                el("p", text: c.t("Đang kiểm tra mã QR của bản sao…", "Checking the copy's QR code…"))
                el("label", [("for", "link-qr")], text: c.t("Đường dẫn trong mã QR", "The link in the QR code"))
                el("input", [("type", "text"), ("name", "qr"), ("id", "link-qr"), ("value", ""), ("autocomplete", "off")])
                el("button", [("type", "submit"), ("id", "verify-link-submit")], text: c.t("Kiểm tra", "Check"))
            }
            el(
                "p", [("class", "note")],
                text: c.t(
                    "Nếu trang không tự kiểm tra, hãy dán đường dẫn đầy đủ mà camera đã mở vào ô trên rồi bấm Kiểm tra, hoặc dùng trang Kiểm tra bản sao.",
                    "If the page does not check by itself, paste the full link the camera opened above and press Check, or use the Verify page."
                ))
            el("script", [("src", "/verify/link.js"), ("defer", "")])
        }
    }

    /// A report: its headline, what the copy shows, the reasons it does not stand, and what a QR check proves.
    static func reportSection(_ c: HosoContext, _ r: PublicReport, office: Office) -> HTML {
        // A letter's colour is its finding's: an authentic letter saying "does NOT match" is not green.
        let look = r.kind == "letter" ? letterLook(r) : r.indication
        return el(
            "section",
            [
                ("class", "card report \(look)"), ("id", "report"), ("data-indication", r.indication), ("data-kind", r.kind),
                ("data-finding", r.finding ?? ""),
            ]
        ) {
            el("h2") {
                if r.kind == "letter" {
                    el("span", [("class", "badge \(look)")], text: c.t(PublicWording.badge(look)))
                    " "
                    el("span", [("id", "verdict")], text: c.t(letterText(r)))
                } else {
                    el("span", [("class", "badge \(r.indication)")], text: c.t(PublicWording.badge(r.indication)))
                    " "
                    el("span", [("id", "verdict")], text: c.t(PublicWording.headline(r)))
                }
            }
            reportDetails(c, r, office: office)
            if !r.messages.isEmpty {
                el("ul", [("class", "errors")]) {
                    for m in r.messages { el("li", text: m.text(c.lang)) }
                }
                // The codes for the office's support, small and apart from the sentences a citizen reads.
                el(
                    "p", [("class", "detail"), ("id", "reason-codes")], text: c.t("Mã lỗi: ", "Codes: ") + r.reasons.joined(separator: ", ")
                )
            }
            if let w = r.witnessed {
                el(
                    "p", [("class", "note"), ("id", "witnessed")],
                    text: c.t(
                        "Bản sao này có trong nhật ký của kho, đã được \(w.by) xác nhận ngày \(w.date).",
                        "This copy is in the archive's log, confirmed by \(w.by) on \(w.date)."))
                el("details", [("id", "witness-proof")]) {
                    el("summary", text: c.t("Bằng chứng kỹ thuật (cho kiểm toán viên)", "Technical proof (for auditors)"))
                    el("pre", text: w.proof)
                }
            }
            if r.method == .qr && r.indication == "PASSED" {
                el(
                    "p", [("class", "note")],
                    text: c.t(
                        "Mã QR chứng minh dữ liệu trên do cơ quan ký; hãy đối chiếu với bản in.",
                        "The QR code proves the office signed these data; compare them with the printed copy."))
            }
        }
    }

    /// The report's details as a list: copy number, issue date, the copy's own data, signer and when it was judged.
    static func reportDetails(_ c: HosoContext, _ r: PublicReport, office: Office) -> HTML {
        el("dl") {
            if let n = r.copyNumber {
                el("dt", text: c.t("Bản sao số", "Copy number"))
                el("dd", [("id", "copy-number")], text: n)
            }
            if let d = r.issueDate {
                el("dt", text: c.t("Ngày cấp", "Issued"))
                el("dd", text: Wording.date(d))
            }
            for s in r.shown {
                el("dt", text: fieldNames[s.field].map { c.t($0) } ?? s.field)
                el("dd", text: s.field == "dateOfBirth" ? Wording.date(s.value) : s.value)
            }
            // Who signed reassures only when the check passed: a failed file never shows it.
            if let who = r.signedBy, r.indication == "PASSED" {
                el("dt", text: c.t("Ký bởi", "Signed by"))
                el("dd", text: who)
            }
            if r.indication == "PASSED" {
                if let issuer = r.issuer, r.custodian != nil {
                    el("dt", text: c.t("Cơ quan cấp văn bằng", "Issued the diploma"))
                    el("dd", [("id", "issuer")], text: issuer)
                }
                if let custodian = r.custodian {
                    el("dt", text: c.t("Cơ quan lưu giữ sổ gốc và cấp bản sao", "Holds the ledger and issued the copy"))
                    el("dd", [("id", "custodian")], text: custodian)
                }
                if let conv = r.conversion {
                    el("dt", text: c.t("Số hóa sổ gốc", "Digitization of the ledger"))
                    el(
                        "dd", [("id", "conversion")],
                        text: c.t(conv.sentence(day: Wording.date(conv.convertedAt, offset: Wording.offsetSeconds(office.utcOffset)))))
                }
            }
            if let at = r.judgedAt {
                el("dt", text: c.t("Kiểm tra lúc", "Checked at"))
                el(
                    "dd",
                    text: Wording.time(at, offset: Wording.offsetSeconds(office.utcOffset))
                        + (r.timeProof == "timestamp"
                            ? c.t(" (dấu thời gian)", " (timestamp)") : c.t(" (thời điểm kiểm tra)", " (verification time)")))
            }
        }
    }

    /// Asking with the copy's PDF file.
    static func pdfForm(_ c: HosoContext) -> HTML {
        el(
            "form",
            [("method", "post"), ("action", "/verify"), ("enctype", "multipart/form-data"), ("class", "card"), ("id", "verify-pdf")]
        ) {
            el("label") {
                c.t("Tệp PDF của bản sao", "The copy's PDF file")
                el("input", [("type", "file"), ("name", "pdf"), ("id", "pdf"), ("accept", "application/pdf")])
            }
            el("button", [("type", "submit"), ("id", "verify-pdf-submit")], text: c.t("Kiểm tra tệp PDF", "Check the PDF"))
        }
    }

    /// Asking with a photo of the QR code on a paper copy.
    static func qrForm(_ c: HosoContext) -> HTML {
        el(
            "form",
            [("method", "post"), ("action", "/verify"), ("enctype", "multipart/form-data"), ("class", "card"), ("id", "verify-qr")]
        ) {
            el("label") {
                c.t("Ảnh chụp mã QR trên bản giấy (JPEG, PNG)", "A photo of the QR code on a paper copy (JPEG, PNG)")
                el(
                    "input",
                    [("type", "file"), ("name", "qr-image"), ("id", "qr-image"), ("accept", "image/*"), ("capture", "environment")])
            }
            el("button", [("type", "submit"), ("id", "verify-qr-submit")], text: c.t("Kiểm tra mã QR", "Check the QR code"))
        }
    }

    /// Asking with the copy number and the diploma serial printed on the copy.
    static func numberForm(_ c: HosoContext) -> HTML {
        el(
            "form",
            [("method", "post"), ("action", "/verify"), ("enctype", "multipart/form-data"), ("class", "card"), ("id", "verify-number")]
        ) {
            el("label") {
                c.t("Số bản sao (ví dụ 12/2026)", "Copy number (e.g. 12/2026)")
                el("input", [("name", "number"), ("id", "number"), ("inputmode", "numeric")])
            }
            el("label") {
                c.t("Số hiệu văn bằng in trên bản sao", "The diploma serial printed on the copy")
                el("input", [("name", "serial"), ("id", "serial")])
            }
            el("button", [("type", "submit"), ("id", "verify-number-submit")], text: c.t("Kiểm tra số bản sao", "Check the number"))
        }
    }
}
