import Foundation
import HosoCore
import HosoPrimitives
import HosoSigning

// PAdES (ETSI EN 319 142-1) signatures on hoso's copies, and their verification.
//
// Signing appends ONE incremental update to the PDF cairo wrote: the embedded ledger entry (EmbeddedFile stream,
// Filespec, /Names /EmbeddedFiles and /AF in a new catalog revision), a /Sig dictionary (/SubFilter
// /ETSI.CAdES.detached), an invisible signature widget on the page (a new page revision with /Annots), /AcroForm
// with /SigFlags 3, a classic cross-reference section and a trailer with /Prev. The CMS is a detached CAdES-BES
// signature over the two byte ranges, without the signing-time attribute (PAdES puts the time in /M), optionally
// with a signature timestamp (CAdES-T, so PAdES B-T).

extension HosoError.Code {
    /// The CMS (chain, CRLs, timestamp) does not fit the space reserved in /Contents.
    public static let pdfSignatureTooLarge = Self("PDF_SIGNATURE_TOO_LARGE", .badInput)
    /// The PDF cannot take hoso's signature (it already has a form or a signature, or its structure is unexpected).
    public static let pdfNotSignable = Self("PDF_NOT_SIGNABLE", .badInput)
}

extension ReasonCode {
    /// Bytes were added to the PDF after the signed range: an incremental update (new page content, a white box over
    /// a grade, …) that the signature does not cover.
    public static let modifiedAfterSigning = Self(rawValue: "MODIFIED_AFTER_SIGNING")
    /// The PDF carries no signature at all.
    public static let noSignature = Self(rawValue: "NO_SIGNATURE")
}

public enum PAdES {
    /// The space reserved for the CMS in /Contents, in bytes (twice as many hex digits). A chain of two
    /// certificates plus a timestamp token with its own chain is about 6 KiB.
    public static let defaultReservedBytes = 16 * 1024
    /// The signature field's name (/T).
    public static let fieldName = "Signature1"

    /// Signs `pdf` (cairo's output, or any classic-xref PDF without a form) with `signer`.
    /// - Parameters:
    ///   - attachment: a file to embed (the canonical ledger entry), Flate-compressed, listed in /EmbeddedFiles and /AF.
    ///   - time: the claimed signing time, written as /M (the CMS carries no signing-time attribute).
    ///   - timestamp: given the CMS signature value, returns an RFC 3161 token over it (TimeStampToken DER).
    ///   - reservedBytes: the /Contents capacity; signing fails with PDF_SIGNATURE_TOO_LARGE if the CMS is larger.
    public static func sign(
        pdf: [UInt8], signer: SigningIdentity, attachment: (name: String, bytes: [UInt8], mime: String)?,
        reason: String?, location: String?, time: Date,
        timestamp: ((_ signatureValue: [UInt8]) throws -> [UInt8])?,
        reservedBytes: Int = defaultReservedBytes
    ) throws -> [UInt8] {
        try sign(
            pdf: pdf, signer: signer, field: FieldSpec(name: fieldName), attachment: attachment, reason: reason, location: location,
            time: time, timestamp: timestamp, reservedBytes: reservedBytes)
    }

    /// The signature field one signing adds.
    struct FieldSpec {
        /// /T.
        var name: String
        /// The CMS's signer-attributes role, when the signature is a person's in a role.
        var role: SignerRole? = nil
        /// The PDF may already hold signature fields (later signatures of a học bạ); a copy's never does.
        var formMayExist = false
        /// Locks the whole document after this signature: a /Lock (/Action /All, /P 1) on the field and a /FieldMDP
        /// reference in the signature, so that no change but validation data may follow.
        var lockDocument = false
    }

