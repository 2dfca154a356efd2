import ArgumentParser
import Foundation
import HosoKit

/// The term a lock covers: a school's, a class's or one book's (class and subject).
struct TermScopeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(t("Trường.", "The school."), valueName: "S"))
    var school: String
    @Option(name: .long, help: ArgumentHelp(t("Năm học, ví dụ 2024-2025.", "The school year, e.g. 2024-2025."), valueName: "YYYY-YYYY"))
    var year: String
    @Option(name: .long, help: ArgumentHelp(t("Học kì: HK1 hoặc HK2.", "The term: HK1 or HK2."), valueName: "HK1|HK2"))
    var term: Term
    @Option(name: .customLong("class"), help: ArgumentHelp(t("Chỉ một lớp.", "One class only."), valueName: "C"))
    var className: String?
    @Option(
        name: .long,
        help: ArgumentHelp(t("Chỉ một môn của lớp (cần --class).", "One subject of the class (needs --class)."), valueName: "M"))
    var subject: String?

    func validate() throws {
        if subject != nil && className == nil { throw ValidationError(t("--subject cần --class", "--subject needs --class")) }
    }
}

/// The principal acting: a person record id that must hold the principal assignment for the school.
struct PrincipalOption: ParsableArguments {
    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            t(
                "Mã hồ sơ người của hiệu trưởng (phải có phân công hiệu trưởng trường đó).",
                "The principal's person record id (must hold the principal assignment for the school)."), valueName: "PERSON"))
    var person: String
}

struct TermCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "term",
            abstract: t("Khóa sổ học kì (cả trường, một lớp hay một sổ điểm).", "Term locks (a school, a class or one grade book)."),
            discussion: t(
                """
                Sau khi hiệu trưởng khóa sổ, sửa một sổ điểm thuộc phạm vi khóa cần lý do và hiệu trưởng duyệt:
                giáo viên gửi đề nghị (hoso gradebook import --request-correction --reason …), hiệu trưởng duyệt
                (hoso correction approve); bản sửa được ghi là bản sửa sau khóa sổ, bản đã ký trước vẫn giữ trong lịch sử.
                """,
                """
                Once the principal locks a term, changing a covered grade book needs a reason and the principal's
                approval: the teacher files a request (hoso gradebook import --request-correction --reason …), the
                principal approves it (hoso correction approve); the change is recorded as a correction after the lock and
                the earlier signed revision stays in the history.
                """),
            subcommands: [TermLockCommand.self, TermUnlock.self, TermList.self])
    }
}

struct TermLockCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "lock", abstract: t("Khóa sổ một học kì.", "Lock a term."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var scope: TermScopeOptions
    @OptionGroup var principal: PrincipalOption
    @OptionGroup var who: AuthorOption
    @OptionGroup var output: OutputOptions

    func run() throws {
        let lock = try global.openArchive().lockTerm(
            school: scope.school, schoolYear: scope.year, term: scope.term, className: scope.className, subject: scope.subject,
            principal: principal.person, author: who.resolved)
        if output.json { return printJSON(lock) }
        print(t("Đã khóa sổ \(lock.label.vi) — \(lock.school)", "Locked \(lock.label.en) — \(lock.school)"))
    }
}

struct TermUnlock: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "unlock", abstract: t("Mở khóa sổ (ghi lại, kèm lý do).", "Unlock a term (recorded, with a reason)."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var scope: TermScopeOptions
    @OptionGroup var principal: PrincipalOption
    @OptionGroup var who: AuthorOption
    @Option(name: .long, help: ArgumentHelp(t("Lý do mở khóa (bắt buộc).", "Why (required)."), valueName: "TEXT"))
    var reason: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let lock = try global.openArchive().unlockTerm(
            school: scope.school, schoolYear: scope.year, term: scope.term, className: scope.className, subject: scope.subject,
            principal: principal.person, author: who.resolved, reason: reason)
        if output.json { return printJSON(lock) }
        print(t("Đã mở khóa sổ \(lock.label.vi) — \(lock.school)", "Unlocked \(lock.label.en) — \(lock.school)"))
    }
}

struct TermList: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: t("Các khóa sổ đã ghi.", "The term locks recorded."))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let locks = try global.openArchive(.readOnly).termLocks()
        if output.json { return printJSON(locks) }
        for l in locks {
            let state = l.locked ? t("đang khóa", "locked") : t("đã mở", "unlocked")
            print("\(l.school) — \(t(l.label.vi, l.label.en)): \(state) (\(l.principalName))")
        }
    }
}

struct CorrectionCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "correction",
            abstract: t(
                "Đề nghị sửa sổ điểm sau khóa sổ: xem, duyệt, từ chối.", "Correction requests after a term lock: list, approve, refuse."),
            subcommands: [CorrectionList.self, CorrectionDecide.self, CorrectionRefuse.self])
    }
}

