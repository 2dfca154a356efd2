import Foundation
import HosoCore
import HosoIndex
import HosoLog
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore
import HosoSync
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The archive facade: the object store, its derived index, and the workflows over them.
/// The CLI and the server call only this. One instance may be shared by threads (a server's requests, copies
/// issued two at a time): the store and the index are safe to use at once, the index is swapped under a lock, and
/// workflows that number things (the copy register) take their own lock.
public final class Archive: Sendable {
    /// The archive's directory.
    public let root: String
    /// The objects: the truth. The files of the archive folder (`ObjectStore`) for a school or district; the hub's
    /// PostgreSQL for the province hub (see ``ArchiveStorage``).
    public let store: any ObjectStoring
    /// The file store, for what only files have (object file paths, temporary files, a sync inbox moved into
    /// place); nil on the hub, whose objects are rows.
    public let files: ObjectStore?
    /// The objects each write made visible, for the transparency log.
    let journaling: any ObjectJournaling
    /// The hub's parts that have no counterpart in a folder (nil for a school or district).
    let hub: ArchiveStorage.Hub?
    /// The transparency log's storage, chosen at open (see ``ArchiveStorage/log``).
    let logStore: LogStore
    private let indexBox: Mutex<any ArchiveIndexing>
    /// The index over the objects: derived, rebuilt by ``reindex(progress:)``. SQLite (`ArchiveIndex`) here; the
    /// workflows only use what ``ArchiveIndexing`` offers, so another database can stand in for it.
    package var index: any ArchiveIndexing { indexBox.withLock { $0 } }
    /// The clock every workflow reads (injected, so tests can sign "in 2019").
    public let clock: HosoClock
    /// The folder's shared lock (nil on the hub, where no file is shared between application servers).
    private let lock: ArchiveLock?
    private let rebuiltFlag = Mutex(false)
    /// True when `open` found no index and rebuilt it from the objects.
    public var indexWasRebuilt: Bool { rebuiltFlag.withLock { $0 } }
    /// Revisions already read and verified, by id: objects never change, so a cached one is never stale. 16 MiB of
    /// canonical JSON (decoded, a revision takes several times that) is about a hundred ledgers, a day's copies and more.
    let revisionCache = BoundedCache<ObjectID, Revision>(budget: 16 << 20)
    /// Work of this process that must not interleave (copy numbers being issued, the verifier in use).
    let workState: WorkState
    private let leftoversCleaned = Mutex(false)

    /// The store's write number, compared with the index's (see `CommitMarker`).
    let marker: any WriteNumbering
    /// Whether this instance may write (see ``Access``).
    public let access: Access
    /// A reader's own index, built in a temporary folder when the archive's could not be used as it is.
    private let privateIndex = Mutex<PrivateIndexFolder?>(nil)
    /// True when a reader answers from an index of its own, built from the objects (see ``Access/readOnly``).
    public var indexIsPrivate: Bool { privateIndex.withLock { $0 != nil } }

    /// How a command uses the archive.
    public enum Access: Sendable {
        /// Commands that may write: the index is caught up or rebuilt in place before anything is answered.
        case readWrite
        /// Commands that only read (list, show, find, fsck, verify): they write nothing and take no lock but a
        /// shared one, so they work on a read-only medium and on a full disk. An index that is missing, behind the
        /// objects, of an older version or unreadable is repaired as a writer would where the archive can be written;
        /// where it cannot, it is built aside in a temporary folder removed afterwards, so answers still come from
        /// every object.
        case readOnly
    }

    /// The index file's name in the archive directory.
    public static let indexFileName = "index.sqlite"

    var indexPath: String { root + "/" + Self.indexFileName }

    private convenience init(root: String, clock: HosoClock, lock: ArchiveLock, index: any ArchiveIndexing, access: Access = .readWrite) {
        self.init(root: root, clock: clock, lock: lock, storage: .folder(root, index: index), access: access)
    }

    private init(root: String, clock: HosoClock, lock: ArchiveLock?, storage: ArchiveStorage, access: Access = .readWrite) {
        self.root = root
        self.access = access
        self.store = storage.store
        self.files = storage.files
        self.journaling = storage.journaling
        self.hub = storage.hub
        self.logStore = storage.log
        self.clock = clock
        self.lock = lock
        self.indexBox = Mutex(storage.index)
        self.workState = WorkState(writeLock: storage.writeLock)
        self.marker = storage.marker
    }

    // MARK: - Creating and opening

