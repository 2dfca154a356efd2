import Foundation
import HosoCore
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore
import Synchronization

extension HosoError.Code {
    /// What was keyed or asked of the workbench is not right (a header field, a page, an entry).
    public static let keyingInvalid = Self("KEYING_INVALID", .badInput)
    /// No ledger being keyed has this name.
    public static let keyingNotFound = Self("KEYING_NOT_FOUND", .notFound)
    /// Two registrars already key this page: a third one reconciles, and keys nothing of it.
    public static let keyingTwoKeyers = Self("KEYING_TWO_KEYERS", .conflict)
    /// A keyer of a page cannot decide a disagreement on that page: a third registrar does.
    public static let keyingOwnDisagreement = Self("KEYING_OWN_DISAGREEMENT", .forbidden)
    /// The ledger cannot be committed yet: a page is not keyed twice, or a difference is not decided.
    public static let keyingNotReady = Self("KEYING_NOT_READY", .conflict)
    /// The page was finished by this keyer, or the ledger committed: it no longer changes.
    public static let keyingClosed = Self("KEYING_CLOSED", .conflict)
}

/// The keying workbench (double entry). A ledger is started from its page scans; two registrars key each page
/// without seeing each other's values; differences (after NFC and trimming) are decided by a third registrar; the
/// agreed entries are committed through the ledger import (same checks, same digitization record, method
/// "double-entry") and every value's provenance (who keyed it and when, who decided it, what a machine suggested)
/// is kept in a `keying-provenance` record. Work in progress lives under the archive in `workbench/`: one folder
/// per ledger with its header, the scans as sent, each keyer's draft and the decisions (files replaced atomically);
/// display pages there are derived and made again from the originals when missing.
extension Archive {
    public static let keyingProvenanceType = "keying-provenance"

    var workbenchRoot: String { root + "/workbench" }

    /// One read-modify-write of workbench files at a time in this process.
    private static let workbenchLock = Mutex(0)

    /// Runs `body` alone on this ledger's workbench files: the process's lock, then an exclusive flock on the
    /// ledger's own lock file, so that two servers on one archive cannot interleave a draft save and a commit.
    func withLedgerLock<T>(_ dir: String, _ body: () throws -> T) throws -> T {
        try Self.workbenchLock.withLock { _ in
            let file = try ArchiveLock(path: dir + "/.lock", mode: .exclusive, wait: true)
            defer { withExtendedLifetime(file) {} }
            return try body()
        }
    }

    func workbenchDir(_ id: String) throws -> String {
        // The name came from a URL: only our own alphabet, so it cannot name another folder.
        guard id.range(of: #"^[A-Za-z0-9_-]{8,64}$"#, options: .regularExpression) != nil,
            FileManager.default.fileExists(atPath: workbenchRoot + "/" + id + "/ledger.json")
        else {
            throw HosoError(.keyingNotFound, .both("Không có sổ đang nhập này", "No ledger being keyed has this name"), location: id)
        }
        return workbenchRoot + "/" + id
    }

    private func load<T: Decodable>(_ type: T.Type, _ path: String) throws -> T? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try JSONDecoder().decode(T.self, from: data)
    }

    private func save(_ value: some Encodable, _ path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        // Drafts are hours of someone's typing: synced and renamed into place, so a power cut leaves the old or the
        // new file, never an empty one.
        try writeFileAtomically(Array(try e.encode(value)), to: path, tmpDir: parentDirectory(of: path), mode: 0o600)
    }

    private func now() -> String { HosoClock.format(clock.now()) }

    // MARK: - Starting a ledger from its scans

