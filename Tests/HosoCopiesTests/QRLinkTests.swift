import Foundation
import HosoCore
import HosoRecords
import HosoTestSupport
import Testing

@testable import HosoCopies
@testable import HosoSigning

/// The QR code as a link to the public page (`QRLink`): the same signed bytes, read back only from the office's page.
@Suite struct QRLinkTests {
    static let page = "https://hoso.pgd-tanlap.gov.vn"

    /// A signed bare payload and the certificate that verifies it.
    static func signed() throws -> (text: String, cert: Certificate) {
        let key = try PrivateKey.generate(.ecP256)
        let now = wholeSecondsNow()
        let cert = try PKI.issue(
            CertificateSpec(
                subject: [.country("VN"), .commonName("Phòng GD&ĐT Tân Lập")], notBefore: now - 86_400, notAfter: now + 86_400,
                keyUsage: [.digitalSignature]), key: key, issuer: nil)
        let p = CopyPayload(
            holderName: "Nguyễn Thị Phương Thảo", dateOfBirth: "2009-03-15", serial: "A 0654321", ledgerNumber: "0125",
            ledgerYear: 2024, issuingOffice: "PGD-TANLAP", copyNumber: 12, issueDate: "2026-03-05")
        return (try QRPayloadCodec.encode(p, signer: key), cert)
    }

    static func err(_ code: HosoError.Code) -> HosoError { HosoError(code, .both("", "")) }

    @Test func aLinkCarriesTheSameSignedBytesAndReadsBackOnlyFromTheOfficesPage() throws {
        let (bare, cert) = try Self.signed()
        let link = try QRLink.url(publicURL: Self.page + "/", payload: bare)
        #expect(link.hasPrefix(Self.page + "/v#") && link.utf8.count <= QRLink.maxLength)
        // No space or percent sign: a phone camera opens it as it is.
        #expect(!link.contains(" ") && !link.contains("%"))
        let back = try QRLink.bareText(link, publicURL: Self.page)
        #expect(back == bare)
        if case .valid = QRPayloadCodec.verify(back, certificates: [cert]) {} else { Issue.record("the link's payload does not verify") }
        // The host in capitals and a trailing newline (as scanners give it) are the same page.
        #expect(
            try QRLink.bareText("HTTPS://HOSO.PGD-TANLAP.GOV.VN/v#" + link.split(separator: "#")[1] + "\n", publicURL: Self.page) == bare)
        // An old bare payload still reads as it is, with or without a page configured.
        #expect(try QRLink.bareText(bare, publicURL: Self.page) == bare)
        #expect(try QRLink.bareText(bare, publicURL: nil) == bare)
        // It fits a QR code.
        #expect(try QRCode.modules(for: link).version <= 15)
    }

    @Test func aLinkToAnotherSiteIsRefused() throws {
        let (bare, _) = try Self.signed()
        let fragment = try QRLink.url(publicURL: Self.page, payload: bare).split(separator: "#")[1]
        for foreign in [
            "https://hoso.pgd-tanlap.gov.vn.evil.example/v#", "https://evil.example/v#", "http://hoso.pgd-tanlap.gov.vn/v#",
            "https://hoso.pgd-tanlap.gov.vn:8443/v#", "https://hoso.pgd-tanlap.gov.vn/x/v#", "https://user@evil.example/v#",
        ] {
            #expect(throws: Self.err(.qrLinkForeignHost), "\(foreign)") { try QRLink.bareText(foreign + fragment, publicURL: Self.page) }
        }
        // No page configured: no link is the office's.
        #expect(throws: Self.err(.qrLinkForeignHost)) { try QRLink.bareText(Self.page + "/v#" + fragment, publicURL: nil) }
        // Offline, signature only: any host is read, and reported.
        #expect(try QRLink.bareText("https://evil.example/v#" + fragment, publicURL: nil, anyHost: true) == bare)
        #expect(QRLink.host(of: "https://Evil.Example/v#" + fragment) == "evil.example")
    }

    @Test func damagedOrOversizedLinksAreRefusedWithACode() throws {
        let (bare, _) = try Self.signed()
        let link = try QRLink.url(publicURL: Self.page, payload: bare)
        #expect(throws: Self.err(.qrLinkInvalid)) { try QRLink.bareText(Self.page + "/v", publicURL: Self.page) }
        #expect(throws: Self.err(.qrLinkInvalid)) { try QRLink.bareText(link + "=", publicURL: Self.page) }
        #expect(throws: Self.err(.qrLinkInvalid)) { try QRLink.bareText(link + "!", publicURL: Self.page) }
        #expect(throws: Self.err(.qrLinkInvalid)) {
            try QRLink.bareText(link + String(repeating: "A", count: QRLink.maxReadLength), publicURL: Self.page)
        }
        // A long page address makes a link too long for the printed QR code: refused when writing.
        let long = "https://" + String(repeating: "a", count: 60) + ".vn/" + String(repeating: "c", count: 125)
        #expect(try QRLink.normalizedPublicURL(long) == long)
        #expect(throws: Self.err(.qrPayloadTooLarge)) { try QRLink.url(publicURL: long, payload: bare) }
        for bad in ["ftp://x.vn", "https://x.vn/?a=1", "https://x.vn/#f", "https://", "x.vn", "https://x .vn"] {
            #expect(throws: Self.err(.publicURLInvalid), "\(bad)") { try QRLink.normalizedPublicURL(bad) }
        }
        #expect(try QRLink.normalizedPublicURL(" https://x.vn/hoso/ ") == "https://x.vn/hoso")
    }

    @Test func base64urlIsStrict() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(QRLink.base64urlDecode(QRLink.base64url(bytes)) == bytes)
        }
        #expect(QRLink.base64url([0xfb, 0xff]) == "-_8")
        #expect(QRLink.base64urlDecode("-_9") == nil, "leftover bits set: a second text for the same bytes")
        #expect(QRLink.base64urlDecode("A") == nil && QRLink.base64urlDecode("AA==") == nil && QRLink.base64urlDecode("A+") == nil)
    }

    @Test func anImageReaderFindsALinkAsTheCopysCode() throws {
        let (bare, _) = try Self.signed()
        let link = try QRLink.url(publicURL: Self.page, payload: bare)
        #expect(try QRPayloadCodec.onlyPayload(in: ["https://example.org", link]) == link)
        #expect(try QRPayloadCodec.onlyPayload(in: ["https://example.org/#top"]) == nil)
        #expect(throws: Self.err(.qrAmbiguous)) { try QRPayloadCodec.onlyPayload(in: [bare, link]) }
    }

    /// The copy's footer tells a citizen how to check it, in words: the page's address and the QR code, no commands.
    @Test func theCopysFooterGivesThePublicAddressAndNoCommands() {
        var s = OfficeSettings.defaults
        s.publicURL = Self.page
        let footer = CopyDocument.copyFooter(s)
        #expect(footer.contains(Self.page + "/v") && footer.contains(Self.page + "/verify") && footer.contains("quét mã QR"))
        let without = CopyDocument.copyFooter(OfficeSettings.defaults)
        for f in [footer, without] {
            #expect(!f.contains("hoso ") && !f.contains("--") && !f.contains("HS1"), "\(f)")
        }
    }
}
