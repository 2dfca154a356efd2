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
        let now = clock.now()
        let answer = VerificationAnswer(answering: request, id: requestId, entry: try? ledgerEntry(request.ledgerReference), at: now)
        let doc = CopyDocument.verificationLetter(answer, request: request, settings: settings, at: now)
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
        try updateRequest(requestId, author: clerk, reason: "trả lời xác minh / verification answered: \(answer.finding.rawValue)") {
            $0.status = .issued
            $0.checkedEntry = answer.ledgerRef
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
