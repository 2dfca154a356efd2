import ArgumentParser
import Foundation
import HosoHub
import HosoKit
import HosoPostgres

#if canImport(Glibc)
import Glibc
#endif

/// `hoso hub`: the province hub on PostgreSQL (issue 21, in progress). For now, the check of its object store.
struct HubCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "hub",
            abstract: t("Kho cấp tỉnh trên PostgreSQL (đang xây dựng).", "The province hub on PostgreSQL (in progress)."),
            subcommands: [HubInit.self, HubFsck.self])
    }
}

struct HubFsck: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "fsck",
            abstract: t(
                "Kiểm tra kho đối tượng trong PostgreSQL: băm lại mọi đối tượng.",
                "Check the object store in PostgreSQL: re-hash every object."),
            discussion: t(
                "Mã thoát 0 nếu không có hư hỏng, 1 nếu có. Không sửa gì.",
                "Exit code 0 when nothing is damaged, 1 otherwise. Repairs nothing."))
    }

    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Địa chỉ cơ sở dữ liệu (postgres://…; mặc định: $HOSO_DATABASE).",
                "The database URL (postgres://…; default: $HOSO_DATABASE)."),
            valueName: "URL"))
    var database: String?
    @OptionGroup var output: OutputOptions

    /// What `--json` prints.
    struct Report: Encodable {
        struct Damage: Encodable {
            var id: String
            var problem: String
            var detail: String
        }
        var objects: Int
        var damaged: [Damage]
        var orphanChunks: [String]
        var ok: Bool
    }

    func run() throws {
        guard let url = database ?? ProcessInfo.processInfo.environment["HOSO_DATABASE"], !url.isEmpty else {
            throw ValidationError(t("Cần --database postgres://…", "--database postgres://… is needed"))
        }
        let client = try BlockingPostgresClient(url)
        defer { client.close() }
        // Checking stages nothing; the store still wants a staging directory of its own.
        let staging = FileManager.default.temporaryDirectory.path + "/hoso-hub-fsck-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let store = try PostgresObjectStore(client: client, stagingDirectory: staging)
        let found = try store.fsck()
        let report = Report(
            objects: found.checked,
            damaged: found.damaged.sorted { $0.key < $1.key }.map {
                Report.Damage(id: $0.key.hex, problem: $0.value.0.rawValue, detail: $0.value.1)
            },
            orphanChunks: found.orphanChunks.map(\.hex), ok: found.isClean)
        if output.json {
            printJSON(report)
        } else {
            for d in report.damaged { print("\(Fsck.problemLabel(d.problem)): \(d.id)  \(d.detail)") }
            for id in report.orphanChunks {
                print(t("PHẦN LẺ: \(id) (không thuộc đối tượng nào)", "ORPHAN CHUNKS: \(id) (belong to no object)"))
            }
            print(t("Đã kiểm tra \(report.objects) đối tượng.", "Checked \(report.objects) objects."))
            print(
                report.ok
                    ? t("Không phát hiện hư hỏng.", "No damage found.")
                    : t("HƯ HỎNG: \(report.damaged.count) đối tượng hỏng.", "DAMAGE: \(report.damaged.count) damaged objects."))
        }
        if !report.ok { throw ExitCode(HosoExit.damage) }
    }
}

/// The hub's database a command is pointed at: `--database`, else $HOSO_DATABASE; nil when neither is set (the
/// archive is then the folder's).
func hubDatabase(_ option: String?) -> String? {
    if let option, !option.isEmpty { return option }
    if let env = ProcessInfo.processInfo.environment["HOSO_DATABASE"], !env.isEmpty { return env }
    return nil
}

/// The `--database` option of the commands that also run against the hub (fsck, reindex, serve).
struct HubDatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Cơ sở dữ liệu của kho cấp tỉnh (postgres://…; mặc định: $HOSO_DATABASE). Khi có, thư mục kho là thư mục riêng của máy chủ ứng dụng; dữ liệu nằm trong PostgreSQL.",
                "The province hub's database (postgres://…; default: $HOSO_DATABASE). With it, the archive directory is the application server's own folder; the data is in PostgreSQL."
            ),
            valueName: "URL"))
    var database: String?

    /// The URL, from the option or the environment; nil for a folder archive.
    var url: String? { hubDatabase(database) }
}

extension GlobalOptions {
    /// The archive: on the hub's PostgreSQL when a database is given, else the folder's (see `openArchive(_:)`).
    func openArchive(_ access: Archive.Access = .readWrite, hub: HubDatabaseOption) throws -> Archive {
        guard let url = hub.url else { return try openArchive(access) }
        return try Hub.openHub(root: archivePath, database: url, clock: clock())
    }
}

struct HubInit: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "init",
            abstract: t(
                "Tạo thư mục của một máy chủ ứng dụng của kho cấp tỉnh và bảng dữ liệu trong PostgreSQL.",
                "Make an application server's folder of the province hub, and the tables in PostgreSQL."),
            discussion: t(
                "Thư mục (--archive) chứa cấu hình và khóa của máy chủ; đối tượng, chỉ mục và số lần ghi nằm trong PostgreSQL. Chạy lại trên cơ sở dữ liệu đã có thì chỉ tạo thư mục.",
                "The folder (--archive) holds the server's configuration and keys; objects, index and write number are in PostgreSQL. Run on a database that has them already, it only makes the folder."
            ))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption

    func run() throws {
        guard let url = hub.url else { throw ValidationError(t("Cần --database postgres://…", "--database postgres://… is needed")) }
        try Hub.createHub(root: global.archivePath, database: url, clock: global.clock())
        print(t("Đã tạo kho cấp tỉnh tại \(global.archivePath).", "Created the hub archive at \(global.archivePath)."))
    }
}
