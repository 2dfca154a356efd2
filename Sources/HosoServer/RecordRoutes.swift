import Foundation
import HosoCore
import HosoKit
import Hummingbird

/// The signature status of every record of a type, and the records whose revisions diverged offline (conflicts).
/// The state of sync with other nodes joins this page when the sync protocol (issue 6) is mounted under /sync/.
enum RecordRoutes {
    static let roles: Set<Role> = [.registrar, .principal, .officeHead, .admin]
    static let types = ["grade-book", "transcript", "ledger", "ledger-appendix", "revocation", "request", "copy"]
    /// Verification re-checks every signature: a page shows at most this many records.
    static let pageSize = 100

    struct Row: Codable, Sendable {
        var record: String
        var indication: String
        var signers: [String]
        var earlierRevisionsSigned: Int
        var conflict: Bool
    }

    static func add(to router: Router<HosoContext>, state: ServerState) {
        router.get("/records") { request, context -> Response in
            let s = try context.require(roles)
            let type = request.uri.queryParameters.get("type").flatMap { types.contains($0) ? $0 : nil } ?? "grade-book"
            let from = max(0, request.uri.queryParameters.get("from").flatMap { Int($0) } ?? 0)
            let (rows, total, conflicts) = try state.archive.with { a -> ([Row], Int, [Archive.Conflict]) in
                let conflicts = try a.conflicts()
                let conflicted = Set(conflicts.map(\.recordId))
                let ids = try a.index.recordIds(ofType: type).sorted()
                let rows = ids.dropFirst(from).prefix(pageSize).map { id -> Row in
                    if conflicted.contains(id) { return Row(record: id, indication: "CONFLICT", signers: [], earlierRevisionsSigned: 0, conflict: true) }
                    guard let r = try? a.verify(id) else { return Row(record: id, indication: "?", signers: [], earlierRevisionsSigned: 0, conflict: false) }
                    return Row(record: id, indication: r.signatures.isEmpty ? "UNSIGNED" : r.indication,
                               signers: r.signatures.map { "\($0.report.signer ?? "?") (\($0.report.indication.rawValue)\($0.report.reason.map { " " + $0.rawValue } ?? ""))" },
                               earlierRevisionsSigned: r.earlierRevisionsSigned, conflict: false)
                }
                return (rows, ids.count, conflicts)
            }
            try state.store.audit(actor: s.user.name, action: "read", target: "records:\(type)", detail: "from \(from)")
            return htmlResponse(page(context, type: type, rows: rows, from: from, total: total, conflicts: conflicts))
        }
    }

    static func page(_ c: HosoContext, type: String, rows: [Row], from: Int, total: Int, conflicts: [Archive.Conflict]) -> HTML {
        Pages.layout(c, title: c.t("Chữ ký của các hồ sơ", "Signatures of the records")) {
            el("p") {
                for t in types {
                    if t == type { el("strong", text: t) } else { el("a", [("href", "/records?type=\(t)")], text: t) }
                    " "
                }
            }
            el("h2", text: c.t("Xung đột chưa hợp nhất", "Unresolved conflicts"))
            if conflicts.isEmpty {
                el("p", [("class", "note"), ("id", "no-conflicts")], text: c.t("Không có.", "None."))
            } else {
                el("ul", [("id", "conflicts")]) {
                    for x in conflicts { el("li", text: "\(x.recordId): " + x.heads.map { String($0.prefix(12)) }.joined(separator: ", ")) }
                }
            }
            el("h2", text: c.t("\(type): \(total) hồ sơ", "\(type): \(total) records"))
            el("div", [("class", "table-wrap")]) {
                el("table", [("id", "records")]) {
                    el("thead") { el("tr") { for h in [c.t("Hồ sơ", "Record"), c.t("Kết quả", "Result"), c.t("Người ký", "Signers")] { el("th", text: h) } } }
                    el("tbody") {
                        for r in rows {
                            el("tr", [("data-indication", r.indication)]) {
                                el("td", text: r.record)
                                el("td") {
                                    el("span", [("class", "badge \(r.indication)")], text: r.indication)
                                    if r.indication == "UNSIGNED" && r.earlierRevisionsSigned > 0 {
                                        " " + c.t("(bản trước đã ký: cần ký lại)", "(an earlier revision was signed: sign again)")
                                    }
                                }
                                el("td", text: r.signers.joined(separator: "; "))
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
