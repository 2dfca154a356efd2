import Foundation
import HosoCore
import HosoKit
import HosoRecords
import HosoTestSupport
import Testing

@testable import HosoOCR

/// The reader and the keying workbench together: a typed page uploaded as a ledger's scan is read from the display
/// page the workbench made, and its suggestions are kept for the keying screen (the same path `hoso serve` takes).
@Suite struct WorkbenchOCRTests {
    @Test func aTypedScanStartedOnTheWorkbenchIsReadIntoSuggestionsForItsPage() throws {
        let dir = TempDirectory("ocr-workbench")
        let (png, truth) = try TesseractPrefillerTests.typedPage(dir, seed: 31, rows: 12)
        let f = try OfficeArchiveFixture(in: dir.path + "/archive")
        let header = KeyingHeader(
            issuer: "Phòng Giáo dục huyện Tân Lập", title: "SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS", level: "THCS",
            decisionNumber: "12/QĐ-GD", decisionDate: "20/06/1999", year: 1999, school: "Trường THCS Tân Lập", mode: "Chính quy")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: png)))
        let l = try f.archive.startKeying(header: header, scans: [ScanUpload(name: "trang1.png", bytes: bytes)], by: "keyer-a")
        let page = try f.archive.prefillPage(l.id, page: 1, using: TesseractPrefiller())
        #expect(try f.archive.pagePrefill(l.id, page: 1) == page)
        try #require(page.rows.count == truth.rows.count, "rows found: \(page.rows.count)")
        var exact = 0
        for (got, want) in zip(page.rows, truth.rows) {
            for field in TesseractPrefillerTests.fields where got.fields[field]?.text == want.fields[field] { exact += 1 }
        }
        let accuracy = Double(exact) / Double(truth.rows.count * TesseractPrefillerTests.fields.count)
        #expect(accuracy >= TesseractPrefillerTests.accuracyBar, "exact fields: \(exact)")
    }
}
