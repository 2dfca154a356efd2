import Foundation
import HTTPTypes
import HosoAccounts
import HosoCopies
import HosoCore
import HosoKit
import HosoRecords
import HosoServer
import HosoTestSupport
import Testing

/// The public verification page in plain words: the office's name and seal, a sentence for each outcome, no English
/// codes as the verdict and no "Ký bởi" on a failure; the QR link's landing page and its host check.
@Suite struct PublicPageTests {
    static let page = "https://hoso.pgd-tanlap.gov.vn"
    static let png = [UInt8](
        Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")!)

    /// The fixture's office with a public page address and a seal image, and a copy issued under them.
    static func setUp() throws -> (Fixture, Archive.IssuedCopyResult) {
        let fx = try Fixture()
        let a = try Archive.open(at: fx.archivePath, clock: fx.config.clock)
        var s = try a.officeSettings()
        s.publicURL = page
        s.sealImage = try a.storeSealImage(png)
        try a.setOfficeSettings(s, author: "admin", reason: "trang kiểm tra")
        return (fx, try a.issueCopy(entryRef: Fixture.serial, requestId: fx.requestId, signer: fx.office, clerk: "vanthu"))
    }

    /// No English verdict word as page text (attributes such as data-indication are for scripts, not read).
    static func noCodeWords(_ body: String) -> Bool {
        !["PASSED", "FAILED", "INDETERMINATE"].contains { body.contains(">\($0)<") || body.contains(">\($0) ") || body.contains(" \($0)<") }
    }

    @Test func aTamperedCopyShowsThePlainFailureAndNoSigner() async throws {
        let (fx, issued) = try Self.setUp()
        try await fx.app().test(.router) { client in
            let pub = Browser(client)
            let (h, body) = multipart([("pdf", "ban-sao.pdf", "application/pdf", issued.pdf)])
            try await pub.request(.post, "/verify", headers: h, body: body)
            #expect(pub.lastBody.contains("Bản sao hợp lệ, đúng sổ gốc") && pub.lastBody.contains("Ký bởi"), "\(pub.lastBody)")
            #expect(Self.noCodeWords(pub.lastBody), "\(pub.lastBody)")
            // A genuine copy tells how its ledger became data (Law on E-Transactions 2023, Art. 12), with no record id.
            #expect(pub.lastBody.contains("id=\"conversion\"") && pub.lastBody.contains("Sổ gốc được số hóa bởi"), "\(pub.lastBody)")
            #expect(!pub.lastBody.contains("digitization/"))
            let tampered = issued.pdf + Array("\n% an incremental update would go here\n".utf8)
            let (h2, body2) = multipart([("pdf", "ban-sao.pdf", "application/pdf", tampered)])
            try await pub.request(.post, "/verify", headers: h2, body: body2)
            #expect(pub.lastBody.contains("data-indication=\"FAILED\""))
            #expect(pub.lastBody.contains("Không hợp lệ: tệp đã bị sửa sau khi ký"), "\(pub.lastBody)")
            #expect(!pub.lastBody.contains("Ký bởi") && Self.noCodeWords(pub.lastBody), "\(pub.lastBody)")
            // The code stays, apart, in the detail line.
            #expect(pub.lastBody.contains("id=\"reason-codes\"") && pub.lastBody.contains("MODIFIED_AFTER_SIGNING"))
            // Nor does the JSON answer name a signer for a file that failed (the name in it is the forger's word).
            let api = try await Browser(client).request(
                .post, "/api/verify", headers: [.contentType: "application/pdf"], body: tampered)
            let report = try JSONDecoder().decode(PublicReport.self, from: Data(api.body.readableBytesView))
            #expect(report.indication == "FAILED" && report.signedBy == nil && report.conversion == nil)
        }
    }

    @Test func thePageShowsTheOfficeAndItsSeal() async throws {
        let (fx, _) = try Self.setUp()
        try await fx.app().test(.router) { client in
            let pub = Browser(client)
            try await pub.get("/verify")
            #expect(pub.lastBody.contains("src=\"/office/seal.png\"") && pub.lastBody.contains(OfficeSettings.defaults.officeName))
            let seal = try await pub.get("/office/seal.png")
            #expect(seal.status == .ok && seal.headers[.contentType] == "image/png" && Array(buffer: seal.body) == Self.png)
        }
    }

    /// The QR link opens /v, whose script posts the address; the server checks the host like any QR text.
    @Test func theQRLinkOpensTheCheckAndAForeignHostIsRefusedInPlainWords() async throws {
        let (fx, issued) = try Self.setUp()
        #expect(issued.qrText.hasPrefix(Self.page + "/v#"))
        try await fx.app().test(.router) { client in
            let pub = Browser(client)
            let landing = try await pub.get("/v")
            #expect(landing.status == .ok && pub.lastBody.contains("id=\"verify-link\"") && pub.lastBody.contains("/verify/link.js"))
            let script = try await pub.get("/verify/link.js")
            #expect(script.status == .ok && pub.lastBody.contains("location.hash"))
            try await pub.post("/verify", [("qr", issued.qrText)], csrf: false)
            #expect(pub.lastBody.contains("data-indication=\"PASSED\"") && pub.lastBody.contains("Bản sao hợp lệ, đúng sổ gốc"))
            #expect(pub.lastBody.contains(Fixture.holder))
            let foreign = issued.qrText.replacingOccurrences(of: "hoso.pgd-tanlap.gov.vn", with: "evil.example")
            try await pub.post("/verify", [("qr", foreign)], csrf: false)
            #expect(pub.lastBody.contains("data-indication=\"FAILED\""))
            #expect(pub.lastBody.contains("mã QR dẫn tới một trang web khác"), "\(pub.lastBody)")
            #expect(!pub.lastBody.contains("Ký bởi") && !pub.lastBody.contains(Fixture.holder), "nothing from a foreign link is shown")
            // An old bare payload (the same signed bytes) still verifies.
            let bare = try QRLink.bareText(issued.qrText, publicURL: Self.page)
            try await pub.post("/verify", [("qr", bare)], csrf: false)
            #expect(pub.lastBody.contains("data-indication=\"PASSED\""))
        }
    }
}

/// The admin's screens: a reset forces a change before anything else, accounts enabled again and filtered, and the
/// audit log searched and paged on the server.
@Suite struct AdminScreenTests {
    static let temporary = "tam-thoi-9x7q2"

