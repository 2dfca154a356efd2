import Foundation
import HosoCore
import HosoIndex
import HosoRecords
import HosoStore

extension HosoError.Code {
    public static let requestNotFound = Self(rawValue: "REQUEST_NOT_FOUND")
    public static let requestState = Self(rawValue: "REQUEST_STATE_INVALID")
    public static let badRequestInput = Self(rawValue: "REQUEST_INVALID")
}

/// The office's working calendar and identity. DOMAIN.md: the deadline rule (same working day; the next one after
/// 15:00) is from one province's procedure page [law, one province], working days and holidays vary, and the
/// issuing authority is configuration since the 2025 reorganisation — so all of it is a record, not a constant.
public struct OfficeSettings: Codable, Sendable, Equatable {
    public var officeName: String
    public var superiorBody: String
    public var place: String
    public var signerTitle: String
    public var signerName: String
    /// Short code printed in copy numbers and QR payloads.
    public var officeCode: String
    /// ISO weekdays that are working days (1 = Monday … 7 = Sunday).
    public var workingDays: [Int]
    /// Days off (YYYY-MM-DD), e.g. Tết.
    public var holidays: [String]
    /// Requests received after this local time are due the next working day.
    public var cutoff: String
    /// When the office closes: the deadline's time of day.
    public var closing: String
    /// Offset of local time from UTC, e.g. "+07:00".
    public var utcOffset: String
    /// Working days to answer a verification request (no statutory deadline was found: DOMAIN.md).
    public var verificationDays: Int
    /// SHA-256 fingerprints of the certificates that sign this office's copies.
    public var copySigners: [String]

    public static let defaults = OfficeSettings(
        officeName: "Phòng Giáo dục và Đào tạo", superiorBody: "Ủy ban nhân dân", place: "", signerTitle: "Trưởng phòng",
        signerName: "", officeCode: "PGD", workingDays: [1, 2, 3, 4, 5], holidays: [], cutoff: "15:00", closing: "17:00",
        utcOffset: "+07:00", verificationDays: 5, copySigners: [])

    public static let recordType = "office-settings"
    public static let recordId = "office-settings"

    var offsetSeconds: Int {
        let sign = utcOffset.hasPrefix("-") ? -1 : 1
        let parts = utcOffset.dropFirst().split(separator: ":").compactMap { Int($0) }
        return sign * ((parts.first ?? 7) * 3600 + (parts.count > 1 ? parts[1] : 0) * 60)
    }

    var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(secondsFromGMT: offsetSeconds)!
        return c
    }

    func minutes(_ hhmm: String) -> Int {
        let p = hhmm.split(separator: ":").compactMap { Int($0) }
        return (p.first ?? 0) * 60 + (p.count > 1 ? p[1] : 0)
    }

    func isWorkingDay(_ d: Date) -> Bool {
        let c = calendar
        let weekday = c.component(.weekday, from: d)  // 1 = Sunday
        let iso = weekday == 1 ? 7 : weekday - 1
        guard workingDays.contains(iso) else { return false }
        let comps = c.dateComponents([.year, .month, .day], from: d)
        let key = String(format: "%04d-%02d-%02d", comps.year!, comps.month!, comps.day!)
        return !holidays.contains(key)
    }

    /// The deadline for a request received at `received`: closing time of the same working day, or of the next
    /// working day when it came after the cutoff or on a day off; `extraDays` more working days after that.
    public func deadline(receivedAt received: Date, extraDays: Int = 0) -> Date {
        let c = calendar
        var day = c.startOfDay(for: received)
        let minuteOfDay = c.component(.hour, from: received) * 60 + c.component(.minute, from: received)
        if !isWorkingDay(day) || minuteOfDay >= minutes(cutoff) {
            repeat { day = c.date(byAdding: .day, value: 1, to: day)! } while !isWorkingDay(day)
        }
        for _ in 0..<max(0, extraDays) {
            repeat { day = c.date(byAdding: .day, value: 1, to: day)! } while !isWorkingDay(day)
        }
        return day.addingTimeInterval(TimeInterval(minutes(closing) * 60))
    }
}

