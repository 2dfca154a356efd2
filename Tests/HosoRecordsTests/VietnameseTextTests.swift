import HosoTestSupport
import Testing

@testable import HosoRecords

@Suite struct VietnameseTextTests {
    @Test(arguments: [
        ("Nguyễn Văn An", "nguyen van an"),
        ("NGUYỄN  VĂN   AN ", "nguyen van an"),
        ("Đặng Thị Ánh Tuyết", "dang thi anh tuyet"),
        ("Nguye\u{0302}\u{0303}n", "nguyen"),  // decomposed input folds the same
        ("Trường THCS Tân Lập", "truong thcs tan lap"),
        ("Ơn Ưu Ư", "on uu u"),
    ])
    func folding(_ input: String, _ expected: String) {
        #expect(VietnameseText.fold(input) == expected)
    }

    @Test func nfcMakesDecomposedAndPrecomposedEqualByteForByte() {
        let decomposed = "Nguye\u{0302}\u{0303}n"
        let precomposed = "Nguy\u{1EC5}n"
        #expect(Array(decomposed.utf8) != Array(precomposed.utf8))
        #expect(Array(VietnameseText.nfc(decomposed).utf8) == Array(precomposed.utf8))
    }
}

@Suite struct VietnameseTextFastPathTests {
    /// The fast paths must give exactly what Foundation's normalisation gives.
    @Test func nfcFastPathAgreesWithFoundation() {
        var scalars = Array(UInt32(0x20)..<0x300) + Array(UInt32(0x1EA0)...0x1EF9)
        scalars.removeAll { Unicode.Scalar($0) == nil }
        for v in scalars {
            let s = String(Character(Unicode.Scalar(v)!))
            #expect(
                VietnameseText.nfc(s).unicodeScalars.elementsEqual(s.precomposedStringWithCanonicalMapping.unicodeScalars),
                "U+\(String(v, radix: 16))")
        }
        // Outside the fast path: a singleton (Å as U+212B) and a combining sequence still normalise.
        #expect(VietnameseText.nfc("\u{212B}").unicodeScalars.first?.value == 0xC5)
        #expect(VietnameseText.nfc("e\u{0302}\u{0303}").unicodeScalars.map(\.value) == [0x1EC5])
    }

    @Test func foldFastPathAgreesWithTheGeneralAlgorithm() {
        var g = SeededGenerator(seed: 7)
        let alphabet = Array(
            "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ  \t-.,0123456789ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ"
        )
        for _ in 0..<3000 {
            var s = ""
            for _ in 0..<Int(g.state % 20) {
                s.append(alphabet[Int(g.next() % UInt64(alphabet.count))])
            }
            _ = g.next()
            #expect(VietnameseText.fold(s) == VietnameseText.slowFold(s), "\(s)")
        }
    }
}

@Suite struct CellCleaningTests {
    @Test(
        arguments: [
            ("Nguyễn Văn An", "Nguyễn Văn An"), ("  Nguyễn  Văn\tAn \n", "Nguyễn Văn An"), ("\u{00A0}Lê Hà\u{00A0}", "Lê Hà"),
            ("Nguye\u{0302}\u{0303}n", "Nguy\u{1EC5}n"), ("", nil), ("   ", nil), ("à", "à"),
        ] as [(String, String?)])
    func cellsAreTrimmedCollapsedAndNFC(_ raw: String, _ expected: String?) {
        let got = LedgerImporter.clean(raw)
        #expect(got.map { Array($0.unicodeScalars) } == expected.map { Array($0.unicodeScalars) })
    }
}