    /// Creates a new, empty archive at `path` (the directory may exist if empty).
    @discardableResult
    public static func create(at path: String, clock: HosoClock = .system) throws -> Archive {
        try ArchiveConfig.create(at: path, createdAt: HosoClock.format(clock.now()))
        return try open(at: path, clock: clock)
    }

    /// Opens an existing archive. A missing index is rebuilt from the objects; a reader (``Access/readOnly``) that
    /// cannot write builds its own instead.
    public static func open(at path: String, clock: HosoClock = .system, access: Access = .readWrite) throws -> Archive {
        try ArchiveConfig.check(at: path)
        try refuseHubFolder(path)
        if access == .readOnly { return try openForReading(at: path, clock: clock) }
        let lock = try ArchiveLock(path: path + "/lock", mode: .shared, wait: true)
        let indexPath = path + "/" + indexFileName
        // A missing or unreadable index is rebuilt: it is derived state, so rebuilding loses nothing.
        // It is built aside and renamed into place, so a crash never leaves an empty index that
        // would answer "nothing here"; and alone, so two processes never build it at once.
        var rebuilt = false
        var index: ArchiveIndex? = nil
        if Glibc.access(indexPath, F_OK) == 0 {
            index = try openUnlessDamaged(indexPath)
        }
        if index == nil {
            try lock.waitExclusive()
            defer { lock.downgradeToShared() }
            // Another process may have rebuilt it while we waited.
            if Glibc.access(indexPath, F_OK) == 0, let ok = try openUnlessDamaged(indexPath) {
                index = ok
            } else {
                if Glibc.access(indexPath, F_OK) == 0 {
                    // Keep the unreadable file for diagnosis rather than deleting evidence.
                    for suffix in ["", "-wal", "-shm"] {
                        _ = rename(indexPath + suffix, path + "/index.damaged.sqlite" + suffix)
                    }
                }
                let newPath = indexPath + ".new-" + randomTempName()
                defer { for suffix in ["", "-wal", "-shm"] { _ = unlink(newPath + suffix) } }
                _ = try indexBuilder(ObjectStore(root: path)).build(at: newPath, marker: CommitMarker(root: path), progress: nil)
                try swapIn(newPath, as: indexPath, root: path)
                index = try ArchiveIndex(path: indexPath)
                rebuilt = true
            }
        }
        let archive = Archive(root: path, clock: clock, lock: lock, index: index!)
        archive.rebuiltFlag.withLock { $0 = rebuilt }
        // An index behind the store (a write stopped after its objects) is caught up before anything is answered.
        if try archive.indexIsBehind() { try archive.workState.numbering { _ in try archive.catchUpIndex() } }
        // The log too; a read-only archive (a backup on a read-only disk) still opens: the next write catches up.
        if (try? archive.logIsBehind()) ?? false { _ = try? archive.workState.numbering { _ in try archive.catchUpLog() } }
        try archive.completeIndexTasks()
        return archive
    }

    /// Opens an archive whose truth is kept elsewhere than its folder (the province hub: objects, index, write
    /// number and write lock in PostgreSQL; HosoHub assembles them). `path` is the application server's own folder
    /// (configuration, office settings, node key: the same files on every application server). An index behind the
    /// store (a write stopped between its objects and its index rows) is caught up before anything is answered.
    package static func open(
        at path: String, storage: ArchiveStorage, clock: HosoClock = .system, access: Access = .readWrite
    )
        throws -> Archive
    {
        try ArchiveConfig.check(at: path)
        let archive = Archive(root: path, clock: clock, lock: nil, storage: storage, access: access)
        // A reader (the hub's hot standby, read-only by nature) answers from what the primary committed: each of the
        // primary's writes is one transaction per part, so it never sees half of one, and it never writes a repair.
        if access == .readOnly { return archive }
        if try archive.indexIsBehind() { try archive.workState.numbering { _ in try archive.catchUpIndex() } }
        if (try? archive.logIsBehind()) ?? false { _ = try? archive.workState.numbering { _ in try archive.catchUpLog() } }
        try archive.completeIndexTasks()
        return archive
    }

    /// The file that marks a hub application server's folder (see ``open(at:storage:clock:)``).
    public static let hubFolderMarker = "hub-server"

    /// A hub application server's folder holds no data of its own: opened as a folder archive it would look empty
    /// (and a write would start an archive of its own there), so it is refused.
    private static func refuseHubFolder(_ path: String) throws {
        guard Glibc.access(path + "/" + hubFolderMarker, F_OK) == 0 else { return }
        throw HosoError(
            .archiveFormat,
            .both(
                "Đây là thư mục của một máy chủ ứng dụng của kho cấp tỉnh; dữ liệu nằm trong PostgreSQL: hãy chỉ --database",
                "This is an application server's folder of the province hub; its data is in PostgreSQL: give --database"),
            location: path)
    }

