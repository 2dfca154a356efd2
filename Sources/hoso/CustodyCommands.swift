import ArgumentParser
import Foundation
import HosoKit

struct CustodyCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "custody",
            abstract: t(
                "Chuyển giao sổ gốc sang cơ quan lưu giữ mới (Phòng → Sở, Thông tư 13/2025).",
                "Hand ledgers over to a new custodian (district office → province department, Thông tư 13/2025)."),
            discussion: t(
                """
                Cơ quan gửi lập biên bản (mọi sổ, bản hiện hành, cơ quan cấp, số trang, ảnh quét, số dòng, theo mã đối tượng),
                ký bằng con dấu của mình; sổ, ảnh quét, biên bản số hóa và biên bản chuyển giao đi theo lần đồng bộ hoặc gói kế tiếp.
                Từ lúc ký, cơ quan gửi không cấp bản sao từ các sổ đó nữa (CUSTODY_NOT_HELD). Cơ quan nhận kiểm tra từng đối tượng
                và từng con số rồi ký xác nhận cùng biên bản bằng con dấu của mình; sau đó mới cấp bản sao, ghi cả cơ quan cấp văn bằng
                và cơ quan lưu giữ sổ gốc.
                """,
                """
                The sending office makes the inventory (every ledger, its head revision, issuer, pages, scans and entry count, by object
                id) and signs it with its seal; the ledgers, scans, digitization records and the inventory go with the next sync or
                bundle. From that signature on the sender issues no copy from those ledgers (CUSTODY_NOT_HELD). The receiver checks
                every object and count, then countersigns the same inventory with its seal; only then does it issue copies, which name
                both the issuer of the diploma and the custodian of the ledger.
                """),
            subcommands: [CustodyTransferCommand.self, CustodyAccept.self, CustodyList.self])
    }
}

