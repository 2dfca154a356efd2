import Foundation
import HosoCore

/// The office's working calendar and identity. DOMAIN.md: the deadline rule (same working day; the next one after
/// 15:00) is from one province's procedure page [law, one province], working days and holidays vary, and the
/// issuing authority is configuration since the 2025 reorganisation — so all of it is a record, not a constant.
public struct OfficeSettings: Codable, Sendable, Equatable {
    public var officeName: String
    public var superiorBody: String
    public var place: String
    public var signerTitle: String
    public var signerName: String
    /// Short code printed in copy numbers and QR payloads.
    public var officeCode: String
    /// ISO weekdays that are working days (1 = Monday … 7 = Sunday).
    public var workingDays: [Int]
    /// Days off (YYYY-MM-DD), e.g. Tết.
    public var holidays: [String]
    /// Requests received after this local time are due the next working day.
    public var cutoff: String
    /// When the office closes: the deadline's time of day.
    public var closing: String
    /// Offset of local time from UTC, e.g. "+07:00".
    public var utcOffset: String
    /// Working days to answer a verification request (no statutory deadline was found: DOMAIN.md).
    public var verificationDays: Int
    /// SHA-256 fingerprints of the certificates that sign this office's copies.
    public var copySigners: [String]
    /// `hoso renew`: renew an archive timestamp chain once its newest TSA certificate (or chain) has fewer than this
    /// many days left. nil: 365.
    public var evidenceRenewalMarginDays: Int?
    /// `hoso renew`: renew every chain not renewed since this date (YYYY-MM-DD) before it comes, e.g. the announced
    /// end of a hash algorithm or of a TSA's key. nil: none.
    public var evidenceRenewBefore: String?
    /// `hoso renew`: the hash algorithm evidence must use from `evidenceHashAlgorithmFrom` on ("sha256" or
    /// "sha512"); chains under another one then get a hash-tree renewal (RFC 4998 §5.2). nil: SHA-256 throughout.
    public var evidenceHashAlgorithm: String?
    /// The date (YYYY-MM-DD) from which `evidenceHashAlgorithm` must be used. nil with an algorithm: at once.
    public var evidenceHashAlgorithmFrom: String?
    /// Which numbers each machine (sync node) of the office gives to requests and copies, so that two machines
    /// working offline never give the same number. nil or empty: this archive is the office's only numbering
    /// machine and uses 1…999,999. With blocks, a machine without one of its own numbers nothing.
    public var numberBlocks: [NumberBlock]?
    /// Diplomas that carry no graduation grade, by level and first graduation year (`LedgerGrades.swift`). nil: THCS
    /// from 2025 (Thông tư 31/2023); empty: every diploma carries one.
    public var gradelessDiplomas: [GradelessDiplomas]?
    /// The address of the office's public verification page ("https://hoso.example.gov.vn"), with no trailing slash,
    /// query or fragment. Set: a copy's QR code is a link to `<publicURL>/v` carrying the signed payload, and only
    /// links to it are accepted; nil: the QR code carries the bare payload, as before.
    public var publicURL: String?
    /// The object id (SHA-256, hex) of the office's seal as a small PNG, shown on the public page (`hoso office set
    /// --seal-image`). nil: none shown.
    public var sealImage: String?
    /// The legal basis a custody transfer of ledgers cites (`hoso custody transfer`). nil: `defaultCustodyBasis`.
    /// Configurable: the circular's wording and number are [press], not read in the gazette (DOMAIN.md).
    public var custodyBasis: String?
    /// The offices whose ledgers this office takes into custody, each with its seal certificates: a transfer's
    /// inventory is accepted only when one of them signed it. nil or empty: this office accepts no transfer.
    public var custodySources: [CustodySource]?
    /// The words before a school's present name on a copy when it was renamed or merged since the ledger ("nay là").
    public var schoolNowWording: String?

    /// An office that hands its ledgers over to this one (a district office, to the province department).
    public struct CustodySource: Codable, Sendable, Equatable {
        /// The office's name as its inventories give it (`officeName` in its settings).
        public var office: String
        /// SHA-256 fingerprints of its seal certificates.
        public var seals: [String]

        public init(office: String, seals: [String]) {
            self.office = office
            self.seals = seals
        }
    }

    /// Thông tư 13/2025/TT-BGDĐT [press]: diplomas a district office issued are served by the province department.
    public static let defaultCustodyBasis =
        "Thông tư số 13/2025/TT-BGDĐT (hiệu lực từ ngày 01/7/2025): Sở Giáo dục và Đào tạo quản lý sổ gốc và cấp bản sao "
        + "văn bằng do Phòng Giáo dục và Đào tạo đã cấp"
    public static let defaultSchoolNowWording = "nay là"

    /// The request and copy numbers one node gives each year: `first`…`last`, inclusive.
    public struct NumberBlock: Codable, Sendable, Equatable {
        /// The node id (`hoso node show`).
        public var node: String
        /// A name for people reading the settings ("máy tiếp nhận 1").
        public var name: String?
        public var first: Int
        public var last: Int

        public init(node: String, name: String? = nil, first: Int, last: Int) {
            self.node = node
            self.name = name
            self.first = first
            self.last = last
        }
    }

