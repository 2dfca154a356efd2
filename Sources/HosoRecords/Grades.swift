import Foundation
import HosoCore

// Grade computations for the school levels whose records hoso keeps:
//  - lower and upper secondary, Thông tư 22/2021/TT-BGDĐT: marks 0–10 with one decimal, term and year
//    averages, comments-only subjects, the learning result of a term or a year;
//  - primary, Thông tư 27/2020/TT-BGDĐT: three-level subject and quality/competency ratings, whole-number
//    periodic test scores.
// Every average is computed in integers (tenths of a mark) and rounded half up by integer arithmetic:
// a binary double cannot hold 7.25 or 8.05 exactly, and one tenth decides a learning result at 6.5 or 8.0.

extension HosoError.Code {
    /// A mark (ĐĐG, ĐTB) that is not 0–10 with at most one decimal place.
    public static let markInvalid = Self("MARK_INVALID", .badInput)
    /// A subject's periods per year that cannot be (zero or negative).
    public static let gradePeriodsInvalid = Self("GRADE_PERIODS_INVALID", .badInput)
    /// A term with the wrong number of regular marks (ĐĐGtx) for the subject's periods.
    public static let gradeRegularMarkCount = Self("GRADE_REGULAR_MARK_COUNT", .badInput)
    /// A rating (Đạt, Tốt, Hoàn thành tốt, …) that is none of its scale's levels.
    public static let gradeLevelInvalid = Self("GRADE_LEVEL_INVALID", .badInput)
    /// A primary-school periodic test score that is not a whole number on the scale.
    public static let primaryScoreInvalid = Self("PRIMARY_SCORE_INVALID", .badInput)
}

// MARK: - Marks

