import HosoAccounts
import HosoKit

/// Every route of the screens and the API, with the roles that may use it and what it shows them: the one table the
/// router is checked against at start-up (`check`) and that `RouteProtectionTests` walks route × role. The role
/// groups (`RequireRole`) enforce it; `Visibility` narrows each role to its own records.
enum AccessTable {
    static let clerks = ClerkRoutes.roles
    static let ledgerReaders = LedgerRoutes.roles
    static let recordReaders = RecordRoutes.readers
    static let syncReaders = RecordRoutes.roles
    static let bookReaders = GradeBookRoutes.readers
    static let bookWriters = GradeBookRoutes.writers
    static let registrars = DigitizeRoutes.roles
    static let custody = CustodyRoutes.roles
    static let admins: Set<Role> = [.admin]
    static let myClasses = TeacherRoutes.roles
    static let termLocks = GradeBookYearRoutes.roles
    static let anyone = Set(Role.allCases)

    /// Route ("METHOD /path" as registered) → who may use it. Comments say what each group sees.
    static let roles: [String: Set<Role>] = [
        // Requests and the copies issued for them: the office's clerks and head; citizens' data, audited.
        "GET /requests": clerks, "POST /requests": clerks, "GET /requests/{id}": clerks, "POST /requests/{id}/issue": clerks,
        "POST /requests/{id}/refuse": clerks, "POST /requests/{id}/entry": clerks, "GET /requests/{id}/copies/{n}": clerks,
        // The proof a citizen uploaded with an online request (`OnlineRequestRoutes`): clerks only, audited.
        "GET /requests/{id}/proof": clerks,
        // The walk-in request from a ledger entry, its receipt, the print screen and the hand-over (`WalkInRoutes`).
        "GET /walk-in": clerks, "POST /walk-in": clerks, "GET /requests/{id}/receipt": clerks, "GET /requests/{id}/print": clerks,
        "POST /requests/{id}/hand-over": clerks,
        "GET /api/requests": clerks, "POST /api/requests": clerks, "GET /api/requests/{id}": clerks,
        "POST /api/requests/{id}/issue": clerks, "POST /api/requests/{id}/refuse": clerks, "GET /api/requests/{id}/copies/{n}": clerks,
        // The office's ledgers and their page scans.
        "GET /ledger": ledgerReaders, "GET /ledger/page": ledgerReaders, "GET /ledger/scan": ledgerReaders,
        "GET /api/ledger/search": ledgerReaders, "GET /api/ledger/page": ledgerReaders, "GET /api/ledger/scan": ledgerReaders,
        // Records and their signatures: a principal their school's grade books and transcripts, the registrar and the
        // office head the office's ledgers, appendices, revocations, requests and copies (`Visibility`).
        "GET /records": recordReaders, "GET /record": recordReaders, "GET /api/records": recordReaders, "GET /api/record": recordReaders,
        // Sync status: node names and counts, no personal data.
        "GET /sync-status": syncReaders, "GET /api/sync-status": syncReaders,
        // Digitizing ledgers.
        "GET /digitize": registrars, "POST /digitize": registrars, "POST /digitize/commit": registrars,
        "POST /digitize/check": registrars, "POST /digitize/replace": registrars,
        // The sector database's student list imported as person records.
        "GET /import/students": registrars, "POST /import/students": registrars, "POST /import/students/commit": registrars,
        "POST /api/digitize": registrars, "POST /api/digitize/commit": registrars,
        // The keying workbench (`WorkbenchRoutes`): ledgers typed from their scans, double entry, reconciliation.
        "GET /workbench": registrars, "POST /workbench": registrars, "GET /workbench/{id}": registrars,
        "GET /workbench/{id}/page/{n}": registrars, "GET /workbench/{id}/page/{n}/image": registrars,
        "POST /workbench/{id}/page/{n}/entry": registrars, "POST /workbench/{id}/page/{n}/finish": registrars,
        "POST /workbench/{id}/page/{n}/prefill": registrars, "GET /workbench/{id}/reconcile": registrars,
        "POST /workbench/{id}/decide": registrars, "POST /workbench/{id}/commit": registrars,
        "POST /api/workbench/{id}/check": registrars,
        // Ledgers handed over to this office: the transfers, their arrival checks, the countersignature (`CustodyRoutes`).
        "GET /custody": custody, "GET /custody/transfer": custody, "POST /custody/accept": custody,
        // Grade books: a teacher those of their assignments, a principal their school's; only the subject teacher writes.
        "GET /gradebooks": bookReaders, "GET /gradebook": bookReaders,
        "GET /api/gradebooks": bookReaders, "GET /api/gradebook": bookReaders,
        "POST /gradebook/save": bookWriters, "POST /gradebook/sign": bookWriters,
        "POST /api/gradebook/marks": bookWriters, "POST /api/gradebook/sign": bookWriters,
        // A batch for the teacher's signing agent (`AgentSigningRoutes`): the subject teacher's own books.
        "POST /api/agent/batches": bookWriters, "GET /gradebooks/sign": bookWriters,
        // The grade-book year: a teacher's own books and mark entry; a principal's term locks and correction requests.
        "GET /my-classes": myClasses, "GET /api/my-classes": myClasses, "GET /my-classes/marks": myClasses,
        "POST /my-classes/marks": myClasses,
        // A vnEdu grade sheet imported into the teacher's own book (`GradeSheetImportRoutes`).
        "GET /my-classes/import": myClasses, "POST /my-classes/import": myClasses, "POST /my-classes/import/commit": myClasses,
        "GET /term-locks": termLocks, "GET /api/corrections": termLocks, "POST /term-locks/lock": termLocks,
        "POST /term-locks/unlock": termLocks, "POST /term-locks/decide": termLocks,
        // The plan's indicators (`ReportRoutes`): counts per school, no personal data.
        "GET /dashboard": ReportRoutes.roles, "GET /dashboard.csv": ReportRoutes.roles, "GET /api/report": ReportRoutes.roles,
        // Accounts and the access log: the admin, who sees no records.
        "GET /admin/users": admins, "POST /admin/users": admins, "POST /admin/users/{name}/disable": admins,
        "GET /admin/audit": admins,
        "GET /api/users": admins, "POST /api/users": admins, "POST /api/users/{name}/disable": admins, "GET /api/audit": admins,
        // One's own session.
        "GET /api/session": anyone, "DELETE /api/session": anyone,
        // PUBLIC: an admin's password reset and account filter; one's own password (forced after a reset).
        "POST /admin/users/{name}/reset": admins, "GET /account/password": anyone, "POST /account/password": anyone,
    ]

