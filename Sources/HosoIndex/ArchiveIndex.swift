import Foundation
import GRDB
import GRDBSQLite  // the C API of the SQLite GRDB links, for the hot insert loop
import HosoCore
import HosoStore

/// One object as the index knows it.
public struct ObjectRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "object"
    public var id: String
    public var kind: String
    public var encoding: String
    public var size: Int64
    public var storedSize: Int64

    public init(_ o: StoredObject) {
        id = o.id.hex
        kind = o.kind.rawValue
        encoding = o.encoding.rawValue
        size = Int64(o.size)
        storedSize = Int64(o.storedSize)
    }
}

/// One `hoso add` batch: the manifest object that records which paths were added when.
public struct ManifestRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "manifest"
    public var id: String
    public var addedAt: String

    public init(id: String, addedAt: String) {
        self.id = id
        self.addedAt = addedAt
    }
}

/// A name under which an object was added, from a manifest.
public struct NameRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "name"
    public var manifestId: String
    public var objectId: String
    public var path: String
    public var size: Int64

    public init(manifestId: String, objectId: String, path: String, size: Int64) {
        self.manifestId = manifestId
        self.objectId = objectId
        self.path = path
        self.size = size
    }
}

/// One record revision as the index knows it (the object itself holds the body).
public struct RevisionRow: Sendable, Equatable, Codable {
    public var id: String
    public var recordType: String
    public var recordId: String
    public var author: String
    public var time: String
    public var reason: String?
    public var parents: [String]

    public init(id: String, recordType: String, recordId: String, author: String, time: String, reason: String?, parents: [String]) {
        self.id = id
        self.recordType = recordType
        self.recordId = recordId
        self.author = author
        self.time = time
        self.reason = reason
        self.parents = parents
    }
}

/// One ledger entry as `find` returns it.
public struct EntryRow: Sendable, Equatable, Codable {
    public var revisionId: String
    public var recordId: String
    public var stt: Int
    public var fullName: String
    public var nameKey: String
    public var dateOfBirth: String
    public var placeOfBirth: String
    public var placeKey: String
    public var sex: String
    public var ethnicity: String
    public var graduationGrade: String
    public var serial: String
    public var ledgerNumber: Int
    public var year: Int
    public var school: String
    public var schoolKey: String
    public var issuer: String
    public var citizenId: String?
    public var moetId: String?
    public var page: Int?

    public init(revisionId: String, recordId: String, stt: Int, fullName: String, nameKey: String, dateOfBirth: String,
                placeOfBirth: String, placeKey: String, sex: String, ethnicity: String, graduationGrade: String, serial: String,
                ledgerNumber: Int, year: Int, school: String, schoolKey: String, issuer: String, citizenId: String?,
                moetId: String?, page: Int?) {
        self.revisionId = revisionId; self.recordId = recordId; self.stt = stt; self.fullName = fullName; self.nameKey = nameKey
        self.dateOfBirth = dateOfBirth; self.placeOfBirth = placeOfBirth; self.placeKey = placeKey; self.sex = sex
        self.ethnicity = ethnicity; self.graduationGrade = graduationGrade; self.serial = serial; self.ledgerNumber = ledgerNumber
        self.year = year; self.school = school; self.schoolKey = schoolKey; self.issuer = issuer; self.citizenId = citizenId
        self.moetId = moetId; self.page = page
    }

    static let columns = "revisionId, recordId, stt, fullName, nameKey, dateOfBirth, placeOfBirth, sex, ethnicity, "
        + "graduationGrade, serial, ledgerNumber, year, school, issuer, citizenId, moetId, page"

    /// The current row of a statement that selected `columns`, read by position as GRDB reads these types
    /// (text through `String(cString:)`, NULL as nil).
    init(selected s: OpaquePointer) {
        @inline(__always) func text(_ i: Int32) -> String { String(cString: sqlite3_column_text(s, i)!) }
        @inline(__always) func optionalText(_ i: Int32) -> String? { sqlite3_column_type(s, i) == SQLITE_NULL ? nil : text(i) }
        @inline(__always) func int(_ i: Int32) -> Int { Int(sqlite3_column_int64(s, i)) }
        self.init(revisionId: text(0), recordId: text(1), stt: int(2), fullName: text(3), nameKey: text(4), dateOfBirth: text(5),
                  placeOfBirth: text(6), placeKey: "", sex: text(7), ethnicity: text(8), graduationGrade: text(9), serial: text(10),
                  ledgerNumber: int(11), year: int(12), school: text(13), schoolKey: "", issuer: text(14), citizenId: optionalText(15),
                  moetId: optionalText(16), page: sqlite3_column_type(s, 17) == SQLITE_NULL ? nil : int(17))
    }
}

