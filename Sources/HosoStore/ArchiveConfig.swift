import Foundation
import HosoCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file at the root of every archive; its presence is what makes a directory an archive.
package struct ArchiveConfig: Codable {
    package static let fileName = "hoso-archive.json"
    var format = "hoso-archive"
    var version = 1
    var createdAt: String

    /// Lays out a new archive in `path` (absent or an empty directory): `objects/` with its shards, `tmp/`, and the
    /// config file, written last, so a directory without it is not an archive yet.
    package static func create(at path: String, createdAt: String) throws {
        let action = LocalizedText.both("tạo kho", "creating the archive")
        var st = stat()
        if stat(path, &st) == 0 {
            if access(path + "/" + ArchiveConfig.fileName, F_OK) == 0 {
                throw HosoError(.archiveExists, .both("Đã có kho lưu trữ ở đây", "An archive already exists here"), location: path)
            }
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw HosoError(
                    .archiveNotEmpty, .both("Đường dẫn đã có và không phải thư mục", "The path exists and is not a directory"),
                    location: path)
            }
            if !(try listDirectory(path)).isEmpty {
                throw HosoError(
                    .archiveNotEmpty,
                    .both(
                        "Thư mục không trống; hãy chọn thư mục trống hoặc chưa có",
                        "The directory is not empty; choose an empty or new one"),
                    location: path)
            }
        } else if mkdir(path, 0o755) != 0 {
            throw HosoError.fromErrno(errno, path: path, action: action)
        }
        for sub in ["objects", "tmp"] where mkdir(path + "/" + sub, 0o755) != 0 && errno != EEXIST {
            throw HosoError.fromErrno(errno, path: path + "/" + sub, action: action)
        }
        try ObjectStore(root: path).makeShardDirectories()
        let config = ArchiveConfig(createdAt: createdAt)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        let bytes = Array(try enc.encode(config)) + [0x0A]
        // The config file is written last: a directory without it is not an archive yet.
        try fsyncDirectory(path)
        try writeFileAtomically(bytes, to: path + "/" + ArchiveConfig.fileName, tmpDir: path + "/tmp")
        try fsyncDirectory(parentDirectory(of: path))
    }

    /// Checks that `path` is an archive this version reads: the config file and the directories the store needs.
    package static func check(at path: String) throws {
        let configPath = path + "/" + ArchiveConfig.fileName
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw HosoError(
                .archiveNotFound,
                .both(
                    "Không tìm thấy kho lưu trữ; tạo mới bằng `hoso init \(path)` hoặc chỉ đường dẫn bằng --archive",
                    "No archive found; create one with `hoso init \(path)` or point to one with --archive"),
                location: path)
        }
        let config: ArchiveConfig
        do { config = try JSONDecoder().decode(ArchiveConfig.self, from: data) } catch {
            throw HosoError(
                .archiveFormat, .both("Tệp cấu hình kho không đọc được", "The archive's configuration file is unreadable"),
                location: configPath, cause: "\(error)")
        }
        guard config.format == "hoso-archive", config.version == 1 else {
            throw HosoError(
                .archiveFormat, .both("Phiên bản kho không được hỗ trợ", "Unsupported archive version"),
                location: configPath, cause: "\(config.format) \(config.version)")
        }
        for sub in ["objects", "tmp"] {
            var st = stat()
            if stat(path + "/" + sub, &st) != 0 || (st.st_mode & S_IFMT) != S_IFDIR {
                throw HosoError(
                    .archiveDamaged, .both("Kho thiếu thư mục \(sub)/", "The archive lacks its \(sub)/ directory"),
                    location: path)
            }
        }
    }
}
