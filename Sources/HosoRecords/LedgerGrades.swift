import HosoCore

extension HosoError.Code {
    /// A ledger entry without the graduation grade its level and year call for.
    public static let ledgerGradeMissing = Self("LEDGER_GRADE_MISSING", .badInput)
    /// A graduation grade on a diploma of a level and year that carry none (THCS from 2025, Thông tư 31/2023).
    public static let ledgerGradeNotExpected = Self("LEDGER_GRADE_NOT_EXPECTED", .badInput)
}

/// Which diplomas carry a graduation grade. DOMAIN.md: lower-secondary diplomas from the 2024–2025 school year carry
/// none (Thông tư 31/2023) [press], so the rule is office settings (`gradelessDiplomas`), with that as the default.
extension OfficeSettings {
    /// Diplomas of `level` graduating in `fromYear` or later carry no graduation grade.
    public struct GradelessDiplomas: Codable, Sendable, Equatable {
        public var level: String
        public var fromYear: Int

        public init(level: String, fromYear: Int) {
            self.level = level
            self.fromYear = fromYear
        }
    }

    /// THCS diplomas from the 2024–2025 school year (graduating in 2025).
    public static let defaultGradeless = [GradelessDiplomas(level: "THCS", fromYear: 2025)]

    /// Whether a ledger of this level and graduation year records a grade for each entry.
    public func ledgerHasGrades(level: String, year: Int) -> Bool {
        !(gradelessDiplomas ?? Self.defaultGradeless).contains { $0.level == level && year >= $0.fromYear }
    }

    /// Each entry of a ledger body (`source#/entries/i/graduationGrade`) whose grade is missing where the level and
    /// year call for one, or given where they call for none.
    public func graduationGradeProblems(ledger body: JSONValue, source: String) -> [HosoError] {
        guard let level = body["level"]?.stringValue, let year = body["year"]?.integerValue,
            case .array(let entries)? = body["entries"]
        else { return [] }  // the schema reports a ledger without them
        return graduationGradeProblems(
            level: level, year: year, grades: entries.map { $0["graduationGrade"]?.stringValue }, source: source)
    }

    /// The same for entries' grades in body order (an import's rows, before its body is built).
    public func graduationGradeProblems(level: String, year: Int, grades: [String?], source: String) -> [HosoError] {
        let graded = ledgerHasGrades(level: level, year: year)
        var out = [HosoError]()
        for (i, grade) in grades.enumerated() {
            let place = "\(source)#/entries/\(i)/graduationGrade"
            if graded, grade == nil {
                out.append(
                    HosoError(
                        .ledgerGradeMissing,
                        .both(
                            "Thiếu xếp loại tốt nghiệp (bằng \(level) năm \(year) có xếp loại)",
                            "The graduation grade is missing (\(level) diplomas of \(year) carry one)"), location: place))
            } else if !graded, grade != nil {
                out.append(
                    HosoError(
                        .ledgerGradeNotExpected,
                        .both(
                            "Bằng \(level) tốt nghiệp từ năm \(year) không ghi xếp loại; để trống ô này",
                            "\(level) diplomas of \(year) carry no graduation grade; leave this cell empty"), location: place))
            }
        }
        return out
    }
}
