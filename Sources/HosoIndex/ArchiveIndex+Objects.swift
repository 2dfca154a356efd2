import Foundation
import GRDB
import HosoCore
import HosoStore

// Objects, manifests and the names objects were added under.
extension ArchiveIndex {
    /// Records objects, and optionally a manifest with its names, in one transaction.
    package func record(objects: [StoredObject], manifest: ManifestRow?, names: [NameRow]) throws {
        try write { db in
            try Self.insert(db, objects: objects)
            if let manifest { try Self.insert(db, manifest: manifest, names: names) }
        }
    }

    static func insert(_ db: Database, objects: [StoredObject]) throws {
        // The object file's header is the truth: replace whatever the index said before.
        let obj = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO object (id, kind, encoding, size, storedSize) VALUES (?, ?, ?, ?, ?)
                """)
        for o in objects {
            try obj.execute(arguments: [o.id.hex, o.kind.rawValue, o.encoding.rawValue, Int64(o.size), Int64(o.storedSize)])
        }
    }

    static func insert(_ db: Database, manifest: ManifestRow, names: [NameRow]) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO manifest (id, addedAt) VALUES (?, ?)", arguments: [manifest.id, manifest.addedAt])
        let name = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO name (manifestId, objectId, path, size) VALUES (?, ?, ?, ?)
                """)
        for n in names { try name.execute(arguments: [n.manifestId, n.objectId, n.path, n.size]) }
    }

    package func object(_ id: ObjectID) throws -> ObjectRow? {
        try read { db in try ObjectRow.fetchOne(db, key: id.hex) }
    }

    /// Ids starting with `prefix` (lowercase hex); at most `limit`, enough to tell unique from ambiguous.
    package func ids(withPrefix prefix: String, limit: Int) throws -> [String] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM object WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
                arguments: [prefix, prefix + "g", limit])
        }
    }

    package func objects(kind: String?) throws -> [ObjectRow] {
        try read { db in
            if let kind {
                return try ObjectRow.filter(Column("kind") == kind).order(Column("id")).fetchAll(db)
            }
            return try ObjectRow.order(Column("id")).fetchAll(db)
        }
    }

    /// Every distinct name of every object, grouped by object id, names sorted.
    package func namesByObject() throws -> [String: [String]] {
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
    package func names(of id: ObjectID) throws -> [NameEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT n.path, m.addedAt, m.id AS manifest FROM name n JOIN manifest m ON m.id = n.manifestId
                    WHERE n.objectId = ? ORDER BY m.addedAt, n.path, m.id
                    """, arguments: [id.hex]
            ).map { NameEntry(path: $0["path"], addedAt: $0["addedAt"], manifest: $0["manifest"]) }
        }
    }

    /// The objects listed by one manifest (for `info` on a manifest).
    package func entries(ofManifest id: ObjectID) throws -> [NameRow] {
        try read { db in
            try NameRow.filter(Column("manifestId") == id.hex).order(Column("path")).fetchAll(db)
        }
    }

    /// Which of these (path, object) pairs some manifest already records: re-adding them is a no-op.
    package func knownNames(_ pairs: [(path: String, objectId: String)]) throws -> Set<String> {
        try read { db in
            var known = Set<String>()
            let stmt = try db.makeStatement(sql: "SELECT 1 FROM name WHERE path = ? AND objectId = ? LIMIT 1")
            for p in pairs where try Int.fetchOne(stmt, arguments: [p.path, p.objectId]) != nil {
                known.insert(p.path + "\u{0}" + p.objectId)
            }
            return known
        }
    }

    package func allIDs() throws -> Set<String> {
        try read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM object")) }
    }

    package func count() throws -> Int {
        try read { db in try ObjectRow.fetchCount(db) }
    }
}
