import Foundation
import HosoCore

/// A read-only summary of sync with each peer, for screens (`hoso serve`'s sync page): nothing here changes state.
extension Archive {
    /// This node and, per peer, the last sync and what is waiting to go out.
    public func syncStatus() throws -> SyncStatus {
        guard nodeFiles.exists else { return SyncStatus(node: nil, peers: []) }
        let me = try nodeInfo()
        return SyncStatus(
            node: me,
            peers: try peers().map { p in
                let state = try nodeFiles.loadState(p.node)
                let waiting = try outgoing(to: p, me: me, known: Set(state.acked))
                var changed: String?
                if let attrs = try? FileManager.default.attributesOfItem(atPath: nodeFiles.stateFile(p.node)),
                    let date = attrs[.modificationDate] as? Date
                {
                    changed = HosoClock.format(date)
                }
                return PeerSyncStatus(
                    peer: p, lastSync: changed, lastRequestFromPeer: state.lastRequestTime,
                    lastBundleSent: state.lastSent, lastBundleImported: state.lastImported,
                    acknowledged: state.acked.count, unacknowledged: Set(state.pending.flatMap(\.objects)).subtracting(state.acked).count,
                    waitingObjects: waiting.count, waitingBytes: waiting.reduce(0) { $0 + $1.size })
            })
    }
}
