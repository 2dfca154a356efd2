import Foundation
import HosoCore
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

@Suite struct ArchiveLifecycleTests {
    @Test func createThenOpen() throws {
        let dir = TempDirectory()
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        #expect(try a.list().isEmpty)
        let b = try Archive.open(at: dir.path + "/a")
        #expect(b.root == dir.path + "/a")
    }

    @Test func refusesExistingArchiveAndNonEmptyDirectory() throws {
        let dir = TempDirectory()
        try Archive.create(at: dir.path + "/a")
        #expect(throws: HosoError(.archiveExists, .both("", ""))) { try Archive.create(at: dir.path + "/a") }
        dir.write("other/file.txt", "x")
        #expect(throws: HosoError(.archiveNotEmpty, .both("", ""))) { try Archive.create(at: dir.path + "/other") }
        #expect(throws: HosoError(.archiveNotFound, .both("", ""))) { try Archive.open(at: dir.path + "/other") }
    }
}

@Suite struct AddTests {
    @Test func addsTreeWithNamesAndManifest() throws {
        let dir = TempDirectory()
        let input = sampleTree(in: dir)
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        let report = try a.add([input])
        #expect(report.entries.count == 15)
        #expect(report.entries.allSatisfy { $0.new })
        #expect(report.manifests.count == 1)
        let names = Set(report.entries.map(\.path))
        #expect(names.contains("input/records/entry-0.json"))
        #expect(names.contains("input/sổ gốc.txt"))
        #expect(names.contains { $0.unicodeScalars.elementsEqual("input/sổ gốc.txt".precomposedStringWithCanonicalMapping.unicodeScalars) })
        // Each id is the SHA-256 of the file's bytes.
        for e in report.entries {
            let bytes = [UInt8](
                try Data(
                    contentsOf: URL(
                        fileURLWithPath: dir.path + "/"
                            + e.path.replacingOccurrences(of: "sổ gốc", with: "so\u{0302}\u{0309} go\u{0302}\u{0301}c"))))
            #expect(e.id == ObjectID(hashing: bytes).hex)
        }
        let byName = Dictionary(uniqueKeysWithValues: report.entries.map { ($0.path, $0) })
        #expect(byName["input/scans/page-1.png"]?.encoding == "raw")
        #expect(byName["input/scans/page-2.pgm"]?.encoding == "zlib")
        let info = try a.info(try a.resolve(byName["input/records/entry-3.json"]!.id))
        #expect(info.names.map(\.path) == ["input/records/entry-3.json"])
        #expect(info.names.first?.addedAt == "2019-05-01T08:00:00Z")
        let manifest = try a.info(try a.resolve(report.manifests[0]))
        #expect(manifest.kind == "manifest")
        #expect(manifest.entries?.count == 15)
    }

    @Test func reAddingIsANoOp() throws {
        let dir = TempDirectory()
        let input = sampleTree(in: dir)
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        _ = try a.add([input])
        let before = try a.list()
        let again = try a.add([input])
        #expect(again.entries.allSatisfy { !$0.new })
        #expect(again.manifests.isEmpty)
        #expect(try a.list() == before)
    }

    @Test func sameContentUnderTwoNamesIsOneObject() throws {
        let dir = TempDirectory()
        dir.write("x/one.txt", "same")
        dir.write("x/two.txt", "same")
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        let r = try a.add([dir.path + "/x"])
        #expect(Set(r.entries.map(\.id)).count == 1)
        let blob = try #require(try a.list(kind: .blob).first)
        #expect(blob.names == ["x/one.txt", "x/two.txt"])
    }

    @Test func emptyFileIsAnObject() throws {
        let dir = TempDirectory()
        let p = dir.write("empty", [UInt8]())
        let a = try Archive.create(at: dir.path + "/a")
        let r = try a.add([p])
        #expect(r.entries.first?.id == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try a.read(try a.resolve(r.entries[0].id)).isEmpty)
    }

