import Foundation

// MARK: - The tables

/// One row of a legacy table: a Vietnamese letter and the bytes that stand for it.
struct LegacyLetter: Sendable {
    let letter: Character
    let bytes: [UInt8]
}

/// The legacy tables, written from the standards as (letter, bytes) rows. Only the 134 letters outside ASCII
/// are listed: a, e, i, o, u, y, d and the rest of ASCII are themselves in both encodings.
enum LegacyTables {
    private static func L(_ letter: Character, _ bytes: UInt8...) -> LegacyLetter {
        LegacyLetter(letter: letter, bytes: bytes)
    }

    /// TCVN 5712:1993 VN3 (TCVN3/ABC): 67 lowercase letters and the 7 capitals without tone, one byte each.
    /// VN3 reassigns no C0/C1 control code, so it has no room for the 60 capitals with tones; see
    /// `tcvn3CapitalsViaLowercase`.
    static let tcvn3: [LegacyLetter] = [
        L("à", 0xB5), L("ả", 0xB6), L("ã", 0xB7), L("á", 0xB8), L("ạ", 0xB9),
        L("ă", 0xA8), L("ằ", 0xBB), L("ẳ", 0xBC), L("ẵ", 0xBD), L("ắ", 0xBE), L("ặ", 0xC6),
        L("â", 0xA9), L("ầ", 0xC7), L("ẩ", 0xC8), L("ẫ", 0xC9), L("ấ", 0xCA), L("ậ", 0xCB),
        L("è", 0xCC), L("ẻ", 0xCE), L("ẽ", 0xCF), L("é", 0xD0), L("ẹ", 0xD1),
        L("ê", 0xAA), L("ề", 0xD2), L("ể", 0xD3), L("ễ", 0xD4), L("ế", 0xD5), L("ệ", 0xD6),
        L("ì", 0xD7), L("ỉ", 0xD8), L("ĩ", 0xDC), L("í", 0xDD), L("ị", 0xDE),
        L("ò", 0xDF), L("ỏ", 0xE1), L("õ", 0xE2), L("ó", 0xE3), L("ọ", 0xE4),
        L("ô", 0xAB), L("ồ", 0xE5), L("ổ", 0xE6), L("ỗ", 0xE7), L("ố", 0xE8), L("ộ", 0xE9),
        L("ơ", 0xAC), L("ờ", 0xEA), L("ở", 0xEB), L("ỡ", 0xEC), L("ớ", 0xED), L("ợ", 0xEE),
        L("ù", 0xEF), L("ủ", 0xF1), L("ũ", 0xF2), L("ú", 0xF3), L("ụ", 0xF4),
        L("ư", 0xAD), L("ừ", 0xF5), L("ử", 0xF6), L("ữ", 0xF7), L("ứ", 0xF8), L("ự", 0xF9),
        L("ỳ", 0xFA), L("ỷ", 0xFB), L("ỹ", 0xFC), L("ý", 0xFD), L("ỵ", 0xFE),
        L("đ", 0xAE),
        L("Ă", 0xA1), L("Â", 0xA2), L("Ê", 0xA3), L("Ô", 0xA4), L("Ơ", 0xA5), L("Ư", 0xA6), L("Đ", 0xA7),
    ]

    /// The 60 capitals with tones, which VN3 does not encode. Typists switched to the capital font (.VnTimeH),
    /// which draws the lowercase codes as capitals, so a capital is stored as its lowercase letter's code.
    /// Encoding uses these rows; decoding cannot tell the two apart from the byte alone and restores capitals
    /// from the surrounding case instead (`TCVN3Codec.decode`).
    static let tcvn3CapitalsViaLowercase: [LegacyLetter] = [
        L("À", 0xB5), L("Ả", 0xB6), L("Ã", 0xB7), L("Á", 0xB8), L("Ạ", 0xB9),
        L("Ằ", 0xBB), L("Ẳ", 0xBC), L("Ẵ", 0xBD), L("Ắ", 0xBE), L("Ặ", 0xC6),
        L("Ầ", 0xC7), L("Ẩ", 0xC8), L("Ẫ", 0xC9), L("Ấ", 0xCA), L("Ậ", 0xCB),
        L("È", 0xCC), L("Ẻ", 0xCE), L("Ẽ", 0xCF), L("É", 0xD0), L("Ẹ", 0xD1),
        L("Ề", 0xD2), L("Ể", 0xD3), L("Ễ", 0xD4), L("Ế", 0xD5), L("Ệ", 0xD6),
        L("Ì", 0xD7), L("Ỉ", 0xD8), L("Ĩ", 0xDC), L("Í", 0xDD), L("Ị", 0xDE),
        L("Ò", 0xDF), L("Ỏ", 0xE1), L("Õ", 0xE2), L("Ó", 0xE3), L("Ọ", 0xE4),
        L("Ồ", 0xE5), L("Ổ", 0xE6), L("Ỗ", 0xE7), L("Ố", 0xE8), L("Ộ", 0xE9),
        L("Ờ", 0xEA), L("Ở", 0xEB), L("Ỡ", 0xEC), L("Ớ", 0xED), L("Ợ", 0xEE),
        L("Ù", 0xEF), L("Ủ", 0xF1), L("Ũ", 0xF2), L("Ú", 0xF3), L("Ụ", 0xF4),
        L("Ừ", 0xF5), L("Ử", 0xF6), L("Ữ", 0xF7), L("Ứ", 0xF8), L("Ự", 0xF9),
        L("Ỳ", 0xFA), L("Ỷ", 0xFB), L("Ỹ", 0xFC), L("Ý", 0xFD), L("Ỵ", 0xFE),
    ]

