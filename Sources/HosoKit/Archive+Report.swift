import Foundation
import HosoCore
import HosoGrades
import HosoIndex
import HosoRecords
import HosoSigning
import HosoStore

extension HosoError.Code {
    /// `hoso report --school` / the dashboard named a school the archive and the inventory do not know.
    public static let reportSchoolUnknown = Self("REPORT_SCHOOL_UNKNOWN", .notFound)
}

/// The provincial digital-transformation plan's indicators (`hoso report`, the dashboard), computed from the archive
/// alone: what share of the paper ledgers is digitized, which schools keep grade books and học bạ electronically,
/// which teachers sign them, and whether citizens' requests are answered by their deadline.
///
/// Every record is read as stored and anything unreadable (a body that is not what its type says, a record in
/// conflict) is skipped rather than failing the report: it measures the archive, it does not judge it (fsck does).
/// The result is kept until the next write, so a dashboard opened often costs one lookup.
extension Archive {
    // MARK: - The paper inventory

    /// The paper ledgers the office declared per school, with the plan's target; nil when never declared.
    public func paperInventory() throws -> PaperInventory? {
        let heads = try index.heads(ofRecord: PaperInventory.recordId)
        guard let first = heads.sorted().first, let id = ObjectID(hex: first) else { return nil }
        return try decodeBody(try revision(id).body, as: PaperInventory.self)
    }

    /// Records the inventory as a new revision (the first one creates the record).
    @discardableResult
    public func setPaperInventory(_ inventory: PaperInventory, author: String, reason: String) throws -> ObjectID {
        let body = try encodeBody(inventory)
        if try index.revisions(ofRecord: PaperInventory.recordId).isEmpty {
            return try createRecord(type: PaperInventory.recordType, id: PaperInventory.recordId, body: body, author: author)
        }
        let heads = try index.heads(ofRecord: PaperInventory.recordId)
        // Two offices' counts edited apart are merged by whoever declares next: the new counts name both.
        return try revise(record: PaperInventory.recordId, body: body, author: author, reason: reason, resolve: heads.count > 1)
    }

    // MARK: - The report

    /// The plan's indicators for the school year starting in `year` (default: the current one at the office), for
    /// every school or only `school`.
    public func planReport(year: Int? = nil, school: String? = nil) throws -> PlanReport {
        let settings = try officeSettings()
        let start = year ?? PlanReport.schoolYearStart(of: clock.now(), calendar: settings.calendar)
        let key = "\(try index.committedSequence()) \(start)"
        var report = try workState.derived(from: "plan-report", head: key) { try computePlanReport(year: start, settings: settings) }
        report.generatedAt = HosoClock.format(clock.now())
        if let school {
            let wanted = PlanReport.schoolKey(school)
            report.schools = report.schools.filter { PlanReport.schoolKey($0.school) == wanted }
            if report.schools.isEmpty {
                throw HosoError(
                    .reportSchoolUnknown,
                    .both("Kho không có hồ sơ và chưa khai báo sổ giấy của trường này", "The archive knows nothing of this school"),
                    location: school)
            }
        }
        return report
    }

    /// The current body of a record as stored (the first head of a conflict), nil when it cannot be read.
    private func storedBody(_ recordId: String) -> (head: String, body: JSONValue)? {
        guard let head = (try? index.heads(ofRecord: recordId))?.sorted().first, let id = ObjectID(hex: head),
            let rev = try? revision(id)
        else { return nil }
        return (head, rev.body)
    }

