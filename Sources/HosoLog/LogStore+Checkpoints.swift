import Foundation
import HosoCore
import HosoPrimitives

extension LogStore {
    /// A stored checkpoint: its tree size, where it is kept and its exact bytes (what was signed is kept, never
    /// re-encoded).
    public struct StoredCheckpoint: Sendable {
        public var size: UInt64
        public var path: String
        public var note: [UInt8]

        public init(size: UInt64, path: String, note: [UInt8]) {
            self.size = size
            self.path = path
            self.note = note
        }
    }

    /// The sizes of the stored checkpoints, ascending. A stray file among them is reported as damage.
    public func checkpointSizes() throws -> [UInt64] { try storage.checkpoints().checkpointSizes() }

    /// The signed note stored for `size`, read with a bound.
    public func checkpoint(size: UInt64) throws -> StoredCheckpoint { try storage.checkpoints().checkpoint(size: size) }

    /// The newest stored checkpoint, if any.
    public func latestCheckpoint() throws -> StoredCheckpoint? { try Self.latest(in: storage.checkpoints()) }

    static func latest(in cps: any LogCheckpoints) throws -> StoredCheckpoint? {
        guard let s = try cps.checkpointSizes().last else { return nil }
        return try cps.checkpoint(size: s)
    }

    /// The extension line that chains a checkpoint to the one before it.
    public static func chainLine(previous: StoredCheckpoint) -> String {
        "prev \(previous.size) " + Data(SHA256.hash(previous.note)).base64EncodedString()
    }

    /// Signs and stores a checkpoint of the acknowledged log (the storage keeps it atomically and records it in the
    /// head, only onto the head read here). Nothing is written when the newest checkpoint already covers this size.
    @discardableResult
    public func writeCheckpoint(origin: String, time: String, signer: NoteSigner) throws -> StoredCheckpoint? {
        let reader = try reader()
        let latest = try Self.latest(in: reader.snapshot)
        if reader.size == 0 { return nil }
        if let latest, latest.size >= reader.size { return nil }
        var ext = ["time " + time]
        if let latest { ext.append(Self.chainLine(previous: latest)) }
        let note = try Checkpoint(origin: origin, size: reader.size, root: try reader.root(), extensions: ext).signed(by: signer)
        return try storage.storeCheckpoint(note, size: reader.size, from: reader.head)
    }
}
