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
            htmlResponse(page(context, try await status(state)))
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
    static func incidentText(_ c: HosoContext, _ i: WitnessIncident) -> String {
        let ours = i.detectedBy != "here"
        let what =
            i.kind == .rollback
            ? c.t("đã bị quay về bản cũ hoặc bị cắt bớt", "was put back to an older copy or cut short")
            : c.t("đã tách thành hai nhánh khác nhau", "has split into two different histories")
        let who = ours ? c.t("Nhật ký của kho này", "This archive's log") : c.t("Nhật ký của \(i.name)", "The log of \(i.name)")
        let by = ours ? c.t(" (\(i.detectedBy) phát hiện)", " (found by \(i.detectedBy))") : ""
        return who + " " + what + by + ", "
            + c.t(
                "phát hiện lúc \(i.detected). Có thể máy đã được khôi phục từ bản sao cũ, bị xóa bớt dữ liệu, hoặc hai máy đang dùng chung một danh tính. Nhật ký này không được xác nhận. Dữ liệu vẫn được đồng bộ, không mất gì; hai bản ghi mâu thuẫn đã được lưu làm bằng chứng. Hãy báo ngay cho người quản trị.",
                "found at \(i.detected). The machine may have been restored from an old copy, had data removed, or two machines may share one identity. This log was not confirmed. The data still synced and nothing was lost; the two conflicting records are kept as evidence. Tell the administrator now."
            )
    }

    static func page(_ c: HosoContext, _ st: StatusOut) -> HTML {
        Pages.layout(c, title: c.t("Đồng bộ", "Sync")) {
            if !st.incidents.isEmpty {
                el("section", [("class", "card error"), ("id", "log-incidents"), ("role", "alert")]) {
                    el("h2", text: c.t("Cảnh báo: nhật ký không khớp", "Warning: a log does not match"))
                    el("ul") {
                        for i in st.incidents { el("li", [("data-kind", i.kind.rawValue)], text: incidentText(c, i)) }
                    }
                }
            }
            if let n = st.node {
                el("dl", [("class", "card"), ("id", "node")]) {
                    el("dt", text: c.t("Nút này", "This node"))
                    el("dd", text: "\(n.name) (\(n.role.rawValue))")
                    el("dt", text: c.t("Mã nút", "Node id"))
                    el("dd") { el("code", [("id", "node-id")], text: n.node) }
                    el("dt", text: c.t("Chứng thư nút hết hạn", "Node certificate expires"))
                    el("dd", text: n.notAfter)
                }
            } else {
                el(
                    "p", [("class", "note"), ("id", "no-node")],
                    text: c.t("Kho này chưa là nút đồng bộ (`hoso node init`).", "This archive is not a sync node yet (`hoso node init`)."))
            }
            el("h2", text: c.t("Các nút ngang hàng", "Peers"))
            if st.peers.isEmpty {
                el("p", [("class", "note"), ("id", "no-peers")], text: c.t("Chưa có (`hoso peer add`).", "None yet (`hoso peer add`)."))
            } else {
                el("div", [("class", "table-wrap")]) {
                    el("table", [("id", "peers")]) {
                        el("thead") {
                            el("tr") {
                                for h in [
                                    c.t("Tên", "Name"), c.t("Mã nút", "Node id"), c.t("Vai trò", "Role"), c.t("Phạm vi", "Scope"),
                                    c.t("Đồng bộ lần cuối", "Last sync"), c.t("Gói đã gửi / đã nhận", "Bundles sent / imported"),
                                    c.t("Chờ gửi", "Waiting to go out"), c.t("Đã gửi, chưa xác nhận", "Sent, not acknowledged"),
                                ] {
                                    el("th", text: h)
                                }
                            }
                        }
                        el("tbody") {
                            for p in st.peers {
                                el("tr", [("data-peer", p.peer.name)]) {
                                    el("td", text: p.peer.name)
                                    el("td") { el("code", text: String(p.peer.node.prefix(16))) }
                                    el("td", text: p.peer.role.rawValue)
                                    el("td", text: p.peer.scope.joined(separator: ", "))
                                    el("td", [("class", "last-sync")], text: p.lastSync ?? c.t("chưa bao giờ", "never"))
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
                        el("li") {
                            el("a", [("href", "/record?id=" + GradeBookRoutes.queryEscape(x.recordId))], text: x.recordId)
                            ": " + x.heads.map { String($0.prefix(12)) }.joined(separator: ", ")
                        }
                    }
                }
            }
        }
    }
}
