import HosoCore

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
