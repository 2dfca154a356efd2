import Foundation
import HosoCore
import HosoGrades
import HosoKit
import HosoRecords
import HosoSigning
import HosoTestSupport
import Testing

/// The grade-book year: a principal locks a term; after it a covered book changes only through a correction request
/// the principal approves, committed as a correction; the earlier signed revision stays. Who may lock, approve and
/// sign comes from the assignment records.
@Suite struct TermLockTests {
    static let book = "gb-6a-toan-hk1"
    static let school = "Trường THCS Tân Lập"

    struct World {
        let dir: TempDirectory
        let f: OfficeArchiveFixture
        var a: Archive { f.archive }
        let body: JSONValue

        init() throws {
            dir = TempDirectory()
            f = try OfficeArchiveFixture(in: dir.path)
            body = try CanonicalJSON.parse(try repoFile("Schemas/examples/valid-grade-book-thcs-scored.json"))
            try f.archive.createRecord(type: "grade-book", id: TermLockTests.book, body: body, author: "gv")
            try person("p-hoa", "Phạm Thị Hoa", cert: "gv-toan")
            try person("p-ngoc", "Trần Thị Bích Ngọc", cert: "gv-van")
            try person("p-hieu", "Lê Văn Hiệu")
            try person("p-khac", "Đỗ Văn Khác")
            try assign("as-hoa", person: "p-hoa", role: "subject-teacher")
            try assign("as-hieu", person: "p-hieu", role: "principal")
            try assign("as-khac", person: "p-khac", role: "principal", school: "Trường THCS Xuân Sơn")
        }

        func person(_ id: String, _ name: String, cert: String? = nil) throws {
            let certs: [JSONValue] =
                try cert.map { [.object([JSONMember("sha256", .string(try f.pki.identity($0).certificate.fingerprint))])] } ?? []
            try a.createRecord(
                type: "person", id: id,
                body: .object([
                    JSONMember("fullName", .string(name)), JSONMember("dateOfBirth", .string("1980-01-01")),
                    JSONMember("roles", .array([.string("teacher")])), JSONMember("certificates", .array(certs)),
                ]), author: "admin")
        }

        func assign(_ id: String, person: String, role: String, school: String = TermLockTests.school, subject: String = "Toán") throws {
            var m = [
                JSONMember("person", .string(person)), JSONMember("role", .string(role)), JSONMember("school", .string(school)),
                JSONMember("schoolYear", .string("2024-2025")), JSONMember("from", .string("2020-01-01")),
            ]
            if role != "principal" { m += [JSONMember("class", .string("6A")), JSONMember("subject", .string(subject))] }
            try a.createRecord(type: "assignment", id: id, body: .object(m), author: "admin")
        }

        /// The book with one detail changed (the teacher's identifier ends in `n`), still a consistent grade book.
        func changed(final n: Int) throws -> JSONValue {
            var text = String(decoding: try CanonicalJSON.serialize(body), as: UTF8.self)
            text = text.replacingOccurrences(of: "2200999001", with: "220099900\(n)")
            return try CanonicalJSON.parse(Array(text.utf8))
        }

        func lock(className: String? = nil, as who: String = "p-hieu") throws {
            try a.lockTerm(
                school: TermLockTests.school, schoolYear: "2024-2025", term: .hk1, className: className, principal: who, author: who)
        }
    }

    func code(_ body: () throws -> Void) -> HosoError.Code? {
        do {
            try body()
            return nil
        } catch let e as HosoError { return e.code } catch { return nil }
    }

