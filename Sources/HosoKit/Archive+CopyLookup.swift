import Foundation
import HosoCore
import HosoSigning
import HosoStore
import Synchronization

/// Read-only lookups for the public verification of a copy, cheap enough to run for every request: one register
/// line by its number instead of the whole register.
extension Archive {
    /// The register line printed on a copy as "N/YYYY", read by its record id; nil if there is none.
    public func registeredCopy(printedNumber: String) throws -> CopyRegisterEntry? {
        let parts = printedNumber.split(separator: "/")
        guard parts.count == 2, let n = Int(parts[0]), let year = Int(parts[1]), n > 0, (1000...9999).contains(year) else { return nil }
        let id = Self.copyRegisterId(year: year, number: n)
        guard !(try index.heads(ofRecord: id)).isEmpty else { return nil }
        let line = try decodeBody(try current(record: id).1.body, as: CopyRegisterEntry.self)
        return line.printedNumber == printedNumber ? line : nil
    }
}

/// Certificates by object id, at most `limit` (an office has a handful of copy signers).
final class ParsedCertificates: Sendable {
    static let shared = ParsedCertificates()
    static let limit = 256
    private let map = Mutex<[String: Certificate]>([:])

    func get(_ id: String) -> Certificate? { map.withLock { $0[id] } }

    func put(_ id: String, _ c: Certificate) {
        map.withLock { m in
            if m.count >= Self.limit { m.removeAll() }
            m[id] = c
        }
    }
}
