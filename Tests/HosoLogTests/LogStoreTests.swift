import Foundation
import HosoCore
import HosoLog
import HosoPrimitives
import HosoTestSupport
import Testing

/// A stand-in key for the store's own tests (the node key's OpenSSL signatures are tested in HosoKit):
/// a keyed SHA-256, so a forger without the secret cannot sign.
struct TestKey: NoteSigner, NoteVerifier {
    var secret: [UInt8] = Array("secret".utf8)
    var keyName = "hoso.test/log"
    var keyID: [UInt8] { Array(SHA256.hash(Array(keyName.utf8) + [0x0A, 0xFF] + secret).prefix(4)) }
    func sign(_ text: [UInt8]) throws -> [UInt8] { SHA256.hash(secret + text) }
    func verify(_ text: [UInt8], signature: [UInt8]) -> Bool { signature == SHA256.hash(secret + text) }
}

func logCode(_ body: () throws -> Void) -> HosoError.Code? {
    do {
        try body()
        return nil
    } catch let e as HosoError { return e.code } catch { return .internalError }
}

@Suite struct LogStoreTests {
    @Test func appendsInBatchesGiveTheNaiveTreeAndProofs() throws {
        let dir = TempDirectory("log")
        let store = LogStore(dir: dir.path + "/log")
        let data = randomLeaves(70, seed: 7)
        var at = 0
        var seq = 0
        // Batches of every size from 1 up, so appends start at every kind of right edge.
        while at < data.count {
            let k = min(seq + 1, data.count - at)
            seq += 1
            let (head, root) = try store.append(Array(data[at..<(at + k)]), sequence: seq)
            at += k
            #expect(head.size == UInt64(at) && head.sequence == seq)
            #expect(root.bytes == Naive.mth(data[0..<at]))
        }
        let r = try store.reader()
        let h = TreeHasher()
        for n in 1...UInt64(data.count) {
            let root = try r.root(size: n)
            #expect(root.bytes == Naive.mth(data[0..<Int(n)]))
            for m in 0..<n {
                #expect(try r.entry(m) == data[Int(m)])
                let p = try r.inclusionProof(index: m, size: n)
                #expect(ProofCheck.inclusion(leaf: h.leaf(data[Int(m)]), index: m, size: n, proof: p, root: root))
                let c = try r.consistencyProof(old: m, new: n)
                #expect(ProofCheck.consistency(oldSize: m, oldRoot: try r.root(size: m), newSize: n, newRoot: root, proof: c))
            }
        }
        #expect(try store.verifyAll(verifier: nil).root.bytes == Naive.mth(data[...]))
    }

    @Test func unacknowledgedBytesAreIgnoredThenCut() throws {
        let dir = TempDirectory("log")
        let store = LogStore(dir: dir.path + "/log")
        try store.append([[1], [2], [3]], sequence: 1)
        let root = try store.reader().root()
        // An append that stopped before its head: a whole record and a torn one in every file.
        for name in ["entries", "entries.idx", "tree"] {
            let h = FileHandle(forWritingAtPath: dir.path + "/log/" + name)!
            h.seekToEndOfFile()
            h.write(Data(repeating: 0xAB, count: 45))
            h.closeFile()
        }
        #expect(try store.reader().root() == root)
        _ = try store.verifyAll(verifier: nil)
        let (head, _) = try store.append([[4]], sequence: 2)
        #expect(head.size == 4)
        #expect(try store.reader().entry(3) == [4])
        _ = try store.verifyAll(verifier: nil)
    }

    @Test func truncatedFilesAreDamageNotACrash() throws {
        for name in ["entries", "entries.idx", "tree"] {
            let dir = TempDirectory("log")
            let store = LogStore(dir: dir.path + "/log")
            try store.append((0..<9).map { [UInt8($0), 1, 2] }, sequence: 1)
            let path = dir.path + "/log/" + name
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            #expect(truncate(path, off_t(size - 5)) == 0)
            let code = logCode { _ = try store.verifyAll(verifier: nil) }
            #expect(code == .logTruncated || code == .logCorrupt, "\(name): \(String(describing: code))")
            #expect(logCode { try store.append([[9]], sequence: 2) } != nil, "\(name)")
        }
    }

