// hoso-bench-copies: certified copies issued/s and verified/s, in-process. Run by tools/bench-copies, which also
// runs the references (`openssl cms -sign` and `pdfsig` over the same PDFs) in the same run and judges the targets
// (this program only measures and checks that what it measured was sane); see `usage` below.
//
// Set-up (untimed): a demo PKI, an archive that trusts its roots, knows its intermediates and CRLs, office settings
// naming the van-phong certificate (ECDSA P-256, the office seal) as the copy signer, and one ledger of a few hundred
// entries (unique serials). Then:
//   issue     Archive.issueCopy per copy, timestamped by an in-process TimeStampAuthority (demo identity "tsa"),
//             as the office does, for citizens' requests registered just before (Archive.newRequest, timed apart
//             for information); on 1 thread, then on N threads sharing one Archive (each copy gets its own number:
//             checked afterwards).
//   render+sign (information) the pure part of issuing — PDFRender.render + PAdES.sign with the timestamp — on 1 and
//             2 threads, with no archive: what a thread-safe archive could reach.
//   verify    PDFVerify.verify over the pool of distinct issued copies with ONE SignatureVerifier shared by the
//             threads; a fresh verifier for every pass over the pool, so each token is checked once per verifier
//             (its per-verifier timestamp cache never answers) and only the certificates, the signer's chain and the
//             CRL signatures — the same for every copy — are reused, as on a server.
//   verify-copy  Archive.verifyCopy (signature + register + ledger entry + revocation), one Archive shared by
//             the threads (its verifier is kept while the trust data stays the same).
// Every verification must be PASSED, else exit 1.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HosoBenchSupport
import HosoCopies
import HosoCore
import HosoKit
import HosoRecords
import HosoSigning

let usage = """
    usage: hoso-bench-copies [--seconds S] [--pool N] [--entries N] [--threads N] [--issue-threads LIST]
                             [--phases LIST] [--out-dir DIR] [--json FILE] [--work-parent DIR]

      --seconds S        measuring time per verification measurement (3)
      --pool N           copies issued in the timed issuing run; they are the pool verified (300)
      --entries N        entries in the ledger (400)
      --threads N        the most threads for the parallel measurements (2)
      --issue-threads L  the thread counts issuing is measured with (1,2,4): a copy waits for the disk several
                         times, so more threads than cores keep both cores busy, as a server's requests do
      --phases LIST      issue,sign,verify,verify-copy (all); verification needs the issue phase
      --out-dir DIR      write the pool's PDFs (DIR/pdf/copy-NNNN.pdf) and keep the demo PKI (DIR/pki)
                         for the references; without it a temporary directory is used and removed
      --json FILE        write the results as JSON
      --work-parent DIR  where the temporary archive goes (/tmp); removed afterwards

    Exit status: 0 ran and results are sane, 1 a sanity check failed (or hoso threw), 2 could not run (bad arguments).
    """

// MARK: - Output and timing

func warn(_ s: String) { HosoBenchSupport.warn(s, tool: "hoso-bench-copies") }

/// A value shared by the measuring threads; every access holds the lock.
final class Shared<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    func with<R>(_ body: (inout T) throws -> R) rethrows -> R { try lock.withLock { try body(&value) } }
}

/// One measurement: operations, wall time, CPU time of the measuring threads.
struct Measurement: Codable {
    var threads: Int
    var operations: Int
    var seconds: Double
    var cpuSeconds: Double
    var perSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }
    /// Operations per CPU-second of the measuring threads (how fast the code is, whatever else runs).
    var perCPUSecond: Double { cpuSeconds > 0 ? Double(operations) / cpuSeconds : 0 }
    var msPerOperation: Double { operations > 0 ? 1000 * seconds * Double(threads) / Double(operations) : 0 }

    func json() -> [String: Any] {
        ["threads": threads, "operations": operations, "seconds": seconds, "cpu_seconds": cpuSeconds,
         "per_second": perSecond, "per_cpu_second": perCPUSecond, "ms_per_operation_per_thread": msPerOperation]
    }
}