    /// Signs `pdf` with one incremental update that adds the field `field` (see `sign` above).
    static func sign(
        pdf: [UInt8], signer: SigningIdentity, field: FieldSpec, attachment: (name: String, bytes: [UInt8], mime: String)?,
        reason: String?, location: String?, time: Date, timestamp: ((_ signatureValue: [UInt8]) throws -> [UInt8])?,
        reservedBytes: Int
    ) throws -> [UInt8] {
        let doc = try PDFDocument(pdf)
        let (catalogRef, catalogDict) = try doc.catalog()
        let (pageRef, pageDict) = try doc.firstPage()
        guard let size = doc.trailer["Size"]?.int, size > 0, size < PDFParse.maxXrefEntries else {
            throw notSignable("the trailer has no usable /Size")
        }
        var fields = [PDFObject]()
        var form = PDFDict(["SigFlags": .int(3)])
        switch catalogDict["AcroForm"] {
        case nil: break
        case .dict(let f)? where field.formMayExist:
            guard case .array(let a)? = f["Fields"] else { throw notSignable("the form has no direct /Fields") }
            guard try !doc.signatureFields().contains(where: { $0.0 == field.name }) else {
                throw notSignable("the PDF already has a field named \(field.name)")
            }
            (form, fields) = (f, a)
        default: throw notSignable("the PDF already has a form (/AcroForm)")
        }
        if attachment != nil || !field.formMayExist {
            guard catalogDict["AF"] == nil else { throw notSignable("the catalog already has associated files (/AF)") }
        }

        var update = IncrementalUpdate(next: size)
        let pdfTime = PDFText.date(time)

        // The embedded file and its file specification.
        var catalog = catalogDict
        if let a = attachment { try embed(a, in: &catalog, update: &update, pdfTime: pdfTime) }

        // The signature dictionary, with placeholders for /ByteRange and /Contents, and its widget.
        let placeholder = addSignature(
            to: &update, signer: signer, field: field, reason: reason, location: location, pdfTime: pdfTime,
            pageRef: pageRef, catalogRef: catalogRef, reservedBytes: reservedBytes)

        // New revisions of the page (its /Annots) and of the catalog (/AcroForm, /Names, /AF).
        var page = pageDict
        switch page["Annots"] {
        case nil: page["Annots"] = .array([.ref(placeholder.widgetNum, 0)])
        case .array(let a)?: page["Annots"] = .array(a + [.ref(placeholder.widgetNum, 0)])
        default: throw notSignable("the page's /Annots is indirect")
        }
        update.objects.append((pageRef.0, pageRef.1, PDFWriter.serialize(.dict(page))))
        form["Fields"] = .array(fields + [.ref(placeholder.widgetNum, 0)])
        catalog["AcroForm"] = .dict(form)
        update.objects.append((catalogRef.0, catalogRef.1, PDFWriter.serialize(.dict(catalog))))

        // The update written after the PDF; then the byte range, and the CMS over it.
        let written = write(update, after: pdf, doc: doc, catalogRef: catalogRef, sigNum: placeholder.sigNum, pdfTime: pdfTime)
        var out = written.out
        let contents = try fillByteRange(&out, placeholder, sigObjectOffset: written.sigObjectOffset, reservedBytes: reservedBytes)
        try fillContents(&out, contents, reservedBytes: reservedBytes) { signed in
            try CMSSigner.sign(content: signed, identity: signer, role: field.role, at: time, signingTime: false, timestamp: timestamp)
        }
        return out
    }

    /// The objects of one incremental update, numbered on from the trailer's /Size.
    struct IncrementalUpdate {
        var next: Int
        var objects = [(num: Int, gen: Int, body: [UInt8])]()

        mutating func allocate() -> Int {
            defer { next += 1 }
            return next
        }
    }

    /// Where the signature dictionary's placeholders are, to fill them once the update is written.
    struct SignaturePlaceholder {
        var sigNum: Int
        var widgetNum: Int
        var byteRangePlaceholder: String
        var contentsHexOffsetInBody: Int
    }

