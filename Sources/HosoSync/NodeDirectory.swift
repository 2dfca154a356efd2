import Foundation
import HosoCore
import HosoSigning
import HosoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A node's own files in its archive, outside the object store so they never sync: `node/node.json` (who this node
/// is), `node/node-key.pem` (its key, mode 0600), and `sync/<peer>.json` (what was sent to and received from each peer)
/// with `sync/lock`, which one process holds while it changes that state.
package struct NodeDirectory: Sendable {
    package let archiveRoot: String

    package init(archiveRoot: String) { self.archiveRoot = archiveRoot }

    package var nodeDir: String { archiveRoot + "/node" }
    package var infoFile: String { nodeDir + "/node.json" }
    package var keyFile: String { nodeDir + "/node-key.pem" }
    package var syncDir: String { archiveRoot + "/sync" }
    private var tmpDir: String { archiveRoot + "/tmp" }

    /// True when the archive is a sync node.
    package var exists: Bool { access(infoFile, F_OK) == 0 }

    /// Writes the key, then `node.json`: its presence is what makes the archive a node, so it goes last.
    package func create(info: NodeInfo, keyPEM: String) throws {
        for (dir, mode) in [(nodeDir, mode_t(0o700)), (syncDir, mode_t(0o755))] where mkdir(dir, mode) != 0 && errno != EEXIST {
            throw HosoError.fromErrno(errno, path: dir, action: .both("tạo thư mục nút", "creating the node directory"))
        }
        try writeFileAtomically(Array(keyPEM.utf8), to: keyFile, tmpDir: tmpDir, mode: 0o600)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try writeFileAtomically(Array(try enc.encode(info)) + [0x0A], to: infoFile, tmpDir: tmpDir)
        try fsyncDirectory(nodeDir)
    }

    package func info() throws -> NodeInfo {
        guard let data = FileManager.default.contents(atPath: infoFile) else {
            throw HosoError(
                .nodeNotInitialised,
                .both(
                    "Kho chưa là nút đồng bộ; chạy `hoso node init` trước",
                    "The archive is not a sync node yet; run `hoso node init` first"), location: infoFile)
        }
        do { return try JSONDecoder().decode(NodeInfo.self, from: data) } catch {
            throw HosoError(
                .archiveDamaged, .both("node.json không đọc được", "node.json is unreadable"), location: infoFile, cause: "\(error)")
        }
    }

    package func key() throws -> PrivateKey {
        guard let pem = FileManager.default.contents(atPath: keyFile) else {
            throw HosoError(
                .nodeNotInitialised, .both("Thiếu khóa bí mật của nút", "The node's private key is missing"), location: keyFile)
        }
        return try PrivateKey.load(pem: [UInt8](pem), source: keyFile)
    }

    // MARK: - Per-peer state

    package func stateFile(_ node: String) -> String { syncDir + "/" + node + ".json" }

    package func loadState(_ node: String) throws -> PeerState {
        guard let data = FileManager.default.contents(atPath: stateFile(node)) else { return PeerState() }
        do { return try JSONDecoder().decode(PeerState.self, from: data) } catch {
            throw HosoError(
                .archiveDamaged, .both("Trạng thái đồng bộ không đọc được", "The sync state is unreadable"),
                location: stateFile(node), cause: "\(error)")
        }
    }

    package func saveState(_ node: String, _ state: PeerState) throws {
        try makeSyncDir()
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        try writeFileAtomically(Array(try enc.encode(state)) + [0x0A], to: stateFile(node), tmpDir: tmpDir)
    }

    /// Runs `body` holding `sync/lock` alone: bundle numbers and acknowledgements are read, changed and written back by
    /// one process at a time (a `hoso sync serve` and a `hoso bundle import` may run side by side). Not reentrant.
    package func withLock<T>(_ body: () throws -> T) throws -> T {
        try makeSyncDir()
        let lock = try ArchiveLock(path: syncDir + "/lock", mode: .exclusive, wait: true)
        return try withExtendedLifetime(lock) { try body() }
    }

    /// Reads a peer's state afresh, changes it and writes it back, under the sync lock.
    package func updateState(_ node: String, _ change: (inout PeerState) -> Void) throws {
        try withLock {
            var state = try loadState(node)
            change(&state)
            try saveState(node, state)
        }
    }

    private func makeSyncDir() throws {
        if mkdir(syncDir, 0o755) != 0 && errno != EEXIST {
            throw HosoError.fromErrno(errno, path: syncDir, action: .both("tạo thư mục đồng bộ", "creating the sync directory"))
        }
    }
}