/// Runs `body(thread, index)` on `threads` threads; the threads take indexes 0, 1, 2, … from a shared counter
/// until `next` says stop (nil). Returns operations, wall time and the threads' CPU time.
func parallel(threads: Int, next: @escaping @Sendable () -> Int?, body: @escaping @Sendable (Int, Int) throws -> Void) throws -> Measurement {
    let errors = Shared<[String]>([])
    let counts = Shared<(ops: Int, cpu: UInt64)>((0, 0))
    let t0 = now()
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        let c0 = threadCPUNanoseconds()
        var ops = 0
        while let i = next() {
            do {
                try body(t, i)
                ops += 1
            } catch {
                errors.with { $0.append("\(error)") }
                break
            }
        }
        let c = threadCPUNanoseconds() - c0
        counts.with { $0.ops += ops; $0.cpu += c }
    }
    let wall = Double(now() - t0) / 1e9
    if let e = errors.with({ $0.first }) { throw BenchFailure(message: e) }
    let (ops, cpu) = counts.with { $0 }
    return Measurement(threads: threads, operations: ops, seconds: wall, cpuSeconds: Double(cpu) / 1e9)
}

// MARK: - Options

struct Options {
    var seconds = 3.0
    var pool = 300
    var entries = 400
    var threads = 2
    var issueThreads = [1, 2, 4]
    var phases: Set<String> = ["issue", "sign", "verify", "verify-copy"]
    var outDir: String?
    var json: String?
    var workParent = "/tmp"
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ name: String) -> String {
        guard let v = args.popFirst() else { warn("\(name) needs a value"); say(usage); exit(2) }
        return v
    }
    func number(_ name: String) -> Double {
        guard let d = Double(value(name)), d > 0 else { warn("\(name) must be a positive number"); exit(2) }
        return d
    }
    while let a = args.popFirst() {
        switch a {
        case "--seconds": o.seconds = number(a)
        case "--pool": o.pool = Int(number(a))
        case "--entries": o.entries = Int(number(a))
        case "--threads": o.threads = Int(number(a))
        case "--issue-threads":
            let list = value(a).split(separator: ",").compactMap { Int($0) }
            if list.isEmpty || list.contains(where: { $0 < 1 }) { warn("--issue-threads needs thread counts like 1,2,4"); exit(2) }
            o.issueThreads = list
        case "--phases":
            let p = Set(value(a).split(separator: ",").map(String.init))
            let known: Set<String> = ["issue", "sign", "verify", "verify-copy"]
            guard p.isSubset(of: known), !p.isEmpty else { warn("unknown phase in \(p.sorted())"); exit(2) }
            o.phases = p
        case "--out-dir": o.outDir = value(a)
        case "--json": o.json = value(a)
        case "--work-parent": o.workParent = value(a)
        case "-h", "--help": say(usage); exit(0)
        default: warn("unknown argument \(a)"); say(usage); exit(2)
        }
    }
    if o.pool < 2 || o.entries < 2 || o.threads < 1 { warn("--pool and --entries need at least 2, --threads 1"); exit(2) }
    return o
}

// MARK: - Set-up

let ledgerId = "PGD-TANLAP/THCS/1996/PTCS-TANLAP"

struct Person { let name: String, dob: String, serial: String, number: Int }

