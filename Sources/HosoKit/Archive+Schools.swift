import Foundation
import HosoCore
import HosoIndex
import HosoRecords

extension HosoError.Code {
    /// A rename or merge that does not fit the school's history (a date before its last change, a school merged
    /// already, a merge into itself).
    public static let schoolHistoryInvalid = Self("SCHOOL_HISTORY_INVALID", .conflict)
    /// No school of that name has a history in the archive.
    public static let schoolNotFound = Self("SCHOOL_NOT_FOUND", .notFound)
}

/// A school's identity over time (Quảng Ninh reorganised schools by commune in 2025 [press]): the names it had, from
/// when, and the school it was merged into. Ledgers keep the name they were issued under and are never rewritten; a
/// copy adds the present name ("nay là …", wording in the office settings) and a search by school finds a ledger by
/// any of its names. Records of type `school`, written by `renameSchool` and `mergeSchool` only.
extension Archive {
    public static let schoolType = "school"

    /// One school's record body.
    public struct SchoolIdentity: Codable, Sendable, Equatable {
        public struct Name: Codable, Sendable, Equatable {
            public var name: String
            /// YYYY-MM-DD from which the school bore this name (nil for the first one known).
            public var from: String?
            public var decision: String?
        }
        public struct Merge: Codable, Sendable, Equatable {
            /// The receiving school's record id.
            public var school: String
            public var date: String
            public var decision: String?
        }
        public var names: [Name]
        public var mergedInto: Merge?
    }

    /// A school's history as read back: its record id, names oldest first, the merge with the receiving school's
    /// name then, and the name it goes by today (the receiving school's, after a merge).
    public struct SchoolHistory: Codable, Sendable, Equatable {
        public var id: String
        public var names: [SchoolIdentity.Name]
        public var mergedInto: SchoolIdentity.Merge?
        public var mergedIntoName: String?
        public var presentName: String
    }

    private func schools() throws -> [(id: String, body: SchoolIdentity)] {
        try recordIds(ofType: Self.schoolType).sorted().map {
            ($0, try decodeBody(try current(record: $0).1.body, as: SchoolIdentity.self))
        }
    }

    /// The school that bore `name` at some time (accent- and case-insensitive, spaces trimmed).
    private func school(named name: String) throws -> (id: String, body: SchoolIdentity)? {
        let key = VietnameseText.fold(name)
        return try schools().first { $0.body.names.contains { VietnameseText.fold($0.name) == key } }
    }

    static func schoolId(_ name: String) -> String {
        "school/" + VietnameseText.fold(name).split(separator: " ").joined(separator: "-").prefix(200)
    }

    /// Renames the school that bore `name` (a first rename makes its history) to `newName` from `date`.
    @discardableResult
    public func renameSchool(
        _ name: String, to newName: String, on date: String, decision: String? = nil, author: String
    ) throws
        -> SchoolHistory
    {
        try writing {
            var (id, body) = try school(named: name) ?? (Self.schoolId(name), SchoolIdentity(names: [.init(name: name)]))
            if let m = body.mergedInto {
                throw HosoError(
                    .schoolHistoryInvalid,
                    .both(
                        "Trường đã sáp nhập ngày \(m.date); không đổi tên được", "The school was merged on \(m.date); it cannot be renamed"),
                    location: name)
            }
            try Self.checkAfter(body, date: date, what: name)
            if VietnameseText.fold(body.names.last?.name ?? "") == VietnameseText.fold(newName) {
                throw HosoError(
                    .schoolHistoryInvalid, .both("Tên mới trùng tên hiện tại", "The new name is the present one"), location: newName)
            }
            if let other = try school(named: newName), other.id != id {
                throw HosoError(
                    .schoolHistoryInvalid, .both("Tên này là của trường khác", "That name belongs to another school"), location: newName)
            }
            body.names.append(.init(name: newName, from: date, decision: decision))
            try writeSchool(id, body, author: author, reason: "đổi tên / renamed: \(newName)")
            return try history(id)
        }
    }

