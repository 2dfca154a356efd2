import Foundation
import HosoCore
import HosoPrimitives
import HosoRecords
import HosoSigning

/// What `HocBaVerify` found in a học bạ PDF: each signature's verdict and role, the order, the seal's lock, the
/// embedded data; the archive adds whether each signer was entitled (`Archive.verifyHocBa`).
public struct HocBaReport: Codable, Sendable {
    public struct Signer: Codable, Sendable {
        public var fieldName: String?
        /// The role the field stands for (nil: a field that is none of the học bạ's).
        public var role: HocBaSignerRole?
        public var signerCertificate: String?
        public var commonName: String?
        public var signingTime: Date?
        public var indication: Indication
        public var reason: ReasonCode?
        /// The field locks the document (the seal's must).
        public var locksDocument: Bool
        /// The person and assignment found in the archive's records, when checked.
        public var person: SignatureReport.SignerPerson?
    }

    /// PASSED, INDETERMINATE or FAILED.
    public var indication: String
    /// Reason codes, in the order found.
    public var reasons: [String]
    public var messages: [SignatureReport.Message]
    public var pdf: PDFReport
    public var signers: [Signer]
    /// The homeroom teacher, the principal and the seal have signed, in that order.
    public var complete: Bool
    /// The seal's signature locks the document.
    public var locked: Bool
    /// The học bạ's data the first signature embeds.
    public var data: HocBa?
    /// The SHA-256 of the embedded data's bytes.
    public var dataDigest: String?

    /// Reasons that make the report INDETERMINATE rather than FAILED (alone or with other indeterminate ones).
    static let indeterminateCodes: Set<String> = ["HOC_BA_INCOMPLETE"]

    package mutating func add(_ code: String, _ text: LocalizedText) {
        guard !reasons.contains(code) else { return }
        reasons.append(code)
        messages.append(.init(text))
    }

    package mutating func conclude() {
        let hard = reasons.filter {
            !Self.indeterminateCodes.contains($0) && !($0 == pdf.reason?.rawValue && pdf.indication == .indeterminate)
        }
        indication = reasons.isEmpty ? "PASSED" : hard.isEmpty ? "INDETERMINATE" : "FAILED"
    }

    public var passed: Bool { indication == "PASSED" }
}

/// Verifies a học bạ PDF on its own (the file and the verifier's trust): every signature (CMS, byte range, what
/// followed it), with the học bạ's rule on later updates — exactly what a later signature adds and validation data,
/// nothing that changes content, nothing at all but validation data after the seal's lock (`PDFUpdateCheck`,
/// `.laterSignatures`); the order homeroom teacher → principal → seal, each role once, the role each CMS names
/// matching its field; the seal's lock; the embedded data. A copy's stricter rule is untouched (`PDFVerify.verify`).
public enum HocBaVerify {
    public static func verify(pdf: [UInt8], verifier: SignatureVerifier, at validationTime: Date? = nil) throws -> HocBaReport {
        // Read once for the signatures, the field locks and the data (nil: PDFVerify reports why it cannot be read).
        let doc = try? PDFDocument(pdf)
        let pdfReport = try PDFVerify.verify(pdf: pdf, verifier: verifier, at: validationTime, updates: .laterSignatures, document: doc)
        var r = HocBaReport(
            indication: "PASSED", reasons: [], messages: [], pdf: pdfReport, signers: [], complete: false, locked: false)
        if !pdfReport.passed, let code = pdfReport.reason {
            r.add(code.rawValue, pdfReport.problem.map { .both(code.text.vi + ": " + $0.vi, code.text.en + ": " + $0.en) } ?? code.text)
        }
        guard !(pdfReport.reason == .formatFailure && pdfReport.signatures.isEmpty), !pdfReport.signatures.isEmpty else {
            r.conclude()
            return r
        }
        let locks = doc.flatMap { try? fieldLocks($0) } ?? [:]
        for s in pdfReport.signatures where s.subFilter != "ETSI.RFC3161" {
            r.signers.append(
                .init(
                    fieldName: s.fieldName, role: s.fieldName.flatMap(HocBaSignerRole.init(fieldName:)),
                    signerCertificate: s.signature?.signerCertificate, commonName: s.signature?.signer,
                    signingTime: s.claimedSigningTime, indication: s.indication, reason: s.reason,
                    locksDocument: s.fieldName.map { locks[$0] ?? false } ?? false))
        }
        checkOrder(&r, pdfReport)
        checkData(&r, doc.flatMap { PDFParse.attachment(named: HocBaSigning.dataAttachmentName, in: $0) })
        r.conclude()
        return r
    }

