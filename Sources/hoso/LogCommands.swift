import ArgumentParser
import Foundation
import HosoAccounts
import HosoKit

struct LogCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "log",
            abstract: t(
                "Nhật ký minh bạch của kho (cây Merkle, điểm kiểm đã ký).",
                "The archive's transparency log (Merkle tree, signed checkpoints)."),
            discussion: t(
                """
                Mọi đối tượng thêm vào kho (phiên bản hồ sơ, chữ ký, dấu thời gian, dòng sổ cấp bản sao, yêu cầu…) là một mục của nhật ký \
                trong thư mục log/. Nếu kho là một nút đồng bộ, mỗi lần ghi có một điểm kiểm ký bằng khóa của nút.
                """,
                """
                Every object added to the archive (record revisions, signatures, timestamps, copy register lines, requests…) is an entry of \
                the log in log/. When the archive is a sync node, each write gets a checkpoint signed by the node key.
                """),
            subcommands: [LogShow.self, LogProve.self, LogConsistencyCommand.self, LogVerify.self])
    }
}

struct LogShow: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "show", abstract: t("Kích thước, gốc và điểm kiểm mới nhất.", "Size, root and the latest checkpoint."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let status = try global.openArchive().logStatus()
        if output.json {
            printJSON(status)
            return
        }
        print("\(t("Số mục", "Entries")): \(status.size)")
        print("\(t("Gốc", "Root")): \(status.root)")
        print("\(t("Điểm kiểm", "Checkpoints")): \(status.checkpoints)")
        if let cp = status.checkpoint {
            print(t("Điểm kiểm mới nhất:", "Latest checkpoint:"))
            print(cp, terminator: "")
        } else {
            print(
                t("Chưa có điểm kiểm (kho chưa là nút đồng bộ có khóa).", "No checkpoint yet (the archive is not a sync node with a key)."))
        }
        if status.witnesses.isEmpty {
            print(t("Chưa có nút nào xác nhận (ký kèm) nhật ký này.", "No node has witnessed (cosigned) this log yet."))
        } else {
            print(t("Đã được xác nhận bởi:", "Witnessed by:"))
            for w in status.witnesses {
                print("  \(w.name) — \(t("\(w.size) mục", "\(w.size) entries")), \(w.time)")
            }
        }
        for i in status.incidents {
            print("\(t("Sự cố", "Incident")) [\(i.error.code)] \(i.detected): \(i.error.text(cliLang))")
        }
    }
}

struct LogConsistencyCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "consistency",
            abstract: t(
                "Bằng chứng nhất quán giữa hai điểm kiểm (hay hai kích thước) của nhật ký.",
                "The consistency proof between two checkpoints (or sizes) of the log."),
            discussion: t(
                "CŨ và MỚI: một số mục, hoặc một tệp điểm kiểm đã ký (kiểm chữ ký nút và đối chiếu với nhật ký). Mã thoát 1 (LOG_FORK) nếu tệp điểm kiểm không khớp nhật ký.",
                "OLD and NEW: a number of entries, or a signed checkpoint file (its node signature checked and matched against the log). Exit code 1 (LOG_FORK) when a checkpoint file does not match the log."
            ))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Kích thước hay tệp điểm kiểm cũ.", "The old size or checkpoint file."), valueName: "OLD")) var old:
        String
    @Argument(help: ArgumentHelp(t("Kích thước hay tệp điểm kiểm mới.", "The new size or checkpoint file."), valueName: "NEW")) var new:
        String

    func run() throws {
        let c = try global.openArchive().logConsistency(old: old, new: new)
        if output.json {
            printJSON(c)
            return
        }
        print("\(t("Cũ", "Old")): \(c.oldSize) \(c.oldRoot)")
        print("\(t("Mới", "New")): \(c.newSize) \(c.newRoot)")
        print(t("Bằng chứng nhất quán (RFC 9162):", "Consistency proof (RFC 9162):"))
        for h in c.proof { print("  \(h)") }
        print(t("Nhất quán: nhật ký cũ là phần đầu của nhật ký mới.", "Consistent: the old log is a prefix of the new one."))
    }
}

