import Foundation

/// A fresh directory per test, removed when the test ends.
final class TempDir {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.path + "/hoso-signing-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs a program to completion; returns its exit status and what it wrote (stdout and stderr together).
/// The child gets an empty signal mask: test-runner threads block most signals and a child inherits that, which
/// hangs programs that wait for SIGCHLD (the pattern of `runProgram` in HosoKitTests/Support.swift).
@discardableResult
func runProgram(_ path: String, _ args: [String], in dir: String? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    var none = sigset_t(), saved = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &saved)
    do {
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try p.run()
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The real OpenSSL command line, to cross-check what hoso writes.
@discardableResult
func openssl(_ args: String..., in dir: String) throws -> (status: Int32, output: String) {
    try runProgram("/usr/bin/openssl", args, in: dir)
}
