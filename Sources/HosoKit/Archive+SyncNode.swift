import Foundation
import HosoCore
import HosoRecords
import HosoSigning
import HosoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Archive {
    /// The record type of this node's list of peers (local: never synced).
    public static let peersType = "sync-peers"
    /// The record id of that list.
    public static let peersId = "sync-peers"
    /// Record types that are this node's own configuration and never leave it.
    static let localOnlyTypes: Set<String> = [peersType]

    var nodeDir: String { root + "/node" }
    var nodeFile: String { nodeDir + "/node.json" }
    var nodeKeyFile: String { nodeDir + "/node-key.pem" }
    var syncDir: String { root + "/sync" }

    // MARK: - Node identity

    /// Makes this archive a sync node: stores the certificate as an object, and the private key in `node/node-key.pem`
    /// (mode 0600, outside the object store, so it never syncs). Refused if the archive already is a node.
    @discardableResult
    public func initNode(name: String, role: NodeRole, identity: SigningIdentity) throws -> NodeInfo {
        if access(nodeFile, F_OK) == 0 {
            throw HosoError(
                .nodeExists,
                .both("Kho đã là một nút đồng bộ (xem `hoso node show`)", "The archive is already a sync node (see `hoso node show`)"),
                location: nodeFile)
        }
        guard !name.isEmpty, name.utf8.count <= 64, name.range(of: "^[a-z0-9][a-z0-9._-]*$", options: .regularExpression) != nil else {
            throw HosoError(
                .invalidScope, .both("Tên nút: chữ thường, số, '.', '_', '-'", "Node name: lowercase letters, digits, '.', '_', '-'"),
                location: name)
        }
        guard identity.key.matches(identity.certificate) else {
            throw HosoError(
                .keyCertMismatch, .both("Khóa bí mật không khớp với chứng thư số", "The private key does not match the certificate"))
        }
        let pem = try identity.key.pkcs8PEM()
        let (obj, _) = try store.put(identity.certificate.der, kind: .certificate)
        try index.record(objects: [obj])
        for (dir, mode) in [(nodeDir, mode_t(0o700)), (syncDir, mode_t(0o755))] where mkdir(dir, mode) != 0 && errno != EEXIST {
            throw HosoError.fromErrno(errno, path: dir, action: .both("tạo thư mục nút", "creating the node directory"))
        }
        let info = NodeInfo(
            node: obj.id.hex, name: name, role: role, certificate: obj.id.hex, subject: identity.certificate.subject,
            notAfter: HosoClock.format(identity.certificate.notAfter), created: HosoClock.format(clock.now()))
        try writeFileAtomically(Array(pem.utf8), to: nodeKeyFile, tmpDir: root + "/tmp", mode: 0o600)
        // node.json last: its presence makes the archive a node.
        try writeFileAtomically(try Self.jsonBytes(info), to: nodeFile, tmpDir: root + "/tmp")
        try fsyncDirectory(nodeDir)
        return info
    }

    /// This node: its id, name, role and certificate.
    public func nodeInfo() throws -> NodeInfo {
        guard let data = FileManager.default.contents(atPath: nodeFile) else {
            throw HosoError(
                .nodeNotInitialised,
                .both(
                    "Kho chưa là nút đồng bộ; chạy `hoso node init` trước",
                    "The archive is not a sync node yet; run `hoso node init` first"), location: nodeFile)
        }
        do { return try JSONDecoder().decode(NodeInfo.self, from: data) } catch {
            throw HosoError(
                .archiveDamaged, .both("node.json không đọc được", "node.json is unreadable"), location: nodeFile, cause: "\(error)")
        }
    }

    /// The node's key and certificate, for signing bundles and requests.
    func nodeIdentity() throws -> (NodeInfo, SigningIdentity) {
        let info = try nodeInfo()
        guard let pem = FileManager.default.contents(atPath: nodeKeyFile) else {
            throw HosoError(
                .nodeNotInitialised, .both("Thiếu khóa bí mật của nút", "The node's private key is missing"), location: nodeKeyFile)
        }
        let key = try PrivateKey.load(pem: [UInt8](pem), source: nodeKeyFile)
        let cert = try Certificate(der: try store.read(ObjectID(hex: info.certificate)!))
        return (info, SigningIdentity(key: key, certificate: cert))
    }

    static func jsonBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try enc.encode(value)) + [0x0A]
    }

    // MARK: - Peers

    /// The peers this node syncs with.
    public func peers() throws -> [Peer] {
        guard !(try index.revisions(ofRecord: Self.peersId)).isEmpty else { return [] }
        let (_, rev) = try current(record: Self.peersId)
        guard case .array(let items)? = rev.body["peers"] else { return [] }
        return items.compactMap { item -> Peer? in
            func s(_ k: String) -> String? {
                if case .string(let v)? = item[k] { return v }
                return nil
            }
            guard let name = s("name"), let node = s("node"), let cert = s("certificate"), let role = s("role").flatMap(NodeRole.init)
            else { return nil }
            var scope = [String]()
            if case .array(let a)? = item["scope"] {
                scope = a.compactMap {
                    if case .string(let v) = $0 { return v }
                    return nil
                }
            }
            return Peer(name: name, node: node, certificate: cert, role: role, scope: scope)
        }
    }

    /// A peer by name or node id.
    public func peer(named name: String) throws -> Peer {
        guard let p = try peers().first(where: { $0.name == name || $0.node == name }) else {
            throw HosoError(
                .peerNotFound, .both("Không có nút ngang hàng này (xem `hoso peer list`)", "No such peer (see `hoso peer list`)"),
                location: name)
        }
        return p
    }

    /// Adds a peer; the list is a revision of the `sync-peers` record, so who added whom and when is kept.
    @discardableResult
    public func addPeer(name: String, certificate: Certificate, role: NodeRole, scope: [String], author: String) throws -> Peer {
        for s in scope { _ = try ScopePattern(s) }
        guard name.range(of: "^[a-z0-9][a-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
            throw HosoError(
                .invalidScope, .both("Tên nút: chữ thường, số, '.', '_', '-'", "Peer name: lowercase letters, digits, '.', '_', '-'"),
                location: name)
        }
        var list = try peers()
        let node = ObjectID(hashing: certificate.der).hex
        if let me = try? nodeInfo(), me.node == node {
            throw HosoError(.peerExists, .both("Đây là chứng thư của chính nút này", "This is this node's own certificate"), location: name)
        }
        if let old = list.first(where: { $0.name == name || $0.node == node }) {
            throw HosoError(
                .peerExists, .both("Đã có nút ngang hàng này (\(old.name))", "This peer exists already (\(old.name))"), location: name)
        }
        let (obj, _) = try store.put(certificate.der, kind: .certificate)
        try index.record(objects: [obj])
        let p = Peer(name: name, node: node, certificate: obj.id.hex, role: role, scope: scope)
        list.append(p)
        try writePeers(list, author: author, reason: "add peer \(name)")
        return p
    }

    /// Forgets a peer; returns it.
    @discardableResult
    public func removePeer(_ name: String, author: String) throws -> Peer {
        let p = try peer(named: name)
        try writePeers(try peers().filter { $0 != p }, author: author, reason: "remove peer \(p.name)")
        return p
    }

    func writePeers(_ list: [Peer], author: String) throws { try writePeers(list, author: author, reason: "peers") }

    func writePeers(_ list: [Peer], author: String, reason: String) throws {
        let body = JSONValue.object([
            JSONMember(
                "peers",
                .array(
                    list.map { p in
                        .object([
                            JSONMember("name", .string(p.name)), JSONMember("node", .string(p.node)),
                            JSONMember("certificate", .string(p.certificate)), JSONMember("role", .string(p.role.rawValue)),
                            JSONMember("scope", .array(p.scope.map { .string($0) })),
                        ])
                    }))
        ])
        if try index.revisions(ofRecord: Self.peersId).isEmpty {
            try createRecord(type: Self.peersType, id: Self.peersId, body: body, author: author)
        } else {
            try revise(record: Self.peersId, body: body, author: author, reason: reason)
        }
    }

    func peerCertificate(_ p: Peer) throws -> Certificate {
        try Certificate(der: try store.read(ObjectID(hex: p.certificate)!))
    }

    // MARK: - Per-peer state

    func loadState(_ node: String) throws -> PeerState {
        guard let data = FileManager.default.contents(atPath: syncDir + "/" + node + ".json") else { return PeerState() }
        do { return try JSONDecoder().decode(PeerState.self, from: data) } catch {
            throw HosoError(
                .archiveDamaged, .both("Trạng thái đồng bộ không đọc được", "The sync state is unreadable"),
                location: syncDir + "/" + node + ".json", cause: "\(error)")
        }
    }

    /// Runs `body` holding `sync/lock` alone: bundle numbers and acknowledgements are read, changed and written back by
    /// one process at a time (a `hoso sync serve` and a `hoso bundle import` may run side by side). Not reentrant.
    func withSyncLock<T>(_ body: () throws -> T) throws -> T {
        if mkdir(syncDir, 0o755) != 0 && errno != EEXIST {
            throw HosoError.fromErrno(errno, path: syncDir, action: .both("tạo thư mục đồng bộ", "creating the sync directory"))
        }
        let lock = try ArchiveLock(path: syncDir + "/lock", mode: .exclusive, wait: true)
        return try withExtendedLifetime(lock) { try body() }
    }

    /// Reads a peer's state afresh, changes it and writes it back, under the sync lock.
    func updateState(_ node: String, _ change: (inout PeerState) -> Void) throws {
        try withSyncLock {
            var state = try loadState(node)
            change(&state)
            try saveState(node, state)
        }
    }

    func saveState(_ node: String, _ state: PeerState) throws {
        if mkdir(syncDir, 0o755) != 0 && errno != EEXIST {
            throw HosoError.fromErrno(errno, path: syncDir, action: .both("tạo thư mục đồng bộ", "creating the sync directory"))
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        try writeFileAtomically(Array(try enc.encode(state)) + [0x0A], to: syncDir + "/" + node + ".json", tmpDir: root + "/tmp")
    }
}
