// hoso-bench-hub: the province hub's index on PostgreSQL against the SQLite index, in-process. Run by tools/bench-hub,
// which starts the PostgreSQL primary and its synchronous standby and passes their URLs and data directories.
//   load     the same synthetic ledgers into a SQLite ArchiveIndex (the reference) and into PostgresIndex (primary)
//   lookup   by serial and by whole name, as an office search asks findEntries: SQLite, and the standby
//   import   one more district pushed through the sync handler (ArchiveSyncService.receive) in 8 MB batches
// CPU per request: this process's CPU time plus the PostgreSQL servers' (postmaster and children, from /proc).
import ArgumentParser
import Foundation
import HosoBenchSupport
import HosoHub
import HosoIndex
import HosoKit
import HosoPostgres
import HosoPostgresIndex
import HosoRecords
import HosoSigning
import HosoStore
import HosoSync
import PostgresNIO

@main
struct HosoBenchHub: BenchCommand {
    static let configuration = CommandConfiguration(
        commandName: "hoso-bench-hub",
        abstract: "The province hub's PostgreSQL index against the SQLite index: load, lookups on the standby, import rate.",
        discussion: "Exit status: 0 ran and results are sane, 1 a sanity check failed (or the code under test threw), 2 could not run.")

    @Option(help: "ledger entries loaded (10_000_000)", transform: wholeNumber(atLeast: 1000))
    var entries = 10_000_000

    @Option(help: "entries of one district, and of the district imported at the end (100_000)", transform: wholeNumber(atLeast: 600))
    var districtEntries = 100_000

    @Option(help: "lookups of each kind (2_000)", transform: wholeNumber(atLeast: 10))
    var lookups = 2000

    @Option(help: "ledgers per write while loading (1: one transaction per ledger, as an import)", transform: wholeNumber(atLeast: 1))
    var batchLedgers = 1

    @Option(help: "seed of the synthetic province", transform: wholeNumber(atLeast: 0))
    var seed = 1

    @Option(help: ArgumentHelp("the primary's URL", valueName: "url"))
    var primary: String

    @Option(help: ArgumentHelp("the synchronous standby's URL", valueName: "url"))
    var standby: String

    @Option(help: ArgumentHelp("data directories of the PostgreSQL servers (their CPU is counted)", valueName: "dir"))
    var pgData: [String] = []

    @Option(help: ArgumentHelp("a directory for the SQLite index and the objects (made fresh)", valueName: "dir"))
    var work: String

    @Option(help: ArgumentHelp("write the results as JSON", valueName: "file"))
    var json: String?

    @Option(
        help: ArgumentHelp(
            "instead of the index bench: make the verification part's archives in this directory (a folder archive and the "
                + "hub's first server folder on --primary's database, one copy issued in each), then stop",
            valueName: "dir"))
    var verifySetup: String?

    @Option(help: ArgumentHelp("the ledger record --verify-setup adds (the repository's example ledger)", valueName: "file"))
    var ledger = "Schemas/examples/valid-ledger-old-typed-without-scans.json"

    @Flag(help: "no SQLite reference: load, lookups and import on PostgreSQL only (quick runs; no ratios)")
    var noReference = false

    @Option(
        help: ArgumentHelp(
            "instead of the whole bench: import district D into the already loaded hub (--primary) and stop, for trying "
                + "the import again on one load", valueName: "D"))
    var importOnly: Int?

    static func main() { benchMain(Self.self, tool: "hoso-bench-hub") }

