import COpenSSL
import Foundation
import HosoCore

// MARK: - Token

/// The outcome of checking a time-stamp token. Bad tokens are values, not errors.
public enum TimeStampCheck: Sendable, Equatable {
    /// Signed by a TSA that chains to a trusted root at `genTime`, over the expected imprint.
    case valid(genTime: Date, tsa: Certificate)
    /// The token is for other data.
    case imprintMismatch
    /// The signature, the signed content or the ESS signing-certificate attribute does not check out.
    case badSignature
    /// The TSA certificate is missing or does not chain to a trusted root at the time the token claims.
    case untrustedTSA
    /// The signer's certificate is not a TSA certificate (critical extendedKeyUsage timeStamping only).
    case notATimeStampingCertificate
    /// Not a time-stamp token at all.
    case malformed
}

/// An RFC 3161 TimeStampToken: a CMS SignedData over a TSTInfo. Keeps the exact DER it was read from.
public struct TimeStampToken: Sendable {
    public struct Accuracy: Sendable, Equatable {
        public var seconds: Int, millis: Int, micros: Int
        public var interval: TimeInterval { Double(seconds) + Double(millis) / 1e3 + Double(micros) / 1e6 }
    }

    public let der: [UInt8]
    /// When the TSA says the imprint existed, with fractional seconds when the token has them.
    public let genTime: Date
    public let imprintAlgorithmOID: String
    /// nil when the imprint uses an algorithm hoso does not accept (e.g. SHA-1).
    public var imprintAlgorithm: TimeStampHash? { TimeStampHash(oid: imprintAlgorithmOID) }
    public let imprint: [UInt8]
    /// The token's serial number, lowercase hex.
    public let serialHex: String
    public let policy: String
    /// The nonce, lowercase hex, when the request had one.
    public let nonceHex: String?
    public let accuracy: Accuracy?
    /// The certificate that signed the token, when the token carries it.
    public let tsaCertificate: Certificate?
    /// Every certificate inside the token.
    public let certificates: [Certificate]

    /// The bytes OpenSSL parses when verifying: `der` without its certificates when they were split off (they are
    /// given to OpenSSL already parsed), else `der` itself.
    private let body: [UInt8]

    public init(der: [UInt8]) throws {
        try self.init(der: der) { try Certificate(der: Array($0)) }
    }

    /// Reads a token, taking the certificates it carries from `certificate` (given each one's exact DER): a verifier
    /// passes its cache, so the same TSA certificates are not decoded again for every token (OpenSSL 3.0 decodes
    /// each certificate's public key on every parse, most of a token's cost).
    init(der: [UInt8], certificate: (ArraySlice<UInt8>) throws -> Certificate) throws {
        func malformed(_ vi: String, _ en: String) -> HosoError {
            HosoError(
                .badTimestamp, .both("Dấu thời gian không hợp lệ: " + vi, "Not a valid time-stamp token: " + en),
                cause: OpenSSL.drainErrors())
        }
        // Split off the certificates only when there is nothing else to read there: no CRLs, plain certificates.
        let parts = SignedData.split(der).flatMap { p in
            p.crls.isEmpty && p.certificates.allSatisfy({ $0.first == 0x30 }) ? p : nil
        }
        let body = parts?.stripped ?? der
        guard let cms = OpenSSL.parseDER(body, { d2i_CMS_ContentInfo(nil, $0, $1) }, free: { CMS_ContentInfo_free($0) }) else {
            throw malformed("không phải CMS", "not CMS")
        }
        defer { CMS_ContentInfo_free(cms) }
        guard OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed,
            OBJ_obj2nid(CMS_get0_eContentType(cms)) == NID_id_smime_ct_TSTInfo,
            let content = CMS_get0_content(cms)?.pointee
        else { throw malformed("không chứa TSTInfo", "no TSTInfo inside") }
        guard let infos = CMS_get0_SignerInfos(cms), hoso_sk_signerinfo_num(infos) == 1,
            let si = hoso_sk_signerinfo_value(infos, 0)
        else { throw malformed("cần đúng một người ký", "exactly one signer is needed") }
        guard
            let tst = OpenSSL.parseDER(
                OpenSSL.bytes(content), { d2i_TS_TST_INFO(nil, $0, $1) },
                free: { TS_TST_INFO_free($0) })
        else { throw malformed("TSTInfo không đọc được", "unreadable TSTInfo") }
        defer { TS_TST_INFO_free(tst) }

        guard TS_TST_INFO_get_version(tst) == 1,
            let time = TS_TST_INFO_get_time(tst), let gen = Self.date(time),
            let mi = TS_TST_INFO_get_msg_imprint(tst), let algor = TS_MSG_IMPRINT_get_algo(mi),
            let msg = TS_MSG_IMPRINT_get_msg(mi)
        else { throw malformed("TSTInfo thiếu trường bắt buộc", "TSTInfo lacks a required field") }
        var algObj: OpaquePointer?
        X509_ALGOR_get0(&algObj, nil, nil, algor)

        self.der = der
        self.body = body
        genTime = gen
        imprintAlgorithmOID = OpenSSL.oidText(algObj)
        imprint = OpenSSL.bytes(msg)
        serialHex = Certificate.serialHex(TS_TST_INFO_get_serial(tst))
        policy = OpenSSL.oidText(TS_TST_INFO_get_policy_id(tst))
        nonceHex = TS_TST_INFO_get_nonce(tst).map { Certificate.serialHex($0) }
        if let acc = TS_TST_INFO_get_accuracy(tst) {
            func n(_ i: UnsafePointer<ASN1_INTEGER>?) -> Int { i.map { ASN1_INTEGER_get($0) } ?? 0 }
            accuracy = Accuracy(
                seconds: n(TS_ACCURACY_get_seconds(acc)), millis: n(TS_ACCURACY_get_millis(acc)),
                micros: n(TS_ACCURACY_get_micros(acc)))
        } else {
            accuracy = nil
        }

        var certs = [Certificate]()
        if let parts {
            certs = try parts.certificates.map { d in
                do { return try certificate(d) } catch { throw malformed("chứng thư không đọc được", "an unreadable certificate") }
            }
        } else if let stack = CMS_get1_certs(cms) {
            defer { hoso_sk_x509_pop_free(stack) }
            for i in 0..<hoso_sk_x509_num(stack) {
                guard let x = hoso_sk_x509_value(stack, i) else { continue }
                certs.append(try Certificate(der: try OpenSSL.der { i2d_X509(x, $0) }))
            }
        }
        certificates = certs
        // The first certificate the SignerInfo names, as OpenSSL picks it.
        tsaCertificate = certs.first { CMS_SignerInfo_cert_cmp(si, $0.x509) == 0 }
        _ = OpenSSL.drainErrors()
    }

