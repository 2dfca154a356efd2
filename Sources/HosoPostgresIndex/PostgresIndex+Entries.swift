import Foundation
import HosoCore
import HosoIndex
import HosoPostgres
import HosoStore
import PostgresNIO

// The entries of ledger records: `find`, the public verification's lookups, and the numbering checks of imports.
extension PostgresIndex {
    /// Rows per INSERT: each column goes as one array, so a statement carries this many entries.
    static let entryBatch = 5000

    static func deleteEntries(_ c: BlockingPostgresConnection, recordId: String) throws {
        try c.query("DELETE FROM entry WHERE record_id = \(recordId)")
    }

    static func deleteEntries(_ c: BlockingPostgresConnection, recordIds: [String]) throws {
        for ids in chunks(recordIds) { try c.query("DELETE FROM entry WHERE record_id = ANY(\(ids)::text[])") }
    }

    /// `items` in pieces of at most `entryBatch`: one statement's array each.
    static func chunks(_ items: [String]) -> [[String]] {
        stride(from: 0, to: items.count, by: entryBatch).map { Array(items[$0..<min($0 + entryBatch, items.count)]) }
    }

    /// Rows per INSERT when writing entries: each column goes as one array. Smaller than `entryBatch`, so that the
    /// next statement is built while the server runs the last (`pipeline`).
    static let insertBatch = 2000

    /// Entry rows in the order given (their ids, the last tie-breaker of a search, follow it), with `revisionId`
    /// instead of theirs when given.
    static func insertEntries(_ c: BlockingPostgresConnection, _ entries: [EntryRow], revisionId: String? = nil) throws {
        var start = 0
        try c.pipeline {
            guard start < entries.count else { return nil }
            let e = entries[start..<min(start + insertBatch, entries.count)]
            start += e.count
            return insertStatement(e, revisionId: revisionId)
        }
    }

    /// One INSERT of `e`. NULLs travel as flags beside the values: postgres-nio sends no array of optionals.
    private static func insertStatement(_ e: ArraySlice<EntryRow>, revisionId: String?) -> PostgresQuery {
        """
        INSERT INTO entry (revision_id, record_id, stt, full_name, name_key, date_of_birth, place_of_birth, sex, ethnicity,
            graduation_grade, serial, ledger_number, year, school, issuer, citizen_id, moet_id, page,
            name_words, place_words, school_words)
        SELECT rev, rec, stt, nm, nk, dob, pob, sex, eth, grade, ser, num, yr, sch, iss,
            CASE WHEN nc THEN NULL ELSE cid END, CASE WHEN nmo THEN NULL ELSE mid END, CASE WHEN np THEN NULL ELSE pg END,
            nw::tsvector, pw::tsvector, sw::tsvector
        FROM unnest(
            \(e.map { revisionId ?? $0.revisionId })::text[], \(e.map(\.recordId))::text[], \(e.map(\.stt))::int8[],
            \(e.map(\.fullName))::text[], \(e.map(\.nameKey))::text[], \(e.map(\.dateOfBirth))::text[],
            \(e.map(\.placeOfBirth))::text[], \(e.map(\.sex))::text[], \(e.map(\.ethnicity))::text[],
            \(e.map(\.graduationGrade))::text[], \(e.map(\.serial))::text[], \(e.map(\.ledgerNumber))::int8[],
            \(e.map(\.year))::int8[], \(e.map(\.school))::text[], \(e.map(\.issuer))::text[],
            \(e.map { $0.citizenId ?? "" })::text[], \(e.map { $0.citizenId == nil })::bool[],
            \(e.map { $0.moetId ?? "" })::text[], \(e.map { $0.moetId == nil })::bool[],
            \(e.map { $0.page ?? 0 })::int8[], \(e.map { $0.page == nil })::bool[],
            \(e.map { FullTextWords.vector($0.nameKey) })::text[], \(e.map { FullTextWords.vector($0.placeKey) })::text[],
            \(e.map { FullTextWords.vector($0.schoolKey) })::text[])
            WITH ORDINALITY AS u(rev, rec, stt, nm, nk, dob, pob, sex, eth, grade, ser, num, yr, sch, iss, cid, nc, mid, nmo,
                pg, np, nw, pw, sw, n)
        ORDER BY n
        """
    }

    package func replaceEntries(ofRecords records: [(recordId: String, entries: [EntryRow])]) throws {
        if records.isEmpty { return }
        // One DELETE and a few INSERTs of up to `entryBatch` rows for the whole batch, not a round trip per ledger.
        // A record named twice keeps its last entries, as replacing one after the other would.
        var last = [String: Int]()
        for (i, r) in records.enumerated() { last[r.recordId] = i }
        let kept = records.enumerated().filter { last[$0.element.recordId] == $0.offset }.map(\.element)
        try transaction { c in
            try c.execute("SET LOCAL synchronous_commit = on")
            try Self.deleteEntries(c, recordIds: kept.map(\.recordId))
            try Self.insertEntries(c, kept.flatMap(\.entries))
        }
    }

    package func record(
        revision: RevisionRow, objects: [StoredObject], entries: [EntryRow]?, manifest: ManifestRow?, names: [NameRow],
        refs: [RecordRef]
    ) throws {
        try transaction { c in
            try Self.insert(c, objects: objects)
            try Self.insert(c, revisions: [revision])
            try Self.insert(c, refs: [(revision.id, revision.recordId, refs)])
            if let manifest { try Self.insert(c, manifest: manifest, names: names) }
            if let entries {
                try Self.deleteEntries(c, recordId: revision.recordId)
                try Self.insertEntries(c, entries)
            }
        }
    }

