import Foundation
import HosoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `hoso add` checks every path first; any problem is reported with its code and location,
/// and the archive stays exactly as it was, even for the valid files given alongside.
@Suite struct BadInputTests {
    enum BadInput: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case missingPath, danglingSymlink, symlinkLoop, dirSymlinkToParent, samePathTwice, dirAndFileInside,
            fifo, insideArchive, unreadableFile, unreadableDirectory

        var testDescription: String { rawValue }

        var code: String {
            switch self {
            case .missingPath, .danglingSymlink: return "INPUT_NOT_FOUND"
            case .symlinkLoop, .dirSymlinkToParent: return "INPUT_SYMLINK_LOOP"
            case .samePathTwice, .dirAndFileInside: return "INPUT_DUPLICATE_PATH"
            case .fifo: return "INPUT_NOT_REGULAR_FILE"
            case .insideArchive: return "INPUT_INSIDE_ARCHIVE"
            case .unreadableFile, .unreadableDirectory: return "INPUT_UNREADABLE"
            }
        }

        /// `hoso --help`: 4 is "not found (archive, object, file)", 3 is "invalid input".
        var exitCode: Int32 { code == "INPUT_NOT_FOUND" ? 4 : 3 }

        /// Permission bits do not stop root: these run hoso as `nobody` when the tests run as root.
        var needsUnprivilegedUser: Bool { self == .unreadableFile || self == .unreadableDirectory }

        static let withoutPrivileges = allCases.filter { !$0.needsUnprivilegedUser }
        static let unreadable = allCases.filter(\.needsUnprivilegedUser)

