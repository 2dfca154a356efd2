import Foundation
import HosoCore
import HosoRecords
import HosoStore

/// Reads index rows from object files alone, as `reindex` does for the whole store and the catch-up after a fault
/// does for the objects the index lacks: the index is derived, so everything it holds comes from here.
package struct IndexBuilder {
    package let store: any ObjectStoring
    /// The record type whose revisions carry searchable entries.
    package let ledgerType: String
    /// The index row of a signature object (CMS is read above the index).
    package let signatureRow: (ObjectID, [UInt8]) throws -> SignatureRow

    package init(store: any ObjectStoring, ledgerType: String, signatureRow: @escaping (ObjectID, [UInt8]) throws -> SignatureRow) {
        self.store = store
        self.ledgerType = ledgerType
        self.signatureRow = signatureRow
    }

    /// What the index holds of some object files.
    package struct Rows {
        var objects = [StoredObject]()
        var manifests = [(ManifestRow, [NameRow])]()
        var revisions = [RevisionRow]()
        var refs = [[RecordRef]]()
        var signatures = [SignatureRow]()
        var skipped = [String]()
    }

    /// Writes a complete index of the file store's objects at `path` (replacing any leftover there). It records the
    /// store's write number (`marker`) as read before the objects were listed: a write that ends meanwhile is caught
    /// up later.
    package func build(
        at path: String, marker: any WriteNumbering, progress: (@Sendable (Int, Int) -> Void)?
    ) throws
        -> ReindexReport
    {
        for suffix in ["", "-wal", "-shm"] { _ = unlink(path + suffix) }
        let sequence = try marker.read()
        let fresh = try ArchiveIndex(path: path, building: true)
        let files = try (store as? ObjectStore)?.objectFiles() ?? listedObjects()
        let batch = collect(files, progress: progress)
        try write(batch, into: fresh)
        if let sequence { try fresh.setCommittedSequence(sequence) }
        try fresh.close()
        progress?(files.count, files.count)
        return ReindexReport(
            objects: batch.objects.count, manifests: batch.manifests.count,
            names: batch.manifests.reduce(0) { $0 + $1.1.count }, revisions: batch.revisions.count, skipped: batch.skipped)
    }

    /// Fills an empty index with the rows of every object of the store (one that is not a folder of files: the hub's
    /// database, whose index is not a file built aside). The caller records the write number.
    package func rebuild(into index: any ArchiveIndexing, progress: (@Sendable (Int, Int) -> Void)?) throws -> ReindexReport {
        let files = try listedObjects()
        let batch = collect(files, progress: progress)
        try write(batch, into: index)
        progress?(files.count, files.count)
        return ReindexReport(
            objects: batch.objects.count, manifests: batch.manifests.count,
            names: batch.manifests.reduce(0) { $0 + $1.1.count }, revisions: batch.revisions.count, skipped: batch.skipped)
    }

    /// The rows of these objects of the store.
    package func collect(ids: [ObjectID]) -> Rows {
        collect(ids.map { ObjectFile(id: $0) }, progress: nil)
    }

    /// Every object of the store, as the file list a folder's store would give.
    private func listedObjects() throws -> [ObjectFile] {
        var files = [ObjectFile]()
        try store.forEachObjectID { files.append(ObjectFile(id: $0)) }
        return files
    }

    /// The rows of `files`; a file that is misplaced or does not read is skipped (fsck names it).
    package func collect(_ files: [ObjectFile], progress: (@Sendable (Int, Int) -> Void)?) -> Rows {
        var rows = Rows()
        for (i, f) in files.enumerated() {
            if i % 256 == 0 { progress?(i, files.count) }
            guard f.wellPlaced, let id = f.id else {
                rows.skipped.append(f.path)
                continue
            }
            do {
                try collect(id, into: &rows)
            } catch {
                rows.skipped.append(f.path)
            }
        }
        return rows
    }

    private func collect(_ id: ObjectID, into rows: inout Rows) throws {
        // A well-placed file is the object's own path, so its header is the file's.
        let object = try store.header(of: id)
        switch object.kind {
        case .record:
            let rev = try Revision.decode(try store.read(id), source: id.hex)
            rows.revisions.append(RevisionRow(id, rev))
            rows.refs.append(RecordRef.refs(of: rev))
        case .signature:
            rows.signatures.append(try signatureRow(id, try store.read(id)))
        case .manifest:
            let m = try Manifest.decode(try store.read(id), id: id)
            let names = m.entries.map { NameRow(manifestId: id.hex, objectId: $0.id.hex, path: $0.path, size: Int64($0.size)) }
            rows.manifests.append((ManifestRow(id: id.hex, addedAt: m.addedAt), names))
        default:
            break
        }
        rows.objects.append(object)
    }

    /// Records the rows, then the searchable entries of every ledger they touch (those of its current heads).
    package func write(_ rows: Rows, into index: any ArchiveIndexing) throws {
        try index.record(objects: rows.objects)
        try index.record(revisions: rows.revisions, refs: rows.refs)
        try index.record(signatures: rows.signatures, objects: [])
        for recordId in Set(rows.revisions.filter { $0.recordType == ledgerType }.map(\.recordId)).sorted() {
            var entries = [EntryRow]()
            for h in try index.heads(ofRecord: recordId) {
                let rev = try Revision.decode(try store.read(ObjectID(hex: h)!), source: h)
                entries += EntryRow.rows(revisionId: h, recordId: recordId, body: rev.body)
            }
            try index.replaceEntries(ofRecord: recordId, with: entries)
        }
        for (row, names) in rows.manifests { try index.record(objects: [], manifest: row, names: names) }
    }
}
