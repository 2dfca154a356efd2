import Foundation
import HosoCore
import HosoPrimitives

// Evidence records in the manner of RFC 4998 (Evidence Record Syntax), in hoso's JSON form: the same structure
// (EvidenceRecord → ArchiveTimeStampSequence → ArchiveTimeStampChain → ArchiveTimeStamp = reduced hash tree +
// RFC 3161 timestamp), the same hash rules (a node is the hash of its children's hashes sorted bytewise and
// concatenated, RFC 4998 §4.2), hashes as lowercase hex and timestamps as base64 DER. Each chain has one hash
// algorithm (SHA-256 or SHA-512); a hash-tree renewal (§5.2) starts a chain with a new one.

extension HosoError.Code {
    /// An evidence record that cannot be read (not JSON, a hash of the wrong length, too large).
    public static let badEvidenceRecord = Self("BAD_EVIDENCE_RECORD", .badInput)
}

/// A binary hash tree over leaf hashes (RFC 4998 §4.2): leaves sorted, paired level by level, a node being the hash
/// of its children sorted and concatenated; an odd node is carried up as is. One tree covers any number of data
/// objects; each gets a reduced hash tree (its path to the root) for its own evidence record.
public struct HashTree: Sendable {
    /// levels[0]: the leaves, sorted; the last level holds the root alone.
    public let levels: [[[UInt8]]]
    public let algorithm: TimeStampHash

    public init(leaves: [[UInt8]], algorithm: TimeStampHash = .sha256) {
        self.algorithm = algorithm
        var level = Array(Set(leaves.map { Data($0) })).map { [UInt8]($0) }.sorted { $0.lexicographicallyPrecedes($1) }
        var all = [level]
        while level.count > 1 {
            var next = [[UInt8]]()
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i < level.count {
                next.append(i + 1 < level.count ? Self.node([level[i], level[i + 1]], algorithm: algorithm) : level[i])
                i += 2
            }
            all.append(next)
            level = next
        }
        levels = all
    }

    public var root: [UInt8] { levels.last?.first ?? [] }

    /// RFC 4998 §4.2: the hash of the hashes sorted bytewise (as unsigned octet strings) and concatenated.
    public static func node(_ hashes: [[UInt8]], algorithm: TimeStampHash = .sha256) -> [UInt8] {
        let sorted = hashes.sorted(by: { $0.lexicographicallyPrecedes($1) })
        guard algorithm == .sha256 else { return algorithm.digest(Array(sorted.joined())) }
        let h = SHA256()
        for x in sorted { h.update(x) }
        return h.finalize()
    }

    /// The reduced hash tree for `leaf` (RFC 4998 §4.2 step 4): the first list holds the leaf and its sibling, each
    /// further list the sibling at the next level up. nil when the leaf is not in the tree.
    public func reduced(for leaf: [UInt8]) -> [[[UInt8]]]? {
        guard let first = levels.first,
            var index = Self.search(first, leaf)
        else { return nil }
        var out = [[[UInt8]]]()
        for (depth, level) in levels.dropLast().enumerated() {
            let sibling = index ^ 1
            if depth == 0 {
                out.append(sibling < level.count ? [leaf, level[sibling]] : [leaf])
            } else if sibling < level.count {
                out.append([level[sibling]])
            }
            index /= 2
        }
        return out.isEmpty ? [[leaf]] : out
    }

    private static func search(_ sorted: [[UInt8]], _ x: [UInt8]) -> Int? {
        var (lo, hi) = (0, sorted.count)
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid].lexicographicallyPrecedes(x) { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] == x ? lo : nil
    }

    /// The root a reduced hash tree leads to from `leaf` (RFC 4998 §4.3): the first list must hold `leaf`; each
    /// list's hash, with the next list's hashes, gives the next. nil when `leaf` is not in the first list.
    public static func root(of reduced: [[[UInt8]]], leaf: [UInt8], algorithm: TimeStampHash = .sha256) -> [UInt8]? {
        guard let first = reduced.first, first.contains(leaf) else { return nil }
        var h = first.count == 1 ? first[0] : node(first, algorithm: algorithm)
        for list in reduced.dropFirst() { h = node(list + [h], algorithm: algorithm) }
        return h
    }
}

