import Foundation
import HosoCore
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore
import HosoTransport

/// An archive timestamp as stored (JSON). Either a first one: an RFC 3161 token over the root of the hash tree
/// (RFC 4998 §4.2) whose leaves are the SHA-256 object ids in `covers` (signatures and their validation data:
/// certificates, CRLs, OCSP responses); or a timestamp renewal (§5.2): a token over the SHA-256 of the token of
/// the archive timestamp `renews`. Each object's RFC 4998 evidence record (reduced hash tree + the chain of
/// renewals) is derived from these on demand, so renewing a million signatures writes one small object.
public struct ArchiveTimestampObject: Codable, Sendable {
    public var format: String
    public var covers: [String]?
    public var renews: String?
    public var timeStamp: Data

    public static let formatName = "hoso-archive-timestamp/1"
}

/// When `hoso renew` renews (office settings): while the newest archive timestamp's TSA chain has less than
/// `margin` left, or before `renewBefore` (e.g. a hash algorithm's announced end) for chains not renewed since.
public struct RenewalPolicy: Sendable {
    public var margin: TimeInterval
    public var renewBefore: Date?

    public init(margin: TimeInterval = 365 * 86400, renewBefore: Date? = nil) {
        self.margin = margin
        self.renewBefore = renewBefore
    }

    public init(_ settings: OfficeSettings) {
        self.init(
            margin: TimeInterval(settings.evidenceRenewalMarginDays ?? 365) * 86400,
            renewBefore: settings.evidenceRenewBefore.flatMap { HosoClock.parse($0 + "T00:00:00Z") })
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
        let trust = try trustContext()
        return try writing {
            let all = try archiveTimestamps()
            var covered = Set<String>()
            for o in all.values { covered.formUnion(o.covers ?? []) }
            var leaves = [[UInt8]]()
            var ids = [String]()
            for kind in Self.protectedKinds {
                for row in try index.objects(kind: kind.rawValue) where !covered.contains(row.id) {
                    guard let id = ObjectID(hex: row.id) else { continue }
                    _ = try store.read(id)  // re-hashed on read: a damaged object stops the renewal loudly
                    leaves.append(Hex.decode(id.hex) ?? [])
                    ids.append(row.id)
                }
            }
            var out = RenewOutcome(initial: nil, covered: ids.count, renewed: [:], current: [:])
            // Renew each chain at its head (an archive timestamp nothing renews).
            let renewedIds = Set(all.values.compactMap(\.renews))
            for (id, o) in all.sorted(by: { $0.key < $1.key }) where !renewedIds.contains(id) {
                let expires = Self.tsaChainEnd([UInt8](o.timeStamp), trust: trust) ?? .distantPast
                let time = Self.genTime(o)
                let due = expires.timeIntervalSince(now) <= policy.margin || (policy.renewBefore.map { time < $0 && now < $0 } ?? false)
                guard due else {
                    out.current[id] = expires
                    continue
                }
                let token = try Self.trustedToken(source, SHA256.hash([UInt8](o.timeStamp)), trust: trust)
                let obj = try Self.encodeATS(
                    .init(format: ArchiveTimestampObject.formatName, covers: nil, renews: id, timeStamp: Data(token)))
                out.renewed[id] = try putObject(obj, kind: .archiveTimestamp).id.hex
            }
            if !ids.isEmpty {
                let tree = HashTree(leaves: leaves)
                let token = try Self.trustedToken(source, tree.root, trust: trust)
                let obj = try Self.encodeATS(
                    .init(format: ArchiveTimestampObject.formatName, covers: ids.sorted(), renews: nil, timeStamp: Data(token)))
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
    static func trustedToken(_ source: TimestampSource, _ digest: [UInt8], trust: TrustContext) throws -> [UInt8] {
        let token = try source.token(forDigest: digest)
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

/// The archive timestamps read once, for deriving many objects' evidence records (each first archive timestamp's
/// hash tree is built once).
struct EvidenceIndex {
    let all: [String: ArchiveTimestampObject]
    /// The first archive timestamps covering each object id, earliest first.
    let covering: [String: [String]]
    let renewedBy: [String: (String, ArchiveTimestampObject)]
    private let trees = TreeCache()

    private final class TreeCache {
        var trees = [String: HashTree]()
    }

    init(_ all: [String: ArchiveTimestampObject]) {
        self.all = all
        var covering = [String: [String]]()
        for (k, v) in all.sorted(by: { Archive.genTime($0.value) < Archive.genTime($1.value) }) {
            for id in v.covers ?? [] { covering[id, default: []].append(k) }
        }
        self.covering = covering
        renewedBy = Dictionary(all.compactMap { k, v in v.renews.map { ($0, (k, v)) } }, uniquingKeysWith: { a, b in a.0 < b.0 ? a : b })
    }

    func record(for hex: String) -> EvidenceRecord? {
        guard let firstId = covering[hex]?.first, let first = all[firstId], let leaf = Hex.decode(hex) else { return nil }
        let tree = trees.trees[firstId] ?? HashTree(leaves: (first.covers ?? []).compactMap { Hex.decode($0) })
        trees.trees[firstId] = tree
        guard let reduced = tree.reduced(for: leaf) else { return nil }
        var chain = [ArchiveTimeStamp(reducedHashtree: reduced.map { $0.map { Hex.encode($0) } }, timeStamp: [UInt8](first.timeStamp))]
        var head = firstId
        while let (next, o) = renewedBy[head], chain.count < 1000 {
            chain.append(ArchiveTimeStamp(reducedHashtree: nil, timeStamp: [UInt8](o.timeStamp)))
            head = next
        }
        return EvidenceRecord(archiveTimeStampSequence: [chain])
    }
}
