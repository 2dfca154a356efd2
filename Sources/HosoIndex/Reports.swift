import Foundation

// What the archive reports from its index (HosoKit's `Archive.list`, `info`, `reindex`, `conflicts`).

/// One object with the names it was added under.
public struct ObjectListing: Codable, Sendable, Equatable {
    public var id: String
    public var kind: String
    public var size: Int64
    public var stored: Int64
    public var encoding: String
    public var names: [String]

    public init(
        id: String,
        kind: String,
        size: Int64,
        stored: Int64,
        encoding: String,
        names: [String]
    ) {
        self.id = id
        self.kind = kind
        self.size = size
        self.stored = stored
        self.encoding = encoding
        self.names = names
    }
}

/// What the store and the index know of one object.
public struct ObjectInfo: Codable, Sendable, Equatable {
    public var id: String
    public var kind: String
    public var size: UInt64
    public var stored: UInt64
    public var encoding: String
    public var file: String
    public var names: [NameEntry]
    /// For a manifest: the objects it lists.
    public var entries: [ManifestEntryInfo]?
    /// For a record revision: its record, parents, author, time and reason.
    public var revision: RevisionRow?

    public init(
        id: String,
        kind: String,
        size: UInt64,
        stored: UInt64,
        encoding: String,
        file: String,
        names: [NameEntry],
        entries: [ManifestEntryInfo]? = nil,
        revision: RevisionRow? = nil
    ) {
        self.id = id
        self.kind = kind
        self.size = size
        self.stored = stored
        self.encoding = encoding
        self.file = file
        self.names = names
        self.entries = entries
        self.revision = revision
    }
}

/// One name a manifest gives an object.
public struct ManifestEntryInfo: Codable, Sendable, Equatable {
    public var path: String
    public var id: String
    public var size: Int64

    public init(
        path: String,
        id: String,
        size: Int64
    ) {
        self.path = path
        self.id = id
        self.size = size
    }
}

/// What rebuilding the index from the objects found.
public struct ReindexReport: Codable, Sendable, Equatable {
    public var objects: Int
    public var manifests: Int
    public var names: Int
    public var revisions: Int
    /// Files that could not be indexed (bad header, unreadable manifest); `fsck` says more.
    public var skipped: [String]

    public init(
        objects: Int,
        manifests: Int,
        names: Int,
        revisions: Int,
        skipped: [String]
    ) {
        self.objects = objects
        self.manifests = manifests
        self.names = names
        self.revisions = revisions
        self.skipped = skipped
    }
}

/// A record whose revisions diverged offline: its heads.
public struct RecordConflict: Codable, Sendable, Equatable {
    public var recordId: String
    public var heads: [String]

    public init(
        recordId: String,
        heads: [String]
    ) {
        self.recordId = recordId
        self.heads = heads
    }
}
