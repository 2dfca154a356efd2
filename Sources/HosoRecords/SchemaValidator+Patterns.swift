import Foundation
import HosoCore

// MARK: - Patterns

/// Strings compared by their code units, as JSON Schema and RFC 8785 compare them (Swift's `==` is canonical
/// equivalence: "é" and "e\u{301}" are equal to it).
enum UTF8Bytes {
    @inline(__always)
    static func equal(_ a: String, _ b: String) -> Bool {
        let au = a.utf8
        let bu = b.utf8
        guard au.count == bu.count else { return false }  // O(1) for native strings
        if au.isEmpty { return true }
        if let same = au.withContiguousStorageIfAvailable({ pa in
            bu.withContiguousStorageIfAvailable { pb in memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0 }
        }), let same {
            return same
        }
        return au.elementsEqual(bu)
    }
}

/// A compiled `pattern`: ICU's regular expression (what python-jsonschema agrees with), and for the shapes hoso's
/// schemas use, a direct check that gives the same answer on the strings it can decide without ICU. It answers
/// nil for anything else (line terminators, unusual white space, non-ASCII where it matters), and ICU decides.
/// Every ledger entry goes through a dozen patterns: ICU was a seventh of an import.
struct Pattern: Sendable {
    let regex: NSRegularExpression
    let source: String
    let fast: FastMatch?

    init(regex: NSRegularExpression, source: String) {
        self.regex = regex
        self.source = source
        self.fast = FastMatch(source)
    }

    func matches(_ s: String) -> Bool {
        if let fast, let answer = fast.matches(s) { return answer }
        return Formats.matches(regex, s)
    }
}

/// Direct checks for the pattern shapes in Schemas/. Each answer agrees with ICU's unanchored search on the
/// strings it decides; `Tests/HosoRecordsTests/SchemaPatternTests.swift` compares them on many strings.
enum FastMatch: Sendable, Equatable {
    /// A class of control characters searched for anywhere (`[\x00-\x1f\x7f-\x9f\u2028\u2029]`): the C0
    /// controls whose bits are set in `c0`, and always DEL, the C1 controls, U+2028 and U+2029. Decided for
    /// every string.
    case controls(c0: UInt32)
    /// `^(\S([\s\S]*\S)?)?$`: no white space at either end. Decided when every scalar is U+0020 or surely not
    /// white space and not a line terminator (so `$` can only match at the very end).
    case trimmedLine
    /// `\S`: some scalar that is not white space.
    case nonSpace
    /// `^` runs of ASCII classes with counts `$`, where only the last run varies in length, so a greedy scan is
    /// exact. Decided for strings of printable ASCII (no line terminator for `$` to stop before).
    case anchored([Run])

    struct Run: Sendable, Equatable {
        /// Bit i of lo (0–63) or hi (64–127): byte i is in the class.
        var lo: UInt64 = 0
        var hi: UInt64 = 0
        var min: Int
        var max: Int  // Int.max for * and +

        func contains(_ b: UInt8) -> Bool {
            b < 64 ? (lo >> UInt64(b)) & 1 == 1 : (b < 128 && (hi >> UInt64(b - 64)) & 1 == 1)
        }
        mutating func insert(_ b: UInt8) {
            if b < 64 { lo |= 1 << UInt64(b) } else { hi |= 1 << UInt64(b - 64) }
        }
    }

    init?(_ source: String) {
        switch source {
        case "[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]":
            self = .controls(c0: 0xFFFF_FFFF)
        case "[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029]":
            self = .controls(c0: 0xFFFF_FFFF & ~(1 << 0x09 | 1 << 0x0A))
        case "^(\\S([\\s\\S]*\\S)?)?$":
            self = .trimmedLine
        case "\\S":
            self = .nonSpace
        default:
            guard let runs = Self.parseAnchored(source) else { return nil }
            self = .anchored(runs)
        }
    }

    /// Scalars that are surely not white space for ICU (`\s`, White_Space or \p{Z}) and not line terminators:
    /// printable ASCII but the space, Latin-1 letters and signs above NBSP, Latin Extended-A/B, combining
    /// diacritics, and the precomposed Vietnamese letters. Everything else is left to ICU.
    @inline(__always)
    static func isSurelyNonSpace(_ v: UInt32) -> Bool {
        (v >= 0x21 && v <= 0x7E) || (v >= 0xA1 && v <= 0x24F) || (v >= 0x300 && v <= 0x36F) || (v >= 0x1EA0 && v <= 0x1EF9)
    }

