import Foundation
import HosoCore
import HosoLog
import HosoPostgres
import HosoPrimitives
import HosoTestSupport
import Synchronization
import Testing

/// The two storages behind `LogStore`.
enum LogStorageKind: String, CaseIterable, CustomTestStringConvertible {
    case files, postgres
    var testDescription: String { rawValue }
}

/// A keyed SHA-256 as the note key (the node key's OpenSSL signatures are tested in HosoKit).
struct LogTestKey: NoteSigner, NoteVerifier {
    var secret: [UInt8] = Array("secret".utf8)
    var keyName = "hoso.test/hub"
    var keyID: [UInt8] { Array(SHA256.hash(Array(keyName.utf8) + [0x0A, 0xFF] + secret).prefix(4)) }
    func sign(_ text: [UInt8]) throws -> [UInt8] { SHA256.hash(secret + text) }
    func verify(_ text: [UInt8], signature: [UInt8]) -> Bool { signature == SHA256.hash(secret + text) }
}

/// One log under test: in a temporary directory, or in a database of its own on the shared cluster.
final class LogUnderTest {
    let kind: LogStorageKind
    let store: LogStore
    let folder = TempDirectory("pglog")
    let cluster: PostgresCluster?
    let client: BlockingPostgresClient?
    let url: String
    let database: String

    init(_ kind: LogStorageKind) throws {
        self.kind = kind
        switch kind {
        case .files:
            store = LogStore(dir: folder.path + "/log")
            (cluster, client, url, database) = (nil, nil, "", "")
        case .postgres:
            let c = try PostgresCluster.shared()
            url = try c.createDatabase()
            database = String(url.split(separator: "/").last!)
            let client = try BlockingPostgresClient(url)
            let storage = PostgresLogStorage(client: client)
            try storage.migrate()
            store = LogStore(storage: storage)
            (cluster, self.client) = (c, client)
        }
    }

    deinit {
        client?.close()
        if let cluster, !database.isEmpty { _ = try? cluster.psql("DROP DATABASE \(database) WITH (FORCE)") }
    }

    @discardableResult
    func psql(_ sql: String) throws -> String { try cluster!.psql(sql, database: database) }
}

func logErrorCode(_ body: () throws -> Void) -> HosoError.Code? {
    do {
        try body()
        return nil
    } catch let e as HosoError { return e.code } catch { return .internalError }
}

/// RFC 9162's MTH written out recursively from the entries, independent of any stored tree.
func referenceRoot(_ d: ArraySlice<[UInt8]>, _ h: TreeHasher = TreeHasher()) -> LogHash {
    if d.isEmpty { return .emptyTree }
    if d.count == 1 { return h.leaf(d.first!) }
    let k = Int(Merkle.split(UInt64(d.count)))
    return h.node(referenceRoot(d.prefix(k), h), referenceRoot(d.dropFirst(k), h))
}

func events(_ n: Int, tag: String = "e") -> [[UInt8]] { (0..<n).map { Array("{\"n\":\($0),\"id\":\"\(tag)\($0)\"}".utf8) } }

