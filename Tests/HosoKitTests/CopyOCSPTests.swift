import Foundation
import HosoCore
import HosoKit
import HosoSigning
import HosoTestSupport
import Testing

@testable import HosoCopies

/// OCSP responses in a certified copy's DSS, against a real `openssl ocsp` responder on loopback: fetched at issue
/// when the signer's certificate names a responder (and kept as an `ocsp-response` object), taken from the archive
/// when it already holds a current one, and used by the copy verifier at a later time. Serialized: the responder's
/// port is named in the certificates.
@Suite(.serialized) struct CopyOCSPTests {
    let dir = TempDirectory()

    /// An office archive whose copy signer is the OCSP PKI's "good" leaf; the archive holds the root's CRL but none
    /// from the leaf's CA, so without OCSP the leaf has no revocation data.
    func setUp() throws -> (s: OfficeArchiveFixture, p: OCSPPKI, signer: SigningIdentity) {
        let s = try OfficeArchiveFixture(in: dir.path)
        let p = try OCSPPKI.shared.get()
        try s.archive.addTrustAnchors([try p.cert("root")], label: "ocsp", author: "admin")
        try s.archive.addCertificates([try p.cert("ca")])
        _ = try s.archive.importCRLs([try p.crl("crl-root")])
        let signer = try p.identity("good")
        var settings = try s.archive.officeSettings()
        settings.copySigners = [signer.certificate.fingerprint]
        _ = try s.archive.setOfficeSettings(settings, author: "admin", reason: "OCSP signer")
        return (s, p, signer)
    }

    func issue(_ s: OfficeArchiveFixture, _ signer: SigningIdentity) throws -> [UInt8] {
        let req = try CopyTests.request(s.archive, serial: "Số 001234/BT", holder: "Lò Thị Mai")
        return try s.archive.issueCopy(
            entryRef: "Số 001234/BT", requestId: req, signer: signer, timestamp: .authority(try s.pki.tsa()), clerk: "vanthu"
        ).pdf
    }

    /// The DER of the DSS's /OCSPs, and of those the first signature's /VRI entry names.
    func dssOCSP(_ pdf: [UInt8]) throws -> (all: [[UInt8]], vri: [[UInt8]]) {
        let doc = try PDFDocument(pdf)
        guard let d = try doc.catalog().dict["DSS"] else { return ([], []) }
        let dss = try doc.resolveDict(d, "/DSS")
        func ders(_ list: [PDFObject]?) -> [[UInt8]] {
            (list ?? []).compactMap { r in
                guard case .stream(_, let range)? = try? doc.resolve(r) else { return nil }
                return Array(pdf[range])
            }
        }
        let sigRef = try #require(try doc.signatureFields().first?.1)
        let contents = try #require(try doc.resolveDict(sigRef, "sig")["Contents"]?.bytes)
        let vri = try doc.resolveDict(dss["VRI"], "/VRI")
        let entry = try vri[PAdES.vriKey(contents)].map { try doc.resolveDict($0, "VRI entry") }
        return (ders(dss["OCSPs"]?.array), ders(entry?["OCSP"]?.array))
    }

    /// A verifier with the archive's roots, CA certificates and CRLs but none of its OCSP responses: what the copy
    /// itself carries decides.
    func fileOnlyVerifier(_ s: OfficeArchiveFixture) throws -> SignatureVerifier {
        let t = try s.archive.trustContext()
        return SignatureVerifier(trust: TrustContext(roots: t.roots, intermediates: t.intermediates, crls: t.crls), clock: s.archive.clock)
    }

    @Test func aCopyCarriesItsSignersOCSPResponseAndVerifiesLaterWithIt() throws {
        let (s, p, signer) = try setUp()
        let later = s.archive.clock.now().addingTimeInterval(200 * 86_400)
        // No responder listening: the copy is issued all the same, without OCSP, and later it cannot be judged.
        let offline = try issue(s, signer)
        #expect(try dssOCSP(offline).all.isEmpty)
        let blind = try PDFVerify.verify(pdf: offline, verifier: try fileOnlyVerifier(s), at: later)
        #expect(blind.indication == .indeterminate, "\(blind)")

        // With the responder: its answer is in /DSS /OCSPs and the signature's VRI, and kept in the archive.
        let pdf = try p.withResponder(signer: "responder") { try issue(s, signer) }
        let (all, vri) = try dssOCSP(pdf)
        let response = try #require(vri.first)
        #expect(all.contains(response))
        let parsed = try OCSPResponse(der: response)
        #expect(parsed.single(for: signer.certificate, issuer: try p.cert("ca"))?.status == .good)
        #expect(try s.archive.trustContext().ocsp.contains { $0.der == response })

        // A year later, offline, with what the file carries: PASSED, the revocation answered by OCSP.
        let report = try PDFVerify.verify(pdf: pdf, verifier: try fileOnlyVerifier(s), at: later)
        #expect(report.indication == .passed, "\(report)")
        #expect(report.signatures.first?.signature?.revocation?.source == "ocsp")
        #expect(try s.archive.verifyCopy(pdf: pdf, at: later).indication == "PASSED")

        // The next copy, with the responder gone, takes the archive's current response instead.
        let next = try issue(s, signer)
        #expect(try dssOCSP(next).vri == [response])
        #expect(try PDFVerify.verify(pdf: next, verifier: try fileOnlyVerifier(s), at: later).indication == .passed)
    }

    @Test func renewalAddsTheResponsesItFindsToTheDSS() throws {
        let (s, p, signer) = try setUp()
        let offline = try issue(s, signer)
        #expect(try dssOCSP(offline).all.isEmpty)
        // Renewed while the responder answers: the renewed file carries a response, and it is kept.
        let done = try p.withResponder(signer: "responder") {
            try s.archive.renewCopies(timestamp: .authority(try s.pki.tsa()), margin: 0, force: true, clerk: "vanthu")
        }
        let renewedId = try #require(done.first?.document)
        let renewed = try s.archive.read(try s.archive.resolve(renewedId))
        let all = try dssOCSP(renewed).all
        #expect(all.count == 1)
        #expect(try s.archive.trustContext().ocsp.map(\.der) == all)
        // The renewed file judges its signature with the OCSP answer (produced after it was signed).
        let later = s.archive.clock.now().addingTimeInterval(200 * 86_400)
        let report = try PDFVerify.verify(pdf: renewed, verifier: try fileOnlyVerifier(s), at: later)
        #expect(report.signatures.first?.signature?.revocation?.source == "ocsp", "\(report)")
        #expect(report.indication == .passed, "\(report)")
    }
}
