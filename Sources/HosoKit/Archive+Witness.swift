import Foundation
import HosoCore
import HosoLog
import HosoStore
import HosoSync

/// What witnessing did in one sync (HTTP or bundle).
public struct WitnessReport: Codable, Sendable, Equatable {
    /// The size of this node's checkpoint sent to the peer.
    public var sent: UInt64?
    /// The size of the peer's checkpoint verified and kept here (nil: none, or not checked this time).
    public var verified: UInt64?
    /// This node cosigned the peer's checkpoint (an office witnessing a school).
    public var cosigned = false
    /// The size of this node's checkpoint that the peer cosigned and this node kept.
    public var witnessedBy: String?
    public var witnessedSize: UInt64?
    /// Rollbacks and forks found in this sync, here or by the peer.
    public var incidents = [WitnessIncident]()

    public init() {}
}

/// A witness's cosignature on this node's log, as `hoso log show` lists it.
public struct LogWitness: Codable, Sendable, Equatable {
    /// The witness's name as a peer (or its node id when it is no longer a peer) and node id.
    public var name: String
    public var node: String
    public var size: UInt64
    /// When the witness cosigned, UTC.
    public var time: String
}

/// An object's entry proven in a checkpoint of this log that a witness cosigned (`witnessedInclusion`).
public struct WitnessedInclusion: Codable, Sendable, Equatable {
    /// The witness's peer name and the name its certificate carries (what a reader is shown).
    public var witness: String
    public var witnessDisplayName: String
    /// When the witness cosigned, UTC.
    public var time: String
    public var index: UInt64
    public var size: UInt64
    public var leafHash: String
    /// RFC 9162 audit path, leaf side first, hex.
    public var proof: [String]
    public var root: String
    /// The checkpoint with this node's signature and the witness's cosignature.
    public var checkpoint: String
}

extension Archive {
    /// This node's witnessing files (`witness/`): never synced.
    public var witnessFiles: WitnessFiles { WitnessFiles(archiveRoot: root) }

    /// The peer's node key as a signed-note verifier (its key name is its log's origin).
    func peerNoteKey(_ p: Peer) throws -> NodeNoteKey {
        try NodeNoteKey(name: "hoso.node/" + p.name, certificate: try peerCertificate(p), key: nil)
    }

    /// What this node tells `peer` about the logs: its newest checkpoint (signed now if the log grew since) with a
    /// consistency proof from `from` (the size of ours the peer holds; none or beyond ours: no proof, the peer judges
    /// by size), the size of the peer's checkpoint held here, what this node cosigned for the peer, and the incidents
    /// found about the peer (sent every time until the peer's log is consistent again, so it learns of them).
    /// `everyLater` (bundles): proofs also from each later checkpoint size, as the peer may hold one newer than `from`.
    func witnessMessage(for peer: Peer, from: UInt64?, everyLater: Bool = false) throws -> WitnessMessage {
        try workState.numbering { _ in _ = try checkpointLog() }
        var m = WitnessMessage()
        if let latest = try log.latestCheckpoint() {
            m.checkpoint = String(decoding: latest.note, as: UTF8.self)
            let reader = try log.reader()
            m.from = from
            if let from, from > 0, from < latest.size {
                m.proof = try reader.consistencyProof(old: from, new: latest.size).map(\.hex)
            }
            if everyLater {
                let sizes = try log.checkpointSizes().filter { $0 > (from ?? 0) && $0 < latest.size }
                m.more = try sizes.suffix(256).map {
                    WitnessProof(from: $0, proof: try reader.consistencyProof(old: $0, new: latest.size).map(\.hex))
                }
                m.complete = sizes.count <= 256 && from != nil
            }
        }
        let files = witnessFiles
        if let seen = try files.seen(peer.node) {
            m.seen = try Checkpoint.parse(seen, verifier: nil, location: "seen").size
        }
        m.cosigned = try files.given(peer.node).map { String(decoding: $0, as: UTF8.self) }
        let about = try files.incidents().filter { $0.node == peer.node && $0.detectedBy == "here" }
        if !about.isEmpty { m.incidents = Array(about.suffix(4)) }
        return m
    }

