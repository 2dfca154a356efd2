import HosoCore
import HosoPrimitives

/// The name of an object: the SHA-256 of its uncompressed content, written as 64 lowercase hex digits.
/// So `sha256sum scan.png` prints the same id that `hoso add scan.png` does.
public struct ObjectID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let hex: String

    /// Accepts exactly 64 hex digits (either case); stores lowercase.
    public init?(hex: String) {
        guard hex.utf8.count == 64, hex.utf8.allSatisfy(ObjectID.isHexDigit) else { return nil }
        self.hex = hex.lowercased()
    }

    public init(digest: [UInt8]) {
        precondition(digest.count == 32)
        self.hex = Hex.encode(digest)
    }

    /// The id of `bytes`: their SHA-256.
    public init(hashing bytes: some Collection<UInt8>) { self.init(digest: SHA256.hash(bytes)) }

    /// The two-digit shard directory the object lives in.
    public var shard: String { String(hex.prefix(2)) }
    public var description: String { hex }
    public static func < (a: ObjectID, b: ObjectID) -> Bool { a.hex < b.hex }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let id = ObjectID(hex: s) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "not a SHA-256 hex id: \(s)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }

    static func isHexDigit(_ c: UInt8) -> Bool { Hex.value(c) != nil }

    /// A prefix a person may type instead of the whole id (at least 4 hex digits).
    public static func normalizedPrefix(_ text: String) throws -> String {
        let t = text.lowercased()
        guard t.utf8.count >= 4, t.utf8.count <= 64, t.utf8.allSatisfy(isHexDigit) else {
            throw HosoError(
                .invalidID,
                LocalizedText(
                    vi: "Mã đối tượng phải gồm 4 đến 64 chữ số thập lục phân",
                    en: "An object id must be 4 to 64 hexadecimal digits"),
                location: text)
        }
        return t
    }
}

/// What an object is. Stored in the object's own header, so `fsck` and `reindex` can read it from the
/// object file alone. The set grows as hoso does (records, signatures, copies…), hence a struct, not an enum.
public struct ObjectKind: Hashable, Sendable, RawRepresentable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// A kind is a short lowercase token: a letter, then letters, digits or '-', at most 32 characters.
    public init?(rawValue: String) {
        let u = Array(rawValue.utf8)
        guard (1...32).contains(u.count), (97...122).contains(u[0]),
            u.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 })
        else { return nil }
        self.rawValue = rawValue
    }

    private init(known: String) { self.rawValue = known }

    public var description: String { rawValue }

    public static func parse(_ text: String) throws -> ObjectKind {
        guard let k = ObjectKind(rawValue: text) else {
            throw HosoError(
                .invalidKind,
                LocalizedText(
                    vi: "Loại đối tượng không hợp lệ (chữ thường, số, '-'; tối đa 32 ký tự)",
                    en: "Invalid object kind (lowercase letters, digits, '-'; at most 32 characters)"),
                location: text)
        }
        return k
    }

    public static let blob = ObjectKind(known: "blob")
    public static let manifest = ObjectKind(known: "manifest")
    public static let record = ObjectKind(known: "record")
    public static let signature = ObjectKind(known: "signature")
    public static let timestamp = ObjectKind(known: "timestamp")
    public static let certificate = ObjectKind(known: "certificate")
    public static let crl = ObjectKind(known: "crl")
    public static let copy = ObjectKind(known: "copy")
    /// A học bạ's PDF as issued or as each signature left it.
    public static let hocBa = ObjectKind(known: "hoc-ba")
    /// A DER OCSPResponse kept as validation data.
    public static let ocspResponse = ObjectKind(known: "ocsp-response")
    /// One archive timestamp (RFC 4998 style) over objects of the archive, or renewing another (HosoKit's
    /// `ArchiveTimestampObject`, JSON).
    public static let archiveTimestamp = ObjectKind(known: "archive-timestamp")
}

/// How an object's payload is kept on disk.
public enum ObjectEncoding: String, Sendable, Codable {
    case raw, zlib
}
