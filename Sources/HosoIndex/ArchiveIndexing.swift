import Foundation
import HosoCore
import HosoStore

/// What the archive asks of its index, whatever holds it: the SQLite file of a school or district (`ArchiveIndex`,
/// the default) or the province hub's PostgreSQL database (HosoPostgresIndex). Everything here is derived from
/// the objects and can be rebuilt from them.
///
/// Atomicity: each method that writes is one transaction of its own, all or nothing, and readers never see part
/// of it. Where the archive must write several kinds of rows together (a revision with its objects, entries,
/// manifest, names and refs; an import's entries with the revision they belong to), one method takes them all,
/// so an implementation never has to offer a transaction that spans calls.
package protocol ArchiveIndexing: Sendable {
    // MARK: Objects, manifests, names

    /// Records objects, and optionally a manifest with its names, in one transaction.
    func record(objects: [StoredObject], manifest: ManifestRow?, names: [NameRow]) throws
    func object(_ id: ObjectID) throws -> ObjectRow?
    /// Ids starting with `prefix` (lowercase hex), in order; at most `limit`.
    func ids(withPrefix prefix: String, limit: Int) throws -> [String]
    /// Objects (of one kind, or all), by id.
    func objects(kind: String?) throws -> [ObjectRow]
    /// Every distinct name of every object, grouped by object id, names sorted.
    func namesByObject() throws -> [String: [String]]
    /// The names one object was added under, oldest first.
    func names(of id: ObjectID) throws -> [NameEntry]
    /// The objects listed by one manifest, by path.
    func entries(ofManifest id: ObjectID) throws -> [NameRow]
    /// Which of these (path, object) pairs some manifest already records, as "path\0objectId".
    func knownNames(_ pairs: [(path: String, objectId: String)]) throws -> Set<String>
    func allIDs() throws -> Set<String>
    /// The number of objects.
    func count() throws -> Int

    // MARK: Revisions

    /// Records revisions (with their objects and what each refers to) in one transaction.
    func record(revisions: [RevisionRow], objects: [StoredObject], refs: [[RecordRef]]) throws
    func revision(_ id: String) throws -> RevisionRow?
    /// Every revision of a record, oldest first (by time, then id).
    func revisions(ofRecord recordId: String) throws -> [RevisionRow]
    /// The revisions of a record that no other revision of it follows, by time then id.
    func heads(ofRecord recordId: String) throws -> [String]
    /// `heads(ofRecord:)` of each record named, in one read (a sync batch names hundreds of ledgers).
    func heads(ofRecords recordIds: [String]) throws -> [String: [String]]
    /// The type of each named record that has a revision here (its first revision's, by time then id), in one read.
    func recordTypes(ofRecords recordIds: [String]) throws -> [String: String]
    /// Records with more than one head, each with its heads.
    func conflicts() throws -> [(recordId: String, heads: [String])]
    /// Every record id of one type, sorted.
    func recordIds(ofType type: String) throws -> [String]

    // MARK: Ledger entries

    /// Replaces the indexed entries of ledger records, all in one transaction: a sync batch brings a hundred ledgers
    /// or more, and on the hub each transaction waits for the standby.
    func replaceEntries(ofRecords records: [(recordId: String, entries: [EntryRow])]) throws
    /// Records a revision with its objects and refs, its manifest and names if any, and (when given) the record's
    /// entries in place of the old ones, all in one transaction.
    func record(
        revision: RevisionRow, objects: [StoredObject], entries: [EntryRow]?, manifest: ManifestRow?, names: [NameRow],
        refs: [RecordRef]
    ) throws
    /// An import's transaction, begun before its revision exists: the record's old entries go and the new ones
    /// are written; `revisionId` gives the revision's id for the rows (the `revisionId` of `entries` is ignored);
    /// `finish` returns the durable revision and the objects, manifest and names to record with it; then it
    /// commits. If either closure throws, nothing is written. Neither closure may use this index.
    func record(
        entriesOf recordId: String, pending entries: [EntryRow], revisionId: () throws -> String, finish: () throws -> PendingRevision)
        throws
    /// Serials (unique everywhere) and ledger numbers (unique per issuer and year) among `wanted` and `range` that
    /// other ledger records use: serial → "RECORD #N/YEAR", number → "RECORD, SERIAL".
    func usedNumbers(
        year: Int, issuer: String, excludingRecord recordId: String, serials wanted: [String], numbers range: ClosedRange<Int>?
    ) throws -> (serials: [String: String], numbers: [Int: String])
    /// Entries matching every condition given, by year then ledger number, at most `limit`.
    func findEntries(_ q: EntryQuery, limit: Int) throws -> [EntryRow]
    func entryCount() throws -> Int

    // MARK: References between records

    /// Records the refs of revisions already recorded, and marks `task` done, in one transaction.
    func record(refs: [(revisionId: String, recordId: String, refs: [RecordRef])], completingTask task: String?) throws
    /// Derived data still to be filled in by the archive.
    func pendingTasks() throws -> [String]
    /// Records whose current revision refers to `value` under `key`, with that head.
    func heads(referring key: String, to value: String) throws -> [(recordId: String, revisionId: String)]
    /// Every value current revisions refer to under `key`, sorted.
    func referredValues(_ key: String) throws -> [String]
    /// The greatest record id of a type that starts with `prefix` and sorts (by code point) before `below`.
    func lastRecordId(ofType type: String, prefix: String, below: String) throws -> String?

    // MARK: Signatures

    /// Records signature rows with their objects in one transaction (a signature already known is kept as it is).
    func record(signatures: [SignatureRow], objects: [StoredObject]) throws
    /// The signatures of one revision, by signing time then id.
    func signatures(ofRevision revisionId: String) throws -> [SignatureRow]
    func signatures() throws -> [SignatureRow]

    // MARK: How far the index is

    /// The number of the store's last write whose objects this index holds (see `CommitMarker`).
    func committedSequence() throws -> Int
    func setCommittedSequence(_ sequence: Int) throws

    /// Closes the connections.
    func close() throws
}

