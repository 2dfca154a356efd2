import Foundation
import HosoCore
import HosoRecords
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

@Suite struct RecordTests {
    let dir = TempDirectory()

    func archive() throws -> Archive { try Archive.create(at: dir.path + "/a", clock: fixedClock) }

    func body(_ grade: String, name: String = "Nguyễn Văn An") -> JSONValue {
        .object([JSONMember("ho_va_ten", .string(name)), JSONMember("xep_loai", .string(grade))])
    }

    @Test func revisionIdIsTheHashOfItsCanonicalForm() throws {
        let a = try archive()
        let id = try a.createRecord(type: "ledger-entry", id: "QN-2019-0001", body: body("Khá"), author: "Lê Văn Tám")
        let rev = try a.revision(id)
        #expect(ObjectID(hashing: try rev.canonicalBytes()) == id)
        #expect(rev.parents.isEmpty)
        // The same body typed decomposed (NFD) is the same revision.
        let nfd = Revision(
            recordType: "ledger-entry", recordId: "QN-2019-0001", parents: [], author: "Lê Văn Tám",
            time: rev.time, reason: nil, body: body("Kha\u{0301}", name: "Nguye\u{0302}\u{0303}n Va\u{0306}n An"))
        #expect(try a.put(nfd) == (id, false))
    }

