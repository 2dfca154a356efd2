#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HosoCore
import HosoIndex
import HosoRecords
import HosoStore

extension Archive {
    public static let ledgerType = "ledger"

    /// The searchable entries of a ledger revision's body.
    static func entryRows(revisionId: String, recordId: String, body: JSONValue) -> [EntryRow] {
        func str(_ v: JSONValue?) -> String? { if case .string(let s)? = v { return s }; return nil }
        func int(_ v: JSONValue?) -> Int? { if case .number(let d)? = v, d == d.rounded() { return Int(d) }; return nil }
        guard case .array(let entries)? = body["entries"] else { return [] }
        let school = str(body["school"]) ?? ""
        let issuer = str(body["issuer"]) ?? ""
        let year = int(body["year"]) ?? 0
        return entries.compactMap { e in
            guard let name = str(e["fullName"]), let serial = str(e["serial"]), let number = int(e["ledgerNumber"]) else { return nil }
            let pob = str(e["placeOfBirth"]) ?? ""
            return EntryRow(revisionId: revisionId, recordId: recordId, stt: int(e["stt"]) ?? 0, fullName: name,
                            nameKey: VietnameseText.fold(name), dateOfBirth: str(e["dateOfBirth"]) ?? "", placeOfBirth: pob,
                            placeKey: VietnameseText.fold(pob), sex: str(e["sex"]) ?? "", ethnicity: str(e["ethnicity"]) ?? "",
                            graduationGrade: str(e["graduationGrade"]) ?? "", serial: serial, ledgerNumber: number, year: year,
                            school: school, schoolKey: VietnameseText.fold(school), issuer: issuer, citizenId: str(e["citizenId"]),
                            moetId: str(e["moetId"]), page: int(e["page"]))
        }
    }

    /// Entries of the given head revisions (several when the ledger is in conflict: all stay findable).
    func entries(ofHeads heads: [String], recordId: String, extra: (String, Revision)? = nil) throws -> [EntryRow] {
        var rows = [EntryRow]()
        for h in heads {
            if let extra, extra.0 == h {
                rows += Self.entryRows(revisionId: h, recordId: recordId, body: extra.1.body)
            } else {
                rows += Self.entryRows(revisionId: h, recordId: recordId, body: try revision(ObjectID(hex: h)!).body)
            }
        }
        return rows
    }

    // MARK: - Import

    public struct Problem: Codable, Sendable, Equatable {
        public var code: String
        public var location: String?
        public var message: String
        public var messageEn: String
        public var value: String?

        init(_ e: HosoError) {
            code = e.code.rawValue
            location = e.location
            message = e.message.vi
            messageEn = e.message.en
            value = e.cause
        }
    }

    public struct LedgerImportReport: Codable, Sendable {
        public var source: String
        public var recordId: String
        public var rows: Int
        public var entries: Int
        public var scans: Int
        public var errors: [Problem]
        public var warnings: [Problem]
        public var conversions: [EncodingConversion]
        public var entriesWithoutPage: Int
        public var pagesWithoutEntries: [Int]
        public var dryRun: Bool
        public var committed: Bool
        /// True when the archive already held exactly this ledger.
        public var unchanged: Bool
        public var revision: String?
    }

