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
