import Foundation
import HosoCore
import HosoPrimitives
import HosoSigning

extension HosoError.Code {
    /// The text read from a QR code is not a hoso copy payload, or is damaged (never thrown for a bad signature:
    /// that is a verification result).
    public static let qrPayloadMalformed = Self("QR_PAYLOAD_MALFORMED", .badInput)
    /// A copy payload to encode has a field that cannot go into the QR code (empty, too long, not a date…).
    public static let qrPayloadInvalid = Self("QR_PAYLOAD_INVALID", .badInput)
    /// The signed payload does not fit a QR code of version 15 at error-correction level M.
    public static let qrPayloadTooLarge = Self("QR_PAYLOAD_TOO_LARGE", .badInput)
    /// An image holds more than one hoso copy QR code with different texts: which copy is meant is not clear.
    public static let qrAmbiguous = Self("QR_AMBIGUOUS", .badInput)
}

/// What the QR code on a certified copy from the ledger (bản sao từ sổ gốc) carries, so that a paper copy can be
/// checked offline with nothing but the issuing office's certificate.
///
/// Text is UTF-8 in NFC; `encode` normalises it. Dates are ISO 8601 calendar dates ("2009-03-15"); the date of birth
/// may have reduced precision ("2009-03" or "2009") because some old ledgers record only a year [belief].
public struct CopyPayload: Sendable, Equatable, Codable {
    /// Họ và tên of the diploma holder.
    public var holderName: String
    /// Ngày sinh: "YYYY-MM-DD", or "YYYY-MM" / "YYYY" when the ledger has no more.
    public var dateOfBirth: String
    /// Số hiệu văn bằng (the serial pre-printed on the diploma blank).
    public var serial: String
    /// Số vào sổ gốc (the ledger entry number), as written in the ledger.
    public var ledgerNumber: String
    /// The calendar year the ledger entry numbers run in.
    public var ledgerYear: Int
    /// The issuing office: a short code or its name (configuration, never a constant).
    public var issuingOffice: String
    /// The number of this copy in the office's copy register (sổ cấp bản sao).
    public var copyNumber: Int
    /// The day the copy was issued, "YYYY-MM-DD".
    public var issueDate: String
    /// The first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo of the office certificate that signed the
    /// payload, so a verifier can pick the right certificate. `QRPayloadCodec.encode` fills it from the signer.
    public var keyId: [UInt8]

    public init(
        holderName: String, dateOfBirth: String, serial: String, ledgerNumber: String, ledgerYear: Int,
        issuingOffice: String, copyNumber: Int, issueDate: String, keyId: [UInt8] = []
    ) {
        self.holderName = holderName
        self.dateOfBirth = dateOfBirth
        self.serial = serial
        self.ledgerNumber = ledgerNumber
        self.ledgerYear = ledgerYear
        self.issuingOffice = issuingOffice
        self.copyNumber = copyNumber
        self.issueDate = issueDate
        self.keyId = keyId
    }

    /// The key id in lowercase hex (16 digits), as shown to people and written in JSON.
    public var keyIdHex: String { keyId.map { String(format: "%02x", $0) }.joined() }

    enum CodingKeys: String, CodingKey {
        case holderName, dateOfBirth, serial, ledgerNumber, ledgerYear, issuingOffice, copyNumber, issueDate, keyId
    }

