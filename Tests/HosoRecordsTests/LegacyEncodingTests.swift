import Foundation
import Testing

@testable import HosoRecords

/// Names and places with their legacy forms as Excel shows them (legacy bytes read as Windows-1252).
/// The legacy strings were written from the byte tables of the standards and checked against an
/// independent converter; the soft hyphen U+00AD is TCVN3's ư (0xAD).
private let names: [(unicode: String, tcvn3: String, vni: String)] = [
    ("Nguyễn Văn An", "NguyÔn V¨n An", "Nguyeãn Vaên An"),
    ("Trần Thị Bích Ngọc", "TrÇn ThÞ BÝch Ngäc", "Traàn Thò Bích Ngoïc"),
    ("Đặng Hữu Phước", "§Æng H÷u Ph\u{AD}íc", "Ñaëng Höõu Phöôùc"),
    ("Lê Thị Thuỷ", "Lª ThÞ Thuû", "Leâ Thò Thuyû"),
    ("Trường THCS Tân Lập", "Tr\u{AD}êng THCS T©n LËp", "Tröôøng THCS Taân Laäp"),
    ("Trường Tiểu học Lê Lợi", "Tr\u{AD}êng TiÓu häc Lª Lîi", "Tröôøng Tieåu hoïc Leâ Lôïi"),
    ("Phòng Giáo dục Hải Phòng", "Phßng Gi¸o dôc H¶i Phßng", "Phoøng Giaùo duïc Haûi Phoøng"),
    ("Đỗ Quốc Việt", "§ç Quèc ViÖt", "Ñoã Quoác Vieät"),
    ("Hà Nội", "Hµ Néi", "Haø Noäi"),
    ("Thành phố Hồ Chí Minh", "Thµnh phè Hå ChÝ Minh", "Thaønh phoá Hoà Chí Minh"),
    ("Đà Nẵng", "§µ N½ng", "Ñaø Naüng"),
    ("Thừa Thiên Huế", "Thõa Thiªn HuÕ", "Thöøa Thieân Hueá"),
    ("Quảng Ngãi", "Qu¶ng Ng·i", "Quaûng Ngaõi"),
    ("Bà Rịa – Vũng Tàu", "Bµ RÞa – Vòng Tµu", "Baø Ròa – Vuõng Taøu"),  // the en dash is Windows-1252 0x96
    ("Nghệ An", "NghÖ An", "Ngheä An"),
    ("Cần Thơ", "CÇn Th¬", "Caàn Thô"),
]

/// The 134 letters of Vietnamese outside ASCII, built from Unicode rather than from the tables under test.
private let vietnameseLetters: [Character] = {
    let tones = ["", "\u{0300}", "\u{0309}", "\u{0303}", "\u{0301}", "\u{0323}"]
    let vowels = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
    var letters: [Character] = []
    for vowel in vowels + vowels.map({ $0.uppercased() }) {
        for tone in tones {
            let letter = Character(VietnameseText.nfc(vowel + tone))
            if !letter.isASCII { letters.append(letter) }
        }
    }
    return letters + ["đ", "Đ"]
}()

private func windows1252(_ bytes: [UInt8]) -> String {
    String(String.UnicodeScalarView(bytes.map(Windows1252.scalar)))
}

private func isNFC(_ s: String) -> Bool {
    Array(s.unicodeScalars) == Array(VietnameseText.nfc(s).unicodeScalars)
}

@Suite struct LegacyTablesTests {
    @Test func bothTablesCoverExactlyThe134Letters() {
        #expect(vietnameseLetters.count == 134)
        let tcvn3 = (LegacyTables.tcvn3 + LegacyTables.tcvn3CapitalsViaLowercase).map(\.letter)
        #expect(tcvn3.count == 134)
        #expect(Set(tcvn3) == Set(vietnameseLetters))
        let vni = LegacyTables.vni.map(\.letter)
        #expect(vni.count == 134)
        #expect(Set(vni) == Set(vietnameseLetters))
    }

