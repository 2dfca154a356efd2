import Foundation
import HosoCore
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore
import HosoTransport

/// An archive timestamp as stored (JSON). Either a first one: an RFC 3161 token over the root of the hash tree
/// (RFC 4998 §4.2) whose leaves are the SHA-256 object ids in `covers` (signatures and their validation data:
/// certificates, CRLs, OCSP responses), or with `hashAlgorithm` their hashes under it in `digests`; or a timestamp
/// renewal (§5.2): a token over the hash, under its chain's algorithm, of the token of the archive timestamp `renews`;
/// or, with `treeRenewal`, a hash-tree renewal (§5.2) starting a new chain: each leaf binds an object's hash under
/// `hashAlgorithm` to the hash of its evidence record so far. Each object's RFC 4998 evidence record (reduced hash
/// trees + the chains of renewals) is derived from these on demand, so renewing a million signatures writes one
/// object.
public struct ArchiveTimestampObject: Codable, Sendable {
    public var format: String
    public var covers: [String]?
    public var renews: String?
    /// The chain's hash algorithm; nil: SHA-256 (and the ids in `covers` are the leaves).
    public var hashAlgorithm: String?
    /// The covered objects' hashes under `hashAlgorithm`, hex, parallel to `covers`; nil for SHA-256.
    public var digests: [String]?
    /// true: a hash-tree renewal of the objects in `covers`.
    public var treeRenewal: Bool?
    public var timeStamp: Data

    public init(
        covers: [String]? = nil, renews: String? = nil, hashAlgorithm: TimeStampHash = .sha256, digests: [String]? = nil,
        treeRenewal: Bool? = nil, timeStamp: [UInt8]
    ) {
        format = Self.formatName
        self.covers = covers
        self.renews = renews
        self.hashAlgorithm = hashAlgorithm == .sha256 ? nil : hashAlgorithm.rawValue
        self.digests = digests
        self.treeRenewal = treeRenewal
        self.timeStamp = Data(timeStamp)
    }

    /// This object's own hash algorithm; nil when it names one hoso does not know.
    var algorithm: TimeStampHash? {
        guard let a = hashAlgorithm else { return .sha256 }
        return TimeStampHash(rawValue: a).flatMap { EvidenceRecord.algorithms.contains($0) ? $0 : nil }
    }

    public static let formatName = "hoso-archive-timestamp/1"
}

/// When `hoso renew` renews (office settings): while the newest archive timestamp's TSA chain has less than
/// `margin` left, or before `renewBefore` (e.g. a hash algorithm's announced end) for chains not renewed since.
/// From `algorithmFrom` on, evidence uses `algorithm`: new first archive timestamps use it, and chains under another
/// one get a hash-tree renewal.
public struct RenewalPolicy: Sendable {
    public var margin: TimeInterval
    public var renewBefore: Date?
    public var algorithm: TimeStampHash
    public var algorithmFrom: Date?

    public init(
        margin: TimeInterval = 365 * 86400, renewBefore: Date? = nil, algorithm: TimeStampHash = .sha256, algorithmFrom: Date? = nil
    ) {
        self.margin = margin
        self.renewBefore = renewBefore
        self.algorithm = algorithm
        self.algorithmFrom = algorithmFrom
    }

    public init(_ settings: OfficeSettings) {
        self.init(
            margin: TimeInterval(settings.evidenceRenewalMarginDays ?? 365) * 86400,
            renewBefore: settings.evidenceRenewBefore.flatMap { HosoClock.parse($0 + "T00:00:00Z") },
            algorithm: settings.evidenceHashAlgorithm.flatMap { TimeStampHash(rawValue: $0) }.flatMap {
                EvidenceRecord.algorithms.contains($0) ? $0 : nil
            } ?? .sha256,
            algorithmFrom: settings.evidenceHashAlgorithmFrom.flatMap { HosoClock.parse($0 + "T00:00:00Z") })
    }

    /// The algorithm evidence must use at `now`.
    public func algorithm(at now: Date) -> TimeStampHash {
        algorithmFrom.map { now >= $0 } ?? true ? algorithm : .sha256
    }

