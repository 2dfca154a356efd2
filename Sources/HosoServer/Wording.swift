import Foundation
import HosoKit

/// What people read on the screens, in one place: reason codes as sentences, records by what they are, dates and
/// times as a Vietnamese office writes them. Codes, record ids and ISO times stay in JSON and in data attributes
/// (scripts and support); a clerk, teacher or citizen reads only what this file makes of them.
enum Wording {
    // MARK: - Codes

    /// The sentence for a code: the catalogue's own, else the sentence of its category (a code from a peer that this
    /// node's catalogue does not know).
    static func sentence(code: String) -> LocalizedText {
        if let s = codes[code] { return s }
        if let r = reasons[code] { return r }
        return categorySentence(HosoError.Code(rawValue: code).category)
    }

    /// What the reader can do next, by the kind of failure.
    static func nextStep(_ category: HosoError.Category) -> LocalizedText {
        switch category {
        case .badInput:
            return .both("Hãy sửa thông tin đã nhập rồi gửi lại.", "Correct what was entered and send it again.")
        case .notFound:
            return .both(
                "Hãy kiểm tra lại địa chỉ hoặc tìm lại từ trang chính.", "Check the address, or find it again from the start page.")
        case .unauthenticated: return .both("Hãy đăng nhập rồi thử lại.", "Sign in and try again.")
        case .forbidden:
            return .both(
                "Việc này cần tài khoản có quyền khác; hãy hỏi người quản trị nếu bạn cần làm việc này.",
                "This needs an account with other rights; ask the administrator if you need to do it.")
        case .conflict:
            return .both(
                "Hồ sơ vừa thay đổi; hãy mở lại trang để xem trạng thái mới nhất.",
                "The record has just changed; open the page again to see where it stands now.")
        case .tooLarge: return .both("Hãy gửi tệp nhỏ hơn.", "Send a smaller file.")
        case .throttled, .busy: return .both("Hãy đợi một lát rồi thử lại.", "Wait a moment and try again.")
        case .damage, .io, .internal:
            return .both(
                "Đây là lỗi của hệ thống, không phải của bạn. Hãy báo cho người quản trị và thử lại sau.",
                "This is the system's fault, not yours. Tell the administrator and try again later.")
        }
    }

    static func categorySentence(_ category: HosoError.Category) -> LocalizedText {
        switch category {
        case .badInput: return .both("Thông tin gửi lên chưa đúng.", "What was sent is not right.")
        case .notFound: return .both("Không tìm thấy nội dung cần xem.", "What was asked for was not found.")
        case .unauthenticated: return .both("Cần đăng nhập.", "You need to sign in.")
        case .forbidden: return .both("Tài khoản này không được làm việc này.", "This account may not do this.")
        case .conflict:
            return .both("Việc này không làm được với trạng thái hiện tại của hồ sơ.", "Not possible in the record's current state.")
        case .tooLarge: return .both("Tệp hoặc nội dung gửi lên quá lớn.", "The file or form sent is too large.")
        case .throttled: return .both("Có quá nhiều yêu cầu trong thời gian ngắn.", "Too many requests in a short time.")
        case .busy: return .both("Hệ thống đang bận.", "The system is busy.")
        case .damage: return .both("Dữ liệu lưu trữ bị hỏng.", "Stored data is damaged.")
        case .io: return .both("Máy chủ không đọc hoặc ghi được dữ liệu.", "The server could not read or write data.")
        case .internal: return .both("Lỗi nội bộ của máy chủ.", "Internal server error.")
        }
    }

    /// An HTTP status that reached the error page without a domain error (no such address, wrong method…).
    static func httpStatus(_ code: Int) -> (LocalizedText, HosoError.Category) {
        switch code {
        case 404: return (.both("Không có trang này.", "There is no such page."), .notFound)
        case 405: return (.both("Trang này không nhận cách gửi này.", "This page does not take this kind of request."), .badInput)
        case 401: return (.both("Cần đăng nhập.", "You need to sign in."), .unauthenticated)
        case 403: return (.both("Tài khoản này không được mở trang này.", "This account may not open this page."), .forbidden)
        case 413: return (.both("Tệp hoặc nội dung gửi lên quá lớn.", "The file or form sent is too large."), .tooLarge)
        case 429: return (.both("Có quá nhiều yêu cầu trong thời gian ngắn.", "Too many requests in a short time."), .throttled)
        case 400..<500: return (.both("Yêu cầu gửi lên chưa đúng.", "The request is not right."), .badInput)
        default: return (.both("Máy chủ gặp lỗi.", "The server failed."), .internal)
        }
    }

    /// A problem as a reader sees it: the error's own sentence, with the form field it is about named as on the
    /// form (never its key) when `fields` knows it. Object ids and file paths are left out.
    static func problem(_ e: HosoError, fields: [String: LocalizedText] = [:]) -> LocalizedText {
        let message = e.message.vi.isEmpty ? sentence(code: e.code.rawValue) : e.message
        guard let loc = e.location, let field = fields[loc] else { return message }
        return .both(field.vi + ": " + message.vi, field.en + ": " + message.en)
    }

    /// A signature result (PASSED, FAILED, INDETERMINATE, UNSIGNED, CONFLICT) in words.
    static func indication(_ value: String) -> LocalizedText {
        switch value {
        case "PASSED": return .both("Chữ ký hợp lệ", "Signature valid")
        case "FAILED": return .both("Chữ ký không hợp lệ", "Signature not valid")
        case "INDETERMINATE": return .both("Chưa xác định được chữ ký", "Signature cannot be confirmed yet")
        case "UNSIGNED": return .both("Chưa ký", "Not signed")
        case "CONFLICT": return .both("Có hai bản song song, cần hợp nhất", "Two parallel versions, to be merged")
        default: return .both("Chưa kiểm tra được", "Could not be checked")
        }
    }

    /// One signer's result: who, and, when not valid, why in a sentence.
    static func signer(_ r: SignatureReport) -> LocalizedText {
        let who = r.signer ?? "?"
        guard let reason = r.reason else {
            let i = indication(r.indication.rawValue)
            return .both("\(who): \(i.vi.lowercased())", "\(who): \(i.en.lowercased())")
        }
        let why = sentence(code: reason.rawValue)
        return .both("\(who): \(why.vi)", "\(who): \(why.en)")
    }

    /// The verifier's reason codes, worded by the signing module itself.
    static let reasons: [String: LocalizedText] = Dictionary(
        uniqueKeysWithValues: [
            ReasonCode.hashFailure, .sigCryptoFailure, .revoked, .revokedNoPOE, .expired, .notYetValid, .noCertificateChainFound,
            .noSigningCertificateFound, .noRevocationData, .wrongKeyUsage, .weakAlgorithm, .roleNotAuthorised,
            .timestampMismatch, .timestampInvalid, .timestampUntrusted, .formatFailure, .signerNotEntitled,
            .revocationDataStale, .chainConstraintsFailure, .noPOE,
        ].map { ($0.rawValue, $0.text) })

