import HosoPostgres
import HosoPostgresAccounts
import HosoPostgresIndex

extension HubSchema {
    /// Everything the province hub keeps in PostgreSQL, part after part in the order their steps apply. A new part is
    /// one more line here.
    public static let province = HubSchema([
        PostgresObjectStore.hubPart,
        PostgresIndex.hubPart,
        PostgresLogStorage.hubPart,
        PostgresServerStore.hubPart,
        PostgresWriteNumber.hubPart,
    ])
}