    /// For verification: the algorithm and its date, when one other than SHA-256 is set.
    public var required: (TimeStampHash, Date)? {
        algorithm == .sha256 ? nil : (algorithm, algorithmFrom ?? .distantPast)
    }
}

/// What `hoso renew` did.
public struct RenewOutcome: Codable, Sendable {
    /// A new first archive timestamp over objects no earlier one covers (nil: none needed).
    public var initial: String?
    /// How many objects it covers.
    public var covered: Int
    /// The timestamp renewals written, by the id of the archive timestamp each renews.
    public var renewed: [String: String]
    /// Chains left as they are, with the date their newest TSA chain expires.
    public var current: [String: Date]
    /// The hash algorithm evidence uses now (office settings).
    public var hashAlgorithm: String = "sha256"
    /// A hash-tree renewal (RFC 4998 §5.2) to `hashAlgorithm` written, and how many objects it re-hashed.
    public var treeRenewal: String?
    public var treeRenewalCovered: Int = 0
    /// Certified copies looked at by `renewAll` (PAdES B-LTA), renewed or not due; empty from `renew` alone.
    public var copies: [Archive.CopyRenewal] = []
}

extension Archive {
    /// Object kinds an evidence record protects: signatures and their validation data.
    static let protectedKinds: [ObjectKind] = [.signature, .certificate, .crl, .ocspResponse]

    /// The archive timestamps, by object id.
    func archiveTimestamps() throws -> [String: ArchiveTimestampObject] {
        var out = [String: ArchiveTimestampObject]()
        for row in try index.objects(kind: ObjectKind.archiveTimestamp.rawValue) {
            guard let id = ObjectID(hex: row.id) else { continue }
            let bytes = try store.read(id)
            guard bytes.count <= EvidenceRecord.maxBytes * 64,
                let o = try? JSONDecoder().decode(ArchiveTimestampObject.self, from: Data(bytes)),
                o.format == ArchiveTimestampObject.formatName
            else {
                throw HosoError(
                    .badEvidenceRecord, .both("Dấu thời gian lưu trữ không đọc được", "An archive timestamp is not readable"),
                    location: row.id)
            }
            out[row.id] = o
        }
        return out
    }