    /// Adds the attachment (an EmbeddedFile stream and its Filespec) to the update, and to the catalog's
    /// /Names /EmbeddedFiles and /AF.
    static func embed(
        _ a: (name: String, bytes: [UInt8], mime: String), in catalog: inout PDFDict,
        update: inout IncrementalUpdate, pdfTime: String
    ) throws {
        let name = a.name.precomposedStringWithCanonicalMapping
        guard !name.isEmpty else { throw notSignable("the attachment has no name") }
        let fileNum = update.allocate()
        let specNum = update.allocate()
        let packed = try PDFZlib.deflate(a.bytes)
        let fileDict = PDFDict([
            "Type": .name("EmbeddedFile"), "Subtype": .name(a.mime), "Filter": .name("FlateDecode"),
            "Length": .int(packed.count),
            "Params": .dict(PDFDict(["Size": .int(a.bytes.count), "ModDate": .string(Array(pdfTime.utf8))])),
        ])
        update.objects.append(
            (
                fileNum, 0,
                PDFWriter.serialize(.dict(fileDict)) + Array("\nstream\n".utf8) + packed
                    + Array("\nendstream".utf8)
            ))
        let spec = PDFDict([
            "Type": .name("Filespec"), "F": .string(Array(asciiFallback(name).utf8)), "UF": .string(PDFText.encode(name)),
            "EF": .dict(PDFDict(["F": .ref(fileNum, 0), "UF": .ref(fileNum, 0)])),
            "AFRelationship": .name("Data"),
        ])
        update.objects.append((specNum, 0, PDFWriter.serialize(.dict(spec))))
        let tree = PDFObject.dict(PDFDict(["Names": .array([.string(PDFText.encode(name)), .ref(specNum, 0)])]))
        switch catalog["Names"] {
        case nil:
            catalog["Names"] = .dict(PDFDict(["EmbeddedFiles": tree]))
        case .dict(var names)?:
            guard names["EmbeddedFiles"] == nil else { throw notSignable("the PDF already has embedded files") }
            names["EmbeddedFiles"] = tree
            catalog["Names"] = .dict(names)
        default:
            throw notSignable("the catalog's /Names is indirect")
        }
        catalog["AF"] = .array([.ref(specNum, 0)])
    }

    /// Adds the signature dictionary, with placeholders for /ByteRange and /Contents, and its invisible widget.
    static func addSignature(
        to update: inout IncrementalUpdate, signer: SigningIdentity, field: FieldSpec, reason: String?, location: String?,
        pdfTime: String, pageRef: (Int, Int), catalogRef: (Int, Int), reservedBytes: Int
    ) -> SignaturePlaceholder {
        let sigNum = update.allocate()
        let widgetNum = update.allocate()
        var sig = PDFDict([
            "Type": .name("Sig"), "Filter": .name("Adobe.PPKLite"), "SubFilter": .name("ETSI.CAdES.detached"),
            "M": .string(Array(pdfTime.utf8)),
        ])
        if let name = signer.certificate.commonName { sig["Name"] = .string(PDFText.encode(name)) }
        if let reason { sig["Reason"] = .string(PDFText.encode(reason)) }
        if let location { sig["Location"] = .string(PDFText.encode(location)) }
        if field.lockDocument {
            let params = PDFDict(["Type": .name("TransformParams"), "Action": .name("All"), "V": .name("1.2")])
            sig["Reference"] = .array([
                .dict(
                    PDFDict([
                        "Type": .name("SigRef"), "TransformMethod": .name("FieldMDP"), "TransformParams": .dict(params),
                        "Data": .ref(catalogRef.0, catalogRef.1),
                    ]))
            ])
        }
        let (sigBody, byteRangePlaceholder, contentsHexOffsetInBody) = placeholderBody(sig, reservedBytes: reservedBytes)
        update.objects.append((sigNum, 0, sigBody))

        var widget = PDFDict([
            "Type": .name("Annot"), "Subtype": .name("Widget"), "FT": .name("Sig"),
            "T": .string(Array(field.name.utf8)), "V": .ref(sigNum, 0), "P": .ref(pageRef.0, pageRef.1),
            "Rect": .array([.int(0), .int(0), .int(0), .int(0)]), "F": .int(132),  // Print + Locked
        ])
        if field.lockDocument {
            widget["Lock"] = .dict(PDFDict(["Type": .name("SigFieldLock"), "Action": .name("All"), "P": .int(1)]))
        }
        update.objects.append((widgetNum, 0, PDFWriter.serialize(.dict(widget))))
        return SignaturePlaceholder(
            sigNum: sigNum, widgetNum: widgetNum, byteRangePlaceholder: byteRangePlaceholder,
            contentsHexOffsetInBody: contentsHexOffsetInBody)
    }

