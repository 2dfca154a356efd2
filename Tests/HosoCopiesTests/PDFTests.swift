import Foundation
import HosoCore
import HosoTestSupport
import Testing

@testable import HosoCopies
@testable import HosoSigning

/// Certified copies as PDF: cairo/pango rendering, PAdES signing, and verification — cross-checked with poppler
/// (pdffonts, pdftotext, pdfdetach, pdfsig) and pyHanko.
@Suite struct PDFTests {
    var fx: DemoPKIFixture { get throws { try pdfPKI.get() } }
    var sample: PDFSample.Signed { get throws { try PDFSample.shared.get() } }

    func file(_ bytes: [UInt8], _ name: String = "copy.pdf") throws -> String {
        let path = try scratchDirectory(name) + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: Rendering

    @Test func rendersAnEmbeddedDejaVuFontAndNFCText() throws {
        let path = try file(try sample.unsigned)
        let fonts = try pdfRun("/usr/bin/pdffonts", [path])
        #expect(fonts.status == 0, "\(fonts.output)")
        let fontLines = fonts.output.split(separator: "\n").dropFirst(2)
        #expect(!fontLines.isEmpty)
        for line in fontLines {
            #expect(line.contains("DejaVuSerif"), "not DejaVu: \(line)")
            // Columns: name type encoding emb sub uni object ID.
            let cols = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(cols.count >= 7 && cols[cols.count - 5] == "yes", "not embedded: \(line)")
        }

        let text = try pdfRun("/usr/bin/pdftotext", ["-enc", "UTF-8", path, "-"])
        #expect(text.status == 0)
        // Byte comparison: Swift's String == treats NFD and NFC as equal, so compare the UTF-8.
        let extracted = Array(text.output.utf8)
        for expected in [
            PDFSample.holder, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
            "BẢN SAO VĂN BẰNG TỪ SỔ GỐC", "Số: 37/BS", "Xã Đông Hưng", "Xếp loại tốt nghiệp:", "Khá", "Vũ Minh Tuấn",
        ] {
            let nfc = Array(expected.precomposedStringWithCanonicalMapping.utf8)
            #expect(byteOffset(of: nfc, in: extracted) != nil, "pdftotext lacks \(expected) in NFC:\n\(text.output)")
        }
        let nfd = Array(PDFSample.holder.decomposedStringWithCanonicalMapping.utf8)
        #expect(byteOffset(of: nfd, in: extracted) == nil)

        let info = try pdfRun("/usr/bin/pdfinfo", ["-enc", "UTF-8", path])
        #expect(info.output.contains("Creator:         hoso"), "\(info.output)")
        #expect(info.output.contains("Title:           BẢN SAO VĂN BẰNG TỪ SỔ GỐC — Số 37/BS"), "\(info.output)")
        #expect(info.output.contains("Page size:       595.276 x 841.89 pts (A4)"), "\(info.output)")
    }

    @Test func decomposedInputIsDrawnAsNFC() throws {
        var doc = PDFSample.document()
        doc.rows[0].value = PDFSample.holder.decomposedStringWithCanonicalMapping
        let path = try file(try PDFRender.render(doc))
        let text = Array(try pdfRun("/usr/bin/pdftotext", ["-enc", "UTF-8", path, "-"]).output.utf8)
        #expect(byteOffset(of: Array(PDFSample.holder.precomposedStringWithCanonicalMapping.utf8), in: text) != nil)
    }

    @Test func qrMatrixIsCheckedAndDrawn() throws {
        #expect(throws: HosoError(.pdfRenderFailed, .both("", ""))) {
            var doc = PDFSample.document()
            doc.qrModules = [[true, false], [true]]
            _ = try PDFRender.render(doc)
        }
        let s = try sample
        let box = try #require(s.layout.qrBox)
        #expect(box.width == 96 && box.x == PDFRender.marginLeft)
        // A version-15 code (77 modules) gets 1.5 pt modules and its quiet zone.
        let big = (0..<77).map { r in (0..<77).map { c in (r ^ c) & 1 == 0 } }
        let layout = try PDFRender.renderWithLayout(PDFSample.document(qr: big)).layout
        #expect(layout.qrBox?.width == 127.5)
        // Too much text for one page is refused, not cut off.
        #expect(throws: HosoError(.pdfRenderFailed, .both("", ""))) {
            var doc = PDFSample.document(qr: big)
            doc.rows += Array(repeating: CopyDocument.Row(label: "Ghi chú:", value: "…"), count: 40)
            _ = try PDFRender.render(doc)
        }
    }

    /// The QR is one small 1-bit image, not thousands of rectangles in the content stream, and it still reads
    /// after the page is rasterised at a low resolution.
    @Test func theQRIsAnImageThatScansFromTheRenderedPage() throws {
        let text = "HS1:" + String(repeating: "KIEM TRA BAN SAO 0123456789 ", count: 6)
        let code = try QRCode.modules(for: text)
        let path = try file(try PDFRender.render(PDFSample.document(qr: code.modules)), "qr-image.pdf")
        let images = try pdfRun("/usr/bin/pdfimages", ["-list", path]).output
        let rows = images.split(separator: "\n").filter { $0.contains(" image ") }
        #expect(rows.count == 1 && rows[0].contains(" gray ") && rows[0].split(separator: " ").contains("1"), "\(images)")
        for dpi in ["100", "150"] {
            let out = path + "-\(dpi)"
            #expect(try pdfRun("/usr/bin/pdftoppm", ["-r", dpi, "-gray", "-singlefile", path, out]).status == 0)
            let pgm = try #require(FileManager.default.contents(atPath: out + ".pgm"))
            let found = try QRCode.decode(pnm: Array(pgm))
            #expect(found == [text], "at \(dpi) dpi: \(found)")
        }
    }

    /// Threads render at once (no lock around cairo and pango): every copy comes out whole and with its text.
    @Test func threadsRenderAtOnce() throws {
        let doc = PDFSample.document(qr: PDFSample.fakeQR)
        let alone = try PDFRender.render(doc)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var items = [Result<[UInt8], any Error>]()
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<3 {
                let r = Result { try PDFRender.render(doc) }
                results.lock.withLock { results.items.append(r) }
            }
        }
        let all = results.lock.withLock { results.items }
        #expect(all.count == 24)
        let expected = try pdfRun("/usr/bin/pdftotext", ["-enc", "UTF-8", try file(alone, "alone.pdf"), "-"]).output
        for (i, r) in all.enumerated() {
            let pdf = try r.get()
            #expect(abs(pdf.count - alone.count) < 64, "render \(i): \(pdf.count) bytes against \(alone.count)")
            if i % 6 == 0 {
                let text = try pdfRun("/usr/bin/pdftotext", ["-enc", "UTF-8", try file(pdf, "t\(i).pdf"), "-"]).output
                #expect(text == expected)
            }
        }
    }

    // MARK: Signing, checked by others

    @Test func pdfsigSaysValidTrustedAndTotal() throws {
        let path = try file(try sample.pdf)
        let r = try pdfRun("/usr/bin/pdfsig", ["-nssdir", try pdfNSSDatabase.get(), "-no-ocsp", path])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("Signature is Valid."), "\(r.output)")
        #expect(r.output.contains("Certificate is Trusted."), "\(r.output)")
        #expect(r.output.contains("Total document signed"), "\(r.output)")
        #expect(r.output.contains("ETSI.CAdES.detached"), "\(r.output)")
    }

    @Test func pyHankoSaysValid() throws {
        let pyhanko = pythonTool("pyhanko")
        try #require(
            FileManager.default.isExecutableFile(atPath: pyhanko),
            "pyHanko's CLI is missing: tools/setup installs pyhanko-cli into .build-py")
        let path = try file(try sample.pdf)
        var args = ["sign", "validate", "--no-revocation-check", "--trust-replace"]
        for root in try fx.rootFiles { args += ["--trust", root] }
        let r = try pdfRun(pyhanko, args + ["--pretty-print", path])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("The signature is judged VALID"), "\(r.output)")
        #expect(r.output.contains("Bottom line"), "\(r.output)")
        #expect(r.output.contains("The signature is cryptographically sound"), "\(r.output)")
        #expect(r.output.contains("The signature covers the entire file"), "\(r.output)")
        // B-T: the signature timestamp is seen and trusted.
        #expect(r.output.contains("Signature timestamp"), "\(r.output)")

        let summary = try pdfRun(pyhanko, args + ["--executive-summary", path])
        #expect(summary.status == 0 && summary.output.contains("VALID"), "\(summary.output)")
    }

    @Test func attachmentIsListedAndReadBack() throws {
        let s = try sample
        let path = try file(s.pdf)
        let list = try pdfRun("/usr/bin/pdfdetach", ["-enc", "UTF-8", "-list", path])
        #expect(list.output.contains("1 embedded files") && list.output.contains("1: \(PDFSample.attachmentName)"), "\(list.output)")
        let saved = (path as NSString).deletingLastPathComponent + "/detached.json"
        let save = try pdfRun("/usr/bin/pdfdetach", ["-save", "1", "-o", saved, path])
        #expect(save.status == 0, "\(save.output)")
        #expect([UInt8](FileManager.default.contents(atPath: saved) ?? Data()) == PDFSample.ledgerEntry)

        #expect(PDFParse.attachment(named: PDFSample.attachmentName, in: s.pdf) == PDFSample.ledgerEntry)
        #expect(PDFParse.attachmentNames(in: s.pdf) == [PDFSample.attachmentName])
        #expect(PDFParse.attachment(named: "other.json", in: s.pdf) == nil)
        #expect(PDFParse.attachment(named: PDFSample.attachmentName, in: s.unsigned) == nil)
    }

    // MARK: Our own reading and verification

    @Test func inspectFindsOneWholeFileCAdESSignature() throws {
        let s = try sample
        let infos = try PDFParse.inspect(s.pdf)
        let info = try #require(infos.first)
        #expect(infos.count == 1)
        #expect(info.fieldName == PAdES.fieldName)
        #expect(info.subFilter == "ETSI.CAdES.detached")
        #expect(info.byteRangeIsWellFormed && info.byteRangeCoversWholeFile)
        #expect(info.laterRevisions == 0 && info.bytesAfterSignedRange == 0)
        #expect(info.byteRange[0] == 0 && info.byteRange[2] + info.byteRange[3] == s.pdf.count)
        #expect(info.signingTime == s.signingTime)
        #expect(info.reason == "Cấp bản sao từ sổ gốc" && info.location == "Hòa Bình, Quảng Ninh")
        #expect(info.signerName == "Vũ Minh Tuấn")
        #expect(try PDFParse.revisions(s.pdf).count == 2)
        #expect(try PDFParse.revisions(s.unsigned).count == 1)
        // PAdES: no signing-time attribute in the CMS; the signature timestamp is there (B-T).
        let sd = try SignedData(der: info.cms)
        #expect(sd.signers.count == 1)
        #expect(sd.signers[0].signingTime == nil)
        #expect(sd.signers[0].timestampToken != nil)
        #expect(sd.signers[0].essMatches(try fx.identity("truong-phong").certificate) == true)
        // The signed bytes are the file without the /Contents string.
        #expect(info.signedBytes.count == s.pdf.count - info.contentsRange.count)
    }

    @Test func verifyPassesWithTheTimestampAsTimeProof() throws {
        let report = try PDFVerify.verify(pdf: try sample.pdf, verifier: try fx.verifier())
        #expect(report.indication == .passed && report.reason == nil, "\(report)")
        let sig = try #require(report.signatures.first)
        #expect(sig.coversWholeFile && !sig.modifiedAfterSigning)
        #expect(sig.signature?.indication == .passed)
        #expect(sig.signature?.timeProof == .timestamp)
        #expect(sig.signature?.signer == "Vũ Minh Tuấn")
        #expect(sig.claimedSigningTime == (try sample.signingTime))
    }

    @Test func unsignedPDFHasNoSignature() throws {
        let report = try PDFVerify.verify(pdf: try sample.unsigned, verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .noSignature)
        #expect(report.signatures.isEmpty)
    }

    @Test func signatureTooLargeForItsPlaceholderFailsClearly() throws {
        let fx = try fx
        #expect(throws: HosoError(.pdfSignatureTooLarge, .both("", ""))) {
            _ = try PAdES.sign(
                pdf: try sample.unsigned, signer: try fx.identity("truong-phong"), attachment: nil,
                reason: nil, location: nil, time: fx.now, timestamp: try fx.stamper(), reservedBytes: 1024)
        }
    }

    @Test func signingTwiceIsRefused() throws {
        let fx = try fx
        #expect(throws: HosoError(.pdfNotSignable, .both("", ""))) {
            _ = try PAdES.sign(
                pdf: try sample.pdf, signer: try fx.identity("truong-phong"), attachment: nil,
                reason: nil, location: nil, time: fx.now, timestamp: nil)
        }
    }

    // MARK: Tampering

    @Test func oneFlippedByteIsHashFailure() throws {
        var pdf = try sample.pdf
        // The Info dictionary's /Creator (hoso), inside the first signed range.
        let at = try #require(byteOffset(of: Array("/Creator (hoso)".utf8), in: pdf))
        pdf[at + "/Creator (ho".utf8.count] ^= 0x01
        let report = try PDFVerify.verify(pdf: pdf, verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .hashFailure, "\(report)")
        #expect(report.signatures.first?.coversWholeFile == true)
    }

    @Test func aWhiteBoxAppendedAfterSigningFoolsPdfsigButNotUs() throws {
        let s = try sample
        // Paint over the graduation grade (row 7 of the ledger rows).
        let grade = s.layout.valueBoxes[6]
        let tampered = try PDFTamper.appendWhiteBox(to: s.pdf, over: grade)
        let path = try file(tampered, "tampered.pdf")
        if let out = ProcessInfo.processInfo.environment["HOSO_PDF_TEST_OUT"] {
            try Data(tampered).write(to: URL(fileURLWithPath: out + "/tampered-copy.pdf"))
        }

        // The gap this test documents: pdfsig still calls the signature valid.
        let r = try pdfRun("/usr/bin/pdfsig", ["-nssdir", try pdfNSSDatabase.get(), "-no-ocsp", path])
        #expect(r.output.contains("Signature is Valid."), "\(r.output)")
        #expect(r.output.contains("Not total document signed"), "\(r.output)")
        // The update is a well-formed PDF that viewers render.
        #expect(try pdfRun("/usr/bin/pdftoppm", ["-r", "20", "-png", path, path + "-page"]).status == 0)
        // pyHanko's difference analysis rejects it.
        let pyhanko = pythonTool("pyhanko")
        if FileManager.default.isExecutableFile(atPath: pyhanko) {
            var args = ["sign", "validate", "--no-revocation-check", "--trust-replace", "--executive-summary"]
            for root in try fx.rootFiles { args += ["--trust", root] }
            let p = try pdfRun(pyhanko, args + [path])
            #expect(p.status != 0 && p.output.contains("INVALID"), "\(p.output)")
        }

        let report = try PDFVerify.verify(pdf: tampered, verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .modifiedAfterSigning, "\(report)")
        let sig = try #require(report.signatures.first)
        #expect(sig.signature?.indication == .passed)  // the signed bytes themselves are intact
        #expect(!sig.coversWholeFile && sig.modifiedAfterSigning && sig.laterRevisions == 1)
        #expect(try PDFParse.revisions(tampered).count == 3)
    }

    @Test func trailingBytesAfterSigningAreAlsoModification() throws {
        let report = try PDFVerify.verify(pdf: try sample.pdf + Array("% nothing\n".utf8), verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .modifiedAfterSigning, "\(report)")
    }

    @Test func aCopySignedByANonOfficeKeyHasNoChainToTheOfficeRoot() throws {
        let fx = try fx
        // The principal's certificate chains to the VGCA test root; the office's trust holds only the NEAC test root.
        let other = try PDFSample.make(signer: "hieu-truong")
        let report = try PDFVerify.verify(pdf: other.pdf, verifier: fx.verifier(roots: [try fx.root("root-neac-test")]))
        #expect(report.indication == .indeterminate && report.reason == .noCertificateChainFound, "\(report)")
    }

    @Test func aMovedByteRangeIsAFormatFailure() throws {
        var pdf = try sample.pdf
        let info = try #require(try PDFParse.inspect(pdf).first)
        // Shift the gap by one byte: the /Contents string is no longer exactly what is left out.
        let text = "0 \(info.byteRange[1]) \(info.byteRange[2]) \(info.byteRange[3])"
        let at = try #require(byteOffset(of: Array(text.utf8), in: pdf))
        let moved = "0 \(info.byteRange[1] + 1) \(info.byteRange[2]) \(info.byteRange[3])"
        pdf.replaceSubrange(at..<at + text.utf8.count, with: Array(moved.utf8))
        let report = try PDFVerify.verify(pdf: pdf, verifier: try fx.verifier())
        #expect(report.indication == .failed && report.reason == .formatFailure, "\(report)")
    }

    // MARK: Hostile input

    @Test func hostileInputThrowsAndNeverCrashes() throws {
        let s = try sample
        let cases: [[UInt8]] = [
            [],
            Array("%PDF-1.5\n".utf8),
            Array(s.pdf.prefix(s.pdf.count / 2)),
            Array("%PDF-1.5\n1 0 obj\n".utf8) + Array(repeating: UInt8(ascii: "["), count: 10_000)
                + Array(
                    "\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n".utf8)
                + Array("\(9 + 16 + 10_000 + 8)\n%%EOF\n".utf8),
            // A /Prev chain that loops on itself.
            Array("%PDF-1.5\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Root 1 0 R /Prev 9 >>\nstartxref\n9\n%%EOF\n".utf8),
            // A subsection that claims a billion entries.
            Array("%PDF-1.5\nxref\n0 1000000000\ntrailer\n<< /Size 1 >>\nstartxref\n9\n%%EOF\n".utf8),
        ]
        for bytes in cases {
            #expect(throws: HosoError.self) { _ = try PDFParse.inspect(bytes) }
        }
        // Random damage to a real copy: inspect either throws a HosoError or returns; verify never crashes.
        var rng = SplitMix64(seed: 42)
        let v = try fx.verifier()
        for _ in 0..<150 {
            var bytes = s.pdf
            let i = Int(rng.next() % UInt64(bytes.count))
            bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            do {
                let report = try PDFVerify.verify(pdf: bytes, verifier: v)
                if report.indication == .passed {
                    // Only a change outside the signed bytes can pass: the zero padding of /Contents, or the
                    // case of a hex digit of the CMS (or no change at all).
                    let info = try PDFParse.inspect(bytes).first
                    #expect(
                        bytes[i] == s.pdf[i] || info.map { $0.contentsRange.contains(i) } == true,
                        "a changed byte at \(i) passed")
                }
            } catch is HosoError {
            }
        }
    }

    // MARK: Speed

    @Test func timings() throws {
        let fx = try fx
        let id = try fx.identity("truong-phong")
        let stamp = try fx.stamper()
        let clock = ContinuousClock()
        let cold = try clock.measure { _ = try PDFRender.render(PDFSample.document()) }  // fontconfig start-up, if first
        let n = 5
        var unsigned = [UInt8]()
        var signed = [UInt8]()
        let rendering = try clock.measure { for _ in 0..<n { unsigned = try PDFRender.render(PDFSample.document(qr: PDFSample.fakeQR)) } }
        let signing = try clock.measure {
            for _ in 0..<n {
                signed = try PAdES.sign(
                    pdf: unsigned, signer: id,
                    attachment: (PDFSample.attachmentName, PDFSample.ledgerEntry, "application/json"),
                    reason: nil, location: nil, time: fx.now, timestamp: stamp)
            }
        }
        let v = fx.verifier()
        var passed = true
        let verifying = try clock.measure { for _ in 0..<n { passed = try PDFVerify.verify(pdf: signed, verifier: v).passed && passed } }
        let inspecting = try clock.measure { for _ in 0..<n { _ = try PDFParse.inspect(signed) } }
        #expect(passed)
        print(
            "PDF timings (debug build, tests running alongside): first render \(cold); render \(rendering / n); "
                + "sign with timestamp \(signing / n); verify \(verifying / n) (of which parsing \(inspecting / n)); \(signed.count) bytes")
    }
}

