// The synthetic data of `hoso-bench records`: seedable randomness, Vietnamese names with real frequencies, and the
// shapes the generator hands to the benchmark.
// MARK: - Deterministic synthetic ledgers

/// SplitMix64: tiny, seedable, the same sequence on every platform (Swift's SystemRandomNumberGenerator is not seedable).
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(UInt64(1) << 53) < p }
    mutating func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(below(10))) }) }
}

/// Name parts with rough real frequencies: the skew matters, since "nguyen" alone is in a third of all names
/// and that is what makes name lookups expensive.
enum Names {
    static let surnames: [(String, Int)] = [
        ("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Hoàng", 30), ("Huỳnh", 20), ("Phan", 45), ("Vũ", 20),
        ("Võ", 19), ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13), ("Ngô", 13), ("Dương", 10), ("Lý", 5), ("Đinh", 8),
        ("Trương", 8), ("Lương", 5), ("Mai", 5), ("Tạ", 3), ("Cao", 4), ("Lâm", 4), ("Hà", 4), ("Đoàn", 5), ("Vương", 2),
        ("Triệu", 2), ("Chu", 2), ("Quách", 2), ("Lục", 1), ("Nông", 3), ("Lò", 2), ("Thái", 2), ("Tô", 2),
    ]
    static let maleMiddle = [
        "Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thành", "Xuân", "Ngọc", "Hoàng", "Gia", "Anh",
        "Trọng", "Quốc", "Tiến", "Mạnh", "Duy", "Đình", "Bá", "Thế",
    ]
    static let femaleMiddle = [
        "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Bảo", "Khánh", "Phương", "Mai", "Hồng",
        "Kim", "Diệu", "Hoài", "Thùy", "Mỹ", "Quỳnh",
    ]
    static let maleGiven = [
        "An", "Bình", "Cường", "Dũng", "Duy", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang", "Khoa",
        "Kiên", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài",
        "Thắng", "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Đạt",
        "Đức", "Khôi", "Lâm", "Lộc", "Nhân", "Phát", "Hưng", "Thịnh", "Trí", "Bảo", "Hậu",
    ]
    static let femaleGiven = [
        "Anh", "Bích", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng",
        "Huệ", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung",
        "Oanh", "Phương", "Quyên", "Quỳnh", "Thảo", "Thu", "Thủy", "Trang", "Trinh", "Uyên", "Vân",
        "Vy", "Yến", "Nhi", "Tâm", "Thư", "Hân", "Ly", "Nhàn", "Tuyết", "Xuân",
    ]
    static let ethnicities: [(String, Int)] = [
        ("Kinh", 850), ("Tày", 25), ("Thái", 20), ("Mường", 18), ("Khmer", 15),
        ("Hoa", 10), ("Nùng", 12), ("H'Mông", 15), ("Dao", 10), ("Sán Dìu", 5),
    ]
    static let grades: [(String, Int)] = [("Giỏi", 20), ("Khá", 45), ("Trung bình", 35)]

    /// Districts with their province, code and communes: where schools are and people are born.
    static let districts: [(name: String, province: String, code: String, provinceCode: String, communes: [String])] = [
        ("Tân Lập", "Phú Thọ", "TANLAP", "025", ["Tân Lập", "Hòa Bình", "Xuân Sơn", "Minh Đài", "Long Cốc", "Văn Luông"]),
        ("Yên Thế", "Bắc Giang", "YENTHE", "024", ["Bố Hạ", "Đồng Kỳ", "Tam Tiến", "Phồn Xương", "Canh Nậu"]),
        ("Krông Pắc", "Đắk Lắk", "KRONGPAC", "066", ["Phước An", "Ea Kly", "Hòa An", "Ea Phê", "Krông Búk"]),
        ("Châu Thành", "An Giang", "CHAUTHANH", "089", ["An Châu", "Bình Hòa", "Cần Đăng", "Vĩnh Hanh", "Hòa Bình Thạnh"]),
        ("Hải Hậu", "Nam Định", "HAIHAU", "036", ["Yên Định", "Cồn", "Thịnh Long", "Hải Minh", "Hải Đường", "Hải Anh"]),
        ("Quỳnh Lưu", "Nghệ An", "QUYNHLUU", "040", ["Cầu Giát", "Quỳnh Bá", "Quỳnh Hồng", "Quỳnh Thạch", "Sơn Hải"]),
        ("Tuy Phước", "Bình Định", "TUYPHUOC", "052", ["Tuy Phước", "Diêu Trì", "Phước Hòa", "Phước Sơn", "Phước Lộc"]),
        ("Mường Tè", "Lai Châu", "MUONGTE", "012", ["Mường Tè", "Ka Lăng", "Bum Tở", "Pa Ủ", "Mù Cả"]),
    ]
}

/// A cumulative-weight table to draw weighted choices from.
struct Weighted {
    let items: [String]
    let cumulative: [Int]
    init(_ pairs: [(String, Int)]) {
        items = pairs.map(\.0)
        var c = [Int]()
        var total = 0
        for (_, w) in pairs {
            total += w
            c.append(total)
        }
        cumulative = c
    }
    func draw(_ rng: inout SplitMix64) -> String {
        let r = rng.below(cumulative.last!)
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > r { hi = mid } else { lo = mid + 1 }
        }
        return items[lo]
    }
}

/// One entry as the generator writes it, and as the index should hold it (with the folded keys the index adds).
struct GenEntry {
    var stt: Int
    var fullName: String
    var dobISO: String
    var place: String
    var sex: String
    var ethnicity: String
    var grade: String
    var serial: String
    var ledgerNumber: Int
    var signed: Bool
    var citizenId: String?
    var moetId: String?
}

struct LedgerFile {
    var recordId: String
    var year: Int
    var school: String
    var issuer: String
    var csv: String
    var mapping: String
    var entries: Int
    var firstGlobal: Int
}

/// What a lookup targets: the entry it must find.
struct Target {
    var serial: String
    var fullName: String
}

struct Generated {
    var ledgers: [LedgerFile]
    /// The reference import's rows: the entries of the ledgers timed against raw SQLite.
    var referenceRows: [RefRow]
    /// Global entry index → its serial and name, for the sampled lookup targets only (memory stays bounded).
    var targets: [Int: Target]
    var csvBytes: Int64
}

/// A row exactly as `ArchiveIndex.replaceEntries` inserts it into `entry` and `entry_fts`.
struct RefRow {
    var revisionId: String, recordId: String, stt: Int, fullName: String, nameKey: String, dateOfBirth: String
    var placeOfBirth: String, placeKey: String, sex: String, ethnicity: String, graduationGrade: String, serial: String
    var ledgerNumber: Int, year: Int, school: String, schoolKey: String, issuer: String, citizenId: String?, moetId: String?
}