    /// What VN2, the superset of VN3 in the same standard, puts in the bytes VN3 leaves free: 16 capitals with
    /// tones and 5 combining tone marks. Decoding only: they cannot be mistaken for VN3 letters, and a file
    /// saved by software that used them then decodes right.
    static let tcvn3VN2Extras: [LegacyLetter] = [
        L("Ằ", 0xAF), L("Ẳ", 0xBA), L("Ẵ", 0xBF), L("Ắ", 0xC0), L("Ầ", 0xC1), L("Ẩ", 0xC2), L("Ẫ", 0xC3),
        L("Ấ", 0xC4), L("Ề", 0xC5), L("Ể", 0xCD), L("Ễ", 0xD9), L("Ế", 0xDA), L("Ồ", 0xDB), L("Ổ", 0xE0),
        L("Ỗ", 0xF0), L("Ố", 0xFF),
        L("\u{0300}", 0xB0), L("\u{0309}", 0xB1), L("\u{0303}", 0xB2), L("\u{0301}", 0xB3), L("\u{0323}", 0xB4),
    ]

    /// VNI for Windows: all 134 letters. Mark bytes (lowercase / capital): acute F9/D9, grave F8/D8,
    /// hook FB/DB, tilde F5/D5, dot EF/CF; circumflex E2/C2 with its tones E1 E0 E5 E3 E4 / C1 C0 C5 C3 C4;
    /// breve EA/CA with its tones E9 E8 FA FC EB / C9 C8 DA DC CB.
    static let vni: [LegacyLetter] = [
        L("à", 0x61, 0xF8), L("ả", 0x61, 0xFB), L("ã", 0x61, 0xF5), L("á", 0x61, 0xF9), L("ạ", 0x61, 0xEF),
        L("ă", 0x61, 0xEA), L("ằ", 0x61, 0xE8), L("ẳ", 0x61, 0xFA), L("ẵ", 0x61, 0xFC), L("ắ", 0x61, 0xE9),
        L("ặ", 0x61, 0xEB),
        L("â", 0x61, 0xE2), L("ầ", 0x61, 0xE0), L("ẩ", 0x61, 0xE5), L("ẫ", 0x61, 0xE3), L("ấ", 0x61, 0xE1),
        L("ậ", 0x61, 0xE4),
        L("è", 0x65, 0xF8), L("ẻ", 0x65, 0xFB), L("ẽ", 0x65, 0xF5), L("é", 0x65, 0xF9), L("ẹ", 0x65, 0xEF),
        L("ê", 0x65, 0xE2), L("ề", 0x65, 0xE0), L("ể", 0x65, 0xE5), L("ễ", 0x65, 0xE3), L("ế", 0x65, 0xE1),
        L("ệ", 0x65, 0xE4),
        L("ì", 0xEC), L("ỉ", 0xE6), L("ĩ", 0xF3), L("í", 0xED), L("ị", 0xF2),
        L("ò", 0x6F, 0xF8), L("ỏ", 0x6F, 0xFB), L("õ", 0x6F, 0xF5), L("ó", 0x6F, 0xF9), L("ọ", 0x6F, 0xEF),
        L("ô", 0x6F, 0xE2), L("ồ", 0x6F, 0xE0), L("ổ", 0x6F, 0xE5), L("ỗ", 0x6F, 0xE3), L("ố", 0x6F, 0xE1),
        L("ộ", 0x6F, 0xE4),
        L("ơ", 0xF4), L("ờ", 0xF4, 0xF8), L("ở", 0xF4, 0xFB), L("ỡ", 0xF4, 0xF5), L("ớ", 0xF4, 0xF9),
        L("ợ", 0xF4, 0xEF),
        L("ù", 0x75, 0xF8), L("ủ", 0x75, 0xFB), L("ũ", 0x75, 0xF5), L("ú", 0x75, 0xF9), L("ụ", 0x75, 0xEF),
        L("ư", 0xF6), L("ừ", 0xF6, 0xF8), L("ử", 0xF6, 0xFB), L("ữ", 0xF6, 0xF5), L("ứ", 0xF6, 0xF9),
        L("ự", 0xF6, 0xEF),
        L("ỳ", 0x79, 0xF8), L("ỷ", 0x79, 0xFB), L("ỹ", 0x79, 0xF5), L("ý", 0x79, 0xF9), L("ỵ", 0xEE),
        L("đ", 0xF1),
        L("À", 0x41, 0xD8), L("Ả", 0x41, 0xDB), L("Ã", 0x41, 0xD5), L("Á", 0x41, 0xD9), L("Ạ", 0x41, 0xCF),
        L("Ă", 0x41, 0xCA), L("Ằ", 0x41, 0xC8), L("Ẳ", 0x41, 0xDA), L("Ẵ", 0x41, 0xDC), L("Ắ", 0x41, 0xC9),
        L("Ặ", 0x41, 0xCB),
        L("Â", 0x41, 0xC2), L("Ầ", 0x41, 0xC0), L("Ẩ", 0x41, 0xC5), L("Ẫ", 0x41, 0xC3), L("Ấ", 0x41, 0xC1),
        L("Ậ", 0x41, 0xC4),
        L("È", 0x45, 0xD8), L("Ẻ", 0x45, 0xDB), L("Ẽ", 0x45, 0xD5), L("É", 0x45, 0xD9), L("Ẹ", 0x45, 0xCF),
        L("Ê", 0x45, 0xC2), L("Ề", 0x45, 0xC0), L("Ể", 0x45, 0xC5), L("Ễ", 0x45, 0xC3), L("Ế", 0x45, 0xC1),
        L("Ệ", 0x45, 0xC4),
        L("Ì", 0xCC), L("Ỉ", 0xC6), L("Ĩ", 0xD3), L("Í", 0xCD), L("Ị", 0xD2),
        L("Ò", 0x4F, 0xD8), L("Ỏ", 0x4F, 0xDB), L("Õ", 0x4F, 0xD5), L("Ó", 0x4F, 0xD9), L("Ọ", 0x4F, 0xCF),
        L("Ô", 0x4F, 0xC2), L("Ồ", 0x4F, 0xC0), L("Ổ", 0x4F, 0xC5), L("Ỗ", 0x4F, 0xC3), L("Ố", 0x4F, 0xC1),
        L("Ộ", 0x4F, 0xC4),
        L("Ơ", 0xD4), L("Ờ", 0xD4, 0xD8), L("Ở", 0xD4, 0xDB), L("Ỡ", 0xD4, 0xD5), L("Ớ", 0xD4, 0xD9),
        L("Ợ", 0xD4, 0xCF),
        L("Ù", 0x55, 0xD8), L("Ủ", 0x55, 0xDB), L("Ũ", 0x55, 0xD5), L("Ú", 0x55, 0xD9), L("Ụ", 0x55, 0xCF),
        L("Ư", 0xD6), L("Ừ", 0xD6, 0xD8), L("Ử", 0xD6, 0xDB), L("Ữ", 0xD6, 0xD5), L("Ứ", 0xD6, 0xD9),
        L("Ự", 0xD6, 0xCF),
        L("Ỳ", 0x59, 0xD8), L("Ỷ", 0x59, 0xDB), L("Ỹ", 0x59, 0xD5), L("Ý", 0x59, 0xD9), L("Ỵ", 0xCE),
        L("Đ", 0xD1),
    ]
}