    /// Records that the school `name` was merged into `target` (a school known by that name, or a new history) on `date`.
    @discardableResult
    public func mergeSchool(
        _ name: String, into target: String, on date: String, decision: String? = nil, author: String
    ) throws
        -> SchoolHistory
    {
        try writing {
            var (id, body) = try school(named: name) ?? (Self.schoolId(name), SchoolIdentity(names: [.init(name: name)]))
            let into = try school(named: target) ?? (Self.schoolId(target), SchoolIdentity(names: [.init(name: target)]))
            guard into.id != id, into.body.mergedInto == nil, body.mergedInto == nil else {
                throw HosoError(
                    .schoolHistoryInvalid,
                    .both(
                        "Không sáp nhập được: cùng một trường, hoặc một trong hai đã sáp nhập",
                        "Cannot merge: the same school, or one was merged already"
                    ),
                    location: "\(name) → \(target)")
            }
            try Self.checkAfter(body, date: date, what: name)
            if try index.revisions(ofRecord: into.id).isEmpty { try writeSchool(into.id, into.body, author: author, reason: "") }
            body.mergedInto = .init(school: into.id, date: date, decision: decision)
            try writeSchool(id, body, author: author, reason: "sáp nhập vào / merged into: \(target)")
            return try history(id)
        }
    }

    private static func checkAfter(_ body: SchoolIdentity, date: String, what: String) throws {
        guard DateCell.parse(date, format: "yyyy-MM-dd") == date else {
            throw HosoError(.schoolHistoryInvalid, .both("Ngày không hợp lệ (yyyy-mm-dd)", "Invalid date (yyyy-mm-dd)"), location: date)
        }
        if let last = body.names.compactMap(\.from).last, date <= last {
            throw HosoError(
                .schoolHistoryInvalid,
                .both("Ngày \(date) không sau lần đổi tên trước (\(last))", "The date \(date) is not after the last change (\(last))"),
                location: what)
        }
    }

    private func writeSchool(_ id: String, _ body: SchoolIdentity, author: String, reason: String) throws {
        let heads = try index.heads(ofRecord: id)
        _ = try put(
            Revision(
                recordType: Self.schoolType, recordId: id, parents: heads, author: author, time: HosoClock.format(clock.now()),
                reason: heads.isEmpty ? nil : reason, body: try encodeBody(body)))
    }

    private func history(_ id: String) throws -> SchoolHistory {
        let body = try decodeBody(try current(record: id).1.body, as: SchoolIdentity.self)
        let all = Dictionary(uniqueKeysWithValues: try schools().map { ($0.id, $0.body) })
        let intoName = body.mergedInto.flatMap { all[$0.school]?.names.last?.name }
        return SchoolHistory(
            id: id, names: body.names, mergedInto: body.mergedInto, mergedIntoName: intoName,
            presentName: Self.present(id, all) ?? body.names.last?.name ?? "")
    }

    /// The name the school goes by today: its last, or after merges the last of the school it ended in.
    private static func present(_ id: String, _ all: [String: SchoolIdentity]) -> String? {
        var at = id
        for _ in 0..<32 {  // a merge chain is short; a cycle (two offline merges) stops here
            guard let s = all[at] else { return nil }
            guard let next = s.mergedInto?.school, all[next] != nil else { return s.names.last?.name }
            at = next
        }
        return all[at]?.names.last?.name
    }

    /// The history of the school that bore `name`.
    public func schoolHistory(_ name: String) throws -> SchoolHistory {
        guard let s = try school(named: name) else {
            throw HosoError(.schoolNotFound, .both("Không có lịch sử của trường này", "No history for this school"), location: name)
        }
        return try history(s.id)
    }

    /// The school's present name when the one a ledger was issued under changed since (renamed or merged), else nil.
    public func presentSchoolName(issuedAs name: String) throws -> String? {
        guard let s = try school(named: name) else { return nil }
        let present = Self.present(s.id, Dictionary(uniqueKeysWithValues: try schools().map { ($0.id, $0.body) }))
        guard let present, VietnameseText.fold(present) != VietnameseText.fold(name) else { return nil }
        return present
    }

    /// Every name of every school one of whose names contains the words typed (old and new names, and those of the
    /// schools merged into it or it was merged into), for a search by school.
    func schoolAliases(_ typed: String) throws -> [String] {
        let words = VietnameseText.fold(typed).split(separator: " ")
        guard !words.isEmpty else { return [] }
        let all = try schools()
        let byId = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.body) })
        let hit = Set(
            all.filter { s in
                s.body.names.contains { n in
                    let f = VietnameseText.fold(n.name)
                    return words.allSatisfy { f.contains($0) }
                }
            }
            .map(\.id))
        guard !hit.isEmpty else { return [] }
        // Schools that end in the same present school are one identity over time.
        let ends = Set(hit.compactMap { Self.present($0, byId) })
        return all.filter { hit.contains($0.id) || Self.present($0.id, byId).map(ends.contains) == true }
            .flatMap { $0.body.names.map(\.name) }
    }
}
