import Foundation
import HosoCore
import HosoKit
import HosoRecords
import HosoSigning

/// A small district whose plan indicators are known exactly (`hoso report`, the dashboard): added to an office archive
/// made by `OfficeArchiveFixture` at `now` (a Wednesday, 09:00 office time), whose PKI is at `pki`.
///
/// - Trường THCS Tân Lập: ledgers 2019 (3 entries, 2 pages) and 2020 (2 entries, 1 page); declared 5 ledgers, 12 pages,
///   50 entries. Grade books 2024-2025: Toán 6A (signed by Nguyễn Văn An), Ngữ văn 6A (not signed), and one of
///   2023-2024 (not this year). Học bạ 9A 2024-2025 signed by its homeroom teacher Lê Thị Hồng Nhung.
/// - Trường THCS Hòa Bình: ledger 2019 (1 entry); declared 4 ledgers, pages and entries not counted. Grade book
///   Toán 7A 2024-2025 signed by Trần Thị Bích Ngọc.
/// - Trường THCS Đồng Tâm: declared 0 ledgers and 0 pages (a zero denominator) and nothing in the archive.
/// - The fixture's own ledger of Trường PTCS Tân Lập (2 entries) is not declared.
/// - Teachers: the three above and Bùi Văn Tư (no certificate, no assignment); a student's person record is no teacher.
/// - Requests of 2024-2025: on time (issued; refused), late, open, overdue; one of May 2024 (the year before).
public enum ReportDistrict {
    public static let now = HosoClock.parse("2025-03-12T02:00:00Z")!
    public static let schoolA = "Trường THCS Tân Lập"
    public static let schoolB = "Trường THCS Hòa Bình"
    public static let schoolC = "Trường THCS Đồng Tâm"
    public static let oldSchool = "Trường PTCS Tân Lập"

    /// Writes the district into `a`; with `inventory` false, no paper inventory is declared.
    public static func seed(_ a: Archive, pki: String, inventory: Bool = true) throws {
        let manifest = try DemoPKI.manifest(at: pki)
        func identity(_ name: String) throws -> SigningIdentity {
            guard let id = manifest.identity(name) else { throw FixtureError("no identity \(name)") }
            return try PKCS12.open(
                [UInt8](try Data(contentsOf: URL(fileURLWithPath: pki + "/" + id.files.p12))), password: manifest.password)
        }

        let file = try scanFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let scan = try a.add([file]).entries[0].id
        try a.createRecord(
            type: "ledger", id: "PGD-TL/THCS/2019/TL", body: ledger(schoolA, 2019, serial: 100, entries: 3, pages: [scan, scan]),
            author: "registrar")
        try a.createRecord(
            type: "ledger", id: "PGD-TL/THCS/2020/TL", body: ledger(schoolA, 2020, serial: 200, entries: 2, pages: [scan]),
            author: "registrar")
        try a.createRecord(
            type: "ledger", id: "PGD-TL/THCS/2019/HB", body: ledger(schoolB, 2019, serial: 300, entries: 1, pages: []), author: "registrar")
        if inventory {
            var inv = PaperInventory()
            inv.set(.init(school: schoolA, ledgers: 5, pages: 12, entries: 50, countedOn: "2025-02-20"))
            inv.set(.init(school: schoolB, ledgers: 4))
            inv.set(.init(school: schoolC, ledgers: 0, pages: 0))
            try a.setPaperInventory(inv, author: "registrar", reason: "kiểm kê")
        }

        let an = try identity("gv-toan")
        let ngoc = try identity("gv-van")
        let nhung = try identity("gvcn")
        try person(a, "person/an", "Nguyễn Văn An", roles: ["teacher"], certificate: an.certificate.fingerprint)
        try person(a, "person/ngoc", "Trần Thị Bích Ngọc", roles: ["teacher"], certificate: ngoc.certificate.fingerprint)
        try person(a, "person/nhung", "Lê Thị Hồng Nhung", roles: ["teacher"], certificate: nhung.certificate.fingerprint)
        try person(a, "person/tu", "Bùi Văn Tư", roles: ["teacher"], certificate: nil)
        try person(a, "person/hs", "Nguyễn Thị Thu Hà", roles: ["student"], certificate: nil)
        try assign(a, "assignment/an", person: "person/an", role: "subject-teacher", school: schoolA, class: "6A", subject: "Toán")
        try assign(a, "assignment/ngoc", person: "person/ngoc", role: "subject-teacher", school: schoolB, class: "7A", subject: "Toán")
        try assign(a, "assignment/nhung", person: "person/nhung", role: "homeroom-teacher", school: schoolA, class: "9A", subject: nil)

        let toan = try gradeBook(a, school: schoolA, class: "6A", subject: "Toán", year: "2024-2025")
        _ = try gradeBook(a, school: schoolA, class: "6A", subject: "Ngữ văn", year: "2024-2025")
        _ = try gradeBook(a, school: schoolA, class: "6B", subject: "Toán", year: "2023-2024")
        let hb = try gradeBook(a, school: schoolB, class: "7A", subject: "Toán", year: "2024-2025")
        _ = try a.sign(toan, identity: an, role: .subjectTeacher)
        _ = try a.sign(hb, identity: ngoc, role: .subjectTeacher)

        var hocBa = try CanonicalJSON.parse(try repoFile("Schemas/examples/valid-hoc-ba-thcs-grade-9.json"))
        hocBa = replacing(hocBa, ["schoolYear": .string("2024-2025"), "transcript": .string("transcript/0123456789/2024-2025")])
        if case .object(let m) = hocBa, let school = m.first(where: { $0.key == "school" })?.value {
            hocBa = replacing(hocBa, ["school": replacing(school, ["name": .string(schoolA)])])
        }
        try a.createRecord(type: "hoc-ba", id: "hoc-ba/0123456789/2024-2025", body: hocBa, author: "gvcn")
        _ = try a.signHocBa("hoc-ba/0123456789/2024-2025", role: .homeroom, signer: nhung, author: "gvcn")

        // A closure, not a local function: the compiler's module-emitting pass warned that a local function's `try`
        // covered no throwing call (Swift 6.3.1), though it does.
        let request = { (name: String, received: String) throws -> String in
            let new = NewCitizenRequest(
                kind: .copy, requesterName: name, relation: .holder, holderName: name, serial: "A0012345", channel: .inPerson,
                receivedAt: HosoClock.parse(received)!)
            return try a.newRequest(new, clerk: "vanthu").id
        }
        let onTime = try request("Lò Văn Một", "2025-03-12T01:00:00Z")  // Wednesday 08:00: due 17:00 today, answered 09:00
        let late = try request("Lò Văn Hai", "2025-03-10T01:00:00Z")  // Monday 08:00: due Monday 17:00
        _ = try request("Lò Văn Ba", "2025-03-12T01:30:00Z")  // open, due today
        _ = try request("Lò Văn Bốn", "2025-03-07T01:00:00Z")  // Friday, never answered: overdue
        let refused = try request("Lò Văn Năm", "2025-03-11T09:00:00Z")  // Tuesday 16:00, after the cutoff: due Wednesday
        let lastYear = try request("Lò Văn Sáu", "2024-05-02T01:00:00Z")
        for id in [onTime, late, lastYear] {
            try a.updateRequest(id, author: "vanthu", reason: "đã cấp / issued") { $0.status = .issued }
        }
        _ = try a.refuseRequest(refused, reason: "không có trong sổ", clerk: "vanthu")
    }

