import COpenSSL
import Foundation
import HosoCore

// Long-term validation (PAdES B-LTA, ETSI EN 319 102-1 §5.6): a timestamp judged on its own (a PDF document
// timestamp over its byte range), and whether a timestamp authority still vouched for its tokens at a later time
// (when the next timestamp covered them, or at the validation time for the last one).

/// One RFC 3161 token judged by itself.
public struct TimestampJudgement: Sendable {
    public var indication: Indication
    public var reason: ReasonCode?
    public var message: SignatureReport.Message
    /// genTime, when the token could be read.
    public var time: Date?
    /// The TSA's name.
    public var authority: String?
    /// The TSA's certificate (nil when the token names none that could be found).
    public var tsaCertificate: Certificate?
    /// The certificates the token carries.
    public var carried: [Certificate]

    init(_ indication: Indication, _ reason: ReasonCode?, detail: LocalizedText? = nil) {
        self.indication = indication
        self.reason = reason
        let base = reason?.text ?? .both("Dấu thời gian hợp lệ", "The timestamp is valid")
        message = .init(detail.map { .both(base.vi + ": " + $0.vi, base.en + ": " + $0.en) } ?? base)
        carried = []
    }
}

extension SignatureVerifier {
    /// A document timestamp: the token's imprint must be the digest of `content` (the PDF's byte range), its
    /// signature sound, and its TSA's chain trusted and not revoked at genTime (CRLs of the trust context).
    public func verifyTimestamp(_ der: [UInt8], over content: [UInt8]) -> TimestampJudgement {
        guard let token = try? timestampToken(der) else { return .init(.failed, .timestampInvalid) }
        guard let algorithm = token.imprintAlgorithm else {
            return .init(
                .failed, .weakAlgorithm, detail: .both("hàm băm \(token.imprintAlgorithmOID)", "digest \(token.imprintAlgorithmOID)"))
        }
        var j: TimestampJudgement
        switch token.verify(imprint: algorithm.digest(content), trustedRoots: trust.roots, intermediates: trust.intermediates) {
        case .valid(let t, let tsa):
            if let why = checkTSAPath(tsa, carried: token.certificates, untrusted: trust.intermediates, embedded: [], at: t) {
                j = .init(.indeterminate, .timestampUntrusted, detail: why)
            } else {
                j = .init(.passed, nil)
            }
            j.tsaCertificate = tsa
        case .imprintMismatch: j = .init(.failed, .hashFailure)
        case .badSignature, .malformed: j = .init(.failed, .timestampInvalid)
        case .untrustedTSA, .notATimeStampingCertificate: j = .init(.indeterminate, .timestampUntrusted)
        }
        j.time = token.genTime
        j.authority = token.tsaCertificate.map { $0.commonName ?? $0.subject }
        j.carried = token.certificates
        return j
    }

    /// Whether `tsa` still vouched for its tokens at `time`: a chain to a trusted root whose every certificate is
    /// within its validity period then, and no known CRL revoking one of them by then. With
    /// `requireRevocationData` the chain must also pass path validation with CRLs current at `time` (what a later
    /// timestamp can prove was checked); the last timestamp of a chain is judged at the validation time, when no
    /// fresh revocation data can be had offline. Nil when it holds; else why not.
    public func timestampAuthorityHolds(
        _ tsa: Certificate, carried: [Certificate], at time: Date, requireRevocationData: Bool
    ) -> LocalizedText? {
        let pool = carried + trust.intermediates
        guard let chain = cachedChain(tsa, untrusted: pool) else {
            return .both("không dựng được chuỗi chứng thư của TSA", "no chain for the TSA certificate")
        }
        if let lapsed = chain.first(where: { !$0.isValid(at: time) }) {
            let name = lapsed.commonName ?? lapsed.subject
            return .both(
                "chứng thư \(name) của đơn vị cấp dấu thời gian hết hạn ngày \(HosoClock.format(lapsed.notAfter)), trước \(HosoClock.format(time))",
                "the timestamp authority's certificate \(name) expired on \(HosoClock.format(lapsed.notAfter)), before \(HosoClock.format(time))"
            )
        }
        if requireRevocationData {
            return checkTSAPath(tsa, carried: carried, untrusted: trust.intermediates, embedded: [], at: time)
        }
        for (i, c) in chain.enumerated().dropLast() {
            if let at = earliestRevocation(of: c, issuer: chain[i + 1], crls: trust.crls, untrusted: pool), at <= time {
                return .both(
                    "chứng thư \(c.commonName ?? c.subject) của TSA bị thu hồi ngày \(HosoClock.format(at))",
                    "the TSA's certificate \(c.commonName ?? c.subject) was revoked on \(HosoClock.format(at))")
            }
        }
        return nil
    }
}

/// SHA-1, only where a format names things by it (the keys of a PDF DSS's /VRI dictionary); never for security.
public enum SHA1Name {
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var n: UInt32 = 0
        bytes.withUnsafeBytes { raw in _ = EVP_Digest(raw.baseAddress, raw.count, &out, &n, EVP_sha1(), nil) }
        return Array(out.prefix(Int(n)))
    }
}
