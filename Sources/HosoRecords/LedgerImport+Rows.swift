import Foundation
import HosoCore

// One row of a ledger by itself: its cells by field, each value checked, the problems in order.

extension LedgerImporter {
    /// A region of a page written x,y,w,h (fractions of the page from 0 to 1), or nil when it is not one.
    public static func region(_ text: String) -> [Double]? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, values.count == 4, values.allSatisfy({ $0.isFinite && (0...1).contains($0) }) else { return nil }
        return values
    }

    /// Reads one row: every field in turn (the order of its problems), then the entry if all was there and valid.
    static func parseRow(
        _ row: Table.Row, of table: Table, column: [Int?], mapping: LedgerMapping,
        warnings: inout [HosoError]
    ) -> ParsedRow {
        var r = RowReader(row: row, table: table, column: column)
        let sttText = r.need(.stt)
        let stt = sttText.flatMap { Int($0) }
        if let sttText, stt == nil || stt! < 1 {
            r.invalid(.stt, "STT phải là số nguyên dương", "STT must be a positive whole number", sttText)
        }
        let name = r.need(.fullName)
        let dob = r.dateOfBirth(format: mapping.dateFormat)
        let pob = r.need(.placeOfBirth)
        let sex = r.sex()
        let ethnicity = r.need(.ethnicity)
        let grade = r.graduationGrade()
        let serial = r.need(.serial)
        let number = r.ledgerNumber(year: mapping.year)
        let signed = mapping.columns["recipientSigned"] != nil ? r.recipientSigned() : nil
        let citizenId = r.citizenId()
        let moetId = r.moetId()
        let page = r.page()
        let region = r.region()
        if let id = citizenId, let dob, let sex, let warning = r.citizenIdWarning(id, dateOfBirth: dob, sex: sex) {
            warnings.append(warning)
        }
        var entry: LedgerEntry? = nil
        if r.ok, let stt, let name, let dob, let pob, let sex, let ethnicity, let serial, let number {
            entry = LedgerEntry(
                row: row.number, stt: stt, fullName: name, dateOfBirth: dob, placeOfBirth: pob, sex: sex,
                ethnicity: ethnicity, graduationGrade: grade, serial: serial, ledgerNumber: number,
                recipientSigned: signed, notes: r.cell(.notes), citizenId: citizenId, moetId: moetId,
                page: page, region: region)
        }
        return ParsedRow(number: row.number, errors: r.errors, ok: r.ok, serial: serial, ledgerNumber: number, entry: entry)
    }

    /// A row's cells by field, and the problems found reading them.
    struct RowReader {
        let row: Table.Row
        let table: Table
        /// Each field's column (`Field.rawValue` → column).
        let column: [Int?]
        var errors = [HosoError]()
        var ok = true

        func cell(_ f: Field) -> String? {
            guard let c = column[f.rawValue], c < row.cells.count else { return nil }
            return LedgerImporter.clean(row.cells[c])
        }

        func place(_ f: Field) -> String { table.place(row: row.number, column: column[f.rawValue] ?? 0) }

        mutating func need(_ f: Field) -> String? {
            if let v = cell(f) {
                // Two values that look the same must be the same: an invisible character would make a second
                // "B 0123456" that no search or uniqueness check matches.
                if let u = VietnameseText.firstInvisible(in: v) {
                    invalid(
                        f, "Ô chứa ký tự vô hình \(u) (xoá ký tự đó rồi nhập lại)",
                        "The cell holds the invisible character \(u) (delete it and import again)", v)
                    return nil
                }
                return v
            }
            errors.append(
                HosoError(.ledgerValueMissing, .both("Thiếu giá trị bắt buộc", "A required value is missing"), location: place(f)))
            ok = false
            return nil
        }

        mutating func invalid(_ f: Field, _ vi: String, _ en: String, _ value: String) {
            errors.append(HosoError(.ledgerValueInvalid, .both(vi, en), location: place(f), cause: value))
            ok = false
        }

        mutating func dateOfBirth(format: String) -> String? {
            var dob: String? = nil
            if let text = need(.dateOfBirth) {
                dob = DateCell.parse(text, format: format) ?? DateCell.excelSerial(text, date1904: table.date1904)
                if dob == nil {
                    invalid(
                        .dateOfBirth, "Ngày sinh không hợp lệ hoặc sai định dạng \(format)",
                        "Invalid date of birth, or not in the format \(format)", text)
                }
            }
            return dob
        }

        mutating func sex() -> String? {
            var sex: String? = nil
            if let text = need(.sex) {
                switch VietnameseText.fold(text) {
                case "nam": sex = "Nam"
                case "nu": sex = "Nữ"
                default: invalid(.sex, "Giới tính phải là Nam hoặc Nữ", "Sex must be Nam or Nữ", text)
                }
            }
            return sex
        }

        mutating func graduationGrade() -> String? {
            let grades = LedgerImporter.grades
            var grade: String? = nil
            // Optional here: whether this ledger's diplomas carry a grade is the office's rule, checked on the whole
            // ledger (`OfficeSettings.graduationGradeProblems`).
            if let text = cell(.graduationGrade) {
                let f = VietnameseText.fold(text)
                grade = zip(grades, foldedGrades).first { $0.1 == f }?.0 ?? (f == "tb" ? "Trung bình" : nil)
                if grade == nil {
                    invalid(
                        .graduationGrade, "Xếp loại tốt nghiệp phải là một trong: \(grades.joined(separator: ", "))",
                        "The graduation grade must be one of: \(grades.joined(separator: ", "))", text)
                }
            }
            return grade
        }

        mutating func ledgerNumber(year: Int) -> Int? {
            var number: Int? = nil
            if let text = need(.ledgerNumber) {
                // "125" or "125/2019" (the year of the ledger).
                let parts = text.split(separator: "/")
                if let n = Int(parts[0]), n >= 1, parts.count == 1 || (parts.count == 2 && Int(parts[1]) == year) {
                    number = n
                } else {
                    invalid(
                        .ledgerNumber, "Số vào sổ gốc phải là số nguyên dương (hoặc 'số/\(year)')",
                        "The ledger number must be a positive whole number (or 'number/\(year)')", text)
                }
            }
            return number
        }

        mutating func recipientSigned() -> Bool? {
            var signed: Bool? = nil
            let text = cell(.recipientSigned) ?? ""
            switch VietnameseText.fold(text) {
            case "x", "co", "da ky", "1", "true", "yes": signed = true
            case "", "khong", "0", "false", "no", "chua ky": signed = false
            default:
                invalid(
                    .recipientSigned, "Chữ ký người nhận: dùng x/có/đã ký hoặc để trống",
                    "Recipient's signature: use x/có/đã ký or leave empty", text)
            }
            return signed
        }

        mutating func citizenId() -> String? {
            var citizenId: String? = nil
            if let text = cell(.citizenId) {
                let digits = text.utf8.contains(0x20) ? text.replacingOccurrences(of: " ", with: "") : text
                // 12 ASCII digits, counted as characters or as bytes alike.
                if digits.utf8.count == 12, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    citizenId = digits
                } else {
                    invalid(.citizenId, "Số định danh cá nhân phải gồm đúng 12 chữ số", "The citizen ID must be exactly 12 digits", text)
                }
            }
            return citizenId
        }

        mutating func moetId() -> String? {
            var moetId: String? = nil
            if let text = cell(.moetId) {
                if text.utf8.count == 10, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    moetId = text
                } else {
                    invalid(.moetId, "Mã định danh Bộ GD&ĐT phải gồm đúng 10 chữ số", "The MOET learner id must be exactly 10 digits", text)
                }
            }
            return moetId
        }

        mutating func page() -> Int? {
            var page: Int? = nil
            if let text = cell(.page) {
                if let p = Int(text), p >= 1 {
                    page = p
                } else {
                    invalid(.page, "Số trang phải là số nguyên dương", "The page must be a positive whole number", text)
                }
            }
            return page
        }

        mutating func region() -> [Double]? {
            var region: [Double]? = nil
            if let text = cell(.region) {
                if let parts = LedgerImporter.region(text) {
                    region = parts
                } else {
                    invalid(
                        .region, "Vùng phải là x,y,w,h (phân số từ 0 đến 1)", "The region must be x,y,w,h (fractions from 0 to 1)", text)
                }
            }
            return region
        }

        /// Soft check of the citizen ID layout against sex and birth year (no check digit exists).
        func citizenIdWarning(_ id: String, dateOfBirth dob: String, sex: String) -> HosoError? {
            let year = Int(dob.prefix(4))!
            let centuryDigit = Int(String(id[id.index(id.startIndex, offsetBy: 3)]))!
            let expected = (year / 100 - 19) * 2 + (sex == "Nữ" ? 1 : 0)
            let yy = year % 100
            let twoDigits = String(decoding: [UInt8(0x30 + yy / 10), UInt8(0x30 + yy % 10)], as: UTF8.self)  // "%02d"
            if centuryDigit != expected || id.dropFirst(4).prefix(2) != twoDigits.prefix(2) {
                return HosoError(
                    .ledgerWarning,
                    .both(
                        "Số định danh không khớp giới tính/năm sinh theo cách đánh số thường gặp",
                        "The citizen ID does not match sex/birth year in the usual layout"),
                    location: place(.citizenId), cause: id)
            }
            return nil
        }
    }
}
