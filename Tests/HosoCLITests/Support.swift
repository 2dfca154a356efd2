import Foundation
import HosoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Shared machinery for the end-to-end tests: they run the built `hoso` binary as a subprocess, each in a
// directory of its own, and look only at what a user could see (exit status, stdout, stderr, files).

let isRoot = geteuid() == 0

/// Finds a tool on $PATH (plus the sbin directories, where `mount` may live for non-login shells).
func tool(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
    for dir in path.split(separator: ":") where !dir.isEmpty {
        let candidate = "\(dir)/\(name)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}

/// Unreadable-file cases need a user the permission bits apply to: as root that means dropping to
/// `nobody` with setpriv; otherwise plain chmod already works.
let canTestUnreadable = !isRoot || tool("setpriv") != nil

// MARK: - Running processes

extension ProgramOutput {
    /// The `hoso: lỗi [...]` / `hoso: error [...]` lines, one per reported problem.
    var errorLines: [String] {
        err.split(separator: "\n").map(String.init).filter { $0.hasPrefix("hoso: lỗi [") || $0.hasPrefix("hoso: error [") }
    }
}

/// The environment every hoso run starts from: the test runner's, minus anything that would change
/// hoso's answers (language, archive, clock), so "Vietnamese by default" and friends are really tested.
let cleanEnvironment: [String: String] = {
    var env = ProcessInfo.processInfo.environment
    for key in ["LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "HOSO_LANG", "HOSO_ARCHIVE", "HOSO_NOW", "HOSO_BIN"] {
        env.removeValue(forKey: key)
    }
    env["HOSO_NO_PROGRESS"] = "1"
    return env
}()

/// Runs a program to completion (`runProgram`) in hoso's clean environment; a hung process is killed after
/// `timeout` seconds so one bug cannot stall the whole suite.
func spawn(
    _ executable: String, _ args: [String], cwd: String, env: [String: String] = cleanEnvironment,
    timeout: Double = 1200
) throws -> ProgramOutput {
    try runProgram(executable, args, in: cwd, environment: env, timeout: timeout)
}

/// Who runs hoso: the test's own user, or `nobody` (only differs when the tests run as root).
enum RunAs: Sendable {
    case me, nobody
}

// MARK: - A directory per test

/// A private temporary directory; hoso runs with it as the working directory, so the default
/// archive (`./archive`) lives inside it.
struct Sandbox: Sendable {
    let root: String
    let user: RunAs

    /// The archive's directory, relative to `root` (the working directory of every run).
    static let archive = "archive"

    func path(_ rel: String) -> String { rel.hasPrefix("/") ? rel : root + "/" + rel }

    /// Runs hoso with exactly these arguments.
    @discardableResult
    func hoso(_ args: [String], env extra: [String: String] = [:], cwd: String? = nil) throws -> ProgramOutput {
        let env = cleanEnvironment.merging(extra) { $1 }
        if user == .nobody && isRoot {
            let setpriv = try #require(tool("setpriv"), "setpriv (util-linux) is needed to run hoso as nobody")
            return try spawn(
                setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", hosoBinary] + args,
                cwd: cwd ?? root, env: env)
        }
        return try spawn(hosoBinary, args, cwd: cwd ?? root, env: env)
    }

    @discardableResult
    func hoso(_ args: String..., env: [String: String] = [:]) throws -> ProgramOutput {
        try hoso(args, env: env)
    }

    /// Creates the archive and insists that worked: every later step depends on it.
    func initArchive() throws {
        let r = try hoso("init", Self.archive)
        try #require(r.status == 0, "hoso init failed: \(r)")
    }

    // MARK: Files

    func mkdir(_ rel: String) throws {
        try FileManager.default.createDirectory(atPath: path(rel), withIntermediateDirectories: true)
    }

    /// Writes through POSIX calls with the name's exact bytes: the NFD test needs the decomposed name
    /// on disk, and nothing in between may normalise it.
    func write(_ rel: String, _ bytes: Data) throws {
        let p = path(rel)
        try FileManager.default.createDirectory(atPath: parentOf(p), withIntermediateDirectories: true)
        let fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try #require(fd >= 0, "cannot create \(p): errno \(errno)")
        defer { close(fd) }
        try bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                try #require(n > 0, "write to \(p) failed: errno \(errno)")
                off += n
            }
        }
    }

    func write(_ rel: String, _ text: String) throws { try write(rel, Data(text.utf8)) }

    func read(_ rel: String) throws -> Data {
        try #require(FileManager.default.contents(atPath: path(rel)), "cannot read \(rel)")
    }

    func exists(_ rel: String) -> Bool { access(path(rel), F_OK) == 0 }

    func chmod(_ rel: String, _ mode: mode_t) throws {
        try #require(Glibc.chmod(path(rel), mode) == 0, "chmod \(rel) failed: errno \(errno)")
    }

    func symlink(_ rel: String, to target: String) throws {
        try #require(Glibc.symlink(target, path(rel)) == 0, "symlink \(rel) failed: errno \(errno)")
    }

    /// Names under `rel`, recursively, relative to it and sorted (empty when it does not exist).
    func tree(_ rel: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: path(rel))) ?? []).sorted()
    }

    func size(_ rel: String) -> UInt64 {
        var st = stat()
        return stat(path(rel), &st) == 0 ? UInt64(st.st_size) : 0
    }

    // MARK: Archive views

    func list(kind: String? = nil) throws -> [Listing] {
        let r = try hoso(["ls", "--json"] + (kind.map { ["--kind", $0] } ?? []))
        try #require(r.status == 0, "hoso ls failed: \(r)")
        return try r.json([Listing].self)
    }

    func info(_ id: String) throws -> InfoJSON {
        let r = try hoso("info", id, "--json")
        try #require(r.status == 0, "hoso info failed: \(r)")
        return try r.json(InfoJSON.self)
    }

    /// Everything "the archive did not change" means: the listing, the object files, an empty tmp/.
    func state() throws -> ArchiveState {
        let ls = try hoso("ls", "--json")
        try #require(ls.status == 0, "hoso ls failed: \(ls)")
        return ArchiveState(
            listing: ls.out, objectFiles: tree("\(Self.archive)/objects"),
            tmpFiles: tree("\(Self.archive)/tmp"))
    }

    /// Asserts a sound archive: fsck exits 0 and reports nothing, and no temporary file was left behind.
    func expectSound(_ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try hoso("fsck", "--json")
        #expect(r.status == 0, "fsck: \(r) \(comment)", sourceLocation: sourceLocation)
        let report = try r.json(FsckJSON.self)
        #expect(report.ok && report.damaged.isEmpty && report.missing.isEmpty, "\(comment)", sourceLocation: sourceLocation)
        #expect(tree("\(Self.archive)/tmp").isEmpty, "tmp/ not empty \(comment)", sourceLocation: sourceLocation)
    }
}

