import Foundation
import GRDB
import GRDBSQLite  // the C API of the SQLite GRDB links, for the hot insert loop
import HosoCore
import HosoStore

/// One object as the index knows it.
public struct ObjectRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "object"
    public var id: String
    public var kind: String
    public var encoding: String
    public var size: Int64
    public var storedSize: Int64

    public init(_ o: StoredObject) {
        id = o.id.hex
        kind = o.kind.rawValue
        encoding = o.encoding.rawValue
        size = Int64(o.size)
        storedSize = Int64(o.storedSize)
    }

    package init(id: String, kind: String, encoding: String, size: Int64, storedSize: Int64) {
        self.id = id
        self.kind = kind
        self.encoding = encoding
        self.size = size
        self.storedSize = storedSize
    }
}

/// One `hoso add` batch: the manifest object that records which paths were added when.
public struct ManifestRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "manifest"
    public var id: String
    public var addedAt: String

    public init(id: String, addedAt: String) {
        self.id = id
        self.addedAt = addedAt
    }
}

/// A name under which an object was added, from a manifest.
public struct NameRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "name"
    public var manifestId: String
    public var objectId: String
    public var path: String
    public var size: Int64

    public init(manifestId: String, objectId: String, path: String, size: Int64) {
        self.manifestId = manifestId
        self.objectId = objectId
        self.path = path
        self.size = size
    }
}

/// One record revision as the index knows it (the object itself holds the body).
public struct RevisionRow: Sendable, Equatable, Codable {
    public var id: String
    public var recordType: String
    public var recordId: String
    public var author: String
    public var time: String
    public var reason: String?
    public var parents: [String]

    public init(id: String, recordType: String, recordId: String, author: String, time: String, reason: String?, parents: [String]) {
        self.id = id
        self.recordType = recordType
        self.recordId = recordId
        self.author = author
        self.time = time
        self.reason = reason
        self.parents = parents
    }
}

/// One ledger entry as `find` returns it.
public struct EntryRow: Sendable, Equatable, Codable {
    public var revisionId: String
    public var recordId: String
    public var stt: Int
    public var fullName: String
    public var nameKey: String
    public var dateOfBirth: String
    public var placeOfBirth: String
    public var placeKey: String
    public var sex: String
    public var ethnicity: String
    public var graduationGrade: String
    public var serial: String
    public var ledgerNumber: Int
    public var year: Int
    public var school: String
    public var schoolKey: String
    public var issuer: String
    public var citizenId: String?
    public var moetId: String?
    public var page: Int?

    public init(
        revisionId: String, recordId: String, stt: Int, fullName: String, nameKey: String, dateOfBirth: String,
        placeOfBirth: String, placeKey: String, sex: String, ethnicity: String, graduationGrade: String, serial: String,
        ledgerNumber: Int, year: Int, school: String, schoolKey: String, issuer: String, citizenId: String?,
        moetId: String?, page: Int?
    ) {
        self.revisionId = revisionId
        self.recordId = recordId
        self.stt = stt
        self.fullName = fullName
        self.nameKey = nameKey
        self.dateOfBirth = dateOfBirth
        self.placeOfBirth = placeOfBirth
        self.placeKey = placeKey
        self.sex = sex
        self.ethnicity = ethnicity
        self.graduationGrade = graduationGrade
        self.serial = serial
        self.ledgerNumber = ledgerNumber
        self.year = year
        self.school = school
        self.schoolKey = schoolKey
        self.issuer = issuer
        self.citizenId = citizenId
        self.moetId = moetId
        self.page = page
    }

    static let columns =
        "revisionId, recordId, stt, fullName, nameKey, dateOfBirth, placeOfBirth, sex, ethnicity, "
        + "graduationGrade, serial, ledgerNumber, year, school, issuer, citizenId, moetId, page"

    /// The current row of a statement that selected `columns`, read by position as GRDB reads these types
    /// (text through `String(cString:)`, NULL as nil).
    init(selected s: OpaquePointer) {
        @inline(__always) func text(_ i: Int32) -> String { String(cString: sqlite3_column_text(s, i)!) }
        @inline(__always) func optionalText(_ i: Int32) -> String? { sqlite3_column_type(s, i) == SQLITE_NULL ? nil : text(i) }
        @inline(__always) func int(_ i: Int32) -> Int { Int(sqlite3_column_int64(s, i)) }
        self.init(
            revisionId: text(0), recordId: text(1), stt: int(2), fullName: text(3), nameKey: text(4), dateOfBirth: text(5),
            placeOfBirth: text(6), placeKey: "", sex: text(7), ethnicity: text(8), graduationGrade: text(9), serial: text(10),
            ledgerNumber: int(11), year: int(12), school: text(13), schoolKey: "", issuer: text(14), citizenId: optionalText(15),
            moetId: optionalText(16), page: sqlite3_column_type(s, 17) == SQLITE_NULL ? nil : int(17))
    }
}

/// Conditions for `findEntries`; all given ones must hold.
public struct EntryQuery: Sendable, Equatable {
    public var nameTokens: [String] = []
    /// The whole folded name, matched exactly through the B-tree index (a full name typed by a clerk).
    public var exactName: String?
    public var placeTokens: [String] = []
    public var schoolTokens: [String] = []
    public var dateOfBirth: String?
    public var serial: String?
    public var citizenId: String?
    public var moetId: String?
    public var year: Int?
    public var ledgerNumber: Int?
    /// One ledger record's entries (with `ledgerNumber`: "LEDGER#N", found through that ledger's rows).
    public var recordId: String?
    /// A bare number typed by a person: a graduation year or a ledger number.
    public var yearOrNumber: Int?

    public init() {}
}

/// A name with the time its manifest says it was added.
public struct NameEntry: Sendable, Equatable, Codable {
    public var path: String
    public var addedAt: String
    public var manifest: String

    package init(path: String, addedAt: String, manifest: String) {
        self.path = path
        self.addedAt = addedAt
        self.manifest = manifest
    }
}
