import Foundation
import HosoCore
import HosoRecords
import HosoSigning
import HosoStore

extension HosoError.Code {
    /// An object the custody inventory lists is not in the archive (a scan or ledger revision that did not arrive).
    public static let custodyObjectMissing = Self("CUSTODY_OBJECT_MISSING", .conflict)
    /// A ledger differs from what the inventory says of it (revision, issuer, pages, scans, entries).
    public static let custodyInventoryMismatch = Self("CUSTODY_INVENTORY_MISMATCH", .conflict)
    /// The inventory carries no valid signature at all (unsigned, or its signature does not verify).
    public static let custodyNotSealed = Self("CUSTODY_NOT_SEALED", .forbidden)
    /// The inventory's valid signature is not a seal of the office it names as sender (office settings `custodySources`).
    public static let custodySealUnknown = Self("CUSTODY_SEAL_UNKNOWN", .forbidden)
    /// The inventory names another office node as the receiver.
    public static let custodyWrongRecipient = Self("CUSTODY_WRONG_RECIPIENT", .badInput)
    /// A copy from a ledger this office does not hold: handed over to another custodian, or not yet accepted here.
    public static let custodyNotHeld = Self("CUSTODY_NOT_HELD", .conflict)
    /// A transfer that names no ledger, or a ledger this office cannot hand over (not a ledger, handed over already).
    public static let custodyLedgersInvalid = Self("CUSTODY_LEDGERS_INVALID", .badInput)
}

/// Custody of ledgers (Thông tư 13/2025/TT-BGDĐT [press]): since 1 July 2025 the province department serves copies
/// from ledgers its district offices issued. A ledger keeps its issuer forever; its custodian changes by a
/// `custody-transfer` record: the sending office's signed inventory (every ledger's head revision, issuer, page
/// scans and entry count, by object id), carried to the receiver with the ledgers, their scans and digitization
/// records in the next sync; checked there object by object and count by count, then countersigned on the same
/// revision with the receiver's seal. Both signatures stay on the record for an auditor (`hoso verify`).
/// From the moment its seal signs the inventory the sender issues no copy from those ledgers; the receiver issues
/// them once it has countersigned.
extension Archive {
    public static let custodyTransferType = "custody-transfer"

    /// The inventory as its record body says.
    public struct CustodyTransfer: Codable, Sendable, Equatable {
        public struct Office: Codable, Sendable, Equatable {
            public var office: String
            public var code: String?
            /// The office's sync node id (how each side knows itself, whatever names the peers gave each other).
            public var node: String
        }
        public struct Ledger: Codable, Sendable, Equatable {
            public var record: String
            public var revision: String
            public var issuer: String
            public var school: String
            public var year: Int
            public var pages: Int
            public var scans: [String]
            public var entries: Int
        }
        public var from: Office
        public var to: Office
        public var date: String
        public var basis: String
        public var by: String
        public var ledgers: [Ledger]
    }

    /// A transfer as this archive sees it: who sealed it for the sender, who countersigned it for the receiver.
    public struct CustodyStatus: Codable, Sendable, Equatable {
        public var id: String
        public var revision: String
        public var transfer: CustodyTransfer
        /// "out" (this office sent it), "in" (this office receives it) or "other".
        public var direction: String
        /// Names of the sender's seal certificates whose signature verifies (PASSED).
        public var sealedBy: [String]
        /// Names of the receiver's seal certificates whose signature verifies: the countersignature.
        public var countersignedBy: [String]
        /// The SHA-256 fingerprints of those certificates, in the same order (two offices' seals may bear one name).
        public var sealCertificates: [String]
        public var countersignCertificates: [String]
        public var accepted: Bool { !countersignedBy.isEmpty }
    }

    // MARK: - Sending

    /// Makes the inventory of `ledgers` (nil: every ledger this office holds) for the peer `peerName`, signs it
    /// with the office seal and queues it, with the ledgers, their scans and digitization records, for the peer's
    /// next sync or bundle. The seal must be one of this office's (`copySigners`): anything else is refused first.
    @discardableResult
    public func transferCustody(
        to peerName: String, toOffice: String? = nil, ledgers: [String]? = nil, seal: SigningIdentity, by: String,
        timestamp: TimestampSource? = nil
    ) throws -> CustodyStatus {
        try makeCustodyTransfer(to: peerName, toOffice: toOffice, ledgers: ledgers, seal: seal, by: by, timestamp: timestamp)
    }

