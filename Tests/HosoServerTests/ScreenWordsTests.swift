import Foundation
import HosoKit
import HosoServer
import HosoTestSupport
import Hummingbird
import Testing

/// The screens LANG owns, rendered for seeded records and read as a person reads them (the text between the tags):
/// no record ids, no English codes, no ISO dates. Ids stay in links and data attributes, where scripts find them.
@Suite struct ScreenWordsTests {
    static let englishCodes = [
        "PASSED", "FAILED", "INDETERMINATE", "UNSIGNED", "CONFLICT", "HASH_FAILURE", "FORBIDDEN", "NOT_FOUND", "HTTP_",
        "Not Found", "_INVALID",
    ]

    /// What a person reads: the page without its tags, scripts and styles, entities decoded.
    static func visibleText(_ html: String) -> String {
        var s = html.replacingOccurrences(of: #"<script[^>]*>[\s\S]*?</script>"#, with: " ", options: .regularExpression)
        s = s.replacingOccurrences(of: #"<[^>]*>"#, with: " ", options: .regularExpression)
        for (e, c) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            s = s.replacingOccurrences(of: e, with: c)
        }
        return s
    }

    static func problems(in html: String, ids: [String]) -> [String] {
        let text = visibleText(html)
        var out = [String]()
        for id in ids where text.contains(id) { out.append("record id \(id)") }
        for code in englishCodes where text.contains(code) { out.append("English code \(code)") }
        if let r = text.range(of: #"\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b"#, options: .regularExpression) {
            out.append("ISO date \(text[r])")
        }
        if text.contains("hoso ") && text.range(of: #"`hoso [a-z]"#, options: .regularExpression) != nil { out.append("a CLI command") }
        return out
    }

    /// The fixture's teacher's grade book: Toán, 9A, HK1, one student. Returns its record id.
    static func gradeBook(_ fx: Fixture) throws -> String {
        let csv = "ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet\r\n0123456789,Lò Văn An,01/02/2010,7,8,6.5,,7,8,\r\n"
        return try Archive.open(at: fx.archivePath, clock: fx.config.clock).importGradeBook(
            csv: Array(csv.utf8), source: "t.csv", header: nil,
            settings: GradeBookSettings(
                school: "Trường THCS Tân Lập", className: "9A", schoolYear: "2024-2025", subject: "Toán", term: "HK1",
                level: "THCS", periodsPerYear: 70, assessment: "scored", teacher: Fixture.teacherName),
            author: "gv"
        ).book.recordId
    }

    @Test func ownedScreensShowNoRecordIdsCodesOrISODates() async throws {
        let fx = try Fixture()
        let id = try Self.gradeBook(fx)
        let ids = [id, Fixture.ledgerId, fx.requestId]
        let q = GradeBookRoutesQuery.escape
        let screens: [(user: String, path: String)] = [
            ("teacher", "/"), ("teacher", "/gradebooks"), ("teacher", "/gradebook?id=\(q(id))"), ("teacher", "/my-classes"),
            ("teacher", "/my-classes/marks?id=\(q(id))"), ("teacher", "/gradebooks/sign"),
            ("principal", "/gradebook?id=\(q(id))"), ("principal", "/term-locks"), ("principal", "/records?type=grade-book"),
            ("principal", "/record?id=\(q(id))"),
            ("registrar", "/ledger?q=lo+thi+mai"), ("registrar", "/ledger/page?ledger=\(q(Fixture.ledgerId))&page=1"),
            ("registrar", "/records?type=ledger"), ("registrar", "/record?id=\(q(Fixture.ledgerId))"), ("registrar", "/digitize"),
            ("registrar", "/sync-status"), ("registrar", "/no-such-page"), ("registrar", "/record?id=nothing/here"),
        ]
        try await fx.app().test(.router) { client in
            var found = [String]()
            var browsers = [String: Browser]()
            for (user, path) in screens {
                let b = browsers[user] ?? Browser(client)
                if browsers[user] == nil {
                    try await b.login(user)
                    browsers[user] = b
                }
                let r = try await b.get(path)
                #expect(r.status == .ok || r.status == .notFound, "\(user) \(path): \(r.status)")
                #expect(b.lastBody.contains("<html lang=\"vi\""), "\(path)")
                found += Self.problems(in: b.lastBody, ids: ids).map { "\(user) \(path): \($0)" }
            }
            #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
            // The names people read are there instead.
            let t = browsers["teacher"]!
            try await t.get("/gradebooks")
            #expect(t.lastBody.contains("Sổ điểm môn Toán, lớp 9A, học kỳ I, năm học 2024–2025, Trường THCS Tân Lập"))
            let r = browsers["registrar"]!
            try await r.get("/ledger?q=lo+thi+mai")
            #expect(r.lastBody.contains("số vào sổ"), "\(r.lastBody)")
            // The error page says what to do next and links back, in Vietnamese.
            let missing = try await r.get("/no-such-page")
            #expect(missing.status == .notFound)
            #expect(
                r.lastBody.contains("Không có trang này") && r.lastBody.contains("id=\"next-step\"") && r.lastBody.contains("href=\"/\""))
        }
    }

    @Test func aRefusedMarkStaysBesideItsCellWithWhatWasTyped() async throws {
        let fx = try Fixture()
        let id = try Self.gradeBook(fx)
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("teacher")
            try await b.get("/gradebook?id=\(GradeBookRoutesQuery.escape(id))")
            #expect(b.lastBody.contains("aria-label=\"Điểm thường xuyên 1 của Lò Văn An\""), "mark cells are labelled")
            let bad = try await b.post(
                "/gradebook/save?id=\(GradeBookRoutesQuery.escape(id))",
                [("tx1-0", "mười"), ("tx2-0", "8"), ("tx3-0", "6,5"), ("gk-0", "7"), ("ck-0", "8"), ("reason", "chấm lại")])
            #expect(bad.status == .badRequest)
            #expect(b.lastBody.contains("value=\"mười\"") && b.lastBody.contains("value=\"chấm lại\""), "what was typed is kept")
            #expect(b.lastBody.contains("id=\"err-tx1-0\"") && b.lastBody.contains("aria-describedby=\"err-tx1-0\""))
            #expect(!Self.visibleText(b.lastBody).contains("tx1-0"), "no field keys in the text")
        }
    }
}

/// The query escaping the screens use for ids in links.
enum GradeBookRoutesQuery {
    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
