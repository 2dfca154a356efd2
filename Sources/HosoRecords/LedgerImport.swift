import Foundation
import HosoCore

extension HosoError.Code {
    public static let mappingInvalid = Self("LEDGER_MAPPING_INVALID", .badInput)
    public static let ledgerColumnMissing = Self("LEDGER_COLUMN_MISSING", .badInput)
    public static let ledgerValueMissing = Self("LEDGER_VALUE_MISSING", .badInput)
    public static let ledgerValueInvalid = Self("LEDGER_VALUE_INVALID", .badInput)
    public static let ledgerDuplicateSerial = Self("LEDGER_DUPLICATE_SERIAL", .badInput)
    public static let ledgerDuplicateNumber = Self("LEDGER_DUPLICATE_LEDGER_NUMBER", .badInput)
    public static let ledgerNumberGap = Self("LEDGER_NUMBER_GAP", .badInput)
    public static let ledgerPageWithoutScan = Self("LEDGER_PAGE_WITHOUT_SCAN", .badInput)
    public static let ledgerWarning = Self("LEDGER_WARNING", .badInput)
}

/// How a registrar's spreadsheet maps onto the ledger format (Schemas/FORMATS.md, ledger-mapping.schema.json).
public struct LedgerMapping: Sendable {
    public var path: String
    public var recordId: String
    /// The ledger's header: issuer, title, level, decision, year, school, mode.
    public var header: [JSONMember]
    public var year: Int
    /// The issuing body: ledger numbers run per issuer and year.
    public var issuer: String {
        if case .string(let s)? = header.first(where: { $0.key == "issuer" })?.value { return VietnameseText.nfc(s) }
        return ""
    }
    /// Field name → the spreadsheet's column title.
    public var columns: [String: String]
    public var dateFormat: String
    public var sheet: String?
    /// Directory of page scans, resolved against the mapping file's directory.
    public var scansDirectory: String?

    public static let fields = [
        "stt", "fullName", "dateOfBirth", "placeOfBirth", "sex", "ethnicity", "graduationGrade",
        "serial", "ledgerNumber", "recipientSigned", "notes", "citizenId", "moetId", "page", "region",
    ]
    public static let requiredFields = [
        "stt", "fullName", "dateOfBirth", "placeOfBirth", "sex", "ethnicity", "serial", "ledgerNumber",
    ]
    static let headerFields = ["issuer", "title", "level", "decision", "year", "school", "mode"]

    public static func load(path: String) throws -> LedgerMapping {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HosoError(.inputNotFound, .both("Không đọc được tệp ánh xạ cột", "Cannot read the column mapping file"), location: path)
        }
        let v = try CanonicalJSON.parse(Array(data), source: path)
        var problems = [HosoError]()
        func bad(_ pointer: String, _ vi: String, _ en: String) {
            problems.append(HosoError(.mappingInvalid, .both(vi, en), location: "\(path)#\(pointer)"))
        }
        if v["format"]?.stringValue != "hoso/ledger-mapping" || v["version"] != .number(1) {
            bad(
                "/format", "Cần \"format\": \"hoso/ledger-mapping\" và \"version\": 1",
                "Expected \"format\": \"hoso/ledger-mapping\" and \"version\": 1")
        }
        let recordId = v["recordId"]?.stringValue ?? ""
        if recordId.isEmpty { bad("/recordId", "Thiếu mã hồ sơ của sổ (recordId)", "The ledger's record id (recordId) is missing") }
        var header = [JSONMember]()
        var year = 0
        if case .object(let members)? = v["ledger"] {
            for m in members {
                if !headerFields.contains(m.key) {
                    bad("/ledger/\(m.key)", "Trường không có trong đầu sổ", "Not a field of the ledger header")
                }
            }
            for key in headerFields {
                guard let value = members.first(where: { $0.key == key })?.value else {
                    bad("/ledger/\(key)", "Thiếu trường đầu sổ '\(key)'", "The ledger header lacks '\(key)'")
                    continue
                }
                header.append(JSONMember(key, value))
            }
            if case .number(let y)? = v["ledger"]?["year"], y == y.rounded(), (1945...2200).contains(y) {
                year = Int(y)
            } else {
                bad("/ledger/year", "Năm tốt nghiệp phải là số nguyên", "The graduation year must be a whole number")
            }
        } else {
            bad("/ledger", "Thiếu đầu sổ (ledger)", "The ledger header (ledger) is missing")
        }
        var columns = [String: String]()
        if case .object(let members)? = v["columns"] {
            for m in members {
                guard fields.contains(m.key) else {
                    bad("/columns/\(m.key)", "Không có trường '\(m.key)' trong sổ gốc", "The ledger has no field '\(m.key)'")
                    continue
                }
                guard let title = m.value.stringValue, !title.isEmpty else {
                    bad("/columns/\(m.key)", "Tên cột phải là chuỗi", "A column title must be a string")
                    continue
                }
                columns[m.key] = title
            }
            for f in requiredFields where columns[f] == nil {
                bad("/columns/\(f)", "Thiếu cột bắt buộc '\(f)'", "The required column '\(f)' is not mapped")
            }
        } else {
            bad("/columns", "Thiếu ánh xạ cột (columns)", "The column mapping (columns) is missing")
        }
        let dateFormat = v["dateFormat"]?.stringValue ?? "dd/MM/yyyy"
        if DateCell.parse("01/02/2003", format: dateFormat) == nil && DateCell.parse("2003-02-01", format: dateFormat) == nil {
            bad("/dateFormat", "Định dạng ngày không hỗ trợ (dùng dd, d, MM, M, yyyy)", "Unsupported date format (use dd, d, MM, M, yyyy)")
        }
        let base = (path as NSString).deletingLastPathComponent
        let scans = v["scans"]?.stringValue.map { $0.hasPrefix("/") ? $0 : (base.isEmpty ? $0 : base + "/" + $0) }
        if !problems.isEmpty { throw HosoProblems(problems) }
        return LedgerMapping(
            path: path, recordId: recordId, header: header, year: year, columns: columns,
            dateFormat: dateFormat, sheet: v["sheet"]?.stringValue, scansDirectory: scans)
    }
}

