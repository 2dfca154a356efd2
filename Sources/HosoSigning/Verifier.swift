import COpenSSL
import Foundation
import HosoCore
import HosoPrimitives
import Synchronization

/// The outcome of one signature's validation (in the spirit of ETSI EN 319 102-1).
public enum Indication: String, Codable, Sendable {
    case passed = "PASSED"
    case indeterminate = "INDETERMINATE"
    case failed = "FAILED"
}

/// Why a signature is not PASSED. Stable codes: scripts and tests compare them.
public struct ReasonCode: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let hashFailure = Self(rawValue: "HASH_FAILURE")
    public static let sigCryptoFailure = Self(rawValue: "SIG_CRYPTO_FAILURE")
    public static let revoked = Self(rawValue: "REVOKED")
    public static let revokedNoPOE = Self(rawValue: "REVOKED_NO_POE")
    public static let expired = Self(rawValue: "EXPIRED")
    public static let notYetValid = Self(rawValue: "NOT_YET_VALID")
    public static let noCertificateChainFound = Self(rawValue: "NO_CERTIFICATE_CHAIN_FOUND")
    public static let noSigningCertificateFound = Self(rawValue: "NO_SIGNING_CERTIFICATE_FOUND")
    public static let noRevocationData = Self(rawValue: "NO_REVOCATION_DATA")
    public static let wrongKeyUsage = Self(rawValue: "WRONG_KEY_USAGE")
    public static let weakAlgorithm = Self(rawValue: "WEAK_ALGORITHM")
    public static let roleNotAuthorised = Self(rawValue: "ROLE_NOT_AUTHORISED")
    public static let timestampMismatch = Self(rawValue: "TIMESTAMP_MISMATCH")
    public static let timestampInvalid = Self(rawValue: "TIMESTAMP_INVALID")
    public static let timestampUntrusted = Self(rawValue: "TIMESTAMP_UNTRUSTED")
    public static let formatFailure = Self(rawValue: "FORMAT_FAILURE")
    /// A valid signature by someone the archive's people and assignments do not entitle to sign this record in the
    /// role claimed, on the signing date (or by the office seal, which signs copies and letters only).
    public static let signerNotEntitled = Self(rawValue: "SIGNER_NOT_ENTITLED")
    /// The newest usable CRL was already past its nextUpdate at the judged time (and no grace period covers it).
    public static let revocationDataStale = Self(rawValue: "REVOCATION_DATA_STALE")
    /// RFC 5280 path validation refused the chain: certificate policies, the strict X.509 profile, name or path
    /// constraints.
    public static let chainConstraintsFailure = Self(rawValue: "CHAIN_CONSTRAINTS_FAILURE")
    /// Judged long after signing: a certificate that vouches for the signature has expired and no valid evidence
    /// record proves the signature existed before it did (ETSI EN 319 102-1 NO_POE).
    public static let noPOE = Self(rawValue: "NO_POE")

    public var text: LocalizedText {
        switch self {
        case .hashFailure: return .both("Nội dung đã bị thay đổi sau khi ký", "The content was changed after signing")
        case .sigCryptoFailure:
            return .both("Giá trị chữ ký không đúng với chứng thư số", "The signature value does not match the certificate")
        case .revoked: return .both("Chứng thư số đã bị thu hồi trước thời điểm ký", "The certificate was revoked before the signing time")
        case .revokedNoPOE:
            return .both(
                "Chứng thư số đã bị thu hồi và không có dấu thời gian chứng minh chữ ký có trước đó",
                "The certificate was revoked and no timestamp proves the signature existed before")
        case .expired: return .both("Chứng thư số hết hạn tại thời điểm đánh giá", "The certificate had expired at the time judged")
        case .notYetValid:
            return .both("Chứng thư số chưa có hiệu lực tại thời điểm đánh giá", "The certificate was not yet valid at the time judged")
        case .noCertificateChainFound:
            return .both("Không dựng được chuỗi chứng thư tới một gốc tin cậy", "No certificate chain to a trusted root")
        case .noSigningCertificateFound:
            return .both("Không xác định được chứng thư số của người ký", "The signer's certificate cannot be identified")
        case .noRevocationData:
            return .both("Không có dữ liệu thu hồi (CRL) để kiểm tra chứng thư số", "No revocation data (CRL) to check the certificate")
        case .wrongKeyUsage:
            return .both("Chứng thư số không được phép dùng để ký văn bản", "The certificate may not be used to sign documents")
        case .weakAlgorithm: return .both("Thuật toán hoặc độ dài khóa không đạt quy định", "The algorithm or key size is not allowed")
        case .roleNotAuthorised:
            return .both("Vai trò người ký không được phép ký loại hồ sơ này", "The signer's role may not sign this kind of record")
        case .timestampMismatch: return .both("Dấu thời gian không thuộc về chữ ký này", "The timestamp does not belong to this signature")
        case .timestampInvalid: return .both("Dấu thời gian bị giả mạo hoặc hỏng", "The timestamp is forged or damaged")
        case .timestampUntrusted:
            return .both("Dấu thời gian do đơn vị không tin cậy cấp", "The timestamp comes from an untrusted authority")
        case .formatFailure: return .both("Chữ ký sai định dạng", "The signature is malformed")
        case .signerNotEntitled:
            return .both(
                "Người ký không được phân công ký hồ sơ này với vai trò đó vào ngày ký",
                "The signer is not assigned to sign this record in that role on the signing date")
        case .revocationDataStale:
            return .both(
                "CRL mới nhất đã quá hạn cập nhật tại thời điểm đánh giá; không biết chứng thư có bị thu hồi sau đó không",
                "The newest CRL was past its next update at the time judged; a later revocation cannot be ruled out")
        case .noPOE:
            return .both(
                "Chứng thư bảo chứng cho chữ ký đã hết hạn và không có hồ sơ bằng chứng chứng minh chữ ký có trước đó",
                "A certificate vouching for the signature has expired and no evidence record proves the signature existed before")
        case .chainConstraintsFailure:
            return .both(
                "Chuỗi chứng thư không đạt kiểm tra RFC 5280 (chính sách chứng thư, cấu trúc X.509, ràng buộc)",
                "The certificate chain fails RFC 5280 validation (certificate policies, X.509 profile, constraints)")
        default: return .both(rawValue, rawValue)
        }
    }
}

