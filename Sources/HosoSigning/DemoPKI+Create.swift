import Foundation
import HosoCore

extension DemoPKI {
    // MARK: Creating it

    /// The longest TSA lifetime `create` makes, in years.
    public static let maxTSAYears = 100

    /// Writes the demo PKI into `dir`, which must not exist or be empty. Everything is made in memory first and
    /// written into a hidden sibling directory that is renamed into place at the end: `dir` appears whole or not at all.
    /// - Parameter tsaYears: the TSA certificate's lifetime from now, in years (1 to `maxTSAYears`; default: `Dates.tsa`, two); the CAs
    ///   are then made to last at least as long, so its chain holds to its end (a renewal that must reach far ahead).
    public static func create(at dir: String, clock: HosoClock, password: String, tsaYears: Int? = nil) throws -> Manifest {
        let target = normalized(dir)
        try requireEmptyOrAbsent(target, shown: dir)

        var build = Build(now: clock.now(), password: password)
        build.tsaUntil = tsaYears.map { TimeInterval(min(max($0, 1), maxTSAYears)) * Dates.year }
        // Roots and intermediates.
        for p in rootPlans { try build.authority(p) }
        for p in intermediatePlans { try build.authority(p) }
        // People and the TSA.
        for plan in identityPlans { try build.identity(plan) }
        // CRLs from every CA.
        try build.addCRLs()
        let manifest = try build.manifest()

        try publish(build.files, at: target, shown: dir)
        return manifest
    }

    /// What `create` makes in memory, stage by stage, before anything is written.
    struct Build {
        let now: Date
        let password: String
        /// The TSA certificate's end, from now, when not the default; every CA lasts at least as long.
        var tsaUntil: TimeInterval?
        var ids = [String: SigningIdentity]()
        var roots = [Authority](), intermediates = [Authority]()
        var identities = [Identity]()
        var revocations = [String: [PKI.Revocation]]()
        var crls = [CRLFile]()
        var files = [(path: String, bytes: [UInt8], secret: Bool)]()

        init(now: Date, password: String) {
            self.now = now
            self.password = password
        }

        /// A root or an intermediate: its key, its certificate (issued by its parent, made before it) and its files.
        mutating func authority(_ plan: AuthorityPlan) throws {
            let iso = HosoClock.format
            let key = try PrivateKey.generate(plan.key)
            let parent = plan.parent.map { ids[$0]! }
            let spec = CertificateSpec(
                subject: [.country("VN"), .organization(pkiOrg), .commonName(plan.commonName)],
                notBefore: now + (parent == nil ? Dates.root : Dates.intermediate).from,
                notAfter: now + max((parent == nil ? Dates.root : Dates.intermediate).to, tsaUntil ?? 0),
                isCA: true, pathLength: parent == nil ? nil : 0,
                keyUsage: [.keyCertSign, .cRLSign], keyUsageCritical: true,
                crlDistributionPoint: plan.parent.map { crlBase + $0 + ".crl" })
            let cert = try PKI.issue(spec, key: key, issuer: parent)
            ids[plan.name] = SigningIdentity(key: key, certificate: cert, chain: parent.map { [$0.certificate] } ?? [])
            let isRoot = plan.parent == nil
            let file = (isRoot ? "roots/" : "ca/") + plan.name + ".pem"
            files.append((file, Array(cert.pem.utf8), false))
            let keyFile = isRoot ? nil : "keys/" + plan.name + ".key.pem"
            if let keyFile { files.append((keyFile, Array(try key.pkcs8PEM().utf8), true)) }
            let a = Authority(
                name: plan.name, commonName: plan.commonName, key: plan.key.rawValue, issuer: plan.parent ?? plan.name,
                certificate: file, crl: "crl/\(plan.name).crl", notBefore: iso(cert.notBefore),
                notAfter: iso(cert.notAfter), serial: cert.serialHex, keyFile: keyFile)
            if isRoot { roots.append(a) } else { intermediates.append(a) }
        }

        /// A signer or the TSA: key, certificate (with the plan's awkward case), its files, and its revocation if any.
        mutating func identity(_ plan: IdentityPlan) throws {
            let iso = HosoClock.format
            let key = try PrivateKey.generate(plan.key)
            let ca = ids[plan.issuer]!
            var spec = Self.spec(plan, now: now)
            if plan.role == .tsa, let tsaUntil { spec.notAfter = now + tsaUntil }
            let cert = try PKI.issue(spec, key: key, issuer: ca)
            // The chain up to, not including, the root.
            let chain = ca.chain.isEmpty ? [] : [ca.certificate]
            let id = SigningIdentity(key: key, certificate: cert, chain: chain)
            var revokedAt: Date?
            if plan.status == .revoked {
                let at = now + Dates.revocation
                revokedAt = at
                revocations[plan.issuer, default: []].append(PKI.Revocation(cert, at: at))
            }
            let f = Files(p12: plan.name + ".p12", certificate: plan.name + ".crt.pem", key: "keys/" + plan.name + ".key.pem")
            files.append((f.p12, try PKCS12.export(id, password: password, name: plan.commonName), true))
            files.append((f.certificate, Array(cert.pem.utf8), false))
            files.append((f.key, Array(try key.pkcs8PEM().utf8), true))
            identities.append(
                Identity(
                    name: plan.name, role: plan.role, status: plan.status, commonName: plan.commonName,
                    organization: plan.organization, title: plan.title, key: plan.key.rawValue,
                    issuer: plan.issuer, root: intermediatePlans.first { $0.name == plan.issuer }?.parent ?? "",
                    files: f, notBefore: iso(cert.notBefore), notAfter: iso(cert.notAfter),
                    serial: cert.serialHex, revokedAt: revokedAt.map(iso)))
        }

