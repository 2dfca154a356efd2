import Foundation
import HosoCore
import HosoPrimitives
import PostgresNIO

/// `hoso hub init`: the hub's roles and schema, made or brought up to date by an administrator's connection, as
/// many times as one likes (a second run changes nothing).
///
/// Roles (cluster-wide names, so configurable):
/// - the owner (NOLOGIN) owns every table; the migrations run as it (`SET LOCAL ROLE`);
/// - the application role (LOGIN) gets per table what its class allows (`HubSchema.TableClass`): history only
///   SELECT and INSERT, derived and working tables also UPDATE and DELETE; never TRUNCATE nor DDL;
/// - the reader role (LOGIN, transactions read-only by default) gets SELECT only: public verification and search,
///   on the standby too.
/// Passwords are set when a role is made (or with `setPasswords`), sent as SCRAM-SHA-256 verifiers computed here,
/// so the clear password appears in no statement (the server's log, `pg_stat_activity`).
public enum HubSetup {
    public struct Roles: Sendable, Equatable {
        public var owner: String
        public var application: String
        public var reader: String

        public init(owner: String = "hoso_owner", application: String = "hoso_app", reader: String = "hoso_reader") {
            self.owner = owner
            self.application = application
            self.reader = reader
        }
    }

    /// What one run did.
    public struct Report: Sendable, Encodable {
        public var rolesCreated: [String] = []
        public var passwordsSet: [String] = []
        public var migrationsApplied: [String] = []
        public var tables: [String: String] = [:]
    }