/// A mark on the 0–10 scale with at most one decimal place (TT22: "lấy đến chữ số thập phân thứ nhất"),
/// held as a whole number of tenths: 8.5 is 85. Used for every ĐĐG and every ĐTB.
///
/// Text: `parse` takes what a teacher types or a CSV cell holds: "8", "8.5", "8,5" (Vietnamese decimal comma),
/// surrounding whitespace allowed. `description` writes "8.5", `vietnamese` writes "8,5"; both always show the
/// one decimal ("8.0"), so a printed grade book cannot be misread as having lost a digit.
///
/// JSON (`Codable`): a JSON **number** equal to the mark — `8.5`, and `8` for 8.0 (JSONEncoder and RFC 8785
/// both write the shortest form; "8" and "8.0" are the same JSON number). A number, not a string, so schemas
/// can bound it (minimum 0, maximum 10, multipleOf 0.1) and canonical JSON has one spelling for it. Decoding is
/// exact (via `Decimal`, never a double) and rejects anything that is not 0–10 in tenths, e.g. 8.25 or -1.
public struct Mark: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The mark in tenths, 0...100.
    public let tenths: Int

    public static let validTenths = 0...100

    /// A mark from a whole number of tenths; throws `MARK_INVALID` outside 0...100.
    public init(tenths: Int, location: String? = nil) throws(HosoError) {
        guard Self.validTenths.contains(tenths) else {
            throw HosoError(
                .markInvalid, .both("Điểm phải từ 0 đến 10", "a mark must be between 0 and 10"),
                location: location, cause: "\(tenths) phần mười / tenths")
        }
        self.tenths = tenths
    }

    /// For values the code has already proven in range (rounded averages, rule thresholds).
    init(uncheckedTenths tenths: Int) {
        precondition(Self.validTenths.contains(tenths), "mark out of range: \(tenths) tenths")
        self.tenths = tenths
    }

    /// Reads a mark as people write it. Accepted, after trimming whitespace: one or two ASCII digits without a
    /// leading zero (or "0"), optionally followed by "." or "," and exactly one digit, at most 10.
    /// Rejected with `MARK_INVALID` (the text is the error's cause): empty text; signs ("+8", "-1"); exponents
    /// ("8e0"); NaN/inf; more than one decimal ("8.25", and also "8.50": the scale has one decimal, and a
    /// two-decimal column means the source was not a grade book); a bare separator ("8.", ",5"); leading zeros
    /// ("08", "05" — is "05" 5 or a mistyped 0,5?); grouping or inner spaces ("8 .5"); non-ASCII digits; > 10.
    public static func parse(_ text: String, location: String? = nil) throws(HosoError) -> Mark {
        func invalid(_ vi: String, _ en: String) -> HosoError {
            HosoError(.markInvalid, .both(vi, en), location: location, cause: quoted(text))
        }
        let malformed = invalid(
            "Điểm không hợp lệ: viết bằng chữ số, tối đa một chữ số thập phân, ví dụ 8 hoặc 8,5",
            "not a mark: write digits with at most one decimal place, e.g. 8 or 8.5")
        let bytes = Array(trimmedWhitespace(text).utf8)
        if bytes.isEmpty { throw invalid("Ô điểm trống", "the mark is empty") }

        var whole: [UInt8] = []
        var fraction: [UInt8] = []
        var separators = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if separators == 0 { whole.append(byte) } else { fraction.append(byte) }
            case UInt8(ascii: "."), UInt8(ascii: ","):
                separators += 1
            default:
                throw malformed
            }
        }
        if separators > 1 || whole.isEmpty || (separators == 1 && fraction.isEmpty) { throw malformed }
        if whole.count > 1 && whole[0] == UInt8(ascii: "0") { throw malformed }
        if fraction.count > 1 {
            throw invalid("Điểm chỉ được có một chữ số thập phân", "a mark has at most one decimal place")
        }
        let outOfRange = invalid("Điểm phải từ 0 đến 10", "a mark must be between 0 and 10")
        if whole.count > 2 { throw outOfRange }  // checked before converting, so "1000000000000000000000" cannot overflow
        let tenths = digitsValue(whole) * 10 + digitsValue(fraction)
        guard validTenths.contains(tenths) else { throw outOfRange }
        return Mark(uncheckedTenths: tenths)
    }

    /// "8.5", "10.0", "0.0".
    public var description: String { formatted(decimalSeparator: ".") }
    /// "8,5": the form printed in Vietnamese grade books and transcripts.
    public var vietnamese: String { formatted(decimalSeparator: ",") }

    public func formatted(decimalSeparator: String) -> String {
        "\(tenths / 10)\(decimalSeparator)\(tenths % 10)"
    }

    public static func < (a: Mark, b: Mark) -> Bool { a.tenths < b.tenths }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Decimal(sign: .plus, exponent: -1, significand: Decimal(tenths)))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let number = try container.decode(Decimal.self)
        // Decimal's description is plain digits ("8.5", "10", "8.25", "-1", "NaN"), so the text rules
        // above decide exactly which JSON numbers are marks.
        do {
            self = try Mark.parse(number.description)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// The mark as the IEEE double that hoso's canonical JSON (`JSONValue.number`) holds: the double nearest
    /// tenths/10, which is what any correct JSON parser makes of the text "8.5", and which RFC 8785 prints
    /// back as "8.5". Only for crossing into `JSONValue`; never compute with it.
    public var jsonNumber: Double { Double(tenths) / 10 }

    /// The mark a `JSONValue.number` holds. Exact: accepted only if the double is the nearest double to some
    /// n/10 with n in 0...100 (so 8.25, 8.05, NaN and infinities are rejected, not rounded).
    public init(jsonNumber value: Double, location: String? = nil) throws(HosoError) {
        let invalid = HosoError(
            .markInvalid,
            .both(
                "Điểm phải từ 0 đến 10 với tối đa một chữ số thập phân",
                "a mark must be 0 to 10 with at most one decimal place"),
            location: location, cause: "\(value)")
        guard value.isFinite, value >= 0, value <= 10 else { throw invalid }
        let candidate = Int((value * 10).rounded())
        // Division of two exact integers is correctly rounded, so equality holds exactly for n/10 and never
        // for a value between two tenths.
        guard Double(candidate) / 10 == value else { throw invalid }
        self.init(uncheckedTenths: candidate)
    }
}

// MARK: - Lower and upper secondary (Thông tư 22/2021)

