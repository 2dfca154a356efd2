import Foundation
import HosoCore
import HosoRecords
import HosoStore
import Synchronization

/// What `hoso fsck` checks: every object file re-hashed on its own (on up to four threads), then the graph between
/// the objects, and the index against the store. Read-only: it repairs nothing.
package struct FsckRun: Sendable {
    package let store: any ObjectStoring
    /// The file store behind `store` when the objects are files (misplaced and stray files, temporary files).
    package let files: ObjectStore?
    /// The revision a signature object signs (CMS is read above the index).
    package let signedRevision: @Sendable (ObjectID, [UInt8]) throws -> String

    package init(
        store: any ObjectStoring, files: ObjectStore?, signedRevision: @escaping @Sendable (ObjectID, [UInt8]) throws -> String
    ) {
        self.store = store
        self.files = files
        self.signedRevision = signedRevision
    }

    /// Re-hashes every object file and checks the graph between them. Reports corrupt (content or header),
    /// truncated, malformed, unreadable, misplaced and stray files; objects that something names but the store
    /// lacks (a manifest's files, a revision's parents, a ledger's page scans, a copy's PDF, a request's issued
    /// documents, a signature's revision, an object the index lists); records that a record names but the store
    /// lacks (an appendix's or revocation's ledger); objects whose kind the index knows otherwise; and whether the
    /// index matches the store. Read-only: it repairs nothing.
    package func run(index: any ArchiveIndexing, progress: (@Sendable (FsckProgress) -> Void)?) throws -> FsckReport {
        var listed = [ObjectFile]()
        if let files { listed = try files.objectFiles() } else { try store.forEachObjectID { listed.append(ObjectFile(id: $0)) } }
        let (findings, bytes) = examineAll(listed, progress: progress)
        let root = files?.root
        var graph = FsckGraph(files: listed, findings: findings) { path in root.map { String(path.dropFirst($0.count + 1)) } ?? path }
        graph.followNames()
        let check = graph.compare(index: try index.objects())
        return FsckReport(
            ok: graph.damaged.isEmpty && graph.missing.isEmpty, objects: listed.count, bytes: bytes, damaged: graph.damaged,
            missing: graph.missing, index: check, temporaryFiles: files?.temporaryFiles().count ?? 0)
    }

    /// Every file examined on its own, on up to four threads; the findings in the order of `files`.
    private func examineAll(
        _ files: [ObjectFile], progress: (@Sendable (FsckProgress) -> Void)?
    ) -> ([FsckFinding], UInt64) {
        let results = Mutex([FsckFinding](repeating: FsckFinding(), count: files.count))
        let next = Mutex(0)
        let done = Mutex((objects: 0, bytes: UInt64(0)))
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.withLock { n -> Int in
                    defer { n += 1 }
                    return n
                }
                if i >= files.count { return }
                let finding = examine(files[i])
                results.withLock { $0[i] = finding }
                let p = done.withLock { d -> FsckProgress in
                    d.objects += 1
                    d.bytes += finding.storedSize
                    return FsckProgress(objects: d.objects, totalObjects: files.count, bytes: d.bytes)
                }
                progress?(p)
            }
        }
        return (results.withLock { $0 }, done.withLock { $0.bytes })
    }

    /// One file checked on its own: its damage, and what it names (read from sound objects only).
    private func examine(_ file: ObjectFile) -> FsckFinding {
        var finding = FsckFinding()
        if let files { finding.problem = files.check(file) } else if let id = file.id { finding.problem = store.checkObject(id) }
        guard finding.problem == nil, let id = file.id, let h = try? store.header(of: id) else { return finding }
        finding.storedSize = h.storedSize
        finding.kind = h.kind.rawValue
        do {
            switch h.kind {
            case .manifest:
                finding.order = 0
                let m = try Manifest.decode(try store.read(id), id: id)
                finding.names = m.entries.map { ($0.id.hex, "named '\($0.path)' by manifest \(id.hex)") }
            case .record:
                // A record revision must be a valid envelope in canonical form, or its id means nothing.
                let rev: Revision
                do { rev = try Revision.decode(try store.read(id), source: id.hex) } catch let e as HosoError {
                    finding.problem = (.malformed, "not a valid canonical revision: " + e.text(.en))
                    return finding
                } catch let e as HosoProblems {
                    finding.problem = (.malformed, "not a valid canonical revision: " + (e.problems.first?.text(.en) ?? ""))
                    return finding
                }
                finding.order = 1
                finding.recordId = rev.recordId
                let (objects, records) = rev.references(id: id.hex)
                finding.names = objects
                finding.records = records
            case .signature:
                finding.order = 2
                finding.names = [(try signedRevision(id, try store.read(id)), "the revision signed by signature \(id.hex)")]
            default:
                break
            }
        } catch {
            if h.kind == .manifest {
                finding.problem = (.malformed, "manifest is not valid JSON of type \(Manifest.typeName)")
            } else if h.kind == .signature {
                finding.problem = (.malformed, "not a detached CMS signature over a revision")
            } else {
                finding.problem = (.unreadable, "\(error)")
            }
        }
        return finding
    }
}

