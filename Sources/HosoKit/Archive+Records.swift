import Foundation
import HosoCore
import HosoIndex
import HosoRecords
import HosoStore

/// What the index knows of one revision (its record, parents, author, time, reason).
public typealias RevisionInfo = RevisionRow

extension Archive {
    /// Stores a revision after checking it against the archive: its parents exist, are revisions of the same
    /// record and type. Returns its id and whether it was new (storing the same revision twice is a no-op).
    @discardableResult
    public func put(_ rev: Revision) throws -> (id: ObjectID, new: Bool) {
        let bytes = try rev.canonicalBytes()
        try rev.checkSchema()
        if rev.recordType == Self.ledgerType {
            let problems = try officeSettings().graduationGradeProblems(ledger: rev.body, source: rev.recordId)
            if !problems.isEmpty { throw HosoProblems(problems) }
        }
        // Checked and committed under the write lock: what the checks read is what the commit builds on.
        return try writing { try putLocked(rev, bytes: bytes) }
    }

    private func putLocked(_ rev: Revision, bytes: [UInt8]) throws -> (id: ObjectID, new: Bool) {
        try index.checkAgainstLedgers(rev)
        if rev.recordType == Self.ledgerType { try index.checkLedgerNumbersAreFree(rev) }
        for p in rev.parents {
            guard let row = try index.revision(p) else {
                throw HosoError(
                    .parentInvalid, .both("Bản trước không có trong kho", "The parent revision is not in the archive"), location: p)
            }
            guard row.recordId == rev.recordId, row.recordType == rev.recordType else {
                throw HosoError(
                    .parentInvalid,
                    .both(
                        "Bản trước thuộc hồ sơ khác (\(row.recordType) \(row.recordId))",
                        "The parent belongs to another record (\(row.recordType) \(row.recordId))"),
                    location: p)
            }
        }
        try checkTermLock(rev, id: ObjectID(hashing: bytes), batch: [])
        if rev.parents.isEmpty, let other = try index.revisions(ofRecord: rev.recordId).first, other.recordType != rev.recordType {
            throw HosoError(
                .recordExists,
                .both(
                    "Mã hồ sơ đã dùng cho loại khác (\(other.recordType))",
                    "The record id is already used by another type (\(other.recordType))"),
                location: rev.recordId)
        }
        cleanLeftovers()
        let (obj, isNew) = try store.put(bytes, kind: .record)
        var entries: [EntryRow]? = nil
        if rev.recordType == Self.ledgerType {
            // A ledger's searchable entries follow its heads.
            let heads = try index.heads(ofRecord: rev.recordId).filter { !rev.parents.contains($0) && $0 != obj.id.hex } + [obj.id.hex]
            entries = try self.entries(ofHeads: heads, recordId: rev.recordId, extra: (obj.id.hex, rev))
        }
        try index.record(revision: RevisionRow(obj.id, rev), objects: [obj], entries: entries, refs: RecordRef.refs(of: rev))
        revisionCache.put(obj.id, rev, cost: bytes.count)
        if isNew, rev.recordType == Self.ledgerType {
            try recordDigitization(ledger: rev.recordId, revision: obj.id, rev: rev, scans: Self.scanIds(rev), method: "keyed")
        }
        return (obj.id, isNew)
    }

    /// Stores several new revisions (of different records) and other objects at once: every check of `put` first,
    /// then one durable commit of all the objects and one index transaction, so a crash or a failed check leaves
    /// none of them. `mustBeNew` names records that must not exist yet (a number just handed out).
    @discardableResult
    func putAll(
        _ revs: [Revision], objects: [(bytes: [UInt8], kind: ObjectKind)], mustBeNew: Set<String> = [],
        takenCode: HosoError.Code = .recordExists
    ) throws -> [ObjectID] {
        let prepared = try prepareAll(revs, objects: objects)
        return try commitPrepared(prepared, mustBeNew: mustBeNew, takenCode: takenCode)
    }

    /// Revisions checked on their own and every object written and synced to a temporary file: the part of
    /// `putAll` that needs no lock, so that threads do it at once. Nothing is visible until `commitPrepared`;
    /// `discard` forgets it.
    struct PreparedCommit: Sendable {
        fileprivate var revs: [Revision]
        fileprivate var staged: [StagedObject]
        fileprivate var revisionIds: [ObjectID]
        fileprivate var sizes: [Int]
        /// Objects left out because they were seen stored, and the storage's epoch before they were looked for: if
        /// it moved by the commit (the hub failed over), they are looked for again under the lock.
        fileprivate var skipped: [(bytes: [UInt8], kind: ObjectKind)] = []
        fileprivate var epoch = 0
    }

