import Foundation
import HosoCore
import HosoIndex
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore
import HosoSync

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Archive {

    // MARK: - What goes to a peer

    /// Every object this node would send to `peer` that is not in `known`: in-scope revisions with the objects their
    /// bodies name (scans, copies; not other records or manifests), every signature over an in-scope revision, and
    /// for a school peer of an office, every certificate and CRL; every OCSP response and archive timestamp; and the
    /// records transferred to the peer (`transfer`), whatever its scope. Revisions come parents first.
    func outgoing(to peer: Peer, me: NodeInfo, known: Set<String>) throws -> [BundleObject] {
        let rule = try LinkRule(peer: peer, me: me, localOnly: Self.localOnlyTypes, trustStoreType: Self.trustStoreType)
        var out = [BundleObject]()
        var chosen = Set<String>()
        func add(_ id: String) throws {
            guard !known.contains(id), !chosen.contains(id), let oid = ObjectID(hex: id), store.exists(oid) else { return }
            // The object file's header is the truth (an object may be stored but not indexed yet).
            let h = try store.header(of: oid)
            guard h.kind != .manifest else { return }
            chosen.insert(id)
            out.append(BundleObject(id: oid, kind: h.kind, size: h.size))
        }
        var inScope = Set<String>()
        var signed = Set<String>()
        var revisions = [RevisionRow]()
        let transfers = Set(try nodeFiles.loadState(peer.node).transfers ?? [])
        for obj in try index.objects(kind: ObjectKind.record.rawValue) {
            guard let r = try index.revision(obj.id) else { continue }
            let transferred = transfers.contains(r.recordId)
            if transferred || rule.sharesSignatures(type: r.recordType, id: r.recordId) { signed.insert(obj.id) }
            guard transferred || rule.sends(type: r.recordType, id: r.recordId) else { continue }
            inScope.insert(obj.id)
            if !known.contains(obj.id) { revisions.append(r) }
        }
        if rule.trustOut {
            for kind in [ObjectKind.certificate, .crl] { for o in try index.objects(kind: kind.rawValue) { try add(o.id) } }
        }
        for r in RevisionRow.parentsFirst(revisions) {
            // The objects a body names travel just before it (a ledger's page scans); records travel by scope only,
            // and certificates and CRLs only down from an office (a body may name one, as the office settings name
            // the machines' node certificates, and the peer would refuse the whole bundle for it).
            for ref in CanonicalJSON.references(inCanonical: try store.read(ObjectID(hex: r.id)!)) where !inScope.contains(ref) {
                let oid = ObjectID(hex: ref)!
                guard store.exists(oid) else { continue }
                let kind = try store.header(of: oid).kind
                if kind != .record, rule.trustOut || (kind != .certificate && kind != .crl) { try add(ref) }
            }
            try add(r.id)
        }
        for s in try index.signatures() where signed.contains(s.revisionId) { try add(s.id) }
        // OCSP responses kept at signing and the archive timestamps over signatures travel on every link, so a
        // signature judged at a later date (`verify --at`) keeps its proof on the other node; both are checked by
        // signature on arrival and where used. Renewals come after the archive timestamps they renew.
        for o in try index.objects(kind: ObjectKind.ocspResponse.rawValue) { try add(o.id) }
        for (id, _) in try archiveTimestamps().sorted(by: { (Self.genTime($0.value), $0.key) < (Self.genTime($1.value), $1.key) }) {
            try add(id)
        }
        return out
    }

    // MARK: - Receiving objects

    /// Checks everything that arrived from `peer` and, only if all is well, makes it durable and visible at once:
    /// revisions decode in canonical form, are in the scope accepted from this peer, have their parents (here or
    /// arriving), satisfy their schema; signatures parse and sign an accepted revision; certificates and CRLs come only
    /// from an office; OCSP responses parse; archive timestamps check against the trust store. Any problem: everything
    /// staged is removed and every problem reported.
    /// `filesMayWait` (HTTP batches): files that no arriving revision names wait aside in the peer's inbox
    /// (`SyncInbox`) for the batch that brings their revision; a bundle carries whole groups, so there they are refused.
    func commitIntake(
        _ intake: Intake, from peer: Peer, me: NodeInfo, timestamp: TimestampSource?, filesMayWait: Bool = false
    ) throws -> IntakeResult {
        // Checked against the archive and committed under the write lock: the parents and heads checked are those
        // the commit builds on.
        do {
            // A học bạ PDF is checked as a file against the trust store alone, so before the lock: its three
            // signatures and timestamps take milliseconds that other writers need not wait for.
            let hocBaProblems = try intakeHocBaProblems(intake)
            // The revisions' decoding and schema checks need nothing of the archive: also before the lock, on every core.
            let decoded = Self.decodeRevisions(intake)
            return try writing {
                try commitIntakeLocked(
                    intake, from: peer, me: me, timestamp: timestamp, filesMayWait: filesMayWait, hocBaProblems: hocBaProblems,
                    decoded: decoded)
            }
        } catch {
            store.discard(intake.staged)
            throw error
        }
    }

    private func commitIntakeLocked(
        _ intake: Intake, from peer: Peer, me: NodeInfo, timestamp: TimestampSource?, filesMayWait: Bool, hocBaProblems: [HosoError],
        decoded: [ObjectID: DecodedRevision]
    ) throws -> IntakeResult {
        var committed = false
        defer { if !committed { store.discard(intake.staged) } }
        let rule = try LinkRule(peer: peer, me: me, localOnly: Self.localOnlyTypes, trustStoreType: Self.trustStoreType)
        let (revs, sigs, decodeProblems) = try Self.decodeIntake(intake, decoded: decoded, rule: rule, peer: peer)
        let named = Self.namedObjects(intake)
        let (unnamed, companionProblems) = Self.intakeCompanions(intake, named: named, peer: peer, mayWait: filesMayWait)
        var problems = decodeProblems + companionProblems
        problems += try intakeRevisionProblems(revs, decoded: decoded, rule: rule, peer: peer)
        problems += try intakeSignatureProblems(sigs, revs: revs, rule: rule)
        problems += try intakeArchiveTimestampProblems(intake, peer: peer)
        problems += hocBaProblems
        if !problems.isEmpty { throw HosoProblems(problems) }

        // Files that wait move to the inbox; files that waited and are named now come out of it into the store.
        let inbox = SyncInbox(archiveRoot: root, node: peer.node)
        inbox.prune(now: clock.now())
        let waitingNow = Set(unnamed.map(\.object.id))
        var staged = intake.staged.filter { !waitingNow.contains($0.object.id) }
        try inbox.keep(unnamed)
        let here = Set(staged.map(\.object.id))
        staged += inbox.take(try named.filter { id in try !here.contains(id) && !store.contains(id) })
        var evidence = [StoredObject]()
        do {
            try stageEvidence(of: sigs, seen: Set(intake.ids), staged: &staged, evidence: &evidence)
            let isNew = try store.commit(staged)
            committed = true
            return try indexIntake(intake, staged: staged, isNew: isNew, evidence: evidence, revs: revs, sigs: sigs, timestamp: timestamp)
        } catch {
            if !committed { store.discard(staged.filter { !$0.tempPath.hasPrefix(inbox.dir) }) }
            throw error
        }
    }

    /// An arriving revision decoded, and its body checked against its record type's schema.
    struct DecodedRevision: Sendable {
        var revision: Result<Revision, any Error>
        /// Nil when the revision did not decode.
        var schema: Result<Void, any Error>?
    }

    /// Every arriving revision decoded and checked against its schema, on as many cores as there are: a district's
    /// sync batch brings hundreds of ledgers, and this is most of what the application server does with them.
    static func decodeRevisions(_ intake: Intake) -> [ObjectID: DecodedRevision] {
        let records = intake.small.filter { $0.value.0 == .record }.map { ($0.key, $0.value.1) }
        let done = parallelMap(records) { id, bytes in
            let revision = Result { try Revision.decode(bytes, source: id.hex) }
            return DecodedRevision(revision: revision, schema: (try? revision.get()).map { r in Result { try r.checkSchema() } })
        }
        return Dictionary(uniqueKeysWithValues: zip(records.map(\.0), done))
    }

    /// The small objects that arrived, decoded: revisions (`decoded` already), signature rows, and the problems of
    /// those that failed (certificates and CRLs only from an office).
    private static func decodeIntake(
        _ intake: Intake, decoded: [ObjectID: DecodedRevision], rule: LinkRule, peer: Peer
    ) throws
        -> (revs: [String: Revision], sigs: [(ObjectID, SignatureRow, [UInt8])], problems: [HosoError])
    {
        var problems = [HosoError]()
        var revs = [String: Revision]()
        var sigs = [(ObjectID, SignatureRow, [UInt8])]()
        for (id, (kind, bytes)) in intake.small.sorted(by: { $0.key < $1.key }) {
            switch kind {
            case .record:
                do {
                    revs[id.hex] = try (decoded[id]?.revision ?? Result { try Revision.decode(bytes, source: id.hex) }).get()
                } catch let e as HosoError { problems.append(e) } catch let e as HosoProblems { problems += e.problems }
            case .signature:
                do { sigs.append((id, try Self.signatureRow(id: id, der: bytes, source: id.hex), bytes)) } catch let e as HosoError {
                    problems.append(e)
                }
            case .certificate, .crl:
                if !rule.trustIn {
                    problems.append(
                        HosoError(
                            .notAuthorised,
                            .both("Chỉ phòng/sở gửi xuống được chứng thư và CRL", "Only an office may send certificates and CRLs"),
                            location: id.hex, cause: peer.name))
                } else if kind == .certificate, (try? Certificate(der: bytes)) == nil {
                    problems.append(HosoError(.badCertificate, .both("Không phải chứng thư số", "Not a certificate"), location: id.hex))
                } else if kind == .crl, (try? CRL(der: bytes)) == nil {
                    problems.append(HosoError(.badCRL, .both("Không phải CRL", "Not a CRL"), location: id.hex))
                }
            case .ocspResponse:
                if (try? OCSPResponse(der: bytes)) == nil {
                    problems.append(HosoError(.badOCSPResponse, .both("Không phải trả lời OCSP", "Not an OCSP response"), location: id.hex))
                }
            default: break
            }
        }
        return (revs, sigs, problems)
    }

    /// The object ids the arriving revisions name.
    private static func namedObjects(_ intake: Intake) -> Set<ObjectID> {
        var named = Set<ObjectID>()
        for (kind, bytes) in intake.small.values where kind == .record {
            for ref in CanonicalJSON.references(inCanonical: bytes) { if let id = ObjectID(hex: ref) { named.insert(id) } }
        }
        return named
    }

    /// New objects of the other kinds: a peer sends only files that an arriving revision names (a ledger's scans, a
    /// copy's PDF, a letter), never manifests or kinds hoso does not exchange, which would sit in this archive
    /// unexplained (a forged manifest makes fsck report files missing). Files nothing names are refused, or, where
    /// they may wait for their revision, returned to be kept aside.
    private static func intakeCompanions(
        _ intake: Intake, named: Set<ObjectID>, peer: Peer, mayWait: Bool
    ) -> (unnamed: [StagedObject], problems: [HosoError]) {
        var unnamed = [StagedObject]()
        var problems = [HosoError]()
        for s in intake.staged where !Intake.smallKinds.contains(s.object.kind) {
            let kind = s.object.kind
            if !Intake.companionKinds.contains(kind) {
                problems.append(
                    HosoError(
                        .notAuthorised,
                        .both(
                            "Không nhận đối tượng loại \(kind) từ nút khác", "Objects of kind \(kind) are not accepted from another node"),
                        location: s.object.id.hex, cause: peer.name))
            } else if !named.contains(s.object.id) {
                if mayWait {
                    unnamed.append(s)
                } else {
                    problems.append(
                        HosoError(
                            .notAuthorised,
                            .both("Tệp gửi đến không thuộc bản ghi nào gửi kèm", "A file that no revision sent with it names"),
                            location: s.object.id.hex, cause: peer.name))
                }
            }
        }
        return (unnamed, problems)
    }

    /// Revisions outside the peer's scope, without their parents, of another record's type, or failing their schema.
    private func intakeRevisionProblems(
        _ revs: [String: Revision], decoded: [ObjectID: DecodedRevision], rule: LinkRule, peer: Peer
    ) throws -> [HosoError] {
        var problems = [HosoError]()
        // The type each record has here, for all of them in one read (a batch names hundreds).
        let typesHere = try index.recordTypes(ofRecords: Array(Set(revs.values.map(\.recordId))))
        for (id, rev) in revs {
            if !rule.receives(type: rev.recordType, id: rev.recordId) {
                problems.append(
                    HosoError(
                        .notAuthorised,
                        .both("Hồ sơ ngoài phạm vi nhận từ nút \(peer.name)", "A record outside the scope accepted from \(peer.name)"),
                        location: id, cause: "\(rev.recordType) \(rev.recordId)"))
                continue
            }
            for p in rev.parents {
                let parent = try revs[p].map { ($0.recordType, $0.recordId) } ?? index.revision(p).map { ($0.recordType, $0.recordId) }
                guard let parent else {
                    problems.append(
                        HosoError(
                            .syncIncomplete, .both("Thiếu bản trước của bản ghi này", "A parent of this revision is missing"), location: id,
                            cause: p))
                    continue
                }
                if parent != (rev.recordType, rev.recordId) {
                    problems.append(
                        HosoError(
                            .parentInvalid, .both("Bản trước thuộc hồ sơ khác", "The parent belongs to another record"), location: id,
                            cause: p))
                }
            }
            if let other = typesHere[rev.recordId], other != rev.recordType {
                problems.append(
                    HosoError(
                        .recordExists,
                        .both("Mã hồ sơ đã dùng cho loại khác (\(other))", "The record id is used by another type (\(other))"),
                        location: id, cause: rev.recordId))
            }
            do {
                try (ObjectID(hex: id).flatMap { decoded[$0]?.schema } ?? Result { try rev.checkSchema() }).get()
            } catch let e as HosoProblems { problems += e.problems }
        }
        return problems
    }

    /// Signatures over a revision that is neither here nor arriving, or over a record outside the accepted scope.
    private func intakeSignatureProblems(
        _ sigs: [(ObjectID, SignatureRow, [UInt8])], revs: [String: Revision],
        rule: LinkRule
    ) throws -> [HosoError] {
        var problems = [HosoError]()
        for (id, row, _) in sigs {
            let target =
                try revs[row.revisionId].map { ($0.recordType, $0.recordId) }
                ?? index.revision(row.revisionId).map { ($0.recordType, $0.recordId) }
            guard let target else {
                problems.append(
                    HosoError(
                        .syncIncomplete, .both("Chữ ký không thuộc bản ghi nào có ở đây", "A signature over a revision that is not here"),
                        location: id.hex, cause: row.revisionId))
                continue
            }
            if !rule.sharesSignatures(type: target.0, id: target.1) {
                problems.append(
                    HosoError(
                        .notAuthorised,
                        .both("Chữ ký trên hồ sơ ngoài phạm vi nhận", "A signature over a record outside the accepted scope"),
                        location: id.hex, cause: target.1))
            }
        }
        return problems
    }

    /// Archive timestamps from a peer are kept only when their token is valid, from a TSA this archive trusts, and
    /// over what they claim (the root of the tree of `covers`, or the token they renew): a forged one would mark
    /// objects as covered and keep `hoso renew` from ever protecting them here.
    private func intakeArchiveTimestampProblems(_ intake: Intake, peer: Peer) throws -> [HosoError] {
        var problems = [HosoError]()
        var arriving = [String: ArchiveTimestampObject]()
        for (id, (kind, bytes)) in intake.small where kind == .archiveTimestamp {
            guard let o = try? JSONDecoder().decode(ArchiveTimestampObject.self, from: Data(bytes)),
                o.format == ArchiveTimestampObject.formatName, (o.covers == nil) != (o.renews == nil)
            else {
                problems.append(
                    HosoError(
                        .badEvidenceRecord, .both("Dấu thời gian lưu trữ không đọc được", "An archive timestamp is not readable"),
                        location: id.hex, cause: peer.name))
                continue
            }
            arriving[id.hex] = o
        }
        guard !arriving.isEmpty else { return problems }
        let here = try archiveTimestamps()
        let trust = try trustContext()
        let index = EvidenceIndex(here.merging(arriving) { a, _ in a })
        for (id, o) in arriving.sorted(by: { $0.key < $1.key }) {
            var imprint: [UInt8]?
            if o.covers != nil {
                imprint = index.treeRoot(id)
            } else if let renews = o.renews {
                guard let previous = arriving[renews] ?? here[renews] else {
                    problems.append(
                        HosoError(
                            .syncIncomplete,
                            .both("Thiếu dấu thời gian lưu trữ được gia hạn", "The archive timestamp it renews is missing"),
                            location: id, cause: renews))
                    continue
                }
                imprint = index.chainAlgorithm(ofHead: id)?.digest([UInt8](previous.timeStamp))
            }
            guard let imprint,
                case .valid = TimeStampToken.check(
                    der: [UInt8](o.timeStamp), imprint: imprint, trustedRoots: trust.roots, intermediates: trust.intermediates)
            else {
                problems.append(
                    HosoError(
                        .badTimestamp,
                        .both(
                            "Dấu thời gian lưu trữ không kiểm tra được với các gốc tin cậy của kho",
                            "An archive timestamp does not check against this archive's trusted roots"),
                        location: id, cause: peer.name))
                continue
            }
        }
        return problems
    }

    /// The evidence inside signatures becomes objects of its own, as `storeSignature` does.
    private func stageEvidence(
        of sigs: [(ObjectID, SignatureRow, [UInt8])], seen: Set<ObjectID>, staged: inout [StagedObject],
        evidence: inout [StoredObject]
    ) throws {
        var seen = seen
        for (_, _, der) in sigs {
            let sd = try SignedData(der: der)
            for (bytes, kind) in sd.certificates.map({ ($0.der, ObjectKind.certificate) }) + sd.crls.map({ ($0.der, ObjectKind.crl) }) {
                let eid = ObjectID(hashing: bytes)
                guard seen.insert(eid).inserted else { continue }
                if store.exists(eid) {
                    evidence.append(try store.header(of: eid))
                } else {
                    let s = try store.stage(bytes: bytes, kind: kind)
                    staged.append(s)
                }
            }
        }
    }

    /// The committed intake recorded in the index (ledgers' entries follow their heads), then signatures made
    /// offline timestamped when this node has a TSA.
    private func indexIntake(
        _ intake: Intake, staged: [StagedObject], isNew: [Bool], evidence: [StoredObject],
        revs: [String: Revision], sigs: [(ObjectID, SignatureRow, [UInt8])],
        timestamp: TimestampSource?
    ) throws -> IntakeResult {
        var result = IntakeResult()
        result.objects = intake.ids.count
        let arrived = Set(intake.ids)
        result.newObjects = zip(staged, isNew).filter { $0.1 && arrived.contains($0.0.object.id) }.count
        let rows = RevisionRow.parentsFirst(revs.map { RevisionRow(ObjectID(hex: $0.key)!, $0.value) })
        try index.record(
            revisions: rows, objects: intake.present + evidence + staged.map(\.object),
            refs: rows.map { RecordRef.refs(of: revs[$0.id]!) })
        if !sigs.isEmpty { try index.record(signatures: sigs.map(\.1), objects: []) }
        // Every ledger of the batch in one transaction; the heads that arrived are read from the batch, not the store.
        let ledgers = Set(rows.filter { $0.recordType == Self.ledgerType }.map(\.recordId)).sorted()
        let heads = try index.heads(ofRecords: ledgers)
        try index.replaceEntries(
            ofRecords: try ledgers.map { id in (id, try entries(ofHeads: heads[id] ?? [], recordId: id, known: revs)) })
        result.revisions = rows.count
        result.signatures = sigs.count
        // Signatures made offline get their proof of time when they reach a node with a TSA (the office).
        if let timestamp {
            for revId in Set(sigs.filter { !$0.1.timestamped }.map(\.1.revisionId)).sorted() {
                result.timestamped += try timestampPending(timestamp, only: ObjectID(hex: revId)!).count
            }
        }
        return result
    }

    // MARK: - Bundles

    /// Writes a bundle for `peerName` with everything in scope that the peer has not acknowledged (objects from bundles
    /// it has not acknowledged yet are sent again: a lost USB stick loses nothing). The file appears whole or not at all.
    public func createBundle(for peerName: String, out path: String, compress: Bool = true) throws -> BundleCreated {
        let (me, identity) = try nodeIdentity()
        let peer = try peer(named: peerName)
        return try nodeFiles.withLock {
            var state = try nodeFiles.loadState(peer.node)
            let objects = try outgoing(to: peer, me: me, known: Set(state.acked))
            let sequence = state.lastSent + 1
            let now = clock.now()
            var header = BundleHeader(
                id: "\(me.node.prefix(12))-\(sequence)", from: .init(node: me.node, name: me.name),
                to: .init(node: peer.node, name: peer.name), sequence: sequence, created: HosoClock.format(now),
                acknowledges: state.lastImported, objects: objects.count, bytes: objects.reduce(0) { $0 + $1.size })
            // The proof starts at the size the peer last said it holds; the peer checks it against what it holds.
            header.witness = try witnessMessage(for: peer, from: state.peerHolds, everyLater: true)
            let fileBytes = try BundleFormat.writeFile(
                path, compress: compress, header: header, objects: objects, at: now,
                sign: { try CMSSigner.sign(content: $0, identity: identity, role: nil, at: now) },
                storeOnly: { try store.header(of: $0.id).encoding != .zlib },
                content: { o, out in try store.scan(o.id) { try out.write($0) } })
            state.lastSent = sequence
            if !objects.isEmpty { state.pending.append(.init(sequence: sequence, objects: objects.map(\.id.hex))) }
            try nodeFiles.saveState(peer.node, state)
            return BundleCreated(
                id: header.id, file: path, to: peer.name, sequence: sequence, objects: objects.count, bytes: header.bytes,
                fileBytes: fileBytes, compressed: compress, acknowledges: header.acknowledges)
        }
    }

    /// What importing a bundle did.
    public struct BundleImported: Codable, Sendable {
        /// The bundle's id.
        public var id: String
        /// The peer that sent it.
        public var from: String
        /// Its sequence number from that peer.
        public var sequence: Int
        /// True when this very bundle had been imported before: nothing changed.
        public var alreadyImported: Bool
        /// What arrived and was committed.
        public var result: IntakeResult
        /// Records in conflict after the import.
        public var conflicts: [Conflict]
        /// The sender's checkpoint verified, cosigned, or a rollback or fork found (nil: the bundle carried none).
        public var witness: WitnessReport?
    }

    /// Imports a bundle: reads and checks the tag files, the sender (a known peer, whose pinned certificate signed the
    /// tag manifest), the recipient (this node) and the sequence (no replay) before reading any payload; then stages
    /// every object, checking its digest against the manifest and its name, and checks the contents against the scope;
    /// only then commits everything at once. Importing the same bundle again changes nothing.
    public func importBundle(
        _ path: String, timestamp: TimestampSource? = nil,
        limits: BundleReader.Limits = BundleReader.Limits()
    ) throws -> BundleImported {
        let me = try nodeInfo()
        let reader = BundleReader(source: try FileSource(path: path), limits: limits)
        let tags = try reader.readTags()
        let h = tags.header
        guard let peer = try peers().first(where: { $0.node == h.from.node }) else {
            throw HosoError(
                .unknownNode,
                .both(
                    "Gói từ một nút không quen (chưa `hoso peer add`)",
                    "The bundle comes from an unknown node (not added with `hoso peer add`)"),
                location: path, cause: "\(h.from.name) \(h.from.node.prefix(16))")
        }
        guard tags.isSigned(by: try peerCertificate(peer)) else {
            throw HosoError(
                .bundleSignatureInvalid,
                .both(
                    "Chữ ký của nút gửi không hợp lệ hoặc không phải của \(peer.name); không nhận gì",
                    "The sending node's signature is invalid or not \(peer.name)'s; nothing was imported"),
                location: path)
        }
        guard h.to.node == me.node else {
            throw HosoError(
                .wrongRecipient, .both("Gói này làm cho nút khác (\(h.to.name))", "This bundle was made for another node (\(h.to.name))"),
                location: path)
        }
        return try nodeFiles.withLock {
            var state = try nodeFiles.loadState(peer.node)
            let digest = ObjectID(hashing: tags.tagManifest).hex
            if h.sequence == state.lastImported && digest == state.lastImportedDigest {
                // The same bundle again: nothing to do, but a copy damaged since is still reported as damaged.
                try reader.recheckPayload()
                return BundleImported(
                    id: h.id, from: peer.name, sequence: h.sequence, alreadyImported: true, result: IntakeResult(),
                    conflicts: try conflicts())
            }
            guard h.sequence <= state.lastImported + BundleFormat.maxSequenceGap else {
                throw HosoError(
                    .bundleOutOfSequence,
                    .both(
                        "Số thứ tự gói (\(h.sequence)) vượt quá xa gói đã nhận (\(state.lastImported)) của \(peer.name); không nhận gì",
                        "The bundle's number (\(h.sequence)) is too far past the last one imported (\(state.lastImported)) from \(peer.name); nothing was imported"
                    ),
                    location: path)
            }
            guard h.sequence > state.lastImported else {
                throw HosoError(
                    .bundleReplayed,
                    .both(
                        "Gói cũ (số \(h.sequence)); đã nhận gói số \(state.lastImported) của \(peer.name); không nhận gì",
                        "An old bundle (number \(h.sequence)); bundle \(state.lastImported) from \(peer.name) was imported already; nothing was imported"
                    ),
                    location: path)
            }
            // The sender's log is checked first: refused (nothing imported) when its checkpoint is not signed by its
            // key; taken once the objects are in. A rollback or fork is recorded and reported, and the objects are
            // still imported: they are named by their hashes and checked one by one, so taking them loses nothing.
            if let w = h.witness { try checkWitness(w, from: peer) }
            cleanLeftovers()
            var intake = Intake()
            do {
                try reader.readPayload { o, tar in
                    try intake.receive(kind: o.kind, claimed: o.id, size: o.size, name: tags.baseDirectory + "/" + o.path, store: store) {
                        try tar.readBodyChunk(into: $0)
                    }
                }
            } catch {
                store.discard(intake.staged)
                throw error
            }
            let result = try commitIntake(intake, from: peer, me: me, timestamp: timestamp)
            let witness = try h.witness.map { try takeWitness($0, from: peer, me: me) }
            if let seen = h.witness?.seen { state.peerHolds = seen }
            state.lastImported = h.sequence
            state.lastImportedDigest = digest
            if h.acknowledges > state.lastSent {
                // The peer has imported bundles numbered past the last this node remembers making: this archive was
                // restored from an older copy (or the peer is wrong). None of ours counts as delivered, so everything
                // pending goes again, and the next bundle is numbered past them, so the peer does not refuse it as old.
                state.lastSent = h.acknowledges
                state.acknowledge(upTo: 0, received: intake.ids.map(\.hex))
            } else {
                state.acknowledge(upTo: h.acknowledges, received: intake.ids.map(\.hex))
            }
            try nodeFiles.saveState(peer.node, state)
            return BundleImported(
                id: h.id, from: peer.name, sequence: h.sequence, alreadyImported: false, result: result, conflicts: try conflicts(),
                witness: witness)
        }
    }
}