    @Test func manifestKindIsReserved() throws {
        let dir = TempDirectory()
        let p = dir.write("fake.json", "{\"type\": \"hoso/manifest\"}")
        let a = try Archive.create(at: dir.path + "/a")
        #expect(throws: HosoError(.invalidKind, .both("", ""))) { _ = try a.add([p], kind: .manifest) }
        #expect(try a.list().isEmpty)
        #expect(throws: HosoError(.invalidKind, .both("", ""))) { _ = try a.add([p], kind: .record) }
        _ = try a.add([p], kind: try ObjectKind.parse("certificate"))
        #expect(try a.list(kind: try ObjectKind.parse("certificate")).count == 1)
    }

    @Test func manyFilesSpanSeveralBatches() throws {
        let dir = TempDirectory()
        for i in 0..<(Archive.batchFiles + 30) { dir.write("many/f\(i).txt", "file \(i)\n") }
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        let r = try a.add([dir.path + "/many"])
        #expect(r.entries.count == Archive.batchFiles + 30)
        #expect(r.manifests.count == 2)
        #expect(try a.fsck().ok)
    }
}

@Suite struct BadInputTests {
    /// Runs an add that must fail, and checks that every expected code was reported and nothing changed.
    func expectRejected(_ paths: [String], codes: [HosoError.Code], in dir: TempDirectory) throws {
        let a = try Archive.open(at: dir.path + "/a")
        let before = try a.list()
        let error = #expect(throws: HosoProblems.self) { _ = try a.add(paths) }
        #expect(error.map { $0.problems.map(\.code).sorted { $0.rawValue < $1.rawValue } } == codes.sorted { $0.rawValue < $1.rawValue })
        #expect(error?.problems.allSatisfy { $0.location != nil } == true, "each problem names its path")
        #expect(try a.list() == before)
        #expect(a.files!.temporaryFiles().isEmpty)
        #expect(try a.fsck().ok)
    }

    func setUp() throws -> TempDirectory {
        let dir = TempDirectory()
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        dir.write("seed.txt", "already here")
        _ = try a.add([dir.path + "/seed.txt"])
        return dir
    }

    @Test func missingPath() throws {
        let dir = try setUp()
        try expectRejected([dir.path + "/nope"], codes: [.inputNotFound], in: dir)
    }

    @Test func symlinkLoop() throws {
        let dir = try setUp()
        symlink(dir.path + "/b", dir.path + "/l1")
        symlink(dir.path + "/l1", dir.path + "/b")
        try expectRejected([dir.path + "/l1"], codes: [.symlinkLoop], in: dir)
    }

    @Test func directoryLoopThroughSymlink() throws {
        let dir = try setUp()
        dir.write("tree/sub/file.txt", "x")
        symlink("../..", dir.path + "/tree/sub/up")
        try expectRejected([dir.path + "/tree"], codes: [.symlinkLoop], in: dir)
    }

    @Test func samePathTwice() throws {
        let dir = try setUp()
        let f = dir.write("tree/file.txt", "x")
        try expectRejected([f, f], codes: [.duplicatePath], in: dir)
        try expectRejected([dir.path + "/tree", f], codes: [.duplicatePath], in: dir)
    }

    @Test func fifoIsNotARegularFile() throws {
        let dir = try setUp()
        mkfifo(dir.path + "/pipe", 0o644)
        try expectRejected([dir.path + "/pipe"], codes: [.inputNotRegular], in: dir)
    }

    @Test func theArchiveItself() throws {
        let dir = try setUp()
        try expectRejected([dir.path + "/a/objects"], codes: [.inputInsideArchive], in: dir)
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let dir = try setUp()
        let good = dir.write("good.txt", "fine")
        mkfifo(dir.path + "/pipe", 0o644)
        symlink(dir.path + "/loop", dir.path + "/loop")
        try expectRejected(
            [good, dir.path + "/nope", dir.path + "/pipe", dir.path + "/loop", good],
            codes: [.inputNotFound, .inputNotRegular, .symlinkLoop, .duplicatePath], in: dir)
    }

