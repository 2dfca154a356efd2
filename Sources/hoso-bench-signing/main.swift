// hoso-bench-signing: signatures/s and verifications/s through HosoSigning, in-process, on one thread.
// Run by tools/bench-signing, which also runs `openssl speed` in the same run and judges the targets
// (this program only measures and checks that what it measured was sane); see `usage` below.
//
// For each key type (RSA-2048 with RSASSA-PSS: demo identity gv-toan; ECDSA P-256: gv-van), over a ~2 KB
// canonical JSON revision, as `Archive.sign` does it (the chain and the issuer's CRL embedded):
//   sign      CMSSigner.sign, a detached CAdES-BES signature
//   verify    SignatureVerifier.verify with ONE verifier reused (the server case): signature, content digest,
//             signing-certificate-v2, chain to a trusted root, validity, the CRL of every non-root certificate, role
//   cold      the same with a fresh SignatureVerifier per verification (information only)
//   ts        verify (reused verifier) of signatures carrying an RFC 3161 timestamp (information only)
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HosoCore
import HosoSigning

let usage = """
    usage: hoso-bench-signing [--seconds S] [--warmup S] [--json FILE] [--only rsa|ecdsa]
                              [--phases sign,verify,cold,ts] [--pool N] [--no-embed-crls] [--work-parent DIR]

      --seconds S        measuring time per measurement (3)
      --warmup S         untimed warm-up before each measurement (0.5)
      --json FILE        write the results as JSON
      --only KIND        measure one key type: rsa (RSA-2048-PSS, gv-toan) or ecdsa (ECDSA P-256, gv-van)
      --phases LIST      which measurements (sign,verify,cold,ts); verification needs no sign phase
      --pool N           distinct signatures verified in rotation (64)
      --no-embed-crls    sign without the issuer's CRL inside (Archive.sign embeds it; the verifier
                         then has the CRL from its trust context only)
      --work-parent DIR  where the temporary demo PKI goes (/tmp); removed afterwards

    Exit status: 0 ran and results are sane, 1 a sanity check failed (or HosoSigning threw), 2 could not run
    (bad arguments).
    """

// MARK: - Output and timing

func say(_ s: String = "") {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}

func warn(_ s: String) {
    FileHandle.standardError.write(Data(("hoso-bench-signing: " + s + "\n").utf8))
}

/// Monotonic nanoseconds.
@inline(__always) func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// CPU time of this thread, nanoseconds: with other work on the machine, the wall-clock rate says how much of a
/// CPU this thread got as much as how fast the code is; the CPU-time rate says the latter.
@inline(__always) func cpuNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func fmt(_ d: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", d) }

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
    func rightPad(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}

struct BenchFailure: Error { let message: String }

@inline(never) func isDebugBuild() -> Bool {
    #if DEBUG
    return true
    #else
    return false
    #endif
}

// MARK: - Options

enum Phase: String, CaseIterable {
    case sign, verify, cold, ts
}

struct Options {
    var seconds = 3.0
    var warmup = 0.5
    var json: String?
    var only: String?
    var phases = Set(Phase.allCases)
    var pool = 64
    var embedCRLs = true
    var workParent = NSTemporaryDirectory()

    static func parse(_ args: [String]) throws -> Options {
        var o = Options()
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw BenchFailure(message: "\(args[i - 1]) needs a value\n\n" + usage) }
            return args[i]
        }
        func number(_ min: Double) throws -> Double {
            let flag = args[i], v = try value()
            guard let d = Double(v), d.isFinite, d >= min else { throw BenchFailure(message: "\(flag) must be a number >= \(min)") }
            return d
        }
        while i < args.count {
            switch args[i] {
            case "--seconds": o.seconds = try number(0.01)
            case "--warmup": o.warmup = try number(0)
            case "--json": o.json = try value()
            case "--only":
                let v = try value()
                guard v == "rsa" || v == "ecdsa" else { throw BenchFailure(message: "--only takes rsa or ecdsa") }
                o.only = v
            case "--phases":
                var set = Set<Phase>()
                for p in try value().split(separator: ",") {
                    guard let ph = Phase(rawValue: String(p)) else {
                        throw BenchFailure(message: "unknown phase \(p) (sign, verify, cold, ts)")
                    }
                    set.insert(ph)
                }
                guard !set.isEmpty else { throw BenchFailure(message: "--phases needs at least one phase") }
                o.phases = set
            case "--pool":
                let v = try value()
                guard let n = Int(v), n >= 1 else { throw BenchFailure(message: "--pool must be a whole number >= 1") }
                o.pool = n
            case "--no-embed-crls": o.embedCRLs = false
            case "--work-parent": o.workParent = try value()
            case "-h", "--help": say(usage); exit(0)
            default: throw BenchFailure(message: "unknown argument \(args[i])\n\n" + usage)
            }
            i += 1
        }
        return o
    }
}