/// The computations of Thông tư 22/2021/TT-BGDĐT for one subject and one student.
public enum SecondaryGrading {
    /// Regular marks (ĐĐGtx) per subject per term: 2 for a subject with at most 35 periods a year, 3 for 36–70,
    /// 4 above 70. Throws `GRADE_PERIODS_INVALID` for zero or negative periods.
    public static func regularMarkCount(periodsPerYear: Int, location: String? = nil) throws(HosoError) -> Int {
        guard periodsPerYear > 0 else {
            throw HosoError(
                .gradePeriodsInvalid,
                .both("Số tiết/năm học của môn phải lớn hơn 0", "a subject's periods per year must be positive"),
                location: location, cause: "\(periodsPerYear)")
        }
        switch periodsPerYear {
        case ...35: return 2
        case ...70: return 3
        default: return 4
        }
    }

    /// Term average ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (number of ĐĐGtx + 5), one decimal, half up.
    /// Throws `GRADE_REGULAR_MARK_COUNT` unless there are exactly `regularMarkCount(periodsPerYear:)` regular
    /// marks: a missing or extra mark is a data-entry problem to report, not something to average around.
    public static func termAverage(
        regular: [Mark], midTerm: Mark, endOfTerm: Mark, periodsPerYear: Int,
        location: String? = nil
    ) throws(HosoError) -> Mark {
        let expected = try regularMarkCount(periodsPerYear: periodsPerYear, location: location)
        guard regular.count == expected else {
            throw HosoError(
                .gradeRegularMarkCount,
                .both(
                    "Môn \(periodsPerYear) tiết/năm học cần đúng \(expected) điểm đánh giá thường xuyên (ĐĐGtx) mỗi học kì, có \(regular.count)",
                    "a subject with \(periodsPerYear) periods a year needs exactly \(expected) regular marks (ĐĐGtx) per term, got \(regular.count)"
                ),
                location: location, cause: regular.map(\.vietnamese).joined(separator: "; "))
        }
        let numerator = regular.reduce(0) { $0 + $1.tenths } + 2 * midTerm.tenths + 3 * endOfTerm.tenths
        return Mark(uncheckedTenths: roundHalfUp(numerator, over: regular.count + 5))
    }

    /// Year average ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, one decimal, half up, from the rounded term averages
    /// as the grade book records them.
    public static func yearAverage(firstTerm: Mark, secondTerm: Mark) -> Mark {
        Mark(uncheckedTenths: roundHalfUp(firstTerm.tenths + 2 * secondTerm.tenths, over: 3))
    }

    /// numerator/denominator rounded to the nearest integer, halves up, for numerator ≥ 0 and denominator > 0:
    /// ⌊n/d + 1/2⌋ = ⌊(2n + d) / 2d⌋, all in integers. Marks are in tenths, so this rounds to one decimal.
    static func roundHalfUp(_ numerator: Int, over denominator: Int) -> Int {
        precondition(numerator >= 0 && denominator > 0)
        return (2 * numerator + denominator) / (2 * denominator)
    }

    /// The learning result of a term (from the ĐTBmhk) or of the year (from the ĐTBmcn): `scored` holds the
    /// averages of the subjects assessed with marks, `commentsOnly` the results of the subjects assessed by
    /// comments. There is no all-subject average in TT22; only these per-subject values count.
    public static func learningResult(
        scored: [Mark], commentsOnly: [CommentResult],
        rules: LearningResultRules = .thongTu22
    ) -> LearningResult {
        assessLearning(scored: scored, commentsOnly: commentsOnly, rules: rules).level
    }

    /// `learningResult` with its reasons: the level by the thresholds alone, and whether (and for which subject)
    /// it was raised under TT22 Điều 9 khoản 3.
    public static func assessLearning(
        scored: [Mark], commentsOnly: [CommentResult],
        rules: LearningResultRules = .thongTu22
    ) -> LearningAssessment {
        let byThresholds = rules.levelByThresholds(scored: scored, commentsOnly: commentsOnly)
        guard
            let subject = rules.singleSubjectCausingDrop(
                scored: scored, commentsOnly: commentsOnly,
                level: byThresholds)
        else {
            return LearningAssessment(level: byThresholds, levelByThresholds: byThresholds, raisedBecauseOf: nil)
        }
        return LearningAssessment(
            level: byThresholds.nextHigher, levelByThresholds: byThresholds,
            raisedBecauseOf: subject)
    }
}