/// A citizen's request: a copy from the ledger, or the verification of a diploma.
public struct CitizenRequest: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case copy, verification }
    public enum Relation: String, Codable, Sendable, CaseIterable { case holder, representative, relative }
    public enum Channel: String, Codable, Sendable, CaseIterable { case inPerson = "in-person", post, online }
    public enum Status: String, Codable, Sendable, CaseIterable { case received, checked, issued, refused }

    public var kind: Kind
    public var requesterName: String
    public var requesterId: String?
    public var relation: Relation
    /// What the requester showed to prove the relationship (required unless they are the holder).
    public var proof: String?
    public var holderName: String
    public var holderDateOfBirth: String?
    public var serial: String?
    public var ledgerRecordId: String?
    public var ledgerNumber: Int?
    /// For verification requests: the agency or employer asking.
    public var askingBody: String?
    public var channel: Channel
    public var copies: Int
    public var receivedAt: String
    public var deadline: String
    public var status: Status
    public var clerk: String
    public var refusalReason: String?
    /// Ledger entry checked (ledger record id and number) and copies issued.
    public var checkedEntry: String?
    public var issued: [IssuedCopy]

    public struct IssuedCopy: Codable, Sendable, Equatable {
        public var copyNumber: String
        public var document: String
    }

    public static let recordType = "request"
}

extension Archive {
    // MARK: - Settings

    public func officeSettings() throws -> OfficeSettings {
        let heads = try index.heads(ofRecord: OfficeSettings.recordId)
        guard !heads.isEmpty else { return .defaults }
        // Read for every copy and request: decoded once per revision (a conflict is reported by `current`).
        return try workState.derived(from: OfficeSettings.recordId, head: heads.joined(separator: " ")) {
            try decodeBody(try current(record: OfficeSettings.recordId).1.body, as: OfficeSettings.self)
        }
    }

    @discardableResult
    public func setOfficeSettings(_ s: OfficeSettings, author: String, reason: String) throws -> ObjectID {
        let body = try encodeBody(s)
        if try index.revisions(ofRecord: OfficeSettings.recordId).isEmpty {
            return try createRecord(type: OfficeSettings.recordType, id: OfficeSettings.recordId, body: body, author: author)
        }
        return try revise(record: OfficeSettings.recordId, body: body, author: author, reason: reason)
    }

    // MARK: - Requests

    public struct NewRequest: Sendable {
        public var kind: CitizenRequest.Kind
        public var requesterName: String
        public var requesterId: String?
        public var relation: CitizenRequest.Relation
        public var proof: String?
        public var holderName: String
        public var holderDateOfBirth: String?
        public var serial: String?
        public var ledgerRecordId: String?
        public var ledgerNumber: Int?
        public var askingBody: String?
        public var channel: CitizenRequest.Channel
        public var copies: Int
        public var receivedAt: Date?

        public init(kind: CitizenRequest.Kind, requesterName: String, requesterId: String? = nil, relation: CitizenRequest.Relation,
                    proof: String? = nil, holderName: String, holderDateOfBirth: String? = nil, serial: String? = nil,
                    ledgerRecordId: String? = nil, ledgerNumber: Int? = nil, askingBody: String? = nil,
                    channel: CitizenRequest.Channel, copies: Int = 1, receivedAt: Date? = nil) {
            self.kind = kind; self.requesterName = requesterName; self.requesterId = requesterId; self.relation = relation
            self.proof = proof; self.holderName = holderName; self.holderDateOfBirth = holderDateOfBirth; self.serial = serial
            self.ledgerRecordId = ledgerRecordId; self.ledgerNumber = ledgerNumber; self.askingBody = askingBody
            self.channel = channel; self.copies = copies; self.receivedAt = receivedAt
        }
    }

