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
        let r = try shell(Self.script, in: dir)
        if r.status != 0 { throw FixtureError("openssl revocation PKI", output: r.output) }
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

    private static let script = #"""
        set -e
        S=20230101000000Z; E=20330101000000Z
        cat > ca.cnf <<'X'
        [ ca ]
        default_ca = hoso_ca
        [ hoso_ca ]
        dir = $ENV::CADIR
        database = $dir/index.txt
        new_certs_dir = $dir/new
        serial = $dir/serial
        crlnumber = $dir/crlnumber
        default_md = sha256
        policy = policy_any
        unique_subject = no
        copy_extensions = none
        email_in_dn = no
        default_crl_days = 30
        [ policy_any ]
        commonName = supplied
        organizationName = optional
        [ root_ext ]
        basicConstraints = critical,CA:TRUE
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        [ ca_ext ]
        basicConstraints = critical,CA:TRUE,pathlen:0
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        [ ca_nocrlsign_ext ]
        basicConstraints = critical,CA:TRUE,pathlen:0
        keyUsage = critical,keyCertSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        [ ca_explicit_ext ]
        basicConstraints = critical,CA:TRUE,pathlen:0
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        policyConstraints = critical,requireExplicitPolicy:0
        certificatePolicies = 2.5.29.32.0
        [ ca_noncritical_bc_ext ]
        basicConstraints = CA:TRUE,pathlen:0
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        [ crlsigner_ext ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        [ leaf_ext ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,nonRepudiation
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        crlDistributionPoints = URI:http://pki.hoso.test/crl/part1.crl
        [ leaf_policy_ext ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,nonRepudiation
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        certificatePolicies = 1.3.6.1.4.1.59999.9.2
        [ tsa_ext ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature
        extendedKeyUsage = critical,timeStamping
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        [ crl_plain ]
        authorityKeyIdentifier = keyid
        [ crl_critical ]
        authorityKeyIdentifier = keyid
        1.3.6.1.4.1.59999.9.77 = critical,DER:05:00
        [ crl_delta ]
        authorityKeyIdentifier = keyid
        2.5.29.27 = critical,DER:02:01:01
        [ crl_only_ca ]
        authorityKeyIdentifier = keyid
        issuingDistributionPoint = critical,@idp_ca
        [ idp_ca ]
        onlyCA = TRUE
        [ crl_only_user ]
        authorityKeyIdentifier = keyid
        issuingDistributionPoint = critical,@idp_user
        [ idp_user ]
        onlyuser = TRUE
        [ crl_some_reasons ]
        authorityKeyIdentifier = keyid
        issuingDistributionPoint = critical,@idp_reasons
        [ crl_only_attr ]
        authorityKeyIdentifier = keyid
        issuingDistributionPoint = critical,@idp_attr
        [ idp_attr ]
        onlyAA = TRUE
        [ idp_reasons ]
        onlysomereasons = keyCompromise
        [ crl_other_partition ]
        authorityKeyIdentifier = keyid
        issuingDistributionPoint = critical,@idp_part2
        [ idp_part2 ]
        fullname = URI:http://pki.hoso.test/crl/part2.crl
        X
        newca() { mkdir -p $1/new; : > $1/index.txt; echo 1000 > $1/serial; echo 01 > $1/crlnumber; }
        key() { case $2 in rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out $1.key 2>/dev/null;; *) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $1.key;; esac; }
        # issue NAME CN EXT ISSUERDIR ISSUERNAME KEYALG
        issue() {
          key $1 $6
          openssl req -new -key $1.key -subj "/CN=$2/O=hoso PKITS-like test" -out $1.csr
          CADIR=$4 openssl ca -batch -config ca.cnf -in $1.csr -out $1.pem -extensions $3 -startdate $S -enddate $E -notext \
            -cert $5.pem -keyfile $5.key 2>/dev/null
        }
        newca root
        key root ec
        openssl req -new -key root.key -subj "/CN=Test Root/O=hoso PKITS-like test" -out root.csr
        CADIR=root openssl ca -batch -config ca.cnf -selfsign -in root.csr -out root.pem -extensions root_ext -startdate $S -enddate $E -notext -keyfile root.key 2>/dev/null
        for c in ca canocrl caweak caexpl canoncrit; do newca $c; done
        issue ca "Test CA" ca_ext root root ec
        issue crlkey "Test CA" crlsigner_ext root root ec
        issue crlkeyweak "Test CA" crlsigner_ext root root rsa1024
        issue canocrl "Test CA without cRLSign" ca_nocrlsign_ext root root ec
        issue caweak "Test CA weak key" ca_ext root root rsa1024
        issue caexpl "Test CA requiring explicit policy" ca_explicit_ext root root ec
        issue canoncrit "Test CA with non-critical basicConstraints" ca_noncritical_bc_ext root root ec
        issue signer "Signer" leaf_ext ca ca ec
        issue revoked "Revoked signer" leaf_ext ca ca ec
        issue tsa "Test TSA" tsa_ext ca ca ec
        issue revokedtsa "Revoked TSA" tsa_ext ca ca ec
        issue nocrlsigner "Signer under no-cRLSign CA" leaf_ext canocrl canocrl ec
        issue weaksigner "Signer under weak CA" leaf_ext caweak caweak ec
        issue nopolicy "Signer without policy" leaf_ext caexpl caexpl ec
        issue policyb "Signer with policy B" leaf_policy_ext caexpl caexpl ec
        issue laxsigner "Signer under lax CA" leaf_ext canoncrit canoncrit ec
        crl() { CADIR=$1 openssl ca -batch -config ca.cnf -gencrl -cert $2.pem -keyfile $3.key -crlexts $4 -crl_lastupdate $5 -crl_nextupdate $6 -out $7.pem 2>/dev/null; }
        crl ca ca ca crl_plain 20240101000000Z 20240201000000Z crl-ca-old
        CADIR=ca openssl ca -config ca.cnf -revoke revoked.pem -crl_reason keyCompromise -cert ca.pem -keyfile ca.key 2>/dev/null
        CADIR=ca openssl ca -config ca.cnf -revoke revokedtsa.pem -crl_reason keyCompromise -cert ca.pem -keyfile ca.key 2>/dev/null
        # the revocation dates: rewrite them in the database to 2024-06-01
        sed -i -E 's/^R\t([0-9]+Z)\t[0-9]+Z/R\t\1\t240601000000Z/' ca/index.txt
        # crl ISSUERDIR ISSUERCERT ISSUERKEY EXT LAST NEXT OUT
        crl() { CADIR=$1 openssl ca -batch -config ca.cnf -gencrl -cert $2.pem -keyfile $3.key -crlexts $4 -crl_lastupdate $5 -crl_nextupdate $6 -out $7.pem 2>/dev/null; }
        NOW1=20250501000000Z; NEXT1=20250801000000Z
        crl root root root crl_plain $NOW1 $NEXT1 crl-root
        crl ca ca ca crl_plain $NOW1 $NEXT1 crl-ca
        crl ca ca ca crl_plain $NOW1 20250525000000Z crl-ca-lapsed
        crl ca ca ca crl_critical $NOW1 $NEXT1 crl-ca-critical
        crl ca ca ca crl_delta $NOW1 $NEXT1 crl-ca-delta
        crl ca ca ca crl_only_ca $NOW1 $NEXT1 crl-ca-onlyca
        crl ca ca ca crl_only_user $NOW1 $NEXT1 crl-ca-onlyuser
        crl ca ca ca crl_some_reasons $NOW1 $NEXT1 crl-ca-reasons
        crl ca ca ca crl_other_partition $NOW1 $NEXT1 crl-ca-part2
        crl ca crlkey crlkey crl_plain $NOW1 $NEXT1 crl-ca-bycrlkey
        crl ca crlkeyweak crlkeyweak crl_plain $NOW1 $NEXT1 crl-ca-byweakkey
        crl canocrl canocrl canocrl crl_plain $NOW1 $NEXT1 crl-canocrl
        crl caweak caweak caweak crl_plain $NOW1 $NEXT1 crl-caweak
        crl caexpl caexpl caexpl crl_plain $NOW1 $NEXT1 crl-caexpl
        crl canoncrit canoncrit canoncrit crl_plain $NOW1 $NEXT1 crl-canoncrit
        # An attribute-certificate CRL of the same CA whose entry has the valid signer's serial (its own serial space).
        cp -r ca ca-aa
        CADIR=ca-aa openssl ca -config ca.cnf -revoke signer.pem -cert ca.pem -keyfile ca.key 2>/dev/null
        sed -i -E 's/^R\t([0-9]+Z)\t[0-9]+Z/R\t\1\t240601000000Z/' ca-aa/index.txt
        crl ca-aa ca ca crl_only_attr $NOW1 $NEXT1 crl-ca-onlyattr
        """#
}
