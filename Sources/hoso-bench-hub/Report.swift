// The results of hoso-bench-hub, the PostgreSQL servers' CPU time, and the human table.
import Foundation
import HosoBenchSupport

#if canImport(Glibc)
import Glibc
#endif

struct LoadResult: Codable {
    var store: String
    var entries: Int
    var ledgers: Int
    /// Wall time of the whole load, generation included.
    var seconds: Double
    /// Wall time inside the index's writes only.
    var writeSeconds: Double
    var entriesPerSecond: Double
    var benchCpuSeconds: Double
    var serverCpuSeconds: Double
}

struct LookupResult: Codable {
    var store: String
    var kind: String
    var queries: Int
    var meanHits: Double
    /// Lookups whose answer (under 100 rows) lacked the entry they were drawn from.
    var misses: Int
    var p50Us: Double
    var p99Us: Double
    var maxUs: Double
    var benchCpuUsPerRequest: Double
    var serverCpuUsPerRequest: Double
    var cpuUsPerRequest: Double
    /// PostgreSQL (standby) against SQLite, on the PostgreSQL rows only.
    var ratioP50: Double? = nil
    var ratioP99: Double? = nil
    var ratioCpu: Double? = nil
}

struct ImportResult: Codable {
    var store: String
    /// When in the hub's life it ran: "after a checkpoint", "the next district" (empty for SQLite).
    var when: String
    var entries: Int
    var ledgers: Int
    var objectBytes: Int
    var seconds: Double
    var entriesPerSecond: Double
    var cpuUsPerEntry: Double
    /// The bench process's and the PostgreSQL servers' parts of `cpuUsPerEntry`.
    var benchCpuUsPerEntry: Double = 0
    var serverCpuUsPerEntry: Double = 0
    /// The PostgreSQL part, the primary's (backends, WAL sender, checkpoints) and the standby's (replay) apart.
    var primaryCpuUsPerEntry: Double = 0
    var standbyCpuUsPerEntry: Double = 0
    /// WAL written by the primary, and the full-page images in it, per entry.
    var walBytesPerEntry: Double = 0
    var fullPageImagesPerEntry: Double = 0
}

struct Summary: Codable {
    var entries: Int
    var ledgers: Int
    var districts: Int
    var schoolsPerDistrict: Int
    var batchLedgers: Int
    var debugBuild: Bool
    var province: String
    var load: [LoadResult] = []
    var lookup: [LookupResult] = []
    var importDistrict: [ImportResult] = []
    var notes: [String] = []
}

/// CPU time (user + system) of PostgreSQL servers: each postmaster's own and its exited children's (it waits for
/// them), plus its live children's (backends, walsender, walreceiver, startup, checkpointer …), from /proc.
struct ServerCPU {
    let dataDirectories: [String]

    func nanoseconds() -> UInt64 {
        let tick = UInt64(sysconf(Int32(_SC_CLK_TCK)))
        var ticks: UInt64 = 0
        let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var stats = [Int: [Substring]]()
        for name in all {
            guard let pid = Int(name), let text = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                let close = text.lastIndex(of: ")")
            else { continue }
            // "pid (comm) state ppid …": fields counted after the ')' (the name may hold spaces).
            stats[pid] = text[text.index(after: close)...].split(separator: " ")
        }
        for dir in dataDirectories {
            guard let text = try? String(contentsOfFile: dir + "/postmaster.pid", encoding: .utf8),
                let pm = text.split(separator: "\n").first.flatMap({ Int($0) }), let own = stats[pm]
            else { continue }
            // After ')': state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
            for i in 11...14 { ticks += UInt64(own[i]) ?? 0 }
            for (_, f) in stats where Int(f[1]) == pm { ticks += (UInt64(f[11]) ?? 0) + (UInt64(f[12]) ?? 0) }
        }
        return ticks * 1_000_000_000 / tick
    }
}

func report(_ s: Summary) {
    say()
    say(
        "Load (\(grouped(s.entries)) entries, \(grouped(s.ledgers)) ledgers, \(s.districts) district(s), \(s.batchLedgers) ledger(s) per write)"
    )
    say(
        "store".rightPad(18) + "entries/s".leftPad(11) + "write s".leftPad(10) + "total s".leftPad(10) + "CPU bench s".leftPad(13)
            + "CPU pg s".leftPad(10))
    for l in s.load {
        say(
            l.store.rightPad(18) + fmt(l.entriesPerSecond, 0).leftPad(11) + fmt(l.writeSeconds, 1).leftPad(10)
                + fmt(l.seconds, 1).leftPad(10)
                + fmt(l.benchCpuSeconds, 1).leftPad(13) + fmt(l.serverCpuSeconds, 1).leftPad(10))
    }
    say()
    say("Lookups (findEntries as an office search asks; one at a time)")
    say(
        "store".rightPad(18) + "kind".rightPad(12) + "p50 ms".leftPad(9) + "p99 ms".leftPad(9) + "max ms".leftPad(9)
            + "CPU us/req".leftPad(12)
            + "(bench+pg)".leftPad(16) + "x p50".leftPad(8) + "x p99".leftPad(8) + "x CPU".leftPad(8))
    for r in s.lookup {
        say(
            r.store.rightPad(18) + r.kind.rightPad(12) + fmt(r.p50Us / 1000, 3).leftPad(9) + fmt(r.p99Us / 1000, 3).leftPad(9)
                + fmt(r.maxUs / 1000, 2).leftPad(9) + fmt(r.cpuUsPerRequest, 0).leftPad(12)
                + "(\(fmt(r.benchCpuUsPerRequest, 0))+\(fmt(r.serverCpuUsPerRequest, 0)))".leftPad(16)
                + (r.ratioP50.map { fmt($0, 2) } ?? "").leftPad(8) + (r.ratioP99.map { fmt($0, 2) } ?? "").leftPad(8)
                + (r.ratioCpu.map { fmt($0, 2) } ?? "").leftPad(8))
    }
    say()
    say("Import of one district (through the sync handler)")
    say(
        "store".rightPad(34) + "entries".leftPad(9) + "seconds".leftPad(9) + "entries/s".leftPad(11) + "CPU us/entry".leftPad(14)
            + "  (this process + primary + standby)" + "WAL B/entry".leftPad(13) + "FPI/entry".leftPad(11))
    for r in s.importDistrict {
        let hub = r.store != "sqlite"
        say(
            (r.store + (r.when.isEmpty ? "" : ", " + r.when)).rightPad(34) + grouped(r.entries).leftPad(9) + fmt(r.seconds, 1).leftPad(9)
                + fmt(r.entriesPerSecond, 0).leftPad(11) + fmt(r.cpuUsPerEntry, 1).leftPad(14)
                + "  (\(fmt(r.benchCpuUsPerEntry, 1)) + \(fmt(r.primaryCpuUsPerEntry, 1)) + \(fmt(r.standbyCpuUsPerEntry, 1)))".rightPad(36)
                + (hub ? fmt(r.walBytesPerEntry, 0) : "").leftPad(13) + (hub ? fmt(r.fullPageImagesPerEntry, 2) : "").leftPad(11))
    }
    for n in s.notes { say("note: " + n) }
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    enc.keyEncodingStrategy = .convertToSnakeCase
    if let data = try? enc.encode(s), let line = String(data: data, encoding: .utf8) { say("json: " + line) }
}
