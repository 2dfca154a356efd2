import Foundation
import HosoCore

// What the record workflows report (HosoKit's ledger import, record saves, citizens' requests).

/// One error or warning of an import, with its place (file, row, column) and the value at fault.
public struct ImportProblem: Codable, Sendable, Equatable {
    public var code: String
    public var location: String?
    public var message: String
    public var messageEn: String
    public var value: String?

    package init(_ e: HosoError) {
        code = e.code.rawValue
        location = e.location
        message = e.message.vi
        messageEn = e.message.en
        value = e.cause
    }
}

/// What a ledger import found and, unless a dry run or an error stopped it, committed.
public struct LedgerImportReport: Codable, Sendable {
    public var source: String
    public var recordId: String
    public var rows: Int
    public var entries: Int
    public var scans: Int
    public var errors: [ImportProblem]
    public var warnings: [ImportProblem]
    public var conversions: [EncodingConversion]
    public var entriesWithoutPage: Int
    public var pagesWithoutEntries: [Int]
    public var dryRun: Bool
    public var committed: Bool
    /// True when the archive already held exactly this ledger.
    public var unchanged: Bool
    public var revision: String?

    public init(
        source: String,
        recordId: String,
        rows: Int,
        entries: Int,
        scans: Int,
        errors: [ImportProblem],
        warnings: [ImportProblem],
        conversions: [EncodingConversion],
        entriesWithoutPage: Int,
        pagesWithoutEntries: [Int],
        dryRun: Bool,
        committed: Bool,
        unchanged: Bool,
        revision: String? = nil
    ) {
        self.source = source
        self.recordId = recordId
        self.rows = rows
        self.entries = entries
        self.scans = scans
        self.errors = errors
        self.warnings = warnings
        self.conversions = conversions
        self.entriesWithoutPage = entriesWithoutPage
        self.pagesWithoutEntries = pagesWithoutEntries
        self.dryRun = dryRun
        self.committed = committed
        self.unchanged = unchanged
        self.revision = revision
    }
}

/// What saving a record did (or, in a dry run, would do).
public enum RecordChange: String, Sendable, Codable {
    /// A new record with its first revision.
    case created
    /// A new revision on top of the current one, with the reason given.
    case revised
    /// The body is the same as the current revision's: nothing written.
    case unchanged
}

/// What saving one record did (or would do in a dry run).
public struct RecordSaveResult: Sendable, Codable, Equatable {
    public var recordType: String
    public var recordId: String
    public var change: RecordChange
    /// The new revision; the current one when unchanged; nil in a dry run that would write.
    public var revision: String?
    /// The revision the new one follows (revised only).
    public var parent: String?
    public var dryRun: Bool

    public init(
        recordType: String,
        recordId: String,
        change: RecordChange,
        revision: String? = nil,
        parent: String? = nil,
        dryRun: Bool
    ) {
        self.recordType = recordType
        self.recordId = recordId
        self.change = change
        self.revision = revision
        self.parent = parent
        self.dryRun = dryRun
    }
}

/// A citizen's request for a copy or a verification, as the clerk enters it.
public struct NewCitizenRequest: Sendable {
    public var kind: CitizenRequest.Kind
    public var requesterName: String
    public var requesterId: String?
    public var relation: CitizenRequest.Relation
    public var proof: String?
    public var holderName: String
    public var holderDateOfBirth: String?
    public var serial: String?
    public var ledgerRecordId: String?
    public var ledgerNumber: Int?
    public var askingBody: String?
    public var channel: CitizenRequest.Channel
    public var copies: Int
    public var receivedAt: Date?
    public var identityChecked: Bool?
    public var contact: String?
    public var askingBodyReference: String?

