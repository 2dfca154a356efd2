import ArgumentParser
import Foundation
import HosoKit

extension SignerRole: ExpressibleByArgument {}

struct TimestampOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Địa chỉ máy chủ dấu thời gian RFC 3161 (ví dụ http://127.0.0.1:3180/).",
                "RFC 3161 time-stamp authority URL (e.g. http://127.0.0.1:3180/)."), valueName: "URL"))
    var tsa: String?

    var source: TimestampSource? { tsa.map { .url($0) } }
}

/// Where timestamps come from: a TSA at a URL, a TSA key used in-process (an office's own), or nowhere.
func timestampSource(url: String?, key: String?, passwordEnv: String?, clock: HosoClock) throws -> TimestampSource? {
    if let url { return .url(url) }
    guard let key else { return nil }
    return .authority(try TimeStampAuthority(identity: try KeySource(key: key, passwordEnv: passwordEnv).load(), clock: clock))
}

struct Sign: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: t("Ký số một bản hồ sơ (CAdES, tách rời).", "Digitally sign a record revision (CAdES, detached)."),
            discussion: t(
                """
                ID là mã hồ sơ (ký bản hiện tại) hoặc mã một bản. Chữ ký phủ đúng các byte chuẩn hóa của bản đó,
                kèm vai trò người ký, thời điểm ký, chuỗi chứng thư và CRL mới nhất kho có. Bản đã ký không đổi được:
                mọi sửa đổi là một bản mới và phải ký lại. Với --tsa, chữ ký có thêm dấu thời gian (CAdES-T).
                """,
                """
                ID is a record id (its current revision is signed) or a revision id. The signature covers that
                revision's exact canonical bytes, with the signer's role, the signing time, the chain and the latest
                CRLs the archive holds. A signed revision cannot change: any correction is a new revision, signed
                again. With --tsa the signature also gets a timestamp (CAdES-T).
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var keyOptions: KeyOptions
    @OptionGroup var stamp: TimestampOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Vai trò người ký.", "The signer's role."),
            valueName: SignerRole.allCases.map(\.rawValue).joined(separator: "|")))
    var role: SignerRole
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Ghi thêm chữ ký CMS (DER) ra tệp này để kiểm tra bằng công cụ khác.",
                "Also write the CMS signature (DER) to this file, for checking with other tools."),
            valueName: "FILE.p7s"))
    var out: String?
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Mã hồ sơ hoặc mã bản.", "Record id or revision id."), valueName: "ID"))
    var id: String

    func run() throws {
        let identity = try keyOptions.load()
        if let out { try checkOutputPath(out) }
        let archive = try global.openArchive()
        let (outcome, der) = try archive.sign(id, identity: identity, role: role, timestamp: stamp.source)
        if let out {
            try writeCommittedOutput(
                out, der, done: .both("Chữ ký đã được lưu vào kho", "The signature was stored in the archive"),
                again: catCommand(outcome.signature, out))
        }
        if output.json {
            printJSON(outcome)
            return
        }
        print(
            t(
                "Đã ký bản \(outcome.revision) của hồ sơ \(outcome.record) (\(outcome.recordType))",
                "Signed revision \(outcome.revision) of record \(outcome.record) (\(outcome.recordType))"))
        print(t("  người ký: \(outcome.signer) — \(role.title.vi)", "  signer: \(outcome.signer) — \(role.title.en)"))
        print(t("  chữ ký: \(outcome.signature)", "  signature: \(outcome.signature)"))
        print(
            outcome.timestamped
                ? t("  có dấu thời gian", "  timestamped")
                : t(
                    "  chưa có dấu thời gian (thêm bằng `hoso timestamp` khi tới văn phòng)",
                    "  no timestamp yet (add one with `hoso timestamp` at the office)"))
        if let out { print(t("  đã ghi \(out)", "  wrote \(out)")) }
    }
}

struct Verify: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: t(
                "Kiểm tra chữ ký số của một bản hồ sơ hoặc một tệp chữ ký.",
                "Check the signatures of a record revision or a signature file."),
            discussion: t(
                """
                Mỗi chữ ký được đánh giá riêng: PASSED (hợp lệ), INDETERMINATE (chưa đủ căn cứ) hoặc FAILED (không hợp lệ),
                kèm mã lý do, thời điểm được đánh giá và căn cứ của thời điểm đó (dấu thời gian, hoặc chỉ thời điểm kiểm tra).
                Thiếu dữ liệu thu hồi (CRL hay OCSP) không bao giờ là PASSED. Với --at NGÀY, chữ ký được đánh giá như vào
                ngày đó chỉ với bằng chứng trong kho (không mạng): chứng thư CA, TSA đã hết hạn khi đó cần hồ sơ bằng chứng
                (dấu thời gian lưu trữ, gia hạn bằng hoso renew) có trước ngày hết hạn; thiếu thì INDETERMINATE (NO_POE).

                Mã thoát: 0 mọi chữ ký PASSED; 7 có chữ ký INDETERMINATE; 8 có chữ ký FAILED; 4 không có chữ ký nào.
                """,
                """
                Each signature is judged on its own: PASSED, INDETERMINATE (not enough evidence) or FAILED, with a reason
                code, the time it was judged at and what proved that time (a timestamp, or only the verification time).
                Missing revocation data (CRL or OCSP) is never PASSED. With --at DATE the signatures are judged as of
                that date with the archive's evidence alone (no network): CA and TSA certificates expired by then need an
                evidence record (archive timestamps, renewed with hoso renew) from before they expired; without one,
                INDETERMINATE (NO_POE).

                Exit codes: 0 every signature PASSED; 7 some INDETERMINATE; 8 some FAILED; 4 no signature at all.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Nội dung đã ký (khi kiểm tra tệp .p7s của bản không có trong kho).",
                "The signed content (when checking a .p7s of a revision not in the archive)."),
            valueName: "FILE"))
    var content: String?
    @Flag(
        name: .long,
        help: ArgumentHelp(
            t(
                "Chấp nhận RSA PKCS#1 v1.5 (quy định yêu cầu RSA-PSS).",
                "Accept RSA PKCS#1 v1.5 (the rules require RSA-PSS).")))
    var allowPkcs1 = false
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Thời gian ân hạn ngoại tuyến (ngày, 0–30): CRL quá hạn cập nhật chưa quá số ngày này vẫn được dùng. Mặc định 0.",
                "Offline grace period (days, 0–30): a CRL past its next update by no more than this is still used. Default 0."),
            valueName: "DAYS"))
    var crlGraceDays: Double = 0
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Chỉ chấp nhận chứng thư cấp theo chính sách này (OID; lặp lại được). Mặc định: mọi chính sách.",
                "Accept only certificates issued under this policy (OID; repeatable). Default: any policy."),
            valueName: "OID"))
    var certificatePolicy: [String] = []
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Đánh giá như tại thời điểm này (YYYY-MM-DD hoặc ISO 8601), chỉ với bằng chứng trong kho: chứng thư đã hết hạn khi đó cần hồ sơ bằng chứng (hoso renew).",
                "Judge as of this time (YYYY-MM-DD or ISO 8601) with the archive's evidence alone: certificates expired by then need an evidence record (hoso renew)."
            ),
            valueName: "DATE"))
    var at: String?
    @OptionGroup var output: OutputOptions
    @Argument(
        help: ArgumentHelp(
            t("Mã hồ sơ, mã bản, hoặc tệp chữ ký .p7s.", "Record id, revision id, or a .p7s signature file."),
            valueName: "ID|FILE"))
    var target: String

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        guard crlGraceDays >= 0, crlGraceDays * 86400 <= VerificationPolicy.maximumCRLGracePeriod else {
            throw ValidationError(t("--crl-grace-days phải trong khoảng 0–30", "--crl-grace-days must be between 0 and 30"))
        }
        for oid in certificatePolicy where oid.isEmpty || !oid.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            throw ValidationError(t("OID chính sách không hợp lệ: \(oid)", "Not a policy OID: \(oid)"))
        }
        let policy = VerificationPolicy(
            allowPKCS1v15: allowPkcs1, crlGracePeriod: crlGraceDays * 86400,
            certificatePolicies: certificatePolicy.isEmpty ? nil : Set(certificatePolicy))
        let when = try at.map { text in
            guard let d = HosoClock.parse(text.count == 10 ? text + "T00:00:00Z" : text) else {
                throw ValidationError(
                    t("--at không phải ngày hay thời điểm ISO 8601: \(text)", "--at is not a date or ISO 8601 time: \(text)"))
            }
            return d
        }
        let report: SignedRevisionReport
        if FileManager.default.fileExists(atPath: target), ObjectID(hex: target) == nil {
            guard when == nil else {
                throw ValidationError(t("--at chỉ dùng với chữ ký trong kho", "--at is for signatures in the archive only"))
            }
            guard let sig = FileManager.default.contents(atPath: target) else {
                throw HosoError(.inputUnreadable, .both("Không đọc được tệp", "Cannot read the file"), location: target)
            }
            let data = try content.map(readInputFile)
            report = try archive.verifyFile(signature: [UInt8](sig), content: data, policy: policy, source: target)
        } else {
            report = try archive.verify(target, policy: policy, at: when)
        }
        if output.json { printJSON(report) } else { printReport(report) }
        if report.indication == "UNSIGNED" && !output.json {
            // The report above already says so (as JSON too); this line names the error code for scripts reading stderr.
            printErr("hoso: [\(HosoError.Code.signatureNotFound)] " + t("bản này chưa có chữ ký nào", "this revision has no signature"))
        }
        try HosoExit.finish(indication: report.indication)
    }

    func printReport(_ r: SignedRevisionReport) {
        print(t("Bản \(r.revision)", "Revision \(r.revision)") + (r.record.map { " — \(r.recordType ?? "") \($0)" } ?? ""))
        print(t("Kết luận: \(r.indication)", "Result: \(r.indication)"))
        for e in r.signatures {
            let s = e.report
            print("")
            print("  [\(s.indication.rawValue)\(s.reason.map { " \($0.rawValue)" } ?? "")] \(s.message.text(cliLang))")
            print(
                t("    người ký: ", "    signer: ") + (s.signer ?? "?")
                    + (s.role.map { " — \(cliLang == .en ? $0.title.en : $0.title.vi)" } ?? "")
                    + (s.claimedTitle.map { " (\($0))" } ?? ""))
            if let p = s.person {
                print(t("    theo hồ sơ người ký: ", "    per the person records: ") + p.fullName + (p.title.map { ", \($0)" } ?? ""))
            }
            if let ca = s.certificateAuthority { print(t("    CA cấp: ", "    issued by: ") + ca) }
            if let claimed = s.claimedSigningTime {
                print(t("    thời điểm ký (tự khai): ", "    claimed signing time: ") + HosoClock.format(claimed))
            }
            let proof =
                s.timeProof == .timestamp
                ? t("dấu thời gian", "timestamp") : t("thời điểm kiểm tra (không có dấu thời gian)", "verification time (no timestamp)")
            print(t("    đánh giá tại: ", "    judged at: ") + HosoClock.format(s.judgedAt) + " (\(proof))")
            if let ts = s.timestamp, let a = ts.authority { print(t("    đơn vị cấp dấu thời gian: ", "    time-stamp authority: ") + a) }
            if let rev = s.revocation {
                print(
                    (rev.source == "ocsp" ? "    OCSP: " : "    CRL: ") + "\(rev.issuer), \(HosoClock.format(rev.thisUpdate))"
                        + (rev.revokedAt.map { t(", thu hồi ", ", revoked ") + HosoClock.format($0) } ?? ""))
                if let grace = rev.gracePeriod {
                    let days = String(format: "%g", grace / 86400)
                    print(
                        t("    ân hạn ngoại tuyến cho CRL: \(days) ngày", "    offline CRL grace period: \(days) days")
                            + (rev.usedGracePeriod == true ? t(" (đã dùng)", " (used)") : ""))
                }
            }
            if !s.chain.isEmpty { print(t("    chuỗi: ", "    chain: ") + s.chain.joined(separator: " → ")) }
            if let ev = s.evidence, let existed = ev.existedAt {
                print(
                    t("    hồ sơ bằng chứng: có từ ", "    evidence record: existed since ") + HosoClock.format(existed)
                        + t(", \(ev.timestamps.count) dấu thời gian lưu trữ", ", \(ev.timestamps.count) archive timestamps")
                        + (ev.validUntil.map { t(", hiệu lực tới ", ", valid until ") + HosoClock.format($0) } ?? ""))
            }
            if let a = s.algorithm { print(t("    thuật toán: ", "    algorithm: ") + a) }
            for w in s.warnings { print(t("    lưu ý: ", "    note: ") + w.text(cliLang)) }
            print(t("    mã chữ ký: ", "    signature id: ") + e.signature)
        }
        if r.signatures.isEmpty {
            print(t("  (chưa có chữ ký)", "  (no signature)"))
        }
        if r.earlierRevisionsSigned > 0 {
            print(
                t(
                    "  \(r.earlierRevisionsSigned) bản trước của hồ sơ này có chữ ký; bản hiện tại cần được ký lại.",
                    "  \(r.earlierRevisionsSigned) earlier revision(s) of this record are signed; the current one needs signing again."))
        }
    }
}

