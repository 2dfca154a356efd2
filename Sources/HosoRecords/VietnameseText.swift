import Foundation

/// Vietnamese text as hoso stores and compares it.
public enum VietnameseText {
    /// The one stored form: Unicode NFC. The same name typed on two machines may arrive precomposed or
    /// decomposed; hashing, comparing or indexing anything else would make them differ.
    public static func nfc(_ s: String) -> String { s.precomposedStringWithCanonicalMapping }

    /// The search key: no diacritics, đ → d, lowercase, single spaces. So "nguyen van an" finds
    /// "Nguyễn Văn An", and "NGUYỄN  VĂN AN" too.
    public static func fold(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in s.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.value {
            case 0x0300...0x036F:
                continue  // combining marks: the tones and the hat, breve and horn
            case 0x0110, 0x0111:
                out.append("d")
                lastWasSpace = false
            default:
                if scalar.properties.isWhitespace {
                    if !lastWasSpace { out.append(" ") }
                    lastWasSpace = true
                } else {
                    for lower in String(scalar).lowercased().unicodeScalars { out.append(lower) }
                    lastWasSpace = false
                }
            }
        }
        var result = String(out)
        if result.hasSuffix(" ") { result.removeLast() }
        return result
    }
}
