import Foundation
import HosoCore

extension HosoError.Code {
    public static let invalidScope = Self("SYNC_INVALID_SCOPE", .badInput)
}

/// What a node is in the district: schools send their own records up; the office sends trust data and shared ledgers down.
public enum NodeRole: String, Codable, Sendable, CaseIterable {
    case school, office
}

/// This archive's identity as a sync node (`node/node.json`, local, never synced). The id is the SHA-256 of the node
/// certificate's DER — the certificate's object id — so a peer knows it from the certificate alone.
public struct NodeInfo: Codable, Sendable, Equatable {
    public var format = "hoso-node"
    public var version = 1
    public var node: String
    public var name: String
    public var role: NodeRole
    public var certificate: String
    public var subject: String
    public var notAfter: String
    public var created: String

    public init(
        node: String,
        name: String,
        role: NodeRole,
        certificate: String,
        subject: String,
        notAfter: String,
        created: String
    ) {
        self.node = node
        self.name = name
        self.role = role
        self.certificate = certificate
        self.subject = subject
        self.notAfter = notAfter
        self.created = created
    }
}

/// A peer this node syncs with: pinned by its certificate (a bundle or request is accepted only if signed by exactly
/// that certificate), with a role and the record scope exchanged on this link.
public struct Peer: Codable, Sendable, Equatable {
    public var name: String
    public var node: String
    public var certificate: String
    public var role: NodeRole
    /// Record patterns exchanged with this peer, both ways: `TYPE:GLOB` or `GLOB` on the record id (`*` any text).
    public var scope: [String]

    public init(
        name: String,
        node: String,
        certificate: String,
        role: NodeRole,
        scope: [String]
    ) {
        self.name = name
        self.node = node
        self.certificate = certificate
        self.role = role
        self.scope = scope
    }
}

/// One scope pattern: an optional record type and a glob on the record id.
public struct ScopePattern: Sendable, Equatable {
    public var type: String?
    public var glob: String

    public init(_ text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let colon = t.firstIndex(of: ":"), t[..<colon].range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil {
            type = String(t[..<colon])
            glob = String(t[t.index(after: colon)...])
        } else {
            type = nil
            glob = t
        }
        if glob.isEmpty || glob.utf8.count > 256 {
            throw HosoError(
                .invalidScope, .both("Phạm vi đồng bộ không hợp lệ (TYPE:GLOB hoặc GLOB)", "Invalid sync scope (TYPE:GLOB or GLOB)"),
                location: text)
        }
    }

    public func matches(type t: String, id: String) -> Bool {
        if let type, type != t { return false }
        return Self.glob(Array(glob.utf8)[...], Array(id.utf8)[...])
    }

    /// `*` matches any run of characters (slashes included), `?` one; everything else itself.
    package static func glob(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
        var pi = p.startIndex
        var si = s.startIndex
        var star: Int? = nil
        var mark = s.startIndex
        while si < s.endIndex {
            if pi < p.endIndex && (p[pi] == UInt8(ascii: "?") || p[pi] == s[si]) && p[pi] != UInt8(ascii: "*") {
                pi += 1
                si += 1
            } else if pi < p.endIndex && p[pi] == UInt8(ascii: "*") {
                star = pi
                mark = si
                pi += 1
            } else if let st = star {
                pi = st + 1
                mark += 1
                si = mark
            } else {
                return false
            }
        }
        while pi < p.endIndex && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.endIndex
    }
}
