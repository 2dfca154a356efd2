import Foundation
import HosoCore
import HosoTestSupport
import Testing

@testable import HosoRecords

/// A mark from text the test knows is valid.
private func m(_ text: String) -> Mark {
    do { return try Mark.parse(text) } catch { fatalError("bad test mark \(text): \(error)") }
}

private func marks(_ texts: [String]) -> [Mark] { texts.map(m) }

/// `count` copies of one mark, for building a student's subject list.
private func marks(_ count: Int, _ text: String) -> [Mark] { Array(repeating: m(text), count: count) }

// MARK: - Mark: parsing, formatting, JSON

@Suite struct MarkTests {
    @Test(arguments: [
        ("8", 80), ("8.5", 85), ("8,5", 85), (" 7.0 ", 70), ("0", 0), ("0.0", 0), ("0,1", 1),
        ("10", 100), ("10.0", 100), ("10,0", 100), ("9,9", 99), ("\t9.9\n", 99),
        ("\u{00A0}6,5\u{00A0}", 65),  // no-break spaces, as Excel pastes them
    ])
    func accepts(_ text: String, _ tenths: Int) throws {
        #expect(try Mark.parse(text).tenths == tenths)
    }

    @Test(arguments: [
        "", "   ", "8.25", "8,25", "8.50", "10.1", "10,5", "11", "100", "99999999999999999999999",
        "-1", "-0", "+8", "8e0", "1e1", "NaN", "nan", "inf", "Infinity",
        "8.", "8,", ".5", ",5", "08", "05", "00", "8 .5", "8 5", "8..5", "8.5.1", "8,5,", "8.5,",
        "\u{FF18}",  // fullwidth ８
        "\u{0668}",  // Arabic-Indic ٨
        "tám", "0x8", "1_0", "8đ",
    ])
    func rejects(_ text: String) {
        #expect(throws: HosoError(.markInvalid, .both("", ""))) { try Mark.parse(text) }
    }

    @Test func errorsSayWhatIsWrongAndWhere() {
        func error(_ text: String) -> HosoError? {
            do {
                _ = try Mark.parse(text, location: "6A, Toán, dòng 12")
                return nil
            } catch { return error }
        }
        let tooPrecise = error("8.25")
        #expect(tooPrecise?.code == .markInvalid)
        #expect(tooPrecise?.location == "6A, Toán, dòng 12")
        #expect(tooPrecise?.cause == "\"8.25\"")
        #expect(tooPrecise?.message.vi.contains("một chữ số thập phân") == true)
        #expect(error("10.5")?.message.en.contains("between 0 and 10") == true)
        #expect(error("  ")?.message.vi.contains("trống") == true)
        #expect(error("-1")?.message.en.contains("not a mark") == true)
        #expect(error("8\t5")?.cause == "\"8\\t5\"")  // control characters shown escaped
    }

    @Test func tenthsAreRangeChecked() throws {
        #expect(try Mark(tenths: 0).description == "0.0")
        #expect(try Mark(tenths: 100).description == "10.0")
        #expect(throws: HosoError(.markInvalid, .both("", ""))) { try Mark(tenths: 101) }
        #expect(throws: HosoError(.markInvalid, .both("", ""))) { try Mark(tenths: -1) }
    }

    @Test(arguments: [(85, "8.5", "8,5"), (80, "8.0", "8,0"), (100, "10.0", "10,0"), (0, "0.0", "0,0"), (7, "0.7", "0,7")])
    func formats(_ tenths: Int, _ dotted: String, _ vietnamese: String) throws {
        let mark = try Mark(tenths: tenths)
        #expect(mark.description == dotted)
        #expect(mark.vietnamese == vietnamese)
    }

    @Test func everyMarkRoundTripsThroughBothTextForms() throws {
        for tenths in Mark.validTenths {
            let mark = try Mark(tenths: tenths)
            #expect(try Mark.parse(mark.description) == mark)
            #expect(try Mark.parse(mark.vietnamese) == mark)
        }
    }

