import Foundation
import HTTPTypes
import HosoAccounts
import HosoCore
import HosoKit
import HosoRecords
import HosoTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoServer

/// The clerk's walk-in screens: the request form prefilled from the ledger entry, the receipt with the appointment,
/// the print screen with the PDF shown inline, and the hand-over.
@Suite struct WalkInPageTests {
    /// Friday 4 December 2026, 16:00 in the office (after the 15:00 cutoff): the copy is due Monday the 7th.
    static let friday = HosoClock.parse("2026-12-04T16:00:00+07:00")!
    static let formPath = "/walk-in?ledger=\(AccessTests.q(Fixture.ledgerId))&number=1&kind=copy"

    /// The `name`s of the inputs inside the form posted to `action`.
    static func fieldNames(_ html: String, action: String) -> [String] {
        guard let start = html.range(of: "action=\"\(action)\""),
            let end = html.range(of: "</form>", range: start.upperBound..<html.endIndex)
        else { return [] }
        let form = String(html[start.upperBound..<end.lowerBound])
        let re = try! NSRegularExpression(pattern: #"name="([^"]+)""#)
        return re.matches(in: form, range: NSRange(form.startIndex..., in: form)).map { String(form[Range($0.range(at: 1), in: form)!]) }
    }

    @Test func theFormShowsTheLedgerAndLeavesNothingOfItToRetype() async throws {
        let fx = try Fixture(now: Self.friday)
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("clerk")
            // The ledger browser's entry carries the buttons.
            try await b.get("/ledger?q=Lo+Thi+Mai")
            #expect(b.lastBody.contains("Nhận yêu cầu cấp bản sao") && b.lastBody.contains("Nhận yêu cầu xác minh"))
            #expect(b.lastBody.contains("href=\"/walk-in?ledger=\(Fixture.ledgerId)&amp;number=1&amp;kind=copy\""), "\(b.lastBody)")
            #expect(try await b.get(Self.formPath).status == .ok)
            let text = AccessTests.visibleText(b.lastBody)
            for shown in ["Lò Thị Mai", "01/01/1980", "Số 001234/BT", "Trường PTCS Tân Lập", "1996", "Bằng tốt nghiệp THCS"] {
                #expect(text.contains(shown), "\(shown)")
            }
            #expect(!text.contains("1980-01-01") && !text.contains(Fixture.ledgerId), "no ISO dates or record ids on screen")
            // What the clerk types: the ID document's number, the check, who asks, the contact; the ledger's fields never.
            let names = Set(Self.fieldNames(b.lastBody, action: "/walk-in"))
            #expect(
                names == [
                    "_csrf", "ledger", "number", "kind", "requester-id", "id-checked", "relation", "requester", "proof", "contact",
                    "copies",
                ])
            #expect(b.lastBody.contains("id=\"f-id-checked\" value=\"1\" required"))
            // In English with the language switch.
            try await b.get(Self.formPath + "&lang=en")
            #expect(b.lastBody.contains("Take a copy request") && b.lastBody.contains("Personal ID number (12 digits)"))
            try await b.get(Self.formPath + "&lang=vi")
            // A verification request asks for the body and its letter instead.
            try await b.get(Self.formPath.replacingOccurrences(of: "kind=copy", with: "kind=verification"))
            #expect(
                Set(Self.fieldNames(b.lastBody, action: "/walk-in"))
                    == ["_csrf", "ledger", "number", "kind", "asking-body", "asking-body-ref", "contact"])
        }
    }

    @Test func badInputComesBackWithErrorsBesideTheFieldsAndWhatWasTyped() async throws {
        let fx = try Fixture(now: Self.friday)
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("clerk")
            try await b.get(Self.formPath)
            let r = try await b.post(
                "/walk-in",
                [
                    ("ledger", Fixture.ledgerId), ("number", "1"), ("kind", "copy"), ("requester-id", "0010800"), ("relation", "relative"),
                    ("requester", "Lò Văn Hùng"), ("contact", "0912 345 678"), ("copies", "1"),
                ])
            #expect(r.status == .badRequest)
            let html = b.lastBody
            // Each error right after its own field, in words.
            let beside =
                #"id="f-requester-id" value="0010800" aria-invalid="true" aria-describedby="e-requester-id"[^>]*><span class="field-error" id="e-requester-id""#
            #expect(html.range(of: beside, options: .regularExpression) != nil, "\(html)")
            #expect(html.contains("id=\"e-id-checked\""))
            #expect(html.contains("id=\"e-proof\""))
            #expect(AccessTests.visibleText(html).contains("phải có đúng 12 chữ số"))
            #expect(!AccessTests.visibleText(html).contains("BAD_REQUEST_INPUT"))
            // What was typed is kept.
            #expect(html.contains("value=\"Lò Văn Hùng\"") && html.contains("value=\"0912 345 678\""))
            #expect(html.contains("id=\"f-relation-relative\" value=\"relative\" checked"))
            // Nothing registered: only the Fixture's request.
            let a = try Archive.open(at: fx.archivePath, clock: .fixed(Self.friday))
            #expect(try a.requests().count == 1)
        }
    }

    @Test(arguments: Mode.allCases) func aWalkInCopyFromReceiptToHandOver(mode: Mode) async throws {
        let fx = try Fixture(now: Self.friday)
        try await fx.serve(mode) { client in
            let b = Browser(client)
            try await b.login("clerk")
            try await b.get(Self.formPath)
            let taken = try await b.post(
                "/walk-in",
                [
                    ("ledger", Fixture.ledgerId), ("number", "1"), ("kind", "copy"), ("requester-id", "001080000123"), ("id-checked", "1"),
                    ("relation", "holder"), ("contact", "0912 345 678"), ("copies", "1"),
                ])
            #expect(taken.status == .seeOther)
            let receiptPath = taken.headers[.location] ?? ""
            #expect(receiptPath.hasPrefix("/requests/YC-2026-") && receiptPath.hasSuffix("/receipt"))
            let base = String(receiptPath.dropLast("/receipt".count))
            #expect(try await b.get(receiptPath).status == .ok)
            let text = AccessTests.visibleText(b.lastBody)
            #expect(b.lastBody.contains("<strong id=\"appointment\">07/12/2026</strong>"), "\(text)")
            #expect(text.contains("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HUYỆN TÂN LẬP") && text.contains("16:00 04/12/2026"))
            #expect(text.contains("Cấp 1 bản sao từ sổ gốc") && text.contains("Lò Thị Mai"))
            #expect(text.range(of: #"\d{4}-\d{2}-\d{2}"#, options: .regularExpression) == nil, "no ISO dates: \(text)")
            #expect(b.lastBody.contains("data-print"))
            // Issue from the receipt, straight on to the print screen.
            let issued = try await b.post(base + "/issue", [("next", "print")])
            #expect(issued.status == .seeOther && issued.headers[.location] == base + "/print")
            try await b.get(base + "/print")
            #expect(b.lastBody.contains("<iframe src=\"\(base)/copies/0?inline=1\""))
            #expect(b.lastBody.contains("In bản sao số"))
            let pdf = try await b.get(base + "/copies/0?inline=1")
            #expect(pdf.status == .ok && pdf.headers[.contentDisposition]?.hasPrefix("inline;") == true)
            #expect(pdf.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'self'") == true)
            #expect(Array(pdf.body.readableBytesView).starts(with: Array("%PDF-".utf8)))
            // Downloads elsewhere stay attachments that no other page may frame.
            let download = try await b.get(base + "/copies/0")
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(download.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            // The hand-over: a name is needed (the error beside the field), then it is recorded and shown.
            try await b.get(base + "/print")
            #expect(try await b.post(base + "/hand-over", [("recipient", " ")]).status == .badRequest)
            #expect(b.lastBody.contains("id=\"e-recipient\""))
            #expect(try await b.post(base + "/hand-over", [("recipient", "Lò Thị Mai")]).status == .seeOther)
            try await b.get(base + "/print")
            #expect(AccessTests.visibleText(b.lastBody).contains("Đã trao cho Lò Thị Mai lúc 16:00 04/12/2026"))
            try await b.get(base)
            #expect(b.lastBody.contains("id=\"handed-over\""))
            // The request's own page names the ledger by what it is, dates as dd/mm/yyyy.
            let page = AccessTests.visibleText(b.lastBody)
            #expect(page.contains("01/01/1980") && page.contains("Bằng tốt nghiệp THCS, 1996"), "\(page)")
            #expect(
                !page.contains(Fixture.ledgerId) && page.range(of: #"\d{4}-\d{2}-\d{2}"#, options: .regularExpression) == nil, "\(page)")
        }
    }

    @Test func onlyTheOfficesClerksTakeRequestsAndHandOver() async throws {
        let fx = try Fixture(now: Self.friday)
        for route in [
            "GET /walk-in", "POST /walk-in", "GET /requests/{id}/receipt", "GET /requests/{id}/print", "POST /requests/{id}/hand-over",
        ] {
            #expect(AccessTable.roles[route] == ClerkRoutes.roles, "\(route)")
        }
        try await fx.app().test(.router) { client in
            for role in Role.allCases {
                let b = Browser(client)
                try await b.login(role.rawValue)
                let allowed = ClerkRoutes.roles.contains(role)
                let form = try await b.get(Self.formPath)
                #expect(form.status == (allowed ? .ok : .forbidden), "\(role) form")
                #expect(try await b.get("/requests/\(fx.requestId)/receipt").status == (allowed ? .ok : .forbidden), "\(role) receipt")
                // The ledger browser shows the buttons to clerks only (the registrar reads ledgers too).
                if LedgerRoutes.roles.contains(role) {
                    try await b.get("/ledger?q=Lo+Thi+Mai")
                    #expect(b.lastBody.contains("/walk-in?") == allowed, "\(role) ledger buttons")
                }
                if !allowed {
                    try await b.get("/")
                    let r = try await b.post("/requests/\(fx.requestId)/hand-over", [("recipient", "X")])
                    #expect(r.status == .forbidden, "\(role) hand-over")
                }
            }
        }
    }
}
