import Foundation
import HosoCore
import HosoRecords

// MARK: - Grade book

/// One student's line in a grade book.
public struct GradeBookStudent: Sendable, Equatable {
    /// 10 digits (mã định danh, TT42/2021).
    public var moetId: String
    public var fullName: String
    /// ISO YYYY-MM-DD.
    public var dateOfBirth: String
    /// Scored subjects: the regular marks (ĐĐGtx), mid-term (ĐĐGgk), end-of-term (ĐĐGck) and the computed
    /// term average (ĐTBmhk).
    public var regularMarks: [Mark]
    public var midTermMark: Mark?
    public var endOfTermMark: Mark?
    public var termAverage: Mark?
    /// Comments-only subjects: Đạt / Chưa đạt for the term…
    public var commentResult: CommentResult?
    /// …or exempt from the subject (miễn học, e.g. physical education on medical grounds).
    public var exempt: Bool

    public init(
        moetId: String, fullName: String, dateOfBirth: String, regularMarks: [Mark] = [], midTermMark: Mark? = nil,
        endOfTermMark: Mark? = nil, termAverage: Mark? = nil, commentResult: CommentResult? = nil, exempt: Bool = false
    ) {
        self.moetId = moetId
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.regularMarks = regularMarks
        self.midTermMark = midTermMark
        self.endOfTermMark = endOfTermMark
        self.termAverage = termAverage
        self.commentResult = commentResult
        self.exempt = exempt
    }
}

/// A grade book: one class × subject × term.
public struct GradeBook: Sendable, Equatable {
    public var info: GradeBookInfo
    public var students: [GradeBookStudent]

    public init(info: GradeBookInfo, students: [GradeBookStudent]) {
        self.info = info
        self.students = students
    }

    public var recordId: String { info.recordId }

    public func student(_ moetId: String) -> GradeBookStudent? { students.first { $0.moetId == moetId } }

    /// The record body (`grade-book`, Schemas/grade-book.schema.json, FORMATS.md "Grade books"). Built here and
    /// only here. Students keep the file's order; `stt` numbers them from 1.
    public var body: JSONValue {
        var members: [JSONMember] = [
            JSONMember("schoolYear", .string(info.schoolYear)),
            JSONMember("school", .string(info.school)),
            JSONMember("class", .string(info.className)),
            JSONMember("grade", .number(Double(info.grade))),
            JSONMember("level", .string(info.level.rawValue)),
            JSONMember("subject", .string(info.subject)),
            JSONMember("term", .string(info.term.label)),
            JSONMember("teacher", .object([JSONMember("fullName", .string(info.teacher))])),
            JSONMember("assessment", .string(info.assessment.rawValue)),
        ]
        if let p = info.periodsPerYear { members.append(JSONMember("periodsPerYear", .number(Double(p)))) }
        members.append(
            JSONMember(
                "students",
                .array(
                    students.enumerated().map { i, s in
                        var m: [JSONMember] = [
                            JSONMember("stt", .number(Double(i + 1))),
                            JSONMember("moetId", .string(s.moetId)),
                            JSONMember("fullName", .string(s.fullName)),
                            JSONMember("dateOfBirth", .string(s.dateOfBirth)),
                        ]
                        switch info.assessment {
                        case .scored:
                            m.append(JSONMember("regular", .array(s.regularMarks.map { .number($0.jsonNumber) })))
                            if let v = s.midTermMark { m.append(JSONMember("midterm", .number(v.jsonNumber))) }
                            if let v = s.endOfTermMark { m.append(JSONMember("final", .number(v.jsonNumber))) }
                            if let v = s.termAverage { m.append(JSONMember("average", .number(v.jsonNumber))) }
                        case .comments:
                            if s.exempt { m.append(JSONMember("exempt", .bool(true))) }
                            if let r = s.commentResult { m.append(JSONMember("comment", .string(r.rawValue))) }
                        }
                        return .object(m)
                    })))
        return .object(members)
    }

    /// Reads a stored `grade-book` body back. Strict: a body this code did not write (or a different record type)
    /// is an error naming the JSON pointer, rather than a grade book with silently missing marks.
    public init(body: JSONValue, source: String) throws {
        var r = BodyReader(source: source)
        guard case .object = body else {
            throw HosoError(.gradeBookRecordInvalid, .both("Nội dung không phải sổ điểm", "The body is not a grade book"), location: source)
        }
        let school = r.str(body["school"], "/school")
        let className = r.str(body["class"], "/class")
        let schoolYear = r.str(body["schoolYear"], "/schoolYear")
        let grade = r.int(body["grade"], "/grade")
        if grade == nil && body["grade"] == nil { r.bad("/grade", "thiếu khối lớp", "the grade is missing") }
        let term = r.term(body["term"])
        let level = r.level(body["level"])
        let subject = r.str(body["subject"], "/subject")
        let assessment = r.assessment(body["assessment"])
        let periods = r.int(body["periodsPerYear"], "/periodsPerYear")
        let teacher = r.str(body["teacher"]?["fullName"], "/teacher/fullName")
        let students = r.students(body["students"], assessment: assessment)
        if !r.problems.isEmpty { throw HosoProblems(r.problems) }
        info = GradeBookInfo(
            school: school!, className: className!, schoolYear: schoolYear!, term: term!, level: level!,
            grade: grade!, subject: subject!, assessment: assessment!, periodsPerYear: periods, teacher: teacher!)
        self.students = students
    }
}