    private func computePlanReport(year: Int, settings: OfficeSettings) throws -> PlanReport {
        let schoolYear = PlanReport.schoolYear(year)
        let inventory = try? paperInventory()
        let target = inventory?.targetPercent ?? PaperInventory.defaultTarget
        var rows = [String: SchoolTally]()
        func tally(_ name: String) -> String {
            let key = PlanReport.schoolKey(name)
            if rows[key] == nil { rows[key] = SchoolTally(name: name) }
            return key
        }
        for s in inventory?.schools ?? [] { rows[tally(s.school)]!.paper = s }

        // Digitization: every ledger so far (the plan counts the archive, not a year).
        for id in try recordIds(ofType: Self.ledgerType) {
            guard let head = (try? index.heads(ofRecord: id))?.sorted().first, let ledger = ledgerCount(head: head) else { continue }
            let k = tally(ledger.school)
            rows[k]!.ledgers += 1
            rows[k]!.pages += ledger.pages
            rows[k]!.entries += ledger.entries
            if !(try index.revisions(ofRecord: Self.digitizationId(revision: head))).isEmpty { rows[k]!.converted += 1 }
        }

        // Who is a teacher, and the certificates each signs with.
        var teacherOf = [String: String]()  // certificate fingerprint → person record id
        var teachers = Set<String>()
        for id in try recordIds(ofType: Self.personType) {
            guard let (_, body) = storedBody(id), case .array(let roles)? = body["roles"],
                roles.contains(where: { $0.stringValue == "teacher" })
            else { continue }
            teachers.insert(id)
            if case .array(let certs)? = body["certificates"] {
                for c in certs { if let fp = c["sha256"]?.stringValue { teacherOf[fp.lowercased()] = id } }
            }
        }
        for id in try recordIds(ofType: Self.assignmentType) {
            guard let (_, body) = storedBody(id), let person = body["person"]?.stringValue, teachers.contains(person),
                let school = body["school"]?.stringValue, body["schoolYear"]?.stringValue.map({ $0 == schoolYear }) ?? true
            else { continue }
            rows[tally(school)]!.teachers.insert(person)
        }
        var signedAnywhere = Set<String>()
        func signed(_ person: String?, at key: String) {
            guard let person else { return }
            signedAnywhere.insert(person)
            rows[key]!.teachers.insert(person)
            rows[key]!.teachersSigned.insert(person)
        }

        // Grade books of the year: signed when their current revision carries a signature; a teacher signed when any
        // revision carries one made with their certificate.
        let signatureRows = Dictionary(grouping: try index.signatures(), by: \.revisionId)
        for id in try recordIds(ofType: GradeBookInfo.recordType) {
            // Ids made by hoso carry the year ("gradebook/<school>/<year>/…"): others' bodies are not read.
            if id.hasPrefix("gradebook/"), !id.contains("/\(schoolYear)/") { continue }
            guard let (head, body) = storedBody(id), body["schoolYear"]?.stringValue == schoolYear,
                let school = body["school"]?.stringValue
            else { continue }
            let k = tally(school)
            rows[k]!.gradeBooks += 1
            if !(signatureRows[head] ?? []).isEmpty { rows[k]!.gradeBooksSigned += 1 }
            var seen = Set<String>()
            for rev in try index.revisions(ofRecord: id) {
                for row in signatureRows[rev.id] ?? [] where seen.insert(row.signatureKey).inserted {
                    signed(signerFingerprint(row).flatMap { teacherOf[$0] }, at: k)
                }
            }
        }

        // Học bạ of the year, signed when their issue record carries a signature.
        var issues = [String: [String]]()  // học bạ record id → signer fingerprints
        for id in try recordIds(ofType: HocBaIssue.recordType) where id.hasSuffix("/" + schoolYear) {
            guard let (_, body) = storedBody(id), let hocBa = body["hocBa"]?.stringValue, case .array(let sigs)? = body["signatures"]
            else { continue }
            issues[hocBa, default: []] += sigs.compactMap { $0["signer"]?.stringValue?.lowercased() }
        }
        for id in try recordIds(ofType: HocBa.recordType) where id.hasSuffix("/" + schoolYear) {
            guard let (_, body) = storedBody(id), let school = body["school"]?["name"]?.stringValue else { continue }
            let k = tally(school)
            rows[k]!.hocBa += 1
            let signers = issues[id] ?? []
            if !signers.isEmpty { rows[k]!.hocBaSigned += 1 }
            for fp in signers { signed(teacherOf[fp], at: k) }
        }

        let schools = rows.values.sorted { $0.name < $1.name }.map { $0.indicators(target: target) }
        var district = PlanReport.Indicators(school: "")
        let declared = rows.values.filter { $0.paper != nil }
        district.declared = !declared.isEmpty && rows.values.allSatisfy { $0.paper != nil || $0.ledgers == 0 }
        // The district's shares count only schools that declared their paper: a denominator is never guessed.
        // With no school declared, the count stands alone (over every school), with no share: "0 not declared"
        // beside schools that hold ledgers read as if nothing had been digitized.
        let all = Array(rows.values)
        district.ledgers = .init(
            digitized: (declared.isEmpty ? all : declared).map(\.ledgers).reduce(0, +),
            paper: declared.isEmpty ? nil : declared.map { $0.paper!.ledgers }.reduce(0, +), target: target)
        let withPages = declared.filter { $0.paper?.pages != nil }
        district.pages = .init(
            digitized: (withPages.isEmpty ? all : withPages).map(\.pages).reduce(0, +),
            paper: withPages.isEmpty ? nil : withPages.map { $0.paper!.pages! }.reduce(0, +), target: target)
        let withEntries = declared.filter { $0.paper?.entries != nil }
        district.entries = .init(
            digitized: (withEntries.isEmpty ? all : withEntries).map(\.entries).reduce(0, +),
            paper: withEntries.isEmpty ? nil : withEntries.map { $0.paper!.entries! }.reduce(0, +), target: target)
        for s in schools {
            district.ledgersWithConversionRecord += s.ledgersWithConversionRecord
            district.gradeBooks += s.gradeBooks
            district.gradeBooksSigned += s.gradeBooksSigned
            district.hocBa += s.hocBa
            district.hocBaSigned += s.hocBaSigned
            district.schoolsWithGradeBooks += s.schoolsWithGradeBooks
            district.schoolsWithHocBa += s.schoolsWithHocBa
        }
        district.teachers = teachers.count
        district.teachersSigned = signedAnywhere.count

        return PlanReport(
            schoolYear: schoolYear, generatedAt: HosoClock.format(clock.now()), targetPercent: target, inventoryDeclared: inventory != nil,
            district: district, schools: schools, requests: try requestTally(year: year, settings: settings))
    }