/// What the verifier trusts: root certificates (several: the national root, the public-service CA, test roots),
/// CA certificates that may complete chains, and CRLs (the latest per issuer is used, offline).
public struct TrustContext: Sendable {
    public var roots: [Certificate]
    public var intermediates: [Certificate]
    public var crls: [CRL]
    /// OCSP responses kept as evidence; preferred over CRLs for the certificates they answer for.
    public var ocsp: [OCSPResponse]

    public init(roots: [Certificate], intermediates: [Certificate] = [], crls: [CRL] = [], ocsp: [OCSPResponse] = []) {
        self.roots = roots
        self.intermediates = intermediates
        self.crls = crls
        self.ocsp = ocsp
    }
}

/// The validation data kept beside one signature (CAdES-LT in spirit): the certificates of its chains, CRLs and
/// OCSP responses, gathered while they could be fetched, so a later verification needs no network.
public struct ValidationData: Sendable {
    public var certificates: [Certificate]
    public var crls: [CRL]
    public var ocsp: [OCSPResponse]

    public init(certificates: [Certificate] = [], crls: [CRL] = [], ocsp: [OCSPResponse] = []) {
        self.certificates = certificates
        self.crls = crls
        self.ocsp = ocsp
    }
}

/// Rules that are policy rather than cryptography; configurable because several are [belief] in DOMAIN.md.
public struct VerificationPolicy: Sendable {
    /// Which roles may sign which record type; a type not listed accepts any role or none.
    public var rolesByRecordType: [String: Set<SignerRole>]
    /// RSA PKCS#1 v1.5 signatures: Thông tư 15/2025/TT-BKHCN names RSASSA-PSS, so they are refused by default.
    public var allowPKCS1v15: Bool
    /// How long past its nextUpdate the newest CRL may still be used when working offline. 0 (the default): a CRL
    /// past its nextUpdate at the judged time never gives PASSED (REVOCATION_DATA_STALE). Bounded by
    /// `maximumCRLGracePeriod`; the report shows the grace period whenever it was used.
    public var crlGracePeriod: TimeInterval
    /// The user-initial-policy-set of RFC 5280 §6.1.1 (dotted OIDs). nil: any policy (anyPolicy), with the policy
    /// constraints of the certificates still enforced. A set: every path must be valid for one of these policies
    /// (initial-explicit-policy is then set).
    public var certificatePolicies: Set<String>?
    /// Judge as an archive must long after signing (`hoso verify --at`): every certificate that vouches for the
    /// signature (its chain and its timestamp's chain) and has expired by the verification time needs an evidence
    /// record proving the signature existed before the first of them expired; without one, INDETERMINATE (NO_POE).
    /// Off: a timestamped signature stays PASSED after its certificates expire, as before evidence records.
    public var longTerm: Bool