    /// A signature dictionary starting with placeholders for /ByteRange and /Contents (filled once the update is
    /// written), then the entries of `rest`.
    static func placeholderBody(_ rest: PDFDict, reservedBytes: Int) -> (body: [UInt8], byteRange: String, contentsHexOffset: Int) {
        let byteRangePlaceholder = "[0 " + String(repeating: " ", count: 3 * 11 - 1) + "]"
        var body = Array("<< /ByteRange \(byteRangePlaceholder) /Contents <".utf8)
        let contentsHexOffset = body.count
        body += [UInt8](repeating: UInt8(ascii: "0"), count: 2 * reservedBytes)
        body += Array(">".utf8)
        // The rest of the dictionary, without its own "<<".
        body += PDFWriter.serialize(.dict(rest)).dropFirst(2)
        return (body, byteRangePlaceholder, contentsHexOffset)
    }

    /// The update: `pdf`, then the objects, a cross-reference section and a trailer with /Prev. Also where the
    /// signature object starts.
    static func write(
        _ update: IncrementalUpdate, after pdf: [UInt8], doc: PDFDocument, catalogRef: (Int, Int), sigNum: Int,
        pdfTime: String
    ) -> (out: [UInt8], sigObjectOffset: Int) {
        var out = pdf
        if let last = out.last, last != 10, last != 13 { out.append(10) }
        var offsets = [(num: Int, gen: Int, offset: Int)]()
        var sigObjectOffset = 0
        for o in update.objects {
            if o.num == sigNum { sigObjectOffset = out.count }
            offsets.append((o.num, o.gen, out.count))
            out += Array("\(o.num) \(o.gen) obj\n".utf8) + o.body + Array("\nendobj\n".utf8)
        }
        let xrefOffset = out.count
        out += Array("xref\n".utf8)
        let sorted = offsets.sorted { $0.num < $1.num }
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count, sorted[j + 1].num == sorted[j].num + 1 { j += 1 }
            out += Array("\(sorted[i].num) \(j - i + 1)\n".utf8)
            for e in sorted[i...j] { out += Array((pad(e.offset, 10) + " " + pad(e.gen, 5) + " n\r\n").utf8) }
            i = j + 1
        }
        var trailer = PDFDict()
        trailer["Size"] = .int(update.next)
        trailer["Root"] = .ref(catalogRef.0, catalogRef.1)
        if let info = doc.trailer["Info"] { trailer["Info"] = info }
        trailer["Prev"] = .int(doc.sections[0])
        let id: [UInt8] = doc.trailer["ID"]?.array?.first?.bytes ?? Array(SHA256.hash(pdf).prefix(16))
        trailer["ID"] = .array([.string(id), .string(Array(SHA256.hash(pdf + Array(pdfTime.utf8)).prefix(16)))])
        out += Array("trailer\n".utf8) + PDFWriter.serialize(.dict(trailer)) + Array("\nstartxref\n\(xrefOffset)\n%%EOF\n".utf8)
        return (out, sigObjectOffset)
    }

    /// Writes the byte range, everything but the /Contents hex string (brackets included), into its placeholder;
    /// returns where that string is.
    static func fillByteRange(
        _ out: inout [UInt8], _ placeholder: SignaturePlaceholder, sigObjectOffset: Int,
        reservedBytes: Int
    ) throws -> Range<Int> {
        let headerLength = "\(placeholder.sigNum) 0 obj\n".utf8.count
        let contentsStart = sigObjectOffset + headerLength + placeholder.contentsHexOffsetInBody - 1
        let contentsEnd = contentsStart + 2 * reservedBytes + 2
        let byteRange = [0, contentsStart, contentsEnd, out.count - contentsEnd]
        let rangeText = "0 \(byteRange[1]) \(byteRange[2]) \(byteRange[3])"
        let placeholderStart = sigObjectOffset + headerLength + "<< /ByteRange [".utf8.count
        let width = placeholder.byteRangePlaceholder.utf8.count - 2
        guard rangeText.utf8.count <= width, out[contentsStart] == UInt8(ascii: "<"), out[contentsEnd - 1] == UInt8(ascii: ">") else {
            throw HosoError(.internalError, .both("Sai vị trí /ByteRange", "The /ByteRange placeholder is misplaced"))
        }
        let filled = Array(rangeText.utf8) + [UInt8](repeating: 0x20, count: width - rangeText.utf8.count)
        out.replaceSubrange(placeholderStart..<placeholderStart + width, with: filled)
        return contentsStart..<contentsEnd
    }

    /// `make` given the bytes of the byte range, its result written into /Contents.
    static func fillContents(
        _ out: inout [UInt8], _ contents: Range<Int>, reservedBytes: Int, make: (_ signed: [UInt8]) throws -> [UInt8]
    ) throws {
        let contentsStart = contents.lowerBound
        let contentsEnd = contents.upperBound
        var signed = [UInt8]()
        signed.reserveCapacity(out.count - (contentsEnd - contentsStart))
        signed += out[0..<contentsStart]
        signed += out[contentsEnd...]
        let cms = try make(signed)
        guard cms.count <= reservedBytes else {
            throw HosoError(
                .pdfSignatureTooLarge,
                .both(
                    "Chữ ký (\(cms.count) byte) lớn hơn chỗ dành trong /Contents (\(reservedBytes) byte)",
                    "The signature (\(cms.count) bytes) is larger than the space reserved in /Contents (\(reservedBytes) bytes)"),
                cause: "reservedBytes")
        }
        let hex = PDFWriter.hex(cms)
        out.replaceSubrange(contentsStart + 1..<contentsStart + 1 + hex.count, with: hex)
    }

    static func notSignable(_ why: String) -> HosoError {
        HosoError(.pdfNotSignable, .both("Không ký được tệp PDF này", "This PDF cannot be signed"), cause: why)
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// /F must be a byte string: the name without diacritics, for readers that ignore /UF.
    static func asciiFallback(_ s: String) -> String {
        let folded = s.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: .diacriticInsensitive, locale: nil)
        return String(folded.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "_" })
    }
}

