import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport
import Testing

@testable import HosoCopies
@testable import HosoSigning

/// PAdES B-LT and B-LTA copies: the DSS, document timestamps, renewal, what may follow a signature, and verification
/// at a future time — cross-checked with pdfsig and pyHanko.
@Suite struct PDFLongTermTests {
    var fx: DemoPKIFixture { get throws { try pdfPKI.get() } }

    var trust: TrustContext {
        get throws {
            let fx = try fx
            return TrustContext(roots: fx.roots, intermediates: fx.intermediates, crls: fx.crls)
        }
    }

    /// A document timestamp closure from the demo TSA: it stamps the SHA-256 of the byte range.
    func docStamper(_ tsa: TimeStampAuthority) -> (_ bytes: [UInt8]) throws -> [UInt8] {
        { try tsa.token(forDigest: SHA256.hash($0)) }
    }

    func lta() throws -> [UInt8] {
        let fx = try fx
        return try PAdES.extendToLTA(
            pdf: try PDFSample.shared.get().pdf, trust: try trust, time: fx.now, timestamp: docStamper(try fx.tsa()))
    }

    func file(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = try scratchDirectory(name) + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: B-LT

    @Test func bltAddsADSSWithTheChainsCRLsAndAVRIEntry() throws {
        let signed = try PDFSample.shared.get().pdf
        let data = try PAdES.validationData(for: signed, trust: try trust)
        let pdf = try PAdES.addValidationData(pdf: signed, data, time: try fx.now)
        let doc = try PDFDocument(pdf)
        let dss = try doc.resolveDict(try doc.catalog().dict["DSS"], "/DSS")
        #expect(dss["Type"]?.name == "DSS")
        let certs = try #require(dss["Certs"]?.array)
        let crls = try #require(dss["CRLs"]?.array)
        // The seal, its CA and root, the TSA and its chain; the CRLs of every issuer below a root.
        #expect(certs.count >= 4 && !crls.isEmpty, "\(certs.count) certificates, \(crls.count) CRLs")
        let vri = try doc.resolveDict(dss["VRI"], "/VRI")
        let info = try #require(try PDFParse.inspect(signed).first)
        let contents = try #require(try doc.resolveDict(.ref(try sigObject(signed), 0), "sig")["Contents"]?.bytes)
        #expect(contents.count == PAdES.defaultReservedBytes && contents.starts(with: info.cms))
        let key = PAdES.vriKey(contents)
        #expect(key.count == 40 && key == key.uppercased())
        #expect(vri[key] != nil, "\(vri.keys)")
        // The stored certificates are the DER of real certificates, the signer's among them.
        let stored = certs.compactMap { r -> [UInt8]? in
            guard case .stream(_, let range)? = try? doc.resolve(r) else { return nil }
            return Array(pdf[range])
        }
        #expect(stored.contains(try fx.identity("truong-phong").certificate.der))

        let report = try PDFVerify.verify(pdf: pdf, verifier: try fx.verifier())
        #expect(report.indication == .passed, "\(report)")
        #expect(report.hasValidationData == true)
        #expect(report.signatures.first?.modifiedAfterSigning == false)
        #expect(report.signatures.first?.coversWholeFile == false)
        // A second update stores nothing twice.
        let again = try PAdES.addValidationData(pdf: pdf, try PAdES.validationData(for: pdf, trust: try trust), time: try fx.now)
        let dss2 = try {
            let d = try PDFDocument(again)
            return try d.resolveDict(try d.catalog().dict["DSS"], "/DSS")
        }()
        #expect(dss2["Certs"]?.array?.count == certs.count && dss2["CRLs"]?.array?.count == crls.count)
    }

    /// The object number of the first signature dictionary.
    func sigObject(_ pdf: [UInt8]) throws -> Int {
        let doc = try PDFDocument(pdf)
        let fields = try doc.signatureFields()
        return try #require(fields.first?.1.ref?.0)
    }

    @Test func anOCSPResponseGivenIsStoredAndNamedInTheVRI() throws {
        let signed = try PDFSample.shared.get().pdf
        let fake: [UInt8] = [0x30, 0x03, 0x0A, 0x01, 0x06]  // OCSPResponse: unauthorized — only storage is checked here
        let data = try PAdES.validationData(for: signed, trust: try trust) { _, _ in fake }
        #expect(data.first?.data.ocspResponses.isEmpty == false)
        let pdf = try PAdES.addValidationData(pdf: signed, data, time: try fx.now)
        let doc = try PDFDocument(pdf)
        let dss = try doc.resolveDict(try doc.catalog().dict["DSS"], "/DSS")
        #expect(dss["OCSPs"]?.array?.count == 1)
        #expect(try PDFVerify.verify(pdf: pdf, verifier: try fx.verifier()).indication == .passed)
    }

    // MARK: B-LTA

    @Test func bltaHasADocumentTimestampAndVerifies() throws {
        let pdf = try lta()
        let infos = try PDFParse.inspect(pdf)
        #expect(infos.map(\.fieldName) == [PAdES.fieldName, "DocTimeStamp1"])
        let ts = try #require(infos.last)
        #expect(ts.subFilter == "ETSI.RFC3161")
        #expect(ts.byteRangeIsWellFormed && !ts.byteRangeCoversWholeFile)  // the DSS for it follows
        let token = try TimeStampToken(der: ts.cms)
        #expect(token.imprint == SHA256.hash(ts.signedBytes))
        // Signature, DSS, document timestamp, DSS.
        #expect(try PDFParse.revisions(pdf).count == 5)

        let report = try PDFVerify.verify(pdf: pdf, verifier: try fx.verifier())
        #expect(report.indication == .passed && report.reason == nil, "\(report)")
        #expect(report.signatures.count == 2)
        #expect(report.signatures.allSatisfy { !$0.modifiedAfterSigning && $0.indication == .passed })
        #expect(report.signatures[1].documentTimestamp?.indication == .passed)
        let chain = try #require(report.longTerm)
        #expect(chain.map(\.kind) == ["signature-timestamp", "document-timestamp"])
        #expect(chain.allSatisfy { $0.holds })
        // HOSO_PDF_TEST_OUT=DIR keeps it (Fuzz/seeds/pdf/blta-copy.pdf was made so).
        if let out = ProcessInfo.processInfo.environment["HOSO_PDF_TEST_OUT"] {
            try Data(pdf).write(to: URL(fileURLWithPath: out + "/blta-copy.pdf"))
        }
    }

    @Test func pdfsigAcceptsTheBLTACopy() throws {
        let path = try file(try lta(), "lta.pdf")
        let r = try pdfRun("/usr/bin/pdfsig", ["-nssdir", try pdfNSSDatabase.get(), "-no-ocsp", path])
        // The signature is valid and trusted; poppler lists the document timestamp but cannot validate that type.
        #expect(r.output.contains("Signature #1") && r.output.contains("Signature is Valid."), "\(r.output)")
        #expect(r.output.contains("Certificate is Trusted.") && r.output.contains("ETSI.CAdES.detached"), "\(r.output)")
        #expect(r.output.contains("Signature #2") && r.output.contains("DocTimeStamp1"), "\(r.output)")
    }

    @Test func pyHankoAcceptsTheBLTAUpdates() throws {
        let pyhanko = pythonTool("pyhanko")
        try #require(FileManager.default.isExecutableFile(atPath: pyhanko), "tools/setup installs pyhanko-cli into .build-py")
        let path = try file(try lta(), "lta-ph.pdf")
        var args = ["sign", "validate", "--no-revocation-check", "--trust-replace"]
        for root in try fx.rootFiles { args += ["--trust", root] }
        let r = try pdfRun(pyhanko, args + ["--pretty-print", path])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("The signature is judged VALID"), "\(r.output)")
        // Its difference analysis sees the DSS and timestamp updates as harmless.
        #expect(!r.output.contains("INVALID") && !r.output.contains("ILLEGAL"), "\(r.output)")
        #expect(r.output.contains("Signature timestamp"), "\(r.output)")
    }

