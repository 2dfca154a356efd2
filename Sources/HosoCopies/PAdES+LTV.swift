import Foundation
import HosoCore
import HosoPrimitives
import HosoSigning

// PAdES B-LT and B-LTA (ETSI EN 319 142-1 §5.4–5.5, ISO 32000-2 §12.8.4–12.8.5) for hoso's copies, each step one
// incremental update after the signature:
// - a Document Security Store: /DSS in the catalog, with /Certs, /CRLs and /OCSPs arrays of streams (raw DER) and a
//   /VRI dictionary keyed by the uppercase hex SHA-1 of each signature's /Contents, naming the data for that
//   signature;
// - a document timestamp: a /Sig dictionary of /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161, whose /Contents is an
//   RFC 3161 token over the byte range, in an invisible widget added to /AcroForm /Fields and the page's /Annots.
// `extendToLTA` makes DSS + document timestamp + DSS (the last one holds the new timestamp's own validation data, so
// the file alone checks it); renewal is the same call on a file that has them already.

/// Validation material for one signature or timestamp, as DER: certificates, CRLs and OCSP responses.
public struct ValidationData: Sendable, Equatable {
    public var certificates: [[UInt8]]
    public var crls: [[UInt8]]
    /// DER OCSPResponse blobs (an archive gives those it keeps or fetches: `Archive.CopyOCSPAnswers`).
    public var ocspResponses: [[UInt8]]

    public init(certificates: [[UInt8]] = [], crls: [[UInt8]] = [], ocspResponses: [[UInt8]] = []) {
        self.certificates = certificates
        self.crls = crls
        self.ocspResponses = ocspResponses
    }
}

extension PAdES {
    /// The /Contents space of a document timestamp: a token with its TSA chain is 2–5 KiB.
    public static let documentTimestampReservedBytes = 12 * 1024
    /// The prefix of document timestamp fields' names (/T): DocTimeStamp1, DocTimeStamp2, …
    public static let documentTimestampFieldPrefix = "DocTimeStamp"
    /// Most validation items (certificates + CRLs + OCSP responses) one DSS holds.
    static let maxValidationItems = 2000

    /// Adds the validation data of every signature and timestamp of `pdf` (a DSS update), then a document timestamp
    /// over the result, then a DSS update with that timestamp's own data. The material comes from `trust` (the
    /// signer's and the TSAs' chains completed from its roots and intermediates, every CRL of theirs it holds) and
    /// `ocsp` (a response for a certificate and its issuer, when a client can give one).
    /// - Parameter timestamp: given the bytes of the document timestamp's byte range, an RFC 3161 token over them.
    public static func extendToLTA(
        pdf: [UInt8], trust: TrustContext, ocsp: ((_ certificate: Certificate, _ issuer: Certificate) -> [UInt8]?)? = nil,
        time: Date, timestamp: (_ signedBytes: [UInt8]) throws -> [UInt8],
        reservedBytes: Int = documentTimestampReservedBytes
    ) throws -> [UInt8] {
        var out = try addValidationData(pdf: pdf, try validationData(for: pdf, trust: trust, ocsp: ocsp), time: time)
        out = try addDocumentTimestamp(pdf: out, time: time, timestamp: timestamp, reservedBytes: reservedBytes)
        return try addValidationData(pdf: out, try validationData(for: out, trust: trust, ocsp: ocsp), time: time)
    }

    /// For every signature and document timestamp of `pdf`: its /Contents (the VRI key's source) and the data that
    /// validates it, from the certificates it carries completed by `trust`.
    public static func validationData(
        for pdf: [UInt8], trust: TrustContext, ocsp: ((_ certificate: Certificate, _ issuer: Certificate) -> [UInt8]?)? = nil
    ) throws -> [(contents: [UInt8], data: ValidationData)] {
        let doc = try PDFDocument(pdf)
        var out = [(contents: [UInt8], data: ValidationData)]()
        for (_, sigRef) in try doc.signatureFields() {
            guard let sig = try doc.resolve(sigRef).dict, let contents = sig["Contents"]?.bytes else { continue }
            let der = PDFDocument.derPrefix(contents)
            var carried = [Certificate]()
            if sig["SubFilter"]?.name == "ETSI.RFC3161" {
                carried = (try? TimeStampToken(der: der))?.certificates ?? []
            } else if let sd = try? SignedData(der: der) {
                carried = sd.certificates
                for s in sd.signers {
                    if let t = s.timestampToken, let token = try? TimeStampToken(der: t) { carried += token.certificates }
                }
            }
            out.append((contents, material(completing: carried, trust: trust, ocsp: ocsp)))
        }
        return out
    }

