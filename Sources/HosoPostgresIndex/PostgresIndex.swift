import Foundation
import HosoCore
import HosoIndex
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
    let connections: PostgresConnections
    /// The advisory lock key of the index's writers ("hosoidx" in ASCII).
    static let writerLock: Int64 = 0x686F_736F_6964_78

    /// Connects and brings the schema up to date.
    package init(settings: PostgresIndexSettings) throws {
        connections = PostgresConnections(settings: settings)
        try migrate()
    }

    package func close() throws { connections.close() }

    /// Runs `body` as one transaction of the index's single writer; anything thrown rolls it back.
    @discardableResult
    func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try inTransaction("BEGIN") { c in
            try c.run("SELECT pg_advisory_xact_lock(\(Self.writerLock))")
            return try body(c)
        }
    }

    /// Runs `body` on a connection, each statement reading its own snapshot.
    func read<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try wrapping { try connections.with(body) }
    }

    /// Runs `body` in a read-only transaction whose statements all read one snapshot.
    func snapshot<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// Runs `body` between `begin` and COMMIT on one connection; anything thrown rolls it back. (A connection that
    /// cannot even roll back is closed by `with`: it sees the error.)
    private func inTransaction<T>(_ begin: PostgresQuery, _ body: (PostgresConnection) throws -> T) throws -> T {
        try wrapping {
            try connections.with { c in
                try c.run(begin)
                do {
                    let result = try body(c)
                    try c.run("COMMIT")
                    return result
                } catch {
                    try c.run("ROLLBACK")
                    throw error
                }
            }
        }
    }

    /// PostgreSQL's errors as the archive's: a full disk said as such, anything else an index error.
    private func wrapping<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as HosoError { throw e } catch let e as HosoProblems { throw e } catch {
            let place = "\(connections.settings.host):\(connections.settings.port)/\(connections.settings.database)"
            if let p = error as? PSQLError, p.serverInfo?[.sqlState] == "53100" {
                throw HosoError(
                    .diskFull,
                    .both(
                        "Máy chủ PostgreSQL hết chỗ trên đĩa khi ghi chỉ mục",
                        "The PostgreSQL server ran out of disk space while writing the index"),
                    location: place, cause: String(reflecting: error))
            }
            throw HosoError(
                .indexError, .both("Lỗi chỉ mục PostgreSQL", "PostgreSQL index error"), location: place,
                cause: String(reflecting: error))
        }
    }

    // MARK: - How far the index is

    package func committedSequence() throws -> Int {
        try read { c in try c.run("SELECT value FROM store_state WHERE key = 'commit'").first?.decode(Int.self) ?? 0 }
    }

    package func setCommittedSequence(_ sequence: Int) throws {
        try transaction { c in
            try c.run(
                """
                INSERT INTO store_state (key, value) VALUES ('commit', \(sequence))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """)
        }
    }
}