/// A ledger after Schemas/examples/valid-ledger-old-typed-without-scans.json with `n` entries and unique serials.
func makeLedger(_ n: Int) throws -> (JSONValue, [Person]) {
    let family = ["Lò", "Hoàng", "Nguyễn", "Trần", "Lê", "Phạm", "Vũ", "Đặng", "Bùi", "Đỗ", "Hà", "Lường", "Quàng", "Sùng"]
    let middle = ["Thị", "Văn", "Đức", "Thu", "Minh", "Ngọc", "Quang", "Hồng"]
    let given = ["Mai", "Páo", "An", "Bình", "Chi", "Dũng", "Hà", "Hương", "Khánh", "Lan", "Long", "Nga", "Phong", "Sinh",
                 "Thảo", "Tuấn", "Xuân", "Yến"]
    let places = ["Bản Lướt, xã Tân Lập", "Xã Tân Lập", "Bản Mòng, xã Tân Lập", "Thị trấn Tân Lập"]
    let ethnic = ["Thái", "Mông", "Kinh", "Mường", "Dao", "Tày"]
    let grades = ["Trung bình", "Khá", "Giỏi", "Xuất sắc"]
    var people = [Person]()
    var entries = [[String: Any]]()
    for i in 0..<n {
        let female = i % 2 == 0
        let name = "\(family[i % family.count]) \(female ? "Thị" : middle[(i / 3) % middle.count]) \(given[(i * 7) % given.count])"
        let dob = String(format: "%04d-%02d-%02d", 1978 + i % 4, 1 + i % 12, 1 + i % 28)
        let serial = String(format: "Số %06d/BT", 1234 + i)
        people.append(Person(name: name, dob: dob, serial: serial, number: i + 1))
        entries.append(["stt": i + 1, "fullName": name, "dateOfBirth": dob, "placeOfBirth": places[i % places.count],
                        "sex": female ? "Nữ" : "Nam", "ethnicity": ethnic[i % ethnic.count],
                        "graduationGrade": grades[i % grades.count], "serial": serial, "ledgerNumber": i + 1])
    }
    let ledger: [String: Any] = [
        "issuer": "Phòng Giáo dục huyện Tân Lập", "title": "SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS", "level": "THCS",
        "decision": ["number": "45/QĐ-GD", "date": "1996-06-20"], "year": 1996, "school": "Trường PTCS Tân Lập",
        "mode": "Bổ túc văn hoá", "pages": [Any](), "entries": entries,
    ]
    let data = try JSONSerialization.data(withJSONObject: ledger)
    return (try CanonicalJSON.parse(Array(data)), people)
}

struct Setup {
    let archivePath: String
    let archive: Archive
    let office: SigningIdentity
    let tsa: TimeStampAuthority
    let people: [Person]
}

func identity(_ pki: String, _ m: DemoPKI.Manifest, _ name: String) throws -> SigningIdentity {
    guard let id = m.identity(name) else { throw BenchFailure(message: "the demo PKI has no identity \(name)") }
    return try PKCS12.open(Array(try Data(contentsOf: URL(fileURLWithPath: "\(pki)/\(id.files.p12)"))), password: "pw")
}

func setUp(work: String, pki: String, entries: Int) throws -> Setup {
    let clock = HosoClock.system
    let m = try DemoPKI.create(at: pki, clock: clock, password: "pw")
    let path = work + "/archive"
    let a = try Archive.create(at: path, clock: clock)
    try a.addTrustAnchors(try m.roots.flatMap { try Certificate.load(file: "\(pki)/\($0.certificate)") }, label: "demo", author: "admin")
    _ = try a.addCertificates(try m.intermediates.flatMap { try Certificate.load(file: "\(pki)/\($0.certificate)") })
    for c in m.crls {
        _ = try a.importCRLs(try CRL.load(Array(try Data(contentsOf: URL(fileURLWithPath: "\(pki)/\(c.der)")))))
    }
    let office = try identity(pki, m, "van-phong")
    let tsa = try TimeStampAuthority(identity: try identity(pki, m, "tsa"), clock: clock)
    var s = OfficeSettings.defaults
    s.officeName = "Phòng Giáo dục và Đào tạo huyện Tân Lập"
    s.place = "Tân Lập"
    s.signerName = "Vũ Minh Tuấn"
    s.officeCode = "PGD-TL"
    s.copySigners = [office.certificate.fingerprint]
    _ = try a.setOfficeSettings(s, author: "admin", reason: "bench set-up")
    let (ledger, people) = try makeLedger(entries)
    try a.createRecord(type: "ledger", id: ledgerId, body: ledger, author: "registrar")
    return Setup(archivePath: path, archive: a, office: office, tsa: tsa, people: people)
}

func issueOne(_ s: Setup, _ p: Person) throws -> Archive.IssuedCopyResult {
    let req = try s.archive.newRequest(.init(kind: .copy, requesterName: p.name, relation: .holder, holderName: p.name,
                                             serial: p.serial, channel: .inPerson), clerk: "vanthu").id
    return try s.archive.issueCopy(entryRef: p.serial, requestId: req, signer: s.office, timestamp: .authority(s.tsa), clerk: "vanthu")
}

// MARK: - Main

