import Foundation
import GRDB
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
    private let pool: DatabasePool

    public init(path: String) throws {
        self.path = path
        do {
            var config = Configuration()
            config.busyMode = .timeout(30)
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
        } catch let e as DatabaseError {
            throw Self.wrap(e, path)
        }
    }

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
        return m
    }

    static func wrap(_ e: any Error, _ path: String) -> HosoError {
        HosoError(.indexError, LocalizedText(vi: "Lỗi chỉ mục SQLite (có thể dựng lại bằng `hoso reindex`)",
                                             en: "SQLite index error (it can be rebuilt with `hoso reindex`)"),
                  location: path, cause: "\(e)")
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as HosoError { throw e } catch { throw Self.wrap(error, path) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as HosoError { throw e } catch { throw Self.wrap(error, path) }
    }

    // MARK: - Writing

    /// Records objects, and optionally a manifest with its names, in one transaction.
    public func record(objects: [StoredObject], manifest: ManifestRow? = nil, names: [NameRow] = []) throws {
        try write { db in
            // The object file's header is the truth: replace whatever the index said before.
            let obj = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO object (id, kind, encoding, size, storedSize) VALUES (?, ?, ?, ?, ?)
                """)
            for o in objects {
                try obj.execute(arguments: [o.id.hex, o.kind.rawValue, o.encoding.rawValue, Int64(o.size), Int64(o.storedSize)])
            }
            if let manifest {
                try db.execute(sql: "INSERT OR IGNORE INTO manifest (id, addedAt) VALUES (?, ?)",
                               arguments: [manifest.id, manifest.addedAt])
                let name = try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO name (manifestId, objectId, path, size) VALUES (?, ?, ?, ?)
                    """)
                for n in names { try name.execute(arguments: [n.manifestId, n.objectId, n.path, n.size]) }
            }
        }
    }

    // MARK: - Reading

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
        do { try pool.close() } catch { throw Self.wrap(error, path) }
    }
}