    /// The longest offline grace period that may be configured: 30 days.
    public static let maximumCRLGracePeriod: TimeInterval = 30 * 86400

    public init(
        rolesByRecordType: [String: Set<SignerRole>] = VerificationPolicy.defaultRoles, allowPKCS1v15: Bool = false,
        crlGracePeriod: TimeInterval = 0, certificatePolicies: Set<String>? = nil, longTerm: Bool = false
    ) {
        self.rolesByRecordType = rolesByRecordType
        self.allowPKCS1v15 = allowPKCS1v15
        self.crlGracePeriod = min(max(crlGracePeriod, 0), Self.maximumCRLGracePeriod)
        self.certificatePolicies = certificatePolicies
        self.longTerm = longTerm
    }

    /// Who signs what, after DOMAIN.md: teachers their marks, the homeroom teacher the class summary,
    /// the principal the transcript, the registrar and the office head the ledger, its appendix and revocations.
    public static let defaultRoles: [String: Set<SignerRole>] = [
        "grade-book": [.subjectTeacher, .homeroomTeacher, .principal],
        "transcript": [.homeroomTeacher, .principal],
        "ledger": [.registrar, .officeHead],
        "ledger-appendix": [.registrar, .officeHead],
        "revocation": [.officeHead],
    ]
}

/// One signature's report: the indication, the reason, and everything a person needs to judge it.
public struct SignatureReport: Codable, Sendable {
    public var indication: Indication
    public var reason: ReasonCode?
    public var message: Message
    public var signer: String?
    public var signerSubject: String?
    /// SHA-256 of the signer's certificate (its id in the archive).
    public var signerCertificate: String?
    public var certificateAuthority: String?
    public var certificateSerial: String?
    public var certificateValidity: Period?
    public var role: SignerRole?
    /// The title the signer claimed beside the role (signed, from their assignment), if any.
    public var claimedTitle: String?
    public var claimedSigningTime: Date?
    /// The time the signature was judged at, and what proved it.
    public var judgedAt: Date
    public var timeProof: TimeProof
    public var timestamp: TimestampInfo?
    public var revocation: RevocationInfo?
    public var chain: [String]
    public var algorithm: String?
    public var warnings: [Message]
    /// Who the archive's person records say signed, and the assignment that entitled them; nil when the archive keeps
    /// no people or the signature was judged outside an archive.
    public var person: SignerPerson?
    /// The evidence record that proves the signature existed (long-term verification only).
    public var evidence: EvidenceInfo?

    /// What an evidence record proved: the first archive timestamp's time and each archive timestamp.
    public struct EvidenceInfo: Codable, Sendable {
        public var existedAt: Date?
        public var validUntil: Date?
        public var timestamps: [EvidenceCheck.Stamp]
    }

    /// The person holding the signing certificate, by their record, and the assignment found for the claimed role.
    public struct SignerPerson: Codable, Sendable, Equatable {
        public var record: String
        public var fullName: String
        public var assignment: String?
        /// The title to print beside the signature (from the assignment: certificates carry no title).
        public var title: String?

        public init(record: String, fullName: String, assignment: String? = nil, title: String? = nil) {
            self.record = record
            self.fullName = fullName
            self.assignment = assignment
            self.title = title
        }
    }

    public struct Message: Codable, Sendable, Equatable {
        public var vi: String
        public var en: String
        public init(_ t: LocalizedText) {
            vi = t.vi
            en = t.en
        }
        public func text(_ lang: Lang) -> String { lang == .en ? en : vi }
    }

    public struct Period: Codable, Sendable {
        public var notBefore: Date
        public var notAfter: Date
    }

    public enum TimeProof: String, Codable, Sendable {
        /// An RFC 3161 timestamp from a trusted authority proves the signature existed at `judgedAt`.
        case timestamp
        /// Nothing proves when it was signed; judged at the verification time (the claimed signing time is only a claim).
        case verificationTime = "verification-time"
    }

    public struct TimestampInfo: Codable, Sendable {
        public var time: Date?
        public var authority: String?
        public var status: String
    }

