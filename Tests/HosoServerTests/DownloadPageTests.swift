import Foundation
import HTTPTypes
import HosoCore
import HosoKit
import HosoTestSupport
import Testing

/// The public download page: a code gives the document once, on a live server; mistakes are Vietnamese sentences.
@Suite struct DownloadPageTests {
    @Test func aFamilyDownloadsOnceWithTheSchoolsCode() async throws {
        let f = try Fixture()
        let a = try Archive.open(at: f.archivePath, clock: f.config.clock)
        let issued = try a.issueCopy(entryRef: Fixture.serial, requestId: f.requestId, signer: f.office, clerk: "vanthu")
        let record = String(format: "BS-%04d-%06d", issued.register.year, issued.register.copyNumber)
        let (code, _) = try a.newDownloadCode(document: record, purpose: "copy", issuedBy: "vanthu")
        try await f.serve(.live) { client in
            let b = Browser(client)
            let form = try await b.get("/download")
            #expect(form.status == .ok && b.lastBody.contains("<label for=\"code\">Mã tải</label>"))
            let got = try await b.post("/download", [("code", code.lowercased())], csrf: false)
            #expect(got.status == .ok && got.headers[.contentType] == "application/pdf")
            #expect(Array(buffer: got.body) == issued.pdf)
            #expect(got.headers[.contentDisposition]?.contains("van-ban.pdf") == true)
            let again = try await b.post("/download", [("code", code)], csrf: false)
            #expect(again.status == .badRequest && b.lastBody.contains("Mã này đã được dùng"))
            #expect(!b.lastBody.contains("DOWNLOAD_CODE"))  // no reason codes where a citizen reads
            let wrong = try await b.post("/download", [("code", "ZZZZ-ZZZZ-ZZZZ")], csrf: false)
            #expect(wrong.status == .badRequest && b.lastBody.contains("Mã không đúng") && b.lastBody.contains("value=\"ZZZZ-ZZZZ-ZZZZ\""))
        }
        #expect(try a.extracts(of: record).count == 1)
    }
}