/// One ArchiveTimeStamp (RFC 4998 §4.1): the reduced hash tree from the protected data to the timestamp's imprint,
/// and the RFC 3161 TimeStampToken. An ArchiveTimeStamp that renews the one before it (§5.2, timestamp renewal)
/// covers the hash of that one's timestamp token and has no tree.
public struct ArchiveTimeStamp: Codable, Sendable, Equatable {
    /// PartialHashtree lists, hex hashes; nil when the protected hash is the imprint itself.
    public var reducedHashtree: [[String]]?
    /// The TimeStampToken, DER (base64 in JSON).
    public var timeStamp: Data

    public init(reducedHashtree: [[String]]?, timeStamp: [UInt8]) {
        self.reducedHashtree = reducedHashtree
        self.timeStamp = Data(timeStamp)
    }

    /// The root this ArchiveTimeStamp's tree gives for `hash`; nil when the tree does not hold it or is malformed.
    func imprint(for hash: [UInt8], algorithm: TimeStampHash = .sha256) -> [UInt8]? {
        guard let tree = reducedHashtree else { return hash }
        var lists = [[[UInt8]]]()
        for list in tree {
            var l = [[UInt8]]()
            for h in list {
                guard h.count == algorithm.digestLength * 2, let b = Hex.decode(h) else { return nil }
                l.append(b)
            }
            lists.append(l)
        }
        return HashTree.root(of: lists, leaf: hash, algorithm: algorithm)
    }
}

/// An evidence record for one data object (RFC 4998 §3): the archive timestamp chains that prove it existed at the
/// first one's time, each chain renewing the one before.
public struct EvidenceRecord: Codable, Sendable, Equatable {
    public var version: Int
    /// Every hash algorithm the chains use, in the order they first appear (RFC 4998 §3).
    public var digestAlgorithms: [String]
    /// Each chain's hash algorithm, parallel to `archiveTimeStampSequence`; nil (older records): all SHA-256.
    public var chainAlgorithms: [String]?
    /// ArchiveTimeStampSequence: chains, oldest first; within a chain, ArchiveTimeStamps oldest first.
    public var archiveTimeStampSequence: [[ArchiveTimeStamp]]

    /// The hash algorithms an evidence record may use.
    public static let algorithms: [TimeStampHash] = [.sha256, .sha512]

    public init(archiveTimeStampSequence: [[ArchiveTimeStamp]], chainAlgorithms: [TimeStampHash]? = nil) {
        version = 1
        self.archiveTimeStampSequence = archiveTimeStampSequence
        if let algs = chainAlgorithms, algs.contains(where: { $0 != .sha256 }) {
            self.chainAlgorithms = algs.map(\.rawValue)
            var seen = [String]()
            for a in algs where !seen.contains(a.rawValue) { seen.append(a.rawValue) }
            digestAlgorithms = seen
        } else {
            digestAlgorithms = ["sha256"]
        }
    }

    /// The hash algorithm of chain `c`.
    public func algorithm(ofChain c: Int) -> TimeStampHash {
        chainAlgorithms.flatMap { c < $0.count ? TimeStampHash(rawValue: $0[c]) : nil } ?? .sha256
    }

    /// Well formed: known algorithms only, one per chain, listed in `digestAlgorithms`.
    var algorithmsValid: Bool {
        let known = Set(Self.algorithms.map(\.rawValue))
        guard !digestAlgorithms.isEmpty, digestAlgorithms.allSatisfy(known.contains) else { return false }
        guard let algs = chainAlgorithms else { return digestAlgorithms == ["sha256"] }
        return algs.count == archiveTimeStampSequence.count && algs.allSatisfy(digestAlgorithms.contains)
    }

    /// The largest evidence record read (one renewal a year for a century is well under this).
    public static let maxBytes = 4 << 20

    public static func decode(_ bytes: [UInt8], source: String? = nil) throws -> EvidenceRecord {
        guard bytes.count <= maxBytes, let er = try? JSONDecoder().decode(EvidenceRecord.self, from: Data(bytes)),
            er.version == 1, er.algorithmsValid
        else {
            throw HosoError(
                .badEvidenceRecord, .both("Hồ sơ bằng chứng không đọc được", "The evidence record is not readable"), location: source)
        }
        return er
    }

