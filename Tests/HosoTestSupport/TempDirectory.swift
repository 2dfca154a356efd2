import Foundation

/// A fresh directory, removed with everything in it when the value goes away.
public final class TempDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Makes `$TMPDIR/hoso-<label>-<UUID>`.
    public init(_ label: String = "test") {
        path = FileManager.default.temporaryDirectory.path + "/hoso-\(label)-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `rel` (parent directories made as needed) and returns the file's path.
    @discardableResult
    public func write(_ rel: String, _ bytes: [UInt8]) -> String {
        let p = path + "/" + rel
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Writes `text` as UTF-8 to `rel` and returns the file's path.
    @discardableResult
    public func write(_ rel: String, _ text: String) -> String { write(rel, Array(text.utf8)) }

    /// The bytes of the file `rel`.
    public func read(_ rel: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/" + rel))) }
}

/// This test process's directory for scratch files kept across tests (shared fixtures), removed when the process exits.
public let scratchRoot: String = {
    let d = NSTemporaryDirectory() + "hoso-tests-\(getpid())"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: scratchRoot) }
    return d
}()

/// A new directory under `scratchRoot`, named after `name` (the calling function by default).
public func scratchDirectory(_ name: String = #function) throws -> String {
    let d = scratchRoot + "/" + name.filter(\.isLetter) + "-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}
