import Foundation
import HosoCore
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore

extension HosoError.Code {
    /// No download code like this one (mistyped, or never given).
    public static let downloadCodeUnknown = Self("DOWNLOAD_CODE_UNKNOWN", .badInput)
    /// The code's time is over.
    public static let downloadCodeExpired = Self("DOWNLOAD_CODE_EXPIRED", .badInput)
    /// The code has given all its downloads.
    public static let downloadCodeUsed = Self("DOWNLOAD_CODE_USED", .badInput)
    /// A code asked for with a time or a number of downloads out of bounds.
    public static let downloadCodeInvalid = Self("DOWNLOAD_CODE_INVALID", .badInput)
    /// The record has no signed document to give.
    public static let noDocumentToGive = Self("NO_DOCUMENT_TO_GIVE", .notFound)
}

/// The extract log and one-time download codes: a school hands a family a code on paper; the public site gives the
/// signed document for it once (or as many times as the code allows) until it expires; every document that leaves
/// the archive — downloaded, handed over, sent to another school — is an `extract` record, so also an entry of the
/// transparency log.
extension Archive {
    public static let downloadCodeType = "download-code"
    public static let extractType = "extract"

    /// A new code for `document` (a record id): the code itself, to print for the family, and when it expires.
    /// Only its hashes are kept.
    public func newDownloadCode(
        document: String, purpose: String, issuedBy: String, days: Int = 30, uses: Int = 1, note: String? = nil
    ) throws -> (code: String, expires: Date) {
        _ = try documentFile(document, reading: false)  // refuses a record with nothing to give, before a code is printed
        guard (1...365).contains(days), (1...10).contains(uses) else {
            throw HosoError(
                .downloadCodeInvalid, .both("Hạn 1–365 ngày, 1–10 lần tải", "1–365 days and 1–10 downloads"), location: document)
        }
        let code = DownloadCode.make(try SecureRandom.bytes(8))
        let now = clock.now()
        let expires = now.addingTimeInterval(TimeInterval(days) * 86_400)
        var fields = [
            JSONMember("document", .string(document)), JSONMember("purpose", .string(purpose)),
            JSONMember("codeHash", .string(DownloadCode.hash(code))), JSONMember("issuedAt", .string(HosoClock.format(now))),
            JSONMember("expires", .string(HosoClock.format(expires))), JSONMember("uses", .number(Double(uses))),
            JSONMember("issuedBy", .string(issuedBy)),
        ]
        if let note, !note.isEmpty { fields.append(JSONMember("note", .string(note))) }
        try createWorkflowRecord(type: Self.downloadCodeType, id: DownloadCode.recordId(code), body: .object(fields), author: issuedBy)
        return (code, expires)
    }

    /// What a code gives: the document's record, the revision and the file (its bytes re-hashed on reading), after
    /// recording the download as an extract. Unknown, expired and used-up codes are errors and change nothing.
    public func redeemDownloadCode(_ typed: String, channel: String = "family-download", to: String? = nil) throws -> GivenDocument {
        guard let code = DownloadCode.normalized(typed) else { throw unknownCode() }
        let recordId = DownloadCode.recordId(code)
        return try writing {
            guard try !index.revisions(ofRecord: recordId).isEmpty else { throw unknownCode() }
            let (_, rev) = try current(record: recordId)
            let b = rev.body
            guard rev.recordType == Self.downloadCodeType, b["codeHash"]?.stringValue == DownloadCode.hash(code),
                let document = b["document"]?.stringValue
            else { throw unknownCode() }
            if let expires = b["expires"]?.stringValue.flatMap(HosoClock.parse), clock.now() > expires {
                throw HosoError(
                    .downloadCodeExpired,
                    .both("Mã này đã hết hạn; hãy xin nhà trường mã mới", "This code has expired; ask the school for a new one"))
            }
            let used = try index.heads(referring: "code", to: recordId).count
            guard used < (b["uses"]?.integerValue ?? 1) else {
                throw HosoError(
                    .downloadCodeUsed,
                    .both("Mã này đã được dùng; hãy xin nhà trường mã mới", "This code has been used; ask the school for a new one"))
            }
            let given = try documentFile(document)
            try recordExtract(given, channel: channel, code: recordId, by: nil, to: to)
            return given
        }
    }

