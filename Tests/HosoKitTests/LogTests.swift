import Foundation
import HosoCore
import HosoKit
import HosoLog
import HosoRecords
import HosoSigning
import HosoTestSupport
import Testing

/// The archive's transparency log: what is logged, proofs, signed checkpoints, crash catch-up, and the attacks a person
/// with access to the files (but not the node key) could try.
@Suite struct ArchiveLogTests {
    let dir = TempDirectory("log")
    let clock = HosoClock.fixed(HosoClock.parse("2026-12-01T08:00:00Z")!)

    func archive(node: String? = "ec") throws -> Archive {
        let a = try Archive.create(at: dir.path + "/a", clock: clock)
        guard let node else { return a }
        let pki = try DemoPKIFixture(in: dir.path + "/pki", now: clock.now() - 86_400)
        let identity =
            node == "rsa"
            ? try pki.identity("hieu-truong")
            : try DemoPKI.issueNode(pki: pki.dir, name: "truong-a", organization: "test", clock: clock)
        try a.initNode(name: "truong-a", role: .school, identity: identity)
        return a
    }

    func addRecords(_ a: Archive, _ range: Range<Int>) throws {
        for i in range {
            _ = try a.createRecord(
                type: "note", id: "note-\(i)", body: .object([JSONMember("text", .string("ghi chú \(i)"))]), author: "cb\(i)")
        }
    }

    func code(_ body: () throws -> Void) -> HosoError.Code? {
        do {
            try body()
            return nil
        } catch let e as HosoError { return e.code } catch { return .internalError }
    }