    /// The largest number a request or copy may have: record ids carry it in six digits.
    public static let maxNumber = 999_999

    /// What is wrong with `numberBlocks`: a block outside 1…999,999 or backwards, a node given twice, two blocks that
    /// share a number.
    public var numberBlockProblems: [String] {
        let blocks = numberBlocks ?? []
        var out = [String]()
        for b in blocks where !(1 <= b.first && b.first <= b.last && b.last <= Self.maxNumber) {
            out.append("\(b.node.prefix(16)): \(b.first)…\(b.last)")
        }
        for (i, a) in blocks.enumerated() {
            for b in blocks[(i + 1)...] {
                if a.node == b.node { out.append("\(a.node.prefix(16)) ×2") }
                if a.first <= b.last && b.first <= a.last { out.append("\(a.first)…\(a.last) ∩ \(b.first)…\(b.last)") }
            }
        }
        return out
    }

    public init(
        officeName: String,
        superiorBody: String,
        place: String,
        signerTitle: String,
        signerName: String,
        officeCode: String,
        workingDays: [Int],
        holidays: [String],
        cutoff: String,
        closing: String,
        utcOffset: String,
        verificationDays: Int,
        copySigners: [String],
        evidenceRenewalMarginDays: Int? = nil,
        evidenceRenewBefore: String? = nil,
        evidenceHashAlgorithm: String? = nil,
        evidenceHashAlgorithmFrom: String? = nil,
        numberBlocks: [NumberBlock]? = nil,
        gradelessDiplomas: [GradelessDiplomas]? = nil,
        publicURL: String? = nil,
        sealImage: String? = nil,
        custodyBasis: String? = nil,
        custodySources: [CustodySource]? = nil,
        schoolNowWording: String? = nil
    ) {
        self.officeName = officeName
        self.superiorBody = superiorBody
        self.place = place
        self.signerTitle = signerTitle
        self.signerName = signerName
        self.officeCode = officeCode
        self.workingDays = workingDays
        self.holidays = holidays
        self.cutoff = cutoff
        self.closing = closing
        self.utcOffset = utcOffset
        self.verificationDays = verificationDays
        self.copySigners = copySigners
        self.evidenceRenewalMarginDays = evidenceRenewalMarginDays
        self.evidenceRenewBefore = evidenceRenewBefore
        self.evidenceHashAlgorithm = evidenceHashAlgorithm
        self.evidenceHashAlgorithmFrom = evidenceHashAlgorithmFrom
        self.numberBlocks = numberBlocks
        self.gradelessDiplomas = gradelessDiplomas
        self.publicURL = publicURL
        self.sealImage = sealImage
        self.custodyBasis = custodyBasis
        self.custodySources = custodySources
        self.schoolNowWording = schoolNowWording
    }

    public static let defaults = OfficeSettings(
        officeName: "Phòng Giáo dục và Đào tạo", superiorBody: "Ủy ban nhân dân", place: "", signerTitle: "Trưởng phòng",
        signerName: "", officeCode: "PGD", workingDays: [1, 2, 3, 4, 5], holidays: [], cutoff: "15:00", closing: "17:00",
        utcOffset: "+07:00", verificationDays: 5, copySigners: [])

    public static let recordType = "office-settings"
    public static let recordId = "office-settings"

    package var offsetSeconds: Int {
        let sign = utcOffset.hasPrefix("-") ? -1 : 1
        let parts = utcOffset.dropFirst().split(separator: ":").compactMap { Int($0) }
        return sign * ((parts.first ?? 7) * 3600 + (parts.count > 1 ? parts[1] : 0) * 60)
    }

    package var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(secondsFromGMT: offsetSeconds)!
        return c
    }

    package func minutes(_ hhmm: String) -> Int {
        let p = hhmm.split(separator: ":").compactMap { Int($0) }
        return (p.first ?? 0) * 60 + (p.count > 1 ? p[1] : 0)
    }

    package func isWorkingDay(_ d: Date) -> Bool {
        let c = calendar
        let weekday = c.component(.weekday, from: d)  // 1 = Sunday
        let iso = weekday == 1 ? 7 : weekday - 1
        guard workingDays.contains(iso) else { return false }
        let comps = c.dateComponents([.year, .month, .day], from: d)
        let key = String(format: "%04d-%02d-%02d", comps.year!, comps.month!, comps.day!)
        return !holidays.contains(key)
    }

    /// The deadline for a request received at `received`: closing time of the same working day, or of the next
    /// working day when it came after the cutoff or on a day off; `extraDays` more working days after that.
    public func deadline(receivedAt received: Date, extraDays: Int = 0) -> Date {
        let c = calendar
        var day = c.startOfDay(for: received)
        let minuteOfDay = c.component(.hour, from: received) * 60 + c.component(.minute, from: received)
        if !isWorkingDay(day) || minuteOfDay >= minutes(cutoff) {
            repeat { day = c.date(byAdding: .day, value: 1, to: day)! } while !isWorkingDay(day)
        }
        for _ in 0..<max(0, extraDays) {
            repeat { day = c.date(byAdding: .day, value: 1, to: day)! } while !isWorkingDay(day)
        }
        return day.addingTimeInterval(TimeInterval(minutes(closing) * 60))
    }
}
