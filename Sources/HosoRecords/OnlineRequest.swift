import Foundation
import HosoCore

/// What a request filed on the public site adds to the register's line: the holder's personal ID (its last four
/// digits are the second factor of the status page and the download), what the requester knew of the diploma, the
/// uploaded proof (an object, shown to clerks only), the contact, and the key the tracking code is found by (a
/// hash: the code itself is never stored).
public struct OnlineDetails: Codable, Sendable, Equatable {
    public enum Requester: String, Codable, Sendable, CaseIterable { case citizen, body }

    public var requesterKind: Requester
    public var holderId: String
    public var diplomaKind: String?
    public var school: String?
    public var year: Int?
    public var proofFile: String
    public var proofType: String
    public var phone: String
    public var email: String?
    public var trackingKey: String

    public init(
        requesterKind: Requester, holderId: String, diplomaKind: String?, school: String?, year: Int?, proofFile: String,
        proofType: String, phone: String, email: String?, trackingKey: String
    ) {
        self.requesterKind = requesterKind
        self.holderId = holderId
        self.diplomaKind = diplomaKind
        self.school = school
        self.year = year
        self.proofFile = proofFile
        self.proofType = proofType
        self.phone = phone
        self.email = email
        self.trackingKey = trackingKey
    }
}

/// The public form as typed. `check` turns it into a request, or reports every problem at once, each under the
/// name of its field (so the page shows it beside the field).
public struct OnlineRequestForm: Sendable, Equatable {
    public var kind = ""
    public var holderName = ""
    /// dd/mm/yyyy, as typed.
    public var holderDateOfBirth = ""
    public var holderId = ""
    public var diplomaKind = ""
    public var school = ""
    public var year = ""
    public var serial = ""
    public var requesterName = ""
    public var relation = ""
    /// For a verification request: the body (employer, school) asking.
    public var askingBody = ""
    public var phone = ""
    public var email = ""

    public init() {}

    /// The largest proof accepted (a phone photo or a short PDF).
    public static let maxProofBytes = 5 << 20

    /// The fields of the form, in the page's order (the tests and the page use the same names).
    public static let fieldNames = [
        "kind", "holder", "holder-dob", "holder-id", "diploma-kind", "school", "year", "serial", "requester", "relation",
        "asking-body", "phone", "email", "proof",
    ]

