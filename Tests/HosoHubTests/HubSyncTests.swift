import Foundation
import HosoCore
import HosoHub
import HosoRecords
import HosoSigning
import HosoStore
import HosoSync
import HosoTestSupport
import Testing

@testable import HosoKit

#if canImport(Glibc)
import Glibc
#endif

/// Districts sync into the province hub: bundles and HTTP sync arrive through the hub's PostgreSQL store with every
/// check a folder makes, a district's custody transfer becomes the hub's to accept, and many districts syncing at
/// once into two application servers leave each object there once.
@Suite struct HubSyncTests {
    static let district = "Phòng Giáo dục và Đào tạo huyện Tân Lập"
    static let province = "Sở Giáo dục và Đào tạo tỉnh Sơn Lâm"
    static let scanned = "PGD-TL/THCS/2019/TL"

    static func note(_ text: String) -> JSONValue { .object([JSONMember("text", .string(text))]) }

    /// Makes `a` a sync node named `name` with a node certificate of the demo PKI at `pki`.
    static func makeNode(_ a: Archive, _ name: String, pki: String) throws -> Certificate {
        let identity = try DemoPKI.issueNode(pki: pki, name: name, organization: "t", clock: a.clock)
        try a.initNode(name: name, role: .office, identity: identity)
        return identity.certificate
    }

    /// Every object id of the hub's store, in the store's order (a duplicate would show twice).
    static func objectIDs(_ a: Archive) throws -> [ObjectID] {
        var ids = [ObjectID]()
        try a.store.forEachObjectID { ids.append($0) }
        return ids
    }