// MARK: - Windows-1252

/// The bytes ↔ text mapping Excel and CSV readers used on these files.
enum Windows1252 {
    /// 0x80…0x9F, the only bytes where Windows-1252 differs from Latin-1. The five it leaves undefined
    /// (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as the C1 control of the same number, as Windows does.
    static let c1Range: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    private static let reverse: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (offset, value) in c1Range.enumerated() { map[value] = UInt8(0x80 + offset) }
        return map
    }()

    static func scalar(_ byte: UInt8) -> Unicode.Scalar {
        if (0x80...0x9F).contains(byte) {
            return Unicode.Scalar(c1Range[Int(byte) - 0x80])!  // every entry is a valid scalar
        }
        return Unicode.Scalar(byte)
    }

    /// The byte a reader produced this scalar from. U+0080…U+009F also map to their own byte, so text that a
    /// Latin-1 reader produced converts too.
    static func byte(_ scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value <= 0xFF { return UInt8(value) }
        if value < 0x152 || value > 0x2122 { return nil }  // outside every entry of c1Range: no table lookup
        return reverse[value]
    }

    static func bytes(of text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard let byte = byte(scalar) else { return nil }
            out.append(byte)
        }
        return out
    }
}

// MARK: - TCVN3

enum TCVN3Codec {
    /// What each byte decodes to, or nil where it keeps its Windows-1252 meaning (ASCII and 0x80…0x9F:
    /// VN3 leaves C1 alone, and .VnTime fonts show Windows' quotes and dashes there).
    static let decoding: [String?] = {
        var table = [String?](repeating: nil, count: 256)
        for row in LegacyTables.tcvn3 + LegacyTables.tcvn3VN2Extras { table[Int(row.bytes[0])] = String(row.letter) }
        return table
    }()

