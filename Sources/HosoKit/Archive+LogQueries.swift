import Foundation
import HosoCore
import HosoLog
import HosoPrimitives
import HosoStore

/// What `hoso log show` prints.
public struct LogStatus: Codable, Sendable {
    public var size: UInt64
    /// Root hash of the whole log, hex.
    public var root: String
    /// The archive write the log has recorded through.
    public var sequence: Int
    /// The newest signed checkpoint as stored (the signed note's text), if any.
    public var checkpoint: String?
    public var checkpointSize: UInt64?
    public var checkpoints: Int
    /// Peers that cosigned this log's checkpoints, newest first.
    public var witnesses: [LogWitness] = []
    /// Rollbacks and forks recorded here (of a peer's log, or of this one as a peer reported).
    public var incidents: [WitnessIncident] = []
}

/// A consistency proof between two sizes of the log (`hoso log consistency`), checked before it is returned.
public struct LogConsistency: Codable, Sendable {
    public var oldSize: UInt64
    public var oldRoot: String
    public var newSize: UInt64
    public var newRoot: String
    /// RFC 9162 §2.1.4 proof, hex.
    public var proof: [String]
    /// The signed checkpoints at those sizes, when the log has them (or they were given).
    public var oldCheckpoint: String?
    public var newCheckpoint: String?
}

/// An inclusion proof of one entry in the newest checkpoint (or in the whole log when no checkpoint exists).
public struct LogProof: Codable, Sendable {
    public var index: UInt64
    public var treeSize: UInt64
    /// The entry's bytes (canonical JSON) as text.
    public var entry: String
    public var leafHash: String
    /// Audit path, leaf side first, hex.
    public var proof: [String]
    public var root: String
    /// The signed checkpoint the proof leads to, when there is one.
    public var checkpoint: String?
}

/// What `hoso log verify` found: every entry, node and checkpoint checked; damage is thrown instead.
public struct LogCheck: Codable, Sendable {
    public var size: UInt64
    public var root: String
    public var checkpoints: Int
    /// False when the archive is not a node: checkpoints (if any) were read, not their signatures checked.
    public var signaturesChecked: Bool
    /// Objects checked against their entries.
    public var objects: Int
}

extension Archive {
    public func logStatus() throws -> LogStatus {
        let r = try log.reader()
        let latest = try log.latestCheckpoint()
        return LogStatus(
            size: r.size, root: try r.root().hex, sequence: r.head.sequence,
            checkpoint: latest.map { String(decoding: $0.note, as: UTF8.self) }, checkpointSize: latest?.size,
            checkpoints: try log.checkpointSizes().count, witnesses: try logWitnesses(), incidents: try witnessIncidents())
    }

    /// A size of the log or a signed checkpoint of it: digits are a size; anything else is a file holding a signed
    /// checkpoint (verified with the node key when the archive is a node), which must match this log at its size.
    public func logPoint(_ text: String) throws -> (size: UInt64, note: [UInt8]?) {
        if !text.isEmpty, text.utf8.count <= 20, text.allSatisfy({ $0.isASCII && $0.isNumber }), let size = UInt64(text) {
            let stored = try? log.checkpoint(size: size)
            return (size, stored?.note)
        }
        guard let n = (try? FileManager.default.attributesOfItem(atPath: text))?[.size] as? NSNumber,
            let data = n.intValue <= Checkpoint.maxNoteSize ? FileManager.default.contents(atPath: text) : nil
        else {
            throw HosoError(
                .logBadRequest,
                .both("Không phải số mục hay tệp điểm kiểm đọc được", "Neither a size nor a readable checkpoint file"), location: text)
        }
        let note = Array(data)
        let cp = try Checkpoint.parse(note, verifier: try nodeNoteKey(signing: false), location: text)
        let r = try log.reader()
        guard cp.size <= r.size, try r.root(size: cp.size) == cp.root else {
            throw HosoError(
                .logFork,
                .both(
                    "Điểm kiểm \(cp.size) mục không khớp nhật ký của kho (nhật ký đã bị quay lui, cắt bớt hoặc rẽ nhánh)",
                    "The checkpoint of \(cp.size) entries does not match this log (it was rolled back, cut or forked)"), location: text)
        }
        return (cp.size, note)
    }

    /// The consistency proof from `old` to `new` (sizes or checkpoint files, see `logPoint`), checked.
    public func logConsistency(old: String, new: String) throws -> LogConsistency {
        let (a, b) = (try logPoint(old), try logPoint(new))
        let r = try log.reader()
        guard a.size <= b.size, b.size <= r.size else {
            throw HosoError(
                .logBadRequest,
                .both("Cần CŨ ≤ MỚI ≤ \(r.size) (số mục của nhật ký)", "OLD ≤ NEW ≤ \(r.size) (the log's size) is required"),
                location: "\(a.size) \(b.size)")
        }
        let (oldRoot, newRoot) = (try r.root(size: a.size), try r.root(size: b.size))
        let proof = try r.consistencyProof(old: a.size, new: b.size)
        guard ProofCheck.consistency(oldSize: a.size, oldRoot: oldRoot, newSize: b.size, newRoot: newRoot, proof: proof) else {
            throw HosoError(.logCorrupt, .both("Bằng chứng không khớp với cây", "The proof does not match the tree"), location: log.dir)
        }
        return LogConsistency(
            oldSize: a.size, oldRoot: oldRoot.hex, newSize: b.size, newRoot: newRoot.hex, proof: proof.map(\.hex),
            oldCheckpoint: a.note.map { String(decoding: $0, as: UTF8.self) },
            newCheckpoint: b.note.map { String(decoding: $0, as: UTF8.self) })
    }

