import Foundation
import HosoCore
import HosoIndex
import HosoPrimitives
import HosoRecords
import HosoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Archive {
    /// The record type of a diploma ledger (sổ gốc).
    public static let ledgerType = "ledger"

    /// The searchable entries of a ledger revision's body (``EntryRow/rows(revisionId:recordId:body:)``).
    static func entryRows(revisionId: String, recordId: String, body: JSONValue) -> [EntryRow] {
        EntryRow.rows(revisionId: revisionId, recordId: recordId, body: body)
    }

    /// The same rows straight from an import's draft (``EntryRow/rows(of:recordId:)``).
    static func entryRows(of draft: LedgerDraft, recordId: String) -> [EntryRow] { EntryRow.rows(of: draft, recordId: recordId) }

    /// Entries of the given head revisions (several when the ledger is in conflict: all stay findable); a head in
    /// `known` (a sync batch's revisions, decoded already) is read from there rather than from the store.
    func entries(
        ofHeads heads: [String], recordId: String, extra: (String, Revision)? = nil, known: [String: Revision] = [:]
    ) throws -> [EntryRow] {
        var rows = [EntryRow]()
        for h in heads {
            if let extra, extra.0 == h {
                rows += Self.entryRows(revisionId: h, recordId: recordId, body: extra.1.body)
            } else if let rev = known[h] {
                rows += Self.entryRows(revisionId: h, recordId: recordId, body: rev.body)
            } else {
                rows += Self.entryRows(revisionId: h, recordId: recordId, body: try revision(ObjectID(hex: h)!).body)
            }
        }
        return rows
    }

    // MARK: - Import

    /// Reads a ledger spreadsheet with its mapping, checks everything, and — unless `dryRun` or any error —
    /// stores the page scans and the ledger revision in one commit. A ledger already in the archive gets a
    /// new revision only if something changed, and then `reason` is required.
    public func importLedger(
        file: String, mapping mappingPath: String, dryRun: Bool, reason: String?,
        author: String, method: String = "import"
    ) throws -> LedgerImportReport {
        let read = try readLedgerImport(file: file, mappingPath: mappingPath, dryRun: dryRun)
        if !read.draft.errors.isEmpty || dryRun { return read.report }
        return try writing { try commitLedgerImport(read, reason: reason, author: author, method: method) }
    }

    /// What an import read and checked before anything is written.
    private struct LedgerImportRead {
        let mapping: LedgerMapping
        let table: Table
        let scanFiles: [Int: String]
        let draft: LedgerDraft
        /// The record's heads when the import began.
        let heads: Result<[String], any Error>
        let report: LedgerImportReport
    }

    /// Reads the spreadsheet with its mapping and the scans, and checks every row, while the numbers already in use
    /// and the record's current heads are looked up on another core.
    private func readLedgerImport(file: String, mappingPath: String, dryRun: Bool) throws -> LedgerImportRead {
        let mapping = try LedgerMapping.load(path: mappingPath)
        let table = try LedgerFiles.readTable(file, mapping: mapping)
        let (scanFiles, scanProblems) = try LedgerFiles.scanFiles(mapping.scansDirectory)
        let lookup = lookUpExisting(for: table, mapping: mapping)
        var draft = LedgerImporter.read(
            table, mapping: mapping, scanPages: Set(scanFiles.keys),
            existingWhenNeeded: {
                guard case .success(let found) = lookup.wait() else { return ExistingLedgerNumbers() }  // thrown below
                return ExistingLedgerNumbers(serials: found.used.serials, ledgerNumbers: found.used.numbers)
            })
        let heads = try lookup.wait().get().heads
        draft.errors += scanProblems.filter { $0.code != .ledgerWarning }
        draft.warnings += scanProblems.filter { $0.code == .ledgerWarning }
        // Whether these diplomas carry a grade is the office's rule by level and year, told at the spreadsheet's cell.
        // Read from the rows in body order (by stt), without building the body a second time.
        let level = mapping.header.first { $0.key == "level" }?.value.stringValue ?? ""
        let grades = draft.entries.sorted { $0.stt < $1.stt }.map(\.graduationGrade)
        draft.errors += try officeSettings().graduationGradeProblems(
            level: level, year: mapping.year, grades: grades, source: mapping.recordId
        ).map { LedgerImporter.placeInSpreadsheet($0, entries: draft.entries, table: table, mapping: mapping) }
        let report = LedgerImportReport(
            source: file, recordId: mapping.recordId, rows: table.rows.count, entries: draft.entries.count, scans: scanFiles.count,
            errors: draft.errors.map(ImportProblem.init), warnings: draft.warnings.map(ImportProblem.init),
            conversions: draft.conversions,
            entriesWithoutPage: scanFiles.isEmpty ? 0 : draft.entries.filter { $0.page == nil }.count,
            pagesWithoutEntries: Set(scanFiles.keys).subtracting(draft.pagesUsed).sorted(),
            dryRun: dryRun, committed: false, unchanged: false, revision: nil)
        return LedgerImportRead(mapping: mapping, table: table, scanFiles: scanFiles, draft: draft, heads: heads, report: report)
    }

    /// Under the write lock: the record's heads read at the start must still be its heads, or another process
    /// imported or revised it meanwhile and this import says so rather than fork it. Then the scans and the
    /// revision are staged and committed at once, the revision last.
    private func commitLedgerImport(_ read: LedgerImportRead, reason: String?, author: String, method: String) throws -> LedgerImportReport
    {
        let (mapping, draft) = (read.mapping, read.draft)
        var report = read.report
        let now = try index.heads(ofRecord: mapping.recordId)
        let heads = try read.heads.get()
        if Set(now) != Set(heads) {
            throw HosoError(
                .recordChanged,
                .both(
                    "Sổ vừa được nhập hoặc sửa ở nơi khác trong lúc nhập; không ghi gì — hãy chạy lại lệnh",
                    "The ledger was imported or changed elsewhere during this import; nothing was written — run the command again"),
                location: mapping.recordId, cause: "current: " + (now.isEmpty ? "none" : now.joined(separator: ", ")))
        }
        let indexing = LedgerIndexing(draft, recordId: mapping.recordId, index: index)
        defer { if !indexing.done { indexing.abandon() } }
        cleanLeftovers()
        var staged = [StagedObject]()
        do {
            // Stage the scans (hashing them gives their ids), then build the revision.
            let scanObjects = try stageScans(read.scanFiles, into: &staged)
            let body = draft.body(scans: scanObjects.mapValues { $0.id.hex })
            if let unchanged = try unchangedHead(heads, body: body) {
                store.discard(staged)
                // A re-run after a fault between the ledger's commit and its digitization record completes it, once
                // the import's own index transaction is rolled back (it holds the index's write lock until then).
                indexing.abandon()
                if let id = ObjectID(hex: unchanged) {
                    let rev = try revision(id)
                    try recordDigitization(ledger: mapping.recordId, revision: id, rev: rev, scans: Self.scanIds(rev), method: method)
                }
                report.unchanged = true
                report.revision = unchanged
                return report
            }
            try checkRevisable(heads, recordId: mapping.recordId, reason: reason)
            let rev = Revision(
                recordType: Self.ledgerType, recordId: mapping.recordId, parents: heads, author: author,
                time: HosoClock.format(clock.now()), reason: heads.isEmpty ? nil : reason, body: body)
            let revStaged: StagedObject
            do {
                // The revision follows every head, so no other head's entries stay indexed beside it.
                revStaged = try stageRevision(rev, indexing: indexing, into: &staged)
            } catch let p as HosoProblems {
                throw HosoProblems(
                    p.problems.map { LedgerImporter.placeInSpreadsheet($0, entries: draft.entries, table: read.table, mapping: mapping) })
            }
            // One commit: the revision is renamed last, so it never appears before its scans.
            try store.commit(staged)
            staged = []
            try indexLedger(rev, revStaged.object, scans: scanObjects, files: read.scanFiles, otherHeads: [], indexing: indexing)
            try recordDigitization(
                ledger: mapping.recordId, revision: revStaged.object.id, rev: rev, scans: scanObjects.values.map(\.id.hex),
                method: method)
            report.committed = true
            report.revision = revStaged.object.id.hex
            // The table, the entries and the body are thousands of small objects: free them on another core,
            // after this returns, rather than before the next ledger can start.
            releaseLater([read.table, draft, body, rev])
            return report
        } catch {
            store.discard(staged)
            throw error
        }
    }

    /// Starts looking up, on another core, the serials and numbers of the file already used by other records and
    /// the record's current heads.
    private func lookUpExisting(
        for table: Table, mapping: LedgerMapping
    )
        -> BackgroundWork<(used: (serials: [String: String], numbers: [Int: String]), heads: Result<[String], any Error>)>
    {
        let columns = table.columns(named: [mapping.columns["serial"], mapping.columns["ledgerNumber"]].map { $0 ?? "\u{0}" })
        let serialColumn = mapping.columns["serial"] == nil ? nil : columns[0]
        let serialsInFile =
            serialColumn.map { c in table.rows.compactMap { c < $0.cells.count ? VietnameseText.trimmed($0.cells[c]) : nil } } ?? []
        let numberColumn = mapping.columns["ledgerNumber"] == nil ? nil : columns[1]
        let numbersInFile =
            numberColumn.map { c in
                table.rows.compactMap {
                    c < $0.cells.count ? Int($0.cells[c].split(separator: "/").first.map { VietnameseText.trimmed(String($0)) } ?? "") : nil
                }
            } ?? []
        let (year, issuer, recordId, index) = (mapping.year, mapping.issuer, mapping.recordId, self.index)
        return BackgroundWork {
            let used = try index.usedNumbers(
                year: year, issuer: issuer, excludingRecord: recordId, serials: serialsInFile,
                numbers: numbersInFile.min().map { $0...numbersInFile.max()! })
            return (used: used, heads: Result { try index.heads(ofRecord: recordId) })
        }
    }

    /// Each scan staged (hashing gives its id), by page.
    private func stageScans(_ scanFiles: [Int: String], into staged: inout [StagedObject]) throws -> [Int: StoredObject] {
        var scanObjects = [Int: StoredObject]()
        for (page, path) in scanFiles.sorted(by: { $0.key < $1.key }) {
            let h = try FileHandleFD.open(path, flags: O_RDONLY, action: .both("đọc ảnh quét", "reading a scan"))
            let size = UInt64(try h.stat().st_size)
            let s = try store.stage(kind: .blob, expectedSize: size, sourceName: path, compression: .measure, durable: false) { buf in
                do { return try h.read(into: buf) } catch let e as Errno {
                    throw HosoError(
                        .inputUnreadable, .both("Lỗi khi đọc ảnh quét", "Error reading a scan"), location: path,
                        cause: errnoDescription(e.code))
                }
            }
            staged.append(s)
            scanObjects[page] = s.object
        }
        return scanObjects
    }

    /// The single head, when its body is the same as the new one: compared in canonical bytes, since member order
    /// in memory is not meaningful and the canonical form is.
    private func unchangedHead(_ heads: [String], body: JSONValue) throws -> String? {
        if heads.count == 1, let current = try? revision(ObjectID(hex: heads[0])!),
            try CanonicalJSON.serialize(current.body) == CanonicalJSON.serialize(body)
        {
            return heads[0]
        }
        return nil
    }

    /// A record id of another type is refused; a ledger already in the archive needs a reason for a new revision.
    private func checkRevisable(_ heads: [String], recordId: String, reason: String?) throws {
        if let first = heads.first, let row = try index.revision(first), row.recordType != Self.ledgerType {
            throw HosoError(
                .recordExists,
                .both(
                    "Mã hồ sơ đã dùng cho loại khác (\(row.recordType))",
                    "The record id is already used by another type (\(row.recordType))"),
                location: recordId)
        }
        if !heads.isEmpty && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw HosoError(
                .revisionInvalid,
                .both(
                    "Sổ này đã có trong kho và nội dung khác; cần --reason để tạo bản mới",
                    "This ledger is already in the archive with different content; --reason is needed for a new revision"),
                location: recordId)
        }
    }

    /// The revision serialized, its id handed to the index transaction (when it follows every head), staged and
    /// checked against the schema. The index work (the longer part) goes on while it is staged and checked. The
    /// importer's checks came first, with spreadsheet places; the schema is the last word: nothing is committed
    /// unless it passed, and its problems are reported first, as when it ran before the rest.
    private func stageRevision(_ rev: Revision, indexing: LedgerIndexing?, into staged: inout [StagedObject]) throws -> StagedObject {
        let canonical = Result { try rev.canonicalBytes() }
        var expectedID: String? = nil
        if let indexing, case .success(let bytes) = canonical {
            let id = ObjectID(hashing: bytes).hex  // the id the store gives it
            expectedID = id
            indexing.revisionGate.open(.success(id))
        }
        // Staging the revision (compressing and writing it) and the part of its commit that needs no decision
        // (its data and shard directory made durable: each fsync is a round trip to the disk) go on on another
        // core while the schema is checked: the commit then only renames it and syncs its directory.
        let store = self.store
        let staging = canonical.map { bytes in
            BackgroundWork { try store.stage(bytes: bytes, kind: .record, durable: true) }
        }
        let schema = Result { try rev.checkSchema() }
        // Waited for even when the schema failed: a staged file is discarded below, never left behind.
        let stagedRevision = staging.flatMap { $0.wait() }
        if case .success(let s) = stagedRevision { staged.append(s) }
        try schema.get()
        let revStaged = try stagedRevision.get()
        let revID = revStaged.object.id
        if let expectedID, expectedID != revID.hex {
            throw HosoError(
                .indexError, .both("Mã bản ghi tính trước khác mã trong kho", "The revision's id differs from the store's"),
                location: rev.recordId, cause: "\(expectedID) != \(revID.hex)")
        }
        return revStaged
    }

    /// The committed revision, its scans and their manifest recorded in the index: by the transaction under way when
    /// the revision follows every head, otherwise (a conflict stays) in a new one with every head's entries.
    private func indexLedger(
        _ rev: Revision, _ revObject: StoredObject, scans scanObjects: [Int: StoredObject],
        files scanFiles: [Int: String], otherHeads: [String], indexing: LedgerIndexing
    ) throws {
        let revID = revObject.id
        // The staged objects already know their ids and sizes: no need to read the headers back.
        let manifest = Manifest(
            addedAt: rev.time,
            entries: scanFiles.keys.sorted().map { page in
                let o = scanObjects[page]!
                return Manifest.Entry(path: rev.recordId + "/" + lastComponent(scanFiles[page]!), id: o.id, kind: .blob, size: o.size)
            })
        var objects = [revObject]
        var manifestRow: ManifestRow? = nil
        var names = [NameRow]()
        if !manifest.entries.isEmpty {
            let (m, _) = try store.put(try manifest.encoded(), kind: .manifest)
            objects.append(m)
            manifestRow = ManifestRow(id: m.id.hex, addedAt: manifest.addedAt)
            names = manifest.entries.map { NameRow(manifestId: m.id.hex, objectId: $0.id.hex, path: $0.path, size: Int64($0.size)) }
        }
        objects += scanObjects.keys.sorted().map { scanObjects[$0]! }
        if otherHeads.isEmpty {
            // The entries are exactly the new revision's, as the transaction has them.
            try indexing.finish(
                ArchiveIndex.PendingRevision(
                    revision: RevisionRow(revID, rev), objects: objects,
                    manifest: manifestRow, names: names))
        } else {
            indexing.abandon()
            let entries = try self.entries(ofHeads: otherHeads + [revID.hex], recordId: rev.recordId, extra: (revID.hex, rev))
            try index.record(revision: RevisionRow(revID, rev), objects: objects, entries: entries, manifest: manifestRow, names: names)
        }
    }

    // MARK: - Search

    /// Entries matching what a person typed, best first: a full name finds people named exactly that before
    /// people whose names merely contain the words.
    /// A school typed is any of its names over time (`schoolAliases`): a ledger keeps the name it was issued under,
    /// and is found by that name, the school's present one, or the name of the school it was merged into.
    public func find(_ r: FindRequest, limit: Int = 100) throws -> [EntryRow] {
        guard let typed = r.school, case let aliases = try schoolAliases(typed), !aliases.isEmpty else {
            return try findOnce(r, limit: limit)
        }
        var seen = Set<String>()
        var out = [EntryRow]()
        for name in [typed] + aliases {
            var one = r
            one.school = name
            for row in try findOnce(one, limit: limit) where seen.insert("\(row.recordId)#\(row.ledgerNumber)").inserted { out.append(row) }
        }
        return Array(out.prefix(limit))
    }

    private func findOnce(_ r: FindRequest, limit: Int) throws -> [EntryRow] {
        let q = try r.query()
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

/// The index transaction of an import, started on another core as soon as everything is checked: it does most
/// of the index's work while the importing thread builds, serializes and stores the revision. It deletes the
/// record's old entries and writes the new ones' full-text rows; once the revision's id is known (the SHA-256 of
/// its canonical bytes) it writes the entry rows; then it waits for the revision to be durable in the store, to
/// commit with it, or for an error or a change of plan (the ledger is unchanged), to roll back. Readers never see
/// it in between. The rows are those `entryRows` reads from the body (which has yet to be built).
private final class LedgerIndexing {
    let revisionGate = Gate<String>()
    let indexTail = Gate<ArchiveIndex.PendingRevision>()
    let work: BackgroundWork<Void>
    private(set) var done = false

    init(_ settled: LedgerDraft, recordId: String, index: any ArchiveIndexing) {
        let (revisionGate, indexTail) = (self.revisionGate, self.indexTail)
        work = BackgroundWork {
            let rows = Archive.entryRows(of: settled, recordId: recordId)
            try index.record(
                entriesOf: recordId, pending: rows, revisionId: { try revisionGate.wait() },
                finish: { try indexTail.wait() })
        }
    }

    /// Commits the transaction with the revision, now durable in the store.
    func finish(_ pending: ArchiveIndex.PendingRevision) throws {
        indexTail.open(.success(pending))
        done = true
        try work.wait().get()
    }

    /// Rolls the transaction back and waits for it.
    func abandon() {
        revisionGate.open(.failure(ImportAbandoned()))
        indexTail.open(.failure(ImportAbandoned()))
        done = true
        _ = work.wait()
    }
}

/// Why an import's index transaction was rolled back when the import itself did not fail (the ledger was
/// unchanged) or failed elsewhere; it never reaches a caller.
struct ImportAbandoned: Error {}
