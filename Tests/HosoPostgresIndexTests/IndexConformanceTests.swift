import Foundation
import HosoCore
import HosoIndex
import HosoKit
import HosoPostgresIndex
import HosoRecords
import HosoStore
import HosoTestSupport
import Testing

/// The two indexes the archive can have.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A fresh index of `backend` for the length of `body`: a SQLite file in a temporary directory, or a database on a
/// database of the test's own on the process's shared PostgreSQL cluster.
func withIndex<T>(_ backend: Backend, _ body: (any ArchiveIndexing) throws -> T) throws -> T {
    switch backend {
    case .sqlite:
        let tmp = TempDirectory()
        return try withExtendedLifetime(tmp) {
            let index = try ArchiveIndex(path: tmp.path + "/index.sqlite")
            defer { try? index.close() }
            return try body(index)
        }
    case .postgres:
        let index = try postgresIndex()
        defer { try? index.close() }
        return try body(index)
    }
}

/// An index in a new, empty database of the shared cluster.
func postgresIndex() throws -> PostgresIndex {
    try PostgresIndex(url: PostgresCluster.shared().createDatabase())
}

func object(_ s: String, kind: ObjectKind = .blob) -> StoredObject {
    StoredObject(
        id: ObjectID(hashing: Array(s.utf8)), kind: kind, encoding: .raw, size: UInt64(s.utf8.count), storedSize: UInt64(s.utf8.count + 24))
}

func rev(
    _ id: String, _ recordId: String, type: String = "request", time: String, parents: [String] = [], reason: String? = nil
)
    -> RevisionRow
{
    RevisionRow(id: id, recordType: type, recordId: recordId, author: "Cô Hà", time: time, reason: reason, parents: parents)
}

/// A ledger's entries as the archive derives them from its body (folded keys included).
func ledgerRows(
    _ recordId: String, year: Int, school: String, issuer: String = "Phòng GD&ĐT Tân Lập", _ entries: [String]
) throws
    -> [EntryRow]
{
    let json = """
        {"year": \(year), "school": "\(school)", "issuer": "\(issuer)", "entries": [\(entries.joined(separator: ","))]}
        """
    return EntryRow.rows(revisionId: "rev-" + recordId, recordId: recordId, body: try CanonicalJSON.parse(Array(json.utf8)))
}

func person(
    _ stt: Int, _ name: String, serial: String, place: String = "Xã Tân Lập", dob: String = "2004-03-15", extra: String = ""
)
    -> String
{
    """
    {"stt": \(stt), "fullName": "\(name)", "serial": "\(serial)", "ledgerNumber": \(stt), "placeOfBirth": "\(place)",
     "dateOfBirth": "\(dob)", "sex": "Nam", "ethnicity": "Kinh", "graduationGrade": "Khá"\(extra)}
    """
}

