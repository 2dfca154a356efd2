import Foundation
import HosoCore
import HosoRecords

/// A class's results for one term (tổng hợp kết quả học kì), built from the class's grade books of the term: each
/// student's subject averages or comment results, the term's learning result by TT 22 Art. 9, and the conduct
/// result the homeroom teacher gives. The homeroom teacher checks and signs it (TT 22 Art. 19).
public enum ClassSummary {
    public static let recordType = "class-summary"

    /// `classsummary/<school>/<schoolYear>/<class>/<term>`.
    public static func recordId(school: String, schoolYear: String, className: String, term: Term) -> String {
        "classsummary/\(recordSlug(school))/\(schoolYear)/\(recordSlug(className))/\(term.rawValue.lowercased())"
    }

    /// The summary's body. Every problem (a student missing from a book, a book without the term's result) is thrown
    /// together; `conduct` maps a student's mã định danh to the conduct result the homeroom teacher gave.
    public static func build(
        books: [GradeBook], school: String, className: String, schoolYear: String, term: Term,
        conduct: [String: LearningResult] = [:], rules: LearningResultRules = .thongTu22
    ) throws -> JSONValue {
        let place = recordId(school: school, schoolYear: schoolYear, className: className, term: term)
        let sorted = books.filter { $0.info.term == term }.sorted { $0.recordId < $1.recordId }
        var problems = [HosoError]()
        guard !sorted.isEmpty else {
            throw HosoError(
                .gradeBookMissing, .both("Không có sổ điểm nào của lớp trong học kì này", "No grade books of the class in this term"),
                location: place)
        }
        var order = [String]()
        var names = [String: String]()
        for b in sorted {
            for s in b.students where names[s.moetId] == nil {
                names[s.moetId] = s.fullName
                order.append(s.moetId)
            }
        }
        var students = [JSONValue]()
        for id in order {
            var lines = [JSONValue]()
            var scored = [Mark]()
            var comments = [CommentResult]()
            for b in sorted {
                guard let s = b.student(id) else {
                    problems.append(
                        HosoError(
                            .transcriptStudentMissing,
                            .both(
                                "Học sinh \(names[id]!) không có trong sổ điểm \(b.info.subject)",
                                "\(names[id]!) is not in the \(b.info.subject) grade book"),
                            location: b.recordId, cause: id))
                    continue
                }
                if s.exempt {
                    lines.append(.object([JSONMember("subject", .string(b.info.subject)), JSONMember("exempt", .bool(true))]))
                } else if b.info.assessment == .scored, let avg = s.termAverage {
                    scored.append(avg)
                    lines.append(.object([JSONMember("subject", .string(b.info.subject)), JSONMember("average", .number(avg.jsonNumber))]))
                } else if let r = s.commentResult {
                    comments.append(r)
                    lines.append(.object([JSONMember("subject", .string(b.info.subject)), JSONMember("result", .string(r.rawValue))]))
                } else {
                    problems.append(
                        HosoError(
                            .transcriptStudentMissing,
                            .both(
                                "Sổ điểm \(b.info.subject) chưa có kết quả học kì của \(names[id]!)",
                                "The \(b.info.subject) grade book has no term result for \(names[id]!)"),
                            location: b.recordId, cause: id))
                }
            }
            var m = [
                JSONMember("moetId", .string(id)), JSONMember("fullName", .string(names[id]!)), JSONMember("subjects", .array(lines)),
                JSONMember(
                    "learningResult",
                    .string(SecondaryGrading.learningResult(scored: scored, commentsOnly: comments, rules: rules).rawValue)),
            ]
            if let c = conduct[id] { m.append(JSONMember("conduct", .string(c.rawValue))) }
            students.append(.object(m))
        }
        if !problems.isEmpty { throw HosoProblems(problems) }
        let first = sorted[0].info
        return .object([
            JSONMember("school", .string(first.school)), JSONMember("class", .string(first.className)),
            JSONMember("schoolYear", .string(schoolYear)), JSONMember("term", .string(term.rawValue)),
            JSONMember(
                "books",
                .array(sorted.map { .object([JSONMember("subject", .string($0.info.subject)), JSONMember("book", .string($0.recordId))]) })),
            JSONMember("students", .array(students)),
        ])
    }
}
