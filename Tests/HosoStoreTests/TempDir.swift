import Foundation

/// A fresh directory per test, removed when the test ends.
final class TempDir {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.path + "/hoso-store-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A store rooted here, with the directories an archive has.
    func store() -> ObjectStoreFixture {
        for sub in ["objects", "tmp"] {
            try! FileManager.default.createDirectory(atPath: path + "/" + sub, withIntermediateDirectories: true)
        }
        return ObjectStoreFixture(root: path)
    }
}

struct ObjectStoreFixture {
    let root: String
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
func noise(_ count: Int, seed: UInt64 = 0x9E3779B97F4A7C15) -> [UInt8] {
    var x = seed
    var out = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        x ^= x << 13
        x ^= x >> 7
        x ^= x << 17
        out[i] = UInt8(truncatingIfNeeded: x)
    }
    return out
}

func text(_ count: Int) -> [UInt8] {
    let line = Array("Nguyễn Văn An, sinh ngày 01/02/2005 tại xã Tân Lập; xếp loại Khá.\n".utf8)
    var out = [UInt8]()
    out.reserveCapacity(count)
    while out.count < count { out.append(contentsOf: line) }
    return Array(out.prefix(count))
}

/// Flips one byte of a file, which is read-only like every object.
func flipByte(at offset: Int, in path: String) throws {
    chmod(path, 0o644)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[offset] ^= 0x01
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