/// The result of a subject assessed by comments only (physical education, arts, experiential and career
/// activities, local education): Đạt or Chưa đạt. Raw values are the Vietnamese labels (NFC).
public enum CommentResult: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Pass.
    case dat = "Đạt"
    /// Not yet passed.
    case chuaDat = "Chưa đạt"

    /// Accepts the labels in any case, with or without diacritics, with any spacing ("Đạt", "đạt", "DAT",
    /// "Chưa  đạt", "chua dat"), and the abbreviations used in grade-book columns: "Đ"/"D" and "CĐ"/"CD".
    public static func parse(_ text: String, location: String? = nil) throws(HosoError) -> CommentResult {
        switch VietnameseText.fold(text) {
        case "dat", "d": return .dat
        case "chua dat", "cd": return .chuaDat
        default: throw levelInvalid(text, scale: "Đạt, Chưa đạt (Đ, CĐ)", location: location)
        }
    }

    public var description: String { rawValue }
}

/// A learning result (kết quả học tập) for a term or a year under TT22; conduct (rèn luyện) uses the same
/// four labels. Raw values are the Vietnamese labels (NFC).
public enum LearningResult: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Good.
    case tot = "Tốt"
    /// Fair.
    case kha = "Khá"
    /// Pass.
    case dat = "Đạt"
    /// Not yet passed.
    case chuaDat = "Chưa đạt"

    /// Accepts the labels in any case, with or without diacritics ("Tốt", "tot", "KHÁ", "chua dat"), and the
    /// abbreviations T, K, Đ/D, CĐ/CD.
    public static func parse(_ text: String, location: String? = nil) throws(HosoError) -> LearningResult {
        switch VietnameseText.fold(text) {
        case "tot", "t": return .tot
        case "kha", "k": return .kha
        case "dat", "d": return .dat
        case "chua dat", "cd": return .chuaDat
        default: throw levelInvalid(text, scale: "Tốt, Khá, Đạt, Chưa đạt (T, K, Đ, CĐ)", location: location)
        }
    }

    public var description: String { rawValue }

    /// 3 for Tốt down to 0 for Chưa đạt, to count how many levels apart two results are.
    var rank: Int {
        switch self {
        case .tot: return 3
        case .kha: return 2
        case .dat: return 1
        case .chuaDat: return 0
        }
    }

    /// The adjacent level above ("mức liền kề"); Tốt stays Tốt.
    var nextHigher: LearningResult {
        switch self {
        case .tot, .kha: return .tot
        case .dat: return .kha
        case .chuaDat: return .dat
        }
    }
}

/// Which subject a learning result was raised for, by its position in the arrays given to `assessLearning`.
public enum SubjectPosition: Sendable, Hashable, Codable {
    case scored(Int)
    case commentsOnly(Int)
}

/// A learning result with how it was reached.
public struct LearningAssessment: Sendable, Hashable, Codable {
    /// The result to record.
    public var level: LearningResult
    /// The level by the thresholds of Điều 9 khoản 2 alone (what DOMAIN.md's rule gives).
    public var levelByThresholds: LearningResult
    /// The one subject whose result alone pulled the level down two or more levels, when the level was raised.
    public var raisedBecauseOf: SubjectPosition?
}

/// The thresholds of the four learning-result levels, and the single-subject adjustment.
///
/// They are [2nd]-source facts (secondary restatements of TT22 Điều 9, consistent across sources), so they are
/// data with a named default rather than constants in the code: a correction or a later circular changes a
/// value here, and old records can be recomputed under the rules of their year.
public struct LearningResultRules: Sendable, Hashable, Codable {
    /// The conditions of one level.
    public struct Level: Sendable, Hashable, Codable {
        /// Most comments-only subjects allowed at Chưa đạt (0 for Tốt and Khá, 1 for Đạt).
        public var maxCommentsOnlyNotPassed: Int
        /// Every scored subject's average must be at least this (Tốt 6.5, Khá 5.0; Đạt: "none below 3.5").
        public var everyAverageAtLeast: Mark
        /// At least this many scored subjects (6)…
        public var subjectsAtLeast: Int
        /// …must have an average of at least this (Tốt 8.0, Khá 6.5, Đạt 5.0).
        public var countedAverageAtLeast: Mark

