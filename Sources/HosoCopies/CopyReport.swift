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
