import ArgumentParser
import Foundation
import HosoCore
import HosoKit

struct ExtractCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "extract",
            abstract: t(
                "Mã tải cho gia đình và sổ ghi các lần văn bản được đưa ra (tải, trao, chuyển trường).",
                "Download codes for families, and the log of each time a document left the archive."),
            subcommands: [ExtractCode.self, ExtractLog.self])
    }
}

struct ExtractCode: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "code",
            abstract: t(
                "Tạo mã tải một lần cho văn bản đã ký của một hồ sơ (in mã đưa gia đình; kho chỉ giữ mã băm).",
                "Make a one-time download code for a record's signed document (print it for the family; only its hash is kept)."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: ArgumentHelp(t("Số ngày mã còn hạn (1–365).", "Days the code is good for (1–365)."), valueName: "N"))
    var days = 30
    @Option(name: .long, help: ArgumentHelp(t("Số lần được tải (1–10).", "Downloads it gives (1–10)."), valueName: "N")) var uses = 1
    @Option(name: .long, help: ArgumentHelp(t("Đưa cho ai (ghi chú).", "To whom (a note)."), valueName: "TEXT")) var note: String?
    @Option(name: .long, help: ArgumentHelp(t("Loại văn bản.", "What it gives."), valueName: "hoc-ba|copy")) var purpose = "hoc-ba"
    @Argument(help: ArgumentHelp(t("Mã hồ sơ.", "Record id."), valueName: "RECORD")) var record: String

    func run() throws {
        let (code, expires) = try global.openArchive().newDownloadCode(
            document: record, purpose: purpose, issuedBy: who.resolved, days: days, uses: uses, note: note)
        if output.json {
            printJSON(["code": code, "expires": HosoClock.format(expires), "record": record])
        } else {
            print(t("Mã tải: \(code)", "Download code: \(code)"))
            print(
                t(
                    "  hết hạn: \(localTime(HosoClock.format(expires))), tải được \(uses) lần",
                    "  expires: \(localTime(HosoClock.format(expires))), \(uses) download(s)"))
        }
    }
}

struct ExtractLog: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "log", abstract: t("Các lần văn bản của một hồ sơ được đưa ra.", "Each time a record's document left the archive.")
        )
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Mã hồ sơ.", "Record id."), valueName: "RECORD")) var record: String

    func run() throws {
        let list = try global.openArchive(.readOnly).extracts(of: record)
        if output.json { return printJSON(list) }
        for e in list {
            print("\(localTime(e.at))  \(e.channel)  \(e.to ?? "")  [\(e.file.prefix(16))]")
        }
        if list.isEmpty { print(t("(chưa lần nào)", "(none yet)")) }
    }
}
