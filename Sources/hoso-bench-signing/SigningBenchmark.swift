import Foundation
import HosoBenchSupport
import HosoCore
import HosoPrimitives
import HosoSigning

// hoso-bench-signing's run, stage by stage: a demo PKI, then per key type a sanity check and the timed phases,
// then the results table and the JSON summary (tools/bench-signing reads its keys: keep them).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    var key: String  // JSON key, and what tools/bench-signing looks up
    var label: String
    var identity: String
    var option: String  // --only
    var algorithmMark: String  // must appear in the report's algorithm text
}

let keyTypes = [
    KeyType(key: "rsa2048_pss", label: "RSA-2048-PSS", identity: "gv-toan", option: "rsa", algorithmMark: "RSASSA-PSS"),
    KeyType(key: "ecdsa_p256", label: "ECDSA P-256", identity: "gv-van", option: "ecdsa", algorithmMark: "ecdsa-with-SHA256"),
]

/// The demo PKI of the run: trust, the verifier reused by the measurements, the TSA, and the identities' files.
struct BenchPKI {
    let dir: String
    let password: String
    let manifest: DemoPKI.Manifest
    let roots: [Certificate]
    let intermediates: [Certificate]
    let crls: [CRL]
    let trust: TrustContext
    let verifier: SignatureVerifier
    let tsa: TimeStampAuthority

    init(at dir: String, password: String) throws {
        self.dir = dir
        self.password = password
        manifest = try DemoPKI.create(at: dir, clock: .system, password: password)
        roots = try manifest.roots.flatMap { try Certificate.load(file: dir + "/" + $0.certificate) }
        intermediates = try manifest.intermediates.flatMap { try Certificate.load(file: dir + "/" + $0.certificate) }
        crls = try manifest.crls.flatMap { [dir] in try CRL.load(try Self.read(dir, $0.der)) }
        trust = TrustContext(roots: roots, intermediates: intermediates, crls: crls)
        verifier = SignatureVerifier(trust: trust, policy: VerificationPolicy(), clock: .system)
        tsa = try TimeStampAuthority(
            identity: try Self.identity("tsa", manifest: manifest, dir: dir, password: password),
            clock: .system)
    }

    static func read(_ dir: String, _ rel: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: dir + "/" + rel) else {
            throw BenchFailure(message: "cannot read \(dir)/\(rel)")
        }
        return [UInt8](d)
    }

    static func identity(_ name: String, manifest: DemoPKI.Manifest, dir: String, password: String) throws -> SigningIdentity {
        guard let f = manifest.identity(name)?.files.p12 else { throw BenchFailure(message: "the demo PKI has no identity \(name)") }
        return try PKCS12.open(try read(dir, f), password: password, source: name)
    }

    func identity(_ name: String) throws -> SigningIdentity {
        try Self.identity(name, manifest: manifest, dir: dir, password: password)
    }
}

final class SigningBenchmark {
    let o: Options
    let debug = isDebugBuild()
    let content = makeRecord()
    let recordType = "grade-book"
    var problems = [String]()
    var failuresInLoops = 0

    init(_ o: Options) { self.o = o }

    func sanity(_ s: String) {
        problems.append(s)
        warn("SANITY: " + s)
    }

    /// Every report PASSED (and there is one).
    func passed(_ reports: [SignatureReport]) -> Bool { reports.count == 1 && reports[0].indication == .passed }

    /// Inside the timed loops: counts failures, reports the first three.
    func check(_ reports: [SignatureReport], _ what: String) {
        if passed(reports) { return }
        failuresInLoops += 1
        if failuresInLoops <= 3 {
            let r = reports.first
            sanity("\(what): \(r?.indication.rawValue ?? "no report") \(r?.reason?.rawValue ?? "") \(r?.message.en ?? "")")
        }
    }

