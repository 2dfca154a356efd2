import Foundation
import HosoTestSupport
import Testing

/// `hoso import students`: thin over the library; the report, the exit code, and a second run that changes nothing.
@Suite struct ImportCLITests {
    @Test func studentsAreImportedOnceAndProblemsExitWithBadInput() throws {
        try withSandbox { box in
            try box.initArchive()
            let good = box.path("c1.xlsx")
            let bad = box.path("c1-bad.xlsx")
            try studentListXLSX(good, rows: [["1", "0123456701", "Nguyễn Văn An", "41348", "Nam"]])
            try studentListXLSX(bad, rows: [["1", "12345", "Nguyễn Văn An", "41348", "Nam"]])
            let help = try box.hoso("import", "students", "--help")
            #expect(help.status == 0 && help.out.contains("C1-HocSinh"))
            let refused = try box.hoso("import", "students", bad, "--archive", Sandbox.archive)
            #expect(refused.status == 3 && refused.out.contains("6A1:3:mã học sinh"), "\(refused)")
            let first = try box.hoso("import", "students", good, "--json", "--archive", Sandbox.archive)
            #expect(first.status == 0 && (first.out.contains("\"created\" : 1") || first.out.contains("\"created\":1")), "\(first)")
            let again = try box.hoso("import", "students", good, "--archive", Sandbox.archive)
            #expect(again.status == 0 && again.out.contains("0 mới") && again.out.contains("1 không đổi"), "\(again)")
        }
    }
}
