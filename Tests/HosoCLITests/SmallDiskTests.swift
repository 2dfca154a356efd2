import Foundation
import HosoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A filesystem of the test's own: a tmpfs with a size limit, mounted in the sandbox, that the test fills up or turns
/// read-only under hoso. Unmounted by `unmount` (lazily, so a straggler cannot keep it).
struct SmallDisk {
    let dir: String

    init(_ box: Sandbox, size: String, name: String = "small-disk") throws {
        dir = box.path(name)
        try box.mkdir(name)
        let m = try spawn(try #require(tool("mount")), ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", dir], cwd: "/")
        try #require(m.status == 0, "mount: \(m)")
    }

    func unmount() { _ = try? spawn(tool("umount") ?? "umount", ["-l", dir], cwd: "/") }

    func remount(readOnly: Bool) throws {
        let m = try spawn(try #require(tool("mount")), ["-o", readOnly ? "remount,ro" : "remount,rw", dir], cwd: "/")
        try #require(m.status == 0, "remount: \(m)")
    }

    var freeBytes: UInt64 {
        var s = statvfs()
        return statvfs(dir, &s) == 0 ? UInt64(s.f_bavail) * UInt64(s.f_frsize) : 0
    }

    /// Takes all the free space but `bytes` (rounded to pages by tmpfs) with a file of zeros.
    func fill(leaving bytes: UInt64) throws {
        let fd = open(dir + "/filler", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        try #require(fd >= 0, "filler: errno \(errno)")
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 1 << 20)
        while freeBytes > bytes {
            let n = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, Int(min(UInt64(chunk.count), freeBytes - bytes))) }
            if n <= 0 { break }
        }
    }

    func unfill() { unlink(dir + "/filler") }
}

/// A full disk and a read-only medium (issue 15): commands that only read work on both without writing anything;
/// a write fails cleanly and says whether it took effect; an output file that cannot be written is refused before
/// the work, or, when it fails after, the message says that the work stands and how to write the file again.
@Suite(.serialized) struct SmallDiskTests {
    static let skip = "cannot mount a tmpfs here (needs root and mount permission)"

    /// An office archive with a ledger, trust anchors, a request and an issued copy (ban-sao.pdf), moved onto a
    /// small disk; `args` points hoso at it.
    func officeOnSmallDisk(_ box: Sandbox, size: String = "64m") throws -> (disk: SmallDisk, args: [String]) {
        let copies = CopyCLITests()
        try copies.prepare(box)
        _ = try copies.issueOne(box)
        try box.write("v.json", "{\"text\": \"ghi chú\"}")
        let disk = try SmallDisk(box, size: size)
        let cp = try spawn("/bin/cp", ["-a", box.path("archive"), disk.dir + "/archive"], cwd: box.root)
        try #require(cp.status == 0, "\(cp)")
        return (disk, ["--archive", disk.dir + "/archive"])
    }

    /// Every command that only reads, with its arguments.
    func readingCommands(_ box: Sandbox, _ a: [String]) throws -> [[String]] {
        let ledger = OfficeArchiveFixture.ledgerId
        let history = try box.hoso(a + ["history", ledger, "--json"])
        try #require(history.status == 0, "\(history)")
        struct Item: Decodable {
            struct Revision: Decodable { var id: String }
            var revision: Revision
        }
        let head = try #require(try history.json([Item].self).first?.revision.id)
        return [
            ["ls", "--json"], ["cat", head], ["info", head, "--json"], ["find", "Lò Thị Mai", "--json"], ["fsck", "--json"],
            ["history", ledger, "--json"], ["record", "show", ledger], ["verify", ledger, "--json"],
            ["copy", "verify", "ban-sao.pdf", "--json"], ["copy", "list", "--json"], ["request", "list", "--json"],
            ["trust", "list", "--json"], ["office", "show"],
        ]
    }

