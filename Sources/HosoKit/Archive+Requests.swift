import Foundation
import HosoCore
import HosoIndex
import HosoRecords
import HosoStore

extension Archive {
    // MARK: - Settings

    /// The office's settings (name, signer, copy signers, calendar); defaults until set.
    public func officeSettings() throws -> OfficeSettings {
        let heads = try index.heads(ofRecord: OfficeSettings.recordId)
        guard !heads.isEmpty else { return .defaults }
        // Read for every copy and request: decoded once per revision (a conflict is reported by `current`).
        return try workState.derived(from: OfficeSettings.recordId, head: heads.joined(separator: " ")) {
            try decodeBody(try current(record: OfficeSettings.recordId).1.body, as: OfficeSettings.self)
        }
    }

    /// Records new office settings as a revision, with the reason.
    @discardableResult
    public func setOfficeSettings(_ s: OfficeSettings, author: String, reason: String) throws -> ObjectID {
        let s = try checkedPublicFields(s)
        try checkNumberBlocks(s)
        let body = try encodeBody(s)
        if try index.revisions(ofRecord: OfficeSettings.recordId).isEmpty {
            return try createRecord(type: OfficeSettings.recordType, id: OfficeSettings.recordId, body: body, author: author)
        }
        return try revise(record: OfficeSettings.recordId, body: body, author: author, reason: reason)
    }

    // MARK: - Requests

    /// Registers a request, computing its deadline. Every problem in the input is reported at once. A request filed
    /// online (`online`) may name its diploma by school and year only: the clerk finds the ledger entry.
    public func newRequest(
        _ r: NewCitizenRequest, clerk: String, online: OnlineDetails? = nil
    ) throws -> (id: String, request: CitizenRequest) {
        let problems = r.problems.filter { online == nil || $0.location != "diploma" }
        if !problems.isEmpty { throw HosoProblems(problems) }

        let settings = try officeSettings()
        let received = r.receivedAt ?? clock.now()
        let deadline = settings.deadline(receivedAt: received, extraDays: r.kind == .verification ? settings.verificationDays - 1 : 0)
        var request = r.request(receivedAt: received, deadline: deadline, clerk: clerk)
        request.online = online
        // Numbering and creating are one step for the threads of this process (two clerks at once on a server).
        let id = try writing {
            let id = try nextNumber(
                prefix: "YC", type: CitizenRequest.recordType, year: settings.calendar.component(.year, from: received), settings: settings)
            try createRecord(type: CitizenRequest.recordType, id: id, body: try encodeBody(request), author: clerk)
            return id
        }
        return (id, request)
    }

    /// The next free record id "PREFIX-YEAR-NNNNNN" of a type, inside this machine's block of numbers.
    func nextNumber(prefix: String, type: String, year: Int, settings: OfficeSettings) throws -> String {
        let stem = "\(prefix)-\(year)-"
        let range = try numberRange(settings)
        let next = try checkNumber(try lastNumber(stem: stem, type: type, in: range) + 1, in: range, year: year)
        return stem + String(format: "%06d", next)
    }

    /// A citizen's request and its current revision.
    public func request(_ id: String) throws -> (revision: ObjectID, request: CitizenRequest) {
        let revs = try index.revisions(ofRecord: id)
        guard let first = revs.first, first.recordType == CitizenRequest.recordType else {
            throw HosoError(.requestNotFound, .both("Không có yêu cầu này", "No such request"), location: id)
        }
        let (rid, rev) = try current(record: id)
        return (rid, try decodeBody(rev.body, as: CitizenRequest.self))
    }

    /// Every citizen's request, by number, each marked when past its deadline.
    public func requests(overdueOnly: Bool = false) throws -> [RequestListing] {
        let now = clock.now()
        return try index.recordIds(ofType: CitizenRequest.recordType).sorted().compactMap { id in
            let r = try request(id).request
            let open = r.status == .received || r.status == .checked
            let overdue = open && (HosoClock.parse(r.deadline).map { now > $0 } ?? false)
            return overdueOnly && !overdue ? nil : RequestListing(id: id, request: r, overdue: overdue)
        }
    }

    /// Moves a request along received → checked → issued, or to refused (with a reason). Each step is a revision.
    @discardableResult
    public func updateRequest(
        _ id: String, author: String, reason: String, _ change: (inout CitizenRequest) throws -> Void
    ) throws -> CitizenRequest {
        var (_, r) = try request(id)
        let before = r.status
        try change(&r)
        let allowed: [CitizenRequest.Status: Set<CitizenRequest.Status>] = [
            .received: [.received, .checked, .issued, .refused], .checked: [.checked, .issued, .refused], .issued: [.issued], .refused: [],
        ]
        guard allowed[before]?.contains(r.status) == true else {
            throw HosoError(
                .requestState,
                .both(
                    "Yêu cầu đang ở trạng thái \(before.rawValue), không chuyển sang \(r.status.rawValue) được",
                    "The request is \(before.rawValue); it cannot become \(r.status.rawValue)"), location: id)
        }
        try revise(record: id, body: try encodeBody(r), author: author, reason: reason)
        return r
    }

    /// Refuses a request with the reason, as a new revision of it.
    public func refuseRequest(_ id: String, reason: String, clerk: String) throws -> CitizenRequest {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw HosoError(.badRequestInput, .both("Cần lý do từ chối", "A reason for refusing is needed"), location: id)
        }
        return try updateRequest(id, author: clerk, reason: "từ chối / refused: \(reason)") {
            $0.status = .refused
            $0.refusalReason = reason
        }
    }

    // MARK: - Codable bodies

    func encodeBody<T: Encodable>(_ value: T) throws -> JSONValue {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return try CanonicalJSON.parse(Array(try enc.encode(value)), source: "\(T.self)")
    }

    func decodeBody<T: Decodable>(_ body: JSONValue, as: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(try CanonicalJSON.serialize(body)))
        } catch {
            throw HosoError(
                .objectMalformed, .both("Nội dung hồ sơ không đọc được như \(T.self)", "The record body does not read as \(T.self)"),
                cause: "\(error)")
        }
    }
}
