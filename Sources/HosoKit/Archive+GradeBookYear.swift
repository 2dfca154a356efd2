import Foundation
import HosoCore
import HosoGrades
import HosoRecords
import HosoSigning

/// Where a grade book stands in its year, in the words a teacher uses: not signed, signed, locked, or a correction
/// waiting for the principal.
public enum GradeBookStanding: String, Sendable, Codable {
    case unsigned, signed, locked
    case correctionPending = "correction-pending"

    public var label: LocalizedText {
        switch self {
        case .unsigned: return .both("chưa ký", "not signed")
        case .signed: return .both("đã ký", "signed")
        case .locked: return .both("đã khóa", "locked")
        case .correctionPending: return .both("đang chờ duyệt sửa", "correction awaiting approval")
        }
    }
}

/// One grade book as a teacher's list shows it.
public struct GradeBookListing: Sendable, Codable, Equatable {
    public var id: String
    public var school: String
    public var className: String
    public var subject: String
    public var term: Term
    public var schoolYear: String
    public var standing: GradeBookStanding
}

/// One book of a batch signature: signed, skipped (not the signer's, or signed already) or failed, and why.
public struct BatchSignItem: Sendable, Codable {
    public enum Outcome: String, Sendable, Codable { case signed, skipped, failed }
    public var book: String
    public var className: String
    public var subject: String
    public var term: String
    public var outcome: Outcome
    public var signature: String?
    /// Why it was skipped or failed, in Vietnamese and in English.
    public var message: String?
    public var messageEn: String?

    mutating func say(_ text: LocalizedText) {
        message = text.vi
        messageEn = text.en
    }
}

extension Archive {
    /// The grade books of `school` in `schoolYear`, optionally of one class and one term, by record id.
    public func gradeBookIds(school: String, schoolYear: String, className: String? = nil, term: Term? = nil) throws -> [String] {
        let prefix =
            className.map { GradeBookInfo.classPrefix(school: school, schoolYear: schoolYear, className: $0) }
            ?? "gradebook/\(recordSlug(school))/\(schoolYear)/"
        return try recordIds(ofType: GradeBookInfo.recordType).filter { id in
            id.hasPrefix(prefix) && (term.map { id.hasSuffix("/" + $0.rawValue.lowercased()) } ?? true)
        }.sorted()
    }

    /// The grade books `person` is assigned to as subject teacher (or homeroom teacher of the class), with where each
    /// stands: sorted by school, year, class, subject and term.
    public func teacherBooks(person: String) throws -> [GradeBookListing] {
        try gradeBookListings { _, body in
            try isAssigned(person: person, roles: [.subjectTeacher, .homeroomTeacher], recordType: GradeBookInfo.recordType, body: body)
        }
    }

    /// The grade books `include` accepts (given the record id and the current body), with where each stands, sorted
    /// by school, year, class, subject and term. Books in conflict are left out.
    public func gradeBookListings(_ include: (String, JSONValue) throws -> Bool) throws -> [GradeBookListing] {
        let pending = Set(try correctionRequests().filter { $0.status == .pending }.map(\.book))
        var out = [GradeBookListing]()
        for id in try recordIds(ofType: GradeBookInfo.recordType) {
            // Read from the body as stored: a list must show a book even when its marks need fixing.
            guard let (_, rev) = try? current(record: id), let school = rev.body["school"]?.stringValue,
                let className = rev.body["class"]?.stringValue, let year = rev.body["schoolYear"]?.stringValue,
                let term = rev.body["term"]?.stringValue.flatMap(Term.parse), try include(id, rev.body)
            else { continue }
            out.append(
                GradeBookListing(
                    id: id, school: school, className: className, subject: rev.body["subject"]?.stringValue ?? "", term: term,
                    schoolYear: year, standing: try standing(of: id, body: rev.body, pending: pending.contains(id))))
        }
        return out.sorted {
            ($0.school, $0.schoolYear, $0.className, $0.subject, $0.term.rawValue)
                < ($1.school, $1.schoolYear, $1.className, $1.subject, $1.term.rawValue)
        }
    }

