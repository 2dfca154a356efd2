import ArgumentParser
import Foundation
import HosoKit

/// A password from --password-env or --password-file (not both), else from a prompt that does not echo.
/// Shared by signing keys, node keys, the office key of `serve` and web accounts, so the rules are the same everywhere.
struct SecretOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Đọc mật khẩu từ biến môi trường này.", "Read the password from this environment variable."),
            valueName: "VAR"))
    var passwordEnv: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Đọc mật khẩu từ dòng đầu của tệp này.", "Read the password from the first line of this file."),
            valueName: "FILE"))
    var passwordFile: String?

    func validate() throws {
        if passwordEnv != nil && passwordFile != nil {
            throw ValidationError(
                t("Chỉ dùng một trong --password-env và --password-file", "Use only one of --password-env and --password-file"))
        }
    }

    func secret(prompt: String) throws -> String {
        try readSecret(env: passwordEnv, file: passwordFile, prompt: prompt)
    }
}

/// Where a signing key comes from: a PKCS#12 file or a PKCS#11 token, with its password or PIN
/// from an environment variable, a file, or a prompt that does not echo. Secrets are never printed.
struct KeyOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Khóa ký: tệp PKCS#12 (.p12) hoặc URI pkcs11:… của thiết bị ký (mã PIN của nó đọc như mật khẩu).",
                "Signing key: a PKCS#12 file (.p12) or a token's pkcs11:… URI (its PIN is read like a password)."),
            valueName: "FILE.p12|pkcs11:URI"))
    var key: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Chứng thư số (PEM/DER) khi thiết bị ký không chứa nó.",
                "Certificate (PEM/DER) when the token does not hold it."),
            valueName: "FILE"))
    var cert: String?

    @OptionGroup var password: SecretOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Mô-đun PKCS#11 (mặc định: $HOSO_PKCS11_MODULE, rồi SoftHSM2/p11-kit).",
                "PKCS#11 module (default: $HOSO_PKCS11_MODULE, then SoftHSM2/p11-kit)."),
            valueName: "FILE.so"))
    var pkcs11Module: String?

    func load() throws -> SigningIdentity {
        try KeySource(
            key: key, cert: cert, passwordEnv: password.passwordEnv, passwordFile: password.passwordFile,
            pkcs11Module: pkcs11Module
        ).load()
    }
}

/// A key and how to unlock it, as plain values: what --key, and the keys named otherwise (--office-key,
/// --tsa-key, `node init --key`), come down to.
struct KeySource {
    var key: String
    var cert: String?
    var passwordEnv: String?
    var passwordFile: String?
    var pkcs11Module: String?

    init(key: String, cert: String? = nil, passwordEnv: String? = nil, passwordFile: String? = nil, pkcs11Module: String? = nil) {
        self.key = key
        self.cert = cert
        self.passwordEnv = passwordEnv
        self.passwordFile = passwordFile
        self.pkcs11Module = pkcs11Module
    }

    init(key: String, password: SecretOptions) {
        self.init(key: key, passwordEnv: password.passwordEnv, passwordFile: password.passwordFile)
    }

    var isToken: Bool { key.hasPrefix("pkcs11:") }

    func load() throws -> SigningIdentity {
        let pass = try readSecret(
            env: passwordEnv, file: passwordFile,
            prompt: isToken ? t("Mã PIN của thiết bị ký: ", "Token PIN: ") : t("Mật khẩu tệp khóa: ", "Key file password: "))
        let certificate = try cert.map { try Certificate.load(file: $0)[0] }
        if isToken {
            let module = pkcs11Module ?? ProcessInfo.processInfo.environment["HOSO_PKCS11_MODULE"]
            return try PKCS11.open(uri: key, pin: pass, modulePath: module, certificate: certificate)
        }
        guard let bytes = FileManager.default.contents(atPath: key) else {
            throw HosoError(.inputNotFound, .both("Không đọc được tệp khóa", "Cannot read the key file"), location: key)
        }
        var id = try PKCS12.open([UInt8](bytes), password: pass, source: key)
        if let certificate { id.certificate = certificate }
        return id
    }
}

/// The password or PIN: from the environment variable `env`, the first line of `file`, or a prompt on the terminal.
func readSecret(env: String?, file: String?, prompt: String) throws -> String {
    if let env { return try environmentSecret(env) }
    if let file {
        guard let d = FileManager.default.contents(atPath: file) else {
            throw HosoError(.inputNotFound, .both("Không đọc được tệp mật khẩu", "Cannot read the password file"), location: file)
        }
        return String(decoding: d, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
    }
    return try promptSecret(prompt)
}

/// The value of the environment variable named on the command line; unset is an error naming it.
func environmentSecret(_ variable: String) throws -> String {
    guard let v = ProcessInfo.processInfo.environment[variable] else {
        throw HosoError(.badPassword, .both("Biến môi trường \(variable) chưa được đặt", "The environment variable \(variable) is not set"))
    }
    return v
}

/// Reads a line from the terminal with echo off. Refuses when stdin is not a terminal, so a script never hangs.
func promptSecret(_ prompt: String) throws -> String {
    guard isatty(0) == 1 else {
        throw HosoError(
            .badPassword,
            .both(
                "Cần mật khẩu: dùng --password-env hoặc --password-file khi không có terminal",
                "A password is needed: use --password-env or --password-file when there is no terminal"))
    }
    FileHandle.standardError.write(Data(prompt.utf8))
    var old = termios()
    tcgetattr(0, &old)
    var noEcho = old
    noEcho.c_lflag &= ~tcflag_t(ECHO)
    tcsetattr(0, TCSAFLUSH, &noEcho)
    defer {
        tcsetattr(0, TCSAFLUSH, &old)
        FileHandle.standardError.write(Data("\n".utf8))
    }
    return readLine(strippingNewline: true) ?? ""
}
