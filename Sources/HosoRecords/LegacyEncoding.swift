import Foundation

/// The 8-bit font encodings that Vietnamese ledgers were typed in before Unicode (before ~2005).
public enum LegacyEncoding: String, Sendable, CaseIterable, Codable {
    /// TCVN 5712:1993 VN3, called "TCVN3" or "ABC": the .VnTime and .VnTimeH fonts, mostly used in the north.
    case tcvn3
    /// VNI for Windows: the VNI-Times fonts, mostly used in the south. A toned vowel is a base letter byte
    /// followed by a mark byte; i, ơ, ư, ỵ and đ are single bytes.
    case vni
}

/// Detection and conversion of legacy-encoded Vietnamese text to Unicode NFC.
///
/// Excel, CSV and XLSX readers hand us such text as the Windows-1252 reading of its bytes ("NguyÔn V¨n An"
/// for "Nguyễn Văn An"), so conversion goes back to the bytes first and then through the legacy table.
public enum LegacyText {
    /// Text decoded as Windows-1252 from legacy bytes → the legacy bytes → Unicode NFC.
    ///
    /// Text holding a character that Windows-1252 cannot produce (ư, ệ, a CJK character…) was never read that
    /// way, so it is returned unchanged (in NFC): running genuine Unicode through a legacy table corrupts it.
    public static func convert(_ misdecoded: String, from encoding: LegacyEncoding) -> String {
        let text = VietnameseText.nfc(misdecoded)  // Windows-1252 text is NFC already; this only undoes NFD input
        guard let bytes = Windows1252.bytes(of: text) else { return text }
        return decode(bytes, as: encoding)
    }

    /// Raw legacy bytes (e.g. a CSV file saved by old Excel) → Unicode NFC.
    ///
    /// Bytes that the legacy table leaves unassigned keep their Windows-1252 meaning, as the fonts showed them.
    public static func decode(_ bytes: [UInt8], as encoding: LegacyEncoding) -> String {
        switch encoding {
        case .tcvn3: TCVN3Codec.decode(bytes)
        case .vni: VNICodec.decode(bytes)
        }
    }

    /// Which legacy encoding, if any, this text most likely is (nil for ordinary Unicode/ASCII text,
    /// including correct Unicode Vietnamese, and for text too short or ambiguous to tell).
    public static func detect(_ text: String) -> LegacyEncoding? {
        detect([text])
    }

    /// Detect over many cells at once (a whole column or file): more evidence, fewer mistakes.
    ///
    /// Returns nil when the cells that are provably Unicode (they hold letters such as ư or ệ that no legacy
    /// reading produces) are at least as many as the legacy ones: such a mixed column should be decided cell
    /// by cell, since converting a Unicode cell made only of Windows-1252 letters ("Lê Hà") would corrupt it.
    public static func detect(_ texts: [String]) -> LegacyEncoding? {
        var cache = Detection.Cache()
        return detect(texts, cache: &cache)
    }

    /// `detect(_:)` remembering what each word gave, for several detections over overlapping cells (a whole
    /// file, then column by column): the answers are the same, repeated words are not examined again.
    static func detect(_ texts: [String], cache: inout Detection.Cache) -> LegacyEncoding? {
        var tally = Detection.Tally()
        for text in texts { tally.add(text, cache: &cache) }
        return tally.verdict()
    }

    /// Unicode → legacy bytes, letter by letter; nil if a character has no legacy form. Used by the tests to
    /// check every table row both ways; TCVN3 capitals with tones come out as the lowercase codes, as the
    /// .VnTimeH convention typed them.
    static func encode(_ text: String, as encoding: LegacyEncoding) -> [UInt8]? {
        let table = encoding == .tcvn3 ? TCVN3Codec.encoding : VNICodec.encoding
        var out: [UInt8] = []
        for character in VietnameseText.nfc(text) {
            if let bytes = table[character] {
                out += bytes
            } else if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                let byte = Windows1252.byte(scalar),
                LegacyText.decode([byte], as: encoding) == String(character)
            {
                out.append(byte)  // ASCII, or punctuation such as – that the legacy table leaves alone
            } else {
                return nil
            }
        }
        return out
    }
}