    public struct RevocationInfo: Codable, Sendable {
        public var source: String
        public var issuer: String
        public var thisUpdate: Date
        public var nextUpdate: Date?
        public var revokedAt: Date?
        /// The offline grace period (seconds) the verifier was configured with, when one was.
        public var gracePeriod: TimeInterval?
        /// True when a CRL past its nextUpdate was used because it was within the grace period.
        public var usedGracePeriod: Bool?
    }
}

/// Judges detached CMS signatures against trust anchors, CRLs, a time and a policy. Never throws for a bad
/// signature (that is a FAILED report); throws only when the bytes are not a signature at all.
public struct SignatureVerifier: Sendable {
    public let trust: TrustContext
    public let policy: VerificationPolicy
    public let clock: HosoClock
    /// Chains and CRL signatures already checked by this verifier: they depend only on the certificates and CRLs
    /// (the trust context is fixed), not on the time, so a server verifying many signatures checks each once.
    let cache = VerificationCache()

    public init(trust: TrustContext, policy: VerificationPolicy = VerificationPolicy(), clock: HosoClock = .system) {
        self.trust = trust
        self.policy = policy
        self.clock = clock
    }

    /// `validation`: evidence kept beside the signature (certificates, CRLs, OCSP responses), used with what the
    /// signature itself embeds.
    /// `evidence`: what an evidence record covering the signature (and its validation data) proved, for the
    /// long-term rule (`VerificationPolicy.longTerm`).
    public func verify(
        signature der: [UInt8], content: [UInt8], recordType: String? = nil, validation: ValidationData = ValidationData(),
        evidence: EvidenceCheck? = nil
    ) throws -> [SignatureReport] {
        let sd = try parse(der)
        let signers = sd.signers
        guard !signers.isEmpty else {
            throw HosoError(.badSignature, .both("Chữ ký CMS không có người ký nào", "The CMS signature has no signer"))
        }
        return signers.map { verify($0, in: sd, content: content, recordType: recordType, validation: validation, evidence: evidence) }
    }

    /// A CMS SignedData read as `verify` reads it: the certificates and CRLs it embeds come from this verifier's
    /// cache (each distinct one is decoded once per verifier).
    public func signedData(_ der: [UInt8]) throws -> SignedData { try parse(der) }

    /// An RFC 3161 token read with the certificates it carries taken from this verifier's cache.
    public func timestampToken(_ der: [UInt8]) throws -> TimeStampToken {
        try TimeStampToken(der: der) { d in try cache.certificate(d) { try Certificate(der: Array(d)) } }
    }

    /// Parses with the embedded certificates and CRLs taken from the cache (each is decoded once per verifier).
    func parse(_ der: [UInt8]) throws -> SignedData {
        guard let parts = SignedData.split(der) else { return try SignedData(der: der) }
        let certs = try parts.certificates.map { d in try cache.certificate(d) { try Certificate(der: Array(d)) } }
        let crls = try parts.crls.map { d in try cache.crl(d) { try CRL(der: Array(d)) } }
        return try SignedData(der: der, stripped: parts.stripped, certificates: certs, crls: crls, source: nil)
    }

    /// Judges one signer in named steps, each adding to the report; the first step that stops decides the indication
    /// and reason (see `Verifier+Steps.swift`). The order of the steps is the order of the reasons' precedence.
    func verify(
        _ s: SignedData.Signer, in sd: SignedData, content: [UInt8], recordType: String?,
        validation: ValidationData = ValidationData(), evidence: EvidenceCheck? = nil
    ) -> SignatureReport {
        let now = clock.now()
        var r = SignatureReport(
            indication: .passed, reason: nil, message: .init(.both("Chữ ký hợp lệ", "The signature is valid")),
            judgedAt: now, timeProof: .verificationTime, chain: [], warnings: [])
        r.claimedSigningTime = s.signingTime
        let claimedRole = s.signedAttribute(OID.signerAttributesV2).flatMap { der in
            cache.role(der) { CMSSigner.role(fromAttributeValue: der) }
        }
        r.role = claimedRole
        r.claimedTitle = s.signedAttribute(OID.signerAttributesV2).flatMap { CMSSigner.title(fromAttributeValue: $0) }
        do throws(VerificationStop) {
            let cert = try checkSignerCertificate(s, into: &r)
            try checkIntegrity(s, cert, content: content)
            try checkKeyUsage(cert)
            let untrusted = sd.certificates + validation.certificates + trust.intermediates
            let embedded = sd.crls + validation.crls
            let judgeAt = try judgementTime(s, now: now, untrusted: untrusted, embedded: embedded, into: &r)
            r.judgedAt = judgeAt
            let chain = try checkChain(cert, untrusted: untrusted, into: &r)
            try checkValidity(chain, signer: cert, claimed: s.signingTime, judgeAt: judgeAt)
            try checkPath(
                chain, signer: cert, untrusted: untrusted, embedded: embedded, ocsp: validation.ocsp + trust.ocsp,
                claimed: s.signingTime, judgeAt: judgeAt, into: &r)
            try checkRole(claimedRole, recordType: recordType)
            if policy.longTerm {
                try checkLongTerm(s, chain: chain, untrusted: untrusted, now: now, evidence: evidence, into: &r)
            }
            return r
        } catch {
            return error.finish(r)
        }
    }

