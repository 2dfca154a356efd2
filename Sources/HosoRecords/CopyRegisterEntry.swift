import Foundation
import HosoCore

/// One line of the copy register (sổ cấp bản sao): requester, holder, serial, ledger number, copy number, date,
/// how many copies — and which PDF was issued and what entry it certified.
public struct CopyRegisterEntry: Codable, Sendable, Equatable {
    public var copyNumber: Int
    public var year: Int
    /// As printed: "12/2026".
    public var printedNumber: String
    public var requestId: String
    public var requesterName: String
    public var holderName: String
    public var serial: String
    public var ledgerRecordId: String
    public var ledgerNumber: Int
    public var issuedAt: String
    public var copies: Int
    /// The PDF object's id.
    public var document: String
    /// SHA-256 of the canonical ledger entry the copy embeds.
    public var entryDigest: String
    public var signer: String
    public var clerk: String

    public init(
        copyNumber: Int,
        year: Int,
        printedNumber: String,
        requestId: String,
        requesterName: String,
        holderName: String,
        serial: String,
        ledgerRecordId: String,
        ledgerNumber: Int,
        issuedAt: String,
        copies: Int,
        document: String,
        entryDigest: String,
        signer: String,
        clerk: String
    ) {
        self.copyNumber = copyNumber
        self.year = year
        self.printedNumber = printedNumber
        self.requestId = requestId
        self.requesterName = requesterName
        self.holderName = holderName
        self.serial = serial
        self.ledgerRecordId = ledgerRecordId
        self.ledgerNumber = ledgerNumber
        self.issuedAt = issuedAt
        self.copies = copies
        self.document = document
        self.entryDigest = entryDigest
        self.signer = signer
        self.clerk = clerk
    }

    public static let recordType = "copy"
}
