import Foundation
import HosoCore
import HosoRecords

// MARK: - Transcripts

/// The rules a transcript is computed under, recorded in its body so it can be recomputed or checked later.
public struct TranscriptRules: Sendable, Equatable {
    /// How a comments-only subject's year result follows from its terms.
    public enum CommentsYearResult: String, Sendable, Codable, CaseIterable {
        /// TT22 Điều 9 [2nd]: the year is Đạt when the second term is Đạt.
        case secondTerm
        /// Both terms Đạt.
        case bothTerms
    }

    public var learningResult: LearningResultRules
    /// A name for `learningResult` ("thongTu22", "thongTu22ThresholdsOnly", or "custom").
    public var learningResultName: String
    public var commentsYearResult: CommentsYearResult

    public init(learningResult: LearningResultRules, learningResultName: String, commentsYearResult: CommentsYearResult) {
        self.learningResult = learningResult
        self.learningResultName = learningResultName
        self.commentsYearResult = commentsYearResult
    }

    /// TT22's thresholds and single-subject adjustment (`LearningResultRules.thongTu22`); a comments-only
    /// subject's year result is its second term's ([2nd]: secondary restatements of TT22 Điều 9; a setting
    /// because no primary text was read).
    public static let thongTu22 = TranscriptRules(
        learningResult: .thongTu22, learningResultName: "thongTu22",
        commentsYearResult: .secondTerm)

    func yearResult(_ first: CommentResult, _ second: CommentResult) -> CommentResult {
        switch commentsYearResult {
        case .secondTerm: return second
        case .bothTerms: return first == .dat && second == .dat ? .dat : .chuaDat
        }
    }

    /// Every threshold, not just the name: a reader in ten years needs the values, not our defaults of today.
    var json: JSONValue {
        func level(_ l: LearningResultRules.Level) -> JSONValue {
            .object([
                JSONMember("maxCommentsOnlyNotPassed", .number(Double(l.maxCommentsOnlyNotPassed))),
                JSONMember("everyAverageAtLeast", .number(l.everyAverageAtLeast.jsonNumber)),
                JSONMember("subjectsAtLeast", .number(Double(l.subjectsAtLeast))),
                JSONMember("countedAverageAtLeast", .number(l.countedAverageAtLeast.jsonNumber)),
            ])
        }
        return .object([
            JSONMember(
                "learningResult",
                .object([
                    JSONMember("name", .string(learningResultName)),
                    JSONMember("tot", level(learningResult.tot)),
                    JSONMember("kha", level(learningResult.kha)),
                    JSONMember("dat", level(learningResult.dat)),
                    JSONMember("singleSubjectAdjustment", .string(learningResult.singleSubjectAdjustment.rawValue)),
                ])),
            JSONMember("commentsYearResult", .string(commentsYearResult.rawValue)),
        ])
    }
}

/// One subject's line in a transcript.
public struct TranscriptSubject: Sendable, Equatable {
    public var subject: String
    public var assessment: Assessment
    /// Scored: ĐTBmhk I, ĐTBmhk II, ĐTBmcn.
    public var term1Average: Mark?
    public var term2Average: Mark?
    public var yearAverage: Mark?
    /// Comments-only: the two terms and the year…
    public var term1Result: CommentResult?
    public var term2Result: CommentResult?
    public var yearResult: CommentResult?
    /// …or exempt from the subject for the year (then left out of the learning result).
    public var exempt: Bool = false
    /// The second term's subject teacher (who signs at year end).
    public var teacher: String?
    /// The grade books (record ids) the line was taken from.
    public var gradeBooks: [String]
}

/// A learning result with the subject it was raised for, if any (TT22 Điều 9 khoản 3).
public struct TranscriptLearningResult: Sendable, Equatable {
    public var level: LearningResult
    public var levelByThresholds: LearningResult
    public var raisedBecauseOf: String?
}

/// A transcript (học bạ): one student × school year.
public struct Transcript: Sendable, Equatable {
    public static let recordType = "transcript"

    public var moetId: String
    public var fullName: String
    public var dateOfBirth: String
    public var school: String
    public var className: String
    public var schoolYear: String
    public var level: SecondaryLevel
    public var grade: Int
    public var subjects: [TranscriptSubject]
    public var term1: TranscriptLearningResult
    public var term2: TranscriptLearningResult
    public var year: TranscriptLearningResult
    public var rules: TranscriptRules

