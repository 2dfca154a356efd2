import ArgumentParser
import Dispatch
import Foundation
import HosoKit

#if canImport(Glibc)
import Glibc
#endif

// `hoso node`, `hoso peer`, `hoso bundle`: a node identity, the peers it syncs with, and bundles for USB sticks.

extension NodeRole: ExpressibleByArgument {}

struct NodeCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "node", abstract: t("Danh tính nút đồng bộ của kho.", "This archive's sync node identity."),
            subcommands: [NodeInit.self, NodeShow.self])
    }
}

struct NodeInit: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "init", abstract: t("Làm kho thành một nút đồng bộ.", "Make the archive a sync node."),
            discussion: t(
                """
                Khóa và chứng thư của nút: cấp mới từ PKI thử nghiệm (--pki DIR của `hoso pki demo`), hoặc từ tệp PKCS#12 của CA thật (--key).
                Khóa bí mật nằm ở node/node-key.pem (quyền 0600), ngoài kho đối tượng: không bao giờ được đồng bộ.
                Mã nút là SHA-256 của chứng thư nút.
                """,
                """
                The node's key and certificate: issued now from a test PKI (--pki DIR from `hoso pki demo`), or from a real CA's PKCS#12 file (--key).
                The private key is kept in node/node-key.pem (mode 0600), outside the object store: it never syncs.
                The node id is the SHA-256 of the node certificate.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Tên nút (chữ thường, số, '.', '_', '-').", "Node name (lowercase letters, digits, '.', '_', '-')."), valueName: "NAME"))
    var name: String
    @Option(
        name: .long,
        help: ArgumentHelp(t("Vai trò: school (trường) hoặc office (phòng/sở).", "Role: school or office."), valueName: "school|office"))
    var role: NodeRole
    @Option(
        name: .long,
        help: ArgumentHelp(t("PKI thử nghiệm để cấp chứng thư nút.", "A test PKI to issue the node certificate from."), valueName: "DIR"))
    var pki: String?
    @Option(
        name: .long, help: ArgumentHelp(t("Tệp PKCS#12 của nút (CA thật).", "The node's PKCS#12 file (a real CA)."), valueName: "FILE.p12"))
    var key: String?
    @OptionGroup var password: SecretOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Tổ chức ghi vào chứng thư cấp từ --pki.", "Organisation written into a --pki certificate."), valueName: "TEXT"))
    var organization: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if (pki == nil) == (key == nil) {
            throw ValidationError(t("Dùng đúng một trong --pki và --key", "Use exactly one of --pki and --key"))
        }
        if key?.hasPrefix("pkcs11:") == true {
            throw ValidationError(
                t(
                    "Khóa của nút phải là tệp PKCS#12: máy chủ đồng bộ ký không cần người",
                    "The node key must be a PKCS#12 file: a sync server signs unattended"))
        }
    }

    func run() throws {
        let archive = try global.openArchive(hub: hub)
        let identity: SigningIdentity
        if let pki {
            identity = try DemoPKI.issueNode(pki: pki, name: name, organization: organization ?? "hoso TEST PKI", clock: global.clock())
        } else if let key {
            identity = try KeySource(key: key, password: password).load()
        } else {
            // validate() already refused this.
            throw ValidationError(t("Dùng đúng một trong --pki và --key", "Use exactly one of --pki and --key"))
        }
        let info = try archive.initNode(name: name, role: role, identity: identity)
        if output.json {
            printJSON(info)
            return
        }
        print(t("Nút \(info.name) (\(info.role.rawValue)): \(info.node)", "Node \(info.name) (\(info.role.rawValue)): \(info.node)"))
    }
}

struct NodeShow: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "show", abstract: t("Cho xem danh tính nút.", "Show the node identity."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var output: OutputOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Ghi chứng thư nút (PEM) ra tệp, để đưa cho nút khác `hoso peer add`.",
                "Write the node certificate (PEM) to a file, for another node's `hoso peer add`."), valueName: "FILE"))
    var certOut: String?

    func run() throws {
        let archive = try global.openArchive(hub: hub)
        let info = try archive.nodeInfo()
        if let certOut {
            let cert = try Certificate(der: try archive.read(try archive.resolve(info.certificate)))
            try writeOutput(certOut, Array(cert.pem.utf8))
        }
        if output.json {
            printJSON(info)
            return
        }
        print("\(t("Nút", "Node")): \(info.name)  \(t("vai trò", "role")): \(info.role.rawValue)")
        print("\(t("Mã nút", "Node id")): \(info.node)")
        print("\(t("Chứng thư", "Certificate")): \(info.subject)  (\(t("hết hạn", "expires")) \(info.notAfter))")
    }
}

struct PeerCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "peer", abstract: t("Các nút đồng bộ ngang hàng.", "The peers this node syncs with."),
            subcommands: [PeerAdd.self, PeerList.self, PeerRemove.self])
    }
}

struct PeerAdd: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "add", abstract: t("Thêm một nút ngang hàng (ghim theo chứng thư).", "Add a peer (pinned by its certificate)."),
            discussion: t(
                """
                --scope MẪU (lặp lại được): hồ sơ trao đổi với nút này, dạng [LOẠI:]MẪU trên mã hồ sơ (* là chuỗi bất kì).
                Đặt '>' trước: chỉ gửi đi; '<': chỉ nhận. Ví dụ trường: --scope 'grade-book:gradebook/truong-a/*'.
                Phòng/sở luôn gửi xuống trường dữ liệu tin cậy (trust-store, chứng thư, CRL); trường không gửi lên.
                """,
                """
                --scope PATTERN (repeatable): records exchanged with this peer, [TYPE:]GLOB on record ids (* matches any text).
                A leading '>' means send only; '<' receive only. A school, e.g.: --scope 'grade-book:gradebook/truong-a/*'.
                An office always sends trust data (trust-store, certificates, CRLs) down to its schools; schools never send it up.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var who: AuthorOption
    @Argument(help: ArgumentHelp(t("Tên nút ngang hàng.", "The peer's name."), valueName: "NAME")) var name: String
    @Option(name: .long, help: ArgumentHelp(t("Chứng thư của nút đó (PEM/DER).", "That node's certificate (PEM/DER)."), valueName: "FILE"))
    var cert: String
    @Option(name: .long, help: ArgumentHelp(t("Vai trò của nút đó.", "That node's role."), valueName: "school|office")) var role: NodeRole
    @Option(name: .long, help: ArgumentHelp(t("Phạm vi hồ sơ trao đổi.", "Records exchanged."), valueName: "PATTERN")) var scope: [String] =
        []
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try global.openArchive(hub: hub)
        let c = try Certificate.load(file: cert)[0]
        let p = try archive.addPeer(name: name, certificate: c, role: role, scope: scope, author: who.resolved)
        if output.json {
            printJSON(p)
            return
        }
        print(t("Đã thêm nút \(p.name) (\(p.role.rawValue)): \(p.node)", "Added peer \(p.name) (\(p.role.rawValue)): \(p.node)"))
    }
}

