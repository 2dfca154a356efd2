/// A small, bounded XML reader for the parts of an XLSX workbook, which are outside input.
///
/// Why not Foundation's XMLParser: it leaks on its error path (the ASan fuzz run counted 144 bytes per malformed
/// part) and has trapped on names that are not valid UTF-8; and a workbook needs none of what it adds. This reader
/// takes UTF-8 bytes and reports elements (by local name: `x:row` and `row` are the same), their attributes (by the
/// name as written, so `r:id` stays `r:id`) and text, with the five predefined entities, character references and
/// CDATA. A document type declaration is refused, so no entity is ever expanded (no "billion laughs", no outside
/// file). Depth, attributes per element and name lengths are budgeted; the input's size is the caller's budget.
/// Any fault is a `Failure` naming the byte offset, never a trap.
struct XMLScanner {
    struct Limits: Sendable {
        var maxDepth = 64
        var maxAttributes = 512
        var maxNameBytes = 256
    }

    /// What was wrong, and where (a byte offset into the part).
    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let what: String
        var description: String { "byte \(offset): \(what)" }
    }

    enum Event {
        case start(name: String, attributes: [String: String])
        case end(name: String)
        case text(String)
    }

    private let bytes: [UInt8]
    private let limits: Limits
    private var i = 0
    private var stack = [ArraySlice<UInt8>]()
    private var text = [UInt8]()
    private var rootSeen = false

    private init(_ bytes: [UInt8], _ limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Reads the whole document, handing each event to `handle` in order; an error thrown by `handle` stops the
    /// reading and is rethrown as it is.
    static func scan(_ bytes: [UInt8], limits: Limits = Limits(), _ handle: (Event) throws -> Void) throws {
        var s = XMLScanner(bytes, limits)
        try s.run(handle)
    }

    private mutating func run(_ handle: (Event) throws -> Void) throws {
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "<") {
                if has("<![CDATA[") {
                    guard !stack.isEmpty else { throw fail("CDATA outside the root element") }
                    let start = i + 9
                    let end = try find("]]>", from: start)
                    text.append(contentsOf: bytes[start..<end])
                    i = end + 3
                    continue
                }
                try flushText(handle)
                if has("<?") {
                    i = try find("?>", from: i + 2) + 2
                } else if has("<!--") {
                    i = try find("-->", from: i + 4) + 3
                } else if has("<!") {
                    throw fail("a document type declaration is not allowed")
                } else if has("</") {
                    try endTag(handle)
                } else {
                    try startTag(handle)
                }
            } else if stack.isEmpty {
                // Outside the root only white space may stand.
                guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { throw fail("text outside the root element") }
                i += 1
            } else if b == UInt8(ascii: "&") {
                text.append(contentsOf: try reference())
            } else if b == 0x0D {
                // Line ends read as LF, as XML asks.
                text.append(0x0A)
                i += (i + 1 < n && bytes[i + 1] == 0x0A) ? 2 : 1
            } else {
                text.append(b)
                i += 1
            }
        }
        guard stack.isEmpty else { throw fail("the element <\(string(stack.last!))> is not closed") }
        guard rootSeen else { throw fail("no element") }
    }

    private mutating func flushText(_ handle: (Event) throws -> Void) throws {
        guard !text.isEmpty else { return }
        let t = String(decoding: text, as: UTF8.self)
        text.removeAll(keepingCapacity: true)
        try handle(.text(t))
    }

    private mutating func startTag(_ handle: (Event) throws -> Void) throws {
        guard stack.isEmpty ? !rootSeen : true else { throw fail("a second root element") }
        i += 1
        let name = try readName()
        var attributes = [String: String]()
        var selfClosing = false
        while true {
            let hadSpace = skipSpace()
            guard i < bytes.count else { throw fail("the tag <\(string(name))> is not finished") }
            if bytes[i] == UInt8(ascii: ">") {
                i += 1
                break
            }
            if bytes[i] == UInt8(ascii: "/") {
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") else { throw fail("'/' not followed by '>'") }
                i += 2
                selfClosing = true
                break
            }
            guard hadSpace else { throw fail("attributes must be separated by white space") }
            let key = string(try readName())
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw fail("the attribute \(key) has no '='") }
            i += 1
            skipSpace()
            let value = try attributeValue()
            guard attributes.updateValue(value, forKey: key) == nil else { throw fail("the attribute \(key) is given twice") }
            guard attributes.count <= limits.maxAttributes else { throw fail("more than \(limits.maxAttributes) attributes") }
        }
        guard stack.count < limits.maxDepth else { throw fail("elements nested deeper than \(limits.maxDepth)") }
        rootSeen = true
        let local = localName(name)
        try handle(.start(name: local, attributes: attributes))
        if selfClosing {
            try handle(.end(name: local))
        } else {
            stack.append(name)
        }
    }

    private mutating func endTag(_ handle: (Event) throws -> Void) throws {
        i += 2
        let name = try readName()
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { throw fail("the end tag </\(string(name))> is not finished") }
        i += 1
        guard let open = stack.popLast() else { throw fail("</\(string(name))> closes nothing") }
        guard open.elementsEqual(name) else { throw fail("</\(string(name))> closes <\(string(open))>") }
        try handle(.end(name: localName(name)))
    }

    /// A name: up to the first white space or delimiter, non-empty and within the budget.
    private mutating func readName() throws -> ArraySlice<UInt8> {
        let start = i
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "<"),
                UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "&"):
                guard i > start else { throw fail("a name was expected") }
                return bytes[start..<i]
            default:
                i += 1
                guard i - start <= limits.maxNameBytes else { throw fail("a name longer than \(limits.maxNameBytes) bytes") }
            }
        }
        throw fail("the document ends inside a name")
    }

    /// A quoted attribute value with its references replaced and white space characters read as spaces.
    private mutating func attributeValue() throws -> String {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
            throw fail("an attribute value must be quoted")
        }
        let quote = bytes[i]
        i += 1
        var out = [UInt8]()
        while true {
            guard i < bytes.count else { throw fail("an attribute value is not closed") }
            let b = bytes[i]
            if b == quote {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            switch b {
            case UInt8(ascii: "<"): throw fail("'<' inside an attribute value")
            case UInt8(ascii: "&"): out.append(contentsOf: try reference())
            case 0x09, 0x0A, 0x0D:
                out.append(0x20)
                i += 1
            default:
                out.append(b)
                i += 1
            }
        }
    }

    /// `&…;` at `i`: one of the five predefined entities or a character reference. Anything else is refused.
    private mutating func reference() throws -> [UInt8] {
        let start = i + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: ";") {
            end += 1
            guard end - start <= 12 else { throw fail("an '&' that starts no reference") }
        }
        guard end < bytes.count else { throw fail("an '&' that starts no reference") }
        let body = bytes[start..<end]
        i = end + 1
        switch string(body) {
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "amp": return [UInt8(ascii: "&")]
        case "quot": return [UInt8(ascii: "\"")]
        case "apos": return [UInt8(ascii: "'")]
        case let ref where ref.hasPrefix("#"):
            let hex = ref.hasPrefix("#x")
            guard let value = UInt32(ref.dropFirst(hex ? 2 : 1), radix: hex ? 16 : 10), let scalar = Unicode.Scalar(value),
                value == 0x09 || value == 0x0A || value == 0x0D || value >= 0x20, value != 0xFFFE, value != 0xFFFF
            else { throw fail("the character reference &\(ref); names no allowed character") }
            return Array(String(Character(scalar)).utf8)
        case let other: throw fail("the entity &\(other); is not defined")
        }
    }

    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = i
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        return i > start
    }

    private func has(_ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard i + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { p in (0..<count).allSatisfy { bytes[i + $0] == p[$0] } }
    }

    /// The offset where `marker` starts, at or after `from`.
    private func find(_ marker: StaticString, from: Int) throws -> Int {
        let found: Int? = marker.withUTF8Buffer { m in
            var j = from
            while j + m.count <= bytes.count {
                if bytes[j] == m[0], (1..<m.count).allSatisfy({ bytes[j + $0] == m[$0] }) { return j }
                j += 1
            }
            return nil
        }
        guard let found else { throw fail("\"\(marker)\" is missing") }
        return found
    }

    private func localName(_ name: ArraySlice<UInt8>) -> String {
        guard let colon = name.lastIndex(of: UInt8(ascii: ":")) else { return string(name) }
        return string(name[(colon + 1)...])
    }

    private func string(_ s: ArraySlice<UInt8>) -> String { String(decoding: s, as: UTF8.self) }

    private func fail(_ what: String) -> Failure { Failure(offset: i, what: what) }
}