// MARK: - Verification

extension ReasonCode {
    /// The chain of timestamps that keeps a signature provable has lapsed: a timestamp authority's certificate
    /// expired (or was revoked) before a later document timestamp covered its tokens, or the last one's before the
    /// validation time. Renewal (`hoso copy renew`) adds a document timestamp before that happens.
    public static let longTermProofLapsed = Self(rawValue: "LONG_TERM_PROOF_LAPSED")
}

/// What `PDFVerify` found: one entry per signature, and the overall result.
public struct PDFReport: Sendable, Codable {
    public struct Signature: Sendable, Codable {
        public var fieldName: String?
        public var subFilter: String?
        /// The CMS signature judged over the signed bytes; nil when the CMS could not be read at all, and for a
        /// document timestamp (see `documentTimestamp`).
        public var signature: SignatureReport?
        /// A document timestamp (/SubFilter /ETSI.RFC3161) judged over its byte range.
        public var documentTimestamp: DocumentTimestamp?
        public var byteRangeIsWellFormed: Bool
        public var coversWholeFile: Bool
        /// Bytes after the signed range other than long-term validation updates (see `PDFVerify`).
        public var modifiedAfterSigning: Bool
        public var laterRevisions: Int
        /// /M.
        public var claimedSigningTime: Date?
        /// This signature's result: the CMS result, made FAILED by a broken byte range or later changes.
        public var indication: Indication
        public var reason: ReasonCode?
    }

