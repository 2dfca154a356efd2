import Foundation
import HTTPTypes
import HosoAccounts
import HosoCore
import HosoKit
import HosoRecords
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoServer

/// The keying workbench's screens: a hostile scan refused with its sentence and nothing kept, a ledger started from a
/// scan, one keyer never shown the other's values, the checks as you type, and the machine reader's button only
/// when the server has one.
@Suite struct WorkbenchPageTests {
    /// Stands in for a page reader in these tests only: fixed suggestions (the real reader is another target's).
    struct FixedReader: PagePrefiller {
        func prefill(imageFile: String) throws -> PagePrefill {
            PagePrefill(
                engine: "bộ đọc thử",
                rows: [PrefillRow(region: [0.1, 0.2, 0.8, 0.05], fields: ["fullName": PrefillField(text: "Đỗ Văn Nam", confidence: 0.87)])])
        }
    }

    static func png() -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + Array("IHDR".utf8) + be32(600) + be32(800) + [
            8, 2, 0, 0, 0, 0, 0, 0, 0,
        ]
    }

    static func start(_ b: Browser, scan: (String, [UInt8])) async throws -> Reply {
        try await b.get("/workbench")
        var parts: [(String, String?, String?, [UInt8])] = [("_csrf", nil, nil, Array(try #require(b.csrfToken).utf8))]
        for (k, v) in [
            ("title", "SỔ GỐC THCS 2021"), ("issuer", "Phòng Giáo dục huyện Tân Lập"), ("school", "Trường THCS Tân Lập"), ("level", "THCS"),
            ("year", "2021"), ("decisionNumber", "7/QĐ"), ("decisionDate", "15/06/2021"), ("mode", "Chính quy"),
        ] {
            parts.append((k, nil, nil, Array(v.utf8)))
        }
        parts.append(("scans", scan.0, "application/octet-stream", scan.1))
        let (h, body) = multipart(parts)
        return try await b.request(.post, "/workbench", headers: h, body: body)
    }

    @Test func keyingScreensFromUploadToChecksAsYouType() async throws {
        var withReader = try Fixture()
        withReader.config.pagePrefiller = FixedReader()
        let fx = withReader
        let store = try ServerStore(path: fx.archivePath + "/" + ServerStore.fileName, clock: fx.config.clock, cost: Fixture.cost)
        try store.addUser(name: "registrar2", displayName: "Người nhập hai", role: .registrar, password: Fixture.password)
        try await fx.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("registrar")
            // A file that is no scan: refused with its sentence, the form kept, nothing started.
            let bad = try await Self.start(b, scan: ("so.exe", Array("MZ not a scan".utf8)))
            #expect(bad.status == .badRequest && b.lastBody.contains("data-code=\"SCAN_TYPE_UNSUPPORTED\""))
            #expect(b.lastBody.contains("so.exe") && b.lastBody.contains("value=\"SỔ GỐC THCS 2021\""))
            #expect(try Archive.open(at: fx.archivePath).keyingLedgers().isEmpty)
            let ok = try await Self.start(b, scan: ("trang-1.png", Self.png()))
            #expect(ok.status == .seeOther)
            let location = try #require(ok.headers[.location])
            let id = String(location.split(separator: "/").last!)
            try await b.get(location)
            #expect(b.lastBody.contains("key-page-1"))
            #expect(try await b.get("/workbench/\(id)/page/1/image").status == .ok)
            let page = try await b.get("/workbench/\(id)/page/1")
            #expect(page.status == .ok && b.lastBody.contains("id=\"handwritten-note\"") && b.lastBody.contains("id=\"prefill-submit\""))
            // The machine's suggestion is shown as one, with its confidence; it fills nothing by itself.
            #expect(try await b.post("/workbench/\(id)/page/1/prefill", []).status == .seeOther)
            try await b.get("/workbench/\(id)/page/1")
            #expect(
                b.lastBody.contains("Gợi ý: Đỗ Văn Nam (độ tin cậy 87%)")
                    && b.lastBody.contains("data-region=\"0.1000,0.2000,0.8000,0.0500\""))
            #expect(!b.lastBody.contains("value=\"Đỗ Văn Nam\""))
            // An entry with a date that does not exist is kept as a draft and shown again with the problem beside it.
            let fields: [(String, String)] = [
                ("row", "1"), ("stt", "1"), ("ledgerNumber", "1"), ("serial", "E 1000001"), ("fullName", "Đỗ Văn Nam"),
                ("dateOfBirth", "30/02/2006"), ("sex", "Nam"), ("placeOfBirth", "xã Tân Lập"), ("ethnicity", "Kinh"),
                ("graduationGrade", "Giỏi"), ("notes", ""), ("region", "0.05,0.3,0.9,0.04"),
            ]
            // A band that is not within the page is refused as the import would refuse it.
            let outside = try await b.post("/workbench/\(id)/page/1/entry", fields.dropLast() + [("region", "0.05,1.3,0.9,0.04")])
            #expect(outside.status == .badRequest && b.lastBody.contains("x,y,w,h"))
            let saved = try await b.post("/workbench/\(id)/page/1/entry", fields)
            #expect(saved.status == .badRequest && b.lastBody.contains("id=\"err-dateOfBirth\""))
            #expect(b.lastBody.contains("aria-invalid=\"true\"") && b.lastBody.contains("value=\"Đỗ Văn Nam\""))
            // The row's band as marked (not the reader's), and the next row's just below it, as high.
            #expect(b.lastBody.contains("data-region=\"0.0500,0.3000,0.9000,0.0400\""))
            try await b.get("/workbench/\(id)/page/1?row=2")
            #expect(b.lastBody.contains("value=\"0.0500,0.3400,0.9000,0.0400\""))
            // The JSON check says the same without saving anything.
            let token = try #require(b.csrfToken)
            let check = try await b.request(
                .post, "/api/workbench/\(id)/check", headers: [.contentType: "application/json", .xCSRF: token],
                body: Array(#"{"page": "1", "stt": "1", "dateOfBirth": "30/02/2006", "fullName": "Đỗ Văn Nam"}"#.utf8))
            #expect(check.status == .ok && b.lastBody.contains("\"field\":\"dateOfBirth\""))
            // The second keyer sees none of the first one's values.
            let other = Browser(client)
            try await other.login("registrar2")
            #expect(try await other.get("/workbench/\(id)/page/1").status == .ok)
            #expect(!other.lastBody.contains("value=\"Đỗ Văn Nam\"") && !other.lastBody.contains("E 1000001"))
        }
        // Without a reader the button is not offered.
        let plain = try Fixture()
        try await plain.app().test(.router) { client in
            let b = Browser(client)
            try await b.login("registrar")
            let ok = try await Self.start(b, scan: ("trang-1.png", Self.png()))
            try await b.get(try #require(ok.headers[.location]) + "/page/1")
            #expect(b.lastBody.contains("id=\"entry\"") && !b.lastBody.contains("prefill-submit"))
        }
    }
}
