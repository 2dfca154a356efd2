import Foundation
import HosoCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ObjectStore {
    /// Reads one input file into a staged object, and proves the file did not change meanwhile:
    /// same size and modification time before and after, and exactly that many bytes read.
    package func stage(file f: InputFile, kind: ObjectKind, tick: @Sendable (UInt64, Int) -> Void) throws -> StagedObject {
        let readAction = LocalizedText.both("đọc tệp", "reading the file")
        let input: FileHandleFD
        do {
            input = try FileHandleFD.open(f.sourcePath, flags: O_RDONLY, action: readAction)
        } catch let e as HosoError {
            throw HosoError(.inputUnreadable, .both("Không đọc được tệp", "Cannot read the file"), location: f.sourcePath, cause: e.cause)
        }
        let changed = HosoError(
            .inputChanged,
            .both(
                "Tệp đã thay đổi trong khi đang đọc; không lưu gì từ tệp này",
                "The file changed while it was being read; nothing of it was stored"),
            location: f.sourcePath)
        func same(_ st: stat) -> Bool {
            UInt64(st.st_size) == f.size && st.st_mtim.tv_sec == f.mtimeSec && st.st_mtim.tv_nsec == f.mtimeNsec
        }
        guard let before = try? input.stat(), same(before) else { throw changed }
        let staged: StagedObject
        do {
            staged = try stage(kind: kind, expectedSize: f.size, sourceName: f.sourcePath) { buf in
                do {
                    let n = try input.read(into: buf)
                    tick(UInt64(n), 0)
                    return n
                } catch let e as Errno {
                    throw HosoError(
                        .inputUnreadable, .both("Lỗi khi đọc tệp", "Error while reading the file"),
                        location: f.sourcePath, cause: errnoDescription(e.code))
                }
            }
        }
        guard let after = try? input.stat(), same(after) else {
            discard([staged])
            throw changed
        }
        tick(0, 1)
        return staged
    }
}