struct PeerList: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: t("Liệt kê các nút ngang hàng.", "List the peers."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var output: OutputOptions

    func run() throws {
        let peers = try global.openArchive(hub: hub).peers()
        if output.json {
            printJSON(peers)
            return
        }
        for p in peers { print("\(p.name)  \(p.role.rawValue)  \(p.node.prefix(16))  \(p.scope.joined(separator: " "))") }
        if peers.isEmpty { print(t("Chưa có nút ngang hàng nào.", "No peers yet.")) }
    }
}

struct PeerRemove: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "remove",
            abstract: t(
                "Bỏ một nút ngang hàng: gói và yêu cầu của nó bị từ chối từ nay.",
                "Remove a peer: its bundles and requests are refused from now on."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var who: AuthorOption
    @Argument(help: ArgumentHelp(t("Tên nút.", "The peer's name."), valueName: "NAME")) var name: String

    func run() throws {
        let p = try global.openArchive(hub: hub).removePeer(name, author: who.resolved)
        print(t("Đã bỏ nút \(p.name)", "Removed peer \(p.name)"))
    }
}

/// Where signatures that arrive without a timestamp get one: a TSA URL, or the office's TSA key in-process.
struct ArrivalTimestampOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Đóng dấu thời gian các chữ ký đến chưa có dấu, qua TSA này.", "Timestamp arriving signatures that lack one, with this TSA."),
            valueName: "URL"))
    var tsa: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Hoặc: khóa TSA (PKCS#12) dùng ngay trong tiến trình.", "Or: a TSA key (PKCS#12) used in-process."), valueName: "TSA.p12"))
    var tsaKey: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Biến môi trường chứa mật khẩu khóa TSA.", "Environment variable holding the TSA key's password."), valueName: "VAR"))
    var tsaPasswordEnv: String?

    func source(clock: HosoClock) throws -> TimestampSource? {
        try timestampSource(url: tsa, key: tsaKey, passwordEnv: tsaPasswordEnv, clock: clock)
    }
}