struct ArchiveState: Equatable {
    var listing: String
    var objectFiles: [String]
    var tmpFiles: [String]
}

func parentOf(_ p: String) -> String { (p as NSString).deletingLastPathComponent }

/// Runs `body` in a fresh directory and removes it afterwards, whatever happened.
/// `user: .nobody` also opens the directory to everyone, so a hoso dropped to `nobody` can work in it.
func withSandbox(as user: RunAs = .me, _ body: (Sandbox) throws -> Void) throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("hoso-cli-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { removeTree(root) }
    if user == .nobody { _ = Glibc.chmod(root, 0o777) }
    try body(Sandbox(root: root, user: user))
}

/// Objects are read-only and some tests lock directories, so permissions are restored before removal.
func removeTree(_ root: String) {
    if let chmod = tool("chmod") { _ = try? spawn(chmod, ["-R", "u+rwX", root], cwd: "/") }
    try? FileManager.default.removeItem(atPath: root)
}

// MARK: - Data

func randomBytes(_ count: Int) throws -> Data {
    let h = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
    defer { try? h.close() }
    return h.readData(ofLength: count)
}

/// Text that compresses well, like a ledger export.
func ledgerText(lines: Int) -> String {
    (1...lines).map { "Học sinh \($0);Lớp 12A1;Toán 8,5;Văn 7,0;Anh 9,0;Hạnh kiểm Tốt\n" }.joined()
}

/// The SHA-256 hex digest of a file, by sha256sum: an implementation that is not hoso's.
func sha256sum(_ path: String) throws -> String {
    let bin = try #require(tool("sha256sum"), "sha256sum (coreutils) is needed")
    let r = try spawn(bin, [path], cwd: "/")
    try #require(r.status == 0, "sha256sum failed: \(r)")
    return String(r.out.prefix(64))
}

/// The exact bytes of a string, because Swift's `==` on strings treats NFC and NFD as equal.
func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }

// MARK: - hoso's JSON

struct Listing: Codable, Equatable {
    var id: String
    var kind: String
    var size: Int64
    var stored: Int64
    var encoding: String
    var names: [String]
}

struct AddLine: Codable, Equatable {
    var path: String
    var id: String
    var kind: String
    var size: UInt64
    var stored: UInt64
    var encoding: String
    var new: Bool
}

struct InfoJSON: Codable, Equatable {
    struct Name: Codable, Equatable {
        var path: String
        var addedAt: String
        var manifest: String
    }
    struct Entry: Codable, Equatable {
        var path: String
        var id: String
        var size: Int64
    }
    var id: String
    var kind: String
    var size: UInt64
    var stored: UInt64
    var encoding: String
    var file: String
    var names: [Name]
    var entries: [Entry]?
}

struct FsckJSON: Codable {
    struct Damage: Codable, Equatable {
        var path: String
        var id: String?
        var problem: String
        var detail: String
    }
    struct IndexCheck: Codable {
        var notIndexed: Int
        var indexedButAbsent: Int
        var upToDate: Bool
    }
    var ok: Bool
    var objects: Int
    var bytes: UInt64
    var damaged: [Damage]
    var missing: [Damage]
    var index: IndexCheck
    var temporaryFiles: Int
}

struct ErrorsJSON: Codable {
    struct Item: Codable {
        var code: String
        var message: String
        var location: String?
        var cause: String?
    }
    var errors: [Item]
}

/// Parses `add --json` output: one JSON object per line.
func addLines(_ r: ProgramOutput) throws -> [AddLine] {
    try r.out.split(separator: "\n").map { try JSONDecoder().decode(AddLine.self, from: Data($0.utf8)) }
}
