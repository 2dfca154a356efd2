import Foundation
import HosoCore
import HosoLog
import HosoPrimitives
import HosoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What each sync carries about the two nodes' transparency logs, both ways (HTTP `witness` body and answer; the
/// `witness` member of a bundle's header, covered by the bundle's signature):
/// - the sender's newest signed checkpoint and a consistency proof from the size `from` (the one the recipient said
///   it holds) to it;
/// - `seen`: the size of the recipient's checkpoint the sender holds, so the recipient's next proof starts there;
/// - `cosigned`: the recipient's checkpoint cosigned by the sender (an office witnessing a school);
/// - `incidents`: what the sender found wrong with the recipient's log, with both conflicting checkpoints.
public struct WitnessMessage: Codable, Sendable, Equatable {
    public var checkpoint: String?
    public var from: UInt64?
    /// Hashes of the consistency proof, hex.
    public var proof: [String]?
    public var seen: UInt64?
    public var cosigned: String?
    public var incidents: [WitnessIncident]?
    /// Bundles: proofs from each later checkpoint size of the sender too (the recipient may hold a newer one than the
    /// sender knows), and whether they are all of them from `from` on (then a held size with no proof here is a
    /// checkpoint the sender's history does not contain: a fork).
    public var more: [WitnessProof]?
    public var complete: Bool?

    public init(
        checkpoint: String? = nil, from: UInt64? = nil, proof: [String]? = nil, seen: UInt64? = nil, cosigned: String? = nil,
        incidents: [WitnessIncident]? = nil
    ) {
        self.checkpoint = checkpoint
        self.from = from
        self.proof = proof
        self.seen = seen
        self.cosigned = cosigned
        self.incidents = incidents
    }
}

/// A consistency proof from one size of the sender's log to its newest checkpoint.
public struct WitnessProof: Codable, Sendable, Equatable {
    public var from: UInt64
    public var proof: [String]
    public init(from: UInt64, proof: [String]) {
        self.from = from
        self.proof = proof
    }
}

/// A log that contradicts what its node showed before: a rollback (or a cut log: a smaller tree) or a fork (the same
/// size with another root, or a bigger tree that does not extend the old one). Both signed checkpoints are the evidence:
/// together they prove the node signed two histories that cannot both be true.
public struct WitnessIncident: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case rollback, fork }
    public var kind: Kind
    /// The node whose log is inconsistent and its name as the recorder knows it.
    public var node: String
    public var name: String
    /// Who found it: "here" for this node, else the peer's name that reported it.
    public var detectedBy: String
    public var detected: String
    /// The checkpoint held before and the one received, as signed notes.
    public var held: String
    public var received: String

    public init(kind: Kind, node: String, name: String, detectedBy: String, detected: String, held: String, received: String) {
        self.kind = kind
        self.node = node
        self.name = name
        self.detectedBy = detectedBy
        self.detected = detected
        self.held = held
        self.received = received
    }

    /// The error a sync reports for it, with a code and the two sizes.
    public var error: HosoError {
        let h = (try? Checkpoint.parse(Array(held.utf8), verifier: nil, location: "held"))?.size ?? 0
        let r = (try? Checkpoint.parse(Array(received.utf8), verifier: nil, location: "received"))?.size ?? 0
        switch kind {
        case .rollback:
            return HosoError(
                .logRollback,
                .both(
                    "Nhật ký của \(name) bị quay lui hoặc cắt bớt: trước có \(h) mục, nay chỉ \(r) mục; không xác nhận",
                    "The log of \(name) was rolled back or cut: \(h) entries before, only \(r) now; not witnessed"),
                location: name)
        case .fork:
            return HosoError(
                .logFork,
                .both(
                    "Nhật ký của \(name) đã rẽ nhánh: điểm kiểm \(r) mục không nối tiếp điểm kiểm \(h) mục đã thấy; không xác nhận",
                    "The log of \(name) forked: its checkpoint of \(r) entries does not extend the one of \(h) seen before; not witnessed"),
                location: name)
        }
    }
}