    /// Files left in a folder (a staging area, an inbox): none once a sync is over.
    static func leftovers(_ dir: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] }

    /// A hub on a new database of the shared cluster and a district node that sends it its notes (`d01/*`); the hub
    /// does not know the district yet.
    static func hubAndDistrict(
        in dir: TempDirectory
    ) throws -> (hub: Archive, district: Archive, districtCert: Certificate, database: String) {
        let now = wholeSecondsNow()
        let clock = HosoClock.fixed(now)
        let pki = try DemoPKIFixture(in: dir.path + "/pki", now: now - 3600)
        let database = try PostgresCluster.shared().createDatabase()
        let hub = try Hub.createHub(root: dir.path + "/hub", database: database, clock: clock)
        let hubCert = try makeNode(hub, "so-gd", pki: pki.dir)
        let d = try Archive.create(at: dir.path + "/d", clock: clock)
        let dCert = try makeNode(d, "pgd-01", pki: pki.dir)
        try d.addPeer(name: "so-gd", certificate: hubCert, role: .office, scope: [">note:d01/*"], author: "admin")
        return (hub, d, dCert, database)
    }

    /// A second application server of the hub: its own folder with the same node identity, the same database.
    static func secondServer(of root: String, at root2: String, database: String, clock: HosoClock) throws -> Archive {
        try ArchiveConfig.create(at: root2, createdAt: HosoClock.format(clock.now()))
        let fm = FileManager.default
        try fm.createDirectory(atPath: root2 + "/node", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fm.createDirectory(atPath: root2 + "/sync", withIntermediateDirectories: true)
        for f in ["node.json", "node-key.pem"] { try fm.copyItem(atPath: root + "/node/" + f, toPath: root2 + "/node/" + f) }
        return try Hub.openHub(root: root2, database: database, clock: clock)
    }

    @Test func aDistrictsCustodyTransferSyncsIntoTheHubWhichAcceptsItAndIssuesCopies() throws {
        let dir = TempDirectory()
        let f = try OfficeArchiveFixture(in: dir.path)
        let a = f.archive
        let (csv, mapping) = writeLedger(in: dir)
        _ = try a.importLedger(file: csv, mapping: mapping, dryRun: false, reason: nil, author: "cán bộ VB")
        #expect(try a.sealDigitizations(identity: f.office).count == 2)

        // The province is the hub, on PostgreSQL, with the district's seal named among its custody sources.
        let database = try PostgresCluster.shared().createDatabase()
        let p = try Hub.createHub(root: dir.path + "/p", database: database, clock: a.clock)
        try p.addTrustAnchors(f.pki.roots, label: "demo", author: "admin")
        try p.addCertificates(f.pki.intermediates)
        for c in f.pki.manifest.crls {
            _ = try p.importCRLs(try CRL.load([UInt8](try Data(contentsOf: URL(fileURLWithPath: f.pki.path(c.der))))))
        }
        let seal = try DemoPKI.issueNode(pki: f.pki.dir, name: Self.province, organization: Self.province, clock: a.clock)
        var s = OfficeSettings.defaults
        s.officeName = Self.province
        s.signerTitle = "Giám đốc"
        s.officeCode = "SGD-SL"
        s.copySigners = [seal.certificate.fingerprint]
        s.custodySources = [.init(office: Self.district, seals: [f.office.certificate.fingerprint])]
        try p.setOfficeSettings(s, author: "admin", reason: "setup")
        let districtCert = try Self.makeNode(a, "pgd-tan-lap", pki: f.pki.dir)
        let hubCert = try Self.makeNode(p, "so-gd", pki: f.pki.dir)
        try a.addPeer(name: "so-gd", certificate: hubCert, role: .office, scope: ["note:*"], author: "admin")
        try p.addPeer(
            name: "pgd-tan-lap", certificate: districtCert, role: .office, scope: ["<ledger:*", "<digitization:*", "<custody-transfer:*"],
            author: "admin")

        let sent = try a.transferCustody(to: "so-gd", toOffice: Self.province, seal: f.office, by: "registrar")
        #expect(Set(sent.transfer.ledgers.map(\.record)) == [OfficeArchiveFixture.ledgerId, Self.scanned])

        // The page scan arrives first, alone (as an interrupted sync leaves it): it waits in the hub's inbox, outside
        // the store, for the revision that names it.
        let scanHex = try #require(sent.transfer.ledgers.first { $0.record == Self.scanned }?.scans.first)
        let scanID = try #require(ObjectID(hex: scanHex))
        let scan = try a.read(scanID)
        let inbox = dir.path + "/p/sync/inbox/" + (try a.nodeInfo().node)
        _ = try p.receiveFrames(
            SyncFrames.header(kind: "blob", id: scanHex, size: UInt64(scan.count)) + scan, from: try p.peer(named: "pgd-tan-lap"),
            me: try p.nodeInfo(), timestamp: nil)
        #expect(Self.leftovers(inbox) == [scanHex])
        #expect(try !p.store.contains(scanID))

        // HTTP sync on loopback into the hub, in small batches: the scan comes out of the inbox into the database
        // with the ledger revision.
        let server = p.syncServer(host: "127.0.0.1", port: 0)
        let port = try server.start()
        defer { server.stop() }
        let before = try Self.objectIDs(p).count
        let r = try a.sync(url: "http://127.0.0.1:\(port)/sync", peer: "so-gd", batchBytes: 4 << 10)
        #expect(r.pushed > 0 && r.requests > 3)
        #expect(try Self.objectIDs(p).count >= before + r.pushed)
        #expect(Self.leftovers(inbox).isEmpty)
        #expect(try p.store.read(scanID) == scan)
        #expect(Self.leftovers(dir.path + "/p/staging/tmp").isEmpty)

        // The hub finds the entries, accepts the transfer, and its copy names the province as custodian.
        var q = Archive.FindRequest()
        q.name = "nguyen van an"
        #expect(try p.find(q).map(\.serial) == ["A0012345"])
        let arrived = try #require(try p.custodyTransfers().first)
        #expect(arrived.direction == "in" && arrived.sealedBy.count == 1 && !arrived.accepted)
        let accepted = try p.acceptCustody(transfer: arrived.id, seal: seal)
        #expect(accepted.accepted && accepted.countersignedBy == [Self.province])
        let req = try HubArchiveTests.request(p, serial: "Số 001234/BT", holder: "Lò Thị Mai")
        let copy = try p.issueCopy(entryRef: "Số 001234/BT", requestId: req, signer: seal, clerk: "vanthu")
        let v = try p.verifyCopy(pdf: copy.pdf)
        #expect(v.indication == "PASSED" && v.custodian == Self.province && v.issuer != nil, "\(v.reasons)")
        let check = try p.fsck()
        #expect(check.ok, "\(check.damaged) \(check.missing)")
    }

    @Test func aBadBundleChangesNothingOnTheHubAndTheGoodOneComesIn() throws {
        let dir = TempDirectory()
        let now = wholeSecondsNow()
        let clock = HosoClock.fixed(now)
        let pki = try DemoPKIFixture(in: dir.path + "/pki", now: now - 3600)
        let database = try PostgresCluster.shared().createDatabase()
        let hub = try Hub.createHub(root: dir.path + "/hub", database: database, clock: clock)
        let hubCert = try Self.makeNode(hub, "so-gd", pki: pki.dir)
        let d = try Archive.create(at: dir.path + "/d", clock: clock)
        let dCert = try Self.makeNode(d, "pgd-01", pki: pki.dir)
        try d.addPeer(name: "so-gd", certificate: hubCert, role: .office, scope: [">note:d01/*"], author: "admin")
        try hub.addPeer(name: "pgd-01", certificate: dCert, role: .office, scope: ["<note:d01/*"], author: "admin")
        for k in 1...3 { _ = try d.createRecord(type: "note", id: "d01/n\(k)", body: Self.note("marker-\(k)-abcdef"), author: "vanthu") }
        _ = try d.sign("d01/n1", identity: try pki.identity("gv-toan"), role: .subjectTeacher)

        let good = dir.path + "/good.tar"
        _ = try d.createBundle(for: "so-gd", out: good, compress: false)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        let marker = Array("marker-2-abcdef".utf8)
        let at = try #require((0...(bytes.count - marker.count)).first { bytes[$0..<($0 + marker.count)].elementsEqual(marker) })
        bytes[at + marker.count - 1] = UInt8(ascii: "g")
        let bad = dir.path + "/bad.tar"
        try Data(bytes).write(to: URL(fileURLWithPath: bad))

        let before = try Self.objectIDs(hub)
        let index = try hub.index.allIDs()
        #expect(throws: HosoError.self) { try hub.importBundle(bad) }
        #expect(try Self.objectIDs(hub) == before && hub.index.allIDs() == index)
        #expect(Self.leftovers(dir.path + "/hub/staging/tmp").isEmpty)
        #expect(try hub.heads(record: "d01/n1").isEmpty)

        let imported = try hub.importBundle(good)
        #expect(imported.result.revisions == 3 && imported.result.signatures == 1)
        for k in 1...3 { #expect(try hub.heads(record: "d01/n\(k)") == d.heads(record: "d01/n\(k)")) }
        #expect(try hub.verify("d01/n1").signatures.count == 1)
        #expect(Self.leftovers(dir.path + "/hub/staging/tmp").isEmpty)
        #expect(try hub.fsck().ok)
    }

    /// A district without a line to the province carries its bundle on a USB stick: the built `hoso` makes it on
    /// the district's folder and imports it into the hub with `--database` (and `$HOSO_DATABASE`); importing it again
    /// changes nothing.
    @Test func aDistrictsBundleIsImportedIntoTheHubByTheBuiltHoso() throws {
        try #require(FileManager.default.isExecutableFile(atPath: hosoBinary), "build hoso first (swift build)")
        let dir = TempDirectory()
        let (hub, d, dCert, database) = try Self.hubAndDistrict(in: dir)
        for k in 1...3 { _ = try d.createRecord(type: "note", id: "d01/n\(k)", body: Self.note("Ghi chú \(k)"), author: "vanthu") }
        let env = HubServeTests.environment
        try dCert.pem.write(toFile: dir.path + "/pgd-01.pem", atomically: true, encoding: .utf8)

        // The province adds the district as a peer through the CLI too, on the hub.
        let add = try runProgram(
            hosoBinary,
            [
                "peer", "add", "--archive", hub.root, "--database", database, "pgd-01", "--cert", dir.path + "/pgd-01.pem",
                "--role", "office", "--scope", "<note:d01/*", "--author", "admin",
            ], environment: env)
        #expect(add.status == 0, "\(add)")
        let bundle = dir.path + "/pgd-01.bag.tar"
        let made = try runProgram(
            hosoBinary, ["bundle", "create", "--archive", d.root, "--for", "so-gd", "--out", bundle], environment: env)
        #expect(made.status == 0, "\(made)")

        // Without the database the hub's folder is refused; with it (here from $HOSO_DATABASE) the bundle comes in.
        let bare = try runProgram(hosoBinary, ["bundle", "import", "--archive", hub.root, bundle], environment: env)
        #expect(bare.status != 0 && bare.err.contains("--database"), "\(bare)")
        var withDB = env
        withDB["HOSO_DATABASE"] = database
        let imported = try runProgram(hosoBinary, ["bundle", "import", "--archive", hub.root, "--json", bundle], environment: withDB)
        #expect(imported.status == 0, "\(imported)")
        for k in 1...3 { #expect(try hub.heads(record: "d01/n\(k)") == d.heads(record: "d01/n\(k)")) }
        let again = try runProgram(hosoBinary, ["bundle", "import", "--archive", hub.root, "--json", bundle], environment: withDB)
        #expect(again.status == 0 && again.out.replacingOccurrences(of: " ", with: "").contains("\"alreadyImported\":true"), "\(again)")
        let peers = try runProgram(hosoBinary, ["peer", "list", "--archive", hub.root, "--database", database], environment: env)
        #expect(peers.status == 0 && peers.out.contains("pgd-01"), "\(peers)")
        #expect(try hub.fsck().ok)
    }

    @Test func aDistrictSyncsIntoTheBuiltHosoServingTheHub() throws {
        try #require(FileManager.default.isExecutableFile(atPath: hosoBinary), "build hoso first (swift build)")
        let dir = TempDirectory()
        let (hub, d, dCert, database) = try Self.hubAndDistrict(in: dir)
        try hub.addPeer(name: "pgd-01", certificate: dCert, role: .office, scope: ["<note:d01/*"], author: "admin")
        for k in 1...3 { _ = try d.createRecord(type: "note", id: "d01/n\(k)", body: Self.note("Ghi chú \(k)"), author: "vanthu") }
        let outgoing = try d.outgoing(to: try d.peer(named: "so-gd"), me: try d.nodeInfo(), known: [])

        // `hoso serve --database` serves the sync protocol on /sync/ of the web application.
        let served = try ServerProcess(
            hosoBinary, ["serve", "--database", database, "--port", "0", "--no-ocr", hub.root], environment: HubServeTests.environment)
        defer {
            kill(served.process.processIdentifier, SIGTERM)
            served.process.waitUntilExit()
        }
        let base = served.url.hasSuffix("/") ? String(served.url.dropLast()) : served.url
        let r = try d.sync(url: base + "/sync", peer: "so-gd")
        #expect(r.pushed + r.alreadyThere == outgoing.count && r.pushed >= 3)
        for k in 1...3 { #expect(try hub.heads(record: "d01/n\(k)") == d.heads(record: "d01/n\(k)")) }
        for o in outgoing { #expect(try hub.store.contains(o.id)) }
        #expect(try hub.fsck().ok)
    }

    /// The issue's set-up: three application servers (the built `hoso serve --database … --standby …`, each its own
    /// folder and connections) on one primary with a synchronous hot standby, and twenty district nodes syncing at
    /// once, spread over the three.
    @Test func twentyDistrictsSyncAtOnceIntoThreeApplicationServersWithAStandby() throws {
        try #require(FileManager.default.isExecutableFile(atPath: hosoBinary), "build hoso first (swift build)")
        let pg = try PostgresCluster.start(standby: true)
        defer { pg.stop() }
        let database = try pg.createDatabase()
        let standbyPort = try #require(pg.standbyPort)
        let standby = database.replacingOccurrences(of: ":\(pg.primaryPort)/", with: ":\(standbyPort)/")
        let databaseName = String(database.split(separator: "/").last!)
        let dir = TempDirectory()
        let now = wholeSecondsNow()
        let clock = HosoClock.fixed(now)
        let pki = try DemoPKIFixture(in: dir.path + "/pki", now: now - 3600)
        let roots = (1...3).map { dir.path + "/hub-\($0)" }
        let hub = try Hub.createHub(root: roots[0], database: database, clock: clock)
        let hubCert = try Self.makeNode(hub, "so-gd", pki: pki.dir)
        for root in roots.dropFirst() { _ = try Self.secondServer(of: roots[0], at: root, database: database, clock: clock) }
        let teacher = try pki.identity("gv-toan")

        // Twenty districts, three notes each, every fourth with a teacher's signature.
        let n = 20
        var districts = [(name: String, prefix: String, archive: Archive)]()
        for i in 0..<n {
            let name = "pgd-\(i)"
            let prefix = "d\(i)"
            let d = try Archive.create(at: dir.path + "/" + name, clock: clock)
            let cert = try Self.makeNode(d, name, pki: pki.dir)
            try d.addPeer(name: "so-gd", certificate: hubCert, role: .office, scope: [">note:\(prefix)/*"], author: "admin")
            for k in 1...3 {
                _ = try d.createRecord(type: "note", id: "\(prefix)/n\(k)", body: Self.note("Ghi chú \(k) của \(name)"), author: "vanthu")
            }
            if i % 4 == 0 { _ = try d.sign("\(prefix)/n1", identity: teacher, role: .subjectTeacher) }
            try hub.addPeer(name: name, certificate: cert, role: .office, scope: ["<note:\(prefix)/*"], author: "admin")
            districts.append((name, prefix, d))
        }
        var expected = Set(try Self.objectIDs(hub))
        for (_, _, d) in districts {
            for o in try d.outgoing(to: try d.peer(named: "so-gd"), me: try d.nodeInfo(), known: []) { expected.insert(o.id) }
        }

        let servers = try roots.map { root in
            try ServerProcess(
                hosoBinary, ["serve", "--database", database, "--standby", standby, "--port", "0", "--no-ocr", root],
                environment: HubServeTests.environment)
        }
        defer {
            for s in servers { kill(s.process.processIdentifier, SIGTERM) }
            for s in servers { s.process.waitUntilExit() }
        }
        let bases = servers.map { $0.url.hasSuffix("/") ? String($0.url.dropLast()) : $0.url }
        let started = Date()
        let results = Locked([String: Result<Archive.SyncReport, any Error>]())
        let group = DispatchGroup()
        for (i, (name, _, d)) in districts.enumerated() {
            group.enter()
            let url = bases[i % 3] + "/sync"
            Thread {
                let r = Result { try d.sync(url: url, peer: "so-gd") }
                results.withLock { $0[name] = r }
                group.leave()
            }.start()
        }
        group.wait()
        let elapsed = Date().timeIntervalSince(started)
        for (name, r) in results.value.sorted(by: { $0.key < $1.key }) {
            if case .failure(let e) = r { Issue.record("\(name): \(e)") }
        }
        #expect(results.value.count == n)

        // Every district's objects are in the hub, each once; every server's index finds every record and signature.
        let after = try Self.objectIDs(hub)
        #expect(after.count == Set(after).count)
        let missing = expected.subtracting(after)
        #expect(missing.isEmpty, "\(missing.count) of the districts' objects missing")
        // Besides, only the evidence inside the signatures, which the hub keeps as objects of their own.
        let extra = try Set(after).subtracting(expected).map { try hub.store.header(of: $0).kind }
        #expect(extra.allSatisfy { [.certificate, .crl].contains($0) }, "\(extra)")
        let orphans = try pg.psql(
            "SELECT count(*) FROM hoso_object_chunks c WHERE NOT EXISTS (SELECT 1 FROM hoso_objects o WHERE o.id = c.id)",
            database: databaseName)
        #expect(orphans.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        // Acknowledged means on the standby too (synchronous replication): the same objects and entries there.
        for table in ["hoso_objects", "revision", "signature"] {
            let count = "SELECT count(*) FROM \(table)"
            #expect(try pg.psql(count, standby: true, database: databaseName) == pg.psql(count, database: databaseName), "\(table)")
        }
        let reader = try Hub.openReader(root: roots[2], database: standby, clock: clock)
        for (i, (_, prefix, d)) in districts.enumerated() {
            for k in 1...3 {
                let heads = try d.heads(record: "\(prefix)/n\(k)")
                #expect(try hub.heads(record: "\(prefix)/n\(k)") == heads && reader.heads(record: "\(prefix)/n\(k)") == heads)
            }
            #expect(try reader.verify("\(prefix)/n1").signatures.count == (i % 4 == 0 ? 1 : 0))
        }
        for root in roots { #expect(Self.leftovers(root + "/staging/tmp").isEmpty) }
        let check = try hub.fsck()
        #expect(check.ok && check.objects == after.count, "\(check.damaged) \(check.missing)")
        // A district syncing again, through another server, moves nothing.
        let again = try districts[3].archive.sync(url: bases[1] + "/sync", peer: "so-gd")
        #expect(again.pushed == 0)
        print("twenty districts into three hub servers with a standby: \(String(format: "%.1f", elapsed)) s")
    }
}
