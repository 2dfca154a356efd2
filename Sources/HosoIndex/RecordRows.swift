import Foundation
import HosoCore
import HosoRecords
import HosoStore

// What the index derives from records: pure functions of a revision (no store, no database), so that `reindex`
// gives the same rows as the workflows that wrote them.

extension EntryRow {
    /// The searchable entries of a ledger revision's body.
    package static func rows(revisionId: String, recordId: String, body: JSONValue) -> [EntryRow] {
        guard case .array(let entries)? = body["entries"] else { return [] }
        let school = body["school"]?.stringValue ?? ""
        let issuer = body["issuer"]?.stringValue ?? ""
        let year = body["year"]?.integerValue ?? 0
        // Per ledger, not per entry: the school is the same on every row.
        let schoolKey = VietnameseText.fold(school)
        var rows = [EntryRow]()
        rows.reserveCapacity(entries.count)
        for e in entries {
            guard case .object(let members) = e else { continue }
            // One pass over the members instead of a search per field; as `e[key]`, the first member of a name counts.
            var name: String?
            var serial: String?
            var number: Int?
            var pob: String?
            var stt: Int?
            var dob: String?
            var sex: String?
            var ethnicity: String?
            var grade: String?
            var citizenId: String?
            var moetId: String?
            var page: Int?
            var seen: UInt16 = 0
            func first(_ bit: UInt16) -> Bool {
                defer { seen |= bit }
                return seen & bit == 0
            }
            for m in members {
                switch m.key {
                case "fullName": if first(1 << 0) { name = m.value.stringValue }
                case "serial": if first(1 << 1) { serial = m.value.stringValue }
                case "ledgerNumber": if first(1 << 2) { number = m.value.integerValue }
                case "placeOfBirth": if first(1 << 3) { pob = m.value.stringValue }
                case "stt": if first(1 << 4) { stt = m.value.integerValue }
                case "dateOfBirth": if first(1 << 5) { dob = m.value.stringValue }
                case "sex": if first(1 << 6) { sex = m.value.stringValue }
                case "ethnicity": if first(1 << 7) { ethnicity = m.value.stringValue }
                case "graduationGrade": if first(1 << 8) { grade = m.value.stringValue }
                case "citizenId": if first(1 << 9) { citizenId = m.value.stringValue }
                case "moetId": if first(1 << 10) { moetId = m.value.stringValue }
                case "page": if first(1 << 11) { page = m.value.integerValue }
                default: break
                }
            }
            guard let name, let serial, let number else { continue }
            let place = pob ?? ""
            let placeKey = VietnameseText.fold(place)
            rows.append(
                EntryRow(
                    revisionId: revisionId, recordId: recordId, stt: stt ?? 0, fullName: name,
                    nameKey: VietnameseText.fold(name), dateOfBirth: dob ?? "", placeOfBirth: place,
                    placeKey: placeKey, sex: sex ?? "", ethnicity: ethnicity ?? "",
                    graduationGrade: grade ?? "", serial: serial, ledgerNumber: number, year: year,
                    school: school, schoolKey: schoolKey, issuer: issuer, citizenId: citizenId,
                    moetId: moetId, page: page))
        }
        return rows
    }

    /// The rows `entryRows(revisionId:recordId:body:)` reads from `draft.body(scans:)` (with an empty revision
    /// id), straight from the draft: the same values, in the same order, without going through the JSON.
    package static func rows(of draft: LedgerDraft, recordId: String) -> [EntryRow] {
        // The body's school, issuer and year are the mapping's header members; its entries are `LedgerEntry.json`
        // by STT, whose numbers are Doubles.
        let header = JSONValue.object(draft.mapping.header)
        let school = header["school"]?.stringValue ?? ""
        let issuer = header["issuer"]?.stringValue ?? ""
        let year = header["year"]?.integerValue ?? 0
        let schoolKey = VietnameseText.fold(school)
        return draft.entries.sorted { $0.stt < $1.stt }.map { e in
            EntryRow(
                revisionId: "", recordId: recordId, stt: Int(Double(e.stt)), fullName: e.fullName, nameKey: VietnameseText.fold(e.fullName),
                dateOfBirth: e.dateOfBirth, placeOfBirth: e.placeOfBirth, placeKey: VietnameseText.fold(e.placeOfBirth), sex: e.sex,
                ethnicity: e.ethnicity, graduationGrade: e.graduationGrade ?? "", serial: e.serial,
                ledgerNumber: Int(Double(e.ledgerNumber)),
                year: year, school: school, schoolKey: schoolKey, issuer: issuer, citizenId: e.citizenId, moetId: e.moetId,
                page: e.page.map { Int(Double($0)) })
        }
    }
}

