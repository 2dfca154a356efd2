import Foundation
import HosoCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file chosen for adding, with what we saw of it before reading.
package struct InputFile: Sendable {
    /// The path as the user reached it (argument + relative path), for messages.
    package var sourcePath: String
    /// The name recorded in the manifest: the argument's last component plus the path below it, NFC.
    package var name: String
    package var realPath: String
    package var size: UInt64
    package var mtimeSec: Int
    package var mtimeNsec: Int
}

/// Walks the arguments of `hoso add` and collects every file, or every problem: missing or unreadable
/// files and directories, symlink loops, the same file reached twice, special files, paths inside the
/// archive. Nothing is read beyond metadata and an open check.
package struct InputWalker {
    package let archiveRealPath: String
    package private(set) var files: [InputFile] = []
    package private(set) var problems: [HosoError] = []
    private var seen: [String: String] = [:]  // real path -> source path first seen

    package init(archiveRealPath: String) {
        self.archiveRealPath = archiveRealPath
    }

    package mutating func walk(_ arguments: [String]) {
        for arg in arguments {
            guard let real = realPath(arg) else {
                visitMissing(arg)
                continue
            }
            if real == archiveRealPath || real.hasPrefix(archiveRealPath + "/") {
                problems.append(
                    HosoError(
                        .inputInsideArchive,
                        .both("Đường dẫn nằm trong chính kho lưu trữ", "The path is inside the archive itself"),
                        location: arg))
                continue
            }
            // "." and ".." name the directory they resolve to; "/" has no name of its own.
            let given = lastComponent(arg)
            let base = real == "/" ? "root" : (given == "." || given == ".." || given == "/" ? lastComponent(real) : given)
            visit(path: arg, name: nfc(base), ancestors: [])
        }
    }

    private mutating func visitMissing(_ path: String) {
        var st = stat()
        if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
            var st2 = stat()
            if stat(path, &st2) != 0 && errno == ELOOP {
                problems.append(loop(path))
                return
            }
            problems.append(
                HosoError(
                    .inputNotFound,
                    .both(
                        "Liên kết tượng trưng trỏ tới nơi không tồn tại",
                        "Symbolic link points to nothing"), location: path))
            return
        }
        let code = errno
        if code == ELOOP {
            problems.append(loop(path))
        } else if code == ENOENT || code == ENOTDIR {
            problems.append(
                HosoError(
                    .inputNotFound, .both("Không tìm thấy tệp hoặc thư mục", "No such file or directory"),
                    location: path))
        } else {
            problems.append(
                HosoError(
                    .inputUnreadable, .both("Không đọc được", "Cannot be read"),
                    location: path, cause: errnoDescription(code)))
        }
    }

    private func loop(_ path: String) -> HosoError {
        HosoError(.symlinkLoop, .both("Vòng lặp liên kết tượng trưng", "Symbolic link loop"), location: path)
    }

    private mutating func visit(path: String, name: String, ancestors: Set<String>) {
        var st = stat()
        // stat follows links: a loop shows up as ELOOP, a dangling link as ENOENT.
        if stat(path, &st) != 0 {
            visitMissing(path)
            return
        }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            let key = "\(st.st_dev):\(st.st_ino)"
            if ancestors.contains(key) {
                problems.append(
                    HosoError(
                        .symlinkLoop,
                        .both(
                            "Liên kết tượng trưng tạo vòng lặp thư mục (trỏ về thư mục cha)",
                            "Symbolic link makes a directory loop (points to a parent)"),
                        location: path))
                return
            }
            if let real = realPath(path), real == archiveRealPath { return }  // never add the archive into itself
            let names: [String]
            do { names = try listDirectory(path) } catch let e as HosoError {
                problems.append(
                    HosoError(
                        .inputUnreadable, .both("Không đọc được thư mục", "Cannot read the directory"),
                        location: path, cause: e.cause))
                return
            } catch {
                return
            }
            var inner = ancestors
            inner.insert(key)
            for child in names {
                visit(path: path + "/" + child, name: name + "/" + nfc(child), ancestors: inner)
            }
        case S_IFREG:
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                problems.append(
                    HosoError(
                        .inputUnreadable, .both("Không đọc được tệp", "Cannot read the file"),
                        location: path, cause: errnoDescription(errno)))
                return
            }
            close(fd)
            let real = realPath(path) ?? path
            if let first = seen[real] {
                problems.append(
                    HosoError(
                        .duplicatePath,
                        .both(
                            "Cùng một tệp được chỉ ra hai lần (cũng là \(first))",
                            "The same file is named twice (also as \(first))"),
                        location: path))
                return
            }
            seen[real] = path
            files.append(
                InputFile(
                    sourcePath: path, name: name, realPath: real, size: UInt64(st.st_size),
                    mtimeSec: st.st_mtim.tv_sec, mtimeNsec: st.st_mtim.tv_nsec))
        default:
            problems.append(
                HosoError(
                    .inputNotRegular,
                    .both(
                        "Không phải tệp thường (FIFO, socket hay thiết bị)",
                        "Not a regular file (a FIFO, socket or device)"),
                    location: path))
        }
    }
}

package func realPath(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
}

package func lastComponent(_ path: String) -> String {
    let parts = path.split(separator: "/")
    return parts.last.map(String.init) ?? path
}

/// Vietnamese names arrive precomposed or decomposed; NFC is the one form we store and compare.
package func nfc(_ s: String) -> String { s.precomposedStringWithCanonicalMapping }
