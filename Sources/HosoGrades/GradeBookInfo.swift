import Foundation
import HosoCore
import HosoRecords

// MARK: - Grade-book metadata

/// Metadata given on the command line; each one overrides header.json.
public struct GradeBookSettings: Sendable, Equatable {
    public var school: String?
    public var className: String?
    public var schoolYear: String?
    public var subject: String?
    public var term: String?
    public var level: String?
    public var grade: Int?
    public var periodsPerYear: Int?
    public var assessment: String?
    public var teacher: String?

    public init(
        school: String? = nil, className: String? = nil, schoolYear: String? = nil, subject: String? = nil,
        term: String? = nil, level: String? = nil, grade: Int? = nil, periodsPerYear: Int? = nil,
        assessment: String? = nil, teacher: String? = nil
    ) {
        self.school = school
        self.className = className
        self.schoolYear = schoolYear
        self.subject = subject
        self.term = term
        self.level = level
        self.grade = grade
        self.periodsPerYear = periodsPerYear
        self.assessment = assessment
        self.teacher = teacher
    }
}

/// What a grade book is: which school, class, year, term and subject, and how the subject is assessed.
public struct GradeBookInfo: Sendable, Equatable {
    public var school: String
    public var className: String
    /// "2024-2025".
    public var schoolYear: String
    public var term: Term
    public var level: SecondaryLevel
    /// Khối lớp: 6–9 (THCS) or 10–12 (THPT).
    public var grade: Int
    public var subject: String
    public var assessment: Assessment
    /// Periods a year, which set the number of regular marks (TT22); nil only for a comments-only subject
    /// whose header gives none.
    public var periodsPerYear: Int?
    /// The subject teacher, who signs the grade book.
    public var teacher: String

    public init(
        school: String, className: String, schoolYear: String, term: Term, level: SecondaryLevel, grade: Int,
        subject: String, assessment: Assessment, periodsPerYear: Int?, teacher: String
    ) {
        self.school = school
        self.className = className
        self.schoolYear = schoolYear
        self.term = term
        self.level = level
        self.grade = grade
        self.subject = subject
        self.assessment = assessment
        self.periodsPerYear = periodsPerYear
        self.teacher = teacher
    }

    public static let recordType = "grade-book"

    /// `gradebook/<school>/<schoolYear>/<class>/<subject>/<term>`, each name as a `recordSlug`: the same
    /// grade book always gets the same id, however its names were typed.
    public var recordId: String {
        Self.recordId(school: school, schoolYear: schoolYear, className: className, subject: subject, term: term)
    }

    public static func recordId(school: String, schoolYear: String, className: String, subject: String, term: Term) -> String {
        classPrefix(school: school, schoolYear: schoolYear, className: className)
            + "\(recordSlug(subject))/\(term.rawValue.lowercased())"
    }

    /// The common start of the record ids of one class's grade books in one year.
    public static func classPrefix(school: String, schoolYear: String, className: String) -> String {
        "gradebook/\(recordSlug(school))/\(schoolYear)/\(recordSlug(className))/"
    }

    /// The number of regular assessments (ĐĐGtx) per term: marks for a scored subject, Đạt / Chưa đạt for a
    /// comments-only one.
    public var regularMarkCount: Int? {
        guard let periodsPerYear else { return nil }
        return try? SecondaryGrading.regularMarkCount(periodsPerYear: periodsPerYear)
    }

    /// The grade a class name starts with: "9A" → 9, "10A1" → 10, "6/2" → 6.
    public static func grade(fromClassName name: String) -> Int? {
        let digits = name.prefix { $0.isASCII && $0.isNumber }
        guard (1...2).contains(digits.count) else { return nil }
        return Int(digits)
    }

