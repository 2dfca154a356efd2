import ArgumentParser
import Foundation
import HosoKit

struct CopyCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "copy",
            abstract: t("Bản sao từ sổ gốc: cấp, kiểm tra, sổ cấp bản sao.", "Copies from the ledger: issue, verify, the copy register."),
            subcommands: [CopyIssue.self, CopyVerify.self, CopyList.self, CopyRenew.self])
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
                lẫn mã QR). Có --tsa: chữ ký có dấu thời gian, rồi tệp được thêm dữ liệu kiểm tra (DSS: chuỗi chứng
                thư, CRL) và một dấu thời gian tài liệu (PAdES B-LTA), để còn kiểm tra được sau khi chứng thư hết hạn
                (gia hạn bằng hoso copy renew).
                """,
                """
                ENTRY-ID: the diploma serial, or LEDGER#NUMBER. The copy shows the entry as it stands (corrections
                applied); a revoked diploma gets no copy. Signed with the office's certificate (ECDSA P-256: it signs
                the PDF and the QR code). With --tsa the signature is timestamped, then validation data (a DSS: the
                chains, CRLs) and a document timestamp are added (PAdES B-LTA), so the copy stays checkable after the
                certificates expire (renew with hoso copy renew).
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
        try checkOutputPath(out)
        let archive = try global.openArchive()
        let r = try archive.issueCopy(entryRef: entry, requestId: request, signer: identity, timestamp: stamp.source, clerk: who.resolved)
        try writeCommittedOutput(
            out, r.pdf,
            done: .both(
                "Bản sao số \(r.register.printedNumber) đã được cấp và ghi vào sổ cấp bản sao",
                "Copy \(r.register.printedNumber) was issued and entered in the copy register"),
            again: catCommand(r.register.document, out))
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
            abstract: t(
                "Kiểm tra một bản sao hoặc văn bản trả lời xác minh (PDF), hoặc mã QR trên bản giấy.",
                "Verify a copy or a verification letter (PDF), or the QR code on a paper copy."),
            discussion: t(
                """
                PDF: chữ ký hợp lệ và phủ toàn bộ tệp (không có thay đổi sau khi ký), do cơ quan ký (chứng thư ghi trong
                sổ cấp bản sao), có trong sổ, nội dung khớp sổ gốc hiện tại (ENTRY_CORRECTED nêu đính chính;
                ENTRY_MISMATCH cho khác biệt không được giải thích), văn bằng chưa bị thu hồi. Văn bản trả lời xác minh
                được báo là văn bản, kèm kết luận (KHỚP / KHÔNG KHỚP / KHÔNG CÓ). Tệp không đọc được: FAILED FORMAT_FAILURE.
                Sau chữ ký chỉ được thêm dữ liệu kiểm tra (DSS) và dấu thời gian tài liệu; mọi thay đổi khác: FAILED
                MODIFIED_AFTER_SIGNING. --at NGÀY: đánh giá tại ngày đó (mặc định: bây giờ, HOSO_NOW) chỉ bằng dữ liệu
                trong tệp: chuỗi dấu thời gian đứt (chứng thư của đơn vị cấp dấu thời gian hết hạn trước khi được
                gia hạn) thì INDETERMINATE LONG_TERM_PROOF_LAPSED.
                --qr ẢNH|VĂN-BẢN: có kho thì kiểm tra như PDF: sổ cấp bản sao (mọi trường của mã QR), thu hồi, đính
                chính, chứng thư ký. Không có kho: CHỈ KIỂM TRA CHỮ KÝ, với --office-cert (không được tin sẵn: phải
                dẫn tới một --trust qua các --ca, còn hạn vào ngày cấp, không bị thu hồi theo --crl). Ảnh có hai mã QR bản sao khác
                nhau bị từ chối. Mã QR có thể là nội dung HS1: (bản sao cũ) hoặc đường dẫn tới trang kiểm tra
                (publicURL/v#…): có kho thì chỉ nhận đường dẫn tới publicURL của cơ quan (QR_LINK_FOREIGN_HOST); không
                có kho thì --public-url đặt địa chỉ phải khớp, nếu không thì chỉ in tên miền của đường dẫn.
                Mã thoát: 0 hợp lệ; 7 chưa đủ căn cứ; 8 không hợp lệ.
                """,
                """
                PDF: the signature is valid and covers the whole file (nothing changed after signing), the office signed
                it (the certificate its register line records), it is in the copy register, its content matches the
                ledger today (ENTRY_CORRECTED names a correction; ENTRY_MISMATCH is a difference nothing explains), the
                diploma is not revoked. A verification letter is reported as a letter, with its finding (MATCHES /
                DIFFERS / NOT FOUND). An unreadable file is FAILED FORMAT_FAILURE.
                After the signature only validation data (a DSS) and document timestamps may be added; any other
                change is FAILED MODIFIED_AFTER_SIGNING. --at DATE: judge at that date (default: now, HOSO_NOW) with the
                file's own data: a lapsed chain of timestamps (an authority's certificate expired before a renewal)
                is INDETERMINATE LONG_TERM_PROOF_LAPSED.
                --qr IMAGE|TEXT: with an archive, checked like a PDF: the copy register (every field of the QR code),
                revocation, corrections, the signing certificate. Without one: SIGNATURE ONLY, with --office-cert
                (untrusted input: it must chain to a --trust anchor through --ca certificates, be valid on the issue date
                and not be revoked by a --crl). An image with two different copy QR codes is refused. The QR text may
                be an HS1: payload (older copies) or a link to the public page (publicURL/v#…): with an archive only a
                link to the office's publicURL is accepted (QR_LINK_FOREIGN_HOST); without one --public-url sets the
                address it must match, else the link's host is only printed.
                Exit: 0 valid; 7 indeterminate; 8 invalid.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @Option(
        name: .long,
        help: ArgumentHelp(t("Ảnh (PNG/PGM/JPEG) hoặc nội dung mã QR.", "QR image (PNG/PGM/JPEG) or its text."), valueName: "IMAGE|TEXT")
    ) var qr: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Chứng thư của cơ quan cho --qr (có thể kèm chứng thư CA trung gian); được kiểm tra, không được tin sẵn.",
                "The office's certificate for --qr (may include intermediate CA certificates); checked, never trusted as given."),
            valueName: "FILE.pem")) var officeCert: [String] = []
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Chứng thư gốc tin cậy cho --qr (thêm vào của kho).", "A trust anchor for --qr (added to the archive's)."),
            valueName: "ROOT.pem")) var trust: [String] = []
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Chứng thư CA trung gian cho --qr (thêm vào của kho).", "An intermediate CA certificate for --qr (added to the archive's)."),
            valueName: "CA.pem")) var ca: [String] = []
    @Option(
        name: .long,
        help: ArgumentHelp(t("CRL cho --qr (thêm vào của kho).", "A CRL for --qr (added to the archive's)."), valueName: "FILE.crl"))
    var crl: [String] = []
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Không có kho: địa chỉ trang kiểm tra của cơ quan mà đường dẫn trong --qr phải trỏ tới.",
                "Without an archive: the office's public page address a link in --qr must point at."),
            valueName: "URL")) var publicURL: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Thời điểm đánh giá tệp PDF (YYYY-MM-DD hoặc ISO 8601 UTC).", "When to judge the PDF at (YYYY-MM-DD or ISO 8601 UTC)."),
            valueName: "DATE")) var at: String?
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Tệp PDF.", "PDF file."), valueName: "FILE.pdf")) var file: String?

    func validate() throws {
        if (qr == nil) == (file == nil) {
            throw ValidationError(t("Cần đúng một trong FILE.pdf và --qr", "Give exactly one of FILE.pdf and --qr"))
        }
        if let at, validationTime(at) == nil {
            throw ValidationError(t("--at: ngày không hợp lệ: \(at)", "--at: not a date: \(at)"))
        }
    }

    func run() throws {
        if let qr { return try runQR(qr) }
        guard let file else {
            // validate() already refused this.
            throw ValidationError(t("Cần đúng một trong FILE.pdf và --qr", "Give exactly one of FILE.pdf and --qr"))
        }
        let report = try global.openArchive(.readOnly).verifyCopy(pdf: try readInputFile(file), at: at.flatMap(validationTime))
        if output.json {
            printJSON(report)
        } else {
            printText(report, file: file)
        }
        try HosoExit.finish(indication: report.indication)
    }

    func printText(_ report: CopyReport, file: String) {
        if report.kind == .letter {
            // A letter is never "Copy … PASSED": PASSED says only that the letter is authentic; its finding is the answer.
            let authentic =
                report.indication == "PASSED"
                ? t("xác thực (PASSED)", "authentic (PASSED)") : t("KHÔNG xác thực", "NOT authentic") + " (\(report.indication))"
            print(t("Văn bản trả lời xác minh \(file): \(authentic)", "Verification letter \(file): \(authentic)"))
            if let f = report.finding {
                let differing = report.letter?.differing ?? []
                print(
                    t("  kết luận của văn bản: ", "  the letter's finding: ") + f.rawValue + " — " + t(f.text.vi, f.text.en)
                        + (differing.isEmpty ? "" : " (\(differing.joined(separator: ", ")))"))
            }
            if let l = report.letter {
                print(t("  yêu cầu: ", "  request: ") + l.requestId + ", " + l.answeredAt)
            }
        } else {
            print(t("Bản sao \(file): \(report.indication)", "Copy \(file): \(report.indication)"))
        }
        for s in report.pdf.signatures {
            if let sig = s.signature {
                print(
                    t("  chữ ký: ", "  signature: ")
                        + "\(sig.indication.rawValue)\(sig.reason.map { " " + $0.rawValue } ?? "") — \(sig.signer ?? "?")")
                if let fp = sig.signerCertificate { print(t("  chứng thư SHA-256: ", "  certificate SHA-256: ") + fp) }
                print(
                    t("  đánh giá tại: ", "  judged at: ") + HosoClock.format(sig.judgedAt)
                        + (sig.timeProof == .timestamp
                            ? t(" (dấu thời gian)", " (timestamp)") : t(" (thời điểm kiểm tra)", " (verification time)")))
            }
            if let d = s.documentTimestamp {
                print(
                    t("  dấu thời gian tài liệu: ", "  document timestamp: ") + d.indication.rawValue
                        + (d.reason.map { " " + $0.rawValue } ?? "") + " — " + (d.time.map(HosoClock.format) ?? "?") + ", "
                        + (d.authority ?? "?"))
            }
            print(t("  phủ toàn bộ tệp: ", "  covers the whole file: ") + (s.coversWholeFile ? t("có", "yes") : t("KHÔNG", "NO")))
        }
        for p in report.pdf.longTerm ?? [] {
            print(
                t("  chuỗi dấu thời gian: ", "  timestamp chain: ") + HosoClock.format(p.time) + " " + (p.authority ?? "?")
                    + t(", chứng thư hết hạn ", ", certificate expires ") + (p.authorityValidUntil.map(HosoClock.format) ?? "?")
                    + (p.holds ? " ✓" : " ✗"))
        }
        if let reg = report.registered {
            print(
                t(
                    "  sổ cấp bản sao: số \(reg.printedNumber), \(reg.issuedAt), yêu cầu \(reg.requestId)",
                    "  copy register: number \(reg.printedNumber), \(reg.issuedAt), request \(reg.requestId)"))
        }
        if let e = report.entry { print(t("  mục sổ gốc: ", "  ledger entry: ") + "\(e.ref) — \(e.text("fullName")), \(e.serial)") }
        if let i = report.issuer { print(t("  cơ quan cấp văn bằng: ", "  issued the diploma: ") + i) }
        if let c = report.custodian {
            print(t("  cơ quan lưu giữ sổ gốc và cấp bản sao: ", "  holds the ledger and issued the copy: ") + c)
        }
        if let c = report.conversion { print("  " + c.sentence(day: String(c.convertedAt.prefix(10))).text(cliLang)) }
        for (code, m) in zip(report.reasons, report.messages) { print("  ✗ \(code): " + m.text(cliLang)) }
    }

    func runQR(_ input: String) throws {
        let text: String
        if FileManager.default.fileExists(atPath: input) {
            guard let only = try QRPayloadCodec.onlyPayload(in: try QRCode.decode(imageFile: input), source: input) else {
                throw HosoError(
                    .badRequestInput, .both("Không tìm thấy mã QR của bản sao trong ảnh", "No copy QR code found in the image"),
                    location: input)
            }
            text = only
        } else {
            text = input
        }
        let given = try officeCert.flatMap { try Certificate.load(file: $0) }
        let anchors = try trust.flatMap { try Certificate.load(file: $0) }
        let crls = try crl.flatMap { try CRL.load(try readInputFile($0), source: $0) }
        let cas = try ca.flatMap { try Certificate.load(file: $0) }
        let extra = TrustContext(roots: anchors, intermediates: cas, crls: crls)
        let r: QRCopyReport
        if FileManager.default.fileExists(atPath: global.archivePath + "/hoso-archive.json") {
            r = try global.openArchive(.readOnly).verifyCopyQR(text, officeCertificates: given, trust: extra)
        } else {
            guard !given.isEmpty else {
                throw HosoError(
                    .badRequestInput,
                    .both(
                        "Không có kho: cần --office-cert (và --trust, --crl) để kiểm tra chữ ký của mã QR",
                        "No archive: give --office-cert (and --trust, --crl) to check the QR code's signature"),
                    location: global.archivePath)
            }
            r = CopyQRVerification.verifySignatureOnly(
                text, officeCertificates: given, trust: extra, clock: try global.clock(), publicURL: publicURL)
        }
        if output.json {
            printJSON(r)
        } else {
            let scope = r.scope == .signatureOnly ? t(" — CHỈ KIỂM TRA CHỮ KÝ", " — SIGNATURE ONLY") : ""
            print(t("Mã QR: \(r.indication)", "QR code: \(r.indication)") + scope)
            if let host = r.linkHost { print(t("  đường dẫn tới: ", "  link to: ") + host) }
            if let p = r.payload {
                print(t("  người được cấp: ", "  holder: ") + "\(p.holderName), \(p.dateOfBirth)")
                print(
                    t("  số hiệu: ", "  serial: ") + "\(p.serial); " + t("số vào sổ ", "ledger number ")
                        + "\(p.ledgerNumber)/\(p.ledgerYear)")
                print(t("  bản sao số ", "  copy number ") + "\(p.copyNumber), \(p.issueDate), \(p.issuingOffice)")
            }
            if let o = r.office {
                print(t("  ký bởi: ", "  signed by: ") + o.name)
                print(t("  chứng thư SHA-256: ", "  certificate SHA-256: ") + o.fingerprint)
                let chain =
                    o.chain.isEmpty ? t("(không tới gốc tin cậy nào)", "(reaches no trust anchor)") : o.chain.joined(separator: " → ")
                let judged = t(", đánh giá tại ", ", judged at ") + HosoClock.format(o.judgedAt)
                let verdict = ": " + o.indication + (o.reason.map { " " + $0 } ?? "")
                print(t("  chuỗi chứng thư: ", "  chain: ") + chain + judged + verdict)
            }
            if let reg = r.registered {
                print(
                    t(
                        "  sổ cấp bản sao: số \(reg.printedNumber), \(reg.issuedAt)",
                        "  copy register: number \(reg.printedNumber), \(reg.issuedAt)"))
            }
            for (code, m) in zip(r.reasons, r.messages) { print("  ✗ \(code): " + m.text(cliLang)) }
            print("  " + r.note.text(cliLang))
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
        let list = try global.openArchive(.readOnly).copyRegister()
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

/// "2045-01-01" (midnight UTC) or "2045-01-01T00:00:00Z".
func validationTime(_ text: String) -> Date? {
    HosoClock.parse(text) ?? (text.utf8.count == 10 ? HosoClock.parse(text + "T00:00:00Z") : nil)
}

struct CopyRenew: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "renew",
            abstract: t(
                "Gia hạn dấu thời gian của các bản sao đã cấp (PAdES B-LTA).", "Renew the timestamps of issued copies (PAdES B-LTA)."),
            discussion: t(
                """
                Với mỗi bản sao (hoặc chỉ các SỐ nêu ra, ví dụ 12/2026) có dấu thời gian mới nhất do chứng thư hết hạn
                trong vòng --margin-days ngày (mọi bản sao với --force): thêm dữ liệu kiểm tra (DSS) cho dấu thời gian
                đó và một dấu thời gian tài liệu mới từ --tsa. Tệp mới được lưu và ghi vào sổ cấp bản sao; bản cũ vẫn
                kiểm tra được.
                """,
                """
                For each copy (or only the NUMBERS given, e.g. 12/2026) whose newest timestamp's authority certificate
                expires within --margin-days days (every copy with --force): add validation data (a DSS) for that
                timestamp and a new document timestamp from --tsa. The new file is stored and named in the copy
                register; the older file still verifies.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @OptionGroup var stamp: TimestampOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Gia hạn khi chứng thư hết hạn trong vòng chừng này ngày.", "Renew when the certificate expires within this many days."),
            valueName: "DAYS")) var marginDays: Int = 365
    @Flag(name: .long, help: ArgumentHelp(t("Gia hạn cả bản chưa đến hạn.", "Renew copies that are not due too."))) var force = false
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Số bản sao (mặc định: tất cả).", "Copy numbers (default: all)."), valueName: "NUMBER"))
    var copies: [String] = []

    func validate() throws {
        if stamp.tsa == nil { throw ValidationError(t("Cần --tsa", "--tsa is required")) }
        if marginDays < 0 { throw ValidationError(t("--margin-days phải ≥ 0", "--margin-days must be ≥ 0")) }
    }

    func run() throws {
        guard let source = stamp.source else { throw ValidationError(t("Cần --tsa", "--tsa is required")) }
        let done = try global.openArchive().renewCopies(
            timestamp: source, margin: TimeInterval(marginDays) * 86_400, only: copies.isEmpty ? nil : Set(copies), force: force,
            clerk: who.resolved)
        if output.json {
            printJSON(done)
            return
        }
        printCopyRenewals(done)
        if done.isEmpty { print(t("(không có bản sao nào)", "(no copies)")) }
    }
}

/// One line per copy looked at by a renewal (`hoso copy renew`, `hoso renew`).
func printCopyRenewals(_ done: [Archive.CopyRenewal]) {
    for r in done {
        let until = r.authorityValidUntil.map(HosoClock.format) ?? "?"
        if let doc = r.document {
            print(t("\(r.printedNumber): đã gia hạn → \(doc)", "\(r.printedNumber): renewed → \(doc)"))
        } else if r.skipped == "no-timestamp" {
            print(t("\(r.printedNumber): không có dấu thời gian, bỏ qua", "\(r.printedNumber): no timestamp, skipped"))
        } else {
            print(
                t(
                    "\(r.printedNumber): chưa đến hạn (chứng thư TSA đến \(until))",
                    "\(r.printedNumber): not due (TSA certificate until \(until))"))
        }
    }
}
