import CHosoSys
import HosoCore
import HosoPrimitives

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading objects back, each re-checked against its id.
extension ObjectStore {
    // MARK: - Reading

    /// Reads the header of an object file; cheap, used by `reindex`.
    public func readHeader(atPath path: String) throws -> (ObjectHeader, Int, UInt64) {
        let h = try openObject(path)
        var buf = [UInt8](repeating: 0, count: ObjectHeader.maxLength)
        let n: Int
        do { n = try buf.withUnsafeMutableBytes { try h.readFully(into: $0) } } catch let e as Errno {
            throw unreadable(path, e.code)
        }
        let (header, len) = try parsedHeader(buf, count: n, path: path)
        let st: stat
        do { st = try h.stat() } catch let e as Errno { throw unreadable(path, e.code) }
        return (header, len, UInt64(st.st_size))
    }

    public func header(of id: ObjectID) throws -> StoredObject {
        let (h, _, fileSize) = try readHeader(atPath: path(of: id))
        return StoredObject(id: id, kind: h.kind, encoding: h.encoding, size: h.size, storedSize: fileSize)
    }

    /// Streams an object's content to `sink`, re-hashing it; throws `objectCorrupt`/`objectTruncated`/
    /// `objectMalformed` at the first sign of damage. The sink may already have seen some bytes when that
    /// happens: callers that must never hand out wrong bytes use `read` or `copy`, which check first.
    @discardableResult
    public func scan(_ id: ObjectID, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> StoredObject {
        try scan(path: path(of: id), expected: id, sink: sink)
    }

    func scan(
        path: String, expected: ObjectID,
        sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> StoredObject {
        let h = try openObject(path)
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        var n: Int
        do { n = try chunk.withUnsafeMutableBytes { try h.readFully(into: $0) } } catch let e as Errno {
            throw unreadable(path, e.code)
        }
        let (header, hlen) = try parsedHeader(chunk, count: n, path: path)
        let verifier = ObjectVerifier(header: header, expected: expected, location: path)
        var fileBytes = UInt64(n)
        var start = hlen
        while true {
            try chunk.withUnsafeBytes { all in
                try verifier.feed(UnsafeRawBufferPointer(rebasing: all[start..<n]), sink: sink)
            }
            start = 0
            do { n = try chunk.withUnsafeMutableBytes { try h.readFully(into: $0) } } catch let e as Errno {
                throw unreadable(path, e.code)
            }
            fileBytes += UInt64(n)
            if n == 0 { break }
        }
        try verifier.finish()
        let produced = verifier.produced
        return StoredObject(
            id: expected, kind: header.kind, encoding: header.encoding, size: produced,
            storedSize: fileBytes)
    }

    /// The verified content of an object, in memory. Wrong bytes are never returned.
    public func read(_ id: ObjectID, limit: UInt64 = ObjectStore.inMemoryLimit) throws -> [UInt8] {
        let head = try header(of: id)
        guard head.size <= limit else {
            throw HosoError(
                .objectTooLarge,
                LocalizedText(vi: "Đối tượng quá lớn để đọc vào bộ nhớ", en: "Object too large to read into memory"),
                location: id.hex, cause: "\(head.size) > \(limit) bytes")
        }
        var out = [UInt8]()
        out.reserveCapacity(Int(head.size))
        try scan(id) { out.append(contentsOf: $0) }
        return out
    }

    /// The verified content of an object staged but not yet committed (a sync's arrivals, checked before they are
    /// kept). Wrong bytes are never returned.
    public func read(staged s: StagedObject, limit: UInt64 = ObjectStore.inMemoryLimit) throws -> [UInt8] {
        guard s.object.size <= limit else {
            throw HosoError(
                .objectTooLarge,
                LocalizedText(vi: "Đối tượng quá lớn để đọc vào bộ nhớ", en: "Object too large to read into memory"),
                location: s.object.id.hex, cause: "\(s.object.size) > \(limit) bytes")
        }
        var out = [UInt8]()
        _ = try scan(path: s.tempPath, expected: s.object.id) { chunk in
            guard UInt64(out.count + chunk.count) <= limit else {
                throw HosoError(.objectTooLarge, LocalizedText(vi: "Đối tượng quá lớn", en: "Object too large"), location: s.object.id.hex)
            }
            out.append(contentsOf: chunk)
        }
        return out
    }

    // MARK: - Helpers

    private func openObject(_ path: String) throws -> FileHandleFD {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT {
                let name = String(path.split(separator: "/").last ?? "")
                throw HosoError(
                    .objectNotFound,
                    LocalizedText(vi: "Không có đối tượng này trong kho", en: "No such object in the store"),
                    location: name)
            }
            throw unreadable(path, code)
        }
        return FileHandleFD(fd: fd, path: path)
    }

    private func unreadable(_ path: String, _ code: Int32) -> HosoError {
        HosoError(
            .objectUnreadable, LocalizedText(vi: "Không đọc được đối tượng", en: "Cannot read the object"),
            location: path, cause: errnoDescription(code))
    }

    /// The header at the start of the first `count` bytes of `buf`, or the error that says how it is damaged.
    private func parsedHeader(_ buf: [UInt8], count n: Int, path: String) throws -> (ObjectHeader, Int) {
        try buf.withUnsafeBytes { try ObjectVerifier.header(UnsafeRawBufferPointer(rebasing: $0[0..<n]), location: path) }
    }
}
