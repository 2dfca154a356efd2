import ArgumentParser
import Foundation
import HosoKit

struct LedgerCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "ledger",
            abstract: t("Sổ gốc cấp văn bằng: số hoá từ CSV/XLSX và ảnh quét.", "Diploma ledgers: digitize from CSV/XLSX and page scans."),
            subcommands: [LedgerImport.self, LedgerDigitizations.self, LedgerSeal.self, LedgerOCR.self])
    }
}

struct LedgerImport: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "import",
            abstract: t(
                "Nhập một sổ gốc từ CSV hoặc XLSX theo tệp ánh xạ cột.", "Import a ledger from CSV or XLSX with a column mapping file."),
            discussion: t(
                """
                Luôn kiểm tra toàn bộ trước và in báo cáo (số mục, mọi lỗi kèm vị trí tệp:dòng:cột, trùng lặp, mục không có trang,
                trang không có mục, chuyển mã TCVN3/VNI). Có lỗi thì không ghi gì (mã thoát 3). Với --dry-run chỉ in báo cáo.
                Không lỗi thì ghi ảnh quét và sổ trong một lần, nguyên tử. Định dạng: Schemas/FORMATS.md.
                """,
                """
                Always checks everything first and prints a report (entries, every error with file:row:column, duplicates, entries
                without a page, pages without entries, TCVN3/VNI conversions). With any error nothing is written (exit 3).
                With --dry-run only the report is printed. Otherwise the scans and the ledger are stored in one atomic commit.
                Formats: Schemas/FORMATS.md.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: ArgumentHelp(t("Tệp ánh xạ cột (JSON).", "Column mapping file (JSON)."), valueName: "FILE"))
    var mapping: String
    @Argument(help: ArgumentHelp(t("Tệp sổ (.csv hoặc .xlsx).", "The ledger file (.csv or .xlsx)."), valueName: "FILE"))
    var file: String

    func run() throws {
        let archive = try global.openArchive()
        let r = try archive.importLedger(
            file: file, mapping: mapping, dryRun: write.dryRun, reason: write.reason, author: write.who.resolved)
        if output.json {
            printJSON(r)
        } else {
            print(
                t(
                    "Sổ \(r.recordId) (\(r.source)): \(r.rows) dòng, \(r.entries) mục hợp lệ, \(r.scans) ảnh quét.",
                    "Ledger \(r.recordId) (\(r.source)): \(r.rows) rows, \(r.entries) valid entries, \(r.scans) scans."))
            for c in r.conversions {
                print(
                    t(
                        "  Chuyển mã \(c.encoding.uppercased()) → Unicode ở cột '\(c.column)': \(c.cells) ô (ví dụ: \(c.example))",
                        "  Converted \(c.encoding.uppercased()) → Unicode in column '\(c.column)': \(c.cells) cells (e.g. \(c.example))"))
            }
            for e in r.errors {
                print(
                    "  \(t("LỖI", "ERROR")) [\(e.code)] \(e.location ?? ""): \(cliLang == .en ? e.messageEn : e.message)\(e.value.map { " («\($0)»)" } ?? "")"
                )
            }
            for w in r.warnings {
                print(
                    "  \(t("Cảnh báo", "Warning")) \(w.location ?? ""): \(cliLang == .en ? w.messageEn : w.message)\(w.value.map { " («\($0)»)" } ?? "")"
                )
            }
            if r.entriesWithoutPage > 0 {
                print(t("  \(r.entriesWithoutPage) mục không gắn trang.", "  \(r.entriesWithoutPage) entries without a page."))
            }
            if !r.pagesWithoutEntries.isEmpty {
                print(
                    t(
                        "  Trang có ảnh nhưng không có mục: \(r.pagesWithoutEntries.map(String.init).joined(separator: ", "))",
                        "  Pages with a scan but no entries: \(r.pagesWithoutEntries.map(String.init).joined(separator: ", "))"))
            }
            if !r.errors.isEmpty {
                print(t("\(r.errors.count) lỗi; không ghi gì vào kho.", "\(r.errors.count) errors; nothing was written."))
            } else if r.dryRun {
                print(t("Không có lỗi (chạy thử: chưa ghi).", "No errors (dry run: nothing written)."))
            } else if r.unchanged {
                print(
                    t(
                        "Sổ đã có trong kho, không thay đổi: \(r.revision ?? "")",
                        "The ledger is already in the archive, unchanged: \(r.revision ?? "")"))
            } else {
                print(t("Đã ghi sổ: bản \(r.revision ?? "")", "Stored the ledger: revision \(r.revision ?? "")"))
            }
        }
        if !r.errors.isEmpty { throw ExitCode(HosoExit.badInput) }
    }
}

struct Find: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: t(
                "Tìm mục trong sổ gốc theo tên, ngày sinh, số hiệu, số vào sổ, số định danh…",
                "Find ledger entries by name, birth date, serial, ledger number, IDs…"),
            discussion: t(
                """
                QUERY được hiểu theo dạng: 12 chữ số → số định danh cá nhân; 10 chữ số → mã định danh Bộ GD&ĐT; số khác → năm tốt nghiệp
                hoặc số vào sổ; ngày (dd/mm/yyyy) → ngày sinh; chữ lẫn số → số hiệu văn bằng; còn lại → họ tên (không phân biệt dấu, hoa thường).
                Mã thoát 0 khi có kết quả, 4 khi không có.
                """,
                """
                QUERY is read by its shape: 12 digits → citizen ID; 10 digits → MOET id; another number → graduation year or ledger number;
                a date (dd/mm/yyyy) → date of birth; letters with digits → diploma serial; anything else → name (accents and case ignored).
                Exit code 0 when something is found, 4 when nothing is.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp(t("Họ tên.", "Name."))) var name: String?
    @Option(name: .long, help: ArgumentHelp(t("Ngày sinh.", "Date of birth."))) var dob: String?
    @Option(name: .long, help: ArgumentHelp(t("Nơi sinh.", "Place of birth."))) var pob: String?
    @Option(name: .long, help: ArgumentHelp(t("Số hiệu văn bằng.", "Diploma serial."))) var serial: String?
    @Option(name: .long, help: ArgumentHelp(t("Số vào sổ gốc.", "Ledger number."))) var ledgerNumber: Int?
    @Option(name: .long, help: ArgumentHelp(t("Số định danh cá nhân.", "Citizen ID."))) var citizenId: String?
    @Option(name: .long, help: ArgumentHelp(t("Mã định danh Bộ GD&ĐT.", "MOET id."))) var moetId: String?
    @Option(name: .long, help: ArgumentHelp(t("Trường.", "School."))) var school: String?
    @Option(name: .long, help: ArgumentHelp(t("Năm tốt nghiệp.", "Graduation year."))) var year: Int?
    @Option(name: .long, help: ArgumentHelp(t("Số kết quả tối đa.", "Most results."))) var limit: Int = 100
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Điều cần tìm.", "What to find."), valueName: "QUERY")) var query: [String] = []

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        var r = Archive.FindRequest(text: query.isEmpty ? nil : query.joined(separator: " "))
        r.name = name
        r.dateOfBirth = dob
        r.placeOfBirth = pob
        r.serial = serial
        r.ledgerNumber = ledgerNumber
        r.citizenId = citizenId
        r.moetId = moetId
        r.school = school
        r.year = year
        let hits = try archive.find(r, limit: limit)
        if output.json {
            printJSON(hits)
        } else {
            for h in hits {
                print(
                    "\(h.fullName)  \(t("sinh", "born")) \(h.dateOfBirth)  \(h.placeOfBirth)  \(t("số hiệu", "serial")) \(h.serial)  \(t("số vào sổ", "ledger no.")) \(h.ledgerNumber)/\(h.year)  \(h.school)  [\(h.recordId)\(h.page.map { ", \(t("trang", "page")) \($0)" } ?? "")]"
                )
            }
            if hits.isEmpty { printErr(t("Không tìm thấy.", "Nothing found.")) }
        }
        if hits.isEmpty { throw ExitCode(HosoExit.notFound) }
    }
}

