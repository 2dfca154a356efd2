import Foundation
import HosoCore
import HosoRecords
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

/// The index knows how far it is: a write whose index rows were lost (a crash after success was reported, a
/// failed index write) is caught up from the objects when the archive opens, before anything is answered.
@Suite struct IndexCurrencyTests {
    let dir = TempDirectory()
    var root: String { dir.path + "/a" }
    let files = ["index.sqlite", "index.sqlite-wal", "index.sqlite-shm"]

    func saveIndex() throws {
        try FileManager.default.createDirectory(atPath: dir.path + "/saved", withIntermediateDirectories: true)
        for f in files where FileManager.default.fileExists(atPath: root + "/" + f) {
            try FileManager.default.copyItem(atPath: root + "/" + f, toPath: dir.path + "/saved/" + f)
        }
    }

    /// Puts the saved index back: the state of an index that lost its last write.
    func restoreIndex() throws {
        for f in files {
            try? FileManager.default.removeItem(atPath: root + "/" + f)
            if FileManager.default.fileExists(atPath: dir.path + "/saved/" + f) {
                try FileManager.default.copyItem(atPath: dir.path + "/saved/" + f, toPath: root + "/" + f)
            }
        }
    }

    @Test func anIndexThatLostAWriteIsCaughtUpAtOpen() throws {
        do {
            let a = try Archive.create(at: root, clock: fixedClock)
            try a.createRecord(type: "note", id: "a/1", body: .object([JSONMember("text", .string("một"))]), author: "x")
        }
        try saveIndex()
        let second: ObjectID
        do {
            let a = try Archive.open(at: root, clock: fixedClock)
            second = try a.revise(record: "a/1", body: .object([JSONMember("text", .string("hai"))]), author: "x", reason: "sửa")
            try a.createRecord(type: "note", id: "a/2", body: .object([JSONMember("text", .string("ba"))]), author: "x")
        }
        try restoreIndex()

        let a = try Archive.open(at: root, clock: fixedClock)
        // Answered from a caught-up index: the revision and the record the lost write made are there.
        #expect(try a.heads(record: "a/1") == [second.hex])
        #expect(try a.history(record: "a/2").count == 1)
        // So a re-run builds on them instead of forking or creating the record twice.
        #expect(throws: HosoError.self) {
            try a.createRecord(type: "note", id: "a/2", body: .object([JSONMember("text", .string("bốn"))]), author: "x")
        }
        try a.revise(record: "a/1", body: .object([JSONMember("text", .string("năm"))]), author: "x", reason: "sửa lại")
        let report = try a.fsck()
        #expect(report.ok && report.index.upToDate, "\(report.damaged) \(report.missing) \(report.index)")
        try a.reindex()
        #expect(try a.conflicts().isEmpty)
    }

    /// Archives made before the marker (no commit.seq, an index without its number) are current as they are.
    @Test func anArchiveWithoutTheMarkerIsCurrent() throws {
        do {
            let a = try Archive.create(at: root, clock: fixedClock)
            try a.createRecord(type: "note", id: "a/1", body: .object([JSONMember("text", .string("một"))]), author: "x")
        }
        try FileManager.default.removeItem(atPath: root + "/commit.seq")
        let a = try Archive.open(at: root, clock: fixedClock)
        #expect(try a.indexIsBehind() == false)
        #expect(try a.history(record: "a/1").count == 1)
    }

    /// A marker file that cannot be understood (torn) counts as "behind": the index is caught up, then numbered.
    @Test func aDamagedMarkerMeansCatchUp() throws {
        do {
            let a = try Archive.create(at: root, clock: fixedClock)
            try a.createRecord(type: "note", id: "a/1", body: .object([JSONMember("text", .string("một"))]), author: "x")
        }
        try Data("junk".utf8).write(to: URL(fileURLWithPath: root + "/commit.seq"))
        let a = try Archive.open(at: root, clock: fixedClock)
        #expect(try a.indexIsBehind() == false)
        #expect(try CommitMarker(root: root).read() != nil)
    }
}
