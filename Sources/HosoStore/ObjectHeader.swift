/// The first line of every object file: `hoso-object 1 <kind> <raw|zlib> <size>\n`.
/// It is plain ASCII so a person can read it with `head -1`, and it makes each file self-describing:
/// `fsck` and `reindex` need nothing but the file.
public struct ObjectHeader: Sendable, Equatable {
    public var kind: ObjectKind
    public var encoding: ObjectEncoding
    /// Size of the uncompressed content in bytes.
    public var size: UInt64

    public static let prefix = "hoso-object 1 "
    /// Long enough for the prefix, a 32-character kind, the encoding and a 20-digit size.
    public static let maxLength = 96

    public init(kind: ObjectKind, encoding: ObjectEncoding, size: UInt64) {
        self.kind = kind
        self.encoding = encoding
        self.size = size
    }

    public var encoded: [UInt8] {
        Array("\(Self.prefix)\(kind.rawValue) \(encoding.rawValue) \(size)\n".utf8)
    }

    public var length: Int { encoded.count }

    /// Parses the header at the start of `bytes`; returns it with its length, or nil if malformed.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> (ObjectHeader, Int)? {
        let limit = min(bytes.count, maxLength)
        guard let nl = (0..<limit).first(where: { bytes[$0] == 0x0A }) else { return nil }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<nl]), as: UTF8.self)
        guard line.hasPrefix(prefix) else { return nil }
        let fields = line.dropFirst(prefix.count).split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 3,
            let kind = ObjectKind(rawValue: String(fields[0])),
            let enc = ObjectEncoding(rawValue: String(fields[1])),
            !fields[2].isEmpty, fields[2].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            fields[2].count == 1 || fields[2].first != "0",
            let size = UInt64(fields[2])
        else { return nil }
        return (ObjectHeader(kind: kind, encoding: enc, size: size), nl + 1)
    }
}

/// What the store knows of one object.
public struct StoredObject: Sendable, Equatable, Codable {
    public var id: ObjectID
    public var kind: ObjectKind
    public var encoding: ObjectEncoding
    /// Uncompressed content size.
    public var size: UInt64
    /// Bytes the object file takes on disk, header included.
    public var storedSize: UInt64

    public init(id: ObjectID, kind: ObjectKind, encoding: ObjectEncoding, size: UInt64, storedSize: UInt64) {
        self.id = id
        self.kind = kind
        self.encoding = encoding
        self.size = size
        self.storedSize = storedSize
    }
}