    /// Starts keying a ledger: checks the header and every scan (budgets, types), keeps the scans as sent and makes
    /// their display pages. Nothing is kept when anything is refused.
    public func startKeying(
        header: KeyingHeader, scans: [ScanUpload], by person: String, limits: ScanLimits = ScanLimits()
    ) throws
        -> KeyingLedger
    {
        try header.check()
        let id = try SecureRandom.token(bytes: 12)
        let fm = FileManager.default
        try fm.createDirectory(atPath: workbenchRoot, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temp = workbenchRoot + "/.new-" + id
        defer { try? fm.removeItem(atPath: temp) }
        let pages = try WorkbenchScans.prepare(scans, in: temp, limits: limits)
        let ledger = KeyingLedger(
            id: id, recordId: header.recordId(suffix: String(id.prefix(6))), header: header, createdBy: person, createdAt: now(),
            pages: pages.enumerated().map { i, p in
                KeyingLedger.Page(number: i + 1, original: p.original, pageInOriginal: p.pageInOriginal, display: p.display)
            })
        try fm.createDirectory(atPath: temp + "/keying", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try save(ledger, temp + "/ledger.json")
        for sub in ["originals", "display", "keying", ""] { try fsyncDirectory(temp + (sub.isEmpty ? "" : "/" + sub)) }
        try fm.moveItem(atPath: temp, toPath: workbenchRoot + "/" + id)
        try fsyncDirectory(workbenchRoot)
        return ledger
    }

    /// The ledgers being keyed (and those committed from here), newest first.
    public func keyingLedgers() throws -> [KeyingLedger] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: workbenchRoot)) ?? []
        return try names.filter { !$0.hasPrefix(".") }.compactMap { try load(KeyingLedger.self, workbenchRoot + "/" + $0 + "/ledger.json") }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    public func keyingLedger(_ id: String) throws -> KeyingLedger {
        guard let l = try load(KeyingLedger.self, try workbenchDir(id) + "/ledger.json") else {
            throw HosoError(.keyingNotFound, .both("Không có sổ đang nhập này", "No ledger being keyed has this name"), location: id)
        }
        return l
    }

    /// The display image of a page (made again from the original if the cache lost it) and its type.
    public func keyingPageImage(_ id: String, page: Int, limits: ScanLimits = ScanLimits()) throws -> (path: String, type: String) {
        let dir = try workbenchDir(id)
        let l = try keyingLedger(id)
        guard let p = l.pages.first(where: { $0.number == page }) else { throw Self.noPage(page) }
        let path = dir + "/display/" + p.display
        if !FileManager.default.fileExists(atPath: path) {
            guard let kind = WorkbenchScans.Kind(rawValue: (p.original as NSString).pathExtension) else { throw Self.noPage(page) }
            try WorkbenchScans.makeDisplay(
                kind, dir + "/originals/" + p.original, page: p.pageInOriginal, to: path, name: p.original, limits: limits)
        }
        return (path, p.display.hasSuffix(".jpg") ? "image/jpeg" : "image/png")
    }

    static func noPage(_ page: Int) -> HosoError {
        HosoError(.keyingInvalid, .both("Sổ không có trang \(page)", "The ledger has no page \(page)"), location: "page")
    }

    // MARK: - Drafts

    private func draftPath(_ dir: String, _ person: String) -> String {
        dir + "/keying/" + Hex.encode(SHA256.hash(Array(person.utf8))) + ".json"
    }

    /// What `person` has keyed of the ledger (empty when nothing yet).
    public func keyingDraft(_ id: String, person: String) throws -> KeyingDraft {
        try load(KeyingDraft.self, draftPath(try workbenchDir(id), person)) ?? KeyingDraft(person: person)
    }

