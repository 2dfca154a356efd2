import ArgumentParser
import Foundation
import HosoKit

#if canImport(Glibc)
import Glibc
#endif

func readJSONFile(_ path: String) throws -> JSONValue {
    try CanonicalJSON.parse(try readInputFile(path), source: path)
}

struct RecordCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "record",
            abstract: t("Hồ sơ có phiên bản: tạo, sửa (kèm lý do), xem.", "Versioned records: create, revise (with a reason), show."),
            subcommands: [RecordNew.self, RecordRevise.self, RecordShow.self])
    }
}

struct RecordNew: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "new", abstract: t("Tạo hồ sơ mới từ một tệp JSON.", "Create a record from a JSON file."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Loại hồ sơ, ví dụ ledger-entry.", "Record type, e.g. ledger-entry."), valueName: "TYPE"))
    var type: String
    @Argument(help: ArgumentHelp(t("Mã hồ sơ (ổn định qua các lần sửa).", "Record id (stable across revisions)."), valueName: "RECORD-ID"))
    var recordId: String
    @Argument(help: ArgumentHelp(t("Tệp JSON chứa nội dung hồ sơ.", "JSON file with the record's body."), valueName: "FILE"))
    var file: String

    func run() throws {
        let body = try readJSONFile(file)
        let archive = try global.openArchive()
        let id = try archive.createRecord(type: type, id: recordId, body: body, author: who.resolved)
        if output.json {
            printJSON(["revision": id.hex, "recordId": recordId])
        } else {
            print(t("Đã tạo hồ sơ \(recordId): bản \(id.hex)", "Created record \(recordId): revision \(id.hex)"))
        }
    }
}

struct RecordRevise: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "revise",
            abstract: t(
                "Sửa hồ sơ: tạo bản mới trên bản hiện tại, kèm lý do; bản cũ được giữ.",
                "Revise a record: a new revision on top of the current one, with a reason; the old one is kept."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @Option(name: .long, help: ArgumentHelp(t("Lý do sửa (bắt buộc).", "Why (required)."), valueName: "TEXT"))
    var reason: String
    @Flag(
        name: .long,
        help: ArgumentHelp(t("Hợp nhất các bản song song (giải quyết xung đột).", "Merge concurrent revisions (resolve a conflict).")))
    var resolve = false
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Bản hiện tại mà nội dung mới sửa từ đó (lặp lại khi có nhiều); nếu hồ sơ đã đổi thì không ghi gì (RECORD_CHANGED).",
                "The current revision the new body was made from (repeat for several); if the record has changed since, nothing is written (RECORD_CHANGED)."
            ), valueName: "REVISION"))
    var expectHead: [String] = []
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Mã hồ sơ.", "Record id."), valueName: "RECORD-ID"))
    var recordId: String
    @Argument(help: ArgumentHelp(t("Tệp JSON chứa nội dung mới.", "JSON file with the new body."), valueName: "FILE"))
    var file: String

    func run() throws {
        let body = try readJSONFile(file)
        let archive = try global.openArchive()
        let id = try archive.revise(
            record: recordId, body: body, author: who.resolved, reason: reason, resolve: resolve,
            expectedHeads: expectHead.isEmpty ? nil : expectHead)
        if output.json {
            printJSON(["revision": id.hex, "recordId": recordId])
        } else {
            print(t("Đã sửa hồ sơ \(recordId): bản mới \(id.hex)", "Revised record \(recordId): new revision \(id.hex)"))
        }
    }
}

struct RecordShow: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "show",
            abstract: t("In bản hiện tại của hồ sơ (dạng chuẩn tắc).", "Print a record's current revision (canonical form)."))
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(t("Mã hồ sơ.", "Record id."), valueName: "RECORD-ID"))
    var recordId: String

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        let (_, rev) = try archive.current(record: recordId)
        FileHandle.standardOutput.write(Data(try rev.canonicalBytes()) + Data("\n".utf8))
    }
}

struct History: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(abstract: t("Lịch sử các bản của một hồ sơ.", "The revisions of a record."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Mã hồ sơ.", "Record id."), valueName: "RECORD-ID"))
    var recordId: String

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        let rows = try archive.history(record: recordId)
        let heads = Set(try archive.heads(record: recordId))
        if output.json {
            struct Item: Encodable {
                var revision: RevisionInfo
                var head: Bool
                /// The correction request that committed it, when it is a correction after a term lock.
                var correction: String?
            }
            printJSON(
                try rows.map {
                    Item(
                        revision: $0, head: heads.contains($0.id),
                        correction: try archive.correction(committing: $0.id, book: recordId)?.recordId)
                })
            return
        }
        for r in rows {
            let mark = heads.contains(r.id) ? (heads.count > 1 ? t(" [XUNG ĐỘT]", " [CONFLICT]") : t(" [hiện tại]", " [current]")) : ""
            print("\(r.id)\(mark)")
            print("  \(t("lúc", "time")): \(r.time)  \(t("người", "author")): \(r.author)")
            if !r.parents.isEmpty { print("  \(t("sau", "parents")): \(r.parents.joined(separator: ", "))") }
            if let reason = r.reason { print("  \(t("lý do", "reason")): \(reason)") }
            if let c = try archive.correction(committing: r.id, book: recordId) {
                print(
                    "  "
                        + t(
                            "SỬA SAU KHÓA SỔ — \(c.decidedByName ?? "") duyệt",
                            "CORRECTION AFTER THE TERM LOCK — approved by \(c.decidedByName ?? "")"))
            }
        }
        // A ledger's custody changes by transfers, records of their own: shown with its history.
        for s in try archive.custodyTransfers(ofLedger: recordId) {
            let sealed = s.sealedBy.isEmpty ? "—" : s.sealedBy.joined(separator: ", ")
            let counter = s.countersignedBy.isEmpty ? t("chưa", "not yet") : s.countersignedBy.joined(separator: ", ")
            print(
                t(
                    "CHUYỂN GIAO \(s.transfer.date): \(s.transfer.from.office) → \(s.transfer.to.office) (\(s.id)); ký gửi: \(sealed); ký nhận: \(counter)",
                    "CUSTODY TRANSFER \(s.transfer.date): \(s.transfer.from.office) → \(s.transfer.to.office) (\(s.id)); sender's seal: \(sealed); receiver's seal: \(counter)"
                ))
        }
    }
}

struct Conflicts: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: t("Các hồ sơ có bản song song chưa hợp nhất.", "Records with concurrent revisions not yet merged."),
            discussion: t("Mã thoát 0 dù có hay không có xung đột.", "Exit code 0 whether or not there are conflicts."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        let list = try archive.conflicts()
        if output.json {
            printJSON(list)
            return
        }
        if list.isEmpty {
            print(t("Không có xung đột.", "No conflicts."))
            return
        }
        for c in list {
            print("\(c.recordId): \(c.heads.count) \(t("bản song song", "concurrent revisions"))")
            for h in c.heads { print("  \(h)") }
        }
    }
}
