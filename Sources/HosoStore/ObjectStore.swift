import CHosoSys
import HosoCore
import HosoPrimitives
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// Why a shard directory could not be listed (its objects cannot be checked); nil for a listed entry.
    public var unlisted: String? = nil
}

/// The content-addressed store: immutable objects named by SHA-256, sharded by the first two hex digits,
/// compressed only where it pays, written atomically and durably, re-checked on every read.
public final class ObjectStore: Sendable {
    public let root: String
    /// New objects of the write under way, for the transparency log.
    public let journal = NewObjectJournal()

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

    /// New object files made visible by this instance (renamed into place): a failed write that moved it has
    /// changed the archive, one that did not has changed nothing.
    private let publishedCount = Atomic<Int>(0)
    public var published: Int { publishedCount.load(ordering: .relaxed) }
    func notePublished() { publishedCount.add(1, ordering: .relaxed) }

    public init(root: String) {
        self.root = root
    }

    public func path(of id: ObjectID) -> String { objectsDir + "/" + id.shard + "/" + id.hex }

    public func exists(_ id: ObjectID) -> Bool { access(path(of: id), F_OK) == 0 }

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
                result.append(
                    ObjectFile(
                        path: shardPath, id: nil, wellPlaced: false,
                        isDirectory: (st.st_mode & S_IFMT) == S_IFDIR))
                continue
            }
            // An unreadable shard is reported (by `check`) and the listing goes on with the others.
            let names: [String]
            do { names = try listDirectory(shardPath) } catch {
                let cause = (error as? HosoError)?.cause ?? "\(error)"
                result.append(ObjectFile(path: shardPath, id: nil, wellPlaced: false, isDirectory: true, unlisted: cause))
                continue
            }
            for name in names {
                let p = shardPath + "/" + name
                var fst = stat()
                let isDir = lstat(p, &fst) == 0 && (fst.st_mode & S_IFMT) == S_IFDIR
                let isReg = (fst.st_mode & S_IFMT) == S_IFREG
                let id = ObjectID(hex: name)
                let well = id != nil && name == id!.hex && id!.shard == shard && isReg
                result.append(
                    ObjectFile(
                        path: p, id: id.flatMap { name == $0.hex && isReg ? $0 : nil },
                        wellPlaced: well, isDirectory: isDir))
            }
        }
        return result
    }

    /// Re-hashes one file of the store; nil means it is sound.
    public func check(_ file: ObjectFile) -> (ObjectProblem, String)? {
        if let cause = file.unlisted { return (.unreadable, "the shard directory cannot be read: " + cause) }
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
