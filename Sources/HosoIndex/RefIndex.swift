import Foundation
import GRDB

/// A value one revision refers to, by kind: the ledger entry an appendix corrects ("entry" = "LEDGER#NUMBER"), the
/// PDF a copy register line certifies ("document"), the certificate that signed it ("signer")… What a body refers
/// to is the workflows' business (HosoKit says which); the index only keeps them so that "which records point at
/// this" is one indexed lookup rather than a read of every record of the type.
package struct RecordRef: Sendable, Hashable {
    package var key: String
    package var value: String

    package init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

extension ArchiveIndex {
    static func registerRefMigration(_ m: inout DatabaseMigrator) {
        m.registerMigration("0006-record-refs") { db in
            // index_task: derived data a migration cannot compute by itself (it needs the record bodies); the
            // archive fills it in when it opens the index and removes the task.
            try db.execute(
                sql: """
                    CREATE TABLE record_ref (
                        key TEXT NOT NULL,
                        value TEXT NOT NULL,
                        revisionId TEXT NOT NULL,
                        recordId TEXT NOT NULL,
                        PRIMARY KEY (key, value, revisionId)
                    ) WITHOUT ROWID;
                    CREATE INDEX record_ref_revision ON record_ref(revisionId);
                    CREATE TABLE index_task (name TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
                    INSERT INTO index_task (name) SELECT 'record-refs' WHERE EXISTS (SELECT 1 FROM revision);
                    """)
        }
    }

    static func insert(_ db: Database, refs: [(revisionId: String, recordId: String, refs: [RecordRef])]) throws {
        let s = try db.cachedStatement(sql: "INSERT OR IGNORE INTO record_ref (key, value, revisionId, recordId) VALUES (?, ?, ?, ?)")
        for r in refs {
            for ref in r.refs { try s.execute(arguments: [ref.key, ref.value, r.revisionId, r.recordId]) }
        }
    }

    /// Records the refs of revisions already recorded (an index built before refs existed, filled in once).
    package func record(refs: [(revisionId: String, recordId: String, refs: [RecordRef])], completingTask task: String?) throws {
        try write { db in
            try Self.insert(db, refs: refs)
            if let task { try db.execute(sql: "DELETE FROM index_task WHERE name = ?", arguments: [task]) }
        }
    }

    /// Derived data still to be filled in by the archive (see `0006-record-refs`).
    package func pendingTasks() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT name FROM index_task ORDER BY name") }
    }

    /// Records whose current revision (a head) refers to `value` under `key`, with that head; a record in conflict
    /// appears once per head that refers to it.
    package func heads(referring key: String, to value: String) throws -> [(recordId: String, revisionId: String)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT f.recordId, f.revisionId FROM record_ref f WHERE f.key = ? AND f.value = ? AND NOT EXISTS (
                        SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revisionId
                        WHERE p.parentId = f.revisionId AND c.recordId = f.recordId)
                    ORDER BY f.recordId, f.revisionId
                    """, arguments: [key, value]
            ).map { ($0[0], $0[1]) }
        }
    }

    /// Every value current revisions refer to under `key` (e.g. every certificate that signed a copy).
    package func referredValues(_ key: String) throws -> [String] {
        try read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT f.value FROM record_ref f WHERE f.key = ? AND NOT EXISTS (
                        SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revisionId
                        WHERE p.parentId = f.revisionId AND c.recordId = f.recordId)
                    ORDER BY f.value
                    """, arguments: [key])
        }
    }

    /// The greatest record id of a type that starts with `prefix` and sorts before `below` (a machine's block of
    /// numbers: "BS-2026-" below "BS-2026-500000").
    package func lastRecordId(ofType type: String, prefix: String, below: String) throws -> String? {
        try read { db in
            // Ids of one prefix sort together: a range scan of revision_record, not a read of every id of the type.
            try String.fetchOne(
                db,
                sql: """
                    SELECT recordId FROM revision INDEXED BY revision_record WHERE recordId >= ? AND recordId < ? AND recordType = ?
                    ORDER BY recordId DESC LIMIT 1
                    """, arguments: [prefix, min(below, prefix + "\u{10FFFF}"), type])
        }
    }
}
