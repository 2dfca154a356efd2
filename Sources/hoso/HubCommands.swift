import ArgumentParser
import Foundation
import HosoHub
import HosoKit
import HosoPostgres

#if canImport(Glibc)
import Glibc
#endif

/// `hoso hub`: the province hub on PostgreSQL (issue 21, in progress): setting up its roles and schema, its status,
/// and the check of its object store.
struct HubCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "hub",
            abstract: t("Kho cấp tỉnh trên PostgreSQL (đang xây dựng).", "The province hub on PostgreSQL (in progress)."),
            subcommands: [HubInit.self, HubAddServer.self, HubStatusCommand.self, HubFsck.self])
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
        let client = try BlockingPostgresClient(try hubDatabaseURL(database))
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

/// `--database`, else `$HOSO_DATABASE`.
func hubDatabaseURL(_ option: String?) throws -> String {
    guard let url = option ?? ProcessInfo.processInfo.environment["HOSO_DATABASE"], !url.isEmpty else {
        throw ValidationError(t("Cần --database postgres://…", "--database postgres://… is needed"))
    }
    return url
}

struct HubInit: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "init",
            abstract: t(
                "Tạo hoặc cập nhật các vai trò và lược đồ của kho cấp tỉnh (chạy lại bao nhiêu lần cũng được).",
                "Create or update the hub's roles and schema (safe to run again)."),
            discussion: t(
                """
                Kết nối bằng tài khoản quản trị. Vai trò chủ sở hữu (không đăng nhập) sở hữu mọi bảng; vai trò ứng dụng \
                chỉ được đọc và thêm vào lịch sử (đối tượng, nhật ký), đọc/ghi chỉ mục; vai trò chỉ đọc chỉ được SELECT. \
                Mật khẩu lấy từ biến môi trường HOSO_APP_PASSWORD, HOSO_READER_PASSWORD hoặc từ tệp, không bao giờ từ \
                dòng lệnh; chỉ đặt khi tạo vai trò, hoặc với --set-passwords.
                """,
                """
                Connects as an administrator. The owner role (no login) owns every table; the application role may only \
                read and add to history (objects, the log), and read and write the index; the reader role may only \
                SELECT. Passwords come from $HOSO_APP_PASSWORD, $HOSO_READER_PASSWORD or a file, never the command line; \
                they are set when a role is made, or with --set-passwords.
                """))
    }

    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Địa chỉ cơ sở dữ liệu, tài khoản quản trị (postgres://…; mặc định: $HOSO_DATABASE).",
                "The database URL, as an administrator (postgres://…; default: $HOSO_DATABASE)."),
            valueName: "URL"))
    var database: String?
    @Option(name: .long, help: ArgumentHelp(t("Tên vai trò chủ sở hữu.", "The owner role's name."), valueName: "ROLE"))
    var ownerRole = "hoso_owner"
    @Option(name: .long, help: ArgumentHelp(t("Tên vai trò ứng dụng.", "The application role's name."), valueName: "ROLE"))
    var appRole = "hoso_app"
    @Option(name: .long, help: ArgumentHelp(t("Tên vai trò chỉ đọc.", "The reader role's name."), valueName: "ROLE"))
    var readerRole = "hoso_reader"
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Tệp chứa mật khẩu vai trò ứng dụng (thay cho $HOSO_APP_PASSWORD).",
                "A file holding the application role's password (instead of $HOSO_APP_PASSWORD)."),
            valueName: "FILE"))
    var appPasswordFile: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Tệp chứa mật khẩu vai trò chỉ đọc (thay cho $HOSO_READER_PASSWORD).",
                "A file holding the reader role's password (instead of $HOSO_READER_PASSWORD)."),
            valueName: "FILE"))
    var readerPasswordFile: String?
    @Flag(name: .long, help: ArgumentHelp(t("Đặt lại mật khẩu của vai trò đã có.", "Set the passwords of roles that exist already.")))
    var setPasswords = false
    @OptionGroup var output: OutputOptions

    /// From the file (its last line break dropped), else the environment variable; nil when neither is given.
    static func password(file: String?, variable: String) throws -> String? {
        if let file {
            guard var text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError(t("Không đọc được tệp mật khẩu \(file)", "Cannot read the password file \(file)"))
            }
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            return text
        }
        return ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    func run() throws {
        let client = try BlockingPostgresClient(try hubDatabaseURL(database))
        defer { client.close() }
        let report = try HubSetup.initialize(
            client: client, schema: .province, roles: HubSetup.Roles(owner: ownerRole, application: appRole, reader: readerRole),
            applicationPassword: try Self.password(file: appPasswordFile, variable: "HOSO_APP_PASSWORD"),
            readerPassword: try Self.password(file: readerPasswordFile, variable: "HOSO_READER_PASSWORD"),
            setPasswords: setPasswords)
        if output.json {
            printJSON(report)
            return
        }
        for r in report.rolesCreated { print(t("Đã tạo vai trò \(r)", "Created role \(r)")) }
        for r in report.passwordsSet { print(t("Đã đặt mật khẩu cho \(r)", "Set the password of \(r)")) }
        for m in report.migrationsApplied { print(t("Đã áp dụng bước lược đồ \(m)", "Applied schema step \(m)")) }
        print(
            t(
                "Quyền đã đặt cho \(report.tables.count) bảng. Kho đã sẵn sàng.",
                "Privileges set on \(report.tables.count) tables. The hub is ready."))
    }
}

