import Foundation
import HTTPTypes
import HosoKit
import Hummingbird

/// The sync protocol (issue 6) under /sync/: the same `SyncHandler` that `hoso sync serve` runs, so `hoso sync URL`
/// works against either. Nodes prove who they are by signing each request with their node key (pinned by `hoso
/// peer add`), not by sessions: these routes need no account and no CSRF token, and answer only known peers.
enum SyncRoutes {
    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let handler = SyncHandler(service: ArchiveSyncService(archive: state.archive.archive, timestamp: state.config.timestamp))
        let serve: @Sendable (Request, HosoContext) async throws -> Response = { request, _ in
            var headers = [String: String]()
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let head = SyncRequest(method: request.method.rawValue, path: request.uri.path, headers: headers, body: [])
            // Who is asking is known before the body is read: a stranger's or a forged request is answered and the
            // connection closed without reading it.
            if let refusal = try await state.blocking({ handler.preflight(head) }) {
                return response(refusal, close: true)
            }
            let body = try await request.body.collect(upTo: state.config.bodyLimits.sync)
            let sync = SyncRequest(method: head.method, path: head.path, headers: head.headers, body: Array(body.readableBytesView))
            // The handler reads and writes the archive synchronously; a batch is checked and committed whole.
            let answer = try await state.blocking { handler.handle(sync) }
            return response(answer, close: false)
        }
        router.post("/sync/**", use: serve)
        router.get("/sync/**", use: serve)  // answered 405 by the handler: the protocol is POST only

        // What people see of sync: this node, each peer's last sync and what waits to go out, and the conflicts.
        let readers = router.group().add(middleware: RequireRole(RecordRoutes.roles))
        readers.get("/sync-status") { _, context -> Response in
            let st = try await status(state)
            let names = await RecordRoutes.names(st.conflicts.map(\.recordId), state: state)
            return htmlResponse(page(context, st, names: names, offset: await Wording.officeOffset(state)))
        }