    package func record(
        entriesOf recordId: String, pending entries: [EntryRow], revisionId: () throws -> String, finish: () throws -> PendingRevision
    ) throws {
        // Not run again on a clash: the closures are the caller's (they write to the store).
        try transaction(retries: 0) { c in
            try Self.deleteEntries(c, recordId: recordId)
            let id = try revisionId()
            try Self.insertEntries(c, entries, revisionId: id)
            let done = try finish()
            try done.requireMatches(recordId: recordId, revisionId: id)
            try Self.insert(c, objects: done.objects)
            try Self.insert(c, revisions: [done.revision])
            if let manifest = done.manifest { try Self.insert(c, manifest: manifest, names: done.names) }
        }
    }

    package func usedNumbers(
        year: Int, issuer: String, excludingRecord recordId: String, serials wanted: [String], numbers range: ClosedRange<Int>?
    ) throws -> (serials: [String: String], numbers: [Int: String]) {
        try snapshot { c in
            var serials = [String: String]()
            for chunk in Self.chunks(wanted) {
                for row in try c.query(
                    "SELECT serial, record_id, ledger_number, year FROM entry WHERE record_id <> \(recordId) AND serial = ANY(\(chunk)::text[])"
                ) {
                    let (serial, rid, n, y) = try row.decode((String, String, Int, Int).self)
                    serials[serial] = "\(rid) #\(n)/\(y)"
                }
            }
            var numbers = [Int: String]()
            let r = range ?? Int.min...Int.max
            for row in try c.query(
                """
                SELECT ledger_number, record_id, serial FROM entry
                WHERE year = \(year) AND ledger_number BETWEEN \(r.lowerBound) AND \(r.upperBound) AND issuer = \(issuer)
                    AND record_id <> \(recordId)
                """)
            {
                let (n, rid, serial) = try row.decode((Int, String, String).self)
                numbers[n] = "\(rid), \(serial)"
            }
            return (serials, numbers)
        }
    }

    package func findEntries(_ q: EntryQuery, limit: Int) throws -> [EntryRow] {
        var conds = [String]()
        var binds = PostgresBindings()
        func bind(_ v: String) -> String {
            binds.append(v)
            return "$\(binds.count)"
        }
        func bind(_ v: Int) -> String {
            binds.append(v)
            return "$\(binds.count)"
        }
        // A token with no word in it matches nothing in FTS5, so the SQLite index answers nothing: so here.
        func words(_ column: String, _ tokens: [String]) -> Bool {
            guard let query = FullTextWords.query(tokens) else { return false }
            conds.append("\(column) @@ \(bind(query))::tsquery")
            return true
        }
        if let exact = q.exactName {
            conds.append("name_key = \(bind(exact))")
        } else if !q.nameTokens.isEmpty {
            guard words("name_words", q.nameTokens) else { return [] }
        }
        if !q.placeTokens.isEmpty { guard words("place_words", q.placeTokens) else { return [] } }
        if !q.schoolTokens.isEmpty { guard words("school_words", q.schoolTokens) else { return [] } }
        if let v = q.dateOfBirth { conds.append("date_of_birth = \(bind(v))") }
        if let v = q.serial { conds.append("serial = \(bind(v))") }
        if let v = q.citizenId { conds.append("citizen_id = \(bind(v))") }
        if let v = q.moetId { conds.append("moet_id = \(bind(v))") }
        if let v = q.year { conds.append("year = \(bind(v))") }
        if let v = q.ledgerNumber { conds.append("ledger_number = \(bind(v))") }
        if let v = q.recordId { conds.append("record_id = \(bind(v))") }
        if let n = q.yearOrNumber { conds.append("(year = \(bind(n)) OR ledger_number = \(bind(n)))") }
        if conds.isEmpty { return [] }
        let sql =
            """
            SELECT revision_id, record_id, stt, full_name, name_key, date_of_birth, place_of_birth, sex, ethnicity,
                graduation_grade, serial, ledger_number, year, school, issuer, citizen_id, moet_id, page
            FROM entry WHERE \(conds.joined(separator: " AND ")) ORDER BY year, ledger_number, id LIMIT \(limit < 0 ? "ALL" : String(limit))
            """
        return try read { c in
            try c.query(PostgresQuery(unsafeSQL: sql, binds: binds)).map { row in
                let (rev, rec, stt, name, key, dob, pob, sex, eth, grade, serial, number, year, school, issuer, cid, mid, page) =
                    try row.decode(
                        (
                            String, String, Int, String, String, String, String, String, String, String, String, Int, Int, String, String,
                            String?, String?, Int?
                        ).self)
                // As the SQLite index's lookups: the place and school keys are for searching, not returned.
                return EntryRow(
                    revisionId: rev, recordId: rec, stt: stt, fullName: name, nameKey: key, dateOfBirth: dob, placeOfBirth: pob,
                    placeKey: "", sex: sex, ethnicity: eth, graduationGrade: grade, serial: serial, ledgerNumber: number,
                    year: year, school: school, schoolKey: "", issuer: issuer, citizenId: cid, moetId: mid, page: page)
            }
        }
    }

    package func entryCount() throws -> Int {
        try read { c in try c.query("SELECT count(*) FROM entry").first?.decode(Int.self) ?? 0 }
    }
}
