import ArgumentParser
import Foundation
import HosoKit

/// `hoso import`: the spreadsheets schools already have, read as they come (no mapping file).
struct ImportCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "import",
            abstract: t(
                "Nhập tệp Excel trường đã có: danh sách học sinh của CSDL ngành, bảng điểm vnEdu.",
                "Import the Excel files schools already have: the sector database's student list, vnEdu grade sheets."),
            subcommands: [ImportStudents.self, ImportGrades.self])
    }
}

struct ImportStudents: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "students",
            abstract: t(
                "Nhập học sinh từ tệp xuất của CSDL ngành (C1-HocSinh, .xlsx) thành hồ sơ người học.",
                "Import students from the sector database's export (C1-HocSinh, .xlsx) as person records."),
            discussion: t(
                """
                Đọc mọi trang tính (mỗi lớp hoặc khối một trang); cột được tìm theo tiêu đề (Họ và tên, Ngày sinh, Giới tính,
                Dân tộc, Nơi sinh, Mã học sinh, Số định danh cá nhân, Mã số học tập suốt đời), dù tiêu đề viết hoa, xuống dòng,
                dựng sẵn hay tổ hợp (NFC/NFD), nên các phiên bản mẫu có cột đổi chỗ đều đọc được. Ngày là số ngày của Excel hoặc
                dd/mm/yyyy. Học sinh đã có được nhận ra theo mã học sinh, rồi số định danh cá nhân, rồi (khi không có mã nào)
                họ tên và ngày sinh: nhập lại không tạo bản trùng. Có lỗi thì không ghi gì (mã thoát 3), mọi lỗi được liệt kê
                kèm trang tính:dòng:cột.
                """,
                """
                Reads every sheet (one per class or grade); columns are found by title (Họ và tên, Ngày sinh, Giới tính,
                Dân tộc, Nơi sinh, Mã học sinh, Số định danh cá nhân, Mã số học tập suốt đời) whatever their case, line
                breaks or Unicode form (NFC/NFD), so template versions with moved columns read the same. Dates are Excel
                serial numbers or dd/mm/yyyy. A student already held is recognised by MOET code, then personal ID number,
                then (with neither) name and date of birth: importing again adds no duplicate. On any problem nothing is
                written (exit 3), and every problem is listed with sheet:row:column.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Tệp xuất của CSDL ngành (.xlsx).", "The sector database's export (.xlsx)."), valueName: "FILE.xlsx"))
    var file: String

    func run() throws {
        let archive = try global.openArchive()
        let r = try archive.importStudents(xlsx: file, author: write.who.resolved, dryRun: write.dryRun)
        if output.json {
            printJSON(r)
        } else {
            for s in r.sheets {
                print(t("Trang tính \(s.name): \(s.students) học sinh", "Sheet \(s.name): \(s.students) students"))
            }
            for e in r.errors {
                print(
                    "  \(t("LỖI", "ERROR")) [\(e.code)] \(e.location ?? ""): \(cliLang == .en ? e.messageEn : e.message)\(e.value.map { " («\($0)»)" } ?? "")"
                )
            }
            for w in r.warnings {
                print("  \(t("Cảnh báo", "Warning")) \(w.location ?? ""): \(cliLang == .en ? w.messageEn : w.message)")
            }
            if !r.errors.isEmpty {
                print(t("\(r.errors.count) lỗi; không ghi gì vào kho.", "\(r.errors.count) errors; nothing was written."))
            } else {
                let counts = t(
                    "\(r.students) học sinh: \(r.created) mới, \(r.updated) cập nhật, \(r.unchanged) không đổi",
                    "\(r.students) students: \(r.created) new, \(r.updated) updated, \(r.unchanged) unchanged")
                print(counts + (r.dryRun ? t(" (chạy thử: chưa ghi).", " (dry run: nothing written).") : "."))
            }
        }
        if !r.errors.isEmpty { throw ExitCode(HosoExit.badInput) }
    }
}

struct ImportGrades: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "grades",
            abstract: t(
                "Nhập bảng điểm vnEdu (.xlsx, một lớp × môn × học kì) thành sổ điểm.",
                "Import a vnEdu grade sheet (.xlsx, one class × subject × term) as a grade book."),
            discussion: t(
                """
                Cột TX1…TX5 (hoặc ĐĐGtx 1…5 dưới một ô gộp), GK, CK, ĐTBmhk; họ tên một ô hoặc hai ô (Họ đệm | Tên). Học sinh được
                ghép theo mã học sinh, hoặc họ tên và ngày sinh với hồ sơ người học đã có (nhập trước bằng `hoso import students`).
                Điểm trung bình được tính theo Thông tư 22 và so với cột ĐTBmhk: dòng lệch được báo (lưu điểm tính được).
                Thông tin lớp như `hoso gradebook import` (--header, --school, --class, --year, --subject, --term…). Mọi lỗi
                được liệt kê kèm trang tính:dòng:cột; có lỗi thì không ghi gì (mã thoát 3).
                """,
                """
                Columns TX1…TX5 (or ĐĐGtx 1…5 under a merged cell), GK, CK, ĐTBmhk; the name in one cell or two (Họ đệm |
                Tên). Students are matched by MOET code, or by name and date of birth against the person records held
                (imported first with `hoso import students`). The term average is computed by TT22 and compared with the
                ĐTBmhk column: rows that differ are reported (the computed one is stored). The class as for `hoso gradebook
                import` (--header, --school, --class, --year, --subject, --term…). Every problem is listed with
                sheet:row:column; on any problem nothing is written (exit 3).
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var inClass: ClassOptions
    @OptionGroup var book: GradeBookOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Tên trang tính (mặc định: trang đầu có bảng điểm).", "The sheet (default: the first with a grade table)."), valueName: "NAME"
        ))
    var sheet: String?
    @Argument(help: ArgumentHelp(t("Bảng điểm vnEdu (.xlsx).", "The vnEdu grade sheet (.xlsx)."), valueName: "FILE.xlsx"))
    var file: String

    func run() throws {
        let archive = try global.openArchive()
        let r = try archive.importGradeSheet(
            xlsx: file, sheet: sheet, header: try inClass.loadHeader(), settings: book.settings(inClass), author: write.who.resolved,
            reason: write.reason, dryRun: write.dryRun)
        for w in r.result.warnings + r.mismatches {
            printErr("hoso: \(t("cảnh báo", "warning")) [\(w.code)] \(w.location ?? ""): \(w.message.text(cliLang))")
        }
        if output.json {
            struct Out: Encodable {
                var save: SaveJSON
                var sheet: String
                var students: Int
                var averageMismatches: [String]
            }
            printJSON(
                Out(
                    save: SaveJSON(r.result.save), sheet: r.sheet, students: r.result.book.students.count,
                    averageMismatches: r.mismatches.compactMap(\.location)))
            return
        }
        let info = r.result.book.info
        print(
            t(
                "\(info.subject) \(info.term), lớp \(info.className) (trang tính \(r.sheet)): \(r.result.book.students.count) học sinh, \(r.mismatches.count) dòng lệch điểm trung bình.",
                "\(info.subject) \(info.term), class \(info.className) (sheet \(r.sheet)): \(r.result.book.students.count) students, \(r.mismatches.count) rows with a differing average."
            ))
        print(describe(r.result.save, what: ("sổ điểm", "grade book")))
        if write.dryRun { print(t("Chạy thử: không ghi gì.", "Dry run: nothing written.")) }
    }
}
