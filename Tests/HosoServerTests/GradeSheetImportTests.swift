import Foundation
import HosoCore
import HosoKit
import HosoTestSupport
import Testing

/// A teacher imports a vnEdu grade sheet into their own grade book: checked first (problems by sheet row and
/// column, a wrong average as a warning), then stored; another teacher can neither upload into that book nor
/// commit a batch staged for it; a file that is not a workbook is refused with nothing written.
@Suite struct GradeSheetImportTests {
    static func world() throws -> (Fixture, String) {
        let (fx, id) = try GradeBookYearTests.world()
        try Archive.open(at: fx.archivePath, clock: fx.config.clock).createRecord(
            type: "person", id: "p-an",
            body: .object([
                JSONMember("fullName", .string("Lò Văn An")), JSONMember("dateOfBirth", .string("2010-02-01")),
                JSONMember("moetId", .string("0123456789")), JSONMember("roles", .array([.string("student")])),
            ]), author: "admin")
        return (fx, id)
    }

    static func upload(_ b: Browser, _ id: String, _ bytes: [UInt8]) async throws -> Int {
        let (h, body) = multipart([
            ("_csrf", nil, nil, Array(try #require(b.csrfToken).utf8)),
            ("sheet", "Toan 9A.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes),
        ])
        return Int(try await b.request(.post, "/my-classes/import?id=" + queryEscaped(id), headers: h, body: body).status.code)
    }

    static func sheet(_ dir: String, _ row: [String]) throws -> [UInt8] {
        let path = dir + "/sheet-\(UUID().uuidString).xlsx"
        try vnEduSheetXLSX(path, rows: [row])
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func batch(_ body: String) -> String? {
        body.range(of: #"name="batch" value=""#).map { String(body[$0.upperBound...].prefix { $0 != "\"" }) }
    }

    @Test func theTeacherChecksThenStoresASheetAndAnotherTeacherIsRefused() async throws {
        let (fx, id) = try Self.world()
        let page = "/my-classes/import?id=" + queryEscaped(id)
        try await fx.serve(.router) { client in
            let t = Browser(client)
            try await t.login("gv")
            try await t.get("/my-classes")
            #expect(t.lastBody.contains(#"href="\#(page.replacingOccurrences(of: "&", with: "&amp;"))""#), "linked from the class page")
            #expect(try await t.get(page).status == .ok)
            #expect(t.lastBody.contains("Toán · lớp 9A · học kỳ I"), "\(t.lastBody.prefix(2000))")

            // A mark out of range: refused with the sheet's row and column, nothing staged.
            let bad = try Self.sheet(fx.dir.path, ["Lò Văn", "An", "01/02/2010", "8", "7", "11", "", "", "7", "8", ""])
            #expect(try await Self.upload(t, id, bad) == 400)
            #expect(t.lastBody.contains("Trang tính Toán 9A, dòng 4"), "\(t.lastBody)")
            #expect(Self.batch(t.lastBody) == nil)

            // Good marks with a wrong average: a warning in words, the computed average is what will be stored.
            let good = try Self.sheet(fx.dir.path, ["Lò Văn", "An", "01/02/2010", "8", "7", "9", "", "", "7", "8", "9.9"])
            #expect(try await Self.upload(t, id, good) == 200, "\(t.lastBody)")
            #expect(t.lastBody.contains("report PASSED") && t.lastBody.contains("Điểm trung bình trong bảng (9,9)"), "\(t.lastBody)")
            #expect(!t.lastBody.contains(">GRADE_SHEET"), "no reason codes as text")
            let batch = try #require(Self.batch(t.lastBody))

            // Another teacher: no page, no upload into this book, no commit of the batch staged for it.
            let t2 = Browser(client)
            try await t2.login("teacher2")
            try await t2.get("/my-classes")
            #expect(try await t2.get(page).status == .forbidden)
            #expect(try await Self.upload(t2, id, good) == 403)
            #expect(try await t2.post("/my-classes/import/commit", [("batch", batch)]).status == .forbidden)
            #expect(try Archive.open(at: fx.archivePath).gradeBook(record: id).students[0].endOfTermMark?.tenths == 80)

            // The owner commits; the grade book opens with the sheet's marks and the TT22 average.
            let done = try await t.post("/my-classes/import/commit", [("batch", batch)])
            #expect(done.status == .seeOther || done.status == .found, "\(t.lastBody.prefix(600))")
            #expect(done.headers[.location]?.hasPrefix("/my-classes/marks?id=") == true)
            let stored = try Archive.open(at: fx.archivePath).gradeBook(record: id).students[0]
            #expect(stored.regularMarks.map(\.tenths) == [80, 70, 90] && stored.endOfTermMark?.tenths == 80)
            #expect(stored.termAverage?.description == "7.8")
            try await t.get("/my-classes")
            #expect(try await t.post("/my-classes/import/commit", [("batch", batch)]).status == .notFound, "used once")
        }
    }

    @Test func aHostileUploadIsRefusedWithNothingStagedOrWritten() async throws {
        let (fx, id) = try Self.world()
        let before = try Archive.open(at: fx.archivePath).history(record: id).count
        try await fx.serve(.router) { client in
            let t = Browser(client)
            try await t.login("gv")
            try await t.get("/my-classes/import?id=" + queryEscaped(id))
            for junk in [Array("PK\u{3}\u{4}not a zip".utf8), [UInt8](repeating: 0xFF, count: 4096), []] {
                #expect(try await Self.upload(t, id, junk) == 400, "\(t.lastBody.prefix(400))")
                #expect(t.lastBody.contains("id=\"problems\"") && Self.batch(t.lastBody) == nil)
            }
            // A book id that is not a grade book the teacher owns: refused, never a 500.
            #expect(try await Self.upload(t, "gradebook/../../etc", Array("x".utf8)) == 404)
        }
        #expect(try Archive.open(at: fx.archivePath).history(record: id).count == before)
    }
}
