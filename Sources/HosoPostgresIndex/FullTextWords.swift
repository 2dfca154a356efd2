import Foundation

/// The words of a folded key (a name, a place, a school as `VietnameseText.fold` gives them) as PostgreSQL's
/// full-text types hold them, cut by the same rule as SQLite's FTS5 `unicode61` tokenizer that the SQLite index
/// uses: a word is a run of letters, digits and private-use characters, everything else separates. The words go
/// into `tsvector` and `tsquery` literals as they are (quoted lexemes, no text search configuration, no stemming,
/// no unaccent): the folding was hoso's, once, in Swift, for both databases, so both find the same entries.
enum FullTextWords {
    /// PostgreSQL refuses a lexeme of 2 KiB or more; a word longer than this is cut here (on both sides, stored and
    /// searched, so such a word still finds itself and anything that shares its first 1000 bytes).
    static let longestWord = 1000

    static func words(_ key: String) -> [String] {
        var out = [String]()
        var current = String.UnicodeScalarView()
        for u in key.unicodeScalars {
            if isWordScalar(u) {
                current.append(u)
            } else if !current.isEmpty {
                out.append(cut(String(current)))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { out.append(cut(String(current))) }
        return out
    }

    static func isWordScalar(_ u: Unicode.Scalar) -> Bool {
        if u.isASCII {
            let v = u.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A)
        }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }

    /// Lowercased, as FTS5 folds case (a folded key already is), and cut to `longestWord` bytes.
    private static func cut(_ word: String) -> String {
        let lower = word.lowercased()
        guard lower.utf8.count > longestWord else { return lower }
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for u in lower.unicodeScalars {
            bytes += String(u).utf8.count
            if bytes > longestWord { break }
            kept.append(u)
        }
        return String(kept)
    }

    /// A lexeme quoted for a `tsvector` or `tsquery` literal (quotes and backslashes doubled).
    static func quoted(_ word: String) -> String {
        // Most words hold neither; Foundation's replacing was most of an import's CPU in this process.
        guard word.utf8.contains(where: { $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\\") }) else { return "'" + word + "'" }
        var out = "'"
        for c in word.unicodeScalars {
            if c == "'" || c == "\\" { out.unicodeScalars.append(c) }
            out.unicodeScalars.append(c)
        }
        return out + "'"
    }

    /// The `tsvector` literal of a key: each word with its position (1, 2, …), so that phrases can be matched.
    static func vector(_ key: String) -> String {
        // PostgreSQL keeps positions up to 16383; later words keep that one (only phrases that far in differ).
        words(key).enumerated().map { i, w in quoted(w) + ":" + String(min(i + 1, 16383)) }.joined(separator: " ")
    }

    /// The `tsquery` literal that asks what the SQLite index's FTS5 query asks: every token present, the last as a
    /// prefix; a token that holds several words ("nguyen-van") is a phrase of them, adjacent and in order. Nil when
    /// a token holds no word at all: FTS5 matches nothing then, so the whole query matches nothing.
    static func query(_ tokens: [String]) -> String? {
        var parts = [String]()
        for (i, t) in tokens.enumerated() {
            let ws = words(t)
            if ws.isEmpty { return nil }
            let last = i == tokens.count - 1
            let phrase = ws.enumerated().map { j, w in quoted(w) + (last && j == ws.count - 1 ? ":*" : "") }
            parts.append(phrase.count == 1 ? phrase[0] : "(" + phrase.joined(separator: " <-> ") + ")")
        }
        return parts.isEmpty ? nil : parts.joined(separator: " & ")
    }
}
