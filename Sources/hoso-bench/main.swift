// hoso-bench: benchmarks that must run in-process (lookup latency cannot be measured through a CLI).
// Run by tools/bench-records; see `usage` below.
//
// `records`: imports synthetic ledgers through `Archive.importLedger` and looks entries up through `Archive.find`,
// each against raw SQLite doing the same work on the same table in the same run, so the ratios hold on any machine.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDBSQLite  // the sqlite3 C API of the library GRDB links: the reference runs on the very same SQLite
import HosoIndex   // ArchiveIndex.findEntries / usedNumbers / heads: to tell the layers apart
import HosoKit
import HosoRecords // VietnameseText.fold and the importer's public stages, for the stage probe

let usage = """
    usage: hoso-bench records --work DIR [--entries N] [--index-entries N] [--queries N] [--json FILE]
                              [--seed S] [--per-ledger N] [--probes N] [--fill-budget SECONDS] [--fail-on-miss]

      --work DIR            empty or new directory for ledgers, the archive and the reference database
      --entries N           entries imported and timed against raw SQLite (100000)
      --index-entries N     entries in the index when lookups are measured (1000000)
      --queries N           lookups per kind (10000)
      --per-ledger N        mean entries per ledger file (500)
      --probes N            stage probes (per-stage timing of one ledger) spread over the whole import (12)
      --fill-budget S       stop filling the index after S seconds of importing and measure lookups on what
                            is there (0 = no limit); the summary then says the index is smaller than asked
      --fail-on-miss        exit 3 when a target is missed

    Exit status: 0 ran and results are sane, 1 a sanity check failed, 2 could not run, 3 a target missed
    (with --fail-on-miss).
    """

// MARK: - Output and timing

func say(_ s: String = "") {
    // Unbuffered, so progress shows through a pipe as it happens.
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}

func warn(_ s: String) {
    FileHandle.standardError.write(Data(("hoso-bench: " + s + "\n").utf8))
}

/// Monotonic nanoseconds.
@inline(__always) func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func seconds(_ ns: UInt64) -> Double { Double(ns) / 1e9 }

func fmt(_ d: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", d) }

func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return out
}

func selfUsage() -> rusage {
    var u = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)  // Glibc imports the who-constant as an enum
    #else
    getrusage(RUSAGE_SELF, &u)
    #endif
    return u
}

func peakRSSMiB() -> Double { Double(selfUsage().ru_maxrss) / 1024 }  // KiB on Linux

/// Profiles only the timed import: `perf record --control=fifo:CTL,ACK -D -1 …` with HOSO_BENCH_PERF_CTL=CTL and
/// HOSO_BENCH_PERF_ACK=ACK starts sampling when the import starts and stops it when it ends.
func perfControl(_ command: String) {
    guard let ctl = ProcessInfo.processInfo.environment["HOSO_BENCH_PERF_CTL"] else { return }
    let fd = open(ctl, O_WRONLY)
    guard fd >= 0 else { warn("cannot open \(ctl)"); return }
    let line = Array((command + "\n").utf8)
    _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    if let ack = ProcessInfo.processInfo.environment["HOSO_BENCH_PERF_ACK"] {
        let a = open(ack, O_RDONLY)
        if a >= 0 {
            var buf = [UInt8](repeating: 0, count: 8)
            _ = read(a, &buf, buf.count)
            close(a)
        }
    }
}

/// CPU time (user + system) of the whole process so far, every thread: on a shared machine the wall time of an
/// import depends on the others' load, its CPU time much less.
func cpuNs() -> UInt64 {
    let u = selfUsage()
    func ns(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_usec) * 1000 }
    return ns(u.ru_utime) + ns(u.ru_stime)
}

func treeBytes(_ path: String) -> Int64 {
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total: Int64 = 0
    while let rel = e.nextObject() as? String {
        var st = stat()
        if lstat(path + "/" + rel, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int64(st.st_size) }
    }
    return total
}

func fileBytes(_ path: String) -> Int64 {
    var st = stat()
    return stat(path, &st) == 0 ? Int64(st.st_size) : 0
}

struct BenchFailure: Error { let message: String }

/// A function rather than a constant, so the compiler does not flag the other branch as unreachable.
@inline(never) func isDebugBuild() -> Bool {
    #if DEBUG
    return true
    #else
    return false
    #endif
}

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
    static let maleMiddle = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thành", "Xuân", "Ngọc", "Hoàng", "Gia", "Anh",
                             "Trọng", "Quốc", "Tiến", "Mạnh", "Duy", "Đình", "Bá", "Thế"]
    static let femaleMiddle = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Bảo", "Khánh", "Phương", "Mai", "Hồng",
                               "Kim", "Diệu", "Hoài", "Thùy", "Mỹ", "Quỳnh"]
    static let maleGiven = ["An", "Bình", "Cường", "Dũng", "Duy", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang", "Khoa",
                            "Kiên", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài",
                            "Thắng", "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Đạt",
                            "Đức", "Khôi", "Lâm", "Lộc", "Nhân", "Phát", "Hưng", "Thịnh", "Trí", "Bảo", "Hậu"]
    static let femaleGiven = ["Anh", "Bích", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng",
                              "Huệ", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung",
                              "Oanh", "Phương", "Quyên", "Quỳnh", "Thảo", "Thu", "Thủy", "Trang", "Trinh", "Uyên", "Vân",
                              "Vy", "Yến", "Nhi", "Tâm", "Thư", "Hân", "Ly", "Nhàn", "Tuyết", "Xuân"]
    static let ethnicities: [(String, Int)] = [("Kinh", 850), ("Tày", 25), ("Thái", 20), ("Mường", 18), ("Khmer", 15),
                                                ("Hoa", 10), ("Nùng", 12), ("H'Mông", 15), ("Dao", 10), ("Sán Dìu", 5)]
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
        var c = [Int](), total = 0
        for (_, w) in pairs { total += w; c.append(total) }
        cumulative = c
    }
    func draw(_ rng: inout SplitMix64) -> String {
        let r = rng.below(cumulative.last!)
        var lo = 0, hi = cumulative.count - 1
        while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] > r { hi = mid } else { lo = mid + 1 } }
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
struct Target { var serial: String; var fullName: String }

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

enum Generator {
    static let header = ["STT", "Họ và tên", "Ngày sinh", "Nơi sinh", "Giới tính", "Dân tộc", "Xếp loại TN", "Số hiệu VB",
                         "Số vào sổ", "Chữ ký", "Số CCCD", "Mã định danh"]

