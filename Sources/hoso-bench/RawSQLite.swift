import GRDBSQLite
import HosoBenchSupport
import HosoIndex  // ArchiveIndex's pragmas: the reference runs with the index's own

// The reference of `hoso-bench records`: raw sqlite3 calls on the library GRDB links, so hoso's import is compared
// with the lower bound of the same write on the very same SQLite.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bare sqlite3 connection: no Swift layer between the caller and SQLite beyond the C calls themselves.
final class RawDB {
    let handle: OpaquePointer
    let path: String

    init(path: String, readOnly: Bool = false) throws {
        var h: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        guard sqlite3_open_v2(path, &h, flags, nil) == SQLITE_OK, let h else {
            if let h { sqlite3_close_v2(h) }
            throw BenchFailure(message: "sqlite3_open_v2 \(path) failed")
        }
        handle = h
        self.path = path
    }

    deinit { sqlite3_close_v2(handle) }

    var error: String { String(cString: sqlite3_errmsg(handle)) }

    func exec(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw BenchFailure(message: "\(sql): \(error)") }
    }

    func prepare(_ sql: String) throws -> OpaquePointer {
        var s: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &s, nil) == SQLITE_OK, let s else {
            throw BenchFailure(message: "prepare \(sql): \(error)")
        }
        return s
    }

    /// Every row's first column as text (untimed helpers: schema, query plans).
    func strings(_ sql: String, column: Int32 = 0) throws -> [String] {
        let s = try prepare(sql)
        defer { sqlite3_finalize(s) }
        var out = [String]()
        while sqlite3_step(s) == SQLITE_ROW {
            if let p = sqlite3_column_text(s, column) { out.append(String(cString: p)) }
        }
        return out
    }
}

/// SQLITE_TRANSIENT is a C macro (a cast of -1), which Swift does not import.
@inline(__always) func transient() -> sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }

@inline(__always) func bind(_ s: OpaquePointer, _ i: Int32, _ v: String?) {
    if let v { sqlite3_bind_text(s, i, v, -1, transient()) } else { sqlite3_bind_null(s, i) }
}

@inline(__always) func bind(_ s: OpaquePointer, _ i: Int32, _ v: Int) { sqlite3_bind_int64(s, i, Int64(v)) }

/// Inserts `rows` as `ArchiveIndex.replaceEntries` does (an `entry` row, then its `entry_fts` row), with the
/// index's own schema, pragmas and library, but in one transaction with prepared statements and nothing else:
/// the raw-SQLite lower bound of the index write.
func referenceImport(rows: [RefRow], schema: [String], path: String) throws -> UInt64 {
    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    let db = try RawDB(path: path)
    // As GRDB's DatabasePool sets them on the archive's index, with the index's own per-connection pragmas.
    try db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
    try db.exec(ArchiveIndex.connectionPragmas)
    try db.exec(ArchiveIndex.writerPragmas)
    for sql in schema { try db.exec(sql) }
    let start = now()
    try db.exec("BEGIN IMMEDIATE")
    let ins = try db.prepare(
        """
        INSERT INTO entry (revisionId, recordId, stt, fullName, nameKey, dateOfBirth, placeOfBirth, sex, ethnicity,
            graduationGrade, serial, ledgerNumber, year, school, issuer, citizenId, moetId, page)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    let fts = try db.prepare("INSERT INTO entry_fts (rowid, nameKey, placeKey, schoolKey) VALUES (?, ?, ?, ?)")
    defer {
        sqlite3_finalize(ins)
        sqlite3_finalize(fts)
    }
    for r in rows {
        bind(ins, 1, r.revisionId)
        bind(ins, 2, r.recordId)
        bind(ins, 3, r.stt)
        bind(ins, 4, r.fullName)
        bind(ins, 5, r.nameKey)
        bind(ins, 6, r.dateOfBirth)
        bind(ins, 7, r.placeOfBirth)
        bind(ins, 8, r.sex)
        bind(ins, 9, r.ethnicity)
        bind(ins, 10, r.graduationGrade)
        bind(ins, 11, r.serial)
        bind(ins, 12, r.ledgerNumber)
        bind(ins, 13, r.year)
        bind(ins, 14, r.school)
        bind(ins, 15, r.issuer)
        bind(ins, 16, r.citizenId)
        bind(ins, 17, r.moetId)
        sqlite3_bind_null(ins, 18)
        guard sqlite3_step(ins) == SQLITE_DONE else { throw BenchFailure(message: "reference insert: \(db.error)") }
        sqlite3_reset(ins)
        sqlite3_bind_int64(fts, 1, sqlite3_last_insert_rowid(db.handle))
        bind(fts, 2, r.nameKey)
        bind(fts, 3, r.placeKey)
        bind(fts, 4, r.schoolKey)
        guard sqlite3_step(fts) == SQLITE_DONE else { throw BenchFailure(message: "reference fts insert: \(db.error)") }
        sqlite3_reset(fts)
    }
    try db.exec("COMMIT")
    return now() - start
}
