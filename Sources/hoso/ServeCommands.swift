import ArgumentParser
import Foundation
import HosoAccounts
import HosoHub
import HosoKit
import HosoOCR
import HosoServer
import Synchronization

struct Serve: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "serve",
            abstract: t(
                "Chạy ứng dụng web cho văn thư, cán bộ văn bằng, giáo viên, và trang kiểm tra bản sao công khai.",
                "Run the web application for clerks, registrars and teachers, and the public copy-verification page."),
            discussion: t(
                """
                Tài khoản tạo bằng `hoso user add`. Khóa ký của cơ quan (--office-key) dùng để cấp bản sao; thiếu nó,
                các màn hình khác vẫn chạy. Dữ liệu riêng của máy chủ (tài khoản, phiên, nhật ký truy cập) nằm trong
                server.sqlite trong thư mục kho và không đồng bộ; với --database (kho cấp tỉnh) thì nằm trong PostgreSQL, dùng chung
                cho mọi máy chủ ứng dụng. In ra "http://HOST:PORT" khi sẵn sàng (--port 0: cổng tự chọn).
                """,
                """
                Accounts are made with `hoso user add`. The office key (--office-key) signs the copies; without it the other
                screens still work. The server's own data (accounts, sessions, access log) is in server.sqlite in the
                archive folder and never syncs; with --database (the province hub) it is in PostgreSQL, shared by every
                application server. Prints "http://HOST:PORT" when ready (--port 0: any free port).
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Máy dự phòng của kho cấp tỉnh (postgres://…, vai trò chỉ đọc; mặc định: $HOSO_STANDBY_DATABASE): trang kiểm tra bản sao công khai đọc từ đây. Cả hai máy: postgres://…@db2,db1/hoso?target_session_attrs=prefer-standby.",
                "The province hub's hot standby (postgres://…, the reader role; default: $HOSO_STANDBY_DATABASE): the public verification pages read from it. Both hosts: postgres://…@db2,db1/hoso?target_session_attrs=prefer-standby."
            ),
            valueName: "URL"))
    var standby: String?
    @Argument(
        help: ArgumentHelp(
            t("Thư mục kho (thay cho --archive).", "The archive directory (instead of --archive)."), valueName: "ROOT"))
    var root: String?
    @Option(name: .long, help: ArgumentHelp(t("Địa chỉ lắng nghe.", "Address to listen on."), valueName: "HOST")) var host = "127.0.0.1"
    @Option(name: .long, help: ArgumentHelp(t("Cổng (0: tự chọn).", "Port (0: any free port)."), valueName: "N")) var port = 8080
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Khóa ký bản sao của cơ quan: tệp PKCS#12 hoặc pkcs11:URI.",
                "The office's copy-signing key: a PKCS#12 file or a pkcs11:URI."), valueName: "FILE.p12"))
    var officeKey: String?
    @OptionGroup var password: SecretOptions
    @Option(name: .long, help: ArgumentHelp(t("Máy chủ dấu thời gian cho bản sao.", "Time-stamp authority for copies."), valueName: "URL"))
    var tsa: String?
    @Flag(
        name: .long,
        help: ArgumentHelp(
            t(
                "Đặt cookie Secure (khi truy cập qua HTTPS, ví dụ sau proxy TLS).",
                "Mark cookies Secure (when reached over HTTPS, e.g. behind a TLS proxy)."))) var secureCookies = false
    @OptionGroup var tls: TLSOptions
    @Flag(
        name: .long,
        help: ArgumentHelp(
            t(
                "Vẫn cho giáo viên ký bằng cách tải tệp khóa .p12 lên (mặc định tắt: ký bằng token qua `hoso agent`).",
                "Still let teachers sign by uploading a .p12 key file (off by default: sign on the token with `hoso agent`).")))
    var allowKeyUpload = false
    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            t(
                "Địa chỉ IP của proxy phía trước (lặp lại được): địa chỉ người dùng lấy từ X-Forwarded-For của nó.",
                "A reverse proxy's IP address (repeatable): the client's address is taken from its X-Forwarded-For."),
            valueName: "IP"))
    var trustedProxy: [String] = []
    @Option(
        name: .customLong("online-pow-bits"),
        help: ArgumentHelp(
            t(
                "Độ khó phép tính chống gửi tự động của biểu mẫu trực tuyến: số bit 0 đầu SHA-256 (8–28).",
                "Difficulty of the online form's anti-abuse calculation: leading zero bits of SHA-256 (8–28)."),
            valueName: "BITS"))
    var onlinePowBits = 16
    @Flag(
        name: .customLong("no-ocr"),
        help: ArgumentHelp(
            t(
                "Không đưa gợi ý đọc từ ảnh (OCR, Tesseract) vào màn hình nhập sổ gốc.",
                "Offer no suggestions read from the scans (OCR, Tesseract) on the ledger keying screen.")))
    var noOCR = false
    @OptionGroup var listener: ListenerOptions
    @OptionGroup var publicLimits: PublicOptions
    @OptionGroup var uploads: UploadOptions

    func run() throws {
        let identity = try officeKey.map { try KeySource(key: $0, password: password).load() }
        var config = ServerConfig(
            archivePath: root ?? global.archivePath, officeIdentity: identity, timestamp: tsa.map { .url($0) },
            secureCookies: secureCookies, clock: try global.clock(), tls: tls.files, limits: listener.limits)
        config.trustedProxies = Set(trustedProxy)
        config.allowKeyUpload = allowKeyUpload
        guard (8...28).contains(onlinePowBits) else {
            throw ValidationError(t("--online-pow-bits: 8 đến 28", "--online-pow-bits: 8 to 28"))
        }
        config.online.powBits = onlinePowBits
        config.bodyLimits = uploads.limits
        // Typed ledger pages get suggestions read by Tesseract; without it installed the button says to key by hand.
        if !noOCR { config.pagePrefiller = TesseractPrefiller() }
        guard let checker = ownExecutable() else {
            throw HosoError(.internalError, .both("Không tìm thấy tệp chương trình hoso", "Cannot find the hoso executable"))
        }
        publicLimits.apply(to: &config, checker: checker)
        if standby != nil, hub.url == nil {
            throw ValidationError(t("--standby cần --database", "--standby needs --database"))
        }
        if let url = hub.url {
            // The hub's archive: its data in PostgreSQL.
            config.openArchive = { path, clock in try Hub.openHub(root: path, database: url, clock: clock) }
            // One set of accounts, sessions and one access log for every application server of the hub.
            config.accounts = try Hub.accounts(database: url, clock: config.clock, cost: config.passwordCost)
            let reader = standby ?? ProcessInfo.processInfo.environment["HOSO_STANDBY_DATABASE"]
            if let reader, !reader.isEmpty {
                config.openPublicArchive = { path, clock in try Hub.openReader(root: path, database: reader, clock: clock) }
            }
            // Uploads are checked in the sandboxed child as on a folder archive; it reads the hub where the public
            // pages read.
            config.publicChecks.checkDatabase = reader.flatMap { $0.isEmpty ? nil : $0 } ?? url
            // An anchor is a write on the shared primary: once a second per server, not once per batch.
            config.auditAnchorEvery = .seconds(1)
            // While no host takes writes, the access log waits in the server's folder; the public pages go on.
            config.auditOutage = Hub.isOutage
        }
        // A bad certificate or key stops the start with a clear error, before anything listens.
        _ = try tls.files?.configuration()
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let scheme = tls.files == nil ? "http" : "https"
        // The CLI's entry point is synchronous: the server runs in a task and this thread waits for it to stop
        // (SIGINT/SIGTERM end it gracefully).
        let outcome = ServeOutcome()
        let done = DispatchSemaphore(value: 0)
        let (host, port) = (host, port)
        let settings = config
        Task {
            do {
                try await HosoServer.run(config: settings, host: host, port: port) { bound in
                    // Unbuffered, so a script waiting for the address sees it at once.
                    FileHandle.standardOutput.write(Data("hoso serve: \(scheme)://\(shownHost):\(bound)\n".utf8))
                }
            } catch {
                outcome.error.withLock { $0 = error }
            }
            done.signal()
        }
        done.wait()
        if let e = outcome.error.withLock({ $0 }) { throw e }
    }
}

final class ServeOutcome: Sendable {
    let error = Mutex<(any Error)?>(nil)
}

struct UserCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "user",
            abstract: t("Tài khoản của ứng dụng web (hoso serve).", "Accounts of the web application (hoso serve)."),
            discussion: t(
                "Vai trò: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).",
                "Roles: \(Role.allCases.map(\.rawValue).joined(separator: ", "))."),
            subcommands: [
                UserAdd.self, UserList.self, UserPasswd.self, UserLink.self, UserResetPassword.self, UserEnable.self, UserDisable.self,
            ])
    }
}

extension Role: ExpressibleByArgument {}

extension SecretOptions {
    /// An account's password (the prompt is the one signing keys have always used here).
    func accountPassword() throws -> String {
        try secret(prompt: t("Mật khẩu tệp khóa: ", "Key file password: "))
    }
}

/// The accounts: the hub's in PostgreSQL when a database is given, else the folder's `server.sqlite`.
func openServerStore(_ global: GlobalOptions, _ hub: HubDatabaseOption) throws -> any ServerStoring {
    if let url = hub.url { return try Hub.accounts(database: url, clock: try global.clock()) }
    _ = try global.openArchive()
    return try ServerStore(path: global.archivePath + "/" + ServerStore.fileName, clock: try global.clock())
}

struct UserAdd: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "add", abstract: t("Tạo tài khoản.", "Create an account."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var pw: SecretOptions
    @Option(name: .long, help: ArgumentHelp(t("Vai trò.", "Role."), valueName: Role.allCases.map(\.rawValue).joined(separator: "|")))
    var role: Role
    @Option(name: .long, help: ArgumentHelp(t("Họ tên hiển thị.", "Display name."), valueName: "NAME")) var displayName: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Hồ sơ người (person) mà tài khoản đại diện.", "The person record the account acts as."), valueName: "PERSON-ID"))
    var person: String?
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Tên đăng nhập.", "User name."), valueName: "USER")) var name: String

    func run() throws {
        if let person { _ = try global.openArchive(hub: hub).person(person) }
        let store = try openServerStore(global, hub)
        let u = try store.addUser(
            name: name, displayName: displayName ?? name, role: role, password: try pw.accountPassword(), person: person)
        try anchoredAudit(global, hub, store, actor: "cli", action: "user-add", target: "user:\(u.name)", detail: u.role.rawValue)
        if output.json {
            printJSON(["name": u.name, "role": u.role.rawValue])
            return
        }
        print(t("Đã tạo tài khoản \(u.name) (\(u.role.rawValue))", "Created account \(u.name) (\(u.role.rawValue))"))
    }
}

struct UserList: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: t("Liệt kê tài khoản.", "List the accounts."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var output: OutputOptions

    struct Out: Encodable {
        var name: String
        var displayName: String
        var role: String
        var createdAt: String
        var disabled: Bool
        var person: String?
        var mustChangePassword: Bool
    }

    func run() throws {
        let users = try openServerStore(global, hub).users()
        if output.json {
            printJSON(
                users.map {
                    Out(
                        name: $0.name, displayName: $0.displayName, role: $0.role.rawValue, createdAt: $0.createdAt,
                        disabled: $0.disabled, person: $0.person, mustChangePassword: $0.mustChangePassword)
                })
            return
        }
        for u in users {
            let state =
                (u.disabled ? "\t" + t("(đã khóa)", "(disabled)") : "")
                + (u.mustChangePassword ? "\t" + t("(phải đổi mật khẩu)", "(must change the password)") : "")
            print("\(u.name)\t\(u.role.rawValue)\t\(u.displayName)\(state)")
        }
        if users.isEmpty { print(t("(chưa có tài khoản)", "(no accounts)")) }
    }
}

struct UserPasswd: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "passwd",
            abstract: t(
                "Đặt mật khẩu mới (các phiên đang mở bị đóng).",
                "Set a new password (open sessions are ended)."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var pw: SecretOptions
    @Argument(help: ArgumentHelp(t("Tên đăng nhập.", "User name."), valueName: "USER")) var name: String

    func run() throws {
        let store = try openServerStore(global, hub)
        try store.setPassword(name: name, password: try pw.accountPassword())
        try anchoredAudit(global, hub, store, actor: "cli", action: "user-passwd", target: "user:\(name)")
        print(t("Đã đổi mật khẩu của \(name)", "Changed the password of \(name)"))
    }
}

struct UserLink: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "link",
            abstract: t(
                "Gắn tài khoản với một hồ sơ người (hoặc bỏ gắn với --unlink).",
                "Link an account to a person record (or unlink it with --unlink)."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @Flag(name: .long, help: ArgumentHelp(t("Bỏ gắn.", "Unlink."))) var unlink = false
    @Argument(help: ArgumentHelp(t("Tên đăng nhập.", "User name."), valueName: "USER")) var name: String
    @Argument(help: ArgumentHelp(t("Mã hồ sơ người.", "The person's record id."), valueName: "PERSON-ID")) var person: String?

    func validate() throws {
        if unlink == (person != nil) {
            throw ValidationError(t("Cần PERSON-ID, hoặc --unlink", "Give PERSON-ID, or --unlink"))
        }
    }

    func run() throws {
        if let person { _ = try global.openArchive(hub: hub).person(person) }
        let store = try openServerStore(global, hub)
        try store.setPerson(name: name, person: person)
        try anchoredAudit(global, hub, store, actor: "cli", action: "user-link", target: "user:\(name)", detail: person ?? "-")
        print(
            person.map { t("Đã gắn \(name) với \($0)", "Linked \(name) to \($0)") }
                ?? t("Đã bỏ gắn \(name)", "Unlinked \(name)"))
    }
}

struct UserResetPassword: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "reset-password",
            abstract: t(
                "Đặt mật khẩu tạm; người dùng phải đổi mật khẩu khi đăng nhập lần sau (các phiên đang mở bị đóng).",
                "Set a temporary password; the user must change it at the next sign-in (open sessions are ended)."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var pw: SecretOptions
    @Argument(help: ArgumentHelp(t("Tên đăng nhập.", "User name."), valueName: "USER")) var name: String

    func run() throws {
        let store = try openServerStore(global, hub)
        try store.resetPassword(name: name, temporary: try pw.accountPassword())
        try anchoredAudit(global, hub, store, actor: "cli", action: "user-reset-password", target: "user:\(name)")
        print(
            t(
                "Đã đặt mật khẩu tạm cho \(name); phải đổi khi đăng nhập",
                "Set a temporary password for \(name); it must be changed at sign-in"))
    }
}

/// Enabling and disabling an account: the same change, the other way.
protocol UserSwitch: ParsableCommand {
    var global: GlobalOptions { get }
    var hub: HubDatabaseOption { get }
    var name: String { get }
    static var disable: Bool { get }
}

extension UserSwitch {
    func run() throws {
        let store = try openServerStore(global, hub)
        try store.setDisabled(name: name, Self.disable)
        try anchoredAudit(global, hub, store, actor: "cli", action: Self.disable ? "user-disable" : "user-enable", target: "user:\(name)")
        print(Self.disable ? t("Đã khóa \(name)", "Disabled \(name)") : t("Đã mở lại \(name)", "Enabled \(name)"))
    }
}

struct UserEnable: UserSwitch {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "enable", abstract: t("Mở lại một tài khoản đã khóa.", "Enable a disabled account."))
    }
    static let disable = false
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @Argument(help: ArgumentHelp(t("Tên đăng nhập.", "User name."), valueName: "USER")) var name: String
}

struct UserDisable: UserSwitch {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "disable",
            abstract: t("Khóa một tài khoản (các phiên đang mở bị đóng).", "Disable an account (open sessions end)."))
    }
    static let disable = true
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @Argument(help: ArgumentHelp(t("Tên đăng nhập.", "User name."), valueName: "USER")) var name: String
}
