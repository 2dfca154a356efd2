import ArgumentParser
import Foundation
import HosoKit

struct CopyCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "copy",
            abstract: t("Bản sao từ sổ gốc: cấp, kiểm tra, sổ cấp bản sao.", "Copies from the ledger: issue, verify, the copy register."),
            subcommands: [CopyIssue.self, CopyVerify.self, CopyList.self])
    }
}

struct CopyIssue: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "issue",
            abstract: t(
                "Cấp bản sao PDF có ký số từ một mục sổ gốc, theo một yêu cầu.", "Issue a signed PDF copy of a ledger entry for a request."),
            discussion: t(
                """
                ENTRY-ID: số hiệu văn bằng, hoặc SỔ#SỐ-VÀO-SỔ. Bản sao lấy nội dung hiện tại của mục (đã áp dụng đính
                chính); văn bằng đã bị thu hồi thì không cấp. Ký bằng chứng thư của cơ quan (ECDSA P-256: ký cả PDF
                lẫn mã QR), kèm dấu thời gian khi có --tsa.
                """,
                """
                ENTRY-ID: the diploma serial, or LEDGER#NUMBER. The copy shows the entry as it stands (corrections
                applied); a revoked diploma gets no copy. Signed with the office's certificate (ECDSA P-256: it signs
                the PDF and the QR code), with a timestamp when --tsa is given.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @OptionGroup var keyOptions: KeyOptions
    @OptionGroup var stamp: TimestampOptions
    @Option(name: .long, help: ArgumentHelp(t("Mã yêu cầu.", "Request id."), valueName: "REQ-ID")) var request: String
    @Option(name: .long, help: ArgumentHelp(t("Tệp PDF ra.", "Output PDF file."), valueName: "FILE.pdf")) var out: String
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Mục sổ gốc.", "Ledger entry."), valueName: "ENTRY-ID")) var entry: String

    struct Out: Encodable {
        var copy: CopyRegisterEntry
        var register: String
        var out: String
        var qr: String
    }

    func run() throws {
        let identity = try keyOptions.load()
        let archive = try global.openArchive()
        let r = try archive.issueCopy(entryRef: entry, requestId: request, signer: identity, timestamp: stamp.source, clerk: who.resolved)
        try writeFileAtomically(out, r.pdf)
        if output.json {
            printJSON(Out(copy: r.register, register: r.registerRecordId, out: out, qr: r.qrText))
            return
        }
        print(
            t(
                "Đã cấp bản sao số \(r.register.printedNumber) cho \(r.register.holderName) (\(r.register.serial))",
                "Issued copy \(r.register.printedNumber) for \(r.register.holderName) (\(r.register.serial))"))
        print(t("  tệp: \(out)  (\(r.pdf.count) byte)", "  file: \(out)  (\(r.pdf.count) bytes)"))
        print(
            t(
                "  sổ cấp bản sao: \(r.registerRecordId); yêu cầu \(request) đã xong",
                "  copy register: \(r.registerRecordId); request \(request) done"))
    }
}

struct CopyVerify: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "verify",
            abstract: t("Kiểm tra một bản sao (PDF), hoặc mã QR trên bản giấy.", "Verify a copy (PDF), or the QR code on a paper copy."),
            discussion: t(
                """
                PDF: chữ ký hợp lệ và phủ toàn bộ tệp (không có thay đổi sau khi ký), do cơ quan ký, có trong sổ cấp bản sao,
                nội dung khớp sổ gốc hiện tại (nêu đính chính nếu có), văn bằng chưa bị thu hồi.
                --qr ẢNH|VĂN-BẢN: kiểm tra ngoại tuyến chỉ với chứng thư của cơ quan (--office-cert, hoặc lấy từ kho).
                Mã thoát: 0 hợp lệ; 7 chưa đủ căn cứ; 8 không hợp lệ.
                """,
                """
                PDF: the signature is valid and covers the whole file (nothing changed after signing), the office signed
                it, it is in the copy register, its content matches the ledger today (naming any correction), the
                diploma is not revoked. --qr IMAGE|TEXT: the offline check with nothing but the office's certificate
                (--office-cert, or from the archive). Exit: 0 valid; 7 indeterminate; 8 invalid.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @Option(
        name: .long, help: ArgumentHelp(t("Ảnh (PNG/PGM) hoặc nội dung mã QR.", "QR image (PNG/PGM) or its text."), valueName: "IMAGE|TEXT")
    ) var qr: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Chứng thư của cơ quan (cho --qr, không cần kho).", "The office's certificate (for --qr, no archive needed)."),
            valueName: "FILE.pem")) var officeCert: [String] = []
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Tệp PDF.", "PDF file."), valueName: "FILE.pdf")) var file: String?

    func validate() throws {
        if (qr == nil) == (file == nil) {
            throw ValidationError(t("Cần đúng một trong FILE.pdf và --qr", "Give exactly one of FILE.pdf and --qr"))
        }
    }

    struct QRReport: Encodable {
        var indication: String
        var reason: String?
        var payload: CopyPayload?
        var office: String?
    }

    func run() throws {
        if let qr { return try runQR(qr) }
        guard let file else {
            // validate() already refused this.
            throw ValidationError(t("Cần đúng một trong FILE.pdf và --qr", "Give exactly one of FILE.pdf and --qr"))
        }
        let report = try global.openArchive().verifyCopy(pdf: try readInputFile(file))
        if output.json {
            printJSON(report)
        } else {
            print(t("Bản sao \(file): \(report.indication)", "Copy \(file): \(report.indication)"))
            for s in report.pdf.signatures {
                if let sig = s.signature {
                    print(
                        t("  chữ ký: ", "  signature: ")
                            + "\(sig.indication.rawValue)\(sig.reason.map { " " + $0.rawValue } ?? "") — \(sig.signer ?? "?")")
                    print(
                        t("  đánh giá tại: ", "  judged at: ") + HosoClock.format(sig.judgedAt)
                            + (sig.timeProof == .timestamp
                                ? t(" (dấu thời gian)", " (timestamp)") : t(" (thời điểm kiểm tra)", " (verification time)")))
                }
                print(t("  phủ toàn bộ tệp: ", "  covers the whole file: ") + (s.coversWholeFile ? t("có", "yes") : t("KHÔNG", "NO")))
            }
            if let reg = report.registered {
                print(
                    t(
                        "  sổ cấp bản sao: số \(reg.printedNumber), \(reg.issuedAt), yêu cầu \(reg.requestId)",
                        "  copy register: number \(reg.printedNumber), \(reg.issuedAt), request \(reg.requestId)"))
            }
            if let e = report.entry { print(t("  mục sổ gốc: ", "  ledger entry: ") + "\(e.ref) — \(e.text("fullName")), \(e.serial)") }
            for m in report.messages { print("  ✗ " + m.text(cliLang)) }
        }
        try HosoExit.finish(indication: report.indication)
    }

    func runQR(_ input: String) throws {
        let text: String
        if FileManager.default.fileExists(atPath: input) {
            let found = try QRCode.decode(imageFile: input).filter { $0.hasPrefix(QRPayloadCodec.prefix) }
            guard let first = found.first else {
                throw HosoError(
                    .badRequestInput, .both("Không tìm thấy mã QR của bản sao trong ảnh", "No copy QR code found in the image"),
                    location: input)
            }
            text = first
        } else {
            text = input
        }
        var certs = try officeCert.flatMap { try Certificate.load(file: $0) }
        if certs.isEmpty { certs = try global.openArchive().officeCertificates() }
        let check = QRPayloadCodec.verify(text, certificates: certs)
        let r: QRReport
        switch check {
        case .valid(let p, let office):
            r = QRReport(indication: "PASSED", reason: nil, payload: p, office: office.commonName ?? office.subject)
        case .badSignature(let p): r = QRReport(indication: "FAILED", reason: "QR_BAD_SIGNATURE", payload: p, office: nil)
        case .unknownOffice(let p): r = QRReport(indication: "FAILED", reason: "QR_UNKNOWN_OFFICE", payload: p, office: nil)
        case .malformed(let why): r = QRReport(indication: "FAILED", reason: "QR_MALFORMED: \(why)", payload: nil, office: nil)
        }
        if output.json {
            printJSON(r)
        } else {
            print(t("Mã QR: \(r.indication)", "QR code: \(r.indication)") + (r.reason.map { " (\($0))" } ?? ""))
            if let p = r.payload {
                print(t("  người được cấp: ", "  holder: ") + "\(p.holderName), \(p.dateOfBirth)")
                print(
                    t("  số hiệu: ", "  serial: ") + "\(p.serial); " + t("số vào sổ ", "ledger number ")
                        + "\(p.ledgerNumber)/\(p.ledgerYear)")
                print(t("  bản sao số ", "  copy number ") + "\(p.copyNumber), \(p.issueDate), \(p.issuingOffice)")
            }
            if let o = r.office { print(t("  ký bởi: ", "  signed by: ") + o) }
            if r.indication == "PASSED" {
                print(
                    t(
                        "  Lưu ý: chỉ chứng minh nội dung do cơ quan ký; đối chiếu thêm với bản in.",
                        "  Note: this proves the office signed these data; compare them with the printed copy."))
            }
        }
        try HosoExit.finish(indication: r.indication)
    }
}

struct CopyList: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: t("Sổ cấp bản sao.", "The copy register."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let list = try global.openArchive().copyRegister()
        if output.json {
            printJSON(list)
            return
        }
        for c in list {
            print(
                "\(c.printedNumber)  \(c.issuedAt)  \(c.holderName)  \(c.serial)  \(c.ledgerRecordId)#\(c.ledgerNumber)  \(c.requesterName)  ×\(c.copies)"
            )
        }
        if list.isEmpty { print(t("(chưa cấp bản sao nào)", "(no copies issued)")) }
    }
}