extension RecordRef {
    /// What a revision refers to, for the index (`heads(referring:to:)`): the ledger entry an appendix or a
    /// revocation concerns, the PDF, signer and request of a copy register line, the documents a request issued.
    package static func refs(of rev: Revision) -> [RecordRef] {
        let b = rev.body
        switch rev.recordType {
        case "ledger-appendix", "revocation":
            guard let ledger = b["ledgerRecordId"]?.stringValue, let n = b["ledgerNumber"]?.integerValue else { return [] }
            return [RecordRef("entry", "\(ledger)#\(n)")]
        case CopyRegisterEntry.recordType:
            return [("document", b["document"]), ("signer", b["signer"]), ("request", b["requestId"])].compactMap { k, v in
                v?.stringValue.map { RecordRef(k, $0) }
            }
        case "extract":
            // The extract log of a document, and the downloads a code has given.
            return [("document", b["document"]), ("code", b["code"])].compactMap { k, v in v?.stringValue.map { RecordRef(k, $0) } }
        case CitizenRequest.recordType:
            // An online request is found by its tracking code's key (the status page and the download).
            let tracking = b["online"]?["trackingKey"]?.stringValue.map { [RecordRef("tracking", $0)] } ?? []
            guard case .array(let issued)? = b["issued"] else { return tracking }
            return tracking
                + Array(Set(issued.compactMap { ($0["document"])?.stringValue.map { RecordRef("document", $0) } }))
                .sorted { $0.value < $1.value }
        default:
            return []
        }
    }
}

extension RevisionRow {
    /// Revisions ordered so that each comes after its parents among them.
    package static func parentsFirst(_ rows: [RevisionRow]) -> [RevisionRow] {
        let ids = Set(rows.map(\.id))
        var placed = Set<String>()
        var out = [RevisionRow]()
        var rest = rows
        while !rest.isEmpty {
            let (ready, waiting) = (
                rest.filter { $0.parents.allSatisfy { !ids.contains($0) || placed.contains($0) } },
                rest.filter { !$0.parents.allSatisfy { !ids.contains($0) || placed.contains($0) } }
            )
            if ready.isEmpty { return out + waiting }  // a cycle cannot happen with content addresses; be safe anyway
            out += ready
            placed.formUnion(ready.map(\.id))
            rest = waiting
        }
        return out
    }

    /// The index's row of a stored revision.
    package init(_ id: ObjectID, _ rev: Revision) {
        self.init(
            id: id.hex, recordType: rev.recordType, recordId: rev.recordId, author: rev.author, time: rev.time,
            reason: rev.reason, parents: rev.parents)
    }
}

/// What a person types: a name, a date of birth, a serial, a ledger number or year, a citizen ID (12 digits),
/// a MOET id (10 digits). Explicit fields narrow it further.
public struct FindRequest: Sendable {
    public var text: String?
    public var name: String?
    public var dateOfBirth: String?
    public var placeOfBirth: String?
    public var serial: String?
    public var ledgerNumber: Int?
    public var citizenId: String?
    public var moetId: String?
    public var school: String?
    public var year: Int?

    public init(text: String? = nil) { self.text = text }

    /// The index query this request means: the free text is told apart by its shape (12 digits a citizen ID, 10 a
    /// MOET id, other digits a year or ledger number, a date, a serial, else name words).
    package func query() throws -> EntryQuery {
        var q = EntryQuery()
        func tokens(_ s: String) -> [String] { VietnameseText.fold(s).split(separator: " ").map(String.init) }
        if let text = text.map(VietnameseText.trimmed), !text.isEmpty {
            let digits = text.allSatisfy { $0.isASCII && $0.isNumber }
            if digits && text.count == 12 {
                q.citizenId = text
            } else if digits && text.count == 10 {
                q.moetId = text
            } else if digits, let n = Int(text) {
                q.yearOrNumber = n
            } else if let d = DateCell.parse(text, format: "d/M/yyyy") ?? DateCell.parse(text, format: "yyyy-MM-dd") {
                q.dateOfBirth = d
            } else if text.contains(where: { $0.isNumber }), !text.contains(" "), text.contains(where: { $0.isLetter }) {
                // (A name has no digit: it is told apart before Foundation's substring search is asked anything.)
                q.serial = text.uppercased() == text ? text : text.uppercased()
            } else {
                q.nameTokens = tokens(text)
            }
        }
        if let n = name { q.nameTokens += tokens(n) }
        if let p = placeOfBirth { q.placeTokens = tokens(p) }
        if let s = school { q.schoolTokens = tokens(s) }
        if let d = dateOfBirth {
            guard let iso = DateCell.parse(d, format: "d/M/yyyy") ?? DateCell.parse(d, format: "yyyy-MM-dd") else {
                throw HosoError(
                    .ledgerValueInvalid,
                    .both(
                        "Ngày sinh không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)",
                        "Invalid date of birth (dd/mm/yyyy or yyyy-mm-dd)"), location: d)
            }
            q.dateOfBirth = iso
        }
        if let s = serial { q.serial = s }
        if let n = ledgerNumber { q.ledgerNumber = n }
        if let c = citizenId { q.citizenId = c }
        if let m = moetId { q.moetId = m }
        if let y = year { q.year = y }
        return q
    }
}
