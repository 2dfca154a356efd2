import Foundation
import HTTPTypes
import HosoAccounts
import HosoCore
import HosoKit
import HosoRecords
import Testing

/// The grade-book year on the web, on a live server on loopback: a teacher's "Lớp của tôi" and mark entry with a
/// decimal comma, the principal's lock, a change that becomes a correction request, its approval, and the correction
/// shown on the teacher's page. Accounts act through their linked person's assignments.
@Suite struct GradeBookYearTests {
    static let school = "Trường THCS Tân Lập"

    /// People and assignments, and accounts linked to them: `gv` teaches Toán 9A, `hieu` is the principal of the school,
    /// `khac` the principal of another school.
    static func world() throws -> (Fixture, String) {
        let fx = try Fixture()
        let id = try APITests.gradeBook(fx)
        let a = try Archive.open(at: fx.archivePath, clock: fx.config.clock)
        for (pid, name) in [("p-toan", Fixture.teacherName), ("p-hieu", "Lê Văn Hiệu"), ("p-khac", "Đỗ Văn Khác")] {
            try a.createRecord(
                type: "person", id: pid,
                body: .object([
                    JSONMember("fullName", .string(name)), JSONMember("dateOfBirth", .string("1980-01-01")),
                    JSONMember("roles", .array([.string("teacher")])),
                ]), author: "admin")
        }
        func assign(_ id: String, _ m: [JSONMember]) throws {
            try a.createRecord(
                type: "assignment", id: id,
                body: .object(m + [JSONMember("schoolYear", .string("2024-2025")), JSONMember("from", .string("2020-01-01"))]),
                author: "admin")
        }
        try assign(
            "as-toan",
            [
                JSONMember("person", .string("p-toan")), JSONMember("role", .string("subject-teacher")),
                JSONMember("school", .string(school)), JSONMember("class", .string("9A")), JSONMember("subject", .string("Toán")),
            ])
        try assign(
            "as-hieu",
            [JSONMember("person", .string("p-hieu")), JSONMember("role", .string("principal")), JSONMember("school", .string(school))])
        try assign(
            "as-khac",
            [
                JSONMember("person", .string("p-khac")), JSONMember("role", .string("principal")),
                JSONMember("school", .string("Trường THCS Xuân Sơn")),
            ])
        let store = try ServerStore(path: fx.archivePath + "/" + ServerStore.fileName, clock: fx.config.clock, cost: Fixture.cost)
        try store.addUser(name: "gv", displayName: Fixture.teacherName, role: .teacher, password: Fixture.password, person: "p-toan")
        try store.addUser(name: "hieu", displayName: "Lê Văn Hiệu", role: .principal, password: Fixture.password, person: "p-hieu")
        try store.addUser(name: "khac", displayName: "Đỗ Văn Khác", role: .principal, password: Fixture.password, person: "p-khac")
        return (fx, id)
    }

