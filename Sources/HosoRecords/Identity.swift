import Foundation
import HosoCore

// People, their certificates and their assignments: what makes a signature mean "this named person, in this role,
// for this record". The certificate says who (Vietnamese public-service certificates carry no title); the
// assignment says in which role, where and when. Both are ordinary records, so who changed them and when is kept.

extension HosoError.Code {
    /// The signer holds no assignment that covers this record, in this role, on the signing date.
    public static let signerNotEntitled = Self("SIGNER_NOT_ENTITLED", .forbidden)
    /// Two person records list the same certificate: nobody can tell whose signature it is.
    public static let certificateSharedByPeople = Self("CERTIFICATE_SHARED_BY_PEOPLE", .conflict)
}

/// A person as the identity model reads a `person` record: the name and the certificates they sign with.
public struct PersonIdentity: Sendable, Equatable {
    public var recordId: String
    public var fullName: String
    public var certificates: [CertificateHolding]

    /// One certificate a person signs with, by the SHA-256 of its DER, optionally limited to dates (YYYY-MM-DD).
    public struct CertificateHolding: Codable, Sendable, Equatable {
        public var sha256: String
        public var from: String?
        public var until: String?
        public var label: String?
    }

    /// Reads a `person` record's body; nil when it has no name.
    package init?(recordId: String, body: JSONValue) {
        guard let name = body["fullName"]?.stringValue else { return nil }
        self.recordId = recordId
        fullName = name
        var holdings = [CertificateHolding]()
        if case .array(let items)? = body["certificates"] {
            for item in items {
                guard let fp = item["sha256"]?.stringValue else { continue }
                holdings.append(
                    .init(
                        sha256: fp.lowercased(), from: item["from"]?.stringValue, until: item["until"]?.stringValue,
                        label: item["label"]?.stringValue))
            }
        }
        certificates = holdings
    }

    /// Whether the certificate is this person's on `day` (YYYY-MM-DD).
    public func holds(certificate sha256: String, on day: String) -> Bool {
        certificates.contains { $0.sha256 == sha256 && ($0.from ?? "") <= day && day <= ($0.until ?? "9999-12-31") }
    }
}

/// One assignment record: a person in a signing role for a school, class, subject, year or office, between dates.
public struct Assignment: Codable, Sendable, Equatable {
    public var recordId: String
    public var person: String
    public var role: String
    public var school: String?
    public var office: String?
    public var `class`: String?
    public var subject: String?
    public var schoolYear: String?
    public var from: String
    public var until: String?
    public var title: String?

    /// Reads an `assignment` record's body; nil when it lacks the person, the role or the start date.
    package init?(recordId: String, body: JSONValue) {
        guard let person = body["person"]?.stringValue, let role = body["role"]?.stringValue, let from = body["from"]?.stringValue
        else { return nil }
        self.recordId = recordId
        self.person = person
        self.role = role
        self.from = from
        school = body["school"]?.stringValue
        office = body["office"]?.stringValue
        `class` = body["class"]?.stringValue
        subject = body["subject"]?.stringValue
        schoolYear = body["schoolYear"]?.stringValue
        until = body["until"]?.stringValue
        title = body["title"]?.stringValue
    }

    /// Whether this assignment lets its person sign `body`, a record of `recordType`, in `role` on `day`.
    /// Places compare after NFC normalisation and case folding, so "Trường THCS Xuân Sơn" typed twice is one school.
    public func covers(_ scope: SigningScope, role: String, on day: String) -> Bool {
        guard self.role == role, from <= day, day <= (until ?? "9999-12-31") else { return false }
        func same(_ a: String?, _ b: String?) -> Bool {
            guard let a, let b else { return false }
            return Self.fold(a) == Self.fold(b)
        }
        switch role {
        case "subject-teacher":
            return same(school, scope.school) && same(`class`, scope.class) && same(subject, scope.subject)
                && same(schoolYear, scope.schoolYear)
        case "homeroom-teacher":
            return same(school, scope.school) && same(`class`, scope.class) && same(schoolYear, scope.schoolYear)
        case "principal":
            return same(school, scope.school) && (schoolYear == nil || same(schoolYear, scope.schoolYear))
        case "registrar", "office-head":
            return scope.offices.contains { same(office, $0) }
        default:
            return false
        }
    }

