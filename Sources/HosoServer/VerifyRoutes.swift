import Foundation
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
}

enum Verification {
    /// A copy PDF: `Archive.verifyCopy`, then only the copy's own data are shown.
    static func pdf(_ bytes: [UInt8], archive: Archive) throws -> PublicReport {
        let r = try archive.verifyCopy(pdf: bytes)
        var shown = [PublicReport.Shown]()
        if let name = PDFParse.attachmentNames(in: bytes).first, let data = PDFParse.attachment(named: name, in: bytes),
            let issued = try? JSONDecoder().decode(LedgerEntryView.self, from: Data(data))
        {
            shown = copyFields(
                name: issued.text("fullName"), dob: issued.text("dateOfBirth"), serial: issued.serial,
                ledgerNumber: String(issued.ledgerNumber), year: String(issued.year))
        }
        let sig = r.pdf.signatures.first?.signature
        return PublicReport(
            indication: r.indication, method: .pdf, reasons: r.reasons, messages: r.messages,
            copyNumber: r.registered?.printedNumber, issueDate: r.registered.map { String($0.issuedAt.prefix(10)) },
            signedBy: sig?.signer, judgedAt: sig.map { HosoClock.format($0.judgedAt) }, timeProof: sig?.timeProof.rawValue,
            shown: shown)
    }

    /// The text of a copy's QR code (from a photo or typed): the payload's signature with the office's certificates,
    /// then the register and the ledger as they stand.
    static func qr(_ text: String, archive: Archive) throws -> PublicReport {
        var reasons = [String]()
        var messages = [SignatureReport.Message]()
        func add(_ code: String, _ t: LocalizedText) {
            reasons.append(code)
            messages.append(.init(t))
        }
        let check = QRPayloadCodec.verify(
            text.trimmingCharacters(in: .whitespacesAndNewlines), certificates: try archive.officeCertificates())
        let payload: CopyPayload
        var signedBy: String?
        switch check {
        case .valid(let p, let office):
            payload = p
            signedBy = office.commonName ?? office.subject
        case .badSignature(let p):
            payload = p
            add(
                "QR_BAD_SIGNATURE",
                .both("Chữ ký trong mã QR không đúng: dữ liệu đã bị sửa", "The QR code's signature does not verify: the data were changed"))
        case .unknownOffice(let p):
            payload = p
            add("QR_UNKNOWN_OFFICE", .both("Mã QR không do cơ quan này ký", "The QR code was not signed by this office"))
        case .malformed(let why):
            add("QR_MALFORMED", .both("Không phải mã QR của bản sao, hoặc bị hỏng", "Not a copy's QR code, or damaged"))
            return PublicReport(
                indication: "FAILED", method: .qr, reasons: reasons, messages: messages + [.init(.both(why, why))],
                shown: [])
        }
        let printed = "\(payload.copyNumber)/\(payload.issueDate.prefix(4))"
        if reasons.isEmpty {
            // One register line by its number, not the whole register (which grows by every copy issued).
            let registered = try archive.registeredCopy(printedNumber: printed).flatMap { $0.serial == payload.serial ? $0 : nil }
            if let registered {
                standing(registered, archive: archive, add: add)
            } else {
                add("COPY_NOT_REGISTERED", .both("Bản sao không có trong sổ cấp bản sao", "The copy is not in the copy register"))
            }
        }
        return PublicReport(
            indication: reasons.isEmpty ? "PASSED" : "FAILED", method: .qr, reasons: reasons, messages: messages,
            copyNumber: printed, issueDate: payload.issueDate, signedBy: signedBy, judgedAt: nil, timeProof: nil,
            shown: copyFields(
                name: payload.holderName, dob: payload.dateOfBirth, serial: payload.serial,
                ledgerNumber: payload.ledgerNumber, year: String(payload.ledgerYear)))
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
        return PublicReport(
            indication: reasons.isEmpty ? "PASSED" : "FAILED", method: .number, reasons: reasons, messages: messages,
            copyNumber: n, issueDate: issueDate, signedBy: nil, judgedAt: nil, timeProof: nil,
            shown: [.init(field: "serial", value: s)])
    }

    /// Revoked since, or corrected since (the entry's digest is no longer the one the copy certified).
    static func standing(_ registered: CopyRegisterEntry, archive: Archive, add: (String, LocalizedText) -> Void) {
        // By serial first: it is indexed (unique by the import's rules), where a lookup by ledger number scans every
        // ledger's entries; the ledger and number must still be the registered ones.
        let ref = "\(registered.ledgerRecordId)#\(registered.ledgerNumber)"
        let bySerial = (try? archive.ledgerEntry(registered.serial)).flatMap { $0.ref == ref ? $0 : nil }
        guard let now = bySerial ?? (try? archive.ledgerEntry(ref)) else {
            add(
                "ENTRY_NOT_FOUND",
                .both("Không tìm thấy mục sổ gốc mà bản sao chứng thực", "The ledger entry the copy certifies is not in the archive"))
            return
        }
        if let r = now.revocation {
            add(
                "DIPLOMA_REVOKED",
                .both(
                    "Văn bằng đã bị \(r.kind.lowercased()) (\(r.decision ?? "")): \(r.reason)",
                    "The diploma has been revoked (\(r.decision ?? "")): \(r.reason)"))
        }
        if let bytes = try? now.canonicalBytes(), SHA256.hex(bytes) != registered.entryDigest {
            let fields = now.corrections.flatMap(\.fields).joined(separator: ", ")
            add(
                "ENTRY_CORRECTED",
                .both(
                    "Mục sổ gốc đã được đính chính sau khi cấp bản sao (\(fields))",
                    "The ledger entry was corrected after the copy was issued (\(fields))"))
        }
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
        let found = try QRCode.decode(imageFile: path).filter { $0.hasPrefix(QRPayloadCodec.prefix) }
        guard let first = found.first else {
            throw HosoError(.badUserInput, .both("Không tìm thấy mã QR của bản sao trong ảnh", "No copy QR code found in the image"))
        }
        return first
    }
}

