import Foundation

/// A throwaway certificate authority driven by the `openssl` command line: `openssl ca` (unlike `req -x509`) lets a
/// test choose every certificate's dates, extensions and revocations, so every openssl-made test PKI is built here.
///
/// Files live in `dir`: `ca.cnf`, each certificate as `NAME.pem` and its key as `NAME.key`, and one database
/// directory per issuing authority (`openssl ca` reads it as `$ENV::CADIR`).
public final class OpenSSLCA {
    /// The command-line program.
    public static let openssl = "/usr/bin/openssl"

    /// The directory holding the configuration, keys, certificates and databases.
    public let dir: String
    /// The subject's O= of every certificate issued here.
    public let organization: String

    /// The kind of key a certificate gets.
    public enum KeyAlgorithm: Sendable {
        /// EC P-256.
        case p256
        /// RSA with 1024-bit modulus: too weak, for the cases that must be refused.
        case rsa1024
    }

    /// The configuration of every test PKI: one authority section reading its database from `$CADIR`, then the
    /// certificate profiles (`-extensions`) and CRL profiles (`-crlexts`) that `TSATest` and `RevocationPKI` name.
    public static let config = """
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
        # Certificate profiles: a root, an intermediate CA, a time-stamping authority.
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
        [ tsa_ext ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature
        extendedKeyUsage = critical,timeStamping
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        # TSATest: a TSA certificate whose EKU is not critical; a document signer.
        [ tsa_noncritical_ext ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature
        extendedKeyUsage = timeStamping
        [ signer_ext ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,nonRepudiation
        extendedKeyUsage = emailProtection
        # RevocationPKI: CAs with one flaw each, a CRL signing key, leaves with and without a policy.
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
        # RevocationPKI's CRL profiles: plain, an unknown critical extension, a delta, Issuing Distribution Points.
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

        """

    /// Writes `ca.cnf` (`config`) into `dir`, which must exist.
    public init(in dir: String, organization: String) throws {
        self.dir = dir
        self.organization = organization
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: dir + "/ca.cnf"))
    }

    /// Runs `openssl args…` in `dir`, `openssl ca` reading the database `database`; throws with what it said when it
    /// fails.
    @discardableResult
    public func openssl(_ args: [String], database: String? = nil) throws -> ProgramOutput {
        var environment = ProcessInfo.processInfo.environment
        if let database { environment["CADIR"] = database }
        let r = try runProgram(Self.openssl, args, in: dir, environment: environment)
        guard r.status == 0 else { throw FixtureError("openssl \(args.joined(separator: " ")) → \(r.status)", output: r.err) }
        return r
    }

    /// Makes an empty database directory `name` for an authority: no certificates yet, serials from 1000.
    public func database(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: "\(dir)/\(name)/new", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: "\(dir)/\(name)/index.txt"))
        try Data("1000\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name)/serial"))
        try Data("01\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name)/crlnumber"))
    }

    /// Makes `NAME.key` and `NAME.pem`: a new key and a certificate for CN=`cn` with the section `ext`, valid from
    /// `start` to `end` (openssl's YYYYMMDDHHMMSSZ), signed by `issuer`'s key (nil: self-signed) and recorded in the
    /// database `database` (default: the issuer's own, or for a self-signed one its own).
    public func issue(
        _ name: String, cn: String, ext: String, by issuer: String?, start: String, end: String, key: KeyAlgorithm = .p256,
        database: String? = nil
    ) throws {
        switch key {
        case .p256: try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(name).key"])
        case .rsa1024: try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "\(name).key"])
        }
        try openssl(["req", "-new", "-key", "\(name).key", "-subj", "/CN=\(cn)/O=\(organization)", "-out", "\(name).csr"])
        var args = [
            "ca", "-batch", "-config", "ca.cnf", "-in", "\(name).csr", "-out", "\(name).pem", "-extensions", ext,
            "-startdate", start, "-enddate", end, "-notext",
        ]
        if let issuer {
            args += ["-cert", "\(issuer).pem", "-keyfile", "\(issuer).key"]
        } else {
            args += ["-selfsign", "-keyfile", "\(name).key"]
        }
        try openssl(args, database: database ?? issuer ?? name)
    }

    /// Records `name`'s certificate as revoked (with `reason`, if any) in the database `database`, whose authority is
    /// `issuer`.
    public func revoke(_ name: String, database: String, issuer: String, reason: String? = nil) throws {
        var args = ["ca", "-config", "ca.cnf", "-revoke", "\(name).pem", "-cert", "\(issuer).pem", "-keyfile", "\(issuer).key"]
        if let reason { args += ["-crl_reason", reason] }
        try openssl(args, database: database)
    }

    /// Rewrites every revocation date of the database `database` to `date` (UTCTime, YYMMDDHHMMSSZ): `openssl ca`
    /// itself only revokes as of now.
    public func backdateRevocations(in database: String, to date: String) throws {
        let path = "\(dir)/\(database)/index.txt"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let rewritten = lines.map { line -> String in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > 2, fields[0] == "R" else { return String(line) }
            var f = fields
            // The third field is the revocation date, then ",reason" when there is one.
            let reason = f[2].firstIndex(of: ",").map { String(f[2][$0...]) } ?? ""
            f[2] = date + reason
            return f.joined(separator: "\t")
        }
        try Data(rewritten.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Issues `out.pem`, a CRL of the database `database` signed with `cert`/`key`, its extensions from the section
    /// `ext`, its thisUpdate `last` and nextUpdate `next` (YYYYMMDDHHMMSSZ).
    public func crl(database: String, cert: String, key: String, ext: String, last: String, next: String, out: String) throws {
        try openssl(
            [
                "ca", "-batch", "-config", "ca.cnf", "-gencrl", "-cert", "\(cert).pem", "-keyfile", "\(key).key", "-crlexts", ext,
                "-crl_lastupdate", last, "-crl_nextupdate", next, "-out", "\(out).pem",
            ], database: database)
    }
}
