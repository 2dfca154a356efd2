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

    /// Applies the steps not yet recorded; returns the names of those it applied. With `role`, every step runs
    /// under `SET LOCAL ROLE` (the hub's owner role, so the tables are its own: `hoso hub init`).
    ///
    /// An application server calls this at start as the application role, which has no DDL rights: when every step
    /// is recorded already it only reads `hoso_migrations` (no CREATE, no lock); when some are missing it cannot
    /// apply them and throws `POSTGRES_SCHEMA_OUTDATED` (run `hoso hub init`).
    @discardableResult
    public static func apply(_ steps: [PostgresMigration], on client: BlockingPostgresClient, role: String? = nil) throws -> [String] {
        let missing = try client.withConnection { try pending(steps, on: $0) }
        if missing.isEmpty { return [] }
        do {
            return try applySteps(steps, on: client, role: role)
        } catch let e as HosoError where e.code == .postgresPermissionDenied {
            throw HosoError(
                .postgresSchemaOutdated,
                LocalizedText(
                    vi: "Cơ sở dữ liệu chưa có đủ lược đồ và tài khoản này không được tạo bảng: hãy chạy `hoso hub init`",
                    en: "The database's schema is not up to date and this account may not create tables: run `hoso hub init`"),
                location: client.url.description,
                cause: "missing steps: " + missing.joined(separator: ", ") + " (" + (e.cause ?? "") + ")")
        }
    }

    /// The steps not recorded in `hoso_migrations` (all of them when the table is missing); reads only.
    public static func pending(_ steps: [PostgresMigration], on c: BlockingPostgresConnection) throws -> [String] {
        let exists = try c.query("SELECT to_regclass('hoso_migrations') IS NOT NULL").first?.decode(Bool.self) ?? false
        guard exists else { return steps.map(\.name) }
        var done = Set<String>()
        for r in try c.query("SELECT name FROM hoso_migrations") { done.insert(try r.decode(String.self)) }
        return steps.map(\.name).filter { !done.contains($0) }
    }

    private static func applySteps(_ steps: [PostgresMigration], on client: BlockingPostgresClient, role: String?) throws -> [String] {
        let setRole = role.map { PostgresQuery(unsafeSQL: "SET LOCAL ROLE " + quoteIdentifier($0)) }
        try client.transaction { c in
            if let setRole { try c.execute(setRole) }
            try c.execute("SELECT pg_advisory_xact_lock(7250931)")
            try c.execute(
                "CREATE TABLE IF NOT EXISTS hoso_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        }
        var applied = [String]()
        for step in steps {
            let did = try client.transaction { c -> Bool in
                if let setRole { try c.execute(setRole) }
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

    /// An SQL identifier in double quotes (role and table names in statements that take no parameters).
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