    public init(
        kind: CitizenRequest.Kind, requesterName: String, requesterId: String? = nil, relation: CitizenRequest.Relation,
        proof: String? = nil, holderName: String, holderDateOfBirth: String? = nil, serial: String? = nil,
        ledgerRecordId: String? = nil, ledgerNumber: Int? = nil, askingBody: String? = nil,
        channel: CitizenRequest.Channel, copies: Int = 1, receivedAt: Date? = nil, identityChecked: Bool? = nil,
        contact: String? = nil, askingBodyReference: String? = nil
    ) {
        self.kind = kind
        self.requesterName = requesterName
        self.requesterId = requesterId
        self.relation = relation
        self.proof = proof
        self.holderName = holderName
        self.holderDateOfBirth = holderDateOfBirth
        self.serial = serial
        self.ledgerRecordId = ledgerRecordId
        self.ledgerNumber = ledgerNumber
        self.askingBody = askingBody
        self.channel = channel
        self.copies = copies
        self.receivedAt = receivedAt
        self.identityChecked = identityChecked
        self.contact = contact
        self.askingBodyReference = askingBodyReference
    }
}

/// One request in the clerk's list, marked when past its deadline.
public struct RequestListing: Codable, Sendable {
    public var id: String
    public var request: CitizenRequest
    public var overdue: Bool

    public init(id: String, request: CitizenRequest, overdue: Bool) {
        self.id = id
        self.request = request
        self.overdue = overdue
    }
}

extension NewCitizenRequest {
    /// What is wrong with the request as entered, every problem at once, each naming its form field.
    public var problems: [HosoError] {
        var problems = [HosoError]()
        func bad(_ field: String, _ vi: String, _ en: String) {
            problems.append(HosoError(.badRequestInput, .both(vi, en), location: field))
        }
        if requesterName.trimmingCharacters(in: .whitespaces).isEmpty {
            bad("requester", "Thiếu họ tên người yêu cầu", "The requester's name is missing")
        }
        if holderName.trimmingCharacters(in: .whitespaces).isEmpty {
            bad("holder", "Thiếu họ tên người được cấp văn bằng", "The holder's name is missing")
        }
        if relation != .holder && (proof ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            bad(
                "proof", "Người đại diện hoặc thân nhân phải xuất trình giấy tờ chứng minh quan hệ (Nghị định 23/2015)",
                "A representative or relative must show proof of the relationship (Decree 23/2015)")
        }
        if serial == nil && (ledgerRecordId == nil || ledgerNumber == nil) {
            bad(
                "diploma", "Cần số hiệu văn bằng, hoặc sổ gốc và số vào sổ",
                "The diploma's serial, or its ledger and ledger number, is needed")
        }
        if !(1...20).contains(copies) { bad("copies", "Số bản sao phải từ 1 đến 20", "The number of copies must be 1 to 20") }
        if let dob = holderDateOfBirth, dob.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil {
            bad("holder-dob", "Ngày sinh phải dạng YYYY-MM-DD", "The date of birth must be YYYY-MM-DD")
        }
        if let id = requesterId, id.range(of: #"^\d{12}$"#, options: .regularExpression) == nil {
            bad("requester-id", "Số định danh cá nhân phải có 12 chữ số", "The citizen ID must have 12 digits")
        }
        return problems
    }

    /// The request as registered, received at `receivedAt` and due at `deadline`.
    public func request(receivedAt: Date, deadline: Date, clerk: String) -> CitizenRequest {
        CitizenRequest(
            kind: kind, requesterName: requesterName, requesterId: requesterId, relation: relation, proof: proof,
            holderName: holderName, holderDateOfBirth: holderDateOfBirth, serial: serial, ledgerRecordId: ledgerRecordId,
            ledgerNumber: ledgerNumber, askingBody: askingBody, channel: channel, copies: copies,
            receivedAt: HosoClock.format(receivedAt), deadline: HosoClock.format(deadline), status: .received, clerk: clerk,
            refusalReason: nil, checkedEntry: nil, issued: [], identityChecked: identityChecked, contact: contact,
            askingBodyReference: askingBodyReference)
    }
}