    @Test func tcvn3HasTheShapeTheStandardGivesVN3() {
        // VN3: 67 lowercase letters and 7 capitals, all in 0xA1...0xFE, one byte each, no byte used twice.
        let rows = LegacyTables.tcvn3
        #expect(rows.filter { $0.letter.isLowercase }.count == 67)
        #expect(rows.filter { $0.letter.isUppercase }.map(\.letter) == ["Ă", "Â", "Ê", "Ô", "Ơ", "Ư", "Đ"])
        #expect(rows.allSatisfy { $0.bytes.count == 1 && (0xA1...0xFE).contains($0.bytes[0]) })
        #expect(Set(rows.map(\.bytes)).count == rows.count)
        // Every capital with a tone shares its lowercase letter's code (the .VnTimeH convention).
        let codes = Dictionary(uniqueKeysWithValues: rows.map { ($0.letter, $0.bytes) })
        for row in LegacyTables.tcvn3CapitalsViaLowercase {
            #expect(codes[Character(String(row.letter).lowercased())] == row.bytes, "\(row.letter)")
        }
        // VN2's additions sit only in the bytes VN3 leaves free.
        let extras = Set(LegacyTables.tcvn3VN2Extras.map(\.bytes))
        #expect(extras.count == 21)
        #expect(extras.isDisjoint(with: Set(rows.map(\.bytes))))
    }

    @Test func vniBytesAreUniqueAndCapitalsAreTheLowercaseBytesLess0x20() {
        let rows = LegacyTables.vni
        #expect(Set(rows.map(\.bytes)).count == rows.count)
        let byLetter = Dictionary(uniqueKeysWithValues: rows.map { ($0.letter, $0.bytes) })
        for row in rows where row.letter.isLowercase {
            let capital = byLetter[Character(String(row.letter).uppercased())]
            let shifted = row.bytes.map { $0 >= 0xE0 ? $0 - 0x20 : ($0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0) }
            #expect(capital == shifted, "\(row.letter)")
        }
    }

    @Test func everyVNIMarkByteMeansTheSameWhateverItsBase() {
        // The mark table is derived from the rows; each mark byte must add the same combining marks to every
        // base it follows, or the rows disagree with each other.
        for row in LegacyTables.vni where row.bytes.count == 2 {
            let base = VNICodec.singles[Int(row.bytes[0])] ?? String(Unicode.Scalar(row.bytes[0]))
            let mark = VNICodec.marks[Int(row.bytes[1])] ?? "?"
            #expect(VietnameseText.nfc(base + mark) == String(row.letter), "\(row.letter)")
        }
    }

    @Test(
        arguments: [
            // Facts from TCVN 5712:1993 and the VNI chart, spelled out byte by byte.
            (LegacyEncoding.tcvn3, [0xD4], "ễ"), (.tcvn3, [0xA8], "ă"), (.tcvn3, [0xAD], "ư"), (.tcvn3, [0xAE], "đ"),
            (.tcvn3, [0xA7], "Đ"), (.tcvn3, [0xB8], "á"), (.tcvn3, [0xFE], "ỵ"), (.tcvn3, [0xA0], "\u{A0}"),
            (.vni, [0x65, 0xE3], "ễ"), (.vni, [0x61, 0xEA], "ă"), (.vni, [0xF6], "ư"), (.vni, [0xF4], "ơ"),
            (.vni, [0xF1], "đ"), (.vni, [0xD1], "Đ"), (.vni, [0xEE], "ỵ"), (.vni, [0x61, 0xFA], "ẳ"),
            (.vni, [0xF6, 0xF9], "ứ"), (.vni, [0x4F, 0xC1], "Ố"), (.vni, [0xD6, 0xCF], "Ự"),
        ] as [(LegacyEncoding, [UInt8], String)])
    func knownBytes(_ encoding: LegacyEncoding, _ bytes: [UInt8], _ letter: String) {
        #expect(LegacyText.decode(bytes, as: encoding) == letter)
    }
}

@Suite struct LegacyRoundTripTests {
    @Test(arguments: vietnameseLetters)
    func vniEveryLetter(_ letter: Character) throws {
        let bytes = try #require(LegacyText.encode(String(letter), as: .vni))
        #expect(LegacyText.decode(bytes, as: .vni) == String(letter))
        #expect(LegacyText.convert(windows1252(bytes), from: .vni) == String(letter))
    }

