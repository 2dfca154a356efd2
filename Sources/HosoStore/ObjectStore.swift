#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CHosoSys
import HosoCore
import HosoPrimitives

/// An object written to a temporary file and hashed, not yet visible under its name.
public struct StagedObject: Sendable {
    public var object: StoredObject
    public var tempPath: String
    /// The temporary file's data is on the disk already (staged with `durable`): commit only renames it.
    public var synced = false

    public init(object: StoredObject, tempPath: String, synced: Bool = false) {
        self.object = object
        self.tempPath = tempPath
        self.synced = synced
    }
}

/// Whether the store tries to compress an object.
public enum CompressionHint: Sendable {
    /// Measure: a trial on a sample decides (a scan may be an uncompressed TIFF as easily as a JPEG).
    case measure
    /// The content is compressed already (a PDF made by cairo, a JPEG): stored as it is, no trial.
    case storeAsIs
}

/// What `fsck` found wrong with one file of the store.
public enum ObjectProblem: String, Sendable, Codable {
    /// The content does not hash to the file's name.
    case corrupt
    /// The file ends before the content its header promises.
    case truncated
    /// The header line is missing or unreadable.
    case malformed
    /// The file could not be opened or read.
    case unreadable
    /// A well-named object in the wrong shard directory.
    case misplaced
    /// A file or directory under objects/ that is not an object at all.
    case stray
}

/// A file found under objects/ while listing the store.
public struct ObjectFile: Sendable {
    public var path: String
    /// The id its name claims, when the name is a valid id.
    public var id: ObjectID?
    /// True when the name is a valid id and the file sits in the right shard directory.
    public var wellPlaced: Bool
    public var isDirectory: Bool
}

/// The content-addressed store: immutable objects named by SHA-256, sharded by the first two hex digits,
/// compressed only where it pays, written atomically and durably, re-checked on every read.
public final class ObjectStore: Sendable {
    public let root: String

    public var objectsDir: String { root + "/objects" }
    public var tmpDir: String { root + "/tmp" }

    /// Read and write in chunks of this size: memory stays bounded whatever the file size.
    public static let chunkSize = 1 << 20
    /// How much of a file is trial-compressed to decide whether compressing it pays.
    static let sampleSize = 64 << 10
    /// Compress only if it saves at least 10%: below that, decompressing on every read costs more than the bytes saved.
    static let worthRatio = 0.9
    /// Objects up to this size are read into memory by `read` (and by `copy` before any byte is written out).
    public static let inMemoryLimit: UInt64 = 64 << 20

    public init(root: String) {
        self.root = root
    }

    public func path(of id: ObjectID) -> String { objectsDir + "/" + id.shard + "/" + id.hex }

    public func exists(_ id: ObjectID) -> Bool { access(path(of: id), F_OK) == 0 }

    // MARK: - Writing

