import Foundation

/// The paper ledgers each school holds, as the office counted them: the denominator of the plan's digitization
/// indicator. The archive knows what it digitized, never how much paper exists, so a school nobody declared is
/// reported "not declared" rather than given an invented denominator. The 30% target is a figure of the province's
/// digital-transformation plan, not law [belief]: it is part of the record, so an office changes it without a release.
public struct PaperInventory: Codable, Sendable, Equatable {
    public var targetPercent: Double
    public var schools: [School]

    /// One school's paper: ledgers always, pages and entries when they were counted.
    public struct School: Codable, Sendable, Equatable {
        public var school: String
        public var ledgers: Int
        public var pages: Int?
        public var entries: Int?
        /// The day it was counted (YYYY-MM-DD).
        public var countedOn: String?

        public init(school: String, ledgers: Int, pages: Int? = nil, entries: Int? = nil, countedOn: String? = nil) {
            self.school = school
            self.ledgers = ledgers
            self.pages = pages
            self.entries = entries
            self.countedOn = countedOn
        }
    }

    public init(targetPercent: Double = Self.defaultTarget, schools: [School] = []) {
        self.targetPercent = targetPercent
        self.schools = schools
    }

    /// The plan's figure: digitize 30% of the original diploma ledgers.
    public static let defaultTarget: Double = 30
    public static let recordType = "paper-inventory"
    public static let recordId = "paper-inventory"

    /// Sets (or replaces) one school's counts, matched by the school key; the list stays sorted by name.
    public mutating func set(_ school: School) {
        let key = PlanReport.schoolKey(school.school)
        schools.removeAll { PlanReport.schoolKey($0.school) == key }
        schools.append(school)
        schools.sort { $0.school < $1.school }
    }
}

/// The plan's indicators for one school year, per school and for the district, computed from the archive alone.
public struct PlanReport: Codable, Sendable, Equatable {
    /// "2024-2025": grade books, học bạ and teachers' signatures of that year; requests received between 1 September
    /// and 31 August (office time). Digitization counts everything digitized so far.
    public var schoolYear: String
    public var generatedAt: String
    public var targetPercent: Double
    /// Whether the office recorded any paper inventory at all.
    public var inventoryDeclared: Bool
    public var district: Indicators
    public var schools: [Indicators]
    public var requests: Requests

    /// A share of paper turned into records: `digitized` of `paper` (nil: not declared), in percent to one decimal.
    public struct Share: Codable, Sendable, Equatable {
        public var digitized: Int
        public var paper: Int?
        public var percent: Double?
        public var meetsTarget: Bool?

        public init(digitized: Int, paper: Int?, target: Double) {
            self.digitized = digitized
            self.paper = paper
            // A zero denominator has no share: there is nothing to digitize, and nothing to divide by.
            if let paper, paper > 0 {
                let tenths = (digitized * 1000 + paper / 2) / paper
                percent = Double(tenths) / 10
                meetsTarget = Double(digitized) * 100 >= target * Double(paper)
            }
        }
    }

    /// One school's indicators (or the district's, `school` empty).
    public struct Indicators: Codable, Sendable, Equatable {
        public var school: String
        /// Whether the office declared this school's paper ledgers (the district: every school that has records).
        public var declared: Bool
        public var ledgers: Share
        public var pages: Share
        public var entries: Share
        /// Digitized ledgers whose latest revision has its conversion record (Law on E-Transactions, Art. 12).
        public var ledgersWithConversionRecord: Int
        public var gradeBooks: Int
        public var gradeBooksSigned: Int
        public var hocBa: Int
        public var hocBaSigned: Int
        /// The district: schools keeping grade books / học bạ electronically in the year; a school: 0 or 1.
        public var schoolsWithGradeBooks: Int
        public var schoolsWithHocBa: Int
        /// Teachers (people records with the teacher role; a school: assigned there) and those who signed at least
        /// one grade book or học bạ of the year.
        public var teachers: Int
        public var teachersSigned: Int

        public init(school: String) {
            self.school = school
            declared = false
            ledgers = Share(digitized: 0, paper: nil, target: 0)
            pages = ledgers
            entries = ledgers
            ledgersWithConversionRecord = 0
            gradeBooks = 0
            gradeBooksSigned = 0
            hocBa = 0
            hocBaSigned = 0
            schoolsWithGradeBooks = 0
            schoolsWithHocBa = 0
            teachers = 0
            teachersSigned = 0
        }

        /// Teachers who signed, in percent to one decimal (nil without teachers).
        public var teachersSignedPercent: Double? { Self.percent(teachersSigned, of: teachers) }

        static func percent(_ part: Int, of whole: Int) -> Double? {
            whole > 0 ? Double((part * 1000 + whole / 2) / whole) / 10 : nil
        }
    }

