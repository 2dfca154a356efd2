import Foundation
import HosoTestSupport
import Testing

/// Damage on disk (bit rot, truncation, loss, junk) must be found by fsck and never served by cat.
@Suite struct DamageTests {
    /// Which stored object to damage: a raw one (random bytes) or a zlib one (text).
    enum Target: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case raw, zlib
        var file: String { self == .raw ? "scan.bin" : "ledger.csv" }
        var testDescription: String { "\(rawValue) object" }
    }

    /// An archive holding a random file and a text file; returns the ids by target, checked sound first
    /// so that any damage reported later was made by the test.
    static func prepare(_ box: Sandbox) throws -> [Target: InfoJSON] {
        try box.initArchive()
        try box.write("scan.bin", try randomBytes(200_000))
        try box.write("ledger.csv", ledgerText(lines: 2000))
        let added = try box.hoso("add", "--json", "scan.bin", "ledger.csv")
        try #require(added.status == 0, "\(added)")
        var out = [Target: InfoJSON]()
        for t in Target.allCases {
            let line = try #require(try addLines(added).first { $0.path == t.file })
            let info = try box.info(line.id)
            try #require(info.encoding == t.rawValue, "premise: \(t.file) stored as \(info.encoding)")
            out[t] = info
        }
        try box.expectSound("before any damage")
        return out
    }

    /// Rewrites an object file in place. Objects are read-only (0444), so the mode is lifted and restored.
    static func tamper(_ box: Sandbox, _ info: InfoJSON, _ change: (inout Data) -> Void) throws {
        let rel = "archive/\(info.file)"
        try box.chmod(rel, 0o644)
        var data = try box.read(rel)
        change(&data)
        try box.write(rel, data)
        try box.chmod(rel, 0o444)
    }

    static func fsck(_ box: Sandbox) throws -> (ProgramOutput, FsckJSON) {
        let r = try box.hoso("fsck", "--json")
        return (r, try r.json(FsckJSON.self))
    }

    /// cat of a damaged object fails with exit 1 and hands out no byte, neither on stdout nor in a file.
    static func expectCatRefuses(
        _ box: Sandbox, _ id: String, code: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let cat = try box.hoso("cat", id)
        #expect(cat.status == 1, "\(cat)", sourceLocation: sourceLocation)
        #expect(cat.stdout.isEmpty, "cat wrote \(cat.stdout.count) bytes of a damaged object", sourceLocation: sourceLocation)
        #expect(cat.err.contains("[\(code)]"), "\(cat)", sourceLocation: sourceLocation)

        try box.mkdir("export")
        let toFile = try box.hoso("cat", id, "-o", "export/out.bin")
        #expect(toFile.status == 1, "\(toFile)", sourceLocation: sourceLocation)
        #expect(!box.exists("export/out.bin"), "cat -o left the output file", sourceLocation: sourceLocation)
        #expect(box.tree("export").isEmpty, "cat -o left \(box.tree("export"))", sourceLocation: sourceLocation)
    }

    @Test(arguments: Target.allCases)
    func flippedByteIsCorrupt(_ target: Target) throws {
        try withSandbox { box in
            let infos = try Self.prepare(box)
            let info = try #require(infos[target])
            // Raw: a byte in the middle of the content. Zlib: the last byte (the stream's checksum).
            try Self.tamper(box, info) { data in
                let i = target == .raw ? data.count / 2 : data.count - 1
                data[i] ^= 0x5A
            }

            let (r, report) = try Self.fsck(box)
            #expect(r.status == 1, "\(r)")
            #expect(!report.ok)
            #expect(report.damaged.count == 1 && report.missing.isEmpty, "\(report.damaged)")
            let d = try #require(report.damaged.first)
            #expect(d.problem == "corrupt")
            #expect(d.path == info.file)
            #expect(d.id == info.id)
            // The other object is untouched and still served.
            let otherTarget: Target = target == .raw ? .zlib : .raw
            let other = try #require(infos[otherTarget])
            #expect(try box.hoso("cat", other.id).stdout == box.read(otherTarget.file))

            try Self.expectCatRefuses(box, info.id, code: "OBJECT_CORRUPT")
        }
    }

    @Test(arguments: Target.allCases)
    func truncatedObjectIsTruncated(_ target: Target) throws {
        try withSandbox { box in
            let info = try #require(try Self.prepare(box)[target])
            try Self.tamper(box, info) { data in data = data.prefix(data.count / 2) }

            let (r, report) = try Self.fsck(box)
            #expect(r.status == 1, "\(r)")
            #expect(report.damaged.map(\.problem) == ["truncated"], "\(report.damaged)")
            #expect(report.damaged.first?.path == info.file)
            try Self.expectCatRefuses(box, info.id, code: "OBJECT_TRUNCATED")
        }
    }

    @Test func deletedObjectIsMissing() throws {
        try withSandbox { box in
            let info = try #require(try Self.prepare(box)[.raw])
            try #require(unlink(box.path("archive/\(info.file)")) == 0)

            let (r, report) = try Self.fsck(box)
            #expect(r.status == 1, "\(r)")
            #expect(!report.ok)
            #expect(report.damaged.isEmpty)
            #expect(report.missing.count == 1, "\(report.missing)")
            let m = try #require(report.missing.first)
            #expect(m.problem == "missing")
            #expect(m.id == info.id)
            #expect(m.path == info.file)
            #expect(m.detail.contains("scan.bin"), "the detail should say which name was lost: \(m.detail)")
            // The index still lists it, but asking for it is "not found", not a crash or empty output.
            let cat = try box.hoso("cat", info.id)
            #expect(cat.status == 4 && cat.stdout.isEmpty, "\(cat)")
            #expect(cat.err.contains("[OBJECT_NOT_FOUND]"))
        }
    }

    /// Junk under objects/: a file beside the shards, a badly named file in a shard, a directory in a shard.
    enum Stray: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case fileBesideShards = "objects/README.txt"
        case badNameInShard = "objects/ab/not-an-object"
        case directoryInShard = "objects/cd/subdir"
        var testDescription: String { rawValue }
    }

    @Test(arguments: Stray.allCases)
    func strayFileIsReported(_ stray: Stray) throws {
        try withSandbox { box in
            _ = try Self.prepare(box)
            if stray == .directoryInShard {
                try box.mkdir("archive/\(stray.rawValue)")
            } else {
                try box.write("archive/\(stray.rawValue)", "junk\n")
            }

            let (r, report) = try Self.fsck(box)
            #expect(r.status == 1, "\(r)")
            #expect(report.damaged.count == 1, "\(report.damaged)")
            #expect(report.damaged.first?.problem == "stray")
            #expect(report.damaged.first?.path == stray.rawValue)
            #expect(report.missing.isEmpty)
        }
    }

    /// The original bytes added again replace the damaged file: fsck is clean and cat serves them.
    @Test(arguments: Target.allCases)
    func addingTheOriginalAgainRepairs(_ target: Target) throws {
        try withSandbox { box in
            let info = try #require(try Self.prepare(box)[target])
            try Self.tamper(box, info) { $0[$0.count / 2] ^= 0x20 }
            #expect(try Self.fsck(box).0.status == 1)
            let again = try box.hoso("add", target.file)
            #expect(again.status == 0, "\(again)")
            try box.expectSound("after adding the original again")
            #expect(try box.hoso("cat", info.id).stdout == box.read(target.file))
        }
    }

    /// A lost object the index still lists is a loss: fsck names it and does not advise `reindex`, which would
    /// forget it.
    @Test func lostObjectIsNotHiddenByReindexAdvice() throws {
        try withSandbox { box in
            let info = try #require(try Self.prepare(box)[.raw])
            try #require(unlink(box.path("archive/\(info.file)")) == 0)
            let en = try box.hoso("--lang", "en", "fsck")
            #expect(en.status == 1, "\(en)")
            #expect(en.out.contains("MISSING: \(info.file)"), "\(en)")
            #expect(!en.out.contains("run `hoso reindex`"), "\(en)")
            #expect(en.out.contains("restore them"), "\(en)")
        }
    }

    @Test func textReportNamesTheDamageInEitherLanguage() throws {
        try withSandbox { box in
            let info = try #require(try Self.prepare(box)[.raw])
            try Self.tamper(box, info) { $0[$0.count - 1] ^= 1 }
            let en = try box.hoso("--lang", "en", "fsck")
            #expect(en.status == 1)
            #expect(en.out.contains("CORRUPT: \(info.file)"), "\(en)")
            #expect(en.out.contains("DAMAGE: 1 damaged files, 0 missing objects."), "\(en)")
            let vi = try box.hoso("fsck")
            #expect(vi.status == 1)
            #expect(vi.out.contains("HỎNG: \(info.file)"), "\(vi)")
        }
    }
}
