import HosoPrimitives

/// The parts of a ZIP file (an .xlsx workbook), read from the bytes in memory through its central directory.
///
/// Our own reader, not a library's, because a hostile workbook must end in an error: ZIPFoundation 0.9.20 loops
/// forever on a deflate stream that runs past the end of the file (the XLSX fuzzer found one). Every length read
/// from the file is checked against the bytes that are really there before it is used; only what an .xlsx needs is
/// accepted (one disk, stored or deflated parts, no encryption, no ZIP64, each name once), and a part's inflated
/// bytes must match the size and CRC-32 the directory gives.
struct ZIPParts {
    struct Entry {
        let name: String
        let method: UInt16
        let crc: UInt32
        let compressedSize: Int
        let size: Int
        let localHeader: Int
    }

    /// Why the bytes are not a ZIP file we read; XLSXReader words it for the user.
    struct Problem: Error, Equatable {
        let detail: String
    }

    static let maxEntries = 10_000

    let bytes: [UInt8]
    let entries: [String: Entry]

    init(_ bytes: [UInt8]) throws(Problem) {
        self.bytes = bytes
        let end = try Self.endOfCentralDirectory(bytes)
        var entries = [String: Entry]()
        var at = end.directoryOffset
        for _ in 0..<end.count {
            let e = try Self.directoryEntry(bytes, at: &at, directoryEnd: end.directoryOffset + end.directorySize)
            guard entries[e.name] == nil else { throw Problem(detail: "the part \(e.name) is listed twice") }
            entries[e.name] = e
        }
        self.entries = entries
    }

    /// The inflated bytes of the part `name`, nil if there is none; at most `limit` bytes.
    func data(_ name: String, limit: Int) throws(Problem) -> [UInt8]? {
        guard let e = entries[name] else { return nil }
        guard e.size <= limit else { throw Problem(detail: "the part \(name) is larger than \(limit) bytes") }
        let h = e.localHeader
        guard h <= bytes.count - 30, u32(h) == 0x0403_4b50 else { throw Problem(detail: "the part \(name) has no local header") }
        let start = h + 30 + Int(u16(h + 26)) + Int(u16(h + 28))
        guard start <= bytes.count, e.compressedSize <= bytes.count - start else {
            throw Problem(detail: "the part \(name) runs past the end of the file")
        }
        let raw = bytes[start..<start + e.compressedSize]
        let out: [UInt8]
        switch e.method {
        case 0:
            out = Array(raw)
        case 8:
            do { out = try Inflater.decompress(raw, format: .raw, limit: limit) } catch {
                throw Problem(detail: "the part \(name) does not inflate (\(error.kind)): \(error.detail)")
            }
        default:
            throw Problem(detail: "the part \(name) uses compression method \(e.method)")
        }
        guard out.count == e.size else { throw Problem(detail: "the part \(name) is \(out.count) bytes, not the \(e.size) listed") }
        guard crc32(out) == e.crc else { throw Problem(detail: "the part \(name) fails its CRC-32 check") }
        return out
    }

    // MARK: - Reading the directory

    private struct End {
        let count: Int
        let directorySize: Int
        let directoryOffset: Int
    }

    /// The end-of-central-directory record: in the last 22 + 65,535 bytes (its comment may be that long).
    private static func endOfCentralDirectory(_ b: [UInt8]) throws(Problem) -> End {
        guard b.count >= 22 else { throw Problem(detail: "too short for a ZIP file") }
        var p = b.count - 22
        let lowest = max(0, b.count - 22 - 65_535)
        while p >= lowest {
            if b[p] == 0x50, b[p + 1] == 0x4b, b[p + 2] == 5, b[p + 3] == 6, p + 22 + Int(le16(b, p + 20)) == b.count { break }
            p -= 1
        }
        guard p >= lowest else { throw Problem(detail: "no end of central directory") }
        guard le16(b, p + 4) == 0, le16(b, p + 6) == 0, le16(b, p + 8) == le16(b, p + 10) else {
            throw Problem(detail: "a ZIP file split over several disks")
        }
        let count = Int(le16(b, p + 10))
        let size = Int(le32(b, p + 12))
        let offset = Int(le32(b, p + 16))
        guard count != 0xFFFF, size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF else { throw Problem(detail: "ZIP64 is not accepted") }
        guard count <= maxEntries else { throw Problem(detail: "more than \(maxEntries) parts") }
        guard offset <= p, size <= p - offset else { throw Problem(detail: "the central directory lies outside the file") }
        return End(count: count, directorySize: size, directoryOffset: offset)
    }

    private static func directoryEntry(_ b: [UInt8], at p: inout Int, directoryEnd: Int) throws(Problem) -> Entry {
        guard p <= directoryEnd - 46, le32(b, p) == 0x0201_4b50 else { throw Problem(detail: "a damaged central directory") }
        let flags = le16(b, p + 8)
        let nameLength = Int(le16(b, p + 28))
        let next = p + 46 + nameLength + Int(le16(b, p + 30)) + Int(le16(b, p + 32))
        guard next <= directoryEnd else { throw Problem(detail: "a central directory entry runs past its end") }
        guard flags & 1 == 0 else { throw Problem(detail: "an encrypted part") }
        guard let name = String(validating: b[p + 46..<p + 46 + nameLength], as: UTF8.self) else {
            throw Problem(detail: "a part name that is not UTF-8")
        }
        let compressed = le32(b, p + 20)
        let size = le32(b, p + 24)
        let local = le32(b, p + 42)
        guard compressed != 0xFFFF_FFFF, size != 0xFFFF_FFFF, local != 0xFFFF_FFFF else {
            throw Problem(detail: "ZIP64 is not accepted")
        }
        defer { p = next }
        return Entry(
            name: name, method: le16(b, p + 10), crc: le32(b, p + 16), compressedSize: Int(compressed), size: Int(size),
            localHeader: Int(local))
    }

    private static func le16(_ b: [UInt8], _ p: Int) -> UInt16 { UInt16(b[p]) | UInt16(b[p + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ p: Int) -> UInt32 { UInt32(le16(b, p)) | UInt32(le16(b, p + 2)) << 16 }
    private func u16(_ p: Int) -> UInt16 { Self.le16(bytes, p) }
    private func u32(_ p: Int) -> UInt32 { Self.le32(bytes, p) }
}
