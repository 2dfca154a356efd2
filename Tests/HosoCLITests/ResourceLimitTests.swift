import Foundation
import HosoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a small tmpfs can be mounted here (root, and a kernel/container that allows it).
/// Tried once; when it fails the disk-full test is skipped with this reason rather than faked.
let tmpfsMountable: Bool = {
    guard isRoot, let mount = tool("mount"), let umount = tool("umount") else { return false }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hoso-cli-probe-\(UUID().uuidString)").path
    guard (try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)) != nil else { return false }
    defer { rmdir(dir) }
    guard let r = try? spawn(mount, ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], cwd: "/"), r.status == 0 else { return false }
    _ = try? spawn(umount, [dir], cwd: "/")
    return true
}()

/// Full disks and file-size limits end in a clear I/O error (exit 5), leave nothing half-written,
/// and spare what was stored before.
@Suite struct ResourceLimitTests {
    @Test(.enabled(if: tmpfsMountable, "cannot mount a tmpfs here (needs root and mount permission): disk-full case skipped"))
    func diskFullIsReportedAndHarmless() throws {
        try withSandbox { box in
            let mount = try #require(tool("mount"))
            let umount = try #require(tool("umount"))
            try box.mkdir("small-disk")
            let m = try spawn(mount, ["-t", "tmpfs", "-o", "size=4m", "tmpfs", box.path("small-disk")], cwd: "/")
            try #require(m.status == 0, "mount: \(m)")
            defer { _ = try? spawn(umount, [box.path("small-disk")], cwd: "/") }

            let archive = "small-disk/archive"
            try #require(try box.hoso("init", archive).status == 0)
            try box.write("small/a.txt", "tệp nhỏ A\n")
            try box.write("small/b.csv", ledgerText(lines: 50))
            let first = try box.hoso("--archive", archive, "add", "--json", "small")
            try #require(first.status == 0, "\(first)")
            let stored = try addLines(first)
            let listingBefore = try box.hoso("--archive", archive, "ls", "--json").out

            try box.write("big.tif", try randomBytes(20 << 20))
            let r = try box.hoso("--archive", archive, "add", "big.tif")
            #expect(r.status == 5, "\(r)")
            #expect(r.errorLines.count == 1, "\(r)")
            #expect(r.errorLines.first?.contains("[DISK_FULL]") == true, "\(r)")

            // Nothing half-written, and the earlier files are intact.
            #expect(box.tree("\(archive)/tmp").isEmpty, "tmp/ holds \(box.tree("\(archive)/tmp"))")
            let fsck = try box.hoso("--archive", archive, "fsck", "--json")
            #expect(fsck.status == 0, "\(fsck)")
            #expect(try box.hoso("--archive", archive, "ls", "--json").out == listingBefore)
            for line in stored {
                let cat = try box.hoso("--archive", archive, "cat", line.id)
                #expect(try cat.status == 0 && cat.stdout == box.read(line.path), "\(line.path): \(cat.status)")
            }
        }
    }

    @Test func fileSizeLimitIsReportedAndHarmless() throws {
        try withSandbox { box in
            try box.initArchive()
            try box.write("small.txt", "vẫn còn nguyên\n")
            try #require(try box.hoso("add", "small.txt").status == 0)
            let before = try box.state()
            try box.write("big.tif", try randomBytes(10 << 20))

            // ulimit -f is in blocks of 512 or 1024 bytes depending on the shell: 1–2 MB, well under 10 MB.
            let sh = try #require(tool("sh"))
            let r = try spawn(sh, ["-c", "ulimit -f 2048; exec \"$0\" \"$@\"", hosoBinary, "add", "big.tif"], cwd: box.root)
            #expect(r.status == 5, "\(r)")
            #expect(r.errorLines.count == 1, "\(r)")
            #expect(r.errorLines.first?.contains("[FILE_SIZE_LIMIT]") == true, "\(r)")

            #expect(try box.state() == before)
            try box.expectSound()
        }
    }
}
