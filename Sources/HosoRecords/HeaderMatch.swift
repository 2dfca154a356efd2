import Foundation
import HosoCore

/// Finding a spreadsheet's columns by their titles as schools write them: the same title arrives precomposed or
/// decomposed (NFC/NFD), in capitals, with a line break inside the cell ("Ngày\nsinh"), with doubled spaces, or
/// typed without accents. Columns are always found by title, never by position: template versions move them.
public enum HeaderMatch {
    /// A title in its compared form: NFC, lower case, every run of white space (line breaks too) one space, no
    /// space at either end, and no trailing ":" or "*" (marks of a required column in some templates).
    public static func key(_ title: String) -> String {
        var s = VietnameseText.nfc(title).lowercased()
            .split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
        while let last = s.last, last == ":" || last == "*" { s.removeLast() }
        return s.trimmingCharacters(in: .whitespaces)
    }

    /// The same without accents (đ as d): "Ngày sinh" and "Ngay sinh" meet here.
    public static func folded(_ title: String) -> String { VietnameseText.fold(key(title)) }

    /// The column of `header` that one of `titles` names: first an exact match of the compared form, else a
    /// match without accents when exactly one column has it (accent-insensitive only where unambiguous).
    public static func column(for titles: [String], in header: [String]) -> Int? {
        let keys = header.map(key)
        for t in titles {
            if let i = keys.firstIndex(of: key(t)) { return i }
        }
        let folds = keys.map(VietnameseText.fold)
        for t in titles {
            let want = folded(t)
            let hits = folds.indices.filter { folds[$0] == want }
            if hits.count == 1 { return hits[0] }
        }
        return nil
    }

    /// A field a layout reads: its name, its label for people, the titles schools give its column.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var label: LocalizedText
        public var titles: [String]
        public var required: Bool

        public init(_ name: String, _ label: LocalizedText, titles: [String], required: Bool = false) {
            self.name = name
            self.label = label
            self.titles = titles
            self.required = required
        }
    }

    /// Field name → column, for every field whose column is found; a column is given to one field only (the
    /// first in `fields` order that claims it).
    public static func propose(_ fields: [Field], header: [String]) -> [String: Int] {
        var out = [String: Int]()
        var taken = Set<Int>()
        for f in fields {
            let free = header.indices.map { taken.contains($0) ? "" : header[$0] }
            if let c = column(for: f.titles + [f.name], in: free), !free[c].isEmpty {
                out[f.name] = c
                taken.insert(c)
            }
        }
        return out
    }

    /// The row (of the first `within`) that looks most like the header: the most fields found, at least
    /// `minimum`. Title lines above it ("DANH SÁCH HỌC SINH", "Lớp: 6A1") match none.
    public static func headerRow(_ rows: [Table.Row], fields: [Field], within: Int = 30, minimum: Int = 2) -> Int? {
        var best: (index: Int, count: Int)?
        for (i, r) in rows.prefix(within).enumerated() {
            let n = propose(fields, header: r.cells).count
            if n >= minimum, n > (best?.count ?? 0) { best = (i, n) }
        }
        return best?.index
    }

    /// A layout's signature, to find a saved mapping again: its titles in compared form, in order, empty ones out.
    public static func signature(_ header: [String]) -> String {
        header.map(key).filter { !$0.isEmpty }.joined(separator: "|")
    }
}