    @Test func aHostileHeadOrIndexGivesAClearError() throws {
        let dir = TempDirectory("log")
        let store = LogStore(dir: dir.path + "/log")
        try store.append([[1], [2]], sequence: 1)

        var bytes = try dir.read("log/entries.idx")
        bytes[8..<16] = ArraySlice(withUnsafeBytes(of: UInt64.max.littleEndian) { Array($0) })
        dir.write("log/entries.idx", bytes)
        #expect(logCode { _ = try store.reader().entry(1) } == .logCorrupt)
        #expect(logCode { _ = try store.verifyAll(verifier: nil) } != nil)
        dir.write("log/head", "hoso-log-1 99999999999999999999 00000000000000000001 00000000000000000000\n")
        #expect(logCode { _ = try store.reader() } == .logCorrupt)
        dir.write("log/head", "junk")
        #expect(logCode { _ = try store.head() } == .logCorrupt)
    }

    @Test func rewrittenEntryWithRecomputedHashesIsCaughtByTheCheckpoint() throws {
        let dir = TempDirectory("log")
        let store = LogStore(dir: dir.path + "/log")
        let key = TestKey()
        let data: [[UInt8]] = (0..<10).map { Array("event \($0)".utf8) }
        try store.append(Array(data[0..<6]), sequence: 1)
        try store.writeCheckpoint(origin: "hoso.test/log", time: "2026-12-07T00:00:00Z", signer: key)
        try store.append(Array(data[6...]), sequence: 2)
        try store.writeCheckpoint(origin: "hoso.test/log", time: "2026-12-07T00:01:00Z", signer: key)
        #expect(try store.verifyAll(verifier: key).checkpoints == 2)
        // The attacker rebuilds the whole log with entry 3 changed: every hash consistent, the checkpoints not.
        var forged = data
        forged[3] = Array("event X".utf8)
        let rebuilt = LogStore(dir: dir.path + "/forged")
        try rebuilt.append(forged, sequence: 2)
        for name in ["entries", "entries.idx", "tree", "head"] {
            dir.write("log/" + name, try dir.read("forged/" + name))
        }
        #expect(logCode { _ = try store.verifyAll(verifier: key) } == .logCheckpointInvalid)
        // Re-signing needs the key: another key's signature is refused.
        #expect(logCode { _ = try store.verifyAll(verifier: TestKey(secret: [1])) } == .logCheckpointInvalid)
    }

    @Test func deletedOrSwappedPiecesAreFound() throws {
        let dir = TempDirectory("log")
        let store = LogStore(dir: dir.path + "/log")
        let key = TestKey()
        for s in 1...3 {
            try store.append([Array("a\(s)".utf8), Array("b\(s)".utf8)], sequence: s)
            try store.writeCheckpoint(origin: "o", time: "t", signer: key)
        }
        #expect(try store.verifyAll(verifier: key).checkpoints == 3)
        // A checkpoint removed from the middle breaks the chain.
        let middle = dir.path + "/log/checkpoints/" + String(repeating: "0", count: 19) + "4"
        let saved = try Data(contentsOf: URL(fileURLWithPath: middle))
        try FileManager.default.removeItem(atPath: middle)
        #expect(logCode { _ = try store.verifyAll(verifier: key) } == .logCheckpointInvalid)
        try saved.write(to: URL(fileURLWithPath: middle))
        // Two entries swapped (same lengths, index intact): leaf hashes no longer match the tree.
        var bytes = try dir.read("log/entries")
        bytes.swapAt(0, 2)
        bytes.swapAt(1, 3)
        dir.write("log/entries", bytes)
        #expect(logCode { _ = try store.verifyAll(verifier: key) } == .logCorrupt)
    }

    @Test func checkpointNotesFollowTheSignedNoteRules() throws {
        let key = TestKey()
        let cp = Checkpoint(origin: "hoso.test/log", size: 5, root: .emptyTree, extensions: ["time x"])
        let note = try cp.signed(by: key)
        let text = String(decoding: note, as: UTF8.self)
        #expect(text.hasPrefix("hoso.test/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ntime x\n\n— hoso.test/log "))
        #expect(try Checkpoint.parse(note, verifier: key, location: "t") == cp)
        for i in note.indices {
            var bad = note
            bad[i] ^= 0x01
            #expect(logCode { _ = try Checkpoint.parse(bad, verifier: key, location: "t") } == .logCheckpointInvalid, "byte \(i)")
        }
    }
}
