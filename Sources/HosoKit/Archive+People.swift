import Foundation
import HosoCore
import HosoRecords
import HosoSigning

/// Who may sign what: the person records (with the certificates each signs with) and the assignment records (who is
/// subject teacher of which class, homeroom teacher, principal, registrar or office head, between which dates).
/// Signing refuses, and verification fails, a signature that these records do not entitle.
extension Archive {
    /// The record type of a person.
    public static let personType = "person"
    /// The record type of an assignment.
    public static let assignmentType = "assignment"

    /// The people and assignments as they stand: read again only after a write to the archive (the key is the
    /// index's write number, which every committed write raises, and the number of each kind of record), so that
    /// verifying and listing, which ask for every signature and every book, cost one lookup.
    func identityRecords() throws -> IdentityRecords {
        // The write number first: records read after it are at least as new as it says, so a write that commits
        // meanwhile can only make the cached value newer than its key, never older.
        let sequence = try index.committedSequence()
        let personIds = try recordIds(ofType: Self.personType)
        let assignmentIds = try recordIds(ofType: Self.assignmentType)
        let key = "\(sequence) \(personIds.count) \(assignmentIds.count)"
        return try workState.derived(from: "identity", head: key) {
            var people = [PersonIdentity]()
            for id in personIds {
                if let p = PersonIdentity(recordId: id, body: try current(record: id).1.body) { people.append(p) }
            }
            var assignments = [Assignment]()
            for id in assignmentIds {
                if let a = Assignment(recordId: id, body: try current(record: id).1.body) { assignments.append(a) }
            }
            return IdentityRecords(people: people, assignments: assignments)
        }
    }

    /// Whether the archive records people with certificates: then accounts act only through their person's
    /// assignments; an older archive without them falls back to matching names (and says so where it matters).
    public func recordsPeople() throws -> Bool {
        try identityRecords().people.contains { !$0.certificates.isEmpty }
    }

    /// The person record `id` as the identity model reads it; an error naming it when there is none.
    public func person(_ id: String) throws -> PersonIdentity {
        guard let p = try identityRecords().people.first(where: { $0.recordId == id }) else {
            throw HosoError(.recordNotFound, .both("Không có hồ sơ người này", "No such person record"), location: id)
        }
        return p
    }

    /// Whether `person` holds, today, an assignment in one of `roles` that covers the record `body` of `recordType`.
    public func isAssigned(person: String, roles: [SignerRole], recordType: String, body: JSONValue) throws -> Bool {
        guard let scope = SigningScope(recordType: recordType, body: body) else { return false }
        let day = try localDay(clock.now())
        return try identityRecords().assignments.contains { a in
            a.person == person && roles.contains { a.covers(scope, role: $0.rawValue, on: day) }
        }
    }

    /// The local calendar day of `date` at the office (assignments are dated in local days).
    func localDay(_ date: Date) throws -> String {
        let c = try officeSettings().calendar
        let d = c.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", d.year!, d.month!, d.day!)
    }

    /// Whether the holder of `certificate` may sign `rev` in `role` at `date`, and who may.
    func entitlement(certificate sha256: String, role: SignerRole?, for rev: Revision, at date: Date) throws -> Entitlement {
        guard let scope = SigningScope(recordType: rev.recordType, body: rev.body) else { return .notApplicable }
        // The office seal signs copies and letters only, whether or not people are recorded.
        if try copySignerFingerprints(try officeSettings()).contains(sha256) {
            return .refused(
                signer: nil,
                .both(
                    "chứng thư số của con dấu cơ quan chỉ dùng để ký bản sao và văn bản trả lời, không ký \(rev.recordType)",
                    "the office seal's certificate signs copies and letters only, never a \(rev.recordType)"))
        }
        let finding = try identityRecords().finding(
            certificate: sha256, role: role?.rawValue ?? "(none)", roleTitle: role?.title ?? .both("(không có vai trò)", "(no role)"),
            scope: scope, day: try localDay(date))
        switch finding {
        case .notRecorded:
            return .notRecorded
        case .entitled(let person, let a):
            return .entitled(.init(record: person.recordId, fullName: person.fullName, assignment: a.recordId, title: a.title))
        case .refused(let person, let why):
            return .refused(signer: person.map { .init(record: $0.recordId, fullName: $0.fullName) }, why)
        }
    }

