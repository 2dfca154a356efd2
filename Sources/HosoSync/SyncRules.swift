import Foundation
import HosoCore

// The rules of sync between two nodes that need no store: which records a link carries each way, and what this node
// knows of a peer's copy.

/// One direction of scope: `>` before a pattern makes it send-only, `<` receive-only; plain patterns go both ways.
package struct LinkRule {
    package var patterns: [(ScopePattern, send: Bool, receive: Bool)]
    /// Trust data (the trust-store record, certificates, CRLs) flows from an office node down to its schools.
    package var trustOut: Bool
    package var trustIn: Bool
    private let localOnly: Set<String>
    private let trustStoreType: String

    /// `localOnly`: record types that never leave a node; `trustStoreType`: the trust-store record's type.
    package init(peer: Peer, me: NodeInfo, localOnly: Set<String>, trustStoreType: String) throws {
        self.localOnly = localOnly
        self.trustStoreType = trustStoreType
        patterns = try peer.scope.map { raw in
            var s = Substring(raw)
            var send = true
            var receive = true
            if s.hasPrefix(">") {
                receive = false
                s = s.dropFirst()
            } else if s.hasPrefix("<") {
                send = false
                s = s.dropFirst()
            }
            return (try ScopePattern(String(s)), send, receive)
        }
        trustOut = me.role == .office && peer.role == .school
        trustIn = me.role == .school && peer.role == .office
    }

    package func sends(type: String, id: String) -> Bool { carries(type: type, id: id, sending: true) }
    /// Signatures travel with a record either way: a school's signature comes back timestamped by the office.
    package func sharesSignatures(type: String, id: String) -> Bool { sends(type: type, id: id) || receives(type: type, id: id) }
    package func receives(type: String, id: String) -> Bool { carries(type: type, id: id, sending: false) }

    private func carries(type: String, id: String, sending: Bool) -> Bool {
        if localOnly.contains(type) { return false }
        if type == trustStoreType { return sending ? trustOut : trustIn }
        return patterns.contains { ($0.send && sending || $0.receive && !sending) && $0.0.matches(type: type, id: id) }
    }
}

/// What this node knows of one peer's copy (`sync/<node>.json`, local, never synced): the bundles exchanged and the
/// objects the peer is known to hold, so the next bundle carries only the rest.
package struct PeerState: Codable {
    package struct Pending: Codable {
        package var sequence: Int
        package var objects: [String]

        package init(sequence: Int, objects: [String]) {
            self.sequence = sequence
            self.objects = objects
        }
    }
    /// The sequence number of the last bundle made for the peer.
    package var lastSent = 0
    /// The sequence number and tag-manifest digest of the last bundle imported from the peer (replays are refused).
    package var lastImported = 0
    package var lastImportedDigest: String?
    /// Objects the peer has acknowledged or sent us.
    package var acked = [String]()
    /// Objects in bundles sent but not yet acknowledged: sent again until they are.
    package var pending = [Pending]()
    /// HTTP: the newest request time seen from the peer, and the nonces seen at that time and after (replay guard).
    package var lastRequestTime: String?
    package var recentNonces = [String]()
    /// The size of this node's log checkpoint that the peer last said it holds: a bundle's consistency proof starts there.
    package var peerHolds: UInt64?
    /// Records sent to this peer whatever its scope: a học bạ transferred with its student (`Archive.transfer`).
    package var transfers: [String]?

    package init() {}

    /// Objects the peer sent are known to it; so are those of our bundles up to the one it acknowledges.
    package mutating func acknowledge(upTo ack: Int, received: [String]) {
        var known = Set(acked)
        known.formUnion(received)
        for p in pending where p.sequence <= ack { known.formUnion(p.objects) }
        pending.removeAll { $0.sequence <= ack }
        acked = known.sorted()
    }
}
