import CHosoSys
import Foundation
import HosoKit

#if canImport(Glibc)
import Glibc
#endif

/// Checking an upload in a child `hoso internal-check` process: a parser bug that traps, loops or allocates without
/// end costs that child, never the server. The child reads the upload on stdin and writes one `ChildAnswer` (JSON)
/// on stdout; anything else (a signal, an exit code, no or bad JSON) is "the file could not be checked".
public enum ChildCheck {
    /// What the child checks: a copy's PDF (with the archive) or a QR photo (the QR code's text only).
    public enum Kind: String, Sendable, CaseIterable {
        case pdf
        case qrImage = "qr-image"
    }

    /// The child's answer: a report, a QR code's text, or the caller's error (an unreadable photo, no QR code).
    public struct Answer: Codable, Sendable {
        public var report: PublicReport?
        public var text: String?
        public var error: Problem?
    }

    public struct Problem: Codable, Sendable {
        public var code: String
        public var vi: String
        public var en: String
    }

    /// The largest answer read from a child; a report is a few kilobytes.
    static let maxAnswer = 1 << 20

    /// The child's side: checks `input` and returns the answer to print. Caller errors go into the answer; any other
    /// failure is thrown (the child then exits non-zero and the server says the file could not be checked).
    public static func answer(kind: Kind, input: [UInt8], archivePath: String, now: Date, opened: Archive? = nil) throws -> Data {
        var answer = Answer()
        do {
            switch kind {
            case .pdf:
                let archive = try opened ?? Archive.open(at: archivePath, clock: .fixed(now), access: .readOnly)
                answer.report = try Verification.pdf(input, archive: archive)
            case .qrImage:
                answer.text = try Verification.qrText(fromImage: input)
            }
        } catch let e as HosoError where e.category.isCallerFault {
            answer.error = Problem(code: e.code.rawValue, vi: e.message.vi, en: e.message.en)
        }
        return try JSONEncoder().encode(answer)
    }

    /// Swift's crash reporter would spend seconds on a backtrace nobody reads. On the hub, where the archive is.
    static func environment(_ limits: PublicLimits) -> [String] {
        ["SWIFT_BACKTRACE=enable=no", "HOSO_LANG=vi"] + (limits.checkDatabase.map { ["\(databaseVariable)=\($0)"] } ?? [])
    }

    /// The environment variable naming the hub's database to a child (`PublicLimits.checkDatabase`).
    public static let databaseVariable = "HOSO_CHECK_DATABASE"

    /// The server's side: runs `checker internal-check` on `bytes` under `limits` (in a spare child when there are
    /// spares) and reads its answer.
    static func run(
        _ kind: Kind, bytes: [UInt8], limits: PublicLimits, checker: String, archivePath: String, now: Date, spares: SpareChildren? = nil
    ) throws -> Answer {
        var out = [UInt8](repeating: 0, count: maxAnswer)
        var result = hoso_child_result()
        let wallMs = Int(max(0, limits.checkTimeout) * 1000)
        if let spares {
            // The upload goes to a private file; the spare is told when "now" is and where the file is.
            let (dir, path) = try privateFile(bytes)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let child = try spares.take(kind)
            let line = Array("\(HosoClock.format(now)) \(path)\n".utf8)
            _ = line.withUnsafeBytes { send(child.toChild, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(child.toChild)
            out.withUnsafeMutableBufferPointer { o in
                hoso_finish_limited(child.pid, child.fromChild, wallMs, o.baseAddress, o.count, &result)
            }
        } else {
            let input = try inputDescriptor(bytes)
            defer { close(input) }
            let argv = [
                checker, "internal-check", "--kind", kind.rawValue, "--archive", archivePath, "--now", HosoClock.format(now),
            ]
            let (rc, err) = withCStrings(argv) { a in
                withCStrings(environment(limits)) { e in
                    out.withUnsafeMutableBufferPointer { o in
                        let rc = hoso_run_limited(
                            checker, a, e, input, limits.checkCPUSeconds, limits.checkMemoryBytes,
                            Int32(kind == .qrImage ? limits.photoNice : limits.checkNice), wallMs, o.baseAddress, o.count, &result)
                        return (rc, errno)  // before free() may change it
                    }
                }
            }
            guard rc == 0 else { throw failed("cannot start \(checker): errno \(err)") }
        }
        return try read(result, out, limits: limits)
    }

    /// The child's answer, or why there is none.
    static func read(_ result: hoso_child_result, _ out: [UInt8], limits: PublicLimits) throws -> Answer {
        let status = result.status
        if result.timed_out != 0 { throw failed("killed after \(limits.checkTimeout) s") }
        if result.overflowed != 0 { throw failed("answer over \(maxAnswer) bytes") }
        // WIFSIGNALED/WEXITSTATUS are macros: the low 7 bits are the signal, the next 8 the exit code.
        if status & 0x7f != 0 { throw failed("killed by signal \(status & 0x7f)") }
        if (status >> 8) & 0xff != 0 { throw failed("exit code \((status >> 8) & 0xff)") }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(out[0..<result.out_len])),
            answer.report != nil || answer.text != nil || answer.error != nil
        else { throw failed("no answer (\(result.out_len) bytes)") }
        if let p = answer.error { throw HosoError(HosoError.Code(p.code, .badInput), .both(p.vi, p.en)) }
        return answer
    }

    static func failed(_ cause: String) -> HosoError {
        HosoError(
            .publicCheckFailed,
            .both(
                "Không kiểm tra được tệp này. Hãy thử lại với tệp khác, hoặc kiểm tra bằng số bản sao in trên giấy.",
                "The file could not be checked. Try another file, or check with the copy number printed on the paper."),
            cause: cause)
    }

    /// The upload in a new folder only this user may read: (folder, file).
    static func privateFile(_ bytes: [UInt8]) throws -> (String, String) {
        let dir = FileManager.default.temporaryDirectory.path + "/hoso-check-" + ((try? SecureRandom.token(bytes: 12)) ?? "x")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let path = dir + "/upload"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            try? FileManager.default.removeItem(atPath: dir)
            throw HosoError(.ioError, .both("Không ghi được tệp tạm", "Cannot write a temporary file"))
        }
        return (dir, path)
    }

    /// The upload as a file the child reads from its stdin; the file is gone from the disk before the child starts.
    static func inputDescriptor(_ bytes: [UInt8]) throws -> Int32 {
        let (dir, path) = try privateFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HosoError(.ioError, .both("Không đọc được tệp tạm", "Cannot read a temporary file")) }
        return fd
    }

    /// A NULL-terminated array of C strings for `execve`, alive during `body`.
    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let c = strings.map { strdup($0) } + [nil]
        defer { for p in c { free(p) } }
        return c.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