struct CorrectionList: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: t("Các đề nghị sửa.", "The correction requests."))
    }

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp(t("Chỉ của một sổ điểm.", "Of one grade book only."), valueName: "RECORD-ID"))
    var book: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let list = try global.openArchive(.readOnly).correctionRequests(book: book)
        if output.json {
            struct Item: Encodable {
                var id, book, base, reason, requestedBy, status: String
                var decidedByName, decisionNote, revision: String?
            }
            return printJSON(
                list.map {
                    Item(
                        id: $0.recordId, book: $0.book, base: $0.base, reason: $0.reason, requestedBy: $0.requestedBy,
                        status: $0.status.rawValue, decidedByName: $0.decidedByName, decisionNote: $0.decisionNote, revision: $0.revision)
                })
        }
        for r in list {
            print("\(r.recordId) [\(r.status.rawValue)]")
            print("  \(t("lý do", "reason")): \(r.reason)  \(t("người đề nghị", "by")): \(r.requestedBy)")
            if let n = r.decidedByName { print("  \(t("quyết định", "decided by")): \(n)\(r.decisionNote.map { " — " + $0 } ?? "")") }
        }
    }
}

/// What approving and refusing share: the archive, the principal acting, the request.
struct DecisionOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var principal: PrincipalOption
    @OptionGroup var who: AuthorOption
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp(t("Mã đề nghị sửa.", "The request's id."), valueName: "REQUEST-ID"))
    var request: String

    func decide(approve: Bool, note: String?) throws {
        let r = try global.openArchive().decideCorrection(
            request, approve: approve, principal: principal.person, note: note, author: who.resolved)
        if output.json { return printJSON(["request": r.recordId, "status": r.status.rawValue, "revision": r.revision ?? ""]) }
        print(
            approve
                ? t("Đã duyệt; bản sửa \(r.revision ?? "") của \(r.book)", "Approved; correction \(r.revision ?? "") of \(r.book)")
                : t("Đã từ chối đề nghị sửa \(r.recordId)", "Refused correction request \(r.recordId)"))
    }
}

struct CorrectionDecide: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "approve",
            abstract: t(
                "Hiệu trưởng duyệt đề nghị sửa: bản sửa được ghi.", "The principal approves a request: the correction is committed."))
    }

    @OptionGroup var decision: DecisionOptions
    @Option(name: .long, help: ArgumentHelp(t("Ghi chú.", "A note."), valueName: "TEXT"))
    var note: String?

    func run() throws { try decision.decide(approve: true, note: note) }
}

struct CorrectionRefuse: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "refuse", abstract: t("Hiệu trưởng từ chối đề nghị sửa.", "The principal refuses a request."))
    }

    @OptionGroup var decision: DecisionOptions
    @Option(name: .long, help: ArgumentHelp(t("Lý do từ chối.", "Why."), valueName: "TEXT"))
    var note: String

    func run() throws { try decision.decide(approve: false, note: note) }
}

struct GradeBookSign: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "sign",
            abstract: t(
                "Ký một loạt sổ điểm với một lần mở khóa ký (tệp .p12 hay thiết bị ký).",
                "Sign many grade books with one unlock of the key (a .p12 file or a token)."),
            discussion: t(
                """
                Ký bản hiện tại của mọi sổ điểm của trường/năm học (và --class, --term nếu có) mà người giữ khóa được
                phân công ký với vai trò đã chọn; sổ không được phân công hoặc đã ký thì bỏ qua. Mã PIN nhập một lần.
                Mã thoát 0 khi không sổ nào lỗi.
                """,
                """
                Signs the current revision of every grade book of the school/year (and --class, --term when given) that
                the key's holder is assigned to sign in the role; books not assigned or already signed are skipped. The PIN
                is entered once. Exit code 0 when no book failed.
                """))
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var keyOptions: KeyOptions
    @OptionGroup var stamp: TimestampOptions
    @Option(name: .long, help: ArgumentHelp(t("Trường.", "The school."), valueName: "S"))
    var school: String
    @Option(name: .long, help: ArgumentHelp(t("Năm học.", "The school year."), valueName: "YYYY-YYYY"))
    var year: String
    @Option(name: .customLong("class"), help: ArgumentHelp(t("Lớp.", "The class."), valueName: "C"))
    var className: String?
    @Option(name: .long, help: ArgumentHelp(t("Học kì.", "The term."), valueName: "HK1|HK2"))
    var term: Term?
    @Option(name: .long, help: ArgumentHelp(t("Vai trò người ký.", "The signer's role."), valueName: "ROLE"))
    var role: SignerRole = .subjectTeacher
    @OptionGroup var output: OutputOptions

    func run() throws {
        let identity = try keyOptions.load()  // the one unlock
        let archive = try global.openArchive()
        let items = try archive.signGradeBooks(
            school: school, schoolYear: year, className: className, term: term, identity: identity, role: role,
            timestamp: stamp.source
        ) { n, total, item in
            let what =
                item.outcome == .signed ? t("đã ký", "signed") : item.outcome == .failed ? t("LỖI", "FAILED") : t("bỏ qua", "skipped")
            FileHandle.standardError.write(Data("[\(n)/\(total)] \(item.subject) \(item.className) \(item.term): \(what)\n".utf8))
        }
        let failed = items.filter { $0.outcome == .failed }.count
        if output.json {
            printJSON(items)
        } else {
            let signed = items.filter { $0.outcome == .signed }.count
            print(
                t(
                    "Đã ký \(signed) sổ điểm, bỏ qua \(items.count - signed - failed), lỗi \(failed).",
                    "Signed \(signed) grade books, skipped \(items.count - signed - failed), failed \(failed)."))
            for i in items where i.outcome != .signed {
                print("  \(i.subject) \(i.className) \(i.term): \(t(i.message ?? "", i.messageEn ?? ""))")
            }
        }
        if failed > 0 { throw ExitCode(HosoExit.failed) }
    }
}
