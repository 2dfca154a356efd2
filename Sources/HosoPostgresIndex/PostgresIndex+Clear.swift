import HosoCore
import PostgresNIO

extension PostgresIndex {
    /// Empties every table of the index (its rows, pending tasks and write number), for a rebuild from the objects.
    /// One statement, so the index is either as it was or empty; the schema stays.
    package func removeAllRows() throws {
        try transaction { c in
            try c.execute(
                """
                TRUNCATE object, manifest, name, revision, revision_parent, entry, signature, record_ref, index_task,
                    store_state
                """)
        }
    }
}
