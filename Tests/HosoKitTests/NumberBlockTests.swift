import Foundation
import HosoCore
import HosoKit
import HosoRecords
import HosoSigning
import HosoStore
import HosoTestSupport
import Testing

/// Two machines of one office that take requests offline and sync later never give the same number: each numbers
/// inside its own block from the office settings.
@Suite struct NumberBlockTests {
    let dir = TempDirectory()
    let now = HosoClock.parse("2026-11-26T03:00:00Z")!

    func newRequest(_ a: Archive, _ name: String) throws -> String {
        try a.newRequest(
            .init(kind: .copy, requesterName: name, relation: .holder, holderName: name, serial: "A0012345", channel: .inPerson),
            clerk: "vanthu"
        ).id
    }

    /// Two office machines, each a node, each the other's peer for requests and the office settings.
    func twoMachines() throws -> (Archive, Archive) {
        let clock = HosoClock.fixed(now)
        _ = try DemoPKIFixture(in: dir.path + "/pki", now: now - 86_400)
        let m1 = try Archive.create(at: dir.path + "/may-1", clock: clock)
        let m2 = try Archive.create(at: dir.path + "/may-2", clock: clock)
        for (x, name) in [(m1, "may-1"), (m2, "may-2")] {
            try x.initNode(
                name: name, role: .office,
                identity: try DemoPKI.issueNode(pki: dir.path + "/pki", name: name, organization: "test", clock: clock))
        }
        func cert(_ x: Archive) throws -> Certificate { try Certificate(der: try x.read(ObjectID(hex: try x.nodeInfo().certificate)!)) }
        try m1.addPeer(name: "may-2", certificate: cert(m2), role: .office, scope: ["request:*", "office-settings:*"], author: "admin")
        try m2.addPeer(name: "may-1", certificate: cert(m1), role: .office, scope: ["request:*", "office-settings:*"], author: "admin")
        return (m1, m2)
    }

    func sync(_ from: Archive, _ to: Archive, as peer: String, _ n: Int) throws {
        let path = dir.path + "/bundle-\(n).tar"
        _ = try from.createBundle(for: peer, out: path, compress: true)
        _ = try to.importBundle(path)
    }

    @Test func twoMachinesWorkingOfflineNeverGiveTheSameNumber() throws {
        let (m1, m2) = try twoMachines()
        var s = OfficeSettings.defaults
        s.numberBlocks = [
            .init(node: try m1.nodeInfo().node, name: "máy 1", first: 1, last: 499_999),
            .init(node: try m2.nodeInfo().node, name: "máy 2", first: 500_000, last: 999_999),
        ]
        try m1.setOfficeSettings(s, author: "admin", reason: "dải số theo máy")
        try sync(m1, m2, as: "may-2", 1)
        #expect(try m2.officeSettings().numberBlocks == s.numberBlocks)

        // Offline: three requests on each machine.
        let ids1 = try (1...3).map { try newRequest(m1, "Người \($0)") }
        let ids2 = try (1...3).map { try newRequest(m2, "Người \($0 + 3)") }
        #expect(ids1 == ["YC-2026-000001", "YC-2026-000002", "YC-2026-000003"])
        #expect(ids2 == ["YC-2026-500000", "YC-2026-500001", "YC-2026-500002"])

        // Synced both ways: six requests, each once, no conflict, and each machine goes on in its own block.
        try sync(m1, m2, as: "may-2", 2)
        try sync(m2, m1, as: "may-1", 3)
        for x in [m1, m2] {
            #expect(try x.requests().map(\.id) == ids1 + ids2)
            #expect(try x.conflicts().isEmpty)
        }
        #expect(try newRequest(m1, "Người 7") == "YC-2026-000004")
        #expect(try newRequest(m2, "Người 8") == "YC-2026-500003")
    }