enum VerifyRoutes {
    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        router.get("/verify") { _, context in htmlResponse(page(context, report: nil, problem: nil)) }

        router.post("/verify") { request, context -> Response in
            let form = try await Form.read(request)
            do {
                let report = try await run(form, state: state, remote: context.remote)
                return htmlResponse(page(context, report: report, problem: nil))
            } catch let e as HosoError where e.category.isCallerFault {
                return htmlResponse(page(context, report: nil, problem: e), status: .badRequest)
            }
        }
    }

    /// One of: an uploaded PDF (`pdf`), a QR photo (`qr-image`), QR text (`qr`), or a copy number with its serial.
    static func run(_ form: Form, state: ServerState, remote: String) async throws -> PublicReport {
        let report: PublicReport
        if let f = form.file("pdf") {
            report = try await state.archive.with { try Verification.pdf(f.bytes, archive: $0) }
        } else if let f = form.file("qr-image") {
            let text = try await state.blocking { try Verification.qrText(fromImage: f.bytes) }
            report = try await state.archive.with { try Verification.qr(text, archive: $0) }
        } else if let text = form.value("qr") {
            report = try await state.archive.with { try Verification.qr(text, archive: $0) }
        } else if let n = form.value("number") {
            report = try await state.archive.with { try Verification.number(n, serial: form["serial"] ?? "", archive: $0) }
        } else {
            throw HosoError(
                .badUserInput, .both("Hãy chọn tệp PDF, ảnh mã QR, hoặc nhập số bản sao", "Choose a PDF, a QR photo, or type a copy number")
            )
        }
        try await state.audit(
            actor: "public", action: "verify", target: "copy:\(report.copyNumber ?? "?")",
            detail: "\(report.method.rawValue) \(report.indication) \(remote)")
        return report
    }

    static let fieldNames: [String: LocalizedText] = [
        "holderName": .both("Họ và tên", "Full name"), "dateOfBirth": .both("Ngày sinh", "Date of birth"),
        "serial": .both("Số hiệu văn bằng", "Diploma serial"), "ledgerNumber": .both("Số vào sổ", "Ledger number"),
    ]

    static func indicationText(_ i: String) -> LocalizedText {
        switch i {
        case "PASSED": return .both("HỢP LỆ — bản sao đúng với sổ gốc", "VALID — the copy matches the ledger")
        case "INDETERMINATE": return .both("CHƯA ĐỦ CĂN CỨ để kết luận", "INDETERMINATE — not enough evidence")
        default: return .both("KHÔNG HỢP LỆ", "NOT VALID")
        }
    }

    static func page(_ c: HosoContext, report: PublicReport?, problem: HosoError?) -> HTML {
        Pages.layout(c, title: c.t("Kiểm tra bản sao văn bằng", "Verify a diploma copy")) {
            if let r = report {
                el("section", [("class", "card report \(r.indication)"), ("id", "report"), ("data-indication", r.indication)]) {
                    el("h2") {
                        el("span", [("class", "badge \(r.indication)")], text: r.indication)
                        " "
                        c.t(indicationText(r.indication))
                    }
                    el("dl") {
                        if let n = r.copyNumber {
                            el("dt", text: c.t("Bản sao số", "Copy number"))
                            el("dd", [("id", "copy-number")], text: n)
                        }
                        if let d = r.issueDate {
                            el("dt", text: c.t("Ngày cấp", "Issued"))
                            el("dd", text: d)
                        }
                        for s in r.shown {
                            el("dt", text: fieldNames[s.field].map { c.t($0) } ?? s.field)
                            el("dd", text: s.value)
                        }
                        if let who = r.signedBy {
                            el("dt", text: c.t("Ký bởi", "Signed by"))
                            el("dd", text: who)
                        }
                        if let at = r.judgedAt {
                            el("dt", text: c.t("Đánh giá tại", "Judged at"))
                            el(
                                "dd",
                                text: at
                                    + (r.timeProof == "timestamp"
                                        ? c.t(" (dấu thời gian)", " (timestamp)") : c.t(" (thời điểm kiểm tra)", " (verification time)")))
                        }
                    }
                    if !r.messages.isEmpty {
                        el("ul", [("class", "errors")]) {
                            for (code, m) in zip(r.reasons, r.messages) {
                                el("li") {
                                    el("code", text: code)
                                    " "
                                    m.text(c.lang)
                                }
                            }
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
            if let p = problem { el("p", [("class", "error"), ("role", "alert")], text: c.t(p.message)) }
            el(
                "p", [("class", "note")],
                text: c.t(
                    "Không cần đăng nhập. Trang chỉ nhắc lại những gì in trên bản sao.",
                    "No sign-in needed. The page repeats only what the copy itself shows."))
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
}
