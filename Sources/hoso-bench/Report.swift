import Foundation
import GRDBSQLite
import HosoBenchSupport

// What `hoso-bench records` prints at the end and writes as JSON (tools/bench-records and tools/bench-web read the
// summary's keys: keep them).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct TargetCheck: Codable {
    var name: String
    var value: Double?
    var target: String
    var status: String
}

struct Summary: Codable {
    var tool = "hoso-bench records"
    var when: String
    var debugBuild: Bool
    var sqliteVersion: String
    var host: [String: String]
    var parameters: [String: Int]
    var generated: [String: Int64]
    var importPhase: [String: Double]
    var importCheckpoints: [Checkpoint]
    var fillPhase: [String: Double]
    var fillCheckpoints: [Checkpoint]
    var fillStoppedByBudget: Bool
    var probes: [Probe]
    var lookups: [String: LookupResult]
    var queryPlans: [String: [String]]
    var sizes: [String: Int64]
    var peakRssMib: Double
    var targets: [TargetCheck]
    var sanityOK: Bool
    var sanityProblems: [String]
}

extension RecordsBenchmark {
    /// 5. Report: the results table, then PASS/MISS per target and the sanity verdict. Returns the target checks.
    func report(_ m: Measured) -> [TargetCheck] {
        say("")
        say("== results ==")
        printImport(m)
        printProbes(m.imp.probes + m.fill.probes)
        printLookups(m)
        let sizes = m.sizes
        say(
            "  sizes: index \(fmt(Double(sizes["index_bytes"]!) / 1_048_576, 1)) MiB, objects "
                + "\(fmt(Double(sizes["archive_objects_bytes"]!) / 1_048_576, 1)) MiB, CSV \(fmt(Double(m.gen.csvBytes) / 1_048_576, 1)) MiB; "
                + "peak RSS \(fmt(peakRSSMiB(), 0)) MiB")

        let checks = checkTargets(m)
        say("")
        say(
            problems.isEmpty
                ? "sanity: ok (entry counts match; find returns what the same SQL returns and the entry asked for)"
                : "SANITY FAILED (\(problems.count) problems); see above")
        return checks
    }

    func printImport(_ m: Measured) {
        let imp = m.imp
        let fill = m.fill
        say("  import (index 0 → \(grouped(o.entries)))")
        say(
            "    Archive.importLedger     \(grouped(Int(imp.entriesPerSecond)).leftPad(9)) entries/s  \(fmt(seconds(imp.ns), 2)) s"
                + "  (\(fmt(ms(imp.ns) / Double(max(1, imp.ledgers)), 1)) ms/ledger; CPU \(fmt(imp.cpuMsPerThousand, 1)) ms per 1,000 entries)"
        )
        say("    raw SQLite               \(grouped(Int(m.refRate)).leftPad(9)) entries/s  \(fmt(seconds(m.refNs), 2)) s")
        say("    hoso / raw SQLite        \(fmt(imp.entriesPerSecond / m.refRate, 3))x of the raw rate")
        if fill.ledgers > 0 {
            say("  fill (index \(grouped(o.entries)) → \(grouped(m.indexed)))")
            say(
                "    Archive.importLedger     \(grouped(Int(fill.entriesPerSecond)).leftPad(9)) entries/s  \(fmt(seconds(fill.ns), 2)) s"
                    + "  (last tenth: \(grouped(Int(fill.checkpoints.last?.entriesPerSecond ?? 0))) entries/s)")
        }
    }

    func printProbes(_ probes: [Probe]) {
        guard !probes.isEmpty else { return }
        say("  where one ledger's import time goes (ms; stages run separately just before the real import)")
        say(
            "    "
                + [
                    "index", "entries", "total", "mapping", "csv", "usedNumbers", "validate", "body+json",
                    "heads", "rest",
                ].map { $0.leftPad(12) }.joined())
        for p in probes {
            say(
                "    "
                    + [
                        grouped(p.indexEntries), String(p.ledgerEntries), fmt(p.totalMs, 1), fmt(p.loadMappingMs, 2),
                        fmt(p.readCSVMs, 1), fmt(p.usedNumbersMs, 1), fmt(p.validateMs, 1),
                        fmt(p.buildAndSerializeBodyMs, 1), fmt(p.headsMs, 2), fmt(p.restMs, 1),
                    ]
                    .map { $0.leftPad(12) }.joined())
        }
        say("    (single ledgers on a shared machine: noisy. rest = the real import minus the stages run alone: staging and")
        say("     committing the revision object, entry rows, the index transaction; 0 when the stages ran slower alone)")
    }

