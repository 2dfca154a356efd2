import Foundation
import HosoCore
import HosoRecords
import HosoSigning

/// What a check of a copy's QR code found. The same report for the CLI (text and JSON) and the web.
public struct QRCopyReport: Codable, Sendable {
    /// How far the check went.
    public enum Scope: String, Codable, Sendable {
        /// Against the office's archive: the register line, every payload field, revocation, later corrections.
        case register
        /// No archive: only the office's signature over the payload and the trust in its certificate. A payload
        /// signed with a stolen seal key, or for a revoked diploma, passes this check.
        case signatureOnly = "signature-only"
    }

    /// Always "copy-qr": what was checked.
    public var kind = "copy-qr"
    /// PASSED, INDETERMINATE or FAILED.
    public var indication: String
    public var reasons: [String]
    public var messages: [SignatureReport.Message]
    public var scope: Scope
    /// The payload as read (nil when the text is not a payload at all).
    public var payload: CopyPayload?
    /// The certificate that verified the payload's signature, and how it was judged.
    public var office: OfficeCertificateInfo?
    /// The copy register line with the payload's number (only with an archive).
    public var registered: CopyRegisterEntry?
    /// Payload fields that are not what the register says was issued.
    public var differing: [String]
    /// Corrections of the ledger entry made after the copy was issued.
    public var laterCorrections: [LedgerEntryView.Correction]
    /// The diploma's revocation.
    public var revocation: LedgerEntryView.Revocation?
    /// What the check covered, in words (always said: "signature only" without an archive).
    public var note: SignatureReport.Message
    /// For a QR code that is a link (`QRLink`): the host it opens, which a person should recognise as the office's.
    public var linkHost: String?

    /// A report that has found nothing wrong yet.
    package init(scope: Scope, note: SignatureReport.Message) {
        indication = "PASSED"
        reasons = []
        messages = []
        self.scope = scope
        differing = []
        laterCorrections = []
        self.note = note
    }
}

/// The certificate a QR payload verified with: it is input, not trusted until judged.
public struct OfficeCertificateInfo: Codable, Sendable {
    public var name: String
    /// SHA-256 of the certificate's DER, lowercase hex.
    public var fingerprint: String
    /// The chain to a trust anchor, leaf first (empty when none was found).
    public var chain: [String]
    /// The time the certificate was judged at: the register's time of issue, else the end of the issue day.
    public var judgedAt: Date
    /// The certificate's own judgement: PASSED, INDETERMINATE or FAILED, and why.
    public var indication: String
    public var reason: String?
}

/// The QR check without an archive, and the parts the archive's check shares.
public enum CopyQRVerification {
    /// The note of a check made without the register.
    package static let signatureOnlyNote = SignatureReport.Message(
        .both(
            "CHỈ KIỂM TRA CHỮ KÝ: dữ liệu được ký bằng khóa của cơ quan; chưa đối chiếu sổ cấp bản sao, thu hồi, đính chính (cần kho của cơ quan)",
            "SIGNATURE ONLY: the data were signed with the office's key; not checked against the copy register, revocations or corrections (needs the office's archive)"
        ))
    package static let registerNote = SignatureReport.Message(
        .both(
            "Đã kiểm tra chữ ký, chứng thư của cơ quan, sổ cấp bản sao (mọi trường của mã QR), thu hồi và đính chính",
            "Checked: the signature, the office's certificate, the copy register (every field of the QR code), revocation and corrections"
        ))

    /// Checks `text` with nothing but the given office certificates (untrusted input: each must chain to a root
    /// of `trust`, be valid on the issue date and not revoked by `trust`'s CRLs). Says plainly that only the
    /// signature was checked. A link (`QRLink`) must point at `publicURL` when one is given; without one its host is
    /// only reported (`linkHost`), since offline there is no office setting to hold it against.
    public static func verifySignatureOnly(
        _ text: String, officeCertificates: [Certificate], trust: TrustContext, clock: HosoClock, publicURL: String? = nil
    )
        -> QRCopyReport
    {
        var r = QRCopyReport(scope: .signatureOnly, note: signatureOnlyNote)
        r.linkHost = QRLink.host(of: text)
        let bare: String
        do {
            bare = try QRLink.bareText(text, publicURL: publicURL, anyHost: publicURL == nil)
        } catch let e as HosoError {
            r.fail(e.code.rawValue, e.message)
            return r
        } catch {
            r.fail(HosoError.Code.qrLinkInvalid.rawValue, .both("Đường dẫn trong mã QR bị hỏng", "The link in the QR code is damaged"))
            return r
        }
        guard let (_, cert) = signature(bare, candidates: officeCertificates, into: &r) else { return r }
        judge(
            cert, others: officeCertificates, at: endOfIssueDay(r.payload!.issueDate, calendar: vietnam),
            verifier: SignatureVerifier(trust: trust, clock: clock), into: &r)
        return r
    }

