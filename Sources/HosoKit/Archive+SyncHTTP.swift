import Foundation
import HosoCore
import HosoLog
import HosoSigning
import HosoStore
import HosoSync
import HosoTransport
import Synchronization

/// The archive behind the HTTP sync protocol (`SyncHandler`). One request at a time: each batch is checked and
/// committed whole, as a bundle is.
public final class ArchiveSyncService: SyncService, @unchecked Sendable {
    // @unchecked: every use of `archive` happens under `state`'s lock (one sync request at a time).
    let archive: Archive
    let timestamp: TimestampSource?
    /// What each peer may fetch: the objects last offered to it.
    private let state = Mutex([String: Set<String>]())

    /// Serves `archive`; arriving signatures are timestamped with `timestamp` when given (an office).
    public init(archive: Archive, timestamp: TimestampSource? = nil) {
        self.archive = archive
        self.timestamp = timestamp
    }

    /// The archive's clock, to judge request times.
    public var clock: HosoClock { archive.clock }

    /// The pinned certificate of a known peer, to check its signed requests; nil for a stranger.
    public func peerCertificate(node: String) throws -> Certificate? {
        try state.withLock { _ in
            guard let p = try archive.peers().first(where: { $0.node == node }) else { return nil }
            return try archive.peerCertificate(p)
        }
    }

    /// This node's key and certificate, to sign responses.
    public func identity() throws -> SigningIdentity { try state.withLock { _ in try archive.nodeIdentity().1 } }

    func peer(_ node: String) throws -> (Peer, NodeInfo) {
        guard let p = try archive.peers().first(where: { $0.node == node }) else {
            throw HosoError(.unknownNode, .both("Nút không quen", "Unknown node"), location: node)
        }
        return (p, try archive.nodeInfo())
    }

    /// The answer to a peer's greeting: this node's description.
    public func hello(peer node: String) throws -> [UInt8] {
        try state.withLock { _ in
            let me = try archive.nodeInfo()
            var hello = ["node": me.node, "name": me.name, "role": me.role.rawValue]
            // The size of the peer's checkpoint held here: the peer's consistency proof starts there.
            if let held = try archive.witnessFiles.seen(node) {
                hello["seen"] = String(try Checkpoint.parse(held, verifier: nil, location: "seen").size)
            }
            return Array(try JSONEncoder().encode(hello))
        }
    }

    /// Of the objects a peer offers, the ids this archive lacks.
    public func want(peer node: String, have: [SyncItem]) throws -> [String] {
        try state.withLock { _ in
            _ = try peer(node)
            // A file waiting in the peer's inbox for its revision is not asked for again.
            let inbox = SyncInbox(archiveRoot: archive.root, node: node)
            return have.compactMap { ObjectID(hex: $0.id) }.filter { !archive.store.exists($0) && !inbox.contains($0) }.map(\.hex)
        }
    }

    /// Checks and commits a batch of objects pushed by a peer, whole or not at all.
    public func receive(peer node: String, frames: [UInt8]) throws -> [UInt8] {
        try state.withLock { _ in
            let (p, me) = try peer(node)
            let result = try archive.receiveFrames(frames, from: p, me: me, timestamp: timestamp)
            return Array(try JSONEncoder().encode(result))
        }
    }

    /// What this archive would send the peer (what it has not acknowledged).
    public func offer(peer node: String) throws -> [SyncItem] {
        try state.withLock { offered in
            let (p, me) = try peer(node)
            let items = try archive.outgoing(to: p, me: me, known: Set(try archive.nodeFiles.loadState(p.node).acked))
            offered[node] = Set(items.map(\.id.hex))
            return items.map { SyncItem(id: $0.id.hex, kind: $0.kind.rawValue, size: $0.size) }
        }
    }