    /// `transcript/<moetId>/<schoolYear>`.
    public var recordId: String { "transcript/\(moetId)/\(schoolYear)" }

    /// The record body (`transcript`, Schemas/transcript.schema.json, FORMATS.md "Grade books"). Built here and
    /// only here. `computedFrom` says how it was computed: the grade books and every rule value.
    public var body: JSONValue {
        var adjustments = [JSONValue]()
        for (period, r) in [("term1", term1), ("term2", term2), ("year", year)] {
            guard let subject = r.raisedBecauseOf else { continue }
            adjustments.append(
                .object([
                    JSONMember("period", .string(period)),
                    JSONMember("levelByThresholds", .string(r.levelByThresholds.rawValue)),
                    JSONMember("raisedBecauseOf", .string(subject)),
                ]))
        }
        var computedFrom = [
            JSONMember("gradeBooks", .array(subjects.flatMap(\.gradeBooks).sorted().map { .string($0) })),
            JSONMember("rules", rules.json),
        ]
        if !adjustments.isEmpty { computedFrom.append(JSONMember("adjustments", .array(adjustments))) }
        return .object([
            JSONMember(
                "student",
                .object([
                    JSONMember("fullName", .string(fullName)),
                    JSONMember("dateOfBirth", .string(dateOfBirth)),
                    JSONMember("moetId", .string(moetId)),
                ])),
            JSONMember("schoolYear", .string(schoolYear)),
            JSONMember("school", .string(school)),
            JSONMember("class", .string(className)),
            JSONMember("grade", .number(Double(grade))),
            JSONMember("level", .string(level.rawValue)),
            JSONMember(
                "subjects",
                .array(
                    subjects.map { s in
                        var m = [JSONMember("subject", .string(s.subject)), JSONMember("assessment", .string(s.assessment.rawValue))]
                        if s.exempt { m.append(JSONMember("exempt", .bool(true))) }
                        for (key, v) in [("term1", s.term1Average), ("term2", s.term2Average), ("year", s.yearAverage)] {
                            if let v { m.append(JSONMember(key, .number(v.jsonNumber))) }
                        }
                        for (key, v) in [("term1", s.term1Result), ("term2", s.term2Result), ("year", s.yearResult)] {
                            if let v { m.append(JSONMember(key, .string(v.rawValue))) }
                        }
                        if let t = s.teacher { m.append(JSONMember("teacher", .string(t))) }
                        return .object(m)
                    })),
            JSONMember(
                "results",
                .object([
                    JSONMember("term1", .object([JSONMember("learning", .string(term1.level.rawValue))])),
                    JSONMember("term2", .object([JSONMember("learning", .string(term2.level.rawValue))])),
                    JSONMember("year", .object([JSONMember("learning", .string(year.level.rawValue))])),
                ])),
            JSONMember("computedFrom", .object(computedFrom)),
        ])
    }
}

/// Assembles transcripts from one class's grade books of one school year.
public enum TranscriptBuilder {
    /// Every problem is collected (missing grade books, students absent from a grade book, disagreeing names or
    /// dates of birth) and thrown together; no transcript is returned unless there is none.
    /// - Parameters:
    ///   - books: the class's grade books of the year, any order.
    ///   - expectedSubjects: the class's subjects (header.json), so that a subject with no grade book at all is
    ///     reported too; the subjects of `books` are always expected in both terms.
    ///   - student: only this student (mã định danh); nil for every student in the grade books.
    public static func build(
        books: [GradeBook], school: String, className: String, schoolYear: String,
        expectedSubjects: [String] = [], student: String? = nil,
        rules: TranscriptRules = .thongTu22
    ) throws -> [Transcript] {
        var problems = [HosoError]()
        // Sorted by record id, so every value taken "from the first book" is the same whatever order they came in.
        let sorted = books.sorted { $0.recordId < $1.recordId }
        let subjects = SubjectBooks(sorted, expected: expectedSubjects)
        subjects.checkBothTerms(school: school, className: className, schoolYear: schoolYear, into: &problems)
        var (order, identity) = students(of: sorted, into: &problems)
        let classPlace = GradeBookInfo.classPrefix(school: school, schoolYear: schoolYear, className: className)
        if let student {
            if identity[student] == nil && !sorted.isEmpty {
                problems.report(
                    .transcriptStudentMissing, classPlace,
                    "Học sinh không có trong sổ điểm nào của lớp \(className) năm học \(schoolYear)",
                    "the student is in none of the grade books of class \(className), \(schoolYear)", student)
            }
            order = order.filter { $0 == student }
        }
        if sorted.isEmpty && expectedSubjects.isEmpty {
            problems.report(
                .gradeBookMissing, classPlace, "Không có sổ điểm nào của lớp này trong năm học",
                "there are no grade books of this class and year")
        }

        var transcripts = [Transcript]()
        for id in order {
            let who = identity[id]!.student
            guard let lines = subjects.lines(for: id, who: who, rules: rules, into: &problems) else { continue }
            func assess(
                _ scored: (TranscriptSubject) -> Mark?, _ comments: (TranscriptSubject) -> CommentResult?
            ) -> TranscriptLearningResult {
                learningResult(lines, rules: rules, scored, comments)
            }
            let firstBook = sorted.first!
            transcripts.append(
                Transcript(
                    moetId: id, fullName: who.fullName, dateOfBirth: who.dateOfBirth, school: firstBook.info.school,
                    className: firstBook.info.className, schoolYear: schoolYear, level: firstBook.info.level,
                    grade: firstBook.info.grade, subjects: lines,
                    term1: assess(\.term1Average, \.term1Result), term2: assess(\.term2Average, \.term2Result),
                    year: assess(\.yearAverage, \.yearResult), rules: rules))
        }
        if !problems.isEmpty { throw HosoProblems(problems) }
        return transcripts
    }