    static let strongDigests: Set<Int32> = [NID_sha256, NID_sha384, NID_sha512, NID_sha3_256, NID_sha3_384, NID_sha3_512]

    func weakness(_ s: SignedData.Signer, _ cert: Certificate) -> LocalizedText? {
        if !Self.strongDigests.contains(s.digestNID) {
            return .both("hàm băm \(s.digestAlgorithm)", "digest \(s.digestAlgorithm)")
        }
        let key = cert.publicKey
        if !key.isStrongEnough { return .both("khóa \(key)", "key \(key)") }
        switch s.signatureNID {
        case NID_rsassaPss, NID_ecdsa_with_SHA256, NID_ecdsa_with_SHA384, NID_ecdsa_with_SHA512, NID_X9_62_id_ecPublicKey:
            return nil
        case NID_rsaEncryption, NID_sha256WithRSAEncryption, NID_sha384WithRSAEncryption, NID_sha512WithRSAEncryption:
            return policy.allowPKCS1v15
                ? nil : .both("RSA PKCS#1 v1.5 (quy định yêu cầu RSASSA-PSS)", "RSA PKCS#1 v1.5 (the rules require RSASSA-PSS)")
        default:
            return .both("thuật toán ký \(s.signatureAlgorithm)", "signature algorithm \(s.signatureAlgorithm)")
        }
    }

    func cachedChain(_ leaf: Certificate, untrusted: [Certificate]) -> [Certificate]? {
        let key = ([leaf.fingerprint] + untrusted.map(\.fingerprint).sorted()).joined(separator: ",")
        return cache.chain(key) { buildChain(leaf, untrusted: untrusted) }
    }

    /// The chain from `leaf` to one of the trusted roots, leaf first; nil when there is none.
    /// Built without checking times: validity periods are judged separately against the proven time.
    func buildChain(_ leaf: Certificate, untrusted: [Certificate]) -> [Certificate]? {
        guard let store = X509_STORE_new() else { return nil }
        defer { X509_STORE_free(store) }
        for root in trust.roots { X509_STORE_add_cert(store, root.x509) }
        guard let ctx = X509_STORE_CTX_new() else { return nil }
        defer { X509_STORE_CTX_free(ctx) }
        guard let sk = hoso_sk_x509_new() else { return nil }
        defer { hoso_sk_x509_free(sk) }
        for c in untrusted { _ = hoso_sk_x509_push(sk, c.x509) }
        guard X509_STORE_CTX_init(ctx, store, leaf.x509, sk) == 1 else { return nil }
        X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), UInt(X509_V_FLAG_NO_CHECK_TIME))
        defer { _ = OpenSSL.drainErrors() }
        guard X509_verify_cert(ctx) == 1, let chain = X509_STORE_CTX_get0_chain(ctx) else { return nil }
        let all = trust.roots + untrusted + [leaf]
        return (0..<hoso_sk_x509_num(chain)).compactMap { i in
            guard let x = hoso_sk_x509_value(chain, i) else { return nil }
            return all.first { X509_cmp($0.x509, x) == 0 }
        }
    }

    enum TimestampOutcome: Sendable {
        /// The time, the TSA's certificate and the certificates the token carries.
        case valid(Date, Certificate, [Certificate])
        case mismatch
        case invalid(String)
        case untrusted(String)
    }

    func checkTimestamp(_ der: [UInt8], signature: [UInt8], roots: [Certificate], intermediates: [Certificate]) -> TimestampOutcome {
        checkTimestamp(der, imprint: SHA256.hash(signature), roots: roots, intermediates: intermediates)
    }

    /// A timestamp token over `imprint`, checked against the trusted roots at its own time.
    func checkTimestamp(_ der: [UInt8], imprint: [UInt8], roots: [Certificate], intermediates: [Certificate]) -> TimestampOutcome {
        guard let token = try? timestampToken(der) else { return .invalid("malformed") }
        switch token.verify(imprint: imprint, trustedRoots: roots, intermediates: intermediates) {
        case .valid(let t, let tsa): return .valid(t, tsa, token.certificates)
        case .imprintMismatch: return .mismatch
        case .badSignature: return .invalid("bad-signature")
        case .malformed: return .invalid("malformed")
        case .untrustedTSA: return .untrusted("untrusted-tsa")
        case .notATimeStampingCertificate: return .untrusted("not-a-tsa-certificate")
        }
    }
}

