// The JSON summary the tools/bench-* scripts read back.
import Foundation

/// Writes `summary` as pretty, key-sorted, snake_case JSON (the scripts look keys up by those names), making the
/// file's directory if needed, and says where it went.
public func writeSummary<T: Encodable>(_ summary: T, to path: String) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    enc.keyEncodingStrategy = .convertToSnakeCase
    let dir = (path as NSString).deletingLastPathComponent
    if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    guard FileManager.default.createFile(atPath: path, contents: try enc.encode(summary) + Data("\n".utf8)) else {
        throw BenchFailure(message: "cannot write \(path)")
    }
    say("summary: \(path)")
}