@Suite struct PostgresLogStorageTests {
    @Test(arguments: LogStorageKind.allCases) func appendsProofsCheckpointsAndVerification(kind: LogStorageKind) throws {
        let t = try LogUnderTest(kind)
        let key = LogTestKey()
        let data = events(21)
        #expect(try t.store.head() == LogHead(size: 0, sequence: 0))
        #expect(!t.store.exists)
        var at = 0
        var seq = 0
        // Batches of 1, 2, 3…: appends start at every kind of right edge; a checkpoint after each.
        while at < data.count {
            let k = min(seq + 1, data.count - at)
            seq += 1
            let (head, root) = try t.store.append(Array(data[at..<(at + k)]), sequence: seq)
            at += k
            #expect(head == LogHead(size: UInt64(at), sequence: seq, checkpoint: head.checkpoint))
            #expect(root == referenceRoot(data[0..<at]))
            let cp = try #require(try t.store.writeCheckpoint(origin: key.keyName, time: "t\(seq)", signer: key))
            #expect(cp.size == UInt64(at))
        }
        #expect(t.store.exists)
        #expect(try t.store.writeCheckpoint(origin: key.keyName, time: "again", signer: key) == nil)
        let r = try t.store.reader()
        #expect(r.head == LogHead(size: 21, sequence: 6, checkpoint: 21))
        let h = TreeHasher()
        for n in [1, 5, 16, 21] as [UInt64] {
            let root = try r.root(size: n)
            #expect(root == referenceRoot(data[0..<Int(n)]))
            for m in 0..<n {
                #expect(try r.entry(m) == data[Int(m)])
                #expect(try r.leafHash(m) == h.leaf(data[Int(m)]))
                let p = try r.inclusionProof(index: m, size: n)
                #expect(ProofCheck.inclusion(leaf: h.leaf(data[Int(m)]), index: m, size: n, proof: p, root: root))
                let c = try r.consistencyProof(old: m, new: n)
                #expect(ProofCheck.consistency(oldSize: m, oldRoot: try r.root(size: m), newSize: n, newRoot: root, proof: c))
            }
        }
        var scanned = [[UInt8]]()
        try r.forEachEntry { i, bytes in
            #expect(i == UInt64(scanned.count))
            scanned.append(bytes)
        }
        #expect(scanned == data)
        let start = UInt64(data[0..<7].reduce(0) { $0 + $1.count })
        #expect(try r.range(of: 7) == start..<(start + UInt64(data[7].count)))
        #expect(logErrorCode { _ = try r.entry(21) } == .logBadRequest)
        #expect(logErrorCode { _ = try r.inclusionProof(index: 0, size: 22) } == .logBadRequest)
        // Checkpoints: six, chained, the newest signed over the whole log; a witness's cosignature on it checks.
        #expect(try t.store.checkpointSizes() == [1, 3, 6, 10, 15, 21])
        let latest = try #require(try t.store.latestCheckpoint())
        let parsed = try Checkpoint.parse(latest.note, verifier: key, location: latest.path)
        #expect(parsed.size == 21 && parsed.root == referenceRoot(data[...]))
        #expect(parsed.extensionValue("prev") == String(LogStore.chainLine(previous: try t.store.checkpoint(size: 15)).dropFirst(5)))
        let witness = LogTestKey(secret: Array("office".utf8), keyName: "hoso.node/phong")
        let cosigned = try Cosignature.add(to: latest.note, body: parsed.text, signer: witness, time: 1_765_000_000)
        #expect(try Cosignature.time(in: cosigned, witness: witness, location: latest.path) == 1_765_000_000)
        #expect(
            ProofCheck.inclusion(
                leaf: h.leaf(data[4]), index: 4, proof: try r.inclusionProof(index: 4, size: 21),
                checkpoint: latest.note, verifier: key))
        let v = try t.store.verifyAll(verifier: key)
        #expect(v.size == 21 && v.root == parsed.root && v.checkpoints == 6)
        #expect(logErrorCode { _ = try t.store.verifyAll(verifier: LogTestKey(secret: [1])) } == .logCheckpointInvalid)
    }

    @Test(arguments: LogStorageKind.allCases) func anAppendOntoAMovedHeadWritesNothing(kind: LogStorageKind) throws {
        let t = try LogUnderTest(kind)
        try t.store.append(events(3), sequence: 1)
        let stale = try t.store.head()
        let snapshot = try t.store.reader()
        try t.store.append(events(2, tag: "winner"), sequence: 2)
        // A writer that read the head before the other's append names it: refused, nothing written.
        let h = TreeHasher()
        let leaf = h.leaf([9])
        #expect(
            logErrorCode { try t.store.storage.append([[9]], records: [leaf], from: stale, to: LogHead(size: 4, sequence: 2)) }
                == .logHeadMoved)
        #expect(logErrorCode { _ = try t.store.storage.storeCheckpoint([1], size: 3, from: stale) } == .logHeadMoved)
        #expect(try t.store.head() == LogHead(size: 5, sequence: 2))
        #expect(try t.store.checkpointSizes().isEmpty)
        #expect(try t.store.reader().entry(3) == events(2, tag: "winner")[0])
        _ = try t.store.verifyAll(verifier: nil)
        // The reader taken before still sees its own log: three entries and their root.
        #expect(snapshot.size == 3)
        #expect(try snapshot.root() == referenceRoot(events(3)[...]))
    }

    @Test func proofsFromPostgresEqualThoseFromFiles() throws {
        let files = try LogUnderTest(.files)
        let pg = try LogUnderTest(.postgres)
        let data = events(37)
        for (lo, hi) in [(0, 1), (1, 8), (8, 9), (9, 30), (30, 37)] {
            let a = try files.store.append(Array(data[lo..<hi]), sequence: hi)
            let b = try pg.store.append(Array(data[lo..<hi]), sequence: hi)
            #expect(a.0 == b.0 && a.1 == b.1)
        }
        let (rf, rp) = (try files.store.reader(), try pg.store.reader())
        for n in [1, 8, 9, 16, 31, 37] as [UInt64] {
            #expect(try rf.root(size: n) == rp.root(size: n))
            for m in 0..<n {
                #expect(try rf.inclusionProof(index: m, size: n) == rp.inclusionProof(index: m, size: n))
                #expect(try rf.consistencyProof(old: m, new: n) == rp.consistencyProof(old: m, new: n))
            }
        }
        // The stored trees themselves are the same records: the `tree` file's bytes, row by row.
        let tree = try files.folder.read("log/tree")
        let rows = try pg.psql("SELECT string_agg(encode(hash, 'hex'), '' ORDER BY pos) FROM hoso_log_tree")
        #expect(rows == Hex.encode(tree))
    }

    @Test func aFailedAppendLeavesTheOldHeadAndNoRows() throws {
        let t = try LogUnderTest(.postgres)
        try t.store.append(events(5), sequence: 1)
        let before = try t.store.head()
        let root = try t.store.reader().root()
        // A stray tree row where the next append writes (as a role with INSERT could leave): that append's head
        // update and entry rows go through first, then its tree insert fails, and the whole transaction with it.
        let next = TreeLayout.records(forSize: 5)
        try t.psql("INSERT INTO hoso_log_tree (pos, hash) VALUES (\(next + 1), '\\x\(String(repeating: "ab", count: 32))')")
        #expect(logErrorCode { try t.store.append(events(3, tag: "lost"), sequence: 2) } == .postgresError)
        #expect(try t.store.head() == before)
        #expect(try t.psql("SELECT count(*) FROM hoso_log_entries") == "5")
        #expect(try t.psql("SELECT count(*) FROM hoso_log_tree") == "\(next + 1)")
        #expect(try t.store.reader().root() == root)
        try t.psql("DELETE FROM hoso_log_tree WHERE pos = \(next + 1)")
        try t.store.append(events(3, tag: "kept"), sequence: 2)
        #expect(try t.store.verifyAll(verifier: nil).root == referenceRoot((events(5) + events(3, tag: "kept"))[...]))
    }

    @Test func twoClientsAppendingAtOnceOneWinsTheOtherIsRefused() throws {
        let t = try LogUnderTest(.postgres)
        let key = LogTestKey()
        try t.store.append(events(4), sequence: 1)
        try t.store.writeCheckpoint(origin: key.keyName, time: "t1", signer: key)
        // Two application servers, each with its own connections, on one database.
        let a = LogStore(storage: PostgresLogStorage(client: try BlockingPostgresClient(t.url)))
        let b = LogStore(storage: PostgresLogStorage(client: try BlockingPostgresClient(t.url)))
        // A third session holds the head row, so both read the same head and then queue on it: a true race, every run.
        let holder = try BlockingPostgresClient(t.url)
        let release = DispatchSemaphore(value: 0)
        let held = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            _ = try? holder.transaction { c in
                try c.execute("SELECT 1 FROM hoso_log_head WHERE id = 1 FOR UPDATE")
                held.signal()
                release.wait()
            }
        }
        held.wait()
        let outcomes = Mutex<[String: HosoError.Code?]>([:])
        for (name, store) in [("a", a), ("b", b)] {
            DispatchQueue.global().async(group: group) {
                let code = logErrorCode { try store.append(events(3, tag: name), sequence: 2) }
                outcomes.withLock { $0[name] = code }
            }
        }
        // Both appends wait on the head row (polled, no fixed sleep), then the holder lets go.
        let deadline = Date().addingTimeInterval(120)
        while try t.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
            != "2" && Date() < deadline
        {
            usleep(20_000)
        }
        release.signal()
        group.wait()
        let result = outcomes.withLock { $0 }
        let winners = result.filter { $0.value == nil }.map(\.key)
        #expect(winners.count == 1, "\(result)")
        #expect(result.values.filter { $0 == .logHeadMoved }.count == 1, "\(result)")
        let winner = try #require(winners.first)
        #expect(try t.store.head() == LogHead(size: 7, sequence: 2, checkpoint: 4))
        #expect(try t.psql("SELECT count(*) FROM hoso_log_entries") == "7")
        let v = try t.store.verifyAll(verifier: key)
        #expect(v.root == referenceRoot((events(4) + events(3, tag: winner))[...]) && v.checkpoints == 1)
        // The loser reads the new head and appends after the winner.
        let loser = winner == "a" ? b : a
        try loser.append(events(1, tag: "late"), sequence: 3)
        #expect(try t.store.verifyAll(verifier: key).size == 8)
        holder.close()
    }

    @Test func aReaderKeepsItsSnapshotWhileAnotherServerAppends() throws {
        let t = try LogUnderTest(.postgres)
        let key = LogTestKey()
        try t.store.append(events(5), sequence: 1)
        try t.store.writeCheckpoint(origin: key.keyName, time: "t1", signer: key)
        let r = try t.store.reader()
        let root = try r.root()
        let other = LogStore(storage: PostgresLogStorage(client: try BlockingPostgresClient(t.url)))
        try other.append(events(4, tag: "later"), sequence: 2)
        try other.writeCheckpoint(origin: key.keyName, time: "t2", signer: key)
        // The rows and the checkpoint added since are not seen through the old reader: its head bounds every read.
        #expect(r.size == 5 && r.head.checkpoint == 5)
        #expect(try r.root() == root && r.root(size: 5) == root)
        #expect(try r.snapshot.checkpointSizes() == [5])
        #expect(try t.store.checkpointSizes() == [5, 9])
        #expect(try t.store.verifyAll(verifier: key).checkpoints == 2)
    }

    @Test func damageInTheTablesIsFound() throws {
        let t = try LogUnderTest(.postgres)
        let key = LogTestKey()
        try t.store.append(events(6), sequence: 1)
        try t.store.writeCheckpoint(origin: key.keyName, time: "t1", signer: key)
        try t.store.append(events(2, tag: "x"), sequence: 2)
        _ = try t.store.verifyAll(verifier: key)
        // A flipped byte in a tree record: the recomputed hash differs.
        try t.psql("UPDATE hoso_log_tree SET hash = set_byte(hash, 0, get_byte(hash, 0) # 1) WHERE pos = 3")
        #expect(logErrorCode { _ = try t.store.verifyAll(verifier: key) } == .logCorrupt)
        try t.psql("UPDATE hoso_log_tree SET hash = set_byte(hash, 0, get_byte(hash, 0) # 1) WHERE pos = 3")
        // A deleted entry below the head: missing, not skipped.
        let saved = try t.psql("SELECT encode(bytes, 'hex') FROM hoso_log_entries WHERE n = 2")
        try t.psql("DELETE FROM hoso_log_entries WHERE n = 2")
        #expect(logErrorCode { _ = try t.store.verifyAll(verifier: key) } == .logTruncated)
        #expect(logErrorCode { _ = try t.store.reader().entry(2) } == .logTruncated)
        try t.psql("INSERT INTO hoso_log_entries (n, bytes) VALUES (2, '\\x\(saved)')")
        _ = try t.store.verifyAll(verifier: key)
        // The head put back below a signed checkpoint (the one row that is updated): the checkpoint says so.
        try t.psql("UPDATE hoso_log_head SET size = 4, checkpoint = 0")
        #expect(logErrorCode { _ = try t.store.verifyAll(verifier: key) } == .logTruncated)
    }
}