/// One entry as read from a row.
public struct LedgerEntry: Sendable, Equatable {
    public var row: Int
    public var stt: Int
    public var fullName: String
    public var dateOfBirth: String
    public var placeOfBirth: String
    public var sex: String
    public var ethnicity: String
    /// nil where the diploma carries none (office settings `gradelessDiplomas`).
    public var graduationGrade: String?
    public var serial: String
    public var ledgerNumber: Int
    public var recipientSigned: Bool?
    public var notes: String?
    public var citizenId: String?
    public var moetId: String?
    public var page: Int?
    public var region: [Double]?

    public var json: JSONValue {
        var m = [
            JSONMember("stt", .number(Double(stt))), JSONMember("fullName", .string(fullName)),
            JSONMember("dateOfBirth", .string(dateOfBirth)), JSONMember("placeOfBirth", .string(placeOfBirth)),
            JSONMember("sex", .string(sex)), JSONMember("ethnicity", .string(ethnicity)),
            JSONMember("serial", .string(serial)), JSONMember("ledgerNumber", .number(Double(ledgerNumber))),
        ]
        if let graduationGrade { m.append(JSONMember("graduationGrade", .string(graduationGrade))) }
        if let recipientSigned { m.append(JSONMember("recipientSigned", .bool(recipientSigned))) }
        if let notes, !notes.isEmpty { m.append(JSONMember("notes", .string(notes))) }
        if let citizenId { m.append(JSONMember("citizenId", .string(citizenId))) }
        if let moetId { m.append(JSONMember("moetId", .string(moetId))) }
        if let page { m.append(JSONMember("page", .number(Double(page)))) }
        if let region, region.count == 4 {
            m.append(JSONMember("region", .object(zip(["x", "y", "w", "h"], region).map { JSONMember($0, .number($1)) })))
        }
        return .object(m)
    }
}

/// What the archive already holds, so an import can refuse duplicates across ledgers.
public struct ExistingLedgerNumbers: Sendable {
    /// serial → where it is (record id and ledger number).
    public var serials: [String: String] = [:]
    /// ledger number in this ledger's year → where it is.
    public var ledgerNumbers: [Int: String] = [:]

    public init(serials: [String: String] = [:], ledgerNumbers: [Int: String] = [:]) {
        self.serials = serials
        self.ledgerNumbers = ledgerNumbers
    }
}

/// A legacy-encoded column found and converted.
public struct EncodingConversion: Sendable, Codable, Equatable {
    public var column: String
    public var encoding: String
    public var cells: Int
    public var example: String
}

/// The outcome of reading a ledger spreadsheet: the entries, every error and warning with its place,
/// and what was converted. Nothing here touches the archive.
public struct LedgerDraft: Sendable {
    public var mapping: LedgerMapping
    public var entries: [LedgerEntry]
    public var errors: [HosoError]
    public var warnings: [HosoError]
    public var conversions: [EncodingConversion]
    /// Page numbers that entries point at.
    public var pagesUsed: Set<Int> { Set(entries.compactMap(\.page)) }

