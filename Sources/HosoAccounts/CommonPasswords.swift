/// Passwords of 10 characters or more that are guessed first: keyboard runs, counting, words with a year, and the
/// Vietnamese ones seen on school and office computers. Small on purpose (shipped in the binary); compared without
/// regard to case. Runs of one character and counting up or down are refused whatever their length.
enum CommonPasswords {
    static let list: Set<String> = [
        "1234567890", "0123456789", "12345678910", "123456789a", "a123456789", "1234567890a", "123456789abc",
        "0987654321", "1111111111", "1234512345", "1122334455", "1234554321", "12341234", "123123123123",
        "qwertyuiop", "qwertyuiop123", "qwerty1234", "qwerty12345", "asdfghjkl1", "asdfghjkl;", "zxcvbnm123",
        "1qaz2wsx3edc", "1q2w3e4r5t", "q1w2e3r4t5", "zaq12wsx", "!qaz2wsx", "qazwsxedc1", "qazwsxedc123",
        "password12", "password123", "password1234", "password2024", "password2025", "password2026", "passw0rd123",
        "p@ssw0rd123", "p@ssword123", "administrator", "admin12345", "admin123456", "admin@123", "admin@1234",
        "adminadmin", "rootroot12", "welcome123", "welcome1234", "letmein123", "iloveyou12", "iloveyou123",
        "changeme123", "default123", "secret1234", "computer123", "internet123", "football123", "baseball123",
        "sunshine123", "princess123", "dragon1234", "monkey12345", "abcdefghij", "abcd123456", "abc1234567",
        "abcde12345", "aa12345678", "a1b2c3d4e5", "matkhau123", "matkhau1234", "matkhaumoi", "matkhau@123",
        "123456789mk", "vietnam123", "vietnam1234", "vietnam2024", "vietnam2025", "vietnam2026", "hanoi12345",
        "saigon1234", "truonghoc1", "truonghoc123", "hocsinh123", "giaovien123", "giaovien@123", "phonggiaoduc",
        "sogiaoduc1", "hieutruong1", "vanthu12345", "vanthu@123", "hoso123456", "hoso@12345", "anhyeuem123",
        "emyeuanh123", "yeuemnhieu", "nguyen12345", "tran123456", "le12345678", "pham123456", "hoang123456",
    ]

    static func contains(_ password: String) -> Bool {
        let p = password.lowercased()
        if list.contains(p) { return true }
        let scalars = Array(p.unicodeScalars.map(\.value))
        if Set(scalars).count <= 2 { return true }  // "aaaaaaaaaa", "ababababab"
        let steps = zip(scalars.dropFirst(), scalars).map { Int($0) - Int($1) }
        return steps.allSatisfy { $0 == 1 } || steps.allSatisfy { $0 == -1 }  // "abcdefghijk", "9876543210"
    }
}