    /// JSON carries `keyId` as lowercase hex (empty when not yet signed).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(holderName, forKey: .holderName)
        try c.encode(dateOfBirth, forKey: .dateOfBirth)
        try c.encode(serial, forKey: .serial)
        try c.encode(ledgerNumber, forKey: .ledgerNumber)
        try c.encode(ledgerYear, forKey: .ledgerYear)
        try c.encode(issuingOffice, forKey: .issuingOffice)
        try c.encode(copyNumber, forKey: .copyNumber)
        try c.encode(issueDate, forKey: .issueDate)
        try c.encode(keyIdHex, forKey: .keyId)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        holderName = try c.decode(String.self, forKey: .holderName)
        dateOfBirth = try c.decode(String.self, forKey: .dateOfBirth)
        serial = try c.decode(String.self, forKey: .serial)
        ledgerNumber = try c.decode(String.self, forKey: .ledgerNumber)
        ledgerYear = try c.decode(Int.self, forKey: .ledgerYear)
        issuingOffice = try c.decode(String.self, forKey: .issuingOffice)
        copyNumber = try c.decode(Int.self, forKey: .copyNumber)
        issueDate = try c.decode(String.self, forKey: .issueDate)
        let hex = Array((try c.decodeIfPresent(String.self, forKey: .keyId) ?? "").utf8)
        func nibble(_ h: UInt8) -> UInt8? {
            switch h {
            case 0x30...0x39: h - 0x30
            case 0x61...0x66: h - 0x61 + 10
            case 0x41...0x46: h - 0x41 + 10
            default: nil
            }
        }
        var id = [UInt8]()
        var i = 0
        while i + 1 < hex.count, let hi = nibble(hex[i]), let lo = nibble(hex[i + 1]) {
            id.append(hi << 4 | lo)
            i += 2
        }
        guard i == hex.count, id.isEmpty || id.count == QRPayloadCodec.keyIdLength else {
            throw DecodingError.dataCorruptedError(forKey: .keyId, in: c, debugDescription: "keyId must be 16 hex digits")
        }
        keyId = id
    }

    /// The same payload with every text field in Unicode NFC, as `encode` signs it and `decode` returns it.
    public func normalized() -> CopyPayload {
        var p = self
        p.holderName = holderName.precomposedStringWithCanonicalMapping
        p.dateOfBirth = dateOfBirth.precomposedStringWithCanonicalMapping
        p.serial = serial.precomposedStringWithCanonicalMapping
        p.ledgerNumber = ledgerNumber.precomposedStringWithCanonicalMapping
        p.issuingOffice = issuingOffice.precomposedStringWithCanonicalMapping
        p.issueDate = issueDate.precomposedStringWithCanonicalMapping
        return p
    }
}

/// The outcome of checking a QR payload. Only `valid` means the copy's data was signed by that office's key; the
/// caller still decides whether it trusts the certificate (chain, validity at the issue date, revocation).
public enum QRCheck: Equatable, Sendable {
    case valid(CopyPayload, office: Certificate)
    /// A certificate with the payload's key id was given, but the signature does not verify with it: the payload was
    /// edited, or signed by another key that claims this office's key id.
    case badSignature(CopyPayload)
    /// No given certificate has the payload's key id: signed by another office (or one the verifier does not know).
    case unknownOffice(CopyPayload)
    /// Not a hoso copy payload, or damaged; the text says why.
    case malformed(String)
}

/// The compact signed copy payload in a QR code.
///
/// Text form: `HS1:` followed by Base45 (RFC 9285) of the binary form, so the whole text is in the QR ALPHANUMERIC
/// set. Binary form (version 1):
///
///     format (1 byte, 0x01) ‖ keyId (8 bytes) ‖ raw DEFLATE (RFC 1951) of the body ‖ signature (64 bytes)
///
/// The signature is ECDSA P-256 with SHA-256 over every byte before it (format, keyId, compressed body), written as
/// a fixed 64-byte r‖s with s in the lower half of the group order ("low-S"): (r, s) and (r, n − s) both verify
/// under ECDSA, so without this rule one signed payload would have two valid texts. The body is, in this order: holderName, dateOfBirth, serial, ledgerNumber (each one length
/// byte, then that many bytes of UTF-8 NFC text), ledgerYear (unsigned LEB128), issuingOffice (text), copyNumber
/// (LEB128), issueDate (text). Decoding is strict (one encoding per payload: NFC, minimal LEB128, no trailing bytes)
/// and bounded (text length, decompressed size).
public enum QRPayloadCodec {
    /// Marks a hoso copy payload, with the layout version; in the QR alphanumeric set.
    public static let prefix = "HS1:"
    static let formatV1: UInt8 = 0x01
    static let keyIdLength = 8
    /// The longest text `encode` writes: the alphanumeric capacity of a QR code of version 15 at level M.
    public static let maxTextLength = 600
    /// The longest text `decode` looks at: the alphanumeric capacity of the largest QR code (version 40, level L).
    public static let maxDecodeTextLength = 4296
    /// The largest decompressed body `decode` accepts (six 255-byte texts and two integers fit).
    static let maxBodyLength = 2048
    static let maxFieldLength = 255