    /// `certs` with their issuers up to a root (from `trust`), every CRL `trust` holds from those issuers, and an
    /// OCSP response for each certificate below a root when `ocsp` gives one.
    static func material(
        completing certs: [Certificate], trust: TrustContext, ocsp: ((Certificate, Certificate) -> [UInt8]?)?
    ) -> ValidationData {
        let pool = certs + trust.intermediates + trust.roots
        var chain = [Certificate]()
        var pending = certs
        while let c = pending.first, chain.count < 64 {
            pending.removeFirst()
            guard !chain.contains(c) else { continue }
            chain.append(c)
            if !c.isSelfSigned, let issuer = pool.first(where: { $0 != c && c.isIssued(by: $0) }) { pending.append(issuer) }
        }
        var data = ValidationData(certificates: chain.map(\.der))
        let issuers = Set(chain.filter { !$0.isSelfSigned }.map(\.issuer))
        data.crls = trust.crls.filter { issuers.contains($0.issuer) }.map(\.der)
        if let ocsp {
            for c in chain where !c.isSelfSigned {
                if let issuer = pool.first(where: { $0 != c && c.isIssued(by: $0) }), let r = ocsp(c, issuer) {
                    data.ocspResponses.append(r)
                }
            }
        }
        return data
    }

    /// One incremental update: a new DSS holding the old one's entries plus `entries` (each DER blob stored once),
    /// a /VRI entry for each signature that has none yet (its /TU is `time`), and a new catalog revision pointing at it.
    public static func addValidationData(pdf: [UInt8], _ entries: [(contents: [UInt8], data: ValidationData)], time: Date) throws -> [UInt8]
    {
        let doc = try PDFDocument(pdf)
        let (catalogRef, catalogDict) = try doc.catalog()
        guard let size = doc.trailer["Size"]?.int, size > 0, size < PDFParse.maxXrefEntries else {
            throw notSignable("the trailer has no usable /Size")
        }
        var update = IncrementalUpdate(next: size)
        var arrays: [String: [PDFObject]] = ["Certs": [], "CRLs": [], "OCSPs": []]
        var vri = PDFDict()
        var known = [[UInt8]: PDFObject]()
        if let old = catalogDict["DSS"] {
            let dss = try doc.resolveDict(old, "/DSS")
            for key in arrays.keys {
                guard let items = try dss[key].map(doc.resolve)?.array else { continue }
                arrays[key] = items
                for item in items {
                    if let r = item.ref, case .stream(let d, let range) = try doc.object(r.0), d["Filter"] == nil {
                        known[Array(pdf[range])] = item
                    }
                }
            }
            if let v = dss["VRI"] { vri = try doc.resolveDict(v, "/VRI") }
        }
        func store(_ der: [UInt8], in key: String) -> PDFObject {
            if let hit = known[der] { return hit }
            let num = update.allocate()
            update.objects.append((num, 0, Array("<< /Length \(der.count) >>\nstream\n".utf8) + der + Array("\nendstream".utf8)))
            let ref = PDFObject.ref(num, 0)
            arrays[key, default: []].append(ref)
            known[der] = ref
            return ref
        }
        let pdfTime = PDFText.date(time)
        for (contents, data) in entries {
            var entry = PDFDict()
            let certs = data.certificates.map { store($0, in: "Certs") }
            let crls = data.crls.map { store($0, in: "CRLs") }
            let ocsps = data.ocspResponses.map { store($0, in: "OCSPs") }
            if !certs.isEmpty { entry["Cert"] = .array(certs) }
            if !crls.isEmpty { entry["CRL"] = .array(crls) }
            if !ocsps.isEmpty { entry["OCSP"] = .array(ocsps) }
            entry["TU"] = .string(Array(pdfTime.utf8))
            // A VRI entry, once written, is never changed (validators treat that as a suspicious modification): later
            // data for the same signature (fresher CRLs at renewal) goes into the DSS arrays only.
            let key = vriKey(contents)
            if vri[key] == nil { vri[key] = .dict(entry) }
        }
        guard arrays.values.reduce(0, { $0 + $1.count }) <= maxValidationItems else {
            throw notSignable("more than \(maxValidationItems) validation items")
        }
        let dssNum = update.allocate()
        var dss = PDFDict(["Type": .name("DSS")])
        for key in ["Certs", "CRLs", "OCSPs"] where !(arrays[key] ?? []).isEmpty { dss[key] = .array(arrays[key]!) }
        dss["VRI"] = .dict(vri)
        update.objects.append((dssNum, 0, PDFWriter.serialize(.dict(dss))))
        var catalog = catalogDict
        catalog["DSS"] = .ref(dssNum, 0)
        update.objects.append((catalogRef.0, catalogRef.1, PDFWriter.serialize(.dict(catalog))))
        return write(update, after: pdf, doc: doc, catalogRef: catalogRef, sigNum: -1, pdfTime: pdfTime).out
    }

    /// A /VRI key: the uppercase hex SHA-1 of a signature's /Contents string (its zero padding included).
    public static func vriKey(_ contents: [UInt8]) -> String { Hex.encode(SHA1Name.hash(contents)).uppercased() }

