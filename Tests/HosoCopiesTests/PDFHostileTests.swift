import Foundation
import HosoCore
import Testing

@testable import HosoCopies

/// Builds small PDFs by hand, with a correct classic cross-reference table, so each test can aim at one class of
/// hostile input.
enum PDFCraft {
    /// `objects[i]` is the body of object i + 1 (what lies between "obj" and "endobj"). `padding` bytes of comment
    /// follow the header, to make the file large without adding objects.
    static func make(_ objects: [String], trailer: String = "/Root 1 0 R", padding: Int = 0) -> [UInt8] {
        var out = Array("%PDF-1.7\n".utf8)
        if padding > 0 { out += [UInt8(ascii: "%")] + Array(repeating: UInt8(ascii: "x"), count: padding) + [10] }
        var offsets = [Int]()
        for (i, body) in objects.enumerated() {
            offsets.append(out.count)
            out += Array("\(i + 1) 0 obj\n\(body)\nendobj\n".utf8)
        }
        let xref = out.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for o in offsets { table += String(repeating: "0", count: 10 - String(o).count) + "\(o) 00000 n \n" }
        out += Array(table.utf8)
        out += Array("trailer\n<< /Size \(objects.count + 1) \(trailer) >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    /// The process's resident memory now, from /proc/self/statm (pages × 4 KiB).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * 4096 : 0
    }
}

// Serialized: the memory test measures the process's resident size, so the big tables must not be built meanwhile.
@Suite(.serialized) struct PDFHostileTests {
    func expectMalformed(_ pdf: [UInt8], _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try PDFParse.inspect(pdf)
            Issue.record("accepted", sourceLocation: sourceLocation)
        } catch let e as HosoError {
            #expect(e.code == .pdfMalformed, sourceLocation: sourceLocation)
            #expect("\(e)".contains(words), "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    /// A /Prev before the start or past the end of the file is named as such (a negative one used to index the
    /// file at -5 and kill the process).
    @Test(arguments: ["-5", "-1", "999999999", "123456789012345678"])
    func prevOutsideTheFileIsMalformed(prev: String) {
        let pdf = PDFCraft.make(["<< /Type /Catalog >>"], trailer: "/Root 1 0 R /Prev \(prev)")
        expectMalformed(pdf, "outside the file")
    }

    /// Object offsets and startxref outside the file are refused too.
    @Test func offsetsOutsideTheFileAreMalformed() throws {
        var pdf = PDFCraft.make(["<< /Type /Catalog >>"])
        let good = PDFCraft.make(["<< /Type /Catalog >>"])
        // The object's offset in the table, made huge.
        let text = String(decoding: pdf, as: UTF8.self).replacingOccurrences(of: "0000000009 00000 n", with: "9999999999 00000 n")
        pdf = Array(text.utf8)
        #expect(pdf != good)
        expectMalformed(pdf, "outside the file")
        let text2 = String(decoding: good, as: UTF8.self)
        let tail = try #require(text2.range(of: "startxref\n", options: .backwards))
        expectMalformed(Array((text2[..<tail.upperBound] + "\(good.count + 100)\n%%EOF\n").utf8), "outside the file")
    }

    /// A chain of streams whose /Length is the next stream: resolving it recursed once per link and overflowed the
    /// stack. A /Length must be a number, so the chain stops at its first link.
    @Test func aChainOfIndirectLengthsIsMalformedNotAStackOverflow() {
        let links = 20_000
        var objects = ["<< /Type /Catalog >>"]
        for i in 2...links + 1 {
            let length = i == links + 1 ? "0" : "\(i + 1) 0 R"
            objects.append("<< /Length \(length) >>\nstream\n\nendstream")
        }
        let pdf = PDFCraft.make(objects, trailer: "/Root 2 0 R")
        expectMalformed(pdf, "/Length")
    }

    /// Many signature fields over a large file: the result holds ranges over the one buffer, not a copy of the signed
    /// bytes per field (30 fields over 16 MB used to hold 480 MB).
    @Test func signatureFieldsDoNotCopyTheSignedBytes() throws {
        let fields = 30
        let padding = 16 << 20
        func make(byteRangeEnd: Int) -> [UInt8] {
            var objects = [
                "<< /Type /Catalog /AcroForm << /Fields [" + (0..<fields).map { "\($0 + 3) 0 R" }.joined(separator: " ") + "] >> >>"
            ]
            objects.append("<< /Type /Sig /ByteRange [0 \(byteRangeEnd) \(byteRangeEnd) 0] /Contents <3000> >>")
            for i in 0..<fields { objects.append("<< /FT /Sig /T (f\(i)) /V 2 0 R >>") }
            return PDFCraft.make(objects, padding: padding)
        }
        let pdf = make(byteRangeEnd: padding)
        let before = PDFCraft.residentBytes()
        let infos = try PDFParse.inspect(pdf)
        let grown = PDFCraft.residentBytes() - before
        #expect(infos.count == fields)
        #expect(infos.allSatisfy { $0.signedBytes.count == padding })
        #expect(grown < 128 << 20, "inspect held \(grown >> 20) MiB for \(fields) fields over \(pdf.count >> 20) MiB")
        withExtendedLifetime(infos) {}
    }

    /// More signature fields than any copy has are refused before any of them is verified.
    @Test func tooManySignatureFieldsAreMalformed() {
        let fields = 40
        var objects = ["<< /Type /Catalog /AcroForm << /Fields [" + (0..<fields).map { "\($0 + 3) 0 R" }.joined(separator: " ") + "] >> >>"]
        objects.append("<< /Type /Sig /ByteRange [0 1 2 3] /Contents <3000> >>")
        for i in 0..<fields { objects.append("<< /FT /Sig /T (f\(i)) /V 2 0 R >>") }
        expectMalformed(PDFCraft.make(objects), "signature fields")
    }

    /// An embedded-files name tree whose /Kids list one node with a big /Names array many times: read once.
    @Test func aNameTreeListingOneNodeManyTimesStaysSmall() throws {
        let pairs = (0..<5000).map { "(n\($0)) null" }.joined(separator: " ")
        let kids = Array(repeating: "3 0 R", count: 5000).joined(separator: " ")
        let pdf = PDFCraft.make([
            "<< /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> >>", "<< /Kids [\(kids)] >>", "<< /Names [\(pairs)] >>",
        ])
        let start = ContinuousClock.now
        #expect(PDFParse.attachmentNames(in: pdf).count == 5000)
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    /// A cross-reference table of a million entries is read in a bounded time; more are refused. (The bound here
    /// is generous: it catches the minutes the old per-digit String conversions took, not a busy machine.)
    @Test func hugeCrossReferenceTablesAreBounded() throws {
        let entries = PDFParse.maxXrefEntries
        var pdf = Array("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".utf8)
        let xref = pdf.count
        pdf += Array("xref\n0 \(entries)\n0000000000 65535 f \n0000000009 00000 n \n".utf8)
        let free = Array("0000000000 00000 f \n".utf8)
        pdf.reserveCapacity(pdf.count + free.count * entries + 100)
        for _ in 0..<entries - 2 { pdf += free }
        pdf += Array("trailer\n<< /Size \(entries) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        let start = ContinuousClock.now
        #expect(try PDFParse.inspect(pdf).isEmpty)
        let took = ContinuousClock.now - start
        print("a cross-reference table of \(entries) entries (\(pdf.count >> 20) MiB) read in \(took)")
        #expect(took < .seconds(60))

        let tooMany = Array("%PDF-1.7\nxref\n0 \(entries + 1)\ntrailer\n<< /Size 1 >>\nstartxref\n9\n%%EOF\n".utf8)
        expectMalformed(tooMany, "too many cross-reference entries")
    }

    /// Two sections that share bytes (a /Prev into the middle of the newer one) are refused: no byte is parsed twice.
    @Test func overlappingCrossReferenceSectionsAreMalformed() {
        var pdf = Array("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".utf8)
        let xref = pdf.count
        // /Prev points at the white space just before this very section: a different offset, the same bytes.
        pdf += Array("\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R /Prev \(xref) >>\n".utf8)
        pdf += Array("startxref\n\(xref + 1)\n%%EOF\n".utf8)
        expectMalformed(pdf, "overlap")
    }
}
