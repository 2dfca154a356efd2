import Foundation
import HosoCore
import HosoSigning

// The signatures of a học bạ, in the order the rules give (HCMC's QĐ 1789 and the draft national circular:
// check, then the individual signatures, then the institution's): the homeroom teacher, the principal, then the
// school's organisation certificate (its seal), applied last. Each is one PAdES incremental update adding one
// signature field; the first embeds the học bạ's data; the seal locks the document (/Lock /P 1 and a /FieldMDP
// reference), after which only validation data and document timestamps may follow.

extension HosoError.Code {
    /// The signature is out of the rules' order (a seal before the principal, a principal before the homeroom teacher).
    public static let hocBaSignatureOrder = Self("HOC_BA_SIGNATURE_ORDER", .conflict)
    /// This role has signed the học bạ already.
    public static let hocBaAlreadySigned = Self("HOC_BA_ALREADY_SIGNED", .conflict)
    /// The school's seal locked the học bạ: nothing may be signed after it.
    public static let hocBaLocked = Self("HOC_BA_LOCKED", .conflict)
}

/// Who signs a học bạ, in order.
public enum HocBaSignerRole: String, CaseIterable, Sendable, Codable {
    case homeroom
    case principal
    case seal

    /// The signature field's name (/T).
    public var fieldName: String {
        switch self {
        case .homeroom: return "GiaoVienChuNhiem"
        case .principal: return "HieuTruong"
        case .seal: return "DauNhaTruong"
        }
    }

    public init?(fieldName: String) {
        guard let r = Self.allCases.first(where: { $0.fieldName == fieldName }) else { return nil }
        self = r
    }

    /// The person's role written into the CMS (none for the seal: it is the school's, not a person's).
    public var signerRole: SignerRole? {
        switch self {
        case .homeroom: return .homeroomTeacher
        case .principal: return .principal
        case .seal: return nil
        }
    }

    public var title: LocalizedText {
        switch self {
        case .homeroom: return .both("giáo viên chủ nhiệm", "homeroom teacher")
        case .principal: return .both("hiệu trưởng", "principal")
        case .seal: return .both("con dấu (chứng thư số tổ chức) của nhà trường", "the school's seal (organisation certificate)")
        }
    }

    var order: Int { Self.allCases.firstIndex(of: self)! }
}

public enum HocBaSigning {
    /// The name of the học bạ's data embedded by the first signature.
    public static let dataAttachmentName = "hoc-ba.json"

    /// The roles that signed `pdf` so far, in file order (document timestamps left out).
    public static func signedRoles(_ pdf: [UInt8]) throws -> [HocBaSignerRole?] {
        let doc = try PDFDocument(pdf)
        return try doc.signatureFields().compactMap { name, ref -> HocBaSignerRole?? in
            guard let sig = try doc.resolve(ref).dict, sig["SubFilter"]?.name != "ETSI.RFC3161" else { return nil }
            return .some(name.flatMap(HocBaSignerRole.init(fieldName:)))
        }
    }

    /// Refuses `role` unless every role before it, and none after it, has signed, exactly once each.
    public static func checkOrder(_ pdf: [UInt8], role: HocBaSignerRole) throws {
        let done = try signedRoles(pdf)
        if done.contains(.seal) {
            throw HosoError(
                .hocBaLocked,
                .both(
                    "Học bạ đã được đóng dấu của nhà trường: không ký thêm được",
                    "The school's seal has locked the học bạ: nothing more can be signed"))
        }
        if done.contains(role) {
            throw HosoError(
                .hocBaAlreadySigned,
                .both("Học bạ đã có chữ ký của \(role.title.vi)", "The học bạ is signed by the \(role.title.en) already"))
        }
        let expected = Array(HocBaSignerRole.allCases.prefix(role.order))
        guard done.count == expected.count, zip(done, expected).allSatisfy({ $0 == $1 }) else {
            let missing = expected.filter { !done.contains($0) }.map(\.title)
            throw HosoError(
                .hocBaSignatureOrder,
                .both(
                    "Chưa ký được: \(role.title.vi) ký sau \(missing.map(\.vi).joined(separator: ", "))",
                    "Not signed: the \(role.title.en) signs after the \(missing.map(\.en).joined(separator: ", "))"))
        }
    }

    /// Adds `role`'s signature to `pdf` (the rendered học bạ for the homeroom teacher, who also embeds `data`).
    /// - Parameter timestamp: given the CMS signature value, an RFC 3161 token over it (PAdES B-T).
    public static func sign(
        pdf: [UInt8], role: HocBaSignerRole, signer: SigningIdentity, data: [UInt8]?, location: String?, time: Date,
        timestamp: ((_ signatureValue: [UInt8]) throws -> [UInt8])?
    ) throws -> [UInt8] {
        try checkOrder(pdf, role: role)
        let reason: String
        switch role {
        case .homeroom: reason = "Giáo viên chủ nhiệm xác nhận học bạ"
        case .principal: reason = "Hiệu trưởng phê duyệt học bạ"
        case .seal: reason = "Nhà trường xác thực học bạ"
        }
        let field = PAdES.FieldSpec(
            name: role.fieldName, role: role.signerRole, formMayExist: role != .homeroom, lockDocument: role == .seal)
        return try PAdES.sign(
            pdf: pdf, signer: signer, field: field,
            attachment: role == .homeroom ? data.map { (dataAttachmentName, $0, "application/json") } : nil,
            reason: reason, location: location, time: time, timestamp: timestamp, reservedBytes: PAdES.defaultReservedBytes)
    }
}