    @Test func encodesAsAJSONNumber() throws {
        let encoder = JSONEncoder()
        let data = try encoder.encode(marks(["8.5", "8.0", "0", "10", "0.7"]))
        #expect(String(decoding: data, as: UTF8.self) == "[8.5,8,0,10,0.7]")
        #expect(try JSONDecoder().decode([Mark].self, from: data) == marks(["8.5", "8", "0", "10", "0.7"]))
    }

    @Test(arguments: [("8.5", 85), ("8.0", 80), ("8", 80), ("1e1", 100), ("0.70", 7), ("0", 0)])
    func decodesJSONNumbers(_ json: String, _ tenths: Int) throws {
        #expect(try JSONDecoder().decode(Mark.self, from: Data(json.utf8)).tenths == tenths)
    }

    @Test(arguments: ["8.25", "8.05", "-1", "10.5", "11", "\"8.5\"", "null", "8.10000000000000001"])
    func rejectsOtherJSON(_ json: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Mark.self, from: Data(json.utf8)) }
    }

    /// The bridge to `JSONValue.number` (an IEEE double) is exact for all 101 marks, and RFC 8785 prints each
    /// as its shortest decimal, which reads back as the same mark.
    @Test func jsonNumberBridgeIsExact() throws {
        for tenths in Mark.validTenths {
            let mark = try Mark(tenths: tenths)
            #expect(try Mark(jsonNumber: mark.jsonNumber) == mark)
            #expect(try Mark.parse(CanonicalJSON.formatNumber(mark.jsonNumber)) == mark)
        }
        // 0.1 + 0.2 is the double 0.30000000000000004, not 0.3: refused rather than rounded.
        for bad in [8.25, 8.05, -0.1, 10.1, 0.1 + 0.2, .nan, .infinity, -.infinity] {
            #expect(throws: HosoError(.markInvalid, .both("", ""))) { try Mark(jsonNumber: bad) }
        }
    }
}

// MARK: - TT22 term and year averages

struct TermCase: Sendable, CustomTestStringConvertible {
    var regular: [String]
    var mid: String
    var end: String
    var periods: Int
    var expected: String
    var working: String
    var testDescription: String { working }
}

@Suite struct SecondaryAverageTests {
    @Test(arguments: [
        (1, 2), (35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (105, 4), (140, 4),
    ])
    func regularMarkCounts(_ periods: Int, _ count: Int) throws {
        #expect(try SecondaryGrading.regularMarkCount(periodsPerYear: periods) == count)
    }

    @Test(arguments: [0, -35])
    func periodsMustBePositive(_ periods: Int) {
        #expect(throws: HosoError(.gradePeriodsInvalid, .both("", ""))) {
            try SecondaryGrading.regularMarkCount(periodsPerYear: periods)
        }
    }