    /// Parses and verifies in one step; bytes that are not a token at all give `.malformed`.
    public static func check(
        der: [UInt8], imprint: [UInt8], trustedRoots: [Certificate],
        intermediates: [Certificate] = []
    ) -> TimeStampCheck {
        guard let token = try? TimeStampToken(der: der) else { return .malformed }
        return token.verify(imprint: imprint, trustedRoots: trustedRoots, intermediates: intermediates)
    }

    /// Checks, in this order: the imprint is `imprint`; the signature and the ESS signing-certificate attribute hold;
    /// the signer is a TSA certificate; its chain leads to one of `trustedRoots` **at genTime** (so a token stays
    /// checkable after the TSA certificate expires). `intermediates` add to the certificates inside the token.
    public func verify(
        imprint expected: [UInt8], trustedRoots: [Certificate],
        intermediates: [Certificate] = []
    ) -> TimeStampCheck {
        defer { _ = OpenSSL.drainErrors() }
        guard expected == imprint else { return .imprintMismatch }
        guard let cms = OpenSSL.parseDER(body, { d2i_CMS_ContentInfo(nil, $0, $1) }, free: { CMS_ContentInfo_free($0) }),
            let p7 = Self.parsePKCS7(body)
        else { return .malformed }
        defer {
            CMS_ContentInfo_free(cms)
            PKCS7_free(p7)
        }
        guard let infos = CMS_get0_SignerInfos(cms), hoso_sk_signerinfo_num(infos) == 1,
            let si = hoso_sk_signerinfo_value(infos, 0)
        else { return .malformed }

        let pool = certificates + intermediates.filter { !certificates.contains($0) }
        guard let tsa = tsaCertificate ?? intermediates.first(where: { CMS_SignerInfo_cert_cmp(si, $0.x509) == 0 }) else {
            return .untrustedTSA
        }
        guard let untrusted = Self.stack(pool) else { return .malformed }
        defer { hoso_sk_x509_pop_free(untrusted) }

        // 1. The signature over the signed attributes and the content digest, with the signer's key only.
        let flags = UInt32(CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY)
        guard CMS_verify(cms, untrusted, nil, nil, nil, flags) == 1 else { return .badSignature }
        // 2. A TSA certificate: extendedKeyUsage critical, timeStamping only (and a fitting keyUsage if present).
        guard X509_check_purpose(tsa.x509, X509_PURPOSE_TIMESTAMP_SIGN, 0) == 1 else { return .notATimeStampingCertificate }
        // 3. The chain at genTime. A chain already built for this TSA certificate, pool and roots has had its
        //    signatures and purposes checked; only the validity periods depend on genTime, and they are checked
        //    again here. Anything but success on that short path takes the full path below.
        let chainKey = TSAChainCache.key(tsa: tsa, pool: pool, roots: trustedRoots)
        let time = time_t(genTime.timeIntervalSince1970.rounded(.down))
        if let chain = TSAChainCache.shared.chain(chainKey), chain.allSatisfy({ TSAChainCache.isValid($0.x509, at: time) }) {
            return verifyWithOpenSSL(p7, roots: trustedRoots, pool: pool, tsa: tsa)
        }
        guard let store = makeStore(trustedRoots) else { return .malformed }
        defer { X509_STORE_free(store) }
        guard let sctx = X509_STORE_CTX_new() else { return .malformed }
        defer { X509_STORE_CTX_free(sctx) }
        guard X509_STORE_CTX_init(sctx, store, tsa.x509, untrusted) == 1,
            X509_STORE_CTX_set_purpose(sctx, X509_PURPOSE_TIMESTAMP_SIGN) == 1
        else { return .malformed }
        guard X509_verify_cert(sctx) == 1 else { return .untrustedTSA }
        if let built = X509_STORE_CTX_get0_chain(sctx) {
            let all = [tsa] + pool + trustedRoots
            let chain = (0..<hoso_sk_x509_num(built)).compactMap { i -> Certificate? in
                guard let x = hoso_sk_x509_value(built, i) else { return nil }
                return all.first { X509_cmp($0.x509, x) == 0 }
            }
            if chain.count == Int(hoso_sk_x509_num(built)) { TSAChainCache.shared.store(chainKey, chain) }
        }
        // 4. OpenSSL's own RFC 3161 check, which also matches the ESS signing-certificate(-v2) against the chain.
        return verifyWithOpenSSL(p7, roots: trustedRoots, pool: pool, tsa: tsa)
    }