    @Test func aResetPasswordMustBeChangedBeforeAnyOtherPage() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let admin = Browser(client)
            try await admin.login("admin")
            try await admin.get("/admin/users")
            let reset = try await admin.post("/admin/users/clerk/reset", [("temporary", Self.temporary)])
            #expect(reset.status == .ok && admin.lastBody.contains("Đã đặt mật khẩu tạm cho clerk"), "\(admin.lastBody)")
            #expect(admin.lastBody.contains("Phải đổi mật khẩu"))

            let clerk = Browser(client)
            try await clerk.login("clerk", password: Self.temporary)
            for path in ["/requests", "/", "/ledger", "/requests/\(fx.requestId)"] {
                let r = try await clerk.get(path)
                #expect(r.status == .seeOther && r.headers[.location] == "/account/password", "\(path)")
            }
            #expect(try await clerk.get("/api/requests").status == .forbidden)
            #expect(try await clerk.get("/verify").status == .ok, "the public pages stay open")
            try await clerk.get("/account/password")
            #expect(clerk.lastBody.contains("id=\"must-change\""))
            // The two new passwords differ: said beside the field, still blocked.
            let differ = try await clerk.post(
                "/account/password", [("current", Self.temporary), ("new", "mat-khau-moi-cua-toi"), ("repeat", "mat-khau-khac-han")])
            #expect(differ.status == .badRequest && clerk.lastBody.contains("id=\"pw-repeat-error\""))
            #expect(try await clerk.get("/requests").status == .seeOther)
            // The same as the temporary one is refused.
            try await clerk.get("/account/password")
            try await clerk.post("/account/password", [("current", Self.temporary), ("new", Self.temporary), ("repeat", Self.temporary)])
            #expect(clerk.lastBody.contains("id=\"pw-new-error\""))
            let done = try await clerk.post(
                "/account/password", [("current", Self.temporary), ("new", "mat-khau-moi-cua-toi"), ("repeat", "mat-khau-moi-cua-toi")])
            #expect(done.status == .seeOther)
            #expect(try await clerk.get("/requests").status == .ok)
            // The old password and the temporary one no longer sign in.
            let again = Browser(client)
            try await again.login("clerk", password: Self.temporary)
            #expect(try await again.get("/requests").status != .ok)
            try await again.login("clerk", password: "mat-khau-moi-cua-toi")
            #expect(try await again.get("/requests").status == .ok)
        }
    }

    /// A session's holder guessing the current password is throttled as a sign-in is: five wrong ones, then even the
    /// right one waits, and the account's sign-ins wait with it.
    @Test func wrongCurrentPasswordsAreThrottled() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let clerk = Browser(client)
            try await clerk.login("clerk")
            for i in 0..<5 {
                try await clerk.get("/account/password")
                let r = try await clerk.post(
                    "/account/password",
                    [("current", "doan-sai-\(i)"), ("new", "mat-khau-moi-cua-toi"), ("repeat", "mat-khau-moi-cua-toi")])
                #expect(r.status == .badRequest && clerk.lastBody.contains("id=\"pw-current-error\""), "try \(i + 1)")
            }
            try await clerk.get("/account/password")
            let right = try await clerk.post(
                "/account/password", [("current", Fixture.password), ("new", "mat-khau-moi-cua-toi"), ("repeat", "mat-khau-moi-cua-toi")])
            #expect(right.status == .tooManyRequests && clerk.lastBody.contains("quá nhiều lần"), "\(clerk.lastBody.prefix(300))")
            let other = Browser(client)
            try await other.login("clerk")
            #expect(try await other.get("/requests").status != .ok)
        }
    }

    @Test func aDisabledAccountIsEnabledAgainAndTheListFiltersByRole() async throws {
        let fx = try Fixture()
        try await fx.app().test(.router) { client in
            let admin = Browser(client)
            try await admin.login("admin")
            try await admin.get("/admin/users")
            try await admin.post("/admin/users/clerk/disable", [("disabled", "1")])
            let clerk = Browser(client)
            try await clerk.login("clerk")
            #expect(try await clerk.get("/requests").status != .ok)
            try await admin.get("/admin/users")
            #expect(admin.lastBody.contains("id=\"enable-clerk\""))
            try await admin.post("/admin/users/clerk/disable", [("disabled", "0")])
            try await clerk.login("clerk")
            #expect(try await clerk.get("/requests").status == .ok)
            try await admin.get("/admin/users?role=teacher")
            #expect(admin.lastBody.contains("id=\"user-teacher\"") && admin.lastBody.contains("id=\"user-teacher2\""))
            #expect(!admin.lastBody.contains("id=\"user-clerk\"") && admin.lastBody.contains("2 tài khoản"))
            try await admin.get("/admin/users?school=Tr%C6%B0%E1%BB%9Dng%20kh%C3%B4ng%20c%C3%B3")
            #expect(admin.lastBody.contains("0 tài khoản"))
        }
    }

    @Test func theAuditLogIsSearchedAndPagedOnTheServer() async throws {
        let fx = try Fixture()
        let store = try ServerStore(path: fx.archivePath + "/" + ServerStore.fileName, clock: fx.config.clock, cost: Fixture.cost)
        let at = HosoClock.format(fx.config.clock.now())
        try store.append(
            (1...23).map { i in
                ServerStore.AuditItem(
                    at: at, actor: i % 2 == 0 ? "clerk" : "registrar", action: "read", target: "request:YC-2026-\(i)", detail: "")
            } + [ServerStore.AuditItem(at: at, actor: "clerk", action: "read", target: "record:100%_literal", detail: "")])
        // The store: pages, bounds, and % and _ taken literally.
        let page2 = try store.searchAudit(.init(actor: "clerk", page: 2, pageSize: 5))
        #expect(page2.total == 12 && page2.entries.count == 5 && page2.entries.allSatisfy { $0.actor == "clerk" })
        #expect(ServerStore.AuditQuery(pageSize: 100_000).pageSize == ServerStore.AuditQuery.maxPageSize)
        #expect(try store.searchAudit(.init(subject: "100%_")).total == 1)
        #expect(try store.searchAudit(.init(subject: "%")).total == 1)
        #expect(try store.searchAudit(.init(since: "2999-01-01T00:00:00Z")).total == 0)

        var vietnam = Calendar(identifier: .gregorian)
        vietnam.timeZone = TimeZone(secondsFromGMT: 7 * 3600)!
        let cal = vietnam
        let c = cal.dateComponents([.year, .month, .day], from: fx.config.clock.now())
        let today = String(format: "%02d/%02d/%04d", c.day!, c.month!, c.year!)
        try await fx.app().test(.router) { client in
            let admin = Browser(client)
            try await admin.login("admin")
            try await admin.get("/admin/audit?actor=registrar&subject=YC-2026&size=5&page=2&from=\(today)&to=\(today)")
            #expect(admin.lastBody.contains("12 mục; trang 2/3"), "\(admin.lastBody)")
            #expect(admin.lastBody.contains("id=\"next-page\"") && admin.lastBody.contains("id=\"prev-page\""))
            #expect(admin.lastBody.contains("value=\"\(today)\""), "the form keeps what was typed")
            let rows = admin.lastBody.components(separatedBy: "<tr>").count - 2
            #expect(rows == 5)
            try await admin.get("/admin/audit?from=31/02/2026")
            #expect(admin.lastBody.contains("id=\"audit-from-error\"") && admin.lastBody.contains("ngày/tháng/năm"))
            let tomorrow = cal.date(byAdding: .day, value: 1, to: fx.config.clock.now())!
            let t = cal.dateComponents([.year, .month, .day], from: tomorrow)
            try await admin.get("/admin/audit?from=" + String(format: "%02d/%02d/%04d", t.day!, t.month!, t.year!))
            #expect(admin.lastBody.contains("0 mục"))
        }
    }
}
