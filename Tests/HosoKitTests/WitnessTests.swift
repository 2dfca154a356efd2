import Foundation
import HosoCore
import HosoKit
import HosoLog
import HosoSigning
import HosoStore
import HosoTestSupport
import HosoTransport
import Testing

@testable import HosoSync

#if canImport(Glibc)
import Glibc
#endif

/// Witnessing through sync, on real archives: an office and schools (`District`), real HTTP on loopback and real
/// bundles. A school's log rolled back, forked or cut is caught at its next sync with the office, on both sides.
@Suite(.serialized) struct WitnessTests {
    /// A copy of an archive's directory taken now (a backup), opened as its own archive.
    func backup(_ x: Archive, _ d: District, as name: String) throws -> String {
        let path = d.dir.path + "/" + name
        try FileManager.default.copyItem(atPath: x.root, toPath: path)
        return path
    }

    func open(_ path: String, _ d: District) throws -> Archive { try Archive.open(at: path, clock: .fixed(d.now)) }

    func serve(_ x: Archive) throws -> (HTTPServiceBox, String) {
        let server = x.syncServer(host: "127.0.0.1", port: 0)
        let port = try server.start()
        return (HTTPServiceBox(server), "http://127.0.0.1:\(port)/sync")
    }

    func write(_ x: Archive, _ id: String, _ n: Int = 1) throws {
        for i in 0..<n { _ = try x.createRecord(type: "note", id: "a/\(id)-\(i)", body: note("\(id) \(i)"), author: "gv-a") }
    }

