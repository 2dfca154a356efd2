import Foundation
import GRDB
import HosoCore

/// The SQLite index: derived state only, rebuilt from the objects by `hoso reindex`.
/// Everything it answers can be recomputed from the store; nothing is ever only here.
package final class ArchiveIndex: ArchiveIndexing {
    package let path: String
    private let pool: any DatabaseWriter
    /// How far the write-ahead log has grown, and the connection that checkpoints it off the writer's path.
    private let wal: WALProgress
    private let checkpointer: Checkpointer?
    /// Read-only connections for `findEntries`.
    let lookups: LookupConnections

    /// Opens (creating if needed) the index. `building` is for a fresh file that will be renamed into place:
    /// it uses a rollback journal rather than WAL, so the file is complete on its own once closed, with no
    /// -wal file that a rename would leave behind. `readOnly` is for commands that only read (on a read-only medium
    /// or a full disk): nothing is migrated or written, and an index not at the current schema is refused.
    package init(path: String, building: Bool = false, readOnly: Bool = false) throws {
        self.path = path
        do {
            var config = Configuration()
            config.readonly = readOnly
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
            pool =
                building
                ? try DatabaseQueue(path: path, configuration: config)
                : try DatabasePool(path: path, configuration: config)
            checkpointer = building || readOnly ? nil : Checkpointer(path: path)
            lookups = LookupConnections(path: path)
            if readOnly {
                guard try pool.read({ try Self.migrator.hasCompletedMigrations($0) }) else {
                    throw HosoError(
                        .indexError,
                        LocalizedText(
                            vi: "Chỉ mục thuộc phiên bản cũ và không được sửa khi chỉ đọc",
                            en: "The index is of an older version and is not upgraded when only reading"), location: path)
                }
                return
            }
            try Self.migrator.migrate(pool)
            // A write that reported success is in the index after a power cut too: the log is synced at each
            // commit. Set again after opening: the pool sets synchronous=NORMAL on its writer after
            // prepareDatabase (GRDB 7), and the writer keeps one connection.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        } catch let e as DatabaseError {
            // Only a file SQLite cannot read as a database is damage. A full disk, a read-only medium, a missing
            // permission or an I/O error say nothing about the file: the index must not be set aside for them.
            if e.resultCode == .SQLITE_CORRUPT || e.resultCode == .SQLITE_NOTADB {
                throw HosoError(
                    .indexDamaged,
                    LocalizedText(vi: "Chỉ mục SQLite bị hỏng", en: "The SQLite index is damaged"), location: path, cause: "\(e)")
            }
            throw Self.wrap(e, path)
        }
    }

    /// Set on every connection. At a million entries the index's B-trees no longer fit SQLite's default 2 MiB
    /// page cache: memory-mapped reads spare a copy and a system call per page. Only speed changes, not the file.
    package static let connectionPragmas = "PRAGMA mmap_size = 1073741824"
    /// Set on the one writing connection as well: a larger cache keeps the inner pages of the eight B-trees an
    /// import updates (readers do without: they read through the map). A new index file gets 8 KiB pages: an
    /// import dirties a page per entry in each randomly ordered index, and each dirty page is a frame in the log
    /// at commit; half as many, larger frames made imports about a tenth faster. (The page size of an existing
    /// file stays as it is: the pragma only applies before the first table is created.)
    package static let writerPragmas = "PRAGMA page_size = 8192; PRAGMA cache_size = -32768; PRAGMA synchronous = FULL"

    static func wrap(_ e: any Error, _ path: String) -> HosoError {
        // Out of space is the disk's fault, not the index's: said as such, and never "rebuild the index".
        if let db = e as? DatabaseError, db.resultCode == .SQLITE_FULL {
            return HosoError(
                .diskFull,
                LocalizedText(
                    vi: "Hết chỗ trên đĩa khi ghi chỉ mục SQLite", en: "No space left on the disk while writing the SQLite index"),
                location: path, cause: "\(e)")
        }
        return HosoError(
            .indexError,
            LocalizedText(
                vi: "Lỗi chỉ mục SQLite (có thể dựng lại bằng `hoso reindex`)",
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

    /// Closes the connections (needed before the file is replaced by a rebuilt index).
    package func close() throws {
        checkpointer?.close()
        lookups.close()
        do { try pool.close() } catch { throw Self.wrap(error, path) }
    }
}
