// hoso-bench-log: the transparency log's rates, in-process, on one thread. Run by tools/bench-log, which also runs
// `sha256sum` over the same bytes and judges the targets (this program only measures and checks its results).
//   append   LogStore.append of event-sized entries (canonical JSON like the archive's), in durable batches
//   prove    inclusion proofs at the full size: generation from the files (O(log n) reads), size, check time
//   verify   LogStore.verifyAll: every leaf, every stored node and the root recomputed from the entries
import ArgumentParser
import Foundation
import HosoBenchSupport
import HosoLog

@main
struct HosoBenchLog: BenchCommand {
    static let configuration = CommandConfiguration(
        commandName: "hoso-bench-log",
        abstract: "Transparency log appends/s, proof size and check time, verification rate; in-process, one thread.",
        discussion: "Exit status: 0 ran and results are sane, 1 a sanity check failed (or HosoLog threw), 2 could not run.")

    @Option(help: "entries appended (10_000_000)", transform: wholeNumber(atLeast: 2))
    var entries = 10_000_000

    @Option(help: "entries per durable append (10_000)", transform: wholeNumber(atLeast: 1))
    var batch = 10_000

    @Option(help: "inclusion proofs generated and checked (10_000)", transform: wholeNumber(atLeast: 1))
    var proofs = 10_000

    @Option(help: ArgumentHelp("the log directory (made fresh; kept for sha256sum)", valueName: "dir"))
    var dir: String

    @Option(help: ArgumentHelp("write the results as JSON", valueName: "file"))
    var json: String?

    static func main() { benchMain(Self.self, tool: "hoso-bench-log") }

    func execute() throws -> Int32 {
        if FileManager.default.fileExists(atPath: dir) { try FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = LogStore(dir: dir + "/log")
        var result = Results(entries: entries, batch: batch, debugBuild: isDebugBuild())

        // Append: entries made as the archive makes them, in batches each synced before its head.
        var appended = 0
        var appendNs: UInt64 = 0
        var root = LogHash()
        while appended < entries {
            let k = min(batch, entries - appended)
            let chunk = (appended..<(appended + k)).map(event)
            let t0 = now()
            (_, root) = try store.append(chunk, sequence: appended / batch + 1)
            appendNs += now() - t0
            appended += k
        }
        result.appendPerSecond = Double(entries) / seconds(appendNs)
        result.bytes = try store.reader().range(of: UInt64(entries - 1)).upperBound
        say("append: \(grouped(entries)) entries in \(fmt(seconds(appendNs), 2)) s = \(grouped(Int(result.appendPerSecond)))/s")

        // Proofs at the full size, random indexes.
        let reader = try store.reader()
        let n = reader.size
        let hasher = TreeHasher()
        var rng = SystemRandomNumberGenerator()
        var genNs = [UInt64]()
        var checkNs = [UInt64]()
        var maxBytes = 0
        var ok = true
        for _ in 0..<proofs {
            let i = UInt64.random(in: 0..<n, using: &rng)
            let t0 = now()
            let proof = try reader.inclusionProof(index: i, size: n)
            let t1 = now()
            let leaf = hasher.leaf(event(Int(i)))
            ok = ok && ProofCheck.inclusion(leaf: leaf, index: i, size: n, proof: proof, root: root, hasher: hasher)
            let t2 = now()
            genNs.append(t1 - t0)
            checkNs.append(t2 - t1)
            maxBytes = max(maxBytes, proof.count * LogHash.size)
        }
        let gen = Percentiles(genNs)
        let check = Percentiles(checkNs)
        (result.proofBytesMax, result.proofGenerateP50Us, result.proofCheckP50Us, result.proofCheckP99Us) =
            (maxBytes, gen.us(0.5), check.us(0.5), check.us(0.99))
        say(
            "proof at \(grouped(Int(n))): \(maxBytes) bytes max; generate p50 \(fmt(gen.us(0.5), 1)) µs; check p50 \(fmt(check.us(0.5), 1)) µs, p99 \(fmt(check.us(0.99), 1)) µs"
        )

        // Verify: the whole log recomputed.
        let t0 = now()
        let v = try store.verifyAll(verifier: nil)
        let verifyNs = now() - t0
        result.verifyPerSecond = Double(entries) / seconds(verifyNs)
        say("verify: \(grouped(entries)) entries in \(fmt(seconds(verifyNs), 2)) s = \(grouped(Int(result.verifyPerSecond)))/s")
        ok = ok && v.root == root && v.size == UInt64(entries)
        result.sane = ok
        result.peakRSSMiB = peakRSSMiB()
        if let json { try writeSummary(result, to: json) }
        if !ok { warn("a proof or the recomputed root did not match", tool: "hoso-bench-log") }
        return ok ? 0 : 1
    }

    /// Entry `i`: an event as the archive logs it (~190 bytes of canonical JSON), distinct per index.
    func event(_ i: Int) -> [UInt8] {
        let id = String(repeating: String(i, radix: 16), count: 64).prefix(64)
        return Array(
            "{\"actor\":\"can-bo-van-bang\",\"id\":\"\(id)\",\"kind\":\"record\",\"n\":\(i),\"record\":\"note-\(i)\",\"seq\":\(i / batch + 1),\"time\":\"2026-12-07T00:00:00Z\",\"type\":\"note\",\"v\":1}"
                .utf8)
    }
}

struct Results: Encodable {
    var entries: Int
    var batch: Int
    var debugBuild: Bool
    var bytes: UInt64 = 0
    var appendPerSecond = 0.0
    var proofBytesMax = 0
    var proofGenerateP50Us = 0.0
    var proofCheckP50Us = 0.0
    var proofCheckP99Us = 0.0
    var verifyPerSecond = 0.0
    var peakRSSMiB = 0.0
    var sane = false
}
