import Foundation
import HosoCore
import HosoKit
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore
import HosoTestSupport
import HosoTransport
import Testing

@testable import HosoSync

/// Three real archives — an office and two schools — each a sync node with a node certificate from the demo PKI.
final class District {
    let dir = TempDirectory()
    let now = HosoClock.parse("2025-03-10T08:00:00Z")!
    let pki: DemoPKIFixture
    let office: Archive, a: Archive, b: Archive
    let tsa: TimeStampAuthority
    var counter = 0

    init() throws {
        let clock = HosoClock.fixed(now)
        pki = try DemoPKIFixture(in: dir.path + "/pki", now: now - 86_400)
        office = try Archive.create(at: dir.path + "/office", clock: clock)
        a = try Archive.create(at: dir.path + "/truong-a", clock: clock)
        b = try Archive.create(at: dir.path + "/truong-b", clock: clock)
        for (archive, name, role) in [(office, "phong", NodeRole.office), (a, "truong-a", .school), (b, "truong-b", .school)] {
            try archive.initNode(
                name: name, role: role,
                identity: try DemoPKI.issueNode(pki: dir.path + "/pki", name: name, organization: "test", clock: clock))
        }
        func cert(_ x: Archive) throws -> Certificate { try Certificate(der: try x.read(ObjectID(hex: try x.nodeInfo().certificate)!)) }
        // The office shares ledgers and the district notice down, takes each school's grade books and the notice up.
        try office.addPeer(
            name: "truong-a", certificate: cert(a), role: .school, scope: ["shared/*", ">ledger:*", "<note:a/*"], author: "phong")
        try office.addPeer(
            name: "truong-b", certificate: cert(b), role: .school, scope: ["shared/*", ">ledger:*", "<note:b/*"], author: "phong")
        try a.addPeer(name: "phong", certificate: cert(office), role: .office, scope: ["shared/*", "<ledger:*", ">note:a/*"], author: "a")
        try b.addPeer(name: "phong", certificate: cert(office), role: .office, scope: ["shared/*", "<ledger:*", ">note:b/*"], author: "b")
        tsa = try pki.tsa(at: now)
    }

    func identity(_ name: String) throws -> SigningIdentity { try pki.identity(name) }

    /// Makes a bundle at `from` for `peer` and returns its path.
    func bundle(_ from: Archive, for peer: String, compress: Bool = true) throws -> String {
        counter += 1
        let path = dir.path + "/bundle-\(counter).tar"
        _ = try from.createBundle(for: peer, out: path, compress: compress)
        try Self.expectBagitValid(path)
        return path
    }

    /// Every bundle the tests make must pass `bagit.py --validate` (PyPI bagit, installed by tools/setup).
    static func expectBagitValid(_ bundle: String) throws {
        let python = pythonTool("python")
        let bagit = pythonTool("bagit.py")
        try #require(FileManager.default.fileExists(atPath: bagit), "run tools/setup (make test does)")
        let dir = bundle + ".extracted"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try runProgram("/bin/tar", ["-xf", bundle, "-C", dir]).status == 0)
        let bag = dir + "/" + (try FileManager.default.contentsOfDirectory(atPath: dir).first ?? "")
        let r = try runProgram(python, [bagit, "--validate", bag])
        #expect(r.status == 0 && r.err.contains("is valid"), "\(bundle): \(r.err)")
    }

    @discardableResult
    func send(_ from: Archive, _ to: Archive, as peer: String, timestamp: TimestampSource? = nil) throws -> Archive.BundleImported {
        try to.importBundle(try bundle(from, for: peer), timestamp: timestamp)
    }

    /// Everything that identifies the archive's visible state: objects and every record's heads.
    static func snapshot(_ x: Archive) throws -> (Set<String>, [String: [String]]) {
        var heads = [String: [String]]()
        for o in try x.list(kind: .record) {
            let r = try x.revision(ObjectID(hex: o.id)!)
            heads[r.recordId] = try x.heads(record: r.recordId)
        }
        return (Set(try x.list().map(\.id)), heads)
    }
}

func note(_ text: String) -> JSONValue { .object([JSONMember("text", .string(text))]) }

