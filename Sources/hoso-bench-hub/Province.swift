// A synthetic province of districts, generated in process with tools/gen-district's rules: its name pools and
// weights, graduation years 2019-2023, ledgers of 100-140 entries numbered per office and year, serials "A0NNNNNN"
// in blocks per year, the ID columns of each year, sorted by given name. Same rules, not the same bytes (a
// SplitMix64 stream instead of Python's random). What differs, for size: a district has as many schools as it
// takes to reach its entry count (gen-district makes three), and each district has its own serial series (the
// first district "A0", then "A1" … "B0" …) so serials stay unique among millions of entries.
import Foundation
import HosoIndex
import HosoRecords

/// SplitMix64: tiny, seedable, the same sequence everywhere.
struct SplitMix64 {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    init(_ parts: [Int]) {
        var s: UInt64 = 0x686F_736F_6875_62  // "hosohub"
        for p in parts { s = (s ^ UInt64(bitPattern: Int64(p))) &* 0x100_0000_01B3 &+ 0x9E37_79B9 }
        state = s
    }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
    mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
    mutating func weighted(_ pairs: [(String, Int)]) -> String {
        var r = below(pairs.reduce(0) { $0 + $1.1 })
        for (v, w) in pairs {
            if r < w { return v }
            r -= w
        }
        return pairs[pairs.count - 1].0
    }
    mutating func hex64() -> String { (0..<4).map { _ in String(format: "%016llx", next()) }.joined() }
}

/// gen-district's vocabulary (FAMILY_KINH, FAMILY_BY_ETHNIC, ETHNIC, the middle and given names, place words, GRADES).
enum Pools {
    static let familyKinh: [(String, Int)] = [
        ("Nguyễn", 30), ("Trần", 10), ("Lê", 8), ("Phạm", 6), ("Hoàng", 5), ("Vũ", 4), ("Đỗ", 3), ("Bùi", 3), ("Đặng", 3),
        ("Ngô", 2), ("Dương", 2), ("Lương", 2), ("Đinh", 2), ("Hà", 2), ("Phan", 2), ("Trịnh", 1), ("Tạ", 1),
    ]
    static let familyByEthnic: [String: [String]] = [
        "Tày": ["Hoàng", "Nông", "Lục", "Ma", "Hà", "Lương", "Vi", "Đàm"],
        "Nùng": ["Hoàng", "Nông", "Lăng", "Chu", "Mã", "Lý"],
        "Dao": ["Triệu", "Bàn", "Đặng", "Lý", "Phùn", "Chảo"],
        "H'Mông": ["Giàng", "Vàng", "Sùng", "Thào", "Lầu", "Lý", "Hầu", "Mùa"],
        "Thái": ["Lò", "Lường", "Cầm", "Quàng", "Tòng", "Vì"],
        "Sán Dìu": ["Lâm", "Diệp", "Trương", "Lam", "Tạ"],
    ]
    static let ethnic: [(String, Int)] = [
        ("Kinh", 62), ("Tày", 12), ("Dao", 8), ("Nùng", 7), ("H'Mông", 6), ("Thái", 3), ("Sán Dìu", 2),
    ]
    static let middleMale = ["Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Tiến", "Xuân", "Đình", "Trọng", "Thành"]
    static let middleFemale = ["Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Minh", "Kim", "Hồng", "Phương", "Diệu", "Khánh"]
    static let givenMale = [
        "An", "Bình", "Cường", "Dũng", "Duy", "Hải", "Hiếu", "Hùng", "Huy", "Khang", "Khoa", "Long", "Nam", "Nghĩa", "Phong",
        "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thịnh", "Toàn", "Trung", "Tùng", "Việt", "Vinh", "Bảo", "Đạt", "Lộc", "Kiên",
    ]
    static let givenFemale = [
        "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Huyền", "Lan", "Linh", "Loan", "Mai", "My", "Nga",
        "Ngân", "Nhung", "Phương", "Quyên", "Tâm", "Thảo", "Trang", "Trâm", "Uyên", "Vân", "Vy", "Yến", "Liên", "Thư", "Hiền",
    ]
    static let hmongMiddleMale = ["A", "Seo", "Văn"]
    static let hmongGivenMale = ["Páo", "Dế", "Chứ", "Sử", "Lử", "Chả", "Pó", "Tủa", "Sình", "Chính"]
    static let hmongGivenFemale = ["Mỷ", "Dợ", "Súa", "Mai", "Chá", "Dia", "Pà", "Sua", "Mỉ", "Xi"]
    static let placeWords = [
        "Tân", "Phú", "Hòa", "Thạnh", "Bình", "Đông", "Tây", "Long", "Xuân", "Vĩnh", "Minh", "Quang", "Hưng", "Lộc", "Phong",
        "Lạc", "Thượng", "Trung", "Nghĩa", "Hồng", "Thanh", "Sơn", "Khê", "Vân", "Cao", "Lâm",
    ]
    static let provinceWords = ["Sơn", "Lĩnh", "Thượng", "Lâm", "Vân", "Cao"]
    static let notADistrict: Set<String> = ["Hòa Bình", "Vĩnh Long", "Bình Long", "Tân Phú", "Xuân Lộc"]
    static let grades: [(String, Int)] = [("Giỏi", 18), ("Khá", 42), ("Trung bình", 40)]
    static let years = [2019, 2020, 2021, 2022, 2023]
    /// ID_COLUMNS: which ID columns a year's ledger has, and how often they are filled.
    static func idRates(_ year: Int) -> (citizen: Double, moet: Double) {
        switch year {
        case 2021: return (0, 0.4)
        case 2022: return (0.75, 0.85)
        case 2023: return (0.92, 0.95)
        default: return (0, 0)
        }
    }
}

