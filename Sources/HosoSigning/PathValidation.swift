import COpenSSL
import Foundation
import HosoCore

/// What OpenSSL's RFC 5280 path validation (§6, with the CRL processing of §6.3) found for one certificate at one
/// time. The verify callback records every error and lets validation go on, so one run tells all that is wrong; hoso
/// then decides (revocation dates against proof of existence, the grace period, which reason wins).
struct PathFindings: Sendable {
    struct Finding: Sendable {
        var code: Int32
        var depth: Int
        /// The subject of the certificate the error is about (empty when OpenSSL names none, e.g. policy errors).
        var subject: String
        /// CERT_REVOKED: the revocation date in the CRL OpenSSL chose; CRL_HAS_EXPIRED: that CRL's nextUpdate.
        var date: Date?

        var text: String {
            String(cString: X509_verify_cert_error_string(Int(code)))
                + (subject.isEmpty ? "" : " (\(subject))")
        }
    }

    /// The length of the chain OpenSSL built (not the certificates: a cached result outlives the X509 objects).
    var chainLength = 0
    var findings: [Finding] = []

    func first(_ codes: Set<Int32>) -> Finding? { findings.first { codes.contains($0.code) } }
}

/// Collects the verify callback's findings; reached from the C callback through the context's ex_data slot 0.
private final class FindingsBox {
    var findings: [PathFindings.Finding] = []
    var roots: Set<[UInt8]> = []
}

/// Errors the callback lets pass: times are judged by hoso's own step (claimed time vs proven time), a CRL newer than
/// the judged time is newer evidence (proof-of-existence model), and revocation dates are judged by hoso.
private let toleratedInCRLPaths: Set<Int32> = [
    X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CRL_NOT_YET_VALID,
]

private let recordingCallback: X509_STORE_CTX_verify_cb = { ok, ctx in
    guard ok != 1, let ctx else { return ok }
    let err = X509_STORE_CTX_get_error(ctx)
    guard let raw = X509_STORE_CTX_get_ex_data(ctx, 0) else {
        // The nested context OpenSSL makes to validate a CRL issuer's own path (check_crl_path): anything but the
        // time rules above makes that CRL unusable, which the outer run reports as a CRL path error.
        return toleratedInCRLPaths.contains(err) ? 1 : 0
    }
    let box = Unmanaged<FindingsBox>.fromOpaque(raw).takeUnretainedValue()
    let cert = X509_STORE_CTX_get_current_cert(ctx)
    var f = PathFindings.Finding(
        code: err, depth: Int(X509_STORE_CTX_get_error_depth(ctx)),
        subject: cert.map { OpenSSL.nameText(X509_get_subject_name($0)) } ?? "")
    if err == X509_V_ERR_CERT_REVOKED, let crl = X509_STORE_CTX_get0_current_crl(ctx), let cert {
        var entry: OpaquePointer?
        if X509_CRL_get0_by_cert(crl, &entry, cert) == 1, let entry {
            f.date = OpenSSL.date(X509_REVOKED_get0_revocationDate(entry)) ?? .distantPast
        }
    }
    if err == X509_V_ERR_CRL_HAS_EXPIRED, let crl = X509_STORE_CTX_get0_current_crl(ctx) {
        f.date = OpenSSL.date(X509_CRL_get0_nextUpdate(crl))
    }
    box.findings.append(f)
    return 1
}

extension SignatureVerifier {
    static let anyPolicy = "2.5.29.32.0"

    /// Runs OpenSSL's path validation of `leaf` at `time` with the given CRLs: CRL_CHECK | CRL_CHECK_ALL (every
    /// certificate of the path), extended CRL support (indirect CRLs, reason partitions, CRL issuers other than the
    /// certificate's issuer key), strict X.509 profile checks and certificate policy processing.
    ///
    /// The result is cached: it depends on the certificates offered (roots, leaf, the untrusted pool in order), the
    /// CRLs, the purpose and the policy set, and on the time only through comparisons with the dates those carry
    /// (validity periods, thisUpdate/nextUpdate, revocation dates). Any two times between the same two consecutive
    /// dates (or both exactly on one) give the same findings, so the key names that window, not the time.
    func validatePath(
        _ leaf: Certificate, untrusted: [Certificate], crls: [CRL], at time: Date, purpose: Int32? = nil
    ) -> PathFindings {
        let seconds = Int64(time.timeIntervalSince1970.rounded(.down))
        let certs = trust.roots + [leaf] + untrusted
        var bounds = [Int64]()
        bounds.reserveCapacity(certs.count * 2 + crls.count * 2)
        for c in certs { bounds += [Self.seconds(c.notBefore), Self.seconds(c.notAfter)] }
        for c in crls { bounds += cache.crlDates(c) { Self.dates(of: c) } }
        var key = certs.map(\.fingerprint).joined(separator: ",")
        key += "|" + crls.map(\.fingerprint).joined(separator: ",")
        key += "|\(purpose.map(String.init) ?? "-")|" + (policy.certificatePolicies?.sorted().joined(separator: ",") ?? "*")
        key += "|" + Self.window(seconds, bounds) + "|\(certs.count)/\(crls.count)"
        if let hit = cache.paths.get(key) { return hit }
        let found = runPathValidation(leaf, untrusted: untrusted, crls: crls, at: time, purpose: purpose)
        cache.pathRuns.add(1, ordering: .relaxed)
        cache.paths.put(key, found, cost: key.utf8.count + 96 * (found.findings.count + 1))
        return found
    }