    static func scanFile() throws -> String {
        let path = NSTemporaryDirectory() + "hoso-report-scan-\(UUID().uuidString).png"
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("page".utf8)).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func replacing(_ v: JSONValue, _ changes: [String: JSONValue]) -> JSONValue {
        guard case .object(let m) = v else { return v }
        return .object(m.map { member in changes[member.key].map { JSONMember(member.key, $0) } ?? member })
    }

    static func ledger(_ school: String, _ year: Int, serial: Int, entries: Int, pages: [String]) throws -> JSONValue {
        let rows = (1...max(entries, 1)).prefix(entries).map { n in
            """
            {"stt": \(n), "fullName": "Học Sinh \(n)", "dateOfBirth": "2004-01-0\(n)", "placeOfBirth": "Xã Tân Lập", "sex": "Nam",
             "ethnicity": "Kinh", "graduationGrade": "Khá", "serial": "TL\(serial + n)", "ledgerNumber": \(serial + n)}
            """
        }
        let pageList = pages.enumerated().map { #"{"page": \#($0.offset + 1), "scan": "\#($0.element)"}"# }
        let text = """
            {"issuer": "Phòng Giáo dục và Đào tạo huyện Tân Lập", "title": "SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS", "level": "THCS",
             "decision": {"number": "\(serial)/QĐ-PGD", "date": "\(year)-06-20"}, "year": \(year), "school": "\(school)",
             "mode": "Chính quy", "pages": [\(pageList.joined(separator: ","))], "entries": [\(rows.joined(separator: ","))]}
            """
        return try CanonicalJSON.parse(Array(text.utf8))
    }

    static func person(_ a: Archive, _ id: String, _ name: String, roles: [String], certificate: String?) throws {
        var m = [
            JSONMember("fullName", .string(name)), JSONMember("dateOfBirth", .string("1985-03-02")),
            JSONMember("roles", .array(roles.map { .string($0) })),
        ]
        if let certificate { m.append(JSONMember("certificates", .array([.object([JSONMember("sha256", .string(certificate))])]))) }
        try a.createRecord(type: "person", id: id, body: .object(m), author: "admin")
    }

    static func assign(_ a: Archive, _ id: String, person: String, role: String, school: String, class c: String, subject: String?) throws {
        var m = [
            JSONMember("person", .string(person)), JSONMember("role", .string(role)), JSONMember("school", .string(school)),
            JSONMember("class", .string(c)), JSONMember("schoolYear", .string("2024-2025")), JSONMember("from", .string("2024-08-01")),
        ]
        if let subject { m.append(JSONMember("subject", .string(subject))) }
        try a.createRecord(type: "assignment", id: id, body: .object(m), author: "admin")
    }

    /// The example grade book moved to another school, class, subject and year; its record id as hoso makes them.
    static func gradeBook(_ a: Archive, school: String, class c: String, subject: String, year: String) throws -> String {
        let book = try CanonicalJSON.parse(try repoFile("Schemas/examples/valid-grade-book-thcs-scored.json"))
        let id = GradeBookInfo.recordId(school: school, schoolYear: year, className: c, subject: subject, term: .hk1)
        let body = replacing(
            book, ["school": .string(school), "class": .string(c), "subject": .string(subject), "schoolYear": .string(year)])
        try a.createRecord(type: "grade-book", id: id, body: body, author: "gv")
        return id
    }
}
