import Foundation
import HosoBenchSupport
import HosoCopies
import HosoCore
import HosoKit
import HosoPrimitives
import HosoRecords
import HosoSigning

// The học bạ phases of hoso-bench-copies (run by tools/bench-hoc-ba):
//   hoc-ba         render a 4-page học bạ (HocBaRender) and sign it three times in order — homeroom teacher (gvcn,
//                  ECDSA P-256), principal (hieu-truong, RSA-PSS 2048), the school's seal (van-phong, ECDSA P-256) —
//                  each with an RFC 3161 timestamp from the in-process TSA; on 1 and N threads, no archive.
//   verify-hoc-ba  HocBaVerify.verify (three signatures, order, lock, the updates between them, embedded data) over
//                  the pool signed above, one SignatureVerifier shared by the threads, a fresh one per pass.
// The pool's PDFs go to DIR/hocba/hoc-ba-NNNN.pdf; the seal's CMS and the bytes it signs to DIR/hocba-cms/NNNN.p7s
// and .bin, for the `openssl cms -verify` reference.

/// A grade-9 học bạ of ten subjects (four pages).
func benchHocBa() throws -> HocBa {
    let scored = [
        "Ngữ văn", "Toán", "Tiếng Anh", "Khoa học tự nhiên", "Lịch sử và Địa lí", "Giáo dục công dân", "Công nghệ", "Tin học",
    ]
    var subjects = scored.enumerated().map { i, name -> HocBa.Subject in
        var s = HocBa.Subject(assessment: "scored", subject: name, term1: "\(6 + i % 4).5", term2: "\(7 + i % 3).0", year: "\(7 + i % 3).2")
        s.teacher = ["Lê Thị Hoa", "Phạm Văn Hùng", "Đỗ Thu Trang", "Vũ Minh Đức"][i % 4]
        return s
    }
    subjects.append(.init(assessment: "comments", subject: "Giáo dục thể chất", term1: "Đạt", term2: "Đạt", year: "Đạt"))
    subjects.append(.init(assessment: "comments", subject: "Nghệ thuật", term1: "Đạt", term2: "Đạt", year: "Đạt"))
    var hb = HocBa(
        school: .init(name: "Trường THCS Tân Lập", superiorBody: "Phòng Giáo dục và Đào tạo huyện Tân Lập", place: "Tân Lập"),
        student: .init(fullName: "Lò Thị Mai", dateOfBirth: "2011-04-12", moetId: "2200000001", sex: "Nữ"), schoolYear: "2025-2026",
        class: "9A", grade: 9, level: .lowerSecondary, subjects: subjects)
    hb.results = .init(
        term1: .init(learning: "Khá", conduct: "Tốt"), term2: .init(learning: "Khá", conduct: "Tốt"),
        year: .init(learning: "Khá", conduct: "Tốt"))
    hb.outcome = "Được lên lớp"
    hb.homeroomRemarks = "Chăm chỉ, có ý thức tự học."
    hb.lowerSecondaryCompletion = .init(confirmed: true)
    hb.homeroomTeacher = "Lê Thị Hồng Nhung"
    hb.principal = "Phạm Quốc Đức"
    try hb.check()
    return hb
}

