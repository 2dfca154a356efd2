import HosoCore
import PostgresNIO

/// Named schema steps applied once each, in order, and recorded in `hoso_migrations`; like the SQLite index's
/// migrations, a step never changes once shipped (a change is a new step). Each step runs in its own transaction
/// with the record of it, under an advisory lock, so application servers starting together apply it once.
public struct PostgresMigration: Sendable {
    public var name: String
    /// Statements run one by one (the extended query protocol takes one statement per query).
    public var statements: [String]

    public init(_ name: String, _ statements: [String]) {
        self.name = name
        self.statements = statements
    }

    /// Applies the steps not yet recorded; returns the names of those it applied.
    @discardableResult
    public static func apply(_ steps: [PostgresMigration], on client: BlockingPostgresClient) throws -> [String] {
        try client.transaction { c in
            try c.execute("SELECT pg_advisory_xact_lock(7250931)")
            try c.execute(
                "CREATE TABLE IF NOT EXISTS hoso_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        }
        var applied = [String]()
        for step in steps {
            let did = try client.transaction { c -> Bool in
                // One lock for every migrating process of this database (the number is arbitrary but fixed).
                try c.execute("SELECT pg_advisory_xact_lock(7250931)")
                let done = try c.query("SELECT 1 FROM hoso_migrations WHERE name = \(step.name)")
                guard done.isEmpty else { return false }
                for sql in step.statements { try c.execute(PostgresQuery(unsafeSQL: sql)) }
                try c.execute("INSERT INTO hoso_migrations (name) VALUES (\(step.name))")
                return true
            }
            if did { applied.append(step.name) }
        }
        return applied
    }
}