func run(_ o: Options) throws -> (sane: Bool, problems: [String], results: [String: Any]) {
    var problems = [String]()
    var results: [String: Any] = ["debug_build": isDebugBuild(), "cpus": ProcessInfo.processInfo.activeProcessorCount,
                                  "pool": o.pool, "entries": o.entries, "seconds": o.seconds]
    let work = o.workParent + "/hoso-bench-copies-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let outDir = o.outDir ?? work + "/out"
    try FileManager.default.createDirectory(atPath: outDir + "/pdf", withIntermediateDirectories: true)
    let pki = outDir + "/pki"
    if FileManager.default.fileExists(atPath: pki) { try FileManager.default.removeItem(atPath: pki) }

    say("setting up: demo PKI, archive with trust, office settings, a ledger of \(o.entries) entries")
    let t0 = now()
    let s = try setUp(work: work, pki: pki, entries: o.entries)
    say("  set-up took \(fmt(Double(now() - t0) / 1e9, 2)) s")
    results["pki_dir"] = pki
    results["office_identity"] = "van-phong"

    var pool = [[UInt8]]()
    if o.phases.contains("issue") || o.phases.contains("verify") || o.phases.contains("verify-copy") {
        pool = try issuePhase(o, s, outDir: outDir, problems: &problems, results: &results)
    }
    if o.phases.contains("sign") { try signPhase(o, s, results: &results) }
    guard !pool.isEmpty else { return (problems.isEmpty, problems, results) }
    let trust = try s.archive.trustContext()
    if o.phases.contains("verify") { try verifyPhase(o, pool: pool, trust: trust, problems: &problems, results: &results) }
    if o.phases.contains("verify-copy") { try verifyCopyPhase(o, s, pool: pool, problems: &problems, results: &results) }
    return (problems.isEmpty, problems, results)
}

/// Issuing: a few untimed copies, then `pool` timed ones (the pool that is verified). Returns the pool.
func issuePhase(_ o: Options, _ s: Setup, outDir: String, problems: inout [String],
                results: inout [String: Any]) throws -> [[UInt8]] {
    var pool = [[UInt8]]()
    for i in 0..<4 { _ = try issueOne(s, s.people[(o.pool + i) % s.people.count]) }
    // `pool` copies on one thread, then `pool` more on `threads` threads sharing the archive; all are verified.
    // The citizens' requests are registered first (timed apart: a request is registered when the citizen comes,
    // the copy issued when the clerk has checked it), then the copies are issued.
    var issue = [String: Any]()
    var registering = [String: Any]()
    for threads in Set(o.issueThreads).sorted() {
        let people = s.people, total = o.pool, offset = pool.count
        let c0 = threadCPUNanoseconds(), w0 = now()
        let requests = try (0..<total).map { i -> (String, String) in
            let p = people[(offset + i) % people.count]
            let id = try s.archive.newRequest(.init(kind: .copy, requesterName: p.name, relation: .holder, holderName: p.name,
                                                    serial: p.serial, channel: .inPerson), clerk: "vanthu").id
            return (id, p.serial)
        }
        let r = Measurement(threads: 1, operations: total, seconds: Double(now() - w0) / 1e9, cpuSeconds: Double(threadCPUNanoseconds() - c0) / 1e9)
        if registering.isEmpty {
            say("register a request (Archive.newRequest; information), 1 thread: \(fmt(r.perSecond, 1)) requests/s "
                + "(\(fmt(r.msPerOperation, 2)) ms each; \(fmt(r.perCPUSecond, 1)) per CPU-second)")
            registering["1"] = r.json()
        }
        let counter = Shared(0)
        let issued = Shared<[[UInt8]]>([])
        let m = try parallel(threads: threads, next: { counter.with { c in c < total ? { c += 1; return c - 1 }() : nil } },
                             body: { _, i in
                                 let pdf = try s.archive.issueCopy(entryRef: requests[i].1, requestId: requests[i].0, signer: s.office,
                                                                   timestamp: .authority(s.tsa), clerk: "vanthu").pdf
                                 issued.with { $0.append(pdf) }
                             })
        pool += issued.with { $0 }
        say("issue (Archive.issueCopy, timestamped; one archive shared by the threads), \(threads) thread(s): "
            + "\(fmt(m.perSecond, 1)) copies/s (\(fmt(m.msPerOperation, 2)) ms each per thread; \(fmt(m.perCPUSecond, 1)) per CPU-second)")
        issue["\(threads)"] = m.json()
    }
    results["register_request"] = registering
    // Every copy got its own number: the register has as many lines as copies issued, numbered without gaps.
    let register = try s.archive.copyRegister()
    let numbers = Set(register.map(\.copyNumber))
    if numbers.count != register.count || numbers.max() != register.count {
        problems.append("copy register: \(register.count) lines, \(numbers.count) distinct numbers, highest \(numbers.max() ?? 0)")
    }
    results["issue"] = issue
    for (i, pdf) in pool.enumerated() {
        try Data(pdf).write(to: URL(fileURLWithPath: String(format: "%@/pdf/copy-%04d.pdf", outDir, i + 1)))
    }
    results["pdf_dir"] = outDir + "/pdf"
    results["pdf_bytes_mean"] = pool.map(\.count).reduce(0, +) / max(1, pool.count)
    return pool
}