    // Worked by hand in tenths: numerator N = ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck, denominator D = count + 5,
    // result = N/D rounded half up to a whole number of tenths.
    @Test(arguments: [
        // Exactly at a half: rounds up.
        TermCase(
            regular: ["7", "7", "7"], mid: "8", end: "7", periods: 70, expected: "7.3",
            working: "(7+7+7 + 2·8 + 3·7)/8 = (21+16+21)/8 = 58/8 = 7.25 → 7.3"),
        TermCase(
            regular: ["8", "8", "8.4"], mid: "8", end: "8", periods: 52, expected: "8.1",
            working: "(8+8+8.4 + 2·8 + 3·8)/8 = (24.4+16+24)/8 = 64.4/8 = 8.05 → 8.1"),
        TermCase(
            regular: ["6", "6", "6.6"], mid: "6", end: "7", periods: 36, expected: "6.5",
            working: "(6+6+6.6 + 2·6 + 3·7)/8 = (18.6+12+21)/8 = 51.6/8 = 6.45 → 6.5"),
        // Just below and just above a half (ninths are the nearest a term average gets to x.x5).
        TermCase(
            regular: ["7", "7", "7", "7.2"], mid: "8", end: "7", periods: 105, expected: "7.2",
            working: "(28.2 + 16 + 21)/9 = 65.2/9 = 7.2444… → 7.2"),
        TermCase(
            regular: ["7", "7", "7", "7.3"], mid: "8", end: "7", periods: 105, expected: "7.3",
            working: "(28.3 + 16 + 21)/9 = 65.3/9 = 7.2555… → 7.3"),
        // Repeating sevenths (two regular marks).
        TermCase(
            regular: ["8", "9"], mid: "7", end: "8.5", periods: 35, expected: "8.1",
            working: "(17 + 14 + 25.5)/7 = 56.5/7 = 8.0714… → 8.1"),
        TermCase(
            regular: ["8", "8.8"], mid: "7", end: "8.5", periods: 35, expected: "8.0",
            working: "(16.8 + 14 + 25.5)/7 = 56.3/7 = 8.0428… → 8.0"),
        // Repeating ninths (four regular marks).
        TermCase(
            regular: ["6.5", "7", "8", "9.5"], mid: "6", end: "7.5", periods: 140, expected: "7.3",
            working: "(31 + 12 + 22.5)/9 = 65.5/9 = 7.2777… → 7.3"),
        TermCase(
            regular: ["5", "5", "5", "5"], mid: "5", end: "5.1", periods: 140, expected: "5.0",
            working: "(20 + 10 + 15.3)/9 = 45.3/9 = 5.0333… → 5.0"),
        // Exact, and the ends of the scale.
        TermCase(
            regular: ["6", "8"], mid: "7", end: "7", periods: 35, expected: "7.0",
            working: "(14 + 14 + 21)/7 = 49/7 = 7.0"),
        TermCase(
            regular: ["10", "10", "10", "10"], mid: "10", end: "10", periods: 105, expected: "10.0",
            working: "90/9 = 10.0"),
        TermCase(
            regular: ["0", "0", "0"], mid: "0", end: "0", periods: 70, expected: "0.0",
            working: "0/8 = 0.0"),
        TermCase(
            regular: ["0", "0"], mid: "0", end: "0.2", periods: 35, expected: "0.1",
            working: "(0 + 0 + 0.6)/7 = 0.0857… → 0.1"),
    ])
    func termAverage(_ c: TermCase) throws {
        let average = try SecondaryGrading.termAverage(
            regular: marks(c.regular), midTerm: m(c.mid),
            endOfTerm: m(c.end), periodsPerYear: c.periods)
        #expect(average == m(c.expected), "\(c.working)")
    }

    @Test(arguments: [
        (35, ["8", "8", "8"]), (70, ["8", "8"]), (71, ["8", "8", "8"]), (105, ["8", "8", "8", "8", "8"]), (35, []),
    ])
    func regularMarkCountIsChecked(_ periods: Int, _ regular: [String]) {
        #expect(throws: HosoError(.gradeRegularMarkCount, .both("", ""))) {
            try SecondaryGrading.termAverage(
                regular: marks(regular), midTerm: m("8"), endOfTerm: m("8"),
                periodsPerYear: periods)
        }
    }

    @Test func regularMarkCountErrorSaysWhatIsExpected() {
        do {
            _ = try SecondaryGrading.termAverage(
                regular: marks(["8", "7", "9"]), midTerm: m("8"), endOfTerm: m("8"),
                periodsPerYear: 105, location: "7B, Ngữ văn, HK I")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .gradeRegularMarkCount)
            #expect(error.message.vi.contains("đúng 4 điểm"))
            #expect(error.message.en.contains("exactly 4 regular marks"))
            #expect(error.location == "7B, Ngữ văn, HK I")
            #expect(error.cause == "8,0; 7,0; 9,0")
        }
    }

    // (HK I + 2·HK II)/3 in tenths; thirds are never exactly a half, so these test both directions.
    @Test(arguments: [
        ("6.4", "7.3", "7.0"),  // (64 + 146)/3 = 210/3 = 70 exactly
        ("8.0", "7.2", "7.5"),  // (80 + 144)/3 = 224/3 = 74.666… → 75
        ("6.5", "6.4", "6.4"),  // (65 + 128)/3 = 193/3 = 64.333… → 64: just short of 6.5
        ("6.6", "6.4", "6.5"),  // (66 + 128)/3 = 194/3 = 64.666… → 65
        ("9.0", "7.9", "8.3"),  // (90 + 158)/3 = 248/3 = 82.666… → 83
        ("0.1", "0.0", "0.0"),  // 1/3 = 0.333… → 0
        ("0.0", "0.1", "0.1"),  // 2/3 = 0.666… → 1
        ("10", "10", "10.0"), ("0", "0", "0.0"),
    ])
    func yearAverage(_ first: String, _ second: String, _ expected: String) {
        #expect(SecondaryGrading.yearAverage(firstTerm: m(first), secondTerm: m(second)) == m(expected))
    }
}

