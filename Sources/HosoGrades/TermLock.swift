import Foundation
import HosoCore
import HosoRecords

// The grade-book year's locks and corrections: once the principal locks a term, a grade book it covers changes only
// through a correction request that the principal approves (TT 22 Art. 19: corrections are never silent).

extension HosoError.Code {
    /// The grade book is in a locked term: a change needs a correction request approved by the principal.
    public static let termLocked = Self("TERM_LOCKED", .conflict)
    /// The person acting holds no principal assignment for that school (lock, unlock, approve, refuse).
    public static let notPrincipal = Self("NOT_PRINCIPAL", .forbidden)
    /// The correction request does not exist, is decided already, or its book has moved on since it was made.
    public static let correctionState = Self("CORRECTION_STATE_INVALID", .conflict)
    /// Term locks and correction requests are written by their own workflow only, never as plain records.
    public static let workflowRecord = Self("WORKFLOW_RECORD", .badInput)
}

/// A lock of one term's grade books: a whole school, one class, or one book (a class's subject). A `term-lock`
/// record; unlocking is its next revision with `locked: false`, so who locked and unlocked, and when, is kept.
public struct TermLock: Sendable, Equatable, Codable {
    public static let recordType = "term-lock"

    public enum Scope: String, Sendable, Codable { case school, `class`, book }

    public var recordId: String
    public var school: String
    public var schoolYear: String
    public var term: Term
    public var className: String?
    public var subject: String?
    public var locked: Bool
    /// The principal's person record id, and their name as recorded then.
    public var principal: String
    public var principalName: String
    public var scope: Scope { subject != nil ? .book : className != nil ? .class : .school }

    public init(
        school: String, schoolYear: String, term: Term, className: String? = nil, subject: String? = nil,
        locked: Bool = true, principal: String, principalName: String
    ) {
        self.school = school
        self.schoolYear = schoolYear
        self.term = term
        self.className = className
        self.subject = className == nil ? nil : subject
        self.locked = locked
        self.principal = principal
        self.principalName = principalName
        recordId = Self.recordId(school: school, schoolYear: schoolYear, term: term, className: className, subject: self.subject)
    }

    /// `termlock/<school>/<year>/<term>[/<class>[/<subject>]]`: one record per scope, however the names were typed.
    public static func recordId(school: String, schoolYear: String, term: Term, className: String?, subject: String?) -> String {
        var id = "termlock/\(recordSlug(school))/\(schoolYear)/\(term.rawValue.lowercased())"
        if let className { id += "/" + recordSlug(className) }
        if className != nil, let subject { id += "/" + recordSlug(subject) }
        return id
    }

    /// Reads a `term-lock` body; nil when it is not one.
    public init?(recordId: String, body: JSONValue) {
        guard let school = body["school"]?.stringValue, let year = body["schoolYear"]?.stringValue,
            let term = body["term"]?.stringValue.flatMap(Term.parse), case .bool(let locked)? = body["locked"],
            let principal = body["principal"]?.stringValue
        else { return nil }
        self.recordId = recordId
        self.school = school
        schoolYear = year
        self.term = term
        className = body["class"]?.stringValue
        subject = body["subject"]?.stringValue
        self.locked = locked
        self.principal = principal
        principalName = body["principalName"]?.stringValue ?? principal
    }

    public var body: JSONValue {
        var m = [
            JSONMember("school", .string(school)), JSONMember("schoolYear", .string(schoolYear)),
            JSONMember("term", .string(term.rawValue)), JSONMember("scope", .string(scope.rawValue)),
            JSONMember("locked", .bool(locked)), JSONMember("principal", .string(principal)),
            JSONMember("principalName", .string(principalName)),
        ]
        if let className { m.append(JSONMember("class", .string(className))) }
        if let subject { m.append(JSONMember("subject", .string(subject))) }
        return .object(m)
    }

    /// Whether this lock, while locked, covers the grade book `body` (names compared as record ids compare them).
    public func covers(gradeBook body: JSONValue) -> Bool {
        guard locked, let s = body["school"]?.stringValue, let y = body["schoolYear"]?.stringValue,
            let t = body["term"]?.stringValue.flatMap(Term.parse)
        else { return false }
        guard recordSlug(s) == recordSlug(school), y == schoolYear, t == term else { return false }
        if let className, recordSlug(body["class"]?.stringValue ?? "") != recordSlug(className) { return false }
        if let subject, recordSlug(body["subject"]?.stringValue ?? "") != recordSlug(subject) { return false }
        return true
    }

    /// "Học kì I 2024-2025 — lớp 6A, môn Toán" in plain words, for the screens.
    public var label: LocalizedText {
        let place: (String, String) =
            switch scope {
            case .school: ("cả trường", "the whole school")
            case .class: ("lớp \(className ?? "")", "class \(className ?? "")")
            case .book: ("lớp \(className ?? ""), môn \(subject ?? "")", "class \(className ?? ""), \(subject ?? "")")
            }
        return .both("\(term.label) \(schoolYear) — \(place.0)", "\(term == .hk1 ? "Term I" : "Term II") \(schoolYear) — \(place.1)")
    }
}

