import Foundation
import HosoAccounts
import HosoRecords
import HosoServer
import HosoSigning
import HosoStore
import HosoTestSupport
import Hummingbird
import Testing

@testable import HosoKit

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

/// The province's screen for ledgers handed over: the district (the office fixture, its own archive) seals an
/// inventory and ships it; the server's archive is the province's, which checks and countersigns it on the web.
struct ProvinceWorld {
    static let district = "Phòng Giáo dục và Đào tạo huyện Tân Lập"
    static let province = "Sở Giáo dục và Đào tạo tỉnh Sơn Lâm"
    let dir = TempDirectory()
    let d: OfficeArchiveFixture
    let p: Archive
    let seal: SigningIdentity
    var config: ServerConfig

    /// `amend` changes the inventory before the district signs it, as a dishonest or careless office might.
    init(amend: ((inout Archive.CustodyTransfer) -> Void)? = nil) throws {
        let now = wholeSecondsNow()
        d = try OfficeArchiveFixture(in: dir.path + "/d", now: now)
        let a = d.archive
        var ds = try a.officeSettings()
        ds.officeName = Self.district
        try a.setOfficeSettings(ds, author: "admin", reason: "setup")
        p = try Archive.create(at: dir.path + "/p", clock: a.clock)
        try p.addTrustAnchors(d.pki.roots, label: "demo", author: "admin")
        try p.addCertificates(d.pki.intermediates)
        for c in d.pki.crls { _ = try p.importCRLs([c]) }
        seal = try DemoPKI.issueNode(pki: d.pki.dir, name: Self.province, organization: Self.province, clock: a.clock)
        var s = OfficeSettings.defaults
        s.officeName = Self.province
        s.signerTitle = "Giám đốc"
        s.officeCode = "SGD-SL"
        s.copySigners = [seal.certificate.fingerprint]
        s.custodySources = [.init(office: Self.district, seals: [d.office.certificate.fingerprint])]
        try p.setOfficeSettings(s, author: "admin", reason: "setup")
        for (x, name) in [(a, "pgd-tan-lap"), (p, "so-gd")] {
            try x.initNode(
                name: name, role: .office, identity: try DemoPKI.issueNode(pki: d.pki.dir, name: name, organization: "t", clock: a.clock))
        }
        func cert(_ x: Archive) throws -> Certificate { try Certificate(der: try x.read(ObjectID(hex: try x.nodeInfo().certificate)!)) }
        try a.addPeer(name: "so-gd", certificate: cert(p), role: .office, scope: ["note:*"], author: "admin")
        try p.addPeer(
            name: "pgd-tan-lap", certificate: cert(a), role: .office, scope: ["<ledger:*", "<digitization:*", "<custody-transfer:*"],
            author: "admin")
        _ = try a.makeCustodyTransfer(to: "so-gd", toOffice: Self.province, seal: d.office, by: "registrar", amend: amend)
        let bundle = dir.path + "/t.tar"
        _ = try a.createBundle(for: "so-gd", out: bundle)
        _ = try p.importBundle(bundle)
        let store = try ServerStore(path: dir.path + "/p/" + ServerStore.fileName, clock: .fixed(now), cost: Fixture.cost)
        for role in [Role.registrar, .clerk, .admin] {
            try store.addUser(name: role.rawValue, displayName: "Người \(role.rawValue)", role: role, password: Fixture.password)
        }
        config = ServerConfig(archivePath: dir.path + "/p", officeIdentity: seal, clock: .fixed(now), passwordCost: Fixture.cost)
    }

    func transfer() throws -> Archive.CustodyStatus { try #require(try p.custodyTransfers().first) }

    func serve(_ mode: Mode, _ test: @escaping @Sendable (any WebClient) async throws -> Void) async throws {
        var fx = try Fixture()
        fx.config = config
        try await fx.serve(mode, test)
    }
}

extension CustodyScreenTests {
    static func q(_ s: String) -> String { GradeBookRoutesQuery.escape(s) }

