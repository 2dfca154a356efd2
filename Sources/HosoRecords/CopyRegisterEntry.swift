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
    /// SHA-256 fingerprint of the certificate that signed the copy (PDF and QR code). This, not the office's list of
    /// copy signers of the day, decides whether a copy was signed by the office: copies made under a seal that has
    /// since been rotated out keep verifying. Empty on lines written before the field existed.
    public var signer: String
    public var clerk: String
    /// The newest PDF of this copy after its timestamps were renewed (an object id): `document` with validation
    /// data and document timestamps appended as incremental updates. Nil until the first renewal.
    public var renewed: String?

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

extension CopyRegisterEntry {
    /// Lines written before `signer` existed decode with an empty signer (then the office's copy signers decide).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            copyNumber: try c.decode(Int.self, forKey: .copyNumber), year: try c.decode(Int.self, forKey: .year),
            printedNumber: try c.decode(String.self, forKey: .printedNumber), requestId: try c.decode(String.self, forKey: .requestId),
            requesterName: try c.decode(String.self, forKey: .requesterName),
            holderName: try c.decode(String.self, forKey: .holderName), serial: try c.decode(String.self, forKey: .serial),
            ledgerRecordId: try c.decode(String.self, forKey: .ledgerRecordId), ledgerNumber: try c.decode(Int.self, forKey: .ledgerNumber),
            issuedAt: try c.decode(String.self, forKey: .issuedAt), copies: try c.decode(Int.self, forKey: .copies),
            document: try c.decode(String.self, forKey: .document), entryDigest: try c.decode(String.self, forKey: .entryDigest),
            signer: try c.decodeIfPresent(String.self, forKey: .signer) ?? "", clerk: try c.decode(String.self, forKey: .clerk))
        renewed = try c.decodeIfPresent(String.self, forKey: .renewed)
    }
}