@Suite(.serialized) struct SyncTests {
    @Test func scopePatterns() throws {
        #expect(try ScopePattern("note:a/*").matches(type: "note", id: "a/x/y"))
        #expect(try !ScopePattern("note:a/*").matches(type: "ledger", id: "a/x"))
        #expect(try ScopePattern("*").matches(type: "ledger", id: "anything"))
        #expect(try ScopePattern("gradebook/*/2024-2025/*").matches(type: "grade-book", id: "gradebook/truong-a/2024-2025/9a/toan/hk1"))
        #expect(try !ScopePattern("gradebook/truong-a/*").matches(type: "grade-book", id: "gradebook/truong-b/x"))
        #expect(try ScopePattern("a?c").matches(type: "t", id: "abc") && !ScopePattern("a?c").matches(type: "t", id: "abbc"))
        #expect(throws: HosoError.self) { try ScopePattern("note:") }
    }

    @Test func threeArchivesConvergeWhateverTheOrder() throws {
        let d = try District()
        // Trust is set up at the office only, and flows down.
        try d.office.addTrustAnchors(
            try Certificate.load(file: d.dir.path + "/pki/roots/root-vgca-test.pem"), label: "vgca", author: "phong")
        try d.office.createRecord(type: "note", id: "shared/notice", body: note("Lịch thi 2025"), author: "phong")
        try d.a.createRecord(type: "note", id: "a/so-diem", body: note("Sổ điểm 9A"), author: "gv-a")
        try d.b.createRecord(type: "note", id: "b/so-diem", body: note("Sổ điểm 9B"), author: "gv-b")
        // School A signs its record offline: no timestamp yet.
        let (signed, _) = try d.a.sign("a/so-diem", identity: try d.identity("gv-toan"), role: .subjectTeacher)
        #expect(!signed.timestamped)

        // Round 1: the office sends down first, then the schools send up (the office timestamps on arrival).
        try d.send(d.office, d.a, as: "truong-a")
        try d.send(d.office, d.b, as: "truong-b")
        #expect(try d.a.trustAnchors().count == 1 && d.b.trustAnchors().count == 1)
        let up = try d.send(d.a, d.office, as: "phong", timestamp: .authority(d.tsa))
        #expect(up.result.signatures == 1 && up.result.timestamped == 1)
        try d.send(d.b, d.office, as: "phong")
        #expect(try d.office.verify("a/so-diem").signatures.first?.report.timestamp != nil)

        // Offline edits on all three of the shared notice: the office and school A from the same parent (a conflict),
        // school B not at all.
        try d.office.revise(record: "shared/notice", body: note("Lịch thi 2025 (sửa ngày)"), author: "phong", reason: "đổi ngày")
        try d.a.revise(record: "shared/notice", body: note("Lịch thi 2025 (sửa phòng)"), author: "gv-a", reason: "đổi phòng")
        try d.b.revise(record: "b/so-diem", body: note("Sổ điểm 9B v2"), author: "gv-b", reason: "sửa điểm")

        // Round 2 in another order: schools up first, then down.
        try d.send(d.a, d.office, as: "phong")
        try d.send(d.b, d.office, as: "phong")
        try d.send(d.office, d.b, as: "truong-b")
        try d.send(d.office, d.a, as: "truong-a")

        // The conflict is the same on all three.
        let expected = try d.office.conflicts()
        #expect(expected.map(\.recordId) == ["shared/notice"] && expected[0].heads.count == 2)
        #expect(try d.a.conflicts() == expected)
        #expect(try d.b.conflicts() == expected)

        // School B resolves it; everyone converges.
        try d.b.revise(record: "shared/notice", body: note("Lịch thi 2025 (hợp nhất)"), author: "gv-b", reason: "hợp nhất", resolve: true)
        try d.send(d.b, d.office, as: "phong")
        try d.send(d.office, d.a, as: "truong-a")
        try d.send(d.a, d.office, as: "phong")  // an acknowledgement round
        for x in [d.office, d.a, d.b] { #expect(try x.conflicts().isEmpty) }
        let heads = try d.office.heads(record: "shared/notice")
        #expect(try d.a.heads(record: "shared/notice") == heads && d.b.heads(record: "shared/notice") == heads)
        // Scope held: B never got A's grade book, and A's and B's own records reached the office.
        #expect(try d.b.heads(record: "a/so-diem").isEmpty)
        #expect(try d.office.heads(record: "b/so-diem") == d.b.heads(record: "b/so-diem"))
        #expect(try d.a.heads(record: "a/so-diem") == d.office.heads(record: "a/so-diem"))
        // The office's timestamped signature came back down to A.
        #expect(try d.a.verify("a/so-diem").signatures.first?.report.timestamp != nil)
        for x in [d.office, d.a, d.b] {
            let f = try x.fsck()
            #expect(f.ok && f.index.upToDate && f.temporaryFiles == 0)
        }
        // The peers record is local configuration: it never travels.
        #expect(try d.office.peers().map(\.name) == ["truong-a", "truong-b"] && d.a.peers().map(\.name) == ["phong"])
        // Nothing left to send once acknowledged.
        try d.send(d.office, d.a, as: "truong-a")
        let again = try d.a.createBundle(for: "phong", out: d.dir.path + "/empty.tar")
        #expect(again.objects == 0)
    }

    /// A record id the office uses for one type arrives as another: refused, with nothing imported (the check reads
    /// the types of a whole batch's records at once).
    @Test func aRecordIdOfAnotherTypeIsRefused() throws {
        let d = try District()
        try d.office.createRecord(type: "note", id: "shared/k", body: note("của phòng"), author: "phong")
        try d.a.createRecord(type: "notice", id: "shared/k", body: note("của trường"), author: "a")
        try d.a.createRecord(type: "note", id: "a/ok", body: note("đúng"), author: "a")
        let before = try District.snapshot(d.office)
        do {
            try d.send(d.a, d.office, as: "phong")
            Issue.record("the bundle was imported")
        } catch let e as HosoProblems {
            #expect(e.problems.map(\.code) == [.recordExists], "\(e.problems)")
            #expect(e.problems.first?.cause == "shared/k")
        }
        #expect(try District.snapshot(d.office) == before)
    }

    @Test func importingTwiceChangesNothingAndOldBundlesAreRefused() throws {
        let d = try District()
        try d.a.createRecord(type: "note", id: "a/x", body: note("một"), author: "a")
        let first = try d.bundle(d.a, for: "phong")
        // Its header follows Schemas/bundle.schema.json.
        let gz = BundleReader(source: try FileSource(path: first))
        let header = try CanonicalJSON.parse(Array(try JSONEncoder().encode(try gz.readTags().header)))
        #expect(try SchemaValidator.forRecordType("bundle").validate(header, source: "hoso-bundle.json").isEmpty)
        let r1 = try d.office.importBundle(first)
        #expect(!r1.alreadyImported && r1.result.revisions == 1)
        let before = try District.snapshot(d.office)
        let r2 = try d.office.importBundle(first)
        #expect(r2.alreadyImported)
        #expect(try District.snapshot(d.office) == before)
        // A newer bundle, then the old one again: refused as a replay.
        try d.a.revise(record: "a/x", body: note("hai"), author: "a", reason: "r")
        // Not acknowledged yet (the office sent nothing back), so the first revision travels again: only one is new.
        #expect(try d.office.importBundle(try d.bundle(d.a, for: "phong")).result.newObjects == 1)
        let after = try District.snapshot(d.office)
        #expect(throws: HosoError(.bundleReplayed, .both("", ""))) { try d.office.importBundle(first) }
        #expect(try District.snapshot(d.office) == after)
    }

    // MARK: - Hostile bundles

    /// The members of an uncompressed bundle.
    static func members(_ path: String) throws -> [(String, [UInt8])] {
        let r = TarReader(source: try FileSource(path: path), maxMemberSize: 1 << 30)
        var out = [(String, [UInt8])]()
        while let e = try r.next() { out.append((e.path + (e.isDirectory ? "/" : ""), try r.readBody())) }
        return out
    }

    /// Writes members back as a tar; `raw` headers let a test write what TarWriter never would.
    static func write(_ members: [(String, [UInt8])], to path: String, raw: [[UInt8]] = []) throws {
        let sink = MemorySink()
        let w = TarWriter(sink: sink, mtime: 0)
        for (p, b) in members {
            if p.hasSuffix("/") { try w.addDirectory(path: p) } else { try w.add(path: p, bytes: b) }
        }
        for h in raw { try sink.writeBytes(h) }
        try w.finish()
        try Data(sink.bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A tar header for a symbolic link.
    static func symlinkHeader(_ path: String, to target: String) throws -> [UInt8] {
        var h = try TarWriter.header(path: path, size: 0, mtime: 0, type: 0x32)
        for (i, b) in target.utf8.enumerated() { h[157 + i] = b }
        for i in 148..<156 { h[i] = 0x20 }
        let s = String(h.reduce(0) { $0 + Int($1) }, radix: 8)
        for (i, b) in (Array((String(repeating: "0", count: 6 - s.count) + s).utf8) + [0, 0x20]).enumerated() { h[148 + i] = b }
        return h
    }

    /// Re-signs tag files after a change, as the sending node would (its key is on this machine in the test).
    static func resign(_ members: inout [(String, [UInt8])], base: String, identity: SigningIdentity, at now: Date) throws {
        func index(_ name: String) -> Int { members.firstIndex { $0.0 == base + "/" + name }! }
        let tagManifest = ["bagit.txt", "bag-info.txt", "hoso-bundle.json", "manifest-sha256.txt"].map {
            "\(ObjectID(hashing: members[index($0)].1).hex)  \($0)\n"
        }.joined()
        members[index("tagmanifest-sha256.txt")].1 = Array(tagManifest.utf8)
        members[index("hoso-bundle.p7s")].1 = try CMSSigner.sign(content: Array(tagManifest.utf8), identity: identity, role: nil, at: now)
    }

    func nodeIdentity(_ d: District, _ x: Archive, name: String) throws -> SigningIdentity {
        let key = try PrivateKey.load(pem: try Array(Data(contentsOf: URL(fileURLWithPath: x.root + "/node/node-key.pem"))))
        return SigningIdentity(key: key, certificate: try Certificate(der: try x.read(ObjectID(hex: try x.nodeInfo().certificate)!)))
    }

    @Test(arguments: [
        "bad digest", "dot-dot path", "absolute path", "symlink", "forged signature", "unknown node", "decompression bomb",
        "wrong recipient", "unlisted file", "out of scope",
    ])
    func hostileBundleIsRejectedWithNothingImported(_ attack: String) throws {
        let d = try District()
        try d.a.createRecord(type: "note", id: "a/x", body: note("một"), author: "a")
        try d.a.createRecord(type: "note", id: "shared/y", body: note("hai"), author: "a")
        let blob = try d.a.store.put(noise(4096, seed: 7), kind: .blob).0
        try d.a.index.record(objects: [blob])
        try d.a.createRecord(type: "note", id: "a/scan", body: .object([JSONMember("page", .string(blob.id.hex))]), author: "a")
        let good = try d.bundle(d.a, for: "phong", compress: false)
        var m = try Self.members(good)
        let base = m[0].0.split(separator: "/")[0]
        let signer = try nodeIdentity(d, d.a, name: "truong-a")
        let hostile = d.dir.path + "/hostile.tar"
        var expected: HosoError.Code
        var limits = BundleReader.Limits()
        switch attack {
        case "bad digest":
            let i = m.firstIndex { $0.0.contains("/data/blob/") }!
            m[i].1[100] ^= 1
            try Self.write(m, to: hostile)
            expected = .bagDigestMismatch
        case "dot-dot path":
            m.append(("\(base)/data/../../escape", [1, 2, 3]))
            try Self.write(m, to: hostile)
            expected = .tarUnsafePath
        case "absolute path":
            m.insert(("/tmp/hoso-escape", [1, 2, 3]), at: 0)
            try Self.write(m, to: hostile)
            expected = .tarUnsafePath
        case "symlink":
            try Self.write(m, to: hostile, raw: [try Self.symlinkHeader("\(base)/data/blob/link", to: "/etc/passwd")])
            expected = .tarUnsupportedEntry
        case "forged signature":
            // Change what the header says and re-sign with a key that is not A's (B's node key), claiming to be A.
            let i = m.firstIndex { $0.0.hasSuffix("/hoso-bundle.json") }!
            m[i].1 = Array(
                String(decoding: m[i].1, as: UTF8.self).replacingOccurrences(of: "\"sequence\" : 1", with: "\"sequence\" : 7").utf8)
            try Self.resign(&m, base: String(base), identity: try nodeIdentity(d, d.b, name: "truong-b"), at: d.now)
            try Self.write(m, to: hostile)
            expected = .bundleSignatureInvalid
        case "unknown node":
            // A stranger with a real certificate from the same CA, correctly signed: not a peer of the office.
            let x = try Archive.create(at: d.dir.path + "/stranger", clock: .fixed(d.now))
            try x.initNode(
                name: "stranger", role: .school,
                identity: try DemoPKI.issueNode(pki: d.dir.path + "/pki", name: "stranger", organization: "x", clock: .fixed(d.now)))
            try x.addPeer(
                name: "phong", certificate: try Certificate(der: try d.office.read(ObjectID(hex: try d.office.nodeInfo().certificate)!)),
                role: .office, scope: ["*"], author: "x")
            try x.createRecord(type: "note", id: "a/x", body: note("giả"), author: "x")
            _ = try x.createBundle(for: "phong", out: hostile)
            expected = .unknownNode
        case "decompression bomb":
            // Correctly signed by A, but its payload inflates to 256 MiB from a quarter of a megabyte of gzip: refused at
            // the member's header, which says more than the signed Payload-Oxum allows, before anything is inflated.
            let huge: UInt64 = 256 << 20
            let zeros = [UInt8](repeating: 0, count: 1 << 20)
            let h = SHA256()
            for _ in 0..<(huge >> 20) { h.update(zeros) }
            let id = ObjectID(digest: h.finalize())
            var header = try JSONDecoder().decode(BundleHeader.self, from: Data(m.first { $0.0.hasSuffix("/hoso-bundle.json") }!.1))
            header.objects = 1
            header.bytes = 1 << 20  // the signed tags lie: they promise 1 MiB
            let objects = [BundleObject(id: id, kind: .blob, size: huge)]
            let file = try FileHandleFD.open(hostile, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644, action: .both("", ""))
            let gz = try GzipSink(FileSink(handle: file), level: 9)
            try BundleFormat.write(
                to: gz, header: header, objects: objects, mtime: 0,
                sign: { try CMSSigner.sign(content: $0, identity: signer, role: nil, at: d.now) },
                content: { _, out in for _ in 0..<(huge >> 20) { try out.writeBytes(zeros) } })
            try gz.finish()
            limits.maxBundle = 64 << 20
            expected = .bundleTooLarge
        case "wrong recipient":
            _ = try d.a.createBundle(for: "phong", out: hostile)
            // Made for the office, imported at school B (which knows A? no: B does not know A at all → unknown).
            try d.b.addPeer(name: "truong-a", certificate: signer.certificate, role: .school, scope: ["*"], author: "b")
            let r = #expect(throws: HosoError.self) { try d.b.importBundle(hostile) }
            #expect(r?.code == .wrongRecipient)
            return
        case "unlisted file":
            m.append(("\(base)/data/blob/" + String(repeating: "ab", count: 32), [9, 9]))
            try Self.write(m, to: hostile)
            expected = .bagInvalid
        default:  // out of scope: A signs a bundle carrying a trust-store revision, which the office never accepts from a school
            try d.a.addTrustAnchors(try Certificate.load(file: d.dir.path + "/pki/roots/root-neac-test.pem"), label: "x", author: "a")
            try d.a.removePeer("phong", author: "a")
            try d.a.addPeer(
                name: "phong", certificate: try Certificate(der: try d.office.read(ObjectID(hex: try d.office.nodeInfo().certificate)!)),
                role: .school, scope: ["*"], author: "a")  // A pretends the office is a school it sends trust to
            var na = try d.a.nodeInfo()
            na.role = .office
            try Data(try JSONEncoder().encode(na)).write(to: URL(fileURLWithPath: d.a.root + "/node/node.json"))
            _ = try d.a.createBundle(for: "phong", out: hostile)
            expected = .notAuthorised
        }
        let before = try District.snapshot(d.office)
        let statesBefore = try FileManager.default.contentsOfDirectory(atPath: d.office.root).sorted()
        let start = Date()
        do {
            _ = try d.office.importBundle(hostile, limits: limits)
            Issue.record("\(attack): imported")
        } catch let e as HosoError {
            #expect(e.code == expected, "\(attack): \(e)")
        } catch let e as HosoProblems {
            #expect(e.problems.contains { $0.code == expected }, "\(attack): \(e)")
        }
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(try District.snapshot(d.office) == before, "\(attack): something became visible")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d.office.root + "/tmp").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: d.office.root).sorted() == statesBefore)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/hoso-escape"))
        // The honest bundle still imports afterwards.
        if attack != "unknown node" && attack != "out of scope" {
            #expect(try d.office.importBundle(good).result.revisions == 3)
        }
    }
}

