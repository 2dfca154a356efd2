import Foundation
import HosoCore
import HosoGrades
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoTransport

extension HosoError.Code {
    /// The server's bytes for a revision do not hash to its id, or are not that record's revision: nothing is signed.
    public static let agentBytesMismatch = Self("AGENT_BYTES_MISMATCH", .badInput)
    /// What the page sent the agent is not a batch it can sign (shape, sizes, addresses off the page's own server).
    public static let agentBadBatch = Self("AGENT_BAD_BATCH", .badInput)
    /// The server could not be reached, or refused what the agent sent.
    public static let agentServerFailed = Self("AGENT_SERVER_FAILED", .io)
}

/// What the web page sends the agent (`POST /batches`): the server's batch (`POST /api/agent/batches`) with the
/// page's origin and where to go back to. Addresses may be relative to `server`.
public struct BatchRequest: Decodable, Sendable {
    public struct Item: Decodable, Sendable {
        public var record: String
        public var revision: String
        public var bytes: String
        public var summary: String?
    }
    public var server: String
    public var batch: String
    public var role: String
    public var signatures: String
    public var items: [Item]
    public var `return`: String?
}

/// One item as the agent will sign it: the bytes it fetched itself, checked against the revision id, and the summary
/// the teacher sees, read from those bytes (the page's own summary is never shown as the truth).
public struct FetchedItem: Sendable {
    public var record: String
    public var revision: String
    public var bytes: [UInt8]
    public var summary: ItemSummary
}

/// A grade book in the words a teacher uses.
public struct ItemSummary: Sendable, Equatable {
    public var school: String
    public var className: String
    public var subject: String
    public var term: String
    public var schoolYear: String
    public var teacher: String
    public var students: Int
}

/// A batch waiting for the teacher's confirmation, then its outcome.
public struct PendingBatch: Sendable {
    public var id: String
    /// Hidden in the confirmation form: a form posted from anywhere else lacks it.
    public var nonce: String
    public var origin: String
    public var token: String
    public var role: SignerRole
    public var signaturesURL: URL
    public var returnURL: String?
    public var items: [FetchedItem]
    public var created: Date
    /// Wrong PINs typed for this batch: a token locks itself after a few, so the agent stops asking first.
    public var pinFailures = 0
    public var outcome: BatchOutcome?
}

/// What happened when the teacher confirmed: how many token logins (one per batch), what the server accepted.
public struct BatchOutcome: Sendable, Encodable {
    public var logins: Int
    public var signed: Int
    public var accepted: Int
    public var refused: [String]
}

enum BatchFetch {
    static let maxItems = 200
    static let maxRevisionBytes = 8 << 20

    /// Checks the page's batch against its origin and fetches every revision from that server.
    static func prepare(_ req: BatchRequest, origin: String, timeout: TimeInterval) throws -> (URL, SignerRole, String?, [FetchedItem]) {
        func bad(_ vi: String, _ en: String, _ at: String? = nil) -> HosoError { HosoError(.agentBadBatch, .both(vi, en), location: at) }
        guard Origins.normalize(req.server) == origin, let base = URL(string: origin) else {
            throw bad("Lượt ký không phải của máy chủ đã gửi nó", "The batch is not from the server that sent it", req.server)
        }
        guard (1...maxItems).contains(req.items.count) else {
            throw bad("Cần từ 1 đến \(maxItems) mục", "1 to \(maxItems) items are needed")
        }
        guard req.batch.count == 64, req.batch.allSatisfy(\.isHexDigit) else { throw bad("Mã lượt ký sai dạng", "Bad batch token") }
        guard let role = SignerRole(rawValue: req.role) else { throw bad("Vai trò ký không rõ", "Unknown signing role", req.role) }
        func sameOrigin(_ s: String) throws -> URL {
            guard let u = URL(string: s, relativeTo: base)?.absoluteURL, Origins.normalize(u.absoluteString) == origin else {
                throw bad("Địa chỉ ngoài máy chủ của trang", "An address outside the page's server", s)
            }
            return u
        }
        let sigURL = try sameOrigin(req.signatures)
        let back = req.return.flatMap { try? sameOrigin($0).absoluteString }
        var out = [FetchedItem]()
        for item in req.items {
            guard item.revision.count == 64, item.revision.allSatisfy(\.isHexDigit) else {
                throw bad("Mã bản sai dạng", "Bad revision id", item.revision)
            }
            let reply: HTTPPost.Reply
            do {
                reply = try HTTPPost.send(
                    try sameOrigin(item.bytes), method: "GET", body: [], headers: [("Authorization", "Bearer " + req.batch)],
                    timeout: timeout)
            } catch let e as HosoError { throw e } catch {
                throw HosoError(
                    .agentServerFailed, .both("Không lấy được hồ sơ từ máy chủ", "Could not fetch the record from the server"),
                    location: item.record, cause: "\(error)")
            }
            guard reply.status == 200, reply.body.count <= maxRevisionBytes else {
                throw HosoError(
                    .agentServerFailed, .both("Máy chủ không trả hồ sơ cần ký", "The server did not return the record to sign"),
                    location: item.record, cause: "HTTP \(reply.status)")
            }
            out.append(try check(reply.body, record: item.record, revision: item.revision))
        }
        return (sigURL, role, back, out)
    }

