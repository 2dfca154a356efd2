import Foundation
import HosoCore

enum Pointer {
    /// RFC 6901 escaping of one reference token.
    static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func render(_ tokens: [String]) -> String {
        tokens.map { "/" + escape($0) }.joined()
    }
}

enum URIs {
    /// Resolves a reference against a base URI: enough of RFC 3986 for schema `$id`s and `$ref`s.
    static func resolve(_ reference: String, against base: String) -> String {
        let (baseDocument, _) = split(base)
        let hashIndex = reference.firstIndex(of: "#")
        let path = hashIndex.map { String(reference[..<$0]) } ?? reference
        let fragment = hashIndex.map { String(reference[reference.index(after: $0)...]) } ?? ""
        let decoded = fragment.removingPercentEncoding ?? fragment
        let document: String
        if path.isEmpty {
            document = baseDocument
        } else if path.range(of: "^[A-Za-z][A-Za-z0-9+.-]*:", options: .regularExpression) != nil {
            document = path
        } else if path.hasPrefix("/") {
            document = origin(baseDocument) + normalize(path)
        } else {
            let directory = baseDocument.lastIndex(of: "/").map { String(baseDocument[...$0]) } ?? ""
            let o = origin(directory)
            document = o + normalize(String(directory.dropFirst(o.count)) + path)
        }
        return document + "#" + decoded
    }

    /// The document part of a resolved reference (no fragment).
    static func document(_ reference: String, against base: String) -> String {
        split(resolve(reference, against: base)).document
    }

    /// "https://host/a/b.json#/x" → ("https://host/a/b.json", "/x").
    static func split(_ uri: String) -> (document: String, fragment: String) {
        guard let h = uri.firstIndex(of: "#") else { return (uri, "") }
        return (String(uri[..<h]), String(uri[uri.index(after: h)...]))
    }

    /// "https://host" of "https://host/a/b".
    private static func origin(_ uri: String) -> String {
        guard let r = uri.range(of: "://") else { return "" }
        let afterScheme = uri[r.upperBound...]
        let end = afterScheme.firstIndex(of: "/") ?? uri.endIndex
        return String(uri[..<end])
    }

    /// Removes "." and ".." segments.
    private static func normalize(_ path: String) -> String {
        var out = [Substring]()
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (i, s) in segments.enumerated() {
            if s == "." {
                if i == segments.count - 1 { out.append("") }
                continue
            }
            if s == ".." {
                if out.count > 1 { out.removeLast() }
                if i == segments.count - 1 { out.append("") }
                continue
            }
            out.append(s)
        }
        return out.joined(separator: "/")
    }

    /// hoso's own schemas by file name; others in full.
    static func display(_ uri: String) -> String {
        uri.hasPrefix(SchemaValidator.baseURI) ? String(uri.dropFirst(SchemaValidator.baseURI.count)) : uri
    }
}

enum Render {
    /// A value as JSON text, cut short: messages name what was found without flooding the screen.
    static func value(_ v: JSONValue) -> String {
        let text = (try? CanonicalJSON.serialize(v, nfc: false)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        let scalars = text.unicodeScalars
        return scalars.count > 60 ? String(scalars.prefix(60)) + "…" : text
    }

    static func number(_ d: Double) -> String {
        d.isFinite ? CanonicalJSON.formatNumber(d) : "\(d)"
    }

    /// When the only difference is the Unicode form, say so: the fix is to normalise, not to retype.
    static func nfcHint(_ v: JSONValue, _ allowed: [JSONValue]) -> LocalizedText {
        guard case .string(let s) = v else { return .both("", "") }
        let n = VietnameseText.nfc(s)
        let close = allowed.contains {
            if case .string(let a) = $0 { return a.utf8.elementsEqual(n.utf8) }
            return false
        }
        return close ? .both(" (chuỗi chưa chuẩn hoá Unicode NFC)", " (the text is not in Unicode NFC)") : .both("", "")
    }

    /// "did you mean …" for a misspelt property name, else the list of allowed names.
    static func suggestion(_ name: String, _ allowed: [String]) -> LocalizedText {
        let folded = name.lowercased()
        let best = allowed.map { (name: $0, distance: editDistance(folded, $0.lowercased())) }.min { $0.distance < $1.distance }
        if let best, best.distance <= 2 {
            return .both("; có phải “\(best.name)”?", "; did you mean “\(best.name)”?")
        }
        if allowed.isEmpty { return .both("", "") }
        let list = allowed.joined(separator: ", ")
        return .both("; các trường được phép: \(list)", "; allowed: \(list)")
    }

    /// The first reason each alternative failed.
    static func branches(_ results: [[Violation]]) -> LocalizedText {
        var vi = [String]()
        var en = [String]()
        for (i, r) in results.enumerated() {
            let first = r.first
            let at = first.map { $0.path.isEmpty ? "" : Pointer.render($0.path) + ": " } ?? ""
            vi.append("(\(i + 1)) \(at)\(first?.message.vi ?? "")")
            en.append("(\(i + 1)) \(at)\(first?.message.en ?? "")")
        }
        return .both(vi.joined(separator: "; "), en.joined(separator: "; "))
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
