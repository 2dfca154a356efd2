import Foundation
import GRDBSQLite  // the sqlite3 C API of the library GRDB links: the reference runs on the very same SQLite
import HosoBenchSupport
import HosoKit

// `hoso-bench records`, stage by stage: generate the ledgers, import them timed against raw SQLite, fill the index,
// then verify, warm up and time the lookups; Report.swift prints and writes what was measured.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything the run measured, for the report and the JSON summary.
struct Measured {
    var gen: Generated
    var importCount: Int
    var imp: ImportResult
    var refNs: UInt64
    var refRate: Double
    var refBytes: Int64
    var fill = ImportResult()
    var indexed = 0
    var results = [String: LookupResult]()
    var plans = [String: [String]]()
    var sizes = [String: Int64]()
}

final class RecordsBenchmark {
    let o: Options
    let debug = isDebugBuild()
    let work: String
    let ledgerDir: String, archiveDir: String, refPath: String
    var indexPath: String { archiveDir + "/" + Archive.indexFileName }
    /// Sanity problems found so far; any makes the exit status 1.
    var problems = [String]()

    init(_ o: Options) {
        self.o = o
        work = (o.work as NSString).standardizingPath
        ledgerDir = work + "/ledgers"
        archiveDir = work + "/archive"
        refPath = work + "/reference.sqlite"
    }

    func sanity(_ p: String) {
        problems.append(p)
        say("  SANITY: " + p)
    }

    func run() throws -> Int32 {
        try prepareWorkDir()
        say("hoso-bench records\(debug ? "  (DEBUG build: timings are not representative)" : "")")
        say("sqlite \(String(cString: sqlite3_libversion())), cpus \(ProcessInfo.processInfo.activeProcessorCount), work dir \(work)")
        say(
            "entries \(grouped(o.entries)), index entries \(grouped(o.indexEntries)), queries \(grouped(o.queries)) per kind, "
                + "~\(o.perLedger) entries per ledger, seed \(o.seed)")

        let (gen, importCount, draws, probeAt) = try generateLedgers()
        let archive = try Archive.create(at: archiveDir)
        var m = try timedImport(gen, importCount: importCount, probeAt: probeAt, into: archive)
        try fillIndex(&m, probeAt: probeAt, archive: archive)

        let lookups = makeAllLookups(gen, draws: draws, indexed: m.indexed)
        let ref = try RefLookups(path: indexPath)
        m.plans = try ref.plans()
        say("")
        say(
            "lookups: \(grouped(o.queries)) per kind on \(grouped(m.indexed)) entries; Archive.find vs the same SQL through raw "
                + "prepared statements on the same file")
        for (k, v) in m.plans.sorted(by: { $0.key < $1.key }) { say("  plan \(k.rightPad(10)) " + v.joined(separator: " | ")) }
        try verifyLookups(lookups, archive: archive, ref: ref)
        try warmUp(lookups, archive: archive, ref: ref)
        m.results = try timeLookups(lookups, archive: archive, ref: ref)

        m.sizes = sizes(m)
        let checks = report(m)
        if let json = o.json { try writeSummary(summary(m, checks: checks), to: json) }
        _ = ref.sink
        if !problems.isEmpty { return 1 }
        if o.failOnMiss && checks.contains(where: { $0.status == "MISS" }) { return 3 }
        return 0
    }

