import Foundation
import HosoAccounts
import HosoCopies
import HosoCore
import HosoKit
import HosoRecords
import HosoServer
import HosoSigning
import HosoTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

enum Mode: String, CaseIterable, Sendable {
    case router, live
    var setup: TestingSetup { self == .router ? .router : .live }
}

/// The web application in-process (requests handed to the router) and on a live server on loopback: the same tests.
@Suite struct ServerTests {
    @Test(arguments: Mode.allCases) func loginSetsASecureSessionAndWrongPasswordsAreRefused(mode: Mode) async throws {
        let fx = try Fixture()
        try await fx.serve(mode) { client in
            let b = Browser(client)
            // A page that needs a session answers 401 with the sign-in form.
            let before = try await b.get("/requests")
            #expect(before.status == .unauthorized)
            #expect(b.lastBody.contains("name=\"password\""))

            let bad = try await b.login("clerk", password: "sai-mat-khau-roi")
            #expect(bad.status == .unauthorized)
            #expect(b.cookies["hoso_session"] == nil)

            // A login form posted without its double-submit token is refused.
            let forged = try await b.post("/login", [("user", "clerk"), ("password", Fixture.password)], csrf: false)
            #expect(forged.status == .forbidden)

            let ok = try await b.login("clerk")
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/")
            let cookie = try #require(ok.headers[values: .setCookie].first { $0.hasPrefix("hoso_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"), "no TLS here, so no Secure flag")

            let page = try await b.get("/requests")
            #expect(page.status == .ok)
            #expect(b.lastBody.contains(fx.requestId))
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            #expect(page.headers[.cacheControl] == "no-store")

            // Signing out ends the session on the server: the old cookie no longer works.
            let old = b.cookies["hoso_session"]!
            #expect(try await b.post("/logout", []).status == .seeOther)
            b.cookies["hoso_session"] = old
            #expect(try await b.get("/requests").status == .unauthorized)
        }
    }

    @Test func secureCookiesWhenAskedFor() async throws {
        var fx = try Fixture()
        fx = Fixture(copying: fx, secure: true)
        try await fx.app().test(.router) { client in
            let ok = try await Browser(client).login("clerk")
            let cookie = try #require(ok.headers[values: .setCookie].first { $0.hasPrefix("hoso_session=") })
            #expect(cookie.contains("Secure"))
        }
    }

    // With TLS built in (--tls-cert), cookies are Secure without --secure-cookies.
    @Test func secureCookiesWithBuiltInTLS() async throws {
        let fx = try Fixture()
        var c = fx.config
        c.tls = TLSFiles(certificate: fx.dir.path + "/cert.pem", key: fx.dir.path + "/key.pem")
        #expect(c.cookiesSecure && !c.secureCookies)
        let tls = Fixture(dir: fx.dir, config: c, requestId: fx.requestId, office: fx.office)
        try await tls.app().test(.router) { client in
            let ok = try await Browser(client).login("clerk")
            let cookie = try #require(ok.headers[values: .setCookie].first { $0.hasPrefix("hoso_session=") })
            #expect(cookie.contains("Secure"))
        }
    }

