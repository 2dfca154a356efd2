import Foundation
import HosoCore

/// A PDF's objects as its latest revision sees them, through the classic cross-reference tables.
final class PDFDocument {
    let bytes: [UInt8]
    /// Cross-reference section offsets, newest first.
    private(set) var sections: [Int] = []
    /// The newest trailer.
    private(set) var trailer = PDFDict()
    /// Object number → (offset, generation) of its newest in-use entry; free entries are absent.
    private var offsets: [Int: (offset: Int, gen: Int)] = [:]
    private var cache: [Int: PDFObject] = [:]
    private var resolving = Set<Int>()
    /// Where each cross-reference section and its trailer lie: sections may not overlap, so the reader never
    /// parses the same bytes twice however many /Prev offsets point into them.
    private(set) var sectionSpans: [Range<Int>] = []
    /// The object numbers each cross-reference section (by offset) lists, and whether in use: what that revision
    /// (re)defines, for the check of updates made after a signature.
    private(set) var sectionEntries: [Int: [(num: Int, inUse: Bool)]] = [:]
    /// Where the revision read ends (the whole file, or `upTo`).
    let end: Int

    /// The document as its revision ending at `upTo` (default: the end of the file) sees it: the reader starts at
    /// the last `startxref` before that offset, so earlier revisions are read without copying the file.
    init(_ bytes: [UInt8], upTo: Int? = nil) throws {
        guard bytes.count <= PDFParse.maxPDFBytes else {
            throw HosoError(
                .pdfTooLarge,
                .both(
                    "Tệp PDF lớn hơn \(PDFParse.maxPDFBytes >> 20) MiB",
                    "The PDF is larger than \(PDFParse.maxPDFBytes >> 20) MiB"))
        }
        self.bytes = bytes
        end = min(max(upTo ?? bytes.count, 0), bytes.count)
        guard bytes.starts(with: Array("%PDF-".utf8)) else { throw malformed("no %PDF- header", at: 0) }
        var next: Int? = try lastStartxref()
        var seen = Set<Int>()
        var free = Set<Int>()
        var entries = 0
        var first = true
        while let at = next {
            guard seen.insert(at).inserted else { throw malformed("the /Prev chain loops", at: at) }
            guard seen.count <= PDFParse.maxXrefSections else { throw malformed("more than \(PDFParse.maxXrefSections) revisions") }
            sections.append(at)
            let t = try readXref(at: at, free: &free, entries: &entries)
            if first {
                trailer = t
                first = false
            }
            guard t["XRefStm"] == nil else {
                throw unsupported("hybrid cross-reference (/XRefStm)")
            }
            guard t["Encrypt"] == nil else { throw unsupported("encryption") }
            switch t["Prev"] {
            case nil: next = nil
            // Checked before use: a negative or too large offset is a lie of the file, not an index to try.
            case .int(let p)? where p >= 0 && p < end: next = p
            case .int(let p)?: throw malformed("/Prev \(p) points outside the file", at: at)
            default: throw malformed("/Prev is not a number", at: at)
            }
        }
        guard trailer["Root"]?.ref != nil else { throw malformed("the trailer has no /Root") }
    }

    func malformed(_ what: String, at p: Int? = nil) -> HosoError {
        HosoError(.pdfMalformed, .both("Tệp PDF hỏng: \(what)", "Malformed PDF: \(what)"), location: p.map { "byte \($0)" })
    }

    func unsupported(_ what: String) -> HosoError {
        HosoError(.pdfUnsupported, .both("Tệp PDF dùng tính năng không hỗ trợ: \(what)", "The PDF uses an unsupported feature: \(what)"))
    }

    /// The offset after the last "startxref" in the file.
    private func lastStartxref() throws -> Int {
        let key = Array("startxref".utf8)
        var i = end - key.count
        while i >= 0 {
            if bytes[i] == key[0], bytes[i..<i + key.count].elementsEqual(key) {
                var s = PDFScanner(bytes, at: i + key.count)
                let v = try s.unsignedInt()
                guard v < end else { throw malformed("startxref points outside the file", at: i) }
                return v
            }
            i -= 1
        }
        throw malformed("no startxref")
    }