// MARK: - Rounding against independent implementations

/// Round numerator/(10·denominator) to one decimal with Foundation's decimal arithmetic, half up (.plain),
/// and return it in tenths: an implementation that shares nothing with the integer formula.
private func decimalRoundedTenths(_ numerator: Int, _ denominator: Int) -> Decimal {
    var exact = Decimal(numerator) / Decimal(denominator * 10)
    var rounded = Decimal()
    NSDecimalRound(&rounded, &exact, 1, .plain)
    return rounded * 10
}

/// r is numerator/denominator rounded half up iff r − ½ ≤ n/d < r + ½, i.e. (2r − 1)·d ≤ 2n < (2r + 1)·d:
/// the definition, checked by cross-multiplying exact integers.
private func isHalfUpRounding(_ r: Int, of n: Int, over d: Int) -> Bool {
    (2 * r - 1) * d <= 2 * n && 2 * n < (2 * r + 1) * d
}

@Suite struct RoundingPropertyTests {
    /// Every numerator a term (denominators 7, 8, 9) or year (3) average can have, against both references.
    @Test(arguments: [3, 7, 8, 9])
    func everyReachableQuotient(_ denominator: Int) {
        for numerator in 0...(100 * denominator) {
            let r = SecondaryGrading.roundHalfUp(numerator, over: denominator)
            #expect(isHalfUpRounding(r, of: numerator, over: denominator))
            #expect(Decimal(r) == decimalRoundedTenths(numerator, denominator))
        }
    }

    @Test func widerRangeOfFractions() {
        var rng = SplitMix64(seed: 22_2021)  // a fixed seed: the same cases on every run
        for _ in 0..<20_000 {
            let d = Int.random(in: 1...1_000, using: &rng)
            let n = Int.random(in: 0...1_000_000, using: &rng)
            let r = SecondaryGrading.roundHalfUp(n, over: d)
            #expect(isHalfUpRounding(r, of: n, over: d), "\(n)/\(d) → \(r)")
        }
    }

    /// Generated grade-book rows through the public API: the term average equals the Decimal reference
    /// computed from the marks' text, and so does the year average of two such terms.
    @Test func generatedTermsAndYears() throws {
        var rng = SplitMix64(seed: 27_2020)
        func randomMark() -> Mark { Mark(uncheckedTenths: Int.random(in: Mark.validTenths, using: &rng)) }
        func decimal(_ mark: Mark) -> Decimal { Decimal(string: mark.description)! }
        func reference(_ regular: [Mark], _ mid: Mark, _ end: Mark) -> Decimal {
            var exact =
                (regular.map(decimal).reduce(0, +) + 2 * decimal(mid) + 3 * decimal(end))
                / Decimal(regular.count + 5)
            var rounded = Decimal()
            NSDecimalRound(&rounded, &exact, 1, .plain)
            return rounded
        }
        for _ in 0..<5_000 {
            let periods = [35, 70, 105].randomElement(using: &rng)!
            let count = try SecondaryGrading.regularMarkCount(periodsPerYear: periods)
            var terms: [Mark] = []
            for _ in 0..<2 {
                let regular = (0..<count).map { _ in randomMark() }
                let mid = randomMark()
                let end = randomMark()
                let average = try SecondaryGrading.termAverage(
                    regular: regular, midTerm: mid, endOfTerm: end,
                    periodsPerYear: periods)
                #expect(decimal(average) == reference(regular, mid, end), "\(regular) \(mid) \(end)")
                terms.append(average)
            }
            var exactYear = (decimal(terms[0]) + 2 * decimal(terms[1])) / 3
            var roundedYear = Decimal()
            NSDecimalRound(&roundedYear, &exactYear, 1, .plain)
            #expect(decimal(SecondaryGrading.yearAverage(firstTerm: terms[0], secondTerm: terms[1])) == roundedYear)
        }
    }
}