    /// Adds archive timestamps (RFC 4998 style): one over every signature and validation-data object no archive
    /// timestamp covers yet (one token, one hash tree), and a timestamp renewal for every chain whose newest TSA
    /// chain expires within the policy's margin (or before its `renewBefore` date). The hash pass re-reads every
    /// protected object and checks its digest first: evidence is only ever made over intact bytes.
    public func renew(source: TimestampSource, policy: RenewalPolicy? = nil) throws -> RenewOutcome {
        let policy = try policy ?? RenewalPolicy(officeSettings())
        let now = clock.now()
        let alg = policy.algorithm(at: now)
        let trust = try trustContext()
        return try writing {
            let all = try archiveTimestamps()
            var covered = Set<String>()
            for o in all.values { covered.formUnion(o.covers ?? []) }
            var leaves = [[UInt8]]()
            var ids = [String]()
            var digests = [String]()
            for kind in Self.protectedKinds {
                for row in try index.objects(kind: kind.rawValue) where !covered.contains(row.id) {
                    guard let id = ObjectID(hex: row.id) else { continue }
                    let bytes = try store.read(id)  // re-hashed on read: a damaged object stops the renewal loudly
                    let leaf = alg == .sha256 ? (Hex.decode(id.hex) ?? []) : alg.digest(bytes)
                    leaves.append(leaf)
                    ids.append(row.id)
                    digests.append(Hex.encode(leaf))
                }
            }
            var out = RenewOutcome(initial: nil, covered: ids.count, renewed: [:], current: [:])
            out.hashAlgorithm = alg.rawValue
            let evidence = EvidenceIndex(all)
            // Objects whose newest chain uses another algorithm: one hash-tree renewal re-hashes them all, and their
            // old chains need no timestamp renewal any more (the new chain binds them).
            let stale = covered.sorted().filter { evidence.newestAlgorithm(of: $0) != alg }
            // Renew each chain at its head (an archive timestamp nothing renews).
            let renewedIds = Set(all.values.compactMap(\.renews))
            for (id, o) in all.sorted(by: { $0.key < $1.key }) where !renewedIds.contains(id) {
                let chainAlg = evidence.chainAlgorithm(ofHead: id)
                if chainAlg != alg { continue }
                let expires = Self.tsaChainEnd([UInt8](o.timeStamp), trust: trust) ?? .distantPast
                let time = Self.genTime(o)
                let due = expires.timeIntervalSince(now) <= policy.margin || (policy.renewBefore.map { time < $0 && now < $0 } ?? false)
                guard due else {
                    out.current[id] = expires
                    continue
                }
                let token = try Self.trustedToken(source, alg.digest([UInt8](o.timeStamp)), algorithm: alg, trust: trust)
                let obj = try Self.encodeATS(.init(renews: id, hashAlgorithm: alg, timeStamp: token))
                out.renewed[id] = try putObject(obj, kind: .archiveTimestamp).id.hex
            }
            if !stale.isEmpty {
                var renewalLeaves = [[UInt8]]()
                var renewalDigests = [String]()
                var renewalCovers = [String]()
                for hex in stale {
                    guard let id = ObjectID(hex: hex), let er = evidence.record(for: hex) else { continue }
                    let digest = alg.digest(try store.read(id))
                    renewalLeaves.append(er.renewalLeaf(digest, before: er.archiveTimeStampSequence.count, algorithm: alg))
                    renewalDigests.append(Hex.encode(digest))
                    renewalCovers.append(hex)
                }
                let tree = HashTree(leaves: renewalLeaves, algorithm: alg)
                let token = try Self.trustedToken(source, tree.root, algorithm: alg, trust: trust)
                let obj = try Self.encodeATS(
                    .init(covers: renewalCovers, hashAlgorithm: alg, digests: renewalDigests, treeRenewal: true, timeStamp: token))
                out.treeRenewal = try putObject(obj, kind: .archiveTimestamp).id.hex
                out.treeRenewalCovered = renewalCovers.count
            }
            if !ids.isEmpty {
                let order = ids.indices.sorted { ids[$0] < ids[$1] }
                let tree = HashTree(leaves: leaves, algorithm: alg)
                let token = try Self.trustedToken(source, tree.root, algorithm: alg, trust: trust)
                let obj = try Self.encodeATS(
                    .init(
                        covers: order.map { ids[$0] }, hashAlgorithm: alg, digests: alg == .sha256 ? nil : order.map { digests[$0] },
                        timeStamp: token))
                out.initial = try putObject(obj, kind: .archiveTimestamp).id.hex
            }
            return out
        }
    }

    /// `hoso renew`: the archive timestamps (`renew`), then every issued copy whose newest document timestamp's TSA
    /// certificate expires within the same margin gets a new document timestamp from the same TSA (`renewCopies`), so
    /// one periodic run keeps both kinds of long-term proof alive.
    public func renewAll(source: TimestampSource, clerk: String, policy: RenewalPolicy? = nil) throws -> RenewOutcome {
        let policy = try policy ?? RenewalPolicy(officeSettings())
        var out = try renew(source: source, policy: policy)
        out.copies = try renewCopies(timestamp: source, margin: policy.margin, clerk: clerk)
        return out
    }

    /// A token over `digest` that this archive's trust store accepts: evidence from a TSA no one here trusts would
    /// prove nothing later, so it is refused now, before anything is written.
    static func trustedToken(
        _ source: TimestampSource, _ digest: [UInt8], algorithm: TimeStampHash, trust: TrustContext
    ) throws
        -> [UInt8]
    {
        let token = try source.token(forDigest: digest, algorithm: algorithm)
        guard case .valid = TimeStampToken.check(der: token, imprint: digest, trustedRoots: trust.roots, intermediates: trust.intermediates)
        else {
            throw HosoError(
                .badTimestamp,
                .both(
                    "Dấu thời gian lưu trữ do TSA mà kho không tin cậy cấp (thêm gốc của TSA bằng hoso trust add trước)",
                    "The archive timestamp comes from a TSA this archive does not trust (add the TSA's root with hoso trust add first)"))
        }
        return token
    }

