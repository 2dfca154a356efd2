import Foundation
import HosoCore

/// Which incremental updates may follow a signature: only what long-term validation adds (PAdES B-LT/B-LTA) —
/// validation data (a new or updated /DSS, its /VRI, the certificate, CRL and OCSP streams, the catalog revision
/// that points at it) and document timestamps (a /DocTimeStamp dictionary, its invisible widget appended to
/// /AcroForm /Fields and the page's /Annots). Anything else — page content, other annotations, form values, the
/// signed field, deleted objects, bytes that are not whole revisions — is a modification.
///
/// Each revision is compared with the one before it, both read by the bounded parser (`PDFDocument(_:upTo:)`),
/// object by object over what its cross-reference section defines. Validation-data objects may be redefined later
/// only if an earlier validation update created them, so an existing content stream can never pass as "DSS data".
struct PDFUpdateCheck {
    /// Which updates may follow a signature.
    enum Policy {
        /// A copy: only long-term validation data and document timestamps.
        case longTermOnly
        /// A học bạ: also later approval signatures (a new /Sig field, its widget, the form's /Fields and the page's
        /// /Annots), until a signature whose field locks the document (/Lock); after it, long-term data only.
        case laterSignatures
    }

    struct Revision {
        /// Its cross-reference section's offset.
        var section: Int
        /// Where its "%%EOF" line ends (nil when the revision does not end in one).
        var end: Int?
        /// Why it is not an update long-term validation makes (nil: it is one, or it is not after a signature).
        var problem: LocalizedText?
    }

    /// Revisions, oldest first.
    private(set) var revisions = [Revision]()
    let fileSize: Int
    /// Revisions after the first signature that are checked at all; more is refused (each costs two parses).
    static let maxLaterRevisions = 64
    static let maxDSSObjects = 4 * PAdES.maxValidationItems
    static let widgetKeys: Set<String> = ["Type", "Subtype", "FT", "T", "V", "P", "Rect", "F"]
    /// A later signature's field may also carry a lock.
    static let signatureWidgetKeys = widgetKeys.union(["Lock"])
    /// Keys of a DSS, a VRI dictionary (its keys are SHA-1 hex digests) and a VRI entry.
    static let dssKeys: Set<String> = ["Type", "Certs", "CRLs", "OCSPs", "VRI", "Cert", "CRL", "OCSP", "TU", "TS"]