/// Conditions for `findEntries`; all given ones must hold.
public struct EntryQuery: Sendable, Equatable {
    public var nameTokens: [String] = []
    /// The whole folded name, matched exactly through the B-tree index (a full name typed by a clerk).
    public var exactName: String?
    public var placeTokens: [String] = []
    public var schoolTokens: [String] = []
    public var dateOfBirth: String?
    public var serial: String?
    public var citizenId: String?
    public var moetId: String?
    public var year: Int?
    public var ledgerNumber: Int?
    /// One ledger record's entries (with `ledgerNumber`: "LEDGER#N", found through that ledger's rows).
    public var recordId: String?
    /// A bare number typed by a person: a graduation year or a ledger number.
    public var yearOrNumber: Int?

    public init() {}
}

/// A name with the time its manifest says it was added.
public struct NameEntry: Sendable, Equatable, Codable {
    public var path: String
    public var addedAt: String
    public var manifest: String
}

/// The SQLite index: derived state only, rebuilt from the objects by `hoso reindex`.
/// Everything it answers can be recomputed from the store; nothing is ever only here.
public final class ArchiveIndex: Sendable {
    public let path: String
    private let pool: any DatabaseWriter
    /// How far the write-ahead log has grown, and the connection that checkpoints it off the writer's path.
    private let wal: WALProgress
    private let checkpointer: Checkpointer?
    /// Read-only connections for `findEntries`.
    private let lookups: LookupConnections

    /// Opens (creating if needed) the index. `building` is for a fresh file that will be renamed into place:
    /// it uses a rollback journal rather than WAL, so the file is complete on its own once closed, with no
    /// -wal file that a rename would leave behind.
    public init(path: String, building: Bool = false) throws {
        self.path = path
        do {
            var config = Configuration()
            config.busyMode = .timeout(30)
            // The writer's configuration keeps `wal` alive as long as its connection: the hook's context.
            let wal = WALProgress()
            self.wal = wal
            config.prepareDatabase { db in
                try db.execute(sql: Self.connectionPragmas)
                if !db.configuration.readonly {
                    try db.execute(sql: Self.writerPragmas)
                    if let connection = db.sqliteConnection { wal.watch(connection) }
                }
            }
            pool = building ? try DatabaseQueue(path: path, configuration: config)
                            : try DatabasePool(path: path, configuration: config)
            checkpointer = building ? nil : Checkpointer(path: path)
            lookups = LookupConnections(path: path)
            try Self.migrator.migrate(pool)
        } catch let e as DatabaseError {
            throw Self.wrap(e, path)
        }
    }

    /// Set on every connection. At a million entries the index's B-trees no longer fit SQLite's default 2 MiB
    /// page cache: memory-mapped reads spare a copy and a system call per page. Only speed changes, not the file.
    public static let connectionPragmas = "PRAGMA mmap_size = 1073741824"
    /// Set on the one writing connection as well: a larger cache keeps the inner pages of the eight B-trees an
    /// import updates (readers do without: they read through the map). A new index file gets 8 KiB pages: an
    /// import dirties a page per entry in each randomly ordered index, and each dirty page is a frame in the log
    /// at commit; half as many, larger frames made imports about a tenth faster. (The page size of an existing
    /// file stays as it is: the pragma only applies before the first table is created.)
    public static let writerPragmas = "PRAGMA page_size = 8192; PRAGMA cache_size = -32768"