    @Test func theTeacherEntersMarksWithADecimalCommaAndACorrectionAfterTheLockIsApproved() async throws {
        let (fx, id) = try Self.world()
        let marks = "/my-classes/marks?id=" + queryEscaped(id)
        try await fx.serve(.live) { client in
            let t = Browser(client)
            try await t.login("gv")
            let list = try await t.get("/my-classes")
            #expect(list.status == .ok)
            for words in ["Lớp 9A", "Toán", "Học kì I", Self.school, "chưa ký"] { #expect(t.lastBody.contains(words), "\(words)") }
            #expect(!t.lastBody.contains(">" + id + "<"), "no record id as text")

            try await t.get(marks)
            #expect(t.lastBody.contains(#"aria-label="Điểm giữa kì của Lò Văn An""#), "every cell names the student and the column")
            // A malformed mark: refused beside its cell, what was typed kept, nothing written.
            let bad = try await t.post(marks, [("tx1-0", "7,5,1"), ("tx2-0", "8"), ("tx3-0", "6,5"), ("gk-0", "1e3"), ("ck-0", "8")])
            #expect(bad.status == .badRequest)
            #expect(t.lastBody.contains(#"id="err-tx1-0""#) && t.lastBody.contains(#"id="err-gk-0""#))
            #expect(t.lastBody.contains(#"value="7,5,1""#) && t.lastBody.contains(#"aria-invalid="true""#))
            #expect(!t.lastBody.contains(#"id="err-ck-0""#))
            // Decimal commas accepted and stored canonically.
            let ok = try await t.post(marks, [("tx1-0", "7,5"), ("tx2-0", "8"), ("tx3-0", "6.5"), ("gk-0", "7"), ("ck-0", "9,5")])
            #expect(ok.status == .seeOther || ok.status == .found, "\(t.lastBody.prefix(400))")
            let stored = try Archive.open(at: fx.archivePath, clock: fx.config.clock).gradeBook(record: id).students[0]
            #expect(stored.regularMarks.first?.tenths == 75 && stored.endOfTermMark?.tenths == 95)

            // The principal of another school cannot lock this one; this school's principal locks the class.
            let other = Browser(client)
            try await other.login("khac")
            try await other.get("/term-locks")
            let refused = try await other.post(
                "/term-locks/lock", [("school", Self.school), ("year", "2024-2025"), ("term", "HK1"), ("class", "9A")])
            #expect(refused.status == .forbidden, "\(other.lastBody.prefix(300))")
            let p = Browser(client)
            try await p.login("hieu")
            try await p.get("/term-locks")
            let locked = try await p.post(
                "/term-locks/lock", [("school", Self.school), ("year", "2024-2025"), ("term", "HK1"), ("class", "9A")])
            #expect(locked.status == .seeOther || locked.status == .found)
            try await p.get("/term-locks")
            #expect(p.lastBody.contains("Học kì I 2024-2025 — lớp 9A") && p.lastBody.contains("đang khóa"))

            // After the lock a change needs a reason and becomes a request.
            try await t.get(marks)
            #expect(t.lastBody.contains(#"id="locked-note""#) && t.lastBody.contains("đã khóa"))
            let noReason = try await t.post(marks, [("tx1-0", "7,5"), ("tx2-0", "8"), ("tx3-0", "6,5"), ("gk-0", "7"), ("ck-0", "10")])
            #expect(noReason.status == .badRequest && t.lastBody.contains(#"id="err-reason""#))
            try await t.get(marks)
            let asked = try await t.post(
                marks,
                [("tx1-0", "7,5"), ("tx2-0", "8"), ("tx3-0", "6,5"), ("gk-0", "7"), ("ck-0", "10"), ("reason", "Cộng sót điểm bài thi")])
            #expect(asked.status == .seeOther || asked.status == .found, "\(t.lastBody.prefix(400))")
            #expect(
                try Archive.open(at: fx.archivePath, clock: fx.config.clock).gradeBook(record: id).students[0].endOfTermMark?.tenths == 95)
            try await t.get("/my-classes")
            #expect(t.lastBody.contains("đang chờ duyệt sửa"))

            // The principal sees the request with its reason and approves it.
            try await p.get("/term-locks")
            #expect(p.lastBody.contains("Cộng sót điểm bài thi") && p.lastBody.contains("Sổ điểm môn Toán, lớp 9A"))
            #expect(p.lastBody.contains("Lò Văn An — CK: 9,5 → 10,0"), "the change is shown")
            let requests = try await p.get("/api/corrections")
            let pending = try #require(try JSONSerialization.jsonObject(with: Data(requests.body.readableBytesView)) as? [[String: Any]])
            let rid = try #require(pending.first?["id"] as? String)
            try await p.get("/term-locks")
            let approved = try await p.post("/term-locks/decide", [("request", rid), ("decision", "approve"), ("note", "Đồng ý")])
            #expect(approved.status == .seeOther || approved.status == .found, "\(p.lastBody.prefix(300))")
            let a = try Archive.open(at: fx.archivePath, clock: fx.config.clock)
            #expect(try a.gradeBook(record: id).students[0].endOfTermMark?.tenths == 100)
            #expect(try a.history(record: id).count == 3)

            // The teacher's page says the current revision is a correction approved by the principal.
            try await t.get(marks)
            #expect(t.lastBody.contains(#"id="correction-note""#) && t.lastBody.contains("Lê Văn Hiệu"))
        }
    }

    @Test func anotherTeacherCannotOpenTheMarkEntryAndTeachersCannotLock() async throws {
        let (fx, id) = try Self.world()
        try await fx.serve(.router) { client in
            let t2 = Browser(client)
            try await t2.login("teacher2")
            #expect(try await t2.get("/my-classes/marks?id=" + queryEscaped(id)).status == .forbidden)
            try await t2.get("/my-classes")
            #expect(!t2.lastBody.contains("Toán"))
            #expect(
                try await t2.post("/term-locks/lock", [("school", Self.school), ("year", "2024-2025"), ("term", "HK1")]).status
                    == .forbidden)
        }
    }
}

/// The query escaping the screens use for record ids in links.
func queryEscaped(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~/")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
}
