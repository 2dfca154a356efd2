import Foundation
import HosoCore

// The học bạ (school record book) of one student for one school year, in hoso's own documented, versioned data
// schema (Schemas/hoc-ba.schema.json): no official MOET schema for học bạ data has been published (DOMAIN.md), so
// every export to another format is one mapping function (`HocBaXML`) that an official schema can join later.
// Secondary (Thông tư 22/2021) and primary (Thông tư 27/2020) share the document; what differs is the subject
// lines (averages or comments vs. the three-level ratings) and the results (learning/conduct vs. qualities,
// competences and completion).

extension HosoError.Code {
    /// The học bạ's data break a rule of its level (a primary subject with an average, a secondary one with a level…).
    public static let hocBaInvalid = Self("HOC_BA_INVALID", .badInput)
}

/// One học bạ: one student × one school year, as the school issues it.
public struct HocBa: Sendable, Equatable, Codable {
    public static let recordType = "hoc-ba"
    /// The version of hoso's học bạ schema this body follows; a reader refuses a version it does not know.
    public static let schemaVersion = 1

    public enum Level: String, Sendable, Codable, CaseIterable {
        /// Tiểu học, Thông tư 27/2020.
        case primary = "TH"
        case lowerSecondary = "THCS"
        case upperSecondary = "THPT"

        public var isPrimary: Bool { self == .primary }
        /// The circular the year is assessed by.
        public var framework: String { isPrimary ? "TT27/2020" : "TT22/2021" }
    }

    public struct School: Sendable, Equatable, Codable {
        public var name: String
        /// The body above the school, e.g. "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HUYỆN HÒA BÌNH".
        public var superiorBody: String?
        public var place: String?
        public var code: String?
        public init(name: String, superiorBody: String? = nil, place: String? = nil, code: String? = nil) {
            self.name = name
            self.superiorBody = superiorBody
            self.place = place
            self.code = code
        }
    }

    public struct Student: Sendable, Equatable, Codable {
        public var fullName: String
        /// YYYY-MM-DD.
        public var dateOfBirth: String
        public var moetId: String
        public var sex: String?
        public var placeOfBirth: String?
        public var ethnicity: String?
        public var citizenId: String?
        public init(fullName: String, dateOfBirth: String, moetId: String, sex: String? = nil) {
            self.fullName = fullName
            self.dateOfBirth = dateOfBirth
            self.moetId = moetId
            self.sex = sex
        }
    }

    /// One subject or educational activity.
    public struct Subject: Sendable, Equatable, Codable {
        /// "scored" (secondary, averages), "comments" (secondary, Đạt/Chưa đạt), "levels" (primary, T/H/C).
        public var assessment: String
        public var subject: String
        /// Scored: the averages as decimal text ("8.5"); comments: Đạt/Chưa đạt; levels: the TT 27 level.
        public var term1: String?
        public var term2: String?
        public var year: String?
        /// Primary: the year-end periodic test score (whole number), where the subject has one.
        public var testScore: Int?
        public var exempt: Bool?
        public var teacher: String?
        public var remarks: String?
        public init(assessment: String, subject: String, term1: String? = nil, term2: String? = nil, year: String? = nil) {
            self.assessment = assessment
            self.subject = subject
            self.term1 = term1
            self.term2 = term2
            self.year = year
        }
    }

    /// A secondary period's results (TT 22 Điều 8–9): học tập and rèn luyện.
    public struct PeriodResult: Sendable, Equatable, Codable {
        public var learning: String
        public var conduct: String?
        public init(learning: String, conduct: String? = nil) {
            self.learning = learning
            self.conduct = conduct
        }
    }

    public struct SecondaryResults: Sendable, Equatable, Codable {
        public var term1: PeriodResult
        public var term2: PeriodResult
        public var year: PeriodResult
        public init(term1: PeriodResult, term2: PeriodResult, year: PeriodResult) {
            self.term1 = term1
            self.term2 = term2
            self.year = year
        }
    }

    /// A primary quality (phẩm chất) or competence (năng lực) and its TT 27 level (Tốt / Đạt / Cần cố gắng).
    public struct Rating: Sendable, Equatable, Codable {
        public var name: String
        public var level: String
        public init(name: String, level: String) {
            self.name = name
            self.level = level
        }
    }

    public struct PrimaryResults: Sendable, Equatable, Codable {
        public var qualities: [Rating]
        public var competences: [Rating]
        /// TT 27 Điều 9: Hoàn thành xuất sắc / Hoàn thành tốt / Hoàn thành / Chưa hoàn thành chương trình lớp học.
        public var completion: String
        public init(qualities: [Rating], competences: [Rating], completion: String) {
            self.qualities = qualities
            self.competences = competences
            self.completion = completion
        }
    }