// MARK: - Comments-only subjects and learning results

@Suite struct LearningResultTests {
    @Test(arguments: [
        ("Đạt", CommentResult.dat), ("đạt", .dat), ("ĐẠT", .dat), ("Dat", .dat), ("dat", .dat), (" Đạt ", .dat),
        ("Đ", .dat), ("D", .dat), ("Đa\u{0323}t", .dat),  // decomposed
        ("Chưa đạt", .chuaDat), ("chưa đạt", .chuaDat), ("CHƯA ĐẠT", .chuaDat), ("Chua  dat", .chuaDat),
        ("CĐ", .chuaDat), ("Cđ", .chuaDat), ("CD", .chuaDat), ("cd", .chuaDat),
    ])
    func parsesCommentResults(_ text: String, _ expected: CommentResult) throws {
        #expect(try CommentResult.parse(text) == expected)
    }

    @Test(arguments: ["", "Đạ", "Chưa", "Khá", "Pass", "Đạt yêu cầu", "x", "C"])
    func rejectsOtherCommentResults(_ text: String) {
        #expect(throws: HosoError(.gradeLevelInvalid, .both("", ""))) { try CommentResult.parse(text) }
    }

    @Test(arguments: [
        ("Tốt", LearningResult.tot), ("tot", .tot), ("T", .tot), ("Khá", .kha), ("KHA", .kha), ("K", .kha),
        ("Đạt", .dat), ("Đ", .dat), ("Chưa đạt", .chuaDat), ("CĐ", .chuaDat),
    ])
    func parsesLearningResults(_ text: String, _ expected: LearningResult) throws {
        #expect(try LearningResult.parse(text) == expected)
    }

    @Test(arguments: ["Giỏi", "Trung bình", "Yếu", ""])  // TT58's old labels are another scale
    func rejectsOtherLearningResults(_ text: String) {
        #expect(throws: HosoError(.gradeLevelInvalid, .both("", ""))) { try LearningResult.parse(text) }
    }

    @Test func rawValuesAreTheVietnameseLabelsInNFC() {
        for label in LearningResult.allCases.map(\.rawValue) + CommentResult.allCases.map(\.rawValue) {
            #expect(Array(label.utf8) == Array(VietnameseText.nfc(label).utf8))
        }
        #expect(LearningResult.chuaDat.rawValue == "Chưa đạt")
    }

    private static let allPass = Array(repeating: CommentResult.dat, count: 4)
    private static func withNotPassed(_ n: Int) -> [CommentResult] {
        Array(repeating: .chuaDat, count: n) + Array(repeating: .dat, count: 4 - n)
    }

