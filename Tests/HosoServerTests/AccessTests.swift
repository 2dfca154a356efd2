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
    /// their assignments, accounts linked to them, a scan of the ledger's page 1 and a copy issued for the request.
    struct World {
        let fx: Fixture
        let books: (tanLap: String, xuanSon: String)
        /// A request filed online, so that the routes of its uploaded proof are walked too; its copy 0 issued.
        var request = ""

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
            // A scan of the ledger's page 1 and a copy issued for the request, for the routes that show them.
            let png = fx.dir.path + "/page-001.png"
            try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("scan".utf8)).write(to: URL(fileURLWithPath: png))
            let scan = try a.add([png]).entries[0].id
            guard case .object(let ledger) = try a.current(record: Fixture.ledgerId).1.body else {
                throw HosoError(.internalError, .both("Sổ không phải là đối tượng", "The ledger is not an object"))
            }
            let page = JSONValue.array([.object([JSONMember("page", .number(1)), JSONMember("scan", .string(scan))])])
            try a.revise(
                record: Fixture.ledgerId, body: .object(ledger.map { $0.key == "pages" ? JSONMember("pages", page) : $0 }),
                author: "registrar", reason: "page scanned")
            var online = OnlineRequestForm()
            (online.kind, online.holderName, online.holderDateOfBirth, online.holderId) = (
                "copy", Fixture.holder, "01/01/1980", "001180012345"
            )
            (online.serial, online.requesterName, online.relation, online.phone) = (Fixture.serial, Fixture.holder, "holder", "0912345678")
            request = try a.fileOnlineRequest(online, proof: Array("%PDF-1.4\n".utf8)).id
            _ = try a.issueCopy(entryRef: Fixture.serial, requestId: request, signer: fx.office, clerk: "vanthu")
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

/// Every account against every record through every route that shows one record: the rule, restated here from the
/// issue's words rather than read from `Visibility`, must hold on each route, screens and API alike.
extension AccessTests {
    enum Kind: CaseIterable { case bookTanLap, bookXuanSon, ledger, request }

    /// Who may read which record: teachers their own assignments' books, a principal their school's, the office's
    /// staff ledgers and requests, the admin and unlinked accounts nothing (people are recorded in this archive).
    static let mayRead: [String: Set<Kind>] = [
        "toan-tl": [.bookTanLap], "toan-xs": [.bookXuanSon], "ht-tl": [.bookTanLap],
        "teacher": [], "principal": [], "admin": [],
        "registrar": [.ledger, .request], "clerk": [.ledger, .request], "office-head": [.ledger, .request],
    ]

    static let roleOf: [String: Role] = [
        "toan-tl": .teacher, "toan-xs": .teacher, "ht-tl": .principal, "teacher": .teacher, "principal": .principal,
        "admin": .admin, "registrar": .registrar, "clerk": .clerk, "office-head": .officeHead,
    ]

    /// The record type of each kind.
    static let typeOf: [Kind: String] = [.bookTanLap: "grade-book", .bookXuanSon: "grade-book", .ledger: "ledger", .request: "request"]

    /// The other parameters a route may take, with values the World has: page 1 has a scan, the request a copy 0, the
    /// ledger an entry 1.
    static let otherParameters = ["page": "1", "n": "0", "number": "1"]

    /// The routes that show one record of a kind, generated from `AccessTable.shows` (the route half of the rule,
    /// which `RouteProtectionTests` walks route × role): a new route showing a record is walked here too.
    static func routes(_ kind: Kind, id: String) -> [(route: String, path: String)] {
        AccessTable.shows.sorted(by: { $0.key < $1.key }).compactMap { route, shows in
            guard case .record(let types, let parameter) = shows, types?.contains(typeOf[kind]!) ?? true else { return nil }
            return (route, path(route, parameter, id: id))
        }
    }

    /// The request path of `route` for the record `id`; a parameter without a value in `otherParameters` stays
    /// `{name}`, which no route matches, so the walk fails on it.
    static func path(_ route: String, _ parameter: AccessTable.Parameter, id: String) -> String {
        var path = String(route.drop { $0 != " " }.dropFirst())
        var values = otherParameters
        switch parameter {
        case .path(let name): values[name] = id
        case .query(let name):
            path +=
                "?\(name)=\(q(id))&"
                + otherParameters.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        }
        for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
        return path
    }

