import Foundation
import HosoCore
import HosoIndex
import HosoPostgres
import HosoStore
import PostgresNIO

// Objects, manifests and names; revisions and their parents; references between records; signatures. Rows go in
// as arrays (one statement per table, `unnest`), not a statement per row: each statement is a round trip.
extension PostgresIndex {
    // MARK: - Writing rows (inside a transaction)

    static func insert(_ c: BlockingPostgresConnection, objects: [StoredObject]) throws {
        if objects.isEmpty { return }
        // The object file's header is the truth: replace whatever the index said before (the last of a repeated id
        // wins, as SQLite's INSERT OR REPLACE row after row).
        var last = [String: Int]()
        for (i, o) in objects.enumerated() { last[o.id.hex] = i }
        let rows = objects.enumerated().filter { last[$0.element.id.hex] == $0.offset }.map(\.element)
        try c.query(
            """
            INSERT INTO object (id, kind, encoding, size, stored_size)
            SELECT * FROM unnest(\(rows.map(\.id.hex))::text[], \(rows.map(\.kind.rawValue))::text[],
                \(rows.map(\.encoding.rawValue))::text[], \(rows.map { Int64(clamping: $0.size) })::int8[], \(rows.map { Int64(clamping: $0.storedSize) })::int8[])
            ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, encoding = excluded.encoding, size = excluded.size,
                stored_size = excluded.stored_size
            """)
    }

    static func insert(_ c: BlockingPostgresConnection, manifest: ManifestRow, names: [NameRow]) throws {
        try c.query("INSERT INTO manifest (id, added_at) VALUES (\(manifest.id), \(manifest.addedAt)) ON CONFLICT DO NOTHING")
        if names.isEmpty { return }
        try c.query(
            """
            INSERT INTO name (manifest_id, object_id, path, size)
            SELECT * FROM unnest(\(names.map(\.manifestId))::text[], \(names.map(\.objectId))::text[], \(names.map(\.path))::text[],
                \(names.map(\.size))::int8[])
            ON CONFLICT DO NOTHING
            """)
    }

    static func insert(_ c: BlockingPostgresConnection, revisions: [RevisionRow]) throws {
        if revisions.isEmpty { return }
        // NULL reasons travel as a flag beside the text: postgres-nio sends no array of optionals.
        try c.query(
            """
            INSERT INTO revision (id, record_type, record_id, author, time, reason)
            SELECT i, t, r, a, tm, CASE WHEN n THEN NULL ELSE why END
            FROM unnest(\(revisions.map(\.id))::text[], \(revisions.map(\.recordType))::text[], \(revisions.map(\.recordId))::text[],
                \(revisions.map(\.author))::text[], \(revisions.map(\.time))::text[], \(revisions.map { $0.reason ?? "" })::text[],
                \(revisions.map { $0.reason == nil })::bool[]) AS u(i, t, r, a, tm, why, n)
            ON CONFLICT DO NOTHING
            """)
        let parents = revisions.flatMap { r in r.parents.map { (r.id, $0) } }
        if parents.isEmpty { return }
        try c.query(
            """
            INSERT INTO revision_parent (revision_id, parent_id)
            SELECT * FROM unnest(\(parents.map { $0.0 })::text[], \(parents.map { $0.1 })::text[]) ON CONFLICT DO NOTHING
            """)
    }

    static func insert(_ c: BlockingPostgresConnection, refs: [(revisionId: String, recordId: String, refs: [RecordRef])]) throws {
        let rows = refs.flatMap { r in r.refs.map { (r.revisionId, r.recordId, $0) } }
        if rows.isEmpty { return }
        try c.query(
            """
            INSERT INTO record_ref (key, value, revision_id, record_id)
            SELECT * FROM unnest(\(rows.map { $0.2.key })::text[], \(rows.map { $0.2.value })::text[], \(rows.map { $0.0 })::text[],
                \(rows.map { $0.1 })::text[])
            ON CONFLICT DO NOTHING
            """)
    }

    // MARK: - Objects, manifests, names

