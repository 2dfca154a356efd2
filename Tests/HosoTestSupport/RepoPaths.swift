import Foundation

/// The repository's root directory, found from this source file (Tests/HosoTestSupport/RepoPaths.swift).
public let repoRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The `hoso` binary under test: $HOSO_BIN, else the debug build in this repository.
public let hosoBinary: String = {
    if let p = ProcessInfo.processInfo.environment["HOSO_BIN"], !p.isEmpty { return p }
    return repoRoot + "/.build/debug/hoso"
}()

/// A program of the Python environment tools/setup makes in .build-py (pyHanko, bagit.py, openapi-spec-validator…).
public func pythonTool(_ name: String) -> String { repoRoot + "/.build-py/bin/" + name }

/// The bytes of a file of the repository, by its path from the root.
public func repoFile(_ rel: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: repoRoot + "/" + rel)))
}
