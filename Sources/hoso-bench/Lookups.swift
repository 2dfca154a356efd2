// The lookups of `hoso-bench records`: what is asked, Archive.find's way through the index, and the same questions
// as raw prepared statements on the same index file.
import GRDBSQLite
import HosoBenchSupport
import HosoIndex  // ArchiveIndex.findEntries: to tell the layers apart
import HosoRecords  // VietnameseText.fold

enum LookupKind: String, CaseIterable, Codable {
    case serial
    case fullName = "full_name"
    case partialName = "partial_name"
    var label: String {
        switch self {
        case .serial: return "by serial"
        case .fullName: return "by full name"
        case .partialName: return "by 2-token name"
        }
    }
}

struct Lookup {
    var kind: LookupKind
    /// What a person types into `hoso find`.
    var text: String
    /// The entry it was drawn from; a serial lookup must return exactly it, a full-name lookup must include it
    /// (unless the 100-row limit is hit).
    var expectSerial: String
    /// The FTS query `ArchiveIndex.findEntries` builds (last token as a prefix), and one with exact tokens.
    var ftsSame: String
    var ftsPlain: String
    /// What `Archive.find` hands to the index for this text, built outside the timing: measuring
    /// `ArchiveIndex.findEntries` with it separates the request parsing from the index layer.
    var query: EntryQuery
}

/// `ArchiveIndex.findEntries` driven as `Archive.find` drives it (a whole name exactly, through the name index,
/// before its words anywhere), so only the text parsing is left out. Keep in step with `Archive.find`.
func findEntriesAsFindDoes(_ index: any ArchiveIndexing, _ q: EntryQuery) throws -> [EntryRow] {
    if q.nameTokens.count >= 2 {
        var exact = q
        exact.exactName = q.nameTokens.joined(separator: " ")
        let hits = try index.findEntries(exact, limit: 100)
        if !hits.isEmpty { return hits }
    }
    return try index.findEntries(q, limit: 100)
}

/// `ArchiveIndex.ftsQuery` is internal; this is the same construction, so the reference asks the same question.
func ftsQuery(_ tokens: [String], prefixLast: Bool) -> String {
    let quoted = tokens.enumerated().map { i, t in
        "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (prefixLast && i == tokens.count - 1 ? "*" : "")
    }
    return "nameKey : (" + quoted.joined(separator: " AND ") + ")"
}

/// Raw prepared statements on the archive's own index file.
final class RefLookups {
    let db: RawDB
    /// Exactly the SQL `findEntries` runs for these requests.
    let serialSame: OpaquePointer
    let nameSame: OpaquePointer
    /// The plain forms: serial equality, and an FTS join with exact tokens and no ordering.
    let namePlain: OpaquePointer
    /// A whole typed name is also answerable by the index on the folded name (entry_name_order).
    let nameKeyEquals: OpaquePointer
    var serialColumn: Int32 = -1
    /// Keeps the column reads observable, so the optimizer cannot drop them.
    var sink = 0

    static let serialSQL = "SELECT * FROM entry WHERE serial = ? ORDER BY year, ledgerNumber LIMIT 100"
    static let nameSQL =
        "SELECT * FROM entry WHERE rowid IN (SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?) "
        + "ORDER BY year, ledgerNumber LIMIT 100"
    static let plainSQL =
        "SELECT entry.* FROM entry_fts JOIN entry ON entry.rowid = entry_fts.rowid "
        + "WHERE entry_fts MATCH ? LIMIT 100"
    static let nameKeySQL = "SELECT * FROM entry WHERE nameKey = ? ORDER BY year, ledgerNumber LIMIT 100"

    init(path: String) throws {
        db = try RawDB(path: path, readOnly: true)
        try db.exec(ArchiveIndex.connectionPragmas)  // as the archive's readers have them
        serialSame = try db.prepare(Self.serialSQL)
        nameSame = try db.prepare(Self.nameSQL)
        namePlain = try db.prepare(Self.plainSQL)
        nameKeyEquals = try db.prepare(Self.nameKeySQL)
        for c in 0..<sqlite3_column_count(serialSame) where String(cString: sqlite3_column_name(serialSame, c)) == "serial" {
            serialColumn = c
        }
    }

    deinit { for s in [serialSame, nameSame, namePlain, nameKeyEquals] { sqlite3_finalize(s) } }

