import ArgumentParser
import Foundation
import HosoKit

extension CitizenRequest.Kind: ExpressibleByArgument {}
extension CitizenRequest.Relation: ExpressibleByArgument {}
extension CitizenRequest.Channel: ExpressibleByArgument {}

struct RequestCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "request",
            abstract: t(
                "Sổ tiếp nhận yêu cầu: cấp bản sao từ sổ gốc, xác minh văn bằng.",
                "The request register: copies from the ledger, diploma verifications."),
            subcommands: [RequestNew.self, RequestList.self, RequestShow.self, RequestRefuse.self, RequestAnswer.self])
    }
}

struct RequestNew: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "new",
            abstract: t(
                "Tiếp nhận một yêu cầu; hạn trả được tính theo lịch làm việc.",
                "Register a request; its deadline follows the working calendar."),
            discussion: t(
                """
                Hạn: trong ngày làm việc; sau giờ cắt (mặc định 15:00) hoặc ngày nghỉ thì ngày làm việc kế tiếp
                (Nghị định 23/2015 và quy trình của tỉnh; giờ, ngày làm việc, ngày lễ đặt trong `hoso office set`).
                """,
                """
                Deadline: the same working day; after the cutoff (15:00 by default) or on a day off, the next
                working day (Decree 23/2015 and the province's procedure; hours, working days and holidays are
                set with `hoso office set`).
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @Option(name: .long, help: ArgumentHelp(t("Loại: copy (bản sao) hoặc verification (xác minh).", "copy or verification."))) var kind:
        CitizenRequest.Kind = .copy
    @Option(name: .long, help: ArgumentHelp(t("Họ tên người yêu cầu.", "Requester's name."), valueName: "NAME")) var requester: String
    @Option(name: .long, help: ArgumentHelp(t("Số định danh người yêu cầu.", "Requester's citizen ID."), valueName: "ID")) var requesterId:
        String?
    @Option(name: .long, help: ArgumentHelp(t("Quan hệ: holder, representative, relative.", "Relation: holder, representative, relative.")))
    var relation: CitizenRequest.Relation = .holder
    @Option(name: .long, help: ArgumentHelp(t("Giấy tờ chứng minh quan hệ đã xem.", "Proof of the relationship seen."), valueName: "TEXT"))
    var proof: String?
    @Option(name: .long, help: ArgumentHelp(t("Họ tên người được cấp văn bằng.", "Diploma holder's name."), valueName: "NAME")) var holder:
        String
    @Option(name: .long, help: ArgumentHelp(t("Ngày sinh người được cấp.", "Holder's date of birth."), valueName: "YYYY-MM-DD")) var dob:
        String?
    @Option(name: .long, help: ArgumentHelp(t("Số hiệu văn bằng.", "Diploma serial."), valueName: "SERIAL")) var serial: String?
    @Option(name: .long, help: ArgumentHelp(t("Mã hồ sơ sổ gốc.", "Ledger record id."), valueName: "RECORD-ID")) var ledger: String?
    @Option(name: .long, help: ArgumentHelp(t("Số vào sổ gốc.", "Ledger number."), valueName: "N")) var ledgerNumber: Int?
    @Option(name: .long, help: ArgumentHelp(t("Cơ quan đề nghị xác minh.", "The agency asking (verification)."), valueName: "TEXT"))
    var askingBody: String?
    @Option(name: .long, help: ArgumentHelp(t("Kênh: in-person, post, online.", "Channel: in-person, post, online."))) var channel:
        CitizenRequest.Channel = .inPerson
    @Option(name: .long, help: ArgumentHelp(t("Số bản sao.", "Number of copies."), valueName: "N")) var copies: Int = 1
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try global.openArchive()
        let (id, r) = try archive.newRequest(
            .init(
                kind: kind, requesterName: requester, requesterId: requesterId, relation: relation,
                proof: proof, holderName: holder, holderDateOfBirth: dob, serial: serial,
                ledgerRecordId: ledger, ledgerNumber: ledgerNumber, askingBody: askingBody,
                channel: channel, copies: copies), clerk: who.resolved)
        if output.json {
            printJSON(RequestListing(id: id, request: r, overdue: false))
            return
        }
        print(t("Đã tiếp nhận yêu cầu \(id); hạn trả: \(localTime(r.deadline))", "Registered request \(id); due: \(localTime(r.deadline))"))
    }
}

/// An ISO time shown in the office's local time (UTC+7 by default), as clerks read it.
func localTime(_ iso: String, offset: Int = 7 * 3600) -> String {
    guard let d = HosoClock.parse(iso) else { return iso }
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(secondsFromGMT: offset)
    f.dateFormat = "dd/MM/yyyy HH:mm"
    return f.string(from: d)
}

struct RequestList: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "list", abstract: t("Danh sách yêu cầu; yêu cầu quá hạn được đánh dấu.", "List requests; overdue ones stand out."))
    }
    @OptionGroup var global: GlobalOptions
    @Flag(name: .long, help: ArgumentHelp(t("Chỉ yêu cầu quá hạn.", "Only overdue requests."))) var overdue = false
    @OptionGroup var output: OutputOptions

    func run() throws {
        let list = try global.openArchive(.readOnly).requests(overdueOnly: overdue)
        if output.json {
            printJSON(list)
            return
        }
        let color = isatty(1) == 1
        for l in list {
            let mark = l.overdue ? (color ? "\u{1B}[1;31m" : "") + t("QUÁ HẠN", "OVERDUE") + (color ? "\u{1B}[0m" : "") : ""
            print(
                "\(l.id)  \(l.request.kind.rawValue)  \(l.request.status.rawValue)  \(t("hạn", "due")) \(localTime(l.request.deadline))  \(l.request.holderName)  \(mark)"
            )
        }
        if list.isEmpty { print(t("(không có yêu cầu)", "(no requests)")) }
    }
}

struct RequestShow: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "show", abstract: t("Xem một yêu cầu và lịch sử xử lý.", "Show a request and its history."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Mã yêu cầu.", "Request id."), valueName: "REQ-ID")) var id: String

    func run() throws {
        let archive = try global.openArchive(.readOnly)
        let (_, r) = try archive.request(id)
        if output.json {
            printJSON(r)
            return
        }
        print("\(id): \(r.kind.rawValue) — \(r.status.rawValue)")
        print(t("  người yêu cầu: ", "  requester: ") + r.requesterName + " (\(r.relation.rawValue)\(r.proof.map { ", " + $0 } ?? ""))")
        print(t("  người được cấp: ", "  holder: ") + r.holderName + (r.holderDateOfBirth.map { ", " + $0 } ?? ""))
        if let s = r.serial { print(t("  số hiệu: ", "  serial: ") + s) }
        print(t("  tiếp nhận: ", "  received: ") + localTime(r.receivedAt) + " (\(r.channel.rawValue), \(r.clerk))")
        print(t("  hạn trả: ", "  due: ") + localTime(r.deadline))
        if let why = r.refusalReason { print(t("  lý do từ chối: ", "  refused because: ") + why) }
        for c in r.issued { print(t("  bản sao: ", "  copy: ") + "\(c.copyNumber) [\(c.document.prefix(16))]") }
        for h in try archive.history(record: id) {
            print("  · \(h.time) \(h.author)" + (h.reason.map { ": " + $0 } ?? ""))
        }
    }
}

struct RequestRefuse: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "refuse", abstract: t("Từ chối một yêu cầu, kèm lý do.", "Refuse a request, with a reason."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @Option(name: .long, help: ArgumentHelp(t("Lý do (bắt buộc).", "Why (required)."), valueName: "TEXT")) var reason: String
    @Argument(help: ArgumentHelp(t("Mã yêu cầu.", "Request id."), valueName: "REQ-ID")) var id: String

    func run() throws {
        _ = try global.openArchive().refuseRequest(id, reason: reason, clerk: who.resolved)
        print(t("Đã từ chối yêu cầu \(id)", "Refused request \(id)"))
    }
}

struct OfficeCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "office",
            abstract: t("Thiết lập cơ quan: tên, người ký, lịch làm việc.", "Office settings: name, signer, working calendar."),
            subcommands: [OfficeShow.self, OfficeSet.self])
    }
}

struct OfficeShow: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "show", abstract: t("In thiết lập (JSON).", "Print the settings (JSON)."))
    }
    @OptionGroup var global: GlobalOptions
    func run() throws { printJSON(try global.openArchive(.readOnly).officeSettings()) }
}

struct OfficeSet: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "set",
            abstract: t(
                "Đặt thiết lập từ tệp JSON (Schemas/office-settings.schema.json).",
                "Set the settings from a JSON file (Schemas/office-settings.schema.json)."))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @Option(name: .long, help: ArgumentHelp(t("Lý do thay đổi.", "Why."), valueName: "TEXT")) var reason: String =
        "cập nhật thiết lập / settings updated"
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Ảnh con dấu PNG (tối đa 200 KiB, 1024×1024) hiện trên trang kiểm tra; đặt sealImage.",
                "A seal PNG (at most 200 KiB, 1024×1024) shown on the public page; sets sealImage."),
            valueName: "FILE.png")) var sealImage: String?
    @Argument(help: ArgumentHelp(t("Tệp JSON.", "JSON file."), valueName: "FILE")) var file: String

    func run() throws {
        let d = Data(try readInputFile(file))
        var s: OfficeSettings
        do { s = try JSONDecoder().decode(OfficeSettings.self, from: d) } catch {
            throw HosoError(
                .badRequestInput, .both("Tệp thiết lập không hợp lệ", "Invalid settings file"), location: file, cause: "\(error)")
        }
        let archive = try global.openArchive()
        if let sealImage {
            let size = (try? FileManager.default.attributesOfItem(atPath: sealImage)[.size] as? Int) ?? 0
            guard size <= SealImage.maxBytes else {
                throw HosoError(
                    .sealImageInvalid, .both("Ảnh con dấu lớn quá 200 KiB", "The seal image is over 200 KiB"), location: sealImage)
            }
            do { s.sealImage = try archive.storeSealImage(try readInputFile(sealImage)) } catch let e as HosoError {
                throw HosoError(e.code, e.message, location: sealImage, cause: e.cause)
            }
        }
        try archive.setOfficeSettings(s, author: who.resolved, reason: reason)
        print(t("Đã lưu thiết lập cơ quan", "Saved the office settings"))
    }
}

struct RequestAnswer: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "answer",
            abstract: t(
                "Trả lời một yêu cầu xác minh văn bằng bằng văn bản PDF có ký số.",
                "Answer a verification request with a signed PDF letter."),
            discussion: t(
                """
                So các thông tin cơ quan đề nghị đã nêu (họ tên, ngày sinh, số hiệu, số vào sổ) với sổ gốc; văn bản chỉ nêu
                các thông tin đó và kết quả (khớp, không khớp, không có, đã bị thu hồi), không thêm dữ liệu cá nhân nào khác.
                """,
                """
                Compares what the asking body presented (name, date of birth, serial, ledger number) with the ledger; the
                letter repeats only those details and the finding (matches, differs, not found, revoked), no other personal data.
                """))
    }
    @OptionGroup var global: GlobalOptions
    @OptionGroup var who: AuthorOption
    @OptionGroup var keyOptions: KeyOptions
    @OptionGroup var stamp: TimestampOptions
    @Option(name: .long, help: ArgumentHelp(t("Tệp PDF ra.", "Output PDF file."), valueName: "FILE.pdf")) var out: String
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Mã yêu cầu.", "Request id."), valueName: "REQ-ID")) var id: String

    func run() throws {
        let identity = try keyOptions.load()
        try checkOutputPath(out)
        let (pdf, answer) = try global.openArchive().answerVerification(
            requestId: id, signer: identity, timestamp: stamp.source,
            clerk: who.resolved)
        try writeCommittedOutput(
            out, pdf,
            done: .both("Yêu cầu xác minh \(id) đã được trả lời và ghi lại", "Verification request \(id) was answered and recorded"),
            again: catCommand(ObjectID(hashing: pdf).hex, out))
        if output.json {
            printJSON(answer)
            return
        }
        print(
            t(
                "Đã trả lời yêu cầu xác minh \(id): \(answer.finding.rawValue)",
                "Answered verification request \(id): \(answer.finding.rawValue)"))
        print("  " + answer.text.text(cliLang))
        print(t("  tệp: \(out)", "  file: \(out)"))
    }
}
