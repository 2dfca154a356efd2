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
        guard
            var view = LedgerEntryView(
                ledgerRecordId: row.recordId, ledger: ledger.body, ledgerNumber: row.ledgerNumber,
                fallback: (row.issuer, row.year, row.school))
        else {
            throw HosoError(
                .ledgerEntryNotFound, .both("Mục sổ gốc không còn trong bản hiện tại", "The entry is not in the ledger's current revision"),
                location: ref)
        }
        // Appendices in decision-date order, then id: a later correction of the same field wins.
        // The index knows which appendices and revocations name this entry; each is then read as it stands
        // (`current` refuses a record in conflict, as before).
        let naming = Set(try index.heads(referring: "entry", to: view.ref).map(\.recordId)).sorted()
        var appendices = [(date: String, id: String, rev: String, body: JSONValue)]()
        for id in naming {
            let (rid, rev) = try current(record: id)
            if rev.recordType == "ledger-appendix", view.isNamed(by: rev.body) {
                appendices.append(((rev.body["decision"]?["date"])?.stringValue ?? "", id, rid.hex, rev.body))
            } else if rev.recordType == "revocation", view.isNamed(by: rev.body) {
                view.apply(revocation: id, body: rev.body)
            }
        }
        for a in appendices.sorted(by: { ($0.date, $0.id) < ($1.date, $1.id) }) {
            view.apply(appendix: a.id, revision: a.rev, body: a.body)
        }
        return view
    }
}