    private static func openForReading(at path: String, clock: HosoClock) throws -> Archive {
        if let current = try openCurrentIndex(at: path, clock: clock) { return current }
        // Where the archive can be written after all, its index is repaired as a writer would (once, not at every
        // read); on a read-only medium or a full disk that fails, and the reader builds its own. (The reader's own
        // lock is gone by now: the repair may wait for an exclusive one, which a lock of this process would block.)
        if let repaired = try? open(at: path, clock: clock, access: .readWrite) { return repaired }
        let lock = try ArchiveLock(path: path + "/lock", mode: .shared, wait: true, readOnly: true)
        let folder = try PrivateIndexFolder()
        _ = try indexBuilder(ObjectStore(root: path)).build(at: folder.indexPath, marker: CommitMarker(root: path), progress: nil)
        // Opened for writing (in its own folder): it is the reader's file, and only a writer turns it into WAL mode.
        let archive = Archive(root: path, clock: clock, lock: lock, index: try ArchiveIndex(path: folder.indexPath), access: .readOnly)
        archive.privateIndex.withLock { $0 = folder }
        archive.rebuiltFlag.withLock { $0 = true }
        return archive
    }

    /// A reader on the archive's own index, read-only, if that index is there, readable and current; else nil, and
    /// nothing of it is held any more.
    private static func openCurrentIndex(at path: String, clock: HosoClock) throws -> Archive? {
        let lock = try ArchiveLock(path: path + "/lock", mode: .shared, wait: true, readOnly: true)
        let indexPath = path + "/" + indexFileName
        guard Glibc.access(indexPath, F_OK) == 0, let index = try? ArchiveIndex(path: indexPath, readOnly: true) else { return nil }
        let archive = Archive(root: path, clock: clock, lock: lock, index: index, access: .readOnly)
        // Any doubt (behind, unfinished tasks, a read that fails) means no: never a stale answer.
        if let behind = try? archive.indexIsBehind(), !behind, let tasks = try? index.pendingTasks(), tasks.isEmpty {
            return archive
        }
        try? index.close()
        return nil
    }

    /// The index at `path`, or nil when its file is damaged (then it is set aside and rebuilt). Any other failure
    /// (disk full, read-only medium, permission, I/O) is thrown: renaming a sound index aside as "damaged" would
    /// hide the real cause and, on a full disk, could not rebuild it anyway.
    private static func openUnlessDamaged(_ path: String) throws -> ArchiveIndex? {
        do { return try ArchiveIndex(path: path) } catch let e as HosoError where e.code == .indexDamaged { return nil }
    }

    /// Fills in derived data that an index migration could not compute (it needs record bodies). Idempotent, so
    /// two processes opening the archive at once may both do it.
    func completeIndexTasks() throws {
        let tasks = try index.pendingTasks()
        guard tasks.contains("record-refs") else { return }
        var found = [(revisionId: String, recordId: String, refs: [RecordRef])]()
        for type in ["ledger-appendix", "revocation", CopyRegisterEntry.recordType, CitizenRequest.recordType] {
            for recordId in try index.recordIds(ofType: type) {
                for row in try index.revisions(ofRecord: recordId) {
                    let refs = RecordRef.refs(of: try revision(ObjectID(hex: row.id)!))
                    if !refs.isEmpty { found.append((row.id, recordId, refs)) }
                }
            }
        }
        try index.record(refs: found, completingTask: "record-refs")
    }

    /// Removes temporary files left by a crashed writer, if no other hoso process is at work.
    /// Only the first call of an instance looks: later temporary files may be other threads' writes in progress.
    func cleanLeftovers() {
        guard access == .readWrite else { return }
        leftoversCleaned.withLock { done in
            guard !done else { return }
            done = true
            removeLeftovers()
        }
    }

    private func removeLeftovers() {
        guard let files, let lock else { return }
        let staleIndexes = ((try? listDirectory(root)) ?? []).filter { $0.hasPrefix(Self.indexFileName + ".new-") }
        guard !files.temporaryFiles().isEmpty || !staleIndexes.isEmpty, lock.tryExclusive() else { return }
        _ = files.removeTemporaryFiles()
        for name in staleIndexes { _ = unlink(root + "/" + name) }
        lock.downgradeToShared()
    }

    // MARK: - Resolving ids

