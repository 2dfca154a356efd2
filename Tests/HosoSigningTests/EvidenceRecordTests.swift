import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport
import Testing

@testable import HosoSigning

private let content = Array(#"{"body":{"marks":[8]},"recordType":"grade-book"}"#.utf8)

private func at(_ text: String) -> Date { HosoClock.parse(text)! }

/// The long-term story: a teacher signs in 2019 under a CA whose root expires in 2030; the signature timestamp and the
/// first archive timestamp come from a TSA whose certificate expires in 2032; in 2031 a new TSA (another root, valid
/// to 2060) renews the archive timestamp. Judged in 2045 with the evidence alone.
final class LongTermPKI: Sendable {
    let root: SigningIdentity
    let ca: SigningIdentity
    let teacher: SigningIdentity
    let tsaRoot: SigningIdentity
    let tsa1: SigningIdentity
    let tsaRoot2: SigningIdentity
    let tsa2: SigningIdentity
    let crls: [CRL]

    static let shared: Result<LongTermPKI, any Error> = Result { try LongTermPKI() }

    private init() throws {
        func issue(_ cn: String, _ from: String, _ to: String, by issuer: SigningIdentity?, kind: String) throws -> SigningIdentity {
            let key = try PrivateKey.generate(.ecP256)
            let spec: CertificateSpec
            switch kind {
            case "ca":
                spec = CertificateSpec(
                    subject: [.commonName(cn)], notBefore: at(from), notAfter: at(to), isCA: true, keyUsage: [.keyCertSign, .cRLSign])
            case "tsa":
                spec = CertificateSpec(
                    subject: [.commonName(cn)], notBefore: at(from), notAfter: at(to), keyUsage: [.digitalSignature],
                    extendedKeyUsage: [OID.timeStamping], extendedKeyUsageCritical: true)
            default:
                spec = CertificateSpec(
                    subject: [.commonName(cn)], notBefore: at(from), notAfter: at(to), keyUsage: [.digitalSignature, .nonRepudiation])
            }
            let cert = try PKI.issue(spec, key: key, issuer: issuer)
            return SigningIdentity(key: key, certificate: cert, chain: issuer.map { [$0.certificate] + $0.chain } ?? [])
        }
        root = try issue("Gốc 2015-2030", "2015-01-01T00:00:00Z", "2030-01-01T00:00:00Z", by: nil, kind: "ca")
        ca = try issue("CA 2015-2030", "2015-01-01T00:00:00Z", "2030-01-01T00:00:00Z", by: root, kind: "ca")
        teacher = try issue("Giáo viên", "2019-01-01T00:00:00Z", "2022-01-01T00:00:00Z", by: ca, kind: "leaf")
        tsaRoot = try issue("TSA root 2015-2040", "2015-01-01T00:00:00Z", "2040-01-01T00:00:00Z", by: nil, kind: "ca")
        tsa1 = try issue("TSA 2019-2032", "2019-01-01T00:00:00Z", "2032-01-01T00:00:00Z", by: tsaRoot, kind: "tsa")
        tsaRoot2 = try issue("TSA root 2030-2060", "2030-01-01T00:00:00Z", "2060-01-01T00:00:00Z", by: nil, kind: "ca")
        tsa2 = try issue("TSA 2030-2055", "2030-06-01T00:00:00Z", "2055-01-01T00:00:00Z", by: tsaRoot2, kind: "tsa")
        func crl(_ issuer: SigningIdentity, _ from: String, _ to: String) throws -> CRL {
            try PKI.crl(issuer: issuer, revoked: [], thisUpdate: at(from), nextUpdate: at(to), number: 1)
        }
        crls = [
            try crl(ca, "2019-03-02T00:00:00Z", "2019-04-01T00:00:00Z"), try crl(root, "2019-03-02T00:00:00Z", "2019-04-01T00:00:00Z"),
            try crl(tsaRoot, "2019-03-02T00:00:00Z", "2019-04-01T00:00:00Z"),
            try crl(tsaRoot, "2031-05-01T00:00:00Z", "2031-08-01T00:00:00Z"),
            try crl(tsaRoot2, "2031-05-01T00:00:00Z", "2031-08-01T00:00:00Z"),
        ]
    }

    func verifier(at time: String, longTerm: Bool = true) -> SignatureVerifier {
        SignatureVerifier(
            trust: TrustContext(
                roots: [root.certificate, tsaRoot.certificate, tsaRoot2.certificate], intermediates: [ca.certificate], crls: crls),
            policy: VerificationPolicy(longTerm: longTerm), clock: .fixed(at(time)))
    }

    func token(_ tsa: SigningIdentity, _ time: String, over digest: [UInt8]) throws -> [UInt8] {
        try TimeStampAuthority(identity: tsa, clock: .fixed(at(time))).token(forDigest: digest)
    }

    /// The 2019 signature, timestamped the same day by TSA 1.
    func signature() throws -> [UInt8] {
        let der = try CMSSigner.sign(content: content, identity: teacher, role: .subjectTeacher, at: at("2019-03-01T08:00:00Z"))
        let sd = try SignedData(der: der)
        return try sd.addingTimestamp(try token(tsa1, "2019-03-01T09:00:00Z", over: SHA256.hash(sd.signers[0].signatureValue)))
    }
}

@Suite struct EvidenceRecordTests {
    func pki() throws -> LongTermPKI { try LongTermPKI.shared.get() }

    /// An evidence record for `sig` among other data objects: the first archive timestamp (TSA 1, 2019-03-05), and
    /// with `renewedAt` a timestamp renewal by TSA 2.
    func evidence(
        _ p: LongTermPKI, _ sig: [UInt8], renewedAt: String? = "2031-06-01T00:00:00Z", by renewer: SigningIdentity? = nil
    )
        throws -> EvidenceRecord
    {
        // Eight leaves in all: every level of the tree has a sibling to tamper with.
        let others = (0..<7).map { SHA256.hash(Array("other signature \($0)".utf8)) }
        let leaf = SHA256.hash(sig)
        let tree = HashTree(leaves: others + [leaf])
        let reduced = try #require(tree.reduced(for: leaf))
        let first = ArchiveTimeStamp(
            reducedHashtree: reduced.map { $0.map { Hex.encode($0) } },
            timeStamp: try p.token(p.tsa1, "2019-03-05T00:00:00Z", over: tree.root))
        var chain = [first]
        if let renewedAt {
            chain.append(
                ArchiveTimeStamp(
                    reducedHashtree: nil, timeStamp: try p.token(renewer ?? p.tsa2, renewedAt, over: SHA256.hash([UInt8](first.timeStamp))))
            )
        }
        return EvidenceRecord(archiveTimeStampSequence: [chain])
    }

    func judge(_ p: LongTermPKI, _ sig: [UInt8], _ er: EvidenceRecord?, at time: String = "2045-01-01T00:00:00Z") throws -> SignatureReport
    {
        let v = p.verifier(at: time)
        let check = er.map { v.checkEvidence($0, for: SHA256.hash(sig)) }
        return try v.verify(signature: sig, content: content, evidence: check)[0]
    }

    @Test func hashTreeReducedPathsLeadToTheRoot() {
        for n in [1, 2, 3, 7, 8, 33] {
            let leaves = (0..<n).map { SHA256.hash([UInt8(n), UInt8($0)]) }
            let tree = HashTree(leaves: leaves)
            for l in leaves {
                #expect(HashTree.root(of: tree.reduced(for: l)!, leaf: l) == tree.root)
            }
            #expect(tree.reduced(for: SHA256.hash([0xff])) == nil)
        }
    }

    @Test func signedIn2019VerifiedIn2045AfterRenewalIsPassed() throws {
        let p = try pki()
        let sig = try p.signature()
        let er = try evidence(p, sig)
        // The record survives its JSON form.
        let back = try EvidenceRecord.decode(er.encoded())
        #expect(back == er)
        let r = try judge(p, sig, back)
        #expect(r.indication == .passed, "\(r.message.en)")
        #expect(r.evidence?.existedAt == at("2019-03-05T00:00:00Z"))
        #expect(r.evidence?.timestamps.count == 2)
    }

    @Test func withoutRenewalIsIndeterminateAndSaysWhy() throws {
        let p = try pki()
        let sig = try p.signature()
        let r = try judge(p, sig, try evidence(p, sig, renewedAt: nil))
        #expect(r.indication == .indeterminate)
        #expect(r.reason == .noPOE)
        #expect(r.message.en.contains("TSA 2019-2032 expired on 2032-01-01"), "\(r.message.en)")
        #expect(r.message.en.contains("no renewal covers it"))
        // Before 2032 the same record still holds.
        #expect(try judge(p, sig, try evidence(p, sig, renewedAt: nil), at: "2031-01-01T00:00:00Z").indication == .passed)
    }

    @Test func withoutAnyEvidenceIsIndeterminate() throws {
        let p = try pki()
        let sig = try p.signature()
        let r = try judge(p, sig, nil)
        #expect(r.indication == .indeterminate)
        #expect(r.reason == .noPOE)
        #expect(r.message.en.contains("expired on"), "\(r.message.en)")
        // The old rule (no long-term judgement) passes it on its own timestamp.
        let old = try p.verifier(at: "2045-01-01T00:00:00Z", longTerm: false).verify(signature: sig, content: content)[0]
        #expect(old.indication == .passed, "\(old.message.en)")
    }

    @Test func renewalAfterTheTSACertificateExpiredDoesNotCover() throws {
        let p = try pki()
        let sig = try p.signature()
        let r = try judge(p, sig, try evidence(p, sig, renewedAt: "2033-01-01T00:00:00Z"))
        #expect(r.indication == .indeterminate)
        #expect(r.message.en.contains("after the TSA certificate TSA 2019-2032 expired"), "\(r.message.en)")
    }

    @Test func tamperedEvidenceIsNotPassed() throws {
        let p = try pki()
        let sig = try p.signature()
        let good = try evidence(p, sig)
        // Flip one hash of the reduced tree.
        var flipped = good
        var tree = try #require(flipped.archiveTimeStampSequence[0][0].reducedHashtree)
        var h = Array(tree[0][1])
        h[0] = h[0] == "0" ? "1" : "0"
        tree[0][1] = String(h)
        flipped.archiveTimeStampSequence[0][0].reducedHashtree = tree
        // Drop a node (the top sibling).
        var dropped = good
        dropped.archiveTimeStampSequence[0][0].reducedHashtree = Array(tree.dropLast())
        // Drop the first archive timestamp: the renewal then covers nothing of this signature.
        var cut = good
        cut.archiveTimeStampSequence[0].removeFirst()
        // A flipped byte inside a timestamp token.
        var forged = good
        var tok = [UInt8](forged.archiveTimeStampSequence[0][1].timeStamp)
        tok[tok.count - 10] ^= 0x01
        forged.archiveTimeStampSequence[0][1].timeStamp = Data(tok)
        for (name, er) in [("flipped", flipped), ("dropped", dropped), ("cut", cut), ("forged", forged)] {
            let r = try judge(p, sig, er)
            #expect(r.indication != .passed, "\(name)")
            #expect(r.reason == .noPOE, "\(name)")
        }
        // Another signature is not covered by this record.
        let other = try CMSSigner.sign(content: content, identity: p.teacher, role: .subjectTeacher, at: at("2019-03-02T08:00:00Z"))
        #expect(p.verifier(at: "2045-01-01T00:00:00Z").checkEvidence(good, for: SHA256.hash(other)).indication == .failed)
    }

    /// The 2019 SHA-256 chain (TSA 1, no timestamp renewal), then in 2031 a hash-tree renewal to SHA-512 by TSA 2:
    /// a new tree over each object's SHA-512 bound to the SHA-512 of the sequence before (RFC 4998 §5.2), unless
    /// `bind` is false.
    func sha512Renewal(_ p: LongTermPKI, _ sig: [UInt8], bind: Bool = true) throws -> EvidenceRecord {
        var er = try evidence(p, sig, renewedAt: nil)
        let others = (0..<4).map { TimeStampHash.sha512.digest(Array("other object \($0)".utf8)) }
        let digest = TimeStampHash.sha512.digest(sig)
        let leaf = bind ? er.renewalLeaf(digest, before: 1, algorithm: .sha512) : digest
        let tree = HashTree(leaves: others + [leaf], algorithm: .sha512)
        let reduced = try #require(tree.reduced(for: leaf))
        let token = try TimeStampAuthority(identity: p.tsa2, clock: .fixed(at("2031-06-01T00:00:00Z")))
            .token(forDigest: tree.root, algorithm: .sha512)
        er = EvidenceRecord(
            archiveTimeStampSequence: er.archiveTimeStampSequence + [
                [ArchiveTimeStamp(reducedHashtree: reduced.map { $0.map { Hex.encode($0) } }, timeStamp: token)]
            ],
            chainAlgorithms: [.sha256, .sha512])
        return er
    }

    func judgeData(
        _ p: LongTermPKI, _ sig: [UInt8], _ er: EvidenceRecord, at time: String = "2045-01-01T00:00:00Z"
    ) throws
        -> SignatureReport
    {
        let v = p.verifier(at: time)
        return try v.verify(signature: sig, content: content, evidence: v.checkEvidence(er, data: sig))[0]
    }

    @Test func hashTreeRenewalToSHA512In2031VerifiedIn2045IsPassed() throws {
        let p = try pki()
        let sig = try p.signature()
        let er = try sha512Renewal(p, sig)
        let back = try EvidenceRecord.decode(er.encoded())
        #expect(back == er)
        #expect(back.digestAlgorithms == ["sha256", "sha512"])
        #expect(back.archiveTimeStampSequence[1][0].reducedHashtree?[0][0].count == 128)
        let r = try judgeData(p, sig, back)
        #expect(r.indication == .passed, "\(r.message.en)")
        #expect(r.evidence?.existedAt == at("2019-03-05T00:00:00Z"))
        #expect(r.evidence?.timestamps.count == 2)
        // The SHA-256 hash alone cannot check a SHA-512 chain.
        #expect(p.verifier(at: "2045-01-01T00:00:00Z").checkEvidence(back, for: SHA256.hash(sig)).indication == .failed)
        // The office's rule "sha512 from 2031-01-01": met by this record, not by the SHA-256 one alone.
        let v = p.verifier(at: "2045-01-01T00:00:00Z")
        let rule = (TimeStampHash.sha512, at("2031-01-01T00:00:00Z"))
        #expect(v.checkEvidence(back, data: sig, algorithmFrom: rule).indication == .passed)
        let old = try evidence(p, sig)
        let stale = p.verifier(at: "2031-06-02T00:00:00Z").checkEvidence(old, data: sig, algorithmFrom: rule)
        #expect(stale.indication == .indeterminate)
        #expect(stale.reason?.en.contains("no hash-tree renewal") == true, "\(String(describing: stale.reason))")
    }

    @Test func hashTreeRenewalOverTamperedDataOrUnboundIsNotPassed() throws {
        let p = try pki()
        let sig = try p.signature()
        var tampered = sig
        tampered[tampered.count / 2] ^= 0x01
        let v = p.verifier(at: "2045-01-01T00:00:00Z")
        #expect(v.checkEvidence(try sha512Renewal(p, sig), data: tampered).indication != .passed)
        // A renewal tree over the data alone, not bound to the sequence before: it proves nothing of 2019.
        let unbound = v.checkEvidence(try sha512Renewal(p, sig, bind: false), data: sig)
        #expect(unbound.indication == .failed)
        #expect(unbound.reason?.en.contains("archive timestamp 2") == true, "\(String(describing: unbound.reason))")
        // Claiming SHA-256 for the renewal chain does not pass either.
        var relabelled = try sha512Renewal(p, sig)
        relabelled.chainAlgorithms = ["sha256", "sha256"]
        relabelled.digestAlgorithms = ["sha256"]
        #expect(v.checkEvidence(relabelled, data: sig).indication != .passed)
        #expect(throws: HosoError.self) {
            var bad = try sha512Renewal(p, sig)
            bad.chainAlgorithms = ["sha256", "md5"]
            _ = try EvidenceRecord.decode(bad.encoded())
        }
    }

    @Test func sha256OnlyRecordsStillPassWithTheData() throws {
        let p = try pki()
        let sig = try p.signature()
        let er = try evidence(p, sig)
        #expect(!String(decoding: er.encoded(), as: UTF8.self).contains("chainAlgorithms"))
        #expect(try judgeData(p, sig, er).indication == .passed)
        #expect(try judge(p, sig, er).indication == .passed)
    }

    @Test func garbageIsABadEvidenceRecord() {
        #expect(throws: HosoError.self) { try EvidenceRecord.decode(Array("{}".utf8)) }
        #expect(throws: HosoError.self) { try EvidenceRecord.decode(Array(repeating: 0x5b, count: 100)) }
    }
}