    @Test func renewalAddsASecondDocumentTimestamp() throws {
        let fx = try fx
        let once = try lta()
        let later = fx.now + 3600
        let twice = try PAdES.extendToLTA(pdf: once, trust: try trust, time: later, timestamp: docStamper(try fx.tsa(at: later)))
        #expect(twice.starts(with: once))
        #expect(try PDFParse.inspect(twice).map(\.fieldName) == [PAdES.fieldName, "DocTimeStamp1", "DocTimeStamp2"])
        #expect(try PAdES.lastTimestamp(in: twice)?.time == later)
        let report = try PDFVerify.verify(pdf: twice, verifier: fx.verifier(at: later + 60))
        #expect(report.indication == .passed, "\(report)")
        #expect(report.longTerm?.count == 3 && report.longTerm?.allSatisfy { $0.holds } == true)
        // The revision ends name the earlier files: the issued copy is a prefix of its renewal.
        let ends = try PDFParse.revisionEnds(twice)
        #expect(ends.contains(once.count) && ends.last == twice.count)
    }

    // MARK: What may follow a signature

    @Test func pageContentAddedAfterTheDocumentTimestampFails() throws {
        let s = try PDFSample.shared.get()
        let tampered = try PDFTamper.appendWhiteBox(to: try lta(), over: s.layout.valueBoxes[6])
        let report = try PDFVerify.verify(pdf: tampered, verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .modifiedAfterSigning, "\(report)")
        #expect(report.signatures.allSatisfy { $0.modifiedAfterSigning })
        #expect(report.problem?.en.contains("page") == true, "\(String(describing: report.problem))")
    }