    private func readXref(at offset: Int, free: inout Set<Int>, entries: inout Int) throws -> PDFDict {
        var s = PDFScanner(bytes, at: offset)
        let at = s.pos
        guard let kw = s.token() else { throw malformed("no cross-reference section", at: at) }
        guard kw.elementsEqual("xref".utf8) else {
            if kw.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { throw unsupported("cross-reference streams") }
            throw malformed("no cross-reference section", at: at)
        }
        var listed = [(num: Int, inUse: Bool)]()
        defer { sectionEntries[offset] = listed }
        while true {
            s.skipSpace()
            let save = s.pos
            if let t = s.token(), t.elementsEqual("trailer".utf8) { break }
            s.pos = save
            let start = try s.unsignedInt()
            let count = try s.unsignedInt()
            entries += count
            guard entries <= PDFParse.maxXrefEntries, start <= PDFParse.maxXrefEntries else {
                throw malformed("too many cross-reference entries", at: save)
            }
            for n in start..<start + count {
                let off = try s.unsignedInt()
                let gen = try s.unsignedInt()
                let kindAt = s.pos
                guard let kind = s.token(), kind.count == 1 else { throw malformed("bad cross-reference entry", at: kindAt) }
                listed.append((n, kind.first == UInt8(ascii: "n")))
                // Newer sections come first: an entry already known (in use or free) wins.
                guard offsets[n] == nil, !free.contains(n) else { continue }
                if kind.first == UInt8(ascii: "n") {
                    guard off < end else { throw malformed("object \(n) is outside the file", at: kindAt) }
                    offsets[n] = (off, gen)
                } else if kind.first == UInt8(ascii: "f") {
                    free.insert(n)
                } else {
                    throw malformed("bad cross-reference entry", at: kindAt)
                }
            }
        }
        guard case .dict(let trailer) = try s.value() else { throw malformed("the trailer is not a dictionary", at: s.pos) }
        let span = offset..<s.pos
        guard !sectionSpans.contains(where: { $0.overlaps(span) }) else {
            throw malformed("cross-reference sections overlap", at: offset)
        }
        sectionSpans.append(span)
        return trailer
    }

    /// Object `num` as its newest revision has it (a value or a stream); null when it does not exist.
    /// - Parameter isLength: the object is a stream's indirect /Length, which must be a plain number: refusing a
    ///   stream there keeps the recursion one level deep (a chain of /Length references would overflow the stack).
    func object(_ num: Int, isLength: Bool = false) throws -> PDFObject {
        if let hit = cache[num] {
            if isLength, case .stream = hit { throw malformed("/Length of a stream is itself a stream") }
            return hit
        }
        guard let entry = offsets[num] else { return .null }
        let (offset, gen) = (entry.offset, entry.gen)
        guard resolving.insert(num).inserted else { throw malformed("object \(num) refers to itself") }
        defer { resolving.remove(num) }
        var s = PDFScanner(bytes, at: offset)
        guard try s.unsignedInt() == num, try s.unsignedInt() == gen else {
            throw malformed("the cross-reference entry of object \(num) points elsewhere", at: offset)
        }
        try s.expectKeyword("obj")
        var v = try s.value()
        s.skipSpace()
        let save = s.pos
        if let kw = s.token(), kw.elementsEqual("stream".utf8) {
            guard case .dict(let d) = v else { throw malformed("a stream without a dictionary", at: save) }
            guard !isLength else { throw malformed("/Length of a stream is itself a stream", at: save) }
            if s.pos < bytes.count, bytes[s.pos] == 13 { s.pos += 1 }
            guard s.pos < bytes.count, bytes[s.pos] == 10 else { throw malformed("\"stream\" not followed by an end of line", at: s.pos) }
            s.pos += 1
            let start = s.pos
            let length: Int
            switch d["Length"] {
            case .int(let n)?: length = n
            case .ref(let n, _)?:
                guard case .int(let l) = try object(n, isLength: true) else { throw malformed("/Length is not a number", at: start) }
                length = l
            default: throw malformed("a stream without /Length", at: start)
            }
            guard length >= 0, length <= bytes.count - start else { throw malformed("the stream runs past the end of the file", at: start) }
            s.pos = start + length
            try s.expectKeyword("endstream")
            v = .stream(d, start..<start + length)
        } else {
            s.pos = save
        }
        try s.expectKeyword("endobj")
        if cache.count < 10_000 { cache[num] = v }
        return v
    }

    /// Follows references (bounded).
    func resolve(_ o: PDFObject) throws -> PDFObject {
        var o = o
        for _ in 0..<PDFScanner.maxDepth {
            guard case .ref(let n, _) = o else { return o }
            o = try object(n)
        }
        throw malformed("a chain of references is too long")
    }

    func resolveDict(_ o: PDFObject?, _ what: String) throws -> PDFDict {
        guard let o, let d = try resolve(o).dict else { throw malformed("\(what) is not a dictionary") }
        return d
    }

    func catalog() throws -> (ref: (Int, Int), dict: PDFDict) {
        guard let r = trailer["Root"]?.ref else { throw malformed("the trailer has no /Root") }
        guard case .dict(let d) = try object(r.0) else { throw malformed("the catalog is not a dictionary") }
        return (r, d)
    }

    /// The first page (the copy has one), following /Kids down from /Pages.
    func firstPage() throws -> (ref: (Int, Int), dict: PDFDict) {
        var node = try catalog().dict["Pages"]
        for _ in 0..<PDFParse.maxTreeDepth {
            guard let r = node?.ref, case .dict(let d) = try object(r.0) else { throw malformed("the page tree is broken") }
            if d["Type"]?.name == "Page" { return (r, d) }
            guard let kids = try d["Kids"].map(resolve)?.array, let first = kids.first else { throw malformed("the page tree is empty") }
            node = first
        }
        throw malformed("the page tree is too deep")
    }
}
