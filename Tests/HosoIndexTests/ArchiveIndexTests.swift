import Foundation
import GRDB
import HosoCore
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoIndex

@Suite struct ArchiveIndexTests {
    let tmp = TempDirectory()
    var dir: String { tmp.path }

    func object(_ s: String, kind: ObjectKind = .blob) -> StoredObject {
        StoredObject(
            id: ObjectID(hashing: Array(s.utf8)), kind: kind, encoding: .raw, size: UInt64(s.utf8.count),
            storedSize: UInt64(s.utf8.count + 24))
    }

    @Test func recordsAndAnswers() throws {
        let index = try ArchiveIndex(path: dir + "/index.sqlite")
        let a = object("a")
        let b = object("b")
        let m = object("manifest", kind: .manifest)
        try index.record(
            objects: [a, b, m], manifest: ManifestRow(id: m.id.hex, addedAt: "2026-01-01T00:00:00Z"),
            names: [NameRow(manifestId: m.id.hex, objectId: a.id.hex, path: "x/a.txt", size: 1)])
        // Recording the same again changes nothing (idempotent re-runs after a crash).
        try index.record(
            objects: [a], manifest: ManifestRow(id: m.id.hex, addedAt: "2026-01-01T00:00:00Z"),
            names: [NameRow(manifestId: m.id.hex, objectId: a.id.hex, path: "x/a.txt", size: 1)])
        #expect(try index.count() == 3)
        #expect(try index.objects(kind: "manifest").map(\.id) == [m.id.hex])
        #expect(try index.names(of: a.id).map(\.path) == ["x/a.txt"])
        #expect(try index.names(of: b.id).isEmpty)
        #expect(try index.ids(withPrefix: String(a.id.hex.prefix(6))) == [a.id.hex])
        #expect(try index.knownNames([("x/a.txt", a.id.hex), ("x/b.txt", b.id.hex)]) == ["x/a.txt\u{0}" + a.id.hex])
        #expect(try index.entries(ofManifest: m.id).count == 1)
        try index.close()
        // Reopening runs no migration twice and keeps the data.
        let again = try ArchiveIndex(path: dir + "/index.sqlite")
        #expect(try again.count() == 3)
    }

    @Test func prefixRangeIsExact() throws {
        let index = try ArchiveIndex(path: dir + "/index.sqlite")
        let objs = (0..<500).map { object("n\($0)") }
        try index.record(objects: objs)
        for o in objs.prefix(50) {
            let p = String(o.id.hex.prefix(4))
            let expected = objs.map(\.id.hex).filter { $0.hasPrefix(p) }.sorted()
            #expect(try index.ids(withPrefix: p, limit: 100) == expected)
        }
    }

