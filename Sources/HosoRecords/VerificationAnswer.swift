import Foundation
import HosoCore

/// The answer to a verification request (xác minh văn bằng): what the asker presented, compared with the ledger.
/// It names nothing the asker did not present (DOMAIN.md: no personal data beyond what the asker showed), only
/// whether each presented detail matches and whether the diploma stands.
public struct VerificationAnswer: Codable, Sendable, Equatable {
    public enum Finding: String, Codable, Sendable {
        /// Every presented detail matches a ledger entry and the diploma is not revoked.
        case matches
        /// An entry was found but some presented details differ (listed in `differing`).
        case differs
        /// No entry in the ledgers with this serial (or ledger and number).
        case notFound = "not-found"
        /// The entry matches but the diploma has been revoked or annulled.
        case revoked
    }

    public var requestId: String
    public var askingBody: String?
    public var presented: [String: String]
    public var finding: Finding
    public var differing: [String]
    public var ledgerRef: String?
    public var revocationDecision: String?
    public var answeredAt: String

    public init(
        requestId: String,
        askingBody: String? = nil,
        presented: [String: String],
        finding: Finding,
        differing: [String],
        ledgerRef: String? = nil,
        revocationDecision: String? = nil,
        answeredAt: String
    ) {
        self.requestId = requestId
        self.askingBody = askingBody
        self.presented = presented
        self.finding = finding
        self.differing = differing
        self.ledgerRef = ledgerRef
        self.revocationDecision = revocationDecision
        self.answeredAt = answeredAt
    }

    public var text: LocalizedText {
        switch finding {
        case .matches:
            return .both("Thông tin văn bằng nêu trên KHỚP với sổ gốc cấp văn bằng.", "The diploma details above MATCH the ledger.")
        case .differs:
            return .both(
                "Có văn bằng với số hiệu này nhưng các thông tin sau KHÔNG KHỚP sổ gốc: \(differing.joined(separator: ", ")).",
                "A diploma with this serial exists but these details do NOT match the ledger: \(differing.joined(separator: ", ")).")
        case .notFound:
            return .both(
                "KHÔNG tìm thấy văn bằng này trong sổ gốc do cơ quan quản lý.", "This diploma is NOT in the ledgers this office keeps.")
        case .revoked:
            return .both(
                "Văn bằng này ĐÃ BỊ THU HỒI/HỦY BỎ (\(revocationDecision ?? "")).",
                "This diploma HAS BEEN REVOKED (\(revocationDecision ?? "")).")
        }
    }
}

extension CitizenRequest {
    /// How the request names the diploma: its serial, else its ledger and ledger number.
    public var ledgerReference: String { serial ?? "\(ledgerRecordId ?? "")#\(ledgerNumber ?? 0)" }
}

extension VerificationAnswer {
    /// The answer to verification request `id`: what it presents compared with the ledger `entry` it names (nil when
    /// the ledgers hold no such diploma). Names are compared without accents or case; a revocation is the finding
    /// only when everything presented matches.
    public init(answering request: CitizenRequest, id: String, entry: LedgerEntryView?, at date: Date) {
        var presented = ["fullName": request.holderName]
        if let d = request.holderDateOfBirth { presented["dateOfBirth"] = d }
        if let s = request.serial { presented["serial"] = s }
        if let n = request.ledgerNumber { presented["ledgerNumber"] = String(n) }
        var finding = Finding.notFound
        var differing = [String]()
        var decision: String?
        if let view = entry {
            if VietnameseText.fold(view.text("fullName")) != VietnameseText.fold(request.holderName) { differing.append("fullName") }
            if let d = request.holderDateOfBirth, d != view.text("dateOfBirth") { differing.append("dateOfBirth") }
            if let s = request.serial, s != view.serial { differing.append("serial") }
            if let n = request.ledgerNumber, n != view.ledgerNumber { differing.append("ledgerNumber") }
            if let r = view.revocation, differing.isEmpty {
                finding = .revoked
                decision = r.decision
            } else {
                finding = differing.isEmpty ? .matches : .differs
            }
        }
        self.init(
            requestId: id, askingBody: request.askingBody, presented: presented, finding: finding, differing: differing,
            ledgerRef: entry?.ref, revocationDecision: decision, answeredAt: HosoClock.format(date))
    }
}
