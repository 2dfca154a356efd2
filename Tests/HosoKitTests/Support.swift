import Foundation
import HosoCore
import HosoKit
import HosoTestSupport

let fixedClock = HosoClock.fixed(HosoClock.parse("2019-05-01T08:00:00Z")!)

/// A small tree like a registrar's folder: records, scans, a nested directory, a Vietnamese name.
func sampleTree(in dir: TempDirectory) -> String {
    for i in 0..<12 {
        dir.write("input/records/entry-\(i).json", "{\"stt\": \(i), \"ho_va_ten\": \"Nguyễn Thị Hoa \(i)\", \"nam\": 2019}\n")
    }
    dir.write("input/scans/page-1.png", noise(300_000, seed: 1))
    dir.write("input/scans/page-2.pgm", [UInt8](repeating: 0xFF, count: 200_000))
    // Decomposed (NFD) on purpose: the name must be stored in NFC.
    dir.write("input/so\u{0302}\u{0309} go\u{0302}\u{0301}c.txt", "sổ gốc")
    return dir.path + "/input"
}