    @Test func aDSSUpdateThatAlsoAltersAFormFieldFails() throws {
        let pdf = try lta()
        let doc = try PDFDocument(pdf)
        let (catalogRef, catalogDict) = try doc.catalog()
        let size = try #require(doc.trailer["Size"]?.int)
        let fields = try #require(catalogDict["AcroForm"]?.dict?["Fields"]?.array)
        let widgetRef = try #require(fields.first?.ref)
        var widget = try #require(try doc.object(widgetRef.0).dict)
        widget["F"] = .int(4)  // the signed field made visible/unlocked
        var update = PAdES.IncrementalUpdate(next: size)
        let dssNum = update.allocate()
        var catalog = catalogDict
        catalog["DSS"] = .ref(dssNum, 0)
        update.objects.append((dssNum, 0, PDFWriter.serialize(.dict(PDFDict(["Type": .name("DSS"), "VRI": .dict(PDFDict())])))))
        update.objects.append((widgetRef.0, widgetRef.1, PDFWriter.serialize(.dict(widget))))
        update.objects.append((catalogRef.0, catalogRef.1, PDFWriter.serialize(.dict(catalog))))
        let forged = PAdES.write(update, after: pdf, doc: doc, catalogRef: catalogRef, sigNum: -1, pdfTime: "D:20260101000000Z").out
        let report = try PDFVerify.verify(pdf: forged, verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .modifiedAfterSigning, "\(report)")
        #expect(report.problem?.en.contains("object \(widgetRef.0)") == true, "\(String(describing: report.problem))")

        // The same update without the widget change is a plain DSS update: allowed.
        var clean = PAdES.IncrementalUpdate(next: size)
        _ = clean.allocate()
        clean.objects = update.objects.filter { $0.num != widgetRef.0 }
        let fine = PAdES.write(clean, after: pdf, doc: doc, catalogRef: catalogRef, sigNum: -1, pdfTime: "D:20260101000000Z").out
        #expect(try PDFVerify.verify(pdf: fine, verifier: try fx.verifier()).indication == .passed)
    }

    @Test func anExistingObjectPassedOffAsValidationDataFails() throws {
        // The page's content stream redefined and referenced from a new DSS as if it were a certificate.
        let pdf = try lta()
        let doc = try PDFDocument(pdf)
        let (catalogRef, catalogDict) = try doc.catalog()
        let (_, page) = try doc.firstPage()
        let contentRef = try #require(page["Contents"]?.ref ?? page["Contents"]?.array?.first?.ref)
        let size = try #require(doc.trailer["Size"]?.int)
        var update = PAdES.IncrementalUpdate(next: size)
        let dssNum = update.allocate()
        let paint = "0 0 0 rg 0 0 600 800 re f\n"
        update.objects.append((contentRef.0, contentRef.1, Array("<< /Length \(paint.utf8.count) >>\nstream\n\(paint)\nendstream".utf8)))
        update.objects.append(
            (dssNum, 0, PDFWriter.serialize(.dict(PDFDict(["Type": .name("DSS"), "Certs": .array([.ref(contentRef.0, contentRef.1)])])))))
        var catalog = catalogDict
        catalog["DSS"] = .ref(dssNum, 0)
        update.objects.append((catalogRef.0, catalogRef.1, PDFWriter.serialize(.dict(catalog))))
        let forged = PAdES.write(update, after: pdf, doc: doc, catalogRef: catalogRef, sigNum: -1, pdfTime: "D:20260101000000Z").out
        let report = try PDFVerify.verify(pdf: forged, verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .modifiedAfterSigning, "\(report)")
    }

