// The content hoso-bench-signing signs: a ~2 KB grade-book revision as canonical JSON (sorted keys, no whitespace).
import Foundation

indirect enum JSON {
    case string(String)
    case number(String)
    case bool(Bool)
    case array([JSON])
    case object([(String, JSON)])

    func write(into out: inout String) {
        switch self {
        case .string(let s):
            out.append("\"")
            for u in s.unicodeScalars {
                switch u {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                default:
                    if u.value < 0x20 { out.append(String(format: "\\u%04x", u.value)) } else { out.unicodeScalars.append(u) }
                }
            }
            out.append("\"")
        case .number(let n): out.append(n)
        case .bool(let b): out.append(b ? "true" : "false")
        case .array(let a):
            out.append("[")
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(",") }
                v.write(into: &out)
            }
            out.append("]")
        case .object(let members):
            out.append("{")
            for (i, (k, v)) in members.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }).enumerated() {
                if i > 0 { out.append(",") }
                JSON.string(k).write(into: &out)
                out.append(":")
                v.write(into: &out)
            }
            out.append("}")
        }
    }

    var text: String {
        var s = ""
        write(into: &s)
        return s
    }
}

/// A grade book of class 6A (Toán, Học kì I) wrapped in a revision envelope, with as many students as it takes
/// to reach `target` bytes: the size of a real record, with Vietnamese names (multi-byte UTF-8).
func makeRecord(target: Int = 2048) -> [UInt8] {
    let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
    let middle = ["Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu", "Quốc", "Thanh"]
    let given = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hạnh", "Hùng", "Khánh", "Lan", "Long", "Mai", "Nam", "Ngân"]
    let marks = ["5", "5.5", "6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10"]
    func student(_ n: Int) -> JSON {
        let m = { (k: Int) in JSON.number(marks[(n * 7 + k * 3) % marks.count]) }
        return .object([
            ("stt", .number(String(n))),
            ("fullName", .string("\(family[n % family.count]) \(middle[(n / 3) % middle.count]) \(given[(n * 5) % given.count])")),
            ("dateOfBirth", .string(String(format: "2013-%02d-%02d", 1 + n % 12, 1 + (n * 11) % 28))),
            ("moetId", .string(String(2_200_123_400 + n * 37))),
            ("regular", .array([m(0), m(1), m(2), m(3)])),
            ("midterm", m(4)),
            ("final", m(5)),
        ])
    }
    func record(_ students: Int) -> [UInt8] {
        let body = JSON.object([
            ("schoolYear", .string("2024-2025")), ("school", .string("Trường THCS Tân Lập")), ("class", .string("6A")),
            ("grade", .number("6")), ("level", .string("THCS")), ("subject", .string("Toán")), ("term", .string("Học kì I")),
            ("teacher", .object([("fullName", .string("Phạm Thị Hoa")), ("moetId", .string("2200999001"))])),
            ("assessment", .string("scored")), ("periodsPerYear", .number("140")),
            ("students", .array((1...max(1, students)).map(student))),
        ])
        let revision = JSON.object([
            ("type", .string("hoso/revision")), ("version", .number("1")), ("recordType", .string("grade-book")),
            ("recordId", .string("THCS-TANLAP/2024-2025/6A/TOAN/HK1")),
            ("parents", .array([.string("0a3bd844ed14b8720fcfb92604293744e8ec7d81920f69b2792facc2e42a8ef7")])),
            ("author", .string("Phạm Thị Hoa (giáo viên Toán)")), ("time", .string("2025-01-10T08:00:00Z")),
            ("body", body),
        ])
        return Array(revision.text.utf8)
    }
    var n = 1
    while record(n).count < target { n += 1 }
    return record(n)
}
