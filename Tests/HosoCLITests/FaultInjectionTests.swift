import Foundation
import HosoTestSupport
import Testing

/// Every command of the write path run under an LD_PRELOAD shim (tools/faultshim.c, built here with cc) that makes
/// the k-th write, pwrite, fsync, fdatasync, syncfs or rename fail with EIO or ENOSPC, for every k: afterwards the
/// archive is sound (`fsck` exit 0) and a re-run of the command finishes without a duplicate or a fork.
@Suite(.serialized) struct FaultInjectionTests {
    /// A write command, how to check its outcome after a re-run, and what a re-run may answer.
    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var args: [String]
        /// Error codes a re-run may answer with, when the faulted run took effect after all.
        var rerunMayRefuse: [String]
        /// Revisions the record must have once the command took effect (nil: no record to count).
        var record: (id: String, revisions: Int)?
        var testDescription: String { name }
    }

    static let scenarios = [
        Scenario(
            name: "record new", args: ["record", "new", "note", "a/1", "v1.json"], rerunMayRefuse: ["RECORD_EXISTS"], record: ("a/1", 1)),
        Scenario(
            name: "record revise", args: ["record", "revise", "a/0", "v1.json", "--reason", "sửa", "--expect-head", "HEAD0"],
            rerunMayRefuse: ["RECORD_CHANGED"], record: ("a/0", 2)),
        Scenario(name: "add", args: ["add", "scan.bin"], rerunMayRefuse: [], record: nil),
        Scenario(
            name: "ledger import", args: ["ledger", "import", "--mapping", "l/mapping.json", "l/ledger.csv"], rerunMayRefuse: [],
            record: (LedgerText.recordId, 1)),
    ]

    /// The shim, built once per run into a temporary directory.
    static let shim: String? = {
        guard let cc = tool("cc") else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hoso-faultshim-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let out = dir + "/faultshim.so"
        let r = try? runProgram(cc, ["-shared", "-fPIC", "-O1", "-o", out, repoRoot + "/tools/faultshim.c", "-ldl"], in: dir)
        return r?.status == 0 ? out : nil
    }()

    @Test(arguments: scenarios)
    func everyFaultLeavesASoundArchive(_ s: Scenario) throws {
        let shim = try #require(Self.shim, "cc could not build tools/faultshim.c")
        try withSandbox { box in
            let args = try Self.makeTemplate(box, s)

            // How many calls the command makes: one fault for each.
            try fresh(box)
            let counted = try box.hoso(args, env: ["LD_PRELOAD": shim, "HOSO_FAULT_COUNT": box.path("count")])
            try #require(counted.status == 0, "\(counted)")
            let calls = try #require(
                Int(String(decoding: try box.read("count"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
            try #require(calls > 0)

            try fresh(box)
            let untouched = try box.hoso("ls", "--json").out
            for k in Self.points(calls) {
                try fresh(box)
                let errno = k % 2 == 0 ? "ENOSPC" : "EIO"
                let faulted = try box.hoso(args, env: ["LD_PRELOAD": shim, "HOSO_FAULT_AT": String(k), "HOSO_FAULT_ERRNO": errno])
                let at = "\(s.name), fault \(k)/\(calls) (\(errno))"
                #expect([0, 5].contains(faulted.status), "\(at): \(faulted)")
                // A failure says whether the archive changed, and when it says not, nothing did.
                if faulted.status == 5 {
                    let unchanged = faulted.err.contains("kho không bị thay đổi")
                    #expect(unchanged || faulted.err.contains("đã được ghi vào kho trước khi lỗi"), "\(at): \(faulted)")
                    if unchanged { #expect(try box.hoso("ls", "--json").out == untouched, "\(at): said unchanged, but changed") }
                }
                let fsck = try box.hoso("fsck")
                #expect(fsck.status == 0, "\(at): fsck after the fault: \(fsck)")
                let again = try box.hoso(args)
                let refusedBecauseDone = s.rerunMayRefuse.contains { again.err.contains("[\($0)]") }
                #expect(again.status == 0 || refusedBecauseDone, "\(at): the re-run: \(again)")
                if let (id, n) = s.record {
                    let items = try Self.history(box, id)
                    #expect(items.count == n, "\(at): \(items.count) revisions of \(id), \(n) expected")
                }
                #expect(try box.hoso("fsck").status == 0, "\(at): fsck after the re-run")
            }
        }
    }

    /// The template (`template/`): an archive with one record (a/0), and the inputs of every scenario; the
    /// arguments of `s` with its head put in.
    static func makeTemplate(_ box: Sandbox, _ s: Scenario) throws -> [String] {
        try box.initArchive()
        try box.write("v0.json", "{\"text\": \"bản đầu\"}")
        try box.write("v1.json", "{\"text\": \"bản sửa\"}")
        try box.write("scan.bin", try randomBytes(300_000))
        try box.write("l/ledger.csv", LedgerText.csv)
        try box.write("l/mapping.json", LedgerText.mapping)
        try #require(try box.hoso("record", "new", "note", "a/0", "v0.json").status == 0)
        let head0 = try #require(try history(box, "a/0").first)
        try FileManager.default.moveItem(atPath: box.path("archive"), toPath: box.path("template"))
        return s.args.map { $0 == "HEAD0" ? head0 : $0 }
    }

    /// Every call up to 150; beyond that (a ledger import writes its index in many pages) every call of the first
    /// and last 60, where the objects, the write number and the index are committed, and an even spread between.
    static func points(_ calls: Int) -> [Int] {
        if calls <= 150 { return Array(1...calls) }
        let middle = stride(from: 61, through: calls - 60, by: max(1, (calls - 120) / 30))
        return Array(1...60) + Array(middle) + Array((calls - 59)...calls)
    }

    func fresh(_ box: Sandbox) throws {
        try? FileManager.default.removeItem(atPath: box.path("archive"))
        try #require(try runProgram("/bin/cp", ["-a", box.path("template"), box.path("archive")], in: box.root).status == 0)
    }

    static func history(_ box: Sandbox, _ record: String, archive: [String] = []) throws -> [String] {
        let r = try box.hoso(archive + ["history", record, "--json"])
        try #require(r.status == 0, "\(r)")
        struct Item: Decodable {
            struct Revision: Decodable { var id: String }
            var revision: Revision
        }
        return try r.json([Item].self).map(\.revision.id)
    }
}
