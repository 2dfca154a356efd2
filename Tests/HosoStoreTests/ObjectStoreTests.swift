import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport
import Testing

@testable import HosoStore

@Suite struct HashingTests {
    @Test func sha256KnownVectors() {
        // FIPS 180-2 examples.
        #expect(ObjectID(hashing: Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ObjectID(hashing: [UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            ObjectID(hashing: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func streamingEqualsOneShot() {
        let data = noise(3 * 1024 * 1024 + 17)
        let h = SHA256()
        var i = 0
        while i < data.count {
            let n = min(65_537, data.count - i)
            data[i..<(i + n)].withUnsafeBytes { h.update($0) }
            i += n
        }
        #expect(ObjectID(digest: h.finalize()) == ObjectID(hashing: data))
    }

    @Test(arguments: [
        "", "abc", "g" + String(repeating: "0", count: 63), String(repeating: "a", count: 63),
        String(repeating: "a", count: 65),
    ])
    func invalidIDs(_ s: String) {
        #expect(ObjectID(hex: s) == nil)
    }

    @Test func idIsLowercasedAndSharded() throws {
        let id = try #require(ObjectID(hex: String(repeating: "AB", count: 32)))
        #expect(id.hex == String(repeating: "ab", count: 32))
        #expect(id.shard == "ab")
    }