    /// The ledger body with page scans given as page → blob id.
    public func body(scans: [Int: String]) -> JSONValue {
        var members = mapping.header
        members.append(
            JSONMember(
                "pages",
                .array(
                    scans.keys.sorted().map {
                        .object([JSONMember("page", .number(Double($0))), JSONMember("scan", .string(scans[$0]!))])
                    })))
        members.append(JSONMember("entries", .array(entries.sorted { $0.stt < $1.stt }.map(\.json))))
        return .object(members)
    }
}

public enum LedgerImporter {
    /// One row read by itself: its problems in order, and what the uniqueness checks need.
    struct ParsedRow {
        var number: Int
        var errors: [HosoError]
        var ok: Bool
        var serial: String?
        var ledgerNumber: Int?
        /// The entry, if every required value was there and valid.
        var entry: LedgerEntry?
    }

    /// The mapping's fields (`LedgerMapping.fields`, by the same names), as the row loop names them.
    enum Field: Int, CaseIterable {
        case stt, fullName, dateOfBirth, placeOfBirth, sex, ethnicity, graduationGrade, serial, ledgerNumber,
            recipientSigned, notes, citizenId, moetId, page, region

        var name: String { String(describing: self) }
    }

    static let grades = ["Xuất sắc", "Giỏi", "Khá", "Trung bình"]
    static let foldedGrades = grades.map(VietnameseText.fold)

