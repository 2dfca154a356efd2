import ArgumentParser
import Foundation
import HosoKit

/// `hoso pki …`: certificate authority tools. For now one: a complete TEST PKI for demos and tests.
struct PKICommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "pki",
            abstract: t("Hạ tầng khóa công khai (PKI) thử nghiệm.", "A test public key infrastructure (PKI)."),
            subcommands: [PKIDemo.self])
    }
}

struct PKIDemo: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "demo",
            abstract: t(
                "Tạo một PKI THỬ NGHIỆM đầy đủ (CA gốc, CA trung gian, giáo viên, TSA, CRL) vào thư mục DIR.",
                "Create a complete TEST PKI (root CAs, intermediates, teachers, a TSA, CRLs) in DIR."),
            discussion: t(
                """
                Chỉ để thử nghiệm: các khóa được tạo ngẫu nhiên, khóa trong DIR/keys không được mã hóa.
                Thời hạn tính từ thời điểm hiện tại (hoặc HOSO_NOW). DIR phải chưa có hoặc trống.
                Tệp .p12 dùng mật khẩu lấy từ --password-env, mặc định "\(DemoPKI.defaultPassword)".
                """,
                """
                For testing only: keys are generated at random; the keys in DIR/keys are not encrypted.
                Validity is counted from now (or HOSO_NOW). DIR must not exist or must be empty.
                The .p12 files use the password from --password-env, by default "\(DemoPKI.defaultPassword)".
                """))
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(t("Thư mục sẽ tạo (chưa có hoặc trống).", "Directory to create (new or empty)."), valueName: "DIR"))
    var dir: String
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Đọc mật khẩu các tệp .p12 từ biến môi trường này.",
                "Read the password of the .p12 files from this environment variable."),
            valueName: "VAR"))
    var passwordEnv: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Chứng thư của TSA có hiệu lực N năm kể từ bây giờ (mặc định 2); các CA được làm để sống ít nhất chừng ấy.",
                "The TSA's certificate lasts N years from now (default 2); the CAs are made to last at least as long."),
            valueName: "N"))
    var tsaYears: Int?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let tsaYears, !(1...DemoPKI.maxTSAYears).contains(tsaYears) {
            throw ValidationError(
                t("--tsa-years phải từ 1 đến \(DemoPKI.maxTSAYears)", "--tsa-years must be 1 to \(DemoPKI.maxTSAYears)"))
        }
    }

    func run() throws {
        var password = DemoPKI.defaultPassword
        if let passwordEnv {
            let v = try environmentSecret(passwordEnv)
            guard !v.isEmpty else {
                throw HosoError(
                    .badPassword, .both("Biến môi trường \(passwordEnv) rỗng", "The environment variable \(passwordEnv) is empty"))
            }
            password = v
        }
        let m = try DemoPKI.create(at: dir, clock: global.clock(), password: password, tsaYears: tsaYears)
        if output.json {
            printJSON(m)
            return
        }
        print(
            t(
                "Đã tạo PKI THỬ NGHIỆM tại \(dir) (chỉ để thử, không dùng cho giấy tờ thật).",
                "Created a TEST PKI in \(dir) (for testing only, never for real documents)."))
        print(t("CA gốc:", "Root CAs:"))
        for r in m.roots { print("  \(r.certificate)  \(r.commonName)") }
        print(t("CA trung gian:", "Intermediate CAs:"))
        for a in m.intermediates { print("  \(a.certificate)  \(a.commonName)  (\(t("dưới", "under")) \(a.issuer))") }
        print(t("Người ký (tệp .p12, vai trò, tình trạng, tên):", "Signers (.p12 file, role, status, name):"))
        let width = m.identities.map(\.files.p12.count).max() ?? 0
        for i in m.identities {
            let revoked = i.revokedAt.map { t(", thu hồi \($0)", ", revoked \($0)") } ?? ""
            print(
                "  \(i.files.p12.padding(toLength: width, withPad: " ", startingAt: 0))  \(i.role.rawValue), \(i.status.rawValue)\(revoked)  \(i.commonName)"
            )
        }
        print(t("CRL:", "CRLs:"))
        for c in m.crls { print("  \(c.der)  (\(c.revokedSerials.count) \(t("chứng thư bị thu hồi", "revoked")))") }
        print(t("Mật khẩu các tệp .p12: \(m.password)", "Password of the .p12 files: \(m.password)"))
        print(t("Danh mục: \(dir)/pki.json; hướng dẫn: \(dir)/README.txt", "Manifest: \(dir)/pki.json; read me: \(dir)/README.txt"))
    }
}