        public init(
            maxCommentsOnlyNotPassed: Int, everyAverageAtLeast: Mark, subjectsAtLeast: Int,
            countedAverageAtLeast: Mark
        ) {
            self.maxCommentsOnlyNotPassed = maxCommentsOnlyNotPassed
            self.everyAverageAtLeast = everyAverageAtLeast
            self.subjectsAtLeast = subjectsAtLeast
            self.countedAverageAtLeast = countedAverageAtLeast
        }

        func isMet(scored: [Mark], commentsOnlyNotPassed: Int) -> Bool {
            commentsOnlyNotPassed <= maxCommentsOnlyNotPassed
                && scored.allSatisfy { $0 >= everyAverageAtLeast }
                && scored.count(where: { $0 >= countedAverageAtLeast }) >= subjectsAtLeast
        }
    }

    /// TT22 Điều 9 khoản 3 [2nd, quoted alike by several secondary sources; not in DOMAIN.md]: "if the learning
    /// result of a term or year falls two or more levels below Tốt or Khá only because of the result of one
    /// single subject, it is raised to the adjacent level". Which subjects can be that one subject is a reading
    /// of the text, so it is a setting.
    public enum SingleSubjectAdjustment: String, Sendable, Hashable, Codable, CaseIterable {
        /// No adjustment: the thresholds alone (DOMAIN.md's statement of the rule).
        case off
        /// Any subject, scored or comments-only, can be the one subject ("môn học" in the text is unqualified).
        case anySubject
        /// Only a scored subject's average can be the one subject.
        case scoredSubjectsOnly
    }

    public var tot: Level
    public var kha: Level
    public var dat: Level
    public var singleSubjectAdjustment: SingleSubjectAdjustment

    public init(tot: Level, kha: Level, dat: Level, singleSubjectAdjustment: SingleSubjectAdjustment) {
        self.tot = tot
        self.kha = kha
        self.dat = dat
        self.singleSubjectAdjustment = singleSubjectAdjustment
    }

    /// TT22 Điều 9 khoản 2 and 3: Tốt — all comments-only Đạt, every average ≥ 6.5, at least 6 ≥ 8.0;
    /// Khá — all Đạt, every average ≥ 5.0, at least 6 ≥ 6.5; Đạt — at most one comments-only Chưa đạt, at least
    /// 6 averages ≥ 5.0, none below 3.5; otherwise Chưa đạt; then the single-subject adjustment (any subject).
    public static let thongTu22 = LearningResultRules(
        tot: Level(
            maxCommentsOnlyNotPassed: 0, everyAverageAtLeast: Mark(uncheckedTenths: 65),
            subjectsAtLeast: 6, countedAverageAtLeast: Mark(uncheckedTenths: 80)),
        kha: Level(
            maxCommentsOnlyNotPassed: 0, everyAverageAtLeast: Mark(uncheckedTenths: 50),
            subjectsAtLeast: 6, countedAverageAtLeast: Mark(uncheckedTenths: 65)),
        dat: Level(
            maxCommentsOnlyNotPassed: 1, everyAverageAtLeast: Mark(uncheckedTenths: 35),
            subjectsAtLeast: 6, countedAverageAtLeast: Mark(uncheckedTenths: 50)),
        singleSubjectAdjustment: .anySubject)

    /// The thresholds of `thongTu22` without the adjustment: exactly the rule as DOMAIN.md states it.
    public static let thongTu22ThresholdsOnly: LearningResultRules = {
        var rules = thongTu22
        rules.singleSubjectAdjustment = .off
        return rules
    }()