    /// Everything is created inside the work directory: never mix with files that are not ours.
    func prepareWorkDir() throws {
        var st = stat()
        if stat(work, &st) == 0 {
            if !((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? ["?"]).isEmpty {
                throw BenchFailure(message: "\(work) is not empty")
            }
        } else if mkdir(work, 0o755) != 0 {
            throw BenchFailure(message: "cannot create \(work)")
        }
        mkdir(ledgerDir, 0o755)
    }

    /// 1. Ledgers. Lookup targets are drawn first, so only they are remembered while generating.
    func generateLedgers() throws -> (Generated, importCount: Int, draws: [LookupKind: [Int]], probeAt: Set<Int>) {
        var pickRNG = SplitMix64(state: o.seed ^ 0x5EED)
        var draws = [LookupKind: [Int]]()
        for kind in LookupKind.allCases { draws[kind] = (0..<o.queries).map { _ in pickRNG.below(o.indexEntries) } }
        let wanted = Set(draws.values.joined())
        let t0 = now()
        let gen = try Generator.generate(
            into: ledgerDir, split: o.entries, total: o.indexEntries, perLedger: o.perLedger,
            seed: o.seed, targetIndices: wanted)
        let importCount = gen.ledgers.firstIndex { $0.firstGlobal >= o.entries } ?? gen.ledgers.count
        say(
            "generated \(gen.ledgers.count) ledgers (\(importCount) for the timed import), "
                + "\(fmt(Double(gen.csvBytes) / 1_048_576, 1)) MiB of CSV in \(fmt(seconds(now() - t0), 1)) s")

        // Stage probes: spread over the whole run, so the growth of each stage with the index size shows.
        var probeAt = Set<Int>()
        if o.probes > 0 {
            for p in 0..<o.probes { probeAt.insert((p * (gen.ledgers.count - 1)) / max(1, o.probes - 1)) }
        }
        return (gen, importCount, draws, probeAt)
    }

    /// 2. Import through the archive, then the same rows into raw SQLite.
    func timedImport(_ gen: Generated, importCount: Int, probeAt: Set<Int>, into archive: Archive) throws -> Measured {
        say("")
        say("import: \(grouped(o.entries)) entries in \(importCount) ledgers through Archive.importLedger")
        perfControl("enable")
        let imp = try importLedgers(
            gen.ledgers[0..<importCount], into: archive, startEntries: 0,
            probeAt: probeAt, budgetNs: nil, label: "import")
        perfControl("disable")
        let counted = try archive.index.entryCount()
        if counted != o.entries { sanity("index holds \(counted) entries after the import, expected \(o.entries)") }

        let schema: [String]
        do {
            let raw = try RawDB(path: indexPath, readOnly: true)
            schema = try raw.strings(
                """
                SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND (tbl_name = 'entry' OR name = 'entry_fts') ORDER BY rowid
                """)
        }
        if !schema.contains(where: { $0.contains("CREATE TABLE entry") }) || !schema.contains(where: { $0.contains("fts5") }) {
            throw BenchFailure(message: "could not read the entry / entry_fts schema from \(indexPath)")
        }
        let refNs = try referenceImport(rows: gen.referenceRows, schema: schema, path: refPath)
        let refRate = Double(gen.referenceRows.count) / seconds(refNs)
        let refBytes = fileBytes(refPath) + fileBytes(refPath + "-wal")
        for suffix in ["", "-wal", "-shm"] { unlink(refPath + suffix) }
        say("  raw SQLite (same rows, schema and pragmas; one transaction): \(grouped(Int(refRate))) entries/s")
        return Measured(gen: gen, importCount: importCount, imp: imp, refNs: refNs, refRate: refRate, refBytes: refBytes)
    }

    /// 3. Fill the index to --index-entries, still through importLedger.
    func fillIndex(_ m: inout Measured, probeAt: Set<Int>, archive: Archive) throws {
        if m.importCount < m.gen.ledgers.count {
            say("")
            say("fill: to \(grouped(o.indexEntries)) entries in \(m.gen.ledgers.count - m.importCount) more ledgers")
            let rest = m.gen.ledgers[m.importCount...]
            m.fill = try importLedgers(
                rest, into: archive, startEntries: o.entries,
                probeAt: probeAt,
                budgetNs: o.fillBudget > 0 ? UInt64(o.fillBudget * 1e9) : nil, label: "fill")
        }
        m.indexed = try archive.index.entryCount()
        if m.indexed != o.entries + m.fill.entries { sanity("index holds \(m.indexed) entries, expected \(o.entries + m.fill.entries)") }
        if m.fill.stoppedByBudget {
            say("note: lookups run on \(grouped(m.indexed)) entries, not \(grouped(o.indexEntries)) (--fill-budget)")
        }
    }

    /// 4. Lookups: every target imported (a budget may have cut the fill short).
    func makeAllLookups(_ gen: Generated, draws: [LookupKind: [Int]], indexed: Int) -> [LookupKind: [Lookup]] {
        var targetsByKind = [LookupKind: [Target]]()
        for kind in LookupKind.allCases {
            targetsByKind[kind] = draws[kind]!.filter { $0 < indexed }.compactMap { gen.targets[$0] }
        }
        return Dictionary(uniqueKeysWithValues: LookupKind.allCases.map { ($0, makeLookups(kind: $0, targets: targetsByKind[$0]!)) })
    }

    /// Verification (untimed): find returns what the same SQL returns, and what was asked for.
    func verifyLookups(_ lookups: [LookupKind: [Lookup]], archive: Archive, ref: RefLookups) throws {
        for kind in LookupKind.allCases {
            var bad = 0
            for q in lookups[kind]!.prefix(300) {
                let got = try archive.find(Archive.FindRequest(text: q.text)).map(\.serial)
                let want = ref.same(q, collect: true).serials
                var wrong = got != want
                switch kind {
                case .serial: wrong = wrong || got != [q.expectSerial]
                case .fullName: wrong = wrong || (got.count < 100 && !got.contains(q.expectSerial))
                case .partialName: wrong = wrong || got.isEmpty
                }
                if wrong {
                    bad += 1
                    if bad <= 3 {
                        sanity(
                            "\(kind.label) '\(q.text)': find gave \(got.prefix(5)) (\(got.count)), SQL gave \(want.prefix(5)) (\(want.count))"
                        )
                    }
                }
            }
            if bad > 3 { sanity("\(kind.label): \(bad) wrong answers in the first 300") }
        }
    }

    /// Warm-up (untimed): both sides read the same pages into the OS cache and their own page caches.
    func warmUp(_ lookups: [LookupKind: [Lookup]], archive: Archive, ref: RefLookups) throws {
        for kind in LookupKind.allCases {
            for q in lookups[kind]!.prefix(200) {
                _ = try archive.find(Archive.FindRequest(text: q.text))
                _ = try findEntriesAsFindDoes(archive.index, q.query)
                _ = ref.same(q)
                _ = ref.plain(q)
                if kind == .fullName { _ = ref.byNameKey(q) }
            }
        }
    }

    /// Timed: for each query the variants run back to back, in a rotating order, so no variant always
    /// profits from the pages another one just read.
    func timeLookups(_ lookups: [LookupKind: [Lookup]], archive: Archive, ref: RefLookups) throws -> [String: LookupResult] {
        var results = [String: LookupResult]()
        for kind in LookupKind.allCases {
            let qs = lookups[kind]!
            var hits = 0
            // find, findEntries, same SQL, then the diagnostics that apply to this kind.
            let variants = kind == .serial ? 3 : (kind == .fullName ? 5 : 4)
            var ns = [[UInt64]](repeating: [], count: variants)
            for v in ns.indices { ns[v].reserveCapacity(qs.count) }
            for (i, q) in qs.enumerated() {
                for step in 0..<variants {
                    let v = (step + i) % variants
                    let a = now()
                    switch v {
                    case 0: hits += try archive.find(Archive.FindRequest(text: q.text)).count
                    case 1: _ = try findEntriesAsFindDoes(archive.index, q.query)
                    case 2: _ = ref.same(q)
                    case 3: _ = ref.plain(q)
                    default: _ = ref.byNameKey(q)
                    }
                    ns[v].append(now() - a)
                }
            }
            let hl = Latency(ns[0])
            let sl = Latency(ns[2])
            results[kind.rawValue] = LookupResult(
                queries: qs.count, meanHits: qs.isEmpty ? 0 : Double(hits) / Double(qs.count), hoso: hl,
                findEntries: Latency(ns[1]), sqlite: sl, sqlitePlain: variants > 3 ? Latency(ns[3]) : nil,
                sqliteNameKey: variants > 4 ? Latency(ns[4]) : nil,
                ratioP50: sl.p50Us > 0 ? hl.p50Us / sl.p50Us : 0, ratioP99: sl.p99Us > 0 ? hl.p99Us / sl.p99Us : 0)
        }
        return results
    }
}

/// Profiles only the timed import: `perf record --control=fifo:CTL,ACK -D -1 …` with HOSO_BENCH_PERF_CTL=CTL and
/// HOSO_BENCH_PERF_ACK=ACK starts sampling when the import starts and stops it when it ends.
func perfControl(_ command: String) {
    guard let ctl = ProcessInfo.processInfo.environment["HOSO_BENCH_PERF_CTL"] else { return }
    let fd = open(ctl, O_WRONLY)
    guard fd >= 0 else {
        warn("cannot open \(ctl)")
        return
    }
    let line = Array((command + "\n").utf8)
    _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    if let ack = ProcessInfo.processInfo.environment["HOSO_BENCH_PERF_ACK"] {
        let a = open(ack, O_RDONLY)
        if a >= 0 {
            var buf = [UInt8](repeating: 0, count: 8)
            _ = read(a, &buf, buf.count)
            close(a)
        }
    }
}