    /// One incremental update: a document timestamp field over everything before it.
    public static func addDocumentTimestamp(
        pdf: [UInt8], time: Date, timestamp: (_ signedBytes: [UInt8]) throws -> [UInt8],
        reservedBytes: Int = documentTimestampReservedBytes
    ) throws -> [UInt8] {
        let doc = try PDFDocument(pdf)
        let (catalogRef, catalogDict) = try doc.catalog()
        let (pageRef, pageDict) = try doc.firstPage()
        guard let size = doc.trailer["Size"]?.int, size > 0, size < PDFParse.maxXrefEntries else {
            throw notSignable("the trailer has no usable /Size")
        }
        guard case .dict(var form)? = catalogDict["AcroForm"], case .array(let fields)? = form["Fields"] else {
            throw notSignable("the PDF has no signature form of hoso's making (/AcroForm with /Fields)")
        }
        var update = IncrementalUpdate(next: size)
        let pdfTime = PDFText.date(time)
        let sigNum = update.allocate()
        let widgetNum = update.allocate()
        let sig = PDFDict([
            "Type": .name("DocTimeStamp"), "Filter": .name("Adobe.PPKLite"), "SubFilter": .name("ETSI.RFC3161"),
        ])
        let (sigBody, byteRange, contentsOffset) = placeholderBody(sig, reservedBytes: reservedBytes)
        update.objects.append((sigNum, 0, sigBody))
        let taken = Set(try doc.signatureFields().compactMap { $0.0 })
        let name = (1...PDFParse.maxSignatures + 1).lazy.map { documentTimestampFieldPrefix + String($0) }.first { !taken.contains($0) }!
        let widget = PDFDict([
            "Type": .name("Annot"), "Subtype": .name("Widget"), "FT": .name("Sig"), "T": .string(Array(name.utf8)),
            "V": .ref(sigNum, 0), "P": .ref(pageRef.0, pageRef.1), "Rect": .array([.int(0), .int(0), .int(0), .int(0)]),
            "F": .int(132),
        ])
        update.objects.append((widgetNum, 0, PDFWriter.serialize(.dict(widget))))
        var page = pageDict
        switch page["Annots"] {
        case nil: page["Annots"] = .array([.ref(widgetNum, 0)])
        case .array(let a)?: page["Annots"] = .array(a + [.ref(widgetNum, 0)])
        default: throw notSignable("the page's /Annots is indirect")
        }
        update.objects.append((pageRef.0, pageRef.1, PDFWriter.serialize(.dict(page))))
        form["Fields"] = .array(fields + [.ref(widgetNum, 0)])
        var catalog = catalogDict
        catalog["AcroForm"] = .dict(form)
        update.objects.append((catalogRef.0, catalogRef.1, PDFWriter.serialize(.dict(catalog))))

        let written = write(update, after: pdf, doc: doc, catalogRef: catalogRef, sigNum: sigNum, pdfTime: pdfTime)
        var out = written.out
        let placeholder = SignaturePlaceholder(
            sigNum: sigNum, widgetNum: widgetNum, byteRangePlaceholder: byteRange, contentsHexOffsetInBody: contentsOffset)
        let contents = try fillByteRange(&out, placeholder, sigObjectOffset: written.sigObjectOffset, reservedBytes: reservedBytes)
        try fillContents(&out, contents, reservedBytes: reservedBytes, make: timestamp)
        return out
    }
}

extension PAdES {
    /// The newest timestamp of `pdf`: its last document timestamp, else its first signature's timestamp; with
    /// the authority's certificate (whose expiry decides when the copy must be renewed). Nil when there is none.
    public static func lastTimestamp(in pdf: [UInt8]) throws -> (time: Date, authority: Certificate)? {
        let infos = try PDFParse.inspect(pdf)
        let stamps = infos.filter { $0.subFilter == "ETSI.RFC3161" && $0.byteRange.count == 4 }
            .sorted { $0.byteRange[2] + $0.byteRange[3] < $1.byteRange[2] + $1.byteRange[3] }
        if let last = stamps.last, let token = try? TimeStampToken(der: last.cms), let tsa = token.tsaCertificate {
            return (token.genTime, tsa)
        }
        for info in infos where info.subFilter != "ETSI.RFC3161" {
            guard let der = (try? SignedData(der: info.cms))?.signers.first?.timestampToken, let token = try? TimeStampToken(der: der),
                let tsa = token.tsaCertificate
            else { continue }
            return (token.genTime, tsa)
        }
        return nil
    }
}

extension PDFParse {
    /// Where each revision of `pdf` ends (after its "%%EOF" line), oldest first; a revision that does not end in
    /// one is left out.
    public static func revisionEnds(_ pdf: [UInt8]) throws -> [Int] {
        let doc = try PDFDocument(pdf)
        return doc.sectionSpans.reversed().compactMap { PDFUpdateCheck.revisionEnd(pdf, after: $0.upperBound) }
    }
}