    @Test(arguments: vietnameseLetters)
    func tcvn3EveryLetter(_ letter: Character) throws {
        let text = String(letter)
        let bytes = try #require(LegacyText.encode(text, as: .tcvn3))
        #expect(bytes.count == 1)
        let hasOwnCode = LegacyTables.tcvn3.contains { $0.letter == letter }
        if hasOwnCode {
            #expect(LegacyText.decode(bytes, as: .tcvn3) == text)
        } else {
            // A capital with a tone has no code of its own: alone it reads as the lowercase letter…
            #expect(LegacyText.decode(bytes, as: .tcvn3) == text.lowercased())
            // …and among capitals, as .VnTimeH showed it, it reads as the capital.
            let word = try #require(LegacyText.encode("NG" + text + "N", as: .tcvn3))
            #expect(LegacyText.decode(word, as: .tcvn3) == "NG" + text + "N")
        }
        #expect(LegacyText.convert(windows1252(bytes), from: .tcvn3) == LegacyText.decode(bytes, as: .tcvn3))
    }

    @Test(arguments: Array(0...255))
    func windows1252RoundTripsEveryByte(_ value: Int) {
        let byte = UInt8(value)
        #expect(Windows1252.bytes(of: windows1252([byte])) == [byte])
    }

    @Test func windows1252C1RangeIsExact() {
        let expected: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021, 0x2C6, 0x2030, 0x160, 0x2039, 0x152, 0x8D,
            0x17D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x2DC, 0x2122, 0x161,
            0x203A, 0x153, 0x9D, 0x17E, 0x178,
        ]
        #expect((0x80...0x9F).map { Windows1252.scalar(UInt8($0)).value } == expected)
        #expect(Windows1252.scalar(0x80) == "€")
        #expect(Windows1252.scalar(0x9F) == "Ÿ")
        #expect(Windows1252.scalar(0xA0) == "\u{A0}")
        #expect(Windows1252.scalar(0xFF) == "ÿ")
        // Text a Latin-1 reader produced (C1 controls where Windows-1252 has “ ” – —) maps to the same bytes.
        #expect(Windows1252.bytes(of: "\u{93}\u{94}\u{96}") == [0x93, 0x94, 0x96])
        #expect(Windows1252.bytes(of: "\u{201C}\u{201D}\u{2013}") == [0x93, 0x94, 0x96])
        #expect(Windows1252.bytes(of: "ư") == nil)
    }
}

@Suite struct LegacyConversionTests {
    @Test(arguments: names)
    func tcvn3Names(_ name: (unicode: String, tcvn3: String, vni: String)) throws {
        #expect(LegacyText.convert(name.tcvn3, from: .tcvn3) == name.unicode)
        let bytes = try #require(LegacyText.encode(name.unicode, as: .tcvn3))
        #expect(windows1252(bytes) == name.tcvn3)
        #expect(LegacyText.decode(bytes, as: .tcvn3) == name.unicode)
    }

    @Test(arguments: names)
    func vniNames(_ name: (unicode: String, tcvn3: String, vni: String)) throws {
        #expect(LegacyText.convert(name.vni, from: .vni) == name.unicode)
        let bytes = try #require(LegacyText.encode(name.unicode, as: .vni))
        #expect(windows1252(bytes) == name.vni)
        #expect(LegacyText.decode(bytes, as: .vni) == name.unicode)
    }

    @Test(arguments: [
        // .VnTimeH: capitals with tones are typed as the lowercase codes.
        ("NGUYÔN V¨N AN", "NGUYỄN VĂN AN"),
        ("Lª THÞ THUû", "LÊ THỊ THUỶ"),  // "Lª" alone is ambiguous; the field is in capitals
        ("TR\u{AD}êNG THCS T¢N LËP", "TRƯỜNG THCS TÂN LẬP"),
        ("1;NGUYÔN V¨N AN;Lª ThÞ Thuû", "1;NGUYỄN VĂN AN;Lê Thị Thuỷ"),  // fields decide separately
        // A title-case name whose word starts with a capital VN3 cannot encode.
        ("Ph¹m ThÞ ¸nh TuyÕt", "Phạm Thị Ánh Tuyết"),
        ("Êp B¾c", "ấp Bắc"),  // one capitalised word is not enough to call the field title case
        // Ambiguous: stays lowercase.
        ("Lª Hµ", "Lê Hà"),
        ("Hµ Néi ë ®©u", "Hà Nội ở đâu"),
    ])
    func tcvn3Capitals(_ legacy: String, _ expected: String) {
        #expect(LegacyText.convert(legacy, from: .tcvn3) == expected)
    }

