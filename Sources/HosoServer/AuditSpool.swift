import Foundation
import HosoAccounts
import HosoCore
import HosoStore

#if canImport(Glibc)
import Glibc
#endif

/// Access-log entries kept on the application server's own disk while the hub's shared access log cannot be written
/// (its primary is gone and no standby has been promoted yet). The public pages read from the standby and keep
/// answering; each answer still waits until its entry is on a disk (this file, synced). The next batch written to
/// the shared log takes the spooled entries first, in their order, then the file goes.
///
/// One JSON object a line, appended and synced. A line cut by a crash was never synced, so no request was answered
/// on it: it is skipped when read. An entry spooled again after the shared log took it but before the file went
/// (the server stopped in between) shows twice in the log, never not at all.
final class AuditSpool: Sendable {
    static let fileName = "audit-spool.jsonl"
    let path: String
    /// Whether an error of the shared log says its database cannot take writes now (`ServerConfig.auditOutage`).
    let isOutage: @Sendable (any Error) -> Bool
    /// Past this size the spool takes nothing more and requests fail as they would without it.
    let maxBytes: Int

    init(path: String, isOutage: @escaping @Sendable (any Error) -> Bool, maxBytes: Int = 64 << 20) {
        self.path = path
        self.isOutage = isOutage
        self.maxBytes = maxBytes
    }

    private struct Line: Codable {
        var at, actor, action, target, detail: String
    }

    var isEmpty: Bool { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).map { $0 == 0 } ?? true }

    func append(_ items: [ServerStore.AuditItem]) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = [UInt8]()
        for i in items {
            bytes += try enc.encode(Line(at: i.at, actor: i.actor, action: i.action, target: i.target, detail: i.detail))
            bytes.append(0x0A)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size + bytes.count <= maxBytes else {
            throw HosoError(
                .diskFull,
                .both("Nhật ký truy cập tạm trên máy chủ đã đầy", "The server's temporary access log is full"), location: path)
        }
        let existed = FileManager.default.fileExists(atPath: path)
        let f = try FileHandleFD.open(
            path, flags: O_WRONLY | O_APPEND | O_CREAT, mode: 0o600,
            action: .both("ghi nhật ký truy cập tạm", "writing the temporary access log"))
        try bytes.withUnsafeBytes { try f.writeAll($0) }
        try f.sync()
        if !existed { try fsyncDirectory(parentDirectory(of: path)) }
    }

    /// The spooled entries in their order; a last line cut short is left out.
    func load() throws -> [ServerStore.AuditItem] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let dec = JSONDecoder()
        return data.split(separator: 0x0A).compactMap { line in
            (try? dec.decode(Line.self, from: Data(line))).map {
                ServerStore.AuditItem(at: $0.at, actor: $0.actor, action: $0.action, target: $0.target, detail: $0.detail)
            }
        }
    }

    func clear() throws {
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    }
}
