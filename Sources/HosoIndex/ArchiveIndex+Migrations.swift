import Foundation
import GRDB

extension ArchiveIndex {
    /// Migrations are numbered and never edited once landed: a later change is a new migration.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("0001-objects-and-names") { db in
            try db.execute(
                sql: """
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
            try db.execute(
                sql: """
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
            try db.execute(
                sql: """
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
            try db.execute(
                sql: """
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
            try db.execute(
                sql: """
                    DROP INDEX entry_citizen;
                    CREATE INDEX entry_citizen ON entry(citizenId) WHERE citizenId IS NOT NULL;
                    DROP INDEX entry_moet;
                    CREATE INDEX entry_moet ON entry(moetId) WHERE moetId IS NOT NULL;
                    """)
        }
        m.registerMigration("0008-store-state") { db in
            // How far the index is: the number of the store's last write it holds (`CommitMarker`). An index made
            // before it holds 0, as does an archive made before the marker: equal, so it is current.
            try db.execute(
                sql: "CREATE TABLE store_state (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID")
        }
        return m
    }
}

extension ArchiveIndex {
    /// The number of the store's last write whose objects this index holds (see `CommitMarker`).
    package func committedSequence() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT value FROM store_state WHERE key = 'commit'") ?? 0 }
    }

    /// Records that the index holds every object of the store's writes up to `sequence`.
    package func setCommittedSequence(_ sequence: Int) throws {
        try write { db in
            try db.execute(
                sql: "INSERT INTO store_state (key, value) VALUES ('commit', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [sequence])
        }
    }
}
