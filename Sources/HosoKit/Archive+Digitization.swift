import Foundation
import HosoCore
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore

extension HosoError.Code {
    /// The certificate offered to seal digitization records is not one of the office's seal certificates.
    public static let notOfficeSeal = Self("NOT_OFFICE_SEAL", .forbidden)
}

/// Digitization records (Law on E-Transactions 20/2023, Art. 12 [law]): a document converted from paper keeps its
/// integrity, carries a mark that it was converted, and names who converted it and when; for certificates also the
/// converting organisation's digital signature. Every committed ledger revision gets a `digitization` record naming
/// the revision and its page scans (their object ids: integrity), the person who committed it and when, and the
/// office; the office seals the day's records in one run (`sealDigitizations`), one signature each.
extension Archive {
    public static let digitizationType = "digitization"

    /// One digitization record as read back, with whether the office's seal signs it.
    public struct Digitization: Codable, Sendable, Equatable {
        public var id: String
        public var ledger: String
        /// The ledger revision the paper became.
        public var revision: String
        /// The revision and the page scans, by object id.
        public var objects: [String]
        public var convertedBy: String
        public var convertedAt: String
        public var organisation: String
        /// How the text was made: "import" (a typed spreadsheet) for now.
        public var method: String
        /// Names of the seal certificates whose signature on this record verifies (PASSED); empty: not sealed yet.
        public var sealedBy: [String]
    }

    static func digitizationId(revision: String) -> String { "digitization/" + revision }

    /// Writes the digitization record of a committed ledger revision (nothing if it has one).
    func recordDigitization(ledger: String, revision: ObjectID, rev: Revision, scans: [String], method: String) throws {
        let id = Self.digitizationId(revision: revision.hex)
        guard try index.revisions(ofRecord: id).isEmpty else { return }
        let body = JSONValue.object([
            JSONMember("ledger", .string(ledger)), JSONMember("revision", .string(revision.hex)),
            JSONMember("objects", .array(([revision.hex] + scans.sorted()).map { .string($0) })),
            JSONMember("convertedBy", .string(rev.author)), JSONMember("convertedAt", .string(rev.time)),
            JSONMember("organisation", .string(try officeSettings().officeName)), JSONMember("method", .string(method)),
        ])
        try createWorkflowRecord(type: Self.digitizationType, id: id, body: body, author: rev.author)
    }

    /// Ledger revisions without a digitization record (a crash between the ledger's commit and its record, or a
    /// ledger committed before these records existed) get one, named as committed by the revision's author. Not run
    /// by sealing: a ledger that arrived by sync was converted elsewhere, and its record comes from there.
    @discardableResult
    public func recordMissingDigitizations() throws -> Int {
        var made = 0
        for ledger in try recordIds(ofType: Self.ledgerType) {
            for row in try index.revisions(ofRecord: ledger) {
                guard try index.revisions(ofRecord: Self.digitizationId(revision: row.id)).isEmpty,
                    let id = ObjectID(hex: row.id)
                else { continue }
                let rev = try revision(id)
                try recordDigitization(ledger: ledger, revision: id, rev: rev, scans: Self.scanIds(rev), method: "import")
                made += 1
            }
        }
        return made
    }

    static func scanIds(_ rev: Revision) -> [String] {
        guard case .array(let pages)? = rev.body["pages"] else { return [] }
        return pages.compactMap { $0["scan"]?.stringValue }
    }

    /// The digitization records of one ledger (every ledger when nil), oldest first, each with its seal.
    public func digitizations(of ledger: String? = nil) throws -> [Digitization] {
        // A ledger received in custody was converted by its sender: that office's seal (custodySources) counts too.
        let settings = try officeSettings()
        let seals = try copySignerFingerprints(settings).union((settings.custodySources ?? []).flatMap(\.seals))
        var out = [Digitization]()
        for id in try recordIds(ofType: Self.digitizationType) {
            let (rid, rev) = try current(record: id)
            let b = rev.body
            guard ledger == nil || b["ledger"]?.stringValue == ledger else { continue }
            var sealedBy = [String]()
            if try !index.signatures(ofRevision: rid.hex).isEmpty {
                for e in try verify(rid.hex).signatures
                where e.report.indication == .passed && e.report.signerCertificate.map(seals.contains) == true {
                    sealedBy.append(e.report.signer ?? e.report.signerSubject ?? "")
                }
            }
            guard case .array(let objects)? = b["objects"] else { continue }
            out.append(
                Digitization(
                    id: id, ledger: b["ledger"]?.stringValue ?? "", revision: b["revision"]?.stringValue ?? "",
                    objects: objects.compactMap(\.stringValue), convertedBy: b["convertedBy"]?.stringValue ?? "",
                    convertedAt: b["convertedAt"]?.stringValue ?? "", organisation: b["organisation"]?.stringValue ?? "",
                    method: b["method"]?.stringValue ?? "", sealedBy: sealedBy))
        }
        return out.sorted { ($0.convertedAt, $0.id) < ($1.convertedAt, $1.id) }
    }

    /// The office seals every digitization record not signed yet, one signature each, in one run (one batch a day).
    /// Only a seal certificate of the office (office settings `copySigners`) may seal: a person's certificate is
    /// refused before anything is signed.
    public func sealDigitizations(identity: SigningIdentity, timestamp: TimestampSource? = nil) throws -> [SignOutcome] {
        guard try copySignerFingerprints(try officeSettings()).contains(identity.certificate.fingerprint) else {
            throw HosoError(
                .notOfficeSeal,
                .both(
                    "Chỉ chứng thư số con dấu của cơ quan (trong cài đặt cơ quan) mới đóng dấu biên bản số hóa; chưa ký gì",
                    "Only the office's seal certificate (in the office settings) seals digitization records; nothing was signed"),
                location: identity.certificate.commonName ?? identity.certificate.subject)
        }
        // Only records no one has signed: one that arrived by sync already carries the converting office's seal, and
        // this office's signature on it would say it converted what it did not.
        var out = [SignOutcome]()
        for id in try recordIds(ofType: Self.digitizationType) {
            let (rid, _) = try current(record: id)
            guard try index.signatures(ofRevision: rid.hex).isEmpty else { continue }
            out.append(try sign(id, identity: identity, role: .officeHead, timestamp: timestamp).0)
        }
        return out
    }
}