        /// The certificate an identity plan asks for.
        static func spec(_ plan: IdentityPlan, now: Date) -> CertificateSpec {
            var subject: [CertificateSpec.NameAttribute] = [.country("VN"), .organization(plan.organization)]
            if let title = plan.title { subject.append(.title(title)) }
            subject.append(.commonName(plan.commonName))
            var spec = CertificateSpec(
                subject: subject, notBefore: now + Dates.leaf.from, notAfter: now + Dates.leaf.to,
                keyUsage: [.digitalSignature, .nonRepudiation], keyUsageCritical: true,
                extendedKeyUsage: [OID.emailProtection, OID.documentSigning],
                crlDistributionPoint: crlBase + plan.issuer + ".crl")
            switch plan.status {
            case .expired:
                spec.notBefore = now + Dates.expiredLeaf.from
                spec.notAfter = now + Dates.expiredLeaf.to
            case .wrongKeyUsage:
                spec.keyUsage = [.keyEncipherment]
            case .valid, .revoked:
                break
            }
            if plan.role == .tsa {
                spec.notBefore = now + Dates.tsa.from
                spec.notAfter = now + Dates.tsa.to
                spec.extendedKeyUsage = [OID.timeStamping]
                spec.extendedKeyUsageCritical = true  // RFC 3161 §2.3
            }
            return spec
        }

        /// A CRL from every CA, listing the revocations made so far.
        mutating func addCRLs() throws {
            let iso = HosoClock.format
            let thisUpdate = now + Dates.crl.from
            let nextUpdate = now + Dates.crl.to
            for plan in rootPlans + intermediatePlans {
                let revoked = revocations[plan.name] ?? []
                let crl = try PKI.crl(issuer: ids[plan.name]!, revoked: revoked, thisUpdate: thisUpdate, nextUpdate: nextUpdate, number: 1)
                let entry = CRLFile(
                    issuer: plan.name, der: "crl/\(plan.name).crl", pem: "crl/\(plan.name).crl.pem", number: 1,
                    thisUpdate: iso(crl.thisUpdate), nextUpdate: iso(crl.nextUpdate ?? nextUpdate),
                    revokedSerials: crl.revoked.map(\.serial))
                files.append((entry.der, crl.der, false))
                files.append((entry.pem, Array(crl.pem.utf8), false))
                crls.append(entry)
            }
        }

        /// The manifest of everything made, with pki.json and README.txt added to the files.
        mutating func manifest() throws -> Manifest {
            let manifest = Manifest(
                testOnly: true, createdAt: HosoClock.format(now), password: password, roots: roots,
                intermediates: intermediates, identities: identities, crls: crls)
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            files.append(("pki.json", Array(try enc.encode(manifest)) + [0x0a], false))
            files.append(("README.txt", Array(readme(manifest).utf8), false))
            return manifest
        }
    }

    /// The intermediate that issues sync-node certificates.
    public static let nodeIssuer = "ca-dich-vu"

    /// Issues a fresh sync-node identity (a new P-256 key and a certificate for signing bundles and sync requests) from
    /// the demo PKI in `dir`, valid as long as its leaves. Nothing is written: the caller keeps the key. TEST ONLY.
    public static func issueNode(pki dir: String, name: String, organization: String, clock: HosoClock) throws -> SigningIdentity {
        let m = try manifest(at: dir)
        guard let ca = m.authority(nodeIssuer), let keyFile = ca.keyFile else {
            throw HosoError(
                .invalidManifest,
                .both(
                    "PKI thử nghiệm này không có khóa CA để cấp chứng thư cho nút (tạo lại bằng `hoso pki demo`)",
                    "This test PKI has no CA key to issue node certificates (make a new one with `hoso pki demo`)"),
                location: dir + "/pki.json")
        }
        let caCert = try Certificate.load(file: dir + "/" + ca.certificate)[0]
        let caKey = try PrivateKey.load(pem: try Certificate.readFile(dir + "/" + keyFile), source: keyFile)
        let issuer = SigningIdentity(key: caKey, certificate: caCert)
        let key = try PrivateKey.generate(.ecP256)
        let now = clock.now()
        let spec = CertificateSpec(
            subject: [.country("VN"), .organization(organization), .organizationalUnit("hoso sync node"), .commonName(name)],
            notBefore: now + Dates.leaf.from, notAfter: now + Dates.leaf.to,
            keyUsage: [.digitalSignature], keyUsageCritical: true, extendedKeyUsage: [OID.documentSigning],
            crlDistributionPoint: crlBase + nodeIssuer + ".crl")
        return SigningIdentity(key: key, certificate: try PKI.issue(spec, key: key, issuer: issuer), chain: [caCert])
    }
}
