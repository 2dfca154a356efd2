import ArgumentParser
import Foundation
import HosoKit
import HosoOCR

struct LedgerOCR: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "ocr",
            abstract: t(
                "Gợi ý nội dung một trang sổ gốc đánh máy/in bằng OCR (Tesseract, tiếng Việt), kèm độ tin cậy.",
                "Suggest the entries of a typed or printed ledger page by OCR (Tesseract, Vietnamese), with confidences."),
            discussion: t(
                """
                Chỉ cho trang đánh máy hoặc in; sổ viết tay phải nhập tay. Kết quả chỉ là gợi ý: không ghi gì vào kho,
                người nhập kiểm tra và xác nhận từng ô. Ảnh PNG hoặc JPEG, bảng có kẻ dòng và cột (trang lệch đến 1,5° được
                chỉnh thẳng). Cần gói
                tesseract-ocr và tesseract-ocr-vie (tools/setup). Độ tin cậy từ 0 đến 1; dưới 0,6 được đánh dấu "?".
                """,
                """
                Typed or printed pages only; handwritten ledgers are keyed by hand. The output is a suggestion: nothing is
                written to the archive, and a person checks and confirms every field. A PNG or JPEG image of a page with a
                ruled table (a page up to 1.5° askew is straightened). Needs the packages tesseract-ocr and tesseract-ocr-vie (tools/setup). Confidences run
                from 0 to 1; below 0.6 is marked "?".
                """))
    }

    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: ArgumentHelp(t("Ngôn ngữ: vi hoặc en.", "Language: vi or en."), valueName: "vi|en"))
    var lang: Lang?
    @Option(
        name: .long,
        help: ArgumentHelp(
            t("Thời gian tối đa cho cả trang, giây (mặc định 120).", "Time budget for the page, seconds (default 120)."), valueName: "S"))
    var maxSeconds: Double = 120
    @Argument(help: ArgumentHelp(t("Ảnh trang sổ (PNG hoặc JPEG).", "The page image (PNG or JPEG)."), valueName: "IMAGE"))
    var image: String

    func validate() throws {
        guard maxSeconds > 0, maxSeconds <= 3600 else {
            throw ValidationError(t("--max-seconds phải từ 0 đến 3600", "--max-seconds must be between 0 and 3600"))
        }
    }

    static let labels: [(String, String, String)] = [
        ("stt", "STT", "No."), ("fullName", "Họ và tên", "Full name"), ("dateOfBirth", "Ngày sinh", "Date of birth"),
        ("placeOfBirth", "Nơi sinh", "Place of birth"), ("sex", "Giới tính", "Sex"), ("ethnicity", "Dân tộc", "Ethnicity"),
        ("graduationGrade", "Xếp loại", "Grade"), ("serial", "Số hiệu", "Serial"), ("ledgerNumber", "Số vào sổ", "Ledger number"),
        ("notes", "Ghi chú", "Notes"),
    ]

    func run() throws {
        var limits = TesseractPrefiller.Limits()
        limits.totalSeconds = maxSeconds
        limits.rowSeconds = min(limits.rowSeconds, maxSeconds)
        let page = try TesseractPrefiller(limits: limits).prefill(imageFile: image)
        if output.json {
            printJSON(page)
            return
        }
        print(
            t(
                "Gợi ý của \(page.engine) cho \(page.rows.count) dòng — chỉ là gợi ý, người nhập kiểm tra từng ô:",
                "Suggestions by \(page.engine) for \(page.rows.count) rows — suggestions only; a person checks every field:"))
        for (i, row) in page.rows.enumerated() {
            print(t("Dòng \(i + 1):", "Row \(i + 1):"))
            for (key, vi, en) in Self.labels {
                guard let f = row.fields[key] else { continue }
                let confidence = String(format: "%.2f", f.confidence)
                let shown = cliLang == .vi ? confidence.replacingOccurrences(of: ".", with: ",") : confidence
                print("  \(t(vi, en)): \(f.text) (\(shown))\(f.confidence < 0.6 ? " ?" : "")")
            }
        }
    }
}
