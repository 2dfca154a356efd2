import Foundation
import HTTPTypes
import HosoAccounts
import HosoCopies
import HosoCore
import HosoKit
import HosoRecords
import HosoServer
import HosoSigning
import HosoStore
import Hummingbird
import HummingbirdTesting
import Testing

/// The JSON API for what the screens do (grade books, digitization, ledger pages, records, sync status, accounts),
/// in-process and on a live server; and the rule that a teacher writes and signs only their own grade books.
@Suite struct APITests {
    /// Signs in through `POST /api/session`; the browser keeps the cookie, the CSRF token is returned.
    static func apiLogin(_ client: any TestClientProtocol, _ user: String) async throws -> (Browser, String) {
        try await apiLogin(RouterClient(client: client), user)
    }

    static func apiLogin(_ client: any WebClient, _ user: String) async throws -> (Browser, String) {
        let b = Browser(client)
        let r = try await b.request(
            .post, "/api/session", headers: [.contentType: "application/json"],
            body: Array(#"{"user":"\#(user)","password":"\#(Fixture.password)"}"#.utf8))
        #expect(r.status == .ok, "\(user): \(b.lastBody)")
        return (b, try #require(json(r)["csrf"] as? String))
    }

    static func json(_ r: Reply) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView))) as? [String: Any] ?? [:]
    }

    static func post(_ b: Browser, _ uri: String, csrf: String?, _ object: [String: Any]) async throws -> Reply {
        var h: HTTPFields = [.contentType: "application/json"]
        if let csrf { h[.xCSRF] = csrf }
        return try await b.request(.post, uri, headers: h, body: Array(try JSONSerialization.data(withJSONObject: object)))
    }

    /// A scored grade book (Toán 9A) whose teacher is the `teacher` account's full name.
    static func gradeBook(_ fx: Fixture) throws -> String {
        let csv = "ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet\r\n0123456789,Lò Văn An,01/02/2010,7,8,6.5,,7,8,\r\n"
        return try Archive.open(at: fx.archivePath, clock: fx.config.clock).importGradeBook(
            csv: Array(csv.utf8), source: "t.csv", header: nil,
            settings: GradeBookSettings(
                school: "Trường THCS Tân Lập", className: "9A", schoolYear: "2024-2025", subject: "Toán", term: "HK1",
                level: "THCS", periodsPerYear: 70, assessment: "scored", teacher: Fixture.teacherName),
            author: "gv"
        ).book.recordId
    }

    static func p12(_ fx: Fixture, _ name: String) throws -> [UInt8] {
        let m = try DemoPKI.manifest(at: fx.dir.path + "/pki")
        return Array(try Data(contentsOf: URL(fileURLWithPath: fx.dir.path + "/pki/" + m.identity(name)!.files.p12)))
    }

    @Test(arguments: Mode.allCases) func teacherSavesAndSignsThroughTheAPI(mode: Mode) async throws {
        let fx = try Fixture()
        let id = try Self.gradeBook(fx)
        let key = Data(try Self.p12(fx, "gv-toan")).base64EncodedString()
        try await fx.serve(mode) { client in
            let (t, csrf) = try await Self.apiLogin(client, "teacher")
            let list = try await t.get("/api/gradebooks")
            #expect((try JSONSerialization.jsonObject(with: Data(list.body.readableBytesView)) as? [String]) == [id])
            let book = try await t.get("/api/gradebook?id=\(id)")
            #expect(book.status == .ok)
            #expect((Self.json(book)["signature"] as? [String: Any])?["indication"] as? String == "UNSIGNED")
            #expect(((Self.json(book)["body"] as? [String: Any])?["students"] as? [Any])?.count == 1)

            let marks: [String: Any] = ["tx1-0": "10", "tx2-0": 8, "tx3-0": "6,5", "gk-0": "7", "ck-0": "8", "reason": "chấm lại"]
            #expect(try await Self.post(t, "/api/gradebook/marks?id=\(id)", csrf: nil, marks).status == .forbidden, "no CSRF token")
            var bad = marks
            bad["tx1-0"] = "11"
            let refused = try await Self.post(t, "/api/gradebook/marks?id=\(id)", csrf: csrf, bad)
            #expect(refused.status == .badRequest)
            #expect(!((Self.json(refused)["errors"] as? [Any]) ?? []).isEmpty)
            let saved = try await Self.post(t, "/api/gradebook/marks?id=\(id)", csrf: csrf, marks)
            #expect(saved.status == .ok, "\(t.lastBody)")
            #expect((Self.json(saved)["save"] as? [String: Any])?["change"] as? String == "revised")
            #expect(try Archive.open(at: fx.archivePath).gradeBook(record: id).students[0].termAverage?.description == "7.8")

            let signed = try await Self.post(t, "/api/gradebook/sign?id=\(id)", csrf: csrf, ["key": key, "password": "pw"])
            #expect(signed.status == .created, "\(t.lastBody)")
            #expect(Self.json(signed)["signer"] as? String == "Nguyễn Văn An")
            let wrongPassword = try await Self.post(t, "/api/gradebook/sign?id=\(id)", csrf: csrf, ["key": key, "password": "sai"])
            #expect(wrongPassword.status == .badRequest || wrongPassword.status == .unauthorized, "\(wrongPassword.status)")
            let after = try await t.get("/api/gradebook?id=\(id)")
            #expect((Self.json(after)["signature"] as? [String: Any])?["indication"] as? String != "UNSIGNED")
        }
    }

    @Test func aTeacherMayNotChangeOrSignAnotherTeachersGradeBook() async throws {
        let fx = try Fixture()
        let id = try Self.gradeBook(fx)
        let key = try Self.p12(fx, "gv-van")
        let before = try Archive.open(at: fx.archivePath).history(record: id).count
        try await fx.app().test(.router) { client in
            // The screens: teacher2 may not read the book (a teacher sees the books of their own classes), nor save or
            // sign it.
            let b = Browser(client)
            try await b.login("teacher2")
            #expect(try await b.get("/gradebook?id=\(id)").status == .forbidden)
            #expect(!b.lastBody.contains("id=\"save\"") && !b.lastBody.contains("id=\"sign-submit\""))
            try await b.get("/gradebooks")
            #expect(!b.lastBody.contains(id), "not listed either")
            let save = try await b.post(
                "/gradebook/save?id=\(id)", [("tx1-0", "10"), ("tx2-0", "10"), ("tx3-0", "10"), ("gk-0", "10"), ("ck-0", "10")])
            #expect(save.status == .forbidden)
            #expect(b.lastBody.contains("FORBIDDEN") && b.lastBody.contains(Fixture.teacherName))
            try await b.get("/gradebooks")
            let (h, body) = multipart([
                ("_csrf", nil, nil, Array(try #require(b.csrfToken).utf8)), ("key", "gv-van.p12", "application/x-pkcs12", key),
                ("password", nil, nil, Array("pw".utf8)),
            ])
            #expect(try await b.request(.post, "/gradebook/sign?id=\(id)", headers: h, body: body).status == .forbidden)
            // The API says the same.
            let (t2, csrf) = try await Self.apiLogin(client, "teacher2")
            #expect(try await Self.post(t2, "/api/gradebook/marks?id=\(id)", csrf: csrf, ["tx1-0": "10"]).status == .forbidden)
            let sign = try await Self.post(
                t2, "/api/gradebook/sign?id=\(id)", csrf: csrf, ["key": Data(key).base64EncodedString(), "password": "pw"])
            #expect(sign.status == .forbidden)
            #expect((Self.json(sign)["errors"] as? [[String: Any]])?.first?["code"] as? String == "FORBIDDEN")
        }
        let a = try Archive.open(at: fx.archivePath)
        #expect(try a.history(record: id).count == before, "no new revision")
        #expect(try a.verify(id).signatures.isEmpty, "no signature")
    }

    @Test(arguments: Mode.allCases) func registrarDigitizesThroughTheAPIAndReadsPagesAndHistory(mode: Mode) async throws {
        let fx = try Fixture()
        let header = "STT;Họ và tên;Ngày sinh;Nơi sinh;Giới tính;Dân tộc;Xếp loại TN;Số hiệu VB;Số vào sổ;Trang"
        let csv = Array(([header, "1;Nguyễn Văn Bảo;15/03/2004;Xã Tân Lập;Nam;Kinh;Khá;A0099001;1;1"]).joined(separator: "\r\n").utf8)
        let mapping = Array(
            #"""
            {"format":"hoso/ledger-mapping","version":1,"recordId":"PGD-TL/THCS/2019/API",
             "ledger":{"issuer":"Phòng Giáo dục và Đào tạo huyện Tân Lập","title":"SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS","level":"THCS",
               "decision":{"number":"123/QĐ-PGDĐT","date":"2019-06-15"},"year":2019,"school":"Trường THCS Tân Lập","mode":"Giáo dục chính quy"},
             "columns":{"stt":"STT","fullName":"Họ và tên","dateOfBirth":"Ngày sinh","placeOfBirth":"Nơi sinh","sex":"Giới tính",
               "ethnicity":"Dân tộc","graduationGrade":"Xếp loại TN","serial":"Số hiệu VB","ledgerNumber":"Số vào sổ","page":"Trang"},
             "dateFormat":"dd/MM/yyyy"}
            """#.utf8)
        let scan = try QRCode.png(for: "trang 1")
        try await fx.serve(mode) { client in
            let (b, csrf) = try await Self.apiLogin(client, "registrar")
            var (h, body) = multipart([
                ("ledger", "so.csv", "text/csv", csv), ("mapping", "m.json", "application/json", mapping),
                ("scans", "trang-001.png", "image/png", scan),
            ])
            #expect(try await b.request(.post, "/api/digitize", headers: h, body: body).status == .forbidden, "no CSRF token")
            h[.xCSRF] = csrf
            let dry = try await b.request(.post, "/api/digitize", headers: h, body: body)
            #expect(dry.status == .ok, "\(b.lastBody)")
            let report = try #require(Self.json(dry)["report"] as? [String: Any])
            #expect(report["dryRun"] as? Bool == true && report["entries"] as? Int == 1 && report["committed"] as? Bool == false)
            let batch = try #require(Self.json(dry)["batch"] as? String)
            #expect(try Archive.open(at: fx.archivePath).find(.init(text: "nguyen van bao")).isEmpty, "a dry run writes nothing")
            let commit = try await Self.post(b, "/api/digitize/commit", csrf: csrf, ["batch": batch])
            #expect(commit.status == .created, "\(b.lastBody)")
            #expect(Self.json(commit)["committed"] as? Bool == true)
            #expect(try await Self.post(b, "/api/digitize/commit", csrf: csrf, ["batch": batch]).status == .notFound, "only once")
            // A broken mapping: 400 with the problem, and no batch.
            (h, body) = multipart([("ledger", "so.csv", "text/csv", csv), ("mapping", "m.json", "application/json", Array("{".utf8))])
            h[.xCSRF] = csrf
            #expect(try await b.request(.post, "/api/digitize", headers: h, body: body).status == .badRequest)

            // The page and its scan.
            let page = try await b.get("/api/ledger/page?ledger=PGD-TL/THCS/2019/API&page=1")
            #expect(page.status == .ok)
            let p = Self.json(page)
            #expect((p["entries"] as? [[String: String]])?.first?["fullName"] == "Nguyễn Văn Bảo")
            let scanPath = try #require(p["scan"] as? String)
            let img = try await b.get(scanPath)
            #expect(img.status == .ok && Array(img.body.readableBytesView) == scan && img.headers[.contentType] == "image/png")
            #expect(try await b.get("/api/ledger/page?ledger=NO/SUCH&page=1").status == .notFound)

            // Records: the signature status of the ledgers and one ledger's history.
            let records = try await b.get("/api/records?type=ledger")
            let rows = try #require(Self.json(records)["rows"] as? [[String: Any]])
            #expect(rows.contains { $0["record"] as? String == "PGD-TL/THCS/2019/API" && $0["indication"] as? String == "UNSIGNED" })
            let rec = try await b.get("/api/record?id=PGD-TL/THCS/2019/API")
            #expect(rec.status == .ok)
            let r = Self.json(rec)
            #expect(
                (r["history"] as? [[String: Any]])?.count == 1
                    && (r["history"] as? [[String: Any]])?.first?["author"] as? String == "registrar")
            #expect((r["current"] as? [String: Any])?["year"] as? Int == 2019)
            #expect(try await b.get("/api/record?id=NO/SUCH").status == .notFound)
            // The history screen.
            let html = Browser(client)
            try await html.login("registrar")
            #expect(try await html.get("/record?id=PGD-TL/THCS/2019/API").status == .ok)
            #expect(html.lastBody.contains("id=\"history\"") && html.lastBody.contains("registrar"))
        }
        // Every read was logged.
        let log = try ServerStore(path: fx.archivePath + "/server.sqlite", cost: Fixture.cost).auditLog(actor: "registrar")
        for target in [
            "ledger-page:PGD-TL/THCS/2019/API#1", "ledger-scan:PGD-TL/THCS/2019/API#1", "record:PGD-TL/THCS/2019/API",
            "ledger:PGD-TL/THCS/2019/API",
        ] {
            #expect(log.contains { $0.target == target }, "\(target) logged")
        }
    }

    @Test(arguments: Mode.allCases) func syncStatusShowsTheNodeItsPeersAndWhatWaits(mode: Mode) async throws {
        let fx = try Fixture()
        try await fx.serve(mode) { client in
            let (b, _) = try await Self.apiLogin(client, "office-head")
            let none = Self.json(try await b.get("/api/sync-status"))
            #expect(none["node"] == nil && (none["peers"] as? [Any])?.isEmpty == true)
            let html = Browser(client)
            try await html.login("office-head")
            #expect(try await html.get("/sync-status").status == .ok)
            #expect(html.lastBody.contains("id=\"no-node\""))
        }
        // Make the archive an office node with one school peer, and write one bundle for it.
        let clock = fx.config.clock
        let office = try Archive.open(at: fx.archivePath, clock: clock)
        let me = try office.initNode(
            name: "phong", role: .office,
            identity: try DemoPKI.issueNode(pki: fx.dir.path + "/pki", name: "phong", organization: "test", clock: clock))
        let school = try Archive.create(at: fx.dir.path + "/truong", clock: clock)
        try school.initNode(
            name: "truong-a", role: .school,
            identity: try DemoPKI.issueNode(pki: fx.dir.path + "/pki", name: "truong-a", organization: "test", clock: clock))
        let cert = try Certificate(der: try school.read(ObjectID(hex: try school.nodeInfo().certificate)!))
        try office.addPeer(name: "truong-a", certificate: cert, role: .school, scope: ["*"], author: "phong")
        try await fx.serve(mode) { client in
            let (b, _) = try await Self.apiLogin(client, "office-head")
            let st = Self.json(try await b.get("/api/sync-status"))
            #expect((st["node"] as? [String: Any])?["node"] as? String == me.node)
            let peer = try #require((st["peers"] as? [[String: Any]])?.first)
            #expect((peer["peer"] as? [String: Any])?["name"] as? String == "truong-a")
            #expect((peer["waitingObjects"] as? Int ?? 0) > 0 && (peer["waitingBytes"] as? Int ?? 0) > 0, "\(peer)")
            #expect(peer["lastSync"] == nil && peer["lastBundleSent"] as? Int == 0)
            let html = Browser(client)
            try await html.login("office-head")
            try await html.get("/sync-status")
            #expect(html.lastBody.contains(me.node) && html.lastBody.contains("data-peer=\"truong-a\""))
        }
        let made = try office.createBundle(for: "truong-a", out: fx.dir.path + "/b.tar")
        try await fx.serve(mode) { client in
            let (b, _) = try await Self.apiLogin(client, "office-head")
            let peer = try #require((Self.json(try await b.get("/api/sync-status"))["peers"] as? [[String: Any]])?.first)
            #expect(peer["lastBundleSent"] as? Int == 1 && peer["lastSync"] is String)
            // Sent but not acknowledged: it waits still, and goes again in the next bundle.
            #expect(peer["unacknowledged"] as? Int == made.objects && peer["waitingObjects"] as? Int == made.objects)
            // Roles: a clerk or a teacher may not see it.
            let (c, _) = try await Self.apiLogin(client, "clerk")
            #expect(try await c.get("/api/sync-status").status == .forbidden)
        }
    }

    @Test func adminDisablesAndEnablesAnAccountThroughTheAPI() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let (clerk, _) = try await Self.apiLogin(client, "clerk")
            let (admin, csrf) = try await Self.apiLogin(client, "admin")
            let off = try await Self.post(admin, "/api/users/clerk/disable", csrf: csrf, ["disabled": true])
            #expect(off.status == .ok && Self.json(off)["disabled"] as? Bool == true)
            #expect(try await clerk.get("/api/session").status == .unauthorized, "the clerk's session ended")
            let on = try await Self.post(admin, "/api/users/clerk/disable", csrf: csrf, ["disabled": false])
            #expect(Self.json(on)["disabled"] as? Bool == false)
            #expect(try await Self.post(admin, "/api/users/nobody/disable", csrf: csrf, [:]).status == .notFound)
        }
    }
}

extension APITests {
    /// The server keeps a session for at most a second: an account disabled by `hoso user` (another process, the same
    /// server.sqlite) is refused within that second.
    @Test func anAccountDisabledElsewhereIsRefusedWithinASecond() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let (clerk, _) = try await Self.apiLogin(client, "clerk")
            #expect(try await clerk.get("/api/session").status == .ok)
            try ServerStore(path: fx.archivePath + "/" + ServerStore.fileName, cost: Fixture.cost).setDisabled(name: "clerk", true)
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await clerk.get("/api/session").status == .unauthorized)
        }
    }
}
