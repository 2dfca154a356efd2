import Foundation
import HosoCore
import HosoRecords
import HosoStore

/// What importing a student export did or would do.
public struct StudentImportReport: Sendable, Encodable {
    public struct Problem: Sendable, Encodable {
        public var code: String
        public var message: String
        public var messageEn: String
        /// `file:sheet:row:column` where the file says it.
        public var location: String?
        public var value: String?

        init(_ e: HosoError) {
            code = e.code.rawValue
            message = e.message.vi
            messageEn = e.message.en
            location = e.location
            value = e.cause
        }
    }

    public struct Sheet: Sendable, Encodable {
        public var name: String
        public var students: Int
    }

    public var students = 0
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public var sheets = [Sheet]()
    public var errors = [Problem]()
    public var warnings = [Problem]()
    public var dryRun: Bool
    public var committed = false
}

extension Archive {
    /// Imports the students of a sector-database export (C1-HocSinh, XLSX) as `person` records. A student already
    /// held is found by MOET code, else personal ID number, else (a row with neither) name and date of birth, and
    /// is revised rather than added again; the same data again changes nothing. All or nothing: any problem in any
    /// sheet and nothing is written, with every problem reported (sheet, row, column, field).
    public func importStudents(xlsx path: String, author: String, dryRun: Bool) throws -> StudentImportReport {
        try importStudents(try StudentExport.read(path: path), author: author, dryRun: dryRun)
    }

    public func importStudents(_ read: StudentExportRead, author: String, dryRun: Bool) throws -> StudentImportReport {
        var report = StudentImportReport(dryRun: dryRun)
        report.students = read.students.count
        report.sheets = read.sheets.map { .init(name: $0.name, students: $0.students) }
        report.warnings = read.warnings.map(StudentImportReport.Problem.init)
        var errors = read.errors
        let held = try heldStudents()
        let validator = try SchemaValidator.forRecordType(Self.personType)
        var revisions = [Revision]()
        var claimed = [String: StudentRow]()
        let now = HosoClock.format(clock.now())
        for s in read.students {
            let at = "\(read.source):\(s.sheet):\(s.row)"
            let match: HeldPerson?
            switch held.match(s) {
            case .failure(let why):
                errors.append(HosoError(.studentCodesDisagree, why.text, location: at))
                continue
            case .success(let m): match = m
            }
            let id = match?.recordId ?? newStudentId(s, taken: held.ids)
            if let other = claimed[id] {
                errors.append(
                    HosoError(
                        .studentDuplicate,
                        .both(
                            "Cùng một học sinh với trang tính \"\(other.sheet)\" dòng \(other.row)",
                            "The same student as sheet \"\(other.sheet)\" row \(other.row)"), location: at))
                continue
            }
            claimed[id] = s
            let body = Self.personBody(s, over: match?.body)
            let violations = validator.validate(body, source: at)
            if !violations.isEmpty {
                errors += violations
                continue
            }
            if let m = match {
                if try CanonicalJSON.serialize(body) == CanonicalJSON.serialize(m.body) {
                    report.unchanged += 1
                    continue
                }
                report.updated += 1
                revisions.append(
                    Revision(
                        recordType: Self.personType, recordId: id, parents: [m.head], author: author, time: now,
                        reason: "Cập nhật từ danh sách học sinh của CSDL ngành / updated from the sector database's student list",
                        body: body))
            } else {
                report.created += 1
                revisions.append(
                    Revision(recordType: Self.personType, recordId: id, parents: [], author: author, time: now, reason: nil, body: body))
            }
        }
        report.errors = errors.map(StudentImportReport.Problem.init)
        guard errors.isEmpty, !dryRun, !revisions.isEmpty else { return report }
        try putAll(revisions, objects: [], mustBeNew: Set(revisions.filter { $0.parents.isEmpty }.map(\.recordId)))
        report.committed = true
        return report
    }

