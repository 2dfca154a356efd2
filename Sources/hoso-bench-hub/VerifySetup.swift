// hoso-bench-hub --verify-setup DIR: the archives tools/bench_hub_verify.py serves. No CLI command issues a copy into
// the hub yet (`copy issue` has no --database), so both archives are made here in process, the same way: the demo PKI
// trusted, the office's settings, the example ledger, one request and one issued copy. The folder archive (SQLite
// index, object files) is the reference; the hub's first application server folder is made by `Hub.createHub` on the
// database given as --primary (which `hoso hub init` set up).
import Foundation
import HosoBenchSupport
import HosoCore
import HosoHub
import HosoKit
import HosoRecords
import HosoSigning

enum VerifySetup {
    static let password = "bench-hub-mat-khau"
    static let ledgerId = "PGD-TANLAP/THCS/1996/PTCS-TANLAP"
    static let serial = "Số 001234/BT"
    static let holder = "Lò Thị Mai"

    /// Makes DIR/pki, DIR/folder and DIR/hub-1; writes DIR/copy-folder.{pdf,qr} and DIR/copy-hub.{pdf,qr}.
    static func run(dir: String, database: String, ledger: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        // Dated an hour back, so every certificate is valid when the copies are signed and verified.
        let manifest = try DemoPKI.create(at: dir + "/pki", clock: .fixed(now - 3600), password: password)
        let pki = { (rel: String) in dir + "/pki/" + rel }
        let roots = try manifest.roots.flatMap { try Certificate.load(file: pki($0.certificate)) }
        let intermediates = try manifest.intermediates.flatMap { try Certificate.load(file: pki($0.certificate)) }
        let crls = try manifest.crls.flatMap { try CRL.load(try bytes(pki($0.der))) }
        guard let seal = manifest.identity("van-phong") else { throw BenchFailure(message: "the demo PKI has no van-phong") }
        let office = try PKCS12.open(try bytes(pki(seal.files.p12)), password: manifest.password)
        let body = try CanonicalJSON.parse(try bytes(ledger))

        let make: [(String, () throws -> Archive)] = [
            ("folder", { try Archive.create(at: dir + "/folder") }),
            ("hub", { try Hub.createHub(root: dir + "/hub-1", database: database) }),
        ]
        for (name, create) in make {
            let a = try create()
            _ = try a.addTrustAnchors(roots, label: "demo", author: "admin")
            _ = try a.addCertificates(intermediates)
            _ = try a.importCRLs(crls)
            var s = OfficeSettings.defaults
            s.officeName = "Phòng Giáo dục và Đào tạo huyện Tân Lập"
            s.place = "Tân Lập"
            s.signerName = "Vũ Minh Tuấn"
            s.officeCode = "PGD-TL"
            s.copySigners = [office.certificate.fingerprint]
            try a.setOfficeSettings(s, author: "admin", reason: "bench")
            try a.createRecord(type: "ledger", id: ledgerId, body: body, author: "registrar")
            let request = try a.newRequest(
                .init(kind: .copy, requesterName: holder, relation: .holder, holderName: holder, serial: serial, channel: .inPerson),
                clerk: "vanthu"
            ).id
            let copy = try a.issueCopy(entryRef: serial, requestId: request, signer: office, clerk: "vanthu")
            try Data(copy.pdf).write(to: URL(fileURLWithPath: "\(dir)/copy-\(name).pdf"))
            try Data(copy.qrText.utf8).write(to: URL(fileURLWithPath: "\(dir)/copy-\(name).qr"))
            say("verify-setup: \(name) archive, copy \(copy.register.printedNumber) (\(copy.pdf.count) bytes)")
        }
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else { throw BenchFailure(message: "cannot read \(path)") }
        return [UInt8](d)
    }
}