    /// Before signing: the certificate must be valid now, not revoked by the newest CRL the archive holds for its
    /// issuer, and its holder entitled to sign this record in this role today. Each refusal says which.
    /// Returns the person and assignment found, whose title goes into the signature.
    @discardableResult
    func checkMaySign(
        _ identity: SigningIdentity, role: SignerRole, rev: Revision, trust: TrustContext
    ) throws
        -> SignatureReport.SignerPerson?
    {
        let cert = identity.certificate
        let now = clock.now()
        let who = cert.commonName ?? cert.subject
        guard cert.notBefore <= now, now <= cert.notAfter else {
            throw HosoError(
                .signingCertificateNotValid,
                now < cert.notBefore
                    ? .both(
                        "Chứng thư số chưa có hiệu lực (từ \(HosoClock.format(cert.notBefore))); chưa ký gì",
                        "The certificate is not valid yet (from \(HosoClock.format(cert.notBefore))); nothing was signed")
                    : .both(
                        "Chứng thư số đã hết hạn (\(HosoClock.format(cert.notAfter))); chưa ký gì",
                        "The certificate has expired (\(HosoClock.format(cert.notAfter))); nothing was signed"),
                location: who)
        }
        // Revocation and the rest of the path (purpose, chain signatures) as verification will judge them, now: a
        // certificate that verification would fail is refused before anything is signed.
        let judged = SignatureVerifier(trust: trust, clock: clock).judgeCertificate(cert, untrusted: identity.chain, at: now)
        if judged.indication == .failed {
            if judged.reason == .revoked {
                let when = judged.revocation?.revokedAt.map(HosoClock.format) ?? "?"
                throw HosoError(
                    .signingCertificateRevoked,
                    .both(
                        "Chứng thư số đã bị thu hồi ngày \(when) (theo CRL trong kho); chưa ký gì",
                        "The certificate was revoked on \(when) (by the CRLs in the archive); nothing was signed"),
                    location: who)
            }
            throw HosoError(
                .signingCertificateNotValid, .both(judged.message.vi + "; chưa ký gì", judged.message.en + "; nothing was signed"),
                location: who)
        }
        switch try entitlement(certificate: cert.fingerprint, role: role, for: rev, at: now) {
        case .refused(_, let why):
            throw HosoError(.signerNotEntitled, .both("Không ký được: " + why.vi, "Not signed: " + why.en), location: who)
        case .entitled(let person):
            return person
        case .notApplicable, .notRecorded:
            return nil
        }
    }

    /// Applies the entitlement rule to one PASSED report: a valid signature by someone not entitled becomes FAILED.
    func judgeEntitlement(_ report: inout SignatureReport, revision rev: Revision) throws {
        guard let fp = report.signerCertificate else { return }
        let finding = try entitlement(certificate: fp, role: report.role, for: rev, at: report.judgedAt)
        // Without a timestamp the signature is judged now; an assignment that has ended since the claimed signing
        // time makes the answer unknown, not false.
        if case .refused = finding, report.timeProof != .timestamp, let claimed = report.claimedSigningTime,
            case .entitled(let person) = try entitlement(certificate: fp, role: report.role, for: rev, at: claimed)
        {
            report.person = person
            if report.indication == .passed {
                report.indication = .indeterminate
                report.reason = .signerNotEntitled
                report.message = .init(
                    .both(
                        "Người ký chỉ được phân công vào thời điểm ký tự khai, mà không có dấu thời gian chứng minh",
                        "The signer was assigned only at the claimed signing time, which no timestamp proves"))
            }
            return
        }
        switch finding {
        case .notApplicable:
            return
        case .notRecorded:
            report.warnings.append(
                .init(
                    .both(
                        "Kho chưa có hồ sơ người ký và phân công: chưa đối chiếu ai được ký hồ sơ này",
                        "The archive records no people or assignments: who may sign this record was not checked")))
        case .entitled(let person):
            report.person = person
        case .refused(let person, let why):
            report.person = person
            guard report.indication != .failed else { return }
            report.indication = .failed
            report.reason = .signerNotEntitled
            report.message = .init(
                .both(ReasonCode.signerNotEntitled.text.vi + ": " + why.vi, ReasonCode.signerNotEntitled.text.en + ": " + why.en))
        }
    }
}

/// What the identity model says of one signature.
enum Entitlement {
    /// The record type has no signing rules (requests, settings, people…).
    case notApplicable
    /// The archive records no people with certificates: nothing to check against.
    case notRecorded
    /// The certificate's holder holds an assignment that covers the record in the role, on the date.
    case entitled(SignatureReport.SignerPerson)
    /// Anything else, with why and who was entitled; the signer's person record when one holds the certificate.
    case refused(signer: SignatureReport.SignerPerson?, LocalizedText)
}
