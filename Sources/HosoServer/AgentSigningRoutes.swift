import Foundation
import HosoAccounts
import HosoKit
import HosoPrimitives
import Hummingbird
import Synchronization

/// Signing with the teacher's own token through `hoso agent`, the signing agent on the teacher's machine: the private
/// key never reaches the server. The grade-book page asks for a batch (the teacher's session); the page hands the
/// batch to the agent, which fetches each revision's exact bytes here with the batch's token, has the teacher confirm
/// and enter the PIN, signs on the token and posts the signatures back with the same token. Each is checked like any
/// signature made here (`Archive.acceptSignature`). A batch token is short-lived and opens only its own revisions.
enum AgentSigningRoutes {
    /// How long a batch may wait for its signatures.
    static let lifetime: TimeInterval = 15 * 60
    /// A class's books and more; a request for more is refused, not cut short.
    static let maxItems = 200
    /// The signatures of a full batch (each a few KiB, base64).
    static let maxSignaturesBody = 8 << 20

    struct BatchIn: Decodable { var records: [String] }
    struct ItemOut: Encodable {
        var record: String
        var revision: String
        /// Where the agent fetches the revision's canonical bytes (relative to the server's origin).
        var bytes: String
        /// The page's summary; the agent shows its own, read from the bytes it fetched.
        var summary: String
    }
    struct BatchOut: Encodable {
        var batch: String
        var expires: String
        var role: String
        var signatures: String
        var items: [ItemOut]
    }
    struct SignaturesIn: Decodable {
        struct Item: Decodable {
            var revision: String
            var cms: String
        }
        var signatures: [Item]
    }
    struct ResultOut: Encodable {
        var revision: String
        var record: String?
        var signature: String?
        var code: String?
        var message: String?
    }