/// Render + sign without the archive (information).
func signPhase(_ o: Options, _ s: Setup, results: inout [String: Any]) throws {
    let view = try s.archive.ledgerEntry(s.people[0].serial)
    let qr = try QRCode.modules(for: String(repeating: "A", count: 180))
    let doc = CopyDocument(
        superiorBody: "UBND HUYỆN TÂN LẬP", officeName: "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", copyNumber: "1/2026",
        subtitle: "Bằng tốt nghiệp THCS",
        rows: CopyDocument.diplomaRows(holderName: view.text("fullName"), dateOfBirth: "01/01/1980", placeOfBirth: view.text("placeOfBirth"),
                                       sex: view.text("sex"), ethnicity: view.text("ethnicity"), graduationYear: "1996",
                                       graduationGrade: view.text("graduationGrade"), school: view.school, serial: view.serial,
                                       ledgerNumber: String(view.ledgerNumber)),
        issuePlaceAndDate: "Tân Lập, ngày 01 tháng 06 năm 2026", signerTitle: "TRƯỞNG PHÒNG", signerName: "Vũ Minh Tuấn",
        footer: "Bản sao điện tử được ký số.", qrModules: qr.modules)
    let entryBytes = try view.canonicalBytes()
    let office = s.office, tsa = s.tsa
    let signOne: @Sendable () throws -> Void = {
        let unsigned = try PDFRender.render(doc)
        _ = try PAdES.sign(pdf: unsigned, signer: office, attachment: (name: "so-goc.json", bytes: entryBytes, mime: "application/json"),
                           reason: "Bản sao", location: "Tân Lập", time: Date(),
                           timestamp: { try tsa.token(forDigest: Digest.sha256($0)) })
    }
    var sign = [String: Any]()
    for threads in Set([1, o.threads]).sorted() {
        let total = max(20, Int(o.seconds * 60) * threads)
        let counter = Shared(0)
        let m = try parallel(threads: threads, next: { counter.with { c in c < total ? { c += 1; return c }() : nil } },
                             body: { _, _ in try signOne() })
        say("render + PAdES.sign + TSA (no archive; information), \(threads) thread(s): \(fmt(m.perSecond, 1)) copies/s "
            + "(\(fmt(m.msPerOperation, 2)) ms each per thread; \(fmt(1000 * m.cpuSeconds / Double(max(1, m.operations)), 2)) ms of CPU each)")
        sign["\(threads)"] = m.json()
    }
    results["render_sign"] = sign
    // Rendering alone, for its share of the CPU a copy takes.
    let renders = Shared(0), total = max(20, Int(o.seconds * 60))
    let r = try parallel(threads: 1, next: { renders.with { c in c < total ? { c += 1; return c }() : nil } },
                         body: { _, _ in _ = try PDFRender.render(doc) })
    say("render alone (information), 1 thread: \(fmt(r.perSecond, 1)) copies/s "
        + "(\(fmt(1000 * r.cpuSeconds / Double(max(1, r.operations)), 2)) ms of CPU each)")
    results["render"] = r.json()
}