    func prepareAll(_ revs: [Revision], objects: [(bytes: [UInt8], kind: ObjectKind)]) throws -> PreparedCommit {
        precondition(!revs.contains { $0.recordType == Self.ledgerType }, "ledgers go through put: their entries are indexed too")
        var staged = [StagedObject]()
        // Read before anything is looked for: a failover during the look moves it.
        let epoch = storageEpoch
        var skipped = [(bytes: [UInt8], kind: ObjectKind)]()
        do {
            for rev in revs {
                try rev.checkSchema()
                try index.checkAgainstLedgers(rev)
            }
            cleanLeftovers()
            // An object already stored and indexed (the office's certificate, again) is not written again.
            for o in objects {
                let id = ObjectID(hashing: o.bytes)
                if workState.isKnownStored(id, epoch: epoch) {
                    skipped.append(o)
                    continue
                }
                if store.exists(id), try index.object(id) != nil {
                    workState.noteStored(id, epoch: epoch)
                    skipped.append(o)
                    continue
                }
                staged.append(try stageObject(o))
            }
            var ids = [ObjectID]()
            var sizes = [Int]()
            for rev in revs {
                let bytes = try rev.canonicalBytes()
                sizes.append(bytes.count)
                let s = try store.stage(bytes: bytes, kind: .record, durable: true)
                ids.append(s.object.id)
                staged.append(s)
            }
            return PreparedCommit(revs: revs, staged: staged, revisionIds: ids, sizes: sizes, skipped: skipped, epoch: epoch)
        } catch {
            store.discard(staged)
            throw error
        }
    }

    func discard(_ prepared: PreparedCommit) { store.discard(prepared.staged) }

    private func stageObject(_ o: (bytes: [UInt8], kind: ObjectKind)) throws -> StagedObject {
        // Issued copies are PDFs whose streams cairo compressed already: a trial would only cost time.
        try store.stage(
            bytes: o.bytes, kind: o.kind, compression: o.kind == .copy || o.kind == .hocBa ? .storeAsIs : .measure, durable: true)
    }

    /// The storage's epoch (always 0 for a folder, whose files never vanish under it).
    var storageEpoch: Int { hub?.epoch() ?? 0 }

    /// The checks against the archive as it is now (parents, types, `mustBeNew`), then the objects moved into
    /// place and one index transaction. The prepared objects are discarded when a check fails.
    func commitPrepared(_ p: PreparedCommit, mustBeNew: Set<String> = [], takenCode: HosoError.Code = .recordExists) throws -> [ObjectID] {
        do {
            return try writing { try commitPreparedLocked(p, mustBeNew: mustBeNew, takenCode: takenCode) }
        } catch {
            store.discard(p.staged)
            throw error
        }
    }

    private func commitPreparedLocked(_ p: PreparedCommit, mustBeNew: Set<String>, takenCode: HosoError.Code) throws -> [ObjectID] {
        // Objects left out as stored, looked for again if the storage moved since (a failover may have lost them).
        var regained = [StagedObject]()
        var p = p
        do {
            if !p.skipped.isEmpty && storageEpoch != p.epoch {
                for o in p.skipped {
                    let id = ObjectID(hashing: o.bytes)
                    if try store.contains(id), try index.object(id) != nil { continue }
                    regained.append(try stageObject(o))
                }
                p.staged += regained
            }
            for rev in p.revs {
                let existing = try index.revisions(ofRecord: rev.recordId)
                if mustBeNew.contains(rev.recordId) && !existing.isEmpty {
                    throw HosoError(
                        takenCode,
                        .both(
                            "Hồ sơ đã có (số vừa cấp đã bị tiến trình khác dùng)",
                            "The record exists already (another process took the number)"), location: rev.recordId)
                }
                let known = Set(existing.map(\.id))
                for parent in rev.parents where !known.contains(parent) {
                    throw HosoError(
                        .parentInvalid, .both("Bản trước không thuộc hồ sơ này", "The parent is not a revision of this record"),
                        location: parent)
                }
                if let other = existing.first, other.recordType != rev.recordType {
                    throw HosoError(
                        .recordExists,
                        .both(
                            "Mã hồ sơ đã dùng cho loại khác (\(other.recordType))",
                            "The record id is already used by another type (\(other.recordType))"), location: rev.recordId)
                }
            }
            for (i, rev) in p.revs.enumerated() { try checkTermLock(rev, id: p.revisionIds[i], batch: p.revs) }
            try store.commit(p.staged)
            try index.record(
                revisions: zip(p.revisionIds, p.revs).map { RevisionRow($0, $1) }, objects: p.staged.map(\.object),
                refs: p.revs.map { RecordRef.refs(of: $0) })
            for (i, rev) in p.revs.enumerated() { revisionCache.put(p.revisionIds[i], rev, cost: p.sizes[i]) }
            return p.revisionIds
        } catch {
            store.discard(p.staged)
            throw error
        }
    }