    static func add(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let batches = AgentBatches()
        addScreens(to: router, state: state)
        let writers = router.group().add(middleware: RequireRole(GradeBookRoutes.writers)).add(middleware: RequireCSRF.header)

        writers.post("/api/agent/batches") { request, context -> Response in
            let s = try context.signedIn()
            let wanted = try await decode(BatchIn.self, request, limit: BodyLimits.forms)
            guard !wanted.records.isEmpty, wanted.records.count <= maxItems else {
                throw HosoError(
                    .badUserInput, .both("Cần từ 1 đến \(maxItems) sổ điểm", "Between 1 and \(maxItems) grade books are needed"),
                    location: "records")
            }
            let items = try await state.archive.with { a in
                try Set(wanted.records).sorted().map { id -> AgentBatches.Item in
                    let book = try a.gradeBook(record: id)
                    try GradeBookRoutes.requireOwnBook(s, book, in: a)
                    let (rev, _) = try a.current(record: id)
                    let i = book.info
                    return .init(
                        record: id, revision: rev,
                        summary: "\(i.subject) — lớp \(i.className) — \(i.term.label) \(i.schoolYear) — \(i.school)")
                }
            }
            let token = AgentBatches.newToken()
            let expires = state.now.addingTimeInterval(lifetime)
            batches.put(token, .init(user: s.user.name, person: s.user.person, expires: expires, items: items))
            try await state.audit(actor: s.user.name, action: "agent-batch", target: "gradebooks", detail: "\(items.count) items")
            return jsonResponse(
                BatchOut(
                    batch: token, expires: HosoClock.format(expires), role: SignerRole.subjectTeacher.rawValue,
                    signatures: "/api/agent/signatures",
                    items: items.map {
                        .init(
                            record: $0.record, revision: $0.revision.hex, bytes: "/api/agent/revisions/\($0.revision.hex)",
                            summary: $0.summary)
                    }), status: .created)
        }

        // The agent's own calls: no session, the batch's token instead (a cross-site page cannot know it).
        router.get("/api/agent/revisions/:rev") { request, context -> Response in
            let batch = try batches.get(bearer(request), at: state.now)
            let hex = context.parameters.get("rev") ?? ""
            guard let item = batch.items.first(where: { $0.revision.hex == hex }) else {
                throw HosoError(.forbidden, .both("Bản này không thuộc lượt ký", "This revision is not in the batch"), location: hex)
            }
            let bytes = try await state.archive.with { try $0.read(item.revision) }
            // Marks are personal data: the agent's read is logged as the teacher's.
            try await state.audit(actor: batch.user, action: "read", target: "gradebook:\(item.record)", detail: "agent")
            return Response(
                status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }

        router.post("/api/agent/signatures") { request, context -> Response in
            let token = try bearer(request)
            let batch = try batches.get(token, at: state.now)
            let sent = try await decode(SignaturesIn.self, request, limit: maxSignaturesBody)
            var results = [ResultOut]()
            var firstFailure: HosoError?
            for sig in sent.signatures.prefix(batch.items.count) {
                do {
                    guard let item = batch.items.first(where: { $0.revision.hex == sig.revision }) else {
                        throw HosoError(
                            .forbidden, .both("Bản này không thuộc lượt ký", "This revision is not in the batch"), location: sig.revision)
                    }
                    guard let der = Data(base64Encoded: sig.cms) else {
                        throw HosoError(
                            .signatureRejected, .both("Chữ ký không phải base64", "The signature is not base64"), location: sig.revision)
                    }
                    let outcome = try await state.archive.with { a in
                        try a.acceptSignature(
                            [UInt8](der), revision: item.revision, role: .subjectTeacher, person: batch.person,
                            timestamp: state.config.timestamp)
                    }
                    try await state.audit(
                        actor: batch.user, action: "sign", target: "gradebook:\(item.record)",
                        detail: "agent \(outcome.signer) revision \(outcome.revision.prefix(12))")
                    results.append(.init(revision: sig.revision, record: item.record, signature: outcome.signature))
                } catch let e as HosoError {
                    firstFailure = firstFailure ?? e
                    results.append(.init(revision: sig.revision, code: e.code.rawValue, message: e.message.text(context.lang)))
                }
            }
            let status: HTTPResponse.Status = firstFailure.map { .init(code: $0.code.category.httpStatus) } ?? .created
            return jsonResponse(results, status: status)
        }
    }

    /// The batch token from `Authorization: Bearer …`.
    static func bearer(_ request: Request) throws -> String {
        let h = request.headers[.authorization] ?? ""
        guard h.hasPrefix("Bearer "), case let t = String(h.dropFirst(7)), t.count == 64 else {
            throw HosoError(.notAuthenticated, .both("Thiếu mã lượt ký", "The batch token is missing"))
        }
        return t
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
        var req = request
        let body: ByteBuffer
        do { body = try await req.collectBody(upTo: limit) } catch {
            throw HosoError(.bodyTooLarge, .both("Dữ liệu gửi lên quá lớn", "The upload is too large"))
        }
        do { return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView)) } catch {
            throw HosoError(.badUserInput, .both("Nội dung JSON không đúng dạng", "The JSON body has the wrong shape"), cause: "\(error)")
        }
    }
}

/// The open batches, in memory: a restart ends them (the page asks again).
final class AgentBatches: Sendable {
    struct Item: Sendable {
        var record: String
        var revision: ObjectID
        var summary: String
    }
    struct Batch: Sendable {
        var user: String
        var person: String?
        var expires: Date
        var items: [Item]
    }
    static let limit = 10_000
    private let map = Mutex<[String: Batch]>([:])

    static func newToken() -> String {
        var g = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    func put(_ token: String, _ b: Batch) {
        let now = b.expires.addingTimeInterval(-AgentSigningRoutes.lifetime)
        map.withLock { m in
            if m.count >= Self.limit { m = m.filter { $0.value.expires > now } }
            // Still full of live batches: the oldest makes room (its teacher asks again).
            if m.count >= Self.limit, let oldest = m.min(by: { $0.value.expires < $1.value.expires }) { m[oldest.key] = nil }
            m[token] = b
        }
    }

    func get(_ token: String, at now: Date) throws -> Batch {
        guard let b = map.withLock({ $0[token] }), b.expires > now else {
            throw HosoError(.notAuthenticated, .both("Lượt ký không có hoặc đã hết hạn", "No such batch, or it has expired"))
        }
        return b
    }
}