    func levelByThresholds(scored: [Mark], commentsOnly: [CommentResult]) -> LearningResult {
        let notPassed = commentsOnly.count(where: { $0 == .chuaDat })
        if tot.isMet(scored: scored, commentsOnlyNotPassed: notPassed) { return .tot }
        if kha.isMet(scored: scored, commentsOnlyNotPassed: notPassed) { return .kha }
        if dat.isMet(scored: scored, commentsOnlyNotPassed: notPassed) { return .dat }
        return .chuaDat
    }

    /// The one subject without which the student would reach Tốt or Khá, when that is two or more levels
    /// above `level`. "Without" means leaving the subject out and judging the rest by the same thresholds:
    /// that asks whether the other subjects alone meet the level, which is what "only because of one subject"
    /// says. If more than one subject qualifies, none is "the single one" and nothing is raised.
    func singleSubjectCausingDrop(
        scored: [Mark], commentsOnly: [CommentResult],
        level: LearningResult
    ) -> SubjectPosition? {
        if singleSubjectAdjustment == .off || level.rank > LearningResult.dat.rank { return nil }
        func dropsTwoFromGoodOrFair(_ without: LearningResult) -> Bool {
            without.rank >= LearningResult.kha.rank && without.rank - level.rank >= 2
        }
        var found: [SubjectPosition] = []
        for i in scored.indices {
            var rest = scored
            rest.remove(at: i)
            if dropsTwoFromGoodOrFair(levelByThresholds(scored: rest, commentsOnly: commentsOnly)) {
                found.append(.scored(i))
            }
        }
        if singleSubjectAdjustment == .anySubject {
            for i in commentsOnly.indices where commentsOnly[i] == .chuaDat {
                var rest = commentsOnly
                rest.remove(at: i)
                if dropsTwoFromGoodOrFair(levelByThresholds(scored: scored, commentsOnly: rest)) {
                    found.append(.commentsOnly(i))
                }
            }
        }
        return found.count == 1 ? found[0] : nil
    }
}

// MARK: - Primary (Thông tư 27/2020)

/// The periodic rating of a primary subject or educational activity (TT27 Điều 6): Hoàn thành tốt / Hoàn thành /
/// Chưa hoàn thành, written T / H / C in grade books. [2nd] DOMAIN.md lists "Cần cố gắng" as the third subject
/// level; the sources agree that Cần cố gắng belongs to the quality/competency scale (`PrimaryQualityLevel`).
public enum PrimarySubjectLevel: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Completed well (T).
    case hoanThanhTot = "Hoàn thành tốt"
    /// Completed (H).
    case hoanThanh = "Hoàn thành"
    /// Not completed (C).
    case chuaHoanThanh = "Chưa hoàn thành"

    public var letter: String {
        switch self {
        case .hoanThanhTot: return "T"
        case .hoanThanh: return "H"
        case .chuaHoanThanh: return "C"
        }
    }

    /// Accepts the names in any case, with or without diacritics, the letters T/H/C and the abbreviations
    /// HTT/HT/CHT.
    public static func parse(_ text: String, location: String? = nil) throws(HosoError) -> PrimarySubjectLevel {
        switch VietnameseText.fold(text) {
        case "hoan thanh tot", "htt", "t": return .hoanThanhTot
        case "hoan thanh", "ht", "h": return .hoanThanh
        case "chua hoan thanh", "cht", "c": return .chuaHoanThanh
        default:
            let hint =
                (try? PrimaryQualityLevel.parse(text)).map {
                    " — \"\($0.rawValue)\" là mức của phẩm chất, năng lực / is a quality/competency level"
                } ?? ""
            throw levelInvalid(
                text, scale: "Hoàn thành tốt, Hoàn thành, Chưa hoàn thành (T, H, C)" + hint,
                location: location)
        }
    }

    public var description: String { rawValue }
}