    // MARK: - Records

    /// "học kỳ I".
    static func term(_ t: Term) -> LocalizedText {
        t == .hk1 ? .both("học kỳ I", "term I") : .both("học kỳ II", "term II")
    }

    /// "2024-2025" as written in prose: "2024–2025".
    static func schoolYear(_ y: String) -> String { y.replacingOccurrences(of: "-", with: "–") }

    /// "Sổ điểm môn Toán, lớp 9A, học kỳ I, năm học 2024–2025, Trường THCS Tân Lập".
    static func gradeBook(school: String, className: String, subject: String, term t: Term?, schoolYear y: String) -> LocalizedText {
        let tv = t.map { ", " + term($0).vi } ?? ""
        let te = t.map { ", " + term($0).en } ?? ""
        return .both(
            "Sổ điểm môn \(subject), lớp \(className)\(tv), năm học \(schoolYear(y)), \(school)",
            "Grade book: \(subject), class \(className)\(te), school year \(schoolYear(y)), \(school)")
    }

    static func gradeBook(_ i: GradeBookInfo) -> LocalizedText {
        gradeBook(school: i.school, className: i.className, subject: i.subject, term: i.term, schoolYear: i.schoolYear)
    }

    /// "Sổ gốc cấp bằng năm 2019, Trường THCS Tân Lập" and, with an entry, "số vào sổ 12".
    static func ledger(school: String, year: Int?, number: Int? = nil) -> LocalizedText {
        let y = year.map { " năm \($0)" } ?? ""
        let ye = year.map { " \($0)" } ?? ""
        let n = number.map { ", số vào sổ \($0)" } ?? ""
        let ne = number.map { ", entry \($0)" } ?? ""
        return .both("Sổ gốc\(y), \(school)\(n)", "Ledger\(ye), \(school)\(ne)")
    }

    /// "Yêu cầu số 000123 của Nguyễn Văn A": the number people are given, not the record id.
    static func request(id: String, holder: String?) -> LocalizedText {
        let number = requestNumber(id)
        let h = holder.map { " của \($0)" } ?? ""
        let he = holder.map { " for \($0)" } ?? ""
        return .both("Yêu cầu số \(number)\(h)", "Request no. \(number)\(he)")
    }

    /// The trailing number of a request or copy id ("…/2026/000123" or "YC 2026 000123" → "000123/2026").
    static func requestNumber(_ id: String) -> String {
        let parts = id.split(whereSeparator: { !$0.isNumber }).map(String.init)
        guard let n = parts.last else { return id }
        if let year = parts.dropLast().last(where: { $0.count == 4 }) { return "\(n)/\(year)" }
        return n
    }

    /// Any record by what it is, from its type and current body; nil when the body does not say (the caller then
    /// shows a generic name such as "Hồ sơ", never the id).
    static func record(type: String, id: String, body: JSONValue?) -> LocalizedText? {
        guard let b = body else { return nil }
        let school = b["school"]?.stringValue ?? ""
        switch type {
        case GradeBookInfo.recordType:
            guard let subject = b["subject"]?.stringValue, let cls = b["class"]?.stringValue else { return nil }
            return gradeBook(
                school: school, className: cls, subject: subject, term: (b["term"]?.stringValue).flatMap(Term.parse),
                schoolYear: b["schoolYear"]?.stringValue ?? "")
        case "ledger":
            return ledger(school: school, year: b["year"]?.integerValue)
        case "ledger-appendix":
            let l = ledger(school: school, year: b["year"]?.integerValue)
            return .both("Phụ lục " + l.vi.prefix(1).lowercased() + l.vi.dropFirst(), "Appendix to the " + l.en.lowercased())
        case "transcript":
            let name = b["student"]?["fullName"]?.stringValue ?? b["student"]?.stringValue ?? ""
            let y = schoolYear(b["schoolYear"]?.stringValue ?? "")
            return .both(
                "Học bạ năm học \(y) của \(name), lớp \(b["class"]?.stringValue ?? ""), \(school)",
                "Transcript \(y) of \(name), class \(b["class"]?.stringValue ?? ""), \(school)")
        case "request":
            return request(id: id, holder: b["holderName"]?.stringValue)
        case "copy":
            let n = b["copyNumber"]?.stringValue ?? b["number"]?.stringValue
            return n.map { .both("Bản sao số \($0)", "Copy no. \($0)") }
        case "revocation":
            let what = b["serial"]?.stringValue.map { " số hiệu \($0)" } ?? ""
            let whatEn = b["serial"]?.stringValue.map { " serial \($0)" } ?? ""
            return .both("Quyết định thu hồi văn bằng\(what)", "Revocation of diploma\(whatEn)")
        default:
            return nil
        }
    }

    /// The kinds of records, as the records page lists them.
    static func recordType(_ type: String) -> LocalizedText {
        switch type {
        case "grade-book": return .both("Sổ điểm", "Grade books")
        case "transcript": return .both("Học bạ", "Transcripts")
        case "ledger": return .both("Sổ gốc", "Ledgers")
        case "ledger-appendix": return .both("Phụ lục sổ gốc", "Ledger appendices")
        case "revocation": return .both("Thu hồi văn bằng", "Revocations")
        case "request": return .both("Yêu cầu cấp bản sao", "Copy requests")
        case "copy": return .both("Bản sao đã cấp", "Copies issued")
        default: return .both("Hồ sơ khác", "Other records")
        }
    }

    // MARK: - Dates and times

    /// The office's offset from UTC in seconds ("+07:00" → 25200); +07:00 when the text is not an offset.
    static func offsetSeconds(_ utcOffset: String) -> Int {
        let b = Array(utcOffset.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":"),
            let h = Int(String(decoding: b[1...2], as: UTF8.self)), let m = Int(String(decoding: b[4...5], as: UTF8.self)),
            h <= 14, m < 60
        else { return 7 * 3600 }
        return (b[0] == UInt8(ascii: "-") ? -1 : 1) * (h * 3600 + m * 60)
    }

    /// The office's offset from its settings (the default, +07:00, when the archive has none or cannot say).
    static func officeOffset(_ state: ServerState) async -> Int {
        let settings = try? await state.archive.with { try $0.officeSettings() }
        return offsetSeconds(settings?.utcOffset ?? "+07:00")
    }

