import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// Ledgers handed over to this office (Thông tư 13/2025): the registrar sees the transfers waiting for acceptance
/// and those accepted, opens one to see the arrival checks of `hoso custody accept` ledger by ledger in words, and
/// countersigns it with the office seal the server holds. A transfer that does not check is shown with what differs
/// and offers nothing to press; nothing is signed.
enum CustodyRoutes {
    static let roles: Set<Role> = [.registrar]

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let registrars = router.group().add(middleware: RequireRole(roles))
        let forms = registrars.group().add(middleware: RequireCSRF.form(limit: 64 * 1024))

        registrars.get("/custody") { _, context -> Response in
            _ = try context.signedIn()
            let transfers = try await state.archive.with { try $0.custodyTransfers().filter { $0.direction == "in" } }
            return htmlResponse(listPage(context, transfers))
        }

        registrars.get("/custody/transfer") { request, context -> Response in
            let s = try context.signedIn()
            let id = try transferId(request.uri.queryParameters.get("id"))
            let arrival = try await state.archive.with { try $0.custodyArrival(id) }
            let done = request.uri.queryParameters.get("done") == "accepted"
            return htmlResponse(detailPage(context, s, arrival, sealReady: state.config.officeIdentity != nil, done: done))
        }

        forms.post("/custody/accept") { _, context -> Response in
            let s = try context.signedIn()
            let id = try transferId(try context.submittedForm()["transfer"])
            guard let seal = state.config.officeIdentity else {
                throw HosoError(
                    .notOfficeSigner,
                    .both(
                        "Máy chủ chưa được cài con dấu số của cơ quan; hãy báo người quản trị hệ thống",
                        "The server has no office seal; tell the system administrator"))
            }
            do {
                let accepted = try await state.archive.with {
                    try $0.acceptCustody(transfer: id, seal: seal, timestamp: state.config.timestamp)
                }
                try await state.audit(
                    actor: s.user.name, action: "custody-accept", target: "custody-transfer:\(id)",
                    detail: "\(accepted.transfer.ledgers.count) ledgers from \(accepted.transfer.from.office)")
                return redirect("/custody/transfer?id=\(GradeBookRoutes.queryEscape(id))&done=accepted")
            } catch let e as HosoProblems {
                // The checks failed between the page and the press: show them again, nothing was signed.
                try await state.audit(
                    actor: s.user.name, action: "custody-refused", target: "custody-transfer:\(id)",
                    detail: e.problems.map(\.code.rawValue).joined(separator: ","))
                let arrival = try await state.archive.with { try $0.custodyArrival(id) }
                return htmlResponse(detailPage(context, s, arrival, sealReady: true, done: false), status: .conflict)
            }
        }
    }

    /// Transfer ids are record ids ("custody-transfer/CODE/DATE-N"): anything else is not found.
    static func transferId(_ raw: String?) throws -> String {
        guard let id = raw, id.count <= 200, id.hasPrefix(Archive.custodyTransferType + "/"),
            id.range(of: #"^[A-Za-z0-9._/-]+$"#, options: .regularExpression) != nil, !id.contains("..")
        else {
            throw HosoError(.recordNotFound, .both("Không có biên bản chuyển giao này", "No such custody transfer"))
        }
        return id
    }

    /// "2026-12-07" as "07/12/2026".
    static func day(_ iso: String) -> String {
        let p = iso.split(separator: "-")
        return p.count == 3 ? "\(p[2])/\(p[1])/\(p[0])" : iso
    }

    static func totals(_ t: Archive.CustodyTransfer) -> (ledgers: Int, pages: Int, entries: Int) {
        (t.ledgers.count, t.ledgers.reduce(0) { $0 + $1.pages }, t.ledgers.reduce(0) { $0 + $1.entries })
    }

    static func state(_ s: Archive.CustodyStatus) -> LocalizedText {
        s.accepted ? .both("Đã tiếp nhận và ký xác nhận", "Accepted and countersigned") : .both("Chờ tiếp nhận", "Waiting for acceptance")
    }

    static func listPage(_ c: HosoContext, _ transfers: [Archive.CustodyStatus]) -> HTML {
        Pages.layout(c, title: c.t("Sổ gốc chuyển đến", "Ledgers handed over to this office")) {
            el(
                "p", [("class", "note")],
                text: c.t(
                    "Các Phòng GD&ĐT chuyển sổ gốc lên kèm biên bản có chữ ký số. Mở từng biên bản để kiểm tra rồi tiếp nhận.",
                    "District offices hand their ledgers over with a digitally signed inventory. Open each to check it, then accept it."))
            for (heading, accepted, anchor) in [
                (c.t("Chờ tiếp nhận", "Waiting for acceptance"), false, "waiting"), (c.t("Đã tiếp nhận", "Accepted"), true, "accepted"),
            ] {
                let rows = transfers.filter { $0.accepted == accepted }
                el("section", [("class", "card"), ("id", anchor)]) {
                    el("h2", text: heading)
                    if rows.isEmpty {
                        el("p", [("class", "note")], text: c.t("Không có biên bản nào.", "None."))
                    } else {
                        el("table") {
                            el("thead") {
                                el("tr") {
                                    for h in [
                                        c.t("Cơ quan chuyển", "From"), c.t("Ngày", "Date"), c.t("Số sổ", "Ledgers"),
                                        c.t("Số trang", "Pages"),
                                        c.t("Số dòng", "Entries"), c.t("Tình trạng", "State"),
                                    ] {
                                        el("th", [("scope", "col")], text: h)
                                    }
                                }
                            }
                            el("tbody") {
                                for s in rows {
                                    let n = totals(s.transfer)
                                    el("tr", [("class", "transfer")]) {
                                        el("td") {
                                            el(
                                                "a", [("href", "/custody/transfer?id=\(GradeBookRoutes.queryEscape(s.id))")],
                                                text: s.transfer.from.office)
                                        }
                                        el("td", text: day(s.transfer.date))
                                        el("td", text: String(n.ledgers))
                                        el("td", text: String(n.pages))
                                        el("td", text: String(n.entries))
                                        el("td", text: c.t(state(s)))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A ledger's problem in words: its own sentence without the ledger's id in front; the code's sentence when the
    /// rest still names an object.
    static func words(_ e: HosoError, record: String) -> LocalizedText {
        let vi = e.message.vi.replacingOccurrences(of: "Sổ \(record): ", with: "")
        let en = e.message.en.replacingOccurrences(of: "Ledger \(record): ", with: "")
        let names = { (s: String) in s.contains(record) || s.range(of: "[0-9a-f]{8,}", options: .regularExpression) != nil }
        return names(vi) || names(en) ? Wording.sentence(code: e.code.rawValue) : .both(vi, en)
    }

    static func detailPage(_ c: HosoContext, _ s: Session, _ a: Archive.CustodyArrival, sealReady: Bool, done: Bool) -> HTML {
        let t = a.status.transfer
        let n = totals(t)
        return Pages.layout(c, title: c.t("Biên bản chuyển giao sổ gốc", "Ledger custody transfer")) {
            if done {
                el(
                    "p", [("class", "note"), ("id", "done"), ("role", "status")],
                    text: c.t(
                        "Đã tiếp nhận: biên bản đã được ký xác nhận bằng con dấu của cơ quan. Từ nay cơ quan cấp bản sao từ các sổ này.",
                        "Accepted: the inventory was countersigned with the office seal. This office now issues copies from these ledgers.")
                )
            }
            el("section", [("class", "card"), ("id", "transfer")]) {
                el("dl") {
                    el("dt", text: c.t("Cơ quan chuyển", "From"))
                    el("dd", text: t.from.office)
                    el("dt", text: c.t("Cơ quan nhận", "To"))
                    el("dd", text: t.to.office)
                    el("dt", text: c.t("Ngày lập biên bản", "Date"))
                    el("dd", text: day(t.date))
                    el("dt", text: c.t("Căn cứ", "Basis"))
                    el("dd", text: t.basis)
                    el("dt", text: c.t("Gồm", "Contains"))
                    el(
                        "dd",
                        text: c.t(
                            "\(n.ledgers) sổ, \(n.pages) trang, \(n.entries) dòng",
                            "\(n.ledgers) ledgers, \(n.pages) pages, \(n.entries) entries"))
                    el("dt", text: c.t("Con dấu bên chuyển", "Sender's seal"))
                    el(
                        "dd",
                        text: a.status.sealedBy.isEmpty
                            ? c.t("Chưa có chữ ký hợp lệ của cơ quan chuyển", "No valid signature of the sending office")
                            : a.status.sealedBy.joined(separator: ", "))
                    el("dt", text: c.t("Tình trạng", "State"))
                    el("dd", [("id", "state")], text: c.t(state(a.status)))
                    if a.status.accepted {
                        el("dt", text: c.t("Ký xác nhận", "Countersigned by"))
                        el("dd", text: a.status.countersignedBy.joined(separator: ", "))
                    }
                }
            }
            if !a.general.isEmpty {
                el("ul", [("class", "errors"), ("id", "problems"), ("role", "alert")]) {
                    for p in a.general { el("li", [("data-code", p.code.rawValue)], text: c.t(Wording.sentence(code: p.code.rawValue))) }
                }
            }
            el("section", [("class", "card"), ("id", "ledgers")]) {
                el(
                    "h2",
                    text: a.status.accepted ? c.t("Các sổ đã nhận", "Ledgers received") : c.t("Kiểm tra từng sổ", "Each ledger checked"))
                el("table") {
                    el("thead") {
                        el("tr") {
                            for h in [
                                c.t("Trường", "School"), c.t("Năm", "Year"), c.t("Cơ quan cấp", "Issuer"), c.t("Số trang", "Pages"),
                                c.t("Số dòng", "Entries"), c.t("Kết quả kiểm tra", "Check"),
                            ] {
                                el("th", [("scope", "col")], text: h)
                            }
                        }
                    }
                    el("tbody") {
                        for (l, problems) in a.ledgers {
                            el("tr", [("class", problems.isEmpty ? "ledger PASSED" : "ledger FAILED")]) {
                                el("td", text: l.school)
                                el("td", text: String(l.year))
                                el("td", text: l.issuer)
                                el("td", text: String(l.pages))
                                el("td", text: String(l.entries))
                                el("td") {
                                    if problems.isEmpty {
                                        el(
                                            "span",
                                            text: a.status.accepted
                                                ? c.t("Đã nhận", "Received") : c.t("Đúng như biên bản", "As the inventory says"))
                                    } else {
                                        el("ul", [("class", "errors")]) {
                                            for p in problems {
                                                el("li", [("data-code", p.code.rawValue)], text: c.t(words(p, record: l.record)))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if !a.status.accepted {
                if !a.acceptable {
                    el(
                        "p", [("class", "note"), ("id", "refused")],
                        text: c.t(
                            "Biên bản không khớp với những gì đã nhận: không tiếp nhận, không ký gì. Hãy báo cơ quan chuyển gửi lại.",
                            "The inventory does not match what arrived: it is not accepted and nothing is signed. Ask the sending office to send it again."
                        ))
                } else if !sealReady {
                    el(
                        "p", [("class", "note"), ("id", "no-seal")],
                        text: c.t(
                            "Máy chủ chưa có con dấu số của cơ quan: chưa tiếp nhận được. Hãy báo người quản trị hệ thống.",
                            "The server has no office seal: the transfer cannot be accepted yet. Tell the system administrator."))
                } else {
                    el("form", [("method", "post"), ("action", "/custody/accept"), ("class", "card"), ("id", "accept")]) {
                        Pages.csrfField(s)
                        el("input", [("type", "hidden"), ("name", "transfer"), ("value", a.status.id)])
                        el(
                            "p",
                            text: c.t(
                                "Khi bấm, biên bản được ký xác nhận bằng con dấu số của cơ quan; từ đó cơ quan lưu giữ và cấp bản sao từ các sổ trên.",
                                "Pressing countersigns the inventory with the office seal; from then on this office holds and issues copies from these ledgers."
                            ))
                        el(
                            "button", [("type", "submit"), ("id", "accept-submit")],
                            text: c.t("Tiếp nhận và ký xác nhận", "Accept and countersign"))
                    }
                }
            }
            el("p") { el("a", [("href", "/custody")], text: c.t("Về danh sách sổ chuyển đến", "Back to the transfers")) }
        }
    }
}