    /// "2024-2025": two years, the second the year after the first.
    public static func isSchoolYear(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 4 && $0.allSatisfy(\.isASCII) }),
            let a = Int(parts[0]), let b = Int(parts[1])
        else { return false }
        return b == a + 1 && (1900...2200).contains(a)
    }

    /// Merges header.json and the command-line settings (the command line wins). Returns what could be resolved
    /// and every problem: the CSV is still checked when the metadata is incomplete, so one run shows everything.
    static func resolve(
        header: ClassHeader?, settings: GradeBookSettings
    )
        -> (info: GradeBookInfo?, assessment: Assessment?, regularMarkCount: Int?, problems: [HosoError])
    {
        var r = MetadataResolver(header: header, settings: settings)
        let school = r.need(settings.school, header?.school, flag: "--school", key: "school", vi: "tên trường", en: "the school")
        let className = r.need(settings.className, header?.className, flag: "--class", key: "class", vi: "lớp", en: "the class")
        let schoolYear = r.schoolYear()
        let level = r.level()
        let term = r.term()
        let subject = r.subject()
        let assessment = r.assessment(subject)
        let periods = r.periods(subject, assessment: assessment)
        let teacher = r.teacher(subject)
        let grade = r.grade(className: className, level: level)
        let regular = periods.flatMap { try? SecondaryGrading.regularMarkCount(periodsPerYear: $0) }
        guard r.problems.isEmpty, let school, let className, let schoolYear, let level, let grade, let term,
            let subjectName = subject.name, let assessment, let teacher
        else {
            return (nil, assessment, regular, r.problems)
        }
        for (what, value) in [("school", school), ("class", className), ("subject", subjectName)] where recordSlug(value).isEmpty {
            r.bad("--\(what)", "Tên phải có ít nhất một chữ cái hoặc chữ số", "the name needs at least one letter or digit", value)
        }
        let info = GradeBookInfo(
            school: school, className: className, schoolYear: schoolYear, term: term, level: level,
            grade: grade, subject: subjectName, assessment: assessment, periodsPerYear: periods, teacher: teacher)
        return (r.problems.isEmpty ? info : nil, assessment, regular, r.problems)
    }
}

/// The subject as `GradeBookInfo.resolve` found it.
private struct ResolvedSubject {
    /// nil when the subject is not given.
    var name: String?
    /// The header's entry for it, when the header lists it.
    var fromHeader: ClassHeader.Subject?
    /// Where its settings come from: its place in header.json, or `--subject`.
    var place: String
    /// A subject the header does not know is reported once, not again as "no assessment, no periods".
    var unknown: Bool
}

/// One run of `GradeBookInfo.resolve`: each value from the settings or the header, with every problem in the order
/// met.
private struct MetadataResolver {
    let header: ClassHeader?
    let settings: GradeBookSettings
    let headerSource: String
    var problems = [HosoError]()

    init(header: ClassHeader?, settings: GradeBookSettings) {
        self.header = header
        self.settings = settings
        headerSource = header?.source ?? "header.json"
    }

    mutating func bad(_ location: String, _ vi: String, _ en: String, _ cause: String? = nil) {
        problems.append(HosoError(.gradeBookHeaderInvalid, .both(vi, en), location: location, cause: cause))
    }

    mutating func need(_ option: String?, _ fromHeader: String?, flag: String, key: String, vi: String, en: String) -> String? {
        if let v = option.map(normalizedName), !v.isEmpty { return v }
        if let v = fromHeader { return v }
        bad(
            header == nil ? flag : "\(headerSource)#/\(key)", "Thiếu \(vi): dùng \(flag) hoặc ghi trong header.json",
            "\(en) is missing: give \(flag) or put it in header.json")
        return nil
    }

    mutating func schoolYear() -> String? {
        var schoolYear = need(
            settings.schoolYear, header?.schoolYear, flag: "--year", key: "schoolYear", vi: "năm học", en: "the school year")
        if let y = schoolYear, !GradeBookInfo.isSchoolYear(y) {
            bad(
                settings.schoolYear != nil ? "--year" : "\(headerSource)#/schoolYear",
                "Năm học phải có dạng 2024-2025", "the school year must look like 2024-2025", y)
            schoolYear = nil
        }
        return schoolYear
    }

    mutating func level() -> SecondaryLevel? {
        var level: SecondaryLevel?
        if let text = settings.level {
            level = SecondaryLevel.parse(text)
            if level == nil { bad("--level", "Cấp học phải là THCS hoặc THPT", "the level must be THCS or THPT", text) }
        } else if let l = header?.level {
            level = l
        } else {
            bad(
                header == nil ? "--level" : "\(headerSource)#/level", "Thiếu cấp học (THCS/THPT): dùng --level hoặc ghi trong header.json",
                "the level (THCS/THPT) is missing: give --level or put it in header.json")
        }
        return level
    }

    mutating func term() -> Term? {
        var term: Term?
        if let text = settings.term {
            term = Term.parse(text)
            if term == nil { bad("--term", "Học kì phải là HK1 hoặc HK2", "the term must be HK1 or HK2", text) }
        } else {
            bad("--term", "Thiếu học kì: dùng --term HK1 hoặc --term HK2", "the term is missing: give --term HK1 or --term HK2")
        }
        return term
    }