    public func encoded() -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return [UInt8]((try? e.encode(self)) ?? Data())
    }

    /// The hash a hash-tree renewal (RFC 4998 §5.2) binds each data object to: the hash, under the new chain's
    /// algorithm, of the timestamp tokens of every ArchiveTimeStamp of the chains before `chain`, in order, each
    /// preceded by its length (4 bytes, big endian). hoso's stand-in for the hash of the DER
    /// ArchiveTimeStampSequence: the tokens bind their trees.
    public func sequenceHash(before chain: Int, algorithm: TimeStampHash = .sha256) -> [UInt8] {
        var bytes = [UInt8]()
        for c in archiveTimeStampSequence.prefix(chain) {
            for ats in c {
                let n = UInt32(ats.timeStamp.count)
                bytes += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
                bytes += ats.timeStamp
            }
        }
        return algorithm == .sha256 ? SHA256.hash(bytes) : algorithm.digest(bytes)
    }

    /// The leaf a hash-tree renewal under `algorithm` starting chain `chain` holds for a data object whose hash under
    /// `algorithm` is `digest`: the object bound to the chains before (RFC 4998 §5.2, h'(i) = H(h(i) + ha(i)), sorted).
    public func renewalLeaf(_ digest: [UInt8], before chain: Int, algorithm: TimeStampHash) -> [UInt8] {
        HashTree.node([digest, sequenceHash(before: chain, algorithm: algorithm)], algorithm: algorithm)
    }
}

/// What an evidence record proves at a time: PASSED with the time the data is proven to have existed, or not, with
/// the reason.
public struct EvidenceCheck: Sendable, Equatable {
    public var indication: Indication
    /// The time of the first archive timestamp: the data existed then.
    public var existedAt: Date?
    /// Until when the newest archive timestamp's TSA certificate (and its chain) stay valid: renew before then.
    public var validUntil: Date?
    /// Each archive timestamp's time and authority, oldest first.
    public var timestamps: [Stamp]
    public var reason: SignatureReport.Message?

    public struct Stamp: Sendable, Equatable, Codable {
        public var time: Date
        public var authority: String
        public var authorityNotAfter: Date
    }
}

extension SignatureVerifier {
    /// Checks an evidence record for the data object whose hash is `hash`, as of `clock.now()` (RFC 4998 §5.3): the
    /// first ArchiveTimeStamp's tree leads from `hash` to its imprint; each later one in a chain covers the hash of
    /// the timestamp before it; each later chain's first one covers `hash` bound to the hash of the chains before
    /// (hash-tree renewal). Every timestamp must be valid at its own time under a trusted TSA chain, and made before
    /// the TSA certificate (or chain) of the one it renews expired; the newest TSA chain must still be valid now.
    /// Uses nothing but the record and the trust context: no network. `hash` is the data object's SHA-256: a record
    /// with a chain under another algorithm needs the data itself (`checkEvidence(_:data:)`).
    public func checkEvidence(_ er: EvidenceRecord, for hash: [UInt8]) -> EvidenceCheck {
        checkEvidence(er, hashing: { $0 == .sha256 ? hash : nil })
    }

    /// Checks an evidence record for the data object `data`, each chain under its own hash algorithm. With
    /// `algorithmFrom` (an office's newer evidence algorithm and the date from which it must be used), a record whose
    /// newest chain still uses another algorithm after that date is INDETERMINATE: a hash-tree renewal is due.
    public func checkEvidence(_ er: EvidenceRecord, data: [UInt8], algorithmFrom: (TimeStampHash, Date)? = nil) -> EvidenceCheck {
        var out = checkEvidence(er, hashing: { $0 == .sha256 ? SHA256.hash(data) : $0.digest(data) })
        if out.indication == .passed, let (alg, from) = algorithmFrom, clock.now() >= from,
            er.algorithm(ofChain: er.archiveTimeStampSequence.count - 1) != alg
        {
            out.indication = .indeterminate
            out.reason = .init(
                .both(
                    "từ \(HosoClock.format(from)) bằng chứng phải dùng \(alg.rawValue) nhưng chưa được gia hạn cây băm",
                    "from \(HosoClock.format(from)) evidence must use \(alg.rawValue) but no hash-tree renewal was made"))
        }
        return out
    }

