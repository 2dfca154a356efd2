import Foundation

/// Vietnamese text as hoso stores and compares it.
public enum VietnameseText {
    /// The one stored form: Unicode NFC. The same name typed on two machines may arrive precomposed or
    /// decomposed; hashing, comparing or indexing anything else would make them differ.
    /// The first character in `s` that shows nothing but changes what the text is, as "U+200B": zero-width
    /// spaces and joiners, the word joiner, a byte-order mark inside text, the soft hyphen, and the bidirectional
    /// controls. Nil when there is none (the common case costs one pass over the UTF-8).
    public static func firstInvisible(in s: String) -> String? {
        guard s.utf8.contains(where: { $0 >= 0x80 }) else { return nil }
        for u in s.unicodeScalars {
            switch u.value {
            case 0x00AD, 0x061C, 0x180E, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF:
                return String(format: "U+%04X", u.value)
            default: continue
            }
        }
        return nil
    }

    public static func nfc(_ s: String) -> String {
        isSurelyNFC(s) ? s : s.precomposedStringWithCanonicalMapping
    }

    /// True when no scalar of `s` can change under NFC: all below U+0300 (Latin, no combining marks, no
    /// singletons) or precomposed Vietnamese letters (U+1EA0–U+1EF9). That is nearly every cell a registrar
    /// types, and it saves a trip through Foundation, which dominated imports.
    static func isSurelyNFC(_ s: String) -> Bool {
        // On the UTF-8 bytes (always valid in a String): ASCII; two-byte sequences led by C2–CB, which are
        // U+0080–U+02FF; and E1 BA A0–E1 BB B9, which are U+1EA0–U+1EF9. Anything else may change.
        let decided: Bool? = s.utf8.withContiguousStorageIfAvailable { b in
            let n = b.count
            var i = 0
            while i < n {
                let c = b[i]
                if c < 0x80 {
                    i += 1
                } else if c >= 0xC2 && c <= 0xCB {
                    i += 2
                } else if c == 0xE1, i + 2 < n, (b[i + 1] == 0xBA && b[i + 2] >= 0xA0) || (b[i + 1] == 0xBB && b[i + 2] <= 0xB9) {
                    i += 3
                } else {
                    return false
                }
            }
            return true
        }
        if let decided { return decided }
        for u in s.unicodeScalars {
            let v = u.value
            if v < 0x300 || (0x1EA0...0x1EF9).contains(v) { continue }
            return false
        }
        return true
    }

    /// `s.trimmingCharacters(in: .whitespaces)` (spaces, tabs and the other Zs separators at either end), without
    /// the trip through Foundation when the ends are ASCII, as nearly every cell's are.
    public static func trimmed(_ s: String) -> String {
        let u = s.utf8
        guard let first = u.first, let last = u.last else { return s }
        @inline(__always) func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        if first < 0x80, last < 0x80, !blank(first), !blank(last) { return s }
        // Strip ASCII blanks; any non-ASCII scalar met at an end might be a Zs separator: Foundation decides.
        var start = u.startIndex
        var end = u.endIndex
        while start < end, blank(u[start]) { start = u.index(after: start) }
        while end > start, blank(u[u.index(before: end)]) { end = u.index(before: end) }
        if start < end, u[start] >= 0x80 || u[u.index(before: end)] >= 0x80 {
            return s.trimmingCharacters(in: .whitespaces)
        }
        return String(s[start..<end])
    }

    /// The search key: no diacritics, đ → d, lowercase, single spaces. So "nguyen van an" finds
    /// "Nguyễn Văn An", and "NGUYỄN  VĂN AN" too.
    public static func fold(_ s: String) -> String {
        // Fast path: table lookups for Latin and Vietnamese letters; anything else goes the long way.
        var fast = [UInt8]()
        fast.reserveCapacity(s.utf8.count)
        var lastSpace = true
        var ok = true
        for u in s.unicodeScalars {
            let v = u.value
            if v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D {
                if !lastSpace { fast.append(0x20) }
                lastSpace = true
                continue
            }
            let base: UInt8
            if v < 0x80 {
                base = (v >= 0x41 && v <= 0x5A) ? UInt8(v + 32) : UInt8(v)
            } else if let b = foldTable[v] {
                base = b
            } else {
                ok = false
                break
            }
            fast.append(base)
            lastSpace = false
        }
        if ok {
            if fast.last == 0x20 { fast.removeLast() }
            return String(decoding: fast, as: UTF8.self)
        }
        return slowFold(s)
    }

    /// Latin-1, Latin Extended-A/B and the Vietnamese block, each mapped to its folded ASCII letter, computed once
    /// from the general algorithm so the two paths cannot disagree.
    static let foldTable: [UInt32: UInt8] = {
        var t = [UInt32: UInt8]()
        for v in UInt32(0xC0)...0x24F { add(v) }
        for v in UInt32(0x1EA0)...0x1EF9 { add(v) }
        func add(_ v: UInt32) {
            guard let u = Unicode.Scalar(v) else { return }
            let f = slowFold(String(Character(u)))
            if f.utf8.count == 1, let b = f.utf8.first, b < 0x80, b != 0x20 { t[v] = b }
        }
        return t
    }()

    static func slowFold(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in s.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.value {
            case 0x0300...0x036F:
                continue  // combining marks: the tones and the hat, breve and horn
            case 0x0110, 0x0111:
                out.append("d")
                lastWasSpace = false
            default:
                if scalar.properties.isWhitespace {
                    if !lastWasSpace { out.append(" ") }
                    lastWasSpace = true
                } else {
                    for lower in String(scalar).lowercased().unicodeScalars { out.append(lower) }
                    lastWasSpace = false
                }
            }
        }
        var result = String(out)
        if result.hasSuffix(" ") { result.removeLast() }
        return result
    }
}
