import ArgumentParser
import Foundation
import HosoKit
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The option groups commands share (`@OptionGroup`), so that each option is named, explained and checked once.

extension Lang: ExpressibleByArgument {}

/// Whether this run meant to write, and the store of the archive it opened for it: an error report says whether the
/// archive changed (see `exitReporting`). The store, not the archive: holding the archive would keep its index open
/// past the command, and its log would not be folded back into the file at exit.
let writingArchive = Mutex<(intended: Bool, store: ObjectStore?)>((false, nil))

/// Options every command shares: which archive, which language.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Thư mục kho (mặc định: $HOSO_ARCHIVE, rồi ./archive).",
                "Archive directory (default: $HOSO_ARCHIVE, then ./archive)."),
            valueName: "DIR"))
    var archive: String?

    // Read before parsing too (`cliLang`), so that help comes out in it; declared here so it is accepted anywhere.
    @Option(name: .long, help: ArgumentHelp(t("Ngôn ngữ: vi hoặc en.", "Language: vi or en."), valueName: "vi|en"))
    var lang: Lang?

    var archivePath: String {
        if let archive { return archive }
        if let env = ProcessInfo.processInfo.environment["HOSO_ARCHIVE"], !env.isEmpty { return env }
        return "archive"
    }

    /// The clock: the system's, or HOSO_NOW (ISO 8601) so demos and tests are reproducible.
    func clock() throws -> HosoClock {
        guard let now = ProcessInfo.processInfo.environment["HOSO_NOW"], !now.isEmpty else { return .system }
        guard let date = HosoClock.parse(now) else {
            throw ValidationError(t("HOSO_NOW không phải thời điểm ISO 8601: \(now)", "HOSO_NOW is not an ISO 8601 time: \(now)"))
        }
        return .fixed(date)
    }

    /// The archive, for a command that may write (the default) or only reads: a reader writes nothing and takes no
    /// write lock, so it works on a read-only medium or a full disk.
    func openArchive(_ access: Archive.Access = .readWrite) throws -> Archive {
        if access == .readWrite { writingArchive.withLock { $0.intended = true } }
        let a = try Archive.open(at: archivePath, clock: clock(), access: access)
        if access == .readWrite { writingArchive.withLock { $0.store = a.files } }
        if a.indexIsPrivate {
            printErr(
                t(
                    "hoso: chỉ mục của kho không dùng được khi chỉ đọc (thiếu, cũ hơn dữ liệu hoặc không đọc được); đã dựng một chỉ mục tạm từ các đối tượng, kho không bị thay đổi.",
                    "hoso: the archive's index cannot be used read-only (missing, behind the data or unreadable); built a temporary one from the objects, the archive was not changed."
                ))
        } else if a.indexWasRebuilt {
            printErr(
                t(
                    "hoso: chỉ mục bị thiếu hoặc không đọc được; đã dựng lại từ các đối tượng.",
                    "hoso: the index was missing or unreadable; rebuilt it from the objects."))
        }
        return a
    }
}

/// `--json`: the result for programs instead of the text for people. (Errors then come as JSON too; see `exitReporting`.)
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: ArgumentHelp(t("In kết quả dạng JSON.", "Print the result as JSON.")))
    var json = false
}

/// Who is acting: --author, else $HOSO_AUTHOR, else the login name.
struct AuthorOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Người thực hiện (mặc định: $HOSO_AUTHOR, rồi tên đăng nhập).",
                "Who is acting (default: $HOSO_AUTHOR, then the login name)."), valueName: "NAME"))
    var author: String?

    var resolved: String {
        if let author, !author.isEmpty { return author }
        let env = ProcessInfo.processInfo.environment
        if let a = env["HOSO_AUTHOR"] ?? env["USER"] ?? env["LOGNAME"], !a.isEmpty { return a }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "unknown"
    }
}

/// What the importers that write a record take: who, why (when the record is there already and differs), or a dry run.
struct WriteOptions: ParsableArguments {
    @OptionGroup var who: AuthorOption
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Lý do sửa (bắt buộc khi hồ sơ đã có trong kho và nội dung khác).",
                "Why (required when the record is already in the archive and differs)."), valueName: "TEXT"))
    var reason: String?
    @Flag(name: .long, help: ArgumentHelp(t("Chỉ kiểm tra, không ghi gì.", "Check only; write nothing.")))
    var dryRun = false
}

/// Which class: its header.json, and --school, --class, --year, which win over it.
struct ClassOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            t(
                "Tệp header.json của lớp (thông tin lớp, danh sách môn).",
                "The class's header.json (the class and its subjects)."), valueName: "FILE"))
    var header: String?
    @Option(name: .long, help: ArgumentHelp(t("Trường.", "The school."), valueName: "S"))
    var school: String?
    @Option(name: .customLong("class"), help: ArgumentHelp(t("Lớp.", "The class."), valueName: "C"))
    var className: String?
    @Option(name: .long, help: ArgumentHelp(t("Năm học, ví dụ 2024-2025.", "The school year, e.g. 2024-2025."), valueName: "YYYY-YYYY"))
    var year: String?

    /// The parsed --header, if one was given.
    func loadHeader() throws -> ClassHeader? {
        try header.map { try ClassHeader.parse(try readInputFile($0), source: $0) }
    }

    /// School, class and year from the options, else from the header; all that are missing are named at once.
    func named(_ classHeader: ClassHeader?) throws -> (school: String, className: String, year: String) {
        let school = self.school ?? classHeader?.school
        let className = self.className ?? classHeader?.className
        let year = self.year ?? classHeader?.schoolYear
        guard let school, let className, let year else {
            let missing = [("--school", school), ("--class", className), ("--year", year)].filter { $0.1 == nil }.map(\.0)
            throw ValidationError(
                t(
                    "Thiếu \(missing.joined(separator: ", ")) (hoặc --header có các thông tin đó)",
                    "Missing \(missing.joined(separator: ", ")) (or a --header that has them)"))
        }
        return (school, className, year)
    }
}

/// Reads a whole input file; a missing or unreadable file is a clear error naming it.
func readInputFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw HosoError(.inputNotFound, .both("Không đọc được tệp", "Cannot read the file"), location: path)
    }
    return Array(data)
}