    func execute() throws -> Int32 {
        if let verifySetup {
            try VerifySetup.run(dir: verifySetup, database: primary, ledger: ledger)
            return 0
        }
        if FileManager.default.fileExists(atPath: work) { try FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let servers = ServerCPU(dataDirectories: pgData)
        let province = Province(seed: seed, districtEntries: districtEntries)
        if let importOnly { return try importAgain(district: importOnly, province: province) }
        var out = Summary(
            entries: 0, ledgers: 0, districts: 0, schoolsPerDistrict: province.schoolsPerDistrict, batchLedgers: batchLedgers,
            debugBuild: isDebugBuild(), province: province.name)
        say(
            "hoso-bench-hub: \(grouped(entries)) entries, districts of ~\(grouped(districtEntries)) (\(province.schoolsPerDistrict) schools x 5 years), "
                + "\(batchLedgers) ledger(s) per write\(isDebugBuild() ? "  [DEBUG BUILD: the bench's own CPU is inflated]" : "")")

        // Lookup targets: evenly spread over the whole load, so the answers come from every part of the tables.
        let stride = max(1, entries / lookups)
        var targets = [(serial: String, name: String)]()

        // 1. Load: SQLite first, then PostgreSQL, the same ledgers made again (generation is timed apart).
        // The SQLite reference is a folder archive's own index file, so that its import runs the same sync handler.
        let sqlite = noReference ? nil : try referenceIndex()
        var districts = 0
        func pick(_ n: Int, _ row: EntryRow) {
            if n % stride == stride / 2 && targets.count < lookups { targets.append((row.serial, row.fullName)) }
        }
        if let sqlite {
            out.load.append(
                try load(store: "sqlite", province: province, servers: nil, districts: &districts) { batch in
                    try write(sqlite, batch)
                } onEntry: { n, row in
                    pick(n, row)
                })
        }
        let primaryClient = try BlockingPostgresClient(primary)
        let pg = try PostgresIndex(client: primaryClient)
        out.load.append(
            try load(store: "postgres", province: province, servers: servers, districts: &districts) { batch in
                try write(pg, batch)
            } onEntry: { n, row in
                if sqlite == nil { pick(n, row) }
            })
        out.entries = out.load[0].entries
        out.ledgers = out.load[0].ledgers
        out.districts = districts
        let pgCount = try pg.entryCount()
        let sqliteCount = try sqlite?.entryCount() ?? pgCount
        guard pgCount == sqliteCount, pgCount == out.entries else {
            warn("entry counts differ: PostgreSQL \(pgCount), SQLite \(sqliteCount), made \(out.entries)", tool: "hoso-bench-hub")
            return 1
        }

        // The planner needs statistics (autovacuum would gather them in time); the standby must have replayed it all.
        let t0 = now()
        try primaryClient.query("ANALYZE")
        let lsn = try primaryClient.query("SELECT pg_current_wal_lsn()::text").first!.decode(String.self)
        let standbyClient = try BlockingPostgresClient(standby)
        while try standbyClient.query("SELECT pg_last_wal_replay_lsn() >= \(lsn)::pg_lsn").first!.decode(Bool.self) == false {
            usleep(50_000)
        }
        say("ANALYZE and standby replay: \(fmt(seconds(now() - t0), 1)) s")

        // 2. Lookups.
        // Only the standby's CPU: the primary may be vacuuming what was just loaded meanwhile.
        out.lookup = try lookupsPhase(
            targets: targets, sqlite: sqlite, standbyClient: standbyClient, servers: ServerCPU(dataDirectories: Array(pgData.suffix(1))),
            notes: &out.notes)

        // 3. Import of one more district through the sync handler: into the hub, then into the folder archive whose
        // index is the SQLite reference.
        let pushed = try SyncImport.pushed(province: province, district: districts, globalStart: entries, batchBytes: Self.syncBatchBytes)
        let next = try SyncImport.pushed(
            province: province, district: districts + 1, globalStart: entries + pushed.entries, batchBytes: Self.syncBatchBytes)
        try makePKI()
        try pg.close()
        standbyClient.close()
        warmForImport(hub: true)
        let hub = try Hub.createHub(root: work + "/hub", database: primary)
        // Right after a checkpoint every page an entry touches is written whole to the WAL once (full-page images),
        // the dearest moment for an import; the next district finds many of the pages written since.
        let stats = try BlockingPostgresClient(primary)
        defer { stats.close() }
        try stats.query("CHECKPOINT")
        out.importDistrict.append(try push(pushed, into: hub, store: "postgres", when: "after a checkpoint", stats: stats))
        out.importDistrict.append(try push(next, into: hub, store: "postgres", when: "the next district", stats: stats))
        if let sqlite {
            try sqlite.close()
            warmForImport(hub: false)
            out.importDistrict.append(try push(pushed, into: try Archive.open(at: work + "/folder"), store: "sqlite", when: "", stats: nil))
        }
        out.notes.append(
            "import = the district's ledgers as revisions (canonical JSON, framed before the clock starts) pushed in 8 MB "
                + "batches through the sync handler (ArchiveSyncService.receive, what POST /sync/push runs): frames hashed, "
                + "revisions decoded, scope, parents and record types looked up, schema checks, objects, index, log and entries "
                + "written; no socket, TLS or HTTP framing")

        report(out)
        if let json { try writeSummary(out, to: json) }
        let bad = out.lookup.filter { $0.misses > 0 }
        if !bad.isEmpty {
            warn("lookups that missed their entry: \(bad.map { "\($0.store) \($0.kind) \($0.misses)" })", tool: "hoso-bench-hub")
            return 1
        }
        return 0
    }

    /// Before an import, the page cache holds what the writer's servers have been working on, as on machines of their
    /// own that have been taking writes: the hub's primary and standby tables and indexes (both apply every write), or
    /// the SQLite reference; the other store's files are dropped. The lookups before left only the standby's in.
    func warmForImport(hub: Bool) {
        guard !pgData.isEmpty else { return }
        let sqliteFiles = PageCache.files([work]).filter { $0.contains(Self.referenceFile) }
        let t = now()
        let dropped = PageCache.drop(hub ? sqliteFiles : pgData)
        let warmed = PageCache.warm(hub ? pgData.map { $0 + "/base" } : sqliteFiles)
        say(
            "  page cache for the import into \(hub ? "the hub" : "sqlite"): \(fmt(Double(warmed) / 1e9, 2)) GB read in, "
                + "\(fmt(Double(dropped) / 1e9, 2)) GB dropped (\(fmt(seconds(now() - t), 1)) s)")
    }

    /// `--import-only`: district `district` into the hub already loaded on `primary`, nothing else.
    func importAgain(district: Int, province: Province) throws -> Int32 {
        let pushed = try SyncImport.pushed(province: province, district: district, globalStart: entries, batchBytes: Self.syncBatchBytes)
        try makePKI()
        warmForImport(hub: true)
        let stats = try BlockingPostgresClient(primary)
        let r = try push(
            pushed, into: try Hub.createHub(root: work + "/hub", database: primary), store: "postgres", when: "", stats: stats)
        stats.close()
        say(
            "  CPU us/entry \(fmt(r.cpuUsPerEntry, 1)) (this process \(fmt(r.benchCpuUsPerEntry, 1)), primary "
                + "\(fmt(r.primaryCpuUsPerEntry, 1)), standby \(fmt(r.standbyCpuUsPerEntry, 1))); WAL \(fmt(r.walBytesPerEntry, 0)) B "
                + "and \(fmt(r.fullPageImagesPerEntry, 2)) full-page images per entry")
        return 0
    }

    /// Where the SQLite reference lives: the index file of a folder archive made for it.
    static let referenceFile = "/folder/" + Archive.indexFileName

    /// A new folder archive in `work`, its index opened on its own for the load (the archive is let go first).
    func referenceIndex() throws -> ArchiveIndex {
        _ = try Archive.create(at: work + "/folder")
        return try ArchiveIndex(path: work + Self.referenceFile)
    }

    /// The demo PKI that issues the receiving node's and the district's node certificates.
    func makePKI() throws {
        let at = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 3600)
        _ = try DemoPKI.create(at: work + "/pki", clock: .fixed(at), password: "bench-hub-mat-khau")
    }

    /// Pushes the district's batches into `archive` through its sync handler, as one HTTP sync from the district
    /// would, one batch after the other; checks that every ledger arrived and its entries are findable. With `stats`
    /// (the hub's primary), the WAL written and the servers' CPU, the primary's and the standby's apart.
    func push(
        _ pushed: SyncImport.Pushed, into archive: Archive, store: String, when: String, stats: BlockingPostgresClient?
    ) throws
        -> ImportResult
    {
        let (service, node) = try SyncImport.receiver(archive, pki: work + "/pki", prefix: pushed.prefix, district: pushed.district)
        let before = try archive.index.entryCount()
        func wal() throws -> (bytes: Double, fpi: Double) {
            guard let stats else { return (0, 0) }
            let row = try stats.query("SELECT wal_bytes::float8, wal_fpi::float8 FROM pg_stat_wal").first!
            return try row.decode((Double, Double).self)
        }
        let (primaryCPU, standbyCPU) = (
            ServerCPU(dataDirectories: Array(pgData.prefix(1))), ServerCPU(dataDirectories: Array(pgData.dropFirst()))
        )
        let hub = stats != nil
        var revisions = 0
        let wal0 = try wal()
        let cpu0 = processCPUNanoseconds()
        let (p0, s0) = hub ? (primaryCPU.nanoseconds(), standbyCPU.nanoseconds()) : (0, 0)
        let t0 = now()
        for batch in pushed.batches {
            let answer = try JSONDecoder().decode(IntakeResult.self, from: Data(try service.receive(peer: node, frames: batch)))
            revisions += answer.revisions
        }
        let wall = seconds(now() - t0)
        let cpu = processCPUNanoseconds() - cpu0
        let (p1, s1) = hub ? (primaryCPU.nanoseconds(), standbyCPU.nanoseconds()) : (0, 0)
        let wal1 = try wal()
        let added = try archive.index.entryCount() - before
        guard revisions == pushed.ledgers, added == pushed.entries else {
            throw BenchFailure(
                message: "\(store): \(revisions) of \(pushed.ledgers) ledgers and \(added) of \(pushed.entries) entries arrived")
        }
        let n = Double(pushed.entries)
        let us = { (ns: UInt64) in Double(ns) / 1000 / n }
        let r = ImportResult(
            store: store, when: when, entries: pushed.entries, ledgers: pushed.ledgers, objectBytes: pushed.bytes, seconds: wall,
            entriesPerSecond: n / wall, cpuUsPerEntry: us(cpu + (p1 - p0) + (s1 - s0)), benchCpuUsPerEntry: us(cpu),
            serverCpuUsPerEntry: us((p1 - p0) + (s1 - s0)), primaryCpuUsPerEntry: us(p1 - p0), standbyCpuUsPerEntry: us(s1 - s0),
            walBytesPerEntry: (wal1.bytes - wal0.bytes) / n, fullPageImagesPerEntry: (wal1.fpi - wal0.fpi) / n)
        say(
            "  import of one district into \(store)\(when.isEmpty ? "" : " (\(when))"): \(grouped(pushed.entries)) entries, "
                + "\(pushed.ledgers) ledgers in \(pushed.batches.count) sync batches, \(fmt(wall, 1)) s: \(fmt(r.entriesPerSecond, 0)) entries/s"
        )
        return r
    }

    /// Loads ledgers until `entries` are in, district by district; `districts` ends as the number of districts begun.
    func load(
        store: String, province: Province, servers: ServerCPU?, districts: inout Int, write: ([SynthLedger]) throws -> Void,
        onEntry: (Int, EntryRow) -> Void
    ) throws -> LoadResult {
        var made = 0
        var ledgers = 0
        var writeNs: UInt64 = 0
        var batch = [SynthLedger]()
        let cpu0 = processCPUNanoseconds()
        let server0 = servers?.nanoseconds() ?? 0
        let t0 = now()
        var lastReport = t0
        var d = 0
        func flush() throws {
            let t = now()
            try write(batch)
            writeNs += now() - t
            batch.removeAll(keepingCapacity: true)
        }
        while made < entries {
            let start = made
            try province.district(d, globalStart: start) { ledger in
                guard made < entries else { return }
                for row in ledger.entries {
                    onEntry(made, row)
                    made += 1
                }
                ledgers += 1
                batch.append(ledger)
                if batch.count >= batchLedgers { try flush() }
                if now() - lastReport > 30_000_000_000 {
                    lastReport = now()
                    say("  \(store): \(grouped(made)) entries, \(fmt(Double(made) / seconds(lastReport - t0), 0))/s")
                }
            }
            d += 1
        }
        if !batch.isEmpty { try flush() }
        districts = d
        let wall = now() - t0
        let cpu = processCPUNanoseconds() - cpu0
        let server = (servers?.nanoseconds() ?? server0) - server0
        let r = LoadResult(
            store: store, entries: made, ledgers: ledgers, seconds: seconds(wall), writeSeconds: seconds(writeNs),
            entriesPerSecond: Double(made) / seconds(writeNs), benchCpuSeconds: seconds(cpu), serverCpuSeconds: seconds(server))
        say(
            "  \(store): loaded \(grouped(made)) entries in \(fmt(r.seconds, 1)) s (writes \(fmt(r.writeSeconds, 1)) s: "
                + "\(fmt(r.entriesPerSecond, 0)) entries/s); CPU bench \(fmt(r.benchCpuSeconds, 1)) s, servers \(fmt(r.serverCpuSeconds, 1)) s"
        )
        return r
    }

    /// One transaction per ledger as an import (revision and entries together); with larger batches, the entries of
    /// the batch in one `replaceEntries` and their revisions in one `record(revisions:)` (the ledgers are new, so
    /// replacing deletes nothing).
    func write(_ index: any ArchiveIndexing, _ batch: [SynthLedger]) throws {
        if batch.count == 1 {
            try index.record(revision: batch[0].revision, objects: [], entries: batch[0].entries)
            return
        }
        try index.replaceEntries(ofRecord: batch[0].recordId, with: batch.flatMap(\.entries))
        try index.record(revisions: batch.map(\.revision), refs: batch.map { _ in [] })
    }

    func lookupsPhase(
        targets: [(serial: String, name: String)], sqlite: ArchiveIndex?, standbyClient: BlockingPostgresClient, servers: ServerCPU,
        notes: inout [String]
    ) throws -> [LookupResult] {
        // The standby through PostgresIndex when it opens there; its init applies the migrations, which write.
        var standbyIndex: PostgresIndex? = nil
        do {
            standbyIndex = try PostgresIndex(client: standbyClient)
        } catch {
            notes.append(
                "PostgresIndex does not open on the standby (its init runs the migrations, which write: \(String(describing: error).prefix(160))); "
                    + "standby lookups run findEntries' own SQL (copied) through BlockingPostgresClient")
        }
        let kinds = ["serial", "whole_name"]
        let queries: [[EntryQuery]] = kinds.map { kind in
            targets.map { t in
                var q = EntryQuery()
                if kind == "serial" {
                    q.serial = t.serial
                } else {
                    q.nameTokens = VietnameseText.fold(t.name).split(separator: " ").map(String.init)
                }
                return q
            }
        }
        // Each store with its own files in the page cache and the others' dropped, as on machines of their own.
        let sqliteFiles = PageCache.files([work]).filter { $0.contains(Self.referenceFile) }
        let (primaryDir, standbyDir) = (pgData.first ?? "", pgData.last ?? "")
        func cache(warm: [String], drop: [String], for store: String) {
            let t = now()
            let dropped = PageCache.drop(drop)
            let warmed = PageCache.warm(warm)
            say(
                "  page cache for \(store): \(fmt(Double(warmed) / 1e9, 2)) GB read in, \(fmt(Double(dropped) / 1e9, 2)) GB of the other "
                    + "stores dropped (\(fmt(seconds(now() - t), 1)) s)")
        }
        var sqliteResults = [LookupResult]()
        if let sqlite {
            if !pgData.isEmpty { cache(warm: sqliteFiles, drop: pgData, for: "sqlite") }
            sqliteResults = try zip(kinds, queries).map { kind, qs in
                try measure(store: "sqlite", kind: kind, targets: targets, queries: qs, servers: nil) { q in
                    try findAsOfficeSearch(sqlite, q)
                }
            }
        }
        // The standby's tables and indexes (base/), not its WAL.
        if !pgData.isEmpty { cache(warm: [standbyDir + "/base"], drop: sqliteFiles + [primaryDir], for: "the standby") }
        var results = [LookupResult]()
        for (i, (kind, qs)) in zip(kinds, queries).enumerated() {
            var p = try measure(store: "postgres_standby", kind: kind, targets: targets, queries: qs, servers: servers) { q in
                if let standbyIndex { return try findAsOfficeSearch(standbyIndex, q) }
                return try standbySQL(standbyClient, q)
            }
            guard i < sqliteResults.count else {
                results.append(p)
                continue
            }
            let sq = sqliteResults[i]
            p.ratioP50 = sq.p50Us > 0 ? p.p50Us / sq.p50Us : 0
            p.ratioP99 = sq.p99Us > 0 ? p.p99Us / sq.p99Us : 0
            p.ratioCpu = sq.cpuUsPerRequest > 0 ? p.cpuUsPerRequest / sq.cpuUsPerRequest : 0
            results += [sq, p]
        }
        if !pgData.isEmpty {
            notes.append(
                "lookups: before each store's, the other stores' files were dropped from the page cache and its own read once "
                    + "(SQLite: the reference file; the standby: its base/ directory), as on machines of their own")
        }
        return results
    }

    /// Times each query once after a warm-up pass over the first few; checks the target entry is among the answers.
    func measure(
        store: String, kind: String, targets: [(serial: String, name: String)], queries: [EntryQuery], servers: ServerCPU?,
        _ find: (EntryQuery) throws -> [EntryRow]
    ) throws -> LookupResult {
        for q in queries.prefix(200) { _ = try find(q) }
        var times = [UInt64]()
        times.reserveCapacity(queries.count)
        var misses = 0
        var hits = 0
        let cpu0 = processCPUNanoseconds()
        let server0 = servers?.nanoseconds() ?? 0
        for (i, q) in queries.enumerated() {
            let t = now()
            let rows = try find(q)
            times.append(now() - t)
            hits += rows.count
            if !rows.contains(where: { $0.serial == targets[i].serial }) && rows.count < 100 { misses += 1 }
        }
        let cpu = processCPUNanoseconds() - cpu0
        let server = (servers?.nanoseconds() ?? server0) - server0
        let s = Percentiles(times)
        let n = Double(queries.count)
        return LookupResult(
            store: store, kind: kind, queries: queries.count, meanHits: Double(hits) / n, misses: misses, p50Us: s.us(0.5),
            p99Us: s.us(0.99), maxUs: s.maxUs, benchCpuUsPerRequest: Double(cpu) / 1000 / n,
            serverCpuUsPerRequest: Double(server) / 1000 / n,
            cpuUsPerRequest: Double(cpu + server) / 1000 / n)
    }

    /// The most an HTTP sync pushes in one request (`Archive.sync`'s `batchBytes`).
    static let syncBatchBytes = 8 << 20
}

/// What `Archive.find` hands the index for a serial or a typed whole name: the name exactly (through the name
/// index) first, its words anywhere only when nobody has exactly that name. Keep in step with `Archive.find`.
func findAsOfficeSearch(_ index: any ArchiveIndexing, _ q: EntryQuery) throws -> [EntryRow] {
    if q.nameTokens.count >= 2 {
        var exact = q
        exact.exactName = q.nameTokens.joined(separator: " ")
        let hits = try index.findEntries(exact, limit: 100)
        if !hits.isEmpty { return hits }
    }
    return try index.findEntries(q, limit: 100)
}

/// `PostgresIndex.findEntries`' SQL for a serial or an exact name (copied: it cannot be opened on a standby).
func standbySQL(_ client: BlockingPostgresClient, _ q: EntryQuery) throws -> [EntryRow] {
    let (column, value) = q.serial.map { ("serial", $0) } ?? ("name_key", q.nameTokens.joined(separator: " "))
    var binds = PostgresBindings()
    binds.append(value)
    let sql =
        """
        SELECT revision_id, record_id, stt, full_name, name_key, date_of_birth, place_of_birth, sex, ethnicity,
            graduation_grade, serial, ledger_number, year, school, issuer, citizen_id, moet_id, page
        FROM entry WHERE \(column) = $1 ORDER BY year, ledger_number, id LIMIT 100
        """
    return try client.query(PostgresQuery(unsafeSQL: sql, binds: binds)).map { row in
        let (rev, rec, stt, name, key, dob, pob, sex, eth, grade, serial, number, year, school, issuer, cid, mid, page) =
            try row.decode(
                (
                    String, String, Int, String, String, String, String, String, String, String, String, Int, Int, String, String, String?,
                    String?, Int?
                )
                .self)
        return EntryRow(
            revisionId: rev, recordId: rec, stt: stt, fullName: name, nameKey: key, dateOfBirth: dob, placeOfBirth: pob, placeKey: "",
            sex: sex,
            ethnicity: eth, graduationGrade: grade, serial: serial, ledgerNumber: number, year: year, school: school, schoolKey: "",
            issuer: issuer, citizenId: cid, moetId: mid, page: page)
    }
}
