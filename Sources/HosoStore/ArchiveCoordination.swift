import HosoCore

/// The lock every write of an archive runs under, held by one thread among all of this process's and every other
/// process's on the same archive: a file lock in the archive folder for a school or district (`WriteLock`), a
/// PostgreSQL advisory lock for the application servers of the province hub. Re-entrant on the thread that holds
/// it, so a write made inside another runs inside it instead of waiting for itself.
package protocol ArchiveWriteLocking: Sendable {
    /// Runs `body` holding the lock; `body` learns whether it is the outermost call on this thread. The lock is
    /// released on every path out of `body`, thrown or returned.
    func run<T>(_ body: (_ outermost: Bool) throws -> T) throws -> T
}

extension WriteLock: ArchiveWriteLocking {}

/// The store's write number (see `CommitMarker`): raised, durably, before each write's objects become visible, and
/// compared with the index's at open and before each write. A file in the archive folder, or a row in the hub's
/// database next to the objects. Raised only under the archive's write lock.
public protocol WriteNumbering: Sendable {
    /// The number of the last write begun; 0 when there is none yet; nil when it cannot be understood (then the
    /// index is taken to be behind, and caught up).
    func read() throws -> Int?
    /// Raises the number above both what is stored and `known` (the index's), durably; returns the new number.
    func advance(above known: Int) throws -> Int
}

extension CommitMarker: WriteNumbering {}

/// What the transparency log is told of a store's writes: the objects each write made visible (`NewObjectJournal`)
/// and how many objects were ever published, so a failed write can say whether it took effect. The file store
/// keeps both itself; another store gets them from `JournaledStore`.
public protocol ObjectJournaling: AnyObject, Sendable {
    var journal: NewObjectJournal { get }
    /// Objects made visible since this instance was made.
    var published: Int { get }
}

extension ObjectStore: ObjectJournaling {}