/// Writes the incremental update an attacker would: a new page revision whose content ends with a white
/// rectangle over `box`. Bracketed by "q" … "Q" streams so the original drawing state cannot leak into it.
enum PDFTamper {
    static func appendWhiteBox(to pdf: [UInt8], over box: PDFRender.Box) throws -> [UInt8] {
        let doc = try PDFDocument(pdf)
        let (pageRef, pageDict) = try doc.firstPage()
        let size = try #require(doc.trailer["Size"]?.int)
        let y = PDFRender.pageHeight - box.y - box.height
        let paint = String(format: "Q q 1 1 1 rg %.2f %.2f %.2f %.2f re f Q\n", box.x - 2, y - 2, box.width + 4, box.height + 4)
        let old: [PDFObject]
        switch pageDict["Contents"] {
        case .array(let a)?: old = a
        case let r?: old = [r]
        case nil: old = []
        }
        var page = pageDict
        page["Contents"] = .array([.ref(size, 0)] + old + [.ref(size + 1, 0)])

        var out = pdf
        var offsets = [(Int, Int)]()
        func object(_ num: Int, _ body: [UInt8]) {
            offsets.append((num, out.count))
            out += Array("\(num) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        }
        func stream(_ text: String) -> [UInt8] {
            Array("<< /Length \(text.utf8.count) >>\nstream\n\(text)\nendstream".utf8)
        }
        object(pageRef.0, PDFWriter.serialize(.dict(page)))
        object(size, stream("q\n"))
        object(size + 1, stream(paint))
        let xref = out.count
        out += Array("xref\n\(pageRef.0) 1\n".utf8) + Array((PAdES.pad(offsets[0].1, 10) + " 00000 n\r\n").utf8)
        out += Array("\(size) 2\n".utf8)
        for (_, off) in offsets.dropFirst() { out += Array((PAdES.pad(off, 10) + " 00000 n\r\n").utf8) }
        var trailer = doc.trailer
        trailer["Size"] = .int(size + 2)
        trailer["Prev"] = .int(doc.sections[0])
        out += Array("trailer\n".utf8) + PDFWriter.serialize(.dict(trailer)) + Array("\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }
}