    /// The bytes must hash to the revision id and be that record's revision; the summary comes from them.
    static func check(_ bytes: [UInt8], record: String, revision: String) throws -> FetchedItem {
        guard Hex.encode(SHA256.hash(bytes)) == revision.lowercased() else {
            throw HosoError(
                .agentBytesMismatch,
                .both(
                    "Dữ liệu máy chủ gửi không khớp với bản cần ký: không ký gì",
                    "The server's bytes do not match the revision to sign: nothing is signed"), location: record)
        }
        let rev = try Revision.decode(bytes, source: record)
        guard rev.recordId == record, rev.recordType == GradeBookInfo.recordType else {
            throw HosoError(
                .agentBytesMismatch, .both("Bản này không phải sổ điểm đã nêu", "This revision is not the grade book named"),
                location: record, cause: "\(rev.recordType) \(rev.recordId)")
        }
        let book = try GradeBook(body: rev.body, source: record)
        let i = book.info
        return FetchedItem(
            record: record, revision: revision.lowercased(), bytes: bytes,
            summary: ItemSummary(
                school: i.school, className: i.className, subject: i.subject, term: i.term.label, schoolYear: i.schoolYear,
                teacher: i.teacher, students: book.students.count))
    }

    /// Signs every item with one token login and posts the signatures back with the batch's token.
    static func sign(_ b: PendingBatch, identity: SigningIdentity, logins: Int, at time: Date, timeout: TimeInterval) throws -> BatchOutcome
    {
        var sigs = [[String: String]]()
        for item in b.items {
            let der = try CMSSigner.sign(content: item.bytes, identity: identity, role: b.role, at: time)
            sigs.append(["revision": item.revision, "cms": Data(der).base64EncodedString()])
        }
        let body = try JSONSerialization.data(withJSONObject: ["signatures": sigs])
        let reply: HTTPPost.Reply
        do {
            reply = try HTTPPost.send(
                b.signaturesURL, body: [UInt8](body),
                headers: [("Authorization", "Bearer " + b.token), ("Content-Type", "application/json")], timeout: timeout)
        } catch {
            throw HosoError(
                .agentServerFailed, .both("Không gửi được chữ ký về máy chủ", "Could not send the signatures to the server"),
                cause: "\(error)")
        }
        let results = (try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [[String: Any]]) ?? []
        let accepted = results.filter { $0["signature"] is String }.count
        let refused = results.compactMap { r -> String? in
            guard r["signature"] == nil else { return nil }
            return "\(r["record"] as? String ?? r["revision"] as? String ?? "?"): \(r["message"] as? String ?? "?")"
        }
        if results.isEmpty {
            throw HosoError(
                .agentServerFailed, .both("Máy chủ không nhận chữ ký", "The server did not accept the signatures"),
                cause: "HTTP \(reply.status)")
        }
        return BatchOutcome(logins: logins, signed: sigs.count, accepted: accepted, refused: refused)
    }
}

/// Origins as browsers send them: scheme://host[:port], lowercase, without the default port.
public enum Origins {
    public static func normalize(_ text: String) -> String? {
        guard let u = URLComponents(string: text), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = u.host?.lowercased(), !host.isEmpty
        else { return nil }
        let h = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let port = u.port.flatMap { (scheme == "http" && $0 == 80) || (scheme == "https" && $0 == 443) ? nil : $0 }
        return "\(scheme)://\(h)" + (port.map { ":\($0)" } ?? "")
    }
}
