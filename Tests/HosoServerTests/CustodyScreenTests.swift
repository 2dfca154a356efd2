import Foundation
import HosoKit
import HosoServer
import HosoTestSupport
import Hummingbird
import Testing

/// The ledger page tells a registrar that the ledger was handed over, to whom and when, in words (no record ids).
@Suite struct CustodyScreenTests {
    @Test func theLedgerPageShowsItsCustodyTransfer() async throws {
        let fx = try Fixture()
        let a = try Archive.open(at: fx.archivePath, clock: fx.config.clock)
        let pki = fx.dir.path + "/pki"
        try a.initNode(
            name: "phong", role: .office, identity: try DemoPKI.issueNode(pki: pki, name: "phong", organization: "t", clock: a.clock))
        let so = try DemoPKI.issueNode(pki: pki, name: "so-gd", organization: "t", clock: a.clock)
        try a.addPeer(name: "so-gd", certificate: so.certificate, role: .office, scope: ["note:*"], author: "admin")
        let sent = try a.transferCustody(
            to: "so-gd", toOffice: "Sở Giáo dục và Đào tạo tỉnh Sơn Lâm", ledgers: [Fixture.ledgerId], seal: fx.office, by: "registrar")
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("registrar")
            let q = GradeBookRoutesQuery.escape
            let r = try await b.get("/ledger/page?ledger=\(q(Fixture.ledgerId))&page=1")
            #expect(r.status == .ok)
            #expect(
                b.lastBody.contains("Chuyển giao sổ gốc ngày") && b.lastBody.contains("→ Sở Giáo dục và Đào tạo tỉnh Sơn Lâm"),
                "\(b.lastBody)")
            #expect(b.lastBody.contains("chờ ký nhận") && !b.lastBody.contains(sent.id))
        }
    }
}