    /// Registers a request, computing its deadline. Every problem in the input is reported at once.
    public func newRequest(_ r: NewRequest, clerk: String) throws -> (id: String, request: CitizenRequest) {
        var problems = [HosoError]()
        func bad(_ field: String, _ vi: String, _ en: String) {
            problems.append(HosoError(.badRequestInput, .both(vi, en), location: field))
        }
        if r.requesterName.trimmingCharacters(in: .whitespaces).isEmpty { bad("requester", "Thiếu họ tên người yêu cầu", "The requester's name is missing") }
        if r.holderName.trimmingCharacters(in: .whitespaces).isEmpty { bad("holder", "Thiếu họ tên người được cấp văn bằng", "The holder's name is missing") }
        if r.relation != .holder && (r.proof ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            bad("proof", "Người đại diện hoặc thân nhân phải xuất trình giấy tờ chứng minh quan hệ (Nghị định 23/2015)",
                "A representative or relative must show proof of the relationship (Decree 23/2015)")
        }
        if r.serial == nil && (r.ledgerRecordId == nil || r.ledgerNumber == nil) {
            bad("diploma", "Cần số hiệu văn bằng, hoặc sổ gốc và số vào sổ", "The diploma's serial, or its ledger and ledger number, is needed")
        }
        if !(1...20).contains(r.copies) { bad("copies", "Số bản sao phải từ 1 đến 20", "The number of copies must be 1 to 20") }
        if let dob = r.holderDateOfBirth, dob.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil {
            bad("holder-dob", "Ngày sinh phải dạng YYYY-MM-DD", "The date of birth must be YYYY-MM-DD")
        }
        if let id = r.requesterId, id.range(of: #"^\d{12}$"#, options: .regularExpression) == nil {
            bad("requester-id", "Số định danh cá nhân phải có 12 chữ số", "The citizen ID must have 12 digits")
        }
        if !problems.isEmpty { throw HosoProblems(problems) }

        let settings = try officeSettings()
        let received = r.receivedAt ?? clock.now()
        let deadline = settings.deadline(receivedAt: received, extraDays: r.kind == .verification ? settings.verificationDays - 1 : 0)
        let request = CitizenRequest(kind: r.kind, requesterName: r.requesterName, requesterId: r.requesterId, relation: r.relation,
                                     proof: r.proof, holderName: r.holderName, holderDateOfBirth: r.holderDateOfBirth, serial: r.serial,
                                     ledgerRecordId: r.ledgerRecordId, ledgerNumber: r.ledgerNumber, askingBody: r.askingBody,
                                     channel: r.channel, copies: r.copies, receivedAt: HosoClock.format(received),
                                     deadline: HosoClock.format(deadline), status: .received, clerk: clerk, refusalReason: nil,
                                     checkedEntry: nil, issued: [])
        // Numbering and creating are one step for the threads of this process (two clerks at once on a server).
        let id = try workState.numbering {
            let id = try nextNumber(prefix: "YC", type: CitizenRequest.recordType, year: settings.calendar.component(.year, from: received))
            try createRecord(type: CitizenRequest.recordType, id: id, body: try encodeBody(request), author: clerk)
            return id
        }
        return (id, request)
    }

    /// The next free record id "PREFIX-YEAR-NNNNNN" of a type. Ids are per archive; a node prefix comes with sync.
    func nextNumber(prefix: String, type: String, year: Int) throws -> String {
        let stem = "\(prefix)-\(year)-"
        let last = try index.lastRecordId(ofType: type, prefix: stem).flatMap { Int($0.dropFirst(stem.count)) } ?? 0
        return stem + String(format: "%06d", last + 1)
    }

    public func request(_ id: String) throws -> (revision: ObjectID, request: CitizenRequest) {
        let revs = try index.revisions(ofRecord: id)
        guard let first = revs.first, first.recordType == CitizenRequest.recordType else {
            throw HosoError(.requestNotFound, .both("Không có yêu cầu này", "No such request"), location: id)
        }
        let (rid, rev) = try current(record: id)
        return (rid, try decodeBody(rev.body, as: CitizenRequest.self))
    }

    public struct RequestListing: Codable, Sendable {
        public var id: String
        public var request: CitizenRequest
        public var overdue: Bool

        public init(id: String, request: CitizenRequest, overdue: Bool) {
            self.id = id
            self.request = request
            self.overdue = overdue
        }
    }

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
    public func updateRequest(_ id: String, author: String, reason: String, _ change: (inout CitizenRequest) throws -> Void) throws -> CitizenRequest {
        var (_, r) = try request(id)
        let before = r.status
        try change(&r)
        let allowed: [CitizenRequest.Status: Set<CitizenRequest.Status>] = [
            .received: [.received, .checked, .issued, .refused], .checked: [.checked, .issued, .refused], .issued: [.issued], .refused: [],
        ]
        guard allowed[before]?.contains(r.status) == true else {
            throw HosoError(.requestState, .both("Yêu cầu đang ở trạng thái \(before.rawValue), không chuyển sang \(r.status.rawValue) được",
                                                 "The request is \(before.rawValue); it cannot become \(r.status.rawValue)"), location: id)
        }
        try revise(record: id, body: try encodeBody(r), author: author, reason: reason)
        return r
    }

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
            throw HosoError(.objectMalformed, .both("Nội dung hồ sơ không đọc được như \(T.self)", "The record body does not read as \(T.self)"),
                            cause: "\(error)")
        }
    }
}