    @Test(arguments: Mode.allCases) func theRegistrarChecksAndCountersignsATransferOnTheWeb(mode: Mode) async throws {
        let w = try ProvinceWorld()
        let t = try w.transfer()
        #expect(!t.accepted)
        try await w.serve(mode) { client in
            // A clerk and the admin may not see or accept it.
            for role in ["clerk", "admin"] {
                let b = Browser(client)
                try await b.login(role)
                #expect(try await b.get("/custody").status == .forbidden, "\(role)")
                #expect(try await b.get("/custody/transfer?id=\(Self.q(t.id))").status == .forbidden, "\(role)")
                try await b.get("/")
                #expect(try await b.post("/custody/accept", [("transfer", t.id)]).status == .forbidden, "\(role)")
            }
            let b = Browser(client)
            try await b.login("registrar")
            #expect(try await b.get("/custody").status == .ok)
            let waiting = b.lastBody.components(separatedBy: "id=\"accepted\"")[0]
            #expect(waiting.contains(ProvinceWorld.district) && waiting.contains("Chờ tiếp nhận"), "\(b.lastBody)")
            #expect(try await b.get("/custody/transfer?id=\(Self.q(t.id))").status == .ok)
            let text = AccessTests.visibleText(b.lastBody)
            #expect(text.contains("Đúng như biên bản") && text.contains("Tiếp nhận và ký xác nhận"), "\(text)")
            #expect(!text.contains(t.id) && !text.contains(OfficeArchiveFixture.ledgerId) && !text.contains("hoso "))
            // Without the CSRF token nothing is signed.
            #expect(try await b.post("/custody/accept", [("transfer", t.id)], csrf: false).status == .forbidden)
            let r = try await b.post("/custody/accept", [("transfer", t.id)])
            #expect(r.status == .seeOther)
            try await b.get(try #require(r.headers[.location]))
            #expect(b.lastBody.contains("id=\"done\"") && b.lastBody.contains("Đã tiếp nhận và ký xác nhận"))
            #expect(!b.lastBody.contains("id=\"accept\""), "nothing left to press")
            try await b.get("/custody")
            #expect(b.lastBody.components(separatedBy: "id=\"accepted\"").last!.contains(ProvinceWorld.district))
        }
        let after = try w.transfer()
        #expect(after.accepted && after.countersignedBy == [ProvinceWorld.province])
        #expect(try w.p.verify(t.id).signatures.count == 2)
        let audit = try ServerStore(path: w.dir.path + "/p/" + ServerStore.fileName, clock: w.config.clock, cost: Fixture.cost)
        #expect(try audit.auditLog().contains { $0.action == "custody-accept" && $0.actor == "registrar" })
    }

    @Test(arguments: Mode.allCases) func aTamperedTransferIsShownRefusedAndNothingIsSigned(mode: Mode) async throws {
        let w = try ProvinceWorld(amend: { $0.ledgers[0].entries += 5 })
        let t = try w.transfer()
        try await w.serve(mode) { client in
            let b = Browser(client)
            try await b.login("registrar")
            #expect(try await b.get("/custody/transfer?id=\(Self.q(t.id))").status == .ok)
            let text = AccessTests.visibleText(b.lastBody)
            #expect(b.lastBody.contains("data-code=\"CUSTODY_INVENTORY_MISMATCH\"") && text.contains("số dòng"), "\(text)")
            #expect(text.contains("không tiếp nhận, không ký gì") && !b.lastBody.contains("id=\"accept\""))
            #expect(!text.contains(t.id) && !text.contains(OfficeArchiveFixture.ledgerId))
            // Pressed anyway (a form kept from before): refused, shown again, nothing signed.
            #expect(try await b.post("/custody/accept", [("transfer", t.id)]).status == .conflict)
            #expect(b.lastBody.contains("CUSTODY_INVENTORY_MISMATCH"))
        }
        #expect(try !w.transfer().accepted)
        #expect(try w.p.verify(t.id).signatures.count == 1)
    }

    @Test func withoutASealTheScreenSaysSoAndOffersNothing() async throws {
        var w = try ProvinceWorld()
        w.config.officeIdentity = nil
        let t = try w.transfer()
        try await w.serve(.router) { client in
            let b = Browser(client)
            try await b.login("registrar")
            try await b.get("/custody/transfer?id=\(Self.q(t.id))")
            #expect(b.lastBody.contains("id=\"no-seal\"") && !b.lastBody.contains("id=\"accept\""))
            #expect(try await b.post("/custody/accept", [("transfer", t.id)]).status != .seeOther)
            #expect(try await b.get("/custody/transfer?id=custody-transfer/../x").status == .notFound)
        }
        #expect(try !w.transfer().accepted)
    }
}
