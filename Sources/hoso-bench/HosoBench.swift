// hoso-bench: benchmarks that must run in-process (lookup latency cannot be measured through a CLI).
// Run by tools/bench-records (and tools/bench-web, to fill an archive); see `hoso-bench records --help`.
//
// `records`: imports synthetic ledgers through `Archive.importLedger` and looks entries up through `Archive.find`,
// each against raw SQLite doing the same work on the same table in the same run, so the ratios hold on any machine.
import ArgumentParser
import HosoBenchSupport

@main
struct HosoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hoso-bench",
        abstract: "Benchmarks that must run in-process.",
        discussion: exitStatus,
        subcommands: [Records.self])

    static let exitStatus = """
        Exit status: 0 ran and results are sane, 1 a sanity check failed, 2 could not run, 3 a target missed \
        (with --fail-on-miss).
        """

    static func main() { benchMain(Self.self, tool: "hoso-bench") }

    /// Without a benchmark name there is nothing to run: a usage error (status 2), which the scripts tell from a failed run.
    func run() throws {
        throw BenchFailure(message: "a benchmark name is needed\n\n" + Self.helpMessage())
    }
}

struct Records: BenchCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ledger import and entry lookups, each against raw SQLite in the same run.",
        discussion: HosoBench.exitStatus)

    @Option(
        help: ArgumentHelp(
            "empty or new directory for ledgers, the archive and the reference database",
            valueName: "dir"))
    var work: String

    @Option(help: "entries imported and timed against raw SQLite (100000)", transform: wholeNumber(atLeast: 1))
    var entries = 100_000

    @Option(help: "entries in the index when lookups are measured (1000000)", transform: wholeNumber(atLeast: 1))
    var indexEntries = 1_000_000

    @Option(help: "lookups per kind (10000)", transform: wholeNumber(atLeast: 1))
    var queries = 10_000

    @Option(help: ArgumentHelp("write the summary as JSON", valueName: "file"))
    var json: String?

    @Option(help: "seed of the synthetic data (20190615)", transform: wholeNumber(atLeast: 0))
    var seed = 20_190_615

    @Option(help: "mean entries per ledger file (500)", transform: wholeNumber(atLeast: 10))
    var perLedger = 500

    @Option(
        help: "stage probes (per-stage timing of one ledger) spread over the whole import (12)",
        transform: wholeNumber(atLeast: 0))
    var probes = 12

    @Option(
        help: ArgumentHelp(
            """
            stop filling the index after this many seconds of importing and measure lookups on what is there \
            (0 = no limit); the summary then says the index is smaller than asked
            """, valueName: "seconds"), transform: wholeNumber(atLeast: 0))
    var fillBudget = 0

    @Flag(help: "exit 3 when a target is missed")
    var failOnMiss = false

    func execute() throws -> Int32 {
        var o = Options(
            work: work, entries: entries, indexEntries: indexEntries, queries: queries, json: json,
            seed: UInt64(seed), perLedger: perLedger, probes: probes, fillBudget: Double(fillBudget),
            failOnMiss: failOnMiss)
        if o.indexEntries < o.entries {
            say("note: --index-entries \(o.indexEntries) < --entries \(o.entries); using \(o.entries)")
            o.indexEntries = o.entries
        }
        return try RecordsBenchmark(o).run()
    }
}

/// The parsed command line, as the benchmark's stages read it.
struct Options {
    var work: String
    var entries: Int
    var indexEntries: Int
    var queries: Int
    var json: String?
    var seed: UInt64
    var perLedger: Int
    var probes: Int
    var fillBudget: Double
    var failOnMiss: Bool
}

/// The targets the summary judges (PASS/MISS).
enum Targets {
    static let entriesPerSecond = 20_000.0
    static let p99Us = 1_000.0
}

func warn(_ s: String) { HosoBenchSupport.warn(s, tool: "hoso-bench") }
