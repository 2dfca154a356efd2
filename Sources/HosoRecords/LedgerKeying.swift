import Foundation
import HosoCore

/// A ledger typed by people looking at its page scans (the keying workbench): the fields they key, and the
/// import's own rules applied to what they keyed. Keyed entries become a table with one column per field, so the
/// checks are exactly those a spreadsheet import gets (values, dates, serials, numbers, pages).
public enum LedgerKeying {
    /// The fields of one entry, in the order the form asks for them. The page comes from the scan being keyed.
    public static let fields = [
        "stt", "ledgerNumber", "serial", "fullName", "dateOfBirth", "sex", "placeOfBirth", "ethnicity", "graduationGrade", "notes",
    ]
    /// The fields without which an entry is not one.
    public static let requiredFields = LedgerMapping.requiredFields
    /// The ledger header's fields (ledger.schema.json), in its order.
    public static let headerFields = LedgerMapping.headerFields
    /// Dates are typed as a Vietnamese office writes them.
    public static let dateFormat = "dd/MM/yyyy"

    /// A value as it is compared between two keyers and stored: NFC, trimmed, inner runs of spaces made one.
    public static func normalized(_ s: String) -> String {
        VietnameseText.nfc(s).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// One keyed entry: its page and its values by field name.
    public struct Row: Sendable, Equatable {
        public var page: Int
        public var values: [String: String]
        /// The entry's row on the scan, x,y,w,h as fractions of the page (nil when nobody marked it).
        public var region: [Double]?
        public init(page: Int, values: [String: String], region: [Double]? = nil) {
            self.page = page
            self.values = values
            self.region = region
        }
    }

    /// A region as the import's column has it: x,y,w,h with at most four decimals.
    public static func regionText(_ r: [Double]?) -> String {
        r.map { $0.map { String(format: "%.4f", $0) }.joined(separator: ",") } ?? ""
    }

    /// The band where the next entry's row most likely is on a regular table: just below `previous`, as high, kept
    /// on the page. Nil when there is no previous band or it already reaches the page's foot.
    public static func nextRegion(after previous: [Double]?) -> [Double]? {
        guard let p = previous, p.count == 4, p[3] > 0, p[1] + p[3] < 1 else { return nil }
        let y = p[1] + p[3]
        return [p[0], y, p[2], min(p[3], 1 - y)]
    }

    /// The mapping a keyed ledger is read with: each field's column has the field's own name.
    public static func mapping(recordId: String, header: [JSONMember], year: Int, path: String = "keying") -> LedgerMapping {
        LedgerMapping(
            path: path, recordId: recordId, header: header, year: year,
            columns: Dictionary(uniqueKeysWithValues: (fields + ["page", "region"]).map { ($0, $0) }), dateFormat: dateFormat, sheet: nil,
            scansDirectory: nil)
    }

    /// The keyed rows as a table (row `i` of `rows` is the table's row `i + 2`, as a spreadsheet numbers it).
    public static func table(_ rows: [Row], source: String = "keying") -> Table {
        Table(
            source: source, header: fields + ["page", "region"],
            rows: rows.enumerated().map { i, r in
                Table.Row(number: i + 2, cells: fields.map { normalized(r.values[$0] ?? "") } + [String(r.page), regionText(r.region)])
            })
    }

    /// The index in `rows` and the field a problem of `check` is about (nil for the ledger as a whole).
    public static func place(of problem: HosoError, source: String = "keying") -> (row: Int, field: String)? {
        guard let loc = problem.location, loc.hasPrefix(source + ":") else { return nil }
        let parts = loc.dropFirst(source.count + 1).split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let line = Int(parts[0]), line >= 2 else { return nil }
        return (line - 2, parts[1])
    }

    /// The keyed rows checked with the import's rules.
    public static func check(
        _ rows: [Row], recordId: String, header: [JSONMember], year: Int, scanPages: Set<Int>, existing: ExistingLedgerNumbers
    ) -> LedgerDraft {
        LedgerImporter.read(
            table(rows), mapping: mapping(recordId: recordId, header: header, year: year), scanPages: scanPages, existing: existing)
    }

    /// The CSV text of the keyed rows (UTF-8, every cell quoted), for the import path that commits them.
    public static func csv(_ rows: [Row]) -> String {
        let t = table(rows)
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return ([t.header] + t.rows.map(\.cells)).map { $0.map(q).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}
