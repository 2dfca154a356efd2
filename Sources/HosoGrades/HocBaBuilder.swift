import Foundation
import HosoCore
import HosoRecords

/// What a học bạ needs beyond the grade books: the school's details, the printed names, and the lower-secondary
/// completion line (the 2026 rule [press], so a setting: nil applies it to grade 9 from the 2025-2026 year on).
public struct HocBaDetails: Sendable, Equatable {
    public var school: HocBa.School
    public var homeroomTeacher: String?
    public var principal: String?
    public var confirmLowerSecondaryCompletion: Bool?
    /// Per student (moetId): conduct results (term1, term2, year), remarks, outcome, sex.
    public var conduct: [String: [String]] = [:]
    public var remarks: [String: String] = [:]
    public var sex: [String: String] = [:]

    public init(
        school: HocBa.School, homeroomTeacher: String? = nil, principal: String? = nil, confirmLowerSecondaryCompletion: Bool? = nil
    ) {
        self.school = school
        self.homeroomTeacher = homeroomTeacher
        self.principal = principal
        self.confirmLowerSecondaryCompletion = confirmLowerSecondaryCompletion
    }

    /// Whether grade `grade` of `level` in `schoolYear` carries the principal's confirmation of completion.
    func confirmsCompletion(level: HocBa.Level, grade: Int, schoolYear: String) -> Bool {
        guard level == .lowerSecondary, grade == 9 else { return false }
        if let c = confirmLowerSecondaryCompletion { return c }
        return (Int(schoolYear.prefix(4)) ?? 0) >= 2025
    }
}

/// One primary subject's year, as the homeroom teacher enters it (TT 27/2020).
public struct PrimarySubjectYear: Sendable, Equatable {
    public var subject: String
    public var term1: PrimarySubjectLevel?
    public var year: PrimarySubjectLevel
    public var testScore: Int?
    public var remarks: String?
    public init(
        subject: String, term1: PrimarySubjectLevel? = nil, year: PrimarySubjectLevel, testScore: Int? = nil, remarks: String? = nil
    ) {
        self.subject = subject
        self.term1 = term1
        self.year = year
        self.testScore = testScore
        self.remarks = remarks
    }
}

/// Builds học bạ bodies: secondary from a transcript (TT 22), primary from the year's ratings (TT 27).
public enum HocBaBuilder {
    /// The học bạ of a transcript's student and year.
    public static func secondary(from t: Transcript, details: HocBaDetails) throws -> HocBa {
        let level: HocBa.Level = t.level == .thcs ? .lowerSecondary : .upperSecondary
        let subjects = t.subjects.map { s -> HocBa.Subject in
            var line = HocBa.Subject(assessment: s.assessment.rawValue, subject: s.subject)
            switch s.assessment {
            case .scored:
                (line.term1, line.term2, line.year) = (s.term1Average?.description, s.term2Average?.description, s.yearAverage?.description)
            case .comments:
                (line.term1, line.term2, line.year) = (s.term1Result?.rawValue, s.term2Result?.rawValue, s.yearResult?.rawValue)
                if s.exempt { line.exempt = true }
            }
            line.teacher = s.teacher
            return line
        }
        var student = HocBa.Student(fullName: t.fullName, dateOfBirth: t.dateOfBirth, moetId: t.moetId)
        student.sex = details.sex[t.moetId]
        var hb = HocBa(
            school: details.school, student: student, schoolYear: t.schoolYear, class: t.className, grade: t.grade, level: level,
            subjects: subjects)
        let conduct = details.conduct[t.moetId] ?? []
        func period(_ r: TranscriptLearningResult, _ i: Int) -> HocBa.PeriodResult {
            .init(learning: r.level.rawValue, conduct: i < conduct.count ? conduct[i] : nil)
        }
        hb.results = .init(term1: period(t.term1, 0), term2: period(t.term2, 1), year: period(t.year, 2))
        hb.homeroomRemarks = details.remarks[t.moetId]
        hb.homeroomTeacher = details.homeroomTeacher
        hb.principal = details.principal
        hb.transcript = t.recordId
        if details.confirmsCompletion(level: level, grade: t.grade, schoolYear: t.schoolYear) {
            hb.lowerSecondaryCompletion = .init(confirmed: true)
        }
        try hb.check()
        return hb
    }

    /// A primary học bạ: subjects rated T/H/C, qualities and competences T/Đ/C, completion computed.
    public static func primary(
        student: HocBa.Student, schoolYear: String, class className: String, grade: Int, subjects: [PrimarySubjectYear],
        qualities: [(String, PrimaryQualityLevel)], competences: [(String, PrimaryQualityLevel)], details: HocBaDetails
    ) throws -> HocBa {
        let lines = subjects.map { s -> HocBa.Subject in
            var l = HocBa.Subject(assessment: "levels", subject: s.subject, term1: s.term1?.rawValue, year: s.year.rawValue)
            l.testScore = s.testScore
            l.remarks = s.remarks
            return l
        }
        var hb = HocBa(
            school: details.school, student: student, schoolYear: schoolYear, class: className, grade: grade, level: .primary,
            subjects: lines)
        hb.primaryResults = .init(
            qualities: qualities.map { .init(name: $0.0, level: $0.1.rawValue) },
            competences: competences.map { .init(name: $0.0, level: $0.1.rawValue) },
            completion: completion(subjects: subjects, ratings: (qualities + competences).map(\.1)))
        hb.homeroomRemarks = details.remarks[student.moetId]
        hb.homeroomTeacher = details.homeroomTeacher
        hb.principal = details.principal
        try hb.check()
        return hb
    }

    /// TT 27/2020 Điều 9 [2nd]: Hoàn thành xuất sắc — every subject Hoàn thành tốt, every quality and competence
    /// Tốt, every year-end test ≥ 9; Hoàn thành tốt — the same with tests ≥ 7; Hoàn thành — every subject at least
    /// Hoàn thành, every rating at least Đạt, tests ≥ 5; otherwise Chưa hoàn thành.
    public static func completion(subjects: [PrimarySubjectYear], ratings: [PrimaryQualityLevel]) -> String {
        let scores = subjects.compactMap(\.testScore)
        let allGood = subjects.allSatisfy { $0.year == .hoanThanhTot } && ratings.allSatisfy { $0 == .tot }
        if allGood && scores.allSatisfy({ $0 >= 9 }) { return "Hoàn thành xuất sắc" }
        if allGood && scores.allSatisfy({ $0 >= 7 }) { return "Hoàn thành tốt" }
        if subjects.allSatisfy({ $0.year != .chuaHoanThanh }) && ratings.allSatisfy({ $0 != .canCoGang })
            && scores.allSatisfy({ $0 >= 5 })
        {
            return "Hoàn thành"
        }
        return "Chưa hoàn thành"
    }
}
