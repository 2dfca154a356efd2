import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Help, languages, option placement, exit codes and the environment variables.
@Suite struct CLIBasicsTests {
    /// One way of asking for help, and the language it must come out in.
    struct HelpCase: Sendable, CustomTestStringConvertible {
        var args: [String]
        var env: [String: String]
        var english: Bool
        var testDescription: String {
            (env.map { "\($0.key)=\($0.value) " }.joined()) + "hoso " + args.joined(separator: " ")
        }
    }

    static let helpCases: [HelpCase] = [
        HelpCase(args: ["--help"], env: [:], english: false),
        HelpCase(args: ["--lang", "en", "--help"], env: [:], english: true),
        HelpCase(args: ["--help", "--lang", "en"], env: [:], english: true),
        HelpCase(args: ["--lang=en", "--help"], env: [:], english: true),
        HelpCase(args: ["--help"], env: ["LANG": "en_US.UTF-8"], english: true),
        HelpCase(args: ["--help"], env: ["HOSO_LANG": "en"], english: true),
        HelpCase(args: ["--help"], env: ["LANG": "vi_VN.UTF-8"], english: false),
        // The command line beats the environment, both ways.
        HelpCase(args: ["--lang", "vi", "--help"], env: ["LANG": "en_US.UTF-8"], english: false),
    ]

    static let exitCodesVI = [
        "Mã thoát:", "0   thành công", "1   phát hiện hư hỏng", "2   sai cú pháp",
        "3   dữ liệu vào không hợp lệ", "4   không tìm thấy", "5   lỗi vào/ra", "6   kho đang bận",
        "70  lỗi nội bộ",
    ]
    static let exitCodesEN = [
        "Exit codes:", "0   success", "1   damaged data found", "2   bad command line",
        "3   invalid input", "4   not found", "5   I/O error", "6   archive busy",
        "70  internal error",
    ]

