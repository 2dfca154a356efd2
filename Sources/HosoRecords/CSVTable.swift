import Foundation
import HosoCore
import Synchronization

extension HosoError.Code {
    public static let csvInvalid = Self("CSV_INVALID", .badInput)
}

/// A table read from a spreadsheet file (CSV or XLSX): a header and rows of text cells, each row with the
/// number a spreadsheet program would show (the header is row 1), so errors can point at "file:row:column".
public struct Table: Sendable, Equatable {
    public var source: String
    public var header: [String]
    public var rows: [Row]
    /// Legacy-encoded text found and converted while reading, for the import report.
    public var notes: [String] = []
    /// The workbook counts dates from 1904 (Excel's other date system); CSV files never do.
    public var date1904 = false

    public struct Row: Sendable, Equatable {
        /// 1-based, as the spreadsheet shows it.
        public var number: Int
        public var cells: [String]
    }

    public init(source: String, header: [String], rows: [Row]) {
        self.source = source
        self.header = header
        self.rows = rows
    }

    /// Where a cell is, for error messages: `file:row:column-title`.
    public func place(row: Int, column: Int) -> String {
        let title = column < header.count ? header[column] : "#\(column + 1)"
        return "\(source):\(row):\(title)"
    }

    /// The index of a column by its title, compared after NFC, trimming and case folding.
    public func column(named title: String) -> Int? {
        let want = Self.key(title)
        return header.firstIndex { Self.key($0) == want }
    }

    /// `column(named:)` for many titles, the header's titles compared in that form only once.
    public func columns(named titles: [String]) -> [Int?] {
        let keys = header.map(Self.key)
        return titles.map { title in
            let want = Self.key(title)
            return keys.firstIndex { $0 == want }
        }
    }

    static func key(_ s: String) -> String {
        if let known = ColumnKeys.shared.get(s) { return known }
        let k = VietnameseText.nfc(s).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        ColumnKeys.shared.put(s, k)
        return k
    }
}

/// Column titles in their compared form, remembered: every ledger of an office has the same few titles, and
/// each took a trip through Foundation. Keyed by the exact code units (a title and its NFD twin are two keys
/// with the same value). Bounded.
final class ColumnKeys: Sendable {
    static let shared = ColumnKeys()
    private struct State {
        var keys: [[UInt8]: String] = [:]
    }
    private let state = Mutex(State())

    func get(_ s: String) -> String? {
        let bytes = Array(s.utf8)
        return state.withLock { $0.keys[bytes] }
    }

    func put(_ s: String, _ key: String) {
        let bytes = Array(s.utf8)
        state.withLock { st in
            if st.keys.count < 4096 { st.keys[bytes] = key }
        }
    }
}

/// RFC 4180 CSV as spreadsheet programs write it: a BOM is skipped, the separator (comma, semicolon or tab —
/// Vietnamese Excel writes ';') is detected from the header line, quoted fields may hold separators, quotes
/// and line breaks, and CRLF or LF end a record.
public enum CSVReader {
    public static let maxBytes = 256 << 20

    /// Parses CSV text. Errors (an unterminated quote, a quote inside an unquoted field) name the row.
    public static func parse(_ text: String, source: String) throws -> Table {
        try parse(utf8: Array(text.utf8), source: source)
    }

    /// Reads a CSV file's bytes: UTF-8 when valid, otherwise Windows-1252 (old Excel); legacy Vietnamese
    /// font encodings inside are handled by the importer, column by column.
    public static func read(bytes: [UInt8], source: String) throws -> Table {
        guard bytes.count <= maxBytes else {
            throw HosoError(.csvInvalid, .both("Tệp quá lớn", "The file is too large"), location: source, cause: "\(bytes.count) bytes")
        }
        if let wide = CSVEncodingCheck.wideEncoding(bytes) { throw CSVEncodingCheck.refusal(wide, source: source) }
        if String(validating: bytes, as: UTF8.self) != nil { return try parse(utf8: bytes, source: source) }
        if CSVEncodingCheck.looksLikeWindows1258(bytes) { throw CSVEncodingCheck.refusal("Windows-1258", source: source) }
        return try parse(windows1252(bytes), source: source)
    }

    /// The parser, over valid UTF-8. Every byte with a meaning here (quote, separators, CR, LF, the BOM's
    /// position) is ASCII or the whole BOM, so fields are cut between scalars and each is valid UTF-8 by itself:
    /// the same table as walking the text scalar by scalar, without building each field a scalar at a time.
    static func parse(utf8 chars: [UInt8], source: String) throws -> Table {
        var start = 0
        if chars.count >= 3, chars[0] == 0xEF, chars[1] == 0xBB, chars[2] == 0xBF { start = 3 }  // U+FEFF
        var scanner = CSVRecordScanner(chars, from: start, separator: detectSeparator(chars[start...]), source: source)
        return try table(try scanner.scan(), source: source)
    }