    /// Stores bytes as an object and indexes it at once (certificates, CRLs: things no record names yet).
    @discardableResult
    func putObject(_ bytes: [UInt8], kind: ObjectKind) throws -> StoredObject {
        try writing {
            let (obj, _) = try store.put(bytes, kind: kind)
            try index.record(objects: [obj])
            return obj
        }
    }

    /// The items of a list kept as one record of this node's (the trust store, the peers). An item that does not
    /// decode (written by a newer version) is skipped rather than failing the whole list.
    func listRecord<T: Decodable>(_ id: String, key: String) throws -> [T] {
        guard !(try index.revisions(ofRecord: id)).isEmpty else { return [] }
        guard case .array(let items)? = try current(record: id).1.body[key] else { return [] }
        return items.compactMap { try? JSONDecoder().decode(T.self, from: Data(CanonicalJSON.serialize($0))) }
    }

    /// Writes such a list as the record's next revision (its first when there is none yet).
    func writeListRecord<T: Encodable>(_ items: [T], type: String, id: String, key: String, author: String, reason: String) throws {
        let body = try CanonicalJSON.parse(Array(JSONEncoder().encode([key: items])))
        if try index.revisions(ofRecord: id).isEmpty {
            try createRecord(type: type, id: id, body: body, author: author)
        } else {
            try revise(record: id, body: body, author: author, reason: reason)
        }
    }

    /// Starts a new record with its first revision. Fails if the record already exists.
    @discardableResult
    public func createRecord(type: String, id recordId: String, body: JSONValue, author: String) throws -> ObjectID {
        try Self.refuseWorkflowRecordType(type)
        return try writing { try createRecordLocked(type: type, id: recordId, body: body, author: author) }
    }

    /// `createRecord` for the workflows that own a record type `refuseWorkflowRecordType` keeps from everyone else.
    @discardableResult
    func createWorkflowRecord(type: String, id recordId: String, body: JSONValue, author: String) throws -> ObjectID {
        try writing { try createRecordLocked(type: type, id: recordId, body: body, author: author) }
    }

    private func createRecordLocked(type: String, id recordId: String, body: JSONValue, author: String) throws -> ObjectID {
        if !(try index.revisions(ofRecord: recordId)).isEmpty {
            throw HosoError(
                .recordExists,
                .both("Hồ sơ đã có; sửa bằng `hoso record revise`", "The record exists already; change it with `hoso record revise`"),
                location: recordId)
        }
        let rev = Revision(
            recordType: type, recordId: recordId, parents: [], author: author,
            time: HosoClock.format(clock.now()), reason: nil, body: body)
        return try put(rev).id
    }

    /// Adds a revision on top of the record's current head, with a reason. When the record is in conflict
    /// (several heads) the new revision must resolve it: `resolve` makes it name every head as a parent.
    /// `expectedHeads`: the heads the new body was made from (what the caller read). When given, the record must
    /// still have exactly them, or nothing is written and RECORD_CHANGED says so: of two writers that started from
    /// one head, one succeeds and the other is told, instead of forking the record or overwriting the first.
    @discardableResult
    public func revise(
        record recordId: String, body: JSONValue, author: String, reason: String,
        resolve: Bool = false, expectedHeads: [String]? = nil
    ) throws -> ObjectID {
        try writing {
            try reviseLocked(record: recordId, body: body, author: author, reason: reason, resolve: resolve, expectedHeads: expectedHeads)
        }
    }