    /// A signed document as given out: its record, the revision, the file's object id and bytes.
    public struct GivenDocument: Sendable {
        public var document: String
        public var revision: String
        public var file: ObjectID
        public var bytes: [UInt8]
    }

    /// The signed file a record gives: a học bạ's PDF, an issued copy's PDF (the body's `pdf` or `document`).
    /// `reading: false` names the file without reading it (`bytes` empty): enough to know there is one to give.
    func documentFile(_ document: String, reading: Bool = true) throws -> GivenDocument {
        guard try !index.revisions(ofRecord: document).isEmpty else {
            throw HosoError(.recordNotFound, .both("Không có hồ sơ này", "No such record"), location: document)
        }
        let (rid, rev) = try current(record: document)
        if rev.recordType == HocBa.recordType { return try hocBaFile(document, revision: rid, reading: reading) }
        guard let hex = rev.body["pdf"]?.stringValue ?? rev.body["document"]?.stringValue, let file = ObjectID(hex: hex) else {
            throw HosoError(
                .noDocumentToGive, .both("Hồ sơ này chưa có văn bản đã ký để đưa ra", "This record has no signed document to give"),
                location: document)
        }
        return GivenDocument(document: document, revision: rid.hex, file: file, bytes: reading ? try read(file) : [])
    }

    /// A học bạ's signed PDF, from its issue register: only once the school's seal closed it, and only for the
    /// current data (a correction since starts a new PDF that must be signed again).
    private func hocBaFile(_ document: String, revision: ObjectID, reading: Bool) throws -> GivenDocument {
        let hb = try hocBa(document).hocBa
        let issueId = HocBaIssue.recordId(moetId: hb.student.moetId, schoolYear: hb.schoolYear)
        let issue =
            try index.heads(ofRecord: issueId).isEmpty ? nil : try decodeBody(try current(record: issueId).1.body, as: HocBaIssue.self)
        guard let issue, issue.revision == revision.hex, issue.signatures.contains(where: { $0.role == "seal" }),
            let file = ObjectID(hex: issue.document)
        else {
            throw HosoError(
                .noDocumentToGive,
                .both(
                    "Học bạ này chưa được ký đủ (giáo viên chủ nhiệm, hiệu trưởng, dấu của trường)",
                    "This học bạ is not fully signed yet (homeroom teacher, principal, the school's seal)"), location: document)
        }
        return GivenDocument(document: document, revision: revision.hex, file: file, bytes: reading ? try read(file) : [])
    }

    /// Records that `given` left the archive (`channel`: family-download, online-download, handed-over, transfer).
    @discardableResult
    public func recordExtract(_ given: GivenDocument, channel: String, code: String? = nil, by: String?, to: String?) throws -> String {
        let now = clock.now()
        var fields = [
            JSONMember("document", .string(given.document)), JSONMember("revision", .string(given.revision)),
            JSONMember("file", .string(given.file.hex)), JSONMember("channel", .string(channel)),
            JSONMember("at", .string(HosoClock.format(now))),
        ]
        if let code { fields.append(JSONMember("code", .string(code))) }
        if let by { fields.append(JSONMember("by", .string(by))) }
        if let to, !to.isEmpty { fields.append(JSONMember("to", .string(to))) }
        let id = "extract/" + Hex.encode(try SecureRandom.bytes(8))
        try createWorkflowRecord(type: Self.extractType, id: id, body: .object(fields), author: by ?? "public")
        return id
    }

