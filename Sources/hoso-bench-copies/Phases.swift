import Foundation
import HosoBenchSupport
import HosoCopies
import HosoCore
import HosoKit
import HosoPrimitives
import HosoRecords
import HosoSigning

// The measured phases of hoso-bench-copies: issuing, render + sign, verifying, Archive.verifyCopy.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func measureCopies(_ o: Options) throws -> (sane: Bool, problems: [String], results: [String: Any]) {
    var problems = [String]()
    var results: [String: Any] = [
        "debug_build": isDebugBuild(), "cpus": ProcessInfo.processInfo.activeProcessorCount,
        "pool": o.pool, "entries": o.entries, "seconds": o.seconds,
    ]
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
    if o.phases.contains("hoc-ba") { try hocBaPhase(o, s, outDir: outDir, problems: &problems, results: &results) }
    if o.phases.contains("hoc-ba-token") { try hocBaTokenPhase(o, s, outDir: outDir, problems: &problems, results: &results) }
    guard !pool.isEmpty else { return (problems.isEmpty, problems, results) }
    let trust = try s.archive.trustContext()
    if o.phases.contains("verify") { try verifyPhase(o, pool: pool, trust: trust, problems: &problems, results: &results) }
    if o.phases.contains("verify-copy") { try verifyCopyPhase(o, s, pool: pool, problems: &problems, results: &results) }
    return (problems.isEmpty, problems, results)
}

/// Issuing: a few untimed copies, then `pool` timed ones (the pool that is verified). Returns the pool.
func issuePhase(
    _ o: Options, _ s: Setup, outDir: String, problems: inout [String],
    results: inout [String: Any]
) throws -> [[UInt8]] {
    var pool = [[UInt8]]()
    for i in 0..<4 { _ = try issueOne(s, s.people[(o.pool + i) % s.people.count]) }
    // `pool` copies on one thread, then `pool` more on `threads` threads sharing the archive; all are verified.
    // The citizens' requests are registered first (timed apart: a request is registered when the citizen comes,
    // the copy issued when the clerk has checked it), then the copies are issued.
    var issue = [String: Any]()
    var registering = [String: Any]()
    for threads in Set(o.issueThreads).sorted() {
        let people = s.people
        let total = o.pool
        let offset = pool.count
        let c0 = threadCPUNanoseconds()
        let w0 = now()
        let requests = try (0..<total).map { i -> (String, String) in
            let p = people[(offset + i) % people.count]
            let id = try s.archive.newRequest(
                .init(
                    kind: .copy, requesterName: p.name, relation: .holder, holderName: p.name,
                    serial: p.serial, channel: .inPerson), clerk: "vanthu"
            ).id
            return (id, p.serial)
        }
        let r = Measurement(
            threads: 1, operations: total, seconds: Double(now() - w0) / 1e9, cpuSeconds: Double(threadCPUNanoseconds() - c0) / 1e9)
        if registering.isEmpty {
            say(
                "register a request (Archive.newRequest; information), 1 thread: \(fmt(r.perSecond, 1)) requests/s "
                    + "(\(fmt(r.msPerOperation, 2)) ms each; \(fmt(r.perCPUSecond, 1)) per CPU-second)")
            registering["1"] = r.json()
        }
        let counter = Shared(0)
        let issued = Shared<[[UInt8]]>([])
        let m = try parallel(
            threads: threads,
            next: {
                counter.with { c in
                    c < total
                        ? {
                            c += 1
                            return c - 1
                        }() : nil
                }
            },
            body: { _, i in
                let pdf = try s.archive.issueCopy(
                    entryRef: requests[i].1, requestId: requests[i].0, signer: s.office,
                    timestamp: .authority(s.tsa), clerk: "vanthu"
                ).pdf
                issued.with { $0.append(pdf) }
            })
        pool += issued.with { $0 }
        say(
            "issue (Archive.issueCopy, timestamped; one archive shared by the threads), \(threads) thread(s): "
                + "\(fmt(m.perSecond, 1)) copies/s (\(fmt(m.msPerOperation, 2)) ms each per thread; \(fmt(m.perCPUSecond, 1)) per CPU-second)"
        )
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
        rows: CopyDocument.diplomaRows(
            holderName: view.text("fullName"), dateOfBirth: "01/01/1980", placeOfBirth: view.text("placeOfBirth"),
            sex: view.text("sex"), ethnicity: view.text("ethnicity"), graduationYear: "1996",
            graduationGrade: view.text("graduationGrade"), school: view.school, serial: view.serial,
            ledgerNumber: String(view.ledgerNumber)),
        issuePlaceAndDate: "Tân Lập, ngày 01 tháng 06 năm 2026", signerTitle: "TRƯỞNG PHÒNG", signerName: "Vũ Minh Tuấn",
        footer: "Bản sao điện tử được ký số.", qrModules: qr.modules)
    let entryBytes = try view.canonicalBytes()
    let office = s.office
    let tsa = s.tsa
    let signOne: @Sendable () throws -> Void = {
        let unsigned = try PDFRender.render(doc)
        _ = try PAdES.sign(
            pdf: unsigned, signer: office, attachment: (name: "so-goc.json", bytes: entryBytes, mime: "application/json"),
            reason: "Bản sao", location: "Tân Lập", time: Date(),
            timestamp: { try tsa.token(forDigest: SHA256.hash($0)) })
    }
    var sign = [String: Any]()
    for threads in Set([1, o.threads]).sorted() {
        let total = max(20, Int(o.seconds * 60) * threads)
        let m = try parallel(
            threads: threads, next: counting(to: total),
            body: { _, _ in try signOne() })
        say(
            "render + PAdES.sign + TSA (no archive; information), \(threads) thread(s): \(fmt(m.perSecond, 1)) copies/s "
                + "(\(fmt(m.msPerOperation, 2)) ms each per thread; \(fmt(1000 * m.cpuSeconds / Double(max(1, m.operations)), 2)) ms of CPU each)"
        )
        sign["\(threads)"] = m.json()
    }
    results["render_sign"] = sign
    // Rendering alone, for its share of the CPU a copy takes.
    let renders = Shared(0)
    let total = max(20, Int(o.seconds * 60))
    let r = try parallel(
        threads: 1,
        next: {
            renders.with { c in
                c < total
                    ? {
                        c += 1
                        return c
                    }() : nil
            }
        },
        body: { _, _ in _ = try PDFRender.render(doc) })
    say(
        "render alone (information), 1 thread: \(fmt(r.perSecond, 1)) copies/s "
            + "(\(fmt(1000 * r.cpuSeconds / Double(max(1, r.operations)), 2)) ms of CPU each)")
    results["render"] = r.json()
}