struct BundleCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "bundle",
            abstract: t(
                "Gói đồng bộ (BagIt trong một tệp tar) để chép qua USB.",
                "Sync bundles (a BagIt bag in one tar file) to carry on a USB stick."),
            subcommands: [BundleCreate.self, BundleImport.self])
    }
}

struct BundleCreate: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "create",
            abstract: t(
                "Tạo gói cho một nút: mọi thứ trong phạm vi mà nút đó chưa xác nhận đã có.",
                "Make a bundle for a peer: everything in scope it has not acknowledged."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @Option(name: .long, help: ArgumentHelp(t("Nút nhận.", "The peer it is for."), valueName: "PEER")) var `for`: String
    @Option(name: .long, help: ArgumentHelp(t("Tệp gói ghi ra.", "The bundle file to write."), valueName: "FILE")) var out: String
    @Flag(name: .long, help: ArgumentHelp(t("Không nén gzip.", "Do not gzip-compress."))) var noCompress = false
    @OptionGroup var output: OutputOptions

    func run() throws {
        let r = try global.openArchive(hub: hub).createBundle(for: `for`, out: out, compress: !noCompress)
        if output.json {
            printJSON(r)
            return
        }
        print(
            t(
                "Gói \(r.id) cho \(r.to): \(r.objects) đối tượng, \(humanBytes(r.bytes)) nội dung, tệp \(humanBytes(r.fileBytes)) → \(r.file)",
                "Bundle \(r.id) for \(r.to): \(r.objects) objects, \(humanBytes(r.bytes)) of content, file \(humanBytes(r.fileBytes)) → \(r.file)"
            ))
    }
}

struct BundleImport: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "import",
            abstract: t(
                "Nhập một gói: kiểm tra hết (chữ ký nút, mã băm, phạm vi) rồi mới ghi, một lần.",
                "Import a bundle: everything is checked (node signature, digests, scope) before anything is written, at once."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var stamps: ArrivalTimestampOptions
    @Argument(help: ArgumentHelp(t("Tệp gói.", "The bundle file."), valueName: "FILE")) var file: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try global.openArchive(hub: hub)
        let r = try archive.importBundle(file, timestamp: try stamps.source(clock: global.clock()))
        if output.json {
            printJSON(r)
            return try finishWitness(r.witness, archive: archive, json: true)
        }
        if r.alreadyImported {
            print(
                t(
                    "Gói \(r.id) từ \(r.from) đã nhập trước đây; không có gì thay đổi.",
                    "Bundle \(r.id) from \(r.from) was imported before; nothing changed."))
        } else {
            print(
                t(
                    "Đã nhập gói \(r.id) từ \(r.from): \(r.result.objects) đối tượng (\(r.result.newObjects) mới), \(r.result.revisions) bản ghi, \(r.result.signatures) chữ ký, \(r.result.timestamped) dấu thời gian mới",
                    "Imported bundle \(r.id) from \(r.from): \(r.result.objects) objects (\(r.result.newObjects) new), \(r.result.revisions) revisions, \(r.result.signatures) signatures, \(r.result.timestamped) new timestamps"
                ))
        }
        printUnresolved(r.conflicts)
        try finishWitness(r.witness, archive: archive, json: false)
    }
}

