import Foundation
import HosoCore
import HosoPrimitives
import HosoTestSupport

@testable import HosoCopies
@testable import HosoSigning

// Support for PDFTests: a demo PKI (made at the real time, because pdfsig and pyHanko judge certificates now), an
// NSS database that trusts its roots (for pdfsig), and one signed sample copy shared by the tests.
// Every name starts with PDF so it cannot clash with the other test files of this target.

/// Runs a program in a UTF-8 locale to completion (see `runProgram`).
@discardableResult
func pdfRun(_ path: String, _ args: [String]) throws -> ProgramOutput {
    try runProgram(path, args, environment: ProcessInfo.processInfo.environment.merging(["LANG": "C.UTF-8"]) { $1 })
}

/// The PDF tests' demo PKI, made now in whole seconds (/M carries no fractions), once per test process.
let pdfPKI = Result { try DemoPKIFixture(in: try scratchDirectory("pki") + "/pki", now: wholeSecondsNow()) }

/// "sql:DIR": an NSS database that trusts both demo roots, for `pdfsig -nssdir`.
let pdfNSSDatabase = Result {
    let pki = try pdfPKI.get()
    let db = pki.dir + "/../nssdb"
    try FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
    let nssDB = "sql:" + db
    let made = try pdfRun("/usr/bin/certutil", ["-N", "-d", nssDB, "--empty-password"])
    guard made.status == 0 else { throw FixtureError("certutil -N", output: made.output) }
    for (i, root) in pki.rootFiles.enumerated() {
        let added = try pdfRun("/usr/bin/certutil", ["-A", "-d", nssDB, "-n", "hoso-test-root-\(i)", "-t", "CT,C,C", "-i", root])
        guard added.status == 0 else { throw FixtureError("certutil -A", output: added.output) }
    }
    return nssDB
}

extension DemoPKIFixture {
    /// A timestamp closure for `PAdES.sign`: the demo TSA stamps the SHA-256 of the signature value.
    func stamper() throws -> (_ signatureValue: [UInt8]) throws -> [UInt8] {
        let tsa = try tsa()
        return { try tsa.token(forDigest: SHA256.hash($0)) }
    }
}

/// The sample copy: Vietnamese text with every kind of diacritic, the ledger entry attached.
enum PDFSample {
    static let holder = "Nguyễn Thị Thu Hà"
    static let ledgerEntry = Array(
        #"{"body":{"dateOfBirth":"2009-03-14","fullName":"Nguyễn Thị Thu Hà","graduationGrade":"Khá","ledgerNumber":"125/THCS-2024","serial":"B 0123456"},"recordType":"ledger-entry"}"#
            .utf8)
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
        let fx = try pdfPKI.get()
        let (unsigned, layout) = try PDFRender.renderWithLayout(document(qr: qr))
        let pdf = try PAdES.sign(
            pdf: unsigned, signer: try fx.identity(name),
            attachment: (attachmentName, ledgerEntry, "application/json"),
            reason: "Cấp bản sao từ sổ gốc", location: "Hòa Bình, Quảng Ninh", time: fx.now,
            timestamp: try fx.stamper())
        return Signed(pdf: pdf, unsigned: unsigned, layout: layout, signingTime: fx.now)
    }

    static let shared = Result {
        let s = try make(qr: fakeQR)
        // HOSO_PDF_TEST_OUT=DIR keeps the sample copy for a person to look at.
        if let out = ProcessInfo.processInfo.environment["HOSO_PDF_TEST_OUT"] {
            try Data(s.pdf).write(to: URL(fileURLWithPath: out + "/sample-copy.pdf"))
            for (i, root) in try pdfPKI.get().rootFiles.enumerated() {
                try (FileManager.default.contents(atPath: root) ?? Data()).write(to: URL(fileURLWithPath: out + "/root-\(i).pem"))
            }
        }
        return s
    }
}