    /// The offered objects a peer asks for, framed.
    public func fetch(peer node: String, ids: [String]) throws -> [UInt8] {
        try state.withLock { offered in
            let (p, me) = try peer(node)
            if offered[node] == nil || ids.contains(where: { !offered[node]!.contains($0) }) {
                offered[node] = Set(try archive.outgoing(to: p, me: me, known: []).map(\.id.hex))
            }
            var out = [UInt8]()
            for id in ids {
                // Only what this peer's scope lets it have.
                guard offered[node]!.contains(id), let oid = ObjectID(hex: id) else {
                    throw HosoError(
                        .notAuthorised, .both("Đối tượng ngoài phạm vi của nút này", "An object outside this node's scope"), location: id)
                }
                let h = try archive.store.header(of: oid)
                out += SyncFrames.header(kind: h.kind.rawValue, id: id, size: h.size)
                try archive.store.scan(oid) { out.append(contentsOf: $0) }
            }
            return out
        }
    }

    /// Takes the peer's log checkpoint (verified, cosigned for a school, or an incident recorded) and answers with this
    /// node's, the cosignature and any incident found, so the peer learns of it in the same exchange.
    public func witness(peer node: String, body: [UInt8]) throws -> [UInt8] {
        try state.withLock { _ in
            let (p, me) = try peer(node)
            let m: WitnessMessage
            do { m = try JSONDecoder().decode(WitnessMessage.self, from: Data(body)) } catch {
                throw HosoError(.bagInvalid, .both("Thông điệp chứng kiến sai dạng", "The witnessing message is malformed"), location: node)
            }
            _ = try archive.takeWitness(m, from: p, me: me)
            return Array(try JSONEncoder().encode(try archive.witnessMessage(for: p, from: m.seen)))
        }
    }

    /// Notes that the peer now holds these objects.
    public func ack(peer node: String, ids: [String]) throws {
        try state.withLock { _ in
            let (p, _) = try peer(node)
            try archive.nodeFiles.updateState(p.node) { $0.acknowledge(upTo: 0, received: ids.filter { ObjectID(hex: $0) != nil }) }
        }
    }
}

extension Archive {
    /// Checks and commits one batch of frames from a peer; the peer holds them, so they count as acknowledged.
    func receiveFrames(_ frames: [UInt8], from peer: Peer, me: NodeInfo, timestamp: TimestampSource?) throws -> IntakeResult {
        cleanLeftovers()
        var intake = Intake()
        do {
            try SyncFrames.read(frames) { kind, id, bytes in
                var offset = bytes.startIndex
                let got = try intake.receive(kind: kind, claimed: id, size: UInt64(bytes.count), name: id.hex, store: store) { buf in
                    let n = min(buf.count, bytes.endIndex - offset)
                    if n > 0 { bytes[offset..<(offset + n)].withUnsafeBytes { buf.copyMemory(from: $0) } }
                    offset += n
                    return n
                }
                guard got == id else {
                    throw HosoError(
                        .bagDigestMismatch, .both("Nội dung không khớp mã SHA-256 của nó", "The content does not match its SHA-256 name"),
                        location: id.hex, cause: "content hashes to \(got.hex)")
                }
            }
        } catch {
            store.discard(intake.staged)
            throw error
        }
        let result = try commitIntake(intake, from: peer, me: me, timestamp: timestamp, filesMayWait: true)
        try nodeFiles.updateState(peer.node) { $0.acknowledge(upTo: 0, received: intake.ids.map(\.hex)) }
        return result
    }

    /// What one HTTP sync with a peer moved.
    public struct SyncReport: Codable, Sendable {
        /// The peer synced with.
        public var peer: String
        /// Objects sent to the server, and how many it already had (never sent).
        public var pushed = 0
        /// Objects offered that the server already had.
        public var alreadyThere = 0
        /// Objects fetched from the server.
        public var pulled = 0
        /// Bytes of objects sent.
        public var bytesSent: UInt64 = 0
        /// Bytes of objects received.
        public var bytesReceived: UInt64 = 0
        /// HTTP requests made.
        public var requests = 0
        /// What the pulled objects added here.
        public var received = IntakeResult()
        /// Records in conflict after the sync.
        public var conflicts = [Conflict]()
        /// The two logs' checkpoints: verified, cosigned, or a rollback or fork found.
        public var witness = WitnessReport()
    }

