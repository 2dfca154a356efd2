import Foundation
import HosoCore
import HosoIndex
import HosoRecords
import HosoStore
import Synchronization

extension Archive {
    /// Re-hashes every object file; reports corrupt, truncated, malformed, unreadable, misplaced and stray
    /// files, objects that manifests name but the store lacks, and whether the index matches the store.
    /// Read-only: it repairs nothing.
    public func fsck(progress: (@Sendable (FsckProgress) -> Void)? = nil) throws -> FsckReport {
        let store = self.store
        let files = try store.objectFiles()
        let results = Mutex([(ObjectProblem, String)?](repeating: nil, count: files.count))
        let next = Mutex(0)
        let done = Mutex((objects: 0, bytes: UInt64(0)))
        let manifestIDs = Mutex([ObjectID]())
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.withLock { n -> Int in
                    defer { n += 1 }
                    return n
                }
                if i >= files.count { return }
                var problem = store.check(files[i])
                var size: UInt64 = 0
                if problem == nil, let id = files[i].id, let h = try? store.header(of: id) {
                    size = h.storedSize
                    if h.kind == .manifest { manifestIDs.withLock { $0.append(id) } }
                    // A record revision must be a valid envelope in canonical form, or its id means nothing.
                    if h.kind == .record {
                        do { _ = try Revision.decode(try store.read(id), source: id.hex) } catch let e as HosoError {
                            problem = (.malformed, "not a valid canonical revision: " + e.text(.en))
                        } catch let e as HosoProblems {
                            problem = (.malformed, "not a valid canonical revision: " + (e.problems.first?.text(.en) ?? ""))
                        } catch {
                            problem = (.malformed, "not a valid canonical revision")
                        }
                    }
                }
                results.withLock { $0[i] = problem }
                let p = done.withLock { d -> FsckProgress in
                    d.objects += 1
                    d.bytes += size
                    return FsckProgress(objects: d.objects, totalObjects: files.count, bytes: d.bytes)
                }
                progress?(p)
            }
        }
        let problems = results.withLock { $0 }
        var damaged = [ObjectDamage]()
        for (f, p) in zip(files, problems) {
            let rel = String(f.path.dropFirst(root.count + 1))
            if let (problem, detail) = p {
                damaged.append(ObjectDamage(path: rel, id: f.id?.hex, problem: problem.rawValue, detail: detail))
            }
        }
        // Every object a sound manifest names must be present.
        var missing = [ObjectDamage]()
        var present = Set(files.compactMap { $0.wellPlaced ? $0.id?.hex : nil })
        for mid in manifestIDs.withLock({ $0 }).sorted() {
            guard let m = try? Manifest.decode(try store.read(mid), id: mid) else {
                damaged.append(
                    ObjectDamage(
                        path: String(store.path(of: mid).dropFirst(root.count + 1)), id: mid.hex,
                        problem: ObjectProblem.malformed.rawValue, detail: "manifest is not valid JSON of type \(Manifest.typeName)"))
                continue
            }
            for e in m.entries where !present.contains(e.id.hex) {
                missing.append(
                    ObjectDamage(
                        path: "objects/\(e.id.shard)/\(e.id.hex)", id: e.id.hex, problem: "missing",
                        detail: "named '\(e.path)' by manifest \(mid.hex)"))
                present.insert(e.id.hex)  // report each lost object once
            }
        }
        let indexed = try index.allIDs()
        let onDisk = Set(files.compactMap { $0.wellPlaced ? $0.id?.hex : nil })
        let check = IndexCheck(
            notIndexed: onDisk.subtracting(indexed).count,
            indexedButAbsent: indexed.subtracting(onDisk).count,
            upToDate: onDisk == indexed)
        let totalBytes = done.withLock { $0.bytes }
        return FsckReport(
            ok: damaged.isEmpty && missing.isEmpty, objects: files.count, bytes: totalBytes,
            damaged: damaged, missing: missing, index: check,
            temporaryFiles: store.temporaryFiles().count)
    }
}