    static func seconds(_ d: Date) -> Int64 {
        let t = d.timeIntervalSince1970.rounded(.down)
        return t.isFinite ? Int64(max(min(t, 1e15), -1e15)) : 0
    }

    /// Where `t` lies among `bounds`: exactly on one of them, or strictly between the nearest below and above. Two
    /// times with the same answer compare alike with every bound (whichever of <, <= OpenSSL uses).
    static func window(_ t: Int64, _ bounds: [Int64]) -> String {
        var lo = Int64.min
        var hi = Int64.max
        for b in bounds {
            if b == t { return "=\(t)" }
            if b < t { lo = max(lo, b) } else { hi = min(hi, b) }
        }
        return "\(lo)<t<\(hi)"
    }

    /// The dates of a CRL the verdict can turn on: thisUpdate, nextUpdate and every revocation date.
    static func dates(of crl: CRL) -> [Int64] {
        var out = [seconds(crl.thisUpdate)] + (crl.nextUpdate.map { [seconds($0)] } ?? [])
        if let list = X509_CRL_get_REVOKED(crl.crl) {
            for i in 0..<hoso_sk_revoked_num(list) {
                guard let r = hoso_sk_revoked_value(list, i) else { continue }
                out.append(seconds(OpenSSL.date(X509_REVOKED_get0_revocationDate(r)) ?? .distantPast))
            }
        }
        return Array(Set(out))
    }

    /// One uncached run of OpenSSL's path validation (see `validatePath`).
    private func runPathValidation(
        _ leaf: Certificate, untrusted: [Certificate], crls: [CRL], at time: Date, purpose: Int32?
    ) -> PathFindings {
        var out = PathFindings()
        guard let store = X509_STORE_new() else { return out }
        defer { X509_STORE_free(store) }
        for root in trust.roots { X509_STORE_add_cert(store, root.x509) }
        guard let ctx = X509_STORE_CTX_new() else { return out }
        defer { X509_STORE_CTX_free(ctx) }
        guard let sk = hoso_sk_x509_new() else { return out }
        defer { hoso_sk_x509_free(sk) }
        for c in untrusted { _ = hoso_sk_x509_push(sk, c.x509) }
        guard let crlStack = hoso_sk_crl_new() else { return out }
        defer { hoso_sk_crl_free(crlStack) }
        for c in crls { _ = hoso_sk_crl_push(crlStack, c.crl) }
        guard X509_STORE_CTX_init(ctx, store, leaf.x509, sk) == 1, let param = X509_STORE_CTX_get0_param(ctx) else { return out }
        X509_STORE_CTX_set0_crls(ctx, crlStack)
        if let purpose { _ = X509_STORE_CTX_set_purpose(ctx, purpose) }
        var flags =
            X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL | X509_V_FLAG_EXTENDED_CRL_SUPPORT | X509_V_FLAG_X509_STRICT
            | X509_V_FLAG_POLICY_CHECK
        // The initial policy set is always given: OpenSSL takes an empty one as "no policy acceptable", so a CA that
        // requires an explicit policy would fail every path. Default: anyPolicy.
        var initial = [Self.anyPolicy]
        if let policies = policy.certificatePolicies, !policies.isEmpty {
            flags |= X509_V_FLAG_EXPLICIT_POLICY
            initial = policies.sorted()
        }
        for oid in initial {
            if let obj = OBJ_txt2obj(oid, 1), X509_VERIFY_PARAM_add0_policy(param, obj) != 1 { ASN1_OBJECT_free(obj) }
        }
        X509_VERIFY_PARAM_set_flags(param, UInt(flags))
        X509_VERIFY_PARAM_set_time(param, time_t(time.timeIntervalSince1970.rounded(.down)))
        let box = FindingsBox()
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        X509_STORE_CTX_set_ex_data(ctx, 0, unmanaged.toOpaque())
        X509_STORE_CTX_set_verify_cb(ctx, recordingCallback)
        defer { _ = OpenSSL.drainErrors() }
        let ok = X509_verify_cert(ctx)
        if let chain = X509_STORE_CTX_get0_chain(ctx) { out.chainLength = Int(hoso_sk_x509_num(chain)) }
        out.findings = box.findings
        if ok != 1, out.findings.isEmpty {
            out.findings.append(.init(code: X509_STORE_CTX_get_error(ctx), depth: 0, subject: leaf.subject))
        }
        // The trust anchor's own revocation is not asked for (RFC 5280 §6.1: the anchor is an input, not a path
        // certificate), so a missing CRL for it is not a finding.
        let top = out.chainLength - 1
        out.findings.removeAll { f in
            f.depth == top && top > 0
                && [X509_V_ERR_UNABLE_TO_GET_CRL, X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER].contains(f.code)
        }
        return out
    }