    /// Each boundary of Điều 9 khoản 2, on one side and the other, by the thresholds alone
    /// (`thongTu22ThresholdsOnly`, DOMAIN.md's rule). Eight scored subjects, four comments-only.
    @Test(arguments: [
        // Tốt: every average ≥ 6.5 and at least six ≥ 8.0, all comments-only Đạt.
        (marks(6, "8.0") + marks(2, "6.5"), 0, LearningResult.tot, "six ≥ 8.0, lowest exactly 6.5"),
        (marks(6, "8.0") + marks(["6.5", "6.4"]), 0, .kha, "one 6.4 < 6.5 → not Tốt; Khá (seven ≥ 6.5, all ≥ 5.0)"),
        (marks(5, "8.0") + marks(["7.9", "6.5", "6.5"]), 0, .kha, "only five ≥ 8.0 (7.9 misses) → Khá"),
        (marks(8, "10"), 0, .tot, "all 10.0"),
        // Khá: every average ≥ 5.0 and at least six ≥ 6.5.
        (marks(6, "6.5") + marks(2, "5.0"), 0, .kha, "six ≥ 6.5, lowest exactly 5.0"),
        (marks(6, "6.5") + marks(["5.0", "4.9"]), 0, .dat, "one 4.9 < 5.0 → Đạt"),
        (marks(5, "6.5") + marks(["6.4", "5.0", "5.0"]), 0, .dat, "only five ≥ 6.5 → Đạt"),
        // Đạt: at least six ≥ 5.0, none below 3.5, at most one comments-only Chưa đạt.
        (marks(6, "5.0") + marks(2, "3.5"), 0, .dat, "six ≥ 5.0, lowest exactly 3.5"),
        (marks(6, "5.0") + marks(["3.5", "3.4"]), 0, .chuaDat, "a 3.4 → Chưa đạt"),
        (marks(5, "5.0") + marks(3, "4.9"), 0, .chuaDat, "only five ≥ 5.0 → Chưa đạt"),
        (marks(6, "5.0") + marks(2, "3.5"), 1, .dat, "one comments-only Chưa đạt is allowed at Đạt"),
        (marks(6, "5.0") + marks(2, "3.5"), 2, .chuaDat, "two comments-only Chưa đạt → Chưa đạt"),
        // Comments-only Chưa đạt caps Tốt and Khá.
        (marks(8, "9.0"), 1, .dat, "Tốt marks but one Chưa đạt → Đạt"),
        (marks(8, "9.0"), 2, .chuaDat, "Tốt marks but two Chưa đạt → Chưa đạt"),
        (marks(8, "7.0"), 1, .dat, "Khá marks but one Chưa đạt → Đạt"),
        // Fewer than six scored subjects can meet no level (see the report: exemptions).
        (marks(5, "10"), 0, .chuaDat, "five subjects, all 10.0"),
        ([], 0, .chuaDat, "no scored subjects"),
    ])
    func thresholds(_ scored: [Mark], _ notPassed: Int, _ expected: LearningResult, _ why: String) {
        let result = SecondaryGrading.learningResult(
            scored: scored, commentsOnly: Self.withNotPassed(notPassed),
            rules: .thongTu22ThresholdsOnly)
        #expect(result == expected, "\(why)")
    }

    /// TT22 Điều 9 khoản 3, with the default rules: a result two or more levels below Tốt/Khá because of one
    /// subject alone is raised one level.
    @Test(arguments: [
        (
            marks(7, "8.5") + marks(["4.0"]), 0, LearningResult.kha, LearningResult.dat, SubjectPosition?.some(.scored(7)),
            "without the 4.0 it is Tốt; Đạt is two below → Khá"
        ),
        (
            marks(7, "8.5") + marks(["3.0"]), 0, .dat, .chuaDat, .scored(7),
            "without the 3.0 it is Tốt; Chưa đạt is three below → the adjacent level, Đạt (not back to Tốt)"
        ),
        (
            marks(["3.0"]) + marks(7, "7.0"), 0, .dat, .chuaDat, .scored(0),
            "without the 3.0 it is Khá; Chưa đạt is two below → Đạt"
        ),
        (
            marks(7, "7.0") + marks(["4.0"]), 0, .dat, .dat, nil,
            "without the 4.0 it is Khá, only one above Đạt → no change"
        ),
        (
            marks(6, "8.5") + marks(["3.0", "3.0"]), 0, .chuaDat, .chuaDat, nil,
            "two low subjects: not one subject alone"
        ),
        (
            marks(8, "8.5"), 1, .kha, .dat, .commentsOnly(0),
            "one comments-only Chưa đạt takes Tốt marks to Đạt → Khá"
        ),
        (
            marks(8, "8.5"), 2, .chuaDat, .chuaDat, nil,
            "two comments-only Chưa đạt: without one it is still only Đạt"
        ),
        (
            marks(7, "8.5") + marks(["4.0"]), 1, .dat, .dat, nil,
            "a 4.0 and a Chưa đạt: two subjects"
        ),
        (
            marks(6, "8.0") + marks(["6.5", "6.4"]), 0, .kha, .kha, nil,
            "Khá is one below Tốt: never adjusted"
        ),
    ])
    func singleSubjectAdjustment(
        _ scored: [Mark], _ notPassed: Int, _ expected: LearningResult,
        _ byThresholds: LearningResult, _ subject: SubjectPosition?, _ why: String
    ) {
        let assessment = SecondaryGrading.assessLearning(scored: scored, commentsOnly: Self.withNotPassed(notPassed))
        #expect(assessment.level == expected, "\(why)")
        #expect(assessment.levelByThresholds == byThresholds, "\(why)")
        #expect(assessment.raisedBecauseOf == subject, "\(why)")
        #expect(SecondaryGrading.learningResult(scored: scored, commentsOnly: Self.withNotPassed(notPassed)) == expected)
    }

