import Foundation
import HosoCore
import HosoPrimitives
import HosoRecords
import HosoSigning
import HosoStore

/// Requests filed on the public site (dịch vụ công trực tuyến): a line of the same register as walk-in requests
/// (channel "online", so the same deadline and queue), with the proof kept as an object, a tracking code for the
/// citizen, the status by code and the last four digits of the holder's personal ID, and the issued PDF downloaded
/// with the same two, each download an extract record.
extension Archive {
    public static let proofKind = ObjectKind(rawValue: "proof")!
    public static let onlineDownloadChannel = "online-download"

    /// Files the request typed on the public form with its proof; the tracking code is returned once, never stored.
    public func fileOnlineRequest(
        _ form: OnlineRequestForm, proof: [UInt8]?
    ) throws -> (id: String, trackingCode: String, request: CitizenRequest) {
        let (new, proofType) = try form.check(proof: proof).get()
        guard let proof else { throw HosoProblems([]) }  // `check` refused a missing proof already
        let code = TrackingCode.make(try SecureRandom.bytes(24))
        let stored = try putObject(proof, kind: Self.proofKind)
        let typedYear = form.year.trimmingCharacters(in: .whitespaces)
        func given(_ s: String) -> String? {
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? nil : t
        }
        let online = OnlineDetails(
            requesterKind: new.kind == .verification ? .body : .citizen, holderId: form.normalizedHolderId,
            diplomaKind: given(form.diplomaKind), school: given(form.school), year: Int(typedYear), proofFile: stored.id.hex,
            proofType: proofType, phone: form.normalizedPhone, email: given(form.email), trackingKey: Self.trackingKey(code))
        let (id, request) = try newRequest(new, clerk: "online", online: online)
        return (id, code, request)
    }

    /// The request a tracking code and the last four digits of the holder's ID name. Any mismatch is the same
    /// error, so a guess learns nothing about which half was wrong.
    public func onlineRequest(code typed: String, idDigits: String) throws -> (id: String, request: CitizenRequest) {
        let unknown = HosoError(
            .trackingUnknown,
            .both(
                "Mã theo dõi hoặc 4 số cuối của số định danh không đúng. Hãy kiểm tra lại từng chữ.",
                "The tracking code or the last 4 digits of the personal ID are wrong. Check each character."))
        let digits = idDigits.trimmingCharacters(in: .whitespaces)
        guard let code = TrackingCode.normalized(typed), digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw unknown
        }
        let key = Self.trackingKey(code)
        for (id, _) in try index.heads(referring: "tracking", to: key) {
            let (_, r) = try request(id)
            guard let online = r.online, online.trackingKey == key else { continue }
            if constantTimeEqual(Array(online.holderId.suffix(4).utf8), Array(digits.utf8)) { return (id, r) }
        }
        throw unknown
    }

    /// The proof uploaded with an online request and its type (for clerks only).
    public func onlineProof(_ requestId: String) throws -> (bytes: [UInt8], type: String) {
        let (_, r) = try request(requestId)
        guard let online = r.online, let file = ObjectID(hex: online.proofFile) else {
            throw HosoError(
                .inputNotFound, .both("Yêu cầu này không có tệp tải lên", "This request has no uploaded file"), location: requestId)
        }
        return (try read(file), online.proofType)
    }

    /// The `index`th document issued for an online request (its signed copy or letter), recorded as an extract
    /// (channel online-download) before it is given.
    public func downloadOnline(code: String, idDigits: String, index: Int) throws -> GivenDocument {
        let (id, r) = try onlineRequest(code: code, idDigits: idDigits)
        guard r.status == .issued, r.issued.indices.contains(index), let file = ObjectID(hex: r.issued[index].document) else {
            throw HosoError(.noDocumentToGive, .both("Chưa có văn bản để tải", "There is no document to download yet"), location: id)
        }
        let (rev, _) = try current(record: id)
        let given = GivenDocument(document: id, revision: rev.hex, file: file, bytes: try read(file))
        try recordExtract(given, channel: Self.onlineDownloadChannel, by: nil, to: nil)
        return given
    }

    /// The key a tracking code is found by: a labelled hash (the code itself is never stored).
    static func trackingKey(_ code: String) -> String {
        String(SHA256.hex(Array("hoso online tracking\n\(TrackingCode.normalized(code) ?? code)".utf8)).prefix(32))
    }
}
