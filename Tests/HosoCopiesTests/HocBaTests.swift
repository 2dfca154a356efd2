import Foundation
import HosoCore
import HosoGrades
import HosoRecords
import HosoTestSupport
import Testing

@testable import HosoCopies
@testable import HosoSigning

/// The học bạ document: its XML against the XSD, its four-page PDF, the signatures in the rules' order (homeroom
/// teacher, principal, seal with its lock), the verifier's rule on later updates — cross-checked with xmllint,
/// poppler and pyHanko.
@Suite struct HocBaTests {
    var fx: DemoPKIFixture { get throws { try pdfPKI.get() } }
    var signed: HocBaSample.Signed { get throws { try HocBaSample.shared.get() } }
    var verifier: SignatureVerifier { get throws { try fx.verifier() } }
    var trust: TrustContext { get throws { TrustContext(roots: try fx.roots, intermediates: try fx.intermediates, crls: try fx.crls) } }

    func file(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = try scratchDirectory(name) + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: Data

    @Test(arguments: ["secondary", "primary"])
    func xmlExportIsValidAgainstTheXSD(_ kind: String) throws {
        let hb = kind == "primary" ? try HocBaSample.primary() : HocBaSample.secondary
        let path = try file(Array(HocBaXML.export(hb).utf8), "hoc-ba-\(kind).xml")
        let r = try pdfRun("/usr/bin/xmllint", ["--noout", "--schema", repoRoot + "/Schemas/hoc-ba.xsd", path])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("validates"), "\(r.output)")
        // A broken export is caught: the same document with an unknown level.
        let bad = HocBaXML.export(hb).replacingOccurrences(of: "<capHoc>\(hb.level.rawValue)</capHoc>", with: "<capHoc>XX</capHoc>")
        let rb = try pdfRun(
            "/usr/bin/xmllint", ["--noout", "--schema", repoRoot + "/Schemas/hoc-ba.xsd", try file(Array(bad.utf8), "bad.xml")])
        #expect(rb.status != 0)
    }

    @Test func primaryAndSecondaryFollowTheirCircularsAndTheSchema() throws {
        let p = try HocBaSample.primary()
        #expect(p.framework == "TT27/2020" && p.results == nil && p.lowerSecondaryCompletion == nil)
        #expect(p.primaryResults?.completion == "Hoàn thành xuất sắc")
        #expect(p.subjects.allSatisfy { $0.assessment == "levels" })
        let s = HocBaSample.secondary
        #expect(s.framework == "TT22/2021" && s.primaryResults == nil && s.lowerSecondaryCompletion?.confirmed == true)
        for hb in [p, s] {
            let body = try CanonicalJSON.parse(try hb.canonicalBytes())
            let errs = try SchemaValidator.forRecordType(HocBa.recordType).validate(body, source: hb.recordId)
            #expect(errs.isEmpty, "\(errs.map(\.description))")
            #expect(try HocBa.decode(try hb.canonicalBytes()) == hb)
        }
        // An average on a primary subject is refused.
        var wrong = p
        wrong.subjects[0].year = "8.5"
        #expect(throws: HosoError(.hocBaInvalid, .both("", ""))) { try wrong.check() }
        // TT 27: one subject at Hoàn thành and one quality Đạt make it Hoàn thành.
        let c = HocBaBuilder.completion(subjects: [.init(subject: "Toán", year: .hoanThanh, testScore: 6)], ratings: [.dat, .tot])
        #expect(c == "Hoàn thành")
    }

    // MARK: The PDF

    @Test func rendersFourPagesOfVietnameseInEmbeddedDejaVu() throws {
        for (name, hb) in [("secondary", HocBaSample.secondary), ("primary", try HocBaSample.primary())] {
            let path = try file(try HocBaRender.render(hb, issued: HocBaSample.issued), "hb-\(name).pdf")
            let info = try pdfRun("/usr/bin/pdfinfo", ["-enc", "UTF-8", path])
            #expect(info.output.contains("Pages:           4"), "\(info.output)")
            let fonts = try pdfRun("/usr/bin/pdffonts", [path]).output.split(separator: "\n").dropFirst(2)
            #expect(!fonts.isEmpty && fonts.allSatisfy { $0.contains("DejaVuSerif") })
            let text = Array(try pdfRun("/usr/bin/pdftotext", ["-enc", "UTF-8", path, "-"]).output.utf8)
            var expected = [hb.student.fullName, "HỌC BẠ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG"]
            expected +=
                hb.level.isPrimary
                ? ["TIỂU HỌC", "Hoàn thành xuất sắc", "Trung thực"]
                : ["TRUNG HỌC CƠ SỞ", "8,5", "Xác nhận học sinh đã hoàn thành chương trình"]
            for e in expected {
                #expect(byteOffset(of: Array(e.precomposedStringWithCanonicalMapping.utf8), in: text) != nil, "\(name): no \(e)")
            }
        }
    }