    static func genTime(_ o: ArchiveTimestampObject) -> Date {
        (try? TimeStampToken(der: [UInt8](o.timeStamp)))?.genTime ?? .distantPast
    }

    static func encodeATS(_ o: ArchiveTimestampObject) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return [UInt8](try e.encode(o))
    }

    /// The earliest notAfter of a token's TSA certificate and the chain to a trusted root.
    static func tsaChainEnd(_ token: [UInt8], trust: TrustContext) -> Date? {
        guard let t = try? TimeStampToken(der: token) else { return nil }
        guard case .valid(_, let tsa) = t.verify(imprint: t.imprint, trustedRoots: trust.roots, intermediates: trust.intermediates) else {
            return nil
        }
        let pool = t.certificates + trust.intermediates + trust.roots
        var end = tsa.notAfter
        var c = tsa
        for _ in 0..<8 {
            guard !c.isSelfSigned, let up = pool.first(where: { c.isIssued(by: $0) && $0 != c }) else { break }
            end = min(end, up.notAfter)
            c = up
        }
        return end
    }

    /// The RFC 4998 evidence record for one object of the archive: the reduced hash tree from the first archive
    /// timestamp that covers it, then each timestamp renewal of that one, oldest first. nil when none covers it.
    public func evidenceRecord(for id: ObjectID) throws -> EvidenceRecord? {
        EvidenceIndex(try archiveTimestamps()).record(for: id.hex)
    }
}

/// The archive timestamps read once, for deriving many objects' evidence records (each archive timestamp's hash tree
/// is built once).
struct EvidenceIndex {
    let all: [String: ArchiveTimestampObject]
    /// The first archive timestamps and hash-tree renewals covering each object id, earliest first.
    let covering: [String: [String]]
    let renewedBy: [String: (String, ArchiveTimestampObject)]
    private let trees = TreeCache()

    private final class TreeCache {
        var trees = [String: HashTree?]()
        /// For archive timestamps with `digests`: each covered id's position.
        var positions = [String: [String: Int]]()
    }

    init(_ all: [String: ArchiveTimestampObject]) {
        self.all = all
        var covering = [String: [String]]()
        // Oldest first; at one time a first archive timestamp before the hash-tree renewal that must follow it.
        func order(_ e: (key: String, value: ArchiveTimestampObject)) -> (Date, Int, String) {
            (Archive.genTime(e.value), e.value.treeRenewal == true ? 1 : 0, e.key)
        }
        for (k, v) in all.sorted(by: { order($0) < order($1) }) {
            for id in v.covers ?? [] { covering[id, default: []].append(k) }
        }
        self.covering = covering
        renewedBy = Dictionary(all.compactMap { k, v in v.renews.map { ($0, (k, v)) } }, uniquingKeysWith: { a, b in a.0 < b.0 ? a : b })
    }

    func record(for hex: String) -> EvidenceRecord? { record(for: hex, before: nil, depth: 0) }

    /// The root of the hash tree of the archive timestamp `id` (a first one or a hash-tree renewal): what its token
    /// must be over. nil when it has no tree or the tree does not add up.
    func treeRoot(_ id: String) -> [UInt8]? {
        guard let o = all[id], let covers = o.covers, !covers.isEmpty, let alg = o.algorithm else { return nil }
        return tree(id, o, alg, depth: 0)?.root
    }

    /// The algorithm of the newest chain protecting `hex`; nil when none does.
    func newestAlgorithm(of hex: String) -> TimeStampHash? {
        guard let list = covering[hex] else { return nil }
        let newest = list.last(where: { all[$0]?.treeRenewal == true }) ?? list.first
        return newest.flatMap { all[$0]?.algorithm }
    }