/// One reading of a stored grade-book body: typed values at JSON pointers, with every problem in the order met.
private struct BodyReader {
    let source: String
    var problems = [HosoError]()

    mutating func bad(_ pointer: String, _ vi: String, _ en: String) {
        problems.append(
            HosoError(
                .gradeBookRecordInvalid, .both("Không phải sổ điểm hợp lệ: " + vi, "Not a valid grade book: " + en),
                location: "\(source)#\(pointer)"))
    }

    mutating func str(_ v: JSONValue?, _ pointer: String) -> String? {
        if case .string(let s)? = v { return s }
        bad(pointer, "cần một chuỗi", "expected a string")
        return nil
    }

    mutating func int(_ v: JSONValue?, _ pointer: String) -> Int? {
        if case .number(let d)? = v, d == d.rounded(), abs(d) < 1e9 { return Int(d) }
        if v != nil { bad(pointer, "cần một số nguyên", "expected a whole number") }
        return nil
    }

    mutating func mark(_ v: JSONValue?, _ pointer: String) -> Mark? {
        guard let v else { return nil }
        guard case .number(let d) = v, let m = try? Mark(jsonNumber: d) else {
            bad(pointer, "cần một điểm 0–10", "expected a mark 0–10")
            return nil
        }
        return m
    }

    mutating func term(_ v: JSONValue?) -> Term? {
        guard let t = str(v, "/term") else { return nil }
        let term = Term.allCases.first { $0.label == t }
        if term == nil { bad("/term", "học kì phải là Học kì I hoặc Học kì II", "the term must be Học kì I or Học kì II") }
        return term
    }

    mutating func level(_ v: JSONValue?) -> SecondaryLevel? {
        guard let t = str(v, "/level") else { return nil }
        let level = SecondaryLevel(rawValue: t)
        if level == nil { bad("/level", "cấp học phải là THCS hoặc THPT", "the level must be THCS or THPT") }
        return level
    }

    mutating func assessment(_ v: JSONValue?) -> Assessment? {
        guard let t = str(v, "/assessment") else { return nil }
        let assessment = Assessment(rawValue: t)
        if assessment == nil {
            bad("/assessment", "hình thức đánh giá phải là scored hoặc comments", "the assessment must be scored or comments")
        }
        return assessment
    }

    mutating func students(_ v: JSONValue?, assessment: Assessment?) -> [GradeBookStudent] {
        var students = [GradeBookStudent]()
        if case .array(let items)? = v {
            for (i, item) in items.enumerated() {
                let p = "/students/\(i)"
                guard case .object = item else {
                    bad(p, "cần một đối tượng", "expected an object")
                    continue
                }
                students.append(student(item, p, assessment: assessment))
            }
        } else {
            bad("/students", "thiếu danh sách học sinh", "the student list is missing")
        }
        return students
    }

    mutating func student(_ item: JSONValue, _ p: String, assessment: Assessment?) -> GradeBookStudent {
        var s = GradeBookStudent(
            moetId: str(item["moetId"], p + "/moetId") ?? "",
            fullName: str(item["fullName"], p + "/fullName") ?? "",
            dateOfBirth: str(item["dateOfBirth"], p + "/dateOfBirth") ?? "")
        switch assessment {
        case .scored?:
            if case .array(let marks)? = item["regular"] {
                s.regularMarks = marks.enumerated().compactMap { mark($0.element, p + "/regular/\($0.offset)") }
            } else {
                bad(p + "/regular", "thiếu điểm đánh giá thường xuyên", "the regular marks are missing")
            }
            s.midTermMark = mark(item["midterm"], p + "/midterm")
            s.endOfTermMark = mark(item["final"], p + "/final")
            s.termAverage = mark(item["average"], p + "/average")
            if s.midTermMark == nil || s.endOfTermMark == nil || s.termAverage == nil {
                bad(p, "thiếu điểm giữa kì, cuối kì hoặc điểm trung bình", "the mid-term, end-of-term or average mark is missing")
            }
        case .comments?:
            if item["exempt"] == .bool(true) {
                s.exempt = true
            } else if let text = str(item["comment"], p + "/comment") {
                s.commentResult = CommentResult(rawValue: text)
                if s.commentResult == nil { bad(p + "/comment", "phải là Đạt hoặc Chưa đạt", "must be Đạt or Chưa đạt") }
            }
        case nil:
            break
        }
        return s
    }
}