    // MARK: Encoding

    /// Signs `p` with `signer` (ECDSA P-256 only) and returns the QR text. `p.keyId` is filled from the signer's
    /// public key; a non-empty `p.keyId` that is not the signer's is refused.
    public static func encode(_ p: CopyPayload, signer: PrivateKey) throws -> String {
        guard signer.info.isECP256 else {
            throw HosoError(
                .keyAlgorithmUnsupported,
                .both(
                    "Mã QR chỉ ký được bằng khóa ECDSA P-256; khóa này là \(signer.info)",
                    "A QR payload can only be signed with an ECDSA P-256 key; this key is \(signer.info)"))
        }
        let id = try keyId(of: signer)
        guard p.keyId.isEmpty || p.keyId == id else {
            throw HosoError(
                .keyCertMismatch,
                .both("keyId của dữ liệu không phải của khóa ký", "The payload's keyId is not the signing key's"),
                location: "keyId")
        }
        return try encode(p, keyId: id) { try RawECDSA.sign($0, with: signer) }
    }

    /// Assembles a payload with any key id and signing function. Tests use it to forge payloads.
    static func encode(_ p: CopyPayload, keyId: [UInt8], sign: ([UInt8]) throws -> [UInt8]) throws -> String {
        guard keyId.count == keyIdLength else {
            throw HosoError(.qrPayloadInvalid, .both("keyId phải dài 8 byte", "keyId must be 8 bytes"), location: "keyId")
        }
        let body = try bodyBytes(p.normalized())
        let signed = try signedBytes(keyId: keyId, compressedBody: QRDeflate.compress(body))
        let raw = try sign(signed)
        guard raw.count == RawECDSA.signatureLength else {
            throw HosoError(.internalError, .both("Chữ ký không dài 64 byte", "The signature is not 64 bytes"))
        }
        let signature = LowS.normalized(raw)
        let text = prefix + Base45.encode(signed + signature)
        guard text.count <= maxTextLength else {
            throw HosoError(
                .qrPayloadTooLarge,
                .both(
                    "Dữ liệu ký dài \(text.count) ký tự, quá \(maxTextLength) (mã QR phiên bản 15, mức M); hãy rút gọn tên cơ quan cấp",
                    "The signed payload is \(text.count) characters, over \(maxTextLength) (QR version 15, level M); shorten the issuing office"
                ))
        }
        return text
    }

    static func signedBytes(keyId: [UInt8], compressedBody: [UInt8]) -> [UInt8] {
        [formatV1] + keyId + compressedBody
    }

    /// The key id of a certificate: SHA-256 of its SubjectPublicKeyInfo DER, first 8 bytes.
    public static func keyId(of certificate: Certificate) throws -> [UInt8] {
        Array(SHA256.hash(try certificate.subjectPublicKeyInfo()).prefix(keyIdLength))
    }

    /// The key id of a private key's public half (equal to its certificate's for keys in the usual encoding).
    public static func keyId(of key: PrivateKey) throws -> [UInt8] {
        Array(SHA256.hash(try key.subjectPublicKeyInfo()).prefix(keyIdLength))
    }

