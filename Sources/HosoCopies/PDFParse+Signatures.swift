import Foundation
import HosoCore

extension PDFDocument {
    /// (field name, /V) of every signature field in /AcroForm /Fields, walking /Kids and inheriting /FT.
    func signatureFields() throws -> [(String?, PDFObject)] {
        guard let acro = try catalog().dict["AcroForm"] else { return [] }
        let form = try resolveDict(acro, "/AcroForm")
        guard let fields = try form["Fields"].map(resolve)?.array else { return [] }
        var out = [(String?, PDFObject)]()
        var visited = 0
        var seen = Set<Int>()
        func walk(_ f: PDFObject, inheritedFT: String?, parentName: String?, depth: Int) throws {
            visited += 1
            guard visited <= PDFParse.maxFields, depth <= PDFParse.maxTreeDepth else { throw malformed("too many form fields") }
            if let r = f.ref, !seen.insert(r.0).inserted { return }
            let d = try resolveDict(f, "a form field")
            let ft = d["FT"]?.name ?? inheritedFT
            let partial = d["T"]?.text
            let name = [parentName, partial].compactMap { $0 }.joined(separator: ".")
            if let kids = try d["Kids"].map(resolve)?.array {
                for k in kids { try walk(k, inheritedFT: ft, parentName: name.isEmpty ? nil : name, depth: depth + 1) }
            }
            if ft == "Sig", let v = d["V"], v != .null {
                guard out.count < PDFParse.maxSignatures else {
                    throw malformed("more than \(PDFParse.maxSignatures) signature fields")
                }
                out.append((name.isEmpty ? nil : name, v))
            }
        }
        for f in fields { try walk(f, inheritedFT: nil, parentName: nil, depth: 0) }
        return out
    }

    func signatureInfo(_ sig: PDFDict, fieldName: String?) throws -> PDFSignatureInfo {
        guard let br = sig["ByteRange"]?.array?.compactMap(\.int), br.count == 4 else {
            throw malformed("the signature has no /ByteRange of four integers")
        }
        guard let contents = sig["Contents"]?.bytes, let span = sig.spans["Contents"] else {
            throw malformed("the signature has no /Contents string")
        }
        let n = bytes.count
        let inFile =
            br.allSatisfy { $0 >= 0 } && br[0] <= n && br[1] <= n - br[0] && br[2] <= n && br[3] <= n - br[2]
            && br[0] + br[1] <= br[2]
        // The gap must be exactly the hex string: nothing else of the file may escape the signature.
        let wellFormed =
            inFile && br[0] == 0 && br[1] == span.lowerBound && br[2] == span.upperBound
            && bytes[span.lowerBound] == UInt8(ascii: "<") && bytes[span.upperBound - 1] == UInt8(ascii: ">")
        let end = inFile ? br[2] + br[3] : 0
        let covers = wellFormed && end == n
        // Ranges over the one buffer of the file, never a copy per field: a file listing a thousand signature
        // fields would otherwise hold a thousand copies of itself.
        let ranges = inFile ? [br[0]..<br[0] + br[1], br[2]..<br[2] + br[3]] : []
        let later = sections.filter { $0 >= end }.count
        return PDFSignatureInfo(
            fieldName: fieldName, subFilter: sig["SubFilter"]?.name, byteRange: br, contentsRange: span,
            byteRangeIsWellFormed: wellFormed, byteRangeCoversWholeFile: covers, laterRevisions: inFile ? later : sections.count,
            bytesAfterSignedRange: inFile ? n - end : n, cms: Self.derPrefix(contents), source: bytes, signedRanges: ranges,
            signingTime: sig["M"]?.text.flatMap(PDFText.parseDate), reason: sig["Reason"]?.text,
            location: sig["Location"]?.text, signerName: sig["Name"]?.text)
    }

    /// The DER element at the start of `b` (a /Contents placeholder is zero-padded); all of `b` if it cannot tell.
    static func derPrefix(_ b: [UInt8]) -> [UInt8] {
        guard b.count >= 2, b[0] == 0x30 else { return b }
        let first = Int(b[1])
        var len = 0
        var header = 2
        if first < 0x80 {
            len = first
        } else {
            let k = first & 0x7F
            guard k >= 1, k <= 4, b.count >= 2 + k else { return b }
            for i in 0..<k { len = len << 8 | Int(b[2 + i]) }
            header = 2 + k
        }
        guard header + len <= b.count else { return b }
        return Array(b[0..<header + len])
    }
}
