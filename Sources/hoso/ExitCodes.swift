import ArgumentParser
import Foundation
import HosoKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every exit code hoso gives. `hoso --help` prints `documented`, so the codes used and the codes documented
/// cannot drift apart; commands throw `ExitCode(HosoExit.…)`, never a bare number.
enum HosoExit {
    static let success: Int32 = 0
    static let damage: Int32 = HosoError.Category.damage.exitCode
    static let usage: Int32 = 2
    static let badInput: Int32 = HosoError.Category.badInput.exitCode
    static let notFound: Int32 = HosoError.Category.notFound.exitCode
    static let io: Int32 = HosoError.Category.io.exitCode
    static let busy: Int32 = HosoError.Category.busy.exitCode
    static let indeterminate: Int32 = 7
    static let failed: Int32 = 8
    static let logConflict: Int32 = 9
    static let `internal`: Int32 = HosoError.Category.`internal`.exitCode

    static let documented: [(code: Int32, vi: String, en: String)] = [
        (success, "thành công", "success"),
        (damage, "phát hiện hư hỏng dữ liệu (fsck, hoặc đối tượng hỏng khi đọc)", "damaged data found (fsck, or a corrupt object on read)"),
        (usage, "sai cú pháp lệnh hoặc tham số", "bad command line or arguments"),
        (badInput, "dữ liệu vào không hợp lệ; kho không bị thay đổi", "invalid input; the archive was not changed"),
        (notFound, "không tìm thấy (kho, đối tượng, tệp)", "not found (archive, object, file)"),
        (io, "lỗi vào/ra: đầy đĩa, giới hạn kích thước tệp, không có quyền", "I/O error: disk full, file size limit, permission denied"),
        (busy, "kho đang bận (tiến trình hoso khác)", "archive busy (another hoso process)"),
        (
            indeterminate, "verify / copy verify: chưa đủ căn cứ (INDETERMINATE)",
            "verify / copy verify: INDETERMINATE (not enough evidence)"
        ),
        (failed, "verify / copy verify: không hợp lệ (FAILED)", "verify / copy verify: FAILED"),
        (
            logConflict, "sync / bundle import: nhật ký của một nút bị quay lui, cắt bớt hoặc rẽ nhánh (dữ liệu vẫn được đồng bộ)",
            "sync / bundle import: a node's log was rolled back, cut or forked (the data still synced)"
        ),
        (`internal`, "lỗi nội bộ", "internal error"),
    ]

    /// The exit-code lines of `hoso --help`, in this run's language.
    static var helpLines: String {
        documented.map { "  " + String($0.code).padding(toLength: 4, withPad: " ", startingAt: 0) + t($0.vi, $0.en) }
            .joined(separator: "\n")
    }

    /// `verify` and `copy verify`: how the judgement ends the run (no signature at all is "not found").
    static func code(forIndication indication: String) -> Int32 {
        switch indication {
        case "PASSED": return success
        case "UNSIGNED": return notFound
        case "INDETERMINATE": return indeterminate
        default: return failed
        }
    }

    /// Ends `verify` and `copy verify` with the code their judgement calls for; nothing to do when it PASSED.
    static func finish(indication: String) throws {
        let code = code(forIndication: indication)
        if code != success { throw ExitCode(code) }
    }
}

struct ErrorJSON: Encodable {
    var code: String
    var message: String
    var location: String?
    var cause: String?
}

struct ErrorsJSON: Encodable {
    var errors: [ErrorJSON]
    /// Whether the failed command changed the archive; absent for commands that only read.
    var archiveChanged: Bool?
}

/// Whether a failed command changed the archive: what the write said of itself, else whether this run made any new
/// object visible (an archive that failed to open was not changed). Nil for a run that only read (nothing to say).
func tookEffect(_ errors: [HosoError]) -> Bool? {
    if let said = errors.compactMap(\.tookEffect).first { return said }
    return writingArchive.withLock { w in w.intended ? (w.store?.published ?? 0) > 0 : nil }
}

/// The one place where errors become messages and exit codes.
func exitReporting(_ error: any Error) -> Never {
    switch error {
    case let e as HosoError:
        report([e])
    case let e as HosoProblems:
        report(e.problems)
    case let e as ExitCode:
        // The command has already said why; only the code is left to give.
        exit(e.rawValue)
    default:
        // ArgumentParser's own: help and --version end well, anything else is a bad command line.
        if Hoso.exitCode(for: error) == .success {
            print(Hoso.fullMessage(for: error))
            exit(HosoExit.success)
        }
        printErr(Hoso.fullMessage(for: error))
        exit(HosoExit.usage)
    }
}

private func report(_ errors: [HosoError]) -> Never {
    let wantsJSON = CommandLine.arguments.contains("--json")
    for e in errors {
        printErr("hoso: \(t("lỗi", "error")) [\(e.code)]: \(e.text(cliLang))")
    }
    let changed = tookEffect(errors)
    if let changed {
        printErr(
            changed
                ? t(
                    "hoso: một phần hoặc toàn bộ thay đổi đã được ghi vào kho trước khi lỗi; chạy lại lệnh sẽ làm tiếp hoặc báo đã xong.",
                    "hoso: some or all of the change reached the archive before the error; running the command again continues or says it is done."
                )
                : t("hoso: kho không bị thay đổi.", "hoso: the archive was not changed."))
    }
    if wantsJSON {
        printJSON(
            ErrorsJSON(
                errors: errors.map {
                    ErrorJSON(
                        code: $0.code.rawValue, message: $0.message.text(cliLang),
                        location: $0.location, cause: $0.cause)
                }, archiveChanged: changed))
    }
    // The most serious class decides the exit code (HosoError+Status.swift).
    exit(errors.exitCode)
}
