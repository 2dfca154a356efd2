import Foundation
import HTTPTypes
import HosoKit
import Hummingbird
import NIOCore

/// A submitted form: fields from `application/x-www-form-urlencoded` or `multipart/form-data`, and uploaded files.
struct Form: Sendable {
    struct File: Sendable {
        var fieldName: String
        var fileName: String
        var contentType: String
        var bytes: [UInt8]
    }

    var fields: [String: [String]] = [:]
    var files: [File] = []

    subscript(_ name: String) -> String? { fields[name]?.first }

    /// A trimmed, non-empty value, or nil.
    func value(_ name: String) -> String? {
        guard let v = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    func file(_ name: String) -> File? { files.first { $0.fieldName == name && !$0.bytes.isEmpty } }

    /// Forms are small; uploads (a copy PDF, a photo) are bounded by `limit`.
    static func read(_ request: Request, limit: Int = 25 * 1024 * 1024) async throws -> Form {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw HosoError(
                .bodyTooLarge,
                .both(
                    "Dữ liệu gửi lên quá lớn (tối đa \(limit / 1_048_576) MB)",
                    "The upload is too large (at most \(limit / 1_048_576) MB)"))
        }
        let bytes = Array(buffer.readableBytesView)
        let type = request.headers[.contentType] ?? ""
        if type.lowercased().hasPrefix("multipart/form-data") {
            guard let b = boundary(type) else {
                throw HosoError(.badUserInput, .both("Thiếu ranh giới multipart", "The multipart boundary is missing"))
            }
            return try parseMultipart(bytes, boundary: b)
        }
        return parseURLEncoded(String(decoding: bytes, as: UTF8.self))
    }

    static func parseURLEncoded(_ s: String) -> Form {
        var f = Form()
        for pair in s.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ x: Substring) -> String {
                String(x).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(x)
            }
            let k = decode(kv[0])
            f.fields[k, default: []].append(kv.count > 1 ? decode(kv[1]) : "")
        }
        return f
    }

    static func boundary(_ contentType: String) -> String? {
        for part in contentType.split(separator: ";") {
            let p = part.trimmingCharacters(in: .whitespaces)
            if p.lowercased().hasPrefix("boundary=") {
                var b = String(p.dropFirst("boundary=".count))
                if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
                return b.isEmpty || b.count > 200 ? nil : b
            }
        }
        return nil
    }

    /// RFC 7578, the subset browsers send: parts separated by `--boundary`, headers, a blank line, the content.
    static func parseMultipart(_ body: [UInt8], boundary: String) throws -> Form {
        let bad = HosoError(.badUserInput, .both("Dữ liệu multipart không hợp lệ", "Malformed multipart data"))
        let delimiter = Array(("--" + boundary).utf8)
        var f = Form()
        var positions = [Int]()
        var i = 0
        while let p = find(delimiter, in: body, from: i) {
            positions.append(p)
            i = p + delimiter.count
        }
        guard positions.count >= 2 else { throw bad }
        for (a, b) in zip(positions, positions.dropFirst()) {
            var start = a + delimiter.count
            // CRLF after the delimiter line.
            if start + 1 < body.count, body[start] == 0x0D, body[start + 1] == 0x0A { start += 2 } else { throw bad }
            var end = b
            if end >= 2, body[end - 2] == 0x0D, body[end - 1] == 0x0A { end -= 2 }
            guard end >= start, let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: start), headerEnd <= end else { throw bad }
            let headers = String(decoding: body[start..<headerEnd], as: UTF8.self)
            let content = Array(body[(headerEnd + 4)..<end])
            var name: String?
            var fileName: String?
            var type = "text/plain"
            for line in headers.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = param("name", in: line)
                    fileName = param("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    type = String(line.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces)
                }
            }
            guard let name else { throw bad }
            if let fileName {
                f.files.append(File(fieldName: name, fileName: fileName, contentType: type, bytes: content))
            } else {
                f.fields[name, default: []].append(String(decoding: content, as: UTF8.self))
            }
        }
        return f
    }

    static func param(_ key: String, in line: String) -> String? {
        for piece in line.split(separator: ";").dropFirst() {
            let p = piece.trimmingCharacters(in: .whitespaces)
            guard p.hasPrefix(key + "=") else { continue }
            var v = String(p.dropFirst(key.count + 1))
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
