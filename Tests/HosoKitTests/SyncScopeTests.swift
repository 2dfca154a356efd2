import Foundation
import HosoCore
import HosoKit
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoSync

/// What a peer may send (issue 15): records, signatures and trust data by scope, and only the files that an arriving
/// revision names — never a manifest, a file nothing names, or a kind hoso does not exchange; bundle numbers and
/// acknowledgements within bounds; a gzip bundle's CRC checked.
@Suite(.serialized) struct SyncScopeTests {
    /// A's honest bundle for the office, uncompressed, as tar members, with the bag's base directory.
    func honestBundle(_ d: District) throws -> (members: [(String, [UInt8])], base: String, good: String) {
        try d.a.createRecord(type: "note", id: "a/x", body: note("một"), author: "a")
        let good = try d.bundle(d.a, for: "phong", compress: false)
        let m = try SyncTests.members(good)
        return (m, String(m[0].0.split(separator: "/")[0]), good)
    }

    func identity(_ x: Archive) throws -> SigningIdentity {
        let key = try PrivateKey.load(pem: try Array(Data(contentsOf: URL(fileURLWithPath: x.root + "/node/node-key.pem"))))
        return SigningIdentity(key: key, certificate: try Certificate(der: try x.read(ObjectID(hex: try x.nodeInfo().certificate)!)))
    }

    /// Changes the signed header (and the bag's totals with it) and signs again with A's own node key: everything the
    /// attack carries is properly signed by a peer the office knows.
    func edit(
        _ m: inout [(String, [UInt8])], base: String, _ d: District, adding extra: (kind: String, bytes: [UInt8])? = nil,
        header change: (inout BundleHeader) -> Void = { _ in }
    ) throws {
        func index(_ name: String) -> Int { m.firstIndex { $0.0 == base + "/" + name }! }
        var header = try JSONDecoder().decode(BundleHeader.self, from: Data(m[index("hoso-bundle.json")].1))
        let oldOxum = "Payload-Oxum: \(header.bytes).\(header.objects)"
        if let extra {
            let id = ObjectID(hashing: extra.bytes).hex
            m.append(("\(base)/data/\(extra.kind)/\(id)", extra.bytes))
            m[index("manifest-sha256.txt")].1 += Array("\(id)  data/\(extra.kind)/\(id)\n".utf8)
            header.objects += 1
            header.bytes += UInt64(extra.bytes.count)
        }
        change(&header)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        m[index("hoso-bundle.json")].1 = Array(try enc.encode(header)) + [0x0A]
        let info = String(decoding: m[index("bag-info.txt")].1, as: UTF8.self)
        m[index("bag-info.txt")].1 = Array(
            info.replacingOccurrences(of: oldOxum, with: "Payload-Oxum: \(header.bytes).\(header.objects)").utf8)
        try SyncTests.resign(&m, base: base, identity: try identity(d.a), at: d.now)
    }

    /// Imports `path` at the office and expects `code` with nothing changed.
    func expectRefused(_ d: District, _ path: String, _ code: HosoError.Code, _ comment: String) throws {
        let before = try District.snapshot(d.office)
        do {
            _ = try d.office.importBundle(path)
            Issue.record("\(comment): imported")
        } catch let e as HosoError {
            #expect(e.code == code, "\(comment): \(e)")
        } catch let e as HosoProblems {
            #expect(e.problems.contains { $0.code == code }, "\(comment): \(e)")
        }
        #expect(try District.snapshot(d.office) == before, "\(comment): something became visible")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d.office.root + "/tmp").isEmpty)
    }

