import Foundation
import HosoCore

extension HosoError.Code {
    /// A copy QR code that is a web address, but not one on the office's public verification page (another site, or
    /// the office has no public page configured): a phone camera would open someone else's page.
    public static let qrLinkForeignHost = Self("QR_LINK_FOREIGN_HOST", .badInput)
    /// A web address in a copy QR code that is too long, or does not carry a payload the way hoso writes it.
    public static let qrLinkInvalid = Self("QR_LINK_INVALID", .badInput)
    /// The office's public page address is not an http(s) address without query or fragment.
    public static let publicURLInvalid = Self("PUBLIC_URL_INVALID", .badInput)
}

/// The QR code as a link to the office's public verification page: `<publicURL>/v#<payload>`, where the payload is
/// the binary form of `QRPayloadCodec` in base64url (RFC 4648 §5, no padding). A phone camera opens the page, which
/// posts the fragment for checking; the same bytes still verify offline (`bareText` turns the link back into the
/// `HS1:` text).
///
/// The payload rides in the fragment, not in a query parameter: browsers never send a fragment to the server, so
/// the holder's name and date of birth are not written to the office's (or a proxy's) access logs and are not
/// repeated in a Referer header. The page's script reads it and posts it in a request body, which is not logged.
///
/// The address itself is not signed: anyone can put a genuine payload behind their own site's address. So a link is
/// accepted only on the office's configured page (scheme, host, port and path), and the copy's footer prints the
/// address people should see.
public enum QRLink {
    /// The page's path under `publicURL`.
    public static let path = "/v"
    /// The longest link written: the byte-mode capacity of a QR code of version 15 at level M is 412 bytes.
    public static let maxLength = 400
    /// The longest text looked at when reading (anything longer is refused before parsing).
    public static let maxReadLength = 1024

    /// True for text that is a web address (any host): it must then be read with `bareText`, never trusted as is.
    public static func isLink(_ text: String) -> Bool {
        let t = text.prefix(8).lowercased()
        return t.hasPrefix("https://") || t.hasPrefix("http://")
    }

    /// A link shaped like a copy's (`…/v#…`), whatever its host: a candidate for `bareText`, which judges the host.
    public static func looksLikeCopyLink(_ text: String) -> Bool {
        guard isLink(text), text.utf8.count <= maxReadLength, let hash = text.firstIndex(of: "#") else { return false }
        return text[..<hash].hasSuffix(path) && text.index(after: hash) < text.endIndex
    }