    /// A document timestamp's verdict.
    public struct DocumentTimestamp: Sendable, Codable {
        public var time: Date?
        public var authority: String?
        public var indication: Indication
        public var reason: ReasonCode?
        public var message: SignatureReport.Message
    }

    /// One link of the chain of timestamps that proves the signature over time: the signature timestamp, then each
    /// document timestamp. `heldUntil` is when the next one was made (or the validation time for the last one);
    /// `holds` says whether the authority's certificate still vouched for the token then.
    public struct LongTermProof: Sendable, Codable {
        public var kind: String
        public var time: Date
        public var authority: String?
        public var authorityValidUntil: Date?
        public var heldUntil: Date
        public var holds: Bool
        public var problem: SignatureReport.Message?
    }

    public var signatures: [Signature]
    public var indication: Indication
    public var reason: ReasonCode?
    /// Why the file could not be read as a signed PDF at all (with FORMAT_FAILURE and no signatures), or why its
    /// long-term proof lapsed.
    public var problem: SignatureReport.Message?
    /// The time judged at (the validation time asked for, else now).
    public var validationTime: Date?
    /// The file holds a DSS (PAdES B-LT validation data).
    public var hasValidationData: Bool?
    /// The chain of timestamps, when the signature has a timestamp.
    public var longTerm: [LongTermProof]?

    public var passed: Bool { indication == .passed }
}

/// Checks a signed copy: each PDF signature's CMS (with `SignatureVerifier`, over the exact signed bytes), that its
/// byte range is sound, and that nothing but long-term validation updates was added after it; each document
/// timestamp; and the chain of timestamps up to the validation time.
///
/// The rule on later changes is strict: bytes after the signed range are allowed only as whole incremental updates
/// that add validation data (a DSS) or a document timestamp (`PDFUpdateCheck`). Anything else — a new page
/// content, a white box over a grade, a changed form field, trailing bytes — makes the copy FAILED with
/// MODIFIED_AFTER_SIGNING, though `pdfsig` still calls such a file valid ("not total document signed").
///
/// Long-term validation uses only the file and the verifier's trust: the DSS's certificates, CRLs and OCSP responses join the
/// verifier's (roots are never taken from the file). The signature is judged at its timestamp's time; each
/// timestamp's authority must still have vouched for it (certificate valid, not revoked, with revocation data
/// current then) when the next document timestamp was made, and the last one's certificate must be valid at the
/// validation time. Otherwise the copy is INDETERMINATE with LONG_TERM_PROOF_LAPSED, saying which link lapsed.
public enum PDFVerify {
    /// - Parameter validationTime: the time to judge at (default: the verifier's clock).
    public static func verify(pdf: [UInt8], verifier: SignatureVerifier, at validationTime: Date? = nil) throws -> PDFReport {
        try verify(pdf: pdf, verifier: verifier, at: validationTime, updates: .longTermOnly)
    }