    /// Turns what a person typed (a full id or a unique prefix of at least 4 hex digits) into an id.
    public func resolve(_ text: String) throws -> ObjectID {
        if let id = ObjectID(hex: text) {
            guard store.exists(id) else {
                throw HosoError(
                    .objectNotFound, .both("Không có đối tượng này trong kho", "No such object in the archive"),
                    location: text)
            }
            return id
        }
        let prefix = try ObjectID.normalizedPrefix(text)
        let matches = try index.ids(withPrefix: prefix)
        switch matches.count {
        case 0:
            throw HosoError(
                .objectNotFound, .both("Không có đối tượng nào có mã bắt đầu như vậy", "No object id starts with this"),
                location: text)
        case 1:
            return ObjectID(hex: matches[0])!
        default:
            throw HosoError(
                .ambiguousID,
                .both(
                    "Nhiều đối tượng có mã bắt đầu như vậy; hãy gõ thêm chữ số",
                    "Several object ids start with this; type more digits"),
                location: text)
        }
    }

    // MARK: - Reports (defined with their domain modules; the names callers know)

    /// One object in ``list(kind:)``.
    public typealias Listing = HosoIndex.ObjectListing
    /// What ``info(_:)`` knows of one object.
    public typealias Info = HosoIndex.ObjectInfo
    /// A record whose revisions diverged offline and are not yet resolved.
    public typealias Conflict = HosoIndex.RecordConflict
    /// What a person typed to find ledger entries (``find(_:limit:)``).
    public typealias FindRequest = HosoIndex.FindRequest
    /// One ledger entry as the index holds it (a ``find(_:limit:)`` hit).
    public typealias EntryRow = HosoIndex.EntryRow

    // MARK: - Reading

    /// Every object, from the index, with the names it was added under.
    public func list(kind: ObjectKind? = nil) throws -> [Listing] {
        let names = try index.namesByObject()
        return try index.objects(kind: kind?.rawValue).map {
            // A revision's name is its record: "<type> <record id>".
            var n = names[$0.id] ?? []
            if $0.kind == ObjectKind.record.rawValue, let r = try index.revision($0.id) { n.append("\(r.recordType) \(r.recordId)") }
            return Listing(id: $0.id, kind: $0.kind, size: $0.size, stored: $0.storedSize, encoding: $0.encoding, names: n)
        }
    }

    /// What the store and the index know of one object. The kind and sizes come from the object file itself.
    public func info(_ id: ObjectID) throws -> Info {
        let o = try store.header(of: id)
        let entries: [ManifestEntryInfo]? =
            o.kind == .manifest
            ? try index.entries(ofManifest: id).map { ManifestEntryInfo(path: $0.path, id: $0.objectId, size: $0.size) }
            : nil
        let file = files.map { String($0.path(of: id).dropFirst(root.count + 1)) } ?? "hoso_objects/" + id.hex
        return Info(
            id: id.hex, kind: o.kind.rawValue, size: o.size, stored: o.storedSize, encoding: o.encoding.rawValue,
            file: file, names: try index.names(of: id), entries: entries,
            revision: o.kind == .record ? try index.revision(id.hex) : nil)
    }

    /// Verified content in memory.
    public func read(_ id: ObjectID) throws -> [UInt8] { try store.read(id) }

    // MARK: - Rebuilding the index

