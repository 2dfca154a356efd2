import Foundation
import GRDB
import GRDBSQLite  // the C API of the SQLite GRDB links, for the hot insert loop
import HosoCore
import HosoStore

// The entries of ledger records, for `hoso find` and the numbering checks of imports.
extension ArchiveIndex {
    /// Replaces the indexed entries of one ledger record by `entries` (those of its current heads).
    package func replaceEntries(ofRecords records: [(recordId: String, entries: [EntryRow])]) throws {
        try write { db in
            for r in records { try Self.replaceEntries(db, recordId: r.recordId, entries: r.entries) }
        }
    }

    /// Records a revision and its entries in one transaction, so `find` never sees one without the other.
    package func record(
        revision: RevisionRow, objects: [StoredObject], entries: [EntryRow]?,
        manifest: ManifestRow?, names: [NameRow], refs: [RecordRef]
    ) throws {
        try write { db in
            try Self.insert(db, objects: objects)
            try Self.insert(db, revisions: [revision])
            try Self.insert(db, refs: [(revision.id, revision.recordId, refs)])
            if let manifest { try Self.insert(db, manifest: manifest, names: names) }
            if let entries { try Self.replaceEntries(db, recordId: revision.recordId, entries: entries) }
        }
    }

    /// What completes a transaction started by `record(entriesOf:pending:revisionId:finish:)`.
    package typealias PendingRevision = HosoIndex.PendingRevision

    /// The same as `record(revision:objects:entries:manifest:names:)` with `entries` all of the new revision, in
    /// one transaction, but begun before the revision exists, so that an import writes most of its index while it
    /// serializes, checks and stores the revision. The record's old entries are deleted and the new ones' full-text
    /// rows written; then `revisionId` is called and waits, typically on another thread, for the new revision's
    /// id, and the entry rows are written with it (the `revisionId` of `entries` is ignored); then `finish` waits
    /// until the caller has made the revision durable in the store and returns it with the objects to record, and
    /// the transaction commits. If either throws, everything is rolled back. The rows get the same rowids as
    /// `replaceEntries` would give them. So the index still never names an object the store does not hold.
    /// Neither closure may use this index: the transaction holds its writer.
    package func record(
        entriesOf recordId: String, pending entries: [EntryRow], revisionId: () throws -> String,
        finish: () throws -> PendingRevision
    ) throws {
        try write { db in
            try Self.deleteEntries(db, recordId: recordId)
            // The rowids SQLite would choose, max + 1 onwards, known before the rows exist (the write lock is ours).
            let last = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM entry") ?? 0
            let id: String
            if last <= Int64.max - Int64(entries.count) {
                try Self.insertFullText(db, entries, firstRowid: last + 1)
                id = try revisionId()
                try Self.insertRows(db, entries, revisionId: id, firstRowid: last + 1)
            } else {
                id = try revisionId()  // rowids exhausted at the top: let SQLite choose, as replaceEntries does
                try Self.replaceEntries(
                    db, recordId: recordId,
                    entries: entries.map {
                        var e = $0
                        e.revisionId = id
                        return e
                    })
            }
            let done = try finish()
            try done.requireMatches(recordId: recordId, revisionId: id)
            try Self.insert(db, objects: done.objects)
            try Self.insert(db, revisions: [done.revision])
            if let manifest = done.manifest { try Self.insert(db, manifest: manifest, names: done.names) }
        }
    }

    static func deleteEntries(_ db: Database, recordId: String) throws {
        try db.execute(sql: "DELETE FROM entry_fts WHERE rowid IN (SELECT rowid FROM entry WHERE recordId = ?)", arguments: [recordId])
        try db.execute(sql: "DELETE FROM entry WHERE recordId = ?", arguments: [recordId])
    }

