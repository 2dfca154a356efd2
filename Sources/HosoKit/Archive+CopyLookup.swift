import Foundation
import HosoCore
import HosoPrimitives
import HosoSigning
import HosoStore

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
