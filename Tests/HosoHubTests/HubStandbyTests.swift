import Foundation
import HosoCore
import HosoHub
import HosoTestSupport
import Testing

@testable import HosoKit

/// The public pages of the hub read from its hot standby (`hoso serve --standby`): a reader opened there answers what
/// the primary acknowledged, and writes nothing.
@Suite struct HubStandbyTests {
    @Test func aCopyIssuedOnThePrimaryIsVerifiedOnTheStandbyWhichRefusesWrites() throws {
        let pg = try PostgresCluster.start(standby: true)
        defer { pg.stop() }
        let primaryDB = try pg.createDatabase()
        let name = String(primaryDB.split(separator: "/").last!)
        let standby = try #require(pg.standbyURL)
        let standbyDB = standby.prefix(upTo: standby.lastIndex(of: "/")!) + "/" + name
        let dir = TempDirectory()
        let s = try OfficeArchiveFixture(in: dir.path) { path, clock in try Hub.createHub(root: path, database: primaryDB, clock: clock) }
        let a = s.archive
        let request = try HubArchiveTests.request(a)
        let issued = try a.issueCopy(entryRef: "Số 001234/BT", requestId: request, signer: s.office, clerk: "vanthu")

        // Synchronous replication (remote_apply): what the primary acknowledged is readable on the standby at once.
        let reader = try Hub.openReader(root: dir.path + "/a", database: standbyDB, clock: a.clock)
        #expect(reader.access == .readOnly)
        let report = try reader.verifyCopy(pdf: issued.pdf)
        #expect(report.indication == "PASSED", "\(report.reasons) \(report.messages)")
        #expect(try reader.copyRegister().map(\.copyNumber) == [issued.register.copyNumber])
        #expect(try reader.officeSettings().officeCode == "PGD-TL")

        // A write asked of the reader is refused and changes nothing on the primary.
        let refused = #expect(throws: HosoError.self) { try HubArchiveTests.request(reader, serial: "Số 001235/BT") }
        #expect([HosoError.Code.archiveUnwritable, .postgresReadOnly].contains(refused?.code))
        #expect(try a.copyRegister().count == 1)
        #expect(try a.fsck().ok)
    }
}