    /// Streams `expectedSize` bytes from `source` into a temporary object file, hashing as it goes.
    /// `source` fills the buffer it is given and returns the count, 0 at the end; it throws its own errors.
    /// Fails with `inputChanged` if the source yields a different number of bytes than expected.
    /// With `durable`, the temporary file is synced (and its shard directory exists) before this returns, so that
    /// `commit` only renames it: work that stages ahead — other threads, another core while the caller still checks
    /// whether to commit — waits for the disk there instead of in `commit`. `discard` still removes it.
    public func stage(kind: ObjectKind, expectedSize: UInt64, sourceName: String, compression: CompressionHint = .measure,
                      durable: Bool = false,
                      source: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> StagedObject {
        let tmp = tmpDir + "/" + randomTempName()
        let action = LocalizedText(vi: "ghi vào kho (\(tmpDir))", en: "writing it into the archive (\(tmpDir))")
        let out: FileHandleFD
        do {
            out = try FileHandleFD.open(tmp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o444, action: action)
        } catch let e as HosoError {
            throw HosoError(e.code, e.message, location: sourceName, cause: e.cause)
        }
        do {
            var staged = try writeStaged(out: out, tmp: tmp, kind: kind, expectedSize: expectedSize,
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
    public func stage(bytes: [UInt8], kind: ObjectKind, compression: CompressionHint = .measure,
                      durable: Bool = false) throws -> StagedObject {
        var offset = 0
        return try stage(kind: kind, expectedSize: UInt64(bytes.count), sourceName: "<memory>", compression: compression,
                         durable: durable) { buf in
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

    private func writeStaged(out: FileHandleFD, tmp: String, kind: ObjectKind, expectedSize: UInt64,
                             sourceName: String, compression: CompressionHint,
                             source: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> StagedObject {
        let hasher = SHA256()
        // A small object gets a buffer of its size (one byte more shows a source that grew): zeroing a whole chunk
        // for a revision of a few kilobytes was most of the cost of storing it.
        let bufferSize = expectedSize < UInt64(Self.chunkSize) ? Int(expectedSize) + 1 : Self.chunkSize
        var chunk = [UInt8](repeating: 0, count: bufferSize)
        // Fill the first chunk: small objects are decided and written in one go.
        var first = 0
        try chunk.withUnsafeMutableBytes { buf in
            while first < buf.count {
                let n = try source(UnsafeMutableRawBufferPointer(rebasing: buf[first...]))
                if n == 0 { break }
                first += n
            }
        }
        let changed = HosoError(.inputChanged,
                                LocalizedText(vi: "Tệp đã thay đổi trong khi đang đọc; không lưu gì từ tệp này",
                                              en: "The file changed while it was being read; nothing of it was stored"),
                                location: sourceName)
        var stored: UInt64 = 0
        func emit(_ bytes: UnsafeRawBufferPointer) throws {
            try out.writeAll(bytes)
            stored += UInt64(bytes.count)
        }

        if first < chunk.count {
            // The whole content is in memory: measure what compression gives, keep the smaller.
            guard UInt64(first) == expectedSize else { throw changed }
            var compressed: [UInt8]? = nil
            try chunk.withUnsafeBytes { all in
                let body = UnsafeRawBufferPointer(rebasing: all[0..<first])
                hasher.update(body)
                guard compression == .measure, first >= 64 else { return }
                // Content no larger than a sample is its own trial: one pass at level 6 (two passes, sample then
                // the whole, were most of the cost of storing a small record).
                if first <= Self.sampleSize || sampleSaysCompressible(body) {
                    let z = try Deflater.compress(body, level: 6)
                    if Double(z.count) <= Double(first) * Self.worthRatio { compressed = z }
                }
            }
            let header = ObjectHeader(kind: kind, encoding: compressed == nil ? .raw : .zlib, size: UInt64(first))
            try header.encoded.withUnsafeBytes { try emit($0) }
            if let compressed {
                try compressed.withUnsafeBytes { try emit($0) }
            } else {
                try chunk.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<first])) }
            }
            let obj = StoredObject(id: ObjectID(digest: hasher.finalize()), kind: kind, encoding: header.encoding,
                                   size: UInt64(first), storedSize: stored)
            return StagedObject(object: obj, tempPath: tmp)
        }

        // Large content: decide from a sample, then stream chunk by chunk.
        let compress = compression == .measure
            && chunk.withUnsafeBytes { sampleSaysCompressible(UnsafeRawBufferPointer(rebasing: $0[0..<first])) }
        let header = ObjectHeader(kind: kind, encoding: compress ? .zlib : .raw, size: expectedSize)
        try header.encoded.withUnsafeBytes { try emit($0) }
        // Level 1: on large scans it keeps nearly all of level 6's gain at several times the speed.
        let deflater = compress ? Deflater(level: 1) : nil
        var outBuf = [UInt8]()
        outBuf.reserveCapacity(Self.chunkSize)
        func flushOut() throws {
            if !outBuf.isEmpty {
                try outBuf.withUnsafeBytes { try emit($0) }
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
                    try emit(body)
                }
            }
            total += UInt64(filled)
            if total > expectedSize { throw changed }
            filled = 0
            try chunk.withUnsafeMutableBytes { buf in
                while filled < buf.count {
                    let n = try source(UnsafeMutableRawBufferPointer(rebasing: buf[filled...]))
                    if n == 0 { break }
                    filled += n
                }
            }
            if filled == 0 { break }
        }
        guard total == expectedSize else { throw changed }
        if let deflater {
            try deflater.process(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) { outBuf.append(contentsOf: $0) }
            try flushOut()
        }
        let obj = StoredObject(id: ObjectID(digest: hasher.finalize()), kind: kind, encoding: header.encoding,
                               size: total, storedSize: stored)
        return StagedObject(object: obj, tempPath: tmp)
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
                let h = try FileHandleFD.open(s.tempPath, flags: O_RDONLY, action:
                                                LocalizedText(vi: "mở đối tượng tạm", en: "opening a temporary object"))
                do { try h.sync() } catch let e as Errno {
                    throw HosoError.fromErrno(e.code, path: s.tempPath,
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
            if access(final, F_OK) == 0 {
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
            touched.insert(shardDir)
            isNew.append(true)
        }
        if touched.count > 8 {
            try syncFilesystem(of: objectsDir)
        } else {
            for dir in touched.sorted() { try fsyncDirectory(dir) }
            if createdShard { try fsyncDirectory(objectsDir) }
        }
        return isNew
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

    // MARK: - Reading

    /// Reads the header of an object file; cheap, used by `reindex`.
    public func readHeader(atPath path: String) throws -> (ObjectHeader, Int, UInt64) {
        let h = try openObject(path)
        var buf = [UInt8](repeating: 0, count: ObjectHeader.maxLength)
        let n: Int
        do { n = try buf.withUnsafeMutableBytes { try h.readFully(into: $0) } } catch let e as Errno {
            throw unreadable(path, e.code)
        }
        guard let (header, len) = buf.withUnsafeBytes({ ObjectHeader.parse(UnsafeRawBufferPointer(rebasing: $0[0..<n])) })
        else { throw malformed(path) }
        let st: stat
        do { st = try h.stat() } catch let e as Errno { throw unreadable(path, e.code) }
        return (header, len, UInt64(st.st_size))
    }

    public func header(of id: ObjectID) throws -> StoredObject {
        let (h, _, fileSize) = try readHeader(atPath: path(of: id))
        return StoredObject(id: id, kind: h.kind, encoding: h.encoding, size: h.size, storedSize: fileSize)
    }

    /// Streams an object's content to `sink`, re-hashing it; throws `objectCorrupt`/`objectTruncated`/
    /// `objectMalformed` at the first sign of damage. The sink may already have seen some bytes when that
    /// happens: callers that must never hand out wrong bytes use `read` or `copy`, which check first.
    @discardableResult
    public func scan(_ id: ObjectID, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> StoredObject {
        try scan(path: path(of: id), expected: id, sink: sink)
    }

    func scan(path: String, expected: ObjectID,
              sink: (UnsafeRawBufferPointer) throws -> Void) throws -> StoredObject {
        let h = try openObject(path)
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        var n: Int
        do { n = try chunk.withUnsafeMutableBytes { try h.readFully(into: $0) } } catch let e as Errno {
            throw unreadable(path, e.code)
        }
        guard let (header, hlen) = chunk.withUnsafeBytes({ ObjectHeader.parse(UnsafeRawBufferPointer(rebasing: $0[0..<n])) })
        else { throw malformed(path) }
        let hasher = SHA256()
        var produced: UInt64 = 0
        var fileBytes = UInt64(n)
        let inflater = header.encoding == .zlib ? Inflater() : nil
        var start = hlen
        let corrupt = { (detail: String) in
            HosoError(.objectCorrupt,
                      LocalizedText(vi: "Đối tượng bị hỏng: nội dung không khớp mã SHA-256 của nó",
                                    en: "Object is corrupt: its content does not match its SHA-256 name"),
                      location: path, cause: detail)
        }
        while true {
            try chunk.withUnsafeBytes { all in
                let body = UnsafeRawBufferPointer(rebasing: all[start..<n])
                if let inflater {
                    do {
                        try inflater.process(body) { out in
                            produced += UInt64(out.count)
                            if produced > header.size { throw corrupt("more content than the header's \(header.size) bytes") }
                            hasher.update(out)
                            try sink(out)
                        }
                    } catch let e as ZlibDataError {
                        throw corrupt(e.detail)
                    }
                } else {
                    let allowed = Int(min(UInt64(body.count), header.size - min(produced, header.size)))
                    if allowed < body.count { throw corrupt("more content than the header's \(header.size) bytes") }
                    produced += UInt64(body.count)
                    hasher.update(body)
                    try sink(body)
                }
            }
            start = 0
            do { n = try chunk.withUnsafeMutableBytes { try h.readFully(into: $0) } } catch let e as Errno {
                throw unreadable(path, e.code)
            }
            fileBytes += UInt64(n)
            if n == 0 { break }
        }
        let finished = inflater.map { $0.state == .finished } ?? true
        if produced < header.size || !finished {
            throw HosoError(.objectTruncated,
                            LocalizedText(vi: "Đối tượng bị cắt cụt: tệp ngắn hơn nội dung mà đầu tệp ghi",
                                          en: "Object is truncated: the file is shorter than its header says"),
                            location: path, cause: "\(produced) of \(header.size) bytes")
        }
        let actual = ObjectID(digest: hasher.finalize())
        guard actual == expected else { throw corrupt("content hashes to \(actual.hex)") }
        return StoredObject(id: expected, kind: header.kind, encoding: header.encoding, size: produced,
                            storedSize: fileBytes)
    }

    /// The verified content of an object, in memory. Wrong bytes are never returned.
    public func read(_ id: ObjectID, limit: UInt64 = ObjectStore.inMemoryLimit) throws -> [UInt8] {
        let head = try header(of: id)
        guard head.size <= limit else {
            throw HosoError(.objectTooLarge,
                            LocalizedText(vi: "Đối tượng quá lớn để đọc vào bộ nhớ", en: "Object too large to read into memory"),
                            location: id.hex, cause: "\(head.size) > \(limit) bytes")
        }
        var out = [UInt8]()
        out.reserveCapacity(Int(head.size))
        try scan(id) { out.append(contentsOf: $0) }
        return out
    }

    /// Writes an object's verified content to an open file descriptor. Objects up to `inMemoryLimit` are
    /// checked completely before the first byte is written. Larger ones are checked in a first pass and
    /// re-checked while written; damage appearing between the passes still ends with an error.
    public func copy(_ id: ObjectID, to out: FileHandleFD) throws {
        let head = try header(of: id)
        let action = LocalizedText(vi: "ghi nội dung ra", en: "writing the content out")
        do {
            if head.size <= Self.inMemoryLimit {
                let bytes = try read(id)
                try bytes.withUnsafeBytes { try out.writeAll($0) }
            } else {
                try scan(id) { _ in }
                try scan(id) { try out.writeAll($0) }
            }
        } catch let e as Errno {
            throw HosoError.fromErrno(e.code, path: out.path, action: action)
        }
    }

    /// Writes an object's verified content to a new file at `dest`, atomically: the file appears
    /// only once every byte has been checked.
    public func export(_ id: ObjectID, to dest: String) throws {
        let dir = parentDirectory(of: dest)
        let tmp = dir + "/.hoso-" + randomTempName()
        let action = LocalizedText(vi: "ghi tệp xuất", en: "writing the output file")
        do {
            let out = try FileHandleFD.open(tmp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644, action: action)
            do {
                try scan(id) { try out.writeAll($0) }
                try out.sync()
            } catch let e as Errno {
                throw HosoError.fromErrno(e.code, path: dest, action: action)
            }
            if rename(tmp, dest) != 0 { throw HosoError.fromErrno(errno, path: dest, action: action) }
        } catch {
            _ = unlink(tmp)
            throw error
        }
    }

    // MARK: - Listing and checking

    /// Every entry under objects/, well-named or not, in a stable order.
    public func objectFiles() throws -> [ObjectFile] {
        var result = [ObjectFile]()
        for shard in try listDirectory(objectsDir) {
            let shardPath = objectsDir + "/" + shard
            var st = stat()
            guard lstat(shardPath, &st) == 0 else { continue }
            let isShard = shard.utf8.count == 2 && shard.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
            guard (st.st_mode & S_IFMT) == S_IFDIR, isShard else {
                result.append(ObjectFile(path: shardPath, id: nil, wellPlaced: false,
                                         isDirectory: (st.st_mode & S_IFMT) == S_IFDIR))
                continue
            }
            for name in try listDirectory(shardPath) {
                let p = shardPath + "/" + name
                var fst = stat()
                let isDir = lstat(p, &fst) == 0 && (fst.st_mode & S_IFMT) == S_IFDIR
                let isReg = (fst.st_mode & S_IFMT) == S_IFREG
                let id = ObjectID(hex: name)
                let well = id != nil && name == id!.hex && id!.shard == shard && isReg
                result.append(ObjectFile(path: p, id: id.flatMap { name == $0.hex && isReg ? $0 : nil },
                                         wellPlaced: well, isDirectory: isDir))
            }
        }
        return result
    }

    /// Re-hashes one file of the store; nil means it is sound.
    public func check(_ file: ObjectFile) -> (ObjectProblem, String)? {
        guard let id = file.id else {
            return (.stray, file.isDirectory ? "not an object (a directory)" : "not an object: its name is not a SHA-256 id")
        }
        do {
            _ = try scan(path: file.path, expected: id) { _ in }
        } catch let e as HosoError {
            switch e.code {
            case .objectCorrupt: return (.corrupt, e.cause ?? "")
            case .objectTruncated: return (.truncated, e.cause ?? "")
            case .objectMalformed: return (.malformed, e.cause ?? "bad header line")
            default: return (.unreadable, e.cause ?? e.text(.en))
            }
        } catch {
            return (.unreadable, "\(error)")
        }
        if !file.wellPlaced { return (.misplaced, "belongs in objects/\(id.shard)/") }
        return nil
    }

    /// Temporary files left in tmp/ (by a crash, or by a writer still at work).
    public func temporaryFiles() -> [String] {
        ((try? listDirectory(tmpDir)) ?? []).map { tmpDir + "/" + $0 }
    }

    /// Removes every temporary file. Only safe while holding the archive's exclusive lock.
    public func removeTemporaryFiles() -> Int {
        var n = 0
        for p in temporaryFiles() where unlink(p) == 0 { n += 1 }
        return n
    }

    // MARK: - Helpers

    private func openObject(_ path: String) throws -> FileHandleFD {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT {
                let name = String(path.split(separator: "/").last ?? "")
                throw HosoError(.objectNotFound,
                                LocalizedText(vi: "Không có đối tượng này trong kho", en: "No such object in the store"),
                                location: name)
            }
            throw unreadable(path, code)
        }
        return FileHandleFD(fd: fd, path: path)
    }

    private func unreadable(_ path: String, _ code: Int32) -> HosoError {
        HosoError(.objectUnreadable, LocalizedText(vi: "Không đọc được đối tượng", en: "Cannot read the object"),
                  location: path, cause: errnoDescription(code))
    }

    private func malformed(_ path: String) -> HosoError {
        HosoError(.objectMalformed,
                  LocalizedText(vi: "Đầu tệp đối tượng không hợp lệ", en: "The object's header line is not valid"),
                  location: path, cause: "expected '\(ObjectHeader.prefix)<kind> <raw|zlib> <size>'")
    }
}

/// Names in a directory, sorted, without "." and "..".
public func listDirectory(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else {
        throw HosoError.fromErrno(errno, path: path, action: LocalizedText(vi: "đọc thư mục", en: "reading a directory"))
    }
    defer { closedir(dir) }
    var names = [String]()
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}