    /// Makes the roles, applies the missing migrations as the owner and sets every table's privileges. `client`
    /// connects as an administrator (a superuser, or a role with CREATEROLE that owns the database).
    public static func initialize(
        client: BlockingPostgresClient, schema: HubSchema, roles: Roles, applicationPassword: String?, readerPassword: String?,
        setPasswords: Bool = false
    ) throws -> Report {
        let names = [roles.owner, roles.application, roles.reader]
        guard Set(names).count == 3, names.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 }) else {
            throw HosoError(
                .postgresRolesInvalid,
                LocalizedText(
                    vi: "Ba vai trò (chủ sở hữu, ứng dụng, chỉ đọc) phải có tên khác nhau, không rỗng",
                    en: "The three roles (owner, application, reader) need distinct, non-empty names"),
                location: names.joined(separator: ", "))
        }
        var report = Report()
        let q = PostgresMigration.quoteIdentifier
        let (owner, app, reader) = (q(roles.owner), q(roles.application), q(roles.reader))
        try client.transaction { c in
            // Two inits at once would both try CREATE ROLE.
            try c.execute("SELECT pg_advisory_xact_lock(7250932)")
            let wanted: [(String, String, String?)] = [
                (roles.owner, "NOLOGIN", nil), (roles.application, "LOGIN", applicationPassword),
                (roles.reader, "LOGIN", readerPassword),
            ]
            for (name, login, password) in wanted {
                let exists = try !c.query("SELECT 1 FROM pg_roles WHERE rolname = \(name)").isEmpty
                if !exists {
                    try c.execute(PostgresQuery(unsafeSQL: "CREATE ROLE \(q(name)) \(login) NOINHERIT"))
                    report.rolesCreated.append(name)
                } else {
                    try c.execute(PostgresQuery(unsafeSQL: "ALTER ROLE \(q(name)) \(login) NOINHERIT"))
                }
                if let password, !exists || setPasswords {
                    let verifier = scramVerifier(password: password)
                    try c.execute(PostgresQuery(unsafeSQL: "ALTER ROLE \(q(name)) PASSWORD '\(verifier)'"))
                    report.passwordsSet.append(name)
                }
            }
            try c.execute(PostgresQuery(unsafeSQL: "ALTER ROLE \(reader) SET default_transaction_read_only = on"))
            // The administrator must be able to SET ROLE to the owner and hand it tables (a no-op for a superuser).
            let isSuper = try c.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").first?.decode(Bool.self) ?? false
            if !isSuper {
                let member =
                    try c.query("SELECT pg_has_role(current_user, \(roles.owner)::name, 'MEMBER')").first?.decode(Bool.self) ?? false
                if !member { try c.execute(PostgresQuery(unsafeSQL: "GRANT \(owner) TO CURRENT_USER")) }
            }
            // Only the owner creates in the schema (PostgreSQL 15 already takes CREATE away from PUBLIC; older
            // clusters and restored dumps may still give it).
            try c.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            try c.execute(PostgresQuery(unsafeSQL: "GRANT USAGE, CREATE ON SCHEMA public TO \(owner)"))
            try c.execute(PostgresQuery(unsafeSQL: "GRANT USAGE ON SCHEMA public TO \(app), \(reader)"))
            // Tables made before the roles existed (by the administrator) pass to the owner; sequences follow.
            for table in ["hoso_migrations"] + schema.tables.map(\.name) {
                try c.execute(PostgresQuery(unsafeSQL: "ALTER TABLE IF EXISTS \(q(table)) OWNER TO \(owner)"))
            }
        }
        report.migrationsApplied = try PostgresMigration.apply(schema.migrations, on: client, role: roles.owner)
        try client.transaction { c in
            try c.execute("SELECT pg_advisory_xact_lock(7250932)")
            // Exactly the class's privileges: whatever was granted before (by hand) is taken back first.
            try c.execute(PostgresQuery(unsafeSQL: "REVOKE ALL ON TABLE hoso_migrations FROM PUBLIC, \(app), \(reader)"))
            try c.execute(PostgresQuery(unsafeSQL: "GRANT SELECT ON TABLE hoso_migrations TO \(app), \(reader)"))
            for (table, tableClass) in schema.tables {
                let t = q(table)
                try c.execute(PostgresQuery(unsafeSQL: "REVOKE ALL ON TABLE \(t) FROM PUBLIC, \(app), \(reader)"))
                try c.execute(PostgresQuery(unsafeSQL: "GRANT \(tableClass.applicationPrivileges) ON TABLE \(t) TO \(app)"))
                try c.execute(PostgresQuery(unsafeSQL: "GRANT SELECT ON TABLE \(t) TO \(reader)"))
                report.tables[table] = tableClass.rawValue
            }
            // Serial columns (the index's entry ids): the application draws numbers, the reader nothing.
            let sequences = try c.query(
                """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'S' AND n.nspname = 'public' ORDER BY 1
                """)
            for r in sequences {
                let s = q(try r.decode(String.self))
                try c.execute(PostgresQuery(unsafeSQL: "REVOKE ALL ON SEQUENCE \(s) FROM PUBLIC, \(app), \(reader)"))
                try c.execute(PostgresQuery(unsafeSQL: "GRANT USAGE, SELECT ON SEQUENCE \(s) TO \(app)"))
            }
        }
        return report
    }

    // MARK: - SCRAM-SHA-256 verifiers (RFC 5802, RFC 7677; PostgreSQL's stored format)

    /// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64, as PostgreSQL stores a password.
    public static func scramVerifier(password: String, salt: [UInt8]? = nil, iterations: Int = 4096) -> String {
        var rng = SystemRandomNumberGenerator()
        let salt = salt ?? (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        // PostgreSQL applies SASLprep to the password, whose core is NFKC (Vietnamese typed decomposed or not gives
        // one password); its rarer mappings (non-ASCII spaces, soft hyphens) are not done here.
        let normalized = password.precomposedStringWithCompatibilityMapping
        let salted = pbkdf2(password: Array(normalized.utf8), salt: salt, iterations: iterations)
        let clientKey = hmac(key: salted, Array("Client Key".utf8))
        let storedKey = SHA256.hash(clientKey)
        let serverKey = hmac(key: salted, Array("Server Key".utf8))
        func b64(_ b: [UInt8]) -> String { Data(b).base64EncodedString() }
        return "SCRAM-SHA-256$\(iterations):\(b64(salt))$\(b64(storedKey)):\(b64(serverKey))"
    }

    static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var k = key.count > 64 ? SHA256.hash(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        let inner = SHA256.hash(k.map { $0 ^ 0x36 } + message)
        return SHA256.hash(k.map { $0 ^ 0x5c } + inner)
    }

    /// PBKDF2-HMAC-SHA-256 of one block (32 bytes, the length SCRAM-SHA-256 needs).
    static func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        var u = hmac(key: password, salt + [0, 0, 0, 1])
        var out = u
        for _ in 1..<max(1, iterations) {
            u = hmac(key: password, u)
            for i in 0..<out.count { out[i] ^= u[i] }
        }
        return out
    }
}