    /// Migrations are numbered and never edited once landed: a later change is a new migration.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("0001-objects-and-names") { db in
            try db.execute(sql: """
                CREATE TABLE object (
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    encoding TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    storedSize INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX object_kind ON object(kind);
                CREATE TABLE manifest (
                    id TEXT PRIMARY KEY NOT NULL,
                    addedAt TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE name (
                    manifestId TEXT NOT NULL REFERENCES manifest(id) ON DELETE CASCADE,
                    objectId TEXT NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    PRIMARY KEY (manifestId, path, objectId)
                ) WITHOUT ROWID;
                CREATE INDEX name_object ON name(objectId);
                CREATE INDEX name_path ON name(path);
                """)
        }
        m.registerMigration("0002-revisions") { db in
            try db.execute(sql: """
                CREATE TABLE revision (
                    id TEXT PRIMARY KEY NOT NULL,
                    recordType TEXT NOT NULL,
                    recordId TEXT NOT NULL,
                    author TEXT NOT NULL,
                    time TEXT NOT NULL,
                    reason TEXT
                ) WITHOUT ROWID;
                CREATE INDEX revision_record ON revision(recordId);
                CREATE TABLE revision_parent (
                    revisionId TEXT NOT NULL,
                    parentId TEXT NOT NULL,
                    PRIMARY KEY (revisionId, parentId)
                ) WITHOUT ROWID;
                CREATE INDEX revision_parent_parent ON revision_parent(parentId);
                """)
        }
        m.registerMigration("0003-ledger-entries") { db in
            // Entries of the current (head) revisions of ledger records, for `hoso find`.
            try db.execute(sql: """
                CREATE TABLE entry (
                    rowid INTEGER PRIMARY KEY,
                    revisionId TEXT NOT NULL,
                    recordId TEXT NOT NULL,
                    stt INTEGER NOT NULL,
                    fullName TEXT NOT NULL,
                    nameKey TEXT NOT NULL,
                    dateOfBirth TEXT NOT NULL,
                    placeOfBirth TEXT NOT NULL,
                    sex TEXT NOT NULL,
                    ethnicity TEXT NOT NULL,
                    graduationGrade TEXT NOT NULL,
                    serial TEXT NOT NULL,
                    ledgerNumber INTEGER NOT NULL,
                    year INTEGER NOT NULL,
                    school TEXT NOT NULL,
                    issuer TEXT NOT NULL,
                    citizenId TEXT,
                    moetId TEXT,
                    page INTEGER
                );
                CREATE INDEX entry_record ON entry(recordId);
                CREATE INDEX entry_serial ON entry(serial);
                CREATE INDEX entry_number ON entry(year, ledgerNumber);
                CREATE INDEX entry_name ON entry(nameKey);
                CREATE INDEX entry_dob ON entry(dateOfBirth);
                CREATE INDEX entry_citizen ON entry(citizenId);
                CREATE INDEX entry_moet ON entry(moetId);
                CREATE VIRTUAL TABLE entry_fts USING fts5(nameKey, placeKey, schoolKey);
                """)
        }
        m.registerMigration("0004-entry-name-order") { db in
            // A whole name is looked up exactly, best first by year and ledger number: with those in the index,
            // a common name's first page is read in order instead of fetching and sorting every namesake. It
            // serves `nameKey = ?` alone as well, so it replaces entry_name rather than adding a B-tree to write.
            // The full-text index is rebuilt without its per-row column sizes (columnsize=0), which only ranking
            // functions read and hoso does not use: one B-tree insert less per entry.
            try db.execute(sql: """
                CREATE INDEX entry_name_order ON entry(nameKey, year, ledgerNumber);
                DROP INDEX entry_name;
                CREATE VIRTUAL TABLE entry_fts_0004 USING fts5(nameKey, placeKey, schoolKey, columnsize=0);
                INSERT INTO entry_fts_0004 (rowid, nameKey, placeKey, schoolKey)
                    SELECT rowid, nameKey, placeKey, schoolKey FROM entry_fts;
                DROP TABLE entry_fts;
                ALTER TABLE entry_fts_0004 RENAME TO entry_fts;
                """)
        }
        registerSignatureMigration(&m)
        registerRefMigration(&m)
        m.registerMigration("0007-entry-partial-ids") { db in
            // Many entries have no citizen ID or MOET id (older ledgers never had them), and nobody looks up a
            // missing one: their B-trees leave those rows out, so an import writes fewer index rows and pages.
            // `citizenId = ?` implies NOT NULL, so the planner still uses them.
            try db.execute(sql: """
                DROP INDEX entry_citizen;
                CREATE INDEX entry_citizen ON entry(citizenId) WHERE citizenId IS NOT NULL;
                DROP INDEX entry_moet;
                CREATE INDEX entry_moet ON entry(moetId) WHERE moetId IS NOT NULL;
                """)
        }
        return m
    }

    static func wrap(_ e: any Error, _ path: String) -> HosoError {
        HosoError(.indexError, LocalizedText(vi: "Lỗi chỉ mục SQLite (có thể dựng lại bằng `hoso reindex`)",
                                             en: "SQLite index error (it can be rebuilt with `hoso reindex`)"),
                  location: path, cause: "\(e)")
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            let result = try pool.write(body)
            checkpointIfDue()
            return result
        } catch let e as HosoError { throw e } catch { throw Self.wrap(error, path) }
    }

    /// SQLite's automatic checkpoint, at the same size of log (1000 pages), but run after the write has returned,
    /// in the background on a connection of its own: it copies the logged pages into the database file and syncs
    /// both, which was a quarter of an import's index time, and far more when other programs keep the disk busy.
    /// Passive: it waits for neither readers nor the writer, and the writer does not wait for it. Durability is
    /// as before: a commit is in the log at once.
    private func checkpointIfDue() {
        guard let frames = wal.takeIfDue() else { return }
        if let checkpointer, frames < 16 * WALProgress.threshold {
            checkpointer.checkpoint()
        } else {
            // No second connection, or the background has fallen far behind (writes never leaving it a moment to
            // finish, so the log could not start over): checkpoint here, as SQLite itself would have.
            _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as HosoError { throw e } catch { throw Self.wrap(error, path) }
    }

    // MARK: - Writing

    /// Records objects, and optionally a manifest with its names, in one transaction.
    public func record(objects: [StoredObject], manifest: ManifestRow? = nil, names: [NameRow] = []) throws {
        try write { db in
            try Self.insert(db, objects: objects)
            if let manifest { try Self.insert(db, manifest: manifest, names: names) }
        }
    }

    static func insert(_ db: Database, objects: [StoredObject]) throws {
        // The object file's header is the truth: replace whatever the index said before.
        let obj = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO object (id, kind, encoding, size, storedSize) VALUES (?, ?, ?, ?, ?)
            """)
        for o in objects {
            try obj.execute(arguments: [o.id.hex, o.kind.rawValue, o.encoding.rawValue, Int64(o.size), Int64(o.storedSize)])
        }
    }

    static func insert(_ db: Database, manifest: ManifestRow, names: [NameRow]) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO manifest (id, addedAt) VALUES (?, ?)", arguments: [manifest.id, manifest.addedAt])
        let name = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO name (manifestId, objectId, path, size) VALUES (?, ?, ?, ?)
            """)
        for n in names { try name.execute(arguments: [n.manifestId, n.objectId, n.path, n.size]) }
    }

    static func insert(_ db: Database, revisions: [RevisionRow]) throws {
        let rev = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO revision (id, recordType, recordId, author, time, reason) VALUES (?, ?, ?, ?, ?, ?)
            """)
        let parent = try db.cachedStatement(sql: "INSERT OR IGNORE INTO revision_parent (revisionId, parentId) VALUES (?, ?)")
        for r in revisions {
            try rev.execute(arguments: [r.id, r.recordType, r.recordId, r.author, r.time, r.reason])
            for p in r.parents { try parent.execute(arguments: [r.id, p]) }
        }
    }

    /// Records revisions (with their objects and what they refer to) in one transaction.
    public func record(revisions: [RevisionRow], objects: [StoredObject] = [], refs: [[RecordRef]] = []) throws {
        try write { db in
            try Self.insert(db, objects: objects)
            try Self.insert(db, revisions: revisions)
            try Self.insert(db, refs: zip(revisions, refs).map { ($0.id, $0.recordId, $1) })
        }
    }

    /// Replaces the indexed entries of one ledger record by `entries` (those of its current heads).
    public func replaceEntries(ofRecord recordId: String, with entries: [EntryRow]) throws {
        try write { db in try Self.replaceEntries(db, recordId: recordId, entries: entries) }
    }

    /// Records a revision and its entries in one transaction, so `find` never sees one without the other.
    public func record(revision: RevisionRow, objects: [StoredObject], entries: [EntryRow]?,
                       manifest: ManifestRow? = nil, names: [NameRow] = [], refs: [RecordRef] = []) throws {
        try write { db in
            try Self.insert(db, objects: objects)
            try Self.insert(db, revisions: [revision])
            try Self.insert(db, refs: [(revision.id, revision.recordId, refs)])
            if let manifest { try Self.insert(db, manifest: manifest, names: names) }
            if let entries { try Self.replaceEntries(db, recordId: revision.recordId, entries: entries) }
        }
    }

    /// What completes a transaction started by `record(entriesOf:pending:revisionId:finish:)`: the revision the entries belong
    /// to, and the objects, manifest and names to record with it.
    public struct PendingRevision: Sendable {
        public var revision: RevisionRow
        public var objects: [StoredObject]
        public var manifest: ManifestRow?
        public var names: [NameRow]

        public init(revision: RevisionRow, objects: [StoredObject], manifest: ManifestRow?, names: [NameRow]) {
            self.revision = revision
            self.objects = objects
            self.manifest = manifest
            self.names = names
        }
    }

    /// The same as `record(revision:objects:entries:manifest:names:)` with `entries` all of the new revision, in
    /// one transaction, but begun before the revision exists, so that an import writes most of its index while it
    /// serializes, checks and stores the revision. The record's old entries are deleted and the new ones' full-text
    /// rows written; then `revisionId` is called and waits, typically on another thread, for the new revision's
    /// id, and the entry rows are written with it (the `revisionId` of `entries` is ignored); then `finish` waits
    /// until the caller has made the revision durable in the store and returns it with the objects to record, and
    /// the transaction commits. If either throws, everything is rolled back. The rows get the same rowids as
    /// `replaceEntries` would give them. So the index still never names an object the store does not hold.
    /// Neither closure may use this index: the transaction holds its writer.
    public func record(entriesOf recordId: String, pending entries: [EntryRow], revisionId: () throws -> String,
                       finish: () throws -> PendingRevision) throws {
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
                try Self.replaceEntries(db, recordId: recordId, entries: entries.map { var e = $0; e.revisionId = id; return e })
            }
            let done = try finish()
            guard done.revision.recordId == recordId, done.revision.id == id else {
                throw HosoError(.indexError, LocalizedText(vi: "Bản ghi không khớp các mục đã ghi", en: "The revision does not match the entries written"),
                                location: recordId, cause: "\(done.revision.recordId) \(done.revision.id)")
            }
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
        let ins = try db.cachedStatement(sql: """
            INSERT INTO entry (rowid, revisionId, recordId, stt, fullName, nameKey, dateOfBirth, placeOfBirth, sex, ethnicity,
                graduationGrade, serial, ledgerNumber, year, school, issuer, citizenId, moetId, page)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed database") }
        let s = ins.sqliteStatement
        defer { sqlite3_reset(s); sqlite3_clear_bindings(s) }
        // Bindings outlive a reset: the values a ledger's rows share are bound again only when they change.
        RawBind.text(s, 2, revisionId)
        var shared: (recordId: String, year: Int, school: String, issuer: String)? = nil
        for (i, e) in entries.enumerated() {
            sqlite3_bind_int64(s, 1, firstRowid + Int64(i))
            if let shared, RawBind.sameBytes(shared.recordId, e.recordId), shared.year == e.year,
               RawBind.sameBytes(shared.school, e.school), RawBind.sameBytes(shared.issuer, e.issuer) {
                // the same as the row before
            } else {
                RawBind.text(s, 3, e.recordId); RawBind.int(s, 14, e.year); RawBind.text(s, 15, e.school); RawBind.text(s, 16, e.issuer)
                shared = (e.recordId, e.year, e.school, e.issuer)
            }
            RawBind.int(s, 4, e.stt)
            RawBind.text(s, 5, e.fullName); RawBind.text(s, 6, e.nameKey); RawBind.text(s, 7, e.dateOfBirth)
            RawBind.text(s, 8, e.placeOfBirth); RawBind.text(s, 9, e.sex); RawBind.text(s, 10, e.ethnicity)
            RawBind.text(s, 11, e.graduationGrade); RawBind.text(s, 12, e.serial); RawBind.int(s, 13, e.ledgerNumber)
            RawBind.text(s, 17, e.citizenId); RawBind.text(s, 18, e.moetId); RawBind.int(s, 19, e.page)
            try RawBind.run(s, connection)
        }
    }

    /// Full-text rows for entries with the rowids from `firstRowid` on.
    static func insertFullText(_ db: Database, _ entries: [EntryRow], firstRowid: Int64) throws {
        if entries.isEmpty { return }
        let fts = try db.cachedStatement(sql: "INSERT INTO entry_fts (rowid, nameKey, placeKey, schoolKey) VALUES (?, ?, ?, ?)")
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed database") }
        let f = fts.sqliteStatement
        defer { sqlite3_reset(f); sqlite3_clear_bindings(f) }
        var school: String? = nil  // bound again only when it changes (bindings outlive a reset)
        for (i, e) in entries.enumerated() {
            sqlite3_bind_int64(f, 1, firstRowid + Int64(i))
            RawBind.text(f, 2, e.nameKey); RawBind.text(f, 3, e.placeKey)
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
        let ins = try db.cachedStatement(sql: """
            INSERT INTO entry (revisionId, recordId, stt, fullName, nameKey, dateOfBirth, placeOfBirth, sex, ethnicity,
                graduationGrade, serial, ledgerNumber, year, school, issuer, citizenId, moetId, page)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let fts = try db.cachedStatement(sql: "INSERT INTO entry_fts (rowid, nameKey, placeKey, schoolKey) VALUES (?, ?, ?, ?)")
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed database") }
        // The SQLite C API directly: boxing eighteen values per row into statement arguments cost as much as
        // SQLite's own work. Inside GRDB's write transaction, on its cached statements, reset after use.
        let s = ins.sqliteStatement, f = fts.sqliteStatement
        defer {
            sqlite3_reset(s); sqlite3_clear_bindings(s)
            sqlite3_reset(f); sqlite3_clear_bindings(f)
        }
        for e in entries {
            RawBind.text(s, 1, e.revisionId); RawBind.text(s, 2, e.recordId); RawBind.int(s, 3, e.stt)
            RawBind.text(s, 4, e.fullName); RawBind.text(s, 5, e.nameKey); RawBind.text(s, 6, e.dateOfBirth)
            RawBind.text(s, 7, e.placeOfBirth); RawBind.text(s, 8, e.sex); RawBind.text(s, 9, e.ethnicity)
            RawBind.text(s, 10, e.graduationGrade); RawBind.text(s, 11, e.serial); RawBind.int(s, 12, e.ledgerNumber)
            RawBind.int(s, 13, e.year); RawBind.text(s, 14, e.school); RawBind.text(s, 15, e.issuer)
            RawBind.text(s, 16, e.citizenId); RawBind.text(s, 17, e.moetId); RawBind.int(s, 18, e.page)
            try RawBind.run(s, connection)
            sqlite3_bind_int64(f, 1, sqlite3_last_insert_rowid(connection))
            RawBind.text(f, 2, e.nameKey); RawBind.text(f, 3, e.placeKey); RawBind.text(f, 4, e.schoolKey)
            try RawBind.run(f, connection)
        }
    }

    /// Serials (unique everywhere: they are pre-printed on the blanks) and ledger numbers (unique per issuing
    /// body and calendar year) already used by other ledger records.
    public func usedNumbers(year: Int, issuer: String, excludingRecord recordId: String, serials wanted: [String],
                            numbers range: ClosedRange<Int>? = nil) throws -> (serials: [String: String], numbers: [Int: String]) {
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
                let stmt = try db.cachedStatement(sql: "SELECT serial, recordId, ledgerNumber, year FROM entry WHERE recordId != ? AND serial IN (\(marks))")
                var values: [(any DatabaseValueConvertible)?] = [recordId]
                values += chunk.map { $0 as (any DatabaseValueConvertible)? }
                values += [(any DatabaseValueConvertible)?](repeating: nil, count: width - chunk.count)
                let rows = try Row.fetchCursor(stmt, arguments: StatementArguments(values))
                while let row = try rows.next() {
                    let serial: String = row[0], rid: String = row[1], n: Int = row[2], y: Int = row[3]
                    serials[serial] = "\(rid) #\(n)/\(y)"
                }
            }
            var numbers = [Int: String]()
            // Only the numbers this import uses (a year of a big office holds many thousands).
            let r = range ?? Int.min...Int.max
            let rows = try Row.fetchCursor(db, sql: """
                SELECT ledgerNumber, recordId, serial FROM entry
                WHERE year = ? AND ledgerNumber BETWEEN ? AND ? AND issuer = ? AND recordId != ?
                """, arguments: [year, r.lowerBound, r.upperBound, issuer, recordId])
            while let row = try rows.next() {
                let n: Int = row[0], rid: String = row[1], serial: String = row[2]
                numbers[n] = "\(rid), \(serial)"
            }
            return (serials, numbers)
        }
    }

    /// Entries matching every given condition. `nameTokens` must all occur in the folded name.
    public func findEntries(_ q: EntryQuery, limit: Int) throws -> [EntryRow] {
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
        let sql = "SELECT \(EntryRow.columns) FROM entry WHERE " + conds.joined(separator: " AND ")
            + " ORDER BY year, ledgerNumber LIMIT \(limit)"
        // One SELECT (a statement reads one snapshot by itself, no transaction needed), on a lookup connection of
        // this index's own, its columns read by position: GRDB's pool, schema check and row decoding were half of
        // a name lookup's time once the query used the right index.
        do {
            return try lookups.with { connection in
                let s = try connection.statement(sql)
                defer { sqlite3_reset(s); sqlite3_clear_bindings(s) }
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

    public func entryCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entry") ?? 0 }
    }

    // MARK: - Reading

    public func revision(_ id: String) throws -> RevisionRow? {
        try read { db in try Self.revisionRows(db, where: "r.id = ?", [id]).first }
    }

    /// Every revision of a record, oldest first (by time, then id, so the order is the same everywhere).
    public func revisions(ofRecord recordId: String) throws -> [RevisionRow] {
        try read { db in try Self.revisionRows(db, where: "r.recordId = ?", [recordId]) }
    }

    /// The revisions of a record that no other revision of it follows. More than one is a conflict.
    public func heads(ofRecord recordId: String) throws -> [String] {
        try read { db in
            // Cached statements: these run several times for every copy or request (compiling was a third of each).
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT r.id FROM revision r WHERE r.recordId = ? AND NOT EXISTS (
                    SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revisionId
                    WHERE p.parentId = r.id AND c.recordId = r.recordId)
                ORDER BY r.time, r.id
                """), arguments: [recordId])
        }
    }

    /// Records with more than one head, each with its heads.
    public func conflicts() throws -> [(recordId: String, heads: [String])] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.recordId, r.id FROM revision r WHERE NOT EXISTS (
                    SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revisionId
                    WHERE p.parentId = r.id AND c.recordId = r.recordId)
                ORDER BY r.recordId, r.time, r.id
                """)
            var grouped = [(recordId: String, heads: [String])]()
            for row in rows {
                let rid: String = row["recordId"]
                if grouped.last?.recordId == rid { grouped[grouped.count - 1].heads.append(row["id"]) } else { grouped.append((rid, [row["id"]])) }
            }
            return grouped.filter { $0.heads.count > 1 }
        }
    }

    private static func revisionRows(_ db: Database, where clause: String, _ args: StatementArguments) throws -> [RevisionRow] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT r.id, r.recordType, r.recordId, r.author, r.time, r.reason,
                   (SELECT group_concat(parentId, ' ') FROM (SELECT parentId FROM revision_parent WHERE revisionId = r.id ORDER BY parentId)) AS parents
            FROM revision r WHERE \(clause) ORDER BY r.time, r.id
            """), arguments: args)
        return rows.map {
            RevisionRow(id: $0["id"], recordType: $0["recordType"], recordId: $0["recordId"], author: $0["author"],
                        time: $0["time"], reason: $0["reason"],
                        parents: (($0["parents"] as String?) ?? "").split(separator: " ").map(String.init))
        }
    }

    public func object(_ id: ObjectID) throws -> ObjectRow? {
        try read { db in try ObjectRow.fetchOne(db, key: id.hex) }
    }

    /// Ids starting with `prefix` (lowercase hex); at most `limit`, enough to tell unique from ambiguous.
    public func ids(withPrefix prefix: String, limit: Int = 2) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT id FROM object WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
                                arguments: [prefix, prefix + "g", limit])
        }
    }

    public func objects(kind: String? = nil) throws -> [ObjectRow] {
        try read { db in
            if let kind {
                return try ObjectRow.filter(Column("kind") == kind).order(Column("id")).fetchAll(db)
            }
            return try ObjectRow.order(Column("id")).fetchAll(db)
        }
    }

    /// Every distinct name of every object, grouped by object id, names sorted.
    public func namesByObject() throws -> [String: [String]] {
        try read { db in
            var out = [String: [String]]()
            let rows = try Row.fetchCursor(db, sql: "SELECT DISTINCT objectId, path FROM name ORDER BY objectId, path")
            while let row = try rows.next() {
                out[row["objectId"], default: []].append(row["path"])
            }
            return out
        }
    }

    /// The names one object was added under, oldest first.
    public func names(of id: ObjectID) throws -> [NameEntry] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT n.path, m.addedAt, m.id AS manifest FROM name n JOIN manifest m ON m.id = n.manifestId
                WHERE n.objectId = ? ORDER BY m.addedAt, n.path, m.id
                """, arguments: [id.hex]).map { NameEntry(path: $0["path"], addedAt: $0["addedAt"], manifest: $0["manifest"]) }
        }
    }

    /// The objects listed by one manifest (for `info` on a manifest).
    public func entries(ofManifest id: ObjectID) throws -> [NameRow] {
        try read { db in
            try NameRow.filter(Column("manifestId") == id.hex).order(Column("path")).fetchAll(db)
        }
    }

    /// Which of these (path, object) pairs some manifest already records: re-adding them is a no-op.
    public func knownNames(_ pairs: [(path: String, objectId: String)]) throws -> Set<String> {
        try read { db in
            var known = Set<String>()
            let stmt = try db.makeStatement(sql: "SELECT 1 FROM name WHERE path = ? AND objectId = ? LIMIT 1")
            for p in pairs where try Int.fetchOne(stmt, arguments: [p.path, p.objectId]) != nil {
                known.insert(p.path + "\u{0}" + p.objectId)
            }
            return known
        }
    }

    public func allIDs() throws -> Set<String> {
        try read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM object")) }
    }

    public func count() throws -> Int {
        try read { db in try ObjectRow.fetchCount(db) }
    }

    /// Closes the connections (needed before the file is replaced by a rebuilt index).
    public func close() throws {
        checkpointer?.close()
        lookups.close()
        do { try pool.close() } catch { throw Self.wrap(error, path) }
    }
}

/// Binding and stepping prepared statements through the C API (values copied by SQLite, as SQLITE_TRANSIENT).
enum RawBind {
    /// SQLITE_TRANSIENT is a C macro (a cast of -1), which Swift does not import.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @inline(__always)
    static func text(_ s: OpaquePointer, _ i: Int32, _ v: String?) {
        guard var v else { sqlite3_bind_null(s, i); return }
        v.withUTF8 { buf in
            // An empty string is bound as empty text, never NULL: a null pointer would bind NULL.
            if let base = buf.baseAddress {
                _ = sqlite3_bind_text(s, i, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(buf.count), transient)
            } else {
                _ = sqlite3_bind_text(s, i, "", 0, transient)
            }
        }
    }

    /// The same code units (not merely canonically equivalent): whether a bound text can stay bound.
    @inline(__always)
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    @inline(__always)
    static func int(_ s: OpaquePointer, _ i: Int32, _ v: Int?) {
        if let v { sqlite3_bind_int64(s, i, Int64(v)) } else { sqlite3_bind_null(s, i) }
    }

    /// Steps a statement that returns no rows, then resets it; an error is GRDB's DatabaseError.
    static func run(_ s: OpaquePointer, _ connection: OpaquePointer) throws {
        let code = sqlite3_step(s)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(connection))
            let sql = String(cString: sqlite3_sql(s))
            sqlite3_reset(s)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
        sqlite3_reset(s)
    }
}

/// The writer's log size after each commit, through `sqlite3_wal_hook` (which replaces SQLite's own automatic
/// checkpoint on that connection: `ArchiveIndex.write` schedules one instead).
final class WALProgress: @unchecked Sendable {
    /// SQLite's default `wal_autocheckpoint`.
    static let threshold: Int32 = 1000
    private let lock = NSLock()
    private var due: Int32? = nil  // the log's size in frames when a checkpoint fell due; guarded by lock

    func watch(_ connection: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(connection, { context, _, _, frames in
            if let context, frames >= WALProgress.threshold {
                let progress = Unmanaged<WALProgress>.fromOpaque(context).takeUnretainedValue()
                progress.lock.lock()
                progress.due = frames
                progress.lock.unlock()
            }
            return SQLITE_OK
        }, context)
    }

    /// The log's size if a checkpoint is due (and from now on being seen to), else nil.
    func takeIfDue() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        let was = due
        due = nil
        return was
    }
}

/// A connection that only checkpoints the write-ahead log, on a thread of its own started on first use. The
/// thread runs at a lower priority (nice 10): on a busy machine the writer and the readers go first, and the
/// checkpoint takes the time they leave.
final class Checkpointer: @unchecked Sendable {
    /// What the thread shares with its owner (the thread holds this, not the owner, so that an owner dropped
    /// without `close()` still stops it).
    private final class State: @unchecked Sendable {
        let path: String
        let wake = DispatchSemaphore(value: 0)
        let exited = DispatchSemaphore(value: 0)
        let lock = NSLock()
        var pending = false  // guarded by lock
        var closed = false  // guarded by lock
        var started = false  // guarded by lock

        init(path: String) { self.path = path }
    }

    private let state: State

    init(path: String) { state = State(path: path) }

    /// Asks for a passive checkpoint soon (requests made meanwhile are one).
    func checkpoint() {
        let state = self.state
        state.lock.lock()
        if state.closed {
            state.lock.unlock()
            return
        }
        let start = !state.started
        state.started = true
        let signal = !state.pending
        state.pending = true
        state.lock.unlock()
        if start { Self.startThread(state) }
        if signal { state.wake.signal() }
    }

    private static func startThread(_ state: State) {
        let thread = Thread {
            #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)  // this thread only, on Linux
            #endif
            var connection: OpaquePointer?
            while true {
                state.wake.wait()
                state.lock.lock()
                let stop = state.closed
                state.pending = false
                state.lock.unlock()
                if stop { break }
                if connection == nil {
                    var c: OpaquePointer?
                    if sqlite3_open_v2(state.path, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK {
                        connection = c
                    } else if let c {
                        sqlite3_close_v2(c)  // the writer's next commit will ask again
                    }
                }
                if let connection { _ = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) }
            }
            if let connection { sqlite3_close_v2(connection) }
            state.exited.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops the thread, after a checkpoint under way, and closes its connection; waits for that with `wait`.
    private func stop(wait: Bool) {
        let state = self.state
        state.lock.lock()
        let running = state.started && !state.closed
        state.closed = true
        state.lock.unlock()
        guard running else { return }
        state.wake.signal()
        if wait { state.exited.wait() }
    }

    /// Waits for a checkpoint under way, then closes the connection for good.
    func close() { stop(wait: true) }

    deinit { stop(wait: false) }
}

/// A value bound into a lookup.
enum LookupValue {
    case text(String)
    case int(Int)
}

/// Read-only connections for lookups, each with its prepared statements, lent out one caller at a time and kept
/// for the next (a few: as many as callers look up at once). Opened on first use, with the pragmas of the index's
/// own readers and GRDB's busy timeout.
final class LookupConnections: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var idle = [LookupConnection]()  // guarded by lock
    private var closed = false  // guarded by lock
    static let kept = 4

    init(path: String) { self.path = path }

    func with<T>(_ body: (LookupConnection) throws -> T) throws -> T {
        lock.lock()
        let reused = idle.popLast()
        let isClosed = closed
        lock.unlock()
        if isClosed { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "Connection is closed") }
        let connection = try reused ?? LookupConnection(path: path)
        defer {
            lock.lock()
            let keep = !closed && idle.count < Self.kept
            if keep { idle.append(connection) }
            lock.unlock()
            if !keep { connection.close() }
        }
        return try body(connection)
    }

    /// Closes the idle connections; one lent out is closed when it comes back.
    func close() {
        lock.lock()
        closed = true
        let all = idle
        idle = []
        lock.unlock()
        for c in all { c.close() }
    }
}

/// One read-only SQLite connection and its prepared statements (used by one thread at a time).
final class LookupConnection {
    private var db: OpaquePointer?
    private var statements = [String: OpaquePointer]()

    init(path: String) throws {
        var c: OpaquePointer?
        let code = sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let c else {
            let message = c.map { String(cString: sqlite3_errmsg($0)) }
            if let c { sqlite3_close_v2(c) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        db = c
        sqlite3_busy_timeout(c, 30_000)  // as the index's GRDB connections (busyMode .timeout(30))
        guard sqlite3_exec(c, ArchiveIndex.connectionPragmas, nil, nil, nil) == SQLITE_OK else {
            let e = error(sqlite3_errcode(c), sql: ArchiveIndex.connectionPragmas)
            close()
            throw e
        }
    }

    /// A prepared statement for `sql`, kept for the next time.
    func statement(_ sql: String) throws -> OpaquePointer {
        if let s = statements[sql] { return s }
        if statements.count >= 64 {  // a lookup's shapes are few; past that, start over rather than grow
            for s in statements.values { sqlite3_finalize(s) }
            statements = [:]
        }
        var s: OpaquePointer?
        let code = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil)
        guard code == SQLITE_OK, let s else { throw error(code, sql: sql) }
        statements[sql] = s
        return s
    }

    func error(_ code: Int32, sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: db.map { String(cString: sqlite3_errmsg($0)) }, sql: sql)
    }

    func close() {
        for s in statements.values { sqlite3_finalize(s) }
        statements = [:]
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    deinit { close() }
}
