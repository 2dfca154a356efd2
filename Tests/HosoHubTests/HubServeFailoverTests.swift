import Foundation
import HosoAccounts
import HosoCore
import HosoHub
import HosoTestSupport
import Testing

@testable import HosoKit

#if canImport(Glibc)
import Glibc
#endif

/// The failover with the built `hoso serve`: application servers started once with both hosts (`--database …
/// read-write`, `--standby … prefer-standby`) answer while the primary is gone, and after the standby is promoted
/// verify copies and take a district's sync again without a restart; meanwhile their public pages go on from the
/// standby, the access log waiting in their folders. A server whose `--standby` names only the dead primary answers
/// its public page with a clear error, quickly.
@Suite struct HubServeFailoverTests {
    /// What a server answered, and how long it took; status 0 when it did not answer within `within` seconds.
    struct Answer {
        var status: Int
        var page: String
        var seconds: Double
    }

    static let readTimeout = 30.0

    /// POST /verify with a copy's PDF, the public verification.
    static func verify(port: UInt16, pdf: [UInt8]) throws -> Answer {
        let boundary = "hosoFailoverBoundary"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"ban-sao.pdf\"\r\n".utf8)
        body += Array("Content-Type: application/pdf\r\n\r\n".utf8) + pdf + Array("\r\n--\(boundary)--\r\n".utf8)
        let head =
            "POST /verify HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\n\r\n"
        let began = Date()
        let c = try RawConnection(port: port)
        c.send(Array(head.utf8) + body)
        let a = c.readAnswer(within: readTimeout)
        return Answer(status: a.status, page: String(decoding: a.body, as: UTF8.self), seconds: Date().timeIntervalSince(began))
    }

    static func port(_ served: ServerProcess) throws -> UInt16 {
        try #require(served.url.split(separator: ":").last.flatMap { UInt16($0.prefix { $0.isNumber }) })
    }

    @Test func servedHubResumesAfterThePromotionWithoutARestart() throws {
        try #require(FileManager.default.isExecutableFile(atPath: hosoBinary), "build hoso first (swift build)")
        let pg = try PostgresCluster.start(standby: true)
        defer { pg.stop() }
        let primaryOnly = try pg.createDatabase()
        let database = try HubFailoverTests.bothHosts(primaryOnly, pg)
        // The public pages: the standby first, the primary if no standby answers (after the promotion).
        let standbyPort = try #require(pg.standbyPort)
        let reader =
            primaryOnly.replacingOccurrences(
                of: "127.0.0.1:\(pg.primaryPort)/", with: "127.0.0.1:\(standbyPort),127.0.0.1:\(pg.primaryPort)/")
            + "?target_session_attrs=prefer-standby"

        let dir = TempDirectory()
        let now = wholeSecondsNow()
        let s = try OfficeArchiveFixture(in: dir.path, now: now) { try Hub.createHub(root: $0, database: database, clock: $1) }
        let hub = s.archive
        let copy = try hub.issueCopy(
            entryRef: "Số 001234/BT", requestId: try HubArchiveTests.request(hub), signer: s.office, clerk: "vanthu")
        // A district that syncs notes into the hub over HTTP (the hub's servers share one node identity).
        let hubCert = try HubSyncTests.makeNode(hub, "so-gd", pki: s.pki.dir)
        let d = try Archive.create(at: dir.path + "/d", clock: .fixed(now))
        let dCert = try HubSyncTests.makeNode(d, "pgd-01", pki: s.pki.dir)
        try d.addPeer(name: "so-gd", certificate: hubCert, role: .office, scope: [">note:d01/*"], author: "admin")
        try hub.addPeer(name: "pgd-01", certificate: dCert, role: .office, scope: ["<note:d01/*"], author: "admin")
        let root2 = dir.path + "/a2"
        _ = try HubSyncTests.secondServer(of: hub.root, at: root2, database: database, clock: .fixed(now))

        // Two servers given both hosts, and one whose public pages read from the primary alone.
        var servers = [ServerProcess]()
        defer {
            for p in servers {
                kill(p.process.processIdentifier, SIGTERM)
                p.process.waitUntilExit()
            }
        }
        for root in [hub.root, root2] {
            servers.append(
                try ServerProcess(
                    hosoBinary, ["serve", "--database", database, "--standby", reader, "--port", "0", "--no-ocr", root],
                    environment: HubServeTests.environment))
        }
        let root3 = dir.path + "/a3"
        try ArchiveConfig.create(at: root3, createdAt: HosoClock.format(now))
        servers.append(
            try ServerProcess(
                hosoBinary, ["serve", "--database", database, "--standby", primaryOnly, "--port", "0", "--no-ocr", root3],
                environment: HubServeTests.environment))
        let ports = try servers.map(Self.port)
        for port in ports {
            let a = try Self.verify(port: port, pdf: copy.pdf)
            #expect(a.status == 200 && a.page.contains("data-indication=\"PASSED\""), "\(port): \(a.status) \(a.page.prefix(300))")
        }

        try pg.killPrimary()
        // While no host takes writes the public verification goes on from the standby: its access-log line waits in
        // the server's folder (`AuditSpool`) until the shared log can be written. A district's sync is refused, not
        // left hanging.
        for port in ports.prefix(2) {
            let a = try Self.verify(port: port, pdf: copy.pdf)
            #expect(a.status != 0 && a.seconds < Self.readTimeout, "\(port): no answer in \(a.seconds) s")
            #expect(a.status == 200 && a.page.contains("data-indication=\"PASSED\""), "\(port): \(a.status) \(a.page.prefix(1500))")
        }
        for root in [hub.root, root2] {
            #expect(FileManager.default.fileExists(atPath: root + "/audit-spool.jsonl"), "\(root): nothing spooled")
        }
        let gone = try Self.verify(port: ports[2], pdf: copy.pdf)
        #expect(gone.status >= 500 && gone.seconds < 10, "\(gone.status) in \(gone.seconds) s")
        #expect(gone.page.contains("data-code=\"POSTGRES_UNREACHABLE\""), "\(gone.page.prefix(1500))")
        _ = try d.createRecord(type: "note", id: "d01/n1", body: HubSyncTests.note("Ghi chú trong lúc chuyển máy"), author: "vanthu")
        let base = ports.map { "http://127.0.0.1:\($0)/sync" }
        let began = Date()
        #expect(throws: (any Error).self) { try d.sync(url: base[0], peer: "so-gd") }
        #expect(Date().timeIntervalSince(began) < Self.readTimeout)

        // Promoted: the same processes verify from the new primary and take the district's notes.
        try pg.promoteStandby()
        for (i, port) in ports.prefix(2).enumerated() {
            let a = try Self.verify(port: port, pdf: copy.pdf)
            #expect(a.status == 200 && a.page.contains("data-indication=\"PASSED\""), "\(port): \(a.status) \(a.page.prefix(300))")
            _ = try d.createRecord(type: "note", id: "d01/s\(i)", body: HubSyncTests.note("Sau khi chuyển máy \(i)"), author: "vanthu")
            let r = try d.sync(url: base[i], peer: "so-gd")
            #expect(r.pushed >= 1, "\(r)")
        }
        // The lines spooled during the outage went into the shared access log with the next ones, and the spool went.
        for root in [hub.root, root2] {
            #expect(!FileManager.default.fileExists(atPath: root + "/audit-spool.jsonl"), "\(root): the spool stayed")
        }
        let accounts = try Hub.accounts(database: database, clock: .fixed(now), cost: PasswordHash.Cost(logN: 10, r: 8, p: 1))
        let chain = try accounts.checkAuditChain()
        #expect(chain.intact, "\(chain)")
        let checks = try accounts.auditLog(limit: 100, actor: nil).filter { $0.action == "verify" }
        // Three before the kill, two during the outage, two after the promotion (the third server's failed ones are
        // not logged: it never had a page to answer).
        #expect(checks.count >= 7, "\(checks.map(\.action))")
        // The district's notes are on the new primary, read by a server opened afresh there.
        try ArchiveConfig.create(at: dir.path + "/a4", createdAt: HosoClock.format(now))
        let check = try Hub.openHub(root: dir.path + "/a4", database: database, clock: .fixed(now))
        for id in ["d01/n1", "d01/s0", "d01/s1"] { #expect(try check.heads(record: id) == d.heads(record: id), "\(id)") }
        #expect(try check.fsck().ok)
        // The server reading from the dead primary alone still answers at once.
        let still = try Self.verify(port: ports[2], pdf: copy.pdf)
        #expect(still.status >= 500 && still.seconds < 10, "\(still.status) in \(still.seconds) s")
    }
}
