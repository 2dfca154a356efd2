import Foundation
import Testing

/// The everyday flow: init, add a tree, list, inspect, read back.
@Suite struct HappyPathTests {
    /// A Vietnamese directory and file name, written to disk decomposed (NFD, as macOS and some
    /// scanners produce them); the archive must record them composed (NFC).
    static let classNFC = "Lớp 12A1"
    static let ledgerNFC = "Sổ điểm – Học kỳ I.csv"

    struct Fixture {
        var relPath: String  // where the file is, relative to the sandbox (as written on disk)
        var name: String  // the NFC name the archive must record
    }

    /// Builds in/ with nested directories, an NFD name, a random file and a compressible one.
    static func makeTree(_ box: Sandbox) throws -> (random: Fixture, ledger: Fixture, all: [Fixture]) {
        let classNFD = classNFC.decomposedStringWithCanonicalMapping
        let ledgerNFD = ledgerNFC.decomposedStringWithCanonicalMapping
        // Guard the premise: the two forms really differ in bytes, or the test would prove nothing.
        try #require(utf8(classNFD) != utf8(classNFC) && utf8(ledgerNFD) != utf8(ledgerNFC))

        let random = Fixture(relPath: "in/scan.bin", name: "in/scan.bin")
        let ledger = Fixture(relPath: "in/\(classNFD)/\(ledgerNFD)", name: "in/\(classNFC)/\(ledgerNFC)")
        let deep = Fixture(relPath: "in/a/b/c/ghi-chu.txt", name: "in/a/b/c/ghi-chu.txt")
        let small = Fixture(relPath: "in/\(classNFD)/x", name: "in/\(classNFC)/x")
        try box.write(random.relPath, try randomBytes(40_000))
        try box.write(ledger.relPath, ledgerText(lines: 300))
        try box.write(deep.relPath, "ghi chú sâu trong cây thư mục\n")
        try box.write(small.relPath, "x")
        // The name on disk must still be NFD for the NFC check below to mean anything.
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: box.path("in"))
        try #require(onDisk.contains { utf8($0) == utf8(classNFD) }, "NFD directory name not on disk as NFD: \(onDisk)")
        return (random, ledger, [random, ledger, deep, small])
    }

    @Test func initCreatesAnEmptyArchive() throws {
        try withSandbox { box in
            let r = try box.hoso("init", Sandbox.archive)
            #expect(r.status == 0, "\(r)")
            #expect(box.exists("archive/hoso-archive.json"))
            #expect(box.exists("archive/objects") && box.exists("archive/tmp"))
            #expect(try box.list().isEmpty)
            try box.expectSound()
        }
    }

    @Test func addListInfoCatRoundTrip() throws {
        try withSandbox { box in
            try box.initArchive()
            let tree = try Self.makeTree(box)

            // add --json: one JSON line per file, all new, named in NFC, id = SHA-256 of the bytes.
            let added = try box.hoso("add", "--json", "in")
            try #require(added.status == 0, "\(added)")
            let lines = try addLines(added)
            #expect(lines.count == tree.all.count)
            #expect(lines.allSatisfy { $0.new })
            var idOf = [String: String]()  // relPath -> id
            for f in tree.all {
                let line = try #require(
                    lines.first { utf8($0.path) == utf8(f.name) }, "no JSON line named \(f.name) in \(lines.map(\.path))")
                #expect(try line.id == sha256sum(box.path(f.relPath)), "id of \(f.name)")
                #expect(line.size == box.size(f.relPath))
                #expect(line.kind == "blob")
                idOf[f.relPath] = line.id
            }

            // Storage: random bytes stay raw, text is compressed (and smaller for it).
            let randomLine = try #require(lines.first { $0.id == idOf[tree.random.relPath] })
            let ledgerLine = try #require(lines.first { $0.id == idOf[tree.ledger.relPath] })
            #expect(randomLine.encoding == "raw")
            #expect(randomLine.stored > randomLine.size)  // a header and nothing saved
            #expect(ledgerLine.encoding == "zlib")
            #expect(ledgerLine.stored < ledgerLine.size / 2)

            // ls --json: every blob once, with size, stored size, encoding and its NFC name; plus one manifest.
            let listing = try box.list()
            #expect(listing.filter { $0.kind == "blob" }.count == tree.all.count)
            let manifests = listing.filter { $0.kind == "manifest" }
            try #require(manifests.count == 1, "\(listing)")
            for f in tree.all {
                let id = try #require(idOf[f.relPath])
                let row = try #require(listing.first { $0.id == id })
                let line = try #require(lines.first { $0.id == id })
                #expect(row.kind == "blob")
                #expect(row.size == Int64(line.size) && row.stored == Int64(line.stored))
                #expect(row.encoding == line.encoding)
                #expect(row.names.map(utf8) == [utf8(f.name)], "names of \(f.name): \(row.names)")
            }

            // info --json of each object: the same facts, its file, and when and by which manifest it was named.
            for f in tree.all {
                let id = try #require(idOf[f.relPath])
                let info = try box.info(id)
                #expect(info.id == id && info.kind == "blob")
                #expect(info.size == box.size(f.relPath))
                #expect(info.file == "objects/\(id.prefix(2))/\(id)")
                #expect(box.exists("archive/\(info.file)"))
                #expect(info.names.map { utf8($0.path) } == [utf8(f.name)])
                #expect(info.names.first?.manifest == manifests[0].id)
                #expect(info.entries == nil)
            }

            // info by a unique prefix answers exactly as the full id does.
            let randomID = try #require(idOf[tree.random.relPath])
            let prefix = String(randomID.prefix(10))
            try #require(listing.filter { $0.id.hasPrefix(prefix) }.count == 1)
            let byPrefix = try box.hoso("info", prefix, "--json")
            let byID = try box.hoso("info", randomID, "--json")
            #expect(byPrefix.status == 0 && byPrefix.out == byID.out, "\(byPrefix)")

            // The manifest lists every file added.
            let manifestInfo = try box.info(manifests[0].id)
            #expect(manifestInfo.kind == "manifest")
            let entries = try #require(manifestInfo.entries)
            #expect(Set(entries.map(\.id)) == Set(idOf.values))
            #expect(Set(entries.map { utf8($0.path) }) == Set(tree.all.map { utf8($0.name) }))

            // cat gives back the exact bytes, on stdout or into a file.
            for f in tree.all {
                let id = try #require(idOf[f.relPath])
                let cat = try box.hoso("cat", id)
                #expect(cat.status == 0, "\(cat)")
                #expect(try cat.stdout == box.read(f.relPath), "cat \(f.name)")
            }
            for (i, f) in [tree.random, tree.ledger].enumerated() {
                let id = try #require(idOf[f.relPath])
                let r = try box.hoso("cat", String(id.prefix(12)), "-o", "out\(i)")
                #expect(r.status == 0 && r.stdout.isEmpty, "\(r)")
                #expect(try box.read("out\(i)") == box.read(f.relPath))
            }

            // Adding the same tree again: the same ids, nothing new.
            let again = try box.hoso("add", "--json", "in")
            #expect(again.status == 0, "\(again)")
            let againLines = try addLines(again)
            #expect(againLines.count == tree.all.count)
            #expect(againLines.allSatisfy { !$0.new })
            #expect(Set(againLines.map(\.id)) == Set(idOf.values))
            try box.expectSound()
        }
    }

    @Test func reAddingTheSameFilesWritesNoNewManifest() throws {
        try withSandbox { box in
            try box.initArchive()
            _ = try Self.makeTree(box)
            try #require(try box.hoso("add", "in").status == 0)
            let before = try box.hoso("ls", "--json")
            #expect(try box.list(kind: "manifest").count == 1)

            let again = try box.hoso("add", "in")
            #expect(again.status == 0, "\(again)")
            #expect(try box.list(kind: "manifest").count == 1)
            #expect(try box.hoso("ls", "--json").out == before.out, "a re-add changed the listing")

            // The counter-check: known content under a new name is a new name, so it does get a manifest.
            try box.write("copy.bin", try box.read("in/scan.bin"))
            let renamed = try box.hoso("add", "--json", "copy.bin")
            #expect(renamed.status == 0, "\(renamed)")
            let line = try #require(try addLines(renamed).first)
            #expect(!line.new)
            #expect(try box.list(kind: "manifest").count == 2)
            let row = try #require(try box.list().first { $0.id == line.id })
            #expect(row.names == ["copy.bin", "in/scan.bin"])
        }
    }
}