    @Test func adjustmentCanBeLimitedToScoredSubjectsOrTurnedOff() {
        var scoredOnly = LearningResultRules.thongTu22
        scoredOnly.singleSubjectAdjustment = .scoredSubjectsOnly
        // A comments-only Chưa đạt is not "the one subject" under this reading…
        #expect(
            SecondaryGrading.learningResult(
                scored: marks(8, "8.5"), commentsOnly: Self.withNotPassed(1),
                rules: scoredOnly) == .dat)
        // …a scored subject still is.
        #expect(
            SecondaryGrading.learningResult(
                scored: marks(7, "8.5") + marks(["4.0"]), commentsOnly: Self.allPass,
                rules: scoredOnly) == .kha)
        #expect(
            SecondaryGrading.learningResult(
                scored: marks(7, "8.5") + marks(["4.0"]), commentsOnly: Self.allPass,
                rules: .thongTu22ThresholdsOnly) == .dat)
    }

    @Test func thresholdsAreConfigurable() throws {
        var rules = LearningResultRules.thongTu22ThresholdsOnly
        let fiveStrong = marks(5, "8.0") + marks(3, "7.0")
        #expect(SecondaryGrading.learningResult(scored: fiveStrong, commentsOnly: [], rules: rules) == .kha)
        rules.tot.subjectsAtLeast = 5
        #expect(SecondaryGrading.learningResult(scored: fiveStrong, commentsOnly: [], rules: rules) == .tot)
        rules.tot.everyAverageAtLeast = m("7.5")
        #expect(SecondaryGrading.learningResult(scored: fiveStrong, commentsOnly: [], rules: rules) == .kha)

        // Rules are data: they survive JSON, so the rules a result was computed under can be stored with it.
        let data = try JSONEncoder().encode(LearningResultRules.thongTu22)
        #expect(try JSONDecoder().decode(LearningResultRules.self, from: data) == .thongTu22)
        let assessment = SecondaryGrading.assessLearning(scored: marks(7, "8.5") + marks(["4.0"]), commentsOnly: [])
        #expect(try JSONDecoder().decode(LearningAssessment.self, from: JSONEncoder().encode(assessment)) == assessment)
    }

    @Test func defaultRulesStateTheTT22Thresholds() {
        let rules = LearningResultRules.thongTu22
        #expect([rules.tot, rules.kha, rules.dat].map(\.maxCommentsOnlyNotPassed) == [0, 0, 1])
        #expect([rules.tot, rules.kha, rules.dat].map(\.everyAverageAtLeast) == marks(["6.5", "5.0", "3.5"]))
        #expect([rules.tot, rules.kha, rules.dat].map(\.subjectsAtLeast) == [6, 6, 6])
        #expect([rules.tot, rules.kha, rules.dat].map(\.countedAverageAtLeast) == marks(["8.0", "6.5", "5.0"]))
        #expect(rules.singleSubjectAdjustment == .anySubject)
    }
}

// MARK: - Primary (TT27)