    /// Pushes then pulls over HTTP with `peerName`'s server at `url`: offers what the peer has not acknowledged,
    /// sends only what it says it lacks, in batches that each commit on arrival; then fetches what the server offers
    /// and this archive lacks, and acknowledges it. Interrupted, it resumes where it stopped: objects that arrived
    /// are never sent again.
    public func sync(url: String, peer peerName: String, batchBytes: Int = 8 << 20) throws -> SyncReport {
        let (me, identity) = try nodeIdentity()
        let peer = try peer(named: peerName)
        let client = SyncClient(url: url, node: me.node, identity: identity, server: try peerCertificate(peer), clock: clock)
        var report = SyncReport(peer: peer.name)
        let hello = try client.helloWitness()
        guard hello.node == peer.node else {
            throw HosoError(
                .syncAuthFailed, .both("Máy chủ không phải nút \(peer.name)", "The server is not node \(peer.name)"), location: url)
        }
        // Logs first: each side checks the other's checkpoint before any object moves. A rollback or fork found does
        // not stop the objects: they are named by their hashes and checked on arrival, so exchanging them loses
        // nothing and gives a rolled-back node back what it lost; the incident is kept and reported when the sync ends.
        report.witness = try takeWitness(try client.witness(try witnessMessage(for: peer, from: hello.seen)), from: peer, me: me)
        report.witness.sent = try log.latestCheckpoint()?.size
        // Push: only what the server lacks, in batches that each commit on arrival.
        let items = try outgoing(to: peer, me: me, known: Set(try nodeFiles.loadState(peer.node).acked))
        let want = try client.want(items.map { SyncItem(id: $0.id.hex, kind: $0.kind.rawValue, size: $0.size) })
        try nodeFiles.updateState(peer.node) { $0.acknowledge(upTo: 0, received: items.map(\.id.hex).filter { !want.contains($0) }) }
        report.alreadyThere = items.count - want.count
        // A revision and the files just before it that it names go together (a group ends at each object that is
        // not such a file).
        let wanted = items.filter { want.contains($0.id.hex) }
        for batch in batches(wanted, bytes: UInt64(batchBytes), size: \.size, endsGroup: { !Intake.companionKinds.contains($0.kind) }) {
            var frames = [UInt8]()
            for o in batch {
                frames += SyncFrames.header(kind: o.kind.rawValue, id: o.id.hex, size: o.size)
                try store.scan(o.id) { frames.append(contentsOf: $0) }
            }
            try client.push(frames)
            try nodeFiles.updateState(peer.node) { $0.acknowledge(upTo: 0, received: batch.map(\.id.hex)) }
            report.pushed += batch.count
        }
        // Pull what the server offers and this archive lacks.
        let offer = try client.offer()
        let inbox = SyncInbox(archiveRoot: root, node: peer.node)
        let missing = offer.filter { ObjectID(hex: $0.id).map { !store.exists($0) && !inbox.contains($0) } ?? false }
        for batch in batches(missing, bytes: UInt64(batchBytes), size: \.size) {
            let r = try receiveFrames(try client.fetch(batch.map(\.id)), from: peer, me: me, timestamp: nil)
            report.received.objects += r.objects
            report.received.newObjects += r.newObjects
            report.received.revisions += r.revisions
            report.received.signatures += r.signatures
            report.pulled += batch.count
        }
        // Everything offered is here now: say so, so the next offer carries only what is new.
        try client.acknowledge(offer.map(\.id))
        try nodeFiles.updateState(peer.node) { $0.acknowledge(upTo: 0, received: offer.map(\.id)) }
        report.requests = client.requests
        report.bytesSent = client.bytesSent
        report.bytesReceived = client.bytesReceived
        report.conflicts = try conflicts()
        return report
    }

    /// Serves the sync protocol on every path (`hoso sync serve`), behind the listeners' limits; HTTPS with `tls`.
    public func syncServer(
        host: String, port: UInt16, timestamp: TimestampSource? = nil, limits: ListenerLimits = ListenerLimits(), tls: TLSFiles? = nil,
        maxBody: Int = SyncHandler.maxBody
    ) -> HTTPService {
        let route = HTTPService.Route.sync(SyncHandler(service: ArchiveSyncService(archive: self, timestamp: timestamp)), maxBody: maxBody)
        return HTTPService(host: host, port: port, limits: limits, tls: tls) { _ in route }
    }
}
