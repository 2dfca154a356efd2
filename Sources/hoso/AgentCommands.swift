import ArgumentParser
import Foundation
import HosoAgent
import HosoKit

enum AgentPort: DefaultPort { static let port: UInt16 = 9437 }

/// `hoso agent`: the signing agent on the teacher's own machine (the key stays on the token, never on the server).
struct AgentCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "agent",
            abstract: t(
                "Công cụ ký trên máy giáo viên: ký sổ điểm trên web bằng thiết bị ký (token) USB.",
                "The signing agent on a teacher's machine: sign grade books on the web with a USB token."),
            subcommands: [AgentRun.self, AgentModules.self], defaultSubcommand: AgentRun.self)
    }
}

struct AgentRun: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "run",
            abstract: t("Chạy công cụ ký (mặc định).", "Run the signing agent (the default)."),
            discussion: t(
                """
                Chỉ nghe trên chính máy này (127.0.0.1). Chỉ trang web của các máy chủ nêu bằng --origin được dùng nó,
                sau khi nhập mã ghép nối in ra lúc khởi động. Công cụ tự lấy dữ liệu cần ký từ máy chủ, kiểm tra đúng
                bản, cho giáo viên xem và nhập mã PIN một lần cho cả lượt, ký trên token rồi gửi chữ ký về máy chủ.
                Khóa bí mật không bao giờ rời thiết bị ký.
                """,
                """
                Listens on this machine only (127.0.0.1). Only pages of the servers named with --origin may use it, after
                the pairing code printed at start is entered there. The agent fetches what is to be signed from the
                server itself, checks it is the right revision, shows it to the teacher, takes the PIN once per batch,
                signs on the token and sends the signatures back. The private key never leaves the token.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var listen: ListenOptions<AgentPort>
    @OptionGroup var listener: ListenerOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Máy chủ hoso được dùng công cụ ký (lặp lại được).", "A hoso server allowed to use the agent (repeatable)."),
            valueName: "https://HOST[:PORT]"))
    var origin: [String] = []
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Mô-đun PKCS#11: tên đã biết (xem `hoso agent modules`) hoặc đường dẫn tệp .so.",
                "PKCS#11 module: a known name (see `hoso agent modules`) or a path to a .so file."),
            valueName: "NAME|PATH"))
    var module: String?
    @Option(
        name: .long,
        help: ArgumentHelp(t("Khóa trên token (URI pkcs11:).", "The key on the token (a pkcs11: URI)."), valueName: "pkcs11:URI"))
    var key = "pkcs11:type=private"
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Chứng thư số (PEM/DER) khi token không chứa nó.", "Certificate (PEM/DER) when the token does not hold it."),
            valueName: "FILE"))
    var cert: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Ghi mã ghép nối vào tệp này (quyền 0600), cho kịch bản.",
                "Also write the pairing code to this file (mode 0600), for scripts."),
            valueName: "FILE"))
    var pairingFile: String?

    func run() throws {
        let modulePath = try PKCS11Modules.resolve(
            module ?? ProcessInfo.processInfo.environment["HOSO_PKCS11_MODULE"]
                ?? PKCS11Modules.preferred?.name ?? "softhsm2")
        let certificate = try cert.map { try Certificate.load(file: $0)[0] }
        let config = try AgentConfig(
            host: listen.host, port: listen.port, origins: origin, modulePath: modulePath, keyURI: key, certificate: certificate,
            limits: listener.limits, clock: try global.clock())
        let agent = SigningAgent(config: config)
        if let pairingFile {
            let fd = open(pairingFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw HosoError(
                    .inputNotFound, .both("Không ghi được tệp mã ghép nối", "Cannot write the pairing file"), location: pairingFile)
            }
            _ = Array((agent.pairingCode + "\n").utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        try serveUntilSignalled(
            start: {
                let url = try agent.start()
                return t(
                    "Công cụ ký đang chạy tại \(url) — mã ghép nối: \(agent.pairingCode) — mô-đun \(modulePath). Nhấn Ctrl+C để dừng.",
                    "The signing agent is running at \(url) — pairing code: \(agent.pairingCode) — module \(modulePath). Press Ctrl+C to stop."
                )
            }, stop: agent.stop)
        printErr(t("hoso: đã dừng công cụ ký.", "hoso: the signing agent has stopped."))
    }
}

struct AgentModules: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "modules",
            abstract: t(
                "Liệt kê thư viện PKCS#11 của các loại token đã biết và cho biết loại nào đã cài.",
                "List the PKCS#11 libraries of known tokens and which are installed."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if output.json {
            printJSON(PKCS11Modules.known)
            return
        }
        for m in PKCS11Modules.known {
            let state = m.installedPath.map { t("đã cài: ", "installed: ") + $0 } ?? t("chưa cài", "not installed")
            print("\(m.name)\t\(m.product) [\(m.evidence)] — \(t(m.tokens.vi, m.tokens.en)) — \(state)")
        }
    }
}
