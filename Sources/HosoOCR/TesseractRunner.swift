import CHosoSys
import Foundation
import HosoCore

#if canImport(Glibc)
import Glibc
#endif

/// The `tesseract` command line, run as a child with a wall-clock deadline (killed past it), a CPU limit, an empty
/// signal mask (test threads block signals and a child inherits the mask) and its output bounded.
struct TesseractRunner: Sendable {
    let executable: String
    let environment: [String]
    let memoryBytes: Int

    /// A word Tesseract read: the image it is on (1… in a list of images), its box on that image, its confidence
    /// (0–100) and its text.
    struct Word: Sendable {
        var page: Int
        var left: Int
        var top: Int
        var width: Int
        var height: Int
        var confidence: Double
        var text: String
    }

    struct Outcome {
        var status: Int32
        var timedOut: Bool
        var output: [UInt8]
        var exitedCleanly: Bool { !timedOut && status & 0x7f == 0 && (status >> 8) & 0xff == 0 }
    }

    static let maxOutput = 1 << 20

    /// `executable` given, or the first `tesseract` on the PATH of `environment`.
    static func locate(_ executable: String?, environment: [String: String]) -> String? {
        if let executable { return access(executable, X_OK) == 0 ? executable : nil }
        for dir in (environment["PATH"] ?? "").split(separator: ":") where !dir.isEmpty {
            let candidate = String(dir) + "/tesseract"
            var st = stat()
            if stat(candidate, &st) == 0, st.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    func run(_ arguments: [String], wallMs: Int) throws -> Outcome {
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw HosoError.fromErrno(errno, path: "/dev/null", action: .both("chạy tesseract", "running tesseract")) }
        defer { close(input) }
        var out = [UInt8](repeating: 0, count: Self.maxOutput)
        var result = hoso_child_result()
        let cpuSeconds = max(1, (wallMs + 999) / 1000 + 1)
        let (rc, err) = withCStrings([executable] + arguments) { argv in
            withCStrings(environment) { envp in
                out.withUnsafeMutableBufferPointer { o in
                    let rc = hoso_run_limited(
                        executable, argv, envp, input, cpuSeconds, memoryBytes, 0, max(1, wallMs), o.baseAddress, o.count, &result)
                    return (rc, errno)
                }
            }
        }
        guard rc == 0 else {
            throw HosoError(
                .ocrEngineFailed, .both("Không chạy được chương trình nhận dạng chữ", "Cannot start the text recognition program"),
                location: executable, cause: errnoDescription(err))
        }
        guard result.overflowed == 0 else {
            throw HosoError(
                .ocrEngineFailed, .both("Chương trình nhận dạng chữ trả lời quá dài", "The text recognition program answered too much"),
                location: executable)
        }
        return Outcome(status: result.status, timedOut: result.timed_out != 0, output: Array(out[0..<result.out_len]))
    }

    /// Tesseract's TSV: one line per page, block, paragraph, line and word; words are level 5.
    static func words(tsv: [UInt8]) -> [Word]? {
        guard let text = String(validating: tsv, as: UTF8.self) else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first, header.hasPrefix("level") else { return nil }
        lines.removeFirst()
        var words: [Word] = []
        for line in lines {
            let f = line.split(separator: "\t", maxSplits: 11, omittingEmptySubsequences: false)
            guard f.count == 12, f[0] == "5", let page = Int(f[1]), let left = Int(f[6]), let top = Int(f[7]), let width = Int(f[8]),
                let height = Int(f[9]), let conf = Double(f[10])
            else { continue }
            let word = f[11].trimmingCharacters(in: .whitespacesAndNewlines)
            if word.isEmpty { continue }
            words.append(Word(page: page, left: left, top: top, width: width, height: height, confidence: conf, text: word))
        }
        return words
    }

    /// A NULL-terminated array of C strings for `execve`, alive during `body`.
    private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let c = strings.map { strdup($0) } + [nil]
        defer { for p in c { free(p) } }
        return c.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