    /// Reads a ledger spreadsheet with its mapping, checks everything, and — unless `dryRun` or any error —
    /// stores the page scans and the ledger revision in one commit. A ledger already in the archive gets a
    /// new revision only if something changed, and then `reason` is required.
    public func importLedger(file: String, mapping mappingPath: String, dryRun: Bool, reason: String?,
                             author: String) throws -> LedgerImportReport {
        let mapping = try LedgerMapping.load(path: mappingPath)
        let table: Table
        if file.lowercased().hasSuffix(".xlsx") {
            table = try XLSXReader.read(path: file, sheet: mapping.sheet)
        } else {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw HosoError(.inputNotFound, .both("Không đọc được tệp sổ", "Cannot read the ledger file"), location: file)
            }
            table = try CSVReader.read(bytes: Array(data), source: file)
        }
        // Page scans: the first number in each file name is its page.
        var scanFiles = [Int: String]()
        var scanProblems = [HosoError]()
        if let dir = mapping.scansDirectory {
            let names: [String]
            do { names = try listDirectory(dir) } catch {
                throw HosoError(.inputNotFound, .both("Không đọc được thư mục ảnh quét", "Cannot read the scans directory"), location: dir)
            }
            for name in names where !name.hasPrefix(".") {
                guard let r = name.range(of: "[0-9]+", options: .regularExpression), let page = Int(name[r]) else {
                    scanProblems.append(HosoError(.ledgerWarning, .both("Tên tệp ảnh không có số trang", "No page number in the scan's file name"),
                                                  location: dir + "/" + name))
                    continue
                }
                if let other = scanFiles[page] {
                    scanProblems.append(HosoError(.ledgerPageWithoutScan, .both("Hai ảnh cho cùng trang \(page) (cũng là \(other))",
                                                                                "Two scans for page \(page) (also \(other))"),
                                                  location: dir + "/" + name))
                }
                scanFiles[page] = dir + "/" + name
            }
        }
        let serialColumn = mapping.columns["serial"].flatMap { table.column(named: $0) }
        let serialsInFile = serialColumn.map { c in table.rows.compactMap { c < $0.cells.count ? $0.cells[c].trimmingCharacters(in: .whitespaces) : nil } } ?? []
        let numberColumn = mapping.columns["ledgerNumber"].flatMap { table.column(named: $0) }
        let numbersInFile = numberColumn.map { c in
            table.rows.compactMap { c < $0.cells.count ? Int($0.cells[c].split(separator: "/").first?.trimmingCharacters(in: .whitespaces) ?? "") : nil }
        } ?? []
        let used = try index.usedNumbers(year: mapping.year, issuer: mapping.issuer, excludingRecord: mapping.recordId,
                                         serials: serialsInFile,
                                         numbers: numbersInFile.min().map { $0...numbersInFile.max()! })
        var draft = LedgerImporter.read(table, mapping: mapping, scanPages: Set(scanFiles.keys),
                                        existing: ExistingLedgerNumbers(serials: used.serials, ledgerNumbers: used.numbers))
        draft.errors += scanProblems.filter { $0.code != .ledgerWarning }
        draft.warnings += scanProblems.filter { $0.code == .ledgerWarning }
        var report = LedgerImportReport(
            source: file, recordId: mapping.recordId, rows: table.rows.count, entries: draft.entries.count, scans: scanFiles.count,
            errors: draft.errors.map(Problem.init), warnings: draft.warnings.map(Problem.init), conversions: draft.conversions,
            entriesWithoutPage: scanFiles.isEmpty ? 0 : draft.entries.filter { $0.page == nil }.count,
            pagesWithoutEntries: Set(scanFiles.keys).subtracting(draft.pagesUsed).sorted(),
            dryRun: dryRun, committed: false, unchanged: false, revision: nil)
        if !draft.errors.isEmpty || dryRun { return report }

