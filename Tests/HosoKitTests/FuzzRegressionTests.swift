import Foundation
import HosoTestSupport
import Testing

/// Every input the fuzzers found a crash, hang or blow-up with (Fuzz/regressions/<harness>/, kept by `make fuzz`),
/// and every seed (Fuzz/seeds/<harness>/), through the same calls as the harness (FuzzTargets.swift is the
/// harness's own file). Passing means: the process is still alive and each input came back.
@Suite struct FuzzRegressionTests {
    static func files(_ kind: String, _ harness: String) -> [String] {
        let dir = repoRoot + "/Fuzz/\(kind)/\(harness)"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
    }

    @Test(arguments: FuzzTargets.names)
    func regressionsAndSeedsNeverCrash(harness: String) throws {
        let seeds = Self.files("seeds", harness)
        #expect(!seeds.isEmpty, "no seeds for \(harness): run tools/fuzz-seeds")
        for path in seeds + Self.files("regressions", harness) {
            FuzzTargets.run(harness, try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        }
    }
}