    /// Codes of lowercase letters: the ones .VnTimeH draws as capitals.
    static let isLowercaseCode: [Bool] = decoding.map { letter in
        guard let letter else { return false }
        return letter != letter.uppercased()
    }

    static let isCapitalCode: [Bool] = decoding.map { letter in
        guard let letter else { return false }
        return letter != letter.lowercased()
    }

    static let encoding: [Character: [UInt8]] = {
        var table: [Character: [UInt8]] = [:]
        for row in LegacyTables.tcvn3 + LegacyTables.tcvn3CapitalsViaLowercase { table[row.letter] = row.bytes }
        return table
    }()

    /// Bytes only VN2 gives a meaning to: detection does not count them as evidence of VN3.
    static let isVN2Only: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for row in LegacyTables.tcvn3VN2Extras { table[Int(row.bytes[0])] = true }
        return table
    }()

    /// Bytes → NFC, restoring the capitals VN3 cannot encode from the case around them. A field (text between
    /// line breaks, tabs, commas, semicolons and bars, so one CSV cell) is treated as typed in .VnTimeH when it
    /// has no ASCII lowercase letter and some word in it has two capitals ("LÊ THỊ THUỶ" is "Lª THÞ THUû");
    /// a word alone is when it has two capitals and no ASCII lowercase ("NGUYÔN"). In a title-case field,
    /// a word whose first letter is a lowercase code and the rest lowercase gets that letter capitalised
    /// ("Ph¹m ThÞ ¸nh TuyÕt" is "Phạm Thị Ánh Tuyết"), but only if capitalised words outnumber such words.
    /// Anything less clear stays lowercase: "Lª Hµ" is "Lê Hà", though a capital font would show "LÊ HÀ".
    static func decode(_ bytes: [UInt8]) -> String {
        var out = String.UnicodeScalarView()
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, !isFieldSeparator(bytes[end]) { end += 1 }
            decodeField(bytes[start..<end], into: &out)
            if end < bytes.count { out.append(Windows1252.scalar(bytes[end])) }
            start = end + 1
        }
        return VietnameseText.nfc(String(out))
    }

    private static func isFieldSeparator(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x0A, 0x0D, 0x09, UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "|"): true
        default: false
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        isASCIILetter(byte) || (byte >= 0xA1 && decoding[Int(byte)] != nil)
    }

    private static func decodeField(_ field: ArraySlice<UInt8>, into out: inout String.UnicodeScalarView) {
        // Split into words (runs of letter bytes) and the gaps between them, keeping both in order.
        var runs: [(bytes: ArraySlice<UInt8>, isWord: Bool)] = []
        var index = field.startIndex
        while index < field.endIndex {
            let isWord = isWordByte(field[index])
            var end = index
            while end < field.endIndex, isWordByte(field[end]) == isWord { end += 1 }
            runs.append((field[index..<end], isWord))
            index = end
        }
        let words = runs.filter(\.isWord).map(\.bytes)
        let hasASCIILower = field.contains(where: isASCIILower)
        let capitalField = !hasASCIILower && words.contains { capitals(in: $0) >= 2 }
        let capitalisedWords = words.filter { word in isCapital(word.first!) }.count
        let lowercaseCodeWords = words.filter { isLowercaseCode[Int($0.first!)] }.count
        let titleField =
            !words.contains { isASCIILower($0.first!) }
            && capitalisedWords >= 2 && lowercaseCodeWords < capitalisedWords

        for run in runs {
            guard run.isWord else {
                for byte in run.bytes { out.append(Windows1252.scalar(byte)) }
                continue
            }
            let word = run.bytes
            let wordHasASCIILower = word.contains(where: isASCIILower)
            let allCapitals = !wordHasASCIILower && (capitalField || capitals(in: word) >= 2)
            let capitaliseFirst =
                !allCapitals && titleField && isLowercaseCode[Int(word.first!)]
                && !word.dropFirst().contains(where: isCapital)
            for (offset, byte) in word.enumerated() {
                guard let letter = decoding[Int(byte)] else {
                    out.append(Windows1252.scalar(byte))
                    continue
                }
                let capitalise = isLowercaseCode[Int(byte)] && (allCapitals || (capitaliseFirst && offset == 0))
                out.append(contentsOf: (capitalise ? letter.uppercased() : letter).unicodeScalars)
            }
        }
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isASCIILower(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) }

    private static func isCapital(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || isCapitalCode[Int(byte)] }

    private static func capitals(in word: ArraySlice<UInt8>) -> Int { word.filter(isCapital).count }
}