    @Test(arguments: [
        ("NGUYEÃN VAÊN AN", "NGUYỄN VĂN AN"),
        ("ÑAËNG HÖÕU PHÖÔÙC", "ĐẶNG HỮU PHƯỚC"),
        ("Phaïm Thò AÙnh Tuyeát", "Phạm Thị Ánh Tuyết"),
        ("Aùnh", "Ánh"),  // a capital with the lowercase mark byte
        ("yï", "ỵ"),  // ỵ as y + dot, which some VNI tables use instead of 0xEE
    ])
    func vniCapitalsAndVariants(_ legacy: String, _ expected: String) {
        #expect(LegacyText.convert(legacy, from: .vni) == expected)
    }

    @Test func outputIsNFC() {
        for name in names {
            #expect(isNFC(LegacyText.convert(name.tcvn3, from: .tcvn3)))
            #expect(isNFC(LegacyText.convert(name.vni, from: .vni)))
        }
        // VN2's combining tone marks (a + 0xB3) and VNI's composed marks come out precomposed.
        #expect(Array(LegacyText.decode([0x61, 0xB3], as: .tcvn3).unicodeScalars) == ["\u{E1}"])
        #expect(Array(LegacyText.decode([0x65, 0xE3], as: .vni).unicodeScalars) == ["\u{1EC5}"])
        // Decomposed input converts the same as precomposed input.
        let nfd = "NguyÔn V¨n An".decomposedStringWithCanonicalMapping
        #expect(LegacyText.convert(nfd, from: .tcvn3) == "Nguyễn Văn An")
    }

    @Test(arguments: ["Nguyễn Văn Tâm", "Trường THCS Tân Lập", "Đặng Hữu Phước"])
    func genuineUnicodeIsLeftAlone(_ text: String) {
        for encoding in LegacyEncoding.allCases {
            #expect(LegacyText.convert(text, from: encoding) == text)
            #expect(LegacyText.convert(text.decomposedStringWithCanonicalMapping, from: encoding) == text)
        }
    }

    @Test func asciiAndUnassignedBytesKeepTheirMeaning() {
        #expect(LegacyText.convert("Lop 12A1, 2003-2004", from: .tcvn3) == "Lop 12A1, 2003-2004")
        #expect(LegacyText.convert("Lop 12A1, 2003-2004", from: .vni) == "Lop 12A1, 2003-2004")
        #expect(LegacyText.convert("“Hµ Néi” – 2004", from: .tcvn3) == "“Hà Nội” – 2004")
        #expect(LegacyText.decode([0x80, 0x81, 0x9F], as: .vni) == "€\u{81}Ÿ")
    }
}

@Suite struct OrthographyTests {
    @Test(arguments: [
        "Nguyễn", "NGUYỄN", "nguyễn", "Quỳnh", "quýt", "Thuỷ", "Thủy", "hoà", "hòa", "khuỷu", "ngoài", "Phước",
        "Việt", "gì", "giữ", "Ước", "Yến", "Oanh", "Đặng", "Hữu", "Bích", "Ngọc", "xoong", "thuở", "ý",
    ])
    func acceptsSyllables(_ word: String) {
        #expect(Orthography.isSyllable(word))
    }

    @Test(arguments: [
        "Ngheọ",  // tone on the wrong vowel of "eo"
        "Nguyeón", "Vaên", "NguyÔn", "NguyỄn", "Mỹller", "Josộ", "Hàc", "Lờờ", "Ỹn", "Thuủ", "ĭ", "â", "café",
        "Traàn", "Ngoïc", "V¨n", "",
    ])
    func rejectsNonSyllables(_ word: String) {
        #expect(!Orthography.isSyllable(word))
    }
}

@Suite struct LegacyDetectionTests {
    @Test(arguments: names)
    func detectsTCVN3(_ name: (unicode: String, tcvn3: String, vni: String)) {
        #expect(LegacyText.detect(name.tcvn3) == .tcvn3)
    }

    @Test(arguments: names)
    func detectsVNI(_ name: (unicode: String, tcvn3: String, vni: String)) {
        #expect(LegacyText.detect(name.vni) == .vni)
    }

    @Test(arguments: names)
    func unicodeVietnameseIsNotLegacy(_ name: (unicode: String, tcvn3: String, vni: String)) {
        #expect(LegacyText.detect(name.unicode) == nil)
        #expect(LegacyText.detect(name.unicode.decomposedStringWithCanonicalMapping) == nil)
    }

