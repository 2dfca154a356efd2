import ArgumentParser
import Foundation
import HosoKit

struct HocBaCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "hocba",
            abstract: t(
                "Học bạ số: lập, ký theo thứ tự (giáo viên chủ nhiệm, hiệu trưởng, con dấu nhà trường), kiểm tra, xuất XML.",
                "Digital học bạ: build, sign in order (homeroom teacher, principal, school seal), verify, export XML."),
            subcommands: [HocBaBuild.self, HocBaSign.self, HocBaVerifyCommand.self, HocBaExportXML.self, HocBaGet.self, HocBaTransfer.self])
    }
}

struct HocBaBuild: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "build",
            abstract: t(
                "Lập học bạ của một lớp cho một năm học: THCS, THPT từ sổ điểm (như transcript build); tiểu học từ tệp đánh giá cuối năm (--ratings).",
                "Build a class's học bạ for a school year: secondary from its grade books (as transcript build); primary from the year-end evaluations (--ratings)."
            ),
            discussion: t(
                """
                Thông tin trường lấy từ cài đặt cơ quan (hoso office set); tên giáo viên chủ nhiệm và hiệu trưởng lấy từ
                phân công. Lớp 9 từ năm học 2025-2026: có dòng hiệu trưởng xác nhận hoàn thành chương trình THCS.
                Tiểu học (Thông tư 27/2020): --ratings DANH-GIA.csv, mỗi học sinh một dòng — Mã định danh, Họ và tên,
                Ngày sinh, mỗi môn một cột (Hoàn thành tốt / Hoàn thành / Chưa hoàn thành, hoặc T/H/C), "Điểm: <môn>"
                cho môn có bài kiểm tra định kì, "Phẩm chất: <tên>" và "Năng lực: <tên>" (Tốt / Đạt / Cần cố gắng),
                Nhận xét (Schemas/FORMATS.md). Lớp (1–5) lấy từ tên lớp ("3A" → 3) hoặc --grade. Kết quả hoàn thành
                chương trình lớp học được tính theo Điều 9. Có lỗi: liệt kê tất cả (tệp:dòng:cột), không ghi gì.
                """,
                """
                The school's details come from the office settings (hoso office set); the homeroom teacher's and the
                principal's names from the assignments. Grade 9 from 2025-2026 on: a line where the principal confirms
                completion of lower secondary.
                Primary (TT 27/2020): --ratings RATINGS.csv, one row per student — Mã định danh, Họ và tên, Ngày sinh,
                one column per subject (Hoàn thành tốt / Hoàn thành / Chưa hoàn thành, or T/H/C), "Điểm: <subject>" for
                a subject with a periodic test, "Phẩm chất: <name>" and "Năng lực: <name>" (Tốt / Đạt / Cần cố gắng),
                Nhận xét (Schemas/FORMATS.md). The grade (1–5) comes from the class name ("3A" → 3) or --grade. The
                completion result is computed by art. 9. Any problem: all are listed (file:row:column), nothing is written.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var inClass: ClassOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Tiểu học: tệp đánh giá cuối năm của lớp (CSV, Thông tư 27/2020).",
                "Primary: the class's year-end evaluations (CSV, TT 27/2020)."),
            valueName: "FILE.csv"))
    var ratings: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Tiểu học: khối lớp 1–5 (mặc định: từ tên lớp).", "Primary: the grade 1–5 (default: from the class name)."), valueName: "N"))
    var grade: Int?

    func run() throws {
        let named = try inClass.named(try inClass.loadHeader())
        let archive = try global.openArchive()
        let built: [Archive.HocBaBuilt]
        if let ratings {
            guard let g = grade ?? GradeBookInfo.grade(fromClassName: named.className) else {
                throw ValidationError(t("--grade: không đọc được khối lớp từ tên lớp", "--grade: the class name does not give the grade"))
            }
            let rows = try PrimaryRatingsCSV.read(bytes: try readInputFile(ratings), source: ratings, grade: g)
            built = try archive.buildPrimaryHocBa(
                school: named.school, className: named.className, schoolYear: named.year, grade: g, ratings: rows,
                author: write.who.resolved, reason: write.reason, dryRun: write.dryRun)
        } else {
            if grade != nil { throw ValidationError(t("--grade chỉ dùng với --ratings", "--grade goes with --ratings only")) }
            built = try archive.buildHocBa(
                school: named.school, className: named.className, schoolYear: named.year, author: write.who.resolved,
                reason: write.reason, dryRun: write.dryRun)
        }
        if output.json {
            struct Item: Encodable {
                var save: SaveJSON
                var fullName: String
            }
            printJSON(["hocBa": built.map { Item(save: SaveJSON($0.save), fullName: $0.hocBa.student.fullName) }])
            return
        }
        for b in built {
            print(describe(b.save, what: ("học bạ", "học bạ")))
            print("  \(b.hocBa.student.fullName) (\(b.hocBa.student.moetId))")
        }
    }
}

struct HocBaSign: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "sign",
            abstract: t(
                "Ký học bạ của cả lớp (hoặc một học bạ) với một vai trò; mở khóa ký một lần cho cả lô.",
                "Sign a class's học bạ (or one) in one role; the key is unlocked once for the whole batch."),
            discussion: t(
                """
                Thứ tự bắt buộc: homeroom (giáo viên chủ nhiệm, ký lần đầu và đính kèm dữ liệu), principal (hiệu
                trưởng), seal (chứng thư số tổ chức của nhà trường, ký sau cùng và khóa tệp). Ký sai thứ tự, ký lần hai,
                hoặc người không được phân công: từ chối, không ký gì. Có --tsa: chữ ký có dấu thời gian.
                """,
                """
                The order is required: homeroom (the homeroom teacher, who signs first and embeds the data), principal,
                seal (the school's organisation certificate, last; it locks the file). Out of order, a second signature
                in a role, or a signer without the assignment: refused, nothing signed. With --tsa the signatures are
                timestamped.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @OptionGroup var keyOptions: KeyOptions
    @OptionGroup var stamp: TimestampOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var inClass: ClassOptions
    @Option(
        name: .long,
        help: ArgumentHelp(t("Vai trò: homeroom, principal hoặc seal.", "Role: homeroom, principal or seal."), valueName: "ROLE"))
    var role: String
    @Option(name: .long, help: ArgumentHelp(t("Chỉ học bạ này.", "Only this học bạ."), valueName: "HOC-BA-ID")) var record: String?
    @Option(
        name: .long,
        help: ArgumentHelp(t("Ghi các tệp PDF đã ký vào thư mục này.", "Write the signed PDFs into this directory."), valueName: "DIR"))
    var outDir: String?

    func run() throws {
        guard let r = HocBaSignerRole(rawValue: role) else {
            throw ValidationError(t("--role: homeroom, principal hoặc seal", "--role: homeroom, principal or seal"))
        }
        let archive = try global.openArchive()
        let ids: [String]
        if let record {
            ids = [record]
        } else {
            let named = try inClass.named(try inClass.loadHeader())
            ids = try archive.hocBaIds(school: named.school, className: named.className, schoolYear: named.year)
        }
        let identity = try keyOptions.load()
        var signed = [String]()
        for id in ids {
            let pdf = try archive.signHocBa(id, role: r, signer: identity, timestamp: stamp.source, author: who.resolved)
            if let outDir { try writeOutput(outDir + "/" + id.replacingOccurrences(of: "/", with: "_") + ".pdf", pdf) }
            signed.append(id)
            if !output.json { print(t("Đã ký \(id) (\(r.title.vi))", "Signed \(id) (\(r.title.en))")) }
        }
        struct Out: Encodable {
            var role: String
            var signed: [String]
        }
        if output.json { printJSON(Out(role: r.rawValue, signed: signed)) }
    }
}

struct HocBaVerifyCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "verify",
            abstract: t("Kiểm tra một học bạ (PDF).", "Verify a học bạ (PDF)."),
            discussion: t(
                """
                Từng chữ ký hợp lệ; theo thứ tự giáo viên chủ nhiệm, hiệu trưởng, con dấu nhà trường; người ký được phân
                công (con dấu: chứng thư tổ chức của nhà trường); con dấu khóa tệp. Sau một chữ ký chỉ được thêm chữ ký
                kế tiếp và dữ liệu kiểm tra; sửa nội dung: FAILED MODIFIED_AFTER_SIGNING. Chưa đủ ba chữ ký:
                INDETERMINATE HOC_BA_INCOMPLETE. Mã thoát: 0 hợp lệ; 7 chưa đủ căn cứ; 8 không hợp lệ.
                """,
                """
                Each signature is valid; in the order homeroom teacher, principal, school seal; each signer holds the
                assignment (the seal: the school's organisation certificate); the seal locks the file. After a signature
                only the next signature and validation data may be added; a content change is FAILED
                MODIFIED_AFTER_SIGNING. Fewer than three signatures: INDETERMINATE HOC_BA_INCOMPLETE.
                Exit: 0 valid; 7 indeterminate; 8 invalid.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Thời điểm đánh giá (YYYY-MM-DD hoặc ISO 8601 UTC).", "When to judge at (YYYY-MM-DD or ISO 8601 UTC)."), valueName: "DATE"))
    var at: String?
    @Argument(help: ArgumentHelp(t("Tệp PDF.", "PDF file."), valueName: "FILE.pdf")) var file: String

    func validate() throws {
        if let at, validationTime(at) == nil { throw ValidationError(t("--at: ngày không hợp lệ: \(at)", "--at: not a date: \(at)")) }
    }

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        let report = try archive.verifyHocBa(pdf: try readInputFile(file), at: at.flatMap(validationTime))
        // Received from another school (a transfer), not issued here: said so.
        let received = try report.data.flatMap { try archive.transferredIn($0.recordId) }
        if output.json {
            printJSON(report)
        } else {
            print(t("Học bạ \(file): \(report.indication)", "Học bạ \(file): \(report.indication)"))
            if let d = report.data { print("  \(d.student.fullName) — \(d.class) — \(d.schoolYear) — \(d.school.name)") }
            if let r = received {
                print(
                    t(
                        "  Nhận từ trường khác khi chuyển trường, ngày \(localTime(r.at)) (không phải do trường này cấp)",
                        "  Received from another school on transfer, \(localTime(r.at)) (not issued by this school)"))
            }
            for s in report.signers {
                let role = s.role.map { t($0.title.vi, $0.title.en) } ?? (s.fieldName ?? "?")
                print(
                    "  \(role): \(s.indication.rawValue)\(s.reason.map { " " + $0.rawValue } ?? "") — \(s.commonName ?? "?")"
                        + (s.locksDocument ? t(" (khóa tệp)", " (locks the file)") : ""))
            }
            for (code, m) in zip(report.reasons, report.messages) { print("  ✗ \(code): " + m.text(cliLang)) }
        }
        try HosoExit.finish(indication: report.indication)
    }
}

struct HocBaExportXML: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "export-xml",
            abstract: t(
                "Xuất học bạ dạng XML (Schemas/hoc-ba.xsd).", "Export a học bạ as XML (Schemas/hoc-ba.xsd)."))
    }
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp(t("Tệp ra (mặc định: in ra).", "Output file (default: print)."), valueName: "FILE.xml"))
    var out: String?
    @Argument(
        help: ArgumentHelp(
            t("Mã học bạ, ví dụ hoc-ba/0123456789/2025-2026.", "Học bạ id, e.g. hoc-ba/0123456789/2025-2026."), valueName: "ID"))
    var id: String

    func run() throws {
        let xml = try global.openArchive(.readOnly).hocBaXML(id)
        if let out { try writeOutput(out, Array(xml.utf8)) } else { print(xml, terminator: "") }
    }
}

struct HocBaGet: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "get",
            abstract: t("Lấy tệp PDF hiện hành của một học bạ.", "Get a học bạ's current PDF."))
    }
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp(t("Tệp PDF ra.", "Output PDF file."), valueName: "FILE.pdf")) var out: String
    @Argument(help: ArgumentHelp(t("Mã học bạ.", "Học bạ id."), valueName: "ID")) var id: String

    func run() throws {
        guard let pdf = try global.openArchive(.readOnly).hocBaPDF(id) else {
            throw HosoError(.hocBaNotFound, .both("Học bạ chưa được ký lần nào", "The học bạ has not been signed yet"), location: id)
        }
        try writeOutput(out, pdf)
    }
}

struct HocBaTransfer: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "transfer",
            abstract: t(
                "Chuyển học bạ đã ký đủ của học sinh sang trường mới: đi cùng lần đồng bộ kế tiếp với trường đó (USB hay HTTP).",
                "Send a student's fully signed học bạ to their new school: it goes with the next sync with that school (USB or HTTP)."),
            discussion: t(
                "Trường nhận cần nhận hoc-ba, hoc-ba-issue và extract từ trường này (hoso peer add … --scope '<hoc-ba:*' --scope '<hoc-ba-issue:*' --scope '<extract:*'); học bạ được kiểm tra khi đến.",
                "The receiving school must accept hoc-ba, hoc-ba-issue and extract from this school (hoso peer add … --scope '<hoc-ba:*' --scope '<hoc-ba-issue:*' --scope '<extract:*'); the học bạ is checked on arrival."
            ))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: ArgumentHelp(t("Trường nhận (tên nút ngang hàng).", "The receiving school (peer name)."), valueName: "PEER"))
    var to: String
    @Argument(help: ArgumentHelp(t("Mã học bạ (hoc-ba/…).", "Học bạ record ids (hoc-ba/…)."), valueName: "RECORD")) var records: [String]

    func run() throws {
        let sent = try global.openArchive().transfer(records: records, to: to, by: who.resolved)
        if output.json { return printJSON(["to": [to], "records": sent]) }
        print(
            t(
                "Đã ghi chuyển \(records.count) học bạ sang \(to); sẽ gửi ở lần đồng bộ kế tiếp.",
                "Recorded \(records.count) học bạ for \(to); they go with the next sync."))
    }
}
