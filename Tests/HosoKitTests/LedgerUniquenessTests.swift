import Foundation
import HosoCore
import HosoKit
import HosoRecords
import HosoTestSupport
import Testing

/// A ledger created or revised from JSON obeys the rules `ledger import` enforces: a diploma serial belongs to one
/// entry of the archive, a ledger number to one entry of its issuer's year.
@Suite struct LedgerUniquenessTests {
    let dir = TempDirectory()
    func ledger() throws -> JSONValue { try OfficeArchiveFixture.exampleLedger() }

    /// The example ledger with its entries' serials and ledger numbers replaced.
    func ledger(school: String, entries: [(serial: String, number: Int)]) throws -> JSONValue {
        guard case .object(var members) = try ledger() else { throw HosoError(.internalError, .both("", "")) }
        guard let i = members.firstIndex(where: { $0.key == "entries" }), case .array(let old) = members[i].value,
            case .object(let template) = old[0]
        else { throw HosoError(.internalError, .both("", "")) }
        let made: [JSONValue] = entries.enumerated().map { (k, e) in
            .object(
                template.map { m in
                    switch m.key {
                    case "serial": return JSONMember(m.key, .string(e.serial))
                    case "ledgerNumber": return JSONMember(m.key, .number(Double(e.number)))
                    case "stt": return JSONMember(m.key, .number(Double(k + 1)))
                    default: return m
                    }
                })
        }
        members[i].value = .array(made)
        if let s = members.firstIndex(where: { $0.key == "school" }) { members[s].value = .string(school) }
        return .object(members)
    }

    @Test func serialsAndNumbersTakenByAnotherLedgerAreRefusedWithTheirPlaces() throws {
        let a = try Archive.create(at: dir.path + "/a")
        try a.createRecord(
            type: "ledger", id: "L1", body: try ledger(school: "Trường A", entries: [("A-1", 1), ("A-2", 2)]), author: "registrar")
        let second = try ledger(school: "Trường B", entries: [("B-1", 3), ("A-2", 4), ("B-3", 2), ("B-1", 5)])
        // The archive was made with its 256 shard directories: a refused ledger changes no file or directory.
        func tree() throws -> [String] {
            try FileManager.default.subpathsOfDirectory(atPath: a.root).filter { !$0.hasPrefix("index.sqlite") }.sorted()
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: a.root + "/objects").count == 256)
        let before = try tree()
        do {
            try a.createRecord(type: "ledger", id: "L2", body: second, author: "registrar")
            Issue.record("a ledger reusing a serial and a ledger number was stored")
        } catch let p as HosoProblems {
            let found = p.problems.map { "\($0.code.rawValue) \($0.location ?? "")" }.sorted()
            #expect(
                found == [
                    "LEDGER_DUPLICATE_LEDGER_NUMBER L2#/entries/2/ledgerNumber",
                    "LEDGER_DUPLICATE_SERIAL L2#/entries/1/serial",
                    "LEDGER_DUPLICATE_SERIAL L2#/entries/3/serial",
                ], "\(found)")
        }
        #expect(try a.heads(record: "L2").isEmpty)
        #expect(try tree() == before)
        // The same ledger revised keeps its own numbers; another year may use the same ledger numbers.
        try a.revise(
            record: "L1", body: try ledger(school: "Trường A", entries: [("A-1", 1), ("A-2", 2), ("A-3", 3)]),
            author: "registrar", reason: "thêm mục")
        guard case .object(var members) = try ledger(school: "Trường C", entries: [("C-1", 1)]) else { return }
        if let y = members.firstIndex(where: { $0.key == "year" }) { members[y].value = .number(1997) }
        try a.createRecord(type: "ledger", id: "L3", body: .object(members), author: "registrar")
        var q = Archive.FindRequest()
        q.serial = "C-1"
        #expect(try a.find(q).count == 1)
    }
}
