/// The province hub's schema in one place: every part's migrations, and its tables by what the application may do
/// to them. `hoso hub init` applies the migrations as the owner role and grants the application and reader roles
/// exactly what each class allows; a part built later (the transparency log, accounts and audit, the write marker)
/// is one more `Part` in the list (`HubSchema.province`, in HosoHub).
public struct HubSchema: Sendable {
    /// What the application role may do to a table.
    public enum TableClass: String, Sendable, CaseIterable {
        /// Written once, never changed: SELECT and INSERT only (objects and chunks, the log, the audit trail). The
        /// application cannot rewrite or drop history.
        case history
        /// Computed from history (the index): SELECT, INSERT, UPDATE, DELETE; rebuilt from history if lost.
        case derived
        /// The application's own bookkeeping (pending tasks, markers): SELECT, INSERT, UPDATE, DELETE.
        case working

        /// The privileges the application role gets (never TRUNCATE, REFERENCES, TRIGGER, nor DDL, which stays the
        /// owner's).
        public var applicationPrivileges: String {
            self == .history ? "SELECT, INSERT" : "SELECT, INSERT, UPDATE, DELETE"
        }
    }

    /// One module's share: its migration steps and the tables they make.
    public struct Part: Sendable {
        public var name: String
        public var migrations: [PostgresMigration]
        public var tables: [String: TableClass]

        public init(name: String, migrations: [PostgresMigration], tables: [String: TableClass]) {
            self.name = name
            self.migrations = migrations
            self.tables = tables
        }
    }

    public var parts: [Part]

    public init(_ parts: [Part]) { self.parts = parts }

    /// Every step, part after part, in the order they are applied.
    public var migrations: [PostgresMigration] { parts.flatMap(\.migrations) }

    /// Every table with its class, sorted by name (the migrations' record, `hoso_migrations`, is not among them:
    /// the roles only read it).
    public var tables: [(name: String, tableClass: TableClass)] {
        parts.flatMap { $0.tables.map { (name: $0.key, tableClass: $0.value) } }.sorted { $0.name < $1.name }
    }
}