    @Test(arguments: helpCases)
    func helpListsExitCodes(_ c: HelpCase) throws {
        try withSandbox { box in
            let r = try box.hoso(c.args, env: c.env)
            #expect(r.status == 0, "\(r)")
            let (wanted, other) = c.english ? (Self.exitCodesEN, Self.exitCodesVI) : (Self.exitCodesVI, Self.exitCodesEN)
            for line in wanted { #expect(r.out.contains(line), "missing '\(line)' in:\n\(r.out)") }
            #expect(!r.out.contains(other[0]), "help mixes languages:\n\(r.out)")
        }
    }

    /// The same error, in each language.
    @Test(arguments: [
        ([String](), "hoso: lỗi [OBJECT_NOT_FOUND]: 0000: Không có đối tượng nào có mã bắt đầu như vậy"),
        (["--lang", "vi"], "hoso: lỗi [OBJECT_NOT_FOUND]: 0000: Không có đối tượng nào có mã bắt đầu như vậy"),
        (["--lang", "en"], "hoso: error [OBJECT_NOT_FOUND]: 0000: No object id starts with this"),
        (["--lang=en"], "hoso: error [OBJECT_NOT_FOUND]: 0000: No object id starts with this"),
    ])
    func errorsSpeakTheChosenLanguage(_ lang: [String], _ expected: String) throws {
        try withSandbox { box in
            try box.initArchive()
            // Language options both before and after the subcommand.
            for args in [lang + ["cat", "0000"], ["cat"] + lang + ["0000"]] {
                let r = try box.hoso(args)
                #expect(r.status == 4, "\(r)")
                #expect(r.stdout.isEmpty)
                #expect(r.errorLines == [expected], "\(args): \(r)")
            }
        }
    }

    @Test func globalOptionsWorkBeforeAndAfterTheSubcommand() throws {
        try withSandbox { box in
            try #require(try box.hoso("init", "elsewhere").status == 0)
            try box.write("a.txt", "a\n")
            let add = try box.hoso("--archive", "elsewhere", "add", "a.txt")
            #expect(add.status == 0, "\(add)")
            let before = try box.hoso("--archive", "elsewhere", "ls", "--json")
            let equals = try box.hoso("--archive=elsewhere", "--lang", "en", "ls", "--json")
            let after = try box.hoso("ls", "--archive", "elsewhere", "--json")
            #expect(before.status == 0 && equals.status == 0 && after.status == 0, "\(before)\n\(equals)\n\(after)")
            let rows = try before.json([Listing].self)
            #expect(rows.contains { $0.names == ["a.txt"] })
            #expect(equals.out == before.out && after.out == before.out)
            #expect(!box.exists(Sandbox.archive), "the default ./archive was used instead of --archive")
        }
    }

    @Test(arguments: [
        ["--bogus"],
        ["ls", "--bogus"],
        ["frobnicate"],
        ["cat"],  // the id is required
        ["add"],  // at least one path is required
        ["--lang", "fr", "ls"],
        ["ls", "--json", "extra-argument"],
    ])
    func badCommandLineExitsWith2(_ args: [String]) throws {
        try withSandbox { box in
            try box.initArchive()
            let r = try box.hoso(args)
            #expect(r.status == 2, "\(r)")
            #expect(r.stdout.isEmpty, "\(r)")
            #expect(!r.err.isEmpty)
        }
    }

    @Test(arguments: [
        ["cat", String(repeating: "0", count: 64)],
        ["info", String(repeating: "f", count: 64)],
        ["cat", "0000"],
        ["info", "--json", "ffff"],
    ])
    func unknownObjectIsNotFound(_ args: [String]) throws {
        try withSandbox { box in
            try box.initArchive()
            try box.write("a.txt", "a\n")
            try #require(try box.hoso("add", "a.txt").status == 0)
            let r = try box.hoso(args)
            #expect(r.status == 4, "\(r)")
            #expect(r.errorLines.count == 1 && r.errorLines[0].contains("[OBJECT_NOT_FOUND]"), "\(r)")
        }
    }

    @Test(arguments: [["ls"], ["add", "x.txt"], ["cat", "abcd"], ["info", "abcd"], ["fsck"], ["reindex"]])
    func missingArchiveIsNotFound(_ args: [String]) throws {
        try withSandbox { box in
            try box.write("x.txt", "x\n")
            for prefix in [[], ["--archive", "no-archive-here"]] {
                let r = try box.hoso(prefix + args)
                #expect(r.status == 4, "\(r)")
                #expect(r.errorLines.count == 1 && r.errorLines[0].contains("[ARCHIVE_NOT_FOUND]"), "\(r)")
            }
            #expect(box.tree(".") == ["x.txt"], "a failed command created files: \(box.tree("."))")
        }
    }

    @Test func initOnAnExistingArchiveIsRefused() throws {
        try withSandbox { box in
            try box.initArchive()
            try box.write("a.txt", "a\n")
            try #require(try box.hoso("add", "a.txt").status == 0)
            let before = try box.state()
            let config = try box.read("archive/hoso-archive.json")

            let r = try box.hoso("init", Sandbox.archive)
            #expect(r.status == 3, "\(r)")
            #expect(r.errorLines.count == 1 && r.errorLines[0].contains("[ARCHIVE_EXISTS]"), "\(r)")
            #expect(try box.state() == before)
            #expect(try box.read("archive/hoso-archive.json") == config)
        }
    }

    @Test func initRefusesANonEmptyDirectory() throws {
        try withSandbox { box in
            try box.write("docs/keep.txt", "giữ nguyên\n")
            let r = try box.hoso("init", "docs")
            #expect(r.status == 3, "\(r)")
            #expect(r.errorLines.first?.contains("[ARCHIVE_DIR_NOT_EMPTY]") == true, "\(r)")
            #expect(box.tree("docs") == ["keep.txt"])
        }
    }

    /// With --json, errors are also a JSON document on stdout, for scripts.
    @Test(arguments: [
        (["--archive", "nowhere", "ls", "--json"], "ARCHIVE_NOT_FOUND", 4 as Int32),
        (["info", "--json", "0000"], "OBJECT_NOT_FOUND", 4),
        (["info", "--json", "xyz"], "INVALID_OBJECT_ID", 3),
        (["add", "--json", "missing.txt"], "INPUT_NOT_FOUND", 4),
        (["ls", "--json", "--kind", "Not A Kind"], "INVALID_KIND", 3),
    ])
    func jsonErrorsGoToStdout(_ args: [String], _ code: String, _ status: Int32) throws {
        try withSandbox { box in
            try box.initArchive()
            let r = try box.hoso(args)
            #expect(r.status == status, "\(r)")
            let json = try r.json(ErrorsJSON.self)
            #expect(json.errors.count == 1)
            #expect(json.errors.first?.code == code)
            #expect(json.errors.first?.message.isEmpty == false)
            #expect(r.errorLines.count == 1, "stderr should still carry the message: \(r)")
        }
    }

    @Test func hosoArchiveVariableIsHonoured() throws {
        try withSandbox { box in
            let env = ["HOSO_ARCHIVE": box.path("from-env")]
            try #require(try box.hoso(["init"], env: env).status == 0)
            #expect(box.exists("from-env/hoso-archive.json"))
            try box.write("a.txt", "theo biến môi trường\n")
            #expect(try box.hoso(["add", "a.txt"], env: env).status == 0)

            let viaEnv = try box.hoso(["ls", "--json"], env: env)
            #expect(viaEnv.status == 0)
            #expect(try viaEnv.json([Listing].self).contains { $0.names == ["a.txt"] })
            #expect(try viaEnv.out == box.hoso("--archive", "from-env", "ls", "--json").out)
            #expect(!box.exists(Sandbox.archive))

            // --archive wins over the variable.
            try box.initArchive()
            let explicit = try box.hoso(["--archive", Sandbox.archive, "ls", "--json"], env: env)
            #expect(explicit.status == 0)
            #expect(try explicit.json([Listing].self).isEmpty)
        }
    }

    @Test func hosoNowSetsTheManifestTime() throws {
        try withSandbox { box in
            let env = ["HOSO_NOW": "2019-05-01T08:00:00Z"]
            let initR = try box.hoso(["init", Sandbox.archive], env: env)
            try #require(initR.status == 0)
            #expect(String(decoding: try box.read("archive/hoso-archive.json"), as: UTF8.self).contains("2019-05-01T08:00:00Z"))
            try box.write("so-diem.csv", ledgerText(lines: 5))
            let add = try box.hoso(["add", "--json", "so-diem.csv"], env: env)
            let id = try #require(try addLines(add).first?.id)

            let info = try box.info(id)
            #expect(info.names.map(\.addedAt) == ["2019-05-01T08:00:00Z"])
            // Without HOSO_NOW the clock is the real one: a second name gets today's time.
            try box.write("copy.csv", try box.read("so-diem.csv"))
            try #require(try box.hoso("add", "copy.csv").status == 0)
            let later = try box.info(id).names
            #expect(later.count == 2)
            #expect(later.last?.addedAt.hasPrefix("2019") == false, "\(later)")
        }
    }

    @Test func invalidHosoNowIsABadCommandLine() throws {
        try withSandbox { box in
            try box.initArchive()
            try box.write("a.txt", "a\n")
            let r = try box.hoso(["add", "a.txt"], env: ["HOSO_NOW": "yesterday"])
            #expect(r.status == 2, "\(r)")
            #expect(try box.list().isEmpty)
        }
    }

    @Test func reindexWhileAnotherProcessHoldsTheArchiveIsBusy() throws {
        try withSandbox { box in
            try box.initArchive()
            try box.write("a.txt", "a\n")
            try #require(try box.hoso("add", "a.txt").status == 0)
            // Hold the archive's lock as another hoso process would (a shared flock on archive/lock).
            let fd = open(box.path("archive/lock"), O_RDWR | O_CLOEXEC)
            try #require(fd >= 0)
            defer { close(fd) }
            try #require(flock(fd, LOCK_SH) == 0)

            let r = try box.hoso("reindex")
            #expect(r.status == 6, "\(r)")
            #expect(r.errorLines.first?.contains("[ARCHIVE_BUSY]") == true, "\(r)")
            // Readers are not blocked by other readers.
            #expect(try box.hoso("ls").status == 0)
        }
    }
}