    /// The first record is the header (its titles trimmed), the others are the rows.
    private static func table(_ records: [(Int, [String])], source: String) throws -> Table {
        guard let first = records.first else {
            throw HosoError(.csvInvalid, .both("Tệp không có dòng tiêu đề", "The file has no header row"), location: source)
        }
        return Table(
            source: source, header: first.1.map { VietnameseText.trimmed($0) },
            rows: records.dropFirst().map { Table.Row(number: $0.0, cells: $0.1) })
    }

    /// Windows-1252 decoding, exact for 0x80–0x9F (five undefined bytes keep their C1 code points, so the
    /// original bytes can always be recovered).
    public static func windows1252(_ bytes: [UInt8]) -> String {
        let high: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
            0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
        ]
        var out = String.UnicodeScalarView()
        for b in bytes {
            let v: UInt32 = (0x80...0x9F).contains(b) ? high[Int(b) - 0x80] : UInt32(b)
            out.append(Unicode.Scalar(v)!)
        }
        return String(out)
    }

    static func detectSeparator(_ chars: ArraySlice<UInt8>) -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0]
        var quoted = false
        for c in chars {
            if c == UInt8(ascii: "\"") { quoted.toggle() }
            if !quoted && (c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")) { break }
            if !quoted, counts[c] != nil { counts[c]! += 1 }
        }
        return counts.max { a, b in a.value < b.value || (a.value == b.value && a.key != UInt8(ascii: ",")) }?.key ?? UInt8(ascii: ",")
    }
}

/// The walk of `CSVReader.parse(utf8:source:)` over the bytes: cuts fields and records, and counts lines so
/// that an error names the row it is on.
private struct CSVRecordScanner {
    static let quote = UInt8(ascii: "\"")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")

    let chars: [UInt8]
    let separator: UInt8
    let source: String
    var i: Int
    /// Each record with the line it starts on.
    var records = [(Int, [String])]()
    var field = [UInt8]()
    var fields = [String]()
    var line = 1
    var recordLine = 1
    var quoted = false
    var fieldStarted = false

    init(_ chars: [UInt8], from start: Int, separator: UInt8, source: String) {
        self.chars = chars
        self.i = start
        self.separator = separator
        self.source = source
    }

    /// Every record, blank lines left out.
    mutating func scan() throws -> [(Int, [String])] {
        while i < chars.count {
            if quoted { try scanQuoted() } else { try scanUnquoted() }
        }
        if quoted {
            throw HosoError(.csvInvalid, .both("Dấu ngoặc kép chưa đóng", "Unterminated quoted field"), location: "\(source):\(recordLine)")
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }

    /// One step inside a quoted field: a doubled quote, the closing quote, or a byte of the field.
    private mutating func scanQuoted() throws {
        let c = chars[i]
        if c == Self.quote {
            if i + 1 < chars.count && chars[i + 1] == Self.quote {
                field.append(Self.quote)
                i += 2
                return
            }
            quoted = false
            i += 1
            // Only a separator or the end of the record may follow a closing quote.
            if i < chars.count, chars[i] != separator, chars[i] != Self.lf, chars[i] != Self.cr {
                throw HosoError(
                    .csvInvalid, .both("Có ký tự sau dấu ngoặc kép đóng", "Characters after a closing quote"),
                    location: "\(source):\(line)")
            }
            return
        }
        if c == Self.lf { line += 1 }
        field.append(c)
        i += 1
    }

    /// One step outside quotes: an opening quote, a separator, a line end, or a run of plain bytes.
    private mutating func scanUnquoted() throws {
        let c = chars[i]
        switch c {
        case Self.quote where !fieldStarted && field.isEmpty:
            quoted = true
            fieldStarted = true
        case separator:
            endField()
        case Self.cr:
            if i + 1 < chars.count && chars[i + 1] == Self.lf { i += 1 }
            endRecord()
            line += 1
            recordLine = line
        case Self.lf:
            endRecord()
            line += 1
            recordLine = line
        default:
            if c == Self.quote {
                throw HosoError(
                    .csvInvalid, .both("Dấu ngoặc kép giữa một ô không được bao ngoặc", "A quote inside an unquoted field"),
                    location: "\(source):\(line)")
            }
            // A run of plain bytes at once.
            var j = i + 1
            while j < chars.count {
                let d = chars[j]
                if d == separator || d == Self.quote || d == Self.cr || d == Self.lf { break }
                j += 1
            }
            field.append(contentsOf: chars[i..<j])
            fieldStarted = true
            i = j
            return
        }
        i += 1
    }

    private mutating func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        fieldStarted = false
    }

    private mutating func endRecord() {
        endField()
        // Skip blank lines entirely (a trailing newline, or empty rows between tables).
        if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
        fields = []
    }
}

/// Encodings a CSV file can come in that this reader does not take: told apart from broken quoting, so the
/// registrar learns what to do ("save as CSV UTF-8") instead of reading about a quote on line 1.
enum CSVEncodingCheck {
    static func refusal(_ encoding: String, source: String) -> HosoError {
        HosoError(
            .csvInvalid,
            .both(
                "Tệp CSV dùng bảng mã \(encoding), không phải UTF-8: hãy mở tệp và lưu lại dưới dạng CSV UTF-8",
                "The CSV file is in \(encoding), not UTF-8: open it and save as CSV UTF-8"),
            location: source)
    }

