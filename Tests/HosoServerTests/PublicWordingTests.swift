import Foundation
import HosoKit
import Testing

@testable import HosoServer

/// Each verifier outcome becomes one plain sentence on the public page, for copies and học bạ alike.
@Suite struct PublicWordingTests {
    static func report(_ kind: String, _ indication: String, _ reasons: [String]) -> PublicReport {
        PublicReport(
            kind: kind, finding: nil, differing: nil, indication: indication, method: .pdf, reasons: reasons, messages: [],
            copyNumber: nil, issueDate: nil, signedBy: nil, judgedAt: nil, timeProof: nil, shown: [])
    }

    @Test func outcomesBecomeSentences() {
        let cases: [(String, String, [String], String)] = [
            ("copy", "PASSED", [], "Bản sao hợp lệ, đúng sổ gốc"),
            ("copy", "FAILED", ["MODIFIED_AFTER_SIGNING", "ENTRY_MISMATCH"], "Không hợp lệ: tệp đã bị sửa sau khi ký"),
            ("copy", "FAILED", ["REVOKED"], "Không hợp lệ: chữ ký đã bị thu hồi"),
            ("copy", "FAILED", ["DIPLOMA_REVOKED"], "Không hợp lệ: văn bằng đã bị thu hồi, hủy bỏ"),
            ("copy", "FAILED", ["QR_BAD_SIGNATURE"], "Không hợp lệ: dữ liệu trong mã QR đã bị sửa"),
            ("copy", "FAILED", ["ENTRY_CORRECTED"], "Không còn đúng: sổ gốc đã được đính chính sau khi cấp bản sao"),
            ("copy", "FAILED", ["COPY_NOT_REGISTERED"], "Không hợp lệ: không có bản sao này trong sổ của cơ quan"),
            ("copy", "INDETERMINATE", ["NO_REVOCATION_DATA"], "Chưa đủ căn cứ: chưa kiểm tra được chữ ký có bị thu hồi hay không"),
            ("copy", "FAILED", ["SOMETHING_NEW"], "Không hợp lệ: bản sao không đúng"),
            ("hoc-ba", "PASSED", [], "Học bạ hợp lệ"),
            ("hoc-ba", "FAILED", ["HASH_FAILURE"], "Không hợp lệ: học bạ đã bị sửa sau khi ký"),
            ("hoc-ba", "INDETERMINATE", ["HOC_BA_INCOMPLETE"], "Chưa đủ căn cứ: học bạ chưa được ký đủ"),
        ]
        for (kind, indication, reasons, expected) in cases {
            let text = PublicWording.headline(Self.report(kind, indication, reasons))
            #expect(text.vi.hasPrefix(expected), "\(kind) \(indication) \(reasons): \(text.vi)")
            #expect(!text.vi.contains("_") && !text.en.contains("PASSED") && !text.en.contains("FAILED"))
        }
        #expect(PublicWording.badge("FAILED").vi == "Không hợp lệ" && PublicWording.badge("PASSED").en == "Valid")
        #expect(Wording.date("2026-03-05") == "05/03/2026" && Wording.date("05/03/2026") == "05/03/2026")
        #expect(Wording.time("2026-03-05T17:30:00Z", offset: Wording.offsetSeconds("+07:00")) == "06/03/2026 00:30")
    }
}
