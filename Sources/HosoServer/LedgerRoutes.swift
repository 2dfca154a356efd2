import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The ledger browser: accent-insensitive search over every ledger entry, and a ledger page's scan beside the
/// entries written on it. Every search and every page shown is a read of personal data and is logged.
enum LedgerRoutes {
    static let roles: Set<Role> = [.registrar, .clerk, .officeHead]

    struct Hit: Codable, Sendable {
        var ledger: String
        var ledgerNumber: Int
        var fullName: String
        var dateOfBirth: String
        var placeOfBirth: String
        var serial: String
        var year: Int
        var school: String
        var page: Int?
    }

    /// The search answer written by hand: Foundation's JSONEncoder took a sixth of a search's CPU (perf, bench-web).
    /// The same JSON as `jsonResponse(hits)` (sorted keys, no escaped slashes, `page` left out when nil); a test
    /// compares the two.
    static func json(_ hits: [Hit]) -> [UInt8] {
        var w = JSONWriter()
        w.out.reserveCapacity(hits.count * 256 + 2)
        w.raw("[")
        for (i, h) in hits.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"dateOfBirth\":")
            w.string(h.dateOfBirth)
            w.raw(",\"fullName\":")
            w.string(h.fullName)
            w.raw(",\"ledger\":")
            w.string(h.ledger)
            w.raw(",\"ledgerNumber\":")
            w.raw(String(h.ledgerNumber))
            if let p = h.page {
                w.raw(",\"page\":")
                w.raw(String(p))
            }
            w.raw(",\"placeOfBirth\":")
            w.string(h.placeOfBirth)
            w.raw(",\"school\":")
            w.string(h.school)
            w.raw(",\"serial\":")
            w.string(h.serial)
            w.raw(",\"year\":")
            w.raw(String(h.year))
            w.raw("}")
        }
        w.raw("]")
        return w.out
    }

    static func search(_ q: String, state: ServerState) async throws -> [Hit] {
        let text = q.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return [] }
        guard text.count <= 200 else {
            throw HosoError(.badUserInput, .both("Chuỗi tìm kiếm quá dài", "The search text is too long"))
        }
        return try await state.archive.with { try $0.find(Archive.FindRequest(text: text), limit: 50) }.map {
            Hit(
                ledger: $0.recordId, ledgerNumber: $0.ledgerNumber, fullName: $0.fullName, dateOfBirth: $0.dateOfBirth,
                placeOfBirth: $0.placeOfBirth, serial: $0.serial, year: $0.year, school: $0.school, page: $0.page)
        }
    }

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let readers = router.group().add(middleware: RequireRole(roles))

        readers.get("/ledger") { request, context -> Response in
            let s = try context.signedIn()
            let q = request.uri.queryParameters.get("q") ?? ""
            let hits = try await search(q, state: state)
            if !q.isEmpty { try await state.audit(actor: s.user.name, action: "search", target: "ledger", detail: "\(hits.count) hits") }
            return htmlResponse(searchPage(context, q: q, hits: hits))
        }

        readers.get("/api/ledger/search") { request, context -> Response in
            let s = try context.signedIn()
            let q = request.uri.queryParameters.get("q") ?? ""
            let hits = try await search(q, state: state)
            try await state.audit(actor: s.user.name, action: "search", target: "ledger", detail: "\(hits.count) hits api")
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: json(hits))))
        }

        readers.get("/ledger/page") { request, context -> Response in
            let s = try context.signedIn()
            let p = try await ledgerPage(request, state: state, session: s, api: false)
            return htmlResponse(
                pagePage(
                    context, ledger: p.ledger, page: p.page, title: p.title, entries: p.entries, hasScan: p.scan != nil,
                    name: p.name ?? Wording.ledger(school: "", year: nil), custody: p.custody))
        }

        readers.get("/ledger/scan") { request, context -> Response in
            let s = try context.signedIn()
            return try await scan(request, state: state, session: s, api: false)
        }

        readers.get("/api/ledger/page") { request, context -> Response in
            let s = try context.signedIn()
            return jsonResponse(try await ledgerPage(request, state: state, session: s, api: true))
        }

        readers.get("/api/ledger/scan") { request, context -> Response in
            let s = try context.signedIn()
            return try await scan(request, state: state, session: s, api: true)
        }
    }

    struct PageOut: Encodable, Sendable {
        var ledger: String
        var page: Int
        var title: String
        /// The entries written on the page: the ledger's fields as text.
        var entries: [[String: String]]
        /// Where the page's scan is served, when it has one.
        var scan: String?
        /// The ledger by school and year, for the screen (not in the JSON, which keeps the id).
        var name: LocalizedText? = nil
        /// The ledger's custody transfers in words, for the screen (`hoso custody list` has them as data).
        var custody: [LocalizedText] = []

        enum CodingKeys: String, CodingKey { case ledger, page, title, entries, scan }
    }

    static func ledgerPage(_ request: Request, state: ServerState, session s: Session, api: Bool) async throws -> PageOut {
        let (ledger, page) = try pageParams(request)
        let out = try await state.archive.with { a -> PageOut in
            let body = try a.current(record: ledger).1.body
            guard case .array(let list)? = body["entries"] else {
                return PageOut(ledger: ledger, page: page, title: "", entries: [], scan: nil)
            }
            let rows = list.filter { ($0["page"])?.integerValue == page }.map { e -> [String: String] in
                var m = [String: String]()
                for k in ["ledgerNumber", "fullName", "dateOfBirth", "placeOfBirth", "sex", "ethnicity", "graduationGrade", "serial"] {
                    switch e[k] {
                    case .string(let v)?: m[k] = v
                    case .number(let d)?: m[k] = String(Int(d))
                    default: break
                    }
                }
                return m
            }
            let scan = scanId(body, page: page).map { _ in
                (api ? "/api/ledger/scan" : "/ledger/scan") + "?ledger=\(GradeBookRoutes.queryEscape(ledger))&page=\(page)"
            }
            return PageOut(
                ledger: ledger, page: page,
                title: "\(body["title"]?.stringValue ?? "") \(body["year"]?.integerValue.map(String.init) ?? "")",
                entries: rows, scan: scan,
                name: Wording.ledger(school: body["school"]?.stringValue ?? "", year: body["year"]?.integerValue),
                custody: try a.custodyTransfers(ofLedger: ledger).map(custodyLine))
        }
        try await state.audit(actor: s.user.name, action: "read", target: "ledger-page:\(ledger)#\(page)", detail: api ? "api" : "")
        return out
    }

    /// One custody transfer of a ledger as a registrar reads it: who handed it to whom, when, and whether both sealed.
    static func custodyLine(_ s: Archive.CustodyStatus) -> LocalizedText {
        let t = s.transfer
        let (vi, en) =
            s.accepted
            ? ("đã ký giao và ký nhận", "sealed by both offices")
            : s.sealedBy.isEmpty
                ? ("CHƯA có chữ ký hợp lệ của bên giao", "NOT validly sealed by the sender")
                : ("đã ký giao, chờ ký nhận", "sealed by the sender, awaiting acceptance")
        return .both(
            "Chuyển giao sổ gốc ngày \(Wording.date(t.date)): \(t.from.office) → \(t.to.office); \(vi).",
            "Custody transfer on \(Wording.date(t.date)): \(t.from.office) → \(t.to.office); \(en).")
    }

    /// A page's scan, from the archive's objects (named by the ledger record, never by a path).
    static func scan(_ request: Request, state: ServerState, session s: Session, api: Bool) async throws -> Response {
        let (ledger, page) = try pageParams(request)
        let bytes = try await state.archive.with { a -> [UInt8] in
            guard let id = scanId(try a.current(record: ledger).1.body, page: page), let oid = ObjectID(hex: id) else {
                throw HosoError(.inputNotFound, .both("Trang này chưa có ảnh quét", "This page has no scan"))
            }
            return try a.read(oid)
        }
        try await state.audit(actor: s.user.name, action: "read", target: "ledger-scan:\(ledger)#\(page)", detail: api ? "api" : "")
        return Response(
            status: .ok, headers: [.contentType: imageType(bytes), .cacheControl: "private, no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func pageParams(_ request: Request) throws -> (String, Int) {
        guard let ledger = request.uri.queryParameters.get("ledger"), !ledger.isEmpty, ledger.count <= 200,
            let page = request.uri.queryParameters.get("page").flatMap({ Int($0) }), page >= 0
        else {
            throw HosoError(.inputNotFound, .both("Không có trang sổ này", "No such ledger page"))
        }
        return (ledger, page)
    }

    static func scanId(_ body: JSONValue, page: Int) -> String? {
        guard case .array(let pages)? = body["pages"] else { return nil }
        return pages.first { ($0["page"])?.integerValue == page }.flatMap { ($0["scan"])?.stringValue }
    }

    /// Scans are stored as they came; the type is read from their first bytes, never from a name.
    static func imageType(_ b: [UInt8]) -> String {
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if b.starts(with: [0x49, 0x49, 0x2A, 0x00]) || b.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return "image/tiff" }
        if b.starts(with: Array("%PDF".utf8)) { return "application/pdf" }
        return "application/octet-stream"
    }

    static func searchPage(_ c: HosoContext, q: String, hits: [Hit]) -> HTML {
        let clerk = c.session.map { ClerkRoutes.roles.contains($0.user.role) } ?? false
        return Pages.layout(c, title: c.t("Tra cứu sổ gốc", "Search the ledgers")) {
            el("form", [("method", "get"), ("action", "/ledger"), ("class", "card")]) {
                el("label") {
                    c.t(
                        "Họ tên, ngày sinh, số hiệu, số vào sổ, số định danh… (không cần dấu)",
                        "Name, date of birth, serial, ledger number, citizen ID… (accents optional)")
                    el("input", [("name", "q"), ("id", "q"), ("value", q), ("autofocus", "")])
                }
                el("button", [("type", "submit"), ("id", "search")], text: c.t("Tìm", "Search"))
            }
            if !q.isEmpty {
                el("p", text: c.t("\(hits.count) kết quả", "\(hits.count) results"))
                el("div", [("class", "table-wrap")]) {
                    el("table", [("id", "hits")]) {
                        el("thead") {
                            el("tr") {
                                for h in [
                                    c.t("Họ và tên", "Name"), c.t("Ngày sinh", "Born"), c.t("Nơi sinh", "Place of birth"),
                                    c.t("Số hiệu", "Serial"), c.t("Sổ / số vào sổ", "Ledger / number"), c.t("Trang", "Page"),
                                ] { el("th", text: h) }
                                if clerk { el("th", text: c.t("Tiếp nhận yêu cầu", "Take a request")) }
                            }
                        }
                        el("tbody") {
                            for h in hits {
                                el("tr") {
                                    el("td", text: h.fullName)
                                    el("td", text: Wording.date(h.dateOfBirth))
                                    el("td", text: h.placeOfBirth)
                                    el("td", text: h.serial)
                                    el(
                                        "td", [("data-record", h.ledger)],
                                        text: c.t(Wording.ledger(school: h.school, year: h.year, number: h.ledgerNumber)))
                                    el("td") {
                                        if let p = h.page {
                                            el(
                                                "a", [("href", "/ledger/page?ledger=\(GradeBookRoutes.queryEscape(h.ledger))&page=\(p)")],
                                                text: String(p))
                                        }
                                    }
                                    if clerk { WalkInRoutes.entryButtons(c, ledger: h.ledger, number: h.ledgerNumber) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func pagePage(
        _ c: HosoContext, ledger: String, page: Int, title: String, entries: [[String: String]], hasScan: Bool, name: LocalizedText,
        custody: [LocalizedText] = []
    ) -> HTML {
        Pages.layout(c, title: c.t(name) + " — " + c.t("trang \(page)", "page \(page)")) {
            el("p", [("data-record", ledger)], text: title)
            for line in custody { el("p", [("class", "note custody")], text: c.t(line)) }
            el("div", [("class", "actions")]) {
                el("div", [("class", "card scan")]) {
                    if hasScan {
                        el(
                            "img",
                            [
                                ("src", "/ledger/scan?ledger=\(GradeBookRoutes.queryEscape(ledger))&page=\(page)"),
                                ("alt", c.t("Ảnh quét trang \(page)", "Scan of page \(page)")),
                                ("id", "scan"), ("style", nil),
                            ])
                    } else {
                        el("p", [("class", "note")], text: c.t("Trang này chưa có ảnh quét.", "This page has no scan yet."))
                    }
                }
                el("div", [("class", "table-wrap")]) {
                    el("table", [("id", "page-entries")]) {
                        el("thead") {
                            el("tr") {
                                for (_, vi, en) in ClerkRoutes.entryFields { el("th", [("scope", "col")], text: c.t(vi, en)) }
                            }
                        }
                        el("tbody") {
                            for e in entries {
                                el("tr") {
                                    for (k, _, _) in ClerkRoutes.entryFields {
                                        el("td", text: k == "dateOfBirth" ? Wording.date(e[k] ?? "") : e[k] ?? "")
                                    }
                                }
                            }
                        }
                    }
                }
            }
            el("p") {
                if page > 1 {
                    el(
                        "a", [("href", "/ledger/page?ledger=\(GradeBookRoutes.queryEscape(ledger))&page=\(page - 1)")],
                        text: c.t("← Trang trước", "← Previous page"))
                }
                " "
                el(
                    "a", [("href", "/ledger/page?ledger=\(GradeBookRoutes.queryEscape(ledger))&page=\(page + 1)")],
                    text: c.t("Trang sau →", "Next page →"))
            }
        }
    }
}