/// The periodic rating of a primary student's qualities and competencies (phẩm chất, năng lực; TT27 Điều 6):
/// Tốt / Đạt / Cần cố gắng, written T / Đ / C.
public enum PrimaryQualityLevel: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Good (T).
    case tot = "Tốt"
    /// Satisfactory (Đ).
    case dat = "Đạt"
    /// Needs effort (C).
    case canCoGang = "Cần cố gắng"

    public var letter: String {
        switch self {
        case .tot: return "T"
        case .dat: return "Đ"
        case .canCoGang: return "C"
        }
    }

    /// Accepts the names in any case, with or without diacritics, the letters T/Đ/C (D for Đ) and CCG.
    public static func parse(_ text: String, location: String? = nil) throws(HosoError) -> PrimaryQualityLevel {
        switch VietnameseText.fold(text) {
        case "tot", "t": return .tot
        case "dat", "d": return .dat
        case "can co gang", "ccg", "c": return .canCoGang
        default: throw levelInvalid(text, scale: "Tốt, Đạt, Cần cố gắng (T, Đ, C)", location: location)
        }
    }

    public var description: String { rawValue }
}

/// A primary periodic test score: a whole number on a 10-point scale ("không cho điểm thập phân").
/// Codable as a JSON integer. The lowest score allowed depends on the regulation in force when the test was
/// taken, so it is a parameter: TT27 (from 2020) no longer has the earlier "no zero" rule [2nd, press report],
/// while TT30/2014 as amended by TT22/2016 gave 1–10 [2nd]. Decoding accepts the wider 0–10.
public struct PrimaryTestScore: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let value: Int

    /// The scale under Thông tư 27/2020: 0–10.
    public static let thongTu27 = 0...10
    /// The scale before it (TT30/2014 as amended by TT22/2016): 1–10, no zero.
    public static let beforeThongTu27 = 1...10

    public init(_ value: Int, scale: ClosedRange<Int> = thongTu27, location: String? = nil) throws(HosoError) {
        guard scale.contains(value) else {
            throw HosoError(
                .primaryScoreInvalid,
                .both(
                    "Điểm kiểm tra định kì phải là số nguyên từ \(scale.lowerBound) đến \(scale.upperBound)",
                    "a periodic test score must be a whole number from \(scale.lowerBound) to \(scale.upperBound)"),
                location: location, cause: "\(value)")
        }
        self.value = value
    }

    /// Reads "7" or " 10 ": ASCII digits only, no leading zero, no decimals ("8.5" and also "8,0": the scale has
    /// no decimals, so a decimal column is a wrong column), no sign.
    public static func parse(
        _ text: String, scale: ClosedRange<Int> = thongTu27,
        location: String? = nil
    ) throws(HosoError) -> PrimaryTestScore {
        let bytes = Array(trimmedWhitespace(text).utf8)
        let digitsOnly = bytes.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard !bytes.isEmpty, digitsOnly, bytes.count <= 2, bytes.count == 1 || bytes[0] != UInt8(ascii: "0") else {
            throw HosoError(
                .primaryScoreInvalid,
                .both(
                    "Điểm kiểm tra định kì là số nguyên, không có phần thập phân, ví dụ 7",
                    "a periodic test score is a whole number without decimals, e.g. 7"),
                location: location, cause: quoted(text))
        }
        return try PrimaryTestScore(digitsValue(bytes), scale: scale, location: location)
    }

    public var description: String { "\(value)" }

    public static func < (a: PrimaryTestScore, b: PrimaryTestScore) -> Bool { a.value < b.value }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(Int.self)
        do {
            try self.init(value)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }
}

// MARK: - Helpers

private func levelInvalid(_ text: String, scale: String, location: String?) -> HosoError {
    HosoError(
        .gradeLevelInvalid, .both("Mức đánh giá không hợp lệ; dùng: \(scale)", "not a rating; use: \(scale)"),
        location: location, cause: quoted(text))
}

/// The offending text for an error message: quoted with escapes (so a stray tab or newline shows), cut short.
private func quoted(_ text: String) -> String {
    let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
    return String(reflecting: shown)
}

private func trimmedWhitespace(_ text: String) -> Substring {
    let start = text.firstIndex { !$0.isWhitespace } ?? text.endIndex
    let end = text.lastIndex { !$0.isWhitespace }.map { text.index(after: $0) } ?? start
    return text[start..<end]
}

/// The value of ASCII decimal digits; callers bound the count, so this cannot overflow.
private func digitsValue(_ digits: [UInt8]) -> Int {
    digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
}