struct CustodyTransferCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "transfer",
            abstract: t(
                "Lập và ký biên bản chuyển giao sổ gốc cho một nút (cơ quan nhận).",
                "Make and sign a custody transfer to a peer (the receiving office)."),
            discussion: t(
                """
                --key là chứng thư số con dấu của cơ quan (copySigners trong cài đặt cơ quan); chứng thư khác bị từ chối (NOT_OFFICE_SEAL).
                Căn cứ pháp lý lấy từ custodyBasis trong cài đặt cơ quan (mặc định: Thông tư 13/2025/TT-BGDĐT). Sau đó tạo gói
                (hoso bundle create) hoặc đồng bộ (hoso sync) với nút nhận.
                """,
                """
                --key is the office's seal certificate (copySigners in the office settings); any other is refused (NOT_OFFICE_SEAL).
                The legal basis is custodyBasis in the office settings (default: Thông tư 13/2025/TT-BGDĐT). Then make a bundle
                (hoso bundle create) or sync (hoso sync) with the receiving node.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var who: AuthorOption
    @OptionGroup var keyOptions: KeyOptions
    @OptionGroup var stamp: TimestampOptions
    @OptionGroup var output: OutputOptions
    @Option(
        name: .long,
        help: ArgumentHelp(t("Nút nhận (tên trong hoso peer list).", "The receiving peer (its name in hoso peer list)."), valueName: "PEER")
    )
    var to: String
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Tên cơ quan nhận (mặc định: tên nút).", "The receiving office's name (default: the peer's name)."), valueName: "NAME"))
    var toOffice: String?
    @Option(
        name: .long, parsing: .upToNextOption, help: ArgumentHelp(t("Các sổ gốc (mã hồ sơ).", "The ledgers (record ids)."), valueName: "ID")
    )
    var ledgers: [String] = []
    @Flag(name: .long, help: ArgumentHelp(t("Mọi sổ gốc cơ quan đang giữ.", "Every ledger this office holds.")))
    var all = false

    func validate() throws {
        guard all != !ledgers.isEmpty else {
            throw ValidationError(t("Cần đúng một trong --ledgers và --all", "Give exactly one of --ledgers and --all"))
        }
    }

    func run() throws {
        let s = try global.openArchive(hub: hub).transferCustody(
            to: to, toOffice: toOffice, ledgers: all ? nil : ledgers, seal: try keyOptions.load(), by: who.resolved, timestamp: stamp.source
        )
        if output.json {
            printJSON(s)
            return
        }
        print(
            t(
                "Đã lập và ký biên bản chuyển giao \(s.id): \(s.transfer.ledgers.count) sổ gốc cho \(s.transfer.to.office); gửi đi bằng gói hoặc đồng bộ.",
                "Made and signed custody transfer \(s.id): \(s.transfer.ledgers.count) ledgers to \(s.transfer.to.office); send it with a bundle or sync."
            ))
        for l in s.transfer.ledgers {
            print(
                "  \(l.record): \(l.pages) \(t("trang", "pages")), \(l.entries) \(t("dòng", "entries")), \(t("cơ quan cấp", "issuer")) \(l.issuer)"
            )
        }
    }
}

struct CustodyAccept: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "accept",
            abstract: t(
                "Kiểm tra biên bản chuyển giao đến và ký xác nhận bằng con dấu của cơ quan.",
                "Check an arriving custody transfer and countersign it with the office's seal."),
            discussion: t(
                """
                Với BUNDLE: nhận gói (như hoso bundle import) rồi kiểm tra mọi biên bản gửi cho cơ quan này chưa xác nhận.
                Kiểm tra: chữ ký con dấu của cơ quan gửi (custodySources trong cài đặt cơ quan), mọi bản sổ và ảnh quét có mặt và
                đúng mã băm, số trang, số dòng, cơ quan cấp khớp. Sai một điểm: báo từng sổ và điều khác (CUSTODY_*, mã thoát 3),
                không ký gì.
                """,
                """
                With BUNDLE: imports it (as hoso bundle import), then checks every transfer addressed to this office not accepted yet.
                Checks: the sending office's seal signature (custodySources in the office settings), every ledger revision and scan
                present and matching its hash, pages, entries and issuer as listed. Anything wrong: each ledger and what differs is
                reported (CUSTODY_*, exit 3) and nothing is signed.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var keyOptions: KeyOptions
    @OptionGroup var stamp: TimestampOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: ArgumentHelp(t("Biên bản đã nhận (mã hồ sơ).", "A transfer already received (record id)."), valueName: "ID"))
    var transfer: String?
    @Argument(help: ArgumentHelp(t("Gói nhận từ cơ quan gửi.", "The bundle from the sending office."), valueName: "BUNDLE"))
    var bundle: String?

    func validate() throws {
        guard (transfer == nil) != (bundle == nil) else {
            throw ValidationError(t("Cần đúng một trong BUNDLE và --transfer", "Give exactly one of BUNDLE and --transfer"))
        }
    }

    func run() throws {
        let archive = try global.openArchive(hub: hub)
        let seal = try keyOptions.load()
        let accepted =
            try bundle.map { try archive.acceptCustody(bundle: $0, seal: seal, timestamp: stamp.source) }
            ?? [try archive.acceptCustody(transfer: transfer!, seal: seal, timestamp: stamp.source)]
        if output.json {
            printJSON(accepted)
            return
        }
        if accepted.isEmpty { print(t("Không có biên bản chuyển giao nào chờ xác nhận.", "No custody transfer is waiting.")) }
        for s in accepted {
            print(
                t(
                    "Đã kiểm tra và ký xác nhận \(s.id): nhận \(s.transfer.ledgers.count) sổ gốc từ \(s.transfer.from.office) (ký bởi \(s.sealedBy.joined(separator: ", ")); xác nhận bởi \(s.countersignedBy.joined(separator: ", "))).",
                    "Checked and countersigned \(s.id): \(s.transfer.ledgers.count) ledgers from \(s.transfer.from.office) (signed by \(s.sealedBy.joined(separator: ", ")); countersigned by \(s.countersignedBy.joined(separator: ", ")))."
                ))
        }
    }
}

