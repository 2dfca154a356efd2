import Foundation
import HosoCore
import HosoKit
import HosoTestSupport
import Testing

@testable import HosoAccounts
@testable import HosoServer

/// The hub's access log anchored at most once per interval (`AuditLog.anchorEvery`), not once per batch: an anchor
/// is a write on the shared primary. Nothing goes unanchored for longer than that, and anchors never go backwards.
@Suite struct AuditAnchorIntervalTests {
    let dir = TempDirectory()

    func log(every: Duration) throws -> (Archive, ServerStore, AuditLog) {
        let archive = try Archive.create(at: dir.path + "/a")
        let store = try ServerStore(path: dir.path + "/a/" + ServerStore.fileName, cost: Fixture.cost)
        let log = AuditLog(store: store, pool: BlockingPool(threads: 2), anchorEvery: every) {
            try archive.anchorAuditLog(seq: $0.seq, hash: $0.hash)
        }
        return (archive, store, log)
    }

    func anchors(_ a: Archive) throws -> [AuditAnchor] { try a.auditAnchors().map { AuditAnchor(seq: $0.seq, hash: $0.hash) } }

    @Test func batchesWithinTheIntervalShareOneAnchor() async throws {
        // An hour: no timer fires during the test, so only the first batch and the flush anchor.
        let (archive, store, log) = try log(every: .seconds(3600))
        for i in 0..<12 { try await log.record(actor: "u\(i)", action: "verify", target: "copy", detail: "") }
        #expect(try anchors(archive).map(\.seq) == [1], "the first batch is anchored at once, the next ones wait")
        log.flushAnchor()
        let all = try anchors(archive)
        #expect(all.map(\.seq) == [1, 12])
        #expect(try store.checkAuditChain(anchors: all) == .init(entries: 12, intact: true, firstBroken: nil))
        // Nothing new: a second flush writes nothing.
        log.flushAnchor()
        #expect(try anchors(archive).count == 2)
    }

    @Test func aQuietSpellIsAnchoredByTheTimer() async throws {
        let (archive, store, log) = try log(every: .milliseconds(50))
        for i in 0..<3 { try await log.record(actor: "u\(i)", action: "verify", target: "copy", detail: "") }
        let deadline = Date().addingTimeInterval(120)
        while try archive.latestAuditAnchor()?.seq != 3 && Date() < deadline { usleep(10_000) }
        #expect(try archive.latestAuditAnchor()?.seq == 3, "the last entry was never anchored")
        let seqs = try anchors(archive).map(\.seq)
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count, "anchors out of order: \(seqs)")
        #expect(try store.checkAuditChain(anchors: anchors(archive)).intact)
    }

    @Test func everyBatchIsAnchoredWithoutAnInterval() async throws {
        let (archive, _, log) = try log(every: .zero)
        for i in 0..<3 { try await log.record(actor: "u\(i)", action: "verify", target: "copy", detail: "") }
        #expect(try anchors(archive).map(\.seq) == [1, 2, 3])
    }
}

/// The hub server's spool of access-log lines while the shared log cannot be written.
@Suite struct AuditSpoolTests {
    let dir = TempDirectory()

    func item(_ n: Int) -> ServerStore.AuditItem {
        ServerStore.AuditItem(at: "2026-12-07T00:00:0\(n)Z", actor: "public", action: "verify", target: "copy:\(n)", detail: "qr PASSED")
    }

    @Test func linesComeBackInOrderAndACutLastLineIsLeftOut() throws {
        let spool = AuditSpool(path: dir.path + "/" + AuditSpool.fileName, isOutage: { _ in true })
        #expect(spool.isEmpty)
        try spool.append([item(1), item(2)])
        try spool.append([item(3)])
        #expect(try spool.load().map(\.target) == ["copy:1", "copy:2", "copy:3"])
        // A crash while a line was written (never synced, so never answered): the rest still reads.
        let h = try #require(FileHandle(forWritingAtPath: spool.path))
        h.seekToEndOfFile()
        h.write(Data("{\"action\":\"ver".utf8))
        h.closeFile()
        #expect(try spool.load().map(\.target) == ["copy:1", "copy:2", "copy:3"])
        try spool.clear()
        #expect(spool.isEmpty)
        #expect(try spool.load().isEmpty)
    }

    @Test func aFullSpoolRefusesRatherThanGrowing() throws {
        let spool = AuditSpool(path: dir.path + "/" + AuditSpool.fileName, isOutage: { _ in true }, maxBytes: 200)
        try spool.append([item(1)])
        let e = #expect(throws: HosoError.self) { try spool.append([item(2), item(3)]) }
        #expect(e?.code == .diskFull)
        #expect(try spool.load().count == 1)
    }
}