struct HubStatusCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "status",
            abstract: t(
                "Máy chủ này là máy chính hay dự phòng, độ trễ của máy dự phòng, các bước lược đồ còn thiếu.",
                "Whether this server is the primary or a standby, the standbys' lag, missing schema steps."),
            discussion: t(
                "Chỉ đọc. Danh sách máy dự phòng cần quyền pg_monitor hoặc quản trị.",
                "Reads only. The list of standbys needs pg_monitor or an administrator."))
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

    func run() throws {
        let client = try BlockingPostgresClient(try hubDatabaseURL(database))
        defer { client.close() }
        let s = try HubStatus.read(client: client, schema: .province)
        if output.json {
            printJSON(s)
            return
        }
        func seconds(_ v: Double?) -> String { v.map { String(format: "%.3f s", $0) } ?? "-" }
        print(
            s.role == "primary"
                ? t("Máy chính (PostgreSQL \(s.serverVersion))", "Primary (PostgreSQL \(s.serverVersion))")
                : t("Máy dự phòng (PostgreSQL \(s.serverVersion))", "Standby (PostgreSQL \(s.serverVersion))"))
        if s.role == "primary" {
            print(
                t("Máy dự phòng đồng bộ: ", "Synchronous standby names: ")
                    + (s.synchronousStandbyNames.isEmpty ? "-" : s.synchronousStandbyNames))
            for b in s.standbys {
                print("  \(b.name) \(b.address ?? "") \(b.state) \(b.syncState) " + t("trễ ", "lag ") + seconds(b.replayLagSeconds))
            }
        } else {
            print(t("Đang nhận WAL: ", "Receiving WAL: ") + ((s.receiving ?? false) ? t("có", "yes") : t("không", "no")))
            print(
                t("Giao dịch cuối đã áp dụng cách đây: ", "Last replayed transaction committed ") + seconds(s.replayDelaySeconds)
                    + t("", " ago"))
        }
        print(
            s.pendingMigrations.isEmpty
                ? t("Lược đồ: đủ.", "Schema: up to date.")
                : t("Lược đồ thiếu: ", "Schema steps missing: ") + s.pendingMigrations.joined(separator: ", ")
                    + t(" (chạy hoso hub init)", " (run hoso hub init)"))
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
                "Cơ sở dữ liệu của kho cấp tỉnh (postgres://…; mặc định: $HOSO_DATABASE). Khi có, thư mục kho là thư mục riêng của máy chủ ứng dụng; dữ liệu nằm trong PostgreSQL. Máy chính và máy dự phòng: postgres://…@db1:5432,db2:5432/hoso?target_session_attrs=read-write (tự theo máy được nâng lên).",
                "The province hub's database (postgres://…; default: $HOSO_DATABASE). With it, the archive directory is the application server's own folder; the data is in PostgreSQL. Primary and standby: postgres://…@db1:5432,db2:5432/hoso?target_session_attrs=read-write (follows the promoted one)."
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

/// `hoso hub add-server`: one more application server of a hub whose database `hoso hub init` made.
struct HubAddServer: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "add-server",
            abstract: t(
                "Tạo thư mục của một máy chủ ứng dụng của kho cấp tỉnh (sau hoso hub init).",
                "Make an application server's folder of the province hub (after hoso hub init)."),
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