    /// The algorithm of the chain whose newest archive timestamp is `head`: that of the chain's first one.
    func chainAlgorithm(ofHead head: String) -> TimeStampHash? {
        var id = head
        for _ in 0..<1000 {
            guard let o = all[id] else { return nil }
            guard let previous = o.renews else { return o.algorithm }
            id = previous
        }
        return nil
    }

    /// The record from the chains that start before the archive timestamp `stop` (all of them when nil): the first
    /// archive timestamp covering `hex`, then each hash-tree renewal covering it, each with its timestamp renewals.
    private func record(for hex: String, before stop: String?, depth: Int) -> EvidenceRecord? {
        guard depth < 64, let list = covering[hex] else { return nil }
        var chains = [[ArchiveTimeStamp]]()
        var algorithms = [TimeStampHash]()
        for atsId in list {
            if atsId == stop { break }
            guard let o = all[atsId], let alg = o.algorithm else { return nil }
            let isRenewal = o.treeRenewal == true
            // A later first archive timestamp, or a renewal with nothing before it, starts no chain of this object.
            if chains.isEmpty == isRenewal { continue }
            guard let digest = Hex.decode(digestHex(of: hex, in: atsId, o) ?? ""),
                let tree = tree(atsId, o, alg, depth: depth)
            else { return nil }
            let prior = EvidenceRecord(archiveTimeStampSequence: chains, chainAlgorithms: algorithms)
            let leaf = isRenewal ? prior.renewalLeaf(digest, before: chains.count, algorithm: alg) : digest
            guard let reduced = tree.reduced(for: leaf) else { return nil }
            var chain = [ArchiveTimeStamp(reducedHashtree: reduced.map { $0.map { Hex.encode($0) } }, timeStamp: [UInt8](o.timeStamp))]
            var head = atsId
            while let (next, r) = renewedBy[head], chain.count < 1000 {
                chain.append(ArchiveTimeStamp(reducedHashtree: nil, timeStamp: [UInt8](r.timeStamp)))
                head = next
            }
            chains.append(chain)
            algorithms.append(alg)
        }
        return chains.isEmpty ? nil : EvidenceRecord(archiveTimeStampSequence: chains, chainAlgorithms: algorithms)
    }

    /// The hash of `hex` that the archive timestamp `id` covers: the id itself for SHA-256, else its entry in `digests`.
    private func digestHex(of hex: String, in id: String, _ o: ArchiveTimestampObject) -> String? {
        guard let digests = o.digests else { return hex }
        let positions =
            trees.positions[id]
            ?? Dictionary((o.covers ?? []).enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        trees.positions[id] = positions
        return positions[hex].flatMap { $0 < digests.count ? digests[$0] : nil }
    }

    /// The hash tree of the archive timestamp `id`: over the covered objects' hashes, or for a hash-tree renewal over
    /// each one's hash bound to its evidence record before it. nil when the stored object does not add up.
    private func tree(_ id: String, _ o: ArchiveTimestampObject, _ alg: TimeStampHash, depth: Int) -> HashTree? {
        if let t = trees.trees[id] { return t }
        let covers = o.covers ?? []
        var leaves = [[UInt8]]()
        var sound = o.digests.map { $0.count == covers.count } ?? (alg == .sha256 && o.treeRenewal != true)
        for (j, hex) in covers.enumerated() where sound {
            guard let d = Hex.decode(o.digests?[j] ?? hex), d.count == alg.digestLength else {
                sound = false
                break
            }
            if o.treeRenewal == true {
                guard let prior = record(for: hex, before: id, depth: depth + 1) else {
                    sound = false
                    break
                }
                leaves.append(prior.renewalLeaf(d, before: prior.archiveTimeStampSequence.count, algorithm: alg))
            } else {
                leaves.append(d)
            }
        }
        let t = sound ? HashTree(leaves: leaves, algorithm: alg) : nil
        trees.trees[id] = t
        return t
    }
}
