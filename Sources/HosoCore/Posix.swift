#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text of an errno value, e.g. "errno 28: No space left on device".
public func errnoDescription(_ code: Int32) -> String {
    "errno \(code): " + String(cString: strerror(code))
}

extension HosoError {
    /// Maps a failed system call to the error a person can act on: a full disk, a size limit,
    /// a permission problem, or a generic I/O error; all name the file.
    public static func fromErrno(_ code: Int32, path: String, action: LocalizedText) -> HosoError {
        switch code {
        case ENOSPC, EDQUOT:
            return HosoError(
                .diskFull,
                LocalizedText(
                    vi: "Hết chỗ trên đĩa khi \(action.vi)",
                    en: "No space left on the disk while \(action.en)"),
                location: path, cause: errnoDescription(code))
        case EFBIG:
            return HosoError(
                .fileTooLarge,
                LocalizedText(
                    vi: "Vượt giới hạn kích thước tệp khi \(action.vi)",
                    en: "File size limit exceeded while \(action.en)"),
                location: path, cause: errnoDescription(code))
        case EACCES, EPERM, EROFS:
            return HosoError(
                .archiveUnwritable,
                LocalizedText(
                    vi: "Không có quyền khi \(action.vi)",
                    en: "Permission denied while \(action.en)"),
                location: path, cause: errnoDescription(code))
        default:
            return HosoError(
                .ioError,
                LocalizedText(
                    vi: "Lỗi vào/ra khi \(action.vi)",
                    en: "I/O error while \(action.en)"),
                location: path, cause: errnoDescription(code))
        }
    }
}