    @Test(arguments: [
        "NGUYÔN V¨N AN", "Lª THÞ THUû", "Ph¹m ThÞ ¸nh TuyÕt", "§inh Bé LÜnh",
        "Lª Minh Thuû",  // VNI reads "Thuû" as "Thủ", but leaves "Lª" meaningless
        "Lª Minh YÕn",  // VNI reads "YÕn" as "Ỹn", no syllable
        "TrÇn Quúnh",
    ])
    func detectsMoreTCVN3(_ text: String) {
        #expect(LegacyText.detect(text) == .tcvn3)
    }

    @Test(arguments: ["NGUYEÃN VAÊN AN", "ÑAËNG HÖÕU PHÖÔÙC", "Phaïm Thò AÙnh Tuyeát"])
    func detectsMoreVNI(_ text: String) {
        #expect(LegacyText.detect(text) == .vni)
    }

    @Test(arguments: [
        "", "   ", "Nguyen Van An", "The quick brown fox jumps over the lazy dog", "12/05/1998", "2003-2004",
        "8.5", "0912 345 678", "Lop 12A1", "THCS", "N/A",
        // Unicode Vietnamese made only of Windows-1252 letters: reads as Vietnamese already.
        "Lê Hà", "Võ Tú", "Hà Tây", "Tô Hoài", "Lê Thu Hà", "Bà Rịa",
        // Other languages in Windows-1252.
        "José García", "Müller", "École Française", "Café au lait", "Ångström", "São Paulo", "Smørrebrød",
        "© 2004 Công ty", "25°C", "± 0,5", "½ năm",
        // Too short to tell.
        "Lª", "Hµ", "Vò", "Aù",
    ])
    func notLegacy(_ text: String) {
        #expect(LegacyText.detect(text) == nil)
    }

    @Test func columnOfTCVN3() {
        let column = names.map(\.tcvn3) + ["", "12A1", "Nam", "Lª", "Hå", "Vò"]
        #expect(LegacyText.detect(column) == .tcvn3)
    }

    @Test func columnOfVNI() {
        let column = names.map(\.vni) + ["", "12A1", "Nam", "Leâ", "Hoà", "Vuõ"]
        #expect(LegacyText.detect(column) == .vni)
    }

    @Test func columnOfShortCellsGathersEnoughEvidence() {
        // Given names alone: each cell is too short to tell, the column is not.
        let tcvn3 = ["Lª", "Hå", "Vò", "§µo", "Ngäc"]
        #expect(tcvn3.allSatisfy { LegacyText.detect($0) == nil || LegacyText.detect($0) == .tcvn3 })
        #expect(LegacyText.detect(tcvn3) == .tcvn3)
        let vni = ["Leâ", "Hoà", "Vuõ", "Ñaøo", "Ngoïc"]
        #expect(LegacyText.detect(vni) == .vni)
    }

    @Test func columnOfUnicodeOrASCII() {
        #expect(LegacyText.detect(names.map(\.unicode)) == nil)
        #expect(LegacyText.detect(["Lê Hà", "Võ Tú", "Hà Tây", "Tô Hoài", "Lê Thu Hà", "Bà Rịa", "Hồ Văn Tú"]) == nil)
        #expect(LegacyText.detect(["1", "2", "12/05/1998", "Nguyen Van An", "Le Thi Ha"]) == nil)
        #expect(LegacyText.detect([String]()) == nil)
    }

    @Test func mostlyUnicodeColumnIsLeftToPerCellDecisions() {
        let column = names.map(\.unicode) + [names[0].tcvn3, names[1].tcvn3]
        #expect(LegacyText.detect(column) == nil)
        #expect(LegacyText.detect(names[0].tcvn3) == .tcvn3)
    }

    @Test func encodingsAreToldApart() {
        let tcvn3 = names.map(\.tcvn3)
        let vni = names.map(\.vni)
        #expect(LegacyText.detect(tcvn3) == .tcvn3)
        #expect(LegacyText.detect(vni) == .vni)
        // A converted column no longer looks legacy.
        #expect(LegacyText.detect(tcvn3.map { LegacyText.convert($0, from: .tcvn3) }) == nil)
        #expect(LegacyText.detect(vni.map { LegacyText.convert($0, from: .vni) }) == nil)
    }

    @Test func encodingNamesAreStable() throws {
        #expect(LegacyEncoding.allCases.map(\.rawValue) == ["tcvn3", "vni"])
        let json = try JSONEncoder().encode([LegacyEncoding.tcvn3, .vni])
        #expect(String(decoding: json, as: UTF8.self) == #"["tcvn3","vni"]"#)
    }
}