    /// The students: everyone in any of the grade books, in the order first met, each with the book that first
    /// named them. A book that gives another name or date of birth is a problem.
    private static func students(
        of sorted: [GradeBook], into problems: inout [HosoError]
    )
        -> (order: [String], identity: [String: (student: GradeBookStudent, book: String)])
    {
        var order = [String]()
        var identity = [String: (student: GradeBookStudent, book: String)]()
        for b in sorted {
            for s in b.students {
                if let first = identity[s.moetId] {
                    if first.student.fullName != s.fullName || first.student.dateOfBirth != s.dateOfBirth {
                        problems.report(
                            .transcriptInconsistent, b.recordId,
                            "Các sổ điểm ghi khác nhau về học sinh \(s.moetId): \(first.student.fullName) \(first.student.dateOfBirth) (\(first.book)) và \(s.fullName) \(s.dateOfBirth)",
                            "the grade books disagree about student \(s.moetId): \(first.student.fullName) \(first.student.dateOfBirth) (\(first.book)) and \(s.fullName) \(s.dateOfBirth)"
                        )
                    }
                } else {
                    identity[s.moetId] = (s, b.recordId)
                    order.append(s.moetId)
                }
            }
        }
        return (order, identity)
    }

    /// One learning result (a term's or the year's) from the subject lines, with the subject that raised it.
    private static func learningResult(
        _ lines: [TranscriptSubject], rules: TranscriptRules,
        _ scored: (TranscriptSubject) -> Mark?,
        _ comments: (TranscriptSubject) -> CommentResult?
    ) -> TranscriptLearningResult {
        let scoredLines = lines.filter { $0.assessment == .scored }
        let commentLines = lines.filter { $0.assessment == .comments && !$0.exempt }
        let a = SecondaryGrading.assessLearning(
            scored: scoredLines.map { scored($0)! },
            commentsOnly: commentLines.map { comments($0)! },
            rules: rules.learningResult)
        var because: String?
        switch a.raisedBecauseOf {
        case .scored(let i)?: because = scoredLines[i].subject
        case .commentsOnly(let i)?: because = commentLines[i].subject
        case nil: because = nil
        }
        return TranscriptLearningResult(level: a.level, levelByThresholds: a.levelByThresholds, raisedBecauseOf: because)
    }
}

/// The grade books by subject and term, with each subject's display name, subjects in a fixed order.
private struct SubjectBooks {
    var bySubject = [String: [Term: GradeBook]]()
    var names = [String: String]()
    let keys: [String]

    init(_ sorted: [GradeBook], expected expectedSubjects: [String]) {
        for name in expectedSubjects where names[recordSlug(name)] == nil { names[recordSlug(name)] = name }
        for b in sorted {
            let key = recordSlug(b.info.subject)
            bySubject[key, default: [:]][b.info.term] = b
            if names[key] == nil { names[key] = b.info.subject }
        }
        // Subjects in a fixed order (folded name), so the body does not depend on the archive's listing order.
        let names = self.names
        keys = names.keys.sorted { (VietnameseText.fold(names[$0]!), $0) < (VietnameseText.fold(names[$1]!), $1) }
    }