/// What witnessing found: the checkpoints verified and cosigned; a rollback or fork is printed as an error with its
/// code and where its evidence is kept, and ends the run with exit code 9 (after the data synced).
private func finishWitness(_ w: WitnessReport?, archive: Archive, json: Bool) throws {
    guard let w else { return }
    if !json {
        if let by = w.witnessedBy, let size = w.witnessedSize {
            print(
                t("Nhật ký của kho (\(size) mục) đã được \(by) xác nhận.", "This archive's log (\(size) entries) was witnessed by \(by)."))
        }
        if w.cosigned, let size = w.verified {
            print(t("Đã xác nhận nhật ký của nút kia (\(size) mục).", "Witnessed the peer's log (\(size) entries)."))
        }
    }
    guard !w.incidents.isEmpty else { return }
    for i in w.incidents {
        let e = i.error
        printErr("hoso: \(t("lỗi", "error")) [\(e.code)]: \(e.text(cliLang))")
    }
    printErr(
        t(
            "hoso: hai điểm kiểm mâu thuẫn được giữ làm bằng chứng trong \(archive.root)/witness/incidents/; hãy báo cho người quản trị. Dữ liệu vẫn được đồng bộ, không mất gì.",
            "hoso: the two conflicting checkpoints are kept as evidence in \(archive.root)/witness/incidents/; tell the administrator. The data still synced; nothing was lost."
        ))
    throw ExitCode(HosoExit.logConflict)
}

/// What a bundle or a sync left for people to merge (`hoso conflicts` lists them again later).
private func printUnresolved(_ conflicts: [Archive.Conflict]) {
    guard !conflicts.isEmpty else { return }
    print(
        t(
            "Xung đột chưa hợp nhất: \(conflicts.map(\.recordId).joined(separator: ", "))",
            "Unresolved conflicts: \(conflicts.map(\.recordId).joined(separator: ", "))"))
}

struct SyncCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "sync",
            abstract: t(
                "Đồng bộ qua HTTP: `hoso sync URL --peer P` (gửi rồi nhận), `hoso sync serve` (phục vụ).",
                "Sync over HTTP: `hoso sync URL --peer P` (push, then pull), `hoso sync serve` (serve)."),
            subcommands: [SyncRun.self, SyncServe.self], defaultSubcommand: SyncRun.self)
    }
}

