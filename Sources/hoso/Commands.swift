import ArgumentParser
import Foundation
import HosoKit

struct Hoso: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "hoso",
            abstract: t(
                "hoso — kho lưu trữ hồ sơ trường học, làm việc không cần mạng.",
                "hoso — an offline-first archive of school records."),
            discussion: t(
                """
                Kho được tìm theo thứ tự: --archive DIR, biến môi trường HOSO_ARCHIVE, rồi ./archive.
                Ngôn ngữ: tiếng Việt mặc định; tiếng Anh với --lang en, HOSO_LANG=en hoặc locale tiếng Anh.

                Mã thoát:
                """,
                """
                The archive is found from: --archive DIR, the HOSO_ARCHIVE environment variable, then ./archive.
                Language: Vietnamese by default; English with --lang en, HOSO_LANG=en or an English locale.

                Exit codes:
                """) + "\n" + HosoExit.helpLines,
            version: "0.1.0",
            subcommands: [
                Init.self, Add.self, Cat.self, Ls.self, Info.self, Fsck.self, Reindex.self,
                GradeBookCommand.self, TranscriptCommand.self, HocBaCommand.self, TermCommand.self, CorrectionCommand.self,
                RecordCommand.self, History.self, Conflicts.self, LedgerCommand.self, Find.self,
                Sign.self, Verify.self, Timestamp.self, Renew.self, TrustCommand.self, PKICommand.self, TSACommand.self,
                RequestCommand.self, OfficeCommand.self, CopyCommand.self, ExtractCommand.self,
                NodeCommand.self, PeerCommand.self, LogCommand.self, BundleCommand.self, SyncCommand.self, Serve.self, UserCommand.self,
                AgentCommand.self,
                ReportCommand.self,
                HubCommand.self,
                ImportCommand.self,
                CustodyCommand.self,
                SchoolCommand.self,
                InternalCheck.self,
            ]
        )
    }
}

struct Init: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(abstract: t("Tạo một kho lưu trữ mới, trống.", "Create a new, empty archive."))
    }

    @OptionGroup var global: GlobalOptions
    @Argument(
        help: ArgumentHelp(
            t("Thư mục của kho (mặc định: như --archive).", "Archive directory (default: as --archive)."),
            valueName: "DIR"))
    var dir: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let path = dir ?? global.archivePath
        _ = try Archive.create(at: path, clock: global.clock())
        if output.json {
            printJSON(["archive": path])
        } else {
            print(t("Đã tạo kho lưu trữ tại \(path)", "Created an archive at \(path)"))
        }
    }
}

struct Add: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: t("Thêm tệp và thư mục (đệ quy) vào kho.", "Add files and directories (recursively) to the archive."),
            discussion: t(
                """
                Mọi đường dẫn được kiểm tra trước; nếu có lỗi, mọi lỗi được liệt kê và kho không đổi.
                Tệp được lưu theo lô; mỗi lô an toàn trước sự cố (ghi tạm, fsync, đổi tên).
                """,
                """
                Every path is checked first; if anything is wrong, every problem is listed and the archive is unchanged.
                Files are stored in batches; each batch is crash-safe (temporary file, fsync, rename).
                """))
    }

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp(t("Loại đối tượng (mặc định: blob).", "Object kind (default: blob)."), valueName: "KIND"))
    var kind: String = "blob"
    @Flag(name: .long, help: ArgumentHelp(t("Mỗi tệp một dòng JSON (JSON Lines).", "One JSON line per file (JSON Lines).")))
    var json = false
    @Argument(help: ArgumentHelp(t("Tệp hoặc thư mục.", "Files or directories."), valueName: "PATH"))
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError(t("Cần ít nhất một đường dẫn", "At least one path is needed")) }
    }

    func run() throws {
        let k = try ObjectKind.parse(kind)
        let archive = try global.openArchive()
        let bar = ProgressBar(label: t("Đang thêm", "Adding"))
        let json = self.json
        let report: AddReport
        do {
            // HOSO_BATCH_FILES makes batches smaller, so crash tests can land kills between commits.
            let batchFiles = ProcessInfo.processInfo.environment["HOSO_BATCH_FILES"].flatMap { Int($0) } ?? Archive.batchFiles
            report = try archive.add(
                paths, kind: k, batchFiles: batchFiles,
                progress: { p in
                    let fraction =
                        p.totalBytes > 0 ? Double(p.bytes) / Double(p.totalBytes) : Double(p.files) / Double(max(1, p.totalFiles))
                    bar.update(
                        fraction: fraction,
                        detail: "\(p.files)/\(p.totalFiles) \(t("tệp", "files")), \(humanBytes(p.bytes))/\(humanBytes(p.totalBytes))")
                },
                partial: { partial in
                    bar.finish()
                    if json { for e in partial.entries { printJSON(e, pretty: false) } }
                    if !partial.entries.isEmpty {
                        printErr(
                            t(
                                "hoso: \(partial.entries.count) tệp đã được lưu an toàn trước khi dừng; \(partial.notStored.count) tệp chưa lưu. Chạy lại lệnh để hoàn tất.",
                                "hoso: \(partial.entries.count) files were stored safely before stopping; \(partial.notStored.count) were not. Run the command again to finish."
                            ))
                    }
                })
        }
        bar.finish()
        if json {
            for e in report.entries { printJSON(e, pretty: false) }
            return
        }
        let newCount = report.entries.filter(\.new).count
        let size = report.entries.reduce(UInt64(0)) { $0 + $1.size }
        let stored = report.entries.filter(\.new).reduce(UInt64(0)) { $0 + $1.stored }
        print(
            t(
                "Đã thêm \(report.entries.count) tệp (\(humanBytes(size))): \(newCount) đối tượng mới (chiếm \(humanBytes(stored))), \(report.entries.count - newCount) đã có sẵn.",
                "Added \(report.entries.count) files (\(humanBytes(size))): \(newCount) new objects (taking \(humanBytes(stored))), \(report.entries.count - newCount) already present."
            ))
    }
}

