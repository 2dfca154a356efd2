import ArgumentParser
import Foundation
import HosoKit

struct ReportCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "report",
            abstract: t(
                "Chỉ số của kế hoạch chuyển đổi số: số hóa sổ gốc, sổ điểm và học bạ điện tử, giáo viên ký số, yêu cầu đúng hạn.",
                "The digital-transformation plan's indicators: ledgers digitized, e-grade books and học bạ, teachers signing, requests on time."
            ),
            subcommands: [ReportShow.self, ReportInventory.self], defaultSubcommand: ReportShow.self)
    }
}

struct ReportShow: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "show",
            abstract: t("In các chỉ số theo trường và toàn huyện.", "Print the indicators per school and for the district."),
            discussion: t(
                "Tỷ lệ số hóa tính trên số sổ giấy cơ quan đã khai báo (hoso report inventory set); trường chưa khai báo ghi "
                    + "\"chưa khai báo\", không tự đoán mẫu số. Số hóa tính mọi sổ đến nay; sổ điểm, học bạ, chữ ký giáo viên và "
                    + "yêu cầu (nhận từ 1/9 đến 31/8) tính theo năm học.",
                "The digitized share is over the paper ledgers the office declared (hoso report inventory set); a school not "
                    + "declared says \"not declared\", no denominator is guessed. Digitization counts every ledger so far; grade "
                    + "books, học bạ, teachers' signatures and requests (received 1 September to 31 August) count the school year."))
    }
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp(t("Chỉ một trường.", "One school only."), valueName: "NAME")) var school: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Năm học bắt đầu từ năm này (2024: năm học 2024-2025); mặc định: năm học hiện tại.",
                "The school year starting in this year (2024: 2024-2025); default: the current one."), valueName: "YYYY"))
    var year: Int?
    @Flag(name: .long, help: ArgumentHelp(t("In dạng JSON.", "Print as JSON."))) var json = false
    @Flag(name: .long, help: ArgumentHelp(t("In dạng CSV (UTF-8 có BOM, cho Excel).", "Print as CSV (UTF-8 with a BOM, for Excel).")))
    var csv = false

    func validate() throws {
        if json && csv { throw ValidationError(t("Chọn --json hoặc --csv, không cả hai", "Choose --json or --csv, not both")) }
        if let year, !(1945...2200).contains(year) { throw ValidationError(t("Năm ngoài khoảng 1945–2200", "Year outside 1945–2200")) }
    }

    func run() throws {
        let report = try global.openArchive(.readOnly).planReport(year: year, school: school)
        if json { return printJSON(report) }
        if csv { return FileHandle.standardOutput.write(Data(report.csv())) }
        print(ReportText.render(report))
    }
}

/// The report as a table for a terminal, in this run's language.
enum ReportText {
    static func render(_ r: PlanReport) -> String {
        var lines = [
            t(
                "Chỉ số kế hoạch chuyển đổi số — năm học \(r.schoolYear), chỉ tiêu số hóa \(number(r.targetPercent))%",
                "Digital-transformation plan indicators — school year \(r.schoolYear), digitization target \(number(r.targetPercent))%")
        ]
        if !r.inventoryDeclared {
            lines.append(
                t(
                    "Chưa khai báo sổ giấy: hoso report inventory set --school … --ledgers N",
                    "No paper inventory declared: hoso report inventory set --school … --ledgers N"))
        }
        let header = [
            t("Trường", "School"), t("Sổ gốc", "Ledgers"), t("Trang", "Pages"), t("Dòng", "Entries"),
            t("Sổ điểm (đã ký)", "Grade books (signed)"),
            t("Học bạ (đã ký)", "Học bạ (signed)"), t("Giáo viên đã ký", "Teachers signed"),
        ]
        var table = [header]
        for i in r.schools + [r.district] {
            table.append([
                i.school.isEmpty ? t("Toàn huyện", "District") : i.school, share(i.ledgers), share(i.pages), share(i.entries),
                "\(i.gradeBooks) (\(i.gradeBooksSigned))", "\(i.hocBa) (\(i.hocBaSigned))", "\(i.teachersSigned)/\(i.teachers)",
            ])
        }
        let widths = (0..<header.count).map { c in table.map { $0[c].count }.max() ?? 0 }
        for row in table {
            let cells = row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
            lines.append(String(cells.joined(separator: "  ").reversed().drop(while: { $0 == " " }).reversed()))
        }
        let d = r.district
        lines.append(
            t(
                "Trường có sổ điểm điện tử: \(d.schoolsWithGradeBooks); có học bạ điện tử: \(d.schoolsWithHocBa); sổ có biên bản chuyển đổi: \(d.ledgersWithConversionRecord)",
                "Schools with e-grade books: \(d.schoolsWithGradeBooks); with e-học bạ: \(d.schoolsWithHocBa); ledgers with a conversion record: \(d.ledgersWithConversionRecord)"
            ))
        let q = r.requests
        lines.append(
            t(
                "Yêu cầu: \(q.total); đúng hạn \(q.onTime), trễ hạn \(q.late), đang xử lý \(q.open), quá hạn \(q.overdue)",
                "Requests: \(q.total); on time \(q.onTime), late \(q.late), open \(q.open), overdue \(q.overdue)")
                + (q.onTimePercent.map { t(" (đúng hạn \(number($0))%)", " (\(number($0))% on time)") } ?? ""))
        return lines.joined(separator: "\n")
    }

