import Foundation
import HosoCore
import HosoPostgres
import HosoPrimitives
import HosoStore
import HosoTestSupport
import Testing

/// The two stores behind `ObjectStoring`, each with a way to damage what it keeps, as a disk or an operator would.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case file, postgres
    var testDescription: String { rawValue }
}

/// One store under test and what keeps it alive (its folder, or its PostgreSQL cluster).
final class StoreUnderTest {
    let store: any ObjectStoring
    let kind: StoreKind
    let folder: TempDirectory
    let cluster: PostgresCluster?
    let client: BlockingPostgresClient?
    /// This test's own database in the shared cluster, and its URL.
    let database: String
    let url: String

    init(_ kind: StoreKind) throws {
        self.kind = kind
        folder = TempDirectory("pgstore")
        switch kind {
        case .file:
            let s = ObjectStore(root: folder.path)
            try FileManager.default.createDirectory(atPath: s.tmpDir, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: s.objectsDir, withIntermediateDirectories: true)
            try s.makeShardDirectories()
            store = s
            cluster = nil
            client = nil
            database = ""
            url = ""
        case .postgres:
            let c = try PostgresCluster.shared()
            let url = try c.createDatabase()
            self.url = url
            database = String(url.split(separator: "/").last!)
            let client = try BlockingPostgresClient(url)
            let s = try PostgresObjectStore(client: client, stagingDirectory: folder.path + "/staging")
            try s.migrate()
            store = s
            cluster = c
            self.client = client
        }
    }

    deinit {
        client?.close()
        if let cluster, !database.isEmpty { _ = try? cluster.psql("DROP DATABASE \(database) WITH (FORCE)") }
    }

    /// SQL in this test's database.
    @discardableResult
    func psql(_ sql: String) throws -> String { try cluster!.psql(sql, database: database) }

    /// Flips one bit of the stored payload, `offset` bytes from its end.
    func flipStoredByte(of id: ObjectID, fromEnd offset: Int = 1) throws {
        switch kind {
        case .file:
            let path = (store as! ObjectStore).path(of: id)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[bytes.count - offset] ^= 0x01
            chmod(path, 0o644)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        case .postgres:
            // The last chunk's byte, with SQL, as a bad disk block or a careless operator would.
            try psql(
                """
                UPDATE hoso_object_chunks SET bytes = set_byte(bytes, length(bytes) - \(offset),
                    get_byte(bytes, length(bytes) - \(offset)) # 1)
                WHERE id = '\\x\(id.hex)' AND n = (SELECT max(n) FROM hoso_object_chunks WHERE id = '\\x\(id.hex)')
                """)
        }
    }
}

/// Streams `bytes` into a staged object a piece at a time, as `hoso add` streams a file.
func stageStreaming(_ store: any ObjectStoring, _ bytes: [UInt8], kind: ObjectKind = .blob) throws -> StagedObject {
    var offset = 0
    return try store.stage(
        kind: kind, expectedSize: UInt64(bytes.count), sourceName: "<test>", compression: .measure, durable: false
    ) { buf in
        let n = min(buf.count, bytes.count - offset, 300_000)  // odd-sized reads, as a pipe gives them
        bytes.withUnsafeBytes { buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) }
        offset += n
        return n
    }
}

@Suite struct ObjectStoreConformanceTests {
    @Test(arguments: StoreKind.allCases) func putReadExistsAndTheSameBytesTwiceAreOneObject(kind: StoreKind) throws {
        let t = try StoreUnderTest(kind)
        let bytes = Array("Sổ gốc cấp bằng tốt nghiệp THCS, năm 1998".utf8)
        let (obj, isNew) = try t.store.put(bytes, kind: .record)
        #expect(isNew)
        #expect(obj.id == ObjectID(hashing: bytes))
        #expect(try t.store.contains(obj.id))
        #expect(try t.store.read(obj.id, limit: 1 << 20) == bytes)
        let head = try t.store.header(of: obj.id)
        #expect(head.kind == .record && head.size == UInt64(bytes.count))
        let (again, secondIsNew) = try t.store.put(bytes, kind: .record)
        #expect(again.id == obj.id && !secondIsNew)
        var ids = [ObjectID]()
        try t.store.forEachObjectID { ids.append($0) }
        #expect(ids == [obj.id])
        let missing = ObjectID(hashing: Array("not stored".utf8))
        #expect(try !t.store.contains(missing))
        #expect(throws: HosoError(.objectNotFound, .both("", ""))) { try t.store.read(missing, limit: 1 << 20) }
        #expect(t.store.checkObject(obj.id) == nil)
    }

    @Test(arguments: StoreKind.allCases) func largeObjectsStreamInAndOutInChunks(kind: StoreKind) throws {
        let t = try StoreUnderTest(kind)
        // Incompressible (kept raw) and compressible (kept as zlib): both over several 1 MiB chunks.
        let raw = noise(3 * (1 << 20) + 12345, seed: 21)
        let text = Array(String(repeating: "Nguyễn Văn An, 12/03/1984, Trường THCS Lê Lợi; ", count: 60_000).utf8)
        for (bytes, encoding) in [(raw, ObjectEncoding.raw), (text, .zlib)] {
            let staged = try stageStreaming(t.store, bytes)
            #expect(try !t.store.contains(staged.object.id))  // staged is not stored
            #expect(try t.store.commit([staged]) == [true])
            var hash = SHA256()
            var pieces = 0
            let got = try t.store.scan(staged.object.id) { chunk in
                hash.update(chunk)
                pieces += 1
                #expect(chunk.count <= 1 << 20)
            }
            #expect(ObjectID(digest: hash.finalize()) == ObjectID(hashing: bytes))
            #expect(got.size == UInt64(bytes.count) && got.encoding == encoding)
            #expect(pieces > 1)
            hash = SHA256()
        }
        if kind == .postgres {
            let chunks = try t.psql("SELECT count(*) FROM hoso_object_chunks WHERE id = '\\x\(ObjectID(hashing: raw).hex)'")
            #expect(Int(chunks) ?? 0 >= 4)
        }
        #expect(try t.store.checkAll().isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func aFlippedStoredByteFailsEveryReadLoudlyAndCheckReportsIt(kind: StoreKind) throws {
        let t = try StoreUnderTest(kind)
        let bytes = noise(2 * (1 << 20) + 99, seed: 7)
        let (obj, _) = try t.store.put(bytes, kind: .blob)
        let (sound, _) = try t.store.put(Array("an undamaged neighbour".utf8), kind: .blob)
        try t.flipStoredByte(of: obj.id)
        #expect(throws: HosoError(.objectCorrupt, .both("", ""))) { try t.store.read(obj.id, limit: 64 << 20) }
        #expect(throws: HosoError(.objectCorrupt, .both("", ""))) { try t.store.scan(obj.id) { _ in } }
        #expect(t.store.checkObject(obj.id)?.0 == .corrupt)
        let damaged = try t.store.checkAll()
        #expect(damaged.map(\.0) == [obj.id])
        #expect(t.store.checkObject(sound.id) == nil)
        // The same bytes added again repair it, in both stores.
        let (_, repaired) = try t.store.put(bytes, kind: .blob)
        #expect(repaired)
        #expect(try t.store.read(obj.id, limit: 64 << 20) == bytes)
    }
}
