import Foundation
import HosoCore

/// A manifest object records one batch of `hoso add`: which paths were added, as which objects, when.
/// Names and times live in objects like everything else, so `reindex` can rebuild them.
public struct Manifest: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var path: String
        public var id: ObjectID
        public var kind: ObjectKind
        public var size: UInt64

        public init(
            path: String,
            id: ObjectID,
            kind: ObjectKind,
            size: UInt64
        ) {
            self.path = path
            self.id = id
            self.kind = kind
            self.size = size
        }
    }

    public static let typeName = "hoso/manifest"
    public var type: String = Manifest.typeName
    public var version: Int = 1
    public var addedAt: String
    public var entries: [Entry]

    public init(
        type: String = Manifest.typeName,
        version: Int = 1,
        addedAt: String,
        entries: [Entry]
    ) {
        self.type = type
        self.version = version
        self.addedAt = addedAt
        self.entries = entries
    }

    /// Deterministic bytes: sorted keys, no insignificant whitespace, entries sorted by path then id.
    public func encoded() throws -> [UInt8] {
        var copy = self
        copy.entries.sort { ($0.path, $0.id.hex) < ($1.path, $1.id.hex) }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try enc.encode(copy))
    }

    public static func decode(_ bytes: [UInt8], id: ObjectID) throws -> Manifest {
        do {
            let m = try JSONDecoder().decode(Manifest.self, from: Data(bytes))
            guard m.type == typeName, m.version == 1 else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "type/version"))
            }
            return m
        } catch {
            throw HosoError(
                .invalidManifest, .both("Đối tượng manifest không đọc được", "Unreadable manifest object"),
                location: id.hex, cause: "\(error)")
        }
    }
}