    @Test func tooManyUpdatesAfterASignatureAreRefusedWithinBudget() throws {
        // Each later revision is read twice; past `maxLaterRevisions` the file is refused, not read further.
        var pdf = try PDFSample.shared.get().pdf
        for _ in 0...PDFUpdateCheck.maxLaterRevisions { pdf = try PAdES.addValidationData(pdf: pdf, [], time: try fx.now) }
        let report = try PDFVerify.verify(pdf: pdf, verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .modifiedAfterSigning, "\(report.problem as Any)")
        #expect(report.problem?.en.contains("too many") == true, "\(report.problem as Any)")
    }

    @Test func aNewAnnotationPassedOffAsValidationDataFails() throws {
        // A dictionary that is not DSS data, reachable only from a new DSS, is still refused.
        let pdf = try lta()
        let doc = try PDFDocument(pdf)
        let (catalogRef, catalogDict) = try doc.catalog()
        let size = try #require(doc.trailer["Size"]?.int)
        var update = PAdES.IncrementalUpdate(next: size)
        let annot = update.allocate()
        let dssNum = update.allocate()
        let square = PDFDict(["Type": .name("Annot"), "Subtype": .name("Square"), "Rect": .array([.int(0), .int(0), .int(99), .int(99)])])
        update.objects.append((annot, 0, PDFWriter.serialize(.dict(square))))
        update.objects.append((dssNum, 0, PDFWriter.serialize(.dict(PDFDict(["Type": .name("DSS"), "Certs": .array([.ref(annot, 0)])])))))
        var catalog = catalogDict
        catalog["DSS"] = .ref(dssNum, 0)
        update.objects.append((catalogRef.0, catalogRef.1, PDFWriter.serialize(.dict(catalog))))
        let forged = PAdES.write(update, after: pdf, doc: doc, catalogRef: catalogRef, sigNum: -1, pdfTime: "D:20260101000000Z").out
        let report = try PDFVerify.verify(pdf: forged, verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .modifiedAfterSigning, "\(report)")
        #expect(report.problem?.en.contains("not validation data") == true, "\(report.problem as Any)")
    }

    @Test func trailingBytesAfterTheLastUpdateStillFail() throws {
        let report = try PDFVerify.verify(pdf: try lta() + Array("% more\n".utf8), verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .modifiedAfterSigning, "\(report)")
    }

    // MARK: Time travel

    @Test func signedIn2019RenewedIn2031VerifiesIn2045() throws {
        let tt = try LongTermPKI.shared.get()
        let signed = try tt.signedLTA()
        // Before the TSA certificate expires (2032) the copy holds without renewal.
        let in2030 = try PDFVerify.verify(pdf: signed, verifier: tt.verifier(), at: LongTermPKI.date("2030-06-01T00:00:00Z"))
        #expect(in2030.indication == .passed, "\(in2030)")
        // In 2045, without renewal: the first TSA's certificate expired in 2032.
        let unrenewed = try PDFVerify.verify(pdf: signed, verifier: tt.verifier(), at: LongTermPKI.date("2045-01-01T00:00:00Z"))
        #expect(unrenewed.indication == .indeterminate && unrenewed.reason == .longTermProofLapsed, "\(unrenewed)")
        #expect(unrenewed.problem?.en.contains("expired on 2032") == true, "\(String(describing: unrenewed.problem))")
        #expect(unrenewed.problem?.vi.contains("hết hạn") == true)
        #expect(unrenewed.signatures.allSatisfy { $0.indication == .passed })  // every part is sound; the proof lapsed

        // Renewed in 2031 by a new TSA: verified in 2045 from the file alone (no CRLs in the verifier's trust).
        let renewed = try tt.renew(signed, at: "2031-06-01T00:00:00Z")
        if let out = ProcessInfo.processInfo.environment["HOSO_PDF_TEST_OUT"] {
            try Data(signed).write(to: URL(fileURLWithPath: out + "/signed-2019.pdf"))
            try Data(renewed).write(to: URL(fileURLWithPath: out + "/renewed-2031.pdf"))
            for (i, root) in tt.roots.enumerated() { try Data(root.pem.utf8).write(to: URL(fileURLWithPath: out + "/tt-root-\(i).pem")) }
        }
        let in2045 = try PDFVerify.verify(pdf: renewed, verifier: tt.verifier(), at: LongTermPKI.date("2045-01-01T00:00:00Z"))
        #expect(in2045.indication == .passed, "\(in2045)")
        #expect(in2045.longTerm?.count == 3 && in2045.longTerm?.allSatisfy { $0.holds } == true, "\(String(describing: in2045.longTerm))")
        #expect(in2045.signatures.first?.signature?.timeProof == .timestamp)
        // In 2051 the second TSA's certificate (to 2050) has expired too: renewal was due again.
        let in2051 = try PDFVerify.verify(pdf: renewed, verifier: tt.verifier(), at: LongTermPKI.date("2051-01-01T00:00:00Z"))
        #expect(in2051.indication == .indeterminate && in2051.reason == .longTermProofLapsed, "\(in2051)")
    }