    private func verifyWithOpenSSL(
        _ p7: UnsafeMutablePointer<PKCS7>, roots: [Certificate], pool: [Certificate],
        tsa: Certificate
    ) -> TimeStampCheck {
        guard let vctx = TS_VERIFY_CTX_new() else { return .malformed }
        defer { TS_VERIFY_CTX_free(vctx) }
        // The context frees what it is given: the store, the certificate stack and the imprint buffer.
        // The chain it builds again is the one step 3 checked: its signatures are not verified a second time
        // (`TSAChainCache.verifyChain`), its validity periods are.
        guard let store = makeStore(roots) else { return .malformed }
        X509_STORE_set_verify(store, TSAChainCache.verifyChain)
        TS_VERIFY_CTX_set_store(vctx, store)
        guard let certs = Self.stack(pool.contains(tsa) ? pool : pool + [tsa]) else { return .malformed }
        TS_VERIFY_CTX_set_certs(vctx, certs)
        guard let buf = hoso_openssl_malloc(imprint.count)?.assumingMemoryBound(to: UInt8.self) else { return .malformed }
        buf.initialize(from: imprint, count: imprint.count)
        TS_VERIFY_CTX_set_imprint(vctx, buf, imprint.count)
        TS_VERIFY_CTX_set_flags(vctx, Int32(TS_VFY_SIGNATURE | TS_VFY_VERSION | TS_VFY_IMPRINT))

        if TS_RESP_verify_token(vctx, p7) == 1 { return .valid(genTime: genTime, tsa: tsa) }
        var reasons = Set<Int32>()
        while true {
            let e = ERR_get_error()
            if e == 0 { break }
            if ERR_GET_LIB(e) == ERR_LIB_TS { reasons.insert(ERR_GET_REASON(e)) }
        }
        if reasons.contains(TS_R_CERTIFICATE_VERIFY_ERROR) || reasons.contains(TS_R_TSA_UNTRUSTED) { return .untrustedTSA }
        if reasons.contains(TS_R_MESSAGE_IMPRINT_MISMATCH) { return .imprintMismatch }
        return .badSignature
    }

    /// A store of `roots` that validates at genTime.
    private func makeStore(_ roots: [Certificate]) -> OpaquePointer? {
        guard let store = X509_STORE_new() else { return nil }
        for r in roots { _ = X509_STORE_add_cert(store, r.x509) }  // takes its own reference
        if let param = X509_STORE_get0_param(store) {
            X509_VERIFY_PARAM_set_time(param, time_t(genTime.timeIntervalSince1970.rounded(.down)))
        }
        return store
    }

    /// A stack holding its own references to `certs`; free with `hoso_sk_x509_pop_free`.
    private static func stack(_ certs: [Certificate]) -> OpaquePointer? {
        guard let s = hoso_sk_x509_new() else { return nil }
        for c in certs {
            X509_up_ref(c.x509)
            if hoso_sk_x509_push(s, c.x509) <= 0 { X509_free(c.x509) }
        }
        return s
    }

    private static func parsePKCS7(_ der: [UInt8]) -> UnsafeMutablePointer<PKCS7>? {
        guard der.count <= OpenSSL.maxDERBytes else { return nil }
        return der.withUnsafeBufferPointer { buf -> UnsafeMutablePointer<PKCS7>? in
            guard let base = buf.baseAddress else { return nil }
            var p: UnsafePointer<UInt8>? = base
            guard let obj = d2i_PKCS7(nil, &p, buf.count) else { return nil }
            if p != base + buf.count {
                PKCS7_free(obj)
                return nil
            }
            return obj
        }
    }

    /// A GeneralizedTime as a Date, keeping fractional seconds ("20190601100000.25Z").
    static func date(_ t: UnsafePointer<ASN1_GENERALIZEDTIME>) -> Date? {
        guard let whole = OpenSSL.date(t) else { return nil }
        let text = OpenSSL.string(t)
        guard let dot = text.firstIndex(where: { $0 == "." || $0 == "," }) else { return whole }
        let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let frac = Double("0." + digits) else { return whole }
        return whole.addingTimeInterval(frac)
    }
}
