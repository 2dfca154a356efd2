import HosoCore

// The errors of the archive's signing workflows (HosoKit), by code.
extension HosoError.Code {
    /// No stored signature matches.
    public static let signatureNotFound = Self("SIGNATURE_NOT_FOUND", .notFound)
    /// The trust store has no such anchor.
    public static let trustAnchorNotFound = Self("TRUST_ANCHOR_NOT_FOUND", .notFound)
    /// The object named is not a record revision, so it cannot be signed or verified as one.
    public static let notARevision = Self("NOT_A_REVISION", .badInput)
    /// The signing certificate is expired or not yet valid now: nothing is signed with it.
    public static let signingCertificateNotValid = Self("SIGNING_CERTIFICATE_NOT_VALID", .badInput)
    /// The newest CRL the archive holds lists the signing certificate: nothing is signed with it.
    public static let signingCertificateRevoked = Self("SIGNING_CERTIFICATE_REVOKED", .forbidden)
}
