// The import part of hoso-bench-hub: one more district pushed into an archive through the sync handler itself
// (`ArchiveSyncService.receive`, what `POST /sync/push` runs for each batch `hoso sync` sends), so every check of a
// real sync is in the figure: frames read and hashed, revisions decoded from canonical JSON, scope, parents and record
// types looked up, each ledger checked against its schema, objects committed, the index and the log written, entries
// replaced. Only the socket, TLS and the HTTP framing are left out.
import Foundation
import HosoBenchSupport
import HosoCore
import HosoHub
import HosoKit
import HosoRecords
import HosoSigning
import HosoSync

enum SyncImport {
    /// One district's ledgers as a peer pushes them: the frames of 8 MB batches (`Archive.sync`'s `batchBytes`).
    struct Pushed {
        var batches: [[UInt8]] = []
        var entries = 0
        var ledgers = 0
        var bytes = 0
        /// The record id prefix of the district (`PGD-CODE/`), its scope on the receiving node.
        var prefix = ""
        var district = 0
    }

    /// The ledgers of district `d` as revisions (canonical JSON, as the district's archive stores them), framed.
    static func pushed(province: Province, district d: Int, globalStart: Int, batchBytes: Int) throws -> Pushed {
        var out = Pushed()
        out.district = d
        var current = [UInt8]()
        try province.district(d, globalStart: globalStart) { ledger in
            let body = try Revision(
                recordType: "ledger", recordId: ledger.recordId, parents: [], author: "bench-hub", time: ledger.revision.time,
                reason: nil, body: ledgerBody(ledger)
            ).canonicalBytes()
            let frame =
                SyncFrames.header(kind: ObjectKind.record.rawValue, id: ObjectID(hashing: body).hex, size: UInt64(body.count)) + body
            if !current.isEmpty && current.count + frame.count > batchBytes {
                out.batches.append(current)
                current = []
            }
            current += frame
            out.entries += ledger.entries.count
            out.ledgers += 1
            out.bytes += body.count
            if out.prefix.isEmpty { out.prefix = String(ledger.recordId.prefix { $0 != "/" }) + "/" }
        }
        if !current.isEmpty { out.batches.append(current) }
        return out
    }

    /// A ledger record's body (Schemas/ledger.schema.json) holding the synthetic ledger's entries.
    static func ledgerBody(_ l: SynthLedger) -> JSONValue {
        let first = l.entries[0]
        func s(_ v: String) -> JSONValue { .string(v) }
        func n(_ v: Int) -> JSONValue { .number(Double(v)) }
        let entries: [JSONValue] = l.entries.map { e in
            var m = [
                JSONMember("stt", n(e.stt)), JSONMember("fullName", s(e.fullName)), JSONMember("dateOfBirth", s(e.dateOfBirth)),
                JSONMember("placeOfBirth", s(e.placeOfBirth)), JSONMember("sex", s(e.sex)), JSONMember("ethnicity", s(e.ethnicity)),
                JSONMember("graduationGrade", s(e.graduationGrade)), JSONMember("serial", s(e.serial)),
                JSONMember("ledgerNumber", n(e.ledgerNumber)),
            ]
            if let c = e.citizenId { m.append(JSONMember("citizenId", s(c))) }
            if let c = e.moetId { m.append(JSONMember("moetId", s(c))) }
            if let p = e.page { m.append(JSONMember("page", n(p))) }
            return .object(m)
        }
        return .object([
            JSONMember("issuer", s(first.issuer)), JSONMember("title", s("SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS")),
            JSONMember("level", s("THCS")),
            JSONMember(
                "decision",
                .object([JSONMember("number", s("\(first.year % 100)/QĐ-PGDĐT")), JSONMember("date", s("\(first.year)-06-20"))])),
            JSONMember("year", n(first.year)), JSONMember("school", s(first.school)), JSONMember("mode", s("Chính quy")),
            JSONMember("pages", .array([])), JSONMember("entries", .array(entries)),
        ])
    }

    /// Makes `archive` a sync node that takes ledgers under `prefix` from a district node; returns the handler and the
    /// district's node id, as the HTTP server knows it from its TLS client certificate.
    /// The district is named after its number (`--import-only` may push several into one hub).
    static func receiver(_ archive: Archive, pki: String, prefix: String, district d: Int) throws -> (ArchiveSyncService, String) {
        if (try? archive.nodeInfo()) == nil {
            _ = try archive.initNode(
                name: "so-gd", role: .office,
                identity: try DemoPKI.issueNode(pki: pki, name: "so-gd", organization: "bench", clock: archive.clock))
        }
        let district = try DemoPKI.issueNode(pki: pki, name: "pgd-\(d)", organization: "bench", clock: archive.clock)
        let peer = try archive.addPeer(
            name: "pgd-\(d)", certificate: district.certificate, role: .office, scope: ["<ledger:\(prefix)*"], author: "admin")
        return (ArchiveSyncService(archive: archive), peer.node)
    }
}