    private func checkEvidence(_ er: EvidenceRecord, hashing: (TimeStampHash) -> [UInt8]?) -> EvidenceCheck {
        let now = clock.now()
        var out = EvidenceCheck(indication: .passed, timestamps: [])
        func stop(_ ind: Indication, _ t: LocalizedText) -> EvidenceCheck {
            var o = out
            o.indication = ind
            o.reason = .init(t)
            return o
        }
        guard !er.archiveTimeStampSequence.isEmpty, !er.archiveTimeStampSequence.contains(where: \.isEmpty), er.algorithmsValid else {
            return stop(.failed, .both("hồ sơ bằng chứng không có dấu thời gian lưu trữ", "the evidence record holds no archive timestamp"))
        }
        var previous: (token: [UInt8], expires: Date, name: String)?
        for (c, chain) in er.archiveTimeStampSequence.enumerated() {
            let alg = er.algorithm(ofChain: c)
            guard let hash = hashing(alg) else {
                return stop(
                    .failed,
                    .both(
                        "cần chính dữ liệu để kiểm tra chuỗi \(alg.rawValue)", "the data itself is needed to check a \(alg.rawValue) chain")
                )
            }
            for (k, ats) in chain.enumerated() {
                let covered: [UInt8]
                if k > 0, let p = previous {
                    covered = alg.digest(p.token)
                } else if c > 0 {
                    covered = er.renewalLeaf(hash, before: c, algorithm: alg)
                } else {
                    covered = hash
                }
                let n = out.timestamps.count + 1
                guard let imprint = ats.imprint(for: covered, algorithm: alg) else {
                    return stop(
                        .failed,
                        .both(
                            "dấu thời gian lưu trữ thứ \(n): cây băm không chứa dữ liệu được bảo vệ",
                            "archive timestamp \(n): its hash tree does not hold the protected data"))
                }
                let token = [UInt8](ats.timeStamp)
                let outcome = checkTimestamp(token, imprint: imprint, roots: trust.roots, intermediates: trust.intermediates)
                guard case .valid(let t, let tsa, let carried) = outcome else {
                    return stop(
                        .failed,
                        .both(
                            "dấu thời gian lưu trữ thứ \(n) không hợp lệ hoặc không khớp",
                            "archive timestamp \(n) is invalid or does not match"))
                }
                let chainEnd = (cachedChain(tsa, untrusted: carried + trust.intermediates) ?? [tsa]).map(\.notAfter).min() ?? tsa.notAfter
                let name = tsa.commonName ?? tsa.subject
                if let p = previous, t > p.expires {
                    return stop(
                        .indeterminate,
                        .both(
                            "dấu thời gian lưu trữ thứ \(n) (\(HosoClock.format(t))) được tạo sau khi chứng thư TSA \(p.name) hết hạn ngày \(HosoClock.format(p.expires))",
                            "archive timestamp \(n) (\(HosoClock.format(t))) was made after the TSA certificate \(p.name) expired on \(HosoClock.format(p.expires))"
                        ))
                }
                if let why = checkTSAPath(tsa, carried: carried, untrusted: trust.intermediates, embedded: [], at: t) {
                    return stop(.indeterminate, .both("dấu thời gian lưu trữ thứ \(n): " + why.vi, "archive timestamp \(n): " + why.en))
                }
                out.timestamps.append(.init(time: t, authority: name, authorityNotAfter: chainEnd))
                if out.existedAt == nil { out.existedAt = t }
                previous = (token, chainEnd, name)
            }
        }
        guard let last = previous else { return out }
        out.validUntil = last.expires
        if now > last.expires {
            return stop(
                .indeterminate,
                .both(
                    "chứng thư TSA \(last.name) của dấu thời gian lưu trữ mới nhất hết hạn ngày \(HosoClock.format(last.expires)) và không có lần gia hạn nào sau đó",
                    "the newest archive timestamp's TSA certificate \(last.name) expired on \(HosoClock.format(last.expires)) and no renewal covers it"
                ))
        }
        return out
    }
}