@Suite struct PrimaryTests {
    @Test(arguments: [
        ("Hoàn thành tốt", PrimarySubjectLevel.hoanThanhTot), ("hoan thanh tot", .hoanThanhTot), ("HTT", .hoanThanhTot),
        ("T", .hoanThanhTot), ("Hoàn thành", .hoanThanh), ("HT", .hoanThanh), ("h", .hoanThanh),
        ("Chưa hoàn thành", .chuaHoanThanh), ("CHƯA HOÀN THÀNH", .chuaHoanThanh), ("CHT", .chuaHoanThanh),
        ("C", .chuaHoanThanh),
    ])
    func parsesSubjectLevels(_ text: String, _ expected: PrimarySubjectLevel) throws {
        #expect(try PrimarySubjectLevel.parse(text) == expected)
    }

    @Test func subjectLevelsRejectOtherScalesWithAHint() {
        for text in ["Đạt", "Cần cố gắng", "", "Giỏi", "HTTT"] {
            #expect(throws: HosoError(.gradeLevelInvalid, .both("", ""))) { try PrimarySubjectLevel.parse(text) }
        }
        do {
            _ = try PrimarySubjectLevel.parse("Cần cố gắng")
        } catch {
            #expect(error.message.vi.contains("phẩm chất, năng lực"))
        }
    }

    @Test(arguments: [
        ("Tốt", PrimaryQualityLevel.tot), ("T", .tot), ("Đạt", .dat), ("Đ", .dat), ("D", .dat),
        ("Cần cố gắng", .canCoGang), ("can co gang", .canCoGang), ("CCG", .canCoGang), ("C", .canCoGang),
    ])
    func parsesQualityLevels(_ text: String, _ expected: PrimaryQualityLevel) throws {
        #expect(try PrimaryQualityLevel.parse(text) == expected)
    }

    @Test(arguments: ["Hoàn thành", "H", "Khá", ""])
    func rejectsOtherQualityLevels(_ text: String) {
        #expect(throws: HosoError(.gradeLevelInvalid, .both("", ""))) { try PrimaryQualityLevel.parse(text) }
    }

    @Test func lettersAndLabels() {
        #expect(PrimarySubjectLevel.allCases.map(\.letter) == ["T", "H", "C"])
        #expect(PrimaryQualityLevel.allCases.map(\.letter) == ["T", "Đ", "C"])
        #expect(PrimarySubjectLevel.allCases.map(\.rawValue) == ["Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"])
        #expect(PrimaryQualityLevel.allCases.map(\.rawValue) == ["Tốt", "Đạt", "Cần cố gắng"])
        for level in PrimarySubjectLevel.allCases { #expect((try? PrimarySubjectLevel.parse(level.letter)) == level) }
        for level in PrimaryQualityLevel.allCases { #expect((try? PrimaryQualityLevel.parse(level.letter)) == level) }
    }

    @Test(arguments: [("7", 7), (" 10 ", 10), ("1", 1), ("0", 0)])
    func parsesTestScores(_ text: String, _ value: Int) throws {
        #expect(try PrimaryTestScore.parse(text).value == value)
    }

    @Test(arguments: ["8.5", "8,0", "11", "100", "-1", "+7", "", "07", "1e1", "tám", "\u{FF17}"])
    func rejectsTestScores(_ text: String) {
        #expect(throws: HosoError(.primaryScoreInvalid, .both("", ""))) { try PrimaryTestScore.parse(text) }
    }

    @Test func zeroDependsOnTheRegulation() throws {
        #expect(try PrimaryTestScore.parse("0", scale: PrimaryTestScore.thongTu27).value == 0)
        #expect(throws: HosoError(.primaryScoreInvalid, .both("", ""))) {
            try PrimaryTestScore.parse("0", scale: PrimaryTestScore.beforeThongTu27)
        }
        #expect(try PrimaryTestScore(1, scale: PrimaryTestScore.beforeThongTu27).value == 1)
    }

    @Test func testScoresAreJSONIntegers() throws {
        let scores = try [PrimaryTestScore(7), PrimaryTestScore(10)]
        let data = try JSONEncoder().encode(scores)
        #expect(String(decoding: data, as: UTF8.self) == "[7,10]")
        #expect(try JSONDecoder().decode([PrimaryTestScore].self, from: data) == scores)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(PrimaryTestScore.self, from: Data("11".utf8)) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(PrimaryTestScore.self, from: Data("7.5".utf8)) }
    }
}
