import Foundation
import HosoCore
import HosoRecords

/// What the clerk types at the counter for a request taken from a ledger entry. The holder and the diploma come from
/// the ledger itself, so nothing the ledger holds is typed again (issue 20: the walk-in citizen, start to finish).
public struct WalkInIntake: Sendable {
    public var kind: CitizenRequest.Kind
    /// The ledger entry: "LEDGER#NUMBER".
    public var entryRef: String
    /// Copies: the personal ID number read from the identity document shown at the counter.
    public var requesterId: String
    /// Copies: the clerk compared the identity document with the ledger entry.
    public var identityChecked: Bool
    /// `.holder`: the holder asks in person; otherwise `requesterName` asks, with `proof` of the relationship.
    public var relation: CitizenRequest.Relation
    public var requesterName: String
    public var proof: String
    public var contact: String
    /// Verification: the body asking and the number of its letter.
    public var askingBody: String
    public var askingBodyReference: String
    public var copies: Int

    public init(
        kind: CitizenRequest.Kind, entryRef: String, requesterId: String = "", identityChecked: Bool = false,
        relation: CitizenRequest.Relation = .holder, requesterName: String = "", proof: String = "", contact: String = "",
        askingBody: String = "", askingBodyReference: String = "", copies: Int = 1
    ) {
        self.kind = kind
        self.entryRef = entryRef
        self.requesterId = requesterId
        self.identityChecked = identityChecked
        self.relation = relation
        self.requesterName = requesterName
        self.proof = proof
        self.contact = contact
        self.askingBody = askingBody
        self.askingBodyReference = askingBodyReference
        self.copies = copies
    }

    /// Every problem at once, each named by its form field so the screen shows it beside the field.
    public var problems: [HosoError] {
        var problems = [HosoError]()
        func bad(_ field: String, _ vi: String, _ en: String) {
            problems.append(HosoError(.badRequestInput, .both(vi, en), location: field))
        }
        func blank(_ s: String) -> Bool { s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        switch kind {
        case .copy:
            if requesterId.range(of: #"^[0-9]{12}$"#, options: .regularExpression) == nil {
                bad(
                    "requester-id", "Số định danh cá nhân trên giấy tờ tùy thân phải có đúng 12 chữ số",
                    "The personal ID number on the identity document must have exactly 12 digits")
            }
            if !identityChecked {
                bad(
                    "id-checked", "Cần đối chiếu giấy tờ tùy thân với sổ gốc trước khi tiếp nhận",
                    "Check the identity document against the ledger before taking the request")
            }
            if relation != .holder {
                if blank(requesterName) { bad("requester", "Thiếu họ tên người yêu cầu", "The requester's name is missing") }
                if blank(proof) {
                    bad(
                        "proof", "Người đại diện hoặc thân nhân phải xuất trình giấy tờ chứng minh quan hệ (Nghị định 23/2015)",
                        "A representative or relative must show proof of the relationship (Decree 23/2015)")
                }
            }
        case .verification:
            if blank(askingBody) { bad("asking-body", "Thiếu tên cơ quan đề nghị xác minh", "The asking body's name is missing") }
            if blank(askingBodyReference) {
                bad("asking-body-ref", "Thiếu số văn bản đề nghị của cơ quan", "The number of the body's letter is missing")
            }
        }
        for (field, value, limit) in [
            ("requester", requesterName, 200), ("proof", proof, 500), ("contact", contact, 300), ("asking-body", askingBody, 300),
            ("asking-body-ref", askingBodyReference, 100),
        ] where value.count > limit {
            bad(field, "Quá dài (tối đa \(limit) ký tự)", "Too long (at most \(limit) characters)")
        }
        if !(1...20).contains(copies) { bad("copies", "Số bản phải từ 1 đến 20", "The number of copies must be 1 to 20") }
        return problems
    }

    /// The request as registered: holder and diploma from the ledger entry `view`, the rest as typed.
    func request(from view: LedgerEntryView) -> NewCitizenRequest {
        func given(_ s: String) -> String? {
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? nil : t
        }
        let holder = view.text("fullName")
        let dob = view.text("dateOfBirth")
        let verification = kind == .verification
        // A body asks on its own letter, which is its proof; a person asks for themself or shows proof.
        let relation: CitizenRequest.Relation = verification ? .representative : self.relation
        return NewCitizenRequest(
            kind: kind,
            requesterName: verification ? given(askingBody) ?? "" : relation == .holder ? holder : given(requesterName) ?? "",
            requesterId: verification ? nil : requesterId, relation: relation,
            proof: verification ? given(askingBodyReference).map { "Văn bản số \($0)" } : relation == .holder ? nil : given(proof),
            holderName: holder,
            holderDateOfBirth: dob.range(of: #"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"#, options: .regularExpression) == nil ? nil : dob,
            serial: given(view.serial), ledgerRecordId: view.ledgerRecordId, ledgerNumber: view.ledgerNumber,
            askingBody: verification ? given(askingBody) : nil, channel: .inPerson, copies: copies,
            identityChecked: verification ? nil : identityChecked, contact: given(contact),
            askingBodyReference: verification ? given(askingBodyReference) : nil)
    }
}

/// The receipt handed to the person at the counter (giấy tiếp nhận hồ sơ và hẹn trả kết quả), in the office's time.
public struct RequestReceipt: Sendable {
    public var requestId: String
    public var request: CitizenRequest
    public var settings: OfficeSettings
    /// The ledger entry the request names, when the ledgers hold it.
    public var entry: LedgerEntryView?
    /// "HH:mm dd/MM/yyyy", office time.
    public var received: String
    /// The appointment: "dd/MM/yyyy" and the closing time "HH:mm" of that day, office time.
    public var appointmentDate: String
    public var appointmentTime: String
}

extension OfficeSettings {
    /// A UTC time of a record ("2026-12-07T02:00:00Z") in the office's time zone, with a date format such as
    /// "dd/MM/yyyy"; anything unreadable as it is.
    public func local(_ iso: String, _ format: String) -> String {
        guard let d = HosoClock.parse(iso) else { return iso }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: offsetSeconds)
        f.dateFormat = format
        return f.string(from: d)
    }
}

extension Archive {
    /// Registers a request taken at the counter from a ledger entry: the holder and the diploma from the ledger, what
    /// the clerk checked and the requester from `intake`. The deadline is computed as for every request.
    public func walkInRequest(_ intake: WalkInIntake, clerk: String) throws -> (id: String, request: CitizenRequest) {
        let view = try ledgerEntry(intake.entryRef)
        var problems = intake.problems
        if intake.kind == .copy, let r = view.revocation {
            problems.append(
                HosoError(
                    .diplomaRevoked,
                    .both(
                        "Văn bằng đã bị \(r.kind.lowercased()) (\(r.decision ?? "")): không cấp bản sao",
                        "The diploma was revoked (\(r.decision ?? "")): no copy can be issued"), location: "entry"))
        }
        if !problems.isEmpty { throw HosoProblems(problems) }
        return try newRequest(intake.request(from: view), clerk: clerk)
    }

