import CHosoSys
import HosoCore
import HosoPrimitives

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Staging and committing objects: the write path.
extension ObjectStore {
    // MARK: - Writing

    /// Streams `expectedSize` bytes from `source` into a temporary object file, hashing as it goes.
    /// `source` fills the buffer it is given and returns the count, 0 at the end; it throws its own errors.
    /// Fails with `inputChanged` if the source yields a different number of bytes than expected.
    /// With `durable`, the temporary file is synced (and its shard directory exists) before this returns, so that
    /// `commit` only renames it: work that stages ahead — other threads, another core while the caller still checks
    /// whether to commit — waits for the disk there instead of in `commit`. `discard` still removes it.
    public func stage(
        kind: ObjectKind, expectedSize: UInt64, sourceName: String, compression: CompressionHint = .measure,
        durable: Bool = false,
        source: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> StagedObject {
        let tmp = tmpDir + "/" + randomTempName()
        let action = LocalizedText(vi: "ghi vào kho (\(tmpDir))", en: "writing it into the archive (\(tmpDir))")
        let out: FileHandleFD
        do {
            out = try FileHandleFD.open(tmp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o444, action: action)
        } catch let e as HosoError {
            throw HosoError(e.code, e.message, location: sourceName, cause: e.cause)
        }
        do {
            var staged = try writeStaged(
                out: out, tmp: tmp, kind: kind, expectedSize: expectedSize,
                sourceName: sourceName, compression: compression, source: source)
            if durable {
                try out.sync()
                // An archive made before shard directories were made with it: all of them now, with one sync.
                if access(objectsDir + "/" + staged.object.id.shard, F_OK) != 0 { try makeShardDirectories() }
                staged.synced = true
            } else if expectedSize >= UInt64(Self.chunkSize) {
                // Large objects start reaching the disk now, while the next is read; a small one is synced right
                // away at commit, and asking twice only costs another round trip to the disk.
                hoso_start_writeback(out.fd)
            }
            return staged
        } catch {
            _ = unlink(tmp)
            if let e = error as? Errno { throw HosoError.fromErrno(e.code, path: sourceName, action: action) }
            throw error
        }
    }

    /// Stages bytes already in memory.
    public func stage(
        bytes: [UInt8], kind: ObjectKind, compression: CompressionHint = .measure,
        durable: Bool = false
    ) throws -> StagedObject {
        var offset = 0
        return try stage(
            kind: kind, expectedSize: UInt64(bytes.count), sourceName: "<memory>", compression: compression,
            durable: durable
        ) { buf in
            let n = min(buf.count, bytes.count - offset)
            if n > 0 {
                bytes.withUnsafeBytes { src in
                    buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<(offset + n)]))
                }
            }
            offset += n
            return n
        }
    }

    private func writeStaged(
        out: FileHandleFD, tmp: String, kind: ObjectKind, expectedSize: UInt64,
        sourceName: String, compression: CompressionHint,
        source: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> StagedObject {
        let hasher = SHA256()
        // A small object gets a buffer of its size (one byte more shows a source that grew): zeroing a whole chunk
        // for a revision of a few kilobytes was most of the cost of storing it.
        let bufferSize = expectedSize < UInt64(Self.chunkSize) ? Int(expectedSize) + 1 : Self.chunkSize
        var chunk = [UInt8](repeating: 0, count: bufferSize)
        // Fill the first chunk: small objects are decided and written in one go.
        let first = try Self.fill(&chunk, from: source)
        let changed = HosoError(
            .inputChanged,
            LocalizedText(
                vi: "Tệp đã thay đổi trong khi đang đọc; không lưu gì từ tệp này",
                en: "The file changed while it was being read; nothing of it was stored"),
            location: sourceName)
        var writer = StagingWriter(out: out)
        let header: ObjectHeader
        let size: UInt64
        if first < chunk.count {
            // The whole content is in memory: measure what compression gives, keep the smaller.
            guard UInt64(first) == expectedSize else { throw changed }
            header = try writeWhole(chunk, count: first, kind: kind, compression: compression, hasher: hasher, to: &writer)
            size = UInt64(first)
        } else {
            // Large content: decide from a sample, then stream chunk by chunk.
            (header, size) = try writeStreaming(
                &chunk, first: first, kind: kind, expectedSize: expectedSize,
                compression: compression, hasher: hasher, changed: changed,
                source: source, to: &writer)
        }
        let obj = StoredObject(
            id: ObjectID(digest: hasher.finalize()), kind: kind, encoding: header.encoding,
            size: size, storedSize: writer.stored)
        return StagedObject(object: obj, tempPath: tmp)
    }

    /// Fills `chunk` from `source` until it is full or the source ends; returns how many bytes it holds.
    private static func fill(_ chunk: inout [UInt8], from source: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Int {
        var filled = 0
        try chunk.withUnsafeMutableBytes { buf in
            while filled < buf.count {
                let n = try source(UnsafeMutableRawBufferPointer(rebasing: buf[filled...]))
                if n == 0 { break }
                filled += n
            }
        }
        return filled
    }

    /// Content held whole in memory (the first `count` bytes of `chunk`): hashes it, then writes the header and
    /// the smaller of the content and its compressed form.
    private func writeWhole(
        _ chunk: [UInt8], count first: Int, kind: ObjectKind, compression: CompressionHint,
        hasher: SHA256, to writer: inout StagingWriter
    ) throws -> ObjectHeader {
        var compressed: [UInt8]? = nil
        try chunk.withUnsafeBytes { all in
            let body = UnsafeRawBufferPointer(rebasing: all[0..<first])
            hasher.update(body)
            compressed = try compressedIfWorthIt(body, compression: compression)
        }
        let header = ObjectHeader(kind: kind, encoding: compressed == nil ? .raw : .zlib, size: UInt64(first))
        try header.encoded.withUnsafeBytes { try writer.emit($0) }
        if let compressed {
            try compressed.withUnsafeBytes { try writer.emit($0) }
        } else {
            try chunk.withUnsafeBytes { try writer.emit(UnsafeRawBufferPointer(rebasing: $0[0..<first])) }
        }
        return header
    }

    /// The compress-or-not decision for content held whole in memory: its level-6 compressed form when that saves
    /// enough, nil to store it as it is.
    private func compressedIfWorthIt(_ body: UnsafeRawBufferPointer, compression: CompressionHint) throws -> [UInt8]? {
        let first = body.count
        guard compression == .measure, first >= 64 else { return nil }
        // Content no larger than a sample is its own trial: one pass at level 6 (two passes, sample then
        // the whole, were most of the cost of storing a small record).
        if first <= Self.sampleSize || sampleSaysCompressible(body) {
            let z = try Deflater.compress(body, level: 6)
            if Double(z.count) <= Double(first) * Self.worthRatio { return z }
        }
        return nil
    }

    /// Content larger than a chunk, whose first chunk (`first` bytes) is already in `chunk`: decides compression
    /// from a sample, writes the header, then hashes and writes chunk by chunk until the source ends.
    /// Returns the header and the content's size (`expectedSize`, or `changed` is thrown).
    private func writeStreaming(
        _ chunk: inout [UInt8], first: Int, kind: ObjectKind, expectedSize: UInt64,
        compression: CompressionHint, hasher: SHA256, changed: HosoError,
        source: (UnsafeMutableRawBufferPointer) throws -> Int,
        to writer: inout StagingWriter
    ) throws -> (ObjectHeader, UInt64) {
        let compress =
            compression == .measure
            && chunk.withUnsafeBytes { sampleSaysCompressible(UnsafeRawBufferPointer(rebasing: $0[0..<first])) }
        let header = ObjectHeader(kind: kind, encoding: compress ? .zlib : .raw, size: expectedSize)
        try header.encoded.withUnsafeBytes { try writer.emit($0) }
        // Level 1: on large scans it keeps nearly all of level 6's gain at several times the speed.
        let deflater = compress ? Deflater(level: 1) : nil
        var outBuf = [UInt8]()
        outBuf.reserveCapacity(Self.chunkSize)
        func flushOut() throws {
            if !outBuf.isEmpty {
                try outBuf.withUnsafeBytes { try writer.emit($0) }
                outBuf.removeAll(keepingCapacity: true)
            }
        }
        var total: UInt64 = 0
        var filled = first
        while true {
            try chunk.withUnsafeBytes { all in
                let body = UnsafeRawBufferPointer(rebasing: all[0..<filled])
                hasher.update(body)
                if let deflater {
                    try deflater.process(body, finish: false) { produced in
                        outBuf.append(contentsOf: produced)
                        if outBuf.count >= Self.chunkSize { try flushOut() }
                    }
                } else {
                    try writer.emit(body)
                }
            }
            total += UInt64(filled)
            if total > expectedSize { throw changed }
            filled = try Self.fill(&chunk, from: source)
            if filled == 0 { break }
        }
        guard total == expectedSize else { throw changed }
        if let deflater {
            try deflater.process(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) { outBuf.append(contentsOf: $0) }
            try flushOut()
        }
        return (header, total)
    }

    /// Trial-compresses up to `sampleSize` bytes at level 1: measuring beats guessing from file names,
    /// since a scan may be an uncompressed TIFF as easily as a JPEG.
    private func sampleSaysCompressible(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = min(bytes.count, Self.sampleSize)
        guard n > 0, let z = try? Deflater.compress(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), level: 1) else {
            return false
        }
        return Double(z.count) <= Double(n) * Self.worthRatio
    }

    /// Every shard directory (00…ff), with one sync of objects/: made when an archive is made, so that storing
    /// an object never has to make and sync one on the way to its commit.
    public func makeShardDirectories() throws {
        let action = LocalizedText(vi: "tạo thư mục con của kho", en: "making the store's shard directories")
        for i in 0..<256 {
            let dir = objectsDir + "/" + Hex.encode([UInt8(i)])
            if mkdir(dir, 0o755) != 0 && errno != EEXIST { throw HosoError.fromErrno(errno, path: dir, action: action) }
        }
        try fsyncDirectory(objectsDir)
    }

    /// Makes staged objects durable and visible under their names. Returns, per object, whether it was new.
    /// Order: the data of every temporary file reaches the disk (one filesystem sync), then each is renamed
    /// into place, then the directories are synced. A crash at any instant leaves each object either absent
    /// or complete under its final name; temporary files left behind are removed later.
    @discardableResult
    public func commit(_ staged: [StagedObject]) throws -> [Bool] {
        guard !staged.isEmpty else { return [] }
        let unsynced = staged.filter { !$0.synced }
        if unsynced.isEmpty {
            // Staged durably: their data is on the disk already.
        } else if unsynced.count <= 8 {
            // A few objects: an fsync of each is cheaper than syncing the whole filesystem, which also flushes
            // whatever other programs have written.
            for s in unsynced {
                let h = try FileHandleFD.open(
                    s.tempPath, flags: O_RDONLY,
                    action:
                        LocalizedText(vi: "mở đối tượng tạm", en: "opening a temporary object"))
                do { try h.sync() } catch let e as Errno {
                    throw HosoError.fromErrno(
                        e.code, path: s.tempPath,
                        action: LocalizedText(vi: "đồng bộ đối tượng", en: "syncing an object"))
                }
            }
        } else {
            try syncFilesystem(of: tmpDir)
        }
        var isNew = [Bool]()
        var touched = Set<String>()
        var createdShard = false
        let action = LocalizedText(vi: "đưa đối tượng vào kho", en: "moving an object into the store")
        for s in staged {
            let final = path(of: s.object.id)
            // An object already there is kept only if it is sound: the same bytes added again replace a damaged
            // file (corrupt, truncated, a flipped header), which is how a loss found by `fsck` is repaired.
            if access(final, F_OK) == 0 && isSound(final, s.object.id) {
                _ = unlink(s.tempPath)
                isNew.append(false)
                continue
            }
            let shardDir = objectsDir + "/" + s.object.id.shard
            if mkdir(shardDir, 0o755) == 0 {
                createdShard = true
            } else if errno != EEXIST {
                throw HosoError.fromErrno(errno, path: shardDir, action: action)
            }
            if rename(s.tempPath, final) != 0 { throw HosoError.fromErrno(errno, path: final, action: action) }
            notePublished()
            touched.insert(shardDir)
            isNew.append(true)
        }
        if touched.count > 8 {
            try syncFilesystem(of: objectsDir)
        } else {
            for dir in touched.sorted() { try fsyncDirectory(dir) }
            if createdShard { try fsyncDirectory(objectsDir) }
        }
        journal.record(zip(staged, isNew).filter(\.1).map(\.0.object))
        return isNew
    }

    /// Whether the file at `path` holds `id` undamaged (header, size and content re-checked).
    func isSound(_ path: String, _ id: ObjectID) -> Bool {
        (try? scan(path: path, expected: id) { _ in }) != nil
    }

    /// Removes staged objects that will not be committed.
    public func discard(_ staged: [StagedObject]) {
        for s in staged { _ = unlink(s.tempPath) }
    }

    /// Stores bytes as one object, durably. Returns the object and whether it was new.
    public func put(_ bytes: [UInt8], kind: ObjectKind) throws -> (StoredObject, Bool) {
        let s = try stage(bytes: bytes, kind: kind)
        do {
            let isNew = try commit([s])
            return (s.object, isNew[0])
        } catch {
            discard([s])
            throw error
        }
    }
}

/// Writes a staged object's bytes to its temporary file, counting them (the object's stored size).
struct StagingWriter {
    let out: FileHandleFD
    private(set) var stored: UInt64 = 0

    init(out: FileHandleFD) { self.out = out }

    mutating func emit(_ bytes: UnsafeRawBufferPointer) throws {
        try out.writeAll(bytes)
        stored += UInt64(bytes.count)
    }
}
