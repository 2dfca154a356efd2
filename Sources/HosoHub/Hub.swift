import HosoAccounts
import HosoCore
import HosoKit
import HosoLog
import HosoPostgres
import HosoPostgresAccounts
import HosoPostgresIndex
import HosoStore

/// The province hub's archive: the truth (objects, index, write number) in one PostgreSQL database shared by every
/// application server, writes serialized across them by an advisory lock; each server's own folder `root` holds what
/// is the same on all of them (configuration, office settings files, node key) and a staging area for objects on
/// their way in. The transparency log is in the same database (`PostgresLogStorage`), appended under the same lock.
public enum Hub {
    /// Opens the hub archive whose folder is `root` and whose data is in `database` (postgres://…). The schema is
    /// created or brought up to date; an index behind the objects is caught up before anything is answered.
    /// Whether `error` says the hub's database takes no writes for now: no host answers, or only a standby does (the
    /// primary is gone and none has been promoted yet).
    public static func isOutage(_ error: any Error) -> Bool {
        guard let e = error as? HosoError else { return false }
        return e.code == .postgresUnreachable || e.code == .postgresReadOnly
    }

    public static func openHub(root: String, database: String, clock: HosoClock = .system) throws -> Archive {
        try Archive.open(at: root, storage: storage(root: root, database: database), clock: clock)
    }

    /// Opens the hub archive read-only on `database`, the hot standby (or the reader role on the primary): for the
    /// public verification pages, so the whole province's checks do not load the primary. It writes nothing, not even
    /// a repair; a write asked of it is refused (`ARCHIVE_UNWRITABLE`, or `POSTGRES_READ_ONLY` from the standby).
    public static func openReader(root: String, database: String, clock: HosoClock = .system) throws -> Archive {
        try Archive.open(at: root, storage: storage(root: root, database: database), clock: clock, access: .readOnly)
    }

    /// Makes `root` a hub application server's folder (an empty or new directory) and opens the hub archive.
    @discardableResult
    public static func createHub(root: String, database: String, clock: HosoClock = .system) throws -> Archive {
        try ArchiveConfig.create(at: root, createdAt: HosoClock.format(clock.now()))
        // Marks the folder, so that a command without --database refuses it instead of seeing an empty archive.
        try writeFileAtomically(Array("postgres\n".utf8), to: root + "/" + Archive.hubFolderMarker, tmpDir: root)
        return try openHub(root: root, database: database, clock: clock)
    }

    /// The parts of a hub archive on `database`.
    static func storage(root: String, database: String) throws -> ArchiveStorage {
        let url = try PostgresURL(database)
        // One connector for the client and the write lock: with several hosts both follow the same primary.
        let connector = PostgresConnector(url: url)
        let client = BlockingPostgresClient(connector: connector)
        // Every part's steps at once: a no-op once `hoso hub init` ran (the application role may not add any).
        try PostgresMigration.apply(HubSchema.province.migrations, on: client)
        let objects = try PostgresObjectStore(client: client, stagingDirectory: root + "/staging")
        let index = try PostgresIndex(client: client)
        let store = JournaledStore(objects)
        return ArchiveStorage(
            store: store, files: nil, journaling: store, index: index, writeLock: PostgresWriteLock(connector: connector),
            marker: try PostgresWriteNumber(client: client), log: LogStore(storage: PostgresLogStorage(client: client)),
            hub: ArchiveStorage.Hub(clearIndex: { try index.removeAllRows() }, epoch: { connector.epoch }))
    }

    /// The hub's accounts, sessions and access log (`PostgresServerStore`), shared by every application server. The
    /// schema is `hoso hub init`'s (brought up to date here where the role may, as for the archive).
    public static func accounts(
        database: String, clock: HosoClock = .system, cost: PasswordHash.Cost = .standard
    ) throws
        -> any ServerStoring
    {
        try PostgresServerStore(url: database, clock: clock, cost: cost, migrate: true)
    }
}