func asciiCode(_ text: String) -> String {
    VietnameseText.fold(text).uppercased().replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "'", with: "")
}

/// One ledger as an import hands it to the index: its record id, revision and entry rows.
struct SynthLedger {
    var recordId: String
    var revision: RevisionRow
    var entries: [EntryRow]
}

/// The districts of the province, each made on demand from (seed, number): nothing of the whole is kept in memory.
struct Province {
    let seed: Int
    /// Entries per district (about: ledgers have 100-140 entries).
    let districtEntries: Int
    let name: String
    /// Every district name (two place words, as gen-district), in a seeded order.
    let districtNames: [String]

    init(seed: Int, districtEntries: Int) {
        self.seed = seed
        self.districtEntries = districtEntries
        var rng = SplitMix64([seed, -1])
        let w = Pools.provinceWords
        let a = rng.below(w.count)
        var b = rng.below(w.count - 1)
        if b >= a { b += 1 }
        name = w[a] + " " + w[b]
        var names = [String]()
        for x in Pools.placeWords {
            for y in Pools.placeWords where x != y && !Pools.notADistrict.contains(x + " " + y) { names.append(x + " " + y) }
        }
        // One name per code: the code is in every record id of the district.
        var codes = Set<String>()
        names = names.filter { codes.insert(asciiCode($0)).inserted }
        for i in stride(from: names.count - 1, to: 0, by: -1) { names.swapAt(i, rng.below(i + 1)) }
        districtNames = names
    }

    /// Schools per district so that five years of ledgers of ~120 entries give `districtEntries`.
    var schoolsPerDistrict: Int { max(1, Int((Double(districtEntries) / (Double(Pools.years.count) * 120)).rounded())) }

    /// Serial series of district `d`: "A0" for the first (gen-district's), then "A1" … "A9", "B0" …, "Z9", "AA0" ….
    static func series(_ d: Int) -> String {
        var letters = ""
        var n = d / 10
        repeat {
            letters = String(UnicodeScalar(UInt8(65 + n % 26))) + letters
            n = n / 26 - 1
        } while n >= 0
        return letters + String(d % 10)
    }

