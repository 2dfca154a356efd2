import HosoCore
import HosoStore
import PostgresNIO

/// The hub store's write number (the folder's `CommitMarker`): one row in the database that holds the objects, so
/// it is raised, durably, by a commit of that database before any object of the write becomes visible, and every
/// application server compares the same number with the index's.
public final class PostgresWriteNumber: WriteNumbering {
    public let client: BlockingPostgresClient

    /// The schema, as named steps (see `PostgresMigration`).
    public static let migrations: [PostgresMigration] = [
        PostgresMigration(
            "write-number-1",
            [
                """
                CREATE TABLE hoso_write_number (
                    id smallint PRIMARY KEY CHECK (id = 1),
                    value bigint NOT NULL CHECK (value >= 0)
                )
                """
            ])
    ]

    /// The write number's share of the hub's schema: one row the application raises (a working table).
    public static let hubPart = HubSchema.Part(name: "write-number", migrations: migrations, tables: ["hoso_write_number": .working])

    /// Creates the table if it is missing.
    public init(client: BlockingPostgresClient) throws {
        self.client = client
        try PostgresMigration.apply(Self.migrations, on: client)
    }

    public func read() throws -> Int? {
        let rows = try client.query("SELECT value FROM hoso_write_number WHERE id = 1")
        guard let row = rows.first else { return 0 }
        return Int(try decoded(row))
    }

    public func advance(above known: Int) throws -> Int {
        // One statement: the raise is atomic even if another application server raced past the write lock.
        let rows = try client.query(
            """
            INSERT INTO hoso_write_number (id, value) VALUES (1, \(Int64(known) + 1))
            ON CONFLICT (id) DO UPDATE SET value = GREATEST(hoso_write_number.value, \(Int64(known))) + 1
            RETURNING value
            """)
        guard let row = rows.first else {
            throw HosoError(
                .postgresError, .both("Không ghi được số lần ghi của kho", "The archive's write number was not recorded"),
                location: "postgres:hoso_write_number")
        }
        return Int(try decoded(row))
    }

    private func decoded(_ row: PostgresRow) throws -> Int64 {
        do { return try row.decode(Int64.self) } catch {
            throw HosoError(
                .postgresError, .both("Số lần ghi của kho không hợp lệ", "The archive's write number is not valid"),
                location: "postgres:hoso_write_number", cause: "\(error)")
        }
    }
}