    @Test func loginsAreThrottledAfterFiveFailures() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            for _ in 0..<5 { #expect(try await b.login("teacher", password: "khong-dung-dau").status == .unauthorized) }
            // Now even the right password is refused for a while, with Retry-After.
            let r = try await b.login("teacher")
            #expect(r.status == .tooManyRequests)
            #expect(Int(r.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(b.cookies["hoso_session"] == nil)
            // Every attempt is in the audit log.
            let store = try ServerStore(path: fx.archivePath + "/server.sqlite", cost: Fixture.cost)
            let log = try store.auditLog(actor: "teacher")
            #expect(log.filter { $0.action == "login-failed" }.count == 5)
            #expect(log.contains { $0.action == "login-throttled" })
        }
    }

    @Test(arguments: Mode.allCases) func clerkIssuesACopyAndThePublicVerifiesIt(mode: Mode) async throws {
        let fx = try Fixture()
        try await fx.serve(mode) { client in
            let b = Browser(client)
            try await b.login("clerk")
            let page = try await b.get("/requests/\(fx.requestId)")
            #expect(page.status == .ok)
            #expect(b.lastBody.contains("Bản Lướt"), "the ledger entry is shown beside the request")
            let issued = try await b.post("/requests/\(fx.requestId)/issue", [])
            #expect(issued.status == .seeOther)
            try await b.get("/requests/\(fx.requestId)")
            #expect(b.lastBody.contains("Đã cấp"))
            let pdf = try await b.get("/requests/\(fx.requestId)/copies/0")
            #expect(pdf.status == .ok)
            #expect(pdf.headers[.contentType] == "application/pdf")
            let bytes = Array(pdf.body.readableBytesView)
            #expect(bytes.starts(with: Array("%PDF".utf8)))

            // A member of the public, no session: upload the PDF.
            let pub = Browser(client)
            let (h, body) = multipart([("pdf", "ban-sao.pdf", "application/pdf", bytes)])
            let v = try await pub.request(.post, "/verify", headers: h, body: body)
            #expect(v.status == .ok)
            #expect(pub.lastBody.contains("data-indication=\"PASSED\""), "\(pub.lastBody)")
            #expect(pub.lastBody.contains("1/"))
            // One byte changed: FAILED.
            var bad = bytes
            bad[bad.count / 3] ^= 1
            let (h2, body2) = multipart([("pdf", "ban-sao.pdf", "application/pdf", bad)])
            try await pub.request(.post, "/verify", headers: h2, body: body2)
            #expect(pub.lastBody.contains("data-indication=\"FAILED\""))

            // The reads of personal data are in the audit log, with who and what.
            let store = try ServerStore(path: fx.archivePath + "/server.sqlite", cost: Fixture.cost)
            let log = try store.auditLog()
            #expect(log.contains { $0.actor == "clerk" && $0.action == "read" && $0.target == "request:\(fx.requestId)" })
            #expect(log.contains { $0.actor == "clerk" && $0.action == "download" })
            #expect(log.contains { $0.actor == "public" && $0.action == "verify" && $0.detail.contains("PASSED") })
            #expect(try store.checkAuditChain().intact)
            // Each batch of the access log is anchored in the archive's transparency log, up to its newest entry.
            let anchors = try Archive.open(at: fx.archivePath, clock: fx.config.clock).auditAnchors()
            #expect(anchors.last?.seq == log.first?.seq && anchors.last?.hash == log.first?.hash)
            #expect(try store.checkAuditChain(anchors: anchors.map { AuditAnchor(seq: $0.seq, hash: $0.hash) }).intact)
        }
    }

    @Test func verificationByNumberAndByQRRevealsOnlyWhatTheCopyShows() async throws {
        let fx = try Fixture()
        let issued = try Archive.open(at: fx.archivePath, clock: fx.config.clock)
            .issueCopy(entryRef: Fixture.serial, requestId: fx.requestId, signer: fx.office, clerk: "vanthu")
        try await fx.app().test(.router) { client in
            let pub = Browser(client)
            let number = issued.register.printedNumber
            try await pub.post("/verify", [("number", number), ("serial", Fixture.serial)], csrf: false)
            #expect(pub.lastBody.contains("data-indication=\"PASSED\""), "\(pub.lastBody)")
            #expect(!pub.lastBody.contains(Fixture.holder), "a number and a serial do not reveal the holder's name")
            try await pub.post("/verify", [("number", number), ("serial", "Số 999999/XX")], csrf: false)
            #expect(pub.lastBody.contains("data-indication=\"FAILED\""))
            #expect(pub.lastBody.contains("COPY_NOT_REGISTERED"))
            #expect(!pub.lastBody.contains(Fixture.serial), "the real serial is not told to a guesser")
            // The QR text: the payload is what the printed copy shows.
            let qr = try await pub.request(
                .post, "/api/verify", headers: [.contentType: "application/json"],
                body: Array(try JSONSerialization.data(withJSONObject: ["qr": issued.qrText])))
            #expect(qr.status == .ok)
            let report = try JSONDecoder().decode(PublicReport.self, from: Data(qr.body.readableBytesView))
            #expect(report.indication == "PASSED")
            #expect(report.shown.contains { $0.field == "holderName" && $0.value == Fixture.holder })
            // A changed payload character breaks it.
            var chars = Array(issued.qrText)
            chars[chars.count - 5] = chars[chars.count - 5] == "A" ? "B" : "A"
            let broken = try await pub.request(
                .post, "/api/verify", headers: [.contentType: "application/json"],
                body: Array(try JSONSerialization.data(withJSONObject: ["qr": String(chars)])))
            #expect(try JSONDecoder().decode(PublicReport.self, from: Data(broken.body.readableBytesView)).indication == "FAILED")
        }
    }

    /// /api/verify's answer, read as a client that knows only the documented fields would.
    struct VerifyAnswer: Decodable {
        var indication: String
        var reasons: [String]
        var kind: String?
        var finding: String?
        var differing: [String]?
    }

    /// The public QR check compares every field with the register: a QR code signed with the leaked seal key, with a
    /// real number and serial but a fake holder, is FAILED (it was PASSED when only number and serial were matched).
    /// A copy made under a seal since rotated out still passes.
    @Test func publicQRCheckRefusesALeakedSealKeyForgeryAndSurvivesSealRotation() async throws {
        let fx = try Fixture()
        let archive = try Archive.open(at: fx.archivePath, clock: fx.config.clock)
        let issued = try archive.issueCopy(entryRef: Fixture.serial, requestId: fx.requestId, signer: fx.office, clerk: "vanthu")
        var p = try QRPayloadCodec.decode(issued.qrText).payload
        p.keyId = []
        p.holderName = "Nguyễn Văn Giả"
        let forged = try QRPayloadCodec.encode(p, signer: fx.office.key)
        try await fx.app().test(.router) { client in
            let pub = Browser(client)
            func check(_ text: String) async throws -> VerifyAnswer {
                let r = try await pub.request(
                    .post, "/api/verify", headers: [.contentType: "application/json"],
                    body: Array(try JSONSerialization.data(withJSONObject: ["qr": text])))
                #expect(r.status == .ok)
                return try JSONDecoder().decode(VerifyAnswer.self, from: Data(r.body.readableBytesView))
            }
            let bad = try await check(forged)
            #expect(bad.indication == "FAILED" && bad.reasons.contains("QR_REGISTER_MISMATCH"), "\(bad.reasons)")
            #expect(try await check(issued.qrText).indication == "PASSED")
            // The page shows the same.
            try await pub.post("/verify", [("qr", forged)], csrf: false)
            #expect(pub.lastBody.contains("data-indication=\"FAILED\"") && pub.lastBody.contains("QR_REGISTER_MISMATCH"))
            // The seal rotated: the settings list another certificate; the copy's register line still names the old.
            var settings = try archive.officeSettings()
            settings.copySigners = [String(repeating: "ab", count: 32)]
            try archive.setOfficeSettings(settings, author: "admin", reason: "con dấu mới")
            let rotated = try await check(issued.qrText)
            #expect(rotated.indication == "PASSED", "\(rotated.reasons)")
        }
    }

    /// A verification letter uploaded to the public page is shown as a letter with its finding: one that says the
    /// diploma does not match is not green "PASSED — HỢP LỆ".
    @Test func publicPageShowsALetterAsALetterWithItsFinding() async throws {
        let fx = try Fixture()
        let archive = try Archive.open(at: fx.archivePath, clock: fx.config.clock)
        let ask = try archive.newRequest(
            .init(
                kind: .verification, requesterName: "Công ty TNHH Minh Phát", relation: .representative, proof: "Công văn 12/CV-MP",
                holderName: Fixture.holder, holderDateOfBirth: "1981-01-01", serial: Fixture.serial,
                askingBody: "Công ty TNHH Minh Phát", channel: .post), clerk: "vanthu"
        ).id
        let letter = try archive.answerVerification(requestId: ask, signer: fx.office, clerk: "vanthu")
        #expect(letter.answer.finding == .differs)
        try await fx.app().test(.router) { client in
            let pub = Browser(client)
            let (h, body) = multipart([("pdf", "thu.pdf", "application/pdf", letter.pdf)])
            try await pub.request(.post, "/verify", headers: h, body: body)
            #expect(pub.lastBody.contains("data-kind=\"letter\"") && pub.lastBody.contains("data-finding=\"DIFFERS\""), "\(pub.lastBody)")
            #expect(!pub.lastBody.contains("HỢP LỆ — bản sao"), "\(pub.lastBody)")
            #expect(!pub.lastBody.contains("report PASSED") && !pub.lastBody.contains("badge PASSED"), "\(pub.lastBody)")
            #expect(pub.lastBody.contains("KHÔNG KHỚP"))
            let api = try await pub.request(.post, "/api/verify", headers: [.contentType: "application/pdf"], body: letter.pdf)
            let r = try JSONDecoder().decode(VerifyAnswer.self, from: Data(api.body.readableBytesView))
            #expect(r.kind == "letter" && r.finding == "DIFFERS" && r.differing == ["dateOfBirth"], "\(r)")
        }
    }

    @Test func teacherSavesMarksTheServerComputesAveragesAndRefusesBadMarks() async throws {
        let fx = try Fixture()
        let csv = "ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet\r\n0123456789,Lò Văn An,01/02/2010,7,8,6.5,,7,8,\r\n"
        let book = try Archive.open(at: fx.archivePath, clock: fx.config.clock).importGradeBook(
            csv: Array(csv.utf8), source: "t.csv", header: nil,
            settings: GradeBookSettings(
                school: "Trường THCS Tân Lập", className: "9A", schoolYear: "2024-2025", subject: "Toán", term: "HK1",
                level: "THCS", periodsPerYear: 70, assessment: "scored", teacher: "Nguyễn Văn Toán"),
            author: "gv"
        ).book
        let id = book.recordId
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("teacher")
            let page = try await b.get("/gradebook?id=\(id)")
            #expect(page.status == .ok)
            #expect(b.lastBody.contains("id=\"avg-0\">7.4<"))
            let marks = [("tx1-0", "10"), ("tx2-0", "8"), ("tx3-0", "6,5"), ("gk-0", "7"), ("ck-0", "8"), ("reason", "chấm lại")]
            let bad = try await b.post("/gradebook/save?id=\(id)", [("tx1-0", "11")] + marks.dropFirst())
            #expect(bad.status == .badRequest)
            #expect(b.lastBody.contains("MARK") || b.lastBody.contains("0 đến 10"), "\(b.lastBody)")
            try await b.get("/gradebook?id=\(id)")
            let ok = try await b.post("/gradebook/save?id=\(id)", marks)
            #expect(ok.status == .seeOther)
            try await b.get("/gradebook?id=\(id)&saved=1")
            #expect(b.lastBody.contains("id=\"avg-0\">7.8<"), "(10 + 8 + 6.5 + 14 + 24) / 8 = 7.8125 → 7.8")
            // A principal reads but may not change marks.
            let p = Browser(client)
            try await p.login("principal")
            #expect(try await p.get("/gradebook?id=\(id)").status == .ok)
            #expect(!p.lastBody.contains("id=\"save\""))
            #expect(try await p.post("/gradebook/save?id=\(id)", marks).status == .forbidden)
        }
        #expect(try Archive.open(at: fx.archivePath).gradeBook(record: id).students[0].termAverage?.description == "7.8")
    }

    @Test func ledgerSearchIsAccentInsensitiveAndShowsAPageScanBesideItsEntries() async throws {
        let fx = try Fixture()
        // A scanned ledger: one page whose scan is an object of the archive, both entries written on it.
        let a = try Archive.open(at: fx.archivePath, clock: fx.config.clock)
        let png = try QRCode.png(for: "trang 1")
        let (scan, _) = try a.store.put(png, kind: .blob)
        try a.index.record(objects: [scan])
        var text = String(
            decoding: FileManager.default.contents(atPath: repoRoot + "/Schemas/examples/valid-ledger-old-typed-without-scans.json")!,
            as: UTF8.self)
        text = text.replacingOccurrences(of: "\"pages\": []", with: "\"pages\": [{\"page\": 1, \"scan\": \"\(scan.id.hex)\"}]")
            .replacingOccurrences(of: "\"stt\":", with: "\"page\": 1, \"stt\":")
            // The same people again, under serials and ledger numbers of their own (both are unique in an archive).
            .replacingOccurrences(of: "\"Số 00", with: "\"Số 10").replacingOccurrences(
                of: "\"ledgerNumber\": ", with: "\"ledgerNumber\": 1")
        try a.createRecord(type: "ledger", id: "SCANNED/1", body: try CanonicalJSON.parse(Array(text.utf8)), author: "registrar")
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("registrar")
            #expect(try await b.get("/ledger?q=lo+thi+mai").status == .ok)
            #expect(b.lastBody.contains(Fixture.holder) && b.lastBody.contains(Fixture.serial))
            #expect(b.lastBody.contains("/ledger/page?ledger=SCANNED/1&amp;page=1"))
            let api = try await b.get("/api/ledger/search?q=LO%20THI%20MAI")
            let hits = try JSONSerialization.jsonObject(with: Data(api.body.readableBytesView)) as! [[String: Any]]
            #expect(hits.count == 2 && hits.allSatisfy { $0["fullName"] as? String == Fixture.holder })
            #expect(try await b.get("/ledger/page?ledger=SCANNED/1&page=1").status == .ok)
            #expect(b.lastBody.contains(Fixture.holder) && b.lastBody.contains("id=\"scan\""))
            let img = try await b.get("/ledger/scan?ledger=SCANNED/1&page=1")
            #expect(img.status == .ok && img.headers[.contentType] == "image/png")
            #expect(Array(img.body.readableBytesView) == png)
            #expect(try await b.get("/ledger/scan?ledger=SCANNED/1&page=2").status == .notFound)
            // The typed ledger has no scans and says so.
            try await b.get("/ledger/page?ledger=\(Fixture.ledgerId)&page=1")
            #expect(b.lastBody.contains("chưa có ảnh quét"))
            // Searches, pages and scans are reads of personal data.
            let log = try ServerStore(path: fx.archivePath + "/server.sqlite", cost: Fixture.cost).auditLog(actor: "registrar")
            #expect(log.contains { $0.action == "search" } && log.contains { $0.target == "ledger-scan:SCANNED/1#1" })
            // The signature status page lists the ledgers, none signed.
            try await b.get("/records?type=ledger")
            #expect(b.lastBody.contains("SCANNED/1") && b.lastBody.contains("data-indication=\"UNSIGNED\""))
        }
    }

    @Test func registrarDigitizesALedgerDryRunThenCommit() async throws {
        let fx = try Fixture()
        let header = "STT;Họ và tên;Ngày sinh;Nơi sinh;Giới tính;Dân tộc;Xếp loại TN;Số hiệu VB;Số vào sổ;Trang"
        let rows = [
            "1;Nguyễn Văn Bảo;15/03/2004;Xã Tân Lập;Nam;Kinh;Khá;A0099001;1;1",
            "2;Trần Thị Cúc;02/11/2004;Xã Tân Lập;Nữ;Tày;Giỏi;A0099002;2;2",
        ]
        let csv = Array(([header] + rows).joined(separator: "\r\n").utf8)
        let mapping = Array(
            #"""
            {"format":"hoso/ledger-mapping","version":1,"recordId":"PGD-TL/THCS/2019/WEB",
             "ledger":{"issuer":"Phòng Giáo dục và Đào tạo huyện Tân Lập","title":"SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS","level":"THCS",
               "decision":{"number":"123/QĐ-PGDĐT","date":"2019-06-15"},"year":2019,"school":"Trường THCS Tân Lập","mode":"Giáo dục chính quy"},
             "columns":{"stt":"STT","fullName":"Họ và tên","dateOfBirth":"Ngày sinh","placeOfBirth":"Nơi sinh","sex":"Giới tính",
               "ethnicity":"Dân tộc","graduationGrade":"Xếp loại TN","serial":"Số hiệu VB","ledgerNumber":"Số vào sổ","page":"Trang"},
             "dateFormat":"dd/MM/yyyy","scans":"/etc"}
            """#.utf8)
        let scan1 = try QRCode.png(for: "trang 1")
        let scan2 = try QRCode.png(for: "trang 2")
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("registrar")
            try await b.get("/digitize")
            let token = try #require(b.csrfToken)
            // Upload names with paths in them are cut to their last component; the mapping's scans folder is ignored.
            let (h, body) = multipart([
                ("_csrf", nil, nil, Array(token.utf8)), ("ledger", "so-goc.csv", "text/csv", csv),
                ("mapping", "mapping.json", "application/json", mapping),
                ("scans", "../../trang-001.png", "image/png", scan1), ("scans", "C:\\scans\\trang-002.png", "image/png", scan2),
            ])
            let dry = try await b.request(.post, "/digitize", headers: h, body: body)
            #expect(dry.status == .ok, "\(b.lastBody)")
            #expect(b.lastBody.contains("data-committed=\"no\"") && b.lastBody.contains("report PASSED"), "\(b.lastBody)")
            #expect(try Archive.open(at: fx.archivePath).find(.init(text: "tran thi cuc")).isEmpty, "a dry run writes nothing")
            let commit = try await b.post(
                "/digitize/commit",
                [
                    (
                        "batch",
                        try #require(
                            b.lastBody.range(of: #"name="batch" value=""#).map {
                                String(b.lastBody[$0.upperBound...].prefix { $0 != "\"" })
                            })
                    )
                ])
            #expect(commit.status == .ok)
            #expect(b.lastBody.contains("data-committed=\"yes\""), "\(b.lastBody)")
            let found = try Archive.open(at: fx.archivePath).find(.init(text: "tran thi cuc"))
            #expect(found.count == 1 && found[0].page == 2)
            // The scan is stored and shown beside its entry.
            let img = try await b.get("/ledger/scan?ledger=PGD-TL/THCS/2019/WEB&page=2")
            #expect(Array(img.body.readableBytesView) == scan2)
            // The staged files are gone: committing again is refused.
            try await b.get("/digitize")
            #expect(try await b.post("/digitize/commit", [("batch", "AAAAAAAAAAAAAAAAAAAAAAAA")]).status == .notFound)
        }
    }

    @Test func clerkAnswersAVerificationRequestWithASignedLetter() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("clerk")
            try await b.get("/requests")
            let made = try await b.post(
                "/requests",
                [
                    ("kind", "verification"), ("requester", "Công ty TNHH Minh Phát"), ("relation", "representative"),
                    ("proof", "Công văn 12/CV"), ("holder", Fixture.holder), ("holder-dob", "1980-01-01"),
                    ("serial", Fixture.serial), ("asking-body", "Công ty TNHH Minh Phát"), ("channel", "post"),
                ])
            #expect(made.status == .seeOther, "\(b.lastBody)")
            let id = try #require(made.headers[.location]).split(separator: "/").last.map(String.init)!
            try await b.get("/requests/\(id)")
            #expect(b.lastBody.contains("Trả lời xác minh"))
            #expect(try await b.post("/requests/\(id)/issue", []).status == .seeOther)
            try await b.get("/requests/\(id)")
            #expect(b.lastBody.contains("Đã cấp") && b.lastBody.contains("Văn bản trả lời"))
            let pdf = try await b.get("/requests/\(id)/copies/0")
            let bytes = Array(pdf.body.readableBytesView)
            #expect(bytes.starts(with: Array("%PDF".utf8)))
            // The letter verifies like a copy.
            let v = try await Browser(client).request(.post, "/api/verify", headers: [.contentType: "application/pdf"], body: bytes)
            #expect(try JSONDecoder().decode(PublicReport.self, from: Data(v.body.readableBytesView)).indication == "PASSED")
        }
    }

    /// The queue's new-request form takes a date of birth as people type it (dd/mm/yyyy); a problem is named by its
    /// field's label, not the form's key, inside an alert that is still a list.
    @Test func theNewRequestFormTakesDayMonthYearAndNamesFieldsByTheirLabels() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("clerk")
            try await b.get("/requests")
            #expect(b.lastBody.contains("Ngày sinh (dd/mm/yyyy)") && !b.lastBody.contains("YYYY-MM-DD"))
            func post(_ dob: String) async throws -> HTTPResponse.Status {
                try await b.post(
                    "/requests",
                    [
                        ("kind", "copy"), ("requester", Fixture.holder), ("relation", "holder"), ("holder", Fixture.holder),
                        ("holder-dob", dob), ("serial", Fixture.serial), ("channel", "in-person"), ("copies", "1"),
                    ]
                ).status
            }
            #expect(try await post("31/02/1980") != .seeOther)
            #expect(b.lastBody.contains("<div role=\"alert\"><ul class=\"errors\">"), "\(b.lastBody)")
            #expect(b.lastBody.contains("Ngày sinh: ") && !b.lastBody.contains("holder-dob: "), "\(b.lastBody)")
            #expect(b.lastBody.contains("value=\"31/02/1980\""), "the form keeps what was typed")
            #expect(try await post("01/01/1980") == .seeOther, "\(b.lastBody)")
        }
    }

    @Test func languageSwitchesByQueryAndCookie() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.get("/verify")
            #expect(b.lastBody.contains("Kiểm tra bản sao văn bằng"))
            try await b.get("/verify?lang=en")
            #expect(b.lastBody.contains("Verify a diploma copy"))
            #expect(b.cookies["hoso_lang"] == "en")
            try await b.get("/")
            #expect(b.lastBody.contains("lang=\"en\""))
        }
    }

    @Test func adminSeesTheAuditLogAndTamperingShows() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let clerk = Browser(client)
            try await clerk.login("clerk")
            try await clerk.get("/requests/\(fx.requestId)")
            let admin = Browser(client)
            try await admin.login("admin")
            try await admin.get("/admin/audit")
            #expect(admin.lastBody.contains("request:\(fx.requestId)"))
            #expect(admin.lastBody.contains("report PASSED"))
        }
        // Someone edits a past entry in the SQLite file directly: the chain check names it.
        try Tamper.sql(fx.archivePath + "/server.sqlite", "UPDATE audit SET actor = 'someone-else' WHERE seq = 2")
        try await fx.app().test(.router) { client in
            let admin = Browser(client)
            try await admin.login("admin")
            try await admin.get("/admin/audit")
            #expect(admin.lastBody.contains("report FAILED"))
            #expect(admin.lastBody.contains("mục 2"))
        }
    }
}

extension Fixture {
    init(copying f: Fixture, secure: Bool) {
        var c = f.config
        c.secureCookies = secure
        self.init(dir: f.dir, config: c, requestId: f.requestId, office: f.office)
    }

    init(dir: TempDirectory, config: ServerConfig, requestId: String, office: SigningIdentity) {
        self.dir = dir
        self.config = config
        self.requestId = requestId
        self.office = office
    }
}
