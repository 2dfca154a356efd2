import Foundation
import HosoCore
import HosoKit
import HosoRecords
import HosoSigning

/// An office's archive: it trusts a demo PKI made an hour before `now`, has the office's settings (Tân Lập, the
/// `van-phong` seal as the only copy signer) and the example ledger of Schemas/examples.
public struct OfficeArchiveFixture {
    /// The example ledger's record id.
    public static let ledgerId = "PGD-TANLAP/THCS/1996/PTCS-TANLAP"
    /// The example ledger, by its path from the repository root.
    public static let ledgerExample = "Schemas/examples/valid-ledger-old-typed-without-scans.json"

    /// The archive, at `dir`/a.
    public let archive: Archive
    /// The demo PKI, at `dir`/pki.
    public let pki: DemoPKIFixture
    /// The office's seal (`van-phong`), the one certificate allowed to sign copies.
    public let office: SigningIdentity

    /// Makes the PKI and the archive in `dir`, the archive's clock fixed at `now`; `create` makes the archive at the
    /// path it is given (a folder archive unless told otherwise: the hub's tests make one on PostgreSQL).
    public init(
        in dir: String, now: Date = wholeSecondsNow(),
        create: (String, HosoClock) throws -> Archive = { try Archive.create(at: $0, clock: $1) }
    ) throws {
        pki = try DemoPKIFixture(in: dir + "/pki", now: now - 3600)
        let a = try create(dir + "/a", .fixed(now))
        try a.addTrustAnchors(pki.roots, label: "demo", author: "admin")
        try a.addCertificates(pki.intermediates)
        for c in pki.manifest.crls {
            _ = try a.importCRLs(try CRL.load([UInt8](try Data(contentsOf: URL(fileURLWithPath: pki.path(c.der))))))
        }
        office = try pki.identity("van-phong")
        var s = OfficeSettings.defaults
        s.officeName = "Phòng Giáo dục và Đào tạo huyện Tân Lập"
        s.place = "Tân Lập"
        s.signerName = "Vũ Minh Tuấn"
        s.officeCode = "PGD-TL"
        s.copySigners = [office.certificate.fingerprint]
        try a.setOfficeSettings(s, author: "admin", reason: "setup")
        try a.createRecord(type: "ledger", id: Self.ledgerId, body: try Self.exampleLedger(), author: "registrar")
        archive = a
    }

    /// The example ledger's body.
    public static func exampleLedger() throws -> JSONValue { try CanonicalJSON.parse(try repoFile(ledgerExample)) }
}