        // Stage the scans (hashing them gives their ids), then build the revision.
        cleanLeftovers()
        var staged = [StagedObject]()
        var scanIDs = [Int: String]()
        var scanObjects = [Int: StoredObject]()
        do {
            for (page, path) in scanFiles.sorted(by: { $0.key < $1.key }) {
                let h = try FileHandleFD.open(path, flags: O_RDONLY, action: .both("đọc ảnh quét", "reading a scan"))
                let size = UInt64(try h.stat().st_size)
                let s = try store.stage(kind: .blob, expectedSize: size, sourceName: path) { buf in
                    do { return try h.read(into: buf) } catch let e as Errno {
                        throw HosoError(.inputUnreadable, .both("Lỗi khi đọc ảnh quét", "Error reading a scan"), location: path,
                                        cause: errnoDescription(e.code))
                    }
                }
                staged.append(s)
                scanIDs[page] = s.object.id.hex
                scanObjects[page] = s.object
            }
            let body = draft.body(scans: scanIDs)
            let heads = try index.heads(ofRecord: mapping.recordId)
            // Compare canonical bytes: member order in memory is not meaningful, the canonical form is.
            if heads.count == 1, let current = try? revision(ObjectID(hex: heads[0])!),
               try CanonicalJSON.serialize(current.body) == CanonicalJSON.serialize(body) {
                store.discard(staged)
                report.unchanged = true
                report.revision = heads[0]
                return report
            }
            if let first = heads.first, let row = try index.revision(first), row.recordType != Self.ledgerType {
                throw HosoError(.recordExists, .both("Mã hồ sơ đã dùng cho loại khác (\(row.recordType))",
                                                     "The record id is already used by another type (\(row.recordType))"),
                                location: mapping.recordId)
            }
            if !heads.isEmpty && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw HosoError(.revisionInvalid, .both("Sổ này đã có trong kho và nội dung khác; cần --reason để tạo bản mới",
                                                        "This ledger is already in the archive with different content; --reason is needed for a new revision"),
                                location: mapping.recordId)
            }
            let rev = Revision(recordType: Self.ledgerType, recordId: mapping.recordId, parents: heads, author: author,
                               time: HosoClock.format(clock.now()), reason: heads.isEmpty ? nil : reason, body: body)
            // The importer's checks come first, with spreadsheet places; the schema is the last word.
            try Self.checkSchema(rev)
            let revStaged = try store.stage(bytes: try rev.canonicalBytes(), kind: .record)
            staged.append(revStaged)
            // One commit: the revision is renamed last, so it never appears before its scans.
            try store.commit(staged)
            staged = []
            let revID = revStaged.object.id
            // The staged objects already know their ids and sizes: no need to read the headers back.
            let manifest = Manifest(addedAt: rev.time, entries: scanFiles.keys.sorted().map { page in
                let o = scanObjects[page]!
                return Manifest.Entry(path: mapping.recordId + "/" + lastComponent(scanFiles[page]!), id: o.id, kind: .blob, size: o.size)
            })
            var objects = [revStaged.object]
            var manifestRow: ManifestRow? = nil
            var names = [NameRow]()
            if !manifest.entries.isEmpty {
                let (m, _) = try store.put(try manifest.encoded(), kind: .manifest)
                objects.append(m)
                manifestRow = ManifestRow(id: m.id.hex, addedAt: manifest.addedAt)
                names = manifest.entries.map { NameRow(manifestId: m.id.hex, objectId: $0.id.hex, path: $0.path, size: Int64($0.size)) }
            }
            objects += scanObjects.keys.sorted().map { scanObjects[$0]! }
            let newHeads = heads.filter { !rev.parents.contains($0) } + [revID.hex]
            let entries = try self.entries(ofHeads: newHeads, recordId: mapping.recordId, extra: (revID.hex, rev))
            try index.record(revision: Self.row(revID, rev), objects: objects, entries: entries, manifest: manifestRow, names: names)
            report.committed = true
            report.revision = revID.hex
            return report
        } catch {
            store.discard(staged)
            throw error
        }
    }

    // MARK: - Search

    /// What a person types: a name, a date of birth, a serial, a ledger number or year, a citizen ID (12 digits),
    /// a MOET id (10 digits). Explicit fields narrow it further.
    public struct FindRequest: Sendable {
        public var text: String?
        public var name: String?
        public var dateOfBirth: String?
        public var placeOfBirth: String?
        public var serial: String?
        public var ledgerNumber: Int?
        public var citizenId: String?
        public var moetId: String?
        public var school: String?
        public var year: Int?

        public init(text: String? = nil) { self.text = text }
    }

    public func find(_ r: FindRequest, limit: Int = 100) throws -> [EntryRow] {
        var q = EntryQuery()
        func tokens(_ s: String) -> [String] { VietnameseText.fold(s).split(separator: " ").map(String.init) }
        if let text = r.text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let digits = text.allSatisfy { $0.isASCII && $0.isNumber }
            if digits && text.count == 12 {
                q.citizenId = text
            } else if digits && text.count == 10 {
                q.moetId = text
            } else if digits, let n = Int(text) {
                q.yearOrNumber = n
            } else if let d = DateCell.parse(text, format: "d/M/yyyy") ?? DateCell.parse(text, format: "yyyy-MM-dd") {
                q.dateOfBirth = d
            } else if !text.contains(" "), text.contains(where: { $0.isNumber }), text.contains(where: { $0.isLetter }) {
                q.serial = text.uppercased() == text ? text : text.uppercased()
            } else {
                q.nameTokens = tokens(text)
            }
        }
        if let n = r.name { q.nameTokens += tokens(n) }
        if let p = r.placeOfBirth { q.placeTokens = tokens(p) }
        if let s = r.school { q.schoolTokens = tokens(s) }
        if let d = r.dateOfBirth {
            guard let iso = DateCell.parse(d, format: "d/M/yyyy") ?? DateCell.parse(d, format: "yyyy-MM-dd") else {
                throw HosoError(.ledgerValueInvalid, .both("Ngày sinh không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)",
                                                           "Invalid date of birth (dd/mm/yyyy or yyyy-mm-dd)"), location: d)
            }
            q.dateOfBirth = iso
        }
        if let s = r.serial { q.serial = s }
        if let n = r.ledgerNumber { q.ledgerNumber = n }
        if let c = r.citizenId { q.citizenId = c }
        if let m = r.moetId { q.moetId = m }
        if let y = r.year { q.year = y }
        // A full name is usually typed whole: people named exactly that come first, through the name index;
        // only when nobody is, the words are searched anywhere in names (and the last one as a prefix).
        if q.nameTokens.count >= 2 {
            var exact = q
            exact.exactName = q.nameTokens.joined(separator: " ")
            let hits = try index.findEntries(exact, limit: limit)
            if !hits.isEmpty { return hits }
        }
        return try index.findEntries(q, limit: limit)
    }
}