/// Judges a peer's checkpoint against the last one held from it.
public enum WitnessJudge {
    public enum Verdict: Equatable {
        /// Consistent with what was held (or the first one seen): keep it.
        case accepted(Checkpoint)
        /// The proof starts at a size other than the one held (a bundle made before the sender learnt what this node
        /// holds): nothing is contradicted yet and nothing is kept; the next sync checks it.
        case notChecked
        case rollback
        case fork
    }

    /// `note` must be signed by `verifier` (the peer's pinned node key) — a checkpoint from any other key is refused
    /// with LOG_CHECKPOINT_INVALID; then, against `held` (the last accepted one, nil: none): smaller → rollback; the
    /// same size → the same root or a fork; bigger → a consistency proof from the held size, else a fork.
    /// `proofs`: (from size, proof) pairs; `complete`: they start at every checkpoint size of the sender from the
    /// smallest on, so a held size among them with no proof is not in the sender's history.
    public static func judge(
        _ note: [UInt8], proofs: [(UInt64, [LogHash])], complete: Bool, held: [UInt8]?, verifier: NoteVerifier
    ) throws -> Verdict {
        let new = try Checkpoint.parse(note, verifier: verifier, location: "checkpoint from " + verifier.keyName)
        guard let held else { return .accepted(new) }
        let old = try Checkpoint.parse(held, verifier: verifier, location: "held checkpoint of " + verifier.keyName)
        if new.size < old.size { return .rollback }
        if new.size == old.size { return new.root == old.root ? .accepted(new) : .fork }
        guard let proof = proofs.first(where: { $0.0 == old.size })?.1 else {
            if complete, let least = proofs.map(\.0).min(), least < old.size { return .fork }
            return .notChecked
        }
        return ProofCheck.consistency(oldSize: old.size, oldRoot: old.root, newSize: new.size, newRoot: new.root, proof: proof)
            ? .accepted(new) : .fork
    }

    /// The message's proofs, checked for shape (nil: malformed); at most 256.
    public static func proofs(_ m: WitnessMessage) -> [(UInt64, [LogHash])]? {
        var out = [(UInt64, [LogHash])]()
        if let from = m.from {
            guard let p = hashes(m.proof) else { return nil }
            out.append((from, p))
        }
        guard (m.more?.count ?? 0) <= 256 else { return nil }
        for w in m.more ?? [] {
            guard let p = hashes(w.proof) else { return nil }
            out.append((w.from, p))
        }
        return out
    }

    /// Hex hashes from a message, bounded (a proof has at most 2·64 hashes); nil for any malformed one.
    public static func hashes(_ hex: [String]?) -> [LogHash]? {
        guard let hex else { return [] }
        guard hex.count <= 128 else { return nil }
        var out = [LogHash]()
        for h in hex {
            guard h.utf8.count == 64, let v = LogHash(hex: h), v.hex == h else { return nil }
            out.append(v)
        }
        return out
    }
}

/// The witnessing files of a node, under `witness/` in its archive (its own, never synced), each written atomically
/// (temporary file, fsync, rename, directory fsync):
/// - `seen/<peer node>`: the newest checkpoint of that peer this node verified;
/// - `given/<peer node>`: the newest checkpoint of that peer this node cosigned (sent back with the next sync);
/// - `cosigned/<witness node>/<size>`: this node's checkpoints cosigned by that witness;
/// - `incidents/<id>/`: `incident.json`, `held.checkpoint`, `received.checkpoint` — the evidence, kept.
public struct WitnessFiles: Sendable {
    public let archiveRoot: String
    public init(archiveRoot: String) { self.archiveRoot = archiveRoot }

    var dir: String { archiveRoot + "/witness" }
    var tmpDir: String { archiveRoot + "/tmp" }
    static let maxIncidents = 10_000

    func read(_ path: String) throws -> [UInt8]? {
        guard let f = FileManager.default.contents(atPath: path) else { return nil }
        guard f.count <= Checkpoint.maxNoteSize else {
            throw HosoError(.logCheckpointInvalid, .both("Tệp điểm kiểm quá lớn", "A checkpoint file is too large"), location: path)
        }
        return Array(f)
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        try makeDirectories(for: path)
        try writeFileAtomically(bytes, to: path, tmpDir: tmpDir)
    }

