/// JSON string literals as RFC 8259 and RFC 8785 write them: quote, backslash and control characters escaped
/// (the short forms where JSON has one, `\u00xx` with lowercase digits otherwise), everything else — slashes and
/// non-ASCII included — as it is. Canonical JSON and the web server's hand-written answers share it.
package enum JSONString {
    /// Appends `s` as a quoted JSON string to `out`.
    package static func append(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        // Most strings need no escape at all: copy them whole.
        let copied: Bool? = s.utf8.withContiguousStorageIfAvailable { bytes in
            for b in bytes where b < 0x20 || b == 0x22 || b == 0x5C { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied != true {
            for b in s.utf8 { appendEscaped(b, to: &out) }
        }
        out.append(0x22)
    }

    /// `s` as a quoted JSON string.
    package static func quoted(_ s: String) -> String {
        var out = [UInt8]()
        append(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendEscaped(_ b: UInt8, to out: inout [UInt8]) {
        switch b {
        case 0x22: out += [0x5C, 0x22]
        case 0x5C: out += [0x5C, 0x5C]
        case 0x08: out += [0x5C, UInt8(ascii: "b")]
        case 0x0C: out += [0x5C, UInt8(ascii: "f")]
        case 0x0A: out += [0x5C, UInt8(ascii: "n")]
        case 0x0D: out += [0x5C, UInt8(ascii: "r")]
        case 0x09: out += [0x5C, UInt8(ascii: "t")]
        case 0x00..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, Hex.digit(b >> 4), Hex.digit(b)]
        default: out.append(b)
        }
    }
}
