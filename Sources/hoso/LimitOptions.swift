import ArgumentParser
import Foundation
import HosoKit
import HosoServer

/// The listener's limits, shared by `serve`, `sync serve` and `tsa serve`; an option left out keeps its default.
struct ListenerOptions: ParsableArguments {
    static let defaults = ListenerLimits()

    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Giây để gửi xong phần đầu yêu cầu (mặc định \(Int(defaults.headerTimeout))).",
                "Seconds to send a request's head (default \(Int(defaults.headerTimeout)))."), valueName: "SECONDS"))
    var headerTimeout: Double?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Giây một kết nối không hoạt động được giữ (mặc định \(Int(defaults.idleTimeout))).",
                "Seconds an idle connection is kept (default \(Int(defaults.idleTimeout)))."), valueName: "SECONDS"))
    var idleTimeout: Double?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Số kết nối mở tối đa từ một địa chỉ (mặc định \(defaults.maxConnectionsPerAddress)).",
                "Open connections from one address at most (default \(defaults.maxConnectionsPerAddress))."), valueName: "N"))
    var maxConnectionsPerAddress: Int?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Số kết nối mở tối đa (mặc định \(defaults.maxConnections)).",
                "Open connections at most (default \(defaults.maxConnections))."), valueName: "N"))
    var maxConnections: Int?

    func validate() throws {
        for (name, v) in [("--header-timeout", headerTimeout), ("--idle-timeout", idleTimeout)] where v.map({ !($0 > 0) }) ?? false {
            throw ValidationError(t("\(name) phải lớn hơn 0", "\(name) must be over 0"))
        }
        for (name, v) in [("--max-connections-per-address", maxConnectionsPerAddress), ("--max-connections", maxConnections)]
        where v.map({ $0 < 1 }) ?? false {
            throw ValidationError(t("\(name) phải từ 1 trở lên", "\(name) must be at least 1"))
        }
    }

    var limits: ListenerLimits {
        var l = ListenerLimits()
        if let headerTimeout { l.headerTimeout = headerTimeout }
        if let idleTimeout { l.idleTimeout = idleTimeout }
        if let maxConnectionsPerAddress { l.maxConnectionsPerAddress = maxConnectionsPerAddress }
        if let maxConnections { l.maxConnections = maxConnections }
        return l
    }
}

/// `serve`'s public verification and session limits (`PublicLimits`, `ServerConfig.sessionIdleTimeout`).
struct PublicOptions: ParsableArguments {
    static let defaults = PublicLimits()

    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Số lượt kiểm tra công khai chạy cùng lúc (mặc định: số lõi CPU, \(defaults.concurrent)).",
                "Public checks at once (default: the CPU cores, \(defaults.concurrent))."), valueName: "N"))
    var publicChecks: Int?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Số lượt kiểm tra công khai được xếp hàng chờ; quá số này trả lời 503 (mặc định \(defaults.queue)).",
                "Public checks that may wait; more get 503 (default \(defaults.queue))."), valueName: "N"))
    var publicQueue: Int?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Số yêu cầu mỗi phút một địa chỉ được gửi tới trang kiểm tra (mặc định \(Int(defaults.perMinute))).",
                "Requests a minute one address may send to the verification pages (default \(Int(defaults.perMinute)))."),
            valueName: "N"))
    var publicRate: Double?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Số yêu cầu liền nhau một địa chỉ được gửi trước khi bị giới hạn (mặc định \(defaults.burst)).",
                "Requests in a row one address may send before the rate applies (default \(defaults.burst))."), valueName: "N"))
    var publicBurst: Int?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Giây tối đa để kiểm tra một tệp tải lên (mặc định \(Int(defaults.checkTimeout))).",
                "Seconds at most to check one uploaded file (default \(Int(defaults.checkTimeout)))."), valueName: "SECONDS"))
    var checkTimeout: Double?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Giây CPU tối đa của tiến trình kiểm tra một tệp (mặc định \(defaults.checkCPUSeconds)).",
                "CPU seconds at most for the process checking one file (default \(defaults.checkCPUSeconds))."), valueName: "SECONDS"))
    var checkCPU: Int?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Bộ nhớ (MiB, không gian địa chỉ) tối đa của tiến trình kiểm tra một tệp (mặc định \(defaults.checkMemoryBytes >> 20)).",
                "Memory (MiB of address space) at most for the process checking one file (default \(defaults.checkMemoryBytes >> 20))."),
            valueName: "MIB"))
    var checkMemory: Int?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Phút không hoạt động trước khi phiên đăng nhập kết thúc (mặc định 30; tối đa vẫn 12 giờ).",
                "Minutes of inactivity before a session ends (default 30; 12 hours at most still)."), valueName: "MINUTES"))
    var sessionIdleTimeout: Double?

    func validate() throws {
        let positive: [(String, Double?)] = [
            ("--public-checks", publicChecks.map(Double.init)), ("--public-rate", publicRate),
            ("--public-burst", publicBurst.map(Double.init)),
            ("--check-timeout", checkTimeout), ("--check-cpu", checkCPU.map(Double.init)), ("--check-memory", checkMemory.map(Double.init)),
            ("--session-idle-timeout", sessionIdleTimeout),
        ]
        for (name, v) in positive where v.map({ !($0 > 0) }) ?? false {
            throw ValidationError(t("\(name) phải lớn hơn 0", "\(name) must be over 0"))
        }
        if let publicQueue, publicQueue < 0 {
            throw ValidationError(t("--public-queue không được âm", "--public-queue cannot be negative"))
        }
    }

    /// Applies the options given; `checker` is this executable, so uploads are checked in a child `hoso`.
    func apply(to config: inout ServerConfig, checker: String?) {
        var p = config.publicChecks
        p.checker = checker
        p.warmSpares = true
        if let publicChecks { p.concurrent = publicChecks }
        if let publicQueue { p.queue = publicQueue }
        if let publicRate { p.perMinute = publicRate }
        if let publicBurst { p.burst = publicBurst }
        if let checkTimeout { p.checkTimeout = checkTimeout }
        if let checkCPU { p.checkCPUSeconds = checkCPU }
        if let checkMemory { p.checkMemoryBytes = checkMemory << 20 }
        config.publicChecks = p
        if let sessionIdleTimeout { config.sessionIdleTimeout = sessionIdleTimeout * 60 }
    }
}