    /// Where a route takes the record it shows from.
    enum Parameter: Hashable, Sendable {
        case query(String)
        case path(String)
    }

    /// What a GET route shows, so that the record matrix of `AccessTests` is generated from this table and a route
    /// that shows a record cannot be added without saying so.
    enum Shows: Hashable, Sendable {
        /// One record of these types (nil: any type `Visibility` lets the role read), named by `parameter`.
        case record(types: Set<String>?, parameter: Parameter)
        /// A list (each row filtered by `Visibility`), a form, accounts, or nothing personal: no single record.
        case noSingleRecord
    }

    /// GET route → what it shows. `check` refuses a GET route of `roles` missing here.
    static let shows: [String: Shows] = [
        // A request, and a copy issued for it (named by its request; the copy's index is not a record).
        "GET /requests/{id}": .record(types: ["request"], parameter: .path("id")),
        "GET /api/requests/{id}": .record(types: ["request"], parameter: .path("id")),
        "GET /requests/{id}/copies/{n}": .record(types: ["request"], parameter: .path("id")),
        "GET /requests/{id}/proof": .record(types: ["request"], parameter: .path("id")),
        "GET /api/requests/{id}/copies/{n}": .record(types: ["request"], parameter: .path("id")),
        "GET /requests/{id}/receipt": .record(types: ["request"], parameter: .path("id")),
        "GET /requests/{id}/print": .record(types: ["request"], parameter: .path("id")),
        // A ledger entry, to take a request for it.
        "GET /walk-in": .record(types: ["ledger"], parameter: .query("ledger")),
        // A ledger's page and its scan.
        "GET /ledger/page": .record(types: ["ledger"], parameter: .query("ledger")),
        "GET /api/ledger/page": .record(types: ["ledger"], parameter: .query("ledger")),
        "GET /ledger/scan": .record(types: ["ledger"], parameter: .query("ledger")),
        "GET /api/ledger/scan": .record(types: ["ledger"], parameter: .query("ledger")),
        // Any record, as its role may read it.
        "GET /record": .record(types: nil, parameter: .query("id")),
        "GET /api/record": .record(types: nil, parameter: .query("id")),
        "GET /gradebook": .record(types: ["grade-book"], parameter: .query("id")),
        "GET /api/gradebook": .record(types: ["grade-book"], parameter: .query("id")),
        "GET /my-classes/marks": .record(types: ["grade-book"], parameter: .query("id")),
        "GET /my-classes/import": .record(types: ["grade-book"], parameter: .query("id")),
        // Lists filtered row by row by `Visibility`.
        "GET /requests": .noSingleRecord, "GET /api/requests": .noSingleRecord,
        "GET /ledger": .noSingleRecord, "GET /api/ledger/search": .noSingleRecord,
        "GET /records": .noSingleRecord, "GET /api/records": .noSingleRecord,
        "GET /gradebooks": .noSingleRecord, "GET /api/gradebooks": .noSingleRecord, "GET /gradebooks/sign": .noSingleRecord,
        "GET /my-classes": .noSingleRecord, "GET /api/my-classes": .noSingleRecord,
        "GET /term-locks": .noSingleRecord, "GET /api/corrections": .noSingleRecord,
        // Node names and counts; the digitizing form; accounts and the access log (no records); one's session.
        "GET /sync-status": .noSingleRecord, "GET /api/sync-status": .noSingleRecord, "GET /digitize": .noSingleRecord,
        "GET /import/students": .noSingleRecord,
        // Transfer inventories: office names, schools, years and counts, nothing personal.
        "GET /custody": .noSingleRecord, "GET /custody/transfer": .noSingleRecord,
        "GET /admin/users": .noSingleRecord, "GET /api/users": .noSingleRecord,
        "GET /admin/audit": .noSingleRecord, "GET /api/audit": .noSingleRecord, "GET /api/session": .noSingleRecord,
        "GET /account/password": .noSingleRecord,  // PUBLIC: one's own password form
        // Work in progress of the keying workbench: scans and drafts not yet records (the committed ledger is shown elsewhere).
        "GET /workbench": .noSingleRecord, "GET /workbench/{id}": .noSingleRecord, "GET /workbench/{id}/page/{n}": .noSingleRecord,
        "GET /workbench/{id}/page/{n}/image": .noSingleRecord, "GET /workbench/{id}/reconcile": .noSingleRecord,
        "GET /dashboard": .noSingleRecord, "GET /dashboard.csv": .noSingleRecord, "GET /api/report": .noSingleRecord,  // counts only
    ]

