import HosoCore
import HosoIndex
import HosoRecords

/// A request that names no diploma the ledger can find by itself — an online request whose holder knew the school and
/// year but not the serial — is matched by the clerk: hoso lists the entries that may be the one, the clerk checks
/// and names it, and the request then names that entry (serial, ledger and number) for issuing.
extension Archive {
    /// Entries that may be the one the request means, best first: by the holder's name with the date of birth, school
    /// and year the request gives; by the name alone when those find nobody (a date typed wrong on the form).
    public func candidateEntries(for r: CitizenRequest, limit: Int = 10) throws -> [EntryRow] {
        guard !r.holderName.isEmpty else { return [] }
        var f = FindRequest()
        f.name = r.holderName
        f.dateOfBirth = r.holderDateOfBirth
        f.school = r.online?.school
        f.year = r.online?.year
        if let hits = try? find(f, limit: limit), !hits.isEmpty { return hits }
        var byName = FindRequest()
        byName.name = r.holderName
        return try find(byName, limit: limit)
    }

    /// The clerk names the entry (`LEDGER#NUMBER` or a serial) the request means, having checked it: the request
    /// names that diploma from now on and is "checked". Only an open request; an entry that does not exist is refused.
    @discardableResult
    public func attachEntry(request id: String, entryRef: String, clerk: String) throws -> CitizenRequest {
        let view = try ledgerEntry(entryRef)
        return try updateRequest(id, author: clerk, reason: "đối chiếu sổ gốc / ledger entry checked: \(view.ref)") { r in
            guard r.status == .received || r.status == .checked else {
                throw HosoError(
                    .requestState, .both("Yêu cầu đã được giải quyết", "The request has been dealt with already"), location: id)
            }
            r.serial = view.serial
            r.ledgerRecordId = view.ledgerRecordId
            r.ledgerNumber = view.ledgerNumber
            r.checkedEntry = view.ref
            r.status = .checked
        }
    }
}
