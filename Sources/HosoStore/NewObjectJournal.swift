import Synchronization

/// The objects a write made visible, collected for the archive's transparency log: `commit` notes each new object once
/// it is durable under its name, while a collection is open. Writes run one at a time (the archive's write lock), so
/// one collection at a time suffices; with none open, nothing is kept.
public final class NewObjectJournal: Sendable {
    private let collected = Mutex<[StoredObject]?>(nil)

    public init() {}

    /// Starts collecting (dropping anything an earlier, unfinished collection held).
    public func begin() { collected.withLock { $0 = [] } }

    /// What was collected since `begin`, in commit order; stops collecting.
    public func end() -> [StoredObject] {
        collected.withLock { c in
            defer { c = nil }
            return c ?? []
        }
    }

    package func record(_ objects: some Sequence<StoredObject>) {
        collected.withLock { c in if c != nil { c!.append(contentsOf: objects) } }
    }
}