    /// The evidence of an incident: both checkpoints as files, each signed by the school's key.
    func expectEvidence(_ x: Archive, kind: WitnessIncident.Kind, by: String, school: Archive) throws {
        let found = try x.witnessIncidents().filter { $0.kind == kind && $0.detectedBy == by }
        let all = try x.witnessIncidents()
        try #require(found.count == 1, "\(all)")
        let dir = try #require(
            x.witnessFiles.incidentDirectories().first { dir in
                (try? String(contentsOfFile: dir + "/incident.json", encoding: .utf8))?.contains("\"detectedBy\" : \"\(by)\"") ?? false
            })
        let held = try String(contentsOfFile: dir + "/held.checkpoint", encoding: .utf8)
        let received = try String(contentsOfFile: dir + "/received.checkpoint", encoding: .utf8)
        #expect(held == found[0].held && received == found[0].received && held != received)
        #expect(held.hasPrefix("hoso.node/truong-a\n") && received.hasPrefix("hoso.node/truong-a\n"))
        #expect(try school.logWitnesses().allSatisfy { $0.name == "phong" })
    }

    @Test func aNormalSyncIsWitnessedOverHTTPAndByBundle() throws {
        let d = try District()
        let (server, url) = try serve(d.office)
        defer { server.stop() }
        try write(d.a, "so-diem")
        let first = try d.a.sync(url: url, peer: "phong")
        #expect(first.witness.incidents.isEmpty && first.witness.witnessedBy == "phong")
        let size1 = try #require(first.witness.witnessedSize)
        #expect(try d.a.logWitnesses().first?.size == size1 && d.a.logWitnesses().first?.name == "phong")
        // The school grows its log; the office checks the consistency proof from what it held and cosigns again.
        try write(d.a, "hoc-ba", 2)
        let second = try d.a.sync(url: url, peer: "phong")
        #expect(second.witness.incidents.isEmpty)
        #expect(try #require(second.witness.witnessedSize) > size1)
        // The school checked the office's checkpoint too and keeps it.
        let officeNode = try d.office.nodeInfo().node
        #expect(try second.witness.verified != nil && d.a.witnessFiles.seen(officeNode) != nil)
        // Bundles: school B sends, the office witnesses on import; the office's next bundle brings the cosignature.
        _ = try d.b.createRecord(type: "note", id: "b/x", body: note("x"), author: "gv-b")
        let imported = try d.send(d.b, d.office, as: "phong")
        #expect(imported.witness?.cosigned == true && imported.witness?.incidents.isEmpty == true)
        let back = try d.send(d.office, d.b, as: "truong-b")
        #expect(back.witness?.witnessedBy == "phong" && back.witness?.verified != nil)
        #expect(try d.b.logWitnesses().count == 1)
        // A later bundle from B proves consistency from the size the office said it holds.
        _ = try d.b.createRecord(type: "note", id: "b/y", body: note("y"), author: "gv-b")
        let later = try d.send(d.b, d.office, as: "phong")
        #expect(later.witness?.cosigned == true && later.witness?.incidents.isEmpty == true)
        #expect(try d.office.witnessIncidents().isEmpty)
    }

    // A school restores an older copy of its archive, writes and syncs: its checkpoint is smaller than the one the
    // office cosigned. Both sides report a rollback and keep both checkpoints; the objects still move.
    @Test func aRolledBackSchoolIsCaughtAtTheNextHTTPSync() throws {
        let d = try District()
        let (server, url) = try serve(d.office)
        defer { server.stop() }
        try write(d.a, "one")
        _ = try d.a.sync(url: url, peer: "phong")
        let old = try backup(d.a, d, as: "truong-a-backup")
        try write(d.a, "two", 4)
        _ = try d.a.sync(url: url, peer: "phong")
        let restored = try open(old, d)
        try write(restored, "after-restore")
        let r = try restored.sync(url: url, peer: "phong")
        #expect(r.witness.incidents.map(\.kind) == [.rollback] && r.witness.incidents.first?.detectedBy == "phong")
        #expect(r.witness.witnessedBy == nil && r.pushed > 0)
        try expectEvidence(d.office, kind: .rollback, by: "here", school: restored)
        try expectEvidence(restored, kind: .rollback, by: "phong", school: restored)
        // Reported again at every sync until someone looks into it, without piling up copies of the evidence.
        let again = try restored.sync(url: url, peer: "phong")
        #expect(again.witness.incidents.map(\.kind) == [.rollback])
        #expect(try d.office.witnessIncidents().count == 1 && restored.witnessIncidents().count == 1)
        #expect(try restored.fsck().ok && d.office.fsck().ok)
    }

    // Two machines made from one backup both write and both send bundles to the office: the second one's log does
    // not extend the first's. The office records a fork; its next bundle tells that machine.
    @Test func twoMachinesFromOneBackupAreAForkCaughtByBundle() throws {
        let d = try District()
        try write(d.a, "base")
        _ = try d.send(d.a, d.office, as: "phong")
        _ = try d.send(d.office, d.a, as: "truong-a")
        let twin = try open(try backup(d.a, d, as: "truong-a-twin"), d)
        try write(d.a, "machine-1", 2)
        try write(twin, "machine-2", 3)
        let first = try d.send(d.a, d.office, as: "phong")
        #expect(first.witness?.cosigned == true && first.witness?.incidents.isEmpty == true)
        // The twin numbers its bundle as the first machine did: refused as a replay; its next one is taken.
        #expect(throws: HosoError.self) { try d.send(twin, d.office, as: "phong") }
        try write(twin, "machine-2-later")
        let second = try d.send(twin, d.office, as: "phong")
        #expect(second.witness?.incidents.map(\.kind) == [.fork] && second.witness?.cosigned == false)
        #expect(second.result.revisions == 4)  // the twin's records are kept: nothing is lost
        try expectEvidence(d.office, kind: .fork, by: "here", school: twin)
        let told = try d.send(d.office, twin, as: "truong-a")
        #expect(told.witness?.incidents.map(\.kind) == [.fork])
        try expectEvidence(twin, kind: .fork, by: "phong", school: twin)
    }

    // The same over HTTP: the office finds the fork when the second machine syncs, and tells it in its answer.
    @Test func twoMachinesFromOneBackupAreAForkCaughtOverHTTP() throws {
        let d = try District()
        let (server, url) = try serve(d.office)
        defer { server.stop() }
        try write(d.a, "base")
        _ = try d.a.sync(url: url, peer: "phong")
        let twin = try open(try backup(d.a, d, as: "truong-a-twin"), d)
        try write(d.a, "machine-1", 2)
        try write(twin, "machine-2", 3)
        #expect(try d.a.sync(url: url, peer: "phong").witness.incidents.isEmpty)
        let second = try twin.sync(url: url, peer: "phong")
        #expect(second.witness.incidents.map(\.kind) == [.fork] && second.witness.witnessedBy == nil && second.pushed == 3)
        try expectEvidence(d.office, kind: .fork, by: "here", school: twin)
        try expectEvidence(twin, kind: .fork, by: "phong", school: twin)
        // The first machine's log still extends what the office holds, so it is still witnessed; and it learns of the
        // fork too (the checkpoint held in the evidence is its own: two machines share one identity).
        try write(d.a, "machine-1-later")
        let first = try d.a.sync(url: url, peer: "phong")
        #expect(first.witness.witnessedBy == "phong" && first.witness.incidents.map(\.kind) == [.fork])
        try expectEvidence(d.a, kind: .fork, by: "phong", school: d.a)
    }

    // The school's log files are cut back (the head rewritten to match, later checkpoints deleted) as someone hiding
    // entries would; the next sync, HTTP or bundle, is caught on both sides.
    @Test(arguments: ["http", "bundle"]) func aTruncatedLogIsCaughtAtTheNextSync(_ path: String) throws {
        let d = try District()
        let (server, url) = try serve(d.office)
        defer { server.stop() }
        try write(d.a, "one", 3)
        if path == "http" {
            _ = try d.a.sync(url: url, peer: "phong")
        } else {
            _ = try d.send(d.a, d.office, as: "phong")
            _ = try d.send(d.office, d.a, as: "truong-a")
        }
        try Self.cut(d.a.log, keeping: 3)
        let school = try open(d.a.root, d)
        try write(school, "after-cut")
        let incidents: [WitnessIncident]
        if path == "http" {
            incidents = try school.sync(url: url, peer: "phong").witness.incidents
            try expectEvidence(school, kind: incidents.first?.kind ?? .fork, by: "phong", school: school)
        } else {
            incidents = try #require(try d.send(school, d.office, as: "phong").witness).incidents
            let told = try d.send(d.office, school, as: "truong-a")
            #expect(told.witness?.incidents.map(\.kind) == incidents.map(\.kind))
            try expectEvidence(school, kind: incidents.first?.kind ?? .fork, by: "phong", school: school)
        }
        #expect(incidents.count == 1)
        try expectEvidence(d.office, kind: incidents.first?.kind ?? .fork, by: "here", school: school)
    }

    /// Cuts a log to its first `keeping` entries as an attacker would: files truncated, head rewritten, checkpoints
    /// above removed.
    static func cut(_ log: LogStore, keeping k: UInt64) throws {
        let head = try log.head()
        let kept = try log.checkpointSizes().filter { $0 <= k }.last ?? 0
        let r = try log.reader()
        let end = try r.range(of: k - 1).upperBound
        for (name, size) in [("entries", end), ("entries.idx", k * 8), ("tree", TreeLayout.records(forSize: k) * 32)] {
            #expect(truncate(log.dir + "/" + name, off_t(size)) == 0)
        }
        for s in try log.checkpointSizes() where s > k {
            try FileManager.default.removeItem(atPath: log.checkpointsDir + "/" + Self.pad(s))
        }
        let line = "hoso-log-1 " + pad(k) + " " + pad(UInt64(head.sequence)) + " " + pad(kept) + "\n"
        try Data(line.utf8).write(to: URL(fileURLWithPath: log.dir + "/head"))
    }

    static func pad(_ v: UInt64) -> String { String(repeating: "0", count: 20 - String(v).count) + String(v) }

    // A checkpoint signed by another key than the peer's, and a forged cosignature, are refused: nothing is kept.
    @Test func aForeignCheckpointAndAForgedCosignatureAreRefused() throws {
        let d = try District()
        let (server, url) = try serve(d.office)
        defer { server.stop() }
        try write(d.a, "one")
        _ = try d.a.sync(url: url, peer: "phong")
        let officeCert = try Certificate(der: try d.office.read(ObjectID(hex: try d.office.nodeInfo().certificate)!))
        // School A's request carrying school B's checkpoint as its own.
        _ = try d.b.createRecord(type: "note", id: "b/x", body: note("x"), author: "gv-b")
        let bNote = try #require(try d.b.log.latestCheckpoint()).note
        let client = SyncClient(
            url: url, node: try d.a.nodeInfo().node, identity: try District.nodeKey(d.a), server: officeCert, clock: .fixed(d.now))
        let foreign = WitnessMessage(checkpoint: String(decoding: bNote, as: UTF8.self))
        let held = try d.office.witnessFiles.seen(try d.a.nodeInfo().node)
        #expect(throws: HosoError.self) { _ = try client.witness(foreign) }
        do { _ = try client.witness(foreign) } catch let e as HosoError { #expect(e.code.rawValue == "LOG_CHECKPOINT_INVALID") }
        #expect(try d.office.witnessFiles.seen(try d.a.nodeInfo().node) == held)
        #expect(try d.office.witnessIncidents().isEmpty)
        // The office sending school A a cosignature whose signature bytes were altered: A refuses it and keeps none.
        let (aServer, aURL) = try serve(d.a)
        defer { aServer.stop() }
        let genuine = try #require(try d.a.witnessFiles.cosigned().first).note
        var text = String(decoding: genuine, as: UTF8.self)
        let lines = text.split(separator: "\n")
        let last = String(lines.last!)
        let parts = last.split(separator: " ")
        var raw = Array(Data(base64Encoded: String(parts[2]))!)
        raw[raw.count - 5] ^= 0x01
        text = text.replacingOccurrences(of: last, with: "\(parts[0]) \(parts[1]) " + Data(raw).base64EncodedString())
        let before = try d.a.witnessFiles.cosigned().count
        let office = SyncClient(
            url: aURL, node: try d.office.nodeInfo().node, identity: try District.nodeKey(d.office),
            server: try Certificate(der: try d.a.read(ObjectID(hex: try d.a.nodeInfo().certificate)!)), clock: .fixed(d.now))
        do {
            _ = try office.witness(WitnessMessage(cosigned: text))
            Issue.record("a forged cosignature was accepted")
        } catch let e as HosoError { #expect(e.code.rawValue == "LOG_CHECKPOINT_INVALID") }
        #expect(try d.a.witnessFiles.cosigned().count == before)
    }
}

/// Stops a server when the test ends.
final class HTTPServiceBox {
    let server: HTTPService
    init(_ s: HTTPService) { server = s }
    func stop() { server.stop() }
}