    /// The uncompressed body of a (normalised) payload; checks every field.
    static func bodyBytes(_ p: CopyPayload) throws -> [UInt8] {
        try check(p)
        var out = [UInt8]()
        func text(_ s: String) {
            let u = Array(s.utf8)
            out.append(UInt8(u.count))
            out += u
        }
        text(p.holderName)
        text(p.dateOfBirth)
        text(p.serial)
        text(p.ledgerNumber)
        QRLEB128.append(UInt32(p.ledgerYear), to: &out)
        text(p.issuingOffice)
        QRLEB128.append(UInt32(p.copyNumber), to: &out)
        text(p.issueDate)
        return out
    }

    /// Every rule a payload's fields obey, for encoding and (after decoding) for reading.
    static func check(_ p: CopyPayload) throws {
        func invalid(_ field: String, _ vi: String, _ en: String) -> HosoError {
            HosoError(.qrPayloadInvalid, .both(vi, en), location: field)
        }
        for (field, value) in [
            ("holderName", p.holderName), ("dateOfBirth", p.dateOfBirth), ("serial", p.serial),
            ("ledgerNumber", p.ledgerNumber), ("issuingOffice", p.issuingOffice), ("issueDate", p.issueDate),
        ] {
            if value.isEmpty { throw invalid(field, "Trường trống", "The field is empty") }
            if value.utf8.count > maxFieldLength {
                throw invalid(
                    field, "Trường dài quá \(maxFieldLength) byte UTF-8", "The field is longer than \(maxFieldLength) UTF-8 bytes")
            }
            if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw invalid(field, "Trường chứa ký tự điều khiển", "The field holds a control character")
            }
            // Bytes, not String ==, which holds canonically equivalent forms equal.
            if !value.utf8.elementsEqual(value.precomposedStringWithCanonicalMapping.utf8) {
                throw invalid(field, "Trường không ở dạng Unicode NFC", "The field is not in Unicode NFC")
            }
        }
        guard QRISODate.isValid(p.dateOfBirth, allowReduced: true) else {
            throw invalid(
                "dateOfBirth", "Ngày sinh không phải ngày ISO (YYYY-MM-DD, YYYY-MM hoặc YYYY)",
                "The date of birth is not an ISO date (YYYY-MM-DD, YYYY-MM or YYYY)")
        }
        guard QRISODate.isValid(p.issueDate, allowReduced: false) else {
            throw invalid("issueDate", "Ngày cấp không phải ngày ISO (YYYY-MM-DD)", "The issue date is not an ISO date (YYYY-MM-DD)")
        }
        guard (1000...9999).contains(p.ledgerYear) else {
            throw invalid("ledgerYear", "Năm của sổ gốc phải có 4 chữ số", "The ledger year must have 4 digits")
        }
        guard p.copyNumber >= 1, p.copyNumber <= Int(UInt32.max) else {
            throw invalid("copyNumber", "Số bản sao phải từ 1 đến \(UInt32.max)", "The copy number must be from 1 to \(UInt32.max)")
        }
    }

    // MARK: Decoding

    /// Reads a payload without checking its signature: the payload, the exact bytes that were signed and the 64-byte
    /// r‖s signature. Throws QR_PAYLOAD_MALFORMED, saying why, for anything that is not a well-formed payload.
    /// Trailing line breaks are ignored (a space is a Base45 digit, so spaces are not).
    public static func decode(_ text: String) throws -> (payload: CopyPayload, signedBytes: [UInt8], signature: [UInt8]) {
        func malformed(_ vi: String, _ en: String, cause: String? = nil) -> HosoError {
            HosoError(.qrPayloadMalformed, .both(vi, en), cause: cause)
        }
        guard text.utf8.count <= maxDecodeTextLength + 2 else {
            throw malformed("Dữ liệu dài quá \(maxDecodeTextLength) ký tự", "The text is longer than \(maxDecodeTextLength) characters")
        }
        var scalars = text.unicodeScalars
        while let last = scalars.last, last == "\n" || last == "\r" { scalars.removeLast() }
        let body = String(scalars)
        guard body.utf8.count <= maxDecodeTextLength else {
            throw malformed("Dữ liệu dài quá \(maxDecodeTextLength) ký tự", "The text is longer than \(maxDecodeTextLength) characters")
        }
        guard body.hasPrefix(prefix) else {
            if body.count >= 4, body.hasPrefix("HS"), body.dropFirst(3).first == ":" {
                throw malformed("Phiên bản dữ liệu QR chưa hỗ trợ: \(body.prefix(4))", "Unsupported QR payload version: \(body.prefix(4))")
            }
            throw malformed(
                "Không phải mã QR bản sao của hoso (thiếu tiền tố \(prefix))",
                "Not a hoso copy QR payload (no \(prefix) prefix)")
        }
        let bytes: [UInt8]
        do {
            bytes = try Base45.decode(String(body.dropFirst(prefix.count)))
        } catch {
            throw malformed("Dữ liệu không phải Base45 hợp lệ", "The data is not valid Base45", cause: error.qrDetail)
        }
        let minimum = 1 + keyIdLength + 2 + RawECDSA.signatureLength
        guard bytes.count >= minimum else {
            throw malformed("Dữ liệu quá ngắn (\(bytes.count) byte)", "The data is too short (\(bytes.count) bytes)")
        }
        guard bytes[0] == formatV1 else {
            throw malformed("Định dạng dữ liệu chưa hỗ trợ: \(bytes[0])", "Unsupported payload format: \(bytes[0])")
        }
        let signed = Array(bytes.dropLast(RawECDSA.signatureLength))
        let signature = Array(bytes.suffix(RawECDSA.signatureLength))
        let keyId = Array(signed[1...keyIdLength])
        let inflated: [UInt8]
        do {
            inflated = try QRDeflate.decompress(Array(signed[(1 + keyIdLength)...]), limit: maxBodyLength)
        } catch {
            throw malformed("Phần nén bị hỏng hoặc quá lớn", "The compressed part is damaged or too large", cause: error.qrDetail)
        }
        var payload: CopyPayload
        do {
            payload = try parseBody(inflated)
        } catch {
            throw malformed("Nội dung dữ liệu bị hỏng", "The payload body is damaged", cause: error.qrDetail)
        }
        payload.keyId = keyId
        do {
            try check(payload)
        } catch let e as HosoError {
            throw malformed(
                "Nội dung dữ liệu không hợp lệ", "The payload body is not valid",
                cause: "\(e.location ?? ""): \(e.message.en)")
        }
        return (payload, signed, signature)
    }

    struct BodyError: Error { var detail: String }

    static func parseBody(_ b: [UInt8]) throws(BodyError) -> CopyPayload {
        var i = 0
        func text(_ name: String) throws(BodyError) -> String {
            guard i < b.count else { throw BodyError(detail: "\(name): ends early") }
            let n = Int(b[i])
            i += 1
            guard n <= b.count - i else { throw BodyError(detail: "\(name): ends early") }
            let bytes = b[i..<(i + n)]
            i += n
            let s = String(decoding: bytes, as: UTF8.self)
            // Invalid UTF-8 decodes to U+FFFD, which re-encodes differently.
            guard s.utf8.elementsEqual(bytes) else { throw BodyError(detail: "\(name): not UTF-8") }
            return s
        }
        func number(_ name: String) throws(BodyError) -> Int {
            guard let (v, used) = QRLEB128.read(b[i...]) else { throw BodyError(detail: "\(name): not a minimal LEB128 number") }
            i += used
            return Int(v)
        }
        let holderName = try text("holderName")
        let dateOfBirth = try text("dateOfBirth")
        let serial = try text("serial")
        let ledgerNumber = try text("ledgerNumber")
        let ledgerYear = try number("ledgerYear")
        let issuingOffice = try text("issuingOffice")
        let copyNumber = try number("copyNumber")
        let issueDate = try text("issueDate")
        guard i == b.count else { throw BodyError(detail: "\(b.count - i) bytes after the last field") }
        return CopyPayload(
            holderName: holderName, dateOfBirth: dateOfBirth, serial: serial, ledgerNumber: ledgerNumber,
            ledgerYear: ledgerYear, issuingOffice: issuingOffice, copyNumber: copyNumber, issueDate: issueDate)
    }

    // MARK: Verifying

    /// Decodes `text` and checks its signature against the certificate among `certificates` whose key id it names.
    /// Never throws: a damaged payload is `.malformed` with the reason.
    public static func verify(_ text: String, certificates: [Certificate]) -> QRCheck {
        let decoded: (payload: CopyPayload, signedBytes: [UInt8], signature: [UInt8])
        do {
            decoded = try decode(text)
        } catch let e as HosoError {
            return .malformed(e.text(.en))
        } catch {
            return .malformed(String(describing: error))
        }
        let candidates = certificates.filter { (try? keyId(of: $0)) == decoded.payload.keyId }
        if candidates.isEmpty { return .unknownOffice(decoded.payload) }
        // A high-S signature is the other valid form of some signature: refused, so one payload has one text.
        guard LowS.isLow(decoded.signature) else { return .badSignature(decoded.payload) }
        for cert in candidates where RawECDSA.verify(decoded.signature, of: decoded.signedBytes, certificate: cert) {
            return .valid(decoded.payload, office: cert)
        }
        return .badSignature(decoded.payload)
    }
}

