import Foundation
import HosoCore

// Pure rules over records that the workflows apply (HosoKit): no store, no index.

extension Revision {
    /// Record types with a schema in Schemas/ (ledger, grade-book, transcript, …) must satisfy it; every
    /// violation is reported. Types without one (extensions to come) are stored as they are.
    package func checkSchema() throws {
        let validator: SchemaValidator
        do { validator = try SchemaValidator.forRecordType(recordType) } catch let e as HosoError where e.code == .schemaNotFound {
            return
        }
        let violations = validator.validate(body, source: recordId)
        if !violations.isEmpty { throw HosoProblems(violations) }
    }
}

extension CanonicalJSON {
    /// Every string of 64 lowercase hex digits in a revision's canonical JSON: the object ids it names (its parents
    /// among them). Read from the bytes: a revision read from the store is already checked, no need to parse it.
    package static func references(inCanonical bytes: [UInt8]) -> [String] {
        var out = [String]()
        var i = 0
        let quote = UInt8(ascii: "\"")
        while i + 65 < bytes.count {
            if bytes[i] == quote, bytes[i + 65] == quote,
                bytes[(i + 1)...(i + 64)].allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) })
            {
                out.append(String(decoding: bytes[(i + 1)...(i + 64)], as: UTF8.self))
                i += 66
            } else {
                i += 1
            }
        }
        return out
    }
}

extension LedgerEntryView {
    /// "SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS" → "Bằng tốt nghiệp THCS": the diploma the ledger records, in sentence case,
    /// abbreviations (all-ASCII capitals like THCS, THPT) kept.
    package static func diplomaName(ledgerTitle: String) -> String? {
        var t = ledgerTitle.trimmingCharacters(in: .whitespaces)
        for prefix in ["SỔ GỐC CẤP ", "Sổ gốc cấp ", "sổ gốc cấp "] where t.hasPrefix(prefix) { t = String(t.dropFirst(prefix.count)) }
        guard !t.isEmpty else { return nil }
        let words = t.split(separator: " ").map { w -> String in
            w.count >= 2 && w.allSatisfy({ $0.isASCII && $0.isUppercase }) ? String(w) : w.lowercased()
        }
        let s = words.joined(separator: " ")
        return s.prefix(1).uppercased() + s.dropFirst()
    }

    /// "2008-05-17" → "17/05/2008"; anything else as it is.
    package static func vietnameseDate(_ iso: String) -> String {
        let p = iso.split(separator: "-")
        return p.count == 3 ? "\(p[2])/\(p[1])/\(p[0])" : iso
    }
}
