// hoso-bench-copies: certified copies issued/s and verified/s, in-process. Run by tools/bench-copies, which also
// runs the references (`openssl cms -sign` and `pdfsig` over the same PDFs) in the same run and judges the targets
// (this program only measures and checks that what it measured was sane); see `hoso-bench-copies --help`.
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
//   hoc-ba, verify-hoc-ba  a 4-page học bạ rendered and signed three times in order, then verified (HocBaPhase.swift;
//             run by tools/bench-hoc-ba).
//   hoc-ba-token  a class of 45 học bạ signed as homeroom with a SoftHSM2 token, one login (HocBaPhase.swift).
// Every verification must be PASSED, else exit 1.
import ArgumentParser
import Foundation
import HosoBenchSupport

@main
struct HosoBenchCopies: BenchCommand {
    static let configuration = CommandConfiguration(
        commandName: "hoso-bench-copies",
        abstract: "Certified copies issued/s and verified/s, in-process.",
        discussion: """
            Exit status: 0 ran and results are sane, 1 a sanity check failed (or hoso threw), 2 could not run \
            (bad arguments).
            """)

    @Option(help: "measuring time per verification measurement (3)", transform: positive)
    var seconds = 3.0

    @Option(help: "copies issued in the timed issuing run; they are the pool verified (300)", transform: wholeNumber(atLeast: 2))
    var pool = 300

    @Option(help: "entries in the ledger (400)", transform: wholeNumber(atLeast: 2))
    var entries = 400

    @Option(help: "the most threads for the parallel measurements (2)", transform: wholeNumber(atLeast: 1))
    var threads = 2

    @Option(
        help: ArgumentHelp(
            """
            the thread counts issuing is measured with (1,2,4): a copy waits for the disk several times, so more threads \
            than cores keep both cores busy, as a server's requests do
            """, valueName: "list"),
        transform: commaList({ Int($0).flatMap { $0 >= 1 ? $0 : nil } }, what: "thread count (like 1,2,4)"))
    var issueThreads = [1, 2, 4]

    @Option(
        help: ArgumentHelp(
            "issue,sign,verify,verify-copy,hoc-ba,verify-hoc-ba (the default), hoc-ba-token; verification needs the issue (hoc-ba) phase",
            valueName: "list"),
        transform: commaList({ Options.allPhases.contains($0) ? $0 : nil }, what: "phase"))
    var phases = Array(Options.allPhases.subtracting(["hoc-ba-token"]))  // the token phase needs SoftHSM2

    @Option(
        help: ArgumentHelp(
            """
            write the pool's PDFs (DIR/pdf/copy-NNNN.pdf) and keep the demo PKI (DIR/pki) for the references; without it \
            a temporary directory is used and removed
            """, valueName: "dir"))
    var outDir: String?

    @Option(help: ArgumentHelp("write the results as JSON", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp("where the temporary archive goes (/tmp); removed afterwards", valueName: "dir"))
    var workParent = "/tmp"

    static func main() { benchMain(Self.self, tool: "hoso-bench-copies") }

    func execute() throws -> Int32 {
        let options = Options(
            seconds: seconds, pool: pool, entries: entries, threads: threads, issueThreads: issueThreads,
            phases: Set(phases), outDir: outDir, json: json, workParent: workParent)
        if isDebugBuild() { warn("this is a debug build: the rates mean little (build with -c release)") }
        var code: Int32 = 0
        var output: [String: Any]
        // A failed run still writes its JSON (sanity_ok false): the script reads the reason from it.
        do {
            let (sane, problems, results) = try measureCopies(options)
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
        return code
    }
}

/// Positive seconds.
let positive: @Sendable (String) throws -> Double = { text in
    guard let d = Double(text), d > 0 else { throw ValidationError("must be a positive number") }
    return d
}

/// The parsed command line, as the run reads it.
struct Options {
    static let allPhases: Set<String> = ["issue", "sign", "verify", "verify-copy", "hoc-ba", "verify-hoc-ba", "hoc-ba-token"]
    var seconds: Double
    var pool: Int
    var entries: Int
    var threads: Int
    var issueThreads: [Int]
    var phases: Set<String>
    var outDir: String?
    var json: String?
    var workParent: String
}

func warn(_ s: String) { HosoBenchSupport.warn(s, tool: "hoso-bench-copies") }