    @Test func pyHankoAgreesIn2045() throws {
        let python = pythonTool("python")
        try #require(FileManager.default.isExecutableFile(atPath: python), "tools/setup makes .build-py")
        let tt = try LongTermPKI.shared.get()
        let signed = try tt.signedLTA()
        let renewed = try tt.renew(signed, at: "2031-06-01T00:00:00Z")
        let dir = try scratchDirectory("pyhanko-lta")
        var roots = [String]()
        for (i, root) in tt.roots.enumerated() {
            roots += ["--root", dir + "/root-\(i).pem"]
            try Data(root.pem.utf8).write(to: URL(fileURLWithPath: dir + "/root-\(i).pem"))
        }
        func validate(_ pdf: [UInt8], _ name: String) throws -> ProgramOutput {
            try Data(pdf).write(to: URL(fileURLWithPath: dir + "/" + name))
            return try pdfRun(
                python, [repoRoot + "/tools/pyhanko-validate-lta", dir + "/" + name, "--at", "2045-01-01T00:00:00Z"] + roots)
        }
        // pyHanko's AdES long-term validation (ETSI EN 319 102-1 §5.6.3) with the file's own data, at 2045.
        let ok = try validate(renewed, "renewed.pdf")
        #expect(ok.status == 0 && ok.output.contains("AdESPassed"), "\(ok.output)")
        let lapsed = try validate(signed, "signed.pdf")
        #expect(lapsed.status == 1 && lapsed.output.contains("AdESIndeterminate"), "\(lapsed.output)")
    }

    @Test func aRenewalAfterTheTSACertificateExpiredDoesNotMendTheChain() throws {
        let tt = try LongTermPKI.shared.get()
        let late = try tt.renew(try tt.signedLTA(), at: "2033-06-01T00:00:00Z")
        let r = try PDFVerify.verify(pdf: late, verifier: tt.verifier(), at: LongTermPKI.date("2045-01-01T00:00:00Z"))
        #expect(r.indication == .indeterminate && r.reason == .longTermProofLapsed, "\(r)")
        #expect(r.longTerm?.map(\.holds) == [true, false, true], "\(String(describing: r.longTerm))")
    }
}

/// A PKI made with `openssl ca` so that its certificates can be valid in 2019: the office seal's CA (root to 2030),
/// a first TSA (to 2032, its root to 2040) and a second TSA from 2031 (to 2050, its root to 2060), with CRLs of
/// 2019, 2031 and 2033.
final class LongTermPKI: Sendable {
    let seal: SigningIdentity
    let tsa1: SigningIdentity
    let tsa2: SigningIdentity
    let roots: [Certificate]
    /// CRLs of 2019, 2031 and 2033 (an archive holds those issued by the day it renews).
    let crls: [CRL]

    static let shared = Result { try LongTermPKI() }

    static func date(_ iso: String) -> Date { HosoClock.parse(iso)! }