    private func allDrafts(_ dir: String) throws -> [KeyingDraft] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/keying")) ?? []
        return try names.filter { $0.hasSuffix(".json") }.sorted().compactMap { try load(KeyingDraft.self, dir + "/keying/" + $0) }
    }

    /// The people keying a page, first come first: at most two.
    public func keyers(_ id: String, page: Int) throws -> [String] {
        Self.keyers(of: page, in: try allDrafts(try workbenchDir(id)))
    }

    static func keyers(of page: Int, in drafts: [KeyingDraft]) -> [String] {
        drafts.compactMap { d in d.startedPages[String(page)].map { (d.person, $0) } }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
    }

    /// Saves one entry of `person`'s draft (every field as typed; a field keeps the time it was last changed; the
    /// entry's row on the scan as the keyer marked it, if they did) and returns what the import's rules find wrong
    /// with it: the draft is kept either way, to be corrected.
    @discardableResult
    public func saveKeyedEntry(
        _ id: String, person: String, page: Int, slot: Int, values: [String: String], region: [Double]? = nil
    ) throws -> [KeyingProblem] {
        let dir = try workbenchDir(id)
        let l = try keyingLedger(id)
        guard l.committedRevision == nil else { throw Self.closed() }
        guard l.pages.contains(where: { $0.number == page }) else { throw Self.noPage(page) }
        guard (1...2000).contains(slot) else {
            throw HosoError(.keyingInvalid, .both("Số dòng trên trang không đúng", "The row on the page is not right"), location: "slot")
        }
        if let region { _ = try Self.keyedRegion(LedgerKeying.regionText(region)) }
        let suggestions = try load(PagePrefill.self, dir + "/prefill/page-\(page).json")
        let at = now()
        try withLedgerLock(dir) {
            // Again under the lock: a commit (here or in another server) may have closed the ledger meanwhile.
            guard try keyingLedger(id).committedRevision == nil else { throw Self.closed() }
            var draft = try load(KeyingDraft.self, draftPath(dir, person)) ?? KeyingDraft(person: person)
            let keyers = Self.keyers(of: page, in: try allDrafts(dir))
            if !keyers.prefix(2).contains(person) && keyers.count >= 2 {
                throw HosoError(
                    .keyingTwoKeyers,
                    .both(
                        "Trang \(page) đã có hai người nhập; người thứ ba đối chiếu, không nhập",
                        "Page \(page) already has two keyers; a third person reconciles and does not key it"),
                    location: "page")
            }
            if draft.donePages.contains(page) { throw Self.closed() }
            if draft.startedPages[String(page)] == nil { draft.startedPages[String(page)] = at }
            var entry =
                draft.entries.first { $0.page == page && $0.slot == slot } ?? KeyedEntry(page: page, slot: slot, values: [:], savedAt: at)
            for f in LedgerKeying.fields {
                let v = LedgerKeying.normalized(values[f] ?? "")
                guard v.count <= 500 else {
                    throw HosoError(.keyingInvalid, .both("Giá trị quá dài", "The value is too long"), location: f)
                }
                if entry.values[f]?.value == v { continue }
                let s = suggestions.flatMap { slot <= $0.rows.count ? $0.rows[slot - 1].fields[f] : nil }
                let fromSuggestion = s.map { LedgerKeying.normalized($0.text) == v && !v.isEmpty } ?? false
                entry.values[f] = KeyedValue(
                    value: v, at: at,
                    suggestion: fromSuggestion ? KeyedValue.Suggestion(engine: suggestions!.engine, confidence: s!.confidence) : nil)
            }
            entry.savedAt = at
            entry.region = region
            draft.entries.removeAll { $0.page == page && $0.slot == slot }
            draft.entries.append(entry)
            draft.entries.sort { ($0.page, $0.slot) < ($1.page, $1.slot) }
            try save(draft, draftPath(dir, person))
        }
        return try checkKeyedEntry(id, page: page, values: values)
    }

    /// `person` says a page is keyed completely: their entries on it no longer change, and once both keyers have said
    /// so the page is compared.
    public func finishKeyedPage(_ id: String, person: String, page: Int) throws {
        let dir = try workbenchDir(id)
        try withLedgerLock(dir) {
            guard try keyingLedger(id).committedRevision == nil else { throw Self.closed() }
            var draft = try load(KeyingDraft.self, draftPath(dir, person)) ?? KeyingDraft(person: person)
            // A page with no entry (a cover, a blank page) is finished empty: it is still keyed twice.
            if draft.startedPages[String(page)] == nil {
                guard try keyingLedger(id).pages.contains(where: { $0.number == page }) else { throw Self.noPage(page) }
                if Self.keyers(of: page, in: try allDrafts(dir)).count >= 2 {
                    throw HosoError(
                        .keyingTwoKeyers,
                        .both("Trang \(page) đã có hai người nhập", "Page \(page) already has two keyers"), location: "page")
                }
                draft.startedPages[String(page)] = now()
            }
            if !draft.donePages.contains(page) { draft.donePages.append(page) }
            draft.donePages.sort()
            try save(draft, draftPath(dir, person))
        }
    }

    /// A row's region as a form sends it (x,y,w,h; empty when not marked), checked as the import checks regions.
    public static func keyedRegion(_ text: String?) throws -> [Double]? {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard let r = LedgerImporter.region(text) else {
            throw HosoError(
                .keyingInvalid,
                .both(
                    "Vùng dòng trên ảnh phải là x,y,w,h (phân số từ 0 đến 1)", "The row's region must be x,y,w,h (fractions from 0 to 1)"),
                location: "region")
        }
        return r
    }

    static func closed() -> HosoError {
        HosoError(
            .keyingClosed, .both("Trang hoặc sổ này đã xong, không sửa được nữa", "This page or ledger is finished and no longer changes"))
    }

    /// One entry checked with the import's rules (values, dates, the office's grade rule, serials and ledger
    /// numbers already used by other ledgers), as the keyer types it.
    public func checkKeyedEntry(_ id: String, page: Int, values: [String: String]) throws -> [KeyingProblem] {
        let l = try keyingLedger(id)
        let row = LedgerKeying.Row(page: page, values: values)
        let serial = LedgerKeying.normalized(values["serial"] ?? "")
        let number = Int(LedgerKeying.normalized(values["ledgerNumber"] ?? "").split(separator: "/").first ?? "")
        let used = try index.usedNumbers(
            year: l.header.year, issuer: LedgerKeying.normalized(l.header.issuer), excludingRecord: l.recordId,
            serials: serial.isEmpty ? [] : [serial], numbers: number.map { $0...$0 })
        let draft = LedgerKeying.check(
            [row], recordId: l.recordId, header: l.header.members, year: l.header.year, scanPages: Set(l.pages.map(\.number)),
            existing: ExistingLedgerNumbers(serials: used.serials, ledgerNumbers: used.numbers))
        var problems = draft.errors.map { KeyingProblem($0, field: LedgerKeying.place(of: $0)?.field) }
        let grade = LedgerKeying.normalized(values["graduationGrade"] ?? "")
        problems += try officeSettings().graduationGradeProblems(
            level: l.header.level, year: l.header.year, grades: [grade.isEmpty ? nil : grade], source: "graduationGrade"
        ).map { KeyingProblem($0, field: "graduationGrade") }
        return problems
    }

    // MARK: - Machine suggestions

    /// A machine reader's suggestions for a page, kept so that a value keyed equal to one is marked as confirmed
    /// from a suggestion in its provenance. They are nobody's keying.
    public func prefillPage(_ id: String, page: Int, using reader: any PagePrefiller) throws -> PagePrefill {
        let dir = try workbenchDir(id)
        let image = try keyingPageImage(id, page: page)
        let prefill = try reader.prefill(imageFile: image.path)
        try FileManager.default.createDirectory(atPath: dir + "/prefill", withIntermediateDirectories: true)
        try save(prefill, dir + "/prefill/page-\(page).json")
        return prefill
    }

    /// The suggestions made for a page earlier, if any.
    public func pagePrefill(_ id: String, page: Int) throws -> PagePrefill? {
        try load(PagePrefill.self, try workbenchDir(id) + "/prefill/page-\(page).json")
    }

    // MARK: - Comparing, deciding, committing

    /// Where the ledger stands: each page's keyers and whether each finished, and every difference of the pages
    /// both keyers finished, with the decision made on it if any.
    public func keyingStatus(_ id: String) throws -> KeyingStatus {
        let dir = try workbenchDir(id)
        let l = try keyingLedger(id)
        let drafts = try allDrafts(dir)
        let decisions = try load([String: KeyingDecision].self, dir + "/decisions.json") ?? [:]
        var pages = [KeyingStatus.Page]()
        var differences = [KeyingDifference]()
        var agreed = 0
        for p in l.pages {
            let keyers = Self.keyers(of: p.number, in: drafts).prefix(2)
            let pair = keyers.compactMap { k in drafts.first { $0.person == k } }
            let done = pair.filter { $0.donePages.contains(p.number) }.map(\.person)
            var page = KeyingStatus.Page(
                number: p.number, keyers: Array(keyers), finished: done,
                entries: pair.map { d in d.entries.filter { $0.page == p.number }.count }.max() ?? 0, differences: 0, undecided: 0)
            if pair.count == 2 && done.count == 2 {
                let (a, b) = (pair[0], pair[1])
                let slots = Set((a.entries + b.entries).filter { $0.page == p.number }.map(\.slot)).sorted()
                for slot in slots {
                    let ea = a.entries.first { $0.page == p.number && $0.slot == slot }
                    let eb = b.entries.first { $0.page == p.number && $0.slot == slot }
                    for f in LedgerKeying.fields {
                        let va = ea?.values[f]?.value ?? ""
                        let vb = eb?.values[f]?.value ?? ""
                        if va == vb { continue }
                        let key = KeyingDecision.key(page: p.number, slot: slot, field: f)
                        let d = KeyingDifference(
                            page: p.number, slot: slot, field: f, first: KeyingDifference.Side(person: a.person, value: va),
                            second: KeyingDifference.Side(person: b.person, value: vb), decision: decisions[key])
                        differences.append(d)
                        page.differences += 1
                        if d.decision == nil { page.undecided += 1 }
                    }
                }
                agreed += 1
            }
            pages.append(page)
        }
        return KeyingStatus(
            pages: pages, differences: differences, committedRevision: l.committedRevision,
            ready: l.committedRevision == nil && agreed == l.pages.count && differences.allSatisfy { $0.decision != nil })
    }

    /// A third registrar decides one difference: the value the paper shows (empty when the entry has no such
    /// value, or no such entry). Neither keyer of the page may.
    public func decideKeyedValue(_ id: String, person: String, page: Int, slot: Int, field: String, value: String) throws {
        let dir = try workbenchDir(id)
        guard try keyingLedger(id).committedRevision == nil else { throw Self.closed() }
        let status = try keyingStatus(id)
        guard status.differences.contains(where: { $0.page == page && $0.slot == slot && $0.field == field }) else {
            throw HosoError(
                .keyingInvalid, .both("Không có chỗ khác nhau này để quyết định", "There is no such difference to decide"), location: field)
        }
        if status.pages.first(where: { $0.number == page })?.keyers.contains(person) == true {
            throw HosoError(
                .keyingOwnDisagreement,
                .both(
                    "Người đã nhập trang này không tự quyết định chỗ khác nhau; cần một cán bộ thứ ba",
                    "Someone who keyed this page cannot decide its differences; a third registrar does"),
                location: field)
        }
        try withLedgerLock(dir) {
            guard try keyingLedger(id).committedRevision == nil else { throw Self.closed() }
            var decisions = try load([String: KeyingDecision].self, dir + "/decisions.json") ?? [:]
            decisions[KeyingDecision.key(page: page, slot: slot, field: field)] = KeyingDecision(
                value: LedgerKeying.normalized(value), person: person, at: now())
            try save(decisions, dir + "/decisions.json")
        }
    }

    /// Commits the agreed entries as a ledger revision through the ledger import (its checks, its digitization
    /// record, method "double-entry"), then the values' provenance as a `keying-provenance` record.
    public func commitKeyedLedger(_ id: String, person: String) throws -> LedgerImportReport {
        let dir = try workbenchDir(id)
        // The whole commit holds the ledger's lock: no draft or decision changes between what is read and what
        // is stored, in this server or another one on the archive.
        return try withLedgerLock(dir) { try commitKeyedLedgerLocked(id, dir: dir, person: person) }
    }

    private func commitKeyedLedgerLocked(_ id: String, dir: String, person: String) throws -> LedgerImportReport {
        let l = try keyingLedger(id)
        let status = try keyingStatus(id)
        guard status.ready else {
            throw HosoError(
                .keyingNotReady,
                .both(
                    "Chưa ghi được: mỗi trang cần hai người nhập xong và mọi chỗ khác nhau phải được quyết định",
                    "Not yet: every page needs two finished keyings and every difference a decision"))
        }
        let drafts = try allDrafts(dir)
        var rows = [LedgerKeying.Row]()
        var provenance = [JSONValue]()
        for p in status.pages {
            let pair = p.keyers.compactMap { k in drafts.first { $0.person == k } }
            let slots = Set(pair.flatMap { $0.entries.filter { $0.page == p.number }.map(\.slot) }).sorted()
            for slot in slots {
                let entries = pair.map { d in (d.person, d.entries.first { $0.page == p.number && $0.slot == slot }) }
                var values = [String: String]()
                var fields = [JSONValue]()
                for f in LedgerKeying.fields {
                    let diff = status.differences.first { $0.page == p.number && $0.slot == slot && $0.field == f }
                    let value = diff?.decision?.value ?? entries.first?.1?.values[f]?.value ?? ""
                    values[f] = value
                    let keyed: [JSONValue] = entries.compactMap { person, e in
                        guard let kv = e?.values[f], !kv.value.isEmpty else { return nil }
                        var m = [
                            JSONMember("person", .string(person)), JSONMember("at", .string(kv.at)), JSONMember("value", .string(kv.value)),
                        ]
                        if let s = kv.suggestion {
                            m.append(
                                JSONMember(
                                    "confirmedSuggestion",
                                    .object([JSONMember("engine", .string(s.engine)), JSONMember("confidence", .number(s.confidence))])))
                        }
                        return .object(m)
                    }
                    guard !value.isEmpty || !keyed.isEmpty else { continue }
                    var m = [JSONMember("field", .string(f)), JSONMember("value", .string(value)), JSONMember("keyedBy", .array(keyed))]
                    if let d = diff?.decision {
                        m.append(
                            JSONMember("decidedBy", .object([JSONMember("person", .string(d.person)), JSONMember("at", .string(d.at))])))
                    }
                    fields.append(.object(m))
                }
                // An entry both keyers left out, or the decider emptied, is no entry.
                guard values.values.contains(where: { !$0.isEmpty }) else { continue }
                // Where the row is on the scan is no keyed value: the first keyer's band, else the second's.
                let region = entries.lazy.compactMap { $0.1?.region }.first
                rows.append(LedgerKeying.Row(page: p.number, values: values, region: region))
                provenance.append(
                    .object([
                        JSONMember("page", .number(Double(p.number))), JSONMember("row", .number(Double(slot))),
                        JSONMember("fields", .array(fields)),
                    ]))
            }
        }
        // The import reads a spreadsheet, its mapping and a folder of scans: the keyed rows, the header and the
        // originals as sent (a file of several pages is the scan of each of its pages).
        let temp = FileManager.default.temporaryDirectory.path + "/hoso-keying-" + (try SecureRandom.token(bytes: 12))
        defer { try? FileManager.default.removeItem(atPath: temp) }
        try FileManager.default.createDirectory(
            atPath: temp + "/scans", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Data(LedgerKeying.csv(rows).utf8).write(to: URL(fileURLWithPath: temp + "/ledger.csv"))
        for p in l.pages {
            try FileManager.default.copyItem(
                atPath: dir + "/originals/" + p.original,
                toPath: temp + "/scans/page-\(p.number)." + (p.original as NSString).pathExtension)
        }
        let mapping = JSONValue.object([
            JSONMember("format", .string("hoso/ledger-mapping")), JSONMember("version", .number(1)),
            JSONMember("recordId", .string(l.recordId)), JSONMember("ledger", .object(l.header.members)),
            JSONMember("columns", .object((LedgerKeying.fields + ["page", "region"]).map { JSONMember($0, .string($0)) })),
            JSONMember("dateFormat", .string(LedgerKeying.dateFormat)), JSONMember("scans", .string("scans")),
        ])
        try Data(try CanonicalJSON.serialize(mapping)).write(to: URL(fileURLWithPath: temp + "/mapping.json"))
        let report = try importLedger(
            file: temp + "/ledger.csv", mapping: temp + "/mapping.json", dryRun: false, reason: nil, author: person,
            method: "double-entry")
        guard report.committed || report.unchanged, let revision = report.revision else { return report }
        let body = JSONValue.object([
            JSONMember("ledger", .string(l.recordId)), JSONMember("revision", .string(revision)),
            JSONMember("method", .string("double-entry")), JSONMember("committedBy", .string(person)),
            JSONMember("entries", .array(provenance)),
        ])
        if try index.revisions(ofRecord: "keying/" + revision).isEmpty {
            try createWorkflowRecord(type: Self.keyingProvenanceType, id: "keying/" + revision, body: body, author: person)
        }
        var done = l
        done.committedRevision = revision
        done.committedBy = person
        done.committedAt = now()
        try save(done, dir + "/ledger.json")
        return report
    }

    /// The provenance of a committed keyed ledger revision (its body), if it was keyed here.
    public func keyingProvenance(revision: String) throws -> JSONValue? {
        guard try !index.revisions(ofRecord: "keying/" + revision).isEmpty else { return nil }
        return try current(record: "keying/" + revision).1.body
    }
}