extension QRPayloadCodec {
    /// The one copy payload (bare, or a link to a verification page: `QRLink`) among the texts a QR reader found in
    /// an image (other QR codes are ignored). Two
    /// different hoso payloads in one image are refused with QR_AMBIGUOUS: the verifier cannot know which copy the
    /// person means, and a forger could place a second code beside the real one. None at all is nil.
    public static func onlyPayload(in texts: [String], source: String? = nil) throws -> String? {
        var found = [String]()
        for t in texts where (t.hasPrefix(prefix) || QRLink.looksLikeCopyLink(t)) && !found.contains(t) { found.append(t) }
        guard found.count <= 1 else {
            throw HosoError(
                .qrAmbiguous,
                .both(
                    "Ảnh có \(found.count) mã QR bản sao khác nhau; hãy chụp riêng mã QR của bản sao cần kiểm tra",
                    "The image holds \(found.count) different copy QR codes; photograph only the QR code of the copy to check"),
                location: source)
        }
        return found.first
    }
}

/// ECDSA P-256 signatures in the canonical "low-S" form: s ≤ n/2, where n is the group order.
enum LowS {
    /// The order n of P-256, big-endian.
    static let order: [UInt8] = Hex.decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")!
    /// ⌊n/2⌋, big-endian.
    static let halfOrder: [UInt8] = Hex.decode("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8")!

