import Foundation
import HTTPTypes
import HosoKit
import HosoTestSupport
import NIOCore
import Testing

/// The dashboard of the plan's indicators on the seeded district (`ReportDistrict`): the charts drawn on the server,
/// the same numbers as a table, the CSV export and /api/report, and who may open them.
@Suite struct ReportPageTests {
    func district() throws -> Fixture {
        let fx = try Fixture(now: ReportDistrict.now)
        let a = try Archive.open(at: fx.archivePath, clock: .fixed(ReportDistrict.now))
        try ReportDistrict.seed(a, pki: fx.dir.path + "/pki")
        return fx
    }

    @Test(arguments: Mode.allCases) func theDashboardShowsTheDistrictsNumbers(mode: Mode) async throws {
        let fx = try district()
        try await fx.serve(mode) { client in
            let b = Browser(client)
            try await b.login("registrar")
            let page = try await b.get("/dashboard?year=2024")
            #expect(page.status == .ok)
            let html = b.lastBody
            // Charts: images with a title and a description, the target as a dashed line, bars per school.
            #expect(
                html.contains(
                    #"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-digitized-title chart-digitized-desc""#))
            #expect(html.contains(#"<title id="chart-digitized-title">Tỷ lệ sổ gốc đã số hóa so với chỉ tiêu</title>"#))
            #expect(html.contains("1 trường đạt chỉ tiêu; toàn huyện 33,3%"))
            #expect(html.contains(#"class="target-line""#) && html.contains(">Chỉ tiêu 30,0%</text>"))
            #expect(html.contains(#"data-value="40.0""#) && html.contains(#"data-value="25.0""#))
            // The numbers as a table.
            #expect(
                html.contains(
                    #"<tr data-school="Trường THCS Tân Lập" data-ledgers-percent="40.0"><th scope="row">Trường THCS Tân Lập</th><td>2 / 5 (40,0%)</td><td>3 / 12 (25,0%)</td><td>5 / 50 (10,0%)</td><td>2</td><td>2 (1)</td><td>1 (1)</td><td>2 / 2 (100,0%)</td>"#
                ))
            #expect(html.contains("<td>1 / chưa khai báo</td>"))
            // The fixture's own request came in at 09:00 today, still open: six requests.
            #expect(
                html.contains(
                    #"<td data-count="total">6</td><td data-count="on-time">2</td><td data-count="late">1</td><td data-count="open">2</td><td data-count="overdue">1</td>"#
                ))
            #expect(html.contains("01/09/2024") && html.contains("12/03/2025 09:00"))
            // No script or style of the page's own: the CSP allows neither.
            #expect(!html.contains("style=") && !html.contains("<style") && html.components(separatedBy: "<script").count == 2)
            #expect(html.contains(#"href="/dashboard.csv?year=2024""#) && html.contains(#"<a href="/dashboard">"#))
            #expect(html.contains(#"<select name="school" id="school"><option value="">Tất cả các trường</option>"#))

            // One school, chosen in the filter (typed without diacritics works too): its row and the district's.
            _ = try await b.get("/dashboard?year=2024&school=truong%20thcs%20hoa%20binh")
            #expect(b.lastBody.contains(#"<option value="Trường THCS Hòa Bình" selected>"#))
            #expect(
                b.lastBody.contains(#"<tr data-school="Trường THCS Hòa Bình""#)
                    && !b.lastBody.contains(#"<tr data-school="Trường THCS Tân Lập""#))
            #expect(b.lastBody.contains(#"href="/dashboard.csv?year=2024&amp;school=truong%20thcs%20hoa%20binh""#))

            let csv = try await b.get("/dashboard.csv?year=2024")
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == #"attachment; filename="chi-so-ke-hoach-2024-2025.csv""#)
            let bytes = Array(csv.body.readableBytesView)
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
            #expect(
                String(decoding: bytes, as: UTF8.self).contains("Trường THCS Tân Lập,2024-2025,có / yes,2,5,40.0,3,12,25.0,5,50,10.0,30.0"))

            let api = try await b.get("/api/report?year=2024&school=Tr%C6%B0%E1%BB%9Dng%20THCS%20H%C3%B2a%20B%C3%ACnh")
            #expect(api.status == .ok)
            let r = try JSONDecoder().decode(PlanReport.self, from: Data(api.body.readableBytesView))
            #expect(r.schools.map(\.school) == [ReportDistrict.schoolB] && r.schools[0].ledgers.percent == 25.0)
            #expect(r.district.teachersSigned == 3 && r.requests.total == 6 && r.requests.open == 2)

            #expect(try await b.get("/dashboard?year=abcd").status == .badRequest)
            #expect(try await b.get("/api/report?school=Kh%C3%B4ng%20C%C3%B3").status == .notFound)
        }
    }

    @Test func onlyTheAdminTheRegistrarAndTheOfficeHeadSeeIt() async throws {
        let fx = try Fixture(now: ReportDistrict.now)
        try await fx.serve(.router) { client in
            for role in ["admin", "registrar", "office-head", "clerk", "teacher", "principal"] {
                let b = Browser(client)
                try await b.login(role)
                let allowed = ["admin", "registrar", "office-head"].contains(role)
                #expect((try await b.get("/dashboard")).status == (allowed ? .ok : .forbidden), "\(role)")
                #expect((try await b.get("/dashboard.csv")).status == (allowed ? .ok : .forbidden), "\(role)")
                // The menu offers it to those who may open it.
                _ = try await b.get("/")
                #expect(b.lastBody.contains(#"<a href="/dashboard">"#) == allowed, "\(role)")
            }
            // Without an inventory the page says so instead of inventing a share.
            let b = Browser(client)
            try await b.login("office-head")
            _ = try await b.get("/dashboard")
            #expect(b.lastBody.contains(#"id="not-declared""#) && b.lastBody.contains("chưa khai báo"))
        }
    }
}
