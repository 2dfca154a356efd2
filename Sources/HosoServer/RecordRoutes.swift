import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The signature status of every record of a type, and the records whose revisions diverged offline (conflicts).
/// Each record's revision history at /record; the state of sync with other nodes is /sync-status (SyncRoutes).
enum RecordRoutes {
    /// Who may see the sync status (no personal data there: the admin too).
    static let roles: Set<Role> = [.registrar, .principal, .officeHead, .admin]
    /// Who may read records here: what each sees is `Visibility`'s (the admin sees no personal data).
    static let readers: Set<Role> = [.registrar, .principal, .officeHead]
    static let types = ["grade-book", "transcript", "ledger", "ledger-appendix", "revocation", "request", "copy"]
    /// Verification re-checks every signature: a page shows at most this many records.
    static let pageSize = 100

    struct Row: Codable, Sendable {
        var record: String
        var indication: String
        var signers: [String]
        var earlierRevisionsSigned: Int
        var conflict: Bool
        /// Each signer and their result in words, for the screens (the JSON keeps `signers` with the codes).
        var signerWords: [LocalizedText] = []

        enum CodingKeys: String, CodingKey { case record, indication, signers, earlierRevisionsSigned, conflict }

        init(record: String, indication: String, signers: [String], earlierRevisionsSigned: Int, conflict: Bool) {
            self.record = record
            self.indication = indication
            self.signers = signers
            self.earlierRevisionsSigned = earlierRevisionsSigned
            self.conflict = conflict
        }

        /// UNSIGNED, or the verification's indication with each signer and reason.
        init(record: String, report r: SignedRevisionReport) {
            self.init(
                record: record, indication: r.signatures.isEmpty ? "UNSIGNED" : r.indication,
                signers: r.signatures.map {
                    "\($0.report.signer ?? "?") (\($0.report.indication.rawValue)\($0.report.reason.map { " " + $0.rawValue } ?? ""))"
                },
                earlierRevisionsSigned: r.earlierRevisionsSigned, conflict: false)
            signerWords = r.signatures.map { Wording.signer($0.report) }
        }
    }

    /// Each record by what it is (school, class, subject, term; a ledger by school and year; a request by its
    /// number and holder), for the screens: people do not read record ids.
    static func names(_ ids: [String], state: ServerState) async -> [String: LocalizedText] {
        (try? await state.archive.with { a in
            var out = [String: LocalizedText]()
            for id in ids {
                // A record in conflict has no single current revision: its first head names it just as well.
                guard let head = (try? a.heads(record: id))?.first.flatMap(ObjectID.init(hex:)), let rev = try? a.revision(head)
                else { continue }
                if let name = Wording.record(type: rev.recordType, id: id, body: rev.body) { out[id] = name }
            }
            return out
        }) ?? [:]
    }

    /// A record's name, or its kind when its body does not say more.
    static func name(_ names: [String: LocalizedText], _ id: String, type: String) -> LocalizedText {
        names[id] ?? Wording.recordType(type)
    }

    struct Listing: Encodable, Sendable {
        var type: String
        var from: Int
        var total: Int
        var rows: [Row]
        var conflicts: [Archive.Conflict]
    }

    /// One record: its revisions (parents first), heads, the current body and its signature status.
    struct RecordOut: Encodable, Sendable {
        var id: String
        var type: String
        var heads: [String]
        var history: [RevisionInfo]
        /// The current body; nil while the record is in conflict (each head is in `history`).
        var current: JSONValue?
        var signature: Row