struct Cat: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(abstract: t("In nội dung một đối tượng (đã kiểm tra mã băm).", "Print an object's content (digest checked)."))
    }

    @OptionGroup var global: GlobalOptions
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            t(
                "Ghi vào tệp này thay vì đầu ra chuẩn (chỉ xuất hiện khi đã kiểm tra xong).",
                "Write to this file instead of standard output (it appears only once checked)."),
            valueName: "FILE"))
    var output: String?
    @Argument(
        help: ArgumentHelp(t("Mã đối tượng hoặc tiền tố (≥ 4 chữ số hex).", "Object id or a prefix (≥ 4 hex digits)."), valueName: "ID"))
    var id: String

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        let oid = try archive.resolve(id)
        if let output {
            try archive.store.export(oid, to: output)
        } else {
            try archive.store.copy(oid, to: FileHandleFD(fd: dup(1), path: "<stdout>"))
        }
    }
}

struct Ls: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(abstract: t("Liệt kê các đối tượng trong kho.", "List the objects in the archive."))
    }

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp(t("Chỉ loại này.", "Only this kind."), valueName: "KIND"))
    var kind: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        let rows = try archive.list(kind: try kind.map(ObjectKind.parse))
        if output.json {
            printJSON(rows)
            return
        }
        for r in rows {
            let names = r.names.isEmpty ? "" : "  " + r.names.joined(separator: ", ")
            print("\(r.id)  \(r.kind.padding(toLength: 9, withPad: " ", startingAt: 0)) \(String(r.size).leftPad(12))\(names)")
        }
    }
}

struct Info: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(abstract: t("Thông tin về một đối tượng.", "Information about one object."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Mã đối tượng hoặc tiền tố.", "Object id or a prefix."), valueName: "ID"))
    var id: String

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        let info = try archive.info(try archive.resolve(id))
        if output.json {
            printJSON(info)
            return
        }
        print("\(t("Mã", "Id")):          \(info.id)")
        print("\(t("Loại", "Kind")):        \(info.kind)")
        print("\(t("Kích thước", "Size")):  \(info.size) \(t("byte", "bytes")) (\(humanBytes(info.size)))")
        print("\(t("Lưu trữ", "Stored")):     \(info.stored) \(t("byte", "bytes")), \(info.encoding)")
        print("\(t("Tệp", "File")):         \(info.file)")
        if info.names.isEmpty {
            print(t("Tên:         (không có)", "Names:       (none)"))
        } else {
            print(t("Tên:", "Names:"))
            for n in info.names { print("  \(n.path)  (\(t("thêm lúc", "added")) \(n.addedAt))") }
        }
        if let entries = info.entries {
            print(t("Danh mục (\(entries.count) mục):", "Lists (\(entries.count) entries):"))
            for e in entries { print("  \(e.id)  \(e.path)") }
        }
    }
}

