import Foundation
import HosoPostgres

extension PostgresIndex {
    /// The schema, as numbered migrations that never change once shipped: a later change is a new one, appended.
    /// Each runs in its own transaction and is recorded with the store's steps (`PostgresMigration`). Every text column sorts and compares
    /// by code point (COLLATE "C"), as SQLite compares text: ids, times and record ids order the same in both.
    /// The columns are those of the SQLite index, in snake case; entries keep their folded keys' words as
    /// `tsvector`s (see `FullTextWords`), searched through GIN indexes.
    static let migrations: [PostgresMigration] = [
        PostgresMigration(
            "index-1",
            [
                """
                CREATE TABLE object (
                    id TEXT COLLATE "C" PRIMARY KEY,
                    kind TEXT COLLATE "C" NOT NULL,
                    encoding TEXT COLLATE "C" NOT NULL,
                    size BIGINT NOT NULL,
                    stored_size BIGINT NOT NULL)
                """,
                "CREATE INDEX object_kind ON object (kind, id)",
                """
                CREATE TABLE manifest (
                    id TEXT COLLATE "C" PRIMARY KEY,
                    added_at TEXT COLLATE "C" NOT NULL)
                """,
                """
                CREATE TABLE name (
                    manifest_id TEXT COLLATE "C" NOT NULL REFERENCES manifest (id) ON DELETE CASCADE,
                    object_id TEXT COLLATE "C" NOT NULL,
                    path TEXT COLLATE "C" NOT NULL,
                    size BIGINT NOT NULL,
                    PRIMARY KEY (manifest_id, path, object_id))
                """,
                "CREATE INDEX name_object ON name (object_id)",
                "CREATE INDEX name_path ON name (path, object_id)",
                """
                CREATE TABLE revision (
                    id TEXT COLLATE "C" PRIMARY KEY,
                    record_type TEXT COLLATE "C" NOT NULL,
                    record_id TEXT COLLATE "C" NOT NULL,
                    author TEXT COLLATE "C" NOT NULL,
                    time TEXT COLLATE "C" NOT NULL,
                    reason TEXT COLLATE "C")
                """,
                "CREATE INDEX revision_record ON revision (record_id)",
                "CREATE INDEX revision_type ON revision (record_type, record_id)",
                """
                CREATE TABLE revision_parent (
                    revision_id TEXT COLLATE "C" NOT NULL,
                    parent_id TEXT COLLATE "C" NOT NULL,
                    PRIMARY KEY (revision_id, parent_id))
                """,
                "CREATE INDEX revision_parent_parent ON revision_parent (parent_id)",
                // Entries of the current (head) revisions of ledger records. `id` is the order rows were written in
                // (SQLite's rowid), the last tie-breaker of a search's order.
                """
                CREATE TABLE entry (
                    id BIGSERIAL PRIMARY KEY,
                    revision_id TEXT COLLATE "C" NOT NULL,
                    record_id TEXT COLLATE "C" NOT NULL,
                    stt BIGINT NOT NULL,
                    full_name TEXT COLLATE "C" NOT NULL,
                    name_key TEXT COLLATE "C" NOT NULL,
                    date_of_birth TEXT COLLATE "C" NOT NULL,
                    place_of_birth TEXT COLLATE "C" NOT NULL,
                    sex TEXT COLLATE "C" NOT NULL,
                    ethnicity TEXT COLLATE "C" NOT NULL,
                    graduation_grade TEXT COLLATE "C" NOT NULL,
                    serial TEXT COLLATE "C" NOT NULL,
                    ledger_number BIGINT NOT NULL,
                    year BIGINT NOT NULL,
                    school TEXT COLLATE "C" NOT NULL,
                    issuer TEXT COLLATE "C" NOT NULL,
                    citizen_id TEXT COLLATE "C",
                    moet_id TEXT COLLATE "C",
                    page BIGINT,
                    name_words TSVECTOR NOT NULL,
                    place_words TSVECTOR NOT NULL,
                    school_words TSVECTOR NOT NULL)
                """,
                "CREATE INDEX entry_record ON entry (record_id)",
                "CREATE INDEX entry_serial ON entry (serial)",
                "CREATE INDEX entry_number ON entry (year, ledger_number)",
                "CREATE INDEX entry_name_order ON entry (name_key, year, ledger_number, id)",
                "CREATE INDEX entry_dob ON entry (date_of_birth)",
                "CREATE INDEX entry_citizen ON entry (citizen_id) WHERE citizen_id IS NOT NULL",
                "CREATE INDEX entry_moet ON entry (moet_id) WHERE moet_id IS NOT NULL",
                "CREATE INDEX entry_name_words ON entry USING GIN (name_words)",
                "CREATE INDEX entry_place_words ON entry USING GIN (place_words)",
                "CREATE INDEX entry_school_words ON entry USING GIN (school_words)",
                """
                CREATE TABLE signature (
                    id TEXT COLLATE "C" PRIMARY KEY,
                    revision_id TEXT COLLATE "C" NOT NULL,
                    signature_key TEXT COLLATE "C" NOT NULL,
                    signer TEXT COLLATE "C" NOT NULL,
                    role TEXT COLLATE "C",
                    signing_time TEXT COLLATE "C",
                    timestamped BOOLEAN NOT NULL)
                """,
                "CREATE INDEX signature_revision ON signature (revision_id)",
                "CREATE INDEX signature_key ON signature (signature_key)",
                """
                CREATE TABLE record_ref (
                    key TEXT COLLATE "C" NOT NULL,
                    value TEXT COLLATE "C" NOT NULL,
                    revision_id TEXT COLLATE "C" NOT NULL,
                    record_id TEXT COLLATE "C" NOT NULL,
                    PRIMARY KEY (key, value, revision_id))
                """,
                "CREATE INDEX record_ref_revision ON record_ref (revision_id)",
                // Derived data the archive fills in after a migration that cannot compute it (none yet here).
                "CREATE TABLE index_task (name TEXT COLLATE \"C\" PRIMARY KEY)",
                // How far the index is: the number of the store's last write it holds (`CommitMarker`).
                "CREATE TABLE store_state (key TEXT COLLATE \"C\" PRIMARY KEY, value BIGINT NOT NULL)",
            ]
        )
    ]
}
