/// Text and attribute values for HTML: the five characters that could end a text run or an attribute escaped,
/// everything else as it is. The web server's pages and the signing agent's share it.
package enum HTMLText {
    package static func escape(_ s: String) -> String {
        // Fast path: most text has nothing to escape.
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
