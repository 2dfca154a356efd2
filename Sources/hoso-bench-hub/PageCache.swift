import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The operating system's page cache, for lookups measured as on machines of their own. This one machine holds the
/// primary, the standby and the SQLite reference, together more than its memory at 10 million entries; a real
/// standby has its memory to itself. So before one store's lookups, the other stores' files are dropped from the
/// cache (`posix_fadvise(DONTNEED)`, after `sync`) and that store's own files read once (warm, as a server that has
/// been answering for a while).
enum PageCache {
    /// Regular files under `paths` (a file or a directory, recursively).
    static func files(_ paths: [String]) -> [String] {
        var out = [String]()
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { continue }
            if !isDir.boolValue {
                out.append(p)
                continue
            }
            guard let e = fm.enumerator(atPath: p) else { continue }
            while let rel = e.nextObject() as? String {
                let full = p + "/" + rel
                var d: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue { out.append(full) }
            }
        }
        return out
    }

    /// Drops the files under `paths` from the page cache (written back first); returns their bytes.
    @discardableResult
    static func drop(_ paths: [String]) -> Int {
        sync()
        var bytes = 0
        for f in files(paths) {
            let fd = open(f, O_RDONLY | O_CLOEXEC)
            if fd < 0 { continue }
            var st = stat()
            if fstat(fd, &st) == 0 { bytes += Int(st.st_size) }
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            close(fd)
        }
        return bytes
    }

    /// Reads the files under `paths` once, so they are in the page cache; returns their bytes.
    @discardableResult
    static func warm(_ paths: [String]) -> Int {
        var bytes = 0
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        for f in files(paths) {
            let fd = open(f, O_RDONLY | O_CLOEXEC)
            if fd < 0 { continue }
            while true {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                bytes += n
            }
            close(fd)
        }
        return bytes
    }
}
