// `hoso-bench-signing --renew N`: what `hoso renew` costs over N signatures, run by tools/bench-renew.
// Synthetic signature objects (SIZE bytes each, the size of a CAdES signature with its chain) are written to one
// file; then, timed: the hash pass (SHA-256 of every object, as renew re-checks each object's digest), the RFC 4998
// hash tree over the N leaves, and one RFC 3161 timestamp over its root (an in-process TSA). Checked: one object's
// evidence record verifies, and a flipped leaf does not.
import Foundation
import HosoCore
import HosoPrimitives
import HosoSigning

struct RenewResult: Codable {
    var signatures: Int
    var objectBytes: Int
    var totalBytes: Int
    var file: String
    var hashPassSeconds: Double
    var treeSeconds: Double
    var timestampSeconds: Double
    var renewSeconds: Double
    var evidenceChecked: Bool
}

struct RenewBenchmark {
    var count: Int
    var size: Int
    var workParent: String
    var json: String?
    var keepFile: Bool

    func run() throws -> Int32 {
        let dir = workParent + "/hoso-bench-renew-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/signatures.bin"
        try write(path)
        defer { if !keepFile { try? FileManager.default.removeItem(atPath: dir) } }
        let (tsa, root) = try authority()

        let t0 = Date()
        var leaves = [[UInt8]]()
        leaves.reserveCapacity(count)
        guard let fh = FileHandle(forReadingAtPath: path) else { throw HosoError(.inputUnreadable, .both("đọc", "read")) }
        let perChunk = max(1, (8 << 20) / size)
        var left = count
        while left > 0 {
            let n = min(perChunk, left)
            let chunk = [UInt8](fh.readData(ofLength: n * size))
            guard chunk.count == n * size else { throw HosoError(.inputUnreadable, .both("tệp ngắn", "short file")) }
            for i in 0..<n { leaves.append(SHA256.hash(chunk[(i * size)..<((i + 1) * size)])) }
            left -= n
        }
        try fh.close()
        let t1 = Date()
        let tree = HashTree(leaves: leaves)
        let t2 = Date()
        let token = try tsa.token(forDigest: tree.root)
        let t3 = Date()

        // Sanity: one signature's evidence record, derived from the tree, checks; a flipped leaf does not.
        let probe = leaves[count / 2]
        let reduced = tree.reduced(for: probe) ?? []
        let er = EvidenceRecord(archiveTimeStampSequence: [
            [ArchiveTimeStamp(reducedHashtree: reduced.map { $0.map { Hex.encode($0) } }, timeStamp: token)]
        ])
        let now = tsa.clock.now()
        let crl = try PKI.crl(issuer: root, revoked: [], thisUpdate: now - 3600, nextUpdate: now + 30 * 86400, number: 1)
        let verifier = SignatureVerifier(trust: TrustContext(roots: [root.certificate], crls: [crl]), clock: .fixed(now))
        var flipped = probe
        flipped[0] ^= 1
        let ok =
            verifier.checkEvidence(er, for: probe).existedAt != nil
            && verifier.checkEvidence(er, for: flipped).indication != .passed
        let result = RenewResult(
            signatures: count, objectBytes: size, totalBytes: count * size, file: keepFile ? path : "",
            hashPassSeconds: t1.timeIntervalSince(t0), treeSeconds: t2.timeIntervalSince(t1),
            timestampSeconds: t3.timeIntervalSince(t2), renewSeconds: t3.timeIntervalSince(t0), evidenceChecked: ok)
        print(
            String(
                format: "renew over %d signatures (%d bytes each): hash pass %.2f s, tree %.2f s, timestamp %.1f ms, total %.2f s",
                count, size, result.hashPassSeconds, result.treeSeconds, result.timestampSeconds * 1000, result.renewSeconds))
        if let json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            try e.encode(result).write(to: URL(fileURLWithPath: json))
        }
        return ok ? 0 : 1
    }

    /// N objects of `size` bytes: a counter, then xorshift filler (distinct, incompressible, cheap to make).
    func write(_ path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw HosoError(.inputUnreadable, .both("ghi", "write")) }
        guard let fh = FileHandle(forWritingAtPath: path) else { throw HosoError(.inputUnreadable, .both("ghi", "write")) }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var buf = [UInt8]()
        buf.reserveCapacity(8 << 20)
        for i in 0..<count {
            withUnsafeBytes(of: UInt64(i).bigEndian) { buf.append(contentsOf: $0) }
            var j = 8
            while j < size {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                withUnsafeBytes(of: state) { raw in buf.append(contentsOf: raw.prefix(min(8, size - j))) }
                j += 8
            }
            if buf.count >= 8 << 20 {
                fh.write(Data(buf))
                buf.removeAll(keepingCapacity: true)
            }
        }
        fh.write(Data(buf))
        try fh.close()
    }

    /// A throwaway root and TSA (P-256), valid a year around now.
    func authority() throws -> (TimeStampAuthority, SigningIdentity) {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let rootKey = try PrivateKey.generate(.ecP256)
        let rootCert = try PKI.issue(
            CertificateSpec(
                subject: [.commonName("bench root")], notBefore: now - 86400, notAfter: now + 365 * 86400, isCA: true,
                keyUsage: [.keyCertSign, .cRLSign]), key: rootKey, issuer: nil)
        let key = try PrivateKey.generate(.ecP256)
        let cert = try PKI.issue(
            CertificateSpec(
                subject: [.commonName("bench TSA")], notBefore: now - 86400, notAfter: now + 365 * 86400, keyUsage: [.digitalSignature],
                extendedKeyUsage: [OID.timeStamping], extendedKeyUsageCritical: true),
            key: key, issuer: SigningIdentity(key: rootKey, certificate: rootCert))
        return (
            try TimeStampAuthority(identity: SigningIdentity(key: key, certificate: cert), clock: .fixed(now)),
            SigningIdentity(key: rootKey, certificate: rootCert)
        )
    }
}