    /// `transferCustody`, and for tests a sender that signs nothing (`seal` nil) or changes the inventory before
    /// signing it (`amend`), as a careless or dishonest office might.
    func makeCustodyTransfer(
        to peerName: String, toOffice: String? = nil, ledgers: [String]? = nil, seal: SigningIdentity?, by: String,
        timestamp: TimestampSource? = nil, amend: ((inout CustodyTransfer) -> Void)? = nil
    ) throws -> CustodyStatus {
        let settings = try officeSettings()
        if let seal { try checkOwnSeal(seal, settings) }
        let me = try nodeInfo()
        let peer = try peer(named: peerName)
        let held = try ledgersHeld(me: me.node)
        let chosen = ledgers ?? held.sorted()
        let refused = chosen.filter { !held.contains($0) }
        guard !chosen.isEmpty, refused.isEmpty else {
            throw HosoError(
                .custodyLedgersInvalid,
                .both(
                    "Không có sổ gốc để chuyển giao, hoặc sổ không do cơ quan này giữ: \(refused.joined(separator: ", "))",
                    "No ledger to hand over, or ledgers this office does not hold: \(refused.joined(separator: ", "))"),
                location: refused.first)
        }
        let now = clock.now()
        var transfer = CustodyTransfer(
            from: .init(office: settings.officeName, code: settings.officeCode, node: me.node),
            to: .init(office: toOffice ?? peer.name, code: nil, node: peer.node), date: Self.localDate(now, settings),
            basis: settings.custodyBasis ?? OfficeSettings.defaultCustodyBasis, by: by,
            ledgers: try chosen.map { id in
                let (rid, rev) = try current(record: id)
                guard case .array(let entries)? = rev.body["entries"] else {
                    throw HosoError(.custodyLedgersInvalid, .both("Không phải sổ gốc", "Not a ledger"), location: id)
                }
                let pages: Int
                if case .array(let p)? = rev.body["pages"] { pages = p.count } else { pages = 0 }
                return CustodyTransfer.Ledger(
                    record: id, revision: rid.hex, issuer: rev.body["issuer"]?.stringValue ?? "",
                    school: rev.body["school"]?.stringValue ?? "",
                    year: rev.body["year"]?.integerValue ?? 0, pages: pages, scans: Self.scanIds(rev), entries: entries.count)
            })
        amend?(&transfer)
        let stem = "\(Self.custodyTransferType)/\(settings.officeCode)/\(transfer.date)-"
        let n = try recordIds(ofType: Self.custodyTransferType).filter { $0.hasPrefix(stem) }.count + 1
        let id = stem + String(n)
        try createWorkflowRecord(type: Self.custodyTransferType, id: id, body: try encodeBody(transfer), author: by)
        if let seal { _ = try sign(id, identity: seal, role: .officeHead, timestamp: timestamp) }
        // The ledgers, their digitization records and the inventory go with the next sync, whatever the peer's scope.
        let listed = Set(transfer.ledgers.map(\.record))
        let conversions = try digitizations().filter { listed.contains($0.ledger) }.map(\.id)
        try nodeFiles.withLock {
            var state = try nodeFiles.loadState(peer.node)
            state.transfers = Array(Set(state.transfers ?? []).union([id] + listed + conversions)).sorted()
            try nodeFiles.saveState(peer.node, state)
        }
        return try custodyStatus(id)
    }

    private func checkOwnSeal(_ seal: SigningIdentity, _ settings: OfficeSettings) throws {
        guard try copySignerFingerprints(settings).contains(seal.certificate.fingerprint) else {
            throw HosoError(
                .notOfficeSeal,
                .both(
                    "Chỉ chứng thư số con dấu của cơ quan (trong cài đặt cơ quan) mới ký biên bản chuyển giao; chưa ký gì",
                    "Only the office's seal certificate (in the office settings) signs a custody transfer; nothing was signed"),
                location: seal.certificate.commonName ?? seal.certificate.subject)
        }
    }