        readers.get("/api/sync-status") { _, context -> Response in
            jsonResponse(try await status(state))
        }
    }

    static func response(_ answer: SyncResponse, close: Bool) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let n = HTTPField.Name(name) { fields[n] = value }
        }
        if close { fields[.connection] = "close" }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    struct StatusOut: Encodable, Sendable {
        var node: NodeInfo?
        var peers: [PeerSyncStatus]
        var conflicts: [Archive.Conflict]
        /// Rollbacks and forks of a log found at sync (here, or reported by a peer about this node).
        var incidents: [WitnessIncident]
    }

    static func status(_ state: ServerState) async throws -> StatusOut {
        try await state.archive.with { a in
            let s = try a.syncStatus()
            return StatusOut(node: s.node, peers: s.peers, conflicts: try a.conflicts(), incidents: try a.witnessIncidents())
        }
    }

    static func bytes(_ n: UInt64) -> String {
        n < 1 << 20 ? String(format: "%.1f KiB", Double(n) / 1024) : String(format: "%.1f MiB", Double(n) / 1_048_576)
    }

    /// An incident in plain words for the people at the screen (no codes): whose log, what it means, what to do.
    static func incidentText(_ c: HosoContext, _ i: WitnessIncident, offset: Int = 7 * 3600) -> String {
        let ours = i.detectedBy != "here"
        let what =
            i.kind == .rollback
            ? c.t("đã bị quay về bản cũ hoặc bị cắt bớt", "was put back to an older copy or cut short")
            : c.t("đã tách thành hai nhánh khác nhau", "has split into two different histories")
        let who = ours ? c.t("Nhật ký của kho này", "This archive's log") : c.t("Nhật ký của \(i.name)", "The log of \(i.name)")
        let by = ours ? c.t(" (\(i.detectedBy) phát hiện)", " (found by \(i.detectedBy))") : ""
        return who + " " + what + by + ", "
            + c.t(
                "phát hiện lúc \(Wording.time(i.detected, offset: offset)). Có thể máy đã được khôi phục từ bản sao cũ, bị xóa bớt dữ liệu, hoặc hai máy đang dùng chung một danh tính. Nhật ký này không được xác nhận. Dữ liệu vẫn được đồng bộ, không mất gì; hai bản ghi mâu thuẫn đã được lưu làm bằng chứng. Hãy báo ngay cho người quản trị.",
                "found at \(Wording.time(i.detected, offset: offset)). The machine may have been restored from an old copy, had data removed, or two machines may share one identity. This log was not confirmed. The data still synced and nothing was lost; the two conflicting records are kept as evidence. Tell the administrator now."
            )
    }

    /// A node's role in words.
    static func role(_ r: NodeRole) -> LocalizedText {
        r == .school ? .both("máy của trường", "a school's machine") : .both("máy của phòng/sở", "the office's machine")
    }

    static func page(_ c: HosoContext, _ st: StatusOut, names: [String: LocalizedText] = [:], offset: Int = 7 * 3600) -> HTML {
        Pages.layout(c, title: c.t("Đồng bộ", "Sync")) {
            if !st.incidents.isEmpty {
                el("section", [("class", "card error"), ("id", "log-incidents"), ("role", "alert")]) {
                    el("h2", text: c.t("Cảnh báo: nhật ký không khớp", "Warning: a log does not match"))
                    el("ul") {
                        for i in st.incidents { el("li", [("data-kind", i.kind.rawValue)], text: incidentText(c, i, offset: offset)) }
                    }
                }
            }
            if let n = st.node {
                el("dl", [("class", "card"), ("id", "node")]) {
                    el("dt", text: c.t("Nút này", "This node"))
                    el("dd", [("data-node", n.node), ("id", "node-name")], text: "\(n.name) (\(c.t(role(n.role))))")
                    el("dt", text: c.t("Chứng thư của máy hết hạn", "The machine's certificate expires"))
                    el("dd", text: Wording.date(n.notAfter, offset: offset))
                }
            } else {
                el(
                    "p", [("class", "note"), ("id", "no-node")],
                    text: c.t(
                        "Máy này chưa được thiết lập để đồng bộ với máy khác; người quản trị hệ thống làm việc này.",
                        "This machine is not set up to sync with others yet; the system administrator does this."))
            }
            el("h2", text: c.t("Các nút ngang hàng", "Peers"))
            if st.peers.isEmpty {
                el(
                    "p", [("class", "note"), ("id", "no-peers")],
                    text: c.t("Chưa có máy nào; người quản trị hệ thống thêm.", "None yet; the system administrator adds them."))
            } else {
                el("div", [("class", "table-wrap")]) {
                    el("table", [("id", "peers")]) {
                        el("thead") {
                            el("tr") {
                                for h in [
                                    c.t("Tên", "Name"), c.t("Loại máy", "Kind"), c.t("Phạm vi", "Scope"),
                                    c.t("Đồng bộ lần cuối", "Last sync"), c.t("Gói đã gửi / đã nhận", "Bundles sent / imported"),
                                    c.t("Chờ gửi", "Waiting to go out"), c.t("Đã gửi, chưa xác nhận", "Sent, not acknowledged"),
                                ] {
                                    el("th", [("scope", "col")], text: h)
                                }
                            }
                        }
                        el("tbody") {
                            for p in st.peers {
                                el("tr", [("data-peer", p.peer.name), ("data-node", p.peer.node)]) {
                                    el("td", text: p.peer.name)
                                    el("td", text: c.t(role(p.peer.role)))
                                    el(
                                        "td", [("data-scope", p.peer.scope.joined(separator: " "))],
                                        text: p.peer.scope.contains("*")
                                            ? c.t("mọi hồ sơ", "every record")
                                            : c.t("\(p.peer.scope.count) nhóm hồ sơ", "\(p.peer.scope.count) groups of records"))
                                    el(
                                        "td", [("class", "last-sync")],
                                        text: p.lastSync.map { Wording.time($0, offset: offset) } ?? c.t("chưa bao giờ", "never"))
                                    el("td", text: "\(p.lastBundleSent) / \(p.lastBundleImported)")
                                    el(
                                        "td", [("class", "waiting")],
                                        text: c.t(
                                            "\(p.waitingObjects) đối tượng, \(bytes(p.waitingBytes))",
                                            "\(p.waitingObjects) objects, \(bytes(p.waitingBytes))"))
                                    el("td", text: String(p.unacknowledged))
                                }
                            }
                        }
                    }
                }
            }
            el("h2", text: c.t("Xung đột chưa hợp nhất", "Unresolved conflicts"))
            if st.conflicts.isEmpty {
                el("p", [("class", "note"), ("id", "no-conflicts")], text: c.t("Không có.", "None."))
            } else {
                el("ul", [("id", "conflicts")]) {
                    for x in st.conflicts {
                        el("li", [("data-record", x.recordId)]) {
                            el(
                                "a", [("href", "/record?id=" + GradeBookRoutes.queryEscape(x.recordId))],
                                text: c.t(names[x.recordId] ?? .both("Hồ sơ", "Record")))
                            " " + c.t("— \(x.heads.count) bản song song", "— \(x.heads.count) parallel versions")
                        }
                    }
                }
            }
        }
    }
}