    private init() throws {
        let dir = TempDirectory()
        let ca = try OpenSSLCA(in: dir.path, organization: "hoso long-term test")
        try ca.database("db")
        func issue(_ name: String, _ cn: String, _ ext: String, by issuer: String?, _ start: String, _ end: String) throws {
            try ca.issue(name, cn: cn, ext: ext, by: issuer, start: start, end: end, database: "db")
        }
        try issue("root", "Seal Root 2019-2030", "root_ext", by: nil, "20190101000000Z", "20301231235959Z")
        try issue("seal", "Phòng GD&ĐT Tân Lập", "leaf_ext", by: "root", "20190101000000Z", "20291231235959Z")
        try issue("tsaroot1", "TSA Root 1", "root_ext", by: nil, "20190101000000Z", "20401231235959Z")
        try issue("tsa1", "TSA 1", "tsa_ext", by: "tsaroot1", "20190101000000Z", "20321231235959Z")
        try issue("tsaroot2", "TSA Root 2", "root_ext", by: nil, "20310101000000Z", "20601231235959Z")
        try issue("tsa2", "TSA 2", "tsa_ext", by: "tsaroot2", "20310101000000Z", "20501231235959Z")
        func crl(_ issuer: String, _ last: String, _ next: String) throws -> CRL {
            let out = "\(issuer)-\(last.prefix(4))"
            try ca.crl(database: "db", cert: issuer, key: issuer, ext: "crl_plain", last: last, next: next, out: out)
            return try CRL.load(try dir.read("\(out).pem"))[0]
        }
        crls = [
            // Issued after the signing (10:00) and before the document timestamp (12:00), as LTV collects them.
            try crl("root", "20190602110000Z", "20191231000000Z"), try crl("tsaroot1", "20190602110000Z", "20191231000000Z"),
            try crl("tsaroot1", "20310101000000Z", "20311231000000Z"), try crl("tsaroot2", "20310101000000Z", "20311231000000Z"),
            try crl("tsaroot1", "20330101000000Z", "20331231000000Z"), try crl("tsaroot2", "20330101000000Z", "20331231000000Z"),
        ]
        func identity(_ name: String) throws -> SigningIdentity {
            SigningIdentity(
                key: try PrivateKey.load(pem: try dir.read("\(name).key")),
                certificate: try Certificate.load(try dir.read("\(name).pem"))[0])
        }
        seal = try identity("seal")
        tsa1 = try identity("tsa1")
        tsa2 = try identity("tsa2")
        roots = try ["root", "tsaroot1", "tsaroot2"].map { try Certificate.load(try dir.read("\($0).pem"))[0] }
    }

    /// Trusts the three roots and nothing else: every CRL must come from the file.
    func verifier() -> SignatureVerifier {
        SignatureVerifier(trust: TrustContext(roots: roots), clock: .fixed(Self.date("2099-01-01T00:00:00Z")))
    }

    /// The sample copy signed on 2019-06-02 at 10:00 with a signature timestamp from TSA 1, then made B-LTA at 12:00.
    func signedLTA() throws -> [UInt8] {
        let at = Self.date("2019-06-02T10:00:00Z")
        let tsa = try TimeStampAuthority(identity: tsa1, clock: .fixed(at))
        let unsigned = try PDFRender.render(PDFSample.document())
        let signed = try PAdES.sign(
            pdf: unsigned, signer: seal, attachment: (PDFSample.attachmentName, PDFSample.ledgerEntry, "application/json"),
            reason: nil, location: nil, time: at, timestamp: { try tsa.token(forDigest: SHA256.hash($0)) })
        let later = at + 2 * 3600
        let stamp = try TimeStampAuthority(identity: tsa1, clock: .fixed(later))
        return try PAdES.extendToLTA(
            pdf: signed, trust: TrustContext(roots: roots, crls: crls.filter { $0.thisUpdate <= later }), time: later,
            timestamp: { try stamp.token(forDigest: SHA256.hash($0)) })
    }

    /// `pdf` renewed at `iso` by TSA 2, with the CRLs an archive would hold then.
    func renew(_ pdf: [UInt8], at iso: String) throws -> [UInt8] {
        let at = Self.date(iso)
        let tsa = try TimeStampAuthority(identity: tsa2, clock: .fixed(at))
        return try PAdES.extendToLTA(
            pdf: pdf, trust: TrustContext(roots: roots, crls: crls.filter { $0.thisUpdate <= at }), time: at,
            timestamp: { try tsa.token(forDigest: SHA256.hash($0)) })
    }
}
