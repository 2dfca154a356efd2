import Foundation
import HosoCopies
import HosoCore
import HosoGrades
import HosoIndex
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore
import HosoSync
import HosoTransport

extension HosoError.Code {
    /// There is no học bạ of this student and year in the archive (build it first).
    public static let hocBaNotFound = Self("HOC_BA_NOT_FOUND", .notFound)
    /// A học bạ PDF arriving by sync that fails its check.
    public static let hocBaRefused = Self("HOC_BA_REFUSED", .badInput)
}

/// Học bạ: built from the year's transcripts (`hoc-ba` records, hoso's schema), issued as a PDF that the homeroom
/// teacher, the principal and the school's seal sign in that order (`hoc-ba-issue` records naming each signed PDF,
/// objects of kind `hoc-ba`: fsck, sync and the transparency log carry every version), verified against the
/// archive's people and assignments.
extension Archive {
    /// One học bạ built and saved.
    public struct HocBaBuilt: Sendable {
        public var hocBa: HocBa
        public var save: RecordSaveResult
    }

    /// Builds the học bạ of a class's students for a school year from its grade books (the transcripts' rules),
    /// with the school's details from the office settings and the printed names from the assignments. Everything is
    /// computed and checked before anything is written; a body that differs from its current revision needs `reason`.
    public func buildHocBa(
        school: String, className: String, schoolYear: String, details: HocBaDetails? = nil, author: String, reason: String? = nil,
        dryRun: Bool = false
    ) throws -> [HocBaBuilt] {
        let built = try buildTranscripts(school: school, className: className, schoolYear: schoolYear, author: author, dryRun: true)
        let d = try hocBaDetails(school: school, className: className, schoolYear: schoolYear, given: details)
        return try saveHocBa(
            try built.transcripts.map { try HocBaBuilder.secondary(from: $0, details: d) }, author: author, reason: reason, dryRun: dryRun)
    }

    /// Builds the primary (TT 27/2020) học bạ of a class of `grade` from its year-end evaluations
    /// (`PrimaryRatingsCSV`), with the same school details and printed names as `buildHocBa`, and saves them the
    /// same way: everything checked before anything is written.
    public func buildPrimaryHocBa(
        school: String, className: String, schoolYear: String, grade: Int, ratings: [PrimaryRatingsCSV.Row], details: HocBaDetails? = nil,
        author: String, reason: String? = nil, dryRun: Bool = false
    ) throws -> [HocBaBuilt] {
        var d = try hocBaDetails(school: school, className: className, schoolYear: schoolYear, given: details)
        for r in ratings where d.remarks[r.student.moetId] == nil { d.remarks[r.student.moetId] = r.remarks }
        let books = try ratings.map { r in
            try HocBaBuilder.primary(
                student: r.student, schoolYear: schoolYear, class: className, grade: grade, subjects: r.subjects, qualities: r.qualities,
                competences: r.competences, details: d)
        }
        return try saveHocBa(books, author: author, reason: reason, dryRun: dryRun)
    }

    /// The school's details from the office settings (unless given) and the printed names from the assignments
    /// that cover the class on the day.
    func hocBaDetails(school: String, className: String, schoolYear: String, given: HocBaDetails?) throws -> HocBaDetails {
        let settings = try officeSettings()
        var d =
            given
            ?? HocBaDetails(
                school: .init(
                    name: school, superiorBody: settings.superiorBody.isEmpty ? nil : settings.superiorBody,
                    place: settings.place.isEmpty ? nil : settings.place))
        let scope = SigningScope(
            recordType: HocBa.recordType,
            body: .object([
                JSONMember("school", .string(school)), JSONMember("class", .string(className)),
                JSONMember("schoolYear", .string(schoolYear)),
            ]))!
        let day = try localDay(clock.now())
        let ids = try identityRecords()
        func assigned(_ role: SignerRole) -> String? {
            ids.assignments.first { $0.covers(scope, role: role.rawValue, on: day) }.flatMap { a in
                ids.people.first { $0.recordId == a.person }?.fullName
            }
        }
        if d.homeroomTeacher == nil { d.homeroomTeacher = assigned(.homeroomTeacher) }
        if d.principal == nil { d.principal = assigned(.principal) }
        return d
    }

    /// Plans every body (schema-checked; a changed one needs `reason`) before committing any.
    private func saveHocBa(_ books: [HocBa], author: String, reason: String?, dryRun: Bool) throws -> [HocBaBuilt] {
        let plans = try books.map { hb in
            try planSave(type: HocBa.recordType, id: hb.recordId, body: try CanonicalJSON.parse(try hb.canonicalBytes()), reason: reason)
        }
        return try zip(books, plans).map { HocBaBuilt(hocBa: $0, save: try commit($1, author: author, reason: reason, dryRun: dryRun)) }
    }