    /// Routes for anyone, signed in or not.
    static let open: Set<String> = [
        "GET /", "GET /login", "GET /verify", "GET /download", "GET /static/{name}", "GET /sync/**",
        "POST /login", "POST /logout",  // checked: the login cookie's token, the session's token
        "POST /verify", "POST /api/verify",  // public verification: acts as nobody
        "POST /download",  // a family's one-time code: gives one document, logged
        // Online requests (`OnlineRequestRoutes`): filing with a single-use proof of work, which stands for the CSRF
        // token (a cross-site form cannot have solved it); the status and the download by tracking code and ID digits
        // (both limited per code and per address, every download and failed try logged).
        "GET /online", "POST /online", "GET /online/status", "POST /online/status", "POST /online/download",
        "POST /api/session",  // JSON only, which a cross-site form cannot send
        "POST /sync/**",  // peers sign every request with their node key
        // The signing agent: the batch token its teacher's session made, and only that batch's revisions.
        "GET /api/agent/revisions/{rev}", "POST /api/agent/signatures",
        // PUBLIC: where a copy's QR link opens, its script, and the office's seal image.
        "GET /v", "GET /verify/link.js", "GET /office/seal.png",
    ]
    /// Open routes that change state without a session's CSRF token, each for the reason given above.
    static let tokenFree: Set<String> = [
        "POST /verify", "POST /api/verify", "POST /download", "POST /api/session", "POST /sync/**", "POST /api/agent/signatures",
        "POST /online", "POST /online/status", "POST /online/download",
    ]

    /// Refuses to start a router with a route this table does not classify, a route in both lists, or a GET route
    /// behind a role that does not say what it shows (`shows`). The tables are parameters for the tests.
    static func check(
        _ routes: [String], roles: [String: Set<Role>] = roles, open: Set<String> = open, shows: [String: Shows] = shows
    ) throws {
        let unclassified = routes.filter { roles[$0] == nil && !open.contains($0) }
        let both = routes.filter { roles[$0] != nil && open.contains($0) }
        let undeclared = roles.keys.filter { $0.hasPrefix("GET ") && shows[$0] == nil }.sorted()
        guard unclassified.isEmpty, both.isEmpty, undeclared.isEmpty else {
            throw HosoError(
                .internalError,
                .both("Tuyến chưa có trong bảng quyền truy cập", "A route is missing from the access table"),
                cause: (unclassified + both + undeclared).joined(separator: ", "))
        }
    }
}
