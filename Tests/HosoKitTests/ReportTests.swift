import Foundation
import HosoCore
import HosoKit
import HosoRecords
import HosoTestSupport
import Testing

/// The plan's indicators from a seeded district (`ReportDistrict`): exact numbers per school and for the district, no
/// denominator without a declared inventory, and odd data that never crashes the report.
@Suite struct ReportTests {
    let dir = TempDirectory()

    func district(inventory: Bool = true) throws -> Archive {
        let f = try OfficeArchiveFixture(in: dir.path, now: ReportDistrict.now)
        try ReportDistrict.seed(f.archive, pki: dir.path + "/pki", inventory: inventory)
        return f.archive
    }

    func row(_ r: PlanReport, _ school: String) throws -> PlanReport.Indicators {
        try #require(r.schools.first { $0.school == school })
    }

    @Test func theSeededDistrictGivesItsExactIndicators() throws {
        let a = try district()
        let r = try a.planReport(year: 2024)
        #expect(r.schoolYear == "2024-2025" && r.targetPercent == 30 && r.inventoryDeclared)
        #expect(r.schools.count == 4)

        let tl = try row(r, ReportDistrict.schoolA)
        #expect(tl.declared)
        #expect(tl.ledgers == .init(digitized: 2, paper: 5, target: 30) && tl.ledgers.percent == 40.0 && tl.ledgers.meetsTarget == true)
        #expect(tl.pages.digitized == 3 && tl.pages.paper == 12 && tl.pages.percent == 25.0 && tl.pages.meetsTarget == false)
        #expect(tl.entries.digitized == 5 && tl.entries.paper == 50 && tl.entries.percent == 10.0)
        #expect(tl.ledgersWithConversionRecord == 2)
        #expect(tl.gradeBooks == 2 && tl.gradeBooksSigned == 1 && tl.hocBa == 1 && tl.hocBaSigned == 1)
        #expect(tl.schoolsWithGradeBooks == 1 && tl.schoolsWithHocBa == 1)
        #expect(tl.teachers == 2 && tl.teachersSigned == 2)

        let hb = try row(r, ReportDistrict.schoolB)
        #expect(hb.ledgers.digitized == 1 && hb.ledgers.paper == 4 && hb.ledgers.percent == 25.0 && hb.ledgers.meetsTarget == false)
        #expect(hb.pages.paper == nil && hb.pages.percent == nil && hb.entries.digitized == 1 && hb.entries.paper == nil)
        #expect(hb.gradeBooks == 1 && hb.gradeBooksSigned == 1 && hb.hocBa == 0 && hb.schoolsWithHocBa == 0)
        #expect(hb.teachers == 1 && hb.teachersSigned == 1)

        // Declared with nothing to digitize: no share, no verdict, no division by zero.
        let dt = try row(r, ReportDistrict.schoolC)
        #expect(
            dt.declared && dt.ledgers.digitized == 0 && dt.ledgers.paper == 0 && dt.ledgers.percent == nil && dt.ledgers.meetsTarget == nil)
        #expect(dt.gradeBooks == 0 && dt.teachers == 0 && dt.teachersSignedPercent == nil)

        // Records of a school nobody declared: counted, never given a denominator.
        let old = try row(r, ReportDistrict.oldSchool)
        #expect(!old.declared && old.ledgers.digitized == 1 && old.ledgers.paper == nil && old.ledgers.percent == nil)
        #expect(old.entries.digitized == 2 && old.ledgersWithConversionRecord == 1)

        // The district: shares over the declared schools only; everything else summed.
        let d = r.district
        #expect(!d.declared)
        #expect(d.ledgers.digitized == 3 && d.ledgers.paper == 9 && d.ledgers.percent == 33.3 && d.ledgers.meetsTarget == true)
        #expect(d.pages.digitized == 3 && d.pages.paper == 12 && d.pages.percent == 25.0)
        #expect(d.entries.digitized == 5 && d.entries.paper == 50 && d.entries.percent == 10.0)
        #expect(d.ledgersWithConversionRecord == 4)
        #expect(d.gradeBooks == 3 && d.gradeBooksSigned == 2 && d.hocBa == 1 && d.hocBaSigned == 1)
        #expect(d.schoolsWithGradeBooks == 2 && d.schoolsWithHocBa == 1)
        #expect(d.teachers == 4 && d.teachersSigned == 3 && d.teachersSignedPercent == 75.0)

        let q = r.requests
        #expect(q.total == 5 && q.onTime == 2 && q.late == 1 && q.open == 1 && q.overdue == 1 && q.onTimePercent == 50.0)