    @Test func withoutABlockOfItsOwnAMachineNumbersNothing() throws {
        let (m1, m2) = try twoMachines()
        var s = OfficeSettings.defaults
        s.numberBlocks = [.init(node: try m1.nodeInfo().node, first: 1, last: 2)]
        try m1.setOfficeSettings(s, author: "admin", reason: "dải số")
        try m2.setOfficeSettings(s, author: "admin", reason: "dải số")
        #expect(throws: HosoError(.numberBlockMissing, .both("", ""))) { _ = try newRequest(m2, "An") }
        #expect(try m2.requests().isEmpty)
        // A block used up is said so, and nothing is written.
        _ = try newRequest(m1, "An")
        _ = try newRequest(m1, "Bình")
        #expect(throws: HosoError(.numberBlockExhausted, .both("", ""))) { _ = try newRequest(m1, "Chi") }
        #expect(try m1.requests().count == 2)
        // An archive that is no node cannot number when the office numbers by machine.
        let lone = try Archive.create(at: dir.path + "/lone", clock: .fixed(now))
        try lone.setOfficeSettings(s, author: "admin", reason: "dải số")
        #expect(throws: HosoError(.numberBlockMissing, .both("", ""))) { _ = try newRequest(lone, "An") }
    }

    @Test(arguments: [
        [(1, 10), (10, 20)],  // share 10
        [(5, 4)],  // backwards
        [(0, 4)],  // below 1
        [(1, 1_000_000)],  // past six digits
    ])
    func invalidBlocksAreRefusedBeforeSaving(_ ranges: [(Int, Int)]) throws {
        let a = try Archive.create(at: dir.path + "/a", clock: .fixed(now))
        var s = OfficeSettings.defaults
        s.numberBlocks = ranges.enumerated().map {
            .init(node: String(repeating: "\($0.offset)", count: 64), first: $0.element.0, last: $0.element.1)
        }
        #expect(throws: HosoError(.numberBlocksInvalid, .both("", ""))) {
            try a.setOfficeSettings(s, author: "admin", reason: "x")
        }
        #expect(try a.officeSettings() == .defaults)
    }

    /// A node given twice is refused too.
    @Test func aNodeWithTwoBlocksIsRefused() throws {
        let a = try Archive.create(at: dir.path + "/a", clock: .fixed(now))
        var s = OfficeSettings.defaults
        let node = String(repeating: "a", count: 64)
        s.numberBlocks = [.init(node: node, first: 1, last: 5), .init(node: node, first: 6, last: 9)]
        #expect(throws: HosoError(.numberBlocksInvalid, .both("", ""))) { try a.setOfficeSettings(s, author: "admin", reason: "x") }
    }
}

extension NumberBlockTests {
    /// Copies are numbered inside the machine's block too, print that number, and verify.
    @Test func copiesTakeTheirNumbersFromTheMachinesBlock() throws {
        let f = try OfficeArchiveFixture(in: dir.path + "/office")
        let a = f.archive
        try a.initNode(
            name: "may-2", role: .office,
            identity: try DemoPKI.issueNode(pki: dir.path + "/office/pki", name: "may-2", organization: "test", clock: a.clock))
        var s = try a.officeSettings()
        s.numberBlocks = [.init(node: try a.nodeInfo().node, first: 700_000, last: 700_001)]
        try a.setOfficeSettings(s, author: "admin", reason: "dải số theo máy")
        let year = s.calendar.component(.year, from: a.clock.now())
        let r1 = try CopyTests.request(a, serial: "Số 001234/BT", holder: "Lò Thị Mai")
        #expect(r1 == "YC-\(year)-700000")
        let c1 = try a.issueCopy(entryRef: "Số 001234/BT", requestId: r1, signer: f.office, clerk: "vanthu")
        #expect(c1.register.copyNumber == 700_000 && c1.register.printedNumber == "700000/\(year)")
        #expect(try a.verifyCopy(pdf: c1.pdf).indication == "PASSED")
        let r2 = try CopyTests.request(a, serial: "Số 001235/BT", holder: "Hoàng Văn Páo")
        let c2 = try a.issueCopy(entryRef: "Số 001235/BT", requestId: r2, signer: f.office, clerk: "vanthu")
        #expect(c2.register.copyNumber == 700_001)
        // The block is used up: the next request cannot be numbered, and nothing is written.
        #expect(throws: HosoError(.numberBlockExhausted, .both("", ""))) {
            _ = try CopyTests.request(a, serial: "Số 001234/BT", holder: "Lò Thị Mai")
        }
        #expect(try a.copyRegister().map(\.copyNumber) == [700_000, 700_001])
    }
}