    @Test func addingADirectoryThatHoldsTheArchiveSkipsTheArchive() throws {
        let dir = try setUp()
        let a = try Archive.open(at: dir.path + "/a")
        let r = try a.add([dir.path])
        #expect(r.entries.allSatisfy { !$0.path.contains("/a/objects/") && !$0.path.hasSuffix("hoso-archive.json") })
    }
}

@Suite struct IntegrityTests {
    // Swift Testing makes a fresh suite value per test, so each test has its own directory.
    let dir = TempDirectory()

    func populated() throws -> (TempDirectory, Archive) {
        let input = sampleTree(in: dir)
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        _ = try a.add([input])
        return (dir, a)
    }

    @Test func cleanArchivePasses() throws {
        let (_, a) = try populated()
        let r = try a.fsck()
        #expect(r.ok)
        #expect(r.objects == 16)
        #expect(r.index.upToDate)
    }

    @Test func flippedByteInAnyObjectIsFound() throws {
        let (_, a) = try populated()
        for row in try a.list() {
            let id = try a.resolve(row.id)
            let path = a.files!.path(of: id)
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            let offset = size - 1  // the payload's last byte: never the header
            try flipByte(at: offset, in: path)
            let r = try a.fsck()
            #expect(!r.ok)
            #expect(r.damaged.map(\.id) == [row.id])
            #expect(throws: HosoError.self) { _ = try a.read(id) }
            try flipByte(at: offset, in: path)  // restore
            #expect(try a.fsck().ok)
        }
    }

    @Test func deletedObjectIsReportedMissing() throws {
        let (_, a) = try populated()
        let blob = try #require(try a.list(kind: .blob).first)
        let id = try a.resolve(blob.id)
        try FileManager.default.removeItem(atPath: a.files!.path(of: id))
        let r = try a.fsck()
        #expect(!r.ok)
        #expect(r.missing.map(\.id) == [blob.id])
        #expect(!r.index.upToDate)
    }
}

@Suite struct ReindexTests {
    @Test func rebuiltIndexGivesTheSameAnswers() throws {
        let dir = TempDirectory()
        let input = sampleTree(in: dir)
        var a: Archive? = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        _ = try a!.add([input])
        dir.write("later.txt", "added later")
        _ = try a!.add([dir.path + "/later.txt"])
        let list = try a!.list()
        let infos = try list.map { try a!.info(try a!.resolve($0.id)) }

        // 1. explicit reindex
        try a!.reindex()
        #expect(try a!.list() == list)
        #expect(try list.map { try a!.info(try a!.resolve($0.id)) } == infos)

        // 2. index deleted: open rebuilds it
        a = nil
        for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.path + "/a/index.sqlite" + s) }
        let b = try Archive.open(at: dir.path + "/a")
        #expect(b.indexWasRebuilt)
        #expect(try b.list() == list)
        #expect(try list.map { try b.info(try b.resolve($0.id)) } == infos)
    }

    @Test func prefixResolution() throws {
        let dir = TempDirectory()
        let a = try Archive.create(at: dir.path + "/a")
        // Find two contents whose ids share their first 4 hex digits.
        var seen = [String: String]()
        var pair: (String, String)? = nil
        var i = 0
        while pair == nil {
            let s = "content \(i)"
            let p = String(ObjectID(hashing: Array(s.utf8)).hex.prefix(4))
            if let other = seen[p] { pair = (other, s) } else { seen[p] = s }
            i += 1
        }
        let f1 = dir.write("one", pair!.0)
        let f2 = dir.write("two", pair!.1)
        let r = try a.add([f1, f2])
        let id1 = r.entries[0].id
        #expect(throws: HosoError(.ambiguousID, .both("", ""))) { try a.resolve(String(id1.prefix(4))) }
        #expect(try a.resolve(String(id1.prefix(12))).hex == id1)
        #expect(throws: HosoError(.invalidID, .both("", ""))) { try a.resolve("abc") }
        #expect(throws: HosoError(.invalidID, .both("", ""))) { try a.resolve("zzzz") }
        #expect(throws: HosoError(.objectNotFound, .both("", ""))) { try a.resolve(String(repeating: "0", count: 64)) }
    }
}
