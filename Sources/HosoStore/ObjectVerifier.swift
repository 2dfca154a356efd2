import HosoCore
import HosoPrimitives

/// Checks an object's stored payload (what follows its header: raw, or a zlib stream) against its id while the payload
/// is read in pieces, from a file or from a database's chunks alike. Every store re-hashes on read through it, so a
/// damaged object fails with the same codes (`objectCorrupt`, `objectTruncated`) wherever it is kept.
public final class ObjectVerifier {
    public let header: ObjectHeader
    public let expected: ObjectID
    /// Where the object is, for the errors (a file's path, a table row).
    public let location: String
    /// Content bytes produced so far (after inflating).
    public private(set) var produced: UInt64 = 0
    private let hasher = SHA256()
    private let inflater: Inflater?

    public init(header: ObjectHeader, expected: ObjectID, location: String) {
        self.header = header
        self.expected = expected
        self.location = location
        self.inflater = header.encoding == .zlib ? Inflater() : nil
    }

    /// The error of content that does not match its id (or says more than its header).
    public func corrupt(_ detail: String) -> HosoError {
        HosoError(
            .objectCorrupt,
            LocalizedText(
                vi: "Đối tượng bị hỏng: nội dung không khớp mã SHA-256 của nó",
                en: "Object is corrupt: its content does not match its SHA-256 name"),
            location: location, cause: detail)
    }

    /// Takes the next piece of the stored payload; hands the content it yields to `sink`, after hashing it.
    public func feed(_ body: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if let inflater {
            do {
                try inflater.process(body) { out in
                    produced += UInt64(out.count)
                    if produced > header.size { throw corrupt("more content than the header's \(header.size) bytes") }
                    hasher.update(out)
                    try sink(out)
                }
            } catch let e as ZlibDataError {
                throw corrupt(e.detail)
            }
        } else {
            let allowed = Int(min(UInt64(body.count), header.size - min(produced, header.size)))
            if allowed < body.count { throw corrupt("more content than the header's \(header.size) bytes") }
            produced += UInt64(body.count)
            hasher.update(body)
            try sink(body)
        }
    }

    /// After the last piece: throws `objectTruncated` for content shorter than the header says (or a zlib stream that
    /// did not end), `objectCorrupt` for content that hashes to another id.
    public func finish() throws {
        let finished = inflater.map { $0.state == .finished } ?? true
        if produced < header.size || !finished {
            throw HosoError(
                .objectTruncated,
                LocalizedText(
                    vi: "Đối tượng bị cắt cụt: tệp ngắn hơn nội dung mà đầu tệp ghi",
                    en: "Object is truncated: the file is shorter than its header says"),
                location: location, cause: "\(produced) of \(header.size) bytes")
        }
        let actual = ObjectID(digest: hasher.finalize())
        guard actual == expected else { throw corrupt("content hashes to \(actual.hex)") }
    }

    /// The header line at the start of `bytes` with its length, or the error that says how it is damaged:
    /// `objectCorrupt` when its check does not match its fields, `objectMalformed` when it is no header at all.
    public static func header(_ bytes: UnsafeRawBufferPointer, location: String) throws -> (ObjectHeader, Int) {
        switch ObjectHeader.parseChecked(bytes) {
        case .success(let r): return r
        case .failure(let e) where e.damage == .checkMismatch:
            throw HosoError(
                .objectCorrupt,
                LocalizedText(
                    vi: "Đối tượng bị hỏng: dòng đầu (loại, mã hoá, cỡ) không khớp mã kiểm tra của nó",
                    en: "Object is corrupt: its header line (kind, encoding, size) does not match its check"),
                location: location, cause: "header check mismatch")
        case .failure:
            throw HosoError(
                .objectMalformed,
                LocalizedText(vi: "Đầu tệp đối tượng không hợp lệ", en: "The object's header line is not valid"),
                location: location, cause: "expected '\(ObjectHeader.prefix)<kind> <raw|zlib> <size> <check>'")
        }
    }
}
