import Foundation
import HosoCore
import HosoIndex
import HosoStore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Archive {
    /// When one batch is committed: at most this many bytes or files. Small enough that a crash or an
    /// error late in a huge add keeps the work already done; large enough that the per-batch sync is cheap.
    public static let batchBytes: UInt64 = 256 << 20
    /// At most this many files in one batch.
    public static let batchFiles = 2000

    /// Adds files and directories. First every argument is checked (missing, unreadable, loops, duplicates,
    /// special files); if anything is wrong, every problem is reported and nothing changes. Then files are
    /// stored in batches; each batch becomes durable and visible at once, with a manifest naming its files.
    /// If a file fails while being read (it changed, the disk is full), that batch is dropped and the add
    /// stops: `HosoProblems` is thrown with the problems, and `partial` gets what earlier batches stored.
    public func add(
        _ paths: [String], kind: ObjectKind = .blob, batchFiles: Int = Archive.batchFiles,
        progress: (@Sendable (AddProgress) -> Void)? = nil,
        partial: ((AddReport) -> Void)? = nil
    ) throws -> AddReport {
        // Manifests and record revisions are written by hoso itself, after validation; a file passed off
        // as one would bypass that (records: `hoso record new`, `hoso ledger import`).
        if kind == .manifest || kind == .record {
            throw HosoError(
                .invalidKind, .both("Loại '\(kind)' dành riêng cho hoso", "The kind '\(kind)' is reserved for hoso itself"),
                location: kind.rawValue)
        }
        guard let archiveReal = realPath(root) else {
            throw HosoError(.archiveNotFound, .both("Không tìm thấy kho", "Archive not found"), location: root)
        }
        var walker = InputWalker(archiveRealPath: archiveReal)
        walker.walk(paths)
        if !walker.problems.isEmpty { throw HosoProblems(walker.problems) }
        cleanLeftovers()

        let files = walker.files
        let totalBytes = files.reduce(UInt64(0)) { $0 + $1.size }
        let counters = Mutex((files: 0, bytes: UInt64(0)))
        var report = AddReport(entries: [], manifests: [], notStored: [])
        var start = 0
        while start < files.count {
            var end = start
            var bytes: UInt64 = 0
            while end < files.count && end - start < max(1, batchFiles) && (end == start || bytes + files[end].size <= Self.batchBytes) {
                bytes += files[end].size
                end += 1
            }
            let batch = Array(files[start..<end])
            do {
                let totalFiles = files.count
                try addBatch(batch, kind: kind, report: &report) { doneBytes, doneFiles in
                    let p = counters.withLock { c -> AddProgress in
                        c.bytes += doneBytes
                        c.files += doneFiles
                        return AddProgress(files: c.files, totalFiles: totalFiles, bytes: c.bytes, totalBytes: totalBytes)
                    }
                    progress?(p)
                }
            } catch {
                report.notStored = files[start...].map(\.sourcePath)
                partial?(report)
                throw error
            }
            start = end
        }
        return report
    }

    private func addBatch(
        _ batch: [InputFile], kind: ObjectKind, report: inout AddReport,
        tick: @Sendable (UInt64, Int) -> Void
    ) throws {
        let store = self.store
        let results = Mutex([Result<StagedObject, HosoError>?](repeating: nil, count: batch.count))
        let next = Mutex(0)
        // Two workers (or as many cores as there are) pull files; big and small files balance themselves.
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, batch.count, 4))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.withLock { n -> Int in
                    defer { n += 1 }
                    return n
                }
                if i >= batch.count { return }
                if results.withLock({
                    $0.contains {
                        if case .failure = $0 { return true }
                        return false
                    }
                }) {
                    return
                }
                let r = Result { try fileStore().stage(file: batch[i], kind: kind, tick: tick) }
                    .mapError {
                        $0 as? HosoError
                            ?? HosoError(
                                .internalError, .both("Lỗi nội bộ", "Internal error"),
                                location: batch[i].sourcePath, cause: "\($0)")
                    }
                results.withLock { $0[i] = r }
            }
        }
        let all = results.withLock { $0 }
        let staged = all.compactMap { r -> StagedObject? in
            if case .success(let s) = r { return s }
            return nil
        }
        let failures = all.compactMap { r -> HosoError? in
            if case .failure(let e) = r { return e }
            return nil
        }
        if !failures.isEmpty || staged.count != batch.count {
            store.discard(staged)
            throw HosoProblems(failures)
        }
        // The commit, its manifest and its index rows under the write lock (the files were read and staged before).
        try writing { try commitBatch(batch, staged: staged, report: &report) }
    }

    private func commitBatch(_ batch: [InputFile], staged: [StagedObject], report: inout AddReport) throws {
        let isNew: [Bool]
        do { isNew = try store.commit(staged) } catch {
            store.discard(staged)
            throw error
        }
        // Name the files in a manifest, unless an earlier manifest already names each (path, content) pair.
        let pairs = zip(batch, staged).map { (path: $0.name, objectId: $1.object.id.hex) }
        let known = try index.knownNames(pairs)
        let fresh = zip(batch, staged).filter { !known.contains($0.name + "\u{0}" + $1.object.id.hex) }
        var objects = staged.map(\.object)
        var manifestRow: ManifestRow? = nil
        var names = [NameRow]()
        if !fresh.isEmpty {
            let addedAt = HosoClock.format(clock.now())
            let manifest = Manifest(
                addedAt: addedAt,
                entries: fresh.map {
                    Manifest.Entry(path: $0.name, id: $1.object.id, kind: $1.object.kind, size: $1.object.size)
                })
            let (m, _) = try store.put(try manifest.encoded(), kind: .manifest)
            objects.append(m)
            manifestRow = ManifestRow(id: m.id.hex, addedAt: addedAt)
            names = manifest.entries.map { NameRow(manifestId: m.id.hex, objectId: $0.id.hex, path: $0.path, size: Int64($0.size)) }
            report.manifests.append(m.id.hex)
        }
        try index.record(objects: objects, manifest: manifestRow, names: names)
        for (i, s) in staged.enumerated() {
            let o = s.object
            report.entries.append(
                AddedEntry(
                    path: batch[i].name, id: o.id.hex, kind: o.kind.rawValue, size: o.size,
                    stored: o.storedSize, encoding: o.encoding.rawValue, new: isNew[i]))
        }
    }
}