    /// Citizens' requests of the year against the deadline each was given when it came (the office's calendar).
    public struct Requests: Codable, Sendable, Equatable {
        public var total = 0
        /// Answered (issued or refused) by the deadline.
        public var onTime = 0
        /// Answered after it.
        public var late = 0
        /// Not answered, deadline still ahead.
        public var open = 0
        /// Not answered, deadline passed.
        public var overdue = 0

        public init() {}

        /// On time among those whose outcome is known (answered, or overdue already), in percent to one decimal.
        public var onTimePercent: Double? { Indicators.percent(onTime, of: onTime + late + overdue) }
    }

    public init(
        schoolYear: String, generatedAt: String, targetPercent: Double, inventoryDeclared: Bool, district: Indicators,
        schools: [Indicators], requests: Requests
    ) {
        self.schoolYear = schoolYear
        self.generatedAt = generatedAt
        self.targetPercent = targetPercent
        self.inventoryDeclared = inventoryDeclared
        self.district = district
        self.schools = schools
        self.requests = requests
    }

    /// How two spellings of a school's name are recognised as one: no diacritics, case or extra spaces
    /// ("Trường THCS Hoà Bình" is "Trường THCS Hòa Bình").
    public static func schoolKey(_ name: String) -> String { VietnameseText.fold(name) }

    /// "2024-2025" for 2024, the school year that starts in September of `year`.
    public static func schoolYear(_ year: Int) -> String { "\(year)-\(year + 1)" }

    /// The school year a date falls in at the office (it starts on 1 September).
    public static func schoolYearStart(of date: Date, calendar: Calendar) -> Int {
        let c = calendar.dateComponents([.year, .month], from: date)
        return (c.month ?? 1) >= 9 ? (c.year ?? 2000) : (c.year ?? 2000) - 1
    }
}

extension PlanReport {
    /// The report as CSV for a spreadsheet: UTF-8 with a BOM (so Excel reads Vietnamese), CRLF lines, one row per
    /// school and one for the district, headers in Vietnamese then English; cells that a spreadsheet would run as a
    /// formula are neutralised.
    public func csv() -> [UInt8] {
        let header = [
            "Trường / School", "Năm học / School year", "Đã khai báo sổ giấy / Paper declared",
            "Sổ đã số hóa / Ledgers digitized", "Sổ giấy / Paper ledgers", "% sổ / % ledgers",
            "Trang đã số hóa / Pages digitized", "Trang giấy / Paper pages", "% trang / % pages",
            "Dòng đã số hóa / Entries digitized", "Dòng trên giấy / Paper entries", "% dòng / % entries",
            "Chỉ tiêu % / Target %", "Đạt chỉ tiêu (sổ) / Target met (ledgers)",
            "Sổ có biên bản chuyển đổi / Ledgers with conversion record",
            "Sổ điểm / Grade books", "Sổ điểm đã ký / Grade books signed", "Học bạ / Học bạ", "Học bạ đã ký / Học bạ signed",
            "Trường có sổ điểm điện tử / Schools with e-grade books", "Trường có học bạ điện tử / Schools with e-học bạ",
            "Giáo viên / Teachers", "Giáo viên đã ký / Teachers signed", "% giáo viên đã ký / % teachers signed",
        ]
        func n(_ v: Int?) -> String { v.map(String.init) ?? "" }
        func p(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "" }
        func yes(_ v: Bool?) -> String { v.map { $0 ? "có / yes" : "không / no" } ?? "" }
        var rows = [header]
        for i in schools + [district] {
            rows.append([
                i.school.isEmpty ? "Toàn huyện / District" : i.school, schoolYear, i.declared ? "có / yes" : "chưa khai báo / not declared",
                String(i.ledgers.digitized), n(i.ledgers.paper), p(i.ledgers.percent),
                String(i.pages.digitized), n(i.pages.paper), p(i.pages.percent),
                String(i.entries.digitized), n(i.entries.paper), p(i.entries.percent),
                p(targetPercent), yes(i.ledgers.meetsTarget), String(i.ledgersWithConversionRecord),
                String(i.gradeBooks), String(i.gradeBooksSigned), String(i.hocBa), String(i.hocBaSigned),
                String(i.schoolsWithGradeBooks), String(i.schoolsWithHocBa),
                String(i.teachers), String(i.teachersSigned), p(i.teachersSignedPercent),
            ])
        }
        rows.append([])
        rows.append([
            "Yêu cầu / Requests", schoolYear, "tổng / total \(requests.total)", "đúng hạn / on time \(requests.onTime)",
            "trễ hạn / late \(requests.late)", "đang xử lý / open \(requests.open)", "quá hạn / overdue \(requests.overdue)",
            "% đúng hạn / % on time \(p(requests.onTimePercent))",
        ])
        let text = rows.map { $0.map { Self.csvCell(CSVFormula.neutralised($0)) }.joined(separator: ",") }.joined(separator: "\r\n")
        return [0xEF, 0xBB, 0xBF] + Array((text + "\r\n").utf8)
    }

    static func csvCell(_ s: String) -> String {
        guard s.contains(where: { ",\";\r\n\t".contains($0) }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