    static func csvCell(_ s: String) -> String {
        s.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "," })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// Writes ledgers totalling `total` entries into `dir`; the first ledgers total exactly `split` entries
    /// (the timed import), the rest fill the index. Ledger numbers run on per year across ledgers, serials are
    /// unique across all of them.
    static func generate(into dir: String, split: Int, total: Int, perLedger: Int, seed: UInt64,
                         targetIndices: Set<Int>) throws -> Generated {
        var rng = SplitMix64(state: seed)
        let surnames = Weighted(Names.surnames), ethnicities = Weighted(Names.ethnicities), grades = Weighted(Names.grades)
        let years = Array(2000...2024)
        var nextNumber = [Int: Int]()
        var ledgers = [LedgerFile]()
        var refRows = [RefRow]()
        refRows.reserveCapacity(split)
        var targets = [Int: Target]()
        var global = 0
        var csvBytes: Int64 = 0
        // Diploma blanks are printed in series: a 2-letter series, then a 7-digit number unique across the run.
        let serialBase = 1_000_000 + rng.below(1_000_000)
        while global < total {
            let i = ledgers.count
            let year = years[i % years.count]
            let schoolNo = i / years.count  // each school has one ledger per year
            let district = Names.districts[schoolNo % Names.districts.count]
            let thpt = schoolNo % 4 == 3
            let level = thpt ? "THPT" : "THCS"
            let commune = district.communes[(schoolNo / Names.districts.count) % district.communes.count]
            let school = thpt ? "Trường THPT \(district.name) số \(schoolNo / 4 + 1)" : "Trường THCS \(commune) \(schoolNo)"
            let issuer = thpt ? "Sở Giáo dục và Đào tạo tỉnh \(district.province)"
                              : "Phòng Giáo dục và Đào tạo huyện \(district.name)"
            let recordId = "\(thpt ? "SGD" : "PGD")-\(district.code)/\(level)/\(year)/S\(String(format: "%04d", schoolNo))"
            // ~perLedger entries, never crossing the split (so the timed import is exactly `split` entries).
            let boundary = global < split ? split : total
            let count = min(perLedger - perLedger / 10 + rng.below(perLedger / 5 + 1), boundary - global)
            let series = String(UnicodeScalar(UInt8(65 + rng.below(26)))) + String(UnicodeScalar(UInt8(65 + rng.below(26))))
            let firstNumber = nextNumber[year, default: 1]
            nextNumber[year] = firstNumber + count
            let fakeRevision = String(repeating: String(format: "%08x", i), count: 8)  // same length as a real id
            let schoolKey = VietnameseText.fold(school)

            var lines = [header.joined(separator: ";")]
            lines.reserveCapacity(count + 1)
            for k in 0..<count {
                let male = rng.chance(0.5)
                var parts = [surnames.draw(&rng)]
                parts.append(rng.pick(male ? Names.maleMiddle : Names.femaleMiddle))
                if rng.chance(0.25) { parts.append(rng.pick(male ? Names.maleMiddle : Names.femaleMiddle)) }
                parts.append(rng.pick(male ? Names.maleGiven : Names.femaleGiven))
                if parts[1] == parts.dropFirst(2).first { parts.remove(at: 2) }  // no "Thị Thị"
                let born = year - (thpt ? 18 : 15) - (rng.chance(0.1) ? 1 : 0)
                let month = 1 + rng.below(12), day = 1 + rng.below(28)
                let home = rng.chance(0.8) ? district : rng.pick(Names.districts)
                let place = "Xã \(rng.pick(home.communes)), huyện \(home.name), tỉnh \(home.province)"
                // CCCD: province, century-and-sex digit, 2-digit birth year, 6 digits (the layout the importer checks).
                let citizenId = rng.chance(0.6)
                    ? home.provinceCode + String((born / 100 - 19) * 2 + (male ? 0 : 1)) + String(format: "%02d", born % 100)
                      + rng.digits(6) : nil
                let moetId = rng.chance(0.5) ? home.provinceCode.suffix(2) + rng.digits(8) : nil
                let e = GenEntry(stt: k + 1, fullName: parts.joined(separator: " "),
                                 dobISO: String(format: "%04d-%02d-%02d", born, month, day), place: place,
                                 sex: male ? "Nam" : "Nữ", ethnicity: ethnicities.draw(&rng), grade: grades.draw(&rng),
                                 serial: series + String(format: "%07d", serialBase + global + k),
                                 ledgerNumber: firstNumber + k, signed: rng.chance(0.9), citizenId: citizenId,
                                 moetId: moetId.map(String.init))
                let dob = String(format: "%02d/%02d/%04d", day, month, born)
                lines.append([String(e.stt), e.fullName, dob, e.place, e.sex, e.ethnicity, e.grade, e.serial,
                              String(e.ledgerNumber), e.signed ? "x" : "", e.citizenId ?? "", e.moetId ?? ""]
                    .map(csvCell).joined(separator: ";"))
                if targetIndices.contains(global + k) { targets[global + k] = Target(serial: e.serial, fullName: e.fullName) }
                if global + k < split {
                    refRows.append(RefRow(revisionId: fakeRevision, recordId: recordId, stt: e.stt, fullName: e.fullName,
                                          nameKey: VietnameseText.fold(e.fullName), dateOfBirth: e.dobISO,
                                          placeOfBirth: e.place, placeKey: VietnameseText.fold(e.place), sex: e.sex,
                                          ethnicity: e.ethnicity, graduationGrade: e.grade, serial: e.serial,
                                          ledgerNumber: e.ledgerNumber, year: year, school: school, schoolKey: schoolKey,
                                          issuer: issuer, citizenId: e.citizenId, moetId: e.moetId))
                }
            }
            let name = String(format: "L%05d", i)
            let csvPath = dir + "/" + name + ".csv", mappingPath = dir + "/" + name + ".mapping.json"
            let csv = Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
            csvBytes += Int64(csv.count)
            let mapping = """
                {"format":"hoso/ledger-mapping","version":1,"recordId":\(jsonString(recordId)),
                 "ledger":{"issuer":\(jsonString(issuer)),"title":"SỔ GỐC CẤP BẰNG TỐT NGHIỆP \(level)","level":"\(level)",
                   "decision":{"number":"\(100 + i % 800)/QĐ-\(thpt ? "SGDĐT" : "PGDĐT")","date":"\(year)-06-15"},
                   "year":\(year),"school":\(jsonString(school)),"mode":"Giáo dục chính quy"},
                 "columns":{"stt":"STT","fullName":"Họ và tên","dateOfBirth":"Ngày sinh","placeOfBirth":"Nơi sinh",
                   "sex":"Giới tính","ethnicity":"Dân tộc","graduationGrade":"Xếp loại TN","serial":"Số hiệu VB",
                   "ledgerNumber":"Số vào sổ","recipientSigned":"Chữ ký","citizenId":"Số CCCD","moetId":"Mã định danh"},
                 "dateFormat":"dd/MM/yyyy"}

                """
            guard FileManager.default.createFile(atPath: csvPath, contents: csv),
                  FileManager.default.createFile(atPath: mappingPath, contents: Data(mapping.utf8)) else {
                throw BenchFailure(message: "cannot write ledgers into \(dir)")
            }
            ledgers.append(LedgerFile(recordId: recordId, year: year, school: school, issuer: issuer, csv: csvPath,
                                      mapping: mappingPath, entries: count, firstGlobal: global))
            global += count
        }
        return Generated(ledgers: ledgers, referenceRows: refRows, targets: targets, csvBytes: csvBytes)
    }
}

