import Foundation
import HosoCore
import HosoRecords

// MARK: - Class header (header.json)

/// The class header that accompanies a class's grade-book CSV files (`header.json`): the school, the class,
/// the school year, the level and the class's subjects with their teacher, periods per year and assessment.
public struct ClassHeader: Sendable, Equatable {
    public struct Subject: Sendable, Equatable {
        public var name: String
        public var assessment: Assessment?
        public var periodsPerYear: Int?
        public var teacher: String?
        /// Where in header.json it was read, for error locations ("header.json#/subjects/2").
        public var pointer: String

        public init(name: String, assessment: Assessment?, periodsPerYear: Int?, teacher: String?, pointer: String = "") {
            self.name = name
            self.assessment = assessment
            self.periodsPerYear = periodsPerYear
            self.teacher = teacher
            self.pointer = pointer
        }
    }

    public var source: String
    public var school: String?
    public var className: String?
    public var schoolYear: String?
    public var level: SecondaryLevel?
    /// Khối lớp (6–12); when absent it is read from the class name ("9A" → 9).
    public var grade: Int?
    public var homeroomTeacher: String?
    public var subjects: [Subject]

    public init(
        source: String, school: String?, className: String?, schoolYear: String?, level: SecondaryLevel?,
        grade: Int? = nil, homeroomTeacher: String?, subjects: [Subject]
    ) {
        self.source = source
        self.school = school
        self.className = className
        self.schoolYear = schoolYear
        self.level = level
        self.grade = grade
        self.homeroomTeacher = homeroomTeacher
        self.subjects = subjects
    }

    /// Reads header.json. Subjects may be an array of objects (`name` or `subject`) or an object keyed by subject
    /// name. Every problem is reported at once, with its JSON pointer.
    public static func parse(_ bytes: [UInt8], source: String) throws -> ClassHeader {
        let root = try CanonicalJSON.parse(bytes, source: source)
        guard case .object = root else {
            throw HosoError(
                .gradeBookHeaderInvalid, .both("header.json phải là một đối tượng JSON", "header.json must be a JSON object"),
                location: source)
        }
        var r = HeaderReader(source: source, root: root)
        let school = r.named(["school", "schoolName", "truong"])
        let className = r.named(["class", "className", "lop"])
        let schoolYear = r.string(root["schoolYear"] ?? root["namHoc"], "/schoolYear")
        var level: SecondaryLevel?
        if let text = r.string(root["level"] ?? root["capHoc"], "/level") {
            level = SecondaryLevel.parse(text)
            if level == nil { r.bad("/level", "Cấp học phải là THCS hoặc THPT", "the level must be THCS or THPT", text) }
        }
        let homeroom = r.person(root["homeroomTeacher"] ?? root["gvcn"], "/homeroomTeacher")
        let grade = r.integer(root["grade"] ?? root["khoi"], "/grade")
        let subjects = r.subjects()
        r.checkDuplicates(subjects)
        if !r.problems.isEmpty { throw HosoProblems(r.problems) }
        return ClassHeader(
            source: source, school: school, className: className, schoolYear: schoolYear, level: level,
            grade: grade, homeroomTeacher: homeroom, subjects: subjects)
    }

    /// The subject with this name, compared without accents, case or spacing ("toan" finds "Toán").
    public func subject(named name: String) -> Subject? {
        let key = recordSlug(name)
        return subjects.first { recordSlug($0.name) == key }
    }
}

func pointerEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
}

/// One reading of header.json: typed values at JSON pointers, with every problem in the order met.
private struct HeaderReader {
    let source: String
    let root: JSONValue
    var problems = [HosoError]()

    mutating func bad(_ pointer: String, _ vi: String, _ en: String, _ cause: String? = nil) {
        problems.append(HosoError(.gradeBookHeaderInvalid, .both(vi, en), location: "\(source)#\(pointer)", cause: cause))
    }

    mutating func string(_ v: JSONValue?, _ pointer: String) -> String? {
        switch v {
        case nil, .null?: return nil
        case .string(let s)?:
            let n = normalizedName(s)
            return n.isEmpty ? nil : n
        default:
            bad(pointer, "Cần một chuỗi", "expected a string")
            return nil
        }
    }

    mutating func integer(_ v: JSONValue?, _ pointer: String) -> Int? {
        switch v {
        case nil, .null?: return nil
        case .number(let d)? where d == d.rounded() && d >= 1 && d <= 10_000: return Int(d)
        case .string(let s)? where Int(s.trimmingCharacters(in: .whitespaces)).map({ $0 >= 1 && $0 <= 10_000 }) == true:
            return Int(s.trimmingCharacters(in: .whitespaces))
        default:
            bad(pointer, "Cần một số nguyên dương", "expected a positive whole number")
            return nil
        }
    }

    // The school may be a name or {"name": …, "code": …}; the class likewise.
    mutating func named(_ keys: [String]) -> String? {
        for key in keys {
            guard let v = root[key] else { continue }
            if case .object = v { return string(v["name"] ?? v["ten"], "/\(key)/name") }
            return string(v, "/\(key)")
        }
        return nil
    }

    // A teacher is a name or, as in the record schemas, {"fullName": …}.
    mutating func person(_ v: JSONValue?, _ pointer: String) -> String? {
        if case .object? = v { return string(v?["fullName"], pointer + "/fullName") }
        return string(v, pointer)
    }

    /// `subjects`: an array of objects, or an object keyed by subject name.
    mutating func subjects() -> [ClassHeader.Subject] {
        var subjects = [ClassHeader.Subject]()
        switch root["subjects"] {
        case .array(let items)?:
            for (i, item) in items.enumerated() {
                if let s = subject(item, name: nil, pointer: "/subjects/\(i)") { subjects.append(s) }
            }
        case .object(let members)?:
            for m in members {
                if let s = subject(m.value, name: m.key, pointer: "/subjects/\(pointerEscape(m.key))") { subjects.append(s) }
            }
        case nil, .null?:
            break
        default:
            bad("/subjects", "subjects phải là mảng hoặc đối tượng", "subjects must be an array or an object")
        }
        return subjects
    }

    mutating func subject(_ v: JSONValue, name fallback: String?, pointer: String) -> ClassHeader.Subject? {
        guard case .object = v else {
            bad(pointer, "Mỗi môn học phải là một đối tượng JSON", "each subject must be a JSON object")
            return nil
        }
        guard let name = string(v["name"] ?? v["subject"], pointer + "/name") ?? fallback.map(normalizedName) else {
            bad(pointer, "Môn học thiếu tên (name)", "the subject has no name")
            return nil
        }
        var assessment: Assessment?
        if let text = string(v["assessment"], pointer + "/assessment") {
            assessment = Assessment.parse(text)
            if assessment == nil {
                bad(
                    pointer + "/assessment", "Hình thức đánh giá phải là scored hoặc comments",
                    "the assessment must be scored or comments", text)
            }
        }
        return ClassHeader.Subject(
            name: name, assessment: assessment,
            periodsPerYear: integer(v["periodsPerYear"], pointer + "/periodsPerYear"),
            teacher: person(v["teacher"], pointer + "/teacher"), pointer: pointer)
    }

    /// The same subject (compared as a record slug) listed twice.
    mutating func checkDuplicates(_ subjects: [ClassHeader.Subject]) {
        var seen = [String: String]()
        for s in subjects {
            let key = recordSlug(s.name)
            if let first = seen[key] {
                bad(s.pointer, "Môn học bị lặp", "the subject is listed twice", "\(s.name); \(first)")
            }
            seen[key] = s.pointer
        }
    }
}
