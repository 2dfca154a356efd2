import ArgumentParser
import Dispatch
import Foundation
import HosoKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `hoso tsa …`: the RFC 3161 time-stamping authority an education office can run for its schools.
struct TSACommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "tsa",
            abstract: t("Dịch vụ cấp dấu thời gian (RFC 3161).", "Time-stamping authority (RFC 3161)."),
            subcommands: [Serve.self])
    }

    struct Serve: ParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(
                abstract: t(
                    "Chạy máy chủ cấp dấu thời gian qua HTTP cho đến khi nhận Ctrl+C (SIGINT) hoặc SIGTERM.",
                    "Serve time-stamps over HTTP until Ctrl+C (SIGINT) or SIGTERM."),
                discussion: t(
                    """
                    Nhận yêu cầu POST tại / hoặc /tsa (Content-Type: application/timestamp-query).
                    Trả lời application/timestamp-reply.
                    Chứng thư số của khóa phải có extendedKeyUsage timeStamping, đánh dấu critical.
                    Thời điểm lấy từ đồng hồ hệ thống, hoặc từ HOSO_NOW (ISO 8601) khi chạy thử.
                    Mặc định chỉ nghe trên 127.0.0.1; dùng --host để phục vụ mạng nội bộ.
                    """,
                    """
                    Accepts POST at / or /tsa (Content-Type: application/timestamp-query).
                    Answers application/timestamp-reply.
                    The key's certificate needs a critical timeStamping extendedKeyUsage.
                    Time comes from the system clock, or from HOSO_NOW (ISO 8601) for demos and tests.
                    Listens on 127.0.0.1 only, unless --host says otherwise.
                    """))
        }

        @OptionGroup var global: GlobalOptions
        @OptionGroup var keyOptions: KeyOptions

        @OptionGroup var listen: ListenOptions<TSAPort>
        @OptionGroup var tls: TLSOptions
        @OptionGroup var listener: ListenerOptions

        @Option(
            name: .long,
            help: ArgumentHelp(
                t("OID chính sách ghi vào dấu thời gian.", "Policy OID written into tokens."),
                valueName: "OID"))
        var policy = OID.hosoTSAPolicy

        func run() throws {
            let identity = try keyOptions.load()
            let authority = try TimeStampAuthority(identity: identity, policy: policy, clock: global.clock())
            let server = TSAServer(authority: authority, host: listen.host, port: listen.port, limits: listener.limits, tls: tls.files)

            try serveUntilSignalled(
                start: {
                    let url = listen.url(boundTo: try server.start(), tls: tls.files != nil)
                    let tsa = identity.certificate.commonName ?? identity.certificate.subject
                    return t(
                        "Đang cấp dấu thời gian (RFC 3161) tại \(url) — TSA: \(tsa). Nhấn Ctrl+C để dừng.",
                        "Serving time-stamps (RFC 3161) at \(url) — TSA: \(tsa). Press Ctrl+C to stop.")
                }, stop: server.stop)
            printErr(t("hoso: đã dừng máy chủ cấp dấu thời gian.", "hoso: the time-stamping server has stopped."))
        }
    }
}

/// The port a server listens on unless --port says otherwise.
protocol DefaultPort {
    static var port: UInt16 { get }
}

enum TSAPort: DefaultPort { static let port: UInt16 = 3180 }
enum SyncPort: DefaultPort { static let port: UInt16 = 3190 }

/// Where `tsa serve` and `sync serve` listen: this machine only, unless --host says otherwise.
struct ListenOptions<Default: DefaultPort>: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(t("Địa chỉ IP để nghe.", "IP address to listen on."), valueName: "IP"))
    var host = "127.0.0.1"

    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Cổng TCP (0: chọn cổng trống).", "TCP port (0: pick a free one)."),
            valueName: "PORT"))
    var port: UInt16 = Default.port

    /// The address to announce once bound (with --port 0 only the server knows the port); IPv6 goes in brackets.
    func url(boundTo bound: some BinaryInteger, tls: Bool = false) -> String {
        let scheme = tls ? "https" : "http"
        return host.contains(":") ? "\(scheme)://[\(host)]:\(bound)/" : "\(scheme)://\(host):\(bound)/"
    }
}

/// `--tls-cert`/`--tls-key`: the listener speaks HTTPS itself (`serve`, `sync serve`, `tsa serve`).
struct TLSOptions: ParsableArguments {
    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp(
            t(
                "Chứng thư TLS của máy chủ (PEM, kèm chứng thư trung gian): bật HTTPS.",
                "The server's TLS certificate (PEM, with its intermediates): turns HTTPS on."), valueName: "CERT.pem"))
    var tlsCert: String?

    @Option(
        name: .customLong("tls-key"),
        help: ArgumentHelp(t("Khóa bí mật TLS (PEM) của chứng thư đó.", "The private key (PEM) of that certificate."), valueName: "KEY.pem")
    )
    var tlsKey: String?

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError(t("Dùng --tls-cert cùng với --tls-key", "Use --tls-cert together with --tls-key"))
        }
    }

    var files: TLSFiles? {
        guard let tlsCert, let tlsKey else { return nil }
        return TLSFiles(certificate: tlsCert, key: tlsKey)
    }
}

/// Starts a server (`start` binds it and returns the line announcing where), then waits for Ctrl+C (SIGINT) or SIGTERM
/// and stops it. The line goes straight to the file descriptor: a script reading the URL through a pipe sees it at once.
func serveUntilSignalled(start: () throws -> String, stop: () -> Void) throws {
    // Signals become events on a queue; the main thread waits for the first one.
    let stopped = DispatchSemaphore(value: 0)
    let sources = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { stopped.signal() }
        source.resume()
        return source
    }
    defer { for source in sources { source.cancel() } }
    FileHandle.standardOutput.write(Data((try start() + "\n").utf8))
    stopped.wait()
    stop()
}
