import Foundation
import HosoKit
import HTTPTypes
import HosoSync
import Hummingbird

/// The sync protocol (issue 6) under /sync/: the same `SyncHandler` that `hoso sync serve` runs, so `hoso sync URL`
/// works against either. Nodes prove who they are by signing each request with their node key (pinned by `hoso
/// peer add`), not by sessions: these routes need no account and no CSRF token, and answer only known peers.
enum SyncRoutes {
    /// The largest batch a node may push in one request (as `hoso sync serve`).
    static let maxBody = 80 << 20

    static func add(to router: Router<HosoContext>, state: ServerState) {
        let handler = SyncHandler(service: ArchiveSyncService(archive: state.archive.archive, timestamp: state.config.timestamp))
        let serve: @Sendable (Request, HosoContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: maxBody)
            var headers = [String: String]()
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            // The handler reads and writes the archive synchronously; a batch is checked and committed whole.
            let answer = handler.handle(SyncRequest(method: request.method.rawValue, path: request.uri.path,
                                                    headers: headers, body: Array(body.readableBytesView)))
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let n = HTTPField.Name(name) { fields[n] = value }
            }
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        router.post("/sync/**", use: serve)
        router.get("/sync/**", use: serve)  // answered 405 by the handler: the protocol is POST only
    }
}