// MARK: - Raw SQLite (the reference)

/// A bare sqlite3 connection: no Swift layer between the caller and SQLite beyond the C calls themselves.
final class RawDB {
    let handle: OpaquePointer
    let path: String

    init(path: String, readOnly: Bool = false) throws {
        var h: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        guard sqlite3_open_v2(path, &h, flags, nil) == SQLITE_OK, let h else {
            if let h { sqlite3_close_v2(h) }
            throw BenchFailure(message: "sqlite3_open_v2 \(path) failed")
        }
        handle = h
        self.path = path
    }

    deinit { sqlite3_close_v2(handle) }

    var error: String { String(cString: sqlite3_errmsg(handle)) }

    func exec(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw BenchFailure(message: "\(sql): \(error)") }
    }

    func prepare(_ sql: String) throws -> OpaquePointer {
        var s: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &s, nil) == SQLITE_OK, let s else {
            throw BenchFailure(message: "prepare \(sql): \(error)")
        }
        return s
    }

    /// Every row's first column as text (untimed helpers: schema, query plans).
    func strings(_ sql: String, column: Int32 = 0) throws -> [String] {
        let s = try prepare(sql)
        defer { sqlite3_finalize(s) }
        var out = [String]()
        while sqlite3_step(s) == SQLITE_ROW {
            if let p = sqlite3_column_text(s, column) { out.append(String(cString: p)) }
        }
        return out
    }
}

/// SQLITE_TRANSIENT is a C macro (a cast of -1), which Swift does not import.
@inline(__always) func transient() -> sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }

@inline(__always) func bind(_ s: OpaquePointer, _ i: Int32, _ v: String?) {
    if let v { sqlite3_bind_text(s, i, v, -1, transient()) } else { sqlite3_bind_null(s, i) }
}

@inline(__always) func bind(_ s: OpaquePointer, _ i: Int32, _ v: Int) { sqlite3_bind_int64(s, i, Int64(v)) }

