import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The dashboard of the plan's indicators (`Archive.planReport`): per school, bars against the digitization target
/// drawn on the server as SVG (the CSP allows no outside script and no inline style, so colours are SVG attributes),
/// each chart titled, described and repeated as a table; a CSV export for spreadsheets and the same report as JSON.
/// Counts only, no personal data: the admin, the registrar and the office head see it.
enum ReportRoutes {
    static let roles: Set<Role> = [.admin, .registrar, .officeHead]

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let readers = router.group().add(middleware: RequireRole(roles))
        readers.get("/dashboard") { request, context -> Response in
            let q = try Query(request)
            let (report, offset) = try await load(state, q)
            // The school list of the filter: every school of the year's report (cached: no second computation).
            let all = q.school == nil ? report : try await load(state, Query(year: q.year, school: nil)).0
            return htmlResponse(page(context, report, query: q, offset: offset, schools: all.schools.map(\.school)))
        }
        readers.get("/dashboard.csv") { request, _ -> Response in
            let q = try Query(request)
            let (report, _) = try await load(state, q)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"chi-so-ke-hoach-\(report.schoolYear).csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: report.csv())))
        }
        readers.get("/api/report") { request, _ -> Response in
            jsonResponse(try await load(state, try Query(request)).0)
        }
    }

    /// `?year=YYYY&school=NAME`, both optional; a year that is no year is refused, not guessed.
    struct Query: Sendable {
        var year: Int?
        var school: String?

        init(year: Int?, school: String?) {
            self.year = year
            self.school = school
        }

        init(_ request: Request) throws {
            let p = request.uri.queryParameters
            if let y = p.get("year"), !y.isEmpty {
                guard y.count == 4, let n = Int(y), (1945...2200).contains(n) else {
                    throw HosoError(.badRequestInput, .both("Năm học không hợp lệ", "Not a valid school year"), location: "year")
                }
                year = n
            }
            if let s = p.get("school"), !s.trimmingCharacters(in: .whitespaces).isEmpty { school = String(s.prefix(300)) }
        }
    }

    static func load(_ state: ServerState, _ q: Query) async throws -> (PlanReport, Int) {
        try await state.archive.with { a in
            (try a.planReport(year: q.year, school: q.school), Wording.offsetSeconds(try a.officeSettings().utcOffset))
        }
    }

    /// "30,0%" in Vietnamese, "30.0%" in English.
    static func percent(_ c: HosoContext, _ v: Double?) -> String {
        guard let v else { return "—" }
        let s = String(format: "%.1f", v)
        return (c.lang == .vi ? s.replacingOccurrences(of: ".", with: ",") : s) + "%"
    }

    static func share(_ c: HosoContext, _ s: PlanReport.Share) -> String {
        guard let paper = s.paper else { return "\(s.digitized) / " + c.t("chưa khai báo", "not declared") }
        return "\(s.digitized) / \(paper) (\(percent(c, s.percent)))"
    }

    static func page(_ c: HosoContext, _ r: PlanReport, query q: Query, offset: Int, schools: [String] = []) -> HTML {
        let years = r.schoolYear.split(separator: "-").compactMap { Int($0) }
        let csvLink = "/dashboard.csv?year=\(years.first ?? 0)" + (q.school.map { "&school=" + urlEncode($0) } ?? "")
        return Pages.layout(c, title: c.t("Chỉ số kế hoạch chuyển đổi số", "Digital-transformation plan indicators")) {
            el("form", [("method", "get"), ("action", "/dashboard"), ("class", "card"), ("id", "report-filter")]) {
                el("label") {
                    c.t("Năm học bắt đầu năm", "School year starting in")
                    el(
                        "input",
                        [
                            ("name", "year"), ("id", "year"), ("inputmode", "numeric"), ("pattern", "[0-9]{4}"),
                            ("value", years.first.map(String.init) ?? ""),
                        ])
                }
                el("label") {
                    c.t("Trường", "School")
                    el("select", [("name", "school"), ("id", "school")]) {
                        el("option", [("value", "")], text: c.t("Tất cả các trường", "Every school"))
                        for name in schools {
                            el(
                                "option",
                                [
                                    ("value", name),
                                    (
                                        "selected",
                                        q.school.map { PlanReport.schoolKey($0) == PlanReport.schoolKey(name) } == true ? "" : nil
                                    ),
                                ], text: name)
                        }
                    }
                }
                el("button", [("type", "submit"), ("id", "show-year")], text: c.t("Xem", "Show"))
            }
            el("p", [("id", "report-period")]) {
                c.t(
                    "Năm học \(r.schoolYear) (yêu cầu nhận từ 01/09/\(years.first ?? 0) đến 31/08/\(years.last ?? 0)); số liệu lúc \(Wording.time(r.generatedAt, offset: offset)). Chỉ tiêu số hóa: \(percent(c, r.targetPercent)) số sổ gốc.",
                    "School year \(r.schoolYear) (requests received 01/09/\(years.first ?? 0) to 31/08/\(years.last ?? 0)); figures as of \(Wording.time(r.generatedAt, offset: offset)). Digitization target: \(percent(c, r.targetPercent)) of the ledgers."
                )
            }
            if !r.inventoryDeclared {
                el(
                    "p", [("class", "note"), ("id", "not-declared")],
                    text: c.t(
                        "Chưa khai báo số sổ gốc giấy của các trường, nên chưa tính được tỷ lệ số hóa. Cán bộ văn bằng khai báo khi kiểm kê xong.",
                        "The schools' paper ledgers are not declared yet, so the digitized share cannot be computed. The registrar declares them after counting."
                    ))
            }
            el("p") {
                el(
                    "a", [("href", csvLink), ("id", "report-csv"), ("download", "")],
                    text: c.t("Tải bảng số liệu (CSV, mở bằng Excel)", "Download the figures (CSV, opens in Excel)"))
            }
            el("h2", [("id", "digitized-heading")], text: c.t("Số hóa sổ gốc", "Ledgers digitized"))
            digitizationChart(c, r)
            el("div", [("class", "table-wrap")]) {
                el("table", [("id", "report-table")]) {
                    el("caption", text: c.t("Số liệu theo trường và toàn huyện", "Figures per school and for the district"))
                    el("thead") {
                        el("tr") {
                            for h in [
                                c.t("Trường", "School"), c.t("Sổ gốc đã số hóa / sổ giấy", "Ledgers digitized / paper"),
                                c.t("Trang", "Pages"), c.t("Dòng", "Entries"),
                                c.t("Sổ có biên bản chuyển đổi", "Ledgers with a conversion record"),
                                c.t("Sổ điểm (đã ký)", "Grade books (signed)"), c.t("Học bạ (đã ký)", "Học bạ (signed)"),
                                c.t("Giáo viên đã ký / giáo viên", "Teachers signed / teachers"),
                            ] {
                                el("th", [("scope", "col")], text: h)
                            }
                        }
                    }
                    el("tbody") {
                        for i in r.schools + [r.district] {
                            el("tr", [("data-school", i.school), ("data-ledgers-percent", i.ledgers.percent.map { String($0) })]) {
                                el("th", [("scope", "row")], text: i.school.isEmpty ? c.t("Toàn huyện", "District") : i.school)
                                el("td", text: share(c, i.ledgers))
                                el("td", text: share(c, i.pages))
                                el("td", text: share(c, i.entries))
                                el("td", text: String(i.ledgersWithConversionRecord))
                                el("td", text: "\(i.gradeBooks) (\(i.gradeBooksSigned))")
                                el("td", text: "\(i.hocBa) (\(i.hocBaSigned))")
                                el("td", text: "\(i.teachersSigned) / \(i.teachers) (\(percent(c, i.teachersSignedPercent)))")
                            }
                        }
                    }
                }
            }
            el("h2", text: c.t("Sổ điểm, học bạ điện tử và chữ ký số", "Electronic grade books, học bạ and signatures"))
            el(
                "p", [("id", "electronic-schools")],
                text: c.t(
                    "Trường có sổ điểm điện tử: \(r.district.schoolsWithGradeBooks); có học bạ điện tử: \(r.district.schoolsWithHocBa). Giáo viên đã ký số: \(r.district.teachersSigned) / \(r.district.teachers) (\(percent(c, r.district.teachersSignedPercent))).",
                    "Schools with electronic grade books: \(r.district.schoolsWithGradeBooks); with electronic học bạ: \(r.district.schoolsWithHocBa). Teachers who signed: \(r.district.teachersSigned) / \(r.district.teachers) (\(percent(c, r.district.teachersSignedPercent)))."
                ))
            teachersChart(c, r)
            el("h2", text: c.t("Yêu cầu của người dân", "Citizens' requests"))
            requestsChart(c, r.requests)
            el("div", [("class", "table-wrap")]) {
                el("table", [("id", "requests-table")]) {
                    el("caption", text: c.t("Yêu cầu theo thời hạn trả lời", "Requests against their deadline"))
                    el("thead") {
                        el("tr") {
                            for h in [
                                c.t("Tổng", "Total"), c.t("Đúng hạn", "On time"), c.t("Trễ hạn", "Late"),
                                c.t("Đang xử lý, còn hạn", "Open, in time"),
                                c.t("Quá hạn, chưa trả lời", "Overdue, unanswered"), c.t("Tỷ lệ đúng hạn", "Share on time"),
                            ] {
                                el("th", [("scope", "col")], text: h)
                            }
                        }
                    }
                    el("tbody") {
                        let q = r.requests
                        el("tr") {
                            for (key, v) in [
                                ("total", q.total), ("on-time", q.onTime), ("late", q.late), ("open", q.open), ("overdue", q.overdue),
                            ] {
                                el("td", [("data-count", key)], text: String(v))
                            }
                            el("td", text: percent(c, q.onTimePercent))
                        }
                    }
                }
            }
        }
    }

    // MARK: - Charts (SVG drawn here; each is an image with a title and a description, its numbers in the tables)

    static let labelWidth = 240.0, barWidth = 380.0, rowHeight = 28.0

    /// Horizontal bars in percent (0–100, longer capped), one per row, with a dashed line at `target` when given.
    static func barChart(
        id: String, title: String, description: String, rows: [(label: String, value: Double?, note: String)], target: Double?,
        targetLabel: String
    ) -> HTML {
        let height = Double(rows.count) * rowHeight + 40
        let width = labelWidth + barWidth + 150
        func n(_ v: Double) -> String { String(format: "%.1f", v) }
        return el("figure", [("id", id)]) {
            el(
                "svg",
                [
                    ("xmlns", "http://www.w3.org/2000/svg"), ("role", "img"), ("aria-labelledby", "\(id)-title \(id)-desc"),
                    ("viewBox", "0 0 \(n(width)) \(n(height))"), ("width", "100%"), ("preserveAspectRatio", "xMinYMin meet"),
                    ("font-family", "sans-serif"), ("font-size", "13"),
                ]
            ) {
                el("title", [("id", "\(id)-title")], text: title)
                el("desc", [("id", "\(id)-desc")], text: description)
                el("line", [("x1", n(labelWidth)), ("y1", "8"), ("x2", n(labelWidth)), ("y2", n(height - 24)), ("stroke", "#555")])
                for (i, row) in rows.enumerated() {
                    let y = 10 + Double(i) * rowHeight
                    el(
                        "text", [("x", n(labelWidth - 8)), ("y", n(y + 16)), ("text-anchor", "end"), ("fill", "#1a1a1a")],
                        text: String(row.label.prefix(34)))
                    if let v = row.value {
                        let w = barWidth * min(max(v, 0), 100) / 100
                        let met = target.map { v >= $0 } ?? true
                        el(
                            "rect",
                            [
                                ("x", n(labelWidth)), ("y", n(y + 3)), ("width", n(w)), ("height", n(rowHeight - 8)),
                                ("fill", met ? "#2e6b30" : "#a65200"), ("data-value", n(v)),
                            ])
                    }
                    el("text", [("x", n(labelWidth + barWidth + 6)), ("y", n(y + 16)), ("fill", "#1a1a1a")], text: row.note)
                }
                if let target {
                    let x = labelWidth + barWidth * min(max(target, 0), 100) / 100
                    el(
                        "line",
                        [
                            ("x1", n(x)), ("y1", "4"), ("x2", n(x)), ("y2", n(height - 22)), ("stroke", "#b00020"), ("stroke-width", "2"),
                            ("stroke-dasharray", "6 4"), ("class", "target-line"),
                        ])
                    el("text", [("x", n(x)), ("y", n(height - 6)), ("text-anchor", "middle"), ("fill", "#b00020")], text: targetLabel)
                }
            }
        }
    }

    static func digitizationChart(_ c: HosoContext, _ r: PlanReport) -> HTML {
        let rows = (r.schools + [r.district]).map { i in
            (
                label: i.school.isEmpty ? c.t("Toàn huyện", "District") : i.school, value: i.ledgers.percent,
                note: i.ledgers.paper == nil ? c.t("chưa khai báo", "not declared") : percent(c, i.ledgers.percent)
            )
        }
        let met = r.schools.filter { $0.ledgers.meetsTarget == true }.count
        return barChart(
            id: "chart-digitized", title: c.t("Tỷ lệ sổ gốc đã số hóa so với chỉ tiêu", "Share of ledgers digitized against the target"),
            description: c.t(
                "Mỗi thanh là tỷ lệ sổ gốc đã số hóa của một trường; đường đứt nét là chỉ tiêu \(percent(c, r.targetPercent)). \(met) trường đạt chỉ tiêu; toàn huyện \(percent(c, r.district.ledgers.percent)).",
                "Each bar is one school's share of ledgers digitized; the dashed line is the \(percent(c, r.targetPercent)) target. \(met) schools meet it; the district \(percent(c, r.district.ledgers.percent))."
            ), rows: rows, target: r.targetPercent,
            targetLabel: c.t("Chỉ tiêu \(percent(c, r.targetPercent))", "Target \(percent(c, r.targetPercent))"))
    }

    static func teachersChart(_ c: HosoContext, _ r: PlanReport) -> HTML {
        let rows = (r.schools + [r.district]).map { i in
            (
                label: i.school.isEmpty ? c.t("Toàn huyện", "District") : i.school, value: i.teachersSignedPercent,
                note: "\(i.teachersSigned) / \(i.teachers)"
            )
        }
        return barChart(
            id: "chart-teachers", title: c.t("Giáo viên đã ký số sổ điểm hoặc học bạ", "Teachers who signed grade books or học bạ"),
            description: c.t(
                "Mỗi thanh là tỷ lệ giáo viên của trường đã ký ít nhất một sổ điểm hoặc học bạ năm học \(r.schoolYear); toàn huyện \(r.district.teachersSigned) / \(r.district.teachers).",
                "Each bar is the share of a school's teachers who signed at least one grade book or học bạ in \(r.schoolYear); the district \(r.district.teachersSigned) / \(r.district.teachers)."
            ), rows: rows, target: nil, targetLabel: "")
    }

    static func requestsChart(_ c: HosoContext, _ q: PlanReport.Requests) -> HTML {
        func share(_ v: Int) -> Double? { q.total > 0 ? Double(v) * 100 / Double(q.total) : nil }
        let rows = [
            (label: c.t("Đúng hạn", "On time"), value: share(q.onTime), note: String(q.onTime)),
            (label: c.t("Trễ hạn", "Late"), value: share(q.late), note: String(q.late)),
            (label: c.t("Đang xử lý, còn hạn", "Open, in time"), value: share(q.open), note: String(q.open)),
            (label: c.t("Quá hạn, chưa trả lời", "Overdue, unanswered"), value: share(q.overdue), note: String(q.overdue)),
        ]
        return barChart(
            id: "chart-requests", title: c.t("Yêu cầu trả lời đúng thời hạn", "Requests answered within the deadline"),
            description: c.t(
                "\(q.total) yêu cầu: \(q.onTime) đúng hạn, \(q.late) trễ hạn, \(q.open) đang xử lý còn hạn, \(q.overdue) quá hạn chưa trả lời.",
                "\(q.total) requests: \(q.onTime) on time, \(q.late) late, \(q.open) open in time, \(q.overdue) overdue and unanswered."),
            rows: rows, target: nil, targetLabel: "")
    }

    static func urlEncode(_ s: String) -> String {
        // ASCII letters and digits only: CharacterSet.alphanumerics would let Vietnamese letters through unencoded.
        s.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }
}