    package func record(objects: [StoredObject], manifest: ManifestRow?, names: [NameRow]) throws {
        try transaction { c in
            try Self.insert(c, objects: objects)
            if let manifest { try Self.insert(c, manifest: manifest, names: names) }
        }
    }

    static let objectColumns = "id, kind, encoding, size, stored_size"

    static func objectRow(_ row: PostgresRow) throws -> ObjectRow {
        let (id, kind, encoding, size, stored) = try row.decode((String, String, String, Int64, Int64).self)
        return ObjectRow(id: id, kind: kind, encoding: encoding, size: size, storedSize: stored)
    }

    package func object(_ id: ObjectID) throws -> ObjectRow? {
        try read { c in
            try c.query(PostgresQuery(unsafeSQL: "SELECT \(Self.objectColumns) FROM object WHERE id = $1", binds: Self.binds(id.hex)))
                .first.map(Self.objectRow)
        }
    }

    package func ids(withPrefix prefix: String, limit: Int) throws -> [String] {
        try read { c in
            try c.query("SELECT id FROM object WHERE id >= \(prefix) AND id < \(prefix + "g") ORDER BY id LIMIT \(limit)")
                .map { try $0.decode(String.self) }
        }
    }

    package func objects(kind: String?) throws -> [ObjectRow] {
        try read { c in
            if let kind {
                return try c.query(
                    PostgresQuery(
                        unsafeSQL: "SELECT \(Self.objectColumns) FROM object WHERE kind = $1 ORDER BY id", binds: Self.binds(kind))
                ).map(Self.objectRow)
            }
            return try c.query(PostgresQuery(unsafeSQL: "SELECT \(Self.objectColumns) FROM object ORDER BY id")).map(Self.objectRow)
        }
    }

    package func namesByObject() throws -> [String: [String]] {
        try read { c in
            var out = [String: [String]]()
            for row in try c.query("SELECT DISTINCT object_id, path FROM name ORDER BY object_id, path") {
                let (id, path) = try row.decode((String, String).self)
                out[id, default: []].append(path)
            }
            return out
        }
    }

    package func names(of id: ObjectID) throws -> [NameEntry] {
        try read { c in
            try c.query(
                """
                SELECT n.path, m.added_at, m.id FROM name n JOIN manifest m ON m.id = n.manifest_id
                WHERE n.object_id = \(id.hex) ORDER BY m.added_at, n.path, m.id
                """
            ).map {
                let (path, addedAt, manifest) = try $0.decode((String, String, String).self)
                return NameEntry(path: path, addedAt: addedAt, manifest: manifest)
            }
        }
    }

    package func entries(ofManifest id: ObjectID) throws -> [NameRow] {
        try read { c in
            // By path; a path named twice (two objects) in the order SQLite's primary key gives them.
            try c.query("SELECT manifest_id, object_id, path, size FROM name WHERE manifest_id = \(id.hex) ORDER BY path, object_id").map {
                let (m, o, p, s) = try $0.decode((String, String, String, Int64).self)
                return NameRow(manifestId: m, objectId: o, path: p, size: s)
            }
        }
    }

    package func knownNames(_ pairs: [(path: String, objectId: String)]) throws -> Set<String> {
        if pairs.isEmpty { return [] }
        return try read { c in
            var known = Set<String>()
            for row in try c.query(
                """
                SELECT u.p, u.o FROM unnest(\(pairs.map(\.path))::text[], \(pairs.map(\.objectId))::text[]) AS u(p, o)
                WHERE EXISTS (SELECT 1 FROM name WHERE path = u.p AND object_id = u.o)
                """)
            {
                let (p, o) = try row.decode((String, String).self)
                known.insert(p + "\u{0}" + o)
            }
            return known
        }
    }

    package func allIDs() throws -> Set<String> {
        try read { c in Set(try c.query("SELECT id FROM object").map { try $0.decode(String.self) }) }
    }

    package func count() throws -> Int {
        try read { c in try c.query("SELECT count(*) FROM object").first?.decode(Int.self) ?? 0 }
    }

    // MARK: - Revisions