    @Test(arguments: ["blob", "record", "crl", "a-1"])
    func validKinds(_ k: String) { #expect(ObjectKind(rawValue: k) != nil) }

    @Test(arguments: ["", "Blob", "1abc", "a b", "a/b", String(repeating: "a", count: 33)])
    func invalidKinds(_ k: String) { #expect(ObjectKind(rawValue: k) == nil) }
}

@Suite struct HeaderTests {
    @Test func roundTrip() throws {
        let h = ObjectHeader(kind: .certificate, encoding: .zlib, size: 1_234_567_890_123)
        let (parsed, len) = try #require(h.encoded.withUnsafeBytes { ObjectHeader.parse($0) })
        #expect(parsed == h)
        #expect(len == h.encoded.count)
    }

    @Test(arguments: [
        "hoso-object 1 blob raw 12",  // no newline
        "hoso-object 2 blob raw 12\n",  // version 2 without its check
        "hoso-object 3 blob raw 12 0000000000000000\n",  // unknown version
        "hoso-object 1 Blob raw 12\n",  // bad kind
        "hoso-object 1 blob gzip 12\n",  // unknown encoding
        "hoso-object 1 blob raw -1\n",  // negative size
        "hoso-object 1 blob raw 012\n",  // leading zero: two spellings of one size
        "hoso-object 1 blob raw 12 x\n",  // extra field
        "hoso-object 1 blob raw \n",  // empty size
    ])
    func malformed(_ line: String) {
        #expect(Array(line.utf8).withUnsafeBytes { ObjectHeader.parse($0) } == nil)
    }

    /// New objects get a version 2 header whose check covers the kind: any single bit flipped in the kind is refused
    /// as a check mismatch, never read as another kind.
    @Test func everyBitOfTheKindIsCovered() throws {
        let line = ObjectHeader(kind: .record, encoding: .zlib, size: 4321).encoded
        #expect(String(decoding: line, as: UTF8.self).hasPrefix("hoso-object 2 record zlib 4321 "))
        let kindStart = ObjectHeader.prefix.utf8.count
        for i in kindStart..<(kindStart + 6) {
            for bit in 0..<8 {
                var flipped = line
                flipped[i] ^= UInt8(1 << bit)
                let r = flipped.withUnsafeBytes { ObjectHeader.parseChecked($0) }
                guard case .failure(let e) = r else {
                    Issue.record("byte \(i) bit \(bit): accepted as \(String(decoding: flipped, as: UTF8.self))")
                    continue
                }
                // A flip into another valid kind is caught by the check; one into junk is malformed.
                let kind = String(decoding: flipped[kindStart..<(kindStart + 6)], as: UTF8.self)
                if ObjectKind(rawValue: kind) != nil { #expect(e.damage == .checkMismatch, "\(kind)") }
            }
        }
    }

    /// Archives written before the check (version 1 headers) stay readable.
    @Test func versionOneStillParses() throws {
        let line = Array("hoso-object 1 record raw 12\n".utf8)
        let (h, len) = try #require(line.withUnsafeBytes { ObjectHeader.parse($0) })
        #expect(h == ObjectHeader(kind: .record, encoding: .raw, size: 12, version: 1))
        #expect(len == line.count)
        #expect(h.encoded == line)
    }
}

@Suite struct ObjectStoreTests {
    @Test(arguments: [0, 1, 100, 70_000, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 5])
    func roundTripText(size: Int) throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let content = text(size)
        let (obj, isNew) = try store.put(content, kind: .blob)
        #expect(isNew)
        #expect(obj.id == ObjectID(hashing: content))
        #expect(obj.size == UInt64(size))
        #expect(try store.read(obj.id) == content)
        // Repetitive text pays to compress once it is more than a few bytes.
        if size >= 1000 { #expect(obj.encoding == .zlib) }
        #expect(store.temporaryFiles().isEmpty)
    }

    @Test(arguments: [100, 70_000, 1 << 20, 2 * (1 << 20) + 3])
    func randomBytesStayRaw(size: Int) throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let content = noise(size)
        let (obj, _) = try store.put(content, kind: .blob)
        #expect(obj.encoding == .raw)
        #expect(obj.storedSize == UInt64(size + ObjectHeader(kind: .blob, encoding: .raw, size: UInt64(size)).length))
        #expect(try store.read(obj.id) == content)
    }

    /// An object written by an older hoso (version 1 header) is read and checked as before.
    @Test func versionOneObjectVerifies() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let content = text(300)
        let id = ObjectID(hashing: content)
        try FileManager.default.createDirectory(atPath: store.objectsDir + "/" + id.shard, withIntermediateDirectories: true)
        let file = Array("hoso-object 1 blob raw 300\n".utf8) + content
        try Data(file).write(to: URL(fileURLWithPath: store.path(of: id)))
        #expect(try store.read(id) == content)
        let files = try store.objectFiles()
        #expect(files.count == 1 && store.check(files[0]) == nil)
    }

    /// A damaged header (a bit of the kind flipped) is corruption, and storing the same bytes again repairs it.
    @Test func readdingRepairsADamagedObject() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let content = text(5000)
        let (obj, _) = try store.put(content, kind: .record)
        let path = store.path(of: obj.id)
        chmod(path, 0o644)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let at = ObjectHeader.prefix.utf8.count + 5  // "record" → "recore"
        bytes[at] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let files = try store.objectFiles()
        #expect(store.check(files[0])?.0 == .corrupt)
        #expect(throws: HosoError.self) { try store.read(obj.id) }

        let (again, isNew) = try store.put(content, kind: .record)
        #expect(again.id == obj.id && isNew, "the damaged file is replaced")
        #expect(store.check(try store.objectFiles()[0]) == nil)
        #expect(try store.header(of: obj.id).kind == .record)
        #expect(try store.read(obj.id) == content)
    }