    /// The office's public page address in its one form (no trailing slash), or a plain error.
    public static func normalizedPublicURL(_ s: String) throws -> String {
        var t = s.trimmingCharacters(in: .whitespaces)
        while t.hasSuffix("/") { t.removeLast() }
        guard t.utf8.count <= 200, isLink(t), let c = URLComponents(string: t), let host = c.host, !host.isEmpty,
            c.query == nil, c.fragment == nil, c.user == nil, c.password == nil,
            t.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 })
        else {
            throw HosoError(
                .publicURLInvalid,
                .both(
                    "Địa chỉ trang kiểm tra phải có dạng https://ten-mien/duong-dan (không có ? hay #, tối đa 200 ký tự)",
                    "The public page address must look like https://host/path (no ? or #, at most 200 characters)"),
                location: "publicURL")
        }
        return t
    }

    /// The link for a signed `HS1:` text on the page at `publicURL`.
    public static func url(publicURL: String, payload text: String) throws -> String {
        let base = try normalizedPublicURL(publicURL)
        let bytes = try binary(ofBare: text)
        let link = base + path + "#" + base64url(bytes)
        guard link.utf8.count <= maxLength else {
            throw HosoError(
                .qrPayloadTooLarge,
                .both(
                    "Đường dẫn kiểm tra dài \(link.utf8.count) ký tự, quá \(maxLength); hãy rút ngắn địa chỉ trang kiểm tra hoặc tên cơ quan",
                    "The check link is \(link.utf8.count) characters, over \(maxLength); shorten the public page address or the office code"
                ))
        }
        return link
    }

    /// The `HS1:` text a scanned QR code carries: a bare payload as it is (old copies), a link only when it points at
    /// the office's page `publicURL`. A foreign or unconfigured page is QR_LINK_FOREIGN_HOST; a damaged link
    /// QR_LINK_INVALID. `publicURL` nil with `anyHost` accepts a link to any page: offline, signature-only checks.
    public static func bareText(_ scanned: String, publicURL: String?, anyHost: Bool = false) throws -> String {
        let text = scanned.trimmingCharacters(in: .whitespacesAndNewlines)
        guard isLink(text) else { return text }
        guard text.utf8.count <= maxReadLength else {
            throw invalid("dài quá \(maxReadLength) ký tự", "longer than \(maxReadLength) characters")
        }
        guard let hash = text.firstIndex(of: "#") else { throw invalid("không có dữ liệu sau #", "no data after #") }
        let address = String(text[..<hash])
        let fragment = String(text[text.index(after: hash)...])
        guard let c = URLComponents(string: address), let host = c.host?.lowercased(), c.query == nil else {
            throw invalid("không đọc được địa chỉ", "the address cannot be read")
        }
        if let publicURL, let expected = URLComponents(string: try normalizedPublicURL(publicURL)) {
            let sameOrigin =
                c.scheme?.lowercased() == expected.scheme?.lowercased() && host == expected.host?.lowercased()
                && effectivePort(c) == effectivePort(expected)
            guard sameOrigin, c.percentEncodedPath == expected.percentEncodedPath + path else {
                throw foreign(host)
            }
        } else if !anyHost {
            throw foreign(host)
        }
        guard let bytes = base64urlDecode(fragment), !bytes.isEmpty else {
            throw invalid("dữ liệu sau # không phải base64url", "the data after # is not base64url")
        }
        return QRPayloadCodec.prefix + Base45.encode(bytes)
    }

    /// The host a link points at (for reports), nil for a bare payload or an unreadable address.
    public static func host(of scanned: String) -> String? {
        let text = scanned.trimmingCharacters(in: .whitespacesAndNewlines)
        guard isLink(text), text.utf8.count <= maxReadLength else { return nil }
        return URLComponents(string: String(text.prefix { $0 != "#" }))?.host?.lowercased()
    }

    static func effectivePort(_ c: URLComponents) -> Int {
        c.port ?? (c.scheme?.lowercased() == "https" ? 443 : 80)
    }

    static func foreign(_ host: String) -> HosoError {
        HosoError(
            .qrLinkForeignHost,
            .both(
                "Mã QR dẫn tới một trang web khác (\(host.prefix(80))), không phải trang kiểm tra của cơ quan cấp bản sao",
                "The QR code leads to another website (\(host.prefix(80))), not the issuing office's verification page"))
    }

    static func invalid(_ vi: String, _ en: String) -> HosoError {
        HosoError(.qrLinkInvalid, .both("Đường dẫn trong mã QR bị hỏng: \(vi)", "The link in the QR code is damaged: \(en)"))
    }

    static func binary(ofBare text: String) throws -> [UInt8] {
        guard text.hasPrefix(QRPayloadCodec.prefix) else {
            throw HosoError(.qrPayloadInvalid, .both("Không phải dữ liệu QR của bản sao", "Not a copy QR payload"))
        }
        do { return try Base45.decode(String(text.dropFirst(QRPayloadCodec.prefix.count))) } catch {
            throw HosoError(.qrPayloadInvalid, .both("Dữ liệu QR không phải Base45", "The QR payload is not Base45"), cause: error.detail)
        }
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Base64url without padding.
    public static func base64url(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            var v = 0
            for k in 0..<3 { v = v << 8 | (k < n ? Int(bytes[i + k]) : 0) }
            for k in 0..<(n + 1) { out.append(alphabet[(v >> (18 - 6 * k)) & 63]) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict base64url without padding: only its alphabet, no leftover bits set; nil otherwise.
    public static func base64urlDecode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 != 1 else { return nil }
        var values = [Int]()
        values.reserveCapacity(chars.count)
        for c in chars {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            values.append(v)
        }
        var out = [UInt8]()
        var i = 0
        while i < values.count {
            let n = min(4, values.count - i)
            var v = 0
            for k in 0..<4 { v = v << 6 | (k < n ? values[i + k] : 0) }
            let bytes = n - 1
            // Bits below the last whole byte must be zero: one text per byte string.
            if bytes < 3, v & ((1 << (8 * (3 - bytes))) - 1) != 0 { return nil }
            for k in 0..<bytes { out.append(UInt8((v >> (16 - 8 * k)) & 0xFF)) }
            i += 4
        }
        return out
    }
}