func hocBaPhase(_ o: Options, _ s: Setup, outDir: String, problems: inout [String], results: inout [String: Any]) throws {
    let hb = try benchHocBa()
    let data = try hb.canonicalBytes()
    let signers = try ["gvcn", "hieu-truong", "van-phong"].map { try identity(s.pki, s.manifest, $0) }
    let tsa = s.tsa
    let signOne: @Sendable () throws -> [UInt8] = {
        var pdf = try HocBaRender.render(hb, issued: "Tân Lập, ngày 31 tháng 05 năm 2026")
        for (role, signer) in zip(HocBaSignerRole.allCases, signers) {
            pdf = try HocBaSigning.sign(
                pdf: pdf, role: role, signer: signer, data: role == .homeroom ? data : nil, location: "Tân Lập", time: Date(),
                timestamp: { try tsa.token(forDigest: SHA256.hash($0)) })
        }
        return pdf
    }
    _ = try signOne()  // warm-up (fontconfig)
    let pool = Shared<[[UInt8]]>([])
    let cap = o.pool
    var sign = [String: Any]()
    for threads in Set([1, o.threads]).sorted() {
        let total = max(20, Int(o.seconds * 20) * threads)
        let m = try parallel(
            threads: threads, next: counting(to: total),
            body: { _, _ in
                let pdf = try signOne()
                pool.with { if $0.count < cap { $0.append(pdf) } }
            })
        say(
            "học bạ render + 3 signatures + 3 timestamps (no archive), \(threads) thread(s): \(fmt(m.perSecond, 1)) học bạ/s "
                + "(\(fmt(m.msPerOperation, 2)) ms each per thread; \(fmt(1000 * m.cpuSeconds / Double(max(1, m.operations)), 2)) ms of CPU each)"
        )
        sign["\(threads)"] = m.json()
    }
    results["hoc_ba_sign"] = sign
    let signed = pool.with { $0 }
    let fm = FileManager.default
    try fm.createDirectory(atPath: outDir + "/hocba", withIntermediateDirectories: true)
    try fm.createDirectory(atPath: outDir + "/hocba-cms", withIntermediateDirectories: true)
    for (i, pdf) in signed.enumerated() {
        try Data(pdf).write(to: URL(fileURLWithPath: String(format: "%@/hocba/hoc-ba-%04d.pdf", outDir, i + 1)))
        guard let seal = try PDFParse.inspect(pdf).last(where: { $0.subFilter != "ETSI.RFC3161" }) else { continue }
        try Data(seal.cms).write(to: URL(fileURLWithPath: String(format: "%@/hocba-cms/%04d.p7s", outDir, i + 1)))
        try Data(seal.signedBytes).write(to: URL(fileURLWithPath: String(format: "%@/hocba-cms/%04d.bin", outDir, i + 1)))
    }
    results["hoc_ba_pdf_dir"] = outDir + "/hocba"
    results["hoc_ba_pdf_bytes_mean"] = signed.map(\.count).reduce(0, +) / max(1, signed.count)
    results["hoc_ba_pages"] = HocBaRender.pageCount
    if o.phases.contains("verify-hoc-ba") {
        try verifyHocBaPhase(o, pool: signed, trust: try s.archive.trustContext(), problems: &problems, results: &results)
    }
}

/// HocBaVerify.verify with one shared verifier, a fresh one per pass over the pool.
func verifyHocBaPhase(_ o: Options, pool: [[UInt8]], trust: TrustContext, problems: inout [String], results: inout [String: Any]) throws {
    var verify = [String: Any]()
    for threads in Set([1, o.threads]).sorted() {
        let warm = SignatureVerifier(trust: trust, clock: .system)
        for pdf in pool.prefix(4) { _ = try HocBaVerify.verify(pdf: pdf, verifier: warm) }
        let state = Shared((verifier: SignatureVerifier(trust: trust, clock: .system), index: 0, passes: 1))
        let deadline = now() + UInt64(o.seconds * 1e9)
        let bad = Shared<[String]>([])
        let m = try parallel(
            threads: threads,
            next: {
                state.with { st in
                    if st.index >= pool.count {
                        if now() >= deadline { return nil }
                        st = (SignatureVerifier(trust: trust, clock: .system), 0, st.passes + 1)
                    }
                    st.index += 1
                    return st.index - 1
                }
            },
            body: { _, i in
                let r = try HocBaVerify.verify(pdf: pool[i], verifier: state.with { $0.verifier })
                if r.indication != "PASSED" { bad.with { $0.append("học bạ \(i + 1): \(r.indication) \(r.reasons)") } }
            })
        verify["\(threads)"] = verified(
            "verify học bạ (HocBaVerify.verify, 3 signatures)", "HocBaVerify.verify", m, bad: bad.with { $0 }, &problems)
    }
    results["hoc_ba_verify"] = verify
}