    /// From 2026 there is no THCS diploma: the principal confirms in the học bạ that the student completed lower
    /// secondary [press]. Printed on the signature page above the principal's signature.
    public struct Completion: Sendable, Equatable, Codable {
        public var confirmed: Bool
        public var text: String
        public init(confirmed: Bool, text: String = HocBa.lowerSecondaryCompletionText) {
            self.confirmed = confirmed
            self.text = text
        }
    }

    public static let lowerSecondaryCompletionText = "Xác nhận học sinh đã hoàn thành chương trình trung học cơ sở"
    public static let primaryCompletionLevels = ["Hoàn thành xuất sắc", "Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"]

    public var version: Int
    public var school: School
    public var student: Student
    public var schoolYear: String
    public var `class`: String
    public var grade: Int
    public var level: Level
    public var framework: String
    public var subjects: [Subject]
    public var results: SecondaryResults?
    public var primaryResults: PrimaryResults?
    public var outcome: String?
    public var absentDays: Int?
    public var awards: [String]?
    public var homeroomRemarks: String?
    public var lowerSecondaryCompletion: Completion?
    /// The names printed under the signature blocks (the signatures themselves are in the PDF).
    public var homeroomTeacher: String?
    public var principal: String?
    /// The transcript record it was built from, when any.
    public var transcript: String?

    public init(
        school: School, student: Student, schoolYear: String, class className: String, grade: Int, level: Level,
        subjects: [Subject]
    ) {
        version = Self.schemaVersion
        self.school = school
        self.student = student
        self.schoolYear = schoolYear
        self.class = className
        self.grade = grade
        self.level = level
        framework = level.framework
        self.subjects = subjects
    }

    /// `hoc-ba/<moetId>/<schoolYear>`.
    public var recordId: String { "\(Self.recordType)/\(student.moetId)/\(schoolYear)" }

    /// Refuses data a học bạ of its level cannot carry, naming each problem.
    public func check() throws {
        var problems = [String]()
        if version != Self.schemaVersion { problems.append("version \(version)") }
        if framework != level.framework { problems.append("framework \(framework) for \(level.rawValue)") }
        for s in subjects {
            switch (level.isPrimary, s.assessment) {
            case (true, "levels"):
                for v in [s.term1, s.term2, s.year].compactMap({ $0 }) where PrimarySubjectLevel(rawValue: v) == nil {
                    problems.append("\(s.subject): \(v)")
                }
            case (false, "scored"):
                for v in [s.term1, s.term2, s.year].compactMap({ $0 }) where (try? Mark.parse(v)) == nil {
                    problems.append("\(s.subject): \(v)")
                }
            case (false, "comments"):
                for v in [s.term1, s.term2, s.year].compactMap({ $0 }) where CommentResult(rawValue: v) == nil {
                    problems.append("\(s.subject): \(v)")
                }
            default:
                problems.append("\(s.subject): \(s.assessment)")
            }
        }
        if level.isPrimary {
            if results != nil || primaryResults == nil { problems.append("primary results") }
            if let p = primaryResults {
                if !Self.primaryCompletionLevels.contains(p.completion) { problems.append(p.completion) }
                for r in p.qualities + p.competences where PrimaryQualityLevel(rawValue: r.level) == nil {
                    problems.append("\(r.name): \(r.level)")
                }
            }
        } else if results == nil || primaryResults != nil {
            problems.append("secondary results")
        }
        if lowerSecondaryCompletion != nil && !(level == .lowerSecondary && grade == 9) {
            problems.append("lowerSecondaryCompletion outside grade 9")
        }
        guard problems.isEmpty else {
            throw HosoError(
                .hocBaInvalid, .both("Dữ liệu học bạ không hợp lệ", "The học bạ's data are not valid"), location: recordId,
                cause: problems.joined(separator: "; "))
        }
    }

    /// The record body: canonical JSON (RFC 8785) of this value; the exact bytes the PDF embeds.
    public func canonicalBytes() throws -> [UInt8] {
        let data = try JSONEncoder().encode(self)
        return try CanonicalJSON.canonicalize(Array(data))
    }

    /// Reads a body (refusing other schema versions).
    public static func decode(_ bytes: [UInt8]) throws -> HocBa {
        let hb: HocBa
        do { hb = try JSONDecoder().decode(HocBa.self, from: Data(bytes)) } catch {
            throw HosoError(.hocBaInvalid, .both("Không đọc được dữ liệu học bạ", "Cannot read the học bạ's data"), cause: "\(error)")
        }
        try hb.check()
        return hb
    }
}
