import Foundation
import GRDB
import HosoCore
import HosoStore

// Revisions and their parents: the history of every record.
extension ArchiveIndex {
    static func insert(_ db: Database, revisions: [RevisionRow]) throws {
        let rev = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO revision (id, recordType, recordId, author, time, reason) VALUES (?, ?, ?, ?, ?, ?)
                """)
        let parent = try db.cachedStatement(sql: "INSERT OR IGNORE INTO revision_parent (revisionId, parentId) VALUES (?, ?)")
        for r in revisions {
            try rev.execute(arguments: [r.id, r.recordType, r.recordId, r.author, r.time, r.reason])
            for p in r.parents { try parent.execute(arguments: [r.id, p]) }
        }
    }

    /// Records revisions (with their objects and what they refer to) in one transaction.
    package func record(revisions: [RevisionRow], objects: [StoredObject], refs: [[RecordRef]]) throws {
        try write { db in
            try Self.insert(db, objects: objects)
            try Self.insert(db, revisions: revisions)
            try Self.insert(db, refs: zip(revisions, refs).map { ($0.id, $0.recordId, $1) })
        }
    }

    package func revision(_ id: String) throws -> RevisionRow? {
        try read { db in try Self.revisionRows(db, where: "r.id = ?", [id]).first }
    }

    /// Every revision of a record, oldest first (by time, then id, so the order is the same everywhere).
    package func revisions(ofRecord recordId: String) throws -> [RevisionRow] {
        try read { db in try Self.revisionRows(db, where: "r.recordId = ?", [recordId]) }
    }

    /// The revisions of a record that no other revision of it follows. More than one is a conflict.
    package func heads(ofRecord recordId: String) throws -> [String] {
        try read { db in
            // Cached statements: these run several times for every copy or request (compiling was a third of each).
            try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT r.id FROM revision r WHERE r.recordId = ? AND NOT EXISTS (
                            SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revisionId
                            WHERE p.parentId = r.id AND c.recordId = r.recordId)
                        ORDER BY r.time, r.id
                        """), arguments: [recordId])
        }
    }

    /// One statement per record: a local file answers each in microseconds.
    package func heads(ofRecords recordIds: [String]) throws -> [String: [String]] {
        var out = [String: [String]]()
        for id in recordIds { out[id] = try heads(ofRecord: id) }
        return out
    }

    package func recordTypes(ofRecords recordIds: [String]) throws -> [String: String] {
        var out = [String: String]()
        for id in recordIds { if let first = try revisions(ofRecord: id).first { out[id] = first.recordType } }
        return out
    }

    /// Records with more than one head, each with its heads.
    package func conflicts() throws -> [(recordId: String, heads: [String])] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.recordId, r.id FROM revision r WHERE NOT EXISTS (
                        SELECT 1 FROM revision_parent p JOIN revision c ON c.id = p.revisionId
                        WHERE p.parentId = r.id AND c.recordId = r.recordId)
                    ORDER BY r.recordId, r.time, r.id
                    """)
            return groupedConflicts(rows.map { ($0["recordId"], $0["id"]) })
        }
    }

    private static func revisionRows(_ db: Database, where clause: String, _ args: StatementArguments) throws -> [RevisionRow] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT r.id, r.recordType, r.recordId, r.author, r.time, r.reason,
                           (SELECT group_concat(parentId, ' ') FROM (SELECT parentId FROM revision_parent WHERE revisionId = r.id ORDER BY parentId)) AS parents
                    FROM revision r WHERE \(clause) ORDER BY r.time, r.id
                    """), arguments: args)
        return rows.map {
            RevisionRow(
                id: $0["id"], recordType: $0["recordType"], recordId: $0["recordId"], author: $0["author"],
                time: $0["time"], reason: $0["reason"],
                parents: (($0["parents"] as String?) ?? "").split(separator: " ").map(String.init))
        }
    }
}
