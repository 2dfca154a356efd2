import Foundation
import HosoCore
import HosoLog
import HosoPrimitives
import HosoSigning
import HosoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The node key as a signed-note key (C2SP signed-note). The key name is the log's origin, "hoso.node/<node name>".
/// - ECDSA keys: signature type 0x02 (as transparency-dev/witness): a DER ECDSA-Sig-Value over the note text with
///   SHA-256; key ID = SHA-256(DER SubjectPublicKeyInfo)[:4].
/// - RSA keys: type 0xff with the identifier "hoso-rsa-pss-sha256" (no type byte is assigned to RSA): RSA-PSS,
///   SHA-256, MGF1-SHA-256, 32-byte salt; key ID = SHA-256(name ‖ 0x0A ‖ 0xff ‖ "hoso-rsa-pss-sha256" ‖ SPKI)[:4].
struct NodeNoteKey: NoteSigner, NoteVerifier {
    let keyName: String
    let keyID: [UInt8]
    let certificate: Certificate
    let key: PrivateKey?

    init(name: String, certificate: Certificate, key: PrivateKey?) throws {
        keyName = name
        self.certificate = certificate
        self.key = key
        let spki = try certificate.subjectPublicKeyInfo()
        if certificate.publicKey.kind == .ec {
            keyID = Array(SHA256.hash(spki).prefix(4))
        } else {
            _ = try KeySignature.algorithm(of: certificate.publicKey)
            keyID = Array(SHA256.hash(Array(name.utf8) + [0x0A, 0xFF] + Array("hoso-rsa-pss-sha256".utf8) + spki).prefix(4))
        }
    }

    func sign(_ text: [UInt8]) throws -> [UInt8] {
        guard let key else { throw HosoError(.internalError, .both("Không có khóa ký", "No signing key")) }
        return try KeySignature.sign(text, with: key)
    }

    func verify(_ text: [UInt8], signature: [UInt8]) -> Bool { KeySignature.verify(signature, of: text, certificate: certificate) }
}

extension Archive {
    /// The archive's transparency log (`log/` in the archive directory unless another storage was chosen at open:
    /// see ``ArchiveStorage/log``).
    public var log: LogStore { logStore }

    /// The node's note key (its certificate, and its private key when `signing`); nil when the archive is not a node.
    func nodeNoteKey(signing: Bool) throws -> NodeNoteKey? {
        guard nodeFiles.exists else { return nil }
        let info = try nodeInfo()
        let cert = try Certificate(der: try store.read(ObjectID(hex: info.certificate)!))
        return try NodeNoteKey(name: "hoso.node/" + info.name, certificate: cert, key: signing ? try nodeFiles.key() : nil)
    }

    /// Whether a write of the store has not reached the log (a crash or failure between its objects and its events).
    func logIsBehind() throws -> Bool {
        guard let stored = try marker.read() else { return true }
        return stored > (try log.head().sequence)
    }

    /// Brings the log up to the store, under the write lock and after the index caught up: every object the index
    /// holds and no entry names is logged now (marked `late`). Only appends, so the log never forks; and it runs only
    /// after objects are durable, so the log is never ahead of them.
    func catchUpLog() throws {
        guard try logIsBehind() else { return }
        let reader = try log.reader()
        var logged = Set<String>()
        for i in 0..<reader.size {
            guard let e = LogEvent.parse(try reader.entry(i)) else {
                throw HosoError(
                    .logCorrupt, .both("Mục nhật ký \(i) không đọc được", "Log entry \(i) is unreadable"), location: log.dir)
            }
            logged.insert(e.id)
        }
        let missing = try index.objects().filter { !logged.contains($0.id) }.map { (id: $0.id, kind: $0.kind) }
        let sequence = try marker.read() ?? (try index.committedSequence())
        try appendEvents(missing, sequence: sequence, late: true)
    }