    /// The extract log of a record: each time its document left the archive, oldest first.
    public func extracts(of document: String) throws -> [Extract] {
        try index.heads(referring: "document", to: document).compactMap { (recordId, _) -> Extract? in
            let rev = try current(record: recordId).1
            guard rev.recordType == Self.extractType else { return nil }
            let b = rev.body
            return Extract(
                id: recordId, revision: b["revision"]?.stringValue ?? "", file: b["file"]?.stringValue ?? "",
                channel: b["channel"]?.stringValue ?? "", at: b["at"]?.stringValue ?? "", to: b["to"]?.stringValue,
                by: b["by"]?.stringValue, code: b["code"]?.stringValue)
        }.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
    }

    public struct Extract: Sendable, Equatable, Codable {
        public var id, revision, file, channel, at: String
        public var to, by, code: String?
    }

    private func unknownCode() -> HosoError {
        HosoError(.downloadCodeUnknown, .both("Mã không đúng; hãy kiểm tra lại từng chữ", "No such code; check each character"))
    }
}

/// Download codes as people read and type them: twelve characters of Crockford's base 32 (60 random bits) in three
/// groups, "7KQ4-M2XD-9BTA"; typing is forgiving (lower case, spaces, O for 0, I and L for 1).
enum DownloadCode {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    static func make(_ random: [UInt8]) -> String {
        var bits = random.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var chars = [Character]()
        for _ in 0..<12 {
            chars.append(alphabet[Int(bits & 31)])
            bits >>= 5
        }
        return String(chars[0..<4]) + "-" + String(chars[4..<8]) + "-" + String(chars[8..<12])
    }

    /// The code's twelve characters, or nil when it cannot be one.
    static func normalized(_ typed: String) -> String? {
        guard typed.utf8.count <= 64 else { return nil }
        var out = ""
        for c in typed.uppercased() where c != "-" && c != " " {
            let mapped: Character = c == "O" ? "0" : (c == "I" || c == "L") ? "1" : c
            guard alphabet.contains(mapped) else { return nil }
            out.append(mapped)
        }
        return out.count == 12 ? out : nil
    }

    /// Two hashes under different labels: the record's id (found without a scan) and the check kept in it.
    static func recordId(_ code: String) -> String {
        "download-code/" + SHA256.hex(Array("hoso download code id\n\(normalized(code) ?? code)".utf8)).prefix(24)
    }

    static func hash(_ code: String) -> String { SHA256.hex(Array("hoso download code\n\(normalized(code) ?? code)".utf8)) }
}

// MARK: - Transfer to another school

extension Archive {
    /// Sends `records` (a student's học bạ) to the peer `peerName` with the next sync, bundle or HTTP, whatever the
    /// peer's scope: each gets an extract record (channel "transfer", to the peer), which travels with it, so the
    /// receiving school shows it as received from here, not issued there. The receiver must accept the record types
    /// from this peer (`<hoc-ba:*`, `<extract:*` in its scope for us) and checks them on arrival like any sync.
    @discardableResult
    public func transfer(records: [String], to peerName: String, by: String) throws -> [String] {
        let peer = try peer(named: peerName)
        var sent = [String]()
        for record in records {
            let given = try documentFile(record)
            // The node id too: the receiver knows itself by it, whatever name each side gave the other.
            let extract = try recordExtract(given, channel: "transfer", by: by, to: "\(peer.name) [\(peer.node.prefix(16))]")
            sent += [record, extract]
            // A học bạ goes with its issue register, which names its signed PDFs.
            if let hb = try? hocBa(record).hocBa { sent.append(HocBaIssue.recordId(moetId: hb.student.moetId, schoolYear: hb.schoolYear)) }
        }
        try nodeFiles.withLock {
            var state = try nodeFiles.loadState(peer.node)
            state.transfers = Array(Set(state.transfers ?? []).union(sent)).sorted()
            try nodeFiles.saveState(peer.node, state)
        }
        return sent
    }

    /// Where a record came from when another school transferred it here: the transfer's extract record, or nil.
    public func transferredIn(_ record: String) throws -> Extract? {
        guard let me = try? nodeInfo().node.prefix(16) else { return nil }
        return try extracts(of: record).last { $0.channel == "transfer" && $0.to?.hasSuffix("[\(me)]") == true }
    }
}