    /// Every subject needs a grade book in both terms, assessed the same way in both.
    func checkBothTerms(school: String, className: String, schoolYear: String, into problems: inout [HosoError]) {
        for key in keys {
            for term in Term.allCases where bySubject[key]?[term] == nil {
                problems.report(
                    .gradeBookMissing,
                    GradeBookInfo.recordId(school: school, schoolYear: schoolYear, className: className, subject: names[key]!, term: term),
                    "Thiếu sổ điểm môn \(names[key]!) \(term): chưa nhập vào kho",
                    "the grade book of \(names[key]!) \(term) is missing: it has not been imported")
            }
            if let a = bySubject[key]?[.hk1], let b = bySubject[key]?[.hk2], a.info.assessment != b.info.assessment {
                problems.report(
                    .transcriptInconsistent, b.recordId,
                    "Môn \(names[key]!) được đánh giá khác nhau ở hai học kì (\(a.info.assessment.rawValue), \(b.info.assessment.rawValue))",
                    "\(names[key]!) is assessed differently in the two terms (\(a.info.assessment.rawValue), \(b.info.assessment.rawValue))"
                )
            }
        }
    }

    /// One student's subject lines; nil unless every subject gives one (what is missing is reported here or was
    /// reported by `checkBothTerms`).
    func lines(
        for id: String, who: GradeBookStudent, rules: TranscriptRules,
        into problems: inout [HosoError]
    ) -> [TranscriptSubject]? {
        var lines = [TranscriptSubject]()
        var complete = true
        for key in keys {
            if let line = line(key, for: id, who: who, rules: rules, into: &problems) { lines.append(line) } else { complete = false }
        }
        return complete ? lines : nil
    }

    /// One subject's line for one student, from the two terms' rows.
    private func line(
        _ key: String, for id: String, who: GradeBookStudent, rules: TranscriptRules,
        into problems: inout [HosoError]
    ) -> TranscriptSubject? {
        guard let first = bySubject[key]?[.hk1], let second = bySubject[key]?[.hk2],
            first.info.assessment == second.info.assessment
        else { return nil }
        var rows = [GradeBookStudent]()
        for b in [first, second] {
            if let r = b.student(id) {
                rows.append(r)
            } else {
                problems.report(
                    .transcriptStudentMissing, b.recordId,
                    "Học sinh \(who.fullName) (\(id)) không có trong sổ điểm này",
                    "student \(who.fullName) (\(id)) is not in this grade book")
            }
        }
        guard rows.count == 2 else { return nil }
        var line = TranscriptSubject(
            subject: names[key]!, assessment: first.info.assessment, teacher: second.info.teacher,
            gradeBooks: [first.recordId, second.recordId])
        switch first.info.assessment {
        case .scored:
            guard let a = rows[0].termAverage, let b = rows[1].termAverage else { return nil }
            line.term1Average = a
            line.term2Average = b
            line.yearAverage = SecondaryGrading.yearAverage(firstTerm: a, secondTerm: b)
        case .comments:
            if rows[0].exempt && rows[1].exempt {
                line.exempt = true
            } else if rows[0].exempt || rows[1].exempt {
                // A transcript has one line per subject for the year: a term result next to a term of
                // exemption has no agreed form yet (see FORMATS.md), so it is reported, not guessed.
                problems.report(
                    .transcriptInconsistent, (rows[0].exempt ? first : second).recordId,
                    "Học sinh \(who.fullName) (\(id)) được miễn môn \(names[key]!) chỉ một học kì: chưa hỗ trợ",
                    "student \(who.fullName) (\(id)) is exempt from \(names[key]!) in one term only: not supported yet")
                return nil
            } else {
                guard let a = rows[0].commentResult, let b = rows[1].commentResult else { return nil }
                line.term1Result = a
                line.term2Result = b
                line.yearResult = rules.yearResult(a, b)
            }
        }
        return line
    }
}

extension [HosoError] {
    /// Appends a problem with its Vietnamese and English messages.
    fileprivate mutating func report(_ code: HosoError.Code, _ location: String, _ vi: String, _ en: String, _ cause: String? = nil) {
        append(HosoError(code, .both(vi, en), location: location, cause: cause))
    }
}
