import Foundation
import HosoAccounts
import HosoKit

/// Which records an account may see and change, by its role and, for teachers and principals, by the assignments of
/// the person it is linked to (never by display name). The routes' roles are in `AccessTable`; this is the record
/// half: a teacher sees the grade books of their own classes and subjects, a principal their school's, the registrar
/// and the office head the office's ledgers and requests, the admin no personal data at all.
enum Visibility {
    /// The record types each role may read through the record screens and API.
    static let types: [Role: [String]] = [
        .principal: ["grade-book", "transcript"],
        .teacher: ["grade-book", "transcript"],
        .registrar: ["ledger", "ledger-appendix", "revocation", "request", "copy"],
        .officeHead: ["ledger", "ledger-appendix", "revocation", "request", "copy"],
        .clerk: ["ledger", "ledger-appendix", "revocation", "request", "copy"],
    ]

    /// Whether the account may read this record.
    static func canSee(_ s: Session, recordType: String, body: JSONValue, in a: Archive) throws -> Bool {
        guard types[s.user.role]?.contains(recordType) == true else { return false }
        switch s.user.role {
        case .teacher:
            return try acts(s, roles: [.subjectTeacher, .homeroomTeacher], recordType: recordType, body: body, in: a) {
                recordType == "grade-book" && sameName(s.user.displayName, body["teacher"]?["fullName"]?.stringValue)
            }
        case .principal:
            return try acts(s, roles: [.principal], recordType: recordType, body: body, in: a) { true }
        default:
            return true
        }
    }

    /// Whether the account may enter marks in and sign this grade book: its subject teacher only.
    static func canWrite(_ s: Session, gradeBook body: JSONValue, in a: Archive) throws -> Bool {
        guard s.user.role == .teacher else { return false }
        return try acts(s, roles: [.subjectTeacher], recordType: "grade-book", body: body, in: a) {
            sameName(s.user.displayName, body["teacher"]?["fullName"]?.stringValue)
        }
    }

    /// Refuses (403) a record the account may not see, without saying what it holds.
    static func requireSee(_ s: Session, recordType: String, body: JSONValue, id: String, in a: Archive) throws {
        guard try canSee(s, recordType: recordType, body: body, in: a) else {
            throw HosoError(
                .forbidden, .both("Tài khoản không được xem hồ sơ này", "This account may not see this record"), location: id)
        }
    }

    /// A linked account acts through its person's assignments. An unlinked one acts only in an archive that records
    /// no people yet (an older one), where `legacy` decides; once people are recorded it must be linked.
    private static func acts(
        _ s: Session, roles: [SignerRole], recordType: String, body: JSONValue, in a: Archive, legacy: () -> Bool
    ) throws -> Bool {
        if let person = s.user.person {
            return try a.isAssigned(person: person, roles: roles, recordType: recordType, body: body)
        }
        return try !a.recordsPeople() && legacy()
    }

    /// Names compared after NFC, case folding and single spaces (the legacy rule for unlinked accounts).
    static func sameName(_ a: String, _ b: String?) -> Bool {
        func norm(_ n: String) -> String {
            n.precomposedStringWithCanonicalMapping.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        guard let b else { return false }
        return norm(a) == norm(b)
    }
}