    static func isValidationKey(_ k: String) -> Bool {
        dssKeys.contains(k) || (k.utf8.count == 40 && k.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) })
    }

    /// Reads the revisions of `doc` and judges every one that starts at or after `firstSignedEnd`.
    init(_ doc: PDFDocument, firstSignedEnd: Int, policy: Policy = .longTermOnly) {
        fileSize = doc.bytes.count
        let pdf = doc.bytes
        // sections and their spans are newest first; oldest first must also be file order.
        let spans = Array(doc.sectionSpans.reversed())
        for (i, section) in doc.sections.reversed().enumerated() where i < spans.count {
            revisions.append(Revision(section: section, end: Self.revisionEnd(pdf, after: spans[i].upperBound)))
        }
        let ordered = zip(revisions, revisions.dropFirst()).allSatisfy { a, b in (a.end ?? Int.max) <= b.section }
        var created = Set<Int>()
        var checked = 0
        // The first signed revision may itself lock the document (a học bạ's seal is never first, but a file may say so).
        // Each revision is read once (the one before an update is the one after the update before it).
        var read = [doc.end: doc]
        func revision(upTo end: Int) throws -> PDFDocument {
            if let d = read[end] { return d }
            let d = try PDFDocument(pdf, upTo: end)
            read[end] = d
            return d
        }
        var locked = policy == .longTermOnly || ((try? revision(upTo: firstSignedEnd)).map(Self.locks) ?? true)
        for j in revisions.indices.dropFirst() {
            guard let prevEnd = revisions[j - 1].end, prevEnd >= firstSignedEnd else { continue }
            checked += 1
            guard ordered, checked <= Self.maxLaterRevisions, let end = revisions[j].end else {
                revisions[j].problem = .both(
                    "các lần cập nhật tệp không theo thứ tự hoặc quá nhiều", "the file's revisions are out of order or too many")
                continue
            }
            do {
                let before = try revision(upTo: prevEnd)
                let after = try revision(upTo: end)
                guard after.sections.first == revisions[j].section, after.sections.dropFirst().first == revisions[j - 1].section else {
                    revisions[j].problem = .both(
                        "lần cập nhật không nối tiếp lần trước", "the update does not follow the revision before it")
                    continue
                }
                let defined = doc.sectionEntries[revisions[j].section] ?? []
                revisions[j].problem = try Self.judge(before, after, defined: defined, created: &created, locked: &locked)
            } catch {
                revisions[j].problem = .both("không đọc được lần cập nhật", "the update cannot be read")
            }
        }
    }

    /// Nil when everything after `end` is whole revisions that only add validation data or document timestamps;
    /// else why not.
    func problem(after end: Int) -> LocalizedText? {
        guard end < fileSize else { return nil }
        guard let k = revisions.firstIndex(where: { $0.end == end }), revisions.last?.end == fileSize else {
            return .both("có dữ liệu thêm sau phần được ký", "bytes were added after the signed range")
        }
        return revisions[(k + 1)...].lazy.compactMap(\.problem).first
    }

    /// Where "startxref N %%EOF" after a trailer ends (its end of line included).
    static func revisionEnd(_ b: [UInt8], after p: Int) -> Int? {
        var i = p
        func white() { while i < b.count, PDFScanner.isWhite(b[i]) { i += 1 } }
        func word(_ w: String) -> Bool {
            let u = Array(w.utf8)
            guard i + u.count <= b.count, b[i..<i + u.count].elementsEqual(u) else { return false }
            i += u.count
            return true
        }
        white()
        guard word("startxref") else { return nil }
        white()
        let digits = i
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        guard i > digits else { return nil }
        white()
        guard word("%%EOF") else { return nil }
        if i < b.count, b[i] == 13 { i += 1 }
        if i < b.count, b[i] == 10 { i += 1 }
        return i
    }

    /// Why the update from `p` to `n` is not one long-term validation makes; nil when it is. `created` collects the
    /// validation-data objects created by such updates.
    static func judge(
        _ p: PDFDocument, _ n: PDFDocument, defined: [(num: Int, inUse: Bool)], created: inout Set<Int>, locked: inout Bool
    ) throws -> LocalizedText? {
        func changed(_ vi: String, _ en: String) -> LocalizedText {
            .both("lần cập nhật sau chữ ký sửa \(vi)", "an update after the signature changes \(en)")
        }
        guard let root = n.trailer["Root"]?.ref, let oldRoot = p.trailer["Root"]?.ref, root == oldRoot else {
            return changed("tham chiếu tới danh mục gốc", "the catalog reference")
        }
        guard same(p.trailer["Info"], n.trailer["Info"], p, n) else { return changed("/Info", "/Info") }
        let newCatalog = try n.catalog().dict
        let oldCatalog = try p.catalog().dict

        // What the new DSS reaches.
        var dss = Set<Int>()
        if let d = newCatalog["DSS"] { try reach(d, in: n, into: &dss, depth: 0) }

        // Fields may only be appended, each a document timestamp widget new in this update.
        let (oldForm, oldFields) = try form(oldCatalog, p)
        let (newForm, newFields) = try form(newCatalog, n)
        guard newFields.starts(with: oldFields) else { return changed("các trường của biểu mẫu", "the form's fields") }
        let definedNums = Set(defined.map(\.num))
        var widgets = Set<Int>()
        var stamps = Set<Int>()
        var lockedHere = false
        for w in newFields.dropFirst(oldFields.count) {
            guard definedNums.contains(w), try p.object(w) == .null, let wd = try n.object(w).dict,
                Set(wd.keys).isSubset(of: locked ? widgetKeys : signatureWidgetKeys), wd["Subtype"]?.name == "Widget",
                wd["FT"]?.name == "Sig", let v = wd["V"]?.ref, definedNums.contains(v.0), try p.object(v.0) == .null,
                let sig = try n.object(v.0).dict,
                (sig["Type"]?.name == "DocTimeStamp" && sig["SubFilter"]?.name == "ETSI.RFC3161")
                    || (!locked && isApprovalSignature(sig))
            else {
                return locked
                    ? changed(
                        "biểu mẫu (thêm trường không phải dấu thời gian tài liệu)", "the form (a field that is not a document timestamp)")
                    : changed("biểu mẫu (thêm trường không phải chữ ký)", "the form (a field that is not a signature)")
            }
            if wd["Lock"] != nil { lockedHere = true }
            widgets.insert(w)
            stamps.insert(v.0)
        }
        if lockedHere { locked = true }

        for (num, inUse) in defined {
            guard inUse else { return changed("đối tượng \(num) (xóa)", "object \(num) (deleted)") }
            let old = try p.object(num)
            let new = try n.object(num)
            if num == root.0 {
                guard sameExcept(["DSS", "AcroForm", "Extensions"], oldCatalog, newCatalog, p, n) else {
                    return changed("danh mục gốc", "the catalog")
                }
                if case .dict(let a)? = oldCatalog["AcroForm"], case .dict(let b)? = newCatalog["AcroForm"] {
                    guard sameExcept(["Fields"], a, b, p, n) else { return changed("/AcroForm", "/AcroForm") }
                } else if !same(oldCatalog["AcroForm"], newCatalog["AcroForm"], p, n) {
                    return changed("/AcroForm", "/AcroForm")
                }
                continue
            }
            if dss.contains(num), old == .null || created.contains(num) {
                // Only what validation data looks like: DSS and VRI dictionaries, and streams that are not XObjects,
                // images or anything else with a type a reader would draw.
                switch new {
                case .dict(let d) where d.keys.allSatisfy(isValidationKey) && (d["Type"] == nil || d["Type"]?.name == "DSS"): break
                case .stream(let d, _) where d["Type"] == nil && d["Subtype"] == nil: break
                default: return changed("đối tượng \(num) (không phải dữ liệu kiểm tra)", "object \(num) (not validation data)")
                }
                created.insert(num)
                continue
            }
            if widgets.contains(num) || stamps.contains(num) { continue }
            if let formRef = oldForm, num == formRef, let a = old.dict, let b = new.dict {
                guard sameExcept(["Fields"], a, b, p, n), newForm == oldForm else { return changed("/AcroForm", "/AcroForm") }
                continue
            }
            if let a = old.dict, a["Type"]?.name == "Page", case .dict(let b) = new {
                guard sameExcept(["Annots"], a, b, p, n) else { return changed("một trang", "a page") }
                let before = a["Annots"]?.array ?? []
                guard let after = b["Annots"]?.array, after.count >= before.count,
                    zip(before, after).allSatisfy({ same($0, $1, p, n) }),
                    after.dropFirst(before.count).allSatisfy({ $0.ref.map { widgets.contains($0.0) } ?? false })
                else { return changed("chú thích của một trang", "a page's annotations") }
                continue
            }
            return changed("đối tượng \(num)", "object \(num)")
        }
        return nil
    }

    /// A later approval signature of the kind hoso makes: /Type /Sig, CAdES detached, only the keys it writes.
    static func isApprovalSignature(_ sig: PDFDict) -> Bool {
        let keys: Set<String> = ["Type", "Filter", "SubFilter", "M", "Name", "Reason", "Location", "Reference", "ByteRange", "Contents"]
        return sig["Type"]?.name == "Sig" && sig["SubFilter"]?.name == "ETSI.CAdES.detached" && Set(sig.keys).isSubset(of: keys)
    }

    /// Whether a signature field in the revision `d` locks the document.
    static func locks(_ d: PDFDocument) -> Bool {
        guard let cat = try? d.catalog().dict, let (_, nums) = try? form(cat, d) else { return true }
        return nums.contains { ((try? d.object($0))?.dict?["Lock"]) != nil }
    }

    /// The form's object number when it is indirect, and its /Fields as object numbers.
    static func form(_ catalog: PDFDict, _ doc: PDFDocument) throws -> (ref: Int?, fields: [Int]) {
        guard let acro = catalog["AcroForm"] else { return (nil, []) }
        let form = try doc.resolveDict(acro, "/AcroForm")
        guard let fields = try form["Fields"].map(doc.resolve)?.array else { return (acro.ref?.0, []) }
        let nums = fields.compactMap { $0.ref?.0 }
        guard nums.count == fields.count else { throw doc.malformed("a form field is not an indirect object") }
        return (acro.ref?.0, nums)
    }

    /// Collects the objects `o` reaches (bounded).
    static func reach(_ o: PDFObject, in doc: PDFDocument, into seen: inout Set<Int>, depth: Int) throws {
        guard depth <= 8 else { throw doc.malformed("the DSS is nested too deep") }
        switch o {
        case .ref(let num, _):
            guard seen.count < maxDSSObjects else { throw doc.malformed("the DSS holds too many objects") }
            if seen.insert(num).inserted { try reach(try doc.object(num), in: doc, into: &seen, depth: depth + 1) }
        case .dict(let d), .stream(let d, _):
            for (_, v) in d.entries { try reach(v, in: doc, into: &seen, depth: depth + 1) }
        case .array(let a):
            for v in a { try reach(v, in: doc, into: &seen, depth: depth + 1) }
        default:
            break
        }
    }

    static func sameExcept(_ skip: Set<String>, _ a: PDFDict, _ b: PDFDict, _ da: PDFDocument, _ db: PDFDocument) -> Bool {
        let keys = Set(a.keys).union(b.keys).subtracting(skip)
        return keys.allSatisfy { same(a[$0], b[$0], da, db) }
    }

    /// Equal values (dictionaries by content, not by where they lie in the file).
    static func same(_ a: PDFObject?, _ b: PDFObject?, _ da: PDFDocument, _ db: PDFDocument) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (.dict(let x)?, .dict(let y)?): return Set(x.keys) == Set(y.keys) && sameExcept([], x, y, da, db)
        case (.array(let x)?, .array(let y)?): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1, da, db) }
        case (.stream(let x, let rx)?, .stream(let y, let ry)?):
            return sameExcept([], x, y, da, db) && da.bytes[rx].elementsEqual(db.bytes[ry])
        case (let x?, let y?): return x == y
        default: return false
        }
    }
}

extension PDFParse {
    /// For each signature field: nil when everything after its signed range is updates long-term validation makes,
    /// else why not (the check `PDFVerify` applies; for diagnostics and fuzzing).
    public static func updatesAfterSignatures(_ pdf: [UInt8]) throws -> [String?] {
        let doc = try PDFDocument(pdf)
        let infos = try inspect(doc)
        let ends = infos.filter(\.byteRangeIsWellFormed).map { $0.byteRange[2] + $0.byteRange[3] }
        let check = PDFUpdateCheck(doc, firstSignedEnd: ends.min() ?? pdf.count)
        return infos.map { i in
            i.byteRangeIsWellFormed ? check.problem(after: i.byteRange[2] + i.byteRange[3])?.en : "malformed byte range"
        }
    }
}
