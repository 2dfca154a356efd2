import Foundation
import Testing

@testable import HosoServer

/// Uploaded ledgers that were checked but never committed do not stay on the server: each new upload removes those
/// older than the upload lifetime, and a commit of a removed batch says to upload again.
@Suite struct UploadLifetimeTests {
    @Test func abandonedUploadsAreRemovedAndFreshOnesKept() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: DigitizeRoutes.root, withIntermediateDirectories: true)
        let old = "test-old-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let fresh = "test-new-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        for token in [old, fresh] {
            try fm.createDirectory(atPath: DigitizeRoutes.root + "/" + token, withIntermediateDirectories: true)
            #expect(fm.createFile(atPath: DigitizeRoutes.root + "/\(token)/ledger.csv", contents: Data("STT\n".utf8)))
        }
        defer { for t in [old, fresh] { DigitizeRoutes.removeStaged(t) } }
        try fm.setAttributes([.modificationDate: Date() - 3 * 3600], ofItemAtPath: DigitizeRoutes.root + "/" + old)
        #expect(DigitizeRoutes.staged(old) != nil)
        DigitizeRoutes.sweepStaged(olderThan: 2 * 3600)
        #expect(DigitizeRoutes.staged(old) == nil, "three hours old: removed")
        #expect(DigitizeRoutes.staged(fresh) != nil, "just made: kept for its commit")
        #expect(DigitizeRoutes.uploadLifetime == 120 * 60)
    }
}
