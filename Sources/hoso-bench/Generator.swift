// Deterministic synthetic ledgers (CSV + mapping files) for `hoso-bench records`, and the rows the raw-SQLite
// reference inserts for the same entries.
import Foundation
import HosoBenchSupport
import HosoRecords  // VietnameseText.fold: the keys the index adds

enum Generator {
    static let header = [
        "STT", "Họ và tên", "Ngày sinh", "Nơi sinh", "Giới tính", "Dân tộc", "Xếp loại TN", "Số hiệu VB",
        "Số vào sổ", "Chữ ký", "Số CCCD", "Mã định danh",
    ]

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

    /// One ledger's file-level facts: who issued it, for which school and year, and the ranges its entries take.
    struct LedgerPlan {
        var index: Int
        var year: Int
        var district: (name: String, province: String, code: String, provinceCode: String, communes: [String])
        var thpt: Bool
        var level: String
        var school: String
        var schoolKey: String
        var issuer: String
        var recordId: String
        var count: Int
        var series: String
        var firstNumber: Int
        var fakeRevision: String
    }

    /// Writes ledgers totalling `total` entries into `dir`; the first ledgers total exactly `split` entries
    /// (the timed import), the rest fill the index. Ledger numbers run on per year across ledgers, serials are
    /// unique across all of them.
    static func generate(
        into dir: String, split: Int, total: Int, perLedger: Int, seed: UInt64,
        targetIndices: Set<Int>
    ) throws -> Generated {
        var rng = SplitMix64(state: seed)
        let draws = Draws()
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
            let plan = planLedger(
                ledgers.count, global: global, split: split, total: total, perLedger: perLedger,
                nextNumber: &nextNumber, rng: &rng)
            var lines = [header.joined(separator: ";")]
            lines.reserveCapacity(plan.count + 1)
            for k in 0..<plan.count {
                let e = makeEntry(k, of: plan, serial: serialBase + global + k, draws: draws, rng: &rng)
                lines.append(csvLine(e))
                if targetIndices.contains(global + k) { targets[global + k] = Target(serial: e.serial, fullName: e.fullName) }
                if global + k < split { refRows.append(referenceRow(e, of: plan)) }
            }
            let file = try writeLedger(plan, lines: lines, into: dir, firstGlobal: global)
            csvBytes += file.csvBytes
            ledgers.append(file.ledger)
            global += plan.count
        }
        return Generated(ledgers: ledgers, referenceRows: refRows, targets: targets, csvBytes: csvBytes)
    }

    /// The weighted tables, built once per run.
    struct Draws {
        let surnames = Weighted(Names.surnames), ethnicities = Weighted(Names.ethnicities), grades = Weighted(Names.grades)
    }

    static let years = Array(2000...2024)

    /// The `i`th ledger of the run: its school, issuer and year, and how many entries it has (~perLedger, never
    /// crossing the split, so the timed import is exactly `split` entries).
    static func planLedger(
        _ i: Int, global: Int, split: Int, total: Int, perLedger: Int, nextNumber: inout [Int: Int],
        rng: inout SplitMix64
    ) -> LedgerPlan {
        let year = years[i % years.count]
        let schoolNo = i / years.count  // each school has one ledger per year
        let district = Names.districts[schoolNo % Names.districts.count]
        let thpt = schoolNo % 4 == 3
        let level = thpt ? "THPT" : "THCS"
        let commune = district.communes[(schoolNo / Names.districts.count) % district.communes.count]
        let school = thpt ? "Trường THPT \(district.name) số \(schoolNo / 4 + 1)" : "Trường THCS \(commune) \(schoolNo)"
        let issuer =
            thpt
            ? "Sở Giáo dục và Đào tạo tỉnh \(district.province)"
            : "Phòng Giáo dục và Đào tạo huyện \(district.name)"
        let recordId = "\(thpt ? "SGD" : "PGD")-\(district.code)/\(level)/\(year)/S\(String(format: "%04d", schoolNo))"
        let boundary = global < split ? split : total
        let count = min(perLedger - perLedger / 10 + rng.below(perLedger / 5 + 1), boundary - global)
        let series = String(UnicodeScalar(UInt8(65 + rng.below(26)))) + String(UnicodeScalar(UInt8(65 + rng.below(26))))
        let firstNumber = nextNumber[year, default: 1]
        nextNumber[year] = firstNumber + count
        return LedgerPlan(
            index: i, year: year, district: district, thpt: thpt, level: level, school: school,
            schoolKey: VietnameseText.fold(school), issuer: issuer, recordId: recordId, count: count,
            series: series, firstNumber: firstNumber,
            fakeRevision: String(repeating: String(format: "%08x", i), count: 8))  // same length as a real id
    }

    /// The `k`th entry of a ledger. The draws are in a fixed order: the same seed gives the same entries.
    static func makeEntry(_ k: Int, of plan: LedgerPlan, serial: Int, draws: Draws, rng: inout SplitMix64) -> GenEntry {
        let male = rng.chance(0.5)
        var parts = [draws.surnames.draw(&rng)]
        parts.append(rng.pick(male ? Names.maleMiddle : Names.femaleMiddle))
        if rng.chance(0.25) { parts.append(rng.pick(male ? Names.maleMiddle : Names.femaleMiddle)) }
        parts.append(rng.pick(male ? Names.maleGiven : Names.femaleGiven))
        if parts[1] == parts.dropFirst(2).first { parts.remove(at: 2) }  // no "Thị Thị"
        let born = plan.year - (plan.thpt ? 18 : 15) - (rng.chance(0.1) ? 1 : 0)
        let month = 1 + rng.below(12)
        let day = 1 + rng.below(28)
        let home = rng.chance(0.8) ? plan.district : rng.pick(Names.districts)
        let place = "Xã \(rng.pick(home.communes)), huyện \(home.name), tỉnh \(home.province)"
        // CCCD: province, century-and-sex digit, 2-digit birth year, 6 digits (the layout the importer checks).
        let citizenId =
            rng.chance(0.6)
            ? home.provinceCode + String((born / 100 - 19) * 2 + (male ? 0 : 1)) + String(format: "%02d", born % 100)
                + rng.digits(6) : nil
        let moetId = rng.chance(0.5) ? home.provinceCode.suffix(2) + rng.digits(8) : nil
        return GenEntry(
            stt: k + 1, fullName: parts.joined(separator: " "),
            dobISO: String(format: "%04d-%02d-%02d", born, month, day), place: place,
            sex: male ? "Nam" : "Nữ", ethnicity: draws.ethnicities.draw(&rng), grade: draws.grades.draw(&rng),
            serial: plan.series + String(format: "%07d", serial),
            ledgerNumber: plan.firstNumber + k, signed: rng.chance(0.9), citizenId: citizenId,
            moetId: moetId.map(String.init))
    }

    /// The entry as a CSV line, the date as the ledger prints it (dd/MM/yyyy, from the entry's yyyy-MM-dd).
    static func csvLine(_ e: GenEntry) -> String {
        let iso = e.dobISO.split(separator: "-")
        let dob = "\(iso[2])/\(iso[1])/\(iso[0])"
        return [
            String(e.stt), e.fullName, dob, e.place, e.sex, e.ethnicity, e.grade, e.serial,
            String(e.ledgerNumber), e.signed ? "x" : "", e.citizenId ?? "", e.moetId ?? "",
        ]
        .map(csvCell).joined(separator: ";")
    }

    static func referenceRow(_ e: GenEntry, of plan: LedgerPlan) -> RefRow {
        RefRow(
            revisionId: plan.fakeRevision, recordId: plan.recordId, stt: e.stt, fullName: e.fullName,
            nameKey: VietnameseText.fold(e.fullName), dateOfBirth: e.dobISO,
            placeOfBirth: e.place, placeKey: VietnameseText.fold(e.place), sex: e.sex,
            ethnicity: e.ethnicity, graduationGrade: e.grade, serial: e.serial,
            ledgerNumber: e.ledgerNumber, year: plan.year, school: plan.school, schoolKey: plan.schoolKey,
            issuer: plan.issuer, citizenId: e.citizenId, moetId: e.moetId)
    }

    /// Writes the ledger's CSV and mapping files (Lnnnnn.csv, Lnnnnn.mapping.json).
    static func writeLedger(
        _ plan: LedgerPlan, lines: [String], into dir: String,
        firstGlobal: Int
    ) throws -> (ledger: LedgerFile, csvBytes: Int64) {
        let i = plan.index
        let thpt = plan.thpt
        let level = plan.level
        let year = plan.year
        let name = String(format: "L%05d", i)
        let csvPath = dir + "/" + name + ".csv"
        let mappingPath = dir + "/" + name + ".mapping.json"
        let csv = Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
        let mapping = """
            {"format":"hoso/ledger-mapping","version":1,"recordId":\(jsonString(plan.recordId)),
             "ledger":{"issuer":\(jsonString(plan.issuer)),"title":"SỔ GỐC CẤP BẰNG TỐT NGHIỆP \(level)","level":"\(level)",
               "decision":{"number":"\(100 + i % 800)/QĐ-\(thpt ? "SGDĐT" : "PGDĐT")","date":"\(year)-06-15"},
               "year":\(year),"school":\(jsonString(plan.school)),"mode":"Giáo dục chính quy"},
             "columns":{"stt":"STT","fullName":"Họ và tên","dateOfBirth":"Ngày sinh","placeOfBirth":"Nơi sinh",
               "sex":"Giới tính","ethnicity":"Dân tộc","graduationGrade":"Xếp loại TN","serial":"Số hiệu VB",
               "ledgerNumber":"Số vào sổ","recipientSigned":"Chữ ký","citizenId":"Số CCCD","moetId":"Mã định danh"},
             "dateFormat":"dd/MM/yyyy"}

            """
        guard FileManager.default.createFile(atPath: csvPath, contents: csv),
            FileManager.default.createFile(atPath: mappingPath, contents: Data(mapping.utf8))
        else {
            throw BenchFailure(message: "cannot write ledgers into \(dir)")
        }
        let ledger = LedgerFile(
            recordId: plan.recordId, year: year, school: plan.school, issuer: plan.issuer, csv: csvPath,
            mapping: mappingPath, entries: plan.count, firstGlobal: firstGlobal)
        return (ledger, Int64(csv.count))
    }
}