    func run() throws -> Int32 {
        if debug { say("warning: a debug build; numbers mean little (swift build -c release)") }

        // 1. A demo PKI in a temporary directory.
        let work = (o.workParent as NSString).appendingPathComponent("hoso-bench-signing-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let t0 = now()
        let pki = try BenchPKI(at: work + "/pki", password: "hoso-bench")
        say(
            "demo PKI: \(pki.roots.count) roots, \(pki.intermediates.count) intermediate CAs, \(pki.crls.count) CRLs "
                + "(made in \(fmt(Double(now() - t0) / 1e9, 2)) s, removed afterwards)")
        say("content: a grade-book revision, canonical JSON, \(content.count) bytes; role subject-teacher")
        say(
            "one thread; \(fmt(o.seconds, 2)) s per measurement after \(fmt(o.warmup, 2)) s warm-up; \(o.pool) distinct signatures "
                + "verified in rotation; issuer CRL " + (o.embedCRLs ? "embedded in each signature (as Archive.sign does)" : "not embedded")
        )

        var results = [String: KeyTypeResult]()
        for kt in keyTypes where o.only == nil || o.only == kt.option {
            say("")
            say("\(kt.label) (\(kt.identity))")
            results[kt.key] = try measureKeyType(kt, pki: pki)
        }
        printResults(results)
        if let json = o.json { try writeSummary(summary(results, pki: pki), to: json) }
        return problems.isEmpty ? 0 : 1
    }

    /// One key type: the sanity checks, then the phases asked for. Nil when a fresh signature does not pass.
    func measureKeyType(_ kt: KeyType, pki: BenchPKI) throws -> KeyTypeResult? {
        var id = try pki.identity(kt.identity)
        // As Archive.sign: the chain below the root, and the latest CRL of each issuer in it.
        id.chain = id.chain.filter { !$0.isSelfSigned }
        let issuers = [id.certificate] + id.chain
        let embedded = o.embedCRLs ? pki.crls.filter { crl in issuers.contains { crl.isSigned(by: $0) } } : []
        let content = content
        let sign = { [id] () throws -> [UInt8] in
            try CMSSigner.sign(content: content, identity: id, role: .subjectTeacher, at: Date(), crls: embedded)
        }
        let first = try sign()
        guard let r = try checkFirst(first, kt, pki: pki) else { return nil }
        say("  sanity: PASSED with chain \(r.chain.joined(separator: " → ")); CRL of \(r.revocation?.issuer ?? "-")")
        say("  algorithm \(r.algorithm ?? "-"); signature \(first.count) bytes, \(embedded.count) CRL(s) embedded")
        say(header())
        var result = KeyTypeResult(
            label: kt.label, identity: kt.identity, signer: r.signer ?? "-", algorithm: r.algorithm ?? "-",
            chain: r.chain, signatureBytes: first.count, embeddedCRLs: embedded.count)
        let pool = try measureSigning(kt, sign: sign, into: &result)
        try measureVerifying(kt, pool: pool, pki: pki, into: &result)
        try measureTimestamped(kt, pool: pool, pki: pki, into: &result)
        return result
    }

    /// 2. Sanity, untimed: a good signature passes with the chain and the CRL checked; the checks do bite.
    func checkFirst(_ first: [UInt8], _ kt: KeyType, pki: BenchPKI) throws -> SignatureReport? {
        let reports = try pki.verifier.verify(signature: first, content: content, recordType: recordType)
        guard let r = reports.first, passed(reports) else {
            sanity(
                "\(kt.label): a fresh signature is not PASSED: \(reports.map { "\($0.indication.rawValue) \($0.reason?.rawValue ?? "") \($0.message.en)" })"
            )
            return nil
        }
        if !(r.algorithm ?? "").contains(kt.algorithmMark) {
            sanity("\(kt.label): algorithm is \(r.algorithm ?? "-"), expected \(kt.algorithmMark)")
        }
        if r.chain.count != 3 { sanity("\(kt.label): chain \(r.chain), expected leaf, CA, root") }
        if r.revocation == nil { sanity("\(kt.label): no revocation information in the report (CRL not checked?)") }
        var tampered = content
        tampered[tampered.count / 2] ^= 0x01
        let bad = try pki.verifier.verify(signature: first, content: tampered, recordType: recordType).first
        if bad?.indication != .failed || bad?.reason != .hashFailure {
            sanity(
                "\(kt.label): changed content gave \(bad?.indication.rawValue ?? "-") \(bad?.reason?.rawValue ?? "-"), expected FAILED HASH_FAILURE"
            )
        }
        let noCRL = SignatureVerifier(trust: TrustContext(roots: pki.roots, intermediates: pki.intermediates, crls: []), clock: .system)
        let unchecked = try noCRL.verify(signature: first, content: content, recordType: recordType).first
        if unchecked?.indication != .indeterminate || unchecked?.reason != .noRevocationData {
            sanity(
                "\(kt.label): without the trust CRLs: \(unchecked?.indication.rawValue ?? "-") \(unchecked?.reason?.rawValue ?? "-"), "
                    + "expected INDETERMINATE NO_REVOCATION_DATA")
        }
        return r
    }

    /// 3. Signing; returns the pool of distinct signatures the verifications rotate through.
    func measureSigning(_ kt: KeyType, sign: () throws -> [UInt8], into result: inout KeyTypeResult) throws -> [[UInt8]] {
        var pool = [[UInt8]]()
        if o.phases.contains(.sign) {
            var ring = [[UInt8]]()
            var next = 0
            let m = try measure(seconds: o.seconds, warmup: o.warmup) {
                let der = try sign()
                if ring.count < o.pool {
                    ring.append(der)
                } else {
                    ring[next] = der
                    next = (next + 1) % o.pool
                }
            }
            result.sign = m
            pool = ring
            say(row("sign (CMSSigner.sign)", m))
        }
        while pool.count < o.pool { pool.append(try sign()) }
        return pool
    }

    /// 4. Verification, one verifier reused; then a fresh verifier each time.
    func measureVerifying(_ kt: KeyType, pool: [[UInt8]], pki: BenchPKI, into result: inout KeyTypeResult) throws {
        if o.phases.contains(.verify) {
            var i = 0
            let m = try measure(seconds: o.seconds, warmup: o.warmup) {
                check(try pki.verifier.verify(signature: pool[i], content: content, recordType: recordType), "\(kt.label) verify")
                i = (i + 1) % pool.count
            }
            result.verify = m
            say(row("verify, chain + CRL (reused)", m))
        }
        if o.phases.contains(.cold) {
            var i = 0
            let m = try measure(seconds: o.seconds, warmup: o.warmup) {
                let fresh = SignatureVerifier(trust: pki.trust, policy: VerificationPolicy(), clock: .system)
                check(try fresh.verify(signature: pool[i], content: content, recordType: recordType), "\(kt.label) cold verify")
                i = (i + 1) % pool.count
            }
            result.verifyCold = m
            say(row("verify, chain + CRL (cold)", m))
        }
    }

    /// 5. Timestamped signatures (CAdES-T), one verifier reused: the token's signature and its TSA's chain on top.
    func measureTimestamped(_ kt: KeyType, pool: [[UInt8]], pki: BenchPKI, into result: inout KeyTypeResult) throws {
        guard o.phases.contains(.ts) else { return }
        var stamped = [[UInt8]]()
        for der in pool.prefix(min(o.pool, 16)) {
            let sd = try SignedData(der: der)
            stamped.append(try sd.addingTimestamp(try pki.tsa.token(forDigest: SHA256.hash(sd.signers[0].signatureValue))))
        }
        let st = try pki.verifier.verify(signature: stamped[0], content: content, recordType: recordType)
        if !passed(st) || st.first?.timeProof != .timestamp {
            sanity(
                "\(kt.label): a timestamped signature gave \(st.first?.indication.rawValue ?? "-") \(st.first?.reason?.rawValue ?? "") "
                    + "time proof \(st.first?.timeProof.rawValue ?? "-")")
            return
        }
        var i = 0
        let m = try measure(seconds: o.seconds, warmup: o.warmup) {
            check(
                try pki.verifier.verify(signature: stamped[i], content: content, recordType: recordType), "\(kt.label) timestamped verify")
            i = (i + 1) % stamped.count
        }
        result.verifyTimestamped = m
        result.timestampedSignatureBytes = stamped[0].count
        say(row("verify, timestamped (reused)", m))
    }

    /// 6. Summary.
    func printResults(_ results: [String: KeyTypeResult]) {
        say("")
        say("== results (one thread; \(fmt(o.seconds, 2)) s each) ==")
        say(header())
        for kt in keyTypes {
            guard let r = results[kt.key] else { continue }
            say("  \(kt.label) (\(kt.identity))")
            for (label, m) in [
                ("sign (CMSSigner.sign)", r.sign), ("verify, chain + CRL (one verifier reused)", r.verify),
                ("verify, chain + CRL (fresh verifier each)", r.verifyCold),
                ("verify, timestamped (one verifier reused)", r.verifyTimestamped),
            ] {
                if let m { say(row(label, m)) }
            }
        }
        say("")
        say(
            problems.isEmpty
                ? "sanity: ok (every verification PASSED; changed content FAILED; without CRLs INDETERMINATE)"
                : "SANITY FAILED (\(problems.count) problems); see above")
    }

    func summary(_ results: [String: KeyTypeResult], pki: BenchPKI) -> Summary {
        Summary(
            when: ISO8601DateFormatter().string(from: Date()), debugBuild: debug,
            host: [
                "cpus": String(ProcessInfo.processInfo.activeProcessorCount),
                "os": ProcessInfo.processInfo.operatingSystemVersionString,
            ],
            parameters: [
                "seconds": String(o.seconds), "warmup_seconds": String(o.warmup), "pool": String(o.pool),
                "embedded_crls": String(o.embedCRLs), "phases": o.phases.map(\.rawValue).sorted().joined(separator: ","),
                "threads": "1",
            ],
            contentBytes: content.count,
            pki: [
                "roots": String(pki.roots.count), "intermediates": String(pki.intermediates.count), "crls": String(pki.crls.count),
                "created_at": pki.manifest.createdAt,
            ],
            keyTypes: results, sanityOK: problems.isEmpty, sanityProblems: problems)
    }
}