    /// `updates` says which incremental updates may follow a signature (copies: long-term data only).
    /// `document`: `pdf` already read (nil: read here).
    static func verify(
        pdf: [UInt8], verifier: SignatureVerifier, at validationTime: Date?, updates policy: PDFUpdateCheck.Policy,
        document: PDFDocument? = nil
    ) throws -> PDFReport {
        let doc: PDFDocument
        let infos: [PDFSignatureInfo]
        do {
            doc = try document ?? PDFDocument(pdf)
            infos = try PDFParse.inspect(doc)
        } catch let e as HosoError where e.category.isCallerFault {
            // A file that is not a PDF hoso can read is a verification result (FAILED FORMAT_FAILURE), not an error
            // of the command: it is what a forger's file looks like to the person checking it.
            return PDFReport(signatures: [], indication: .failed, reason: .formatFailure, problem: .init(e.message))
        }
        guard !infos.isEmpty else {
            return PDFReport(signatures: [], indication: .failed, reason: .noSignature, problem: nil)
        }
        let dss = storedValidationData(doc)
        let v =
            dss.certificates.isEmpty && dss.crls.isEmpty && dss.ocsp.isEmpty && validationTime == nil
            ? verifier
            : SignatureVerifier(
                trust: TrustContext(
                    roots: verifier.trust.roots, intermediates: verifier.trust.intermediates + dss.certificates,
                    crls: verifier.trust.crls + dss.crls, ocsp: verifier.trust.ocsp + dss.ocsp),
                policy: verifier.policy, clock: validationTime.map { HosoClock.fixed($0) } ?? verifier.clock)
        let ends = infos.filter(\.byteRangeIsWellFormed).map { $0.byteRange[2] + $0.byteRange[3] }
        let updates = PDFUpdateCheck(doc, firstSignedEnd: ends.min() ?? pdf.count, policy: policy)
        var reports = [PDFReport.Signature]()
        var laterProblem: LocalizedText?
        for info in infos {
            let after: LocalizedText? =
                info.byteRangeIsWellFormed
                ? updates.problem(after: info.byteRange[2] + info.byteRange[3])
                : (info.bytesAfterSignedRange > 0 || info.laterRevisions > 0 ? .both("", "") : nil)
            if laterProblem == nil, info.byteRangeIsWellFormed { laterProblem = after }
            var r = PDFReport.Signature(
                fieldName: info.fieldName, subFilter: info.subFilter, signature: nil, documentTimestamp: nil,
                byteRangeIsWellFormed: info.byteRangeIsWellFormed, coversWholeFile: info.byteRangeCoversWholeFile,
                modifiedAfterSigning: after != nil, laterRevisions: info.laterRevisions, claimedSigningTime: info.signingTime,
                indication: .failed, reason: nil)
            let isTimestamp = info.subFilter == "ETSI.RFC3161"
            if info.byteRangeIsWellFormed, info.signedByteCount > 0 {
                if isTimestamp {
                    let j = v.verifyTimestamp(info.cms, over: info.signedBytes)
                    r.documentTimestamp = .init(
                        time: j.time, authority: j.authority, indication: j.indication, reason: j.reason, message: j.message)
                } else {
                    r.signature = try? v.verify(signature: info.cms, content: info.signedBytes).first
                }
            }
            let verdict: (Indication, ReasonCode?)? =
                r.signature.map { ($0.indication, $0.reason) } ?? r.documentTimestamp.map { ($0.indication, $0.reason) }
            if !info.byteRangeIsWellFormed {
                r.reason = .formatFailure
            } else if let vd = verdict, vd.0 == .failed {
                r.reason = vd.1
            } else if verdict == nil {
                r.reason = .formatFailure
            } else if r.modifiedAfterSigning {
                r.reason = .modifiedAfterSigning
            } else if let vd = verdict {
                r.indication = vd.0
                r.reason = vd.1
            }
            reports.append(r)
        }
        // The worst signature decides: FAILED, then INDETERMINATE, then PASSED.
        func rank(_ i: Indication) -> Int { i == .failed ? 2 : i == .indeterminate ? 1 : 0 }
        let worst = reports.max { rank($0.indication) < rank($1.indication) }!
        var report = PDFReport(
            signatures: reports, indication: worst.indication, reason: worst.reason,
            problem: worst.reason == .modifiedAfterSigning ? laterProblem.map { .init($0) } : nil)
        report.validationTime = validationTime ?? verifier.clock.now()
        report.hasValidationData = doc.hasDSS
        if let proofs = longTermProofs(infos, reports, verifier: v, at: report.validationTime!) {
            report.longTerm = proofs
            if report.indication == .passed, let lapsed = proofs.first(where: { !$0.holds }) {
                report.indication = .indeterminate
                report.reason = .longTermProofLapsed
                report.problem = lapsed.problem
            }
        }
        return report
    }