/// Lets a test's HTTP handler stop the server it runs in.
final class ServerBox: @unchecked Sendable {
    let lock = NSLock()
    var server: HTTPService?
    var batches = 0
}

@Suite(.serialized) struct SyncHTTPTests {
    func serve(_ archive: Archive, timestamp: TimestampSource? = nil, stopAfterBatches: Int? = nil) throws -> (HTTPService, String) {
        let sync = HTTPService.Route.sync(SyncHandler(service: ArchiveSyncService(archive: archive, timestamp: timestamp)))
        let box = ServerBox()
        let route = HTTPService.Route(maxBody: sync.maxBody, preflight: sync.preflight) { r in
            let resp = sync.handle(r)
            if r.path.hasSuffix("/objects"), let stop = stopAfterBatches {
                let n = box.lock.withLock {
                    box.batches += 1
                    return box.batches
                }
                // The connection drops after this batch: the server goes away mid-transfer.
                if n == stop { DispatchQueue.global().async { box.lock.withLock { box.server }?.stop() } }
            }
            return resp
        }
        let server = HTTPService { _ in route }
        box.lock.withLock { box.server = server }
        let port = try server.start()
        return (server, "http://127.0.0.1:\(port)/")
    }

    // The sync listener knows who is asking from the signed head: a stranger's, unsigned or forged request is
    // answered without its body being read, an oversized one too; a body that is not the signed one is refused.
    @Test func syncServerChecksTheNodeBeforeReadingTheBody() throws {
        let d = try District()
        let server = d.office.syncServer(host: "127.0.0.1", port: 0)
        let port = try server.start()
        defer { server.stop() }
        // Anonymous and over the limit: 413, not one byte of the body sent.
        let huge = try RawConnection(port: port)
        huge.send("POST /sync/objects HTTP/1.1\r\nHost: x\r\nContent-Length: \(SyncHandler.maxBody + 1)\r\n\r\n")
        #expect(huge.readAnswer().status == 413)
        #expect(huge.closedByServer(within: 60))
        // Anonymous within the limit: 401 before the body, and the connection closed.
        let anonymous = try RawConnection(port: port)
        anonymous.send("POST /sync/objects HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
        #expect(anonymous.readAnswer().status == 401)
        #expect(anonymous.closedByServer(within: 60))
        // Signed by school A over one body's digest: a forged digest fails before the body, another body after it.
        let (me, id) = (try d.a.nodeInfo(), try District.nodeKey(d.a))
        let body = Array(#"{"have":[]}"#.utf8)
        func head(digest: String, signedDigest: String, length: Int) throws -> String {
            let t = HosoClock.format(d.now)
            let nonce = SyncAuth.nonce()
            let sig = try SyncAuth.sign(
                SyncAuth.message(method: "POST", path: "/sync/want", time: t, nonce: nonce, bodyDigest: signedDigest), identity: id,
                at: d.now)
            return "POST /sync/want HTTP/1.1\r\nHost: x\r\nContent-Length: \(length)\r\nX-Hoso-Node: \(me.node)\r\n"
                + "X-Hoso-Time: \(t)\r\nX-Hoso-Nonce: \(nonce)\r\nX-Hoso-Signature: \(sig)\r\n"
                + "\(SyncAuth.bodyDigestHeader): \(digest)\r\n\r\n"
        }
        let forged = try RawConnection(port: port)
        forged.send(try head(digest: SyncAuth.digest(body), signedDigest: SyncAuth.digest([1]), length: 10_000_000))
        #expect(forged.readAnswer().status == 401)
        let swapped = try RawConnection(port: port)
        let other = Array(#"{"have":[ ]}"#.utf8)
        swapped.send(Array(try head(digest: SyncAuth.digest(body), signedDigest: SyncAuth.digest(body), length: other.count).utf8) + other)
        #expect(swapped.readAnswer().status == 401)
        let genuine = try RawConnection(port: port)
        genuine.send(Array(try head(digest: SyncAuth.digest(body), signedDigest: SyncAuth.digest(body), length: body.count).utf8) + body)
        #expect(genuine.readAnswer().status == 200)
        // And the protocol itself still runs against this listener.
        let r = try d.a.sync(url: "http://127.0.0.1:\(port)/sync", peer: "phong")
        #expect(r.requests > 0)
    }

    @Test func httpSyncConvergesAndTimestampsOnArrival() throws {
        let d = try District()
        try d.office.addTrustAnchors(
            try Certificate.load(file: d.dir.path + "/pki/roots/root-vgca-test.pem"), label: "vgca", author: "phong")
        try d.office.createRecord(type: "note", id: "shared/notice", body: note("Lịch thi"), author: "phong")
        try d.a.createRecord(type: "note", id: "a/so-diem", body: note("Sổ điểm 9A"), author: "gv-a")
        _ = try d.a.sign("a/so-diem", identity: try d.identity("gv-toan"), role: .subjectTeacher)
        let (server, url) = try serve(d.office, timestamp: .authority(d.tsa))
        defer { server.stop() }
        let r = try d.a.sync(url: url, peer: "phong")
        #expect(r.pushed == 2 && r.received.revisions >= 2)  // the notice and the trust store came down
        #expect(try d.office.verify("a/so-diem").signatures.first?.report.timestamp != nil)
        // The school ends with the office's timestamped signature after one more round; then nothing moves.
        _ = try d.a.sync(url: url, peer: "phong")
        #expect(try d.a.verify("a/so-diem").signatures.first?.report.timestamp != nil)
        let quiet = try d.a.sync(url: url, peer: "phong")
        #expect(quiet.pushed == 0 && quiet.pulled == 0)
        #expect(try d.a.heads(record: "shared/notice") == d.office.heads(record: "shared/notice"))
        // School B syncs by HTTP too; the same notice, A's grade book stays out of B.
        _ = try d.b.sync(url: url, peer: "phong")
        #expect(try d.b.heads(record: "shared/notice") == d.office.heads(record: "shared/notice") && d.b.heads(record: "a/so-diem").isEmpty)
        for x in [d.office, d.a, d.b] { #expect(try x.fsck().ok) }
    }

    @Test func bundlesAndHTTPMixedConvergeWithTheSameConflictEverywhere() throws {
        let d = try District()
        let (server, url) = try serve(d.office)
        defer { server.stop() }
        try d.office.createRecord(type: "note", id: "shared/notice", body: note("v1"), author: "phong")
        _ = try d.a.sync(url: url, peer: "phong")  // A by HTTP
        try d.send(d.office, d.b, as: "truong-b")  // B by USB stick
        // Offline, both schools change the notice from the same parent.
        try d.a.revise(record: "shared/notice", body: note("v2-a"), author: "a", reason: "a")
        try d.b.revise(record: "shared/notice", body: note("v2-b"), author: "b", reason: "b")
        try d.b.createRecord(type: "note", id: "b/x", body: note("b"), author: "b")
        try d.send(d.b, d.office, as: "phong")  // B's stick reaches the office first
        _ = try d.a.sync(url: url, peer: "phong")  // then A syncs, and receives B's branch
        try d.send(d.office, d.b, as: "truong-b")  // and B's next stick brings A's branch
        let c = try d.office.conflicts()
        #expect(c.count == 1 && c[0].heads.count == 3 - 1)
        #expect(try d.a.conflicts() == c)
        #expect(try d.b.conflicts() == c)
        try d.office.revise(record: "shared/notice", body: note("v3"), author: "phong", reason: "merge", resolve: true)
        _ = try d.a.sync(url: url, peer: "phong")
        try d.send(d.office, d.b, as: "truong-b")
        let heads = try d.office.heads(record: "shared/notice")
        #expect(heads.count == 1)
        #expect(try d.a.heads(record: "shared/notice") == heads)
        #expect(try d.b.heads(record: "shared/notice") == heads)
        #expect(try d.a.heads(record: "b/x").isEmpty)
        #expect(try d.office.heads(record: "b/x") == d.b.heads(record: "b/x"))
        for x in [d.office, d.a, d.b] { #expect(try x.conflicts().isEmpty && x.fsck().ok) }
    }

    @Test func anUnknownNodeAndAReplayedRequestAreRefused() throws {
        let d = try District()
        let (server, url) = try serve(d.office)
        defer { server.stop() }
        // A stranger with a certificate from the same CA, who pins the office: refused with 403.
        let x = try Archive.create(at: d.dir.path + "/stranger", clock: .fixed(d.now))
        try x.initNode(
            name: "stranger", role: .school,
            identity: try DemoPKI.issueNode(pki: d.dir.path + "/pki", name: "stranger", organization: "x", clock: .fixed(d.now)))
        try x.addPeer(
            name: "phong", certificate: try Certificate(der: try d.office.read(ObjectID(hex: try d.office.nodeInfo().certificate)!)),
            role: .office, scope: ["*"], author: "x")
        let e = #expect(throws: HosoError.self) { try x.sync(url: url, peer: "phong") }
        #expect(e?.code == .unknownNode)
        // A captured request sent again is refused; so is a stale one.
        let handler = SyncHandler(service: ArchiveSyncService(archive: d.office))
        let (me, id) = (try d.a.nodeInfo(), try District.nodeKey(d.a))
        func request(time: Date, nonce: String) throws -> SyncRequest {
            let t = HosoClock.format(time)
            let sig = try SyncAuth.sign(
                SyncAuth.message(method: "POST", path: "/sync/hello", time: t, nonce: nonce, body: []), identity: id, at: d.now)
            return SyncRequest(
                method: "POST", path: "/sync/hello",
                headers: [
                    "x-hoso-node": me.node, "x-hoso-time": t, "x-hoso-nonce": nonce,
                    "x-hoso-signature": sig,
                ], body: [])
        }
        let r = try request(time: d.now, nonce: SyncAuth.nonce())
        #expect(handler.handle(r).status == 200)
        #expect(handler.handle(r).status == 401)
        #expect(handler.handle(try request(time: d.now - 3600, nonce: SyncAuth.nonce())).status == 401)
        var forged = try request(time: d.now, nonce: SyncAuth.nonce())
        forged.body = [1]
        #expect(handler.handle(forged).status == 401)
    }

    @Test func aSyncCutMidTransferResumesWithoutResending() throws {
        let d = try District()
        var pages = [JSONValue]()
        for i in 0..<12 {
            let o = try d.a.store.put(noise(300_000, seed: UInt64(i + 1)), kind: .blob).0
            try d.a.index.record(objects: [o])
            pages.append(.string(o.id.hex))
        }
        try d.a.createRecord(type: "note", id: "a/scans", body: .object([JSONMember("pages", .array(pages))]), author: "a")
        let (first, url1) = try serve(d.office, stopAfterBatches: 4)
        let cut = #expect(throws: HosoError.self) { try d.a.sync(url: url1, peer: "phong", batchBytes: 256 << 10) }
        #expect(cut?.code == .syncUnavailable, "\(String(describing: cut))")
        first.stop()
        // What arrived waits aside for the revision that names it: not in the office's store yet.
        #expect(try d.office.list(kind: .blob).isEmpty)
        let inbox = d.office.root + "/sync/inbox/" + (try d.a.nodeInfo().node)
        let arrived = try FileManager.default.contentsOfDirectory(atPath: inbox).count
        #expect(arrived >= 4 && arrived < 12)
        // As if the client had been killed too, before it wrote down what arrived: it must ask the server what is missing.
        try FileManager.default.removeItem(atPath: d.a.root + "/sync/" + (try d.office.nodeInfo().node) + ".json")
        // A new server on the same archive: the sync resumes, sending only what had not arrived.
        let (second, url2) = try serve(d.office)
        defer { second.stop() }
        let r = try d.a.sync(url: url2, peer: "phong", batchBytes: 256 << 10)
        #expect(r.pushed == 12 - arrived + 1 && r.alreadyThere == arrived)
        #expect(r.bytesSent < UInt64(12 - arrived + 1) * 300_000 + 200_000)
        #expect(try d.office.list(kind: .blob).count == 12)
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbox).isEmpty)
        #expect(try d.office.heads(record: "a/scans") == d.a.heads(record: "a/scans"))
        #expect(try d.office.fsck().ok)
    }
}

extension District {
    static func nodeKey(_ x: Archive) throws -> SigningIdentity {
        let key = try PrivateKey.load(pem: try Array(Data(contentsOf: URL(fileURLWithPath: x.root + "/node/node-key.pem"))))
        return SigningIdentity(key: key, certificate: try Certificate(der: try x.read(ObjectID(hex: try x.nodeInfo().certificate)!)))
    }
}
