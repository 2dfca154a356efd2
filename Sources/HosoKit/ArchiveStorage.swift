import HosoCore
import HosoIndex
import HosoLog
import HosoStore
import Synchronization

/// What an archive is kept in, chosen when it is opened: the parts ``Archive`` works through. A school's or a
/// district's archive keeps everything in its folder (``folder(_:index:)``); the province hub's application servers
/// keep the truth in PostgreSQL (HosoHub assembles those parts) and only their configuration in a folder.
package struct ArchiveStorage: Sendable {
    /// The objects.
    package var store: any ObjectStoring
    /// The file store behind `store`, when the objects are files.
    package var files: ObjectStore?
    /// Tells the transparency log which objects each write made visible.
    package var journaling: any ObjectJournaling
    package var index: any ArchiveIndexing
    /// Serializes writes across threads and processes (every application server of the hub).
    package var writeLock: any ArchiveWriteLocking
    /// The store's write number.
    package var marker: any WriteNumbering
    /// The transparency log: `log/` of the archive's folder, or the hub's tables (`PostgresLogStorage`).
    package var log: LogStore
    /// What only the hub has.
    package var hub: Hub?

    /// The hub's own operations, which a folder does differently (a file built aside and renamed into place).
    package struct Hub: Sendable {
        /// Empties the index (every row, and its write number) before a rebuild from the objects. Runs under the
        /// write lock, so no write is under way meanwhile; readers on other application servers may see fewer
        /// rows until the rebuild ends.
        package var clearIndex: @Sendable () throws -> Void
        /// Moves whenever the database may have lost what it showed before (a lost connection, a failover to the
        /// standby: see `PostgresConnector.epoch`); what the process remembers of the store is asked again then.
        package var epoch: @Sendable () -> Int

        package init(clearIndex: @escaping @Sendable () throws -> Void, epoch: @escaping @Sendable () -> Int = { 0 }) {
            self.clearIndex = clearIndex
            self.epoch = epoch
        }
    }

    package init(
        store: any ObjectStoring, files: ObjectStore?, journaling: any ObjectJournaling, index: any ArchiveIndexing,
        writeLock: any ArchiveWriteLocking, marker: any WriteNumbering, log: LogStore, hub: Hub?
    ) {
        self.store = store
        self.files = files
        self.journaling = journaling
        self.index = index
        self.writeLock = writeLock
        self.marker = marker
        self.log = log
        self.hub = hub
    }

    /// Everything in the archive folder `root`, as schools and districts keep it.
    static func folder(_ root: String, index: any ArchiveIndexing) -> ArchiveStorage {
        let files = ObjectStore(root: root)
        return ArchiveStorage(
            store: files, files: files, journaling: files, index: index, writeLock: WriteLock(path: root + "/numbering.lock"),
            marker: CommitMarker(root: root), log: LogStore(dir: root + "/log"), hub: nil)
    }
}

extension Archive {
    /// The file store, for what only an archive folder does (adding files from disk, a sync's arrivals moved into
    /// place); the hub refuses these.
    func fileStore() throws -> ObjectStore {
        guard let files else {
            throw HosoError(
                .archiveUnwritable,
                .both(
                    "Việc này chỉ làm được trên kho thư mục (trường, phòng), không làm trên kho của sở",
                    "This works only on an archive folder (a school's or a district's), not on the province hub"),
                location: root)
        }
        return files
    }

    /// A reader of staged objects: every store stages into a local file in the object format (the hub's too, before
    /// its commit sends it to the database), and reading one by its path needs no store folder.
    var stagedFiles: ObjectStore { files ?? ObjectStore(root: root) }
}

/// A store that tells the transparency log what it published, for a store that does not keep a journal itself
/// (the hub's PostgreSQL store): every object a commit or put made new is recorded once it is durable.
package final class JournaledStore: ObjectStoring, ObjectJournaling {
    package let base: any ObjectStoring
    package let journal = NewObjectJournal()
    private let publishedCount = Atomic<Int>(0)
    package var published: Int { publishedCount.load(ordering: .relaxed) }

    package init(_ base: any ObjectStoring) { self.base = base }

    package func stage(
        kind: ObjectKind, expectedSize: UInt64, sourceName: String, compression: CompressionHint, durable: Bool,
        source: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> StagedObject {
        try base.stage(
            kind: kind, expectedSize: expectedSize, sourceName: sourceName, compression: compression, durable: durable, source: source)
    }

    @discardableResult
    package func commit(_ staged: [StagedObject]) throws -> [Bool] {
        // All at once: the hub's store commits a write's objects in one transaction, so a write stopped in the middle
        // leaves none of them (never a copy's register line without its request served) and publishes nothing.
        let isNew = try base.commit(staged)
        for (s, new) in zip(staged, isNew) where new {
            publishedCount.add(1, ordering: .relaxed)
            journal.record([s.object])
        }
        return isNew
    }

    package func discard(_ staged: [StagedObject]) { base.discard(staged) }

    package func put(_ bytes: [UInt8], kind: ObjectKind) throws -> (StoredObject, Bool) {
        let (object, new) = try base.put(bytes, kind: kind)
        if new {
            publishedCount.add(1, ordering: .relaxed)
            journal.record([object])
        }
        return (object, new)
    }

    package func read(_ id: ObjectID, limit: UInt64) throws -> [UInt8] { try base.read(id, limit: limit) }
    package func contains(_ id: ObjectID) throws -> Bool { try base.contains(id) }
    package func header(of id: ObjectID) throws -> StoredObject { try base.header(of: id) }

    @discardableResult
    package func scan(_ id: ObjectID, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> StoredObject {
        try base.scan(id, sink: sink)
    }

    package func forEachObjectID(_ body: (ObjectID) throws -> Void) throws { try base.forEachObjectID(body) }
    package func checkObject(_ id: ObjectID) -> (ObjectProblem, String)? { base.checkObject(id) }
}
