import ArgumentParser
import Foundation
import HosoKit

struct Renew: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: t(
                "Đóng dấu thời gian lưu trữ cho mọi chữ ký và gia hạn bằng chứng trước khi chứng thư TSA hết hạn.",
                "Archive-timestamp every signature and renew the evidence before the TSA certificate expires."),
            discussion: t(
                """
                Hồ sơ bằng chứng theo kiểu RFC 4998: một dấu thời gian RFC 3161 phủ cây băm của mọi chữ ký và dữ liệu kiểm
                tra của chúng (chứng thư, CRL, trả lời OCSP) chưa được phủ; một lần gia hạn là một dấu thời gian mới phủ dấu
                thời gian lưu trữ trước, khi chứng thư TSA của nó còn ít hơn số ngày trong thiết lập văn phòng
                (evidenceRenewalMarginDays, mặc định 365) hoặc trước ngày evidenceRenewBefore. Một triệu chữ ký tốn một
                dấu thời gian và một lượt băm. Cùng lúc, mỗi bản sao đã cấp có dấu thời gian tài liệu mới nhất do chứng thư
                TSA hết hạn trong cùng khoảng đó được gia hạn bằng cùng TSA (như hoso copy renew). Chạy định kỳ (ví dụ mỗi
                tháng); hoso verify --at NGÀY dùng bằng chứng này. Từ ngày evidenceHashAlgorithmFrom, bằng chứng dùng hàm
                băm evidenceHashAlgorithm (sha512): mọi đối tượng có chuỗi mới nhất dùng hàm cũ được băm lại với hàm mới,
                gắn với bằng chứng trước, dưới một dấu thời gian mới (gia hạn cây băm, RFC 4998 §5.2).
                """,
                """
                Evidence records in the manner of RFC 4998: one RFC 3161 timestamp over a hash tree of every signature and
                its validation data (certificates, CRLs, OCSP responses) not yet covered; a renewal is a new timestamp over
                the previous archive timestamp, made when its TSA certificate has fewer days left than the office settings
                say (evidenceRenewalMarginDays, default 365) or before evidenceRenewBefore. A million signatures cost one
                timestamp and one hash pass. In the same run, every issued copy whose newest document timestamp's TSA certificate
                expires within the same margin is renewed with the same TSA (as hoso copy renew does). Run it periodically
                (e.g. monthly); hoso verify --at DATE uses this evidence. From evidenceHashAlgorithmFrom on, evidence uses
                evidenceHashAlgorithm (sha512): every object whose newest chain uses the old algorithm is re-hashed with the
                new one, bound to its earlier evidence, under one new timestamp (hash-tree renewal, RFC 4998 §5.2).
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
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

    func validate() throws {
        if (stamp.tsa == nil) == (key == nil) {
            throw ValidationError(t("Cần đúng một trong --tsa và --key", "Give exactly one of --tsa and --key"))
        }
    }

    func run() throws {
        let archive = try global.openArchive()
        guard let source = try timestampSource(url: stamp.tsa, key: key, passwordEnv: passwordEnv, clock: global.clock()) else {
            throw ValidationError(t("Cần đúng một trong --tsa và --key", "Give exactly one of --tsa and --key"))
        }
        let out = try archive.renewAll(source: source, clerk: who.resolved)
        if output.json {
            printJSON(out)
            return
        }
        if let initial = out.initial {
            print(
                t(
                    "Dấu thời gian lưu trữ mới \(initial) phủ \(out.covered) đối tượng",
                    "New archive timestamp \(initial) covers \(out.covered) objects"))
        }
        if let tree = out.treeRenewal {
            print(
                t(
                    "Gia hạn cây băm sang \(out.hashAlgorithm): \(tree) băm lại \(out.treeRenewalCovered) đối tượng",
                    "Hash-tree renewal to \(out.hashAlgorithm): \(tree) re-hashed \(out.treeRenewalCovered) objects"))
        }
        for (old, new) in out.renewed.sorted(by: { $0.key < $1.key }) {
            print(t("Đã gia hạn \(old) → \(new)", "Renewed \(old) → \(new)"))
        }
        for (id, until) in out.current.sorted(by: { $0.key < $1.key }) {
            print(t("Còn hiệu lực tới \(HosoClock.format(until)): \(id)", "Valid until \(HosoClock.format(until)): \(id)"))
        }
        if out.initial == nil && out.renewed.isEmpty && out.treeRenewal == nil {
            print(t("Không cần dấu thời gian lưu trữ nào.", "No archive timestamp needed."))
        }
        if !out.copies.isEmpty {
            print(t("Bản sao đã cấp (PAdES B-LTA):", "Issued copies (PAdES B-LTA):"))
            printCopyRenewals(out.copies)
        }
    }
}