    /// The học bạ record `id` as it stands, with its revision id.
    public func hocBa(_ id: String) throws -> (revision: ObjectID, hocBa: HocBa) {
        guard !(try index.heads(ofRecord: id)).isEmpty else {
            throw HosoError(.hocBaNotFound, .both("Không có học bạ này trong kho", "No such học bạ in the archive"), location: id)
        }
        let (head, rev) = try current(record: id)
        guard rev.recordType == HocBa.recordType else {
            throw HosoError(.hocBaNotFound, .both("Hồ sơ này không phải học bạ", "This record is not a học bạ"), location: id)
        }
        return (head, try HocBa.decode(try CanonicalJSON.serialize(rev.body)))
    }

    /// The học bạ records of a class and year (the record ids carry only the student and the year).
    public func hocBaIds(school: String, className: String, schoolYear: String) throws -> [String] {
        func fold(_ s: String) -> String { s.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespaces).lowercased() }
        return try index.recordIds(ofType: HocBa.recordType).filter { $0.hasSuffix("/" + schoolYear) }.sorted().filter { id in
            let body = try current(record: id).1.body
            return fold(body["school"]?["name"]?.stringValue ?? "") == fold(school)
                && fold(body["class"]?.stringValue ?? "") == fold(className)
        }
    }

    /// The XML export of the học bạ record `id` (Schemas/hoc-ba.xsd).
    public func hocBaXML(_ id: String) throws -> String { HocBaXML.export(try hocBa(id).hocBa) }

    /// Adds `role`'s signature to the học bạ `id`: the homeroom teacher starts from a fresh PDF of the record's
    /// current revision (with its data embedded), the principal and the seal sign the PDF as the register has it.
    /// Refused before signing: a role out of order, a certificate that is not valid or not entitled (the
    /// assignments; for the seal, one of the office's seal certificates). Returns the signed PDF.
    public func signHocBa(
        _ id: String, role: HocBaSignerRole, signer: SigningIdentity, timestamp: TimestampSource? = nil, author: String
    ) throws -> [UInt8] {
        let (revId, hb) = try hocBa(id)
        let issueId = HocBaIssue.recordId(moetId: hb.student.moetId, schoolYear: hb.schoolYear)
        var issue: HocBaIssue?
        var issueHead: ObjectID?
        if !(try index.heads(ofRecord: issueId)).isEmpty {
            let (h, rev) = try current(record: issueId)
            issue = try decodeBody(rev.body, as: HocBaIssue.self)
            issueHead = h
        }
        // A corrected record starts a new PDF: the old one stays issued (and logged) under the older revision.
        if issue?.revision != revId.hex { issue = nil }
        let (_, rev) = try current(record: id)
        try checkHocBaSigner(signer, role: role, rev: rev)
        let now = clock.now()
        let data = try hb.canonicalBytes()
        let pdf: [UInt8]
        if let issue, let docId = ObjectID(hex: issue.document) {
            pdf = try store.read(docId)
        } else {
            // Only the homeroom teacher signs a fresh PDF; for another role `sign` refuses it (the order).
            let settings = try officeSettings()
            pdf = try HocBaRender.render(hb, issued: CopyDocument.placeAndDate(settings, now))
        }
        let stamp: ((_ value: [UInt8]) throws -> [UInt8])? = timestamp.map { src in { try src.token(forSignatureValue: $0) } }
        let signed = try HocBaSigning.sign(
            pdf: pdf, role: role, signer: signer, data: role == .homeroom ? data : nil, location: hb.school.place, time: now,
            timestamp: stamp)
        let docId = ObjectID(hashing: signed)
        var next =
            issue
            ?? HocBaIssue(
                hocBa: id, revision: revId.hex, dataDigest: SHA256.hex(data), document: docId.hex, school: hb.school.name, class: hb.class,
                schoolYear: hb.schoolYear, signatures: [])
        next.document = docId.hex
        next.signatures.append(
            .init(
                role: role.rawValue, signer: signer.certificate.fingerprint,
                name: signer.certificate.commonName ?? signer.certificate.subject,
                time: HosoClock.format(now)))
        let step = Revision(
            recordType: HocBaIssue.recordType, recordId: issueId, parents: issueHead.map { [$0.hex] } ?? [], author: author,
            time: HosoClock.format(now), reason: "\(role.title.vi) ký / signed by the \(role.title.en)", body: try encodeBody(next))
        let prepared = try prepareAll([step], objects: [(signed, .hocBa), (signer.certificate.der, .certificate)])
        do {
            _ = try writing {
                guard try index.heads(ofRecord: issueId) == (issueHead.map { [$0.hex] } ?? []) else {
                    throw HosoError(
                        .hocBaAlreadySigned, .both("Học bạ vừa được ký ở nơi khác", "The học bạ was just signed elsewhere"),
                        location: issueId)
                }
                return try commitPrepared(prepared)
            }
        } catch {
            discard(prepared)
            throw error
        }
        return signed
    }

    /// The current PDF of the học bạ `id` as its register has it (nil before the first signature).
    public func hocBaPDF(_ id: String) throws -> [UInt8]? {
        let hb = try hocBa(id).hocBa
        let issueId = HocBaIssue.recordId(moetId: hb.student.moetId, schoolYear: hb.schoolYear)
        guard !(try index.heads(ofRecord: issueId)).isEmpty else { return nil }
        let issue = try decodeBody(try current(record: issueId).1.body, as: HocBaIssue.self)
        return try ObjectID(hex: issue.document).map { try store.read($0) }
    }

    /// The signer must be entitled: the homeroom teacher and the principal by their assignments (and a valid
    /// certificate), the seal by being one of the office's seal certificates.
    func checkHocBaSigner(_ signer: SigningIdentity, role: HocBaSignerRole, rev: Revision) throws {
        if let person = role.signerRole {
            try checkMaySign(signer, role: person, rev: rev, trust: try sharedVerifier().trust)
        } else if !(try hocBaSealFingerprints().contains(signer.certificate.fingerprint)) {
            throw HosoError(
                .notOfficeSigner,
                .both(
                    "Chứng thư này không phải chứng thư số tổ chức của nhà trường (hoso office set --copy-signer)",
                    "This certificate is not the school's organisation certificate (hoso office set --copy-signer)"),
                location: signer.certificate.subject)
        }
    }

    /// The seal: the certificates registered to sign the office's documents (its organisation certificate).
    func hocBaSealFingerprints() throws -> Set<String> { Set(try officeSettings().copySigners) }

    /// Verifies a học bạ PDF: the file on its own (`HocBaVerify`), then each signer against the archive — the
    /// homeroom teacher's and principal's assignments at the signing time, the seal among the office's seal
    /// certificates — and the embedded data against the record (a correction since is named).
    public func verifyHocBa(pdf: [UInt8], at validationTime: Date? = nil) throws -> HocBaReport {
        var r = try HocBaVerify.verify(pdf: pdf, verifier: try sharedVerifier(), at: validationTime)
        guard let data = r.data else {
            r.conclude()
            return r
        }
        let rev = Revision(
            recordType: HocBa.recordType, recordId: data.recordId, parents: [], author: "", time: "", reason: nil,
            body: try CanonicalJSON.parse(try data.canonicalBytes()))
        var seals = try hocBaSealFingerprints()
        // A học bạ received from another school on transfer carries that school's seal: the one its issue register
        // names, which came with it from that school over the authenticated sync.
        if try transferredIn(data.recordId) != nil {
            let issueId = HocBaIssue.recordId(moetId: data.student.moetId, schoolYear: data.schoolYear)
            if try !index.heads(ofRecord: issueId).isEmpty {
                let issue = try decodeBody(try current(record: issueId).1.body, as: HocBaIssue.self)
                seals.formUnion(issue.signatures.filter { $0.role == "seal" }.map(\.signer))
            }
        }
        for i in r.signers.indices {
            guard let role = r.signers[i].role, let fp = r.signers[i].signerCertificate else { continue }
            if let person = role.signerRole {
                let at = r.pdf.signatures.filter { $0.subFilter != "ETSI.RFC3161" }[i].signature?.judgedAt ?? clock.now()
                switch try entitlement(certificate: fp, role: person, for: rev, at: at) {
                case .entitled(let p): r.signers[i].person = p
                case .refused(_, let why):
                    r.add(
                        "SIGNER_NOT_ENTITLED",
                        .both(ReasonCode.signerNotEntitled.text.vi + ": " + why.vi, ReasonCode.signerNotEntitled.text.en + ": " + why.en))
                case .notApplicable, .notRecorded: break
                }
            } else if !seals.contains(fp) {
                r.add("NOT_SCHOOL_SEAL", .both("Chữ ký sau cùng không phải của nhà trường", "The last signature is not the school's seal"))
            }
        }
        if (try? hocBa(data.recordId)).map({ (try? $0.hocBa.canonicalBytes()).map(SHA256.hex) != r.dataDigest }) ?? true {
            r.add(
                "HOC_BA_NOT_CURRENT",
                .both(
                    "Dữ liệu học bạ trong tệp không phải bản hiện hành trong kho (đã sửa sau, hoặc không có)",
                    "The học bạ data in the file are not the archive's current revision (corrected since, or absent)"))
        }
        r.conclude()
        return r
    }
}

extension Archive {
    /// A học bạ PDF that arrives by sync (a student's transfer) is checked on arrival as a file: one whose signatures
    /// or later updates FAIL is refused with the whole batch; one still being signed, or signed under roots this
    /// school does not trust, comes in and says so when verified here.
    func intakeHocBaProblems(_ intake: Intake) throws -> [HosoError] {
        var problems = [HosoError]()
        let verifier = try sharedVerifier()
        for s in intake.staged where s.object.kind == .hocBa {
            let report = try HocBaVerify.verify(pdf: try stagedFiles.read(staged: s), verifier: verifier)
            if report.indication == "FAILED" {
                problems.append(
                    HosoError(
                        .hocBaRefused,
                        .both(
                            "Học bạ gửi đến không hợp lệ (chữ ký hoặc nội dung đã bị sửa); không nhận",
                            "The học bạ sent is not valid (a signature or the content was changed); not accepted"),
                        location: s.object.id.hex, cause: report.reasons.joined(separator: ", ")))
            }
        }
        return problems
    }
}
