// The timed import of `hoso-bench records`: ledgers through Archive.importLedger, with throughput checkpoints and
// per-stage probes of single ledgers.
import Foundation
import HosoBenchSupport
import HosoIndex
import HosoKit
import HosoRecords  // the importer's public stages, for the stage probe

struct Checkpoint: Codable {
    var indexEntries: Int
    /// Throughput of the ledgers imported since the previous checkpoint.
    var entriesPerSecond: Double
    var msPerLedger: Double
}

/// Where one ledger's import time goes, measured by running the importer's public stages one by one on that
/// ledger just before importing it for real (untimed for throughput).
struct Probe: Codable {
    var indexEntries: Int
    var ledgerEntries: Int
    var totalMs: Double
    var loadMappingMs: Double
    var readCSVMs: Double
    var usedNumbersMs: Double
    var validateMs: Double
    var buildAndSerializeBodyMs: Double
    var headsMs: Double
    /// Whatever the stages above do not cover: staging and committing the revision object (fsync), building
    /// the entry rows, and the index transaction.
    var restMs: Double
}

struct ImportResult {
    var entries = 0
    var ledgers = 0
    var ns: UInt64 = 0
    /// CPU time of the process during the timed imports (the probes' stages excluded).
    var cpuNs: UInt64 = 0
    var checkpoints = [Checkpoint]()
    var probes = [Probe]()
    var stoppedByBudget = false
    var entriesPerSecond: Double { ns == 0 ? 0 : Double(entries) / seconds(ns) }
    var cpuMsPerThousand: Double { entries == 0 ? 0 : ms(cpuNs) / Double(entries) * 1000 }
}

func probe(_ l: LedgerFile, archive: Archive) throws -> (Probe, UInt64) {
    var t = now()
    func lap() -> UInt64 {
        let n = now()
        defer { t = n }
        return n - t
    }
    let mapping = try LedgerMapping.load(path: l.mapping)
    let tMapping = lap()
    guard let data = FileManager.default.contents(atPath: l.csv) else { throw BenchFailure(message: "cannot read \(l.csv)") }
    let table = try CSVReader.read(bytes: Array(data), source: l.csv)
    let tCSV = lap()
    // The file's serials and number range, as importLedger asks for them.
    func column(_ field: String) -> [String] {
        guard let c = mapping.columns[field].flatMap({ table.column(named: $0) }) else { return [] }
        return table.rows.compactMap { c < $0.cells.count ? $0.cells[c] : nil }
    }
    let numbers = column("ledgerNumber").compactMap { Int($0.split(separator: "/").first ?? "") }
    let used = try archive.index.usedNumbers(
        year: mapping.year, issuer: mapping.issuer, excludingRecord: mapping.recordId,
        serials: column("serial"), numbers: numbers.min().map { $0...numbers.max()! })
    let tUsed = lap()
    let draft = LedgerImporter.read(
        table, mapping: mapping, scanPages: [],
        existing: ExistingLedgerNumbers(serials: used.serials, ledgerNumbers: used.numbers))
    let tValidate = lap()
    _ = try CanonicalJSON.serialize(draft.body(scans: [:]))
    let tBody = lap()
    _ = try archive.index.heads(ofRecord: mapping.recordId)
    let tHeads = lap()
    let p = Probe(
        indexEntries: 0, ledgerEntries: l.entries, totalMs: 0, loadMappingMs: ms(tMapping), readCSVMs: ms(tCSV),
        usedNumbersMs: ms(tUsed), validateMs: ms(tValidate),
        buildAndSerializeBodyMs: ms(tBody), headsMs: ms(tHeads), restMs: 0)
    return (p, tMapping + tCSV + tUsed + tValidate + tBody + tHeads)
}

/// Imports `ledgers` (positions in the whole run's ledger list), probing those whose position is in `probeAt`.
func importLedgers(
    _ ledgers: ArraySlice<LedgerFile>, into archive: Archive, startEntries: Int, probeAt: Set<Int>,
    budgetNs: UInt64?, label: String
) throws -> ImportResult {
    var r = ImportResult()
    let checkpointEvery = max(1, ledgers.count / 10)
    var lastNs: UInt64 = 0
    var lastEntries = 0
    var lastLedgers = 0
    for (k, l) in ledgers.enumerated() {
        let probed = probeAt.contains(ledgers.startIndex + k) ? try probe(l, archive: archive) : nil
        let start = now()
        let cpuStart = processCPUNanoseconds()
        let report = try archive.importLedger(file: l.csv, mapping: l.mapping, dryRun: false, reason: nil, author: "hoso-bench")
        let took = now() - start
        r.cpuNs += processCPUNanoseconds() - cpuStart
        guard report.committed, report.errors.isEmpty, report.entries == l.entries else {
            let first = report.errors.prefix(3).map { "\($0.code) \($0.location ?? "") \($0.messageEn) \($0.value ?? "")" }
            throw BenchFailure(
                message: "import of \(l.csv) did not commit \(l.entries) entries (committed \(report.committed), "
                    + "\(report.entries) entries, \(report.errors.count) errors): " + first.joined(separator: "; "))
        }
        r.ns += took
        r.entries += l.entries
        r.ledgers += 1
        if let (probeRow, stagesNs) = probed {
            var p = probeRow
            p.indexEntries = startEntries + r.entries - l.entries
            p.totalMs = ms(took)
            p.restMs = max(0, ms(took) - ms(stagesNs))
            r.probes.append(p)
        }
        if (k + 1) % checkpointEvery == 0 || k == ledgers.count - 1 {
            let dn = r.ns - lastNs
            let de = r.entries - lastEntries
            let dl = r.ledgers - lastLedgers
            let cp = Checkpoint(
                indexEntries: startEntries + r.entries, entriesPerSecond: Double(de) / seconds(dn),
                msPerLedger: ms(dn) / Double(dl))
            r.checkpoints.append(cp)
            say(
                "  \(label): index \(grouped(cp.indexEntries).leftPad(11)) entries   last \(dl) ledgers "
                    + "\(grouped(Int(cp.entriesPerSecond)).leftPad(7)) entries/s  \(fmt(cp.msPerLedger, 1).leftPad(7)) ms/ledger"
                    + "   total \(fmt(seconds(r.ns), 1)) s")
            lastNs = r.ns
            lastEntries = r.entries
            lastLedgers = r.ledgers
        }
        if let budgetNs, r.ns > budgetNs, k < ledgers.count - 1 {
            r.stoppedByBudget = true
            say("  \(label): stopped by --fill-budget after \(fmt(seconds(r.ns), 1)) s at \(grouped(startEntries + r.entries)) entries")
            break
        }
    }
    return r
}
