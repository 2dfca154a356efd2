import Foundation
import HosoCore

extension PDFDocument {
    /// (name, filespec) of every entry of the catalog's /Names /EmbeddedFiles tree.
    func embeddedFiles() throws -> [(name: String, filespec: PDFObject)] {
        guard let names = try catalog().dict["Names"] else { return [] }
        guard let root = try resolveDict(names, "/Names")["EmbeddedFiles"] else { return [] }
        var out = [(name: String, filespec: PDFObject)]()
        var nodes = 0
        var seen = Set<Int>()
        func walk(_ node: PDFObject, depth: Int) throws {
            nodes += 1
            guard nodes <= PDFParse.maxTreeNodes, depth <= PDFParse.maxTreeDepth else { throw malformed("the name tree is too large") }
            // A node listed twice (or a loop) is read once: otherwise one big /Names array, referenced from many
            // /Kids, would multiply into millions of entries.
            if let r = node.ref, !seen.insert(r.0).inserted { return }
            let d = try resolveDict(node, "a name tree node")
            if let list = try d["Names"].map(resolve)?.array {
                guard list.count % 2 == 0 else { throw malformed("a name tree /Names array has an odd length") }
                guard out.count + list.count / 2 <= PDFParse.maxTreeNodes else { throw malformed("the name tree is too large") }
                for i in stride(from: 0, to: list.count, by: 2) {
                    guard let key = try resolve(list[i]).text else { throw malformed("a name tree key is not a string") }
                    out.append((key, list[i + 1]))
                }
            }
            if let kids = try d["Kids"].map(resolve)?.array {
                for k in kids { try walk(k, depth: depth + 1) }
            }
        }
        try walk(root, depth: 0)
        return out
    }

    func embeddedFileBytes(_ filespec: PDFObject) throws -> [UInt8] {
        let fs = try resolveDict(filespec, "the file specification")
        let ef = try resolveDict(fs["EF"], "/EF")
        guard let ref = ef["F"] ?? ef["UF"], case .stream(let d, let range) = try resolve(ref) else {
            throw malformed("the embedded file is not a stream")
        }
        return try streamData(d, range, limit: PDFParse.maxAttachmentBytes)
    }

    /// A stream's data, decoded: no filter or /FlateDecode (without predictors), up to `limit` bytes.
    func streamData(_ d: PDFDict, _ range: Range<Int>, limit: Int) throws -> [UInt8] {
        let raw = bytes[range]
        let filters: [String]
        switch d["Filter"] {
        case nil: filters = []
        case .name(let n)?: filters = [n]
        case .array(let a)?: filters = a.compactMap(\.name)
        default: throw malformed("bad /Filter")
        }
        switch filters {
        case []:
            guard raw.count <= limit else { throw malformed("the stream is larger than \(limit) bytes") }
            return Array(raw)
        case ["FlateDecode"]:
            if let parms = d["DecodeParms"], let p = try resolve(parms).dict, let pred = p["Predictor"]?.int, pred > 1 {
                throw unsupported("Flate predictors")
            }
            return try PDFZlib.inflate(raw, limit: limit)
        default:
            throw unsupported("stream filters \(filters)")
        }
    }
}