    /// The request as the register keeps it (without the online details the archive adds), or every problem.
    public func check(proof: [UInt8]?) -> Result<(NewCitizenRequest, proofType: String), HosoProblems> {
        var problems = [HosoError]()
        func bad(_ field: String, _ vi: String, _ en: String) {
            problems.append(HosoError(.badRequestInput, .both(vi, en), location: field))
        }
        func trimmed(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }
        let kind = CitizenRequest.Kind(rawValue: kind)
        if kind == nil { bad("kind", "Hãy chọn loại yêu cầu", "Choose the kind of request") }
        let relation = CitizenRequest.Relation(rawValue: relation)
        if relation == nil { bad("relation", "Hãy chọn quan hệ với người được cấp", "Choose the relation to the holder") }
        for (field, value, limit) in [
            ("holder", holderName, 200), ("requester", requesterName, 200), ("diploma-kind", diplomaKind, 100),
            ("school", school, 200), ("serial", serial, 50), ("asking-body", askingBody, 300), ("email", email, 200),
        ] where value.count > limit {
            bad(field, "Quá dài (tối đa \(limit) ký tự)", "Too long (at most \(limit) characters)")
        }
        if trimmed(holderName).isEmpty { bad("holder", "Hãy nhập họ tên người được cấp văn bằng", "Type the holder's full name") }
        if trimmed(requesterName).isEmpty { bad("requester", "Hãy nhập họ tên người yêu cầu", "Type the requester's name") }
        let dob = Self.isoDate(trimmed(holderDateOfBirth))
        if dob == nil {
            bad(
                "holder-dob", "Ngày sinh phải dạng ngày/tháng/năm, ví dụ 05/09/1980",
                "The date of birth must be dd/mm/yyyy, e.g. 05/09/1980")
        }
        let id = trimmed(holderId).filter { $0 != " " }
        if id.count != 12 || !id.allSatisfy({ $0.isASCII && $0.isNumber }) {
            bad("holder-id", "Số định danh cá nhân (CCCD) phải có đúng 12 chữ số", "The personal ID (CCCD) must have exactly 12 digits")
        }
        var yearValue: Int?
        if !trimmed(year).isEmpty {
            yearValue = Int(trimmed(year))
            if yearValue.map({ !(1945...2100).contains($0) }) ?? true {
                bad("year", "Năm tốt nghiệp phải là số có 4 chữ số, ví dụ 1998", "The year must have 4 digits, e.g. 1998")
            }
        }
        if trimmed(serial).isEmpty && (trimmed(school).isEmpty || trimmed(year).isEmpty) {
            bad(
                "serial", "Hãy nhập số hiệu văn bằng, hoặc trường và năm tốt nghiệp",
                "Type the diploma's serial, or the school and the year of graduation")
        }
        if kind == .verification && trimmed(askingBody).isEmpty {
            bad("asking-body", "Hãy nhập tên cơ quan đề nghị xác minh", "Type the name of the body asking for the verification")
        }
        let phone = trimmed(phone).filter { $0 != " " && $0 != "." && $0 != "-" }
        if phone.range(of: #"^(\+84|0)[0-9]{9,10}$"#, options: .regularExpression) == nil {
            bad("phone", "Số điện thoại không đúng, ví dụ 0912345678", "The phone number is not right, e.g. 0912345678")
        }
        if !trimmed(email).isEmpty, trimmed(email).range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) == nil {
            bad("email", "Địa chỉ thư điện tử không đúng", "The e-mail address is not right")
        }
        var proofType = ""
        if let proof, !proof.isEmpty {
            if proof.count > Self.maxProofBytes {
                bad("proof", "Tệp quá lớn (tối đa 5 MB)", "The file is too large (at most 5 MB)")
            } else if let t = ProofFile.type(of: proof) {
                proofType = t
            } else {
                bad("proof", "Chỉ nhận tệp PDF, JPEG hoặc PNG", "Only PDF, JPEG or PNG files are accepted")
            }
        } else {
            bad(
                "proof", "Hãy gửi kèm ảnh hoặc bản chụp giấy tờ (CCCD, giấy ủy quyền, giấy giới thiệu)",
                "Attach a photo or scan of the papers (ID card, authorisation, letter of introduction)")
        }
        guard problems.isEmpty, let kind, let relation, let dob else { return .failure(HosoProblems(problems)) }
        let request = NewCitizenRequest(
            kind: kind, requesterName: trimmed(requesterName), relation: relation,
            proof: relation == .holder ? nil : "Tệp tải lên trực tuyến / uploaded online", holderName: trimmed(holderName),
            holderDateOfBirth: dob, serial: trimmed(serial).isEmpty ? nil : trimmed(serial),
            askingBody: kind == .verification ? trimmed(askingBody) : nil, channel: .online)
        return .success((request, proofType))
    }

    /// "05/09/1980" (or 5/9/1980, 05-09-1980) → "1980-09-05", only for a real calendar date.
    public static func isoDate(_ typed: String) -> String? {
        let parts = typed.split(whereSeparator: { $0 == "/" || $0 == "-" || $0 == "." }).map(String.init)
        guard parts.count == 3, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]), parts[2].count == 4,
            parts[0].count <= 2, parts[1].count <= 2, (1900...2100).contains(y), (1...12).contains(m), d >= 1
        else { return nil }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= days[m - 1] else { return nil }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// The normalized personal ID (spaces removed), as stored.
    public var normalizedHolderId: String { holderId.filter { !$0.isWhitespace } }
    public var normalizedPhone: String { phone.filter { $0 != " " && $0 != "." && $0 != "-" } }
}

/// The uploaded proof's type, from its first bytes (never from the name or the browser's word).
public enum ProofFile {
    public static func type(of bytes: [UInt8]) -> String? {
        if bytes.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if bytes.count > 3, bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        return nil
    }
}

/// Tracking codes as people read them aloud and type them: twelve letters from an alphabet without look-alikes
/// (no B/8, I/L/1, O/0, S/5, Z/2) in three groups, "KMTA-HQEX-RPCW"; 20^12 ≈ 2^52 codes, each also needing the last
/// four digits of the personal ID and limited in tries.
public enum TrackingCode {
    public static let alphabet = Array("ACDEFGHJKMNPQRTUVWXY")

    /// A code from 24 random bytes: each letter from 16 random bits modulo 20 (a bias below 0.03%).
    public static func make(_ random: [UInt8]) -> String {
        precondition(random.count >= 24)
        var chars = [Character]()
        for i in 0..<12 {
            let v = Int(random[2 * i]) << 8 | Int(random[2 * i + 1])
            chars.append(alphabet[v % alphabet.count])
        }
        return String(chars[0..<4]) + "-" + String(chars[4..<8]) + "-" + String(chars[8..<12])
    }

    /// The code's twelve letters (case, spaces and dashes forgiven), or nil when it cannot be one.
    public static func normalized(_ typed: String) -> String? {
        guard typed.utf8.count <= 64 else { return nil }
        let letters = typed.uppercased().filter { $0 != "-" && $0 != " " }
        guard letters.count == 12, letters.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return letters
    }
}