        // The current school year is the default (the clock is in March 2025); another year has its own books.
        #expect(try a.planReport().schoolYear == "2024-2025")
        let before = try a.planReport(year: 2023)
        #expect(try row(before, ReportDistrict.schoolA).gradeBooks == 1 && before.district.gradeBooksSigned == 0)
        #expect(before.requests.total == 1 && before.requests.onTime == 0 && before.requests.late == 1)
        #expect(before.district.ledgers.digitized == 3, "digitization counts every ledger so far, whatever the year")
    }

    @Test func oneSchoolIsFoundHoweverItsNameIsTypedAndAnUnknownOneIsAnError() throws {
        let a = try district()
        let r = try a.planReport(year: 2024, school: "truong thcs  TAN LAP")
        #expect(r.schools.map(\.school) == [ReportDistrict.schoolA] && r.district.ledgers.paper == 9)
        #expect(throws: HosoError(.reportSchoolUnknown, .both("", ""))) { _ = try a.planReport(year: 2024, school: "Trường THCS Không Có") }
    }

    @Test func withoutAnInventoryNothingIsDividedAndTheCSVSaysNotDeclared() throws {
        let a = try district(inventory: false)
        var r = try a.planReport(year: 2024)
        #expect(!r.inventoryDeclared && !r.district.declared)
        #expect((r.schools + [r.district]).allSatisfy { $0.ledgers.paper == nil && $0.ledgers.percent == nil && $0.pages.percent == nil })
        #expect(r.requests.total == 5, "the other indicators do not need an inventory")
        // Without any declaration the district's counts stand alone, over every school: never a "0" beside schools
        // that hold ledgers.
        #expect(r.district.ledgers.digitized == r.schools.map(\.ledgers.digitized).reduce(0, +) && r.district.ledgers.digitized > 0)
        #expect(r.district.entries.digitized == r.schools.map(\.entries.digitized).reduce(0, +) && r.district.entries.digitized > 0)
        #expect(try row(r, ReportDistrict.schoolA).ledgers.digitized == 2)
        let csv = String(decoding: r.csv(), as: UTF8.self)
        #expect(csv.contains("Trường THCS Tân Lập,2024-2025,chưa khai báo / not declared,2,,,"))

        // Declaring one school (and a target) is a new revision the next report reads at once.
        var inv = PaperInventory(targetPercent: 50)
        inv.set(.init(school: "Trường THCS Tân Lập", ledgers: 4))
        try a.setPaperInventory(inv, author: "registrar", reason: "kiểm kê")
        r = try a.planReport(year: 2024)
        let tl = try row(r, ReportDistrict.schoolA)
        #expect(r.targetPercent == 50 && tl.ledgers.percent == 50.0 && tl.ledgers.meetsTarget == true && tl.pages.paper == nil)
        #expect(try a.paperInventory() == inv)
    }

    @Test func theCSVOpensInExcelAndCarriesTheNumbers() throws {
        let a = try district()
        let bytes = try a.planReport(year: 2024).csv()
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0].hasPrefix("Trường / School,Năm học / School year,"))
        #expect(lines.contains("Trường THCS Tân Lập,2024-2025,có / yes,2,5,40.0,3,12,25.0,5,50,10.0,30.0,có / yes,2,2,1,1,1,1,1,2,2,100.0"))
        #expect(
            lines.contains(
                "Toàn huyện / District,2024-2025,chưa khai báo / not declared,3,9,33.3,3,12,25.0,5,50,10.0,30.0,có / yes,4,3,2,1,1,2,1,4,3,75.0"
            ))
        #expect(text.contains("đúng hạn / on time 2") && text.contains("% đúng hạn / % on time 50.0"))
    }

    @Test func aCorrectedLedgerIsCountedAsItNowStands() throws {
        let a = try district()
        #expect(try row(try a.planReport(year: 2024), ReportDistrict.schoolA).entries.digitized == 5)
        // The 2020 ledger moves to Hòa Bình, as a correction: the next report reads the new revision, not the old one.
        let (_, rev) = try a.current(record: "PGD-TL/THCS/2020/TL")
        guard case .object(let m) = rev.body else { throw FixtureError("not an object") }
        let moved = JSONValue.object(m.map { $0.key == "school" ? JSONMember("school", .string(ReportDistrict.schoolB)) : $0 })
        try a.revise(record: "PGD-TL/THCS/2020/TL", body: moved, author: "registrar", reason: "ghi nhầm trường")
        let r = try a.planReport(year: 2024)
        #expect(try row(r, ReportDistrict.schoolA).ledgers.digitized == 1 && row(r, ReportDistrict.schoolA).entries.digitized == 3)
        #expect(try row(r, ReportDistrict.schoolB).ledgers.digitized == 2 && row(r, ReportDistrict.schoolB).ledgers.percent == 50.0)
    }

    @Test func oddDataNeverCrashesTheReport() throws {
        // An empty archive, a year with nothing, a formula for a school name, a zero denominator beside records.
        let empty = try Archive.create(at: dir.path + "/empty", clock: .fixed(ReportDistrict.now))
        let r = try empty.planReport(year: 1990)
        #expect(r.schools.isEmpty && r.district.ledgers.percent == nil && r.requests.onTimePercent == nil && r.district.teachers == 0)
        #expect(String(decoding: r.csv(), as: UTF8.self).contains("Toàn huyện / District,1990-1991,chưa khai báo / not declared,0"))

        let a = try district()
        var inv = try #require(try a.paperInventory())
        inv.set(.init(school: "=HYPERLINK(\"http://x\")", ledgers: 1))
        inv.set(.init(school: ReportDistrict.schoolB, ledgers: 0, pages: 0, entries: 0))
        try a.setPaperInventory(inv, author: "registrar", reason: "sửa")
        let s = try a.planReport(year: 2024)
        let hb = try row(s, ReportDistrict.schoolB)
        #expect(hb.ledgers.digitized == 1 && hb.ledgers.paper == 0 && hb.ledgers.percent == nil && hb.entries.percent == nil)
        let csv = String(decoding: s.csv(), as: UTF8.self)
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\"") && !csv.contains("\r\n=HYPERLINK"))

        // A bad inventory is refused by its schema, every problem at once; nothing changes.
        let bad = PaperInventory(targetPercent: 130, schools: [.init(school: " ", ledgers: -1)])
        #expect(throws: HosoProblems.self) { try a.setPaperInventory(bad, author: "x", reason: "x") }
        #expect(try a.paperInventory() == inv)
    }
}