/// A class of 45 học bạ signed by one homeroom teacher with a SoftHSM2 token, in one batch: the token is opened and
/// logged in once (`PKCS11.open`, as `hoso hocba sign --key pkcs11:…` does), then each học bạ is rendered and signed
/// as homeroom (HocBaSigning.sign, the data embedded, timestamped by the in-process TSA). The token is made in
/// DIR/softhsm (its own SOFTHSM2_CONF) and holds the demo PKI's gvcn key. Timed: the login and the 45 signatures.
func hocBaTokenPhase(_ o: Options, _ s: Setup, outDir: String, problems: inout [String], results: inout [String: Any]) throws {
    let module = PKCS11.defaultModules.first { FileManager.default.fileExists(atPath: $0) && $0.contains("softhsm") }
    guard let module, let util = findTool("softhsm2-util") else {
        problems.append("hoc-ba-token: SoftHSM2 is not installed (tools/setup installs softhsm2)")
        return
    }
    guard let gvcn = s.manifest.identity("gvcn") else { throw BenchFailure(message: "the demo PKI has no identity gvcn") }
    let dir = outDir + "/softhsm"
    try FileManager.default.createDirectory(atPath: dir + "/tokens", withIntermediateDirectories: true)
    try Data("directories.tokendir = \(dir)/tokens\nobjectstore.backend = file\n".utf8).write(
        to: URL(fileURLWithPath: dir + "/softhsm2.conf"))
    setenv("SOFTHSM2_CONF", dir + "/softhsm2.conf", 1)
    try run(util, ["--init-token", "--free", "--label", "hoso-bench", "--pin", "1234", "--so-pin", "5678"])
    try run(util, ["--import", "\(s.pki)/\(gvcn.files.key)", "--token", "hoso-bench", "--label", "gvcn", "--id", "01", "--pin", "1234"])
    let soft = try identity(s.pki, s.manifest, "gvcn")
    let hb = try benchHocBa()
    let data = try hb.canonicalBytes()
    let tsa = s.tsa
    let classSize = 45
    let started = now()
    let cpu0 = processCPUNanoseconds()
    let token = try PKCS11.open(uri: "pkcs11:token=hoso-bench;object=gvcn", pin: "1234", modulePath: module, certificate: soft.certificate)
    let signer = SigningIdentity(key: token.key, certificate: soft.certificate, chain: soft.chain)
    var signed = [[UInt8]]()
    for _ in 0..<classSize {
        let pdf = try HocBaRender.render(hb, issued: "Tân Lập, ngày 31 tháng 05 năm 2026")
        signed.append(
            try HocBaSigning.sign(
                pdf: pdf, role: .homeroom, signer: signer, data: data, location: "Tân Lập", time: Date(),
                timestamp: { try tsa.token(forDigest: SHA256.hash($0)) }))
    }
    let seconds = Double(now() - started) / 1e9
    let cpu = Double(processCPUNanoseconds() - cpu0) / 1e9
    // Each must be a valid homeroom signature by gvcn's certificate (checked outside the timing).
    let verifier = SignatureVerifier(trust: try s.archive.trustContext(), clock: .system)
    var bad = 0
    for pdf in signed {
        let sigs = try PDFParse.inspect(pdf).filter { $0.subFilter != "ETSI.RFC3161" }
        guard sigs.count == 1, let r = try? verifier.verify(signature: sigs[0].cms, content: sigs[0].signedBytes).first,
            r.indication == .passed, r.signerCertificate == soft.certificate.fingerprint
        else {
            bad += 1
            continue
        }
    }
    if bad > 0 { problems.append("hoc-ba-token: \(bad) of \(classSize) token signatures did not verify") }
    say(
        "class of \(classSize) học bạ rendered + signed as homeroom with SoftHSM2 (one login, 1 thread): \(fmt(seconds, 2)) s "
            + "(\(fmt(1000 * seconds / Double(classSize), 1)) ms each; \(fmt(cpu, 2)) s of CPU)")
    results["hoc_ba_token_class"] = [
        "class_size": classSize, "seconds": seconds, "cpu_seconds": cpu, "failed": bad, "module": module,
    ]
}

/// Runs a set-up tool; its failure stops the phase.
private func run(_ tool: String, _ args: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw BenchFailure(message: "\((tool as NSString).lastPathComponent) \(args.first ?? "") failed (exit \(p.terminationStatus))")
    }
}

private func findTool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return (path.split(separator: ":").map { "\($0)/\(name)" } + ["/usr/bin/\(name)"]).first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
}