/// The largest sync batch a node may push (`hoso sync serve`, and `hoso serve`'s /sync/).
struct SyncBodyOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "MiB tối đa của một lô đồng bộ do nút khác gửi (mặc định \(SyncHandler.maxBody >> 20)).",
                "MiB at most of one sync batch a node sends (default \(SyncHandler.maxBody >> 20))."), valueName: "MIB"))
    var maxSyncBodyMib: Int?

    func validate() throws { try checkMebibytes("--max-sync-body-mib", maxSyncBodyMib) }

    var bytes: Int { maxSyncBodyMib.map { $0 << 20 } ?? SyncHandler.maxBody }
}

/// `serve`'s upload sizes (`BodyLimits`); each is refused with 413 from its declared length, before it is read.
struct UploadOptions: ParsableArguments {
    static let defaults = BodyLimits()

    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "MiB tối đa của một lần tải lên để số hóa (ảnh quét, bảng tính; mặc định \(defaults.uploads >> 20)).",
                "MiB at most of one digitization upload (scans, spreadsheets; default \(defaults.uploads >> 20))."),
            valueName: "MIB"))
    var maxUploadMib: Int?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "MiB tối đa của tệp PDF hoặc ảnh QR gửi lên trang kiểm tra công khai (mặc định \(defaults.verify >> 20)).",
                "MiB at most of a PDF or QR photo sent to the public verification page (default \(defaults.verify >> 20))."),
            valueName: "MIB"))
    var maxVerifyUploadMib: Int?
    @OptionGroup var sync: SyncBodyOption

    func validate() throws {
        try checkMebibytes("--max-upload-mib", maxUploadMib)
        try checkMebibytes("--max-verify-upload-mib", maxVerifyUploadMib)
    }

    var limits: BodyLimits {
        var b = BodyLimits()
        if let maxUploadMib { b.uploads = maxUploadMib << 20 }
        if let maxVerifyUploadMib { b.verify = maxVerifyUploadMib << 20 }
        b.sync = sync.bytes
        return b
    }
}

/// A size option in MiB: at least 1, at most `BodyLimits.ceiling` (a body is held in memory while it is checked).
func checkMebibytes(_ name: String, _ value: Int?) throws {
    guard let value else { return }
    let most = BodyLimits.ceiling >> 20
    guard (1...most).contains(value) else {
        throw ValidationError(t("\(name) phải từ 1 đến \(most)", "\(name) must be from 1 to \(most)"))
    }
}

/// This program's own file, for the child processes that check uploads.
func ownExecutable() -> String? {
    if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), FileManager.default.isExecutableFile(atPath: p)
    {
        return p
    }
    let arg0 = CommandLine.arguments.first ?? ""
    guard arg0.contains("/") else { return nil }
    return URL(fileURLWithPath: arg0).standardizedFileURL.path
}
