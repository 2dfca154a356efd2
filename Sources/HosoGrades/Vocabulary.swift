import Foundation
import HosoCore
import HosoRecords

// Grade books (sổ điểm: one class × subject × term, TT22/2021) imported from teachers' CSV files, exported back,
// and assembled into transcripts (học bạ: one student × school year).
//
// Every import checks everything first and reports every problem with its place; nothing is written unless
// there is none. A record is created, revised (with a reason) or left alone when the new body is the same, so
// importing the same file twice never makes a second revision that someone would have to sign again.

extension HosoError.Code {
    /// header.json or the command-line metadata (school, class, year, subject, term, periods…) is wrong.
    public static let gradeBookHeaderInvalid = Self("GRADEBOOK_HEADER_INVALID", .badInput)
    /// The CSV file is not UTF-8 (the grade-book layout is UTF-8 only).
    public static let gradeBookEncoding = Self("GRADEBOOK_ENCODING", .badInput)
    /// A column the subject needs is not in the header row.
    public static let gradeBookColumnMissing = Self("GRADEBOOK_COLUMN_MISSING", .badInput)
    /// A header column that is not part of the layout, or one given twice.
    public static let gradeBookColumnUnknown = Self("GRADEBOOK_COLUMN_UNKNOWN", .badInput)
    /// A row with more cells than the header has columns.
    public static let gradeBookExtraCell = Self("GRADEBOOK_EXTRA_CELL", .badInput)
    /// The file has no student rows.
    public static let gradeBookEmpty = Self("GRADEBOOK_EMPTY", .badInput)
    /// A regular, mid-term or end-of-term mark that the subject needs is empty.
    public static let gradeBookMarkMissing = Self("GRADEBOOK_MARK_MISSING", .badInput)
    /// A regular mark beyond the number the subject's periods allow.
    public static let gradeBookMarkExtra = Self("GRADEBOOK_MARK_EXTRA", .badInput)
    /// A value in a column the subject's assessment does not use (marks for a comments-only subject, a comment
    /// result for a scored one).
    public static let gradeBookUnexpectedValue = Self("GRADEBOOK_UNEXPECTED_VALUE", .badInput)
    /// A comments-only subject's row without its Đạt / Chưa đạt.
    public static let gradeBookCommentMissing = Self("GRADEBOOK_COMMENT_MISSING", .badInput)
    /// The same student (mã định danh) twice in one grade book.
    public static let gradeBookDuplicateStudent = Self("GRADEBOOK_DUPLICATE_STUDENT", .badInput)
    /// A student row without a name.
    public static let gradeBookNameMissing = Self("GRADEBOOK_NAME_MISSING", .badInput)
    /// A MOET learner identifier that is not 10 digits.
    public static let moetIdInvalid = Self("MOET_ID_INVALID", .badInput)
    /// A date that is not a real dd/MM/yyyy date.
    public static let dateInvalid = Self("DATE_INVALID", .badInput)
    /// A stored record that is not a readable grade book (export or transcript of the wrong record).
    public static let gradeBookRecordInvalid = Self("GRADEBOOK_RECORD_INVALID", .badInput)
    /// A grade book a transcript needs is not in the archive.
    public static let gradeBookMissing = Self("GRADEBOOK_MISSING", .badInput)
    /// A student the transcript needs is absent from one of the year's grade books.
    public static let transcriptStudentMissing = Self("TRANSCRIPT_STUDENT_MISSING", .badInput)
    /// The grade books disagree about a student (name, date of birth) or a subject (assessment).
    public static let transcriptInconsistent = Self("TRANSCRIPT_INCONSISTENT", .badInput)
    /// Something worth a look in a transcript build that does not stop it (e.g. too few subjects for the rules).
    public static let transcriptWarning = Self("TRANSCRIPT_WARNING", .badInput)
    /// A changed record needs a reason for its new revision.
    public static let recordReasonRequired = Self("RECORD_REASON_REQUIRED", .badInput)
    /// Something worth a look that does not stop the import (e.g. a `tbm` column that differs from the computed
    /// average).
    public static let gradeBookWarning = Self("GRADEBOOK_WARNING", .badInput)
}

// MARK: - Vocabulary

/// A term of the school year (học kì).
public enum Term: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case hk1 = "HK1"
    case hk2 = "HK2"

    /// "HK1", "hk1", "HKI", "1", "Học kì I"… (folded, spaces and the words removed).
    public static func parse(_ text: String) -> Term? {
        let key = VietnameseText.fold(text).replacingOccurrences(of: " ", with: "")
            .replacingOccurrences(of: "hocki", with: "hk").replacingOccurrences(of: "hocky", with: "hk")
        switch key {
        case "hk1", "hki", "1", "i": return .hk1
        case "hk2", "hkii", "2", "ii": return .hk2
        default: return nil
        }
    }

    public var description: String { rawValue }

    /// The label the grade-book schema uses: "Học kì I", "Học kì II".
    public var label: String {
        switch self {
        case .hk1: return "Học kì I"
        case .hk2: return "Học kì II"
        }
    }
}

/// The school level a TT22 grade book belongs to.
public enum SecondaryLevel: String, Sendable, Codable, CaseIterable {
    case thcs = "THCS"
    case thpt = "THPT"

    /// The grades (khối lớp) of the level: 6–9 lower secondary, 10–12 upper secondary.
    public var grades: ClosedRange<Int> { self == .thcs ? 6...9 : 10...12 }

    public static func parse(_ text: String) -> SecondaryLevel? {
        switch VietnameseText.fold(text) {
        case "thcs": return .thcs
        case "thpt": return .thpt
        default: return nil
        }
    }
}

/// How a subject is assessed under TT22: with marks, or by comments only (Đạt / Chưa đạt).
public enum Assessment: String, Sendable, Codable, CaseIterable {
    case scored
    case comments

    /// "scored"/"comments", and the Vietnamese "điểm"/"nhận xét".
    public static func parse(_ text: String) -> Assessment? {
        switch VietnameseText.fold(text) {
        case "scored", "score", "marks", "diem", "danh gia bang diem", "ket hop": return .scored
        case "comments", "comment", "comments-only", "nhan xet", "danh gia bang nhan xet": return .comments
        default: return nil
        }
    }
}

/// A path-safe, accent-free token for record ids: "Trường THCS Tân Lập" → "truong-thcs-tan-lap".
/// Record ids must not depend on how a name was typed (NFC or not, case, spacing), so both the importer and
/// `transcript build` derive them through this one function.
public func recordSlug(_ text: String) -> String {
    var out = ""
    var pendingDash = false
    for scalar in VietnameseText.fold(text).unicodeScalars {
        if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
            if pendingDash && !out.isEmpty { out.append("-") }
            pendingDash = false
            out.unicodeScalars.append(scalar)
        } else {
            pendingDash = true
        }
    }
    return out
}

/// Names as stored: NFC, trimmed, single spaces (a double space typed in Excel is not a different name).
func normalizedName(_ text: String) -> String {
    VietnameseText.nfc(text).split(whereSeparator: \.isWhitespace).joined(separator: " ")
}
