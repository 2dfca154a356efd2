import Foundation
import HosoRecords

/// What a field's words become: the ledger's spelling where the reading is plainly one of its values (a date as
/// dd/mm/yyyy, "Nữ", "Trung bình"), and a lower confidence where the text does not look like the field at all,
/// so the keying screen draws the eye to it. Nothing is invented: a reading that fits nothing is left as read.
enum FieldText {
    static let grades = ["Xuất sắc", "Giỏi", "Khá", "Trung bình"]
    /// The groups most ledgers of the northern uplands name; others are left as read.
    static let ethnicities = [
        "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "H'Mông", "Dao", "Gia Rai", "Ê Đê", "Ba Na", "Sán Chay",
        "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai", "Mnông", "Thổ", "Giáy", "Cơ Tu", "Khơ Mú", "Lào", "La Chí",
        "Lô Lô", "Pà Thẻn", "Bố Y", "Lự", "Phù Lá", "Hà Nhì", "Xinh Mun", "Kháng", "Mảng", "Si La", "Cống", "Pu Péo",
    ]

    /// The field's text and confidence from its words (in reading order) and their confidences (0–100).
    static func make(field: String, words: [(text: String, confidence: Double)]) -> PrefillField? {
        // Tokens with no letter or digit are specks and rulings read as "_", "—", "|".
        let kept = words.compactMap { w -> (String, Double)? in
            let t = VietnameseText.nfc(w.text)
            return t.unicodeScalars.contains(where: { CharacterSet.alphanumerics.contains($0) }) ? (t, w.confidence) : nil
        }
        let read = trimPunctuation(kept.map(\.0).joined(separator: " "))
        guard !read.isEmpty else { return nil }
        let confidence = max(0, min(1, (kept.map(\.1).min() ?? 0) / 100))
        let (text, factor) = normalise(field: field, read)
        return PrefillField(text: text, confidence: (confidence * factor * 1000).rounded() / 1000)
    }

    static func trimPunctuation(_ s: String) -> String {
        let junk = CharacterSet(charactersIn: " _`'\"|—–-.,:;~^*“”‘’«»()[]{}!¡")
        return s.trimmingCharacters(in: junk)
    }

    /// The field in the ledger's spelling and a factor for the confidence: 1 when it already fitted, 0.9 when a
    /// spelling was put right, 0.4 when it does not look like the field.
    static func normalise(field: String, _ read: String) -> (String, Double) {
        switch field {
        case "stt", "ledgerNumber":
            let digits = digitLike(read.replacingOccurrences(of: " ", with: ""))
            return digits.allSatisfy(\.isASCII) && Int(digits) != nil ? (digits, digits == read ? 1 : 0.9) : (read, 0.4)
        case "dateOfBirth":
            return date(read).map { ($0, $0 == read ? 1 : 0.9) } ?? (read, 0.4)
        case "serial":
            let compact = read.replacingOccurrences(of: " ", with: "")
            let letters = compact.prefix { $0.isASCII && $0.isLetter }.uppercased()
            let rest = digitLike(String(compact.dropFirst(letters.count)))
            let ok = (1...3).contains(letters.count) && (4...10).contains(rest.count) && rest.allSatisfy { $0.isASCII && $0.isNumber }
            let text = String(letters) + rest
            return ok ? (text, text == read ? 1 : 0.9) : (read, 0.4)
        case "sex":
            switch VietnameseText.fold(read) {
            case "nam": return ("Nam", read == "Nam" ? 1 : 0.9)
            case "nu": return ("Nữ", read == "Nữ" ? 1 : 0.9)
            default: return (read, 0.4)
            }
        case "graduationGrade":
            return snap(read, to: grades, distance: 2)
        case "ethnicity":
            return snap(read, to: ethnicities, distance: 1)
        case "fullName":
            // Every word of a Vietnamese name starts with a capital; a lower-case word is a misreading.
            let capitalised = read.split(separator: " ").allSatisfy { $0.first?.isUppercase ?? false }
            return (read, capitalised ? 1 : 0.6)
        default:
            return (read, 1)
        }
    }

    /// Letters Tesseract gives for digits in a field of digits.
    static func digitLike(_ s: String) -> String {
        String(
            s.map { c -> Character in
                switch c {
                case "O", "o", "D", "Q": "0"
                case "l", "I", "|", "i", "!": "1"
                case "S": "5"
                case "B": "8"
                default: c
                }
            })
    }

    /// A date as dd/mm/yyyy from d/m/yyyy, d.m.yyyy, d-m-yyyy or eight digits; nil when it is no date.
    static func date(_ read: String) -> String? {
        let s = digitLike(read.replacingOccurrences(of: " ", with: ""))
        var parts = s.split(whereSeparator: { "/.-".contains($0) }).map(String.init)
        if parts.count == 1, s.count == 8 {
            parts = [String(s.prefix(2)), String(s.dropFirst(2).prefix(2)), String(s.suffix(4))]
        }
        guard parts.count == 3, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]),
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }), (1...31).contains(d), (1...12).contains(m),
            (1900...2100).contains(y), parts[2].count == 4
        else { return nil }
        return String(format: "%02d/%02d/%04d", d, m, y)
    }

    /// The vocabulary word the reading is (ignoring accents, case and spaces), or is within `distance` edits of.
    static func snap(_ read: String, to words: [String], distance: Int) -> (String, Double) {
        if words.contains(read) { return (read, 1) }
        let key = squeeze(read)
        if let exact = words.first(where: { squeeze($0) == key }) { return (exact, 0.9) }
        guard key.count >= 3 else { return (read, 0.4) }
        let near = words.map { ($0, editDistance(squeeze($0), key)) }.min { $0.1 < $1.1 }
        if let near, near.1 <= distance { return (near.0, 0.8) }
        return (read, 0.6)
    }

    static func squeeze(_ s: String) -> String { VietnameseText.fold(s).replacingOccurrences(of: " ", with: "") }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
