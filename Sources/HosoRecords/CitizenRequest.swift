import Foundation
import HosoCore

/// A citizen's request: a copy from the ledger, or the verification of a diploma.
public struct CitizenRequest: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case copy, verification }
    public enum Relation: String, Codable, Sendable, CaseIterable { case holder, representative, relative }
    public enum Channel: String, Codable, Sendable, CaseIterable {
        case inPerson = "in-person"
        case post, online
    }
    public enum Status: String, Codable, Sendable, CaseIterable { case received, checked, issued, refused }

    public var kind: Kind
    public var requesterName: String
    public var requesterId: String?
    public var relation: Relation
    /// What the requester showed to prove the relationship (required unless they are the holder).
    public var proof: String?
    public var holderName: String
    public var holderDateOfBirth: String?
    public var serial: String?
    public var ledgerRecordId: String?
    public var ledgerNumber: Int?
    /// For verification requests: the agency or employer asking.
    public var askingBody: String?
    public var channel: Channel
    public var copies: Int
    public var receivedAt: String
    public var deadline: String
    public var status: Status
    public var clerk: String
    public var refusalReason: String?
    /// Ledger entry checked (ledger record id and number) and copies issued.
    public var checkedEntry: String?
    public var issued: [IssuedCopy]
    /// Filed on the public site: the holder's ID, the proof uploaded, the contact, the tracking code's key.
    public var online: OnlineDetails?
    /// Walk-in requests: the clerk compared the requester's identity document with the ledger entry.
    public var identityChecked: Bool?
    /// How to reach the requester (telephone, e-mail or address), as they gave it.
    public var contact: String?
    /// Verification requests: the number of the asking body's letter (their "số công văn").
    public var askingBodyReference: String?
    /// Who handed the issued documents over, to whom and when (nil: not yet handed over).
    public var handedOver: HandOver?

    public init(
        kind: Kind,
        requesterName: String,
        requesterId: String? = nil,
        relation: Relation,
        proof: String? = nil,
        holderName: String,
        holderDateOfBirth: String? = nil,
        serial: String? = nil,
        ledgerRecordId: String? = nil,
        ledgerNumber: Int? = nil,
        askingBody: String? = nil,
        channel: Channel,
        copies: Int,
        receivedAt: String,
        deadline: String,
        status: Status,
        clerk: String,
        refusalReason: String? = nil,
        checkedEntry: String? = nil,
        issued: [IssuedCopy],
        online: OnlineDetails? = nil,
        identityChecked: Bool? = nil,
        contact: String? = nil,
        askingBodyReference: String? = nil,
        handedOver: HandOver? = nil
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
        self.deadline = deadline
        self.status = status
        self.clerk = clerk
        self.refusalReason = refusalReason
        self.checkedEntry = checkedEntry
        self.issued = issued
        self.online = online
        self.identityChecked = identityChecked
        self.contact = contact
        self.askingBodyReference = askingBodyReference
        self.handedOver = handedOver
    }

    /// The hand-over of what was issued: the clerk who handed it over, the person who received it, and when (UTC).
    public struct HandOver: Codable, Sendable, Equatable {
        public var to: String
        public var by: String
        public var at: String

        public init(to: String, by: String, at: String) {
            self.to = to
            self.by = by
            self.at = at
        }
    }

    public struct IssuedCopy: Codable, Sendable, Equatable {
        public var copyNumber: String
        public var document: String

        public init(copyNumber: String, document: String) {
            self.copyNumber = copyNumber
            self.document = document
        }
    }

    public static let recordType = "request"
}