    /// A person body with the row's values over what the record held: roles gain "student", certificates, former
    /// names and notes stay.
    static func personBody(_ s: StudentRow, over old: JSONValue?) -> JSONValue {
        var members = [JSONMember]()
        let fromRow = s.personMembers
        let rowKeys = Set(fromRow.map(\.key))
        if case .object(let oldMembers)? = old {
            members = oldMembers.filter { !rowKeys.contains($0.key) && $0.key != "roles" }
        }
        members += fromRow
        var roles = ["student"]
        if case .array(let items)? = old?["roles"] {
            roles = items.compactMap(\.stringValue)
            if !roles.contains("student") { roles.append("student") }
        }
        members.append(JSONMember("roles", .array(roles.map { .string($0) })))
        return .object(members.sorted { $0.key < $1.key })
    }

    /// A new student's record id: by the MOET code, else the personal ID number, else a digest of name, date and
    /// place of birth (the same row imported twice gets the same id, so it cannot be added twice).
    func newStudentId(_ s: StudentRow, taken: Set<String>) -> String {
        if let m = s.moetId { return "hs-" + m }
        if let c = s.citizenId { return "hs-cccd-" + c }
        let key = [VietnameseText.fold(s.fullName), s.dateOfBirth, VietnameseText.fold(s.placeOfBirth ?? "")].joined(separator: "|")
        return "hs-" + String(ObjectID(hashing: Array(key.utf8)).hex.prefix(16))
    }

    struct HeldPerson {
        var recordId: String
        var head: String
        var body: JSONValue
    }

    struct HeldStudents {
        var byMoet = [String: HeldPerson]()
        var byCitizen = [String: HeldPerson]()
        var byNameAndBirth = [String: [HeldPerson]]()
        var ids = Set<String>()

        static func nameKey(_ name: String, _ dob: String) -> String { VietnameseText.fold(name) + "|" + dob }

        /// The person this row is, if held; a failure when its codes point at two different people, or at a
        /// person whose code of the same kind is another.
        func match(_ s: StudentRow) -> Result<HeldPerson?, LocalizedTextError> {
            let m = s.moetId.flatMap { byMoet[$0] }
            let c = s.citizenId.flatMap { byCitizen[$0] }
            if let m, let c, m.recordId != c.recordId {
                return .failure(
                    .init(
                        .both(
                            "Mã học sinh và số định danh cá nhân trỏ tới hai người khác nhau trong kho",
                            "The MOET code and the personal ID number point at two different people in the archive")))
            }
            if let found = m ?? c {
                for (key, value) in [("moetId", s.moetId), ("citizenId", s.citizenId)] {
                    if let value, let heldValue = found.body[key]?.stringValue, heldValue != value {
                        let l = StudentExport.label(key)
                        return .failure(
                            .init(
                                .both(
                                    "\(l.vi) khác với hồ sơ đã có của học sinh này",
                                    "\(l.en) differs from the record held for this student")))
                    }
                }
                return .success(found)
            }
            if s.moetId == nil && s.citizenId == nil {
                let candidates = byNameAndBirth[Self.nameKey(s.fullName, s.dateOfBirth)] ?? []
                if candidates.count > 1 {
                    return .failure(
                        .init(
                            .both(
                                "Có nhiều người cùng họ tên và ngày sinh trong kho; cần mã học sinh hoặc số định danh",
                                "Several people with this name and date of birth are held; a MOET code or personal ID is needed")))
                }
                return .success(candidates.first)
            }
            return .success(nil)
        }
    }

    /// The people held, by their codes and by name and birth.
    func heldStudents() throws -> HeldStudents {
        var h = HeldStudents()
        for id in try recordIds(ofType: Self.personType) {
            h.ids.insert(id)
            let heads = try self.heads(record: id)
            guard heads.count == 1 else { continue }  // a record in conflict is resolved first, by hand
            let (head, rev) = try current(record: id)
            let p = HeldPerson(recordId: id, head: head.hex, body: rev.body)
            if let m = rev.body["moetId"]?.stringValue { h.byMoet[m] = p }
            if let c = rev.body["citizenId"]?.stringValue { h.byCitizen[c] = p }
            if let n = rev.body["fullName"]?.stringValue, let d = rev.body["dateOfBirth"]?.stringValue {
                h.byNameAndBirth[HeldStudents.nameKey(n, d), default: []].append(p)
            }
        }
        return h
    }
}

/// A sentence carried as an error through `Result`.
struct LocalizedTextError: Error {
    var text: LocalizedText
    init(_ text: LocalizedText) { self.text = text }
}