    /// The ledgers of district `d`, in order (year, then school), passed one at a time to `body`; `globalStart` is the
    /// number of entries before this district (for the unique MOET ids). Returns the entries made.
    @discardableResult
    func district(_ d: Int, globalStart: Int, _ body: (SynthLedger) throws -> Void) rethrows -> Int {
        let dname = districtNames[d % districtNames.count] + (d < districtNames.count ? "" : " \(d / districtNames.count + 1)")
        let issuer = "Phòng Giáo dục và Đào tạo huyện " + dname
        let code = "PGD-" + asciiCode(dname)
        var rng = SplitMix64([seed, d, 1])
        // Communes: pairs of the place words not in the district's name, distinct (gen-district's make_district).
        let used = Set(dname.split(separator: " ").map(String.init))
        let pool = Pools.placeWords.filter { !used.contains($0) }
        var communes = [String]()
        var seen = Set<String>()
        let wanted = schoolsPerDistrict + 1
        var tries = 0
        while communes.count < wanted {
            // Beyond the distinct pairs, numbered communes (a very big synthetic district only).
            tries += 1
            if tries > 100_000 {
                communes.append("\(pool[communes.count % pool.count]) \(communes.count)")
                continue
            }
            let a = rng.below(pool.count)
            var b = rng.below(pool.count - 1)
            if b >= a { b += 1 }
            let c = pool[a] + " " + pool[b]
            // Distinct by code too ("Thạnh" and "Thanh" fold alike): the code is in the ledger's record id.
            if seen.insert(asciiCode(c)).inserted { communes.append(c) }
        }
        let town = communes[communes.count - 1]
        let schoolCommunes = Array(communes.prefix(schoolsPerDistrict))
        let series = Self.series(d)
        var made = 0
        var serialBase = 100_000
        for year in Pools.years {
            var number = 1  // the office numbers every diploma of the calendar year
            var serial = serialBase + rng.below(20_000)
            serialBase += 150_000
            for commune in schoolCommunes {
                let school = "Trường THCS " + commune
                let recordId = "\(code)/THCS/\(year)/THCS-\(asciiCode(commune))"
                let count = 100 + rng.below(41)
                let revision = RevisionRow(
                    id: rng.hex64(), recordType: "ledger", recordId: recordId, author: "bench-hub", time: "\(year)-07-15T08:00:00Z",
                    reason: nil, parents: [])
                var people = [(name: String, sex: String, ethnic: String, sortKey: String)]()
                people.reserveCapacity(count)
                for _ in 0..<count {
                    let sex = rng.unit() < 0.51 ? "Nam" : "Nữ"
                    let ethnic = rng.weighted(Pools.ethnic)
                    let name = personName(&rng, male: sex == "Nam", ethnic: ethnic)
                    // Class lists are sorted by given name, then the rest (accents ignored).
                    let parts = VietnameseText.fold(name).split(separator: " ")
                    people.append(
                        (name, sex, ethnic, String(parts.last ?? "") + "\u{1}" + parts.dropLast().joined(separator: " ") + "\u{1}" + name))
                }
                people.sort { $0.sortKey < $1.sortKey }
                let rates = Pools.idRates(year)
                let schoolKey = VietnameseText.fold(school)
                var rows = [EntryRow]()
                rows.reserveCapacity(count)
                for (i, p) in people.enumerated() {
                    let born = birthDate(&rng, year: year)
                    let place = placeOfBirth(&rng, communes: communes, town: town, district: dname)
                    var cid: String? = nil
                    var mid: String? = nil
                    if rng.unit() < rates.citizen {
                        let century = (born.year / 100 - 19) * 2 + (p.sex == "Nam" ? 0 : 1)
                        cid = "003\(century)" + String(format: "%02d%06d", born.year % 100, rng.below(1_000_000))
                    }
                    if rng.unit() < rates.moet {
                        // Unique over the whole run: a permutation of the entry's global number.
                        mid = "03" + String(format: "%08d", ((globalStart + made + i) &* 7919 &+ 12_345) % 100_000_000)
                    }
                    let page = i < 20 ? 1 : 2 + (i - 20) / 25  // 20 rows on the first page, 25 after (gen-district's layout)
                    rows.append(
                        EntryRow(
                            revisionId: revision.id, recordId: recordId, stt: i + 1, fullName: p.name, nameKey: VietnameseText.fold(p.name),
                            dateOfBirth: String(format: "%04d-%02d-%02d", born.year, born.month, born.day), placeOfBirth: place,
                            placeKey: VietnameseText.fold(place), sex: p.sex, ethnicity: p.ethnic,
                            graduationGrade: rng.weighted(Pools.grades), serial: series + String(format: "%06d", serial),
                            ledgerNumber: number + i, year: year, school: school, schoolKey: schoolKey, issuer: issuer,
                            citizenId: cid, moetId: mid, page: page))
                    // Now and then a blank is spoiled and skipped: serials need not be consecutive.
                    serial += rng.unit() < 0.02 ? 2 : 1
                }
                number += count
                made += count
                try body(SynthLedger(recordId: recordId, revision: revision, entries: rows))
            }
        }
        return made
    }

    func personName(_ rng: inout SplitMix64, male: Bool, ethnic: String) -> String {
        if ethnic == "H'Mông" {
            let family = rng.pick(Pools.familyByEthnic[ethnic]!)
            let middle = male ? rng.pick(Pools.hmongMiddleMale) : "Thị"
            return family + " " + middle + " " + rng.pick(male ? Pools.hmongGivenMale : Pools.hmongGivenFemale)
        }
        let family = ethnic == "Kinh" ? rng.weighted(Pools.familyKinh) : rng.pick(Pools.familyByEthnic[ethnic]!)
        let middle = rng.pick(male ? Pools.middleMale : Pools.middleFemale)
        return family + " " + middle + " " + rng.pick(male ? Pools.givenMale : Pools.givenFemale)
    }

    /// Lower-secondary graduates are mostly 15 (born year-15), some 16, a few 14.
    func birthDate(_ rng: inout SplitMix64, year: Int) -> (year: Int, month: Int, day: Int) {
        let r = rng.below(100)
        let age = r < 2 ? 14 : r < 88 ? 15 : 16
        let y = year - age
        var day = rng.below(365)
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let months = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var m = 0
        while day >= months[m] {
            day -= months[m]
            m += 1
        }
        return (y, m + 1, day + 1)
    }

    func placeOfBirth(_ rng: inout SplitMix64, communes: [String], town: String, district: String) -> String {
        let r = rng.unit()
        if r < 0.80 { return "Xã \(communes[rng.below(communes.count - 1)]), huyện \(district)" }
        if r < 0.92 { return "Thị trấn \(town), huyện \(district)" }
        func pair(_ words: [String]) -> String {
            let a = rng.below(words.count)
            var b = rng.below(words.count - 1)
            if b >= a { b += 1 }
            return words[a] + " " + words[b]
        }
        return "Xã \(pair(Pools.placeWords)), huyện \(pair(Pools.placeWords)), tỉnh \(pair(Pools.provinceWords))"
    }
}