/// Results that depend only on immutable inputs, shared by copies of one verifier. Bounded: cleared when full.
final class VerificationCache: Sendable {
    private struct State {
        var chains = [String: [Certificate]?]()
        var crlSignatures = [String: Bool]()
        // Keyed by Data: Swift hashes [UInt8] byte by byte (a tenth of a verification); Data hashes a prefix and
        // compares with memcmp.
        var certificates = [Data: Certificate]()
        var crls = [Data: CRL]()
        var timestamps = [Data: SignatureVerifier.TimestampOutcome]()
        var roles = [Data: SignerRole?]()
        var crlsByIssuer = [String: [CRL]]()
        var crlDates = [String: [Int64]]()
    }
    private let state = Mutex(State())
    private let limit = 4096
    /// Path validation results by inputs and time window (see `SignatureVerifier.validatePath`).
    let paths = BoundedCache<String, PathFindings>(budget: 4 << 20)
    /// How many path validations OpenSSL actually ran (the cache's misses): for tests and profiles.
    let pathRuns = Atomic<Int>(0)

    private func memo<K: Hashable & Sendable, V: Sendable>(
        _ table: WritableKeyPath<State, [K: V]> & Sendable, _ key: K, _ make: () throws -> V
    ) rethrows -> V {
        if let hit = state.withLock({ $0[keyPath: table][key] }) { return hit }
        let value = try make()
        state.withLock { s in
            if s[keyPath: table].count >= limit { s[keyPath: table].removeAll() }
            s[keyPath: table][key] = value
        }
        return value
    }

    func role(_ der: [UInt8], _ make: () -> SignerRole?) -> SignerRole? { memo(\.roles, Data(der), make) }
    /// The trust context's CRLs signed by `issuer` (the context is fixed for a verifier).
    func trustedCRLs(_ issuer: Certificate, _ make: () -> [CRL]) -> [CRL] { memo(\.crlsByIssuer, issuer.fingerprint, make) }

    /// The dates a CRL's verdicts turn on (see `SignatureVerifier.dates(of:)`), by its fingerprint.
    func crlDates(_ crl: CRL, _ make: () -> [Int64]) -> [Int64] { memo(\.crlDates, crl.fingerprint, make) }

    func certificate(_ der: ArraySlice<UInt8>, _ make: () throws -> Certificate) rethrows -> Certificate {
        try memo(\.certificates, Data(der), make)
    }
    func crl(_ der: ArraySlice<UInt8>, _ make: () throws -> CRL) rethrows -> CRL { try memo(\.crls, Data(der), make) }

    /// A timestamp's check depends only on the token, the signature value it should cover and the (fixed) trust.
    func timestamp(
        _ token: [UInt8], _ value: [UInt8], _ make: () -> SignatureVerifier.TimestampOutcome
    ) -> SignatureVerifier.TimestampOutcome {
        memo(\.timestamps, Data(token + value), make)
    }

    func chain(_ key: String, _ make: () -> [Certificate]?) -> [Certificate]? {
        if let hit = state.withLock({ $0.chains[key] }) { return hit }
        let value = make()
        state.withLock { s in
            if s.chains.count >= limit { s.chains.removeAll() }
            s.chains[key] = .some(value)
        }
        return value
    }

    func crlSigned(_ crl: CRL, by issuer: Certificate, _ check: () -> Bool) -> Bool {
        let key = crl.fingerprint + "/" + issuer.fingerprint
        if let hit = state.withLock({ $0.crlSignatures[key] }) { return hit }
        let value = check()
        state.withLock { s in
            if s.crlSignatures.count >= limit { s.crlSignatures.removeAll() }
            s.crlSignatures[key] = value
        }
        return value
    }
}
