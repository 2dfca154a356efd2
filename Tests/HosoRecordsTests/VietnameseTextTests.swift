import HosoRecords
import Testing

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