/// Verifying with one shared verifier, a fresh one per pass over the pool.
func verifyPhase(
    _ o: Options, pool: [[UInt8]], trust: TrustContext, problems: inout [String],
    results: inout [String: Any]
) throws {
    let poolShared = pool
    var verify = [String: Any]()
    for threads in Set([1, o.threads]).sorted() {
        // Warm-up: one pass with its own verifier.
        let warm = SignatureVerifier(trust: trust, clock: .system)
        for pdf in pool.prefix(8) { _ = try PDFVerify.verify(pdf: pdf, verifier: warm) }
        struct State {
            var verifier: SignatureVerifier
            var index: Int
            var passes: Int
        }
        let state = Shared(State(verifier: SignatureVerifier(trust: trust, clock: .system), index: 0, passes: 1))
        let deadline = now() + UInt64(o.seconds * 1e9)
        let bad = Shared<[String]>([])
        let m = try parallel(
            threads: threads,
            next: {
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
            },
            body: { _, i in
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
        say(
            "verify (PDFVerify.verify, one shared verifier per pass), \(threads) thread(s): \(fmt(m.perSecond, 1)) verified/s "
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
        let m = try parallel(
            threads: threads,
            next: {
                counter.with { c in
                    if c > 0, c % poolShared.count == 0, now() >= deadline { return nil }
                    if now() >= deadline && c >= poolShared.count { return nil }
                    c += 1
                    return (c - 1) % poolShared.count
                }
            },
            body: { t, i in
                let r = try archive.verifyCopy(pdf: poolShared[i])
                if r.indication != "PASSED" { bad.with { $0.append("copy \(i + 1): \(r.indication) \(r.reasons)") } }
            })
        verifyCopy["\(threads)"] = verified("verify-copy (Archive.verifyCopy)", "Archive.verifyCopy", m, bad: bad.with { $0 }, &problems)
    }
    results["verify_copy"] = verifyCopy
}

/// A verification measurement said and returned as JSON; what was not PASSED becomes a problem.
func verified(_ label: String, _ function: String, _ m: Measurement, bad: [String], _ problems: inout [String]) -> [String: Any] {
    if !bad.isEmpty { problems.append("\(function): \(bad.count) not PASSED, e.g. \(bad[0])") }
    say(
        "\(label), \(m.threads) thread(s): \(fmt(m.perSecond, 1)) verified/s "
            + "(\(fmt(m.msPerOperation, 2)) ms each per thread; \(fmt(m.perCPUSecond, 1)) per CPU-second"
            + (m.runQueueSeconds.map { w in
                "; of the threads' time \(fmt(100 * m.cpuSeconds / max(1e-9, m.seconds * Double(m.threads)), 0))% on a CPU, "
                    + "\(fmt(100 * w / max(1e-9, m.seconds * Double(m.threads)), 0))% waiting for one, "
                    + "\(fmt(100 * (m.blockedSeconds ?? 0) / max(1e-9, m.seconds * Double(m.threads)), 0))% blocked"
            } ?? "") + ")")
    var j = m.json()
    j["not_passed"] = bad.count
    return j
}