    static func checkOrder(_ r: inout HocBaReport, _ pdfReport: PDFReport) {
        let roles = r.signers.map(\.role)
        let expected = Array(HocBaSignerRole.allCases.prefix(roles.count))
        if roles.count > expected.count || roles != expected.map(Optional.some) {
            r.add(
                "HOC_BA_SIGNATURE_ORDER",
                .both(
                    "Các chữ ký không theo thứ tự giáo viên chủ nhiệm, hiệu trưởng, con dấu nhà trường (hoặc có chữ ký lạ)",
                    "The signatures are not in the order homeroom teacher, principal, school seal (or one is unknown)"))
        }
        let cmsRoles = pdfReport.signatures.filter { $0.subFilter != "ETSI.RFC3161" }.map { $0.signature?.role }
        for (s, role) in zip(r.signers, cmsRoles) where s.role != nil && s.role?.signerRole != role {
            r.add(
                "HOC_BA_ROLE_MISMATCH",
                .both("Vai trò ghi trong chữ ký khác với ô chữ ký", "The role a signature names differs from its signature field"))
        }
        r.complete = roles == HocBaSignerRole.allCases.map(Optional.some)
        let seal = r.signers.first { $0.role == .seal }
        r.locked = seal?.locksDocument ?? false
        if seal != nil && !r.locked {
            r.add("HOC_BA_NOT_LOCKED", .both("Chữ ký của nhà trường không khóa học bạ", "The school's signature does not lock the học bạ"))
        }
        if r.signers.dropLast().contains(where: \.locksDocument) {
            r.add("HOC_BA_SIGNATURE_ORDER", .both("Có chữ ký sau khi học bạ đã bị khóa", "A signature follows the lock"))
        }
        if !r.complete && r.reasons.isEmpty {
            r.add(
                "HOC_BA_INCOMPLETE",
                .both(
                    "Học bạ chưa đủ chữ ký (giáo viên chủ nhiệm, hiệu trưởng, con dấu nhà trường)",
                    "The học bạ is not fully signed yet (homeroom teacher, principal, school seal)"))
        }
    }

    static func checkData(_ r: inout HocBaReport, _ attached: [UInt8]?) {
        guard let bytes = attached else {
            r.add("NO_EMBEDDED_DATA", .both("Học bạ không kèm dữ liệu dạng máy đọc", "The học bạ carries no machine-readable data"))
            return
        }
        r.dataDigest = SHA256.hex(bytes)
        do { r.data = try HocBa.decode(bytes) } catch {
            r.add("HOC_BA_DATA_INVALID", .both("Dữ liệu học bạ đính kèm không hợp lệ", "The embedded học bạ data are not valid"))
        }
    }

    /// Each signature field's name and whether it carries a /Lock.
    static func fieldLocks(_ doc: PDFDocument) throws -> [String: Bool] {
        let (_, nums) = try PDFUpdateCheck.form(try doc.catalog().dict, doc)
        var out = [String: Bool]()
        for n in nums.prefix(PDFParse.maxSignatures + 8) {
            guard let d = try doc.object(n).dict, let name = d["T"]?.text else { continue }
            out[name] = d["Lock"] != nil
        }
        return out
    }
}