    /// The proof for the newest entry about `text`: an object id (or unique prefix) or a record id.
    public func proveInLog(_ text: String) throws -> LogProof {
        let r = try log.reader()
        let objectID = try? resolve(text).hex
        guard let index = try newestEntry(in: r, objectID: objectID, record: text) else {
            throw HosoError(.logEntryNotFound, .both("Nhật ký không có mục nào về mã này", "No log entry is about this id"), location: text)
        }
        let latest = try log.latestCheckpoint()
        // A checkpoint covers the entry when its size is beyond it; otherwise the proof is to the current root.
        let size = latest.map { $0.size > index ? $0.size : r.size } ?? r.size
        let root = try r.root(size: size)
        let proof = try r.inclusionProof(index: index, size: size)
        let leaf = try r.leafHash(index)
        guard ProofCheck.inclusion(leaf: leaf, index: index, size: size, proof: proof, root: root) else {
            throw HosoError(.logCorrupt, .both("Bằng chứng không khớp với cây", "The proof does not match the tree"), location: log.dir)
        }
        return LogProof(
            index: index, treeSize: size, entry: String(decoding: try r.entry(index), as: UTF8.self), leafHash: leaf.hex,
            proof: proof.map(\.hex), root: root.hex,
            checkpoint: latest.flatMap { $0.size == size ? String(decoding: $0.note, as: UTF8.self) : nil })
    }

    /// The newest entry about the object `objectID`, or (when nil) about the record `record`.
    func newestEntry(in r: LogReader, objectID: String?, record: String) throws -> UInt64? {
        // Entries are canonical JSON, so the field's exact bytes are searched first and only a hit is parsed.
        let needle = Array((objectID.map { "\"id\":\"\($0)\"" } ?? "\"record\":" + JSONString.quoted(record)).utf8)
        for i in (0..<r.size).reversed() {
            let bytes = try r.entry(i)
            guard bytes.firstRange(of: needle) != nil, let e = LogEvent.parse(bytes) else { continue }
            if e.id == objectID || (objectID == nil && e.record == record) { return i }
        }
        return nil
    }

    /// Recomputes the whole log (`LogStore.verifyAll`) and checks it against the archive: each entry is a canonical
    /// event at its own position, naming an object the archive holds with the same kind (and, for a revision, the
    /// same record, type and author); and every object the archive holds has an entry, unless the log is legitimately
    /// behind (a write not yet caught up). Throws the first damage found, naming the entry.
    public func verifyLog() throws -> LogCheck {
        let key = try nodeNoteKey(signing: false)
        let kinds = Dictionary(try index.objects().map { ($0.id, $0.kind) }, uniquingKeysWith: { a, _ in a })
        var logged = Set<String>()
        let result = try log.verifyAll(verifier: key) { i, bytes in
            func bad(_ vi: String, _ en: String) -> HosoError { HosoError(.logEntryMismatch, .both(vi, en), location: "log entry \(i)") }
            guard let e = LogEvent.parse(bytes), e.n == i else {
                throw bad("Mục nhật ký sai dạng hoặc sai vị trí", "The log entry is malformed or out of place")
            }
            // An anchor of the server's access log names no object (the server checks it against its log).
            if e.kind == Self.auditAnchorKind { return }
            // An object written since `kinds` was read (a write at work) is asked of its file, the truth.
            guard let kind = kinds[e.id] ?? ObjectID(hex: e.id).flatMap({ try? store.header(of: $0).kind.rawValue }) else {
                throw bad("Mục nhật ký nói về đối tượng \(e.id) mà kho không có", "The entry names object \(e.id), which the archive lacks")
            }
            guard kind == e.kind else { throw bad("Loại đối tượng khác với mục nhật ký", "The object's kind differs from the entry") }
            if e.kind == ObjectKind.record.rawValue, let rev = try index.revision(e.id) {
                guard rev.recordType == e.type, rev.recordId == e.record, rev.author == e.actor else {
                    throw bad("Phiên bản hồ sơ khác với mục nhật ký", "The record revision differs from the entry")
                }
            }
            logged.insert(e.id)
        }
        if !(try logIsBehind()), let absent = kinds.keys.sorted().first(where: { !logged.contains($0) }) {
            throw HosoError(
                .logEntryMismatch,
                .both(
                    "Đối tượng \(absent) không có trong nhật ký (nhật ký bị cắt?)", "Object \(absent) is not in the log (was the log cut?)"),
                location: log.dir)
        }
        return LogCheck(
            size: result.size, root: result.root.hex, checkpoints: result.checkpoints, signaturesChecked: key != nil, objects: logged.count)
    }
}