    func matches(_ s: String) -> Bool? {
        switch self {
        case .controls(let c0):
            // On the UTF-8 bytes: U+0080…U+009F are C2 80…C2 9F, U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
            let found: Bool? = s.utf8.withContiguousStorageIfAvailable { b in
                let n = b.count
                var k = 0
                while k < n {
                    let c = b[k]
                    if c < 0x20 {
                        if (c0 >> UInt32(c)) & 1 == 1 { return true }
                    } else if c == 0x7F {
                        return true
                    } else if c == 0xC2 {
                        if k + 1 < n, b[k + 1] <= 0x9F { return true }
                    } else if c == 0xE2 {
                        if k + 2 < n, b[k + 1] == 0x80, b[k + 2] == 0xA8 || b[k + 2] == 0xA9 { return true }
                    }
                    k += 1
                }
                return false
            }
            if let found { return found }
            for u in s.unicodeScalars {
                let v = u.value
                if v < 0x20 ? (c0 >> v) & 1 == 1 : (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029 { return true }
            }
            return false

        case .trimmedLine:
            var first: UInt32? = nil
            var last: UInt32 = 0
            for u in s.unicodeScalars {
                let v = u.value
                guard v == 0x20 || Self.isSurelyNonSpace(v) else { return nil }
                if first == nil { first = v }
                last = v
            }
            guard let first else { return true }  // the empty string: the group is optional
            return first != 0x20 && last != 0x20

        case .nonSpace:
            var undecided = false
            for u in s.unicodeScalars {
                let v = u.value
                if Self.isSurelyNonSpace(v) { return true }
                if v != 0x20 { undecided = true }
            }
            return undecided ? nil : false

        case .anchored(let runs):
            var result: Bool? = nil
            let scanned: Bool? = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
                for b in bytes where b < 0x20 || b > 0x7E { return false }  // not printable ASCII: ICU decides
                var i = 0
                var ok = true
                for run in runs {
                    var n = 0
                    while n < run.max, i < bytes.count, run.contains(bytes[i]) {
                        n += 1
                        i += 1
                    }
                    if n < run.min {
                        ok = false
                        break
                    }
                }
                result = ok && i == bytes.count
                return true
            }
            return scanned == true ? result : nil
        }
    }

    /// `^` then literals or bracket classes of ASCII (ranges, single characters, a trailing '-'), each with an
    /// optional {n}, {n,m}, * or + `$`; only the last may vary in length. nil for anything else.
    static func parseAnchored(_ source: String) -> [Run]? {
        let p = Array(source.utf8)
        guard p.count >= 2, p.first == UInt8(ascii: "^"), p.last == UInt8(ascii: "$") else { return nil }
        var i = 1
        let end = p.count - 1
        var runs = [Run]()
        while i < end {
            var run = Run(min: 1, max: 1)
            if p[i] == UInt8(ascii: "[") {
                i += 1
                guard parseClass(p, &i, end: end, into: &run) else { return nil }
            } else {
                guard isPlainLiteral(p[i]) else { return nil }
                run.insert(p[i])
                i += 1
            }
            guard parseQuantifier(p, &i, end: end, into: &run) else { return nil }
            runs.append(run)
        }
        // A greedy scan is exact only if no run but the last varies in length.
        for r in runs.dropLast() where r.min != r.max { return nil }
        return runs.isEmpty ? nil : runs
    }

    /// The characters a pattern may use as literals, in or out of a bracket class.
    private static func isPlainLiteral(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "-")
            || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b == UInt8(ascii: "/") || b == UInt8(ascii: " ")
            || b == UInt8(ascii: "=") || b == UInt8(ascii: ",") || b == UInt8(ascii: "@") || b == UInt8(ascii: "#")
    }

    /// A bracket class after its '[', through its ']': its characters go into `run`. False if it is not one we take.
    private static func parseClass(_ p: [UInt8], _ i: inout Int, end: Int, into run: inout Run) -> Bool {
        var any = false
        while i < end, p[i] != UInt8(ascii: "]") {
            let a = p[i]
            guard isPlainLiteral(a) else { return false }
            if a == UInt8(ascii: "-") {
                // Only a trailing '-' is a literal here; a leading or middle one is a range or worse.
                guard i + 1 < end, p[i + 1] == UInt8(ascii: "]"), any else { return false }
                run.insert(a)
                i += 1
                continue
            }
            if i + 2 < end, p[i + 1] == UInt8(ascii: "-"), p[i + 2] != UInt8(ascii: "]") {
                let b = p[i + 2]
                guard isPlainLiteral(b), b != UInt8(ascii: "-"), a <= b else { return false }
                // Ranges within one kind only (0-9, a-z, A-Z subsets): no surprises with case or order.
                let digitRange = a >= 0x30 && b <= 0x39
                let lowerRange = a >= 0x61 && b <= 0x7A
                let upperRange = a >= 0x41 && b <= 0x5A
                guard digitRange || lowerRange || upperRange else { return false }
                for c in a...b { run.insert(c) }
                i += 3
            } else {
                run.insert(a)
                i += 1
            }
            any = true
        }
        guard any, i < end else { return false }
        i += 1  // ']'
        return true
    }

    /// An optional {n}, {n,m}, *, + or ? after a literal or class: sets `run`'s bounds. False if it is malformed.
    private static func parseQuantifier(_ p: [UInt8], _ i: inout Int, end: Int, into run: inout Run) -> Bool {
        guard i < end else { return true }
        switch p[i] {
        case UInt8(ascii: "{"):
            i += 1
            guard let n = number(p, &i, end: end) else { return false }
            var m = n
            if i < end, p[i] == UInt8(ascii: ",") {
                i += 1
                guard let mm = number(p, &i, end: end) else { return false }  // {n,} is not used: keep it simple
                m = mm
            }
            guard i < end, p[i] == UInt8(ascii: "}"), n <= m else { return false }
            i += 1
            run.min = n
            run.max = m
        case UInt8(ascii: "*"):
            run.min = 0
            run.max = Int.max
            i += 1
        case UInt8(ascii: "+"):
            run.min = 1
            run.max = Int.max
            i += 1
        case UInt8(ascii: "?"):
            run.min = 0
            run.max = 1
            i += 1
        default: break
        }
        return true
    }

    /// Up to six decimal digits at `i`; nil if there are none.
    private static func number(_ p: [UInt8], _ i: inout Int, end: Int) -> Int? {
        var v = 0
        var digits = 0
        while i < end, p[i] >= 0x30, p[i] <= 0x39, digits < 6 {
            v = v * 10 + Int(p[i] - 0x30)
            i += 1
            digits += 1
        }
        return digits > 0 ? v : nil
    }
}