struct Fsck: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: t("Kiểm tra toàn bộ kho: băm lại mọi đối tượng.", "Check the whole archive: re-hash every object."),
            discussion: t(
                "Mã thoát 0 nếu không có hư hỏng, 1 nếu có. Không sửa gì.",
                "Exit code 0 when nothing is damaged, 1 otherwise. Repairs nothing."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try global.openArchive(.readOnly, hub: hub)
        let bar = ProgressBar(label: t("Đang kiểm tra", "Checking"))
        let report = try archive.fsck { p in
            bar.update(
                fraction: Double(p.objects) / Double(max(1, p.totalObjects)),
                detail: "\(p.objects)/\(p.totalObjects), \(humanBytes(p.bytes))")
        }
        bar.finish()
        if output.json {
            printJSON(report)
        } else {
            for d in report.damaged + report.missing {
                print("\(Self.problemLabel(d.problem)): \(d.path)  \(d.detail)")
            }
            print(
                t(
                    "Đã kiểm tra \(report.objects) đối tượng (\(humanBytes(report.bytes))).",
                    "Checked \(report.objects) objects (\(humanBytes(report.bytes)))."))
            if report.ok {
                print(t("Không phát hiện hư hỏng.", "No damage found."))
            } else {
                print(
                    t(
                        "HƯ HỎNG: \(report.damaged.count) tệp hỏng, \(report.missing.count) đối tượng bị mất.",
                        "DAMAGE: \(report.damaged.count) damaged files, \(report.missing.count) missing objects."))
            }
            if report.index.indexedButAbsent > 0 {
                // Objects the index lists but the store lacks are losses (reported above): a rebuilt index would
                // forget them, so `reindex` is not the advice; restoring them from a backup or a peer is.
                print(
                    t(
                        "Chỉ mục ghi \(report.index.indexedButAbsent) đối tượng mà kho không còn: hãy khôi phục chúng (bản sao lưu, nút đồng bộ) bằng `hoso add` hoặc `hoso sync` trước khi dựng lại chỉ mục.",
                        "The index lists \(report.index.indexedButAbsent) objects the store no longer holds: restore them (a backup, a sync peer) with `hoso add` or `hoso sync` before rebuilding the index."
                    ))
            } else if !report.index.upToDate {
                print(
                    t(
                        "Chỉ mục chưa ghi \(report.index.notIndexed) đối tượng của kho; chạy `hoso reindex`.",
                        "The index does not list \(report.index.notIndexed) objects of the store; run `hoso reindex`."
                    ))
            }
            if report.temporaryFiles > 0 {
                print(
                    t(
                        "\(report.temporaryFiles) tệp tạm còn lại trong tmp/ (sẽ được dọn ở lần ghi sau).",
                        "\(report.temporaryFiles) temporary files remain in tmp/ (removed by the next write)."))
            }
        }
        if !report.ok { throw ExitCode(HosoExit.damage) }
    }

    static func problemLabel(_ p: String) -> String {
        switch p {
        case "corrupt": return t("HỎNG", "CORRUPT")
        case "truncated": return t("CẮT CỤT", "TRUNCATED")
        case "malformed": return t("SAI ĐẦU TỆP", "MALFORMED")
        case "unreadable": return t("KHÔNG ĐỌC ĐƯỢC", "UNREADABLE")
        case "misplaced": return t("SAI CHỖ", "MISPLACED")
        case "stray": return t("TỆP LẠ", "STRAY")
        case "missing": return t("MẤT", "MISSING")
        case "dangling": return t("THAM CHIẾU TREO", "DANGLING")
        case "kind": return t("SAI LOẠI", "KIND MISMATCH")
        case "log": return t("NHẬT KÝ", "LOG")
        default: return p.uppercased()
        }
    }
}

struct Reindex: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: t(
                "Dựng lại chỉ mục (SQLite, hoặc PostgreSQL của kho cấp tỉnh) chỉ từ các đối tượng.",
                "Rebuild the index (SQLite, or the province hub's PostgreSQL) from the objects alone."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try global.openArchive(hub: hub)
        let bar = ProgressBar(label: t("Đang dựng chỉ mục", "Reindexing"))
        let report = try archive.reindex { done, total in
            bar.update(fraction: Double(done) / Double(max(1, total)), detail: "\(done)/\(total)")
        }
        bar.finish()
        if output.json {
            printJSON(report)
            return
        }
        print(
            t(
                "Đã dựng lại chỉ mục: \(report.objects) đối tượng, \(report.manifests) manifest, \(report.names) tên, \(report.revisions) bản hồ sơ.",
                "Rebuilt the index: \(report.objects) objects, \(report.manifests) manifests, \(report.names) names, \(report.revisions) record revisions."
            ))
        if !report.skipped.isEmpty {
            print(
                t(
                    "Bỏ qua \(report.skipped.count) tệp hỏng hoặc lạ; chạy `hoso fsck` để xem.",
                    "Skipped \(report.skipped.count) damaged or stray files; run `hoso fsck` for details."))
        }
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
