import HosoCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on the archive. Every command holds it shared; work that must be alone
/// (removing leftover temporary files, swapping in a rebuilt index) takes it exclusive.
public final class ArchiveLock: Sendable {
    private let fd: Int32

    public enum Mode: Sendable { case shared, exclusive }

    /// Takes the lock, waiting for it unless `wait` is false, in which case it fails with `busy`. A reader
    /// (`readOnly`) opens the file without writing it, so it can lock an archive on a read-only medium; where the file
    /// cannot even be opened there (a medium nobody can write has no writer to wait for), it holds no lock.
    public init(path: String, mode: Mode, wait: Bool, readOnly: Bool = false) throws {
        var fd = readOnly ? open(path, O_RDONLY | O_CLOEXEC) : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 && readOnly && errno == ENOENT {
            // No lock file (an archive copied without it): made where it can be, as a writer would; a medium nobody
            // can write has no writer to exclude.
            guard Self.canWrite(parentDirectory(of: path)) else {
                self.fd = -1
                return
            }
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        }
        if fd < 0 {
            throw HosoError.fromErrno(errno, path: path, action: LocalizedText(vi: "mở tệp khoá", en: "opening the lock file"))
        }
        var op = mode == .shared ? LOCK_SH : LOCK_EX
        if !wait { op |= LOCK_NB }
        while flock(fd, op) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                throw HosoError(
                    .busy,
                    LocalizedText(
                        vi: "Kho đang được một tiến trình hoso khác dùng",
                        en: "The archive is in use by another hoso process"),
                    location: path)
            }
            throw HosoError.fromErrno(code, path: path, action: LocalizedText(vi: "khoá kho", en: "locking the archive"))
        }
        self.fd = fd
    }

    private static func canWrite(_ dir: String) -> Bool { access(dir, W_OK) == 0 }

    /// Tries to upgrade to exclusive without waiting; returns false if someone else holds it.
    public func tryExclusive() -> Bool { fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 }

    /// Upgrades to exclusive, waiting for other holders to finish.
    public func waitExclusive() throws {
        guard fd >= 0 else {
            throw HosoError.fromErrno(EROFS, path: "lock", action: LocalizedText(vi: "khoá kho", en: "locking the archive"))
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            throw HosoError.fromErrno(errno, path: "lock", action: LocalizedText(vi: "khoá kho", en: "locking the archive"))
        }
    }

    public func downgradeToShared() { if fd >= 0 { _ = flock(fd, LOCK_SH) } }

    deinit { if fd >= 0 { close(fd) } }
}