    /// The receipt of request `id`: its deadline (computed when it was registered) as the appointment.
    public func receipt(_ id: String) throws -> RequestReceipt {
        let (_, r) = try request(id)
        let settings = try officeSettings()
        return RequestReceipt(
            requestId: id, request: r, settings: settings, entry: try? ledgerEntry(r.ledgerReference),
            received: settings.local(r.receivedAt, "HH:mm dd/MM/yyyy"), appointmentDate: settings.local(r.deadline, "dd/MM/yyyy"),
            appointmentTime: settings.local(r.deadline, "HH:mm"))
    }

    /// Records that what was issued for request `id` was handed over to `recipient` by `clerk`, now: a revision of
    /// the request. Only an issued request is handed over, and only once.
    @discardableResult
    public func handOver(_ id: String, to recipient: String, clerk: String) throws -> CitizenRequest {
        let to = recipient.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !to.isEmpty, to.count <= 200 else {
            throw HosoError(
                .badRequestInput,
                .both("Cần họ tên người nhận (tối đa 200 ký tự)", "The recipient's name is needed (at most 200 characters)"),
                location: "recipient")
        }
        let at = HosoClock.format(clock.now())
        return try updateRequest(id, author: clerk, reason: "đã trao kết quả / handed over to: \(to)") { r in
            guard r.status == .issued, !r.issued.isEmpty else {
                throw HosoError(
                    .requestState, .both("Yêu cầu chưa có kết quả để trao", "The request has nothing issued to hand over yet"), location: id
                )
            }
            if let h = r.handedOver {
                throw HosoError(
                    .requestState, .both("Kết quả đã được trao cho \(h.to)", "The result was already handed over to \(h.to)"), location: id)
            }
            r.handedOver = .init(to: to, by: clerk, at: at)
        }
    }
}