    /// UTF-16 or UTF-32, by their byte-order mark or, without one, by the NUL bytes that ASCII text has in them.
    static func wideEncoding(_ b: [UInt8]) -> String? {
        if b.starts(with: [0xFF, 0xFE, 0, 0]) || b.starts(with: [0, 0, 0xFE, 0xFF]) { return "UTF-32" }
        if b.starts(with: [0xFF, 0xFE]) || b.starts(with: [0xFE, 0xFF]) { return "UTF-16" }
        let head = b.prefix(4096)
        guard head.count >= 4 else { return nil }
        var nulsAt = [0, 0, 0, 0]
        for (i, c) in head.enumerated() where c == 0 { nulsAt[i % 4] += 1 }
        let quarter = head.count / 4
        // UTF-32: three of every four bytes are NUL for ASCII text; UTF-16: one of every two (half of them is enough:
        // Vietnamese letters have no NUL byte).
        // At least one NUL in each such column: a file of four to seven bytes has quarter * 3 / 4 == 0.
        if nulsAt.filter({ $0 > 0 && $0 >= quarter * 3 / 4 }).count >= 3 { return "UTF-32" }
        if nulsAt[0] + nulsAt[2] >= quarter || nulsAt[1] + nulsAt[3] >= quarter { return "UTF-16" }
        return nil
    }

    /// Windows-1258 differs from Windows-1252 (the reading used for non-UTF-8 files) in the bytes of ă, đ, ơ, ư,
    /// ₫ and the five combining tone marks. Text is taken for Windows-1258 when words holding those bytes mostly
    /// read, that way, as Vietnamese syllables. TCVN3 and VNI files (converted later, column by column) do not:
    /// their bytes read as Windows-1258 give no Vietnamese word.
    static func looksLikeWindows1258(_ b: [UInt8]) -> Bool {
        var syllables = 0
        var others = 0
        var word = [UInt8]()
        func endWord() {
            defer { word.removeAll(keepingCapacity: true) }
            guard word.contains(where: { differing[Int($0)] }) else { return }
            if Orthography.isSyllable(VietnameseText.nfc(decode(word))) { syllables += 1 } else { others += 1 }
        }
        for c in b {
            let letter = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c >= 0xC0
            if letter { word.append(c) } else if !word.isEmpty { endWord() }
            if syllables + others >= 200 { break }
        }
        if !word.isEmpty { endWord() }
        return syllables >= 2 && syllables >= others * 4
    }

    /// The Windows-1258 bytes whose meaning differs from Windows-1252, with their scalars.
    static let changed: [UInt8: UInt32] = [
        0xC3: 0x0102, 0xCC: 0x0300, 0xD0: 0x0110, 0xD2: 0x0309, 0xD5: 0x01A0, 0xDD: 0x01AF, 0xDE: 0x0303,
        0xE3: 0x0103, 0xEC: 0x0301, 0xF0: 0x0111, 0xF2: 0x0323, 0xF5: 0x01A1, 0xFD: 0x01B0, 0xFE: 0x20AB,
    ]
    static let differing: [Bool] = (0..<256).map { changed[UInt8($0)] != nil }

    /// A word of letters (ASCII or 0xC0 and above) as Windows-1258 reads it.
    static func decode(_ word: [UInt8]) -> String {
        var out = String.UnicodeScalarView()
        for c in word { out.append(Unicode.Scalar(changed[c] ?? UInt32(c))!) }
        return String(out)
    }
}

/// Cells that spreadsheet programs would run as formulas ("CSV injection"): a text starting with =, +, -, @, a tab
/// or a carriage return. Every CSV hoso writes passes its cells through `neutralised`, which puts a quote in front
/// (Excel and LibreOffice show the text, not a result); plain numbers such as "-1.5" stay as they are, so marks
/// keep their value. `restored` undoes it when such a file comes back, so export then import gives the same body.
public enum CSVFormula {
    static func isTrigger(_ c: Unicode.Scalar) -> Bool { c == "=" || c == "+" || c == "-" || c == "@" || c == "\t" || c == "\r" }

    static func isPlainNumber(_ s: String) -> Bool {
        var u = Substring(s).utf8[...]
        if u.first == UInt8(ascii: "-") || u.first == UInt8(ascii: "+") { u = u.dropFirst() }
        let parts = u.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        return !u.isEmpty && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }

    public static func neutralised(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, isTrigger(first), !isPlainNumber(cell) else { return cell }
        return "'" + cell
    }

    public static func restored(_ cell: String) -> String {
        let u = cell.unicodeScalars
        guard u.first == "'", let second = u.dropFirst().first, isTrigger(second), !isPlainNumber(String(cell.dropFirst())) else {
            return cell
        }
        return String(cell.dropFirst())
    }
}
