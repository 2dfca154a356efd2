import HosoCore
import HosoPrimitives
import HosoStore
import NIOCore
import PostgresNIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The content-addressed object store in PostgreSQL, for the province hub: application servers keep nothing of
/// their own, and a streaming standby holds every object the primary acknowledged.
///
/// Tables: `hoso_objects` (one row per object: its SHA-256 as the key, the same header line a file object starts
/// with, sizes and the number of chunks) and `hoso_object_chunks` (the stored payload, raw or zlib exactly as the
/// file store would keep it, in pieces of at most 1 MiB). A put streams the chunks and inserts the object's row
/// after them in one transaction: a crash or a lost connection leaves no row, so never half an object, and chunks
/// without a row are never read. Every read re-hashes (through `ObjectVerifier`, like the file store), so a flipped
/// byte in a chunk fails with `objectCorrupt`, a missing chunk with `objectTruncated`.
/// Staging happens in a local directory (the file store's staging, which hashes and decides compression); commit
/// sends the staged payload to the database and removes the temporary file.
public final class PostgresObjectStore: ObjectStoring {
    public let client: BlockingPostgresClient
    /// The local staging area (its tmp/ holds staged objects until they are committed or discarded).
    public let staging: ObjectStore
    /// Chunks of the stored payload; bounded memory on the way in and out.
    public static let chunkSize = 1 << 20

