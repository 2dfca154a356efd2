import Foundation

// What the archive's store-level workflows report (HosoKit's `Archive.fsck` and `Archive.add`): plain values, so
// every front end shows them the same way.

/// An object file that is damaged, misplaced, stray, or named by a manifest but missing.
public struct ObjectDamage: Codable, Sendable, Equatable {
    /// Path relative to the archive root.
    public var path: String
    public var id: String?
    public var problem: String
    public var detail: String

    public init(
        path: String,
        id: String? = nil,
        problem: String,
        detail: String
    ) {
        self.path = path
        self.id = id
        self.problem = problem
        self.detail = detail
    }
}

/// Whether the index lists exactly the objects the store holds.
public struct IndexCheck: Codable, Sendable, Equatable {
    /// Objects in the store that the index does not list.
    public var notIndexed: Int
    /// Ids the index lists that the store does not hold.
    public var indexedButAbsent: Int
    public var upToDate: Bool

    public init(
        notIndexed: Int,
        indexedButAbsent: Int,
        upToDate: Bool
    ) {
        self.notIndexed = notIndexed
        self.indexedButAbsent = indexedButAbsent
        self.upToDate = upToDate
    }
}

/// What a full check of the store found (`hoso fsck`); read-only.
public struct FsckReport: Codable, Sendable {
    /// True when no object is damaged or missing. An out-of-date index is not damage (`reindex` fixes it).
    public var ok: Bool
    public var objects: Int
    public var bytes: UInt64
    public var damaged: [ObjectDamage]
    /// Objects that a manifest names but the store does not hold: lost data.
    public var missing: [ObjectDamage]
    public var index: IndexCheck
    /// Temporary files in tmp/ (left by a crash or by a writer at work); removed by the next write.
    public var temporaryFiles: Int

    public init(
        ok: Bool,
        objects: Int,
        bytes: UInt64,
        damaged: [ObjectDamage],
        missing: [ObjectDamage],
        index: IndexCheck,
        temporaryFiles: Int
    ) {
        self.ok = ok
        self.objects = objects
        self.bytes = bytes
        self.damaged = damaged
        self.missing = missing
        self.index = index
        self.temporaryFiles = temporaryFiles
    }
}

/// How far a check has got.
public struct FsckProgress: Sendable {
    public var objects: Int
    public var totalObjects: Int
    public var bytes: UInt64

    public init(
        objects: Int,
        totalObjects: Int,
        bytes: UInt64
    ) {
        self.objects = objects
        self.totalObjects = totalObjects
        self.bytes = bytes
    }
}

/// One file stored by an add.
public struct AddedEntry: Codable, Sendable, Equatable {
    public var path: String
    public var id: String
    public var kind: String
    public var size: UInt64
    public var stored: UInt64
    public var encoding: String
    /// False when the archive already held this content.
    public var new: Bool

    public init(
        path: String,
        id: String,
        kind: String,
        size: UInt64,
        stored: UInt64,
        encoding: String,
        new: Bool
    ) {
        self.path = path
        self.id = id
        self.kind = kind
        self.size = size
        self.stored = stored
        self.encoding = encoding
        self.new = new
    }
}

/// What an add stored, batch by batch.
public struct AddReport: Codable, Sendable {
    /// Files stored (committed), in the order they were given.
    public var entries: [AddedEntry]
    /// Manifests written, one per committed batch that added any new name.
    public var manifests: [String]
    /// Files found but not stored because an error stopped the add (nothing of them was kept).
    public var notStored: [String]

    public init(
        entries: [AddedEntry],
        manifests: [String],
        notStored: [String]
    ) {
        self.entries = entries
        self.manifests = manifests
        self.notStored = notStored
    }
}

/// How far an add has got.
public struct AddProgress: Sendable {
    public var files: Int
    public var totalFiles: Int
    public var bytes: UInt64
    public var totalBytes: UInt64

    public init(
        files: Int,
        totalFiles: Int,
        bytes: UInt64,
        totalBytes: UInt64
    ) {
        self.files = files
        self.totalFiles = totalFiles
        self.bytes = bytes
        self.totalBytes = totalBytes
    }
}