    @Test(arguments: ["manifest", "unreferenced blob", "unknown kind", "unreferenced copy"])
    func aPeerSendsOnlyFilesItsRevisionsName(_ attack: String) throws {
        let d = try District()
        var (m, base, good) = try honestBundle(d)
        let extra: (kind: String, bytes: [UInt8])
        switch attack {
        case "manifest":
            // A forged manifest naming a file the office never had: accepted, fsck would report it missing forever.
            let ghost = Manifest.Entry(path: "ho-so/gia.pdf", id: ObjectID(hashing: [1, 2, 3]), kind: .blob, size: 3)
            extra = ("manifest", try Manifest(addedAt: "2025-03-10T08:00:00Z", entries: [ghost]).encoded())
        case "unreferenced blob": extra = ("blob", noise(1000, seed: 3))
        case "unreferenced copy": extra = ("copy", noise(2000, seed: 4))
        default: extra = ("xyz", [1, 2, 3])
        }
        try edit(&m, base: base, d, adding: extra)
        let hostile = d.dir.path + "/scope-\(attack.replacingOccurrences(of: " ", with: "-")).tar"
        try SyncTests.write(m, to: hostile)
        try expectRefused(d, hostile, .notAuthorised, attack)
        // The honest bundle still imports, and the office's archive stays sound.
        #expect(try d.office.importBundle(good).result.revisions == 1)
        #expect(try d.office.fsck().ok)
    }

    @Test func aFileTravelsWithTheRevisionThatNamesIt() throws {
        let d = try District()
        let blob = try d.a.store.put(noise(4096, seed: 7), kind: .blob).0
        try d.a.index.record(objects: [blob])
        try d.a.createRecord(type: "note", id: "a/scan", body: .object([JSONMember("page", .string(blob.id.hex))]), author: "a")
        let r = try d.send(d.a, d.office, as: "phong")
        #expect(r.result.newObjects == 2)
        #expect(try d.office.read(blob.id) == noise(4096, seed: 7))
    }

    @Test func bundleNumbersStayInBounds() throws {
        let d = try District()
        var (m, base, _) = try honestBundle(d)
        var far = m
        try edit(&far, base: base, d) { $0.sequence = BundleFormat.maxSequenceGap + 2 }
        try SyncTests.write(far, to: d.dir.path + "/far.tar")
        try expectRefused(d, d.dir.path + "/far.tar", .bundleOutOfSequence, "a jump past the gap")
        try edit(&m, base: base, d) { $0.sequence = Int.max }
        try SyncTests.write(m, to: d.dir.path + "/max.tar")
        try expectRefused(d, d.dir.path + "/max.tar", .bagInvalid, "a number past the bound")
    }

    @Test func anAcknowledgementOfBundlesNeverMadeMarksNothingDelivered() throws {
        let d = try District()
        try d.office.createRecord(type: "note", id: "shared/thong-bao", body: note("thông báo"), author: "phong")
        // The office's bundle 1 for A is lost on the way (a USB stick left on a bus).
        _ = try d.bundle(d.office, for: "truong-a")
        var (m, base, _) = try honestBundle(d)
        // A says it has imported the office's bundles up to 5: the office made only one, so this archive is an older
        // copy than A has seen (or A is wrong). Nothing counts as delivered, and the next bundle is numbered past 5.
        try edit(&m, base: base, d) { $0.acknowledges = 5 }
        try SyncTests.write(m, to: d.dir.path + "/ack.tar")
        _ = try d.office.importBundle(d.dir.path + "/ack.tar")
        let next = try d.office.createBundle(for: "truong-a", out: d.dir.path + "/next.tar")
        #expect(next.sequence == 6)
        #expect(try d.a.importBundle(d.dir.path + "/next.tar").result.revisions >= 1)
        #expect(try d.a.heads(record: "shared/thong-bao").count == 1)
    }

    @Test func aGzipBundleWhoseChecksumIsWrongIsRefused() throws {
        let d = try District()
        try d.a.createRecord(type: "note", id: "a/x", body: note("một"), author: "a")
        let path = try d.bundle(d.a, for: "phong", compress: true)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // gzip ends with the CRC-32 of the data, then its length: the stored CRC no longer matches.
        bytes[bytes.count - 8] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path + ".bad"))
        try expectRefused(d, path + ".bad", .tarMalformed, "a wrong gzip CRC")
        #expect(try d.office.importBundle(path).result.revisions == 1)
    }
}
