import Foundation
import HosoCore
import HosoKit
import HosoServer
import HosoTestSupport
import Testing

/// The server's share of witnessing: the public page tells a citizen that a genuine copy is in a log the office
/// witnessed (no record id, the proof folded away), and the sync-status screen says in plain words that a log was
/// rolled back.
@Suite struct WitnessPageTests {
    @Test func aWitnessedCopyAndARollbackAreShownInPlainWords() async throws {
        let fx = try Fixture()
        let clock = fx.config.clock
        let school = try Archive.open(at: fx.archivePath, clock: clock)
        let issued = try school.issueCopy(entryRef: Fixture.serial, requestId: fx.requestId, signer: fx.office, clerk: "vanthu")
        try school.initNode(
            name: "truong-a", role: .school,
            identity: try DemoPKI.issueNode(pki: fx.dir.path + "/pki", name: "truong-a", organization: "test", clock: clock))
        let office = try Archive.create(at: fx.dir.path + "/office", clock: clock)
        try office.initNode(
            name: "phong", role: .office,
            identity: try DemoPKI.issueNode(pki: fx.dir.path + "/pki", name: "phong", organization: "test", clock: clock))
        func cert(_ x: Archive) throws -> Certificate { try Certificate(der: try x.read(ObjectID(hex: try x.nodeInfo().certificate)!)) }
        try office.addPeer(name: "truong-a", certificate: cert(school), role: .school, scope: ["note:*"], author: "phong")
        try school.addPeer(name: "phong", certificate: cert(office), role: .office, scope: ["note:*"], author: "vanthu")
        func send(_ from: Archive, _ to: Archive, _ peer: String) throws -> Archive.BundleImported {
            let path = fx.dir.path + "/b-\(UUID().uuidString).tar"
            _ = try from.createBundle(for: peer, out: path)
            return try to.importBundle(path)
        }
        #expect(try send(school, office, "phong").witness?.cosigned == true)
        #expect(try send(office, school, "truong-a").witness?.witnessedBy == "phong")
        let proof = try #require(try school.witnessedInclusion(of: ObjectID(hex: issued.register.document)!))
        #expect(proof.witness == "phong" && !proof.proof.isEmpty)

        try await fx.app().test(.router) { client in
            let pub = Browser(client)
            try await pub.post("/verify", [("number", issued.register.printedNumber), ("serial", Fixture.serial)], csrf: false)
            #expect(pub.lastBody.contains("data-indication=\"PASSED\""))
            #expect(
                pub.lastBody.contains("id=\"witnessed\"") && pub.lastBody.contains("Bản sao này có trong nhật ký của kho"),
                "\(pub.lastBody)")
            #expect(pub.lastBody.contains("<details id=\"witness-proof\">") && pub.lastBody.contains(proof.root))
            #expect(!pub.lastBody.contains(issued.register.ledgerRecordId) && !pub.lastBody.contains(fx.requestId))
        }

        // Roll the school back: a copy of its archive from before two more writes is put back in its place.
        let backup = fx.dir.path + "/school-backup"
        try Self.copyTree(fx.archivePath, to: backup)
        let body = JSONValue.object([JSONMember("text", .string("x"))])
        for i in 0..<2 { _ = try school.createRecord(type: "note", id: "n/\(i)", body: body, author: "vanthu") }
        _ = try send(school, office, "phong")
        try FileManager.default.moveItem(atPath: fx.archivePath, toPath: fx.dir.path + "/school-gone")
        try FileManager.default.moveItem(atPath: backup, toPath: fx.archivePath)
        let restored = try Archive.open(at: fx.archivePath, clock: clock)
        _ = try send(office, restored, "truong-a")
        _ = try restored.createRecord(type: "note", id: "n/after", body: body, author: "vanthu")
        #expect(try send(restored, office, "phong").witness?.incidents.map(\.kind) == [.rollback])
        #expect(try send(office, restored, "truong-a").witness?.incidents.map(\.kind) == [.rollback])
        // The school's screen says it plainly (no error code).
        try await fx.app().test(.router) { client in
            let html = Browser(client)
            try await html.login("office-head")
            try await html.get("/sync-status")
            #expect(html.lastBody.contains("id=\"log-incidents\"") && html.lastBody.contains("đã bị quay về bản cũ hoặc bị cắt bớt"))
            #expect(html.lastBody.contains("Nhật ký của kho này") && !html.lastBody.contains("LOG_ROLLBACK"), "\(html.lastBody)")
        }
    }

    /// A copy of a folder as a backup makes it, skipping a file that goes while it is copied: the web server's SQLite
    /// removes its -shm file when its last connection closes, which may come just after the test's server stopped.
    static func copyTree(_ from: String, to: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: to, withIntermediateDirectories: false)
        for name in try fm.contentsOfDirectory(atPath: from) {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: from + "/" + name, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                try copyTree(from + "/" + name, to: to + "/" + name)
                continue
            }
            do { try fm.copyItem(atPath: from + "/" + name, toPath: to + "/" + name) } catch CocoaError.fileReadNoSuchFile,
                CocoaError.fileNoSuchFile
            {
                continue
            }
        }
    }
}
