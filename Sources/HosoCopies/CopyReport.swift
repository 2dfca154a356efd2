import Foundation
import HosoCore
import HosoRecords
import HosoSigning

/// What `verifyCopy` found: the PDF signature report, then the archive's checks.
public struct CopyReport: Codable, Sendable {
    /// What the signed PDF is: a certified copy, or a letter answering a verification request.
    public enum Kind: String, Codable, Sendable {
        case copy
        case letter
    }

    /// A letter's finding, as its readers see it.
    public enum Finding: String, Codable, Sendable {
        case matches = "MATCHES"
        case differs = "DIFFERS"
        case notFound = "NOT_FOUND"
        case revoked = "REVOKED"

        public init(_ f: VerificationAnswer.Finding) {
            switch f {
            case .matches: self = .matches
            case .differs: self = .differs
            case .notFound: self = .notFound
            case .revoked: self = .revoked
            }
        }

        /// The finding in words.
        public var text: LocalizedText {
            switch self {
            case .matches: .both("KHỚP sổ gốc", "MATCHES the ledger")
            case .differs: .both("KHÔNG KHỚP sổ gốc", "DIFFERS from the ledger")
            case .notFound: .both("KHÔNG CÓ trong sổ gốc", "NOT FOUND in the ledgers")
            case .revoked: .both("văn bằng ĐÃ BỊ THU HỒI", "the diploma is REVOKED")
            }
        }
    }

    /// "copy" or "letter". For a letter, PASSED means the letter is authentic; what it says is `finding`.
    public var kind: Kind
    /// PASSED, INDETERMINATE or FAILED: the PDF signature and every archive check together.
    public var indication: String
    /// Why it is not PASSED, as reason codes.
    public var reasons: [String]
    /// The PDF signature as a PAdES validator sees it.
    public var pdf: PDFReport
    /// Whether the signer is one of the office's copy signers (nil when unknown).
    public var signerIsOffice: Bool?
    /// The copy register line of this copy, when the archive issued it.
    public var registered: CopyRegisterEntry?
    /// The ledger entry the copy certifies, as the ledger holds it now.
    public var entry: LedgerEntryView?
    /// Corrections of the entry made after the copy was issued.
    public var laterCorrections: [LedgerEntryView.Correction]
    /// The diploma's revocation, which makes every copy of it fail.
    public var revocation: LedgerEntryView.Revocation?
    /// A letter's answer, as it embeds it.
    public var letter: VerificationAnswer?
    /// A letter's finding (nil for a copy).
    public var finding: Finding?
    /// What to tell the person checking, in Vietnamese and English.
    public var messages: [SignatureReport.Message]
    /// The office that issued the diploma, as the copy's embedded entry names it.
    public var issuer: String?
    /// The office that held the ledger and issued the copy, when it is not the issuer (a custody transfer); nil on
    /// copies issued by the issuer itself, and on every copy made before custody existed.
    public var custodian: String?
    /// How the ledger became data (Law on E-Transactions 2023, Art. 12): the digitization record of the ledger's
    /// current revision, when the archive has one.
    public var conversion: Conversion?

    /// A ledger's digitization record as a verifier tells it.
    public struct Conversion: Codable, Sendable, Equatable {
        /// The person who committed the data.
        public var convertedBy: String
        /// The converting office.
        public var organisation: String
        /// UTC, ISO 8601.
        public var convertedAt: String
        /// "import" (a typed spreadsheet), "keyed" (typed from the scans) or "ocr-checked".
        public var method: String
        /// Names of the seal certificates whose signature on the record verifies; empty: not sealed.
        public var sealedBy: [String]

        public init(convertedBy: String, organisation: String, convertedAt: String, method: String, sealedBy: [String]) {
            self.convertedBy = convertedBy
            self.organisation = organisation
            self.convertedAt = convertedAt
            self.method = method
            self.sealedBy = sealedBy
        }

        /// How the text was made, in words.
        public var methodText: LocalizedText {
            switch method {
            case "import": .both("nhập từ bảng tính đã đánh máy", "imported from a typed spreadsheet")
            case "keyed": .both("nhập tay theo ảnh quét trang sổ", "keyed by hand from the page scans")
            case "ocr-checked": .both("đọc máy (OCR) rồi người kiểm tra", "machine-read (OCR), checked by a person")
            default: .both(method, method)
            }
        }

        /// One sentence for the person checking: who converted the ledger, when (the day, in the office's own
        /// words elsewhere), how, and whether the converting office's seal signed the record.
        public func sentence(day: String) -> LocalizedText {
            let sealed =
                sealedBy.isEmpty
                ? LocalizedText.both(
                    "biên bản số hóa chưa được đóng dấu số của cơ quan", "the digitization record is not sealed by the office yet")
                : LocalizedText.both(
                    "biên bản số hóa có chữ ký số con dấu của cơ quan (\(sealedBy.joined(separator: ", ")))",
                    "the digitization record carries the office's seal signature (\(sealedBy.joined(separator: ", ")))")
            return .both(
                "Sổ gốc được số hóa bởi \(convertedBy) (\(organisation)) ngày \(day), \(methodText.vi); \(sealed.vi).",
                "The ledger was digitized by \(convertedBy) (\(organisation)) on \(day), \(methodText.en); \(sealed.en).")
        }
    }

    /// A report that so far has only the PDF signature's verdict.
    package init(pdf: PDFReport) {
        kind = .copy
        indication = "PASSED"
        reasons = []
        self.pdf = pdf
        laterCorrections = []
        messages = []
        if !pdf.passed, let r = pdf.reason {
            // A code without words of its own (the PDF checks' codes) is told by the problem alone.
            let worded = r.text.en != r.rawValue
            add(
                r.rawValue,
                pdf.problem.map { worded ? .both(r.text.vi + ": " + $0.vi, r.text.en + ": " + $0.en) : .both($0.vi, $0.en) } ?? r.text)
        }
    }

    /// Adds a finding (once per code).
    package mutating func add(_ code: String, _ text: LocalizedText) {
        guard !reasons.contains(code) else { return }
        reasons.append(code)
        messages.append(.init(text))
    }

    /// The indication from the findings: INDETERMINATE only when the PDF signature's indeterminate verdict is all.
    package mutating func conclude() {
        indication = reasons.isEmpty ? "PASSED" : (pdf.indication == .indeterminate && reasons.count == 1 ? "INDETERMINATE" : "FAILED")
        finding = letter.map { Finding($0.finding) }
    }
}