// MARK: - The signed content: a revision of a grade book as canonical JSON (sorted keys, no whitespace)

indirect enum JSON {
    case string(String), number(String), bool(Bool), array([JSON]), object([(String, JSON)])

    func write(into out: inout String) {
        switch self {
        case .string(let s):
            out.append("\"")
            for u in s.unicodeScalars {
                switch u {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                default:
                    if u.value < 0x20 { out.append(String(format: "\\u%04x", u.value)) } else { out.unicodeScalars.append(u) }
                }
            }
            out.append("\"")
        case .number(let n): out.append(n)
        case .bool(let b): out.append(b ? "true" : "false")
        case .array(let a):
            out.append("[")
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(",") }
                v.write(into: &out)
            }
            out.append("]")
        case .object(let members):
            out.append("{")
            for (i, (k, v)) in members.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }).enumerated() {
                if i > 0 { out.append(",") }
                JSON.string(k).write(into: &out)
                out.append(":")
                v.write(into: &out)
            }
            out.append("}")
        }
    }

    var text: String {
        var s = ""
        write(into: &s)
        return s
    }
}

/// A grade book of class 6A (Toán, Học kì I) wrapped in a revision envelope, with as many students as it takes
/// to reach `target` bytes: the size of a real record, with Vietnamese names (multi-byte UTF-8).
func makeRecord(target: Int = 2048) -> [UInt8] {
    let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
    let middle = ["Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu", "Quốc", "Thanh"]
    let given = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hạnh", "Hùng", "Khánh", "Lan", "Long", "Mai", "Nam", "Ngân"]
    let marks = ["5", "5.5", "6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10"]
    func student(_ n: Int) -> JSON {
        let m = { (k: Int) in JSON.number(marks[(n * 7 + k * 3) % marks.count]) }
        return .object([
            ("stt", .number(String(n))),
            ("fullName", .string("\(family[n % family.count]) \(middle[(n / 3) % middle.count]) \(given[(n * 5) % given.count])")),
            ("dateOfBirth", .string(String(format: "2013-%02d-%02d", 1 + n % 12, 1 + (n * 11) % 28))),
            ("moetId", .string(String(2_200_123_400 + n * 37))),
            ("regular", .array([m(0), m(1), m(2), m(3)])),
            ("midterm", m(4)),
            ("final", m(5)),
        ])
    }
    func record(_ students: Int) -> [UInt8] {
        let body = JSON.object([
            ("schoolYear", .string("2024-2025")), ("school", .string("Trường THCS Tân Lập")), ("class", .string("6A")),
            ("grade", .number("6")), ("level", .string("THCS")), ("subject", .string("Toán")), ("term", .string("Học kì I")),
            ("teacher", .object([("fullName", .string("Phạm Thị Hoa")), ("moetId", .string("2200999001"))])),
            ("assessment", .string("scored")), ("periodsPerYear", .number("140")),
            ("students", .array((1...max(1, students)).map(student))),
        ])
        let revision = JSON.object([
            ("type", .string("hoso/revision")), ("version", .number("1")), ("recordType", .string("grade-book")),
            ("recordId", .string("THCS-TANLAP/2024-2025/6A/TOAN/HK1")),
            ("parents", .array([.string("0a3bd844ed14b8720fcfb92604293744e8ec7d81920f69b2792facc2e42a8ef7")])),
            ("author", .string("Phạm Thị Hoa (giáo viên Toán)")), ("time", .string("2025-01-10T08:00:00Z")),
            ("body", body),
        ])
        return Array(revision.text.utf8)
    }
    var n = 1
    while record(n).count < target { n += 1 }
    return record(n)
}