        enum Keys: String, CodingKey { case id, type, heads, history, current, signature }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(id, forKey: .id)
            try c.encode(type, forKey: .type)
            try c.encode(heads, forKey: .heads)
            try c.encode(history, forKey: .history)
            try c.encode(current.map(JSONBody.init), forKey: .current)
            try c.encode(signature, forKey: .signature)
        }
    }

    static func listing(_ request: Request, state: ServerState, session s: Session) async throws -> Listing {
        let allowed = Visibility.types[s.user.role] ?? []
        let type = request.uri.queryParameters.get("type").flatMap { types.contains($0) ? $0 : nil } ?? allowed.first ?? ""
        guard allowed.contains(type) else {
            throw HosoError(.forbidden, .both("Tài khoản không được xem loại hồ sơ này", "This account may not see this kind of record"))
        }
        let from = max(0, request.uri.queryParameters.get("from").flatMap { Int($0) } ?? 0)
        return try await state.archive.with { a -> Listing in
            func visible(_ id: String) throws -> Bool {
                guard s.user.role == .teacher || s.user.role == .principal else { return true }
                guard let head = try a.heads(record: id).first.flatMap(ObjectID.init(hex:)) else { return false }
                return try Visibility.canSee(s, recordType: type, body: try a.revision(head).body, in: a)
            }
            let ids = try a.recordIds(ofType: type).sorted().filter(visible)
            let conflicts = try a.conflicts().filter { ids.contains($0.recordId) }
            let conflicted = Set(conflicts.map(\.recordId))
            let rows = ids.dropFirst(from).prefix(pageSize).map { id -> Row in
                if conflicted.contains(id) {
                    return Row(record: id, indication: "CONFLICT", signers: [], earlierRevisionsSigned: 0, conflict: true)
                }
                guard let r = try? a.verify(id) else {
                    return Row(record: id, indication: "?", signers: [], earlierRevisionsSigned: 0, conflict: false)
                }
                return Row(record: id, report: r)
            }
            return Listing(type: type, from: from, total: ids.count, rows: Array(rows), conflicts: conflicts)
        }
    }

    static func record(_ request: Request, state: ServerState, session s: Session, api: Bool) async throws -> RecordOut {
        let id = request.uri.queryParameters.get("id") ?? ""
        guard !id.isEmpty, id.count <= 300 else {
            throw HosoError(.recordNotFound, .both("Không có hồ sơ này", "No such record"), location: id)
        }
        let out = try await state.archive.with { a -> RecordOut in
            let history = try a.history(record: id)
            let heads = try a.heads(record: id)
            // A record in conflict is judged by its first head; either head names the same school or office.
            guard let head = heads.first.flatMap(ObjectID.init(hex:)) else {
                throw HosoError(.recordNotFound, .both("Không có hồ sơ này", "No such record"), location: id)
            }
            let rev = try a.revision(head)
            try Visibility.requireSee(s, recordType: rev.recordType, body: rev.body, id: id, in: a)
            let current = heads.count == 1 ? try a.current(record: id).1.body : nil
            let signature: Row =
                heads.count > 1
                ? Row(record: id, indication: "CONFLICT", signers: [], earlierRevisionsSigned: 0, conflict: true)
                : (try? a.verify(id)).map { Row(record: id, report: $0) }
                    ?? Row(record: id, indication: "?", signers: [], earlierRevisionsSigned: 0, conflict: false)
            return RecordOut(
                id: id, type: history.first?.recordType ?? "", heads: heads, history: history, current: current, signature: signature)
        }
        try await state.audit(actor: s.user.name, action: "read", target: "record:\(id)", detail: api ? "api" : "")
        return out
    }

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let readers = router.group().add(middleware: RequireRole(Self.readers))

        readers.get("/records") { request, context -> Response in
            let s = try context.signedIn()
            let l = try await listing(request, state: state, session: s)
            try await state.audit(actor: s.user.name, action: "read", target: "records:\(l.type)", detail: "from \(l.from)")
            let names = await names(l.rows.map(\.record) + l.conflicts.map(\.recordId), state: state)
            return htmlResponse(
                page(context, type: l.type, rows: l.rows, from: l.from, total: l.total, conflicts: l.conflicts, names: names))
        }

        readers.get("/record") { request, context -> Response in
            let s = try context.signedIn()
            let r = try await record(request, state: state, session: s, api: false)
            let name = Wording.record(type: r.type, id: r.id, body: r.current) ?? Wording.recordType(r.type)
            return htmlResponse(recordPage(context, r, name: name, offset: await Wording.officeOffset(state)))
        }

        readers.get("/api/records") { request, context -> Response in
            let s = try context.signedIn()
            let l = try await listing(request, state: state, session: s)
            try await state.audit(actor: s.user.name, action: "read", target: "records:\(l.type)", detail: "from \(l.from) api")
            return jsonResponse(l)
        }

        readers.get("/api/record") { request, context -> Response in
            let s = try context.signedIn()
            return jsonResponse(try await record(request, state: state, session: s, api: true))
        }
    }

    static func recordPage(_ c: HosoContext, _ r: RecordOut, name: LocalizedText, offset: Int) -> HTML {
        Pages.layout(c, title: c.t(name)) {
            el("p", [("data-record", r.id)]) {
                el(
                    "span",
                    [
                        ("class", "badge \(r.signature.indication)"), ("id", "record-indication"),
                        ("data-indication", r.signature.indication),
                    ],
                    text: c.t(Wording.indication(r.signature.indication)))
                " " + c.t(Wording.recordType(r.type))
            }
            if !r.signature.signerWords.isEmpty {
                el("ul", [("id", "signers")]) { for w in r.signature.signerWords { el("li", text: c.t(w)) } }
            }
            if r.heads.count > 1 {
                el(
                    "p", [("class", "error")],
                    text: c.t(
                        "Xung đột: có \(r.heads.count) bản mới nhất song song, cần hợp nhất",
                        "Conflict: \(r.heads.count) parallel latest versions, to be merged"))
            }
            el("h2", text: c.t("Lịch sử các lần ghi", "History of changes"))
            el("div", [("class", "table-wrap")]) {
                el("table", [("id", "history")]) {
                    el("thead") {
                        el("tr") {
                            for h in [c.t("Lần", "No."), c.t("Thời gian", "Time"), c.t("Người ghi", "Author"), c.t("Lý do", "Reason")] {
                                el("th", [("scope", "col")], text: h)
                            }
                        }
                    }
                    el("tbody") {
                        for (n, h) in r.history.enumerated().reversed() {
                            el("tr", [("data-revision", h.id)]) {
                                el("td") {
                                    String(n + 1)
                                    if h.parents.count > 1 { " " + c.t("(hợp nhất)", "(merge)") }
                                }
                                el("td", text: Wording.time(h.time, offset: offset))
                                el("td", text: h.author)
                                el("td", text: h.reason ?? "")
                            }
                        }
                    }
                }
            }
        }
    }

    static func page(
        _ c: HosoContext, type: String, rows: [Row], from: Int, total: Int, conflicts: [Archive.Conflict],
        names: [String: LocalizedText]
    ) -> HTML {
        Pages.layout(c, title: c.t("Chữ ký của các hồ sơ", "Signatures of the records")) {
            el("nav", [("aria-label", c.t("Loại hồ sơ", "Kinds of records")), ("class", "types")]) {
                for t in types {
                    if t == type {
                        el("strong", [("aria-current", "page")], text: c.t(Wording.recordType(t)))
                    } else {
                        el("a", [("href", "/records?type=\(t)")], text: c.t(Wording.recordType(t)))
                    }
                    " "
                }
            }
            el("h2", text: c.t("Xung đột chưa hợp nhất", "Unresolved conflicts"))
            if conflicts.isEmpty {
                el("p", [("class", "note"), ("id", "no-conflicts")], text: c.t("Không có.", "None."))
            } else {
                el("ul", [("id", "conflicts")]) {
                    for x in conflicts {
                        el("li", [("data-record", x.recordId)]) {
                            el(
                                "a", [("href", "/record?id=" + GradeBookRoutes.queryEscape(x.recordId))],
                                text: c.t(name(names, x.recordId, type: type)))
                            " " + c.t("— \(x.heads.count) bản song song", "— \(x.heads.count) parallel versions")
                        }
                    }
                }
            }
            el("h2", text: c.t("\(Wording.recordType(type).vi): \(total) hồ sơ", "\(Wording.recordType(type).en): \(total) records"))
            el("div", [("class", "table-wrap")]) {
                el("table", [("id", "records")]) {
                    el("thead") {
                        el("tr") {
                            for h in [c.t("Hồ sơ", "Record"), c.t("Kết quả", "Result"), c.t("Người ký", "Signers")] {
                                el("th", [("scope", "col")], text: h)
                            }
                        }
                    }
                    el("tbody") {
                        for r in rows {
                            el("tr", [("data-indication", r.indication), ("data-record", r.record)]) {
                                el("td") {
                                    el(
                                        "a", [("href", "/record?id=" + GradeBookRoutes.queryEscape(r.record))],
                                        text: c.t(name(names, r.record, type: type)))
                                }
                                el("td") {
                                    el("span", [("class", "badge \(r.indication)")], text: c.t(Wording.indication(r.indication)))
                                    if r.indication == "UNSIGNED" && r.earlierRevisionsSigned > 0 {
                                        " " + c.t("(bản trước đã ký: cần ký lại)", "(an earlier revision was signed: sign again)")
                                    }
                                }
                                el("td", text: r.signerWords.map { c.t($0) }.joined(separator: "; "))
                            }
                        }
                    }
                }
            }
            if from + pageSize < total {
                el("p") { el("a", [("href", "/records?type=\(type)&from=\(from + pageSize)")], text: c.t("Tiếp →", "Next →")) }
            }
        }
    }
}
