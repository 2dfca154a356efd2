import Foundation
import HosoKit

/// The public page's verdicts in plain words: one sentence for what the check found, from the verifier's indication
/// and reason codes. The codes themselves stay in a small detail line and in the JSON answer.
enum PublicWording {
    /// The reasons that decide the headline, most telling first: a file changed after signing says more than the
    /// register mismatch that follows from it.
    static let failures: [(codes: Set<String>, copy: LocalizedText, hocBa: LocalizedText)] = [
        (
            ["QR_LINK_FOREIGN_HOST"],
            .both(
                "Không hợp lệ: mã QR dẫn tới một trang web khác, không phải trang kiểm tra của cơ quan",
                "Not valid: the QR code leads to another website, not the office's verification page"),
            .both("Không hợp lệ: mã QR dẫn tới một trang web khác", "Not valid: the QR code leads to another website")
        ),
        (
            ["MODIFIED_AFTER_SIGNING", "HASH_FAILURE", "SIG_CRYPTO_FAILURE"],
            .both("Không hợp lệ: tệp đã bị sửa sau khi ký", "Not valid: the file was changed after it was signed"),
            .both("Không hợp lệ: học bạ đã bị sửa sau khi ký", "Not valid: the học bạ was changed after it was signed")
        ),
        (
            ["QR_BAD_SIGNATURE"],
            .both("Không hợp lệ: dữ liệu trong mã QR đã bị sửa", "Not valid: the data in the QR code were changed"),
            .both("Không hợp lệ: dữ liệu trong mã QR đã bị sửa", "Not valid: the data in the QR code were changed")
        ),
        (
            ["REVOKED", "REVOKED_NO_POE"],
            .both("Không hợp lệ: chữ ký đã bị thu hồi", "Not valid: the signature's certificate has been revoked"),
            .both("Không hợp lệ: chữ ký đã bị thu hồi", "Not valid: a signature's certificate has been revoked")
        ),
        (
            ["DIPLOMA_REVOKED"],
            .both("Không hợp lệ: văn bằng đã bị thu hồi, hủy bỏ", "Not valid: the diploma has been revoked"),
            .both("Không hợp lệ: văn bằng đã bị thu hồi", "Not valid: the diploma has been revoked")
        ),
        (
            ["NO_SIGNATURE", "UNSIGNED"],
            .both("Không hợp lệ: tệp không có chữ ký số", "Not valid: the file has no digital signature"),
            .both("Không hợp lệ: học bạ chưa có chữ ký số", "Not valid: the học bạ has no digital signature")
        ),
        (
            ["QR_UNKNOWN_OFFICE", "NOT_OFFICE_SIGNER", "NOT_SCHOOL_SEAL", "SIGNER_NOT_ENTITLED", "NO_CERTIFICATE_CHAIN_FOUND"],
            .both("Không hợp lệ: không do cơ quan này ký", "Not valid: not signed by this office"),
            .both("Không hợp lệ: người ký không có thẩm quyền ký học bạ này", "Not valid: a signer was not entitled to sign this học bạ")
        ),
        (
            ["ENTRY_CORRECTED"],
            .both(
                "Không còn đúng: sổ gốc đã được đính chính sau khi cấp bản sao",
                "No longer correct: the ledger was corrected after the copy was issued"),
            .both("Không còn đúng: hồ sơ đã được sửa sau khi ký", "No longer correct: the records were changed after signing")
        ),
        (
            ["COPY_NOT_REGISTERED", "ENTRY_NOT_FOUND"],
            .both("Không hợp lệ: không có bản sao này trong sổ của cơ quan", "Not valid: the office has no record of this copy"),
            .both("Không hợp lệ: không có học bạ này trong hồ sơ của trường", "Not valid: the school has no record of this học bạ")
        ),
        (
            ["ENTRY_MISMATCH", "QR_REGISTER_MISMATCH", "HOC_BA_DATA_INVALID", "NO_EMBEDDED_ENTRY", "NO_EMBEDDED_DATA"],
            .both("Không hợp lệ: nội dung không khớp sổ gốc", "Not valid: the content does not match the original ledger"),
            .both("Không hợp lệ: nội dung không khớp hồ sơ của trường", "Not valid: the content does not match the school's records")
        ),
        (
            ["EXPIRED", "NOT_YET_VALID"],
            .both("Không hợp lệ: chứng thư ký không còn hiệu lực khi ký", "Not valid: the signing certificate was not valid when signed"),
            .both("Không hợp lệ: chứng thư ký không còn hiệu lực khi ký", "Not valid: a signing certificate was not valid when signed")
        ),
        (
            ["QR_MALFORMED", "QR_LINK_INVALID", "FORMAT_FAILURE"],
            .both("Không đọc được: tệp hoặc mã QR bị hỏng", "Cannot be read: the file or the QR code is damaged"),
            .both("Không đọc được: tệp bị hỏng", "Cannot be read: the file is damaged")
        ),
    ]

    /// One sentence for a copy's or a học bạ's check.
    static func headline(_ r: PublicReport) -> LocalizedText {
        let hocBa = r.kind == "hoc-ba"
        switch r.indication {
        case "PASSED":
            return hocBa
                ? .both(
                    "Học bạ hợp lệ: ký đủ, đúng thứ tự, khớp hồ sơ của trường",
                    "A valid học bạ: fully signed, in order, matching the school's records")
                : .both("Bản sao hợp lệ, đúng sổ gốc", "A valid copy, matching the original ledger")
        case "INDETERMINATE":
            if r.reasons.contains("NO_REVOCATION_DATA") || r.reasons.contains("REVOCATION_DATA_STALE") {
                return .both(
                    "Chưa đủ căn cứ: chưa kiểm tra được chữ ký có bị thu hồi hay không; xin thử lại sau",
                    "Not enough evidence: whether the signature was revoked could not be checked; please try later")
            }
            return hocBa
                ? .both("Chưa đủ căn cứ: học bạ chưa được ký đủ", "Not enough evidence: the học bạ is not fully signed")
                : .both("Chưa đủ căn cứ để kết luận bản sao hợp lệ", "Not enough evidence to say the copy is valid")
        default:
            for f in failures where !f.codes.isDisjoint(with: r.reasons) { return hocBa ? f.hocBa : f.copy }
            return hocBa
                ? .both("Không hợp lệ: học bạ không đúng", "Not valid: the học bạ does not stand")
                : .both("Không hợp lệ: bản sao không đúng", "Not valid: the copy does not stand")
        }
    }

    /// The badge beside it, in words.
    static func badge(_ indication: String) -> LocalizedText {
        switch indication {
        case "PASSED": .both("Hợp lệ", "Valid")
        case "INDETERMINATE": .both("Chưa đủ căn cứ", "Not enough evidence")
        default: .both("Không hợp lệ", "Not valid")
        }
    }
}
