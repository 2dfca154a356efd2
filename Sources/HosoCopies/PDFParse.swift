import Foundation
import HosoCore

// A small, strict PDF reader: enough to read hoso's own copies (cairo output plus our incremental updates) and to
// check PDF signatures. It follows the classic cross-reference tables from the last `startxref` through /Prev,
// resolves indirect objects, and refuses what it does not need: cross-reference streams, object streams,
// encryption, duplicate dictionary keys. Every size, depth and count is bounded, because a PDF handed in for
// verification is hostile input.

extension HosoError.Code {
    /// The bytes are not a PDF this reader accepts (broken syntax, bad cross-reference, a limit exceeded).
    public static let pdfMalformed = Self(rawValue: "PDF_MALFORMED")
    /// A valid PDF feature hoso does not read (cross-reference streams, encryption, …).
    public static let pdfUnsupported = Self(rawValue: "PDF_UNSUPPORTED")
    /// Larger than `PDFParse.maxPDFBytes`.
    public static let pdfTooLarge = Self(rawValue: "PDF_TOO_LARGE")
}

/// One signature field of a PDF as found on disk: where its /ByteRange points, what it covers, and its CMS.
public struct PDFSignatureInfo: Sendable {
    /// The field's /T.
    public var fieldName: String?
    /// /SubFilter, e.g. "ETSI.CAdES.detached".
    public var subFilter: String?
    /// /ByteRange as written: [offset1, length1, offset2, length2].
    public var byteRange: [Int]
    /// Where the /Contents hex string (with its angle brackets) lies in the file.
    public var contentsRange: Range<Int>
    /// The byte range starts at 0, has two parts inside the file, and its gap is exactly the /Contents string.
    public var byteRangeIsWellFormed: Bool
    /// Well formed, and the second part ends at the end of the file: nothing was added after signing.
    public var byteRangeCoversWholeFile: Bool
    /// Cross-reference sections (revisions) that start after the signed bytes end.
    public var laterRevisions: Int
    /// Bytes in the file after the signed bytes end (0 when the whole file is covered).
    public var bytesAfterSignedRange: Int
    /// The DER of the CMS in /Contents (the zero padding removed).
    public var cms: [UInt8]
    /// The file the ranges point into (shared, not copied: arrays are copy-on-write).
    let source: [UInt8]
    /// The two byte ranges of /ByteRange inside the file (empty when the byte range is not usable).
    public var signedRanges: [Range<Int>]
    /// How many bytes the signature covers.
    public var signedByteCount: Int { signedRanges.reduce(0) { $0 + $1.count } }
    /// The two byte ranges concatenated: what the CMS signs (empty when the byte range is not usable). Made on
    /// each call, so a caller holds one signature's bytes at a time.
    public var signedBytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(signedByteCount)
        for r in signedRanges { out += source[r] }
        return out
    }
    /// /M, the claimed signing time (PAdES puts it here, not in the CMS).
    public var signingTime: Date?
    public var reason: String?
    public var location: String?
    /// /Name.
    public var signerName: String?
}

/// The name the issue gives the same facts.
public typealias PDFSignatureCheck = PDFSignatureInfo

public enum PDFParse {
    /// The largest PDF read (a copy is about 50 KiB).
    public static let maxPDFBytes = 64 << 20
    /// The largest decompressed embedded file.
    public static let maxAttachmentBytes = 16 << 20
    static let maxXrefSections = 256
    /// Cross-reference entries over all sections (a copy has a few dozen objects; a million took seconds to read).
    static let maxXrefEntries = 100_000
    static let maxFields = 1000
    /// Signature fields read (each one is verified over the whole file; a copy has one).
    static let maxSignatures = 32
    static let maxTreeNodes = 10_000
    static let maxTreeDepth = 16

    /// Every signature field (/FT /Sig with a value) of the document's latest revision, with its byte-range checks.
    public static func inspect(_ pdf: [UInt8]) throws -> [PDFSignatureInfo] {
        try inspect(try PDFDocument(pdf))
    }

    static func inspect(_ doc: PDFDocument) throws -> [PDFSignatureInfo] {
        var result = [PDFSignatureInfo]()
        for (name, sigRef) in try doc.signatureFields() {
            guard case .dict(let sig) = try doc.resolve(sigRef) else {
                throw doc.malformed("the signature value is not a dictionary")
            }
            result.append(try doc.signatureInfo(sig, fieldName: name))
        }
        return result
    }

    /// The offsets of the document's cross-reference sections, oldest first: one per revision.
    public static func revisions(_ pdf: [UInt8]) throws -> [Int] {
        try PDFDocument(pdf).sections.reversed()
    }

    /// The names in the catalog's /EmbeddedFiles name tree (NFC).
    public static func attachmentNames(in pdf: [UInt8]) -> [String] {
        guard let doc = try? PDFDocument(pdf), let entries = try? doc.embeddedFiles() else { return [] }
        return entries.map(\.name)
    }

    /// The first embedded file, its name and bytes, read in one pass (nil when there is none or it cannot be read).
    public static func firstAttachment(in pdf: [UInt8]) -> (name: String, bytes: [UInt8]?)? {
        guard let doc = try? PDFDocument(pdf), let entry = (try? doc.embeddedFiles())?.first else { return nil }
        return (entry.name, try? doc.embeddedFileBytes(entry.filespec))
    }

    /// The bytes of the embedded file called `name` (compared in NFC), uncompressed; nil when there is none or the
    /// file cannot be read.
    public static func attachment(named name: String, in pdf: [UInt8]) -> [UInt8]? {
        (try? PDFDocument(pdf)).flatMap { attachment(named: name, in: $0) }
    }

    static func attachment(named name: String, in doc: PDFDocument) -> [UInt8]? {
        guard let entries = try? doc.embeddedFiles() else { return nil }
        let wanted = Array(name.precomposedStringWithCanonicalMapping.utf8)
        guard let entry = entries.first(where: { Array($0.name.utf8) == wanted }) else { return nil }
        return try? doc.embeddedFileBytes(entry.filespec)
    }
}