    /// Reads the payload and checks its signature with the candidates; nil (the report FAILED) when it does not verify.
    package static func signature(_ text: String, candidates: [Certificate], into r: inout QRCopyReport) -> (CopyPayload, Certificate)? {
        switch QRPayloadCodec.verify(text.trimmingCharacters(in: .whitespacesAndNewlines), certificates: candidates) {
        case .valid(let p, let office):
            r.payload = p
            return (p, office)
        case .badSignature(let p):
            r.payload = p
            r.fail(
                "QR_BAD_SIGNATURE",
                .both("Chữ ký trong mã QR không đúng: dữ liệu đã bị sửa", "The QR code's signature does not verify: the data were changed"))
        case .unknownOffice(let p):
            r.payload = p
            r.fail("QR_UNKNOWN_OFFICE", .both("Mã QR không do cơ quan này ký", "The QR code was not signed by this office"))
        case .malformed(let why):
            r.fail("QR_MALFORMED", .both("Không phải mã QR của bản sao, hoặc bị hỏng: \(why)", "Not a copy's QR code, or damaged: \(why)"))
        }
        return nil
    }

    /// Judges the office certificate (chain, validity, revocation) at `at`, with the other given certificates as
    /// possible intermediates; a certificate that is not PASSED makes the report so, with its reason.
    package static func judge(
        _ cert: Certificate, others: [Certificate], at: Date, verifier: SignatureVerifier, into r: inout QRCopyReport
    ) {
        let j = verifier.judgeCertificate(cert, untrusted: others.filter { $0 != cert }, at: at)
        r.office = OfficeCertificateInfo(
            name: cert.commonName ?? cert.subject, fingerprint: cert.fingerprint, chain: j.chain, judgedAt: at,
            indication: j.indication.rawValue, reason: j.reason?.rawValue)
        if j.indication != .passed, let code = j.reason {
            let m = j.message
            r.add(
                code.rawValue, .both("Chứng thư của cơ quan: \(m.vi)", "The office's certificate: \(m.en)"),
                indeterminate: j.indication == .indeterminate)
        }
    }

    /// Vietnam's time (UTC+07:00, no daylight saving), for the issue day when no office settings are at hand.
    static let vietnam: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(secondsFromGMT: 7 * 3600)!
        return c
    }()

    /// The last second of an ISO issue date in `calendar`'s time zone: a QR payload's signature time is only known to
    /// the day, and the latest instant is the strict one for revocation and expiry.
    package static func endOfIssueDay(_ date: String, calendar: Calendar) -> Date {
        let p = date.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3,
            let start = calendar.date(from: DateComponents(year: p[0], month: p[1], day: p[2])),
            let next = calendar.date(byAdding: .day, value: 1, to: start)
        else { return .distantPast }
        return next - 1
    }

    /// The payload fields that differ from the copy as issued: the register line, and the entry the issued PDF
    /// embeds (or, when that PDF is not in this archive, the entry as it stands).
    package static func payloadDifferences(
        _ p: CopyPayload, registered: CopyRegisterEntry, issued: LedgerEntryView?, calendar: Calendar
    ) -> [String] {
        func nfc(_ s: String) -> String { s.precomposedStringWithCanonicalMapping }
        var out = [String]()
        func check(_ field: String, _ ok: Bool) { if !ok && !out.contains(field) { out.append(field) } }
        check("holderName", p.holderName == nfc(registered.holderName))
        check("serial", p.serial == nfc(registered.serial))
        check("ledgerNumber", p.ledgerNumber == String(registered.ledgerNumber))
        check("copyNumber", p.copyNumber == registered.copyNumber)
        let day = HosoClock.parse(registered.issuedAt).map { d -> String in
            let c = calendar.dateComponents([.year, .month, .day], from: d)
            return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        }
        check("issueDate", p.issueDate == day)
        if let issued {
            check("holderName", p.holderName == nfc(issued.text("fullName")))
            check("dateOfBirth", p.dateOfBirth == nfc(issued.text("dateOfBirth")))
            check("serial", p.serial == nfc(issued.serial))
            check("ledgerNumber", p.ledgerNumber == String(issued.ledgerNumber))
            check("ledgerYear", p.ledgerYear == issued.year)
        } else {
            // Nothing to compare the date of birth and the ledger year with: not confirmed, so not passed.
            check("dateOfBirth", false)
            check("ledgerYear", false)
        }
        return out
    }
}

