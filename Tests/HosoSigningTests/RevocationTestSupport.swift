import Foundation
import HosoCore
import HosoTestSupport

@testable import HosoSigning

/// A small PKI made with the openssl command line (`openssl ca`, so every date can be set) holding one case of each
/// class of RFC 5280 §6.3 / §5.2 CRL processing that the NIST PKITS descriptions name: stale CRLs, a CRL signer
/// without cRLSign, an unknown critical CRL extension, a delta CRL only, Issuing Distribution Point scopes
/// (onlyContainsCACerts, onlySomeReasons, another partition), a separate CRL signing key (and a weak one), a weak
/// CA key, a CA that requires an explicit policy, a CA with a non-critical basicConstraints, and a revoked TSA.
/// Certificates are valid 2023–2033; "Revoked signer" and "Revoked TSA" were revoked on 2024-06-01; the CRLs are
/// issued 2025-05-01 with nextUpdate 2025-08-01 unless their name says otherwise (crl-ca-old: 2024-01-01 to
/// 2024-02-01, before the revocations; crl-ca-lapsed: nextUpdate 2025-05-25).
final class RevocationPKI: Sendable {
    let certificates: [String: Certificate]
    let keys: [String: PrivateKey]
    let crls: [String: CRL]

    static let shared: Result<RevocationPKI, any Error> = Result { try RevocationPKI() }

    private init() throws {
        let dir = try scratchDirectory("revocation-pki")
        try Self.build(in: dir)
        var certs = [String: Certificate]()
        var keys = [String: PrivateKey]()
        var crls = [String: CRL]()
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let path = dir + "/" + file
            func bytes() throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
            if file.hasPrefix("crl-"), file.hasSuffix(".pem") {
                crls[String(file.dropFirst(4).dropLast(4))] = try CRL.load(try bytes(), source: path)[0]
            } else if file.hasSuffix(".pem") {
                certs[String(file.dropLast(4))] = try Certificate.load(try bytes(), source: path)[0]
            } else if file.hasSuffix(".key") {
                keys[String(file.dropLast(4))] = try PrivateKey.load(pem: try bytes(), source: path)
            }
        }
        certificates = certs
        self.keys = keys
        self.crls = crls
    }

    func cert(_ name: String) throws -> Certificate {
        guard let c = certificates[name] else { throw FixtureError("no certificate \(name)") }
        return c
    }

    func crl(_ name: String) throws -> CRL {
        guard let c = crls[name] else { throw FixtureError("no CRL \(name)") }
        return c
    }

    /// The named end entity with its issuing CA as the chain to embed.
    func identity(_ name: String, issuer: String) throws -> SigningIdentity {
        guard let key = keys[name] else { throw FixtureError("no key \(name)") }
        return SigningIdentity(key: key, certificate: try cert(name), chain: [try cert(issuer)])
    }

    /// Makes the PKI's keys, certificates and CRLs in `dir`.
    private static func build(in dir: String) throws {
        let pki = try OpenSSLCA(in: dir, organization: "hoso PKITS-like test")
        let (start, end) = ("20230101000000Z", "20330101000000Z")
        func issue(_ name: String, _ cn: String, _ ext: String, by issuer: String?, _ key: OpenSSLCA.KeyAlgorithm = .p256) throws {
            try pki.issue(name, cn: cn, ext: ext, by: issuer, start: start, end: end, key: key)
        }
        for ca in ["root", "ca", "canocrl", "caweak", "caexpl", "canoncrit"] { try pki.database(ca) }
        try issue("root", "Test Root", "root_ext", by: nil)
        try issue("ca", "Test CA", "ca_ext", by: "root")
        try issue("crlkey", "Test CA", "crlsigner_ext", by: "root")
        try issue("crlkeyweak", "Test CA", "crlsigner_ext", by: "root", .rsa1024)
        try issue("canocrl", "Test CA without cRLSign", "ca_nocrlsign_ext", by: "root")
        try issue("caweak", "Test CA weak key", "ca_ext", by: "root", .rsa1024)
        try issue("caexpl", "Test CA requiring explicit policy", "ca_explicit_ext", by: "root")
        try issue("canoncrit", "Test CA with non-critical basicConstraints", "ca_noncritical_bc_ext", by: "root")
        try issue("signer", "Signer", "leaf_ext", by: "ca")
        try issue("revoked", "Revoked signer", "leaf_ext", by: "ca")
        try issue("tsa", "Test TSA", "tsa_ext", by: "ca")
        try issue("revokedtsa", "Revoked TSA", "tsa_ext", by: "ca")
        try issue("nocrlsigner", "Signer under no-cRLSign CA", "leaf_ext", by: "canocrl")
        try issue("weaksigner", "Signer under weak CA", "leaf_ext", by: "caweak")
        try issue("nopolicy", "Signer without policy", "leaf_ext", by: "caexpl")
        try issue("policyb", "Signer with policy B", "leaf_policy_ext", by: "caexpl")
        try issue("laxsigner", "Signer under lax CA", "leaf_ext", by: "canoncrit")
        // A CRL of the CA's own key: the database's name, the signer's certificate and key.
        func crl(_ db: String, by signer: String, _ ext: String, _ last: String, _ next: String, _ out: String) throws {
            try pki.crl(database: db, cert: signer, key: signer, ext: ext, last: last, next: next, out: out)
        }
        try crl("ca", by: "ca", "crl_plain", "20240101000000Z", "20240201000000Z", "crl-ca-old")
        try pki.revoke("revoked", database: "ca", issuer: "ca", reason: "keyCompromise")
        try pki.revoke("revokedtsa", database: "ca", issuer: "ca", reason: "keyCompromise")
        try pki.backdateRevocations(in: "ca", to: "240601000000Z")
        let (now1, next1) = ("20250501000000Z", "20250801000000Z")
        try crl("root", by: "root", "crl_plain", now1, next1, "crl-root")
        try crl("ca", by: "ca", "crl_plain", now1, next1, "crl-ca")
        try crl("ca", by: "ca", "crl_plain", now1, "20250525000000Z", "crl-ca-lapsed")
        try crl("ca", by: "ca", "crl_critical", now1, next1, "crl-ca-critical")
        try crl("ca", by: "ca", "crl_delta", now1, next1, "crl-ca-delta")
        try crl("ca", by: "ca", "crl_only_ca", now1, next1, "crl-ca-onlyca")
        try crl("ca", by: "ca", "crl_only_user", now1, next1, "crl-ca-onlyuser")
        try crl("ca", by: "ca", "crl_some_reasons", now1, next1, "crl-ca-reasons")
        try crl("ca", by: "ca", "crl_other_partition", now1, next1, "crl-ca-part2")
        try crl("ca", by: "crlkey", "crl_plain", now1, next1, "crl-ca-bycrlkey")
        try crl("ca", by: "crlkeyweak", "crl_plain", now1, next1, "crl-ca-byweakkey")
        for ca in ["canocrl", "caweak", "caexpl", "canoncrit"] { try crl(ca, by: ca, "crl_plain", now1, next1, "crl-\(ca)") }
        // An attribute-certificate CRL of the same CA whose entry has the valid signer's serial (its own serial space).
        try FileManager.default.copyItem(atPath: dir + "/ca", toPath: dir + "/ca-aa")
        try pki.revoke("signer", database: "ca-aa", issuer: "ca")
        try pki.backdateRevocations(in: "ca-aa", to: "240601000000Z")
        try crl("ca-aa", by: "ca", "crl_only_attr", now1, next1, "crl-ca-onlyattr")
    }
}