/// What completes an import's transaction (`record(entriesOf:pending:revisionId:finish:)`): the revision the
/// entries belong to, and the objects, manifest and names to record with it.
package struct PendingRevision: Sendable {
    package var revision: RevisionRow
    package var objects: [StoredObject]
    package var manifest: ManifestRow?
    package var names: [NameRow]

    package init(revision: RevisionRow, objects: [StoredObject], manifest: ManifestRow?, names: [NameRow]) {
        self.revision = revision
        self.objects = objects
        self.manifest = manifest
        self.names = names
    }
}

extension PendingRevision {
    /// Refuses a revision other than the one the entries were just written for (another record, another id): the
    /// transaction rolls back.
    package func requireMatches(recordId: String, revisionId: String) throws {
        guard revision.recordId == recordId, revision.id == revisionId else {
            throw HosoError(
                .indexError,
                LocalizedText(vi: "Bản ghi không khớp các mục đã ghi", en: "The revision does not match the entries written"),
                location: recordId, cause: "\(revision.recordId) \(revision.id)")
        }
    }
}

/// Heads in (record id, head) pairs ordered by record id, grouped per record; only records with more than one
/// head are kept (what `conflicts()` returns).
package func groupedConflicts(_ heads: [(recordId: String, head: String)]) -> [(recordId: String, heads: [String])] {
    var grouped = [(recordId: String, heads: [String])]()
    for (rid, id) in heads {
        if grouped.last?.recordId == rid {
            grouped[grouped.count - 1].heads.append(id)
        } else {
            grouped.append((rid, [id]))
        }
    }
    return grouped.filter { $0.heads.count > 1 }
}

// The shorter forms callers use (each a distinct shape, so none can be taken for the requirement it calls).
extension ArchiveIndexing {
    package func record(objects: [StoredObject]) throws { try record(objects: objects, manifest: nil, names: []) }

    /// Replaces the indexed entries of one ledger record, in one transaction.
    package func replaceEntries(ofRecord recordId: String, with entries: [EntryRow]) throws {
        try replaceEntries(ofRecords: [(recordId, entries)])
    }

    package func record(revisions: [RevisionRow], refs: [[RecordRef]]) throws { try record(revisions: revisions, objects: [], refs: refs) }

    package func record(revision: RevisionRow, objects: [StoredObject], entries: [EntryRow]?) throws {
        try record(revision: revision, objects: objects, entries: entries, manifest: nil, names: [], refs: [])
    }

    package func record(revision: RevisionRow, objects: [StoredObject], entries: [EntryRow]?, refs: [RecordRef]) throws {
        try record(revision: revision, objects: objects, entries: entries, manifest: nil, names: [], refs: refs)
    }

    package func record(
        revision: RevisionRow, objects: [StoredObject], entries: [EntryRow]?, manifest: ManifestRow?, names: [NameRow]
    ) throws {
        try record(revision: revision, objects: objects, entries: entries, manifest: manifest, names: names, refs: [])
    }

    package func ids(withPrefix prefix: String) throws -> [String] { try ids(withPrefix: prefix, limit: 2) }

    package func objects() throws -> [ObjectRow] { try objects(kind: nil) }

    /// The greatest record id of a type that starts with `prefix` ("BS-2026-" → "BS-2026-000042"), for numbering.
    package func lastRecordId(ofType type: String, prefix: String) throws -> String? {
        try lastRecordId(ofType: type, prefix: prefix, below: prefix + "\u{10FFFF}")
    }
}