    /// `stagingDirectory` is a local directory of this process (made if missing), e.g. under the hub's state dir.
    public init(client: BlockingPostgresClient, stagingDirectory: String) throws {
        self.client = client
        self.staging = ObjectStore(root: stagingDirectory)
        for dir in [stagingDirectory, staging.tmpDir, staging.objectsDir] where mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw HosoError.fromErrno(errno, path: dir, action: LocalizedText(vi: "tạo thư mục tạm", en: "making the staging directory"))
        }
    }

    /// The schema, as named steps (see `PostgresMigration`).
    public static let migrations: [PostgresMigration] = [
        PostgresMigration(
            "objects-1",
            [
                """
                CREATE TABLE hoso_objects (
                    id bytea PRIMARY KEY CHECK (length(id) = 32),
                    header bytea NOT NULL,
                    size bigint NOT NULL CHECK (size >= 0),
                    stored_size bigint NOT NULL CHECK (stored_size >= 0),
                    chunks integer NOT NULL CHECK (chunks >= 0),
                    stored_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE hoso_object_chunks (
                    id bytea NOT NULL CHECK (length(id) = 32),
                    n integer NOT NULL CHECK (n >= 0),
                    bytes bytea NOT NULL,
                    PRIMARY KEY (id, n)
                )
                """,
                // The payload is compressed already where that pays (the store decided): no second try by TOAST.
                "ALTER TABLE hoso_object_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL",
            ])
    ]

    /// The store's share of the hub's schema: objects and their chunks are history (the application role may add
    /// to them, never change or remove them).
    public static let hubPart = HubSchema.Part(
        name: "objects", migrations: migrations, tables: ["hoso_objects": .history, "hoso_object_chunks": .history])

    /// Creates or updates the tables.
    public func migrate() throws { try PostgresMigration.apply(Self.migrations, on: client) }

    func location(_ id: ObjectID) -> String { "postgres:hoso_objects/\(id.hex)" }

    // MARK: - Writing

    public func stage(
        kind: ObjectKind, expectedSize: UInt64, sourceName: String, compression: CompressionHint, durable: Bool,
        source: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> StagedObject {
        // Durability comes from the database's commit; the local temporary file is only a buffer.
        try staging.stage(
            kind: kind, expectedSize: expectedSize, sourceName: sourceName, compression: compression, durable: false,
            source: source)
    }

    /// Stages bytes already in memory.
    public func stage(bytes: [UInt8], kind: ObjectKind, compression: CompressionHint = .measure) throws -> StagedObject {
        try staging.stage(bytes: bytes, kind: kind, compression: compression)
    }

    @discardableResult
    public func commit(_ staged: [StagedObject]) throws -> [Bool] {
        // One transaction for them all: a write's objects (a copy's PDF, its register line and its request's new
        // revision) land together or not at all, so a primary lost in the middle leaves no half of one.
        let isNew = try client.transaction { c in try upload(staged, on: c) }
        for s in staged { _ = unlink(s.tempPath) }
        return isNew
    }

    public func discard(_ staged: [StagedObject]) { staging.discard(staged) }

    public func put(_ bytes: [UInt8], kind: ObjectKind) throws -> (StoredObject, Bool) {
        let s = try stage(bytes: bytes, kind: kind)
        do {
            return (s.object, try commit([s])[0])
        } catch {
            discard([s])
            throw error
        }
    }

    /// Most bytes of chunks sent in one INSERT: a sync batch's objects go in a few statements, not one per object.
    static let insertBytes = 8 << 20

    /// The staged objects, written in a fixed number of round trips whatever their count (a sync batch brings
    /// hundreds): the locks in one statement, the rows already present in one, the chunks in statements of up to
    /// `insertBytes`, the object rows in one. Answers in the caller's order; an object staged twice is new once.
    private func upload(_ staged: [StagedObject], on c: BlockingPostgresConnection) throws -> [Bool] {
        var first = [ObjectID: Int]()
        for (i, s) in staged.enumerated() where first[s.object.id] == nil { first[s.object.id] = i }
        // Taken in the order of their ids, so two writers sharing objects never deadlock; writers of the same object
        // wait for each other, different objects go side by side.
        let ids = first.keys.sorted { $0.hex < $1.hex }
        if ids.isEmpty { return staged.map { _ in false } }
        try c.execute(
            """
            SELECT count(pg_advisory_xact_lock(hashtextextended(h, 0))) FROM unnest(\(ids.map(\.hex))::text[]) AS h
            """)
        let keys = ids.map { ByteBuffer(bytes: Self.digest($0)) }
        var present = Set<ObjectID>()
        for r in try c.query("SELECT id FROM hoso_objects WHERE id = ANY(\(keys)::bytea[])") {
            if let id = ObjectID(hex: Hex.encode(try r.decode(ByteBuffer.self).readableBytesView)) { present.insert(id) }
        }
        var fresh = [ObjectID]()
        for id in ids {
            guard present.contains(id) else {
                fresh.append(id)
                continue
            }
            // Kept only if sound: the same bytes added again replace a damaged copy (as in the file store).
            // Replacing needs DELETE, which the hub's application role does not have: there a damaged object
            // stays as it is (POSTGRES_PERMISSION_DENIED) until the operator restores it.
            if (try? scan(id, on: c) { _ in }) != nil { continue }
            try c.execute("DELETE FROM hoso_objects WHERE id = \(ByteBuffer(bytes: Self.digest(id)))")
            fresh.append(id)
        }
        // Leftover chunks of no object (removed by hand) are cleared first; asked before deleting, so the ordinary
        // put, with none, needs only SELECT and INSERT.
        let freshKeys = fresh.map { ByteBuffer(bytes: Self.digest($0)) }
        for r in try c.query("SELECT DISTINCT id FROM hoso_object_chunks WHERE id = ANY(\(freshKeys)::bytea[])") {
            try c.execute("DELETE FROM hoso_object_chunks WHERE id = \(try r.decode(ByteBuffer.self))")
        }
        var chunks = ChunkRows()
        var rows = (keys: [ByteBuffer](), headers: [ByteBuffer](), sizes: [Int64](), stored: [Int64](), chunks: [Int32]())
        for id in fresh {
            let s = staged[first[id]!]
            let key = ByteBuffer(bytes: Self.digest(id))
            let (header, stored, count) = try readChunks(of: s, key: key) { key, n, body in
                chunks.append(key, n, body)
                if chunks.bytes >= Self.insertBytes { try chunks.flush(on: c) }
            }
            rows.keys.append(key)
            rows.headers.append(ByteBuffer(bytes: header.encoded))
            rows.sizes.append(Int64(header.size))
            rows.stored.append(Int64(stored))
            rows.chunks.append(count)
        }
        try chunks.flush(on: c)
        if !fresh.isEmpty {
            try c.execute(
                """
                INSERT INTO hoso_objects (id, header, size, stored_size, chunks)
                SELECT * FROM unnest(\(rows.keys)::bytea[], \(rows.headers)::bytea[], \(rows.sizes)::int8[], \(rows.stored)::int8[],
                    \(rows.chunks)::int4[])
                """)
        }
        let isFresh = Set(fresh)
        return staged.indices.map { i in first[staged[i].object.id] == i && isFresh.contains(staged[i].object.id) }
    }

    /// Chunk rows gathered for one INSERT.
    private struct ChunkRows {
        var keys = [ByteBuffer]()
        var numbers = [Int32]()
        var bodies = [ByteBuffer]()
        var bytes = 0

        mutating func append(_ key: ByteBuffer, _ n: Int32, _ body: ByteBuffer) {
            keys.append(key)
            numbers.append(n)
            bodies.append(body)
            bytes += body.readableBytes
        }

        mutating func flush(on c: BlockingPostgresConnection) throws {
            if keys.isEmpty { return }
            try c.execute(
                "INSERT INTO hoso_object_chunks (id, n, bytes) SELECT * FROM unnest(\(keys)::bytea[], \(numbers)::int4[], \(bodies)::bytea[])"
            )
            self = ChunkRows()
        }
    }

    /// Reads a staged file in chunks, checking it as it goes (a temporary file damaged on the local disk never
    /// lands): its header, the payload's stored size and the number of chunks handed to `chunk`.
    private func readChunks(
        of s: StagedObject, key: ByteBuffer, chunk: (ByteBuffer, Int32, ByteBuffer) throws -> Void
    ) throws -> (ObjectHeader, UInt64, Int32) {
        let file = try FileHandleFD.open(
            s.tempPath, flags: O_RDONLY, action: LocalizedText(vi: "đọc đối tượng tạm", en: "reading a staged object"))
        var buf = [UInt8](repeating: 0, count: Self.chunkSize)
        var n = try readStaged(file, into: &buf)
        let (header, hlen) = try buf.withUnsafeBytes {
            try ObjectVerifier.header(UnsafeRawBufferPointer(rebasing: $0[0..<n]), location: s.tempPath)
        }
        let verifier = ObjectVerifier(header: header, expected: s.object.id, location: s.tempPath)
        var count: Int32 = 0
        var stored = UInt64(hlen)
        var start = hlen
        while n > start {
            try buf.withUnsafeBytes { try verifier.feed(UnsafeRawBufferPointer(rebasing: $0[start..<n])) { _ in } }
            try chunk(key, count, ByteBuffer(bytes: buf[start..<n]))
            count += 1
            stored += UInt64(n - start)
            start = 0
            n = try readStaged(file, into: &buf)
        }
        try verifier.finish()
        return (header, stored, count)
    }

    private func readStaged(_ file: FileHandleFD, into buf: inout [UInt8]) throws -> Int {
        do { return try buf.withUnsafeMutableBytes { try file.readFully(into: $0) } } catch let e as Errno {
            throw HosoError.fromErrno(
                e.code, path: file.path, action: LocalizedText(vi: "đọc đối tượng tạm", en: "reading a staged object"))
        }
    }

    // MARK: - Reading

    public func contains(_ id: ObjectID) throws -> Bool {
        try !client.query("SELECT 1 FROM hoso_objects WHERE id = \(ByteBuffer(bytes: Self.digest(id)))").isEmpty
    }

    /// The object's row: its parsed header, stored size and chunk count.
    private func row(_ id: ObjectID, on c: BlockingPostgresConnection) throws -> (ObjectHeader, UInt64, Int) {
        let rows = try c.query(
            "SELECT header, stored_size, chunks FROM hoso_objects WHERE id = \(ByteBuffer(bytes: Self.digest(id)))")
        guard let r = rows.first else {
            throw HosoError(
                .objectNotFound, LocalizedText(vi: "Không có đối tượng này", en: "No such object"), location: location(id))
        }
        let (headerBytes, stored, chunks) = try decoded(r, as: (ByteBuffer, Int64, Int32).self, id)
        let (header, _) = try headerBytes.withUnsafeReadableBytes { try ObjectVerifier.header($0, location: location(id)) }
        return (header, UInt64(max(0, stored)), Int(chunks))
    }

    public func header(of id: ObjectID) throws -> StoredObject {
        let (h, stored, _) = try client.withConnection { try row(id, on: $0) }
        return StoredObject(id: id, kind: h.kind, encoding: h.encoding, size: h.size, storedSize: stored)
    }

    @discardableResult
    public func scan(_ id: ObjectID, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> StoredObject {
        try client.withConnection { try scan(id, on: $0, sink: sink) }
    }

    /// Streams the chunks one query at a time (at most one chunk in memory), re-hashing them.
    func scan(_ id: ObjectID, on c: BlockingPostgresConnection, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> StoredObject {
        let (header, stored, chunks) = try row(id, on: c)
        let key = ByteBuffer(bytes: Self.digest(id))
        let verifier = ObjectVerifier(header: header, expected: id, location: location(id))
        for n in 0..<chunks {
            let rows = try c.query("SELECT bytes FROM hoso_object_chunks WHERE id = \(key) AND n = \(Int32(n))")
            guard let r = rows.first else {
                throw HosoError(
                    .objectTruncated,
                    LocalizedText(
                        vi: "Đối tượng bị cắt cụt: thiếu một phần dữ liệu trong cơ sở dữ liệu",
                        en: "Object is truncated: a chunk of it is missing from the database"),
                    location: location(id), cause: "chunk \(n) of \(chunks) missing")
            }
            let bytes = try decoded(r, as: ByteBuffer.self, id)
            guard bytes.readableBytes <= Self.chunkSize else { throw verifier.corrupt("chunk \(n) is larger than a chunk may be") }
            try bytes.withUnsafeReadableBytes { try verifier.feed($0, sink: sink) }
        }
        try verifier.finish()
        return StoredObject(id: id, kind: header.kind, encoding: header.encoding, size: verifier.produced, storedSize: stored)
    }

    public func read(_ id: ObjectID, limit: UInt64 = ObjectStore.inMemoryLimit) throws -> [UInt8] {
        try verifiedContent(of: id, limit: limit)
    }

    public func forEachObjectID(_ body: (ObjectID) throws -> Void) throws {
        // Keyset pages: memory stays bounded however many objects there are.
        var after = ByteBuffer(bytes: [UInt8]())
        while true {
            let rows = try client.query("SELECT id FROM hoso_objects WHERE id > \(after) ORDER BY id LIMIT 1000")
            if rows.isEmpty { return }
            for r in rows {
                let key = try r.decode(ByteBuffer.self)
                guard key.readableBytes == 32, let bytes = key.getBytes(at: key.readerIndex, length: 32) else {
                    throw HosoError(
                        .postgresError, LocalizedText(vi: "Khoá đối tượng không hợp lệ", en: "An object key is not valid"),
                        location: "postgres:hoso_objects")
                }
                after = key
                try body(ObjectID(digest: bytes))
            }
        }
    }

    public func checkObject(_ id: ObjectID) -> (ObjectProblem, String)? {
        do {
            return try client.withConnection { c -> (ObjectProblem, String)? in
                _ = try scan(id, on: c) { _ in }
                let (_, _, chunks) = try row(id, on: c)
                let key = ByteBuffer(bytes: Self.digest(id))
                let extra = try c.query("SELECT count(*) FROM hoso_object_chunks WHERE id = \(key) AND n >= \(Int32(chunks))")
                let count = try extra.first.map { try $0.decode(Int64.self) } ?? 0
                return count > 0 ? (.stray, "\(count) chunk(s) beyond the object's \(chunks)") : nil
            }
        } catch let e as HosoError {
            switch e.code {
            case .objectCorrupt: return (.corrupt, e.cause ?? "")
            case .objectTruncated: return (.truncated, e.cause ?? "")
            case .objectMalformed: return (.malformed, e.cause ?? "bad header line")
            default: return (.unreadable, e.cause ?? e.text(.en))
            }
        } catch {
            return (.unreadable, "\(error)")
        }
    }

    /// What `fsck` found in the database.
    public struct FsckReport: Sendable {
        public var checked = 0
        public var damaged: [ObjectID: (ObjectProblem, String)] = [:]
        /// Ids with chunks but no object row (never made visible: a writer's leftovers, or a row deleted by hand).
        public var orphanChunks: [ObjectID] = []
        public var isClean: Bool { damaged.isEmpty && orphanChunks.isEmpty }
    }

    /// Re-hashes every object and looks for chunks that belong to no object.
    public func fsck() throws -> FsckReport {
        var report = FsckReport()
        try forEachObjectID { id in
            report.checked += 1
            if let p = checkObject(id) { report.damaged[id] = p }
        }
        let orphans = try client.query(
            """
            SELECT DISTINCT c.id FROM hoso_object_chunks c
            WHERE NOT EXISTS (SELECT 1 FROM hoso_objects o WHERE o.id = c.id) ORDER BY c.id LIMIT 10000
            """)
        for r in orphans {
            let key = try r.decode(ByteBuffer.self)
            if key.readableBytes == 32, let b = key.getBytes(at: key.readerIndex, length: 32) {
                report.orphanChunks.append(ObjectID(digest: b))
            }
        }
        return report
    }

    // MARK: - Helpers

    static func digest(_ id: ObjectID) -> [UInt8] {
        Hex.decode(id.hex) ?? []
    }

    private func decoded<T: PostgresDecodable>(_ row: PostgresRow, as _: T.Type, _ id: ObjectID) throws -> T {
        do { return try row.decode(T.self) } catch {
            throw HosoError(
                .objectMalformed, LocalizedText(vi: "Bản ghi đối tượng không hợp lệ", en: "The object's row is not valid"),
                location: location(id), cause: "\(error)")
        }
    }

    private func decoded(_ row: PostgresRow, as _: (ByteBuffer, Int64, Int32).Type, _ id: ObjectID) throws -> (ByteBuffer, Int64, Int32) {
        do { return try row.decode((ByteBuffer, Int64, Int32).self) } catch {
            throw HosoError(
                .objectMalformed, LocalizedText(vi: "Bản ghi đối tượng không hợp lệ", en: "The object's row is not valid"),
                location: location(id), cause: "\(error)")
        }
    }
}