// MARK: - VNI

enum VNICodec {
    /// Two-byte letters, keyed by (base << 8 | mark).
    static let pairs: [UInt16: String] = {
        var table: [UInt16: String] = [:]
        for row in LegacyTables.vni where row.bytes.count == 2 {
            table[UInt16(row.bytes[0]) << 8 | UInt16(row.bytes[1])] = String(row.letter)
        }
        return table
    }()

    static let singles: [String?] = {
        var table = [String?](repeating: nil, count: 256)
        for row in LegacyTables.vni where row.bytes.count == 1 { table[Int(row.bytes[0])] = String(row.letter) }
        return table
    }()

    /// What each mark byte adds to its base, as Unicode combining marks, derived from the table rows
    /// (NFD of the letter less NFD of its base). A mark after a base the table does not pair it with (a
    /// capital with a lowercase mark, "Aù") still decodes through these, and NFC composes the result.
    static let marks: [String?] = {
        var table = [String?](repeating: nil, count: 256)
        for row in LegacyTables.vni where row.bytes.count == 2 {
            let base = singles[Int(row.bytes[0])] ?? String(Unicode.Scalar(row.bytes[0]))
            let baseScalars = base.decomposedStringWithCanonicalMapping.unicodeScalars
            let letterScalars = String(row.letter).decomposedStringWithCanonicalMapping.unicodeScalars
            var added = String.UnicodeScalarView()
            added.append(contentsOf: letterScalars.dropFirst(baseScalars.count))
            if table[Int(row.bytes[1])] == nil { table[Int(row.bytes[1])] = String(added) }
        }
        return table
    }()

    static let encoding: [Character: [UInt8]] = {
        var table: [Character: [UInt8]] = [:]
        for row in LegacyTables.vni { table[row.letter] = row.bytes }
        return table
    }()

    static func decode(_ bytes: [UInt8]) -> String {
        decode(bytes, strict: false)!  // only strict decoding fails
    }

    /// Strict decoding fails on a mark the table does not pair with the byte before it: detection counts only
    /// what the VNI chart itself spells ("HiÕu", a capital mark on a small i, is TCVN3's "Hiếu", not VNI).
    static func decode(_ bytes: [UInt8], strict: Bool) -> String? {
        var out = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if index + 1 < bytes.count, let letter = pairs[UInt16(byte) << 8 | UInt16(bytes[index + 1])] {
                out.append(contentsOf: letter.unicodeScalars)
                index += 2
                continue
            }
            if let letter = singles[Int(byte)] {
                out.append(contentsOf: letter.unicodeScalars)
            } else if let mark = marks[Int(byte)] {
                if strict { return nil }
                out.append(contentsOf: mark.unicodeScalars)
            } else {
                out.append(Windows1252.scalar(byte))
            }
            index += 1
        }
        return VietnameseText.nfc(String(out))
    }
}
