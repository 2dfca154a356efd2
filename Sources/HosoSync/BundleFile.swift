import Foundation
import HosoCore
import HosoPrimitives
import HosoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension BundleFormat {
    /// Writes a bundle to `path` whole or not at all: into a temporary file beside it, synced, renamed into place,
    /// and the directory synced. Objects for which `storeOnly` is true (the store found them not worth compressing:
    /// scans) go in stored gzip blocks, which is fast. Returns the file's size.
    package static func writeFile(
        _ path: String, compress: Bool, header: BundleHeader, objects: [BundleObject], at date: Date,
        sign: ([UInt8]) throws -> [UInt8], storeOnly: (BundleObject) throws -> Bool,
        content: (BundleObject, any ByteSink) throws -> Void
    ) throws -> UInt64 {
        let dir = parentDirectory(of: path)
        let tmp = dir + "/.hoso-bundle-" + randomTempName()
        let action = LocalizedText.both("ghi gói", "writing the bundle")
        do {
            let handle = try FileHandleFD.open(tmp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644, action: action)
            let file = FileSink(handle: handle)
            let gz = compress ? try GzipSink(file, level: 1) : nil
            try write(
                to: gz ?? file, header: header, objects: objects, mtime: Int(date.timeIntervalSince1970), sign: sign,
                content: { o, out in
                    try gz?.setLevel(try storeOnly(o) ? 0 : 1)
                    try content(o, out)
                })
            try gz?.finish()
            do { try handle.sync() } catch let e as Errno { throw HosoError.fromErrno(e.code, path: path, action: action) }
            if rename(tmp, path) != 0 { throw HosoError.fromErrno(errno, path: path, action: action) }
            try fsyncDirectory(dir)
            return file.written
        } catch {
            _ = unlink(tmp)
            throw error
        }
    }
}

extension BundleReader {
    /// Reads the payload of a bundle imported before, only to check it is still sound (each object's digest against
    /// its name); keeps nothing.
    package func recheckPayload() throws {
        try readPayload { _, tar in
            let hasher = SHA256()
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = try buf.withUnsafeMutableBytes { try tar.readBodyChunk(into: $0) }
                if n == 0 { break }
                buf.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
            return ObjectID(digest: hasher.finalize())
        }
    }
}
