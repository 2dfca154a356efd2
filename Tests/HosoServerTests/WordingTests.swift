import Foundation
import HosoCore
import HosoKit
import HosoTestSupport
import Testing

@testable import HosoServer

/// The words people read: every code has a sentence, records are named by what they are, dates are Vietnamese and
/// in the office's time, and the screens show no record ids, English codes or ISO dates.
@Suite struct WordingTests {
    /// Every code declared in a catalogue (`static let x = Self("CODE", .category)` in an `extension HosoError.Code`),
    /// read from the sources, so that a new code without a sentence fails here.
    static func declaredCodes() throws -> Set<String> {
        let pattern = try NSRegularExpression(pattern: #"(?:Self|HosoError\.Code)\(\s*"([A-Z][A-Z0-9_]+)"\s*,\s*\."#)
        var out = Set<String>()
        let root = repoRoot + "/Sources"
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        for f in files {
            let text = try String(contentsOfFile: root + "/" + f, encoding: .utf8)
            guard text.contains("HosoError.Code") else { continue }
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                out.insert(String(text[Range(m.range(at: 1), in: text)!]))
            }
        }
        return out
    }

    @Test func everyDeclaredCodeHasAVietnameseSentence() throws {
        let codes = try Self.declaredCodes()
        #expect(codes.count > 150, "the catalogues were read: \(codes.count) codes")
        #expect(codes.contains("MARK_INVALID") && codes.contains("FORBIDDEN"))
        let missing = codes.filter { Wording.codes[$0] == nil }.sorted()
        #expect(missing.isEmpty, "codes without a sentence in Wording.codes: \(missing)")
        for (code, s) in Wording.codes {
            #expect(!s.vi.isEmpty && !s.en.isEmpty && s.vi != s.en, "\(code)")
            #expect(!s.vi.contains("_") && !s.vi.contains(code), "\(code): a sentence, not the code")
        }
        // A peer's code this node does not know still gets a sentence, from its category.
        #expect(Wording.sentence(code: "SOMETHING_NEW_NOT_FOUND").vi == Wording.categorySentence(.notFound).vi)
    }

    @Test func everyVerificationReasonHasASentence() throws {
        let text = try String(contentsOfFile: repoRoot + "/Sources/HosoSigning/Verifier.swift", encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"Self\(rawValue: "([A-Z_]+)"\)"#)
        let reasons = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
            String(text[Range($0.range(at: 1), in: text)!])
        }
        #expect(reasons.count >= 20)
        for r in reasons {
            let s = Wording.sentence(code: r)
            #expect(s.vi != r && !s.vi.contains("_"), "\(r) has no sentence")
        }
        #expect(Wording.sentence(code: "HASH_FAILURE").vi == "Nội dung đã bị thay đổi sau khi ký")
        for i in ["PASSED", "FAILED", "INDETERMINATE", "UNSIGNED", "CONFLICT", "?"] {
            #expect(!Wording.indication(i).vi.contains(i), "\(i)")
        }
    }

    @Test func recordsAreNamedByWhatTheyAre() throws {
        let name = Wording.gradeBook(
            school: "Trường THCS Tân Lập", className: "9A", subject: "Toán", term: .hk1, schoolYear: "2024-2025")
        #expect(name.vi == "Sổ điểm môn Toán, lớp 9A, học kỳ I, năm học 2024–2025, Trường THCS Tân Lập")
        #expect(name.en == "Grade book: Toán, class 9A, term I, school year 2024–2025, Trường THCS Tân Lập")
        let body = try CanonicalJSON.parse(
            Array(#"{"school":"Trường THCS Tân Lập","class":"6B","subject":"Ngữ văn","term":"HK2","schoolYear":"2023-2024"}"#.utf8))
        #expect(
            Wording.record(type: "grade-book", id: "gradebook/x/y", body: body)?.vi
                == "Sổ điểm môn Ngữ văn, lớp 6B, học kỳ II, năm học 2023–2024, Trường THCS Tân Lập")
        #expect(
            Wording.ledger(school: "Trường PTCS Tân Lập", year: 1996, number: 12).vi == "Sổ gốc năm 1996, Trường PTCS Tân Lập, số vào sổ 12"
        )
        let request = Wording.request(id: "YC/2026/000123", holder: "Lò Thị Mai")
        #expect(request.vi == "Yêu cầu số 000123/2026 của Lò Thị Mai")
        #expect(!request.vi.contains("YC/"))
        #expect(Wording.record(type: "grade-book", id: "gradebook/x", body: nil) == nil)
    }

    @Test func datesAreDayMonthYearInTheOfficeTime() {
        #expect(Wording.offsetSeconds("+07:00") == 7 * 3600)
        #expect(Wording.offsetSeconds("-03:30") == -(3 * 3600 + 1800))
        #expect(Wording.offsetSeconds("junk") == 7 * 3600)
        // Across midnight UTC: 17:30 UTC is already the next day in Hà Nội; 23:59 UTC on 31 December is next year.
        #expect(Wording.time("2026-11-29T17:30:00Z") == "30/11/2026 00:30")
        #expect(Wording.time("2026-12-31T23:59:00Z", offset: 7 * 3600) == "01/01/2027 06:59")
        #expect(Wording.time("2026-03-01T02:00:00Z", offset: -5 * 3600) == "28/02/2026 21:00")
        #expect(Wording.time("2024-03-01T01:00:00+07:00", offset: 0) == "29/02/2024 18:00")
        #expect(Wording.date("2026-11-29T17:30:00Z") == "30/11/2026")
        #expect(Wording.date("2008-05-12") == "12/05/2008")
        #expect(Wording.date("12/05/2008") == "12/05/2008")
        #expect(Wording.time("not a time") == "not a time")
        // Every day of a range round-trips with HosoClock's calendar.
        for day in stride(from: -800, to: 30_000, by: 97) {
            let (y, m, d) = Wording.civil(day)
            #expect(HosoClock.daysFromCivil(year: y, month: m, day: d) == day)
        }
    }
}
