import Foundation
import HosoTestSupport

extension TempDirectory {
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

func text(_ count: Int) -> [UInt8] {
    let line = Array("Nguyễn Văn An, sinh ngày 01/02/2005 tại xã Tân Lập; xếp loại Khá.\n".utf8)
    var out = [UInt8]()
    out.reserveCapacity(count)
    while out.count < count { out.append(contentsOf: line) }
    return Array(out.prefix(count))
}