    mutating func subject() -> ResolvedSubject {
        var subjectName: String?
        var fromHeader: ClassHeader.Subject?
        if let s = settings.subject.map(normalizedName), !s.isEmpty {
            if let header, !header.subjects.isEmpty {
                fromHeader = header.subject(named: s)
                if fromHeader == nil {
                    bad(
                        "--subject",
                        "Môn học không có trong header.json; các môn có: \(header.subjects.map(\.name).joined(separator: ", "))",
                        "the subject is not in header.json; it lists: \(header.subjects.map(\.name).joined(separator: ", "))", s)
                }
            }
            subjectName = fromHeader?.name ?? s
        } else {
            bad("--subject", "Thiếu môn học: dùng --subject", "the subject is missing: give --subject")
        }
        let subjectPlace = fromHeader.map { "\(headerSource)#\($0.pointer)" } ?? "--subject"
        let subjectUnknown = subjectName == nil || (header.map { !$0.subjects.isEmpty } == true && fromHeader == nil)
        return ResolvedSubject(name: subjectName, fromHeader: fromHeader, place: subjectPlace, unknown: subjectUnknown)
    }

    mutating func assessment(_ subject: ResolvedSubject) -> Assessment? {
        var assessment: Assessment?
        if let text = settings.assessment {
            assessment = Assessment.parse(text)
            if assessment == nil {
                bad("--assessment", "Hình thức đánh giá phải là scored hoặc comments", "the assessment must be scored or comments", text)
            }
        } else if let a = subject.fromHeader?.assessment {
            assessment = a
        } else if !subject.unknown {
            bad(
                subject.place == "--subject" ? "--assessment" : subject.place + "/assessment",
                "Thiếu hình thức đánh giá (scored: bằng điểm; comments: bằng nhận xét)",
                "the assessment is missing (scored: with marks; comments: by comments only)")
        }
        return assessment
    }

    mutating func periods(_ subject: ResolvedSubject, assessment: Assessment?) -> Int? {
        var periods = settings.periodsPerYear ?? subject.fromHeader?.periodsPerYear
        if let p = periods, p <= 0 {
            bad(
                settings.periodsPerYear != nil ? "--periods" : subject.place + "/periodsPerYear",
                "Số tiết/năm học phải lớn hơn 0", "the periods per year must be positive", "\(p)")
            periods = nil
        } else if periods == nil && assessment == .scored && !subject.unknown {
            bad(
                subject.place == "--subject" ? "--periods" : subject.place + "/periodsPerYear",
                "Thiếu số tiết/năm học của môn (quyết định số điểm đánh giá thường xuyên)",
                "the subject's periods per year are missing (they set the number of regular marks)")
        }
        return periods
    }

    mutating func teacher(_ subject: ResolvedSubject) -> String? {
        let teacher = settings.teacher.map(normalizedName).flatMap { $0.isEmpty ? nil : $0 } ?? subject.fromHeader?.teacher
        if teacher == nil && !subject.unknown {
            bad(
                subject.place == "--subject" ? "--teacher" : subject.place + "/teacher",
                "Thiếu giáo viên bộ môn (người ký sổ điểm): dùng --teacher hoặc ghi trong header.json",
                "the subject teacher (who signs the grade book) is missing: give --teacher or put it in header.json")
        }
        return teacher
    }

    mutating func grade(className: String?, level: SecondaryLevel?) -> Int? {
        var grade = settings.grade ?? header?.grade ?? className.flatMap(GradeBookInfo.grade(fromClassName:))
        let gradePlace = settings.grade != nil ? "--grade" : header?.grade != nil ? "\(headerSource)#/grade" : "--class"
        if let g = grade, let level, !level.grades.contains(g) {
            bad(
                gradePlace, "Khối lớp \(g) không thuộc cấp \(level.rawValue) (\(level.grades.lowerBound)–\(level.grades.upperBound))",
                "grade \(g) is not in \(level.rawValue) (\(level.grades.lowerBound)–\(level.grades.upperBound))")
            grade = nil
        } else if grade == nil && className != nil {
            bad(
                "--grade", "Không biết khối lớp: tên lớp không bắt đầu bằng khối; dùng --grade hoặc ghi grade trong header.json",
                "the grade is unknown: the class name does not start with it; give --grade or put grade in header.json", className)
        }
        return grade
    }
}