        /// Makes the bad input (under names no other case uses, so cases combine) and returns the
        /// arguments for `add` and the location the error must name.
        func prepare(_ box: Sandbox) throws -> (args: [String], location: String) {
            switch self {
            case .missingPath:
                return (["no-such-file.pdf"], "no-such-file.pdf")
            case .danglingSymlink:
                try box.symlink("dangling", to: "nowhere")
                return (["dangling"], "dangling")
            case .symlinkLoop:
                try box.symlink("loop-a", to: "loop-b")
                try box.symlink("loop-b", to: "loop-a")
                return (["loop-a"], "loop-a")
            case .dirSymlinkToParent:
                try box.write("tree/sub/page.txt", "trang 1\n")
                try box.symlink("tree/sub/up", to: "..")
                return (["tree"], "tree/sub/up")
            case .samePathTwice:
                try box.write("twice.txt", "hai lần\n")
                return (["twice.txt", "twice.txt"], "twice.txt")
            case .dirAndFileInside:
                try box.write("dir/inner.txt", "bên trong\n")
                return (["dir", "dir/inner.txt"], "dir/inner.txt")
            case .fifo:
                try #require(mkfifo(box.path("pipe"), 0o644) == 0, "mkfifo: errno \(errno)")
                return (["pipe"], "pipe")
            case .insideArchive:
                return (["\(Sandbox.archive)/objects"], "\(Sandbox.archive)/objects")
            case .unreadableFile:
                try box.write("secret.txt", "bí mật\n")
                try box.chmod("secret.txt", 0)
                return (["secret.txt"], "secret.txt")
            case .unreadableDirectory:
                try box.write("outer/locked/grades.csv", ledgerText(lines: 3))
                try box.chmod("outer/locked", 0)
                return (["outer"], "outer/locked")
            }
        }
    }

    /// An archive with something in it, and a valid new file to pass along with the bad input.
    static func prepareArchive(_ box: Sandbox) throws -> ArchiveState {
        try box.initArchive()
        try box.write("first/report.txt", "báo cáo đã lưu\n")
        let r = try box.hoso("add", "first")
        try #require(r.status == 0, "\(r)")
        try box.write("fresh.txt", "valid, but must not be stored when anything else is wrong\n")
        return try box.state()
    }

    static func check(_ input: BadInput) throws {
        try withSandbox(as: input.needsUnprivilegedUser ? .nobody : .me) { box in
            let before = try prepareArchive(box)
            let (args, location) = try input.prepare(box)

            let r = try box.hoso(["add", "fresh.txt"] + args)
            #expect(r.status == input.exitCode, "\(r)")
            #expect(r.stdout.isEmpty, "\(r)")
            #expect(r.errorLines.count == 1, "\(r)")
            let line = try #require(r.errorLines.first)
            #expect(line.hasPrefix("hoso: lỗi [\(input.code)]: \(location): "), "\(line)")

            #expect(try box.state() == before, "the archive changed")
            try box.expectSound()
        }
    }

    @Test(arguments: BadInput.withoutPrivileges)
    func rejectedAndArchiveUnchanged(_ input: BadInput) throws {
        try Self.check(input)
    }

    @Test(
        .enabled(if: canTestUnreadable, "running as root without setpriv (util-linux): cannot make a file unreadable"),
        arguments: BadInput.unreadable)
    func unreadableRejectedAndArchiveUnchanged(_ input: BadInput) throws {
        try Self.check(input)
    }

    /// Every problem of one call is reported, on stderr and in --json; the exit code is the gravest class.
    @Test(arguments: [false, true])
    func everyProblemIsReported(includingNotFound: Bool) throws {
        let inputs = BadInput.withoutPrivileges.filter { includingNotFound || $0.exitCode == 3 }
        try withSandbox { box in
            let before = try Self.prepareArchive(box)
            var args = ["fresh.txt"]
            var expected = [(code: String, location: String)]()
            for input in inputs {
                let (a, location) = try input.prepare(box)
                args += a
                expected.append((input.code, location))
            }

            let r = try box.hoso(["add", "--json"] + args)
            #expect(r.status == (includingNotFound ? 4 : 3), "\(r)")
            #expect(r.errorLines.count == inputs.count, "\(r)")
            let json = try r.json(ErrorsJSON.self)
            #expect(json.errors.count == inputs.count)
            for e in expected {
                #expect(json.errors.contains { $0.code == e.code && $0.location == e.location }, "\(e) not reported: \(r)")
                #expect(r.errorLines.contains { $0.contains("[\(e.code)]: \(e.location): ") }, "\(e) not on stderr")
            }

            #expect(try box.state() == before, "the archive changed")
            try box.expectSound()
        }
    }

    /// A file that grows while hoso reads it must not be stored, not even partly.
    @Test func fileChangingWhileReadIsRejected() throws {
        try withSandbox { box in
            let before = try Self.prepareArchive(box)
            // ~100 MB, so reading it takes a while; zeros are cheap to write.
            let chunk = Data(count: 1 << 20)
            try box.write("growing.bin", Data())
            let out = try #require(FileHandle(forWritingAtPath: box.path("growing.bin")))
            for _ in 0..<100 { out.write(chunk) }
            try out.close()
            let initial = box.size("growing.bin")

            // A writer appending without pause, started by this test and stopped by it. The loop is bounded
            // (tens of seconds) so that it ends by itself even if this test process dies first.
            let sh = try #require(tool("sh"))
            let writer = Process()
            writer.executableURL = URL(fileURLWithPath: sh)
            writer.arguments = ["-c", "i=0; while [ $i -lt 1000000 ]; do echo 'thêm một dòng' >> growing.bin; i=$((i+1)); done"]
            writer.currentDirectoryURL = URL(fileURLWithPath: box.root)
            writer.standardInput = FileHandle.nullDevice
            writer.standardOutput = FileHandle.nullDevice
            writer.standardError = FileHandle.nullDevice
            try launch(writer)
            defer {
                writer.terminate()
                writer.waitUntilExit()
            }
            // However busy the machine, the writer appends before it ends.
            while box.size("growing.bin") == initial && writer.isRunning { usleep(10_000) }
            try #require(box.size("growing.bin") > initial, "the writer never appended")

            let r = try box.hoso("add", "growing.bin")
            #expect(r.status == 3, "\(r)")
            #expect(r.errorLines.count == 1, "\(r)")
            #expect(r.errorLines.first?.hasPrefix("hoso: lỗi [INPUT_CHANGED_WHILE_READ]: growing.bin: ") == true, "\(r)")

            #expect(try box.state() == before, "something of the changing file was stored")
            try box.expectSound()
        }
    }
}