    /// The CRLs that concern `chain` (those naming one of its issuers), from the trust context and the signature.
    /// `relevant`: every one whose signer meets the key size rule, for hoso's scan of revocations; `complete`: those
    /// minus delta CRLs, handed to OpenSSL (a delta CRL is never a complete list, whatever else it says); `refused`:
    /// why a CRL was set aside.
    func candidateCRLs(
        for chain: [Certificate], embedded: [CRL], untrusted: [Certificate]
    ) -> (complete: [CRL], relevant: [CRL], refused: [LocalizedText]) {
        var seen = Set<String>()
        let all = (trust.crls + embedded).filter { seen.insert($0.fingerprint).inserted }
        let issuers = Set(chain.map(\.issuer))
        var relevant = [CRL]()
        var refused = [LocalizedText]()
        for crl in all where issuers.contains(crl.issuer) {
            let signers = crlSigners(crl, pool: chain + untrusted + trust.roots)
            if !signers.isEmpty, !signers.contains(where: { $0.publicKey.isStrongEnough }) {
                let when = HosoClock.format(crl.thisUpdate)
                refused.append(
                    .both(
                        "bỏ qua CRL \(crl.issuer) \(when): khóa ký \(signers[0].publicKey) quá yếu",
                        "CRL \(crl.issuer) \(when) set aside: its signing key \(signers[0].publicKey) is too weak"))
                continue
            }
            relevant.append(crl)
        }
        return (relevant.filter { !$0.isDelta }, relevant, refused)
    }

    /// The certificates among `pool` named as `crl`'s issuer whose key signed it.
    func crlSigners(_ crl: CRL, pool: [Certificate]) -> [Certificate] {
        var seen = Set<String>()
        return pool.filter { c in
            c.subject == crl.issuer && seen.insert(c.fingerprint).inserted && cache.crlSigned(crl, by: c) { crl.isSigned(by: c) }
        }
    }

    /// hoso's rule on top of OpenSSL's choice of one CRL: a revocation listed in any authentic CRL of the certificate's
    /// CA counts (a revocation is never undone). Authentic: a CRL OpenSSL could use at all (no unhandled critical
    /// extension), signed by the issuing CA's key or by another key certified for the same CA name that chains to a
    /// trusted root and may sign CRLs (key rollover, a separate CRL signing key), with a key of the allowed size.
    func earliestRevocation(of cert: Certificate, issuer: Certificate, crls: [CRL], untrusted: [Certificate]) -> Date? {
        var earliest: Date?
        // A CRL limited to attribute certificates lists their serials, not those of public-key certificates.
        for crl in crls where crl.issuer == cert.issuer && !crl.hasUnhandledCriticalExtension && !crl.onlyAttributeCertificates {
            guard let at = crl.revocationDate(of: cert) else { continue }
            let signers = crlSigners(crl, pool: [issuer] + untrusted)
            let authentic = signers.contains { s in
                guard s.publicKey.isStrongEnough, s.mayIssueCRLs else { return false }
                return s == issuer || cachedChain(s, untrusted: untrusted) != nil
            }
            if authentic, earliest.map({ at < $0 }) ?? true { earliest = at }
        }
        return earliest
    }
}

extension CRL {
    /// RFC 5280 §5.2: a CRL with a critical extension the processor does not handle must not be used. Handled here
    /// are the ones OpenSSL handles (authority key identifier, issuing distribution point, delta CRL indicator).
    var hasUnhandledCriticalExtension: Bool {
        let handled: Set<Int32> = [NID_authority_key_identifier, NID_issuing_distribution_point, NID_delta_crl]
        for i in 0..<X509_CRL_get_ext_count(crl) {
            guard let ext = X509_CRL_get_ext(crl, i) else { continue }
            if X509_EXTENSION_get_critical(ext) != 0, !handled.contains(OBJ_obj2nid(X509_EXTENSION_get_object(ext))) { return true }
        }
        return false
    }

    /// The Issuing Distribution Point says onlyContainsAttributeCerts (RFC 5280 §5.2.5).
    var onlyAttributeCertificates: Bool {
        var crit: Int32 = 0
        guard let raw = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit, nil) else { return false }
        let idp = raw.assumingMemoryBound(to: ISSUING_DIST_POINT.self)
        defer { ISSUING_DIST_POINT_free(idp) }
        return idp.pointee.onlyattr != 0
    }

    /// A delta CRL (RFC 5280 §5.2.4) lists only changes since a base CRL: never a complete list.
    var isDelta: Bool { X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0 }
}

extension Certificate {
    /// No keyUsage extension, or one with cRLSign (RFC 5280 §4.2.1.3).
    var mayIssueCRLs: Bool { keyUsage.map { $0 & UInt32(KU_CRL_SIGN) != 0 } ?? true }
}
