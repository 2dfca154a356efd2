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

    /// This node's own files (identity, key, per-peer sync state): never synced.
    var nodeFiles: NodeDirectory { NodeDirectory(archiveRoot: root) }

    // MARK: - Node identity

    /// Makes this archive a sync node: stores the certificate as an object, and the private key in `node/node-key.pem`
    /// (mode 0600, outside the object store, so it never syncs). Refused if the archive already is a node.
    @discardableResult
    public func initNode(name: String, role: NodeRole, identity: SigningIdentity) throws -> NodeInfo {
        if nodeFiles.exists {
            throw HosoError(
                .nodeExists,
                .both("Kho đã là một nút đồng bộ (xem `hoso node show`)", "The archive is already a sync node (see `hoso node show`)"),
                location: nodeFiles.infoFile)
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
        let obj = try putObject(identity.certificate.der, kind: .certificate)
        let info = NodeInfo(
            node: obj.id.hex, name: name, role: role, certificate: obj.id.hex, subject: identity.certificate.subject,
            notAfter: HosoClock.format(identity.certificate.notAfter), created: HosoClock.format(clock.now()))
        try nodeFiles.create(info: info, keyPEM: pem)
        return info
    }

    /// This node: its id, name, role and certificate.
    public func nodeInfo() throws -> NodeInfo { try nodeFiles.info() }

    /// The node's key and certificate, for signing bundles and requests.
    func nodeIdentity() throws -> (NodeInfo, SigningIdentity) {
        let info = try nodeFiles.info()
        let key = try nodeFiles.key()
        let cert = try Certificate(der: try store.read(ObjectID(hex: info.certificate)!))
        return (info, SigningIdentity(key: key, certificate: cert))
    }

    // MARK: - Peers

    /// The peers this node syncs with.
    public func peers() throws -> [Peer] { try listRecord(Self.peersId, key: "peers") }

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
        let obj = try putObject(certificate.der, kind: .certificate)
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
        try writeListRecord(list, type: Self.peersType, id: Self.peersId, key: "peers", author: author, reason: reason)
    }

    func peerCertificate(_ p: Peer) throws -> Certificate {
        try Certificate(der: try store.read(ObjectID(hex: p.certificate)!))
    }
}