    /// "3/10 (30,0%)", or "3 (chưa khai báo)" without a declared denominator.
    static func share(_ s: PlanReport.Share) -> String {
        guard let paper = s.paper else { return "\(s.digitized) (\(t("chưa khai báo", "not declared")))" }
        return "\(s.digitized)/\(paper)" + (s.percent.map { " (\(number($0))%)" } ?? "")
    }

    /// One decimal, with a decimal comma in Vietnamese.
    static func number(_ v: Double) -> String {
        let s = String(format: "%.1f", v)
        return t(s.replacingOccurrences(of: ".", with: ","), s)
    }
}

struct ReportInventory: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "inventory",
            abstract: t(
                "Số sổ gốc giấy từng trường đang lưu (mẫu số của tỷ lệ số hóa).",
                "The paper ledgers each school holds (the digitized share's denominator)."),
            subcommands: [ReportInventoryShow.self, ReportInventorySet.self])
    }
}

struct ReportInventoryShow: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "show", abstract: t("In bản kiểm kê (JSON).", "Print the inventory (JSON)."))
    }
    @OptionGroup var global: GlobalOptions
    func run() throws { printJSON(try global.openArchive(.readOnly).paperInventory() ?? PaperInventory()) }
}

struct ReportInventorySet: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "set",
            abstract: t(
                "Khai báo sổ giấy của một trường và/hoặc chỉ tiêu (Schemas/paper-inventory.schema.json).",
                "Declare one school's paper ledgers and/or the target (Schemas/paper-inventory.schema.json)."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @Option(
        name: .long, help: ArgumentHelp(t("Tên trường như ghi trên sổ.", "The school's name as its ledgers write it."), valueName: "NAME"))
    var school: String?
    @Option(name: .long, help: ArgumentHelp(t("Số sổ gốc giấy.", "Paper ledgers."), valueName: "N")) var ledgers: Int?
    @Option(name: .long, help: ArgumentHelp(t("Số trang (nếu đã đếm).", "Pages (when counted)."), valueName: "N")) var pages: Int?
    @Option(name: .long, help: ArgumentHelp(t("Số dòng (nếu đã đếm).", "Entries (when counted)."), valueName: "N")) var entries: Int?
    @Option(name: .long, help: ArgumentHelp(t("Ngày kiểm kê.", "The day it was counted."), valueName: "YYYY-MM-DD")) var countedOn: String?
    @Option(
        name: .long,
        help: ArgumentHelp(t("Chỉ tiêu số hóa (%; mặc định 30).", "The digitization target (%; default 30)."), valueName: "PERCENT"))
    var target: Double?
    @Option(name: .long, help: ArgumentHelp(t("Lý do thay đổi.", "Why."), valueName: "TEXT")) var reason =
        "kiểm kê sổ giấy / paper inventory"

    func validate() throws {
        if school == nil && target == nil {
            throw ValidationError(t("Cần --school (với --ledgers) hoặc --target", "Give --school (with --ledgers) or --target"))
        }
        if school != nil && ledgers == nil { throw ValidationError(t("--school cần --ledgers", "--school needs --ledgers")) }
    }

    func run() throws {
        let archive = try global.openArchive()
        var inventory = try archive.paperInventory() ?? PaperInventory()
        if let target { inventory.targetPercent = target }
        if let school, let ledgers {
            inventory.set(.init(school: school, ledgers: ledgers, pages: pages, entries: entries, countedOn: countedOn))
        }
        try archive.setPaperInventory(inventory, author: who.resolved, reason: reason)
        print(t("Đã lưu kiểm kê sổ giấy", "Saved the paper inventory"))
    }
}
