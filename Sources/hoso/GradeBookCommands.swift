import ArgumentParser
import Foundation
import HosoKit

/// Warnings go to stderr, in the same shape as errors, so scripts reading stdout are not disturbed.
private func printWarnings(_ warnings: [HosoError]) {
    for w in warnings { printErr("hoso: \(t("cảnh báo", "warning")) [\(w.code)]: \(w.text(cliLang))") }
}

struct SaveJSON: Encodable {
    var recordType: String
    var recordId: String
    var change: String
    var revision: String?
    var parent: String?
    var dryRun: Bool

    init(_ s: RecordSaveResult) {
        recordType = s.recordType
        recordId = s.recordId
        change = s.change.rawValue
        revision = s.revision
        parent = s.parent
        dryRun = s.dryRun
    }
}

private struct WarningJSON: Encodable {
    var code: String
    var message: String
    var location: String?
    var cause: String?

    init(_ e: HosoError) {
        code = e.code.rawValue
        message = e.message.text(cliLang)
        location = e.location
        cause = e.cause
    }
}

/// "Created …" / "Would create …" and the like, for one saved record.
func describe(_ s: RecordSaveResult, what: (vi: String, en: String)) -> String {
    switch (s.change, s.dryRun) {
    case (.created, false):
        return t(
            "Đã tạo \(what.vi) \(s.recordId): bản \(s.revision ?? "")", "Created \(what.en) \(s.recordId): revision \(s.revision ?? "")")
    case (.created, true):
        return t("Sẽ tạo \(what.vi) \(s.recordId)", "Would create \(what.en) \(s.recordId)")
    case (.revised, false):
        return t(
            "Đã sửa \(what.vi) \(s.recordId): bản mới \(s.revision ?? "") (sau bản \(s.parent ?? ""))",
            "Revised \(what.en) \(s.recordId): new revision \(s.revision ?? "") (after \(s.parent ?? ""))")
    case (.revised, true):
        return t(
            "Sẽ sửa \(what.vi) \(s.recordId) (sau bản \(s.parent ?? ""))", "Would revise \(what.en) \(s.recordId) (after \(s.parent ?? ""))"
        )
    case (.unchanged, _):
        return t(
            "\(what.vi.prefix(1).uppercased() + what.vi.dropFirst()) \(s.recordId) không đổi (giống bản hiện tại \(s.revision ?? "")); không ghi gì",
            "\(what.en.prefix(1).uppercased() + what.en.dropFirst()) \(s.recordId) is unchanged (same as the current revision \(s.revision ?? "")); nothing written"
        )
    }
}

struct GradeBookCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "gradebook",
            abstract: t(
                "Sổ điểm (một lớp × môn × học kì): nhập từ CSV, xuất ra CSV.",
                "Grade books (one class × subject × term): import from CSV, export to CSV."),
            subcommands: [GradeBookImport.self, GradeBookExport.self, GradeBookSign.self, GradeBookSummary.self])
    }
}

