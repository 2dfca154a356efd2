import Foundation
import HosoCore
import HosoGrades
import HosoRecords
import HosoSigning
import HosoStore

/// The grade-book year: a principal locks a term (a school, a class or one book); after that a covered grade book
/// changes only through a correction request the principal approves, committed as a correction on the revision the
/// request was made from. The check is in the commit itself (`checkTermLock`), so the CLI import, `record revise`
/// and the web are held alike.
extension Archive {
    // MARK: - Locks

    /// Every term lock recorded, locked or unlocked since (sorted by record id).
    public func termLocks() throws -> [TermLock] {
        try recordIds(ofType: TermLock.recordType).sorted().compactMap { id in
            // Two principals who changed a lock offline leave two heads: either being locked keeps it locked.
            let locks = try heads(record: id).compactMap { h in
                ObjectID(hex: h).flatMap { try? revision($0) }.flatMap { TermLock(recordId: id, body: $0.body) }
            }
            return locks.first(where: \.locked) ?? locks.first
        }
    }

    /// The locks in force over a grade-book body.
    public func locks(covering gradeBook: JSONValue) throws -> [TermLock] {
        try termLocks().filter { $0.covers(gradeBook: gradeBook) }
    }

    /// Locks (or re-locks) a term for a school, a class or one book. `principal` is a person record id who must hold
    /// the principal assignment for the school today. Returns the lock as recorded.
    @discardableResult
    public func lockTerm(
        school: String, schoolYear: String, term: Term, className: String? = nil, subject: String? = nil,
        principal: String, author: String
    ) throws -> TermLock {
        try setLock(
            TermLock(
                school: school, schoolYear: schoolYear, term: term, className: className, subject: subject,
                principal: principal, principalName: ""), locked: true, author: author, reason: "khóa sổ / term locked")
    }