    private func makeDirectories(for path: String) throws {
        var made = [String]()
        var d = String(path[..<path.lastIndex(of: "/")!])
        while access(d, F_OK) != 0, d.count > archiveRoot.count {
            made.append(d)
            d = String(d[..<d.lastIndex(of: "/")!])
        }
        for m in made.reversed() {
            if mkdir(m, 0o755) != 0 && errno != EEXIST {
                throw HosoError.fromErrno(errno, path: m, action: .both("tạo thư mục chứng kiến", "creating a witness directory"))
            }
            try fsyncDirectory(String(m[..<m.lastIndex(of: "/")!]))
        }
        if access(tmpDir, F_OK) != 0 && mkdir(tmpDir, 0o755) != 0 && errno != EEXIST {
            throw HosoError.fromErrno(errno, path: tmpDir, action: .both("tạo thư mục tạm", "creating the temporary directory"))
        }
    }

    static func safe(_ node: String) -> Bool { !node.isEmpty && node.utf8.count <= 64 && node.allSatisfy { $0.isHexDigit } }

    public func seen(_ node: String) throws -> [UInt8]? { Self.safe(node) ? try read(dir + "/seen/" + node) : nil }
    public func setSeen(_ node: String, _ note: [UInt8]) throws { if Self.safe(node) { try write(note, to: dir + "/seen/" + node) } }
    public func given(_ node: String) throws -> [UInt8]? { Self.safe(node) ? try read(dir + "/given/" + node) : nil }
    public func setGiven(_ node: String, _ note: [UInt8]) throws { if Self.safe(node) { try write(note, to: dir + "/given/" + node) } }

    /// Keeps a checkpoint of this node's cosigned by `witness`.
    public func addCosigned(witness: String, size: UInt64, _ note: [UInt8]) throws {
        guard Self.safe(witness) else { return }
        let digits = String(size)
        try write(note, to: dir + "/cosigned/" + witness + "/" + String(repeating: "0", count: 20 - digits.count) + digits)
    }

    /// This node's cosigned checkpoints: (witness node, size, note), newest first.
    public func cosigned() throws -> [(witness: String, size: UInt64, note: [UInt8])] {
        var out = [(witness: String, size: UInt64, note: [UInt8])]()
        let base = dir + "/cosigned"
        for w in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where Self.safe(w) {
            for f in (try? FileManager.default.contentsOfDirectory(atPath: base + "/" + w)) ?? [] {
                guard f.utf8.count == 20, let size = UInt64(f), let note = try read(base + "/" + w + "/" + f) else { continue }
                out.append((w, size, note))
            }
        }
        return out.sorted { ($0.size, $0.witness) > ($1.size, $1.witness) }
    }

    /// Records an incident with its two checkpoints as files; the same pair recorded again is not duplicated.
    /// Returns whether it was new.
    @discardableResult
    public func record(_ incident: WitnessIncident) throws -> Bool {
        let id = ObjectID(hashing: Array((incident.held + "\u{0}" + incident.received + "\u{0}" + incident.detectedBy).utf8)).hex
        let d = dir + "/incidents/" + incident.detected.filter { $0.isNumber } + "-" + String(id.prefix(16))
        if try incidents().contains(where: {
            $0.held == incident.held && $0.received == incident.received && $0.detectedBy == incident.detectedBy
        }) {
            return false
        }
        // Evidence first, the description last: a directory with incident.json is complete.
        try write(Array(incident.held.utf8), to: d + "/held.checkpoint")
        try write(Array(incident.received.utf8), to: d + "/received.checkpoint")
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try write(Array(try enc.encode(incident)) + [0x0A], to: d + "/incident.json")
        return true
    }

    /// Every recorded incident, oldest first.
    public func incidents() throws -> [WitnessIncident] {
        let base = dir + "/incidents"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted().prefix(Self.maxIncidents)
        return names.compactMap { n in
            guard let data = FileManager.default.contents(atPath: base + "/" + n + "/incident.json"),
                data.count <= 4 * Checkpoint.maxNoteSize
            else { return nil }
            return try? JSONDecoder().decode(WitnessIncident.self, from: data)
        }
    }

    /// Where an incident's evidence lies.
    public func incidentDirectories() -> [String] {
        let base = dir + "/incidents"
        return ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted().map { base + "/" + $0 }
    }
}
