import Foundation
import HosoCore
import HosoRecords
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

/// fsck checks the references between objects, not only each object: a lost revision, manifest or scan that
/// something sound names is damage, named; and a flipped bit in an object's kind is damage too.
@Suite struct GraphCheckTests {
    let dir = TempDirectory()
    static let ledgerId = "PGD-TL/THCS/2019/TL"

    /// An archive with an imported ledger (two page scans and their manifest), revised once; checked sound.
    func prepare() throws -> (Archive, first: ObjectID, second: ObjectID, scans: [ObjectID]) {
        let a = try Archive.create(at: dir.path + "/a", clock: fixedClock)
        let f = LedgerFixture(dir)
        let r = try a.importLedger(file: f.csv, mapping: f.mappingPath, dryRun: false, reason: nil, author: "cán bộ VB")
        try #require(r.committed)
        let (first, rev) = try a.current(record: Self.ledgerId)
        guard case .object(var members) = rev.body, let t = members.firstIndex(where: { $0.key == "title" }) else {
            throw HosoError(.recordNotFound, .both("không có tiêu đề", "no title"))
        }
        members[t].value = .string("SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS (bản sửa)")
        let body = JSONValue.object(members)
        let second = try a.revise(record: Self.ledgerId, body: body, author: "cán bộ VB", reason: "sửa tiêu đề")
        guard case .array(let pages)? = rev.body["pages"] else { throw HosoError(.recordNotFound, .both("không có trang", "no pages")) }
        let scans = pages.compactMap { $0["scan"]?.stringValue.flatMap(ObjectID.init(hex:)) }
        try #require(scans.count == 2)
        let sound = try a.fsck()
        try #require(sound.ok && sound.index.upToDate, "\(sound.damaged) \(sound.missing)")
        return (a, first, second, scans)
    }

    func remove(_ a: Archive, _ id: ObjectID) throws {
        try #require(unlink(a.files!.path(of: id)) == 0)
    }

    func manifests(_ a: Archive) throws -> [ObjectID] {
        try a.list(kind: .manifest).map { ObjectID(hex: $0.id)! }
    }

    @Test func deletedRevisionIsMissing() throws {
        let (a, first, _, _) = try prepare()
        try remove(a, first)
        let report = try a.fsck()
        #expect(!report.ok)
        #expect(report.damaged.isEmpty, "\(report.damaged)")
        let m = try #require(report.missing.first { $0.id == first.hex }, "\(report.missing)")
        #expect(m.problem == "missing")
        #expect(m.detail.contains("parent of ledger \(Self.ledgerId)"), "\(m.detail)")
        #expect(report.missing.count == 1, "\(report.missing)")
    }

    @Test func deletedManifestIsMissing() throws {
        let (a, _, _, _) = try prepare()
        let manifest = try #require(try manifests(a).first)
        try remove(a, manifest)
        let report = try a.fsck()
        #expect(!report.ok)
        #expect(report.missing.map(\.id) == [manifest.hex], "\(report.missing)")
        #expect(report.missing.first?.detail.contains("listed by the index as a manifest") == true, "\(report.missing)")
        #expect(report.index.indexedButAbsent == 1)
    }

    @Test func deletedScanIsMissing() throws {
        let (a, _, _, scans) = try prepare()
        try remove(a, scans[1])
        let report = try a.fsck()
        #expect(!report.ok)
        let m = try #require(report.missing.first, "\(report.missing)")
        #expect(report.missing.count == 1 && m.id == scans[1].hex, "\(report.missing)")
        #expect(m.detail.contains("by manifest"), "the manifest names it first, with its file name: \(m.detail)")
    }

    /// Without its manifest too, the ledger that names the scan is what reports it.
    @Test func scanNamedOnlyByTheLedgerIsMissing() throws {
        let (a, _, _, scans) = try prepare()
        try remove(a, scans[0])
        for m in try manifests(a) { try remove(a, m) }
        let report = try a.fsck()
        let m = try #require(report.missing.first { $0.id == scans[0].hex }, "\(report.missing)")
        #expect(m.detail.contains("scan of page 1 of ledger \(Self.ledgerId)"), "\(m.detail)")
    }

    /// "record" → "recore": once, fsck said nothing while reindex dropped the ledger. Now the header's check
    /// makes it corruption, reindex says it skipped the file, and the same bytes stored again repair it.
    @Test func flippedKindIsCorruptAndRepairable() throws {
        let (a, _, second, _) = try prepare()
        let path = a.files!.path(of: second)
        let content = try a.read(second)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[ObjectHeader.prefix.utf8.count + 5] ^= 0x01
        #expect(String(decoding: bytes.prefix(20), as: UTF8.self).hasSuffix("recore"))
        chmod(path, 0o644)
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let report = try a.fsck()
        #expect(!report.ok)
        let d = try #require(report.damaged.first, "\(report.damaged)")
        #expect(report.damaged.count == 1 && d.id == second.hex && d.problem == "corrupt", "\(report.damaged)")
        #expect(d.detail.contains("header"), "\(d.detail)")
        let rebuilt = try a.reindex()
        #expect(rebuilt.skipped.count == 1, "reindex says it left the file out: \(rebuilt.skipped)")

        // The revision's bytes, from a backup or a peer, put again.
        let rev = try Revision.decode(content, source: "backup")
        _ = try a.put(rev)
        let after = try a.fsck()
        #expect(after.ok, "\(after.damaged) \(after.missing)")
        #expect(try a.heads(record: Self.ledgerId) == [second.hex])
    }
}
