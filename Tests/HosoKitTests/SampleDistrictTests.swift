import Foundation
import HosoCore
import HosoRecords
import HosoTestSupport
import Testing

@testable import HosoKit

/// The synthetic district of Samples/ (tools/gen-district): every ledger imports, matches the body the generator
/// expects, and every entry is found; the seeded broken ledger reports exactly its ten errors.
@Suite(.serialized) struct SampleDistrictTests {
    /// Generates the district once per test (quick scans: a few seconds).
    static func generate(into dir: TempDirectory) throws -> [String: JSONValue] {
        let generated = try runProgram(
            "/usr/bin/python3", [repoRoot + "/tools/gen-district", "--out", dir.path + "/district", "--quick", "--seed", "1"])
        guard generated.status == 0 else { throw HosoError(.internalError, .both("gen-district", "gen-district failed")) }
        let index = try CanonicalJSON.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/district/index.json"))))
        guard case .object(let members) = index else { return [:] }
        return Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value) })
    }

    static func str(_ v: JSONValue?) -> String? {
        if case .string(let s)? = v { return s }
        return nil
    }

    @Test func everySampleLedgerImportsAndEveryEntryIsFound() throws {
        let dir = TempDirectory()
        let index = try Self.generate(into: dir)
        let base = dir.path + "/district/"
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        guard case .array(let ledgers)? = index["ledgers"] else {
            Issue.record("no ledgers in index.json")
            return
        }
        #expect(ledgers.count == 15)
        var legacy = Set<String>()
        for l in ledgers {
            let file = base + Self.str(l["file"])!
            let mapping = base + Self.str(l["mapping"])!
            let dry = try a.importLedger(file: file, mapping: mapping, dryRun: true, reason: nil, author: "cán bộ văn bằng")
            #expect(dry.errors.isEmpty, "\(file): \(dry.errors.prefix(3))")
            if let enc = dry.conversions.first?.encoding { legacy.insert(enc) }
            let r = try a.importLedger(file: file, mapping: mapping, dryRun: false, reason: nil, author: "cán bộ văn bằng")
            #expect(r.committed, "\(file)")
            // The stored ledger is exactly the one the generator meant, scans included.
            let expected = try CanonicalJSON.canonicalize(
                Array(try Data(contentsOf: URL(fileURLWithPath: base + Self.str(l["expected"])!))))
            let (_, rev) = try a.current(record: Self.str(l["recordId"])!)
            let stored = try CanonicalJSON.serialize(rev.body)
            #expect(stored == expected, "\(file): stored body differs from expected-ledger.json")
            // Every entry is found by its serial and by its name.
            guard case .array(let entries)? = rev.body["entries"] else { continue }
            for e in entries {
                let serial = Self.str(e["serial"])!
                let name = Self.str(e["fullName"])!
                var q = Archive.FindRequest()
                q.serial = serial
                #expect(try a.find(q).map(\.fullName) == [name])
                #expect(try a.find(.init(text: VietnameseText.fold(name)), limit: 1000).contains { $0.serial == serial })
            }
        }
        #expect(legacy == ["tcvn3", "vni"], "one TCVN3 and one VNI ledger were detected and converted")
        #expect(try a.fsck().ok)
    }

    @Test func theBrokenLedgerReportsItsTenErrorsAndWritesNothing() throws {
        let dir = TempDirectory()
        let index = try Self.generate(into: dir)
        let base = dir.path + "/district/"
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        let errors = index["errors"]!
        let file = base + Self.str(errors["file"])!
        let r = try a.importLedger(file: file, mapping: base + Self.str(errors["mapping"])!, dryRun: false, reason: nil, author: "x")
        #expect(!r.committed)
        #expect(try a.list().isEmpty)
        guard
            case .array(let expected) = try CanonicalJSON.parse(
                Array(try Data(contentsOf: URL(fileURLWithPath: base + Self.str(errors["expectedErrors"])!))))
        else {
            Issue.record("no expected errors")
            return
        }
        let want = Set(
            expected.map { e -> String in
                guard case .number(let row)? = e["row"] else { return "?" }
                return "\(file):\(Int(row)):\(Self.str(e["column"])!)"
            })
        let got = Set(r.errors.compactMap(\.location))
        #expect(want.count == 10)
        #expect(got == want, "missing: \(want.subtracting(got)); unexpected: \(got.subtracting(want))")
    }
}
