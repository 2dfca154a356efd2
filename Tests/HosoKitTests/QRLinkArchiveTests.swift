import Foundation
import HosoCopies
import HosoCore
import HosoKit
import HosoRecords
import HosoSigning
import HosoTestSupport
import Testing

/// Copies whose QR code is a link to the office's public page: issued, checked with the archive and offline, and the
/// attacks on the unsigned address part; old bare codes keep verifying; the office's page address and seal image.
@Suite struct QRLinkArchiveTests {
    let dir = TempDirectory()
    static let page = "https://hoso.pgd-tanlap.gov.vn"
    /// A 1×1 PNG.
    static let png = [UInt8](
        Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")!)

    func setUp(publicURL: String?) throws -> OfficeArchiveFixture {
        let s = try OfficeArchiveFixture(in: dir.path, now: wholeSecondsNow())
        if let publicURL {
            var settings = try s.archive.officeSettings()
            settings.publicURL = publicURL
            try s.archive.setOfficeSettings(settings, author: "admin", reason: "trang kiểm tra")
        }
        return s
    }

    func issue(_ s: OfficeArchiveFixture, serial: String = "Số 001234/BT", holder: String = "Lò Thị Mai") throws -> Archive.IssuedCopyResult
    {
        let req = try CopyTests.request(s.archive, serial: serial, holder: holder)
        return try s.archive.issueCopy(entryRef: serial, requestId: req, signer: s.office, clerk: "vanthu")
    }

    func trust(_ s: OfficeArchiveFixture) -> TrustContext {
        TrustContext(roots: s.pki.roots, intermediates: s.pki.intermediates, crls: s.pki.crls)
    }

    @Test func aCopysQRIsALinkThatVerifiesOnTheOfficesPageAndOffline() throws {
        let s = try setUp(publicURL: Self.page + "/")
        #expect(try s.archive.officeSettings().publicURL == Self.page, "saved in its one form")
        let issued = try issue(s)
        #expect(issued.qrText.hasPrefix(Self.page + "/v#"), "\(issued.qrText)")
        let r = try s.archive.verifyCopyQR(issued.qrText)
        #expect(r.indication == "PASSED" && r.linkHost == "hoso.pgd-tanlap.gov.vn", "\(r.reasons) \(r.messages)")
        // The same payload, offline: the link as scanned, and its bare form.
        let offline = CopyQRVerification.verifySignatureOnly(
            issued.qrText, officeCertificates: [s.office.certificate], trust: trust(s), clock: s.archive.clock)
        #expect(offline.indication == "PASSED" && offline.linkHost == "hoso.pgd-tanlap.gov.vn", "\(offline.reasons)")
        let bare = try QRLink.bareText(issued.qrText, publicURL: Self.page)
        #expect(try s.archive.verifyCopyQR(bare).indication == "PASSED")
        // Offline with the page given, a link elsewhere is refused too.
        let elsewhere = issued.qrText.replacingOccurrences(of: "hoso.pgd-tanlap.gov.vn", with: "evil.example")
        let refusedOffline = CopyQRVerification.verifySignatureOnly(
            elsewhere, officeCertificates: [s.office.certificate], trust: trust(s), clock: s.archive.clock, publicURL: Self.page)
        #expect(refusedOffline.indication == "FAILED" && refusedOffline.reasons == ["QR_LINK_FOREIGN_HOST"])
    }

    /// A genuine payload behind another site's address: the phone would open that site, so the office's own check
    /// never calls it valid, and shows none of its data.
    @Test func aGenuinePayloadBehindAForeignHostIsRefused() throws {
        let s = try setUp(publicURL: Self.page)
        let issued = try issue(s)
        for host in ["evil.example", "hoso.pgd-tanlap.gov.vn.evil.example"] {
            let forged = issued.qrText.replacingOccurrences(of: "hoso.pgd-tanlap.gov.vn", with: host)
            let r = try s.archive.verifyCopyQR(forged)
            #expect(r.indication == "FAILED" && r.reasons == ["QR_LINK_FOREIGN_HOST"] && r.payload == nil, "\(r.reasons)")
            #expect(r.messages.first?.vi.contains("trang web khác") == true)
        }
        let http = issued.qrText.replacingOccurrences(of: "https://", with: "http://")
        #expect(try s.archive.verifyCopyQR(http).reasons == ["QR_LINK_FOREIGN_HOST"])
    }

    /// Copies printed before the page was configured carry the bare payload: they keep verifying, and without a page
    /// no link is anyone's.
    @Test func anOldBarePayloadStillVerifiesAfterThePageIsSet() throws {
        let s = try setUp(publicURL: nil)
        let old = try issue(s)
        #expect(old.qrText.hasPrefix(QRPayloadCodec.prefix))
        let link = try QRLink.url(publicURL: Self.page, payload: old.qrText)
        #expect(try s.archive.verifyCopyQR(link).reasons == ["QR_LINK_FOREIGN_HOST"], "no page configured: no link is the office's")
        var settings = try s.archive.officeSettings()
        settings.publicURL = Self.page
        try s.archive.setOfficeSettings(settings, author: "admin", reason: "trang kiểm tra")
        let r = try s.archive.verifyCopyQR(old.qrText)
        #expect(r.indication == "PASSED" && r.linkHost == nil, "\(r.reasons)")
        #expect(try s.archive.verifyCopyQR(link).indication == "PASSED")
        let fresh = try issue(s, serial: "Số 001235/BT", holder: "Hoàng Văn Páo")
        #expect(fresh.qrText.hasPrefix(Self.page + "/v#"))
    }

    @Test func theSealImageIsASmallPNGAndThePageAddressIsChecked() throws {
        let s = try setUp(publicURL: nil)
        let err = { (c: HosoError.Code) in HosoError(c, .both("", "")) }
        #expect(throws: err(.sealImageInvalid)) { try s.archive.storeSealImage(Array("GIF89a not a png".utf8)) }
        var huge = Self.png
        huge[16...19] = [0, 0, 0x10, 0]  // 4096 pixels wide
        #expect(throws: err(.sealImageInvalid)) { try s.archive.storeSealImage(huge) }
        #expect(throws: err(.sealImageInvalid)) {
            try s.archive.storeSealImage(Self.png + [UInt8](repeating: 0, count: SealImage.maxBytes))
        }
        #expect(try s.archive.sealImage() == nil)
        let id = try s.archive.storeSealImage(Self.png)
        var settings = try s.archive.officeSettings()
        settings.sealImage = id
        try s.archive.setOfficeSettings(settings, author: "admin", reason: "con dấu")
        #expect(try s.archive.sealImage() == Self.png)
        // An id of nothing in the archive, and an address that is not a web page, are refused.
        settings.sealImage = String(repeating: "ab", count: 32)
        #expect(throws: err(.sealImageInvalid)) { try s.archive.setOfficeSettings(settings, author: "admin", reason: "x") }
        settings.sealImage = id
        settings.publicURL = "ftp://hoso.example"
        #expect(throws: err(.publicURLInvalid)) { try s.archive.setOfficeSettings(settings, author: "admin", reason: "x") }
        // fsck follows the settings to the seal image.
        #expect(try s.archive.fsck().ok)
    }
}