    /// Runs every reading command now and after `change`; each answers as before, with the same exit code. The
    /// clock is fixed (verification reports say when they were made).
    func readingAnswersSurvive(_ box: Sandbox, _ a: [String], change: () throws -> Void) throws -> [ProgramOutput] {
        let commands = try readingCommands(box, a)
        let clock = ["HOSO_NOW": ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))]
        let before = try commands.map { try box.hoso(a + $0, env: clock) }
        for (c, b) in zip(commands, before) { try #require(b.status == 0 || c[0] == "verify", "\(c): \(b)") }
        try change()
        var after = [ProgramOutput]()
        for (c, b) in zip(commands, before) {
            let r = try box.hoso(a + c, env: clock)
            #expect(r.status == b.status && r.out == b.out, "\(c): before \(b), after \(r)")
            after.append(r)
        }
        return after
    }

    @Test(.enabled(if: tmpfsMountable, "\(skip)"))
    func readingCommandsWorkOnAReadOnlyMedium() throws {
        try withSandbox { box in
            let (disk, a) = try officeOnSmallDisk(box)
            defer { disk.unmount() }
            let after = try readingAnswersSurvive(box, a) { try disk.remount(readOnly: true) }
            // The archive's own index served them: no notice of a temporary one.
            for r in after { #expect(!r.err.contains("chỉ mục tạm"), "\(r)") }
            // A write is refused as an I/O error that names the medium's refusal; nothing changed.
            let w = try box.hoso(a + ["record", "new", "note", "ghi-chu/1", "v.json"])
            #expect(w.status == 5 && w.errorLines.count == 1, "\(w)")
            try disk.remount(readOnly: false)
            #expect(try box.hoso(a + ["history", "ghi-chu/1"]).status != 0)
            #expect(try box.hoso(a + ["fsck"]).status == 0)
        }
    }

    @Test(.enabled(if: tmpfsMountable, "\(skip)"))
    func anIndexBehindOnAReadOnlyMediumIsBuiltAsideNotTrusted() throws {
        try withSandbox { box in
            let (disk, a) = try officeOnSmallDisk(box)
            defer { disk.unmount() }
            let after = try readingAnswersSurvive(box, a) {
                // The index lost: as after a crash between the objects and the index, then the medium locked.
                for suffix in ["", "-wal", "-shm"] { unlink(disk.dir + "/archive/index.sqlite" + suffix) }
                try disk.remount(readOnly: true)
            }
            for r in after { #expect(r.err.contains("chỉ mục tạm"), "\(r)") }
            #expect(!FileManager.default.fileExists(atPath: disk.dir + "/archive/index.sqlite"))
        }
    }

    @Test(.enabled(if: tmpfsMountable, "\(skip)"))
    func readingCommandsWorkOnAFullDisk() throws {
        try withSandbox { box in
            let (disk, a) = try officeOnSmallDisk(box)
            defer { disk.unmount() }
            let listing = try box.hoso(a + ["ls", "--json"]).out
            _ = try readingAnswersSurvive(box, a) { try disk.fill(leaving: 0) }
            // A write fails with DISK_FULL and leaves the archive as it was.
            let w = try box.hoso(a + ["record", "new", "note", "ghi-chu/1", "v.json"])
            #expect(w.status == 5 && w.err.contains("[DISK_FULL]"), "\(w)")
            disk.unfill()
            #expect(try box.hoso(a + ["ls", "--json"]).out == listing)
            #expect(try box.hoso(a + ["fsck"]).status == 0)
        }
    }

    @Test func aReaderOfAnArchiveCopiedWithoutItsLockFileStillLocks() throws {
        try withSandbox { box in
            try box.initArchive()
            try box.write("a.txt", "một\n")
            try #require(try box.hoso("add", "a.txt").status == 0)
            unlink(box.path("archive/lock"))
            let ls = try box.hoso("ls")
            #expect(ls.status == 0 && ls.out.contains("a.txt"), "\(ls)")
            #expect(box.exists("archive/lock"))
        }
    }

    @Test func anOutputFolderThatIsNotThereIsRefusedBeforeTheCopyIsIssued() throws {
        try withSandbox { box in
            let copies = CopyCLITests()
            try copies.prepare(box)
            let req = try box.hoso(
                "request", "new", "--requester", "Lò Thị Mai", "--holder", "Lò Thị Mai", "--serial", "Số 001234/BT", "--json")
            let id = try req.json(CopyCLITests.RequestJSON.self).id
            let issue = try box.hoso(
                [
                    "copy", "issue", "Số 001234/BT", "--request", id, "--out", "khong-co/ban-sao.pdf", "--key", "pki/van-phong.p12",
                    "--password-env", "PW",
                ], env: CopyCLITests.pw)
            #expect(issue.status == 5 && issue.errorLines.count == 1, "\(issue)")
            // No number was taken: the register is empty and the request still waits.
            let list = try box.hoso("copy", "list", "--json")
            #expect(list.status == 0 && !list.out.contains("Lò Thị Mai"), "\(list)")
            #expect(
                try box.hoso(
                    "copy", "issue", "Số 001234/BT", "--request", id, "--out", "ban-sao.pdf", "--key", "pki/van-phong.p12",
                    "--password-env", "PW", env: CopyCLITests.pw
                ).status == 0)
        }
    }

    @Test(.enabled(if: tmpfsMountable, "\(skip)"))
    func aCopyWhoseFileCannotBeWrittenStandsAndSaysHowToWriteIt() throws {
        try withSandbox { box in
            let copies = CopyCLITests()
            try copies.prepare(box)
            let out = try SmallDisk(box, size: "16k", name: "full-stick")
            defer { out.unmount() }
            try out.fill(leaving: 0)
            let req = try box.hoso(
                "request", "new", "--requester", "Lò Thị Mai", "--holder", "Lò Thị Mai", "--serial", "Số 001234/BT", "--json")
            let id = try req.json(CopyCLITests.RequestJSON.self).id
            let issue = try box.hoso(
                [
                    "copy", "issue", "Số 001234/BT", "--request", id, "--out", out.dir + "/ban-sao.pdf", "--key", "pki/van-phong.p12",
                    "--password-env", "PW",
                ], env: CopyCLITests.pw)
            #expect(issue.status == 5 && issue.err.contains("[OUTPUT_NOT_WRITTEN]"), "\(issue)")
            #expect(issue.err.contains("đã được cấp") && issue.err.contains("Hết chỗ"), "\(issue)")
            #expect(!FileManager.default.fileExists(atPath: out.dir + "/ban-sao.pdf"))
            // The command it gives writes the very copy that was registered; it verifies, and no second number exists.
            let again = try #require(issue.err.range(of: "hoso cat ").map { String(issue.err[$0.upperBound...]) })
            let docId = String(again.prefix(64))
            let cat = try box.hoso("cat", docId, "-o", "ban-sao.pdf")
            #expect(cat.status == 0, "\(cat)")
            let verify = try box.hoso("copy", "verify", "ban-sao.pdf")
            #expect(verify.status == 0 && verify.out.contains("PASSED"), "\(verify)")
            let list = try box.hoso("copy", "list", "--json")
            #expect(list.out.components(separatedBy: "Lò Thị Mai").count == 3, "one copy, holder and requester: \(list)")
            try box.expectSound()
        }
    }
}

