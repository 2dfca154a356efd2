import Foundation
import HosoCore

enum PDFWriter {
    static func serialize(_ o: PDFObject) -> [UInt8] {
        var out = [UInt8]()
        write(o, into: &out)
        return out
    }

    static func write(_ o: PDFObject, into out: inout [UInt8]) {
        switch o {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let v): out += Array(String(v).utf8)
        case .real(let s): out += Array(s.utf8)
        case .string(let b): out += string(b)
        case .name(let n): out += name(n)
        case .ref(let n, let g): out += Array("\(n) \(g) R".utf8)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(0x20) }
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dict(let d):
            out += Array("<<".utf8)
            for (k, v) in d.entries {
                out.append(0x20)
                out += name(k)
                out.append(0x20)
                write(v, into: &out)
            }
            out += Array(" >>".utf8)
        case .stream(let d, _):
            // Streams are never re-written from a parse; their dictionary alone is what a caller could mean.
            write(.dict(d), into: &out)
        }
    }

    /// A literal string when every byte is printable ASCII, else a hex string.
    static func string(_ b: [UInt8]) -> [UInt8] {
        if b.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            var out: [UInt8] = [UInt8(ascii: "(")]
            for c in b {
                if c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(c)
            }
            out.append(UInt8(ascii: ")"))
            return out
        }
        return [UInt8(ascii: "<")] + hex(b) + [UInt8(ascii: ">")]
    }

    static func name(_ n: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "/")]
        for c in n.utf8 {
            if c > 0x20, c < 0x7F, !PDFScanner.isDelimiter(c), c != UInt8(ascii: "#") {
                out.append(c)
            } else {
                out += Array("#".utf8) + hex([c])
            }
        }
        return out
    }

    static func hex(_ b: [UInt8]) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(b.count * 2)
        for c in b {
            out.append(digits[Int(c >> 4)])
            out.append(digits[Int(c & 0x0F)])
        }
        return out
    }
}