/// Two ledgers: one of 2019 from Tân Lập, one of 2020 from Đông Hòa (a namesake in it), with names that test the
/// folding and the word rules (a hyphen, an apostrophe).
func ledgerFixture() throws -> (l1: [EntryRow], l2: [EntryRow]) {
    let l1 = try ledgerRows(
        "L1", year: 2019, school: "Trường THCS Tân Lập",
        [
            person(1, "Nguyễn Văn An", serial: "A001", extra: #", "citizenId": "022204001234", "moetId": "0123456789", "page": 3"#),
            person(2, "Nguyễn Văn Anh", serial: "A002", place: "", dob: "2004-07-01"),
            person(3, "Lê Văn An", serial: "A003", place: "Thị trấn Đông Anh"),
            person(4, "Trần Thị Bích-Ngọc", serial: "A004"),
            person(5, "O'Neill Đỗ", serial: "A005"),
        ])
    let l2 = try ledgerRows(
        "L2", year: 2020, school: "Trường THCS Đông Hòa",
        [person(1, "NGUYỄN  VĂN AN", serial: "B001"), person(2, "Phạm Thị Lan", serial: "B002")])
    return (l1, l2)
}

@Suite struct IndexConformanceTests {
    @Test(arguments: Backend.allCases) func objectsManifestsAndNames(_ backend: Backend) throws {
        try withIndex(backend) { index in
            let (a, b, m, m2) = (object("a"), object("b"), object("m", kind: .manifest), object("m2", kind: .manifest))
            try index.record(
                objects: [a, b, m], manifest: ManifestRow(id: m.id.hex, addedAt: "2026-01-02T00:00:00Z"),
                names: [NameRow(manifestId: m.id.hex, objectId: a.id.hex, path: "x/a.txt", size: 1)])
            let names2 = [
                NameRow(manifestId: m2.id.hex, objectId: b.id.hex, path: "y/b.txt", size: 1),
                NameRow(manifestId: m2.id.hex, objectId: a.id.hex, path: "y/a.txt", size: 1),
            ]
            try index.record(objects: [m2], manifest: ManifestRow(id: m2.id.hex, addedAt: "2025-12-31T00:00:00Z"), names: names2)
            let all = [a, b, m, m2].map(\.id.hex).sorted()
            #expect(try index.count() == 4)
            #expect(try index.objects().map(\.id) == all)
            #expect(try index.objects(kind: "manifest").map(\.id) == [m.id.hex, m2.id.hex].sorted())
            #expect(try index.objects(kind: "record").isEmpty)
            #expect(try index.allIDs() == Set(all))
            #expect(try index.object(a.id) == ObjectRow(a))
            #expect(try index.object(object("none").id) == nil)
            // Oldest name first, whichever manifest came first into the index.
            #expect(try index.names(of: a.id).map(\.path) == ["y/a.txt", "x/a.txt"])
            #expect(try index.names(of: a.id).map(\.manifest) == [m2.id.hex, m.id.hex])
            #expect(try index.names(of: a.id).map(\.addedAt) == ["2025-12-31T00:00:00Z", "2026-01-02T00:00:00Z"])
            #expect(try index.namesByObject() == [a.id.hex: ["x/a.txt", "y/a.txt"], b.id.hex: ["y/b.txt"]])
            #expect(try index.entries(ofManifest: m2.id) == names2.sorted { $0.path < $1.path })
            #expect(
                try index.knownNames([("x/a.txt", a.id.hex), ("x/b.txt", b.id.hex), ("y/b.txt", b.id.hex)])
                    == ["x/a.txt\u{0}" + a.id.hex, "y/b.txt\u{0}" + b.id.hex])
            #expect(try index.knownNames([]).isEmpty)
            #expect(try index.ids(withPrefix: String(a.id.hex.prefix(6))) == [a.id.hex])
            #expect(try index.ids(withPrefix: "", limit: 100) == all)
            #expect(try index.ids(withPrefix: "", limit: 2) == Array(all.prefix(2)))
            // The object file's header is the truth: recorded again, the object is what it now says (the last of a
            // batch that names it twice).
            let a2 = StoredObject(id: a.id, kind: .record, encoding: .raw, size: 1, storedSize: 99)
            let a3 = StoredObject(id: a.id, kind: .signature, encoding: .raw, size: 1, storedSize: 77)
            try index.record(objects: [a2, a3])
            #expect(try index.object(a.id) == ObjectRow(a3))
            // A manifest recorded again changes nothing.
            try index.record(objects: [m2], manifest: ManifestRow(id: m2.id.hex, addedAt: "2025-12-31T00:00:00Z"), names: names2)
            #expect(try index.names(of: a.id).count == 2 && index.count() == 4)
        }
    }

    @Test(arguments: Backend.allCases) func revisionsHeadsConflictsAndRefs(_ backend: Backend) throws {
        try withIndex(backend) { index in
            try index.record(
                revisions: [
                    rev("a1", "R-A", time: "2026-01-01T08:00:00Z"),
                    rev("a2", "R-A", time: "2026-01-02T08:00:00Z", parents: ["a1"], reason: "sửa ngày sinh"),
                    rev("b1", "R-B", time: "2026-01-01T08:00:00Z"),
                    rev("b3", "R-B", time: "2026-01-03T08:00:00Z", parents: ["b1"], reason: "máy B"),
                    rev("b2", "R-B", time: "2026-01-03T08:00:00Z", parents: ["b1"], reason: "máy A"),
                ], objects: [object("rev")], refs: [[], [], [], [], []])
            #expect(try index.revisions(ofRecord: "R-B").map(\.id) == ["b1", "b2", "b3"])  // by time, then id
            #expect(try index.revision("a2") == rev("a2", "R-A", time: "2026-01-02T08:00:00Z", parents: ["a1"], reason: "sửa ngày sinh"))
            #expect(try index.revision("a1")?.reason == nil)
            #expect(try index.revision("zz") == nil)
            #expect(try index.heads(ofRecord: "R-A") == ["a2"])
            #expect(try index.heads(ofRecord: "R-B") == ["b2", "b3"])
            #expect(try index.heads(ofRecord: "R-none").isEmpty)
            // Many records in one read: the same heads, in the same order, and none for a record not there.
            #expect(try index.heads(ofRecords: ["R-B", "R-none", "R-A"]) == ["R-A": ["a2"], "R-B": ["b2", "b3"], "R-none": []])
            #expect(try index.heads(ofRecords: []).isEmpty)
            #expect(try index.recordTypes(ofRecords: ["R-A", "R-B", "R-none"]) == ["R-A": "request", "R-B": "request"])
            #expect(try index.conflicts().map { "\($0.recordId): \($0.heads)" } == ["R-B: [\"b2\", \"b3\"]"])
            // A merge follows both heads; its parents come back sorted.
            try index.record(
                revisions: [rev("b4", "R-B", time: "2026-01-04T08:00:00Z", parents: ["b2", "b3"], reason: "hợp nhất")], refs: [[]])
            #expect(try index.revision("b4")?.parents == ["b2", "b3"])
            #expect(try index.heads(ofRecord: "R-B") == ["b4"] && index.conflicts().isEmpty)
            // Recording a revision again changes nothing.
            try index.record(revisions: [rev("a1", "R-A", time: "2030-01-01T00:00:00Z")], refs: [[]])
            #expect(try index.revision("a1")?.time == "2026-01-01T08:00:00Z")

            // What current revisions refer to: a copy register line replaced by a later one no longer counts.
            try index.record(
                revisions: [
                    rev("c1", "BS-2026-000001", type: "copy", time: "2026-02-01T00:00:00Z"),
                    rev("c2", "BS-2026-000042", type: "copy", time: "2026-02-01T00:00:00Z"),
                    rev("c3", "BS-2026-500001", type: "copy", time: "2026-02-01T00:00:00Z"),
                ], objects: [],
                refs: [
                    [RecordRef("document", "D1"), RecordRef("signer", "S1")], [RecordRef("document", "D1"), RecordRef("signer", "S2")],
                    [RecordRef("document", "D3"), RecordRef("signer", "S1")],
                ])
            try index.record(
                revisions: [rev("c1b", "BS-2026-000001", type: "copy", time: "2026-02-02T00:00:00Z", parents: ["c1"], reason: "thay")],
                refs: [[RecordRef("document", "D2"), RecordRef("signer", "S1")]])
            #expect(try index.heads(referring: "document", to: "D1").map { "\($0.recordId) \($0.revisionId)" } == ["BS-2026-000042 c2"])
            #expect(try index.heads(referring: "document", to: "D2").map(\.revisionId) == ["c1b"])
            #expect(try index.referredValues("signer") == ["S1", "S2"])
            #expect(try index.referredValues("document") == ["D1", "D2", "D3"])
            #expect(try index.recordIds(ofType: "copy") == ["BS-2026-000001", "BS-2026-000042", "BS-2026-500001"])
            #expect(try index.recordIds(ofType: "request") == ["R-A", "R-B"])
            #expect(try index.lastRecordId(ofType: "copy", prefix: "BS-2026-") == "BS-2026-500001")
            #expect(try index.lastRecordId(ofType: "copy", prefix: "BS-2026-", below: "BS-2026-500000") == "BS-2026-000042")
            #expect(try index.lastRecordId(ofType: "request", prefix: "BS-2026-") == nil)
            #expect(try index.lastRecordId(ofType: "copy", prefix: "BS-2025-") == nil)
            // Refs filled in later, completing a task.
            #expect(try index.pendingTasks().isEmpty)
            try index.record(refs: [("a2", "R-A", [RecordRef("tracking", "K1")])], completingTask: "record-refs")
            #expect(try index.heads(referring: "tracking", to: "K1").map(\.recordId) == ["R-A"])
            #expect(try index.pendingTasks().isEmpty)
            // A record's type is its first revision's, whatever later ones (a forgery among them) claim.
            try index.record(
                revisions: [
                    rev("x2", "R-X", type: "note", time: "2026-03-02T00:00:00Z", parents: ["x1"], reason: "đổi loại"),
                    rev("x1", "R-X", type: "copy", time: "2026-03-01T00:00:00Z"),
                ], refs: [[], []])
            #expect(try index.recordTypes(ofRecords: ["R-X", "R-A"]) == ["R-X": "copy", "R-A": "request"])
        }
    }

    @Test(arguments: Backend.allCases) func entriesAreFoundEveryWay(_ backend: Backend) throws {
        let (l1, l2) = try ledgerFixture()
        try withIndex(backend) { index in
            try index.record(revision: rev("rev-L1", "L1", type: "ledger", time: "2019-06-01T00:00:00Z"), objects: [], entries: l1)
            try index.record(revision: rev("rev-L2", "L2", type: "ledger", time: "2020-06-01T00:00:00Z"), objects: [], entries: l2)
            #expect(try index.entryCount() == 7)
            func serials(_ build: (inout EntryQuery) -> Void, limit: Int = 100) throws -> [String] {
                var q = EntryQuery()
                build(&q)
                return try index.findEntries(q, limit: limit).map(\.serial)
            }
            // Every value comes back as written; the place and school keys are for searching only.
            var bySerial = EntryQuery()
            bySerial.serial = "A001"
            var expected = l1[0]
            expected.placeKey = ""
            expected.schoolKey = ""
            #expect(try index.findEntries(bySerial, limit: 10) == [expected])
            #expect(expected.citizenId == "022204001234" && expected.page == 3)
            #expect(try serials { $0.serial = "A003" } == ["A003"])
            #expect(try serials { $0.serial = "a003" }.isEmpty)
            // A whole name, typed with or without its accents and spacing, folds to the same key.
            #expect(try serials { $0.exactName = VietnameseText.fold("Nguyễn Văn An") } == ["A001", "B001"])
            #expect(try serials { $0.exactName = VietnameseText.fold("nguyen van  an") } == ["A001", "B001"])
            // Words anywhere in the name, the last one as a prefix.
            #expect(try serials { $0.nameTokens = ["nguyen", "van", "an"] } == ["A001", "A002", "B001"])
            #expect(try serials { $0.nameTokens = ["an"] } == ["A001", "A002", "A003", "B001"])
            #expect(try serials { $0.nameTokens = ["an", "van"] } == ["A001", "A003", "B001"])  // "an" whole, not "anh"
            #expect(try serials { $0.nameTokens = ["van", "an"] } == ["A001", "A002", "A003", "B001"])
            #expect(try serials { $0.nameTokens = ["anh", "van"] } == ["A002"])
            #expect(try serials { $0.nameTokens = ["ngu"] } == ["A001", "A002", "B001"])
            // Only the last word is a prefix.
            #expect(try serials { $0.nameTokens = ["ngu", "van"] }.isEmpty)
            // A word with a hyphen or an apostrophe is a phrase of its parts, in order.
            #expect(try serials { $0.nameTokens = ["bich"] } == ["A004"])
            #expect(try serials { $0.nameTokens = ["bich-ngoc"] } == ["A004"])
            #expect(try serials { $0.nameTokens = ["bich-ng"] } == ["A004"])
            #expect(try serials { $0.nameTokens = ["ngoc-bich"] }.isEmpty)
            #expect(try serials { $0.nameTokens = ["o'neill"] } == ["A005"])
            #expect(try serials { $0.nameTokens = ["neill", "do"] } == ["A005"])
            // A "word" of punctuation only matches nothing, and so nothing at all is found.
            #expect(try serials { $0.nameTokens = ["-"] }.isEmpty)
            #expect(try serials { $0.nameTokens = ["nguyen", "'"] }.isEmpty)
            // Place and school words; the other fields exactly.
            #expect(try serials { $0.placeTokens = ["dong", "anh"] } == ["A003"])
            #expect(try serials { $0.placeTokens = ["tan"] } == ["A001", "A004", "A005", "B001", "B002"])
            #expect(try serials { $0.schoolTokens = ["dong", "hoa"] } == ["B001", "B002"])
            #expect(try serials { $0.schoolTokens = ["thcs"] }.count == 7)
            #expect(try serials { $0.dateOfBirth = "2004-07-01" } == ["A002"])
            #expect(try serials { $0.citizenId = "022204001234" } == ["A001"])
            #expect(try serials { $0.moetId = "0123456789" } == ["A001"])
            #expect(try serials { $0.year = 2020 } == ["B001", "B002"])
            #expect(try serials { $0.yearOrNumber = 2 } == ["A002", "B002"])
            #expect(try serials { $0.yearOrNumber = 2019 } == ["A001", "A002", "A003", "A004", "A005"])
            #expect(try serials { $0.ledgerNumber = 1 } == ["A001", "B001"])
            #expect(
                try serials {
                    $0.recordId = "L2"
                    $0.ledgerNumber = 2
                } == ["B002"])
            #expect(
                try serials {
                    $0.nameTokens = ["an"]
                    $0.year = 2020
                } == ["B001"])
            #expect(try serials({ $0.nameTokens = ["an"] }, limit: 2) == ["A001", "A002"])
            #expect(try serials { _ in }.isEmpty)  // no condition: nothing, not everything

            // Replacing a ledger's entries leaves nothing of the old ones findable.
            let replaced = try ledgerRows("L1", year: 2019, school: "Trường THCS Tân Lập", [person(1, "Hoàng Minh Châu", serial: "A101")])
            try index.replaceEntries(ofRecord: "L1", with: replaced)
            #expect(try index.entryCount() == 3)
            #expect(try serials { $0.nameTokens = ["an"] } == ["B001"])
            #expect(try serials { $0.serial = "A001" }.isEmpty)
            #expect(try serials { $0.nameTokens = ["chau"] } == ["A101"])
            // A revision recorded without entries leaves the record's entries as they are; with them, replaces them.
            try index.record(
                revision: rev("rev-L1b", "L1", type: "ledger", time: "2019-07-01T00:00:00Z", parents: ["rev-L1"]), objects: [], entries: nil
            )
            #expect(try serials { $0.recordId = "L1" } == ["A101"])
            try index.record(
                revision: rev("rev-L1c", "L1", type: "ledger", time: "2019-08-01T00:00:00Z", parents: ["rev-L1b"]), objects: [], entries: []
            )
            #expect(try serials { $0.recordId = "L1" }.isEmpty && index.entryCount() == 2)
        }
    }

    @Test(arguments: Backend.allCases) func anImportCommitsAllOrNothing(_ backend: Backend) throws {
        struct Stop: Error {}
        let (l1, l2) = try ledgerFixture()
        try withIndex(backend) { index in
            try index.record(revision: rev("rev-L1", "L1", type: "ledger", time: "2019-06-01T00:00:00Z"), objects: [], entries: l1)
            try index.record(revision: rev("rev-L2", "L2", type: "ledger", time: "2020-06-01T00:00:00Z"), objects: [], entries: l2)
            var all = EntryQuery()
            all.schoolTokens = ["truong"]
            let before = try index.findEntries(all, limit: 100)
            let pending = try ledgerRows("L1", year: 2019, school: "Trường THCS Tân Lập", [person(1, "Vũ Thị Hoa", serial: "A201")])
            let revObject = object("rev-L1-new", kind: .record)
            let scan = object("scan")
            let manifest = object("manifest", kind: .manifest)
            let done = PendingRevision(
                revision: rev("rev-new", "L1", type: "ledger", time: "2019-09-01T00:00:00Z", parents: ["rev-L1"], reason: "nhập lại"),
                objects: [revObject, scan, manifest], manifest: ManifestRow(id: manifest.id.hex, addedAt: "2019-09-01T00:00:00Z"),
                names: [NameRow(manifestId: manifest.id.hex, objectId: scan.id.hex, path: "L1/p1.jpg", size: 4)])
            // A closure's error rolls everything back; both indexes report it as an index error.
            let early = #expect(throws: HosoError.self) {
                try index.record(entriesOf: "L1", pending: pending, revisionId: { throw Stop() }, finish: { done })
            }
            let late = #expect(throws: HosoError.self) {
                try index.record(entriesOf: "L1", pending: pending, revisionId: { "rev-new" }, finish: { throw Stop() })
            }
            #expect(early?.code == .indexError && late?.code == .indexError)
            // A revision other than the one the entries were written for is refused.
            let wrong = #expect(throws: HosoError.self) {
                try index.record(entriesOf: "L1", pending: pending, revisionId: { "rev-other" }, finish: { done })
            }
            #expect(wrong?.code == .indexError)
            #expect(try index.findEntries(all, limit: 100) == before)
            #expect(try index.revision("rev-new") == nil && index.object(revObject.id) == nil)
            #expect(try index.heads(ofRecord: "L1") == ["rev-L1"])

            try index.record(entriesOf: "L1", pending: pending, revisionId: { "rev-new" }, finish: { done })
            let now = try index.findEntries(all, limit: 100)
            #expect(now.map(\.serial) == ["A201", "B001", "B002"])
            #expect(now.first?.revisionId == "rev-new")  // the id given, not the rows' own
            #expect(try index.heads(ofRecord: "L1") == ["rev-new"])
            #expect(try index.object(scan.id) == ObjectRow(scan))
            #expect(try index.names(of: scan.id).map(\.path) == ["L1/p1.jpg"])
        }
    }

    @Test(arguments: Backend.allCases) func ledgerNumbersAndSerialsAreChecked(_ backend: Backend) throws {
        let (l1, l2) = try ledgerFixture()
        try withIndex(backend) { index in
            try index.record(revision: rev("rev-L1", "L1", type: "ledger", time: "2019-06-01T00:00:00Z"), objects: [], entries: l1)
            try index.record(revision: rev("rev-L2", "L2", type: "ledger", time: "2020-06-01T00:00:00Z"), objects: [], entries: l2)
            let issuer = "Phòng GD&ĐT Tân Lập"
            let used = try index.usedNumbers(
                year: 2019, issuer: issuer, excludingRecord: "L9", serials: ["A002", "B001", "Z999"], numbers: 4...9)
            #expect(used.serials == ["A002": "L1 #2/2019", "B001": "L2 #1/2020"])
            #expect(used.numbers == [4: "L1, A004", 5: "L1, A005"])
            let anyNumber = try index.usedNumbers(year: 2019, issuer: issuer, excludingRecord: "L9", serials: [], numbers: nil)
            #expect(anyNumber.numbers.keys.sorted() == [1, 2, 3, 4, 5] && anyNumber.serials.isEmpty)
            // Numbers are per issuer; serials are unique everywhere; a record's own never clash with it.
            let other = try index.usedNumbers(year: 2019, issuer: "Sở GD&ĐT", excludingRecord: "L9", serials: ["A002"], numbers: 1...9)
            #expect(other.numbers.isEmpty && other.serials.keys.sorted() == ["A002"])
            let own = try index.usedNumbers(year: 2019, issuer: issuer, excludingRecord: "L1", serials: ["A002"], numbers: 1...9)
            #expect(own.numbers.isEmpty && own.serials.isEmpty)
            // Many serials at once (more than one batch).
            let many = (0..<12_000).map { "X\($0)" } + ["A003"]
            #expect(
                try index.usedNumbers(year: 2019, issuer: issuer, excludingRecord: "L9", serials: many, numbers: 100...100).serials.keys
                    .sorted() == ["A003"])

            // The checks the archive makes before it commits a ledger, an appendix or a revocation.
            let ledger = Revision(
                recordType: "ledger", recordId: "L9", parents: [], author: "x", time: "2019-10-01T00:00:00Z", reason: nil,
                body: try CanonicalJSON.parse(
                    Array(
                        #"{"year": 2019, "issuer": "Phòng GD&ĐT Tân Lập", "entries": [{"serial": "A002", "ledgerNumber": 9}, {"serial": "Z1", "ledgerNumber": 3}]}"#
                            .utf8)))
            let clash = #expect(throws: HosoProblems.self) { try index.checkLedgerNumbersAreFree(ledger) }
            #expect(clash?.problems.map(\.code) == [.ledgerDuplicateSerial, .ledgerDuplicateNumber])
            #expect(clash?.problems.map(\.location) == ["L9#/entries/0/serial", "L9#/entries/1/ledgerNumber"])
            func revocation(_ body: String) throws -> Revision {
                Revision(
                    recordType: "revocation", recordId: "TH-1", parents: [], author: "x", time: "2021-01-01T00:00:00Z", reason: nil,
                    body: try CanonicalJSON.parse(Array(body.utf8)))
            }
            try index.checkAgainstLedgers(try revocation(#"{"serial": "A003", "ledgerRecordId": "L1", "ledgerNumber": 3}"#))
            let mismatch = #expect(throws: HosoProblems.self) {
                try index.checkAgainstLedgers(try revocation(#"{"serial": "A003", "ledgerRecordId": "L2", "ledgerNumber": 4}"#))
            }
            #expect(mismatch?.problems.map(\.code) == [.appendixMismatch, .appendixMismatch])
            let unknown = #expect(throws: HosoError.self) {
                try index.checkAgainstLedgers(try revocation(#"{"serial": "Q404", "ledgerRecordId": "L1", "ledgerNumber": 3}"#))
            }
            #expect(unknown?.code == .ledgerEntryNotFound)
        }
    }

    @Test(arguments: Backend.allCases) func signaturesAndHowFarTheIndexIs(_ backend: Backend) throws {
        try withIndex(backend) { index in
            let s2 = SignatureRow(
                id: "s2", revisionId: "r1", signatureKey: "k2", signer: "CN=Hiệu trưởng", role: "principal",
                signingTime: "2026-01-02T00:00:00Z", timestamped: true)
            let s1 = SignatureRow(
                id: "s1", revisionId: "r1", signatureKey: "k1", signer: "CN=Văn thư", role: nil, signingTime: nil, timestamped: false)
            let s0 = SignatureRow(
                id: "s0", revisionId: "r2", signatureKey: "k0", signer: "CN=GV", role: "subject-teacher",
                signingTime: "2026-01-01T00:00:00Z", timestamped: false)
            let sigObject = object("sig", kind: .signature)
            try index.record(signatures: [s2, s1, s0], objects: [sigObject])
            // No signing time sorts first, as SQLite orders NULL.
            #expect(try index.signatures(ofRevision: "r1") == [s1, s2])
            #expect(try index.signatures() == [s1, s0, s2])
            #expect(try index.signatures(ofRevision: "r9").isEmpty)
            #expect(try index.object(sigObject.id)?.kind == "signature")
            // A signature already known is kept as it was.
            var again = s2
            again.signer = "CN=Người khác"
            try index.record(signatures: [again], objects: [])
            #expect(try index.signatures(ofRevision: "r1") == [s1, s2])

            #expect(try index.committedSequence() == 0)
            try index.setCommittedSequence(5)
            try index.setCommittedSequence(7)
            #expect(try index.committedSequence() == 7)
        }
    }
}

/// The same questions asked of both indexes at once, with names and questions drawn at random: the word rules of
/// PostgreSQL's side must be FTS5's, whatever the punctuation.
@Suite struct FullTextAgreementTests {
    @Test func bothIndexesFindTheSameEntries() throws {
        let syllables = [
            "Nguyễn", "Văn", "An", "Anh", "Thị", "Lê", "Trần", "Bích-Ngọc", "O'Neill", "Đỗ", "Hòa", "Hoà", "H'Mông", "Mai",
            "Ánh", "Ngọc", "Y-Đơn", "Ksor", "Nay", "Hồ", "Đức", "Phạm", "St.", "Ân", "(Bé)", "Lan2",
        ]
        var random = SeededGenerator(seed: 21)
        func name() -> String { (0..<(2 + random.int(3))).map { _ in syllables[random.int(syllables.count)] }.joined(separator: " ") }
        // Unique (year, number) pairs, so both indexes order their answers the same way.
        let entries = try (0..<6).flatMap { ledger in
            try ledgerRows(
                "L\(ledger)", year: 2015 + ledger, school: ["Trường THCS Hòa Bình", "Trường THPT Lê-Lợi", "Trường Ea H'leo"][ledger % 3],
                (1...60).map { person($0, name(), serial: "S\(ledger)-\($0)", place: name()) })
        }
        let tmp = TempDirectory()
        let sqlite = try ArchiveIndex(path: tmp.path + "/index.sqlite")
        defer { try? sqlite.close() }
        let postgres = try postgresIndex()
        defer { try? postgres.close() }
        for index in [sqlite as any ArchiveIndexing, postgres] {
            for ledger in 0..<6 {
                try index.replaceEntries(ofRecord: "L\(ledger)", with: entries.filter { $0.recordId == "L\(ledger)" })
            }
        }
        var asked = 0
        var found = 0
        for _ in 0..<400 {
            var q = EntryQuery()
            // Words as a person might type them: whole, cut short, with other spacing or accents, or punctuation.
            let words = VietnameseText.fold(name()).split(separator: " ").map(String.init)
            var tokens = words.map { w in random.int(4) == 0 ? String(w.prefix(1 + random.int(max(1, w.count)))) : w }
            if random.int(10) == 0 { tokens.append(["-", "'", ".", "()"][random.int(4)]) }
            switch random.int(4) {
            case 0: q.placeTokens = tokens
            case 1: q.schoolTokens = Array(tokens.prefix(1))
            default: q.nameTokens = tokens
            }
            if random.int(5) == 0 { q.year = 2015 + random.int(6) }
            let a = try sqlite.findEntries(q, limit: 50)
            let b = try postgres.findEntries(q, limit: 50)
            #expect(a == b, "\(q)")
            asked += 1
            found += a.isEmpty ? 0 : 1
        }
        // The questions were not all empty-handed (a test that finds nothing on both sides proves nothing).
        #expect(asked == 400 && found > 100, "\(found) of \(asked) questions found something")
    }
}

/// A reindex into PostgreSQL: the rows the builder reads from a real archive's objects, written into both indexes,
/// answer every question alike.
@Suite struct BuilderConformanceTests {
    @Test func anArchiveIndexedIntoBothAnswersAlike() throws {
        let tmp = TempDirectory()
        let fixture = try OfficeArchiveFixture(in: tmp.path)
        let a = fixture.archive
        // A second revision of the ledger, so there is history and a head to tell apart.
        let text = String(decoding: try repoFile(OfficeArchiveFixture.ledgerExample), as: UTF8.self)
        #expect(text.contains("Lò Thị Mai"))
        let body = try CanonicalJSON.parse(Array(text.replacingOccurrences(of: "Lò Thị Mai", with: "Lò Thị Mại").utf8))
        try a.revise(record: OfficeArchiveFixture.ledgerId, body: body, author: "registrar", reason: "sửa tên theo giấy khai sinh")
        let builder = IndexBuilder(store: a.store, ledgerType: "ledger") { id, _ in
            throw HosoError(.indexError, .both("không đọc chữ ký", "no signatures here"), location: id.hex)
        }
        let rows = builder.collect(try a.files!.objectFiles(), progress: nil)
        let sqlite = try ArchiveIndex(path: tmp.path + "/built.sqlite")
        defer { try? sqlite.close() }
        let postgres = try postgresIndex()
        defer { try? postgres.close() }
        try builder.write(rows, into: sqlite)
        try builder.write(rows, into: postgres)

        #expect(try sqlite.count() > 5 && sqlite.count() == postgres.count())
        #expect(try sqlite.objects() == postgres.objects())
        #expect(try sqlite.namesByObject() == postgres.namesByObject())
        for type in ["ledger", "office-settings", "trust-anchor"] {
            #expect(try sqlite.recordIds(ofType: type) == postgres.recordIds(ofType: type))
        }
        let ledgers = try sqlite.recordIds(ofType: "ledger")
        #expect(ledgers == [OfficeArchiveFixture.ledgerId])
        for id in ledgers {
            #expect(try sqlite.revisions(ofRecord: id) == postgres.revisions(ofRecord: id))
            #expect(try sqlite.heads(ofRecord: id) == postgres.heads(ofRecord: id))
            #expect(try sqlite.revisions(ofRecord: id).count == 2 && sqlite.heads(ofRecord: id).count == 1)
        }
        var q = EntryQuery()
        q.recordId = OfficeArchiveFixture.ledgerId
        let entries = try sqlite.findEntries(q, limit: 100)
        #expect(try !entries.isEmpty && entries == postgres.findEntries(q, limit: 100))
        for e in entries {
            var bySerial = EntryQuery()
            bySerial.serial = e.serial
            var byName = EntryQuery()
            byName.exactName = e.nameKey
            #expect(try postgres.findEntries(bySerial, limit: 10) == [e])
            #expect(try sqlite.findEntries(byName, limit: 10) == postgres.findEntries(byName, limit: 10))
        }
        #expect(try sqlite.conflicts().isEmpty && postgres.conflicts().isEmpty)
    }
}