/// A disk that fills up at every point of a write (issue 15): each command of the write path run with the free space
/// stepped across what it needs. Afterwards it took effect completely or not at all, fsck is clean, and a re-run
/// finishes without a duplicate or a fork. (FaultInjectionTests fails single calls; this is the real filesystem.)
@Suite(.serialized) struct DiskFullStepTests {
    @Test(.enabled(if: tmpfsMountable, "\(SmallDiskTests.skip)"), arguments: FaultInjectionTests.scenarios)
    func aDiskFillingAtAnyPointLeavesASoundArchive(_ s: FaultInjectionTests.Scenario) throws {
        try withSandbox { box in
            let args = try FaultInjectionTests.makeTemplate(box, s)
            let disk = try SmallDisk(box, size: "32m")
            defer { disk.unmount() }
            let a = ["--archive", disk.dir + "/archive"]
            func fresh() throws {
                _ = try spawn("/bin/rm", ["-rf", disk.dir + "/archive"], cwd: box.root)
                let cp = try spawn("/bin/cp", ["-a", box.path("template"), disk.dir + "/archive"], cwd: box.root)
                try #require(cp.status == 0, "\(cp)")
            }
            // What the command takes on this disk, then every amount of free space from none to a little more.
            try fresh()
            let before = disk.freeBytes
            try #require(try box.hoso(a + args).status == 0)
            let used = before > disk.freeBytes ? before - disk.freeBytes : 0
            let page: UInt64 = 4096
            let steps = Set(stride(from: 0, through: used + 2 * page, by: Int(max(page, (used / 16) / page * page))).map { UInt64($0) })
            for free in steps.sorted() {
                try fresh()
                try disk.fill(leaving: free)
                let at = "\(s.name), \(free) bytes free of \(used) needed"
                let filled = try box.hoso(a + args)
                #expect([0, 5].contains(filled.status), "\(at): \(filled)")
                if filled.status == 5 { #expect(filled.err.contains("[DISK_FULL]"), "\(at): \(filled)") }
                disk.unfill()
                #expect(try box.hoso(a + ["fsck"]).status == 0, "\(at): fsck after the full disk")
                let again = try box.hoso(a + args)
                let refusedBecauseDone = s.rerunMayRefuse.contains { again.err.contains("[\($0)]") }
                #expect(again.status == 0 || refusedBecauseDone, "\(at): the re-run: \(again)")
                if let (id, n) = s.record {
                    let items = try FaultInjectionTests.history(box, id, archive: a)
                    #expect(items.count == n, "\(at): \(items.count) revisions of \(id), \(n) expected")
                }
                #expect(try box.hoso(a + ["fsck"]).status == 0, "\(at): fsck after the re-run")
            }
        }
    }
}
