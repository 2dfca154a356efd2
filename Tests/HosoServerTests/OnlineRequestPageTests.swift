import Foundation
import HTTPTypes
import HosoAccounts
import HosoCore
import HosoKit
import HosoTestSupport
import NIOCore
import Testing

/// Online requests on a live server: filing with the proof of work, field errors beside the fields with the typed
/// values kept, the clerk's queue and the proof for clerks only, the status page, the download with the code and
/// the ID digits (wrong digits refused, logged and limited), and the per-address limit on filings.
@Suite struct OnlineRequestPageTests {
    static let proof = Array("%PDF-1.4\n% CCCD\n".utf8)

    static func fields(_ change: [String: String] = [:]) -> [(String, String)] {
        var f: [String: String] = [
            "kind": "copy", "holder": Fixture.holder, "holder-dob": "01/01/1980", "holder-id": "001180012345",
            "serial": Fixture.serial, "requester": Fixture.holder, "relation": "holder", "phone": "0912345678",
        ]
        for (k, v) in change { f[k] = v }
        return f.sorted { $0.key < $1.key }
    }

    static func fixture(burst: Int = 20, tries: Int = 5) throws -> Fixture {
        var f = try Fixture()
        f.config.online.powBits = 6
        f.config.online.filingBurst = burst
        f.config.online.wrongTries = tries
        return f
    }

    /// Posts the form as the page's script would: the challenge of the last page, solved.
    @discardableResult
    static func file(
        _ b: Browser, _ fields: [(String, String)], proof: [UInt8]? = Self.proof, solve: Bool = true, challenge: String? = nil
    ) async throws -> Reply {
        if challenge == nil { try await b.get("/online") }
        let c = try challenge ?? #require(value(of: "pow-challenge", in: b.lastBody))
        var parts: [(String, String?, String?, [UInt8])] = fields.map { ($0.0, nil, nil, Array($0.1.utf8)) }
        parts.append(("pow-challenge", nil, nil, Array(c.utf8)))
        parts.append(("pow-nonce", nil, nil, Array((solve ? ProofOfWork.solve(c, bits: 6) : "").utf8)))
        parts.append(("proof", "cccd.pdf", "application/pdf", proof ?? []))
        let (headers, body) = multipart(parts)
        return try await b.request(.post, "/online", headers: headers, body: body)
    }

    static func value(of name: String, in page: String) -> String? {
        guard let r = page.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(page[r.upperBound...].prefix { $0 != "\"" })
    }