struct LogProve: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "prove",
            abstract: t(
                "Bằng chứng một đối tượng hay hồ sơ có trong nhật ký (theo điểm kiểm mới nhất).",
                "Prove an object or record is in the log (in the latest checkpoint)."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(
        help: ArgumentHelp(t("Mã đối tượng (hoặc tiền tố) hay mã hồ sơ.", "An object id (or prefix) or a record id."), valueName: "ID"))
    var id: String

    func run() throws {
        let proof = try global.openArchive().proveInLog(id)
        if output.json {
            printJSON(proof)
            return
        }
        print("\(t("Mục", "Entry")) \(proof.index) / \(proof.treeSize): \(proof.entry)")
        print("\(t("Băm lá", "Leaf hash")): \(proof.leafHash)")
        print(t("Đường kiểm (từ lá lên gốc):", "Audit path (leaf to root):"))
        for h in proof.proof { print("  \(h)") }
        print("\(t("Gốc", "Root")): \(proof.root)")
        if let cp = proof.checkpoint { print(cp, terminator: "") }
    }
}

struct LogVerify: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "verify",
            abstract: t("Tính lại toàn bộ nhật ký và kiểm mọi điểm kiểm.", "Recompute the whole log and check every checkpoint."),
            discussion: t(
                "Mã thoát 0 nếu nhật ký nguyên vẹn, 1 (kèm mục hỏng đầu tiên) nếu không.",
                "Exit code 0 when the log is intact, 1 (naming the first bad entry) otherwise."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try global.openArchive()
        let check = try archive.verifyLog()
        let audit = try checkAccessLog(archive)
        if output.json {
            printJSON(check)
            return
        }
        print(
            t(
                "Nhật ký nguyên vẹn: \(check.size) mục, \(check.checkpoints) điểm kiểm, gốc \(check.root).",
                "The log is intact: \(check.size) entries, \(check.checkpoints) checkpoints, root \(check.root)."))
        if let audit {
            print(
                t(
                    "Nhật ký truy cập của máy chủ: \(audit.entries) mục, khớp với các mốc trong nhật ký minh bạch.",
                    "The server's access log: \(audit.entries) entries, matching its anchors in the transparency log."))
        }
        if !check.signaturesChecked && check.checkpoints > 0 {
            print(
                t(
                    "Kho không phải nút đồng bộ: chưa kiểm chữ ký của điểm kiểm.",
                    "The archive is not a sync node: checkpoint signatures were not checked."))
        }
    }

    /// The web server's access log (when the archive has one) against its anchors; a cut or re-hashed log is damage.
    func checkAccessLog(_ archive: Archive) throws -> ServerStore.ChainCheck? {
        let path = global.archivePath + "/" + ServerStore.fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let anchors = try archive.auditAnchors().map { AuditAnchor(seq: $0.seq, hash: $0.hash) }
        let check = try ServerStore(path: path, clock: try global.clock()).checkAuditChain(anchors: anchors)
        guard check.intact else {
            throw HosoError(
                .auditLogBroken,
                .both(
                    "Nhật ký truy cập bị cắt hoặc bị sửa từ mục \(check.firstBroken ?? 0)",
                    "The access log was cut or rewritten from entry \(check.firstBroken ?? 0)"), location: path)
        }
        return check
    }
}

/// One access-log entry written by the CLI (`hoso user …`), anchored in the archive's transparency log as the server
/// anchors its own, so the CLI's entries are covered too.
func anchoredAudit(
    _ global: GlobalOptions, _ hub: HubDatabaseOption, _ store: any ServerStoring, actor: String, action: String, target: String,
    detail: String = ""
)
    throws
{
    let item = ServerStore.AuditItem(
        at: HosoClock.format(try global.clock().now()), actor: actor, action: action, target: target, detail: detail)
    if let last = try store.append([item]) { try global.openArchive(hub: hub).anchorAuditLog(seq: last.seq, hash: last.hash) }
}
