import ArgumentParser
import Foundation
import HosoKit

struct GradeBookSummary: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "summary",
            abstract: t(
                "Tổng hợp kết quả học kì của lớp từ các sổ điểm (để giáo viên chủ nhiệm ký).",
                "Build a class's term summary from its grade books (for the homeroom teacher to sign)."),
            discussion: t(
                """
                Mỗi học sinh: điểm trung bình môn học kì hoặc Đạt/Chưa đạt từng môn, kết quả học tập học kì (TT 22 Điều 9) và
                kết quả rèn luyện do giáo viên chủ nhiệm nhập (--conduct tệp CSV: ma_dinh_danh,ren_luyen). Sau đó giáo viên chủ
                nhiệm ký: hoso sign MÃ --role homeroom-teacher --key …
                """,
                """
                Per student: the term's subject averages or Đạt/Chưa đạt, the term's learning result (TT 22 Art. 9) and the
                conduct result the homeroom teacher gives (--conduct CSV file: ma_dinh_danh,ren_luyen). Then the homeroom
                teacher signs it: hoso sign ID --role homeroom-teacher --key …
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: ArgumentHelp(t("Trường.", "The school."), valueName: "S"))
    var school: String
    @Option(name: .customLong("class"), help: ArgumentHelp(t("Lớp.", "The class."), valueName: "C"))
    var className: String
    @Option(name: .long, help: ArgumentHelp(t("Năm học.", "The school year."), valueName: "YYYY-YYYY"))
    var year: String
    @Option(name: .long, help: ArgumentHelp(t("Học kì.", "The term."), valueName: "HK1|HK2"))
    var term: Term
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Kết quả rèn luyện (CSV: ma_dinh_danh,ren_luyen).", "Conduct results (CSV: ma_dinh_danh,ren_luyen)."), valueName: "FILE.csv"))
    var conduct: String?

    func run() throws {
        var results = [String: LearningResult]()
        if let conduct {
            for (n, line) in String(decoding: try readInputFile(conduct), as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard cells.count >= 2, cells[0] != "ma_dinh_danh" else { continue }
                results[cells[0]] = try LearningResult.parse(cells[1], location: "\(conduct):\(n + 1)")
            }
        }
        let save = try global.openArchive().buildClassSummary(
            school: school, className: className, schoolYear: year, term: term, conduct: results, author: write.who.resolved,
            reason: write.reason, dryRun: write.dryRun)
        if output.json { return printJSON(save) }
        print(describe(save, what: ("bảng tổng hợp", "class summary")))
    }
}