    @Test func aCitizenFilesFollowsAndDownloads() async throws {
        let f = try Self.fixture()
        try await f.serve(.live) { client in
            let b = Browser(client)
            let page = try await b.get("/online")
            #expect(page.status == .ok && b.lastBody.contains("<noscript>") && b.lastBody.contains("cần JavaScript"))
            #expect(b.lastBody.contains("<label for=\"f-holder-id\">Số định danh cá nhân (CCCD)</label>"))
            #expect(b.lastBody.contains("data-pow-bits=\"6\""))

            // Bad fields: each error beside its field, what was typed kept.
            let bad = try await Self.file(b, Self.fields(["holder-id": "12345", "holder-dob": "1980-01-01"]))
            #expect(bad.status == .badRequest)
            #expect(b.lastBody.contains("id=\"e-holder-id\">Số định danh cá nhân (CCCD) phải có đúng 12 chữ số"))
            #expect(b.lastBody.contains("id=\"e-holder-dob\">Ngày sinh phải dạng ngày/tháng/năm"))
            #expect(b.lastBody.contains("value=\"Lò Thị Mai\"") && b.lastBody.contains("value=\"12345\""))
            #expect(!b.lastBody.contains("REQUEST_INVALID") && !b.lastBody.contains("holder-id:"))

            // No proof of work (no JavaScript): refused plainly, the form kept.
            let nojs = try await Self.file(b, Self.fields(), solve: false)
            #expect(
                nojs.status == .badRequest && b.lastBody.contains("Xin gửi lại biểu mẫu") && b.lastBody.contains("value=\"001180012345\""))

            // Filed.
            try await b.get("/online")
            let challenge = try #require(Self.value(of: "pow-challenge", in: b.lastBody))
            let ok = try await Self.file(b, Self.fields(), challenge: challenge)
            #expect(ok.status == .ok)
            let code = try #require(b.lastBody.firstMatch(of: /id="tracking-code">([A-Z]{4}-[A-Z]{4}-[A-Z]{4})</).map { String($0.1) })
            #expect(b.lastBody.firstMatch(of: /id="deadline">\d{2}\/\d{2}\/\d{4}</) != nil)
            // The same solved challenge again: refused.
            let replay = try await Self.file(b, Self.fields(), challenge: challenge)
            #expect(replay.status == .badRequest && b.lastBody.contains("Xin gửi lại biểu mẫu"))

            // The status, by code and digits.
            try await b.post("/online/status", [("code", code.lowercased()), ("digits", "2345")], csrf: false)
            #expect(b.lastBody.contains("Đã tiếp nhận, đang xử lý") && !b.lastBody.contains("download-0"))
            let wrong = try await b.post("/online/status", [("code", code), ("digits", "0000")], csrf: false)
            #expect(wrong.status == .badRequest && b.lastBody.contains("4 số cuối của số định danh không đúng"))

            // The clerk: the same queue, marked online, with the proof (clerks only).
            let clerk = Browser(client)
            try await clerk.login("clerk")
            try await clerk.get("/requests")
            let id = try #require(clerk.lastBody.firstMatch(of: /href="\/requests\/([^"\/]+)\/proof"/).map { String($0.1) })
            #expect(clerk.lastBody.contains("Trực tuyến"))
            let proof = try await clerk.get("/requests/\(id)/proof")
            #expect(proof.status == .ok && Array(buffer: proof.body) == Self.proof && proof.headers[.contentType] == "application/pdf")
            let publicProof = try await Browser(client).get("/requests/\(id)/proof")
            #expect(publicProof.status == .unauthorized && Array(buffer: publicProof.body) != Self.proof)
            try await clerk.get("/requests/\(id)")
            try await clerk.post("/requests/\(id)/issue", [])

            // Issued: the citizen downloads the signed PDF with the code and the digits.
            try await b.post("/online/status", [("code", code), ("digits", "2345")], csrf: false)
            #expect(b.lastBody.contains("Đã cấp bản sao có ký số") && b.lastBody.contains("id=\"download-0\""))
            let refused = try await b.post("/online/download", [("code", code), ("digits", "5432"), ("n", "0")], csrf: false)
            #expect(refused.status == .badRequest && refused.headers[.contentType] != "application/pdf")
            let pdf = try await b.post("/online/download", [("code", code), ("digits", "2345"), ("n", "0")], csrf: false)
            #expect(pdf.status == .ok && pdf.headers[.contentType] == "application/pdf")
            let a = try Archive.open(at: f.archivePath, clock: f.config.clock)
            let issued = try #require(try a.request(id).request.issued.first)
            #expect(Array(buffer: pdf.body) == (try a.read(#require(ObjectID(hex: issued.document)))))
            #expect(try a.extracts(of: id).map(\.channel) == [Archive.onlineDownloadChannel])
        }
        let log = try ServerStore(path: f.archivePath + "/server.sqlite", cost: Fixture.cost).auditLog(actor: "public")
        #expect(log.contains { $0.action == "download-refused" } && log.contains { $0.action == "status-refused" })
        #expect(log.contains { $0.action == "download" })
        #expect(
            try ServerStore(path: f.archivePath + "/server.sqlite", cost: Fixture.cost).auditLog(actor: "clerk").contains {
                $0.detail == "proof"
            })
    }

    @Test func aRefusalsReasonIsOnTheStatusPage() async throws {
        let f = try Self.fixture()
        try await f.serve(.router) { client in
            let b = Browser(client)
            try await Self.file(b, Self.fields(["serial": "", "school": "PTCS Tân Lập", "year": "1996"]))
            let code = try #require(b.lastBody.firstMatch(of: /id="tracking-code">([A-Z-]{14})</).map { String($0.1) })
            let clerk = Browser(client)
            try await clerk.login("clerk")
            try await clerk.get("/requests")
            let id = try #require(clerk.lastBody.firstMatch(of: /href="\/requests\/([^"\/]+)\/proof"/).map { String($0.1) })
            try await clerk.get("/requests/\(id)")
            #expect(clerk.lastBody.contains("Người nộp trực tuyến sẽ thấy lý do này"))
            try await clerk.post("/requests/\(id)/refuse", [("reason", "Không tìm thấy tên trong sổ gốc năm 1996")])
            try await b.post("/online/status", [("code", code), ("digits", "2345")], csrf: false)
            #expect(b.lastBody.contains("Bị từ chối") && b.lastBody.contains("Không tìm thấy tên trong sổ gốc năm 1996"))
        }
    }

    /// Filed without the serial: the request's page lists the ledger entries that may be the one, the clerk names it
    /// with its button, and the copy is then issued from it.
    @Test func theClerkNamesTheEntryOnTheRequestPageThenIssues() async throws {
        let f = try Self.fixture()
        try await f.serve(.router) { client in
            let b = Browser(client)
            try await Self.file(b, Self.fields(["serial": "", "school": "PTCS Tân Lập", "year": "1996"]))
            let clerk = Browser(client)
            try await clerk.login("clerk")
            try await clerk.get("/requests")
            let id = try #require(clerk.lastBody.firstMatch(of: /href="\/requests\/([^"\/]+)\/proof"/).map { String($0.1) })
            try await clerk.get("/requests/\(id)")
            #expect(clerk.lastBody.contains("id=\"candidates\"") && clerk.lastBody.contains(Fixture.serial))
            let entry = try #require(clerk.lastBody.firstMatch(of: /name="entry" value="([^"]+)"/).map { String($0.1) })
            #expect(try await clerk.post("/requests/\(id)/entry", [("entry", entry)]).status == .seeOther)
            try await clerk.get("/requests/\(id)")
            #expect(!clerk.lastBody.contains("id=\"candidates\"") && clerk.lastBody.contains("id=\"entry\""))
            #expect(try await clerk.post("/requests/\(id)/issue", []).status == .seeOther)
            try await clerk.get("/requests/\(id)")
            #expect(clerk.lastBody.contains("id=\"copies\""), "\(clerk.lastBody)")
        }
    }

    @Test func wrongDigitsLockTheCode() async throws {
        let f = try Self.fixture(tries: 3)
        try await f.serve(.router) { client in
            let b = Browser(client)
            try await Self.file(b, Self.fields())
            let code = try #require(b.lastBody.firstMatch(of: /id="tracking-code">([A-Z-]{14})</).map { String($0.1) })
            for d in ["1111", "2222", "3333"] { try await b.post("/online/status", [("code", code), ("digits", d)], csrf: false) }
            let locked = try await b.post("/online/status", [("code", code), ("digits", "2345")], csrf: false)
            #expect(locked.status == .badRequest && b.lastBody.contains("Đã nhập sai quá nhiều lần"))
            #expect(!b.lastBody.contains("Đã tiếp nhận, đang xử lý"))
            // Text that is no code at all locks nothing: strangers' typos do not lock other people's codes.
            for _ in 0..<5 { try await b.post("/online/status", [("code", "??"), ("digits", "1111")], csrf: false) }
            try await b.post("/online/status", [("code", "AB"), ("digits", "1111")], csrf: false)
            #expect(b.lastBody.contains("không đúng") && !b.lastBody.contains("Đã nhập sai quá nhiều lần"), "\(b.lastBody)")
        }
    }

    @Test func filingsAreLimitedPerAddress() async throws {
        let f = try Self.fixture(burst: 2)
        try await f.serve(.router) { client in
            let b = Browser(client)
            #expect(try await Self.file(b, Self.fields()).status == .ok)
            #expect(try await Self.file(b, Self.fields()).status == .ok)
            let third = try await Self.file(b, Self.fields())
            #expect(third.status == .tooManyRequests && third.headers[.retryAfter] != nil)
        }
    }
}
