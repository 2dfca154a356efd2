import HosoCore
import PostgresNIO

/// `hoso hub status`: what an operator checks before and after a failover. Which server this is (primary or
/// standby), the standbys a primary streams to with their lag and which one commits wait for, how far behind a
/// standby replays, and the schema steps still missing. Reads only (any role that may connect).
public struct HubStatus: Sendable, Encodable {
    public struct Standby: Sendable, Encodable {
        public var name: String
        public var address: String?
        public var state: String
        /// `sync`, `potential`, `quorum` or `async` (pg_stat_replication).
        public var syncState: String
        /// Seconds between a commit on the primary and its replay there (nil when idle: nothing to replay).
        public var replayLagSeconds: Double?
    }

    /// `primary` or `standby`.
    public var role: String
    public var serverVersion: String
    /// The primary's `synchronous_standby_names` (empty: commits wait for no standby).
    public var synchronousStandbyNames: String
    public var standbys: [Standby]
    /// On a standby: seconds since the last replayed transaction was committed on the primary (nil on a primary).
    public var replayDelaySeconds: Double?
    /// On a standby: whether it streams from a primary now (`pg_stat_wal_receiver`).
    public var receiving: Bool?
    public var pendingMigrations: [String]

    public static func read(client: BlockingPostgresClient, schema: HubSchema) throws -> HubStatus {
        try client.withConnection { c in
            let inRecovery = try c.query("SELECT pg_is_in_recovery()").first?.decode(Bool.self) ?? false
            let version = try c.query("SHOW server_version").first?.decode(String.self) ?? ""
            let syncNames = try c.query("SHOW synchronous_standby_names").first?.decode(String.self) ?? ""
            var standbys = [Standby]()
            // Rows other than the role's own session are visible to superusers and pg_monitor members only; for
            // others the list is empty.
            for r in try c.query(
                """
                SELECT application_name, client_addr::text, state, sync_state, extract(epoch FROM replay_lag)::float8
                FROM pg_stat_replication ORDER BY application_name
                """)
            {
                let (name, addr, state, sync, lag) = try r.decode((String, String?, String?, String?, Double?).self)
                standbys.append(Standby(name: name, address: addr, state: state ?? "?", syncState: sync ?? "?", replayLagSeconds: lag))
            }
            var delay: Double? = nil
            var receiving: Bool? = nil
            if inRecovery {
                delay = try c.query("SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8").first?.decode(
                    Double?.self)
                receiving = try c.query("SELECT count(*) > 0 FROM pg_stat_wal_receiver WHERE status = 'streaming'").first?.decode(Bool.self)
            }
            return HubStatus(
                role: inRecovery ? "standby" : "primary", serverVersion: version, synchronousStandbyNames: syncNames,
                standbys: standbys, replayDelaySeconds: delay, receiving: receiving,
                pendingMigrations: try PostgresMigration.pending(schema.migrations, on: c))
        }
    }
}