    @Test func aChangeAfterTheLockIsRefusedThenCommittedAsACorrectionOnceApproved() throws {
        let w = try World()
        _ = try w.a.sign(Self.book, identity: try w.f.pki.identity("gv-toan"), role: .subjectTeacher)
        let (signedRev, _) = try w.a.current(record: Self.book)
        try w.lock()
        let edited = try w.changed(final: 9)
        // Refused by every path that writes: a plain revision and the importer's save alike.
        #expect(code { try w.a.revise(record: Self.book, body: edited, author: "gv", reason: "chấm lại") } == .termLocked)
        #expect(try w.a.heads(record: Self.book) == [signedRev.hex], "nothing was written")
        #expect(code { try w.a.requestCorrection(book: Self.book, body: edited, reason: " ", author: "gv") } == .recordReasonRequired)

        let request = try w.a.requestCorrection(book: Self.book, body: edited, reason: "Nhập nhầm điểm cuối kì", author: "Phạm Thị Hoa")
        #expect(request.status == .pending)
        #expect(try w.a.heads(record: Self.book) == [signedRev.hex], "a request changes nothing yet")
        // A teacher, and a principal of another school, cannot approve.
        #expect(
            code { try w.a.decideCorrection(request.recordId, approve: true, principal: "p-hoa", note: nil, author: "x") } == .notPrincipal)
        #expect(
            code { try w.a.decideCorrection(request.recordId, approve: true, principal: "p-khac", note: nil, author: "x") } == .notPrincipal
        )

        let approved = try w.a.decideCorrection(request.recordId, approve: true, principal: "p-hieu", note: "Đồng ý", author: "hieu")
        let (head, rev) = try w.a.current(record: Self.book)
        #expect(head.hex == approved.revision)
        #expect(rev.parents == [signedRev.hex])
        #expect(rev.reason?.contains("Sửa sau khóa sổ, Lê Văn Hiệu duyệt") == true, "\(rev.reason ?? "")")
        #expect(rev.reason?.contains("Nhập nhầm điểm cuối kì") == true)
        #expect(try w.a.correction(committing: head.hex, book: Self.book)?.decidedByName == "Lê Văn Hiệu")
        // The earlier signed revision stays in the history, still signed; the correction is to be signed again.
        #expect(try w.a.history(record: Self.book).map(\.id) == [signedRev.hex, head.hex])
        #expect(try w.a.verify(signedRev.hex).signatures.count == 1)
        #expect(try w.a.verify(Self.book).signatures.isEmpty)
        // Deciding twice is refused; the lock still holds for anything else.
        #expect(
            code { try w.a.decideCorrection(request.recordId, approve: true, principal: "p-hieu", note: nil, author: "x") }
                == .correctionState)
        #expect(code { try w.a.revise(record: Self.book, body: try w.changed(final: 3), author: "gv", reason: "x") } == .termLocked)
    }

    @Test func aRefusedRequestChangesNothingAndAStaleOneCannotBeApproved() throws {
        let w = try World()
        try w.lock()
        let r1 = try w.a.requestCorrection(book: Self.book, body: try w.changed(final: 9), reason: "a", author: "gv")
        let r2 = try w.a.requestCorrection(book: Self.book, body: try w.changed(final: 7), reason: "b", author: "gv")
        let refused = try w.a.decideCorrection(r1.recordId, approve: false, principal: "p-hieu", note: "Không có căn cứ", author: "hieu")
        #expect(refused.status == .refused && refused.decisionNote == "Không có căn cứ")
        #expect(try w.a.history(record: Self.book).count == 1)
        _ = try w.a.decideCorrection(r2.recordId, approve: true, principal: "p-hieu", note: nil, author: "hieu")
        // A request made from a revision that is no longer the current one is refused.
        let r3 = try w.a.requestCorrection(book: Self.book, body: try w.changed(final: 6), reason: "c", author: "gv")
        try w.a.unlockTerm(
            school: Self.school, schoolYear: "2024-2025", term: .hk1, principal: "p-hieu", author: "hieu", reason: "mở để sửa")
        try w.a.revise(record: Self.book, body: try w.changed(final: 5), author: "gv", reason: "sau khi mở khóa")
        try w.lock()
        #expect(
            code { try w.a.decideCorrection(r3.recordId, approve: true, principal: "p-hieu", note: nil, author: "hieu") }
                == .correctionState)
    }

    @Test func onlyThePrincipalOfTheSchoolLocksAndUnlockingIsRecordedWithAReason() throws {
        let w = try World()
        #expect(code { try w.lock(as: "p-khac") } == .notPrincipal, "a principal of another school")
        #expect(code { try w.lock(as: "p-hoa") } == .notPrincipal, "a teacher")
        #expect(try w.a.termLocks().isEmpty)
        try w.lock()
        #expect(
            code {
                try w.a.unlockTerm(school: Self.school, schoolYear: "2024-2025", term: .hk1, principal: "p-hieu", author: "h", reason: "")
            } == .recordReasonRequired)
        try w.a.unlockTerm(
            school: Self.school, schoolYear: "2024-2025", term: .hk1, principal: "p-hieu", author: "h", reason: "nhập bổ sung")
        let locks = try w.a.termLocks()
        #expect(locks.count == 1 && locks[0].locked == false && locks[0].principalName == "Lê Văn Hiệu")
        #expect(try w.a.history(record: locks[0].recordId).map(\.reason) == [nil, "nhập bổ sung"])
        try w.a.revise(record: Self.book, body: try w.changed(final: 9), author: "gv", reason: "sau khi mở")
        // Plain record writes cannot forge a lock or an approval.
        #expect(code { try w.a.createRecord(type: "term-lock", id: "x", body: .object([]), author: "x") } == .workflowRecord)
        #expect(
            code { try w.a.revise(record: locks[0].recordId, body: .object([]), author: "x", reason: "x") } == .workflowRecord)
    }

    @Test func aClassLockCoversThatClassOnly() throws {
        let w = try World()
        try w.lock(className: "6B")
        try w.a.revise(record: Self.book, body: try w.changed(final: 9), author: "gv", reason: "6A is not locked")
        try w.lock(className: "6A")
        #expect(code { try w.a.revise(record: Self.book, body: try w.changed(final: 7), author: "gv", reason: "x") } == .termLocked)
        let listed = try w.a.teacherBooks(person: "p-hoa")
        #expect(listed.map(\.standing) == [.locked])
        _ = try w.a.requestCorrection(book: Self.book, body: try w.changed(final: 7), reason: "x", author: "gv")
        #expect(try w.a.teacherBooks(person: "p-hoa").map(\.standing) == [.correctionPending])
        #expect(try w.a.teacherBooks(person: "p-ngoc").isEmpty, "not her book")
    }

    @Test func batchSigningSignsTheSignersBooksOnlyAndSkipsWhatIsSignedAlready() throws {
        let w = try World()
        // A second book of the class, Ngữ văn, which Phạm Thị Hoa does not teach.
        var text = String(decoding: try CanonicalJSON.serialize(w.body), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"subject\":\"Toán\"", with: "\"subject\":\"Ngữ văn\"")
        let van = GradeBookInfo.recordId(school: Self.school, schoolYear: "2024-2025", className: "6A", subject: "Ngữ văn", term: .hk1)
        let toan = GradeBookInfo.recordId(school: Self.school, schoolYear: "2024-2025", className: "6A", subject: "Toán", term: .hk1)
        try w.a.createRecord(type: "grade-book", id: van, body: try CanonicalJSON.parse(Array(text.utf8)), author: "gv")
        try w.a.createRecord(type: "grade-book", id: toan, body: w.body, author: "gv")
        var seen = [Int]()
        let items = try w.a.signGradeBooks(
            school: Self.school, schoolYear: "2024-2025", className: "6A", term: .hk1, identity: try w.f.pki.identity("gv-toan")
        ) { n, total, _ in
            seen.append(n)
            #expect(total == 2)
        }
        #expect(seen == [1, 2])
        #expect(items.map(\.book) == [toan, van].sorted())
        #expect(items.first { $0.book == toan }?.outcome == .signed)
        #expect(items.first { $0.book == van }?.outcome == .skipped)
        #expect(items.first { $0.book == van }?.message?.contains("Phạm Thị Hoa") == true)
        #expect(try w.a.verify(toan).signatures.count == 1)
        let again = try w.a.signGradeBooks(school: Self.school, schoolYear: "2024-2025", identity: try w.f.pki.identity("gv-toan"))
        #expect(again.allSatisfy { $0.outcome == .skipped }, "signed already")
        #expect(try w.a.verify(toan).signatures.count == 1)
    }

    @Test(arguments: [("7,5", 75), ("7.5", 75), (" 10 ", 100), ("0,0", 0), ("9", 90)])
    func marksAreTypedWithADecimalComma(text: String, tenths: Int) throws {
        #expect(try Mark.parse(text).tenths == tenths)
        #expect(try Mark.parse(text).vietnamese.contains(","))
    }

    @Test(arguments: ["7,5,1", "1e3", "10,5", "11", "-1", "7,", ",5", "7,55", "NaN", "７"])
    func malformedOrOutOfRangeMarksAreRefused(text: String) {
        #expect(code { _ = try Mark.parse(text) } == .markInvalid)
    }
}