struct GradeBookImport: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "import",
            abstract: t("Nhập sổ điểm một môn, một học kì từ tệp CSV.", "Import one subject's grade book for one term from a CSV file."),
            discussion: t(
                """
                Cột: ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet (xem Schemas/FORMATS.md).
                Thông tin lớp lấy từ --header header.json; các tùy chọn --school, --class, --year, --level, --periods,
                --grade, --assessment, --teacher ghi đè header.json.
                Mọi lỗi được kiểm tra trước và liệt kê cùng lúc (tệp:dòng:cột); có lỗi thì kho không đổi (mã thoát 3).
                Nếu sổ điểm đã có và nội dung khác, cần --reason; nếu giống hệt, không ghi gì.
                """,
                """
                Columns: ma_dinh_danh,ho_va_ten,ngay_sinh,tx1,tx2,tx3,tx4,gk,ck,nhan_xet (see Schemas/FORMATS.md).
                The class comes from --header header.json; --school, --class, --year, --level, --grade, --periods,
                --assessment and --teacher override it.
                Everything is checked first and every problem is listed (file:row:column); on any problem the archive
                is unchanged (exit code 3). If the grade book exists and differs, --reason is required; if it is the
                same, nothing is written.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var inClass: ClassOptions
    @OptionGroup var book: GradeBookOptions
    @Flag(
        name: .long,
        help: ArgumentHelp(
            t(
                "Học kì đã khóa sổ: gửi đề nghị sửa (cần --reason) để hiệu trưởng duyệt, thay vì ghi.",
                "The term is locked: file a correction request (needs --reason) for the principal to approve, instead of writing."
            )))
    var requestCorrection = false
    @Argument(help: ArgumentHelp(t("Tệp CSV của sổ điểm (UTF-8).", "The grade book's CSV file (UTF-8)."), valueName: "FILE.csv"))
    var file: String

    func run() throws {
        let classHeader = try inClass.loadHeader()
        let csv = try readInputFile(file)
        let archive = try global.openArchive()
        if requestCorrection {
            let r = try archive.requestGradeBookCorrection(
                csv: csv, source: file, header: classHeader, settings: book.settings(inClass), author: write.who.resolved,
                reason: write.reason ?? "")
            if output.json { return printJSON(["request": r.recordId, "status": r.status.rawValue, "book": r.book]) }
            return print(
                t(
                    "Đã gửi đề nghị sửa \(r.recordId); chờ hiệu trưởng duyệt.",
                    "Filed correction request \(r.recordId); awaiting the principal."))
        }
        let result: GradeBookImportResult
        do {
            result = try archive.importGradeBook(
                csv: csv, source: file, header: classHeader, settings: book.settings(inClass),
                author: write.who.resolved, reason: write.reason, dryRun: write.dryRun)
        } catch let e as HosoError where e.code == .termLocked {
            FileHandle.standardError.write(
                Data(
                    t(
                        "Gợi ý: gửi đề nghị sửa bằng cùng lệnh thêm --request-correction --reason \"…\"\n",
                        "Hint: file a correction request with the same command plus --request-correction --reason \"…\"\n"
                    ).utf8))
            throw e
        }
        printWarnings(result.warnings)
        if output.json {
            struct Out: Encodable {
                var save: SaveJSON
                var students: Int
                var warnings: [WarningJSON]
            }
            printJSON(
                Out(save: SaveJSON(result.save), students: result.book.students.count, warnings: result.warnings.map(WarningJSON.init)))
            return
        }
        let info = result.book.info
        print(
            t(
                "\(info.subject) \(info.term), lớp \(info.className), \(info.schoolYear): \(result.book.students.count) học sinh, không có lỗi.",
                "\(info.subject) \(info.term), class \(info.className), \(info.schoolYear): \(result.book.students.count) students, no problems."
            ))
        print(describe(result.save, what: ("sổ điểm", "grade book")))
        if write.dryRun { print(t("Chạy thử: không ghi gì.", "Dry run: nothing written.")) }
    }
}

// What people type is read as the importer always has (hk1, HKI, "Học kì I"; thcs; điểm, nhận xét), and the help
// lists the canonical spellings.
extension Term: ExpressibleByArgument {
    public init?(argument: String) {
        guard let term = Term.parse(argument) else { return nil }
        self = term
    }
}

extension SecondaryLevel: ExpressibleByArgument {
    public init?(argument: String) {
        guard let level = SecondaryLevel.parse(argument) else { return nil }
        self = level
    }
}

extension Assessment: ExpressibleByArgument {
    public init?(argument: String) {
        guard let assessment = Assessment.parse(argument) else { return nil }
        self = assessment
    }
}

/// The grade book's subject and term, and how the subject is taught and assessed (else from header.json).
struct GradeBookOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(t("Môn học (như trong header.json).", "The subject (as in header.json)."), valueName: "S"))
    var subject: String?
    @Option(name: .long, help: ArgumentHelp(t("Học kì: HK1 hoặc HK2.", "The term: HK1 or HK2."), valueName: "HK1|HK2"))
    var term: Term?
    @Option(name: .long, help: ArgumentHelp(t("Cấp học: THCS hoặc THPT.", "The level: THCS or THPT."), valueName: "THCS|THPT"))
    var level: SecondaryLevel?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Khối lớp 6–12 (mặc định: số đầu tên lớp, 9A → 9).",
                "The grade 6–12 (default: the number the class name starts with, 9A → 9)."), valueName: "N"))
    var grade: Int?
    @Option(name: .long, help: ArgumentHelp(t("Số tiết/năm học của môn.", "The subject's periods per year."), valueName: "N"))
    var periods: Int?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Đánh giá bằng điểm (scored) hay nhận xét (comments).",
                "Assessed with marks (scored) or by comments (comments)."), valueName: "scored|comments"))
    var assessment: Assessment?
    @Option(name: .long, help: ArgumentHelp(t("Giáo viên bộ môn.", "The subject teacher."), valueName: "NAME"))
    var teacher: String?

    func settings(_ inClass: ClassOptions) -> GradeBookSettings {
        GradeBookSettings(
            school: inClass.school, className: inClass.className, schoolYear: inClass.year, subject: subject,
            term: term?.rawValue, level: level?.rawValue, grade: grade, periodsPerYear: periods,
            assessment: assessment?.rawValue, teacher: teacher)
    }
}

struct GradeBookExport: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "export",
            abstract: t(
                "Xuất sổ điểm ra CSV (cùng mẫu cột, thêm cột tbm là điểm trung bình môn học kì).",
                "Export a grade book as CSV (the same layout, plus tbm: the term average)."))
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(t("Mã hồ sơ sổ điểm.", "The grade book's record id."), valueName: "RECORD-ID"))
    var recordId: String
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Ghi vào tệp này (mặc định: đầu ra chuẩn).", "Write to this file (default: standard output)."),
            valueName: "FILE.csv"))
    var out: String?

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        let bytes = try archive.exportGradeBook(record: recordId)
        if let out {
            try writeOutput(out, bytes)
            print(t("Đã xuất \(recordId) ra \(out)", "Exported \(recordId) to \(out)"))
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }
}

struct TranscriptCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "transcript",
            abstract: t(
                "Học bạ (một học sinh × năm học): lập từ các sổ điểm.",
                "Transcripts (one student × school year): built from the grade books."),
            subcommands: [TranscriptBuild.self])
    }
}

struct TranscriptBuild: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "build",
            abstract: t(
                "Lập học bạ của một lớp (hoặc một học sinh) cho một năm học từ sổ điểm cả hai học kì.",
                "Build a class's (or one student's) transcripts for a school year from both terms' grade books."),
            discussion: t(
                """
                Mỗi môn: điểm trung bình HK1, HK2 và cả năm (ĐTBmcn = (HK1 + 2·HK2)/3), hoặc kết quả nhận xét;
                kết quả học tập từng học kì và cả năm theo Thông tư 22/2021 (quy tắc được ghi vào học bạ).
                Thiếu sổ điểm hoặc học sinh vắng trong một sổ điểm: mọi lỗi được liệt kê, không ghi gì (mã thoát 3).
                Với --header header.json, mọi môn trong đó đều phải có sổ điểm; --school/--class/--year lấy từ đó nếu không ghi.
                --school là tên trường như đã ghi khi nhập sổ điểm.
                """,
                """
                Per subject: the term 1, term 2 and year averages (ĐTBmcn = (HK1 + 2·HK2)/3), or the comment results;
                the learning result per term and for the year under Thông tư 22/2021 (the rules are recorded).
                A missing grade book or a student absent from one: every problem is listed and nothing is written (exit 3).
                With --header header.json every subject it lists must have grade books; --school/--class/--year default to it.
                --school is the school's name as given when its grade books were imported.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var inClass: ClassOptions
    @Option(
        name: .long,
        help: ArgumentHelp(t("Chỉ học sinh có mã định danh này.", "Only the student with this identifier."), valueName: "MOETID"))
    var student: String?

    func run() throws {
        let classHeader = try inClass.loadHeader()
        let named = try inClass.named(classHeader)
        let archive = try global.openArchive()
        let result = try archive.buildTranscripts(
            school: named.school, className: named.className, schoolYear: named.year, student: student,
            header: classHeader, author: write.who.resolved, reason: write.reason, dryRun: write.dryRun)
        printWarnings(result.warnings)
        if output.json {
            struct Item: Encodable {
                var save: SaveJSON
                var moetId: String
                var fullName: String
                var learningResult: [String: String]
            }
            printJSON([
                "transcripts": zip(result.transcripts, result.saves).map { tr, s in
                    Item(
                        save: SaveJSON(s), moetId: tr.moetId, fullName: tr.fullName,
                        learningResult: [
                            "term1": tr.term1.level.rawValue, "term2": tr.term2.level.rawValue, "year": tr.year.level.rawValue,
                        ])
                }
            ])
            return
        }
        printSummary(result)
    }

    func printSummary(_ result: TranscriptBuildResult) {
        for (tr, s) in zip(result.transcripts, result.saves) {
            print(describe(s, what: ("học bạ", "transcript")))
            print(
                "  \(tr.fullName) (\(tr.moetId)): \(t("kết quả học tập", "learning result")) HK1 \(tr.term1.level), HK2 \(tr.term2.level), \(t("cả năm", "year")) \(tr.year.level)"
            )
        }
        let counts = Dictionary(grouping: result.saves, by: \.change).mapValues(\.count)
        let (vi, en) = write.dryRun ? ("sẽ ", "would be ") : ("đã ", "")
        print(
            t(
                "\(result.saves.count) học bạ: \(vi)tạo \(counts[.created] ?? 0), \(vi)sửa \(counts[.revised] ?? 0), không đổi \(counts[.unchanged] ?? 0).",
                "\(result.saves.count) transcripts: \(counts[.created] ?? 0) \(en)created, \(counts[.revised] ?? 0) \(en)revised, \(counts[.unchanged] ?? 0) unchanged."
            ))
        if write.dryRun { print(t("Chạy thử: không ghi gì.", "Dry run: nothing written.")) }
    }
}
