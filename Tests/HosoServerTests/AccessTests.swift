import Foundation
import HTTPTypes
import HosoAccounts
import HosoCore
import HosoKit
import HosoRecords
import HosoServer
import HosoSigning
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoServer

/// What each account sees: a teacher the grade books of their own assignments, a principal their school's, the
/// registrar the office's ledgers and not the grade books, the admin no records at all. Accounts are linked to person
/// records by id; two teachers with one name are two people.
@Suite struct AccessTests {
    static let tanLap = "Trường THCS Tân Lập"
    static let xuanSon = "Trường THCS Xuân Sơn"

    /// The server fixture plus two grade books (Toán 9A at Tân Lập and at Xuân Sơn), three people with certificates,
    /// their assignments, and accounts linked to them.
    struct World {
        let fx: Fixture
        let books: (tanLap: String, xuanSon: String)

        init() throws {
            fx = try Fixture()
            let a = try Archive.open(at: fx.archivePath, clock: fx.config.clock)
            func book(_ school: String) throws -> String {
                let csv =
                    "ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet\r\n0123456789,Lò Văn An,01/02/2010,7,8,6.5,,7,8,\r\n"
                return try a.importGradeBook(
                    csv: Array(csv.utf8), source: "t.csv", header: nil,
                    settings: GradeBookSettings(
                        school: school, className: "9A", schoolYear: "2024-2025", subject: "Toán", term: "HK1",
                        level: "THCS", periodsPerYear: 70, assessment: "scored", teacher: Fixture.teacherName),
                    author: "gv"
                ).book.recordId
            }
            books = (try book(AccessTests.tanLap), try book(AccessTests.xuanSon))
            func fingerprint(_ name: String) throws -> String {
                try Certificate.load(file: fx.dir.path + "/pki/\(name).crt.pem")[0].fingerprint
            }
            // Two teachers called Nguyễn Văn Toán (the Fixture's teacher name): one at each school.
            for (id, name, cert) in [
                ("p-toan-tl", Fixture.teacherName, "gv-toan"), ("p-toan-xs", Fixture.teacherName, "gv-van"),
                ("p-hieu-truong", "Phạm Quốc Đức", "hieu-truong"),
            ] {
                try a.createRecord(
                    type: "person", id: id,
                    body: .object([
                        JSONMember("fullName", .string(name)), JSONMember("dateOfBirth", .string("1980-01-01")),
                        JSONMember("roles", .array([.string("teacher")])),
                        JSONMember("certificates", .array([.object([JSONMember("sha256", .string(try fingerprint(cert)))])])),
                    ]), author: "admin")
            }
            for (id, person, role, school) in [
                ("as-tl", "p-toan-tl", "subject-teacher", AccessTests.tanLap),
                ("as-xs", "p-toan-xs", "subject-teacher", AccessTests.xuanSon),
                ("as-ht", "p-hieu-truong", "principal", AccessTests.tanLap),
            ] {
                var m = [
                    JSONMember("person", .string(person)), JSONMember("role", .string(role)), JSONMember("school", .string(school)),
                    JSONMember("from", .string("2020-01-01")),
                ]
                if role == "subject-teacher" {
                    m += [
                        JSONMember("class", .string("9A")), JSONMember("subject", .string("Toán")),
                        JSONMember("schoolYear", .string("2024-2025")),
                    ]
                }
                try a.createRecord(type: "assignment", id: id, body: .object(m), author: "admin")
            }
            let store = try ServerStore(path: fx.archivePath + "/" + ServerStore.fileName, clock: fx.config.clock, cost: Fixture.cost)
            try store.addUser(
                name: "toan-tl", displayName: Fixture.teacherName, role: .teacher, password: Fixture.password, person: "p-toan-tl")
            try store.addUser(
                name: "toan-xs", displayName: Fixture.teacherName, role: .teacher, password: Fixture.password, person: "p-toan-xs")
            try store.addUser(
                name: "ht-tl", displayName: "Phạm Quốc Đức", role: .principal, password: Fixture.password, person: "p-hieu-truong")
        }
    }