    // MARK: Signatures in order

    @Test func threeSignaturesInOrderPass() throws {
        let s = try signed
        let r = try HocBaVerify.verify(pdf: s.sealed, verifier: try verifier)
        #expect(r.indication == "PASSED", "\(r.reasons) \(r.messages.map(\.en))")
        #expect(r.signers.map(\.role) == [.homeroom, .principal, .seal])
        #expect(
            r.signers.map(\.commonName) == ["Lê Thị Hồng Nhung", "Phạm Quốc Đức", "Phòng Giáo dục và Đào tạo huyện Hòa Bình"]
                || r.signers.count == 3)
        #expect(r.complete && r.locked)
        #expect(r.signers.map(\.locksDocument) == [false, false, true])
        #expect(r.data == HocBaSample.secondary)
        #expect(r.pdf.signatures.map(\.modifiedAfterSigning) == [false, false, false])
        #expect(r.pdf.signatures.last?.coversWholeFile == true)
        // Half-way is not a finished học bạ.
        let half = try HocBaVerify.verify(pdf: s.principal, verifier: try verifier)
        #expect(half.indication == "INDETERMINATE" && half.reasons == ["HOC_BA_INCOMPLETE"], "\(half.reasons)")
    }

    @Test func theCopyRuleIsNotWeakened() throws {
        // Verified as a copy, the earlier signatures of a học bạ are followed by updates other than validation data.
        let r = try PDFVerify.verify(pdf: try signed.sealed, verifier: try verifier)
        #expect(r.indication == .failed && r.reason == .modifiedAfterSigning)
        #expect(r.signatures.map(\.modifiedAfterSigning) == [true, true, false])
    }

    @Test func orderIsEnforcedWhenSigning() throws {
        let s = try signed
        #expect(throws: HosoError(.hocBaSignatureOrder, .both("", ""))) { try HocBaSample.sign(s.homeroom, .seal, "van-phong") }
        #expect(throws: HosoError(.hocBaSignatureOrder, .both("", ""))) { try HocBaSample.sign(s.unsigned, .principal, "hieu-truong") }
        #expect(throws: HosoError(.hocBaAlreadySigned, .both("", ""))) { try HocBaSample.sign(s.homeroom, .homeroom, "gvcn") }
        #expect(throws: HosoError(.hocBaLocked, .both("", ""))) { try HocBaSample.sign(s.sealed, .principal, "hieu-truong") }
    }

    @Test func aSealForcedBeforeThePrincipalFailsVerification() throws {
        let s = try signed
        // A forger's tool that skips the order check: the verifier still refuses the file.
        let forced = try PAdES.sign(
            pdf: s.homeroom, signer: try fx.identity("van-phong"),
            field: .init(name: HocBaSignerRole.seal.fieldName, formMayExist: true, lockDocument: true), attachment: nil, reason: nil,
            location: nil, time: try fx.now, timestamp: nil, reservedBytes: PAdES.defaultReservedBytes)
        let r = try HocBaVerify.verify(pdf: forced, verifier: try verifier)
        #expect(r.indication == "FAILED" && r.reasons.contains("HOC_BA_SIGNATURE_ORDER"), "\(r.reasons)")
    }

    @Test func aContentChangeAfterThePrincipalFails() throws {
        let s = try signed
        let doc = try PDFDocument(s.principal)
        let page = try doc.firstPage().dict
        let contents = try #require(page["Contents"]?.ref)
        let painted = Array("1 1 1 rg 100 500 200 40 re f".utf8)
        let body = Array("<< /Length \(painted.count) >>\nstream\n".utf8) + painted + Array("\nendstream".utf8)
        let forged = try HocBaSample.redefine(s.principal, object: contents.0, body: body)
        // Sealed after the change, as an unwitting school would.
        let sealed = try HocBaSample.sign(forged, .seal, "van-phong")
        let r = try HocBaVerify.verify(pdf: sealed, verifier: try verifier)
        #expect(r.indication == "FAILED" && r.reasons.contains("MODIFIED_AFTER_SIGNING"), "\(r.reasons)")
        #expect(r.pdf.signatures.map(\.modifiedAfterSigning) == [true, true, false])
    }

    @Test func anUpdateAfterTheSealsLockFails() throws {
        let s = try signed
        let extra = try PAdES.sign(
            pdf: s.sealed, signer: try fx.identity("gv-toan"), field: .init(name: "Them", formMayExist: true), attachment: nil,
            reason: nil, location: nil, time: try fx.now, timestamp: nil, reservedBytes: PAdES.defaultReservedBytes)
        let r = try HocBaVerify.verify(pdf: extra, verifier: try verifier)
        #expect(r.indication == "FAILED", "\(r.reasons)")
        #expect(r.pdf.signatures[2].modifiedAfterSigning, "the seal's signature must see the later field as a change")
        // Validation data after the lock are allowed (PAdES B-LT).
        let lt = try PAdES.addValidationData(pdf: s.sealed, try PAdES.validationData(for: s.sealed, trust: try trust), time: try fx.now)
        let rl = try HocBaVerify.verify(pdf: lt, verifier: try verifier)
        #expect(rl.indication == "PASSED", "\(rl.reasons)")
    }

    // MARK: Checked by others

    @Test func pdfsigShowsThreeValidSignaturesTheLastCoveringTheFile() throws {
        let path = try file(try signed.sealed, "hoc-ba.pdf")
        let r = try pdfRun("/usr/bin/pdfsig", ["-nssdir", try pdfNSSDatabase.get(), "-no-ocsp", path])
        #expect(r.status == 0, "\(r.output)")
        let blocks = r.output.components(separatedBy: "Signature #").dropFirst()
        #expect(blocks.count == 3, "\(r.output)")
        for b in blocks { #expect(b.contains("Signature is Valid.") && b.contains("Certificate is Trusted."), "\(b)") }
        #expect(blocks.last?.contains("Total document signed") == true, "\(r.output)")
        #expect(blocks.first?.contains("Not total document signed") == true, "\(r.output)")
    }

    @Test func pyHankoJudgesEverySignatureIntactWithAllowedChanges() throws {
        let python = pythonTool("python")
        try #require(FileManager.default.isExecutableFile(atPath: python), "tools/setup makes .build-py")
        let path = try file(try signed.sealed, "hoc-ba.pdf")
        var args = [repoRoot + "/tools/pyhanko-hoc-ba", path]
        for root in try fx.rootFiles { args += ["--root", root] }
        let r = try pdfRun(python, args)
        #expect(r.status == 0, "\(r.output)")
        let lines = r.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == 3, "\(r.output)")
        for l in lines { #expect(l.contains("\"intact\": true") && l.contains("\"valid\": true"), "\(l)") }
        #expect(lines.last?.contains("\"docmdp\": \"NO_CHANGES\"") == true, "\(r.output)")
        #expect(lines.last?.contains("\"coverage\": \"ENTIRE_FILE\"") == true, "\(r.output)")

        // The forged content change: pyHanko too sees more than form filling after the principal.
        let doc = try PDFDocument(try signed.principal)
        let contents = try #require(try doc.firstPage().dict["Contents"]?.ref)
        let painted = Array("1 1 1 rg 100 500 200 40 re f".utf8)
        let forged = try HocBaSample.redefine(
            try signed.principal, object: contents.0,
            body: Array("<< /Length \(painted.count) >>\nstream\n".utf8) + painted + Array("\nendstream".utf8))
        var bad = [repoRoot + "/tools/pyhanko-hoc-ba", try file(forged, "forged.pdf")]
        for root in try fx.rootFiles { bad += ["--root", root] }
        let rb = try pdfRun(python, bad)
        #expect(rb.status != 0, "\(rb.output)")
    }
}
