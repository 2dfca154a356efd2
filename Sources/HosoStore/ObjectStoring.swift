import HosoCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the archive needs of a content-addressed object store, wherever the objects are kept: the files of an
/// archive folder (`ObjectStore`, the default for schools and districts) or the tables of the province hub's
/// PostgreSQL (HosoPostgres' `PostgresObjectStore`). Every implementation names an object by the SHA-256 of its
/// content, never shows half an object, re-hashes on every read and fails with the same codes (`objectCorrupt`,
/// `objectTruncated`, `objectMalformed`, `objectNotFound`).
public protocol ObjectStoring: AnyObject, Sendable {
    /// Streams `expectedSize` bytes from `source` into a staged object, hashing them; nothing is visible yet.
    /// `source` fills the buffer it is given and returns the count, 0 at the end.
    func stage(
        kind: ObjectKind, expectedSize: UInt64, sourceName: String, compression: CompressionHint, durable: Bool,
        source: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> StagedObject

    /// Makes staged objects durable and visible under their ids, each whole or not at all. Returns, per object,
    /// whether it was new. The same content committed again is one object (a damaged copy is replaced).
    @discardableResult
    func commit(_ staged: [StagedObject]) throws -> [Bool]

    /// Drops staged objects that will not be committed.
    func discard(_ staged: [StagedObject])

    /// Stores bytes as one object, durably. Returns the object and whether it was new.
    func put(_ bytes: [UInt8], kind: ObjectKind) throws -> (StoredObject, Bool)

    /// The verified content of an object, in memory, checked whole first: wrong bytes are never returned.
    func read(_ id: ObjectID, limit: UInt64) throws -> [UInt8]

    /// Whether an object of this id is stored (not whether it is sound: `check` says that).
    func contains(_ id: ObjectID) throws -> Bool

    /// What the store knows of an object without reading its content.
    func header(of id: ObjectID) throws -> StoredObject

    /// Streams an object's content to `sink`, re-hashing it; throws at the first sign of damage (the sink may have
    /// seen some bytes by then: `read` checks first).
    @discardableResult
    func scan(_ id: ObjectID, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> StoredObject

    /// Every stored object's id, in ascending order, without holding them all in memory.
    func forEachObjectID(_ body: (ObjectID) throws -> Void) throws

    /// Re-hashes one object; nil means it is sound.
    func checkObject(_ id: ObjectID) -> (ObjectProblem, String)?
}

extension ObjectStoring {
    /// Stages bytes already in memory (streamed from memory as a file would be).
    public func stage(
        bytes: [UInt8], kind: ObjectKind, compression: CompressionHint = .measure, durable: Bool = false
    ) throws -> StagedObject {
        var offset = 0
        return try stage(
            kind: kind, expectedSize: UInt64(bytes.count), sourceName: "<memory>", compression: compression, durable: durable
        ) { buf in
            let n = min(buf.count, bytes.count - offset)
            if n > 0 {
                bytes.withUnsafeBytes { src in buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<(offset + n)])) }
            }
            offset += n
            return n
        }
    }

    /// The verified content of an object, in memory, up to the store's usual limit.
    public func read(_ id: ObjectID) throws -> [UInt8] { try read(id, limit: ObjectStore.inMemoryLimit) }

    /// Whether an object of this id is stored; a store that cannot be asked (a lost connection) answers no, as a
    /// missing file does: callers that must tell the two apart use `contains`.
    public func exists(_ id: ObjectID) -> Bool { (try? contains(id)) ?? false }

    /// The verified content of an object, in memory: checked whole before it is returned, so wrong bytes never are.
    public func verifiedContent(of id: ObjectID, limit: UInt64) throws -> [UInt8] {
        let head = try header(of: id)
        guard head.size <= limit else {
            throw HosoError(
                .objectTooLarge,
                LocalizedText(vi: "Đối tượng quá lớn để đọc vào bộ nhớ", en: "Object too large to read into memory"),
                location: id.hex, cause: "\(head.size) > \(limit) bytes")
        }
        var out = [UInt8]()
        out.reserveCapacity(Int(head.size))
        try scan(id) { chunk in
            guard UInt64(out.count + chunk.count) <= limit else {
                throw HosoError(.objectTooLarge, LocalizedText(vi: "Đối tượng quá lớn", en: "Object too large"), location: id.hex)
            }
            out.append(contentsOf: chunk)
        }
        return out
    }

    /// Writes an object's verified content to an open file descriptor. Objects up to `inMemoryLimit` are
    /// checked completely before the first byte is written. Larger ones are checked in a first pass and
    /// re-checked while written; damage appearing between the passes still ends with an error.
    public func copy(_ id: ObjectID, to out: FileHandleFD) throws {
        let head = try header(of: id)
        let action = LocalizedText(vi: "ghi nội dung ra", en: "writing the content out")
        do {
            if head.size <= ObjectStore.inMemoryLimit {
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

    /// Writes an object's verified content to a new file at `dest`, atomically and durably: the file appears
    /// only once every byte has been checked, and stays after a power cut once this returns.
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
        // The name is durable too: a power cut after "written" must not take the file back.
        try fsyncDirectory(dir)
    }

    /// Re-hashes every object; returns the damaged ones with what is wrong.
    public func checkAll() throws -> [(ObjectID, ObjectProblem, String)] {
        var found = [(ObjectID, ObjectProblem, String)]()
        try forEachObjectID { id in
            if let (problem, detail) = checkObject(id) { found.append((id, problem, detail)) }
        }
        return found
    }
}

/// The file store: the archive folder's objects/ directory.
extension ObjectStore: ObjectStoring {
    public func contains(_ id: ObjectID) -> Bool { exists(id) }

    public func forEachObjectID(_ body: (ObjectID) throws -> Void) throws {
        for file in try objectFiles() where file.wellPlaced {
            if let id = file.id { try body(id) }
        }
    }

    public func checkObject(_ id: ObjectID) -> (ObjectProblem, String)? {
        guard exists(id) else { return (.unreadable, "missing") }
        return check(ObjectFile(path: path(of: id), id: id, wellPlaced: true, isDirectory: false))
    }
}

extension ObjectFile {
    /// An object of a store that is not a folder of files (the hub's database), listed as a file would be: always
    /// well placed, named by its table and id.
    package init(id: ObjectID) {
        self.init(path: "hoso_objects/" + id.hex, id: id, wellPlaced: true, isDirectory: false)
    }
}
