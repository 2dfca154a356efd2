import Foundation
import HosoCore
import HosoRecords
import HosoStore

/// A column mapping a registrar confirmed for one school's spreadsheet layout, proposed again the next time a
/// file with the same header comes: the layout is known by its signature (the titles in compared form).
public struct ImportPreset: Sendable, Codable, Equatable {
    public var school: String
    public var signature: String
    /// Field → column title.
    public var columns: [String: String]
    /// Ledger header values that stay from one ledger of a school to the next (issuer, title, level, mode, school,
    /// date format); the ledger's own (id, decision, year) are typed each time.
    public var header: [String: String]

    public init(school: String, signature: String, columns: [String: String], header: [String: String]) {
        self.school = school
        self.signature = signature
        self.columns = columns
        self.header = header
    }
}

extension Archive {
    /// The record type of a saved mapping.
    public static let importPresetType = "import-preset"

    static func importPresetId(school: String, signature: String) -> String {
        let key = VietnameseText.fold(school) + "\n" + signature
        return "import-preset/" + String(ObjectID(hashing: Array(key.utf8)).hex.prefix(24))
    }

    /// Saves (or updates) the preset of its school and layout.
    public func saveImportPreset(_ p: ImportPreset, author: String) throws {
        let body = try CanonicalJSON.parse(Array(JSONEncoder().encode(p)))
        let id = Self.importPresetId(school: p.school, signature: p.signature)
        // A workflow record type (`workflowRecordTypes`): written here only, after a check passed with it.
        let existing = try heads(record: id)
        if existing.isEmpty {
            try createWorkflowRecord(type: Self.importPresetType, id: id, body: body, author: author)
        } else if try CanonicalJSON.serialize(current(record: id).1.body) != CanonicalJSON.serialize(body) {
            try writing {
                _ = try put(
                    Revision(
                        recordType: Self.importPresetType, recordId: id, parents: existing, author: author,
                        time: HosoClock.format(clock.now()), reason: "Cách ghép cột được xác nhận lại / mapping confirmed again",
                        body: body))
            }
        }
    }

    /// The preset for a layout: the one of `school` if there is one, else any school's for that layout.
    public func importPreset(signature: String, school: String?) throws -> ImportPreset? {
        if let school, let p = try readPreset(Self.importPresetId(school: school, signature: signature)) { return p }
        for id in try recordIds(ofType: Self.importPresetType).sorted() {
            if let p = try readPreset(id), p.signature == signature { return p }
        }
        return nil
    }

    private func readPreset(_ id: String) throws -> ImportPreset? {
        guard try heads(record: id).count == 1 else { return nil }
        let body = try current(record: id).1.body
        return try? JSONDecoder().decode(ImportPreset.self, from: Data(CanonicalJSON.serialize(body)))
    }
}
