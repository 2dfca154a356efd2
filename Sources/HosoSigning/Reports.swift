import Foundation

// What the archive's signing workflows report (HosoKit's `Archive.sign`, `verify`, `timestampPending`, trust store
// and CRLs).

/// A signature just made over a revision and stored.
public struct SignOutcome: Codable, Sendable {
    public var signature: String
    public var revision: String
    public var record: String
    public var recordType: String
    public var signer: String
    public var role: String
    public var signingTime: Date
    public var timestamped: Bool

    public init(
        signature: String,
        revision: String,
        record: String,
        recordType: String,
        signer: String,
        role: String,
        signingTime: Date,
        timestamped: Bool
    ) {
        self.signature = signature
        self.revision = revision
        self.record = record
        self.recordType = recordType
        self.signer = signer
        self.role = role
        self.signingTime = signingTime
        self.timestamped = timestamped
    }
}

/// A stored signature given a timestamp: the new object that carries it.
public struct TimestampOutcome: Codable, Sendable {
    public var signature: String
    public var timestamped: String
    public var revision: String

    public init(
        signature: String,
        timestamped: String,
        revision: String
    ) {
        self.signature = signature
        self.timestamped = timestamped
        self.revision = revision
    }
}

/// Every signature on one revision, each judged on its own, and the overall indication.
public struct SignedRevisionReport: Codable, Sendable {
    public var revision: String
    public var record: String?
    public var recordType: String?
    public var verifiedAt: Date
    /// PASSED only when there is at least one signature and every one passed.
    public var indication: String
    public var signatures: [Entry]
    /// Signatures on earlier revisions of the record (a correction must be signed again).
    public var earlierRevisionsSigned: Int

    public init(
        revision: String,
        record: String? = nil,
        recordType: String? = nil,
        verifiedAt: Date,
        indication: String,
        signatures: [Entry],
        earlierRevisionsSigned: Int
    ) {
        self.revision = revision
        self.record = record
        self.recordType = recordType
        self.verifiedAt = verifiedAt
        self.indication = indication
        self.signatures = signatures
        self.earlierRevisionsSigned = earlierRevisionsSigned
    }

    public struct Entry: Codable, Sendable {
        public var signature: String
        public var report: SignatureReport

        public init(
            signature: String,
            report: SignatureReport
        ) {
            self.signature = signature
            self.report = report
        }
    }
}

/// A root certificate the archive trusts, with its label.
public struct TrustAnchor: Codable, Sendable, Equatable {
    /// The certificate's object id (SHA-256 of its DER).
    public var certificate: String
    public var label: String
    public var subject: String
    public var notAfter: String

    public init(
        certificate: String,
        label: String,
        subject: String,
        notAfter: String
    ) {
        self.certificate = certificate
        self.label = label
        self.subject = subject
        self.notAfter = notAfter
    }
}

/// A stored certificate revocation list and the CA that signed it.
public struct CRLInfo: Codable, Sendable {
    public var id: String
    public var issuer: String
    public var thisUpdate: Date
    public var nextUpdate: Date?
    public var revoked: Int
    public var verifiedBy: String?

    public init(
        id: String,
        issuer: String,
        thisUpdate: Date,
        nextUpdate: Date? = nil,
        revoked: Int,
        verifiedBy: String? = nil
    ) {
        self.id = id
        self.issuer = issuer
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.revoked = revoked
        self.verifiedBy = verifiedBy
    }
}

extension SignedRevisionReport {
    /// PASSED only when there is at least one signature and every one passed; UNSIGNED when there is none.
    package static func overall(_ reports: [SignatureReport]) -> String {
        if reports.isEmpty { return "UNSIGNED" }
        if reports.contains(where: { $0.indication == .failed }) { return Indication.failed.rawValue }
        if reports.contains(where: { $0.indication == .indeterminate }) { return Indication.indeterminate.rawValue }
        return Indication.passed.rawValue
    }
}

extension CRL {
    /// The newest CRL of each issuer.
    package static func latest(_ crls: [CRL]) -> [CRL] {
        var best = [String: CRL]()
        for c in crls where best[c.issuer].map({ $0.thisUpdate < c.thisUpdate }) ?? true { best[c.issuer] = c }
        return Array(best.values)
    }
}

extension Certificate {
    /// The leaf's chain: the given intermediates, completed from the pool up to (not including) a root, at most 8.
    package static func completeChain(_ leaf: Certificate, given: [Certificate], pool: [Certificate]) -> [Certificate] {
        var chain = given.filter { !$0.isSelfSigned }
        var current = chain.last ?? leaf
        while chain.count < 8, !current.isSelfSigned,
            let next = pool.first(where: { !$0.isSelfSigned && current.isIssued(by: $0) && !chain.contains($0) })
        {
            chain.append(next)
            current = next
        }
        return chain
    }
}
