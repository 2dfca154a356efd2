import Foundation
import HosoCore
import HosoGrades
import HosoIndex
import HosoRecords
import HosoStore

// MARK: - Saving records

extension Archive {
    /// A save worked out against the archive, before anything is written.
    struct PlannedSave {
        var type: String
        var id: String
        var body: JSONValue
        var change: RecordChange
        var head: String?
    }

    /// Record types whose bodies `planSave` checks against their JSON Schema. `transcript` is not among them yet:
    /// its schema requires the student's sex and the conduct (rèn luyện) results, which grade books do not carry,
    /// and has no member for `computedFrom` (the rules the results were computed under). Add it once the schema
    /// accepts what is built from grade books (GradeBookTests has a known-issue test that says when).
    static let schemaCheckedRecordTypes: Set<String> = [GradeBookInfo.recordType, "transcript", HocBa.recordType]

    /// Decides create / revise / unchanged for a body, and checks it. Every body grade books and transcripts
    /// write passes here: the one place where bodies are validated against their JSON Schema.
    func planSave(type: String, id: String, body: JSONValue, reason: String?) throws -> PlannedSave {
        if Self.schemaCheckedRecordTypes.contains(type) {
            // A violation here is a bug in the body built above, not in the user's file, but it must still stop
            // the write: a record that breaks its schema would fail every later check.
            let violations = try SchemaValidator.forRecordType(type).validate(body, source: id)
            if !violations.isEmpty { throw HosoProblems(violations) }
        }
        let heads = try index.heads(ofRecord: id)
        guard !heads.isEmpty else { return PlannedSave(type: type, id: id, body: body, change: .created, head: nil) }
        let (headId, current) = try self.current(record: id)  // a conflict (several heads) is an error here
        if current.recordType != type {
            throw HosoError(
                .recordExists,
                .both(
                    "Mã hồ sơ đã dùng cho loại khác (\(current.recordType))",
                    "The record id is already used by another type (\(current.recordType))"),
                location: id)
        }
        // Compared in canonical form: the same values typed in another key order or Unicode form are the same body.
        if try CanonicalJSON.serialize(current.body) == CanonicalJSON.serialize(body) {
            return PlannedSave(type: type, id: id, body: body, change: .unchanged, head: headId.hex)
        }
        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw HosoError(
                .recordReasonRequired,
                .both(
                    "Hồ sơ đã có và nội dung mới khác bản hiện tại: cần --reason để ghi lý do sửa",
                    "The record exists and the new content differs from the current revision: give --reason for the correction"),
                location: id, cause: headId.hex)
        }
        return PlannedSave(type: type, id: id, body: body, change: .revised, head: headId.hex)
    }

    func commit(_ plan: PlannedSave, author: String, reason: String?, dryRun: Bool) throws -> RecordSaveResult {
        var result = RecordSaveResult(
            recordType: plan.type, recordId: plan.id, change: plan.change,
            revision: plan.change == .unchanged ? plan.head : nil,
            parent: plan.change == .revised ? plan.head : nil, dryRun: dryRun)
        guard !dryRun else { return result }
        switch plan.change {
        case .created:
            result.revision = try createRecord(type: plan.type, id: plan.id, body: plan.body, author: author).hex
        case .revised:
            // Another writer may have moved the head since the plan; put the revision on the planned head only.
            let rev = Revision(
                recordType: plan.type, recordId: plan.id, parents: [plan.head!], author: author,
                time: HosoClock.format(clock.now()), reason: reason, body: plan.body)
            result.revision = try put(rev).id.hex
        case .unchanged:
            break
        }
        return result
    }

    /// Imports a grade-book CSV file: checks everything (metadata and every cell) and throws `HosoProblems` with
    /// every problem; otherwise creates the record, revises it (a reason is then required) or leaves it alone if
    /// the body is the same. Nothing is written on any error or with `dryRun`.
    public func importGradeBook(
        csv bytes: [UInt8], source: String, header: ClassHeader?, settings: GradeBookSettings,
        author: String, reason: String? = nil, dryRun: Bool = false
    ) throws -> GradeBookImportResult {
        let parsed = try GradeBookCSV.read(bytes: bytes, source: source, header: header, settings: settings)
        let plan = try planSave(type: GradeBookInfo.recordType, id: parsed.book.recordId, body: parsed.book.body, reason: reason)
        let save = try commit(plan, author: author, reason: reason, dryRun: dryRun)
        return GradeBookImportResult(book: parsed.book, save: save, warnings: parsed.warnings)
    }

    /// The current revision of a grade-book record, read back.
    public func gradeBook(record id: String) throws -> GradeBook {
        let (_, rev) = try current(record: id)
        guard rev.recordType == GradeBookInfo.recordType else {
            throw HosoError(
                .gradeBookRecordInvalid,
                .both("Hồ sơ không phải sổ điểm (\(rev.recordType))", "The record is not a grade book (\(rev.recordType))"),
                location: id)
        }
        return try GradeBook(body: rev.body, source: id)
    }

    /// A grade-book record in the CSV layout (see `GradeBookCSV.write`).
    public func exportGradeBook(record id: String) throws -> [UInt8] {
        GradeBookCSV.write(try gradeBook(record: id))
    }

    /// The record ids of one class's grade books of one year.
    /// The index has no query by record id or type, so this walks the revisions of every record object; fine
    /// for a school's archive, but an index query (`recordIds(withPrefix:)`) should replace it.
    public func gradeBookIds(school: String, className: String, schoolYear: String) throws -> [String] {
        let prefix = GradeBookInfo.classPrefix(school: school, schoolYear: schoolYear, className: className)
        var ids = Set<String>()
        for object in try index.objects(kind: ObjectKind.record.rawValue) {
            if let row = try index.revision(object.id), row.recordType == GradeBookInfo.recordType, row.recordId.hasPrefix(prefix) {
                ids.insert(row.recordId)
            }
        }
        return ids.sorted()
    }

    /// Builds (creates or revises) the transcripts of a class's students for one school year from the year's
    /// grade books. With `header`, its subjects are expected too. Everything is computed and checked before
    /// anything is written; every problem is thrown together (`HosoProblems`). A transcript whose body differs
    /// from its current revision needs `reason`.
    public func buildTranscripts(
        school: String, className: String, schoolYear: String, student: String? = nil,
        header: ClassHeader? = nil, rules: TranscriptRules = .thongTu22, author: String,
        reason: String? = nil, dryRun: Bool = false
    ) throws -> TranscriptBuildResult {
        var problems = [HosoError]()
        if !GradeBookInfo.isSchoolYear(schoolYear) {
            throw HosoError(
                .gradeBookHeaderInvalid, .both("Năm học phải có dạng 2024-2025", "the school year must look like 2024-2025"),
                location: "--year", cause: schoolYear)
        }
        var ids = Set(try gradeBookIds(school: school, className: className, schoolYear: schoolYear))
        // Subjects named in the header are looked up directly as well (cheap, and they must exist).
        for s in header?.subjects ?? [] {
            for term in Term.allCases {
                let id = GradeBookInfo.recordId(school: school, schoolYear: schoolYear, className: className, subject: s.name, term: term)
                if !(try index.heads(ofRecord: id)).isEmpty { ids.insert(id) }
            }
        }
        var books = [GradeBook]()
        for id in ids.sorted() {
            do { books.append(try gradeBook(record: id)) } catch let e as HosoError { problems.append(e) } catch let e as HosoProblems {
                problems += e.problems
            }
        }
        let transcripts: [Transcript]
        do {
            transcripts = try TranscriptBuilder.build(
                books: books, school: school, className: className, schoolYear: schoolYear,
                expectedSubjects: header?.subjects.map(\.name) ?? [], student: student, rules: rules)
        } catch let e as HosoProblems {
            throw HosoProblems(problems + e.problems)
        }
        if !problems.isEmpty { throw HosoProblems(problems) }
        var plans = [PlannedSave]()
        for t in transcripts {
            do { plans.append(try planSave(type: Transcript.recordType, id: t.recordId, body: t.body, reason: reason)) } catch let e
                as HosoError
            {
                problems.append(e)
            }
        }
        if !problems.isEmpty { throw HosoProblems(problems) }
        // Each save is atomic; a failure part-way (disk full) leaves some written, and running again finishes the
        // rest (the written ones are then unchanged).
        let saves = try plans.map { try commit($0, author: author, reason: reason, dryRun: dryRun) }
        var warnings = [HosoError]()
        // The thresholds count subjects (at least 6 averages ≥ 5.0 for Đạt): with fewer scored subjects in the
        // archive every result is Chưa đạt, which is a sign of missing grade books rather than of the students.
        let scored = transcripts.first?.subjects.count(where: { $0.assessment == .scored }) ?? 0
        let needed = rules.learningResult.dat.subjectsAtLeast
        if !transcripts.isEmpty && scored < needed {
            warnings.append(
                HosoError(
                    .transcriptWarning,
                    .both(
                        "Chỉ có \(scored) môn đánh giá bằng điểm; quy tắc cần ít nhất \(needed) môn cho mức Đạt trở lên, nên mọi kết quả học tập là Chưa đạt. Thiếu sổ điểm? (dùng --header để liệt kê đủ các môn)",
                        "only \(scored) subjects are scored; the rules need at least \(needed) for Đạt or better, so every learning result is Chưa đạt. Are grade books missing? (--header lists the class's subjects)"
                    ),
                    location: GradeBookInfo.classPrefix(school: school, schoolYear: schoolYear, className: className)))
        }
        return TranscriptBuildResult(transcripts: transcripts, saves: saves, warnings: warnings)
    }
}