    static func list(_ r: Reply) -> [String] {
        (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView))) as? [String] ?? []
    }

    static func q(_ id: String) -> String { id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id }

    @Test func aTeacherSeesAndWritesOnlyTheGradeBooksOfTheirOwnAssignments() async throws {
        let w = try World()
        try await w.fx.app().test(.router) { client in
            let (t, csrf) = try await APITests.apiLogin(client, "toan-tl")
            #expect(Self.list(try await t.get("/api/gradebooks")) == [w.books.tanLap])
            #expect(try await t.get("/api/gradebook?id=\(Self.q(w.books.tanLap))").status == .ok)
            // The namesake's book at the other school: neither readable nor writable.
            #expect(try await t.get("/api/gradebook?id=\(Self.q(w.books.xuanSon))").status == .forbidden)
            let marks: [String: Any] = ["tx1-0": "9", "gk-0": "7", "ck-0": "8", "reason": "r"]
            let write = try await APITests.post(t, "/api/gradebook/marks?id=\(Self.q(w.books.xuanSon))", csrf: csrf, marks)
            #expect(write.status == .forbidden)
        }
    }

    @Test func unlinkedAccountsSeeNoGradeBooksOncePeopleAreRecorded() async throws {
        let w = try World()
        try await w.fx.app().test(.router) { client in
            // The Fixture's `teacher` has the books' teacher name but is linked to no person: a name is not enough.
            let (t, _) = try await APITests.apiLogin(client, "teacher")
            #expect(Self.list(try await t.get("/api/gradebooks")).isEmpty)
            #expect(try await t.get("/api/gradebook?id=\(Self.q(w.books.tanLap))").status == .forbidden)
        }
    }

    @Test func theWebRefusesAnotherTeachersCertificateBeforeSigning() async throws {
        let w = try World()
        let other = Data(try APITests.p12(w.fx, "gv-van")).base64EncodedString()
        let own = Data(try APITests.p12(w.fx, "gv-toan")).base64EncodedString()
        try await w.fx.app().test(.router) { client in
            let (t, csrf) = try await APITests.apiLogin(client, "toan-tl")
            let uri = "/api/gradebook/sign?id=\(Self.q(w.books.tanLap))"
            let refused = try await APITests.post(t, uri, csrf: csrf, ["key": other, "password": "pw"])
            #expect(refused.status == .forbidden)
            #expect(t.lastBody.contains("SIGNER_NOT_ENTITLED"), "\(t.lastBody)")
            #expect(try Archive.open(at: w.fx.archivePath).verify(w.books.tanLap).signatures.isEmpty)
            let signed = try await APITests.post(t, uri, csrf: csrf, ["key": own, "password": "pw"])
            #expect(signed.status == .created, "\(t.lastBody)")
            #expect(try Archive.open(at: w.fx.archivePath).verify(w.books.tanLap).indication == "PASSED")
        }
    }

    @Test func aPrincipalSeesTheirSchoolAndNoLedgers() async throws {
        let w = try World()
        try await w.fx.app().test(.router) { client in
            let (p, _) = try await APITests.apiLogin(client, "ht-tl")
            let rows = APITests.json(try await p.get("/api/records?type=grade-book"))["rows"] as? [[String: Any]] ?? []
            #expect(rows.compactMap { $0["record"] as? String } == [w.books.tanLap])
            #expect(try await p.get("/api/record?id=\(Self.q(w.books.tanLap))").status == .ok)
            #expect(try await p.get("/api/record?id=\(Self.q(w.books.xuanSon))").status == .forbidden)
            #expect(try await p.get("/api/records?type=ledger").status == .forbidden)
            #expect(try await p.get("/api/record?id=\(Self.q(Fixture.ledgerId))").status == .forbidden)
        }
    }

    @Test func theRegistrarSeesLedgersButNotGradeBooksAndTheAdminNoRecords() async throws {
        let w = try World()
        try await w.fx.app().test(.router) { client in
            let (r, _) = try await APITests.apiLogin(client, "registrar")
            #expect(try await r.get("/api/record?id=\(Self.q(Fixture.ledgerId))").status == .ok)
            #expect(try await r.get("/api/record?id=\(Self.q(w.books.tanLap))").status == .forbidden)
            #expect(try await r.get("/api/records?type=grade-book").status == .forbidden)
            let (admin, _) = try await APITests.apiLogin(client, "admin")
            #expect(try await admin.get("/api/record?id=\(Self.q(Fixture.ledgerId))").status == .forbidden)
            #expect(try await admin.get("/api/records?type=ledger").status == .forbidden)
            #expect(try await admin.get("/api/users").status == .ok)
        }
    }

    @Test func aRouteTheTableDoesNotClassifyStopsTheRouter() throws {
        #expect(throws: HosoError.self) { try AccessTable.check(["GET /a-new-screen"]) }
        #expect(throws: HosoError.self) { try AccessTable.check(["GET /verify", "GET /records", "POST /records"]) }
        try AccessTable.check(Array(AccessTable.roles.keys) + Array(AccessTable.open))
    }
}