struct SyncRun: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "run",
            abstract: t(
                "Gửi rồi nhận với máy chủ đồng bộ ở URL (`hoso sync URL --peer NAME`).",
                "Push then pull with the sync server at URL (`hoso sync URL --peer NAME`)."),
            discussion: t(
                """
                Chỉ gửi những gì nút kia còn thiếu; mỗi lô được kiểm tra và ghi ngay khi đến.
                Bị ngắt giữa chừng: chạy lại lệnh, phần đã đến không bị gửi lại.
                Mọi yêu cầu được ký bằng khóa nút; câu trả lời phải do chứng thư đã ghim của nút kia ký.
                Hai bên trao đổi điểm kiểm nhật ký kèm bằng chứng nhất quán; phòng xác nhận (ký kèm) điểm kiểm của trường.
                Nhật ký bị quay lui, cắt bớt hay rẽ nhánh: báo lỗi LOG_ROLLBACK/LOG_FORK, mã thoát 9, bằng chứng ở witness/incidents/.
                """,
                """
                Sends only what the other node lacks; each batch is checked and committed on arrival.
                Interrupted: run it again; what arrived is not sent again.
                Every request is signed with the node key; answers must be signed by the other node's pinned certificate.
                Both sides exchange log checkpoints with consistency proofs; an office cosigns (witnesses) its schools' checkpoints.
                A log rolled back, cut or forked: error LOG_ROLLBACK/LOG_FORK, exit code 9, evidence in witness/incidents/.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @Argument(help: ArgumentHelp(t("Địa chỉ máy chủ (http://HOST:PORT/).", "The server's address (http://HOST:PORT/)."), valueName: "URL"))
    var url: String
    @Option(name: .long, help: ArgumentHelp(t("Nút ngang hàng ở địa chỉ đó.", "The peer at that address."), valueName: "PEER")) var peer:
        String
    @Option(name: .long, help: ArgumentHelp(t("Cỡ mỗi lô gửi/nhận (MB).", "Size of each batch sent or fetched (MB)."), valueName: "MB"))
    var batchMb = 8
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if batchMb < 1 || batchMb > 64 { throw ValidationError(t("--batch-mb từ 1 đến 64", "--batch-mb must be 1 to 64")) }
    }

    func run() throws {
        let archive = try global.openArchive(hub: hub)
        let r = try archive.sync(url: url, peer: peer, batchBytes: batchMb << 20)
        if output.json {
            printJSON(r)
            return try finishWitness(r.witness, archive: archive, json: true)
        }
        print(
            t(
                "Đồng bộ với \(r.peer): gửi \(r.pushed) đối tượng (\(r.alreadyThere) đã có bên kia), nhận \(r.pulled); \(humanBytes(r.bytesSent)) đi, \(humanBytes(r.bytesReceived)) về",
                "Synced with \(r.peer): sent \(r.pushed) objects (\(r.alreadyThere) already there), received \(r.pulled); \(humanBytes(r.bytesSent)) out, \(humanBytes(r.bytesReceived)) in"
            ))
        printUnresolved(r.conflicts)
        try finishWitness(r.witness, archive: archive, json: false)
    }
}

struct SyncServe: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "serve",
            abstract: t(
                "Phục vụ đồng bộ HTTP (/sync/) cho các nút ngang hàng đến khi Ctrl+C.",
                "Serve HTTP sync (/sync/) to the peers until Ctrl+C."),
            discussion: t(
                "Chỉ nút đã `hoso peer add` mới được phục vụ, trong phạm vi của nó. Mặc định chỉ nghe trên 127.0.0.1.",
                "Only nodes added with `hoso peer add` are served, within their scope. Listens on 127.0.0.1 unless --host says otherwise."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubDatabaseOption
    @OptionGroup var stamps: ArrivalTimestampOptions
    @OptionGroup var listen: ListenOptions<SyncPort>
    @OptionGroup var tls: TLSOptions
    @OptionGroup var listener: ListenerOptions
    @OptionGroup var body: SyncBodyOption

    func run() throws {
        let archive = try global.openArchive(hub: hub)
        _ = try archive.nodeInfo()
        let server = archive.syncServer(
            host: listen.host, port: listen.port, timestamp: try stamps.source(clock: global.clock()), limits: listener.limits,
            tls: tls.files, maxBody: body.bytes)
        try serveUntilSignalled(
            start: {
                let url = listen.url(boundTo: try server.start(), tls: tls.files != nil)
                return t("Đang phục vụ đồng bộ tại \(url) — Ctrl+C để dừng.", "Serving sync at \(url) — press Ctrl+C to stop.")
            }, stop: server.stop)
        printErr(t("hoso: đã dừng máy chủ đồng bộ.", "hoso: the sync server has stopped."))
    }
}
