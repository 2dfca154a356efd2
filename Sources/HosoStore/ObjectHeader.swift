import HosoPrimitives

/// The first line of every object file: `hoso-object 2 <kind> <raw|zlib> <size> <check>\n`, where `check` is the
/// first 16 hex digits of the SHA-256 of `<kind> <raw|zlib> <size>`. The id (the file's name) covers the content
/// only, so that `sha256sum` prints it; the check covers the header, so that a flipped bit in the kind (a "record"
/// read as "recore", which `reindex` would silently leave out) is damage that `fsck` reports, not a new kind.
/// Version 1 headers (`hoso-object 1 <kind> <raw|zlib> <size>\n`, without the check) are still read: archives
/// written before stay readable, and their objects verify as before (only their kind is unprotected).
/// It is plain ASCII so a person can read it with `head -1`, and it makes each file self-describing:
/// `fsck` and `reindex` need nothing but the file.
public struct ObjectHeader: Sendable, Equatable {
    public var kind: ObjectKind
    public var encoding: ObjectEncoding
    /// Size of the uncompressed content in bytes.
    public var size: UInt64
    /// 2 (with a check of the header) for every object written now; 1 for objects of older archives.
    public var version: Int

    public static let prefix = "hoso-object 2 "
    public static let legacyPrefix = "hoso-object 1 "
    /// Long enough for the prefix, a 32-character kind, the encoding, a 20-digit size and the 16-digit check.
    public static let maxLength = 96

    public init(kind: ObjectKind, encoding: ObjectEncoding, size: UInt64, version: Int = 2) {
        self.kind = kind
        self.encoding = encoding
        self.size = size
        self.version = version
    }

    /// The check of a version 2 header: 64 bits of SHA-256 over its fields.
    static func check(kind: String, encoding: String, size: String) -> String {
        String(SHA256.hex(Array("\(kind) \(encoding) \(size)".utf8)).prefix(16))
    }

    public var encoded: [UInt8] {
        let fields = "\(kind.rawValue) \(encoding.rawValue) \(size)"
        if version == 1 { return Array("\(Self.legacyPrefix)\(fields)\n".utf8) }
        let check = Self.check(kind: kind.rawValue, encoding: encoding.rawValue, size: String(size))
        return Array("\(Self.prefix)\(fields) \(check)\n".utf8)
    }

    public var length: Int { encoded.count }

    /// Why a header line was refused (for `fsck`'s report).
    public enum Damage: Sendable, Equatable {
        /// Not a header line at all (no newline in reach, unknown prefix, wrong fields).
        case malformed
        /// A version 2 line whose check does not match its fields: a bit of the kind, encoding or size changed.
        case checkMismatch
    }

    /// Parses the header at the start of `bytes`; returns it with its length, or nil if malformed or damaged.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> (ObjectHeader, Int)? {
        if case .success(let r) = parseChecked(bytes) { return r }
        return nil
    }

    /// Parses the header at the start of `bytes`, saying why when it is refused.
    public static func parseChecked(_ bytes: UnsafeRawBufferPointer) -> Result<(ObjectHeader, Int), DamageError> {
        let limit = min(bytes.count, maxLength)
        guard let nl = (0..<limit).first(where: { bytes[$0] == 0x0A }) else { return .failure(DamageError(.malformed)) }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<nl]), as: UTF8.self)
        let version: Int
        if line.hasPrefix(prefix) {
            version = 2
        } else if line.hasPrefix(legacyPrefix) {
            version = 1
        } else {
            return .failure(DamageError(.malformed))
        }
        let fields = line.dropFirst(prefix.count).split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == (version == 2 ? 4 : 3),
            let kind = ObjectKind(rawValue: String(fields[0])),
            let enc = ObjectEncoding(rawValue: String(fields[1])),
            !fields[2].isEmpty, fields[2].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            fields[2].count == 1 || fields[2].first != "0",
            let size = UInt64(fields[2])
        else {
            // A version 2 line with a check is damaged rather than malformed when its check says the fields changed.
            if version == 2, fields.count == 4,
                check(kind: String(fields[0]), encoding: String(fields[1]), size: String(fields[2])) != fields[3]
            {
                return .failure(DamageError(.checkMismatch))
            }
            return .failure(DamageError(.malformed))
        }
        if version == 2 && check(kind: kind.rawValue, encoding: enc.rawValue, size: String(fields[2])) != fields[3] {
            return .failure(DamageError(.checkMismatch))
        }
        return .success((ObjectHeader(kind: kind, encoding: enc, size: size, version: version), nl + 1))
    }

    /// A refused header line, as an error value for `Result`.
    public struct DamageError: Error, Sendable, Equatable {
        public var damage: Damage
        init(_ damage: Damage) { self.damage = damage }
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
