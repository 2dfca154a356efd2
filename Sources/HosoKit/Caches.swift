import Foundation
import HosoRecords
import HosoSigning
import HosoStore
import Synchronization

/// State of this process's work on one archive that threads share: copy numbers handed out but not yet
/// committed, requests being served, and the verifier kept while the trust data stays the same.
final class WorkState: Sendable {
    private struct State {
        var reservedCopyNumbers = [Int: Set<Int>]()  // year → numbers
        var requestsInFlight = Set<String>()
        var verifier: (key: [String], verifier: SignatureVerifier)?
        var derived = [String: (head: String, value: any Sendable)]()  // record id → value
        var storedAndIndexed = Set<ObjectID>()
        /// The storage's epoch `storedAndIndexed` was seen in (see `ArchiveStorage.Hub.epoch`).
        var storedEpoch = 0
    }
    private let state = Mutex(State())
    /// Every write, from reading what its decisions rest on (the last number of a register, the record's heads) to
    /// committing it, runs alone among this process's threads and every other hoso process on the archive.
    let numberingLock: any ArchiveWriteLocking

    init(writeLock: any ArchiveWriteLocking) { numberingLock = writeLock }

    /// Runs `body` under `numberingLock`; `body` learns whether it is the outermost call on this thread.
    func numbering<T>(_ body: (_ outermost: Bool) throws -> T) throws -> T { try numberingLock.run(body) }

    /// The lowest number above both the register's highest and every number handed out and not yet committed.
    /// The register is read under the lock: a number is released only after its line is committed, so it is
    /// always seen in one place or the other.
    func reserveCopyNumber(year: Int, registered: () throws -> Int) rethrows -> Int {
        try state.withLock { s in
            let n = max(try registered(), s.reservedCopyNumbers[year]?.max() ?? 0) + 1
            s.reservedCopyNumbers[year, default: []].insert(n)
            return n
        }
    }

    func releaseCopyNumber(year: Int, _ n: Int) {
        _ = state.withLock { $0.reservedCopyNumbers[year]?.remove(n) }
    }

    /// False when another thread is already serving this request.
    func beginRequest(_ id: String) -> Bool {
        state.withLock { $0.requestsInFlight.insert(id).inserted }
    }

    func endRequest(_ id: String) {
        _ = state.withLock { $0.requestsInFlight.remove(id) }
    }

    /// The verifier made for `key` (the trust anchors, certificates and CRLs it was built from), or a new one.
    func verifier(for key: [String], make: () throws -> SignatureVerifier) rethrows -> SignatureVerifier {
        // Made outside the lock: building a verifier parses certificates and CRLs.
        if let v = state.withLock({ $0.verifier }), v.key == key { return v.verifier }
        let made = try make()
        state.withLock { $0.verifier = (key, made) }
        return made
    }

    /// A value derived from a record's single head (decoded settings), made again only when the head changes.
    func derived<T: Sendable>(from record: String, head: String, make: () throws -> T) rethrows -> T {
        if let value = state.withLock({ s -> T? in
            guard let d = s.derived[record], d.head == head else { return nil }
            return d.value as? T
        }) {
            return value
        }
        let made = try make()
        state.withLock { $0.derived[record] = (head, made) }
        return made
    }

    /// Objects seen stored and indexed (the office's certificate, put with every copy): objects are never removed,
    /// so once seen the store and the index need not be asked again, as long as the storage's epoch stays the same.
    /// On the hub a failover may lose a commit the old primary showed before its standby had it: whatever was seen
    /// in an earlier epoch is asked again.
    func isKnownStored(_ id: ObjectID, epoch: Int) -> Bool {
        state.withLock { $0.storedEpoch == epoch && $0.storedAndIndexed.contains(id) }
    }

    func noteStored(_ id: ObjectID, epoch: Int) {
        state.withLock { s in
            if s.storedAndIndexed.count > 10_000 || s.storedEpoch != epoch { s.storedAndIndexed.removeAll() }
            s.storedEpoch = epoch
            s.storedAndIndexed.insert(id)
        }
    }
}
