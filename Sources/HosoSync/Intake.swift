import HosoCore
import HosoPrimitives
import HosoStore

/// Objects arriving from a peer (a bundle, or a batch over HTTP), stored aside until every check passes.
package struct Intake {
    package var staged = [StagedObject]()
    package var present = [StoredObject]()
    /// Content of the kinds that carry meaning (records, signatures, validation data, archive timestamps), for the checks.
    package var small = [ObjectID: (ObjectKind, [UInt8])]()
    package var ids = [ObjectID]()

    /// Kinds that carry meaning, read into memory for the checks (bounded); the rest stream into staged files.
    package static let smallKinds: Set<ObjectKind> = [.record, .signature, .certificate, .crl, .ocspResponse, .archiveTimestamp]
    package static let maxSmallObject: UInt64 = 16 << 20
    /// An archive timestamp lists every object it covers (67 bytes each): a million signatures' worth is allowed.
    package static let maxArchiveTimestamp: UInt64 = 256 << 20
    /// Kinds a peer may send only for a revision that names them (a ledger's scans, a copy's PDF, a letter).
    package static let companionKinds: Set<ObjectKind> = [.blob, .copy, ObjectKind(rawValue: "letter")!, .timestamp, .hocBa]

    package init() {}

    /// Reads one object's content from `pull` into the intake: kinds that carry meaning into memory (bounded), the rest
    /// streamed into a staged file. Returns the SHA-256 of what was read; the caller compares it with the claimed id.
    /// `store` is the archive's (the folder's files or the hub's database): nothing is visible there before its commit.
    package mutating func receive(
        kind: ObjectKind, claimed: ObjectID, size: UInt64, name: String, store: any ObjectStoring,
        pull: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> ObjectID {
        if Self.smallKinds.contains(kind) {
            guard size <= (kind == .archiveTimestamp ? Self.maxArchiveTimestamp : Self.maxSmallObject) else {
                throw HosoError(.bundleTooLarge, .both("Đối tượng loại \(kind) quá lớn", "A \(kind) object is too large"), location: name)
            }
            var bytes = [UInt8](repeating: 0, count: Int(size))
            var got = 0
            while got < bytes.count {
                let n = try bytes.withUnsafeMutableBytes { try pull(UnsafeMutableRawBufferPointer(rebasing: $0[got...])) }
                if n == 0 { break }
                got += n
            }
            let id = ObjectID(hashing: bytes)
            guard id == claimed, got == bytes.count else { return id }
            small[id] = (kind, bytes)
            if try store.contains(id) {
                present.append(try store.header(of: id))
            } else {
                staged.append(try store.stage(bytes: bytes, kind: kind))
            }
            ids.append(id)
            return id
        }
        if try store.contains(claimed) {
            // Already here: check the digest all the same (the bag must be sound), keep nothing.
            let h = SHA256()
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = try buf.withUnsafeMutableBytes { try pull($0) }
                if n == 0 { break }
                buf.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
            let id = ObjectID(digest: h.finalize())
            if id == claimed {
                present.append(try store.header(of: id))
                ids.append(id)
            }
            return id
        }
        let s = try store.stage(
            kind: kind, expectedSize: size, sourceName: name, compression: .measure, durable: false, source: pull)
        if s.object.id != claimed {
            store.discard([s])
            return s.object.id
        }
        staged.append(s)
        ids.append(s.object.id)
        return s.object.id
    }
}
