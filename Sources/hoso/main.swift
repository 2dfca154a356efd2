import ArgumentParser
import Foundation
import HosoKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A file-size limit (ulimit -f) must become a clear error, not a silent kill by SIGXFSZ.
signal(SIGXFSZ, SIG_IGN)

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
} catch {
    exitReporting(error)
}