    @Test func corruptIndexFileIsAClearError() throws {
        let path = dir + "/index.sqlite"
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: HosoError.self) { _ = try ArchiveIndex(path: path) }
        // Junk is damage (set aside and rebuilt by the archive), told apart from a full disk or a permission.
        #expect(error?.code == .indexDamaged)
    }

    func entry(
        _ n: Int, name: String, recordId: String = "R1", revisionId: String = "rev1", place: String = "Xã Tân Lập",
        citizenId: String? = nil, moetId: String? = nil, page: Int? = nil
    ) -> EntryRow {
        EntryRow(
            revisionId: revisionId, recordId: recordId, stt: n, fullName: name, nameKey: fold(name), dateOfBirth: "2004-03-15",
            placeOfBirth: place, placeKey: fold(place), sex: "Nam", ethnicity: "", graduationGrade: "Khá", serial: "S\(recordId)-\(n)",
            ledgerNumber: n, year: 2019, school: "Trường THCS Tân Lập", schoolKey: "truong thcs tan lap", issuer: "PGD",
            citizenId: citizenId, moetId: moetId, page: page)
    }

    /// Enough of VietnameseText.fold for these names (HosoIndex does not see HosoRecords).
    func fold(_ s: String) -> String {
        s.decomposedStringWithCanonicalMapping.unicodeScalars.filter { !(0x300...0x36F).contains($0.value) }
            .map { $0 == "đ" || $0 == "Đ" ? "d" : String($0).lowercased() }.joined()
    }

    func revision(_ id: String, recordId: String = "R1") -> RevisionRow {
        RevisionRow(id: id, recordType: "ledger", recordId: recordId, author: "x", time: "2019-05-01T08:00:00Z", reason: nil, parents: [])
    }

    @Test func entriesKeepEveryValueAndAreFoundEveryWay() throws {
        let index = try ArchiveIndex(path: dir + "/index.sqlite")
        let rows = [
            entry(1, name: "Nguyễn Văn An", citizenId: "022204001234", moetId: "0123456789", page: 3),
            entry(2, name: "Nguyễn Văn Anh", place: ""), entry(3, name: "Lê Văn An"),
        ]
        try index.record(revision: revision("rev1"), objects: [], entries: rows)
        var all = EntryQuery()
        all.year = 2019
        let found = try index.findEntries(all, limit: 10)
        // Read back exactly (keys are not returned): NULLs stay NULL, empty text stays empty text.
        #expect(
            found.map {
                var e = $0
                e.placeKey = ""
                e.schoolKey = ""
                return e
            }
                == rows.map {
                    var e = $0
                    e.placeKey = ""
                    e.schoolKey = ""
                    return e
                })
        var exact = EntryQuery()
        exact.exactName = "nguyen van an"
        #expect(try index.findEntries(exact, limit: 10).map(\.stt) == [1])
        var words = EntryQuery()
        words.nameTokens = ["van", "an"]
        #expect(try index.findEntries(words, limit: 10).map(\.stt) == [1, 2, 3])
        var place = EntryQuery()
        place.placeTokens = ["tan", "la"]
        #expect(try index.findEntries(place, limit: 10).map(\.stt) == [1, 3])
        var school = EntryQuery()
        school.schoolTokens = ["thcs", "tan"]
        #expect(try index.findEntries(school, limit: 10).count == 3)
        // Replacing a record's entries leaves no trace of the old ones, in the table or the full-text index.
        try index.replaceEntries(ofRecord: "R1", with: [entry(7, name: "Trần Thị Bích")])
        #expect(try index.findEntries(words, limit: 10).isEmpty)
        words.nameTokens = ["bich"]
        #expect(try index.findEntries(words, limit: 10).map(\.stt) == [7])
        #expect(try index.entryCount() == 1)
    }

    @Test func aPendingTransactionCommitsWithItsRevisionOrLeavesNothing() throws {
        let index = try ArchiveIndex(path: dir + "/index.sqlite")
        try index.record(revision: revision("rev1"), objects: [], entries: [entry(1, name: "Nguyễn Văn An")])
        try index.record(revision: revision("revB", recordId: "R2"), objects: [], entries: [entry(1, name: "Phạm Thị Lan", recordId: "R2")])
        // The revision id in pending rows is ignored: the transaction takes the one it is given.
        let pending = [entry(1, name: "Lê Thị Hoa", revisionId: ""), entry(2, name: "Lê Văn Nam", revisionId: "")]
        struct Stop: Error {}
        var q = EntryQuery()
        q.year = 2019
        let before = try index.findEntries(q, limit: 10)
        // Stopped while waiting for the id, or for the stored revision: rolled back, the old entries stay.
        #expect(throws: HosoError.self) {
            try index.record(entriesOf: "R1", pending: pending, revisionId: { throw Stop() }, finish: { throw Stop() })
        }
        #expect(throws: HosoError.self) {
            try index.record(entriesOf: "R1", pending: pending, revisionId: { "rev2" }, finish: { throw Stop() })
        }
        #expect(try index.findEntries(q, limit: 10) == before)
        // A revision other than the one the rows were written for cannot take them.
        #expect(throws: HosoError.self) {
            try index.record(
                entriesOf: "R1", pending: pending, revisionId: { "rev2" },
                finish: {
                    ArchiveIndex.PendingRevision(revision: revision("rev3"), objects: [], manifest: nil, names: [])
                })
        }
        #expect(throws: HosoError.self) {
            try index.record(
                entriesOf: "R1", pending: pending, revisionId: { "rev2" },
                finish: {
                    ArchiveIndex.PendingRevision(revision: revision("rev2", recordId: "R2"), objects: [], manifest: nil, names: [])
                })
        }
        #expect(try index.findEntries(q, limit: 10) == before)

        let id = String(repeating: "ab", count: 32)
        let o = object("rev2", kind: .record)
        let observer = try ArchiveIndex(path: dir + "/index.sqlite")  // another connection, as another process has
        try index.record(
            entriesOf: "R1", pending: pending, revisionId: { id },
            finish: {
                // Readers do not see the transaction while it waits.
                let seen = try observer.findEntries(q, limit: 10)
                #expect(seen == before)
                return ArchiveIndex.PendingRevision(revision: revision(id), objects: [o], manifest: nil, names: [])
            })
        let after = try index.findEntries(q, limit: 10).filter { $0.recordId == "R1" }
        #expect(after.map(\.revisionId) == [id, id])
        #expect(after.map(\.fullName) == ["Lê Thị Hoa", "Lê Văn Nam"])
        #expect(try index.revision(id)?.recordId == "R1")
        #expect(try index.object(o.id)?.kind == "record")
        // The full-text rows are the entries' own: found by name, and nothing else left behind.
        var words = EntryQuery()
        words.nameTokens = ["le", "nam"]
        #expect(try index.findEntries(words, limit: 10).map(\.serial) == ["SR1-2"])
        words.nameTokens = ["nguyen"]
        #expect(try index.findEntries(words, limit: 10).isEmpty)
        try index.close()
        try observer.close()
        // The rows got the rowids SQLite would have given them (after R2's row), each with its full-text row.
        let queue = try DatabaseQueue(path: dir + "/index.sqlite")
        try queue.read { db in
            let rowids = try Int64.fetchAll(db, sql: "SELECT rowid FROM entry ORDER BY rowid")
            let paired = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM entry_fts f JOIN entry e ON e.rowid = f.rowid AND e.nameKey = f.nameKey")
            let fullText = try Int.fetchOne(db, sql: "SELECT count(*) FROM entry_fts")
            #expect(rowids == [2, 3, 4] && paired == 3 && fullText == 3)
        }
    }

    @Test func valuesRowsShareAreStillEachRowsOwn() throws {
        let index = try ArchiveIndex(path: dir + "/index.sqlite")
        // Rows whose school changes, to a canonically equal but differently encoded one as well: each keeps its bytes.
        var rows = (1...4).map { entry($0, name: "Lê Văn \($0)") }
        rows[1].school = "Trường THCS Hòa Bình"
        rows[2].school = "Trường THCS Ho\u{300}a Bình"
        rows[2].schoolKey = "truong thcs hoa binh"
        rows[3].year = 2020
        let id = String(repeating: "cd", count: 32)
        try index.record(
            entriesOf: "R1", pending: rows, revisionId: { id },
            finish: {
                ArchiveIndex.PendingRevision(revision: revision(id), objects: [], manifest: nil, names: [])
            })
        var q = EntryQuery()
        q.yearOrNumber = 2
        var all = EntryQuery()
        all.schoolTokens = ["truong"]
        let found = try index.findEntries(all, limit: 10)
        #expect(
            found.map { Array($0.school.utf8) }
                == rows.sorted { ($0.year, $0.ledgerNumber) < ($1.year, $1.ledgerNumber) }.map { Array($0.school.utf8) })
        #expect(found.map(\.year) == [2019, 2019, 2019, 2020])
        #expect(try index.findEntries(q, limit: 10).map(\.stt) == [2])
    }

    /// "LEDGER#N": the same ledger number is in every ledger; the record id picks the one.
    @Test func anEntryIsFoundByItsLedgerAndNumber() throws {
        let index = try ArchiveIndex(path: dir + "/index.sqlite")
        for r in ["R1", "R2", "R3"] {
            try index.replaceEntries(
                ofRecord: r, with: (1...5).map { entry($0, name: "Người \(r) \($0)", recordId: r, revisionId: "rev-" + r) })
        }
        var q = EntryQuery()
        q.ledgerNumber = 4
        q.recordId = "R2"
        #expect(try index.findEntries(q, limit: 10).map(\.serial) == ["SR2-4"])
        q.recordId = "R9"
        #expect(try index.findEntries(q, limit: 10).isEmpty)
    }

    @Test func aNewIndexHasLargerPagesAnOldOneKeepsItsOwn() throws {
        try ArchiveIndex(path: dir + "/new.sqlite").close()
        try ArchiveIndex(path: dir + "/built.sqlite", building: true).close()
        let old = try DatabaseQueue(path: dir + "/old.sqlite")
        try old.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        try old.close()
        try ArchiveIndex(path: dir + "/old.sqlite").close()
        for (name, size) in [("new", 8192), ("built", 8192), ("old", 4096)] {
            let q = try DatabaseQueue(path: dir + "/\(name).sqlite")
            let pageSize = try q.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") }
            #expect(pageSize == size, "\(name)")
            try q.close()
        }
    }

    @Test func theNameOrderMigrationKeepsEveryEntryFindable() throws {
        let path = dir + "/index.sqlite"
        // An index as the last release left it: migrated up to 0003, with entries.
        do {
            let queue = try DatabaseQueue(path: path)
            try ArchiveIndex.migrator.migrate(queue, upTo: "0003-ledger-entries")
            try queue.write { db in
                try ArchiveIndex.replaceEntries(
                    db, recordId: "R1", entries: [entry(1, name: "Nguyễn Văn An"), entry(2, name: "Lê Văn An")])
                #expect(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE name = 'entry_name'") == ["entry_name"])
            }
            try queue.close()
        }
        let index = try ArchiveIndex(path: path)
        var exact = EntryQuery()
        exact.exactName = "le van an"
        #expect(try index.findEntries(exact, limit: 10).map(\.stt) == [2])
        var words = EntryQuery()
        words.nameTokens = ["van", "an"]
        #expect(try index.findEntries(words, limit: 10).map(\.stt) == [1, 2])
        var school = EntryQuery()
        school.schoolTokens = ["lap"]
        #expect(try index.findEntries(school, limit: 10).count == 2)
        try index.close()
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'entry' AND type = 'index'")
            #expect(names.contains("entry_name_order") && !names.contains("entry_name"))
            let fts = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'entry_fts'") ?? ""
            #expect(fts.contains("columnsize=0"))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name LIKE 'entry_fts_0004%'") == 0)
            // The exact-name lookup reads the new index in order: no sorting step.
            let details = try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN SELECT * FROM entry WHERE nameKey = 'x' ORDER BY year, ledgerNumber LIMIT 100"
            )
            .map { $0["detail"] as String? ?? "" }.joined(separator: " | ")
            #expect(details.contains("entry_name_order") && !details.contains("TEMP B-TREE"), "\(details)")
        }
    }

    @Test func citizenAndMOETIndexesHoldOnlyTheEntriesThatHaveThem() throws {
        let path = dir + "/index.sqlite"
        // An index as an earlier release left it (up to 0006), with entries with and without the ids.
        do {
            let queue = try DatabaseQueue(path: path)
            try ArchiveIndex.migrator.migrate(queue, upTo: "0006-record-refs")
            try queue.write { db in
                try ArchiveIndex.replaceEntries(
                    db, recordId: "R1",
                    entries: [
                        entry(1, name: "Nguyễn Văn An", citizenId: "022204001234", moetId: "0123456789"),
                        entry(2, name: "Lê Văn An", citizenId: "022204009999"), entry(3, name: "Trần Thị Bích"),
                    ])
            }
            try queue.close()
        }
        let index = try ArchiveIndex(path: path)
        var byCitizen = EntryQuery()
        byCitizen.citizenId = "022204009999"
        #expect(try index.findEntries(byCitizen, limit: 10).map(\.stt) == [2])
        var byMOET = EntryQuery()
        byMOET.moetId = "0123456789"
        #expect(try index.findEntries(byMOET, limit: 10).map(\.stt) == [1])
        // Entries written after the migration are found the same way.
        try index.replaceEntries(ofRecord: "R2", with: [entry(4, name: "Phạm Văn Cường", citizenId: "022204005555")])
        byCitizen.citizenId = "022204005555"
        #expect(try index.findEntries(byCitizen, limit: 10).map(\.stt) == [4])
        try index.close()
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            // Every entry that has an id is in its B-tree, and only the ids are indexed (the statement says so).
            let citizenRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM entry INDEXED BY entry_citizen WHERE citizenId IS NOT NULL")
            #expect(citizenRows == 3)
            for (column, value, name) in [("citizenId", "'1'", "entry_citizen"), ("moetId", "'1'", "entry_moet")] {
                let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [name]) ?? ""
                #expect(sql.contains("WHERE \(column) IS NOT NULL"), "\(sql)")
                let details = try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN SELECT * FROM entry WHERE \(column) = \(value) ORDER BY year, ledgerNumber LIMIT 100"
                )
                .map { $0["detail"] as String? ?? "" }.joined(separator: " | ")
                #expect(details.contains(name), "\(details)")
            }
        }
    }
}