// MARK: - Measuring

struct Measurement: Codable {
    var ops: Int
    var seconds: Double
    var perSecond: Double
    var meanUs: Double
    var p50Us: Double
    var p99Us: Double
    /// CPU time this thread used while measuring, the rate per CPU-second, and the share of a CPU it got.
    var cpuSeconds: Double
    var perCPUSecond: Double
    var cpuShare: Double

    init(latencies: [UInt64], ns: UInt64, cpuNs: UInt64) {
        ops = latencies.count
        seconds = Double(ns) / 1e9
        perSecond = seconds > 0 ? Double(ops) / seconds : 0
        cpuSeconds = Double(cpuNs) / 1e9
        perCPUSecond = cpuSeconds > 0 ? Double(ops) / cpuSeconds : 0
        cpuShare = seconds > 0 ? cpuSeconds / seconds : 0
        meanUs = ops > 0 ? Double(ns) / 1e3 / Double(ops) : 0
        let sorted = latencies.sorted()
        func q(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]) / 1e3
        }
        p50Us = q(0.50)
        p99Us = q(0.99)
    }
}

/// Runs `op` back to back for `seconds` (after `warmup` seconds untimed), timing each call.
func measure(seconds: Double, warmup: Double, _ op: () throws -> Void) rethrows -> Measurement {
    if warmup > 0 {
        let start = now(), budget = UInt64(warmup * 1e9)
        repeat { try op() } while now() - start < budget
    }
    var lat = [UInt64]()
    lat.reserveCapacity(65_536)
    let budget = UInt64(seconds * 1e9)
    let cpuStart = cpuNow()
    let start = now()
    var t = start
    repeat {
        try op()
        let e = now()
        lat.append(e - t)
        t = e
    } while t - start < budget
    return Measurement(latencies: lat, ns: t - start, cpuNs: cpuNow() - cpuStart)
}

// MARK: - The run

struct KeyTypeResult: Codable {
    var label: String
    var identity: String
    var signer: String
    var algorithm: String
    var chain: [String]
    var signatureBytes: Int
    var timestampedSignatureBytes: Int?
    var embeddedCRLs: Int
    var sign: Measurement?
    var verify: Measurement?
    var verifyCold: Measurement?
    var verifyTimestamped: Measurement?
}

struct Summary: Codable {
    var when: String
    var debugBuild: Bool
    var host: [String: String]
    var parameters: [String: String]
    var contentBytes: Int
    var pki: [String: String]
    var keyTypes: [String: KeyTypeResult]
    var sanityOK: Bool
    var sanityProblems: [String]
}

struct KeyType {
    var key: String       // JSON key, and what tools/bench-signing looks up
    var label: String
    var identity: String
    var option: String    // --only
    var algorithmMark: String  // must appear in the report's algorithm text
}

let keyTypes = [
    KeyType(key: "rsa2048_pss", label: "RSA-2048-PSS", identity: "gv-toan", option: "rsa", algorithmMark: "RSASSA-PSS"),
    KeyType(key: "ecdsa_p256", label: "ECDSA P-256", identity: "gv-van", option: "ecdsa", algorithmMark: "ecdsa-with-SHA256"),
]

