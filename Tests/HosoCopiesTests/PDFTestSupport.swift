import Foundation
import HosoCore
import Testing
@testable import HosoCopies
@testable import HosoSigning

// Support for PDFTests: a demo PKI (made at the real time, because pdfsig and pyHanko judge certificates now), an
// NSS database that trusts its roots (for pdfsig), a process runner, and one signed sample copy shared by the tests.
// Every name starts with PDF so it cannot clash with the other test files of this target.

/// Runs a program to completion; returns its exit status and what it wrote (stdout and stderr together).
/// The child gets an empty signal mask: test-runner threads block signals, and a child would inherit that.
@discardableResult
func pdfRun(_ path: String, _ args: [String], in dir: String? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
    var env = ProcessInfo.processInfo.environment
    env["LANG"] = "C.UTF-8"
    p.environment = env
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    var none = sigset_t(), saved = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// This test process's scratch directory, removed at exit.
let pdfScratchRoot: String = {
    let d = NSTemporaryDirectory() + "hoso-pdf-tests-\(getpid())"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: pdfScratchRoot) }
    return d
}()

func pdfScratchDir(_ name: String = #function) throws -> String {
    let d = pdfScratchRoot + "/" + name.filter(\.isLetter) + "-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

func pdfWrite(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func pdfFind(_ needle: [UInt8], in hay: [UInt8], from start: Int = 0) -> Int? {
    guard !needle.isEmpty, hay.count >= needle.count, start <= hay.count - needle.count else { return nil }
    for i in start...(hay.count - needle.count) where hay[i] == needle[0] && hay[i..<i + needle.count].elementsEqual(needle) {
        return i
    }
    return nil
}

/// The repository root (for .build-py/bin/pyhanko).
let pdfRepoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A demo PKI made now, its roots trusted in an NSS database, loaded once per test process.
final class PDFPKIFixture: Sendable {
    let dir: String
    let now: Date
    let manifest: DemoPKI.Manifest
    let roots: [Certificate]
    let intermediates: [Certificate]
    let crls: [CRL]
    /// "sql:DIR": an NSS database that trusts both demo roots, for `pdfsig -nssdir`.
    let nssDB: String
    /// Every root's PEM file.
    let rootFiles: [String]

    init() throws {
        // Whole seconds: /M carries no fractions.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let dir = try pdfScratchDir("pki") + "/pki"
        let manifest = try DemoPKI.create(at: dir, clock: .fixed(now), password: "pw")
        let rootFiles = manifest.roots.map { "\(dir)/\($0.certificate)" }
        self.now = now
        self.dir = dir
        self.manifest = manifest
        self.rootFiles = rootFiles
        roots = try rootFiles.flatMap { try Certificate.load(file: $0) }
        intermediates = try manifest.intermediates.flatMap { try Certificate.load(file: "\(dir)/\($0.certificate)") }
        crls = try manifest.crls.flatMap { try CRL.load([UInt8](FileManager.default.contents(atPath: "\(dir)/\($0.der)")!)) }

        let db = dir + "/../nssdb"
        try FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
        nssDB = "sql:" + db
        let made = try pdfRun("/usr/bin/certutil", ["-N", "-d", nssDB, "--empty-password"])
        guard made.status == 0 else { throw PDFFixtureError(what: "certutil -N", output: made.output) }
        for (i, root) in rootFiles.enumerated() {
            let added = try pdfRun("/usr/bin/certutil", ["-A", "-d", nssDB, "-n", "hoso-test-root-\(i)", "-t", "CT,C,C", "-i", root])
            guard added.status == 0 else { throw PDFFixtureError(what: "certutil -A", output: added.output) }
        }
    }

    struct PDFFixtureError: Error, CustomStringConvertible {
        var what: String
        var output: String
        var description: String { "\(what): \(output)" }
    }

    func identity(_ name: String) throws -> SigningIdentity {
        let f = try #require(manifest.identity(name)).files.p12
        return try PKCS12.open([UInt8](FileManager.default.contents(atPath: "\(dir)/\(f)")!), password: "pw")
    }

    func tsa() throws -> TimeStampAuthority {
        try TimeStampAuthority(identity: try identity("tsa"), clock: .fixed(now))
    }

    /// A timestamp closure for `PAdES.sign`: the demo TSA stamps the SHA-256 of the signature value.
    func stamper() throws -> (_ signatureValue: [UInt8]) throws -> [UInt8] {
        let tsa = try tsa()
        return { try tsa.token(forDigest: Digest.sha256($0)) }
    }

    func verifier(roots: [Certificate]? = nil) -> SignatureVerifier {
        SignatureVerifier(trust: TrustContext(roots: roots ?? self.roots, intermediates: intermediates, crls: crls),
                          clock: .fixed(now + 60))
    }

    func root(_ name: String) throws -> Certificate {
        let a = try #require(manifest.roots.first { $0.name == name })
        return try Certificate.load(file: "\(dir)/\(a.certificate)")[0]
    }

    static let shared = Result { try PDFPKIFixture() }
}

/// The sample copy: Vietnamese text with every kind of diacritic, the ledger entry attached.
enum PDFSample {
    static let holder = "Nguyễn Thị Thu Hà"
    static let ledgerEntry = Array(#"{"body":{"dateOfBirth":"2009-03-14","fullName":"Nguyễn Thị Thu Hà","graduationGrade":"Khá","ledgerNumber":"125/THCS-2024","serial":"B 0123456"},"recordType":"ledger-entry"}"#.utf8)
    static let attachmentName = "so-goc-125-THCS-2024.json"

    static func document(qr: [[Bool]]? = nil) -> CopyDocument {
        CopyDocument(
            superiorBody: "UBND HUYỆN HÒA BÌNH", officeName: "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", copyNumber: "37",
            subtitle: "Bằng tốt nghiệp trung học cơ sở",
            rows: CopyDocument.diplomaRows(
                holderName: holder, dateOfBirth: "14/03/2009", placeOfBirth: "Xã Đông Hưng, huyện Hòa Bình, tỉnh Quảng Ninh",
                sex: "Nữ", ethnicity: "Kinh", graduationYear: "2024", graduationGrade: "Khá",
                school: "Trường THCS Hòa Bình", serial: "B 0123456", ledgerNumber: "125/THCS-2024"),
            issuePlaceAndDate: "Hòa Bình, ngày 05 tháng 6 năm 2025", signerTitle: "TRƯỞNG PHÒNG", signerName: "Vũ Minh Tuấn",
            footer: "Bản sao điện tử có chữ ký số của cơ quan cấp. Kiểm tra: hoso copy verify <tệp.pdf>, hoặc quét mã QR.",
            qrModules: qr)
    }

    /// A small checkerboard-ish matrix standing in for a real QR code (the QR files bring real ones).
    static let fakeQR: [[Bool]] = (0..<25).map { r in (0..<25).map { c in (r * 7 + c * 3) % 5 < 2 || r < 7 && c < 7 } }

    struct Signed {
        var pdf: [UInt8]
        var unsigned: [UInt8]
        var layout: PDFRender.Layout
        var signingTime: Date
    }

    static func make(signer name: String = "truong-phong", qr: [[Bool]]? = nil) throws -> Signed {
        let fx = try PDFPKIFixture.shared.get()
        let (unsigned, layout) = try PDFRender.renderWithLayout(document(qr: qr))
        let pdf = try PAdES.sign(pdf: unsigned, signer: try fx.identity(name),
                                 attachment: (attachmentName, ledgerEntry, "application/json"),
                                 reason: "Cấp bản sao từ sổ gốc", location: "Hòa Bình, Quảng Ninh", time: fx.now,
                                 timestamp: try fx.stamper())
        return Signed(pdf: pdf, unsigned: unsigned, layout: layout, signingTime: fx.now)
    }

    static let shared = Result {
        let s = try make(qr: fakeQR)
        // HOSO_PDF_TEST_OUT=DIR keeps the sample copy for a person to look at.
        if let out = ProcessInfo.processInfo.environment["HOSO_PDF_TEST_OUT"] {
            try pdfWrite(s.pdf, out + "/sample-copy.pdf")
            for (i, root) in try PDFPKIFixture.shared.get().rootFiles.enumerated() {
                try pdfWrite([UInt8](FileManager.default.contents(atPath: root) ?? Data()), out + "/root-\(i).pem")
            }
        }
        return s
    }
}