    static func fold(_ s: String) -> String {
        s.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespaces).lowercased()
    }
}

/// What a record says about where it belongs, for matching assignments: its school, class, subject and year, or the
/// offices that issued or keep it. Nil for record types without signing rules (requests, settings, people…).
public struct SigningScope: Sendable, Equatable {
    public var school: String?
    public var `class`: String?
    public var subject: String?
    public var schoolYear: String?
    public var offices: [String]

    /// The scope of a record, or nil when its type has no signing rules here.
    public init?(recordType: String, body: JSONValue) {
        switch recordType {
        case "grade-book", "transcript", "class-summary", HocBa.recordType:
            // A học bạ names its school as an object (name, superior body, place).
            school = body["school"]?.stringValue ?? body["school"]?["name"]?.stringValue
            `class` = body["class"]?.stringValue
            subject = recordType == "grade-book" ? body["subject"]?.stringValue : nil
            schoolYear = body["schoolYear"]?.stringValue
            offices = []
        case "ledger", "ledger-appendix", "revocation":
            // The issuer, and the custodian when a transfer moved the ledger (TT 13/2025: the province keeps the old
            // district ledgers); either office's registrar or head may sign.
            offices = [body["issuer"]?.stringValue, body["custodian"]?.stringValue].compactMap { $0 }
        default:
            return nil
        }
    }
}

/// The people and assignments of an archive, read together.
public struct IdentityRecords: Sendable {
    public var people: [PersonIdentity]
    public var assignments: [Assignment]

    public init(people: [PersonIdentity], assignments: [Assignment]) {
        self.people = people
        self.assignments = assignments
    }

    /// What the records say of the holder of `sha256` signing a record of `scope` in `role` on the local `day`.
    package func finding(
        certificate sha256: String, role: String, roleTitle: LocalizedText, scope: SigningScope, day: String
    )
        -> IdentityFinding
    {
        guard people.contains(where: { !$0.certificates.isEmpty }) else { return .notRecorded }
        let entitled = assignments.filter { $0.covers(scope, role: role, on: day) }
        let entitledNames = entitled.compactMap { a in people.first { $0.recordId == a.person }?.fullName }
        let names = entitledNames.joined(separator: ", ")
        let whoMay = (vi: names.isEmpty ? "không ai" : names, en: names.isEmpty ? "nobody" : names)
        let holders = people.filter { $0.holds(certificate: sha256, on: day) }
        guard holders.count == 1, let person = holders.first else {
            return .refused(
                nil,
                holders.isEmpty
                    ? .both(
                        "chứng thư số không thuộc người nào trong kho vào ngày \(day); người được ký: \(whoMay.vi)",
                        "the certificate belongs to no person in the archive on \(day); entitled: \(whoMay.en)")
                    : .both(
                        "chứng thư số được ghi cho nhiều người (\(holders.map(\.fullName).joined(separator: ", ")))",
                        "the certificate is recorded for several people (\(holders.map(\.fullName).joined(separator: ", ")))"))
        }
        guard let a = entitled.first(where: { $0.person == person.recordId }) else {
            return .refused(
                person,
                .both(
                    "\(person.fullName) không được phân công ký với vai trò \(roleTitle.vi) cho hồ sơ này vào ngày \(day); người được ký: \(whoMay.vi)",
                    "\(person.fullName) is not assigned to sign this record as \(roleTitle.en) on \(day); entitled: \(whoMay.en)"))
        }
        return .entitled(person, a)
    }
}

/// What the people and assignment records say of one signer.
package enum IdentityFinding {
    /// No person with a certificate is recorded: nothing to check against.
    case notRecorded
    /// The certificate's holder holds this assignment, which covers the record in the role on the day.
    case entitled(PersonIdentity, Assignment)
    /// Anything else, with why and who was entitled; the person holding the certificate when there is one.
    case refused(PersonIdentity?, LocalizedText)
}
