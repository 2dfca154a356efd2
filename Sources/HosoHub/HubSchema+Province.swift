import HosoPostgres
import HosoPostgresIndex

extension HubSchema {
    /// Everything the province hub keeps in PostgreSQL, part after part in the order their steps apply. A new part
    /// (the transparency log, accounts and audit, the archive's write marker) is one more line here.
    public static let province = HubSchema([
        PostgresObjectStore.hubPart,
        PostgresIndex.hubPart,
    ])
}