func run(_ o: Options) throws -> Int32 {
    var problems = [String]()
    func sanity(_ s: String) {
        problems.append(s)
        warn("SANITY: " + s)
    }
    let debug = isDebugBuild()
    if debug { say("warning: a debug build; numbers mean little (swift build -c release)") }

    // 1. A demo PKI in a temporary directory.
    let work = (o.workParent as NSString).appendingPathComponent("hoso-bench-signing-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let pkiDir = work + "/pki", password = "hoso-bench"
    let t0 = now()
    let manifest = try DemoPKI.create(at: pkiDir, clock: .system, password: password)
    func read(_ rel: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: pkiDir + "/" + rel) else {
            throw BenchFailure(message: "cannot read \(pkiDir)/\(rel)")
        }
        return [UInt8](d)
    }
    let roots = try manifest.roots.flatMap { try Certificate.load(file: pkiDir + "/" + $0.certificate) }
    let intermediates = try manifest.intermediates.flatMap { try Certificate.load(file: pkiDir + "/" + $0.certificate) }
    let crls = try manifest.crls.flatMap { try CRL.load(try read($0.der)) }
    func identity(_ name: String) throws -> SigningIdentity {
        guard let f = manifest.identity(name)?.files.p12 else { throw BenchFailure(message: "the demo PKI has no identity \(name)") }
        return try PKCS12.open(try read(f), password: password, source: name)
    }
    let trust = TrustContext(roots: roots, intermediates: intermediates, crls: crls)
    let verifier = SignatureVerifier(trust: trust, policy: VerificationPolicy(), clock: .system)
    let tsa = try TimeStampAuthority(identity: try identity("tsa"), clock: .system)
    say("demo PKI: \(roots.count) roots, \(intermediates.count) intermediate CAs, \(crls.count) CRLs "
        + "(made in \(fmt(Double(now() - t0) / 1e9, 2)) s, removed afterwards)")

    let content = makeRecord()
    let recordType = "grade-book"
    say("content: a grade-book revision, canonical JSON, \(content.count) bytes; role subject-teacher")
    say("one thread; \(fmt(o.seconds, 2)) s per measurement after \(fmt(o.warmup, 2)) s warm-up; \(o.pool) distinct signatures "
        + "verified in rotation; issuer CRL " + (o.embedCRLs ? "embedded in each signature (as Archive.sign does)" : "not embedded"))

    /// Every report PASSED (and there is one).
    func passed(_ reports: [SignatureReport]) -> Bool { reports.count == 1 && reports[0].indication == .passed }
    var failuresInLoops = 0
    func check(_ reports: [SignatureReport], _ what: String) {
        if passed(reports) { return }
        failuresInLoops += 1
        if failuresInLoops <= 3 {
            let r = reports.first
            sanity("\(what): \(r?.indication.rawValue ?? "no report") \(r?.reason?.rawValue ?? "") \(r?.message.en ?? "")")
        }
    }

    var results = [String: KeyTypeResult]()
    for kt in keyTypes where o.only == nil || o.only == kt.option {
        say("")
        say("\(kt.label) (\(kt.identity))")
        var id = try identity(kt.identity)
        // As Archive.sign: the chain below the root, and the latest CRL of each issuer in it.
        id.chain = id.chain.filter { !$0.isSelfSigned }
        let issuers = [id.certificate] + id.chain
        let embedded = o.embedCRLs ? crls.filter { crl in issuers.contains { crl.isSigned(by: $0) } } : []
        func sign() throws -> [UInt8] {
            try CMSSigner.sign(content: content, identity: id, role: .subjectTeacher, at: Date(), crls: embedded)
        }

        // 2. Sanity, untimed: a good signature passes with the chain and the CRL checked; the checks do bite.
        let first = try sign()
        let reports = try verifier.verify(signature: first, content: content, recordType: recordType)
        guard let r = reports.first, passed(reports) else {
            sanity("\(kt.label): a fresh signature is not PASSED: \(reports.map { "\($0.indication.rawValue) \($0.reason?.rawValue ?? "") \($0.message.en)" })")
            continue
        }
        if !(r.algorithm ?? "").contains(kt.algorithmMark) {
            sanity("\(kt.label): algorithm is \(r.algorithm ?? "-"), expected \(kt.algorithmMark)")
        }
        if r.chain.count != 3 { sanity("\(kt.label): chain \(r.chain), expected leaf, CA, root") }
        if r.revocation == nil { sanity("\(kt.label): no revocation information in the report (CRL not checked?)") }
        var tampered = content
        tampered[tampered.count / 2] ^= 0x01
        let bad = try verifier.verify(signature: first, content: tampered, recordType: recordType).first
        if bad?.indication != .failed || bad?.reason != .hashFailure {
            sanity("\(kt.label): changed content gave \(bad?.indication.rawValue ?? "-") \(bad?.reason?.rawValue ?? "-"), expected FAILED HASH_FAILURE")
        }
        let noCRL = SignatureVerifier(trust: TrustContext(roots: roots, intermediates: intermediates, crls: []), clock: .system)
        let unchecked = try noCRL.verify(signature: first, content: content, recordType: recordType).first
        if unchecked?.indication != .indeterminate || unchecked?.reason != .noRevocationData {
            sanity("\(kt.label): without the trust CRLs: \(unchecked?.indication.rawValue ?? "-") \(unchecked?.reason?.rawValue ?? "-"), "
                   + "expected INDETERMINATE NO_REVOCATION_DATA")
        }
        say("  sanity: PASSED with chain \(r.chain.joined(separator: " → ")); CRL of \(r.revocation?.issuer ?? "-")")
        say("  algorithm \(r.algorithm ?? "-"); signature \(first.count) bytes, \(embedded.count) CRL(s) embedded")
        say(header())

        var result = KeyTypeResult(label: kt.label, identity: kt.identity, signer: r.signer ?? "-", algorithm: r.algorithm ?? "-",
                                   chain: r.chain, signatureBytes: first.count, embeddedCRLs: embedded.count)

        // 3. Signing.
        var pool = [[UInt8]]()
        if o.phases.contains(.sign) {
            var ring = [[UInt8]](), next = 0
            let m = try measure(seconds: o.seconds, warmup: o.warmup) {
                let der = try sign()
                if ring.count < o.pool { ring.append(der) } else { ring[next] = der; next = (next + 1) % o.pool }
            }
            result.sign = m
            pool = ring
            say(row("sign (CMSSigner.sign)", m))
        }
        while pool.count < o.pool { pool.append(try sign()) }

        // 4. Verification, one verifier reused; then a fresh verifier each time.
        if o.phases.contains(.verify) {
            var i = 0
            let m = try measure(seconds: o.seconds, warmup: o.warmup) {
                check(try verifier.verify(signature: pool[i], content: content, recordType: recordType), "\(kt.label) verify")
                i = (i + 1) % pool.count
            }
            result.verify = m
            say(row("verify, chain + CRL (reused)", m))
        }
        if o.phases.contains(.cold) {
            var i = 0
            let m = try measure(seconds: o.seconds, warmup: o.warmup) {
                let fresh = SignatureVerifier(trust: trust, policy: VerificationPolicy(), clock: .system)
                check(try fresh.verify(signature: pool[i], content: content, recordType: recordType), "\(kt.label) cold verify")
                i = (i + 1) % pool.count
            }
            result.verifyCold = m
            say(row("verify, chain + CRL (cold)", m))
        }

        // 5. Timestamped signatures (CAdES-T), one verifier reused: the token's signature and its TSA's chain on top.
        if o.phases.contains(.ts) {
            var stamped = [[UInt8]]()
            for der in pool.prefix(min(o.pool, 16)) {
                let sd = try SignedData(der: der)
                stamped.append(try sd.addingTimestamp(try tsa.token(forDigest: Digest.sha256(sd.signers[0].signatureValue))))
            }
            let st = try verifier.verify(signature: stamped[0], content: content, recordType: recordType)
            if !passed(st) || st.first?.timeProof != .timestamp {
                sanity("\(kt.label): a timestamped signature gave \(st.first?.indication.rawValue ?? "-") \(st.first?.reason?.rawValue ?? "") "
                       + "time proof \(st.first?.timeProof.rawValue ?? "-")")
            } else {
                var i = 0
                let m = try measure(seconds: o.seconds, warmup: o.warmup) {
                    check(try verifier.verify(signature: stamped[i], content: content, recordType: recordType), "\(kt.label) timestamped verify")
                    i = (i + 1) % stamped.count
                }
                result.verifyTimestamped = m
                result.timestampedSignatureBytes = stamped[0].count
                say(row("verify, timestamped (reused)", m))
            }
        }
        results[kt.key] = result
    }

    // 6. Summary.
    say("")
    say("== results (one thread; \(fmt(o.seconds, 2)) s each) ==")
    say(header())
    for kt in keyTypes {
        guard let r = results[kt.key] else { continue }
        say("  \(kt.label) (\(kt.identity))")
        for (label, m) in [("sign (CMSSigner.sign)", r.sign), ("verify, chain + CRL (one verifier reused)", r.verify),
                           ("verify, chain + CRL (fresh verifier each)", r.verifyCold),
                           ("verify, timestamped (one verifier reused)", r.verifyTimestamped)] {
            if let m { say(row(label, m)) }
        }
    }
    say("")
    say(problems.isEmpty ? "sanity: ok (every verification PASSED; changed content FAILED; without CRLs INDETERMINATE)"
                         : "SANITY FAILED (\(problems.count) problems); see above")

    let summary = Summary(
        when: ISO8601DateFormatter().string(from: Date()), debugBuild: debug,
        host: ["cpus": String(ProcessInfo.processInfo.activeProcessorCount),
               "os": ProcessInfo.processInfo.operatingSystemVersionString],
        parameters: ["seconds": String(o.seconds), "warmup_seconds": String(o.warmup), "pool": String(o.pool),
                     "embedded_crls": String(o.embedCRLs), "phases": o.phases.map(\.rawValue).sorted().joined(separator: ","),
                     "threads": "1"],
        contentBytes: content.count,
        pki: ["roots": String(roots.count), "intermediates": String(intermediates.count), "crls": String(crls.count),
              "created_at": manifest.createdAt],
        keyTypes: results, sanityOK: problems.isEmpty, sanityProblems: problems)
    if let json = o.json {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.keyEncodingStrategy = .convertToSnakeCase
        let dir = (json as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: json, contents: try enc.encode(summary) + Data("\n".utf8)) else {
            throw BenchFailure(message: "cannot write \(json)")
        }
        say("summary: \(json)")
    }
    return problems.isEmpty ? 0 : 1
}

func header() -> String {
    "  " + "".rightPad(44) + ["ops/s", "µs/op", "p50 µs", "p99 µs", "ops", "ops/cpu-s", "cpu %"].map { $0.leftPad(10) }.joined()
}

func row(_ label: String, _ m: Measurement) -> String {
    "    " + label.rightPad(42) + [fmt(m.perSecond), fmt(m.meanUs), fmt(m.p50Us), fmt(m.p99Us), String(m.ops),
                                  fmt(m.perCPUSecond), fmt(100 * m.cpuShare, 0)]
        .map { $0.leftPad(10) }.joined()
}

// MARK: - Entry point

do {
    exit(try run(try Options.parse(Array(CommandLine.arguments.dropFirst()))))
} catch let e as BenchFailure {
    warn(e.message)
    exit(2)
} catch {
    warn("\(error)")
    exit(1)
}
