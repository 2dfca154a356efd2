import Foundation
import HosoKit
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The language of this run: `--lang` on the command line wins, then HOSO_LANG and the locale.
/// Read before argument parsing so that `--help` itself comes out in the chosen language.
let cliLang: Lang = {
    let args = CommandLine.arguments
    for (i, a) in args.enumerated() {
        if a.hasPrefix("--lang=") { return Lang(rawValue: String(a.dropFirst(7))) ?? .vi }
        if a == "--lang", i + 1 < args.count { return Lang(rawValue: args[i + 1]) ?? .vi }
    }
    return Lang.fromEnvironment(ProcessInfo.processInfo.environment)
}()

/// Picks the Vietnamese or English text for this run.
func t(_ vi: String, _ en: String) -> String { cliLang == .en ? en : vi }

func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

func printJSON<T: Encodable>(_ value: T, pretty: Bool = true) {
    let enc = JSONEncoder()
    enc.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    let data = (try? enc.encode(value)) ?? Data("null".utf8)
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

func humanBytes(_ n: UInt64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var v = Double(n)
    var u = 0
    while v >= 1024 && u < units.count - 1 {
        v /= 1024
        u += 1
    }
    let s = u == 0 ? "\(n)" : String(format: "%.1f", v)
    return (cliLang == .vi ? s.replacingOccurrences(of: ".", with: ",") : s) + " " + units[u]
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal, at most ten times a second.
final class ProgressBar: Sendable {
    private struct State {
        var last = Date.distantPast
        var drawn = false
    }
    private let state = Mutex(State())
    private let enabled: Bool
    private let label: String

    init(label: String) {
        self.label = label
        enabled = isatty(2) == 1 && ProcessInfo.processInfo.environment["HOSO_NO_PROGRESS"] == nil
    }

    func update(fraction: Double, detail: String, force: Bool = false) {
        guard enabled else { return }
        state.withLock { s in
            let now = Date()
            guard force || now.timeIntervalSince(s.last) >= 0.1 else { return }
            s.last = now
            let width = 30
            let f = max(0, min(1, fraction))
            let filled = Int(f * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let line = "\r\(label) \(bar) \(String(format: "%3d", Int(f * 100)))% \(detail)\u{1B}[K"
            FileHandle.standardError.write(Data(line.utf8))
            s.drawn = true
        }
    }

    func finish() {
        guard enabled else { return }
        state.withLock { s in
            if s.drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
}