    static func localDate(_ date: Date, _ settings: OfficeSettings) -> String {
        let c = settings.calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// Ledgers this office may hand over: every ledger not handed over by a sealed transfer, and not one waiting here
    /// for acceptance.
    private func ledgersHeld(me: String) throws -> Set<String> {
        var held = Set(try recordIds(ofType: Self.ledgerType))
        for s in try custodyTransfers() {
            let gone = (s.direction == "out" && !s.sealedBy.isEmpty) || (s.direction == "in" && !s.accepted)
            if gone { held.subtract(s.transfer.ledgers.map(\.record)) }
        }
        return held
    }

    // MARK: - Reading

    /// Every custody transfer this archive knows, oldest first.
    public func custodyTransfers() throws -> [CustodyStatus] {
        try recordIds(ofType: Self.custodyTransferType).map(custodyStatus).sorted {
            ($0.transfer.date, $0.id) < ($1.transfer.date, $1.id)
        }
    }

    /// The transfers that list ledger `id`, oldest first: its custody history.
    public func custodyTransfers(ofLedger id: String) throws -> [CustodyStatus] {
        guard try !recordIds(ofType: Self.custodyTransferType).isEmpty else { return [] }
        return try custodyTransfers().filter { $0.transfer.ledgers.contains { $0.record == id } }
    }

    /// One transfer with its signatures judged: the sender's seal (this office's own, or for a transfer received, a
    /// seal the settings' `custodySources` give the sender) and the receiver's (this office's own, or on the sender's
    /// side any other valid signature).
    public func custodyStatus(_ id: String) throws -> CustodyStatus {
        let (rid, rev) = try current(record: id)
        guard rev.recordType == Self.custodyTransferType else {
            throw HosoError(.recordNotFound, .both("Không có biên bản chuyển giao này", "No such custody transfer"), location: id)
        }
        let t = try decodeBody(rev.body, as: CustodyTransfer.self)
        let settings = try officeSettings()
        let me = (try? nodeInfo())?.node
        let own = try copySignerFingerprints(settings)
        let senderSeals = t.from.node == me ? own : Set(Self.sourceSeals(t.from.office, settings))
        var (sealedBy, counter, sealFPs, counterFPs) = ([String](), [String](), [String](), [String]())
        if try !index.signatures(ofRevision: rid.hex).isEmpty {
            for e in try verify(rid.hex).signatures where e.report.indication == .passed {
                guard let fp = e.report.signerCertificate else { continue }
                let name = e.report.signer ?? e.report.signerSubject ?? ""
                if senderSeals.contains(fp) {
                    sealedBy.append(name)
                    sealFPs.append(fp)
                } else if t.to.node == me ? own.contains(fp) : t.from.node == me {
                    counter.append(name)
                    counterFPs.append(fp)
                }
            }
        }
        let direction = t.from.node == me ? "out" : t.to.node == me ? "in" : "other"
        return CustodyStatus(
            id: id, revision: rid.hex, transfer: t, direction: direction, sealedBy: sealedBy, countersignedBy: counter,
            sealCertificates: sealFPs, countersignCertificates: counterFPs)
    }

    static func sourceSeals(_ office: String, _ settings: OfficeSettings) -> [String] {
        (settings.custodySources ?? []).filter { $0.office == office }.flatMap(\.seals)
    }

    /// Who holds ledger `id`, by the latest sealed transfer that lists it: nil when no transfer concerns this office.
    /// Throws CUSTODY_NOT_HELD when this office handed it over, or receives it and has not accepted it yet; returns
    /// the custodian's name (this office) when it was handed over to this office and accepted.
    public func custodian(ofLedger id: String) throws -> String? {
        guard try !recordIds(ofType: Self.custodyTransferType).isEmpty else { return nil }
        let latest = try custodyTransfers().last { s in
            s.direction != "other" && s.transfer.ledgers.contains { $0.record == id } && (s.direction == "in" || !s.sealedBy.isEmpty)
        }
        guard let s = latest else { return nil }
        if s.direction == "out" {
            throw HosoError(
                .custodyNotHeld,
                .both(
                    "Sổ gốc đã chuyển giao cho \(s.transfer.to.office) ngày \(s.transfer.date); bản sao do \(s.transfer.to.office) cấp",
                    "The ledger was handed over to \(s.transfer.to.office) on \(s.transfer.date); copies are issued by \(s.transfer.to.office)"
                ),
                location: id)
        }
        guard s.accepted else {
            throw HosoError(
                .custodyNotHeld,
                .both(
                    "Sổ gốc chuyển đến từ \(s.transfer.from.office) chưa được kiểm tra và ký nhận (hoso custody accept); chưa cấp bản sao",
                    "The ledger sent by \(s.transfer.from.office) has not been checked and accepted yet (hoso custody accept); no copy is issued"
                ),
                location: id)
        }
        return s.transfer.to.office
    }

    // MARK: - Receiving

    /// Imports the bundle (if not imported yet), then checks and accepts every transfer addressed to this office
    /// that is not accepted yet. Returns the transfers accepted; a transfer that does not check throws its problems.
    public func acceptCustody(bundle path: String, seal: SigningIdentity, timestamp: TimestampSource? = nil) throws -> [CustodyStatus] {
        do { _ = try importBundle(path, timestamp: timestamp) } catch let e as HosoError where e.code == .bundleReplayed {
            // Imported before: its transfers are here.
        }
        let waiting = try custodyTransfers().filter { $0.direction == "in" && !$0.accepted }
        return try waiting.map { try acceptCustody(transfer: $0.id, seal: seal, timestamp: timestamp) }
    }

    /// Checks a transfer addressed to this office and countersigns it with this office's seal. Every problem is
    /// reported at once, naming the ledger and what differs, and then nothing is signed: the sender's seal must be
    /// one `custodySources` gives the sender and verify; every listed revision and scan must be here and re-hash to
    /// its id; every ledger must be at the listed revision, with the listed issuer, school, year, pages, scans and
    /// number of entries. Accepting again changes nothing.
    @discardableResult
    public func acceptCustody(transfer id: String, seal: SigningIdentity, timestamp: TimestampSource? = nil) throws -> CustodyStatus {
        let settings = try officeSettings()
        try checkOwnSeal(seal, settings)
        let status = try custodyStatus(id)
        if status.accepted { return status }
        let problems = try custodyProblems(status, settings: settings)
        if !problems.isEmpty { throw HosoProblems(problems) }
        _ = try sign(id, identity: seal, role: .officeHead, timestamp: timestamp)
        return try custodyStatus(id)
    }

    /// Everything wrong with a transfer arriving here, each naming its ledger.
    func custodyProblems(_ s: CustodyStatus, settings: OfficeSettings) throws -> [HosoError] {
        let t = s.transfer
        guard s.direction == "in" else {
            return [
                HosoError(
                    .custodyWrongRecipient,
                    .both(
                        "Biên bản chuyển giao này gửi cho cơ quan khác (\(t.to.office))",
                        "This transfer is addressed to another office (\(t.to.office))"),
                    location: s.id)
            ]
        }
        var problems = [HosoError]()
        if s.sealedBy.isEmpty {
            let anyValid =
                try !index.signatures(ofRevision: s.revision).isEmpty
                && verify(s.revision).signatures.contains { $0.report.indication == .passed }
            problems.append(
                anyValid
                    ? HosoError(
                        .custodySealUnknown,
                        .both(
                            "Biên bản không do con dấu của \(t.from.office) ký (cài đặt cơ quan: custodySources)",
                            "The inventory is not signed by a seal of \(t.from.office) (office settings: custodySources)"), location: s.id)
                    : HosoError(
                        .custodyNotSealed,
                        .both(
                            "Biên bản chưa có chữ ký số hợp lệ của \(t.from.office)",
                            "The inventory carries no valid signature of \(t.from.office)"),
                        location: s.id))
        }
        for l in t.ledgers { problems += try ledgerProblems(l) }
        return problems
    }

    private func ledgerProblems(_ l: CustodyTransfer.Ledger) throws -> [HosoError] {
        func missing(_ what: LocalizedText, _ object: String) -> HosoError {
            HosoError(
                .custodyObjectMissing, .both("Sổ \(l.record): thiếu \(what.vi)", "Ledger \(l.record): \(what.en) missing"),
                location: l.record,
                cause: object)
        }
        func differs(_ vi: String, _ en: String) -> HosoError {
            HosoError(.custodyInventoryMismatch, .both("Sổ \(l.record): \(vi)", "Ledger \(l.record): \(en)"), location: l.record)
        }
        var out = [HosoError]()
        // Every scan the inventory lists, re-hashed here: a damaged or absent file is named.
        for (i, scan) in l.scans.enumerated() {
            let what = LocalizedText(vi: "ảnh quét trang \(i + 1)", en: "the scan of page \(i + 1)")
            guard let oid = ObjectID(hex: scan), store.exists(oid) else {
                out.append(missing(what, scan))
                continue
            }
            do { try store.scan(oid) { _ in } } catch {
                out.append(differs("ảnh quét trang \(i + 1) hỏng", "the scan of page \(i + 1) is damaged"))
            }
        }
        guard let rid = ObjectID(hex: l.revision), store.exists(rid) else {
            return out + [missing(.both("bản sổ đã liệt kê", "the listed ledger revision"), l.revision)]
        }
        let rev: Revision
        do { rev = try revision(rid) } catch { return out + [differs("bản sổ đã liệt kê hỏng", "the listed ledger revision is damaged")] }
        guard rev.recordType == Self.ledgerType, rev.recordId == l.record else {
            return out + [
                differs("bản \(l.revision.prefix(12)) không phải của sổ này", "revision \(l.revision.prefix(12)) is not this ledger's")
            ]
        }
        let heads = try index.heads(ofRecord: l.record)
        if heads != [l.revision] {
            out.append(differs("bản hiện hành ở đây khác bản đã liệt kê", "the ledger here is at another revision than the one listed"))
        }
        let b = rev.body
        if b["issuer"]?.stringValue != l.issuer {
            out.append(differs("cơ quan cấp \"\(b["issuer"]?.stringValue ?? "")\" ≠ \"\(l.issuer)\"", "issuer differs"))
        }
        if b["school"]?.stringValue != l.school || b["year"]?.integerValue != l.year {
            out.append(differs("trường hoặc năm khác biên bản", "school or year differs from the inventory"))
        }
        let pages: Int
        if case .array(let p)? = b["pages"] { pages = p.count } else { pages = 0 }
        if pages != l.pages {
            out.append(differs("số trang \(pages) ≠ \(l.pages) trong biên bản", "\(pages) pages, the inventory says \(l.pages)"))
        }
        if Self.scanIds(rev) != l.scans {
            out.append(differs("ảnh quét của sổ khác ảnh quét trong biên bản", "the ledger's scans are not the ones the inventory lists"))
        }
        var entries = 0
        if case .array(let e)? = b["entries"] { entries = e.count }
        if entries != l.entries {
            out.append(differs("số dòng \(entries) ≠ \(l.entries) trong biên bản", "\(entries) entries, the inventory says \(l.entries)"))
        }
        return out
    }
}

extension Archive {
    /// What the arrival checks find, ledger by ledger, for a screen that reads them out without a command line.
    public struct CustodyArrival: Sendable {
        public var status: CustodyStatus
        /// Problems of the transfer as a whole: its seal, its recipient.
        public var general: [HosoError]
        /// Each listed ledger with what differs from the inventory (empty: it checks).
        public var ledgers: [(ledger: CustodyTransfer.Ledger, problems: [HosoError])]
        /// Whether the office may countersign it now: addressed here, not accepted yet, nothing wrong.
        public var acceptable: Bool { !status.accepted && general.isEmpty && ledgers.allSatisfy(\.problems.isEmpty) }
    }

    /// Runs the same checks as `acceptCustody(transfer:)` and signs nothing; an accepted transfer is not re-checked.
    public func custodyArrival(_ id: String) throws -> CustodyArrival {
        let status = try custodyStatus(id)
        guard !status.accepted else {
            return CustodyArrival(status: status, general: [], ledgers: status.transfer.ledgers.map { ($0, []) })
        }
        let problems = try custodyProblems(status, settings: try officeSettings())
        let listed = Set(status.transfer.ledgers.map(\.record))
        return CustodyArrival(
            status: status, general: problems.filter { !listed.contains($0.location ?? "") },
            ledgers: status.transfer.ledgers.map { l in (l, problems.filter { $0.location == l.record }) })
    }
}