/// A teacher's request to change a grade book in a locked term, with the reason and the exact new body; the principal
/// approves it (the change is then committed as a correction, on the revision the request was made from) or refuses.
public struct CorrectionRequest: Sendable, Equatable {
    public static let recordType = "correction-request"

    public enum Status: String, Sendable, Codable { case pending, approved, refused }

    public var recordId: String
    /// The grade book's record id and the revision the change was made from.
    public var book: String
    public var base: String
    public var reason: String
    public var requestedBy: String
    public var proposed: JSONValue
    public var status: Status
    /// The principal's person record id and name, and what they said (approval or refusal).
    public var decidedBy: String?
    public var decidedByName: String?
    public var decisionNote: String?
    /// The grade-book revision committed on approval.
    public var revision: String?

    public init(recordId: String, book: String, base: String, reason: String, requestedBy: String, proposed: JSONValue) {
        self.recordId = recordId
        self.book = book
        self.base = base
        self.reason = reason
        self.requestedBy = requestedBy
        self.proposed = proposed
        status = .pending
    }

    public init?(recordId: String, body: JSONValue) {
        guard let book = body["book"]?.stringValue, let base = body["base"]?.stringValue,
            let reason = body["reason"]?.stringValue, let by = body["requestedBy"]?.stringValue,
            let proposed = body["proposed"], let status = body["status"]?.stringValue.flatMap(Status.init(rawValue:))
        else { return nil }
        self.init(recordId: recordId, book: book, base: base, reason: reason, requestedBy: by, proposed: proposed)
        self.status = status
        decidedBy = body["decidedBy"]?.stringValue
        decidedByName = body["decidedByName"]?.stringValue
        decisionNote = body["decisionNote"]?.stringValue
        revision = body["revision"]?.stringValue
    }

    public var body: JSONValue {
        var m = [
            JSONMember("book", .string(book)), JSONMember("base", .string(base)), JSONMember("reason", .string(reason)),
            JSONMember("requestedBy", .string(requestedBy)), JSONMember("proposed", proposed),
            JSONMember("status", .string(status.rawValue)),
        ]
        for (k, v) in [("decidedBy", decidedBy), ("decidedByName", decidedByName), ("decisionNote", decisionNote), ("revision", revision)] {
            if let v { m.append(JSONMember(k, .string(v))) }
        }
        return .object(m)
    }

    /// One mark the request changes, for the principal to see: the student, the column (TX1…, GK, CK, ĐTBmhk), before
    /// and after, with a decimal comma.
    public struct Change: Sendable, Equatable {
        public var student: String
        public var column: String
        public var before: String
        public var after: String
    }

    /// What `proposed` changes against `base` (the body the request started from), student by student (by mã định
    /// danh, else by position): marks, averages and comment results.
    public func changes(from base: JSONValue) -> [Change] {
        guard case .array(let old)? = base["students"], case .array(let new)? = proposed["students"] else { return [] }
        func text(_ v: JSONValue?) -> String {
            switch v {
            case .number(let d)?: return (try? Mark(jsonNumber: d).vietnamese) ?? "\(d)"
            case .string(let s)?: return s
            default: return "—"
            }
        }
        var out = [Change]()
        for (i, n) in new.enumerated() {
            let o = old.first { $0["moetId"] != nil && $0["moetId"] == n["moetId"] } ?? (i < old.count ? old[i] : .object([]))
            let name = n["fullName"]?.stringValue ?? "\(i + 1)"
            var columns: [(String, JSONValue?, JSONValue?)] = []
            let (ro, rn): ([JSONValue], [JSONValue]) = {
                guard case .array(let a)? = o["regular"], case .array(let b)? = n["regular"] else { return ([], []) }
                return (a, b)
            }()
            for k in 0..<max(ro.count, rn.count) { columns.append(("TX\(k + 1)", k < ro.count ? ro[k] : nil, k < rn.count ? rn[k] : nil)) }
            columns += [("GK", o["midterm"], n["midterm"]), ("CK", o["final"], n["final"]), ("ĐTBmhk", o["average"], n["average"])]
            columns.append(("KQ", o["comment"], n["comment"]))
            for (col, a, b) in columns where a != b { out.append(Change(student: name, column: col, before: text(a), after: text(b))) }
        }
        return out
    }

    /// The reason the committed revision carries: said to be a correction after the lock, with the principal's approval.
    public static func correctionReason(_ reason: String, approvedBy name: String) -> String {
        "Sửa sau khóa sổ, \(name) duyệt / correction after the term lock, approved by \(name): \(reason)"
    }
}
