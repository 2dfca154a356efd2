import Foundation
import HosoCopies
import HosoCore
import HosoIndex
import HosoRecords
import HosoSigning
import HosoStore

extension Archive {
    /// Compares what a verification request presents with the ledger and issues the answer as a signed PDF letter
    /// (PAdES, like copies), recorded on the request.
    public func answerVerification(
        requestId: String, signer: SigningIdentity, timestamp: TimestampSource? = nil,
        clerk: String
    ) throws -> (pdf: [UInt8], answer: VerificationAnswer) {
        let (_, request) = try self.request(requestId)
        guard request.kind == .verification, request.status == .received || request.status == .checked else {
            throw HosoError(
                .requestState, .both("Không phải yêu cầu xác minh đang chờ xử lý", "Not an open verification request"), location: requestId)
        }
        let settings = try officeSettings()
        if !settings.copySigners.isEmpty && !settings.copySigners.contains(signer.certificate.fingerprint) {
            throw HosoError(
                .notOfficeSigner,
                .both(
                    "Chứng thư này không được đăng ký để ký văn bản của cơ quan",
                    "This certificate is not registered to sign the office's documents"), location: signer.certificate.subject)
        }
        var presented = ["fullName": request.holderName]
        if let d = request.holderDateOfBirth { presented["dateOfBirth"] = d }
        if let s = request.serial { presented["serial"] = s }
        if let n = request.ledgerNumber { presented["ledgerNumber"] = String(n) }
        let ref = request.serial ?? "\(request.ledgerRecordId ?? "")#\(request.ledgerNumber ?? 0)"
        var finding = VerificationAnswer.Finding.notFound
        var differing = [String]()
        var ledgerRef: String?
        var decision: String?
        if let view = try? ledgerEntry(ref) {
            ledgerRef = view.ref
            if VietnameseText.fold(view.text("fullName")) != VietnameseText.fold(request.holderName) { differing.append("fullName") }
            if let d = request.holderDateOfBirth, d != view.text("dateOfBirth") { differing.append("dateOfBirth") }
            if let s = request.serial, s != view.serial { differing.append("serial") }
            if let n = request.ledgerNumber, n != view.ledgerNumber { differing.append("ledgerNumber") }
            if let r = view.revocation, differing.isEmpty {
                finding = .revoked
                decision = r.decision
            } else {
                finding = differing.isEmpty ? .matches : .differs
            }
        }
        let now = clock.now()
        let answer = VerificationAnswer(
            requestId: requestId, askingBody: request.askingBody, presented: presented, finding: finding,
            differing: differing, ledgerRef: ledgerRef, revocationDecision: decision,
            answeredAt: HosoClock.format(now))
        let labels = [
            "fullName": "Họ và tên:", "dateOfBirth": "Ngày sinh:", "serial": "Số hiệu văn bằng:", "ledgerNumber": "Số vào sổ gốc:",
        ]
        var rows = ["fullName", "dateOfBirth", "serial", "ledgerNumber"].compactMap { k in
            presented[k].map { CopyDocument.Row(label: labels[k]!, value: k == "dateOfBirth" ? LedgerEntryView.vietnameseDate($0) : $0) }
        }
        rows.append(.init(label: "Kết quả:", value: answer.text.vi))
        let c = settings.calendar.dateComponents([.year, .month, .day], from: now)
        let doc = CopyDocument(
            superiorBody: settings.superiorBody.uppercased(), officeName: settings.officeName.uppercased(),
            copyNumber: "\(requestId)", title: "VĂN BẢN TRẢ LỜI XÁC MINH VĂN BẰNG",
            subtitle: request.askingBody.map { "Kính gửi: \($0)" }, rows: rows,
            issuePlaceAndDate: (settings.place.isEmpty ? "" : settings.place + ", ")
                + String(format: "ngày %02d tháng %02d năm %04d", c.day!, c.month!, c.year!),
            signerTitle: settings.signerTitle.uppercased(), signerName: settings.signerName,
            footer:
                "Văn bản điện tử được ký số. Kiểm tra: hoso copy verify <tệp.pdf>. Chỉ trả lời về các thông tin do cơ quan đề nghị cung cấp.",
            documentTitle: "Trả lời xác minh văn bằng \(requestId)")
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let attachment = try CanonicalJSON.canonicalize(Array(try enc.encode(answer)), source: requestId)
        let stamp: ((_ value: [UInt8]) throws -> [UInt8])? = timestamp.map { src in { try src.token(forSignatureValue: $0) } }
        let pdf = try PAdES.sign(
            pdf: try PDFRender.render(doc), signer: signer,
            attachment: (name: "xac-minh-\(requestId).json", bytes: attachment, mime: "application/json"),
            reason: "Trả lời xác minh văn bằng \(requestId)", location: settings.place.isEmpty ? nil : settings.place,
            time: now, timestamp: stamp)
        cleanLeftovers()
        let obj = try writing {
            let (obj, _) = try store.put(pdf, kind: ObjectKind.letter)
            let (certObj, _) = try store.put(signer.certificate.der, kind: .certificate)
            try index.record(objects: [obj, certObj])
            return obj
        }
        try updateRequest(requestId, author: clerk, reason: "trả lời xác minh / verification answered: \(finding.rawValue)") {
            $0.status = .issued
            $0.checkedEntry = ledgerRef
            $0.issued.append(.init(copyNumber: requestId, document: obj.id.hex))
        }
        return (pdf, answer)
    }

    /// The request whose issued documents include this PDF (copies and verification letters alike).
    func requestIssuing(document id: String) throws -> String? {
        try index.heads(referring: "document", to: id).map(\.recordId).first { rid in
            (try? request(rid).request.issued.contains { $0.document == id }) ?? false
        }
    }
}

extension ObjectKind {
    /// A signed letter (a verification answer).
    public static let letter = ObjectKind(rawValue: "letter")!
}
