import Foundation
import HosoCore
import HosoKit

/// A fresh directory per test, removed when the test ends.
final class TempDir {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.path + "/hoso-kit-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ rel: String, _ bytes: [UInt8]) -> String {
        let p = path + "/" + rel
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    @discardableResult
    func write(_ rel: String, _ text: String) -> String { write(rel, Array(text.utf8)) }
}

let fixedClock = HosoClock.fixed(HosoClock.parse("2019-05-01T08:00:00Z")!)

func noise(_ count: Int, seed: UInt64 = 0x9E3779B97F4A7C15) -> [UInt8] {
    var x = seed
    var out = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        x ^= x << 13
        x ^= x >> 7
        x ^= x << 17
        out[i] = UInt8(truncatingIfNeeded: x)
    }
    return out
}

func flipByte(at offset: Int, in path: String) throws {
    chmod(path, 0o644)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[offset] ^= 0x01
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// A small tree like a registrar's folder: records, scans, a nested directory, a Vietnamese name.
func sampleTree(in dir: TempDir) -> String {
    for i in 0..<12 {
        dir.write("input/records/entry-\(i).json", "{\"stt\": \(i), \"ho_va_ten\": \"Nguyễn Thị Hoa \(i)\", \"nam\": 2019}\n")
    }
    dir.write("input/scans/page-1.png", noise(300_000, seed: 1))
    dir.write("input/scans/page-2.pgm", [UInt8](repeating: 0xFF, count: 200_000))
    // Decomposed (NFD) on purpose: the name must be stored in NFC.
    dir.write("input/so\u{0302}\u{0309} go\u{0302}\u{0301}c.txt", "sổ gốc")
    return dir.path + "/input"
}

/// Runs a program to completion and returns its exit status. The child gets an empty signal mask: test-runner
/// threads block most signals and a child inherits that, which hangs programs that wait for SIGCHLD
/// (Python's multiprocessing pool in tools/gen-district did).
@discardableResult
func runProgram(_ path: String, _ args: [String], quiet: Bool = true) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if quiet { p.standardOutput = FileHandle.nullDevice }
    var none = sigset_t(), saved = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}