    func printLookups(_ m: Measured) {
        say("  lookups on \(grouped(m.indexed)) entries (µs)                  p50       p99       max")
        for kind in LookupKind.allCases {
            guard let r = m.results[kind.rawValue] else { continue }
            func row(_ label: String, _ l: Latency?, _ note: String) {
                guard let l else { return }
                say(
                    "    " + (label == "Archive.find" ? kind.label : "").rightPad(16) + label.rightPad(22)
                        + [l.p50Us, l.p99Us, l.maxUs].map { fmt($0, 1).leftPad(9) }.joined(separator: " ") + "   " + note)
            }
            row("Archive.find", r.hoso, "mean hits \(fmt(r.meanHits, 1))")
            row("index.findEntries", r.findEntries, "(query built beforehand)")
            row("same SQL, raw", r.sqlite, "find/SQL: p50 \(fmt(r.ratioP50, 2))x, p99 \(fmt(r.ratioP99, 2))x")
            row("plain FTS, raw", r.sqlitePlain, "(exact tokens, no ORDER BY)")
            row("nameKey = ?, raw", r.sqliteNameKey, "(the name index, entry_name_order)")
        }
    }

    func sizes(_ m: Measured) -> [String: Int64] {
        [
            "ledger_csv_bytes": m.gen.csvBytes,
            "archive_objects_bytes": treeBytes(archiveDir + "/objects"),
            "index_bytes": fileBytes(indexPath) + fileBytes(indexPath + "-wal"),
            "reference_bytes_at_import": m.refBytes,
        ]
    }

    func checkTargets(_ m: Measured) -> [TargetCheck] {
        var checks = [TargetCheck]()
        func target(_ name: String, _ label: String, _ value: Double?, _ limit: String, _ ok: Bool, _ unit: String) {
            let status = value == nil ? "n/a" : (ok ? "PASS" : "MISS")
            checks.append(TargetCheck(name: name, value: value, target: limit, status: status))
            say(
                "  \(label.rightPad(44)) \((value.map { fmt($0, 1) + unit } ?? "-").leftPad(14))   \(("target " + limit).rightPad(16)) \(status)"
            )
        }
        let imp = m.imp
        say("")
        target(
            "import_entries_per_s", "import throughput (importLedger)", imp.entriesPerSecond, ">= 20000/s",
            imp.entriesPerSecond >= Targets.entriesPerSecond, "/s")
        let sp99 = m.results[LookupKind.serial.rawValue]?.hoso.p99Us
        let np99 = m.results[LookupKind.fullName.rawValue]?.hoso.p99Us
        target("serial_p99_us", "lookup by serial, p99 (Archive.find)", sp99, "< 1000 µs", (sp99 ?? .infinity) < Targets.p99Us, " µs")
        target("full_name_p99_us", "lookup by full name, p99 (Archive.find)", np99, "< 1000 µs", (np99 ?? .infinity) < Targets.p99Us, " µs")
        if m.fill.stoppedByBudget || m.indexed < o.indexEntries {
            say("  note: lookups measured on \(grouped(m.indexed)) entries, fewer than the \(grouped(o.indexEntries)) asked")
        }
        return checks
    }

    func summary(_ m: Measured, checks: [TargetCheck]) -> Summary {
        let imp = m.imp
        let fill = m.fill
        return Summary(
            when: ISO8601DateFormatter().string(from: Date()), debugBuild: debug,
            sqliteVersion: String(cString: sqlite3_libversion()),
            host: [
                "cpus": String(ProcessInfo.processInfo.activeProcessorCount),
                "os": ProcessInfo.processInfo.operatingSystemVersionString,
            ],
            parameters: [
                "entries": o.entries, "index_entries": o.indexEntries, "queries": o.queries, "seed": Int(o.seed),
                "per_ledger": o.perLedger, "fill_budget_s": Int(o.fillBudget),
            ],
            generated: ["ledgers": Int64(m.gen.ledgers.count), "import_ledgers": Int64(m.importCount), "csv_bytes": m.gen.csvBytes],
            importPhase: [
                "entries": Double(imp.entries), "seconds": seconds(imp.ns), "entries_per_s": imp.entriesPerSecond,
                "ms_per_ledger": ms(imp.ns) / Double(max(1, imp.ledgers)),
                "cpu_ms_per_1000_entries": imp.cpuMsPerThousand,
                "sqlite_seconds": seconds(m.refNs), "sqlite_entries_per_s": m.refRate,
                "ratio_of_sqlite_rate": imp.entriesPerSecond / m.refRate,
            ],
            importCheckpoints: imp.checkpoints,
            fillPhase: [
                "entries": Double(fill.entries), "seconds": seconds(fill.ns), "entries_per_s": fill.entriesPerSecond,
                "index_entries_reached": Double(m.indexed),
            ],
            fillCheckpoints: fill.checkpoints, fillStoppedByBudget: fill.stoppedByBudget,
            probes: imp.probes + fill.probes, lookups: m.results, queryPlans: m.plans, sizes: m.sizes, peakRssMib: peakRSSMiB(),
            targets: checks, sanityOK: problems.isEmpty, sanityProblems: problems)
    }
}

func treeBytes(_ path: String) -> Int64 {
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total: Int64 = 0
    while let rel = e.nextObject() as? String {
        var st = stat()
        if lstat(path + "/" + rel, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int64(st.st_size) }
    }
    return total
}

func fileBytes(_ path: String) -> Int64 {
    var st = stat()
    return stat(path, &st) == 0 ? Int64(st.st_size) : 0
}