/// Inserts `rows` as `ArchiveIndex.replaceEntries` does (an `entry` row, then its `entry_fts` row), with the
/// index's own schema, pragmas and library, but in one transaction with prepared statements and nothing else:
/// the raw-SQLite lower bound of the index write.
func referenceImport(rows: [RefRow], schema: [String], path: String) throws -> UInt64 {
    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    let db = try RawDB(path: path)
    // As GRDB's DatabasePool sets them on the archive's index, with the index's own per-connection pragmas.
    try db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
    try db.exec(ArchiveIndex.connectionPragmas)
    try db.exec(ArchiveIndex.writerPragmas)
    for sql in schema { try db.exec(sql) }
    let start = now()
    try db.exec("BEGIN IMMEDIATE")
    let ins = try db.prepare("""
        INSERT INTO entry (revisionId, recordId, stt, fullName, nameKey, dateOfBirth, placeOfBirth, sex, ethnicity,
            graduationGrade, serial, ledgerNumber, year, school, issuer, citizenId, moetId, page)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    let fts = try db.prepare("INSERT INTO entry_fts (rowid, nameKey, placeKey, schoolKey) VALUES (?, ?, ?, ?)")
    defer { sqlite3_finalize(ins); sqlite3_finalize(fts) }
    for r in rows {
        bind(ins, 1, r.revisionId); bind(ins, 2, r.recordId); bind(ins, 3, r.stt); bind(ins, 4, r.fullName)
        bind(ins, 5, r.nameKey); bind(ins, 6, r.dateOfBirth); bind(ins, 7, r.placeOfBirth); bind(ins, 8, r.sex)
        bind(ins, 9, r.ethnicity); bind(ins, 10, r.graduationGrade); bind(ins, 11, r.serial); bind(ins, 12, r.ledgerNumber)
        bind(ins, 13, r.year); bind(ins, 14, r.school); bind(ins, 15, r.issuer); bind(ins, 16, r.citizenId)
        bind(ins, 17, r.moetId); sqlite3_bind_null(ins, 18)
        guard sqlite3_step(ins) == SQLITE_DONE else { throw BenchFailure(message: "reference insert: \(db.error)") }
        sqlite3_reset(ins)
        sqlite3_bind_int64(fts, 1, sqlite3_last_insert_rowid(db.handle))
        bind(fts, 2, r.nameKey); bind(fts, 3, r.placeKey); bind(fts, 4, r.schoolKey)
        guard sqlite3_step(fts) == SQLITE_DONE else { throw BenchFailure(message: "reference fts insert: \(db.error)") }
        sqlite3_reset(fts)
    }
    try db.exec("COMMIT")
    return now() - start
}

// MARK: - Import through the archive

struct Checkpoint: Codable {
    var indexEntries: Int
    /// Throughput of the ledgers imported since the previous checkpoint.
    var entriesPerSecond: Double
    var msPerLedger: Double
}

/// Where one ledger's import time goes, measured by running the importer's public stages one by one on that
/// ledger just before importing it for real (untimed for throughput).
struct Probe: Codable {
    var indexEntries: Int
    var ledgerEntries: Int
    var totalMs: Double
    var loadMappingMs: Double
    var readCSVMs: Double
    var usedNumbersMs: Double
    var validateMs: Double
    var buildAndSerializeBodyMs: Double
    var headsMs: Double
    /// Whatever the stages above do not cover: staging and committing the revision object (fsync), building
    /// the entry rows, and the index transaction.
    var restMs: Double
}

struct ImportResult {
    var entries = 0
    var ledgers = 0
    var ns: UInt64 = 0
    /// CPU time of the process during the timed imports (the probes' stages excluded).
    var cpuNs: UInt64 = 0
    var checkpoints = [Checkpoint]()
    var probes = [Probe]()
    var stoppedByBudget = false
    var entriesPerSecond: Double { ns == 0 ? 0 : Double(entries) / seconds(ns) }
    var cpuMsPerThousand: Double { entries == 0 ? 0 : ms(cpuNs) / Double(entries) * 1000 }
}

func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }

func probe(_ l: LedgerFile, archive: Archive) throws -> (Probe, UInt64) {
    var t = now()
    func lap() -> UInt64 { let n = now(); defer { t = n }; return n - t }
    let mapping = try LedgerMapping.load(path: l.mapping)
    let tMapping = lap()
    guard let data = FileManager.default.contents(atPath: l.csv) else { throw BenchFailure(message: "cannot read \(l.csv)") }
    let table = try CSVReader.read(bytes: Array(data), source: l.csv)
    let tCSV = lap()
    // The file's serials and number range, as importLedger asks for them.
    func column(_ field: String) -> [String] {
        guard let c = mapping.columns[field].flatMap({ table.column(named: $0) }) else { return [] }
        return table.rows.compactMap { c < $0.cells.count ? $0.cells[c] : nil }
    }
    let numbers = column("ledgerNumber").compactMap { Int($0.split(separator: "/").first ?? "") }
    let used = try archive.index.usedNumbers(year: mapping.year, issuer: mapping.issuer, excludingRecord: mapping.recordId,
                                             serials: column("serial"), numbers: numbers.min().map { $0...numbers.max()! })
    let tUsed = lap()
    let draft = LedgerImporter.read(table, mapping: mapping, scanPages: [],
                                    existing: ExistingLedgerNumbers(serials: used.serials, ledgerNumbers: used.numbers))
    let tValidate = lap()
    _ = try CanonicalJSON.serialize(draft.body(scans: [:]))
    let tBody = lap()
    _ = try archive.index.heads(ofRecord: mapping.recordId)
    let tHeads = lap()
    let p = Probe(indexEntries: 0, ledgerEntries: l.entries, totalMs: 0, loadMappingMs: ms(tMapping), readCSVMs: ms(tCSV),
                  usedNumbersMs: ms(tUsed), validateMs: ms(tValidate),
                  buildAndSerializeBodyMs: ms(tBody), headsMs: ms(tHeads), restMs: 0)
    return (p, tMapping + tCSV + tUsed + tValidate + tBody + tHeads)
}

/// Imports `ledgers` (positions in the whole run's ledger list), probing those whose position is in `probeAt`.
func importLedgers(_ ledgers: ArraySlice<LedgerFile>, into archive: Archive, startEntries: Int, probeAt: Set<Int>,
                   budgetNs: UInt64?, label: String) throws -> ImportResult {
    var r = ImportResult()
    let checkpointEvery = max(1, ledgers.count / 10)
    var lastNs: UInt64 = 0, lastEntries = 0, lastLedgers = 0
    for (k, l) in ledgers.enumerated() {
        let probed = probeAt.contains(ledgers.startIndex + k) ? try probe(l, archive: archive) : nil
        let start = now(), cpuStart = cpuNs()
        let report = try archive.importLedger(file: l.csv, mapping: l.mapping, dryRun: false, reason: nil, author: "hoso-bench")
        let took = now() - start
        r.cpuNs += cpuNs() - cpuStart
        guard report.committed, report.errors.isEmpty, report.entries == l.entries else {
            let first = report.errors.prefix(3).map { "\($0.code) \($0.location ?? "") \($0.messageEn) \($0.value ?? "")" }
            throw BenchFailure(message: "import of \(l.csv) did not commit \(l.entries) entries (committed \(report.committed), "
                               + "\(report.entries) entries, \(report.errors.count) errors): " + first.joined(separator: "; "))
        }
        r.ns += took
        r.entries += l.entries
        r.ledgers += 1
        if let (probeRow, stagesNs) = probed {
            var p = probeRow
            p.indexEntries = startEntries + r.entries - l.entries
            p.totalMs = ms(took)
            p.restMs = max(0, ms(took) - ms(stagesNs))
            r.probes.append(p)
        }
        if (k + 1) % checkpointEvery == 0 || k == ledgers.count - 1 {
            let dn = r.ns - lastNs, de = r.entries - lastEntries, dl = r.ledgers - lastLedgers
            let cp = Checkpoint(indexEntries: startEntries + r.entries, entriesPerSecond: Double(de) / seconds(dn),
                                msPerLedger: ms(dn) / Double(dl))
            r.checkpoints.append(cp)
            say("  \(label): index \(grouped(cp.indexEntries).leftPad(11)) entries   last \(dl) ledgers "
                + "\(grouped(Int(cp.entriesPerSecond)).leftPad(7)) entries/s  \(fmt(cp.msPerLedger, 1).leftPad(7)) ms/ledger"
                + "   total \(fmt(seconds(r.ns), 1)) s")
            lastNs = r.ns; lastEntries = r.entries; lastLedgers = r.ledgers
        }
        if let budgetNs, r.ns > budgetNs, k < ledgers.count - 1 {
            r.stoppedByBudget = true
            say("  \(label): stopped by --fill-budget after \(fmt(seconds(r.ns), 1)) s at \(grouped(startEntries + r.entries)) entries")
            break
        }
    }
    return r
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
    func rightPad(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}

// MARK: - Lookups

enum LookupKind: String, CaseIterable, Codable {
    case serial, fullName = "full_name", partialName = "partial_name"
    var label: String {
        switch self {
        case .serial: return "by serial"
        case .fullName: return "by full name"
        case .partialName: return "by 2-token name"
        }
    }
}

struct Lookup {
    var kind: LookupKind
    /// What a person types into `hoso find`.
    var text: String
    /// The entry it was drawn from; a serial lookup must return exactly it, a full-name lookup must include it
    /// (unless the 100-row limit is hit).
    var expectSerial: String
    /// The FTS query `ArchiveIndex.findEntries` builds (last token as a prefix), and one with exact tokens.
    var ftsSame: String
    var ftsPlain: String
    /// What `Archive.find` hands to the index for this text, built outside the timing: measuring
    /// `ArchiveIndex.findEntries` with it separates the request parsing from the index layer.
    var query: EntryQuery
}

/// `ArchiveIndex.findEntries` driven as `Archive.find` drives it (a whole name exactly, through the name index,
/// before its words anywhere), so only the text parsing is left out. Keep in step with `Archive.find`.
func findEntriesAsFindDoes(_ index: ArchiveIndex, _ q: EntryQuery) throws -> [EntryRow] {
    if q.nameTokens.count >= 2 {
        var exact = q
        exact.exactName = q.nameTokens.joined(separator: " ")
        let hits = try index.findEntries(exact, limit: 100)
        if !hits.isEmpty { return hits }
    }
    return try index.findEntries(q, limit: 100)
}

/// `ArchiveIndex.ftsQuery` is internal; this is the same construction, so the reference asks the same question.
func ftsQuery(_ tokens: [String], prefixLast: Bool) -> String {
    let quoted = tokens.enumerated().map { i, t in
        "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (prefixLast && i == tokens.count - 1 ? "*" : "")
    }
    return "nameKey : (" + quoted.joined(separator: " AND ") + ")"
}

/// Raw prepared statements on the archive's own index file.
final class RefLookups {
    let db: RawDB
    /// Exactly the SQL `findEntries` runs for these requests.
    let serialSame: OpaquePointer
    let nameSame: OpaquePointer
    /// The plain forms: serial equality, and an FTS join with exact tokens and no ordering.
    let namePlain: OpaquePointer
    /// A whole typed name is also answerable by the index on the folded name (entry_name_order).
    let nameKeyEquals: OpaquePointer
    var serialColumn: Int32 = -1
    /// Keeps the column reads observable, so the optimizer cannot drop them.
    var sink = 0

    static let serialSQL = "SELECT * FROM entry WHERE serial = ? ORDER BY year, ledgerNumber LIMIT 100"
    static let nameSQL = "SELECT * FROM entry WHERE rowid IN (SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?) "
        + "ORDER BY year, ledgerNumber LIMIT 100"
    static let plainSQL = "SELECT entry.* FROM entry_fts JOIN entry ON entry.rowid = entry_fts.rowid "
        + "WHERE entry_fts MATCH ? LIMIT 100"
    static let nameKeySQL = "SELECT * FROM entry WHERE nameKey = ? ORDER BY year, ledgerNumber LIMIT 100"

    init(path: String) throws {
        db = try RawDB(path: path, readOnly: true)
        try db.exec(ArchiveIndex.connectionPragmas)  // as the archive's readers have them
        serialSame = try db.prepare(Self.serialSQL)
        nameSame = try db.prepare(Self.nameSQL)
        namePlain = try db.prepare(Self.plainSQL)
        nameKeyEquals = try db.prepare(Self.nameKeySQL)
        for c in 0..<sqlite3_column_count(serialSame) where String(cString: sqlite3_column_name(serialSame, c)) == "serial" {
            serialColumn = c
        }
    }

    deinit { for s in [serialSame, nameSame, namePlain, nameKeyEquals] { sqlite3_finalize(s) } }

    /// Runs one statement, reading every column of every row (as a caller would use them). With `collect`,
    /// returns the serials too (verification only: the timed runs do not allocate).
    @inline(__always)
    func run(_ s: OpaquePointer, _ arg: String, collect: Bool = false) -> (rows: Int, serials: [String]) {
        sqlite3_bind_text(s, 1, arg, -1, transient())
        var rows = 0
        var serials = [String]()
        let n = sqlite3_column_count(s)
        while sqlite3_step(s) == SQLITE_ROW {
            rows += 1
            for c in 0..<n {
                switch sqlite3_column_type(s, c) {
                case SQLITE_INTEGER: sink &+= Int(truncatingIfNeeded: sqlite3_column_int64(s, c))
                case SQLITE_TEXT:
                    if let p = sqlite3_column_text(s, c) { sink &+= Int(p.pointee) &+ Int(sqlite3_column_bytes(s, c)) }
                default: break
                }
            }
            if collect, let p = sqlite3_column_text(s, serialColumn) { serials.append(String(cString: p)) }
        }
        sqlite3_reset(s)
        sqlite3_clear_bindings(s)
        return (rows, serials)
    }

    /// What `Archive.find` answers, as plain SQL: a whole typed name (2+ words) matches exactly through the
    /// name index first; only when nobody has exactly that name are the words searched anywhere (FTS).
    func same(_ q: Lookup, collect: Bool = false) -> (rows: Int, serials: [String]) {
        if q.kind == .serial { return run(serialSame, q.expectSerial, collect: collect) }
        let exact = run(nameKeyEquals, q.text, collect: collect)
        return exact.rows > 0 ? exact : run(nameSame, q.ftsSame, collect: collect)
    }

    func plain(_ q: Lookup) -> Int {
        q.kind == .serial ? run(serialSame, q.expectSerial).rows : run(namePlain, q.ftsPlain).rows
    }

    func byNameKey(_ q: Lookup) -> Int { run(nameKeyEquals, q.text).rows }

    func plans() throws -> [String: [String]] {
        var out = [String: [String]]()
        for (name, sql) in [("serial", Self.serialSQL), ("name", Self.nameSQL), ("name_plain", Self.plainSQL),
                            ("name_key", Self.nameKeySQL)] {
            out[name] = try db.strings("EXPLAIN QUERY PLAN " + sql.replacingOccurrences(of: "?", with: "'x'"), column: 3)
        }
        return out
    }
}

struct Latency: Codable {
    var p50Us: Double
    var p99Us: Double
    var maxUs: Double
    var meanUs: Double

    init(_ ns: [UInt64]) {
        let s = ns.sorted()
        func rank(_ p: Double) -> Double { s.isEmpty ? 0 : Double(s[max(0, Int((p * Double(s.count)).rounded(.up)) - 1)]) / 1000 }
        p50Us = rank(0.50)
        p99Us = rank(0.99)
        maxUs = Double(s.last ?? 0) / 1000
        meanUs = s.isEmpty ? 0 : Double(s.reduce(0, +)) / Double(s.count) / 1000
    }
}

struct LookupResult: Codable {
    var queries: Int
    var meanHits: Double
    /// `Archive.find` with the typed text: what the target is about.
    var hoso: Latency
    /// `ArchiveIndex.findEntries` with the query `find` would build (built outside the timing).
    var findEntries: Latency
    /// The same SQL through raw prepared statements.
    var sqlite: Latency
    /// Plain SQL: the FTS join with exact tokens and no ordering (names only).
    var sqlitePlain: Latency?
    /// `nameKey = ?` on the name index (full names only).
    var sqliteNameKey: Latency?
    /// Archive.find against the same SQL.
    var ratioP50: Double
    var ratioP99: Double
}

func makeLookups(kind: LookupKind, targets: [Target]) -> [Lookup] {
    targets.map { t in
        let tokens = VietnameseText.fold(t.fullName).split(separator: " ").map(String.init)
        var q = EntryQuery()
        switch kind {
        case .serial:
            q.serial = t.serial
            return Lookup(kind: kind, text: t.serial, expectSerial: t.serial, ftsSame: "", ftsPlain: "", query: q)
        case .fullName:
            q.nameTokens = tokens
            return Lookup(kind: kind, text: tokens.joined(separator: " "), expectSerial: t.serial,
                          ftsSame: ftsQuery(tokens, prefixLast: true), ftsPlain: ftsQuery(tokens, prefixLast: false), query: q)
        case .partialName:
            let two = Array(tokens.suffix(2))  // middle + given name: what someone who forgot the surname types
            q.nameTokens = two
            return Lookup(kind: kind, text: two.joined(separator: " "), expectSerial: t.serial,
                          ftsSame: ftsQuery(two, prefixLast: true), ftsPlain: ftsQuery(two, prefixLast: false), query: q)
        }
    }
}

// MARK: - Summary

struct TargetCheck: Codable {
    var name: String
    var value: Double?
    var target: String
    var status: String
}

struct Summary: Codable {
    var tool = "hoso-bench records"
    var when: String
    var debugBuild: Bool
    var sqliteVersion: String
    var host: [String: String]
    var parameters: [String: Int]
    var generated: [String: Int64]
    var importPhase: [String: Double]
    var importCheckpoints: [Checkpoint]
    var fillPhase: [String: Double]
    var fillCheckpoints: [Checkpoint]
    var fillStoppedByBudget: Bool
    var probes: [Probe]
    var lookups: [String: LookupResult]
    var queryPlans: [String: [String]]
    var sizes: [String: Int64]
    var peakRssMib: Double
    var targets: [TargetCheck]
    var sanityOK: Bool
    var sanityProblems: [String]
}

// MARK: - The benchmark

struct Options {
    var work = ""
    var entries = 100_000
    var indexEntries = 1_000_000
    var queries = 10_000
    var json: String?
    var seed: UInt64 = 20_190_615
    var perLedger = 500
    var probes = 12
    var fillBudget: Double = 0
    var failOnMiss = false

    static func parse(_ args: [String]) throws -> Options {
        var o = Options()
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw BenchFailure(message: "\(args[i - 1]) needs a value\n\n" + usage) }
            return args[i]
        }
        func int(_ min: Int) throws -> Int {
            let flag = args[i], v = try value()
            guard let n = Int(v.replacingOccurrences(of: "_", with: "")), n >= min else {
                throw BenchFailure(message: "\(flag) must be a whole number >= \(min)")
            }
            return n
        }
        while i < args.count {
            switch args[i] {
            case "--work": o.work = try value()
            case "--entries": o.entries = try int(1)
            case "--index-entries": o.indexEntries = try int(1)
            case "--queries": o.queries = try int(1)
            case "--json": o.json = try value()
            case "--seed": o.seed = UInt64(try int(0))
            case "--per-ledger": o.perLedger = try int(10)
            case "--probes": o.probes = try int(0)
            case "--fill-budget": o.fillBudget = Double(try int(0))
            case "--fail-on-miss": o.failOnMiss = true
            case "-h", "--help": say(usage); exit(0)
            default: throw BenchFailure(message: "unknown argument \(args[i])\n\n" + usage)
            }
            i += 1
        }
        if o.work.isEmpty { throw BenchFailure(message: "--work DIR is required\n\n" + usage) }
        if o.indexEntries < o.entries {
            say("note: --index-entries \(o.indexEntries) < --entries \(o.entries); using \(o.entries)")
            o.indexEntries = o.entries
        }
        return o
    }
}

enum Targets {
    static let entriesPerSecond = 20_000.0
    static let p99Us = 1_000.0
}

func records(_ o: Options) throws -> Int32 {
    let debug = isDebugBuild()
    let work = (o.work as NSString).standardizingPath
    var st = stat()
    if stat(work, &st) == 0 {
        // Everything is created inside: never mix with files that are not ours.
        if !((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? ["?"]).isEmpty {
            throw BenchFailure(message: "\(work) is not empty")
        }
    } else if mkdir(work, 0o755) != 0 {
        throw BenchFailure(message: "cannot create \(work)")
    }
    let ledgerDir = work + "/ledgers", archiveDir = work + "/archive", refPath = work + "/reference.sqlite"
    mkdir(ledgerDir, 0o755)
    var problems = [String]()
    func sanity(_ p: String) { problems.append(p); say("  SANITY: " + p) }

    say("hoso-bench records\(debug ? "  (DEBUG build: timings are not representative)" : "")")
    say("sqlite \(String(cString: sqlite3_libversion())), cpus \(ProcessInfo.processInfo.activeProcessorCount), work dir \(work)")
    say("entries \(grouped(o.entries)), index entries \(grouped(o.indexEntries)), queries \(grouped(o.queries)) per kind, "
        + "~\(o.perLedger) entries per ledger, seed \(o.seed)")

    // 1. Ledgers. Lookup targets are drawn first, so only they are remembered while generating.
    var pickRNG = SplitMix64(state: o.seed ^ 0x5EED)
    var draws = [LookupKind: [Int]]()
    for kind in LookupKind.allCases { draws[kind] = (0..<o.queries).map { _ in pickRNG.below(o.indexEntries) } }
    let wanted = Set(draws.values.joined())
    let t0 = now()
    let gen = try Generator.generate(into: ledgerDir, split: o.entries, total: o.indexEntries, perLedger: o.perLedger,
                                     seed: o.seed, targetIndices: wanted)
    let importCount = gen.ledgers.firstIndex { $0.firstGlobal >= o.entries } ?? gen.ledgers.count
    say("generated \(gen.ledgers.count) ledgers (\(importCount) for the timed import), "
        + "\(fmt(Double(gen.csvBytes) / 1_048_576, 1)) MiB of CSV in \(fmt(seconds(now() - t0), 1)) s")

    // Stage probes: spread over the whole run, so the growth of each stage with the index size shows.
    var probeAt = Set<Int>()
    if o.probes > 0 {
        for p in 0..<o.probes { probeAt.insert((p * (gen.ledgers.count - 1)) / max(1, o.probes - 1)) }
    }

    // 2. Import through the archive, then the same rows into raw SQLite.
    let archive = try Archive.create(at: archiveDir)
    let indexPath = archiveDir + "/" + Archive.indexFileName
    say("")
    say("import: \(grouped(o.entries)) entries in \(importCount) ledgers through Archive.importLedger")
    perfControl("enable")
    let imp = try importLedgers(gen.ledgers[0..<importCount], into: archive, startEntries: 0,
                                probeAt: probeAt, budgetNs: nil, label: "import")
    perfControl("disable")
    let counted = try archive.index.entryCount()
    if counted != o.entries { sanity("index holds \(counted) entries after the import, expected \(o.entries)") }

    let schema: [String]
    do {
        let raw = try RawDB(path: indexPath, readOnly: true)
        schema = try raw.strings("""
            SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND (tbl_name = 'entry' OR name = 'entry_fts') ORDER BY rowid
            """)
    }
    if !schema.contains(where: { $0.contains("CREATE TABLE entry") }) || !schema.contains(where: { $0.contains("fts5") }) {
        throw BenchFailure(message: "could not read the entry / entry_fts schema from \(indexPath)")
    }
    let refNs = try referenceImport(rows: gen.referenceRows, schema: schema, path: refPath)
    let refRate = Double(gen.referenceRows.count) / seconds(refNs)
    let refBytes = fileBytes(refPath) + fileBytes(refPath + "-wal")
    for suffix in ["", "-wal", "-shm"] { unlink(refPath + suffix) }
    say("  raw SQLite (same rows, schema and pragmas; one transaction): \(grouped(Int(refRate))) entries/s")

    // 3. Fill the index to --index-entries, still through importLedger.
    var fill = ImportResult()
    if importCount < gen.ledgers.count {
        say("")
        say("fill: to \(grouped(o.indexEntries)) entries in \(gen.ledgers.count - importCount) more ledgers")
        let rest = gen.ledgers[importCount...]
        fill = try importLedgers(rest, into: archive, startEntries: o.entries,
                                 probeAt: probeAt,
                                 budgetNs: o.fillBudget > 0 ? UInt64(o.fillBudget * 1e9) : nil, label: "fill")
    }
    let indexed = try archive.index.entryCount()
    if indexed != o.entries + fill.entries { sanity("index holds \(indexed) entries, expected \(o.entries + fill.entries)") }
    if fill.stoppedByBudget { say("note: lookups run on \(grouped(indexed)) entries, not \(grouped(o.indexEntries)) (--fill-budget)") }

    // 4. Lookups: every target imported (a budget may have cut the fill short).
    var targetsByKind = [LookupKind: [Target]]()
    for kind in LookupKind.allCases {
        targetsByKind[kind] = draws[kind]!.filter { $0 < indexed }.compactMap { gen.targets[$0] }
    }
    let lookups = Dictionary(uniqueKeysWithValues: LookupKind.allCases.map { ($0, makeLookups(kind: $0, targets: targetsByKind[$0]!)) })
    let ref = try RefLookups(path: indexPath)
    let plans = try ref.plans()
    say("")
    say("lookups: \(grouped(o.queries)) per kind on \(grouped(indexed)) entries; Archive.find vs the same SQL through raw "
        + "prepared statements on the same file")
    for (k, v) in plans.sorted(by: { $0.key < $1.key }) { say("  plan \(k.rightPad(10)) " + v.joined(separator: " | ")) }

    // Verification (untimed): find returns what the same SQL returns, and what was asked for.
    for kind in LookupKind.allCases {
        var bad = 0
        for q in lookups[kind]!.prefix(300) {
            let got = try archive.find(Archive.FindRequest(text: q.text)).map(\.serial)
            let want = ref.same(q, collect: true).serials
            var wrong = got != want
            switch kind {
            case .serial: wrong = wrong || got != [q.expectSerial]
            case .fullName: wrong = wrong || (got.count < 100 && !got.contains(q.expectSerial))
            case .partialName: wrong = wrong || got.isEmpty
            }
            if wrong {
                bad += 1
                if bad <= 3 { sanity("\(kind.label) '\(q.text)': find gave \(got.prefix(5)) (\(got.count)), SQL gave \(want.prefix(5)) (\(want.count))") }
            }
        }
        if bad > 3 { sanity("\(kind.label): \(bad) wrong answers in the first 300") }
    }

    // Warm-up (untimed): both sides read the same pages into the OS cache and their own page caches.
    for kind in LookupKind.allCases {
        for q in lookups[kind]!.prefix(200) {
            _ = try archive.find(Archive.FindRequest(text: q.text))
            _ = try findEntriesAsFindDoes(archive.index, q.query)
            _ = ref.same(q)
            _ = ref.plain(q)
            if kind == .fullName { _ = ref.byNameKey(q) }
        }
    }

    // Timed: for each query the variants run back to back, in a rotating order, so no variant always
    // profits from the pages another one just read.
    var results = [String: LookupResult]()
    for kind in LookupKind.allCases {
        let qs = lookups[kind]!
        var hits = 0
        // find, findEntries, same SQL, then the diagnostics that apply to this kind.
        let variants = kind == .serial ? 3 : (kind == .fullName ? 5 : 4)
        var ns = [[UInt64]](repeating: [], count: variants)
        for v in ns.indices { ns[v].reserveCapacity(qs.count) }
        for (i, q) in qs.enumerated() {
            for step in 0..<variants {
                let v = (step + i) % variants
                let a = now()
                switch v {
                case 0: hits += try archive.find(Archive.FindRequest(text: q.text)).count
                case 1: _ = try findEntriesAsFindDoes(archive.index, q.query)
                case 2: _ = ref.same(q)
                case 3: _ = ref.plain(q)
                default: _ = ref.byNameKey(q)
                }
                ns[v].append(now() - a)
            }
        }
        let hl = Latency(ns[0]), sl = Latency(ns[2])
        results[kind.rawValue] = LookupResult(
            queries: qs.count, meanHits: qs.isEmpty ? 0 : Double(hits) / Double(qs.count), hoso: hl,
            findEntries: Latency(ns[1]), sqlite: sl, sqlitePlain: variants > 3 ? Latency(ns[3]) : nil,
            sqliteNameKey: variants > 4 ? Latency(ns[4]) : nil,
            ratioP50: sl.p50Us > 0 ? hl.p50Us / sl.p50Us : 0, ratioP99: sl.p99Us > 0 ? hl.p99Us / sl.p99Us : 0)
    }

    // 5. Report.
    let sizes: [String: Int64] = [
        "ledger_csv_bytes": gen.csvBytes,
        "archive_objects_bytes": treeBytes(archiveDir + "/objects"),
        "index_bytes": fileBytes(indexPath) + fileBytes(indexPath + "-wal"),
        "reference_bytes_at_import": refBytes,
    ]
    say("")
    say("== results ==")
    say("  import (index 0 → \(grouped(o.entries)))")
    say("    Archive.importLedger     \(grouped(Int(imp.entriesPerSecond)).leftPad(9)) entries/s  \(fmt(seconds(imp.ns))) s"
        + "  (\(fmt(ms(imp.ns) / Double(max(1, imp.ledgers)), 1)) ms/ledger; CPU \(fmt(imp.cpuMsPerThousand, 1)) ms per 1,000 entries)")
    say("    raw SQLite               \(grouped(Int(refRate)).leftPad(9)) entries/s  \(fmt(seconds(refNs))) s")
    say("    hoso / raw SQLite        \(fmt(imp.entriesPerSecond / refRate, 3))x of the raw rate")
    if fill.ledgers > 0 {
        say("  fill (index \(grouped(o.entries)) → \(grouped(indexed)))")
        say("    Archive.importLedger     \(grouped(Int(fill.entriesPerSecond)).leftPad(9)) entries/s  \(fmt(seconds(fill.ns))) s"
            + "  (last tenth: \(grouped(Int(fill.checkpoints.last?.entriesPerSecond ?? 0))) entries/s)")
    }
    if !(imp.probes + fill.probes).isEmpty {
        say("  where one ledger's import time goes (ms; stages run separately just before the real import)")
        say("    " + ["index", "entries", "total", "mapping", "csv", "usedNumbers", "validate", "body+json",
                      "heads", "rest"].map { $0.leftPad(12) }.joined())
        for p in imp.probes + fill.probes {
            say("    " + [grouped(p.indexEntries), String(p.ledgerEntries), fmt(p.totalMs, 1), fmt(p.loadMappingMs, 2),
                          fmt(p.readCSVMs, 1), fmt(p.usedNumbersMs, 1), fmt(p.validateMs, 1),
                          fmt(p.buildAndSerializeBodyMs, 1), fmt(p.headsMs, 2), fmt(p.restMs, 1)]
                .map { $0.leftPad(12) }.joined())
        }
        say("    (single ledgers on a shared machine: noisy. rest = the real import minus the stages run alone: staging and")
        say("     committing the revision object, entry rows, the index transaction; 0 when the stages ran slower alone)")
    }
    say("  lookups on \(grouped(indexed)) entries (µs)                  p50       p99       max")
    for kind in LookupKind.allCases {
        guard let r = results[kind.rawValue] else { continue }
        func row(_ label: String, _ l: Latency?, _ note: String) {
            guard let l else { return }
            say("    " + (label == "Archive.find" ? kind.label : "").rightPad(16) + label.rightPad(22)
                + [l.p50Us, l.p99Us, l.maxUs].map { fmt($0, 1).leftPad(9) }.joined(separator: " ") + "   " + note)
        }
        row("Archive.find", r.hoso, "mean hits \(fmt(r.meanHits, 1))")
        row("index.findEntries", r.findEntries, "(query built beforehand)")
        row("same SQL, raw", r.sqlite, "find/SQL: p50 \(fmt(r.ratioP50))x, p99 \(fmt(r.ratioP99))x")
        row("plain FTS, raw", r.sqlitePlain, "(exact tokens, no ORDER BY)")
        row("nameKey = ?, raw", r.sqliteNameKey, "(the name index, entry_name_order)")
    }
    say("  sizes: index \(fmt(Double(sizes["index_bytes"]!) / 1_048_576, 1)) MiB, objects "
        + "\(fmt(Double(sizes["archive_objects_bytes"]!) / 1_048_576, 1)) MiB, CSV \(fmt(Double(gen.csvBytes) / 1_048_576, 1)) MiB; "
        + "peak RSS \(fmt(peakRSSMiB(), 0)) MiB")

    var checks = [TargetCheck]()
    func target(_ name: String, _ label: String, _ value: Double?, _ limit: String, _ ok: Bool, _ unit: String) {
        let status = value == nil ? "n/a" : (ok ? "PASS" : "MISS")
        checks.append(TargetCheck(name: name, value: value, target: limit, status: status))
        say("  \(label.rightPad(44)) \((value.map { fmt($0, 1) + unit } ?? "-").leftPad(14))   \(("target " + limit).rightPad(16)) \(status)")
    }
    say("")
    target("import_entries_per_s", "import throughput (importLedger)", imp.entriesPerSecond, ">= 20000/s",
           imp.entriesPerSecond >= Targets.entriesPerSecond, "/s")
    let sp99 = results[LookupKind.serial.rawValue]?.hoso.p99Us, np99 = results[LookupKind.fullName.rawValue]?.hoso.p99Us
    target("serial_p99_us", "lookup by serial, p99 (Archive.find)", sp99, "< 1000 µs", (sp99 ?? .infinity) < Targets.p99Us, " µs")
    target("full_name_p99_us", "lookup by full name, p99 (Archive.find)", np99, "< 1000 µs", (np99 ?? .infinity) < Targets.p99Us, " µs")
    if fill.stoppedByBudget || indexed < o.indexEntries {
        say("  note: lookups measured on \(grouped(indexed)) entries, fewer than the \(grouped(o.indexEntries)) asked")
    }
    say("")
    say(problems.isEmpty ? "sanity: ok (entry counts match; find returns what the same SQL returns and the entry asked for)"
                         : "SANITY FAILED (\(problems.count) problems); see above")

    let summary = Summary(
        when: ISO8601DateFormatter().string(from: Date()), debugBuild: debug,
        sqliteVersion: String(cString: sqlite3_libversion()),
        host: ["cpus": String(ProcessInfo.processInfo.activeProcessorCount),
               "os": ProcessInfo.processInfo.operatingSystemVersionString],
        parameters: ["entries": o.entries, "index_entries": o.indexEntries, "queries": o.queries, "seed": Int(o.seed),
                     "per_ledger": o.perLedger, "fill_budget_s": Int(o.fillBudget)],
        generated: ["ledgers": Int64(gen.ledgers.count), "import_ledgers": Int64(importCount), "csv_bytes": gen.csvBytes],
        importPhase: ["entries": Double(imp.entries), "seconds": seconds(imp.ns), "entries_per_s": imp.entriesPerSecond,
                      "ms_per_ledger": ms(imp.ns) / Double(max(1, imp.ledgers)),
                      "cpu_ms_per_1000_entries": imp.cpuMsPerThousand,
                      "sqlite_seconds": seconds(refNs), "sqlite_entries_per_s": refRate,
                      "ratio_of_sqlite_rate": imp.entriesPerSecond / refRate],
        importCheckpoints: imp.checkpoints,
        fillPhase: ["entries": Double(fill.entries), "seconds": seconds(fill.ns), "entries_per_s": fill.entriesPerSecond,
                    "index_entries_reached": Double(indexed)],
        fillCheckpoints: fill.checkpoints, fillStoppedByBudget: fill.stoppedByBudget,
        probes: imp.probes + fill.probes, lookups: results, queryPlans: plans, sizes: sizes, peakRssMib: peakRSSMiB(),
        targets: checks, sanityOK: problems.isEmpty, sanityProblems: problems)
    if let json = o.json {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.keyEncodingStrategy = .convertToSnakeCase
        let dir = (json as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: json, contents: try enc.encode(summary) + Data("\n".utf8)) else {
            throw BenchFailure(message: "cannot write \(json)")
        }
        say("summary: \(json)")
    }
    _ = ref.sink
    if !problems.isEmpty { return 1 }
    if o.failOnMiss && checks.contains(where: { $0.status == "MISS" }) { return 3 }
    return 0
}

// MARK: - Entry point

let args = Array(CommandLine.arguments.dropFirst())
guard args.first == "records" else {
    warn(args.isEmpty ? "a benchmark name is needed\n\n" + usage : "unknown benchmark \(args[0])\n\n" + usage)
    exit(2)
}
do {
    exit(try records(try Options.parse(Array(args.dropFirst()))))
} catch let e as BenchFailure {
    warn(e.message)
    exit(2)
} catch {
    warn("\(error)")
    exit(1)
}