    /// Rebuilds the index from the objects alone into a new file, then swaps it in atomically.
    @discardableResult
    public func reindex(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ReindexReport {
        if let hub {
            // No file to build aside: the rows are replaced in place under the write lock (see `Hub.clearIndex`).
            return try workState.numbering { _ in
                let sequence = try marker.read()
                try hub.clearIndex()
                let report = try indexBuilder.rebuild(into: index, progress: progress)
                try index.setCommittedSequence(sequence ?? 0)
                try completeIndexTasks()
                return report
            }
        }
        // A name of its own, so two rebuilds at once never write the same file.
        let newPath = indexPath + ".new-" + randomTempName()
        defer { for suffix in ["", "-wal", "-shm"] { _ = unlink(newPath + suffix) } }
        // Built under the write lock: a write committed while the objects are listed would otherwise be counted
        // by the new index's write number without its objects.
        return try workState.numbering { _ in try reindexLocked(newPath: newPath, progress: progress) }
    }

    private func reindexLocked(newPath: String, progress: (@Sendable (Int, Int) -> Void)?) throws -> ReindexReport {
        let report = try indexBuilder.build(at: newPath, marker: marker, progress: progress)
        // Swap under the exclusive lock so no other hoso process has the old index open.
        try index.close()
        guard let lock, lock.tryExclusive() else {
            let reopened = try ArchiveIndex(path: indexPath)
            indexBox.withLock { $0 = reopened }
            throw HosoError(
                .busy,
                .both(
                    "Kho đang được tiến trình hoso khác dùng; thử lại sau",
                    "Another hoso process is using the archive; try again later"), location: root)
        }
        defer { lock.downgradeToShared() }
        try Self.swapIn(newPath, as: indexPath, root: root)
        let reopened = try ArchiveIndex(path: indexPath)
        indexBox.withLock { $0 = reopened }
        return report
    }

    /// Builds index rows from the object files alone; signature rows need the CMS reader, which lives above the index.
    var indexBuilder: IndexBuilder { Self.indexBuilder(store) }

    static func indexBuilder(_ store: any ObjectStoring) -> IndexBuilder {
        IndexBuilder(store: store, ledgerType: ledgerType) { id, der in try signatureRow(id: id, der: der, source: id.hex) }
    }

    // MARK: - Keeping the index current

    /// Runs a write alone among every thread and hoso process on the archive (reading the state its decisions rest
    /// on — copy and request numbers, "must be new", a revision's parents — and committing on it are one step),
    /// with the index caught up first and the store's write number raised before any object becomes visible.
    /// The index records the number when the write succeeds; a write that fails is caught up at once (its objects
    /// may be in the store without their index rows), or at the next open or write if that fails too.
    /// Nested calls (a workflow that writes through another) run inside the outer one.
    func writing<T>(_ body: () throws -> T) throws -> T {
        guard access == .readWrite else {
            throw HosoError(
                .archiveUnwritable,
                .both("Lệnh chỉ đọc không ghi được vào kho", "A read-only command cannot write to the archive"), location: root)
        }
        return try workState.numbering { outermost in
            guard outermost else { return try body() }
            try catchUpIndex()
            try catchUpLog()
            let sequence = try marker.advance(above: try index.committedSequence())
            let published = journaling.published
            journaling.journal.begin()
            let result: T
            do { result = try body() } catch {
                try? catchUpIndex()
                logFailedWrite()
                throw Self.saying(error, tookEffect: journaling.published != published)
            }
            do {
                try index.setCommittedSequence(sequence)
                try logWrite(sequence: sequence)
            } catch { throw Self.saying(error, tookEffect: true) }
            return result
        }
    }

    /// A write's error with whether it changed the archive: objects renamed into place stay (the index catches up
    /// with them), so the write took effect, at least in part, and a re-run continues or says it is done.
    static func saying(_ error: any Error, tookEffect: Bool) -> any Error {
        guard var e = error as? HosoError else { return error }
        if e.tookEffect == nil { e.tookEffect = tookEffect }
        return e
    }

    /// Whether the index holds every write of the store (false: a write stopped between its objects and its index).
    func indexIsBehind() throws -> Bool {
        guard let stored = try marker.read() else { return true }
        return stored > (try index.committedSequence())
    }

    /// Catches the index up with the store if it is behind: every object file the index does not list is read
    /// and recorded (an index only ever lacks what a write left out; it never holds what the store lacks), then
    /// the write number. Under the write lock, so no write is under way meanwhile.
    func catchUpIndex() throws {
        guard try indexIsBehind() else { return }
        let known = try index.allIDs()
        var lacking = [ObjectID]()
        try store.forEachObjectID { if !known.contains($0.hex) { lacking.append($0) } }
        try indexBuilder.write(indexBuilder.collect(ids: lacking), into: index)
        let sequence = try marker.read() ?? marker.advance(above: try index.committedSequence())
        try index.setCommittedSequence(sequence)
    }

    static func swapIn(_ newPath: String, as indexPath: String, root: String) throws {
        for suffix in ["-wal", "-shm"] { _ = unlink(indexPath + suffix) }
        if rename(newPath, indexPath) != 0 {
            throw HosoError.fromErrno(errno, path: indexPath, action: .both("thay chỉ mục", "replacing the index"))
        }
        try fsyncDirectory(root)
    }
}

/// A temporary folder holding a reader's own index; removed with it.
final class PrivateIndexFolder: Sendable {
    let path: String
    var indexPath: String { path + "/" + Archive.indexFileName }

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/hoso-index-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HosoError.fromErrno(
                errno, path: base, action: .both("tạo chỉ mục tạm để đọc kho", "making a temporary index to read the archive"))
        }
        path = String(cString: made)
    }

    deinit {
        for suffix in ["", "-wal", "-shm", "-journal"] { _ = unlink(indexPath + suffix) }
        _ = rmdir(path)
    }
}