    /// A ledger revision's school, pages and entries. A revision never changes, so what was read of it is kept: a
    /// report made again after some other write does not parse every ledger again (most of a report's work).
    private func ledgerCount(head: String) -> LedgerCount? {
        workState.derived(from: "plan-ledger " + head, head: head) {
            guard let id = ObjectID(hex: head), let body = try? revision(id).body, let school = body["school"]?.stringValue else {
                return nil
            }
            var count = LedgerCount(school: school)
            if case .array(let pages)? = body["pages"] { count.pages = pages.count }
            if case .array(let entries)? = body["entries"] { count.entries = entries.count }
            return count
        }
    }

    /// The certificate a stored signature was made with, by fingerprint; nil when its object cannot be read.
    private func signerFingerprint(_ row: SignatureRow) -> String? {
        guard let id = ObjectID(hex: row.id), let der = try? store.read(id), let sd = try? SignedData(der: der, source: row.id) else {
            return nil
        }
        return sd.signers.first?.certificate?.fingerprint
    }

    /// Requests received in the school year (1 September to 31 August, office time) against their deadlines: answered
    /// (issued or refused) by it, after it, or not yet — still in time, or overdue.
    private func requestTally(year: Int, settings: OfficeSettings) throws -> PlanReport.Requests {
        let c = settings.calendar
        guard let from = c.date(from: DateComponents(year: year, month: 9, day: 1)),
            let until = c.date(from: DateComponents(year: year + 1, month: 9, day: 1))
        else { return .init() }
        let now = clock.now()
        var out = PlanReport.Requests()
        for id in try recordIds(ofType: CitizenRequest.recordType) {
            // Numbers carry the year of receipt ("YC-2025-000001"): other years' bodies are not read.
            let parts = id.split(separator: "-")
            if parts.count == 3, parts[0] == "YC", let y = Int(parts[1]), y != year, y != year + 1 { continue }
            guard let (_, body) = storedBody(id), let received = body["receivedAt"]?.stringValue.flatMap(HosoClock.parse),
                received >= from, received < until, let deadline = body["deadline"]?.stringValue.flatMap(HosoClock.parse)
            else { continue }
            out.total += 1
            let status = body["status"]?.stringValue
            guard status == "issued" || status == "refused" else {
                if now > deadline { out.overdue += 1 } else { out.open += 1 }
                continue
            }
            // Answered when it first became issued or refused (a later hand-over is another revision).
            var answered: Date?
            for rev in try index.revisions(ofRecord: id) {
                guard let oid = ObjectID(hex: rev.id), let r = try? revision(oid) else { continue }
                let s = r.body["status"]?.stringValue
                if s == "issued" || s == "refused" {
                    answered = HosoClock.parse(r.time)
                    break
                }
            }
            if let answered, answered <= deadline { out.onTime += 1 } else { out.late += 1 }
        }
        return out
    }
}

/// What the report reads of one ledger revision.
private struct LedgerCount: Sendable {
    var school: String
    var pages = 0
    var entries = 0
}

/// What the report has counted of one school so far.
private struct SchoolTally {
    var name: String
    var paper: PaperInventory.School?
    var ledgers = 0
    var pages = 0
    var entries = 0
    var converted = 0
    var gradeBooks = 0
    var gradeBooksSigned = 0
    var hocBa = 0
    var hocBaSigned = 0
    var teachers = Set<String>()
    var teachersSigned = Set<String>()

    init(name: String) { self.name = name }

    func indicators(target: Double) -> PlanReport.Indicators {
        // The inventory's spelling names the school when the office declared it.
        var i = PlanReport.Indicators(school: paper?.school ?? name)
        i.declared = paper != nil
        i.ledgers = .init(digitized: ledgers, paper: paper?.ledgers, target: target)
        i.pages = .init(digitized: pages, paper: paper?.pages, target: target)
        i.entries = .init(digitized: entries, paper: paper?.entries, target: target)
        i.ledgersWithConversionRecord = converted
        i.gradeBooks = gradeBooks
        i.gradeBooksSigned = gradeBooksSigned
        i.hocBa = hocBa
        i.hocBaSigned = hocBaSigned
        i.schoolsWithGradeBooks = gradeBooks > 0 ? 1 : 0
        i.schoolsWithHocBa = hocBa > 0 ? 1 : 0
        i.teachers = teachers.count
        i.teachersSigned = teachersSigned.count
        return i
    }
}