    /// Checks a peer's witnessing message without keeping anything: its checkpoint signed by the peer's pinned key,
    /// its proofs well formed, a cosignature of ours signed by us and by the peer. A bundle is checked so before its
    /// payload is read, and its message taken only once its objects are in: a refused bundle leaves no trace.
    func checkWitness(_ m: WitnessMessage, from peer: Peer) throws {
        let key = try peerNoteKey(peer)
        if let text = m.checkpoint {
            _ = try Checkpoint.parse(Array(text.utf8), verifier: key, location: "checkpoint from " + peer.name)
        }
        guard WitnessJudge.proofs(m) != nil else {
            throw HosoError(
                .logCheckpointInvalid, .both("Bằng chứng nhất quán sai dạng", "The consistency proof is malformed"), location: peer.name)
        }
        if let text = m.cosigned, let mine = try nodeNoteKey(signing: false) {
            try checkCosigned(Array(text.utf8), by: peer, key: key, mine: mine)
        }
    }

    /// A checkpoint of ours with the peer's cosignature: our own signature first, then the witness's over it.
    @discardableResult
    func checkCosigned(_ note: [UInt8], by peer: Peer, key: NodeNoteKey, mine: NodeNoteKey) throws -> Checkpoint {
        let cp = try Checkpoint.parse(note, verifier: mine, location: "cosigned checkpoint from " + peer.name)
        guard try Cosignature.time(in: note, witness: key, location: "cosigned checkpoint from " + peer.name) != nil else {
            throw HosoError(
                .logCheckpointInvalid,
                .both(
                    "Điểm kiểm gửi về không có chữ ký xác nhận của \(peer.name)",
                    "The checkpoint sent back has no cosignature by \(peer.name)"),
                location: peer.name)
        }
        return cp
    }

    /// Takes a peer's witnessing message: checks its checkpoint (signed by the peer's pinned key, else refused with
    /// LOG_CHECKPOINT_INVALID before anything is kept) against the last one held from it; keeps it, and cosigns it when
    /// this node is an office and the peer a school; or records a rollback or fork with both checkpoints and does not
    /// witness. Then keeps a cosignature of this node's checkpoint (checked against both keys) and records incidents
    /// the peer found in this node's log.
    func takeWitness(_ m: WitnessMessage, from peer: Peer, me: NodeInfo) throws -> WitnessReport {
        var report = WitnessReport()
        let files = witnessFiles
        let key = try peerNoteKey(peer)
        let now = HosoClock.format(clock.now())
        if let text = m.checkpoint {
            guard let proofs = WitnessJudge.proofs(m) else {
                throw HosoError(
                    .logCheckpointInvalid, .both("Bằng chứng nhất quán sai dạng", "The consistency proof is malformed"), location: peer.name
                )
            }
            let note = Array(text.utf8)
            let held = try files.seen(peer.node)
            switch try WitnessJudge.judge(note, proofs: proofs, complete: m.complete == true, held: held, verifier: key) {
            case .accepted(let cp):
                try files.setSeen(peer.node, note)
                report.verified = cp.size
                if me.role == .office && peer.role == .school, let signer = try nodeNoteKey(signing: true),
                    let body = Cosignature.body(of: note)
                {
                    let cosigned = try Cosignature.add(
                        to: note, body: body, signer: signer, time: UInt64(max(0, clock.now().timeIntervalSince1970)))
                    try files.setGiven(peer.node, cosigned)
                    report.cosigned = true
                }
            case .notChecked: break
            case let verdict:
                // A rollback or fork: only a held checkpoint can be contradicted.
                let incident = WitnessIncident(
                    kind: verdict == .rollback ? .rollback : .fork, node: peer.node, name: peer.name, detectedBy: "here",
                    detected: now, held: String(decoding: held ?? [], as: UTF8.self), received: text)
                try files.record(incident)
                report.incidents.append(incident)
            }
        }
        if let text = m.cosigned, let mine = try nodeNoteKey(signing: false) {
            let note = Array(text.utf8)
            let cp = try checkCosigned(note, by: peer, key: key, mine: mine)
            // Kept only when it is a checkpoint of this log as it is: after a rollback the office sends back the one it
            // cosigned before, which this log no longer has (the incident says so).
            let reader = try log.reader()
            if cp.size <= reader.size, try reader.root(size: cp.size) == cp.root {
                try files.addCosigned(witness: peer.node, size: cp.size, note)
                report.witnessedBy = peer.name
                report.witnessedSize = cp.size
            }
        }
        // At most a few (a sender repeats only its newest); each must carry our own signature twice to count.
        for reported in (m.incidents ?? []).prefix(16) where reported.node == me.node {
            guard let mine = try nodeNoteKey(signing: false),
                (try? Checkpoint.parse(Array(reported.held.utf8), verifier: mine, location: "held")) != nil,
                (try? Checkpoint.parse(Array(reported.received.utf8), verifier: mine, location: "received")) != nil
            else { continue }
            var i = reported
            i.name = me.name
            i.detectedBy = peer.name
            i.detected = HosoClock.parse(reported.detected).map { HosoClock.format($0) } ?? now
            try files.record(i)
            report.incidents.append(i)
        }
        return report
    }