    package func record(revisions: [RevisionRow], objects: [StoredObject], refs: [[RecordRef]]) throws {
        try transaction { c in
            try Self.insert(c, objects: objects)
            try Self.insert(c, revisions: revisions)
            try Self.insert(c, refs: zip(revisions, refs).map { ($0.id, $0.recordId, $1) })
        }
    }

    private func revisionRows(_ c: BlockingPostgresConnection, where clause: String, _ value: String) throws -> [RevisionRow] {
        try c.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT r.id, r.record_type, r.record_id, r.author, r.time, r.reason,
                        ARRAY(SELECT parent_id FROM revision_parent WHERE revision_id = r.id ORDER BY parent_id)
                    FROM revision r WHERE \(clause) ORDER BY r.time, r.id
                    """, binds: Self.binds(value))
        ).map {
            let (id, type, record, author, time, reason, parents) = try $0.decode(
                (String, String, String, String, String, String?, [String]).self)
            return RevisionRow(id: id, recordType: type, recordId: record, author: author, time: time, reason: reason, parents: parents)
        }
    }

    package func revision(_ id: String) throws -> RevisionRow? {
        try read { c in try revisionRows(c, where: "r.id = $1", id).first }
    }

    package func revisions(ofRecord recordId: String) throws -> [RevisionRow] {
        try read { c in try revisionRows(c, where: "r.record_id = $1", recordId) }
    }

    package func heads(ofRecord recordId: String) throws -> [String] {
        try read { c in
            try c.query(
                """
                SELECT r.id FROM revision r WHERE r.record_id = \(recordId) AND NOT EXISTS (
                    SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revision_id
                    WHERE p.parent_id = r.id AND c.record_id = r.record_id)
                ORDER BY r.time, r.id
                """
            ).map { try $0.decode(String.self) }
        }
    }

    package func heads(ofRecords recordIds: [String]) throws -> [String: [String]] {
        var out = [String: [String]]()
        for id in recordIds { out[id] = [] }
        try read { c in
            for ids in Self.chunks(recordIds) {
                for row in try c.query(
                    """
                    SELECT r.record_id, r.id FROM revision r WHERE r.record_id = ANY(\(ids)::text[]) AND NOT EXISTS (
                        SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revision_id
                        WHERE p.parent_id = r.id AND c.record_id = r.record_id)
                    ORDER BY r.record_id, r.time, r.id
                    """)
                {
                    let (record, id) = try row.decode((String, String).self)
                    out[record, default: []].append(id)
                }
            }
        }
        return out
    }

    package func recordTypes(ofRecords recordIds: [String]) throws -> [String: String] {
        var out = [String: String]()
        try read { c in
            for ids in Self.chunks(recordIds) {
                for row in try c.query(
                    """
                    SELECT DISTINCT ON (record_id) record_id, record_type FROM revision WHERE record_id = ANY(\(ids)::text[])
                    ORDER BY record_id, time, id
                    """)
                {
                    let (record, type) = try row.decode((String, String).self)
                    out[record] = type
                }
            }
        }
        return out
    }

    package func conflicts() throws -> [(recordId: String, heads: [String])] {
        try read { c in
            let rows = try c.query(
                """
                SELECT r.record_id, r.id FROM revision r WHERE NOT EXISTS (
                    SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revision_id
                    WHERE p.parent_id = r.id AND c.record_id = r.record_id)
                ORDER BY r.record_id, r.time, r.id
                """)
            return groupedConflicts(try rows.map { try $0.decode((String, String).self) })
        }
    }

    package func recordIds(ofType type: String) throws -> [String] {
        try read { c in
            try c.query("SELECT DISTINCT record_id FROM revision WHERE record_type = \(type) ORDER BY record_id").map {
                try $0.decode(String.self)
            }
        }
    }

    // MARK: - References between records

    package func record(refs: [(revisionId: String, recordId: String, refs: [RecordRef])], completingTask task: String?) throws {
        try transaction { c in
            try Self.insert(c, refs: refs)
            if let task { try c.query("DELETE FROM index_task WHERE name = \(task)") }
        }
    }

    package func pendingTasks() throws -> [String] {
        try read { c in try c.query("SELECT name FROM index_task ORDER BY name").map { try $0.decode(String.self) } }
    }

    package func heads(referring key: String, to value: String) throws -> [(recordId: String, revisionId: String)] {
        try read { c in
            try c.query(
                """
                SELECT f.record_id, f.revision_id FROM record_ref f WHERE f.key = \(key) AND f.value = \(value) AND NOT EXISTS (
                    SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revision_id
                    WHERE p.parent_id = f.revision_id AND c.record_id = f.record_id)
                ORDER BY f.record_id, f.revision_id
                """
            ).map {
                let (record, revision) = try $0.decode((String, String).self)
                return (recordId: record, revisionId: revision)
            }
        }
    }

    package func referredValues(_ key: String) throws -> [String] {
        try read { c in
            try c.query(
                """
                SELECT DISTINCT f.value FROM record_ref f WHERE f.key = \(key) AND NOT EXISTS (
                    SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revision_id
                    WHERE p.parent_id = f.revision_id AND c.record_id = f.record_id)
                ORDER BY f.value
                """
            ).map { try $0.decode(String.self) }
        }
    }

    package func lastRecordId(ofType type: String, prefix: String, below: String) throws -> String? {
        try read { c in
            try c.query(
                """
                SELECT record_id FROM revision WHERE record_id >= \(prefix) AND record_id < \(min(below, prefix + "\u{10FFFF}"))
                    AND record_type = \(type)
                ORDER BY record_id DESC LIMIT 1
                """
            ).first?.decode(String.self)
        }
    }

    // MARK: - Signatures

    package func record(signatures: [SignatureRow], objects: [StoredObject]) throws {
        try transaction { c in
            try Self.insert(c, objects: objects)
            if signatures.isEmpty { return }
            let s = signatures
            try c.query(
                """
                INSERT INTO signature (id, revision_id, signature_key, signer, role, signing_time, timestamped)
                SELECT i, r, k, who, CASE WHEN nr THEN NULL ELSE ro END, CASE WHEN nt THEN NULL ELSE t END, ts
                FROM unnest(\(s.map(\.id))::text[], \(s.map(\.revisionId))::text[], \(s.map(\.signatureKey))::text[],
                    \(s.map(\.signer))::text[], \(s.map { $0.role ?? "" })::text[], \(s.map { $0.role == nil })::bool[],
                    \(s.map { $0.signingTime ?? "" })::text[], \(s.map { $0.signingTime == nil })::bool[], \(s.map(\.timestamped))::bool[])
                    AS u(i, r, k, who, ro, nr, t, nt, ts)
                ON CONFLICT DO NOTHING
                """)
        }
    }

    /// SQLite puts NULL first in an ascending order; PostgreSQL last unless told.
    static let signatureQuery =
        "SELECT id, revision_id, signature_key, signer, role, signing_time, timestamped FROM signature"

    static func signatureRow(_ row: PostgresRow) throws -> SignatureRow {
        let (id, rev, key, signer, role, time, ts) = try row.decode((String, String, String, String, String?, String?, Bool).self)
        return SignatureRow(id: id, revisionId: rev, signatureKey: key, signer: signer, role: role, signingTime: time, timestamped: ts)
    }

    package func signatures(ofRevision revisionId: String) throws -> [SignatureRow] {
        try read { c in
            try c.query(
                PostgresQuery(
                    unsafeSQL: Self.signatureQuery + " WHERE revision_id = $1 ORDER BY signing_time NULLS FIRST, id",
                    binds: Self.binds(revisionId))
            ).map(Self.signatureRow)
        }
    }

    package func signatures() throws -> [SignatureRow] {
        try read { c in
            try c.query(PostgresQuery(unsafeSQL: Self.signatureQuery + " ORDER BY signing_time NULLS FIRST, id")).map(Self.signatureRow)
        }
    }

    /// Bindings of text values, for statements whose text is put together.
    static func binds(_ values: String...) -> PostgresBindings {
        var b = PostgresBindings(capacity: values.count)
        for v in values { b.append(v) }
        return b
    }
}