extension QRCopyReport {
    package mutating func add(_ code: String, _ text: LocalizedText, indeterminate: Bool = false) {
        reasons.append(code)
        messages.append(.init(text))
        if indeterminate {
            if indication == "PASSED" { indication = "INDETERMINATE" }
        } else {
            indication = "FAILED"
        }
    }

    package mutating func fail(_ code: String, _ text: LocalizedText) { add(code, text) }
}

/// How a registered copy's diploma stands today, as reason codes with their messages.
public struct CopyStanding: Sendable {
    public var reasons: [String] = []
    public var messages: [SignatureReport.Message] = []
    /// The entry as it stands (nil when not found).
    public var entry: LedgerEntryView?
    /// Appendices made after the copy that changed fields it shows.
    public var laterCorrections: [LedgerEntryView.Correction] = []
    public var revocation: LedgerEntryView.Revocation?

    public init() {}

    package mutating func add(_ code: String, _ text: LocalizedText) {
        reasons.append(code)
        messages.append(.init(text))
    }

    package mutating func merge(_ other: CopyStanding) {
        reasons += other.reasons
        messages += other.messages
        entry = other.entry ?? entry
        laterCorrections += other.laterCorrections
        revocation = other.revocation ?? revocation
    }

    /// Revocation, then the difference between the entry as issued and as it stands: fields changed by an appendix
    /// made since (ENTRY_CORRECTED, naming it) and any other difference (ENTRY_MISMATCH). A revocation alone is not a
    /// correction.
    package static func entryStanding(issued: LedgerEntryView, now: LedgerEntryView) -> CopyStanding {
        var s = CopyStanding()
        s.entry = now
        s.revocation = now.revocation
        if let r = now.revocation { s.add("DIPLOMA_REVOKED", revokedText(r)) }
        var a = issued
        var b = now
        a.revocation = nil
        b.revocation = nil
        // Who holds the ledger and what the school is called now are said on the copy, not kept in the ledger.
        (a.custodian, a.schoolNow, b.custodian, b.schoolNow) = (nil, nil, nil, nil)
        guard a != b else { return s }
        let changed = Set(a.entry.keys).union(b.entry.keys).filter { a.entry[$0] != b.entry[$0] }
        var other = [String]()
        if a.ledgerRecordId != b.ledgerRecordId { other.append("ledgerRecordId") }
        if a.issuer != b.issuer { other.append("issuer") }
        if a.title != b.title { other.append("title") }
        if a.year != b.year { other.append("year") }
        if a.school != b.school { other.append("school") }
        if a.decision != b.decision { other.append("decision") }
        // Corrections are only ever added: one the copy lists that the ledger no longer has is unexplained.
        if a.corrections.contains(where: { !b.corrections.contains($0) }) { other.append("corrections") }
        let later = b.corrections.filter { !a.corrections.contains($0) }
        let correctedFields = Set(later.flatMap(\.fields))
        let explained = changed.intersection(correctedFields)
        let unexplained = changed.subtracting(correctedFields).sorted() + other
        if !explained.isEmpty {
            let touching = later.filter { !Set($0.fields).isDisjoint(with: explained) }
            s.laterCorrections = touching
            let names = touching.map {
                "\($0.appendixRecordId) (\($0.fields.filter(explained.contains).joined(separator: ", ")); \($0.decision ?? ""))"
            }
            .joined(separator: "; ")
            s.add(
                "ENTRY_CORRECTED",
                .both(
                    "Mục sổ gốc đã được đính chính sau khi cấp bản sao: \(names)",
                    "The ledger entry was corrected after the copy was issued: \(names)"))
        }
        if !unexplained.isEmpty {
            let names = unexplained.joined(separator: ", ")
            s.add(
                "ENTRY_MISMATCH",
                .both(
                    "Nội dung bản sao khác sổ gốc mà không có đính chính nào giải thích: \(names)",
                    "The copy differs from the ledger with no correction to explain it: \(names)"))
        }
        return s
    }

    package static func revokedText(_ r: LedgerEntryView.Revocation) -> LocalizedText {
        .both(
            "Văn bằng đã bị \(r.kind.lowercased()) (\(r.decision ?? "")): \(r.reason)",
            "The diploma has been revoked (\(r.decision ?? "")): \(r.reason)")
    }
}