    /// True when the s half of a 64-byte r‖s is at most n/2.
    static func isLow(_ signature: [UInt8]) -> Bool {
        guard signature.count == 64 else { return false }
        let s = Array(signature[32...])
        return s == halfOrder || s.lexicographicallyPrecedes(halfOrder)
    }

    /// r‖s with s replaced by n − s when s is above n/2 (both verify; only the low one is accepted).
    static func normalized(_ signature: [UInt8]) -> [UInt8] {
        guard signature.count == 64, !isLow(signature) else { return signature }
        let s = Array(signature[32...])
        var out = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for i in stride(from: 31, through: 0, by: -1) {
            var d = Int(order[i]) - Int(s[i]) - borrow
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 256 }
            out[i] = UInt8(d)
        }
        return Array(signature[..<32]) + out
    }
}

extension Error {
    fileprivate var qrDetail: String {
        switch self {
        case let e as Base45.DecodingError: e.detail
        case let e as ZlibDataError: e.detail
        case let e as QRPayloadCodec.BodyError: e.detail
        default: String(describing: self)
        }
    }
}

// MARK: - Base45

/// Base45 (RFC 9285): two bytes in three characters of the QR alphanumeric set.
public enum Base45 {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)
    static let values: [Int8] = {
        var t = [Int8](repeating: -1, count: 128)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = Int8(i) }
        return t
    }()

    public struct DecodingError: Error, Sendable, Equatable { public var detail: String }

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 1) / 2 * 3)
        var i = 0
        while i + 1 < bytes.count {
            var n = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            for _ in 0..<3 {
                out.append(alphabet[n % 45])
                n /= 45
            }
            i += 2
        }
        if i < bytes.count {
            let n = Int(bytes[i])
            out.append(alphabet[n % 45])
            out.append(alphabet[n / 45])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) throws(DecodingError) -> [UInt8] {
        let chars = Array(text.utf8)
        guard chars.count % 3 != 1 else { throw DecodingError(detail: "length \(chars.count) leaves one character over") }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 3 * 2 + 1)
        func value(_ k: Int) throws(DecodingError) -> Int {
            let c = chars[k]
            guard c < 128, values[Int(c)] >= 0 else { throw DecodingError(detail: "character \(k + 1) is not in the Base45 alphabet") }
            return Int(values[Int(c)])
        }
        var i = 0
        while i + 3 <= chars.count {
            let n = try value(i) + 45 * value(i + 1) + 45 * 45 * value(i + 2)
            guard n <= 0xFFFF else { throw DecodingError(detail: "characters \(i + 1)–\(i + 3) exceed 65535") }
            out.append(UInt8(n >> 8))
            out.append(UInt8(n & 0xFF))
            i += 3
        }
        if i < chars.count {
            let n = try value(i) + 45 * value(i + 1)
            guard n <= 0xFF else { throw DecodingError(detail: "the last two characters exceed 255") }
            out.append(UInt8(n))
        }
        return out
    }
}

