import Foundation
import HosoCore
import HosoIndex
import HosoRecords
import HosoStore

extension Archive {
    /// The diploma a clerk names: its serial, or "LEDGER-RECORD-ID#LEDGER-NUMBER".
    public func ledgerEntry(_ ref: String) throws -> LedgerEntryView {
        var q = EntryQuery()
        if let hash = ref.lastIndex(of: "#"), let n = Int(ref[ref.index(after: hash)...]) {
            let recordId = String(ref[..<hash])
            q.ledgerNumber = n
            q.recordId = recordId  // through the ledger's own rows: a ledger number alone is in every year
            let rows = try index.findEntries(q, limit: 1000)
            return try view(of: rows, ref: ref)
        }
        q.serial = ref
        return try view(of: try index.findEntries(q, limit: 10), ref: ref)
    }

    private func view(of rows: [EntryRow], ref: String) throws -> LedgerEntryView {
        guard let row = rows.first else {
            throw HosoError(.ledgerEntryNotFound, .both("Không có mục sổ gốc này", "No such ledger entry"), location: ref)
        }
        guard rows.count == 1 else {
            throw HosoError(
                .entryAmbiguous, .both("Nhiều mục sổ gốc khớp; dùng SỔ#SỐ-VÀO-SỔ", "Several ledger entries match; use LEDGER#NUMBER"),
                location: ref, cause: rows.map { "\($0.recordId)#\($0.ledgerNumber)" }.joined(separator: ", "))
        }
        let (_, ledger) = try current(record: row.recordId)
        guard case .array(let entries)? = ledger.body["entries"],
            let found = entries.first(where: { ($0["ledgerNumber"])?.integerValue == row.ledgerNumber }), case .object(let members) = found
        else {
            throw HosoError(
                .ledgerEntryNotFound, .both("Mục sổ gốc không còn trong bản hiện tại", "The entry is not in the ledger's current revision"),
                location: ref)
        }
        var fields = [String: LedgerEntryView.EntryValue]()
        for m in members {
            switch m.value {
            case .string(let s): fields[m.key] = .text(s)
            case .number(let d) where d == d.rounded(): fields[m.key] = .number(Int(d))
            case .bool(let b): fields[m.key] = .flag(b)
            default: continue  // page regions and the like are not part of the diploma's text
            }
        }
        for volatile in ["page", "stt", "recipientSigned", "notes"] { fields[volatile] = nil }
        var decision: String?
        if case .object? = ledger.body["decision"] {
            decision = [(ledger.body["decision"]?["number"])?.stringValue, (ledger.body["decision"]?["date"])?.stringValue].compactMap {
                $0
            }.joined(
                separator: ", ")
        }
        var view = LedgerEntryView(
            ledgerRecordId: row.recordId, issuer: ledger.body["issuer"]?.stringValue ?? row.issuer,
            title: ledger.body["title"]?.stringValue ?? "", year: ledger.body["year"]?.integerValue ?? row.year,
            school: ledger.body["school"]?.stringValue ?? row.school, decision: decision, entry: fields,
            corrections: [], revocation: nil)
        // Appendices in decision-date order, then id: a later correction of the same field wins.
        // The index knows which appendices and revocations name this entry; each is then read as it stands
        // (`current` refuses a record in conflict, as before).
        let entryKey = "\(row.recordId)#\(row.ledgerNumber)"
        let naming = Set(try index.heads(referring: "entry", to: entryKey).map(\.recordId)).sorted()
        var appendices = [(date: String, id: String, rev: String, body: JSONValue)]()
        for id in naming {
            let (rid, rev) = try current(record: id)
            guard rev.recordType == "ledger-appendix" else { continue }
            guard rev.body["ledgerRecordId"]?.stringValue == row.recordId, rev.body["ledgerNumber"]?.integerValue == row.ledgerNumber else {
                continue
            }
            appendices.append(((rev.body["decision"]?["date"])?.stringValue ?? "", id, rid.hex, rev.body))
        }
        for a in appendices.sorted(by: { ($0.date, $0.id) < ($1.date, $1.id) }) {
            var changed = [String]()
            if case .array(let list)? = a.body["corrections"] {
                for c in list {
                    guard let field = c["field"]?.stringValue else { continue }
                    switch c["to"] {
                    case .string(let s)?: view.entry[field] = .text(s)
                    case .number(let d)? where d == d.rounded(): view.entry[field] = .number(Int(d))
                    default: continue
                    }
                    changed.append(field)
                }
            }
            let decision = [(a.body["decision"]?["number"])?.stringValue, (a.body["decision"]?["date"])?.stringValue].compactMap { $0 }
                .joined(separator: ", ")
            view.corrections.append(
                .init(appendixRecordId: a.id, revision: a.rev, decision: decision.isEmpty ? nil : decision, fields: changed))
        }
        for id in naming {
            let (_, rev) = try current(record: id)
            guard rev.recordType == "revocation", rev.body["ledgerRecordId"]?.stringValue == row.recordId,
                rev.body["ledgerNumber"]?.integerValue == row.ledgerNumber
            else { continue }
            let decision = [(rev.body["decision"]?["number"])?.stringValue, (rev.body["decision"]?["date"])?.stringValue].compactMap { $0 }
                .joined(
                    separator: ", ")
            view.revocation = .init(
                recordId: id, kind: rev.body["kind"]?.stringValue ?? "", decision: decision.isEmpty ? nil : decision,
                reason: rev.body["reason"]?.stringValue ?? "")
        }
        return view
    }
}
