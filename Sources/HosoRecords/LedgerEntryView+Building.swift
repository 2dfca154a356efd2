import Foundation
import HosoCore

/// Building the view from record bodies: the ledger's entry, then its appendices' corrections, then a revocation.
/// Reading the records is the caller's (the archive's); what they mean is decided here.
extension LedgerEntryView {
    /// A decision's "number, date" as the ledger and its appendices record it, or nil when neither is given.
    package static func decisionText(_ body: JSONValue) -> String? {
        let parts = [(body["decision"]?["number"])?.stringValue, (body["decision"]?["date"])?.stringValue].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// The entry with `ledgerNumber` of a ledger revision's body, or nil if that revision has no such entry.
    /// Fields the diploma does not print (page, row, the recipient's signature, notes) are left out.
    package init?(ledgerRecordId: String, ledger body: JSONValue, ledgerNumber: Int, fallback: (issuer: String, year: Int, school: String))
    {
        guard case .array(let entries)? = body["entries"],
            case .object(let members)? = entries.first(where: { ($0["ledgerNumber"])?.integerValue == ledgerNumber })
        else { return nil }
        var fields = [String: EntryValue]()
        for m in members {
            switch m.value {
            case .string(let s): fields[m.key] = .text(s)
            case .number(let d) where d == d.rounded(): fields[m.key] = .number(Int(d))
            case .bool(let b): fields[m.key] = .flag(b)
            default: continue  // page regions and the like are not part of the diploma's text
            }
        }
        for volatile in ["page", "stt", "recipientSigned", "notes"] { fields[volatile] = nil }
        // A decision object with neither number nor date reads "" (not nil), as copies already issued embed it.
        var decision: String?
        if case .object? = body["decision"] { decision = Self.decisionText(body) ?? "" }
        self.init(
            ledgerRecordId: ledgerRecordId, issuer: body["issuer"]?.stringValue ?? fallback.issuer,
            title: body["title"]?.stringValue ?? "", year: body["year"]?.integerValue ?? fallback.year,
            school: body["school"]?.stringValue ?? fallback.school,
            decision: decision, entry: fields, corrections: [])
    }

    /// Whether a record body (an appendix or a revocation) is about this entry.
    package func isNamed(by body: JSONValue) -> Bool {
        body["ledgerRecordId"]?.stringValue == ledgerRecordId && body["ledgerNumber"]?.integerValue == ledgerNumber
    }

    /// Applies one appendix's corrections (the caller applies them in decision-date order, so a later one wins).
    package mutating func apply(appendix id: String, revision: String, body: JSONValue) {
        var changed = [String]()
        if case .array(let list)? = body["corrections"] {
            for c in list {
                guard let field = c["field"]?.stringValue else { continue }
                switch c["to"] {
                case .string(let s)?: entry[field] = .text(s)
                case .number(let d)? where d == d.rounded(): entry[field] = .number(Int(d))
                default: continue
                }
                changed.append(field)
            }
        }
        corrections.append(.init(appendixRecordId: id, revision: revision, decision: Self.decisionText(body), fields: changed))
    }

    /// Records a revocation decision.
    package mutating func apply(revocation id: String, body: JSONValue) {
        revocation = .init(
            recordId: id, kind: body["kind"]?.stringValue ?? "", decision: Self.decisionText(body),
            reason: body["reason"]?.stringValue ?? "")
    }
}
