#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import HosoCore

// A file-size limit (ulimit -f) must become a clear error, not a silent kill by SIGXFSZ.
signal(SIGXFSZ, SIG_IGN)

/// The one place where errors become messages and exit codes (documented in `hoso --help`).
func exitCode(for category: HosoError.Category) -> Int32 { category.exitCode }

struct ErrorJSON: Encodable {
    var code: String
    var message: String
    var location: String?
    var cause: String?
}

func report(_ errors: [HosoError]) -> Never {
    let wantsJSON = CommandLine.arguments.contains("--json")
    for e in errors {
        printErr("hoso: \(t("lỗi", "error")) [\(e.code)]: \(e.text(cliLang))")
    }
    if wantsJSON {
        printJSON(["errors": errors.map { ErrorJSON(code: $0.code.rawValue, message: $0.message.text(cliLang),
                                                    location: $0.location, cause: $0.cause) }])
    }
    // The most serious class decides the exit code: damage, then I/O, then the rest.
    let order: [HosoError.Category] = [.internal, .damage, .io, .busy, .notFound, .badInput]
    let worst = order.first { c in errors.contains { $0.category == c } } ?? .internal
    exit(exitCode(for: worst))
}

/// Lets the shared options come before the subcommand too (`hoso --archive A ledger import …`), as people type
/// them: moves leading `--archive`/`--lang` (with their values) to the end, or before a `--` terminator, where
/// the innermost subcommand parses them.
func reorderGlobalOptions(_ args: [String]) -> [String] {
    var leading = [String]()
    var i = 0
    while i < args.count {
        let a = args[i]
        if a == "--archive" || a == "--lang", i + 1 < args.count {
            leading += [a, args[i + 1]]
            i += 2
        } else if a.hasPrefix("--archive=") || a.hasPrefix("--lang=") {
            leading.append(a)
            i += 1
        } else {
            break
        }
    }
    guard !leading.isEmpty, i < args.count else { return args }
    var rest = Array(args[i...])
    if let dd = rest.firstIndex(of: "--") {
        rest.insert(contentsOf: leading, at: dd)
    } else {
        rest += leading
    }
    return rest
}

do {
    var command = try Hoso.parseAsRoot(reorderGlobalOptions(Array(CommandLine.arguments.dropFirst())))
    try command.run()
} catch let e as HosoError {
    report([e])
} catch let e as HosoProblems {
    report(e.problems)
} catch let e as ExitCode {
    exit(e.rawValue)
} catch {
    let code = Hoso.exitCode(for: error)
    if code == .success {
        print(Hoso.fullMessage(for: error))
        exit(0)
    }
    printErr(Hoso.fullMessage(for: error))
    exit(2)
}
