import Foundation
import HosoRecords
import HosoSigning
import HosoStore

/// Verified revisions by object id, bounded by their canonical size (a large ledger counts for its bytes; decoded,
/// a revision takes several times that), oldest out first. Objects are immutable, so an entry is never stale; only
/// memory bounds it: 16 MiB of canonical JSON is about a hundred ledgers, well over a day's copies at an office.
final class RevisionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries = [ObjectID: (rev: Revision, cost: Int)]()  // guarded by lock
    private var order = [ObjectID]()  // insertion order, guarded by lock
    private var head = 0  // first live index in `order`
    private var total = 0
    let budget: Int

    init(budget: Int = 16 << 20) { self.budget = budget }

    func get(_ id: ObjectID) -> Revision? {
        lock.lock()
        defer { lock.unlock() }
        return entries[id]?.rev
    }

    func put(_ id: ObjectID, _ rev: Revision, cost: Int) {
        guard cost <= budget / 4 else { return }  // a giant revision would push everything else out
        lock.lock()
        defer { lock.unlock() }
        guard entries[id] == nil else { return }
        entries[id] = (rev, cost)
        order.append(id)
        total += cost
        while total > budget, head < order.count {
            if let gone = entries.removeValue(forKey: order[head]) { total -= gone.cost }
            head += 1
        }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}

/// State of this process's work on one archive that threads share: copy numbers handed out but not yet
/// committed, requests being served, and the verifier kept while the trust data stays the same.
final class WorkState: @unchecked Sendable {
    private let lock = NSLock()
    private var reservedCopyNumbers = [Int: Set<Int>]()  // year → numbers, guarded by lock
    private var requestsInFlight = Set<String>()  // guarded by lock
    private var verifier: (key: [String], verifier: SignatureVerifier)?  // guarded by lock
    private var derived = [String: (head: String, value: any Sendable)]()  // record id → value, guarded by lock
    private var storedAndIndexed = Set<ObjectID>()  // guarded by lock

    private let numberingLock = NSLock()
    /// The file other hoso processes on this archive lock for the same purpose.
    let numberingLockPath: String

    init(root: String) { numberingLockPath = root + "/numbering.lock" }

    /// Runs `body` alone among this process's threads and every other hoso process on the archive: reading the
    /// last number of a register and committing the record that takes the next one. (A flock on a file opened
    /// anew excludes other processes; the lock in memory keeps this process's threads from queueing on it.)
    func numbering<T>(_ body: () throws -> T) throws -> T {
        numberingLock.lock()
        defer { numberingLock.unlock() }
        let fileLock = try ArchiveLock(path: numberingLockPath, mode: .exclusive, wait: true)
        defer { withExtendedLifetime(fileLock) {} }
        return try body()
    }

    /// The lowest number above both the register's highest and every number handed out and not yet committed.
    /// The register is read under the lock: a number is released only after its line is committed, so it is
    /// always seen in one place or the other.
    func reserveCopyNumber(year: Int, registered: () throws -> Int) rethrows -> Int {
        lock.lock()
        defer { lock.unlock() }
        let n = max(try registered(), reservedCopyNumbers[year]?.max() ?? 0) + 1
        reservedCopyNumbers[year, default: []].insert(n)
        return n
    }

    func releaseCopyNumber(year: Int, _ n: Int) {
        lock.lock()
        defer { lock.unlock() }
        reservedCopyNumbers[year]?.remove(n)
    }

    /// False when another thread is already serving this request.
    func beginRequest(_ id: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return requestsInFlight.insert(id).inserted
    }

    func endRequest(_ id: String) {
        lock.lock()
        defer { lock.unlock() }
        requestsInFlight.remove(id)
    }

    /// The verifier made for `key` (the trust anchors, certificates and CRLs it was built from), or a new one.
    func verifier(for key: [String], make: () throws -> SignatureVerifier) rethrows -> SignatureVerifier {
        lock.lock()
        if let v = verifier, v.key == key {
            lock.unlock()
            return v.verifier
        }
        lock.unlock()
        let made = try make()
        lock.lock()
        verifier = (key, made)
        lock.unlock()
        return made
    }

    /// A value derived from a record's single head (decoded settings), made again only when the head changes.
    func derived<T: Sendable>(from record: String, head: String, make: () throws -> T) rethrows -> T {
        lock.lock()
        if let d = derived[record], d.head == head, let value = d.value as? T {
            lock.unlock()
            return value
        }
        lock.unlock()
        let made = try make()
        lock.lock()
        derived[record] = (head, made)
        lock.unlock()
        return made
    }

    /// Objects seen stored and indexed (the office's certificate, put with every copy): objects are never removed,
    /// so once seen the store and the index need not be asked again.
    func isKnownStored(_ id: ObjectID) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return storedAndIndexed.contains(id)
    }

    func noteStored(_ id: ObjectID) {
        lock.lock()
        defer { lock.unlock() }
        if storedAndIndexed.count > 10_000 { storedAndIndexed.removeAll() }
        storedAndIndexed.insert(id)
    }
}
