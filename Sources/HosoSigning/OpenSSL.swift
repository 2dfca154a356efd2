import COpenSSL
import Foundation
import HosoCore
import HosoPrimitives
import Synchronization

extension HosoError.Code {
    /// OpenSSL refused an operation; the cause carries its error queue.
    public static let cryptoError = Self("CRYPTO_ERROR", .badInput)
    public static let badCertificate = Self("BAD_CERTIFICATE", .badInput)
    public static let badKey = Self("BAD_KEY", .badInput)
    public static let badCRL = Self("BAD_CRL", .badInput)
    public static let badSignature = Self("BAD_SIGNATURE", .badInput)
    public static let badPassword = Self("BAD_PASSWORD", .badInput)
    public static let weakAlgorithm = Self("WEAK_ALGORITHM", .badInput)
    public static let keyCertMismatch = Self("KEY_CERTIFICATE_MISMATCH", .badInput)
    public static let certificateNotUsable = Self("CERTIFICATE_NOT_USABLE", .badInput)
    public static let tokenError = Self("TOKEN_ERROR", .badInput)
    public static let badTimestamp = Self("BAD_TIMESTAMP", .badInput)
    public static let tsaUnavailable = Self("TSA_UNAVAILABLE", .badInput)
}

/// The OpenSSL error queue, drained into one line of text.
enum OpenSSL {
    static func drainErrors() -> String {
        var parts = [String]()
        var buf = [CChar](repeating: 0, count: 256)
        while true {
            let e = ERR_get_error()
            if e == 0 { break }
            ERR_error_string_n(e, &buf, buf.count)
            parts.append(String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return parts.isEmpty ? "no OpenSSL error detail" : parts.joined(separator: "; ")
    }

    static func error(_ code: HosoError.Code, _ message: LocalizedText, location: String? = nil) -> HosoError {
        HosoError(code, message, location: location, cause: drainErrors())
    }

    /// Throws with the error queue when an OpenSSL call returned ≤ 0.
    static func check(_ rc: Int32, _ code: HosoError.Code = .cryptoError, _ message: LocalizedText) throws {
        if rc <= 0 { throw error(code, message) }
    }

    /// Throws with the error queue when an OpenSSL call returned NULL.
    static func nonNull<T>(_ p: T?, _ code: HosoError.Code = .cryptoError, _ message: LocalizedText) throws -> T {
        guard let p else { throw error(code, message) }
        return p
    }

    // MARK: BIO helpers

    /// A read-only memory BIO over `bytes` for the duration of `body`.
    static func withReadBIO<R>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> R) throws -> R {
        try bytes.withUnsafeBytes { raw in
            // BIO_new_mem_buf does not copy: the buffer must outlive the BIO, which `body` guarantees.
            guard let bio = BIO_new_mem_buf(raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(raw.count))
            else { throw error(.cryptoError, .both("Không tạo được bộ đệm", "Could not create a memory buffer")) }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// A writable memory BIO; returns what `body` wrote.
    static func collect(_ body: (OpaquePointer) throws -> Void) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw error(.cryptoError, .both("Không tạo được bộ đệm", "Could not create a memory buffer"))
        }
        defer { BIO_free(bio) }
        try body(bio)
        return bioBytes(bio)
    }

    static func bioBytes(_ bio: OpaquePointer) -> [UInt8] {
        var p: UnsafeMutablePointer<CChar>?
        let n = hoso_bio_mem_data(bio, &p)
        guard n > 0, let p else { return [] }
        return p.withMemoryRebound(to: UInt8.self, capacity: n) { Array(UnsafeBufferPointer(start: $0, count: n)) }
    }

    /// DER through an `i2d_*` function.
    static func der(_ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) throws -> [UInt8] {
        // One pass: with a NULL output pointer OpenSSL allocates the buffer itself (encoding twice, once for the
        // size, was a sixth of the cost of a CMS signature).
        var p: UnsafeMutablePointer<UInt8>?
        let n = encode(&p)
        guard n > 0, let p else { throw error(.cryptoError, .both("Không mã hóa được DER", "Could not encode DER")) }
        defer { hoso_openssl_free(p) }
        return Array(UnsafeBufferPointer(start: p, count: Int(n)))
    }

    /// The largest DER handed to OpenSSL: a CMS with its chain, CRLs and timestamp is tens of KiB, a big CRL a few
    /// MiB. Checked before `d2i_*`, which would otherwise build a structure as large as whatever arrived.
    static let maxDERBytes = 32 << 20

    /// Calls a `d2i_*` function over `bytes`; nil when they do not parse, have trailing bytes (a signature must
    /// not carry bytes that no one checks) or are larger than `maxDERBytes`.
    static func parseDER(
        _ bytes: [UInt8], _ decode: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> OpaquePointer?,
        free: (OpaquePointer) -> Void
    ) -> OpaquePointer? {
        guard bytes.count <= maxDERBytes else { return nil }
        return bytes.withUnsafeBufferPointer { buf -> OpaquePointer? in
            guard let base = buf.baseAddress else { return nil }
            var p: UnsafePointer<UInt8>? = base
            guard let obj = decode(&p, buf.count) else { return nil }
            if p != base + buf.count {
                free(obj)
                return nil
            }
            return obj
        }
    }

    // MARK: ASN.1 values

    static func string(_ s: UnsafePointer<ASN1_STRING>?) -> String {
        guard let s, let data = ASN1_STRING_get0_data(s) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(s))), as: UTF8.self)
    }

    static func bytes(_ s: UnsafePointer<ASN1_STRING>?) -> [UInt8] {
        guard let s, let data = ASN1_STRING_get0_data(s) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(s))))
    }

    /// An ASN1_TIME as a Date (UTC).
    static func date(_ t: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let t else { return nil }
        var tm = tm()
        guard ASN1_TIME_to_tm(t, &tm) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    /// A new ASN1_TIME for `date`; the caller frees it.
    static func asn1Time(_ date: Date) throws -> UnsafeMutablePointer<ASN1_TIME> {
        try nonNull(
            ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970.rounded(.down))), .cryptoError,
            .both("Không tạo được thời điểm ASN.1", "Could not make an ASN.1 time"))
    }

    /// Text of an X509_NAME, one line, UTF-8 (RFC 2253 order, multi-valued RDNs joined with '+').
    static func nameText(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        let flags = hoso_xn_flags_utf8()
        return (try? String(decoding: collect { bio in _ = X509_NAME_print_ex(bio, name, 0, flags) }, as: UTF8.self)) ?? ""
    }

    /// One attribute (e.g. NID_commonName) of an X509_NAME, UTF-8.
    static func nameEntry(_ name: OpaquePointer?, nid: Int32) -> String? {
        guard let name else { return nil }
        let i = X509_NAME_get_index_by_NID(name, nid, -1)
        guard i >= 0, let e = X509_NAME_get_entry(name, i), let d = X509_NAME_ENTRY_get_data(e) else { return nil }
        var out: UnsafeMutablePointer<UInt8>?
        let n = ASN1_STRING_to_UTF8(&out, d)
        guard n >= 0, let out else { return nil }
        defer { hoso_openssl_free(out) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(n)), as: UTF8.self)
    }

    static func object(_ oid: String) throws -> OpaquePointer {
        try nonNull(OBJ_txt2obj(oid, 1), .cryptoError, .both("OID không hợp lệ: \(oid)", "Invalid OID: \(oid)"))
    }

    /// The NID of an OID, registering it with OpenSSL the first time (OBJ_txt2obj on every signature was measurable).
    /// Looked up and registered under one lock: two threads registering the same OID at once made the second
    /// OBJ_create fail ("oid exists") and cached NID_undef, after which every signature of the process failed.
    /// A failure is never cached.
    static func nid(_ oid: String) -> Int32 {
        nids.withLock { cache in
            if let n = cache[oid] { return n }
            var n = OBJ_txt2nid(oid)
            if n == NID_undef { n = OBJ_create(oid, nil, nil) }
            if n == NID_undef {
                // Registered by someone else meanwhile (OpenSSL itself, another library): take theirs.
                ERR_clear_error()
                n = OBJ_txt2nid(oid)
            }
            if n != NID_undef { cache[oid] = n }
            return n
        }
    }

    private static let nids = Mutex<[String: Int32]>([:])

    static func oidText(_ obj: OpaquePointer?) -> String {
        guard let obj else { return "" }
        var buf = [CChar](repeating: 0, count: 128)
        let n = OBJ_obj2txt(&buf, Int32(buf.count), obj, 1)
        return n > 0 ? String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }
}

/// PEM blocks in a file or text: "-----BEGIN X-----" … "-----END X-----", with their labels.
enum PEM {
    static func blocks(_ bytes: [UInt8]) -> [(label: String, der: [UInt8])] {
        let text = String(decoding: bytes, as: UTF8.self)
        var out = [(String, [UInt8])]()
        var label: String?
        var body = ""
        for line in text.split(whereSeparator: \.isNewline) {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("-----BEGIN "), l.hasSuffix("-----") {
                label = String(l.dropFirst(11).dropLast(5))
                body = ""
            } else if l.hasPrefix("-----END "), let lab = label {
                if let d = Data(base64Encoded: body) { out.append((lab, [UInt8](d))) }
                label = nil
            } else if label != nil {
                body += l
            }
        }
        return out
    }

    static func encode(_ der: [UInt8], label: String) -> String {
        let b64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(b64)\n-----END \(label)-----\n"
    }

    static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        bytes.prefix(4096).withUnsafeBufferPointer { buf in
            String(decoding: buf, as: UTF8.self).contains("-----BEGIN ")
        }
    }
}
