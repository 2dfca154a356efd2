import Foundation

/// A file larger than a reader's budget: its size, so the caller can say so.
package struct FileTooLarge: Error, Sendable {
    package let size: Int
}

/// Reads a whole file of at most `limit` bytes. It stops reading one byte past the limit, so a huge or endless file
/// (a FIFO, /dev/zero) costs only the budget. Other failures (missing, unreadable) are Foundation's errors.
package func readFile(_ path: String, limit: Int) throws -> [UInt8] {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var bytes = [UInt8]()
    while bytes.count <= limit {
        guard let chunk = try handle.read(upToCount: min(1 << 20, limit + 1 - bytes.count)), !chunk.isEmpty else { break }
        bytes += chunk
    }
    guard bytes.count <= limit else {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? bytes.count
        throw FileTooLarge(size: max(size, bytes.count))
    }
    return bytes
}