struct Timestamp: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: t("Thêm dấu thời gian RFC 3161 cho các chữ ký chưa có.", "Add RFC 3161 timestamps to signatures that lack one."),
            discussion: t(
                """
                Chữ ký làm khi không có mạng được đóng dấu thời gian khi tới văn phòng. Dùng --tsa URL, hoặc --key với
                chứng thư TSA của văn phòng để đóng dấu ngay trong tiến trình. Chữ ký gốc được giữ; bản có dấu thời gian là
                một đối tượng mới.
                """,
                """
                Signatures made offline get their timestamp when they reach the office. Use --tsa URL, or --key with the
                office's TSA certificate to stamp in-process. The original signature is kept; the timestamped one is a new object.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var stamp: TimestampOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Khóa TSA của văn phòng (.p12), thay cho --tsa.", "The office's TSA key (.p12), instead of --tsa."),
            valueName: "FILE.p12"))
    var key: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Đọc mật khẩu từ biến môi trường này.", "Read the password from this environment variable."),
            valueName: "VAR"))
    var passwordEnv: String?
    @OptionGroup var output: OutputOptions
    @Argument(
        help: ArgumentHelp(
            t("Chỉ chữ ký của hồ sơ/bản này (mặc định: mọi chữ ký).", "Only this record's/revision's signatures (default: all)."),
            valueName: "ID"))
    var id: String?

    func validate() throws {
        if (stamp.tsa == nil) == (key == nil) {
            throw ValidationError(t("Cần đúng một trong --tsa và --key", "Give exactly one of --tsa and --key"))
        }
    }

    func run() throws {
        let archive = try global.openArchive()
        guard let source = try timestampSource(url: stamp.tsa, key: key, passwordEnv: passwordEnv, clock: global.clock()) else {
            // validate() already refused this.
            throw ValidationError(t("Cần đúng một trong --tsa và --key", "Give exactly one of --tsa and --key"))
        }
        let only = try id.map { try archive.targetRevision($0).0 }
        let done = try archive.timestampPending(source, only: only)
        if output.json {
            printJSON(done)
            return
        }
        if done.isEmpty { print(t("Không có chữ ký nào cần đóng dấu thời gian.", "No signature needs a timestamp.")) }
        for d in done {
            print(
                t(
                    "Đã đóng dấu thời gian chữ ký \(d.signature) → \(d.timestamped)",
                    "Timestamped signature \(d.signature) → \(d.timestamped)"))
        }
    }
}

struct TrustCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "trust",
            abstract: t("Quản lý gốc tin cậy, chứng thư CA và CRL.", "Manage trust anchors, CA certificates and CRLs."),
            subcommands: [TrustAdd.self, TrustList.self, TrustRemove.self, TrustCA.self, TrustCRL.self])
    }
}

struct TrustAdd: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "add", abstract: t("Tin cậy chứng thư gốc (PEM/DER).", "Trust root certificates (PEM/DER)."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @Option(name: .long, help: ArgumentHelp(t("Tên gợi nhớ.", "A label."), valueName: "TEXT")) var label: String?
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Tệp chứng thư.", "Certificate files."), valueName: "FILE")) var files: [String]

    func run() throws {
        let archive = try global.openArchive()
        var added = [TrustAnchor]()
        for f in files {
            let certs = try Certificate.load(file: f)
            added += try archive.addTrustAnchors(certs, label: label ?? (f as NSString).lastPathComponent, author: who.resolved)
        }
        if output.json {
            printJSON(added)
            return
        }
        for a in added {
            print(t("Tin cậy: \(a.subject) [\(a.certificate.prefix(16))]", "Trusted: \(a.subject) [\(a.certificate.prefix(16))]"))
        }
        if added.isEmpty { print(t("Không có gì mới.", "Nothing new.")) }
    }
}

struct TrustList: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: t("Liệt kê gốc tin cậy và CRL.", "List trust anchors and CRLs."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    struct Listing: Encodable {
        var anchors: [TrustAnchor]
        var crls: [CRLInfo]
    }

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        let l = Listing(anchors: try archive.trustAnchors(), crls: try archive.crls())
        if output.json {
            printJSON(l)
            return
        }
        print(t("Gốc tin cậy:", "Trust anchors:"))
        for a in l.anchors { print("  \(a.certificate.prefix(16))  \(a.label)  \(a.subject)  (\(t("hết hạn", "expires")) \(a.notAfter))") }
        print(t("CRL:", "CRLs:"))
        for c in l.crls {
            print("  \(c.id.prefix(16))  \(c.issuer)  \(HosoClock.format(c.thisUpdate))  \(t("thu hồi", "revoked")): \(c.revoked)")
        }
    }
}

struct TrustRemove: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "remove", abstract: t("Thôi tin cậy một gốc (theo mã hoặc tên).", "Stop trusting a root (by id prefix or label)."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @Argument(help: ArgumentHelp(t("Mã (tiền tố) hoặc tên gợi nhớ.", "Id (prefix) or label."), valueName: "ID")) var id: String

    func run() throws {
        let a = try global.openArchive().removeTrustAnchor(id, author: who.resolved)
        print(t("Đã bỏ tin cậy: \(a.subject)", "No longer trusted: \(a.subject)"))
    }
}

struct TrustCA: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "ca",
            abstract: t(
                "Lưu chứng thư CA trung gian (không tự tin cậy).", "Store intermediate CA certificates (not trusted by themselves)."))
    }
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(t("Tệp chứng thư.", "Certificate files."), valueName: "FILE")) var files: [String]

    func run() throws {
        let archive = try global.openArchive()
        for f in files {
            let ids = try archive.addCertificates(try Certificate.load(file: f))
            print(t("Đã lưu \(ids.count) chứng thư từ \(f)", "Stored \(ids.count) certificate(s) from \(f)"))
        }
    }
}

struct TrustCRL: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "crl", abstract: t("Nhập CRL (phải do CA đã biết ký).", "Import CRLs (must be signed by a known CA)."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Tệp CRL (PEM/DER).", "CRL files (PEM/DER)."), valueName: "FILE")) var files: [String]

    func run() throws {
        let archive = try global.openArchive()
        var all = [CRLInfo]()
        for f in files {
            all += try archive.importCRLs(try CRL.load(try readInputFile(f), source: f), source: f)
        }
        if output.json {
            printJSON(all)
            return
        }
        for c in all {
            print(
                t(
                    "CRL của \(c.issuer) (\(HosoClock.format(c.thisUpdate))): \(c.revoked) thu hồi",
                    "CRL of \(c.issuer) (\(HosoClock.format(c.thisUpdate))): \(c.revoked) revoked"))
        }
    }
}