/// Verifying with one shared verifier, a fresh one per pass over the pool.
func verifyPhase(_ o: Options, pool: [[UInt8]], trust: TrustContext, problems: inout [String],
                 results: inout [String: Any]) throws {
    let poolShared = pool
    var verify = [String: Any]()
    for threads in Set([1, o.threads]).sorted() {
        // Warm-up: one pass with its own verifier.
        let warm = SignatureVerifier(trust: trust, clock: .system)
        for pdf in pool.prefix(8) { _ = try PDFVerify.verify(pdf: pdf, verifier: warm) }
        struct State { var verifier: SignatureVerifier; var index: Int; var passes: Int }
        let state = Shared(State(verifier: SignatureVerifier(trust: trust, clock: .system), index: 0, passes: 1))
        let deadline = now() + UInt64(o.seconds * 1e9)
        let bad = Shared<[String]>([])
        let m = try parallel(threads: threads, next: {
            state.with { st in
                if st.index >= poolShared.count {
                    if now() >= deadline { return nil }
                    st.index = 0
                    st.passes += 1
                    st.verifier = SignatureVerifier(trust: trust, clock: .system)
                }
                st.index += 1
                return st.index - 1
            }
        }, body: { _, i in
            // The verifier of the pass this index was handed out in (read under the lock with the index).
            let v = state.with { $0.verifier }
            let r = try PDFVerify.verify(pdf: poolShared[i], verifier: v)
            if r.indication != .passed {
                bad.with { $0.append("copy \(i + 1): \(r.indication.rawValue) \(r.reason?.rawValue ?? "")") }
            }
        })
        let b = bad.with { $0 }
        if !b.isEmpty { problems.append("PDFVerify.verify: \(b.count) not PASSED, e.g. \(b[0])") }
        let passes = state.with { $0.passes }
        say("verify (PDFVerify.verify, one shared verifier per pass), \(threads) thread(s): \(fmt(m.perSecond, 1)) verified/s "
            + "(\(fmt(m.msPerOperation, 2)) ms each per thread; \(fmt(m.perCPUSecond, 1)) per CPU-second; \(passes) passes)")
        var j = m.json()
        j["passes"] = passes
        j["not_passed"] = b.count
        verify["\(threads)"] = j
    }
    results["verify"] = verify
}

/// Archive.verifyCopy: one archive instance per thread (a new verifier per call, inside verifyCopy).
func verifyCopyPhase(_ o: Options, _ s: Setup, pool: [[UInt8]], problems: inout [String], results: inout [String: Any]) throws {
    let poolShared = pool
    var verifyCopy = [String: Any]()
    let path = s.archivePath
    for threads in Set([1, o.threads]).sorted() {
        // One archive shared by the threads, as a server does (it keeps one verifier while the trust data stays).
        let archive = try Archive.open(at: path, clock: .system)
        _ = try archive.verifyCopy(pdf: poolShared[0])
        let deadline = now() + UInt64(o.seconds * 1e9)
        let counter = Shared(0)
        let bad = Shared<[String]>([])
        let m = try parallel(threads: threads, next: {
            counter.with { c in
                if c > 0, c % poolShared.count == 0, now() >= deadline { return nil }
                if now() >= deadline && c >= poolShared.count { return nil }
                c += 1
                return (c - 1) % poolShared.count
            }
        }, body: { t, i in
            let r = try archive.verifyCopy(pdf: poolShared[i])
            if r.indication != "PASSED" { bad.with { $0.append("copy \(i + 1): \(r.indication) \(r.reasons)") } }
        })
        let b = bad.with { $0 }
        if !b.isEmpty { problems.append("Archive.verifyCopy: \(b.count) not PASSED, e.g. \(b[0])") }
        say("verify-copy (Archive.verifyCopy), \(threads) thread(s): \(fmt(m.perSecond, 1)) verified/s "
            + "(\(fmt(m.msPerOperation, 2)) ms each per thread; \(fmt(m.perCPUSecond, 1)) per CPU-second)")
        var j = m.json()
        j["not_passed"] = b.count
        verifyCopy["\(threads)"] = j
    }
    results["verify_copy"] = verifyCopy
}

let options = parseOptions()
if isDebugBuild() { warn("this is a debug build: the rates mean little (build with -c release)") }
var code: Int32 = 0
var output: [String: Any]
do {
    let (sane, problems, results) = try run(options)
    output = results
    output["sanity_ok"] = sane
    output["sanity_problems"] = problems
    for p in problems { warn("SANITY: " + p) }
    code = sane ? 0 : 1
} catch {
    warn("failed: \(error)")
    output = ["sanity_ok": false, "sanity_problems": ["\(error)"]]
    code = 1
}
if let path = options.json {
    do {
        let data = try JSONSerialization.data(withJSONObject: output, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
    } catch {
        warn("could not write \(path): \(error)")
        code = 1
    }
}
exit(code)