    @Test func everyRouteThatShowsARecordIsWalked() throws {
        let routes = AccessTable.shows.filter { if case .record = $0.value { true } else { false } }.keys
        let walked = Set(Kind.allCases.flatMap { Self.routes($0, id: "x").map(\.route) })
        #expect(Set(routes) == walked, "a route shows a record type the World has none of")
        for r in Kind.allCases.flatMap({ Self.routes($0, id: "x").map(\.path) }) { #expect(!r.contains("{"), "\(r): no value") }
        for r in AccessTable.shows.keys { #expect(AccessTable.roles[r] != nil, "\(r) shows something but is not a route") }
    }

    @Test func aNewRouteThatDoesNotSayWhatItShowsStopsTheRouter() throws {
        let all = Array(AccessTable.roles.keys) + Array(AccessTable.open)
        var roles = AccessTable.roles
        roles["GET /api/transcript/{id}"] = AccessTable.recordReaders
        #expect(throws: HosoError.self) { try AccessTable.check(all + ["GET /api/transcript/{id}"], roles: roles) }
        var shows = AccessTable.shows
        shows["GET /api/transcript/{id}"] = .record(types: ["transcript"], parameter: .path("id"))
        try AccessTable.check(all + ["GET /api/transcript/{id}"], roles: roles, shows: shows)
        // A changing route shows nothing: its answer is checked by the GET that shows the result.
        roles["POST /api/transcript/{id}/approve"] = AccessTable.recordReaders
        try AccessTable.check(all + ["GET /api/transcript/{id}", "POST /api/transcript/{id}/approve"], roles: roles, shows: shows)
    }

    @Test func everyAccountReadsExactlyItsRecordsOnEveryRoute() async throws {
        let w = try World()
        let ids: [Kind: String] = [
            .bookTanLap: w.books.tanLap, .bookXuanSon: w.books.xuanSon, .ledger: Fixture.ledgerId, .request: w.request,
        ]
        try await w.fx.app().test(.router) { client in
            for (account, allowed) in Self.mayRead.sorted(by: { $0.key < $1.key }) {
                let b = Browser(client)
                #expect(try await b.login(account).status == .seeOther, "\(account) signs in")
                var shown = Set<Kind>()
                for kind in Kind.allCases {
                    for (route, path) in Self.routes(kind, id: ids[kind]!) {
                        let r = try await b.get(path)
                        if allowed.contains(kind) && AccessTable.roles[route]!.contains(Self.roleOf[account]!) {
                            #expect(r.status == .ok, "\(account) \(path) → \(r.status)")
                            shown.insert(kind)
                        } else {
                            #expect(r.status == .forbidden, "\(account) \(path) → \(r.status)")
                            // A refusal says nothing of what the record holds.
                            #expect(!b.lastBody.contains("Lò Văn An") && !b.lastBody.contains(Fixture.holder), "\(account) \(path)")
                        }
                    }
                }
                // And each record an account may read, some route of its role shows it.
                #expect(shown == allowed, "\(account) is shown \(shown), may read \(allowed)")
            }
        }
    }
}

extension AccessTests {
    /// What a person reads on a page: the text between the tags.
    static func visibleText(_ html: String) -> String { html.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression) }

    /// An error page says what went wrong in words; its reason code and the record id stay out of the text a teacher
    /// or clerk reads (they are in the page's markup for support and scripts).
    @Test func errorPagesSpeakWordsNotCodesOrRecordIds() async throws {
        let w = try World()
        try await w.fx.app().test(.router) { client in
            let p = Browser(client)
            try await p.login("ht-tl")
            let r = try await p.get("/record?id=\(Self.q(w.books.xuanSon))")
            #expect(r.status == .forbidden)
            let text = Self.visibleText(p.lastBody)
            #expect(text.contains("Tài khoản không được xem hồ sơ này"), "\(text)")
            #expect(!text.contains("FORBIDDEN") && !text.contains(w.books.xuanSon), "\(text)")
            #expect(p.lastBody.contains("data-code=\"FORBIDDEN\""))
        }
    }
}
