import Foundation
import HosoCore
import HosoIndex
import HosoStore
import Testing

@Suite struct ArchiveIndexTests {
    let dir = FileManager.default.temporaryDirectory.path + "/hoso-index-test-" + UUID().uuidString

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

    func object(_ s: String, kind: ObjectKind = .blob) -> StoredObject {
        StoredObject(id: SHA256Hasher.hash(Array(s.utf8)), kind: kind, encoding: .raw, size: UInt64(s.utf8.count),
                     storedSize: UInt64(s.utf8.count + 24))
    }

    @Test func recordsAndAnswers() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let index = try ArchiveIndex(path: dir + "/index.sqlite")
        let a = object("a"), b = object("b"), m = object("manifest", kind: .manifest)
        try index.record(objects: [a, b, m], manifest: ManifestRow(id: m.id.hex, addedAt: "2026-01-01T00:00:00Z"),
                         names: [NameRow(manifestId: m.id.hex, objectId: a.id.hex, path: "x/a.txt", size: 1)])
        // Recording the same again changes nothing (idempotent re-runs after a crash).
        try index.record(objects: [a], manifest: ManifestRow(id: m.id.hex, addedAt: "2026-01-01T00:00:00Z"),
                         names: [NameRow(manifestId: m.id.hex, objectId: a.id.hex, path: "x/a.txt", size: 1)])
        #expect(try index.count() == 3)
        #expect(try index.objects(kind: "manifest").map(\.id) == [m.id.hex])
        #expect(try index.names(of: a.id).map(\.path) == ["x/a.txt"])
        #expect(try index.names(of: b.id).isEmpty)
        #expect(try index.ids(withPrefix: String(a.id.hex.prefix(6))) == [a.id.hex])
        #expect(try index.knownNames([("x/a.txt", a.id.hex), ("x/b.txt", b.id.hex)]) == ["x/a.txt\u{0}" + a.id.hex])
        #expect(try index.entries(ofManifest: m.id).count == 1)
        try index.close()
        // Reopening runs no migration twice and keeps the data.
        let again = try ArchiveIndex(path: dir + "/index.sqlite")
        #expect(try again.count() == 3)
    }

    @Test func prefixRangeIsExact() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let index = try ArchiveIndex(path: dir + "/index.sqlite")
        let objs = (0..<500).map { object("n\($0)") }
        try index.record(objects: objs)
        for o in objs.prefix(50) {
            let p = String(o.id.hex.prefix(4))
            let expected = objs.map(\.id.hex).filter { $0.hasPrefix(p) }.sorted()
            #expect(try index.ids(withPrefix: p, limit: 100) == expected)
        }
    }

    @Test func corruptIndexFileIsAClearError() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/index.sqlite"
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: HosoError.self) { _ = try ArchiveIndex(path: path) }
        #expect(error?.code == .indexError)
    }
}