// MARK: - Models

/// A ledger's header as the registrar types it when starting from the scans.
public struct KeyingHeader: Codable, Sendable, Equatable {
    public var issuer: String
    public var title: String
    public var level: String
    public var decisionNumber: String
    /// Typed dd/mm/yyyy.
    public var decisionDate: String
    public var year: Int
    public var school: String
    public var mode: String

    public init(
        issuer: String, title: String, level: String, decisionNumber: String, decisionDate: String, year: Int, school: String,
        mode: String
    ) {
        (self.issuer, self.title, self.level, self.decisionNumber) = (issuer, title, level, decisionNumber)
        (self.decisionDate, self.year, self.school, self.mode) = (decisionDate, year, school, mode)
    }

    /// dd/mm/yyyy as ISO yyyy-mm-dd, when it is a real date.
    public static func isoDate(_ typed: String) -> String? {
        let parts = typed.trimmingCharacters(in: .whitespaces).split(separator: "/").map { Int($0) }
        guard parts.count == 3, let d = parts[0], let m = parts[1], let y = parts[2], (1900...2200).contains(y), (1...12).contains(m)
        else { return nil }
        var c = DateComponents()
        (c.year, c.month, c.day) = (y, m, d)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard d >= 1, let date = cal.date(from: c), cal.component(.day, from: date) == d else { return nil }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    func check() throws {
        var problems = [HosoError]()
        func bad(_ field: String, _ vi: String, _ en: String) {
            problems.append(HosoError(.keyingInvalid, .both(vi, en), location: field))
        }
        for (f, v) in [("issuer", issuer), ("title", title), ("decisionNumber", decisionNumber), ("school", school), ("mode", mode)]
        where LedgerKeying.normalized(v).isEmpty || v.count > 300 {
            bad(f, "Cần điền (tối đa 300 ký tự)", "Required (at most 300 characters)")
        }
        if !["THCS", "THPT"].contains(level) { bad("level", "Chọn THCS hoặc THPT", "Choose THCS or THPT") }
        if !(1945...2200).contains(year) { bad("year", "Năm tốt nghiệp không đúng", "The graduation year is not right") }
        if Self.isoDate(decisionDate) == nil { bad("decisionDate", "Ngày ghi dạng dd/mm/yyyy", "Type the date as dd/mm/yyyy") }
        if !problems.isEmpty { throw HosoProblems(problems) }
    }

    /// The header as the ledger body has it (ledger.schema.json).
    public var members: [JSONMember] {
        [
            JSONMember("issuer", .string(LedgerKeying.normalized(issuer))), JSONMember("title", .string(LedgerKeying.normalized(title))),
            JSONMember("level", .string(level)),
            JSONMember(
                "decision",
                .object([
                    JSONMember("number", .string(LedgerKeying.normalized(decisionNumber))),
                    JSONMember("date", .string(Self.isoDate(decisionDate) ?? "")),
                ])),
            JSONMember("year", .number(Double(year))), JSONMember("school", .string(LedgerKeying.normalized(school))),
            JSONMember("mode", .string(LedgerKeying.normalized(mode))),
        ]
    }

    /// A record id for the new ledger: level, year and the school in plain letters, made unique by `suffix`.
    func recordId(suffix: String) -> String {
        let folded = LedgerKeying.normalized(school).folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
            .replacingOccurrences(of: "đ", with: "d")
        let slug = folded.unicodeScalars.map { $0.isASCII && CharacterSet.alphanumerics.contains($0) ? String($0) : "-" }.joined()
            .split(separator: "-").joined(separator: "-").uppercased()
        return "SO-GOC/\(level)/\(year)/\(slug.prefix(60))-\(suffix)"
    }
}

/// A ledger being keyed from its scans.
public struct KeyingLedger: Codable, Sendable, Equatable {
    public var id: String
    public var recordId: String
    public var header: KeyingHeader
    public var createdBy: String
    public var createdAt: String
    public var pages: [Page]
    public var committedRevision: String?
    public var committedBy: String?
    public var committedAt: String?