struct LedgerDigitizations: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "digitizations",
            abstract: t(
                "Biên bản số hóa của các sổ gốc: ai số hóa, khi nào, các ảnh quét, đã đóng dấu cơ quan chưa.",
                "Digitization records of the ledgers: who converted them, when, the scans, whether the office sealed them."),
            discussion: t(
                """
                Luật Giao dịch điện tử 2023, Điều 12: văn bản số hóa từ giấy phải giữ toàn vẹn, có dấu hiệu đã chuyển đổi,
                ghi người chuyển đổi và thời điểm, và chữ ký số của cơ quan chuyển đổi. Mỗi lần ghi một sổ gốc (nhập hoặc
                tạo) có một biên bản; `hoso ledger seal` đóng dấu các biên bản chưa đóng dấu.
                """,
                """
                Law on E-Transactions 2023, Art. 12: a document converted from paper keeps its integrity, is marked as
                converted, names who converted it and when, and carries the converting organisation's signature. Every
                ledger revision written (imported or created) gets a record; `hoso ledger seal` seals those not sealed.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Mã sổ (mặc định: mọi sổ).", "The ledger's record id (default: every ledger)."), valueName: "LEDGER"))
    var ledger: String?

    func run() throws {
        let list = try global.openArchive().digitizations(of: ledger)
        if output.json {
            printJSON(list)
            return
        }
        for d in list {
            print("\(d.ledger)  \(localTime(d.convertedAt))  \(d.convertedBy)  \(d.organisation)")
            print(t("  bản \(d.revision), \(d.objects.count - 1) ảnh quét", "  revision \(d.revision), \(d.objects.count - 1) scans"))
            print(
                d.sealedBy.isEmpty
                    ? t("  chưa đóng dấu cơ quan", "  not sealed by the office yet")
                    : t("  đã đóng dấu: ", "  sealed: ") + d.sealedBy.joined(separator: ", "))
        }
        if list.isEmpty { print(t("Chưa có biên bản số hóa nào", "No digitization records yet")) }
    }
}

struct LedgerSeal: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "seal",
            abstract: t(
                "Đóng dấu (ký số bằng chứng thư số con dấu cơ quan) mọi biên bản số hóa chưa đóng dấu, một lần cho cả ngày.",
                "Seal (sign with the office's seal certificate) every digitization record not sealed yet, in one run a day."),
            discussion: t(
                """
                Chỉ chứng thư số con dấu của cơ quan (copySigners trong cài đặt cơ quan) được dùng; chứng thư của một người
                bị từ chối (NOT_OFFICE_SEAL, mã thoát 3) và không ký gì. Biên bản đã có chữ ký (nhận qua đồng bộ) không ký lại.
                """,
                """
                Only the office's seal certificate (copySigners in the office settings) may be used; a person's certificate
                is refused (NOT_OFFICE_SEAL, exit 3) and nothing is signed. Records already signed (received by sync) are not signed again.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var keyOptions: KeyOptions
    @OptionGroup var stamp: TimestampOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let identity = try keyOptions.load()
        let sealed = try global.openArchive().sealDigitizations(identity: identity, timestamp: stamp.source)
        if output.json {
            printJSON(sealed)
            return
        }
        print(t("Đã đóng dấu \(sealed.count) biên bản số hóa", "Sealed \(sealed.count) digitization records"))
        for o in sealed { print("  \(o.record)") }
    }
}
