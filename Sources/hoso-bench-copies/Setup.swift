import Foundation
import HosoBenchSupport
import HosoCopies
import HosoCore
import HosoKit
import HosoRecords
import HosoSigning

// The set-up of hoso-bench-copies (untimed): a demo PKI, an archive that trusts it, office settings and one ledger.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let ledgerId = "PGD-TANLAP/THCS/1996/PTCS-TANLAP"

struct Person { let name: String, dob: String, serial: String, number: Int }

/// A ledger after Schemas/examples/valid-ledger-old-typed-without-scans.json with `n` entries and unique serials.
func makeLedger(_ n: Int) throws -> (JSONValue, [Person]) {
    let family = ["Lò", "Hoàng", "Nguyễn", "Trần", "Lê", "Phạm", "Vũ", "Đặng", "Bùi", "Đỗ", "Hà", "Lường", "Quàng", "Sùng"]
    let middle = ["Thị", "Văn", "Đức", "Thu", "Minh", "Ngọc", "Quang", "Hồng"]
    let given = [
        "Mai", "Páo", "An", "Bình", "Chi", "Dũng", "Hà", "Hương", "Khánh", "Lan", "Long", "Nga", "Phong", "Sinh",
        "Thảo", "Tuấn", "Xuân", "Yến",
    ]
    let places = ["Bản Lướt, xã Tân Lập", "Xã Tân Lập", "Bản Mòng, xã Tân Lập", "Thị trấn Tân Lập"]
    let ethnic = ["Thái", "Mông", "Kinh", "Mường", "Dao", "Tày"]
    let grades = ["Trung bình", "Khá", "Giỏi", "Xuất sắc"]
    var people = [Person]()
    var entries = [[String: Any]]()
    for i in 0..<n {
        let female = i % 2 == 0
        let name = "\(family[i % family.count]) \(female ? "Thị" : middle[(i / 3) % middle.count]) \(given[(i * 7) % given.count])"
        let dob = String(format: "%04d-%02d-%02d", 1978 + i % 4, 1 + i % 12, 1 + i % 28)
        let serial = String(format: "Số %06d/BT", 1234 + i)
        people.append(Person(name: name, dob: dob, serial: serial, number: i + 1))
        entries.append([
            "stt": i + 1, "fullName": name, "dateOfBirth": dob, "placeOfBirth": places[i % places.count],
            "sex": female ? "Nữ" : "Nam", "ethnicity": ethnic[i % ethnic.count],
            "graduationGrade": grades[i % grades.count], "serial": serial, "ledgerNumber": i + 1,
        ])
    }
    let ledger: [String: Any] = [
        "issuer": "Phòng Giáo dục huyện Tân Lập", "title": "SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS", "level": "THCS",
        "decision": ["number": "45/QĐ-GD", "date": "1996-06-20"], "year": 1996, "school": "Trường PTCS Tân Lập",
        "mode": "Bổ túc văn hoá", "pages": [Any](), "entries": entries,
    ]
    let data = try JSONSerialization.data(withJSONObject: ledger)
    return (try CanonicalJSON.parse(Array(data)), people)
}

struct Setup {
    let archivePath: String
    let archive: Archive
    let office: SigningIdentity
    let tsa: TimeStampAuthority
    let people: [Person]
    /// The demo PKI's directory and manifest (the học bạ phases sign as its teachers).
    let pki: String
    let manifest: DemoPKI.Manifest
}

func identity(_ pki: String, _ m: DemoPKI.Manifest, _ name: String) throws -> SigningIdentity {
    guard let id = m.identity(name) else { throw BenchFailure(message: "the demo PKI has no identity \(name)") }
    return try PKCS12.open(Array(try Data(contentsOf: URL(fileURLWithPath: "\(pki)/\(id.files.p12)"))), password: "pw")
}

func setUp(work: String, pki: String, entries: Int) throws -> Setup {
    let clock = HosoClock.system
    let m = try DemoPKI.create(at: pki, clock: clock, password: "pw")
    let path = work + "/archive"
    let a = try Archive.create(at: path, clock: clock)
    try a.addTrustAnchors(try m.roots.flatMap { try Certificate.load(file: "\(pki)/\($0.certificate)") }, label: "demo", author: "admin")
    _ = try a.addCertificates(try m.intermediates.flatMap { try Certificate.load(file: "\(pki)/\($0.certificate)") })
    for c in m.crls {
        _ = try a.importCRLs(try CRL.load(Array(try Data(contentsOf: URL(fileURLWithPath: "\(pki)/\(c.der)")))))
    }
    let office = try identity(pki, m, "van-phong")
    let tsa = try TimeStampAuthority(identity: try identity(pki, m, "tsa"), clock: clock)
    var s = OfficeSettings.defaults
    s.officeName = "Phòng Giáo dục và Đào tạo huyện Tân Lập"
    s.place = "Tân Lập"
    s.signerName = "Vũ Minh Tuấn"
    s.officeCode = "PGD-TL"
    s.copySigners = [office.certificate.fingerprint]
    _ = try a.setOfficeSettings(s, author: "admin", reason: "bench set-up")
    let (ledger, people) = try makeLedger(entries)
    try a.createRecord(type: "ledger", id: ledgerId, body: ledger, author: "registrar")
    return Setup(archivePath: path, archive: a, office: office, tsa: tsa, people: people, pki: pki, manifest: m)
}

func issueOne(_ s: Setup, _ p: Person) throws -> Archive.IssuedCopyResult {
    let req = try s.archive.newRequest(
        .init(
            kind: .copy, requesterName: p.name, relation: .holder, holderName: p.name,
            serial: p.serial, channel: .inPerson), clerk: "vanthu"
    ).id
    return try s.archive.issueCopy(entryRef: p.serial, requestId: req, signer: s.office, timestamp: .authority(s.tsa), clerk: "vanthu")
}