    /// Unlocks a lock: its next revision, with the reason (required) and who unlocked.
    @discardableResult
    public func unlockTerm(
        school: String, schoolYear: String, term: Term, className: String? = nil, subject: String? = nil,
        principal: String, author: String, reason: String
    ) throws -> TermLock {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw HosoError(.recordReasonRequired, .both("Mở khóa cần lý do", "Unlocking needs a reason"), location: "reason")
        }
        return try setLock(
            TermLock(
                school: school, schoolYear: schoolYear, term: term, className: className, subject: subject,
                principal: principal, principalName: ""), locked: false, author: author, reason: reason)
    }

    private func setLock(_ wanted: TermLock, locked: Bool, author: String, reason: String) throws -> TermLock {
        guard GradeBookInfo.isSchoolYear(wanted.schoolYear) else {
            throw HosoError(
                .gradeBookHeaderInvalid, .both("Năm học phải có dạng 2024-2025", "the school year must look like 2024-2025"),
                location: "year", cause: wanted.schoolYear)
        }
        let who = try requirePrincipal(wanted.principal, school: wanted.school, schoolYear: wanted.schoolYear)
        var lock = wanted
        lock.locked = locked
        lock.principalName = who.fullName
        let existing = try heads(record: lock.recordId)
        if existing.isEmpty && !locked {
            throw HosoError(.recordNotFound, .both("Học kì này chưa khóa", "This term is not locked"), location: lock.recordId)
        }
        let rev = Revision(
            recordType: TermLock.recordType, recordId: lock.recordId, parents: existing, author: author,
            time: HosoClock.format(clock.now()), reason: existing.isEmpty ? nil : reason, body: lock.body)
        try put(rev)
        return lock
    }

    /// The assignments `person` holds (today or not), for the screens that offer what they may do.
    public func assignments(ofPerson person: String) throws -> [Assignment] {
        try identityRecords().assignments.filter { $0.person == person }
    }

    /// The principal's person record, when they hold the principal assignment for `school` (and the year) today.
    func requirePrincipal(_ person: String, school: String, schoolYear: String) throws -> PersonIdentity {
        let p = try self.person(person)
        let scope = JSONValue.object([JSONMember("school", .string(school)), JSONMember("schoolYear", .string(schoolYear))])
        guard try isAssigned(person: person, roles: [.principal], recordType: GradeBookInfo.recordType, body: scope) else {
            throw HosoError(
                .notPrincipal,
                .both(
                    "\(p.fullName) không được phân công làm hiệu trưởng \(school) (\(schoolYear))",
                    "\(p.fullName) holds no principal assignment for \(school) (\(schoolYear))"),
                location: person)
        }
        return p
    }

    /// Refused in every commit: a new revision of a grade book in a locked term, unless an approved correction request
    /// (in the same commit, or stored) names exactly this revision. The lock is looked for over the new body and the
    /// bodies it replaces, so moving a book out of a locked term is a change like any other.
    func checkTermLock(_ rev: Revision, id: ObjectID, batch: [Revision]) throws {
        guard rev.recordType == GradeBookInfo.recordType else { return }
        let locks = try termLocks().filter(\.locked)
        guard !locks.isEmpty else { return }
        var bodies = [rev.body]
        for p in rev.parents { if let pid = ObjectID(hex: p) { bodies.append(try revision(pid).body) } }
        guard let lock = locks.first(where: { l in bodies.contains { l.covers(gradeBook: $0) } }) else { return }
        let approvals =
            batch.filter { $0.recordType == CorrectionRequest.recordType }.compactMap {
                CorrectionRequest(recordId: $0.recordId, body: $0.body)
            } + (try correctionRequests(book: rev.recordId))
        if approvals.contains(where: { $0.status == .approved && $0.book == rev.recordId && $0.revision == id.hex }) { return }
        throw HosoError(
            .termLocked,
            .both(
                "Sổ điểm thuộc học kì đã khóa sổ (\(lock.label.vi), khóa bởi \(lock.principalName)): muốn sửa phải gửi đề nghị sửa kèm lý do và được hiệu trưởng duyệt",
                "The grade book is in a locked term (\(lock.label.en), locked by \(lock.principalName)): a change needs a correction request with a reason, approved by the principal"
            ),
            location: rev.recordId)
    }

    // MARK: - Correction requests

    /// Correction requests, of one book or all, oldest first by id.
    public func correctionRequests(book: String? = nil) throws -> [CorrectionRequest] {
        let prefix = book.map { "correction/" + $0 + "/" } ?? "correction/"
        return try recordIds(ofType: CorrectionRequest.recordType).filter { $0.hasPrefix(prefix) }.sorted().compactMap { id in
            guard let (_, rev) = try? current(record: id) else { return nil }
            return CorrectionRequest(recordId: id, body: rev.body)
        }
    }

    /// One correction request.
    public func correctionRequest(_ id: String) throws -> CorrectionRequest {
        let (_, rev) = try current(record: id)
        guard rev.recordType == CorrectionRequest.recordType, let r = CorrectionRequest(recordId: id, body: rev.body) else {
            throw HosoError(.correctionState, .both("Không có đề nghị sửa này", "No such correction request"), location: id)
        }
        return r
    }

    /// Files a request to change grade book `book` to `body` in a locked term: the body is checked as an import's
    /// would be, the reason is required, and the book must be locked (an unlocked one is simply saved). The same
    /// change asked twice is the same pending request.
    @discardableResult
    public func requestCorrection(book: String, body: JSONValue, reason: String, author: String) throws -> CorrectionRequest {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw HosoError(
                .recordReasonRequired, .both("Đề nghị sửa cần lý do", "A correction request needs a reason"), location: "reason")
        }
        let plan = try planSave(type: GradeBookInfo.recordType, id: book, body: body, reason: reason)
        guard plan.change == .revised, let base = plan.head else {
            throw HosoError(
                .correctionState,
                .both("Không có gì để sửa: nội dung giống bản hiện tại", "Nothing to correct: the body is the current one"),
                location: book)
        }
        let (_, current) = try self.current(record: book)
        let locked = try !locks(covering: current.body).isEmpty || !locks(covering: body).isEmpty
        guard locked else {
            throw HosoError(
                .correctionState,
                .both("Sổ điểm chưa khóa: lưu trực tiếp, không cần đề nghị", "The grade book is not locked: save it directly"),
                location: book)
        }
        let digest = ObjectID(hashing: try CanonicalJSON.serialize(body)).hex
        let id = "correction/\(book)/\(base.prefix(12))-\(digest.prefix(12))"
        if let existing = try? correctionRequest(id) {
            guard existing.status == .pending else {
                throw HosoError(
                    .correctionState,
                    .both("Đề nghị sửa này đã được quyết định", "This correction request has been decided already"), location: id)
            }
            return existing
        }
        let request = CorrectionRequest(recordId: id, book: book, base: base, reason: reason, requestedBy: author, proposed: body)
        try put(
            Revision(
                recordType: CorrectionRequest.recordType, recordId: id, parents: [], author: author,
                time: HosoClock.format(clock.now()), reason: nil, body: request.body))
        return request
    }

    /// A correction request made from a grade-book CSV file, read and checked as `importGradeBook` reads it.
    public func requestGradeBookCorrection(
        csv bytes: [UInt8], source: String, header: ClassHeader?, settings: GradeBookSettings, author: String, reason: String
    ) throws -> CorrectionRequest {
        let parsed = try GradeBookCSV.read(bytes: bytes, source: source, header: header, settings: settings)
        return try requestCorrection(book: parsed.book.recordId, body: parsed.book.body, reason: reason, author: author)
    }

    /// The principal (`principal`, a person record id holding the principal assignment for the book's school)
    /// approves or refuses a pending request. On approval the new grade-book revision is committed on the revision
    /// the request was made from, in the same commit as the approval that names it; a book changed since is refused
    /// (the teacher asks again from what is there now).
    @discardableResult
    public func decideCorrection(
        _ id: String, approve: Bool, principal: String, note: String?, author: String
    ) throws
        -> CorrectionRequest
    {
        var request = try correctionRequest(id)
        guard request.status == .pending else {
            throw HosoError(
                .correctionState, .both("Đề nghị sửa này đã được quyết định", "This correction request has been decided already"),
                location: id)
        }
        let (_, book) = try current(record: request.book)
        let who = try requirePrincipal(
            principal, school: book.body["school"]?.stringValue ?? "", schoolYear: book.body["schoolYear"]?.stringValue ?? "")
        request.status = approve ? .approved : .refused
        request.decidedBy = principal
        request.decidedByName = who.fullName
        request.decisionNote = note.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let now = HosoClock.format(clock.now())
        var revs = [Revision]()
        if approve {
            guard try heads(record: request.book) == [request.base] else {
                throw HosoError(
                    .correctionState,
                    .both(
                        "Sổ điểm đã đổi từ khi gửi đề nghị; cần gửi đề nghị mới từ bản hiện tại",
                        "The grade book has changed since the request; ask again from the current revision"),
                    location: id)
            }
            let correction = Revision(
                recordType: GradeBookInfo.recordType, recordId: request.book, parents: [request.base], author: request.requestedBy,
                time: now, reason: CorrectionRequest.correctionReason(request.reason, approvedBy: who.fullName), body: request.proposed)
            request.revision = ObjectID(hashing: try correction.canonicalBytes()).hex
            revs.append(correction)
        }
        revs.append(
            Revision(
                recordType: CorrectionRequest.recordType, recordId: id, parents: try heads(record: id), author: author, time: now,
                reason: approve ? "duyệt / approved" : "từ chối / refused", body: request.body))
        try putAll(revs, objects: [])
        return request
    }

    /// The approved correction that committed `revision` of `book`, if it was one.
    public func correction(committing revision: String, book: String) throws -> CorrectionRequest? {
        try correctionRequests(book: book).first { $0.status == .approved && $0.revision == revision }
    }

    /// Plain record writes may not make or change term locks and correction requests: only the workflows above
    /// check who acts. (Sync brings them in as objects, not through here.)
    /// Record types written only by their own workflow, which checks who may write them and what they say: a
    /// term lock, a correction request, a copy register entry, a học bạ's issue register, a download code (whose
    /// hash gives a document to whoever holds the code), the extract log (what left the archive) and the
    /// digitization records of ledgers (who converted which scans, sealed by the office).
    static let workflowRecordTypes: Set<String> = [
        TermLock.recordType, CorrectionRequest.recordType, CopyRegisterEntry.recordType, HocBaIssue.recordType,
        downloadCodeType, extractType, digitizationType, keyingProvenanceType, custodyTransferType, schoolType,
        importPresetType,
    ]

    static func refuseWorkflowRecordType(_ type: String) throws {
        guard workflowRecordTypes.contains(type) else { return }
        throw HosoError(
            .workflowRecord,
            .both(
                "Loại hồ sơ này chỉ ghi qua quy trình của nó (khóa sổ, đề nghị sửa, cấp bản sao, học bạ, mã tải, nhật ký trích xuất, số hóa, cách ghép cột)",
                "This record type is written through its own workflow only (term locks, corrections, copies, học bạ, download codes, the extract log, digitization, column mappings)"
            ),
            location: type)
    }
}