    /// A calendar date "YYYY-MM-DD" as "dd/mm/yyyy"; a date-time as its local date; anything else unchanged.
    static func date(_ text: String, offset: Int = 7 * 3600) -> String {
        if let d = HosoClock.parse(text) { return String(local(d, offset: offset).prefix(10)) }
        let p = text.split(separator: "-", omittingEmptySubsequences: false)
        guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2, p.allSatisfy({ $0.allSatisfy(\.isNumber) }) else {
            return text
        }
        return "\(p[2])/\(p[1])/\(p[0])"
    }

    /// An ISO date-time ("2026-11-29T17:30:00Z") as "dd/mm/yyyy HH:mm" in the office's time; anything else unchanged.
    static func time(_ iso: String, offset: Int = 7 * 3600) -> String {
        guard let d = HosoClock.parse(iso) else { return iso }
        return local(d, offset: offset)
    }

    /// Written by hand from days since the epoch (HosoClock's civil calendar), so it depends on no locale.
    static func local(_ d: Date, offset: Int) -> String {
        let seconds = Int(floor(d.timeIntervalSince1970)) + offset
        let days = Int(floor(Double(seconds) / 86_400))
        let secOfDay = seconds - days * 86_400
        let (y, m, day) = civil(days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        return "\(two(day))/\(two(m))/\(y) \(two(secOfDay / 3600)):\(two(secOfDay % 3600 / 60))"
    }

    /// The inverse of `HosoClock.daysFromCivil`.
    static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Wording {
    /// A sentence for every code the catalogues declare (a test reads the catalogues and fails on a code missing
    /// here). The error's own message, written where it is thrown, says more; this is what a screen shows when only
    /// the code is known (a peer's answer, a stored result) and the headline of an error page.
    static let codes: [String: LocalizedText] = [
        // Archive and objects
        "ARCHIVE_NOT_FOUND": .both("Không tìm thấy kho hồ sơ.", "The archive was not found."),
        "ARCHIVE_EXISTS": .both("Kho hồ sơ đã có ở đó.", "An archive is already there."),
        "ARCHIVE_DIR_NOT_EMPTY": .both("Thư mục dành cho kho không trống.", "The archive folder is not empty."),
        "ARCHIVE_FORMAT_UNSUPPORTED": .both(
            "Kho hồ sơ có định dạng mà phiên bản này không đọc được.", "This version cannot read the archive's format."),
        "ARCHIVE_DAMAGED": .both("Kho hồ sơ bị hỏng.", "The archive is damaged."),
        "ARCHIVE_UNWRITABLE": .both("Không ghi được vào kho hồ sơ.", "The archive cannot be written."),
        "ARCHIVE_BUSY": .both("Kho hồ sơ đang bận với một việc khác.", "The archive is busy with another task."),
        "INVALID_OBJECT_ID": .both("Mã tham chiếu không đúng dạng.", "The reference is not in the right form."),
        "AMBIGUOUS_OBJECT_ID": .both(
            "Mã tham chiếu khớp với nhiều mục; cần ghi đầy đủ hơn.", "The reference matches several items; give more of it."),
        "OBJECT_NOT_FOUND": .both("Không tìm thấy dữ liệu cần đọc.", "The data to read was not found."),
        "OBJECT_CORRUPT": .both("Dữ liệu lưu trữ bị hỏng.", "Stored data is damaged."),
        "OBJECT_TRUNCATED": .both("Dữ liệu lưu trữ bị cắt cụt.", "Stored data is cut short."),
        "OBJECT_MALFORMED": .both("Dữ liệu lưu trữ sai cấu trúc.", "Stored data is malformed."),
        "OBJECT_UNREADABLE": .both("Không đọc được dữ liệu lưu trữ.", "Stored data cannot be read."),
        "OBJECT_TOO_LARGE": .both("Tệp quá lớn để lưu.", "The file is too large to store."),
        "INVALID_KIND": .both("Loại dữ liệu không đúng.", "The kind of data is wrong."),
        // Input files
        "INPUT_NOT_FOUND": .both("Không tìm thấy nội dung cần xem.", "What was asked for was not found."),
        "INPUT_UNREADABLE": .both("Không đọc được tệp.", "The file cannot be read."),
        "INPUT_NOT_REGULAR_FILE": .both("Đây không phải là một tệp thông thường.", "This is not an ordinary file."),
        "INPUT_SYMLINK_LOOP": .both("Đường dẫn tệp tự trỏ vòng về chính nó.", "The file path loops back on itself."),
        "INPUT_DUPLICATE_PATH": .both("Một tệp được đưa vào hai lần.", "A file was given twice."),
        "INPUT_CHANGED_WHILE_READ": .both("Tệp bị thay đổi trong lúc đang đọc.", "The file changed while it was read."),
        "INPUT_INSIDE_ARCHIVE": .both(
            "Không được nhập tệp nằm trong chính kho hồ sơ.", "Files inside the archive itself cannot be imported."),
        "INVALID_MANIFEST": .both("Danh mục tệp kèm theo không đúng.", "The list of files is not right."),
        // Environment
        "DISK_FULL": .both("Ổ đĩa đã đầy.", "The disk is full."),
        "FILE_SIZE_LIMIT": .both("Tệp vượt quá giới hạn kích thước của hệ thống.", "The file is over the system's size limit."),
        "IO_ERROR": .both("Máy chủ không đọc hoặc ghi được dữ liệu.", "The server could not read or write data."),
        "INDEX_ERROR": .both("Bảng tra cứu của kho gặp lỗi.", "The archive's lookup index failed."),
        "INDEX_DAMAGED": .both(
            "Bảng tra cứu của kho bị hỏng và sẽ được dựng lại.", "The archive's lookup index is damaged and will be rebuilt."),
        "INTERNAL_ERROR": .both("Lỗi nội bộ của máy chủ.", "Internal server error."),
        // The province hub's PostgreSQL
        "POSTGRES_URL_INVALID": .both("Địa chỉ cơ sở dữ liệu không đúng dạng.", "The database address is not in the right form."),
        "POSTGRES_UNREACHABLE": .both("Máy chủ không kết nối được tới cơ sở dữ liệu.", "The server cannot reach its database."),
        "POSTGRES_AUTH_FAILED": .both("Cơ sở dữ liệu từ chối tài khoản của máy chủ.", "The database refused the server's account."),
        "POSTGRES_READ_ONLY": .both(
            "Cơ sở dữ liệu dự phòng chỉ cho đọc; việc ghi phải tới máy chính.", "The standby database only reads; writes go to the primary."
        ),
        "POSTGRES_SERIALIZATION_FAILURE": .both(
            "Cơ sở dữ liệu đang bận với một việc trùng; hãy thử lại.", "The database is busy with a clashing task; try again."),
        "POSTGRES_ERROR": .both("Cơ sở dữ liệu gặp lỗi.", "The database reported an error."),
        "POSTGRES_PERMISSION_DENIED": .both(
            "Tài khoản của máy chủ không có quyền làm việc này trong cơ sở dữ liệu.",
            "The server's database account has no right to do this."),
        "POSTGRES_SCHEMA_OUTDATED": .both(
            "Cơ sở dữ liệu chưa được khởi tạo hoặc cập nhật; quản trị viên cần chạy lệnh khởi tạo kho.",
            "The database is not set up or not up to date; an administrator must run the hub's init."),
        "POSTGRES_TLS_FAILED": .both(
            "Không lập được kết nối an toàn tới cơ sở dữ liệu.", "A secure connection to the database could not be set up."),
        "POSTGRES_ROLES_INVALID": .both("Tên các vai trò cơ sở dữ liệu không hợp lệ.", "The database role names are not valid."),
        "OUTPUT_DIR_NOT_EMPTY": .both("Thư mục ghi ra không trống.", "The output folder is not empty."),
        "OUTPUT_NOT_WRITTEN": .both("Không ghi được tệp kết quả.", "The output file could not be written."),
        "LISTEN_FAILED": .both("Máy chủ không mở được cổng mạng.", "The server could not open its network port."),
        "TLS_FILES_INVALID": .both("Tệp chứng thư bảo mật của máy chủ không đúng.", "The server's TLS files are not right."),
        // Web: accounts, forms, limits
        "NOT_AUTHENTICATED": .both("Cần đăng nhập.", "You need to sign in."),
        "LOGIN_FAILED": .both("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong user name or password."),
        "LOGIN_THROTTLED": .both("Đăng nhập sai quá nhiều lần; hãy đợi rồi thử lại.", "Too many failed sign-ins; wait and try again."),
        "FORBIDDEN": .both("Tài khoản này không được làm việc này.", "This account may not do this."),
        "CSRF_FAILED": .both(
            "Trang đã cũ hoặc phiên làm việc đã đổi; hãy mở lại trang rồi gửi lại.",
            "The page is stale or the session changed; reload the page and send again."),
        "BAD_USER_INPUT": .both("Thông tin nhập chưa đúng.", "What was entered is not right."),
        "BAD_PASSWORD": .both("Mật khẩu không đạt yêu cầu.", "The password does not meet the rules."),
        "USER_EXISTS": .both("Tên đăng nhập này đã có.", "This user name is already taken."),
        "USER_NOT_FOUND": .both("Không có tài khoản này.", "There is no such account."),
        "BODY_TOO_LARGE": .both("Tệp hoặc nội dung gửi lên quá lớn.", "The file or form sent is too large."),
        "AUDIT_LOG_BROKEN": .both("Nhật ký truy cập bị hỏng hoặc bị sửa.", "The access log is damaged or was altered."),
        "NOT_PRINCIPAL": .both("Chỉ hiệu trưởng của trường được làm việc này.", "Only the school's principal may do this."),
        "PUBLIC_CHECKS_BUSY": .both("Trang kiểm tra đang có nhiều người dùng.", "The checking page is busy."),
        "PUBLIC_CHECK_FAILED": .both("Không kiểm tra được tệp này.", "This file could not be checked."),
        "PUBLIC_RATE_LIMITED": .both("Có quá nhiều lượt kiểm tra từ địa chỉ này.", "Too many checks from this address."),
        "DOWNLOAD_CODE_EXPIRED": .both("Mã tải đã hết hạn.", "The download code has expired."),
        "DOWNLOAD_CODE_INVALID": .both("Mã tải không đúng.", "The download code is not right."),
        "DOWNLOAD_CODE_UNKNOWN": .both("Không có mã tải này.", "There is no such download code."),
        "CHALLENGE_FAILED": .both(
            "Trang chưa hoàn tất bước chống gửi tự động; hãy gửi lại biểu mẫu.",
            "The page's anti-abuse step did not complete; send the form again."),
        "LEDGER_GRADE_MISSING": .both("Thiếu xếp loại tốt nghiệp.", "The graduation grade is missing."),
        "LEDGER_GRADE_NOT_EXPECTED": .both(
            "Văn bằng này không ghi xếp loại tốt nghiệp; hãy để trống.", "This diploma carries no graduation grade; leave it empty."),
        "PASSWORD_CHANGE_REQUIRED": .both(
            "Bạn cần đổi mật khẩu trước khi làm việc tiếp.", "You must change your password before going on."),
        "PUBLIC_URL_INVALID": .both(
            "Địa chỉ trang kiểm tra công khai không hợp lệ.", "The public verification page's address is not valid."),
        "QR_LINK_FOREIGN_HOST": .both(
            "Mã QR dẫn tới một trang web khác, không phải trang kiểm tra của cơ quan.",
            "The QR code leads to another website, not the office's verification page."),
        "QR_LINK_INVALID": .both("Đường dẫn trong mã QR bị hỏng.", "The link in the QR code is damaged."),
        "SEAL_IMAGE_INVALID": .both("Ảnh con dấu phải là tệp PNG nhỏ.", "The seal image must be a small PNG file."),
        "TRACKING_LOCKED": .both(
            "Đã nhập sai quá nhiều lần; hãy thử lại sau ít phút.", "Too many wrong tries; try again in a few minutes."),
        "TRACKING_UNKNOWN": .both(
            "Mã theo dõi hoặc 4 số cuối của số định danh không đúng.",
            "The tracking code or the last 4 digits of the personal ID are wrong."),
        "NOT_OFFICE_SEAL": .both(
            "Chỉ chứng thư số con dấu của cơ quan mới dùng được cho việc này.", "Only the office's seal certificate can be used for this."),
        // The keying workbench (ledgers typed from their scans)
        "SCAN_TYPE_UNSUPPORTED": .both(
            "Ảnh quét phải là tệp PDF, JPEG, PNG hoặc TIFF.", "A scan must be a PDF, JPEG, PNG or TIFF file."),
        "SCAN_TOO_LARGE": .both(
            "Ảnh quét quá lớn (dung lượng, kích thước trang hoặc số trang); hãy quét lại ở độ phân giải thấp hơn hoặc chia nhỏ tệp.",
            "The scan is too large (bytes, page size or pages); scan again at a lower resolution or split the file."),
        "SCAN_UNREADABLE": .both("Không đọc được ảnh quét; tệp có thể bị hỏng.", "The scan cannot be read; the file may be damaged."),
        "SCAN_TOO_SLOW": .both(
            "Xử lý ảnh quét quá lâu nên đã dừng; hãy gửi tệp đơn giản hơn.",
            "Processing the scan took too long and was stopped; send a simpler file."),
        "SCAN_TOOL_MISSING": .both(
            "Máy chủ thiếu chương trình xử lý ảnh quét; hãy báo người quản trị.",
            "The server lacks a program for scans; tell the administrator."),
        "KEYING_INVALID": .both("Thông tin nhập cho sổ chưa đúng.", "What was keyed for the ledger is not right."),
        "KEYING_NOT_FOUND": .both("Không có sổ đang nhập này.", "There is no such ledger being keyed."),
        "KEYING_TWO_KEYERS": .both(
            "Trang này đã có hai người nhập; người thứ ba chỉ đối chiếu.",
            "Two people already key this page; a third person only reconciles."),
        "KEYING_OWN_DISAGREEMENT": .both(
            "Người đã nhập trang không tự quyết định chỗ khác nhau của trang đó; cần một cán bộ khác.",
            "Someone who keyed a page cannot decide its differences; another registrar does."),
        "KEYING_NOT_READY": .both(
            "Sổ chưa ghi được: mỗi trang cần hai người nhập xong và mọi chỗ khác nhau phải được quyết định.",
            "The ledger cannot be stored yet: every page needs two finished keyings and every difference a decision."),
        "KEYING_CLOSED": .both("Trang hoặc sổ này đã xong, không sửa được nữa.", "This page or ledger is finished and no longer changes."),
        "DOWNLOAD_CODE_USED": .both("Mã tải đã được dùng hết số lần cho phép.", "The download code has been used up."),
        "NO_DOCUMENT_TO_GIVE": .both("Chưa có văn bản nào để trả.", "There is no document to hand out yet."),
        "REPORT_SCHOOL_UNKNOWN": .both(
            "Kho chưa có hồ sơ nào của trường này và trường chưa được khai báo sổ giấy.",
            "The archive has no records of this school and its paper ledgers are not declared."),
        // Records and revisions
        "RECORD_NOT_FOUND": .both("Không có hồ sơ này.", "There is no such record."),
        "RECORD_EXISTS": .both("Hồ sơ này đã có.", "This record already exists."),
        "RECORD_CONFLICT": .both("Hồ sơ có hai bản song song cần hợp nhất trước.", "The record has two parallel versions to merge first."),
        "RECORD_CHANGED": .both(
            "Hồ sơ vừa được người khác sửa; hãy mở lại để xem bản mới.", "Someone else just changed the record; open it again."),
        "RECORD_REASON_REQUIRED": .both("Sửa hồ sơ đã có cần ghi lý do.", "Changing an existing record needs a reason."),
        "REVISION_INVALID": .both("Bản ghi của hồ sơ không đúng.", "The record's revision is not right."),
        "REVISION_PARENT_INVALID": .both("Bản trước của hồ sơ không đúng.", "The record's earlier version is not right."),
        "NOT_A_REVISION": .both("Đây không phải là một bản của hồ sơ.", "This is not a version of a record."),
        "WORKFLOW_RECORD": .both("Hồ sơ này chỉ được thay đổi qua quy trình của nó.", "This record changes only through its procedure."),
        "SCHEMA_INVALID": .both("Mẫu kiểm tra hồ sơ bị lỗi.", "The record's checking schema is faulty."),
        "SCHEMA_NOT_FOUND": .both("Không có mẫu kiểm tra cho loại hồ sơ này.", "There is no checking schema for this kind of record."),
        "SCHEMA_UNSUPPORTED": .both("Mẫu kiểm tra dùng tính năng chưa hỗ trợ.", "The checking schema uses an unsupported feature."),
        "SCHEMA_VIOLATION": .both("Hồ sơ thiếu hoặc sai thông tin bắt buộc.", "The record lacks or has wrong required information."),
        "JSON_INVALID": .both("Dữ liệu gửi lên sai định dạng.", "The data sent is malformed."),
        "JSON_DUPLICATE_KEY": .both("Dữ liệu gửi lên có một mục ghi hai lần.", "The data sent has an item given twice."),
        "JSON_NUMBER_OUT_OF_RANGE": .both("Một con số vượt quá giới hạn cho phép.", "A number is out of range."),
        "DATE_INVALID": .both("Ngày tháng không đúng.", "The date is not right."),
        "CSV_INVALID": .both("Tệp bảng tính (CSV) sai định dạng.", "The spreadsheet (CSV) file is malformed."),
        "XLSX_INVALID": .both("Tệp Excel sai định dạng hoặc bị hỏng.", "The Excel file is malformed or damaged."),
        "CERTIFICATE_SHARED_BY_PEOPLE": .both("Một chứng thư số đang được gắn cho hai người.", "One certificate is linked to two people."),
        "MOET_ID_INVALID": .both("Mã định danh học sinh của Bộ không đúng.", "The student's MOET id is not right."),
        // Ledgers
        "LEDGER_APPENDIX_MISMATCH": .both("Phụ lục không khớp với sổ gốc.", "The appendix does not match the ledger."),
        "LEDGER_COLUMN_MISSING": .both("Tệp sổ thiếu một cột cần có.", "The ledger file lacks a required column."),
        "LEDGER_DUPLICATE_LEDGER_NUMBER": .both("Một số vào sổ bị trùng.", "A ledger number is used twice."),
        "LEDGER_DUPLICATE_SERIAL": .both("Một số hiệu văn bằng bị trùng.", "A diploma serial is used twice."),
        "LEDGER_ENTRY_AMBIGUOUS": .both(
            "Có nhiều mục sổ khớp; cần thêm thông tin để chọn đúng.", "Several ledger entries match; give more to choose."),
        "LEDGER_ENTRY_NOT_FOUND": .both("Không tìm thấy mục này trong sổ gốc.", "This entry was not found in the ledger."),
        "LEDGER_MAPPING_INVALID": .both("Tệp ánh xạ cột không đúng.", "The column mapping file is not right."),
        "LEDGER_NUMBER_GAP": .both("Số vào sổ bị nhảy cóc.", "The ledger numbers have a gap."),
        "LEDGER_PAGE_WITHOUT_SCAN": .both("Một trang sổ chưa có ảnh quét.", "A ledger page has no scan."),
        "LEDGER_VALUE_INVALID": .both("Một ô trong tệp sổ có giá trị không đúng.", "A cell in the ledger file has a wrong value."),
        "LEDGER_VALUE_MISSING": .both("Một ô bắt buộc trong tệp sổ bị trống.", "A required cell in the ledger file is empty."),
        "LEDGER_WARNING": .both("Cần xem lại một mục của sổ.", "A ledger entry needs a second look."),
        // Student lists and grade sheets imported from the layouts schools already have
        "STUDENT_EXPORT_NO_SHEET": .both(
            "Tệp không có trang tính nào là danh sách học sinh.", "The file has no sheet that is a student list."),
        "STUDENT_COLUMN_MISSING": .both("Danh sách học sinh thiếu một cột cần có.", "The student list lacks a required column."),
        "STUDENT_VALUE_INVALID": .both(
            "Một ô trong danh sách học sinh có giá trị không đúng.", "A cell in the student list has a wrong value."),
        "STUDENT_DUPLICATE": .both("Một học sinh có mặt hai lần trong tệp.", "A student is listed twice in the file."),
        "STUDENT_CODES_DISAGREE": .both(
            "Các mã của học sinh trong tệp không khớp với hồ sơ đã có.", "The student's codes in the file disagree with the records held."),
        "STUDENT_IMPORT_WARNING": .both("Cần xem lại một phần của tệp.", "Part of the file needs a second look."),
        "GRADE_SHEET_LAYOUT": .both("Bảng điểm không đúng mẫu đã biết.", "The grade sheet is not in a known layout."),
        "GRADE_SHEET_STUDENT_UNMATCHED": .both(
            "Một dòng của bảng điểm không khớp với học sinh nào.", "A row of the grade sheet matches no student."),
        "GRADE_SHEET_AVERAGE_MISMATCH": .both(
            "Điểm trung bình trong bảng khác điểm tính theo quy định.", "An average in the sheet differs from the one the rules give."),
        // Requests, copies, numbers
        "REQUEST_NOT_FOUND": .both("Không có yêu cầu này.", "There is no such request."),
        "REQUEST_INVALID": .both("Thông tin yêu cầu chưa đúng hoặc chưa đủ.", "The request's details are wrong or incomplete."),
        "REQUEST_STATE_INVALID": .both(
            "Yêu cầu đang ở bước không cho phép việc này.", "The request is at a step that does not allow this."),
        "REQUEST_ENTRY_MISMATCH": .both("Thông tin người được cấp không khớp với sổ gốc.", "The holder's details do not match the ledger."),
        "COPY_NOT_FOUND": .both("Không có bản sao này.", "There is no such copy."),
        "COPY_NUMBER_TAKEN": .both("Số bản sao này đã được dùng.", "This copy number is already used."),
        "DIPLOMA_REVOKED": .both("Văn bằng này đã bị thu hồi.", "This diploma has been revoked."),
        "NUMBER_BLOCKS_INVALID": .both(
            "Dải số cấp cho các máy bị chồng lấn hoặc vượt giới hạn.", "The machines' number blocks overlap or are out of range."),
        "NUMBER_BLOCK_EXHAUSTED": .both("Máy này đã dùng hết dải số được cấp.", "This machine has used up its number block."),
        "NUMBER_BLOCK_MISSING": .both("Máy này chưa được cấp dải số.", "This machine has no number block."),
        "NOT_OFFICE_SIGNER": .both(
            "Chứng thư này không phải của người ký cho văn phòng.", "This certificate is not one of the office's signers."),
        // Grade books, transcripts, học bạ
        "GRADEBOOK_COLUMN_MISSING": .both("Tệp sổ điểm thiếu một cột.", "The grade-book file lacks a column."),
        "GRADEBOOK_COLUMN_UNKNOWN": .both("Tệp sổ điểm có một cột không rõ.", "The grade-book file has an unknown column."),
        "GRADEBOOK_COMMENT_MISSING": .both("Thiếu nhận xét cho một học sinh.", "A student's comment is missing."),
        "GRADEBOOK_DUPLICATE_STUDENT": .both("Một học sinh có tên hai lần trong sổ điểm.", "A student appears twice in the grade book."),
        "GRADEBOOK_EMPTY": .both("Sổ điểm chưa có học sinh nào.", "The grade book has no students."),
        "GRADEBOOK_ENCODING": .both("Tệp sổ điểm dùng bảng mã không đọc được.", "The grade-book file's encoding cannot be read."),
        "GRADEBOOK_EXTRA_CELL": .both("Một dòng của sổ điểm có ô thừa.", "A grade-book row has an extra cell."),
        "GRADEBOOK_HEADER_INVALID": .both("Thông tin đầu sổ điểm không đúng.", "The grade book's header is not right."),
        "GRADEBOOK_MARK_EXTRA": .both("Có điểm thừa so với số cột điểm của môn.", "There are more marks than the subject has columns."),
        "GRADEBOOK_MARK_MISSING": .both("Thiếu điểm của một học sinh.", "A student's mark is missing."),
        "GRADEBOOK_MISSING": .both("Chưa có sổ điểm cần dùng.", "A needed grade book is missing."),
        "GRADEBOOK_NAME_MISSING": .both("Thiếu họ tên học sinh.", "A student's name is missing."),
        "GRADEBOOK_RECORD_INVALID": .both("Sổ điểm lưu trữ không đúng.", "The stored grade book is not right."),
        "GRADEBOOK_UNEXPECTED_VALUE": .both("Một ô của sổ điểm có giá trị không đúng.", "A grade-book cell has an unexpected value."),
        "GRADEBOOK_WARNING": .both("Cần xem lại một dòng của sổ điểm.", "A grade-book row needs a second look."),
        "GRADE_LEVEL_INVALID": .both("Khối lớp hoặc cấp học không đúng.", "The grade or school level is not right."),
        "GRADE_PERIODS_INVALID": .both("Số tiết của môn không đúng.", "The subject's number of periods is not right."),
        "GRADE_REGULAR_MARK_COUNT": .both("Số điểm thường xuyên không đúng quy định.", "The number of regular marks is not as required."),
        "MARK_INVALID": .both(
            "Điểm phải là số từ 0 đến 10, một chữ số thập phân, ví dụ 7,5.", "A mark is a number from 0 to 10 with one decimal, e.g. 7,5."),
        "PRIMARY_SCORE_INVALID": .both("Điểm tiểu học không đúng.", "A primary-school score is not right."),
        "TERM_LOCKED": .both(
            "Học kỳ đã khóa sổ; việc sửa cần hiệu trưởng duyệt.", "The term is locked; changes need the principal's approval."),
        "CORRECTION_STATE_INVALID": .both(
            "Đề nghị sửa điểm đã được xử lý hoặc không còn hiệu lực.", "The correction request was already decided or no longer applies."),
        "TRANSCRIPT_INCONSISTENT": .both("Học bạ không khớp với sổ điểm.", "The transcript does not match the grade books."),
        "TRANSCRIPT_STUDENT_MISSING": .both("Một học sinh thiếu trong sổ điểm.", "A student is missing from a grade book."),
        "TRANSCRIPT_WARNING": .both("Cần xem lại một mục của học bạ.", "A transcript item needs a second look."),
        "HOC_BA_ALREADY_SIGNED": .both("Học bạ đã được ký ở bước này.", "The học bạ is already signed at this step."),
        "HOC_BA_INVALID": .both("Học bạ không đúng quy định.", "The học bạ is not as required."),
        "HOC_BA_LOCKED": .both("Học bạ đã hoàn tất, không sửa được.", "The học bạ is complete and cannot be changed."),
        "HOC_BA_NOT_FOUND": .both("Không có học bạ này.", "There is no such học bạ."),
        "HOC_BA_REFUSED": .both("Học bạ bị từ chối.", "The học bạ was refused."),
        "HOC_BA_SIGNATURE_ORDER": .both("Học bạ phải được ký theo đúng thứ tự.", "The học bạ must be signed in order."),
        // Signing and certificates
        "BAD_CERTIFICATE": .both("Chứng thư số không đọc được.", "The certificate cannot be read."),
        "BAD_CRL": .both("Danh sách thu hồi chứng thư không đọc được.", "The revocation list cannot be read."),
        "BAD_EVIDENCE_RECORD": .both("Hồ sơ bằng chứng thời gian không đọc được.", "The evidence record cannot be read."),
        "BAD_KEY": .both("Tệp khóa ký không đọc được hoặc sai mật khẩu.", "The key file cannot be read or the password is wrong."),
        "BAD_OCSP_RESPONSE": .both(
            "Phản hồi kiểm tra chứng thư trực tuyến không đúng.", "The online certificate status answer is not right."),
        "BAD_SIGNATURE": .both("Chữ ký số không đọc được.", "The signature cannot be read."),
        "BAD_TIMESTAMP": .both("Dấu thời gian không đọc được.", "The timestamp cannot be read."),
        "CERTIFICATE_NOT_USABLE": .both("Chứng thư số không dùng được để ký.", "The certificate cannot be used to sign."),
        "CRYPTO_ERROR": .both("Lỗi khi tính toán mật mã.", "A cryptographic operation failed."),
        "INVALID_CERTIFICATE_SPEC": .both("Thông tin để tạo chứng thư không đúng.", "The certificate details are not right."),
        "KEY_ALGORITHM_UNSUPPORTED": .both("Loại khóa ký chưa được hỗ trợ.", "This kind of key is not supported."),
        "KEY_CERTIFICATE_MISMATCH": .both("Khóa ký không khớp với chứng thư số.", "The key does not match the certificate."),
        "OCSP_UNAVAILABLE": .both("Không liên lạc được dịch vụ kiểm tra chứng thư.", "The certificate status service cannot be reached."),
        "TSA_UNAVAILABLE": .both("Không liên lạc được dịch vụ cấp dấu thời gian.", "The timestamp service cannot be reached."),
        "SIGNATURE_NOT_FOUND": .both("Không có chữ ký này.", "There is no such signature."),
        "SIGNATURE_REJECTED": .both("Chữ ký không được chấp nhận.", "The signature was not accepted."),
        "SIGNER_NOT_ENTITLED": .both("Người ký không được phân công ký hồ sơ này.", "The signer is not assigned to sign this record."),
        "SIGNING_CERTIFICATE_NOT_VALID": .both(
            "Chứng thư số của người ký chưa có hoặc đã hết hiệu lực.", "The signer's certificate is not valid now."),
        "SIGNING_CERTIFICATE_REVOKED": .both("Chứng thư số của người ký đã bị thu hồi.", "The signer's certificate has been revoked."),
        "TOKEN_ERROR": .both("Thiết bị ký (token) báo lỗi.", "The signing token reported an error."),
        "TRUST_ANCHOR_NOT_FOUND": .both("Không có chứng thư gốc tin cậy cần dùng.", "The needed trusted root certificate is missing."),
        "WEAK_ALGORITHM": .both("Thuật toán hoặc độ dài khóa không đạt quy định.", "The algorithm or key size is not allowed."),
        "PKCS11_MODULE_NOT_FOUND": .both("Không tìm thấy phần mềm điều khiển thiết bị ký.", "The signing token's driver was not found."),
        "AGENT_BAD_BATCH": .both("Gói ký gửi tới công cụ ký không đúng.", "The batch sent to the signing agent is not right."),
        "AGENT_BYTES_MISMATCH": .both("Nội dung được ký khác với nội dung cần ký.", "What was signed differs from what was to be signed."),
        "AGENT_NOT_LOOPBACK": .both(
            "Công cụ ký chỉ nhận kết nối từ chính máy này.", "The signing agent takes connections from this computer only."),
        "AGENT_SERVER_FAILED": .both("Công cụ ký không liên lạc được máy chủ.", "The signing agent could not reach the server."),
        // Copies: PDF and QR
        "PDF_NOT_SIGNABLE": .both("Tệp PDF này không ký được.", "This PDF cannot be signed."),
        "PDF_RENDER_FAILED": .both("Không tạo được tệp PDF.", "The PDF could not be made."),
        "PDF_SIGNATURE_TOO_LARGE": .both(
            "Chữ ký quá lớn cho chỗ dành sẵn trong PDF.", "The signature is too large for its place in the PDF."),
        "QR_AMBIGUOUS": .both("Ảnh có nhiều mã QR; hãy chụp riêng một mã.", "The image has several QR codes; take one alone."),
        "QR_ENCODE_FAILED": .both("Không tạo được mã QR.", "The QR code could not be made."),
        "QR_IMAGE_FORMAT_UNSUPPORTED": .both(
            "Loại ảnh này chưa đọc được; hãy dùng ảnh PNG hoặc JPEG.", "This image type cannot be read; use PNG or JPEG."),
        "QR_IMAGE_TOO_LARGE": .both("Ảnh quá lớn.", "The image is too large."),
        "QR_IMAGE_UNREADABLE": .both("Không đọc được mã QR trong ảnh.", "No QR code could be read in the image."),
        "QR_PAYLOAD_INVALID": .both(
            "Mã QR không phải của một bản sao do văn phòng cấp.", "The QR code is not from a copy issued by the office."),
        "QR_PAYLOAD_MALFORMED": .both("Nội dung mã QR sai định dạng.", "The QR code's content is malformed."),
        "QR_PAYLOAD_TOO_LARGE": .both("Nội dung mã QR quá dài.", "The QR code's content is too long."),
        // Sync between machines
        "BUNDLE_BAG_INVALID": .both("Gói đồng bộ sai cấu trúc.", "The sync bundle is malformed."),
        "BUNDLE_DIGEST_MISMATCH": .both("Gói đồng bộ bị thay đổi trên đường truyền.", "The sync bundle was changed in transit."),
        "BUNDLE_OUT_OF_SEQUENCE": .both("Gói đồng bộ đến sai thứ tự.", "The sync bundle arrived out of order."),
        "BUNDLE_REPLAYED": .both("Gói đồng bộ này đã được nhận trước đó.", "This sync bundle was received before."),
        "BUNDLE_SIGNATURE_INVALID": .both("Chữ ký của gói đồng bộ không hợp lệ.", "The sync bundle's signature is not valid."),
        "BUNDLE_TAR_MALFORMED": .both("Tệp gói đồng bộ bị hỏng.", "The sync bundle file is damaged."),
        "BUNDLE_TOO_LARGE": .both("Gói đồng bộ quá lớn.", "The sync bundle is too large."),
        "BUNDLE_UNSAFE_PATH": .both("Gói đồng bộ chứa đường dẫn không an toàn.", "The sync bundle has an unsafe path."),
        "BUNDLE_UNSUPPORTED_ENTRY": .both("Gói đồng bộ chứa mục không được hỗ trợ.", "The sync bundle has an unsupported entry."),
        "BUNDLE_WRONG_RECIPIENT": .both("Gói đồng bộ gửi cho máy khác.", "The sync bundle is for another machine."),
        "NODE_EXISTS": .both("Máy này đã là một nút đồng bộ.", "This machine is already a sync node."),
        "NODE_NOT_FOUND": .both("Máy này chưa là nút đồng bộ.", "This machine is not a sync node yet."),
        "PEER_EXISTS": .both("Máy ngang hàng này đã có.", "This peer is already known."),
        "PEER_NOT_FOUND": .both("Không có máy ngang hàng này.", "There is no such peer."),
        "SYNC_AUTH_FAILED": .both("Máy bên kia không xác minh được danh tính.", "The other machine could not prove who it is."),
        "SYNC_INBOX_FULL": .both("Hộp nhận đồng bộ đã đầy.", "The sync inbox is full."),
        "SYNC_INCOMPLETE": .both("Đồng bộ chưa xong; lần sau sẽ làm tiếp.", "Sync did not finish; it continues next time."),
        "SYNC_INVALID_SCOPE": .both("Phạm vi đồng bộ không đúng.", "The sync scope is not right."),
        "SYNC_NOT_AUTHORISED": .both("Máy bên kia không được đồng bộ nội dung này.", "The other machine may not sync this."),
        "SYNC_UNAVAILABLE": .both("Không liên lạc được máy bên kia.", "The other machine cannot be reached."),
        "SYNC_UNKNOWN_NODE": .both("Máy bên kia chưa được đăng ký.", "The other machine is not registered."),
        // The log
        "LOG_BAD_REQUEST": .both("Yêu cầu đọc nhật ký không đúng.", "The log request is not right."),
        "LOG_CHECKPOINT_INVALID": .both("Điểm xác nhận của nhật ký không hợp lệ.", "The log's checkpoint is not valid."),
        "LOG_CORRUPT": .both("Nhật ký hệ thống bị hỏng.", "The system log is damaged."),
        "LOG_ENTRY_MISMATCH": .both("Một mục nhật ký không khớp với dữ liệu.", "A log entry does not match the data."),
        "LOG_ENTRY_NOT_FOUND": .both("Không có mục nhật ký này.", "There is no such log entry."),
        "LOG_FORK": .both("Nhật ký đã tách thành hai nhánh khác nhau.", "The log has split into two histories."),
        "LOG_HEAD_MOVED": .both("Nhật ký vừa được ghi tiếp ở nơi khác; hãy thử lại.", "The log was just extended elsewhere; try again."),
        "LOG_ROLLBACK": .both("Nhật ký đã bị quay về bản cũ.", "The log was put back to an older copy."),
        "LOG_TRUNCATED": .both("Nhật ký bị cắt cụt.", "The log is cut short."),
        // Custody of ledgers and school history
        "CUSTODY_OBJECT_MISSING": .both(
            "Thiếu một trang hoặc một bản sổ mà biên bản chuyển giao liệt kê.",
            "A page or ledger listed in the transfer inventory is missing."),
        "CUSTODY_INVENTORY_MISMATCH": .both(
            "Sổ gốc nhận được khác biên bản chuyển giao.", "A ledger received differs from the transfer inventory."),
        "CUSTODY_NOT_SEALED": .both(
            "Biên bản chuyển giao chưa có chữ ký số hợp lệ.", "The transfer inventory carries no valid digital signature."),
        "CUSTODY_SEAL_UNKNOWN": .both(
            "Biên bản chuyển giao không do con dấu của cơ quan gửi ký.",
            "The transfer inventory is not signed by the sending office's seal."),
        "CUSTODY_WRONG_RECIPIENT": .both(
            "Biên bản chuyển giao này gửi cho cơ quan khác.", "This transfer inventory is addressed to another office."),
        "CUSTODY_NOT_HELD": .both(
            "Sổ gốc này do cơ quan khác lưu giữ; bản sao do cơ quan đó cấp.", "Another office holds this ledger and issues its copies."),
        "CUSTODY_LEDGERS_INVALID": .both(
            "Không có sổ gốc nào chuyển giao được trong danh sách.", "The list has no ledger that can be handed over."),
        "SCHOOL_HISTORY_INVALID": .both(
            "Việc đổi tên hoặc sáp nhập không khớp lịch sử của trường.", "The rename or merge does not fit the school's history."),
        "SCHOOL_NOT_FOUND": .both("Không có lịch sử của trường này.", "There is no history for this school."),
        // OCR prefill of typed ledger pages
        "OCR_ENGINE_MISSING": .both(
            "Máy chủ chưa cài chương trình đọc chữ in, nên không có gợi ý; hãy nhập tay trang này.",
            "The text recognition program is not installed, so there are no suggestions; key this page by hand."),
        "OCR_MODEL_MISSING": .both(
            "Chương trình đọc chữ in thiếu bộ tiếng Việt, nên không có gợi ý; hãy nhập tay trang này.",
            "The text recognition program lacks its Vietnamese model, so there are no suggestions; key this page by hand."),
        "OCR_ENGINE_FAILED": .both(
            "Chương trình đọc chữ in gặp lỗi với trang này; hãy nhập tay.",
            "The text recognition program failed on this page; key it by hand."),
        "OCR_TIMEOUT": .both(
            "Đọc trang này lâu quá nên đã dừng; hãy nhập tay.", "Reading this page took too long and was stopped; key it by hand."),
        "OCR_IMAGE_UNREADABLE": .both(
            "Không đọc được ảnh trang sổ; cần ảnh PNG hoặc JPEG.", "The page image cannot be read; a PNG or JPEG image is needed."),
        "OCR_IMAGE_TOO_LARGE": .both("Ảnh trang sổ quá lớn để đọc chữ.", "The page image is too large to read."),
        "OCR_LAYOUT_UNKNOWN": .both(
            "Bảng trên trang không giống mẫu sổ gốc nào nên không có gợi ý; hãy nhập tay.",
            "The table on the page matches no ledger layout, so there are no suggestions; key it by hand."),
    ]
}