    /// Entry rows with the rowids from `firstRowid` on, all of revision `revisionId`.
    static func insertRows(_ db: Database, _ entries: [EntryRow], revisionId: String, firstRowid: Int64) throws {
        if entries.isEmpty { return }
        let ins = try db.cachedStatement(
            sql: """
                INSERT INTO entry (rowid, revisionId, recordId, stt, fullName, nameKey, dateOfBirth, placeOfBirth, sex, ethnicity,
                    graduationGrade, serial, ledgerNumber, year, school, issuer, citizenId, moetId, page)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed database") }
        let s = ins.sqliteStatement
        defer {
            sqlite3_reset(s)
            sqlite3_clear_bindings(s)
        }
        // Bindings outlive a reset: the values a ledger's rows share are bound again only when they change.
        RawBind.text(s, 2, revisionId)
        var shared: (recordId: String, year: Int, school: String, issuer: String)? = nil
        for (i, e) in entries.enumerated() {
            sqlite3_bind_int64(s, 1, firstRowid + Int64(i))
            if let shared, RawBind.sameBytes(shared.recordId, e.recordId), shared.year == e.year,
                RawBind.sameBytes(shared.school, e.school), RawBind.sameBytes(shared.issuer, e.issuer)
            {
                // the same as the row before
            } else {
                RawBind.text(s, 3, e.recordId)
                RawBind.int(s, 14, e.year)
                RawBind.text(s, 15, e.school)
                RawBind.text(s, 16, e.issuer)
                shared = (e.recordId, e.year, e.school, e.issuer)
            }
            RawBind.int(s, 4, e.stt)
            RawBind.text(s, 5, e.fullName)
            RawBind.text(s, 6, e.nameKey)
            RawBind.text(s, 7, e.dateOfBirth)
            RawBind.text(s, 8, e.placeOfBirth)
            RawBind.text(s, 9, e.sex)
            RawBind.text(s, 10, e.ethnicity)
            RawBind.text(s, 11, e.graduationGrade)
            RawBind.text(s, 12, e.serial)
            RawBind.int(s, 13, e.ledgerNumber)
            RawBind.text(s, 17, e.citizenId)
            RawBind.text(s, 18, e.moetId)
            RawBind.int(s, 19, e.page)
            try RawBind.run(s, connection)
        }
    }

    /// Full-text rows for entries with the rowids from `firstRowid` on.
    static func insertFullText(_ db: Database, _ entries: [EntryRow], firstRowid: Int64) throws {
        if entries.isEmpty { return }
        let fts = try db.cachedStatement(sql: "INSERT INTO entry_fts (rowid, nameKey, placeKey, schoolKey) VALUES (?, ?, ?, ?)")
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed database") }
        let f = fts.sqliteStatement
        defer {
            sqlite3_reset(f)
            sqlite3_clear_bindings(f)
        }
        var school: String? = nil  // bound again only when it changes (bindings outlive a reset)
        for (i, e) in entries.enumerated() {
            sqlite3_bind_int64(f, 1, firstRowid + Int64(i))
            RawBind.text(f, 2, e.nameKey)
            RawBind.text(f, 3, e.placeKey)
            if school == nil || !RawBind.sameBytes(school!, e.schoolKey) {
                RawBind.text(f, 4, e.schoolKey)
                school = e.schoolKey
            }
            try RawBind.run(f, connection)
        }
    }

    static func replaceEntries(_ db: Database, recordId: String, entries: [EntryRow]) throws {
        try deleteEntries(db, recordId: recordId)
        if entries.isEmpty { return }
        let ins = try db.cachedStatement(
            sql: """
                INSERT INTO entry (revisionId, recordId, stt, fullName, nameKey, dateOfBirth, placeOfBirth, sex, ethnicity,
                    graduationGrade, serial, ledgerNumber, year, school, issuer, citizenId, moetId, page)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let fts = try db.cachedStatement(sql: "INSERT INTO entry_fts (rowid, nameKey, placeKey, schoolKey) VALUES (?, ?, ?, ?)")
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed database") }
        // The SQLite C API directly: boxing eighteen values per row into statement arguments cost as much as
        // SQLite's own work. Inside GRDB's write transaction, on its cached statements, reset after use.
        let s = ins.sqliteStatement
        let f = fts.sqliteStatement
        defer {
            sqlite3_reset(s)
            sqlite3_clear_bindings(s)
            sqlite3_reset(f)
            sqlite3_clear_bindings(f)
        }
        for e in entries {
            RawBind.text(s, 1, e.revisionId)
            RawBind.text(s, 2, e.recordId)
            RawBind.int(s, 3, e.stt)
            RawBind.text(s, 4, e.fullName)
            RawBind.text(s, 5, e.nameKey)
            RawBind.text(s, 6, e.dateOfBirth)
            RawBind.text(s, 7, e.placeOfBirth)
            RawBind.text(s, 8, e.sex)
            RawBind.text(s, 9, e.ethnicity)
            RawBind.text(s, 10, e.graduationGrade)
            RawBind.text(s, 11, e.serial)
            RawBind.int(s, 12, e.ledgerNumber)
            RawBind.int(s, 13, e.year)
            RawBind.text(s, 14, e.school)
            RawBind.text(s, 15, e.issuer)
            RawBind.text(s, 16, e.citizenId)
            RawBind.text(s, 17, e.moetId)
            RawBind.int(s, 18, e.page)
            try RawBind.run(s, connection)
            sqlite3_bind_int64(f, 1, sqlite3_last_insert_rowid(connection))
            RawBind.text(f, 2, e.nameKey)
            RawBind.text(f, 3, e.placeKey)
            RawBind.text(f, 4, e.schoolKey)
            try RawBind.run(f, connection)
        }
    }

    /// Serials (unique everywhere: they are pre-printed on the blanks) and ledger numbers (unique per issuing
    /// body and calendar year) already used by other ledger records.
    package func usedNumbers(
        year: Int, issuer: String, excludingRecord recordId: String, serials wanted: [String],
        numbers range: ClosedRange<Int>?
    ) throws -> (serials: [String: String], numbers: [Int: String]) {
        try read { db in
            // Only the serials this import uses: the archive may hold millions.
            var serials = [String: String]()
            var i = 0
            while i < wanted.count {
                let chunk = Array(wanted[i..<min(i + 500, wanted.count)])
                i += chunk.count
                // A few list lengths only, padded with NULLs (which match nothing), so the statement is compiled
                // once and cached: compiling a 500-long IN list was half of this query's time.
                let width = chunk.count == 500 ? 500 : max(16, 1 << (Int.bitWidth - (chunk.count - 1).leadingZeroBitCount))
                let marks = Array(repeating: "?", count: width).joined(separator: ",")
                let stmt = try db.cachedStatement(
                    sql: "SELECT serial, recordId, ledgerNumber, year FROM entry WHERE recordId != ? AND serial IN (\(marks))")
                var values: [(any DatabaseValueConvertible)?] = [recordId]
                values += chunk.map { $0 as (any DatabaseValueConvertible)? }
                values += [(any DatabaseValueConvertible)?](repeating: nil, count: width - chunk.count)
                let rows = try Row.fetchCursor(stmt, arguments: StatementArguments(values))
                while let row = try rows.next() {
                    let serial: String = row[0]
                    let rid: String = row[1]
                    let n: Int = row[2]
                    let y: Int = row[3]
                    serials[serial] = "\(rid) #\(n)/\(y)"
                }
            }
            var numbers = [Int: String]()
            // Only the numbers this import uses (a year of a big office holds many thousands).
            let r = range ?? Int.min...Int.max
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT ledgerNumber, recordId, serial FROM entry
                    WHERE year = ? AND ledgerNumber BETWEEN ? AND ? AND issuer = ? AND recordId != ?
                    """, arguments: [year, r.lowerBound, r.upperBound, issuer, recordId])
            while let row = try rows.next() {
                let n: Int = row[0]
                let rid: String = row[1]
                let serial: String = row[2]
                numbers[n] = "\(rid), \(serial)"
            }
            return (serials, numbers)
        }
    }

    /// Entries matching every given condition. `nameTokens` must all occur in the folded name.
    package func findEntries(_ q: EntryQuery, limit: Int) throws -> [EntryRow] {
        var conds = [String]()
        var args = [LookupValue]()
        if let exact = q.exactName {
            conds.append("nameKey = ?")
            args.append(.text(exact))
        } else if !q.nameTokens.isEmpty {
            conds.append("rowid IN (SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?)")
            args.append(.text(Self.ftsQuery(column: "nameKey", q.nameTokens)))
        }
        if !q.placeTokens.isEmpty {
            conds.append("rowid IN (SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?)")
            args.append(.text(Self.ftsQuery(column: "placeKey", q.placeTokens)))
        }
        if !q.schoolTokens.isEmpty {
            conds.append("rowid IN (SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?)")
            args.append(.text(Self.ftsQuery(column: "schoolKey", q.schoolTokens)))
        }
        func eq(_ column: String, _ value: LookupValue?) {
            guard let value else { return }
            conds.append("\(column) = ?")
            args.append(value)
        }
        eq("dateOfBirth", q.dateOfBirth.map(LookupValue.text))
        eq("serial", q.serial.map(LookupValue.text))
        eq("citizenId", q.citizenId.map(LookupValue.text))
        eq("moetId", q.moetId.map(LookupValue.text))
        eq("year", q.year.map(LookupValue.int))
        eq("ledgerNumber", q.ledgerNumber.map(LookupValue.int))
        eq("recordId", q.recordId.map(LookupValue.text))
        if let n = q.yearOrNumber {
            conds.append("(year = ? OR ledgerNumber = ?)")
            args += [.int(n), .int(n)]
        }
        if conds.isEmpty { return [] }
        let sql =
            "SELECT \(EntryRow.columns) FROM entry WHERE " + conds.joined(separator: " AND ")
            + " ORDER BY year, ledgerNumber LIMIT \(limit)"
        // One SELECT (a statement reads one snapshot by itself, no transaction needed), on a lookup connection of
        // this index's own, its columns read by position: GRDB's pool, schema check and row decoding were half of
        // a name lookup's time once the query used the right index.
        do {
            return try lookups.with { connection in
                let s = try connection.statement(sql)
                defer {
                    sqlite3_reset(s)
                    sqlite3_clear_bindings(s)
                }
                for (i, a) in args.enumerated() {
                    switch a {
                    case .text(let t): RawBind.text(s, Int32(i + 1), t)
                    case .int(let n): RawBind.int(s, Int32(i + 1), n)
                    }
                }
                var out = [EntryRow]()
                out.reserveCapacity(min(limit, 128))
                while true {
                    let code = sqlite3_step(s)
                    if code == SQLITE_DONE { break }
                    guard code == SQLITE_ROW else { throw connection.error(code, sql: sql) }
                    out.append(EntryRow(selected: s))
                }
                return out
            }
        } catch let e as HosoError { throw e } catch { throw Self.wrap(error, path) }
    }

    static func ftsQuery(column: String, _ tokens: [String]) -> String {
        // Each token quoted (so no FTS operator can be injected), all required, the last one as a prefix.
        let quoted = tokens.enumerated().map { i, t in
            "\"" + (t.utf8.contains(0x22) ? t.replacingOccurrences(of: "\"", with: "\"\"") : t) + "\"" + (i == tokens.count - 1 ? "*" : "")
        }
        return "\(column) : (" + quoted.joined(separator: " AND ") + ")"
    }

    package func entryCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entry") ?? 0 }
    }
}