    /// A cell as stored: NFC, no surrounding whitespace, single spaces inside; nil when empty.
    static func clean(_ raw: String) -> String? {
        let v = VietnameseText.nfc(raw)
        var needsWork = false
        var prevSpace = true
        for u in v.unicodeScalars {
            let c = u.value
            // Latin-1 above NBSP, Latin Extended-A/B, combining marks and the Vietnamese letters are never white
            // space: only other scalars need Unicode's tables.
            let space =
                c < 0x80
                ? (u == " " || u == "\t" || u == "\n" || u == "\r")
                : (c > 0xA0 && c <= 0x36F) || (c >= 0x1EA0 && c <= 0x1EF9) ? false : u.properties.isWhitespace
            if space && (prevSpace || u != " ") {
                needsWork = true
                break
            }
            prevSpace = space
        }
        if !needsWork && !prevSpace { return v.isEmpty ? nil : v }
        let parts = v.split(whereSeparator: { $0.isWhitespace })
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// Reads every row, collecting every problem. `scanPages` are the pages that have a scan.
    public static func read(
        _ table: Table, mapping: LedgerMapping, scanPages: Set<Int>,
        existing: ExistingLedgerNumbers
    ) -> LedgerDraft {
        read(table, mapping: mapping, scanPages: scanPages, existingWhenNeeded: { existing })
    }

    /// As `read(_:mapping:scanPages:existing:)`, asking for what the archive holds only once every row has been
    /// read (at most once, and not at all if no row gets that far): the caller can look it up meanwhile.
    public static func read(
        _ table: Table, mapping: LedgerMapping, scanPages: Set<Int>,
        existingWhenNeeded: () -> ExistingLedgerNumbers
    ) -> LedgerDraft {
        var table = table
        var errors = [HosoError]()
        var warnings = [HosoError]()
        var conversions = [EncodingConversion]()

        var detection = Detection.Cache()  // the column detections below look at many of the same cells again
        let fileEncoding = convertHeader(&table, detection: &detection, conversions: &conversions)
        let index = columnIndex(table, mapping: mapping, errors: &errors)
        if !errors.isEmpty { return LedgerDraft(mapping: mapping, entries: [], errors: errors, warnings: [], conversions: conversions) }
        convertColumns(&table, index: index, fileEncoding: fileEncoding, detection: &detection, conversions: &conversions)

        // Each field's column, looked up once rather than by name in every row.
        let column = Field.allCases.map { index[$0.name] }
        // First every row by itself, then (below) the uniqueness of serials and numbers, which needs what the
        // archive holds: the problems come out in the same order as checking each row completely in turn.
        var parsed = [ParsedRow]()
        parsed.reserveCapacity(table.rows.count)
        for row in table.rows {
            parsed.append(parseRow(row, of: table, column: column, mapping: mapping, warnings: &warnings))
        }

        let existing = parsed.contains { $0.serial != nil || $0.ledgerNumber != nil } ? existingWhenNeeded() : ExistingLedgerNumbers()
        let (entries, numberRow) = checkUniqueness(
            parsed, of: table, column: column, mapping: mapping, existing: existing,
            errors: &errors)
        checkNumberGaps(numberRow, of: table, index: index, errors: &errors)
        checkPages(entries, of: table, mapping: mapping, index: index, scanPages: scanPages, errors: &errors, warnings: &warnings)
        return LedgerDraft(mapping: mapping, entries: entries, errors: errors, warnings: warnings, conversions: conversions)
    }

    /// A legacy file has its header and every text column in the same legacy encoding: decide once for the
    /// file when the evidence is there (and convert the header); otherwise (an XLSX with fonts mixed by column)
    /// `convertColumns` decides column by column.
    static func convertHeader(
        _ table: inout Table, detection: inout Detection.Cache,
        conversions: inout [EncodingConversion]
    ) -> LegacyEncoding? {
        let fileEncoding = LegacyText.detect(table.header + table.rows.prefix(200).flatMap(\.cells), cache: &detection)
        if let enc = fileEncoding {
            let converted = table.header.map { LegacyText.convert($0, from: enc) }
            if converted != table.header {
                conversions.append(
                    EncodingConversion(
                        column: "(tiêu đề / header)", encoding: enc.rawValue,
                        cells: zip(converted, table.header).filter { $0 != $1 }.count,
                        example: zip(table.header, converted).first { $0 != $1 }.map { "\($0) → \($1)" } ?? ""))
                table.header = converted
            }
        }
        return fileEncoding
    }

    /// Columns: every mapped title must be in the header. Field name → column.
    static func columnIndex(_ table: Table, mapping: LedgerMapping, errors: inout [HosoError]) -> [String: Int] {
        var index = [String: Int]()
        let mapped = LedgerMapping.fields.compactMap { f in mapping.columns[f].map { (field: f, title: $0) } }
        for (m, found) in zip(mapped, table.columns(named: mapped.map(\.title))) {
            let field = m.field
            let title = m.title
            if let i = found {
                index[field] = i
            } else {
                errors.append(
                    HosoError(
                        .ledgerColumnMissing,
                        .both(
                            "Không có cột '\(title)' (trường \(field)) trong dòng tiêu đề",
                            "No column '\(title)' (field \(field)) in the header row"),
                        location: "\(table.source):1"))
            }
        }
        return index
    }

    /// Legacy font encodings, column by column: one column's evidence decides for all its cells.
    static func convertColumns(
        _ table: inout Table, index: [String: Int], fileEncoding: LegacyEncoding?,
        detection: inout Detection.Cache, conversions: inout [EncodingConversion]
    ) {
        for field in ["fullName", "placeOfBirth", "ethnicity", "graduationGrade", "notes", "sex", "recipientSigned"] {
            guard let c = index[field] else { continue }
            // A few hundred cells are plenty of evidence for a column.
            let cells = table.rows.prefix(300).map { c < $0.cells.count ? $0.cells[c] : "" }
            guard let enc = fileEncoding ?? LegacyText.detect(cells, cache: &detection) else { continue }
            var changed = 0
            var example = ""
            for r in table.rows.indices where c < table.rows[r].cells.count {
                let before = table.rows[r].cells[c]
                let after = LegacyText.convert(before, from: enc)
                if after != before {
                    if changed == 0 { example = "\(before) → \(after)" }
                    changed += 1
                    table.rows[r].cells[c] = after
                }
            }
            if changed > 0 {
                conversions.append(EncodingConversion(column: table.header[c], encoding: enc.rawValue, cells: changed, example: example))
            }
        }
    }

    /// Uniqueness, within the file and against the archive: the entries of the rows that pass, and the row of
    /// each ledger number.
    static func checkUniqueness(
        _ parsed: [ParsedRow], of table: Table, column: [Int?], mapping: LedgerMapping,
        existing: ExistingLedgerNumbers, errors: inout [HosoError]
    ) -> ([LedgerEntry], [Int: Int]) {
        func place(_ f: Field, row: Int) -> String { table.place(row: row, column: column[f.rawValue] ?? 0) }
        var entries = [LedgerEntry]()
        entries.reserveCapacity(parsed.count)
        var serialRow = [String: Int](minimumCapacity: parsed.count)
        var numberRow = [Int: Int](minimumCapacity: parsed.count)
        for p in parsed {
            errors += p.errors
            var rowOK = p.ok
            if let serial = p.serial {
                if let first = serialRow[serial] {
                    errors.append(
                        HosoError(
                            .ledgerDuplicateSerial,
                            .both("Số hiệu văn bằng trùng với dòng \(first)", "Diploma serial repeats row \(first)"),
                            location: place(.serial, row: p.number), cause: serial))
                    rowOK = false
                } else {
                    serialRow[serial] = p.number
                    if let other = existing.serials[serial] {
                        errors.append(
                            HosoError(
                                .ledgerDuplicateSerial,
                                .both("Số hiệu văn bằng đã có trong kho (\(other))", "Diploma serial already in the archive (\(other))"),
                                location: place(.serial, row: p.number), cause: serial))
                        rowOK = false
                    }
                }
            }
            if let number = p.ledgerNumber {
                if let first = numberRow[number] {
                    errors.append(
                        HosoError(
                            .ledgerDuplicateNumber, .both("Số vào sổ gốc trùng với dòng \(first)", "Ledger number repeats row \(first)"),
                            location: place(.ledgerNumber, row: p.number), cause: String(number)))
                    rowOK = false
                } else {
                    numberRow[number] = p.number
                    if let other = existing.ledgerNumbers[number] {
                        errors.append(
                            HosoError(
                                .ledgerDuplicateNumber,
                                .both(
                                    "Số vào sổ gốc năm \(mapping.year) đã có trong kho (\(other))",
                                    "Ledger number of \(mapping.year) already in the archive (\(other))"),
                                location: place(.ledgerNumber, row: p.number), cause: String(number)))
                        rowOK = false
                    }
                }
            }
            if rowOK, let entry = p.entry { entries.append(entry) }
        }
        return (entries, numberRow)
    }

    /// Ledger numbers run consecutively within the year: no gap inside the file's range.
    static func checkNumberGaps(_ numberRow: [Int: Int], of table: Table, index: [String: Int], errors: inout [HosoError]) {
        let numbers = numberRow.keys.sorted()
        for (a, b) in zip(numbers, numbers.dropFirst()) where b != a + 1 {
            let row = numberRow[b]!
            errors.append(
                HosoError(
                    .ledgerNumberGap,
                    .both("Số vào sổ gốc không liên tục: sau \(a) là \(b)", "Ledger numbers are not consecutive: \(b) follows \(a)"),
                    location: table.place(row: row, column: index["ledgerNumber"] ?? 0)))
        }
    }

    /// Pages and scans.
    static func checkPages(
        _ entries: [LedgerEntry], of table: Table, mapping: LedgerMapping, index: [String: Int],
        scanPages: Set<Int>, errors: inout [HosoError], warnings: inout [HosoError]
    ) {
        for e in entries {
            if let p = e.page, !scanPages.isEmpty, !scanPages.contains(p) {
                errors.append(
                    HosoError(
                        .ledgerPageWithoutScan, .both("Trang \(p) không có ảnh quét", "Page \(p) has no scan"),
                        location: table.place(row: e.row, column: index["page"] ?? 0)))
            }
        }
        if !scanPages.isEmpty {
            for e in entries where e.page == nil {
                warnings.append(
                    HosoError(
                        .ledgerWarning, .both("Mục không gắn với trang nào", "Entry not linked to a page"),
                        location: "\(table.source):\(e.row)"))
            }
        }
        let used = Set(entries.compactMap(\.page))
        for p in scanPages.subtracting(used).sorted() {
            warnings.append(
                HosoError(
                    .ledgerWarning, .both("Trang \(p) có ảnh quét nhưng không có mục nào", "Page \(p) has a scan but no entries"),
                    location: mapping.scansDirectory ?? mapping.path))
        }
    }
}

extension LedgerImporter {
    /// A schema problem of the body ("…#/entries/3/serial") told where the registrar can find it: the row and the
    /// column of the spreadsheet (`file:row:column`), the JSON pointer kept after it. Entries are in the body in
    /// `stt` order, as `LedgerDraft.body` writes them.
    package static func placeInSpreadsheet(_ e: HosoError, entries: [LedgerEntry], table: Table, mapping: LedgerMapping) -> HosoError {
        guard let location = e.location, let hash = location.range(of: "#/entries/") else { return e }
        let parts = location[hash.upperBound...].split(separator: "/", maxSplits: 2)
        let sorted = entries.sorted { $0.stt < $1.stt }
        guard let i = parts.first.flatMap({ Int($0) }), i >= 0, i < sorted.count else { return e }
        let pointer = String(location[hash.lowerBound...])
        var placed = e
        if parts.count >= 2, let title = mapping.columns[String(parts[1])], let column = table.column(named: title) {
            placed.location = table.place(row: sorted[i].row, column: column) + " (\(pointer))"
        } else {
            placed.location = "\(table.source):\(sorted[i].row) (\(pointer))"
        }
        return placed
    }
}