    public struct Page: Codable, Sendable, Equatable {
        public var number: Int
        /// The uploaded file (kept as sent) and this page's place in it.
        public var original: String
        public var pageInOriginal: Int
        /// The display image's file name (derived).
        public var display: String
    }
}

/// One keyed value: as typed (normalised), when it was last changed, and whether it confirmed a machine's suggestion.
public struct KeyedValue: Codable, Sendable, Equatable {
    public var value: String
    public var at: String
    public var suggestion: Suggestion?

    public struct Suggestion: Codable, Sendable, Equatable {
        public var engine: String
        public var confidence: Double
    }
}

/// One entry of a page as one person keyed it (`slot`: its row on the page, from 1).
public struct KeyedEntry: Codable, Sendable, Equatable {
    public var page: Int
    public var slot: Int
    public var values: [String: KeyedValue]
    public var savedAt: String
    /// The entry's row on the scan (x,y,w,h, fractions of the page as stored, whatever rotation or zoom the keyer
    /// used), when marked.
    public var region: [Double]?
}

/// One person's keying of a ledger: work in progress, saved on every entry.
public struct KeyingDraft: Codable, Sendable, Equatable {
    public var person: String
    public var entries: [KeyedEntry] = []
    /// Page → when this person began it (who keys a page is first come, first served).
    public var startedPages: [String: String] = [:]
    public var donePages: [Int] = []