struct CustodyList: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "list",
            abstract: t("Các biên bản chuyển giao sổ gốc, với chữ ký hai bên.", "Custody transfers, with both sides' signatures."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var output: OutputOptions

    func run() throws {
        let list = try global.openArchive(.readOnly, hub: hub).custodyTransfers()
        if output.json {
            printJSON(list)
            return
        }
        if list.isEmpty { print(t("Chưa có biên bản chuyển giao nào.", "No custody transfer yet.")) }
        for s in list {
            let state =
                s.accepted
                ? t("đã xác nhận", "accepted")
                : s.sealedBy.isEmpty ? t("CHƯA KÝ", "NOT SIGNED") : t("chờ xác nhận", "waiting for acceptance")
            print(
                "\(s.id)  \(s.transfer.date)  \(s.transfer.from.office) → \(s.transfer.to.office)  \(s.transfer.ledgers.count) \(t("sổ", "ledgers"))  [\(state)]"
            )
            func named(_ names: [String], _ fps: [String]) -> String {
                names.isEmpty ? "—" : zip(names, fps).map { "\($0) (SHA-256 \($1.prefix(16))…)" }.joined(separator: ", ")
            }
            print(t("  ký gửi: ", "  sender's seal: ") + named(s.sealedBy, s.sealCertificates))
            print(t("  ký nhận: ", "  receiver's seal: ") + named(s.countersignedBy, s.countersignCertificates))
            for l in s.transfer.ledgers { print("    \(l.record)  (\(l.issuer))") }
        }
    }
}

struct SchoolCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "school",
            abstract: t(
                "Lịch sử tên trường: đổi tên, sáp nhập (sổ gốc giữ tên khi cấp; bản sao ghi thêm \"nay là …\").",
                "A school's identity over time: renames and merges (ledgers keep the name they were issued under; copies add \"nay là …\")."
            ),
            subcommands: [SchoolRename.self, SchoolMerge.self, SchoolHistoryCommand.self])
    }
}

struct SchoolRename: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "rename", abstract: t("Ghi việc trường đổi tên từ một ngày.", "Record that a school was renamed from a date."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var who: AuthorOption
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Tên trường (cũ hoặc hiện tại).", "The school's name (old or present)."), valueName: "SCHOOL"))
    var school: String
    @Option(name: .long, help: ArgumentHelp(t("Tên mới.", "The new name."), valueName: "NAME")) var to: String
    @Option(name: .long, help: ArgumentHelp(t("Từ ngày.", "From this date."), valueName: "YYYY-MM-DD")) var date: String
    @Option(name: .long, help: ArgumentHelp(t("Quyết định.", "The decision."), valueName: "TEXT")) var decision: String?

    func run() throws {
        let h = try global.openArchive(hub: hub).renameSchool(school, to: to, on: date, decision: decision, author: who.resolved)
        printHistory(h, json: output.json)
    }
}

struct SchoolMerge: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "merge", abstract: t("Ghi việc trường sáp nhập vào trường khác.", "Record that a school was merged into another."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var who: AuthorOption
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Trường bị sáp nhập.", "The school merged."), valueName: "SCHOOL")) var school: String
    @Option(name: .long, help: ArgumentHelp(t("Trường nhận.", "The receiving school."), valueName: "NAME")) var into: String
    @Option(name: .long, help: ArgumentHelp(t("Ngày sáp nhập.", "The date."), valueName: "YYYY-MM-DD")) var date: String
    @Option(name: .long, help: ArgumentHelp(t("Quyết định.", "The decision."), valueName: "TEXT")) var decision: String?

    func run() throws {
        let h = try global.openArchive(hub: hub).mergeSchool(school, into: into, on: date, decision: decision, author: who.resolved)
        printHistory(h, json: output.json)
    }
}

struct SchoolHistoryCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "history", abstract: t("Các tên của một trường theo thời gian.", "A school's names over time."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Tên trường (bất kỳ tên nào).", "The school's name (any of them)."), valueName: "SCHOOL")) var school:
        String

    func run() throws { printHistory(try global.openArchive(.readOnly, hub: hub).schoolHistory(school), json: output.json) }
}

private func printHistory(_ h: Archive.SchoolHistory, json: Bool) {
    if json {
        printJSON(h)
        return
    }
    for n in h.names { print("\(n.from ?? "…")  \(n.name)\(n.decision.map { "  (\($0))" } ?? "")") }
    if let m = h.mergedInto {
        print(t("\(m.date)  sáp nhập vào \(h.mergedIntoName ?? m.school)", "\(m.date)  merged into \(h.mergedIntoName ?? m.school)"))
    }
    print(t("Tên hiện nay: ", "Present name: ") + h.presentName)
}
