import Foundation

// What the archive's sync workflows report (HosoKit's bundles, intake and sync status).

/// What arrived from a peer and was committed.
public struct IntakeResult: Codable, Sendable, Equatable {
    public var objects = 0
    public var newObjects = 0
    public var revisions = 0
    public var signatures = 0
    public var timestamped = 0

    public init() {}
}

/// A bundle written for a peer.
public struct BundleCreated: Codable, Sendable {
    public var id: String
    public var file: String
    public var to: String
    public var sequence: Int
    public var objects: Int
    /// Object content carried (uncompressed).
    public var bytes: UInt64
    /// Size of the bundle file.
    public var fileBytes: UInt64
    public var compressed: Bool
    public var acknowledges: Int

    public init(
        id: String,
        file: String,
        to: String,
        sequence: Int,
        objects: Int,
        bytes: UInt64,
        fileBytes: UInt64,
        compressed: Bool,
        acknowledges: Int
    ) {
        self.id = id
        self.file = file
        self.to = to
        self.sequence = sequence
        self.objects = objects
        self.bytes = bytes
        self.fileBytes = fileBytes
        self.compressed = compressed
        self.acknowledges = acknowledges
    }
}

/// Sync with one peer: the last exchange and what waits to go out.
public struct PeerSyncStatus: Codable, Sendable, Equatable {
    public var peer: Peer
    /// When sync state with the peer last changed (a bundle made or imported, an HTTP exchange), or nil if never.
    public var lastSync: String?
    /// The newest signed HTTP request seen from the peer (when it synced with this node).
    public var lastRequestFromPeer: String?
    /// The sequence number of the last bundle made for the peer and of the last one imported from it.
    public var lastBundleSent: Int
    public var lastBundleImported: Int
    /// Objects the peer has acknowledged (or sent us).
    public var acknowledged: Int
    /// Objects sent in bundles the peer has not acknowledged yet (they go again in the next one).
    public var unacknowledged: Int
    /// What the next bundle or HTTP sync would send: objects and bytes.
    public var waitingObjects: Int
    public var waitingBytes: UInt64

    public init(
        peer: Peer,
        lastSync: String? = nil,
        lastRequestFromPeer: String? = nil,
        lastBundleSent: Int,
        lastBundleImported: Int,
        acknowledged: Int,
        unacknowledged: Int,
        waitingObjects: Int,
        waitingBytes: UInt64
    ) {
        self.peer = peer
        self.lastSync = lastSync
        self.lastRequestFromPeer = lastRequestFromPeer
        self.lastBundleSent = lastBundleSent
        self.lastBundleImported = lastBundleImported
        self.acknowledged = acknowledged
        self.unacknowledged = unacknowledged
        self.waitingObjects = waitingObjects
        self.waitingBytes = waitingBytes
    }
}

/// This node and the state of sync with each peer.
public struct SyncStatus: Codable, Sendable, Equatable {
    /// Nil when the archive is not a sync node (`hoso node init`).
    public var node: NodeInfo?
    public var peers: [PeerSyncStatus]

    public init(
        node: NodeInfo? = nil,
        peers: [PeerSyncStatus]
    ) {
        self.node = node
        self.peers = peers
    }
}