// MARK: - Small pieces

/// Unsigned LEB128 for numbers up to UInt32.max; reading accepts only the shortest form.
enum QRLEB128 {
    static func append(_ value: UInt32, to out: inout [UInt8]) {
        var v = value
        repeat {
            let b = UInt8(v & 0x7F)
            v >>= 7
            out.append(v == 0 ? b : b | 0x80)
        } while v != 0
    }

    /// The value and the number of bytes it used; nil when it ends early, is over UInt32.max or not minimal.
    static func read(_ bytes: ArraySlice<UInt8>) -> (UInt32, Int)? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        var used = 0
        for b in bytes {
            used += 1
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 {
                if used > 1 && b == 0 { return nil }  // a trailing zero group: not the shortest form
                return v <= UInt64(UInt32.max) ? (UInt32(v), used) : nil
            }
            shift += 7
            if used == 5 { return nil }
        }
        return nil
    }
}

/// ISO 8601 calendar dates, extended format.
enum QRISODate {
    static func isValid(_ s: String, allowReduced: Bool) -> Bool {
        let u = Array(s.utf8)
        func digits(_ r: Range<Int>) -> Int? {
            var v = 0
            for k in r {
                guard u[k] >= 0x30, u[k] <= 0x39 else { return nil }
                v = v * 10 + Int(u[k] - 0x30)
            }
            return v
        }
        switch u.count {
        case 4 where allowReduced:
            return digits(0..<4) != nil
        case 7 where allowReduced:
            guard u[4] == 0x2D, digits(0..<4) != nil, let m = digits(5..<7) else { return false }
            return (1...12).contains(m)
        case 10:
            guard u[4] == 0x2D, u[7] == 0x2D, let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10),
                (1...12).contains(m)
            else { return false }
            let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
            return (1...days).contains(d)
        default:
            return false
        }
    }
}

/// Raw DEFLATE (no zlib header or checksum: the signature protects the bytes), at the best compression: every
/// byte saved makes the printed QR code smaller.
enum QRDeflate {
    static func compress(_ input: [UInt8]) throws -> [UInt8] {
        try Deflater.compress(input, format: .raw, level: 9, memLevel: 9)
    }

    /// Inflates `input`, which must be exactly one complete raw DEFLATE stream, into at most `limit` bytes.
    static func decompress(_ input: [UInt8], limit: Int) throws(ZlibDataError) -> [UInt8] {
        try Inflater.decompress(input, format: .raw, limit: limit)
    }
}
