import Foundation
import HosoCore

/// One diploma as the ledger says it today: the entry of the ledger's current revision with every correction of
/// its appendices applied, the corrections themselves, and a revocation if there is one. A copy from the ledger
/// must match this completely and exactly (Nghị định 23/2015), so a copy embeds it and a verifier recomputes it.
public struct LedgerEntryView: Codable, Sendable, Equatable {
    public var ledgerRecordId: String
    public var issuer: String
    public var title: String
    public var year: Int
    public var school: String
    public var decision: String?
    /// The entry's fields (ledger columns) after corrections, as strings and numbers from the ledger.
    public var entry: [String: EntryValue]
    public var corrections: [Correction]
    public var revocation: Revocation?
    /// On a copy only: the office that holds the ledger and issued the copy, when it is not the issuer (a custody
    /// transfer, Thông tư 13/2025). Absent from older copies and from the ledger's own view.
    public var custodian: String?
    /// On a copy only: the school's present name when it was renamed or merged since the ledger ("nay là …").
    public var schoolNow: String?

    public init(
        ledgerRecordId: String,
        issuer: String,
        title: String,
        year: Int,
        school: String,
        decision: String? = nil,
        entry: [String: EntryValue],
        corrections: [Correction],
        revocation: Revocation? = nil
    ) {
        self.ledgerRecordId = ledgerRecordId
        self.issuer = issuer
        self.title = title
        self.year = year
        self.school = school
        self.decision = decision
        self.entry = entry
        self.corrections = corrections
        self.revocation = revocation
    }

    public enum EntryValue: Codable, Sendable, Equatable {
        case text(String)
        case number(Int)
        case flag(Bool)

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                self = .flag(b)
            } else if let i = try? c.decode(Int.self) {
                self = .number(i)
            } else {
                self = .text(try c.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .text(let s): try c.encode(s)
            case .number(let i): try c.encode(i)
            case .flag(let b): try c.encode(b)
            }
        }

        public var text: String {
            switch self {
            case .text(let s): return s
            case .number(let i): return String(i)
            case .flag(let b): return b ? "có" : "không"
            }
        }
    }

    public struct Correction: Codable, Sendable, Equatable {
        public var appendixRecordId: String
        public var revision: String
        public var decision: String?
        public var fields: [String]

        public init(
            appendixRecordId: String,
            revision: String,
            decision: String? = nil,
            fields: [String]
        ) {
            self.appendixRecordId = appendixRecordId
            self.revision = revision
            self.decision = decision
            self.fields = fields
        }
    }

    public struct Revocation: Codable, Sendable, Equatable {
        public var recordId: String
        public var kind: String
        public var decision: String?
        public var reason: String

        public init(
            recordId: String,
            kind: String,
            decision: String? = nil,
            reason: String
        ) {
            self.recordId = recordId
            self.kind = kind
            self.decision = decision
            self.reason = reason
        }
    }

    public func text(_ field: String) -> String { entry[field]?.text ?? "" }
    public var serial: String { text("serial") }
    public var ledgerNumber: Int {
        if case .number(let n)? = entry["ledgerNumber"] { return n }
        return 0
    }
    public var ref: String { "\(ledgerRecordId)#\(ledgerNumber)" }

    /// The canonical bytes (RFC 8785) a copy embeds.
    public func canonicalBytes() throws -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return try CanonicalJSON.canonicalize(Array(try enc.encode(self)), source: ref)
    }
}