    private func reviseLocked(
        record recordId: String, body: JSONValue, author: String, reason: String,
        resolve: Bool, expectedHeads: [String]?
    ) throws -> ObjectID {
        let heads = try index.heads(ofRecord: recordId)
        if let expectedHeads, !heads.isEmpty, Set(expectedHeads) != Set(heads) {
            throw HosoError(
                .recordChanged,
                .both(
                    "Hồ sơ vừa được sửa ở nơi khác (bản hiện tại khác bản bạn sửa từ đó); không ghi gì — hãy đọc lại rồi sửa",
                    "The record was just changed elsewhere (its current revision is not the one this edit started from); nothing was written — read it again and redo the edit"
                ),
                location: recordId, cause: "current: " + heads.joined(separator: ", "))
        }
        guard let first = heads.first, let row = try index.revision(first) else {
            throw HosoError(.recordNotFound, .both("Không có hồ sơ này", "No such record"), location: recordId)
        }
        if heads.count > 1 && !resolve {
            throw HosoError(
                .recordConflict,
                .both(
                    "Hồ sơ đang có \(heads.count) bản song song (xung đột); dùng --resolve để tạo bản hợp nhất",
                    "The record has \(heads.count) concurrent revisions (a conflict); use --resolve to make one that merges them"),
                location: recordId, cause: heads.joined(separator: ", "))
        }
        try Self.refuseWorkflowRecordType(row.recordType)
        let rev = Revision(
            recordType: row.recordType, recordId: recordId, parents: heads, author: author,
            time: HosoClock.format(clock.now()), reason: reason, body: body)
        return try put(rev).id
    }

    /// A stored revision, read and verified (digest and canonical form). Kept in memory once verified: the same
    /// ledger is read for every copy issued from it, and an object never changes (`fsck` re-reads the disk).
    public func revision(_ id: ObjectID) throws -> Revision {
        if let cached = revisionCache.get(id) { return cached }
        let bytes = try store.read(id)
        let rev = try Revision.decode(bytes, source: id.hex)
        revisionCache.put(id, rev, cost: bytes.count)
        return rev
    }

    /// Every revision of a record, parents before children (clocks on offline machines disagree, so
    /// time alone cannot order them); among revisions ready at the same step, by time then id.
    public func history(record recordId: String) throws -> [RevisionRow] {
        let rows = try index.revisions(ofRecord: recordId)
        if rows.isEmpty { throw HosoError(.recordNotFound, .both("Không có hồ sơ này", "No such record"), location: recordId) }
        let ids = Set(rows.map(\.id))
        var waiting = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, Set($0.parents).intersection(ids)) })
        var ordered = [RevisionRow]()
        var done = Set<String>()
        while ordered.count < rows.count {
            // rows is sorted by (time, id); take the first whose parents are all placed.
            guard let next = rows.first(where: { !done.contains($0.id) && waiting[$0.id]!.isSubset(of: done) }) else { break }
            ordered.append(next)
            done.insert(next.id)
            waiting[next.id] = nil
        }
        return ordered
    }

    /// The record's current revisions: one, or several while it is in conflict.
    public func heads(record recordId: String) throws -> [String] { try index.heads(ofRecord: recordId) }

    /// The ids of every record of `type`, in no particular order.
    public func recordIds(ofType type: String) throws -> [String] { try index.recordIds(ofType: type) }

    /// Records whose revisions diverged (edited in two places offline) and are not yet resolved.
    public func conflicts() throws -> [Conflict] {
        try index.conflicts().map { Conflict(recordId: $0.recordId, heads: $0.heads) }
    }

    /// The current revision of a record; a conflict is an error that lists the heads.
    public func current(record recordId: String) throws -> (ObjectID, Revision) {
        let heads = try index.heads(ofRecord: recordId)
        guard let head = heads.first else {
            throw HosoError(.recordNotFound, .both("Không có hồ sơ này", "No such record"), location: recordId)
        }
        if heads.count > 1 {
            throw HosoError(
                .recordConflict,
                .both(
                    "Hồ sơ đang có \(heads.count) bản song song (xung đột)",
                    "The record has \(heads.count) concurrent revisions (a conflict)"),
                location: recordId, cause: heads.joined(separator: ", "))
        }
        let id = ObjectID(hex: head)!
        return (id, try revision(id))
    }
}
