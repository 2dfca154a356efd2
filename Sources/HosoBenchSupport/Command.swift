// Command-line plumbing: the exit statuses the tools/bench-* scripts rely on (0 sane, 1 sanity failed or the code
// under test threw, 2 could not run), on top of ArgumentParser's own (64 for a usage error).
import ArgumentParser
import Foundation

/// The benchmark could not run (bad arguments, an unwritable file): exit status 2.
public struct BenchFailure: Error {
    public let message: String
    public init(message: String) { self.message = message }
}

/// A benchmark command: runs and returns its exit status.
public protocol BenchCommand: ParsableCommand {
    func execute() throws -> Int32
}

/// Parses the command line and runs the command; never returns. Help goes to standard output with status 0, a usage
/// error to standard error with status 2, a `BenchFailure` with 2, anything else thrown with 1.
public func benchMain(_ root: any ParsableCommand.Type, tool: String) -> Never {
    let command: any ParsableCommand
    do {
        command = try root.parseAsRoot()
    } catch {
        usageExit(root, error, tool: tool)
    }
    if let bench = command as? any BenchCommand {
        do {
            exit(try bench.execute())
        } catch let e as BenchFailure {
            warn(e.message, tool: tool)
            exit(2)
        } catch {
            warn("\(error)", tool: tool)
            exit(1)
        }
    }
    // Help, or a command that only has subcommands: ArgumentParser's own, which end by throwing their message.
    do {
        var plain = command
        try plain.run()
        exit(0)
    } catch let e as BenchFailure {
        warn(e.message, tool: tool)
        exit(2)
    } catch {
        usageExit(root, error, tool: tool)
    }
}

/// A help request to standard output (status 0); any other parser error to standard error (status 2).
func usageExit(_ root: any ParsableCommand.Type, _ error: any Error, tool: String) -> Never {
    if root.exitCode(for: error) == .success {
        say(root.fullMessage(for: error))
        exit(0)
    }
    warn(root.fullMessage(for: error), tool: tool)
    exit(2)
}

/// An `@Option` transform: a whole number of at least `min`; `_` separators allowed (100_000).
public func wholeNumber(atLeast min: Int) -> @Sendable (String) throws -> Int {
    { text in
        guard let n = Int(text.replacingOccurrences(of: "_", with: "")), n >= min else {
            throw ValidationError("must be a whole number >= \(min)")
        }
        return n
    }
}

/// An `@Option` transform: a finite number of at least `min`.
public func number(atLeast min: Double) -> @Sendable (String) throws -> Double {
    { text in
        guard let d = Double(text), d.isFinite, d >= min else { throw ValidationError("must be a number >= \(min)") }
        return d
    }
}

/// An `@Option` transform: a comma-separated list, each item parsed by `item` (which names what it rejects), at
/// least one.
public func commaList<T>(_ item: @escaping @Sendable (String) -> T?, what: String) -> @Sendable (String) throws -> [T] {
    { text in
        var out = [T]()
        for part in text.split(separator: ",") {
            guard let v = item(String(part)) else { throw ValidationError("unknown \(what) \(part)") }
            out.append(v)
        }
        guard !out.isEmpty else { throw ValidationError("needs at least one \(what)") }
        return out
    }
}
