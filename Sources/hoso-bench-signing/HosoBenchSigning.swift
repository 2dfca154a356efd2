// hoso-bench-signing: signatures/s and verifications/s through HosoSigning, in-process, on one thread.
// Run by tools/bench-signing, which also runs `openssl speed` in the same run and judges the targets
// (this program only measures and checks that what it measured was sane); see `hoso-bench-signing --help`.
//
// For each key type (RSA-2048 with RSASSA-PSS: demo identity gv-toan; ECDSA P-256: gv-van), over a ~2 KB
// canonical JSON revision, as `Archive.sign` does it (the chain and the issuer's CRL embedded):
//   sign      CMSSigner.sign, a detached CAdES-BES signature
//   verify    SignatureVerifier.verify with ONE verifier reused (the server case): signature, content digest,
//             signing-certificate-v2, chain to a trusted root, validity, the CRL of every non-root certificate, role
//   cold      the same with a fresh SignatureVerifier per verification (information only)
//   ts        verify (reused verifier) of signatures carrying an RFC 3161 timestamp (information only)
import ArgumentParser
import Foundation
import HosoBenchSupport

@main
struct HosoBenchSigning: BenchCommand {
    static let configuration = CommandConfiguration(
        commandName: "hoso-bench-signing",
        abstract: "Signatures/s and verifications/s through HosoSigning, in-process, on one thread.",
        discussion: """
            Exit status: 0 ran and results are sane, 1 a sanity check failed (or HosoSigning threw), 2 could not run \
            (bad arguments).
            """)

    @Option(help: "measuring time per measurement (3)", transform: number(atLeast: 0.01))
    var seconds = 3.0

    @Option(help: "untimed warm-up before each measurement (0.5)", transform: number(atLeast: 0))
    var warmup = 0.5

    @Option(help: ArgumentHelp("write the results as JSON", valueName: "file"))
    var json: String?

    @Option(
        help: ArgumentHelp(
            "measure one key type: rsa (RSA-2048-PSS, gv-toan) or ecdsa (ECDSA P-256, gv-van)",
            valueName: "kind"))
    var only: KeyKind?

    @Option(
        help: ArgumentHelp(
            "which measurements (sign,verify,cold,ts; all); verification needs no sign phase",
            valueName: "list"),
        transform: commaList({ Phase(rawValue: $0) }, what: "phase (sign, verify, cold, ts)"))
    var phases = Phase.allCases

    @Option(help: "distinct signatures verified in rotation (64)", transform: wholeNumber(atLeast: 1))
    var pool = 64

    @Flag(
        name: .customLong("no-embed-crls"),
        help: "sign without the issuer's CRL inside (Archive.sign embeds it; the verifier then has the CRL from its trust context only)")
    var noEmbedCRLs = false

    @Option(help: ArgumentHelp("where the temporary demo PKI goes (/tmp); removed afterwards", valueName: "dir"))
    var workParent = NSTemporaryDirectory()

    @Option(
        help: ArgumentHelp(
            "instead: measure `hoso renew` over this many synthetic signatures (hash pass, RFC 4998 tree, one timestamp)",
            valueName: "N"),
        transform: wholeNumber(atLeast: 1))
    var renew: Int?

    @Option(help: "with --renew: bytes per synthetic signature (4096)", transform: wholeNumber(atLeast: 64))
    var renewSize = 4096

    @Flag(help: "with --renew: keep the file of signatures (its path is in the JSON) for sha256sum")
    var keepFile = false

    static func main() { benchMain(Self.self, tool: "hoso-bench-signing") }

    func execute() throws -> Int32 {
        if let renew {
            return try RenewBenchmark(count: renew, size: renewSize, workParent: workParent, json: json, keepFile: keepFile).run()
        }
        return try SigningBenchmark(
            Options(
                seconds: seconds, warmup: warmup, json: json, only: only?.rawValue,
                phases: Set(phases), pool: pool, embedCRLs: !noEmbedCRLs, workParent: workParent)
        ).run()
    }
}

enum KeyKind: String, ExpressibleByArgument {
    case rsa, ecdsa
}

enum Phase: String, CaseIterable {
    case sign, verify, cold, ts
}

/// The parsed command line, as the benchmark reads it.
struct Options {
    var seconds: Double
    var warmup: Double
    var json: String?
    var only: String?
    var phases: Set<Phase>
    var pool: Int
    var embedCRLs: Bool
    var workParent: String
}

func warn(_ s: String) { HosoBenchSupport.warn(s, tool: "hoso-bench-signing") }
