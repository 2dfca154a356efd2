import Foundation
import HosoCopies
import HosoCore
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore
import HosoTransport

// Long-term proof for issued copies (PAdES B-LTA): renewal adds validation data for the last document timestamp and
// a new document timestamp before the timestamp authority's certificate expires. The renewed PDF is a new object;
// the copy register line gets a revision naming it (`renewed`), and the copy a citizen holds (an older prefix of
// it) still verifies.

extension Archive {
    /// What renewal did with one copy.
    public struct CopyRenewal: Codable, Sendable {
        /// The copy register line's record id.
        public var register: String
        public var printedNumber: String
        /// The PDF looked at (object id).
        public var previous: String
        /// The renewed PDF (object id); nil when the copy was not renewed.
        public var document: String?
        /// The copy's newest timestamp before renewal, and when its authority's certificate expires.
        public var lastTimestamp: Date?
        public var authorityValidUntil: Date?
        /// Why it was not renewed (nil when it was).
        public var skipped: String?
    }

    /// Renews issued copies whose newest timestamp's authority certificate expires within `margin` of now (every
    /// selected copy with `force`): each gets a DSS update, a document timestamp from `timestamp` and a DSS update
    /// for it (`PAdES.extendToLTA`, with OCSP responses where the certificates name a responder), stored as a new
    /// object and named in a new revision of its register line.
    /// - Parameter only: register record ids or printed numbers ("12/2026") to consider (nil: every copy).
    public func renewCopies(
        timestamp: TimestampSource, margin: TimeInterval, only: Set<String>? = nil, force: Bool = false, clerk: String
    ) throws -> [CopyRenewal] {
        let now = clock.now()
        var out = [CopyRenewal]()
        for registerId in try index.recordIds(ofType: CopyRegisterEntry.recordType).sorted() {
            let (head, rev) = try current(record: registerId)
            let line = try decodeBody(rev.body, as: CopyRegisterEntry.self)
            if let only, !only.contains(registerId), !only.contains(line.printedNumber) { continue }
            let docId = line.renewed ?? line.document
            guard let id = ObjectID(hex: docId) else { continue }
            let pdf = try store.read(id)
            var r = CopyRenewal(register: registerId, printedNumber: line.printedNumber, previous: docId)
            guard let last = try PAdES.lastTimestamp(in: pdf) else {
                r.skipped = "no-timestamp"
                out.append(r)
                continue
            }
            r.lastTimestamp = last.time
            r.authorityValidUntil = last.authority.notAfter
            guard force || last.authority.notAfter <= now.addingTimeInterval(margin) else {
                r.skipped = "not-due"
                out.append(r)
                continue
            }
            let trust = try trustContext()
            // Fresh OCSP answers where a certificate names a responder: those kept from issue are long past.
            let ocsp = CopyOCSPAnswers(stored: trust.ocsp, crls: trust.crls, now: now)
            let renewed = try PAdES.extendToLTA(
                pdf: pdf, trust: trust, ocsp: ocsp.answer, time: now, timestamp: { try timestamp.token(forSignatureValue: $0) })
            var next = line
            next.renewed = ObjectID(hashing: renewed).hex
            let revision = Revision(
                recordType: CopyRegisterEntry.recordType, recordId: registerId, parents: [head.hex], author: clerk,
                time: HosoClock.format(now), reason: "gia hạn dấu thời gian / timestamps renewed", body: try encodeBody(next))
            let prepared = try prepareAll(
                [revision], objects: [(bytes: renewed, kind: .copy)] + ocsp.fetched.map { (bytes: $0, kind: .ocspResponse) })
            do {
                _ = try writing {
                    guard try index.heads(ofRecord: registerId) == [head.hex] else {
                        throw HosoError(
                            .requestState,
                            .both("Dòng sổ cấp bản sao vừa được sửa ở nơi khác", "The copy register line was just changed elsewhere"),
                            location: registerId)
                    }
                    return try commitPrepared(prepared)
                }
            } catch {
                discard(prepared)
                throw error
            }
            r.document = next.renewed
            out.append(r)
        }
        return out
    }

    /// The register line of `pdf`: by its own object id, else (a copy renewed since, or one renewal of it) by the
    /// id of an earlier revision of the file — the issued PDF is a prefix of every renewal.
    func registeredCopy(pdf: [UInt8]) throws -> CopyRegisterEntry? {
        if let hit = try registeredCopy(document: ObjectID(hashing: pdf).hex) { return hit }
        guard let ends = try? PDFParse.revisionEnds(pdf) else { return nil }
        for end in ends.reversed().prefix(64) where end < pdf.count {
            if let hit = try registeredCopy(document: ObjectID(hashing: Array(pdf[0..<end])).hex) { return hit }
        }
        return nil
    }
}