    @Test(arguments: ["ec", "rsa"])
    func everyObjectIsLoggedSignedAndProvable(key: String) throws {
        let a = try archive(node: key)
        try addRecords(a, 0..<4)
        let check = try a.verifyLog()
        #expect(check.signaturesChecked && check.checkpoints >= 4)
        // The node certificate and four revisions.
        #expect(check.size == 5 && check.objects == 5)
        let status = try a.logStatus()
        #expect(status.checkpointSize == status.size)
        #expect(status.checkpoint?.hasPrefix("hoso.node/truong-a\n5\n") == true)
        let proof = try a.proveInLog("note-2")
        let event = try #require(LogEvent.parse(Array(proof.entry.utf8)))
        #expect(event.record == "note-2" && event.type == "note" && event.actor == "cb2" && event.kind == "record")
        #expect(
            ProofCheck.inclusion(
                leaf: LogHash(hex: proof.leafHash)!, index: proof.index, size: proof.treeSize, proof: proof.proof.map { LogHash(hex: $0)! },
                root: LogHash(hex: proof.root)!))
        #expect(try a.fsck().ok)
        #expect(code { _ = try a.proveInLog("no-such-record") } == .logEntryNotFound)
    }

    @Test func withoutANodeKeyTheLogHasNoCheckpoints() throws {
        let a = try archive(node: nil)
        try addRecords(a, 0..<3)
        let check = try a.verifyLog()
        #expect(check.size == 3 && check.checkpoints == 0 && !check.signaturesChecked)
    }

    /// Objects durable, log not: a write that stopped after its objects (the log files as they were before it).
    @Test func aLogBehindTheObjectsIsCaughtUpAtOpen() throws {
        let a = try archive()
        try addRecords(a, 0..<2)
        let saved = dir.path + "/log-before"
        try FileManager.default.copyItem(atPath: a.log.dir, toPath: saved)
        try addRecords(a, 2..<4)
        try FileManager.default.removeItem(atPath: a.log.dir)
        try FileManager.default.copyItem(atPath: saved, toPath: a.log.dir)
        #expect(code { _ = try a.verifyLog() } == nil, "a log legitimately behind is not damage")
        let reopened = try Archive.open(at: a.root, clock: clock)
        let check = try reopened.verifyLog()
        #expect(check.size == 5 && check.objects == 5)
        let late = try LogEvent.parse(Array(reopened.proveInLog("note-3").entry.utf8))
        #expect(late?.late == true)
        #expect(try reopened.fsck().ok)
    }

    @Test func truncatingTheLogIsDetected() throws {
        let a = try archive()
        try addRecords(a, 0..<4)
        let tree = a.log.dir + "/tree"
        let size = try FileManager.default.attributesOfItem(atPath: tree)[.size] as! Int
        #expect(truncate(tree, off_t(size - 64)) == 0)
        #expect(code { _ = try a.verifyLog() } == .logTruncated)
        #expect(try a.fsck().ok == false)
    }

    /// The attacker rebuilds the whole log with hashes recomputed, entries cut, changed or swapped; without the key
    /// the checkpoints (or the objects) give it away.
    @Test(arguments: ["cut", "rewrite", "swap"])
    func aLogRebuiltWithoutTheKeyIsDetected(attack: String) throws {
        let a = try archive()
        try addRecords(a, 0..<4)
        let r = try a.log.reader()
        var entries = try (0..<r.size).map { try r.entry($0) }
        switch attack {
        case "cut": entries.removeLast(2)
        case "rewrite":
            var e = LogEvent.parse(entries[2])!
            e.actor = "ke-gian"
            entries[2] = e.bytes
        default: entries.swapAt(1, 3)
        }
        let forged = LogStore(dir: dir.path + "/forged")
        try forged.append(entries, sequence: r.head.sequence)
        for name in ["entries", "entries.idx", "tree"] {
            try FileManager.default.removeItem(atPath: a.log.dir + "/" + name)
            try FileManager.default.copyItem(atPath: forged.dir + "/" + name, toPath: a.log.dir + "/" + name)
        }
        // The head too, keeping the checkpoint it names (a forger rewrites it as well).
        var head = try forged.head()
        head.checkpoint = try a.log.head().checkpoint
        let line = String(format: "hoso-log-1 %020llu %020llu %020llu\n", head.size, UInt64(head.sequence), min(head.checkpoint, head.size))
        try Data(line.utf8).write(to: URL(fileURLWithPath: a.log.dir + "/head"))
        #expect(code { _ = try a.verifyLog() } != nil)
        let report = try a.fsck()
        #expect(!report.ok && report.damaged.contains { $0.problem == "log" })
    }

    @Test func deletingACheckpointIsDetected() throws {
        let a = try archive()
        try addRecords(a, 0..<3)
        let sizes = try a.log.checkpointSizes()
        #expect(sizes.count >= 3)
        for victim in [sizes[1], sizes.last!] {
            let b = try Archive.open(at: a.root, clock: clock)
            let path = b.log.checkpointsDir + "/" + String(format: "%020llu", victim)
            let saved = try Data(contentsOf: URL(fileURLWithPath: path))
            try FileManager.default.removeItem(atPath: path)
            #expect(code { _ = try b.verifyLog() } == .logCheckpointInvalid, "checkpoint \(victim)")
            #expect(try b.fsck().ok == false)
            try saved.write(to: URL(fileURLWithPath: path))
            #expect(code { _ = try b.verifyLog() } == nil)
        }
    }

    @Test func aCheckpointSignedByAnotherKeyIsRefused() throws {
        let a = try archive()
        try addRecords(a, 0..<2)
        let other = try PrivateKey.generate(.ecP256)
        let latest = try #require(try a.log.latestCheckpoint())
        let cp = try Checkpoint.parse(latest.note, verifier: nil, location: latest.path)
        struct Forger: NoteSigner {
            let key: PrivateKey
            let keyName = "hoso.node/truong-a"
            let keyID: [UInt8]
            func sign(_ text: [UInt8]) throws -> [UInt8] { try KeySignature.sign(text, with: key) }
        }
        // Same name and key ID as the node's (both are public), another key: the signature fails.
        let keyID = Array(
            Data(base64Encoded: String(String(decoding: latest.note, as: UTF8.self).split(separator: " ").last!.dropLast()))!.prefix(4))
        let forged = try cp.signed(by: Forger(key: other, keyID: keyID))
        try Data(forged).write(to: URL(fileURLWithPath: latest.path))
        #expect(code { _ = try a.verifyLog() } == .logCheckpointInvalid)
    }
}