/// What fsck learnt of one object file.
private struct FsckFinding: Sendable {
    var problem: (ObjectProblem, String)? = nil
    var storedSize: UInt64 = 0
    var kind: String? = nil
    /// The record a revision belongs to.
    var recordId: String? = nil
    /// Objects it names (id, why), and records it names (record id, why).
    var names = [(String, String)]()
    var records = [(String, String)]()
    /// Manifests first, then revisions, then signatures: the first to name a lost object describes it.
    var order = 3
}

/// The checks between objects: what sound objects name must be there, and the index must list what the store holds.
private struct FsckGraph {
    let files: [ObjectFile]
    let findings: [FsckFinding]
    let relative: (String) -> String
    var damaged = [ObjectDamage]()
    var missing = [ObjectDamage]()
    /// Ids already accounted for: present in the store, or reported missing once.
    var present: Set<String>

    init(files: [ObjectFile], findings: [FsckFinding], relative: @escaping (String) -> String) {
        self.files = files
        self.findings = findings
        self.relative = relative
        present = Set(zip(files, findings).compactMap { f, _ in f.wellPlaced ? f.id?.hex : nil })
        for (f, finding) in zip(files, findings) {
            if let (problem, detail) = finding.problem {
                damaged.append(ObjectDamage(path: relative(f.path), id: f.id?.hex, problem: problem.rawValue, detail: detail))
            }
        }
    }

    /// A dangling reference is a loss, reported once per lost object.
    mutating func lost(_ id: String, _ detail: String) {
        guard !present.contains(id), let oid = ObjectID(hex: id) else { return }
        missing.append(ObjectDamage(path: "objects/\(oid.shard)/\(oid.hex)", id: oid.hex, problem: "missing", detail: detail))
        present.insert(id)
    }

    /// Objects and records that sound objects name, by the first thing found naming them (manifests first: they
    /// say the file's name).
    mutating func followNames() {
        let ordered = zip(files, findings).filter { $0.1.problem == nil }.sorted { ($0.1.order, $0.0.path) < ($1.1.order, $1.0.path) }
        for (_, finding) in ordered {
            for (id, why) in finding.names { lost(id, why) }
        }
        // Records named by record id (an appendix's ledger): any revision of the record will do.
        let recordIds = Set(findings.compactMap(\.recordId))
        var reported = Set<String>()
        for (f, finding) in ordered {
            for (recordId, why) in finding.records where !recordIds.contains(recordId) && reported.insert(recordId).inserted {
                damaged.append(
                    ObjectDamage(path: "record \(recordId)", id: nil, problem: "dangling", detail: why + " (in \(relative(f.path)))"))
            }
        }
    }

    /// Rows whose objects the store lacks are lost objects (a rebuild would forget them, not find them); a kind the
    /// index knows otherwise than the header says is damage too (a version 1 header has no check of its own, so
    /// the index is the only other witness of its kind).
    mutating func compare(index indexed: [ObjectRow]) -> IndexCheck {
        let sound = Set(zip(files, findings).compactMap { f, finding in finding.problem == nil ? f.id?.hex : nil })
        let headerKind = Dictionary(
            zip(files, findings).compactMap { f, finding in finding.kind.flatMap { k in f.id.map { ($0.hex, k) } } },
            uniquingKeysWith: { a, _ in a })
        for row in indexed {
            lost(row.id, "listed by the index as a \(row.kind) object")
            if let k = headerKind[row.id], k != row.kind, sound.contains(row.id), let oid = ObjectID(hex: row.id) {
                damaged.append(
                    ObjectDamage(
                        path: "objects/\(oid.shard)/\(oid.hex)", id: row.id, problem: "kind",
                        detail: "its header says '\(k)', the index '\(row.kind)'"))
            }
        }
        let indexedIDs = Set(indexed.map(\.id))
        let onDisk = Set(files.compactMap { $0.wellPlaced ? $0.id?.hex : nil })
        return IndexCheck(
            notIndexed: onDisk.subtracting(indexedIDs).count, indexedButAbsent: indexedIDs.subtracting(onDisk).count,
            upToDate: onDisk == indexedIDs)
    }
}