    /// The chain of timestamps of the first approval signature with a timestamp, each link judged; nil when there
    /// is no such signature.
    static func longTermProofs(
        _ infos: [PDFSignatureInfo], _ reports: [PDFReport.Signature], verifier v: SignatureVerifier, at validationTime: Date
    ) -> [PDFReport.LongTermProof]? {
        guard
            let main = infos.indices.first(where: {
                infos[$0].subFilter != "ETSI.RFC3161" && reports[$0].signature?.timeProof == .timestamp
            }),
            let tokenDER = (try? v.signedData(infos[main].cms))?.signers.first?.timestampToken,
            let token = try? v.timestampToken(tokenDER), let tsa = token.tsaCertificate
        else { return nil }
        var chain: [(kind: String, time: Date, tsa: Certificate, carried: [Certificate])] = [
            ("signature-timestamp", token.genTime, tsa, token.certificates)
        ]
        let mainEnd = infos[main].byteRange[2] + infos[main].byteRange[3]
        let stamps = infos.indices.filter { infos[$0].subFilter == "ETSI.RFC3161" && infos[$0].byteRange.count == 4 }
            .sorted { infos[$0].byteRange[2] + infos[$0].byteRange[3] < infos[$1].byteRange[2] + infos[$1].byteRange[3] }
        for i in stamps where infos[i].byteRange[2] + infos[i].byteRange[3] > mainEnd {
            // Only timestamps that verified: a broken one already decided the report.
            guard reports[i].documentTimestamp?.indication == .passed, let t = try? v.timestampToken(infos[i].cms),
                let a = t.tsaCertificate
            else { continue }
            chain.append(("document-timestamp", t.genTime, a, t.certificates))
        }
        return chain.indices.map { k -> PDFReport.LongTermProof in
            let link = chain[k]
            let last = k == chain.count - 1
            let until = last ? validationTime : chain[k + 1].time
            let why = v.timestampAuthorityHolds(link.tsa, carried: link.carried, at: until, requireRevocationData: !last)
            return .init(
                kind: link.kind, time: link.time, authority: link.tsa.commonName ?? link.tsa.subject,
                authorityValidUntil: link.tsa.notAfter, heldUntil: until, holds: why == nil,
                problem: why.map {
                    .init(
                        .both(
                            "Chuỗi dấu thời gian không còn chứng minh được chữ ký (cần gia hạn dấu thời gian trước khi chứng thư của đơn vị cấp hết hạn): \($0.vi)",
                            "The chain of timestamps no longer proves the signature (timestamps must be renewed before the authority's certificate expires): \($0.en)"
                        ))
                })
        }
    }

    /// The certificates, CRLs and OCSP responses the file's DSS holds (unreadable items are skipped: they only ever
    /// add evidence; an OCSP response counts only when signed by the certificate's CA or its delegated responder).
    static func storedValidationData(_ doc: PDFDocument) -> (certificates: [Certificate], crls: [CRL], ocsp: [OCSPResponse]) {
        guard let d = try? doc.catalog().dict["DSS"], let dss = try? doc.resolveDict(d, "/DSS") else { return ([], [], []) }
        func items(_ key: String) -> [[UInt8]] {
            guard let list = (try? dss[key].map(doc.resolve))?.array else { return [] }
            return list.prefix(PAdES.maxValidationItems).compactMap { item in
                guard case .stream(let sd, let range)? = try? doc.resolve(item) else { return nil }
                return try? doc.streamData(sd, range, limit: 1 << 20)
            }
        }
        return (
            items("Certs").compactMap { try? Certificate(der: $0) }, items("CRLs").compactMap { try? CRL(der: $0) },
            items("OCSPs").compactMap { try? OCSPResponse(der: $0) }
        )
    }
}

extension PDFDocument {
    /// The catalog has a /DSS.
    var hasDSS: Bool { (try? catalog().dict["DSS"]) != nil }
}
