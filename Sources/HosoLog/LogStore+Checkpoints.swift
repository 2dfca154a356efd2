import Foundation
import HosoCore
import HosoPrimitives

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LogStore {
    /// A stored checkpoint: its file's size in the name and its exact bytes (what was signed is kept, never re-encoded).
    public struct StoredCheckpoint: Sendable {
        public var size: UInt64
        public var path: String
        public var note: [UInt8]
    }

    func checkpointPath(_ size: UInt64) -> String {
        let digits = String(size)
        return checkpointsDir + "/" + String(repeating: "0", count: 20 - digits.count) + digits
    }

    /// The sizes of the stored checkpoints, ascending. Files whose names are not 20 digits are reported as damage.
    public func checkpointSizes() throws -> [UInt64] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: checkpointsDir) else { return [] }
        return try names.filter { !$0.hasSuffix(".tmp") }.map { name in
            guard name.utf8.count == 20, name.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let s = UInt64(name) else {
                throw HosoError(
                    .logCheckpointInvalid, .both("Tệp lạ trong thư mục điểm kiểm", "A stray file among the checkpoints"),
                    location: checkpointsDir + "/" + name)
            }
            return s
        }.sorted()
    }

    /// The signed note stored for `size`, read with a bound.
    public func checkpoint(size: UInt64) throws -> StoredCheckpoint {
        let path = checkpointPath(size)
        let f = try LogFile(path, writable: false)
        let n = try f.size()
        guard n <= UInt64(Checkpoint.maxNoteSize) else {
            throw HosoError(.logCheckpointInvalid, .both("Điểm kiểm quá lớn", "The checkpoint is too large"), location: path)
        }
        return StoredCheckpoint(size: size, path: path, note: try f.read(count: Int(n), at: 0))
    }

    /// The newest stored checkpoint, if any.
    public func latestCheckpoint() throws -> StoredCheckpoint? {
        guard let s = try checkpointSizes().last else { return nil }
        return try checkpoint(size: s)
    }

    /// The extension line that chains a checkpoint to the one before it.
    public static func chainLine(previous: StoredCheckpoint) -> String {
        "prev \(previous.size) " + Data(SHA256.hash(previous.note)).base64EncodedString()
    }

    /// Signs and stores a checkpoint of the acknowledged log (atomically: temporary file, sync, rename, directory
    /// sync). Nothing is written when the newest checkpoint already covers this size.
    @discardableResult
    public func writeCheckpoint(origin: String, time: String, signer: NoteSigner) throws -> StoredCheckpoint? {
        let reader = try reader()
        let latest = try latestCheckpoint()
        if reader.size == 0 { return nil }
        if let latest, latest.size >= reader.size { return nil }
        var ext = ["time " + time]
        if let latest { ext.append(Self.chainLine(previous: latest)) }
        let note = try Checkpoint(origin: origin, size: reader.size, root: try reader.root(), extensions: ext).signed(by: signer)
        try makeDirectory()
        let path = checkpointPath(reader.size)
        let tmp = path + ".tmp"
        let f = try LogFile(tmp, writable: true)
        try f.truncate(to: 0)
        try f.write(note, at: 0)
        try f.sync()
        if rename(tmp, path) != 0 {
            throw HosoError.fromErrno(errno, path: path, action: .both("ghi điểm kiểm", "writing a checkpoint"))
        }
        try syncDirectory(checkpointsDir)
        var head = reader.head
        head.checkpoint = reader.size
        try writeHead(head)
        return StoredCheckpoint(size: reader.size, path: path, note: note)
    }
}
