import Foundation
import HosoCore

/// A read-only summary of sync with each peer, for screens (`hoso serve`'s sync page): nothing here changes state.
extension Archive {
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
    }

    public struct SyncStatus: Codable, Sendable, Equatable {
        /// Nil when the archive is not a sync node (`hoso node init`).
        public var node: NodeInfo?
        public var peers: [PeerSyncStatus]
    }

    /// This node and, per peer, the last sync and what is waiting to go out.
    public func syncStatus() throws -> SyncStatus {
        guard access(nodeFile, F_OK) == 0 else { return SyncStatus(node: nil, peers: []) }
        let me = try nodeInfo()
        return SyncStatus(node: me, peers: try peers().map { p in
            let state = try loadState(p.node)
            let waiting = try outgoing(to: p, me: me, known: Set(state.acked))
            var changed: String?
            if let attrs = try? FileManager.default.attributesOfItem(atPath: syncDir + "/" + p.node + ".json"),
               let date = attrs[.modificationDate] as? Date {
                changed = HosoClock.format(date)
            }
            return PeerSyncStatus(peer: p, lastSync: changed, lastRequestFromPeer: state.lastRequestTime,
                                  lastBundleSent: state.lastSent, lastBundleImported: state.lastImported,
                                  acknowledged: state.acked.count, unacknowledged: Set(state.pending.flatMap(\.objects)).subtracting(state.acked).count,
                                  waitingObjects: waiting.count, waitingBytes: waiting.reduce(0) { $0 + $1.size })
        })
    }
}
