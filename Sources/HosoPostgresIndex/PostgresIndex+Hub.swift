import HosoPostgres

extension PostgresIndex {
    /// The index's share of the hub's schema: rows derived from the objects, and the index's own bookkeeping (its
    /// pending tasks, how far it is).
    package static let hubPart = HubSchema.Part(
        name: "index", migrations: migrations,
        tables: [
            "object": .derived, "manifest": .derived, "name": .derived, "revision": .derived, "revision_parent": .derived,
            "entry": .derived, "signature": .derived, "record_ref": .derived, "index_task": .working, "store_state": .working,
        ])
}
