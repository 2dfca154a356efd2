import Foundation
import HosoCore
import HosoRecords
import HosoStore

/// Reads index rows from object files alone, as `reindex` does for the whole store and the catch-up after a fault
/// does for the objects the index lacks: the index is derived, so everything it holds comes from here.
package struct IndexBuilder {
    package let store: ObjectStore
    /// The record type whose revisions carry searchable entries.
    package let ledgerType: String
    /// The index row of a signature object (CMS is read above the index).
    package let signatureRow: (ObjectID, [UInt8]) throws -> SignatureRow

    package init(store: ObjectStore, ledgerType: String, signatureRow: @escaping (ObjectID, [UInt8]) throws -> SignatureRow) {
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

    /// Writes a complete index of the store's objects at `path` (replacing any leftover there). It records the
    /// store's write number as read before the objects were listed: a write that ends meanwhile is caught up later.
    package func build(at path: String, progress: (@Sendable (Int, Int) -> Void)?) throws -> ReindexReport {
        for suffix in ["", "-wal", "-shm"] { _ = unlink(path + suffix) }
        let sequence = try CommitMarker(root: store.root).read()
        let fresh = try ArchiveIndex(path: path, building: true)
        let files = try store.objectFiles()
        let batch = collect(files, progress: progress)
        try write(batch, into: fresh)
        if let sequence { try fresh.setCommittedSequence(sequence) }
        try fresh.close()
        progress?(files.count, files.count)
        return ReindexReport(
            objects: batch.objects.count, manifests: batch.manifests.count,
            names: batch.manifests.reduce(0) { $0 + $1.1.count }, revisions: batch.revisions.count, skipped: batch.skipped)
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
                try collect(id, at: f.path, into: &rows)
            } catch {
                rows.skipped.append(f.path)
            }
        }
        return rows
    }

    private func collect(_ id: ObjectID, at path: String, into rows: inout Rows) throws {
        let (h, _, fileSize) = try store.readHeader(atPath: path)
        let object = StoredObject(id: id, kind: h.kind, encoding: h.encoding, size: h.size, storedSize: fileSize)
        switch h.kind {
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