    /// Where one grade book stands.
    public func standing(ofGradeBook id: String) throws -> GradeBookStanding {
        let (_, rev) = try current(record: id)
        let pending = try correctionRequests(book: id).contains { $0.status == .pending }
        return try standing(of: id, body: rev.body, pending: pending)
    }

    /// A pending correction first, then the lock, then whether the subject teacher signed the current revision.
    func standing(of id: String, body: JSONValue, pending: Bool) throws -> GradeBookStanding {
        if pending { return .correctionPending }
        if !(try locks(covering: body)).isEmpty { return .locked }
        let head = try heads(record: id)
        let signed = try head.contains { h in try index.signatures(ofRevision: h).contains { $0.role == SignerRole.subjectTeacher.rawValue }
        }
        return signed ? .signed : .unsigned
    }

    /// Signs, with one identity opened once (one PIN entry for a token), the current revision of every grade book of
    /// `school`/`schoolYear` (and `className`, `term` when given) that the identity's holder may sign in `role`.
    /// A book the holder is not assigned to, or signed already by them in the role, is skipped; a failure on one
    /// book is reported and the rest go on. `progress` hears of each book as it is done.
    public func signGradeBooks(
        school: String, schoolYear: String, className: String? = nil, term: Term? = nil,
        identity: SigningIdentity, role: SignerRole = .subjectTeacher, timestamp: TimestampSource? = nil,
        progress: (Int, Int, BatchSignItem) -> Void = { _, _, _ in }
    ) throws -> [BatchSignItem] {
        let ids = try gradeBookIds(school: school, schoolYear: schoolYear, className: className, term: term)
        let signer = identity.certificate.commonName ?? identity.certificate.subject
        var items = [BatchSignItem]()
        for (n, id) in ids.enumerated() {
            let (revId, rev) = try current(record: id)
            var item = BatchSignItem(
                book: id, className: rev.body["class"]?.stringValue ?? "", subject: rev.body["subject"]?.stringValue ?? "",
                term: rev.body["term"]?.stringValue ?? "", outcome: .skipped)
            if case .refused(_, let why) = try entitlement(
                certificate: identity.certificate.fingerprint, role: role, for: rev, at: clock.now())
            {
                item.say(why)
            } else if try index.signatures(ofRevision: revId.hex).contains(where: { $0.signer == signer && $0.role == role.rawValue }) {
                item.say(.both("đã ký bản hiện tại", "the current revision is signed already"))
            } else {
                do {
                    item.signature = try sign(id, identity: identity, role: role, timestamp: timestamp).0.signature
                    item.outcome = .signed
                } catch let e as HosoError {
                    item.outcome = .failed
                    item.say(e.message)
                }
            }
            items.append(item)
            progress(n + 1, ids.count, item)
        }
        return items
    }

    /// Builds (creates or revises) the class summary of one term from the class's grade books of the term, with the
    /// conduct results the homeroom teacher gives; the homeroom teacher then signs it (`sign`, role homeroom-teacher).
    /// A summary that differs from its current revision needs `reason`.
    public func buildClassSummary(
        school: String, className: String, schoolYear: String, term: Term, conduct: [String: LearningResult] = [:],
        author: String, reason: String? = nil, dryRun: Bool = false
    ) throws -> RecordSaveResult {
        let books = try gradeBookIds(school: school, schoolYear: schoolYear, className: className, term: term).map {
            try gradeBook(record: $0)
        }
        let body = try ClassSummary.build(
            books: books, school: school, className: className, schoolYear: schoolYear, term: term, conduct: conduct)
        let id = ClassSummary.recordId(school: school, schoolYear: schoolYear, className: className, term: term)
        return try commit(
            try planSave(type: ClassSummary.recordType, id: id, body: body, reason: reason), author: author, reason: reason, dryRun: dryRun)
    }
}