    /// Runs one statement, reading every column of every row (as a caller would use them). With `collect`,
    /// returns the serials too (verification only: the timed runs do not allocate).
    @inline(__always)
    func run(_ s: OpaquePointer, _ arg: String, collect: Bool = false) -> (rows: Int, serials: [String]) {
        sqlite3_bind_text(s, 1, arg, -1, transient())
        var rows = 0
        var serials = [String]()
        let n = sqlite3_column_count(s)
        while sqlite3_step(s) == SQLITE_ROW {
            rows += 1
            for c in 0..<n {
                switch sqlite3_column_type(s, c) {
                case SQLITE_INTEGER: sink &+= Int(truncatingIfNeeded: sqlite3_column_int64(s, c))
                case SQLITE_TEXT:
                    if let p = sqlite3_column_text(s, c) { sink &+= Int(p.pointee) &+ Int(sqlite3_column_bytes(s, c)) }
                default: break
                }
            }
            if collect, let p = sqlite3_column_text(s, serialColumn) { serials.append(String(cString: p)) }
        }
        sqlite3_reset(s)
        sqlite3_clear_bindings(s)
        return (rows, serials)
    }

    /// What `Archive.find` answers, as plain SQL: a whole typed name (2+ words) matches exactly through the
    /// name index first; only when nobody has exactly that name are the words searched anywhere (FTS).
    func same(_ q: Lookup, collect: Bool = false) -> (rows: Int, serials: [String]) {
        if q.kind == .serial { return run(serialSame, q.expectSerial, collect: collect) }
        let exact = run(nameKeyEquals, q.text, collect: collect)
        return exact.rows > 0 ? exact : run(nameSame, q.ftsSame, collect: collect)
    }

    func plain(_ q: Lookup) -> Int {
        q.kind == .serial ? run(serialSame, q.expectSerial).rows : run(namePlain, q.ftsPlain).rows
    }

    func byNameKey(_ q: Lookup) -> Int { run(nameKeyEquals, q.text).rows }

    func plans() throws -> [String: [String]] {
        var out = [String: [String]]()
        for (name, sql) in [
            ("serial", Self.serialSQL), ("name", Self.nameSQL), ("name_plain", Self.plainSQL),
            ("name_key", Self.nameKeySQL),
        ] {
            out[name] = try db.strings("EXPLAIN QUERY PLAN " + sql.replacingOccurrences(of: "?", with: "'x'"), column: 3)
        }
        return out
    }
}

struct Latency: Codable {
    var p50Us: Double
    var p99Us: Double
    var maxUs: Double
    var meanUs: Double

    init(_ ns: [UInt64]) {
        let s = Percentiles(ns)
        p50Us = s.us(0.50)
        p99Us = s.us(0.99)
        maxUs = s.maxUs
        meanUs = s.meanUs
    }
}

struct LookupResult: Codable {
    var queries: Int
    var meanHits: Double
    /// `Archive.find` with the typed text: what the target is about.
    var hoso: Latency
    /// `ArchiveIndex.findEntries` with the query `find` would build (built outside the timing).
    var findEntries: Latency
    /// The same SQL through raw prepared statements.
    var sqlite: Latency
    /// Plain SQL: the FTS join with exact tokens and no ordering (names only).
    var sqlitePlain: Latency?
    /// `nameKey = ?` on the name index (full names only).
    var sqliteNameKey: Latency?
    /// Archive.find against the same SQL.
    var ratioP50: Double
    var ratioP99: Double
}

func makeLookups(kind: LookupKind, targets: [Target]) -> [Lookup] {
    targets.map { t in
        let tokens = VietnameseText.fold(t.fullName).split(separator: " ").map(String.init)
        var q = EntryQuery()
        switch kind {
        case .serial:
            q.serial = t.serial
            return Lookup(kind: kind, text: t.serial, expectSerial: t.serial, ftsSame: "", ftsPlain: "", query: q)
        case .fullName:
            q.nameTokens = tokens
            return Lookup(
                kind: kind, text: tokens.joined(separator: " "), expectSerial: t.serial,
                ftsSame: ftsQuery(tokens, prefixLast: true), ftsPlain: ftsQuery(tokens, prefixLast: false), query: q)
        case .partialName:
            let two = Array(tokens.suffix(2))  // middle + given name: what someone who forgot the surname types
            q.nameTokens = two
            return Lookup(
                kind: kind, text: two.joined(separator: " "), expectSerial: t.serial,
                ftsSame: ftsQuery(two, prefixLast: true), ftsPlain: ftsQuery(two, prefixLast: false), query: q)
        }
    }
}
