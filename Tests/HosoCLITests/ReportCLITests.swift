import Foundation
import HosoKit
import HosoTestSupport
import Testing

/// `hoso report`: the seeded district's indicators as a user reads them (table, JSON, CSV), the inventory set from the
/// command line, and the exit codes of the README's table.
@Suite struct ReportCLITests {
    @Test func theSeededDistrictAsTableJSONAndCSV() throws {
        try withSandbox { box in
            let f = try OfficeArchiveFixture(in: box.root, now: ReportDistrict.now)
            try ReportDistrict.seed(f.archive, pki: box.root + "/pki")
            let env = ["HOSO_NOW": HosoClock.format(ReportDistrict.now)]
            let archive = ["--archive", box.root + "/a"]

            let json = try box.hoso(["report", "--year", "2024", "--json"] + archive, env: env)
            try #require(json.status == 0, "\(json)")
            let r = try JSONDecoder().decode(PlanReport.self, from: json.stdout)
            let tl = try #require(r.schools.first { $0.school == ReportDistrict.schoolA })
            #expect(tl.ledgers.percent == 40.0 && tl.ledgers.meetsTarget == true && tl.gradeBooksSigned == 1 && tl.teachersSigned == 2)
            #expect(r.district.ledgers.percent == 33.3 && r.district.teachersSigned == 3 && r.district.teachers == 4)
            #expect(r.requests.onTime == 2 && r.requests.late == 1 && r.requests.open == 1 && r.requests.overdue == 1)

            // Vietnamese first, with a decimal comma; "not declared" where nobody counted the paper.
            let table = try box.hoso(["report", "--year", "2024"] + archive, env: env)
            #expect(table.status == 0)
            #expect(table.out.hasPrefix("Chỉ số kế hoạch chuyển đổi số — năm học 2024-2025, chỉ tiêu số hóa 30,0%"))
            #expect(table.out.contains("2/5 (40,0%)") && table.out.contains("1 (chưa khai báo)"))
            #expect(table.out.contains("Yêu cầu: 5; đúng hạn 2, trễ hạn 1, đang xử lý 1, quá hạn 1 (đúng hạn 50,0%)"))
            let english = try box.hoso(["report", "--year", "2024", "--lang", "en"] + archive, env: env)
            #expect(english.out.contains("2/5 (40.0%)") && english.out.contains("not declared"))

            let csv = try box.hoso(["report", "--year", "2024", "--csv", "--school", "Trường THCS Hòa Bình"] + archive, env: env)
            #expect(csv.status == 0 && Array(csv.stdout.prefix(3)) == [0xEF, 0xBB, 0xBF])
            #expect(csv.out.contains("\r\nTrường THCS Hòa Bình,2024-2025,có / yes,1,4,25.0,") && !csv.out.contains("Trường THCS Tân Lập,"))

            // A school the archive does not know: not found (4); both formats at once: a usage error (2).
            let unknown = try box.hoso(["report", "--school", "Trường Không Có"] + archive, env: env)
            #expect(unknown.status == 4 && unknown.err.contains("REPORT_SCHOOL_UNKNOWN"))
            #expect(try box.hoso(["report", "--json", "--csv"] + archive, env: env).status == 2)
            #expect(try box.hoso(["report", "--year", "12"] + archive, env: env).status == 2)
        }
    }

    @Test func theInventoryIsDeclaredFromTheCommandLine() throws {
        try withSandbox { box in
            try box.initArchive()
            let before = try box.hoso("report", "--year", "2024")
            #expect(before.status == 0 && before.out.contains("Chưa khai báo sổ giấy"))
            let set = try box.hoso(
                "report", "inventory", "set", "--school", "Trường THCS Tân Lập", "--ledgers", "8", "--pages", "40", "--target", "25",
                "--author", "cán bộ VB")
            #expect(set.status == 0, "\(set)")
            let inv = try JSONDecoder().decode(PaperInventory.self, from: try box.hoso("report", "inventory", "show").stdout)
            #expect(inv.targetPercent == 25 && inv.schools == [.init(school: "Trường THCS Tân Lập", ledgers: 8, pages: 40)])
            let after = try box.hoso("report", "--year", "2024")
            #expect(
                after.out.contains("chỉ tiêu số hóa 25,0%") && after.out.contains("0/8 (0,0%)")
                    && !after.out.contains("Chưa khai báo sổ giấy"))
            // Refused by the schema, the archive unchanged: bad input (3).
            let bad = try box.hoso("report", "inventory", "set", "--school", "X", "--ledgers=-3", "--author", "x")
            #expect(bad.status == 3)
            #expect(try box.hoso("report", "inventory", "set", "--ledgers", "3").status == 2)
            #expect(try box.hoso("report", "show", "--help").out.contains("chưa khai báo"))
        }
    }
}
