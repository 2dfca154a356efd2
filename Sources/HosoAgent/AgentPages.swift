import Foundation
import HosoCore
import HosoPrimitives
import HosoSigning
import HosoTransport

/// The agent's own pages (Vietnamese first, English beneath) and its small JSON answers. No script, nothing from
/// elsewhere, never framed: a page of another site cannot show the PIN form inside its own. The referrer policy is
/// same-origin, not no-referrer: with no-referrer Chrome sends `Origin: null` on the page's own form post, which the
/// confirmation's origin check must be able to tell from a foreign one.
enum AgentPages {
    static let headers = [
        (
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
        ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
    ]

    static func plain(_ status: Int, _ text: String, headers extra: [(String, String)] = []) -> HTTPService.Response {
        .init(status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8), headers: headers + extra)
    }

    static func json(_ status: Int, _ value: [String: any Sendable], headers extra: [(String, String)]) -> HTTPService.Response {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("{}".utf8)
        return .init(status: status, contentType: "application/json", body: [UInt8](data), headers: headers + extra)
    }

    static func random() -> String {
        var g = SystemRandomNumberGenerator()
        return Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    static func esc(_ s: String) -> String { HTMLText.escape(s) }

    /// `application/x-www-form-urlencoded`, as the confirmation form posts it.
    static func parseForm(_ body: [UInt8]) -> [String: String] {
        var out = [String: String]()
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if kv.count == 2, out[kv[0]] == nil { out[kv[0]] = kv[1] }
        }
        return out
    }

    static func page(_ title: String, status: Int = 200, refresh: String? = nil, _ body: String) -> HTTPService.Response {
        let meta = refresh.map { "<meta http-equiv=\"refresh\" content=\"2;url=\(esc($0))\">" } ?? ""
        let html = """
            <!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            \(meta)<title>\(esc(title))</title><style>
            body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;line-height:1.4}
            table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.25rem .5rem;text-align:left}
            .en{color:#555;font-size:.9em}.error{color:#a00;font-weight:bold}button{font-size:1.1em;padding:.4rem 1rem;margin:.5rem .5rem 0 0}
            input{font-size:1.1em}</style></head><body>\(body)</body></html>
            """
        return .init(status: status, contentType: "text/html; charset=utf-8", body: Array(html.utf8), headers: headers)
    }

    /// The batch in plain words, read from the bytes the agent fetched: school, class, subject, term.
    static func confirm(_ b: PendingBatch, certificate: Certificate?, error: LocalizedText?) -> HTTPService.Response {
        let rows = b.items.enumerated().map { n, i in
            let s = i.summary
            return "<tr><td>\(n + 1)</td><td>\(esc(s.school))</td><td>\(esc(s.className))</td><td>\(esc(s.subject))</td>"
                + "<td>\(esc(s.term)) \(esc(s.schoolYear))</td><td>\(s.students)</td><td>\(esc(s.teacher))</td></tr>"
        }
        let who = certificate.map { "<p>Chứng thư số / certificate: <strong>\(esc($0.commonName ?? $0.subject))</strong></p>" } ?? ""
        let err =
            error.map { "<p class=\"error\" id=\"error\" role=\"alert\">\(esc($0.vi)) <span class=\"en\">\(esc($0.en))</span></p>" } ?? ""
        return page(
            "Xác nhận ký số",
            """
            <h1>Xác nhận ký số <span class="en">Confirm signing</span></h1>
            <p>Máy chủ <span class="en">server</span>: <strong id="origin">\(esc(b.origin))</strong></p>
            <p>Ký với vai trò <strong>\(esc(b.role.title.vi))</strong> <span class="en">as \(esc(b.role.title.en))</span>
            — <strong id="count">\(b.items.count)</strong> sổ điểm <span class="en">grade books</span></p>\(who)
            <p>Nội dung dưới đây do công cụ ký đọc từ chính dữ liệu sẽ được ký.
            <span class="en">What is listed was read by the agent from the very data it will sign.</span></p>
            <table id="items"><thead><tr><th>STT</th><th>Trường <span class="en">school</span></th><th>Lớp <span class="en">class</span></th>
            <th>Môn <span class="en">subject</span></th><th>Học kì <span class="en">term</span></th><th>Số học sinh <span class="en">students</span></th>
            <th>Giáo viên <span class="en">teacher</span></th></tr></thead><tbody>\(rows.joined())</tbody></table>
            \(err)<form method="post" action="/confirm/\(b.id)"><input type="hidden" name="nonce" value="\(b.nonce)">
            <p><label>Mã PIN của thiết bị ký (token) <span class="en">token PIN</span><br>
            <input type="password" name="pin" id="pin" autocomplete="off" required></label></p>
            <button type="submit" name="action" value="sign" id="confirm">Ký \(b.items.count) sổ điểm <span class="en">Sign</span></button>
            <button type="submit" name="action" value="cancel" id="cancel" formnovalidate>Hủy <span class="en">Cancel</span></button></form>
            """)
    }

    static func result(_ b: PendingBatch) -> HTTPService.Response {
        let o = b.outcome ?? BatchOutcome(logins: 0, signed: 0, accepted: 0, refused: [])
        let ok = o.refused.isEmpty && o.accepted == b.items.count
        let refused = o.refused.map { "<li>\(esc($0))</li>" }.joined()
        let back =
            b.returnURL.map {
                "<p><a id=\"back\" href=\"\(esc($0))\">Quay lại trang sổ điểm <span class=\"en\">back to the grade book</span></a></p>"
            } ?? ""
        return page(
            ok ? "Đã ký" : "Có sổ chưa được nhận", refresh: ok ? b.returnURL : nil,
            """
            <h1>\(ok ? "Đã ký xong" : "Có sổ điểm máy chủ chưa nhận") <span class="en">\(ok ? "Signed" : "Some were not accepted")</span></h1>
            <p id="result" data-logins="\(o.logins)" data-signed="\(o.signed)" data-accepted="\(o.accepted)">
            Đã ký \(o.signed) sổ điểm với một lần nhập mã PIN; máy chủ đã nhận \(o.accepted).
            <span class="en">\(o.signed) signed with one PIN entry; the server accepted \(o.accepted).</span></p>
            <ul class="error">\(refused)</ul>\(back)
            """)
    }

    static func tooManyPINs(_ b: PendingBatch) -> HTTPService.Response {
        page(
            "Sai mã PIN", status: 403,
            """
            <h1 id="too-many-pins">Sai mã PIN \(AgentState.maxPinFailures) lần: lượt ký đã hủy, không ký gì
            <span class="en">Wrong PIN \(AgentState.maxPinFailures) times: the batch was cancelled, nothing was signed</span></h1>
            <p>Hãy kiểm tra mã PIN rồi ký lại từ trang sổ điểm; nhập sai nhiều lần nữa có thể khóa token.
            <span class="en">Check the PIN and start again from the grade book; more wrong PINs may lock the token.</span></p>
            """)
    }

    static func cancelled(_ b: PendingBatch) -> HTTPService.Response {
        page("Đã hủy", refresh: b.returnURL, "<h1>Đã hủy, không ký gì <span class=\"en\">Cancelled: nothing was signed</span></h1>")
    }
}
