import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A server program (`hoso serve`, `sync serve`, `tsa serve`) running as a child process, and the address it
/// announced: started with `--port 0`, only the server knows its port, so the tests read it from its output.
public struct ServerProcess {
    /// The running server.
    public let process: Process
    /// The address as announced, `http://127.0.0.1:PORT` with the `/` after it when the server printed one.
    public let url: String

    /// The server did not announce an address: its output ended first (it stopped, or printed something else).
    public struct NoAddress: Error, CustomStringConvertible {
        /// All it wrote to stdout.
        public var output: String
        public var description: String { "the server ended its output without announcing an address: \(output)" }
    }

    /// Starts `executable` (as `launch` does, its stderr thrown away) and reads its stdout until a whole line
    /// holds the address, or the output ends (then it is stopped and `NoAddress` thrown): no deadline, since a busy
    /// machine may start slowly. `environment` nil: the test runner's.
    public init(
        _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil
    ) throws {
        let p = configuredProcess(executable, arguments, in: directory, environment: environment)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try launch(p)
        var buffer = Data()
        var found: String?
        while found == nil {
            let chunk = out.fileHandleForReading.availableData
            let ended = chunk.isEmpty
            buffer.append(chunk)
            // Only complete lines until the end: a chunk may stop in the middle of the port.
            let text = String(decoding: buffer, as: UTF8.self)
            let complete = ended ? text[...] : text[..<(text.lastIndex(of: "\n") ?? text.startIndex)]
            if let m = complete.firstMatch(of: /http:\/\/127\.0\.0\.1:[0-9]+\/?/) { found = String(m.output) }
            if ended { break }
        }
        guard let found else {
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            throw NoAddress(output: String(decoding: buffer, as: UTF8.self))
        }
        process = p
        url = found
    }
}