    /// Witnesses of this node's log, newest first (`hoso log show`).
    public func logWitnesses() throws -> [LogWitness] {
        let peers = (try? peers()) ?? []
        var out = [LogWitness]()
        for c in try witnessFiles.cosigned() {
            let p = peers.first { $0.node == c.witness }
            guard let p, let key = try? peerNoteKey(p), let t = try? Cosignature.time(in: c.note, witness: key, location: "cosigned")
            else { continue }
            out.append(
                LogWitness(
                    name: p.name, node: c.witness, size: c.size,
                    time: HosoClock.format(Date(timeIntervalSince1970: TimeInterval(t)))))
        }
        return out
    }

    /// The inclusion proof of object `id`'s log entry in the newest checkpoint of this log that a peer cosigned and
    /// that covers it, checked (the checkpoint's signature by this node, the witness's cosignature, the path to the
    /// root); nil when no witnessed checkpoint covers it yet. For the public verification page and auditors.
    public func witnessedInclusion(of id: ObjectID) throws -> WitnessedInclusion? {
        guard let mine = try nodeNoteKey(signing: false) else { return nil }
        let r = try log.reader()
        guard let index = try newestEntry(in: r, objectID: id.hex, record: "") else { return nil }
        let peers = (try? peers()) ?? []
        for c in try witnessFiles.cosigned() where c.size > index && c.size <= r.size {
            guard let p = peers.first(where: { $0.node == c.witness }), let key = try? peerNoteKey(p),
                let time = try? Cosignature.time(in: c.note, witness: key, location: "cosigned"),
                let cp = try? Checkpoint.parse(c.note, verifier: mine, location: "cosigned")
            else { continue }
            let proof = try r.inclusionProof(index: index, size: c.size)
            let leaf = try r.leafHash(index)
            guard ProofCheck.inclusion(leaf: leaf, index: index, size: cp.size, proof: proof, root: cp.root) else { continue }
            return WitnessedInclusion(
                witness: p.name, witnessDisplayName: key.certificate.commonName ?? p.name,
                time: HosoClock.format(Date(timeIntervalSince1970: TimeInterval(time))), index: index, size: cp.size,
                leafHash: leaf.hex, proof: proof.map(\.hex), root: cp.root.hex, checkpoint: String(decoding: c.note, as: UTF8.self))
        }
        return nil
    }

    /// Every rollback or fork recorded here (found here or reported by a peer), oldest first.
    public func witnessIncidents() throws -> [WitnessIncident] { try witnessFiles.incidents() }
}