    @Test func correctionKeepsTheOldRevisionAndNeedsAReason() throws {
        let a = try archive()
        let first = try a.createRecord(type: "ledger-entry", id: "R1", body: body("Khá"), author: "x")
        #expect(throws: HosoProblems.self) { try a.revise(record: "R1", body: body("Giỏi"), author: "x", reason: "  ") }
        let second = try a.revise(record: "R1", body: body("Giỏi"), author: "x", reason: "QĐ 12/2019")
        #expect(try a.heads(record: "R1") == [second.hex])
        #expect(try a.history(record: "R1").map(\.id) == [first.hex, second.hex])
        #expect(try a.current(record: "R1").1.body == body("Giỏi"))
        #expect(try a.revision(first).body == body("Khá"), "the old revision is still there")
        #expect(throws: HosoError(.recordExists, .both("", ""))) {
            try a.createRecord(type: "ledger-entry", id: "R1", body: body("Khá"), author: "x")
        }
        #expect(throws: HosoError(.recordNotFound, .both("", ""))) {
            try a.revise(record: "nope", body: body("Khá"), author: "x", reason: "r")
        }
    }

    @Test func parentsMustBelongToTheSameRecord() throws {
        let a = try archive()
        let r1 = try a.createRecord(type: "ledger-entry", id: "R1", body: body("Khá"), author: "x")
        _ = try a.createRecord(type: "ledger-entry", id: "R2", body: body("Khá"), author: "x")
        let stray = Revision(
            recordType: "ledger-entry", recordId: "R2", parents: [r1.hex], author: "x",
            time: "2019-05-01T08:00:00Z", reason: "r", body: body("Giỏi"))
        #expect(throws: HosoError(.parentInvalid, .both("", ""))) { try a.put(stray) }
        let unknown = Revision(
            recordType: "ledger-entry", recordId: "R2", parents: [String(repeating: "ab", count: 32)],
            author: "x", time: "2019-05-01T08:00:00Z", reason: "r", body: body("Giỏi"))
        #expect(throws: HosoError(.parentInvalid, .both("", ""))) { try a.put(unknown) }
    }

    @Test func concurrentRevisionsAreAConflictUntilMerged() throws {
        let a = try archive()
        let base = try a.createRecord(type: "test-note", id: "G-9A-TOAN-HK1", body: body("Khá"), author: "x")
        // Two machines revise the same revision offline.
        let left = Revision(
            recordType: "test-note", recordId: "G-9A-TOAN-HK1", parents: [base.hex], author: "school",
            time: "2019-05-02T08:00:00Z", reason: "nhập điểm giữa kỳ", body: body("Giỏi"))
        let right = Revision(
            recordType: "test-note", recordId: "G-9A-TOAN-HK1", parents: [base.hex], author: "office",
            time: "2019-05-02T09:00:00Z", reason: "sửa tên", body: body("Khá", name: "Nguyễn Văn Ân"))
        let l = try a.put(left).id
        let r = try a.put(right).id
        #expect(Set(try a.heads(record: "G-9A-TOAN-HK1")) == [l.hex, r.hex])
        #expect(try a.conflicts() == [Archive.Conflict(recordId: "G-9A-TOAN-HK1", heads: [l.hex, r.hex])])
        #expect(throws: HosoError(.recordConflict, .both("", ""))) { try a.current(record: "G-9A-TOAN-HK1") }
        #expect(throws: HosoError(.recordConflict, .both("", ""))) {
            try a.revise(record: "G-9A-TOAN-HK1", body: body("Giỏi"), author: "x", reason: "r")
        }
        // Both are kept; a revision naming both resolves it.
        let merged = try a.revise(
            record: "G-9A-TOAN-HK1", body: body("Giỏi", name: "Nguyễn Văn Ân"), author: "x",
            reason: "hợp nhất", resolve: true)
        #expect(Set(try a.revision(merged).parents) == [l.hex, r.hex])
        #expect(try a.conflicts().isEmpty)
        #expect(try a.heads(record: "G-9A-TOAN-HK1") == [merged.hex])
        let order = try a.history(record: "G-9A-TOAN-HK1").map(\.id)
        #expect(order.first == base.hex && order.last == merged.hex && order.count == 4)
    }

    @Test func historyPutsParentsFirstEvenWhenClocksDisagree() throws {
        let a = try archive()
        let base = try a.createRecord(type: "test-memo", id: "T1", body: body("Khá"), author: "x")
        // A machine whose clock was behind made the correction "before" the original.
        let early = Revision(
            recordType: "test-memo", recordId: "T1", parents: [base.hex], author: "x",
            time: "2001-01-01T00:00:00Z", reason: "r", body: body("Giỏi"))
        let e = try a.put(early).id
        #expect(try a.history(record: "T1").map(\.id) == [base.hex, e.hex])
    }

    @Test func reindexRebuildsRevisionsHeadsAndConflicts() throws {
        let a = try archive()
        let base = try a.createRecord(type: "test-note", id: "G1", body: body("Khá"), author: "x")
        for (i, who) in ["a", "b"].enumerated() {
            _ = try a.put(
                Revision(
                    recordType: "test-note", recordId: "G1", parents: [base.hex], author: who,
                    time: "2019-05-0\(i + 2)T08:00:00Z", reason: "r", body: body("Giỏi \(i)")))
        }
        let before = (try a.history(record: "G1"), try a.conflicts(), try a.list())
        let report = try a.reindex()
        #expect(report.revisions == 3)
        #expect(try a.history(record: "G1") == before.0)
        #expect(try a.conflicts() == before.1)
        #expect(try a.list() == before.2)
    }

    @Test func storedRevisionMustBeCanonical() throws {
        let a = try archive()
        let id = try a.createRecord(type: "ledger-entry", id: "R1", body: body("Khá"), author: "x")
        var text = String(decoding: try a.read(id), as: UTF8.self)
        text = text.replacingOccurrences(of: ",", with: ", ")  // same JSON, not canonical
        #expect(throws: HosoError(.revisionInvalid, .both("", ""))) { try Revision.decode(Array(text.utf8), source: "x") }
    }
}

@Suite struct RecordFsckTests {
    let dir = TempDirectory()

    @Test func fsckFlagsARecordObjectThatIsNotACanonicalRevision() throws {
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        _ = try a.createRecord(type: "ledger-entry", id: "R1", body: .object([JSONMember("a", .number(1))]), author: "x")
        #expect(try a.fsck().ok)
        // Well-formed JSON with a valid hash, stored as a record, but not canonical: its id is not its canonical hash.
        let (o, _) = try a.store.put(Array("{ \"type\": \"hoso/revision\" }".utf8), kind: .record)
        try a.index.record(objects: [o])
        let r = try a.fsck()
        #expect(!r.ok)
        // Slipped in past the archive's write path, it is missing from the transparency log as well.
        #expect(r.damaged.map(\.problem) == ["malformed", "log"])
    }
}
