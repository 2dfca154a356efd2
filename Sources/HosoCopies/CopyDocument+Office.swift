import Foundation
import HosoRecords

/// The office's two documents as pages: a certified copy of a ledger entry and a letter answering a verification
/// request. Their words are for the citizen or agency reading them: no record ids, no commands.
extension CopyDocument {
    /// "Hà Giang, ngày 05 tháng 03 năm 2026" in the office's calendar.
    package static func placeAndDate(_ settings: OfficeSettings, _ date: Date) -> String {
        let c = settings.calendar.dateComponents([.year, .month, .day], from: date)
        return (settings.place.isEmpty ? "" : settings.place + ", ")
            + String(format: "ngày %02d tháng %02d năm %04d", c.day!, c.month!, c.year!)
    }

    /// A copy from the ledger (bản sao từ sổ gốc) of `view`, numbered `printed`, with its QR code.
    public static func certifiedCopy(
        of view: LedgerEntryView, printed: String, settings: OfficeSettings, at date: Date, qrModules: [[Bool]]
    ) -> CopyDocument {
        var rows = diplomaRows(
            holderName: view.text("fullName"), dateOfBirth: LedgerEntryView.vietnameseDate(view.text("dateOfBirth")),
            placeOfBirth: view.text("placeOfBirth"), sex: view.text("sex"), ethnicity: view.text("ethnicity"),
            graduationYear: String(view.year), graduationGrade: view.text("graduationGrade"), school: view.school,
            serial: view.serial, ledgerNumber: String(view.ledgerNumber))
        // The school as the ledger names it, then, when renamed or merged since, one line with its present name.
        if let present = view.schoolNow, let i = rows.firstIndex(where: { $0.label == "Trường:" }) {
            rows.insert(
                Row(label: "", value: "(\(settings.schoolNowWording ?? OfficeSettings.defaultSchoolNowWording) \(present))"), at: i + 1)
        }
        // A copy issued by the ledger's custodian names both: who issued the diploma (a row) and who holds the ledger
        // now (the line above the footer's words: the page has no room for two more rows beside a large QR code).
        var footer = copyFooter(settings)
        if let custodian = view.custodian {
            rows.append(Row(label: "Cơ quan cấp văn bằng:", value: view.issuer))
            footer = "Cơ quan lưu giữ sổ gốc và cấp bản sao: \(custodian). " + footer
        }
        return CopyDocument(
            superiorBody: settings.superiorBody.uppercased(), officeName: settings.officeName.uppercased(), copyNumber: printed,
            subtitle: LedgerEntryView.diplomaName(ledgerTitle: view.title), rows: rows, issuePlaceAndDate: placeAndDate(settings, date),
            signerTitle: settings.signerTitle.uppercased(), signerName: settings.signerName,
            footer: footer,
            qrModules: qrModules)
    }

    /// How a citizen checks the copy, in words (no commands): the QR code a phone opens, the address the phone must
    /// show (the link itself is not signed, so the printed address is what a reader compares it with), and the page
    /// where the PDF or the copy number can be checked.
    package static func copyFooter(_ settings: OfficeSettings) -> String {
        let signed = "Bản sao điện tử có chữ ký số của \(settings.officeName). "
        guard let page = checkPage(settings), let base = settings.publicURL else {
            return signed + "Muốn biết bản sao có đúng sổ gốc không: quét mã QR, "
                + "hoặc đưa tệp PDF này vào trang kiểm tra văn bằng của cơ quan."
        }
        return signed + "Muốn biết bản sao có đúng sổ gốc không: quét mã QR bằng camera điện thoại — trang mở ra phải có địa chỉ "
            + "bắt đầu bằng \(base)/v — hoặc vào \(page), đưa tệp PDF này lên hoặc nhập số bản sao và số hiệu văn bằng."
    }

    /// The public verification page's address, when the office has one.
    package static func checkPage(_ settings: OfficeSettings) -> String? {
        settings.publicURL.map { $0 + "/verify" }
    }

    /// The letter answering verification request `request` with `answer`.
    public static func verificationLetter(
        _ answer: VerificationAnswer, request: CitizenRequest, settings: OfficeSettings, at date: Date
    ) -> CopyDocument {
        let labels = [
            "fullName": "Họ và tên:", "dateOfBirth": "Ngày sinh:", "serial": "Số hiệu văn bằng:", "ledgerNumber": "Số vào sổ gốc:",
        ]
        var rows = ["fullName", "dateOfBirth", "serial", "ledgerNumber"].compactMap { k in
            answer.presented[k].map { Row(label: labels[k]!, value: k == "dateOfBirth" ? LedgerEntryView.vietnameseDate($0) : $0) }
        }
        if let letter = request.askingBodyReference { rows.insert(.init(label: "Trả lời văn bản số:", value: letter), at: 0) }
        rows.append(.init(label: "Kết quả:", value: answer.text.vi))
        return CopyDocument(
            superiorBody: settings.superiorBody.uppercased(), officeName: settings.officeName.uppercased(),
            copyNumber: answer.requestId, title: "VĂN BẢN TRẢ LỜI XÁC MINH VĂN BẰNG",
            subtitle: request.askingBody.map { "Kính gửi: \($0)" }, rows: rows, issuePlaceAndDate: placeAndDate(settings, date),
            signerTitle: settings.signerTitle.uppercased(), signerName: settings.signerName,
            footer: "Văn bản điện tử có chữ ký số của \(settings.officeName). Chỉ trả lời về các thông tin do cơ quan đề nghị cung cấp; "
                + "muốn kiểm tra văn bản, đưa tệp PDF này vào trang kiểm tra văn bằng của cơ quan"
                + (checkPage(settings).map { " (\($0))." } ?? "."),
            documentTitle: "Trả lời xác minh văn bằng \(answer.requestId)")
    }
}
