import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished program left behind: its exit status and what it wrote.
public struct ProgramOutput: Sendable, CustomStringConvertible {
    /// The exit status (the signal's number when it was killed).
    public var status: Int32
    /// Everything it wrote to stdout.
    public var stdout: Data
    /// Everything it wrote to stderr.
    public var stderr: Data

    /// Creates an outcome from its parts.
    public init(status: Int32, stdout: Data, stderr: Data) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// stdout as UTF-8 text.
    public var out: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr as UTF-8 text.
    public var err: String { String(decoding: stderr, as: UTF8.self) }
    /// stdout then stderr: all it said, for searching and for messages.
    public var output: String { out + err }

    /// stdout decoded as JSON.
    public func json<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: stdout)
    }

    /// Lets a failed expectation show what the program actually said.
    public var description: String { "exit \(status)\n--- stdout ---\n\(out)\n--- stderr ---\n\(err)" }
}

/// Runs a program to completion with stdin closed and returns what it left. `environment` nil: the test runner's.
/// A program still running after `timeout` seconds is killed (SIGKILL), so one hung child cannot stall the suite.
@discardableResult
public func runProgram(
    _ executable: String, _ arguments: [String], in directory: String? = nil,
    environment: [String: String]? = nil, timeout: Double? = nil
) throws -> ProgramOutput {
    let child = try Child(executable, arguments, in: directory, environment: environment, timeout: timeout)
    let errors = PipeDrain(child.stderr)
    let out = child.stdout.readDataToEndOfFile()
    return child.finish(stdout: out, stderr: errors.wait())
}

/// Runs `/bin/sh -c script` in `directory` to completion.
@discardableResult
public func shell(_ script: String, in directory: String) throws -> ProgramOutput {
    try runProgram("/bin/sh", ["-c", script], in: directory)
}

/// Starts a program as `runProgram` would and returns at once; call the result to wait for it and get what it left.
public func startProgram(
    _ executable: String, _ arguments: [String], in directory: String? = nil,
    environment: [String: String]? = nil, timeout: Double? = nil
) throws -> () -> ProgramOutput {
    let child = try Child(executable, arguments, in: directory, environment: environment, timeout: timeout)
    let out = PipeDrain(child.stdout)
    let errors = PipeDrain(child.stderr)
    return { child.finish(stdout: out.wait(), stderr: errors.wait()) }
}

/// Starts `process` with no signal blocked, as a shell would. The test runner's worker threads block nearly every
/// signal and a child inherits its spawning thread's mask: without this, SIGTERM would never reach a child, a program
/// that waits for SIGCHLD (Python's multiprocessing pool) would hang, and SIGXFSZ would not kill.
public func launch(_ process: Process) throws {
    var none = sigset_t()
    var saved = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    // One launch at a time: Foundation's Process.run crashed once (a bad read in memmove inside run) while the suite
    // started children from many threads at once. Starting a child takes a millisecond; the children still run
    // side by side.
    try launching.withLock { _ in try process.run() }
}

private let launching = Mutex(())

/// A program ready to `launch`, so every child of the tests is set up alike: its arguments, working directory (nil:
/// the test runner's) and environment (nil: the test runner's).
func configuredProcess(_ executable: String, _ arguments: [String], in directory: String?, environment: [String: String]?) -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let environment { p.environment = environment }
    return p
}

/// A started program, its output pipes, and the watchdog that kills it when it runs too long.
private struct Child {
    let process: Process
    let stdout: FileHandle
    let stderr: FileHandle
    let watchdog: DispatchWorkItem?

    init(
        _ executable: String, _ arguments: [String], in directory: String?, environment: [String: String]?,
        timeout: Double?
    ) throws {
        let p = configuredProcess(executable, arguments, in: directory, environment: environment)
        let outPipe = Pipe()
        let errPipe = Pipe()
        p.standardOutput = outPipe
        p.standardError = errPipe
        p.standardInput = FileHandle.nullDevice
        try launch(p)
        process = p
        stdout = outPipe.fileHandleForReading
        stderr = errPipe.fileHandleForReading
        if let timeout {
            let box = ProcessBox(p)
            // SIGKILL: a hung process must not be able to ignore it.
            let w = DispatchWorkItem { if box.process.isRunning { kill(box.process.processIdentifier, SIGKILL) } }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: w)
            watchdog = w
        } else {
            watchdog = nil
        }
    }

    /// Waits for the exit, once both pipes have been read to their end.
    func finish(stdout: Data, stderr: Data) -> ProgramOutput {
        process.waitUntilExit()
        watchdog?.cancel()
        return ProgramOutput(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

/// Collects a pipe's bytes on another thread: reading stdout and stderr one after the other could deadlock once the
/// unread pipe's buffer fills.
private final class PipeDrain: @unchecked Sendable {
    // @unchecked: `data` is only touched under `lock`.
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            let d = handle.readDataToEndOfFile()
            self.lock.withLock { self.data = d }
            self.done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return lock.withLock { data }
    }
}

/// Holds a running Process for the watchdog closure.
private final class ProcessBox: @unchecked Sendable {
    // @unchecked: Process is thread-safe for isRunning and processIdentifier.
    let process: Process
    init(_ p: Process) { process = p }
}