    /// Logs the objects a successful write made (under its lock), then signs a checkpoint if the node has a key.
    func logWrite(sequence: Int) throws {
        let new = journaling.journal.end().map { (id: $0.id.hex, kind: $0.kind.rawValue) }
        try appendEvents(new, sequence: sequence, late: false)
    }

    /// After a failed write: logs what it did make visible, without counting the write as logged, so the next write
    /// or open compares the whole store (an object renamed into place just before the failure is not lost).
    func logFailedWrite() {
        let new = journaling.journal.end().map { (id: $0.id.hex, kind: $0.kind.rawValue) }
        if !new.isEmpty { _ = try? appendEvents(new, sequence: 0, late: false) }
    }

    private func appendEvents(_ objects: [(id: String, kind: String)], sequence: Int, late: Bool) throws {
        let head = try log.head()
        let time = HosoClock.format(clock.now())
        var events = [[UInt8]]()
        for (i, o) in objects.enumerated() {
            var e = LogEvent(n: head.size + UInt64(i), seq: sequence, time: time, kind: o.kind, id: o.id, late: late ? true : nil)
            if o.kind == ObjectKind.record.rawValue, let r = try index.revision(o.id) {
                e.type = r.recordType
                e.record = r.recordId
                e.actor = r.author
            }
            events.append(e.bytes)
        }
        if !events.isEmpty || sequence > head.sequence { try log.append(events, sequence: sequence) }
        try checkpointLog()
    }

    /// Signs a checkpoint of the log with the node key if the newest one does not cover it yet; nil when there is
    /// nothing new or the archive is not a node.
    @discardableResult
    public func checkpointLog() throws -> LogStore.StoredCheckpoint? {
        guard let key = try nodeNoteKey(signing: true) else { return nil }
        return try log.writeCheckpoint(origin: key.keyName, time: HosoClock.format(clock.now()), signer: key)
    }
}

extension Archive {
    /// The event kind that anchors the web server's access log: `id` is the hash of access-log entry `record`.
    static let auditAnchorKind = "audit-anchor"

    /// Logs that the server's access log reached entry `seq` with hash `hash`, under the write lock; the access log
    /// can then be neither cut nor rewritten and re-hashed unnoticed (`auditAnchors`). A busy server anchors many
    /// times a second, so a checkpoint is signed once `anchorCheckpointEvery` entries are uncovered (and by the next
    /// archive write), not for each anchor: one small file per batch would pile up by the million.
    public func anchorAuditLog(seq: Int64, hash: String) throws {
        try workState.numbering { _ in
            let head = try log.head()
            let e = LogEvent(
                n: head.size, seq: head.sequence, time: HosoClock.format(clock.now()), kind: Self.auditAnchorKind, id: hash,
                type: "access-log", record: String(seq))
            let (after, _) = try log.append([e.bytes], sequence: head.sequence)
            if after.size - after.checkpoint >= Self.anchorCheckpointEvery { try checkpointLog() }
        }
    }

    static let anchorCheckpointEvery: UInt64 = 64

    /// Every access-log anchor in the log, oldest first: (entry number, hash). Reads the whole log.
    public func auditAnchors() throws -> [(seq: Int64, hash: String)] {
        let r = try log.reader()
        return try (0..<r.size).compactMap { try Self.auditAnchor(in: r.entry($0)) }
    }

    /// The newest access-log anchor, read from the end of the log (a few entries on a server that anchors each batch).
    /// It alone catches a cut tail and a re-hashed chain (every hash after a rewritten entry changes); all anchors
    /// only also say where the damage starts.
    public func latestAuditAnchor() throws -> (seq: Int64, hash: String)? {
        let r = try log.reader()
        for i in (0..<r.size).reversed() {
            if let a = try Self.auditAnchor(in: r.entry(i)) { return a }
        }
        return nil
    }

    private static func auditAnchor(in bytes: [UInt8]) -> (seq: Int64, hash: String)? {
        guard let e = LogEvent.parse(bytes), e.kind == auditAnchorKind, let seq = e.record.flatMap({ Int64($0) }) else { return nil }
        return (seq, e.id)
    }
}
