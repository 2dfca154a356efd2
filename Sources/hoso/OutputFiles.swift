import Foundation
import HosoKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HosoError.Code {
    /// The archive did the work, but its output file could not be written: the work stands and must not be repeated.
    static let outputNotWritten = Self("OUTPUT_NOT_WRITTEN", .io)
}

/// Output files (`--out`) are written the way the store writes objects: beside the target, synced, renamed into place
/// and the directory synced, so a crash leaves the old file or the whole new one, never half of it; a failure keeps its
/// cause (a full disk, a read-only medium, a permission), not a bare "cannot write".
func writeOutput(_ path: String, _ bytes: [UInt8]) throws {
    try writeFileAtomically(bytes, to: path, tmpDir: parentDirectory(of: path))
}

/// Refuses, before any work is done, an output path that cannot be written: a missing or read-only folder, no
/// permission, or a folder in the file's place. Checked first so that a copy is not numbered for a file that fails.
func checkOutputPath(_ path: String) throws {
    let action = LocalizedText(vi: "chuẩn bị ghi tệp ra", en: "preparing the output file")
    var st = stat()
    if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
        throw HosoError(
            .outputNotWritten, .both("Tệp ra là một thư mục; hãy ghi tên tệp", "The output is a folder; give a file name"),
            location: path)
    }
    let dir = parentDirectory(of: path)
    if access(dir, W_OK) != 0 { throw HosoError.fromErrno(errno, path: dir, action: action) }
}

/// Writes the output of work the archive has already committed. If that fails, the work still stands: the error says
/// so, and how to write the file again, so that nobody repeats the work (a second copy number, a second answer).
func writeCommittedOutput(_ path: String, _ bytes: [UInt8], done: LocalizedText, again: String) throws {
    do { try writeOutput(path, bytes) } catch let e as HosoError {
        var failed = HosoError(
            .outputNotWritten,
            .both(
                "\(done.vi); chỉ tệp ra chưa ghi được (\(e.message.vi)). Ghi lại tệp bằng: \(again)",
                "\(done.en); only the output file could not be written (\(e.message.en)). Write it again with: \(again)"),
            location: path, cause: e.cause)
        failed.tookEffect = true
        throw failed
    }
}

/// `hoso cat ID -o FILE`: how to write an object that is in the archive out again.
func catCommand(_ id: String, _ path: String) -> String { "hoso cat \(id) -o \(path)" }
