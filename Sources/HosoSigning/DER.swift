/// Just enough DER to write and read the few ASN.1 structures OpenSSL has no API for
/// (the signer-attributes-v2 role, ESS signing-certificate-v2). Lengths are definite, as DER requires.
enum DER {
    static func encode(tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out = [tag]
        let n = content.count
        if n < 0x80 {
            out.append(UInt8(n))
        } else {
            var len = [UInt8]()
            var v = n
            while v > 0 {
                len.insert(UInt8(v & 0xff), at: 0)
                v >>= 8
            }
            out.append(0x80 | UInt8(len.count))
            out += len
        }
        return out + content
    }

    static func sequence(_ parts: [UInt8]...) -> [UInt8] { encode(tag: 0x30, parts.flatMap { $0 }) }
    static func set(_ parts: [UInt8]...) -> [UInt8] { encode(tag: 0x31, parts.flatMap { $0 }) }
    static func utf8(_ s: String) -> [UInt8] { encode(tag: 0x0c, Array(s.utf8)) }

    static func oid(_ dotted: String) -> [UInt8] {
        let arcs = dotted.split(separator: ".").compactMap { UInt64($0) }
        precondition(arcs.count >= 2, "OID needs two arcs")
        var body = base128(arcs[0] * 40 + arcs[1])
        for a in arcs.dropFirst(2) { body += base128(a) }
        return encode(tag: 0x06, body)
    }

    private static func base128(_ v: UInt64) -> [UInt8] {
        var out = [UInt8(v & 0x7f)]
        var x = v >> 7
        while x > 0 {
            out.insert(UInt8(x & 0x7f) | 0x80, at: 0)
            x >>= 7
        }
        return out
    }

    /// One element: tag, content and the whole encoding.
    struct Node {
        var tag: UInt8
        var content: ArraySlice<UInt8>
        /// Where the element's tag byte is in the buffer `content` slices: `bytes[start..<content.endIndex]` is
        /// the element exactly as encoded.
        var start: Int = 0
        var children: [Node] {
            get throws { try DER.parseAll(content) }
        }
    }

    struct Malformed: Error {}

    static func parse(_ bytes: ArraySlice<UInt8>) throws -> (Node, rest: ArraySlice<UInt8>) {
        var i = bytes.startIndex
        guard i < bytes.endIndex else { throw Malformed() }
        let tag = bytes[i]
        i += 1
        guard tag & 0x1f != 0x1f, i < bytes.endIndex else { throw Malformed() }  // no high tag numbers here
        var len = Int(bytes[i])
        i += 1
        if len & 0x80 != 0 {
            let n = len & 0x7f
            guard n >= 1, n <= 4, bytes.endIndex - i >= n else { throw Malformed() }
            len = 0
            for _ in 0..<n {
                len = len << 8 | Int(bytes[i])
                i += 1
            }
        }
        guard len >= 0, bytes.endIndex - i >= len else { throw Malformed() }
        return (Node(tag: tag, content: bytes[i..<(i + len)], start: bytes.startIndex), bytes[(i + len)...])
    }

    static func parseAll(_ bytes: ArraySlice<UInt8>) throws -> [Node] {
        var out = [Node]()
        var rest = bytes
        while !rest.isEmpty {
            let (n, r) = try parse(rest)
            out.append(n)
            rest = r
        }
        return out
    }

    static func oidText(_ content: ArraySlice<UInt8>) -> String {
        var arcs = [UInt64]()
        var v: UInt64 = 0
        for b in content {
            v = v << 7 | UInt64(b & 0x7f)
            if b & 0x80 == 0 {
                arcs.append(v)
                v = 0
            }
        }
        guard let first = arcs.first else { return "" }
        let head: [UInt64] = first < 80 ? [first / 40, first % 40] : [2, first - 80]
        return (head + arcs.dropFirst()).map(String.init).joined(separator: ".")
    }
}
