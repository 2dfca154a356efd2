import Foundation
import HosoCore
import HosoIndex
import HosoPostgres
import HosoStore
import PostgresNIO

/// The archive's index in PostgreSQL, for the province hub: the same rows and the same answers as the SQLite index
/// (`ArchiveIndex`), shared by several application servers. Derived from the objects like it.
///
/// Writes: each `ArchiveIndexing` write is one transaction, and writers take turns (a transaction-level advisory
/// lock), as SQLite's single writer does: the ledger checks read what is there and the write that follows relies
/// on it. Reads run on any lent connection without that lock, each statement on its own snapshot, as SQLite's
/// readers do; a read of several statements that must agree runs in one REPEATABLE READ transaction.
package final class PostgresIndex: ArchiveIndexing {
    /// The connections and the bridge to HosoKit's synchronous code (see `BlockingPostgresClient`: callers are
    /// HosoKit's own threads, the CLI's main thread and the server's thread pool, never an event loop).
    let client: BlockingPostgresClient
    /// The advisory lock key of the index's writers ("hosoidx" in ASCII).
    static let writerLock: Int64 = 0x686F_736F_6964_78

    /// Brings the schema up to date on `client`'s database (the hub's primary).
    package init(client: BlockingPostgresClient) throws {
        self.client = client
        _ = try wrapping { try PostgresMigration.apply(Self.migrations, on: client) }
    }

    package convenience init(url: String) throws { try self.init(client: BlockingPostgresClient(url)) }

    package func close() throws { client.close() }

    /// Runs `body` as one transaction of the index's single writer; anything thrown rolls it back. Writers take turns
    /// on the lock, so two never clash; a clash all the same (a deadlock with another program) is run again only when
    /// `body` is repeatable (`retries`: it calls none of the caller's closures).
    @discardableResult
    func transaction<T>(retries: Int = 3, _ body: (BlockingPostgresConnection) throws -> T) throws -> T {
        try wrapping {
            try client.transaction(retries: retries) { c in
                try c.execute("SELECT pg_advisory_xact_lock(\(Self.writerLock))")
                return try body(c)
            }
        }
    }

    /// Runs `body` on a connection, each statement reading its own snapshot.
    func read<T>(_ body: (BlockingPostgresConnection) throws -> T) throws -> T {
        try wrapping { try client.withConnection(body) }
    }

    /// Runs `body` in a read-only transaction whose statements all read one snapshot.
    func snapshot<T>(_ body: (BlockingPostgresConnection) throws -> T) throws -> T {
        try wrapping { try client.transaction(isolation: "REPEATABLE READ READ ONLY", body) }
    }

    /// The client's errors keep their POSTGRES_* and disk-full codes; anything else thrown inside (a row that does
    /// not decode, a caller's closure) is an index error.
    private func wrapping<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as HosoError { throw e } catch let e as HosoProblems { throw e } catch {
            throw HosoError(
                .indexError, .both("Lỗi chỉ mục PostgreSQL", "PostgreSQL index error"), location: client.url.description,
                cause: String(reflecting: error))
        }
    }

    // MARK: - How far the index is

    package func committedSequence() throws -> Int {
        try read { c in try c.query("SELECT value FROM store_state WHERE key = 'commit'").first?.decode(Int.self) ?? 0 }
    }

    package func setCommittedSequence(_ sequence: Int) throws {
        try transaction { c in
            try c.query(
                """
                INSERT INTO store_state (key, value) VALUES ('commit', \(sequence))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """)
        }
    }
}
