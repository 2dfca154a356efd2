import Foundation
import HosoCore

extension HosoError.Code {
    public static let revisionInvalid = Self("REVISION_INVALID", .badInput)
}

/// One revision of a record: the envelope every record revision has, and the record's body.
/// Stored as an object of kind `record` whose bytes are exactly `canonicalBytes()`, so the object id
/// is the hash of the canonical form and a signature over those bytes stays valid forever.
public struct Revision: Sendable, Equatable {
    public static let typeName = "hoso/revision"

    /// What the record is, e.g. `ledger-entry`, `grade-book`, `transcript` (a lowercase token).
    public var recordType: String
    /// The record's stable identity across its revisions, chosen when it is created.
    public var recordId: String
    /// The revisions this one follows: none for the first, one for a correction, several to resolve a conflict.
    public var parents: [String]
    public var author: String
    /// ISO 8601 UTC, from the injected clock.
    public var time: String
    /// Why this revision exists; required for every revision after the first.
    public var reason: String?
    public var body: JSONValue

    public init(
        recordType: String, recordId: String, parents: [String], author: String, time: String,
        reason: String?, body: JSONValue
    ) {
        self.recordType = recordType
        self.recordId = recordId
        self.parents = parents.sorted()
        self.author = author
        self.time = time
        self.reason = reason
        self.body = body
    }

    public var json: JSONValue {
        var members = [
            JSONMember("type", .string(Self.typeName)),
            JSONMember("version", .number(1)),
            JSONMember("recordType", .string(recordType)),
            JSONMember("recordId", .string(recordId)),
            JSONMember("parents", .array(parents.sorted().map { .string($0) })),
            JSONMember("author", .string(author)),
            JSONMember("time", .string(time)),
            JSONMember("body", body),
        ]
        if let reason { members.append(JSONMember("reason", .string(reason))) }
        return .object(members)
    }

    /// The bytes that are stored, hashed and signed.
    public func canonicalBytes() throws -> [UInt8] {
        try validate()
        return try CanonicalJSON.serialize(json)
    }

    /// Checks the envelope; every problem is reported with its JSON pointer.
    public func validate(source: String = "<revision>") throws {
        var problems = [HosoError]()
        func bad(_ pointer: String, _ vi: String, _ en: String) {
            problems.append(HosoError(.revisionInvalid, .both(vi, en), location: "\(source)#\(pointer)"))
        }
        let typeOK = recordType.utf8.count <= 32 && recordType.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil
        if !typeOK {
            bad("/recordType", "Loại hồ sơ phải là chữ thường, số, '-'", "The record type must be lowercase letters, digits, '-'")
        }
        if recordId.isEmpty || recordId.utf8.count > 256
            || recordId.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            bad(
                "/recordId", "Mã hồ sơ phải có từ 1 đến 256 byte, không có ký tự điều khiển",
                "The record id must be 1 to 256 bytes without control characters")
        }
        for (i, p) in parents.enumerated() where p.range(of: "^[0-9a-f]{64}$", options: .regularExpression) == nil {
            bad(
                "/parents/\(i)", "Bản trước phải là mã SHA-256 (64 chữ số hex thường)",
                "A parent must be a SHA-256 id (64 lowercase hex digits)")
        }
        if Set(parents).count != parents.count { bad("/parents", "Bản trước bị lặp", "A parent is listed twice") }
        if author.trimmingCharacters(in: .whitespaces).isEmpty { bad("/author", "Thiếu người tạo", "The author is missing") }
        if HosoClock.parse(time) == nil { bad("/time", "Thời điểm không theo ISO 8601", "The time is not ISO 8601") }
        if !parents.isEmpty && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            bad("/reason", "Mỗi lần sửa phải ghi lý do", "Every correction needs a reason")
        }
        if case .object = body {
        } else {
            bad("/body", "Nội dung hồ sơ phải là một đối tượng JSON", "The record body must be a JSON object")
        }
        if !problems.isEmpty { throw HosoProblems(problems) }
    }

    /// Reads a stored revision and insists its bytes are already canonical: a revision stored in any
    /// other form would have an id that is not the hash of its canonical form.
    public static func decode(_ bytes: [UInt8], source: String) throws -> Revision {
        let v = try CanonicalJSON.parse(bytes, source: source)
        func string(_ key: String) -> String? {
            if case .string(let s)? = v[key] { return s }
            return nil
        }
        guard string("type") == typeName, v["version"] == .number(1) else {
            throw HosoError(
                .revisionInvalid, .both("Không phải bản ghi hồ sơ của hoso (type/version)", "Not a hoso revision (type/version)"),
                location: source)
        }
        var parents = [String]()
        if case .array(let items)? = v["parents"] {
            for item in items { if case .string(let s) = item { parents.append(s) } }
        }
        let rev = Revision(
            recordType: string("recordType") ?? "", recordId: string("recordId") ?? "", parents: parents,
            author: string("author") ?? "", time: string("time") ?? "", reason: string("reason"),
            body: v["body"] ?? .null)
        try rev.validate(source: source)
        guard try rev.canonicalBytes() == bytes else {
            throw HosoError(
                .revisionInvalid,
                .both("Bản ghi không ở dạng chuẩn tắc (RFC 8785, NFC)", "The revision is not in canonical form (RFC 8785, NFC)"),
                location: source)
        }
        return rev
    }
}
