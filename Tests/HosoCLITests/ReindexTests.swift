import Foundation
import Testing

/// The index is derived: losing or spoiling it and rebuilding must give back the very same answers.
@Suite struct ReindexTests {
    /// What happens to index.sqlite, and how it is rebuilt.
    enum Scenario: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// Deleted (with -wal/-shm), then `hoso reindex`.
        case deletedThenReindex
        /// Deleted, then an ordinary `hoso ls`, which must rebuild it on its own and say so.
        case deletedThenLs
        /// An older copy put back (as a restore from backup would): `reindex` must catch up.
        case staleThenReindex
        /// Overwritten with junk (a damaged disk block, a bad copy): `reindex` must still rebuild it,
        /// as the INDEX_ERROR message itself tells the user to do.
        case garbageThenReindex
        var testDescription: String { rawValue }
    }

    /// Everything the index answers, as the user sees it.
    struct Answers: Equatable {
        var listing: String
        var manifests: String
        var infos: [String: String]
    }

    static func answers(_ box: Sandbox) throws -> Answers {
        let ls = try box.hoso("ls", "--json")
        let manifests = try box.hoso("ls", "--kind", "manifest", "--json")
        try #require(ls.status == 0 && manifests.status == 0, "\(ls)\n\(manifests)")
        var infos = [String: String]()
        for row in try ls.json([Listing].self) {
            let info = try box.hoso("info", row.id, "--json")
            try #require(info.status == 0, "\(info)")
            infos[row.id] = info.out
        }
        return Answers(listing: ls.out, manifests: manifests.out, infos: infos)
    }

    static func removeIndex(_ box: Sandbox) {
        for suffix in ["", "-wal", "-shm"] { _ = unlink(box.path("archive/index.sqlite" + suffix)) }
    }

    @Test(arguments: Scenario.allCases)
    func rebuiltIndexGivesIdenticalAnswers(_ scenario: Scenario) throws {
        try withSandbox { box in
            try box.initArchive()
            // Two batches at two times, one content under two names, an NFD name, raw and zlib objects:
            // everything the index records about names and manifests.
            try box.write("in/scan.bin", try randomBytes(30_000))
            try box.write("in/\("Học bạ".decomposedStringWithCanonicalMapping).csv", ledgerText(lines: 100))
            let first = try box.hoso(["add", "in"], env: ["HOSO_NOW": "2019-05-01T08:00:00Z"])
            try #require(first.status == 0, "\(first)")
            let oldIndex = try box.read("archive/index.sqlite")
            try box.write("later/scan-copy.bin", try box.read("in/scan.bin"))
            try box.write("later/notes.txt", "ghi chú\n")
            let second = try box.hoso(["add", "later"], env: ["HOSO_NOW": "2020-09-05T07:30:00Z"])
            try #require(second.status == 0, "\(second)")

            let before = try Self.answers(box)
            try #require(before.infos.count == 5, "3 blobs + 2 manifests expected: \(before.listing)")

            switch scenario {
            case .deletedThenReindex, .deletedThenLs:
                Self.removeIndex(box)
            case .staleThenReindex:
                Self.removeIndex(box)
                try box.write("archive/index.sqlite", oldIndex)
                // Without the store's write number (an archive from before it), nothing says the old index is
                // behind, so it is not caught up at open (IndexCurrencyTests: with it, it is).
                _ = unlink(box.path("archive/commit.seq"))
                // Premise: the stale index really answers differently before the rebuild.
                #expect(try box.hoso("ls", "--json").out != before.listing)
            case .garbageThenReindex:
                Self.removeIndex(box)
                try box.write("archive/index.sqlite", Data(repeating: 0x41, count: 8192))
            }

            if scenario == .deletedThenLs {
                let ls = try box.hoso("ls", "--json")
                #expect(ls.status == 0, "\(ls)")
                #expect(ls.out == before.listing)
                #expect(ls.err.contains("đã dựng lại từ các đối tượng"), "no rebuild notice on stderr: \(ls)")
                let next = try box.hoso("ls", "--json")
                #expect(next.err.isEmpty, "the index was rebuilt twice: \(next)")
            } else {
                let r = try box.hoso("reindex", "--json")
                #expect(r.status == 0, "\(r)")
                struct Report: Decodable {
                    var objects: Int
                    var manifests: Int
                    var names: Int
                    var skipped: [String]
                }
                if r.status == 0 {
                    let report = try r.json(Report.self)
                    #expect(
                        report.objects == 5 && report.manifests == 2 && report.names == 4 && report.skipped.isEmpty,
                        "\(report)")
                }
            }

            #expect(try Self.answers(box) == before)
            try box.expectSound()
        }
    }

    /// With the store's write number, an index that lost its last writes is caught up when the archive opens:
    /// every command answers from the store as it is.
    @Test func staleIndexIsCaughtUpAtOpen() throws {
        try withSandbox { box in
            try box.initArchive()
            try box.write("a.txt", "một\n")
            try #require(try box.hoso("add", "a.txt").status == 0)
            let oldIndex = try box.read("archive/index.sqlite")
            try box.write("b.txt", "hai\n")
            try #require(try box.hoso("add", "b.txt").status == 0)
            let listing = try box.hoso("ls", "--json").out
            Self.removeIndex(box)
            try box.write("archive/index.sqlite", oldIndex)

            #expect(try box.hoso("ls", "--json").out == listing)
            let report = try box.hoso("fsck", "--json").json(FsckJSON.self)
            #expect(report.ok && report.index.upToDate, "\(report)")
        }
    }

    /// An index that cannot be opened for want of a permission is not damaged: it is not renamed aside and
    /// rebuilt, the command fails with the cause (as nobody when the tests run as root: permissions do not stop root).
    @Test func unopenableIndexIsNotSetAsideAsDamaged() throws {
        try withSandbox(as: .nobody) { box in
            try box.initArchive()
            try box.write("a.txt", "một\n")
            try #require(try box.hoso("add", "a.txt").status == 0)
            try box.chmod("archive/index.sqlite", 0)
            // A write fails with the cause; a read answers from an index of its own, with a notice; neither sets the
            // archive's index aside.
            try box.write("b.txt", "hai\n")
            let add = try box.hoso("add", "b.txt")
            #expect(add.status != 0, "\(add)")
            #expect(add.err.contains("[INDEX_ERROR]") && add.err.contains("kho không bị thay đổi"), "\(add)")
            let ls = try box.hoso("ls")
            #expect(ls.status == 0 && ls.out.contains("a.txt") && ls.err.contains("chỉ mục tạm"), "\(ls)")
            #expect(!box.exists("archive/index.damaged.sqlite"), "a sound index was set aside as damaged")
            try box.chmod("archive/index.sqlite", 0o644)
            #expect(try box.hoso("ls").status == 0)
        }
    }

    /// fsck tells a stale index apart from damage: exit 0, but it says the index is out of date.
    @Test func fsckReportsStaleIndexWithoutCallingItDamage() throws {
        try withSandbox { box in
            try box.initArchive()
            try box.write("a.txt", "một\n")
            try #require(try box.hoso("add", "a.txt").status == 0)
            let oldIndex = try box.read("archive/index.sqlite")
            try box.write("b.txt", "hai\n")
            try #require(try box.hoso("add", "b.txt").status == 0)
            Self.removeIndex(box)
            try box.write("archive/index.sqlite", oldIndex)
            // As above: without the write number the old index is not known to be behind, and is not caught up.
            _ = unlink(box.path("archive/commit.seq"))

            let r = try box.hoso("fsck", "--json")
            #expect(r.status == 0, "\(r)")
            let report = try r.json(FsckJSON.self)
            #expect(report.ok)
            #expect(!report.index.upToDate)
            #expect(report.index.notIndexed == 2)  // b.txt's blob and its manifest

            try #require(try box.hoso("reindex").status == 0)
            #expect(try box.hoso("fsck", "--json").json(FsckJSON.self).index.upToDate)
        }
    }
}