    public init(person: String) { self.person = person }
}

/// A third registrar's decision on one difference.
public struct KeyingDecision: Codable, Sendable, Equatable {
    public var value: String
    public var person: String
    public var at: String

    static func key(page: Int, slot: Int, field: String) -> String { "\(page)/\(slot)/\(field)" }
}

/// One field two keyers typed differently.
public struct KeyingDifference: Codable, Sendable, Equatable {
    public var page: Int
    public var slot: Int
    public var field: String
    public var first: Side
    public var second: Side
    public var decision: KeyingDecision?

    public struct Side: Codable, Sendable, Equatable {
        public var person: String
        public var value: String
    }
}

/// Where a keyed ledger stands.
public struct KeyingStatus: Codable, Sendable, Equatable {
    public var pages: [Page]
    public var differences: [KeyingDifference]
    public var committedRevision: String?
    /// Every page keyed twice and finished, every difference decided, not committed yet.
    public var ready: Bool

    public struct Page: Codable, Sendable, Equatable {
        public var number: Int
        public var keyers: [String]
        public var finished: [String]
        public var entries: Int
        public var differences: Int
        public var undecided: Int
    }
}

/// A problem with a keyed entry, by field when it is about one.
public struct KeyingProblem: Codable, Sendable, Equatable {
    public var code: String
    public var field: String?
    public var message: String
    public var messageEn: String

    init(_ e: HosoError, field: String?) {
        code = e.code.rawValue
        self.field = field
        message = e.message.vi
        messageEn = e.message.en
    }
}