    @Test func deduplicates() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let (a, newA) = try store.put(text(5000), kind: .blob)
        let (b, newB) = try store.put(text(5000), kind: .blob)
        #expect(a.id == b.id)
        #expect(newA && !newB)
        #expect(try store.objectFiles().count == 1)
        #expect(store.temporaryFiles().isEmpty)
    }

    @Test func objectFilesAreReadOnly() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let (o, _) = try store.put(text(10), kind: .blob)
        let attrs = try FileManager.default.attributesOfItem(atPath: store.path(of: o.id))
        #expect((attrs[.posixPermissions] as? Int) == 0o444)
    }

    static func sample(_ label: String) -> [UInt8] {
        switch label {
        case "zlib": return text(50_000)
        case "raw": return noise(50_000)
        case "raw-large": return noise(3 << 20)
        default: return text(3 << 20)
        }
    }

    @Test(arguments: ["zlib", "raw", "raw-large", "zlib-large"])
    func bitRotIsDetectedAndNoBytesLeak(label: String) throws {
        let content = Self.sample(label)
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let (o, _) = try store.put(content, kind: .blob)
        let path = store.path(of: o.id)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        try flipByte(at: size / 2, in: path)
        // A flipped bit inside a zlib stream may also make the stream end early: "truncated" is damage too.
        let expected: Set<HosoError.Code> = label.hasPrefix("zlib") ? [.objectCorrupt, .objectTruncated] : [.objectCorrupt]
        let error = #expect(throws: HosoError.self) { try store.read(o.id) }
        #expect(error.map { expected.contains($0.code) } == true)
        let problem = store.check(ObjectFile(path: path, id: o.id, wellPlaced: true, isDirectory: false))?.0
        #expect(problem == .corrupt || (label.hasPrefix("zlib") && problem == .truncated))
        // export never leaves a file with wrong bytes behind.
        let dest = dir.path + "/out.bin"
        #expect(throws: HosoError.self) { try store.export(o.id, to: dest) }
        #expect(!FileManager.default.fileExists(atPath: dest))
        #expect(try listDirectory(dir.path).filter { $0.hasPrefix(".hoso-") }.isEmpty)
    }

    @Test(arguments: ["zlib", "raw"])
    func truncationIsDetected(label: String) throws {
        let content = Self.sample(label)
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let (o, _) = try store.put(content, kind: .blob)
        let path = store.path(of: o.id)
        chmod(path, 0o644)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(truncate(path, off_t(size - 10)) == 0)
        #expect(throws: HosoError(.objectTruncated, .both("", ""))) { try store.read(o.id) }
    }

    @Test func appendedBytesAreCorruption() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        for content in [text(5000), noise(5000)] {
            let (o, _) = try store.put(content, kind: .blob)
            let path = store.path(of: o.id)
            chmod(path, 0o644)
            let h = try #require(FileHandle(forWritingAtPath: path))
            h.seekToEndOfFile()
            h.write(Data([0x41]))
            h.closeFile()
            #expect(throws: HosoError(.objectCorrupt, .both("", ""))) { try store.read(o.id) }
        }
    }

    @Test func brokenHeaderIsMalformed() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let (o, _) = try store.put(text(5000), kind: .blob)
        try flipByte(at: 2, in: store.path(of: o.id))
        #expect(throws: HosoError(.objectMalformed, .both("", ""))) { try store.read(o.id) }
    }

    @Test func misplacedAndStrayFiles() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let (o, _) = try store.put(text(5000), kind: .blob)
        let wrongShard = o.id.shard == "00" ? "01" : "00"
        try FileManager.default.createDirectory(atPath: store.objectsDir + "/" + wrongShard, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: store.path(of: o.id), toPath: store.objectsDir + "/\(wrongShard)/\(o.id.hex)")
        _ = FileManager.default.createFile(atPath: store.objectsDir + "/\(wrongShard)/notes.txt", contents: Data("x".utf8))
        _ = FileManager.default.createFile(atPath: store.objectsDir + "/README", contents: Data("x".utf8))
        let files = try store.objectFiles()
        let problems = files.map { store.check($0)?.0 }
        #expect(problems.filter { $0 == .misplaced }.count == 1)
        #expect(problems.filter { $0 == .stray }.count == 2)
    }

    @Test func sourceThatGrowsOrShrinksIsRejected() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        for (declared, actual) in [(100, 120), (120, 100), (3 << 20, (3 << 20) + 1), ((3 << 20) + 1, 3 << 20)] {
            let bytes = text(actual)
            var off = 0
            #expect(throws: HosoError(.inputChanged, .both("", ""))) {
                _ = try store.stage(kind: .blob, expectedSize: UInt64(declared), sourceName: "x") { buf in
                    let n = min(buf.count, bytes.count - off)
                    bytes.withUnsafeBytes { buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[off..<(off + n)])) }
                    off += n
                    return n
                }
            }
            #expect(store.temporaryFiles().isEmpty, "a failed stage leaves no temporary file")
        }
        #expect(try store.objectFiles().isEmpty)
    }

    @Test func stagedObjectsAreInvisibleUntilCommitted() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let a = try store.stage(bytes: text(1000), kind: .blob)
        let b = try store.stage(bytes: noise(1000), kind: .blob)
        #expect(!store.exists(a.object.id) && !store.exists(b.object.id))
        #expect(store.temporaryFiles().count == 2)
        #expect(try store.commit([a, b]) == [true, true])
        #expect(store.exists(a.object.id) && store.exists(b.object.id))
        #expect(store.temporaryFiles().isEmpty)
        let c = try store.stage(bytes: text(1000), kind: .blob)
        store.discard([c])
        #expect(store.temporaryFiles().isEmpty)
    }

    /// Content known to be compressed is stored as it is; measured content still compresses (one pass for small
    /// content); a durably staged object is synced before commit and commits like any other.
    @Test func compressionHintAndDurableStaging() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let asIs = try store.stage(bytes: text(5000), kind: .copy, compression: .storeAsIs, durable: true)
        #expect(asIs.synced && asIs.object.encoding == .raw && asIs.object.storedSize > 5000)
        let small = try store.stage(bytes: text(5000), kind: .record, durable: true)
        #expect(small.synced && small.object.encoding == .zlib && small.object.storedSize < 2500)
        let large = try store.stage(bytes: text(200_000), kind: .blob)
        #expect(!large.synced && large.object.encoding == .zlib)
        let incompressible = try store.stage(bytes: noise(3000), kind: .blob, durable: true)
        #expect(incompressible.object.encoding == .raw)
        #expect(try store.commit([asIs, small, large, incompressible]) == [true, false, true, true])
        for s in [asIs, small, large, incompressible] {
            #expect(try store.read(s.object.id, limit: 1 << 20).count == Int(s.object.size))
            #expect(try store.objectFiles().contains { $0.id == s.object.id })
        }
        #expect(store.temporaryFiles().isEmpty)
    }

    @Test func durablyStagedObjectsAreInvisibleUntilCommittedAndCanStillBeDiscarded() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let a = try store.stage(bytes: text(5000), kind: .record, durable: true)
        #expect(a.synced)
        // Its shard directory is there ahead of the commit, empty, and so are the 255 others.
        let shard = store.objectsDir + "/" + a.object.id.shard
        #expect(try FileManager.default.contentsOfDirectory(atPath: shard).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.objectsDir).count == 256)
        #expect(!store.exists(a.object.id) && store.temporaryFiles().count == 1)
        // Prepared and unprepared objects commit together.
        let b = try store.stage(bytes: noise(3000), kind: .blob)
        #expect(try store.commit([b, a]) == [true, true])
        #expect(try store.read(a.object.id) == text(5000))
        #expect(try store.read(b.object.id) == noise(3000))
        #expect(store.temporaryFiles().isEmpty)
        // A prepared object that is not committed leaves nothing but a shard directory, which fsck accepts.
        let c = try store.stage(bytes: noise(7000), kind: .blob, durable: true)
        store.discard([c])
        #expect(store.temporaryFiles().isEmpty && !store.exists(c.object.id))
        #expect(try store.objectFiles().filter { !$0.isDirectory }.count == 2)
        #expect(try store.objectFiles().allSatisfy { store.check($0) == nil })
    }

    @Test func copyWritesVerifiedBytes() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let content = noise(200_000)
        let (o, _) = try store.put(content, kind: .blob)
        let dest = dir.path + "/copy.bin"
        let fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try store.copy(o.id, to: FileHandleFD(fd: fd, path: dest))
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: dest))) == content)
    }

    @Test func missingObjectIsNotFound() throws {
        let dir = TempDirectory()
        let store = ObjectStore(root: dir.store().root)
        let id = ObjectID(hashing: Array("never stored".utf8))
        #expect(throws: HosoError(.objectNotFound, .both("", ""))) { try store.read(id) }
    }
}
